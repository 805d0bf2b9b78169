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
    Sqlite(rusqlite::Error),

    /// The disk (or the file system) holding the database is full. The
    /// write was rolled back; everything stored before is intact.
    #[error(
        "the disk holding Vica's database is full: the change was not saved and nothing stored before was lost; \
         free some disk space and try again"
    )]
    DiskFull,

    /// The database cannot be written: its folder, its file or the whole file
    /// system is read-only.
    #[error(
        "Vica's database cannot be written (the data folder or its disk is read-only): nothing was changed; \
         make the data folder writable, or point VICA_DATA_DIR (or --data-dir) at a writable folder"
    )]
    ReadOnly,

    /// Another program kept the database locked for longer than Vica waits.
    #[error(
        "Vica's database is locked by another program (perhaps a second Vica, or a tool that opened the file) \
         for more than {seconds} seconds: nothing was changed; close that program and try again"
    )]
    Busy { seconds: u64 },

    /// A week key that is not of the form `2026-W47`.
    #[error(
        "invalid week {input:?}: expected an ISO week like 2026-W47 (year, \"-W\", week 01-53)"
    )]
    InvalidWeek { input: String },

    /// A month or quarter key that is not of the form `2026-12` or `2026-Q4`.
    #[error("invalid {kind} {input:?}: expected {example} (a year from 1970 to 9999, then {rest})")]
    InvalidPeriod {
        kind: &'static str,
        input: String,
        example: &'static str,
        rest: &'static str,
    },

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

impl From<rusqlite::Error> for Error {
    /// Names the failures a user can do something about (a full disk, a
    /// read-only folder, a lock held by another program); the rest stay [`Error::Sqlite`].
    fn from(e: rusqlite::Error) -> Error {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::DiskFull) => Error::DiskFull,
            Some(C::ReadOnly) => Error::ReadOnly,
            Some(C::DatabaseBusy | C::DatabaseLocked) => Error::Busy {
                seconds: crate::store::BUSY_TIMEOUT.as_secs(),
            },
            _ => Error::Sqlite(e),
        }
    }
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
