//! Trends against the week model: every figure of a week's trends equals
//! what `Week::load` shows for that week (on the demo world and on weeks of
//! hostile data: events across midnight and the week's edges, zero-length
//! ones, all-day runs, hostile titles, a DST change), and the averages are
//! the means of the weeks that lie within the history, worked out here from
//! loaded weeks, not from the trend code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use vica_core::Store;
use vica_core::model::EventTime;
use vica_core::settings::Settings;
use vica_core::store::{CursorUpdate, Page};
use vica_core::week::{Totals, Trend, Week, WeekKey};

#[path = "support/hostile.rs"]
mod hostile;

const ZONE: &str = "Europe/Berlin";

fn settings() -> Settings {
    Settings {
        time_zone: Some(ZONE.into()),
        ..Settings::default()
    }
}

fn anchor() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

/// The demo world, its items before `from` (if given) left out.
fn demo_store(from: Option<chrono::DateTime<Utc>>) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("vica.db")).unwrap();
    store.save_settings(&settings()).unwrap();
    let tz: Tz = ZONE.parse().unwrap();
    let mut world = vica_core::demo::world(anchor(), tz);
    if let Some(from) = from {
        for source in world.iter_mut().flat_map(|a| a.sources.iter_mut()) {
            source.events.retain(|e| e.time.utc_bounds().0 >= from);
            source
                .tasks
                .retain(|t| t.completed_at.is_none_or(|c| c >= from));
        }
    }
    vica_core::demo::install_world(&mut store, &world).unwrap();
    (store, dir)
}

fn figures(t: &Totals) -> [i64; 9] {
    [
        t.event_minutes,
        i64::from(t.event_count),
        i64::from(t.all_day_count),
        i64::from(t.tasks_completed),
        t.categories.meetings,
        t.categories.focus,
        t.categories.personal,
        t.categories.other,
        t.categories.out_of_office_days,
    ]
}

fn trend_list(w: &Week) -> [&Trend; 9] {
    let t = &w.trends;
    [
        &t.event_minutes,
        &t.event_count,
        &t.all_day_count,
        &t.tasks_completed,
        &t.categories.meetings,
        &t.categories.focus,
        &t.categories.personal,
        &t.categories.other,
        &t.categories.out_of_office_days,
    ]
}

/// The mean to two decimals, as the trends give it.
fn mean(values: &[i64]) -> Option<f64> {
    (!values.is_empty())
        .then(|| (values.iter().sum::<i64>() as f64 / values.len() as f64 * 100.0).round() / 100.0)
}

/// Checks a week's trends against the twelve weeks before it, each loaded
/// on its own; weeks before `first_week` are before the history.
fn check_against_loaded_weeks(store: &Store, key: WeekKey, first_week: WeekKey) {
    let s = settings();
    let week = Week::load(store, key, &s).unwrap();
    let mut earlier = Vec::new();
    let mut k = key;
    for _ in 0..12 {
        k = k.previous();
        earlier.push(k);
    }
    earlier.reverse();
    let loaded: Vec<Option<[i64; 9]>> = earlier
        .iter()
        .map(|k| (*k >= first_week).then(|| figures(&Week::load(store, *k, &s).unwrap().totals)))
        .collect();
    assert_eq!(week.trends.weeks.last(), Some(&key));
    assert_eq!(&week.trends.weeks[..11], &earlier[1..]);
    assert_eq!(
        week.trends.weeks_with_history as usize,
        loaded.iter().flatten().count(),
        "{key}"
    );
    for (f, trend) in trend_list(&week).into_iter().enumerate() {
        let values: Vec<Option<i64>> = loaded.iter().map(|w| w.map(|w| w[f])).collect();
        assert_eq!(
            trend.this_week,
            figures(&week.totals)[f],
            "{key} figure {f}"
        );
        let mut series = values[1..].to_vec();
        series.push(Some(trend.this_week));
        assert_eq!(trend.series, series, "{key} figure {f}");
        let known =
            |from: usize| -> Vec<i64> { values[from..].iter().flatten().copied().collect() };
        assert_eq!(trend.average_12, mean(&known(0)), "{key} figure {f}");
        assert_eq!(trend.average_4, mean(&known(8)), "{key} figure {f}");
    }
    // The change still compares with the week just before.
    let last = Week::load(store, key.previous(), &s).unwrap();
    assert_eq!(week.previous, last.totals, "{key}");
}

