//! Sync figures against the fake servers on loopback: ingest of 10,000 and
//! 100,000 events from the fake Google Calendar (events per second), then a
//! no-change incremental sync (requests made, milliseconds); ingest of 10,000
//! events from the fake Microsoft Graph and of 10,000 completed tasks from the
//! fake Todoist.
//!
//! Each Google ingest is compared, in the same run, with a bare rusqlite
//! insert of the same rows into the store's own table (one prepared
//! statement, one transaction per page of 2,500, WAL, every column the store
//! writes), with the same into a narrower table (14 columns, the same unique
//! key and indexes) and with the store's own write path alone
//! (`Store::write_page`, no HTTP): targets ≥ 50,000 events/s and within 3×
//! of the bare insert.
//!
//! Then the demo world: a no-change incremental sync over every demo source
//! (requests made, wall time), and the cached week (`Week::load` from the
//! store) against a live pull of the same week from the fakes with 100 ms of
//! latency per request, as an online-only app would do (calendar lists and
//! every source's pages of that week, sources in parallel): the ratio.
//!
//! Then what the moving sync window costs a Google calendar that did not
//! change (the client lists the slice the window gained after following the
//! sync token): a sync at the instant of the last one, a day later and a week
//! later (requests, wall time, events written), on the demo's Google
//! calendars and on a ten-year cache (series running for ten years and 5,000
//! one-off events, first synced with a ten-year window), the fake and the
//! engine on one clock that the bench moves.
//!
//! Then a history import of ten years of a busy Google calendar (the
//! ten-year calendar above and 40,000 more one-off events): the window's
//! sync first, then the import back to ten years ago in 13-week chunks,
//! timed (events per second, requests) with the peak memory it adds to the
//! process (`VmHWM` after the import less `VmRSS` before it, the peak reset
//! through `/proc/self/clear_refs`; the fake server shares the process, so
//! its pages count too).
//!
//! `cargo bench -p vica-sync --bench sync` prints the tables; the figures and
//! the machine go into docs/benchmarks.md; `scripts/bench.sh` gathers them
//! (`VICA_BENCH_FIGURES`). Set `VICA_BENCH_SIZES=10000` to run fewer sizes.

#![allow(clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{Duration, SubsecRound, Utc};
use serde_json::json;
use vica_core::Store;
use vica_core::model::Provider as ProviderKind;
use vica_core::model::{EventRecord, EventStatus, EventTime, Response, TaskRecord};
use vica_fakes::FakeServer;
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
    /// Bare rusqlite, the store's own table (the target's yardstick).
    bare_ms: f64,
    /// Bare rusqlite, a narrower table (14 columns).
    narrow_ms: f64,
    store_ms: f64,
    /// The same pages fetched again over HTTP, bodies read, nothing parsed.
    http_ms: f64,
    /// Those bodies through the client's parse and mapping alone.
    parse_ms: f64,
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
    let noop_requests = fake.requests().len();
    let (http_ms, parse_ms) = split(&fake, n).await;
    Row {
        events: n,
        http_ms,
        parse_ms,
        ingest_ms: ingest.as_secs_f64() * 1000.0,
        bare_ms: bare_insert_same_table(n),
        narrow_ms: bare_insert(n),
        store_ms: store_only(n),
        pages,
        noop_requests,
        noop_ms: noop.as_secs_f64() * 1000.0,
    }
}

