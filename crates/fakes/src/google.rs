//! A stateful fake of the Google Calendar API v3, served on loopback.
//!
//! It speaks Google's documented JSON for the two calls a reader needs,
//! `calendarList.list` and `events.list` (plus `events.get`), with paging,
//! sync tokens, `410 fullSyncRequired`, Google's error bodies and bearer-token
//! checks. Tests mutate the world through [`FakeGoogle`]'s methods and compare a
//! synced store against [`FakeGoogle::live_events`] or
//! [`FakeGoogle::instances`]; faults and latency come from [`crate::http`].
//!
//! Every mutation takes the next number of one global sequence. A sync token
//! names a sequence number, a calendar and an invalidation epoch; an
//! incremental sync returns everything whose number is above the token's, so
//! tokens stay usable until [`FakeGoogle::invalidate_sync_tokens`].
//!
//! Recurring events are stored as Google stores them ([`series`]): a master
//! with `recurrence` lines, and exceptions (moved or cancelled instances)
//! under the id of the instance they replace, with `recurringEventId` and
//! `originalStartTime`. `singleEvents=true` expands masters into instances
//! for the requested window; without it masters and exceptions are listed.
//! Over a sync token, and with `singleEvents=true`, a series comes back only
//! when its master changed, and then whole: every instance to the series'
//! end (or as far as [`series`] says an endless one goes), its exceptions,
//! and as cancelled instances the ones the change removed (a deleted series
//! returns all of them cancelled), wherever they lie; a changed exception
//! alone comes back alone. This is what API-NOTES §5 reports of the real
//! service (an incremental sync returns only what changed since the token,
//! <https://developers.google.com/calendar/api/guides/sync>; a touched series
//! returns every instance to its end, years ahead, and a deleted one its
//! cancelled instances: <https://github.com/garrytan/gbrain/pull/5015>,
//! <https://github.com/googleapis/google-api-ruby-client/issues/860>). One-off
//! events come back when changed, wherever they lie.
//!
//! "Now" is a clock the test may set ([`FakeGoogle::set_clock`], the system
//! clock by default): `created` and `updated` stamps and how far an endless
//! series is expanded follow it, so weeks can pass between syncs.
//!
//! Simplifications: `q`, `updatedMin`, `iCalUID` and `timeZone` are accepted
//! and ignored on full syncs; all-day dates count as midnight UTC when
//! filtering by `timeMin`/`timeMax`; an exception keeps its own fields when
//! its master changes; a deleted series is not listed with `showDeleted`
//! outside a sync token. Events stored without a master of their own (the
//! demo's instances, [`event_json`]'s output) are listed as they are, in
//! both modes.

mod series;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::{Map, Value, json};

use vica_core::clock::SharedClock;
use vica_core::model::{
    EventKind, EventRecord, EventTime, Provider, Response as MyResponse, ShowAs, SourceKind,
    SourceRecord,
};

use crate::http::{
    ErrorRenderer, FakeServer, Harness, InjectedError, ServerHandle, json_response, lock,
    parse_query,
};
pub use crate::http::{Fault, RecordedRequest};
pub use series::{INSTANCES_AHEAD, instance_id};
use series::{Occurrence, Series};
use vica_core::demo::DemoAccount;

/// The access token requests must carry unless [`FakeGoogle::set_access_token`] says otherwise.
pub const DEFAULT_ACCESS_TOKEN: &str = "fake-google-token";
/// The server-side page size until [`FakeGoogle::set_page_size`] changes it.
pub const DEFAULT_PAGE_SIZE: usize = 250;

const EVENTS_MAX_RESULTS_DEFAULT: usize = 250;
const EVENTS_MAX_RESULTS_MAX: usize = 2500;
const LIST_MAX_RESULTS_DEFAULT: usize = 100;
const LIST_MAX_RESULTS_MAX: usize = 250;

/// Parameters Google refuses next to `syncToken` on `events.list`.
const NOT_WITH_SYNC_TOKEN: [&str; 8] = [
    "timeMin",
    "timeMax",
    "orderBy",
    "q",
    "updatedMin",
    "iCalUID",
    "privateExtendedProperty",
    "sharedExtendedProperty",
];

/// A calendar in the user's calendar list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    pub id: String,
    pub summary: String,
    /// `#rrggbb`; left out of the JSON when `None`.
    pub background_color: Option<String>,
    /// `freeBusyReader`, `reader`, `writer` or `owner`.
    pub access_role: String,
    pub primary: bool,
}

impl CalendarEntry {
    /// An owned, non-primary calendar without a colour.
    pub fn new(id: impl Into<String>, summary: impl Into<String>) -> CalendarEntry {
        CalendarEntry {
            id: id.into(),
            summary: summary.into(),
            background_color: None,
            access_role: "owner".into(),
            primary: false,
        }
    }
}

impl From<&SourceRecord> for CalendarEntry {
    fn from(r: &SourceRecord) -> CalendarEntry {
        CalendarEntry {
            id: r.provider_id.clone(),
            summary: r.name.clone(),
            background_color: r.color.clone(),
            access_role: r.access_role.clone().unwrap_or_else(|| "owner".into()),
            primary: r.is_primary,
        }
    }
}

/// A running fake Google Calendar server. Clones share the server and its
/// world; the server stops on [`FakeGoogle::shutdown`] or when the last clone is dropped.
#[derive(Clone)]
pub struct FakeGoogle {
    shared: Arc<Shared>,
    server: Arc<ServerHandle>,
}

impl std::fmt::Debug for FakeGoogle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeGoogle")
            .field("addr", &self.server.addr())
            .finish_non_exhaustive()
    }
}

struct Shared {
    world: Mutex<World>,
    token: Mutex<String>,
    /// The scopes granted to `token` (space-separated), when known.
    granted_scopes: Mutex<Option<String>>,
    page_size: AtomicUsize,
    trailing_empty_page: AtomicBool,
    drop_sync_token: AtomicBool,
    harness: Arc<Harness>,
}

impl FakeGoogle {
    /// Binds `127.0.0.1:0` and serves in a tokio task of the current runtime.
    pub async fn start() -> std::io::Result<FakeGoogle> {
        let shared = Arc::new(Shared {
            world: Mutex::new(World::default()),
            token: Mutex::new(DEFAULT_ACCESS_TOKEN.to_owned()),
            granted_scopes: Mutex::new(None),
            page_size: AtomicUsize::new(DEFAULT_PAGE_SIZE),
            trailing_empty_page: AtomicBool::new(false),
            drop_sync_token: AtomicBool::new(false),
            harness: Arc::new(Harness::default()),
        });
        let router = Router::new()
            .route("/calendar/v3/users/me/calendarList", get(calendar_list))
            .route(
                "/calendar/v3/calendars/{calendar_id}/events",
                get(events_list),
            )
            .route(
                "/calendar/v3/calendars/{calendar_id}/events/{event_id}",
                get(events_get),
            )
            .fallback(unknown_route)
            .with_state(shared.clone());
        let render: ErrorRenderer = render_injected;
        let router = crate::http::with_harness(router, shared.harness.clone(), render);
        let server = ServerHandle::start(router).await?;
        Ok(FakeGoogle {
            shared,
            server: Arc::new(server),
        })
    }

