//! Accounts in the window: the account list, connecting one (OAuth in the
//! system browser, Todoist's personal API token, an ICS calendar),
//! disconnecting one, and the first run's demo (choosing it, leaving it).
//!
//! The use cases and the shapes the window receives are the application
//! layer's (`vica_api::accounts`, shared with the CLI); this module only
//! opens the browser (tauri-plugin-opener, called from Rust: the webview has
//! no opener permission), lets the window cancel a sign-in, turns errors
//! into [`IpcError`]s and starts a sync once an account is added.

use std::sync::{Arc, Mutex};

use std::time::Duration;
use vica_api::lock;

use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;
use vica_core::model::Provider;
use vica_sync::accounts::{CachedData, ConnectOptions};
use vica_sync::oauth::OAuthConfig;
use vica_sync::secrets::{Keychain, SecretStore, Sensitive};

pub use vica_api::accounts::{
    AccountState, AccountView, AccountsOverview, DisconnectResult, ProviderSetup, SETUP_DOC_URL,
};

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;
use crate::sync::{Reporter, Syncer};

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

/// A failed connect or disconnect as the window sees it: the application
/// layer's code (`not_configured`, which the window links to the setup
/// guide, `consent_denied`, `timeout`, `keychain`, `token_refused`,
/// `network`, `connect_failed`, the store's codes), or `cancelled`.
pub fn ipc_error(err: impl Into<vica_api::Error>) -> IpcError {
    IpcError::from(err.into())
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
    Ok(vica_api::accounts::overview(
        &lock(state.shared_store()?),
        &config,
    )?)
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
    Ok(vica_api::demo::leave(&lock(state.shared_store()?))?)
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
    let attempt =
        vica_api::accounts::connect(store, &secrets, &config, provider, &options, move |url| {
            // Only the provider's (or the configured) http(s) authorize URL gets here.
            if let Err(err) = opener.opener().open_url(url, None::<&str>) {
                eprintln!("vica: cannot open the browser: {err}");
            }
        });
    let account = tokio::select! {
        result = attempt => result.map_err(IpcError::from),
        _ = cancelled => Err(IpcError::new("cancelled", "connecting was cancelled; nothing was saved")),
    }?;
    sync_soon(state.syncer()?.clone(), Arc::new(app));
    Ok(account)
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
    let config = OAuthConfig::load_default().map_err(ipc_error)?;
    let account = vica_api::accounts::connect_token(
        state.shared_store()?,
        &keychain(),
        &config,
        Provider::Todoist,
        Sensitive::new(token),
    )
    .await?;
    sync_soon(state.syncer()?.clone(), Arc::new(app));
    Ok(account)
}

/// Adds an ICS calendar: `location` is an `.ics` file, a folder of them, or
/// an `https://` / `webcal://` address, which goes to the keychain (it is a
/// secret). Then a sync starts (the first one reads it).
#[tauri::command]
pub async fn add_ics_calendar<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    location: String,
) -> IpcResult<AccountView> {
    let account =
        vica_api::accounts::connect_ics(state.shared_store()?, &keychain(), &location).await?;
    sync_soon(state.syncer()?.clone(), Arc::new(app));
    Ok(account)
}

/// Disconnects an account: revokes its grant where the provider can, deletes
/// its keychain entry, and keeps or deletes its cached data.
#[tauri::command]
pub async fn disconnect_account(
    state: State<'_, AppState>,
    account_id: i64,
    keep_data: bool,
) -> IpcResult<DisconnectResult> {
    if !keep_data {
        // A sync under way could write the account's items back after the delete.
        until_idle(state.syncer()?).await;
    }
    let data = if keep_data {
        CachedData::Keep
    } else {
        CachedData::Delete
    };
    let done = vica_api::accounts::disconnect(state.shared_store()?, &keychain(), account_id, data)
        .await?;
    Ok(done.result)
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
    use std::collections::HashMap;
    use std::path::Path;
    use vica_sync::SyncError;

    fn config(vars: &[(&str, &str)]) -> vica_sync::Result<OAuthConfig> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        OAuthConfig::from_sources(None, &|k| vars.get(k).cloned(), Path::new("oauth.toml"))
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
        assert_eq!(
            ipc_error(SyncError::Timeout {
                provider: "Todoist"
            })
            .code,
            "network"
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
