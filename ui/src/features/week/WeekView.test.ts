// @vitest-environment jsdom
// The week page wired together: the shortcuts and the week bar move weeks
// and the header follows, shortcuts wait while the date picker is open,
// focus stays in the week on screen across a switch, and a failed load can
// be retried. The panels inside a week are stood in for (their own tests
// cover them); the backend is mocked at ../../ipc.

import { fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Week } from "../../ipc";
import { day, event, monthGrid } from "../../test/fixtures";

const stand = vi.hoisted(() => async () => ({ default: (await import("../../test/Empty.svelte")).default }));
vi.mock("./Totals.svelte", stand);
vi.mock("./WeekFigures.svelte", stand);
vi.mock("./HistoryGaps.svelte", stand);
vi.mock("../categories/CategoryPanel.svelte", stand);
vi.mock("../reflection/ReflectionPanel.svelte", stand);
vi.mock("../reflection/NextWeekTasks.svelte", stand);
vi.mock("../export/ExportMenu.svelte", stand);

const core = vi.hoisted(() => ({ failing: new Set<string>(), asked: [] as (string | undefined)[] }));

/** A week with one event, named after its number. */
function weekOf(key: string): Week {
  const n = Number(key.slice(6));
  const at = (k: number) => `2026-W${String(k).padStart(2, "0")}`;
  return {
    key,
    previous_key: at(n - 1),
    next_key: at(n + 1),
    label: `Week ${n}`,
    week_start: "monday",
    time_zone: "Europe/Berlin",
    first_day: "2026-11-16",
    last_day: "2026-11-22",
    days: [day({ events: [event({ id: n, title: `Event ${n}` })] })],
    next_week_tasks: [],
    history_gaps: [],
  } as unknown as Week;
}

vi.mock("../../ipc", async (original) => ({
  ...(await original<typeof import("../../ipc")>()),
  getWeek: vi.fn(async (key?: string) => {
    core.asked.push(key);
    const k = key ?? "2026-W47";
    if (core.failing.has(k)) throw { code: "store", message: "The store is locked" };
    return weekOf(k);
  }),
  monthGrid: vi.fn(async (date: string) => monthGrid(date.slice(0, 7) as "2026-10" | "2026-11" | "2026-12")),
  saveReflection: vi.fn(async () => {}),
  onWindowClose: vi.fn(async () => () => {}),
  onSync: vi.fn(async () => () => {}),
  syncStatus: vi.fn(async () => ({ running: false, sources: [], last: null, progress: {} })),
}));

const { default: WeekView } = await import("./WeekView.svelte");

const heading = () => screen.getByRole("heading", { level: 1 }).textContent;
const shownWeek = () => document.querySelector("section.days")?.getAttribute("data-week");
const press = (key: string, target: Element = document.body) => fireEvent.keyDown(target, { key });

async function showing(label: string) {
  await vi.waitFor(() => expect(heading()).toBe(label));
}

afterEach(() => {
  core.failing.clear();
  core.asked = [];
});

describe("WeekView", () => {
  it("moves between weeks with the shortcuts and the week bar", async () => {
    render(WeekView, { info: null });
    await showing("Week 47");
    const pill = document.querySelector(".pill");
    expect(pill?.classList.contains("off")).toBe(false);
    expect(screen.getByRole("button", { name: "This week" })).toHaveProperty("disabled", true);

    await press("ArrowLeft");
    await showing("Week 46");
    expect(shownWeek()).toBe("2026-W46");
    expect(pill?.classList.contains("off")).toBe(true);
    expect(screen.getByRole("button", { name: "This week" })).toHaveProperty("disabled", false);

    await fireEvent.click(screen.getByRole("button", { name: "Next week" }));
    await fireEvent.click(screen.getByRole("button", { name: "Next week" }));
    await showing("Week 48");
    await press("T");
    await showing("Week 47");
    expect(core.asked.at(-1)).toBeUndefined();
    expect(pill?.classList.contains("off")).toBe(false);
  });

  it("leaves the shortcuts to the date picker while it is open, and gives focus back to its button", async () => {
    render(WeekView, { info: null });
    await showing("Week 47");
    const trigger = screen.getByRole("button", { name: "Go to a date" });
    await fireEvent.click(trigger);
    const picker = await screen.findByRole("dialog", { name: "Go to a date" });
    await press("ArrowLeft");
    await new Promise((r) => setTimeout(r, 20));
    expect(heading()).toBe("Week 47");

    await press("Escape", picker);
    await vi.waitFor(() => expect(screen.queryByRole("dialog", { name: "Go to a date" })).toBeNull());
    expect(document.activeElement).toBe(trigger);
    await press("ArrowLeft");
    await showing("Week 46");
  });

  it("keeps the focus in the week on screen across a switch", async () => {
    render(WeekView, { info: null });
    await showing("Week 47");
    const item = document.querySelector<HTMLElement>("section.days [data-item]");
    item?.focus();
    await press("ArrowRight", item!);
    await showing("Week 48");
    await vi.waitFor(() =>
      expect(document.activeElement?.getAttribute("data-item")).toBe(
        document.querySelector("section.days [data-item]")?.getAttribute("data-item"),
      ),
    );
    expect(document.activeElement?.textContent).toContain("Event 48");
  });

  it("says when a week could not be loaded, and loads it on retry", async () => {
    core.failing.add("2026-W46");
    render(WeekView, { info: null });
    await showing("Week 47");
    await press("ArrowLeft");
    await screen.findByText("This week could not be loaded");
    expect(heading()).toBe("Week 47");

    core.failing.clear();
    await fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await showing("Week 46");
    expect(screen.queryByText("This week could not be loaded")).toBeNull();
  });
});
