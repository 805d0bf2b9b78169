// Week-model values as the core sends them, for component tests: every
// field set, so a component reads what it would read in the app.

import type { Day, EventItem, MonthGrid, TaskItem } from "../ipc";
import { addDays } from "../lib/dates";

export function event(overrides: Partial<EventItem> = {}): EventItem {
  return {
    id: 1,
    source_id: 3,
    source: "Work",
    color: "#3b6fd8",
    title: "Planning",
    location: null,
    description: null,
    all_day: false,
    start_time: "09:00",
    end_time: "10:30",
    starts: "2026-11-16T09:00:00+01:00",
    ends: "2026-11-16T10:30:00+01:00",
    minutes: 90,
    continued: false,
    continues: false,
    response: "accepted",
    is_organizer: false,
    recurring: false,
    attendees: 3,
    declined: false,
    link: "https://calendar.google.com/calendar/event?eid=abc",
    category: "meetings",
    counted: true,
    not_counted: null,
    annotation: null,
    kind: "default",
    show_as: "busy",
    series_id: null,
    series_choice: null,
    ...overrides,
  };
}

export function task(overrides: Partial<TaskItem> = {}): TaskItem {
  return {
    id: 7,
    source_id: 8,
    project: "Home",
    color: "#db4035",
    content: "Renew the library card",
    description: null,
    section: null,
    labels: [],
    priority: 1,
    completed_time: "17:45",
    completed_at: "2026-11-16T17:45:00+01:00",
    due_date: null,
    link: "https://app.todoist.com/app/task/7",
    ...overrides,
  };
}

export function day(overrides: Partial<Day> = {}): Day {
  return {
    date: "2026-11-16",
    weekday: "Mon",
    all_day: [],
    events: [],
    tasks: [],
    event_minutes: 0,
    categories: { meetings: 0, focus: 0, personal: 0, other: 0, out_of_office_days: 0 },
    ...overrides,
  };
}

/**
 * A month as the core lays it out for the date picker (Monday-start weeks),
 * written out for the months the tests visit: the rows' first days and week
 * numbers are the core's (`MonthGrid::containing`), not computed here.
 */
export function monthGrid(month: "2026-10" | "2026-11" | "2026-12"): MonthGrid {
  const layout = {
    "2026-10": { label: "October 2026", from: "2026-09-28", week: 40, rows: 5 },
    "2026-11": { label: "November 2026", from: "2026-10-26", week: 44, rows: 6 },
    "2026-12": { label: "December 2026", from: "2026-11-30", week: 49, rows: 5 },
  }[month];
  const names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
  const months = ["September", "October", "November", "December", "January"];
  return {
    first: `${month}-01`,
    label: layout.label,
    weekdays: names.map((long) => ({ short: long.slice(0, 2), long })),
    weeks: Array.from({ length: layout.rows }, (_, r) => ({
      key: `2026-W${String(layout.week + r).padStart(2, "0")}`,
      days: Array.from({ length: 7 }, (_, c) => {
        const date = addDays(layout.from, r * 7 + c);
        const m = Number(date.slice(5, 7));
        return {
          date,
          day: Number(date.slice(8)),
          label: `${names[c]} ${Number(date.slice(8))} ${months[(m + 3) % 12]} ${date.slice(0, 4)}`,
          in_month: date.startsWith(month),
        };
      }),
    })),
  };
}
