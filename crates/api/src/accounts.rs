//! Accounts: the list with each account's state (computed here only),
//! connecting one (OAuth in the browser, Todoist's API token, an ICS
//! calendar) and disconnecting one.
//!
//! The flows themselves are `vica_sync::accounts`; this module decides what
//! the front ends show of them. How the browser is opened is the caller's:
//! the app through its opener plugin, the CLI with the `open` crate.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;
use vica_core::Store;
use vica_core::model::{Account, AccountStatus, Provider, SourceKind};
use vica_sync::accounts::{self as flows, CachedData, ConnectOptions};
use vica_sync::oauth::{CONFIG_FILE, OAuthConfig, Revocation};
use vica_sync::secrets::{SecretStore, Sensitive};

use crate::{Error, Result, lock};

/// The step-by-step guide to registering an OAuth client (docs/oauth-setup.md online).
pub const SETUP_DOC_URL: &str = "https://github.com/vica-app/vica/blob/main/docs/oauth-setup.md";

/// How an account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// It can sync (its tokens are in the keychain, or it needs none: an ICS
    /// calendar, the demo) and its last sync (if any) went well.
    Connected,
    /// The provider no longer accepts its grant (`invalid_grant`), the grant
    /// lacks calendar or task access (`reason` says which), or it was
    /// disconnected with its data kept: connecting it again resumes syncing.
    NeedsReconnect,
    /// Some of its sources failed to sync; `error` says why.
    Error,
}

/// One account as both front ends show it. Never holds a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AccountView {
    pub id: i64,
    #[cfg_attr(test, ts(type = "Provider"))]
    pub provider: Provider,
    /// "Google Calendar".
    pub provider_name: String,
    pub label: String,
    pub is_demo: bool,
    pub state: AccountState,
    /// The first source error, when `state` is `error`.
    pub error: Option<String>,
    /// Why it needs reconnecting, when `state` is `needs_reconnect` and the
    /// last sync said why (not for one disconnected with its data kept).
    pub reason: Option<String>,
    /// It was disconnected with its data kept (`state` is `needs_reconnect`).
    pub disconnected: bool,
    /// Calendars and projects it has.
    pub sources: usize,
    pub created_at: DateTime<Utc>,
}

/// One source with its account and where its sync stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SourceStatus {
    pub source_id: i64,
    pub account_id: i64,
    pub account_label: String,
    #[cfg_attr(test, ts(type = "Provider"))]
    pub provider: Provider,
    /// "Google Calendar".
    pub provider_name: String,
    pub name: String,
    pub color: Option<String>,
    #[cfg_attr(test, ts(type = "SourceKind"))]
    pub kind: SourceKind,
    pub included: bool,
    pub gone: bool,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Between its sync's start and end (`running` holds those).
    pub running: bool,
}

/// Whether a provider can be connected with OAuth from this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ProviderSetup {
    #[cfg_attr(test, ts(type = "Provider"))]
    pub provider: Provider,
    pub provider_name: String,
    /// A client id (and secret, where needed) is set.
    pub configured: bool,
    /// What is missing, when not configured.
    pub detail: Option<String>,
}

/// The account list and what connecting needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
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

/// Every source with its account and where its sync stands; `running`
/// holds the sources a sync is working on.
pub fn source_statuses(store: &Store, running: &HashSet<i64>) -> Result<Vec<SourceStatus>> {
    let accounts = store.accounts()?;
    let mut out = Vec::new();
    for source in store.sources()? {
        let Some(account) = accounts.iter().find(|a| a.id == source.account_id) else {
            continue;
        };
        let state = store.sync_state(source.id)?;
        out.push(SourceStatus {
            source_id: source.id,
            account_id: account.id,
            account_label: account.label.clone(),
            provider: account.provider,
            provider_name: account.provider.display_name().to_owned(),
            running: running.contains(&source.id),
            name: source.name,
            color: source.color,
            kind: source.kind,
            included: source.included,
            gone: source.gone,
            last_success_at: state.as_ref().and_then(|s| s.last_success_at),
            last_error: state.and_then(|s| s.last_error),
        });
    }
    Ok(out)
}

/// Every account with its state: the one place that state is computed.
pub fn list(store: &Store) -> Result<Vec<AccountView>> {
    let statuses = source_statuses(store, &HashSet::new())?;
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
    Ok(store
        .accounts()?
        .into_iter()
        .map(|a| {
            view(
                &a,
                sources.get(&a.id).copied().unwrap_or(0),
                errors.remove(&a.id),
            )
        })
        .collect())
}

/// Every account with its state, whether the demo is on, and which
/// providers have an OAuth client in `config`.
pub fn overview(
    store: &Store,
    config: &vica_sync::Result<OAuthConfig>,
) -> Result<AccountsOverview> {
    let accounts = list(store)?;
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

/// An account's state from what is stored of it, its source count and its
/// first error (an account error, else a failing included source's).
pub fn view(account: &Account, sources: usize, error: Option<String>) -> AccountView {
    // ICS calendars and the demo have no token; other accounts without one
    // were disconnected with their data kept.
    let disconnected =
        !account.is_demo && account.provider != Provider::Ics && account.keychain_entry.is_none();
    let state = if account.status == AccountStatus::NeedsReconnect || disconnected {
        AccountState::NeedsReconnect
    } else if error.is_some() {
        AccountState::Error
    } else {
        AccountState::Connected
    };
    let reason = error
        .clone()
        .filter(|_| state == AccountState::NeedsReconnect && !disconnected);
    AccountView {
        id: account.id,
        provider: account.provider,
        provider_name: account.provider.display_name().to_owned(),
        label: account.label.clone(),
        is_demo: account.is_demo,
        error: error.filter(|_| state == AccountState::Error),
        reason,
        disconnected,
        state,
        sources,
        created_at: account.created_at,
    }
}

/// The account `wanted` names: its id, or its label when one account has it.
pub fn find(store: &Store, wanted: &str) -> Result<Account> {
    let accounts = store.accounts()?;
    if let Ok(id) = wanted.parse::<i64>()
        && let Some(a) = accounts.iter().find(|a| a.id == id)
    {
        return Ok(a.clone());
    }
    let matching: Vec<&Account> = accounts.iter().filter(|a| a.label == wanted).collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::NoSuchAccount(wanted.to_owned())),
        many => Err(Error::AmbiguousAccount {
            label: wanted.to_owned(),
            ids: many.iter().map(|a| a.id).collect(),
        }),
    }
}

