//! Crash test: a sync killed with SIGKILL at random moments leaves a
//! consistent store, and the next sync completes it.
//!
//! The parent test serves a large calendar from the fake Google server and
//! runs the sync in a child process (this same test binary, in child mode),
//! killing it after a random delay, again and again, while the server's data
//! changes between runs. After every kill the store passes SQLite's integrity
//! check and holds no duplicate; a final sync makes it equal to the server.
//!
//! The same for a history import (the window's sync, then the past back to a
//! day, page by page) and for an ICS folder.
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
use vica_sync::engine::HistorySince;
use vica_sync::google::{Google, GoogleConfig};
use vica_sync::http::StaticToken;
use vica_sync::import::Cancel;
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
    check_within(db, 60)
}

/// [`check`] over the events within `weeks` of now.
fn check_within(db: &std::path::Path, weeks: i64) -> BTreeSet<(String, String, String)> {
    let store = Store::open(db).expect("the store opens after a kill");
    assert_eq!(
        store.integrity_check().unwrap(),
        ["ok"],
        "integrity after a kill"
    );
    let sources = store.sources().unwrap();
    let now = Utc::now();
    let events = store
        .events_overlapping(now - Span::weeks(weeks), now + Span::weeks(weeks))
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
    // then follows the sync token the listing ended with, so what changed on
    // the server while it was broken off comes in that same sync. A lost
    // change (a cursor that passed data never written) would stay lost.
    let last = child(&db, &fake.base_url()).output().unwrap();
    assert!(
        last.status.success(),
        "the final sync completes: {}{}",
        String::from_utf8_lossy(&last.stdout),
        String::from_utf8_lossy(&last.stderr)
    );
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

// ---- A history import ----

/// How far back the import reaches, and how far back the server's events go.
const IMPORT_WEEKS: i64 = 90;
const PAST_WEEKS: i64 = 100;

/// The import child: syncs the window, then imports the past back to
/// [`IMPORT_WEEKS`] ago, into the store at `VICA_CRASH_DB` (whose first
/// account it uses) from `VICA_CRASH_BASE`.
#[test]
#[ignore = "the import crash test's child process, started by the parent test"]
fn crash_child_import() {
    let db = std::env::var("VICA_CRASH_DB").expect("run by the crash test");
    let base = std::env::var("VICA_CRASH_BASE").expect("run by the crash test");
    let since: chrono::NaiveDate = std::env::var("VICA_CRASH_SINCE")
        .expect("run by the crash test")
        .parse()
        .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::open(std::path::Path::new(&db)).unwrap();
        let account = store.accounts().unwrap()[0].id;
        let engine = Engine::new(
            Arc::new(Mutex::new(store)),
            SyncOptions {
                history_since: Some(HistorySince::new(since, chrono_tz::UTC)),
                ..SyncOptions::default()
            },
        );
        let mut config = GoogleConfig::new(&base).unwrap();
        config.page_size = 100;
        let google: Arc<Google> = Arc::new(
            Google::new(config, Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN))).unwrap(),
        );
        let report = engine
            .sync_account(account, google.clone(), None, Arc::new(|_| {}))
            .await;
        assert!(report.is_ok(), "{report:?}");
        let reports = engine
            .import_history(account, google, None, Arc::new(|_| {}), &Cancel::new())
            .await;
        // An import already complete has nothing left to report.
        assert!(reports.iter().all(|r| r.complete()), "{reports:?}");
    });
}

