//! The one error type of the use cases, with a stable code for each kind.
//!
//! A provider out of reach is its own variant, [`Error::Offline`], decided
//! from the typed [`SyncError`] and never from an error message's text.

use vica_core::export::ExportError;
use vica_sync::SyncError;

/// Why a use case failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store or the week model refused (a bad week key, an invalid
    /// setting, a full disk, a corrupt database, …).
    #[error(transparent)]
    Core(#[from] vica_core::Error),

    /// A provider could not be reached, or did not answer in time
    /// ([`SyncError::is_offline`]).
    #[error(transparent)]
    Offline(SyncError),

    /// Connecting, disconnecting or syncing failed for another reason.
    #[error(transparent)]
    Sync(SyncError),

    /// Rendering or writing an export failed.
    #[error(transparent)]
    Export(#[from] ExportError),

    /// Exporting into the vault with no vault folder set.
    #[error("no vault folder is set: choose one in Settings, or `vica config set vault_dir DIR`")]
    NoVault,

    /// `vica config` was given a key that names no setting.
    #[error("unknown setting {key:?}; the settings are: {}", crate::settings::KEYS.join(", "))]
    UnknownSetting { key: String },

    /// No account has this id or label.
    #[error("no account {0}; `vica account list` shows them")]
    NoSuchAccount(String),

    /// Several accounts have this label.
    #[error("{} accounts are labelled {label} (ids {}); give the id", ids.len(), ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", "))]
    AmbiguousAccount { label: String, ids: Vec<i64> },

    /// None of the sources asked for exists.
    #[error("no source matches {0}; `vica status` lists them")]
    NoSuchSource(String),

    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl From<SyncError> for Error {
    fn from(err: SyncError) -> Error {
        match err {
            SyncError::Store(core) => Error::Core(core),
            e if e.is_offline() => Error::Offline(e),
            e => Error::Sync(e),
        }
    }
}

/// What the use cases return.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A stable, machine-readable code: what the window acts on (it reaches
    /// the UI as the IPC error's `code`).
    ///
    /// Store codes: `invalid_week`, `invalid_setting`, `database`,
    /// `disk_full`, `read_only`, `busy`, `not_found`, `io`, `invalid_period`. Account codes:
    /// `not_configured` (no OAuth client), `consent_denied`, `timeout`,
    /// `keychain`, `token_refused`, `network` (offline), `connect_failed`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Core(e) => core_code(e),
            Error::Offline(_) => "network",
            Error::Sync(e) => match e {
                SyncError::NotConfigured { .. } => "not_configured",
                SyncError::ConsentDenied { .. } => "consent_denied",
                SyncError::AuthorizationTimeout { .. } => "timeout",
                SyncError::Keychain(_) => "keychain",
                SyncError::TokenRefused { .. } | SyncError::Unauthorized { .. } => "token_refused",
                _ => "connect_failed",
            },
            Error::Export(e) => match e {
                ExportError::Pattern { .. } => "invalid_setting",
                ExportError::Range(_) => "invalid_week",
                ExportError::Io { .. } => "io",
                ExportError::Core(core) => core_code(core),
                _ => "internal",
            },
            Error::NoVault | Error::UnknownSetting { .. } => "invalid_setting",
            Error::NoSuchAccount(_) | Error::NoSuchSource(_) => "not_found",
            Error::AmbiguousAccount { .. } => "ambiguous",
            Error::Io { .. } => "io",
        }
    }

    /// Whether this is a provider out of reach: the window says "Offline".
    pub fn is_offline(&self) -> bool {
        matches!(self, Error::Offline(_))
    }
}

fn core_code(err: &vica_core::Error) -> &'static str {
    use vica_core::Error as E;
    match err {
        E::InvalidWeek { .. } => "invalid_week",
        E::InvalidPeriod { .. } => "invalid_period",
        E::InvalidTimeZone(_) | E::InvalidSetting { .. } => "invalid_setting",
        E::DatabaseUnreadable { .. }
        | E::DatabaseTooNew { .. }
        | E::Migration { .. }
        | E::Sqlite(_) => "database",
        E::DiskFull => "disk_full",
        E::ReadOnly => "read_only",
        E::Busy { .. } => "busy",
        E::NotFound(_) => "not_found",
        E::NoDataDir | E::Io { .. } => "io",
        _ => "internal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_is_a_variant_decided_by_the_error_not_its_text() {
        let network: Error = SyncError::Network {
            provider: "Google Calendar",
            detail: "connection refused".into(),
        }
        .into();
        let timeout: Error = SyncError::Timeout {
            provider: "Todoist",
        }
        .into();
        // A gateway timeout is the provider answering: not offline, though
        // its text ends as a timeout's does.
        let gateway: Error = SyncError::Http {
            provider: "Todoist",
            status: 504,
            message: "the upstream server did not answer in time".into(),
        }
        .into();
        assert!(network.is_offline() && timeout.is_offline());
        assert_eq!((network.code(), timeout.code()), ("network", "network"));
        assert!(!gateway.is_offline());
        assert_eq!(gateway.code(), "connect_failed");
        let store: Error = SyncError::Store(vica_core::Error::NotFound("account 9".into())).into();
        assert_eq!(store.code(), "not_found");
        assert_eq!(store.to_string(), "account 9 not found");
    }
}
