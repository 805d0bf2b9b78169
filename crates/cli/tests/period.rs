//! `vica month` and `vica quarter` end to end on the demo, in a temporary data dir.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use predicates::prelude::*;

fn vica(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("vica").unwrap();
    cmd.arg("--data-dir").arg(dir).env_remove("VICA_DATA_DIR");
    cmd
}

fn json(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_month_counts_last_weeks_days_inside_it() {
    let dir = tempfile::tempdir().unwrap();
    vica(dir.path()).arg("demo").assert().success();
    let this = json(vica(dir.path()).args(["week", "--json"]));
    let key: vica_core::week::WeekKey = this["key"].as_str().unwrap().parse().unwrap();
    let last = key.previous().to_string();
    let week = json(vica(dir.path()).args(["week", "--week", &last, "--json"]));
    // The month of the week's last day, and that week's tasks on its days in it.
    let last_day = week["last_day"].as_str().unwrap();
    let month = &last_day[..7];
    let tasks_in_month: usize = week["days"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["date"].as_str().unwrap().starts_with(month))
        .map(|d| d["tasks"].as_array().unwrap().len())
        .sum();
    let days_in_month = week["days"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["date"].as_str().unwrap().starts_with(month))
        .count();
    let period = json(vica(dir.path()).args(["month", month, "--json"]));
    assert_eq!(period["key"], month);
    let entry = period["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["key"] == last.as_str())
        .unwrap()
        .clone();
    assert_eq!(entry["days"], days_in_month);
    assert_eq!(entry["tasks_completed"], tasks_in_month);
    // The week's trends come with it.
    assert_eq!(week["trends"]["weeks"].as_array().unwrap().len(), 12);

    // Markdown by default; the quarter holding the month.
    let quarter = format!(
        "{}-Q{}",
        &month[..4],
        (month[5..7].parse::<u32>().unwrap() - 1) / 3 + 1
    );
    vica(dir.path())
        .args(["quarter", &quarter])
        .assert()
        .success()
        .stdout(predicate::str::contains("## What went well"))
        .stdout(predicate::str::contains(format!("quarter: \"{quarter}\"")));
}

#[test]
fn a_quarter_goes_into_the_vault_and_bad_keys_say_the_form() {
    let dir = tempfile::tempdir().unwrap();
    let vault = tempfile::tempdir().unwrap();
    vica(dir.path()).arg("demo").assert().success();
    vica(dir.path())
        .args(["config", "set", "vault_dir"])
        .arg(vault.path())
        .assert()
        .success();
    vica(dir.path())
        .args(["quarter", "2026-Q4", "--vault"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Wrote 2026-Q4"));
    let note = std::fs::read_to_string(vault.path().join("Reviews").join("2026-Q4.md")).unwrap();
    assert!(note.contains("# Q4 2026 · Oct – Dec"), "{note}");
    vica(dir.path())
        .args(["quarter", "2026-Q4", "--vault"])
        .assert()
        .success()
        .stderr(predicate::str::contains("is up to date"));
    for (cmd, bad, form) in [
        ("month", "2026-13", "like 2026-12"),
        ("month", "2026-Q4", "like 2026-12"),
        ("quarter", "2026-12", "like 2026-Q4"),
        ("quarter", "1969-Q1", "like 2026-Q4"),
    ] {
        vica(dir.path())
            .args([cmd, bad])
            .assert()
            .failure()
            .stderr(predicate::str::contains(form));
    }
    vica(dir.path())
        .args(["month", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("count by days"));
}
