//! `vica export --format csv|json` end to end over the demo data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;

fn vica(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("vica").unwrap();
    cmd.arg("--data-dir").arg(dir).env_remove("VICA_DATA_DIR");
    cmd
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn csv_and_json_hold_the_same_rows_as_the_week_model() {
    let dir = tempfile::tempdir().unwrap();
    vica(dir.path()).arg("demo").assert().success();
    let week: serde_json::Value =
        serde_json::from_str(&stdout(vica(dir.path()).args(["week", "--json"]))).unwrap();
    let key: vica_core::week::WeekKey = week["key"].as_str().unwrap().parse().unwrap();
    let (from, to) = (
        key.previous().previous().to_string(),
        key.previous().to_string(),
    );

    let csv_text =
        stdout(vica(dir.path()).args(["export", "--format", "csv", "--from", &from, "--to", &to]));
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(&reader.headers().unwrap()[0], "week");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();

    let json_text =
        stdout(vica(dir.path()).args(["export", "--format", "json", "--from", &from, "--to", &to]));
    let json: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(json["schema"], "vica-rows/1");
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(records.len(), rows.len());
    assert!(
        rows.len() > 20,
        "two demo weeks hold many events: {}",
        rows.len()
    );
    for (record, row) in records.iter().zip(rows) {
        assert_eq!(&record[0], row["week"].as_str().unwrap());
        assert_eq!(&record[13], row["id"].to_string());
        let counted = if row["counted"].as_bool().unwrap() {
            "yes"
        } else {
            "no"
        };
        assert_eq!(&record[9], counted);
    }

    // One row per completed task, as the week model counts them.
    let last: serde_json::Value = serde_json::from_str(&stdout(
        vica(dir.path()).args(["week", "--week", &to, "--json"]),
    ))
    .unwrap();
    let tasks: u64 = last["totals"]["tasks_completed"].as_u64().unwrap();
    let task_rows = rows
        .iter()
        .filter(|r| r["week"] == to.as_str() && r["type"] == "task")
        .count() as u64;
    assert_eq!(task_rows, tasks);

    // To a file, with a note on standard error.
    let path = dir.path().join("rows.csv");
    vica(dir.path())
        .args(["export", "--format", "csv", "--week", &to, "-o"])
        .arg(&path)
        .assert()
        .success()
        .stderr(predicates::str::contains("rows"));
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.starts_with("week,date,type,start,end,duration_minutes,title"));
    // A folder is refused: one file holds the rows.
    vica(dir.path())
        .args(["export", "--format", "json", "-o"])
        .arg(dir.path())
        .assert()
        .failure();
}
