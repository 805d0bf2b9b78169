//! The week's insights agree with its own figures over every week of the demo
//! world; working hours are a setting, stored with the others, and the
//! longest free block is looked for in them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;
use vica_core::categories::Annotation;
use vica_core::settings::{Settings, WeekStart, WorkingHoursSetting};
use vica_core::week::{Week, WeekKey};
use vica_core::{Error, Store};

const ZONE: &str = "Europe/Berlin";

fn demo_store(week_start: WeekStart) -> (Store, Settings) {
    let settings = Settings {
        time_zone: Some(ZONE.into()),
        week_start,
        ..Settings::default()
    };
    (demo_store_with(&settings), settings)
}

/// The demo world in a store, with `settings` saved.
fn demo_store_with(settings: &Settings) -> Store {
    let mut store = Store::open_in_memory().unwrap();
    store.save_settings(settings).unwrap();
    let tz: Tz = ZONE.parse().unwrap();
    let anchor = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    vica_core::demo::install_world(&mut store, &vica_core::demo::world(anchor, tz)).unwrap();
    store
}

/// The week keys the demo world covers (twelve weeks of history and the next one).
fn demo_weeks() -> Vec<WeekKey> {
    let mut key: WeekKey = "2026-W35".parse().unwrap();
    let mut keys = Vec::new();
    for _ in 0..15 {
        keys.push(key);
        key = key.next();
    }
    keys
}

fn clock(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

/// Every timed, counted event's local span on `date`, clipped to the day.
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

/// What is not free working time on `date`: counted events, and time out of
/// office (a timed entry's span, all of a day with an all-day entry).
fn unavailable_on(week: &Week, date: NaiveDate) -> Vec<(NaiveTime, NaiveTime)> {
    let day = week.days.iter().find(|d| d.date == date).unwrap();
    let away = |e: &&vica_core::week::EventItem| e.annotation == Some(Annotation::OutOfOffice);
    let mut spans = busy_on(week, date);
    for e in day.events.iter().filter(away).filter(|e| !e.counted) {
        let end = match e.end_time.as_deref().unwrap() {
            "24:00" => NaiveTime::from_hms_opt(23, 59, 59).unwrap(),
            t => clock(t),
        };
        spans.push((clock(e.start_time.as_deref().unwrap()), end));
    }
    if day.all_day.iter().any(|e| away(&e)) {
        spans.push((NaiveTime::MIN, NaiveTime::from_hms_opt(23, 59, 59).unwrap()));
    }
    spans
}

#[test]
fn each_days_stack_adds_up_to_its_hours_and_the_free_block_is_free() {
    let tz: Tz = ZONE.parse().unwrap();
    for start in [WeekStart::Monday, WeekStart::Sunday] {
        let (store, settings) = demo_store(start);
        let mut saw_events = false;
        for key in demo_weeks() {
            let week = Week::load(&store, key, &settings).unwrap();
            assert_eq!(week.insights.per_day.len(), 7);
            for (day, stack) in week.days.iter().zip(&week.insights.per_day) {
                assert_eq!(day.date, stack.date);
                let stacked: i64 = stack.sources.iter().map(|s| s.minutes).sum();
                assert_eq!(stacked, day.event_minutes, "{key} {}", day.date);
                saw_events |= stacked > 0;
            }
            // Per source over the week, the stacks never exceed that source's merged total.
            for total in &week.totals.per_source {
                let stacked: i64 = week
                    .insights
                    .per_day
                    .iter()
                    .flat_map(|d| &d.sources)
                    .filter(|s| s.source_id == total.source_id)
                    .map(|s| s.minutes)
                    .sum();
                assert!(stacked <= total.event_minutes, "{key} {}", total.name);
            }
            let Some(free) = &week.insights.longest_free_block else {
                continue;
            };
            assert!(!matches!(free.date.weekday(), Weekday::Sat | Weekday::Sun));
            let (from, to) = (clock(&free.start), clock(&free.end));
            assert!(clock("09:00") <= from && to <= clock("17:00") && from < to);
            let len = tz
                .from_local_datetime(&free.date.and_time(to))
                .unwrap()
                .signed_duration_since(tz.from_local_datetime(&free.date.and_time(from)).unwrap());
            assert_eq!(len, Duration::minutes(free.minutes));
            for (s, e) in unavailable_on(&week, free.date) {
                assert!(
                    e <= from || s >= to,
                    "{key}: {s}–{e} inside the free block {from}–{to}"
                );
            }
            // No weekday of the week has a longer gap: each busy-free day would be 8 hours.
            let free_day = week
                .days
                .iter()
                .filter(|d| !matches!(d.date.weekday(), Weekday::Sat | Weekday::Sun))
                .any(|d| {
                    unavailable_on(&week, d.date)
                        .iter()
                        .all(|(s, e)| *e <= clock("09:00") || *s >= clock("17:00"))
                });
            if free_day {
                assert_eq!(free.minutes, 480, "{key}");
            }
        }
        assert!(saw_events, "the demo world has events");
    }
}

#[test]
fn the_cli_shape_gains_insights_and_keeps_the_rest() {
    let (store, settings) = demo_store(WeekStart::Monday);
    let week = Week::load(&store, "2026-W47".parse().unwrap(), &settings).unwrap();
    let json = serde_json::to_value(&week).unwrap();
    let insights = &json["insights"];
    assert_eq!(insights["working_hours"]["start"], "09:00");
    assert_eq!(insights["per_day"].as_array().unwrap().len(), 7);
    for field in [
        "key",
        "label",
        "days",
        "totals",
        "change",
        "previous",
        "reflection",
    ] {
        assert!(json.get(field).is_some(), "{field}");
    }
}

#[test]
fn last_weeks_totals_are_that_weeks_own() {
    // Last week is filled for its totals only (no items); they must equal the
    // totals of that week loaded on its own.
    for start in [WeekStart::Monday, WeekStart::Sunday] {
        let (store, settings) = demo_store(start);
        for key in demo_weeks().into_iter().skip(1) {
            let week = Week::load(&store, key, &settings).unwrap();
            let before = Week::load(&store, key.previous(), &settings).unwrap();
            assert_eq!(week.previous, before.totals, "{key}");
        }
    }
}

fn hours(start: &str, end: &str, days: &[&str]) -> WorkingHoursSetting {
    WorkingHoursSetting {
        start: start.into(),
        end: end.into(),
        days: days.iter().map(|d| d.to_string()).collect(),
    }
}

/// The longest gap in `[from, to)` of `date`, in minutes, computed here
/// independently of the core from the week's listed events (and time out of office).
fn longest_gap(week: &Week, date: NaiveDate, from: NaiveTime, to: NaiveTime) -> i64 {
    let mut busy = unavailable_on(week, date);
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
    let store = demo_store_with(&settings);
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
    let store = demo_store_with(&settings);
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
