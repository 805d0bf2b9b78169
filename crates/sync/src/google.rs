//! Google Calendar API v3.
//!
//! Sources come from `calendarList.list`; events from `events.list` with
//! `singleEvents=true`. The first listing of a calendar is bounded by the sync
//! window and paged with `nextPageToken`; its last page's `nextSyncToken`
//! makes every later sync incremental. Items with `status: "cancelled"` are
//! deletions. A 410 means the token is gone: the engine starts over.
//!
//! The window follows the calendar. A sync token returns only what changed,
//! so what enters the window's leading edge as time passes (an unchanged
//! series' next instances, a one-off created long ago) never comes through
//! it: the cursor remembers how far the listings reach (`listed`), and a
//! sync first lists the slice the window gained (`[listed end, window end)`,
//! paged), keeping the token it had, then follows the token. A listing that
//! took several pages (or was broken off and resumed) ends with one more
//! round from its own token: whatever changed while it was read, on pages
//! already read, arrives in the same sync. What a
//! token returns outside the window does not pile up: an event starting at
//! or after the window's end is not stored (it is removed if held: it moved
//! there), and one wholly before the window's start only updates what the
//! store already holds ([`Fetched::update_only_before`]). A last page with
//! neither `nextPageToken` nor `nextSyncToken` keeps what it wrote and asks
//! for a fresh listing next time ([`Provider::relist`]); so does a cursor
//! from before `listed` was kept.

use std::borrow::Cow;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, SubsecRound, Utc};
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use vica_core::model::{
    EventKind, EventRecord, EventStatus, EventTime, Response, ShowAs, Source, SourceKind,
    SourceRecord,
};

use crate::error::{Result, SyncError};
use crate::http::{RetryPolicy, TokenSource, Transport};
use crate::provider::{Fetched, Next, PastListing, Provider, Window};

const NAME: &str = "Google Calendar";

/// The public API's base URL.
pub const DEFAULT_BASE_URL: &str = "https://www.googleapis.com/calendar/v3";

/// How to reach Google Calendar.
#[derive(Debug, Clone)]
pub struct GoogleConfig {
    /// `https://www.googleapis.com/calendar/v3`, or a local fake's.
    pub base_url: Url,
    /// `maxResults` per page (Google allows up to 2500).
    pub page_size: u32,
    /// How much of the past one history-import listing covers.
    pub past_chunk: chrono::Duration,
    pub retry: RetryPolicy,
}

impl GoogleConfig {
    pub fn new(base_url: &str) -> Result<GoogleConfig> {
        let base_url = Url::parse(base_url.trim_end_matches('/')).map_err(|e| SyncError::Http {
            provider: NAME,
            status: 0,
            message: format!("invalid base URL: {e}"),
        })?;
        Ok(GoogleConfig {
            base_url,
            // Google's maximum: fewer round-trips on a first sync.
            page_size: 2500,
            // A quarter of the past per listing: a few pages even for a busy calendar.
            past_chunk: chrono::Duration::weeks(13),
            retry: RetryPolicy::default(),
        })
    }
}

/// A Google Calendar client for one account.
pub struct Google {
    config: GoogleConfig,
    transport: Transport,
}

/// Where a calendar's listing stands, as stored in the cursor.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Cursor {
    /// The token of the last complete listing, or of the changes since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sync: Option<String>,
    /// The next page of the listing under way: a full one, or the changes since `sync`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page: Option<String>,
    /// What the listings have covered: the first listing's window, grown by
    /// the slices listed as the window moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    listed: Option<Span>,
    /// A listing of a slice the window gained, under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    slice: Option<Slice>,
    /// The last listing ended without a sync token: list afresh next time.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    relist: bool,
}

/// A span of time the listings covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Span {
    from: DateTime<Utc>,
    until: DateTime<Utc>,
}

/// A slice of the window being listed with `timeMin`/`timeMax`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Slice {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page: Option<String>,
}

/// Which listing a request belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    /// The first (or a fresh) listing of the window.
    Full,
    /// The changes since the sync token.
    Changes,
    /// A slice the window gained.
    Slice,
}

