//! Accounts in the window: listing them with their state, connecting one
//! (OAuth in the system browser, or Todoist's personal API token),
//! disconnecting one, and the first run's demo (choosing it, leaving it).
//!
//! The flows themselves are `vica_sync::accounts`; this module only opens the
//! browser (tauri-plugin-opener, called from Rust: the webview has no opener
//! permission), lets the window cancel a sign-in, turns errors into
//! [`IpcError`]s and starts a sync once an account is added.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;
use vica_core::Store;
use vica_core::model::{Account, AccountStatus, Provider};
use vica_sync::SyncError;
use vica_sync::accounts::{self, CachedData, ConnectOptions};
use vica_sync::oauth::{CONFIG_FILE, OAuthConfig};
use vica_sync::secrets::{Keychain, SecretStore, Sensitive};

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;
use crate::sync::{Reporter, Syncer, source_statuses};

/// The step-by-step guide to registering an OAuth client (docs/oauth-setup.md online).
pub const SETUP_DOC_URL: &str = "https://github.com/vica-app/vica/blob/main/docs/oauth-setup.md";

/// How an account stands, as the Accounts screen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// Its tokens are in the keychain and its last sync (if any) went well.
    Connected,
    /// The provider no longer accepts its grant (`invalid_grant`), or it was
    /// disconnected with its data kept: connecting it again resumes syncing.
    NeedsReconnect,
    /// Some of its sources failed to sync; `error` says why.
    Error,
}

/// One account on the Accounts screen. Never holds a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountView {
    pub id: i64,
    pub provider: Provider,
    /// "Google Calendar".
    pub provider_name: String,
    pub label: String,
    pub is_demo: bool,
    pub state: AccountState,
    /// The first source error, when `state` is `error`.
    pub error: Option<String>,
    /// Calendars and projects it has.
    pub sources: usize,
    pub created_at: DateTime<Utc>,
}

/// Whether a provider can be connected with OAuth from this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderSetup {
    pub provider: Provider,
    pub provider_name: String,
    /// A client id (and secret, where needed) is set.
    pub configured: bool,
    /// What is missing, when not configured.
    pub detail: Option<String>,
}

/// What the Accounts screen and the first run need to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountsOverview {
    pub accounts: Vec<AccountView>,
    /// Demo accounts are present (the week shows the demo).
    pub demo: bool,
    /// Google, Microsoft and Todoist, in that order.
    pub providers: Vec<ProviderSetup>,
    /// Where client ids go: `<config dir>/oauth.toml`.
    pub config_file: Option<String>,
    /// The setup guide, online.
    pub setup_doc_url: String,
}

/// The sign-in under way, which the window may cancel. At most one at a time.
#[derive(Debug, Default)]
pub struct Connecting(Mutex<Option<tokio::sync::oneshot::Sender<()>>>);

