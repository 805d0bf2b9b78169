//! The week view on a ten-year cache: about 50,000 events and 30,000
//! completed tasks. Prints the median and 95th percentile of `Week::load`
//! (the few indexed queries plus the layout) and of the Markdown export of
//! the loaded week. Target: week load ≤ 1 ms median; load plus export ≤ 2 ms.
//!
//! `cargo bench -p vica-core --bench week`

#![allow(clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{Duration as Span, NaiveDate, TimeZone, Utc};
use vica_core::Store;
use vica_core::model::{
    EventRecord, EventStatus, EventTime, Provider, Response, SourceKind, SourceRecord, TaskRecord,
};
use vica_core::settings::Settings;
use vica_core::store::{CursorUpdate, Page};
use vica_core::week::{Week, WeekKey};

fn source(kind: SourceKind, id: &str, name: &str) -> SourceRecord {
    SourceRecord {
        kind,
        provider_id: id.into(),
        name: name.into(),
        color: Some("#3b6fd8".into()),
        is_primary: false,
        access_role: None,
    }
}

fn fill(store: &mut Store) -> (usize, usize) {
    let account = store
        .add_account(Provider::Google, "bench", None, false)
        .expect("account")
        .id;
    let cals: Vec<i64> = ["Work", "Personal", "Team"]
        .iter()
        .map(|n| {
            store
                .upsert_source(account, &source(SourceKind::Calendar, n, n))
                .expect("source")
                .id
        })
        .collect();
    let projects: Vec<i64> = ["Inbox", "Home"]
        .iter()
        .map(|n| {
            store
                .upsert_source(account, &source(SourceKind::Project, n, n))
                .expect("source")
                .id
        })
        .collect();
    let first = Utc
        .with_ymd_and_hms(2017, 1, 2, 0, 0, 0)
        .single()
        .expect("date");
    let (mut events, mut tasks) = (0, 0);
    // Ten years, about 96 events and 58 completed tasks a week.
    for week in 0..522i64 {
        let monday = first + Span::weeks(week);
        let mut per_cal: Vec<Vec<EventRecord>> = vec![Vec::new(); cals.len()];
        for i in 0..96i64 {
            let start = monday
                + Span::hours(8 + (i % 10))
                + Span::days(i % 7)
                + Span::minutes((i * 15) % 60);
            let all_day = i % 40 == 0;
            let day = start.date_naive();
            per_cal[(i % 3) as usize].push(EventRecord {
                provider_id: format!("e{week}-{i}"),
                title: format!("Meeting {i} of week {week}"),
                description: Some("Agenda: context, decisions, next steps.".into()),
                location: None,
                time: if all_day {
                    EventTime::AllDay {
                        start: day,
                        end: day + Span::days(1 + i % 3),
                    }
                } else {
                    EventTime::Timed {
                        start,
                        end: start + Span::minutes(30 + (i % 4) * 15),
                    }
                },
                time_zone: Some("Europe/Berlin".into()),
                status: if i % 29 == 0 {
                    EventStatus::Cancelled
                } else {
                    EventStatus::Confirmed
                },
                my_response: Some(if i % 17 == 0 {
                    Response::Declined
                } else {
                    Response::Accepted
                }),
                is_organizer: i % 5 == 0,
                attendee_count: (i % 6) as u32,
                series_id: (i % 3 == 0).then(|| format!("series{}", i % 12)),
                link: None,
                updated_at: None,
                kind: Default::default(),
                show_as: Default::default(),
            });
        }
        for (c, page) in cals.iter().zip(per_cal) {
            events += page.len();
            store
                .write_page(
                    *c,
                    &Page {
                        events: page,
                        ..Page::default()
                    },
                    CursorUpdate::Keep,
                )
                .expect("page");
        }
        let mut done: Vec<Vec<TaskRecord>> = vec![Vec::new(); projects.len()];
        for i in 0..58i64 {
            let at = monday + Span::hours(9) + Span::minutes(i * 173 % (7 * 24 * 60));
            done[(i % 2) as usize].push(TaskRecord {
                provider_id: format!("t{week}-{i}"),
                content: format!("Task {i}"),
                description: None,
                section: None,
                labels: vec!["work".into()],
                priority: 1 + (i % 4) as u8,
                due_date: Some(at.date_naive()),
                completed_at: Some(at),
                link: None,
                updated_at: None,
            });
        }
        for (p, page) in projects.iter().zip(done) {
            tasks += page.len();
            store
                .write_page(
                    *p,
                    &Page {
                        tasks: page,
                        ..Page::default()
                    },
                    CursorUpdate::Keep,
                )
                .expect("page");
        }
    }
    (events, tasks)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("vica.db")).expect("store");
    let t = Instant::now();
    let (events, tasks) = fill(&mut store);
    let fill_ms = t.elapsed().as_secs_f64() * 1000.0;
    let settings = Settings {
        time_zone: Some("Europe/Berlin".into()),
        ..Settings::default()
    };
    let weeks: Vec<WeekKey> = (0..200)
        .map(|i| {
            WeekKey::containing(
                NaiveDate::from_ymd_opt(2017, 3, 6).expect("date") + Span::weeks(i * 2),
                settings.week_start,
            )
        })
        .collect();
    // Warm up the page cache and statement cache.
    for k in &weeks[..10] {
        Week::load(&store, *k, &settings).expect("week");
    }
    let mut load = Vec::new();
    let mut both = Vec::new();
    let mut shown = 0;
    for round in 0..5 {
        for k in &weeks {
            let t = Instant::now();
            let week = Week::load(&store, *k, &settings).expect("week");
            load.push(t.elapsed());
            let md = vica_core::export::markdown(&week);
            both.push(t.elapsed());
            if round == 0 {
                shown += week
                    .days
                    .iter()
                    .map(|d| d.events.len() + d.all_day.len())
                    .sum::<usize>();
                assert!(md.len() > 1000);
            }
        }
    }
    load.sort();
    both.sort();
    println!(
        "Cache: {events} events, {tasks} completed tasks (filled in {fill_ms:.0} ms); {} weeks sampled, {:.0} items shown per week",
        weeks.len(),
        shown as f64 / weeks.len() as f64
    );
    println!();
    println!("| measure | median ms | p95 ms | target |");
    println!("|---|---:|---:|---|");
    println!(
        "| week load (queries + layout, with last week's totals) | {:.3} | {:.3} | ≤ 1 ms median |",
        percentile(&load, 0.5),
        percentile(&load, 0.95)
    );
    println!(
        "| week load + Markdown export | {:.3} | {:.3} | ≤ 2 ms median |",
        percentile(&both, 0.5),
        percentile(&both, 0.95)
    );
}
