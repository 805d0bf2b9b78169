//! A bare Tauri 2 window with the app's plugins and a static page: what the
//! app's idle memory is measured against (scripts/bench-memory.sh). Its
//! webview renders as the app's does: without GPU compositing on Linux unless
//! `VICA_GPU_COMPOSITING=1` (the app's src-tauri/src/webview.rs).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use tauri::Manager;

fn main() {
    let built = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|_app, _argv, _cwd| {}))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            if let Some(window) = app.get_webview_window("main") {
                no_gpu_compositing(&window);
            }
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(err) = built {
        eprintln!("vica-bare-window: {err}");
        std::process::exit(1);
    }
}

/// The app's setting, written again: this fixture links nothing of the app.
fn no_gpu_compositing(window: &tauri::WebviewWindow) {
    if std::env::var("VICA_GPU_COMPOSITING").is_ok_and(|v| v.trim() == "1") {
        return;
    }
    #[cfg(target_os = "linux")]
    let _ = window.with_webview(|webview| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if let Some(settings) = WebViewExt::settings(&webview.inner()) {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
