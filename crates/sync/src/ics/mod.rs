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
//! An ICS calendar has no change log, so the provider makes one, per item:
//! a folder's file, or the calendar's one file or feed. The store keeps each
//! item's stamp (a file's size, modification time and inode; a feed's
//! `ETag`/`Last-Modified`), what expanding it cost the calendar's budget, how
//! far ahead it holds occurrences, and a hash and span per occurrence
//! ([`vica_core::store::IcsFile`], written with the page it describes). A
//! sync lists the items (stat'ing files, or a conditional GET) and reads only
//! those that are new, changed, or hold occurrences the moving window has
//! now reached ([`items`]); an unchanged calendar reads nothing and hands the
//! engine nothing to write. Of what it reads, it hands on only the
//! occurrences whose hash changed, plus the ids that disappeared from the
//! window as deletions. A calendar that cannot be read fails the source's
//! sync and leaves the state, so the last good data stays; a folder's file
//! or an event that cannot be read is reported and what it had is kept. The
//! window moves with time: the first listing's window, shifted by the time
//! since (the cursor, which therefore never changes).

mod items;
pub mod lexer;
pub mod parse;
pub mod source;
pub mod zone;

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use vica_core::Store;
use vica_core::clock::SharedClock;
use vica_core::model::{Source, SourceKind, SourceRecord};

pub use parse::{Budget, DEFAULT_BUDGET, Feed, IcsEvent, Overdrawn, parse_feed, parse_feed_within};
pub use source::Location;

use std::sync::{Arc, Mutex};

use crate::error::{Result, SyncError};
use crate::http::RetryPolicy;
use crate::provider::{Fetched, Next, Provider, Window};
use crate::secrets::{SecretError, SecretStore};
use source::{Loaded, Validators};

/// The provider's name in messages.
pub const NAME: &str = "ICS calendar";

/// The largest calendar read by default: a file, a folder's files together, or a download.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The cursor's format (1: the occurrences' hashes in the cursor, read once
/// and moved to the store); a stored cursor of another version starts a full listing.
const CURSOR_VERSION: u32 = 2;

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
    /// A calendar that expands into more than its [`Budget`] allows
    /// (`budget` is what was left of it when it ran out).
    #[error(
        "this calendar expands into more than {} in the sync window, more than Vica reads from one calendar (a rule repeating every minute or second does this); its events are not read",
        .part.limit(.budget)
    )]
    OverBudget { part: Overdrawn, budget: Budget },
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
    /// What time it is: the window moves with it.
    pub clock: SharedClock,
    /// What one calendar may expand into (see [`Budget`]).
    pub budget: Budget,
    /// Host names answered with a fixed address instead of through DNS, as
    /// `/etc/hosts` would (tests reach fakes on loopback this way).
    pub resolve: Vec<(String, std::net::SocketAddr)>,
    /// Which addresses count as private or local, where a redirect of a
    /// public feed may not lead ([`source::is_private_address`]; tests
    /// narrow it, since every fake they reach is on loopback).
    pub is_private: fn(std::net::IpAddr) -> bool,
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
            clock: vica_core::clock::system(),
            budget: DEFAULT_BUDGET,
            resolve: Vec::new(),
            is_private: source::is_private_address,
        }
    }
}

/// An ICS calendar account: one source, the calendar at its location.
pub struct Ics {
    location: Where,
    zone: Tz,
    config: IcsConfig,
    client: reqwest::Client,
}

/// Where the calendar is: known, or a subscription address kept in the
/// keychain (a capability: whoever has it reads the calendar), read on first use.
enum Where {
    Known(Location),
    Keychain {
        entry: String,
        secrets: Arc<dyn SecretStore>,
        read: tokio::sync::OnceCell<Location>,
    },
}

impl Ics {
    /// A client for `location`; floating times without `X-WR-TIMEZONE` are read in `zone`.
    pub fn new(location: Location, zone: Tz, config: IcsConfig) -> Result<Ics> {
        Self::at(Where::Known(location), zone, config)
    }

