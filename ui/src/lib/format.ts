// Pure formatting helpers for the week view. No DOM, no IPC: unit-tested in format.test.ts.

/** The minus sign used in figures (U+2212), wider and clearer than a hyphen. */
export const MINUS = "\u2212";

/** 200 → "3 h 20 min", 60 → "1 h", 45 → "45 min", 0 → "0 min". Negative input uses its size. */
export function formatDuration(minutes: number): string {
  const total = Math.round(Math.abs(minutes));
  const hours = Math.floor(total / 60);
  const mins = total % 60;
  if (hours === 0) return `${mins} min`;
  if (mins === 0) return `${hours} h`;
  return `${hours} h ${mins} min`;
}

/** How a figure moved: for styling and for screen readers. */
export type Trend = "up" | "down" | "same";

export function trend(delta: number): Trend {
  if (delta > 0) return "up";
  if (delta < 0) return "down";
  return "same";
}

/**
 * A change against last week: +3, −2, "+1 h 30 min", "−45 min";
 * zero is "same as last week".
 */
export function formatChange(delta: number, unit: "count" | "minutes" = "count"): string {
  if (delta === 0) return "same as last week";
  const sign = delta > 0 ? "+" : MINUS;
  const size = unit === "minutes" ? formatDuration(delta) : String(Math.abs(Math.round(delta)));
  return `${sign}${size}`;
}

/** The same change spelled out for assistive technology: "3 more than last week". */
export function describeChange(delta: number, unit: "count" | "minutes" = "count"): string {
  if (delta === 0) return "same as last week";
  const size = unit === "minutes" ? formatDuration(delta) : String(Math.abs(Math.round(delta)));
  return `${size} ${delta > 0 ? "more" : "less"} than last week`;
}

/** "n event" / "n events". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "09:00", "10:30" → "09:00–10:30". A missing end gives just the start. */
export function timeRange(start: string | null, end: string | null): string {
  if (!start) return "";
  return end ? `${start}\u2013${end}` : start;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The parts of "2026-11-16", or null for anything else. */
export function parseIsoDate(date: string): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** "2026-11-16" → "16 Nov". */
export function shortDate(date: string): string {
  const d = parseIsoDate(date);
  return d ? `${d.day} ${MONTHS[d.month - 1]}` : date;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** "2026-11-23" → "Mon 23 Nov". */
export function weekdayDate(date: string): string {
  const d = parseIsoDate(date);
  if (!d) return date;
  const weekday = WEEKDAYS[new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay()];
  return `${weekday} ${d.day} ${MONTHS[d.month - 1]}`;
}

/** "2026-11-16" → "16". */
export function dayOfMonth(date: string): string {
  const d = parseIsoDate(date);
  return d ? String(d.day) : date;
}

/** The local calendar date of `now` as "2026-11-16". */
export function localIsoDate(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * A provider's colour if it is a plain hex colour ("#4285f4"), else null.
 * Provider data is never trusted to be CSS.
 */
export function safeColor(color: string | null | undefined): string | null {
  return color && /^#(?:[0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(color) ? color : null;
}