/// The ingest's two other parts, measured apart: every page of the full
/// listing fetched over HTTP with the client's query (the fake's page
/// building, serialization and loopback transfer; bodies read, not parsed),
/// then those bodies through the client's parse and mapping alone (ms, ms).
async fn split(fake: &FakeGoogle, n: usize) -> (f64, f64) {
    let client = reqwest::Client::new();
    let now = Utc::now().trunc_subsecs(0);
    let (min, max) = (now - Duration::weeks(30), now + Duration::weeks(30));
    let mut bodies = Vec::new();
    let mut page: Option<String> = None;
    let t = Instant::now();
    loop {
        let mut url =
            reqwest::Url::parse(&format!("{}/calendars/{CALENDAR}/events", fake.base_url()))
                .expect("url");
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("singleEvents", "true");
            q.append_pair("maxResults", "2500");
            for t in [
                "default",
                "outOfOffice",
                "focusTime",
                "workingLocation",
                "birthday",
                "fromGmail",
            ] {
                q.append_pair("eventTypes", t);
            }
            q.append_pair(
                "timeMin",
                &min.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            );
            q.append_pair(
                "timeMax",
                &max.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            );
            if let Some(p) = &page {
                q.append_pair("pageToken", p);
            }
        }
        let body = client
            .get(url)
            .bearer_auth(DEFAULT_ACCESS_TOKEN)
            .send()
            .await
            .expect("request")
            .bytes()
            .await
            .expect("body");
        // Only the page token is looked for here: the next request needs it.
        let marker = b"\"nextPageToken\"";
        page = body
            .windows(marker.len())
            .rposition(|w| w == marker)
            .and_then(|at| {
                let rest = std::str::from_utf8(&body[at + marker.len()..]).ok()?;
                let start = rest.find('"')? + 1;
                let len = rest[start..].find('"')?;
                Some(rest[start..start + len].to_owned())
            });
        bodies.push(body);
        if page.is_none() {
            break;
        }
    }
    let http_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let mut events = 0;
    for body in &bodies {
        events += vica_sync::google::parse_events_json(body)
            .expect("page parses")
            .events
            .len();
    }
    let parse_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(events, n, "the split fetch saw every event");
    (http_ms, parse_ms)
}

/// The row the Google ingest writes for event `i` (same times, title and
/// location as the JSON the fake serves).
fn google_record(i: usize, now: chrono::DateTime<Utc>) -> EventRecord {
    let span_minutes = Duration::weeks(28).num_minutes();
    let start = now - Duration::weeks(25) + Duration::minutes((i as i64 * 7919) % span_minutes);
    let end = start + Duration::minutes(30 + (i as i64 % 4) * 15);
    let mut r = record(i);
    r.provider_id = format!("ev{i:07}");
    r.time = EventTime::Timed { start, end };
    r.time_zone = Some("Europe/Berlin".into());
    r
}

/// The same rows as the Google ingest, inserted with bare rusqlite into a
/// narrower events table (14 of its columns, its unique key and indexes, no
/// foreign key): one prepared upsert, one
/// transaction per 2,500 rows, WAL and `synchronous = NORMAL` like the store.
fn bare_insert(n: usize) -> f64 {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut conn = rusqlite::Connection::open(dir.path().join("bare.db")).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE TABLE events (
            id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, provider_id TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '', description TEXT, location TEXT,
            all_day INTEGER NOT NULL, start_utc INTEGER NOT NULL, end_utc INTEGER NOT NULL,
            time_zone TEXT, status TEXT NOT NULL, my_response TEXT,
            is_organizer INTEGER NOT NULL DEFAULT 0, attendee_count INTEGER NOT NULL DEFAULT 0,
            UNIQUE (source_id, provider_id));
         CREATE INDEX events_start ON events (start_utc);
         CREATE INDEX events_span ON events (end_utc - start_utc);",
    )
    .expect("schema");
    let now = Utc::now().trunc_subsecs(0);
    let rows: Vec<EventRecord> = (0..n).map(|i| google_record(i, now)).collect();
    let t = Instant::now();
    for chunk in rows.chunks(2500) {
        let tx = conn.transaction().expect("tx");
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO events (source_id, provider_id, title, description, location, all_day,
                        start_utc, end_utc, time_zone, status, my_response, is_organizer, attendee_count)
                     VALUES (1, ?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, 'confirmed', 'accepted', ?8, ?9)
                     ON CONFLICT (source_id, provider_id) DO UPDATE SET title = excluded.title,
                        description = excluded.description, location = excluded.location,
                        start_utc = excluded.start_utc, end_utc = excluded.end_utc",
                )
                .expect("prepare");
            for r in chunk {
                let EventTime::Timed { start, end } = r.time else {
                    unreachable!("timed rows only")
                };
                stmt.execute(rusqlite::params![
                    r.provider_id,
                    r.title,
                    r.description,
                    r.location,
                    start.timestamp(),
                    end.timestamp(),
                    r.time_zone,
                    r.is_organizer,
                    r.attendee_count,
                ])
                .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    t.elapsed().as_secs_f64() * 1000.0
}

