//! History import: each provider's past before the sync window, fetched
//! back to a day in chunks from the fakes, after the window is in; an import
//! broken off (a network drop, a 429 storm, refused credentials, a sync
//! dropped mid-page as a kill drops it) keeps what it committed, says where
//! it stopped, and resumes there without asking for a committed page again.
//!
//! The property test breaks an import off after random numbers of pages and
//! checks it converges to the store of an uninterrupted one. CI runs a few
//! cases; `VICA_LONG=1 cargo test -p vica-sync --test history_import` runs
//! many more (or set `PROPTEST_CASES`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration as Span, SubsecRound, Utc};
use common::{Kind, Setup};
use vica_core::model::{AccountStatus, Source, SourceRecord};
use vica_fakes::FakeServer;
use vica_fakes::http::Fault;
use vica_fakes::oauth::TokenFault;
use vica_sync::engine::{HistorySince, Progress};
use vica_sync::import::{CANCELLED, Cancel, ImportReport};
use vica_sync::provider::{Fetched, PastListing, Provider, Window};
use vica_sync::{Engine, SyncEvent, SyncOptions};

/// How far back the items go, and how far back the import is asked to reach.
const ITEMS_WEEKS: i64 = 60;
const SINCE_WEEKS: i64 = 45;

/// An item as the fake holds it: its title, its time (an event's start, a
/// task's completion) and when it ends (an event's end, 45 minutes after its
/// start; a task's completion).
type Item = (String, DateTime<Utc>, DateTime<Utc>);

/// One item every five days back to [`ITEMS_WEEKS`] weeks ago (the first
/// source), and a few (the second): `"<source>/<id>" -> item`.
fn fill(setup: &Setup) -> BTreeMap<String, Item> {
    let mut items = BTreeMap::new();
    let [a, b] = setup.kind.sources();
    let now = Utc::now().trunc_subsecs(0);
    // What `Setup::start` put in the second source: now and just after
    // (events), just before (tasks).
    for i in 0..3 {
        let at = match setup.kind {
            Kind::Todoist => now - Span::hours(i + 1),
            _ => now + Span::hours(i),
        };
        items.insert(format!("{b}/b{i}"), item(setup, format!("Second {i}"), at));
    }
    // Todoist's task ids are the account's, not the project's: one set each.
    for (source, every, tag) in [(a, 5, "pa"), (b, 23, "pb")] {
        let mut k = 0;
        loop {
            let hours = 24 * every * k + 7;
            if hours > ITEMS_WEEKS * 7 * 24 {
                break;
            }
            let id = format!("{tag}{k}");
            let title = format!("Past {k} of {source}");
            // Events start `hours` before now; tasks complete `hours + 1` before now.
            let (n, at) = match setup.kind {
                Kind::Todoist => (hours, now - Span::hours(hours + 1)),
                _ => (-hours, now - Span::hours(hours)),
            };
            setup.add(source, &id, &title, n);
            items.insert(format!("{source}/{id}"), item(setup, title, at));
            k += 1;
        }
    }
    items
}

fn item(setup: &Setup, title: String, at: DateTime<Utc>) -> Item {
    let ends = match setup.kind {
        Kind::Todoist => at,
        _ => at + Span::minutes(45),
    };
    (title, at, ends)
}

/// The items a listing from `from` holds: tasks completed at or after it,
/// events that end after it (as the providers list them: an event that
/// began the evening before and runs past midnight is on the day too).
fn after(items: &BTreeMap<String, Item>, from: DateTime<Utc>) -> BTreeMap<String, String> {
    items
        .iter()
        .filter(|(_, (_, at, ends))| *at >= from || *ends > from)
        .map(|(k, (title, ..))| (k.clone(), title.clone()))
        .collect()
}

fn since() -> HistorySince {
    let day = (Utc::now() - Span::weeks(SINCE_WEEKS)).date_naive();
    HistorySince::new(day, chrono_tz::UTC)
}

fn importer(setup: &Setup) -> Engine {
    Engine::new(
        setup.store.clone(),
        SyncOptions {
            concurrency: 1,
            history_since: Some(since()),
            ..SyncOptions::default()
        },
    )
}

