//! The commands the UI calls. Each is a line or two into [`AppState`] and the core.

use std::sync::Arc;

use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_dialog::DialogExt;

use crate::dialogs;
use vica_api::period::{PeriodExportResult, PeriodKind};
use vica_core::categories::Assignment;
use vica_core::export::ReviewHistory;
use vica_core::model::Reflection;
use vica_core::period::Period;
use vica_core::settings::{Settings, WorkingHoursSetting};
use vica_core::week::{MonthGrid, Week};

use crate::error::{IpcError, IpcResult};
use crate::export::{CopyResult, ExportResult, RowsFormat, RowsResult};
use crate::state::AppState;
use crate::sync::SyncStatus;

/// The week `week` ("2026-W47"), or the current week when it is absent.
#[tauri::command]
pub async fn get_week(state: State<'_, AppState>, week: Option<String>) -> IpcResult<Week> {
    state.week(week.as_deref())
}

/// The month that holds `date` (this month when absent) as the date picker
/// shows it: its weeks as the user counts them.
#[tauri::command]
pub async fn month_grid(
    state: State<'_, AppState>,
    date: Option<chrono::NaiveDate>,
) -> IpcResult<MonthGrid> {
    state.month(date)
}

/// Why saving would refuse these working hours; null when they are fine.
#[tauri::command]
pub fn working_hours_problem(hours: WorkingHoursSetting) -> Option<String> {
    vica_api::settings::working_hours_problem(&hours)
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
#[cfg_attr(test, derive(ts_rs::TS))]
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

/// Stops the history import under way after its current page; the next
/// sync resumes it. Whether one was running.
#[tauri::command]
pub async fn cancel_history_import(state: State<'_, AppState>) -> IpcResult<bool> {
    Ok(state.syncer()?.cancel_import())
}

/// How far back each source's history import has reached.
#[tauri::command]
pub async fn history_status(
    state: State<'_, AppState>,
) -> IpcResult<Vec<vica_api::sync::HistoryStatus>> {
    state.history_status()
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

/// Puts the week `week` (this week when absent) on the clipboard as
/// Markdown, rendered with the user's template if there is one.
#[tauri::command]
pub async fn export_copy<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    week: Option<String>,
) -> IpcResult<CopyResult> {
    let (week, rendered) = state.markdown(week.as_deref())?;
    let chars = rendered.text.chars().count();
    app.clipboard().write_text(rendered.text).map_err(|err| {
        IpcError::new("clipboard", format!("cannot copy to the clipboard: {err}"))
    })?;
    Ok(CopyResult {
        week: week.key,
        chars,
        warning: rendered.warning.map(Into::into),
    })
}

/// Asks where to save the week `week` (a native save dialog, named after the
/// vault pattern) and writes it there. `None` when the user cancels. A file
/// in conflict is left alone: the UI asks, then calls [`export_save_again`].
#[tauri::command]
pub async fn export_save_as<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    week: String,
) -> IpcResult<Option<ExportResult>> {
    let (name, dir) = state.suggested_file(&week)?;
    let mut dialog = app
        .dialog()
        .file()
        .set_title("Save the weekly review")
        .set_file_name(name)
        .add_filter("Markdown", &["md"]);
    if let Some(dir) = dir {
        dialog = dialog.set_directory(dir);
    }
    if let Some(window) = app.get_webview_window("main") {
        dialog = dialog.set_parent(&window);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    dialog.save_file(move |path| {
        let _ = tx.send(path);
    });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let path = path
        .into_path()
        .map_err(|err| IpcError::new("io", format!("cannot save there: {err}")))?;
    state.set_save_target(&week, path.clone())?;
    state.export_file(&week, &path, false).map(Some)
}

/// Writes the week `week` again to the file chosen for it in "Save as…":
/// merging again, or, when `force`, replacing the file whole once the user
/// said yes in a system dialog (`None` when they did not).
#[tauri::command]
pub async fn export_save_again<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    week: String,
    force: bool,
) -> IpcResult<Option<ExportResult>> {
    if force {
        let path = state.save_target(&week)?;
        if !dialogs::confirm_overwrite(&app, &path, OVERWRITE_WHY).await {
            return Ok(None);
        }
    }
    state.export_again(&week, force).map(Some)
}

