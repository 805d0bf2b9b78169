//! How the window's webview renders: on Linux, without WebKitGTK's GPU
//! compositing unless the user asks for it.
//!
//! The week is a static page of about 1,300 elements; painting it on the CPU
//! is quick, and leaving compositing off saves the web process its compositing
//! layers, tiles and GL state: about 95 MiB of the app's 352 MiB of idle
//! memory under software GL (docs/benchmarks.md, "Idle memory"). It also keeps
//! the window clear of the GPU-driver faults that show some WebKitGTK windows
//! blank. `VICA_GPU_COMPOSITING=1` keeps WebKit's own choice (compositing on).
//! macOS and Windows keep their webviews' defaults.

/// The variable that keeps WebKitGTK's GPU compositing on.
pub const GPU_COMPOSITING: &str = "VICA_GPU_COMPOSITING";

/// Whether the environment asks for GPU compositing: `1`, `true` or `yes`.
pub fn gpu_compositing_asked(value: Option<&str>) -> bool {
    matches!(value.map(str::trim), Some(v) if v == "1" || v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("yes"))
}

/// Sets the rendering of `window`'s webview. Called once, from the app's
/// setup, as the window opens.
pub fn configure<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) {
    if gpu_compositing_asked(std::env::var(GPU_COMPOSITING).ok().as_deref()) {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        // Best effort: a webview that cannot be reached renders with WebKit's defaults.
        let _ = window.with_webview(|webview| {
            use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
            if let Some(settings) = WebViewExt::settings(&webview.inner()) {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

#[cfg(test)]
mod tests {
    use super::gpu_compositing_asked;

    #[test]
    fn only_a_yes_keeps_gpu_compositing() {
        for yes in ["1", "true", "TRUE", "yes", " 1 "] {
            assert!(gpu_compositing_asked(Some(yes)), "{yes:?}");
        }
        for no in [
            None,
            Some(""),
            Some("0"),
            Some("false"),
            Some("no"),
            Some("2"),
        ] {
            assert!(!gpu_compositing_asked(no), "{no:?}");
        }
    }
}