async fn import(
    setup: &Setup,
    engine: &Engine,
    provider: Arc<dyn Provider>,
    events: Option<Arc<Mutex<Vec<SyncEvent>>>>,
) -> Vec<ImportReport> {
    let progress: Progress = match events {
        Some(log) => Arc::new(move |e| log.lock().unwrap().push(e)),
        None => Arc::new(|_| {}),
    };
    engine
        .import_history(setup.account.id, provider, None, progress, &Cancel::new())
        .await
}

/// The past listings the fake answered in full: one entry per page asked
/// for (path, project, span, page token).
fn past_pages(setup: &Setup, window_start: DateTime<Utc>) -> Vec<String> {
    setup
        .server
        .requests()
        .into_iter()
        // A fault (a body cut off, a 429) delivered nothing: asking again is no repeat.
        .filter(|r| r.status == 200 && r.fault.is_none())
        .filter_map(|r| {
            let (from, to) = match setup.kind {
                Kind::Google => (r.param("timeMin")?, r.param("timeMax")?),
                Kind::Outlook if r.path.ends_with("/calendarView") => {
                    (r.param("startDateTime")?, r.param("endDateTime")?)
                }
                Kind::Todoist
                    if r.path.contains("by_completion_date") || r.path.contains("activities") =>
                {
                    let from = r.param("since").or(r.param("date_from"))?;
                    let to = r.param("until").or(r.param("date_to"))?;
                    (from, to)
                }
                _ => return None,
            };
            // Only listings of the past: those ending by the window's start.
            let to: DateTime<Utc> = to.parse().ok()?;
            (to <= window_start + Span::minutes(1)).then(|| {
                let page = r
                    .param("pageToken")
                    .or(r.param("cursor"))
                    .or(r.param("$skiptoken"))
                    .unwrap_or("");
                // Todoist names the project in the query.
                let project = r
                    .param("project_id")
                    .or(r.param("parent_project_id"))
                    .unwrap_or("");
                format!("{} {project} {from} {to} {page}", r.path)
            })
        })
        .collect()
}

fn assert_no_page_twice(pages: &[String]) {
    let mut seen = BTreeSet::new();
    for p in pages {
        assert!(seen.insert(p), "asked twice for {p}");
    }
}

/// Sync, then import: the whole past back to the day, nothing asked twice.
async fn imports_the_past(kind: Kind) {
    let setup = Setup::start(kind, 0).await;
    let items = fill(&setup);
    let engine = importer(&setup);
    let window_start = engine.window().start;

    // Before the window is in, nothing is imported: the current week first.
    assert!(
        import(&setup, &engine, setup.provider.clone(), None)
            .await
            .is_empty()
    );
    assert!(
        setup
            .store
            .lock()
            .unwrap()
            .history_imports()
            .unwrap()
            .is_empty()
    );

    let report = engine
        .sync_account(
            setup.account.id,
            setup.provider.clone(),
            None,
            Arc::new(|_| {}),
        )
        .await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(
        setup.stored(),
        after(&items, window_start),
        "{kind:?}: the window only"
    );

    setup.server.clear_requests();
    let events = Arc::new(Mutex::new(Vec::new()));
    let reports = import(
        &setup,
        &engine,
        setup.provider.clone(),
        Some(events.clone()),
    )
    .await;
    assert_eq!(reports.len(), 2, "{reports:?}");
    for r in &reports {
        assert!(r.complete(), "{kind:?}: {r:?}");
        assert_eq!(r.reached, since().start);
    }
    assert_eq!(
        setup.stored(),
        after(&items, since().start),
        "{kind:?}: the past back to the day, none before it"
    );
    let pages = past_pages(&setup, window_start);
    assert!(pages.len() >= 3, "{kind:?}: several pages: {pages:?}");
    assert_no_page_twice(&pages);
    // Progress says how far back each source reached, ending at the day.
    let events = events.lock().unwrap().clone();
    let reached: Vec<DateTime<Utc>> = events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::HistoryProgress { reached, .. } => Some(*reached),
            _ => None,
        })
        .collect();
    assert!(reached.contains(&since().start), "{events:?}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, SyncEvent::HistoryFinished { stopped: None, .. })),
        "{events:?}"
    );

    // A later sync asks for no history again, and a full relisting of the
    // window sweeps none of it.
    setup.server.clear_requests();
    assert!(
        import(&setup, &engine, setup.provider.clone(), None)
            .await
            .is_empty()
    );
    assert!(past_pages(&setup, window_start).is_empty());
    let report = engine
        .sync_account(
            setup.account.id,
            setup.provider.clone(),
            None,
            Arc::new(|_| {}),
        )
        .await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(
        setup.stored(),
        after(&items, since().start),
        "{kind:?}: nothing swept"
    );
}

