// Dates for the date picker: ISO weeks as the core counts them, month grids
// that follow the user's week start. Pure functions over "YYYY-MM-DD" strings
// (UTC arithmetic, so no time zone or DST can shift a day). Tested in calendar.test.ts.

import type { WeekStart } from "../ipc";
import { parseIsoDate } from "./format";

const DAY = 86_400_000;

const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

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

/** 0 = Monday … 6 = Sunday. */
function isoWeekday(date: string): number {
  return (new Date(toTime(date)).getUTCDay() + 6) % 7;
}

/** The ISO week of `date`, "2026-W47". */
export function isoWeekKey(date: string): string {
  const thursday = toTime(date) + (3 - isoWeekday(date)) * DAY;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / DAY / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The week `steps` weeks after the ISO week `key` ("2026-W53", 1 → "2027-W01"); null if `key` is malformed. */
export function shiftWeek(key: string, steps: number): string | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(key);
  if (!m) return null;
  // The Monday of ISO week 1 is the Monday on or before 4 January.
  const jan4 = fromTime(Date.UTC(Number(m[1]), 0, 4));
  return isoWeekKey(addDays(jan4, (Number(m[2]) - 1 + steps) * 7 - isoWeekday(jan4)));
}

/**
 * The week that holds `date` as the user counts weeks: a Sunday-start week
 * is named after the ISO week of its Monday (as `WeekKey::containing` in the core).
 */
export function weekContaining(date: string, start: WeekStart): string {
  return isoWeekKey(start === "sunday" ? addDays(date, 1) : date);
}

/** The first day of the user's week that holds `date`. */
export function startOfWeek(date: string, start: WeekStart): string {
  const back = start === "sunday" ? (isoWeekday(date) + 1) % 7 : isoWeekday(date);
  return addDays(date, -back);
}

/** The weeks (rows of seven dates) that show the month of `date`, from the user's week start. */
export function monthGrid(date: string, start: WeekStart): string[][] {
  const d = parseIsoDate(date);
  if (!d) return [];
  const first = fromTime(Date.UTC(d.year, d.month - 1, 1));
  const last = fromTime(Date.UTC(d.year, d.month, 0));
  const rows: string[][] = [];
  // A month spans at most six weeks.
  for (let row = startOfWeek(first, start); row <= last && rows.length < 6; row = addDays(row, 7)) {
    rows.push(Array.from({ length: 7 }, (_, i) => addDays(row, i)));
  }
  return rows;
}

/** Column headings for the grid: ["Mon", …] or ["Sun", …]. */
export function weekdayNames(start: WeekStart): { short: string; long: string }[] {
  const names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
  const ordered = start === "sunday" ? ["Sunday", ...names.slice(0, 6)] : names;
  return ordered.map((long) => ({ short: long.slice(0, 2), long }));
}

/** "November 2026". */
export function monthLabel(date: string): string {
  const d = parseIsoDate(date);
  return d ? `${MONTH_NAMES[d.month - 1]} ${d.year}` : date;
}

/** "Monday 16 November 2026", for a day's accessible name. */
export function longDate(date: string): string {
  const d = parseIsoDate(date);
  if (!d) return date;
  const names = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  return `${names[new Date(toTime(date)).getUTCDay()]} ${d.day} ${MONTH_NAMES[d.month - 1]} ${d.year}`;
}

/** Whether `a` and `b` fall in the same month. */
export function sameMonth(a: string, b: string): boolean {
  return a.slice(0, 7) === b.slice(0, 7);
}
