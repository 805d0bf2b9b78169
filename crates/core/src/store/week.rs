//! The week view's reads: a few indexed range queries.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Row, params};

use super::Store;
use super::convert::{date, instant, opt_date, opt_instant, parse, secs};
use crate::Result;
use crate::model::{
    Event, EventKind, EventRecord, EventStatus, EventTime, HistorySpan, Response, ShowAs, Task,
    TaskRecord,
};

/// All-day events are stored at UTC midnights; widen the range by a day on
/// each side so every zone's view of the week is covered. The week model
/// filters precisely.
const ALL_DAY_MARGIN: i64 = 24 * 3600;

/// A text column read in place, without a copy (the row's dates and its
/// status, response and kind words are parsed straight from it).
fn text<'r>(row: &'r Row<'_>, col: usize) -> rusqlite::Result<&'r str> {
    let value = row.get_ref(col)?;
    value
        .as_str()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(col, value.data_type(), Box::new(e)))
}

fn event(row: &Row<'_>) -> rusqlite::Result<Event> {
    let all_day: bool = row.get(6)?;
    let time = if all_day {
        EventTime::AllDay {
            start: date(9, text(row, 9)?)?,
            end: date(10, text(row, 10)?)?,
        }
    } else {
        EventTime::Timed {
            start: instant(7, row.get(7)?)?,
            end: instant(8, row.get(8)?)?,
        }
    };
    Ok(Event {
        id: row.get(0)?,
        source_id: row.get(1)?,
        record: EventRecord {
            provider_id: row.get(2)?,
            title: row.get(3)?,
            description: row.get(4)?,
            location: row.get(5)?,
            time,
            time_zone: row.get(11)?,
            status: parse(12, text(row, 12)?, |s| match s {
                "confirmed" => Some(EventStatus::Confirmed),
                "tentative" => Some(EventStatus::Tentative),
                "cancelled" => Some(EventStatus::Cancelled),
                _ => None,
            })?,
            my_response: row
                .get_ref(13)?
                .as_str_or_null()?
                .map(|s| {
                    parse(13, s, |s| match s {
                        "accepted" => Some(Response::Accepted),
                        "declined" => Some(Response::Declined),
                        "tentative" => Some(Response::Tentative),
                        "needs_action" => Some(Response::NeedsAction),
                        _ => None,
                    })
                })
                .transpose()?,
            is_organizer: row.get(14)?,
            attendee_count: row.get(15)?,
            series_id: row.get(16)?,
            link: row.get(17)?,
            updated_at: opt_instant(18, row.get(18)?)?,
            kind: parse(19, text(row, 19)?, EventKind::parse)?,
            show_as: parse(20, text(row, 20)?, ShowAs::parse)?,
        },
    })
}

fn task(row: &Row<'_>) -> rusqlite::Result<Task> {
    let labels: String = row.get(6)?;
    Ok(Task {
        id: row.get(0)?,
        source_id: row.get(1)?,
        record: TaskRecord {
            provider_id: row.get(2)?,
            content: row.get(3)?,
            description: row.get(4)?,
            section: row.get(5)?,
            labels: serde_json::from_str(&labels).unwrap_or_default(),
            priority: row.get(7)?,
            due_date: opt_date(8, row.get(8)?)?,
            completed_at: opt_instant(9, row.get(9)?)?,
            link: row.get(10)?,
            updated_at: opt_instant(11, row.get(11)?)?,
        },
    })
}

const EVENT_COLUMNS: &str =
    "e.id, e.source_id, e.provider_id, e.title, e.description, e.location, e.all_day,
    e.start_utc, e.end_utc, e.start_date, e.end_date, e.time_zone, e.status, e.my_response,
    e.is_organizer, e.attendee_count, e.series_id, e.link, e.updated_at, e.kind, e.show_as";

/// The columns of [`EVENT_COLUMNS`] a total needs: what the category rules
/// read (the title among them), with the description, location, provider
/// id and link left out, so a comparison over twelve weeks copies no text
/// it would throw away.
const EVENT_TOTAL_COLUMNS: &str = "e.id, e.source_id, '', e.title, NULL, NULL, e.all_day,
    e.start_utc, e.end_utc, e.start_date, e.end_date, e.time_zone, e.status, e.my_response,
    e.is_organizer, e.attendee_count, e.series_id, NULL, NULL, e.kind, e.show_as";

/// The columns of [`TASK_COLUMNS`] a total needs: the project and the
/// completion, the text left out.
const TASK_TOTAL_COLUMNS: &str = "t.id, t.source_id, '', '', NULL, NULL, '[]',
    t.priority, NULL, t.completed_at, NULL, NULL";

const TASK_COLUMNS: &str =
    "t.id, t.source_id, t.provider_id, t.content, t.description, t.section, t.labels,
    t.priority, t.due_date, t.completed_at, t.link, t.updated_at";

