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
}
