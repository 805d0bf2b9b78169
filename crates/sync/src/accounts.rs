//! Accounts: connecting one (OAuth in the browser, or a pasted Todoist API
//! token), keeping its tokens fresh, and disconnecting it.
//!
//! Tokens go to the OS keychain under the entry `<provider>:<label>` (service
//! [`crate::secrets::KEYCHAIN_SERVICE`]); the database row keeps only that
//! entry's name. Nothing is saved unless the whole sign-in succeeds.
//!
//! For the desktop shell and the CLI, connecting is one call:
//!
//! ```no_run
//! # async fn f(store: &std::sync::Mutex<vica_core::Store>) -> vica_sync::Result<()> {
//! use std::sync::Arc;
//! use vica_sync::accounts::{self, ConnectOptions};
//! use vica_sync::oauth::OAuthConfig;
//! use vica_sync::secrets::{Keychain, SecretStore};
//!
//! let config = OAuthConfig::load_default()?;
//! let secrets: Arc<dyn SecretStore> = Arc::new(Keychain::new());
//! let account = accounts::connect(
//!     vica_core::model::Provider::Google,
//!     &config,
//!     store,
//!     &secrets,
//!     &ConnectOptions::default(),
//!     |url| println!("open {url}"), // the app: tauri-plugin-opener's open_url
//! )
//! .await?;
//! # Ok(()) }
//! ```
//!
//! and syncing uses [`token_source`] as the client's [`TokenSource`].

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;
use reqwest::Url;
use vica_core::Store;
use vica_core::model::{Account, AccountStatus, Provider};

use crate::error::{Result, SyncError};
use crate::http::TokenSource;
use crate::oauth::{self, OAuthConfig, ProviderSettings, Revocation};
use crate::secrets::{SecretError, SecretStore, Sensitive, Tokens, load_tokens, save_tokens};

/// How an access token is refreshed before it expires.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Several sources that get a 401 at once share the refresh that the first one did.
const SHARED_REFRESH: Duration = Duration::from_secs(2);

/// The keychain entry of an account: `google:alice@example.com`.
pub fn entry_name(provider: Provider, label: &str) -> String {
    format!("{}:{label}", provider.as_str())
}

/// How a connect attempt runs.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// How long to wait for the browser to come back (5 minutes).
    pub timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            timeout: oauth::DEFAULT_AUTH_TIMEOUT,
        }
    }
}

/// Connects an account with OAuth: checks the keychain can be used, sends
/// the user to the provider through `open_url`, waits for the loopback
/// redirect, exchanges the code, checks what was granted, asks the provider
/// for the account's label, saves the tokens in the keychain and the account
/// row in the store. Reconnecting an existing account replaces its tokens
/// (keeping its stored refresh token when the provider sent no new one) and
/// clears "needs reconnect" and its reason.
///
/// Nothing is saved when calendar (or task) access was not granted
/// ([`SyncError::ScopeNotGranted`]), or when the tokens expire and there is
/// no refresh token to renew them, neither new nor stored
/// ([`SyncError::OfflineAccessNotGranted`]).
pub async fn connect(
    provider: Provider,
    config: &OAuthConfig,
    store: &Mutex<Store>,
    secrets: &Arc<dyn SecretStore>,
    options: &ConnectOptions,
    open_url: impl FnOnce(&Url),
) -> Result<Account> {
    let settings = config.provider(provider)?;
    settings.require_client()?;
    blocking(secrets, |s| s.check()).await?;
    let tokens = oauth::authorize(settings, options.timeout, open_url).await?;
    let http = oauth::http_client(settings.request_timeout)?;
    let label = oauth::fetch_label(settings, &http, &tokens.access_token).await?;
    let tokens =
        with_refresh_token(provider, &entry_name(provider, &label), tokens, secrets).await?;
    save_account(provider, &label, tokens, store, secrets).await
}

/// A sign-in's tokens with a way to renew them: their own refresh token,
/// else the one stored for the account (a repeat sign-in the provider
/// answered without one: a refresh token is never replaced by none). Tokens
/// that expire with nothing to renew them are refused: the account would
/// stop syncing within the hour.
async fn with_refresh_token(
    provider: Provider,
    entry: &str,
    mut tokens: Tokens,
    secrets: &Arc<dyn SecretStore>,
) -> Result<Tokens> {
    if tokens.refresh_token.is_some() || tokens.expires_at.is_none() {
        return Ok(tokens);
    }
    let stored = {
        let entry = entry.to_owned();
        match blocking(secrets, move |s| load_tokens(s, &entry)).await {
            Ok(t) => t,
            // An unreadable entry holds no refresh token to keep.
            Err(SyncError::Keychain(SecretError::Corrupt { .. })) => None,
            Err(e) => return Err(e),
        }
    };
    match stored.and_then(|t| t.refresh_token) {
        Some(refresh) => {
            tokens.refresh_token = Some(refresh);
            Ok(tokens)
        }
        None => Err(SyncError::OfflineAccessNotGranted {
            provider: oauth::identity_name(provider),
        }),
    }
}

