//! A run of local days laid out in the user's zone (a week's seven, or a
//! month's or a quarter's, see [`crate::period`]) and their boundaries as
//! instants, and filling them from the store. Each event is
//! placed on every day it covers (all-day events by date, timed ones by
//! instant, split at local midnight), counted time is tallied without
//! counting overlaps twice, and completed tasks go to their local day.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use super::WeekKey;
use super::items::{ItemText, event_item, task_item};
use super::model::{Day, ProjectTotal, SourceTotal, Totals};
use crate::Result;
use crate::categories::{Annotation, Category, CategoryTotals, Rules, Verdict, split_minutes};
use crate::insights::{Insights, WorkingHours};
use crate::model::{Event, EventTime, Response, Source, Task};
use crate::settings::WeekStart;
use crate::store::Store;

/// Whether a filled week keeps its items (the week on screen) or only its
/// totals (last week, for the comparison), which spares copying every title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Items {
    Keep,
    TotalsOnly,
}

/// A run of local days (a week's seven, or a month's) and their boundaries as instants.
pub(crate) struct Layout {
    tz: Tz,
    pub(crate) days: Vec<NaiveDate>,
    /// One more boundary than days: the start of each day and the end of the last.
    pub(crate) bounds: Vec<DateTime<Utc>>,
    /// The hours the longest free block is looked for in.
    working_hours: WorkingHours,
}

/// A filled run of days: its days (without items under [`Items::TotalsOnly`],
/// but with their minutes and categories), totals and insights (computed
/// only under [`Items::Keep`]: the comparisons and roll-ups show none).
pub(crate) struct Filled {
    pub(crate) days: Vec<Day>,
    /// Tasks completed on each day (kept even when the days' items are not).
    pub(crate) tasks_per_day: Vec<u32>,
    pub(crate) totals: Totals,
    pub(crate) insights: Insights,
}

/// What the events of a week add up to while they are placed on its days.
struct Tally {
    /// Counted timed events: (source, start, end).
    counted: Vec<(i64, DateTime<Utc>, DateTime<Utc>)>,
    /// Counted time by category.
    by_category: Vec<(Category, DateTime<Utc>, DateTime<Utc>)>,
    /// Days with an out-of-office entry.
    away: Vec<bool>,
    /// Out-of-office time: not hours, and not free working time either.
    away_spans: Vec<(i64, DateTime<Utc>, DateTime<Utc>)>,
    timed_ids: BTreeSet<i64>,
    all_day_ids: BTreeSet<i64>,
    per_source_count: BTreeMap<i64, u32>,
}

/// Completed tasks placed on their days: how many, and how many per project.
struct TaskTally {
    completed: u32,
    per_day: Vec<u32>,
    per_project: BTreeMap<i64, u32>,
}

/// What every event placed on a day needs besides the event itself.
struct Placing<'a> {
    sources: &'a BTreeMap<i64, Source>,
    keep: bool,
    declined: bool,
    verdict: &'a Verdict,
    is_away: bool,
}

impl Tally {
    fn new(days: usize) -> Tally {
        Tally {
            counted: Vec::new(),
            by_category: Vec::new(),
            away: vec![false; days],
            away_spans: Vec::new(),
            timed_ids: BTreeSet::new(),
            all_day_ids: BTreeSet::new(),
            per_source_count: BTreeMap::new(),
        }
    }
}

impl Layout {
    /// The seven days of a week.
    pub(super) fn new(key: WeekKey, start: WeekStart, tz: Tz) -> Layout {
        Layout::days(key.first_day(start), 7, tz)
    }

    /// `count` local days from `first` (at least one).
    pub(crate) fn days(first: NaiveDate, count: usize, tz: Tz) -> Layout {
        let count = count.max(1);
        let days: Vec<NaiveDate> = (0..count)
            .map(|i| first + Duration::days(i as i64))
            .collect();
        let bounds: Vec<DateTime<Utc>> = (0..=count)
            .map(|i| local_midnight(tz, first + Duration::days(i as i64)))
            .collect();
        Layout {
            tz,
            days,
            bounds,
            working_hours: WorkingHours::default(),
        }
    }

