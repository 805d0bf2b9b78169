//! A month as the date picker lays it out: the weeks, as the user counts
//! them, that show its days, each with its key, so the window never does
//! week arithmetic of its own (the picker moves by days and months and
//! asks for the month it lands in).

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Serialize;

use super::WeekKey;
use crate::settings::WeekStart;

/// The weeks that show one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MonthGrid {
    /// The month's first day.
    pub first: NaiveDate,
    /// "November 2026".
    pub label: String,
    /// The column headings in the order of the user's week.
    pub weekdays: Vec<WeekdayName>,
    /// The weeks that hold a day of the month (at most six), in order.
    pub weeks: Vec<GridWeek>,
}

/// A column heading: "Mo" and "Monday".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct WeekdayName {
    pub short: String,
    pub long: String,
}

/// One row of the grid: a week as the user counts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct GridWeek {
    pub key: WeekKey,
    pub days: Vec<GridDay>,
}

/// One day of the grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct GridDay {
    pub date: NaiveDate,
    /// The day of the month, 1 to 31.
    pub day: u32,
    /// "Monday 16 November 2026", the day's accessible name.
    pub label: String,
    /// Whether the day is in the month shown (not a neighbour's).
    pub in_month: bool,
}

impl MonthGrid {
    /// The month that holds `date`, from the user's week `start`.
    pub fn containing(date: NaiveDate, start: WeekStart) -> MonthGrid {
        let first = date.with_day(1).unwrap_or(date);
        let weekdays = start.weekdays();
        let back = weekdays
            .iter()
            .position(|d| *d == first.weekday())
            .unwrap_or(0);
        let mut row = first - Duration::days(back as i64);
        let mut weeks = Vec::with_capacity(6);
        while weeks.len() < 6 && (row.year(), row.month()) <= (first.year(), first.month()) {
            let days = (0..7)
                .map(|i| {
                    let date = row + Duration::days(i);
                    GridDay {
                        date,
                        day: date.day(),
                        label: date.format("%A %-d %B %Y").to_string(),
                        in_month: date.month() == first.month(),
                    }
                })
                .collect();
            weeks.push(GridWeek {
                key: WeekKey::containing(row, start),
                days,
            });
            row += Duration::days(7);
        }
        MonthGrid {
            first,
            label: first.format("%B %Y").to_string(),
            weekdays: weekdays.iter().map(|d| name(*d)).collect(),
            weeks,
        }
    }
}

fn name(day: Weekday) -> WeekdayName {
    let long = match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    };
    WeekdayName {
        short: long[..2].to_owned(),
        long: long.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn dates(grid: &MonthGrid) -> Vec<Vec<NaiveDate>> {
        grid.weeks
            .iter()
            .map(|w| w.days.iter().map(|d| d.date).collect())
            .collect()
    }

    #[test]
    fn a_month_is_laid_out_in_whole_weeks_from_the_users_first_weekday() {
        let mon = MonthGrid::containing(d("2026-11-20"), WeekStart::Monday);
        let rows = dates(&mon);
        assert_eq!(rows[0][0], d("2026-10-26"));
        assert_eq!(rows.last().unwrap()[6], d("2026-12-06"));
        assert_eq!(rows.len(), 6);
        assert!(rows.iter().all(|r| r.len() == 7));
        assert_eq!(mon.label, "November 2026");
        assert_eq!(mon.first, d("2026-11-01"));
        assert_eq!(mon.weekdays[0].short, "Mo");
        assert_eq!(mon.weekdays[6].long, "Sunday");

        let sun = MonthGrid::containing(d("2026-11-20"), WeekStart::Sunday);
        let rows = dates(&sun);
        assert_eq!(rows[0][0], d("2026-11-01"));
        assert_eq!(rows.last().unwrap()[6], d("2026-12-05"));
        assert_eq!(rows.len(), 5);
        assert_eq!(sun.weekdays[0].long, "Sunday");

        // February 2027 from Monday: exactly four weeks.
        assert_eq!(
            MonthGrid::containing(d("2027-02-10"), WeekStart::Monday)
                .weeks
                .len(),
            4
        );
    }

    #[test]
    fn each_row_is_the_week_the_core_shows_for_its_days() {
        for start in [WeekStart::Monday, WeekStart::Sunday] {
            let mut month = d("2024-01-01");
            while month < d("2028-01-01") {
                let grid = MonthGrid::containing(month, start);
                for week in &grid.weeks {
                    assert_eq!(week.days[0].date, week.key.first_day(start));
                    for day in &week.days {
                        assert_eq!(WeekKey::containing(day.date, start), week.key);
                        assert_eq!(day.in_month, day.date.month() == month.month());
                        assert_eq!(day.day, day.date.day());
                    }
                }
                // Every day of the month is in the grid, once.
                let all: Vec<NaiveDate> = dates(&grid).concat();
                let in_month = all.iter().filter(|x| x.month() == month.month()).count();
                assert_eq!(in_month as u32, days_in(month));
                month = (month + Duration::days(32)).with_day(1).unwrap();
            }
        }
    }

    fn days_in(first: NaiveDate) -> u32 {
        ((first + Duration::days(32)).with_day(1).unwrap() - first).num_days() as u32
    }

    #[test]
    fn days_carry_their_accessible_names() {
        let grid = MonthGrid::containing(d("2026-11-16"), WeekStart::Monday);
        let day = grid
            .weeks
            .iter()
            .flat_map(|w| &w.days)
            .find(|x| x.date == d("2026-11-16"))
            .unwrap();
        assert_eq!(day.label, "Monday 16 November 2026");
        assert!(
            !grid.weeks[0].days[0].in_month,
            "26 October is a neighbour's"
        );
    }
}