impl Cursor {
    fn listing(&self) -> Listing {
        if self.slice.is_some() {
            Listing::Slice
        } else if self.sync.is_some() {
            Listing::Changes
        } else {
            Listing::Full
        }
    }

    /// Between listings (none under way), a slice the window gained is
    /// listed first; the changes since the token come after it, so they
    /// also bring what changed while it was read.
    fn then_gained(mut self, window: Window) -> Cursor {
        if self.slice.is_none() && self.page.is_none() && self.sync.is_some() {
            self.slice = self
                .listed
                .and_then(|l| gained(l, window))
                .map(|(from, to)| Slice {
                    from,
                    to,
                    page: None,
                });
        }
        self
    }
}

/// The part of `window` the listings have not covered: what it gained at
/// its end, else at its start (the clock set back, or more weeks back asked).
fn gained(listed: Span, window: Window) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if window.end > listed.until {
        Some((listed.until.max(window.start), window.end))
    } else if window.start < listed.from {
        Some((window.start, listed.from.min(window.end)))
    } else {
        None
    }
    .filter(|(from, to)| from < to)
}

/// `listed` grown by a slice next to or over it, or the slice alone when it
/// lies apart (what lay behind it has left the window).
fn grown(listed: Option<Span>, from: DateTime<Utc>, to: DateTime<Utc>) -> Span {
    match listed {
        Some(l) if from <= l.until && to >= l.from => Span {
            from: l.from.min(from),
            until: l.until.max(to),
        },
        _ => Span { from, until: to },
    }
}

/// The window in whole seconds, as it goes on the wire, so what is
/// remembered as listed is what was asked for.
fn whole_seconds(w: Window) -> Window {
    let floor = |t: DateTime<Utc>| t.trunc_subsecs(0);
    Window {
        start: floor(w.start),
        end: floor(w.end),
    }
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn encode(c: &Cursor) -> Result<String> {
    serde_json::to_string(c).map_err(|e| malformed(&e.to_string()))
}

impl Google {
    pub fn new(config: GoogleConfig, tokens: Arc<dyn TokenSource>) -> Result<Google> {
        let transport = Transport::new(NAME, tokens, config.retry)?;
        Ok(Google { config, transport })
    }

    fn url(&self, segments: &[&str]) -> Result<Url> {
        let mut url = self.config.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| malformed("the base URL cannot take a path"))?
            .extend(segments);
        Ok(url)
    }
}

