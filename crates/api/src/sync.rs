//! Syncing every account: the demo's (from the fake providers in-process)
//! and each real account's, through the one engine, with progress through a
//! callback the front ends render (the window's events, the terminal's
//! progress bars). What a sync came to is a [`SyncSummary`]; the window
//! gets its [`SyncOutcome`]. After it, [`import_history`] imports each real
//! account's history back to `Settings::history_since` in the background
//! (cancellable, resumed by the next sync), and [`history_status`] says how
//! far each source has reached.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;
use vica_core::Store;
use vica_sync::accounts::provider_for;
use vica_sync::engine::Progress;
use vica_sync::import::{Cancel, ImportReport};
use vica_sync::oauth::OAuthConfig;
use vica_sync::secrets::SecretStore;
use vica_sync::{Engine, SyncError, SyncOptions, SyncReport};

use crate::demo::DemoReport;
use crate::{Error, Result, lock};

/// What to sync besides every account in the store.
#[derive(Debug, Clone, Default)]
pub struct SyncRequest {
    /// Load the demo even with no demo account yet (the first run's "Try
    /// with demo data"). Demo accounts in the store sync the demo anyway.
    pub demo: bool,
    /// Only these sources of the real accounts (all when `None`).
    pub only: Option<Vec<i64>>,
}

/// How far back a source's history import has reached (the app's and
/// `vica status`'s view of `history_imports`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct HistoryStatus {
    pub source_id: i64,
    /// The day asked for.
    pub since: chrono::NaiveDate,
    /// Everything from here on is in.
    pub reached: DateTime<Utc>,
    pub complete: bool,
    /// Why the last run stopped short (it resumes on the next sync).
    pub stopped: Option<String>,
}

/// Every source's history import, as far as it has reached.
pub fn history_status(store: &Store) -> Result<Vec<HistoryStatus>> {
    Ok(store
        .history_imports()?
        .into_iter()
        .map(|p| HistoryStatus {
            source_id: p.source_id,
            since: p.since,
            reached: p.reached,
            complete: p.complete(),
            stopped: p.stopped,
        })
        .collect())
}

/// What a history import of every account did.
#[derive(Debug, Default)]
pub struct ImportSummary {
    /// Each source's import that ran.
    pub reports: Vec<ImportReport>,
    /// Accounts that could not import at all (no client).
    pub failures: Vec<Failure>,
}

impl ImportSummary {
    /// Sources whose import stopped short of the day asked for.
    pub fn stopped(&self) -> impl Iterator<Item = &ImportReport> {
        self.reports.iter().filter(|r| !r.complete())
    }
}

/// Imports the history of every real account (or only the sources in
/// `request.only`) back to `Settings::history_since`, after the window's
/// sync ([`sync_all`]): sources whose window is not in yet wait for the
/// next sync. Nothing happens without the setting. `cancel` stops it after
/// the page under way; what was committed stays and the next run resumes.
pub async fn import_history(
    store: &Arc<Mutex<Store>>,
    secrets: &Arc<dyn SecretStore>,
    oauth: &vica_sync::Result<OAuthConfig>,
    request: &SyncRequest,
    progress: Progress,
    cancel: &Cancel,
) -> Result<ImportSummary> {
    let (accounts, settings) = {
        let store = lock(store);
        (store.accounts()?, store.settings()?)
    };
    let mut summary = ImportSummary::default();
    if settings.history_since.is_none() {
        return Ok(summary);
    }
    let engine = Engine::new(store.clone(), SyncOptions::from_settings(&settings));
    for account in accounts.iter().filter(|a| !a.is_demo) {
        if cancel.is_cancelled() {
            break;
        }
        let client = client_for(account, oauth, secrets, &settings);
        match client {
            Ok(client) => summary.reports.extend(
                engine
                    .import_history(
                        account.id,
                        client,
                        request.only.as_deref(),
                        progress.clone(),
                        cancel,
                    )
                    .await,
            ),
            Err(err) => summary.failures.push(Failure {
                account: Some(account.label.clone()),
                error: err.into(),
            }),
        }
    }
    Ok(summary)
}

/// An account that could not sync at all (no client: disconnected, keychain
/// locked, no OAuth client configured), or the demo that could not load.
#[derive(Debug)]
pub struct Failure {
    /// The account's label; `None` for the demo.
    pub account: Option<String>,
    pub error: Error,
}

