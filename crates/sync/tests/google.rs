//! The engine and the Google client against the fake Google Calendar server on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Duration as Span, SubsecRound, Utc};
use serde_json::{Value, json};
use vica_core::Store;
use vica_core::clock::{Clock, ManualClock, SharedClock};
use vica_core::model::{EventTime, Provider as ProviderKind};
use vica_fakes::FakeServer;
use vica_fakes::google::{CalendarEntry, DEFAULT_ACCESS_TOKEN, FakeGoogle, Fault};
use vica_sync::engine::{Progress, SyncReport};
use vica_sync::google::{Google, GoogleConfig};
use vica_sync::http::{RetryPolicy, StaticToken};
use vica_sync::{Engine, SyncEvent, SyncOptions};

const WORK: &str = "alex@example.com";
const TEAM: &str = "team#1@group.calendar.google.com";

struct World {
    fake: FakeGoogle,
    store: Arc<Mutex<Store>>,
    engine: Engine,
    google: Arc<Google>,
    account: i64,
    _dir: tempfile::TempDir,
    /// Every event the engine reported, for progress checks.
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

async fn world_with(policy: RetryPolicy, page_size: u32) -> World {
    world_on(policy, page_size, vica_core::clock::system()).await
}

/// A world whose fake, client and engine read `clock`.
async fn world_on(policy: RetryPolicy, page_size: u32, clock: SharedClock) -> World {
    let fake = FakeGoogle::start().await.unwrap();
    fake.set_clock(clock.clone());
    let mut work = CalendarEntry::new(WORK, "Work");
    work.primary = true;
    work.background_color = Some("#3b6fd8".into());
    fake.add_calendar(work);
    fake.add_calendar(CalendarEntry::new(TEAM, "Team"));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("vica.db")).unwrap();
    let account = store
        .add_account(ProviderKind::Google, "alex@example.com", None, false)
        .unwrap()
        .id;
    let store = Arc::new(Mutex::new(store));
    let engine = Engine::new(
        store.clone(),
        SyncOptions {
            clock,
            ..SyncOptions::default()
        },
    );
    let mut config = GoogleConfig::new(&fake.base_url()).unwrap();
    config.page_size = page_size;
    config.retry = policy;
    let google =
        Arc::new(Google::new(config, Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN))).unwrap());
    World {
        fake,
        store,
        engine,
        google,
        account,
        _dir: dir,
        events: Arc::default(),
    }
}

async fn world() -> World {
    world_with(fast_retries(), 7).await
}

impl World {
    async fn sync(&self) -> SyncReport {
        let events = self.events.clone();
        let progress: Progress = Arc::new(move |e| events.lock().unwrap().push(e));
        self.engine
            .sync_account(self.account, self.google.clone(), None, progress)
            .await
    }

    /// A timed event `hours` from now, as Google JSON.
    fn event(&self, id: &str, title: &str, hours: i64) -> Value {
        let start = Utc::now().trunc_subsecs(0) + Span::hours(hours);
        let end = start + Span::minutes(45);
        json!({
            "id": id,
            "status": "confirmed",
            "summary": title,
            "start": {"dateTime": start.to_rfc3339(), "timeZone": "Europe/Berlin"},
            "end": {"dateTime": end.to_rfc3339(), "timeZone": "Europe/Berlin"},
            "attendees": [{"email": "alex@example.com", "self": true, "responseStatus": "accepted"}, {"email": "sam@example.com"}],
            "organizer": {"email": "sam@example.com"}
        })
    }

