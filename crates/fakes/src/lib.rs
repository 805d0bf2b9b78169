//! Local stand-ins for the providers Vica reads from.
//!
//! - [`google`] is a stateful fake of the Google Calendar API v3 on loopback:
//!   calendar list, events with paging and sync tokens, recurring series
//!   stored as masters and exceptions and expanded into instances, a clock a
//!   test sets, Google's errors.
//! - [`graph`] is a stateful fake of Microsoft Graph v1.0's calendars: the
//!   user, the calendar list, calendar view delta rounds with delta links,
//!   `@removed` entries, `syncStateNotFound` and Graph's errors.
//! - [`todoist`] is a stateful fake of Todoist's API v1: projects, sections,
//!   active tasks and completed tasks by completion date, cursor paging and
//!   Todoist's errors.
//! - [`ics`] serves ICS feeds by name with `ETag`/`Last-Modified` and
//!   `304 Not Modified`, redirect chains and loops.
//! - [`oauth`] is a fake OAuth 2.0 authorization server (authorize with
//!   PKCE, token with rotation, revocation, userinfo) standing in for
//!   Google's, Microsoft's and Todoist's.
//! - [`http`] holds what every fake server shares: its lifecycle, injected
//!   faults, added latency and the request log, offered on every fake by the
//!   [`FakeServer`] trait.
//!
//! Tests, benchmarks and the demo all share these fakes. Each of the three
//! API fakes can load the demo world ([`vica_core::demo`]); `vica-demo` runs
//! them for the product's demo mode. No product crate depends on this
//! one except through `vica-demo` (`crates/demo/tests/dependency_graph.rs`
//! checks it).

pub mod google;
pub mod graph;
pub mod http;
pub mod ics;
pub mod oauth;
pub mod todoist;

pub use http::FakeServer;