/// Connects Todoist with a personal API token the user pasted (Todoist's
/// Settings → Integrations → Developer). The token is checked against
/// Todoist's user endpoint, which also gives the label.
pub async fn connect_with_token(
    provider: Provider,
    token: Sensitive<String>,
    config: &OAuthConfig,
    store: &Mutex<Store>,
    secrets: &Arc<dyn SecretStore>,
) -> Result<Account> {
    if provider != Provider::Todoist {
        return Err(SyncError::NotConfigured {
            provider: provider.display_name(),
            detail: "only Todoist accounts can be connected with a personal API token".into(),
        });
    }
    let token = Sensitive::new(token.expose().trim().to_owned());
    if token.expose().is_empty() || token.expose().chars().any(char::is_whitespace) {
        return Err(SyncError::TokenRefused {
            provider: provider.display_name(),
            code: "invalid_token".into(),
            detail: Some("the API token is empty or has spaces in it".into()),
        });
    }
    let settings = config.provider(provider)?;
    blocking(secrets, |s| s.check()).await?;
    let http = oauth::http_client(settings.request_timeout)?;
    let label = match oauth::fetch_label(settings, &http, &token).await {
        Err(SyncError::Unauthorized { provider }) => {
            return Err(SyncError::TokenRefused {
                provider,
                code: "invalid_token".into(),
                detail: Some("Todoist did not accept this API token".into()),
            });
        }
        other => other?,
    };
    save_account(provider, &label, Tokens::personal(token), store, secrets).await
}

async fn save_account(
    provider: Provider,
    label: &str,
    tokens: Tokens,
    store: &Mutex<Store>,
    secrets: &Arc<dyn SecretStore>,
) -> Result<Account> {
    let entry = entry_name(provider, label);
    {
        let entry = entry.clone();
        blocking(secrets, move |s| save_tokens(s, &entry, &tokens)).await?;
    }
    let saved = {
        let store = lock(store);
        store
            .add_account(provider, label, Some(&entry), false)
            .and_then(|a| {
                store.set_account_status(a.id, AccountStatus::Ok)?;
                // Why it needed reconnecting no longer holds.
                store.record_account_refresh(a.id, None)?;
                store.account(a.id)
            })
    };
    match saved {
        Ok(account) => Ok(account),
        Err(e) => {
            // Keep nothing from a failed attempt.
            let _ = blocking(secrets, move |s| s.delete(&entry)).await;
            Err(e.into())
        }
    }
}

/// Connects an ICS calendar: `location` is the path of an `.ics` file or of
/// a folder of them, or an `https://` / `webcal://` address. Nothing is
/// fetched here (the first sync reads it); the location is checked (a path
/// must exist, an address must be https). A file or folder is labelled with
/// its path. A subscription address is a capability (whoever has it reads
/// the calendar: iCloud, a Google "secret address", a published Outlook
/// calendar), so it goes to the keychain like a token, and the account is
/// labelled with its host and a short fingerprint of it ([`ics_address_names`]).
/// Adding the same location again returns the existing account.
pub async fn connect_ics(
    store: &Mutex<Store>,
    secrets: &Arc<dyn SecretStore>,
    location: &str,
) -> Result<Account> {
    let location = crate::ics::Location::parse(location)?;
    let (label, entry) = match &location {
        crate::ics::Location::Url(url) => {
            let (label, entry) = ics_address_names(url);
            let address = Sensitive::new(url.to_string());
            let to = entry.clone();
            blocking(secrets, move |s| s.set(&to, &address)).await?;
            (label, Some(entry))
        }
        other => (other.label(), None),
    };
    let store = lock(store);
    let account = store.add_account(Provider::Ics, &label, entry.as_deref(), false)?;
    store.set_account_status(account.id, AccountStatus::Ok)?;
    Ok(store.account(account.id)?)
}

