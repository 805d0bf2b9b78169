//! Golden tests of how each provider's event types and availability map into
//! the store's `kind` and `show_as`: Google `eventType` and `transparency`,
//! Graph `showAs`, each sample shaped as the providers document it, served by
//! the fakes on loopback and pulled through the real clients and engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{Duration, SubsecRound, Utc};
use serde_json::{Value, json};
use vica_core::Store;
use vica_core::model::{EventKind, Provider as ProviderKind, ShowAs};
use vica_fakes::FakeServer;
use vica_fakes::google::FakeGoogle;
use vica_fakes::graph::FakeGraph;
use vica_sync::engine::Progress;
use vica_sync::google::{Google, GoogleConfig};
use vica_sync::http::StaticToken;
use vica_sync::outlook::{Outlook, OutlookConfig};
use vica_sync::provider::Provider;
use vica_sync::{Engine, SyncOptions};

fn store(provider: ProviderKind) -> (Arc<Mutex<Store>>, i64, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("vica.db")).unwrap();
    let account = store
        .add_account(provider, "alex@example.com", None, false)
        .unwrap()
        .id;
    (Arc::new(Mutex::new(store)), account, dir)
}

/// Syncs the account and returns every stored event: provider id -> (kind, show_as).
async fn sync_kinds(
    store: &Arc<Mutex<Store>>,
    account: i64,
    client: Arc<dyn Provider>,
) -> BTreeMap<String, (EventKind, ShowAs)> {
    let engine = Engine::new(store.clone(), SyncOptions::default());
    let progress: Progress = Arc::new(|_| {});
    let report = engine.sync_account(account, client, None, progress).await;
    assert!(report.is_ok(), "{report:?}");
    let now = Utc::now();
    store
        .lock()
        .unwrap()
        .events_overlapping(now - Duration::weeks(4), now + Duration::weeks(4))
        .unwrap()
        .into_iter()
        .map(|e| (e.record.provider_id, (e.record.kind, e.record.show_as)))
        .collect()
}

/// A timed Google event `hours` from now with the given extra fields.
fn google_event(id: &str, hours: i64, extra: Value) -> Value {
    let start = Utc::now().trunc_subsecs(0) + Duration::hours(hours);
    let mut e = json!({
        "id": id,
        "status": "confirmed",
        "summary": id,
        "start": {"dateTime": start.to_rfc3339(), "timeZone": "UTC"},
        "end": {"dateTime": (start + Duration::hours(1)).to_rfc3339(), "timeZone": "UTC"},
        "organizer": {"email": "alex@example.com", "self": true}
    });
    for (k, v) in extra.as_object().unwrap() {
        e[k] = v.clone();
    }
    e
}

