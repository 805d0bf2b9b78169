//! Microsoft Outlook calendars through Microsoft Graph v1.0.
//!
//! Sources come from `GET /me/calendars` (name, colour, owner, default);
//! `GET /me` names the user, to tell their own calendars and their own
//! attendance apart. Events come from the calendar view delta: the default
//! calendar through `GET /me/calendarView/delta` (the form v1.0 documents),
//! any other through `GET /me/calendars/{id}/calendarView/delta` (documented
//! on beta), first with `startDateTime`/`endDateTime`, always with `Prefer:
//! odata.maxpagesize=…`, `outlook.timezone="UTC"` and
//! `outlook.body-content-type="text"`. Pages follow `@odata.nextLink`; the
//! last page's `@odata.deltaLink` goes into the cursor, and following it
//! later returns only what changed. A round of several pages (or one broken
//! off and resumed) is followed at once by one more from its delta link, so
//! what changed while it was read arrives in the same sync. Entries with `@removed` and cancelled
//! meetings (`isCancelled`) delete locally; a removal of something never
//! stored (Graph also reports changes outside the window that way) deletes
//! nothing, and neither does one of an event stored wholly before the
//! window (history: imported, or left behind by the window).
//!
//! The window. A delta link is bound to the window its round started with,
//! and Graph never reports an unchanged event that lies beyond it. So a round
//! lists [`OutlookConfig::relist_after`] beyond the sync window's end, and
//! everything that starts at or after the window's end is left out of the
//! store (and removed from it, when a change moved it there). Each later
//! sync first lists what has entered the window since the last one (a
//! one-off delta round over that slice, so its occurrences arrive as the
//! main round's do), then follows the delta link. Once the window's end
//! passes the round's own end (or its start goes back before the round's),
//! the sync lists the current window afresh ([`Provider::relist`]), which
//! also reconciles deletions Graph never reported (pitfall 6).
//!
//! A delta link the server rejects (`410`, or `400 syncStateNotFound`) makes
//! the engine start a full listing of the calendar. A calendar whose delta
//! the server refuses outright (`400` on a round's first request: change
//! tracking not supported, as v1.0 may answer for a calendar other than the
//! default) is read through windowed `calendarView` listings, a fresh one on
//! each sync with the engine's sweep; the cursor remembers the refusal, so
//! the delta is tried again only after [`OutlookConfig::delta_retry_after`].
//!
//! Occurrences that arrive with only `id`, `seriesMasterId`, `type`, `start`
//! and `end` (pitfall 4) are completed from their series master, read through
//! the calendar's own events path (`GET /me/calendars/{cal}/events/{id}`:
//! `/me/events/{id}` answers 404 for calendars others share with the user);
//! one whose master cannot be read is kept with what it carries. Reading a
//! shared calendar needs `Calendars.Read.Shared`; a 403 there says so.
//!
//! The cursor (a Graph link) and every link followed must be on the
//! configured base URL's origin: the bearer token never leaves it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, SubsecRound, Timelike, Utc};
use chrono_tz::Tz;
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use vica_core::clock::SharedClock;
use vica_core::model::{
    EventKind, EventRecord, EventStatus, EventTime, Response, ShowAs, Source, SourceKind,
    SourceRecord,
};

use crate::error::{Result, SyncError};
use crate::http::{RetryPolicy, TokenSource, Transport};
use crate::provider::{Fetched, Next, PastListing, Provider, Window};

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
    /// `Prefer: odata.maxpagesize` for delta pages, `$top` for listings.
    pub page_size: u32,
    /// How far beyond the sync window's end a delta round lists, and so how
    /// far the window may move on before the next sync lists it afresh.
    pub relist_after: chrono::Duration,
    /// How long a calendar whose delta was refused is read through listings
    /// before its delta is tried again (a refusal is what the server supports
    /// for that calendar, not a passing fault; a retry costs one request).
    pub delta_retry_after: chrono::Duration,
    /// What time it is (when a delta was refused).
    pub clock: SharedClock,
    /// How much of the past one history-import listing covers.
    pub past_chunk: chrono::Duration,
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
            delta_retry_after: chrono::Duration::days(30),
            clock: vica_core::clock::system(),
            past_chunk: chrono::Duration::weeks(13),
            retry: RetryPolicy::default(),
        })
    }
}