    fn put(&self, calendar: &str, id: &str, title: &str, hours: i64) {
        self.fake.put_event(calendar, self.event(id, title, hours));
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
        let (events, _) = (
            store
                .events_overlapping(now - Span::weeks(60), now + Span::weeks(60))
                .unwrap(),
            (),
        );
        let mut map = BTreeMap::new();
        for e in events.into_iter().filter(|e| e.source_id == source) {
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

    /// The server's live events of a calendar in the same shape.
    fn served(&self, calendar: &str) -> BTreeMap<String, (String, DateTime<Utc>)> {
        self.fake
            .live_events(calendar)
            .into_iter()
            .map(|e| {
                let start = e["start"]["dateTime"]
                    .as_str()
                    .map(|s| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc));
                let start = start.unwrap_or_else(|| {
                    e["start"]["date"]
                        .as_str()
                        .unwrap()
                        .parse::<chrono::NaiveDate>()
                        .unwrap()
                        .and_hms_opt(0, 0, 0)
                        .unwrap()
                        .and_utc()
                });
                (
                    e["id"].as_str().unwrap().to_owned(),
                    (e["summary"].as_str().unwrap_or("").to_owned(), start),
                )
            })
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
    // Far outside the window: not part of the first sync.
    w.put(WORK, "ancient", "Long ago", -24 * 7 * 60);
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    let work = report.sources.iter().find(|s| s.name == "Work").unwrap();
    // 40 events at 7 per page, then the changes made while they were read.
    assert_eq!(work.pages, 6 + 1);
    assert_eq!(work.written, 40);
    assert_eq!(work.full_syncs, 1);
    let mut served = w.served(WORK);
    served.remove("ancient");
    assert_eq!(w.stored(WORK), served);
    assert_eq!(w.stored(TEAM), w.served(TEAM));
    // Every listing request asked for single events inside the window; a
    // listing of several pages ends with one round from its own sync token.
    let work_requests: Vec<_> = w
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/events") && r.path.contains("alex"))
        .collect();
    let (last, listing) = work_requests.split_last().unwrap();
    assert_eq!(listing.len(), 6);
    for r in listing.iter().chain([last]) {
        assert_eq!(r.param("singleEvents"), Some("true"));
    }
    for r in listing {
        assert!(r.param("timeMin").is_some() && r.param("timeMax").is_some());
    }
    assert!(last.param("syncToken").is_some() && last.param("timeMin").is_none());
    let sources = w.store.lock().unwrap().sources().unwrap();
    let work_source = sources.iter().find(|s| s.provider_id == WORK).unwrap();
    assert!(work_source.is_primary);
    assert_eq!(work_source.color.as_deref(), Some("#3b6fd8"));
    // Progress was reported per page.
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
async fn later_syncs_fetch_only_changes_with_the_sync_token() {
    let w = world().await;
    for i in 0..10 {
        w.put(WORK, &format!("w{i}"), &format!("Work {i}"), i * 3);
    }
    w.put(TEAM, "t0", "Team standup", 2);
    assert!(w.sync().await.is_ok());
    w.fake.clear_requests();

    w.put(WORK, "new", "Created later", 30); // created
    w.put(WORK, "w1", "Renamed", 3); // updated
    w.put(WORK, "w2", "Moved in time", 50); // moved to another time
    w.fake.move_event(WORK, "w3", TEAM); // moved to another calendar
    w.fake.cancel_event(WORK, "w4"); // cancelled
    w.fake.delete_event(TEAM, "t0"); // deleted
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    w.assert_in_step();
    assert_eq!(w.stored(WORK)["w1"].0, "Renamed");
    assert!(w.stored(TEAM).contains_key("w3"));
    assert!(!w.stored(WORK).contains_key("w4"));
    let listing: Vec<_> = w
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/events"))
        .collect();
    assert!(!listing.is_empty());
    for r in &listing {
        assert!(r.param("syncToken").is_some(), "incremental: {r:?}");
        assert!(
            r.param("timeMin").is_none(),
            "timeMin is not allowed with syncToken"
        );
    }

    // Nothing changed: one request per calendar, nothing written.
    w.fake.clear_requests();
    let report = w.sync().await;
    assert!(
        report
            .sources
            .iter()
            .all(|s| s.written == 0 && s.deleted == 0)
    );
    assert_eq!(
        w.fake
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/events"))
            .count(),
        2
    );
}

#[tokio::test]
async fn a_410_drops_the_token_and_a_full_resync_removes_what_is_gone() {
    let w = world().await;
    for i in 0..12 {
        w.put(WORK, &format!("w{i}"), &format!("Work {i}"), i);
    }
    assert!(w.sync().await.is_ok());
    // Old history the provider is not asked about again must survive the resync.
    let old = {
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
        source
    };
    w.fake.invalidate_sync_tokens();
    // A deletion the server will never report: only a full listing shows it.
    w.fake.delete_event(WORK, "w5");
    w.put(WORK, "w6", "Changed during the outage", 6);
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    let work = report.sources.iter().find(|s| s.name == "Work").unwrap();
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
    assert!(statuses.contains(&410));
    assert!(old > 0);
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
        Fault::RateLimit403 {
            reason: "rateLimitExceeded",
        },
        Fault::RateLimit403 {
            reason: "userRateLimitExceeded",
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
        // Let the calendar list through, then fail the first events request.
        w.fake.inject(Fault::Slow(Duration::ZERO));
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
            Fault::RateLimit403 { .. } => assert!(statuses.contains(&403)),
            Fault::Unauthorized => assert!(statuses.contains(&401)),
            _ => {}
        }
    }
}

#[tokio::test]
async fn malformed_json_fails_the_source_without_advancing_or_losing_anything() {
    let w = world().await;
    for i in 0..20 {
        w.put(WORK, &format!("w{i}"), &format!("Work {i}"), i);
    }
    assert!(w.sync().await.is_ok());
    let cursor = w.cursor(WORK);
    let before = w.stored(WORK);
    w.put(WORK, "later", "Added later", 40);
    w.fake.inject(Fault::Slow(Duration::ZERO)); // calendarList
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
    if failed[0].name == "Work" {
        assert_eq!(
            w.cursor(WORK),
            cursor,
            "the cursor never passes unprocessed data"
        );
        assert_eq!(w.stored(WORK), before);
    }
    let state = w
        .store
        .lock()
        .unwrap()
        .sync_state(failed[0].source_id)
        .unwrap()
        .unwrap();
    assert_eq!(state.last_error.as_deref(), Some(error));
    // The next sync completes.
    assert!(w.sync().await.is_ok());
    w.assert_in_step();
    let state = w
        .store
        .lock()
        .unwrap()
        .sync_state(failed[0].source_id)
        .unwrap()
        .unwrap();
    assert!(state.last_error.is_none());
}

#[tokio::test]
async fn a_calendar_list_that_cannot_be_read_is_the_accounts_error_until_a_sync_works() {
    let w = world().await;
    w.put(WORK, "w1", "Work", 1);
    assert!(w.sync().await.is_ok());
    w.fake.inject(Fault::MalformedJson); // calendarList
    let report = w.sync().await;
    let error = report.error.clone().expect("the account's sync failed");
    assert!(report.sources.is_empty(), "no source synced: {report:?}");
    let errors = w.store.lock().unwrap().account_errors().unwrap();
    assert_eq!(errors, vec![(w.account, error)]);
    let account = w.store.lock().unwrap().account(w.account).unwrap();
    assert_eq!(
        account.status,
        vica_core::model::AccountStatus::Ok,
        "not a sign-in problem: nothing to reconnect"
    );
    // The next sync lists the calendars again, and the error goes.
    assert!(w.sync().await.is_ok());
    assert!(w.store.lock().unwrap().account_errors().unwrap().is_empty());
    w.assert_in_step();
}

#[tokio::test]
async fn a_listing_resumed_after_a_break_brings_what_changed_meanwhile_in_the_same_sync() {
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
    w.fake.inject_on("alex", Fault::Slow(Duration::ZERO)); // the first page of changes
    w.fake.inject_on("alex", Fault::DropMidBody);
    assert!(!w.sync().await.is_ok());
    w.fake.clear_faults();
    // Meanwhile an event is added whose place in the listing lies on a page
    // already read, and one read there is renamed.
    w.put(WORK, "a-new", "Added meanwhile", 5);
    w.put(WORK, "m0", "Renamed meanwhile", 0);
    // One sync: the rest of the listing, then what changed since it began.
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    w.assert_in_step();
}

#[tokio::test]
async fn an_interrupted_first_sync_resumes_from_the_last_committed_page() {
    let w = world().await;
    for i in 0..30 {
        w.put(WORK, &format!("w{i:02}"), &format!("Work {i}"), i * 2);
    }
    // Fail the Work calendar's third page for good (every attempt).
    w.fake.inject(Fault::Slow(Duration::ZERO)); // calendarList
    let google = {
        let mut config = GoogleConfig::new(&w.fake.base_url()).unwrap();
        config.page_size = 7;
        config.retry = RetryPolicy {
            max_attempts: 1,
            ..fast_retries()
        };
        Arc::new(Google::new(config, Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN))).unwrap())
    };
    let only = [w.source_id_or_sync(&google).await];
    w.fake.inject(Fault::Slow(Duration::ZERO)); // calendarList
    w.fake.inject(Fault::Slow(Duration::ZERO)); // page 1
    w.fake.inject(Fault::Slow(Duration::ZERO)); // page 2
    w.fake.inject(Fault::DropMidBody); // page 3
    let report = w
        .engine
        .sync_account(w.account, google.clone(), Some(&only), Arc::new(|_| {}))
        .await;
    assert!(!report.is_ok());
    assert_eq!(report.sources[0].pages, 2);
    assert_eq!(w.stored(WORK).len(), 14, "two pages were committed");
    assert!(w.cursor(WORK).unwrap().contains("\"full\":true"));
    w.fake.clear_requests();
    assert!(w.sync().await.is_ok());
    w.assert_in_step();
    let first = w
        .fake
        .requests()
        .into_iter()
        .find(|r| r.path.contains("alex"))
        .unwrap();
    assert!(
        first.param("pageToken").is_some(),
        "resumed with the stored page token: {first:?}"
    );
}

