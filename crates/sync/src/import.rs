//! History import: a source's past before the sync window, back to the day
//! the user asked for (`Settings::history_since`), in chunks walking
//! backwards from where the window began.
//!
//! It runs after the window's sync (a source whose window listing is not
//! complete is not imported yet, so the current week is in first), one
//! source after another so a provider's rate limits see one import at a
//! time. Each page is written with the position after it
//! ([`Store::write_import_page`]: how far back the source has reached, the
//! chunk under way and the provider's page inside it), so an import killed
//! anywhere resumes from its last committed page and asks for nothing
//! twice. A [`Cancel`] is checked between pages; whatever stops an import
//! (cancelled, offline, a 429 storm the transport gave up on, refused
//! credentials, a full disk) leaves what was committed and says where it
//! stopped ([`SyncEvent::HistoryFinished`], `history_imports.stopped`); the
//! next sync resumes there. Imported items lie before the window: no
//! listing's sweep reaches them (`vica_core::store::Sweep`), so they are
//! kept like history the store held while it was inside the window.
//!
//! Providers list their past through [`Provider::fetch_past`]
//! ([`PastListing::Chunks`]); ICS ([`PastListing::Whole`]) needs no import:
//! its window starts at the day asked for ([`Engine::window_for`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use vica_core::model::{AccountStatus, Source};
use vica_core::store::{History, ImportChunk, ImportProgress, Page};

use crate::engine::{Engine, HistorySince, Progress, SyncEvent};
use crate::error::SyncError;
use crate::provider::{Next, PastListing, Provider, Window};

/// Asks a running import to stop after the page under way.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Stops the import after the page under way (it stays committed).
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Why an import stopped when the user cancelled it.
pub const CANCELLED: &str = "cancelled";

/// How one source's history import ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub source_id: i64,
    pub name: String,
    pub since: chrono::NaiveDate,
    /// Everything from here up to the window is in.
    pub reached: DateTime<Utc>,
    /// Pages imported in this run.
    pub pages: u32,
    /// Items written in this run.
    pub written: u64,
    /// Items skipped because they could not be read: (id, why).
    pub rejected: Vec<(String, String)>,
    /// Why it stopped before `since` (resumed on the next sync); `None` when complete.
    pub stopped: Option<String>,
    /// The provider refused the account's credentials: only reconnecting helps.
    pub needs_reconnect: bool,
    /// `stopped` is the provider out of reach.
    pub offline: bool,
}

impl ImportReport {
    pub fn complete(&self) -> bool {
        self.stopped.is_none()
    }
}

/// A chunk's page token the provider no longer accepts restarts the chunk this often.
const CHUNK_RESTARTS: u32 = 2;

impl Engine {
    /// Imports the history of an account's sources (those in `only`, or all
    /// included ones) back to [`crate::SyncOptions::history_since`]: nothing
    /// when that is not set. Only sources whose window listing is complete
    /// are imported. Sources whose import is already complete cost nothing.
    pub async fn import_history(
        &self,
        account_id: i64,
        provider: Arc<dyn Provider>,
        only: Option<&[i64]>,
        progress: Progress,
        cancel: &Cancel,
    ) -> Vec<ImportReport> {
        let Some(since) = self.options().history_since else {
            return Vec::new();
        };
        let PastListing::Chunks(chunk) = provider.past() else {
            return Vec::new();
        };
        let sources: Vec<Source> = match self.store().sources() {
            Ok(all) => all
                .into_iter()
                .filter(|s| s.account_id == account_id && s.included && !s.gone)
                .filter(|s| only.is_none_or(|ids| ids.contains(&s.id)))
                .collect(),
            Err(_) => return Vec::new(),
        };
        let mut reports = Vec::new();
        for source in sources {
            // The window first: a source still listing it, or whose last
            // sync failed, waits for the next sync.
            let ready = matches!(self.stored(source.id), Ok(Some(s)) if !s.full)
                && matches!(self.store().sync_state(source.id), Ok(Some(s)) if s.last_error.is_none());
            if !ready {
                continue;
            }
            let report = self
                .import_source(&source, provider.as_ref(), since, chunk, &progress, cancel)
                .await;
            if let Some(report) = report.into_option() {
                let reconnect = report.needs_reconnect;
                reports.push(report);
                if reconnect {
                    // The account's credentials are refused: every source
                    // would be. The account needs reconnecting, and says why.
                    let store = self.store();
                    let _ = store.set_account_status(account_id, AccountStatus::NeedsReconnect);
                    if let Some(why) = reports.last().and_then(|r| r.stopped.as_deref()) {
                        let _ = store.record_account_refresh(account_id, Some(why));
                    }
                    break;
                }
            }
            if cancel.is_cancelled() {
                break;
            }
        }
        reports
    }