impl Store {
    /// Events of included sources that may overlap `[start, end)`, cancelled ones left out:
    /// all-day events first, then by start, end and id.
    /// All-day events within a day of the range are included; callers place them by date.
    pub fn events_overlapping(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<Event>> {
        self.events_with(EVENT_COLUMNS, start, end)
    }

    fn events_with(
        &self,
        columns: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<Event>> {
        // The scan is bounded below by the longest event in the store, which the
        // events_span index answers at once.
        let sql = format!(
            "SELECT {columns} FROM events e JOIN sources s ON s.id = e.source_id
             WHERE e.start_utc < ?2
               AND e.start_utc >= ?1 - (SELECT coalesce(max(end_utc - start_utc), 0) FROM events)
               AND e.end_utc > ?1
               AND e.status != 'cancelled' AND s.included = 1
             ORDER BY e.start_utc, e.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows: Vec<Event> = stmt
            .query_map(
                params![secs(start) - ALL_DAY_MARGIN, secs(end) + ALL_DAY_MARGIN],
                event,
            )?
            .collect::<rusqlite::Result<_>>()?;
        // The index gives (start, id) order without a sort in SQLite, which
        // would copy every row (its text included) through a temporary b-tree;
        // all-day events first and the end as a tie-break are cheaper here,
        // on rows already nearly in order.
        rows.sort_by_key(|e| {
            let (start, end) = e.record.time.utc_bounds();
            (!e.record.time.is_all_day(), start, end, e.id)
        });
        Ok(rows)
    }

    /// [`Store::events_overlapping`] for totals: the same events in the same
    /// order, without their descriptions, locations, provider ids and links.
    pub fn events_for_totals(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<Event>> {
        self.events_with(EVENT_TOTAL_COLUMNS, start, end)
    }

    /// [`Store::tasks_completed_between`] for totals: the same tasks in the
    /// same order, with their projects and completions but no text.
    pub fn completions_for_totals(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<Task>> {
        self.tasks_with(TASK_TOTAL_COLUMNS, start, end)
    }

    /// The first moment the cache holds anything for: the start of the
    /// earliest event (cancelled ones left out) or the earliest completion,
    /// of included sources; `None` for an empty cache. Two index walks that
    /// stop at the first row.
    pub fn first_item_at(&self) -> Result<Option<DateTime<Utc>>> {
        let first: (Option<i64>, Option<i64>) = self.conn.query_row(
            "SELECT
                 (SELECT e.start_utc FROM events e JOIN sources s ON s.id = e.source_id
                  WHERE e.status != 'cancelled' AND s.included = 1
                  ORDER BY e.start_utc LIMIT 1),
                 (SELECT t.completed_at FROM tasks t JOIN sources s ON s.id = t.source_id
                  WHERE t.completed_at IS NOT NULL AND s.included = 1
                  ORDER BY t.completed_at LIMIT 1)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let first = match first {
            (Some(e), Some(t)) => Some(e.min(t)),
            (e, t) => e.or(t),
        };
        Ok(first.map(|t| instant(0, t)).transpose()?)
    }

    /// Tasks of included sources completed in `[start, end)`, in completion order.
    pub fn tasks_completed_between(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<Task>> {
        self.tasks_with(TASK_COLUMNS, start, end)
    }

    fn tasks_with(
        &self,
        columns: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<Task>> {
        let sql = format!(
            "SELECT {columns} FROM tasks t JOIN sources s ON s.id = t.source_id
             WHERE t.completed_at >= ?1 AND t.completed_at < ?2 AND s.included = 1
             ORDER BY t.completed_at, t.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params![secs(start), secs(end)], task)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Open tasks of included sources due in `[from, to)`, by due date.
    pub fn open_tasks_due_between(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Task>> {
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM tasks t JOIN sources s ON s.id = t.source_id
             WHERE t.completed_at IS NULL AND t.due_date >= ?1 AND t.due_date < ?2 AND s.included = 1
             ORDER BY t.due_date, t.priority DESC, t.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params![from.to_string(), to.to_string()], task)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The history spans of included sources that overlap `[start, end)`,
    /// asked for and read alike, by source and start: `(source id, span)`.
    pub fn history_spans_overlapping(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<(i64, HistorySpan)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT h.source_id, h.read, h.start_utc, h.end_utc
             FROM history_spans h JOIN sources s ON s.id = h.source_id
             WHERE h.start_utc < ?2 AND h.end_utc > ?1 AND s.included = 1
             ORDER BY h.source_id, h.start_utc, h.read",
        )?;
        let rows = stmt
            .query_map(params![secs(start), secs(end)], |r| {
                Ok((
                    r.get(0)?,
                    HistorySpan {
                        read: r.get(1)?,
                        start: instant(2, r.get(2)?)?,
                        end: instant(3, r.get(3)?)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Counts of cached items per source: (events, tasks).
    pub fn item_counts(&self, source_id: i64) -> Result<(i64, i64)> {
        Ok(self.conn.query_row(
            "SELECT (SELECT count(*) FROM events WHERE source_id = ?1),
                    (SELECT count(*) FROM tasks WHERE source_id = ?1)",
            [source_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }
}
