//! Vica's sync: provider clients and the engine that pulls their changes into
//! the local store. This is the only crate that makes HTTP requests.
//!
//! - [`provider`] is the trait every provider implements: list sources, fetch
//!   one page of changes after a cursor.
//! - [`google`] is Google Calendar API v3.
//! - [`outlook`] is Microsoft Outlook through Microsoft Graph v1.0 (calendar view delta).
//! - [`todoist`] is Todoist's unified API v1 (projects, completed and open tasks).
//! - [`ics`] reads ICS calendars: a file, a folder of `.ics` files, or a
//!   subscription address, recurrences expanded into the sync window.
//! - [`http`] sends requests with retries, backoff, `Retry-After` and one
//!   token refresh on 401.
//! - [`oauth`] is OAuth 2.0 for a desktop app: PKCE, the loopback redirect,
//!   code exchange, refresh, revocation; [`secrets`] keeps tokens in the OS
//!   keychain and in memory inside [`secrets::Sensitive`]; [`accounts`]
//!   connects and disconnects accounts and is the keychain-backed token source.
//! - [`engine`] runs sources concurrently and commits each page with its
//!   cursor through [`vica_core::Store::write_page`]; [`import`] imports
//!   their history before the window, back to a day, in chunks.

pub mod accounts;
pub mod engine;
pub mod error;
pub mod google;
pub mod http;
pub mod ics;
pub mod import;
pub mod oauth;
pub mod outlook;
pub mod provider;
pub mod secrets;
pub mod todoist;
#[cfg(test)]
mod typescript;

pub use engine::{Engine, SyncEvent, SyncOptions, SyncReport};
pub use error::{Result, SyncError};