#[async_trait]
impl Provider for Google {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn list_sources(&self) -> Result<Vec<SourceRecord>> {
        let mut sources = Vec::new();
        let mut page: Option<String> = None;
        loop {
            let mut url = self.url(&["users", "me", "calendarList"])?;
            url.query_pairs_mut().append_pair("maxResults", "250");
            if let Some(p) = &page {
                url.query_pairs_mut().append_pair("pageToken", p);
            }
            let body = self.transport.get_json(&url, &[]).await?;
            let items = body
                .get("items")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for item in items {
                if let Some(source) = calendar_entry(item) {
                    sources.push(source);
                }
            }
            match body.get("nextPageToken").and_then(Value::as_str) {
                Some(next) => page = Some(next.to_owned()),
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
        let cursor: Cursor = match cursor {
            Some(c) => {
                serde_json::from_str(c).map_err(|_| SyncError::CursorExpired { provider: NAME })?
            }
            None => Cursor::default(),
        };
        let window = whole_seconds(window);
        let cursor = cursor.then_gained(window);
        let listing = cursor.listing();
        // This page continues a listing begun earlier (in this sync, or in
        // one broken off): what changed since it began may lie on pages
        // already read.
        let continued = listing != Listing::Slice && cursor.page.is_some();
        let mut url = self.url(&["calendars", &source.provider_id, "events"])?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("singleEvents", "true");
            q.append_pair("maxResults", &self.config.page_size.to_string());
            // Google's documents disagree on which types come back when none
            // is named; name them all (they are the same on every page, as a
            // sync token requires).
            for t in EVENT_TYPES {
                q.append_pair("eventTypes", t);
            }
            match (&cursor.slice, &cursor.sync) {
                (Some(slice), _) => {
                    q.append_pair("timeMin", &stamp(slice.from));
                    q.append_pair("timeMax", &stamp(slice.to));
                    if let Some(page) = &slice.page {
                        q.append_pair("pageToken", page);
                    }
                }
                (None, Some(token)) => {
                    q.append_pair("syncToken", token);
                }
                (None, None) => {
                    q.append_pair("timeMin", &stamp(window.start));
                    q.append_pair("timeMax", &stamp(window.end));
                }
            }
            if listing != Listing::Slice
                && let Some(page) = &cursor.page
            {
                q.append_pair("pageToken", page);
            }
        }
        let body = match self.transport.get_body(&url, &[]).await {
            Err(SyncError::SourceGone { .. }) => {
                return Err(SyncError::SourceGone {
                    provider: NAME,
                    what: "calendar",
                });
            }
            other => other?,
        };
        let page = parse_events_page(&body, Some(window))?;
        let mut fetched = page.fetched;
        fetched.next = match (listing, page.next_page, page.next_sync) {
            // More pages of the same listing.
            (Listing::Slice, Some(next), _) => {
                let mut c = cursor;
                if let Some(slice) = &mut c.slice {
                    slice.page = Some(next);
                }
                Next::More(encode(&c)?)
            }
            (Listing::Full | Listing::Changes, Some(next), _) => Next::More(encode(&Cursor {
                page: Some(next),
                ..cursor
            })?),
            // A slice's own sync token is not kept: the changes since the
            // token already held come next, through that one.
            (Listing::Slice, None, _) => {
                let mut c = cursor;
                if let Some(slice) = c.slice.take() {
                    c.listed = Some(grown(c.listed, slice.from, slice.to));
                }
                Next::More(encode(&c)?)
            }
            // A listing of several pages ends with a round of the changes
            // made while it ran, from its own token: one sync leaves the
            // store in step, even when the listing was broken off and resumed
            // long after it began.
            (Listing::Full, None, Some(token)) => {
                let c = Cursor {
                    sync: Some(token),
                    listed: Some(Span {
                        from: window.start,
                        until: window.end,
                    }),
                    ..Cursor::default()
                };
                if continued {
                    Next::More(encode(&c)?)
                } else {
                    Next::Done(encode(&c)?)
                }
            }
            (Listing::Changes, None, Some(token)) if continued => Next::More(encode(&Cursor {
                sync: Some(token),
                page: None,
                ..cursor
            })?),
            (Listing::Changes, None, Some(token)) => Next::Done(encode(&Cursor {
                sync: Some(token),
                page: None,
                ..cursor
            })?),
            // Neither token: keep what came, list afresh next time.
            (Listing::Full | Listing::Changes, None, None) => Next::Done(encode(&Cursor {
                relist: true,
                ..Cursor::default()
            })?),
        };
        Ok(fetched)
    }

    fn past(&self) -> PastListing {
        PastListing::Chunks(self.config.past_chunk)
    }

    /// A windowed `events.list` of the past (`timeMin`/`timeMax`,
    /// `singleEvents`, paged by `pageToken`); the sync token it ends with is
    /// not kept: the past is read once, changes to it arrive through the
    /// calendar's own token.
    async fn fetch_past(
        &self,
        source: &Source,
        span: Window,
        page: Option<&str>,
    ) -> Result<Fetched> {
        let span = whole_seconds(span);
        let mut url = self.url(&["calendars", &source.provider_id, "events"])?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("singleEvents", "true");
            q.append_pair("maxResults", &self.config.page_size.to_string());
            for t in EVENT_TYPES {
                q.append_pair("eventTypes", t);
            }
            q.append_pair("timeMin", &stamp(span.start));
            q.append_pair("timeMax", &stamp(span.end));
            if let Some(page) = page {
                q.append_pair("pageToken", page);
            }
        }
        let body = match self.transport.get_body(&url, &[]).await {
            Err(SyncError::SourceGone { .. }) => {
                return Err(SyncError::SourceGone {
                    provider: NAME,
                    what: "calendar",
                });
            }
            other => other?,
        };
        let page = parse_events_page(&body, None)?;
        let mut fetched = page.fetched;
        fetched.next = match page.next_page {
            Some(next) => Next::More(next),
            None => Next::Done(String::new()),
        };
        Ok(fetched)
    }

