//! Secrets: the OS keychain and [`Sensitive`], the wrapper every token lives in.
//!
//! An account's tokens exist in two places only: in memory inside
//! [`Sensitive`] values, and in the OS keychain (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows) through the `keyring`
//! crate. The database keeps the name of the keychain entry, never its
//! contents. A keychain that is missing or locked is an error saying what to
//! do; there is no fallback to a file.
//!
//! [`SecretStore`] is the seam: [`Keychain`] is the real one, [`MemoryStore`]
//! keeps secrets in memory for tests (and for nothing else).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The keychain service every Vica entry is filed under.
pub const KEYCHAIN_SERVICE: &str = "app.vica.desktop";

/// A value that must never be shown: `Debug` and `Display` print
/// `[redacted]`, and it has no `Serialize`, so it cannot end up in a log, an
/// error message, the database or an IPC payload by accident. Read it with
/// [`Sensitive::expose`] where it is really needed (an `Authorization`
/// header, the keychain).
///
/// ```compile_fail
/// fn serializable<T: serde::Serialize>() {}
/// serializable::<vica_sync::secrets::Sensitive<String>>();
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Sensitive<T> {
        Sensitive(value)
    }

    /// The secret itself. Every call site is a place a secret leaves its wrapper.
    pub fn expose(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Sensitive<T> {
        Sensitive(value)
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// What went wrong with the keychain. Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// There is no keychain to talk to (no Secret Service on Linux).
    #[error("the OS keychain is not available ({detail}); {}", unavailable_hint())]
    Unavailable { detail: String },

    /// The keychain is there but locked, or access to it was refused.
    #[error(
        "the OS keychain is locked or refused access ({detail}); {}",
        locked_hint()
    )]
    Locked { detail: String },

    /// The entry exists but does not hold what Vica wrote.
    #[error(
        "the keychain entry \"{entry}\" cannot be read ({detail}); remove and reconnect the account"
    )]
    Corrupt { entry: String, detail: String },

    /// Any other failure of the keychain.
    #[error("the OS keychain failed: {detail}")]
    Failed { detail: String },
}

fn unavailable_hint() -> &'static str {
    if cfg!(target_os = "macos") {
        "Vica keeps account tokens in the login keychain; make sure it exists and is unlocked"
    } else if cfg!(windows) {
        "Vica keeps account tokens in the Windows Credential Manager; make sure it is running"
    } else {
        "no Secret Service: install and unlock gnome-keyring or KeePassXC (with its Secret Service integration on), then try again. Vica never stores tokens in a plain file"
    }
}

fn locked_hint() -> &'static str {
    if cfg!(target_os = "macos") || cfg!(windows) {
        "unlock the keychain and allow Vica to use it, then try again"
    } else {
        "unlock your keyring (gnome-keyring's \"login\" keyring or your KeePassXC database) and try again"
    }
}

/// Where secrets are kept, by entry name. Calls block (the OS keychain talks
/// over D-Bus or a system API): from async code run them on a blocking thread.
pub trait SecretStore: Send + Sync {
    /// The secret of `entry`, or `None` when there is no such entry.
    fn get(&self, entry: &str) -> Result<Option<Sensitive<String>>, SecretError>;
    /// Creates or replaces the secret of `entry`.
    fn set(&self, entry: &str, secret: &Sensitive<String>) -> Result<(), SecretError>;
    /// Deletes `entry`; `false` when there was none.
    fn delete(&self, entry: &str) -> Result<bool, SecretError>;
    /// Whether the store can be used at all, checked before asking a user to
    /// sign in (so nobody consents only to find there is nowhere to keep the tokens).
    fn check(&self) -> Result<(), SecretError> {
        self.get(PROBE_ENTRY).map(|_| ())
    }
}

/// An entry name no account uses, looked up by [`SecretStore::check`].
const PROBE_ENTRY: &str = "vica:probe";

/// The OS keychain, through the `keyring` crate.
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
}

impl Default for Keychain {
    fn default() -> Self {
        Keychain::new()
    }
}

impl Keychain {
    /// Entries under [`KEYCHAIN_SERVICE`].
    pub fn new() -> Keychain {
        Keychain::with_service(KEYCHAIN_SERVICE)
    }

