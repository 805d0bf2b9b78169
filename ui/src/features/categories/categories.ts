// Names, colours and explanations for the attended-time categories, and the
// figures the category panel and the per-day chart show. Pure functions over
// the week model (`vica_core::categories`), so they are tested without a window.

import type { Assignment, Category, CategoryTotals, Day, EventItem, NotCounted } from "../../ipc";

/** Every category, highest priority first (where two overlap, the first one gets the time). */
export const CATEGORIES: readonly Category[] = ["meetings", "focus", "personal", "other"];

export const CATEGORY_LABEL: Record<Category, string> = {
  meetings: "Meetings",
  focus: "Focus",
  personal: "Personal",
  other: "Other",
};

/** A CSS colour per category, from the theme. */
export const CATEGORY_COLOR: Record<Category, string> = {
  meetings: "var(--cat-meetings, #3b6fd8)",
  focus: "var(--cat-focus, #1f9d68)",
  personal: "var(--cat-personal, #c2410c)",
  other: "var(--cat-other, #8a8f98)",
};

/** What a series or a title rule may be set to, in menu order. */
export const ASSIGNMENTS: readonly { value: Assignment; label: string }[] = [
  { value: "meetings", label: "Meetings" },
  { value: "focus", label: "Focus" },
  { value: "personal", label: "Personal" },
  { value: "other", label: "Other" },
  { value: "excluded", label: "Not counted" },
];

const NOT_COUNTED: Record<NotCounted, string> = {
  declined: "declined",
  tentative: "tentative, not counted",
  unanswered: "not answered, not counted",
  free: "shown as free, not counted",
  all_day: "all day, no hours",
  multi_day: "several days, no hours",
  excluded: "not counted (rule)",
  annotation: "day note",
};

/** A short tag for an event: its category, or why it has no hours ("Out of office", "free, not counted"). */
export function eventTag(e: EventItem): string {
  if (e.annotation === "out_of_office") return "Out of office";
  if (e.annotation === "working_location") return "Working location";
  if (e.annotation === "birthday") return "Birthday";
  const category = e.category ? CATEGORY_LABEL[e.category] : null;
  if (e.counted || !e.not_counted) return category ?? "";
  const why = NOT_COUNTED[e.not_counted];
  return category && e.not_counted !== "excluded" && e.not_counted !== "declined" ? `${category} · ${why}` : why;
}

/** One category's figure for the week: time, the change against last week. */
export interface CategoryFigure {
  category: Category;
  label: string;
  minutes: number;
  delta: number;
  color: string;
}

/** The categories with time this week or last, in priority order. */
export function categoryFigures(totals: CategoryTotals, change: CategoryTotals): CategoryFigure[] {
  return CATEGORIES.filter((c) => totals[c] !== 0 || change[c] !== 0).map((c) => ({
    category: c,
    label: CATEGORY_LABEL[c],
    minutes: totals[c],
    delta: change[c],
    color: CATEGORY_COLOR[c],
  }));
}

/** One segment of a day's stacked bar. */
export interface Segment {
  category: Category;
  minutes: number;
  /** Share of the chart's scale, 0–100. */
  percent: number;
}

/** A day's stacked bar: its categories (non-zero ones), scaled to `scale` minutes. */
export function dayStack(day: Day, scale: number): Segment[] {
  const out: Segment[] = [];
  for (const c of CATEGORIES) {
    const minutes = day.categories[c];
    if (minutes <= 0) continue;
    out.push({ category: c, minutes, percent: scale > 0 ? Math.min(100, (minutes / scale) * 100) : 0 });
  }
  return out;
}

/** The chart's scale: the busiest day's counted minutes, at least 4 hours so a light week does not look full. */
export function chartScale(days: Day[]): number {
  return Math.max(240, ...days.map((d) => CATEGORIES.reduce((sum, c) => sum + d.categories[c], 0)));
}
