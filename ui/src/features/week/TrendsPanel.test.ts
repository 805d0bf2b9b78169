// @vitest-environment jsdom
// The trends beside the week's totals: this week, the 4- and 12-week
// averages and a sparkline per figure, an image with its own words.

import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { Trend, Trends } from "../../ipc";
import { formatDuration } from "../../lib/format";
import TrendsPanel from "./TrendsPanel.svelte";

const flat = (n: number): Trend => ({ this_week: n, average_4: n, average_12: n, series: Array(12).fill(n) });
const none: Trend = { this_week: 0, average_4: 0, average_12: 0, series: Array(12).fill(0) };

function trends(overrides: Partial<Trends>): Trends {
  return {
    weeks: [],
    weeks_with_history: 12,
    event_minutes: flat(600),
    event_count: flat(20),
    all_day_count: flat(0),
    tasks_completed: flat(10),
    categories: { meetings: flat(300), focus: flat(300), personal: none, other: none, out_of_office_days: none },
    ...overrides,
  };
}

describe("TrendsPanel", () => {
  it("shows this week against both averages, with arrows past a tenth", () => {
    // Three weeks of history: 300, 0, 900 minutes; this week 600.
    const minutes: Trend = {
      this_week: 600,
      average_4: 400,
      average_12: 400,
      series: [...Array(8).fill(null), 300, 0, 900, 600],
    };
    const { container } = render(TrendsPanel, { trends: trends({ event_minutes: minutes, weeks_with_history: 3 }) });
    const row = container.querySelector('[data-trend="event-minutes"]')!;
    expect(row.getAttribute("data-against")).toBe("above");
    expect(row.querySelector('[data-average="4"]')?.textContent).toBe(formatDuration(400));
    expect(row.querySelector(".now .visually-hidden")?.textContent).toBe("above your 4-week average");
    const svg = row.querySelector("svg")!;
    expect(svg.getAttribute("role")).toBe("img");
    expect(svg.getAttribute("aria-label")).toContain(`4-week average ${formatDuration(400)}`);
    // The weeks before the history are a gap: one line of four weeks.
    expect(svg.querySelectorAll("polyline")).toHaveLength(1);
    expect(svg.querySelector("polyline")?.getAttribute("points")?.split(" ")).toHaveLength(4);
    // This week is the dot at the end: x = 2 + 92, y = 22 - 600/900 × 20 in the 96 × 24 box.
    expect(svg.querySelector("circle.now")?.getAttribute("cx")).toBe("94");
    expect(svg.querySelector("circle.now")?.getAttribute("cy")).toBe("8.7");
    expect(container.textContent).toContain("Averaged over the 3 earlier weeks");
    // Categories never used in the twelve weeks are left out.
    expect(container.querySelector('[data-trend="personal"]')).toBeNull();
    expect(container.querySelector('[data-trend="meetings"]')?.getAttribute("data-against")).toBe("usual");
  });

  it("says when there is no history to average yet", () => {
    const first: Trend = { this_week: 60, average_4: null, average_12: null, series: [...Array(11).fill(null), 60] };
    const { container } = render(TrendsPanel, {
      trends: trends({ event_minutes: first, weeks_with_history: 0 }),
    });
    const row = container.querySelector('[data-trend="event-minutes"]')!;
    expect(row.getAttribute("data-against")).toBe("none");
    expect(row.querySelector('[data-average="12"]')?.textContent).toBe("—");
    expect(container.textContent).toContain("No earlier weeks yet");
  });
});
