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

/// The week `n` weeks before `week`.
fn weeks_before(week: &str, n: usize) -> String {
    let mut key: vica_core::week::WeekKey = week.parse().unwrap();
    for _ in 0..n {
        key = key.previous();
    }
    key.to_string()
}

#[test]
fn export_a_range_writes_one_note_per_week_and_never_clobbers() {
    let dir = tempfile::tempdir().unwrap();
    vica(dir.path()).arg("demo").assert().success();
    let last = last_week(dir.path());
    let first = weeks_before(&last, 3);
    let out = dir.path().join("vault");

    vica(dir.path())
        .args(["export", "--from", &first, "--to", &last, "-o"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "4 weeks: 4 written, 0 unchanged, 0 left alone",
        ));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let expected: Vec<String> = (0..4)
        .rev()
        .map(|n| format!("{}.md", weeks_before(&last, n)))
        .collect();
    assert_eq!(names, expected);
    let note = out.join(format!("{last}.md"));
    let text = std::fs::read_to_string(&note).unwrap();
    assert!(text.starts_with(&format!("---\nweek: \"{last}\"\n")));
    assert!(text.contains("\n<!-- vica:begin -->\n") && text.ends_with("<!-- vica:end -->\n"));

    // Again: nothing to do.
    vica(dir.path())
        .args(["export", "--from", &first, "--to", &last, "-o"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("0 written, 4 unchanged"));

    // The user rewrites a note: it is left alone and the command fails.
    std::fs::write(&note, "# My own review\n").unwrap();
    vica(dir.path())
        .args(["export", "--from", &first, "--to", &last, "-o"])
        .arg(&out)
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("Left")
                .and(predicate::str::contains("no vica:begin/vica:end markers"))
                .and(predicate::str::contains("--force")),
        );
    assert_eq!(std::fs::read_to_string(&note).unwrap(), "# My own review\n");
    vica(dir.path())
        .args(["export", "--week", &last, "--force", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("Overwrote"));
    assert_eq!(std::fs::read_to_string(&note).unwrap(), text);

    // A pattern with folders.
    vica(dir.path())
        .args([
            "export",
            "--from",
            &last,
            "--to",
            &last,
            "--pattern",
            "Reviews/{year}/W{week}.md",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    let (year, week) = last.split_once("-W").unwrap();
    assert!(
        out.join("Reviews")
            .join(year)
            .join(format!("W{week}.md"))
            .is_file()
    );
}

#[test]
fn export_refuses_what_it_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    vica(dir.path())
        .args(["export", "--from", "2026-W01", "--to", "2026-W03"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "needs a folder to write into: add -o DIR",
        ));
    vica(dir.path())
        .args(["export", "--week", "2026-W01", "--from", "2026-W01"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("cannot be used with"));
    vica(dir.path())
        .args(["export", "--from", "2026-W05", "--to", "2026-W01", "-o"])
        .arg(dir.path().join("out"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("comes after"));
    vica(dir.path())
        .args([
            "export",
            "--from",
            "2026-W01",
            "--to",
            "2026-W02",
            "--pattern",
            "../{week}.md",
            "-o",
        ])
        .arg(dir.path().join("out"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("notes stay inside the vault"));
    // A single note the user wrote is not overwritten.
    let mine = dir.path().join("mine.md");
    std::fs::write(&mine, "mine\n").unwrap();
    vica(dir.path())
        .args(["export", "--week", "2026-W01", "-o"])
        .arg(&mine)
        .assert()
        .failure()
        .stderr(predicate::str::contains("rerun with --force"));
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "mine\n");
}

#[test]
fn export_uses_the_user_template_and_reports_its_errors_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let template = dir.path().join("mine.md.j2");
    std::fs::write(
        &template,
        "# {{ week.key }} had {{ totals.event_count }} events\n",
    )
    .unwrap();
    vica(dir.path())
        .args(["export", "--week", "2026-W01", "--template"])
        .arg(&template)
        .env("XDG_CONFIG_HOME", config.path())
        .assert()
        .success()
        .stdout("# 2026-W01 had 0 events\n");

    std::fs::write(&template, "# {{ week.key }}\n\n{{ week.nope }}\n").unwrap();
    vica(dir.path())
        .args(["export", "--week", "2026-W01", "--template"])
        .arg(&template)
        .env("XDG_CONFIG_HOME", config.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("## Summary"))
        .stderr(
            predicate::str::contains("mine.md.j2:3:4: undefined value").and(
                predicate::str::contains("the default template was used instead"),
            ),
        );

    vica(dir.path())
        .args(["export", "--week", "2026-W01", "--template"])
        .arg(dir.path().join("missing.md.j2"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("cannot read the export template"));

    // Without --template, export.md.j2 in the config folder is used.
    if cfg!(target_os = "linux") {
        let vica_config = config.path().join("vica");
        std::fs::create_dir_all(&vica_config).unwrap();
        std::fs::write(
            vica_config.join("export.md.j2"),
            "custom {{ week.number }}\n",
        )
        .unwrap();
        vica(dir.path())
            .args(["export", "--week", "2026-W07"])
            .env("XDG_CONFIG_HOME", config.path())
            .assert()
            .success()
            .stdout("custom 7\n");
    }
}

#[test]
fn history_lists_weeks_with_a_reflection_and_the_streak() {
    let dir = tempfile::tempdir().unwrap();
    vica(dir.path()).arg("demo").assert().success();
    let last = last_week(dir.path());
    vica(dir.path())
        .args(["history", "--weeks", "3"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Streak: 0 weeks")
                .and(predicate::str::contains("(this week)")),
        );

    {
        let store = vica_core::Store::open(&dir.path().join("vica.db")).unwrap();
        let reflection = vica_core::model::Reflection {
            went_well: "Plenty".into(),
            ..Default::default()
        };
        for week in [last.clone(), weeks_before(&last, 1), weeks_before(&last, 3)] {
            store
                .save_reflection(week.parse().unwrap(), &reflection)
                .unwrap();
        }
    }
    let out = vica(dir.path())
        .args(["history", "-n", "5"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let marks: String = text
        .lines()
        .filter_map(|l| l.trim_start().chars().next())
        .filter(|c| matches!(c, '✓' | '·'))
        .collect();
    assert_eq!(marks, "·✓✓·✓", "{text}");
    assert!(text.contains(&format!("✓  {last}  Week ")), "{text}");
    assert!(text.ends_with("Streak: 2 weeks\n"), "{text}");

    let json = vica(dir.path())
        .args(["history", "--json"])
        .output()
        .unwrap()
        .stdout;
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["streak"], 2);
    assert_eq!(json["weeks"].as_array().unwrap().len(), 12);
    assert_eq!(json["weeks"][1]["key"], last.as_str());
    assert_eq!(json["weeks"][1]["written"], true);

    vica(dir.path())
        .args(["history", "--weeks", "0"])
        .assert()
        .failure();
}

#[test]
fn an_account_that_needs_reconnecting_says_why_in_account_list_and_status() {
    use vica_core::model::{AccountStatus, Provider};
    let dir = tempfile::tempdir().unwrap();
    let reason = "Google Calendar refused: this account's sign-in lacks a permission Vica needs (Request had insufficient authentication scopes.); reconnect the account and allow everything Vica asks for (read-only access to its calendars or tasks)";
    {
        let db = vica_core::paths::database_path(dir.path()).unwrap();
        let store = vica_core::Store::open(&db).unwrap();
        let refused = store
            .add_account(
                Provider::Google,
                "alice@example.com",
                Some("google:alice@example.com"),
                false,
            )
            .unwrap();
        store
            .set_account_status(refused.id, AccountStatus::NeedsReconnect)
            .unwrap();
        store
            .record_account_refresh(refused.id, Some(reason))
            .unwrap();
        // Disconnected with its data kept: nothing to explain.
        let kept = store
            .add_account(Provider::Microsoft, "bob@example.com", None, false)
            .unwrap();
        store
            .set_account_status(kept.id, AccountStatus::NeedsReconnect)
            .unwrap();
        store
            .record_account_refresh(kept.id, Some("an old error"))
            .unwrap();
    }

    let out = vica(dir.path()).args(["account", "list"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |label: &str| text.lines().find(|l| l.contains(label)).unwrap().to_owned();
    assert!(
        line("alice@example.com").ends_with(&format!("needs reconnect: {reason}")),
        "{text}"
    );
    assert!(line("bob@example.com").ends_with("disconnected"), "{text}");

    let out = vica(dir.path())
        .args(["account", "list", "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The app's account list: its state and why.
    assert_eq!(json[0]["state"], "needs_reconnect");
    assert_eq!(json[0]["reason"], reason);
    assert_eq!(json[1]["state"], "needs_reconnect");
    assert_eq!(json[1]["reason"], serde_json::Value::Null);
    assert_eq!(json[1]["disconnected"], true);

    vica(dir.path())
        .arg("status")
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "needs reconnect: {reason}"
        )))
        .stdout(predicate::str::contains("an old error").not());
}

/// `vica sync --since` refuses a day in the future, before 1970, or not a
/// date, with what it accepts, before anything syncs or is saved; a good day
/// is kept as the `history_since` setting.
#[test]
fn sync_since_refuses_a_bad_day_and_keeps_a_good_one() {
    let dir = tempfile::tempdir().unwrap();
    for (since, says) in [
        ("2999-01-01", "is in the future"),
        ("1969-12-31", "is before 1970-01-01"),
        ("last spring", "YYYY-MM-DD"),
        ("2024-02-30", "YYYY-MM-DD"),
    ] {
        vica(dir.path())
            .args(["sync", "--since", since])
            .assert()
            .failure()
            .stderr(predicate::str::contains(says).and(predicate::str::contains("1970-01-01")));
        vica(dir.path())
            .args(["config", "get", "history_since"])
            .assert()
            .success()
            .stdout(predicate::str::contains("off"));
    }
    // A good day with no account: nothing to sync (and nothing saved yet).
    vica(dir.path())
        .args(["sync", "--since", "2024-01-01"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no accounts yet"));
    vica(dir.path())
        .args(["config", "set", "history_since", "2024-01-01"])
        .assert()
        .success();
    vica(dir.path())
        .args(["config", "get", "history_since"])
        .assert()
        .success()
        .stdout(predicate::str::contains("2024-01-01"));
}
