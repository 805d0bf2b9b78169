//! Sources: the calendars and projects of each account.

use rusqlite::{OptionalExtension, Row, params};

use super::Store;
use super::convert::parse;
use crate::model::{Source, SourceKind, SourceRecord};
use crate::{Error, Result};

const COLUMNS: &str =
    "id, account_id, kind, provider_id, name, color, included, is_primary, access_role, gone";

fn source(row: &Row<'_>) -> rusqlite::Result<Source> {
    Ok(Source {
        id: row.get(0)?,
        account_id: row.get(1)?,
        kind: parse(2, &row.get::<_, String>(2)?, |s| match s {
            "calendar" => Some(SourceKind::Calendar),
            "project" => Some(SourceKind::Project),
            _ => None,
        })?,
        provider_id: row.get(3)?,
        name: row.get(4)?,
        color: row.get(5)?,
        included: row.get(6)?,
        is_primary: row.get(7)?,
        access_role: row.get(8)?,
        gone: row.get(9)?,
    })
}

impl Store {
    /// Inserts or refreshes a source from what its provider says. The user's
    /// `included` choice is kept; a source that reappears is no longer gone.
    pub fn upsert_source(&self, account_id: i64, record: &SourceRecord) -> Result<Source> {
        self.conn.execute(
            "INSERT INTO sources (account_id, kind, provider_id, name, color, is_primary, access_role)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (account_id, provider_id) DO UPDATE SET
                 kind = excluded.kind, name = excluded.name, color = excluded.color,
                 is_primary = excluded.is_primary, access_role = excluded.access_role, gone = 0
             -- A source listed as it was is not written again.
             WHERE (kind, name, color, is_primary, access_role, gone) IS NOT
                   (excluded.kind, excluded.name, excluded.color, excluded.is_primary,
                    excluded.access_role, 0)",
            params![
                account_id,
                record.kind.as_str(),
                record.provider_id,
                record.name,
                record.color,
                record.is_primary,
                record.access_role
            ],
        )?;
        let sql =
            format!("SELECT {COLUMNS} FROM sources WHERE account_id = ?1 AND provider_id = ?2");
        Ok(self
            .conn
            .query_row(&sql, params![account_id, record.provider_id], source)?)
    }

    /// All sources, grouped by account.
    pub fn sources(&self) -> Result<Vec<Source>> {
        let sql =
            format!("SELECT {COLUMNS} FROM sources ORDER BY account_id, is_primary DESC, name, id");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map([], source)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// One source by id.
    pub fn source(&self, id: i64) -> Result<Source> {
        let sql = format!("SELECT {COLUMNS} FROM sources WHERE id = ?1");
        self.conn
            .query_row(&sql, [id], source)
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("source {id}")))
    }

    /// Includes a source in the review (and in sync) or leaves it out.
    pub fn set_source_included(&self, id: i64, included: bool) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE sources SET included = ?1 WHERE id = ?2",
            params![included, id],
        )?;
        if n == 0 {
            return Err(Error::NotFound(format!("source {id}")));
        }
        Ok(())
    }

    /// Records that the provider no longer has this source. Its items stay cached.
    pub fn mark_source_gone(&self, id: i64) -> Result<()> {
        self.conn
            .execute("UPDATE sources SET gone = 1 WHERE id = ?1", [id])?;
        Ok(())
    }
}
