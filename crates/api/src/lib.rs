//! Vica's application layer: the use cases the desktop app (`src-tauri`)
//! and the `vica` command (`crates/cli`) share, written once.
//!
//! Both front ends are thin over this crate: a Tauri command or a CLI
//! subcommand parses its input, calls one function here and renders what it
//! returns (the window through IPC, the terminal as text). What a use case
//! decides (an account's state, whether a failed sync means "offline", which
//! "today" the demo is generated for, whether a setting is valid) is decided
//! here only, so the two front ends cannot disagree.
//!
//! - [`accounts`]: the account list with each account's one state, connect
//!   (OAuth sign-in, Todoist's token, an ICS calendar) and disconnect.
//! - [`sync`]: syncing every account (the demo included) with progress
//!   through a callback, and what the sync came to ([`sync::SyncOutcome`]).
//! - [`demo`]: the demo on and off, for the user's "today".
//! - [`export`]: the week as Markdown (clipboard, a file, the vault) and as rows.
//! - [`period`]: a month or quarter rolled up, as data, as Markdown and into the vault.
//! - [`settings`]: reading, validating and saving the settings, also one
//!   key at a time (`vica config`).
//! - [`error`]: the typed [`Error`] every use case returns, with a stable code.

pub mod accounts;
pub mod demo;
pub mod error;
pub mod export;
pub mod period;
pub mod settings;
pub mod sync;
#[cfg(test)]
mod typescript;

pub use error::{Error, Result};

use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::NaiveDate;
use vica_core::Store;
use vica_core::week::{MonthGrid, Week, WeekKey};

/// Locks a store, or what the front ends guard beside it. A panic while it
/// was held leaves nothing half-written (every write runs in a SQLite
/// transaction that rolls back, and nothing else guarded is changed in
/// steps), so a poisoned lock is still good.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The week `key` ("2026-W47"), or the current week in the user's zone.
pub fn week(store: &Store, key: Option<&str>) -> Result<Week> {
    let settings = store.settings()?;
    let key = match key {
        Some(key) => key.parse::<WeekKey>()?,
        None => WeekKey::current(settings.zone(), settings.week_start),
    };
    Ok(Week::load(store, key, &settings)?)
}

/// The month that holds `date` (today in the user's zone when absent) as
/// the date picker lays it out: its weeks as the user counts them, each
/// with its key.
pub fn month(store: &Store, date: Option<NaiveDate>) -> Result<MonthGrid> {
    let settings = store.settings()?;
    let date = date.unwrap_or_else(|| {
        chrono::Utc::now()
            .with_timezone(&settings.zone())
            .date_naive()
    });
    Ok(MonthGrid::containing(date, settings.week_start))
}
