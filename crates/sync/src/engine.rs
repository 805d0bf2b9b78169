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
//! A failure only the user can fix ([`SyncError::needs_reconnect`]: refused
//! credentials, a grant without a scope Vica needs) marks the account "needs
//! reconnect", and the account's error says why.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Duration;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use vica_core::Store;
use vica_core::clock::SharedClock;
use vica_core::model::{AccountStatus, Source};
use vica_core::store::{CursorUpdate, History, Page, Sweep};

use crate::error::{Result, SyncError};
use crate::provider::{Fetched, Next, PastListing, Provider, Window};

/// How a sync runs.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// The first listing reaches this far back…
    pub weeks_back: i64,
    /// …and this far ahead.
    pub weeks_ahead: i64,
    /// Sources of one account fetched at once.
    pub concurrency: usize,
    /// What time it is: the window follows it.
    pub clock: SharedClock,
    /// Import history back to this day ([`Engine::import_history`]); a
    /// provider whose listing is whole (ICS) starts its window there.
    pub history_since: Option<HistorySince>,
}

/// The day a history import reaches back to, and its start in the user's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistorySince {
    pub day: chrono::NaiveDate,
    pub start: chrono::DateTime<chrono::Utc>,
}

impl HistorySince {
    /// `day` from its first moment in `zone` (UTC midnight should the zone skip it).
    pub fn new(day: chrono::NaiveDate, zone: chrono_tz::Tz) -> HistorySince {
        use chrono::TimeZone;
        let midnight = day.and_time(chrono::NaiveTime::MIN);
        let start = zone
            .from_local_datetime(&midnight)
            .earliest()
            .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&chrono::Utc));
        HistorySince { day, start }
    }
}

impl SyncOptions {
    /// The options the user's settings ask for.
    pub fn from_settings(settings: &vica_core::settings::Settings) -> SyncOptions {
        SyncOptions {
            weeks_back: i64::from(settings.sync_weeks_back),
            weeks_ahead: i64::from(settings.sync_weeks_ahead),
            history_since: settings
                .history_since
                .map(|day| HistorySince::new(day, settings.zone())),
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
            clock: vica_core::clock::system(),
            history_since: None,
        }
    }
}

/// What the engine reports while it works (the app's `sync://progress` payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
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
    /// A history import of the source is in everything from `reached` on
    /// (up to the window), on its way back to `since`.
    HistoryProgress {
        source_id: i64,
        since: chrono::NaiveDate,
        reached: chrono::DateTime<chrono::Utc>,
        /// Items the import has written in this run.
        items: u64,
    },
    /// A history import of the source ended: complete (`stopped` is
    /// `None`), or stopped at `reached` for the reason given, to resume there
    /// on the next sync.
    HistoryFinished {
        source_id: i64,
        since: chrono::NaiveDate,
        reached: chrono::DateTime<chrono::Utc>,
        stopped: Option<String>,
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
    /// The provider refused the account's credentials, or its grant lacks a
    /// scope: only connecting it again helps.
    pub needs_reconnect: bool,
    /// `error` is the provider out of reach ([`SyncError::is_offline`]).
    pub offline: bool,
}

/// How a sync of an account ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub sources: Vec<SourceReport>,
    /// A failure before any source could sync (listing the sources).
    pub error: Option<String>,
    /// `error` is the provider out of reach ([`SyncError::is_offline`]).
    pub offline: bool,
}

impl SyncReport {
    pub fn is_ok(&self) -> bool {
        self.error.is_none() && self.sources.iter().all(|s| s.error.is_none())
    }
}

