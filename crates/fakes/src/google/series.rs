//! Recurring series in the fake Google Calendar: a master event's
//! `recurrence` expanded into the instances Google lists for it.
//!
//! Google keeps a recurring event as one master: `recurrence` holds
//! iCalendar lines (`RRULE`, `EXDATE`, `RDATE`) and `start`/`end` the first
//! instance, with the `timeZone` the rule is expanded in (required for
//! recurring events). Each instance is an event of its own on the wire, with
//! `recurringEventId` (the master's id) and `originalStartTime` (where the
//! rule put it); a changed or cancelled instance is stored as an exception
//! under the id of the instance it replaces. Sources: Google's recurring
//! events guide (<https://developers.google.com/calendar/api/guides/recurringevents>)
//! and the `events.list` reference (API-NOTES §1, G1).
//!
//! Instance ids are the master's id, `_`, and the original start: in UTC as
//! `YYYYMMDDTHHMMSSZ` for a timed series, the date as `YYYYMMDD` for an
//! all-day one. Seen in real responses kept as test fixtures by Google
//! Calendar clients: `SwitchbackTech/compass`
//! `packages/core/src/__mocks__/v1/events/gcal/gcal.recurring.ts`
//! (`15chil19v5nskedvmo93ei4nl8_20250907T013000Z` for a 02:30 Africa/Lagos
//! start) and `gcal.cancelled.ts` (a cancelled instance: only `id`,
//! `status`, `recurringEventId`, `originalStartTime`), and
//! `pocket-barcelona/barcelona-api` `src/fixtures/recurringEvent.ts`
//! (`…_20240712` for an all-day series).
//!
//! How far a series without an end is expanded is not documented. A
//! touched weekly series delivered "about 700 instances reaching into 2040"
//! over a sync token, and one account's pages reached 2099
//! (<https://github.com/garrytan/gbrain/pull/5015>, 2026); Google's own editor
//! stops a series at 730 occurrences (⚠ third-party reports only:
//! <https://github.com/odoo/odoo/issues/41895>). The fake expands a series from
//! its start until its rule ends, 730 instances past "now", or the year 2100,
//! whichever comes first.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use rrule::RRuleSet;
use serde_json::{Map, Value, json};

/// Instances past "now" a series is expanded to at most.
pub const INSTANCES_AHEAD: usize = 730;

/// Occurrences of one series at most, past ones included (a guard against a
/// rule from long ago repeating every minute).
const MAX_OCCURRENCES: usize = 20_000;

/// No instance starts in the year 2100 or later.
fn horizon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The last expansion and the "now" it was made for.
type Expanded = Option<(DateTime<Utc>, Arc<[Occurrence]>)>;

/// A master's recurrence, read once when the master is stored.
#[derive(Debug)]
pub(crate) struct Series {
    first: First,
    /// The `recurrence` lines the expansion reads (`RRULE`, `EXDATE`, `RDATE`).
    lines: Vec<String>,
    /// The last expansion and the "now" it was made for: every page of every
    /// listing expands the series again, mostly at the same time.
    expanded: Mutex<Expanded>,
}

/// The first instance: where the rule starts and how long each instance lasts.
#[derive(Debug, Clone)]
enum First {
    /// A timed series; without a zone the rule runs on UTC.
    Timed {
        start: DateTime<Utc>,
        length: Duration,
        zone: Option<Tz>,
    },
    AllDay {
        start: NaiveDate,
        days: i64,
    },
}

/// One instance as the rule places it (before any exception).
#[derive(Debug, Clone)]
pub(crate) struct Occurrence {
    pub id: String,
    /// `originalStartTime`, which is also the instance's `start`.
    pub original: Value,
    pub end: Value,
    /// Start and end instants; all-day dates count as midnight UTC.
    pub span: (DateTime<Utc>, DateTime<Utc>),
}