/// A store at `path` with a Google account and its bench calendar: the
/// store and the calendar's source id.
fn bench_store(path: &std::path::Path) -> (Store, i64) {
    let store = Store::open(path).expect("store opens");
    let account = store
        .add_account(ProviderKind::Google, "bench", None, false)
        .expect("account")
        .id;
    let source = store
        .upsert_source(
            account,
            &vica_core::model::SourceRecord {
                kind: vica_core::model::SourceKind::Calendar,
                provider_id: CALENDAR.into(),
                name: "Bench".into(),
                color: None,
                is_primary: true,
                access_role: None,
            },
        )
        .expect("source")
        .id;
    (store, source)
}

/// The same rows inserted with bare rusqlite into the store's own events
/// table (made by `Store::open`, with its foreign key, CHECKs and indexes):
/// every column the store writes, one prepared upsert, one transaction per
/// 2,500 rows, with the store's pragmas. This is the "bare insert of the same
/// rows" the ingest target compares with; [`bare_insert`]'s narrower table
/// is kept as a second, stricter yardstick.
fn bare_insert_same_table(n: usize) -> f64 {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("vica.db");
    let (_, source) = bench_store(&path);
    let mut conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
    )
    .expect("pragmas");
    let now = Utc::now().trunc_subsecs(0);
    let rows: Vec<EventRecord> = (0..n).map(|i| google_record(i, now)).collect();
    let t = Instant::now();
    for chunk in rows.chunks(2500) {
        let tx = conn.transaction().expect("tx");
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO events (source_id, provider_id, title, description, location, all_day,
                         start_utc, end_utc, start_date, end_date, time_zone, status, my_response,
                         is_organizer, attendee_count, series_id, link, updated_at, generation, kind, show_as)
                     VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, NULL, NULL, ?8, 'confirmed', 'accepted',
                         ?9, ?10, ?11, ?12, ?13, 1, 'default', 'busy')
                     ON CONFLICT (source_id, provider_id) DO UPDATE SET
                         title = excluded.title, description = excluded.description,
                         location = excluded.location, start_utc = excluded.start_utc,
                         end_utc = excluded.end_utc, generation = excluded.generation",
                )
                .expect("prepare");
            for r in chunk {
                let EventTime::Timed { start, end } = r.time else {
                    unreachable!("timed rows only")
                };
                stmt.execute(rusqlite::params![
                    source,
                    r.provider_id,
                    r.title,
                    r.description,
                    r.location,
                    start.timestamp(),
                    end.timestamp(),
                    r.time_zone,
                    r.is_organizer,
                    r.attendee_count,
                    r.series_id,
                    r.link,
                    r.updated_at.map(|u| u.timestamp()),
                ])
                .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    t.elapsed().as_secs_f64() * 1000.0
}

/// The same rows through the store's write path alone (no HTTP, no JSON).
fn store_only(n: usize) -> f64 {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut store, source) = bench_store(&dir.path().join("vica.db"));
    let now = Utc::now().trunc_subsecs(0);
    let rows: Vec<EventRecord> = (0..n).map(|i| google_record(i, now)).collect();
    // The pages are made before the clock starts, as the engine hands the
    // store pages it already holds.
    let pages: Vec<vica_core::store::Page> = rows
        .chunks(2500)
        .map(|chunk| vica_core::store::Page {
            events: chunk.to_vec(),
            ..Default::default()
        })
        .collect();
    let t = Instant::now();
    for page in &pages {
        store
            .write_page(source, page, vica_core::store::CursorUpdate::Keep)
            .expect("page");
    }
    t.elapsed().as_secs_f64() * 1000.0
}