    /// Imports one source's past, chunk by chunk, page by page.
    async fn import_source(
        &self,
        source: &Source,
        provider: &dyn Provider,
        since: HistorySince,
        chunk_len: chrono::Duration,
        progress: &Progress,
        cancel: &Cancel,
    ) -> Reported {
        let stored = match self.store().history_import(source.id) {
            Ok(p) => p,
            Err(e) => return Reported::error(source, since, self.window().start, e.into()),
        };
        let mut at = match stored {
            Some(mut p) => {
                p.since = since.day;
                p.since_utc = since.start;
                p
            }
            None => ImportProgress {
                source_id: source.id,
                since: since.day,
                since_utc: since.start,
                // Whole seconds, as stored.
                reached: self.window().start.trunc_subsecs(0),
                chunk: None,
                stopped: None,
            },
        };
        let mut report = ImportReport {
            source_id: source.id,
            name: source.name.clone(),
            since: since.day,
            reached: at.reached,
            pages: 0,
            written: 0,
            rejected: Vec::new(),
            stopped: None,
            needs_reconnect: false,
            offline: false,
        };
        if at.complete() {
            // Reached already (or the day asked for moved later): nothing to do.
            if at.chunk.is_some() || at.stopped.is_some() {
                at.chunk = None;
                at.stopped = None;
                if let Err(e) = self.store().save_history_import(&at) {
                    return Reported::Ran(self.stop(report, &at, e.into(), progress));
                }
            }
            return Reported::Quiet;
        }
        progress(SyncEvent::HistoryProgress {
            source_id: source.id,
            since: since.day,
            reached: at.reached,
            items: 0,
        });
        let mut restarts = 0;
        while !at.complete() {
            if cancel.is_cancelled() {
                at.stopped = Some(CANCELLED.into());
                let _ = self.store().save_history_import(&at);
                report.stopped = at.stopped.clone();
                break;
            }
            let chunk = at.chunk.clone().unwrap_or_else(|| ImportChunk {
                start: at.since_utc.max(at.reached - chunk_len),
                page: None,
            });
            let span = Window {
                start: chunk.start,
                end: at.reached,
            };
            let fetched = match provider
                .fetch_past(source, span, chunk.page.as_deref())
                .await
            {
                Ok(f) => f,
                Err(SyncError::CursorExpired { .. }) if restarts < CHUNK_RESTARTS => {
                    // The page token is no longer accepted: the chunk again from its start.
                    restarts += 1;
                    at.chunk = Some(ImportChunk {
                        start: chunk.start,
                        page: None,
                    });
                    continue;
                }
                Err(e) => return Reported::Ran(self.stop(report, &at, e, progress)),
            };
            let mut next = at.clone();
            next.stopped = None;
            match fetched.next {
                Next::More(page) => {
                    next.chunk = Some(ImportChunk {
                        start: chunk.start,
                        page: Some(page),
                    })
                }
                Next::Done(_) => {
                    next.reached = chunk.start;
                    next.chunk = None;
                }
            }
            let page = Page {
                events: fetched.events,
                deleted_events: fetched.deleted_events,
                tasks: fetched.tasks,
                deleted_tasks: fetched.deleted_tasks,
                generation: None,
                sweep: None,
                update_only_before: None,
                delete_only_from: fetched.delete_only_from,
                ics_items: None,
            };
            let history = History {
                tasks: fetched.kept_tasks,
                spans: fetched.history,
            };
            let write = {
                let engine = self.clone();
                let next = next.clone();
                tokio::task::spawn_blocking(move || {
                    engine.store().write_import_page(&page, &history, &next)
                })
            };
            let outcome = match write.await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(e)) => return Reported::Ran(self.stop(report, &at, e.into(), progress)),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => {
                    return Reported::Ran(self.stop(report, &at, SyncError::Interrupted, progress));
                }
            };
            at = next;
            report.pages += 1;
            report.written += (outcome.written + outcome.deleted) as u64;
            report.rejected.extend(fetched.rejected);
            report.rejected.extend(outcome.rejected);
            report.reached = at.reached;
            progress(SyncEvent::HistoryProgress {
                source_id: source.id,
                since: since.day,
                reached: at.reached,
                items: report.written,
            });
        }
        report.reached = at.reached;
        progress(SyncEvent::HistoryFinished {
            source_id: source.id,
            since: since.day,
            reached: at.reached,
            stopped: report.stopped.clone(),
        });
        Reported::Ran(report)
    }

    /// Records why an import stopped where it did (best effort: a full disk
    /// may refuse this too, and the import still resumes from its last page).
    fn stop(
        &self,
        mut report: ImportReport,
        at: &ImportProgress,
        error: SyncError,
        progress: &Progress,
    ) -> ImportReport {
        let why = error.to_string();
        let mut at = at.clone();
        at.stopped = Some(why.clone());
        let _ = self.store().save_history_import(&at);
        report.reached = at.reached;
        report.stopped = Some(why);
        report.needs_reconnect = error.needs_reconnect();
        report.offline = error.is_offline();
        progress(SyncEvent::HistoryFinished {
            source_id: at.source_id,
            since: at.since,
            reached: at.reached,
            stopped: report.stopped.clone(),
        });
        report
    }
}

/// What [`Engine::import_source`] did: ran (and reports), or had nothing to do.
enum Reported {
    Ran(ImportReport),
    Quiet,
}

impl Reported {
    fn error(
        source: &Source,
        since: HistorySince,
        reached: DateTime<Utc>,
        e: SyncError,
    ) -> Reported {
        Reported::Ran(ImportReport {
            source_id: source.id,
            name: source.name.clone(),
            since: since.day,
            reached,
            pages: 0,
            written: 0,
            rejected: Vec::new(),
            stopped: Some(e.to_string()),
            needs_reconnect: false,
            offline: e.is_offline(),
        })
    }

    fn into_option(self) -> Option<ImportReport> {
        match self {
            Reported::Ran(r) => Some(r),
            Reported::Quiet => None,
        }
    }
}
