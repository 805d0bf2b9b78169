//! What the time-travel tests check after every step: the store that synced
//! incrementally while the clock moved holds, inside the sync window, exactly
//! what a fresh full sync of the same fake at the same time holds, and
//! outside the window nothing but history it already had.
//!
//! Items are keyed `"<source provider id>/<item id>"`; the value is the whole
//! record as JSON, so a stale title, time or response is a difference too.
//!
//! History a history import brought (`Engine::import_history`) lies before
//! the window without ever having been inside it: the test names exactly
//! those items ([`Ledger::imported`]), and only they are allowed there.
//!
//! A provider whose history forgets (Todoist's activity log keeps as many
//! days as the plan allows) is checked with [`Ledger::check_forgetful`]: an
//! item the store had inside the window at an earlier step, dated before
//! what the provider still keeps, may be missing from the fresh sync.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use vica_core::Store;
use vica_core::model::{EventRecord, Provider as ProviderKind, TaskRecord};
use vica_sync::engine::HistorySince;
use vica_sync::import::Cancel;
use vica_sync::provider::{Provider, Window};
use vica_sync::{Engine, SyncOptions};

/// Key → the record as JSON.
pub type Snapshot = BTreeMap<String, String>;

/// Everything of one account in a store, placed in time.
#[derive(Debug, Default)]
pub struct Held {
    /// Events overlapping the window, tasks completed in it, and open tasks.
    pub inside: Snapshot,
    /// Events that ended by the window's start and tasks completed before it.
    pub before: BTreeSet<String>,
    /// Events that start at or after the window's end and tasks completed then.
    pub after: BTreeSet<String>,
    /// When each item inside happened: an event's start, a task's
    /// completion (open tasks have none).
    pub dated: BTreeMap<String, DateTime<Utc>>,
}

fn far_past() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH
}

fn far_future() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH + chrono::Duration::days(365 * 300)
}

/// Sorts what `store` holds for `account_id` into inside, before and after `window`.
pub fn held(store: &Store, account_id: i64, window: Window) -> Held {
    let sources: BTreeMap<i64, String> = store
        .sources()
        .unwrap()
        .into_iter()
        .filter(|s| s.account_id == account_id)
        .map(|s| (s.id, s.provider_id))
        .collect();
    let mut held = Held::default();
    let key = |source: i64, id: &str| sources.get(&source).map(|s| format!("{s}/{id}"));
    for e in store.events_overlapping(far_past(), far_future()).unwrap() {
        let Some(k) = key(e.source_id, &e.record.provider_id) else {
            continue;
        };
        let (start, end) = e.record.time.utc_bounds();
        if end <= window.start {
            held.before.insert(k);
        } else if start >= window.end {
            held.after.insert(k);
        } else {
            held.dated.insert(k.clone(), start);
            let previous = held.inside.insert(k.clone(), event_json(&e.record));
            assert!(previous.is_none(), "{k} twice in the store");
        }
    }
    for t in store
        .tasks_completed_between(far_past(), far_future())
        .unwrap()
    {
        let Some(k) = key(t.source_id, &t.record.provider_id) else {
            continue;
        };
        let at = t.record.completed_at.unwrap_or(window.start);
        if at < window.start {
            held.before.insert(k);
        } else if at >= window.end {
            held.after.insert(k);
        } else {
            held.dated.insert(k.clone(), at);
            let previous = held.inside.insert(k.clone(), task_json(&t.record));
            assert!(previous.is_none(), "{k} twice in the store");
        }
    }
    let (from, to) = (
        NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2300, 1, 1).unwrap(),
    );
    for t in store.open_tasks_due_between(from, to).unwrap() {
        if let Some(k) = key(t.source_id, &t.record.provider_id) {
            held.inside.insert(k, task_json(&t.record));
        }
    }
    held
}

fn event_json(e: &EventRecord) -> String {
    serde_json::to_string(e).unwrap()
}

fn task_json(t: &TaskRecord) -> String {
    serde_json::to_string(t).unwrap()
}

/// A new in-memory store with one account of `kind`, synced from `provider`
/// with `options` (whose clock says when): the store, the account and the
/// engine, with the window it synced.
struct Fresh {
    store: Arc<Mutex<Store>>,
    account_id: i64,
    engine: Engine,
    window: Window,
}