/// What a sync of everything did.
#[derive(Debug, Default)]
pub struct SyncSummary {
    /// The demo's part, when the demo synced.
    pub demo: Option<DemoReport>,
    /// Each account's report (the demo's first).
    pub reports: Vec<SyncReport>,
    /// Accounts (or the demo) that could not sync at all.
    pub failures: Vec<Failure>,
    /// ICS subscription addresses an older Vica kept in the database could
    /// not move to the keychain (they stay where they were).
    pub ics_not_secured: Option<Error>,
}

/// How a whole sync ended, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SyncOutcome {
    pub finished_at: DateTime<Utc>,
    /// Sources whose sync failed (their errors are in each source's `last_error`).
    pub failed: usize,
    /// A failure before any source could sync (an account's sources could not
    /// be listed, the demo server did not start).
    pub error: Option<String>,
    /// Every failure was a provider out of reach: the UI shows "Offline".
    pub offline: bool,
}

impl SyncOutcome {
    /// A sync that failed before it began (or stopped unexpectedly).
    pub fn failed_before(error: &Error) -> SyncOutcome {
        SyncOutcome {
            finished_at: Utc::now(),
            failed: 0,
            error: Some(error.to_string()),
            offline: error.is_offline(),
        }
    }

    /// A sync that stopped for a reason that is no [`Error`] (a panic).
    pub fn stopped(why: String) -> SyncOutcome {
        SyncOutcome {
            finished_at: Utc::now(),
            failed: 0,
            error: Some(why),
            offline: false,
        }
    }
}

impl SyncSummary {
    /// Sources whose sync failed.
    pub fn failed_sources(&self) -> usize {
        self.reports
            .iter()
            .flat_map(|r| &r.sources)
            .filter(|s| s.error.is_some())
            .count()
    }

    /// Everything that failed: source errors, accounts' errors, accounts
    /// that could not sync at all.
    pub fn failed(&self) -> usize {
        self.failed_sources()
            + self.reports.iter().filter(|r| r.error.is_some()).count()
            + self.failures.len()
    }

    /// What the window is told.
    pub fn outcome(&self) -> SyncOutcome {
        // (failed, offline) of each failure, typed: never read from a message.
        let mut offline = Vec::new();
        for report in &self.reports {
            if report.error.is_some() {
                offline.push(report.offline);
            }
            for source in report.sources.iter().filter(|s| s.error.is_some()) {
                offline.push(source.offline);
            }
        }
        offline.extend(self.failures.iter().map(|f| f.error.is_offline()));
        let error = self
            .failures
            .first()
            .map(|f| f.error.to_string())
            .or_else(|| self.reports.iter().find_map(|r| r.error.clone()));
        SyncOutcome {
            finished_at: Utc::now(),
            failed: self.failed_sources(),
            offline: !offline.is_empty() && offline.iter().all(|o| *o),
            error,
        }
    }
}

/// The sources of real accounts whose name, id or provider id is one of
/// `names` (for `vica sync --source`); none matching is an error.
pub fn sources_named(store: &Store, names: &[String]) -> Result<Vec<i64>> {
    let ids: Vec<i64> = store
        .sources()?
        .iter()
        .filter(|s| {
            names
                .iter()
                .any(|o| o == &s.name || o == &s.id.to_string() || o == &s.provider_id)
        })
        .map(|s| s.id)
        .collect();
    if ids.is_empty() {
        return Err(Error::NoSuchSource(names.join(", ")));
    }
    Ok(ids)
}

/// Syncs every account in `store`: the demo (when demo accounts exist or
/// `request.demo`), then each real account with its client (tokens from
/// `secrets`, OAuth clients from `oauth`). Progress goes to `progress`.
/// Fails only when the store cannot be read; what failed inside is in the
/// summary.
pub async fn sync_all(
    store: &Arc<Mutex<Store>>,
    secrets: &Arc<dyn SecretStore>,
    oauth: &vica_sync::Result<OAuthConfig>,
    request: &SyncRequest,
    progress: Progress,
) -> Result<SyncSummary> {
    let mut summary = SyncSummary {
        // An older Vica kept ICS subscription addresses in the database: they
        // move to the keychain first. Without a keychain they stay, and the
        // accounts below say what is wrong with it when they need it.
        ics_not_secured: vica_sync::accounts::secure_ics_addresses(store, secrets)
            .await
            .err()
            .map(Error::from),
        ..SyncSummary::default()
    };
    let (accounts, settings) = {
        let store = lock(store);
        (store.accounts()?, store.settings()?)
    };
    if request.demo || accounts.iter().any(|a| a.is_demo) {
        match crate::demo::load(store, progress.clone()).await {
            Ok(demo) => {
                summary.reports.extend(demo.reports.iter().cloned());
                summary.demo = Some(demo);
            }
            Err(error) => summary.failures.push(Failure {
                account: None,
                error,
            }),
        }
    }
    let engine = Engine::new(store.clone(), SyncOptions::from_settings(&settings));
    for account in accounts.iter().filter(|a| !a.is_demo) {
        let client = client_for(account, oauth, secrets, &settings);
        match client {
            Ok(client) => summary.reports.push(
                engine
                    .sync_account(
                        account.id,
                        client,
                        request.only.as_deref(),
                        progress.clone(),
                    )
                    .await,
            ),
            Err(err) => summary.failures.push(Failure {
                account: Some(account.label.clone()),
                error: err.into(),
            }),
        }
    }
    Ok(summary)
}

