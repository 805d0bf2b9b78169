//! The ten-year cache the week benchmarks run on (shared by `week.rs` and
//! `criterion.rs`): about 50,000 events over three calendars and 30,000
//! completed tasks over two projects, and the hostile week.
#![allow(dead_code)]

use chrono::{Duration as Span, TimeZone, Utc};
use vica_core::Store;
use vica_core::model::{
    EventRecord, EventStatus, EventTime, Provider, Response, SourceKind, SourceRecord, TaskRecord,
};
use vica_core::store::{CursorUpdate, Page};

#[path = "../../tests/support/hostile.rs"]
mod hostile;

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

/// Fills `store` with ten years of events and tasks: (events, tasks).
pub fn fill(store: &mut Store) -> (usize, usize) {
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

/// Writes the hostile strings into the week of `monday` as events and tasks.
pub fn add_hostile(store: &mut Store, monday: chrono::DateTime<Utc>) -> usize {
    let all = hostile::strings();
    let n = all.len();
    let sources = store.sources().expect("sources");
    let id = |pid: &str| {
        sources
            .iter()
            .find(|s| s.provider_id == pid)
            .expect("source")
            .id
    };
    let (calendar, project) = (id("Work"), id("Inbox"));
    let mut events = Page::default();
    let mut tasks = Page::default();
    for (i, h) in all.iter().enumerate() {
        let start =
            monday + Span::days(i as i64 % 7) + Span::hours(7) + Span::minutes(13 * i as i64);
        events.events.push(EventRecord {
            provider_id: format!("hostile-{i}"),
            title: h.text.clone(),
            description: Some(all[(i + 17) % n].text.clone()),
            location: Some(all[(i + 33) % n].text.clone()),
            time: EventTime::Timed {
                start,
                end: start + Span::minutes(30),
            },
            time_zone: None,
            status: EventStatus::Confirmed,
            my_response: Some(Response::Accepted),
            is_organizer: false,
            attendee_count: 2,
            series_id: None,
            link: None,
            updated_at: None,
            kind: Default::default(),
            show_as: Default::default(),
        });
        tasks.tasks.push(TaskRecord {
            provider_id: format!("hostile-task-{i}"),
            content: h.text.clone(),
            description: None,
            section: None,
            labels: Vec::new(),
            priority: 1,
            due_date: None,
            completed_at: Some(start + Span::hours(1)),
            link: None,
            updated_at: None,
        });
    }
    store
        .write_page(calendar, &events, CursorUpdate::Keep)
        .expect("hostile events");
    store
        .write_page(project, &tasks, CursorUpdate::Keep)
        .expect("hostile tasks");
    n
}
