//! The sync engine: pulls each source's changes page by page into the store.
//!
//! For every page the engine writes the items and the cursor that follows
//! them in one transaction ([`Store::write_page`]), so a sync killed at any
//! point resumes from the last committed page, and a replayed page only
//! rewrites the same rows. While a page is written (on a blocking thread),
//! the next one is already being fetched; pages still commit one by one, in
//! order. A full listing stamps its items with a new
//! generation and its last page sweeps what it did not return (inside the
//! window), which is how a provider's "start over" (Google's 410) removes
//! deletions it will never report. A provider can also ask for such a fresh
//! listing after a complete one ([`Provider::relist`]): Todoist lists the
//! recent past afresh on every sync, Outlook when its delta link's window has
//! drifted. Sources run concurrently, bounded per
//! account; one source's failure is recorded on it and never stops the others.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use vica_core::Store;
use vica_core::model::{AccountStatus, Source};
use vica_core::store::{CursorUpdate, Page, Sweep};

use crate::error::{Result, SyncError};
use crate::provider::{Fetched, Next, Provider, Window};

/// How a sync runs.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// The first listing reaches this far back…
    pub weeks_back: i64,
    /// …and this far ahead.
    pub weeks_ahead: i64,
    /// Sources of one account fetched at once.
    pub concurrency: usize,
}

impl SyncOptions {
    /// The options the user's settings ask for.
    pub fn from_settings(settings: &vica_core::settings::Settings) -> SyncOptions {
        SyncOptions {
            weeks_back: i64::from(settings.sync_weeks_back),
            weeks_ahead: i64::from(settings.sync_weeks_ahead),
            ..SyncOptions::default()
        }
    }
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            weeks_back: 26,
            weeks_ahead: 4,
            concurrency: 4,
        }
    }
}

/// What the engine reports while it works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SyncEvent {
    SourceStarted {
        source_id: i64,
        name: String,
    },
    PageWritten {
        source_id: i64,
        pages: u32,
        items: u64,
    },
    SourceFinished {
        source_id: i64,
        error: Option<String>,
    },
}

/// A callback for [`SyncEvent`]s.
pub type Progress = Arc<dyn Fn(SyncEvent) + Send + Sync>;

/// How one source's sync ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceReport {
    pub source_id: i64,
    pub name: String,
    pub pages: u32,
    pub written: u64,
    pub deleted: u64,
    /// Items skipped because they could not be read: (id, why).
    pub rejected: Vec<(String, String)>,
    pub full_syncs: u32,
    pub error: Option<String>,
    /// The provider refused the account's credentials.
    pub needs_reconnect: bool,
}

/// How a sync of an account ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub sources: Vec<SourceReport>,
    /// A failure before any source could sync (listing the sources).
    pub error: Option<String>,
}

impl SyncReport {
    pub fn is_ok(&self) -> bool {
        self.error.is_none() && self.sources.iter().all(|s| s.error.is_none())
    }
}

/// The cursor as the engine stores it: the provider's cursor plus what the
/// engine needs to finish a full listing after a restart.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    /// A full listing is under way (its pages are stamped and swept).
    full: bool,
    generation: i64,
    window: Window,
    provider: String,
}

/// Runs syncs against one store.
#[derive(Clone)]
pub struct Engine {
    store: Arc<Mutex<Store>>,
    options: SyncOptions,
    running: Arc<Mutex<HashSet<i64>>>,
}

