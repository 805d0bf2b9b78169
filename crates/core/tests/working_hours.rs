//! Working hours as a setting: stored with the other settings, and the week's
//! longest free block looked for in them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use vica_core::settings::{Settings, WeekStart, WorkingHoursSetting};
use vica_core::week::{Week, WeekKey};
use vica_core::{Error, Store};

const ZONE: &str = "Europe/Berlin";

fn hours(start: &str, end: &str, days: &[&str]) -> WorkingHoursSetting {
    WorkingHoursSetting {
        start: start.into(),
        end: end.into(),
        days: days.iter().map(|d| d.to_string()).collect(),
    }
}

/// The demo world in a store, with `settings` saved.
fn demo_store(settings: &Settings) -> Store {
    let mut store = Store::open_in_memory().unwrap();
    store.save_settings(settings).unwrap();
    let tz: Tz = ZONE.parse().unwrap();
    let anchor = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    vica_fakes::demo::install_world(&mut store, &vica_fakes::demo::world(anchor, tz)).unwrap();
    store
}

fn clock(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

/// Every counted timed event's local span on `date`, clipped to the day.
fn busy_on(week: &Week, date: NaiveDate) -> Vec<(NaiveTime, NaiveTime)> {
    let day = week.days.iter().find(|d| d.date == date).unwrap();
    day.events
        .iter()
        .filter(|e| e.counted)
        .map(|e| {
            let start = clock(e.start_time.as_deref().unwrap());
            let end = match e.end_time.as_deref().unwrap() {
                "24:00" => NaiveTime::from_hms_opt(23, 59, 59).unwrap(),
                t => clock(t),
            };
            (start, end)
        })
        .collect()
}

/// The longest gap in `[from, to)` of `date`, in minutes, computed here
/// independently of the core from the week's listed events.
fn longest_gap(week: &Week, date: NaiveDate, from: NaiveTime, to: NaiveTime) -> i64 {
    let mut busy = busy_on(week, date);
    busy.sort();
    let (mut best, mut free_from) = (0, from);
    for (s, e) in busy {
        let s = s.clamp(from, to);
        best = best.max((s - free_from).num_minutes());
        free_from = free_from.max(e.min(to));
    }
    best.max((to - free_from).num_minutes())
}

#[test]
fn working_hours_round_trip_through_the_store_and_bad_ones_are_refused() {
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(
        store.settings().unwrap().working_hours,
        WorkingHoursSetting::default()
    );
    let settings = Settings {
        working_hours: hours("08:00", "16:30", &["sunday", "monday", "thursday"]),
        ..Settings::default()
    };
    store.save_settings(&settings).unwrap();
    assert_eq!(store.settings().unwrap(), settings);
    for bad in [
        hours("16:30", "08:00", &["monday"]),
        hours("8", "16:30", &["monday"]),
        hours("08:00", "16:30", &[]),
    ] {
        let err = store
            .save_settings(&Settings {
                working_hours: bad,
                ..settings.clone()
            })
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidSetting { key, .. } if key == "working hours"),
            "{err}"
        );
        assert_eq!(store.settings().unwrap(), settings, "nothing saved");
    }
}

#[test]
fn the_default_hours_leave_the_week_as_it_was() {
    let settings = Settings {
        time_zone: Some(ZONE.into()),
        ..Settings::default()
    };
    let store = demo_store(&settings);
    let key: WeekKey = "2026-W47".parse().unwrap();
    let week = Week::load(&store, key, &settings).unwrap();
    let json = serde_json::to_value(&week.insights.working_hours).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "start": "09:00",
            "end": "17:00",
            "days": ["monday", "tuesday", "wednesday", "thursday", "friday"],
        })
    );
}

#[test]
fn the_free_block_is_looked_for_in_the_users_hours_and_days() {
    // Ten to two, Sunday to Wednesday, in weeks that start on Sunday.
    let settings = Settings {
        time_zone: Some(ZONE.into()),
        week_start: WeekStart::Sunday,
        working_hours: hours(
            "10:00",
            "14:00",
            &["sunday", "monday", "tuesday", "wednesday"],
        ),
        ..Settings::default()
    };
    let store = demo_store(&settings);
    let working = [Weekday::Sun, Weekday::Mon, Weekday::Tue, Weekday::Wed];
    let mut key: WeekKey = "2026-W36".parse().unwrap();
    let mut saw_busy_working_day = false;
    for _ in 0..13 {
        let week = Week::load(&store, key, &settings).unwrap();
        assert_eq!(week.first_day.weekday(), Weekday::Sun);
        assert_eq!(
            week.insights.working_hours,
            settings.working_hours.parse().unwrap()
        );
        // The expected block: the longest gap of 10:00–14:00 on a working day, the earliest of equals.
        let mut expected: Option<(NaiveDate, i64)> = None;
        for day in &week.days {
            if !working.contains(&day.date.weekday()) {
                continue;
            }
            let gap = longest_gap(&week, day.date, clock("10:00"), clock("14:00"));
            saw_busy_working_day |= gap < 240;
            if gap > 0 && expected.is_none_or(|(_, best)| gap > best) {
                expected = Some((day.date, gap));
            }
        }
        let got = week
            .insights
            .longest_free_block
            .as_ref()
            .map(|f| (f.date, f.minutes));
        assert_eq!(got, expected, "{key}");
        if let Some(free) = &week.insights.longest_free_block {
            assert!(working.contains(&free.date.weekday()), "{key}");
            assert!(clock(&free.start) >= clock("10:00"), "{key}");
            assert!(clock(&free.end) <= clock("14:00"), "{key}");
        }
        key = key.next();
    }
    assert!(
        saw_busy_working_day,
        "the demo world has events inside the hours"
    );
}

#[test]
fn working_days_do_not_follow_the_week_start() {
    // Monday to Friday stay the working days when the week starts on Sunday:
    // an empty week's first free block is Monday's, not Sunday's.
    let settings = Settings {
        time_zone: Some(ZONE.into()),
        week_start: WeekStart::Sunday,
        ..Settings::default()
    };
    let store = Store::open_in_memory().unwrap();
    let week = Week::load(&store, "2026-W47".parse().unwrap(), &settings).unwrap();
    assert_eq!(week.first_day.weekday(), Weekday::Sun);
    let free = week.insights.longest_free_block.unwrap();
    assert_eq!(
        (free.date, free.start.as_str(), free.minutes),
        (week.first_day + Duration::days(1), "09:00", 480)
    );
}
