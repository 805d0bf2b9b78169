//! Migration 0003: stored links keep to the http(s)-only rule, and Todoist
//! tasks stored without a link get their web app URL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rusqlite::Connection;
use vica_core::Store;

/// A database as Vica left it at schema version 2, with a few rows.
fn version_two(path: &std::path::Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(include_str!("../../../migrations/0001_init.sql"))
        .unwrap();
    conn.execute_batch(include_str!(
        "../../../migrations/0002_sync_generations.sql"
    ))
    .unwrap();
    conn.execute_batch(
        "PRAGMA user_version = 2;
         INSERT INTO accounts (id, provider, label, created_at) VALUES
            (1, 'google', 'me', 0), (2, 'todoist', 'me', 0);
         INSERT INTO sources (id, account_id, kind, provider_id, name) VALUES
            (10, 1, 'calendar', 'cal', 'Work'), (20, 2, 'project', 'p', 'Inbox');
         INSERT INTO events (source_id, provider_id, title, all_day, start_utc, end_utc, link) VALUES
            (10, 'ok', 'Kept', 0, 0, 60, 'https://www.google.com/calendar/event?eid=abc'),
            (10, 'js', 'Dropped', 0, 0, 60, 'javascript:alert(1)'),
            (10, 'up', 'Upper', 0, 0, 60, 'HTTP://example.com/x'),
            (10, 'none', 'None', 0, 0, 60, NULL);
         INSERT INTO tasks (source_id, provider_id, content, link) VALUES
            (20, '6X7rM8997g3RQmvh', 'No link', NULL),
            (20, '6X7rfEVP8hvv25ZQ@1763560800', 'Recurring, no link', NULL),
            (20, 'own', 'Own link', 'https://app.todoist.com/app/task/own-slug'),
            (20, 'bad', 'File link', 'file:///etc/passwd');",
    )
    .unwrap();
}

fn links(conn: &Connection, table: &str) -> Vec<(String, Option<String>)> {
    conn.prepare(&format!(
        "SELECT provider_id, link FROM {table} ORDER BY id"
    ))
    .unwrap()
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn stored_links_are_http_only_and_todoist_tasks_get_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vica.db");
    version_two(&path);
    drop(Store::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        links(&conn, "events"),
        vec![
            (
                "ok".into(),
                s("https://www.google.com/calendar/event?eid=abc")
            ),
            ("js".into(), None),
            ("up".into(), s("HTTP://example.com/x")),
            ("none".into(), None),
        ]
    );
    assert_eq!(
        links(&conn, "tasks"),
        vec![
            (
                "6X7rM8997g3RQmvh".into(),
                s("https://app.todoist.com/app/task/6X7rM8997g3RQmvh")
            ),
            (
                "6X7rfEVP8hvv25ZQ@1763560800".into(),
                s("https://app.todoist.com/app/task/6X7rfEVP8hvv25ZQ")
            ),
            ("own".into(), s("https://app.todoist.com/app/task/own-slug")),
            ("bad".into(), s("https://app.todoist.com/app/task/bad")),
        ]
    );
}