async fn fresh(provider: Arc<dyn Provider>, kind: ProviderKind, options: SyncOptions) -> Fresh {
    let store = Arc::new(Mutex::new(Store::open_in_memory().unwrap()));
    let account = store
        .lock()
        .unwrap()
        .add_account(kind, "fresh@example.com", None, false)
        .unwrap();
    let engine = Engine::new(store.clone(), options);
    let window = engine.window();
    let report = engine
        .sync_account(account.id, provider, None, Arc::new(|_| {}))
        .await;
    assert!(report.is_ok(), "the fresh sync failed: {report:?}");
    Fresh {
        store,
        account_id: account.id,
        engine,
        window,
    }
}

/// Syncs `provider` into a new in-memory store with `options` (whose clock
/// says when) and returns what it holds inside the window it synced.
pub async fn fresh_sync(
    provider: Arc<dyn Provider>,
    kind: ProviderKind,
    options: SyncOptions,
) -> Snapshot {
    let f = fresh(provider, kind, options).await;
    let store = f.store.lock().unwrap();
    held(&store, f.account_id, f.window).inside
}

/// Syncs `provider` into a new in-memory store, then imports its history
/// with `options` (whose `history_since` says how far back), and returns the
/// keys of what the import brought from before the window: what the
/// provider lists for the imported span.
pub async fn fresh_import(
    provider: Arc<dyn Provider>,
    kind: ProviderKind,
    options: SyncOptions,
) -> BTreeSet<String> {
    let f = fresh(provider.clone(), kind, options).await;
    let imported = f
        .engine
        .import_history(
            f.account_id,
            provider,
            None,
            Arc::new(|_| {}),
            &Cancel::new(),
        )
        .await;
    assert!(
        !imported.is_empty() && imported.iter().all(|r| r.complete()),
        "the fresh import did not complete: {imported:?}"
    );
    let store = f.store.lock().unwrap();
    held(&store, f.account_id, f.window).before
}

/// `options` with a history import back to `weeks` before `start`.
pub fn importing(options: SyncOptions, start: DateTime<Utc>, weeks: i64) -> SyncOptions {
    let day = (start - chrono::Duration::weeks(weeks)).date_naive();
    SyncOptions {
        history_since: Some(HistorySince::new(day, chrono_tz::UTC)),
        ..options
    }
}

/// Imports the history of `account_id` into `store` with `options` (see
/// [`importing`]) and returns the keys of what it holds before the window
/// afterwards.
async fn import_into(
    store: &Arc<Mutex<Store>>,
    account_id: i64,
    provider: Arc<dyn Provider>,
    options: SyncOptions,
) -> BTreeSet<String> {
    let engine = Engine::new(store.clone(), options);
    let reports = engine
        .import_history(account_id, provider, None, Arc::new(|_| {}), &Cancel::new())
        .await;
    assert!(
        !reports.is_empty() && reports.iter().all(|r| r.complete()),
        "the import did not complete: {reports:?}"
    );
    let held = held(&store.lock().unwrap(), account_id, engine.window());
    assert!(!held.before.is_empty(), "the import brought nothing");
    held.before
}

/// Panics when `store` no longer holds something a history import brought
/// (`imported`): of it, with `still`, only what a fresh import from that
/// provider with those options still lists (the provider may have deleted
/// the rest).
pub async fn assert_none_lost(
    store: &Arc<Mutex<Store>>,
    account_id: i64,
    window: Window,
    imported: &BTreeSet<String>,
    still: Option<(Arc<dyn Provider>, ProviderKind, SyncOptions)>,
) {
    let listed = match still {
        Some((provider, kind, options)) => Some(fresh_import(provider, kind, options).await),
        None => None,
    };
    let held = held(&store.lock().unwrap(), account_id, window);
    let lost: Vec<&String> = imported
        .iter()
        .filter(|k| listed.as_ref().is_none_or(|l| l.contains(*k)))
        .filter(|k| !held.before.contains(*k) && !held.inside.contains_key(*k))
        .collect();
    assert!(lost.is_empty(), "imported history lost: {lost:?}");
}

