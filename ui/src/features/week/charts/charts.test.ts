// @vitest-environment jsdom
// The charts as the week view mounts them: one per week laid out (the week
// on screen and the weeks read ahead), so each names its own description
// and caption, never another chart's.

import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { Week } from "../../../ipc";
import { day, event } from "../../../test/fixtures";
import HoursChart from "./HoursChart.svelte";
import ProjectsChart from "./ProjectsChart.svelte";

/** The parts of a week the charts read: one day with 90 minutes of Work, one project. */
function week(first: string, project: string): Week {
  const dates = [0, 1, 2, 3, 4, 5, 6].map((i) => {
    const d = new Date(`${first}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + i);
    return d.toISOString().slice(0, 10);
  });
  return {
    days: dates.map((date, i) => day({ date, event_minutes: i === 0 ? 90 : 0, events: i === 0 ? [event()] : [] })),
    totals: {
      event_minutes: 90,
      event_count: 1,
      all_day_count: 0,
      tasks_completed: 2,
      per_source: [{ source_id: 3, name: "Work", color: "#3b6fd8", event_minutes: 90, event_count: 1 }],
      per_project: [{ source_id: 8, name: project, color: "#db4035", tasks_completed: 2 }],
      busiest_day: dates[0],
    },
    insights: {
      per_day: dates.map((date, i) => ({ date, sources: i === 0 ? [{ source_id: 3, minutes: 90 }] : [] })),
      longest_free_block: null,
      working_hours: { start: "09:00", end: "17:00", days: [] },
    },
  } as unknown as Week;
}

/** Every id in the document, each once. */
function ids(): string[] {
  return [...document.querySelectorAll("[id]")].map((e) => e.id);
}

describe("charts laid out side by side", () => {
  it("each hours chart is described by its own description", () => {
    const a = render(HoursChart, { week: week("2026-11-16", "Home") }).container;
    const b = render(HoursChart, { week: week("2026-11-23", "Home") }).container;
    expect(new Set(ids()).size).toBe(ids().length);
    for (const chart of [a, b]) {
      const plot = chart.querySelector('[role="img"]');
      const described = document.getElementById(plot?.getAttribute("aria-describedby") ?? "");
      expect(described).not.toBeNull();
      expect(chart.contains(described)).toBe(true);
      expect(described?.textContent).toMatch(/1h 30m|1 h 30 min|90/);
    }
  });

  it("each projects chart is labelled by its own caption", () => {
    const a = render(ProjectsChart, { totals: week("2026-11-16", "Home").totals }).container;
    const b = render(ProjectsChart, { totals: week("2026-11-23", "Garden").totals }).container;
    expect(new Set(ids()).size).toBe(ids().length);
    for (const chart of [a, b]) {
      const list = chart.querySelector("ul");
      const caption = document.getElementById(list?.getAttribute("aria-labelledby") ?? "");
      expect(chart.contains(caption)).toBe(true);
      expect(caption?.textContent).toBe("Tasks per project");
    }
    expect(a.querySelector("li .name")?.textContent).toBe("Home");
    expect(b.querySelector("li .name")?.textContent).toBe("Garden");
  });
});
