//! The local SQLite cache: the only module in Vica that runs SQL.
//!
//! Opening a store applies the embedded migrations from `migrations/` (each
//! numbered file once, recorded in `PRAGMA user_version`), in WAL mode with
//! foreign keys on and a busy timeout. A file that is not a database, or one
//! written by a newer Vica, is refused before anything is written to it.
//!
//! The submodules group queries by entity: [`accounts`], [`sources`],
//! [`sync`] (the page-and-cursor write path every provider uses), [`week`]
//! (the week view's reads), [`reviews`], [`settings`], [`categories`]
//! (the user's per-series category choices), [`ics_items`] (what each
//! file of an ICS calendar expanded into) and [`history_import`] (how far
//! each source's import of its past has reached); [`memo`] keeps weeks'
//! totals between week loads until the database changes.

mod accounts;
mod categories;
mod convert;
mod history_import;
mod ics_items;
mod memo;
mod reviews;
mod settings;
mod sources;
mod sync;
mod week;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use include_dir::{Dir, include_dir};
use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{M, Migrations};

pub use history_import::{ImportChunk, ImportProgress};
pub use ics_items::{IcsFile, IcsFileUpdate, IcsItemsUpdate, IcsOccurrence};
pub use sync::{CursorUpdate, History, Page, PageOutcome, Sweep};

use crate::{Error, Result};

static MIGRATIONS_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../migrations");

/// The embedded `NNNN_name.sql` files, in order.
fn migration_files() -> Vec<(&'static str, &'static str)> {
    let mut files: Vec<(&'static str, &'static str)> = MIGRATIONS_DIR
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e == "sql"))
        .filter_map(|f| Some((f.path().to_str()?, f.contents_utf8()?)))
        .collect();
    files.sort_by_key(|(name, _)| *name);
    files
}

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(
        migration_files()
            .into_iter()
            .map(|(_, sql)| M::up(sql))
            .collect(),
    )
});

/// How long a writer waits for another connection's lock before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema version this build writes: the number of embedded migrations.
pub fn schema_version() -> i64 {
    migration_files().len() as i64
}

/// An open Vica database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Weeks' totals already laid out, for the trends ([`memo`]).
    memo: memo::Memo,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// A database (or a folder for a new one) that cannot be written gives
    /// [`Error::ReadOnly`], before anything is changed.
    /// On Unix the database is the user's alone: a new one is created 0600
    /// (SQLite gives its `-wal` and `-shm` files the database's mode), and an
    /// existing one, with those files, loses any group or other permission.
    pub fn open(path: &Path) -> Result<Store> {
        // A failure here (a read-only folder) is left to the open below to report.
        let _ = crate::paths::create_private_file(path);
        let private = || {
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.as_os_str().to_owned();
                file.push(suffix);
                crate::paths::keep_private(Path::new(&file));
            }
        };
        private();
        let store = Self::open_writable(path).map_err(|e| match e {
            Error::DatabaseUnreadable { .. } | Error::Migration { .. } if !writable(path) => {
                Error::ReadOnly
            }
            e => e,
        })?;
        private();
        Ok(store)
    }

    fn open_writable(path: &Path) -> Result<Store> {
        let unreadable = |e: &dyn std::fmt::Display| Error::DatabaseUnreadable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| unreadable(&e))?;
        Self::init(conn, path.to_path_buf())
    }

    /// An in-memory store for tests.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        Self::init(conn, PathBuf::from(":memory:"))
    }

    fn init(mut conn: Connection, path: PathBuf) -> Result<Store> {
        let unreadable = |e: rusqlite::Error| Error::DatabaseUnreadable {
            path: path.clone(),
            reason: match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::NotADatabase) => {
                    "the file is not a SQLite database (it may be corrupt); it was left as it is"
                        .to_owned()
                }
                Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
                    "the database is corrupt; it was left as it is".to_owned()
                }
                _ => e.to_string(),
            },
        };
        // Read-only checks first: nothing is written to a file we are going to refuse.
        conn.busy_timeout(BUSY_TIMEOUT).map_err(unreadable)?;
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(unreadable)?;
        // Touch the schema so a damaged first page is detected before we write.
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(unreadable)?;
        let supported = schema_version();
        if found > supported {
            return Err(Error::DatabaseTooNew {
                path,
                found,
                supported,
            });
        }
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(unreadable)?;
        if path.as_os_str() != ":memory:" {
            let mode: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .map_err(unreadable)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(Error::DatabaseUnreadable {
                    path,
                    reason: format!("cannot switch to WAL journaling (got {mode})"),
                });
            }
            conn.pragma_update(None, "synchronous", "NORMAL")
                .map_err(unreadable)?;
        }
        MIGRATIONS
            .to_latest(&mut conn)
            .map_err(|e| Error::Migration {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        Ok(Store {
            conn,
            path,
            memo: memo::Memo::default(),
        })
    }

    /// The database file's path (`:memory:` for in-memory stores).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version recorded in the file.
    pub fn user_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Rows inserted, updated or deleted through this store since it was
    /// opened (SQLite's `total_changes`): how a test sees that a sync wrote
    /// nothing.
    pub fn rows_written(&self) -> u64 {
        self.conn.total_changes()
    }

    /// Lets the database file grow by at most `pages` more pages of its
    /// size now (`None`: no cap): how tests stand in for a full disk (a
    /// write past the cap fails as [`crate::Error::DiskFull`]).
    pub fn limit_growth(&self, pages: Option<u64>) -> Result<()> {
        let max = match pages {
            Some(more) => {
                let now: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
                u64::try_from(now).unwrap_or(0) + more
            }
            // SQLite's own ceiling.
            None => 4_294_967_294,
        };
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {max}"), [], |_| Ok(()))?;
        Ok(())
    }

    /// Runs SQLite's own consistency check; `Ok(())` when it says "ok".
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

/// Whether the database file (or, for a new one, its folder) can be written.
/// Asks the file system rather than the permission bits, which do not stop
/// root and say nothing about a read-only mount.
fn writable(path: &Path) -> bool {
    if path.exists() {
        return std::fs::OpenOptions::new().append(true).open(path).is_ok();
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    tempfile::NamedTempFile::new_in(dir).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_migrations_are_valid_and_numbered_in_order() {
        MIGRATIONS.validate().unwrap();
        let files = migration_files();
        assert!(!files.is_empty());
        for (i, (name, _)) in files.iter().enumerate() {
            let expected = format!("{:04}_", i + 1);
            assert!(
                name.starts_with(&expected),
                "migration {name} should start with {expected}: numbers are consecutive from 0001"
            );
        }
        assert_eq!(schema_version(), files.len() as i64);
    }
}
