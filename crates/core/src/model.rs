//! Domain types: accounts, sources, events, tasks, reviews.
//!
//! These are what the store keeps and what the week model reads. Provider
//! modules map their own JSON into [`EventRecord`] and [`TaskRecord`].

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The longest event title or task content the store keeps, in characters.
/// Provider text beyond the limits is cut (with `…`) when a page is written:
/// the full text stays at the provider, one click away through the item's
/// link, and a hostile feed cannot make every week view read megabytes.
pub const TITLE_MAX_CHARS: usize = 1_000;
/// The longest location the store keeps, in characters.
pub const LOCATION_MAX_CHARS: usize = 1_000;
/// The longest description the store keeps, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 20_000;

/// `text` cut to at most `max_chars` characters, the last of them `…` when
/// anything was cut (trailing spaces before it dropped). Cuts fall on character boundaries, never inside one.
pub fn clip(text: &str, max_chars: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => std::borrow::Cow::Borrowed(text),
        Some(_) => {
            let keep = max_chars.saturating_sub(1);
            let end = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
            std::borrow::Cow::Owned(format!("{}…", text[..end].trim_end()))
        }
    }
}

/// A service Vica reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Google,
    Microsoft,
    Todoist,
    Ics,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Google => "google",
            Provider::Microsoft => "microsoft",
            Provider::Todoist => "todoist",
            Provider::Ics => "ics",
        }
    }

    /// Human name for messages and the UI.
    pub fn display_name(self) -> &'static str {
        match self {
            Provider::Google => "Google Calendar",
            Provider::Microsoft => "Microsoft Outlook",
            Provider::Todoist => "Todoist",
            Provider::Ics => "ICS calendar",
        }
    }
}

impl std::str::FromStr for Provider {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "google" => Ok(Provider::Google),
            "microsoft" => Ok(Provider::Microsoft),
            "todoist" => Ok(Provider::Todoist),
            "ics" => Ok(Provider::Ics),
            other => Err(Error::InvalidRecord {
                id: other.to_owned(),
                reason: "unknown provider (expected google, microsoft, todoist or ics)".into(),
            }),
        }
    }
}

/// Whether a source holds calendar events or tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Calendar,
    Project,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Calendar => "calendar",
            SourceKind::Project => "project",
        }
    }
}

/// Whether an account's credentials still work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Ok,
    NeedsReconnect,
}

/// A connected account, as stored. Never holds a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: i64,
    pub provider: Provider,
    pub label: String,
    /// Name of the keychain entry holding this account's tokens.
    pub keychain_entry: Option<String>,
    pub is_demo: bool,
    pub status: AccountStatus,
    pub created_at: DateTime<Utc>,
}

/// What a provider says about one of its calendars or projects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRecord {
    pub kind: SourceKind,
    pub provider_id: String,
    pub name: String,
    /// `#rrggbb`.
    pub color: Option<String>,
    pub is_primary: bool,
    pub access_role: Option<String>,
}

/// A calendar or project, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub id: i64,
    pub account_id: i64,
    pub kind: SourceKind,
    pub provider_id: String,
    pub name: String,
    pub color: Option<String>,
    pub included: bool,
    pub is_primary: bool,
    pub access_role: Option<String>,
    /// The provider no longer has it; cached items are kept until the user removes it.
    pub gone: bool,
}

/// When an event happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventTime {
    /// Floating calendar dates; `end` is exclusive.
    AllDay { start: NaiveDate, end: NaiveDate },
    /// Instants; `end` is exclusive.
    Timed {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
}

impl EventTime {
    pub fn is_all_day(&self) -> bool {
        matches!(self, EventTime::AllDay { .. })
    }

    /// The span as instants: an all-day event's dates read as UTC midnights,
    /// which is how the store keeps and orders them.
    pub fn utc_bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        match *self {
            EventTime::AllDay { start, end } => (
                start.and_time(chrono::NaiveTime::MIN).and_utc(),
                end.and_time(chrono::NaiveTime::MIN).and_utc(),
            ),
            EventTime::Timed { start, end } => (start, end),
        }
    }
}

/// Event status as providers report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Confirmed,
    Tentative,
    Cancelled,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Confirmed => "confirmed",
            EventStatus::Tentative => "tentative",
            EventStatus::Cancelled => "cancelled",
        }
    }
}

/// The user's own answer to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Response {
    Accepted,
    Declined,
    Tentative,
    NeedsAction,
}

impl Response {
    pub fn as_str(self) -> &'static str {
        match self {
            Response::Accepted => "accepted",
            Response::Declined => "declined",
            Response::Tentative => "tentative",
            Response::NeedsAction => "needs_action",
        }
    }
}

