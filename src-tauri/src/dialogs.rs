//! The native dialogs the shell shows on the window's behalf: the folder of
//! the vault, and the confirmation before a note Vica did not write (or
//! that lost its markers) is replaced. The window asks for them by command;
//! it never names a path, and never overwrites a file on its own say-so.
//!
//! WebDriver cannot reach a GTK dialog, so in debug builds the end-to-end
//! tests may answer them instead ([`scripted`]); release builds, the
//! installed app among them, always show them.

use std::path::{Path, PathBuf};

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

/// A folder the user chooses in the system's folder dialog, starting in
/// `start` when it is one; `None` when they cancel.
pub async fn choose_folder<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    start: Option<&Path>,
) -> Option<PathBuf> {
    #[cfg(debug_assertions)]
    if let Some(answer) = scripted::answer(&format!("folder: {title}")) {
        return answer.strip_prefix("folder ").map(PathBuf::from);
    }
    let mut dialog = app.dialog().file().set_title(title);
    if let Some(start) = start.filter(|s| s.is_dir()) {
        dialog = dialog.set_directory(start);
    }
    if let Some(window) = app.get_webview_window("main") {
        dialog = dialog.set_parent(&window);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    dialog.pick_folder(move |path| {
        let _ = tx.send(path);
    });
    rx.await.ok().flatten()?.into_path().ok()
}

/// Asks, in a system dialog, whether `path` may be replaced whole; `true`
/// only when the user says so.
pub async fn confirm_overwrite<R: Runtime>(app: &AppHandle<R>, path: &Path, why: &str) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    #[cfg(debug_assertions)]
    if let Some(answer) = scripted::answer(&format!("confirm: Replace {name}?")) {
        return answer == "replace";
    }
    let mut dialog = app
        .dialog()
        .message(format!(
            "{why}\n\nReplacing {name} with the weekly review loses what is in it now.\n\n{}",
            path.display()
        ))
        .title(format!("Replace {name}?"))
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom(
            "Replace".into(),
            "Cancel".into(),
        ));
    if let Some(window) = app.get_webview_window("main") {
        dialog = dialog.parent(&window);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    dialog.show(move |yes| {
        let _ = tx.send(yes);
    });
    rx.await.unwrap_or(false)
}

/// Answers for the dialogs, written by an end-to-end test (debug builds
/// only). `VICA_E2E_DIALOGS` names a file of answers, one per line, taken in
/// order: `folder /some/path`, `cancel`, `replace`. Each dialog asked for is
/// appended to the same file with `.asked`, so the test sees which were shown.
#[cfg(debug_assertions)]
pub mod scripted {
    use std::io::Write as _;

    /// The next answer, if a test gives them; `what` is recorded as asked.
    pub fn answer(what: &str) -> Option<String> {
        let file = std::path::PathBuf::from(std::env::var_os("VICA_E2E_DIALOGS")?);
        let mut asked = file.clone().into_os_string();
        asked.push(".asked");
        if let Ok(mut log) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&asked)
        {
            let _ = writeln!(log, "{what}");
        }
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let mut lines = text.lines();
        let first = lines.next().unwrap_or("cancel").trim().to_owned();
        let rest: Vec<&str> = lines.collect();
        let _ = std::fs::write(&file, rest.join("\n"));
        Some(first)
    }
}
