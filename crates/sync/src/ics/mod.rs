//! ICS calendars: a local `.ics` file, a folder of them (a vdir) or a
//! subscription address (`https://`, `webcal://`), on the sync engine.
//!
//! - [`source`] finds and reads the calendar: file stamps, or a conditional
//!   GET with the `ETag`/`Last-Modified` of the last good read, bounded
//!   redirects and a size cap ([`IcsConfig::max_bytes`]).
//! - [`lexer`] reads content lines forgivingly; [`parse`] turns `VEVENT`s
//!   into [`vica_core::model::EventRecord`]s, recurrences expanded into the
//!   sync window; [`zone`] resolves `TZID`s (IANA, Windows, `VTIMEZONE`).
//!
//! An ICS feed has no change log, so the provider makes one. Its cursor (in
//! the engine's envelope) keeps the read's validators and, per occurrence,
//! a hash of what was stored and its span. Each sync reads the feed (unless
//! it is unchanged: a 304, or the same file stamps, costs nothing), expands
//! it, and hands the engine only the occurrences whose hash changed, plus
//! the ids that disappeared from the window as deletions. A feed that cannot
//! be read fails the source's sync and leaves the cursor, so the last good
//! data stays; an event that cannot be read is reported and its stored
//! occurrences are kept. The window moves with time: the first listing's
//! window, shifted by the time since, and a feed is read in full (not
//! conditionally) once the window has moved a day, so new occurrences
//! of recurring events appear.

pub mod lexer;
pub mod parse;
pub mod source;
pub mod zone;

use std::collections::{BTreeMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use vica_core::model::{EventTime, Source, SourceKind, SourceRecord};

pub use parse::{Feed, IcsEvent, parse_feed};
pub use source::Location;

use crate::error::{Result, SyncError};
use crate::http::RetryPolicy;
use crate::provider::{Fetched, Next, Provider, Window};
use source::{Loaded, Validators};

/// The provider's name in messages.
pub const NAME: &str = "ICS calendar";

/// The largest calendar read by default: a file, a folder's files together, or a download.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The cursor's format; a stored cursor of another version starts a full listing.
const CURSOR_VERSION: u32 = 1;

/// Why an ICS calendar cannot be used or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IcsError {
    /// The bytes are not an iCalendar object at all.
    #[error("this is not an iCalendar (.ics) calendar: {detail}")]
    NotCalendar { detail: String },
    /// Over the size cap.
    #[error("{what} is larger than {limit_mb} MB, the most Vica reads from one calendar")]
    TooLarge { what: String, limit_mb: u64 },
    /// A location that cannot be an ICS calendar.
    #[error("{0}")]
    Location(String),
    /// A local file or folder that cannot be read.
    #[error("cannot read {path}: {detail}")]
    Read { path: String, detail: String },
    #[error("{host} redirected more than {max} times")]
    TooManyRedirects { host: String, max: u32 },
    #[error("{host} redirected to an address Vica does not follow ({detail})")]
    BadRedirect { host: String, detail: String },
}

/// How ICS calendars are read.
#[derive(Debug, Clone)]
pub struct IcsConfig {
    /// See [`DEFAULT_MAX_BYTES`].
    pub max_bytes: u64,
    /// Redirects followed for one request.
    pub max_redirects: u32,
    /// Attempts and timeouts for a download.
    pub retry: RetryPolicy,
}

impl Default for IcsConfig {
    fn default() -> Self {
        IcsConfig {
            max_bytes: DEFAULT_MAX_BYTES,
            max_redirects: 5,
            retry: RetryPolicy {
                max_attempts: 3,
                timeout: std::time::Duration::from_secs(60),
                ..RetryPolicy::default()
            },
        }
    }
}

/// An ICS calendar account: one source, the calendar at its location.
pub struct Ics {
    location: Location,
    zone: Tz,
    config: IcsConfig,
    client: reqwest::Client,
}

