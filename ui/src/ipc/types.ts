// The shapes the backend sends, all generated from the Rust types with
// ts-rs: core's (./generated/core.ts), vica-sync's SyncEvent
// (./generated/sync.ts), the application layer's (vica-api:
// ./generated/app.ts) and the desktop shell's own (src-tauri: the IPC
// error, the sync status, About: ./generated/shell.ts). Run `make types`
// after changing a Rust type; a Rust test fails while a committed file
// differs. Never edit the generated files by hand.

export type * from "./generated/core";
export type * from "./generated/sync";
export type * from "./generated/app";
export type * from "./generated/shell";
/** The weekdays in the order of each week start, generated from the core's `WeekStart::weekdays`. */
export { WEEKDAYS_FROM } from "./generated/core";

/** A local calendar date, "2026-11-16". */
export type IsoDate = string;