#[tokio::test]
async fn google_imports_the_past_back_to_the_day() {
    imports_the_past(Kind::Google).await;
}

#[tokio::test]
async fn graph_imports_the_past_back_to_the_day() {
    imports_the_past(Kind::Outlook).await;
}

#[tokio::test]
async fn todoist_imports_the_past_back_to_the_day() {
    imports_the_past(Kind::Todoist).await;
}

/// A provider that breaks off after a number of past pages, as a sync killed
/// or cut off there would: the page it was fetching never commits.
struct BreaksOff {
    inner: Arc<dyn Provider>,
    pages_left: AtomicUsize,
}

#[async_trait]
impl Provider for BreaksOff {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn list_sources(&self) -> vica_sync::Result<Vec<SourceRecord>> {
        self.inner.list_sources().await
    }
    async fn fetch(
        &self,
        source: &Source,
        cursor: Option<&str>,
        window: Window,
    ) -> vica_sync::Result<Fetched> {
        self.inner.fetch(source, cursor, window).await
    }
    fn relist(&self, cursor: &str, listed: Window, window: Window) -> Option<Window> {
        self.inner.relist(cursor, listed, window)
    }
    fn past(&self) -> PastListing {
        self.inner.past()
    }
    async fn fetch_past(
        &self,
        source: &Source,
        span: Window,
        page: Option<&str>,
    ) -> vica_sync::Result<Fetched> {
        let left = self.pages_left.load(Ordering::SeqCst);
        if left == 0 {
            return Err(vica_sync::SyncError::Interrupted);
        }
        self.pages_left.store(left - 1, Ordering::SeqCst);
        self.inner.fetch_past(source, span, page).await
    }
}

/// An import broken off after `breaks[i]` pages, again and again, then left
/// to finish: the same store as an uninterrupted import, and no page that
/// was committed is asked for again.
async fn interrupted_converges(kind: Kind, breaks: &[usize]) {
    let setup = Setup::start(kind, 0).await;
    let items = fill(&setup);
    let engine = importer(&setup);
    let window_start = engine.window().start;
    let report = engine
        .sync_account(
            setup.account.id,
            setup.provider.clone(),
            None,
            Arc::new(|_| {}),
        )
        .await;
    assert!(report.is_ok(), "{report:?}");
    setup.server.clear_requests();
    for &pages in breaks {
        let provider = Arc::new(BreaksOff {
            inner: setup.provider.clone(),
            pages_left: AtomicUsize::new(pages),
        });
        let reports = import(&setup, &engine, provider, None).await;
        if reports.iter().all(ImportReport::complete) {
            break;
        }
        assert_eq!(setup.integrity(), ["ok"]);
        let stopped = setup.store.lock().unwrap().history_imports().unwrap();
        assert!(
            stopped.iter().any(|p| p.stopped.is_some()),
            "the import says where it stopped: {stopped:?}"
        );
    }
    let reports = import(&setup, &engine, setup.provider.clone(), None).await;
    assert!(reports.iter().all(ImportReport::complete), "{reports:?}");
    assert_eq!(
        setup.stored(),
        after(&items, since().start),
        "{kind:?} {breaks:?}"
    );
    assert_no_page_twice(&past_pages(&setup, window_start));
}

#[tokio::test]
async fn an_import_broken_off_resumes_and_asks_for_nothing_twice() {
    for kind in Kind::ALL {
        interrupted_converges(kind, &[1, 0, 2, 3]).await;
    }
}

