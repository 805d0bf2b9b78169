//! The week model: what the review shows for one week.
//!
//! [`Week::load`] reads a week from the store (a few indexed queries) and
//! lays it out in the user's zone: seven days with their all-day events,
//! timed events and completed tasks; totals per source and per project; and
//! the change against the week before and the trends against the weeks
//! before that ([`trends`]). Overlapping events are not double
//! counted, events crossing midnight are split between the days they cover,
//! and days are real local days, 23 or 25 hours long across DST changes.
//! Days whose history a provider no longer had when Vica synced are named
//! ([`crate::gaps`]), so the review can say completions may be missing.
//!
//! The module holds one idea per file: [`key`] the week keys, [`model`] the
//! types the review shows, [`layout`] the local days and filling them from
//! the store, [`items`] one event or task as a day lists it, [`month`] a
//! month's weeks for the date picker, [`trends`] the week beside its 4-
//! and 12-week averages.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};

use crate::Result;
use crate::categories::Rules;
use crate::gaps::week_gaps;
use crate::model::Source;
use crate::settings::Settings;
use crate::store::Store;

mod items;
mod key;
mod layout;
mod model;
mod month;
pub mod trends;

pub use key::WeekKey;
pub use model::{Bound, Change, Day, EventItem, ProjectTotal, SourceTotal, TaskItem, Totals, Week};
pub use month::{GridDay, GridWeek, MonthGrid, WeekdayName};

use items::task_item;
pub(crate) use layout::{Items, Layout};
pub use trends::{CategoryTrends, Trend, Trends};

use layout::fill_runs;

impl Week {
    /// Reads and lays out a week using the user's settings: this week with
    /// its items, the twelve weeks before it for the change against last
    /// week and the trends (two range queries), the tasks due next week, the
    /// reflection and the days whose history is missing.
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
        let mut earlier = vec![key.previous()];
        while earlier.len() < trends::TREND_WEEKS {
            let k = earlier[earlier.len() - 1].previous();
            earlier.push(k);
        }
        earlier.reverse();
        let first_item = store.first_item_at()?;
        let before: Vec<Option<Totals>> =
            earlier_totals(store, &earlier, settings, &sources, &rules)?
                .into_iter()
                .map(|(totals, end)| {
                    first_item
                        .is_some_and(|first| end > first)
                        .then_some(totals)
                })
                .collect();
        let previous = before.last().cloned().flatten().unwrap_or_default();
        let trends = Trends::compute(key, &this.totals, &before);
        let next_first = layout.days[6] + Duration::days(1);
        let next_week_tasks = store
            .open_tasks_due_between(next_first, next_first + Duration::days(7))?
            .into_iter()
            .map(|t| task_item(t, &sources, tz))
            .collect();
        let reflection = store.reflection(key)?.map(|(r, _)| r).unwrap_or_default();
        let (days, bounds) = layout.week_days();
        let history_gaps = week_gaps(store, &sources, &days, &bounds)?;
        Ok(Week {
            key,
            previous_key: key.previous(),
            next_key: key.next(),
            label: label(key, layout.days[0], layout.days[6]),
            week_start: settings.week_start,
            time_zone: tz.name().to_owned(),
            first_day: layout.days[0],
            last_day: layout.days[6],
            days: this.days,
            change: Change::between(&this.totals, &previous),
            totals: this.totals,
            previous,
            trends,
            insights: this.insights,
            next_week_tasks,
            reflection,
            history_gaps,
        })
    }
}

/// The totals of `weeks` (consecutive, oldest first) with the instant each
/// ends, from the store's memo where it has them and laid out together
/// ([`fill_runs`]) where it does not.
fn earlier_totals(
    store: &Store,
    weeks: &[WeekKey],
    settings: &Settings,
    sources: &BTreeMap<i64, Source>,
    rules: &Rules<'_>,
) -> Result<Vec<(Totals, chrono::DateTime<chrono::Utc>)>> {
    let tz = settings.zone();
    let runs: Vec<Layout> = weeks
        .iter()
        .map(|k| Layout::new(*k, settings.week_start, tz))
        .collect();
    // What a week's totals depend on besides the database.
    let context = format!(
        "{}|{:?}|{:?}",
        tz.name(),
        settings.week_start,
        settings.time_rules
    );
    let keys: Vec<String> = weeks.iter().map(|k| format!("{k}|{context}")).collect();
    let mut known = store.memo_totals(&keys)?;
    let missing: Vec<usize> = (0..weeks.len()).filter(|i| known[*i].is_none()).collect();
    if let (Some(&from), Some(&to)) = (missing.first(), missing.last()) {
        let filled = fill_runs(store, &runs[from..=to], sources, rules)?;
        let mut kept = Vec::new();
        for (i, f) in (from..=to).zip(filled) {
            if known[i].is_none() {
                kept.push((keys[i].clone(), f.totals.clone()));
                known[i] = Some(f.totals);
            }
        }
        store.memo_keep(kept)?;
    }
    Ok(known
        .into_iter()
        .zip(&runs)
        .map(|(t, run)| (t.unwrap_or_default(), run.span().1))
        .collect())
}

impl Change {
    /// `this` week's totals minus the `previous` week's.
    fn between(this: &Totals, previous: &Totals) -> Change {
        Change {
            event_minutes: this.event_minutes - previous.event_minutes,
            event_count: i64::from(this.event_count) - i64::from(previous.event_count),
            tasks_completed: i64::from(this.tasks_completed) - i64::from(previous.tasks_completed),
            categories: this.categories.minus(&previous.categories),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