/// A past event: between the window's start and [`PAST_WEEKS`] ago.
fn past_event(id: usize) -> serde_json::Value {
    let span = (PAST_WEEKS - 27) * 7 * 24 * 60;
    let start =
        Utc::now().trunc_subsecs(0) - Span::weeks(27) - Span::minutes((id as i64 * 7919) % span);
    json!({
        "id": format!("past{id:06}"),
        "status": "confirmed",
        "summary": format!("Past {id}"),
        "start": {"dateTime": start.to_rfc3339()},
        "end": {"dateTime": (start + Span::minutes(45)).to_rfc3339()}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_import_killed_at_random_moments_converges() {
    let runs: usize = std::env::var("VICA_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let fake = FakeGoogle::start().await.unwrap();
    fake.set_page_size(100);
    fake.set_latency(Duration::from_millis(8));
    for c in CALENDARS {
        fake.add_calendar(CalendarEntry::new(c, c));
    }
    // The window's few events, and the past's many.
    for id in 0..200 {
        fake.put_event(CALENDARS[id % 2], event(id, 0));
    }
    for id in 0..4000 {
        fake.put_event(CALENDARS[id % 2], past_event(id));
    }
    let since = (Utc::now() - Span::weeks(IMPORT_WEEKS)).date_naive();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vica.db");
    Store::open(&db)
        .unwrap()
        .add_account(ProviderKind::Google, "crash", None, false)
        .unwrap();
    let child = || {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "--ignored",
                "--exact",
                "crash_child_import",
                "--test-threads=1",
            ])
            .env("VICA_CRASH_DB", &db)
            .env("VICA_CRASH_BASE", fake.base_url())
            .env("VICA_CRASH_SINCE", since.to_string());
        command
    };
    let mut rng = fastrand::Rng::with_seed(0x1A9);
    let mut killed_mid_import = 0;
    let mut imported_before = 0;
    for _ in 0..runs {
        let mut running = child()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(rng.u64(20..600))).await;
        if running.try_wait().unwrap().is_none() {
            killed_mid_import += 1;
        }
        running.kill().ok(); // SIGKILL on Unix
        running.wait().unwrap();
        let rows = check_within(&db, PAST_WEEKS + 10);
        // Nothing committed is lost: the store only grows (the past does not change).
        assert!(rows.len() >= imported_before, "rows were lost after a kill");
        imported_before = rows.len();
    }
    let last = child().output().unwrap();
    assert!(
        last.status.success(),
        "the final import completes: {}{}",
        String::from_utf8_lossy(&last.stdout),
        String::from_utf8_lossy(&last.stderr)
    );
    // Everything the server holds from the day on (an event that ends after
    // the day's first moment is on it), nothing from before.
    let day_start = since.and_time(chrono::NaiveTime::MIN).and_utc();
    let expected: BTreeSet<(String, String, String)> = CALENDARS
        .iter()
        .flat_map(|c| {
            fake.live_events(c).into_iter().filter_map(move |e| {
                let end = chrono::DateTime::parse_from_rfc3339(e["end"]["dateTime"].as_str()?)
                    .ok()?
                    .with_timezone(&Utc);
                (end > day_start).then(|| {
                    (
                        c.to_string(),
                        e["id"].as_str().unwrap().to_owned(),
                        e["summary"].as_str().unwrap().to_owned(),
                    )
                })
            })
        })
        .collect();
    assert!(expected.len() > 3000, "{}", expected.len());
    assert_eq!(check_within(&db, PAST_WEEKS + 10), expected);
    let imports = Store::open(&db).unwrap().history_imports().unwrap();
    assert_eq!(imports.len(), CALENDARS.len());
    for i in &imports {
        assert!(
            i.reached <= i.since_utc && i.chunk.is_none() && i.stopped.is_none(),
            "{i:?}"
        );
    }
    assert!(
        killed_mid_import > 0,
        "at least one run was killed while importing"
    );
    eprintln!(
        "{runs} runs, {killed_mid_import} killed mid-run, {} events in step",
        expected.len()
    );
}

// ---- An ICS folder ----

/// The ICS child: syncs the folder at `VICA_CRASH_ICS_DIR` into `VICA_CRASH_DB`.
#[test]
#[ignore = "the ICS crash test's child process, started by the parent test"]
fn crash_child_ics() {
    let db = std::env::var("VICA_CRASH_DB").expect("run by the crash test");
    let dir = std::env::var("VICA_CRASH_ICS_DIR").expect("run by the crash test");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let report = sync_folder(Store::open(std::path::Path::new(&db)).unwrap(), &dir).await;
        assert!(report.is_ok(), "{report:?}");
    });
}

