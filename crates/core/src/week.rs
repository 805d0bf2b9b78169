//! The week model: what the review shows for one week.
//!
//! [`Week::load`] reads a week from the store (a few indexed queries) and
//! lays it out in the user's zone: seven days with their all-day events,
//! timed events and completed tasks; totals per source and per project; and
//! the change against the week before. Overlapping events are not double
//! counted, events crossing midnight are split between the days they cover,
//! and days are real local days, 23 or 25 hours long across DST changes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::categories::{Annotation, Category, CategoryTotals, NotCounted, Rules, split_minutes};
use crate::insights::{Insights, WorkingHours};
use crate::model::{Event, EventKind, EventTime, Reflection, Response, ShowAs, Source, Task};
use crate::settings::{Settings, WeekStart};
use crate::store::Store;
use crate::{Error, Result};

/// An ISO week, written `2026-W47`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WeekKey {
    year: i32,
    week: u32,
}

impl WeekKey {
    /// The week with this ISO year and number, if it exists.
    pub fn new(year: i32, week: u32) -> Option<WeekKey> {
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|_| WeekKey { year, week })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn week(self) -> u32 {
        self.week
    }

    /// The ISO Monday of the week.
    pub fn monday(self) -> NaiveDate {
        // Checked in `new` and `from_str`, so always present.
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).unwrap_or(NaiveDate::MIN)
    }

    /// The first day of the week as the user counts it. A Sunday-start week
    /// begins the day before its ISO Monday.
    pub fn first_day(self, start: WeekStart) -> NaiveDate {
        match start {
            WeekStart::Monday => self.monday(),
            WeekStart::Sunday => self.monday() - Duration::days(1),
        }
    }

    /// The week that holds `date`, as the user counts weeks.
    pub fn containing(date: NaiveDate, start: WeekStart) -> WeekKey {
        let date = match start {
            WeekStart::Monday => date,
            WeekStart::Sunday => date.succ_opt().unwrap_or(date),
        };
        let iso = date.iso_week();
        WeekKey {
            year: iso.year(),
            week: iso.week(),
        }
    }

    /// The week that holds the current moment in `tz`.
    pub fn current(tz: Tz, start: WeekStart) -> WeekKey {
        WeekKey::containing(Utc::now().with_timezone(&tz).date_naive(), start)
    }

    pub fn previous(self) -> WeekKey {
        WeekKey::containing(self.monday() - Duration::days(7), WeekStart::Monday)
    }

    pub fn next(self) -> WeekKey {
        WeekKey::containing(self.monday() + Duration::days(7), WeekStart::Monday)
    }
}

impl fmt::Display for WeekKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

impl FromStr for WeekKey {
    type Err = Error;
    fn from_str(s: &str) -> Result<WeekKey> {
        let invalid = || Error::InvalidWeek {
            input: s.to_owned(),
        };
        let (year, week) = s.trim().split_once(['-']).ok_or_else(invalid)?;
        let week = week.strip_prefix(['W', 'w']).ok_or_else(invalid)?;
        if year.len() != 4
            || week.len() != 2
            || !(year.bytes().chain(week.bytes())).all(|b| b.is_ascii_digit())
        {
            return Err(invalid());
        }
        let year: i32 = year.parse().map_err(|_| invalid())?;
        let week: u32 = week.parse().map_err(|_| invalid())?;
        WeekKey::new(year, week).ok_or_else(invalid)
    }
}

impl Serialize for WeekKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for WeekKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The review of one week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Week {
    pub key: WeekKey,
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
    /// Hours per day by source and the longest free block in working hours.
    pub insights: Insights,
    /// Open tasks due in the seven days after this week.
    pub next_week_tasks: Vec<TaskItem>,
    pub reflection: Reflection,
}

/// One local day of the week.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// The whole event's instants (timed) or dates (all-day, end exclusive).
    pub starts: String,
    pub ends: String,
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
    pub series_choice: Option<crate::categories::Assignment>,
}

/// A task as the review shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    pub due_date: Option<NaiveDate>,
    pub link: Option<String>,
}

