//! A stateful fake of Microsoft Graph v1.0's calendar API, served on loopback.
//!
//! It speaks Graph's documented JSON for what a reader needs: `GET /me`,
//! `GET /me/calendars` (paged with `@odata.nextLink`), the calendar view
//! delta of the default calendar `GET /me/calendarView/delta` (the form v1.0
//! documents) and of any calendar `GET /me/calendars/{id}/calendarView/delta`
//! (documented on beta), the windowed listing `GET /me/calendarView` and
//! `GET /me/calendars/{id}/calendarView?startDateTime=&endDateTime=`, and an
//! event by id, `GET /me/events/{id}` or `GET /me/calendars/{cal}/events/{id}`.
//!
//! Paths are matched as Graph matches them: fixed segments in any case
//! (Graph's own links say `calendarview`), and a delta function called as
//! `delta`, `delta()` or `microsoft.graph.delta()`, the OData function syntax
//! Microsoft's SDKs use: msgraph-sdk-python and msgraph-sdk-go build
//! `{+baseurl}/users/{user-id}/calendars/{calendar-id}/calendarView/delta()`
//! with `me` in place of `users/{user-id}`
//! (`msgraph/generated/users/item/calendars/item/calendar_view/delta/delta_request_builder.py`).
//!
//! Delta rounds follow the docs: the first request names the window with
//! `startDateTime`/`endDateTime`; pages continue with `@odata.nextLink`
//! (`$skiptoken`) up to an `@odata.deltaLink` (`$deltatoken`) that carries the
//! window, and the next round returns what changed since, with
//! `{"id", "@removed": {"reason": "deleted"}}` for deletions and for changes
//! outside the window (as Graph does, pitfall 5). `Prefer:
//! odata.maxpagesize=n` and `Prefer: outlook.timezone="…"` are honoured and
//! echoed in `Preference-Applied`. The windowed listing pages with `$top`
//! (else `odata.maxpagesize`, else Graph's default of 10, at most 1000) and
//! `$skip` in its `@odata.nextLink`, as `calendar-list-calendarview.md`
//! describes. Errors use Graph's body `{"error": {"code", "message",
//! "innerError"}}`.
//!
//! What the real service does and a client must cope with:
//! - [`FakeGraph::refuse_calendar_delta`] makes the per-calendar delta of a
//!   calendar answer `400 BadRequest` "Unsupported request: Change tracking is
//!   not supported against 'microsoft.graph.event'.", Graph's answer to a delta
//!   it does not support (msgraph-metadata issue #608); the default calendar's
//!   `/me/calendarView/delta` is never refused.
//! - Calendars others share with the user ([`CalendarEntry::owner`] set) are
//!   listed by `/me/calendars`, but their events can be read only when the
//!   token holds `Calendars.Read.Shared` (or `Calendars.ReadWrite.Shared`);
//!   otherwise `403 ErrorAccessDenied` "Access is denied. Check credentials
//!   and try again." ([`FakeGraph::set_granted_scopes`]). `GET /me/events/{id}`
//!   answers `404 ErrorItemNotFound` for their events and series masters
//!   (microsoft-graph-docs issue #6765); `GET /me/calendars/{cal}/events/{id}`
//!   serves them.
//!
//! Tests change the world through [`FakeGraph`]'s methods, compare a synced
//! store with [`FakeGraph::live_events`], and get faults and latency from
//! [`crate::http`]. [`FakeGraph::invalidate_delta_tokens`] makes every link
//! issued so far answer `410` (or `400`, see [`FakeGraph::set_resync_status`])
//! with `syncStateNotFound`; [`FakeGraph::set_sparse_occurrences`] reproduces
//! the delta answers whose occurrences carry only `id`, `seriesMasterId`,
//! `type`, `start` and `end` (pitfall 4), the rest being on the series master
//! served by id. What the fake stamps with "now" (`createdDateTime`,
//! `lastModifiedDateTime`) reads the clock of [`FakeGraph::set_clock`].
//!
//! Simplifications: events are stored as the instances a calendar view lists
//! (occurrences, exceptions, single instances); series masters are kept apart
//! and only served by id. All-day dates count as midnight UTC when filtering
//! by the window. Stored times are `{dateTime, timeZone}` with `UTC` or an
//! IANA zone (Windows zone names are not understood).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use vica_core::clock::SharedClock;
use vica_core::model::{
    EventKind, EventRecord, EventStatus, EventTime, Provider, Response as MyResponse, ShowAs,
    SourceKind,
};

