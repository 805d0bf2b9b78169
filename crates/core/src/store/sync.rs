//! The write path of sync: one page of provider data and its cursor, in one transaction.
//!
//! Every provider, the demo included, writes through [`Store::write_page`].
//! Writes are upserts keyed by (source, provider id), so replaying a page after
//! a crash or a retry never duplicates anything, and the cursor only moves
//! together with the data it follows. Provider text longer than the limits in
//! [`crate::model`] is cut as it is written.
//!
//! A page can also carry [`History`]: completions from a log the provider
//! forgets (kept for good, never swept) and the spans of history its listing
//! asked for and could read, from which the review learns where completions
//! may be missing ([`Store::history_spans_overlapping`]).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::Store;
use super::convert::{opt_instant, secs};
use super::ics_items::{self, IcsItemsUpdate};
use crate::Result;
use crate::model::{
    DESCRIPTION_MAX_CHARS, EventRecord, EventTime, HistorySpan, LOCATION_MAX_CHARS, SyncState,
    TITLE_MAX_CHARS, TaskRecord, clip,
};

/// One page of changes from a provider for one source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// Created or changed events.
    pub events: Vec<EventRecord>,
    /// Provider ids of events that are gone (deleted or cancelled).
    pub deleted_events: Vec<String>,
    /// Created or changed tasks.
    pub tasks: Vec<TaskRecord>,
    /// Provider ids of tasks that are gone.
    pub deleted_tasks: Vec<String>,
    /// During a full listing: the generation every written item is stamped with
    /// (from [`Store::begin_full_sync`]).
    pub generation: Option<i64>,
    /// On the last page of a full listing: delete what the listing did not return.
    pub sweep: Option<Sweep>,
    /// Events that end at or before this instant (wholly before the sync
    /// window) are only updated when the source already has them, never
    /// added: a provider that returns a changed series' every instance keeps
    /// the user's history current without filling the store with the past.
    pub update_only_before: Option<DateTime<Utc>>,
    /// Removals by id ([`Page::deleted_events`]) spare events that end at or
    /// before this instant: history before the window the provider was asked
    /// about. Graph's delta reports changes outside its window as removals,
    /// which says nothing of the history a history import brought or the
    /// window left behind.
    pub delete_only_from: Option<DateTime<Utc>>,
    /// What the page changes in an ICS calendar's per-item state
    /// ([`super::ics_items`]), written with it.
    pub ics_items: Option<IcsItemsUpdate>,
}

/// Deletes a source's items inside `[start, end)` stamped before `generation`:
/// the ones a complete full listing did not return. Items outside the window
/// are history the provider was not asked about, and stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sweep {
    pub generation: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// What a page adds to the history a provider itself forgets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// Completions to keep for good (Todoist's recurring completions, read
    /// from its activity log): written like tasks, and never swept by a full
    /// listing that no longer finds them. Only an explicit deletion removes one.
    pub tasks: Vec<TaskRecord>,
    /// The spans of the source's history the listing asked for, and read in
    /// full or not. Each kind is merged with what the source already has.
    pub spans: Vec<HistorySpan>,
}

/// What to do with the source's cursor when the page commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorUpdate {
    /// Leave it as it is (a page in the middle of a listing).
    Keep,
    /// Store this cursor (a sync token, delta link or next-page marker).
    Set(String),
    /// Forget it, so the next sync starts over.
    Clear,
}

/// What a page did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageOutcome {
    pub written: usize,
    pub deleted: usize,
    /// Items that were skipped, with why: (provider id, reason).
    pub rejected: Vec<(String, String)>,
}

impl Store {
    /// Applies a page and moves the cursor, all or nothing.
    pub fn write_page(
        &mut self,
        source_id: i64,
        page: &Page,
        cursor: CursorUpdate,
    ) -> Result<PageOutcome> {
        self.write_page_with_history(source_id, page, &History::default(), cursor)
    }