/// Where a calendar's reading stands, as the engine keeps it between pages and syncs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
enum Cursor {
    /// A delta round: the link to its next page, or, once `complete`, its
    /// delta link, which the next sync follows after listing what entered
    /// the window since `edge`.
    Delta {
        link: String,
        /// The store holds the calendar up to here: the window's end when
        /// the round listed it or when the last sync caught up.
        edge: DateTime<Utc>,
        /// The end of the window the round's links are bound to.
        until: DateTime<Utc>,
        #[serde(default)]
        complete: bool,
        /// `link` is the round's next page (an `@odata.nextLink`): the round
        /// began earlier, in this sync or one broken off.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        paged: bool,
    },
    /// What entered the window since the last sync, listed up to `to` by a
    /// one-off delta round over that slice (this is its next page); then the
    /// round `resume` (a delta link) goes on.
    Edge {
        link: String,
        resume: String,
        to: DateTime<Utc>,
        until: DateTime<Utc>,
    },
    /// A windowed `calendarView` listing, for a calendar whose delta was
    /// refused at `refused_at`: the next page's link, none once complete.
    View {
        calendar: String,
        link: Option<String>,
        refused_at: DateTime<Utc>,
    },
}

impl Cursor {
    fn write(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| malformed(&e.to_string()))
    }

    /// A stored cursor: ours, or a bare Graph link from before cursors said
    /// more (a delta round over the window it was given).
    fn read(text: &str, window: Window) -> Option<Cursor> {
        if let Ok(c) = serde_json::from_str(text) {
            return Some(c);
        }
        text.starts_with("http").then(|| Cursor::Delta {
            link: text.to_owned(),
            edge: window.end,
            until: window.end,
            complete: false,
            paged: false,
        })
    }
}