/// Appends one figure to the file named by `VICA_BENCH_FIGURES` (for
/// scripts/bench.sh): measure, value, unit, target, PASS/FAIL (or "-").
fn figure(measure: &str, value: f64, unit: &str, target: &str, pass: Option<bool>) {
    let Ok(path) = std::env::var("VICA_BENCH_FIGURES") else {
        return;
    };
    use std::io::Write;
    let verdict = match pass {
        Some(true) => "PASS",
        Some(false) => "FAIL",
        None => "-",
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("figures file");
    writeln!(f, "{measure}\t{value:.3}\t{unit}\t{target}\t{verdict}").expect("write figure");
}

/// The demo world served by the three fakes, synced into a store.
struct Demo {
    google: FakeGoogle,
    graph: graph::FakeGraph,
    todoist: todoist::FakeTodoist,
    store: Arc<Mutex<Store>>,
    engine: Engine,
    /// (account id, its client)
    accounts: Vec<(i64, Arc<dyn Provider>)>,
    _dir: tempfile::TempDir,
}

async fn demo() -> Demo {
    let today = Utc::now().date_naive();
    let world = vica_core::demo::world(today, chrono_tz::Europe::Berlin);
    let of = |p: ProviderKind| -> Vec<vica_core::demo::DemoAccount> {
        world.iter().filter(|a| a.provider == p).cloned().collect()
    };
    let google = FakeGoogle::start().await.expect("fake google");
    google.load_demo(&of(ProviderKind::Google));
    let graph = graph::FakeGraph::start().await.expect("fake graph");
    graph.load_demo(&of(ProviderKind::Microsoft));
    let todoist = todoist::FakeTodoist::start().await.expect("fake todoist");
    todoist.load_demo(&of(ProviderKind::Todoist));
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("vica.db")).expect("store opens");
    let mut settings = store.settings().expect("settings");
    settings.time_zone = Some("Europe/Berlin".into());
    store.save_settings(&settings).expect("settings");
    let clients: Vec<(ProviderKind, Arc<dyn Provider>)> = vec![
        (
            ProviderKind::Google,
            Arc::new(
                Google::new(
                    GoogleConfig::new(&google.base_url()).expect("url"),
                    Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN)),
                )
                .expect("client"),
            ),
        ),
        (
            ProviderKind::Microsoft,
            Arc::new(
                Outlook::new(
                    OutlookConfig::new(&graph.base_url()).expect("url"),
                    Arc::new(StaticToken::new(graph::DEFAULT_ACCESS_TOKEN)),
                )
                .expect("client"),
            ),
        ),
        (
            ProviderKind::Todoist,
            Arc::new(
                Todoist::new(
                    TodoistConfig::new(&todoist.base_url()).expect("url"),
                    Arc::new(StaticToken::new(todoist::DEFAULT_ACCESS_TOKEN)),
                )
                .expect("client"),
            ),
        ),
    ];
    let mut accounts = Vec::new();
    for account in &world {
        let id = store
            .add_account(account.provider, &account.label, None, true)
            .expect("account")
            .id;
        let client = clients
            .iter()
            .find(|(p, _)| *p == account.provider)
            .expect("a client for every demo provider")
            .1
            .clone();
        accounts.push((id, client));
    }
    let store = Arc::new(Mutex::new(store));
    let engine = Engine::new(store.clone(), SyncOptions::default());
    let demo = Demo {
        google,
        graph,
        todoist,
        store,
        engine,
        accounts,
        _dir: dir,
    };
    let report = demo.sync_all().await;
    assert!(report.iter().all(|r| r.is_ok()), "{report:?}");
    demo
}

impl Demo {
    async fn sync_all(&self) -> Vec<vica_sync::SyncReport> {
        let mut reports = Vec::new();
        for (id, client) in &self.accounts {
            reports.push(
                self.engine
                    .sync_account(*id, client.clone(), None, Arc::new(|_| {}))
                    .await,
            );
        }
        reports
    }

    fn servers(&self) -> [&dyn FakeServer; 3] {
        [&self.google, &self.graph, &self.todoist]
    }

    fn requests(&self) -> usize {
        self.servers().iter().map(|s| s.requests().len()).sum()
    }

    fn clear_requests(&self) {
        self.servers().iter().for_each(|s| s.clear_requests());
    }

    fn set_latency(&self, d: std::time::Duration) {
        self.servers().iter().for_each(|s| s.set_latency(d));
    }
}