    /// Applies a page with what it adds to history, and moves the cursor, all
    /// or nothing.
    pub fn write_page_with_history(
        &mut self,
        source_id: i64,
        page: &Page,
        history: &History,
        cursor: CursorUpdate,
    ) -> Result<PageOutcome> {
        let tx = self.conn.transaction()?;
        let outcome = apply_page(&tx, source_id, page, history)?;
        match cursor {
            CursorUpdate::Keep => {}
            CursorUpdate::Set(c) => set_cursor(&tx, source_id, Some(&c))?,
            CursorUpdate::Clear => set_cursor(&tx, source_id, None)?,
        }
        tx.commit()?;
        Ok(outcome)
    }

    /// Where a source's sync stands; `None` before its first sync.
    pub fn sync_state(&self, source_id: i64) -> Result<Option<SyncState>> {
        let row = self
            .conn
            .query_row(
                "SELECT source_id, cursor, last_attempt_at, last_success_at, last_error
                 FROM sync_state WHERE source_id = ?1",
                [source_id],
                |r| {
                    Ok(SyncState {
                        source_id: r.get(0)?,
                        cursor: r.get(1)?,
                        last_attempt_at: opt_instant(2, r.get(2)?)?,
                        last_success_at: opt_instant(3, r.get(3)?)?,
                        last_error: r.get(4)?,
                    })
                },
            )
            .optional()?;
        Ok(row)
    }

    /// Starts a full listing of a source: returns a new generation to stamp its pages with.
    pub fn begin_full_sync(&self, source_id: i64) -> Result<i64> {
        Ok(self.conn.query_row(
            "INSERT INTO sync_state (source_id, generation) VALUES (?1, 1)
             ON CONFLICT (source_id) DO UPDATE SET generation = generation + 1
             RETURNING generation",
            [source_id],
            |r| r.get(0),
        )?)
    }

    /// Records a finished sync of a source: success clears the last error.
    pub fn record_sync_result(&self, source_id: i64, error: Option<&str>) -> Result<()> {
        let now = secs(Utc::now());
        self.conn.execute(
            "INSERT INTO sync_state (source_id, last_attempt_at, last_success_at, last_error)
             VALUES (?1, ?2, CASE WHEN ?3 IS NULL THEN ?2 END, ?3)
             ON CONFLICT (source_id) DO UPDATE SET
                 last_attempt_at = excluded.last_attempt_at,
                 last_success_at = CASE WHEN ?3 IS NULL THEN ?2 ELSE last_success_at END,
                 last_error = ?3",
            params![source_id, now, error],
        )?;
        Ok(())
    }
}