impl Series {
    /// The series a master's body describes: `None` without a non-empty
    /// `recurrence` or a readable `start` and `end`.
    pub fn of(body: &Value) -> Option<Series> {
        let lines: Vec<String> = body
            .get("recurrence")?
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .filter(|l| {
                // The rrule crate panics on non-ASCII text; Google refuses it anyway.
                l.is_ascii() && {
                    let name = l.split([':', ';']).next().unwrap_or("");
                    ["RRULE", "EXDATE", "RDATE"]
                        .iter()
                        .any(|n| name.eq_ignore_ascii_case(n))
                }
            })
            .map(str::to_owned)
            .collect();
        if lines.is_empty() {
            return None;
        }
        let (start, end) = (body.get("start")?, body.get("end")?);
        let first = match (start.get("date"), end.get("date")) {
            (Some(s), Some(e)) => {
                let s = date(s.as_str()?)?;
                let e = date(e.as_str()?)?;
                First::AllDay {
                    start: s,
                    days: (e - s).num_days().max(1),
                }
            }
            _ => {
                let s = instant(start.get("dateTime")?.as_str()?)?;
                let e = instant(end.get("dateTime")?.as_str()?)?;
                let zone = start
                    .get("timeZone")
                    .and_then(Value::as_str)
                    .and_then(|z| z.parse::<Tz>().ok());
                First::Timed {
                    start: s,
                    length: (e - s).max(Duration::zero()),
                    zone,
                }
            }
        };
        Some(Series {
            first,
            lines,
            expanded: Mutex::new(None),
        })
    }

    /// Every instance of the series in time order, from its first to where
    /// the expansion stops (see the module doc), given what time it is. A
    /// rule the expander cannot read gives the first instance only.
    /// The master's id must be the same on every call.
    pub fn occurrences(&self, master_id: &str, now: DateTime<Utc>) -> Arc<[Occurrence]> {
        let mut cached = self.expanded.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((at, occurrences)) = cached.as_ref()
            && *at == now
        {
            return occurrences.clone();
        }
        let starts = self.starts(now).unwrap_or_else(|| vec![self.first_start()]);
        let occurrences: Arc<[Occurrence]> = starts
            .into_iter()
            .map(|t| self.occurrence(master_id, t))
            .collect();
        *cached = Some((now, occurrences.clone()));
        occurrences
    }

    /// The ids of every instance, for finding what a change removed.
    pub fn ids(&self, master_id: &str, now: DateTime<Utc>) -> BTreeSet<String> {
        self.occurrences(master_id, now)
            .iter()
            .map(|o| o.id.clone())
            .collect()
    }

    fn first_start(&self) -> DateTime<Utc> {
        match self.first {
            First::Timed { start, .. } => start,
            First::AllDay { start, .. } => midnight(start),
        }
    }

    /// Start instants (all-day: midnight UTC of the date) the rule gives.
    fn starts(&self, now: DateTime<Utc>) -> Option<Vec<DateTime<Utc>>> {
        let mut text = match &self.first {
            First::Timed {
                start,
                zone: Some(zone),
                ..
            } => format!(
                "DTSTART;TZID={}:{}",
                zone.name(),
                start.with_timezone(zone).format("%Y%m%dT%H%M%S")
            ),
            First::Timed { start, .. } => format!("DTSTART:{}", start.format("%Y%m%dT%H%M%SZ")),
            First::AllDay { start, .. } => format!("DTSTART:{}T000000Z", start.format("%Y%m%d")),
        };
        let all_day = matches!(self.first, First::AllDay { .. });
        for line in &self.lines {
            text.push('\n');
            if all_day {
                text.push_str(&dates_as_utc_midnights(line));
            } else {
                text.push_str(line);
            }
        }
        let set: RRuleSet = text.parse().ok()?;
        let end = horizon();
        let mut out = Vec::new();
        let mut ahead = 0;
        for t in &set {
            let t = t.with_timezone(&Utc);
            if t >= end || out.len() >= MAX_OCCURRENCES {
                break;
            }
            if t > now {
                ahead += 1;
                if ahead > INSTANCES_AHEAD {
                    break;
                }
            }
            out.push(t);
        }
        Some(out)
    }

