//! Month and quarter roll-ups: the weeks of a calendar month (`2026-12`) or
//! quarter (`2026-Q4`) taken together, for the review of a longer stretch.
//!
//! **Counted by days.** A period is its local days in the user's zone, from
//! the first of the month (or quarter) to its last day, each a real local
//! day (23 or 25 hours across a DST change). A week that straddles the
//! boundary counts with the days it has inside the period only: the week of
//! Monday 28 December 2026 gives four days to December and three to January.
//! The totals are computed over those days exactly as a week's are over its
//! seven (the same layout, [`crate::week`]'s): counted minutes with overlaps
//! merged, clipped at the period's first and last midnight; an event that
//! runs across the boundary counts in both periods (its minutes split, its
//! count in each); a task counts on the local day it was completed.
//!
//! Beside the totals: each week the period touches with its figures inside
//! the period, the busiest days, the top projects (completed tasks by
//! project) and the reflections' "what went well" lines. A week's
//! reflection belongs to the period holding the week's middle (fourth) day,
//! so each reflection is in exactly one month and one quarter.
//!
//! One range query for the events and one for the completions (text left
//! out), whatever the period's length: a quarter on a ten-year cache is well
//! under 5 ms (`cargo bench -p vica-core --bench week`).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use crate::categories::{CategoryTotals, Rules};
use crate::model::Source;
use crate::settings::Settings;
use crate::store::Store;
use crate::week::{Items, Layout, ProjectTotal, Totals, WeekKey};
use crate::{Error, Result};

/// How many busiest days and top projects a period lists.
pub const TOP: usize = 5;

/// A calendar month or quarter, written `2026-12` or `2026-Q4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(type = "string"))]
pub enum PeriodKey {
    Month { year: i32, month: u32 },
    Quarter { year: i32, quarter: u32 },
}

impl PeriodKey {
    /// The month holding `date`.
    pub fn month_of(date: NaiveDate) -> PeriodKey {
        PeriodKey::Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The quarter holding `date`.
    pub fn quarter_of(date: NaiveDate) -> PeriodKey {
        PeriodKey::Quarter {
            year: date.year(),
            quarter: date.month0() / 3 + 1,
        }
    }

    /// "month" or "quarter".
    pub fn kind(self) -> &'static str {
        match self {
            PeriodKey::Month { .. } => "month",
            PeriodKey::Quarter { .. } => "quarter",
        }
    }

    pub fn year(self) -> i32 {
        match self {
            PeriodKey::Month { year, .. } | PeriodKey::Quarter { year, .. } => year,
        }
    }

    /// The first and last months (1–12) of the period.
    fn months(self) -> (u32, u32) {
        match self {
            PeriodKey::Month { month, .. } => (month, month),
            PeriodKey::Quarter { quarter, .. } => (quarter * 3 - 2, quarter * 3),
        }
    }

    /// The period's first day.
    pub fn first_day(self) -> NaiveDate {
        // Years and months are checked on parsing and construction.
        NaiveDate::from_ymd_opt(self.year(), self.months().0, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The period's last day.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day() - Duration::days(1)
    }

    /// The period after this one.
    pub fn next(self) -> PeriodKey {
        match self {
            PeriodKey::Month { year, month: 12 } => PeriodKey::Month {
                year: year + 1,
                month: 1,
            },
            PeriodKey::Month { year, month } => PeriodKey::Month {
                year,
                month: month + 1,
            },
            PeriodKey::Quarter { year, quarter: 4 } => PeriodKey::Quarter {
                year: year + 1,
                quarter: 1,
            },
            PeriodKey::Quarter { year, quarter } => PeriodKey::Quarter {
                year,
                quarter: quarter + 1,
            },
        }
    }

    /// The period before this one.
    pub fn previous(self) -> PeriodKey {
        match self {
            PeriodKey::Month { .. } => PeriodKey::month_of(self.first_day() - Duration::days(1)),
            PeriodKey::Quarter { .. } => {
                PeriodKey::quarter_of(self.first_day() - Duration::days(1))
            }
        }
    }

    /// "December 2026", "Q4 2026 · Oct – Dec".
    pub fn label(self) -> String {
        match self {
            PeriodKey::Month { .. } => self.first_day().format("%B %Y").to_string(),
            PeriodKey::Quarter { year, quarter } => format!(
                "Q{quarter} {year} · {} – {}",
                self.first_day().format("%b"),
                self.last_day().format("%b")
            ),
        }
    }

    /// Parses a month (`2026-12`) or a quarter (`2026-Q4`, `2026-q4`).
    pub fn parse_month(s: &str) -> Result<PeriodKey> {
        let bad = || Error::InvalidPeriod {
            kind: "month",
            input: s.to_owned(),
            example: "a month like 2026-12",
            rest: "\"-\" and the month 01-12",
        };
        let (year, month) = s.trim().split_once('-').ok_or_else(bad)?;
        let year = year_of(year).ok_or_else(bad)?;
        let month: u32 = digits(month, 2).ok_or_else(bad)?;
        if !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(PeriodKey::Month { year, month })
    }

    /// Parses a quarter (`2026-Q4`, `2026-q4`).
    pub fn parse_quarter(s: &str) -> Result<PeriodKey> {
        let bad = || Error::InvalidPeriod {
            kind: "quarter",
            input: s.to_owned(),
            example: "a quarter like 2026-Q4",
            rest: "\"-Q\" and the quarter 1-4",
        };
        let (year, quarter) = s.trim().split_once('-').ok_or_else(bad)?;
        let year = year_of(year).ok_or_else(bad)?;
        let quarter = quarter
            .strip_prefix(['Q', 'q'])
            .and_then(|q| digits(q, 1))
            .filter(|q| (1..=4).contains(q))
            .ok_or_else(bad)?;
        Ok(PeriodKey::Quarter { year, quarter })
    }
}

/// A four-digit year from 1970 to 9999.
fn year_of(s: &str) -> Option<i32> {
    digits(s, 4)
        .filter(|y| (1970..=9999).contains(y))
        .map(|y| y as i32)
}

/// Exactly `len` ASCII digits.
fn digits(s: &str, len: usize) -> Option<u32> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

impl fmt::Display for PeriodKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeriodKey::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            PeriodKey::Quarter { year, quarter } => write!(f, "{year:04}-Q{quarter}"),
        }
    }
}

