//! A stateful fake of Microsoft Graph v1.0's calendar API, served on loopback.
//!
//! It speaks Graph's documented JSON for what a reader needs: `GET /me`,
//! `GET /me/calendars` (paged with `@odata.nextLink`), the calendar view delta
//! `GET /me/calendars/{id}/calendarView/delta` and `GET /me/events/{id}`.
//! Delta rounds follow the docs: the first request names the window with
//! `startDateTime`/`endDateTime`; pages continue with `@odata.nextLink`
//! (`$skiptoken`) up to an `@odata.deltaLink` (`$deltatoken`) that carries the
//! window, and the next round returns what changed since, with
//! `{"id", "@removed": {"reason": "deleted"}}` for deletions and for changes
//! outside the window (as Graph does, pitfall 5). `Prefer:
//! odata.maxpagesize=n` and `Prefer: outlook.timezone="…"` are honoured and
//! echoed in `Preference-Applied`. Errors use Graph's body
//! `{"error": {"code", "message", "innerError"}}`.
//!
//! Tests change the world through [`FakeGraph`]'s methods, compare a synced
//! store with [`FakeGraph::live_events`], and get faults and latency from
//! [`crate::http`]. [`FakeGraph::invalidate_delta_tokens`] makes every link
//! issued so far answer `410` (or `400`, see [`FakeGraph::set_resync_status`])
//! with `syncStateNotFound`; [`FakeGraph::set_sparse_occurrences`] reproduces
//! the delta answers whose occurrences carry only `id`, `seriesMasterId`,
//! `type`, `start` and `end` (pitfall 4), the rest being on the series master
//! served by `GET /me/events/{id}`.
//!
//! Simplifications: events are stored as the instances a calendar view lists
//! (occurrences, exceptions, single instances); series masters are kept apart
//! and only served by id. All-day dates count as midnight UTC when filtering
//! by the window. Stored times are `{dateTime, timeZone}` with `UTC` or an
//! IANA zone (Windows zone names are not understood).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use vica_core::model::{
    EventKind, EventRecord, EventStatus, EventTime, Provider, Response as MyResponse, ShowAs,
    SourceKind,
};

use crate::demo::DemoAccount;
use crate::http::{
    ErrorRenderer, FakeServer, Harness, InjectedError, ServerHandle, hex_token, json_response,
    lock, parse_query, take_page, unhex_token,
};
pub use crate::http::{Fault, RecordedRequest};

/// The access token requests must carry unless [`FakeGraph::set_access_token`] says otherwise.
pub const DEFAULT_ACCESS_TOKEN: &str = "fake-graph-token";
/// The most events on one delta page until [`FakeGraph::set_page_size`] changes it.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// The signed-in user until [`FakeGraph::set_user`] changes it.
pub const DEFAULT_USER_NAME: &str = "Alex Doe";
pub const DEFAULT_USER_ADDRESS: &str = "alex@contoso.example";

const CALENDARS_TOP_DEFAULT: usize = 10;
const CALENDARS_TOP_MAX: usize = 1000;

/// A calendar of the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    pub id: String,
    pub name: String,
    /// One of Graph's `calendarColor` names: `auto`, `lightBlue`, `lightGreen`, …
    pub color: String,
    /// `#rrggbb`, or empty when the user never picked a colour (Graph sends `""`).
    pub hex_color: String,
    pub is_default: bool,
    pub can_edit: bool,
    /// `(name, address)` of the owner; `None` is the signed-in user.
    pub owner: Option<(String, String)>,
}

impl CalendarEntry {
    /// An editable calendar of the user's own, not the default, colour `auto`.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> CalendarEntry {
        CalendarEntry {
            id: id.into(),
            name: name.into(),
            color: "auto".into(),
            hex_color: String::new(),
            is_default: false,
            can_edit: true,
            owner: None,
        }
    }
}

/// A running fake Graph server. Clones share the server and its world; the
/// server stops on [`FakeGraph::shutdown`] or when the last clone is dropped.
#[derive(Clone)]
pub struct FakeGraph {
    shared: Arc<Shared>,
    server: Arc<ServerHandle>,
}

impl std::fmt::Debug for FakeGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeGraph")
            .field("addr", &self.server.addr())
            .finish_non_exhaustive()
    }
}

struct Shared {
    world: Mutex<World>,
    token: Mutex<String>,
    user: Mutex<(String, String)>,
    page_size: AtomicUsize,
    sparse: AtomicBool,
    resync_status: AtomicU16,
    /// `http://127.0.0.1:PORT/v1.0`, known once the server is bound.
    base: OnceLock<String>,
    harness: Arc<Harness>,
}