    /// Entries under another service name (tests use their own).
    pub fn with_service(service: impl Into<String>) -> Keychain {
        Keychain {
            service: service.into(),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, SecretError> {
        if let Err(e) = keyring::Entry::store_status() {
            return Err(SecretError::Unavailable {
                detail: describe(e),
            });
        }
        keyring::Entry::new(&self.service, name).map_err(|e| keyring_error(name, &e))
    }
}

impl SecretStore for Keychain {
    fn get(&self, entry: &str) -> Result<Option<Sensitive<String>>, SecretError> {
        match self.entry(entry)?.get_password() {
            Ok(secret) => Ok(Some(Sensitive::new(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(entry, &e)),
        }
    }

    fn set(&self, entry: &str, secret: &Sensitive<String>) -> Result<(), SecretError> {
        self.entry(entry)?
            .set_password(secret.expose())
            .map_err(|e| keyring_error(entry, &e))
    }

    fn delete(&self, entry: &str) -> Result<bool, SecretError> {
        match self.entry(entry)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(keyring_error(entry, &e)),
        }
    }
}

/// Maps a keyring error without ever printing the bytes some variants carry.
fn keyring_error(entry: &str, e: &keyring::Error) -> SecretError {
    match e {
        keyring::Error::NoStorageAccess(inner) => SecretError::Locked {
            detail: inner.to_string(),
        },
        keyring::Error::NoDefaultStore => SecretError::Unavailable {
            detail: match keyring::Entry::store_status() {
                Err(e) if !matches!(e, keyring::Error::NoDefaultStore) => describe(e),
                _ => "no credential store could be opened".into(),
            },
        },
        keyring::Error::PlatformFailure(inner) => {
            let detail = inner.to_string();
            if looks_unavailable(&detail) {
                SecretError::Unavailable { detail }
            } else {
                SecretError::Failed { detail }
            }
        }
        keyring::Error::BadEncoding(_) => SecretError::Corrupt {
            entry: entry.to_owned(),
            detail: "not UTF-8 text".into(),
        },
        keyring::Error::BadDataFormat(_, _) => SecretError::Corrupt {
            entry: entry.to_owned(),
            detail: "not in the format the keychain expects".into(),
        },
        keyring::Error::Ambiguous(items) => SecretError::Failed {
            detail: format!(
                "{} keychain items match the entry \"{entry}\"; remove the extra ones",
                items.len()
            ),
        },
        other => SecretError::Failed {
            detail: describe(other),
        },
    }
}

/// A keyring error's text, for the variants that carry no secret bytes.
fn describe(e: &keyring::Error) -> String {
    match e {
        keyring::Error::BadEncoding(_) | keyring::Error::BadDataFormat(_, _) => {
            "the stored data is malformed".into()
        }
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            inner.to_string()
        }
        other => other.to_string(),
    }
}

/// D-Bus failures that mean "there is no Secret Service here".
fn looks_unavailable(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    [
        "serviceunknown",
        "was not provided by any .service files",
        "no such file or directory",
        "connection refused",
        "address",
        "dbus",
        "d-bus",
    ]
    .iter()
    .any(|needle| d.contains(needle))
}

/// Secrets kept in memory, for tests. Clones share the same entries.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<BTreeMap<String, Sensitive<String>>>,
    failure: Mutex<Option<SecretError>>,
    writes: Mutex<Vec<String>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Makes every call fail with `error` (a missing or locked keychain), or work again with `None`.
    pub fn fail_with(&self, error: Option<SecretError>) {
        *lock(&self.failure) = error;
    }

    /// The names of the entries held.
    pub fn entry_names(&self) -> Vec<String> {
        lock(&self.entries).keys().cloned().collect()
    }

    /// The entries written, oldest first, one name per `set`.
    pub fn writes(&self) -> Vec<String> {
        lock(&self.writes).clone()
    }

    fn failure(&self) -> Result<(), SecretError> {
        match lock(&self.failure).clone() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, entry: &str) -> Result<Option<Sensitive<String>>, SecretError> {
        self.failure()?;
        Ok(lock(&self.entries).get(entry).cloned())
    }

    fn set(&self, entry: &str, secret: &Sensitive<String>) -> Result<(), SecretError> {
        self.failure()?;
        lock(&self.entries).insert(entry.to_owned(), secret.clone());
        lock(&self.writes).push(entry.to_owned());
        Ok(())
    }

    fn delete(&self, entry: &str) -> Result<bool, SecretError> {
        self.failure()?;
        Ok(lock(&self.entries).remove(entry).is_some())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// An account's OAuth tokens (or a personal API token), as kept in the keychain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: Sensitive<String>,
    pub refresh_token: Option<Sensitive<String>>,
    /// When the access token stops working; `None` when it does not expire.
    pub expires_at: Option<DateTime<Utc>>,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// A personal API token the user pasted (Todoist), not an OAuth grant.
    pub personal: bool,
}

/// The keychain entry's JSON. Private: only [`Tokens::to_secret`] builds it,
/// and its output goes straight into a [`Sensitive`].
#[derive(Serialize, Deserialize)]
struct Stored<'a> {
    #[serde(borrow)]
    access_token: std::borrow::Cow<'a, str>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    personal: bool,
}

impl Tokens {
    /// A personal API token: no refresh, no expiry.
    pub fn personal(token: Sensitive<String>) -> Tokens {
        Tokens {
            access_token: token,
            refresh_token: None,
            expires_at: None,
            scopes: Vec::new(),
            personal: true,
        }
    }

    /// Whether the access token expires within `margin` of `now`.
    pub fn expires_within(&self, margin: chrono::Duration, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|at| at - margin <= now)
    }