/// A network drop (every retry fails), then a 429 storm the transport gives
/// up on: each stops the import where it was, with the reason, keeping what
/// was committed; the next run resumes there.
#[tokio::test]
async fn a_network_drop_and_a_429_storm_stop_the_import_where_it_was() {
    let setup = Setup::start(Kind::Google, 0).await;
    let items = fill(&setup);
    let engine = importer(&setup);
    let report = engine
        .sync_account(
            setup.account.id,
            setup.provider.clone(),
            None,
            Arc::new(|_| {}),
        )
        .await;
    assert!(report.is_ok(), "{report:?}");
    let window_start = engine.window().start;
    setup.server.clear_requests();

    // Two past pages go through, then the provider is out of reach.
    setup.server.inject(Fault::Slow(std::time::Duration::ZERO));
    setup.server.inject(Fault::Slow(std::time::Duration::ZERO));
    for _ in 0..8 {
        setup.server.inject(Fault::DropMidBody);
    }
    let reports = import(&setup, &engine, setup.provider.clone(), None).await;
    let first = &reports[0];
    assert!(!first.complete(), "{first:?}");
    assert_eq!(first.pages, 2, "{first:?}");
    let reached = first.reached;
    assert!(
        reached <= engine.window().start && reached > since().start,
        "{first:?}"
    );
    let row = setup
        .store
        .lock()
        .unwrap()
        .history_import(first.source_id)
        .unwrap()
        .unwrap();
    assert_eq!(row.reached, reached);
    assert!(
        row.chunk.as_ref().is_some_and(|c| c.page.is_some()),
        "it stopped inside a chunk, at the page after the two it wrote: {row:?}"
    );
    assert_eq!(
        row.stopped, first.stopped,
        "the store says where and why it stopped"
    );
    let kept = setup.stored();
    setup.server.clear_faults();

    // A 429 storm, Retry-After and all, until the transport gives up.
    for _ in 0..8 {
        setup.server.inject(Fault::Status {
            code: 429,
            retry_after: Some(0),
        });
    }
    let reports = import(&setup, &engine, setup.provider.clone(), None).await;
    assert!(!reports[0].complete(), "{reports:?}");
    assert!(
        reports[0].stopped.as_deref().unwrap_or("").contains("rate")
            || reports[0].stopped.as_deref().unwrap_or("").contains("429")
            || reports[0].stopped.as_deref().unwrap_or("").contains("many"),
        "{reports:?}"
    );
    assert_eq!(reports[0].reached, reached, "nothing lost, nothing moved");
    assert_eq!(setup.stored(), kept);
    setup.server.clear_faults();

    let reports = import(&setup, &engine, setup.provider.clone(), None).await;
    assert!(reports.iter().all(ImportReport::complete), "{reports:?}");
    assert_eq!(setup.stored(), after(&items, since().start));
    assert_no_page_twice(&past_pages(&setup, window_start));
}

/// Refused credentials stop the import with the account needing a
/// reconnect; what was committed stays, and after the fault it resumes.
#[tokio::test]
async fn a_revoked_token_stops_the_import_and_the_account_needs_reconnecting() {
    let setup = Setup::start(Kind::Google, 0).await;
    let items = fill(&setup);
    let engine = importer(&setup);
    let report = engine
        .sync_account(
            setup.account.id,
            setup.provider.clone(),
            None,
            Arc::new(|_| {}),
        )
        .await;
    assert!(report.is_ok(), "{report:?}");
    let window_start = engine.window().start;
    setup.server.clear_requests();

    setup.server.inject(Fault::Slow(std::time::Duration::ZERO));
    setup.server.inject(Fault::Unauthorized);
    setup.oauth.inject_token_fault(TokenFault::InvalidGrant);
    let reports = import(&setup, &engine, setup.provider.clone(), None).await;
    assert_eq!(
        reports.len(),
        1,
        "the other source is not tried: {reports:?}"
    );
    assert!(reports[0].needs_reconnect, "{reports:?}");
    assert_eq!(reports[0].pages, 1);
    let account = setup
        .store
        .lock()
        .unwrap()
        .account(setup.account.id)
        .unwrap();
    assert_eq!(account.status, AccountStatus::NeedsReconnect);
    let row = setup
        .store
        .lock()
        .unwrap()
        .history_import(reports[0].source_id)
        .unwrap()
        .unwrap();
    assert!(
        row.stopped.is_some() && row.reached < window_start,
        "{row:?}"
    );

    // Reconnected (the fault has passed): it resumes and completes.
    setup
        .store
        .lock()
        .unwrap()
        .set_account_status(setup.account.id, AccountStatus::Ok)
        .unwrap();
    let reports = import(&setup, &engine, setup.provider.clone(), None).await;
    assert!(reports.iter().all(ImportReport::complete), "{reports:?}");
    assert_eq!(setup.stored(), after(&items, since().start));
    assert_no_page_twice(&past_pages(&setup, window_start));
}