impl FakeGraph {
    /// Binds `127.0.0.1:0` and serves in a tokio task of the current runtime.
    pub async fn start() -> std::io::Result<FakeGraph> {
        let shared = Arc::new(Shared {
            world: Mutex::new(World::default()),
            token: Mutex::new(DEFAULT_ACCESS_TOKEN.to_owned()),
            user: Mutex::new((
                DEFAULT_USER_NAME.to_owned(),
                DEFAULT_USER_ADDRESS.to_owned(),
            )),
            page_size: AtomicUsize::new(DEFAULT_PAGE_SIZE),
            sparse: AtomicBool::new(false),
            resync_status: AtomicU16::new(410),
            base: OnceLock::new(),
            harness: Arc::new(Harness::default()),
        });
        let router = Router::new()
            .route("/v1.0/me", get(me))
            .route("/v1.0/me/calendars", get(calendars))
            .route(
                "/v1.0/me/calendars/{calendar_id}/calendarView/delta",
                get(calendar_view_delta),
            )
            .route("/v1.0/me/events/{event_id}", get(event_get))
            .fallback(unknown_route)
            .with_state(shared.clone());
        let render: ErrorRenderer = render_injected;
        let router = crate::http::with_harness(router, shared.harness.clone(), render);
        let server = ServerHandle::start(router).await?;
        let _ = shared.base.set(format!("http://{}/v1.0", server.addr()));
        Ok(FakeGraph {
            shared,
            server: Arc::new(server),
        })
    }

