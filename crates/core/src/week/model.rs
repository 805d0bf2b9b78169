//! The week model's types: what the review shows for one week (its days,
//! their events and tasks, the totals and the change against the week
//! before), serialized as they cross to the UI and into `week --json`.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use super::WeekKey;
use super::trends::Trends;
use crate::categories::{Annotation, Assignment, Category, CategoryTotals, NotCounted};
use crate::gaps::HistoryGap;
use crate::insights::Insights;
use crate::model::{EventKind, Reflection, Response, ShowAs};
use crate::settings::WeekStart;

/// The review of one week.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Week {
    pub key: WeekKey,
    /// The weeks before and after, so the window never counts weeks itself.
    pub previous_key: WeekKey,
    pub next_key: WeekKey,
    /// "Week 47 · 16–22 Nov 2026".
    pub label: String,
    pub week_start: WeekStart,
    pub time_zone: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub days: Vec<Day>,
    pub totals: Totals,
    /// This week's totals minus last week's.
    pub change: Change,
    pub previous: Totals,
    /// Each total and category beside the 4- and 12-week averages, with a 12-week series.
    pub trends: Trends,
    /// Hours per day by source and the longest free block in working hours.
    pub insights: Insights,
    /// Open tasks due in the seven days after this week.
    pub next_week_tasks: Vec<TaskItem>,
    pub reflection: Reflection,
    /// Days of this week whose history could not be read (completions may be missing).
    pub history_gaps: Vec<HistoryGap>,
}

/// One local day of the week.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Day {
    pub date: NaiveDate,
    /// "Mon".
    pub weekday: String,
    pub all_day: Vec<EventItem>,
    pub events: Vec<EventItem>,
    pub tasks: Vec<TaskItem>,
    /// Minutes in counted events on this day, overlaps merged.
    pub event_minutes: i64,
    /// This day's counted minutes by category (they add up to `event_minutes`);
    /// `out_of_office_days` is 1 on a day with an out-of-office entry.
    pub categories: CategoryTotals,
}

/// An event as the review shows it on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct EventItem {
    pub id: i64,
    pub source_id: i64,
    pub source: String,
    pub color: Option<String>,
    pub title: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub all_day: bool,
    /// Local wall-clock times on this day ("09:00"), absent for all-day events.
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    /// The whole event's instants with the local offset (timed) or dates
    /// (all-day, end exclusive).
    pub starts: Bound,
    pub ends: Bound,
    /// Length of the whole event in minutes (0 for all-day events).
    pub minutes: i64,
    /// Began on an earlier day / goes on into a later day.
    pub continued: bool,
    pub continues: bool,
    pub response: Option<Response>,
    pub is_organizer: bool,
    pub recurring: bool,
    pub attendees: u32,
    pub declined: bool,
    pub link: Option<String>,
    /// Its category under the rules; `None` for annotations and excluded events.
    pub category: Option<Category>,
    /// Whether its time counts in the totals.
    pub counted: bool,
    /// Why it does not count, when it does not.
    pub not_counted: Option<NotCounted>,
    /// Out of office, working location or birthday: a day note, never hours.
    pub annotation: Option<Annotation>,
    pub kind: EventKind,
    pub show_as: ShowAs,
    /// The recurring series it belongs to (for "count this series as …").
    pub series_id: Option<String>,
    /// The user's choice for that series, if one is set.
    pub series_choice: Option<Assignment>,
}

/// A task as the review shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TaskItem {
    pub id: i64,
    pub source_id: i64,
    pub project: String,
    pub color: Option<String>,
    pub content: String,
    pub description: Option<String>,
    pub section: Option<String>,
    pub labels: Vec<String>,
    pub priority: u8,
    /// Local completion time ("17:45"), for completed tasks.
    pub completed_time: Option<String>,
    /// The completion instant with the zone's offset at that moment
    /// (RFC 3339, "2026-10-25T02:30:15+01:00"), for completed tasks.
    #[serde(serialize_with = "rfc3339_opt")]
    pub completed_at: Option<DateTime<FixedOffset>>,
    pub due_date: Option<NaiveDate>,
    pub link: Option<String>,
}

/// Figures for a week.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Totals {
    /// Minutes in counted events, overlaps merged.
    pub event_minutes: i64,
    /// Timed events that count.
    pub event_count: u32,
    pub all_day_count: u32,
    pub tasks_completed: u32,
    pub per_source: Vec<SourceTotal>,
    pub per_project: Vec<ProjectTotal>,
    /// The day with the most event minutes, if any event counted.
    pub busiest_day: Option<NaiveDate>,
    /// Counted minutes by category (adding up to `event_minutes`) and out-of-office days.
    pub categories: CategoryTotals,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SourceTotal {
    pub source_id: i64,
    pub name: String,
    pub color: Option<String>,
    pub event_minutes: i64,
    pub event_count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ProjectTotal {
    pub source_id: i64,
    pub name: String,
    pub color: Option<String>,
    pub tasks_completed: u32,
}

/// This week minus the week before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Change {
    pub event_minutes: i64,
    pub event_count: i64,
    pub tasks_completed: i64,
    pub categories: CategoryTotals,
}

/// Where an event starts or ends: an instant with the local offset then
/// (timed events) or a date (all-day events). Written as RFC 3339
/// ("2026-10-25T02:30:00+01:00") or as a date ("2026-11-16").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(type = "string"))]
pub enum Bound {
    At(DateTime<FixedOffset>),
    Date(NaiveDate),
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::At(t) => f.write_str(&t.to_rfc3339()),
            Bound::Date(d) => write!(f, "{d}"),
        }
    }
}

impl Serialize for Bound {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An optional instant as RFC 3339 with its offset (`+00:00`, never `Z`,
/// like [`Bound`]).
fn rfc3339_opt<S: serde::Serializer>(
    t: &Option<DateTime<FixedOffset>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.collect_str(&t.to_rfc3339()),
        None => s.serialize_none(),
    }
}