/// What the incremental store has had inside its window over the steps so far.
#[derive(Debug, Default)]
pub struct Ledger {
    had: BTreeSet<String>,
    /// Items a history import brought from before the window.
    imported: BTreeSet<String>,
    pub steps: usize,
}

impl Ledger {
    /// Allows these items before the window: a history import brought them
    /// (the keys of what the provider lists for the imported span).
    pub fn imported(&mut self, keys: impl IntoIterator<Item = String>) {
        self.imported.extend(keys);
    }

    /// Imports the history of `account_id` into `store` with `options` (see
    /// [`importing`]), checks that it brought what a fresh import from
    /// `fresh` lists, allows that before the window, and returns it.
    pub async fn import(
        &mut self,
        store: &Arc<Mutex<Store>>,
        account_id: i64,
        provider: Arc<dyn Provider>,
        fresh: Arc<dyn Provider>,
        kind: ProviderKind,
        options: SyncOptions,
    ) -> BTreeSet<String> {
        let imported = import_into(store, account_id, provider, options.clone()).await;
        let listed = fresh_import(fresh, kind, options).await;
        assert_eq!(
            imported, listed,
            "the import brought what the provider lists"
        );
        self.imported(imported.iter().cloned());
        imported
    }

    /// Checks the incremental store after a step against a fresh sync's
    /// snapshot of the same window, then remembers what was inside.
    pub fn check(
        &mut self,
        store: &Store,
        account_id: i64,
        window: Window,
        fresh: &Snapshot,
    ) -> Result<(), String> {
        self.check_forgetful(store, account_id, window, fresh, None)
    }

    /// [`Ledger::check`] for a provider that no longer has history dated
    /// before `forgets_before`: an item the store had inside the window at
    /// an earlier step and dated before then may be missing from the fresh
    /// sync (the store keeps it; the provider no longer lists it). `None`
    /// forgets nothing.
    pub fn check_forgetful(
        &mut self,
        store: &Store,
        account_id: i64,
        window: Window,
        fresh: &Snapshot,
        forgets_before: Option<DateTime<Utc>>,
    ) -> Result<(), String> {
        self.steps += 1;
        let held = held(store, account_id, window);
        let forgotten = |k: &str| {
            self.had.contains(k)
                && forgets_before
                    .zip(held.dated.get(k))
                    .is_some_and(|(before, at)| *at < before)
        };
        let mut problems = Vec::new();
        for (k, v) in fresh {
            match held.inside.get(k) {
                None => problems.push(format!("missing {k}: {v}")),
                Some(mine) if mine != v => {
                    problems.push(format!("stale {k}:\n    kept  {mine}\n    fresh {v}"))
                }
                Some(_) => {}
            }
        }
        for (k, v) in &held.inside {
            if !fresh.contains_key(k) && !forgotten(k) {
                problems.push(format!("kept but gone {k}: {v}"));
            }
        }
        for k in &held.after {
            problems.push(format!("kept beyond the window's end: {k}"));
        }
        for k in held
            .before
            .iter()
            .filter(|k| !self.had.contains(*k) && !self.imported.contains(*k))
        {
            problems.push(format!("kept before the window, never had inside it: {k}"));
        }
        self.had.extend(held.inside.into_keys());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "step {} (window {} .. {}): {} difference(s)\n  {}",
                self.steps,
                window.start,
                window.end,
                problems.len(),
                problems.join("\n  ")
            ))
        }
    }
}

/// Whether the long run was asked for (`VICA_LONG=1`): more cases, a year of
/// weeks instead of 16.
pub fn long() -> bool {
    std::env::var_os("VICA_LONG").is_some()
}

/// How many weeks a case travels: 16 in CI, 52 in the long run.
pub fn weeks() -> usize {
    if long() { 52 } else { 16 }
}

/// The proptest settings of a time-travel test: `short` cases in CI, `long`
/// cases in the long run, no failure files.
pub fn cases(short: u32, long_run: u32) -> proptest::prelude::ProptestConfig {
    proptest::prelude::ProptestConfig {
        cases: if long() { long_run } else { short },
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    }
}

/// Runs one case's travel on a two-worker runtime of its own.
pub fn run<F: std::future::Future>(travel: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(travel)
}