impl World {
    /// Lists sources once (so ids exist) and returns the Work calendar's id.
    async fn source_id_or_sync(&self, google: &Arc<Google>) -> i64 {
        let report = self
            .engine
            .sync_account(self.account, google.clone(), Some(&[]), Arc::new(|_| {}))
            .await;
        assert!(report.error.is_none());
        self.source_id(WORK)
    }
}

#[tokio::test]
async fn a_calendar_removed_at_the_provider_is_marked_gone_and_keeps_its_items() {
    let w = world().await;
    w.put(WORK, "w1", "Work", 1);
    w.put(TEAM, "t1", "Team", 1);
    assert!(w.sync().await.is_ok());
    w.fake.remove_calendar(TEAM);
    let report = w.sync().await;
    assert!(
        report.is_ok(),
        "a calendar no longer listed is not an error: {report:?}"
    );
    let team = w
        .store
        .lock()
        .unwrap()
        .sources()
        .unwrap()
        .into_iter()
        .find(|s| s.provider_id == TEAM)
        .unwrap();
    assert!(team.gone);
    assert_eq!(
        w.stored(TEAM).len(),
        1,
        "cached items stay until the user removes the source"
    );
    assert_eq!(w.stored(WORK).len(), 1);
}

#[tokio::test]
async fn an_unauthorized_account_needs_reconnecting() {
    let w = world().await;
    w.put(WORK, "w1", "Work", 1);
    w.fake.set_access_token("a-rotated-token-we-do-not-have");
    let report = w.sync().await;
    assert!(
        report.error.as_deref().unwrap().contains("reconnect"),
        "{report:?}"
    );
    let account = w.store.lock().unwrap().account(w.account).unwrap();
    assert_eq!(
        account.status,
        vica_core::model::AccountStatus::NeedsReconnect
    );
}

