//! The provider trait: what the engine needs from Google, Microsoft, Todoist or ICS.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

use vica_core::Store;
use vica_core::model::{EventRecord, HistorySpan, Source, SourceRecord, TaskRecord};
use vica_core::store::IcsItemsUpdate;

use crate::Result;

/// The span a full listing covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// How a provider reaches the past before the sync window, for a history
/// import (`Settings::history_since`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PastListing {
    /// It has no past to list (the default).
    None,
    /// Windowed listings of the past ([`Provider::fetch_past`]), each of a
    /// chunk at most this long, walking backwards from the window's start.
    Chunks(chrono::Duration),
    /// Its listing is the whole feed anyway (a local file or one download):
    /// its window simply starts at the day asked for (ICS).
    Whole,
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
    /// Completions read from a log the provider forgets (Todoist's activity
    /// log): kept for good, never swept by a later listing that no longer
    /// finds them.
    pub kept_tasks: Vec<TaskRecord>,
    /// The spans of history this listing asked for, and read in full or not;
    /// where a span was asked for and never read, the review says
    /// completions may be missing.
    pub history: Vec<HistorySpan>,
    /// Events ending at or before this instant are only updated where the
    /// store has them, never added (`vica_core::store::Page::update_only_before`).
    pub update_only_before: Option<DateTime<Utc>>,
    /// Removals spare events ending at or before this instant
    /// (`vica_core::store::Page::delete_only_from`).
    pub delete_only_from: Option<DateTime<Utc>>,
    /// What the page changes in the source's per-item state (ICS
    /// calendars), committed with it.
    pub ics_items: Option<IcsItemsUpdate>,
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
            kept_tasks: Vec::new(),
            history: Vec::new(),
            update_only_before: None,
            delete_only_from: None,
            ics_items: None,
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
    /// During a full listing `window` is the listing's own on every page; when
    /// following the cursor of a complete listing it is the sync window as of
    /// now, which moves on with the clock. A cursor the provider no longer
    /// accepts gives [`crate::SyncError::CursorExpired`].
    async fn fetch(&self, source: &Source, cursor: Option<&str>, window: Window)
    -> Result<Fetched>;

    /// [`Provider::fetch`] for a provider that keeps state per item in the
    /// store (ICS calendars: what each file expanded into), which it reads
    /// from `store` and hands back in [`Fetched::ics_items`] to be written
    /// with the page. The engine calls this; the default is `fetch`.
    async fn fetch_stored(
        &self,
        store: &Arc<Mutex<Store>>,
        source: &Source,
        cursor: Option<&str>,
        window: Window,
    ) -> Result<Fetched> {
        let _ = store;
        self.fetch(source, cursor, window).await
    }

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

    /// How this provider reaches into the past; the default has none.
    fn past(&self) -> PastListing {
        PastListing::None
    }

    /// A page of `source`'s past inside `span` (a chunk before the sync
    /// window, of at most [`PastListing::Chunks`]' length), after `page`
    /// (`None`: the chunk's first). [`Next::More`] carries the position of
    /// the chunk's next page, [`Next::Done`] ends the chunk. These listings
    /// are read once: no sync token, no sweep; nothing they return is
    /// deleted later for not being returned again. The default lists nothing.
    async fn fetch_past(
        &self,
        source: &Source,
        span: Window,
        page: Option<&str>,
    ) -> Result<Fetched> {
        let _ = (source, span, page);
        Ok(Fetched::new(Next::Done(String::new())))
    }
}
