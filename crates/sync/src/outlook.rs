//! Microsoft Outlook calendars through Microsoft Graph v1.0.
//!
//! Sources come from `GET /me/calendars` (name, colour, owner, default);
//! `GET /me` names the user, to tell their own calendars and their own
//! attendance apart. Events come from the calendar view delta
//! `GET /me/calendars/{id}/calendarView/delta?startDateTime=&endDateTime=`
//! with `Prefer: odata.maxpagesize=…`, `outlook.timezone="UTC"` and
//! `outlook.body-content-type="text"`. Pages follow `@odata.nextLink`; the
//! last page's `@odata.deltaLink` is the cursor, and following it later
//! returns only what changed. Entries with `@removed` and cancelled meetings
//! (`isCancelled`) delete locally; a removal of something never stored (Graph
//! also reports changes outside the window that way) deletes nothing.
//!
//! A delta link the server rejects (`410`, or `400 syncStateNotFound`) makes
//! the engine start a full listing of the calendar. A delta link is bound to
//! the window it started with, so once the sync window has drifted by more
//! than [`OutlookConfig::relist_after`] the next sync lists the new window
//! afresh (which also reconciles deletions Graph never reported, pitfall 6).
//! Occurrences that arrive with only `id`, `seriesMasterId`, `type`, `start`
//! and `end` (pitfall 4) are completed from their series master
//! (`GET /me/events/{id}`).
//!
//! The cursor (a Graph link) and every link followed must be on the
//! configured base URL's origin: the bearer token never leaves it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use reqwest::Url;
use serde::Deserialize;
use serde_json::Value;
use vica_core::model::{
    EventKind, EventRecord, EventStatus, EventTime, Response, ShowAs, Source, SourceKind,
    SourceRecord,
};

use crate::error::{Result, SyncError};
use crate::http::{RetryPolicy, TokenSource, Transport};
use crate::provider::{Fetched, Next, Provider, Window};

const NAME: &str = "Microsoft Outlook";

/// Microsoft Graph's base URL.
pub const DEFAULT_BASE_URL: &str = "https://graph.microsoft.com/v1.0";

/// Vica's colours for Graph's `calendarColor` names, used when `hexColor` is
/// empty. Microsoft names the colours without publishing their values; these
/// are close to Outlook's swatches. `auto` has no colour of its own.
pub const CALENDAR_COLORS: [(&str, &str); 9] = [
    ("lightBlue", "#4f8fd8"),
    ("lightGreen", "#5aa454"),
    ("lightOrange", "#e8833a"),
    ("lightGray", "#8e8e93"),
    ("lightYellow", "#e0b400"),
    ("lightTeal", "#2aa5a0"),
    ("lightPink", "#d9669f"),
    ("lightBrown", "#a0734e"),
    ("lightRed", "#d64545"),
];

/// How to reach Microsoft Graph.
#[derive(Debug, Clone)]
pub struct OutlookConfig {
    /// `https://graph.microsoft.com/v1.0`, or a local fake's.
    pub base_url: Url,
    /// `Prefer: odata.maxpagesize` for delta pages.
    pub page_size: u32,
    /// How far the sync window may drift from the one a delta link was
    /// started with before the next sync lists the current window afresh.
    pub relist_after: chrono::Duration,
    pub retry: RetryPolicy,
}

impl OutlookConfig {
    pub fn new(base_url: &str) -> Result<OutlookConfig> {
        let base_url = Url::parse(base_url.trim_end_matches('/')).map_err(|e| SyncError::Http {
            provider: NAME,
            status: 0,
            message: format!("invalid base URL: {e}"),
        })?;
        Ok(OutlookConfig {
            base_url,
            page_size: 100,
            relist_after: chrono::Duration::days(7),
            retry: RetryPolicy::default(),
        })
    }
}

