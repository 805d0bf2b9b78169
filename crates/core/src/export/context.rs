//! What an export template sees: a view of [`Week`] in which every piece of
//! provider or user text is already escaped for Markdown.
//!
//! Text fields (`title`, `source`, `name`, `location`, the reflection) are
//! safe to print anywhere in a line as they are. The unescaped text is kept
//! under `raw` (`event.raw.title`, `task.raw.project`, `reflection.raw.notes`)
//! for templates that escape it themselves, with the `md` filter for example.
//! Dates are ISO (`2026-11-16`); times are local wall-clock times (`09:30`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::Serialize;

use super::escape::{block, color, inline, link, tag, yaml_str};
use super::{duration, signed, signed_duration};
use crate::categories::{Annotation, Category};
use crate::model::Reflection;
use crate::week::{EventItem, TaskItem, Week};

/// The template context.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Context {
    pub week: WeekView,
    /// The YAML front matter's lines, without the `---` delimiters.
    pub front_matter: String,
    pub totals: TotalsView,
    /// Last week's figures.
    pub previous: PreviousView,
    /// This week minus last week.
    pub change: ChangeView,
    /// Calendars with counted events, most time first.
    pub sources: Vec<SourceView>,
    /// Task projects with completed tasks, most tasks first.
    pub projects: Vec<ProjectView>,
    /// Counted time by category (meetings, focus, personal, other), in that
    /// order, with the change against last week; categories with no time in
    /// either week are left out.
    pub categories: Vec<CategoryView>,
    /// Days with an out-of-office entry, and the change against last week.
    pub out_of_office: OutOfOfficeView,
    /// The seven local days.
    pub days: Vec<DayView>,
    pub reflection: ReflectionView,
    /// Open tasks due in the seven days after the week.
    pub next_week: Vec<TaskView>,
    /// Days whose history a provider no longer had when Vica synced
    /// (completions may be missing), one per account and run of days.
    pub history_gaps: Vec<HistoryGapView>,
}

