// The week view's navigation without a window: which week each move asks
// the core for (across year ends too), this week learnt from the first load,
// only the latest of several loads in flight reaching the screen, dimming
// only a slow load, retrying, saving before a switch, and the weeks read
// ahead serving a switch.

import { afterEach, describe, expect, it, vi } from "vitest";
import type { Week, WeekStart } from "../../ipc";
import { SLOW_LOAD_MS, WeekNav, around } from "./weekNav.svelte";

/** The week that holds the test's "today". */
const THIS_WEEK = "2026-W47";

/** ISO weeks `from` to `to` of `year`. */
function weeks(year: number, from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `${year}-W${String(from + i).padStart(2, "0")}`);
}

/** The weeks in order as the core counts them: 2025 has 52 ISO weeks, 2026 has 53. */
const KEYS = [...weeks(2025, 40, 52), ...weeks(2026, 1, 53), ...weeks(2027, 1, 10)];

/** A week as the core sends it: with the keys of the weeks before and after. */
function weekOf(key: string, start: WeekStart = "monday"): Week {
  const i = KEYS.indexOf(key);
  if (i < 1 || i >= KEYS.length - 1) throw new Error(`no neighbours for ${key} in the test's calendar`);
  return { key, label: `Week ${key}`, week_start: start, previous_key: KEYS[i - 1], next_key: KEYS[i + 1] } as unknown as Week;
}

/**
 * A core whose reads answer when the test says so; `undefined` (this week)
 * answers THIS_WEEK. Paints happen when the test calls `paint()`.
 */
function setup({ start = "monday" as WeekStart } = {}) {
  const asked: (string | undefined)[] = [];
  const pending: { key: string | undefined; resolve: (w: Week) => void; reject: (e: unknown) => void }[] = [];
  const painted: (() => void)[] = [];
  const flush = vi.fn(() => Promise.resolve());
  const nav = new WeekNav({
    read: (key) =>
      new Promise<Week>((resolve, reject) => {
        asked.push(key);
        pending.push({ key, resolve, reject });
      }),
    flush,
    afterPaint: (run) => painted.push(run),
    today: () => "2026-11-18",
  });
  /** Answers the oldest read still open for `key`. */
  const answer = async (key: string | undefined) => {
    const i = pending.findIndex((p) => p.key === key);
    if (i < 0) throw new Error(`no read of ${key} under way`);
    const [p] = pending.splice(i, 1);
    p!.resolve(weekOf(key ?? THIS_WEEK, start));
    await settle();
  };
  const fail = async (key: string | undefined) => {
    const i = pending.findIndex((p) => p.key === key);
    const [p] = pending.splice(i, 1);
    p!.reject({ code: "store", message: "The store is locked" });
    await settle();
  };
  const paint = () => {
    for (const run of painted.splice(0)) run();
  };
  return { nav, asked, pending, answer, fail, paint, flush };
}

