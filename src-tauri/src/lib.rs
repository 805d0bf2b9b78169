//! Vica's desktop shell: the Tauri window and the commands the UI calls.
//!
//! This crate is wiring only. [`state`] opens the store at startup (one
//! connection for the window, one for sync), [`sync`] runs syncs on start, on
//! a timer and on demand (the demo once the user chose it) and sends their
//! progress to the window, [`reminder`] shows the weekly reminder,
//! [`accounts`] connects and disconnects accounts (the system browser opened
//! with the opener plugin from Rust) and turns the first run's demo on and off,
//! [`links`] opens an item at its provider (http and https links only),
//! [`commands`] are thin calls into the application layer `vica-api` and
//! `vica-core` (with the
//! clipboard, dialog and notification plugins used from Rust only),
//! [`dialogs`] are the native folder and overwrite dialogs the window asks for,
//! [`export`] re-exports the export results the window receives, [`about`] is the About
//! panel (version, data folder, bundled licenses), [`webview`] sets how the
//! window's webview renders (no GPU compositing on Linux), and [`error`] is the one
//! error type that crosses the IPC boundary. It is the only crate that
//! depends on Tauri.

pub mod about;
pub mod accounts;
pub mod commands;
pub mod dialogs;
pub mod error;
pub mod export;
pub mod links;
pub mod reminder;
pub mod state;
pub mod sync;
#[cfg(test)]
mod typescript;
pub mod webview;

use tauri::{AppHandle, Builder, Manager, Runtime, Wry};

/// Registers Vica's state and commands on a builder. [`run`] passes the real
/// one; a test can pass `tauri::test::mock_builder()` (tauri's `test` feature).
pub fn app<R: Runtime>(builder: Builder<R>, state: state::AppState) -> Builder<R> {
    builder
        // First, so a second launch only hands over to the running app (which
        // comes to the front) and exits before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            show_main_window(app);
        }))
        // Restores the window's size and position, saves them on exit.
        .plugin(tauri_plugin_window_state::Builder::default().build())
        // Used from Rust only: the webview has no permission for any of them.
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        // The system browser for signing in (crate::accounts), opened from Rust only.
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .manage(accounts::Connecting::default())
        .setup(|app| {
            if let Some(window) = app.get_webview_window("main") {
                webview::configure(&window);
            }
            // The window shows the cached week at once; sync runs beside it.
            sync::schedule(app.handle());
            reminder::schedule(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::get_week,
            commands::month_grid,
            commands::working_hours_problem,
            commands::save_reflection,
            commands::get_settings,
            commands::save_settings,
            commands::app_info,
            commands::startup_error,
            commands::sync_now,
            commands::sync_status,
            commands::cancel_history_import,
            commands::history_status,
            commands::set_source_included,
            commands::export_copy,
            commands::export_save_as,
            commands::export_save_again,
            commands::export_to_vault,
            commands::export_rows,
            commands::set_series_choice,
            commands::choose_vault,
            commands::clear_vault,
            commands::review_history,
            commands::get_period,
            commands::export_period_to_vault,
            commands::open_link,
            accounts::list_accounts,
            accounts::choose_demo,
            accounts::leave_demo,
            accounts::connect_account,
            accounts::cancel_connect,
            accounts::connect_todoist_token,
            accounts::disconnect_account,
            accounts::open_setup_guide,
            accounts::add_ics_calendar,
            about::about,
            about::open_data_dir
        ])
}

/// Brings the main window to the front (a second launch asked for it).
fn show_main_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        // Best effort: a window manager may refuse focus; the launch itself is done.
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
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
