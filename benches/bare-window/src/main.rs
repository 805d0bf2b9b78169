//! A bare Tauri 2 window with the app's plugins and a static page: what the
//! app's idle memory is measured against (scripts/bench-memory.sh).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let built = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|_app, _argv, _cwd| {}))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .run(tauri::generate_context!());
    if let Err(err) = built {
        eprintln!("vica-bare-window: {err}");
        std::process::exit(1);
    }
}
