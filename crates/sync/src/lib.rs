//! Vica's sync: provider clients and the engine that pulls their changes into
//! the local store. This is the only crate that makes HTTP requests.
//!
//! - [`provider`] is the trait every provider implements: list sources, fetch
//!   one page of changes after a cursor.
//! - [`google`] is Google Calendar API v3.
//! - [`http`] sends requests with retries, backoff, `Retry-After` and one
//!   token refresh on 401.
//! - [`demo`] syncs the demo world from the fake providers, through the real clients.
//! - [`engine`] runs sources concurrently and commits each page with its
//!   cursor through [`vica_core::Store::write_page`].

pub mod demo;
pub mod engine;
pub mod error;
pub mod google;
pub mod http;
pub mod provider;

pub use engine::{Engine, SyncEvent, SyncOptions, SyncReport};
pub use error::{Result, SyncError};