    /// `http://127.0.0.1:PORT/v1.0`, to which clients append `/me/calendars` and so on.
    pub fn base_url(&self) -> String {
        self.shared.base()
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    /// The most events the server puts on one delta page; `odata.maxpagesize` may ask for fewer.
    pub fn set_page_size(&self, n: usize) {
        self.shared.page_size.store(n.max(1), Ordering::Relaxed);
    }

    /// The bearer token every request must carry.
    pub fn set_access_token(&self, token: &str) {
        *lock(&self.shared.token) = token.to_owned();
    }

    /// The signed-in user, as `GET /me` reports it and as attendee of events.
    pub fn set_user(&self, name: &str, address: &str) {
        *lock(&self.shared.user) = (name.to_owned(), address.to_owned());
    }

    /// The signed-in user's address.
    pub fn user_address(&self) -> String {
        lock(&self.shared.user).1.clone()
    }

    /// When on, delta pages carry occurrences as `{id, seriesMasterId, type,
    /// start, end}` only; their subject and the rest are on the series master.
    pub fn set_sparse_occurrences(&self, on: bool) {
        self.shared.sparse.store(on, Ordering::Relaxed);
    }

    /// The status a rejected delta token gets: `410` (the default, with a
    /// `Location` header to start over) or `400`; the code is `syncStateNotFound` either way.
    pub fn set_resync_status(&self, status: u16) {
        self.shared.resync_status.store(status, Ordering::Relaxed);
    }

    /// Adds a calendar, or replaces the entry with the same id (bringing a removed calendar back).
    pub fn add_calendar(&self, c: CalendarEntry) {
        let mut world = lock(&self.shared.world);
        let cal = world.calendar_mut(&c.id);
        cal.entry = c;
        cal.removed = false;
    }

    /// Removes a calendar: it leaves `/me/calendars` and its delta answers 404.
    pub fn remove_calendar(&self, id: &str) {
        if let Some(c) = lock(&self.shared.world).calendars.get_mut(id) {
            c.removed = true;
        }
    }

    /// Inserts or replaces an event by its `"id"` (made up when missing) and
    /// returns it as stored. Fills in what Graph always sends when missing:
    /// `@odata.etag` (renewed on every write), `createdDateTime`,
    /// `lastModifiedDateTime` (also renewed when a replacement carries the old
    /// value), `type` (`singleInstance`), `isAllDay`, `isCancelled`, `showAs`
    /// (`busy`), `isOrganizer`, `responseStatus`, `organizer`, `attendees`,
    /// `webLink` and `iCalUId`. A calendar not added yet is created.
    pub fn put_event(&self, calendar_id: &str, event: Value) -> Value {
        let user = lock(&self.shared.user).clone();
        lock(&self.shared.world).put_event(calendar_id, event, &user)
    }

    /// Cancels a meeting as its organizer would: the event stays, with `isCancelled: true`.
    pub fn cancel_event(&self, calendar_id: &str, event_id: &str) {
        let mut world = lock(&self.shared.world);
        let seq = world.bump();
        if let Some(e) = world
            .calendars
            .get_mut(calendar_id)
            .and_then(|c| c.events.get_mut(event_id))
            .filter(|e| !e.deleted)
        {
            e.seq = seq;
            e.body["isCancelled"] = json!(true);
            e.body["@odata.etag"] = json!(etag(seq));
            e.body["lastModifiedDateTime"] = json!(graph_instant(Utc::now()));
        }
    }

    /// Deletes an event: the next delta round lists it under `@removed`.
    pub fn delete_event(&self, calendar_id: &str, event_id: &str) {
        let mut world = lock(&self.shared.world);
        let live = world
            .calendars
            .get(calendar_id)
            .and_then(|c| c.events.get(event_id))
            .is_some_and(|e| !e.deleted);
        if live {
            let seq = world.bump();
            if let Some(e) = world
                .calendars
                .get_mut(calendar_id)
                .and_then(|c| c.events.get_mut(event_id))
            {
                e.seq = seq;
                e.deleted = true;
            }
        }
    }

    /// Stores a series master (served by `GET /me/events/{id}`, never listed in a calendar view).
    pub fn put_series_master(&self, master: Value) -> Value {
        let mut m = match master {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        m.insert("type".into(), json!("seriesMaster"));
        let mut world = lock(&self.shared.world);
        let seq = world.bump();
        let id = m
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map_or_else(|| format!("AAMkMaster{seq:06}"), str::to_owned);
        m.insert("id".into(), json!(id));
        m.insert("@odata.etag".into(), json!(etag(seq)));
        let body = Value::Object(m);
        world.masters.insert(id, body.clone());
        body
    }

    /// The calendar's events as stored that are neither deleted nor cancelled, ordered by id.
    pub fn live_events(&self, calendar_id: &str) -> Vec<Value> {
        lock(&self.shared.world)
            .calendars
            .get(calendar_id)
            .map(|c| {
                c.events
                    .values()
                    .filter(|e| !e.deleted && e.body["isCancelled"] != true)
                    .map(|e| e.body.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Makes every delta and skip token issued so far answer with `syncStateNotFound`.
    pub fn invalidate_delta_tokens(&self) {
        lock(&self.shared.world).epoch += 1;
    }

    /// Serves the Microsoft accounts of a demo world: the user's address is
    /// taken from the account label when it starts with one, each calendar
    /// source becomes a calendar (its colour as `hexColor`), each event goes
    /// through [`event_json_as`], and each series gets a master built from its
    /// first occurrence. Other providers' accounts are skipped.
    pub fn load_demo(&self, accounts: &[DemoAccount]) {
        for account in accounts
            .iter()
            .filter(|a| a.provider == Provider::Microsoft)
        {
            if let Some(address) = account
                .label
                .split_whitespace()
                .next()
                .filter(|w| w.contains('@'))
            {
                let name = lock(&self.shared.user).0.clone();
                self.set_user(&name, address);
            }
            let me = self.user_address();
            for source in account
                .sources
                .iter()
                .filter(|s| s.record.kind == SourceKind::Calendar)
            {
                let id = source.record.provider_id.as_str();
                let mut entry = CalendarEntry::new(id, source.record.name.clone());
                entry.hex_color = source.record.color.clone().unwrap_or_default();
                entry.is_default = source.record.is_primary;
                self.add_calendar(entry);
                let mut masters = BTreeMap::new();
                for event in &source.events {
                    let wire = event_json_as(event, &me);
                    if let Some(series) = &event.series_id {
                        masters.entry(series.clone()).or_insert_with(|| {
                            let mut m = wire.clone();
                            m["id"] = json!(series);
                            m["seriesMasterId"] = Value::Null;
                            m["recurrence"] = json!({
                                "pattern": {"type": "weekly", "interval": 1},
                                "range": {"type": "noEnd"}
                            });
                            m
                        });
                    }
                    self.put_event(id, wire);
                }
                for master in masters.into_values() {
                    self.put_series_master(master);
                }
            }
        }
    }

    /// Stops the server; requests under way finish.
    pub fn shutdown(&self) {
        self.server.shutdown();
    }
}

/// Graph's event resource for a core [`EventRecord`], with `me@example.com` as the user.
pub fn event_json(record: &EventRecord) -> Value {
    event_json_as(record, "me@example.com")
}

/// Graph's event resource for a core [`EventRecord`], with `self_address` as the user.
///
/// Times are UTC `{dateTime, timeZone: "UTC"}` (all-day events at midnight of
/// their floating dates, with `isAllDay`); the record's zone goes to
/// `originalStartTimeZone`. A cancelled record is `isCancelled`, a tentative
/// one `showAs: tentative`; otherwise `showAs` follows `show_as`, with
/// out-of-office and working-location kinds as `oof` and `workingElsewhere`
/// (Graph has no event types). The organizer's `responseStatus` is `organizer`;
/// otherwise the user's answer (`accepted`, `tentativelyAccepted`,
/// `declined`, `notResponded`, or `none` without one). The user is an attendee
/// when not the organizer and `my_response` is set, followed by
/// `attendee_count` guests. `series_id` becomes `seriesMasterId` with
/// `type: occurrence`; the description is a text body and its `bodyPreview`.
pub fn event_json_as(record: &EventRecord, self_address: &str) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(record.provider_id));
    if let Some(u) = record.updated_at {
        m.insert("lastModifiedDateTime".into(), json!(graph_instant(u)));
    }
    m.insert("subject".into(), json!(record.title));
    let description = record.description.clone().unwrap_or_default();
    m.insert(
        "bodyPreview".into(),
        json!(description.chars().take(255).collect::<String>()),
    );
    m.insert(
        "body".into(),
        json!({"contentType": "text", "content": description}),
    );
    m.insert(
        "location".into(),
        json!({
            "displayName": record.location.clone().unwrap_or_default(),
            "locationType": "default"
        }),
    );
    let (start, end, all_day) = match record.time {
        EventTime::AllDay { start, end } => (date_time(start), date_time(end), true),
        EventTime::Timed { start, end } => (
            json!({"dateTime": graph_local(start.naive_utc()), "timeZone": "UTC"}),
            json!({"dateTime": graph_local(end.naive_utc()), "timeZone": "UTC"}),
            false,
        ),
    };
    m.insert("start".into(), start);
    m.insert("end".into(), end);
    m.insert("isAllDay".into(), json!(all_day));
    m.insert(
        "originalStartTimeZone".into(),
        json!(record.time_zone.as_deref().unwrap_or("UTC")),
    );
    m.insert(
        "isCancelled".into(),
        json!(record.status == EventStatus::Cancelled),
    );
    let show_as = match (record.show_as, record.kind) {
        (ShowAs::Free, _) => "free",
        (ShowAs::OutOfOffice, _) | (_, EventKind::OutOfOffice) => "oof",
        (ShowAs::WorkingElsewhere, _) | (_, EventKind::WorkingLocation) => "workingElsewhere",
        (ShowAs::Unknown, _) => "unknown",
        (ShowAs::Tentative, _) => "tentative",
        (ShowAs::Busy, _) if record.status == EventStatus::Tentative => "tentative",
        (ShowAs::Busy, _) => "busy",
    };
    m.insert("showAs".into(), json!(show_as));
    m.insert("isOrganizer".into(), json!(record.is_organizer));
    let response = if record.is_organizer {
        "organizer"
    } else {
        match record.my_response {
            None => "none",
            Some(r) => response_type(r),
        }
    };
    m.insert(
        "responseStatus".into(),
        json!({"response": response, "time": "0001-01-01T00:00:00Z"}),
    );
    let organizer = if record.is_organizer {
        json!({"emailAddress": {"name": "Me", "address": self_address}})
    } else {
        json!({"emailAddress": {"name": "Organizer", "address": "organizer@example.com"}})
    };
    m.insert("organizer".into(), organizer);
    let mut attendees = Vec::new();
    if !record.is_organizer
        && let Some(r) = record.my_response
    {
        attendees.push(json!({
            "type": "required",
            "status": {"response": response_type(r), "time": "0001-01-01T00:00:00Z"},
            "emailAddress": {"name": "Me", "address": self_address}
        }));
    }
    for n in 1..=record.attendee_count {
        attendees.push(json!({
            "type": "required",
            "status": {"response": "accepted", "time": "0001-01-01T00:00:00Z"},
            "emailAddress": {"name": format!("Guest {n}"), "address": format!("guest{n}@example.com")}
        }));
    }
    m.insert("attendees".into(), Value::Array(attendees));
    match &record.series_id {
        Some(series) => {
            m.insert("type".into(), json!("occurrence"));
            m.insert("seriesMasterId".into(), json!(series));
        }
        None => {
            m.insert("type".into(), json!("singleInstance"));
            m.insert("seriesMasterId".into(), Value::Null);
        }
    }
    if let Some(link) = &record.link {
        m.insert("webLink".into(), json!(link));
    }
    Value::Object(m)
}

/// Graph's `responseType` for the core's response, as sent on the wire.
pub fn response_type(r: MyResponse) -> &'static str {
    match r {
        MyResponse::Accepted => "accepted",
        MyResponse::Declined => "declined",
        MyResponse::Tentative => "tentativelyAccepted",
        MyResponse::NeedsAction => "notResponded",
    }
}

fn date_time(d: NaiveDate) -> Value {
    json!({"dateTime": graph_local(d.and_time(chrono::NaiveTime::MIN)), "timeZone": "UTC"})
}

/// `2026-11-16T09:30:00.0000000`: Graph's `dateTimeTimeZone.dateTime`.
fn graph_local(t: NaiveDateTime) -> String {
    use chrono::Timelike;
    format!(
        "{}.{:07}",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.nanosecond().min(999_999_999) / 100
    )
}

/// `2026-11-16T09:30:00.1234567Z`: Graph's `DateTimeOffset`.
fn graph_instant(t: DateTime<Utc>) -> String {
    format!("{}Z", graph_local(t.naive_utc()))
}

fn etag(seq: u64) -> String {
    format!("W/\"DwAAABYAAAA{seq:08}\"")
}

// ---------------------------------------------------------------------------
// The world

#[derive(Debug, Default)]
struct World {
    seq: u64,
    epoch: u64,
    calendars: BTreeMap<String, Calendar>,
    masters: BTreeMap<String, Value>,
}

#[derive(Debug)]
struct Calendar {
    entry: CalendarEntry,
    removed: bool,
    events: BTreeMap<String, StoredEvent>,
}

#[derive(Debug)]
struct StoredEvent {
    body: Value,
    seq: u64,
    deleted: bool,
}

impl World {
    fn bump(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn calendar_mut(&mut self, id: &str) -> &mut Calendar {
        self.calendars
            .entry(id.to_owned())
            .or_insert_with(|| Calendar {
                entry: CalendarEntry::new(id, id),
                removed: false,
                events: BTreeMap::new(),
            })
    }

    fn put_event(&mut self, calendar_id: &str, event: Value, user: &(String, String)) -> Value {
        let seq = self.bump();
        let cal = self.calendar_mut(calendar_id);
        let mut m = match event {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let id = match m.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => id.to_owned(),
            _ => format!("AAMkAGI2fake{seq:06}"),
        };
        let now = graph_instant(Utc::now());
        let previous = cal.events.get(&id).filter(|e| !e.deleted).map(|e| &e.body);
        let created = previous
            .and_then(|b| b.get("createdDateTime").cloned())
            .unwrap_or_else(|| json!(now));
        if previous
            .and_then(|b| b.get("lastModifiedDateTime"))
            .is_some()
            && previous.and_then(|b| b.get("lastModifiedDateTime")) == m.get("lastModifiedDateTime")
        {
            m.remove("lastModifiedDateTime");
        }
        m.insert("@odata.etag".into(), json!(etag(seq)));
        m.insert("id".into(), json!(id));
        m.entry("createdDateTime").or_insert(created);
        m.entry("lastModifiedDateTime")
            .or_insert_with(|| json!(now));
        m.entry("iCalUId")
            .or_insert_with(|| json!(format!("040000008200E00074C5B7101A82E008{seq:08}")));
        m.entry("subject").or_insert_with(|| json!(""));
        m.entry("type").or_insert_with(|| json!("singleInstance"));
        m.entry("isAllDay").or_insert_with(|| json!(false));
        m.entry("isCancelled").or_insert_with(|| json!(false));
        m.entry("showAs").or_insert_with(|| json!("busy"));
        m.entry("isOrganizer").or_insert_with(|| json!(true));
        m.entry("responseStatus")
            .or_insert_with(|| json!({"response": "organizer", "time": "0001-01-01T00:00:00Z"}));
        m.entry("organizer")
            .or_insert_with(|| json!({"emailAddress": {"name": user.0, "address": user.1}}));
        m.entry("attendees").or_insert_with(|| json!([]));
        m.entry("seriesMasterId").or_insert(Value::Null);
        m.entry("webLink").or_insert_with(|| {
            json!(format!(
                "https://outlook.office365.com/owa/?itemid={id}&exvsurl=1&path=/calendar/item"
            ))
        });
        let body = Value::Object(m);
        cal.events.insert(
            id,
            StoredEvent {
                body: body.clone(),
                seq,
                deleted: false,
            },
        );
        body
    }
}

/// An event's window bounds; all-day dates count as midnight UTC.
fn bounds(body: &Value) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let all_day = body["isAllDay"] == true;
    Some((
        instant_of(&body["start"], all_day)?,
        instant_of(&body["end"], all_day)?,
    ))
}

/// A `{dateTime, timeZone}` as an instant (UTC or an IANA zone; an offset in
/// `dateTime` wins); all-day dates as midnight UTC.
fn instant_of(when: &Value, all_day: bool) -> Option<DateTime<Utc>> {
    let text = when.get("dateTime")?.as_str()?;
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    if all_day {
        return Some(naive.date().and_time(chrono::NaiveTime::MIN).and_utc());
    }
    match zone(when.get("timeZone").and_then(Value::as_str)) {
        Zone::Utc => Some(naive.and_utc()),
        Zone::Iana(tz) => naive
            .and_local_timezone(tz)
            .earliest()
            .map(|t| t.with_timezone(&Utc)),
        Zone::Unknown => None,
    }
}

enum Zone {
    Utc,
    Iana(Tz),
    Unknown,
}

fn zone(name: Option<&str>) -> Zone {
    match name {
        None | Some("UTC" | "Etc/UTC" | "utc" | "tzone://Microsoft/Utc") => Zone::Utc,
        Some(n) => n.parse::<Tz>().map_or(Zone::Unknown, Zone::Iana),
    }
}

/// The event with its times in `tz` (the `Prefer: outlook.timezone` zone).
fn render_times(body: &Value, tz: &ZoneChoice) -> Value {
    let mut out = body.clone();
    let all_day = body["isAllDay"] == true;
    for key in ["start", "end"] {
        let Some(t) = instant_of(&body[key], all_day) else {
            continue;
        };
        let local = if all_day {
            t.naive_utc()
        } else {
            match tz {
                ZoneChoice::Utc => t.naive_utc(),
                ZoneChoice::Iana(z) => t.with_timezone(z).naive_local(),
            }
        };
        out[key] = json!({"dateTime": graph_local(local), "timeZone": tz.name()});
    }
    out
}

#[derive(Debug, Clone)]
enum ZoneChoice {
    Utc,
    Iana(Tz),
}

impl ZoneChoice {
    fn name(&self) -> &str {
        match self {
            ZoneChoice::Utc => "UTC",
            ZoneChoice::Iana(z) => z.name(),
        }
    }
}

// ---------------------------------------------------------------------------
// Prefer headers

#[derive(Debug, Default)]
struct Prefer {
    max_page_size: Option<usize>,
    time_zone: Option<String>,
}

impl Prefer {
    /// Every `Prefer` header, each possibly a comma-separated list.
    fn parse(headers: &HeaderMap) -> Prefer {
        let mut p = Prefer::default();
        for value in headers.get_all("prefer") {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let Some((k, v)) = item.split_once('=') else {
                    continue;
                };
                let v = v.trim().trim_matches('"');
                match k.trim().to_ascii_lowercase().as_str() {
                    "odata.maxpagesize" => p.max_page_size = v.parse().ok().filter(|n| *n > 0),
                    "outlook.timezone" => p.time_zone = Some(v.to_owned()),
                    _ => {}
                }
            }
        }
        p
    }

    fn zone(&self) -> ZoneChoice {
        match zone(self.time_zone.as_deref()) {
            Zone::Iana(tz) => ZoneChoice::Iana(tz),
            Zone::Utc | Zone::Unknown => ZoneChoice::Utc,
        }
    }
}

// ---------------------------------------------------------------------------
// Tokens

/// Where a delta round stands: the calendar and window it is bound to, the
/// token epoch, the snapshot the round's delta link will carry, the base of
/// an incremental round, and the last id sent.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RoundToken {
    epoch: u64,
    calendar: String,
    start: i64,
    end: i64,
    snapshot: u64,
    since: Option<u64>,
    after: Option<String>,
}

impl RoundToken {
    fn encode(&self, kind: &str) -> String {
        let since = self.since.map_or_else(|| "-".to_owned(), |s| s.to_string());
        let after = self.after.as_deref().unwrap_or("");
        hex_token(&format!(
            "{kind}|{}|{}|{}|{}|{since}|{}|{after}|{}",
            self.epoch,
            self.start,
            self.end,
            self.snapshot,
            after.len(),
            self.calendar,
        ))
    }

