//! The per-item state of ICS calendars (migration 0007): for each file of a
//! folder (a vdir), or the one file or feed of a calendar, what says it is
//! unchanged, what expanding it cost the calendar's budget, how far ahead it
//! holds occurrences the window has not reached, and the occurrences it
//! expanded into (provider id, hash, span).
//!
//! The ICS provider reads it before a sync, so it reads only the files that
//! changed; what changed is written by [`super::Store::write_page`] with the
//! page it describes ([`super::Page::ics_items`]), in one transaction, so a
//! sync killed at any point leaves the state and the events in step.

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use super::Store;
use super::convert::{opt_instant, secs};
use crate::Result;

/// One item of an ICS calendar: a file of a folder, or the calendar's one
/// file or feed (`name` empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsFile {
    pub name: String,
    /// What says it is unchanged without reading it (a file's size,
    /// modification time and inode; a feed's validators), opaque here.
    pub stamp: String,
    /// A hash of the bytes last read.
    pub content: String,
    /// Occurrences and bytes expanding it took from the calendar's budget.
    pub spent_occurrences: u64,
    pub spent_bytes: u64,
    /// The earliest start of an occurrence it holds after the window it was
    /// expanded into; `None` when it holds none.
    pub reach: Option<DateTime<Utc>>,
}

/// One occurrence an item expanded into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsOccurrence {
    /// The event's provider id.
    pub provider_id: String,
    /// A hash of the record stored.
    pub hash: String,
    /// Its span in seconds since the epoch (all-day dates at UTC midnight).
    pub start: i64,
    pub end: i64,
}

/// What changed in one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsFileUpdate {
    pub file: IcsFile,
    /// Occurrences added or changed.
    pub upsert: Vec<IcsOccurrence>,
    /// Provider ids of occurrences it no longer holds.
    pub remove: Vec<String>,
}

/// What a page changes in a source's ICS state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IcsItemsUpdate {
    /// Forget every item first (a full listing starts over).
    pub reset: bool,
    pub files: Vec<IcsFileUpdate>,
    /// Names of items gone (files removed from the folder).
    pub removed: Vec<String>,
}