    /// A client for the subscription address kept in the keychain under
    /// `entry`, read from there when the calendar is first read.
    pub fn from_keychain(
        entry: &str,
        secrets: Arc<dyn SecretStore>,
        zone: Tz,
        config: IcsConfig,
    ) -> Result<Ics> {
        let location = Where::Keychain {
            entry: entry.to_owned(),
            secrets,
            read: tokio::sync::OnceCell::new(),
        };
        Self::at(location, zone, config)
    }

    fn at(location: Where, zone: Tz, config: IcsConfig) -> Result<Ics> {
        let mut client = reqwest::Client::builder();
        for (name, addr) in &config.resolve {
            client = client.resolve(name, *addr);
        }
        let client = client
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

    /// The calendar's location (for a keychain-backed address, read from the keychain once).
    pub async fn location(&self) -> Result<&Location> {
        match &self.location {
            Where::Known(location) => Ok(location),
            Where::Keychain {
                entry,
                secrets,
                read,
            } => {
                read.get_or_try_init(|| async {
                    let (entry, secrets) = (entry.clone(), secrets.clone());
                    let address = tokio::task::spawn_blocking(move || secrets.get(&entry))
                        .await
                        .map_err(|e| SecretError::Failed {
                            detail: format!("the keychain call stopped unexpectedly ({e})"),
                        })??
                        .ok_or_else(|| SyncError::Credentials {
                            provider: NAME,
                            detail:
                                "its address is no longer in the keychain; add the calendar again"
                                    .into(),
                        })?;
                    Location::from_label(address.expose()).map_err(SyncError::from)
                })
                .await
            }
        }
    }
}

/// The provider's cursor (in the engine's envelope): the first listing's
/// window and when it was taken; the window now is that one, shifted. What
/// each item expanded into is in the store, not here, so the cursor does not
/// change from one sync to the next.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cursor {
    v: u32,
    base: Window,
    base_at: DateTime<Utc>,
}

/// The cursor of a Vica from before the per-item state (version 1): a hash
/// and span per stored occurrence. Read once, as the state a first read of
/// every item is compared with; the sync after it writes the state to the
/// store and the cursor as [`Cursor`].
#[derive(Debug, Deserialize)]
struct LegacyCursor {
    v: u32,
    base: Window,
    base_at: DateTime<Utc>,
    items: BTreeMap<String, Seen>,
}

#[derive(Debug, Deserialize)]
struct Seen {
    h: String,
    s: i64,
    e: i64,
}

#[async_trait]
impl Provider for Ics {
    fn name(&self) -> &'static str {
        NAME
    }

    /// A feed is read whole anyway: its window starts at the history day.
    fn past(&self) -> crate::provider::PastListing {
        crate::provider::PastListing::Whole
    }

    async fn list_sources(&self) -> Result<Vec<SourceRecord>> {
        let location = self.location().await?.clone();
        let fallback = location.fallback_name();
        let (name, color) = tokio::task::spawn_blocking(move || describe(&location))
            .await
            .unwrap_or((None, None));
        Ok(vec![SourceRecord {
            kind: SourceKind::Calendar,
            provider_id: "calendar".into(),
            name: name.unwrap_or(fallback),
            color,
            is_primary: true,
            access_role: Some("reader".into()),
        }])
    }

    /// Without the store there is no state to compare with: every fetch
    /// reads and hands over the whole calendar (the engine uses
    /// [`Provider::fetch_stored`]).
    async fn fetch(
        &self,
        source: &Source,
        cursor: Option<&str>,
        window: Window,
    ) -> Result<Fetched> {
        self.fetch_items(None, source, cursor, window).await
    }

    async fn fetch_stored(
        &self,
        store: &Arc<Mutex<Store>>,
        source: &Source,
        cursor: Option<&str>,
        window: Window,
    ) -> Result<Fetched> {
        self.fetch_items(Some(store), source, cursor, window).await
    }
}