    fn decode(token: &str, kind: &str) -> Option<RoundToken> {
        let payload = unhex_token(token)?;
        let mut parts = payload.splitn(8, '|');
        if parts.next()? != kind {
            return None;
        }
        let epoch = parts.next()?.parse().ok()?;
        let start = parts.next()?.parse().ok()?;
        let end = parts.next()?.parse().ok()?;
        let snapshot = parts.next()?.parse().ok()?;
        let since = match parts.next()? {
            "-" => None,
            s => Some(s.parse().ok()?),
        };
        // The id to resume after, by its length (ids may hold `|`), then the calendar.
        let len: usize = parts.next()?.parse().ok()?;
        let rest = parts.next()?;
        let after = Some(rest.get(..len)?.to_owned()).filter(|a| !a.is_empty());
        let calendar = rest.get(len..)?.strip_prefix('|')?.to_owned();
        Some(RoundToken {
            epoch,
            calendar,
            start,
            end,
            snapshot,
            since,
            after,
        })
    }

    fn window(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        Some((
            DateTime::from_timestamp(self.start, 0)?,
            DateTime::from_timestamp(self.end, 0)?,
        ))
    }
}

// ---------------------------------------------------------------------------
// Errors in Graph's shape

#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
    location: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, message: &str) -> ApiError {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.to_owned(),
            location: None,
        }
    }

    fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token has expired or is not yet valid.",
        )
    }

    fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        )
    }

    fn bad_request(code: &str, message: &str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    fn sync_state_not_found(status: u16) -> ApiError {
        ApiError::new(
            StatusCode::from_u16(status).unwrap_or(StatusCode::GONE),
            "syncStateNotFound",
            "The sync state generation is not found. The delta token is expired and data must be synchronized again.",
        )
    }

    fn body(&self) -> Value {
        json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
                    "request-id": "4b5e6e0c-0000-4000-8000-00000000fake",
                    "client-request-id": "4b5e6e0c-0000-4000-8000-00000000fake"
                }
            }
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = json_response(self.status, &self.body());
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(
                    "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                ),
            );
        }
        if let Some(l) = self
            .location
            .as_deref()
            .and_then(|l| HeaderValue::from_str(l).ok())
        {
            r.headers_mut().insert(header::LOCATION, l);
        }
        r
    }
}

