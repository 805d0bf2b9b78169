//! The week's insights agree with its own figures over every week of the demo world.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;
use vica_core::Store;
use vica_core::categories::Annotation;
use vica_core::settings::{Settings, WeekStart};
use vica_core::week::{Week, WeekKey};

const ZONE: &str = "Europe/Berlin";

fn demo_store(week_start: WeekStart) -> (Store, Settings) {
    let mut store = Store::open_in_memory().unwrap();
    let settings = Settings {
        time_zone: Some(ZONE.into()),
        week_start,
        ..Settings::default()
    };
    store.save_settings(&settings).unwrap();
    let tz: Tz = ZONE.parse().unwrap();
    let anchor = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    vica_fakes::demo::install_world(&mut store, &vica_fakes::demo::world(anchor, tz)).unwrap();
    (store, settings)
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
