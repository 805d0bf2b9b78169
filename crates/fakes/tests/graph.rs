//! The fake Microsoft Graph server, exercised over real HTTP on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use vica_core::demo;
use vica_core::model::{EventRecord, EventStatus, EventTime, Provider, Response, SourceKind};
use vica_fakes::FakeServer;
use vica_fakes::graph::{
    CalendarEntry, DEFAULT_ACCESS_TOKEN, DEFAULT_USER_ADDRESS, FakeGraph, Fault, event_json_as,
};

const WORK: &str = "AAMkAGI2TG93AAA=";
const TEAM: &str = "AAMkAGI2team+/x";

struct Client {
    http: reqwest::Client,
    base: String,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

fn enc(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Client {
    fn new(g: &FakeGraph) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: g.base_url(),
        }
    }

    fn delta_url(&self, calendar: &str) -> String {
        format!(
            "{}/me/calendars/{}/calendarView/delta",
            self.base,
            enc(calendar)
        )
    }

    async fn get_with(&self, url: &str, prefer: &[&str], token: Option<&str>) -> Answer {
        let mut req = self.http.get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for p in prefer {
            req = req.header("Prefer", *p);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let body = r.json().await.unwrap();
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, url: &str, prefer: &[&str]) -> Answer {
        self.get_with(url, prefer, Some(DEFAULT_ACCESS_TOKEN)).await
    }

    /// A whole delta round from `url`: the items, the page count and the delta link.
    async fn round(&self, url: &str, prefer: &[&str]) -> (Vec<Value>, usize, String) {
        let mut items = Vec::new();
        let mut pages = 0;
        let mut url = url.to_owned();
        loop {
            let a = self.get(&url, prefer).await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.body);
            pages += 1;
            items.extend(a.body["value"].as_array().unwrap().iter().cloned());
            if let Some(next) = a.body["@odata.nextLink"].as_str() {
                assert!(a.body.get("@odata.deltaLink").is_none());
                url = next.to_owned();
            } else {
                let delta = a.body["@odata.deltaLink"]
                    .as_str()
                    .expect("a delta link ends the round");
                return (items, pages, delta.to_owned());
            }
        }
    }
}

fn window_url(c: &Client, calendar: &str, start: &str, end: &str) -> String {
    format!(
        "{}?startDateTime={start}&endDateTime={end}",
        c.delta_url(calendar)
    )
}

fn timed(id: &str, subject: &str, start: &str, end: &str) -> Value {
    json!({
        "id": id,
        "subject": subject,
        "start": {"dateTime": start, "timeZone": "UTC"},
        "end": {"dateTime": end, "timeZone": "UTC"},
    })
}

fn ids(items: &[Value]) -> Vec<&str> {
    items.iter().map(|e| e["id"].as_str().unwrap()).collect()
}

async fn fake_with_calendars() -> (FakeGraph, Client) {
    let g = FakeGraph::start().await.unwrap();
    let mut work = CalendarEntry::new(WORK, "Calendar");
    work.is_default = true;
    work.color = "lightBlue".into();
    g.add_calendar(work);
    let mut team = CalendarEntry::new(TEAM, "Team");
    team.hex_color = "#c2410c".into();
    team.can_edit = false;
    team.owner = Some(("Sam".into(), "sam@contoso.example".into()));
    g.add_calendar(team);
    let c = Client::new(&g);
    (g, c)
}

fn assert_graph_error(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert!(
        body["error"]["innerError"]["request-id"].is_string(),
        "{body}"
    );
}