/// The label and keychain entry of an ICS subscription address: its host and
/// the first eight hex digits of its SHA-256 (`calendar.google.com #1a2b3c4d`),
/// and `ics:<the first 32>`. The fingerprint tells two calendars on one host
/// apart and reveals nothing of the address.
pub fn ics_address_names(url: &Url) -> (String, String) {
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(url.as_str().as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    let host = url.host_str().unwrap_or("calendar");
    (format!("{host} #{}", &hash[..8]), format!("ics:{hash}"))
}

/// Moves the subscription address of each ICS account an older Vica
/// labelled with it into the keychain, and labels the account as
/// [`connect_ics`] does. Run before accounts are listed or synced; an
/// account whose address cannot be saved (no keychain) keeps its old label
/// and is reported. Returns how many moved.
pub async fn secure_ics_addresses(
    store: &Mutex<Store>,
    secrets: &Arc<dyn SecretStore>,
) -> Result<usize> {
    let legacy: Vec<(Account, Url)> = lock(store)
        .accounts()?
        .into_iter()
        .filter(|a| a.provider == Provider::Ics && a.keychain_entry.is_none())
        .filter_map(|a| match crate::ics::Location::from_label(&a.label) {
            Ok(crate::ics::Location::Url(url)) => Some((a, url)),
            _ => None,
        })
        .collect();
    let mut moved = 0;
    for (account, url) in legacy {
        let (label, entry) = ics_address_names(&url);
        let address = Sensitive::new(url.to_string());
        let to = entry.clone();
        blocking(secrets, move |s| s.set(&to, &address)).await?;
        lock(store).relabel_account(account.id, &label, Some(&entry))?;
        moved += 1;
    }
    Ok(moved)
}

/// What to do with an account's cached events and tasks when disconnecting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CachedData {
    /// Keep the account (without credentials, "needs reconnect") and its
    /// cached items, so past weeks still show them; reconnecting resumes syncing.
    Keep,
    /// Delete the account with its sources, events and tasks.
    Delete,
}

/// What [`disconnect`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disconnected {
    /// The account as it was before.
    pub account: Account,
    /// `None` when no tokens were stored (a demo account, or one already disconnected).
    pub revocation: Option<Revocation>,
    /// Whether a keychain entry was deleted.
    pub keychain_entry_deleted: bool,
    pub data: CachedData,
}

/// Disconnects an account: revokes its grant at the provider where there is
/// a revocation endpoint (a failure there is reported, not fatal), deletes
/// its keychain entry, then keeps or deletes its cached data. A keychain that
/// cannot be reached stops here, before anything changes: the tokens would
/// otherwise stay behind.
pub async fn disconnect(
    account_id: i64,
    config: &OAuthConfig,
    store: &Mutex<Store>,
    secrets: &Arc<dyn SecretStore>,
    data: CachedData,
) -> Result<Disconnected> {
    let account = lock(store).account(account_id)?;
    let mut revocation = None;
    let mut deleted = false;
    if let Some(entry) = account.keychain_entry.clone() {
        // An ICS account keeps its address there, not tokens: nothing to revoke.
        let tokens = if account.provider == Provider::Ics {
            None
        } else {
            let entry = entry.clone();
            match blocking(secrets, move |s| load_tokens(s, &entry)).await {
                Ok(t) => t,
                // An unreadable entry cannot be revoked, but it can still be deleted.
                Err(SyncError::Keychain(SecretError::Corrupt { .. })) => None,
                Err(e) => return Err(e),
            }
        };
        if let Some(tokens) = tokens {
            revocation = Some(match config.provider(account.provider) {
                Ok(settings) => oauth::revoke(settings, &tokens).await,
                Err(e) => Revocation::Failed(e.to_string()),
            });
        }
        deleted = blocking(secrets, move |s| s.delete(&entry)).await?;
    }
    {
        let store = lock(store);
        match data {
            CachedData::Delete => store.delete_account(account.id)?,
            CachedData::Keep => {
                // Same provider and label: clears the entry name, keeps the row and its data.
                store.add_account(account.provider, &account.label, None, account.is_demo)?;
                if !account.is_demo {
                    store.set_account_status(account.id, AccountStatus::NeedsReconnect)?;
                }
            }
        }
    }
    Ok(Disconnected {
        account,
        revocation,
        keychain_entry_deleted: deleted,
        data,
    })
}

/// The [`TokenSource`] that syncs `account`: its tokens from the keychain,
/// refreshed with the provider's OAuth client in `config`.
pub fn token_source(
    account: &Account,
    config: &OAuthConfig,
    secrets: Arc<dyn SecretStore>,
) -> Result<Arc<dyn TokenSource>> {
    Ok(Arc::new(KeychainTokens::new(account, config, secrets)?))
}