/// Cancelling stops the import between pages and keeps what it committed.
#[tokio::test]
async fn a_cancelled_import_keeps_its_pages_and_resumes() {
    let setup = Setup::start(Kind::Google, 0).await;
    let items = fill(&setup);
    let engine = importer(&setup);
    let report = engine
        .sync_account(
            setup.account.id,
            setup.provider.clone(),
            None,
            Arc::new(|_| {}),
        )
        .await;
    assert!(report.is_ok(), "{report:?}");
    let window_start = engine.window().start;
    setup.server.clear_requests();

    let cancel = Cancel::new();
    let pages = Arc::new(AtomicUsize::new(0));
    let progress: Progress = {
        let cancel = cancel.clone();
        let pages = pages.clone();
        Arc::new(move |e| {
            if matches!(e, SyncEvent::HistoryProgress { items, .. } if items > 0)
                && pages.fetch_add(1, Ordering::SeqCst) == 1
            {
                cancel.cancel();
            }
        })
    };
    let reports = engine
        .import_history(
            setup.account.id,
            setup.provider.clone(),
            None,
            progress,
            &cancel,
        )
        .await;
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].stopped.as_deref(), Some(CANCELLED));
    assert_eq!(reports[0].pages, 2);
    let kept = setup.stored();
    assert!(
        kept.len() > after(&items, window_start).len(),
        "the pages are kept"
    );

    let reports = import(&setup, &engine, setup.provider.clone(), None).await;
    assert!(reports.iter().all(ImportReport::complete), "{reports:?}");
    assert_eq!(setup.stored(), after(&items, since().start));
    assert_no_page_twice(&past_pages(&setup, window_start));
}

/// A disk that fills mid-import: the import stops with a clear reason,
/// what it committed stays, and once there is room again it resumes and
/// ends as an uninterrupted import would.
#[tokio::test]
async fn a_full_disk_stops_the_import_where_it_was_and_it_resumes_when_there_is_room() {
    let setup = Setup::start(Kind::Google, 0).await;
    let items = fill(&setup);
    let engine = importer(&setup);
    let report = engine
        .sync_account(
            setup.account.id,
            setup.provider.clone(),
            None,
            Arc::new(|_| {}),
        )
        .await;
    assert!(report.is_ok(), "{report:?}");
    let window = setup.stored();
    // Not a page more for the database file: it fills as the past comes in.
    setup.store.lock().unwrap().limit_growth(Some(0)).unwrap();
    let reports = import(&setup, &engine, setup.provider.clone(), None).await;
    let stopped: Vec<&ImportReport> = reports.iter().filter(|r| !r.complete()).collect();
    assert!(!stopped.is_empty(), "the disk filled: {reports:?}");
    assert!(
        reports.iter().any(|r| r.pages > 0),
        "pages were committed before it filled: {reports:?}"
    );
    for r in &stopped {
        let why = r.stopped.as_deref().unwrap_or_default();
        assert!(why.contains("disk") && why.contains("full"), "{why}");
    }
    // Nothing committed is lost: the window, and the past back to where it stopped.
    let kept = setup.stored();
    assert!(window.iter().all(|(k, v)| kept.get(k) == Some(v)));
    assert!(kept.len() > window.len());
    assert!(kept.len() < after(&items, since().start).len());
    for (k, title) in &kept {
        assert_eq!(items.get(k).map(|i| &i.0), Some(title), "{k}");
    }
    // Room again: it resumes and completes.
    setup.store.lock().unwrap().limit_growth(None).unwrap();
    let reports = import(&setup, &engine, setup.provider.clone(), None).await;
    assert!(reports.iter().all(ImportReport::complete), "{reports:?}");
    assert_eq!(setup.stored(), after(&items, since().start));
    let integrity = setup.store.lock().unwrap().integrity_check().unwrap();
    assert_eq!(integrity, ["ok"]);
}