#[tokio::test]
async fn malformed_items_are_skipped_and_reported_and_the_rest_kept() {
    let w = world().await;
    w.put(WORK, "good", "Fine", 1);
    w.fake.put_event(
        WORK,
        json!({"id": "bad", "summary": "No times", "status": "confirmed"}),
    );
    // An all-day event inside the window, whenever the test runs.
    let day = Utc::now().date_naive();
    w.fake.put_event(
        WORK,
        json!({"id": "odd", "summary": "Odd status", "status": "exploded",
        "start": {"date": day.to_string()}, "end": {"date": day.succ_opt().unwrap().to_string()}}),
    );
    let report = w.sync().await;
    let work = report.sources.iter().find(|s| s.name == "Work").unwrap();
    let rejected: Vec<&str> = work.rejected.iter().map(|r| r.0.as_str()).collect();
    assert!(
        rejected.contains(&"bad") && rejected.contains(&"odd"),
        "{rejected:?}"
    );
    assert!(w.stored(WORK).contains_key("good"));
}

// ---------------------------------------------------------------------------
// The window moves with the clock (issue #20)

/// Monday 2 March 2026, 08:00 UTC.
fn monday() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// A series' master as Google stores it, first instance `start` (UTC),
/// 30 minutes long, expanded in Berlin time.
fn master(id: &str, title: &str, start: DateTime<Utc>, rule: &str) -> Value {
    let tz: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    let at = |t: DateTime<Utc>| t.with_timezone(&tz).to_rfc3339();
    json!({
        "id": id,
        "summary": title,
        "start": {"dateTime": at(start), "timeZone": "Europe/Berlin"},
        "end": {"dateTime": at(start + Span::minutes(30)), "timeZone": "Europe/Berlin"},
        "recurrence": [rule],
    })
}