/// The first week (Monday start) holding anything in the demo world, found
/// by loading weeks until one shows an item.
fn first_week_with_items(store: &Store, from: WeekKey) -> WeekKey {
    let s = settings();
    let mut k = from;
    for _ in 0..60 {
        let w = Week::load(store, k, &s).unwrap();
        let t = &w.totals;
        if t.event_count + t.all_day_count + t.tasks_completed > 0
            || w.days.iter().any(|d| !d.events.is_empty())
        {
            return k;
        }
        k = k.next();
    }
    panic!("no week with items after {from}");
}

#[test]
fn demo_trends_equal_the_loaded_weeks() {
    let (store, _dir) = demo_store(None);
    let first = first_week_with_items(&store, "2026-W25".parse().unwrap());
    let mut key = first;
    for _ in 0..16 {
        check_against_loaded_weeks(&store, key, first);
        key = key.next();
    }
    // The demo's last weeks have a full twelve weeks of history behind them.
    let w = Week::load(&store, "2026-W48".parse().unwrap(), &settings()).unwrap();
    assert_eq!(w.trends.weeks_with_history, 12);
    assert!(w.trends.event_minutes.average_12.unwrap() > 0.0);
}

#[test]
fn three_weeks_of_history_are_averaged_over_three_weeks() {
    // Only the demo's items from Monday 2 November 2026 (Berlin) on: weeks 45, 46, 47.
    let from = Utc.with_ymd_and_hms(2026, 11, 1, 23, 0, 0).unwrap();
    let (store, _dir) = demo_store(Some(from));
    let key: WeekKey = "2026-W48".parse().unwrap();
    let s = settings();
    let week = Week::load(&store, key, &s).unwrap();
    assert_eq!(week.trends.weeks_with_history, 3);
    let minutes: Vec<i64> = ["2026-W45", "2026-W46", "2026-W47"]
        .iter()
        .map(|k| {
            Week::load(&store, k.parse().unwrap(), &s)
                .unwrap()
                .totals
                .event_minutes
        })
        .collect();
    assert!(minutes.iter().all(|m| *m > 0), "{minutes:?}");
    let expected = (minutes.iter().sum::<i64>() as f64 / 3.0 * 100.0).round() / 100.0;
    assert_eq!(week.trends.event_minutes.average_12, Some(expected));
    assert_eq!(week.trends.event_minutes.average_4, Some(expected));
    assert_eq!(
        week.trends.event_minutes.series[..8],
        [None; 8],
        "weeks before the history are gaps, not zeros"
    );
    check_against_loaded_weeks(&store, key, "2026-W45".parse().unwrap());
    // An empty cache has no averages at all.
    let dir = tempfile::tempdir().unwrap();
    let empty = Store::open(&dir.path().join("vica.db")).unwrap();
    let week = Week::load(&empty, key, &s).unwrap();
    assert_eq!(week.trends.event_minutes.average_12, None);
    assert_eq!(week.trends.weeks_with_history, 0);
}

/// The demo world plus hostile events over weeks 40–47 of 2026: hostile
/// titles, events across midnight and across the weeks' edges (Sunday night
/// into Monday), zero-length events on a Monday midnight, all-day runs over
/// a weekend, long events, and the week of the DST change (25 October).
#[test]
fn hostile_weeks_trend_like_the_loaded_weeks() {
    let (mut store, _dir) = demo_store(None);
    let tz: Tz = ZONE.parse().unwrap();
    let world = vica_core::demo::world(anchor(), tz);
    let calendar = &world[0].sources[0];
    let project = world
        .iter()
        .flat_map(|a| &a.sources)
        .find(|s| !s.tasks.is_empty())
        .unwrap();
    let sources = store.sources().unwrap();
    let id = |pid: &str| sources.iter().find(|s| s.provider_id == pid).unwrap().id;
    let strings = hostile::strings();
    let mut events = Page::default();
    let mut tasks = Page::default();
    // Sunday 27 September 2026, 23:00 Berlin (21:00 UTC).
    let sunday_night = Utc.with_ymd_and_hms(2026, 9, 27, 21, 0, 0).unwrap();
    for (i, h) in strings.iter().enumerate() {
        let week = Duration::weeks(i as i64 % 8);
        let mut e = calendar.events[0].clone();
        e.provider_id = format!("hostile-{i}");
        e.title = h.text.clone();
        e.series_id = None;
        e.attendee_count = (i % 3) as u32;
        e.time = match i % 5 {
            // Across the week's edge, Sunday night into Monday.
            0 => EventTime::Timed {
                start: sunday_night + week,
                end: sunday_night + week + Duration::minutes(150),
            },
            // Zero length, on Monday's midnight.
            1 => EventTime::Timed {
                start: sunday_night + week + Duration::hours(1),
                end: sunday_night + week + Duration::hours(1),
            },
            // All day, Saturday to Monday.
            2 => {
                let sat = NaiveDate::from_ymd_opt(2026, 9, 26).unwrap() + week;
                EventTime::AllDay {
                    start: sat,
                    end: sat + Duration::days(3),
                }
            }
            // Overlapping the demo's working days, odd seconds.
            3 => EventTime::Timed {
                start: sunday_night + week + Duration::hours(12) + Duration::seconds(17),
                end: sunday_night + week + Duration::hours(14) + Duration::seconds(59),
            },
            // Longer than a day: shown, never counted.
            _ => EventTime::Timed {
                start: sunday_night + week + Duration::hours(30),
                end: sunday_night + week + Duration::hours(60),
            },
        };
        events.events.push(e);
        let mut t = project.tasks[0].clone();
        t.provider_id = format!("hostile-task-{i}");
        t.content = h.text.clone();
        // Completed on the week's edges: Sunday 23:59:59 and Monday 00:00 Berlin.
        t.completed_at =
            Some(sunday_night + week + Duration::minutes(60) - Duration::seconds((i % 2) as i64));
        tasks.tasks.push(t);
    }
    let out = store
        .write_page(
            id(&calendar.record.provider_id),
            &events,
            CursorUpdate::Keep,
        )
        .unwrap();
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    let out = store
        .write_page(id(&project.record.provider_id), &tasks, CursorUpdate::Keep)
        .unwrap();
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    let first = first_week_with_items(&store, "2026-W25".parse().unwrap());
    let mut key: WeekKey = "2026-W41".parse().unwrap();
    for _ in 0..10 {
        check_against_loaded_weeks(&store, key, first);
        key = key.next();
    }
}

