//! Local stand-ins for the providers Vica reads from.
//!
//! - [`demo`] generates a realistic, deterministic world (three calendars, two
//!   task projects, twelve weeks of history) and installs it into a store
//!   through the same page-and-cursor write path that sync uses.
//! - [`google`] is a stateful fake of the Google Calendar API v3 on loopback:
//!   calendar list, events with paging and sync tokens, Google's errors.
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
//! - [`hostile`] is a shared list of 50 hostile strings (markup, script,
//!   links, markers, Unicode tricks, huge texts) for tests and benchmarks.
//! - [`http`] holds what every fake server shares: its lifecycle, injected
//!   faults, added latency and the request log, offered on every fake by the
//!   [`FakeServer`] trait.
//!
//! Tests, benchmarks and the demo all share these fakes.

pub mod demo;
pub mod google;
pub mod graph;
pub mod hostile;
pub mod http;
pub mod ics;
pub mod oauth;
pub mod todoist;

pub use http::FakeServer;
