// Which week the week view shows, and moving between weeks: previous, next,
// this week, a picked date, a week from the history. Owns the loading of a
// week (only the latest request may update the screen; slow loads dim the old
// week), the weeks read ahead and the hidden slots they are laid out in. The
// DOM is reached only through the hooks given to it, so it is tested without
// one (weekNav.test.ts).

import { tick } from "svelte";
import { toIpcError, type IpcError, type Week } from "../../ipc";
import { localIsoDate } from "../../lib/format";
import { WeekAhead } from "../../lib/weekAhead";
import { SLOTS, place } from "../../lib/weekSlots";
import type { WeekMove } from "./weekKeys";

/** How long a week may take before the old one is dimmed as loading. */
export const SLOW_LOAD_MS = 150;

/** User Timing marks of the last load (the perf test reads them): asked, answered, on screen, served ahead. */
const WEEK_MARKS = ["vica:week-asked", "vica:week-answered", "vica:week-shown", "vica:week-ahead"];

export interface WeekNavHooks {
  /** Reads a week from the core; this week when `key` is absent. */
  read: (key?: string) => Promise<Week>;
  /** Saves what was typed, before another week is read (so it includes it). */
  flush: () => Promise<void>;
  /** Where focus is among the shown week's items; -1 when it is elsewhere. */
  focusedItem?: () => number;
  /** Puts focus at that place in the week now on screen. */
  refocus?: (at: number) => void;
  /** Runs `run` once the week on screen is painted (reads ahead must not delay it). */
  afterPaint?: (run: () => void) => void;
  /** Today's date where the user is. */
  today?: () => string;
}

/** After the next frame and a task, as the window paints. */
function afterFrame(run: () => void) {
  requestAnimationFrame(() => setTimeout(run, 0));
}

/** A week and its two neighbours, as the core named them: the weeks worth keeping laid out. */
export function around(week: Week): string[] {
  return [week.key, week.previous_key, week.next_key];
}

export class WeekNav {
  /** The week on screen; replaced whole on every load and never changed in place: no deep proxy. */
  week = $state.raw<Week | null>(null);
  /** Why the last load failed, until one succeeds. */
  error = $state<IpcError | null>(null);
  /** A load has taken longer than SLOW_LOAD_MS: the week on screen is dimmed (and aria-busy). */
  loading = $state(false);
  /** The week that holds today, learnt from the first load of this week. */
  thisWeek = $state<string | null>(null);
  today: string = $state("");
  /**
   * The day columns of up to three weeks, each laid out in a slot of its
   * own: the week on screen (always `week` itself) and the weeks read ahead,
   * hidden. A switch to a week read ahead only changes which slot is shown
   * (`lib/weekSlots.ts`).
   */
  slots = $state.raw<(Week | null)[]>(Array(SLOTS).fill(null));
  /** The slot on screen: the one that holds the very week on screen. */
  readonly shown = $derived(this.week === null ? -1 : this.slots.indexOf(this.week));
  readonly isThisWeek = $derived(this.week !== null && this.week.key === this.thisWeek);

  /**
   * The weeks before and after the one on screen, read once it is shown.
   * Only the week on screen can be edited (its reflection), and it is never
   * held here; anything else that changes the data forgets them all.
   */
  readonly ahead: WeekAhead;

  readonly #hooks: Required<WeekNavHooks>;
  /** Only the latest request may update the screen. */
  #latest = 0;
  /** The week last asked for (undefined: this week), so a failed load can be retried. */
  #requested: string | undefined;

  constructor(hooks: WeekNavHooks) {
    this.#hooks = {
      focusedItem: () => -1,
      refocus: () => {},
      afterPaint: afterFrame,
      today: () => localIsoDate(new Date()),
      ...hooks,
    };
    this.today = this.#hooks.today();
    this.ahead = new WeekAhead(
      (key) => this.#hooks.read(key),
      (read) => {
        // Laid out in a hidden slot as it lands, and only when it is still a
        // neighbour of the week on screen: never over that week's slot.
        const week = this.week;
        if (!week || read.key === week.key) return;
        const keep = around(week);
        if (keep.includes(read.key)) this.slots = place(this.slots, read, keep);
      },
    );
  }

  /** The week last asked for; undefined for this week. */
  get requested(): string | undefined {
    return this.#requested;
  }

  /**
   * Shows the week `key` (this week when absent). `quiet` reads the same week
   * again after a sync: no dimming and no save first, so nothing flickers and
   * the reflection being typed (copied once per week) is left alone. The data
   * changed, so the weeks read ahead are forgotten too.
   */
  async load(key?: string, { quiet = false } = {}): Promise<void> {
    if (quiet) this.ahead.forget();
    const ticket = ++this.#latest;
    this.#requested = key;
    // Dimmed (and aria-busy) only when the week is slow to come: a quick
    // switch goes straight to the new week, with no flash of the old one.
    const dim = quiet
      ? undefined
      : setTimeout(() => {
          if (ticket === this.#latest) this.loading = true;
        }, SLOW_LOAD_MS);
    try {
      // Written text first, so the week read back includes it.
      if (!quiet) await this.#hooks.flush();
      for (const name of WEEK_MARKS) performance.clearMarks(name);
      performance.mark("vica:week-asked");
      const held = quiet || key === undefined ? null : this.ahead.take(key);
      if (held) performance.mark("vica:week-ahead");
      const next = held ?? (await this.#hooks.read(key));
      performance.mark("vica:week-answered");
      if (ticket !== this.#latest) return;
      const focusAt = this.#hooks.focusedItem();
      this.week = next;
      this.slots = place(this.slots, next, around(next));
      if (focusAt >= 0) void tick().then(() => this.#hooks.refocus(focusAt));
      void tick().then(() => performance.mark("vica:week-shown"));
      this.error = null;
      if (key === undefined) this.thisWeek = next.key;
      this.today = this.#hooks.today();
      this.#readAhead(next);
    } catch (err) {
      if (ticket !== this.#latest) return;
      this.error = toIpcError(err);
    } finally {
      clearTimeout(dim);
      if (ticket === this.#latest) this.loading = false;
    }
  }

  /** Reads the week last asked for again (a retry, or `quiet` after a sync or a source change). */
  reload({ quiet = false } = {}): Promise<void> {
    return this.load(this.#requested, { quiet });
  }

  /**
   * Reads the week on screen again after a change to how weeks are laid out
   * or counted (a setting, a series' category): this week stays "this week"
   * (a new time zone may move it). The weeks around it are forgotten too.
   */
  refresh({ quiet = false } = {}): Promise<void> {
    this.ahead.forget();
    return this.load(this.isThisWeek ? undefined : this.week?.key, { quiet });
  }

  /**
   * Follows a keyboard shortcut or a button of the week bar: to the week the
   * core named before or after the one on screen (nothing while none is
   * shown), or back to this week.
   */
  move(move: WeekMove): void {
    if (move === "this_week") void this.load();
    else if (this.week) void this.load(move === "previous" ? this.week.previous_key : this.week.next_key);
  }

  /** Shows the week `key` (from the history or the date picker); this week is read as such. */
  open(key: string): void {
    void this.load(key === this.thisWeek ? undefined : key);
  }

  #readAhead(week: Week) {
    // After the new week is painted, so the reads never delay it.
    this.#hooks.afterPaint(() => {
      if (this.week?.key !== week.key) return;
      void this.ahead.readAhead(around(week).filter((k) => k !== week.key));
    });
  }
}
