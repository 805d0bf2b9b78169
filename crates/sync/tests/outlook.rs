//! The engine and the Outlook client against the fake Microsoft Graph server on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Duration as Span, NaiveDateTime, SubsecRound, TimeZone, Utc};
use serde_json::{Value, json};
use vica_core::Store;
use vica_core::clock::{Clock, ManualClock};
use vica_core::model::{AccountStatus, EventTime, Provider as ProviderKind, Response};
use vica_fakes::FakeServer;
use vica_fakes::graph::{CalendarEntry, DEFAULT_ACCESS_TOKEN, FakeGraph, Fault};
use vica_sync::engine::{Progress, SyncReport};
use vica_sync::http::{RetryPolicy, StaticToken};
use vica_sync::oauth::ProviderSettings;
use vica_sync::outlook::{Outlook, OutlookConfig};
use vica_sync::{Engine, SyncEvent, SyncOptions};

const WORK: &str = "AAMkAGI2TG93AAA=";
const TEAM: &str = "AAMkAGI2team+/x";

struct World {
    fake: FakeGraph,
    store: Arc<Mutex<Store>>,
    engine: Engine,
    outlook: Arc<Outlook>,
    account: i64,
    _dir: tempfile::TempDir,
    events: Arc<Mutex<Vec<SyncEvent>>>,
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(3),
        timeout: Duration::from_secs(5),
    }
}

fn client(fake: &FakeGraph, policy: RetryPolicy, page_size: u32) -> Arc<Outlook> {
    let mut config = OutlookConfig::new(&fake.base_url()).unwrap();
    config.page_size = page_size;
    config.retry = policy;
    Arc::new(Outlook::new(config, Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN))).unwrap())
}

async fn world_with(policy: RetryPolicy, page_size: u32) -> World {
    let fake = FakeGraph::start().await.unwrap();
    let mut work = CalendarEntry::new(WORK, "Calendar");
    work.is_default = true;
    work.color = "lightBlue".into();
    fake.add_calendar(work);
    let mut team = CalendarEntry::new(TEAM, "Team");
    team.hex_color = "#C2410C".into();
    team.can_edit = false;
    team.owner = Some(("Sam".into(), "sam@contoso.example".into()));
    fake.add_calendar(team);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("vica.db")).unwrap();
    let account = store
        .add_account(ProviderKind::Microsoft, "alex@contoso.example", None, false)
        .unwrap()
        .id;
    let store = Arc::new(Mutex::new(store));
    let engine = Engine::new(store.clone(), SyncOptions::default());
    let outlook = client(&fake, policy, page_size);
    World {
        fake,
        store,
        engine,
        outlook,
        account,
        _dir: dir,
        events: Arc::default(),
    }
}

async fn world() -> World {
    world_with(fast_retries(), 7).await
}

fn graph_time(t: DateTime<Utc>) -> String {
    t.naive_utc()
        .format("%Y-%m-%dT%H:%M:%S.0000000")
        .to_string()
}

/// A timed Graph event `hours` from now, with the user invited and one guest.
fn event(id: &str, title: &str, hours: i64) -> Value {
    let start = Utc::now().trunc_subsecs(0) + Span::hours(hours);
    let end = start + Span::minutes(45);
    json!({
        "id": id,
        "subject": title,
        "start": {"dateTime": graph_time(start), "timeZone": "UTC"},
        "end": {"dateTime": graph_time(end), "timeZone": "UTC"},
        "isOrganizer": false,
        "responseStatus": {"response": "accepted", "time": "2026-01-01T00:00:00Z"},
        "organizer": {"emailAddress": {"address": "sam@contoso.example"}},
        "attendees": [
            {"type": "required", "status": {"response": "accepted"}, "emailAddress": {"address": "alex@contoso.example"}},
            {"type": "required", "status": {"response": "none"}, "emailAddress": {"address": "kim@contoso.example"}}
        ]
    })
}

/// A timed Graph event starting at `start`, 45 minutes long.
fn event_at(id: &str, title: &str, start: DateTime<Utc>) -> Value {
    let mut e = event(id, title, 0);
    e["start"] = json!({"dateTime": graph_time(start), "timeZone": "UTC"});
    e["end"] = json!({"dateTime": graph_time(start + Span::minutes(45)), "timeZone": "UTC"});
    e
}