/// An account's tokens, read from the keychain once and kept in memory.
///
/// [`TokenSource::access_token`] refreshes ahead of expiry
/// ([`REFRESH_MARGIN`]); [`TokenSource::refresh`] after a 401. A refreshed
/// (and possibly rotated) refresh token is written to the keychain before
/// the new access token is handed out, so a crash cannot lose it; if the
/// write fails, the new token is not used. A refresh token the provider no
/// longer accepts gives [`SyncError::ReconnectNeeded`], which the engine
/// turns into "needs reconnect" without touching cached data.
pub struct KeychainTokens {
    provider: Provider,
    entry: String,
    settings: ProviderSettings,
    secrets: Arc<dyn SecretStore>,
    http: reqwest::Client,
    margin: chrono::Duration,
    state: tokio::sync::Mutex<Cached>,
}

#[derive(Default)]
struct Cached {
    tokens: Option<Tokens>,
    refreshed_at: Option<Instant>,
}

impl std::fmt::Debug for KeychainTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeychainTokens")
            .field("provider", &self.provider)
            .field("entry", &self.entry)
            .finish_non_exhaustive()
    }
}

impl KeychainTokens {
    pub fn new(
        account: &Account,
        config: &OAuthConfig,
        secrets: Arc<dyn SecretStore>,
    ) -> Result<KeychainTokens> {
        let provider = account.provider.display_name();
        let Some(entry) = account.keychain_entry.clone() else {
            return Err(SyncError::Credentials {
                provider,
                detail: "it is disconnected; connect it again to sync".into(),
            });
        };
        let settings = config.provider(account.provider)?.clone();
        let http = oauth::http_client(settings.request_timeout)?;
        Ok(KeychainTokens {
            provider: account.provider,
            entry,
            settings,
            secrets,
            http,
            margin: chrono::Duration::seconds(REFRESH_MARGIN.as_secs() as i64),
            state: tokio::sync::Mutex::new(Cached::default()),
        })
    }

    /// Refreshes when fewer than `margin` remain before expiry (default [`REFRESH_MARGIN`]).
    pub fn with_margin(mut self, margin: Duration) -> KeychainTokens {
        self.margin = chrono::Duration::from_std(margin).unwrap_or(self.margin);
        self
    }

    async fn current(&self, cached: &mut Cached) -> Result<Tokens> {
        if let Some(t) = &cached.tokens {
            return Ok(t.clone());
        }
        let entry = self.entry.clone();
        let tokens = blocking(&self.secrets, move |s| load_tokens(s, &entry))
            .await?
            .ok_or(SyncError::ReconnectNeeded {
                provider: self.provider.display_name(),
            })?;
        cached.tokens = Some(tokens.clone());
        Ok(tokens)
    }

    async fn refresh_with(&self, cached: &mut Cached, current: &Tokens) -> Result<String> {
        let Some(refresh_token) = &current.refresh_token else {
            return Err(SyncError::ReconnectNeeded {
                provider: self.provider.display_name(),
            });
        };
        let fresh =
            oauth::refresh(&self.settings, &self.http, refresh_token, &current.scopes).await?;
        // Saved before use: a rotated refresh token must not live only in memory.
        {
            let entry = self.entry.clone();
            let fresh = fresh.clone();
            blocking(&self.secrets, move |s| save_tokens(s, &entry, &fresh)).await?;
        }
        let access = fresh.access_token.expose().clone();
        cached.tokens = Some(fresh);
        cached.refreshed_at = Some(Instant::now());
        Ok(access)
    }
}

#[async_trait]
impl TokenSource for KeychainTokens {
    async fn access_token(&self) -> Result<String> {
        let mut cached = self.state.lock().await;
        let tokens = self.current(&mut cached).await?;
        if tokens.refresh_token.is_some() && tokens.expires_within(self.margin, Utc::now()) {
            return self.refresh_with(&mut cached, &tokens).await;
        }
        Ok(tokens.access_token.expose().clone())
    }

    async fn refresh(&self) -> Result<String> {
        let mut cached = self.state.lock().await;
        let tokens = self.current(&mut cached).await?;
        if cached
            .refreshed_at
            .is_some_and(|at| at.elapsed() < SHARED_REFRESH)
        {
            return Ok(tokens.access_token.expose().clone());
        }
        self.refresh_with(&mut cached, &tokens).await
    }
}