/// Marks a source as syncing for as long as it lives.
struct Running {
    set: Arc<Mutex<HashSet<i64>>>,
    id: i64,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.set
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

impl Engine {
    pub fn new(store: Arc<Mutex<Store>>, options: SyncOptions) -> Engine {
        Engine {
            store,
            options,
            running: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave SQLite half-written
        // (transactions roll back), so the store is still good to use.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn window(&self) -> Window {
        let now = Utc::now();
        Window {
            start: now - Duration::weeks(self.options.weeks_back),
            end: now + Duration::weeks(self.options.weeks_ahead),
        }
    }

    /// Syncs an account: refreshes its sources, then pulls every included one
    /// (or only those in `only`).
    pub async fn sync_account(
        &self,
        account_id: i64,
        provider: Arc<dyn Provider>,
        only: Option<&[i64]>,
        progress: Progress,
    ) -> SyncReport {
        let sources = match self.refresh_sources(account_id, provider.as_ref()).await {
            Ok(s) => s,
            Err(e) => {
                self.note_account_error(account_id, &e);
                return SyncReport {
                    sources: Vec::new(),
                    error: Some(e.to_string()),
                };
            }
        };
        let wanted: Vec<Source> = sources
            .into_iter()
            .filter(|s| s.included && !s.gone)
            .filter(|s| only.is_none_or(|ids| ids.contains(&s.id)))
            .collect();
        let limit = Arc::new(Semaphore::new(self.options.concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for source in wanted {
            let engine = self.clone();
            let provider = provider.clone();
            let progress = progress.clone();
            let limit = limit.clone();
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                engine
                    .sync_source(source, provider.as_ref(), &progress)
                    .await
            });
        }
        let mut report = SyncReport::default();
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(r) => report.sources.push(r),
                Err(e) => report.error = Some(format!("a source's sync stopped unexpectedly: {e}")),
            }
        }
        report.sources.sort_by_key(|s| s.source_id);
        if report.sources.iter().any(|s| s.needs_reconnect) {
            let _ = self
                .store()
                .set_account_status(account_id, AccountStatus::NeedsReconnect);
        }
        report
    }

    async fn refresh_sources(
        &self,
        account_id: i64,
        provider: &dyn Provider,
    ) -> Result<Vec<Source>> {
        let listed = provider.list_sources().await?;
        let store = self.store();
        let mut seen = HashSet::new();
        for record in &listed {
            seen.insert(store.upsert_source(account_id, record)?.id);
        }
        let all: Vec<Source> = store
            .sources()?
            .into_iter()
            .filter(|s| s.account_id == account_id)
            .collect();
        // What the provider no longer lists is gone; its cached items stay.
        for s in all.iter().filter(|s| !seen.contains(&s.id) && !s.gone) {
            store.mark_source_gone(s.id)?;
        }
        store.set_account_status(account_id, AccountStatus::Ok)?;
        store.record_account_refresh(account_id, None)?;
        Ok(store
            .sources()?
            .into_iter()
            .filter(|s| s.account_id == account_id)
            .collect())
    }

    fn note_account_error(&self, account_id: i64, e: &SyncError) {
        let _ = self
            .store()
            .record_account_refresh(account_id, Some(&e.to_string()));
        if matches!(
            e,
            SyncError::ReconnectNeeded { .. } | SyncError::Unauthorized { .. }
        ) {
            let _ = self
                .store()
                .set_account_status(account_id, AccountStatus::NeedsReconnect);
        }
    }

    /// Pulls one source until its listing is complete, or records why not.
    pub async fn sync_source(
        &self,
        source: Source,
        provider: &dyn Provider,
        progress: &Progress,
    ) -> SourceReport {
        let mut report = SourceReport {
            source_id: source.id,
            name: source.name.clone(),
            ..SourceReport::default()
        };
        let _running = {
            let mut set = self.running.lock().unwrap_or_else(|e| e.into_inner());
            if !set.insert(source.id) {
                report.error = Some("already syncing".into());
                return report;
            }
            Running {
                set: self.running.clone(),
                id: source.id,
            }
        };
        progress(SyncEvent::SourceStarted {
            source_id: source.id,
            name: source.name.clone(),
        });
        let result = self.pull(&source, provider, progress, &mut report).await;
        let error = match result {
            Ok(()) => None,
            Err(SyncError::SourceGone { what, .. }) => {
                let _ = self.store().mark_source_gone(source.id);
                Some(format!(
                    "{} no longer has this {what}; its cached items are kept",
                    provider.name()
                ))
            }
            Err(e) => {
                report.needs_reconnect = matches!(
                    e,
                    SyncError::Unauthorized { .. } | SyncError::ReconnectNeeded { .. }
                );
                Some(e.to_string())
            }
        };
        report.error = match self.store().record_sync_result(source.id, error.as_deref()) {
            Ok(()) => error,
            Err(e) => Some(error.unwrap_or_else(|| e.to_string())),
        };
        progress(SyncEvent::SourceFinished {
            source_id: source.id,
            error: report.error.clone(),
        });
        report
    }