impl Store {
    /// A source's items, by name.
    pub fn ics_files(&self, source_id: i64) -> Result<Vec<IcsFile>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT name, stamp, content, spent_occurrences, spent_bytes, reach
             FROM ics_files WHERE source_id = ?1 ORDER BY name",
        )?;
        let rows = stmt
            .query_map([source_id], |r| {
                Ok(IcsFile {
                    name: r.get(0)?,
                    stamp: r.get(1)?,
                    content: r.get(2)?,
                    spent_occurrences: r.get::<_, i64>(3)?.max(0).unsigned_abs(),
                    spent_bytes: r.get::<_, i64>(4)?.max(0).unsigned_abs(),
                    reach: opt_instant(5, r.get(5)?)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The occurrences one item expanded into, by provider id.
    pub fn ics_occurrences(&self, source_id: i64, file: &str) -> Result<Vec<IcsOccurrence>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT provider_id, hash, start_utc, end_utc FROM ics_occurrences
             WHERE source_id = ?1 AND file = ?2 ORDER BY provider_id",
        )?;
        let rows = stmt
            .query_map(params![source_id, file], occurrence)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Every item holding an occurrence with this provider id: (item, occurrence).
    pub fn ics_holders(
        &self,
        source_id: i64,
        provider_id: &str,
    ) -> Result<Vec<(String, IcsOccurrence)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT provider_id, hash, start_utc, end_utc, file FROM ics_occurrences
             WHERE source_id = ?1 AND provider_id = ?2 ORDER BY file",
        )?;
        let rows = stmt
            .query_map(params![source_id, provider_id], |r| {
                Ok((r.get(4)?, occurrence(r)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}

fn occurrence(r: &rusqlite::Row<'_>) -> rusqlite::Result<IcsOccurrence> {
    Ok(IcsOccurrence {
        provider_id: r.get(0)?,
        hash: r.get(1)?,
        start: r.get(2)?,
        end: r.get(3)?,
    })
}

/// Writes `update` inside the page's transaction.
pub(super) fn apply(tx: &Transaction<'_>, source_id: i64, update: &IcsItemsUpdate) -> Result<()> {
    // A file's occurrences go with it (ON DELETE CASCADE).
    if update.reset {
        tx.execute("DELETE FROM ics_files WHERE source_id = ?1", [source_id])?;
    }
    {
        let mut del =
            tx.prepare_cached("DELETE FROM ics_files WHERE source_id = ?1 AND name = ?2")?;
        for name in &update.removed {
            del.execute(params![source_id, name])?;
        }
    }
    let mut file_stmt = tx.prepare_cached(
        "INSERT INTO ics_files (source_id, name, stamp, content, spent_occurrences, spent_bytes, reach)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (source_id, name) DO UPDATE SET
             stamp = excluded.stamp, content = excluded.content,
             spent_occurrences = excluded.spent_occurrences,
             spent_bytes = excluded.spent_bytes, reach = excluded.reach",
    )?;
    let mut put = tx.prepare_cached(
        "INSERT INTO ics_occurrences (source_id, file, provider_id, hash, start_utc, end_utc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (source_id, file, provider_id) DO UPDATE SET
             hash = excluded.hash, start_utc = excluded.start_utc, end_utc = excluded.end_utc",
    )?;
    let mut del = tx.prepare_cached(
        "DELETE FROM ics_occurrences WHERE source_id = ?1 AND file = ?2 AND provider_id = ?3",
    )?;
    for change in &update.files {
        let f = &change.file;
        file_stmt.execute(params![
            source_id,
            f.name,
            f.stamp,
            f.content,
            i64::try_from(f.spent_occurrences).unwrap_or(i64::MAX),
            i64::try_from(f.spent_bytes).unwrap_or(i64::MAX),
            f.reach.map(secs),
        ])?;
        for id in &change.remove {
            del.execute(params![source_id, f.name, id])?;
        }
        for o in &change.upsert {
            put.execute(params![
                source_id,
                f.name,
                o.provider_id,
                o.hash,
                o.start,
                o.end
            ])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Provider, SourceKind, SourceRecord};
    use crate::store::{CursorUpdate, Page};

    fn file(name: &str, stamp: &str) -> IcsFile {
        IcsFile {
            name: name.into(),
            stamp: stamp.into(),
            content: format!("content of {name}"),
            spent_occurrences: 3,
            spent_bytes: 300,
            reach: "2027-01-04T09:00:00Z".parse().ok(),
        }
    }

    fn occ(id: &str, hash: &str) -> IcsOccurrence {
        IcsOccurrence {
            provider_id: id.into(),
            hash: hash.into(),
            start: 100,
            end: 200,
        }
    }

    fn setup() -> Result<(Store, i64, i64)> {
        let store = Store::open_in_memory()?;
        let account = store.add_account(Provider::Ics, "/cal", None, false)?;
        let source = store.upsert_source(
            account.id,
            &SourceRecord {
                kind: SourceKind::Calendar,
                provider_id: "calendar".into(),
                name: "Cal".into(),
                color: None,
                is_primary: true,
                access_role: None,
            },
        )?;
        Ok((store, account.id, source.id))
    }

    fn write(store: &mut Store, source: i64, update: IcsItemsUpdate) -> Result<()> {
        let page = Page {
            ics_items: Some(update),
            ..Page::default()
        };
        store.write_page(source, &page, CursorUpdate::Keep)?;
        Ok(())
    }

    #[test]
    fn items_round_trip_change_by_occurrence_and_go_with_their_file_and_source() -> Result<()> {
        let (mut store, account, source) = setup()?;
        write(
            &mut store,
            source,
            IcsItemsUpdate {
                reset: true,
                files: vec![
                    IcsFileUpdate {
                        file: file("a.ics", "1"),
                        upsert: vec![occ("a/1", "h1"), occ("a/2", "h2"), occ("dup", "x")],
                        remove: vec![],
                    },
                    IcsFileUpdate {
                        file: file("b.ics", "1"),
                        upsert: vec![occ("dup", "y")],
                        remove: vec![],
                    },
                ],
                removed: vec![],
            },
        )?;
        assert_eq!(
            store.ics_files(source)?,
            [file("a.ics", "1"), file("b.ics", "1")]
        );
        assert_eq!(
            store.ics_holders(source, "dup")?,
            [
                ("a.ics".to_owned(), occ("dup", "x")),
                ("b.ics".to_owned(), occ("dup", "y"))
            ]
        );
        // One occurrence changed, one gone; the other file untouched; b removed.
        write(
            &mut store,
            source,
            IcsItemsUpdate {
                reset: false,
                files: vec![IcsFileUpdate {
                    file: file("a.ics", "2"),
                    upsert: vec![occ("a/2", "h2'")],
                    remove: vec!["a/1".into()],
                }],
                removed: vec!["b.ics".into()],
            },
        )?;
        assert_eq!(store.ics_files(source)?, [file("a.ics", "2")]);
        assert_eq!(
            store.ics_occurrences(source, "a.ics")?,
            [occ("a/2", "h2'"), occ("dup", "x")]
        );
        assert!(store.ics_occurrences(source, "b.ics")?.is_empty());
        // A reset starts over.
        write(
            &mut store,
            source,
            IcsItemsUpdate {
                reset: true,
                files: vec![IcsFileUpdate {
                    file: file("c.ics", "1"),
                    upsert: vec![occ("c", "h")],
                    remove: vec![],
                }],
                removed: vec![],
            },
        )?;
        assert_eq!(store.ics_files(source)?, [file("c.ics", "1")]);
        assert!(store.ics_occurrences(source, "a.ics")?.is_empty());
        // Removing the account removes its sources' state.
        store.delete_account(account)?;
        assert!(store.ics_files(source)?.is_empty());
        assert!(store.ics_holders(source, "c")?.is_empty());
        Ok(())
    }
}