    /// `http://127.0.0.1:PORT/calendar/v3`, to which clients append
    /// `/users/me/calendarList` and `/calendars/{id}/events`.
    pub fn base_url(&self) -> String {
        format!("http://{}/calendar/v3", self.server.addr())
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    /// The most items the server puts on one page; a client's `maxResults` is capped by it.
    pub fn set_page_size(&self, n: usize) {
        self.shared.page_size.store(n.max(1), Ordering::Relaxed);
    }

    /// When on, a list whose last page is full ends with an extra empty page
    /// (Google may send a `nextPageToken` whose page holds nothing).
    pub fn set_trailing_empty_page(&self, on: bool) {
        self.shared.trailing_empty_page.store(on, Ordering::Relaxed);
    }

    /// When on, the last page of an `events.list` carries neither
    /// `nextPageToken` nor `nextSyncToken`, as users have seen Google answer
    /// (<https://github.com/googleapis/google-api-php-client/issues/2637>:
    /// "Setting the singleEvents parameter to true causes my request to not
    /// return a sync token").
    pub fn set_drop_sync_token(&self, on: bool) {
        self.shared.drop_sync_token.store(on, Ordering::Relaxed);
    }

    /// What time it is for the server: `created`/`updated` stamps and how far
    /// a series without an end is expanded follow this clock from now on.
    pub fn set_clock(&self, clock: SharedClock) {
        lock(&self.shared.world).clock = clock;
    }

    /// The bearer token every request must carry.
    pub fn set_access_token(&self, token: &str) {
        *lock(&self.shared.token) = token.to_owned();
    }

    /// The scopes (space-separated, as a token response's `scope`) granted to
    /// the access token; `None` (the default) checks none. A token without
    /// `…/auth/calendar.readonly` or `…/auth/calendar` is answered `403
    /// insufficientPermissions`, as Google answers a token whose calendar box
    /// was left unticked on the consent screen.
    pub fn set_granted_scopes(&self, scopes: Option<&str>) {
        *lock(&self.shared.granted_scopes) = scopes.map(str::to_owned);
    }

    /// Adds a calendar to the list, or replaces the entry with the same id
    /// (bringing a removed calendar back with its events).
    pub fn add_calendar(&self, c: CalendarEntry) {
        lock(&self.shared.world).add_calendar(c);
    }

    /// Removes a calendar from the list: `events.list` on it answers 404 and an
    /// incremental calendar list shows it with `deleted: true`.
    pub fn remove_calendar(&self, id: &str) {
        lock(&self.shared.world).remove_calendar(id);
    }

    /// The IANA zone the calendar reports (`UTC` until set).
    pub fn set_calendar_time_zone(&self, calendar_id: &str, tz: &str) {
        let mut world = lock(&self.shared.world);
        world.calendar_mut(calendar_id).time_zone = tz.to_owned();
    }

    /// Inserts or replaces an event by its `"id"` and returns it as stored.
    /// A body with `recurrence` is a series' master; one with
    /// `recurringEventId` naming a master stored here and `originalStartTime`
    /// is an exception of that series (its id, when missing, is the
    /// instance's, see [`instance_id`]); any other missing id is made up.
    /// Sets `kind` and `etag` (always, as Google changes the etag on every
    /// write), and `updated`, `created`, `htmlLink`, `iCalUID`, `status` and
    /// `eventType` when missing. `updated` is also renewed when a replacement
    /// carries the stored value unchanged. An event with `"status":
    /// "cancelled"` is stored as cancelled. A calendar not added yet is created.
    pub fn put_event(&self, calendar_id: &str, event: Value) -> Value {
        lock(&self.shared.world).put_event(calendar_id, event)
    }

    /// Marks an event cancelled: full syncs leave it out (unless `showDeleted`),
    /// incremental syncs return `{kind, etag, id, status: "cancelled"}`.
    pub fn cancel_event(&self, calendar_id: &str, event_id: &str) {
        lock(&self.shared.world).retire(calendar_id, event_id, Retired::Cancelled);
    }

    /// Deletes an event. On the wire this looks like a cancellation, as on Google.
    /// Deleting a master deletes the series; deleting an instance of a series
    /// (by its instance id) stores a cancelled exception, as `events.delete` does.
    pub fn delete_event(&self, calendar_id: &str, event_id: &str) {
        lock(&self.shared.world).retire(calendar_id, event_id, Retired::Deleted);
    }

    /// Cancels one instance of a series: stores a cancelled exception for
    /// the instance the rule placed at `original_start` (an `originalStartTime`:
    /// `{dateTime, timeZone}` or `{date}`).
    pub fn cancel_instance(&self, calendar_id: &str, master_id: &str, original_start: Value) {
        let Some(id) = instance_id(master_id, &original_start) else {
            return;
        };
        lock(&self.shared.world).put_event(
            calendar_id,
            json!({
                "id": id,
                "status": "cancelled",
                "recurringEventId": master_id,
                "originalStartTime": original_start,
            }),
        );
    }

    /// What `events.list` with `singleEvents=true` shows of a calendar between
    /// `time_min` and `time_max` (an event's end after the first, its start
    /// before the second; `None` leaves that side open): one-off events and
    /// the series' instances, exceptions applied, ordered by start. The truth
    /// to compare a store with.
    pub fn instances(
        &self,
        calendar_id: &str,
        time_min: Option<DateTime<Utc>>,
        time_max: Option<DateTime<Utc>>,
    ) -> Vec<Value> {
        let world = lock(&self.shared.world);
        let Some(cal) = world.calendars.get(calendar_id) else {
            return Vec::new();
        };
        let listing = Listing {
            since: None,
            show_deleted: None,
            time_min,
            time_max,
            event_types: &[],
            single_events: true,
            now: world.clock.now(),
        };
        let mut items = Vec::new();
        for (id, e) in &cal.events {
            listing.items(cal, calendar_id, id, e, &mut items);
        }
        items.sort_by_cached_key(|i| time_key(i.start, &i.key));
        items
            .into_iter()
            .map(|i| match i.wire {
                Wire::Body(e) | Wire::Minimal(e) => e.body.clone(),
                Wire::Made(v) => v,
            })
            .collect()
    }

    /// Moves an event to another calendar, keeping its id (as `events.move`
    /// does): the source shows it deleted, the destination shows it new.
    /// Returns the event as stored in the destination, or `None` if there was no live event.
    pub fn move_event(&self, from: &str, event_id: &str, to: &str) -> Option<Value> {
        let mut world = lock(&self.shared.world);
        let body = world
            .calendars
            .get(from)?
            .events
            .get(event_id)
            .filter(|e| e.state == EventState::Live)?
            .body
            .clone();
        world.retire(from, event_id, Retired::Deleted);
        let mut body = body;
        if let Some(m) = body.as_object_mut() {
            m.remove("htmlLink");
        }
        Some(world.put_event(to, body))
    }

    /// The calendar's non-cancelled events as stored (series as their
    /// masters, exceptions on their own), ordered by id.
    pub fn live_events(&self, calendar_id: &str) -> Vec<Value> {
        let world = lock(&self.shared.world);
        world
            .calendars
            .get(calendar_id)
            .map(|c| {
                c.events
                    .values()
                    .filter(|e| e.state == EventState::Live)
                    .map(|e| e.body.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Makes every sync token issued so far answer `410 fullSyncRequired`.
    pub fn invalidate_sync_tokens(&self) {
        lock(&self.shared.world).epoch += 1;
    }

    /// Serves the Google accounts of a demo world: each calendar source becomes
    /// a calendar (zone from its first event) and each event goes through
    /// [`event_json_as`] with the account's primary calendar id as the user's email.
    /// Other providers' accounts are skipped.
    pub fn load_demo(&self, accounts: &[DemoAccount]) {
        let mut world = lock(&self.shared.world);
        for account in accounts.iter().filter(|a| a.provider == Provider::Google) {
            let calendars: Vec<_> = account
                .sources
                .iter()
                .filter(|s| s.record.kind == SourceKind::Calendar)
                .collect();
            let me = calendars
                .iter()
                .find(|s| s.record.is_primary)
                .map_or("me@example.com", |s| s.record.provider_id.as_str());
            for source in calendars {
                let id = source.record.provider_id.as_str();
                world.add_calendar(CalendarEntry::from(&source.record));
                if let Some(tz) = source.events.iter().find_map(|e| e.time_zone.clone()) {
                    world.calendar_mut(id).time_zone = tz;
                }
                for event in &source.events {
                    world.put_event(id, event_json_as(event, me));
                }
            }
        }
    }

    /// Stops the server; requests under way finish.
    pub fn shutdown(&self) {
        self.server.shutdown();
    }
}

/// Google's Event resource for a core [`EventRecord`], with `me@example.com` as the user.
pub fn event_json(record: &EventRecord) -> Value {
    event_json_as(record, "me@example.com")
}

/// Google's Event resource for a core [`EventRecord`], with `self_email` as the user.
///
/// Timed events get `{dateTime, timeZone}` (the offset is the event's zone's
/// when it has a valid one, else UTC); all-day events `{date}` with the
/// exclusive end. `series_id` becomes `recurringEventId` (with
/// `originalStartTime` equal to `start`). The user appears in `attendees`
/// (`self: true`) only when `my_response` is set, followed by
/// `attendee_count` other guests; `organizer.self` is set when `is_organizer`.
/// `kind` becomes `eventType` with its properties object (`focusTimeProperties`
/// …); `show_as: free`, working-location and birthday entries are
/// `transparency: transparent` (opaque, the default, is left out as Google does).
pub fn event_json_as(record: &EventRecord, self_email: &str) -> Value {
    let mut m = Map::new();
    m.insert("kind".into(), json!("calendar#event"));
    m.insert("id".into(), json!(record.provider_id));
    m.insert("status".into(), json!(record.status.as_str()));
    if let Some(link) = &record.link {
        m.insert("htmlLink".into(), json!(link));
    }
    if let Some(updated) = record.updated_at {
        m.insert("updated".into(), json!(rfc3339_millis(updated)));
    }
    m.insert("summary".into(), json!(record.title));
    if let Some(d) = &record.description {
        m.insert("description".into(), json!(d));
    }
    if let Some(l) = &record.location {
        m.insert("location".into(), json!(l));
    }
    let organizer = if record.is_organizer {
        json!({ "email": self_email, "self": true })
    } else {
        json!({ "email": "organizer@example.com" })
    };
    m.insert("creator".into(), organizer.clone());
    m.insert("organizer".into(), organizer);
    let (start, end) = match record.time {
        EventTime::AllDay { start, end } => (
            json!({ "date": start.to_string() }),
            json!({ "date": end.to_string() }),
        ),
        EventTime::Timed { start, end } => {
            let tz = record
                .time_zone
                .as_deref()
                .and_then(|z| z.parse::<Tz>().ok());
            let stamp = |t: DateTime<Utc>| match tz {
                Some(tz) => t
                    .with_timezone(&tz)
                    .to_rfc3339_opts(SecondsFormat::Secs, true),
                None => t.to_rfc3339_opts(SecondsFormat::Secs, true),
            };
            let when = |t| match tz {
                Some(tz) => json!({ "dateTime": stamp(t), "timeZone": tz.name() }),
                None => json!({ "dateTime": stamp(t) }),
            };
            (when(start), when(end))
        }
    };
    if let Some(series) = &record.series_id {
        m.insert("recurringEventId".into(), json!(series));
        m.insert("originalStartTime".into(), start.clone());
    }
    m.insert("start".into(), start);
    m.insert("end".into(), end);
    m.insert(
        "iCalUID".into(),
        json!(format!(
            "{}@google.com",
            record.series_id.as_deref().unwrap_or(&record.provider_id)
        )),
    );
    m.insert("sequence".into(), json!(0));
    let mut attendees = Vec::new();
    if let Some(r) = record.my_response {
        let mut me =
            json!({ "email": self_email, "self": true, "responseStatus": response_status(r) });
        if record.is_organizer {
            me["organizer"] = json!(true);
        }
        attendees.push(me);
    }
    for n in 1..=record.attendee_count {
        attendees.push(
            json!({ "email": format!("guest{n}@example.com"), "responseStatus": "accepted" }),
        );
    }
    if !attendees.is_empty() {
        m.insert("attendees".into(), Value::Array(attendees));
    }
    m.insert("reminders".into(), json!({ "useDefault": true }));
    // Google types special entries with `eventType` and a properties object
    // of the same name; working-location and birthday entries are transparent.
    let (event_type, properties) = match record.kind {
        EventKind::Default => ("default", None),
        EventKind::OutOfOffice => (
            "outOfOffice",
            Some((
                "outOfOfficeProperties",
                json!({ "autoDeclineMode": "declineOnlyNewConflictingInvitations" }),
            )),
        ),
        EventKind::FocusTime => (
            "focusTime",
            Some((
                "focusTimeProperties",
                json!({ "chatStatus": "doNotDisturb" }),
            )),
        ),
        EventKind::WorkingLocation => (
            "workingLocation",
            Some((
                "workingLocationProperties",
                json!({ "type": "homeOffice", "homeOffice": {} }),
            )),
        ),
        EventKind::Birthday => (
            "birthday",
            Some(("birthdayProperties", json!({ "type": "birthday" }))),
        ),
        EventKind::FromGmail => ("fromGmail", None),
    };
    m.insert("eventType".into(), json!(event_type));
    if let Some((name, value)) = properties {
        m.insert(name.into(), value);
    }
    let transparent = record.show_as == ShowAs::Free
        || matches!(
            record.kind,
            EventKind::WorkingLocation | EventKind::Birthday
        );
    if transparent {
        m.insert("transparency".into(), json!("transparent"));
    }
    Value::Object(m)
}

/// Google's `responseStatus` for the core's response.
pub fn response_status(r: MyResponse) -> &'static str {
    match r {
        MyResponse::Accepted => "accepted",
        MyResponse::Declined => "declined",
        MyResponse::Tentative => "tentative",
        MyResponse::NeedsAction => "needsAction",
    }
}

fn rfc3339_millis(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

// ---------------------------------------------------------------------------
// The world

#[derive(Debug)]
struct World {
    /// The last sequence number handed out.
    seq: u64,
    /// Bumped by `invalidate_sync_tokens`; tokens of older epochs are refused.
    epoch: u64,
    calendars: BTreeMap<String, Calendar>,
    /// What time it is for the server.
    clock: SharedClock,
}

impl Default for World {
    fn default() -> World {
        World {
            seq: 0,
            epoch: 0,
            calendars: BTreeMap::new(),
            clock: vica_core::clock::system(),
        }
    }
}

#[derive(Debug)]
struct Calendar {
    entry: CalendarEntry,
    time_zone: String,
    removed: bool,
    /// Sequence number of the list entry's last change.
    seq: u64,
    events: BTreeMap<String, StoredEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventState {
    Live,
    Cancelled,
    Deleted,
}

#[derive(Debug)]
struct StoredEvent {
    body: Value,
    seq: u64,
    state: EventState,
    /// Start and end, read once from the body (start and end never change in place).
    span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// A master's recurrence.
    series: Option<Series>,
    /// A master's instances that earlier versions of the series had and the
    /// current one has not (all of them once it is deleted): instance id →
    /// (the sequence number of the change that removed it,
    /// `originalStartTime`). An incremental sync from before that change
    /// returns them cancelled.
    removed: BTreeMap<String, (u64, Value)>,
}

#[derive(Debug, Clone, Copy)]
enum Retired {
    Cancelled,
    Deleted,
}

fn etag(seq: u64) -> String {
    format!("\"{}\"", 3_400_000_000_000_000u64 + seq)
}

impl World {
    fn bump(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn add_calendar(&mut self, entry: CalendarEntry) {
        let seq = self.bump();
        let cal = self.calendar_mut(&entry.id);
        cal.entry = entry;
        cal.removed = false;
        cal.seq = seq;
    }

    fn remove_calendar(&mut self, id: &str) {
        if self.calendars.get(id).is_some_and(|c| !c.removed) {
            let seq = self.bump();
            if let Some(cal) = self.calendars.get_mut(id) {
                cal.removed = true;
                cal.seq = seq;
            }
        }
    }

    /// The calendar, created (owned, named after its id, in UTC) when missing.
    fn calendar_mut(&mut self, id: &str) -> &mut Calendar {
        let seq = if self.calendars.contains_key(id) {
            self.seq
        } else {
            self.bump()
        };
        self.calendars
            .entry(id.to_owned())
            .or_insert_with(|| Calendar {
                entry: CalendarEntry::new(id, id),
                time_zone: "UTC".into(),
                removed: false,
                seq,
                events: BTreeMap::new(),
            })
    }

    fn put_event(&mut self, calendar_id: &str, event: Value) -> Value {
        let seq = self.bump();
        let now = self.clock.now();
        let cal = self.calendar_mut(calendar_id);
        let mut m = match event {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let exception_id = || {
            let master = m.get("recurringEventId")?.as_str()?;
            cal.events.get(master)?.series.as_ref()?;
            instance_id(master, m.get("originalStartTime")?)
        };
        let id = match m.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => id.to_owned(),
            _ => exception_id().unwrap_or_else(|| format!("fakeevent{seq:06}")),
        };
        let now_text = rfc3339_millis(now);
        let previous = cal.events.get(&id);
        let created = previous
            .and_then(|e| e.body.get("created").cloned())
            .unwrap_or_else(|| json!(now_text));
        // A replacement that left `updated` as it was gets a fresh one, as on Google.
        let previous_updated = previous.and_then(|e| e.body.get("updated"));
        if previous_updated.is_some() && previous_updated == m.get("updated") {
            m.remove("updated");
        }
        // What the series had before, to find the instances this change removes.
        let mut removed = previous
            .map(|e| e.instances_and_removed(&id, now, seq))
            .unwrap_or_default();
        m.insert("kind".into(), json!("calendar#event"));
        m.insert("etag".into(), json!(etag(seq)));
        m.insert("id".into(), json!(id));
        m.entry("status").or_insert_with(|| json!("confirmed"));
        m.entry("htmlLink")
            .or_insert_with(|| json!(html_link(calendar_id, &id)));
        m.entry("created").or_insert(created);
        m.entry("updated").or_insert_with(|| json!(now_text));
        m.entry("iCalUID")
            .or_insert_with(|| json!(format!("{id}@google.com")));
        m.entry("eventType").or_insert_with(|| json!("default"));
        let state = if m.get("status").and_then(Value::as_str) == Some("cancelled") {
            EventState::Cancelled
        } else {
            EventState::Live
        };
        let body = Value::Object(m);
        let span = (|| Some((instant(body.get("start")?)?, instant(body.get("end")?)?)))();
        let series = Series::of(&body);
        if state == EventState::Live
            && let Some(series) = &series
        {
            for kept in series.ids(&id, now) {
                removed.remove(&kept);
            }
        }
        cal.events.insert(
            id,
            StoredEvent {
                body: body.clone(),
                seq,
                state,
                span,
                series,
                removed,
            },
        );
        body
    }

    fn retire(&mut self, calendar_id: &str, event_id: &str, how: Retired) {
        let target = match how {
            Retired::Cancelled => EventState::Cancelled,
            Retired::Deleted => EventState::Deleted,
        };
        let now = self.clock.now();
        let Some(cal) = self.calendars.get(calendar_id) else {
            return;
        };
        let Some(stored) = cal.events.get(event_id) else {
            // An instance of a series that has no exception yet: cancel it
            // by storing a cancelled exception, as Google does.
            if let Some((master_id, occurrence)) = cal.occurrence(event_id, now) {
                self.put_event(
                    calendar_id,
                    json!({
                        "id": event_id,
                        "status": "cancelled",
                        "recurringEventId": master_id,
                        "originalStartTime": occurrence.original,
                    }),
                );
            }
            return;
        };
        if stored.state == target || stored.state == EventState::Deleted {
            return;
        }
        let seq = self.seq + 1;
        let removed = stored.instances_and_removed(event_id, now, seq);
        self.bump();
        let Some(e) = self
            .calendars
            .get_mut(calendar_id)
            .and_then(|c| c.events.get_mut(event_id))
        else {
            return;
        };
        e.seq = seq;
        e.state = target;
        e.removed = removed;
        if let Some(m) = e.body.as_object_mut() {
            m.insert("status".into(), json!("cancelled"));
            m.insert("etag".into(), json!(etag(seq)));
            m.insert("updated".into(), json!(rfc3339_millis(now)));
        }
    }
}

impl Calendar {
    /// The master of a series stored here, by id.
    fn master(&self, id: &str) -> Option<(&StoredEvent, &Series)> {
        let e = self.events.get(id)?;
        Some((e, e.series.as_ref()?))
    }

    /// The series an event id names an instance of, when it is one of a live
    /// master's instances: the master's id and the instance.
    fn occurrence(&self, event_id: &str, now: DateTime<Utc>) -> Option<(&str, Occurrence)> {
        let (master_id, _) = event_id.rsplit_once('_')?;
        let (master, series) = self.master(master_id)?;
        if master.state != EventState::Live {
            return None;
        }
        let o = series
            .occurrences(master_id, now)
            .iter()
            .find(|o| o.id == event_id)?
            .clone();
        let (id, _) = self.events.get_key_value(master_id)?;
        Some((id.as_str(), o))
    }
}

fn html_link(calendar_id: &str, event_id: &str) -> String {
    let eid: String = format!("{event_id} {calendar_id}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("https://www.google.com/calendar/event?eid={eid}")
}

impl StoredEvent {
    /// How a cancelled or deleted event appears: only what Google guarantees.
    fn minimal(&self) -> Value {
        let mut m = Map::new();
        for key in [
            "kind",
            "etag",
            "id",
            "status",
            "recurringEventId",
            "originalStartTime",
        ] {
            if let Some(v) = self.body.get(key) {
                m.insert(key.into(), v.clone());
            }
        }
        Value::Object(m)
    }

    /// Start and end instants; all-day dates count as midnight UTC.
    fn bounds(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.span
    }

    fn event_type(&self) -> &str {
        self.body
            .get("eventType")
            .and_then(Value::as_str)
            .unwrap_or("default")
    }

    fn updated(&self) -> Option<&str> {
        self.body.get("updated").and_then(Value::as_str)
    }

    /// The master this event is an exception of, if it names one.
    fn master_id(&self) -> Option<&str> {
        self.body.get("recurringEventId").and_then(Value::as_str)
    }

    /// What a master's `removed` becomes when change `seq` removes every
    /// instance it has now (none unless live): those, stamped `seq`, and
    /// those it had removed before.
    fn instances_and_removed(
        &self,
        id: &str,
        now: DateTime<Utc>,
        seq: u64,
    ) -> BTreeMap<String, (u64, Value)> {
        let mut all = self.removed.clone();
        if self.state == EventState::Live
            && let Some(series) = &self.series
        {
            for o in series.occurrences(id, now).iter() {
                all.insert(o.id.clone(), (seq, o.original.clone()));
            }
        }
        all
    }
}

fn instant(when: &Value) -> Option<DateTime<Utc>> {
    if let Some(dt) = when.get("dateTime").and_then(Value::as_str) {
        return DateTime::parse_from_rfc3339(dt)
            .ok()
            .map(|t| t.with_timezone(&Utc));
    }
    let date = when.get("date").and_then(Value::as_str)?;
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
}

// ---------------------------------------------------------------------------
// Tokens: opaque to clients, hex of a `|`-separated payload.

fn encode_token(payload: &str) -> String {
    payload.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_token(token: &str) -> Option<String> {
    if !token.len().is_multiple_of(2) || !token.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&token[i..i + 2], 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// What a token is for: the calendar list, or one calendar's events.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    List,
    Events(String),
}

impl Scope {
    fn tag(&self) -> String {
        match self {
            Scope::List => "L".into(),
            Scope::Events(id) => format!("E{id}"),
        }
    }
}

#[derive(Debug)]
struct SyncToken {
    epoch: u64,
    seq: u64,
    scope: String,
}

impl SyncToken {
    fn encode(&self) -> String {
        encode_token(&format!("s1|{}|{}|{}", self.epoch, self.seq, self.scope))
    }

    fn decode(token: &str) -> Option<SyncToken> {
        let payload = decode_token(token)?;
        let mut parts = payload.splitn(4, '|');
        if parts.next()? != "s1" {
            return None;
        }
        Some(SyncToken {
            epoch: parts.next()?.parse().ok()?,
            seq: parts.next()?.parse().ok()?,
            scope: parts.next()?.to_owned(),
        })
    }
}

/// Where a list stopped: the snapshot whose sequence number the final sync
/// token carries, the incremental base if any, and the last sort key sent.
#[derive(Debug)]
struct PageToken {
    scope: String,
    snapshot: u64,
    since: Option<u64>,
    after: String,
}

impl PageToken {
    fn encode(&self) -> String {
        let since = self.since.map_or_else(|| "-".to_owned(), |s| s.to_string());
        encode_token(&format!(
            "p1|{}|{}|{}|{}",
            self.snapshot, since, self.scope, self.after
        ))
    }

    /// Scope ids may hold `|`, so the scope is found by its known value.
    fn decode(token: &str, scope: &str) -> Option<PageToken> {
        let payload = decode_token(token)?;
        let mut parts = payload.splitn(4, '|');
        if parts.next()? != "p1" {
            return None;
        }
        let snapshot = parts.next()?.parse().ok()?;
        let since = match parts.next()? {
            "-" => None,
            s => Some(s.parse().ok()?),
        };
        let rest = parts.next()?;
        let after = rest.strip_prefix(scope)?.strip_prefix('|')?;
        Some(PageToken {
            scope: scope.to_owned(),
            snapshot,
            since,
            after: after.to_owned(),
        })
    }
}

// ---------------------------------------------------------------------------
// Errors in Google's shape

#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    domain: &'static str,
    reason: String,
    message: String,
    /// `(locationType, location)`.
    location: Option<(&'static str, String)>,
}

impl ApiError {
    fn new(status: StatusCode, domain: &'static str, reason: &str, message: &str) -> ApiError {
        ApiError {
            status,
            domain,
            reason: reason.to_owned(),
            message: message.to_owned(),
            location: None,
        }
    }

    fn at(mut self, location_type: &'static str, location: &str) -> ApiError {
        self.location = Some((location_type, location.to_owned()));
        self
    }

    fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "global", "notFound", "Not Found")
    }

    fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "global",
            "authError",
            "Invalid Credentials",
        )
        .at("header", "Authorization")
    }

    fn full_sync_required() -> ApiError {
        ApiError::new(
            StatusCode::GONE,
            "calendar",
            "fullSyncRequired",
            "Sync token is no longer valid, a full sync is required.",
        )
        .at("parameter", "syncToken")
    }

    fn invalid(param: &str, message: &str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "global", "invalid", message).at("parameter", param)
    }

    fn invalid_value(param: &str) -> ApiError {
        ApiError::invalid(param, "Invalid Value")
    }

    fn body(&self) -> Value {
        let mut item = json!({
            "domain": self.domain,
            "reason": self.reason,
            "message": self.message,
        });
        if let Some((kind, location)) = &self.location {
            item["locationType"] = json!(kind);
            item["location"] = json!(location);
        }
        json!({
            "error": {
                "errors": [item],
                "code": self.status.as_u16(),
                "message": self.message,
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
                    "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"",
                ),
            );
        }
        r
    }
}

fn render_injected(e: InjectedError<'_>) -> Response {
    let err = match e {
        InjectedError::Unauthorized => ApiError::unauthorized(),
        InjectedError::RateLimit403 { reason } => {
            let message = match reason {
                "userRateLimitExceeded" => "User Rate Limit Exceeded",
                "quotaExceeded" => "Calendar usage limits exceeded.",
                _ => "Rate Limit Exceeded",
            };
            ApiError::new(StatusCode::FORBIDDEN, "usageLimits", reason, message)
        }
        InjectedError::Status { code } => match code.as_u16() {
            401 => ApiError::unauthorized(),
            404 => ApiError::not_found(),
            410 => ApiError::full_sync_required(),
            429 => ApiError::new(
                code,
                "usageLimits",
                "rateLimitExceeded",
                "Rate Limit Exceeded",
            ),
            403 => ApiError::new(code, "global", "forbidden", "Forbidden"),
            503 => ApiError::new(
                code,
                "global",
                "backendError",
                "The service is currently unavailable.",
            ),
            c if c >= 500 => ApiError::new(code, "global", "backendError", "Backend Error"),
            _ => ApiError::new(code, "global", "badRequest", "Bad Request"),
        },
    };
    err.into_response()
}

// ---------------------------------------------------------------------------
// Handlers

type ApiResult = Result<Value, ApiError>;

struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: Option<String>) -> Params {
        Params(raw.as_deref().map(parse_query).unwrap_or_default())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid_value(name)),
        }
    }

