//! Where a week's history may be incomplete: the days a provider's log no
//! longer reached back to when Vica synced.
//!
//! Todoist's recurring completions are only in its activity log, which keeps
//! as many days as the account's plan allows (a week on the free plan). Each
//! listing records the span of history it asked for and the span it could
//! read in full ([`crate::model::HistorySpan`], written with the page). A
//! moment asked for and never read, by any listing, is a gap: completions
//! from then may be missing. The week model turns a week's gaps into notes,
//! one per account and run of days, that the week view, `vica week` and the
//! Markdown export show.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use crate::Result;
use crate::model::{HistorySpan, Provider, Source};
use crate::store::Store;

/// Days of a week for which an account's history could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct HistoryGap {
    pub account_id: i64,
    /// "Todoist".
    pub provider: String,
    /// The projects or calendars concerned, by name (provider text).
    pub sources: Vec<String>,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// One sentence for the review, without provider text: "Recurring tasks
    /// completed on Mon 2 Mar may be missing: Todoist no longer had that
    /// activity when Vica synced."
    pub message: String,
}

/// The gaps of a week whose local days are `days` and whose day boundaries
/// are `bounds` (eight instants: each day's start and the end of the last).
pub fn week_gaps(
    store: &Store,
    sources: &BTreeMap<i64, Source>,
    days: &[NaiveDate; 7],
    bounds: &[DateTime<Utc>; 8],
) -> Result<Vec<HistoryGap>> {
    let spans = store.history_spans_overlapping(bounds[0], bounds[7])?;
    if spans.is_empty() {
        return Ok(Vec::new());
    }
    let providers: BTreeMap<i64, Provider> = store
        .accounts()?
        .into_iter()
        .map(|a| (a.id, a.provider))
        .collect();
    let mut by_source: BTreeMap<i64, Vec<HistorySpan>> = BTreeMap::new();
    for (source_id, span) in spans {
        by_source.entry(source_id).or_default().push(span);
    }
    // Per account: which days are missing, and for which sources.
    let mut by_account: BTreeMap<i64, [Vec<String>; 7]> = BTreeMap::new();
    for (source_id, spans) in &by_source {
        let Some(source) = sources.get(source_id) else {
            continue;
        };
        let missing = unread(spans);
        for (i, day) in bounds.windows(2).enumerate() {
            if missing.iter().any(|(s, e)| *s < day[1] && *e > day[0]) {
                by_account.entry(source.account_id).or_default()[i].push(source.name.clone());
            }
        }
    }
    let mut gaps = Vec::new();
    for (account_id, names) in by_account {
        let provider = providers
            .get(&account_id)
            .copied()
            .unwrap_or(Provider::Todoist);
        let mut i = 0;
        while i < 7 {
            if names[i].is_empty() {
                i += 1;
                continue;
            }
            let first = i;
            while i + 1 < 7 && !names[i + 1].is_empty() {
                i += 1;
            }
            let mut concerned: Vec<String> = names[first..=i].concat();
            concerned.sort();
            concerned.dedup();
            gaps.push(HistoryGap {
                account_id,
                provider: provider.display_name().to_owned(),
                sources: concerned,
                first_day: days[first],
                last_day: days[i],
                message: message(provider, days[first], days[i]),
            });
            i += 1;
        }
    }
    Ok(gaps)
}

/// What was asked for and never read: the asked spans less the read ones.
fn unread(spans: &[HistorySpan]) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut read: Vec<(DateTime<Utc>, DateTime<Utc>)> = spans
        .iter()
        .filter(|s| s.read)
        .map(|s| (s.start, s.end))
        .collect();
    read.sort();
    let mut missing = Vec::new();
    for asked in spans.iter().filter(|s| !s.read) {
        let mut from = asked.start;
        for (s, e) in &read {
            if *e <= from || *s >= asked.end {
                continue;
            }
            if *s > from {
                missing.push((from, *s));
            }
            from = from.max(*e);
        }
        if from < asked.end {
            missing.push((from, asked.end));
        }
    }
    missing
}

/// "on Mon 2 Mar", "from Mon 2 to Wed 4 Mar", "from Sat 28 Feb to Mon 2 Mar".
fn days_text(first: NaiveDate, last: NaiveDate) -> String {
    if first == last {
        format!("on {}", first.format("%a %-d %b"))
    } else if first.month() == last.month() {
        format!(
            "from {} to {}",
            first.format("%a %-d"),
            last.format("%a %-d %b")
        )
    } else {
        format!(
            "from {} to {}",
            first.format("%a %-d %b"),
            last.format("%a %-d %b")
        )
    }
}

fn message(provider: Provider, first: NaiveDate, last: NaiveDate) -> String {
    let days = days_text(first, last);
    match provider {
        Provider::Todoist => format!(
            "Recurring tasks completed {days} may be missing: Todoist no longer had that activity when Vica synced."
        ),
        other => format!(
            "Items {days} may be missing: {} no longer had that history when Vica synced.",
            other.display_name()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn span(start: &str, end: &str, read: bool) -> HistorySpan {
        HistorySpan {
            start: t(start),
            end: t(end),
            read,
        }
    }

    #[test]
    fn what_was_asked_for_and_never_read_is_missing() {
        let spans = [
            span("2026-03-01T00:00:00Z", "2026-03-20T00:00:00Z", false),
            span("2026-03-03T00:00:00Z", "2026-03-05T00:00:00Z", true),
            span("2026-03-04T00:00:00Z", "2026-03-08T00:00:00Z", true),
            span("2026-03-12T00:00:00Z", "2026-03-25T00:00:00Z", true),
        ];
        assert_eq!(
            unread(&spans),
            [
                (t("2026-03-01T00:00:00Z"), t("2026-03-03T00:00:00Z")),
                (t("2026-03-08T00:00:00Z"), t("2026-03-12T00:00:00Z")),
            ]
        );
        // Read in full: nothing missing; nothing asked: nothing missing.
        let whole = [
            span("2026-03-01T00:00:00Z", "2026-03-20T00:00:00Z", false),
            span("2026-02-01T00:00:00Z", "2026-04-01T00:00:00Z", true),
        ];
        assert!(unread(&whole).is_empty());
        assert!(unread(&whole[1..]).is_empty());
    }

    #[test]
    fn messages_name_the_days() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap_or_default();
        assert_eq!(
            message(Provider::Todoist, d("2026-03-02"), d("2026-03-02")),
            "Recurring tasks completed on Mon 2 Mar may be missing: Todoist no longer had that activity when Vica synced."
        );
        assert_eq!(
            days_text(d("2026-03-02"), d("2026-03-04")),
            "from Mon 2 to Wed 4 Mar"
        );
        assert_eq!(
            days_text(d("2026-02-28"), d("2026-03-02")),
            "from Sat 28 Feb to Mon 2 Mar"
        );
    }
}
