//! Reviews: the user's reflection per week. Sync never writes here.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::Store;
use super::convert::{instant, secs};
use crate::Result;
use crate::model::Reflection;
use crate::week::WeekKey;

impl Store {
    /// The reflection written for a week and when it was last edited.
    pub fn reflection(&self, week: WeekKey) -> Result<Option<(Reflection, DateTime<Utc>)>> {
        let row = self
            .conn
            .query_row(
                "SELECT went_well, didnt_go_well, focus_next, notes, edited_at FROM reviews WHERE week_key = ?1",
                [week.to_string()],
                |r| {
                    Ok((
                        Reflection {
                            went_well: r.get(0)?,
                            didnt_go_well: r.get(1)?,
                            focus_next: r.get(2)?,
                            notes: r.get(3)?,
                        },
                        instant(4, r.get(4)?)?,
                    ))
                },
            )
            .optional()?;
        Ok(row)
    }

    /// Every week whose reflection holds some text, with when it was last
    /// edited, newest week first. Rows saved empty do not count.
    pub fn reflected_weeks(&self) -> Result<Vec<(WeekKey, DateTime<Utc>)>> {
        let mut stmt = self.conn.prepare(
            "SELECT week_key, went_well, didnt_go_well, focus_next, notes, edited_at
             FROM reviews ORDER BY week_key DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Reflection {
                    went_well: r.get(1)?,
                    didnt_go_well: r.get(2)?,
                    focus_next: r.get(3)?,
                    notes: r.get(4)?,
                },
                instant(5, r.get(5)?)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (key, reflection, edited_at) = row?;
            if !reflection.is_empty() {
                out.push((key.parse::<WeekKey>()?, edited_at));
            }
        }
        Ok(out)
    }

    /// The reflections written for the weeks from `first` to `last` (both
    /// included), oldest first; rows saved empty left out.
    pub fn reflections_between(
        &self,
        first: WeekKey,
        last: WeekKey,
    ) -> Result<Vec<(WeekKey, Reflection)>> {
        // Keys are written `2026-W07`: text order is week order.
        let mut stmt = self.conn.prepare_cached(
            "SELECT week_key, went_well, didnt_go_well, focus_next, notes
             FROM reviews WHERE week_key >= ?1 AND week_key <= ?2 ORDER BY week_key",
        )?;
        let rows = stmt.query_map(params![first.to_string(), last.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Reflection {
                    went_well: r.get(1)?,
                    didnt_go_well: r.get(2)?,
                    focus_next: r.get(3)?,
                    notes: r.get(4)?,
                },
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (key, reflection) = row?;
            if !reflection.is_empty() {
                out.push((key.parse::<WeekKey>()?, reflection));
            }
        }
        Ok(out)
    }

    /// Saves the reflection for a week (replacing the previous text).
    pub fn save_reflection(&self, week: WeekKey, reflection: &Reflection) -> Result<()> {
        self.conn.execute(
            "INSERT INTO reviews (week_key, went_well, didnt_go_well, focus_next, notes, edited_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (week_key) DO UPDATE SET
                 went_well = excluded.went_well, didnt_go_well = excluded.didnt_go_well,
                 focus_next = excluded.focus_next, notes = excluded.notes, edited_at = excluded.edited_at",
            params![
                week.to_string(),
                reflection.went_well,
                reflection.didnt_go_well,
                reflection.focus_next,
                reflection.notes,
                secs(Utc::now())
            ],
        )?;
        Ok(())
    }
}