/// A note that some of the week's completions may be missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryGapView {
    /// The whole note, escaped: the message, then the projects concerned in
    /// parentheses.
    pub text: String,
    /// `Recurring tasks completed on Mon 2 Mar may be missing: …`, escaped.
    pub message: String,
    /// `Todoist`.
    pub provider: String,
    /// The projects or calendars concerned, escaped.
    pub sources: Vec<String>,
    pub first_day: String,
    pub last_day: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekView {
    /// `2026-W47`.
    pub key: String,
    /// The ISO week-numbering year.
    pub year: i32,
    /// The ISO week number, 1 to 53.
    pub number: u32,
    /// `Week 47 · 16–22 Nov 2026`.
    pub label: String,
    pub first_day: String,
    pub last_day: String,
    pub time_zone: String,
    /// `monday` or `sunday`.
    pub week_start: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TotalsView {
    /// Minutes in counted events, overlaps merged.
    pub event_minutes: i64,
    /// `25 h 30 min`.
    pub event_time: String,
    /// Hours with up to two decimals.
    pub event_hours: f64,
    pub event_count: u32,
    pub all_day_count: u32,
    pub tasks_completed: u32,
    pub busiest_day: Option<DayRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviousView {
    pub event_minutes: i64,
    pub event_time: String,
    pub event_count: u32,
    pub tasks_completed: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeView {
    pub event_minutes: i64,
    /// `+1 h 15 min`, `−30 min`, `±0`.
    pub event_time: String,
    pub event_count: i64,
    /// `+3`, `−1`, `±0`.
    pub event_count_text: String,
    pub tasks_completed: i64,
    pub tasks_completed_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryView {
    /// `meetings`, `focus`, `personal`, `other`.
    pub key: &'static str,
    /// `Meetings`.
    pub name: &'static str,
    pub minutes: i64,
    /// `6 h 30 min`.
    pub time: String,
    pub hours: f64,
    pub change_minutes: i64,
    /// `+1 h`, `−30 min`, `±0`.
    pub change_time: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutOfOfficeView {
    pub days: i64,
    pub change: i64,
    /// `+1`, `−1`, `±0`.
    pub change_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayRef {
    pub date: String,
    /// `Thursday 19 Nov`.
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceView {
    pub name: String,
    pub color: Option<String>,
    pub event_minutes: i64,
    pub event_time: String,
    pub event_count: u32,
    pub raw: RawName,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectView {
    pub name: String,
    pub color: Option<String>,
    pub tasks_completed: u32,
    pub raw: RawName,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RawName {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayView {
    pub date: String,
    /// `Mon`.
    pub weekday: String,
    /// `Monday`.
    pub weekday_name: String,
    /// `Monday 16 Nov`.
    pub title: String,
    pub event_minutes: i64,
    pub event_time: String,
    /// Nothing at all on this day.
    pub empty: bool,
    pub all_day: Vec<EventView>,
    /// Timed events in order; those begun the day before come first.
    pub events: Vec<EventView>,
    /// Tasks completed on this day.
    pub tasks: Vec<TaskView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventView {
    pub title: String,
    /// The calendar's name.
    pub source: String,
    pub location: Option<String>,
    /// `09:00`, absent for all-day events.
    pub start_time: Option<String>,
    /// `09:30`, or `24:00` when the event goes on into the next day.
    pub end_time: Option<String>,
    /// `09:00–09:30`, or `All day`.
    pub time: String,
    pub all_day: bool,
    /// Began on an earlier day / goes on into a later day.
    pub continued: bool,
    pub continues: bool,
    pub declined: bool,
    /// `meetings`, `focus`, `personal`, `other`; absent for day notes and excluded events.
    pub category: Option<&'static str>,
    /// Whether its time counts in the totals.
    pub counted: bool,
    /// `out_of_office`, `working_location` or `birthday`: a day note, never hours.
    pub annotation: Option<&'static str>,
    pub recurring: bool,
    /// `accepted`, `declined`, `tentative`, `needs_action`.
    pub response: Option<&'static str>,
    pub is_organizer: bool,
    pub attendees: u32,
    /// The whole event's length.
    pub minutes: i64,
    pub duration: String,
    /// An `http(s)` link to the event, safe as a link destination.
    pub link: Option<String>,
    pub color: Option<String>,
    pub raw: RawEvent,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RawEvent {
    pub title: String,
    pub source: String,
    pub location: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskView {
    pub title: String,
    /// The project's name.
    pub project: String,
    pub section: Option<String>,
    /// The labels as tags, `#` included (`#deep-work`).
    pub tags: Vec<String>,
    /// The labels as escaped text.
    pub labels: Vec<String>,
    /// 1 (normal) to 4 (urgent).
    pub priority: u8,
    /// `17:45`, for completed tasks.
    pub completed_time: Option<String>,
    pub due_date: Option<String>,
    /// `Mon 23 Nov`.
    pub due: Option<String>,
    pub link: Option<String>,
    pub color: Option<String>,
    pub raw: RawTask,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RawTask {
    pub title: String,
    pub project: String,
    pub description: Option<String>,
    pub section: Option<String>,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReflectionView {
    /// Whether any part of the reflection holds text.
    pub written: bool,
    pub went_well: String,
    pub didnt_go_well: String,
    pub focus_next: String,
    pub notes: String,
    /// The four parts in order, with their headings.
    pub sections: Vec<ReflectionSection>,
    pub raw: Reflection,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReflectionSection {
    /// `went_well`, `didnt_go_well`, `focus_next`, `notes`.
    pub key: &'static str,
    /// `What went well`.
    pub heading: &'static str,
    /// The text as Markdown: paragraphs and list items, nothing else.
    pub text: String,
}

/// `Monday 16 Nov`.
pub(super) fn day_title(date: NaiveDate) -> String {
    date.format("%A %-d %b").to_string()
}

impl Context {
    /// The context for a week.
    pub fn new(week: &Week) -> Context {
        let t = &week.totals;
        let c = &week.change;
        let p = &week.previous;
        let r = &week.reflection;
        let sections = [
            ("went_well", "What went well", &r.went_well),
            ("didnt_go_well", "What didn't", &r.didnt_go_well),
            ("focus_next", "Focus for next week", &r.focus_next),
            ("notes", "Notes", &r.notes),
        ]
        .into_iter()
        .map(|(key, heading, text)| ReflectionSection {
            key,
            heading,
            text: block(text),
        })
        .collect();
        Context {
            week: WeekView {
                key: week.key.to_string(),
                year: week.key.year(),
                number: week.key.week(),
                label: inline(&week.label),
                first_day: week.first_day.to_string(),
                last_day: week.last_day.to_string(),
                time_zone: week.time_zone.clone(),
                week_start: match week.week_start {
                    crate::settings::WeekStart::Monday => "monday",
                    crate::settings::WeekStart::Sunday => "sunday",
                },
            },
            front_matter: front_matter(week),
            totals: TotalsView {
                event_minutes: t.event_minutes,
                event_time: duration(t.event_minutes),
                event_hours: hours(t.event_minutes),
                event_count: t.event_count,
                all_day_count: t.all_day_count,
                tasks_completed: t.tasks_completed,
                busiest_day: t.busiest_day.map(|d| DayRef {
                    date: d.to_string(),
                    title: day_title(d),
                }),
            },
            previous: PreviousView {
                event_minutes: p.event_minutes,
                event_time: duration(p.event_minutes),
                event_count: p.event_count,
                tasks_completed: p.tasks_completed,
            },
            change: ChangeView {
                event_minutes: c.event_minutes,
                event_time: signed_duration(c.event_minutes),
                event_count: c.event_count,
                event_count_text: signed(c.event_count),
                tasks_completed: c.tasks_completed,
                tasks_completed_text: signed(c.tasks_completed),
            },
            sources: t
                .per_source
                .iter()
                .map(|s| SourceView {
                    name: inline(&s.name),
                    color: color(s.color.as_deref()),
                    event_minutes: s.event_minutes,
                    event_time: duration(s.event_minutes),
                    event_count: s.event_count,
                    raw: RawName {
                        name: s.name.clone(),
                    },
                })
                .collect(),
            projects: t
                .per_project
                .iter()
                .map(|p| ProjectView {
                    name: inline(&p.name),
                    color: color(p.color.as_deref()),
                    tasks_completed: p.tasks_completed,
                    raw: RawName {
                        name: p.name.clone(),
                    },
                })
                .collect(),
            categories: Category::ALL
                .into_iter()
                .filter(|k| t.categories.minutes(*k) != 0 || p.categories.minutes(*k) != 0)
                .map(|k| CategoryView {
                    key: k.as_str(),
                    name: k.label(),
                    minutes: t.categories.minutes(k),
                    time: duration(t.categories.minutes(k)),
                    hours: hours(t.categories.minutes(k)),
                    change_minutes: c.categories.minutes(k),
                    change_time: signed_duration(c.categories.minutes(k)),
                })
                .collect(),
            out_of_office: OutOfOfficeView {
                days: t.categories.out_of_office_days,
                change: c.categories.out_of_office_days,
                change_text: signed(c.categories.out_of_office_days),
            },
            days: week
                .days
                .iter()
                .map(|d| DayView {
                    date: d.date.to_string(),
                    weekday: d.weekday.clone(),
                    weekday_name: d.date.format("%A").to_string(),
                    title: day_title(d.date),
                    event_minutes: d.event_minutes,
                    event_time: duration(d.event_minutes),
                    empty: d.all_day.is_empty() && d.events.is_empty() && d.tasks.is_empty(),
                    all_day: d.all_day.iter().map(event_view).collect(),
                    events: d.events.iter().map(event_view).collect(),
                    tasks: d.tasks.iter().map(task_view).collect(),
                })
                .collect(),
            reflection: ReflectionView {
                written: !r.is_empty(),
                went_well: block(&r.went_well),
                didnt_go_well: block(&r.didnt_go_well),
                focus_next: block(&r.focus_next),
                notes: block(&r.notes),
                sections,
                raw: r.clone(),
            },
            next_week: week.next_week_tasks.iter().map(task_view).collect(),
            history_gaps: week
                .history_gaps
                .iter()
                .map(|g| {
                    let sources: Vec<String> = g.sources.iter().map(|s| inline(s)).collect();
                    let message = inline(&g.message);
                    HistoryGapView {
                        text: format!("{message} ({})", sources.join(", ")),
                        message,
                        provider: inline(&g.provider),
                        sources,
                        first_day: g.first_day.to_string(),
                        last_day: g.last_day.to_string(),
                    }
                })
                .collect(),
        }
    }
}

fn event_view(e: &EventItem) -> EventView {
    let time = match (&e.start_time, &e.end_time) {
        (Some(s), Some(end)) => format!("{s}–{end}"),
        _ => "All day".to_owned(),
    };
    EventView {
        title: inline(&e.title),
        source: inline(&e.source),
        location: e.location.as_deref().map(inline).filter(|l| !l.is_empty()),
        start_time: e.start_time.clone(),
        end_time: e.end_time.clone(),
        time,
        all_day: e.all_day,
        continued: e.continued,
        continues: e.continues,
        declined: e.declined,
        category: e.category.map(|c| c.as_str()),
        counted: e.counted,
        annotation: e.annotation.map(|a| match a {
            Annotation::OutOfOffice => "out_of_office",
            Annotation::WorkingLocation => "working_location",
            Annotation::Birthday => "birthday",
        }),
        recurring: e.recurring,
        response: e.response.map(|r| r.as_str()),
        is_organizer: e.is_organizer,
        attendees: e.attendees,
        minutes: e.minutes,
        duration: duration(e.minutes),
        link: e.link.as_deref().and_then(link),
        color: color(e.color.as_deref()),
        raw: RawEvent {
            title: e.title.clone(),
            source: e.source.clone(),
            location: e.location.clone(),
            description: e.description.clone(),
        },
    }
}

fn task_view(t: &TaskItem) -> TaskView {
    TaskView {
        title: inline(&t.content),
        project: inline(&t.project),
        section: t.section.as_deref().map(inline).filter(|s| !s.is_empty()),
        tags: t
            .labels
            .iter()
            .filter_map(|l| tag(l))
            .map(|t| format!("#{t}"))
            .collect(),
        labels: t.labels.iter().map(|l| inline(l)).collect(),
        priority: t.priority,
        completed_time: t.completed_time.clone(),
        due_date: t.due_date.map(|d| d.to_string()),
        due: t.due_date.map(|d| d.format("%a %-d %b").to_string()),
        link: t.link.as_deref().and_then(link),
        color: color(t.color.as_deref()),
        raw: RawTask {
            title: t.content.clone(),
            project: t.project.clone(),
            description: t.description.clone(),
            section: t.section.clone(),
            labels: t.labels.clone(),
        },
    }
}

/// Hours with up to two decimals.
pub(super) fn hours(minutes: i64) -> f64 {
    (minutes as f64 / 60.0 * 100.0).round() / 100.0
}

/// The front matter: flat keys, which Obsidian shows as properties and
/// Logseq as page properties. Strings are quoted, so no name can break it.
fn front_matter(week: &Week) -> String {
    let t = &week.totals;
    let mut seen = BTreeSet::new();
    let sources: Vec<String> = t
        .per_source
        .iter()
        .map(|s| s.name.as_str())
        .chain(t.per_project.iter().map(|p| p.name.as_str()))
        .filter(|name| seen.insert(*name))
        .map(yaml_str)
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "week: {}", yaml_str(&week.key.to_string()));
    let _ = writeln!(out, "from: {}", week.first_day);
    let _ = writeln!(out, "to: {}", week.last_day);
    let _ = writeln!(out, "time_zone: {}", yaml_str(&week.time_zone));
    let _ = writeln!(out, "event_hours: {}", hours(t.event_minutes));
    let _ = writeln!(out, "events: {}", t.event_count);
    for k in Category::ALL {
        let _ = writeln!(
            out,
            "{}_hours: {}",
            k.as_str(),
            hours(t.categories.minutes(k))
        );
    }
    let _ = writeln!(
        out,
        "out_of_office_days: {}",
        t.categories.out_of_office_days
    );
    let _ = writeln!(out, "tasks_completed: {}", t.tasks_completed);
    let _ = writeln!(out, "reflection: {}", !week.reflection.is_empty());
    let _ = writeln!(out, "sources: [{}]", sources.join(", "));
    let _ = write!(out, "tags: [weekly-review]");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_keep_two_decimals() {
        assert_eq!(hours(90), 1.5);
        assert_eq!(hours(100), 1.67);
        assert_eq!(hours(0), 0.0);
        assert_eq!(format!("{}", hours(120)), "2");
    }
}
