//! Vica's core: everything the product knows, with no network and no UI.
//!
//! - [`store`] is the local SQLite cache and the only module that runs SQL.
//! - [`model`] holds the domain types the store reads and writes.
//! - [`week`] turns the store's rows into the weekly review: days, totals and deltas.
//! - [`insights`] splits a week's hours by day and source and finds its longest free block.
//! - [`categories`] holds the attended-time rules: what counts, and as meetings, focus or personal.
//! - [`export`] renders a week as Markdown.
//! - [`settings`] are the user's preferences; [`paths`] says where data lives.
//!
//! Sync, providers and the desktop shell build on this crate; it depends on none of them.

pub mod categories;
pub mod error;
pub mod export;
pub mod insights;
pub mod model;
pub mod paths;
pub mod settings;
pub mod store;
pub mod week;

pub use error::{Error, Result};
pub use store::Store;
