//! Week keys: an ISO week written `2026-W47`, the days it covers as the
//! user counts weeks (Monday or Sunday first), and stepping between weeks.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::settings::WeekStart;
use crate::{Error, Result};

/// An ISO week, written `2026-W47`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(type = "string"))]
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
}