    /// `maxResults` capped at `max` and at the server's page size.
    fn page_size(&self, default: usize, max: usize, server: usize) -> Result<usize, ApiError> {
        let asked = match self.get("maxResults") {
            None => default,
            Some(v) => match v.parse::<i64>() {
                Ok(n) if n >= 1 => usize::try_from(n).unwrap_or(max).min(max),
                _ => return Err(ApiError::invalid_value("maxResults")),
            },
        };
        Ok(asked.min(server).max(1))
    }

    fn time(&self, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
        self.get(name)
            .map(|v| {
                DateTime::parse_from_rfc3339(v)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| ApiError::invalid_value(name))
            })
            .transpose()
    }
}

impl Shared {
    fn authorize(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let expected = lock(&self.token);
        match crate::http::bearer_token(headers) {
            Some(t) if t == expected.as_str() => {}
            _ => return Err(ApiError::unauthorized()),
        }
        // Granular consent: calendarList and events need a calendar scope.
        // Google's body for it (analogdotnow/Analog#296, a calendarList.list
        // call): 403, reason `insufficientPermissions`, "Request had
        // insufficient authentication scopes.".
        let calendar = |s: &str| {
            s.split_whitespace().any(|scope| {
                matches!(
                    scope,
                    "https://www.googleapis.com/auth/calendar"
                        | "https://www.googleapis.com/auth/calendar.readonly"
                )
            })
        };
        match lock(&self.granted_scopes).as_deref() {
            Some(granted) if !calendar(granted) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "global",
                "insufficientPermissions",
                "Request had insufficient authentication scopes.",
            )),
            _ => Ok(()),
        }
    }

    fn page_size(&self) -> usize {
        self.page_size.load(Ordering::Relaxed)
    }

    fn trailing_empty_page(&self) -> bool {
        self.trailing_empty_page.load(Ordering::Relaxed)
    }
}

