import { describe, expect, it } from "vitest";
import type { Week } from "../ipc";
import { WeekAhead } from "./weekAhead";

/** A stand-in week: only its key and which read of the store it came from. */
function weekOf(key: string, read: number): Week {
  return { key, label: `read ${read}` } as unknown as Week;
}

/** A store whose reads answer when the test says so. */
function store() {
  const reads: string[] = [];
  const pending = new Map<string, { resolve: (w: Week) => void; reject: (e: unknown) => void }>();
  let count = 0;
  const read = (key: string) =>
    new Promise<Week>((resolve, reject) => {
      reads.push(key);
      const n = ++count;
      pending.set(key, { resolve: () => resolve(weekOf(key, n)), reject });
    });
  const answer = (key: string) => {
    pending.get(key)?.resolve(weekOf(key, 0));
    pending.delete(key);
  };
  const fail = (key: string) => {
    pending.get(key)?.reject(new Error("store locked"));
    pending.delete(key);
  };
  return { read, reads, answer, fail };
}

/** Reads `keys` ahead and answers every read at once. */
async function readAll(ahead: WeekAhead, s: ReturnType<typeof store>, keys: string[]) {
  const done = ahead.readAhead(keys);
  for (const key of keys) s.answer(key);
  await done;
}

describe("WeekAhead", () => {
  it("hands over a week read ahead once, then reads it again", async () => {
    const s = store();
    const ahead = new WeekAhead(s.read);
    await readAll(ahead, s, ["2026-W46", "2026-W48"]);
    expect(ahead.take("2026-W48")?.key).toBe("2026-W48");
    expect(ahead.take("2026-W48")).toBeNull();
    expect(ahead.held()).toEqual(["2026-W46"]);
    expect(ahead.take("2026-W50")).toBeNull();
  });

  it("drops what was read before forget(), also reads still under way", async () => {
    const s = store();
    const ahead = new WeekAhead(s.read);
    await readAll(ahead, s, ["2026-W46"]);
    const second = ahead.readAhead(["2026-W46", "2026-W48"]);
    // A sync lands while W48 is being read: both are stale now.
    ahead.forget();
    s.answer("2026-W48");
    await second;
    expect(ahead.take("2026-W46")).toBeNull();
    expect(ahead.take("2026-W48")).toBeNull();
    // The next read ahead reads them again.
    await readAll(ahead, s, ["2026-W46", "2026-W48"]);
    expect(s.reads).toEqual(["2026-W46", "2026-W48", "2026-W46", "2026-W48"]);
    expect(ahead.held()).toEqual(["2026-W46", "2026-W48"]);
  });

  it("keeps only the neighbours last asked for, and reads a held week only once", async () => {
    const s = store();
    const ahead = new WeekAhead(s.read);
    await readAll(ahead, s, ["2026-W46", "2026-W48"]);
    // The user went on to W48: its neighbours are W47 and W49.
    await readAll(ahead, s, ["2026-W47", "2026-W49", "2026-W46"]);
    expect(ahead.held()).toEqual(["2026-W46", "2026-W47", "2026-W49"]);
    expect(s.reads.filter((k) => k === "2026-W46")).toHaveLength(1);
  });

  it("leaves out a week that could not be read, and one no longer wanted when it came", async () => {
    const s = store();
    const ahead = new WeekAhead(s.read);
    const first = ahead.readAhead(["2026-W46", "2026-W48"]);
    s.fail("2026-W46");
    // Before W48 answers, the user has moved on and other weeks are wanted.
    const second = ahead.readAhead(["2026-W50"]);
    s.answer("2026-W48");
    s.answer("2026-W50");
    await Promise.all([first, second]);
    expect(ahead.held()).toEqual(["2026-W50"]);
    expect(ahead.take("2026-W46")).toBeNull();
  });

  it("tells of each week as it lands, never of a stale or unwanted one", async () => {
    const s = store();
    const heard: string[] = [];
    const ahead = new WeekAhead(s.read, (week) => heard.push(week.key));
    const first = ahead.readAhead(["2026-W46", "2026-W48", "2026-W50"]);
    s.answer("2026-W46");
    await new Promise((r) => setTimeout(r, 0));
    // A sync forgets W48's read under way; W50 is no longer wanted when it comes.
    ahead.forget();
    s.answer("2026-W48");
    const second = ahead.readAhead(["2026-W52"]);
    s.answer("2026-W50");
    s.answer("2026-W52");
    await Promise.all([first, second]);
    expect(heard).toEqual(["2026-W46", "2026-W52"]);
  });
});