/// The cursor as the engine stores it: the provider's cursor plus what the
/// engine needs to finish a full listing after a restart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Stored {
    /// A full listing is under way (its pages are stamped and swept).
    pub(crate) full: bool,
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

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave SQLite half-written
        // (transactions roll back), so the store is still good to use.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What a first listing would cover now.
    pub fn window(&self) -> Window {
        let now = self.options.clock.now();
        Window {
            start: now - Duration::weeks(self.options.weeks_back),
            end: now + Duration::weeks(self.options.weeks_ahead),
        }
    }

    /// What a first listing by `provider` would cover now: the window, or
    /// for a provider whose listing is whole anyway ([`PastListing::Whole`],
    /// ICS) from the history import's day on, when that is earlier.
    pub fn window_for(&self, provider: &dyn Provider) -> Window {
        let mut window = self.window();
        if provider.past() == PastListing::Whole
            && let Some(since) = self.options.history_since
        {
            window.start = window.start.min(since.start);
        }
        window
    }

    pub(crate) fn options(&self) -> &SyncOptions {
        &self.options
    }

    /// The window a fetch is given: a full listing's own (its sweep covers
    /// it), else the current one, so a provider that follows a change cursor
    /// can see the window move on.
    fn asked(&self, stored: &Stored, provider: &dyn Provider) -> Window {
        if stored.full {
            stored.window
        } else {
            self.window_for(provider)
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
                    offline: e.is_offline(),
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
        if let Some(source) = report.sources.iter().find(|s| s.needs_reconnect) {
            // The account needs reconnecting, and its error says why.
            let store = self.store();
            let _ = store.set_account_status(account_id, AccountStatus::NeedsReconnect);
            if let Some(reason) = &source.error {
                let _ = store.record_account_refresh(account_id, Some(reason));
            }
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
        if e.needs_reconnect() {
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
                report.needs_reconnect = e.needs_reconnect();
                report.offline = e.is_offline();
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

    /// Pulls one source. A sync that finds a listing under way (the sync
    /// before it was killed or broke off) finishes it and then runs one more
    /// round from where it ended: a listing reaches only as far as the moment
    /// it began, so without that round what changed while it was broken off
    /// would wait for the sync after this one.
    async fn pull(
        &self,
        source: &Source,
        provider: &dyn Provider,
        progress: &Progress,
        report: &mut SourceReport,
    ) -> Result<()> {
        let resumed = self
            .stored(source.id)?
            .is_some_and(|s| s.full && !s.provider.is_empty());
        self.pull_round(source, provider, progress, report).await?;
        if resumed {
            self.pull_round(source, provider, progress, report).await?;
        }
        Ok(())
    }

    /// A whole listing (ICS) made before the history import's day moved
    /// earlier is listed afresh from that day: the feed is read whole
    /// anyway, so its history comes with one listing.
    fn reaches_further(&self, provider: &dyn Provider, done: &Stored) -> Option<Window> {
        let window = self.window_for(provider);
        (provider.past() == PastListing::Whole && window.start < done.window.start)
            .then_some(window)
    }

    /// The engine's cursor for a source, if it has a readable one.
    pub(crate) fn stored(&self, source_id: i64) -> Result<Option<Stored>> {
        Ok(self
            .store()
            .sync_state(source_id)?
            .and_then(|s| s.cursor)
            .and_then(|c| serde_json::from_str(&c).ok()))
    }

    /// One round: a listing (continued, or started afresh when the provider
    /// asks for one or there is no cursor) or a cursor followed, to its end.
    async fn pull_round(
        &self,
        source: &Source,
        provider: &dyn Provider,
        progress: &Progress,
        report: &mut SourceReport,
    ) -> Result<()> {
        let mut restarts = 0;
        let mut stored = self.stored(source.id)?;
        // After a complete listing the provider may ask for a fresh one (Todoist
        // every time, Outlook when its delta link's window has drifted): a new
        // generation whose last page sweeps, inside the new window, what it did not return.
        if let Some(done) = stored.as_ref().filter(|s| !s.full)
            && let Some(window) = provider
                .relist(&done.provider, done.window, self.window_for(provider))
                .or_else(|| self.reaches_further(provider, done))
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
                        window: self.window_for(provider),
                        provider: String::new(),
                    }
                }
            };
            let fetched = match ahead.take() {
                Some(fetched) => fetched,
                None => {
                    let cursor =
                        (!current.provider.is_empty()).then_some(current.provider.as_str());
                    provider
                        .fetch_stored(&self.store, source, cursor, self.asked(&current, provider))
                        .await
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
                update_only_before: fetched.update_only_before,
                delete_only_from: fetched.delete_only_from,
                ics_items: fetched.ics_items,
            };
            let history = History {
                tasks: fetched.kept_tasks,
                spans: fetched.history,
            };
            let cursor = serde_json::to_string(&next).map_err(|e| SyncError::Malformed {
                provider: provider.name(),
                detail: e.to_string(),
            })?;
            // A complete round that brings nothing and leaves the cursor as it
            // was (an unchanged ICS calendar) writes nothing at all.
            let nothing = !current.full
                && done
                && next.provider == current.provider
                && page == Page::default()
                && history == History::default();
            if nothing {
                report.rejected.extend(fetched.rejected);
                return Ok(());
            }
            // The page is written on a blocking thread while the next one is
            // fetched: each page still commits with its cursor, in order, and a
            // failed write ends the sync before the page fetched ahead is used.
            let write = {
                let store = Arc::clone(&self.store);
                let source_id = source.id;
                tokio::task::spawn_blocking(move || {
                    store
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .write_page_with_history(
                            source_id,
                            &page,
                            &history,
                            CursorUpdate::Set(cursor),
                        )
                })
            };
            let written = if done {
                write.await
            } else {
                let cursor = (!next.provider.is_empty()).then_some(next.provider.as_str());
                let fetch =
                    provider.fetch_stored(&self.store, source, cursor, self.asked(&next, provider));
                let (written, fetched) = tokio::join!(write, fetch);
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
