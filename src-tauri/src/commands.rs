//! The commands the UI calls. Each is a line or two into [`AppState`] and the core.

use std::sync::Arc;

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use vica_core::model::Reflection;
use vica_core::settings::Settings;
use vica_core::week::Week;

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;
use crate::sync::SyncStatus;

/// The week `week` ("2026-W47"), or the current week when it is absent.
#[tauri::command]
pub async fn get_week(state: State<'_, AppState>, week: Option<String>) -> IpcResult<Week> {
    state.week(week.as_deref())
}

/// Replaces the reflection written for the week `week` ("2026-W47").
#[tauri::command]
pub async fn save_reflection(
    state: State<'_, AppState>,
    week: String,
    reflection: Reflection,
) -> IpcResult<()> {
    state.save_reflection(&week, &reflection)
}

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> IpcResult<Settings> {
    state.settings()
}

/// Validates and saves every setting; an invalid one is an `invalid_setting` error.
#[tauri::command]
pub async fn save_settings(state: State<'_, AppState>, settings: Settings) -> IpcResult<()> {
    state.save_settings(&settings)
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

/// Starts a sync of every account in the background; does nothing when one
/// is running. Progress arrives as `sync://progress`, the end as `sync://finished`.
#[tauri::command]
pub async fn sync_now<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> IpcResult<()> {
    state.syncer()?.start(Arc::new(app));
    Ok(())
}

/// Whether a sync runs, how the last one ended, and every source.
#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> IpcResult<SyncStatus> {
    state.sync_status()
}

/// Includes a source in the review and in sync, or leaves it out.
#[tauri::command]
pub async fn set_source_included(
    state: State<'_, AppState>,
    source_id: i64,
    included: bool,
) -> IpcResult<()> {
    state.set_source_included(source_id, included)
}
