import { describe, expect, it } from "vitest";
import {
  addMonths,
  isoWeekKey,
  longDate,
  monthGrid,
  monthLabel,
  shiftWeek,
  startOfWeek,
  weekContaining,
  weekdayNames,
} from "./calendar";

describe("weekContaining", () => {
  it("follows ISO weeks for Monday-start weeks", () => {
    expect(weekContaining("2026-11-16", "monday")).toBe("2026-W47");
    expect(weekContaining("2026-11-22", "monday")).toBe("2026-W47");
    expect(weekContaining("2026-11-23", "monday")).toBe("2026-W48");
  });

  it("puts a Sunday in the week it starts when weeks start on Sunday", () => {
    // As the core's WeekKey::containing: Sunday 15 Nov starts week 47.
    expect(weekContaining("2026-11-15", "sunday")).toBe("2026-W47");
    expect(weekContaining("2026-11-15", "monday")).toBe("2026-W46");
    expect(weekContaining("2026-11-21", "sunday")).toBe("2026-W47");
    expect(weekContaining("2026-11-22", "sunday")).toBe("2026-W48");
  });

  it("crosses years as ISO weeks do", () => {
    expect(isoWeekKey("2027-01-01")).toBe("2026-W53");
    expect(isoWeekKey("2026-01-01")).toBe("2026-W01");
    expect(isoWeekKey("2024-12-30")).toBe("2025-W01");
    expect(weekContaining("2027-01-03", "sunday")).toBe("2027-W01");
  });

  it("agrees with shiftWeek day by day over several years", () => {
    let key = "2024-W01";
    let monday = "2024-01-01";
    for (let i = 0; i < 200; i++) {
      for (let d = 0; d < 7; d++) {
        const date = new Date(Date.parse(`${monday}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10);
        expect(weekContaining(date, "monday")).toBe(key);
      }
      monday = new Date(Date.parse(`${monday}T00:00:00Z`) + 7 * 86_400_000).toISOString().slice(0, 10);
      key = shiftWeek(key, 1)!;
    }
  });
});

describe("monthGrid", () => {
  it("lays a month out in whole weeks from the user's first weekday", () => {
    const mon = monthGrid("2026-11-20", "monday");
    expect(mon[0]![0]).toBe("2026-10-26");
    expect(mon.at(-1)!.at(-1)).toBe("2026-12-06");
    expect(mon.every((row) => row.length === 7)).toBe(true);
    expect(mon.length).toBe(6);
    const sun = monthGrid("2026-11-20", "sunday");
    expect(sun[0]![0]).toBe("2026-11-01");
    expect(sun.at(-1)!.at(-1)).toBe("2026-12-05");
    expect(sun.length).toBe(5);
  });

  it("starts weeks where the setting says", () => {
    expect(startOfWeek("2026-11-18", "monday")).toBe("2026-11-16");
    expect(startOfWeek("2026-11-18", "sunday")).toBe("2026-11-15");
    expect(startOfWeek("2026-11-15", "sunday")).toBe("2026-11-15");
    expect(weekdayNames("sunday")[0]!.long).toBe("Sunday");
    expect(weekdayNames("monday")[6]!.long).toBe("Sunday");
  });
});

describe("months and names", () => {
  it("clamps to the end of shorter months", () => {
    expect(addMonths("2026-01-31", 1)).toBe("2026-02-28");
    expect(addMonths("2026-12-15", 1)).toBe("2027-01-15");
    expect(addMonths("2026-01-15", -1)).toBe("2025-12-15");
  });

  it("reads naturally", () => {
    expect(monthLabel("2026-11-20")).toBe("November 2026");
    expect(longDate("2026-11-16")).toBe("Monday 16 November 2026");
  });
});