fn render_injected(e: InjectedError<'_>) -> Response {
    let err = match e {
        InjectedError::Unauthorized => ApiError::unauthorized(),
        InjectedError::RateLimit403 { reason } => ApiError::new(
            StatusCode::FORBIDDEN,
            reason,
            "The request was refused: too many requests.",
        ),
        InjectedError::Status { code } => match code.as_u16() {
            401 => ApiError::unauthorized(),
            403 => ApiError::new(
                code,
                "ErrorAccessDenied",
                "Access is denied. Check credentials and try again.",
            ),
            404 => ApiError::not_found(),
            410 => ApiError::sync_state_not_found(410),
            429 => ApiError::new(
                code,
                "ApplicationThrottled",
                "Application is over its MailboxConcurrency limit.",
            ),
            503 => ApiError::new(
                code,
                "ServiceUnavailable",
                "The service is temporarily unavailable.",
            ),
            c if c >= 500 => ApiError::new(
                code,
                "ErrorInternalServerError",
                "An internal server error occurred. The operation failed.",
            ),
            _ => ApiError::bad_request("BadRequest", "The request is not valid."),
        },
    };
    err.into_response()
}

// ---------------------------------------------------------------------------
// Handlers

type ApiResult = Result<Value, ApiError>;

impl Shared {
    fn authorize(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let expected = lock(&self.token);
        match crate::http::bearer_token(headers) {
            Some(t) if t == expected.as_str() => Ok(()),
            _ => Err(ApiError::unauthorized()),
        }
    }