/// A no-change sync of every demo account: (sources, requests, ms).
async fn demo_noop(demo: &Demo) -> (usize, usize, f64) {
    demo.clear_requests();
    let t = Instant::now();
    let reports = demo.sync_all().await;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    assert!(reports.iter().all(|r| r.is_ok()), "{reports:?}");
    let sources = reports.iter().map(|r| r.sources.len()).sum();
    let written: u64 = reports
        .iter()
        .flat_map(|r| &r.sources)
        .map(|s| s.written)
        .sum();
    // Todoist lists the recent past afresh on every sync, so it rewrites those tasks.
    eprintln!("no-change sync rewrote {written} items (Todoist's recent past)");
    // What each request was, so docs/benchmarks.md can say where they go.
    for (server, name) in demo.servers().iter().zip(["Google", "Graph", "Todoist"]) {
        for r in server.requests() {
            eprintln!("  {name}: {} {}", r.method, r.path);
        }
    }
    (sources, demo.requests(), ms)
}

/// The current week from the cache (median ms of 50 loads) and pulled live
/// from the fakes with 100 ms per request (ms, requests).
async fn cached_vs_live(demo: &Demo) -> (f64, f64, usize) {
    use vica_core::week::{Week, WeekKey};
    let (settings, key) = {
        let store = demo.store.lock().expect("store");
        let settings = store.settings().expect("settings");
        let key = WeekKey::current(settings.zone(), settings.week_start);
        (settings, key)
    };
    let mut cached = Vec::new();
    for _ in 0..50 {
        let store = demo.store.lock().expect("store");
        let t = Instant::now();
        let week = Week::load(&store, key, &settings).expect("week");
        cached.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(week.days.iter().any(|d| !d.events.is_empty()));
    }
    cached.sort_by(f64::total_cmp);
    let cached_ms = cached[cached.len() / 2];

    // An online-only app: list each account's sources, then every source's
    // pages for that week, sources in parallel.
    let zone = settings.zone();
    let first = key.first_day(settings.week_start);
    let at = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(zone).earliest())
            .expect("midnight")
            .with_timezone(&Utc)
    };
    let window = vica_sync::provider::Window {
        start: at(first),
        end: at(first + Duration::days(7)),
    };
    demo.set_latency(std::time::Duration::from_millis(100));
    demo.clear_requests();
    let t = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let stored = demo
        .store
        .lock()
        .expect("store")
        .sources()
        .expect("sources");
    for (account, client) in &demo.accounts {
        let client = client.clone();
        let sources: Vec<vica_core::model::Source> = stored
            .iter()
            .filter(|s| s.account_id == *account && s.included)
            .cloned()
            .collect();
        tasks.spawn(async move {
            // The app would list the account's sources first.
            client.list_sources().await.expect("sources");
            let mut pulls = tokio::task::JoinSet::new();
            for source in sources {
                let client = client.clone();
                pulls.spawn(async move {
                    let mut cursor: Option<String> = None;
                    let mut items = 0;
                    loop {
                        let page = client
                            .fetch(&source, cursor.as_deref(), window)
                            .await
                            .expect("page");
                        items += page.events.len() + page.tasks.len();
                        match page.next {
                            vica_sync::provider::Next::More(c) => cursor = Some(c),
                            vica_sync::provider::Next::Done(_) => break items,
                        }
                    }
                });
            }
            let mut items = 0;
            while let Some(n) = pulls.join_next().await {
                items += n.expect("pull");
            }
            items
        });
    }
    let mut items = 0;
    while let Some(n) = tasks.join_next().await {
        items += n.expect("account");
    }
    let live_ms = t.elapsed().as_secs_f64() * 1000.0;
    demo.set_latency(std::time::Duration::ZERO);
    assert!(items > 0, "the live pull found nothing");
    (cached_ms, live_ms, demo.requests())
}

/// One no-change sync of a Google account on a clock the bench moves.
struct WindowRow {
    label: String,
    requests: usize,
    ms: f64,
    written: u64,
}

