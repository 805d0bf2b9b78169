//! The `vica` command end to end, in a temporary data dir.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use predicates::prelude::*;

fn vica(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("vica").unwrap();
    cmd.arg("--data-dir").arg(dir).env_remove("VICA_DATA_DIR");
    cmd
}

/// The demo's history ends in the current week, so look at the week before:
/// it is complete whatever day the tests run.
fn last_week(dir: &std::path::Path) -> String {
    let out = vica(dir).args(["week", "--json"]).output().unwrap();
    let week: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let key: vica_core::week::WeekKey = week["key"].as_str().unwrap().parse().unwrap();
    key.previous().to_string()
}

#[test]
fn demo_then_week_and_export() {
    let dir = tempfile::tempdir().unwrap();
    vica(dir.path())
        .arg("demo")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Loaded the demo data: 3 accounts, 5 sources",
        ));
    let week = last_week(dir.path());

    let out = vica(dir.path())
        .args(["week", "--week", &week, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["key"], week.as_str());
    let days = json["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    let events: usize = days
        .iter()
        .map(|d| d["events"].as_array().unwrap().len())
        .sum();
    let tasks: usize = days
        .iter()
        .map(|d| d["tasks"].as_array().unwrap().len())
        .sum();
    assert!(
        events >= 10,
        "a demo week is full of meetings, got {events}"
    );
    assert_eq!(
        json["totals"]["tasks_completed"].as_u64().unwrap() as usize,
        tasks
    );
    assert!(json["totals"]["event_minutes"].as_i64().unwrap() > 5 * 60);
    // Day minutes never add up to less than the week's merged total.
    let day_sum: i64 = days
        .iter()
        .map(|d| d["event_minutes"].as_i64().unwrap())
        .sum();
    assert_eq!(day_sum, json["totals"]["event_minutes"].as_i64().unwrap());

    vica(dir.path())
        .args(["week", "--week", &week])
        .assert()
        .success()
        .stdout(predicate::str::contains("Daily standup").and(predicate::str::contains("Totals:")));

    let file = dir.path().join("review.md");
    vica(dir.path())
        .args(["export", "--week", &week, "-o"])
        .arg(&file)
        .assert()
        .success();
    let md = std::fs::read_to_string(&file).unwrap();
    assert!(md.starts_with("---\nweek: \""), "front matter first:\n{md}");
    assert!(md.contains(&format!("week: \"{week}\"")));
    assert!(
        md.contains("## Summary") && md.contains("## Reflection") && md.contains("## Next week")
    );
    assert!(md.contains("Daily standup · Work"));
    assert!(md.contains("- [x] "), "completed tasks are checked items");

    vica(dir.path()).arg("status").assert().success().stdout(
        predicate::str::contains("Google Calendar").and(predicate::str::contains("Todoist")),
    );
}

#[test]
fn loading_the_demo_twice_does_not_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    vica(dir.path()).arg("demo").assert().success();
    let first = vica(dir.path()).arg("status").output().unwrap().stdout;
    vica(dir.path()).arg("demo").assert().success();
    let second = vica(dir.path()).arg("status").output().unwrap().stdout;
    let counts = |s: &[u8]| {
        String::from_utf8_lossy(s)
            .lines()
            .map(|l| l.split("synced").next().unwrap_or("").to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(counts(&first), counts(&second));
}

#[test]
fn a_malformed_week_shows_the_expected_form() {
    let dir = tempfile::tempdir().unwrap();
    vica(dir.path())
        .args(["week", "--week", "2026-47"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "expected an ISO week like 2026-W47",
        ));
}

#[test]
fn an_empty_store_gives_an_empty_week() {
    let dir = tempfile::tempdir().unwrap();
    let out = vica(dir.path())
        .args(["week", "--week", "2026-W47", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["totals"]["event_count"], 0);
    vica(dir.path())
        .arg("status")
        .assert()
        .success()
        .stdout(predicate::str::contains("vica demo"));
}

#[test]
fn a_corrupt_database_is_named_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vica.db");
    std::fs::write(
        &db,
        b"this is not a database, it is a grocery list: eggs, milk, bread\n".repeat(100),
    )
    .unwrap();
    let before = std::fs::read(&db).unwrap();
    vica(dir.path()).arg("week").assert().failure().stderr(
        predicate::str::contains(db.display().to_string())
            .and(predicate::str::contains("not a SQLite database")),
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn the_data_dir_comes_from_the_environment_too() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("vica")
        .unwrap()
        .env("VICA_DATA_DIR", dir.path())
        .arg("demo")
        .assert()
        .success();
    assert!(dir.path().join("vica.db").exists());
}

#[test]
fn unknown_flags_get_clap_usual_message() {
    Command::cargo_bin("vica")
        .unwrap()
        .args(["week", "--frobnicate"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "unexpected argument '--frobnicate'",
        ));
    Command::cargo_bin("vica")
        .unwrap()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("demo").and(predicate::str::contains("export")));
}

#[test]
fn sync_refreshes_the_demo_without_duplicates_and_reports_sources() {
    let dir = tempfile::tempdir().unwrap();
    vica(dir.path())
        .arg("sync")
        .assert()
        .failure()
        .stderr(predicate::str::contains("vica demo"));
    vica(dir.path()).arg("demo").assert().success();
    let week = last_week(dir.path());
    let before = vica(dir.path())
        .args(["week", "--week", &week, "--json"])
        .output()
        .unwrap()
        .stdout;
    vica(dir.path()).arg("sync").assert().success();
    let after = vica(dir.path())
        .args(["week", "--week", &week, "--json"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(
        before, after,
        "a sync with no changes leaves the week as it was"
    );
    vica(dir.path())
        .args(["sync", "--source", "No such calendar"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no source matches"));
}
