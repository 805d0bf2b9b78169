import { describe, expect, it } from "vitest";
import { SLOTS, place, slotFor, type Keyed } from "./weekSlots";

const w = (key: string): Keyed => ({ key });
const keys = (slots: (Keyed | null)[]) => slots.map((s) => s?.key ?? null);

describe("slotFor", () => {
  it("finds the slot that holds the week already", () => {
    expect(slotFor([w("W46"), w("W47"), w("W48")], "W48", [])).toBe(2);
  });

  it("takes an empty slot before evicting a week", () => {
    expect(slotFor([w("W46"), null, null], "W47", [])).toBe(1);
  });

  it("evicts the first week that is no longer wanted", () => {
    // W48 on screen: W47 and W49 are its neighbours, W46 is not wanted.
    expect(slotFor([w("W47"), w("W48"), w("W46")], "W49", ["W48", "W47", "W49"])).toBe(2);
  });

  it("takes the last slot when every week is still wanted", () => {
    expect(slotFor([w("a"), w("b"), w("c")], "d", ["a", "b", "c"])).toBe(2);
  });
});

describe("place", () => {
  it("returns the same slots when the very week is there (nothing re-renders)", () => {
    const week = w("W47");
    const slots = [w("W46"), week, null];
    expect(place(slots, week, [])).toBe(slots);
  });

  it("replaces a stale copy of the same week in its own slot", () => {
    const fresh = w("W47");
    const slots = [w("W46"), w("W47"), null];
    const next = place(slots, fresh, []);
    expect(next).not.toBe(slots);
    expect(next[1]).toBe(fresh);
    expect(keys(next)).toEqual(["W46", "W47", null]);
  });

  it("walks forward week by week keeping the one on screen and both neighbours", () => {
    let slots: (Keyed | null)[] = Array(SLOTS).fill(null);
    const around = (key: string, n: number) => [key, `W${n - 1}`, `W${n + 1}`];
    // W47 on screen, then its neighbours read ahead.
    slots = place(slots, w("W47"), around("W47", 47));
    slots = place(slots, w("W46"), around("W47", 47));
    slots = place(slots, w("W48"), around("W47", 47));
    expect(keys(slots)).toEqual(["W47", "W46", "W48"]);
    // On to W48: it is in a slot already; W49 arrives in W46's slot, W47 stays.
    const onScreen = slots[2];
    expect(place(slots, onScreen as Keyed, around("W48", 48))).toBe(slots);
    slots = place(slots, w("W49"), around("W48", 48));
    expect(keys(slots)).toEqual(["W47", "W49", "W48"]);
  });
});
