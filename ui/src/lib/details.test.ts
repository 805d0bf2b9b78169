import { describe, expect, it } from "vitest";
import type { TaskItem } from "../ipc";
import { event as eventFixture } from "../test/fixtures";
import { attendeesText, completedText, eventDuration, eventWhen, itemKey, openLabel, priorityText, providerOf, responseText } from "./details";

const event = eventFixture({
  id: 7,
  source_id: 1,
  title: "Design review",
  start_time: "11:30",
  end_time: "12:30",
  starts: "2026-11-23T11:30:00+01:00",
  ends: "2026-11-23T12:30:00+01:00",
  minutes: 60,
  is_organizer: true,
});

describe("providerOf", () => {
  it("names each provider by its link's host", () => {
    expect(providerOf(event.link)).toBe("Google Calendar");
    expect(providerOf("https://www.google.com/calendar/event?eid=x")).toBe("Google Calendar");
    expect(providerOf("https://outlook.office365.com/owa/?itemid=AAMk")).toBe("Outlook");
    expect(providerOf("https://outlook.live.com/calendar/item/1")).toBe("Outlook");
    expect(providerOf("https://app.todoist.com/app/task/6X7")).toBe("Todoist");
  });

  it("names nothing for other or unsafe links", () => {
    expect(providerOf(null)).toBeNull();
    expect(providerOf("https://example.com/")).toBeNull();
    expect(providerOf("https://evilgoogle.com/calendar")).toBeNull();
    expect(providerOf("https://todoist.com.evil.example/")).toBeNull();
    expect(providerOf("javascript:alert('calendar.google.com')")).toBeNull();
    expect(providerOf("not a url")).toBeNull();
    expect(openLabel("https://example.com/")).toBe("Open at the provider");
    expect(openLabel(event.link)).toBe("Open in Google Calendar");
  });
});

describe("event details", () => {
  it("says when, how long and with whom", () => {
    expect(eventWhen(event, "2026-11-23")).toBe("Mon 23 Nov, 11:30\u201312:30");
    expect(eventDuration(event)).toBe("1 h");
    expect(attendeesText(event)).toBe("3 other people");
    expect(attendeesText({ ...event, attendees: 1 })).toBe("1 other person");
    expect(attendeesText({ ...event, attendees: 0 })).toBe("Just you");
    expect(responseText("needs_action")).toBe("Not answered yet");
    expect(responseText(null)).toBeNull();
  });

  it("marks events crossing midnight and spans all-day ones (end exclusive)", () => {
    const late = { ...event, start_time: "22:00", end_time: "24:00", continues: true, minutes: 210 };
    expect(eventWhen(late, "2026-11-23")).toBe("Mon 23 Nov, 22:00\u201324:00 (goes on the next day)");
    expect(eventDuration(late)).toBe("3 h 30 min");
    const allDay = { ...event, all_day: true, starts: "2026-11-23", ends: "2026-11-26", start_time: null, end_time: null };
    expect(eventWhen(allDay, "2026-11-24")).toBe("All day, 23 Nov \u2013 25 Nov");
    expect(eventWhen({ ...allDay, ends: "2026-11-24" }, "2026-11-23")).toBe("All day, Mon 23 Nov");
    expect(eventDuration(allDay)).toBeNull();
  });

  it("keys items by kind, id and day", () => {
    expect(itemKey({ kind: "event", item: event, date: "2026-11-23" })).toBe("event-7-2026-11-23");
  });
});

describe("task details", () => {
  const task: TaskItem = {
    id: 3,
    source_id: 9,
    project: "Home",
    color: null,
    content: "Renew passport",
    description: null,
    section: null,
    labels: ["errand"],
    priority: 4,
    completed_time: "17:45",
    completed_at: "2026-11-16T17:45:00+01:00",
    due_date: null,
    link: "https://app.todoist.com/app/task/3",
  };

  it("says when it was done and how urgent it was", () => {
    expect(completedText(task, "2026-11-23")).toBe("Mon 23 Nov at 17:45");
    expect(priorityText(4)).toBe("Priority 1");
    expect(priorityText(2)).toBe("Priority 3");
    expect(priorityText(1)).toBeNull();
  });
});