use crate::http::{
    ErrorRenderer, FakeServer, Harness, InjectedError, ServerHandle, hex_token, json_response,
    lock, parse_query, take_page, unhex_token,
};
pub use crate::http::{Fault, RecordedRequest};
use vica_core::demo::DemoAccount;

/// The access token requests must carry unless [`FakeGraph::set_access_token`] says otherwise.
pub const DEFAULT_ACCESS_TOKEN: &str = "fake-graph-token";
/// The most events on one delta page until [`FakeGraph::set_page_size`] changes it.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// The signed-in user until [`FakeGraph::set_user`] changes it.
pub const DEFAULT_USER_NAME: &str = "Alex Doe";
pub const DEFAULT_USER_ADDRESS: &str = "alex@contoso.example";

/// The scopes a token holds until [`FakeGraph::set_granted_scopes`] says otherwise.
pub const DEFAULT_GRANTED_SCOPES: [&str; 3] =
    ["Calendars.Read", "Calendars.Read.Shared", "User.Read"];

const CALENDARS_TOP_DEFAULT: usize = 10;
const CALENDARS_TOP_MAX: usize = 1000;
/// A windowed `calendarView` listing's page without `$top` or `odata.maxpagesize`, and its largest.
const VIEW_TOP_DEFAULT: usize = 10;
const VIEW_TOP_MAX: usize = 1000;

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
    clock: Mutex<SharedClock>,
    scopes: Mutex<BTreeSet<String>>,
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
            clock: Mutex::new(vica_core::clock::system()),
            scopes: Mutex::new(
                DEFAULT_GRANTED_SCOPES
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
            ),
            base: OnceLock::new(),
            harness: Arc::new(Harness::default()),
        });
        // Graph matches fixed path segments in any case and calls functions
        // with or without `()`, which a router's literal routes cannot say:
        // one handler reads every path.
        let router = Router::new().fallback(dispatch).with_state(shared.clone());
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

    /// The clock the fake reads for "now" (`createdDateTime`,
    /// `lastModifiedDateTime`); the system's until a test sets one.
    pub fn set_clock(&self, clock: SharedClock) {
        *lock(&self.shared.clock) = clock;
    }

    fn now(&self) -> DateTime<Utc> {
        lock(&self.shared.clock).now()
    }

    /// The scopes the access token holds ([`DEFAULT_GRANTED_SCOPES`] until
    /// set). Events of a calendar shared with the user need
    /// `Calendars.Read.Shared` (or `Calendars.ReadWrite.Shared`); the user's
    /// own calendars need any `Calendars.Read*` or `Calendars.ReadWrite*`;
    /// `GET /me` needs `User.Read`. What is missing answers `403 ErrorAccessDenied`.
    pub fn set_granted_scopes(&self, scopes: &[&str]) {
        *lock(&self.shared.scopes) = scopes.iter().map(|s| (*s).to_owned()).collect();
    }

    /// When on, `/me/calendars/{id}/calendarView/delta` answers `400
    /// BadRequest` (change tracking not supported) for this calendar, on the
    /// first request of a round and on its links alike, as v1.0 may for a
    /// calendar other than the default. `/me/calendarView/delta` is not affected.
    pub fn refuse_calendar_delta(&self, calendar_id: &str, refused: bool) {
        lock(&self.shared.world)
            .calendar_mut(calendar_id)
            .delta_refused = refused;
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
        let now = self.now();
        lock(&self.shared.world).put_event(calendar_id, event, &user, now)
    }

    /// Cancels a meeting as its organizer would: the event stays, with `isCancelled: true`.
    pub fn cancel_event(&self, calendar_id: &str, event_id: &str) {
        let now = self.now();
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
            e.body["lastModifiedDateTime"] = json!(graph_instant(now));
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

    /// Stores a series master of the user's own calendars: served by `GET
    /// /me/events/{id}` and by the events path of every calendar the user owns,
    /// never listed in a calendar view.
    pub fn put_series_master(&self, master: Value) -> Value {
        self.store_master(None, master)
    }

    /// Stores a series master of one calendar: served by `GET
    /// /me/calendars/{calendar_id}/events/{id}`, and by `GET /me/events/{id}`
    /// only when the user owns the calendar.
    pub fn put_series_master_in(&self, calendar_id: &str, master: Value) -> Value {
        self.store_master(Some(calendar_id.to_owned()), master)
    }

    fn store_master(&self, calendar: Option<String>, master: Value) -> Value {
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
        world.masters.insert(
            id,
            Master {
                calendar,
                body: body.clone(),
            },
        );
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
    masters: BTreeMap<String, Master>,
}

#[derive(Debug)]
struct Master {
    /// `None`: a master of the user's own calendars, whichever.
    calendar: Option<String>,
    body: Value,
}

#[derive(Debug)]
struct Calendar {
    entry: CalendarEntry,
    removed: bool,
    /// Its per-calendar delta answers 400 (see [`FakeGraph::refuse_calendar_delta`]).
    delta_refused: bool,
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
                delta_refused: false,
                events: BTreeMap::new(),
            })
    }

    fn put_event(
        &mut self,
        calendar_id: &str,
        event: Value,
        user: &(String, String),
        now: DateTime<Utc>,
    ) -> Value {
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
        let now = graph_instant(now);
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

    fn access_denied() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
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
            403 => ApiError::access_denied(),
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

    fn has_scope(&self, any_of: &[&str]) -> bool {
        let granted = lock(&self.scopes);
        any_of
            .iter()
            .any(|s| granted.iter().any(|g| g.eq_ignore_ascii_case(s)))
    }

    /// Whether the token may read the events of a calendar with this entry.
    fn may_read(&self, entry: &CalendarEntry) -> Result<(), ApiError> {
        let needed: &[&str] = if entry.owner.is_some() {
            &["Calendars.Read.Shared", "Calendars.ReadWrite.Shared"]
        } else {
            &[
                "Calendars.Read",
                "Calendars.ReadWrite",
                "Calendars.Read.Shared",
                "Calendars.ReadWrite.Shared",
            ]
        };
        if self.has_scope(needed) {
            Ok(())
        } else {
            Err(ApiError::access_denied())
        }
    }
}