    /// A listing that ended without a sync token, or a cursor from before
    /// the client remembered how far its listings reach, is listed afresh.
    fn relist(&self, cursor: &str, _listed: Window, window: Window) -> Option<Window> {
        let c: Cursor = serde_json::from_str(cursor).ok()?;
        (c.relist || c.listed.is_none()).then_some(window)
    }
}

/// One `events.list` page as Google sends it. The items stay unparsed here:
/// each is read on its own, so one the client cannot read is reported
/// without losing the rest of the page.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GPage<'a> {
    #[serde(default, borrow)]
    next_page_token: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    next_sync_token: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    items: Option<Vec<&'a RawValue>>,
}

/// One page read: its events and where its listing goes.
struct Page {
    /// The page's items, mapped (`next` is set by the caller).
    fetched: Fetched,
    next_page: Option<String>,
    next_sync: Option<String>,
}

/// Maps one page of `events.list`, read straight from the body into typed
/// structs that borrow its strings. With a `window`, an event starting at or
/// after its end is not kept (it is listed as gone, in case it moved
/// there), and one ending by its start only updates what the store holds.
fn parse_events_page(body: &[u8], window: Option<Window>) -> Result<Page> {
    // A page is an object (serde would also take a list for the struct).
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(malformed("the page is not a JSON object"));
    }
    let page: GPage<'_> =
        serde_json::from_slice(body).map_err(|e| malformed(&format!("invalid page ({e})")))?;
    let items = page.items.unwrap_or_default();
    let mut fetched = Fetched::new(Next::Done(String::new()));
    fetched.events.reserve(items.len());
    for (i, raw) in items.into_iter().enumerate() {
        match serde_json::from_str::<GEvent<'_>>(raw.get()) {
            Ok(e) => {
                let cancelled = e.status.as_deref() == Some("cancelled");
                read_item(&mut fetched, i, e.id.clone(), cancelled, || event(e));
            }
            // Not the usual shape (a field of another type, a key twice…):
            // read it again as loose JSON, so it is judged as it always was.
            Err(_) => {
                let item: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
                let id = item.get("id").and_then(Value::as_str).map(Cow::Borrowed);
                let cancelled = item.get("status").and_then(Value::as_str) == Some("cancelled");
                read_item(&mut fetched, i, id, cancelled, || {
                    GEvent::deserialize(&item)
                        .map_err(|e| format!("unexpected shape: {e}"))
                        .and_then(event)
                });
            }
        }
    }
    if let Some(window) = window {
        let (kept, beyond): (Vec<EventRecord>, Vec<EventRecord>) =
            std::mem::take(&mut fetched.events)
                .into_iter()
                .partition(|e| e.time.utc_bounds().0 < window.end);
        fetched.events = kept;
        fetched
            .deleted_events
            .extend(beyond.into_iter().map(|e| e.provider_id));
        fetched.update_only_before = Some(window.start);
    }
    Ok(Page {
        fetched,
        next_page: page.next_page_token.map(Cow::into_owned),
        next_sync: page.next_sync_token.map(Cow::into_owned),
    })
}

/// Sorts item `i` of a page: no id, a deletion (`cancelled`), or an event
/// (mapped by `map`).
fn read_item(
    fetched: &mut Fetched,
    i: usize,
    id: Option<Cow<'_, str>>,
    cancelled: bool,
    map: impl FnOnce() -> Result<EventRecord, String>,
) {
    let Some(id) = id.filter(|s| !s.is_empty()) else {
        fetched.rejected.push((format!("item {i}"), "no id".into()));
        return;
    };
    if cancelled {
        fetched.deleted_events.push(id.into_owned());
        return;
    }
    match map() {
        Ok(e) => fetched.events.push(e),
        Err(reason) => fetched.rejected.push((id.into_owned(), reason)),
    }
}

