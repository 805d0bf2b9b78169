// Working hours in the Settings dialog and on the week's free-block card.
// The core checks them on save (WorkingHoursSetting::parse in
// crates/core/src/settings.rs); the messages here are the core's, so the
// dialog can say what is wrong before the user saves.

import type { Weekday, WeekStart, WorkingHoursSetting } from "../ipc";
import { isClockTime } from "./export";

/** The weekdays from Monday, as the core orders working days. */
export const MONDAY_FIRST: readonly Weekday[] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/** The seven weekdays in the order of a week that starts on `start`. */
export function weekdaysFrom(start: WeekStart): Weekday[] {
  return start === "sunday" ? ["sunday", ...MONDAY_FIRST.slice(0, 6)] : [...MONDAY_FIRST];
}

/** "Mon". */
export function shortDay(day: Weekday): string {
  return day.charAt(0).toUpperCase() + day.slice(1, 3);
}

/** The working days Monday first, each once, as the core stores them. */
export function sortDays(days: readonly Weekday[]): Weekday[] {
  return MONDAY_FIRST.filter((d) => days.includes(d));
}

/** Why the core would refuse these working hours, in its words; null when it accepts them. */
export function workingHoursProblem(hours: WorkingHoursSetting): string | null {
  if (!isClockTime(hours.start)) return "the start time must be HH:MM, like 09:00";
  if (!isClockTime(hours.end)) return "the end time must be HH:MM, like 17:00";
  // "HH:MM" strings compare as times.
  if (hours.end <= hours.start) return "the end time must be after the start time";
  if (hours.days.length === 0) return "choose at least one working day";
  return null;
}

/**
 * The working days in a few words, in the order of the user's week: runs of
 * three or more as "Mon–Fri", others listed ("Mon, Wed, Fri"). A run may wrap
 * past the end of the week ("Sun–Thu" in a week from Monday).
 */
export function describeDays(days: readonly Weekday[], start: WeekStart): string {
  const order = weekdaysFrom(start);
  const on = order.map((d) => days.includes(d));
  if (on.every(Boolean)) return "every day";
  if (!on.some(Boolean)) return "no days";
  // Start at a working day that follows a day off, so no run is cut in two.
  const first = on.findIndex((v, i) => v && !on[(i + 6) % 7]);
  const runs: Weekday[][] = [];
  for (let k = 0; k < 7; k++) {
    const i = (first + k) % 7;
    const day = order[i];
    if (!on[i] || day === undefined) continue;
    const last = runs.at(-1);
    if (last && on[(i + 6) % 7] && k > 0) last.push(day);
    else runs.push([day]);
  }
  return runs
    .map((run) => {
      const a = run[0];
      const b = run.at(-1);
      if (a === undefined || b === undefined) return "";
      if (run.length >= 3) return `${shortDay(a)}–${shortDay(b)}`;
      return run.map(shortDay).join(", ");
    })
    .join(", ");
}
