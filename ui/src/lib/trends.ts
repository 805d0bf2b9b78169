// A week's figure beside the user's averages: how it compares, in words for
// assistive technology, and the sparkline's shape as SVG polylines.

import type { Trend } from "../ipc";
import { formatDuration } from "./format";

export type Unit = "minutes" | "count" | "days";

/** A figure for people: "2 h 30 min", "14", "1 day". */
export function formatFigure(value: number, unit: Unit): string {
  const rounded = Math.round(value);
  if (unit === "minutes") return formatDuration(rounded);
  if (unit === "days") return `${rounded} ${rounded === 1 ? "day" : "days"}`;
  return String(rounded);
}

/** An average for people, or "—" when there is no history to average. */
export function formatAverage(average: number | null, unit: Unit): string {
  return average === null ? "—" : formatFigure(average, unit);
}

/**
 * How this week stands against an average: "above", "below" or "usual"
 * (within 10% of it, or both zero); null without an average.
 */
export function against(thisWeek: number, average: number | null): "above" | "below" | "usual" | null {
  if (average === null) return null;
  const margin = Math.abs(average) * 0.1;
  if (Math.abs(thisWeek - average) <= margin) return "usual";
  return thisWeek > average ? "above" : "below";
}

/** "Time in events: 12 h this week; 4-week average 10 h; 12-week average 9 h 30 min." */
export function describeTrend(label: string, t: Trend, unit: Unit): string {
  const avg = (a: number | null, weeks: number) =>
    a === null ? `no ${weeks}-week average yet` : `${weeks}-week average ${formatFigure(a, unit)}`;
  return `${label}: ${formatFigure(t.this_week, unit)} this week; ${avg(t.average_4, 4)}; ${avg(t.average_12, 12)}.`;
}

/**
 * The sparkline's lines in a `width` × `height` box: one polyline (its
 * `points` attribute) per run of weeks with history, so a week before the
 * history is a gap, not a zero. The highest value touches the top; zero is
 * the bottom; a lone week is a dot (a zero-length line drawn with round caps).
 */
export function sparklinePaths(series: (number | null)[], width: number, height: number, pad = 2): string[] {
  const values = series.filter((v): v is number => v !== null);
  if (values.length === 0 || series.length === 0) return [];
  const max = Math.max(...values, 0);
  const min = Math.min(...values, 0);
  const span = max - min || 1;
  const step = series.length > 1 ? (width - 2 * pad) / (series.length - 1) : 0;
  const x = (i: number) => pad + i * step;
  const y = (v: number) => height - pad - ((v - min) / span) * (height - 2 * pad);
  const runs: string[][] = [];
  let run: string[] = [];
  series.forEach((v, i) => {
    if (v === null) {
      if (run.length) runs.push(run);
      run = [];
    } else {
      run.push(`${round(x(i))},${round(y(v))}`);
    }
  });
  if (run.length) runs.push(run);
  return runs.map((r) => (r.length === 1 ? `${r[0]} ${r[0]}` : r.join(" ")));
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
