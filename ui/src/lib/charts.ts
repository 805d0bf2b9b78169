// The week's charts as data: stacked hours per day by source and tasks per
// project, taken as they are from the core's figures (no arithmetic of our
// own beyond scaling). No DOM, no IPC: unit-tested in charts.test.ts.

import type { Totals, Week } from "../ipc";
import { formatDuration, safeColor, weekdayDate } from "./format";

/** Colours for sources without a usable one of their own, readable on light and dark. */
export const FALLBACK_COLORS = ["#4a7fd6", "#d0743c", "#3f9c6d", "#a35bc4", "#c4475e", "#6b7a8f"];

/** The fallback colour for the `i`-th item. */
export function fallbackColor(i: number): string {
  return FALLBACK_COLORS[i % FALLBACK_COLORS.length] ?? "#6b7a8f";
}

/** One source's part of a day's bar. */
export interface Segment {
  sourceId: number;
  name: string;
  color: string;
  minutes: number;
}

/** One day's bar. */
export interface DayStack {
  date: string;
  weekday: string;
  /** The day's minutes in events (the core's `event_minutes`). */
  total: number;
  /** Bottom to top, in the week's source order. */
  segments: Segment[];
}

/** A source in the legend, with its week's minutes. */
export interface LegendEntry {
  sourceId: number;
  name: string;
  color: string;
  minutes: number;
}

/**
 * The week's sources in chart order (most time first, as the core sorts
 * them), each with a colour: its own when it is a plain hex colour, else
 * one of the fallbacks.
 */
export function legend(totals: Totals): LegendEntry[] {
  return totals.per_source.map((s, i) => ({
    sourceId: s.source_id,
    name: s.name,
    color: safeColor(s.color) ?? fallbackColor(i),
    minutes: s.event_minutes,
  }));
}

/** Each day's bar, its segments in legend order. */
export function dayStacks(week: Week): DayStack[] {
  const entries = legend(week.totals);
  const order = new Map(entries.map((e, i) => [e.sourceId, i]));
  return week.days.map((day) => {
    const split = week.insights.per_day.find((d) => d.date === day.date)?.sources ?? [];
    const segments = split
      .filter((s) => s.minutes > 0)
      .map((s) => {
        const index = order.get(s.source_id);
        const entry = index === undefined ? undefined : entries[index];
        return {
          sourceId: s.source_id,
          name: entry?.name ?? "Other",
          color: entry?.color ?? fallbackColor(FALLBACK_COLORS.length - 1),
          minutes: s.minutes,
        };
      })
      .sort((a, b) => (order.get(a.sourceId) ?? Infinity) - (order.get(b.sourceId) ?? Infinity));
    return { date: day.date, weekday: day.weekday, total: day.event_minutes, segments };
  });
}

/** The top of the hours scale in minutes: whole hours, even, at least two hours. */
export function scaleMax(stacks: DayStack[]): number {
  const most = Math.max(0, ...stacks.map((s) => s.total));
  const hours = Math.max(2, Math.ceil(most / 60));
  return (hours % 2 === 0 ? hours : hours + 1) * 60;
}

/** The scale's gridlines in minutes: 0, then every `max / 4` or every hour when finer. */
export function gridlines(max: number): number[] {
  const step = max <= 240 ? 60 : Math.ceil(max / 4 / 60) * 60;
  const lines: number[] = [];
  for (let m = 0; m <= max; m += step) lines.push(m);
  return lines;
}

/** 255 → "4h 15m", 240 → "4h", 45 → "45m", 0 → "0". Short enough to sit over a bar. */
export function compactDuration(minutes: number): string {
  const total = Math.round(Math.abs(minutes));
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (total === 0) return "0";
  if (h === 0) return `${m}m`;
  return m === 0 ? `${h}h` : `${h}h ${m}m`;
}

/** The bars as a sentence per day, for screen readers and the chart's description. */
export function describeStacks(stacks: DayStack[]): string {
  return stacks
    .map((s) => {
      const date = weekdayDate(s.date);
      if (s.total === 0) return `${date}: no events`;
      const parts = s.segments.map((g) => `${g.name} ${formatDuration(g.minutes)}`).join(", ");
      return `${date}: ${formatDuration(s.total)} (${parts})`;
    })
    .join("; ");
}

/** One project's bar. */
export interface ProjectBar {
  sourceId: number;
  name: string;
  color: string;
  count: number;
  /** Bar length as a share of the longest, 0–1. */
  share: number;
}

/** Tasks done per project, most first (the core's order). */
export function projectBars(totals: Totals): ProjectBar[] {
  const most = Math.max(1, ...totals.per_project.map((p) => p.tasks_completed));
  return totals.per_project.map((p, i) => ({
    sourceId: p.source_id,
    name: p.name,
    color: safeColor(p.color) ?? fallbackColor(i),
    count: p.tasks_completed,
    share: p.tasks_completed / most,
  }));
}
