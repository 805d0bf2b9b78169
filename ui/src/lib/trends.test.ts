import { describe, expect, it } from "vitest";
import type { Trend } from "../ipc";
import { against, describeTrend, formatAverage, sparklinePaths } from "./trends";

describe("trends", () => {
  it("draws one line per run of weeks with history, zero at the bottom", () => {
    // 12 weeks in a 114 × 24 box with 2 px padding: x steps of 10 px.
    const series = [null, null, 0, 60, 120, null, 30, 30, 30, 30, 30, 90];
    const paths = sparklinePaths(series, 114, 24);
    expect(paths).toEqual(["22,22 32,12 42,2", "62,17 72,17 82,17 92,17 102,17 112,7"]);
  });

  it("draws a lone week as a dot and nothing without history", () => {
    expect(sparklinePaths([null, 5, null], 24, 24)).toEqual(["12,2 12,2"]);
    expect(sparklinePaths([null, null], 24, 24)).toEqual([]);
  });

  it("compares with the average within a tenth of it", () => {
    expect(against(105, 100)).toBe("usual");
    expect(against(111, 100)).toBe("above");
    expect(against(80, 100)).toBe("below");
    expect(against(0, 0)).toBe("usual");
    expect(against(5, null)).toBeNull();
  });

  it("spells the trend out for assistive technology", () => {
    const t: Trend = { this_week: 150, average_4: 120, average_12: null, series: [] };
    expect(describeTrend("Time in events", t, "minutes")).toBe(
      "Time in events: 2 h 30 min this week; 4-week average 2 h; no 12-week average yet.",
    );
    expect(formatAverage(null, "count")).toBe("—");
    expect(formatAverage(2.6, "count")).toBe("3");
    expect(formatAverage(1, "days")).toBe("1 day");
  });
});