    fn base(&self) -> String {
        self.base.get().cloned().unwrap_or_default()
    }
}

fn respond(result: ApiResult) -> Response {
    match result {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => e.into_response(),
    }
}

async fn unknown_route(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    respond(s.authorize(&headers).and_then(|()| {
        Err(ApiError::bad_request(
            "BadRequest",
            &format!("Resource not found for the segment '{}'.", uri.path()),
        ))
    }))
}

async fn me(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    respond(s.authorize(&headers).map(|()| {
        let (name, address) = lock(&s.user).clone();
        json!({
            "@odata.context": format!("{}/$metadata#users/$entity", s.base()),
            "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
            "displayName": name,
            "mail": address,
            "userPrincipalName": address,
        })
    }))
}

fn calendar_json(c: &CalendarEntry, user: &(String, String)) -> Value {
    let (owner_name, owner_address) = c.owner.clone().unwrap_or_else(|| user.clone());
    json!({
        "id": c.id,
        "name": c.name,
        "color": c.color,
        "hexColor": c.hex_color,
        "isDefaultCalendar": c.is_default,
        "changeKey": "fake",
        "canShare": c.owner.is_none(),
        "canViewPrivateItems": c.owner.is_none(),
        "canEdit": c.can_edit,
        "allowedOnlineMeetingProviders": ["teamsForBusiness"],
        "defaultOnlineMeetingProvider": "teamsForBusiness",
        "isTallyingResponses": true,
        "isRemovable": !c.is_default,
        "owner": {"name": owner_name, "address": owner_address},
    })
}

