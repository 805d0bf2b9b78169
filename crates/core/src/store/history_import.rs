//! History import: how far back each source's import of its past has
//! reached (`history_imports`, migration 0008), written with the page it
//! follows.
//!
//! The past before the sync window is listed in chunks walking backwards,
//! from where the window started when the import began down to the day the
//! user asked for. A row says how far that walk has reached and, while a
//! chunk is under way, the provider's position inside it. Each imported page
//! and the position after it commit in one transaction
//! ([`Store::write_import_page`]), so an import killed anywhere resumes from
//! its last committed page and asks for nothing twice. Imported items are
//! written like any page's, never stamped with a listing's generation, and
//! lie before the window, where no sweep reaches.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::Store;
use super::convert::{date, instant, opt_instant, secs};
use super::sync::{History, Page, PageOutcome, apply_page};
use crate::Result;

/// Where a source's history import stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProgress {
    pub source_id: i64,
    /// The day the user asked for.
    pub since: NaiveDate,
    /// That day's start in the user's zone: the import's goal.
    pub since_utc: DateTime<Utc>,
    /// Everything from here up to where the window began when the import
    /// started is in the store. The import is complete once this is at or
    /// before `since_utc`.
    pub reached: DateTime<Utc>,
    /// The chunk under way, `[start, reached)`, and the provider's position
    /// inside it (its next page); `None` between chunks.
    pub chunk: Option<ImportChunk>,
    /// Why the last run stopped short of `since_utc` (cancelled, offline,
    /// needs reconnect…); `None` while it runs or once it is complete.
    pub stopped: Option<String>,
}

/// A chunk of the past being listed: `[start, reached)` and the page to ask for next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportChunk {
    pub start: DateTime<Utc>,
    pub page: Option<String>,
}

impl ImportProgress {
    /// Whether everything back to the day asked for is in.
    pub fn complete(&self) -> bool {
        self.reached <= self.since_utc
    }
}

const COLUMNS: &str = "source_id, since, since_utc, reached_utc, chunk_start, page, stopped";

fn progress(row: &Row<'_>) -> rusqlite::Result<ImportProgress> {
    let chunk_start = opt_instant(4, row.get(4)?)?;
    let page: Option<String> = row.get(5)?;
    Ok(ImportProgress {
        source_id: row.get(0)?,
        since: date(1, &row.get::<_, String>(1)?)?,
        since_utc: instant(2, row.get(2)?)?,
        reached: instant(3, row.get(3)?)?,
        chunk: chunk_start.map(|start| ImportChunk { start, page }),
        stopped: row.get(6)?,
    })
}

fn save(conn: &rusqlite::Connection, p: &ImportProgress) -> Result<()> {
    conn.execute(
        "INSERT INTO history_imports (source_id, since, since_utc, reached_utc, chunk_start, page, stopped)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (source_id) DO UPDATE SET
             since = excluded.since, since_utc = excluded.since_utc,
             reached_utc = excluded.reached_utc, chunk_start = excluded.chunk_start,
             page = excluded.page, stopped = excluded.stopped",
        params![
            p.source_id,
            p.since.to_string(),
            secs(p.since_utc),
            secs(p.reached),
            p.chunk.as_ref().map(|c| secs(c.start)),
            p.chunk.as_ref().and_then(|c| c.page.as_deref()),
            p.stopped,
        ],
    )?;
    Ok(())
}

impl Store {
    /// A source's import, if one ever began.
    pub fn history_import(&self, source_id: i64) -> Result<Option<ImportProgress>> {
        let sql = format!("SELECT {COLUMNS} FROM history_imports WHERE source_id = ?1");
        Ok(self
            .conn
            .query_row(&sql, [source_id], progress)
            .optional()?)
    }

    /// Every source's import, by source.
    pub fn history_imports(&self) -> Result<Vec<ImportProgress>> {
        let sql = format!("SELECT {COLUMNS} FROM history_imports ORDER BY source_id");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([], progress)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records where an import stands without a page (it begins, its goal
    /// moved, it stopped and says why).
    pub fn save_history_import(&self, progress: &ImportProgress) -> Result<()> {
        save(&self.conn, progress)
    }

    /// Applies a page of imported history and records the position after
    /// it, all or nothing.
    pub fn write_import_page(
        &mut self,
        page: &Page,
        history: &History,
        progress: &ImportProgress,
    ) -> Result<PageOutcome> {
        let tx = self.conn.transaction()?;
        let outcome = apply_page(&tx, progress.source_id, page, history)?;
        save(&tx, progress)?;
        tx.commit()?;
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Provider, SourceKind, SourceRecord, TaskRecord};

    fn store_with_source() -> (Store, i64) {
        let store = Store::open_in_memory().unwrap();
        let account = store
            .add_account(Provider::Todoist, "me", None, false)
            .unwrap();
        let source = store
            .upsert_source(
                account.id,
                &SourceRecord {
                    kind: SourceKind::Project,
                    provider_id: "p".into(),
                    name: "Work".into(),
                    color: None,
                    is_primary: false,
                    access_role: None,
                },
            )
            .unwrap();
        (store, source.id)
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn task(id: &str, done: &str) -> TaskRecord {
        TaskRecord {
            provider_id: id.into(),
            content: id.into(),
            description: None,
            section: None,
            labels: Vec::new(),
            priority: 1,
            due_date: None,
            completed_at: Some(at(done)),
            link: None,
            updated_at: None,
        }
    }

    #[test]
    fn a_page_and_the_position_after_it_commit_together() {
        let (mut store, source) = store_with_source();
        assert_eq!(store.history_import(source).unwrap(), None);
        let progress = ImportProgress {
            source_id: source,
            since: "2024-01-01".parse().unwrap(),
            since_utc: at("2024-01-01T00:00:00Z"),
            reached: at("2026-06-01T00:00:00Z"),
            chunk: Some(ImportChunk {
                start: at("2026-03-01T00:00:00Z"),
                page: Some("page 2".into()),
            }),
            stopped: None,
        };
        let page = Page {
            tasks: vec![task("old", "2026-04-01T10:00:00Z")],
            ..Page::default()
        };
        let outcome = store
            .write_import_page(&page, &History::default(), &progress)
            .unwrap();
        assert_eq!(outcome.written, 1);
        assert_eq!(
            store.history_import(source).unwrap(),
            Some(progress.clone())
        );
        assert!(!progress.complete());

        // A page that cannot be written leaves the position where it was.
        let mut bad = page.clone();
        bad.tasks[0].provider_id = "newer".into();
        let mut later = progress.clone();
        later.chunk = None;
        later.reached = at("2026-03-01T00:00:00Z");
        store
            .conn
            .execute_batch("CREATE TRIGGER refuse BEFORE INSERT ON tasks BEGIN SELECT RAISE(ABORT, 'disk full'); END;")
            .unwrap();
        assert!(
            store
                .write_import_page(&bad, &History::default(), &later)
                .is_err()
        );
        assert_eq!(
            store.history_import(source).unwrap(),
            Some(progress.clone())
        );

        // Stopped, then resumed: the reason is kept until the next page.
        let mut stopped = progress.clone();
        stopped.stopped = Some("Todoist did not answer in time".into());
        store.save_history_import(&stopped).unwrap();
        assert_eq!(store.history_imports().unwrap(), vec![stopped]);
    }
}
