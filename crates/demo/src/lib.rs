//! Vica's demo mode: the demo world and the servers that serve it, apart
//! from the product's sync crate.
//!
//! - [`sync_demo`] starts the fake Google, Microsoft Graph and Todoist
//!   servers of `vica-fakes` on loopback, loads the demo world into them and
//!   syncs it into the store through `vica-sync`'s real clients and engine,
//!   so the demo takes the path a real account takes.
//! - The world itself is [`vica_core::demo`] (pure data, no network),
//!   re-exported here with [`install`] and [`install_world`], which write it
//!   straight through the store's sync write path.
//!
//! The desktop app and the CLI depend on this crate for the demo; no product
//! crate depends on `vica-fakes` except through it, and `vica-sync` not at
//! all (`tests/dependency_graph.rs` checks both, and that the workspace has
//! no dependency cycle, dev-dependencies included).

mod sync;

pub use sync::{DemoReport, sync_demo};
pub use vica_core::demo::{
    DemoAccount, DemoSource, DemoSummary, HISTORY_WEEKS, install, install_world, world,
};
