//! The review history: past weeks, whether a reflection was written for
//! each, and the current streak.
//!
//! The streak counts consecutive weeks with a reflection, going back from
//! this week, or from last week while this week's reflection is not written
//! yet (a week in progress does not break it).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::settings::WeekStart;
use crate::week::{WeekKey, label};
use crate::{Result, Store};

/// Past weeks and the streak.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ReviewHistory {
    /// The week in progress.
    pub current: WeekKey,
    /// The current week first, then the weeks before it.
    pub weeks: Vec<HistoryWeek>,
    /// Consecutive weeks with a reflection up to this week or last week.
    pub streak: u32,
    /// Weeks with a reflection, over all time.
    pub written_total: usize,
}

/// One week of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct HistoryWeek {
    pub key: WeekKey,
    /// "Week 47 · 16–22 Nov 2026".
    pub label: String,
    /// A reflection with some text was saved for this week.
    pub written: bool,
    pub edited_at: Option<DateTime<Utc>>,
    pub is_current: bool,
}

impl ReviewHistory {
    /// The `weeks` weeks up to and including `current`, from the store.
    pub fn load(
        store: &Store,
        current: WeekKey,
        week_start: WeekStart,
        weeks: usize,
    ) -> Result<ReviewHistory> {
        Ok(ReviewHistory::from_reflected(
            current,
            week_start,
            &store.reflected_weeks()?,
            weeks,
        ))
    }

    /// The history from the weeks that have a reflection (in any order).
    pub fn from_reflected(
        current: WeekKey,
        week_start: WeekStart,
        reflected: &[(WeekKey, DateTime<Utc>)],
        weeks: usize,
    ) -> ReviewHistory {
        let written: BTreeMap<WeekKey, DateTime<Utc>> = reflected.iter().copied().collect();
        let mut listed = Vec::with_capacity(weeks);
        let mut key = current;
        for _ in 0..weeks {
            let first = key.first_day(week_start);
            listed.push(HistoryWeek {
                key,
                label: label(key, first, first + Duration::days(6)),
                written: written.contains_key(&key),
                edited_at: written.get(&key).copied(),
                is_current: key == current,
            });
            key = key.previous();
        }
        let mut streak = 0;
        let mut key = if written.contains_key(&current) {
            current
        } else {
            current.previous()
        };
        while written.contains_key(&key) {
            streak += 1;
            key = key.previous();
        }
        ReviewHistory {
            current,
            weeks: listed,
            streak,
            written_total: written.range(..=current).count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> WeekKey {
        s.parse().unwrap()
    }

    fn history(current: &str, written: &[&str]) -> ReviewHistory {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let reflected: Vec<_> = written.iter().map(|w| (key(w), at)).collect();
        ReviewHistory::from_reflected(key(current), WeekStart::Monday, &reflected, 5)
    }

    #[test]
    fn the_streak_counts_back_from_this_week_or_last() {
        assert_eq!(history("2026-W47", &[]).streak, 0);
        assert_eq!(
            history("2026-W47", &["2026-W47", "2026-W46", "2026-W44"]).streak,
            2
        );
        // This week not written yet: the streak runs up to last week.
        assert_eq!(history("2026-W47", &["2026-W46", "2026-W45"]).streak, 2);
        // Last week missed: the streak is broken.
        assert_eq!(history("2026-W47", &["2026-W45", "2026-W44"]).streak, 0);
        // Across a year with 53 weeks.
        assert_eq!(
            history("2027-W01", &["2027-W01", "2026-W53", "2026-W52"]).streak,
            3
        );
        // A reflection written ahead does not count.
        let h = history("2026-W47", &["2026-W48"]);
        assert_eq!((h.streak, h.written_total), (0, 0));
    }

    #[test]
    fn weeks_are_listed_newest_first() {
        let h = history("2026-W47", &["2026-W46"]);
        let keys: Vec<String> = h.weeks.iter().map(|w| w.key.to_string()).collect();
        assert_eq!(
            keys,
            ["2026-W47", "2026-W46", "2026-W45", "2026-W44", "2026-W43"]
        );
        assert!(h.weeks[0].is_current && !h.weeks[0].written);
        assert!(h.weeks[1].written);
        assert_eq!(h.weeks[0].label, "Week 47 · 16–22 Nov 2026");
    }
}