fn one_off(id: &str, title: &str, start: DateTime<Utc>) -> Value {
    json!({
        "id": id,
        "summary": title,
        "start": {"dateTime": start.to_rfc3339(), "timeZone": "UTC"},
        "end": {"dateTime": (start + Span::hours(1)).to_rfc3339(), "timeZone": "UTC"},
    })
}

type Held = BTreeMap<String, (String, DateTime<Utc>)>;

impl World {
    /// Every event of a calendar in the store, wherever it lies.
    fn stored_all(&self, calendar: &str) -> Held {
        let source = self.source_id(calendar);
        let store = self.store.lock().unwrap();
        let (far_past, far_future) = (
            DateTime::UNIX_EPOCH,
            DateTime::UNIX_EPOCH + Span::weeks(52 * 200),
        );
        store
            .events_overlapping(far_past, far_future)
            .unwrap()
            .into_iter()
            .filter(|e| e.source_id == source)
            .map(|e| {
                let (start, _) = e.record.time.utc_bounds();
                (
                    e.record.provider_id.clone(),
                    (e.record.title.clone(), start),
                )
            })
            .collect()
    }

    /// What the store holds inside the engine's window now, and what lies beyond its end.
    fn stored_in_window(&self, calendar: &str) -> (Held, Held) {
        let w = self.engine.window();
        let source = self.source_id(calendar);
        let store = self.store.lock().unwrap();
        let (mut inside, mut beyond) = (Held::new(), Held::new());
        for e in store
            .events_overlapping(
                DateTime::UNIX_EPOCH,
                DateTime::UNIX_EPOCH + Span::weeks(52 * 200),
            )
            .unwrap()
            .into_iter()
            .filter(|e| e.source_id == source)
        {
            let (start, end) = e.record.time.utc_bounds();
            let entry = (
                e.record.provider_id.clone(),
                (e.record.title.clone(), start),
            );
            if start >= w.end {
                beyond.insert(entry.0, entry.1);
            } else if end > w.start {
                inside.insert(entry.0, entry.1);
            }
        }
        (inside, beyond)
    }

    /// What Google shows of a calendar in the engine's window now (singleEvents).
    fn served_in_window(&self, calendar: &str) -> Held {
        let w = self.engine.window();
        self.fake
            .instances(calendar, Some(w.start), Some(w.end))
            .into_iter()
            .map(|e| {
                let start = e["start"]["dateTime"].as_str().unwrap();
                (
                    e["id"].as_str().unwrap().to_owned(),
                    (
                        e["summary"].as_str().unwrap_or("").to_owned(),
                        DateTime::parse_from_rfc3339(start)
                            .unwrap()
                            .with_timezone(&Utc),
                    ),
                )
            })
            .collect()
    }

    /// The store holds what Google shows in the window, and nothing beyond its end.
    fn assert_window_in_step(&self, calendar: &str, when: &str) {
        let (inside, beyond) = self.stored_in_window(calendar);
        let served = self.served_in_window(calendar);
        let missing: Vec<&String> = served.keys().filter(|k| !inside.contains_key(*k)).collect();
        let extra: Vec<&String> = inside.keys().filter(|k| !served.contains_key(*k)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{when}: {} missing {missing:?}, {} extra {extra:?}",
            missing.len(),
            extra.len()
        );
        assert_eq!(inside, served, "{when}");
        assert!(
            beyond.is_empty(),
            "{when}: {} kept beyond the window's end, e.g. {:?}",
            beyond.len(),
            beyond.iter().next()
        );
    }
}

