//! Crash test: a sync killed with SIGKILL at random moments leaves a
//! consistent store, and the next sync completes it.
//!
//! The parent test serves a large calendar from the fake Google server and
//! runs the sync in a child process (this same test binary, in child mode),
//! killing it after a random delay, again and again, while the server's data
//! changes between runs. After every kill the store passes SQLite's integrity
//! check and holds no duplicate; a final sync makes it equal to the server.
//!
//! CI runs 12 kills; `VICA_CRASH_RUNS=100 cargo test -p vica-sync --test crash
//! -- --nocapture` runs the full count.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{Duration as Span, SubsecRound, Utc};
use serde_json::json;
use vica_core::Store;
use vica_core::model::Provider as ProviderKind;
use vica_fakes::FakeServer;
use vica_fakes::google::{CalendarEntry, DEFAULT_ACCESS_TOKEN, FakeGoogle};
use vica_sync::google::{Google, GoogleConfig};
use vica_sync::http::StaticToken;
use vica_sync::{Engine, SyncOptions};

const CALENDARS: [&str; 2] = ["work@example.com", "team@group.calendar.google.com"];

/// The child process: syncs the store at `VICA_CRASH_DB` from `VICA_CRASH_BASE`.
/// Ignored in a normal run; the parent starts it with `--ignored --exact crash_child`.
#[test]
#[ignore = "the crash test's child process, started by the parent test"]
fn crash_child() {
    let db = std::env::var("VICA_CRASH_DB").expect("run by the crash test");
    let base = std::env::var("VICA_CRASH_BASE").expect("run by the crash test");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::open(std::path::Path::new(&db)).unwrap();
        let account = store
            .add_account(ProviderKind::Google, "crash", None, false)
            .unwrap()
            .id;
        let engine = Engine::new(Arc::new(Mutex::new(store)), SyncOptions::default());
        let mut config = GoogleConfig::new(&base).unwrap();
        config.page_size = 100;
        let google = Arc::new(
            Google::new(config, Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN))).unwrap(),
        );
        let report = engine
            .sync_account(account, google, None, Arc::new(|_| {}))
            .await;
        assert!(report.is_ok(), "{report:?}");
    });
}

fn child(db: &std::path::Path, base: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--ignored", "--exact", "crash_child", "--test-threads=1"])
        .env("VICA_CRASH_DB", db)
        .env("VICA_CRASH_BASE", base);
    command
}

fn run_child(db: &std::path::Path, base: &str) -> std::process::Child {
    child(db, base)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn event(id: usize, version: usize) -> serde_json::Value {
    let start = Utc::now().trunc_subsecs(0) - Span::weeks(20)
        + Span::minutes((id as i64 * 7919) % (23 * 7 * 24 * 60));
    json!({
        "id": format!("ev{id:06}"),
        "status": "confirmed",
        "summary": format!("Event {id} v{version}"),
        "start": {"dateTime": start.to_rfc3339()},
        "end": {"dateTime": (start + Span::minutes(45)).to_rfc3339()}
    })
}

/// (calendar, id, title) of every live event on the server.
fn served(fake: &FakeGoogle) -> BTreeSet<(String, String, String)> {
    CALENDARS
        .iter()
        .flat_map(|c| {
            fake.live_events(c).into_iter().map(move |e| {
                (
                    c.to_string(),
                    e["id"].as_str().unwrap().to_owned(),
                    e["summary"].as_str().unwrap().to_owned(),
                )
            })
        })
        .collect()
}

/// Checks the store after a kill; returns its (calendar, id, title) rows.
fn check(db: &std::path::Path) -> BTreeSet<(String, String, String)> {
    let store = Store::open(db).expect("the store opens after a kill");
    assert_eq!(
        store.integrity_check().unwrap(),
        ["ok"],
        "integrity after a kill"
    );
    let sources = store.sources().unwrap();
    let now = Utc::now();
    let events = store
        .events_overlapping(now - Span::weeks(60), now + Span::weeks(60))
        .unwrap();
    let mut rows = BTreeSet::new();
    for e in &events {
        let cal = sources
            .iter()
            .find(|s| s.id == e.source_id)
            .unwrap()
            .provider_id
            .clone();
        assert!(
            rows.insert((cal, e.record.provider_id.clone(), e.record.title.clone())),
            "duplicate row for {}",
            e.record.provider_id
        );
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_at_random_moments_never_corrupts_or_duplicates() {
    let runs: usize = std::env::var("VICA_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let fake = FakeGoogle::start().await.unwrap();
    // Small pages and a little latency, so a sync spans many commits to land a kill between.
    fake.set_page_size(100);
    fake.set_latency(Duration::from_millis(3));
    for c in CALENDARS {
        fake.add_calendar(CalendarEntry::new(c, c));
    }
    let mut next_id = 0;
    for _ in 0..6000 {
        fake.put_event(CALENDARS[next_id % 2], event(next_id, 0));
        next_id += 1;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vica.db");
    let mut rng = fastrand::Rng::with_seed(0x5EED);
    let mut killed_mid_sync = 0;
    for run in 0..runs {
        // The server changes between runs: new, renamed, cancelled events; now and then a token reset.
        for _ in 0..rng.usize(0..40) {
            fake.put_event(CALENDARS[next_id % 2], event(next_id, run));
            next_id += 1;
        }
        for _ in 0..rng.usize(0..20) {
            let id = rng.usize(0..next_id);
            let cal = CALENDARS[id % 2];
            if rng.bool() {
                fake.put_event(cal, event(id, run + 1));
            } else {
                fake.cancel_event(cal, &format!("ev{id:06}"));
            }
        }
        if rng.usize(0..4) == 0 {
            fake.invalidate_sync_tokens();
        }
        let mut child = run_child(&db, &fake.base_url());
        tokio::time::sleep(Duration::from_millis(rng.u64(20..250))).await;
        if child.try_wait().unwrap().is_none() {
            killed_mid_sync += 1;
        }
        child.kill().ok(); // SIGKILL on Unix
        child.wait().unwrap();
        check(&db);
    }
    // A final sync runs to completion. On a slow machine every run above may
    // have been killed inside one full listing; the sync that finishes it
    // ends on the sync token of the listing's first page, so what changed on
    // the server since then comes with the next sync, which is incremental.
    // A lost change (a cursor that passed data never written) would stay lost
    // through both.
    let sync_to_completion = || {
        let last = child(&db, &fake.base_url()).output().unwrap();
        assert!(
            last.status.success(),
            "the final sync completes: {}{}",
            String::from_utf8_lossy(&last.stdout),
            String::from_utf8_lossy(&last.stderr)
        );
    };
    sync_to_completion();
    if check(&db) != served(&fake) {
        let store = Store::open(&db).unwrap();
        for source in store.sources().unwrap() {
            let cursor = store.sync_state(source.id).unwrap().and_then(|s| s.cursor);
            assert!(
                cursor.is_some_and(|c| c.contains(r#""full":false"#)),
                "a completed sync leaves no listing under way"
            );
        }
        eprintln!("the final sync finished a full listing; one more caught up with the server");
        sync_to_completion();
    }
    assert_eq!(check(&db), served(&fake));
    assert!(
        killed_mid_sync > 0,
        "at least one run was killed while syncing"
    );
    eprintln!(
        "{runs} runs, {killed_mid_sync} killed mid-sync, {} events in step",
        served(&fake).len()
    );
}
