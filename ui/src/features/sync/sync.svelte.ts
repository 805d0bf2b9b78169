// The window's view of sync: whether one runs, its progress, the sources and
// how the last sync ended. Fed by the backend's sync events; every call goes
// through ../../ipc.

import {
  cancelHistoryImport,
  onSync,
  setSourceIncluded,
  syncNow,
  syncStatus,
  toIpcError,
  type IpcError,
  type SourceStatus,
  type SyncEvent,
  type SyncOutcome,
} from "../../ipc";
import { applyEvent, type Progress } from "../../lib/sync";

/** One source's history import as the window shows it. */
export interface HistoryProgress {
  since: string;
  /** Everything from this instant on is in. */
  reached: string;
  done: boolean;
  /** Why it stopped short (the next sync resumes it). */
  stopped: string | null;
}

/** A sync is shown as running for at least this long, so a quick one is seen to happen. */
const MIN_BUSY_MS = 900;

export class SyncModel {
  /** A sync runs in the backend. */
  running = $state(false);
  /** What the window shows: `running`, held for at least MIN_BUSY_MS. */
  busy = $state(false);
  sources = $state<SourceStatus[]>([]);
  last = $state<SyncOutcome | null>(null);
  progress = $state<Progress>({});
  /** A call to the backend failed (not a sync: those are in `last` and `sources`). */
  error = $state<IpcError | null>(null);
  online = $state(typeof navigator === "undefined" ? true : navigator.onLine);
  /** The history import of each source this session, by source id. */
  history = $state<Record<number, HistoryProgress>>({});
  /** Cancel was pressed: the import stops after its current page. */
  cancelling = $state(false);
  /** Ticks every 30 s so "2 min ago" stays true. */
  now = $state(new Date());

  /** Only the latest status request may update the model. */
  #ticket = 0;
  #onsynced: () => void;
  #busySince = 0;
  #busyTimer: ReturnType<typeof setTimeout> | undefined;

  /** `onsynced` runs after every finished sync: the week on screen is read again. */
  constructor(onsynced: () => void) {
    this.#onsynced = onsynced;
  }

  /** A history import runs in the background. */
  get importing(): boolean {
    return Object.values(this.history).some((h) => !h.done);
  }

  /** The earliest day the running import has reached, "YYYY-MM-DD". */
  get importReached(): string | null {
    const running = Object.values(this.history).filter((h) => !h.done);
    if (running.length === 0) return null;
    return running.map((h) => h.reached.slice(0, 10)).sort()[running.length - 1] ?? null;
  }

  /** Stops the history import after its current page; what it fetched stays. */
  async cancelImport(): Promise<void> {
    this.cancelling = true;
    try {
      await cancelHistoryImport();
      this.error = null;
    } catch (err) {
      this.cancelling = false;
      this.error = toIpcError(err);
    }
  }

  /** Whether the window should say "Offline". */
  get offline(): boolean {
    return !this.online || (!this.busy && this.last?.offline === true);
  }

  /**
   * Listens for sync events, then reads where sync stands. Resolves to a
   * function that stops listening. A sync that finished before the window
   * listened is caught up with through `onsynced`.
   */
  async start(): Promise<() => void> {
    const online = () => (this.online = navigator.onLine);
    window.addEventListener("online", online);
    window.addEventListener("offline", online);
    const timer = setInterval(() => (this.now = new Date()), 30_000);
    let unlisten = () => {};
    try {
      unlisten = await onSync(
        (event) => this.#event(event),
        (outcome) => this.#finished(outcome),
      );
    } catch {
      // Outside Tauri (a plain browser) there are no sync events.
    }
    await this.refresh();
    if (!this.running && this.last) this.#onsynced();
    return () => {
      unlisten();
      clearInterval(timer);
      window.removeEventListener("online", online);
      window.removeEventListener("offline", online);
    };
  }

  /** Reads the sources and whether a sync runs. */
  async refresh(): Promise<void> {
    const ticket = ++this.#ticket;
    try {
      const status = await syncStatus();
      if (ticket !== this.#ticket) return;
      this.sources = status.sources;
      this.last = status.last;
      this.#setRunning(status.running);
      this.error = null;
    } catch (err) {
      if (ticket !== this.#ticket) return;
      this.error = toIpcError(err);
    }
  }

  /** Starts a sync unless one is running. */
  async syncNow(): Promise<void> {
    if (this.running) return;
    this.#ticket++; // An older status must not stop the spinner.
    this.progress = {};
    this.#setRunning(true);
    this.now = new Date();
    try {
      await syncNow();
      this.error = null;
    } catch (err) {
      this.#setRunning(false);
      this.error = toIpcError(err);
    }
  }

  /** Includes a source in the review or leaves it out; a source taken back in is synced. */
  async setIncluded(sourceId: number, included: boolean): Promise<void> {
    try {
      await setSourceIncluded(sourceId, included);
      this.error = null;
    } catch (err) {
      this.error = toIpcError(err);
    }
    await this.refresh();
    if (included && !this.error) await this.syncNow();
  }

  #event(event: SyncEvent) {
    if (event.type === "history_progress" || event.type === "history_finished") {
      const done = event.type === "history_finished";
      this.history = {
        ...this.history,
        [event.source_id]: {
          since: event.since,
          reached: event.reached,
          done,
          stopped: done ? event.stopped : null,
        },
      };
      if (!this.importing) this.cancelling = false;
      // Imported weeks may be on screen: read the week again when a source is done.
      if (done) this.#onsynced();
      return;
    }
    // A sync the schedule started: its progress starts from nothing.
    if (!this.running) this.progress = {};
    this.#setRunning(true);
    this.progress = applyEvent(this.progress, event);
    // A source started or ended: its line in the Sources panel changes.
    if (event.type !== "page_written") void this.refresh();
  }

  #finished(outcome: SyncOutcome) {
    this.last = outcome;
    this.#setRunning(false);
    this.now = new Date();
    void this.refresh();
    this.#onsynced();
  }

  #setRunning(running: boolean) {
    this.running = running;
    clearTimeout(this.#busyTimer);
    if (running) {
      if (!this.busy) this.#busySince = Date.now();
      this.busy = true;
      return;
    }
    const left = this.#busySince + MIN_BUSY_MS - Date.now();
    if (left <= 0) this.busy = false;
    else this.#busyTimer = setTimeout(() => (this.busy = this.running), left);
  }
}