/// How long a window a request names.
fn window_span(r: &vica_fakes::graph::RecordedRequest) -> Span {
    let at = |name: &str| {
        DateTime::parse_from_rfc3339(r.param(name).unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    at("endDateTime") - at("startDateTime")
}

/// A calendar view delta request, in any of Graph's spellings.
fn is_delta(r: &vica_fakes::graph::RecordedRequest) -> bool {
    let path = r.path.to_ascii_lowercase();
    path.ends_with("/calendarview/delta") || path.ends_with("/calendarview/delta()")
}

/// A windowed calendar view listing.
fn is_listing(r: &vica_fakes::graph::RecordedRequest) -> bool {
    r.path.to_ascii_lowercase().ends_with("/calendarview")
}

/// A path segment with its `%XX` escapes decoded.
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match segment.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16)) {
            Some(Ok(b)) if bytes[i] == b'%' => {
                out.push(b);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The world with a clock a test moves, shared by the fake and the engine.
async fn world_at(clock: &ManualClock) -> World {
    let mut w = world().await;
    w.fake.set_clock(clock.shared());
    w.engine = Engine::new(
        w.store.clone(),
        SyncOptions {
            clock: clock.shared(),
            ..SyncOptions::default()
        },
    );
    w
}

fn start_of(e: &Value) -> DateTime<Utc> {
    let text = e["start"]["dateTime"].as_str().unwrap();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .unwrap()
        .and_utc()
}

impl World {
    async fn sync(&self) -> SyncReport {
        self.sync_with(&self.engine).await
    }

    async fn sync_with(&self, engine: &Engine) -> SyncReport {
        let events = self.events.clone();
        let progress: Progress = Arc::new(move |e| events.lock().unwrap().push(e));
        engine
            .sync_account(self.account, self.outlook.clone(), None, progress)
            .await
    }

    fn put(&self, calendar: &str, id: &str, title: &str, hours: i64) {
        self.fake.put_event(calendar, event(id, title, hours));
    }

    fn source_id(&self, calendar: &str) -> i64 {
        self.store
            .lock()
            .unwrap()
            .sources()
            .unwrap()
            .into_iter()
            .find(|s| s.provider_id == calendar)
            .unwrap()
            .id
    }

    /// The store's events of a calendar: id -> (title, start).
    fn stored(&self, calendar: &str) -> BTreeMap<String, (String, DateTime<Utc>)> {
        let source = self.source_id(calendar);
        let store = self.store.lock().unwrap();
        let now = Utc::now();
        let mut map = BTreeMap::new();
        for e in store
            .events_overlapping(now - Span::weeks(60), now + Span::weeks(60))
            .unwrap()
            .into_iter()
            .filter(|e| e.source_id == source)
        {
            let start = match e.record.time {
                EventTime::Timed { start, .. } => start,
                EventTime::AllDay { start, .. } => start.and_hms_opt(0, 0, 0).unwrap().and_utc(),
            };
            assert!(
                map.insert(
                    e.record.provider_id.clone(),
                    (e.record.title.clone(), start)
                )
                .is_none(),
                "duplicate"
            );
        }
        map
    }

    /// The server's live events of a calendar inside the default sync window.
    fn served(&self, calendar: &str) -> BTreeMap<String, (String, DateTime<Utc>)> {
        let now = Utc::now();
        let (from, to) = (now - Span::weeks(26), now + Span::weeks(4));
        self.fake
            .live_events(calendar)
            .into_iter()
            .map(|e| {
                let start = start_of(&e);
                (
                    e["id"].as_str().unwrap().to_owned(),
                    (e["subject"].as_str().unwrap_or("").to_owned(), start),
                )
            })
            .filter(|(_, (_, start))| *start > from - Span::hours(1) && *start < to)
            .collect()
    }

    fn assert_in_step(&self) {
        for cal in [WORK, TEAM] {
            assert_eq!(
                self.stored(cal),
                self.served(cal),
                "store and server differ for {cal}"
            );
        }
        let integrity = self.store.lock().unwrap().integrity_check().unwrap();
        assert_eq!(integrity, ["ok"]);
    }

    fn cursor(&self, calendar: &str) -> Option<String> {
        let id = self.source_id(calendar);
        self.store
            .lock()
            .unwrap()
            .sync_state(id)
            .unwrap()
            .and_then(|s| s.cursor)
    }

    fn delta_requests(&self) -> Vec<vica_fakes::graph::RecordedRequest> {
        self.fake.requests().into_iter().filter(is_delta).collect()
    }

    /// Every event of a calendar in the store, wherever in time: id -> title.
    fn titles(&self, calendar: &str) -> BTreeMap<String, String> {
        let source = self.source_id(calendar);
        let store = self.store.lock().unwrap();
        let far = DateTime::UNIX_EPOCH;
        store
            .events_overlapping(far, far + Span::days(365 * 300))
            .unwrap()
            .into_iter()
            .filter(|e| e.source_id == source)
            .map(|e| (e.record.provider_id.clone(), e.record.title.clone()))
            .collect()
    }

    /// The requests about one calendar (its id a segment of the path).
    fn requests_for(&self, calendar: &str) -> Vec<vica_fakes::graph::RecordedRequest> {
        self.fake
            .requests()
            .into_iter()
            .filter(|r| r.path.split('/').any(|s| decode(s) == calendar))
            .collect()
    }

    /// Lets `GET /me` and `GET /me/calendars` through before the next faults
    /// (a client asks for `/me` once).
    fn pass_listing(&self) {
        self.fake.inject(Fault::Slow(Duration::ZERO));
        self.pass_calendar_list();
    }

    /// Lets `GET /me/calendars` through before the next faults.
    fn pass_calendar_list(&self) {
        self.fake.inject(Fault::Slow(Duration::ZERO));
    }
}

#[tokio::test]
async fn the_first_sync_lists_calendars_and_pages_through_every_event() {
    let w = world().await;
    for i in 0..40 {
        w.put(WORK, &format!("w{i:02}"), &format!("Work {i}"), i * 5 - 100);
    }
    for i in 0..5 {
        w.put(TEAM, &format!("t{i}"), &format!("Team {i}"), i * 24);
    }
    w.put(WORK, "ancient", "Long ago", -24 * 7 * 60);
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    let work = report
        .sources
        .iter()
        .find(|s| s.name == "Calendar")
        .unwrap();
    // 40 events at 7 per page, then one round from the delta link for what
    // changed while they were read.
    assert_eq!(work.pages, 6 + 1);
    assert_eq!(work.written, 40);
    assert_eq!(work.full_syncs, 1);
    w.assert_in_step();
    assert!(!w.stored(WORK).contains_key("ancient"));
    let requests = w.delta_requests();
    let (last, round) = requests
        .iter()
        .filter(|r| !r.path.contains("/calendars/"))
        .collect::<Vec<_>>()
        .split_last()
        .map(|(l, r)| (*l, r.to_vec()))
        .unwrap();
    assert_eq!(round.len(), 6);
    assert!(last.param("$deltatoken").is_some(), "{last:?}");
    for r in &requests {
        let prefer = r.header_values("prefer").join(", ");
        assert!(prefer.contains("odata.maxpagesize=7"), "{prefer}");
        assert!(prefer.contains("outlook.timezone=\"UTC\""), "{prefer}");
    }
    for r in round {
        assert!(
            r.param("startDateTime").is_some() || r.param("$skiptoken").is_some(),
            "{r:?}"
        );
    }
    let sources = w.store.lock().unwrap().sources().unwrap();
    let mine = sources.iter().find(|s| s.provider_id == WORK).unwrap();
    assert!(mine.is_primary);
    assert_eq!(mine.access_role.as_deref(), Some("owner"));
    assert_eq!(
        mine.color.as_deref(),
        Some("#4f8fd8"),
        "lightBlue from the palette"
    );
    let team = sources.iter().find(|s| s.provider_id == TEAM).unwrap();
    assert_eq!(team.color.as_deref(), Some("#c2410c"));
    assert_eq!(team.access_role.as_deref(), Some("reader"));
    // The user's own answer and the other attendees.
    let store = w.store.lock().unwrap();
    let now = Utc::now();
    let e = store
        .events_overlapping(now - Span::weeks(30), now + Span::weeks(5))
        .unwrap()
        .into_iter()
        .find(|e| e.record.provider_id == "t1")
        .unwrap();
    assert_eq!(e.record.my_response, Some(Response::Accepted));
    assert_eq!(e.record.attendee_count, 1);
    assert!(!e.record.is_organizer);
    drop(store);
    let pages = w
        .events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, SyncEvent::PageWritten { .. }))
        .count();
    assert_eq!(pages, 7 + 1);
}