/** Lets every promise that can settle do so. */
async function settle() {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A navigator showing `key` (this week when absent), its reads ahead not started. */
async function showing(key?: string) {
  const s = setup();
  void s.nav.load(key);
  await settle();
  await s.answer(key);
  return s;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("WeekNav moves", () => {
  it("learns this week from the first load, and goes back to it", async () => {
    const { nav, asked, answer } = await showing();
    expect(asked).toEqual([undefined]);
    expect(nav.week?.key).toBe(THIS_WEEK);
    expect(nav.thisWeek).toBe(THIS_WEEK);
    expect(nav.isThisWeek).toBe(true);
    expect(nav.today).toBe("2026-11-18");

    nav.move("previous");
    await settle();
    await answer("2026-W46");
    expect(nav.week?.key).toBe("2026-W46");
    expect(nav.isThisWeek).toBe(false);

    nav.move("this_week");
    await settle();
    expect(asked.at(-1)).toBeUndefined();
    await answer(undefined);
    expect(nav.isThisWeek).toBe(true);
  });

  it("steps to the weeks the core names, across a year that has 53 weeks", async () => {
    const { nav, asked, answer } = await showing("2026-W53");
    nav.move("next");
    await settle();
    expect(asked.at(-1)).toBe("2027-W01");
    await answer("2027-W01");
    nav.move("previous");
    await settle();
    expect(asked.at(-1)).toBe("2026-W53");
    await answer("2026-W53");
    expect(nav.week?.key).toBe("2026-W53");
  });

  it("steps to the weeks the core names, across a year that has 52 weeks", async () => {
    const { nav, asked, answer } = await showing("2025-W52");
    nav.move("next");
    await settle();
    expect(asked.at(-1)).toBe("2026-W01");
    await answer("2026-W01");
    nav.move("previous");
    await settle();
    expect(asked.at(-1)).toBe("2025-W52");
    await answer("2025-W52");
    nav.move("previous");
    await settle();
    expect(asked.at(-1)).toBe("2025-W51");
  });

  it("does not move while no week is shown", async () => {
    const { nav, asked } = setup();
    nav.move("next");
    nav.move("previous");
    await settle();
    expect(asked).toEqual([]);
  });

  it("opens this week from the history as this week", async () => {
    const { nav, asked, answer } = await showing();
    nav.open("2026-W40");
    await settle();
    expect(asked.at(-1)).toBe("2026-W40");
    await answer("2026-W40");
    nav.open(THIS_WEEK);
    await settle();
    expect(asked.at(-1)).toBeUndefined();
  });

  it("keeps a week and its neighbours, year ends included", () => {
    expect(around(weekOf("2027-W01"))).toEqual(["2027-W01", "2026-W53", "2027-W02"]);
  });
});

describe("WeekNav loads in flight", () => {
  it("shows only the latest of several loads, whatever order they answer in", async () => {
    const { nav, answer, paint, asked } = await showing();
    nav.move("next");
    await settle();
    nav.move("next"); // Still from W47: the week on screen has not changed yet.
    nav.load("2026-W50");
    await settle();
    expect(asked.slice(1)).toEqual(["2026-W48", "2026-W48", "2026-W50"]);
    await answer("2026-W50");
    expect(nav.week?.key).toBe("2026-W50");
    await answer("2026-W48");
    await answer("2026-W48");
    expect(nav.week?.key).toBe("2026-W50");
    // Reads ahead go only for the week that landed last.
    paint();
    expect(asked.slice(4).sort()).toEqual(["2026-W49", "2026-W51"]);
  });

  it("ignores the failure of a load that was overtaken", async () => {
    const { nav, answer, fail } = await showing();
    void nav.load("2026-W30");
    await settle();
    void nav.load("2026-W31");
    await settle();
    await fail("2026-W30");
    expect(nav.error).toBeNull();
    await answer("2026-W31");
    expect(nav.week?.key).toBe("2026-W31");
  });

  it("dims the old week only when the new one is slow, and stops when it lands", async () => {
    vi.useFakeTimers();
    const { nav, answer } = await showing();
    void nav.load("2026-W40");
    await settle();
    vi.advanceTimersByTime(SLOW_LOAD_MS - 1);
    expect(nav.loading).toBe(false);
    vi.advanceTimersByTime(1);
    expect(nav.loading).toBe(true);
    // A newer load takes over the dimming; the older one landing does not end it.
    void nav.load("2026-W41");
    await settle();
    await answer("2026-W40");
    expect(nav.loading).toBe(true);
    expect(nav.week?.key).toBe(THIS_WEEK);
    await answer("2026-W41");
    expect(nav.loading).toBe(false);
    expect(nav.week?.key).toBe("2026-W41");
  });

  it("never dims a quick load or a quiet one", async () => {
    vi.useFakeTimers();
    const { nav, answer } = await showing();
    void nav.load("2026-W40");
    await settle();
    await answer("2026-W40");
    vi.advanceTimersByTime(SLOW_LOAD_MS * 2);
    expect(nav.loading).toBe(false);
    void nav.reload({ quiet: true });
    await settle();
    vi.advanceTimersByTime(SLOW_LOAD_MS * 2);
    expect(nav.loading).toBe(false);
  });

  it("keeps the failure until a retry of the same week succeeds", async () => {
    const { nav, asked, fail, answer } = await showing();
    void nav.load("2026-W12");
    await settle();
    await fail("2026-W12");
    expect(nav.error?.message).toBe("The store is locked");
    expect(nav.week?.key).toBe(THIS_WEEK);
    void nav.reload();
    await settle();
    expect(asked.at(-1)).toBe("2026-W12");
    await answer("2026-W12");
    expect(nav.error).toBeNull();
    expect(nav.week?.key).toBe("2026-W12");
  });

  it("saves what was typed before a switch, but not before a quiet reload", async () => {
    const { nav, flush, answer } = await showing();
    expect(flush).toHaveBeenCalledTimes(1);
    nav.move("previous");
    await settle();
    expect(flush).toHaveBeenCalledTimes(2);
    await answer("2026-W46");
    void nav.reload({ quiet: true });
    await settle();
    expect(flush).toHaveBeenCalledTimes(2);
  });
});

describe("WeekNav weeks read ahead", () => {
  it("reads the neighbours once painted and serves a switch from them", async () => {
    const { nav, asked, answer, paint } = await showing();
    expect(asked).toEqual([undefined]);
    paint();
    expect(asked.slice(1).sort()).toEqual(["2026-W46", "2026-W48"]);
    await answer("2026-W46");
    await answer("2026-W48");
    // Laid out in hidden slots beside the week on screen.
    expect(nav.slots.map((s) => s?.key).sort()).toEqual(["2026-W46", "2026-W47", "2026-W48"]);
    expect(nav.shown).toBe(nav.slots.findIndex((s) => s?.key === THIS_WEEK));

    const reads = asked.length;
    nav.move("next");
    await settle();
    expect(asked.length).toBe(reads);
    expect(nav.week?.key).toBe("2026-W48");
    expect(nav.slots[nav.shown]).toBe(nav.week);
  });

  it("forgets them after a quiet reload and after a refresh", async () => {
    const { nav, asked, answer, paint } = await showing();
    paint();
    await answer("2026-W46");
    await answer("2026-W48");
    void nav.reload({ quiet: true });
    await settle();
    expect(nav.ahead.held()).toEqual([]);
    expect(asked.at(-1)).toBeUndefined();
    await answer(undefined);
    paint();
    await answer("2026-W46");
    await answer("2026-W48");
    expect(nav.ahead.held()).toEqual(["2026-W46", "2026-W48"]);
    // A refresh of this week reads this week again, not its key.
    void nav.refresh();
    expect(nav.ahead.held()).toEqual([]);
    await settle();
    expect(asked.at(-1)).toBeUndefined();
  });

  it("refreshes a past week by its key", async () => {
    const { nav, asked, answer } = await showing();
    nav.open("2026-W44");
    await settle();
    await answer("2026-W44");
    void nav.refresh({ quiet: true });
    await settle();
    expect(asked.at(-1)).toBe("2026-W44");
  });
});
