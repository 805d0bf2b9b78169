//! Trends: "was this week normal for me?". Each of a week's totals and
//! categories beside the user's averages over the 4 and the 12 weeks before
//! it, and the 12 weeks ending with it as a series for a sparkline.
//!
//! **Weeks before the history.** A week that ends before the first moment
//! the cache holds anything for (the earliest event or completed task of an
//! included source, [`crate::Store::first_item_at`]) has no data at all: it
//! is not a week of zeros but a week Vica knows nothing about. Such weeks
//! are left out of the averages (which divide by the weeks that remain) and
//! are `None` in the series, so a user with three weeks of history sees the
//! mean of those three, not a figure diluted by nine empty weeks. A week
//! after the first item that holds nothing (a holiday) is a real week of
//! zeros and counts. With no week of history before this one, the averages
//! are `None`.
//!
//! The twelve weeks' totals come from two range queries (events and
//! completions over the twelve weeks, text left out) laid out week by week
//! exactly as [`super::Week::load`] lays out a week, so each equals what
//! loading that week would show.

use serde::Serialize;

use super::WeekKey;
use super::model::Totals;

/// How many weeks the series shows and the longer average reaches back.
pub const TREND_WEEKS: usize = 12;

/// How many weeks the shorter average reaches back.
pub const SHORT_WEEKS: usize = 4;

/// One figure of a week beside the weeks before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Trend {
    /// This week's figure.
    pub this_week: i64,
    /// The mean over the (up to) 4 weeks before this one that lie within the
    /// history, to two decimals; `None` when none does.
    pub average_4: Option<f64>,
    /// The mean over the (up to) 12 weeks before this one that lie within
    /// the history, to two decimals; `None` when none does.
    pub average_12: Option<f64>,
    /// The 12 weeks ending with this one, oldest first (this week last);
    /// `None` for a week before the history.
    pub series: Vec<Option<i64>>,
}

/// A week's minutes by category (and out-of-office days) beside the weeks before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CategoryTrends {
    pub meetings: Trend,
    pub focus: Trend,
    pub personal: Trend,
    pub other: Trend,
    pub out_of_office_days: Trend,
}

/// Every total of a week beside the weeks before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Trends {
    /// The weeks of the series, oldest first, this week last.
    pub weeks: Vec<WeekKey>,
    /// How many of the 12 weeks before this one lie within the history.
    pub weeks_with_history: u32,
    pub event_minutes: Trend,
    pub event_count: Trend,
    pub all_day_count: Trend,
    pub tasks_completed: Trend,
    pub categories: CategoryTrends,
}

impl Trends {
    /// The trends of the week `key` whose totals are `this`, from the weeks
    /// before it, oldest first, each `None` when it lies before the history.
    /// Only the last [`TREND_WEEKS`] of `before` are read.
    pub fn compute(key: WeekKey, this: &Totals, before: &[Option<Totals>]) -> Trends {
        let before = &before[before.len().saturating_sub(TREND_WEEKS)..];
        // The series' weeks: the eleven before this one and this one.
        let mut weeks = vec![key];
        while weeks.len() < TREND_WEEKS {
            let earlier = weeks[weeks.len() - 1].previous();
            weeks.push(earlier);
        }
        weeks.reverse();
        let trend = |figure: fn(&Totals) -> i64| {
            let values: Vec<Option<i64>> = before.iter().map(|t| t.as_ref().map(figure)).collect();
            let mut series: Vec<Option<i64>> = vec![None; TREND_WEEKS - 1];
            for (slot, v) in series.iter_mut().rev().zip(values.iter().rev()) {
                *slot = *v;
            }
            series.push(Some(figure(this)));
            Trend {
                this_week: figure(this),
                average_4: average(&values[values.len().saturating_sub(SHORT_WEEKS)..]),
                average_12: average(&values),
                series,
            }
        };
        Trends {
            weeks,
            weeks_with_history: before.iter().filter(|t| t.is_some()).count() as u32,
            event_minutes: trend(|t| t.event_minutes),
            event_count: trend(|t| i64::from(t.event_count)),
            all_day_count: trend(|t| i64::from(t.all_day_count)),
            tasks_completed: trend(|t| i64::from(t.tasks_completed)),
            categories: CategoryTrends {
                meetings: trend(|t| t.categories.meetings),
                focus: trend(|t| t.categories.focus),
                personal: trend(|t| t.categories.personal),
                other: trend(|t| t.categories.other),
                out_of_office_days: trend(|t| t.categories.out_of_office_days),
            },
        }
    }
}

/// The mean of the weeks within the history, rounded to two decimals (so
/// it reads back from JSON as the same number); `None` when there is none.
fn average(values: &[Option<i64>]) -> Option<f64> {
    let known: Vec<i64> = values.iter().flatten().copied().collect();
    (!known.is_empty()).then(|| {
        let mean = known.iter().sum::<i64>() as f64 / known.len() as f64;
        (mean * 100.0).round() / 100.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes(m: i64) -> Option<Totals> {
        Some(Totals {
            event_minutes: m,
            ..Totals::default()
        })
    }

    #[test]
    fn weeks_before_the_history_do_not_dilute_the_averages() {
        let key: WeekKey = "2026-W49".parse().unwrap();
        let this = minutes(600).unwrap();
        // Nine weeks before the history, then 300, 0 (a holiday) and 900.
        let mut before = vec![None; 9];
        before.extend([minutes(300), minutes(0), minutes(900)]);
        let t = Trends::compute(key, &this, &before);
        assert_eq!(t.weeks_with_history, 3);
        assert_eq!(t.event_minutes.average_12, Some(400.0));
        assert_eq!(t.event_minutes.average_4, Some(400.0));
        assert_eq!(t.event_minutes.this_week, 600);
        assert_eq!(
            t.event_minutes.series,
            [
                vec![None; 8],
                vec![Some(300), Some(0), Some(900), Some(600)]
            ]
            .concat()
        );
        assert_eq!(t.weeks.len(), 12);
        assert_eq!(t.weeks[11], key);
        assert_eq!(t.weeks[0].to_string(), "2026-W38");
    }

    #[test]
    fn the_short_average_reads_the_last_four_weeks() {
        let key: WeekKey = "2027-W02".parse().unwrap();
        let before: Vec<Option<Totals>> = (1..=12).map(|i| minutes(i * 10)).collect();
        let t = Trends::compute(key, &Totals::default(), &before);
        // (90 + 100 + 110 + 120) / 4 and (10 + … + 120) / 12.
        assert_eq!(t.event_minutes.average_4, Some(105.0));
        assert_eq!(t.event_minutes.average_12, Some(65.0));
        assert_eq!(t.event_minutes.series[0], Some(20));
        assert_eq!(t.event_minutes.series[11], Some(0));
        assert_eq!(t.weeks[0].to_string(), "2026-W44");
    }

    #[test]
    fn no_history_means_no_average() {
        let t = Trends::compute(
            "2026-W49".parse().unwrap(),
            &minutes(60).unwrap(),
            &[None, None],
        );
        assert_eq!(t.event_minutes.average_4, None);
        assert_eq!(t.event_minutes.average_12, None);
        assert_eq!(t.weeks_with_history, 0);
        assert_eq!(t.event_minutes.series.iter().flatten().count(), 1);
    }
}