#[tokio::test]
async fn a_delta_round_resumed_after_a_break_brings_what_changed_meanwhile_in_the_same_sync() {
    let w = world_with(
        RetryPolicy {
            max_attempts: 1,
            ..fast_retries()
        },
        3,
    )
    .await;
    for i in 0..10 {
        w.put(WORK, &format!("m{i}"), &format!("Meeting {i}"), i * 3);
    }
    assert!(w.sync().await.is_ok());
    // Nine changes: three pages of them. The sync breaks on the second.
    for i in 1..10 {
        w.put(
            WORK,
            &format!("m{i}"),
            &format!("Meeting {i} moved"),
            i * 3 + 1,
        );
    }
    // The round's second page (its next link's skip token; the other calendar has one page).
    w.fake.inject_on("skiptoken", Fault::DropMidBody);
    assert!(!w.sync().await.is_ok());
    w.fake.clear_faults();
    // Meanwhile an event is added, one is renamed and one moves far beyond the window.
    w.put(WORK, "a-new", "Added meanwhile", 5);
    w.put(WORK, "m2", "Renamed meanwhile", 6);
    w.put(WORK, "m0", "Far away", 24 * 7 * 30);
    // One sync: the rest of the round, then what changed since it began.
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    w.assert_in_step();
}

#[tokio::test]
async fn later_syncs_follow_the_delta_link_and_apply_changes() {
    let w = world().await;
    for i in 0..10 {
        w.put(WORK, &format!("w{i}"), &format!("Work {i}"), i * 3);
    }
    w.put(TEAM, "t0", "Team standup", 2);
    assert!(w.sync().await.is_ok());
    w.fake.clear_requests();

    w.put(WORK, "new", "Created later", 30); // created
    w.put(WORK, "w1", "Renamed", 3); // updated
    w.put(WORK, "w2", "Moved in time", 50); // moved
    w.fake.cancel_event(WORK, "w4"); // cancelled by its organizer
    w.fake.delete_event(TEAM, "t0"); // deleted
    w.put(WORK, "w5", "Moved far away", 24 * 7 * 20); // out of the window: @removed
    w.put(WORK, "never", "Created outside the window", -24 * 7 * 40); // @removed, never stored
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    w.assert_in_step();
    let work = w.stored(WORK);
    assert_eq!(work["w1"].0, "Renamed");
    assert!(!work.contains_key("w4") && !work.contains_key("w5") && !work.contains_key("never"));
    assert!(w.stored(TEAM).is_empty());
    let deleted: u64 = report.sources.iter().map(|s| s.deleted).sum();
    assert_eq!(
        deleted, 3,
        "w4, w5 and t0; removing what was never stored deletes nothing"
    );
    let delta = w.delta_requests();
    assert!(!delta.is_empty());
    for r in &delta {
        assert!(
            r.param("$deltatoken").is_some()
                || r.param("$skiptoken").is_some()
                || window_span(r) < Span::minutes(1),
            "the window lives in the link; a new window only for what entered it: {r:?}"
        );
    }

    // Nothing changed: per calendar, the delta link and a look at the sliver
    // of time that entered the window since; nothing written.
    w.fake.clear_requests();
    let report = w.sync().await;
    assert!(
        report
            .sources
            .iter()
            .all(|s| s.written == 0 && s.deleted == 0)
    );
    let delta = w.delta_requests();
    assert_eq!(delta.len(), 4, "{delta:?}");
    assert_eq!(
        delta
            .iter()
            .filter(|r| r.param("$deltatoken").is_some())
            .count(),
        2
    );
    for r in delta.iter().filter(|r| r.param("startDateTime").is_some()) {
        let span = window_span(r);
        assert!(span < Span::minutes(1), "only what entered: {span}");
    }
}

async fn expired_token_resyncs(status: u16) {
    let w = world().await;
    for i in 0..12 {
        w.put(WORK, &format!("w{i}"), &format!("Work {i}"), i);
    }
    assert!(w.sync().await.is_ok());
    // History the provider is not asked about again must survive the resync.
    {
        let mut store = w.store.lock().unwrap();
        let source = store
            .sources()
            .unwrap()
            .into_iter()
            .find(|s| s.provider_id == WORK)
            .unwrap()
            .id;
        let page = vica_core::store::Page {
            events: vec![vica_core::model::EventRecord {
                provider_id: "history".into(),
                title: "Kept from long ago".into(),
                description: None,
                location: None,
                time: EventTime::Timed {
                    start: Utc::now() - Span::weeks(52),
                    end: Utc::now() - Span::weeks(52) + Span::hours(1),
                },
                time_zone: None,
                status: vica_core::model::EventStatus::Confirmed,
                my_response: None,
                is_organizer: true,
                attendee_count: 0,
                series_id: None,
                link: None,
                updated_at: None,
                kind: Default::default(),
                show_as: Default::default(),
            }],
            ..Default::default()
        };
        store
            .write_page(source, &page, vica_core::store::CursorUpdate::Keep)
            .unwrap();
    }
    w.fake.set_resync_status(status);
    w.fake.invalidate_delta_tokens();
    w.fake.delete_event(WORK, "w5");
    w.put(WORK, "w6", "Changed during the outage", 6);
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    let work = report
        .sources
        .iter()
        .find(|s| s.name == "Calendar")
        .unwrap();
    assert_eq!(work.full_syncs, 1);
    let stored = w.stored(WORK);
    assert!(!stored.contains_key("w5"));
    assert_eq!(stored["w6"].0, "Changed during the outage");
    assert_eq!(
        stored["history"].0, "Kept from long ago",
        "history outside the window stays"
    );
    let mut expected = w.served(WORK);
    expected.insert("history".into(), stored["history"].clone());
    assert_eq!(stored, expected);
    let statuses: Vec<u16> = w.fake.requests().iter().map(|r| r.status).collect();
    assert!(statuses.contains(&status));
}