    /// The same days, with the free block looked for in `working_hours`.
    pub(super) fn with_working_hours(self, working_hours: WorkingHours) -> Layout {
        Layout {
            working_hours,
            ..self
        }
    }

    /// The instant the first day begins and the one the last day ends.
    pub(crate) fn span(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.bounds[0], self.bounds[self.days.len()])
    }

    /// The seven days and eight boundaries of a week's layout, as the
    /// history notes take them.
    pub(super) fn week_days(&self) -> ([NaiveDate; 7], [DateTime<Utc>; 8]) {
        (
            std::array::from_fn(|i| self.days[i]),
            std::array::from_fn(|i| self.bounds[i]),
        )
    }

    pub(crate) fn fill(
        &self,
        store: &Store,
        sources: &BTreeMap<i64, Source>,
        rules: &Rules<'_>,
        show_declined: bool,
        items: Items,
    ) -> Result<Filled> {
        let (start, end) = self.span();
        let (events, tasks) = match items {
            Items::Keep => (
                store.events_overlapping(start, end)?,
                store.tasks_completed_between(start, end)?,
            ),
            Items::TotalsOnly => (
                store.events_for_totals(start, end)?,
                store.completions_for_totals(start, end)?,
            ),
        };
        Ok(self.assemble(events, tasks, sources, rules, show_declined, items))
    }

    pub(crate) fn assemble(
        &self,
        events: Vec<Event>,
        tasks: Vec<Task>,
        sources: &BTreeMap<i64, Source>,
        rules: &Rules<'_>,
        show_declined: bool,
        items: Items,
    ) -> Filled {
        let keep = items == Items::Keep;
        let mut days = self.empty_days();
        let mut tally = Tally::new(self.days.len());
        for event in events {
            let declined = event.record.my_response == Some(Response::Declined);
            if declined && !show_declined {
                continue;
            }
            let verdict = rules.classify(&event, sources.get(&event.source_id));
            let placing = Placing {
                sources,
                keep,
                declined,
                verdict: &verdict,
                is_away: verdict.annotation == Some(Annotation::OutOfOffice),
            };
            self.place_event(event, &placing, &mut days, &mut tally);
        }
        self.finish_days(&mut days, &tally);
        let tasks = self.place_tasks(tasks, sources, keep, &mut days);
        let tasks_per_day = tasks.per_day.clone();
        let totals = self.totals(&days, &tally, tasks, sources);
        let insights = if keep {
            Insights::compute(
                &tally.counted,
                &tally.away_spans,
                &self.days,
                &self.bounds,
                self.tz,
                self.working_hours.clone(),
            )
        } else {
            Insights {
                per_day: Vec::new(),
                longest_free_block: None,
                working_hours: self.working_hours.clone(),
                working_days: String::new(),
            }
        };
        Filled {
            days,
            tasks_per_day,
            totals,
            insights,
        }
    }

    /// Seven days with nothing on them yet.
    fn empty_days(&self) -> Vec<Day> {
        self.days
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
            .collect()
    }

    /// Puts an event on every day it covers and adds it to the tally.
    fn place_event(&self, event: Event, p: &Placing<'_>, days: &mut [Day], tally: &mut Tally) {
        match event.record.time {
            EventTime::AllDay { start, end } => {
                self.place_all_day(event, start, end, p, days, tally);
            }
            EventTime::Timed { start, end } => {
                self.place_timed(event, start, end, p, days, tally);
            }
        }
    }

    fn place_all_day(
        &self,
        mut event: Event,
        start: NaiveDate,
        end: NaiveDate,
        p: &Placing<'_>,
        days: &mut [Day],
        tally: &mut Tally,
    ) {
        // A zero-length all-day event still belongs to its start date.
        let end = end.max(start + Duration::days(1));
        let on = days_where(
            self.days.len(),
            |i| self.days[i] < start,
            |i| self.days[i] >= start && self.days[i] < end,
        );
        for i in on.clone() {
            if p.keep {
                let text = ItemText::for_day(&mut event, i + 1 == on.end);
                days[i].all_day.push(event_item(
                    &event, text, p.sources, self.tz, None, p.declined, p.verdict,
                ));
            }
            tally.all_day_ids.insert(event.id);
            tally.away[i] |= p.is_away;
            if p.is_away && !p.declined {
                tally
                    .away_spans
                    .push((event.source_id, self.bounds[i], self.bounds[i + 1]));
            }
        }
    }

    fn place_timed(
        &self,
        mut event: Event,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        p: &Placing<'_>,
        days: &mut [Day],
        tally: &mut Tally,
    ) {
        let on = days_where(
            self.days.len(),
            |i| self.bounds[i + 1] <= start,
            |i| {
                let (ds, de) = (self.bounds[i], self.bounds[i + 1]);
                if start == end {
                    start >= ds && start < de
                } else {
                    start < de && end > ds
                }
            },
        );
        if on.is_empty() {
            return;
        }
        for i in on.clone() {
            if p.keep {
                let day = Some((self.bounds[i], self.bounds[i + 1]));
                let text = ItemText::for_day(&mut event, i + 1 == on.end);
                days[i].events.push(event_item(
                    &event, text, p.sources, self.tz, day, p.declined, p.verdict,
                ));
            }
            tally.away[i] |= p.is_away;
        }
        if p.is_away && !p.declined {
            tally.away_spans.push((event.source_id, start, end));
        }
        if p.verdict.counted {
            tally.timed_ids.insert(event.id);
            *tally.per_source_count.entry(event.source_id).or_default() += 1;
            tally.counted.push((event.source_id, start, end));
            if let Some(c) = p.verdict.category {
                tally.by_category.push((c, start, end));
            }
        }
    }

    /// Orders each day's events and gives it its minutes and categories.
    fn finish_days(&self, days: &mut [Day], tally: &Tally) {
        // Each day reads only the intervals that can reach into it: sorted by
        // start, those starting before the day ends and at most the longest
        // interval's length before it begins (a quarter's 92 days would
        // otherwise each walk the whole quarter's events).
        let mut counted: Vec<(DateTime<Utc>, DateTime<Utc>)> =
            tally.counted.iter().map(|c| (c.1, c.2)).collect();
        counted.sort();
        let mut by_category = tally.by_category.clone();
        by_category.sort_by_key(|c| (c.1, c.2));
        let longest = counted
            .iter()
            .map(|(s, e)| *e - *s)
            .max()
            .unwrap_or_else(Duration::zero);
        for (i, day) in days.iter_mut().enumerate() {
            let (ds, de) = (self.bounds[i], self.bounds[i + 1]);
            let from = counted.partition_point(|c| c.0 < ds - longest);
            let to = counted.partition_point(|c| c.0 < de);
            let near = &counted[from..to.max(from)];
            let cfrom = by_category.partition_point(|c| c.1 < ds - longest);
            let cto = by_category.partition_point(|c| c.1 < de);
            let near_categories = &by_category[cfrom..cto.max(cfrom)];
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
            day.event_minutes = merged_minutes(near.iter().copied(), ds, de);
            day.categories = split_minutes(near_categories, ds, de);
            day.categories.out_of_office_days = i64::from(tally.away[i]);
        }
    }

    /// Puts each completed task on the local day it was completed.
    fn place_tasks(
        &self,
        tasks: Vec<Task>,
        sources: &BTreeMap<i64, Source>,
        keep: bool,
        days: &mut [Day],
    ) -> TaskTally {
        let mut out = TaskTally {
            completed: 0,
            per_day: vec![0; self.days.len()],
            per_project: BTreeMap::new(),
        };
        for task in tasks {
            let Some(done) = task.record.completed_at else {
                continue;
            };
            let local = done.with_timezone(&self.tz).date_naive();
            if let Ok(i) = self.days.binary_search(&local) {
                out.completed += 1;
                out.per_day[i] += 1;
                *out.per_project.entry(task.source_id).or_default() += 1;
                if keep {
                    days[i].tasks.push(task_item(task, sources, self.tz));
                }
            }
        }
        out
    }

    /// The week's figures from its finished days and what they tallied.
    fn totals(
        &self,
        days: &[Day],
        tally: &Tally,
        tasks: TaskTally,
        sources: &BTreeMap<i64, Source>,
    ) -> Totals {
        let (week_start, week_end) = self.span();
        Totals {
            event_minutes: merged_minutes(
                tally.counted.iter().map(|c| (c.1, c.2)),
                week_start,
                week_end,
            ),
            event_count: tally.timed_ids.len() as u32,
            all_day_count: tally.all_day_ids.len() as u32,
            tasks_completed: tasks.completed,
            per_source: self.source_totals(tally, sources),
            per_project: project_totals(&tasks.per_project, sources),
            busiest_day: busiest_day(days),
            categories: CategoryTotals {
                out_of_office_days: tally.away.iter().filter(|a| **a).count() as i64,
                ..split_minutes(&tally.by_category, week_start, week_end)
            },
        }
    }

    /// Counted minutes and events per calendar, most minutes first.
    fn source_totals(&self, tally: &Tally, sources: &BTreeMap<i64, Source>) -> Vec<SourceTotal> {
        let (week_start, week_end) = self.span();
        let mut per_source: Vec<SourceTotal> = tally
            .per_source_count
            .iter()
            .map(|(&source_id, &event_count)| {
                let source = sources.get(&source_id);
                SourceTotal {
                    source_id,
                    name: source.map(|s| s.name.clone()).unwrap_or_default(),
                    color: source.and_then(|s| s.color.clone()),
                    event_minutes: merged_minutes(
                        tally
                            .counted
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
        per_source
    }
}

/// The totals of consecutive runs of days (the weeks a trend compares), from
/// one range query for the events and one for the completions instead of two
/// per run. Each run is given the events its own query would return (those
/// within a day of it, see `Store::events_overlapping`) and the tasks
/// completed within it, so its totals are those [`Layout::fill`] computes.
pub(crate) fn fill_runs(
    store: &Store,
    runs: &[Layout],
    sources: &BTreeMap<i64, Source>,
    rules: &Rules<'_>,
) -> Result<Vec<Filled>> {
    let (Some(first), Some(last)) = (runs.first(), runs.last()) else {
        return Ok(Vec::new());
    };
    let (start, end) = (first.span().0, last.span().1);
    let events = store.events_for_totals(start, end)?;
    let tasks = store.completions_for_totals(start, end)?;
    // All-day events are stored at UTC midnights: a day either side covers every zone.
    let margin = Duration::days(1);
    Ok(runs
        .iter()
        .map(|run| {
            let (from, to) = run.span();
            let (lo, hi) = (from - margin, to + margin);
            let events = events
                .iter()
                .filter(|e| {
                    let (s, e) = e.record.time.utc_bounds();
                    s < hi && e > lo
                })
                .cloned()
                .collect();
            let tasks = tasks
                .iter()
                .filter(|t| t.record.completed_at.is_some_and(|c| c >= from && c < to))
                .cloned()
                .collect();
            run.assemble(events, tasks, sources, rules, false, Items::TotalsOnly)
        })
        .collect())
}

/// Completed tasks per project, most first.
fn project_totals(
    per_project: &BTreeMap<i64, u32>,
    sources: &BTreeMap<i64, Source>,
) -> Vec<ProjectTotal> {
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
    per_project
}

/// The day with the most event minutes (the earliest of equals), if any counted.
fn busiest_day(days: &[Day]) -> Option<NaiveDate> {
    days.iter()
        .filter(|d| d.event_minutes > 0)
        .max_by(|a, b| {
            a.event_minutes
                .cmp(&b.event_minutes)
                .then(b.date.cmp(&a.date))
        })
        .map(|d| d.date)
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

/// The days (indexes 0..count) where `on` holds; they are consecutive,
/// since an event covers one stretch of time. `before` says a day ends
/// before the event begins (true for a first run of days, then false), so
/// the first day is found by bisection: a quarter's 92 days cost what a
/// week's seven do.
fn days_where(
    count: usize,
    before: impl Fn(usize) -> bool,
    on: impl Fn(usize) -> bool,
) -> std::ops::Range<usize> {
    let (mut lo, mut hi) = (0, count);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let first = lo;
    first..first + (first..count).take_while(|&i| on(i)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

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
