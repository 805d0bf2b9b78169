// Pure helpers for the sync status and the Sources panel. No DOM, no IPC:
// unit-tested in sync.test.ts.

import type { SourceStatus, SyncEvent, SyncOutcome } from "../ipc/types";
import { shortDate } from "./format";

/** What the sync under way has done so far, per source. */
export interface SourceProgress {
  name: string;
  pages: number;
  items: number;
  done: boolean;
  error: string | null;
}

export type Progress = Record<number, SourceProgress>;

/** `progress` with `event` taken into account (a new object; the old one is left alone). */
export function applyEvent(progress: Progress, event: SyncEvent): Progress {
  // The history import runs after the sync: it is no part of its progress.
  if (event.type === "history_progress" || event.type === "history_finished") return progress;
  const before = progress[event.source_id] ?? { name: "", pages: 0, items: 0, done: false, error: null };
  let after: SourceProgress;
  switch (event.type) {
    case "source_started":
      after = { ...before, name: event.name, done: false, error: null };
      break;
    case "page_written":
      after = { ...before, pages: event.pages, items: event.items };
      break;
    case "source_finished":
      after = { ...before, done: true, error: event.error };
      break;
  }
  return { ...progress, [event.source_id]: after };
}

/** The totals a progress bar shows. */
export function summarize(progress: Progress): { sources: number; done: number; pages: number; items: number } {
  const all = Object.values(progress);
  return {
    sources: all.length,
    done: all.filter((p) => p.done).length,
    pages: all.reduce((n, p) => n + p.pages, 0),
    items: all.reduce((n, p) => n + p.items, 0),
  };
}

/** When the review's data was last brought up to date: the latest success of an included source. */
export function lastSynced(sources: SourceStatus[]): string | null {
  let latest: string | null = null;
  let latestMs = -Infinity;
  for (const s of sources) {
    if (!s.included || s.gone || !s.last_success_at) continue;
    const ms = Date.parse(s.last_success_at);
    if (ms > latestMs) {
      latestMs = ms;
      latest = s.last_success_at;
    }
  }
  return latest;
}

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", then the date ("12 Nov"). */
export function ago(instant: string, now: Date): string {
  const then = new Date(instant);
  const seconds = (now.getTime() - then.getTime()) / 1000;
  if (!Number.isFinite(seconds)) return instant;
  if (seconds < 60) return "just now";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days === 1) return "yesterday";
  if (days < 7) return `${days} days ago`;
  const pad = (n: number) => String(n).padStart(2, "0");
  return shortDate(`${then.getFullYear()}-${pad(then.getMonth() + 1)}-${pad(then.getDate())}`);
}

/** How many sources failed in the last sync, and whether the sync failed before any source. */
export function failures(last: SyncOutcome | null, sources: SourceStatus[]): number {
  const failing = sources.filter((s) => s.included && !s.gone && s.last_error).length;
  return Math.max(failing, last?.failed ?? 0, last?.error ? 1 : 0);
}

/** The sync status line in the header. */
export function statusLine(args: {
  running: boolean;
  progress: Progress;
  sources: SourceStatus[];
  last: SyncOutcome | null;
  now: Date;
}): string {
  const { running, progress, sources, last, now } = args;
  if (running) {
    const { items } = summarize(progress);
    return items > 0 ? `Syncing… ${items} items` : "Syncing…";
  }
  const when = lastSynced(sources);
  const failed = failures(last, sources);
  const synced = when ? `Synced ${ago(when, now)}` : last ? "Not synced" : "Not synced yet";
  if (failed === 0) return synced;
  return `${synced} · ${failed === 1 ? "1 source failed" : `${failed} sources failed`}`;
}

/** A source's line in the Sources panel: "Synced 5 min ago", "Never synced", … */
export function sourceLine(source: SourceStatus, now: Date): string {
  if (source.running) return "Syncing…";
  if (source.gone) return "No longer there; its items are kept";
  if (!source.included) return source.last_success_at ? `Left out · last synced ${ago(source.last_success_at, now)}` : "Left out";
  return source.last_success_at ? `Synced ${ago(source.last_success_at, now)}` : "Never synced";
}
