//! The provider trait: what the engine needs from Google, Microsoft, Todoist or ICS.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use vica_core::model::{EventRecord, Source, SourceRecord, TaskRecord};

use crate::Result;

/// The span a full listing covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Where a listing goes after this page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// More pages follow; fetch again with this cursor.
    More(String),
    /// The listing is complete; the next sync starts from this cursor.
    Done(String),
}

/// One page as a provider delivered it, mapped to Vica's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub events: Vec<EventRecord>,
    pub deleted_events: Vec<String>,
    pub tasks: Vec<TaskRecord>,
    pub deleted_tasks: Vec<String>,
    /// Items that could not be read: (provider id or position, why). They are
    /// skipped and reported; the rest of the page is kept.
    pub rejected: Vec<(String, String)>,
    pub next: Next,
}

impl Fetched {
    pub fn new(next: Next) -> Fetched {
        Fetched {
            events: Vec::new(),
            deleted_events: Vec::new(),
            tasks: Vec::new(),
            deleted_tasks: Vec::new(),
            rejected: Vec::new(),
            next,
        }
    }
}

/// A provider client for one account.
#[async_trait]
pub trait Provider: Send + Sync {
    /// "Google Calendar", for messages.
    fn name(&self) -> &'static str;

    /// The account's calendars or projects.
    async fn list_sources(&self) -> Result<Vec<SourceRecord>>;

    /// The page after `cursor` for `source`; `None` starts a full listing of `window`.
    /// A cursor the provider no longer accepts gives [`crate::SyncError::CursorExpired`].
    async fn fetch(&self, source: &Source, cursor: Option<&str>, window: Window)
    -> Result<Fetched>;

    /// Called before a sync when the last listing of a source is complete: it
    /// listed `listed` and ended with `cursor` (its [`Next::Done`]). Returning a
    /// window makes the engine start a fresh listing of it (`fetch` with no
    /// cursor) instead of following `cursor`; that listing is stamped with a
    /// new generation and its last page deletes, inside the window, what it did
    /// not return. That suits a provider whose every sync is a fresh listing of
    /// the recent past (Todoist) and one whose cursor is bound to the window it
    /// started with (Graph's delta links). `window` is what a first listing
    /// would cover now. The default, `None`, follows the cursor.
    fn relist(&self, cursor: &str, listed: Window, window: Window) -> Option<Window> {
        let _ = (cursor, listed, window);
        None
    }
}
