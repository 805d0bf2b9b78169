//! Sync while the window is open: on start, every `sync_interval_minutes`, and
//! when the user asks. Never two syncs at once.
//!
//! The [`Syncer`] owns the sync engine's own connection to the database (WAL),
//! so a page write never waits for, or holds up, the week the window reads
//! through the UI's connection. Progress goes to the window as
//! [`PROGRESS_EVENT`] (each [`SyncEvent`]) and [`FINISHED_EVENT`] (a
//! [`SyncOutcome`]). What a sync does is the application layer's
//! (`vica_api::sync::sync_all`, shared with `vica sync`); this module runs
//! it on a schedule, one at a time. After each sync, the history import
//! (`vica_api::sync::import_history`, when `history_since` is set) runs in
//! the background, one at a time, its progress sent as the same
//! [`PROGRESS_EVENT`]s; [`Syncer::cancel_import`] stops it after the page
//! under way, and the next sync resumes it.

use std::collections::HashSet;
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use vica_api::lock;
use vica_api::sync::SyncRequest;
use vica_core::Store;
use vica_sync::SyncEvent;
use vica_sync::engine::Progress;
use vica_sync::import::Cancel;
use vica_sync::oauth::OAuthConfig;
use vica_sync::secrets::{Keychain, SecretStore};

pub use vica_api::accounts::SourceStatus;
pub use vica_api::sync::SyncOutcome;

use crate::state::AppState;

/// The Tauri event carrying each [`SyncEvent`].
pub const PROGRESS_EVENT: &str = "sync://progress";
/// The Tauri event carrying the [`SyncOutcome`] of a finished sync.
pub const FINISHED_EVENT: &str = "sync://finished";
/// How often the schedule looks whether a sync is due.
const TICK: Duration = Duration::from_secs(20);

/// What `sync_status` returns: whether a sync runs, how the last one ended, every source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SyncStatus {
    pub running: bool,
    /// The last sync since the app started, if one finished.
    #[cfg_attr(test, ts(type = "SyncOutcome | null"))]
    pub last: Option<SyncOutcome>,
    #[cfg_attr(test, ts(type = "Array<SourceStatus>"))]
    pub sources: Vec<SourceStatus>,
}

/// Where a sync reports: the window in the app, a list in tests.
pub trait Reporter: Send + Sync + 'static {
    fn progress(&self, event: &SyncEvent);
    fn finished(&self, outcome: &SyncOutcome);
}

impl<R: Runtime> Reporter for AppHandle<R> {
    fn progress(&self, event: &SyncEvent) {
        if let Err(err) = self.emit(PROGRESS_EVENT, event) {
            eprintln!("vica: cannot send sync progress to the window: {err}");
        }
    }

    fn finished(&self, outcome: &SyncOutcome) {
        if let Err(err) = self.emit(FINISHED_EVENT, outcome) {
            eprintln!("vica: cannot tell the window that sync finished: {err}");
        }
    }
}

/// Runs syncs against the sync connection, one at a time.
#[derive(Clone)]
pub struct Syncer {
    store: Arc<Mutex<Store>>,
    running: Arc<AtomicBool>,
    /// Sources between their `source_started` and `source_finished`.
    sources: Arc<Mutex<HashSet<i64>>>,
    last_started: Arc<Mutex<Option<Instant>>>,
    last: Arc<Mutex<Option<SyncOutcome>>>,
    /// The user chose "Try with demo data" and no demo account exists yet.
    demo_chosen: Arc<AtomicBool>,
    /// The history import under way, if any: cancelling it stops it.
    import: Arc<Mutex<Option<Cancel>>>,
}

impl std::fmt::Debug for Syncer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Syncer")
            .field("running", &self.is_running())
            .finish_non_exhaustive()
    }
}

/// Clears the running flag when a sync ends, even by a panic.
struct RunningFlag(Arc<AtomicBool>);