/// Every `eventType` Vica reads (API-NOTES §1: pass them explicitly).
const EVENT_TYPES: [&str; 6] = [
    "default",
    "outOfOffice",
    "focusTime",
    "workingLocation",
    "birthday",
    "fromGmail",
];

/// One event as Google sends it: only what Vica reads, its strings borrowed
/// from the page's body where they hold no escapes (copied once, into the
/// record, for what is kept).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GEvent<'a> {
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    summary: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    description: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    location: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    html_link: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    updated: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    start: Option<GTime<'a>>,
    #[serde(default, borrow)]
    end: Option<GTime<'a>>,
    #[serde(default, borrow)]
    attendees: Vec<GAttendee<'a>>,
    #[serde(default)]
    organizer: Option<GPerson>,
    #[serde(default, borrow)]
    recurring_event_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    event_type: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    transparency: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GTime<'a> {
    #[serde(default, borrow)]
    date: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    date_time: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    time_zone: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GAttendee<'a> {
    #[serde(rename = "self", default)]
    is_self: bool,
    #[serde(default)]
    resource: bool,
    #[serde(default, borrow)]
    response_status: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct GPerson {
    #[serde(rename = "self", default)]
    is_self: bool,
}

/// Maps one Google event (its id checked already), or says why it cannot be read.
fn event(e: GEvent<'_>) -> Result<EventRecord, String> {
    let status = match e.status.as_deref() {
        None | Some("confirmed") => EventStatus::Confirmed,
        Some("tentative") => EventStatus::Tentative,
        Some(other) => return Err(format!("unknown status {other:?}")),
    };
    let (start, end) = match (e.start, e.end) {
        (Some(s), Some(e)) => (s, e),
        _ => return Err("missing start or end".into()),
    };
    let time_zone = start.time_zone.or(end.time_zone).map(Cow::into_owned);
    let time = match (start.date, start.date_time, end.date, end.date_time) {
        (Some(s), None, Some(e), None) => EventTime::AllDay {
            start: date(&s)?,
            end: date(&e)?,
        },
        (None, Some(s), None, Some(e)) => EventTime::Timed {
            start: instant(&s)?,
            end: instant(&e)?,
        },
        _ => return Err("start and end must both be dates or both be dateTimes".into()),
    };
    let me = e.attendees.iter().find(|a| a.is_self);
    let my_response = match me.and_then(|a| a.response_status.as_deref()) {
        Some("accepted") => Some(Response::Accepted),
        Some("declined") => Some(Response::Declined),
        Some("tentative") => Some(Response::Tentative),
        Some("needsAction") => Some(Response::NeedsAction),
        Some(other) => return Err(format!("unknown responseStatus {other:?}")),
        None => None,
    };
    let attendee_count = e
        .attendees
        .iter()
        .filter(|a| !a.is_self && !a.resource)
        .count();
    // An unknown eventType (Google adds them) is read as an ordinary event.
    let kind = match e.event_type.as_deref() {
        Some("outOfOffice") => EventKind::OutOfOffice,
        Some("focusTime") => EventKind::FocusTime,
        Some("workingLocation") => EventKind::WorkingLocation,
        Some("birthday") => EventKind::Birthday,
        Some("fromGmail") => EventKind::FromGmail,
        _ => EventKind::Default,
    };
    let show_as = match (e.transparency.as_deref(), kind) {
        (Some("transparent"), _) => ShowAs::Free,
        (_, EventKind::OutOfOffice) => ShowAs::OutOfOffice,
        (_, EventKind::WorkingLocation) => ShowAs::WorkingElsewhere,
        _ if status == EventStatus::Tentative => ShowAs::Tentative,
        _ => ShowAs::Busy,
    };
    Ok(EventRecord {
        provider_id: e.id.map(Cow::into_owned).unwrap_or_default(),
        title: e.summary.map(Cow::into_owned).unwrap_or_default(),
        description: e.description.map(Cow::into_owned),
        location: e.location.map(Cow::into_owned),
        time,
        time_zone,
        status,
        my_response,
        is_organizer: e.organizer.is_some_and(|o| o.is_self),
        attendee_count: u32::try_from(attendee_count).unwrap_or(u32::MAX),
        series_id: e.recurring_event_id.map(Cow::into_owned),
        link: e
            .html_link
            .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
            .map(Cow::into_owned),
        updated_at: e.updated.as_deref().and_then(|u| instant(u).ok()),
        kind,
        show_as,
    })
}