fn respond(result: ApiResult) -> Response {
    match result {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => e.into_response(),
    }
}

async fn unknown_route(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    respond(s.authorize(&headers).and(Err(ApiError::not_found())))
}

async fn calendar_list(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let params = Params::parse(q);
    respond(
        s.authorize(&headers)
            .and_then(|()| list_calendars(&s, &params)),
    )
}

async fn events_list(
    State(s): State<Arc<Shared>>,
    Path(calendar_id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let params = Params::parse(q);
    match s
        .authorize(&headers)
        .and_then(|()| list_events(&s, &calendar_id, &params))
    {
        Ok(body) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
            body,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn events_get(
    State(s): State<Arc<Shared>>,
    Path((calendar_id, event_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    respond(s.authorize(&headers).and_then(|()| {
        let world = lock(&s.world);
        let cal = world
            .calendars
            .get(&calendar_id)
            .filter(|c| !c.removed)
            .ok_or_else(ApiError::not_found)?;
        match cal.events.get(&event_id) {
            None => match cal.occurrence(&event_id, world.clock.now()) {
                Some((master_id, o)) => {
                    let master = cal.events.get(master_id).ok_or_else(ApiError::not_found)?;
                    let link = html_link(&calendar_id, &o.id);
                    Ok(series::instance_body(&master.body, master_id, &o, link))
                }
                None => Err(ApiError::not_found()),
            },
            Some(e) if e.state == EventState::Deleted => Err(ApiError::new(
                StatusCode::GONE,
                "global",
                "deleted",
                "Resource has been deleted",
            )),
            Some(e) => Ok(e.body.clone()),
        }
    }))
}

fn access_rank(role: &str) -> u8 {
    match role {
        "freeBusyReader" => 1,
        "reader" => 2,
        "writer" => 3,
        "owner" => 4,
        _ => 0,
    }
}

fn list_entry_json(c: &Calendar) -> Value {
    if c.removed {
        return json!({
            "kind": "calendar#calendarListEntry",
            "etag": etag(c.seq),
            "id": c.entry.id,
            "deleted": true,
        });
    }
    let mut m = Map::new();
    m.insert("kind".into(), json!("calendar#calendarListEntry"));
    m.insert("etag".into(), json!(etag(c.seq)));
    m.insert("id".into(), json!(c.entry.id));
    m.insert("summary".into(), json!(c.entry.summary));
    m.insert("timeZone".into(), json!(c.time_zone));
    if let Some(bg) = &c.entry.background_color {
        m.insert("backgroundColor".into(), json!(bg));
        m.insert("foregroundColor".into(), json!("#000000"));
    }
    m.insert("selected".into(), json!(true));
    m.insert("accessRole".into(), json!(c.entry.access_role));
    m.insert("defaultReminders".into(), json!([]));
    if c.entry.primary {
        m.insert("primary".into(), json!(true));
    }
    Value::Object(m)
}

fn list_calendars(s: &Shared, params: &Params) -> ApiResult {
    let sync_token = params.get("syncToken");
    let show_deleted = params.bool("showDeleted")?;
    let show_hidden = params.bool("showHidden")?;
    if sync_token.is_some() {
        if params.has("minAccessRole") {
            return Err(ApiError::invalid(
                "minAccessRole",
                "minAccessRole cannot be used together with syncToken.",
            ));
        }
        if show_deleted == Some(false) {
            return Err(ApiError::invalid(
                "showDeleted",
                "showDeleted=false cannot be used together with syncToken.",
            ));
        }
        if show_hidden == Some(false) {
            return Err(ApiError::invalid(
                "showHidden",
                "showHidden=false cannot be used together with syncToken.",
            ));
        }
    }
    let min_rank = match params.get("minAccessRole") {
        None => 0,
        Some(r) => match access_rank(r) {
            0 => return Err(ApiError::invalid_value("minAccessRole")),
            n => n,
        },
    };
    let page_size = params.page_size(
        LIST_MAX_RESULTS_DEFAULT,
        LIST_MAX_RESULTS_MAX,
        s.page_size(),
    )?;
    let world = lock(&s.world);
    let scope = Scope::List.tag();
    let since = match sync_token {
        None => None,
        Some(t) => Some(check_sync_token(&world, t, &scope)?),
    };
    let page = match params.get("pageToken") {
        None => None,
        Some(t) => {
            Some(PageToken::decode(t, &scope).ok_or_else(|| ApiError::invalid_value("pageToken"))?)
        }
    };
    let since = page.as_ref().map_or(since, |p| p.since);
    let snapshot = page.as_ref().map_or(world.seq, |p| p.snapshot);
    let after = page.as_ref().map(|p| p.after.as_str());
    let mut items: Vec<(String, Value)> = world
        .calendars
        .values()
        .filter(|c| match since {
            Some(since) => c.seq > since,
            None => {
                (!c.removed || show_deleted == Some(true))
                    && access_rank(&c.entry.access_role) >= min_rank
            }
        })
        .map(|c| (c.entry.id.clone(), list_entry_json(c)))
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let (items, next) = paginate(items, after, page_size, s.trailing_empty_page());
    let mut body = json!({
        "kind": "calendar#calendarList",
        "etag": etag(world.seq),
        "items": items,
    });
    finish_page(&mut body, next, &world, scope, snapshot, since);
    Ok(body)
}

/// Checks a sync token against the world: wrong scope, old epoch or garbage give 410.
fn check_sync_token(world: &World, token: &str, scope: &str) -> Result<u64, ApiError> {
    match SyncToken::decode(token) {
        Some(t) if t.scope == scope && t.epoch == world.epoch && t.seq <= world.seq => Ok(t.seq),
        _ => Err(ApiError::full_sync_required()),
    }
}

/// How a listed event goes on the wire.
enum Wire<'a> {
    Body(&'a StoredEvent),
    Minimal(&'a StoredEvent),
    /// Made for the list: an instance of a series, or a cancelled one.
    Made(Value),
}

impl<'a> Wire<'a> {
    /// The stored body is written out as it is, not copied first.
    fn json(self) -> WireJson<'a> {
        match self {
            Wire::Body(e) => WireJson::Stored(&e.body),
            Wire::Minimal(e) => WireJson::Made(e.minimal()),
            Wire::Made(v) => WireJson::Made(v),
        }
    }
}

/// A listed event's JSON: the stored body, or one made for the list.
#[derive(Serialize)]
#[serde(untagged)]
enum WireJson<'a> {
    Stored(&'a Value),
    Made(Value),
}

/// An `events.list` page: the envelope's fields and the items.
#[derive(Serialize)]
struct EventsPage<'a> {
    #[serde(flatten)]
    envelope: &'a Value,
    items: Vec<WireJson<'a>>,
}

/// One item of a list with what orders it: its key among the calendar's
/// items (the stored id; `master id`, U+0001, instance id for a series'
/// instances, so they follow their master), its start and `updated` stamp.
struct Item<'a> {
    key: Cow<'a, str>,
    start: Option<DateTime<Utc>>,
    updated: Option<&'a str>,
    wire: Wire<'a>,
}

/// Separates a master's id from an instance's in an item key.
const INSTANCE_KEY: char = '\u{1}';

/// Items after the cursor, at most `page_size` of them, and the key to resume
/// after when more remain (or, with `trailing_empty`, when the page is full).
/// `sorted` is consumed lazily: only the page and one item past it are taken.
fn paginate<K: AsRef<str>, T>(
    sorted: impl IntoIterator<Item = (K, T)>,
    after: Option<&str>,
    page_size: usize,
    trailing_empty: bool,
) -> (Vec<T>, Option<String>) {
    let mut rest = sorted
        .into_iter()
        .filter(|(k, _)| after.is_none_or(|a| k.as_ref() > a))
        .peekable();
    let mut page = Vec::new();
    let mut last = None;
    while page.len() < page_size {
        let Some((k, v)) = rest.next() else { break };
        page.push(v);
        last = Some(k);
    }
    let more = rest.peek().is_some() || (trailing_empty && page.len() == page_size);
    let next = if more {
        last.map(|k| k.as_ref().to_owned())
    } else {
        None
    };
    (page, next)
}

/// Adds `nextPageToken`, or on the last page `nextSyncToken`.
fn finish_page(
    body: &mut Value,
    next: Option<String>,
    world: &World,
    scope: String,
    snapshot: u64,
    since: Option<u64>,
) {
    match next {
        Some(after) => {
            body["nextPageToken"] = json!(
                PageToken {
                    scope,
                    snapshot,
                    since,
                    after
                }
                .encode()
            );
        }
        None => {
            body["nextSyncToken"] = json!(
                SyncToken {
                    epoch: world.epoch,
                    seq: snapshot,
                    scope
                }
                .encode()
            );
        }
    }
}

/// A sort key that orders like the instant, then the id.
fn time_key(t: Option<DateTime<Utc>>, id: &str) -> String {
    let ms = t.map_or(i64::MIN, |t| t.timestamp_millis());
    // Shift into u64 so the decimal digits sort like the numbers.
    let shifted = (i128::from(ms) - i128::from(i64::MIN)) as u128;
    format!("{shifted:020}|{id}")
}

/// Which stored events an `events.list` request shows.
struct Listing<'p> {
    /// The sync token's sequence number: an incremental list.
    since: Option<u64>,
    show_deleted: Option<bool>,
    time_min: Option<DateTime<Utc>>,
    time_max: Option<DateTime<Utc>>,
    /// `eventTypes`; empty lists every type.
    event_types: &'p [&'p str],
    /// `singleEvents`: series as their instances, not as masters and exceptions.
    single_events: bool,
    /// What time it is (how far endless series go).
    now: DateTime<Utc>,
}

impl Listing<'_> {
    fn type_ok(&self, e: &StoredEvent) -> bool {
        self.event_types.is_empty() || self.event_types.contains(&e.event_type())
    }

    fn in_window(&self, span: Option<(DateTime<Utc>, DateTime<Utc>)>) -> bool {
        match span {
            None => true,
            Some((start, end)) => {
                self.time_min.is_none_or(|min| end > min)
                    && self.time_max.is_none_or(|max| start < max)
            }
        }
    }

    /// Adds what the stored event `e` (id `id`) puts on the list to `out`:
    /// nothing, itself, or a series' instances in key order.
    fn items<'e>(
        &self,
        cal: &'e Calendar,
        calendar_id: &str,
        id: &'e str,
        e: &'e StoredEvent,
        out: &mut Vec<Item<'e>>,
    ) {
        let item = |wire| Item {
            key: Cow::Borrowed(id),
            start: e.bounds().map(|b| b.0),
            updated: e.updated(),
            wire,
        };
        // An exception of a series stored here.
        if let Some((master, _)) = e.master_id().and_then(|m| cal.master(m)) {
            if self.single_events {
                // Listed among its master's instances, or on its own when
                // only it changed since the token.
                if let Some(since) = self.since
                    && master.seq <= since
                    && e.seq > since
                {
                    out.push(item(match e.state {
                        EventState::Live => Wire::Body(e),
                        _ => Wire::Minimal(e),
                    }));
                }
                return;
            }
            // As itself; a cancelled one is listed even without showDeleted
            // (with its live series only, outside a sync token).
            let listed = match self.since {
                Some(since) => e.seq > since,
                None => master.state == EventState::Live && self.in_window(e.span),
            };
            let wire = match e.state {
                _ if !listed => return,
                EventState::Live if self.type_ok(e) => Wire::Body(e),
                EventState::Live => return,
                EventState::Cancelled | EventState::Deleted => Wire::Minimal(e),
            };
            out.push(item(wire));
            return;
        }
        if self.single_events
            && let Some(series) = &e.series
        {
            self.instances(cal, calendar_id, id, e, series, out);
            return;
        }
        let wire = match self.since {
            // Incremental: every change since the token, whatever the window.
            Some(since) => {
                if e.seq <= since {
                    return;
                }
                match e.state {
                    EventState::Live if self.type_ok(e) => Wire::Body(e),
                    EventState::Live => return,
                    EventState::Cancelled | EventState::Deleted => Wire::Minimal(e),
                }
            }
            None => {
                let in_window = match &e.series {
                    // A master is listed when one of its instances is in the window.
                    Some(series) => series
                        .occurrences(id, self.now)
                        .iter()
                        .any(|o| self.in_window(Some(o.span))),
                    None => self.in_window(e.bounds()),
                };
                if !in_window {
                    return;
                }
                let show_deleted = self.show_deleted == Some(true);
                match e.state {
                    EventState::Live if self.type_ok(e) => Wire::Body(e),
                    EventState::Live => return,
                    EventState::Cancelled if show_deleted => Wire::Body(e),
                    EventState::Deleted if show_deleted => Wire::Minimal(e),
                    EventState::Cancelled | EventState::Deleted => return,
                }
            }
        };
        out.push(item(wire));
    }

    /// A series' instances as `singleEvents=true` lists them: inside the
    /// window on a full list; on an incremental one, when the master changed
    /// since the token, all of them, exceptions included, and those the
    /// changes removed as cancelled instances.
    fn instances<'e>(
        &self,
        cal: &'e Calendar,
        calendar_id: &str,
        id: &'e str,
        master: &'e StoredEvent,
        series: &Series,
        out: &mut Vec<Item<'e>>,
    ) {
        let incremental = self.since.is_some();
        if self.since.is_some_and(|since| master.seq <= since) {
            return;
        }
        let live = master.state == EventState::Live;
        if !live && !incremental {
            return;
        }
        let occurrences = if live {
            series.occurrences(id, self.now)
        } else {
            Arc::from([])
        };
        let first = out.len();
        let mut listed = BTreeSet::new();
        for o in occurrences.iter() {
            let exception = cal.events.get(&o.id).filter(|x| x.master_id() == Some(id));
            let span = match exception {
                Some(x) if x.state == EventState::Live => x.bounds(),
                _ => Some(o.span),
            };
            if !incremental && !self.in_window(span) {
                continue;
            }
            let wire = match exception {
                Some(x) if x.state == EventState::Live => {
                    if !self.type_ok(x) {
                        continue;
                    }
                    Wire::Body(x)
                }
                Some(x) => {
                    if !incremental && self.show_deleted != Some(true) {
                        continue;
                    }
                    Wire::Minimal(x)
                }
                None => {
                    if !self.type_ok(master) {
                        continue;
                    }
                    let link = html_link(calendar_id, &o.id);
                    Wire::Made(series::instance_body(&master.body, id, o, link))
                }
            };
            listed.insert(o.id.clone());
            out.push(Item {
                key: Cow::Owned(format!("{id}{INSTANCE_KEY}{}", o.id)),
                start: span.map(|s| s.0),
                updated: match &wire {
                    Wire::Body(x) | Wire::Minimal(x) => x.updated(),
                    Wire::Made(_) => master.updated(),
                },
                wire,
            });
        }
        if let Some(since) = self.since {
            let etag = etag(master.seq);
            for (gone, (at, original)) in &master.removed {
                if *at <= since || listed.contains(gone) {
                    continue;
                }
                out.push(Item {
                    key: Cow::Owned(format!("{id}{INSTANCE_KEY}{gone}")),
                    start: instant(original),
                    updated: master.updated(),
                    wire: Wire::Made(series::cancelled_instance(&etag, id, gone, original)),
                });
            }
        }
        out[first..].sort_by(|a, b| a.key.cmp(&b.key));
    }
}