    fn occurrence(&self, master_id: &str, t: DateTime<Utc>) -> Occurrence {
        match &self.first {
            First::Timed { length, zone, .. } => {
                let end = t + *length;
                Occurrence {
                    id: format!("{master_id}_{}", t.format("%Y%m%dT%H%M%SZ")),
                    original: timed_json(t, *zone),
                    end: timed_json(end, *zone),
                    span: (t, end),
                }
            }
            First::AllDay { days, .. } => {
                let day = t.date_naive();
                let last = day + Duration::days(*days);
                Occurrence {
                    id: format!("{master_id}_{}", day.format("%Y%m%d")),
                    original: json!({ "date": day.to_string() }),
                    end: json!({ "date": last.to_string() }),
                    span: (midnight(day), midnight(last)),
                }
            }
        }
    }
}

/// The id Google gives the instance of `master_id` that the rule placed at
/// `original` (an `originalStartTime`): `None` when it cannot be read.
pub fn instance_id(master_id: &str, original: &Value) -> Option<String> {
    if let Some(t) = original.get("dateTime").and_then(Value::as_str) {
        let t = instant(t)?;
        return Some(format!("{master_id}_{}", t.format("%Y%m%dT%H%M%SZ")));
    }
    let d = date(original.get("date")?.as_str()?)?;
    Some(format!("{master_id}_{}", d.format("%Y%m%d")))
}

