// Week-model values as the core sends them, for component tests: every
// field set, so a component reads what it would read in the app.

import type { Day, EventItem, TaskItem } from "../ipc";

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
