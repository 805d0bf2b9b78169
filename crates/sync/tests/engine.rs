//! The engine against scripted providers: it fetches the next page while the
//! last one is being written, and what it fetched ahead is judged like any
//! other page (a cursor the provider refuses there still restarts the
//! listing; nothing is lost or doubled); and its side of `Provider::relist`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{Duration as Span, Utc};
use vica_core::Store;
use vica_core::clock::ManualClock;
use vica_core::model::{Provider as ProviderKind, Source, SourceKind, SourceRecord, TaskRecord};
use vica_sync::provider::{Fetched, Next, Provider, Window};
use vica_sync::{Engine, Result, SyncError, SyncOptions};

fn task(id: &str) -> TaskRecord {
    task_done(id, 2)
}

fn task_done(id: &str, days_ago: i64) -> TaskRecord {
    TaskRecord {
        provider_id: id.into(),
        content: id.into(),
        description: None,
        section: None,
        labels: Vec::new(),
        priority: 1,
        due_date: None,
        completed_at: Some(Utc::now() - Span::days(days_ago)),
        link: None,
        updated_at: None,
    }
}

fn page(ids: &[&str], next: Next) -> Fetched {
    let mut f = Fetched::new(next);
    f.tasks = ids.iter().map(|id| task(id)).collect();
    f
}

/// What one `fetch` answers, by the cursor it was given and the call's number (from 1).
type Script = dyn Fn(Option<&str>, usize) -> Result<Fetched> + Send + Sync;
/// `Provider::relist`'s answer.
type Relist = dyn Fn(&str, Window, Window) -> Option<Window> + Send + Sync;

/// A provider with one project whose pages a closure answers; it records
/// every fetch's cursor and window.
struct Scripted {
    calls: Mutex<Vec<(Option<String>, Window)>>,
    answer: Box<Script>,
    relist: Option<Box<Relist>>,
}

impl Scripted {
    fn new(
        answer: impl Fn(Option<&str>, usize) -> Result<Fetched> + Send + Sync + 'static,
    ) -> Arc<Scripted> {
        Arc::new(Scripted {
            calls: Mutex::new(Vec::new()),
            answer: Box::new(answer),
            relist: None,
        })
    }

    fn cursors(&self) -> Vec<Option<String>> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|c| c.0.clone())
            .collect()
    }

    fn windows(&self) -> Vec<Window> {
        self.calls.lock().unwrap().iter().map(|c| c.1).collect()
    }
}

#[async_trait]
impl Provider for Scripted {
    fn name(&self) -> &'static str {
        "Scripted"
    }
    async fn list_sources(&self) -> Result<Vec<SourceRecord>> {
        Ok(vec![SourceRecord {
            kind: SourceKind::Project,
            provider_id: "p".into(),
            name: "P".into(),
            color: None,
            is_primary: false,
            access_role: None,
        }])
    }
    async fn fetch(&self, _: &Source, cursor: Option<&str>, window: Window) -> Result<Fetched> {
        let n = {
            let mut calls = self.calls.lock().unwrap();
            calls.push((cursor.map(str::to_owned), window));
            calls.len()
        };
        (self.answer)(cursor, n)
    }
    fn relist(&self, cursor: &str, listed: Window, window: Window) -> Option<Window> {
        self.relist.as_ref().and_then(|r| r(cursor, listed, window))
    }
}

struct World {
    _dir: tempfile::TempDir,
    store: Arc<Mutex<Store>>,
    engine: Engine,
    account: i64,
    clock: ManualClock,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("vica.db")).unwrap();
    let account = store
        .add_account(ProviderKind::Todoist, "x", None, false)
        .unwrap()
        .id;
    let store = Arc::new(Mutex::new(store));
    let clock = ManualClock::new(Utc::now());
    let engine = Engine::new(
        store.clone(),
        SyncOptions {
            clock: clock.shared(),
            ..SyncOptions::default()
        },
    );
    World {
        _dir: dir,
        store,
        engine,
        account,
        clock,
    }
}

impl World {
    fn stored(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .store
            .lock()
            .unwrap()
            .tasks_completed_between(Utc::now() - Span::weeks(30), Utc::now())
            .unwrap()
            .into_iter()
            .map(|t| t.record.provider_id)
            .collect();
        ids.sort();
        ids
    }
}