    /// The keychain secret: `{access_token, refresh_token, expires_at, scopes}` as JSON.
    pub fn to_secret(&self) -> Sensitive<String> {
        let stored = Stored {
            access_token: self.access_token.expose().as_str().into(),
            refresh_token: self
                .refresh_token
                .as_ref()
                .map(|t| t.expose().as_str().into()),
            expires_at: self.expires_at,
            scopes: self.scopes.clone(),
            personal: self.personal,
        };
        // Serializing strings, a date and a list cannot fail; an empty object
        // would only make the next read report a corrupt entry.
        Sensitive::new(serde_json::to_string(&stored).unwrap_or_default())
    }

    /// Reads what [`Tokens::to_secret`] wrote into the entry `entry`.
    pub fn from_secret(entry: &str, secret: &Sensitive<String>) -> Result<Tokens, SecretError> {
        let stored: Stored<'_> =
            serde_json::from_str(secret.expose()).map_err(|e| SecretError::Corrupt {
                entry: entry.to_owned(),
                // Only the position: serde's messages can quote the input.
                detail: format!(
                    "not Vica's token format (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            })?;
        Ok(Tokens {
            access_token: Sensitive::new(stored.access_token.into_owned()),
            refresh_token: stored.refresh_token.map(|t| Sensitive::new(t.into_owned())),
            expires_at: stored.expires_at,
            scopes: stored.scopes,
            personal: stored.personal,
        })
    }
}

/// Reads the tokens of `entry`: `None` when the entry does not exist.
pub fn load_tokens(store: &dyn SecretStore, entry: &str) -> Result<Option<Tokens>, SecretError> {
    store
        .get(entry)?
        .map(|secret| Tokens::from_secret(entry, &secret))
        .transpose()
}

/// Writes the tokens of `entry`, replacing what was there.
pub fn save_tokens(
    store: &dyn SecretStore,
    entry: &str,
    tokens: &Tokens,
) -> Result<(), SecretError> {
    store.set(entry, &tokens.to_secret())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_values_are_redacted_in_debug_and_display() {
        let s = Sensitive::new("ya29.secret".to_owned());
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        let tokens = Tokens {
            access_token: s.clone(),
            refresh_token: Some(Sensitive::new("1//refresh".into())),
            expires_at: None,
            scopes: vec!["openid".into()],
            personal: false,
        };
        let shown = format!("{tokens:?}");
        assert!(
            !shown.contains("ya29") && !shown.contains("1//refresh"),
            "{shown}"
        );
        assert_eq!(s.expose(), "ya29.secret");
    }

    #[test]
    fn tokens_round_trip_through_the_keychain_format() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .ok();
        let tokens = Tokens {
            access_token: Sensitive::new("a\"cc\\ess".into()),
            refresh_token: Some(Sensitive::new("refresh".into())),
            expires_at: at,
            scopes: vec!["openid".into(), "email".into()],
            personal: false,
        };
        let secret = tokens.to_secret();
        let json: serde_json::Value = serde_json::from_str(secret.expose()).unwrap_or_default();
        assert_eq!(json["access_token"], "a\"cc\\ess");
        assert_eq!(json["refresh_token"], "refresh");
        assert_eq!(json["expires_at"], "2026-11-23T10:00:00Z");
        assert_eq!(json["scopes"], serde_json::json!(["openid", "email"]));
        assert_eq!(Tokens::from_secret("e", &secret), Ok(tokens));
    }

    #[test]
    fn a_corrupt_entry_is_reported_without_its_contents() {
        let err = Tokens::from_secret(
            "google:a",
            &Sensitive::new("{\"access_token\": 12 secretstuff".into()),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            err.contains("google:a") && !err.contains("secretstuff"),
            "{err}"
        );
    }

    #[test]
    fn expiry_margin() {
        let now = Utc::now();
        let mut t = Tokens::personal(Sensitive::new("x".into()));
        assert!(!t.expires_within(chrono::Duration::seconds(60), now));
        t.expires_at = Some(now + chrono::Duration::seconds(30));
        assert!(t.expires_within(chrono::Duration::seconds(60), now));
        t.expires_at = Some(now + chrono::Duration::seconds(600));
        assert!(!t.expires_within(chrono::Duration::seconds(60), now));
    }

    #[test]
    fn memory_store_crud_and_failures() {
        let m = MemoryStore::new();
        assert_eq!(m.get("a"), Ok(None));
        assert_eq!(m.set("a", &Sensitive::new("1".into())), Ok(()));
        assert_eq!(m.get("a"), Ok(Some(Sensitive::new("1".into()))));
        assert_eq!(m.delete("a"), Ok(true));
        assert_eq!(m.delete("a"), Ok(false));
        m.fail_with(Some(SecretError::Unavailable {
            detail: "test".into(),
        }));
        let err = m.check().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("not available"), "{err}");
    }
}