/// What sort of entry an event is, as the provider types it. Google's
/// `eventType` names these; Graph and ICS express them through `showAs` /
/// `X-MICROSOFT-CDO-BUSYSTATUS` (`oof`, `workingElsewhere`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// An ordinary event: a meeting or an appointment.
    #[default]
    Default,
    /// The user is away; shown as a day annotation, never as hours.
    OutOfOffice,
    /// Time the user blocked to work alone.
    FocusTime,
    /// Where the user works that day (home, office); a day annotation.
    WorkingLocation,
    /// A contact's birthday; a day annotation.
    Birthday,
    /// Created from an email (a booking, a flight).
    FromGmail,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Default => "default",
            EventKind::OutOfOffice => "out_of_office",
            EventKind::FocusTime => "focus_time",
            EventKind::WorkingLocation => "working_location",
            EventKind::Birthday => "birthday",
            EventKind::FromGmail => "from_gmail",
        }
    }

    /// The stored name back as a kind.
    pub fn parse(s: &str) -> Option<EventKind> {
        [
            EventKind::Default,
            EventKind::OutOfOffice,
            EventKind::FocusTime,
            EventKind::WorkingLocation,
            EventKind::Birthday,
            EventKind::FromGmail,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// How an event shows the user's time to others: Graph's `showAs`, Google's
/// `transparency` (opaque is busy, transparent is free), ICS `TRANSP` and
/// `X-MICROSOFT-CDO-BUSYSTATUS`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ShowAs {
    #[default]
    Busy,
    /// Listed, never counted as hours.
    Free,
    Tentative,
    OutOfOffice,
    WorkingElsewhere,
    Unknown,
}

impl ShowAs {
    pub fn as_str(self) -> &'static str {
        match self {
            ShowAs::Busy => "busy",
            ShowAs::Free => "free",
            ShowAs::Tentative => "tentative",
            ShowAs::OutOfOffice => "oof",
            ShowAs::WorkingElsewhere => "working_elsewhere",
            ShowAs::Unknown => "unknown",
        }
    }

    /// The stored name back as a value.
    pub fn parse(s: &str) -> Option<ShowAs> {
        [
            ShowAs::Busy,
            ShowAs::Free,
            ShowAs::Tentative,
            ShowAs::OutOfOffice,
            ShowAs::WorkingElsewhere,
            ShowAs::Unknown,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A calendar event as a provider delivers it, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    pub provider_id: String,
    pub title: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub time: EventTime,
    /// The event's IANA zone, when the provider gives one.
    pub time_zone: Option<String>,
    pub status: EventStatus,
    pub my_response: Option<Response>,
    pub is_organizer: bool,
    /// Attendees other than the user.
    pub attendee_count: u32,
    /// Id of the recurring series this is an instance of.
    pub series_id: Option<String>,
    pub link: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    /// What sort of entry it is (focus time, out of office, …).
    #[serde(default)]
    pub kind: EventKind,
    /// Whether it blocks the user's time.
    #[serde(default)]
    pub show_as: ShowAs,
}

impl EventRecord {
    /// Checks what the schema requires, so a bad record is reported, not stored.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: &str| {
            Err(Error::InvalidRecord {
                id: self.provider_id.clone(),
                reason: reason.to_owned(),
            })
        };
        if self.provider_id.is_empty() {
            return bad("empty provider id");
        }
        match self.time {
            EventTime::AllDay { start, end } if end < start => {
                bad("all-day event ends before it starts")
            }
            EventTime::Timed { start, end } if end < start => bad("event ends before it starts"),
            _ => Ok(()),
        }
    }
}

/// A stored event with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: i64,
    pub source_id: i64,
    #[serde(flatten)]
    pub record: EventRecord,
}

/// A task as a provider delivers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub provider_id: String,
    pub content: String,
    pub description: Option<String>,
    pub section: Option<String>,
    pub labels: Vec<String>,
    /// 1 (normal) to 4 (urgent), as Todoist numbers them.
    pub priority: u8,
    pub due_date: Option<NaiveDate>,
    pub completed_at: Option<DateTime<Utc>>,
    pub link: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl TaskRecord {
    pub fn validate(&self) -> Result<()> {
        if self.provider_id.is_empty() {
            return Err(Error::InvalidRecord {
                id: String::new(),
                reason: "empty provider id".into(),
            });
        }
        Ok(())
    }
}

/// A stored task with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: i64,
    pub source_id: i64,
    #[serde(flatten)]
    pub record: TaskRecord,
}

/// A span of a source's history as one listing saw it: asked for, and read
/// in full or not. A provider whose log forgets (Todoist's activity log keeps
/// as many days as the account's plan allows) may no longer have what a
/// listing asks for; where a span was asked for and never read, completions
/// may be missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistorySpan {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Read in full (`true`), or only asked for (`false`).
    pub read: bool,
}

/// The user's reflection on a week. Only the user writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Reflection {
    pub went_well: String,
    pub didnt_go_well: String,
    pub focus_next: String,
    pub notes: String,
}

impl Reflection {
    pub fn is_empty(&self) -> bool {
        [
            &self.went_well,
            &self.didnt_go_well,
            &self.focus_next,
            &self.notes,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }
}

/// Where a source's sync stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    pub source_id: i64,
    pub cursor: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

#[cfg(test)]
mod clip_tests {
    use super::clip;

    #[test]
    fn short_text_is_kept_as_it_is() {
        assert_eq!(clip("Daily standup", 13), "Daily standup");
        assert_eq!(clip("", 0), "");
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary_with_an_ellipsis() {
        let cut = clip("Stand·up ✓ with the team", 11);
        assert_eq!(cut, "Stand·up ✓…");
        assert_eq!(cut.chars().count(), 11);
        // No space left before the ellipsis.
        assert_eq!(clip("Stand·up ✓ with the team", 10), "Stand·up…");
        let emoji = "🎉".repeat(50);
        assert_eq!(clip(&emoji, 5), format!("{}…", "🎉".repeat(4)));
    }
}
