// The week view's day-column slots: the week on screen and the weeks read
// ahead are each laid out in a slot of their own, the ones not on screen
// hidden. A switch to a week already in a slot only changes which slot is
// shown: no element is built, no text replaced, nothing laid out anew.
//
// A slot only renders; what a week holds always comes from the week on
// screen (`take` from the read-ahead, or the core). A slot may keep a week
// that is stale (read before a sync, say): it is shown only after its
// content was replaced by the week the switch landed on.

/** How many weeks are laid out at once: the one on screen and its two neighbours. */
export const SLOTS = 3;

/** A week as far as a slot cares: its key. */
export interface Keyed {
  key: string;
}

/**
 * The slot that should hold `key`: the one holding it already, else an
 * empty one, else the first whose week is not in `keep`. `keep` names the
 * weeks still wanted (the week on screen and its neighbours); when every
 * slot holds one of them, the last slot is taken.
 */
export function slotFor(slots: readonly (Keyed | null)[], key: string, keep: readonly string[]): number {
  const held = slots.findIndex((s) => s?.key === key);
  if (held >= 0) return held;
  const empty = slots.findIndex((s) => s === null);
  if (empty >= 0) return empty;
  const unwanted = slots.findIndex((s) => s !== null && !keep.includes(s.key));
  return unwanted >= 0 ? unwanted : slots.length - 1;
}

/**
 * `slots` with `week` placed (see `slotFor`), or `slots` itself when it
 * already holds this very week, so nothing re-renders.
 */
export function place<W extends Keyed>(slots: readonly (W | null)[], week: W, keep: readonly string[]): (W | null)[] {
  const i = slotFor(slots, week.key, keep);
  if (slots[i] === week) return slots as (W | null)[];
  const next = [...slots];
  next[i] = week;
  return next;
}