/// An Outlook client for one Microsoft account.
pub struct Outlook {
    config: OutlookConfig,
    transport: Transport,
    /// The user's address, lower case, once `GET /me` has answered.
    me: Mutex<Option<String>>,
    /// Calendars read through listings (their delta refused, and when), as
    /// their cursors said before a fresh listing.
    listed: Mutex<HashMap<String, DateTime<Utc>>>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Outlook {
    pub fn new(config: OutlookConfig, tokens: Arc<dyn TokenSource>) -> Result<Outlook> {
        let transport = Transport::new(NAME, tokens, config.retry)?;
        Ok(Outlook {
            config,
            transport,
            me: Mutex::new(None),
            listed: Mutex::new(HashMap::new()),
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
        if let Some(me) = locked(&self.me).clone() {
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
        *locked(&self.me) = Some(me.clone());
        Ok(me)
    }

    /// The first request of a delta round over `[start, end)`: the default
    /// calendar's documented path, or the calendar's own.
    fn delta_url(&self, source: &Source, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Url> {
        let mut url = if source.is_primary {
            self.url(&["me", "calendarView", "delta"])?
        } else {
            self.url(&[
                "me",
                "calendars",
                &source.provider_id,
                "calendarView",
                "delta",
            ])?
        };
        window_query(&mut url, start, end);
        Ok(url)
    }

    /// The first page of a windowed listing of the calendar.
    fn view_url(&self, source: &Source, window: Window) -> Result<Url> {
        let mut url = self.url(&["me", "calendars", &source.provider_id, "calendarView"])?;
        window_query(&mut url, window.start, window.end);
        url.query_pairs_mut()
            .append_pair("$top", &self.config.page_size.max(1).to_string());
        Ok(url)
    }

    /// GETs a page of the calendar's events.
    async fn page(&self, url: &Url) -> Result<Value> {
        let prefer = self.prefer();
        match self
            .transport
            .get_json(url, &[("Prefer", prefer.as_str())])
            .await
        {
            Err(SyncError::SourceGone { .. }) => Err(SyncError::SourceGone {
                provider: NAME,
                what: "calendar",
            }),
            other => other,
        }
    }

    /// GETs a stored link: one Graph no longer accepts (`syncStateNotFound`
    /// comes as 400 or 410) or that points elsewhere starts over.
    async fn follow(&self, link: &str) -> Result<Value> {
        let url = self
            .link(link)
            .ok_or(SyncError::CursorExpired { provider: NAME })?;
        match self.page(&url).await {
            Err(SyncError::Http { status: 400, .. }) => {
                Err(SyncError::CursorExpired { provider: NAME })
            }
            other => other,
        }
    }

    /// The first page of a listing of `window` with no cursor: a delta round
    /// reaching [`OutlookConfig::relist_after`] beyond it, or, for a calendar
    /// whose delta is refused, a windowed listing.
    async fn start(&self, source: &Source, me: &str, window: Window) -> Result<Fetched> {
        let known = locked(&self.listed).get(&source.provider_id).copied();
        if let Some(refused_at) = known {
            let url = self.view_url(source, window)?;
            let body = self.page(&url).await?;
            return self.view_page(source, me, body, refused_at, window).await;
        }
        let until = window.end + self.config.relist_after;
        let url = self.delta_url(source, window.start, until)?;
        match self.page(&url).await {
            Ok(body) => {
                self.delta_page(source, me, body, window.end, until, window, false)
                    .await
            }
            // Change tracking refused for this calendar: list it instead.
            Err(SyncError::Http { status: 400, .. }) => {
                let refused_at = self.config.clock.now();
                locked(&self.listed).insert(source.provider_id.clone(), refused_at);
                let url = self.view_url(source, window)?;
                let body = self.page(&url).await?;
                self.view_page(source, me, body, refused_at, window).await
            }
            Err(e) => Err(e),
        }
    }

    /// A page of a delta round bound to a window ending at `until`, the store
    /// complete up to `edge`; its delta link ends the sync. A round of
    /// several pages (`paged`: this one came from a next link) is followed
    /// by one more round from its delta link, so what changed while it was
    /// read (on pages already read, or while it was broken off) arrives in
    /// the same sync.
    #[allow(clippy::too_many_arguments)]
    async fn delta_page(
        &self,
        source: &Source,
        me: &str,
        body: Value,
        edge: DateTime<Utc>,
        until: DateTime<Utc>,
        window: Window,
        paged: bool,
    ) -> Result<Fetched> {
        let next = match links(&body)? {
            Link::Next(link) => {
                self.checked(&link)?;
                Next::More(
                    Cursor::Delta {
                        link,
                        edge,
                        until,
                        complete: false,
                        paged: true,
                    }
                    .write()?,
                )
            }
            Link::Delta(link) => {
                self.checked(&link)?;
                let cursor = Cursor::Delta {
                    link,
                    edge,
                    until,
                    complete: !paged,
                    paged: false,
                }
                .write()?;
                if paged {
                    Next::More(cursor)
                } else {
                    Next::Done(cursor)
                }
            }
            Link::None => return Err(no_link()),
        };
        self.items(source, me, &body, window, next).await
    }

    /// A page of the one-off round over what entered the window; at its end
    /// (its own delta link is not kept) the round `resume` goes on.
    #[allow(clippy::too_many_arguments)]
    async fn edge_page(
        &self,
        source: &Source,
        me: &str,
        body: Value,
        resume: String,
        to: DateTime<Utc>,
        until: DateTime<Utc>,
        window: Window,
    ) -> Result<Fetched> {
        let next = match links(&body)? {
            Link::Next(link) => {
                self.checked(&link)?;
                Next::More(
                    Cursor::Edge {
                        link,
                        resume,
                        to,
                        until,
                    }
                    .write()?,
                )
            }
            Link::Delta(_) => Next::More(
                Cursor::Delta {
                    link: resume,
                    edge: to,
                    until,
                    complete: false,
                    paged: false,
                }
                .write()?,
            ),
            Link::None => return Err(no_link()),
        };
        self.items(source, me, &body, window, next).await
    }

    /// A page of a windowed listing.
    async fn view_page(
        &self,
        source: &Source,
        me: &str,
        body: Value,
        refused_at: DateTime<Utc>,
        window: Window,
    ) -> Result<Fetched> {
        let link = match body.get("@odata.nextLink").and_then(Value::as_str) {
            Some(next) => {
                self.checked(next)?;
                Some(next.to_owned())
            }
            None => None,
        };
        let cursor = Cursor::View {
            calendar: source.provider_id.clone(),
            link: link.clone(),
            refused_at,
        }
        .write()?;
        let next = if link.is_some() {
            Next::More(cursor)
        } else {
            Next::Done(cursor)
        };
        self.items(source, me, &body, window, next).await
    }

    fn checked(&self, link: &str) -> Result<()> {
        self.link(link)
            .map(|_| ())
            .ok_or_else(|| malformed("a link points outside Graph"))
    }

    /// The page's items, sparse occurrences completed, mapped; what starts at
    /// or after the window's end is left out.
    async fn items(
        &self,
        source: &Source,
        me: &str,
        body: &Value,
        window: Window,
        next: Next,
    ) -> Result<Fetched> {
        let mut items = match body.get("value") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(_) => return Err(malformed("value is not a list")),
        };
        self.fill_sparse(&source.provider_id, &mut items, window.end)
            .await?;
        let mut fetched = map_page(&items, me, Some(window.end), next);
        // A delta reports changes outside its window as removals: they
        // cannot remove the history before it.
        fetched.delete_only_from = Some(window.start);
        Ok(fetched)
    }

    /// Completes occurrences that came without their series' fields (those
    /// that start inside the window) from their masters, read through the
    /// calendar's own events path.
    async fn fill_sparse(
        &self,
        calendar: &str,
        items: &mut [Value],
        end: DateTime<Utc>,
    ) -> Result<()> {
        let mut masters: HashMap<String, Option<Value>> = HashMap::new();
        let prefer = self.prefer();
        for item in items
            .iter_mut()
            .filter(|i| is_sparse(i) && starts_before(i, end))
        {
            let Some(master_id) = item
                .get("seriesMasterId")
                .and_then(Value::as_str)
                .map(str::to_owned)
            else {
                continue;
            };
            if !masters.contains_key(&master_id) {
                let url = self.url(&["me", "calendars", calendar, "events", &master_id])?;
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

    async fn fetch_page(
        &self,
        source: &Source,
        cursor: Option<&str>,
        window: Window,
    ) -> Result<Fetched> {
        let me = self.me().await?;
        let Some(cursor) = cursor else {
            return self.start(source, &me, window).await;
        };
        match Cursor::read(cursor, window) {
            // A new sync: first what entered the window since the last one,
            // then what changed (so changes made meanwhile to what the slice
            // listed still arrive, and a slice broken off is resumed before them).
            Some(Cursor::Delta {
                link,
                edge,
                until,
                complete: true,
                ..
            }) if window.end > edge => {
                let slice = self.delta_url(source, edge, window.end)?;
                let body = self.follow(slice.as_str()).await?;
                self.edge_page(source, &me, body, link, window.end, until, window)
                    .await
            }
            Some(Cursor::Delta {
                link,
                edge,
                until,
                paged,
                ..
            }) => {
                let body = self.follow(&link).await?;
                self.delta_page(source, &me, body, edge, until, window, paged)
                    .await
            }
            Some(Cursor::Edge {
                link,
                resume,
                to,
                until,
            }) => {
                let body = self.follow(&link).await?;
                self.edge_page(source, &me, body, resume, to, until, window)
                    .await
            }
            Some(Cursor::View {
                link: Some(link),
                refused_at,
                ..
            }) => {
                let body = self.follow(&link).await?;
                self.view_page(source, &me, body, refused_at, window).await
            }
            // A complete listing is listed afresh (see `relist`); anything else starts over.
            Some(Cursor::View { link: None, .. }) | None => {
                Err(SyncError::CursorExpired { provider: NAME })
            }
        }
    }
}

/// `startDateTime` and `endDateTime` in whole seconds, widened to cover
/// `[start, end)` (what lies beyond `end` is left out when mapped).
fn window_query(url: &mut Url, start: DateTime<Utc>, end: DateTime<Utc>) {
    let start = start.trunc_subsecs(0);
    let end = if end.nanosecond() == 0 {
        end
    } else {
        end.trunc_subsecs(0) + chrono::Duration::seconds(1)
    };
    url.query_pairs_mut()
        .append_pair(
            "startDateTime",
            &start.to_rfc3339_opts(SecondsFormat::Secs, true),
        )
        .append_pair(
            "endDateTime",
            &end.to_rfc3339_opts(SecondsFormat::Secs, true),
        );
}

/// How a delta page ends.
enum Link {
    Next(String),
    Delta(String),
    None,
}

fn links(body: &Value) -> Result<Link> {
    if let Some(link) = body.get("@odata.nextLink").and_then(Value::as_str) {
        Ok(Link::Next(link.to_owned()))
    } else if let Some(link) = body.get("@odata.deltaLink").and_then(Value::as_str) {
        Ok(Link::Delta(link.to_owned()))
    } else {
        Ok(Link::None)
    }
}

fn no_link() -> SyncError {
    malformed("the page has neither @odata.nextLink nor @odata.deltaLink")
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
        match self.fetch_page(source, cursor, window).await {
            // A calendar someone else owns: reading it needs the shared-calendars permission.
            Err(SyncError::Http {
                status: 403,
                message,
                ..
            }) if source.access_role.as_deref() != Some("owner") => Err(SyncError::Http {
                provider: NAME,
                status: 403,
                message: format!(
                    "{message} (reading a calendar shared with you needs the Calendars.Read.Shared permission: reconnect the account to grant it)"
                ),
            }),
            other => other,
        }
    }

    fn past(&self) -> PastListing {
        PastListing::Chunks(self.config.past_chunk)
    }

    /// A windowed `calendarView` of the past chunk, paged by
    /// `@odata.nextLink` (the page token is that link); no delta: the past
    /// is read once.
    async fn fetch_past(
        &self,
        source: &Source,
        span: Window,
        page: Option<&str>,
    ) -> Result<Fetched> {
        let me = self.me().await?;
        let body = match page {
            None => self.page(&self.view_url(source, span)?).await?,
            Some(link) => self.follow(link).await?,
        };
        let next = match body.get("@odata.nextLink").and_then(Value::as_str) {
            Some(link) => {
                self.checked(link)?;
                Next::More(link.to_owned())
            }
            None => Next::Done(String::new()),
        };
        self.items(source, &me, &body, span, next).await
    }

    /// A delta round (or the slice listed before it goes on) is followed
    /// while it covers the window; a calendar read through listings is listed
    /// afresh on every sync.
    fn relist(&self, cursor: &str, listed: Window, window: Window) -> Option<Window> {
        let outgrown = |until: DateTime<Utc>| window.end > until || window.start < listed.start;
        match Cursor::read(cursor, window) {
            Some(Cursor::Delta { link, until, .. }) => {
                // A bare link from before cursors said more: list anew on its host.
                let legacy = !cursor.starts_with('{');
                ((legacy && self.link(&link).is_some()) || (!legacy && outgrown(until)))
                    .then_some(window)
            }
            Some(Cursor::Edge { until, .. }) => outgrown(until).then_some(window),
            Some(Cursor::View {
                calendar,
                refused_at,
                ..
            }) => {
                let mut listed = locked(&self.listed);
                if self.config.clock.now() - refused_at < self.config.delta_retry_after {
                    listed.insert(calendar, refused_at);
                } else {
                    listed.remove(&calendar);
                }
                Some(window)
            }
            None => Some(window),
        }
    }
}

/// An occurrence without a subject: Graph left the series' fields on the master.
fn is_sparse(item: &Value) -> bool {
    item.get("@removed").is_none()
        && item.get("subject").is_none()
        && item.get("seriesMasterId").and_then(Value::as_str).is_some()
}

/// Whether an item starts before `end` (an item without a readable start does, to be looked at).
fn starts_before(item: &Value, end: DateTime<Utc>) -> bool {
    item.get("start")
        .and_then(|s| serde_json::from_value::<GTime>(s.clone()).ok())
        .and_then(|t| instant(&t).ok())
        .is_none_or(|start| start < end)
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

/// Maps one page. With `end`, an event that starts at or after it is left
/// out, and removed from the store should a change have moved it there.
fn map_page(items: &[Value], me: &str, end: Option<DateTime<Utc>>, next: Next) -> Fetched {
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
        // A calendar view lists instances; a master is not one.
        if item.get("type").and_then(Value::as_str) == Some("seriesMaster") {
            continue;
        }
        match event(item, me) {
            Ok(e) if end.is_some_and(|end| e.time.utc_bounds().0 >= end) => {
                fetched.deleted_events.push(e.provider_id);
            }
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
    Ok(map_page(items, me, None, Next::Done(String::new())))
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
        let f = map_page(&items, ME, None, Next::Done("link".into()));
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
        // Without its master an occurrence is kept with what it carries.
        let f = map_page(&[occurrence], ME, None, Next::Done("x".into()));
        assert!(f.rejected.is_empty());
        assert_eq!(f.events[0].provider_id, "o");
        assert_eq!(f.events[0].title, "");
        assert_eq!(f.events[0].series_id.as_deref(), Some("m"));
    }

    #[test]
    fn what_starts_at_or_after_the_windows_end_is_left_out_and_removed() {
        let at = |id: &str, start: &str, end: &str| {
            json!({"id": id, "subject": id,
                   "start": {"dateTime": start, "timeZone": "UTC"},
                   "end": {"dateTime": end, "timeZone": "UTC"}})
        };
        let items = [
            at("inside", "2026-11-16T08:00:00", "2026-11-16T09:00:00"),
            at("across", "2026-11-22T23:30:00", "2026-11-23T00:30:00"),
            at("at-end", "2026-11-23T00:00:00", "2026-11-23T01:00:00"),
            at("beyond", "2026-11-25T08:00:00", "2026-11-25T09:00:00"),
            json!({"id": "day", "subject": "Holiday", "isAllDay": true,
                   "start": {"dateTime": "2026-11-23T00:00:00", "timeZone": "UTC"},
                   "end": {"dateTime": "2026-11-24T00:00:00", "timeZone": "UTC"}}),
        ];
        let end = "2026-11-23T00:00:00Z".parse().unwrap();
        let f = map_page(&items, ME, Some(end), Next::Done("x".into()));
        let kept: Vec<&str> = f.events.iter().map(|e| e.provider_id.as_str()).collect();
        assert_eq!(kept, ["inside", "across"]);
        assert_eq!(f.deleted_events, ["at-end", "beyond", "day"]);
        assert!(starts_before(&items[1], end) && !starts_before(&items[2], end));
        assert!(starts_before(&json!({"id": "no start"}), end));
    }

    #[test]
    fn cursors_read_back_and_bare_links_are_delta_rounds() {
        let window = Window {
            start: "2026-05-01T00:00:00Z".parse().unwrap(),
            end: "2026-12-01T00:00:00Z".parse().unwrap(),
        };
        let c = Cursor::Edge {
            link: "https://graph.microsoft.com/v1.0/me/calendarView/delta?x=1".into(),
            resume: "https://graph.microsoft.com/v1.0/me/calendarView/delta?$deltatoken=a".into(),
            to: window.end,
            until: window.end + chrono::Duration::days(7),
        };
        assert_eq!(Cursor::read(&c.write().unwrap(), window), Some(c));
        assert_eq!(
            Cursor::read("https://graph.microsoft.com/v1.0/x?$deltatoken=1", window),
            Some(Cursor::Delta {
                link: "https://graph.microsoft.com/v1.0/x?$deltatoken=1".into(),
                edge: window.end,
                until: window.end,
                complete: false,
                paged: false,
            })
        );
        assert_eq!(Cursor::read("{not json", window), None);
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