mod property {
    use proptest::prelude::*;

    fn cases() -> u32 {
        if let Ok(n) = std::env::var("PROPTEST_CASES") {
            return n.parse().unwrap_or(4);
        }
        if std::env::var("VICA_LONG").is_ok_and(|v| v == "1") {
            64
        } else {
            4
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

        /// Broken off anywhere, any number of times, an import converges to
        /// the store of an uninterrupted one and asks for no committed page again.
        #[test]
        fn an_import_interrupted_anywhere_converges(
            kind in prop::sample::select(super::Kind::ALL.to_vec()),
            breaks in prop::collection::vec(0usize..6, 1..5),
        ) {
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
            rt.block_on(super::interrupted_converges(kind, &breaks));
        }
    }
}

/// An ICS file is read whole: with a history day its window starts there,
/// so a sync keeps its past back to that day (and nothing before), and a
/// calendar listed before the day was set is listed afresh from it.
#[tokio::test]
async fn an_ics_file_reaches_back_to_the_day() {
    use vica_core::model::Provider as ProviderKind;
    use vica_sync::ics::{Ics, IcsConfig, Location};

    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now().trunc_subsecs(0);
    let mut feed = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n");
    let mut starts = BTreeMap::new();
    for k in 0..40 {
        let start = now - Span::days(14 * k + 1);
        feed.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:e{k}\r\nDTSTART:{}\r\nDURATION:PT1H\r\nSUMMARY:Event {k}\r\nEND:VEVENT\r\n",
            start.format("%Y%m%dT%H%M%SZ")
        ));
        starts.insert(format!("Event {k}"), start);
    }
    feed.push_str("END:VCALENDAR\r\n");
    let file = dir.path().join("past.ics");
    std::fs::write(&file, feed).unwrap();

    let store = Arc::new(Mutex::new(
        vica_core::Store::open(&dir.path().join("vica.db")).unwrap(),
    ));
    let account = store
        .lock()
        .unwrap()
        .add_account(ProviderKind::Ics, "past", None, false)
        .unwrap()
        .id;
    let ics = || -> Arc<dyn Provider> {
        let location = Location::parse(file.to_str().unwrap()).unwrap();
        Arc::new(Ics::new(location, chrono_tz::UTC, IcsConfig::default()).unwrap())
    };
    let titles = || -> BTreeSet<String> {
        store
            .lock()
            .unwrap()
            .events_overlapping(now - Span::weeks(200), now + Span::weeks(10))
            .unwrap()
            .into_iter()
            .map(|e| e.record.title)
            .collect()
    };
    let expected = |from: DateTime<Utc>| -> BTreeSet<String> {
        starts
            .iter()
            .filter(|(_, s)| **s + Span::hours(1) > from)
            .map(|(t, _)| t.clone())
            .collect()
    };

    // Without a day: the window only.
    let plain = Engine::new(store.clone(), SyncOptions::default());
    let report = plain
        .sync_account(account, ics(), None, Arc::new(|_| {}))
        .await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(titles(), expected(plain.window().start));

    // With a day: the same calendar is listed afresh from it, and kept.
    let since = since();
    let engine = importer_for(store.clone(), since);
    let report = engine
        .sync_account(account, ics(), None, Arc::new(|_| {}))
        .await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(
        titles(),
        expected(since.start),
        "back to the day, none before it"
    );
    // A later sync keeps it (its sweep covers the history, and all is still in the file).
    let report = engine
        .sync_account(account, ics(), None, Arc::new(|_| {}))
        .await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(titles(), expected(since.start));
    // Nothing to import separately: the feed came whole.
    let reports = engine
        .import_history(account, ics(), None, Arc::new(|_| {}), &Cancel::new())
        .await;
    assert!(reports.is_empty(), "{reports:?}");
}

fn importer_for(store: Arc<Mutex<vica_core::Store>>, since: HistorySince) -> Engine {
    Engine::new(
        store,
        SyncOptions {
            concurrency: 1,
            history_since: Some(since),
            ..SyncOptions::default()
        },
    )
}