#[tokio::test]
async fn a_410_on_the_delta_link_starts_a_full_resync() {
    expired_token_resyncs(410).await;
}

#[tokio::test]
async fn a_400_sync_state_not_found_starts_a_full_resync_too() {
    expired_token_resyncs(400).await;
}

#[tokio::test]
async fn transient_faults_are_retried_until_the_sync_succeeds() {
    let policy = RetryPolicy {
        timeout: Duration::from_millis(400),
        ..fast_retries()
    };
    let faults = [
        Fault::Status {
            code: 429,
            retry_after: Some(1),
        },
        Fault::Status {
            code: 500,
            retry_after: None,
        },
        Fault::Status {
            code: 503,
            retry_after: Some(1),
        },
        Fault::Unauthorized,
        Fault::Slow(Duration::from_secs(2)),
        Fault::DropMidBody,
    ];
    for fault in faults {
        let w = world_with(policy, 7).await;
        for i in 0..20 {
            w.put(WORK, &format!("w{i}"), &format!("Work {i}"), i);
        }
        w.pass_listing();
        w.fake.inject(fault.clone());
        let started = std::time::Instant::now();
        let report = w.sync().await;
        assert!(report.is_ok(), "{fault:?}: {report:?}");
        w.assert_in_step();
        let statuses: Vec<u16> = w.fake.requests().iter().map(|r| r.status).collect();
        match &fault {
            Fault::Status {
                code,
                retry_after: Some(secs),
            } => {
                assert!(statuses.contains(code));
                assert!(
                    started.elapsed() >= Duration::from_secs(*secs),
                    "{fault:?} waited Retry-After"
                );
            }
            Fault::Status { code, .. } => assert!(statuses.contains(code)),
            Fault::Unauthorized => assert!(statuses.contains(&401)),
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_throttle_longer_than_allowed_fails_the_source_with_rate_limited() {
    let w = world().await;
    w.put(WORK, "w1", "Work", 1);
    w.pass_listing();
    w.fake.inject(Fault::Status {
        code: 429,
        retry_after: Some(600),
    });
    let report = w.sync().await;
    let failed: Vec<_> = report
        .sources
        .iter()
        .filter(|s| s.error.is_some())
        .collect();
    assert_eq!(failed.len(), 1, "{report:?}");
    assert!(
        failed[0]
            .error
            .as_deref()
            .unwrap()
            .contains("rate limiting"),
        "{report:?}"
    );
    assert!(w.sync().await.is_ok());
    w.assert_in_step();
}

#[tokio::test]
async fn malformed_json_fails_the_source_without_advancing_or_losing_anything() {
    let w = world().await;
    for i in 0..20 {
        w.put(WORK, &format!("w{i}"), &format!("Work {i}"), i);
    }
    w.put(TEAM, "t1", "Team", 3);
    assert!(w.sync().await.is_ok());
    let cursors = (w.cursor(WORK), w.cursor(TEAM));
    let before = (w.stored(WORK), w.stored(TEAM));
    w.put(WORK, "later", "Added later", 40);
    w.pass_calendar_list();
    w.fake.inject(Fault::MalformedJson);
    let report = w.sync().await;
    let failed: Vec<_> = report
        .sources
        .iter()
        .filter(|s| s.error.is_some())
        .collect();
    assert_eq!(
        failed.len(),
        1,
        "only the source that got the bad page fails: {report:?}"
    );
    let error = failed[0].error.as_deref().unwrap();
    assert!(error.contains("cannot read"), "{error}");
    let (cal, cursor, stored) = if failed[0].name == "Calendar" {
        (WORK, cursors.0, before.0)
    } else {
        (TEAM, cursors.1, before.1)
    };
    assert_eq!(
        w.cursor(cal),
        cursor,
        "the cursor never passes unprocessed data"
    );
    assert_eq!(w.stored(cal), stored);
    assert!(w.sync().await.is_ok());
    w.assert_in_step();
}

#[tokio::test]
async fn a_403_fails_only_that_calendar_and_keeps_its_items() {
    let w = world().await;
    w.put(WORK, "w1", "Work", 1);
    w.put(TEAM, "t1", "Team", 2);
    assert!(w.sync().await.is_ok());
    w.put(TEAM, "t2", "More team", 3);
    w.pass_calendar_list();
    w.fake.inject(Fault::Status {
        code: 403,
        retry_after: None,
    });
    let report = w.sync().await;
    let failed: Vec<_> = report
        .sources
        .iter()
        .filter(|s| s.error.is_some())
        .collect();
    assert_eq!(failed.len(), 1, "{report:?}");
    let error = failed[0].error.as_deref().unwrap();
    assert!(
        error.contains("403") && error.contains("Access is denied"),
        "{error}"
    );
    assert!(!failed[0].needs_reconnect);
    assert!(w.stored(WORK).contains_key("w1") && w.stored(TEAM).contains_key("t1"));
    let account = w.store.lock().unwrap().account(w.account).unwrap();
    assert_eq!(account.status, AccountStatus::Ok);
    assert!(w.sync().await.is_ok());
    w.assert_in_step();
}

#[tokio::test]
async fn a_calendar_deleted_at_the_provider_is_marked_gone_and_keeps_its_items() {
    let w = world().await;
    w.put(WORK, "w1", "Work", 1);
    w.put(TEAM, "t1", "Team", 1);
    assert!(w.sync().await.is_ok());

    // Deleted between listing the calendars and reading its events: a 404.
    w.pass_calendar_list();
    w.fake.inject(Fault::Status {
        code: 404,
        retry_after: None,
    });
    let report = w.sync().await;
    let gone: Vec<_> = report
        .sources
        .iter()
        .filter(|s| s.error.is_some())
        .collect();
    assert_eq!(gone.len(), 1, "{report:?}");
    assert!(
        gone[0]
            .error
            .as_deref()
            .unwrap()
            .contains("no longer has this calendar"),
        "{report:?}"
    );
    let marked = w.store.lock().unwrap().source(gone[0].source_id).unwrap();
    assert!(marked.gone);
    assert_eq!(w.stored(WORK).len() + w.stored(TEAM).len(), 2, "items kept");

    // Gone from the list for good: marked gone, not an error, items kept.
    w.fake.remove_calendar(TEAM);
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    let (team, work) = (w.source_id(TEAM), w.source_id(WORK));
    let team = w.store.lock().unwrap().source(team).unwrap();
    assert!(team.gone);
    assert_eq!(w.stored(TEAM).len(), 1);
    let work = w.store.lock().unwrap().source(work).unwrap();
    assert!(!work.gone, "a calendar listed again is no longer gone");
}

#[tokio::test]
async fn an_unauthorized_account_needs_reconnecting() {
    let w = world().await;
    w.put(WORK, "w1", "Work", 1);
    w.fake.set_access_token("a-rotated-token-we-do-not-have");
    let report = w.sync().await;
    let error = report.error.as_deref().unwrap();
    assert!(error.contains("reconnect"), "{report:?}");
    assert!(
        !error.contains(DEFAULT_ACCESS_TOKEN),
        "errors never carry the token"
    );
    let account = w.store.lock().unwrap().account(w.account).unwrap();
    assert_eq!(account.status, AccountStatus::NeedsReconnect);
}

#[tokio::test]
async fn an_interrupted_first_sync_resumes_from_the_next_link() {
    let w = world().await;
    for i in 0..30 {
        w.put(WORK, &format!("w{i:02}"), &format!("Work {i}"), i * 2);
    }
    let outlook = client(
        &w.fake,
        RetryPolicy {
            max_attempts: 1,
            ..fast_retries()
        },
        7,
    );
    let report = w
        .engine
        .sync_account(w.account, outlook.clone(), Some(&[]), Arc::new(|_| {}))
        .await;
    assert!(report.error.is_none());
    let only = [w.source_id(WORK)];
    w.pass_calendar_list();
    w.fake.inject(Fault::Slow(Duration::ZERO)); // page 1
    w.fake.inject(Fault::Slow(Duration::ZERO)); // page 2
    w.fake.inject(Fault::DropMidBody); // page 3
    let report = w
        .engine
        .sync_account(w.account, outlook, Some(&only), Arc::new(|_| {}))
        .await;
    assert!(!report.is_ok());
    assert_eq!(report.sources[0].pages, 2);
    assert_eq!(w.stored(WORK).len(), 14, "two pages were committed");
    assert!(w.cursor(WORK).unwrap().contains("\"full\":true"));
    w.fake.clear_requests();
    assert!(w.sync().await.is_ok());
    w.assert_in_step();
    // The default calendar is read through /me/calendarView/delta.
    let first = w
        .delta_requests()
        .into_iter()
        .find(|r| !r.path.to_ascii_lowercase().contains("/me/calendars/"))
        .unwrap();
    assert!(
        first.param("$skiptoken").is_some(),
        "resumed with the stored next link: {first:?}"
    );
}

#[tokio::test]
async fn sparse_occurrences_are_completed_from_their_series_master() {
    let w = world().await;
    w.fake.put_series_master(
        json!({"id": "series1", "subject": "Weekly sync", "bodyPreview": "Status",
        "isOrganizer": true, "responseStatus": {"response": "organizer"}}),
    );
    for i in 0..3 {
        let mut e = event(&format!("occ{i}"), "Weekly sync", 24 * 7 * i);
        e["type"] = json!("occurrence");
        e["seriesMasterId"] = json!("series1");
        w.fake.put_event(WORK, e);
    }
    let mut orphan = event("orphan", "Lost", 5);
    orphan["type"] = json!("occurrence");
    orphan["seriesMasterId"] = json!("no-such-master");
    w.fake.put_event(WORK, orphan);
    w.fake.set_sparse_occurrences(true);
    let report = w.sync().await;
    let work = report
        .sources
        .iter()
        .find(|s| s.name == "Calendar")
        .unwrap();
    assert!(work.rejected.is_empty(), "{report:?}");
    let stored = w.stored(WORK);
    for i in 0..3 {
        assert_eq!(stored[&format!("occ{i}")].0, "Weekly sync");
    }
    assert_eq!(
        stored["orphan"].0, "",
        "without its master, kept with what it carries"
    );
    let masters = w
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/events/"))
        .count();
    assert_eq!(masters, 2, "each master fetched once per page");
}

#[tokio::test]
async fn a_drifted_window_is_listed_afresh_and_a_small_drift_is_not() {
    let w = world().await;
    for i in 0..5 {
        w.put(WORK, &format!("w{i}"), &format!("Work {i}"), i * 24);
    }
    assert!(w.sync().await.is_ok());
    w.fake.clear_requests();
    // The same window a moment later: follow the delta link (and list the moment that entered).
    assert!(w.sync().await.is_ok());
    assert!(
        w.delta_requests()
            .iter()
            .all(|r| r.param("startDateTime").is_none() || window_span(r) < Span::minutes(1))
    );
    // Two more weeks ahead (a settings change, or two weeks of drift): list anew.
    w.put(WORK, "w9", "Five weeks out", 24 * 7 * 5);
    let wider = Engine::new(
        w.store.clone(),
        SyncOptions {
            weeks_ahead: 6,
            ..SyncOptions::default()
        },
    );
    w.fake.clear_requests();
    let report = w.sync_with(&wider).await;
    assert!(report.is_ok(), "{report:?}");
    let starts: Vec<_> = w
        .delta_requests()
        .into_iter()
        .filter(|r| r.param("startDateTime").is_some())
        .collect();
    assert_eq!(starts.len(), 2, "both calendars relisted");
    assert!(w.stored(WORK).contains_key("w9"));
    assert!(
        report.sources.iter().all(|s| s.full_syncs == 0),
        "a relist is not a reset"
    );
}

#[tokio::test]
async fn a_stored_link_to_another_host_is_never_followed() {
    let w = world().await;
    w.put(WORK, "w1", "Work", 1);
    assert!(w.sync().await.is_ok());
    let id = w.source_id(WORK);
    let mut cursor: Value = serde_json::from_str(&w.cursor(WORK).unwrap()).unwrap();
    cursor["provider"] =
        json!("https://attacker.example/v1.0/me/calendars/x/calendarView/delta?$deltatoken=1");
    w.store
        .lock()
        .unwrap()
        .write_page(
            id,
            &vica_core::store::Page::default(),
            vica_core::store::CursorUpdate::Set(cursor.to_string()),
        )
        .unwrap();
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    let work = report
        .sources
        .iter()
        .find(|s| s.name == "Calendar")
        .unwrap();
    assert_eq!(work.full_syncs, 1, "started over on the real host");
    w.assert_in_step();
}

#[tokio::test]
async fn malformed_items_are_skipped_and_reported_and_the_rest_kept() {
    let w = world().await;
    w.put(WORK, "good", "Fine", 1);
    w.fake
        .put_event(WORK, json!({"id": "bad", "subject": "No times"}));
    let mut odd = event("odd", "Odd answer", 2);
    odd["responseStatus"] = json!({"response": "perhaps"});
    w.fake.put_event(WORK, odd);
    // Events without times are outside every window on the server too; the odd one is listed.
    let report = w.sync().await;
    let work = report
        .sources
        .iter()
        .find(|s| s.name == "Calendar")
        .unwrap();
    let rejected: Vec<&str> = work.rejected.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(rejected, ["odd"], "{report:?}");
    assert!(w.stored(WORK).contains_key("good"));
}

#[tokio::test]
async fn the_default_calendar_syncs_through_the_documented_calendar_view_delta() {
    let w = world().await;
    for i in 0..4 {
        w.put(WORK, &format!("w{i}"), &format!("Work {i}"), i * 10);
    }
    // v1.0 documents delta for the default calendar only as /me/calendarView/delta.
    w.fake.refuse_calendar_delta(WORK, true);
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    w.assert_in_step();
    w.put(WORK, "later", "Added later", 20);
    assert!(w.sync().await.is_ok());
    w.assert_in_step();
    let default: Vec<_> = w
        .delta_requests()
        .into_iter()
        .filter(|r| !r.path.to_ascii_lowercase().contains("/me/calendars/"))
        .collect();
    assert!(
        default.len() >= 2,
        "the default calendar through /me/calendarView/delta: {default:?}"
    );
}

#[tokio::test]
async fn a_calendar_whose_delta_is_refused_is_listed_through_its_calendar_view() {
    let w = world().await;
    w.fake.refuse_calendar_delta(TEAM, true);
    for i in 0..10 {
        w.put(TEAM, &format!("t{i}"), &format!("Team {i}"), i * 5);
    }
    w.put(WORK, "w1", "Work", 3);
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    w.assert_in_step();

    w.put(TEAM, "t1", "Renamed", 5);
    w.fake.delete_event(TEAM, "t2");
    w.put(TEAM, "t3", "Moved away", 24 * 7 * 30);
    w.put(TEAM, "new", "Created later", 30);
    w.fake.clear_requests();
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    w.assert_in_step();
    let titles = w.titles(TEAM);
    assert_eq!(titles["t1"], "Renamed");
    assert!(!titles.contains_key("t2") && !titles.contains_key("t3"));
    let team = w.requests_for(TEAM);
    assert!(
        team.iter().any(is_listing),
        "listed through its calendar view: {team:?}"
    );
    assert!(
        !team.iter().any(is_delta),
        "the refused delta is not tried again on the next sync: {team:?}"
    );
    let source = report.sources.iter().find(|s| s.name == "Team").unwrap();
    assert_eq!(source.full_syncs, 0, "a listing each sync is not a reset");
}

#[tokio::test]
async fn a_sparse_occurrence_in_a_shared_calendar_is_completed_through_that_calendar() {
    let w = world().await;
    w.fake.put_series_master_in(
        TEAM,
        json!({"id": "team-series", "subject": "Team planning", "bodyPreview": "Agenda",
               "isOrganizer": false, "responseStatus": {"response": "accepted"}}),
    );
    for i in 0..3 {
        let mut e = event(&format!("occ{i}"), "Team planning", 24 * 7 * i);
        e["type"] = json!("occurrence");
        e["seriesMasterId"] = json!("team-series");
        w.fake.put_event(TEAM, e);
    }
    let mut orphan = event("orphan", "Lost", 5);
    orphan["type"] = json!("occurrence");
    orphan["seriesMasterId"] = json!("no-such-master");
    w.fake.put_event(TEAM, orphan);
    w.fake.set_sparse_occurrences(true);
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    let team = report.sources.iter().find(|s| s.name == "Team").unwrap();
    assert!(team.rejected.is_empty(), "{report:?}");
    let titles = w.titles(TEAM);
    for i in 0..3 {
        assert_eq!(titles[&format!("occ{i}")], "Team planning");
    }
    assert_eq!(
        titles.get("orphan").map(String::as_str),
        Some(""),
        "an occurrence whose master cannot be read is kept with what it carries"
    );
    let by_id: Vec<_> = w
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/events/"))
        .collect();
    assert!(
        by_id
            .iter()
            .all(|r| !r.path.starts_with("/v1.0/me/events/")),
        "/me/events/{{id}} does not serve a shared calendar's events: {by_id:?}"
    );
    assert_eq!(
        by_id
            .iter()
            .filter(|r| r.path.ends_with("/events/team-series"))
            .count(),
        1
    );
}

#[tokio::test]
async fn the_scopes_vica_asks_for_read_calendars_shared_with_the_user() {
    let scopes = ProviderSettings::defaults(ProviderKind::Microsoft)
        .unwrap()
        .scopes;
    assert!(
        scopes.iter().any(|s| s == "Calendars.Read.Shared"),
        "{scopes:?}"
    );
    let w = world().await;
    let granted: Vec<&str> = scopes.iter().map(String::as_str).collect();
    w.fake.set_granted_scopes(&granted);
    w.put(TEAM, "t1", "Team", 2);
    w.put(WORK, "w1", "Work", 3);
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    w.assert_in_step();
}

#[tokio::test]
async fn a_calendar_that_refuses_every_listing_fails_alone() {
    let w = world().await;
    w.put(WORK, "w1", "Work", 1);
    w.put(TEAM, "t1", "Team", 2);
    // A token from before Calendars.Read.Shared was asked for: every read of
    // the shared calendar answers 403, whichever way it is asked.
    w.fake.set_granted_scopes(&["Calendars.Read", "User.Read"]);
    w.fake.refuse_calendar_delta(TEAM, true);
    let report = w.sync().await;
    let failed: Vec<_> = report
        .sources
        .iter()
        .filter(|s| s.error.is_some())
        .collect();
    assert_eq!(failed.len(), 1, "{report:?}");
    assert_eq!(failed[0].name, "Team");
    let error = failed[0].error.as_deref().unwrap();
    assert!(
        error.contains("403") && error.contains("Calendars.Read.Shared"),
        "the error says what is missing: {error}"
    );
    assert!(
        w.titles(WORK).contains_key("w1"),
        "the other calendar synced"
    );
    let account = w.store.lock().unwrap().account(w.account).unwrap();
    assert_eq!(account.status, AccountStatus::Ok);
    // Granted after a reconnect: it syncs.
    w.fake
        .set_granted_scopes(&vica_fakes::graph::DEFAULT_GRANTED_SCOPES);
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    w.assert_in_step();
}

#[tokio::test]
async fn what_enters_the_window_as_the_weeks_pass_arrives_and_nothing_beyond_it_is_kept() {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap());
    let w = world_at(&clock).await;
    let t0 = clock.now();
    // The window reaches four weeks ahead.
    let planned = [
        ("soon", t0 + Span::days(3)),
        ("next", t0 + Span::weeks(4) + Span::days(3)),
        ("after", t0 + Span::weeks(5) + Span::days(2)),
        ("far", t0 + Span::weeks(6) + Span::days(1)),
    ];
    for (id, start) in planned {
        w.fake.put_event(WORK, event_at(id, id, start));
        w.fake
            .put_event(TEAM, event_at(&format!("team-{id}"), id, start));
    }
    for week in 0..4 {
        if week > 0 {
            clock.advance(Span::weeks(1));
        }
        let report = w.sync().await;
        assert!(report.is_ok(), "week {week}: {report:?}");
        let end = clock.now() + Span::weeks(4);
        let expected: Vec<String> = planned
            .iter()
            .filter(|(_, start)| *start < end)
            .map(|(id, _)| (*id).to_owned())
            .collect();
        let stored: Vec<String> = w.titles(WORK).into_keys().collect();
        let mut sorted = expected.clone();
        sorted.sort();
        assert_eq!(stored, sorted, "week {week}");
        assert_eq!(w.titles(TEAM).len(), expected.len(), "week {week}");
    }
}

#[tokio::test]
async fn a_refused_delta_is_tried_again_only_after_a_while() {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap());
    let mut w = world_at(&clock).await;
    let mut config = OutlookConfig::new(&w.fake.base_url()).unwrap();
    config.page_size = 7;
    config.retry = fast_retries();
    config.clock = clock.shared();
    config.delta_retry_after = Span::days(30);
    w.outlook =
        Arc::new(Outlook::new(config, Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN))).unwrap());
    w.fake.refuse_calendar_delta(TEAM, true);
    w.fake
        .put_event(TEAM, event_at("t1", "Team", clock.now() + Span::days(1)));
    let tried = |w: &World| w.requests_for(TEAM).iter().filter(|r| is_delta(r)).count();
    let mut attempts = Vec::new();
    for day in [0, 1, 7, 29, 31, 32] {
        clock.set(Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap() + Span::days(day));
        w.fake.clear_requests();
        let report = w.sync().await;
        assert!(report.is_ok(), "day {day}: {report:?}");
        assert!(w.titles(TEAM).contains_key("t1"), "day {day}");
        attempts.push(tried(&w));
    }
    // Tried on the first sync and again once 30 days had passed since, not in between.
    assert_eq!(attempts, [1, 0, 0, 0, 1, 0]);
    // Once the server does change tracking for it, the delta takes over again.
    w.fake.refuse_calendar_delta(TEAM, false);
    clock.advance(Span::days(31));
    assert!(w.sync().await.is_ok());
    w.fake.clear_requests();
    clock.advance(Span::hours(1));
    assert!(w.sync().await.is_ok());
    let team = w.requests_for(TEAM);
    assert!(
        team.iter().any(|r| r.param("$deltatoken").is_some()),
        "{team:?}"
    );
    assert!(!team.iter().any(is_listing), "{team:?}");
}