/// An account's client, or why there is none (its provider is not set up
/// for sign-in, or its credentials cannot be read).
fn client_for(
    account: &vica_core::model::Account,
    oauth: &vica_sync::Result<OAuthConfig>,
    secrets: &Arc<dyn SecretStore>,
    settings: &vica_core::settings::Settings,
) -> std::result::Result<Arc<dyn vica_sync::provider::Provider>, SyncError> {
    oauth
        .as_ref()
        .map_err(|e| SyncError::NotConfigured {
            provider: account.provider.display_name(),
            detail: e.to_string(),
        })
        .and_then(|oauth| provider_for(account, oauth, secrets.clone(), settings.zone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vica_sync::engine::SourceReport;

    fn source(error: Option<SyncError>) -> SourceReport {
        SourceReport {
            offline: error.as_ref().is_some_and(SyncError::is_offline),
            error: error.map(|e| e.to_string()),
            ..SourceReport::default()
        }
    }

    fn summary(errors: Vec<Option<SyncError>>) -> SyncSummary {
        SyncSummary {
            reports: vec![SyncReport {
                sources: errors.into_iter().map(source).collect(),
                ..SyncReport::default()
            }],
            ..SyncSummary::default()
        }
    }

    fn network() -> SyncError {
        SyncError::Network {
            provider: "Google Calendar",
            detail: "connection refused".into(),
        }
    }

    #[test]
    fn a_sync_is_offline_when_every_failure_is_a_provider_out_of_reach() {
        let timeout = || SyncError::Timeout {
            provider: "Todoist",
        };
        let all = summary(vec![Some(network()), Some(timeout()), None]).outcome();
        assert_eq!((all.failed, all.offline), (2, true));
        let fine = summary(vec![None, None]).outcome();
        assert_eq!((fine.failed, fine.offline, fine.error), (0, false, None));
        let mixed = summary(vec![
            Some(network()),
            Some(SyncError::Http {
                provider: "Todoist",
                status: 500,
                message: "oops".into(),
            }),
        ])
        .outcome();
        assert_eq!((mixed.failed, mixed.offline), (2, false));

        let mut before_any = SyncSummary::default();
        before_any.failures.push(Failure {
            account: Some("me@example.com".into()),
            error: network().into(),
        });
        let outcome = before_any.outcome();
        assert!(outcome.offline);
        assert_eq!(outcome.error, Some(network().to_string()));
    }

    /// The app runs a sync on its async runtime's worker threads.
    #[test]
    fn a_sync_can_run_on_another_thread() {
        fn send<T: Send>(_: &T) {}
        let store = Arc::new(Mutex::new(Store::open_in_memory().unwrap()));
        let secrets: Arc<dyn SecretStore> = Arc::new(vica_sync::secrets::MemoryStore::default());
        let oauth = OAuthConfig::defaults();
        let request = SyncRequest::default();
        send(&sync_all(
            &store,
            &secrets,
            &oauth,
            &request,
            Arc::new(|_| {}),
        ));
    }

    /// Was a text match before: the app read any message ending in "did not
    /// answer in time" as offline, so a provider's 504 whose body says so
    /// showed "Offline" while the provider was plainly reachable.
    #[test]
    fn a_gateway_timeout_from_a_reachable_provider_is_not_offline() {
        let gateway = SyncError::Http {
            provider: "Todoist",
            status: 504,
            message: "the upstream server did not answer in time".into(),
        };
        let outcome = summary(vec![Some(gateway)]).outcome();
        assert_eq!((outcome.failed, outcome.offline), (1, false));
    }
}
