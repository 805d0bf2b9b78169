import { describe, expect, it } from "vitest";
import {
  MINUS,
  dayOfMonth,
  describeChange,
  formatChange,
  formatDuration,
  localIsoDate,
  plural,
  safeColor,
  shortDate,
  timeRange,
  trend,
  weekdayDate,
} from "./format";

describe("formatDuration", () => {
  it("writes hours and minutes the way people say them", () => {
    expect(formatDuration(200)).toBe("3 h 20 min");
    expect(formatDuration(60)).toBe("1 h");
    expect(formatDuration(45)).toBe("45 min");
    expect(formatDuration(0)).toBe("0 min");
    expect(formatDuration(24 * 60 + 1)).toBe("24 h 1 min");
  });

  it("uses the size of a negative duration", () => {
    expect(formatDuration(-90)).toBe("1 h 30 min");
  });
});

describe("formatChange", () => {
  it("signs counts with plus and a true minus", () => {
    expect(formatChange(3)).toBe("+3");
    expect(formatChange(-2)).toBe(`${MINUS}2`);
    expect(formatChange(-2)).not.toContain("-");
  });

  it("formats minute changes as durations", () => {
    expect(formatChange(90, "minutes")).toBe("+1 h 30 min");
    expect(formatChange(-45, "minutes")).toBe(`${MINUS}45 min`);
  });

  it("says so when nothing changed", () => {
    expect(formatChange(0)).toBe("same as last week");
    expect(formatChange(0, "minutes")).toBe("same as last week");
    expect(trend(0)).toBe("same");
    expect(trend(5)).toBe("up");
    expect(trend(-1)).toBe("down");
  });

  it("spells the change out for screen readers", () => {
    expect(describeChange(3)).toBe("3 more than last week");
    expect(describeChange(-75, "minutes")).toBe("1 h 15 min less than last week");
  });
});

describe("dates and times", () => {
  it("formats dates, ranges and counts", () => {
    expect(shortDate("2026-11-16")).toBe("16 Nov");
    expect(dayOfMonth("2026-11-06")).toBe("6");
    expect(shortDate("not a date")).toBe("not a date");
    expect(weekdayDate("2026-11-23")).toBe("Mon 23 Nov");
    expect(weekdayDate("2026-11-22")).toBe("Sun 22 Nov");
    expect(weekdayDate("soon")).toBe("soon");
    expect(timeRange("09:00", "10:30")).toBe("09:00\u201310:30");
    expect(timeRange("23:00", "24:00")).toBe("23:00\u201324:00");
    expect(timeRange(null, null)).toBe("");
    expect(plural(1, "event")).toBe("1 event");
    expect(plural(4, "task")).toBe("4 tasks");
    expect(localIsoDate(new Date(2026, 0, 5, 23, 59))).toBe("2026-01-05");
  });
});

describe("safeColor", () => {
  it("accepts hex colours and refuses anything else", () => {
    expect(safeColor("#4285f4")).toBe("#4285f4");
    expect(safeColor("#ABC")).toBe("#ABC");
    expect(safeColor("red; background: url(x)")).toBeNull();
    expect(safeColor("url(https://example.com)")).toBeNull();
    expect(safeColor(null)).toBeNull();
    expect(safeColor("")).toBeNull();
  });
});