#[tokio::test]
async fn the_window_follows_the_calendar_as_weeks_pass() {
    let clock = ManualClock::new(monday());
    let w = world_on(fast_retries(), 50, clock.shared()).await;
    let start = monday() - Span::weeks(8);
    // Unchanged series and a one-off created long in advance: nothing about
    // them changes, so no sync token ever returns them again.
    w.fake.put_event(
        WORK,
        master(
            "standup",
            "Standup",
            start + Span::minutes(90),
            "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
        ),
    );
    w.fake.put_event(
        WORK,
        master(
            "oneonone",
            "1:1",
            start + Span::hours(7),
            "RRULE:FREQ=WEEKLY",
        ),
    );
    w.fake.put_event(
        TEAM,
        master(
            "planning",
            "Planning",
            start + Span::hours(29),
            "RRULE:FREQ=WEEKLY;INTERVAL=2",
        ),
    );
    w.fake.put_event(
        WORK,
        one_off("offsite", "Offsite", monday() + Span::weeks(9)),
    );
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    w.assert_window_in_step(WORK, "first sync");
    w.assert_window_in_step(TEAM, "first sync");
    for week in 1..=8 {
        clock.advance(Span::weeks(1));
        w.fake.clear_requests();
        let report = w.sync().await;
        assert!(report.is_ok(), "week {week}: {report:?}");
        for calendar in [WORK, TEAM] {
            w.assert_window_in_step(calendar, &format!("week {week}, {calendar}"));
        }
        // The cost: per calendar, the token's page and one listing of the week that entered.
        let listings: Vec<_> = w
            .fake
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("/events"))
            .collect();
        assert_eq!(listings.len(), 4, "week {week}: {listings:?}");
        let slices: Vec<_> = listings
            .iter()
            .filter(|r| r.param("timeMax").is_some())
            .collect();
        assert_eq!(slices.len(), 2, "week {week}");
        for r in slices {
            let min = DateTime::parse_from_rfc3339(r.param("timeMin").unwrap()).unwrap();
            let max = DateTime::parse_from_rfc3339(r.param("timeMax").unwrap()).unwrap();
            assert_eq!(
                max - min,
                Span::weeks(1),
                "week {week}: only the week that entered"
            );
            assert_eq!(max, clock.now() + Span::weeks(4));
        }
    }
    assert!(w.stored(WORK).contains_key("offsite"));
}

#[tokio::test]
async fn a_touched_series_does_not_pile_up_outside_the_window() {
    let clock = ManualClock::new(monday());
    let w = world_on(fast_retries(), 500, clock.shared()).await;
    // A weekly series that began a year ago and has no end.
    let first = monday() - Span::weeks(52) + Span::hours(7);
    w.fake
        .put_event(WORK, master("oneonone", "1:1", first, "RRULE:FREQ=WEEKLY"));
    w.fake
        .put_event(WORK, one_off("review", "Review", monday() + Span::days(3)));
    assert!(w.sync().await.is_ok());
    // Ten weeks on, the first weeks of the first listing are history.
    for _ in 0..10 {
        clock.advance(Span::weeks(1));
        assert!(w.sync().await.is_ok());
    }
    let window = w.engine.window();
    let history: Held = w
        .stored_all(WORK)
        .into_iter()
        .filter(|(_, (_, start))| *start + Span::minutes(30) <= window.start)
        .collect();
    assert_eq!(history.len(), 10, "ten weeks slid out of the window");

    // The series renamed: Google returns every instance, a year back and
    // fourteen years ahead. A one-off moves beyond the window's end.
    let mut renamed = master("oneonone", "1:1 with Kim", first, "RRULE:FREQ=WEEKLY");
    renamed["description"] = json!("new agenda");
    w.fake.put_event(WORK, renamed);
    w.fake.put_event(
        WORK,
        one_off("review", "Review", clock.now() + Span::weeks(6)),
    );
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    w.assert_window_in_step(WORK, "after the rename");
    assert!(
        !w.stored(WORK).contains_key("review"),
        "moved beyond the end: gone"
    );
    // History is updated where it is held, and nothing older is added.
    let before: Held = w
        .stored_all(WORK)
        .into_iter()
        .filter(|(_, (_, start))| *start + Span::minutes(30) <= window.start)
        .collect();
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        history.keys().collect::<Vec<_>>(),
        "only the history the store had"
    );
    assert!(before.values().all(|(title, _)| title == "1:1 with Kim"));

    // Weeks later the moved one-off and the renamed instances enter the window.
    for _ in 0..3 {
        clock.advance(Span::weeks(1));
        assert!(w.sync().await.is_ok());
        w.assert_window_in_step(WORK, "later");
    }
    assert!(w.stored(WORK).contains_key("review"));
}