impl Ics {
    /// A client for `location`; floating times without `X-WR-TIMEZONE` are read in `zone`.
    pub fn new(location: Location, zone: Tz, config: IcsConfig) -> Result<Ics> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.retry.timeout)
            .connect_timeout(config.retry.timeout.min(std::time::Duration::from_secs(10)))
            .user_agent(concat!("Vica/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Network {
                provider: NAME,
                detail: format!("cannot set up HTTP: {e}"),
            })?;
        Ok(Ics {
            location,
            zone,
            config,
            client,
        })
    }

    pub fn location(&self) -> &Location {
        &self.location
    }
}

/// One stored occurrence as the cursor remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Seen {
    /// Hash of the stored record.
    h: String,
    /// Its span, in seconds since the epoch.
    s: i64,
    e: i64,
}

/// The provider's cursor.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cursor {
    v: u32,
    /// The first listing's window and when it was taken: the window now is this one, shifted.
    base: Window,
    base_at: DateTime<Utc>,
    /// The window the stored occurrences were expanded into.
    expanded: Window,
    #[serde(default)]
    validators: Validators,
    /// Hash of the bytes last read.
    body: String,
    items: BTreeMap<String, Seen>,
}

#[async_trait]
impl Provider for Ics {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn list_sources(&self) -> Result<Vec<SourceRecord>> {
        let location = self.location.clone();
        let (name, color) = tokio::task::spawn_blocking(move || describe(&location))
            .await
            .unwrap_or((None, None));
        Ok(vec![SourceRecord {
            kind: SourceKind::Calendar,
            provider_id: "calendar".into(),
            name: name.unwrap_or_else(|| self.location.fallback_name()),
            color,
            is_primary: true,
            access_role: Some("reader".into()),
        }])
    }

