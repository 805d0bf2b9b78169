// The week view's keyboard shortcuts: ← the week before, → the week after,
// T this week. A key is a shortcut only when nothing else wants it: no
// modifier, no auto-repeat, not already handled, and not typed into a field
// or a dialog. Tested in weekKeys.test.ts.

/** Where a shortcut moves the week view. */
export type WeekMove = "previous" | "next" | "this_week";

/** Where keys belong to what has the focus, never to the week view. */
const OWN_KEYS = "input, textarea, select, [contenteditable], dialog, [role='dialog']";

/** The move `event` asks for, or null when the key is not a week shortcut. */
export function weekShortcut(event: KeyboardEvent): WeekMove | null {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.repeat) return null;
  const target = event.target;
  if (target instanceof Element && target.closest(OWN_KEYS)) return null;
  switch (event.key) {
    case "ArrowLeft":
      return "previous";
    case "ArrowRight":
      return "next";
    case "t":
    case "T":
      return "this_week";
    default:
      return null;
  }
}
