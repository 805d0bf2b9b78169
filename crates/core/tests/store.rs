//! The store: migrations, refusal of bad files, and the sync write path.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, NaiveDate, Utc};
use vica_core::model::{
    AccountStatus, EventRecord, EventStatus, EventTime, Provider, Reflection, SourceKind,
    SourceRecord, TaskRecord,
};
use vica_core::settings::{Settings, WeekStart};
use vica_core::store::{CursorUpdate, Page, schema_version};
use vica_core::week::WeekKey;
use vica_core::{Error, Store};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn event(id: &str, title: &str, start: &str, end: &str) -> EventRecord {
    EventRecord {
        provider_id: id.into(),
        title: title.into(),
        description: None,
        location: None,
        time: EventTime::Timed {
            start: at(start),
            end: at(end),
        },
        time_zone: Some("Europe/Berlin".into()),
        status: EventStatus::Confirmed,
        my_response: None,
        is_organizer: false,
        attendee_count: 0,
        series_id: None,
        link: None,
        updated_at: None,
        kind: Default::default(),
        show_as: Default::default(),
    }
}

fn calendar(store: &Store) -> i64 {
    let account = store
        .add_account(
            Provider::Google,
            "me@example.com",
            Some("vica:google:1"),
            false,
        )
        .unwrap();
    let source = store
        .upsert_source(
            account.id,
            &SourceRecord {
                kind: SourceKind::Calendar,
                provider_id: "primary".into(),
                name: "Work".into(),
                color: Some("#3b6fd8".into()),
                is_primary: true,
                access_role: Some("owner".into()),
            },
        )
        .unwrap();
    source.id
}

fn count(path: &std::path::Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn migrations_apply_to_an_empty_file_and_reopening_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vica.db");
    std::fs::write(&path, b"").unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.user_version().unwrap(), schema_version());
    let source = calendar(&store);
    drop(store);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for t in [
        "accounts",
        "events",
        "reviews",
        "settings",
        "sources",
        "sync_state",
        "tasks",
    ] {
        assert!(
            tables.contains(&t.to_owned()),
            "missing table {t}: {tables:?}"
        );
    }
    let schema_before: String = conn
        .query_row(
            "SELECT group_concat(sql, ';') FROM sqlite_schema",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(conn);

    let store = Store::open(&path).unwrap();
    assert_eq!(store.user_version().unwrap(), schema_version());
    assert_eq!(store.source(source).unwrap().name, "Work");
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let schema_after: String = conn
        .query_row(
            "SELECT group_concat(sql, ';') FROM sqlite_schema",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(schema_before, schema_after);
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vica.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 999;")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(err, Error::DatabaseTooNew { found: 999, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("newer version of Vica") && msg.contains(&path.display().to_string()),
        "{msg}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file must not change"
    );
    assert!(!dir.path().join("vica.db-wal").exists());
}

#[test]
fn a_corrupt_file_is_refused_by_name_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vica.db");
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &garbage).unwrap();
    let err = Store::open(&path).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::DatabaseUnreadable { .. }), "{err:?}");
    assert!(
        msg.contains(&path.display().to_string()),
        "the error names the file: {msg}"
    );
    assert!(msg.contains("not a SQLite database"), "{msg}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

#[test]
fn a_page_and_its_cursor_commit_together_and_replays_never_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vica.db");
    let mut store = Store::open(&path).unwrap();
    let source = calendar(&store);
    let page = Page {
        events: vec![
            event(
                "a",
                "Standup",
                "2026-11-16T08:30:00Z",
                "2026-11-16T08:45:00Z",
            ),
            event(
                "b",
                "Planning",
                "2026-11-16T09:00:00Z",
                "2026-11-16T10:00:00Z",
            ),
        ],
        ..Page::default()
    };
    let outcome = store
        .write_page(source, &page, CursorUpdate::Set("token-1".into()))
        .unwrap();
    assert_eq!(outcome.written, 2);
    // The same page again, as after a crash before the next cursor was saved.
    store
        .write_page(source, &page, CursorUpdate::Set("token-1".into()))
        .unwrap();
    assert_eq!(count(&path, "events"), 2);
    assert_eq!(
        store.sync_state(source).unwrap().unwrap().cursor.as_deref(),
        Some("token-1")
    );

    // An update, a delete and a new event in the next page.
    let mut renamed = event(
        "a",
        "Daily standup",
        "2026-11-16T08:30:00Z",
        "2026-11-16T08:45:00Z",
    );
    renamed.status = EventStatus::Tentative;
    let page = Page {
        events: vec![
            renamed,
            event("c", "Lunch", "2026-11-16T11:00:00Z", "2026-11-16T12:00:00Z"),
        ],
        deleted_events: vec!["b".into(), "never-existed".into()],
        ..Page::default()
    };
    let outcome = store
        .write_page(source, &page, CursorUpdate::Set("token-2".into()))
        .unwrap();
    assert_eq!((outcome.written, outcome.deleted), (2, 1));
    let events = store
        .events_overlapping(at("2026-11-16T00:00:00Z"), at("2026-11-17T00:00:00Z"))
        .unwrap();
    let titles: Vec<&str> = events.iter().map(|e| e.record.title.as_str()).collect();
    assert_eq!(titles, ["Daily standup", "Lunch"]);
    assert_eq!(
        store.sync_state(source).unwrap().unwrap().cursor.as_deref(),
        Some("token-2")
    );

    store
        .write_page(source, &Page::default(), CursorUpdate::Clear)
        .unwrap();
    assert_eq!(store.sync_state(source).unwrap().unwrap().cursor, None);
}