#[tokio::test]
async fn the_next_page_is_fetched_while_the_last_is_written() {
    let w = world();
    // The first fetch hands the store's lock to another thread before it
    // answers, so writing page 1 has to wait for that thread; page 2 must be
    // asked for meanwhile. The thread lets go when page 2 is asked for, or
    // after 5 s (a sequential engine asks only then).
    let (release, released) = mpsc::channel::<()>();
    let released = Mutex::new(Some(released));
    let holder: Mutex<Option<std::thread::JoinHandle<bool>>> = Mutex::new(None);
    let store = w.store.clone();
    let asked_while_waiting = Arc::new(Mutex::new(None));
    let seen = asked_while_waiting.clone();
    let holder = Arc::new(holder);
    let holder_in_fetch = holder.clone();
    let provider = Scripted::new(move |cursor, _| match cursor {
        None => {
            let store = store.clone();
            let released = released.lock().unwrap().take().unwrap();
            let (locked, is_locked) = mpsc::channel();
            let handle = std::thread::spawn(move || {
                let _guard = store.lock().unwrap();
                locked.send(()).unwrap();
                // true: let go because page 2 was asked for.
                released.recv_timeout(Duration::from_secs(5)).is_ok()
            });
            is_locked.recv().unwrap();
            *holder_in_fetch.lock().unwrap() = Some(handle);
            Ok(page(&["a", "b"], Next::More("page-2".into())))
        }
        Some("page-2") => {
            let waiting = holder_in_fetch
                .lock()
                .unwrap()
                .as_ref()
                .is_some_and(|h| !h.is_finished());
            *seen.lock().unwrap() = Some(waiting);
            let _ = release.send(());
            Ok(page(&["c"], Next::Done("end".into())))
        }
        Some(other) => panic!("unexpected cursor {other}"),
    });
    let report = w
        .engine
        .sync_account(w.account, provider.clone(), None, Arc::new(|_| {}))
        .await;
    assert!(report.is_ok(), "{report:?}");
    let handle = holder.lock().unwrap().take().unwrap();
    assert!(
        handle.join().unwrap(),
        "the store was let go because page 2 was asked for"
    );
    assert_eq!(
        *asked_while_waiting.lock().unwrap(),
        Some(true),
        "page 2 was asked for while page 1 waited to be written"
    );
    assert_eq!(w.stored(), ["a", "b", "c"]);
    assert_eq!(report.sources[0].pages, 2);
}

#[tokio::test]
async fn a_cursor_refused_on_the_page_fetched_ahead_restarts_the_listing() {
    let w = world();
    let provider = Scripted::new(|cursor, call| match (cursor, call) {
        // First listing: page 1, then the provider forgets the cursor.
        (None, 1) => Ok(page(&["a", "old"], Next::More("page-2".into()))),
        (Some("page-2"), 2) => Err(SyncError::CursorExpired {
            provider: "Scripted",
        }),
        // The listing again, in full, without "old".
        (None, 3) => Ok(page(&["a"], Next::More("again-2".into()))),
        (Some("again-2"), 4) => Ok(page(&["b"], Next::Done("end".into()))),
        (cursor, call) => panic!("unexpected fetch {call} with {cursor:?}"),
    });
    let report = w
        .engine
        .sync_account(w.account, provider.clone(), None, Arc::new(|_| {}))
        .await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(
        provider.cursors(),
        [
            None,
            Some("page-2".to_owned()),
            None,
            Some("again-2".to_owned())
        ]
    );
    assert_eq!(report.sources[0].full_syncs, 2);
    assert_eq!(
        w.stored(),
        ["a", "b"],
        "the second listing's sweep removed what it no longer has"
    );
}

#[tokio::test]
async fn a_page_fetched_ahead_that_fails_leaves_the_written_pages_and_their_cursor() {
    let w = world();
    let failing = Scripted::new(|cursor, _| match cursor {
        None => Ok(page(&["a"], Next::More("page-2".into()))),
        Some(_) => Err(SyncError::Network {
            provider: "Scripted",
            detail: "connection reset".into(),
        }),
    });
    let report = w
        .engine
        .sync_account(w.account, failing, None, Arc::new(|_| {}))
        .await;
    assert!(!report.is_ok());
    assert_eq!(report.sources[0].pages, 1);
    assert_eq!(w.stored(), ["a"], "page 1 was kept");

    // The next sync continues from page 2's cursor, not from the start, and
    // then follows the cursor the listing ended with: what changed while the
    // listing was broken off comes in this sync, not the one after.
    let resumed = Scripted::new(|cursor, _| match cursor {
        Some("page-2") => Ok(page(&["b"], Next::Done("end".into()))),
        Some("end") => Ok(page(&["c"], Next::Done("end".into()))),
        other => panic!("unexpected cursor {other:?}"),
    });
    let report = w
        .engine
        .sync_account(w.account, resumed.clone(), None, Arc::new(|_| {}))
        .await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(
        resumed.cursors(),
        [Some("page-2".to_owned()), Some("end".to_owned())]
    );
    assert_eq!(w.stored(), ["a", "b", "c"]);

    // A sync that finds no listing under way follows its cursor once.
    let report = w
        .engine
        .sync_account(w.account, resumed.clone(), None, Arc::new(|_| {}))
        .await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(resumed.cursors().len(), 3);
}