/// A page of a list ordered by `startTime` or `updated`: every listed event
/// keyed and sorted (the keys change with the events, so they are not kept).
fn sorted_page<'a>(
    cal: &'a Calendar,
    calendar_id: &str,
    order_by: Option<&str>,
    listing: &Listing<'_>,
    after: Option<&str>,
    page_size: usize,
    trailing_empty: bool,
) -> (Vec<Wire<'a>>, Option<String>) {
    let mut listed = Vec::new();
    for (id, e) in &cal.events {
        listing.items(cal, calendar_id, id, e, &mut listed);
    }
    let mut items: Vec<(String, Wire<'a>)> = listed
        .into_iter()
        .map(|i| {
            let key = match order_by {
                Some("startTime") => time_key(i.start, &i.key),
                Some("updated") => time_key(
                    i.updated
                        .and_then(|u| DateTime::parse_from_rfc3339(u).ok())
                        .map(|t| t.with_timezone(&Utc)),
                    &i.key,
                ),
                _ => i.key.into_owned(),
            };
            (key, i.wire)
        })
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    paginate(items, after, page_size, trailing_empty)
}

/// One `events.list` page, serialized.
fn list_events(s: &Shared, calendar_id: &str, params: &Params) -> Result<Vec<u8>, ApiError> {
    let world = lock(&s.world);
    let cal = world
        .calendars
        .get(calendar_id)
        .filter(|c| !c.removed)
        .ok_or_else(ApiError::not_found)?;
    let sync_token = params.get("syncToken");
    let show_deleted = params.bool("showDeleted")?;
    if sync_token.is_some() {
        if let Some(p) = NOT_WITH_SYNC_TOKEN.into_iter().find(|p| params.has(p)) {
            return Err(ApiError::invalid(
                p,
                &format!("The {p} parameter cannot be used together with syncToken."),
            ));
        }
        if show_deleted == Some(false) {
            return Err(ApiError::invalid(
                "showDeleted",
                "showDeleted=false cannot be used together with syncToken.",
            ));
        }
    }
    let single_events = params.bool("singleEvents")?.unwrap_or(false);
    let order_by = params.get("orderBy");
    match order_by {
        None | Some("updated") => {}
        Some("startTime") if single_events => {}
        Some("startTime") => {
            return Err(ApiError::invalid(
                "orderBy",
                "The requested ordering is not available for the particular query.",
            ));
        }
        Some(_) => return Err(ApiError::invalid_value("orderBy")),
    }
    let time_min = params.time("timeMin")?;
    let time_max = params.time("timeMax")?;
    if let (Some(min), Some(max)) = (time_min, time_max)
        && max <= min
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "calendar",
            "timeRangeEmpty",
            "The specified time range is empty.",
        )
        .at("parameter", "timeMax"));
    }
    let page_size = params.page_size(
        EVENTS_MAX_RESULTS_DEFAULT,
        EVENTS_MAX_RESULTS_MAX,
        s.page_size(),
    )?;
    let event_types: Vec<&str> = params.all("eventTypes").filter(|t| !t.is_empty()).collect();
    let scope = Scope::Events(calendar_id.to_owned()).tag();
    let since = match sync_token {
        None => None,
        Some(t) => Some(check_sync_token(&world, t, &scope)?),
    };
    let page = match params.get("pageToken") {
        None => None,
        Some(t) => {
            Some(PageToken::decode(t, &scope).ok_or_else(|| ApiError::invalid_value("pageToken"))?)
        }
    };
    let since = page.as_ref().map_or(since, |p| p.since);
    let snapshot = page.as_ref().map_or(world.seq, |p| p.snapshot);
    let after = page.as_ref().map(|p| p.after.as_str());

    let now = world.clock.now();
    let listing = Listing {
        since,
        show_deleted,
        time_min,
        time_max,
        event_types: &event_types,
        single_events,
        now,
    };
    let trailing_empty = s.trailing_empty_page();
    let (items, next) = if order_by.is_none() {
        // Unordered lists go by id, the events' own index: start after the
        // page token's id (at the master, when it stopped among a series'
        // instances) and stop one item past the page, as a server reading an
        // index would (not a scan and sort per page).
        let rest = match after {
            Some(a) => match a.split_once(INSTANCE_KEY) {
                Some((master, _)) => cal
                    .events
                    .range::<str, _>((Bound::Included(master), Bound::Unbounded)),
                None => cal
                    .events
                    .range::<str, _>((Bound::Excluded(a), Bound::Unbounded)),
            },
            None => cal.events.range::<str, _>(..),
        };
        let rest = rest.flat_map(|(id, e)| {
            let mut items = Vec::new();
            listing.items(cal, calendar_id, id, e, &mut items);
            items.into_iter().map(|i| (i.key, i.wire))
        });
        paginate(rest, after, page_size, trailing_empty)
    } else {
        sorted_page(
            cal,
            calendar_id,
            order_by,
            &listing,
            after,
            page_size,
            trailing_empty,
        )
    };
    let mut envelope = json!({
        "kind": "calendar#events",
        "etag": etag(world.seq),
        "summary": cal.entry.summary,
        "updated": rfc3339_millis(now),
        "timeZone": cal.time_zone,
        "accessRole": cal.entry.access_role,
        "defaultReminders": [],
    });
    finish_page(&mut envelope, next, &world, scope, snapshot, since);
    if s.drop_sync_token.load(Ordering::Relaxed)
        && let Some(m) = envelope.as_object_mut()
    {
        m.remove("nextSyncToken");
    }
    let page = EventsPage {
        envelope: &envelope,
        items: items.into_iter().map(Wire::json).collect(),
    };
    serde_json::to_vec(&page).map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "global",
            "backendError",
            "Backend Error",
        )
    })
}