/// Figures for a week.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
pub struct SourceTotal {
    pub source_id: i64,
    pub name: String,
    pub color: Option<String>,
    pub event_minutes: i64,
    pub event_count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectTotal {
    pub source_id: i64,
    pub name: String,
    pub color: Option<String>,
    pub tasks_completed: u32,
}

/// This week minus the week before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Change {
    pub event_minutes: i64,
    pub event_count: i64,
    pub tasks_completed: i64,
    pub categories: CategoryTotals,
}

impl Week {
    /// Reads and lays out a week using the user's settings.
    pub fn load(store: &Store, key: WeekKey, settings: &Settings) -> Result<Week> {
        let tz = settings.zone();
        let sources: BTreeMap<i64, Source> =
            store.sources()?.into_iter().map(|s| (s.id, s)).collect();
        let series = store.series_choices()?;
        let rules = Rules {
            rules: &settings.time_rules,
            series: &series,
        };
        let layout =
            Layout::new(key, settings.week_start, tz).with_working_hours(settings.working_hours());
        let this = layout.fill(store, &sources, &rules, settings.show_declined, Items::Keep)?;
        let prev_layout = Layout::new(key.previous(), settings.week_start, tz);
        let previous = prev_layout
            .fill(store, &sources, &rules, false, Items::TotalsOnly)?
            .totals;
        let next_first = layout.days[6] + Duration::days(1);
        let next_week_tasks = store
            .open_tasks_due_between(next_first, next_first + Duration::days(7))?
            .into_iter()
            .map(|t| task_item(t, &sources, tz))
            .collect();
        let reflection = store.reflection(key)?.map(|(r, _)| r).unwrap_or_default();
        let change = Change {
            event_minutes: this.totals.event_minutes - previous.event_minutes,
            event_count: i64::from(this.totals.event_count) - i64::from(previous.event_count),
            tasks_completed: i64::from(this.totals.tasks_completed)
                - i64::from(previous.tasks_completed),
            categories: this.totals.categories.minus(&previous.categories),
        };
        Ok(Week {
            key,
            label: label(key, layout.days[0], layout.days[6]),
            week_start: settings.week_start,
            time_zone: tz.name().to_owned(),
            first_day: layout.days[0],
            last_day: layout.days[6],
            days: this.days,
            totals: this.totals,
            change,
            previous,
            insights: this.insights,
            next_week_tasks,
            reflection,
        })
    }
}

/// "Week 47 · 16–22 Nov 2026", "Week 49 · 30 Nov – 6 Dec 2026", "Week 53 · 28 Dec 2026 – 3 Jan 2027".
pub fn label(key: WeekKey, first: NaiveDate, last: NaiveDate) -> String {
    let range = if first.year() != last.year() {
        format!(
            "{} – {}",
            first.format("%-d %b %Y"),
            last.format("%-d %b %Y")
        )
    } else if first.month() != last.month() {
        format!("{} – {}", first.format("%-d %b"), last.format("%-d %b %Y"))
    } else {
        format!("{}–{}", first.format("%-d"), last.format("%-d %b %Y"))
    };
    format!("Week {} · {range}", key.week())
}

/// Whether a filled week keeps its items (the week on screen) or only its
/// totals (last week, for the comparison), which spares copying every title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Items {
    Keep,
    TotalsOnly,
}

/// The local days of a week and their boundaries as instants.
struct Layout {
    tz: Tz,
    days: [NaiveDate; 7],
    /// Eight boundaries: the start of each day and the end of the last.
    bounds: [DateTime<Utc>; 8],
    /// The hours the longest free block is looked for in.
    working_hours: WorkingHours,
}

struct Filled {
    days: Vec<Day>,
    totals: Totals,
    insights: Insights,
}

impl Layout {
    fn new(key: WeekKey, start: WeekStart, tz: Tz) -> Layout {
        let first = key.first_day(start);
        let days: [NaiveDate; 7] = std::array::from_fn(|i| first + Duration::days(i as i64));
        let bounds: [DateTime<Utc>; 8] =
            std::array::from_fn(|i| local_midnight(tz, first + Duration::days(i as i64)));
        Layout {
            tz,
            days,
            bounds,
            working_hours: WorkingHours::default(),
        }
    }

    /// The same days, with the free block looked for in `working_hours`.
    fn with_working_hours(self, working_hours: WorkingHours) -> Layout {
        Layout {
            working_hours,
            ..self
        }
    }

