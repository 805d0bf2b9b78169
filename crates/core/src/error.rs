//! The core's error type.

use std::path::PathBuf;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database file could not be opened or is not a Vica database.
    #[error("cannot open the database {path}: {reason}")]
    DatabaseUnreadable { path: PathBuf, reason: String },

    /// The database was written by a newer version of Vica.
    #[error(
        "the database {path} was written by a newer version of Vica (schema {found}, this version knows up to {supported}); \
         it was left untouched: update Vica or point it at another data directory"
    )]
    DatabaseTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    /// Applying a schema migration failed.
    #[error("cannot upgrade the database {path}: {reason}")]
    Migration { path: PathBuf, reason: String },

    /// Any other SQLite failure.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// A week key that is not of the form `2026-W47`.
    #[error(
        "invalid week {input:?}: expected an ISO week like 2026-W47 (year, \"-W\", week 01-53)"
    )]
    InvalidWeek { input: String },

    /// A time zone name that is not an IANA zone.
    #[error("unknown time zone {0:?}: expected an IANA name like Europe/Berlin")]
    InvalidTimeZone(String),

    /// A setting with a value out of its range.
    #[error("invalid setting {key}: {reason}")]
    InvalidSetting { key: String, reason: String },

    /// A record a provider or a caller handed in that cannot be stored.
    #[error("invalid record {id:?}: {reason}")]
    InvalidRecord { id: String, reason: String },

    /// Something referred to does not exist.
    #[error("{0} not found")]
    NotFound(String),

    /// No per-user data directory could be determined.
    #[error("cannot find a home directory for Vica's data; set VICA_DATA_DIR or pass --data-dir")]
    NoDataDir,

    /// File system failure outside SQLite (creating the data dir, writing an export).
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
