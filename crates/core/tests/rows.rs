//! CSV and JSON rows: read back with a standard CSV parser they equal the
//! rows; formula-like titles are defused; quoting and line breaks survive;
//! an event spanning two weeks is one row.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, NaiveDate, Utc};
use vica_core::Store;
use vica_core::export::rows::{COLUMNS, Row, defuse, rows, to_csv, to_json};
use vica_core::model::{
    EventKind, EventRecord, EventStatus, EventTime, Provider, Response, ShowAs, SourceKind,
    SourceRecord, TaskRecord,
};
use vica_core::settings::Settings;
use vica_core::store::{CursorUpdate, Page};
use vica_core::week::WeekKey;

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(y, mo, d)
        .unwrap()
        .and_hms_opt(h, mi, 0)
        .unwrap()
        .and_utc()
}

fn event(id: &str, title: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> EventRecord {
    EventRecord {
        provider_id: id.into(),
        title: title.into(),
        description: None,
        location: None,
        time: EventTime::Timed { start, end },
        time_zone: None,
        status: EventStatus::Confirmed,
        my_response: Some(Response::Accepted),
        is_organizer: false,
        attendee_count: 1,
        series_id: None,
        link: Some(format!("https://calendar.example/{id}")),
        updated_at: None,
        kind: EventKind::Default,
        show_as: ShowAs::Busy,
    }
}

const HOSTILE: [&str; 9] = [
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTabbed",
    "\rCarriage",
    "Plain, with a comma",
    "Quote \"inside\" it",
    "Two\nlines\r\nand CRLF",
];

/// A store in Berlin time with hostile titles in W47 and an event from Sunday W47 into Monday W48.
fn store() -> (Store, Settings) {
    let mut store = Store::open_in_memory().unwrap();
    let account = store
        .add_account(Provider::Google, "me", None, false)
        .unwrap();
    let cal = store
        .upsert_source(
            account.id,
            &SourceRecord {
                kind: SourceKind::Calendar,
                provider_id: "cal".into(),
                name: "=Work".into(),
                color: None,
                is_primary: true,
                access_role: Some("owner".into()),
            },
        )
        .unwrap()
        .id;
    let project = store
        .upsert_source(
            account.id,
            &SourceRecord {
                kind: SourceKind::Project,
                provider_id: "p".into(),
                name: "Inbox".into(),
                color: None,
                is_primary: false,
                access_role: None,
            },
        )
        .unwrap()
        .id;
    let mut events: Vec<EventRecord> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let h = 8 + i as u32;
            event(
                &format!("h{i}"),
                t,
                at(2026, 11, 17, h, 0),
                at(2026, 11, 17, h, 30),
            )
        })
        .collect();
    events.push(event(
        "night",
        "Night shift",
        at(2026, 11, 22, 21, 0),
        at(2026, 11, 23, 3, 0),
    ));
    let mut declined = event(
        "d",
        "Declined one",
        at(2026, 11, 18, 9, 0),
        at(2026, 11, 18, 10, 0),
    );
    declined.my_response = Some(Response::Declined);
    events.push(declined);
    store
        .write_page(
            cal,
            &Page {
                events,
                ..Page::default()
            },
            CursorUpdate::Keep,
        )
        .unwrap();
    let task = TaskRecord {
        provider_id: "t1".into(),
        content: "-Buy milk".into(),
        description: None,
        section: None,
        labels: vec![],
        priority: 1,
        due_date: None,
        completed_at: Some(at(2026, 11, 19, 16, 45)),
        link: None,
        updated_at: None,
    };
    store
        .write_page(
            project,
            &Page {
                tasks: vec![task],
                ..Page::default()
            },
            CursorUpdate::Keep,
        )
        .unwrap();
    let settings = Settings {
        time_zone: Some("Europe/Berlin".into()),
        show_declined: true,
        ..Settings::default()
    };
    (store, settings)
}

fn range() -> (WeekKey, WeekKey) {
    ("2026-W47".parse().unwrap(), "2026-W48".parse().unwrap())
}

/// What a row becomes in the CSV: the columns in order, text defused.
fn expected_record(r: &Row) -> Vec<String> {
    vec![
        r.week.clone(),
        r.date.clone(),
        r.item_type.to_owned(),
        r.start.to_string(),
        r.end.map(|e| e.to_string()).unwrap_or_default(),
        r.duration_minutes.to_string(),
        defuse(&r.title),
        defuse(&r.source),
        r.category.unwrap_or_default().to_owned(),
        if r.counted { "yes" } else { "no" }.to_owned(),
        r.response.unwrap_or_default().to_owned(),
        r.kind.unwrap_or_default().to_owned(),
        r.link.clone().unwrap_or_default(),
        r.id.to_string(),
    ]
}

#[test]
fn csv_read_back_equals_the_rows() {
    let (store, settings) = store();
    let (from, to) = range();
    let rows = rows(&store, &settings, from..=to).unwrap();
    assert_eq!(rows.len(), HOSTILE.len() + 3, "{rows:#?}");
    let text = to_csv(&rows).unwrap();
    assert!(text.ends_with("\r\n"), "RFC 4180 ends records with CRLF");
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, COLUMNS);
    let back: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let expected: Vec<Vec<String>> = rows.iter().map(expected_record).collect();
    assert_eq!(back, expected);
}