#[tokio::test]
async fn a_slice_of_the_window_broken_off_is_finished_and_followed_by_the_changes_in_one_sync() {
    let clock = ManualClock::new(monday());
    let w = world_on(
        RetryPolicy {
            max_attempts: 1,
            ..fast_retries()
        },
        3,
        clock.shared(),
    )
    .await;
    w.fake
        .put_event(WORK, one_off("now", "This week", monday()));
    assert!(w.sync().await.is_ok());
    // Two weeks on, six one-offs created long ago enter the window's end:
    // a slice of two pages. The sync breaks on its second.
    clock.advance(Span::weeks(2));
    for i in 0..6 {
        let at = monday() + Span::weeks(5) + Span::days(i);
        w.fake
            .put_event(WORK, one_off(&format!("later{i}"), "Later", at));
    }
    w.fake.inject_on("timeMin", Fault::Slow(Duration::ZERO));
    w.fake.inject_on("timeMin", Fault::DropMidBody);
    assert!(!w.sync().await.is_ok());
    w.fake.clear_faults();
    // Meanwhile an event is added inside the window and one is renamed.
    w.fake.put_event(
        WORK,
        one_off("added", "Added meanwhile", monday() + Span::weeks(2)),
    );
    w.fake.put_event(WORK, one_off("now", "Renamed", monday()));
    // One sync: the rest of the slice, then the changes since the token.
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    w.assert_window_in_step(WORK, "after one sync");
    assert_eq!(w.stored(WORK)["added"].0, "Added meanwhile");
}

#[tokio::test]
async fn a_last_page_without_a_sync_token_keeps_what_it_wrote_and_lists_again() {
    let w = world().await;
    for i in 0..10 {
        w.put(WORK, &format!("w{i}"), &format!("Work {i}"), i * 3);
    }
    w.fake.set_drop_sync_token(true);
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(
        w.stored(WORK).len(),
        10,
        "every page kept, the last one too"
    );
    // Next time: a fresh full listing, which also removes what it no longer returns.
    w.fake.delete_event(WORK, "w3");
    w.put(WORK, "w4", "Renamed", 4 * 3);
    w.fake.clear_requests();
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    w.assert_in_step();
    let work_requests: Vec<_> = w
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("alex"))
        .collect();
    assert!(
        work_requests
            .iter()
            .all(|r| r.param("syncToken").is_none() && r.param("timeMin").is_some()),
        "listed afresh: {work_requests:?}"
    );
    // Once Google sends a token again, syncs are incremental again.
    w.fake.set_drop_sync_token(false);
    assert!(w.sync().await.is_ok());
    w.fake.clear_requests();
    w.put(WORK, "w5", "Renamed too", 5 * 3);
    assert!(w.sync().await.is_ok());
    w.assert_in_step();
    let work_requests: Vec<_> = w
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("alex"))
        .collect();
    assert!(
        work_requests.iter().any(|r| r.param("syncToken").is_some()),
        "{work_requests:?}"
    );
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
        Move(u8),
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
            1 => any::<u8>().prop_map(|i| Op::Move(i % 40)),
            1 => Just(Op::Invalidate),
            2 => Just(Op::Sync),
            2 => (0u8..4).prop_map(Op::InterruptedSync),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]
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
                        Op::Move(i) => if let Some(c) = find(i) { let to = if c == WORK { TEAM } else { WORK }; w.fake.move_event(c, &id(i), to); },
                        Op::Invalidate => w.fake.invalidate_sync_tokens(),
                        Op::Sync => { w.sync().await; }
                        Op::InterruptedSync(n) => {
                            w.fake.inject(Fault::Slow(Duration::ZERO));
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
