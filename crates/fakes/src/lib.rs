//! Local stand-ins for the providers Vica reads from.
//!
//! - [`demo`] generates a realistic, deterministic world (three calendars, two
//!   task projects, twelve weeks of history) and installs it into a store
//!   through the same page-and-cursor write path that sync uses.
//! - [`google`] is a stateful fake of the Google Calendar API v3 on loopback:
//!   calendar list, events with paging and sync tokens, Google's errors.
//! - [`http`] holds what every fake server shares: its lifecycle, injected
//!   faults, added latency and the request log.
//!
//! The other fake provider servers (Microsoft Graph, Todoist and the OAuth
//! authorization server) join this crate with the sync engine; tests,
//! benchmarks and the demo all share them.

pub mod demo;
pub mod google;
pub mod http;