/// An instance as Google lists it: the master's fields without
/// `recurrence`, with the instance's id, times, `recurringEventId`,
/// `originalStartTime` and its own `htmlLink`.
pub(crate) fn instance_body(
    master: &Value,
    master_id: &str,
    o: &Occurrence,
    link: String,
) -> Value {
    let mut m = match master {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    m.remove("recurrence");
    m.insert("id".into(), json!(o.id));
    m.insert("htmlLink".into(), json!(link));
    m.insert("recurringEventId".into(), json!(master_id));
    m.insert("originalStartTime".into(), o.original.clone());
    m.insert("start".into(), o.original.clone());
    m.insert("end".into(), o.end.clone());
    Value::Object(m)
}

/// A cancelled instance as Google sends it: only what identifies it.
pub(crate) fn cancelled_instance(etag: &str, master_id: &str, id: &str, original: &Value) -> Value {
    json!({
        "kind": "calendar#event",
        "etag": etag,
        "id": id,
        "status": "cancelled",
        "recurringEventId": master_id,
        "originalStartTime": original,
    })
}

fn timed_json(t: DateTime<Utc>, zone: Option<Tz>) -> Value {
    match zone {
        Some(z) => json!({
            "dateTime": t.with_timezone(&z).to_rfc3339_opts(SecondsFormat::Secs, true),
            "timeZone": z.name(),
        }),
        None => json!({ "dateTime": t.to_rfc3339_opts(SecondsFormat::Secs, true) }),
    }
}

/// An all-day series' line with its dates (`20260316`, `UNTIL=20260501`)
/// written as UTC midnights, so the rule, its exceptions and its end are
/// compared on one clock whatever zone the machine is in.
fn dates_as_utc_midnights(line: &str) -> String {
    let Some((head, value)) = line.split_once(':') else {
        return line.to_owned();
    };
    let name = head.split(';').next().unwrap_or(head);
    if name.eq_ignore_ascii_case("RRULE") {
        let parts: Vec<String> = value
            .split(';')
            .map(|p| match p.split_once('=') {
                Some((k, v)) if k.eq_ignore_ascii_case("UNTIL") && is_date(v) => {
                    format!("{k}={v}T000000Z")
                }
                _ => p.to_owned(),
            })
            .collect();
        return format!("{head}:{}", parts.join(";"));
    }
    let values: Vec<String> = value
        .split(',')
        .map(|v| {
            if is_date(v) {
                format!("{v}T000000Z")
            } else {
                v.to_owned()
            }
        })
        .collect();
    format!("{name}:{}", values.join(","))
}

fn is_date(v: &str) -> bool {
    v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit())
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(chrono::NaiveTime::MIN).and_utc()
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        instant(s).unwrap_or_default()
    }

    #[test]
    fn a_weekday_series_in_berlin_keeps_its_local_time_across_dst() {
        let master = json!({
            "start": {"dateTime": "2026-03-23T09:30:00+01:00", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": "2026-03-23T09:45:00+01:00", "timeZone": "Europe/Berlin"},
            "recurrence": ["RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=6",
                           "EXDATE;TZID=Europe/Berlin:20260325T093000"],
        });
        let s = Series::of(&master).expect("a series");
        let occ = s.occurrences("abc", at("2026-03-01T00:00:00Z"));
        let ids: Vec<&str> = occ.iter().map(|o| o.id.as_str()).collect();
        // Six by COUNT, one taken out by EXDATE; after 29 March Berlin is UTC+2.
        assert_eq!(
            ids,
            [
                "abc_20260323T083000Z",
                "abc_20260324T083000Z",
                "abc_20260326T083000Z",
                "abc_20260327T083000Z",
                "abc_20260330T073000Z",
            ]
        );
        assert_eq!(
            occ[4].original,
            json!({"dateTime": "2026-03-30T09:30:00+02:00", "timeZone": "Europe/Berlin"})
        );
        assert_eq!(occ[4].end["dateTime"], "2026-03-30T09:45:00+02:00");
    }

    #[test]
    fn all_day_series_use_dates_and_rdates_add_instances() {
        let master = json!({
            "start": {"date": "2026-05-01"}, "end": {"date": "2026-05-02"},
            "recurrence": ["RRULE:FREQ=WEEKLY;UNTIL=20260515", "EXDATE;VALUE=DATE:20260508",
                           "RDATE;VALUE=DATE:20260520"],
        });
        let s = Series::of(&master).expect("a series");
        let occ = s.occurrences("bday", at("2026-01-01T00:00:00Z"));
        let ids: Vec<&str> = occ.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["bday_20260501", "bday_20260515", "bday_20260520"]);
        assert_eq!(occ[1].end, json!({"date": "2026-05-16"}));
        assert_eq!(
            instance_id("bday", &json!({"date": "2026-05-15"})).as_deref(),
            Some("bday_20260515")
        );
    }

    #[test]
    fn an_endless_series_stops_730_instances_past_now() {
        let master = json!({
            "start": {"dateTime": "2026-01-05T15:00:00Z", "timeZone": "UTC"},
            "end": {"dateTime": "2026-01-05T15:30:00Z", "timeZone": "UTC"},
            "recurrence": ["RRULE:FREQ=WEEKLY"],
        });
        let s = Series::of(&master).expect("a series");
        let now = at("2026-03-02T08:00:00Z");
        let occ = s.occurrences("w", now);
        let ahead = occ.iter().filter(|o| o.span.0 > now).count();
        assert_eq!(ahead, INSTANCES_AHEAD);
        assert_eq!(occ.len(), 8 + INSTANCES_AHEAD, "eight weeks before now");
        assert!(
            occ.last()
                .is_some_and(|o| o.span.0.format("%Y").to_string() == "2040")
        );
    }

    #[test]
    fn a_master_without_a_recurrence_is_no_series() {
        assert!(
            Series::of(&json!({"start": {"date": "2026-05-01"}, "end": {"date": "2026-05-02"}}))
                .is_none()
        );
        assert!(Series::of(&json!({"recurrence": ["RRULE:FREQ=DAILY"]})).is_none());
        assert!(
            Series::of(&json!({"recurrence": [],
            "start": {"date": "2026-05-01"}, "end": {"date": "2026-05-02"}}))
            .is_none()
        );
    }
}
