// Date arithmetic on "YYYY-MM-DD" strings: days and months, never weeks
// (which week holds a day, and the weeks around it, come from the core:
// `Week.previous_key`/`next_key` and the date picker's `MonthGrid`). UTC
// arithmetic, so no time zone or DST can shift a day. Tested in dates.test.ts.

import { parseIsoDate } from "./format";

const DAY = 86_400_000;

function toTime(date: string): number {
  const d = parseIsoDate(date);
  return d ? Date.UTC(d.year, d.month - 1, d.day) : NaN;
}

function fromTime(t: number): string {
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `date` moved by `days` days. */
export function addDays(date: string, days: number): string {
  return fromTime(toTime(date) + days * DAY);
}

/** The same day of the month `months` months on, clamped to the month's last day. */
export function addMonths(date: string, months: number): string {
  const d = parseIsoDate(date);
  if (!d) return date;
  const index = d.year * 12 + (d.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return fromTime(Date.UTC(year, month, Math.min(d.day, last)));
}

/** The first day of the month of `date`: "2026-11-01". */
export function monthOf(date: string): string {
  return `${date.slice(0, 7)}-01`;
}