#[tokio::test]
async fn google_event_types_and_transparency_map_to_kinds() {
    let fake = FakeGoogle::start().await.unwrap();
    let cal = "alex@example.com";
    let mut entry = vica_fakes::google::CalendarEntry::new(cal, "Work");
    entry.primary = true;
    fake.add_calendar(entry);
    let today = Utc::now().date_naive();
    let samples = [
        ("plain", json!({})),
        ("opaque", json!({"transparency": "opaque"})),
        ("free", json!({"transparency": "transparent"})),
        (
            "ooo",
            json!({"eventType": "outOfOffice", "outOfOfficeProperties": {"autoDeclineMode": "declineAllConflictingInvitations"}}),
        ),
        (
            "focus",
            json!({"eventType": "focusTime", "focusTimeProperties": {"chatStatus": "doNotDisturb"}}),
        ),
        (
            "focus_free",
            json!({"eventType": "focusTime", "transparency": "transparent"}),
        ),
        (
            "where",
            json!({"eventType": "workingLocation", "transparency": "transparent", "visibility": "public",
                   "workingLocationProperties": {"type": "homeOffice", "homeOffice": {}}}),
        ),
        (
            "where_opaque",
            json!({"eventType": "workingLocation", "workingLocationProperties": {"type": "officeLocation"}}),
        ),
        (
            "bday",
            json!({"eventType": "birthday", "transparency": "transparent",
                   "start": {"date": today.to_string()}, "end": {"date": today.succ_opt().unwrap().to_string()},
                   "birthdayProperties": {"type": "birthday"}}),
        ),
        ("mail", json!({"eventType": "fromGmail"})),
        ("tent", json!({"status": "tentative"})),
        ("future_type", json!({"eventType": "somethingNew"})),
    ];
    for (i, (id, extra)) in samples.iter().enumerate() {
        fake.put_event(cal, google_event(id, i as i64 * 2 - 10, extra.clone()));
    }
    let (store, account, _dir) = store(ProviderKind::Google);
    let client: Arc<dyn Provider> = Arc::new(
        Google::new(
            GoogleConfig::new(&fake.base_url()).unwrap(),
            Arc::new(StaticToken::new(vica_fakes::google::DEFAULT_ACCESS_TOKEN)),
        )
        .unwrap(),
    );
    let got = sync_kinds(&store, account, client).await;
    use EventKind as K;
    use ShowAs as S;
    let expected: BTreeMap<String, (EventKind, ShowAs)> = [
        ("plain", (K::Default, S::Busy)),
        ("opaque", (K::Default, S::Busy)),
        ("free", (K::Default, S::Free)),
        ("ooo", (K::OutOfOffice, S::OutOfOffice)),
        ("focus", (K::FocusTime, S::Busy)),
        ("focus_free", (K::FocusTime, S::Free)),
        ("where", (K::WorkingLocation, S::Free)),
        ("where_opaque", (K::WorkingLocation, S::WorkingElsewhere)),
        ("bday", (K::Birthday, S::Free)),
        ("mail", (K::FromGmail, S::Busy)),
        ("tent", (K::Default, S::Tentative)),
        // A type Vica does not name is not asked for, so Google does not send it.
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(got, expected);
    // Every listing named the event types it wants (the documents disagree on the default).
    for r in fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/events"))
    {
        let types: Vec<&str> = r
            .query
            .iter()
            .filter(|(k, _)| k == "eventTypes")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(
            types,
            [
                "default",
                "outOfOffice",
                "focusTime",
                "workingLocation",
                "birthday",
                "fromGmail"
            ]
        );
    }
}

/// A Graph event `hours` from now with the given `showAs` and guests.
fn graph_event(id: &str, hours: i64, show_as: &str, guests: usize) -> Value {
    let start = Utc::now().naive_utc().trunc_subsecs(0) + Duration::hours(hours);
    let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%S.0000000").to_string();
    let attendees: Vec<Value> = (0..guests)
        .map(|n| json!({"type": "required", "status": {"response": "accepted", "time": "0001-01-01T00:00:00Z"},
                        "emailAddress": {"name": format!("Guest {n}"), "address": format!("guest{n}@contoso.example")}}))
        .collect();
    json!({
        "id": id,
        "subject": id,
        "start": {"dateTime": fmt(start), "timeZone": "UTC"},
        "end": {"dateTime": fmt(start + Duration::hours(1)), "timeZone": "UTC"},
        "showAs": show_as,
        "type": "singleInstance",
        "attendees": attendees
    })
}

#[tokio::test]
async fn graph_show_as_maps_to_kinds() {
    let fake = FakeGraph::start().await.unwrap();
    let cal = "AAMkcal";
    let mut entry = vica_fakes::graph::CalendarEntry::new(cal, "Calendar");
    entry.is_default = true;
    fake.add_calendar(entry);
    let samples = [
        ("busy", "busy", 2),
        ("free", "free", 0),
        ("tentative", "tentative", 3),
        ("oof", "oof", 0),
        ("elsewhere_alone", "workingElsewhere", 0),
        ("elsewhere_meeting", "workingElsewhere", 2),
        ("unknown", "unknown", 1),
        ("future_value", "somethingNew", 0),
    ];
    for (i, (id, show_as, guests)) in samples.iter().enumerate() {
        fake.put_event(cal, graph_event(id, i as i64 * 2 - 8, show_as, *guests));
    }
    let (store, account, _dir) = store(ProviderKind::Microsoft);
    let client: Arc<dyn Provider> = Arc::new(
        Outlook::new(
            OutlookConfig::new(&fake.base_url()).unwrap(),
            Arc::new(StaticToken::new(vica_fakes::graph::DEFAULT_ACCESS_TOKEN)),
        )
        .unwrap(),
    );
    let got = sync_kinds(&store, account, client).await;
    use EventKind as K;
    use ShowAs as S;
    let expected: BTreeMap<String, (EventKind, ShowAs)> = [
        ("busy", (K::Default, S::Busy)),
        ("free", (K::Default, S::Free)),
        ("tentative", (K::Default, S::Tentative)),
        ("oof", (K::OutOfOffice, S::OutOfOffice)),
        ("elsewhere_alone", (K::WorkingLocation, S::WorkingElsewhere)),
        ("elsewhere_meeting", (K::Default, S::WorkingElsewhere)),
        ("unknown", (K::Default, S::Unknown)),
        ("future_value", (K::Default, S::Unknown)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(got, expected);
}
