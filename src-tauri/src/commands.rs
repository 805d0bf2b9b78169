//! The commands the UI calls. Each is a line or two into [`AppState`] and the core.

use serde::Serialize;
use tauri::State;
use vica_core::week::Week;

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// The week `week` ("2026-W47"), or the current week when it is absent.
#[tauri::command]
pub async fn get_week(state: State<'_, AppState>, week: Option<String>) -> IpcResult<Week> {
    state.week(week.as_deref())
}

/// Why the store could not be opened at startup, if it could not.
#[tauri::command]
pub fn startup_error(state: State<'_, AppState>) -> Option<IpcError> {
    state.startup_error()
}

/// About this build and where it keeps its data.
#[derive(Debug, Clone, Serialize)]
pub struct AppInfo {
    pub version: String,
    pub data_dir: Option<String>,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: state.data_dir().map(|d| d.display().to_string()),
    }
}