/// What the moving window costs: see the module doc.
async fn moving_window() -> Vec<WindowRow> {
    use vica_core::clock::ManualClock;
    let now = Utc::now().trunc_subsecs(0);
    let mut rows = Vec::new();
    for cache in ["demo", "ten-year cache"] {
        let clock = ManualClock::new(now);
        let fake = FakeGoogle::start().await.expect("fake google");
        fake.set_clock(clock.shared());
        let weeks_back = if cache == "demo" {
            let world = vica_core::demo::world(now.date_naive(), chrono_tz::Europe::Berlin);
            fake.load_demo(&world);
            26
        } else {
            ten_years(&fake, now);
            522
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("vica.db")).expect("store opens");
        let account = store
            .add_account(ProviderKind::Google, "bench", None, false)
            .expect("account")
            .id;
        let store = Arc::new(Mutex::new(store));
        let google: Arc<dyn Provider> = Arc::new(
            Google::new(
                GoogleConfig::new(&fake.base_url()).expect("url"),
                Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN)),
            )
            .expect("client"),
        );
        let options = |weeks_back| SyncOptions {
            weeks_back,
            clock: clock.shared(),
            ..SyncOptions::default()
        };
        // The cache: a first sync of `weeks_back`, then the usual window.
        let first = Engine::new(store.clone(), options(weeks_back));
        let report = first
            .sync_account(account, google.clone(), None, Arc::new(|_| {}))
            .await;
        assert!(report.is_ok(), "{report:?}");
        let engine = Engine::new(store.clone(), options(26));
        let report = engine
            .sync_account(account, google.clone(), None, Arc::new(|_| {}))
            .await;
        assert!(report.is_ok(), "{report:?}");
        let calendars = report.sources.len();
        for (when, later) in [
            ("at the same instant", Duration::zero()),
            ("a day later", Duration::days(1)),
            ("a week later", Duration::weeks(1)),
        ] {
            clock.advance(later);
            fake.clear_requests();
            let t = Instant::now();
            let report = engine
                .sync_account(account, google.clone(), None, Arc::new(|_| {}))
                .await;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            assert!(report.is_ok(), "{report:?}");
            rows.push(WindowRow {
                label: format!("{cache} ({calendars} calendars), no-change sync {when}"),
                requests: fake.requests().len(),
                ms,
                written: report.sources.iter().map(|s| s.written).sum(),
            });
        }
        if cache != "demo" {
            // The server's share: the fake expands every series from its
            // start for each listing at a new "now" (a real server does its
            // own work); here alone, for a one-day slice, no HTTP.
            clock.advance(Duration::seconds(1));
            let end = vica_core::clock::Clock::now(&clock) + Duration::weeks(4);
            let t = Instant::now();
            let listed = fake.instances(CALENDAR, Some(end - Duration::days(1)), Some(end));
            rows.push(WindowRow {
                label: format!("{cache}: the fake alone listing a one-day slice (server side)"),
                requests: 0,
                ms: t.elapsed().as_secs_f64() * 1000.0,
                written: listed.len() as u64,
            });
        }
    }
    rows
}

/// Ten years of a work calendar: standups, 1:1s, planning and an all-hands
/// running since ten years ago, and 5,000 one-off events spread over them.
fn ten_years(fake: &FakeGoogle, now: chrono::DateTime<Utc>) {
    fake.add_calendar(CalendarEntry::new(CALENDAR, "Ten years"));
    let start = (now - Duration::weeks(520)).date_naive();
    let at = |days: i64, h: u32| {
        (start + Duration::days(days))
            .and_hms_opt(h, 0, 0)
            .expect("time")
            .and_utc()
    };
    for (id, first, rule) in [
        ("standup", at(0, 8), "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"),
        ("oneonone", at(1, 14), "RRULE:FREQ=WEEKLY"),
        ("planning", at(2, 12), "RRULE:FREQ=WEEKLY;INTERVAL=2"),
        ("allhands", at(3, 16), "RRULE:FREQ=MONTHLY;BYDAY=1TH"),
    ] {
        fake.put_event(
            CALENDAR,
            json!({
                "id": id,
                "summary": id,
                "start": {"dateTime": first.to_rfc3339(), "timeZone": "Europe/Berlin"},
                "end": {"dateTime": (first + Duration::minutes(30)).to_rfc3339(), "timeZone": "Europe/Berlin"},
                "recurrence": [rule],
            }),
        );
    }
    let span = Duration::weeks(524).num_minutes();
    for i in 0..5_000i64 {
        let t = now - Duration::weeks(520) + Duration::minutes((i * 7919) % span);
        fake.put_event(
            CALENDAR,
            json!({
                "id": format!("once{i:05}"),
                "summary": format!("Meeting {i}"),
                "start": {"dateTime": t.to_rfc3339(), "timeZone": "UTC"},
                "end": {"dateTime": (t + Duration::minutes(45)).to_rfc3339(), "timeZone": "UTC"},
            }),
        );
    }
}

