// @vitest-environment jsdom
// The week's totals: each figure with its change against last week, shown
// with an arrow and spelled out for assistive technology.

import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { Change, Totals as WeekTotals } from "../../ipc";
import { formatDuration } from "../../lib/format";
import Totals from "./Totals.svelte";

const totals = { event_minutes: 750, event_count: 14, all_day_count: 1, tasks_completed: 9 } as WeekTotals;
const change = { event_minutes: -90, event_count: 3, tasks_completed: 0 } as Change;

describe("Totals", () => {
  it("shows each figure and its change against last week", () => {
    const { container } = render(Totals, { totals, change });
    const figure = (id: string) => container.querySelector(`[data-figure="${id}"]`);
    expect(figure("event-minutes")?.querySelector(".value")?.textContent).toBe(formatDuration(750));
    expect(figure("event-count")?.querySelector(".value")?.textContent).toBe("14");
    expect(figure("tasks-completed")?.querySelector(".value")?.textContent).toBe("9");

    const minutes = figure("event-minutes")?.querySelector(".change");
    expect(minutes?.classList.contains("down")).toBe(true);
    expect(minutes?.querySelector(".arrow")?.textContent).toBe("▼");
    expect(minutes?.querySelector(".visually-hidden")?.textContent).toBe(`${formatDuration(90)} less than last week`);

    const count = figure("event-count")?.querySelector(".change");
    expect(count?.querySelector(".arrow")?.textContent).toBe("▲");
    expect(count?.querySelector(".visually-hidden")?.textContent).toBe("3 more than last week");

    const tasks = figure("tasks-completed")?.querySelector(".change");
    expect(tasks?.querySelector(".arrow")).toBeNull();
    expect(tasks?.textContent).toContain("same as last week");
  });
});