/// An Outlook client for one Microsoft account.
pub struct Outlook {
    config: OutlookConfig,
    transport: Transport,
    /// The user's address, lower case, once `GET /me` has answered.
    me: Mutex<Option<String>>,
}

impl Outlook {
    pub fn new(config: OutlookConfig, tokens: Arc<dyn TokenSource>) -> Result<Outlook> {
        let transport = Transport::new(NAME, tokens, config.retry)?;
        Ok(Outlook {
            config,
            transport,
            me: Mutex::new(None),
        })
    }

    fn url(&self, segments: &[&str]) -> Result<Url> {
        let mut url = self.config.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| malformed("the base URL cannot take a path"))?
            .extend(segments);
        Ok(url)
    }

    /// A link Graph handed out (or a stored cursor), if it points into the base URL.
    fn link(&self, link: &str) -> Option<Url> {
        let url = Url::parse(link).ok()?;
        let base = &self.config.base_url;
        (url.origin() == base.origin() && url.path().starts_with(base.path())).then_some(url)
    }

    fn prefer(&self) -> String {
        format!(
            "odata.maxpagesize={}, outlook.timezone=\"UTC\", outlook.body-content-type=\"text\"",
            self.config.page_size.max(1)
        )
    }

    /// The signed-in user's address (lower case), asked once.
    async fn me(&self) -> Result<String> {
        if let Some(me) = self.me.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return Ok(me);
        }
        let body = self.transport.get_json(&self.url(&["me"])?, &[]).await?;
        let me = body
            .get("mail")
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty())
            .or_else(|| body.get("userPrincipalName").and_then(Value::as_str))
            .unwrap_or_default()
            .to_lowercase();
        *self.me.lock().unwrap_or_else(|e| e.into_inner()) = Some(me.clone());
        Ok(me)
    }

    /// The first delta request of a round over `window`.
    fn initial(&self, calendar: &str, window: Window) -> Result<Url> {
        let mut url = self.url(&["me", "calendars", calendar, "calendarView", "delta"])?;
        url.query_pairs_mut()
            .append_pair(
                "startDateTime",
                &window.start.to_rfc3339_opts(SecondsFormat::Secs, true),
            )
            .append_pair(
                "endDateTime",
                &window.end.to_rfc3339_opts(SecondsFormat::Secs, true),
            );
        Ok(url)
    }

    /// Completes occurrences that came without their series' fields.
    async fn fill_sparse(&self, items: &mut [Value]) -> Result<()> {
        let mut masters: HashMap<String, Option<Value>> = HashMap::new();
        let prefer = self.prefer();
        for item in items.iter_mut().filter(|i| is_sparse(i)) {
            let Some(master_id) = item
                .get("seriesMasterId")
                .and_then(Value::as_str)
                .map(str::to_owned)
            else {
                continue;
            };
            if !masters.contains_key(&master_id) {
                let url = self.url(&["me", "events", &master_id])?;
                let master = match self
                    .transport
                    .get_json(&url, &[("Prefer", prefer.as_str())])
                    .await
                {
                    Ok(m) => Some(m),
                    Err(SyncError::SourceGone { .. }) => None,
                    Err(e) => return Err(e),
                };
                masters.insert(master_id.clone(), master);
            }
            if let Some(Some(master)) = masters.get(&master_id) {
                *item = merge_occurrence(master, item);
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Provider for Outlook {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn list_sources(&self) -> Result<Vec<SourceRecord>> {
        let me = self.me().await?;
        let mut sources = Vec::new();
        let mut url = self.url(&["me", "calendars"])?;
        url.query_pairs_mut().append_pair("$top", "100");
        loop {
            let body = self.transport.get_json(&url, &[]).await?;
            let items = body
                .get("value")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            sources.extend(items.iter().filter_map(|c| calendar_entry(c, &me)));
            match body.get("@odata.nextLink").and_then(Value::as_str) {
                Some(next) => {
                    url = self
                        .link(next)
                        .ok_or_else(|| malformed("a next link points outside Graph"))?;
                }
                None => break,
            }
        }
        Ok(sources)
    }

    async fn fetch(
        &self,
        source: &Source,
        cursor: Option<&str>,
        window: Window,
    ) -> Result<Fetched> {
        let me = self.me().await?;
        let url = match cursor {
            None => self.initial(&source.provider_id, window)?,
            // A stored link we cannot follow: start over.
            Some(c) => self
                .link(c)
                .ok_or(SyncError::CursorExpired { provider: NAME })?,
        };
        let prefer = self.prefer();
        let body = match self
            .transport
            .get_json(&url, &[("Prefer", prefer.as_str())])
            .await
        {
            Ok(b) => b,
            Err(SyncError::SourceGone { .. }) => {
                return Err(SyncError::SourceGone {
                    provider: NAME,
                    what: "calendar",
                });
            }
            // A link Graph no longer accepts (`syncStateNotFound` comes as 400 or 410).
            Err(SyncError::Http { status: 400, .. }) if cursor.is_some() => {
                return Err(SyncError::CursorExpired { provider: NAME });
            }
            Err(e) => return Err(e),
        };
        let next = if let Some(link) = body.get("@odata.nextLink").and_then(Value::as_str) {
            self.link(link)
                .ok_or_else(|| malformed("a next link points outside Graph"))?;
            Next::More(link.to_owned())
        } else if let Some(link) = body.get("@odata.deltaLink").and_then(Value::as_str) {
            self.link(link)
                .ok_or_else(|| malformed("a delta link points outside Graph"))?;
            Next::Done(link.to_owned())
        } else {
            return Err(malformed(
                "the page has neither @odata.nextLink nor @odata.deltaLink",
            ));
        };
        let mut items = match body.get("value") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(_) => return Err(malformed("value is not a list")),
        };
        self.fill_sparse(&mut items).await?;
        Ok(map_page(&items, &me, next))
    }

    fn relist(&self, _cursor: &str, listed: Window, window: Window) -> Option<Window> {
        let drift = (window.start - listed.start)
            .abs()
            .max((window.end - listed.end).abs());
        (drift > self.config.relist_after).then_some(window)
    }
}

/// An occurrence without a subject: Graph left the series' fields on the master.
fn is_sparse(item: &Value) -> bool {
    item.get("@removed").is_none()
        && item.get("subject").is_none()
        && item.get("seriesMasterId").and_then(Value::as_str).is_some()
}

/// The master's fields with the occurrence's own (id, times, type…) on top.
fn merge_occurrence(master: &Value, occurrence: &Value) -> Value {
    let mut merged = master.clone();
    if let (Some(m), Some(o)) = (merged.as_object_mut(), occurrence.as_object()) {
        m.remove("recurrence");
        for (k, v) in o {
            m.insert(k.clone(), v.clone());
        }
    }
    merged
}

/// Maps one delta page.
fn map_page(items: &[Value], me: &str, next: Next) -> Fetched {
    let mut fetched = Fetched::new(next);
    for (i, item) in items.iter().enumerate() {
        let Some(id) = item
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        else {
            fetched.rejected.push((format!("item {i}"), "no id".into()));
            continue;
        };
        if item.get("@removed").is_some() || item.get("isCancelled") == Some(&Value::Bool(true)) {
            fetched.deleted_events.push(id.to_owned());
            continue;
        }
        match item.get("type").and_then(Value::as_str) {
            // A calendar view lists instances; a master is not one.
            Some("seriesMaster") => continue,
            _ if is_sparse(item) => {
                fetched
                    .rejected
                    .push((id.to_owned(), "its series master is gone".into()));
                continue;
            }
            _ => {}
        }
        match event(item, me) {
            Ok(e) => fetched.events.push(e),
            Err(reason) => fetched.rejected.push((id.to_owned(), reason)),
        }
    }
    fetched
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GEvent {
    id: String,
    subject: Option<String>,
    body_preview: Option<String>,
    body: Option<GBody>,
    location: Option<GLocation>,
    start: Option<GTime>,
    end: Option<GTime>,
    #[serde(default)]
    is_all_day: bool,
    show_as: Option<String>,
    #[serde(default)]
    is_organizer: bool,
    response_status: Option<GResponse>,
    #[serde(default)]
    attendees: Vec<GAttendee>,
    series_master_id: Option<String>,
    web_link: Option<String>,
    last_modified_date_time: Option<String>,
    original_start_time_zone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GBody {
    content_type: Option<String>,
    content: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GLocation {
    display_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GTime {
    date_time: String,
    time_zone: Option<String>,
}

#[derive(Deserialize)]
struct GResponse {
    response: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GAttendee {
    #[serde(rename = "type")]
    kind: Option<String>,
    email_address: Option<GAddress>,
}

#[derive(Deserialize)]
struct GAddress {
    address: Option<String>,
}

/// Maps one Graph event, or says why it cannot be read.
fn event(item: &Value, me: &str) -> Result<EventRecord, String> {
    let e: GEvent =
        serde_json::from_value(item.clone()).map_err(|e| format!("unexpected shape: {e}"))?;
    let (start, end) = match (e.start, e.end) {
        (Some(s), Some(e)) => (s, e),
        _ => return Err("missing start or end".into()),
    };
    let time = if e.is_all_day {
        // All-day events are floating dates: midnight to midnight, end exclusive.
        EventTime::AllDay {
            start: local(&start.date_time)?.date(),
            end: local(&end.date_time)?.date(),
        }
    } else {
        EventTime::Timed {
            start: instant(&start)?,
            end: instant(&end)?,
        }
    };
    // Graph writes responseType values in lowerCamel on the wire; the docs list them capitalised.
    let response = e
        .response_status
        .and_then(|r| r.response)
        .map(|r| r.to_ascii_lowercase());
    let my_response = match response.as_deref() {
        None | Some("none") => None,
        Some("accepted" | "organizer") => Some(Response::Accepted),
        Some("tentativelyaccepted") => Some(Response::Tentative),
        Some("declined") => Some(Response::Declined),
        Some("notresponded") => Some(Response::NeedsAction),
        Some(other) => return Err(format!("unknown response {other:?}")),
    };
    let status = match e.show_as.as_deref() {
        Some("tentative") => EventStatus::Tentative,
        _ => EventStatus::Confirmed,
    };
    let show_as = match e.show_as.as_deref() {
        None | Some("busy") => ShowAs::Busy,
        Some("free") => ShowAs::Free,
        Some("tentative") => ShowAs::Tentative,
        Some("oof") => ShowAs::OutOfOffice,
        Some("workingElsewhere") => ShowAs::WorkingElsewhere,
        Some(_) => ShowAs::Unknown,
    };

    let attendee_count = e
        .attendees
        .iter()
        .filter(|a| a.kind.as_deref() != Some("resource"))
        .filter(|a| {
            a.email_address
                .as_ref()
                .and_then(|x| x.address.as_deref())
                .is_none_or(|addr| me.is_empty() || !addr.eq_ignore_ascii_case(me))
        })
        .count();
    // Graph has no event types: away time is `showAs: oof`, and an event the
    // user marks working elsewhere with nobody else in it says where they work
    // (with guests it is still a meeting, attended remotely).
    let kind = match show_as {
        ShowAs::OutOfOffice => EventKind::OutOfOffice,
        ShowAs::WorkingElsewhere if attendee_count == 0 => EventKind::WorkingLocation,
        _ => EventKind::Default,
    };
    let description = match &e.body {
        Some(GBody {
            content_type: Some(t),
            content: Some(c),
        }) if t.eq_ignore_ascii_case("text") && !c.trim().is_empty() => Some(c.clone()),
        _ => e.body_preview.filter(|p| !p.trim().is_empty()),
    };
    Ok(EventRecord {
        provider_id: e.id,
        title: e.subject.unwrap_or_default(),
        description,
        location: e
            .location
            .and_then(|l| l.display_name)
            .filter(|l| !l.trim().is_empty()),
        time,
        time_zone: e
            .original_start_time_zone
            .filter(|z| z.parse::<Tz>().is_ok()),
        status,
        my_response,
        is_organizer: e.is_organizer || response.as_deref() == Some("organizer"),
        attendee_count: u32::try_from(attendee_count).unwrap_or(u32::MAX),
        series_id: e.series_master_id.filter(|s| !s.is_empty()),
        link: e
            .web_link
            .filter(|l| l.starts_with("https://") || l.starts_with("http://")),
        updated_at: e.last_modified_date_time.as_deref().and_then(|u| {
            DateTime::parse_from_rfc3339(u)
                .ok()
                .map(|d| d.with_timezone(&Utc))
        }),
        kind,
        show_as,
    })
}

/// `2026-11-16T09:30:00.0000000`, Graph's local date-time.
fn local(s: &str) -> Result<NaiveDateTime, String> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| DateTime::parse_from_rfc3339(s).map(|d| d.naive_local()))
        .map_err(|_| format!("invalid dateTime {s:?}"))
}

/// A `{dateTime, timeZone}` as an instant: UTC (as asked for) or an IANA zone.
fn instant(t: &GTime) -> Result<DateTime<Utc>, String> {
    if let Ok(d) = DateTime::parse_from_rfc3339(&t.date_time) {
        return Ok(d.with_timezone(&Utc));
    }
    let naive = local(&t.date_time)?;
    match t.time_zone.as_deref() {
        None | Some("UTC" | "Etc/UTC" | "tzone://Microsoft/Utc") => Ok(naive.and_utc()),
        Some(zone) => {
            let tz: Tz = zone
                .parse()
                .map_err(|_| format!("unsupported time zone {zone:?}"))?;
            naive
                .and_local_timezone(tz)
                .earliest()
                .map(|d| d.with_timezone(&Utc))
                .ok_or_else(|| format!("{:?} does not exist in {zone}", t.date_time))
        }
    }
}

/// A calendar as a source: its colour from `hexColor`, else from the named
/// colour; "owner" when the user owns it, else "writer" or "reader".
fn calendar_entry(item: &Value, me: &str) -> Option<SourceRecord> {
    let id = item.get("id").and_then(Value::as_str)?;
    let name = item
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .unwrap_or(id);
    let color = item
        .get("hexColor")
        .and_then(Value::as_str)
        .filter(|c| is_hex_color(c))
        .map(str::to_ascii_lowercase)
        .or_else(|| {
            let named = item.get("color").and_then(Value::as_str)?;
            CALENDAR_COLORS
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(named))
                .map(|(_, hex)| (*hex).to_owned())
        });
    let owner = item
        .pointer("/owner/address")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let access_role = if !me.is_empty() && owner.eq_ignore_ascii_case(me) {
        "owner"
    } else if item.get("canEdit").and_then(Value::as_bool) == Some(true) {
        "writer"
    } else {
        "reader"
    };
    Some(SourceRecord {
        kind: SourceKind::Calendar,
        provider_id: id.to_owned(),
        name: name.to_owned(),
        color,
        is_primary: item
            .get("isDefaultCalendar")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        access_role: Some(access_role.to_owned()),
    })
}

fn is_hex_color(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit())
}

fn malformed(detail: &str) -> SyncError {
    SyncError::Malformed {
        provider: NAME,
        detail: detail.to_owned(),
    }
}

/// Reads one `calendarView/delta` response body as a sync would, for the
/// user `me`, without a request (for fuzzing and tests). A body that is not
/// JSON gives [`SyncError::Malformed`]; sparse occurrences are taken as they are.
pub fn parse_delta_json(body: &[u8], me: &str) -> Result<Fetched> {
    let body: Value = serde_json::from_slice(body).map_err(|e| malformed(&e.to_string()))?;
    let items = match body.get("value") {
        Some(Value::Array(items)) => items.as_slice(),
        _ => return Err(malformed("the delta page has no value array")),
    };
    Ok(map_page(items, me, Next::Done(String::new())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ME: &str = "alex@contoso.example";

    #[test]
    fn events_map_with_response_attendees_and_series() {
        let items = vec![
            json!({"id": "a", "subject": "Steering", "bodyPreview": "Agenda", "body": {"contentType": "html", "content": "<p>Agenda</p>"},
                   "location": {"displayName": "Room 4"}, "isAllDay": false, "showAs": "tentative",
                   "start": {"dateTime": "2026-11-16T08:30:00.0000000", "timeZone": "UTC"},
                   "end": {"dateTime": "2026-11-16T09:15:00.0000000", "timeZone": "UTC"},
                   "responseStatus": {"response": "tentativelyAccepted"}, "isOrganizer": false,
                   "attendees": [{"type": "required", "emailAddress": {"address": "Alex@Contoso.example"}},
                                 {"type": "optional", "emailAddress": {"address": "b@x"}},
                                 {"type": "resource", "emailAddress": {"address": "room@x"}}],
                   "seriesMasterId": "master1", "webLink": "https://outlook.office365.com/owa/?itemid=a",
                   "lastModifiedDateTime": "2026-11-01T10:00:00.1234567Z", "originalStartTimeZone": "W. Europe Standard Time"}),
            json!({"id": "b", "subject": "Holiday", "isAllDay": true,
                   "start": {"dateTime": "2026-11-18T00:00:00.0000000", "timeZone": "UTC"},
                   "end": {"dateTime": "2026-11-20T00:00:00.0000000", "timeZone": "UTC"},
                   "responseStatus": {"response": "organizer"}, "originalStartTimeZone": "Europe/Berlin",
                   "body": {"contentType": "text", "content": "Off"}, "webLink": "javascript:alert(1)"}),
            json!({"id": "c", "@removed": {"reason": "deleted"}}),
            json!({"id": "d", "subject": "Cancelled", "isCancelled": true}),
            json!({"id": "e", "subject": "Odd", "responseStatus": {"response": "maybe"},
                   "start": {"dateTime": "2026-11-16T08:30:00", "timeZone": "UTC"}, "end": {"dateTime": "2026-11-16T09:00:00", "timeZone": "UTC"}}),
            json!({"id": "f", "subject": "Elsewhere", "start": {"dateTime": "2026-11-16T08:30:00", "timeZone": "Pacific Standard Time"},
                   "end": {"dateTime": "2026-11-16T09:00:00", "timeZone": "Pacific Standard Time"}}),
            json!({"id": "g", "type": "seriesMaster", "subject": "Master"}),
            json!({"subject": "no id"}),
            json!({"id": "h", "subject": "Berlin", "start": {"dateTime": "2026-11-16T09:30:00", "timeZone": "Europe/Berlin"},
                   "end": {"dateTime": "2026-11-16T10:00:00", "timeZone": "Europe/Berlin"}}),
        ];
        let f = map_page(&items, ME, Next::Done("link".into()));
        let ids: Vec<&str> = f.events.iter().map(|e| e.provider_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "h"]);
        let a = &f.events[0];
        assert_eq!(a.my_response, Some(Response::Tentative));
        assert_eq!(a.status, EventStatus::Tentative);
        assert_eq!(a.attendee_count, 1, "the user and the room are not counted");
        assert!(!a.is_organizer);
        assert_eq!(a.series_id.as_deref(), Some("master1"));
        assert_eq!(
            a.description.as_deref(),
            Some("Agenda"),
            "HTML body: the text preview"
        );
        assert_eq!(a.location.as_deref(), Some("Room 4"));
        assert_eq!(a.time_zone, None, "Windows zone names are not IANA names");
        assert_eq!(
            a.time,
            EventTime::Timed {
                start: "2026-11-16T08:30:00Z".parse().unwrap(),
                end: "2026-11-16T09:15:00Z".parse().unwrap()
            }
        );
        assert_eq!(
            a.updated_at,
            Some("2026-11-01T10:00:00.123456700Z".parse().unwrap())
        );
        let b = &f.events[1];
        assert!(b.is_organizer);
        assert_eq!(b.my_response, Some(Response::Accepted));
        assert_eq!(b.description.as_deref(), Some("Off"));
        assert_eq!(b.link, None);
        assert_eq!(b.time_zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(
            b.time,
            EventTime::AllDay {
                start: "2026-11-18".parse().unwrap(),
                end: "2026-11-20".parse().unwrap()
            }
        );
        assert_eq!(
            f.events[2].time,
            EventTime::Timed {
                start: "2026-11-16T08:30:00Z".parse().unwrap(),
                end: "2026-11-16T09:00:00Z".parse().unwrap()
            }
        );
        assert_eq!(f.deleted_events, ["c", "d"]);
        let rejected: Vec<&str> = f.rejected.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(rejected, ["e", "f", "item 7"]);
    }

    #[test]
    fn sparse_occurrences_take_their_masters_fields() {
        let master = json!({"id": "m", "type": "seriesMaster", "subject": "Standup", "recurrence": {"pattern": {}},
                            "start": {"dateTime": "2026-01-01T09:00:00", "timeZone": "UTC"}});
        let occurrence = json!({"id": "o", "seriesMasterId": "m", "type": "occurrence",
                                "start": {"dateTime": "2026-11-16T09:00:00", "timeZone": "UTC"},
                                "end": {"dateTime": "2026-11-16T09:15:00", "timeZone": "UTC"}});
        assert!(is_sparse(&occurrence));
        let merged = merge_occurrence(&master, &occurrence);
        assert!(!is_sparse(&merged));
        assert_eq!(merged["subject"], "Standup");
        assert_eq!(merged["id"], "o");
        assert_eq!(merged["type"], "occurrence");
        assert_eq!(merged["start"]["dateTime"], "2026-11-16T09:00:00");
        assert!(merged.get("recurrence").is_none());
        // Without its master an occurrence is reported, not stored half-empty.
        let f = map_page(&[occurrence], ME, Next::Done("x".into()));
        assert!(f.events.is_empty());
        assert_eq!(f.rejected[0].0, "o");
    }

    #[test]
    fn calendars_become_sources_with_colour_and_role() {
        let mine = calendar_entry(&json!({"id": "c1", "name": "Calendar", "color": "lightGreen", "hexColor": "",
            "isDefaultCalendar": true, "canEdit": true, "owner": {"address": "ALEX@contoso.example"}}), ME).unwrap();
        assert_eq!(mine.color.as_deref(), Some("#5aa454"));
        assert!(mine.is_primary);
        assert_eq!(mine.access_role.as_deref(), Some("owner"));
        let shared = calendar_entry(
            &json!({"id": "c2", "name": "Team", "color": "auto", "hexColor": "#C2410C",
            "canEdit": false, "owner": {"address": "sam@contoso.example"}}),
            ME,
        )
        .unwrap();
        assert_eq!(shared.color.as_deref(), Some("#c2410c"));
        assert_eq!(shared.access_role.as_deref(), Some("reader"));
        let odd = calendar_entry(
            &json!({"id": "c3", "color": "auto", "hexColor": "red;</style>", "canEdit": true}),
            ME,
        )
        .unwrap();
        assert_eq!(odd.color, None);
        assert_eq!(odd.name, "c3");
        assert_eq!(odd.access_role.as_deref(), Some("writer"));
    }
}