    async fn pull(
        &self,
        source: &Source,
        provider: &dyn Provider,
        progress: &Progress,
        report: &mut SourceReport,
    ) -> Result<()> {
        let mut restarts = 0;
        let mut stored: Option<Stored> = {
            let state = self.store().sync_state(source.id)?;
            state
                .and_then(|s| s.cursor)
                .and_then(|c| serde_json::from_str(&c).ok())
        };
        // After a complete listing the provider may ask for a fresh one (Todoist
        // every time, Outlook when its delta link's window has drifted): a new
        // generation whose last page sweeps, inside the new window, what it did not return.
        if let Some(done) = stored.as_ref().filter(|s| !s.full)
            && let Some(window) = provider.relist(&done.provider, done.window, self.window())
        {
            stored = Some(Stored {
                full: true,
                generation: self.store().begin_full_sync(source.id)?,
                window,
                provider: String::new(),
            });
        }
        // The next page, fetched while the last one was being written.
        let mut ahead: Option<Result<Fetched>> = None;
        loop {
            let current = match stored.take() {
                Some(s) => s,
                None => {
                    report.full_syncs += 1;
                    Stored {
                        full: true,
                        generation: self.store().begin_full_sync(source.id)?,
                        window: self.window(),
                        provider: String::new(),
                    }
                }
            };
            let fetched = match ahead.take() {
                Some(fetched) => fetched,
                None => {
                    let cursor =
                        (!current.provider.is_empty()).then_some(current.provider.as_str());
                    provider.fetch(source, cursor, current.window).await
                }
            };
            let fetched = match fetched {
                Ok(f) => f,
                Err(SyncError::CursorExpired { .. }) if restarts < 2 => {
                    // Forget the cursor (committed, so a crash now still starts over) and list in full.
                    restarts += 1;
                    self.store()
                        .write_page(source.id, &Page::default(), CursorUpdate::Clear)?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let done = matches!(fetched.next, Next::Done(_));
            let next = Stored {
                full: current.full && !done,
                generation: current.generation,
                window: current.window,
                provider: match fetched.next {
                    Next::More(c) | Next::Done(c) => c,
                },
            };
            let page = Page {
                events: fetched.events,
                deleted_events: fetched.deleted_events,
                tasks: fetched.tasks,
                deleted_tasks: fetched.deleted_tasks,
                generation: current.full.then_some(current.generation),
                sweep: (current.full && done).then_some(Sweep {
                    generation: current.generation,
                    start: current.window.start,
                    end: current.window.end,
                }),
            };
            let cursor = serde_json::to_string(&next).map_err(|e| SyncError::Malformed {
                provider: provider.name(),
                detail: e.to_string(),
            })?;
            // The page is written on a blocking thread while the next one is
            // fetched: each page still commits with its cursor, in order, and a
            // failed write ends the sync before the page fetched ahead is used.
            let write = {
                let store = Arc::clone(&self.store);
                let source_id = source.id;
                tokio::task::spawn_blocking(move || {
                    store.lock().unwrap_or_else(|e| e.into_inner()).write_page(
                        source_id,
                        &page,
                        CursorUpdate::Set(cursor),
                    )
                })
            };
            let written = if done {
                write.await
            } else {
                let cursor = (!next.provider.is_empty()).then_some(next.provider.as_str());
                let (written, fetched) =
                    tokio::join!(write, provider.fetch(source, cursor, next.window));
                ahead = Some(fetched);
                written
            };
            let outcome = match written {
                Ok(outcome) => outcome?,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => return Err(SyncError::Interrupted),
            };
            report.pages += 1;
            report.written += outcome.written as u64;
            report.deleted += outcome.deleted as u64;
            report.rejected.extend(fetched.rejected);
            report.rejected.extend(outcome.rejected);
            progress(SyncEvent::PageWritten {
                source_id: source.id,
                pages: report.pages,
                items: report.written + report.deleted,
            });
            if done {
                return Ok(());
            }
            stored = Some(next);
        }
    }
}
