//! Local stand-ins for the providers Vica reads from.
//!
//! - [`demo`] generates a realistic, deterministic world (three calendars, two
//!   task projects, twelve weeks of history) and installs it into a store
//!   through the same page-and-cursor write path that sync uses.
//!
//! The fake provider servers (Google Calendar, Microsoft Graph, Todoist and the
//! OAuth authorization server) join this crate with the sync engine; tests,
//! benchmarks and the demo all share them.

pub mod demo;
