// What the item details panel says about an event or a task. No DOM, no
// IPC: unit-tested in details.test.ts.

import type { EventItem, Response, TaskItem } from "../ipc";
import { addDays } from "./dates";
import { formatDuration, parseIsoDate, shortDate, weekdayDate } from "./format";

/** The item the user selected, with the day it was selected on. */
export type SelectedItem = { kind: "event"; item: EventItem; date: string } | { kind: "task"; item: TaskItem; date: string };

/** A stable key for the element that opened the details, to give it focus back. */
export function itemKey(selected: { kind: "event" | "task"; item: { id: number }; date: string }): string {
  return `${selected.kind}-${selected.item.id}-${selected.date}`;
}

/**
 * Where an http(s) link leads, by its host: "Google Calendar", "Outlook" or
 * "Todoist"; null for anything else (the button then says "Open at the provider").
 */
export function providerOf(link: string | null): string | null {
  if (!link) return null;
  let host: string;
  try {
    const url = new URL(link);
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    host = url.hostname.toLowerCase();
  } catch {
    return null;
  }
  const within = (domain: string) => host === domain || host.endsWith(`.${domain}`);
  if (within("calendar.google.com") || (within("google.com") && link.includes("/calendar"))) return "Google Calendar";
  if (within("outlook.office365.com") || within("outlook.office.com") || within("outlook.live.com")) return "Outlook";
  if (within("todoist.com")) return "Todoist";
  return null;
}

/** The open button's text. */
export function openLabel(link: string | null): string {
  const provider = providerOf(link);
  return provider ? `Open in ${provider}` : "Open at the provider";
}

const RESPONSES: Record<Response, string> = {
  accepted: "Accepted",
  tentative: "Maybe",
  declined: "Declined",
  needs_action: "Not answered yet",
};

export function responseText(response: Response | null): string | null {
  return response ? RESPONSES[response] : null;
}

/** "Mon 23 Nov, 09:30–10:45" or, for all-day events, "All day, 23 Nov" / "All day, 23 – 25 Nov". */
export function eventWhen(e: EventItem, date: string): string {
  if (e.all_day) {
    // All-day ends are exclusive dates.
    const last = lastDay(e.ends);
    return last && last !== e.starts ? `All day, ${shortDate(e.starts)} – ${shortDate(last)}` : `All day, ${weekdayDate(e.starts)}`;
  }
  const range = `${e.start_time ?? ""}\u2013${e.end_time ?? ""}`;
  const notes = [e.continued ? "from the day before" : null, e.continues ? "goes on the next day" : null].filter(Boolean);
  return `${weekdayDate(date)}, ${range}${notes.length ? ` (${notes.join(", ")})` : ""}`;
}

function lastDay(endExclusive: string): string | null {
  return parseIsoDate(endExclusive) ? addDays(endExclusive, -1) : null;
}

/** The whole event's length, for timed events: "1 h 15 min". */
export function eventDuration(e: EventItem): string | null {
  return e.all_day ? null : formatDuration(e.minutes);
}

/** "3 other people", "Just you". */
export function attendeesText(e: EventItem): string {
  if (e.attendees === 0) return "Just you";
  return e.attendees === 1 ? "1 other person" : `${e.attendees} other people`;
}

/** Todoist numbers priorities 4 (urgent, shown "P1") to 1 (normal, "P4"). */
export function priorityText(priority: number): string | null {
  if (priority <= 1 || priority > 4) return null;
  return `Priority ${5 - priority}`;
}

/** "Mon 23 Nov at 17:45". */
export function completedText(t: TaskItem, date: string): string {
  return t.completed_time ? `${weekdayDate(date)} at ${t.completed_time}` : weekdayDate(date);
}