fn respond(result: ApiResult) -> Response {
    match result {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => e.into_response(),
    }
}

/// The calendar a calendar-view path is about.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// `/me/calendarView…`: the user's default calendar.
    Default,
    /// `/me/calendars/{id}/calendarView…`.
    Calendar(String),
}

/// What a request path names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resource {
    Me,
    Calendars,
    Delta(Target),
    View(Target),
    /// `/me/events/{id}` (no calendar) or `/me/calendars/{cal}/events/{id}`.
    Event {
        calendar: Option<String>,
        id: String,
    },
}

/// Reads a path below `/v1.0/`: fixed segments in any case, a delta function
/// with or without `()` and its namespace, ids percent-decoded.
fn resource(path: &str) -> Option<Resource> {
    let segments: Vec<String> = path
        .strip_prefix("/v1.0/")?
        .split('/')
        .map(percent_decode)
        .collect::<Option<_>>()?;
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let delta = |s: &str| {
        matches!(
            s,
            "delta" | "delta()" | "microsoft.graph.delta" | "microsoft.graph.delta()"
        )
    };
    let id = |i: usize| segments.get(i).cloned().unwrap_or_default();
    Some(match lower.as_slice() {
        ["me"] => Resource::Me,
        ["me", "calendars"] => Resource::Calendars,
        ["me", "calendarview"] | ["me", "calendar", "calendarview"] => {
            Resource::View(Target::Default)
        }
        ["me", "calendarview", f] | ["me", "calendar", "calendarview", f] if delta(f) => {
            Resource::Delta(Target::Default)
        }
        ["me", "calendars", _, "calendarview"] => Resource::View(Target::Calendar(id(2))),
        ["me", "calendars", _, "calendarview", f] if delta(f) => {
            Resource::Delta(Target::Calendar(id(2)))
        }
        ["me", "events", _] => Resource::Event {
            calendar: None,
            id: id(2),
        },
        ["me", "calendars", _, "events", _] => Resource::Event {
            calendar: Some(id(2)),
            id: id(4),
        },
        _ => return None,
    })
}

/// Decodes `%XX` escapes of a path segment; `None` for a broken escape or bytes that are not UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

async fn dispatch(
    State(s): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
    RawQuery(q): RawQuery,
) -> Response {
    if let Err(e) = s.authorize(&headers) {
        return e.into_response();
    }
    let Some(resource) = resource(uri.path()) else {
        return ApiError::bad_request(
            "BadRequest",
            &format!("Resource not found for the segment '{}'.", uri.path()),
        )
        .into_response();
    };
    if method != Method::GET {
        return ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "BadRequest",
            "The HTTP method is not allowed for this resource.",
        )
        .into_response();
    }
    let params = q.as_deref().map(parse_query).unwrap_or_default();
    let prefer = Prefer::parse(&headers);
    match resource {
        Resource::Me => respond(me(&s)),
        Resource::Calendars => respond(calendars(&s, &params)),
        Resource::Delta(target) => {
            let mut response = respond(delta(&s, &target, &params, &prefer));
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
        Resource::View(target) => {
            let mut response = respond(calendar_view(&s, &target, &params, &prefer));
            if response.status() == StatusCode::OK && prefer.time_zone.is_some() {
                let applied = format!("outlook.timezone=\"{}\"", prefer.zone().name());
                if let Ok(v) = HeaderValue::from_str(&applied) {
                    response.headers_mut().insert("preference-applied", v);
                }
            }
            response
        }
        Resource::Event { calendar, id } => {
            respond(event_get(&s, calendar.as_deref(), &id, &prefer))
        }
    }
}