#[tokio::test]
async fn me_and_the_calendar_list_page_with_next_links() {
    let (g, c) = fake_with_calendars().await;
    let me = c.get(&format!("{}/me", c.base), &[]).await;
    assert_eq!(me.body["mail"], DEFAULT_USER_ADDRESS);
    g.set_user("Alex", "alex@example.org");
    let me = c.get(&format!("{}/me", c.base), &[]).await;
    assert_eq!(me.body["userPrincipalName"], "alex@example.org");

    let first = c.get(&format!("{}/me/calendars?$top=1", c.base), &[]).await;
    assert_eq!(first.body["value"].as_array().unwrap().len(), 1);
    let next = first.body["@odata.nextLink"].as_str().unwrap();
    assert!(next.starts_with(&c.base));
    let second = c.get(next, &[]).await;
    assert!(second.body.get("@odata.nextLink").is_none());
    let all: Vec<Value> = [
        first.body["value"][0].clone(),
        second.body["value"][0].clone(),
    ]
    .into();
    let work = all.iter().find(|c| c["id"] == WORK).unwrap();
    assert_eq!(work["isDefaultCalendar"], true);
    assert_eq!(work["color"], "lightBlue");
    assert_eq!(
        work["hexColor"], "",
        "an unset colour is empty, as on Graph"
    );
    assert_eq!(work["owner"]["address"], "alex@example.org");
    let team = all.iter().find(|c| c["id"] == TEAM).unwrap();
    assert_eq!(team["hexColor"], "#c2410c");
    assert_eq!(team["canEdit"], false);
    assert_eq!(team["owner"]["address"], "sam@contoso.example");

    g.remove_calendar(TEAM);
    let list = c.get(&format!("{}/me/calendars", c.base), &[]).await;
    assert_eq!(ids(list.body["value"].as_array().unwrap()), [WORK]);
    let gone = c
        .get(
            &window_url(&c, TEAM, "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"),
            &[],
        )
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_graph_error(&gone.body, "ErrorItemNotFound");
}

#[tokio::test]
async fn a_delta_round_pages_through_the_window_then_returns_only_changes() {
    let (g, c) = fake_with_calendars().await;
    for i in 0..7 {
        let start = format!("2026-11-16T{:02}:00:00.0000000", 8 + i);
        let end = format!("2026-11-16T{:02}:30:00.0000000", 8 + i);
        g.put_event(WORK, timed(&format!("ev{i}"), "Meeting", &start, &end));
    }
    g.put_event(
        WORK,
        timed(
            "before",
            "Earlier",
            "2026-11-09T08:00:00",
            "2026-11-09T09:00:00",
        ),
    );
    g.put_event(
        WORK,
        json!({"id": "allday", "subject": "Holiday", "isAllDay": true,
               "start": {"dateTime": "2026-11-17T00:00:00.0000000", "timeZone": "UTC"},
               "end": {"dateTime": "2026-11-18T00:00:00.0000000", "timeZone": "UTC"}}),
    );
    let url = window_url(
        &c,
        WORK,
        "2026-11-16T00:00:00Z",
        "2026-11-23T00:00:00.0000000",
    );
    let prefer = ["odata.maxpagesize=3, outlook.timezone=\"UTC\""];
    let first = c.get(&url, &prefer).await;
    assert_eq!(
        first.headers["preference-applied"],
        "odata.maxpagesize=3, outlook.timezone=\"UTC\""
    );
    let (items, pages, delta) = c.round(&url, &prefer).await;
    assert_eq!(
        ids(&items),
        ["allday", "ev0", "ev1", "ev2", "ev3", "ev4", "ev5", "ev6"]
    );
    assert_eq!(pages, 3);
    let ev0 = &items[1];
    assert_eq!(
        ev0["start"],
        json!({"dateTime": "2026-11-16T08:00:00.0000000", "timeZone": "UTC"})
    );
    for key in [
        "@odata.etag",
        "lastModifiedDateTime",
        "webLink",
        "responseStatus",
        "organizer",
        "showAs",
        "type",
    ] {
        assert!(ev0.get(key).is_some(), "{key} is always sent");
    }
    assert!(delta.contains("$deltatoken="));

    // Nothing changed: an empty round.
    let (none, _, delta) = c.round(&delta, &prefer).await;
    assert!(none.is_empty());

    g.put_event(
        WORK,
        timed(
            "new",
            "Created",
            "2026-11-19T08:00:00",
            "2026-11-19T09:00:00",
        ),
    );
    g.put_event(
        WORK,
        timed(
            "ev1",
            "Renamed",
            "2026-11-16T09:00:00",
            "2026-11-16T09:30:00",
        ),
    );
    g.cancel_event(WORK, "ev2");
    g.delete_event(WORK, "ev3");
    g.put_event(
        WORK,
        timed(
            "ev4",
            "Moved out",
            "2027-03-01T09:00:00",
            "2027-03-01T10:00:00",
        ),
    );
    g.put_event(
        WORK,
        timed(
            "far",
            "Outside",
            "2027-05-01T09:00:00",
            "2027-05-01T10:00:00",
        ),
    );
    let (changes, _, delta2) = c.round(&delta, &[]).await;
    let by_id = |id: &str| changes.iter().find(|e| e["id"] == id).unwrap();
    assert_eq!(by_id("new")["subject"], "Created");
    assert_eq!(by_id("ev1")["subject"], "Renamed");
    assert_eq!(by_id("ev2")["isCancelled"], true);
    for removed in ["ev3", "ev4", "far"] {
        assert_eq!(
            by_id(removed)["@removed"],
            json!({"reason": "deleted"}),
            "{removed}: deleted, or changed outside the window"
        );
    }
    assert_eq!(changes.len(), 6);
    assert_ne!(delta2, delta);
    let live: Vec<String> = g
        .live_events(WORK)
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!live.contains(&"ev2".to_owned()) && !live.contains(&"ev3".to_owned()));
}