impl FromStr for PeriodKey {
    type Err = Error;
    /// A month (`2026-12`) or a quarter (`2026-Q4`).
    fn from_str(s: &str) -> Result<PeriodKey> {
        if s.contains(['Q', 'q']) {
            PeriodKey::parse_quarter(s)
        } else {
            PeriodKey::parse_month(s)
        }
    }
}

impl Serialize for PeriodKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A month or quarter rolled up.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Period {
    pub key: PeriodKey,
    /// The months (or quarters) before and after, so the window never counts them.
    pub previous_key: PeriodKey,
    pub next_key: PeriodKey,
    /// "month" or "quarter".
    pub kind: String,
    /// "December 2026", "Q4 2026 · Oct – Dec".
    pub label: String,
    pub time_zone: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// The period's totals over its local days (see the module's doc).
    pub totals: Totals,
    /// Each week the period touches, with its figures inside the period.
    pub weeks: Vec<PeriodWeek>,
    /// The days with the most event minutes, most first (the earliest of
    /// equals first), at most five, days without counted time left out.
    pub busiest_days: Vec<BusyDay>,
    /// Projects by completed tasks, most first, at most five.
    pub top_projects: Vec<ProjectTotal>,
    /// The "what went well" lines of the reflections of the period's weeks.
    pub went_well: Vec<WentWell>,
}

/// A week as far as it lies in a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct PeriodWeek {
    pub key: WeekKey,
    /// Its first and last day inside the period.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// How many of its days lie in the period (1–7).
    pub days: u32,
    /// Counted minutes on those days (each day's overlaps merged).
    pub event_minutes: i64,
    pub tasks_completed: u32,
}

/// One of a period's busiest days.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BusyDay {
    pub date: NaiveDate,
    pub event_minutes: i64,
    pub categories: CategoryTotals,
}

/// The "what went well" of one week's reflection, one entry per line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct WentWell {
    pub week: WeekKey,
    /// Its non-empty lines, trimmed, a leading list marker (`- `, `* `, `+ `) taken off.
    pub lines: Vec<String>,
}

impl Period {
    /// Reads and rolls up a month or quarter using the user's settings.
    pub fn load(store: &Store, key: PeriodKey, settings: &Settings) -> Result<Period> {
        let tz = settings.zone();
        let sources: std::collections::BTreeMap<i64, Source> =
            store.sources()?.into_iter().map(|s| (s.id, s)).collect();
        let series = store.series_choices()?;
        let rules = Rules {
            rules: &settings.time_rules,
            series: &series,
        };
        let (first, last) = (key.first_day(), key.last_day());
        let count = (last - first).num_days() as usize + 1;
        let filled = Layout::days(first, count, tz).fill(
            store,
            &sources,
            &rules,
            false,
            Items::TotalsOnly,
        )?;
        // The weeks, in order, with the days each has inside the period.
        let mut weeks: Vec<PeriodWeek> = Vec::new();
        for (day, tasks) in filled.days.iter().zip(&filled.tasks_per_day) {
            let key = WeekKey::containing(day.date, settings.week_start);
            match weeks.last_mut() {
                Some(w) if w.key == key => {
                    w.last_day = day.date;
                    w.days += 1;
                    w.event_minutes += day.event_minutes;
                    w.tasks_completed += tasks;
                }
                _ => weeks.push(PeriodWeek {
                    key,
                    first_day: day.date,
                    last_day: day.date,
                    days: 1,
                    event_minutes: day.event_minutes,
                    tasks_completed: *tasks,
                }),
            }
        }
        let mut busiest: Vec<BusyDay> = filled
            .days
            .iter()
            .filter(|d| d.event_minutes > 0)
            .map(|d| BusyDay {
                date: d.date,
                event_minutes: d.event_minutes,
                categories: d.categories,
            })
            .collect();
        busiest.sort_by(|a, b| {
            b.event_minutes
                .cmp(&a.event_minutes)
                .then(a.date.cmp(&b.date))
        });
        busiest.truncate(TOP);
        let went_well = went_well(store, key, settings)?;
        let top_projects = filled
            .totals
            .per_project
            .iter()
            .take(TOP)
            .cloned()
            .collect();
        Ok(Period {
            key,
            previous_key: key.previous(),
            next_key: key.next(),
            kind: key.kind().to_owned(),
            label: key.label(),
            time_zone: tz.name().to_owned(),
            first_day: first,
            last_day: last,
            totals: filled.totals,
            weeks,
            busiest_days: busiest,
            top_projects,
            went_well,
        })
    }
}