/// Applies a page and what it adds to history inside `tx` (the cursor or
/// import position that follows it is the caller's to write in the same
/// transaction).
pub(super) fn apply_page(
    tx: &Transaction<'_>,
    source_id: i64,
    page: &Page,
    history: &History,
) -> Result<PageOutcome> {
    let mut outcome = PageOutcome::default();
    for event in &page.events {
        match event.validate() {
            Ok(()) => {
                let before = page
                    .update_only_before
                    .is_some_and(|t| event.time.utc_bounds().1 <= t);
                if before && !has_event(tx, source_id, &event.provider_id)? {
                    continue;
                }
                upsert_event(tx, source_id, event, page.generation)?;
                outcome.written += 1;
            }
            Err(e) => outcome
                .rejected
                .push((event.provider_id.clone(), e.to_string())),
        }
    }
    let tasks = page.tasks.iter().map(|t| (t, false));
    for (task, kept) in tasks.chain(history.tasks.iter().map(|t| (t, true))) {
        match task.validate() {
            Ok(()) => {
                upsert_task(tx, source_id, task, page.generation, kept)?;
                outcome.written += 1;
            }
            Err(e) => outcome
                .rejected
                .push((task.provider_id.clone(), e.to_string())),
        }
    }
    for span in history.spans.iter().filter(|s| s.end > s.start) {
        merge_span(tx, source_id, span)?;
    }
    {
        let mut del = tx.prepare_cached(
            "DELETE FROM events WHERE source_id = ?1 AND provider_id = ?2 AND end_utc > ?3",
        )?;
        let from = page.delete_only_from.map_or(i64::MIN, secs);
        for id in &page.deleted_events {
            outcome.deleted += del.execute(params![source_id, id, from])?;
        }
        let mut del =
            tx.prepare_cached("DELETE FROM tasks WHERE source_id = ?1 AND provider_id = ?2")?;
        for id in &page.deleted_tasks {
            outcome.deleted += del.execute(params![source_id, id])?;
        }
    }
    if let Some(sweep) = page.sweep {
        outcome.deleted += tx.execute(
                "DELETE FROM events WHERE source_id = ?1 AND generation < ?2 AND end_utc > ?3 AND start_utc < ?4",
                params![source_id, sweep.generation, secs(sweep.start), secs(sweep.end)],
            )?;
        outcome.deleted += tx.execute(
            "DELETE FROM tasks WHERE source_id = ?1 AND generation < ?2 AND kept = 0
                   AND (completed_at IS NULL OR (completed_at >= ?3 AND completed_at < ?4))",
            params![
                source_id,
                sweep.generation,
                secs(sweep.start),
                secs(sweep.end)
            ],
        )?;
    }
    if let Some(items) = &page.ics_items {
        ics_items::apply(tx, source_id, items)?;
    }
    Ok(outcome)
}

fn set_cursor(tx: &Transaction<'_>, source_id: i64, cursor: Option<&str>) -> Result<()> {
    tx.execute(
        "INSERT INTO sync_state (source_id, cursor) VALUES (?1, ?2)
         ON CONFLICT (source_id) DO UPDATE SET cursor = excluded.cursor",
        params![source_id, cursor],
    )?;
    Ok(())
}

fn has_event(tx: &Transaction<'_>, source_id: i64, provider_id: &str) -> Result<bool> {
    let mut stmt =
        tx.prepare_cached("SELECT 1 FROM events WHERE source_id = ?1 AND provider_id = ?2")?;
    Ok(stmt.exists(params![source_id, provider_id])?)
}

fn upsert_event(
    tx: &Transaction<'_>,
    source_id: i64,
    e: &EventRecord,
    generation: Option<i64>,
) -> Result<()> {
    let (start_utc, end_utc) = e.time.utc_bounds();
    let (start_utc, end_utc) = (secs(start_utc), secs(end_utc));
    let (all_day, start_date, end_date) = match e.time {
        EventTime::AllDay { start, end } => (true, Some(start.to_string()), Some(end.to_string())),
        EventTime::Timed { .. } => (false, None, None),
    };
    let mut stmt = tx.prepare_cached(
        "INSERT INTO events (source_id, provider_id, title, description, location, all_day,
             start_utc, end_utc, start_date, end_date, time_zone, status, my_response,
             is_organizer, attendee_count, series_id, link, updated_at, generation, kind, show_as)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, coalesce(?19, 0), ?20, ?21)
         ON CONFLICT (source_id, provider_id) DO UPDATE SET
             title = excluded.title, description = excluded.description, location = excluded.location,
             all_day = excluded.all_day, start_utc = excluded.start_utc, end_utc = excluded.end_utc,
             start_date = excluded.start_date, end_date = excluded.end_date,
             time_zone = excluded.time_zone, status = excluded.status,
             my_response = excluded.my_response, is_organizer = excluded.is_organizer,
             attendee_count = excluded.attendee_count, series_id = excluded.series_id,
             link = excluded.link, updated_at = excluded.updated_at,
             generation = coalesce(?19, generation),
             kind = excluded.kind, show_as = excluded.show_as",
    )?;
    stmt.execute(params![
        source_id,
        e.provider_id,
        clip(&e.title, TITLE_MAX_CHARS),
        e.description
            .as_deref()
            .map(|d| clip(d, DESCRIPTION_MAX_CHARS)),
        e.location.as_deref().map(|l| clip(l, LOCATION_MAX_CHARS)),
        all_day,
        start_utc,
        end_utc,
        start_date,
        end_date,
        e.time_zone,
        e.status.as_str(),
        e.my_response.map(|r| r.as_str()),
        e.is_organizer,
        e.attendee_count,
        e.series_id,
        e.link,
        e.updated_at.map(secs),
        generation,
        e.kind.as_str(),
        e.show_as.as_str(),
    ])?;
    Ok(())
}