async fn sync_folder(store: Store, dir: &str) -> vica_sync::SyncReport {
    use vica_sync::ics::{Ics, IcsConfig, Location};
    let account = store
        .add_account(ProviderKind::Ics, "crash-ics", None, false)
        .unwrap()
        .id;
    let engine = Engine::new(Arc::new(Mutex::new(store)), SyncOptions::default());
    let ics = Ics::new(
        Location::parse(dir).unwrap(),
        chrono_tz::UTC,
        IcsConfig::default(),
    )
    .unwrap();
    engine
        .sync_account(account, Arc::new(ics), None, Arc::new(|_| {}))
        .await
}

/// File `i` of the folder at `version`: one event, every 25th a weekly series
/// of six, from twenty weeks back to two weeks ahead.
fn ics_file(i: usize, version: usize) -> String {
    let start = Utc::now().trunc_subsecs(0) - Span::weeks(20)
        + Span::minutes((i as i64 * 7919) % (22 * 7 * 24 * 60));
    let at = |t: chrono::DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let rule = if i.is_multiple_of(25) {
        "RRULE:FREQ=WEEKLY;COUNT=6\r\n"
    } else {
        ""
    };
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:ev{i:06}\r\nDTSTART:{}\r\nDURATION:PT45M\r\n{rule}SUMMARY:Event {i} v{version}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        at(start)
    )
}

/// Writes file `i`, its modification time `tick` seconds after 2026-01-01
/// (distinct for each write, as an editor's would be).
fn put_file(dir: &std::path::Path, i: usize, version: usize, tick: u64) {
    let path = dir.join(format!("ev{i:06}.ics"));
    std::fs::write(&path, ics_file(i, version)).unwrap();
    let when = std::time::UNIX_EPOCH + Duration::from_secs(1_767_225_600 + tick);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ics_folder_sync_killed_at_random_moments_converges() {
    let runs: usize = std::env::var("VICA_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("calendar");
    std::fs::create_dir(&folder).unwrap();
    let mut tick = 0;
    let mut live: Vec<usize> = (0..1500).collect();
    for &i in &live {
        tick += 1;
        put_file(&folder, i, 0, tick);
    }
    let mut next = live.len();
    let db = dir.path().join("vica.db");
    let child = |db: &std::path::Path| {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "--ignored",
                "--exact",
                "crash_child_ics",
                "--test-threads=1",
            ])
            .env("VICA_CRASH_DB", db)
            .env("VICA_CRASH_ICS_DIR", &folder);
        command
    };
    let mut rng = fastrand::Rng::with_seed(0x1C5);
    let mut killed_mid_sync = 0;
    for run in 0..runs {
        // Between runs files change, appear and go, as a vdirsyncer run would leave them.
        for _ in 0..rng.usize(0..30) {
            let i = live[rng.usize(0..live.len())];
            tick += 1;
            put_file(&folder, i, run + 1, tick);
        }
        for _ in 0..rng.usize(0..10) {
            tick += 1;
            put_file(&folder, next, run, tick);
            live.push(next);
            next += 1;
        }
        for _ in 0..rng.usize(0..10) {
            let i = live.swap_remove(rng.usize(0..live.len()));
            std::fs::remove_file(folder.join(format!("ev{i:06}.ics"))).unwrap();
        }
        let mut running = child(&db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(rng.u64(20..600))).await;
        if running.try_wait().unwrap().is_none() {
            killed_mid_sync += 1;
        }
        running.kill().ok();
        running.wait().unwrap();
        check(&db);
    }
    let last = child(&db).output().unwrap();
    assert!(
        last.status.success(),
        "the final sync completes: {}{}",
        String::from_utf8_lossy(&last.stdout),
        String::from_utf8_lossy(&last.stderr)
    );
    // What a fresh sync of the folder as it is now holds.
    let fresh_db = dir.path().join("fresh.db");
    let report = sync_folder(Store::open(&fresh_db).unwrap(), folder.to_str().unwrap()).await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(check(&db), check(&fresh_db));
    assert!(
        killed_mid_sync > 0,
        "at least one run was killed while syncing"
    );
    // And the state per file is the folder's.
    let store = Store::open(&db).unwrap();
    let source = store.sources().unwrap()[0].id;
    assert_eq!(store.ics_files(source).unwrap().len(), live.len());
    eprintln!(
        "{runs} runs, {killed_mid_sync} killed mid-sync, {} files in step",
        live.len()
    );
}