/// Connects `provider` with OAuth: `open_url` sends the user to the
/// provider's sign-in page, then this waits (up to `options.timeout`) for
/// the browser to come back. An unconfigured provider fails at once.
/// `open_url` is given the provider's (or the configured) http(s) address only.
pub async fn connect(
    store: &Mutex<Store>,
    secrets: &Arc<dyn SecretStore>,
    config: &OAuthConfig,
    provider: Provider,
    options: &ConnectOptions,
    open_url: impl FnOnce(&str),
) -> Result<AccountView> {
    config
        .provider(provider)
        .and_then(|s| s.require_client().map(|_| ()))?;
    let account = flows::connect(provider, config, store, secrets, options, |url| {
        open_url(url.as_str())
    })
    .await?;
    Ok(view(&account, 0, None))
}

/// Connects Todoist with a personal API token: checked with Todoist, kept
/// only in the keychain.
pub async fn connect_token(
    store: &Mutex<Store>,
    secrets: &Arc<dyn SecretStore>,
    config: &OAuthConfig,
    provider: Provider,
    token: Sensitive<String>,
) -> Result<AccountView> {
    let account = flows::connect_with_token(provider, token, config, store, secrets).await?;
    Ok(view(&account, 0, None))
}

/// Adds an ICS calendar: an `.ics` file, a folder of them, or an `https://`
/// / `webcal://` address (kept in the keychain: it is a secret).
pub async fn connect_ics(
    store: &Mutex<Store>,
    secrets: &Arc<dyn SecretStore>,
    location: &str,
) -> Result<AccountView> {
    let account = flows::connect_ics(store, secrets, location.trim()).await?;
    Ok(view(&account, 0, None))
}

/// What disconnecting did, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
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

/// What disconnecting did, in full (the CLI says each step).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disconnection {
    pub result: DisconnectResult,
    pub provider: Provider,
    /// `None` when no tokens were stored.
    pub revocation: Option<Revocation>,
    pub keychain_entry_deleted: bool,
}

/// Disconnects an account: revokes its grant where the provider can,
/// deletes its keychain entry, and keeps or deletes its cached data. The
/// caller makes sure no sync writes the account back afterwards.
pub async fn disconnect(
    store: &Mutex<Store>,
    secrets: &Arc<dyn SecretStore>,
    account_id: i64,
    data: CachedData,
) -> Result<Disconnection> {
    // Revoking needs only the endpoints: the defaults do when the config is unreadable.
    let config = OAuthConfig::load_default().or_else(|_| OAuthConfig::defaults())?;
    let done = flows::disconnect(account_id, &config, store, secrets, data).await?;
    let (revoked, note) = match &done.revocation {
        None => (None, None),
        Some(Revocation::Revoked) => (Some(true), None),
        Some(Revocation::NotSupported(n)) | Some(Revocation::Failed(n)) => {
            (Some(false), Some(n.clone()))
        }
    };
    let accounts_left = !lock(store).accounts()?.is_empty();
    Ok(Disconnection {
        result: DisconnectResult {
            label: done.account.label.clone(),
            provider_name: done.account.provider.display_name().to_owned(),
            kept_data: data == CachedData::Keep,
            revoked,
            revocation_note: note,
            accounts_left,
        },
        provider: done.account.provider,
        revocation: done.revocation,
        keychain_entry_deleted: done.keychain_entry_deleted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use vica_core::model::SourceRecord;

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
        // As accounts::connect_ics leaves a subscription address: in the keychain.
        let ics = store
            .add_account(
                Provider::Ics,
                "example.com #1a2b3c4d",
                Some("ics:1a2b3c4d"),
                false,
            )
            .unwrap();
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
        assert_eq!(by(revoked.id).reason, None, "nothing said why");
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

        // The sync said why an account needs reconnecting: the reason, not an error.
        let why = "Google Calendar refused: this account's sign-in lacks a permission Vica needs (Request had insufficient authentication scopes.); reconnect the account and allow everything Vica asks for (read-only access to its calendars or tasks)";
        store.record_account_refresh(revoked.id, Some(why)).unwrap();
        store
            .record_account_refresh(kept.id, Some("an old error"))
            .unwrap();
        let got = overview(&store, &config(&[])).unwrap();
        let by = |id: i64| got.accounts.iter().find(|a| a.id == id).unwrap();
        assert_eq!(
            (by(revoked.id).state, by(revoked.id).reason.as_deref()),
            (AccountState::NeedsReconnect, Some(why))
        );
        assert_eq!(by(revoked.id).error, None);
        assert_eq!(
            (by(kept.id).state, by(kept.id).reason.as_deref()),
            (AccountState::NeedsReconnect, None),
            "disconnected: nothing to reconnect from"
        );
        let json = serde_json::to_value(by(revoked.id)).unwrap();
        assert_eq!(json["reason"], why);
        store.record_account_refresh(revoked.id, None).unwrap();
        store.record_account_refresh(kept.id, None).unwrap();

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
}
