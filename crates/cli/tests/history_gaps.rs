//! `vica week` says when a provider's history could not be read for some
//! days of the week (completions may be missing there).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use vica_core::Store;
use vica_core::model::{HistorySpan, Provider, SourceKind, SourceRecord};
use vica_core::settings::Settings;
use vica_core::store::{CursorUpdate, History, Page};

#[test]
fn the_week_notes_days_whose_completions_may_be_missing() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = vica_core::paths::database_path(dir.path()).unwrap();
        let mut store = Store::open(&db).unwrap();
        store
            .save_settings(&Settings {
                time_zone: Some("UTC".into()),
                ..Settings::default()
            })
            .unwrap();
        let account = store
            .add_account(Provider::Todoist, "me", None, false)
            .unwrap();
        let project = store
            .upsert_source(
                account.id,
                &SourceRecord {
                    kind: SourceKind::Project,
                    provider_id: "p1".into(),
                    name: "Home\u{1b}[31m".into(),
                    color: None,
                    is_primary: false,
                    access_role: None,
                },
            )
            .unwrap()
            .id;
        let at = |s: &str| s.parse().unwrap();
        let history = History {
            tasks: Vec::new(),
            spans: vec![
                HistorySpan {
                    start: at("2026-01-01T00:00:00Z"),
                    end: at("2026-04-01T00:00:00Z"),
                    read: false,
                },
                HistorySpan {
                    start: at("2026-03-05T10:00:00Z"),
                    end: at("2026-04-01T00:00:00Z"),
                    read: true,
                },
            ],
        };
        store
            .write_page_with_history(project, &Page::default(), &history, CursorUpdate::Keep)
            .unwrap();
    }
    let out = Command::cargo_bin("vica")
        .unwrap()
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("VICA_DATA_DIR")
        .args(["week", "--week", "2026-W10"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("Week 10 · 2–8 Mar 2026"), "{text}");
    assert_eq!(
        lines[1],
        "Note: Recurring tasks completed from Mon 2 to Thu 5 Mar may be missing: Todoist no longer had that activity when Vica synced. (Home[31m)",
        "provider text on one line, escape sequences removed"
    );
    let out = Command::cargo_bin("vica")
        .unwrap()
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("VICA_DATA_DIR")
        .args(["week", "--week", "2026-W11"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("Note:"), "{text}");
}

/// The demo's Todoist account keeps all of its activity: no week of the demo
/// says completions may be missing.
#[test]
fn the_demo_weeks_carry_no_such_notes() {
    let dir = tempfile::tempdir().unwrap();
    let vica = || {
        let mut cmd = Command::cargo_bin("vica").unwrap();
        cmd.arg("--data-dir")
            .arg(dir.path())
            .env_remove("VICA_DATA_DIR");
        cmd
    };
    assert!(vica().arg("demo").output().unwrap().status.success());
    let out = vica().args(["week", "--json"]).output().unwrap();
    let week: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut key: vica_core::week::WeekKey = week["key"].as_str().unwrap().parse().unwrap();
    for _ in 0..4 {
        key = key.previous();
        let out = vica()
            .args(["week", "--week", &key.to_string(), "--json"])
            .output()
            .unwrap();
        let week: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(week["history_gaps"], serde_json::json!([]), "{key}");
    }
}
