//! Criterion version of the ingest figure, for change-to-change comparison
//! (`cargo bench -p vica-sync --bench criterion`; reports in
//! target/criterion): a first sync of 10,000 events from the fake Google
//! Calendar on loopback into a fresh store on disk.
//! The one-table summary with targets is `scripts/bench.sh`.
#![allow(clippy::expect_used)]

use std::sync::{Arc, Mutex};

use chrono::{Duration, SubsecRound, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::json;
use vica_core::Store;
use vica_core::model::Provider as ProviderKind;
use vica_fakes::google::{CalendarEntry, DEFAULT_ACCESS_TOKEN, FakeGoogle};
use vica_sync::google::{Google, GoogleConfig};
use vica_sync::http::StaticToken;
use vica_sync::{Engine, SyncOptions};

const CALENDAR: &str = "bench@example.com";
const EVENTS: usize = 10_000;

fn ingest(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let fake = rt.block_on(FakeGoogle::start()).expect("fake server");
    fake.set_page_size(2500);
    fake.add_calendar(CalendarEntry::new(CALENDAR, "Bench"));
    let now = Utc::now().trunc_subsecs(0);
    let span = Duration::weeks(28).num_minutes();
    for i in 0..EVENTS {
        let start = now - Duration::weeks(25) + Duration::minutes((i as i64 * 7919) % span);
        let end = start + Duration::minutes(30 + (i as i64 % 4) * 15);
        fake.put_event(
            CALENDAR,
            json!({
                "id": format!("ev{i:07}"), "status": "confirmed",
                "summary": format!("Meeting number {i}"), "location": "Room 4",
                "start": {"dateTime": start.to_rfc3339(), "timeZone": "Europe/Berlin"},
                "end": {"dateTime": end.to_rfc3339(), "timeZone": "Europe/Berlin"},
            }),
        );
    }
    let mut config = GoogleConfig::new(&fake.base_url()).expect("url");
    config.page_size = 2500;
    let google = Arc::new(
        Google::new(config, Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN))).expect("client"),
    );
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.throughput(criterion::Throughput::Elements(EVENTS as u64));
    group.bench_function("Google, 10,000 events, first sync", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().expect("temp dir");
                let store = Store::open(&dir.path().join("vica.db")).expect("store");
                let account = store
                    .add_account(ProviderKind::Google, "bench", None, false)
                    .expect("account")
                    .id;
                let engine = Engine::new(Arc::new(Mutex::new(store)), SyncOptions::default());
                (dir, engine, account)
            },
            |(dir, engine, account)| {
                let report = rt.block_on(engine.sync_account(
                    account,
                    google.clone(),
                    None,
                    Arc::new(|_| {}),
                ));
                assert!(report.is_ok(), "{report:?}");
                drop(dir);
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
