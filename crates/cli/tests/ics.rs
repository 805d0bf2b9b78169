//! `vica account add ics` + `vica sync` + `vica week --json` with an ICS
//! file, in a temporary data dir.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use predicates::prelude::*;

fn vica(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("vica").unwrap();
    cmd.arg("--data-dir").arg(dir).env_remove("VICA_DATA_DIR");
    cmd
}

fn week_json(dir: &std::path::Path) -> serde_json::Value {
    let out = vica(dir).args(["week", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Titles of the week's timed and all-day events, sorted.
fn titles(week: &serde_json::Value) -> Vec<String> {
    let mut titles: Vec<String> = week["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| {
            d["events"]
                .as_array()
                .unwrap()
                .iter()
                .chain(d["all_day"].as_array().unwrap())
                .map(|e| e["title"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    titles.sort();
    titles.dedup();
    titles
}

#[test]
fn add_an_ics_file_sync_it_and_see_its_week() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // This week's Monday, as the week view lays it out.
    let first = week_json(&data)["first_day"]
        .as_str()
        .unwrap()
        .replace('-', "");
    let monday = chrono::NaiveDate::parse_from_str(&first, "%Y%m%d").unwrap();
    let day = |n: i64| {
        (monday + chrono::Duration::days(n))
            .format("%Y%m%d")
            .to_string()
    };
    // Floating times are in the user's zone, so they land on the day written.
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Personal\r\n\
         BEGIN:VEVENT\r\nUID:plan\r\nDTSTART:{d1}T100000\r\nDTEND:{d1}T110000\r\nSUMMARY:Planning\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:daily\r\nDTSTART:{d0}T080000\r\nDURATION:PT15M\r\nRRULE:FREQ=DAILY;COUNT=5\r\nEXDATE:{d2}T080000\r\nSUMMARY:Daily check-in\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:daily\r\nRECURRENCE-ID:{d3}T080000\r\nDTSTART:{d3}T090000\r\nDURATION:PT15M\r\nSUMMARY:Daily check-in (late)\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:off\r\nDTSTART;VALUE=DATE:{d4}\r\nDTEND;VALUE=DATE:{d5}\r\nSUMMARY:Day off\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:gone\r\nDTSTART:{d1}T150000\r\nDTEND:{d1}T160000\r\nSTATUS:CANCELLED\r\nSUMMARY:Cancelled\r\nEND:VEVENT\r\n\
         END:VCALENDAR\r\n",
        d0 = day(0),
        d1 = day(1),
        d2 = day(2),
        d3 = day(3),
        d4 = day(4),
        d5 = day(5),
    );
    let file = dir.path().join("personal.ics");
    std::fs::write(&file, ics).unwrap();

    vica(&data)
        .args(["account", "add", "ics"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("Connected ICS calendar"));
    vica(&data)
        .args(["account", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ICS calendar"))
        .stdout(predicate::str::contains("personal.ics"));
    vica(&data).arg("sync").assert().success();

    let week = week_json(&data);
    assert_eq!(
        titles(&week),
        [
            "Daily check-in",
            "Daily check-in (late)",
            "Day off",
            "Planning"
        ]
    );
    let checkins: usize = week["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["events"].as_array().unwrap())
        .filter(|e| e["title"].as_str().unwrap().starts_with("Daily check-in"))
        .count();
    assert_eq!(checkins, 4, "five days, one excluded");
    let planning = week["days"][1]["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["title"] == "Planning")
        .cloned()
        .unwrap();
    assert_eq!(planning["start_time"], "10:00");
    assert_eq!(planning["source"], "Personal");

    // A second sync finds nothing new and changes nothing.
    vica(&data).arg("sync").assert().success();
    assert_eq!(week_json(&data)["days"], week["days"]);

    vica(&data)
        .args(["account", "add", "ics", "/no/such/calendar.ics"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no such file"));
    vica(&data)
        .args(["account", "add", "ics", "http://calendar.example.com/a.ics"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("https"));
    vica(&data)
        .args(["account", "add", "ics"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("PATH|URL"));
}
