import { describe, expect, it } from "vitest";
import type { SourceStatus } from "../ipc/types";
import { ago, applyEvent, failures, lastSynced, sourceLine, statusLine, summarize, type Progress } from "./sync";

function source(over: Partial<SourceStatus>): SourceStatus {
  return {
    source_id: 1,
    account_id: 1,
    account_label: "alex@example.com",
    provider: "google",
    provider_name: "Google Calendar",
    name: "Work",
    color: "#4285f4",
    kind: "calendar",
    included: true,
    gone: false,
    last_success_at: null,
    last_error: null,
    running: false,
    ...over,
  };
}

const now = new Date("2026-11-20T12:00:00Z");

describe("ago", () => {
  it("says how long ago in the words people use", () => {
    expect(ago("2026-11-20T11:59:30Z", now)).toBe("just now");
    expect(ago("2026-11-20T12:00:05Z", now)).toBe("just now");
    expect(ago("2026-11-20T11:58:00Z", now)).toBe("2 min ago");
    expect(ago("2026-11-20T09:00:00Z", now)).toBe("3 h ago");
    expect(ago("2026-11-19T10:00:00Z", now)).toBe("yesterday");
    expect(ago("2026-11-16T10:00:00Z", now)).toBe("4 days ago");
    expect(ago("2026-11-01T10:00:00Z", now)).toBe("1 Nov");
    expect(ago("not a time", now)).toBe("not a time");
  });
});

describe("progress", () => {
  it("leaves the history import out of the sync's progress", () => {
    let p: Progress = {};
    p = applyEvent(p, { type: "source_started", source_id: 1, name: "Work" });
    const before = p;
    p = applyEvent(p, { type: "history_progress", source_id: 1, since: "2024-01-01", reached: "2026-03-01T00:00:00Z", items: 9 });
    p = applyEvent(p, { type: "history_finished", source_id: 2, since: "2024-01-01", reached: "2024-01-01T00:00:00Z", stopped: null });
    expect(p).toBe(before);
    expect(summarize(p)).toEqual({ sources: 1, done: 0, pages: 0, items: 0 });
  });

  it("adds up pages and items per source and counts finished sources", () => {
    let p: Progress = {};
    p = applyEvent(p, { type: "source_started", source_id: 1, name: "Work" });
    p = applyEvent(p, { type: "source_started", source_id: 2, name: "Home" });
    p = applyEvent(p, { type: "page_written", source_id: 1, pages: 1, items: 250 });
    p = applyEvent(p, { type: "page_written", source_id: 1, pages: 2, items: 300 });
    p = applyEvent(p, { type: "page_written", source_id: 2, pages: 1, items: 7 });
    p = applyEvent(p, { type: "source_finished", source_id: 1, error: null });
    expect(summarize(p)).toEqual({ sources: 2, done: 1, pages: 3, items: 307 });
    expect(p[1]).toEqual({ name: "Work", pages: 2, items: 300, done: true, error: null });
    const before = p;
    applyEvent(p, { type: "source_finished", source_id: 2, error: "boom" });
    expect(before).toBe(p);
    expect(summarize(before).done).toBe(1);
  });
});

describe("lastSynced and the status line", () => {
  const sources = [
    source({ source_id: 1, last_success_at: "2026-11-20T11:50:00Z" }),
    source({ source_id: 2, last_success_at: "2026-11-20T11:55:00Z" }),
    source({ source_id: 3, last_success_at: "2026-11-20T11:59:00Z", included: false }),
    source({ source_id: 4, last_success_at: null }),
  ];

  it("takes the latest success of an included source", () => {
    expect(lastSynced(sources)).toBe("2026-11-20T11:55:00Z");
    expect(lastSynced([])).toBeNull();
  });

  it("says syncing, synced, or what failed", () => {
    const base = { running: false, progress: {}, sources, last: null, now };
    expect(statusLine(base)).toBe("Synced 5 min ago");
    expect(statusLine({ ...base, running: true })).toBe("Syncing…");
    const progress = applyEvent({}, { type: "page_written", source_id: 1, pages: 1, items: 42 });
    expect(statusLine({ ...base, running: true, progress })).toBe("Syncing… 42 items");
    expect(statusLine({ ...base, sources: [] })).toBe("Not synced yet");
    const failing = [...sources, source({ source_id: 5, last_error: "cannot reach Google Calendar: refused" })];
    expect(statusLine({ ...base, sources: failing })).toBe("Synced 5 min ago · 1 source failed");
    const last = { finished_at: now.toISOString(), failed: 0, error: "cannot start the demo server", offline: false };
    expect(failures(last, [])).toBe(1);
    expect(statusLine({ ...base, sources: [], last })).toBe("Not synced · 1 source failed");
  });

  it("describes each source", () => {
    expect(sourceLine(sources[0]!, now)).toBe("Synced 10 min ago");
    expect(sourceLine(sources[2]!, now)).toBe("Left out · last synced 1 min ago");
    expect(sourceLine(sources[3]!, now)).toBe("Never synced");
    expect(sourceLine(source({ running: true }), now)).toBe("Syncing…");
    expect(sourceLine(source({ gone: true }), now)).toBe("No longer there; its items are kept");
  });
});
