//! `vica config list|get|set`: round trips through the terminal, and the
//! refusals the Settings dialog gives, with what is accepted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use predicates::prelude::*;

fn vica(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("vica").unwrap();
    cmd.arg("--data-dir").arg(dir).env_remove("VICA_DATA_DIR");
    cmd
}

fn get(dir: &std::path::Path, key: &str) -> String {
    let out = vica(dir).args(["config", "get", key]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
}

#[test]
fn settings_round_trip_and_the_week_follows_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(get(data, "week_start"), "monday");
    assert_eq!(get(data, "time_zone"), "system");
    for (key, value) in [
        ("time_zone", "America/New_York"),
        ("week_start", "sunday"),
        ("sync_interval_minutes", "45"),
        ("sync_weeks_back", "12"),
        ("sync_weeks_ahead", "2"),
        ("working_hours.start", "08:00"),
        ("working_hours.end", "16:30"),
        ("working_hours.days", "monday,tuesday,thursday"),
        ("time_rules.count_tentative", "false"),
        (
            "time_rules.title_rules",
            r#"[{"pattern":"lunch","assign":"excluded"}]"#,
        ),
        ("reminder", "friday 16:30"),
    ] {
        vica(data)
            .args(["config", "set", key, value])
            .assert()
            .success()
            .stdout(format!("{key} = {value}\n"));
        assert_eq!(get(data, key), value, "{key}");
    }
    // What the week is laid out with, and what the app's dialog receives.
    let week = vica(data)
        .args(["week", "--week", "2026-W47", "--json"])
        .output()
        .unwrap();
    let week: serde_json::Value = serde_json::from_slice(&week.stdout).unwrap();
    assert_eq!(week["time_zone"], "America/New_York");
    assert_eq!(week["days"][0]["weekday"], "Sun");
    let out = vica(data)
        .args(["config", "list", "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["sync_interval_minutes"], 45);
    assert_eq!(
        json["working_hours"]["days"],
        serde_json::json!(["monday", "tuesday", "thursday"])
    );
    assert_eq!(json["time_rules"]["title_rules"][0]["assign"], "excluded");

    let list = vica(data).args(["config", "list"]).output().unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    assert!(
        list.lines()
            .any(|l| l.starts_with("week_start") && l.ends_with("sunday")),
        "{list}"
    );
    assert!(list.lines().any(|l| l.starts_with("vault_dir")), "{list}");

    // Back to following the system.
    vica(data)
        .args(["config", "set", "time_zone", "system"])
        .assert()
        .success();
    assert_eq!(get(data, "time_zone"), "system");
}

#[test]
fn refused_values_change_nothing_and_say_what_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    vica(data)
        .args(["config", "set", "week_start", "sunday"])
        .assert()
        .success();
    let before = vica(data)
        .args(["config", "list", "--json"])
        .output()
        .unwrap()
        .stdout;
    for (key, value, says) in [
        ("time_zone", "Mars/Olympus", "IANA name like Europe/Berlin"),
        ("week_start", "tuesday", "monday or sunday"),
        ("sync_interval_minutes", "0", "between 1 and 1440"),
        ("sync_interval_minutes", "soon", "1 to 1440"),
        ("sync_weeks_ahead", "500", "ahead 1 to 104 weeks"),
        ("working_hours.end", "07:00", "after the start"),
        ("working_hours.days", "someday", "weekday name"),
        ("time_rules.count_unanswered", "perhaps", "true or false"),
        ("time_rules.title_rules", "lunch", "JSON list"),
        ("reminder", "friday", "friday 16:30"),
        ("vault_pattern", "../{week}.md", "inside the vault"),
        ("vault_dir", "/no/such/folder", "not an existing folder"),
        ("colour", "blue", "the settings are: time_zone"),
    ] {
        vica(data)
            .args(["config", "set", key, value])
            .assert()
            .failure()
            .stderr(predicate::str::contains(says));
    }
    let after = vica(data)
        .args(["config", "list", "--json"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(after, before, "nothing was written");
    vica(data)
        .args(["config", "get", "colour"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("unknown setting"));
}

#[test]
fn the_vault_folder_is_an_existing_folder_kept_absolute() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let notes = dir.path().join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    vica(&data)
        .current_dir(dir.path())
        .args(["config", "set", "vault_dir", "notes"])
        .assert()
        .success();
    assert_eq!(get(&data, "vault_dir"), notes.display().to_string());
    vica(&data)
        .args(["export", "--week", "2026-W47"])
        .assert()
        .success();
    vica(&data)
        .args(["config", "set", "vault_dir", ""])
        .assert()
        .success();
    assert_eq!(get(&data, "vault_dir"), "");
}

#[test]
fn config_is_documented_in_help() {
    let dir = tempfile::tempdir().unwrap();
    vica(dir.path())
        .args(["config", "set", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("working_hours.days"))
        .stdout(predicate::str::contains("monday or sunday"))
        .stdout(predicate::str::contains("time_rules.title_rules"));
    vica(dir.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("config"));
}
