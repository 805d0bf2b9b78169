//! The user's per-series category choices ("count this recurring event as focus").

use rusqlite::params;

use super::Store;
use super::convert::parse;
use crate::Result;
use crate::categories::{Assignment, SeriesChoices};

impl Store {
    /// Every per-series choice, keyed by (source id, series id).
    pub fn series_choices(&self) -> Result<SeriesChoices> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT source_id, series_id, category FROM series_categories")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                (r.get::<_, i64>(0)?, r.get::<_, String>(1)?),
                parse(2, &r.get::<_, String>(2)?, Assignment::parse)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sets how a recurring series counts; `None` returns it to the rules.
    pub fn set_series_choice(
        &self,
        source_id: i64,
        series_id: &str,
        choice: Option<Assignment>,
    ) -> Result<()> {
        match choice {
            Some(a) => self.conn.execute(
                "INSERT INTO series_categories (source_id, series_id, category) VALUES (?1, ?2, ?3)
                 ON CONFLICT (source_id, series_id) DO UPDATE SET category = excluded.category",
                params![source_id, series_id, a.as_str()],
            )?,
            None => self.conn.execute(
                "DELETE FROM series_categories WHERE source_id = ?1 AND series_id = ?2",
                params![source_id, series_id],
            )?,
        };
        Ok(())
    }
}