#[tokio::test]
async fn a_sync_broken_while_listing_what_entered_the_window_resumes_there() {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap());
    let w = world_at(&clock).await;
    let t0 = clock.now();
    w.fake
        .put_event(WORK, event_at("soon", "Soon", t0 + Span::days(1)));
    // Twenty events just beyond the window's end: three pages of seven once it reaches them.
    for i in 0..20 {
        let start = t0 + Span::weeks(4) + Span::days(1) + Span::hours(i);
        w.fake
            .put_event(WORK, event_at(&format!("e{i:02}"), "Entering", start));
    }
    let outlook = client(
        &w.fake,
        RetryPolicy {
            max_attempts: 1,
            ..fast_retries()
        },
        7,
    );
    let listed = w
        .engine
        .sync_account(w.account, outlook.clone(), Some(&[]), Arc::new(|_| {}))
        .await;
    assert!(listed.error.is_none());
    let only = [w.source_id(WORK)];
    assert!(
        w.engine
            .sync_account(w.account, outlook.clone(), Some(&only), Arc::new(|_| {}))
            .await
            .is_ok()
    );
    assert_eq!(w.titles(WORK).len(), 1);
    clock.advance(Span::days(3));
    w.pass_calendar_list();
    w.fake.inject(Fault::Slow(Duration::ZERO)); // the slice's first page
    w.fake.inject(Fault::DropMidBody); // its second page
    let report = w
        .engine
        .sync_account(w.account, outlook.clone(), Some(&only), Arc::new(|_| {}))
        .await;
    assert!(!report.is_ok());
    assert_eq!(
        w.titles(WORK).len(),
        1 + 7,
        "the slice's first page was kept"
    );
    w.fake.clear_requests();
    let report = w
        .engine
        .sync_account(w.account, outlook, Some(&only), Arc::new(|_| {}))
        .await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(w.titles(WORK).len(), 21);
    let delta = w.delta_requests();
    assert!(
        delta[0].param("$skiptoken").is_some(),
        "resumed with the slice's next link, no fresh listing: {delta:?}"
    );
    assert!(
        delta[1..].iter().any(|r| r.param("$deltatoken").is_some()),
        "then the delta link: {delta:?}"
    );
    assert_eq!(report.sources[0].full_syncs, 0);
}