impl Ics {
    async fn fetch_items(
        &self,
        store: Option<&Arc<Mutex<Store>>>,
        source: &Source,
        cursor: Option<&str>,
        window: Window,
    ) -> Result<Fetched> {
        let now = self.config.clock.now();
        let (base, base_at, previous) = match cursor {
            None => (window, now, None),
            Some(c) => match serde_json::from_str::<Cursor>(c) {
                Ok(p) if p.v == CURSOR_VERSION => (p.base, p.base_at, Some(None)),
                _ => match serde_json::from_str::<LegacyCursor>(c) {
                    Ok(p) if p.v == 1 => (p.base, p.base_at, Some(Some(p.items))),
                    _ => return Err(SyncError::CursorExpired { provider: NAME }),
                },
            },
        };
        let shift = now - base_at;
        let current = Window {
            start: base.start + shift,
            end: base.end + shift,
        };
        let source_id = source.id;
        let previous = match previous {
            None => items::Previous::Fresh,
            Some(Some(legacy)) => items::Previous::Legacy(
                legacy
                    .into_iter()
                    .map(|(id, seen)| (id, (seen.h, seen.s, seen.e)))
                    .collect(),
            ),
            Some(None) => match store {
                Some(store) => {
                    let store = Arc::clone(store);
                    let files = blocking(move || {
                        let store = store.lock().unwrap_or_else(|e| e.into_inner());
                        Ok(store.ics_files(source_id)?)
                    })
                    .await?;
                    items::Previous::Stored(files)
                }
                None => items::Previous::Fresh,
            },
        };
        let location = self.location().await?.clone();
        let listed = match &location {
            Location::Url(url) => {
                // Asked conditionally unless the window reached what the feed
                // holds beyond it (or there is nothing to compare with).
                let validators = match &previous {
                    items::Previous::Stored(files) => files
                        .iter()
                        .find(|f| f.name.is_empty())
                        .filter(|f| f.reach.is_none_or(|r| r >= current.end))
                        .and_then(|f| serde_json::from_str::<Validators>(&f.stamp).ok()),
                    _ => None,
                };
                let loaded =
                    source::load_url(url, &self.client, &self.config, validators.as_ref()).await?;
                let (body, validators) = match loaded {
                    Loaded::Unchanged(v) => (items::Body::Unchanged, v),
                    Loaded::Body(bytes, v) => (items::Body::Bytes(bytes), v),
                };
                vec![items::Listed {
                    name: String::new(),
                    stamp: serde_json::to_string(&validators).unwrap_or_default(),
                    body,
                }]
            }
            local => {
                let (local, max) = (local.clone(), self.config.max_bytes);
                blocking(move || source::list_local(&local, max))
                    .await?
                    .into_iter()
                    .map(|i| items::Listed {
                        name: i.name,
                        stamp: i.stamp,
                        body: items::Body::Path(i.path),
                    })
                    .collect()
            }
        };
        let input_store = store.cloned();
        let (zone, budget, max_bytes) = (self.zone, self.config.budget, self.config.max_bytes);
        let folder = matches!(location, Location::Folder(_));
        let outcome = blocking(move || {
            items::sync(items::Input {
                store: input_store.as_deref(),
                source_id,
                previous,
                listed,
                folder,
                window: current,
                zone,
                budget,
                max_bytes,
            })
        })
        .await?;
        let next = match cursor {
            // The cursor of this version never changes.
            Some(c) if serde_json::from_str::<Cursor>(c).is_ok_and(|p| p.v == CURSOR_VERSION) => {
                c.to_owned()
            }
            _ => serde_json::to_string(&Cursor {
                v: CURSOR_VERSION,
                base,
                base_at,
            })
            .map_err(|e| SyncError::Malformed {
                provider: NAME,
                detail: e.to_string(),
            })?,
        };
        let mut fetched = Fetched::new(Next::Done(next));
        fetched.events = outcome.events;
        fetched.deleted_events = outcome.deleted;
        fetched.rejected = outcome.rejected;
        fetched.ics_items = outcome.items;
        Ok(fetched)
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SyncError::Malformed {
            provider: NAME,
            detail: format!("reading the calendar stopped unexpectedly ({e})"),
        })?
}

/// The calendar's name and colour without reading it all: a vdir's
/// `displayname` and `color` files, or the `X-WR-CALNAME` near a file's top.
fn describe(location: &Location) -> (Option<String>, Option<String>) {
    // Only regular files, and only their start: a pipe or device put where
    // a name was expected must not block or fill memory.
    let head = |p: &std::path::Path, max: u64| {
        source::read_bounded_head(p, max).map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    let first_line = |p: std::path::PathBuf| {
        head(&p, 4096)
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
            let name = head(path, 64 * 1024).and_then(|text| {
                text.lines().find_map(|l| {
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
