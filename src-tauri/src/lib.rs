//! Vica's desktop shell: the Tauri window and the commands the UI calls.
//!
//! This crate is wiring only. [`state`] opens the store at startup (installing
//! the demo data on a first run), [`commands`] are thin calls into
//! `vica-core`, and [`error`] is the one error type that crosses the IPC
//! boundary. It is the only crate that depends on Tauri.

pub mod commands;
pub mod error;
pub mod state;

use tauri::{Builder, Runtime, Wry};

/// Registers Vica's state and commands on a builder. [`run`] passes the real
/// one; a test can pass `tauri::test::mock_builder()` (tauri's `test` feature).
pub fn app<R: Runtime>(builder: Builder<R>, state: state::AppState) -> Builder<R> {
    builder
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::get_week,
            commands::save_reflection,
            commands::get_settings,
            commands::save_settings,
            commands::app_info,
            commands::startup_error
        ])
}

/// Opens the store and runs the app until its last window closes.
pub fn run() {
    let state = state::AppState::open();
    if let Err(err) = app(Builder::<Wry>::default(), state).run(tauri::generate_context!()) {
        // The window never opened, so stderr is the only place left to say why.
        eprintln!("vica: cannot start the window: {err}");
        std::process::exit(1);
    }
}