/// A calendarList entry as a source; entries marked deleted, and calendars
/// whose events we cannot read (free/busy only), are skipped.
fn calendar_entry(item: &Value) -> Option<SourceRecord> {
    if item.get("deleted").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let access_role = item
        .get("accessRole")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if access_role.as_deref() == Some("freeBusyReader") {
        return None;
    }
    let id = item.get("id").and_then(Value::as_str)?;
    let name = item
        .get("summaryOverride")
        .or_else(|| item.get("summary"))
        .and_then(Value::as_str)
        .unwrap_or(id);
    Some(SourceRecord {
        kind: SourceKind::Calendar,
        provider_id: id.to_owned(),
        name: name.to_owned(),
        color: item
            .get("backgroundColor")
            .and_then(Value::as_str)
            .filter(|c| is_hex_color(c))
            .map(str::to_owned),
        is_primary: item
            .get("primary")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        access_role,
    })
}

fn is_hex_color(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit())
}

fn date(s: &str) -> Result<NaiveDate, String> {
    s.parse().map_err(|_| format!("invalid date {s:?}"))
}

fn instant(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| format!("invalid dateTime {s:?}"))
}

fn malformed(detail: &str) -> SyncError {
    SyncError::Malformed {
        provider: NAME,
        detail: detail.to_owned(),
    }
}

