import { describe, expect, it } from "vitest";
import type { Week } from "../ipc";
import { FALLBACK_COLORS, compactDuration, dayStacks, describeStacks, gridlines, legend, projectBars, scaleMax } from "./charts";

/** The parts of a week the charts read, as the core sends them. */
function week(): Week {
  const dates = ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22"];
  const minutes = [195, 0, 60, 255, 15, 0, 0];
  const split: Record<string, { source_id: number; minutes: number }[]> = {
    "2026-11-16": [
      { source_id: 1, minutes: 135 },
      { source_id: 2, minutes: 60 },
    ],
    "2026-11-18": [{ source_id: 3, minutes: 60 }],
    "2026-11-19": [
      { source_id: 1, minutes: 195 },
      { source_id: 2, minutes: 60 },
    ],
    "2026-11-20": [{ source_id: 1, minutes: 15 }],
  };
  return {
    days: dates.map((date, i) => ({
      date,
      weekday: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i],
      all_day: [],
      events: [],
      tasks: [],
      event_minutes: minutes[i],
    })),
    totals: {
      event_minutes: 525,
      event_count: 9,
      all_day_count: 0,
      tasks_completed: 5,
      per_source: [
        { source_id: 1, name: "Work", color: "#3b6fd8", event_minutes: 345, event_count: 6 },
        { source_id: 2, name: "Personal", color: "url(javascript:x)", event_minutes: 120, event_count: 2 },
        { source_id: 3, name: "Contoso", color: "#c2410c", event_minutes: 60, event_count: 1 },
      ],
      per_project: [
        { source_id: 8, name: "Work", color: "#db4035", tasks_completed: 4 },
        { source_id: 9, name: "Home", color: null, tasks_completed: 1 },
      ],
      busiest_day: "2026-11-19",
    },
    insights: {
      per_day: dates.map((date) => ({ date, sources: split[date] ?? [] })),
      longest_free_block: { date: "2026-11-17", start: "09:00", end: "17:00", minutes: 480 },
      working_hours: { start: "09:00", end: "17:00" },
    },
  } as unknown as Week;
}

describe("dayStacks", () => {
  it("gives each day the core's minutes, split by source in legend order", () => {
    const w = week();
    const stacks = dayStacks(w);
    expect(stacks.map((s) => s.total)).toEqual(w.days.map((d) => d.event_minutes));
    for (const s of stacks) {
      expect(s.segments.reduce((sum, g) => sum + g.minutes, 0)).toBe(s.total);
    }
    expect(stacks[3]!.segments.map((g) => [g.name, g.minutes])).toEqual([
      ["Work", 195],
      ["Personal", 60],
    ]);
    expect(stacks[1]!.segments).toEqual([]);
  });

  it("never uses a provider colour that is not a plain hex colour", () => {
    const entries = legend(week().totals);
    expect(entries.map((e) => e.color)).toEqual(["#3b6fd8", FALLBACK_COLORS[1], "#c2410c"]);
    expect(dayStacks(week())[0]!.segments[1]!.color).toBe(FALLBACK_COLORS[1]);
  });

  it("describes every bar in words", () => {
    const text = describeStacks(dayStacks(week()));
    expect(text).toContain("Thu 19 Nov: 4 h 15 min (Work 3 h 15 min, Personal 1 h)");
    expect(text).toContain("Tue 17 Nov: no events");
  });
});

describe("scale", () => {
  it("rounds up to an even number of hours, at least two", () => {
    expect(scaleMax(dayStacks(week()))).toBe(360);
    expect(scaleMax([])).toBe(120);
    expect(gridlines(360)).toEqual([0, 120, 240, 360]);
    expect(gridlines(120)).toEqual([0, 60, 120]);
  });

  it("labels bars briefly", () => {
    expect(compactDuration(255)).toBe("4h 15m");
    expect(compactDuration(240)).toBe("4h");
    expect(compactDuration(15)).toBe("15m");
    expect(compactDuration(0)).toBe("0");
  });
});

describe("projectBars", () => {
  it("keeps the core's counts and order, scaled to the longest", () => {
    const bars = projectBars(week().totals);
    expect(bars.map((b) => [b.name, b.count, b.share])).toEqual([
      ["Work", 4, 1],
      ["Home", 1, 0.25],
    ]);
    expect(bars[1]!.color).toBe(FALLBACK_COLORS[1]);
  });
});