impl FakeServer for FakeGoogle {
    fn harness(&self) -> &Harness {
        &self.shared.harness
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_garbage() {
        let t = SyncToken {
            epoch: 2,
            seq: 41,
            scope: "Ea|b@x".into(),
        };
        let decoded = SyncToken::decode(&t.encode()).unwrap();
        assert_eq!(
            (decoded.epoch, decoded.seq, decoded.scope.as_str()),
            (2, 41, "Ea|b@x")
        );
        assert!(SyncToken::decode("garbage").is_none());
        assert!(SyncToken::decode("zz").is_none());
        let p = PageToken {
            scope: "Ea|b".into(),
            snapshot: 7,
            since: Some(3),
            after: "x|y".into(),
        };
        let back = PageToken::decode(&p.encode(), "Ea|b").unwrap();
        assert_eq!(
            (back.snapshot, back.since, back.after.as_str()),
            (7, Some(3), "x|y")
        );
        assert!(PageToken::decode(&p.encode(), "Eother").is_none());
    }

    #[test]
    fn time_keys_sort_like_instants() {
        let a = DateTime::parse_from_rfc3339("1969-12-31T23:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let b = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(time_key(Some(a), "z") < time_key(Some(b), "a"));
        assert!(time_key(None, "z") < time_key(Some(a), "a"));
    }
}
