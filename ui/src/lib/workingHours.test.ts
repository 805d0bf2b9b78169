import { describe, expect, it } from "vitest";
import type { Weekday } from "../ipc";
import { describeDays, sortDays, weekdaysFrom, workingHoursProblem } from "./workingHours";

const WEEKDAYS: Weekday[] = ["monday", "tuesday", "wednesday", "thursday", "friday"];

describe("working hours", () => {
  it("lists the days in the order of the user's week", () => {
    expect(weekdaysFrom("monday")).toEqual(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]);
    expect(weekdaysFrom("sunday")).toEqual(["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]);
  });

  it("keeps the days Monday first and once each, as the core stores them", () => {
    expect(sortDays(["sunday", "thursday", "monday", "thursday"])).toEqual(["monday", "thursday", "sunday"]);
  });

  it("says what the core would refuse, in its words", () => {
    const ok = { start: "08:00", end: "16:30", days: WEEKDAYS };
    expect(workingHoursProblem(ok)).toBeNull();
    expect(workingHoursProblem({ ...ok, start: "" })).toBe("the start time must be HH:MM, like 09:00");
    expect(workingHoursProblem({ ...ok, start: "8:00" })).toBe("the start time must be HH:MM, like 09:00");
    expect(workingHoursProblem({ ...ok, end: "24:00" })).toBe("the end time must be HH:MM, like 17:00");
    expect(workingHoursProblem({ ...ok, end: "08:00" })).toBe("the end time must be after the start time");
    expect(workingHoursProblem({ ...ok, start: "16:30", end: "09:00" })).toBe("the end time must be after the start time");
    expect(workingHoursProblem({ ...ok, start: "09:59", end: "10:00" })).toBeNull();
    expect(workingHoursProblem({ ...ok, days: [] })).toBe("choose at least one working day");
  });

  it("names runs of days in the user's week, wrapping past its end", () => {
    expect(describeDays(WEEKDAYS, "monday")).toBe("Mon–Fri");
    expect(describeDays(WEEKDAYS, "sunday")).toBe("Mon–Fri");
    const sunToThu: Weekday[] = ["sunday", "monday", "tuesday", "wednesday", "thursday"];
    expect(describeDays(sunToThu, "sunday")).toBe("Sun–Thu");
    expect(describeDays(sunToThu, "monday")).toBe("Sun–Thu");
    expect(describeDays(["monday", "tuesday", "wednesday", "thursday"], "monday")).toBe("Mon–Thu");
    expect(describeDays(["monday", "wednesday", "friday"], "monday")).toBe("Mon, Wed, Fri");
    expect(describeDays(["saturday", "sunday"], "monday")).toBe("Sat, Sun");
    expect(describeDays(["saturday", "sunday"], "sunday")).toBe("Sat, Sun");
    expect(describeDays(["monday", "tuesday", "wednesday", "friday"], "monday")).toBe("Mon–Wed, Fri");
    expect(describeDays(["thursday"], "monday")).toBe("Thu");
    expect(describeDays([...WEEKDAYS, "saturday", "sunday"], "monday")).toBe("every day");
    expect(describeDays(["friday", "monday", "tuesday", "wednesday", "thursday"], "monday")).toBe("Mon–Fri");
  });
});