#[tokio::test]
async fn a_relist_sweeps_its_window_and_keeps_what_is_older() {
    for relists in [true, false] {
        let w = world();
        let tasks = Arc::new(Mutex::new(vec![
            task_done("old", 60),
            task_done("recent", 3),
            task_done("gone", 2),
        ]));
        let listed = tasks.clone();
        let mut provider = Scripted::new(move |cursor, _| {
            assert!(
                cursor.is_none() || !relists,
                "a relist starts without a cursor"
            );
            let mut f = Fetched::new(Next::Done("done".into()));
            if cursor.is_none() {
                f.tasks = listed.lock().unwrap().clone();
            }
            Ok(f)
        });
        Arc::get_mut(&mut provider).unwrap().relist = Some(Box::new(move |cursor, _, window| {
            assert_eq!(cursor, "done");
            relists.then(|| Window {
                start: Utc::now() - Span::days(14),
                end: window.end,
            })
        }));
        let first = w
            .engine
            .sync_account(w.account, provider.clone(), None, Arc::new(|_| {}))
            .await;
        assert!(first.is_ok(), "{first:?}");
        *tasks.lock().unwrap() = vec![task_done("recent", 3)];
        w.clock.advance(Span::days(3));
        let report = w
            .engine
            .sync_account(w.account, provider.clone(), None, Arc::new(|_| {}))
            .await;
        assert!(report.is_ok(), "{report:?}");
        let windows = provider.windows();
        if relists {
            assert!(
                windows[1].start > windows[0].start + Span::weeks(20),
                "{windows:?}"
            );
            assert_eq!(
                w.stored(),
                ["old", "recent"],
                "swept inside the relisted window only"
            );
            assert_eq!(report.sources[0].full_syncs, 0);
        } else {
            assert_eq!(
                (windows[1].start, windows[1].end),
                (
                    windows[0].start + Span::days(3),
                    windows[0].end + Span::days(3)
                ),
                "no relist: the cursor is followed, with the window as of now"
            );
            assert_eq!(w.stored(), ["gone", "old", "recent"], "nothing swept");
        }
    }
}

#[tokio::test]
async fn a_source_refused_for_a_missing_scope_marks_the_account_with_the_reason() {
    let w = world();
    // The project list reads, its tasks are refused for lack of a scope.
    let provider = Scripted::new(|_, _| {
        Err(SyncError::ScopeMissing {
            provider: "Scripted",
            message: "Request had insufficient authentication scopes.".into(),
        })
    });
    let report = w
        .engine
        .sync_account(w.account, provider, None, Arc::new(|_| {}))
        .await;
    assert!(report.error.is_none(), "{report:?}");
    assert!(report.sources[0].needs_reconnect, "{report:?}");
    {
        let store = w.store.lock().unwrap();
        assert_eq!(
            store.account(w.account).unwrap().status,
            vica_core::model::AccountStatus::NeedsReconnect
        );
        let errors = store.account_errors().unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(Some(&errors[0].1), report.sources[0].error.as_ref());
        assert!(errors[0].1.contains("reconnect the account"), "{errors:?}");
    }

    // An error a retry may fix is the source's own: the account stays connected.
    let provider = Scripted::new(|_, _| {
        Err(SyncError::Http {
            provider: "Scripted",
            status: 500,
            message: "Backend Error".into(),
        })
    });
    let report = w
        .engine
        .sync_account(w.account, provider, None, Arc::new(|_| {}))
        .await;
    assert!(!report.sources[0].needs_reconnect);
    let store = w.store.lock().unwrap();
    assert_eq!(
        store.account(w.account).unwrap().status,
        vica_core::model::AccountStatus::Ok
    );
    assert!(store.account_errors().unwrap().is_empty());
}