/// Reads one `events.list` response body of a first listing as a sync
/// would, without a request or a window (for fuzzing and tests). A body that
/// is not JSON gives [`SyncError::Malformed`].
pub fn parse_events_json(body: &[u8]) -> Result<Fetched> {
    let page = parse_events_page(body, None)?;
    let mut fetched = page.fetched;
    fetched.next = match (page.next_page, page.next_sync) {
        (Some(next), _) => Next::More(encode(&Cursor {
            page: Some(next),
            ..Cursor::default()
        })?),
        (None, Some(token)) => Next::Done(encode(&Cursor {
            sync: Some(token),
            ..Cursor::default()
        })?),
        (None, None) => Next::Done(encode(&Cursor {
            relist: true,
            ..Cursor::default()
        })?),
    };
    Ok(fetched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timed_and_all_day_events_map_with_my_response() {
        let page = json!({
            "items": [
                {"id": "a", "status": "confirmed", "summary": "Standup", "htmlLink": "https://calendar.google.com/event?eid=a",
                 "start": {"dateTime": "2026-11-16T09:30:00+01:00", "timeZone": "Europe/Berlin"},
                 "end": {"dateTime": "2026-11-16T09:45:00+01:00", "timeZone": "Europe/Berlin"},
                 "attendees": [{"email": "me@x", "self": true, "responseStatus": "declined"}, {"email": "b@x"}, {"email": "room@x", "resource": true}],
                 "organizer": {"email": "b@x"}, "recurringEventId": "series1", "updated": "2026-11-01T10:00:00.000Z"},
                {"id": "b", "summary": "Holiday", "start": {"date": "2026-11-17"}, "end": {"date": "2026-11-18"}, "organizer": {"self": true}},
                {"id": "c", "status": "cancelled"},
                {"id": "d", "status": "exploded", "start": {"date": "2026-11-17"}, "end": {"date": "2026-11-18"}},
                {"id": "e", "start": {"dateTime": "not a time"}, "end": {"dateTime": "2026-11-16T09:45:00Z"}},
                {"summary": "no id"}
            ],
            "nextSyncToken": "tok"
        });
        let f = parse_events_json(page.to_string().as_bytes()).unwrap();
        assert_eq!(f.events.len(), 2);
        let a = &f.events[0];
        assert_eq!(a.my_response, Some(Response::Declined));
        assert_eq!(a.attendee_count, 1);
        assert!(!a.is_organizer);
        assert_eq!(a.series_id.as_deref(), Some("series1"));
        assert_eq!(a.time_zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(
            a.time,
            EventTime::Timed {
                start: "2026-11-16T08:30:00Z".parse().unwrap(),
                end: "2026-11-16T08:45:00Z".parse().unwrap()
            }
        );
        let b = &f.events[1];
        assert!(b.is_organizer);
        assert!(matches!(b.time, EventTime::AllDay { .. }));
        assert_eq!(f.deleted_events, ["c"]);
        let rejected: Vec<&str> = f.rejected.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(rejected, ["d", "e", "item 5"]);
        assert_eq!(f.next, Next::Done(r#"{"sync":"tok"}"#.into()));
    }

    #[test]
    fn items_of_an_unusual_shape_are_judged_as_loose_json() {
        let page = br#"{"items": [
            {"id": "f", "status": "cancelled", "start": 3},
            {"id": "g", "summary": "a\"b\u00e9", "start": {"date": "2026-11-17"}, "end": {"date": "2026-11-18"}},
            {"id": "h", "summary": "x", "summary": "y", "start": {"date": "2026-11-17"}, "end": {"date": "2026-11-18"}},
            {"id": 5, "start": {"date": "2026-11-17"}, "end": {"date": "2026-11-18"}},
            {"id": "i", "start": {"date": 17}, "end": {"date": "2026-11-18"}}
        ], "nextPageToken": "p\u0031"}"#;
        let f = parse_events_json(page).unwrap();
        assert_eq!(f.deleted_events, ["f"]);
        let titles: Vec<(&str, &str)> = f
            .events
            .iter()
            .map(|e| (e.provider_id.as_str(), e.title.as_str()))
            .collect();
        assert_eq!(titles, [("g", "a\"b\u{e9}"), ("h", "y")]);
        let rejected: Vec<&str> = f.rejected.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(rejected, ["item 3", "i"]);
        assert!(
            f.rejected[1].1.starts_with("unexpected shape"),
            "{:?}",
            f.rejected
        );
        assert_eq!(f.next, Next::More(r#"{"page":"p1"}"#.into()));
    }

    #[test]
    fn a_page_without_a_continuation_ends_the_listing_and_asks_for_a_fresh_one() {
        let f = parse_events_json(br#"{"items": [{"id": "a", "start": {"date": "2026-11-17"}, "end": {"date": "2026-11-18"}}]}"#).unwrap();
        assert_eq!(f.events.len(), 1, "what came is kept");
        let Next::Done(cursor) = &f.next else {
            panic!("{:?}", f.next)
        };
        assert_eq!(cursor, r#"{"relist":true}"#);
        let google = Google::new(
            GoogleConfig::new(DEFAULT_BASE_URL).unwrap(),
            Arc::new(crate::http::StaticToken::new("t")),
        )
        .unwrap();
        let w = Window {
            start: "2026-01-01T00:00:00Z".parse().unwrap(),
            end: "2026-03-01T00:00:00Z".parse().unwrap(),
        };
        assert_eq!(google.relist(cursor, w, w), Some(w));
        // A cursor from before the client kept what it listed: once afresh too.
        assert_eq!(google.relist(r#"{"sync":"tok"}"#, w, w), Some(w));
        let kept = r#"{"sync":"tok","listed":{"from":"2026-01-01T00:00:00Z","until":"2026-03-01T00:00:00Z"}}"#;
        assert_eq!(google.relist(kept, w, w), None);
    }

    #[test]
    fn a_page_that_is_not_a_page_is_refused() {
        for page in [
            r#"{"items": 3, "nextSyncToken": "t"}"#,
            r#"["t", null, []]"#,
            "not json",
        ] {
            let err = parse_events_json(page.as_bytes()).unwrap_err();
            assert!(matches!(err, SyncError::Malformed { .. }), "{page}");
        }
    }

    #[test]
    fn the_window_gains_slices_at_its_end_and_its_start() {
        let t = |s: &str| -> DateTime<Utc> { s.parse().unwrap() };
        let listed = Span {
            from: t("2026-01-01T00:00:00Z"),
            until: t("2026-03-01T00:00:00Z"),
        };
        let w = |a: &str, b: &str| Window {
            start: t(a),
            end: t(b),
        };
        assert_eq!(
            gained(listed, w("2026-01-08T00:00:00Z", "2026-03-08T00:00:00Z")),
            Some((t("2026-03-01T00:00:00Z"), t("2026-03-08T00:00:00Z")))
        );
        assert_eq!(
            gained(listed, w("2026-01-08T00:00:00Z", "2026-03-01T00:00:00Z")),
            None
        );
        // Months without a sync: only what is inside the window now.
        assert_eq!(
            gained(listed, w("2026-06-01T00:00:00Z", "2026-08-01T00:00:00Z")),
            Some((t("2026-06-01T00:00:00Z"), t("2026-08-01T00:00:00Z")))
        );
        // The window reaching further back.
        assert_eq!(
            gained(listed, w("2025-12-01T00:00:00Z", "2026-03-01T00:00:00Z")),
            Some((t("2025-12-01T00:00:00Z"), t("2026-01-01T00:00:00Z")))
        );
        assert_eq!(
            grown(
                Some(listed),
                t("2026-03-01T00:00:00Z"),
                t("2026-03-08T00:00:00Z")
            ),
            Span {
                from: listed.from,
                until: t("2026-03-08T00:00:00Z")
            }
        );
        assert_eq!(
            grown(
                Some(listed),
                t("2026-06-01T00:00:00Z"),
                t("2026-08-01T00:00:00Z")
            ),
            Span {
                from: t("2026-06-01T00:00:00Z"),
                until: t("2026-08-01T00:00:00Z")
            }
        );
    }

    #[test]
    fn events_beyond_the_window_are_gone_and_those_before_it_update_only() {
        let page = json!({"items": [
            {"id": "in", "start": {"dateTime": "2026-02-10T09:00:00Z"}, "end": {"dateTime": "2026-02-10T10:00:00Z"}},
            {"id": "far", "start": {"dateTime": "2040-02-10T09:00:00Z"}, "end": {"dateTime": "2040-02-10T10:00:00Z"}},
            {"id": "edge", "start": {"dateTime": "2026-03-01T00:00:00Z"}, "end": {"dateTime": "2026-03-01T01:00:00Z"}},
            {"id": "gone", "status": "cancelled"}
        ], "nextSyncToken": "t"});
        let w = Window {
            start: "2026-01-01T00:00:00Z".parse().unwrap(),
            end: "2026-03-01T00:00:00Z".parse().unwrap(),
        };
        let p = parse_events_page(page.to_string().as_bytes(), Some(w)).unwrap();
        let kept: Vec<&str> = p
            .fetched
            .events
            .iter()
            .map(|e| e.provider_id.as_str())
            .collect();
        assert_eq!(kept, ["in"]);
        assert_eq!(p.fetched.deleted_events, ["gone", "far", "edge"]);
        assert_eq!(p.fetched.update_only_before, Some(w.start));
        assert_eq!(p.next_sync.as_deref(), Some("t"));
    }

    #[test]
    fn calendar_entries_become_sources() {
        let s = calendar_entry(&json!({"id": "me@x", "summary": "Me", "summaryOverride": "Work", "backgroundColor": "#0088aa", "accessRole": "owner", "primary": true})).unwrap();
        assert_eq!(
            (s.name.as_str(), s.color.as_deref(), s.is_primary),
            ("Work", Some("#0088aa"), true)
        );
        assert!(calendar_entry(&json!({"id": "x", "deleted": true})).is_none());
        assert!(calendar_entry(&json!({"id": "x", "accessRole": "freeBusyReader"})).is_none());
        let odd = calendar_entry(&json!({"id": "x", "backgroundColor": "red;</style>"})).unwrap();
        assert_eq!(odd.color, None);
    }
}
