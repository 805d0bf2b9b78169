//! Sync figures against the fake servers on loopback: ingest of 10,000 and
//! 100,000 events from the fake Google Calendar (events per second), then a
//! no-change incremental sync (requests made, milliseconds); ingest of 10,000
//! events from the fake Microsoft Graph and of 10,000 completed tasks from the
//! fake Todoist.
//!
//! `cargo bench -p vica-sync --bench sync` prints one table; the figures and
//! the machine go into docs/benchmarks.md. Set `VICA_BENCH_SIZES=10000` to
//! run fewer sizes.

#![allow(clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{Duration, SubsecRound, Utc};
use serde_json::json;
use vica_core::Store;
use vica_core::model::Provider as ProviderKind;
use vica_core::model::{EventRecord, EventStatus, EventTime, Response, TaskRecord};
use vica_fakes::google::{CalendarEntry, DEFAULT_ACCESS_TOKEN, FakeGoogle};
use vica_fakes::{graph, todoist};
use vica_sync::google::{Google, GoogleConfig};
use vica_sync::http::StaticToken;
use vica_sync::outlook::{Outlook, OutlookConfig};
use vica_sync::provider::Provider;
use vica_sync::todoist::{Todoist, TodoistConfig};
use vica_sync::{Engine, SyncOptions};

const CALENDAR: &str = "bench@example.com";

struct Row {
    events: usize,
    ingest_ms: f64,
    pages: u32,
    noop_requests: usize,
    noop_ms: f64,
}

async fn run(n: usize) -> Row {
    let fake = FakeGoogle::start().await.expect("fake server starts");
    fake.set_page_size(2500);
    fake.add_calendar(CalendarEntry::new(CALENDAR, "Bench"));
    let now = Utc::now().trunc_subsecs(0);
    let span_minutes = Duration::weeks(28).num_minutes();
    for i in 0..n {
        let start = now - Duration::weeks(25) + Duration::minutes((i as i64 * 7919) % span_minutes);
        let end = start + Duration::minutes(30 + (i as i64 % 4) * 15);
        fake.put_event(
            CALENDAR,
            json!({
                "id": format!("ev{i:07}"),
                "status": "confirmed",
                "summary": format!("Meeting number {i}"),
                "location": "Room 4",
                "start": {"dateTime": start.to_rfc3339(), "timeZone": "Europe/Berlin"},
                "end": {"dateTime": end.to_rfc3339(), "timeZone": "Europe/Berlin"},
                "attendees": [{"email": "me@example.com", "self": true, "responseStatus": "accepted"}, {"email": "a@example.com"}],
                "organizer": {"email": "a@example.com"}
            }),
        );
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("vica.db")).expect("store opens");
    let account = store
        .add_account(ProviderKind::Google, "bench", None, false)
        .expect("account")
        .id;
    let store = Arc::new(Mutex::new(store));
    let engine = Engine::new(store.clone(), SyncOptions::default());
    let mut config = GoogleConfig::new(&fake.base_url()).expect("url");
    config.page_size = 2500;
    let google = Arc::new(
        Google::new(config, Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN))).expect("client"),
    );

    let t = Instant::now();
    let report = engine
        .sync_account(account, google.clone(), None, Arc::new(|_| {}))
        .await;
    let ingest = t.elapsed();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.sources[0].written as usize, n);
    let pages = report.sources[0].pages;

    fake.clear_requests();
    let t = Instant::now();
    let report = engine
        .sync_account(account, google, None, Arc::new(|_| {}))
        .await;
    let noop = t.elapsed();
    assert!(report.is_ok(), "{report:?}");
    Row {
        events: n,
        ingest_ms: ingest.as_secs_f64() * 1000.0,
        pages,
        noop_requests: fake.requests().len(),
        noop_ms: noop.as_secs_f64() * 1000.0,
    }
}

