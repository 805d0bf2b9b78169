//! The engine and the Google client against the fake Google Calendar server on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Duration as Span, SubsecRound, Utc};
use serde_json::{Value, json};
use vica_core::Store;
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
    let fake = FakeGoogle::start().await.unwrap();
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
    let engine = Engine::new(store.clone(), SyncOptions::default());
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
    assert_eq!(work.pages, 6, "40 events at 7 per page");
    assert_eq!(work.written, 40);
    assert_eq!(work.full_syncs, 1);
    let mut served = w.served(WORK);
    served.remove("ancient");
    assert_eq!(w.stored(WORK), served);
    assert_eq!(w.stored(TEAM), w.served(TEAM));
    // Every listing request asked for single events inside the window.
    for r in w
        .fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/events"))
    {
        assert_eq!(r.param("singleEvents"), Some("true"));
        assert!(r.param("timeMin").is_some() && r.param("timeMax").is_some());
    }
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
    assert_eq!(pages, 6 + 1);
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
    w.fake.put_event(
        WORK,
        json!({"id": "odd", "summary": "Odd status", "status": "exploded",
        "start": {"date": "2026-11-16"}, "end": {"date": "2026-11-17"}}),
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