/// Adds a span of history to the source's spans of its kind, merged with
/// those it overlaps or touches.
fn merge_span(tx: &Transaction<'_>, source_id: i64, span: &HistorySpan) -> Result<()> {
    let (start, end): (i64, i64) = tx.query_row(
        "SELECT min(?3, coalesce(min(start_utc), ?3)), max(?4, coalesce(max(end_utc), ?4))
         FROM history_spans
         WHERE source_id = ?1 AND read = ?2 AND start_utc <= ?4 AND end_utc >= ?3",
        params![source_id, span.read, secs(span.start), secs(span.end)],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    tx.execute(
        "DELETE FROM history_spans
         WHERE source_id = ?1 AND read = ?2 AND start_utc <= ?4 AND end_utc >= ?3",
        params![source_id, span.read, start, end],
    )?;
    tx.execute(
        "INSERT INTO history_spans (source_id, read, start_utc, end_utc) VALUES (?1, ?2, ?3, ?4)",
        params![source_id, span.read, start, end],
    )?;
    Ok(())
}

fn upsert_task(
    tx: &Transaction<'_>,
    source_id: i64,
    t: &TaskRecord,
    generation: Option<i64>,
    kept: bool,
) -> Result<()> {
    let labels = serde_json::to_string(&t.labels).unwrap_or_else(|_| "[]".to_owned());
    // Once kept for good, a row stays kept.
    let mut stmt = tx.prepare_cached(
        "INSERT INTO tasks (source_id, provider_id, content, description, section, labels,
             priority, due_date, completed_at, link, updated_at, generation, kept)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, coalesce(?12, 0), ?13)
         ON CONFLICT (source_id, provider_id) DO UPDATE SET
             content = excluded.content, description = excluded.description,
             section = excluded.section, labels = excluded.labels, priority = excluded.priority,
             due_date = excluded.due_date, completed_at = excluded.completed_at,
             link = excluded.link, updated_at = excluded.updated_at,
             generation = coalesce(?12, generation), kept = max(kept, excluded.kept)",
    )?;
    stmt.execute(params![
        source_id,
        t.provider_id,
        clip(&t.content, TITLE_MAX_CHARS),
        t.description
            .as_deref()
            .map(|d| clip(d, DESCRIPTION_MAX_CHARS)),
        t.section,
        labels,
        t.priority,
        t.due_date.map(|d| d.to_string()),
        t.completed_at.map(secs),
        t.link,
        t.updated_at.map(secs),
        generation,
        kept,
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventStatus, Provider, SourceKind, SourceRecord};

    fn event(id: &str, title: &str, start: &str) -> EventRecord {
        let start: DateTime<Utc> = start.parse().unwrap_or_default();
        EventRecord {
            provider_id: id.into(),
            title: title.into(),
            description: None,
            location: None,
            time: EventTime::Timed {
                start,
                end: start + chrono::Duration::hours(1),
            },
            time_zone: None,
            status: EventStatus::Confirmed,
            my_response: None,
            is_organizer: false,
            attendee_count: 0,
            series_id: None,
            link: None,
            updated_at: None,
            kind: Default::default(),
            show_as: Default::default(),
        }
    }

    fn titles(store: &Store) -> Vec<(String, String)> {
        let (from, to) = (
            DateTime::UNIX_EPOCH,
            DateTime::UNIX_EPOCH + chrono::Duration::weeks(52 * 100),
        );
        let mut all: Vec<(String, String)> = store
            .events_overlapping(from, to)
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.record.provider_id, e.record.title))
            .collect();
        all.sort();
        all
    }

    #[test]
    fn events_before_the_update_only_line_are_updated_where_held_and_never_added() -> Result<()> {
        let mut store = Store::open_in_memory()?;
        let account = store.add_account(Provider::Google, "me@example.com", None, false)?;
        let source = store
            .upsert_source(
                account.id,
                &SourceRecord {
                    kind: SourceKind::Calendar,
                    provider_id: "primary".into(),
                    name: "Work".into(),
                    color: None,
                    is_primary: true,
                    access_role: None,
                },
            )?
            .id;
        let held = Page {
            events: vec![event("old", "Held", "2026-01-05T09:00:00Z")],
            ..Page::default()
        };
        store.write_page(source, &held, CursorUpdate::Keep)?;
        let line = "2026-03-01T00:00:00Z".parse().ok();
        let page = Page {
            events: vec![
                event("old", "Held, renamed", "2026-01-05T09:00:00Z"),
                event("older", "Never held", "2026-01-12T09:00:00Z"),
                // Ends exactly on the line: before it.
                event("edge", "Ends on the line", "2026-02-28T23:00:00Z"),
                event("straddles", "Inside", "2026-02-28T23:30:00Z"),
            ],
            update_only_before: line,
            ..Page::default()
        };
        let outcome = store.write_page(source, &page, CursorUpdate::Keep)?;
        assert_eq!(outcome.written, 2);
        assert!(outcome.rejected.is_empty());
        assert_eq!(
            titles(&store),
            [
                ("old".to_owned(), "Held, renamed".to_owned()),
                ("straddles".to_owned(), "Inside".to_owned())
            ]
        );
        Ok(())
    }

    #[test]
    fn removals_spare_what_ends_before_the_delete_only_line() -> Result<()> {
        let mut store = Store::open_in_memory()?;
        let account = store.add_account(Provider::Microsoft, "me@example.com", None, false)?;
        let source = store
            .upsert_source(
                account.id,
                &SourceRecord {
                    kind: SourceKind::Calendar,
                    provider_id: "main".into(),
                    name: "Calendar".into(),
                    color: None,
                    is_primary: true,
                    access_role: None,
                },
            )?
            .id;
        let held = Page {
            events: vec![
                event("history", "Imported", "2026-01-05T09:00:00Z"),
                // Ends exactly on the line: history too.
                event("edge", "Ends on the line", "2026-02-28T23:00:00Z"),
                event("straddles", "Inside", "2026-02-28T23:30:00Z"),
                event("inside", "Inside too", "2026-03-02T09:00:00Z"),
            ],
            ..Page::default()
        };
        store.write_page(source, &held, CursorUpdate::Keep)?;
        let page = Page {
            deleted_events: ["history", "edge", "straddles", "inside"]
                .map(String::from)
                .to_vec(),
            delete_only_from: "2026-03-01T00:00:00Z".parse().ok(),
            ..Page::default()
        };
        let outcome = store.write_page(source, &page, CursorUpdate::Keep)?;
        assert_eq!(outcome.deleted, 2);
        assert_eq!(
            titles(&store),
            [
                ("edge".to_owned(), "Ends on the line".to_owned()),
                ("history".to_owned(), "Imported".to_owned())
            ]
        );
        // Without the line, a removal removes wherever the event lies.
        let page = Page {
            deleted_events: vec!["history".into()],
            ..Page::default()
        };
        assert_eq!(
            store.write_page(source, &page, CursorUpdate::Keep)?.deleted,
            1
        );
        Ok(())
    }
}