    async fn fetch(
        &self,
        _source: &Source,
        cursor: Option<&str>,
        window: Window,
    ) -> Result<Fetched> {
        let previous: Option<Cursor> = match cursor {
            None => None,
            Some(c) => Some(
                serde_json::from_str::<Cursor>(c)
                    .ok()
                    .filter(|c| c.v == CURSOR_VERSION)
                    .ok_or(SyncError::CursorExpired { provider: NAME })?,
            ),
        };
        let now = Utc::now();
        let (base, base_at) = previous
            .as_ref()
            .map_or((window, now), |p| (p.base, p.base_at));
        let shift = now - base_at;
        let current = Window {
            start: base.start + shift,
            end: base.end + shift,
        };
        let fresh = previous
            .as_ref()
            .filter(|p| current.start - p.expanded.start < Duration::days(1));
        let loaded = source::load(
            &self.location,
            &self.client,
            &self.config,
            fresh.map(|p| &p.validators),
        )
        .await?;
        let (bodies, validators) = match loaded {
            Loaded::Unchanged(validators) => {
                return unchanged(previous, validators);
            }
            Loaded::Bodies(bodies, validators) => (bodies, validators),
        };
        let body = {
            use sha2::{Digest, Sha256};
            let mut h = Sha256::new();
            for (name, bytes) in &bodies {
                h.update(name.as_bytes());
                h.update([0]);
                h.update((bytes.len() as u64).to_le_bytes());
                h.update(bytes);
            }
            h.finalize()
                .iter()
                .take(16)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        if fresh.is_some_and(|p| p.body == body) {
            return unchanged(previous, validators);
        }
        let folder = matches!(self.location, Location::Folder(_));
        let zone = self.zone;
        let read = tokio::task::spawn_blocking(move || read_all(bodies, zone, current, folder))
            .await
            .map_err(|e| SyncError::Malformed {
                provider: NAME,
                detail: format!("reading the calendar stopped unexpectedly ({e})"),
            })??;
        Ok(diff(
            previous,
            read,
            Cursor {
                v: CURSOR_VERSION,
                base,
                base_at,
                expanded: current,
                validators,
                body,
                items: BTreeMap::new(),
            },
        )?)
    }
}

/// Nothing to write: the same cursor with the validators of this read.
fn unchanged(previous: Option<Cursor>, validators: Validators) -> Result<Fetched> {
    let Some(mut cursor) = previous else {
        return Err(SyncError::CursorExpired { provider: NAME });
    };
    cursor.validators = validators;
    Ok(Fetched::new(Next::Done(encode(&cursor)?)))
}

fn encode(cursor: &Cursor) -> Result<String> {
    serde_json::to_string(cursor).map_err(|e| SyncError::Malformed {
        provider: NAME,
        detail: e.to_string(),
    })
}

/// The events of every body, deduplicated by id (a later file wins).
struct Read {
    events: Vec<IcsEvent>,
    rejected: Vec<(String, String)>,
    /// Whole files that could not be read (a folder's): nothing is deleted this time.
    broken_files: bool,
}

fn read_all(
    bodies: Vec<(String, Vec<u8>)>,
    zone: Tz,
    window: Window,
    folder: bool,
) -> Result<Read> {
    let mut read = Read {
        events: Vec::new(),
        rejected: Vec::new(),
        broken_files: false,
    };
    let count = bodies.len();
    let mut failures = Vec::new();
    for (name, bytes) in bodies {
        match parse_feed(&bytes, zone, window) {
            Ok(feed) => {
                read.events.extend(feed.events);
                read.rejected.extend(feed.rejected);
            }
            Err(e) if folder => {
                read.broken_files = true;
                failures.push((name, e.to_string()));
            }
            Err(e) => return Err(e.into()),
        }
    }
    if folder && count > 0 && failures.len() == count {
        let (name, why) = failures.swap_remove(0);
        return Err(SyncError::from(IcsError::NotCalendar {
            detail: format!("no file of the folder could be read ({name}: {why})"),
        }));
    }
    read.rejected.extend(failures);
    let mut seen = HashSet::new();
    // Keep the last of each id.
    read.events.reverse();
    read.events
        .retain(|e| seen.insert(e.record.provider_id.clone()));
    read.events.reverse();
    Ok(read)
}

/// What to hand the engine: changed occurrences, deletions, and the next cursor.
fn diff(previous: Option<Cursor>, read: Read, mut next: Cursor) -> Result<Fetched> {
    let mut fetched = Fetched::new(Next::Done(String::new()));
    for event in read.events {
        let record = event.record;
        let hash = parse::short_hash(&serde_json::to_string(&record).unwrap_or_default());
        let (s, e) = span(&record.time);
        let unchanged = previous
            .as_ref()
            .and_then(|p| p.items.get(&record.provider_id))
            .is_some_and(|seen| seen.h == hash);
        next.items
            .insert(record.provider_id.clone(), Seen { h: hash, s, e });
        if !unchanged {
            fetched.events.push(record);
        }
    }
    let protected: Vec<&str> = read.rejected.iter().map(|(uid, _)| uid.as_str()).collect();
    if let Some(previous) = previous {
        let window = next.expanded;
        for (id, seen) in previous.items {
            if next.items.contains_key(&id) {
                continue;
            }
            let kept = read.broken_files
                || protected.iter().any(|uid| {
                    id == *uid || id.strip_prefix(uid).is_some_and(|r| r.starts_with('/'))
                });
            if kept {
                next.items.insert(id, seen);
            } else if seen.e > window.start.timestamp() && seen.s < window.end.timestamp() {
                fetched.deleted_events.push(id);
            }
            // Otherwise it has left the window behind: history, kept in the store.
        }
    }
    fetched.rejected = read.rejected;
    fetched.next = Next::Done(encode(&next)?);
    Ok(fetched)
}

/// An event's span as the store keeps it (all-day dates at UTC midnight).
fn span(time: &EventTime) -> (i64, i64) {
    match time {
        EventTime::AllDay { start, end } => (
            start.and_time(chrono::NaiveTime::MIN).and_utc().timestamp(),
            end.and_time(chrono::NaiveTime::MIN).and_utc().timestamp(),
        ),
        EventTime::Timed { start, end } => (start.timestamp(), end.timestamp()),
    }
}

/// The calendar's name and colour without reading it all: a vdir's
/// `displayname` and `color` files, or the `X-WR-CALNAME` near a file's top.
fn describe(location: &Location) -> (Option<String>, Option<String>) {
    let first_line = |p: std::path::PathBuf| {
        std::fs::read_to_string(p)
            .ok()
            .and_then(|s| s.lines().next().map(|l| l.trim().to_owned()))
            .filter(|s| !s.is_empty())
    };
    match location {
        Location::Folder(dir) => (
            first_line(dir.join("displayname")),
            first_line(dir.join("color")).filter(|c| {
                c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())
            }),
        ),
        Location::File(path) => {
            use std::io::Read as _;
            let mut head = Vec::new();
            let name = std::fs::File::open(path)
                .and_then(|f| f.take(64 * 1024).read_to_end(&mut head))
                .ok()
                .and_then(|_| {
                    String::from_utf8_lossy(&head).lines().find_map(|l| {
                        l.strip_prefix("X-WR-CALNAME:")
                            .map(|n| lexer::unescape(n.trim()))
                            .filter(|n| !n.is_empty())
                    })
                });
            (name, None)
        }
        Location::Url(_) => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn window(start: &str, end: &str) -> Window {
        Window {
            start: at(start),
            end: at(end),
        }
    }

    fn feed(events: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        let mut s = String::from("BEGIN:VCALENDAR\r\n");
        for (uid, start) in events {
            s.push_str(&format!(
                "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:{start}\r\nDURATION:PT1H\r\nSUMMARY:{uid}\r\nEND:VEVENT\r\n"
            ));
        }
        s.push_str("END:VCALENDAR\r\n");
        vec![(String::new(), s.into_bytes())]
    }

    fn cursor(w: Window) -> Cursor {
        Cursor {
            v: CURSOR_VERSION,
            base: w,
            base_at: w.start,
            expanded: w,
            validators: Validators::default(),
            body: String::new(),
            items: BTreeMap::new(),
        }
    }

    fn sync(previous: Option<Cursor>, w: Window, events: &[(&str, &str)]) -> (Fetched, Cursor) {
        let read = read_all(feed(events), chrono_tz::UTC, w, false);
        let fetched = read
            .and_then(|r| diff(previous, r, cursor(w)))
            .unwrap_or_else(|e| panic!("{e}"));
        let next = match &fetched.next {
            Next::Done(c) => serde_json::from_str(c).unwrap_or_else(|e| panic!("{e}")),
            Next::More(_) => panic!("one page"),
        };
        (fetched, next)
    }

    fn ids(events: &[vica_core::model::EventRecord]) -> Vec<&str> {
        events.iter().map(|e| e.provider_id.as_str()).collect()
    }

    #[test]
    fn only_changes_are_written_and_history_behind_the_window_is_not_deleted() {
        let first = window("2026-09-01T00:00:00Z", "2026-12-01T00:00:00Z");
        let (fetched, stored) = sync(
            None,
            first,
            &[
                ("old", "20260902T100000Z"),
                ("same", "20261001T100000Z"),
                ("gone", "20261002T100000Z"),
                ("moved", "20261003T100000Z"),
            ],
        );
        assert_eq!(ids(&fetched.events), ["gone", "moved", "old", "same"]);
        assert!(fetched.deleted_events.is_empty());
        // A month later: "old" is behind the window (history, kept), "gone"
        // left the feed (deleted), "moved" changed (written), "new" appeared.
        let later = window("2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z");
        let (fetched, next) = sync(
            Some(stored),
            later,
            &[
                ("same", "20261001T100000Z"),
                ("moved", "20261004T100000Z"),
                ("new", "20261210T100000Z"),
            ],
        );
        assert_eq!(ids(&fetched.events), ["moved", "new"]);
        assert_eq!(fetched.deleted_events, ["gone"]);
        assert_eq!(
            next.items.keys().map(String::as_str).collect::<Vec<_>>(),
            ["moved", "new", "same"]
        );
    }
}