impl Connecting {
    /// Registers a new attempt, cancelling the one before it if any.
    fn begin(&self) -> tokio::sync::oneshot::Receiver<()> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if let Some(previous) = lock(&self.0).replace(tx) {
            let _ = previous.send(());
        }
        rx
    }

    /// Cancels the attempt under way; `false` when there was none.
    fn cancel(&self) -> bool {
        lock(&self.0).take().is_some_and(|tx| tx.send(()).is_ok())
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these locks leaves nothing half-written (SQLite
    // writes roll back), so a poisoned lock is still good.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Every account with its state, whether the demo is on, and which
/// providers have an OAuth client.
pub fn overview(
    store: &Store,
    config: &vica_sync::Result<OAuthConfig>,
) -> IpcResult<AccountsOverview> {
    let statuses = source_statuses(store, &Default::default())?;
    let mut sources: HashMap<i64, usize> = HashMap::new();
    let mut errors: HashMap<i64, String> = HashMap::new();
    for s in &statuses {
        *sources.entry(s.account_id).or_default() += 1;
        if let Some(e) = s.last_error.as_ref().filter(|_| s.included && !s.gone) {
            errors.entry(s.account_id).or_insert_with(|| e.clone());
        }
    }
    // A list of calendars or projects that could not be read says more than
    // what its sources last recorded (they were not synced since).
    errors.extend(store.account_errors()?);
    let accounts: Vec<AccountView> = store
        .accounts()?
        .into_iter()
        .map(|a| {
            view(
                &a,
                sources.get(&a.id).copied().unwrap_or(0),
                errors.remove(&a.id),
            )
        })
        .collect();
    let providers = [Provider::Google, Provider::Microsoft, Provider::Todoist]
        .into_iter()
        .map(|p| {
            let missing = match config {
                Ok(c) => c
                    .provider(p)
                    .and_then(|s| s.require_client().map(|_| ()))
                    .err()
                    .map(|e| e.to_string()),
                Err(e) => Some(e.to_string()),
            };
            ProviderSetup {
                provider: p,
                provider_name: p.display_name().to_owned(),
                configured: missing.is_none(),
                detail: missing,
            }
        })
        .collect();
    Ok(AccountsOverview {
        demo: accounts.iter().any(|a| a.is_demo),
        accounts,
        providers,
        config_file: vica_core::paths::config_dir()
            .ok()
            .map(|d| d.join(CONFIG_FILE).display().to_string()),
        setup_doc_url: SETUP_DOC_URL.to_owned(),
    })
}

fn view(account: &Account, sources: usize, error: Option<String>) -> AccountView {
    // ICS calendars have no token; other accounts without one were disconnected.
    let disconnected =
        !account.is_demo && account.provider != Provider::Ics && account.keychain_entry.is_none();
    let state = if account.status == AccountStatus::NeedsReconnect || disconnected {
        AccountState::NeedsReconnect
    } else if error.is_some() {
        AccountState::Error
    } else {
        AccountState::Connected
    };
    AccountView {
        id: account.id,
        provider: account.provider,
        provider_name: account.provider.display_name().to_owned(),
        label: account.label.clone(),
        is_demo: account.is_demo,
        error: error.filter(|_| state == AccountState::Error),
        state,
        sources,
        created_at: account.created_at,
    }
}

/// A failed connect or disconnect as the window sees it. Codes:
/// `not_configured` (no OAuth client: the window links to the setup guide),
/// `consent_denied`, `timeout`, `keychain`, `token_refused`, `network`,
/// `cancelled`, `connect_failed`, and the store's own codes.
pub fn ipc_error(err: SyncError) -> IpcError {
    let code = match &err {
        SyncError::NotConfigured { .. } => "not_configured",
        SyncError::ConsentDenied { .. } => "consent_denied",
        SyncError::AuthorizationTimeout { .. } => "timeout",
        SyncError::Keychain(_) => "keychain",
        SyncError::TokenRefused { .. } | SyncError::Unauthorized { .. } => "token_refused",
        SyncError::Network { .. } | SyncError::Timeout { .. } => "network",
        SyncError::Store(_) => {
            return match err {
                SyncError::Store(e) => IpcError::from(e),
                other => IpcError::new("internal", other.to_string()),
            };
        }
        _ => "connect_failed",
    };
    IpcError::new(code, err.to_string())
}

/// Starts a sync as soon as none runs (one may be under way, e.g. the
/// start-up sync), so what was just added or chosen arrives without waiting
/// for the next interval.
pub fn sync_soon(syncer: Syncer, reporter: Arc<dyn Reporter>) {
    tauri::async_runtime::spawn(async move {
        // A minute at most: the interval's sync takes over after that.
        for _ in 0..240 {
            if syncer.start(reporter.clone()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });
}

/// Waits (up to a minute) until no sync runs, so nothing a sync writes
/// lands after what the caller changes next.
async fn until_idle(syncer: &Syncer) {
    for _ in 0..240 {
        if !syncer.is_running() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn keychain() -> Arc<dyn SecretStore> {
    Arc::new(Keychain::new())
}

/// Every account with its state, and which providers can be connected.
#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> IpcResult<AccountsOverview> {
    let config = OAuthConfig::load_default();
    overview(&lock(state.shared_store()?), &config)
}

/// The first run's "Try with demo data": syncs the demo from the fake
/// providers through the real sync path. Its accounts then keep it on.
#[tauri::command]
pub async fn choose_demo<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> IpcResult<()> {
    let syncer = state.syncer()?.clone();
    syncer.choose_demo(true);
    sync_soon(syncer, Arc::new(app));
    Ok(())
}

/// "Leave demo": deletes the demo accounts with everything they brought.
/// Returns whether any account is left (if none, the window shows the welcome).
#[tauri::command]
pub async fn leave_demo(state: State<'_, AppState>) -> IpcResult<bool> {
    let syncer = state.syncer()?;
    syncer.choose_demo(false);
    // A demo sync under way would add its accounts back.
    until_idle(syncer).await;
    let store = lock(state.shared_store()?);
    for account in store.accounts()?.into_iter().filter(|a| a.is_demo) {
        store.delete_account(account.id)?;
    }
    Ok(!store.accounts()?.is_empty())
}

/// Connects `provider` with OAuth: opens the system browser on the
/// provider's sign-in page and waits (up to five minutes, or until
/// [`cancel_connect`]) for it to come back to the loopback listener. Then a
/// sync starts.
#[tauri::command]
pub async fn connect_account<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    connecting: State<'_, Connecting>,
    provider: Provider,
) -> IpcResult<AccountView> {
    let config = OAuthConfig::load_default().map_err(ipc_error)?;
    config
        .provider(provider)
        .and_then(|s| s.require_client().map(|_| ()))
        .map_err(ipc_error)?;
    let store = state.shared_store()?;
    let secrets = keychain();
    let cancelled = connecting.begin();
    let opener = app.clone();
    let options = ConnectOptions::default();
    let attempt = accounts::connect(provider, &config, store, &secrets, &options, move |url| {
        // Only the provider's (or the configured) http(s) authorize URL gets here.
        if let Err(err) = opener.opener().open_url(url.as_str(), None::<&str>) {
            eprintln!("vica: cannot open the browser: {err}");
        }
    });
    let account = tokio::select! {
        result = attempt => result.map_err(ipc_error),
        _ = cancelled => Err(IpcError::new("cancelled", "connecting was cancelled; nothing was saved")),
    }?;
    sync_soon(state.syncer()?.clone(), Arc::new(app));
    Ok(view(&account, 0, None))
}

/// Cancels the sign-in under way (the loopback listener closes, nothing is saved).
#[tauri::command]
pub fn cancel_connect(connecting: State<'_, Connecting>) -> bool {
    connecting.cancel()
}

/// Connects Todoist with a personal API token the user pasted; the token is
/// checked with Todoist and goes only to the keychain. Then a sync starts.
#[tauri::command]
pub async fn connect_todoist_token<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    token: String,
) -> IpcResult<AccountView> {
    let token = Sensitive::new(token);
    let config = OAuthConfig::load_default().map_err(ipc_error)?;
    let account = accounts::connect_with_token(
        Provider::Todoist,
        token,
        &config,
        state.shared_store()?,
        &keychain(),
    )
    .await
    .map_err(ipc_error)?;
    sync_soon(state.syncer()?.clone(), Arc::new(app));
    Ok(view(&account, 0, None))
}

/// Adds an ICS calendar: `location` is an `.ics` file, a folder of them, or
/// an `https://` / `webcal://` address. No token, nothing in the keychain.
/// Then a sync starts (the first one reads it).
#[tauri::command]
pub async fn add_ics_calendar<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    location: String,
) -> IpcResult<AccountView> {
    let account = {
        let store = lock(state.shared_store()?);
        accounts::connect_ics(&store, location.trim()).map_err(ipc_error)?
    };
    sync_soon(state.syncer()?.clone(), Arc::new(app));
    Ok(view(&account, 0, None))
}

/// What disconnecting did, for the window to say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisconnectResult {
    pub label: String,
    pub provider_name: String,
    /// The cached events and tasks were kept.
    pub kept_data: bool,
    /// Whether the grant was revoked at the provider; `None` when no tokens were stored.
    pub revoked: Option<bool>,
    /// Why revoking did not happen, when it did not.
    pub revocation_note: Option<String>,
    /// Any account left (if none, the window shows the welcome).
    pub accounts_left: bool,
}

/// Disconnects an account: revokes its grant where the provider can, deletes
/// its keychain entry, and keeps or deletes its cached data.
#[tauri::command]
pub async fn disconnect_account(
    state: State<'_, AppState>,
    account_id: i64,
    keep_data: bool,
) -> IpcResult<DisconnectResult> {
    // Revoking needs only the endpoints: the defaults do when the config is unreadable.
    let config = OAuthConfig::load_default()
        .or_else(|_| OAuthConfig::defaults())
        .map_err(ipc_error)?;
    let store = state.shared_store()?;
    if !keep_data {
        // A sync under way could write the account's items back after the delete.
        until_idle(state.syncer()?).await;
    }
    let data = if keep_data {
        CachedData::Keep
    } else {
        CachedData::Delete
    };
    let done = accounts::disconnect(account_id, &config, store, &keychain(), data)
        .await
        .map_err(ipc_error)?;
    let (revoked, note) = match done.revocation {
        None => (None, None),
        Some(vica_sync::oauth::Revocation::Revoked) => (Some(true), None),
        Some(vica_sync::oauth::Revocation::NotSupported(n))
        | Some(vica_sync::oauth::Revocation::Failed(n)) => (Some(false), Some(n)),
    };
    let accounts_left = !lock(store).accounts()?.is_empty();
    Ok(DisconnectResult {
        label: done.account.label,
        provider_name: done.account.provider.display_name().to_owned(),
        kept_data: keep_data,
        revoked,
        revocation_note: note,
        accounts_left,
    })
}

/// Opens the OAuth setup guide in the system browser.
#[tauri::command]
pub fn open_setup_guide<R: Runtime>(app: AppHandle<R>) -> IpcResult<()> {
    app.opener()
        .open_url(SETUP_DOC_URL, None::<&str>)
        .map_err(|err| IpcError::new("io", format!("cannot open the browser: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use vica_core::model::{SourceKind, SourceRecord};

    fn config(vars: &[(&str, &str)]) -> vica_sync::Result<OAuthConfig> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        OAuthConfig::from_sources(None, &|k| vars.get(k).cloned(), Path::new("oauth.toml"))
    }

    fn project(id: &str) -> SourceRecord {
        SourceRecord {
            kind: SourceKind::Project,
            provider_id: id.into(),
            name: format!("Project {id}"),
            color: None,
            is_primary: false,
            access_role: None,
        }
    }

    #[test]
    fn accounts_read_as_connected_needing_reconnect_or_failing() {
        let store = Store::open_in_memory().unwrap();
        let fine = store
            .add_account(
                Provider::Todoist,
                "fine@example.com",
                Some("todoist:fine@example.com"),
                false,
            )
            .unwrap();
        let revoked = store
            .add_account(
                Provider::Google,
                "gone@example.com",
                Some("google:gone@example.com"),
                false,
            )
            .unwrap();
        store
            .set_account_status(revoked.id, AccountStatus::NeedsReconnect)
            .unwrap();
        let kept = store
            .add_account(Provider::Microsoft, "kept@example.com", None, false)
            .unwrap();
        let failing = store
            .add_account(
                Provider::Todoist,
                "failing@example.com",
                Some("todoist:failing@example.com"),
                false,
            )
            .unwrap();
        let demo = store
            .add_account(Provider::Google, "demo@example.com", None, true)
            .unwrap();
        let ics = accounts::connect_ics(&store, "https://example.com/team.ics").unwrap();
        let a = store.upsert_source(fine.id, &project("1")).unwrap();
        store.record_sync_result(a.id, None).unwrap();
        let b = store.upsert_source(failing.id, &project("2")).unwrap();
        let c = store.upsert_source(failing.id, &project("3")).unwrap();
        store.record_sync_result(b.id, None).unwrap();
        store
            .record_sync_result(c.id, Some("Todoist answered 500: oops"))
            .unwrap();

        let got = overview(&store, &config(&[])).unwrap();
        let by = |id: i64| got.accounts.iter().find(|a| a.id == id).unwrap();
        assert_eq!(got.accounts.len(), 6);
        assert_eq!(
            by(ics.id).state,
            AccountState::Connected,
            "an ICS calendar has no token"
        );
        assert_eq!(
            (by(fine.id).state, by(fine.id).sources),
            (AccountState::Connected, 1)
        );
        assert_eq!(by(revoked.id).state, AccountState::NeedsReconnect);
        assert_eq!(
            by(kept.id).state,
            AccountState::NeedsReconnect,
            "disconnected, data kept"
        );
        assert_eq!(by(failing.id).state, AccountState::Error);
        assert_eq!(
            by(failing.id).error.as_deref(),
            Some("Todoist answered 500: oops")
        );
        assert_eq!(by(failing.id).sources, 2);
        assert_eq!(
            by(demo.id).state,
            AccountState::Connected,
            "a demo needs no keychain entry"
        );
        assert!(got.demo);
        assert_eq!(by(fine.id).provider_name, "Todoist");

        // A list of projects that could not be read is the account's error,
        // over what its sources last recorded, until a refresh works.
        store
            .record_account_refresh(failing.id, Some("cannot read Todoist's projects"))
            .unwrap();
        store
            .record_account_refresh(fine.id, Some("no network"))
            .unwrap();
        let got = overview(&store, &config(&[])).unwrap();
        let by = |id: i64| got.accounts.iter().find(|a| a.id == id).unwrap();
        assert_eq!(
            by(failing.id).error.as_deref(),
            Some("cannot read Todoist's projects")
        );
        assert_eq!(
            (by(fine.id).state, by(fine.id).error.as_deref()),
            (AccountState::Error, Some("no network"))
        );
        store.record_account_refresh(failing.id, None).unwrap();
        store.record_account_refresh(fine.id, None).unwrap();

        // A source left out does not make its account fail.
        store.set_source_included(c.id, false).unwrap();
        let got = overview(&store, &config(&[])).unwrap();
        assert_eq!(
            got.accounts
                .iter()
                .find(|a| a.id == failing.id)
                .unwrap()
                .state,
            AccountState::Connected
        );

        let json = serde_json::to_value(&got.accounts[0]).unwrap();
        assert_eq!(json["state"], "connected");
        assert!(
            json.get("keychain_entry").is_none(),
            "the entry's name stays in the shell"
        );
    }

    #[test]
    fn providers_without_a_client_say_what_to_set() {
        let store = Store::open_in_memory().unwrap();
        let got = overview(
            &store,
            &config(&[("VICA_MICROSOFT_CLIENT_ID", "ms-client")]),
        )
        .unwrap();
        assert!(!got.demo && got.accounts.is_empty());
        let names: Vec<_> = got.providers.iter().map(|p| p.provider).collect();
        assert_eq!(
            names,
            [Provider::Google, Provider::Microsoft, Provider::Todoist]
        );
        let google = &got.providers[0];
        assert!(!google.configured);
        assert!(
            google
                .detail
                .as_deref()
                .unwrap()
                .contains("VICA_GOOGLE_CLIENT_ID")
        );
        assert!(got.providers[1].configured && got.providers[1].detail.is_none());
        assert!(got.setup_doc_url.ends_with("docs/oauth-setup.md"));
    }

    #[test]
    fn connect_errors_get_codes_the_window_acts_on() {
        let not_configured = config(&[])
            .unwrap()
            .google
            .require_client()
            .map(|_| ())
            .unwrap_err();
        let err = ipc_error(not_configured);
        assert_eq!(err.code, "not_configured");
        assert!(
            err.message.contains("docs/oauth-setup.md"),
            "{}",
            err.message
        );
        assert_eq!(
            ipc_error(SyncError::ConsentDenied {
                provider: "Google Calendar"
            })
            .code,
            "consent_denied"
        );
        assert_eq!(
            ipc_error(SyncError::TokenRefused {
                provider: "Todoist",
                code: "invalid_token".into(),
                detail: None
            })
            .code,
            "token_refused"
        );
        let store = ipc_error(SyncError::Store(vica_core::Error::NotFound(
            "account 9".into(),
        )));
        assert_eq!(store.code, "not_found");
    }

    #[tokio::test]
    async fn a_new_attempt_or_cancel_ends_the_one_under_way() {
        let connecting = Connecting::default();
        assert!(!connecting.cancel(), "nothing to cancel");
        let first = connecting.begin();
        let second = connecting.begin();
        assert!(
            first.await.is_ok(),
            "the second attempt cancelled the first"
        );
        assert!(connecting.cancel());
        assert!(second.await.is_ok());
        assert!(!connecting.cancel());
    }
}
