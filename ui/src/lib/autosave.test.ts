import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Autosave, type SaveState } from "./autosave";

type Call = [key: string, value: string];

function setup(failWith?: () => unknown) {
  const saved: Call[] = [];
  const states: SaveState[] = [];
  let fail = failWith;
  const autosave = new Autosave<string>({
    delay: 600,
    save: async (key, value) => {
      await Promise.resolve();
      if (fail) throw fail();
      saved.push([key, value]);
    },
    onstatus: (s) => states.push(s.state),
  });
  return {
    autosave,
    saved,
    states,
    heal: () => {
      fail = undefined;
    },
  };
}

describe("Autosave", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("saves once, with the last text, after typing pauses", async () => {
    const { autosave, saved, states } = setup();
    autosave.edit("2026-W47", "S");
    await vi.advanceTimersByTimeAsync(300);
    autosave.edit("2026-W47", "Sh");
    await vi.advanceTimersByTimeAsync(300);
    autosave.edit("2026-W47", "Shipped");
    await vi.advanceTimersByTimeAsync(599);
    expect(saved).toEqual([]);
    expect(autosave.status.state).toBe("pending");
    await vi.advanceTimersByTimeAsync(1);
    expect(saved).toEqual([["2026-W47", "Shipped"]]);
    expect(autosave.status).toEqual({ state: "saved", key: "2026-W47", error: null });
    expect(states).toEqual(["pending", "saving", "saved"]);
  });

  it("flush saves at once and resolves when written", async () => {
    const { autosave, saved } = setup();
    autosave.edit("2026-W47", "on blur");
    await autosave.flush();
    expect(saved).toEqual([["2026-W47", "on blur"]]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(saved).toHaveLength(1);
    await autosave.flush();
    expect(saved).toHaveLength(1);
  });

  it("never writes one week's text under another week", async () => {
    const { autosave, saved } = setup();
    autosave.edit("2026-W47", "forty-seven");
    autosave.edit("2026-W48", "forty-eight");
    await vi.advanceTimersByTimeAsync(600);
    expect(saved).toEqual([
      ["2026-W47", "forty-seven"],
      ["2026-W48", "forty-eight"],
    ]);
  });

  it("keeps failed text and saves it on the next flush", async () => {
    const { autosave, saved, heal } = setup(() => ({ code: "database", message: "disk full" }));
    autosave.edit("2026-W47", "important");
    await autosave.flush();
    expect(autosave.status.state).toBe("error");
    expect(autosave.status.error).toEqual({ code: "database", message: "disk full" });
    heal();
    await autosave.flush();
    expect(saved).toEqual([["2026-W47", "important"]]);
    expect(autosave.status.state).toBe("saved");
  });

  it("prefers newer text to a failed older one", async () => {
    const { autosave, saved, heal } = setup(() => new Error("locked"));
    autosave.edit("2026-W47", "old");
    const first = autosave.flush();
    autosave.edit("2026-W47", "new");
    await first;
    heal();
    await autosave.flush();
    expect(saved).toEqual([["2026-W47", "new"]]);
  });
});