/// The "what went well" lines of the weeks whose middle day lies in the period.
fn went_well(store: &Store, key: PeriodKey, settings: &Settings) -> Result<Vec<WentWell>> {
    let middle = |k: WeekKey| k.first_day(settings.week_start) + Duration::days(3);
    let first = WeekKey::containing(key.first_day(), settings.week_start);
    let last = WeekKey::containing(key.last_day(), settings.week_start);
    let (from, to) = (key.first_day(), key.last_day());
    Ok(store
        .reflections_between(first, last)?
        .into_iter()
        .filter(|(k, _)| (from..=to).contains(&middle(*k)))
        .map(|(week, r)| WentWell {
            week,
            lines: lines(&r.went_well),
        })
        .filter(|w| !w.lines.is_empty())
        .collect())
}

/// The non-empty lines of a text, trimmed, a leading list marker taken off.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            let l = l.trim();
            match l.strip_prefix(['-', '*', '+']) {
                Some(rest) if rest.is_empty() || rest.starts_with(char::is_whitespace) => {
                    rest.trim().to_owned()
                }
                _ => l.to_owned(),
            }
        })
        .filter(|l| !l.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn keys_parse_print_and_step() {
        let m: PeriodKey = "2026-12".parse().unwrap();
        assert_eq!(m.to_string(), "2026-12");
        assert_eq!(
            (m.first_day(), m.last_day()),
            (d(2026, 12, 1), d(2026, 12, 31))
        );
        assert_eq!(m.next().to_string(), "2027-01");
        assert_eq!(m.previous().to_string(), "2026-11");
        assert_eq!(m.label(), "December 2026");
        let feb: PeriodKey = "2028-02".parse().unwrap();
        assert_eq!(feb.last_day(), d(2028, 2, 29));
        let q: PeriodKey = "2026-q4".parse().unwrap();
        assert_eq!(q.to_string(), "2026-Q4");
        assert_eq!(
            (q.first_day(), q.last_day()),
            (d(2026, 10, 1), d(2026, 12, 31))
        );
        assert_eq!(q.next().to_string(), "2027-Q1");
        assert_eq!(q.previous().to_string(), "2026-Q3");
        assert_eq!(q.label(), "Q4 2026 · Oct – Dec");
        assert_eq!(PeriodKey::quarter_of(d(2026, 3, 31)).to_string(), "2026-Q1");
        assert_eq!(PeriodKey::quarter_of(d(2026, 4, 1)).to_string(), "2026-Q2");
        assert_eq!(PeriodKey::month_of(d(2026, 4, 1)).to_string(), "2026-04");
    }

    #[test]
    fn bad_keys_are_refused_with_the_expected_form() {
        for bad in [
            "",
            "2026",
            "2026-13",
            "2026-00",
            "2026-1",
            "26-12",
            "1969-12",
            "2026-Q5",
            "2026-Q0",
            "2026-Q",
            "2026-W47",
            "2026-12-01",
            "١٩٧٠-01",
            "+2026-12",
        ] {
            let err = bad.parse::<PeriodKey>().unwrap_err().to_string();
            assert!(err.contains("like 2026-"), "{bad:?}: {err}");
        }
        assert!(PeriodKey::parse_quarter("2026-12").is_err());
        assert!(PeriodKey::parse_month("2026-Q4").is_err());
    }

    #[test]
    fn reflection_lines_lose_their_markers_and_blank_lines() {
        assert_eq!(
            lines("- shipped it\n\n  * kept focus  \nplain\n-\n+ one more\n-5 kg"),
            ["shipped it", "kept focus", "plain", "one more", "-5 kg"]
        );
    }
}
