//! Flat rows for spreadsheets and scripts: one per event occurrence and per
//! completed task over a range of weeks, written as CSV or JSON.
//!
//! The columns and the JSON schema are documented in `docs/export-formats.md`.
//! CSV is RFC 4180 (fields with commas, quotes or line breaks are quoted,
//! quotes doubled, CRLF line ends), UTF-8 with a header row. Text a
//! spreadsheet could take for a formula (a leading `=`, `+`, `-`, `@`, tab or
//! carriage return) gets a `'` in front, as OWASP recommends against CSV
//! injection; JSON keeps text as it is.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use serde::Serialize;

use super::ExportError;
use super::vault::week_range;
use crate::Store;
use crate::settings::Settings;
use crate::week::{Bound, EventItem, Week, WeekKey};

/// The version of the row format, carried in the JSON document.
pub const SCHEMA_VERSION: u32 = 1;

/// The CSV header, in column order.
pub const COLUMNS: [&str; 14] = [
    "week",
    "date",
    "type",
    "start",
    "end",
    "duration_minutes",
    "title",
    "source",
    "category",
    "counted",
    "response",
    "kind",
    "link",
    "id",
];

/// One event occurrence or completed task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// `2026-W47`: the week the item is listed in (an event that spans two
    /// weeks is listed once, in the first).
    pub week: String,
    /// Local date the event starts (or the week's first day, if it began
    /// earlier) or the task was completed, `YYYY-MM-DD`.
    pub date: String,
    /// `event` or `task`.
    #[serde(rename = "type")]
    pub item_type: &'static str,
    /// Local start: RFC 3339 with offset for timed events, a date for
    /// all-day events, the completion instant for tasks (taken from the
    /// week model's typed values, so seconds and the offset in a repeated
    /// hour are kept).
    pub start: Bound,
    /// Local end (exclusive date for all-day events), empty for tasks.
    pub end: Option<Bound>,
    /// Length in minutes; 0 for all-day events and tasks.
    pub duration_minutes: i64,
    pub title: String,
    /// The calendar's or project's name.
    pub source: String,
    /// `meetings`, `focus`, `personal`, `other`; empty for tasks, day notes
    /// and excluded events.
    pub category: Option<&'static str>,
    /// Whether the event's time counts in the totals (tasks: false).
    pub counted: bool,
    /// `accepted`, `declined`, `tentative`, `needs_action`.
    pub response: Option<&'static str>,
    /// Event kind (`default`, `focus_time`, `out_of_office`, …), empty for tasks.
    pub kind: Option<&'static str>,
    /// The item at its provider (`http(s)` only).
    pub link: Option<String>,
    /// Vica's id of the event or task.
    pub id: i64,
}

/// Rows for the weeks `weeks` (both ends included), in week and day order:
/// each day's all-day events, timed events, then completed tasks.
pub fn rows(
    store: &Store,
    settings: &Settings,
    weeks: RangeInclusive<WeekKey>,
) -> Result<Vec<Row>, ExportError> {
    let mut out = Vec::new();
    let mut seen_events = BTreeSet::new();
    for key in week_range(weeks)? {
        let week = Week::load(store, key, settings)?;
        week_rows(&week, &mut seen_events, &mut out);
    }
    Ok(out)
}

fn week_rows(week: &Week, seen: &mut BTreeSet<i64>, out: &mut Vec<Row>) {
    let key = week.key.to_string();
    for day in &week.days {
        for e in day.all_day.iter().chain(&day.events) {
            if seen.insert(e.id) {
                out.push(event_row(&key, &day.date.to_string(), e));
            }
        }
        for t in &day.tasks {
            out.push(Row {
                week: key.clone(),
                date: day.date.to_string(),
                item_type: "task",
                // A task listed on a day was completed then; the date is a fallback only.
                start: t.completed_at.map_or(Bound::Date(day.date), Bound::At),
                end: None,
                duration_minutes: 0,
                title: t.content.clone(),
                source: t.project.clone(),
                category: None,
                counted: false,
                response: None,
                kind: None,
                link: t.link.clone(),
                id: t.id,
            });
        }
    }
}

fn event_row(week: &str, date: &str, e: &EventItem) -> Row {
    Row {
        week: week.to_owned(),
        date: date.to_owned(),
        item_type: "event",
        start: e.starts,
        end: Some(e.ends),
        duration_minutes: e.minutes,
        title: e.title.clone(),
        source: e.source.clone(),
        category: e.category.map(|c| c.as_str()),
        counted: e.counted,
        response: e.response.map(|r| r.as_str()),
        kind: Some(e.kind.as_str()),
        link: e.link.clone(),
        id: e.id,
    }
}

/// Prefixes text a spreadsheet would read as a formula with `'`.
pub fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The rows as RFC 4180 CSV with a header row.
pub fn to_csv(rows: &[Row]) -> Result<String, ExportError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let csv_err = |e: csv::Error| ExportError::Rows(e.to_string());
    w.write_record(COLUMNS).map_err(csv_err)?;
    for r in rows {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        w.write_record([
            r.week.clone(),
            r.date.clone(),
            r.item_type.to_owned(),
            r.start.to_string(),
            r.end.map(|e| e.to_string()).unwrap_or_default(),
            r.duration_minutes.to_string(),
            defuse(&r.title),
            defuse(&r.source),
            r.category.unwrap_or_default().to_owned(),
            if r.counted { "yes" } else { "no" }.to_owned(),
            r.response.unwrap_or_default().to_owned(),
            r.kind.unwrap_or_default().to_owned(),
            defuse(&opt(&r.link)),
            r.id.to_string(),
        ])
        .map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ExportError::Rows(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ExportError::Rows(e.to_string()))
}

/// The JSON document: `{schema, from, to, rows}` (see `docs/export-formats.md`).
#[derive(Debug, Clone, Serialize)]
pub struct RowsDocument<'a> {
    /// `vica-rows/1`.
    pub schema: String,
    pub from: String,
    pub to: String,
    pub rows: &'a [Row],
}

/// The rows as a pretty-printed JSON document.
pub fn to_json(rows: &[Row], from: WeekKey, to: WeekKey) -> Result<String, ExportError> {
    let doc = RowsDocument {
        schema: format!("vica-rows/{SCHEMA_VERSION}"),
        from: from.to_string(),
        to: to.to_string(),
        rows,
    };
    serde_json::to_string_pretty(&doc).map_err(|e| ExportError::Rows(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_defused_and_other_text_is_kept() {
        for bad in ["=1+2", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"] {
            assert_eq!(defuse(bad), format!("'{bad}"));
        }
        for ok in ["Standup", " =not first", "", "1:1 with Sam", "'quoted"] {
            assert_eq!(defuse(ok), ok);
        }
    }
}