/// The trends keep weeks' totals between loads; a write (through this
/// connection or another one) must show at once.
#[test]
fn trends_follow_writes_through_any_connection() {
    let (mut store, dir) = demo_store(None);
    let s = settings();
    let key: WeekKey = "2026-W48".parse().unwrap();
    let w45: WeekKey = "2026-W45".parse().unwrap();
    let before = Week::load(&store, key, &s).unwrap();
    let minutes_45 = |store: &Store| Week::load(store, w45, &s).unwrap().totals.event_minutes;
    assert_eq!(
        before.trends.event_minutes.series[8],
        Some(minutes_45(&store))
    );
    let tz: Tz = ZONE.parse().unwrap();
    let world = vica_core::demo::world(anchor(), tz);
    let calendar = &world[0].sources[0];
    let source_id = store
        .sources()
        .unwrap()
        .into_iter()
        .find(|x| x.provider_id == calendar.record.provider_id)
        .unwrap()
        .id;
    let write = |store: &mut Store, pid: &str, day: u32| {
        let mut e = calendar.events[0].clone();
        e.provider_id = pid.into();
        e.series_id = None;
        e.my_response = None;
        e.show_as = vica_core::model::ShowAs::Busy;
        e.kind = vica_core::model::EventKind::Default;
        e.status = vica_core::model::EventStatus::Confirmed;
        // Saturday night in week 45, when the demo has nothing on.
        let start = Utc.with_ymd_and_hms(2026, 11, day, 21, 0, 0).unwrap();
        e.time = EventTime::Timed {
            start,
            end: start + Duration::minutes(45),
        };
        let page = Page {
            events: vec![e],
            ..Page::default()
        };
        store
            .write_page(source_id, &page, CursorUpdate::Keep)
            .unwrap();
    };
    write(&mut store, "late-1", 7);
    let after = Week::load(&store, key, &s).unwrap();
    assert_eq!(
        after.trends.event_minutes.series[8],
        Some(minutes_45(&store))
    );
    assert_eq!(
        after.trends.event_minutes.series[8].unwrap(),
        before.trends.event_minutes.series[8].unwrap() + 45,
        "the new event is in week 45's figure"
    );
    // Another connection's commit.
    let mut other = Store::open(&dir.path().join("vica.db")).unwrap();
    write(&mut other, "late-2", 8);
    let third = Week::load(&store, key, &s).unwrap();
    assert_eq!(
        third.trends.event_minutes.series[8].unwrap(),
        before.trends.event_minutes.series[8].unwrap() + 90
    );
    // Another zone lays the weeks out afresh.
    let ny = Settings {
        time_zone: Some("America/New_York".into()),
        ..Settings::default()
    };
    let w = Week::load(&store, key, &ny).unwrap();
    assert_eq!(
        w.trends.event_minutes.series[8],
        Some(Week::load(&store, w45, &ny).unwrap().totals.event_minutes)
    );
}