#[test]
fn formula_like_text_is_defused_in_csv_and_kept_in_json() {
    let (store, settings) = store();
    let (from, to) = range();
    let rows = rows(&store, &settings, from..=to).unwrap();
    let text = to_csv(&rows).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let titles: Vec<String> = reader.records().map(|r| r.unwrap()[6].to_owned()).collect();
    for hostile in HOSTILE {
        let danger = hostile.starts_with(['=', '+', '-', '@', '\t', '\r']);
        let want = if danger {
            format!("'{hostile}")
        } else {
            hostile.to_owned()
        };
        assert!(titles.contains(&want), "{want:?} not in {titles:?}");
        // No cell starts with a formula character.
        if danger {
            assert!(!titles.iter().any(|t| t == hostile));
        }
    }
    assert!(titles.contains(&"'-Buy milk".to_owned()));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert!(reader.records().all(|r| &r.unwrap()[7] != "=Work"));

    let json: serde_json::Value = serde_json::from_str(&to_json(&rows, from, to).unwrap()).unwrap();
    assert_eq!(json["schema"], "vica-rows/1");
    let json_titles: Vec<&str> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    for hostile in HOSTILE {
        assert!(
            json_titles.contains(&hostile),
            "JSON keeps {hostile:?} as it is"
        );
    }
}

#[test]
fn rows_carry_category_counting_and_each_event_once() {
    let (store, settings) = store();
    let (from, to) = range();
    let rows = rows(&store, &settings, from..=to).unwrap();
    let night: Vec<&Row> = rows.iter().filter(|r| r.title == "Night shift").collect();
    assert_eq!(night.len(), 1, "an event over two weeks is one row");
    assert_eq!(
        (night[0].week.as_str(), night[0].date.as_str()),
        ("2026-W47", "2026-11-22")
    );
    assert_eq!(night[0].start.to_string(), "2026-11-22T22:00:00+01:00");
    assert_eq!(night[0].duration_minutes, 360);
    let declined = rows.iter().find(|r| r.title == "Declined one").unwrap();
    assert_eq!(
        (declined.counted, declined.response),
        (false, Some("declined"))
    );
    let plain = rows
        .iter()
        .find(|r| r.title == "Plain, with a comma")
        .unwrap();
    assert_eq!(
        (plain.category, plain.counted, plain.kind),
        (Some("meetings"), true, Some("default"))
    );
    assert_eq!(plain.link.as_deref(), Some("https://calendar.example/h6"));
    let task = rows.iter().find(|r| r.item_type == "task").unwrap();
    assert_eq!(
        (task.date.as_str(), task.start.to_string().as_str()),
        ("2026-11-19", "2026-11-19T17:45:00+01:00")
    );
    // JSON rows read back equal the rows.
    let json: serde_json::Value = serde_json::from_str(&to_json(&rows, from, to).unwrap()).unwrap();
    assert_eq!(json["rows"], serde_json::to_value(&rows).unwrap());
    assert_eq!(
        (json["from"].as_str(), json["to"].as_str()),
        (Some("2026-W47"), Some("2026-W48"))
    );
}

/// Rows come from the week model's typed instants, not from clock strings
/// read back: a task completed at 02:30:15 in the second 02:30 of Berlin's
/// autumn change (2026-10-25, the hour clocks repeat) keeps its seconds and
/// the +01:00 offset of that moment, and so does an event starting then.
/// Before, the task's "02:30" was parsed back: seconds lost, and the
/// earlier (+02:00) reading of the repeated hour taken, an hour off.
#[test]
fn rows_keep_seconds_and_the_offset_in_the_repeated_dst_hour() {
    let mut store = Store::open_in_memory().unwrap();
    let account = store
        .add_account(Provider::Google, "me", None, false)
        .unwrap();
    let source = |kind, id: &str| SourceRecord {
        kind,
        provider_id: id.into(),
        name: id.into(),
        color: None,
        is_primary: false,
        access_role: None,
    };
    let cal = store
        .upsert_source(account.id, &source(SourceKind::Calendar, "cal"))
        .unwrap()
        .id;
    let project = store
        .upsert_source(account.id, &source(SourceKind::Project, "p"))
        .unwrap()
        .id;
    // 01:30:15 UTC is the second 02:30:15 in Berlin (CET, +01:00) that night.
    let second_half_past_two = at(2026, 10, 25, 1, 30) + chrono::Duration::seconds(15);
    store
        .write_page(
            cal,
            &Page {
                events: vec![event(
                    "e",
                    "Night watch",
                    second_half_past_two,
                    second_half_past_two + chrono::Duration::minutes(45),
                )],
                ..Page::default()
            },
            CursorUpdate::Keep,
        )
        .unwrap();
    let task = TaskRecord {
        provider_id: "t".into(),
        content: "Check the boiler".into(),
        description: None,
        section: None,
        labels: vec![],
        priority: 1,
        due_date: None,
        completed_at: Some(second_half_past_two),
        link: None,
        updated_at: None,
    };
    store
        .write_page(
            project,
            &Page {
                tasks: vec![task],
                ..Page::default()
            },
            CursorUpdate::Keep,
        )
        .unwrap();
    let settings = Settings {
        time_zone: Some("Europe/Berlin".into()),
        ..Settings::default()
    };
    let week: WeekKey = "2026-W43".parse().unwrap();
    let rows = rows(&store, &settings, week..=week).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&to_json(&rows, week, week).unwrap()).unwrap();
    let start_of = |kind: &str| {
        json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == kind)
            .map(|r| r["start"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(start_of("task"), "2026-10-25T02:30:15+01:00");
    assert_eq!(start_of("event"), "2026-10-25T02:30:15+01:00");
    // The same instant read back: the exported text names the right moment.
    let back = DateTime::parse_from_rfc3339(&start_of("task")).unwrap();
    assert_eq!(back.with_timezone(&Utc), second_half_past_two);
    let csv = to_csv(&rows).unwrap();
    assert!(csv.contains(",task,2026-10-25T02:30:15+01:00,"), "{csv}");
}