impl Drop for RunningFlag {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl Syncer {
    /// Opens the sync engine's own connection to the database at `path`.
    pub fn open(path: &Path) -> vica_core::Result<Syncer> {
        Ok(Syncer::new(Store::open(path)?))
    }

    pub fn new(store: Store) -> Syncer {
        Syncer {
            store: Arc::new(Mutex::new(store)),
            running: Arc::new(AtomicBool::new(false)),
            sources: Arc::new(Mutex::new(HashSet::new())),
            last_started: Arc::new(Mutex::new(None)),
            last: Arc::new(Mutex::new(None)),
            demo_chosen: Arc::new(AtomicBool::new(false)),
            import: Arc::new(Mutex::new(None)),
        }
    }

    /// Stops the history import under way after its current page (what it
    /// committed stays; the next sync resumes it). Whether one was running.
    pub fn cancel_import(&self) -> bool {
        match lock(&self.import).as_ref() {
            Some(cancel) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// Starts the history import in the background unless one runs.
    fn start_import(&self, reporter: Arc<dyn Reporter>) {
        let cancel = {
            let mut import = lock(&self.import);
            if import.is_some() {
                return;
            }
            let cancel = Cancel::new();
            *import = Some(cancel.clone());
            cancel
        };
        let syncer = self.clone();
        let progress = self.progress(reporter);
        tauri::async_runtime::spawn(async move {
            let secrets: Arc<dyn SecretStore> = Arc::new(Keychain::new());
            let oauth = OAuthConfig::load_default();
            let request = SyncRequest::default();
            let imported = vica_api::sync::import_history(
                &syncer.store,
                &secrets,
                &oauth,
                &request,
                progress,
                &cancel,
            )
            .await;
            if let Err(err) = imported {
                eprintln!("vica: the history import could not start: {err}");
            }
            *lock(&syncer.import) = None;
        });
    }

    /// Whether the next syncs load the demo even before a demo account
    /// exists (the first run's "Try with demo data"). Once the demo's
    /// accounts are in the store, they keep it syncing.
    pub fn choose_demo(&self, on: bool) {
        self.demo_chosen.store(on, Ordering::SeqCst);
    }

    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    /// Starts a sync of every account in the background and returns `true`,
    /// or returns `false` at once when a sync is already running.
    pub fn start(&self, reporter: Arc<dyn Reporter>) -> bool {
        let syncer = self.clone();
        let progress = self.progress(reporter.clone());
        self.start_with(reporter, async move { syncer.sync_all(progress).await })
    }

    /// Runs `job` as the one sync, unless one is running already.
    fn start_with<F>(&self, reporter: Arc<dyn Reporter>, job: F) -> bool
    where
        F: Future<Output = SyncOutcome> + Send + 'static,
    {
        if self.running.swap(true, Ordering::SeqCst) {
            return false;
        }
        let flag = RunningFlag(self.running.clone());
        *lock(&self.last_started) = Some(Instant::now());
        let syncer = self.clone();
        tauri::async_runtime::spawn(async move {
            // A panic in the job ends its task only; it is reported like any failure.
            let outcome = tauri::async_runtime::spawn(job)
                .await
                .unwrap_or_else(|err| {
                    SyncOutcome::stopped(format!("the sync stopped unexpectedly: {err}"))
                });
            lock(&syncer.sources).clear();
            *lock(&syncer.last) = Some(outcome.clone());
            // Not running any more before the window hears it, so its next
            // `sync_status` or `sync_now` sees the sync as over.
            drop(flag);
            reporter.finished(&outcome);
            // The window is in: the past follows, in the background.
            syncer.start_import(reporter);
        });
        true
    }

    /// Reports each event, keeping track of the sources under way.
    fn progress(&self, reporter: Arc<dyn Reporter>) -> Progress {
        let sources = self.sources.clone();
        Arc::new(move |event: SyncEvent| {
            match &event {
                SyncEvent::SourceStarted { source_id, .. } => {
                    lock(&sources).insert(*source_id);
                }
                SyncEvent::SourceFinished { source_id, .. } => {
                    lock(&sources).remove(source_id);
                }
                SyncEvent::PageWritten { .. }
                | SyncEvent::HistoryProgress { .. }
                | SyncEvent::HistoryFinished { .. } => {}
            }
            reporter.progress(&event);
        })
    }

    /// Syncs every account. With a demo account (or the demo just chosen),
    /// that includes the demo: the fake providers in-process, pulled through
    /// the real clients. With no account at all there is nothing to sync: the
    /// window shows the first run's welcome.
    async fn sync_all(&self, progress: Progress) -> SyncOutcome {
        let secrets: Arc<dyn SecretStore> = Arc::new(Keychain::new());
        let request = SyncRequest {
            demo: self.demo_chosen.load(Ordering::SeqCst),
            only: None,
        };
        let oauth = OAuthConfig::load_default();
        match vica_api::sync::sync_all(&self.store, &secrets, &oauth, &request, progress).await {
            Ok(summary) => summary.outcome(),
            Err(err) => SyncOutcome::failed_before(&err),
        }
    }

    /// Whether the schedule should start a sync now: never synced since the
    /// app started, or the interval set in the settings has passed.
    fn due(&self, now: Instant) -> bool {
        let minutes = lock(&self.store)
            .settings()
            .map(|s| s.sync_interval_minutes)
            .unwrap_or(vica_core::settings::Settings::default().sync_interval_minutes);
        is_due(*lock(&self.last_started), now, minutes)
    }

    /// Whether a sync runs, how the last ended, and every source, read through `store`.
    pub fn status(&self, store: &Store) -> vica_api::Result<SyncStatus> {
        let running = lock(&self.sources).clone();
        Ok(SyncStatus {
            running: self.is_running(),
            last: lock(&self.last).clone(),
            sources: vica_api::accounts::source_statuses(store, &running)?,
        })
    }
}

/// `last` was started `interval_minutes` or more ago (or never).
fn is_due(last: Option<Instant>, now: Instant, interval_minutes: u32) -> bool {
    last.is_none_or(|last| {
        now.saturating_duration_since(last) >= Duration::from_secs(u64::from(interval_minutes) * 60)
    })
}

/// Syncs on start, then whenever the interval in the settings has passed
/// (read on every tick, so a changed setting applies at once).
pub fn schedule<R: Runtime>(app: &AppHandle<R>) {
    let Ok(syncer) = app.state::<AppState>().syncer().cloned() else {
        // The store did not open: the window says why, and there is nothing to sync.
        return;
    };
    let reporter: Arc<dyn Reporter> = Arc::new(app.clone());
    tauri::async_runtime::spawn(async move {
        loop {
            if syncer.due(Instant::now()) {
                syncer.start(reporter.clone());
            }
            tokio::time::sleep(TICK).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use vica_api::accounts::source_statuses;
    use vica_core::model::{Provider as ProviderKind, SourceKind};

    /// Collects what a sync reports.
    #[derive(Default)]
    struct Recorder {
        events: Mutex<Vec<SyncEvent>>,
        done: Mutex<Vec<SyncOutcome>>,
        tx: Mutex<Option<mpsc::Sender<()>>>,
    }

    impl Reporter for Recorder {
        fn progress(&self, event: &SyncEvent) {
            lock(&self.events).push(event.clone());
        }
        fn finished(&self, outcome: &SyncOutcome) {
            lock(&self.done).push(outcome.clone());
            if let Some(tx) = lock(&self.tx).as_ref() {
                let _ = tx.send(());
            }
        }
    }

    fn recorder() -> (Arc<Recorder>, mpsc::Receiver<()>) {
        let (tx, rx) = mpsc::channel();
        let r = Recorder {
            tx: Mutex::new(Some(tx)),
            ..Recorder::default()
        };
        (Arc::new(r), rx)
    }

    fn ok_outcome() -> SyncOutcome {
        vica_api::sync::SyncSummary::default().outcome()
    }

    #[test]
    fn a_second_sync_while_one_runs_is_a_no_op() {
        let syncer = Syncer::new(Store::open_in_memory().unwrap());
        let (reporter, finished) = recorder();
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let started = syncer.start_with(reporter.clone(), async move {
            let _ = wait.await;
            ok_outcome()
        });
        assert!(started);
        assert!(syncer.is_running());
        let second = syncer.start_with(reporter.clone(), async {
            panic!("a second sync must not run")
        });
        assert!(!second, "the second sync did not start");
        assert!(!syncer.start(reporter.clone()), "nor does the real one");

        release.send(()).unwrap();
        finished.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(!syncer.is_running());
        let done = lock(&reporter.done).clone();
        assert_eq!(done.len(), 1, "one sync finished: {done:?}");
        assert_eq!((done[0].failed, &done[0].error), (0, &None));
        assert!(lock(&reporter.events).is_empty());
        assert!(
            syncer.start_with(reporter.clone(), async { ok_outcome() }),
            "after it ends, the next one starts"
        );
        finished.recv_timeout(Duration::from_secs(10)).unwrap();
    }

    #[test]
    fn a_panicking_sync_is_reported_and_frees_the_flag() {
        let syncer = Syncer::new(Store::open_in_memory().unwrap());
        let (reporter, finished) = recorder();
        assert!(syncer.start_with(reporter.clone(), async { panic!("boom") }));
        finished.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(!syncer.is_running());
        let done = lock(&reporter.done).clone();
        assert!(
            done[0]
                .error
                .as_deref()
                .unwrap()
                .contains("stopped unexpectedly")
        );
    }

    #[test]
    fn a_first_start_with_no_account_syncs_nothing_until_the_demo_is_chosen() {
        let dir = tempfile::tempdir().unwrap();
        let path = vica_core::paths::database_path(dir.path()).unwrap();
        let ui = Store::open(&path).unwrap();
        let syncer = Syncer::open(&path).unwrap();
        let (reporter, finished) = recorder();
        assert!(syncer.start(reporter.clone()));
        finished.recv_timeout(Duration::from_secs(60)).unwrap();
        let status = syncer.status(&ui).unwrap();
        let last = status.last.expect("the sync finished");
        assert_eq!((last.failed, last.error), (0, None));
        assert!(status.sources.is_empty(), "{:?}", status.sources);
        assert!(
            ui.accounts().unwrap().is_empty(),
            "no demo account was added"
        );
        assert!(lock(&reporter.events).is_empty());
    }

    #[test]
    fn the_demo_syncs_once_chosen_and_every_source_reports_its_status() {
        let dir = tempfile::tempdir().unwrap();
        let path = vica_core::paths::database_path(dir.path()).unwrap();
        let ui = Store::open(&path).unwrap();
        let syncer = Syncer::open(&path).unwrap();
        assert_eq!(syncer.status(&ui).unwrap().sources, Vec::new());

        syncer.choose_demo(true);
        let (reporter, finished) = recorder();
        assert!(syncer.start(reporter.clone()));
        assert!(syncer.status(&ui).unwrap().running);
        finished.recv_timeout(Duration::from_secs(60)).unwrap();

        let status = syncer.status(&ui).unwrap();
        assert!(!status.running);
        let last = status.last.expect("the sync finished");
        assert_eq!((last.failed, last.error, last.offline), (0, None, false));
        assert_eq!(status.sources.len(), 5, "{:#?}", status.sources);
        for s in &status.sources {
            assert!(s.included && !s.gone && !s.running, "{s:?}");
            assert!(s.last_success_at.is_some(), "{s:?}");
            assert_eq!(s.last_error, None);
            assert_eq!(s.provider_name, s.provider.display_name());
        }
        let accounts = ui.accounts().unwrap();
        assert!(accounts.iter().all(|a| a.is_demo));
        assert!(status.sources.iter().all(|s| {
            accounts
                .iter()
                .any(|a| a.id == s.account_id && a.label == s.account_label)
        }));

        // Google's calendars came through the engine, with progress.
        let events = lock(&reporter.events).clone();
        let started = events
            .iter()
            .filter(|e| matches!(e, SyncEvent::SourceStarted { .. }))
            .count();
        let ended = events
            .iter()
            .filter(|e| matches!(e, SyncEvent::SourceFinished { error: None, .. }))
            .count();
        assert!(started > 0 && started == ended, "{events:?}");
        assert!(
            events
                .iter()
                .any(|e| matches!(e, SyncEvent::PageWritten { items, .. } if *items > 0))
        );

        // Syncing again adds nothing twice; the demo accounts keep it going
        // without the choice (as after a restart).
        syncer.choose_demo(false);
        let before = ui.sources().unwrap();
        assert!(syncer.start(reporter.clone()));
        finished.recv_timeout(Duration::from_secs(60)).unwrap();
        assert_eq!(ui.sources().unwrap(), before);
        assert_eq!(ui.accounts().unwrap(), accounts);
    }

    #[test]
    fn status_joins_sources_with_accounts_sync_state_and_running() {
        let store = Store::open_in_memory().unwrap();
        let account = store
            .add_account(ProviderKind::Todoist, "me@example.com", None, false)
            .unwrap();
        let record = |id: &str, name: &str| vica_core::model::SourceRecord {
            kind: SourceKind::Project,
            provider_id: id.into(),
            name: name.into(),
            color: Some("#112233".into()),
            is_primary: false,
            access_role: None,
        };
        let a = store
            .upsert_source(account.id, &record("1", "Alpha"))
            .unwrap();
        let b = store
            .upsert_source(account.id, &record("2", "<b>Beta</b>"))
            .unwrap();
        let c = store
            .upsert_source(account.id, &record("3", "Gamma"))
            .unwrap();
        store.record_sync_result(a.id, None).unwrap();
        store
            .record_sync_result(b.id, Some("cannot reach Todoist: connection refused"))
            .unwrap();
        store.set_source_included(c.id, false).unwrap();
        store.mark_source_gone(c.id).unwrap();

        let got = source_statuses(&store, &HashSet::from([b.id])).unwrap();
        let by_name = |n: &str| got.iter().find(|s| s.name == n).unwrap();
        assert_eq!(got.len(), 3);
        let alpha = by_name("Alpha");
        assert_eq!(alpha.account_label, "me@example.com");
        assert_eq!(alpha.provider_name, "Todoist");
        assert_eq!(alpha.color.as_deref(), Some("#112233"));
        assert!(alpha.last_success_at.is_some() && alpha.last_error.is_none() && !alpha.running);
        let beta = by_name("<b>Beta</b>");
        assert!(beta.last_success_at.is_none() && beta.running);
        assert_eq!(
            beta.last_error.as_deref(),
            Some("cannot reach Todoist: connection refused")
        );
        let gamma = by_name("Gamma");
        assert!(!gamma.included && gamma.gone && gamma.last_success_at.is_none());

        let json = serde_json::to_value(alpha).unwrap();
        assert_eq!(json["provider"], "todoist");
        assert_eq!(json["kind"], "project");
    }

    #[test]
    fn a_sync_is_due_first_and_then_after_the_interval() {
        let now = Instant::now();
        assert!(is_due(None, now, 15));
        assert!(!is_due(Some(now), now, 15));
        let later = now + Duration::from_secs(14 * 60);
        assert!(!is_due(Some(now), later, 15));
        assert!(
            is_due(Some(now), later, 14),
            "a shorter interval applies at once"
        );
        assert!(is_due(Some(now), now + Duration::from_secs(15 * 60), 15));
    }
}