/// Runs a keychain call on a blocking thread (it may talk D-Bus or wait for an unlock prompt).
async fn blocking<T: Send + 'static>(
    secrets: &Arc<dyn SecretStore>,
    f: impl FnOnce(&dyn SecretStore) -> std::result::Result<T, SecretError> + Send + 'static,
) -> Result<T> {
    let secrets = secrets.clone();
    tokio::task::spawn_blocking(move || f(secrets.as_ref()))
        .await
        .map_err(|e| SecretError::Failed {
            detail: format!("the keychain call stopped unexpectedly ({e})"),
        })?
        .map_err(SyncError::from)
}

fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    // A panic while holding the lock cannot leave SQLite half-written.
    store.lock().unwrap_or_else(|e| e.into_inner())
}

/// The environment variables that point a provider's API elsewhere (a fake, a proxy).
pub fn api_base_env(provider: Provider) -> &'static str {
    match provider {
        Provider::Google => "VICA_GOOGLE_API_BASE",
        Provider::Microsoft => "VICA_MICROSOFT_API_BASE",
        Provider::Todoist => "VICA_TODOIST_API_BASE",
        Provider::Ics => "VICA_ICS_API_BASE",
    }
}

/// The client that syncs a connected account, with its keychain-backed tokens.
/// The API's base URL is the provider's own unless its `VICA_<P>_API_BASE`
/// environment variable says otherwise.
///
/// ICS floating times (no zone in the feed) are read in `zone`: the user's
/// time-zone setting, [`vica_core::settings::Settings::zone`].
pub fn provider_for(
    account: &Account,
    config: &OAuthConfig,
    secrets: Arc<dyn SecretStore>,
    zone: chrono_tz::Tz,
) -> Result<Arc<dyn crate::provider::Provider>> {
    // An ICS account has no token: its address is in the keychain, or its
    // label is a file's or folder's path.
    let tokens = || token_source(account, config, secrets.clone());
    let base = |default: &str| {
        std::env::var(api_base_env(account.provider))
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_owned())
    };
    Ok(match account.provider {
        Provider::Google => Arc::new(crate::google::Google::new(
            crate::google::GoogleConfig::new(&base(crate::google::DEFAULT_BASE_URL))?,
            tokens()?,
        )?),
        Provider::Microsoft => Arc::new(crate::outlook::Outlook::new(
            crate::outlook::OutlookConfig::new(&base(crate::outlook::DEFAULT_BASE_URL))?,
            tokens()?,
        )?),
        Provider::Todoist => Arc::new(crate::todoist::Todoist::new(
            crate::todoist::TodoistConfig::new(&base(crate::todoist::DEFAULT_BASE_URL))?,
            tokens()?,
        )?),
        Provider::Ics => return ics_provider(account, zone, secrets.clone()),
    })
}

/// The client of an ICS account: its subscription address is in the
/// keychain, or its label is a file's or folder's path. Floating times
/// (without `X-WR-TIMEZONE`) are read in `zone`.
fn ics_provider(
    account: &Account,
    zone: chrono_tz::Tz,
    secrets: Arc<dyn SecretStore>,
) -> Result<Arc<dyn crate::provider::Provider>> {
    // Disconnected with its data kept: nothing to sync until it is added again.
    if account.status == AccountStatus::NeedsReconnect {
        return Err(SyncError::Credentials {
            provider: crate::ics::NAME,
            detail: "it is disconnected; add it again to sync".into(),
        });
    }
    let config = crate::ics::IcsConfig::default();
    if let Some(entry) = &account.keychain_entry {
        return Ok(Arc::new(crate::ics::Ics::from_keychain(
            entry, secrets, zone, config,
        )?));
    }
    let location = crate::ics::Location::from_label(&account.label)?;
    Ok(Arc::new(crate::ics::Ics::new(location, zone, config)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The desktop shell runs these in async commands, which need `Send` futures.
    #[allow(dead_code)]
    fn futures_are_send(
        config: &OAuthConfig,
        store: &Mutex<Store>,
        secrets: &Arc<dyn SecretStore>,
    ) {
        fn send<T: Send>(_: &T) {}
        let options = ConnectOptions::default();
        send(&connect(
            Provider::Google,
            config,
            store,
            secrets,
            &options,
            |_| {},
        ));
        send(&connect_with_token(
            Provider::Todoist,
            Sensitive::new(String::new()),
            config,
            store,
            secrets,
        ));
        send(&disconnect(1, config, store, secrets, CachedData::Keep));
    }

    #[test]
    fn entry_names() {
        assert_eq!(
            entry_name(Provider::Google, "alice@example.com"),
            "google:alice@example.com"
        );
    }
}