#[tokio::test]
async fn stale_tokens_answer_sync_state_not_found() {
    let (g, c) = fake_with_calendars().await;
    for i in 0..4 {
        g.put_event(
            WORK,
            timed(
                &format!("e{i}"),
                "M",
                "2026-11-16T08:00:00",
                "2026-11-16T09:00:00",
            ),
        );
    }
    let url = window_url(&c, WORK, "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z");
    let first = c.get(&url, &["odata.maxpagesize=2"]).await;
    let next = first.body["@odata.nextLink"].as_str().unwrap().to_owned();
    let (_, _, delta) = c.round(&url, &[]).await;
    g.invalidate_delta_tokens();
    let a = c.get(&delta, &[]).await;
    assert_eq!(a.status, StatusCode::GONE);
    assert_graph_error(&a.body, "syncStateNotFound");
    let location = a.headers["location"].to_str().unwrap();
    assert!(
        location.contains("startDateTime=2026-11-16T00:00:00Z"),
        "{location}"
    );
    assert_eq!(
        c.get(&next, &[]).await.status,
        StatusCode::GONE,
        "skip tokens too"
    );
    g.set_resync_status(400);
    let a = c.get(&delta, &[]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_graph_error(&a.body, "syncStateNotFound");
    // Starting over works.
    assert_eq!(c.round(&url, &[]).await.0.len(), 4);
    // Garbage and a missing window are bad requests.
    let a = c
        .get(&format!("{}?$deltatoken=nonsense", c.delta_url(WORK)), &[])
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = c.get(&c.delta_url(WORK), &[]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_graph_error(&a.body, "ErrorInvalidParameter");
}

#[tokio::test]
async fn sparse_occurrences_leave_their_fields_on_the_master() {
    let (g, c) = fake_with_calendars().await;
    g.put_series_master(json!({"id": "master", "subject": "Standup", "bodyPreview": "Daily"}));
    g.put_event(
        WORK,
        json!({"id": "occ1", "subject": "Standup", "type": "occurrence", "seriesMasterId": "master",
               "start": {"dateTime": "2026-11-16T09:00:00", "timeZone": "UTC"},
               "end": {"dateTime": "2026-11-16T09:15:00", "timeZone": "UTC"}}),
    );
    g.put_event(
        WORK,
        timed(
            "single",
            "One-off",
            "2026-11-16T11:00:00",
            "2026-11-16T12:00:00",
        ),
    );
    g.set_sparse_occurrences(true);
    let url = window_url(&c, WORK, "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z");
    let (items, _, _) = c.round(&url, &[]).await;
    let occ = items.iter().find(|e| e["id"] == "occ1").unwrap();
    assert!(occ.get("subject").is_none(), "{occ}");
    assert_eq!(occ["seriesMasterId"], "master");
    assert!(occ["start"]["dateTime"].is_string());
    let single = items.iter().find(|e| e["id"] == "single").unwrap();
    assert_eq!(single["subject"], "One-off");
    let master = c.get(&format!("{}/me/events/master", c.base), &[]).await;
    assert_eq!(master.body["subject"], "Standup");
    assert_eq!(master.body["type"], "seriesMaster");
    let missing = c.get(&format!("{}/me/events/nope", c.base), &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_preferred_time_zone_is_used_and_echoed() {
    let (g, c) = fake_with_calendars().await;
    g.put_event(
        WORK,
        json!({"id": "b", "subject": "Berlin",
               "start": {"dateTime": "2026-11-16T09:30:00", "timeZone": "Europe/Berlin"},
               "end": {"dateTime": "2026-11-16T10:00:00", "timeZone": "Europe/Berlin"}}),
    );
    let url = window_url(&c, WORK, "2026-11-16T00:00:00Z", "2026-11-17T00:00:00Z");
    let utc = c.get(&url, &["outlook.timezone=\"UTC\""]).await;
    assert_eq!(
        utc.body["value"][0]["start"]["dateTime"],
        "2026-11-16T08:30:00.0000000"
    );
    let ny = c
        .get(&url, &["outlook.timezone=\"America/New_York\""])
        .await;
    assert_eq!(
        ny.body["value"][0]["start"],
        json!({"dateTime": "2026-11-16T03:30:00.0000000", "timeZone": "America/New_York"})
    );
    assert!(
        ny.headers["preference-applied"]
            .to_str()
            .unwrap()
            .contains("America/New_York")
    );
    // No preference: UTC, as Graph assumes.
    let plain = c.get(&url, &[]).await;
    assert_eq!(plain.body["value"][0]["start"]["timeZone"], "UTC");
}

#[tokio::test]
async fn requests_need_the_bearer_token() {
    let (g, c) = fake_with_calendars().await;
    let url = format!("{}/me/calendars", c.base);
    let a = c.get_with(&url, &[], None).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_graph_error(&a.body, "InvalidAuthenticationToken");
    assert!(a.headers.contains_key("www-authenticate"));
    assert_eq!(
        c.get_with(&url, &[], Some("wrong")).await.status,
        StatusCode::UNAUTHORIZED
    );
    g.set_access_token("rotated");
    assert_eq!(c.get(&url, &[]).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        c.get_with(&url, &[], Some("rotated")).await.status,
        StatusCode::OK
    );
    // The log never keeps the token.
    assert!(
        g.requests()
            .iter()
            .all(|r| r.header_values("authorization").is_empty())
    );
}

#[tokio::test]
async fn injected_faults_use_graph_bodies_once_each_in_order() {
    let (g, c) = fake_with_calendars().await;
    g.put_event(
        WORK,
        timed("e", "M", "2026-11-16T08:00:00", "2026-11-16T09:00:00"),
    );
    let url = window_url(&c, WORK, "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z");
    let cases = [
        (401, None, "InvalidAuthenticationToken"),
        (403, None, "ErrorAccessDenied"),
        (404, None, "ErrorItemNotFound"),
        (410, None, "syncStateNotFound"),
        (429, Some(7), "ApplicationThrottled"),
        (500, None, "ErrorInternalServerError"),
        (503, Some(2), "ServiceUnavailable"),
    ];
    for (code, retry_after, _) in cases {
        g.inject(Fault::Status { code, retry_after });
    }
    for (code, retry_after, error) in cases {
        let a = c.get(&url, &[]).await;
        assert_eq!(a.status.as_u16(), code);
        assert_graph_error(&a.body, error);
        match retry_after {
            Some(s) => assert_eq!(a.headers["retry-after"], s.to_string().as_str()),
            None => assert!(a.headers.get("retry-after").is_none()),
        }
    }
    assert_eq!(c.get(&url, &[]).await.status, StatusCode::OK);
    let statuses: Vec<u16> = g.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [401, 403, 404, 410, 429, 500, 503, 200]);

    g.inject(Fault::MalformedJson);
    let r = c
        .http
        .get(&url)
        .bearer_auth(DEFAULT_ACCESS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());

    g.inject(Fault::DropMidBody);
    let r = c
        .http
        .get(&url)
        .bearer_auth(DEFAULT_ACCESS_TOKEN)
        .send()
        .await
        .unwrap();
    assert!(r.bytes().await.is_err(), "the body must not arrive whole");
    assert_eq!(c.get(&url, &[]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_log_records_prefer_headers() {
    let (g, c) = fake_with_calendars().await;
    let url = window_url(&c, WORK, "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z");
    c.get(&url, &["odata.maxpagesize=5", "outlook.timezone=\"UTC\""])
        .await;
    let log = g.requests();
    assert_eq!(
        log[0].header_values("prefer"),
        ["odata.maxpagesize=5", "outlook.timezone=\"UTC\""]
    );
    assert_eq!(log[0].param("startDateTime"), Some("2026-11-16T00:00:00Z"));
    assert_eq!(
        log[0].path,
        format!("/v1.0/me/calendars/{}/calendarView/delta", enc(WORK))
    );
}

fn record(time: EventTime) -> EventRecord {
    EventRecord {
        provider_id: "steerco-1".into(),
        title: "Steering committee".into(),
        description: Some("Notes".into()),
        location: Some("Room 4.12".into()),
        time,
        time_zone: Some("Europe/Berlin".into()),
        status: EventStatus::Confirmed,
        my_response: Some(Response::Declined),
        is_organizer: false,
        attendee_count: 2,
        series_id: Some("steerco".into()),
        link: Some("https://outlook.office365.com/owa/?itemid=x".into()),
        updated_at: Some("2026-11-13T09:30:00Z".parse().unwrap()),
        kind: Default::default(),
        show_as: Default::default(),
    }
}

#[test]
fn event_json_maps_records_to_graph_events() {
    let r = record(EventTime::Timed {
        start: "2026-11-20T08:30:00Z".parse().unwrap(),
        end: "2026-11-20T09:30:00Z".parse().unwrap(),
    });
    let e = event_json_as(&r, "me@x");
    assert_eq!(e["subject"], "Steering committee");
    assert_eq!(
        e["start"],
        json!({"dateTime": "2026-11-20T08:30:00.0000000", "timeZone": "UTC"})
    );
    assert_eq!(e["isAllDay"], false);
    assert_eq!(e["responseStatus"]["response"], "declined");
    assert_eq!(e["type"], "occurrence");
    assert_eq!(e["seriesMasterId"], "steerco");
    assert_eq!(e["originalStartTimeZone"], "Europe/Berlin");
    assert_eq!(e["location"]["displayName"], "Room 4.12");
    assert_eq!(
        e["body"],
        json!({"contentType": "text", "content": "Notes"})
    );
    assert_eq!(e["lastModifiedDateTime"], "2026-11-13T09:30:00.0000000Z");
    let attendees = e["attendees"].as_array().unwrap();
    assert_eq!(attendees.len(), 3);
    assert_eq!(attendees[0]["emailAddress"]["address"], "me@x");
    assert_eq!(attendees[0]["status"]["response"], "declined");

    let mut r = record(EventTime::AllDay {
        start: NaiveDate::from_ymd_opt(2026, 11, 18).unwrap(),
        end: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
    });
    r.is_organizer = true;
    r.series_id = None;
    r.status = EventStatus::Cancelled;
    let e = event_json_as(&r, "me@x");
    assert_eq!(e["isAllDay"], true);
    assert_eq!(
        e["end"]["dateTime"], "2026-11-21T00:00:00.0000000",
        "end stays exclusive"
    );
    assert_eq!(e["isCancelled"], true);
    assert_eq!(e["responseStatus"]["response"], "organizer");
    assert_eq!(e["organizer"]["emailAddress"]["address"], "me@x");
    assert_eq!(e["type"], "singleInstance");
    assert_eq!(
        e["attendees"].as_array().unwrap().len(),
        2,
        "the organizer is not an attendee"
    );
}

#[tokio::test]
async fn load_demo_serves_the_microsoft_calendar() {
    let tz: Tz = "Europe/Berlin".parse().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let world = demo::world(today, tz);
    let g = FakeGraph::start().await.unwrap();
    g.load_demo(&world);
    g.set_page_size(4);
    let c = Client::new(&g);
    let account = world
        .iter()
        .find(|a| a.provider == Provider::Microsoft)
        .unwrap();
    let source = account
        .sources
        .iter()
        .find(|s| s.record.kind == SourceKind::Calendar)
        .unwrap();
    let me = c.get(&format!("{}/me", c.base), &[]).await;
    assert_eq!(me.body["mail"], "alex@contoso.example");
    let list = c.get(&format!("{}/me/calendars", c.base), &[]).await;
    let cal = &list.body["value"][0];
    assert_eq!(cal["id"], source.record.provider_id.as_str());
    assert_eq!(cal["name"], "Contoso");
    assert_eq!(cal["hexColor"], "#c2410c");
    assert_eq!(
        list.body["value"].as_array().unwrap().len(),
        1,
        "only the Microsoft calendar"
    );

    let url = window_url(
        &c,
        &source.record.provider_id,
        "2026-01-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
    );
    let (items, pages, _) = c.round(&url, &[]).await;
    assert!(pages > 1);
    let mut expected: Vec<&str> = source
        .events
        .iter()
        .map(|e| e.provider_id.as_str())
        .collect();
    expected.sort_unstable();
    assert_eq!(ids(&items), expected);
    for e in &source.events {
        let wire = items
            .iter()
            .find(|w| w["id"] == e.provider_id.as_str())
            .unwrap();
        assert_eq!(wire["subject"], e.title.as_str());
        if let EventTime::Timed { start, .. } = e.time {
            let got = format!("{}Z", wire["start"]["dateTime"].as_str().unwrap());
            assert_eq!(
                DateTime::parse_from_rfc3339(&got)
                    .unwrap()
                    .with_timezone(&Utc),
                start
            );
        }
        if let Some(series) = &e.series_id {
            let master = c.get(&format!("{}/me/events/{series}", c.base), &[]).await;
            assert_eq!(
                master.status,
                StatusCode::OK,
                "series {series} has a master"
            );
        }
    }
}

/// Six timed events on 2026-11-16, one per hour from 08:00.
fn put_six(g: &FakeGraph, calendar: &str) {
    for i in 0..6 {
        let start = format!("2026-11-16T{:02}:00:00", 8 + i);
        let end = format!("2026-11-16T{:02}:30:00", 8 + i);
        g.put_event(calendar, timed(&format!("ev{i}"), "Meeting", &start, &end));
    }
}

#[tokio::test]
async fn delta_is_a_function_called_with_or_without_parentheses_on_either_path() {
    let (g, c) = fake_with_calendars().await;
    put_six(&g, WORK);
    let window = "startDateTime=2026-11-16T00:00:00Z&endDateTime=2026-11-23T00:00:00Z";
    // The documented v1.0 form, the SDKs' form (msgraph-sdk-python and -go:
    // `…/calendarView/delta()`), the namespace-qualified one, and the
    // per-calendar path in both spellings and another case.
    let urls = [
        format!("{}/me/calendarView/delta?{window}", c.base),
        format!("{}/me/calendarView/delta()?{window}", c.base),
        format!(
            "{}/me/calendarview/microsoft.graph.delta()?{window}",
            c.base
        ),
        format!("{}/me/calendar/calendarView/delta()?{window}", c.base),
        format!(
            "{}/me/calendars/{}/calendarView/delta()?{window}",
            c.base,
            enc(WORK)
        ),
        format!(
            "{}/me/Calendars/{}/CalendarView/Delta?{window}",
            c.base,
            enc(WORK)
        ),
    ];
    let mut links = Vec::new();
    for url in &urls {
        let (items, pages, delta) = c.round(url, &["odata.maxpagesize=4"]).await;
        assert_eq!(
            ids(&items),
            ["ev0", "ev1", "ev2", "ev3", "ev4", "ev5"],
            "{url}"
        );
        assert_eq!(pages, 2, "{url}");
        links.push(delta);
    }
    // Each round's delta link goes on with what changed since.
    g.put_event(
        WORK,
        timed("new", "Later", "2026-11-17T08:00:00", "2026-11-17T09:00:00"),
    );
    for link in &links {
        let (items, _, _) = c.round(link, &[]).await;
        assert_eq!(ids(&items), ["new"], "{link}");
    }
    // The default calendar's links are Graph's own spelling of its path.
    assert!(
        links[0].starts_with(&format!("{}/me/calendarview/delta?$deltatoken=", c.base)),
        "{}",
        links[0]
    );
    // A function Graph does not have is not a path.
    let bad = c
        .get(
            &format!("{}/me/calendarView/deltas()?{window}", c.base),
            &[],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_graph_error(&bad.body, "BadRequest");
}

#[tokio::test]
async fn the_windowed_calendar_view_pages_with_top_and_skip() {
    let (g, c) = fake_with_calendars().await;
    put_six(&g, WORK);
    g.put_event(
        WORK,
        timed(
            "late",
            "Next week",
            "2026-11-24T08:00:00",
            "2026-11-24T09:00:00",
        ),
    );
    g.put_event(
        WORK,
        timed(
            "gone",
            "Deleted",
            "2026-11-16T07:00:00",
            "2026-11-16T07:30:00",
        ),
    );
    g.delete_event(WORK, "gone");
    g.cancel_event(WORK, "ev5");
    let window = "startDateTime=2026-11-16T00:00:00Z&endDateTime=2026-11-23T00:00:00Z";
    let mut url = format!(
        "{}/me/calendars/{}/calendarView?{window}&$top=4",
        c.base,
        enc(WORK)
    );
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let a = c.get(&url, &[]).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert!(
            a.body.get("@odata.deltaLink").is_none(),
            "a listing has no delta link"
        );
        pages += 1;
        seen.extend(
            ids(a.body["value"].as_array().unwrap())
                .into_iter()
                .map(str::to_owned),
        );
        match a.body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(
                    next.contains("$skip=4") && next.contains("$top=4"),
                    "{next}"
                );
                assert!(next.contains("startDateTime="), "{next}");
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(pages, 2);
    // In the order of their starts; a cancelled meeting is still listed, a deleted one is not.
    assert_eq!(seen, ["ev0", "ev1", "ev2", "ev3", "ev4", "ev5"]);
    let cancelled = c
        .get(&format!("{}/me/calendarView?{window}&$skip=5", c.base), &[])
        .await;
    assert_eq!(cancelled.body["value"][0]["isCancelled"], true);
    // Without $top: odata.maxpagesize, else Graph's default page of ten.
    let sized = c
        .get(
            &format!("{}/me/calendarView?{window}", c.base),
            &["odata.maxpagesize=2"],
        )
        .await;
    assert_eq!(sized.body["value"].as_array().unwrap().len(), 2);
    for i in 0..8 {
        g.put_event(
            WORK,
            timed(
                &format!("more{i}"),
                "M",
                "2026-11-18T08:00:00",
                "2026-11-18T09:00:00",
            ),
        );
    }
    let plain = c
        .get(&format!("{}/me/calendarView?{window}", c.base), &[])
        .await;
    assert_eq!(plain.body["value"].as_array().unwrap().len(), 10);
    assert!(plain.body["@odata.nextLink"].is_string());
    // The window is required.
    let none = c.get(&format!("{}/me/calendarView", c.base), &[]).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_graph_error(&none.body, "ErrorInvalidParameter");
}

#[tokio::test]
async fn calendars_shared_with_the_user_need_calendars_read_shared() {
    let (g, c) = fake_with_calendars().await;
    g.put_event(
        TEAM,
        timed("t1", "Team", "2026-11-16T08:00:00", "2026-11-16T09:00:00"),
    );
    g.put_event(
        WORK,
        timed("w1", "Mine", "2026-11-16T08:00:00", "2026-11-16T09:00:00"),
    );
    let window = "startDateTime=2026-11-16T00:00:00Z&endDateTime=2026-11-23T00:00:00Z";
    let team = [
        format!("{}?{window}", c.delta_url(TEAM)),
        format!(
            "{}/me/calendars/{}/calendarView?{window}",
            c.base,
            enc(TEAM)
        ),
        format!("{}/me/calendars/{}/events/t1", c.base, enc(TEAM)),
    ];
    for url in &team {
        assert_eq!(c.get(url, &[]).await.status, StatusCode::OK, "{url}");
    }
    g.set_granted_scopes(&["Calendars.Read", "User.Read"]);
    for url in &team {
        let a = c.get(url, &[]).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{url}");
        assert_graph_error(&a.body, "ErrorAccessDenied");
    }
    // The shared calendar is still listed, and the user's own are read as before.
    let list = c.get(&format!("{}/me/calendars", c.base), &[]).await;
    assert!(ids(list.body["value"].as_array().unwrap()).contains(&TEAM));
    let (mine, _, _) = c
        .round(&format!("{}?{window}", c.delta_url(WORK)), &[])
        .await;
    assert_eq!(ids(&mine), ["w1"]);
    g.set_granted_scopes(&["Calendars.ReadWrite.Shared", "User.Read"]);
    assert_eq!(c.get(&team[0], &[]).await.status, StatusCode::OK);
    g.set_granted_scopes(&[]);
    let me = c.get(&format!("{}/me", c.base), &[]).await;
    assert_eq!(me.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn events_of_a_shared_calendar_are_not_found_under_me_events() {
    let (g, c) = fake_with_calendars().await;
    g.put_series_master_in(TEAM, json!({"id": "team-master", "subject": "Team sync"}));
    g.put_series_master(json!({"id": "my-master", "subject": "My series"}));
    g.put_event(
        TEAM,
        json!({"id": "team-occ", "subject": "Team sync", "type": "occurrence", "seriesMasterId": "team-master",
               "start": {"dateTime": "2026-11-16T09:00:00", "timeZone": "UTC"},
               "end": {"dateTime": "2026-11-16T09:30:00", "timeZone": "UTC"}}),
    );
    g.put_event(
        WORK,
        timed("mine", "Mine", "2026-11-16T08:00:00", "2026-11-16T09:00:00"),
    );
    for id in ["team-master", "team-occ"] {
        let a = c.get(&format!("{}/me/events/{id}", c.base), &[]).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{id}");
        assert_graph_error(&a.body, "ErrorItemNotFound");
        let a = c
            .get(
                &format!("{}/me/calendars/{}/events/{id}", c.base, enc(TEAM)),
                &[],
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{id}: {}", a.body);
        assert_eq!(a.body["subject"], "Team sync");
    }
    assert_eq!(
        c.get(
            &format!("{}/me/calendars/{}/events/team-master", c.base, enc(TEAM)),
            &[]
        )
        .await
        .body["type"],
        "seriesMaster"
    );
    // The user's own: under /me/events and under their calendar, not under another's.
    for url in [
        format!("{}/me/events/my-master", c.base),
        format!("{}/me/events/mine", c.base),
        format!("{}/me/calendars/{}/events/my-master", c.base, enc(WORK)),
        format!("{}/me/calendars/{}/events/mine", c.base, enc(WORK)),
    ] {
        assert_eq!(c.get(&url, &[]).await.status, StatusCode::OK, "{url}");
    }
    for url in [
        format!("{}/me/calendars/{}/events/mine", c.base, enc(TEAM)),
        format!("{}/me/calendars/{}/events/my-master", c.base, enc(TEAM)),
        format!("{}/me/calendars/{}/events/team-master", c.base, enc(WORK)),
    ] {
        assert_eq!(
            c.get(&url, &[]).await.status,
            StatusCode::NOT_FOUND,
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_refused_calendar_delta_answers_400_and_the_default_path_does_not() {
    let (g, c) = fake_with_calendars().await;
    put_six(&g, WORK);
    let window = "startDateTime=2026-11-16T00:00:00Z&endDateTime=2026-11-23T00:00:00Z";
    let per_calendar = format!("{}?{window}", c.delta_url(WORK));
    let (_, _, link) = c.round(&per_calendar, &[]).await;
    g.refuse_calendar_delta(WORK, true);
    for url in [per_calendar.clone(), link] {
        let a = c.get(&url, &[]).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{url}");
        assert_graph_error(&a.body, "BadRequest");
        assert!(
            a.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Change tracking is not supported"),
            "{}",
            a.body
        );
    }
    // The default calendar through /me/calendarView/delta, and every listing, still answer.
    let (items, _, _) = c
        .round(&format!("{}/me/calendarView/delta?{window}", c.base), &[])
        .await;
    assert_eq!(items.len(), 6);
    let view = format!(
        "{}/me/calendars/{}/calendarView?{window}",
        c.base,
        enc(WORK)
    );
    assert_eq!(c.get(&view, &[]).await.status, StatusCode::OK);
    g.refuse_calendar_delta(WORK, false);
    assert_eq!(c.get(&per_calendar, &[]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn what_the_fake_stamps_with_now_follows_its_clock() {
    let (g, _) = fake_with_calendars().await;
    let at = DateTime::parse_from_rfc3339("2031-02-03T04:05:06Z")
        .unwrap()
        .with_timezone(&Utc);
    let clock = vica_core::clock::ManualClock::new(at);
    g.set_clock(clock.shared());
    let e = g.put_event(
        WORK,
        timed("e", "M", "2031-02-03T08:00:00", "2031-02-03T09:00:00"),
    );
    assert_eq!(e["createdDateTime"], "2031-02-03T04:05:06.0000000Z");
    assert_eq!(e["lastModifiedDateTime"], "2031-02-03T04:05:06.0000000Z");
    clock.advance(chrono::Duration::weeks(1));
    g.cancel_event(WORK, "e");
    let e = g.live_events(WORK);
    assert!(e.is_empty(), "cancelled");
    let renamed = g.put_event(
        WORK,
        timed("e", "Renamed", "2031-02-03T08:00:00", "2031-02-03T09:00:00"),
    );
    assert_eq!(renamed["createdDateTime"], "2031-02-03T04:05:06.0000000Z");
    assert_eq!(
        renamed["lastModifiedDateTime"],
        "2031-02-10T04:05:06.0000000Z"
    );
}