struct ImportRow {
    events: u64,
    ms: f64,
    requests: usize,
    peak_kib: u64,
}

/// A line of `/proc/self/status` in KiB (`VmRSS`, `VmHWM`); 0 where there is none.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Ten years of a busy calendar imported: see the module doc.
async fn import_ten_years() -> ImportRow {
    use vica_sync::engine::HistorySince;
    use vica_sync::import::Cancel;
    let now = Utc::now().trunc_subsecs(0);
    let fake = FakeGoogle::start().await.expect("fake google");
    ten_years(&fake, now);
    let span = Duration::weeks(520).num_minutes();
    for i in 0..40_000i64 {
        let t = now - Duration::weeks(520) + Duration::minutes((i * 104_729) % span);
        fake.put_event(
            CALENDAR,
            json!({
                "id": format!("busy{i:05}"),
                "summary": format!("Busy {i}"),
                "start": {"dateTime": t.to_rfc3339(), "timeZone": "UTC"},
                "end": {"dateTime": (t + Duration::minutes(30)).to_rfc3339(), "timeZone": "UTC"},
            }),
        );
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("vica.db")).expect("store opens");
    let account = store
        .add_account(ProviderKind::Google, "bench", None, false)
        .expect("account")
        .id;
    let since = HistorySince::new((now - Duration::weeks(520)).date_naive(), chrono_tz::UTC);
    let engine = Engine::new(
        Arc::new(Mutex::new(store)),
        SyncOptions {
            history_since: Some(since),
            ..SyncOptions::default()
        },
    );
    let google: Arc<dyn Provider> = Arc::new(
        Google::new(
            GoogleConfig::new(&fake.base_url()).expect("url"),
            Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN)),
        )
        .expect("client"),
    );
    let report = engine
        .sync_account(account, google.clone(), None, Arc::new(|_| {}))
        .await;
    assert!(report.is_ok(), "{report:?}");
    fake.clear_requests();
    // Forget the peak so far (the fake's calendar, the window's sync).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status_kib("VmRSS:");
    let t = Instant::now();
    let reports = engine
        .import_history(account, google, None, Arc::new(|_| {}), &Cancel::new())
        .await;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let peak = status_kib("VmHWM:");
    assert!(reports.iter().all(|r| r.complete()), "{reports:?}");
    ImportRow {
        events: reports.iter().map(|r| r.written).sum(),
        ms,
        requests: fake.requests().len(),
        peak_kib: peak.saturating_sub(before),
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
        "| events | pages | ingest ms | events/s | bare rusqlite ms | ingest ÷ bare | bare rusqlite, narrow table ms | ingest ÷ narrow | store write_page only ms | fake pages over HTTP only ms | client parse + map only ms | no-change sync: requests | no-change sync: ms |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let r = rt.block_on(run(n));
        let rate = r.events as f64 / (r.ingest_ms / 1000.0);
        let ratio = r.ingest_ms / r.bare_ms;
        let narrow = r.ingest_ms / r.narrow_ms;
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.0} | {:.1}× | {:.0} | {:.1}× | {:.0} | {:.0} | {:.0} | {} | {:.1} |",
            r.events,
            r.pages,
            r.ingest_ms,
            rate,
            r.bare_ms,
            ratio,
            r.narrow_ms,
            narrow,
            r.store_ms,
            r.http_ms,
            r.parse_ms,
            r.noop_requests,
            r.noop_ms
        );
        figure(
            &format!("Google ingest {n} events"),
            rate,
            "events/s",
            "≥ 50,000/s",
            Some(rate >= 50_000.0),
        );
        figure(
            &format!("Google ingest {n} events ÷ bare rusqlite insert"),
            ratio,
            "×",
            "≤ 3×",
            Some(ratio <= 3.0),
        );
        figure(
            &format!("Google ingest {n} events ÷ bare insert into a narrower table"),
            narrow,
            "×",
            "-",
            None,
        );
        figure(
            &format!("store write_page only, {n} events"),
            r.events as f64 / (r.store_ms / 1000.0),
            "events/s",
            "-",
            None,
        );
        figure(
            &format!("fake pages over HTTP only, {n} events"),
            r.events as f64 / (r.http_ms / 1000.0),
            "events/s",
            "-",
            None,
        );
        figure(
            &format!("client parse + map only, {n} events"),
            r.events as f64 / (r.parse_ms / 1000.0),
            "events/s",
            "-",
            None,
        );
    }
    println!();
    let demo = rt.block_on(demo());
    let (sources, requests, noop_ms) = rt.block_on(demo_noop(&demo));
    let (cached_ms, live_ms, live_requests) = rt.block_on(cached_vs_live(&demo));
    println!("| demo world | value |");
    println!("|---|---:|");
    println!("| no-change sync of {sources} demo sources: requests | {requests} |");
    println!("| no-change sync of {sources} demo sources: ms | {noop_ms:.1} |");
    println!("| current week from the cache (median of 50): ms | {cached_ms:.3} |");
    println!(
        "| the same week pulled live, 100 ms per request ({live_requests} requests): ms | {live_ms:.0} |"
    );
    println!("| live ÷ cached | {:.0}× |", live_ms / cached_ms);
    figure(
        &format!("no-change sync, {sources} demo sources: requests"),
        requests as f64,
        "requests",
        "-",
        None,
    );
    figure(
        &format!("no-change sync, {sources} demo sources: wall time"),
        noop_ms,
        "ms",
        "-",
        None,
    );
    figure(
        "cached week (median)",
        cached_ms,
        "ms",
        "≤ 1 ms",
        Some(cached_ms <= 1.0),
    );
    figure(
        "live pull of the week, 100 ms/request",
        live_ms,
        "ms",
        "-",
        None,
    );
    figure(
        "live pull ÷ cached week",
        live_ms / cached_ms,
        "×",
        "-",
        None,
    );
    println!();
    println!("| Google, moving window | requests | ms | events written |");
    println!("|---|---:|---:|---:|");
    for row in rt.block_on(moving_window()) {
        println!(
            "| {} | {} | {:.1} | {} |",
            row.label, row.requests, row.ms, row.written
        );
        figure(
            &format!("{}: requests", row.label),
            row.requests as f64,
            "requests",
            "-",
            None,
        );
        figure(
            &format!("{}: wall time", row.label),
            row.ms,
            "ms",
            "-",
            None,
        );
    }
    println!();
    let import = rt.block_on(import_ten_years());
    let rate = import.events as f64 / (import.ms / 1000.0);
    println!("| history import, ten years of a busy calendar | value |");
    println!("|---|---:|");
    println!("| events imported | {} |", import.events);
    println!("| requests | {} |", import.requests);
    println!("| wall time: ms | {:.0} |", import.ms);
    println!("| events/s | {rate:.0} |");
    println!(
        "| peak memory added: MiB | {:.1} |",
        import.peak_kib as f64 / 1024.0
    );
    figure(
        "history import, ten years of a busy calendar",
        rate,
        "events/s",
        "-",
        None,
    );
    figure(
        "history import, ten years: peak memory added",
        import.peak_kib as f64 / 1024.0,
        "MiB",
        "-",
        None,
    );
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
        let rate = items as f64 / (ms / 1000.0);
        println!("| {name} | {items} | {ms:.0} | {rate:.0} |");
        figure(
            &format!("{name} ingest, {items}"),
            rate,
            "items/s",
            "-",
            None,
        );
    }
}