#[tokio::test]
async fn a_change_made_after_a_broken_sync_arrives_with_the_next_one() {
    // Wherever a sync breaks off (the slice that entered the window, or the
    // delta round after it), the next clean sync brings what changed since.
    for broken_at in 0..3 {
        let w = world().await;
        for i in 0..4 {
            w.put(WORK, &format!("w{i}"), &format!("Work {i}"), i * 10);
        }
        let outlook = client(
            &w.fake,
            RetryPolicy {
                max_attempts: 1,
                ..fast_retries()
            },
            7,
        );
        let listed = w
            .engine
            .sync_account(w.account, outlook.clone(), Some(&[]), Arc::new(|_| {}))
            .await;
        assert!(listed.error.is_none());
        let only = [w.source_id(WORK)];
        let sync = |outlook: Arc<Outlook>| {
            let engine = w.engine.clone();
            let account = w.account;
            async move {
                engine
                    .sync_account(account, outlook, Some(&only), Arc::new(|_| {}))
                    .await
            }
        };
        assert!(sync(outlook.clone()).await.is_ok());
        w.put(WORK, "w1", "Renamed before the break", 10);
        w.pass_calendar_list();
        for _ in 0..broken_at {
            w.fake.inject(Fault::Slow(Duration::ZERO));
        }
        w.fake.inject(Fault::DropMidBody);
        let _ = sync(outlook.clone()).await;
        w.fake.clear_faults();
        w.put(WORK, "later", "Created after the break", -30);
        w.put(WORK, "w2", "Renamed after the break", 20);
        let report = sync(outlook).await;
        assert!(report.is_ok(), "broken at {broken_at}: {report:?}");
        let titles = w.titles(WORK);
        assert_eq!(
            titles.get("later").map(String::as_str),
            Some("Created after the break"),
            "broken at {broken_at}"
        );
        assert_eq!(titles["w1"], "Renamed before the break");
        assert_eq!(titles["w2"], "Renamed after the break");
    }
}

