//! The CLI decides what the app decides: both call the application layer
//! (`vica-api`), so an account's state and the demo's "today" are the same
//! in `vica` as in the window. Each test here failed before the CLI called it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use chrono::Timelike;
use vica_core::model::{Provider, SourceKind, SourceRecord};

fn vica(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("vica").unwrap();
    cmd.arg("--data-dir").arg(dir).env_remove("VICA_DATA_DIR");
    cmd
}

fn store(dir: &std::path::Path) -> vica_core::Store {
    vica_core::Store::open(&vica_core::paths::database_path(dir).unwrap()).unwrap()
}

fn week(dir: &std::path::Path, key: Option<&str>) -> serde_json::Value {
    let mut cmd = vica(dir);
    cmd.args(["week", "--json"]);
    if let Some(key) = key {
        cmd.args(["--week", key]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `vica sync` refreshed the demo for the date in UTC while `vica demo` and
/// the app used the user's zone: in a zone whose date is not UTC's, a sync
/// changed the demo's weeks. The zone is chosen so that its date differs
/// from UTC's whenever the test runs.
#[test]
fn sync_refreshes_the_demo_for_the_users_today_as_the_demo_was_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let zone = if chrono::Utc::now().hour() >= 10 {
        "Pacific/Kiritimati" // UTC+14: already tomorrow
    } else {
        "Etc/GMT+12" // UTC-12: still yesterday
    };
    {
        let mut store = store(dir.path());
        let mut settings = store.settings().unwrap();
        settings.time_zone = Some(zone.into());
        store.save_settings(&settings).unwrap();
    }
    vica(dir.path()).arg("demo").assert().success();
    let this = week(dir.path(), None);
    let key: vica_core::week::WeekKey = this["key"].as_str().unwrap().parse().unwrap();
    let last = week(dir.path(), Some(&key.previous().to_string()));
    vica(dir.path()).arg("sync").assert().success();
    assert_eq!(week(dir.path(), None)["days"], this["days"], "in {zone}");
    assert_eq!(
        week(dir.path(), Some(&key.previous().to_string()))["totals"],
        last["totals"],
        "in {zone}"
    );
}

/// `vica account list` computed states of its own: a demo account read
/// "demo", and an ICS calendar or an account whose sources failed read
/// "ok" where the app shows an error. Now every state is the app's.
#[test]
fn account_list_shows_the_apps_states() {
    let dir = tempfile::tempdir().unwrap();
    let (ics, todoist) = {
        let store = store(dir.path());
        let ics = store
            .add_account(Provider::Ics, "/home/me/personal.ics", None, false)
            .unwrap();
        let source = store
            .upsert_source(
                ics.id,
                &SourceRecord {
                    kind: SourceKind::Calendar,
                    provider_id: "/home/me/personal.ics".into(),
                    name: "Personal".into(),
                    color: None,
                    is_primary: true,
                    access_role: None,
                },
            )
            .unwrap();
        store
            .record_sync_result(source.id, Some("cannot read /home/me/personal.ics: gone"))
            .unwrap();
        store
            .add_account(Provider::Google, "demo@example.com", None, true)
            .unwrap();
        let todoist = store
            .add_account(
                Provider::Todoist,
                "me@example.com",
                Some("todoist:me@example.com"),
                false,
            )
            .unwrap();
        (ics, todoist)
    };
    let out = vica(dir.path()).args(["account", "list"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |label: &str| text.lines().find(|l| l.contains(label)).unwrap().to_owned();
    assert!(
        line("personal.ics").ends_with("error: cannot read /home/me/personal.ics: gone"),
        "{text}"
    );
    assert!(
        line("demo@example.com").ends_with("connected (demo)"),
        "{text}"
    );
    assert!(line("me@example.com").ends_with("connected"), "{text}");

    // The JSON is the app's account list, state for state.
    let out = vica(dir.path())
        .args(["account", "list", "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let app = vica_api::accounts::list(&store(dir.path())).unwrap();
    assert_eq!(json, serde_json::to_value(&app).unwrap());
    let state = |id: i64| {
        json.as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state(ics.id), "error");
    assert_eq!(state(todoist.id), "connected");
}

/// The same data seen through `vica` and through the application layer the
/// app's commands call (`get_week`, `list_accounts`, `export_rows`, "Copy as
/// Markdown"): the demo and an ICS calendar, synced by `vica sync`. The
/// account list, the week's figures and the exports agree.
///
/// Accounts with tokens (Todoist's API token, Google's sign-in) need the OS
/// keychain, which these test runs do not have: the e2e suite runs the same
/// scenario with them, through the window's commands and through `vica` on
/// a data dir of its own, against a private gnome-keyring (`e2e/tests/app.test.mjs`,
/// "the CLI, through the same connects on a data dir of its own, agrees
/// with the window").
#[test]
fn the_cli_and_the_apps_use_cases_agree_on_one_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let day = chrono::Utc::now().date_naive().format("%Y%m%d");
    let ics = dir.path().join("personal.ics");
    std::fs::write(
        &ics,
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Personal\r\n\
             BEGIN:VEVENT\r\nUID:plan\r\nDTSTART:{day}T100000Z\r\nDTEND:{day}T113000Z\r\nSUMMARY:Planning\r\nEND:VEVENT\r\n\
             END:VCALENDAR\r\n"
        ),
    )
    .unwrap();
    let cli = |args: &[&str]| {
        let out = vica(&data)
            .env("XDG_CONFIG_HOME", &config)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    cli(&["demo"]);
    cli(&["account", "add", "ics", ics.to_str().unwrap()]);
    cli(&["sync"]);

    let store = store(&data);
    let accounts: serde_json::Value =
        serde_json::from_str(&cli(&["account", "list", "--json"])).unwrap();
    let app_accounts = vica_api::accounts::list(&store).unwrap();
    assert_eq!(accounts, serde_json::to_value(&app_accounts).unwrap());
    assert_eq!(
        app_accounts.len(),
        4,
        "three demo accounts and the calendar"
    );
    assert!(
        app_accounts
            .iter()
            .all(|a| a.state == vica_api::accounts::AccountState::Connected),
        "{app_accounts:?}"
    );

    let week: serde_json::Value = serde_json::from_str(&cli(&["week", "--json"])).unwrap();
    let app_week = vica_api::week(&store, None).unwrap();
    assert_eq!(week, serde_json::to_value(&app_week).unwrap());
    assert!(
        app_week
            .days
            .iter()
            .flat_map(|d| &d.events)
            .any(|e| e.title == "Planning"),
        "the calendar's event is in the week"
    );
    let key = app_week.key.to_string();

    let rows = cli(&["export", "--format", "json", "--week", &key]);
    let (app_rows, count) = vica_api::export::rows_text(
        &store,
        vica_api::export::RowsFormat::Json,
        app_week.key,
        app_week.key,
    )
    .unwrap();
    assert_eq!(rows, app_rows);
    assert!(count > 0);
    let csv = cli(&["export", "--format", "csv", "--week", &key]);
    let (app_csv, _) = vica_api::export::rows_text(
        &store,
        vica_api::export::RowsFormat::Csv,
        app_week.key,
        app_week.key,
    )
    .unwrap();
    assert_eq!(csv, app_csv);

    let markdown = cli(&["export", "--week", &key]);
    let template = vica_api::export::template(Some(&config.join("vica"))).unwrap();
    let (_, app_markdown) = vica_api::export::markdown(&store, &template, Some(&key)).unwrap();
    assert_eq!(markdown, app_markdown.text);
}
