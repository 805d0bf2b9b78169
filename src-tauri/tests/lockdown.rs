//! The web view's lock-down as the files that set it say: the capabilities
//! grant the window only what the UI calls, the Content Security Policy
//! allows no remote or inline script, and the UI reaches the backend through
//! one module. docs/security.md names this file for each of these claims.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Every permission the UI needs (`ui/src/ipc/index.ts`): `listen` for sync
/// progress and the close request (`onCloseRequested` listens, then
/// destroys the window unless the handler prevented it), `unlisten` when a
/// listener is dropped, `close` for Ctrl+Q.
const ALLOWED: [&str; 4] = [
    "core:event:allow-listen",
    "core:event:allow-unlisten",
    "core:window:allow-close",
    "core:window:allow-destroy",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn capabilities_grant_the_window_only_what_the_ui_calls() {
    let dir = root().join("src-tauri/capabilities");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        files += 1;
        assert_eq!(
            path.extension().and_then(|e| e.to_str()),
            Some("json"),
            "{}: only JSON capability files are checked here",
            path.display()
        );
        let capability = json(&path);
        assert_eq!(
            capability["windows"],
            serde_json::json!(["main"]),
            "{}",
            path.display()
        );
        assert!(
            capability.get("remote").is_none(),
            "{}: no remote origin may call the backend",
            path.display()
        );
        let permissions = capability["permissions"].as_array().unwrap();
        for p in permissions {
            let name = p.as_str().unwrap_or_else(|| {
                panic!("{}: {p} is not a plain permission name", path.display())
            });
            assert!(
                ALLOWED.contains(&name),
                "{}: {name} is more than the UI calls",
                path.display()
            );
        }
    }
    assert_eq!(files, 1, "one capability file, for the main window");
}

#[test]
fn the_content_security_policy_allows_no_remote_or_inline_script() {
    let config = json(&root().join("tauri.conf.json"));
    let app = &config["app"];
    assert_eq!(app["withGlobalTauri"], false);
    assert_eq!(app["security"]["freezePrototype"], true);
    let csp = app["security"]["csp"].as_object().unwrap();
    let directive = |name: &str| csp.get(name).and_then(Value::as_str).unwrap_or("");
    assert_eq!(directive("default-src"), "'self'");
    assert_eq!(directive("script-src"), "'self'");
    assert_eq!(directive("style-src"), "'self'");
    assert_eq!(directive("object-src"), "'none'");
    assert_eq!(directive("base-uri"), "'none'");
    assert_eq!(directive("frame-ancestors"), "'none'");
    assert_eq!(directive("form-action"), "'none'");
    assert_eq!(directive("connect-src"), "ipc: http://ipc.localhost");
    for (name, value) in csp {
        let value = value.as_str().unwrap();
        for bad in ["'unsafe-inline'", "'unsafe-eval'", "http:", "https:", "*"] {
            assert!(
                !value.split_whitespace().any(|v| v == bad),
                "{name} allows {bad}"
            );
        }
    }
    assert!(
        app["security"]
            .get("dangerousDisableAssetCspModification")
            .is_none(),
        "Tauri adds its own scripts' hashes to the CSP"
    );
}

/// Every file under `dir` with one of `exts`, recursively.
fn sources(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, exts, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e))
        {
            out.push(path);
        }
    }
}

#[test]
fn only_the_ipc_module_imports_the_tauri_api_and_nothing_renders_html() {
    let ui = root().join("ui/src");
    let mut files = Vec::new();
    sources(&ui, &["ts", "svelte"], &mut files);
    assert!(files.len() > 10, "the UI's sources are where they were");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let rel = path
            .strip_prefix(&ui)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if !rel.starts_with("ipc/") && !rel.starts_with("test/") && !rel.contains(".test.") {
            assert!(
                !text.contains("@tauri-apps/"),
                "{rel} imports the Tauri API; only ui/src/ipc may"
            );
        }
        if !rel.contains(".test.") {
            for html in ["{@html", "innerHTML", "outerHTML", "insertAdjacentHTML"] {
                assert!(!text.contains(html), "{rel} renders HTML ({html})");
            }
        }
    }
}