mod property {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Create(u8, i8),
        Update(u8),
        Cancel(u8),
        Delete(u8),
        /// Moves an event out of the window (Graph reports it under `@removed`).
        MoveAway(u8),
        Invalidate,
        Sync,
        /// A sync that breaks on the n-th request after the calendar list.
        InterruptedSync(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (any::<u8>(), any::<i8>()).prop_map(|(i, h)| Op::Create(i % 40, h)),
            2 => any::<u8>().prop_map(|i| Op::Update(i % 40)),
            1 => any::<u8>().prop_map(|i| Op::Cancel(i % 40)),
            1 => any::<u8>().prop_map(|i| Op::Delete(i % 40)),
            1 => any::<u8>().prop_map(|i| Op::MoveAway(i % 40)),
            1 => Just(Op::Invalidate),
            2 => Just(Op::Sync),
            2 => (0u8..4).prop_map(Op::InterruptedSync),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 20, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn the_store_converges_to_the_server_whatever_happens(ops in proptest::collection::vec(op(), 1..30)) {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async move {
                let w = world_with(RetryPolicy { max_attempts: 1, ..fast_retries() }, 3).await;
                let mut version = 0;
                for op in ops {
                    version += 1;
                    let id = |i: u8| format!("e{i}");
                    let home = |i: u8| if i.is_multiple_of(3) { TEAM } else { WORK };
                    let find = |i: u8| [WORK, TEAM].into_iter().find(|c| w.fake.live_events(c).iter().any(|e| e["id"] == id(i).as_str()));
                    match op {
                        Op::Create(i, h) => w.put(home(i), &id(i), &format!("Event {i} v{version}"), i64::from(h) * 3),
                        Op::Update(i) => if let Some(c) = find(i) { w.put(c, &id(i), &format!("Event {i} v{version}"), i64::from(i)) },
                        Op::Cancel(i) => if let Some(c) = find(i) { w.fake.cancel_event(c, &id(i)) },
                        Op::Delete(i) => if let Some(c) = find(i) { w.fake.delete_event(c, &id(i)) },
                        Op::MoveAway(i) => if let Some(c) = find(i) { w.put(c, &id(i), "Far away", 24 * 7 * 30) },
                        Op::Invalidate => w.fake.invalidate_delta_tokens(),
                        Op::Sync => { w.sync().await; }
                        Op::InterruptedSync(n) => {
                            w.pass_listing();
                            for _ in 0..n { w.fake.inject(Fault::Slow(Duration::ZERO)); }
                            w.fake.inject(Fault::DropMidBody);
                            w.sync().await;
                            w.fake.clear_faults();
                        }
                    }
                }
                // A clean sync brings the store in step with the server, without duplicates.
                let report = w.sync().await;
                assert!(report.is_ok(), "{report:?}");
                w.assert_in_step();
            });
        }
    }
}