#[test]
fn events_come_all_day_first_then_by_start_end_and_id() {
    let mut store = Store::open_in_memory().unwrap();
    let source = calendar(&store);
    let all_day = |id: &str, start: (u32, u32), end: (u32, u32)| EventRecord {
        time: EventTime::AllDay {
            start: NaiveDate::from_ymd_opt(2026, start.0, start.1).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, end.0, end.1).unwrap(),
        },
        ..event(id, id, "2026-11-16T00:00:00Z", "2026-11-16T00:00:00Z")
    };
    // Written out of order, so that insertion order (the ids) differs from
    // the expected order except where the id is the tie-break.
    let page = Page {
        events: vec![
            event(
                "late",
                "late",
                "2026-11-17T15:00:00Z",
                "2026-11-17T16:00:00Z",
            ),
            event(
                "long",
                "long",
                "2026-11-17T09:00:00Z",
                "2026-11-17T12:00:00Z",
            ),
            all_day("trip", (11, 17), (11, 20)),
            event(
                "short",
                "short",
                "2026-11-17T09:00:00Z",
                "2026-11-17T09:30:00Z",
            ),
            event(
                "twin-a",
                "twin-a",
                "2026-11-17T13:00:00Z",
                "2026-11-17T14:00:00Z",
            ),
            event(
                "twin-b",
                "twin-b",
                "2026-11-17T13:00:00Z",
                "2026-11-17T14:00:00Z",
            ),
            all_day("holiday", (11, 16), (11, 17)),
            all_day("conference", (11, 17), (11, 18)),
            event(
                "night",
                "night",
                "2026-11-16T22:00:00Z",
                "2026-11-17T01:00:00Z",
            ),
        ],
        ..Page::default()
    };
    store.write_page(source, &page, CursorUpdate::Keep).unwrap();
    let titles: Vec<String> = store
        .events_overlapping(at("2026-11-17T00:00:00Z"), at("2026-11-18T00:00:00Z"))
        .unwrap()
        .into_iter()
        .map(|e| e.record.title)
        .collect();
    assert_eq!(
        titles,
        [
            "holiday",
            "conference",
            "trip",
            "night",
            "short",
            "long",
            "twin-a",
            "twin-b",
            "late"
        ]
    );
}

#[test]
fn a_bad_item_is_skipped_and_reported_while_the_rest_of_the_page_is_kept() {
    let mut store = Store::open_in_memory().unwrap();
    let source = calendar(&store);
    let backwards = event(
        "bad",
        "Backwards",
        "2026-11-16T10:00:00Z",
        "2026-11-16T09:00:00Z",
    );
    let page = Page {
        events: vec![
            event(
                "good",
                "Fine",
                "2026-11-16T08:00:00Z",
                "2026-11-16T09:00:00Z",
            ),
            backwards,
        ],
        tasks: vec![TaskRecord {
            provider_id: String::new(),
            content: "no id".into(),
            description: None,
            section: None,
            labels: vec![],
            priority: 1,
            due_date: None,
            completed_at: None,
            link: None,
            updated_at: None,
        }],
        ..Page::default()
    };
    let outcome = store
        .write_page(source, &page, CursorUpdate::Set("t".into()))
        .unwrap();
    assert_eq!(outcome.written, 1);
    assert_eq!(outcome.rejected.len(), 2);
    assert_eq!(outcome.rejected[0].0, "bad");
    assert!(outcome.rejected[0].1.contains("ends before it starts"));
    assert_eq!(store.item_counts(source).unwrap(), (1, 0));
}