async fn calendars(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let params = q.as_deref().map(parse_query).unwrap_or_default();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    respond(s.authorize(&headers).and_then(|()| {
        let number = |name: &str, default: usize| match get(name) {
            None => Ok(default),
            Some(v) => v.parse::<usize>().map_err(|_| {
                ApiError::bad_request("BadRequest", &format!("Invalid value for '{name}'."))
            }),
        };
        let top = number("$top", CALENDARS_TOP_DEFAULT)?.clamp(1, CALENDARS_TOP_MAX);
        let skip = number("$skip", 0)?;
        let user = lock(&s.user).clone();
        let world = lock(&s.world);
        let all: Vec<Value> = world
            .calendars
            .values()
            .filter(|c| !c.removed)
            .map(|c| calendar_json(&c.entry, &user))
            .collect();
        let page: Vec<Value> = all.iter().skip(skip).take(top).cloned().collect();
        let mut body = json!({
            "@odata.context": format!("{}/$metadata#users('me')/calendars", s.base()),
            "value": page,
        });
        if skip + top < all.len() {
            body["@odata.nextLink"] = json!(format!(
                "{}/me/calendars?$top={top}&$skip={}",
                s.base(),
                skip + top
            ));
        }
        Ok(body)
    }))
}

async fn event_get(
    State(s): State<Arc<Shared>>,
    Path(event_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let prefer = Prefer::parse(&headers);
    respond(s.authorize(&headers).and_then(|()| {
        let world = lock(&s.world);
        let found = world.masters.get(&event_id).cloned().or_else(|| {
            world
                .calendars
                .values()
                .filter(|c| !c.removed)
                .find_map(|c| c.events.get(&event_id).filter(|e| !e.deleted))
                .map(|e| e.body.clone())
        });
        found
            .map(|b| render_times(&b, &prefer.zone()))
            .ok_or_else(ApiError::not_found)
    }))
}

/// A window bound: ISO 8601 with or without an offset (without, UTC).
fn parse_bound(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

async fn calendar_view_delta(
    State(s): State<Arc<Shared>>,
    Path(calendar_id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let prefer = Prefer::parse(&headers);
    let params = q.as_deref().map(parse_query).unwrap_or_default();
    let result = s
        .authorize(&headers)
        .and_then(|()| delta(&s, &calendar_id, &params, &prefer));
    let mut response = respond(result);
    if response.status() == StatusCode::OK {
        let size = prefer
            .max_page_size
            .unwrap_or_else(|| s.page_size.load(Ordering::Relaxed));
        let applied = format!(
            "odata.maxpagesize={size}, outlook.timezone=\"{}\"",
            prefer.zone().name()
        );
        if let Ok(v) = HeaderValue::from_str(&applied) {
            response.headers_mut().insert("preference-applied", v);
        }
    }
    response
}

fn delta(s: &Shared, calendar_id: &str, params: &[(String, String)], prefer: &Prefer) -> ApiResult {
    // Graph treats query parameter names case-insensitively.
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let world = lock(&s.world);
    let cal = world
        .calendars
        .get(calendar_id)
        .filter(|c| !c.removed)
        .ok_or_else(ApiError::not_found)?;
    let resync = |t: &RoundToken| {
        let mut e = ApiError::sync_state_not_found(s.resync_status.load(Ordering::Relaxed));
        if e.status == StatusCode::GONE
            && let Some((start, end)) = t.window()
        {
            e.location = Some(initial_link(&s.base(), calendar_id, start, end));
        }
        e
    };
    let token = if let Some(skip) = get("$skiptoken") {
        let t = RoundToken::decode(skip, "skip")
            .filter(|t| t.calendar == calendar_id)
            .ok_or_else(|| ApiError::bad_request("BadRequest", "The $skiptoken is not valid."))?;
        if t.epoch != world.epoch {
            return Err(resync(&t));
        }
        t
    } else if let Some(delta) = get("$deltatoken") {
        let t = RoundToken::decode(delta, "delta")
            .filter(|t| t.calendar == calendar_id)
            .ok_or_else(|| ApiError::bad_request("BadRequest", "The $deltatoken is not valid."))?;
        if t.epoch != world.epoch || t.snapshot > world.seq {
            return Err(resync(&t));
        }
        RoundToken {
            since: Some(t.snapshot),
            snapshot: world.seq,
            after: None,
            ..t
        }
    } else {
        let (Some(start), Some(end)) = (get("startDateTime"), get("endDateTime")) else {
            return Err(ApiError::bad_request(
                "ErrorInvalidParameter",
                "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
            ));
        };
        let (Some(start), Some(end)) = (parse_bound(start), parse_bound(end)) else {
            return Err(ApiError::bad_request(
                "ErrorInvalidParameter",
                "The value of startDateTime or endDateTime is not a valid date and time.",
            ));
        };
        if end <= start {
            return Err(ApiError::bad_request(
                "ErrorInvalidParameter",
                "The end of the time window must be after its start.",
            ));
        }
        RoundToken {
            epoch: world.epoch,
            calendar: calendar_id.to_owned(),
            start: start.timestamp(),
            end: end.timestamp(),
            snapshot: world.seq,
            since: None,
            after: None,
        }
    };
    let (start, end) = token
        .window()
        .ok_or_else(|| ApiError::bad_request("BadRequest", "The token's window is not valid."))?;
    let overlaps = |body: &Value| bounds(body).is_some_and(|(s, e)| e > start && s < end);
    let zone = prefer.zone();
    let sparse = s.sparse.load(Ordering::Relaxed);
    let removed = |id: &str| {
        json!({
            "@odata.type": "#microsoft.graph.event",
            "id": id,
            "@removed": {"reason": "deleted"}
        })
    };
    // Which events go out, and how: only the page sent is turned into JSON.
    let after = token.after.as_deref();
    let mut items: Vec<(String, (&str, &StoredEvent, bool))> = Vec::new();
    for (id, e) in &cal.events {
        if after.is_some_and(|a| id.as_str() <= a) {
            continue;
        }
        let is_removed = match token.since {
            None if e.deleted || !overlaps(&e.body) => continue,
            Some(since) if e.seq <= since => continue,
            Some(_) if e.deleted || !overlaps(&e.body) => true,
            _ => false,
        };
        items.push((id.clone(), (id.as_str(), e, is_removed)));
    }
    let size = prefer
        .max_page_size
        .unwrap_or(usize::MAX)
        .min(s.page_size.load(Ordering::Relaxed))
        .max(1);
    let (page, next) = take_page(items, after, size);
    let page: Vec<Value> = page
        .into_iter()
        .map(|(id, e, is_removed)| {
            if is_removed {
                removed(id)
            } else {
                wire_event(&e.body, &zone, sparse)
            }
        })
        .collect();
    let mut body = json!({
        "@odata.context": format!("{}/$metadata#Collection(event)", s.base()),
        "value": page,
    });
    let base = s.base();
    let path = format!(
        "{base}/me/calendars/{}/calendarView/delta",
        encode_segment(calendar_id)
    );
    match next {
        Some(after) => {
            let t = RoundToken {
                after: Some(after),
                ..token
            };
            body["@odata.nextLink"] = json!(format!("{path}?$skiptoken={}", t.encode("skip")));
        }
        None => {
            let t = RoundToken {
                since: None,
                after: None,
                ..token
            };
            body["@odata.deltaLink"] = json!(format!("{path}?$deltatoken={}", t.encode("delta")));
        }
    }
    Ok(body)
}

/// An event as a delta page carries it: times in the preferred zone, and in
/// sparse mode an occurrence reduced to what pitfall 4 describes.
fn wire_event(body: &Value, zone: &ZoneChoice, sparse: bool) -> Value {
    let rendered = render_times(body, zone);
    if sparse && body["type"] == "occurrence" {
        let mut m = Map::new();
        m.insert("@odata.type".into(), json!("#microsoft.graph.event"));
        for key in [
            "@odata.etag",
            "id",
            "seriesMasterId",
            "type",
            "start",
            "end",
        ] {
            if let Some(v) = rendered.get(key) {
                m.insert(key.into(), v.clone());
            }
        }
        return Value::Object(m);
    }
    rendered
}

fn initial_link(base: &str, calendar_id: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    format!(
        "{base}/me/calendars/{}/calendarView/delta?startDateTime={}&endDateTime={}",
        encode_segment(calendar_id),
        start.to_rfc3339_opts(SecondsFormat::Secs, true),
        end.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

/// Percent-encodes a path segment (Graph ids may hold `=`, `+` and `/`).
fn encode_segment(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FakeServer for FakeGraph {
    fn harness(&self) -> &Harness {
        &self.shared.harness
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_tokens_round_trip_and_refuse_garbage() {
        let t = RoundToken {
            epoch: 3,
            calendar: "AAMk|x=".into(),
            start: -5,
            end: 1_800_000_000,
            snapshot: 41,
            since: Some(7),
            after: Some("id|2".into()),
        };
        assert_eq!(
            RoundToken::decode(&t.encode("skip"), "skip"),
            Some(t.clone())
        );
        assert_eq!(RoundToken::decode(&t.encode("skip"), "delta"), None);
        assert_eq!(RoundToken::decode("zz", "skip"), None);
        let plain = RoundToken {
            since: None,
            after: None,
            ..t
        };
        assert_eq!(
            RoundToken::decode(&plain.encode("delta"), "delta"),
            Some(plain)
        );
    }

    #[test]
    fn times_render_in_the_preferred_zone() {
        let body = json!({
            "isAllDay": false,
            "start": {"dateTime": "2026-11-16T08:30:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2026-11-16T10:45:00+01:00", "timeZone": "Europe/Berlin"},
        });
        let berlin = ZoneChoice::Iana("Europe/Berlin".parse().unwrap());
        let r = render_times(&body, &berlin);
        assert_eq!(r["start"]["dateTime"], "2026-11-16T09:30:00.0000000");
        assert_eq!(r["start"]["timeZone"], "Europe/Berlin");
        let r = render_times(&body, &ZoneChoice::Utc);
        assert_eq!(r["end"]["dateTime"], "2026-11-16T09:45:00.0000000");
        assert_eq!(r["end"]["timeZone"], "UTC");
    }
}