fn me(s: &Shared) -> ApiResult {
    if !s.has_scope(&["User.Read", "User.ReadBasic.All", "User.Read.All"]) {
        return Err(ApiError::access_denied());
    }
    let (name, address) = lock(&s.user).clone();
    Ok(json!({
        "@odata.context": format!("{}/$metadata#users/$entity", s.base()),
        "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
        "displayName": name,
        "mail": address,
        "userPrincipalName": address,
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

/// A query parameter by name, without regard to case (as Graph reads them).
fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn number(params: &[(String, String)], name: &str, default: usize) -> Result<usize, ApiError> {
    match param(params, name) {
        None => Ok(default),
        Some(v) => v.parse::<usize>().map_err(|_| {
            ApiError::bad_request("BadRequest", &format!("Invalid value for '{name}'."))
        }),
    }
}

fn calendars(s: &Shared, params: &[(String, String)]) -> ApiResult {
    s.may_read(&CalendarEntry::new("", ""))?;
    let top = number(params, "$top", CALENDARS_TOP_DEFAULT)?.clamp(1, CALENDARS_TOP_MAX);
    let skip = number(params, "$skip", 0)?;
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
}

impl World {
    /// The calendar a path names: its id and the calendar, if it is there.
    fn target(&self, target: &Target) -> Result<(String, &Calendar), ApiError> {
        let found = match target {
            Target::Default => self
                .calendars
                .iter()
                .find(|(_, c)| c.entry.is_default && !c.removed),
            Target::Calendar(id) => self.calendars.get_key_value(id).filter(|(_, c)| !c.removed),
        };
        found
            .map(|(id, c)| (id.clone(), c))
            .ok_or_else(ApiError::not_found)
    }
}

/// `GET /me/events/{id}` (the user's own calendars only) or `GET
/// /me/calendars/{cal}/events/{id}`: an event or a series master.
fn event_get(s: &Shared, calendar: Option<&str>, event_id: &str, prefer: &Prefer) -> ApiResult {
    let world = lock(&s.world);
    let found = match calendar {
        None => {
            s.may_read(&CalendarEntry::new("", ""))?;
            let own = |id: &str| {
                world
                    .calendars
                    .get(id)
                    .is_some_and(|c| !c.removed && c.entry.owner.is_none())
            };
            world
                .masters
                .get(event_id)
                .filter(|m| m.calendar.as_deref().is_none_or(own))
                .map(|m| m.body.clone())
                .or_else(|| {
                    world
                        .calendars
                        .iter()
                        .filter(|(id, _)| own(id))
                        .find_map(|(_, c)| c.events.get(event_id).filter(|e| !e.deleted))
                        .map(|e| e.body.clone())
                })
        }
        Some(calendar_id) => {
            let (id, cal) = world.target(&Target::Calendar(calendar_id.to_owned()))?;
            s.may_read(&cal.entry)?;
            world
                .masters
                .get(event_id)
                .filter(|m| match &m.calendar {
                    Some(c) => *c == id,
                    None => cal.entry.owner.is_none(),
                })
                .map(|m| m.body.clone())
                .or_else(|| {
                    cal.events
                        .get(event_id)
                        .filter(|e| !e.deleted)
                        .map(|e| e.body.clone())
                })
        }
    };
    found
        .map(|b| render_times(&b, &prefer.zone()))
        .ok_or_else(ApiError::not_found)
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

/// The `startDateTime`/`endDateTime` window a first request must name.
fn window_of(params: &[(String, String)]) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let (Some(start), Some(end)) = (param(params, "startDateTime"), param(params, "endDateTime"))
    else {
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
    Ok((start, end))
}

/// The path of a target's calendar view (`…/calendarview`, as Graph's links spell it).
fn view_path(base: &str, target: &Target) -> String {
    match target {
        Target::Default => format!("{base}/me/calendarview"),
        Target::Calendar(id) => format!("{base}/me/calendars/{}/calendarview", encode_segment(id)),
    }
}

/// `GET …/calendarView?startDateTime=&endDateTime=`: the instances
/// overlapping the window, by start, paged with `$top` and `$skip`.
fn calendar_view(
    s: &Shared,
    target: &Target,
    params: &[(String, String)],
    prefer: &Prefer,
) -> ApiResult {
    let world = lock(&s.world);
    let (_, cal) = world.target(target)?;
    s.may_read(&cal.entry)?;
    let (start, end) = window_of(params)?;
    let top = number(
        params,
        "$top",
        prefer.max_page_size.unwrap_or(VIEW_TOP_DEFAULT),
    )?
    .clamp(1, VIEW_TOP_MAX);
    let skip = number(params, "$skip", 0)?;
    let mut listed: Vec<(DateTime<Utc>, &String, &StoredEvent)> = cal
        .events
        .iter()
        .filter(|(_, e)| !e.deleted)
        .filter_map(|(id, e)| {
            let (s, en) = bounds(&e.body)?;
            (en > start && s < end).then_some((s, id, e))
        })
        .collect();
    listed.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let zone = prefer.zone();
    let page: Vec<Value> = listed
        .iter()
        .skip(skip)
        .take(top)
        .map(|(_, _, e)| render_times(&e.body, &zone))
        .collect();
    let mut body = json!({
        "@odata.context": format!("{}/$metadata#Collection(event)", s.base()),
        "value": page,
    });
    if skip + top < listed.len() {
        let value = |name: &str| -> String {
            form_urlencoded::byte_serialize(param(params, name).unwrap_or_default().as_bytes())
                .collect()
        };
        body["@odata.nextLink"] = json!(format!(
            "{}?startDateTime={}&endDateTime={}&$top={top}&$skip={}",
            view_path(&s.base(), target),
            value("startDateTime"),
            value("endDateTime"),
            skip + top
        ));
    }
    Ok(body)
}

fn delta(s: &Shared, target: &Target, params: &[(String, String)], prefer: &Prefer) -> ApiResult {
    let world = lock(&s.world);
    let (calendar_id, cal) = world.target(target)?;
    s.may_read(&cal.entry)?;
    if cal.delta_refused && *target != Target::Default {
        return Err(ApiError::bad_request(
            "BadRequest",
            "Unsupported request: Change tracking is not supported against 'microsoft.graph.event'.",
        ));
    }
    let path = format!("{}/delta", view_path(&s.base(), target));
    let resync = |t: &RoundToken| {
        let mut e = ApiError::sync_state_not_found(s.resync_status.load(Ordering::Relaxed));
        if e.status == StatusCode::GONE
            && let Some((start, end)) = t.window()
        {
            e.location = Some(initial_link(&path, start, end));
        }
        e
    };
    let token = if let Some(skip) = param(params, "$skiptoken") {
        let t = RoundToken::decode(skip, "skip")
            .filter(|t| t.calendar == calendar_id)
            .ok_or_else(|| ApiError::bad_request("BadRequest", "The $skiptoken is not valid."))?;
        if t.epoch != world.epoch {
            return Err(resync(&t));
        }
        t
    } else if let Some(delta) = param(params, "$deltatoken") {
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
        let (start, end) = window_of(params)?;
        RoundToken {
            epoch: world.epoch,
            calendar: calendar_id.clone(),
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

fn initial_link(delta_path: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    format!(
        "{delta_path}?startDateTime={}&endDateTime={}",
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
    fn paths_are_read_as_graph_reads_them() {
        let cal = |id: &str| Target::Calendar(id.to_owned());
        assert_eq!(resource("/v1.0/me"), Some(Resource::Me));
        assert_eq!(
            resource("/v1.0/me/calendarView/delta()"),
            Some(Resource::Delta(Target::Default))
        );
        assert_eq!(
            resource("/v1.0/ME/CALENDARVIEW"),
            Some(Resource::View(Target::Default))
        );
        assert_eq!(
            resource("/v1.0/me/calendars/AAMk%2B%2Fx%3D/calendarview/microsoft.graph.delta"),
            Some(Resource::Delta(cal("AAMk+/x=")))
        );
        assert_eq!(
            resource("/v1.0/me/calendars/c1/events/e%7C1"),
            Some(Resource::Event {
                calendar: Some("c1".into()),
                id: "e|1".into()
            })
        );
        for bad in [
            "/v1.0/me/calendarView/deltas",
            "/v1.0/me/calendars/c1/calendarView/delta/x",
            "/v1.0/me/calendars/%zz/calendarView",
            "/v1.0/me/calendars/%FF/calendarView",
            "/beta/me/calendarView/delta",
            "/v1.0/me/",
        ] {
            assert_eq!(resource(bad), None, "{bad}");
        }
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