#[test]
fn deleting_an_account_removes_its_sources_and_items_but_not_reflections() {
    let mut store = Store::open_in_memory().unwrap();
    let source = calendar(&store);
    let page = Page {
        events: vec![event(
            "a",
            "x",
            "2026-11-16T08:00:00Z",
            "2026-11-16T09:00:00Z",
        )],
        ..Page::default()
    };
    store
        .write_page(source, &page, CursorUpdate::Set("t".into()))
        .unwrap();
    let week: WeekKey = "2026-W47".parse().unwrap();
    let reflection = Reflection {
        went_well: "Shipped it".into(),
        ..Reflection::default()
    };
    store.save_reflection(week, &reflection).unwrap();
    let account = store.accounts().unwrap()[0].id;
    store
        .set_account_status(account, AccountStatus::NeedsReconnect)
        .unwrap();
    assert_eq!(
        store.account(account).unwrap().status,
        AccountStatus::NeedsReconnect
    );
    store.delete_account(account).unwrap();
    assert!(store.sources().unwrap().is_empty());
    assert!(
        store
            .events_overlapping(at("2026-11-16T00:00:00Z"), at("2026-11-17T00:00:00Z"))
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.reflection(week).unwrap().unwrap().0, reflection);
    assert!(matches!(
        store.delete_account(account),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn sources_keep_the_users_choice_when_the_provider_refreshes_them() {
    let store = Store::open_in_memory().unwrap();
    let source = calendar(&store);
    store.set_source_included(source, false).unwrap();
    store.mark_source_gone(source).unwrap();
    let account = store.accounts().unwrap()[0].id;
    let again = store
        .upsert_source(
            account,
            &SourceRecord {
                kind: SourceKind::Calendar,
                provider_id: "primary".into(),
                name: "Work (renamed)".into(),
                color: None,
                is_primary: true,
                access_role: None,
            },
        )
        .unwrap();
    assert_eq!(again.id, source);
    assert_eq!(again.name, "Work (renamed)");
    assert!(!again.included, "the user's choice stays");
    assert!(!again.gone, "a source that reappears is no longer gone");
}

#[test]
fn sync_results_are_recorded_per_source() {
    let store = Store::open_in_memory().unwrap();
    let source = calendar(&store);
    store
        .record_sync_result(source, Some("Google Calendar answered 500"))
        .unwrap();
    let st = store.sync_state(source).unwrap().unwrap();
    assert_eq!(
        st.last_error.as_deref(),
        Some("Google Calendar answered 500")
    );
    assert!(st.last_success_at.is_none() && st.last_attempt_at.is_some());
    store.record_sync_result(source, None).unwrap();
    let st = store.sync_state(source).unwrap().unwrap();
    assert!(st.last_error.is_none() && st.last_success_at.is_some());
}

#[test]
fn an_accounts_refresh_error_is_kept_until_a_refresh_works_or_the_account_goes() {
    let store = Store::open_in_memory().unwrap();
    let source = calendar(&store);
    let account = store.sources().unwrap()[0].account_id;
    let other = store
        .add_account(Provider::Todoist, "other@example.com", None, false)
        .unwrap();
    assert!(store.account_errors().unwrap().is_empty());
    store
        .record_account_refresh(account, Some("Google Calendar answered 500"))
        .unwrap();
    store
        .record_account_refresh(other.id, Some("no network"))
        .unwrap();
    store
        .record_account_refresh(account, Some("cannot read the calendar list"))
        .unwrap();
    assert_eq!(
        store.account_errors().unwrap(),
        vec![
            (account, "cannot read the calendar list".to_owned()),
            (other.id, "no network".to_owned())
        ],
        "the latest error per account"
    );
    // A refresh that works clears it; the sources' own results are separate.
    store.record_account_refresh(account, None).unwrap();
    assert_eq!(
        store.account_errors().unwrap(),
        vec![(other.id, "no network".to_owned())]
    );
    assert!(store.sync_state(source).unwrap().is_none());
    // An account removed takes its error with it.
    store.delete_account(other.id).unwrap();
    assert!(store.account_errors().unwrap().is_empty());
}

#[test]
fn settings_round_trip_and_invalid_values_are_refused() {
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(store.settings().unwrap(), Settings::default());
    let settings = Settings {
        week_start: WeekStart::Sunday,
        time_zone: Some("America/New_York".into()),
        sync_interval_minutes: 30,
        show_declined: true,
        sync_weeks_back: 52,
        sync_weeks_ahead: 8,
        vault_dir: Some("/home/alex/Notes".into()),
        vault_pattern: "Reviews/{year}-W{week}.md".into(),
        vault_period_pattern: "Reviews/{year}/{period}.md".into(),
        reminder: Some(vica_core::settings::Reminder {
            weekday: "friday".into(),
            time: "16:30".into(),
        }),
        time_rules: vica_core::categories::TimeRules {
            count_tentative: false,
            count_unanswered: false,
            solo_is_focus: false,
            personal_sources: vec![3, 5],
            title_rules: vec![vica_core::categories::TitleRule {
                pattern: "Lunch".into(),
                assign: vica_core::categories::Assignment::Excluded,
            }],
        },
        working_hours: vica_core::settings::WorkingHoursSetting {
            start: "08:00".into(),
            end: "16:30".into(),
            days: vec!["sunday".into(), "monday".into(), "tuesday".into()],
        },
        history_since: NaiveDate::from_ymd_opt(2024, 1, 1),
    };
    store.save_settings(&settings).unwrap();
    assert_eq!(store.settings().unwrap(), settings);
    let bad = Settings {
        time_zone: Some("Mars/Olympus".into()),
        ..settings.clone()
    };
    let err = store.save_settings(&bad).unwrap_err();
    assert!(err.to_string().contains("Mars/Olympus"));
    assert_eq!(
        store.settings().unwrap(),
        settings,
        "a refused save changes nothing"
    );
}

#[test]
fn tasks_are_found_by_completion_and_by_due_date() {
    let mut store = Store::open_in_memory().unwrap();
    let source = calendar(&store);
    let task = |id: &str, done: Option<&str>, due: Option<NaiveDate>| TaskRecord {
        provider_id: id.into(),
        content: id.into(),
        description: None,
        section: None,
        labels: vec!["deep-work".into()],
        priority: 4,
        due_date: due,
        completed_at: done.map(at),
        link: None,
        updated_at: None,
    };
    let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
    let page = Page {
        tasks: vec![
            task("done-in-week", Some("2026-11-18T12:00:00Z"), Some(d(18))),
            task("done-before", Some("2026-11-10T12:00:00Z"), None),
            task("open-next-week", None, Some(d(24))),
            task("open-later", None, Some(d(30))),
        ],
        ..Page::default()
    };
    store.write_page(source, &page, CursorUpdate::Keep).unwrap();
    let done = store
        .tasks_completed_between(at("2026-11-16T00:00:00Z"), at("2026-11-23T00:00:00Z"))
        .unwrap();
    assert_eq!(
        done.iter()
            .map(|t| t.record.provider_id.as_str())
            .collect::<Vec<_>>(),
        ["done-in-week"]
    );
    assert_eq!(done[0].record.labels, ["deep-work"]);
    let open = store.open_tasks_due_between(d(23), d(30)).unwrap();
    assert_eq!(
        open.iter()
            .map(|t| t.record.provider_id.as_str())
            .collect::<Vec<_>>(),
        ["open-next-week"]
    );
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn a_new_data_folder_and_database_are_the_users_alone() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("vica");
    let db = vica_core::paths::database_path(&dir).unwrap();
    let store = Store::open(&db).unwrap();
    calendar(&store);
    assert_eq!(mode(&dir), 0o700, "the data folder");
    for file in ["vica.db", "vica.db-wal", "vica.db-shm"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
}

#[cfg(unix)]
#[test]
fn an_existing_install_open_to_others_is_made_private() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("vica");
    std::fs::create_dir(&dir).unwrap();
    let db = dir.join("vica.db");
    // As an older Vica left it, with the default umask: readable by all. It
    // stays open, so its -wal and -shm files are there too.
    let old = Store::open(&db).unwrap();
    calendar(&old);
    for path in [
        dir.clone(),
        db.clone(),
        dir.join("vica.db-wal"),
        dir.join("vica.db-shm"),
    ] {
        let m = if path.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(m)).unwrap();
    }
    let db = vica_core::paths::database_path(&dir).unwrap();
    let store = Store::open(&db).unwrap();
    assert_eq!(mode(&dir), 0o700);
    for file in ["vica.db", "vica.db-wal", "vica.db-shm"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    assert_eq!(store.sources().unwrap().len(), 1, "nothing lost");
}