    fn fill(
        &self,
        store: &Store,
        sources: &BTreeMap<i64, Source>,
        rules: &Rules<'_>,
        show_declined: bool,
        items: Items,
    ) -> Result<Filled> {
        let (week_start, week_end) = (self.bounds[0], self.bounds[7]);
        let events = store.events_overlapping(week_start, week_end)?;
        let tasks = store.tasks_completed_between(week_start, week_end)?;
        Ok(self.assemble(events, tasks, sources, rules, show_declined, items))
    }

    fn assemble(
        &self,
        events: Vec<Event>,
        tasks: Vec<Task>,
        sources: &BTreeMap<i64, Source>,
        rules: &Rules<'_>,
        show_declined: bool,
        items: Items,
    ) -> Filled {
        let keep = items == Items::Keep;
        let tz = self.tz;
        let mut days: Vec<Day> = self
            .days
            .iter()
            .map(|d| Day {
                date: *d,
                weekday: d.format("%a").to_string(),
                all_day: Vec::new(),
                events: Vec::new(),
                tasks: Vec::new(),
                event_minutes: 0,
                categories: CategoryTotals::default(),
            })
            .collect();
        let mut counted: Vec<(i64, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        // Counted time by category, and out-of-office spans (never hours).
        let mut by_category: Vec<(Category, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        let mut away = [false; 7];
        // Out-of-office time: not hours, and not free working time either.
        let mut away_spans: Vec<(i64, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        let mut timed_ids = BTreeSet::new();
        let mut all_day_ids = BTreeSet::new();
        let mut per_source_count: BTreeMap<i64, u32> = BTreeMap::new();

        for mut event in events {
            let declined = event.record.my_response == Some(Response::Declined);
            if declined && !show_declined {
                continue;
            }
            let verdict = rules.classify(&event, sources.get(&event.source_id));
            let is_away = verdict.annotation == Some(Annotation::OutOfOffice);
            match event.record.time {
                EventTime::AllDay { start, end } => {
                    // A zero-length all-day event still belongs to its start date.
                    let end = end.max(start + Duration::days(1));
                    let on = days_where(|i| self.days[i] >= start && self.days[i] < end);
                    for i in on.clone() {
                        if keep {
                            let text = ItemText::for_day(&mut event, i + 1 == on.end);
                            days[i].all_day.push(event_item(
                                &event, text, sources, tz, None, declined, &verdict,
                            ));
                        }
                        all_day_ids.insert(event.id);
                        away[i] |= is_away;
                        if is_away && !declined {
                            away_spans.push((event.source_id, self.bounds[i], self.bounds[i + 1]));
                        }
                    }
                }
                EventTime::Timed { start, end } => {
                    let on = days_where(|i| {
                        let (ds, de) = (self.bounds[i], self.bounds[i + 1]);
                        if start == end {
                            start >= ds && start < de
                        } else {
                            start < de && end > ds
                        }
                    });
                    let on_any_day = !on.is_empty();
                    for i in on.clone() {
                        if keep {
                            let day = Some((self.bounds[i], self.bounds[i + 1]));
                            let text = ItemText::for_day(&mut event, i + 1 == on.end);
                            days[i].events.push(event_item(
                                &event, text, sources, tz, day, declined, &verdict,
                            ));
                        }
                        away[i] |= is_away;
                    }
                    if on_any_day && is_away && !declined {
                        away_spans.push((event.source_id, start, end));
                    }
                    if on_any_day && verdict.counted {
                        timed_ids.insert(event.id);
                        *per_source_count.entry(event.source_id).or_default() += 1;
                        counted.push((event.source_id, start, end));
                        if let Some(c) = verdict.category {
                            by_category.push((c, start, end));
                        }
                    }
                }
            }
        }

        for (i, day) in days.iter_mut().enumerate() {
            day.events.sort_by(|a, b| {
                (a.continued, &a.start_time, &a.end_time, &a.title).cmp(&(
                    b.continued,
                    &b.start_time,
                    &b.end_time,
                    &b.title,
                ))
            });
            // Events that began on an earlier day come first: they are under way at midnight.
            day.events.sort_by_key(|e| !e.continued);
            day.event_minutes = merged_minutes(
                counted.iter().map(|c| (c.1, c.2)),
                self.bounds[i],
                self.bounds[i + 1],
            );
            day.categories = split_minutes(&by_category, self.bounds[i], self.bounds[i + 1]);
            day.categories.out_of_office_days = i64::from(away[i]);
        }

        let mut per_project: BTreeMap<i64, u32> = BTreeMap::new();
        let mut tasks_completed = 0;
        for task in tasks {
            let Some(done) = task.record.completed_at else {
                continue;
            };
            let local = done.with_timezone(&tz).date_naive();
            if let Some(i) = self.days.iter().position(|d| *d == local) {
                tasks_completed += 1;
                *per_project.entry(task.source_id).or_default() += 1;
                if keep {
                    days[i].tasks.push(task_item(task, sources, tz));
                }
            }
        }

        let (week_start, week_end) = (self.bounds[0], self.bounds[7]);
        let mut per_source: Vec<SourceTotal> = per_source_count
            .iter()
            .map(|(&source_id, &event_count)| {
                let source = sources.get(&source_id);
                SourceTotal {
                    source_id,
                    name: source.map(|s| s.name.clone()).unwrap_or_default(),
                    color: source.and_then(|s| s.color.clone()),
                    event_minutes: merged_minutes(
                        counted
                            .iter()
                            .filter(|c| c.0 == source_id)
                            .map(|c| (c.1, c.2)),
                        week_start,
                        week_end,
                    ),
                    event_count,
                }
            })
            .collect();
        per_source.sort_by(|a, b| {
            b.event_minutes
                .cmp(&a.event_minutes)
                .then(a.name.cmp(&b.name))
        });
        let mut per_project: Vec<ProjectTotal> = per_project
            .iter()
            .map(|(&source_id, &tasks_completed)| {
                let source = sources.get(&source_id);
                ProjectTotal {
                    source_id,
                    name: source.map(|s| s.name.clone()).unwrap_or_default(),
                    color: source.and_then(|s| s.color.clone()),
                    tasks_completed,
                }
            })
            .collect();
        per_project.sort_by(|a, b| {
            b.tasks_completed
                .cmp(&a.tasks_completed)
                .then(a.name.cmp(&b.name))
        });

        let busiest_day = days
            .iter()
            .filter(|d| d.event_minutes > 0)
            .max_by(|a, b| {
                a.event_minutes
                    .cmp(&b.event_minutes)
                    .then(b.date.cmp(&a.date))
            })
            .map(|d| d.date);
        let totals = Totals {
            event_minutes: merged_minutes(counted.iter().map(|c| (c.1, c.2)), week_start, week_end),
            event_count: timed_ids.len() as u32,
            all_day_count: all_day_ids.len() as u32,
            tasks_completed,
            per_source,
            per_project,
            busiest_day,
            categories: CategoryTotals {
                out_of_office_days: away.iter().filter(|a| **a).count() as i64,
                ..split_minutes(&by_category, week_start, week_end)
            },
        };
        let insights = Insights::compute(
            &counted,
            &away_spans,
            &self.days,
            &self.bounds,
            tz,
            self.working_hours.clone(),
        );
        Filled {
            days,
            totals,
            insights,
        }
    }
}

/// The instant a local date begins. Where midnight does not exist (a DST gap
/// at midnight), the day begins at the first instant after the gap.
fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    crate::insights::local_instant(tz, date, NaiveTime::MIN)
}

/// Minutes covered by the union of `intervals` within `[from, to)`.
fn merged_minutes(
    intervals: impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> i64 {
    let mut clipped: Vec<(DateTime<Utc>, DateTime<Utc>)> = intervals
        .map(|(s, e)| (s.max(from), e.min(to)))
        .filter(|(s, e)| s < e)
        .collect();
    clipped.sort();
    let mut total = Duration::zero();
    let mut current: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for (s, e) in clipped {
        current = match current {
            Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                Some((s, e))
            }
            None => Some((s, e)),
        };
    }
    if let Some((cs, ce)) = current {
        total += ce - cs;
    }
    total.num_minutes()
}

/// The days of the week (indexes 0..7) where `on` holds; they are consecutive,
/// since an event covers one stretch of time.
fn days_where(on: impl Fn(usize) -> bool) -> std::ops::Range<usize> {
    match (0..7).find(|&i| on(i)) {
        Some(first) => first..(first..7).take_while(|&i| on(i)).count() + first,
        None => 0..0,
    }
}

/// An event's text as its item on one day carries it: copied for every day
/// but the event's last in the week, which takes the event's own strings.
struct ItemText {
    title: String,
    location: Option<String>,
    description: Option<String>,
    link: Option<String>,
    series_id: Option<String>,
}

impl ItemText {
    fn for_day(event: &mut Event, last: bool) -> ItemText {
        let r = &mut event.record;
        if last {
            ItemText {
                title: std::mem::take(&mut r.title),
                location: r.location.take(),
                description: r.description.take(),
                link: r.link.take(),
                series_id: r.series_id.take(),
            }
        } else {
            ItemText {
                title: r.title.clone(),
                location: r.location.clone(),
                description: r.description.clone(),
                link: r.link.clone(),
                series_id: r.series_id.clone(),
            }
        }
    }
}

/// `HH:MM` on the local clock.
fn clock(t: DateTime<Tz>) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

fn event_item(
    event: &Event,
    text: ItemText,
    sources: &BTreeMap<i64, Source>,
    tz: Tz,
    day: Option<(DateTime<Utc>, DateTime<Utc>)>,
    declined: bool,
    verdict: &crate::categories::Verdict,
) -> EventItem {
    let source = sources.get(&event.source_id);
    let r = &event.record;
    let (start_time, end_time, starts, ends, minutes, continued, continues) = match (r.time, day) {
        (EventTime::Timed { start, end }, Some((ds, de))) => (
            Some(clock(start.max(ds).with_timezone(&tz))),
            Some(if end >= de {
                "24:00".to_owned()
            } else {
                clock(end.with_timezone(&tz))
            }),
            start.with_timezone(&tz).to_rfc3339(),
            end.with_timezone(&tz).to_rfc3339(),
            (end - start).num_minutes(),
            start < ds,
            end > de,
        ),
        (EventTime::Timed { start, end }, None) => (
            None,
            None,
            start.with_timezone(&tz).to_rfc3339(),
            end.with_timezone(&tz).to_rfc3339(),
            (end - start).num_minutes(),
            false,
            false,
        ),
        (EventTime::AllDay { start, end }, _) => (
            None,
            None,
            start.to_string(),
            end.to_string(),
            0,
            false,
            false,
        ),
    };
    EventItem {
        id: event.id,
        source_id: event.source_id,
        source: source.map(|s| s.name.clone()).unwrap_or_default(),
        color: source.and_then(|s| s.color.clone()),
        title: text.title,
        location: text.location,
        description: text.description,
        all_day: matches!(r.time, EventTime::AllDay { .. }),
        start_time,
        end_time,
        starts,
        ends,
        minutes,
        continued,
        continues,
        response: r.my_response,
        is_organizer: r.is_organizer,
        recurring: text.series_id.is_some(),
        attendees: r.attendee_count,
        declined,
        link: text.link,
        category: verdict.category,
        counted: verdict.counted,
        not_counted: verdict.not_counted,
        annotation: verdict.annotation,
        kind: r.kind,
        show_as: r.show_as,
        series_id: text.series_id,
        series_choice: verdict.series_choice,
    }
}

fn task_item(task: Task, sources: &BTreeMap<i64, Source>, tz: Tz) -> TaskItem {
    let source = sources.get(&task.source_id);
    let r = task.record;
    TaskItem {
        id: task.id,
        source_id: task.source_id,
        project: source.map(|s| s.name.clone()).unwrap_or_default(),
        color: source.and_then(|s| s.color.clone()),
        content: r.content,
        description: r.description,
        section: r.section,
        labels: r.labels,
        priority: r.priority,
        completed_time: r.completed_at.map(|t| clock(t.with_timezone(&tz))),
        due_date: r.due_date,
        link: r.link,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn week_keys_parse_and_print() {
        let k: WeekKey = "2026-W47".parse().unwrap();
        assert_eq!(k.to_string(), "2026-W47");
        assert_eq!(k.monday(), NaiveDate::from_ymd_opt(2026, 11, 16).unwrap());
        assert_eq!("2026-w07".parse::<WeekKey>().unwrap().week(), 7);
        // 2026 has 53 ISO weeks; 2025 does not.
        assert!("2026-W53".parse::<WeekKey>().is_ok());
        for bad in [
            "2026-47",
            "2026W47",
            "2025-W53",
            "2026-W00",
            "26-W47",
            "2026-W7",
            "",
            "week 47",
            "2026-W47x",
        ] {
            let err = bad.parse::<WeekKey>().unwrap_err().to_string();
            assert!(
                err.contains("2026-W47"),
                "error for {bad:?} should show the expected form: {err}"
            );
        }
    }

    #[test]
    fn weeks_step_across_years() {
        let k: WeekKey = "2026-W53".parse().unwrap();
        assert_eq!(k.next().to_string(), "2027-W01");
        assert_eq!(k.next().previous(), k);
        assert_eq!("2027-W01".parse::<WeekKey>().unwrap().previous(), k);
    }

    #[test]
    fn sunday_weeks_begin_the_day_before_the_iso_monday() {
        let k: WeekKey = "2026-W47".parse().unwrap();
        let sunday = NaiveDate::from_ymd_opt(2026, 11, 15).unwrap();
        assert_eq!(k.first_day(WeekStart::Sunday), sunday);
        assert_eq!(WeekKey::containing(sunday, WeekStart::Sunday), k);
        assert_eq!(
            WeekKey::containing(sunday, WeekStart::Monday).to_string(),
            "2026-W46"
        );
        let saturday = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        assert_eq!(WeekKey::containing(saturday, WeekStart::Sunday), k);
    }

    #[test]
    fn labels_read_naturally() {
        let k: WeekKey = "2026-W47".parse().unwrap();
        let (f, l) = (k.monday(), k.monday() + Duration::days(6));
        assert_eq!(label(k, f, l), "Week 47 · 16–22 Nov 2026");
        let k: WeekKey = "2026-W49".parse().unwrap();
        assert_eq!(
            label(k, k.monday(), k.monday() + Duration::days(6)),
            "Week 49 · 30 Nov – 6 Dec 2026"
        );
        let k: WeekKey = "2026-W53".parse().unwrap();
        assert_eq!(
            label(k, k.monday(), k.monday() + Duration::days(6)),
            "Week 53 · 28 Dec 2026 – 3 Jan 2027"
        );
    }

    #[test]
    fn overlapping_intervals_are_merged() {
        let t = |h: i64, m: i64| {
            DateTime::<Utc>::UNIX_EPOCH + Duration::hours(h) + Duration::minutes(m)
        };
        let iv = [
            (t(9, 0), t(10, 0)),
            (t(9, 30), t(10, 30)),
            (t(11, 0), t(11, 15)),
            (t(11, 15), t(11, 30)),
        ];
        assert_eq!(merged_minutes(iv.into_iter(), t(0, 0), t(24, 0)), 90 + 30);
        // Clipped to the window.
        assert_eq!(merged_minutes(iv.into_iter(), t(9, 45), t(11, 5)), 45 + 5);
        assert_eq!(merged_minutes(std::iter::empty(), t(0, 0), t(24, 0)), 0);
    }

    #[test]
    fn local_days_have_their_real_length_across_dst() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let layout = Layout::new("2026-W13".parse().unwrap(), WeekStart::Monday, berlin);
        // Sunday 29 March 2026 is 23 hours long in Berlin.
        assert_eq!(
            layout.days[6],
            NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()
        );
        assert_eq!((layout.bounds[7] - layout.bounds[6]).num_hours(), 23);
        assert_eq!((layout.bounds[1] - layout.bounds[0]).num_hours(), 24);
        let ny: Tz = "America/New_York".parse().unwrap();
        let layout = Layout::new("2026-W44".parse().unwrap(), WeekStart::Monday, ny);
        // Sunday 1 November 2026 is 25 hours long in New York.
        assert_eq!(
            layout.days[6],
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
        );
        assert_eq!((layout.bounds[7] - layout.bounds[6]).num_hours(), 25);
    }
}
