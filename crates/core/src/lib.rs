//! Vica's core: everything the product knows, with no network and no UI.
//!
//! - [`store`] is the local SQLite cache and the only module that runs SQL.
//! - [`model`] holds the domain types the store reads and writes.
//! - [`week`] turns the store's rows into the weekly review: days, totals and deltas.
//! - [`period`] rolls the weeks of a month or quarter up, counted by days.
//! - [`insights`] splits a week's hours by day and source and finds its longest free block.
//! - [`categories`] holds the attended-time rules: what counts, and as meetings, focus or personal.
//! - [`gaps`] finds the days a provider's history could not be read (completions may be missing).
//! - [`export`] renders a week as Markdown.
//! - [`settings`] are the user's preferences; [`paths`] says where data lives.
//! - [`clock`] says what time it is (the system's, or a test's).
//! - [`demo`] is the demo world: twelve weeks of a believable working life,
//!   pure data that the fake providers serve and the store can install.
//!
//! Sync, providers and the desktop shell build on this crate; it depends on none of them.

pub mod categories;
pub mod clock;
pub mod demo;
pub mod error;
pub mod export;
pub mod gaps;
pub mod insights;
pub mod model;
pub mod paths;
pub mod period;
pub mod settings;
pub mod store;
pub mod typescript;
pub mod week;

pub use error::{Error, Result};
pub use store::Store;