/// Writes the week `week` into the vault set in the settings. A file in
/// conflict is left alone, unless `force` and the user says yes in a system
/// dialog (`None` when they do not).
#[tauri::command]
pub async fn export_to_vault<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    week: String,
    force: bool,
) -> IpcResult<Option<ExportResult>> {
    if force {
        let path = state.vault_note(&week)?;
        if !dialogs::confirm_overwrite(&app, &path, OVERWRITE_WHY).await {
            return Ok(None);
        }
    }
    state.export_to_vault(&week, force).map(Some)
}

/// What the overwrite confirmation says first.
const OVERWRITE_WHY: &str =
    "This note was changed outside Vica's markers, or was not written by Vica.";

/// Asks where to save the week `week`'s rows as CSV or JSON (a native save
/// dialog) and writes them there. `None` when the user cancels.
#[tauri::command]
pub async fn export_rows<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    week: String,
    format: RowsFormat,
) -> IpcResult<Option<RowsResult>> {
    let ext = format.extension();
    let mut dialog = app
        .dialog()
        .file()
        .set_title("Save the week's events and tasks")
        .set_file_name(format!("vica-{week}.{ext}"))
        .add_filter(ext.to_uppercase(), &[ext]);
    if let Some(window) = app.get_webview_window("main") {
        dialog = dialog.set_parent(&window);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    dialog.save_file(move |path| {
        let _ = tx.send(path);
    });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let path = path
        .into_path()
        .map_err(|err| IpcError::new("io", format!("cannot save there: {err}")))?;
    state.export_rows(&week, format, &path).map(Some)
}

/// Counts the recurring series `series_id` of `source_id` as `choice`
/// (a category or `excluded`), or by the rules again when `None`.
#[tauri::command]
pub async fn set_series_choice(
    state: State<'_, AppState>,
    source_id: i64,
    series_id: String,
    choice: Option<Assignment>,
) -> IpcResult<()> {
    state.set_series_choice(source_id, &series_id, choice)
}

/// Asks for the vault folder in the system's folder dialog and keeps it;
/// the settings as they are now (unchanged when the user cancels). The
/// window cannot name the folder: `save_settings` keeps the one chosen here.
#[tauri::command]
pub async fn choose_vault<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> IpcResult<Settings> {
    let current = state.settings()?.vault_dir.map(std::path::PathBuf::from);
    match dialogs::choose_folder(&app, "Choose your notes folder", current.as_deref()).await {
        Some(dir) => state.set_vault_dir(Some(&dir)),
        None => state.settings(),
    }
}

/// Forgets the vault folder ("Save as…" still works).
#[tauri::command]
pub async fn clear_vault(state: State<'_, AppState>) -> IpcResult<Settings> {
    state.set_vault_dir(None)
}

/// The month ("2026-12") or quarter ("2026-Q4") `key` rolled up, or the one
/// holding `date` ("2026-11-16"), or the current one.
#[tauri::command]
pub async fn get_period(
    state: State<'_, AppState>,
    kind: PeriodKind,
    key: Option<String>,
    date: Option<chrono::NaiveDate>,
) -> IpcResult<Period> {
    state.period(kind, key.as_deref(), date)
}

/// Writes the month or quarter `key` into the vault; with `force`, whole,
/// once the user said yes in a system dialog (a conflict result otherwise).
#[tauri::command]
pub async fn export_period_to_vault<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    kind: PeriodKind,
    key: String,
    force: bool,
) -> IpcResult<PeriodExportResult> {
    let confirmed = !force
        || dialogs::confirm_overwrite(&app, &state.period_note(kind, &key)?, OVERWRITE_WHY).await;
    state.export_period_to_vault(kind, &key, force && confirmed)
}

/// The last weeks up to this one, which have a reflection, and the streak.
#[tauri::command]
pub async fn review_history(state: State<'_, AppState>) -> IpcResult<ReviewHistory> {
    state.history()
}

/// Opens an item's link at its provider in the browser; only http(s) links
/// are opened, anything else is refused with `invalid_link`.
#[tauri::command]
pub async fn open_link<R: Runtime>(app: AppHandle<R>, url: String) -> IpcResult<()> {
    crate::links::open(&app, &url)
}