/// A first sync of `provider` into a fresh store: (items written, milliseconds).
async fn ingest(provider: Arc<dyn Provider>, kind: ProviderKind) -> (u64, f64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("vica.db")).expect("store opens");
    let account = store
        .add_account(kind, "bench", None, false)
        .expect("account")
        .id;
    let engine = Engine::new(Arc::new(Mutex::new(store)), SyncOptions::default());
    let t = Instant::now();
    let report = engine
        .sync_account(account, provider, None, Arc::new(|_| {}))
        .await;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    assert!(report.is_ok(), "{report:?}");
    (report.sources.iter().map(|s| s.written).sum(), ms)
}

fn record(i: usize) -> EventRecord {
    let start = Utc::now().trunc_subsecs(0) - Duration::weeks(25)
        + Duration::minutes((i as i64 * 7919) % Duration::weeks(28).num_minutes());
    EventRecord {
        provider_id: format!("AAMkAGI2-{i:07}"),
        title: format!("Meeting number {i}"),
        description: None,
        location: Some("Room 4".into()),
        time: EventTime::Timed {
            start,
            end: start + Duration::minutes(45),
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
    }
}

async fn graph_ingest(n: usize) -> (u64, f64) {
    let fake = graph::FakeGraph::start().await.expect("fake graph");
    fake.set_page_size(1000);
    fake.add_calendar(graph::CalendarEntry::new("AAMkCal", "Bench"));
    for i in 0..n {
        fake.put_event("AAMkCal", graph::event_json(&record(i)));
    }
    let mut config = OutlookConfig::new(&fake.base_url()).expect("url");
    config.page_size = 1000;
    let client = Outlook::new(
        config,
        Arc::new(StaticToken::new(graph::DEFAULT_ACCESS_TOKEN)),
    )
    .expect("client");
    ingest(Arc::new(client), ProviderKind::Microsoft).await
}

async fn todoist_ingest(n: usize) -> (u64, f64) {
    let fake = todoist::FakeTodoist::start().await.expect("fake todoist");
    fake.set_page_size(200);
    fake.add_project(todoist::ProjectEntry::new("6Jf8VQXxpwv56VQ7", "Bench"));
    let now = Utc::now().trunc_subsecs(0);
    for i in 0..n {
        let done =
            now - Duration::minutes(1 + (i as i64 * 2003) % Duration::weeks(20).num_minutes());
        let task = TaskRecord {
            provider_id: format!("70{i:08}"),
            content: format!("Task number {i}"),
            description: None,
            section: None,
            labels: vec!["work".into()],
            priority: 1 + (i % 4) as u8,
            due_date: None,
            completed_at: Some(done),
            link: None,
            updated_at: None,
        };
        fake.put_task(todoist::task_json(&task, "6Jf8VQXxpwv56VQ7", None));
    }
    let client = Todoist::new(
        TodoistConfig::new(&fake.base_url()).expect("url"),
        Arc::new(StaticToken::new(todoist::DEFAULT_ACCESS_TOKEN)),
    )
    .expect("client");
    ingest(Arc::new(client), ProviderKind::Todoist).await
}

fn main() {
    let sizes: Vec<usize> = std::env::var("VICA_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000]);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "| events | pages | ingest ms | events/s | no-change sync: requests | no-change sync: ms |"
    );
    println!(
        "|-------:|------:|----------:|---------:|-------------------------:|-------------------:|"
    );
    for n in sizes {
        let r = rt.block_on(run(n));
        println!(
            "| {} | {} | {:.0} | {:.0} | {} | {:.1} |",
            r.events,
            r.pages,
            r.ingest_ms,
            r.events as f64 / (r.ingest_ms / 1000.0),
            r.noop_requests,
            r.noop_ms
        );
    }
    println!();
    println!("| provider | items | ingest ms | items/s |");
    println!("|---|---:|---:|---:|");
    for (name, (items, ms)) in [
        (
            "Microsoft Graph (events)",
            rt.block_on(graph_ingest(10_000)),
        ),
        (
            "Todoist (completed tasks)",
            rt.block_on(todoist_ingest(10_000)),
        ),
    ] {
        println!(
            "| {name} | {items} | {ms:.0} | {:.0} |",
            items as f64 / (ms / 1000.0)
        );
    }
}
