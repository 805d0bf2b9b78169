import { describe, expect, it } from "vitest";
import type { CategoryTotals, Day, EventItem } from "../../ipc";
import { day as dayFixture, event as eventFixture } from "../../test/fixtures";
import { categoryFigures, chartScale, dayStack, eventTag } from "./categories";

const zero: CategoryTotals = { meetings: 0, focus: 0, personal: 0, other: 0, out_of_office_days: 0 };

function day(categories: Partial<CategoryTotals>): Day {
  const c = { ...zero, ...categories };
  return dayFixture({ event_minutes: c.meetings + c.focus + c.personal + c.other, categories: c });
}

function event(over: Partial<EventItem>): EventItem {
  return eventFixture({
    source_id: 1,
    color: null,
    title: "x",
    end_time: "10:00",
    starts: "",
    ends: "",
    minutes: 60,
    response: null,
    attendees: 0,
    link: null,
    ...over,
  });
}

describe("category figures", () => {
  it("lists categories with time this week or a change, in priority order", () => {
    const figures = categoryFigures({ ...zero, focus: 90, meetings: 300 }, { ...zero, meetings: 60, personal: -30 });
    expect(figures.map((f) => [f.category, f.minutes, f.delta])).toEqual([
      ["meetings", 300, 60],
      ["focus", 90, 0],
      ["personal", 0, -30],
    ]);
  });

  it("stacks a day's categories against the week's scale", () => {
    const days = [day({ meetings: 120, focus: 240 }), day({ personal: 30 })];
    const scale = chartScale(days);
    expect(scale).toBe(360);
    expect(dayStack(days[0]!, scale).map((s) => [s.category, Math.round(s.percent)])).toEqual([
      ["meetings", 33],
      ["focus", 67],
    ]);
    // A light week keeps a 4-hour scale.
    expect(chartScale([day({ other: 30 })])).toBe(240);
    expect(dayStack(day({}), 240)).toEqual([]);
  });
});

describe("event tags", () => {
  it("names the category, the day note or why time does not count", () => {
    expect(eventTag(event({}))).toBe("Meetings");
    expect(eventTag(event({ category: null, counted: false, not_counted: "annotation", annotation: "out_of_office" }))).toBe(
      "Out of office",
    );
    expect(eventTag(event({ counted: false, not_counted: "free" }))).toBe("Meetings · shown as free, not counted");
    expect(eventTag(event({ category: null, counted: false, not_counted: "excluded" }))).toBe("not counted (rule)");
    expect(eventTag(event({ counted: false, not_counted: "declined", declined: true }))).toBe("declined");
  });
});
