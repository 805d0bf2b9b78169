//! The fake Google Calendar server, exercised over real HTTP on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use vica_core::demo;
use vica_core::model::{EventRecord, EventStatus, EventTime, Provider, Response, SourceKind};
use vica_fakes::FakeServer;
use vica_fakes::google::{
    CalendarEntry, DEFAULT_ACCESS_TOKEN, FakeGoogle, Fault, event_json, event_json_as,
};

const WORK: &str = "alex@example.com";
const TEAM: &str = "team#1@group.calendar.google.com";

/// Percent-encodes a path segment the way Google's client libraries do.
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

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Client {
    fn new(g: &FakeGoogle) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: g.base_url(),
            token: DEFAULT_ACCESS_TOKEN.into(),
        }
    }

    fn events_url(&self, calendar: &str) -> String {
        format!("{}/calendars/{}/events", self.base, enc(calendar))
    }

    fn list_url(&self) -> String {
        format!("{}/users/me/calendarList", self.base)
    }

    async fn get(&self, url: &str, query: &[(&str, &str)]) -> Answer {
        let r = self
            .http
            .get(url)
            .bearer_auth(&self.token)
            .query(query)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let body = r.json().await.unwrap();
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn events(&self, calendar: &str, query: &[(&str, &str)]) -> Answer {
        self.get(&self.events_url(calendar), query).await
    }

    /// Follows `nextPageToken` to the end; returns the items, the page count and the sync token.
    async fn all_pages(&self, url: &str, query: &[(&str, &str)]) -> (Vec<Value>, usize, String) {
        let mut items = Vec::new();
        let mut pages = 0;
        let mut page_token: Option<String> = None;
        loop {
            let mut q: Vec<(&str, &str)> = query.to_vec();
            if let Some(t) = &page_token {
                q.push(("pageToken", t));
            }
            let a = self.get(url, &q).await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.body);
            pages += 1;
            items.extend(a.body["items"].as_array().unwrap().iter().cloned());
            match a.body["nextPageToken"].as_str() {
                Some(t) => {
                    assert!(
                        a.body.get("nextSyncToken").is_none(),
                        "sync token only on the last page"
                    );
                    page_token = Some(t.to_owned());
                }
                None => {
                    let sync = a.body["nextSyncToken"]
                        .as_str()
                        .expect("last page has a sync token");
                    return (items, pages, sync.to_owned());
                }
            }
        }
    }
}

fn ids(items: &[Value]) -> Vec<&str> {
    items.iter().map(|e| e["id"].as_str().unwrap()).collect()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A timed event from `start` lasting `minutes`, as plain Google JSON.
fn timed(id: &str, title: &str, start: &str, minutes: i64) -> Value {
    let s = utc(start);
    let e = s + chrono::Duration::minutes(minutes);
    json!({
        "id": id,
        "summary": title,
        "status": "confirmed",
        "start": { "dateTime": s.to_rfc3339(), "timeZone": "UTC" },
        "end": { "dateTime": e.to_rfc3339(), "timeZone": "UTC" },
    })
}

async fn fake_with_calendar() -> (FakeGoogle, Client) {
    let g = FakeGoogle::start().await.unwrap();
    g.add_calendar(CalendarEntry {
        id: WORK.into(),
        summary: "Work".into(),
        background_color: Some("#3b6fd8".into()),
        access_role: "owner".into(),
        primary: true,
    });
    let c = Client::new(&g);
    (g, c)
}

fn assert_google_error(body: &Value, code: u16, reason: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"]["errors"][0]["reason"], reason, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert!(body["error"]["errors"][0]["domain"].is_string(), "{body}");
}

#[tokio::test]
async fn full_sync_pages_through_a_window() {
    let (g, c) = fake_with_calendar().await;
    // Ten events an hour apart from 08:00; event 0 ends exactly at 08:30.
    for i in 0..10 {
        let start = format!("2026-11-16T{:02}:00:00Z", 8 + i);
        g.put_event(WORK, timed(&format!("ev{i:02}"), "Meeting", &start, 30));
    }
    g.put_event(
        WORK,
        json!({"id": "allday", "summary": "Holiday", "start": {"date": "2026-11-16"}, "end": {"date": "2026-11-17"}}),
    );
    g.set_page_size(3);
    // timeMin bounds the end (exclusive), timeMax the start (exclusive).
    let q = [
        ("singleEvents", "true"),
        ("timeMin", "2026-11-16T08:30:00Z"),
        ("timeMax", "2026-11-16T15:00:00+00:00"),
    ];
    let (items, pages, sync) = c.all_pages(&c.events_url(WORK), &q).await;
    assert_eq!(
        ids(&items),
        ["allday", "ev01", "ev02", "ev03", "ev04", "ev05", "ev06"]
    );
    assert_eq!(pages, 3);
    assert!(!sync.is_empty());

    // Google may end a full last page with an empty one: still one sync token, at the end.
    g.set_trailing_empty_page(true);
    let q = [
        ("timeMin", "2026-11-16T09:00:00Z"),
        ("timeMax", "2026-11-16T11:00:00Z"),
    ];
    let first = c.events(WORK, &q).await;
    assert_eq!(
        ids(first.body["items"].as_array().unwrap()),
        ["allday", "ev01", "ev02"]
    );
    assert!(first.body.get("nextSyncToken").is_none());
    let token = first.body["nextPageToken"].as_str().unwrap();
    let last = c.events(WORK, &[q[0], q[1], ("pageToken", token)]).await;
    assert_eq!(last.body["items"], json!([]));
    assert!(last.body["nextSyncToken"].is_string());
    // A partly filled last page needs no empty one after it.
    let q = [
        ("timeMin", "2026-11-16T09:00:00Z"),
        ("timeMax", "2026-11-16T12:00:00Z"),
    ];
    let (items, pages, _) = c.all_pages(&c.events_url(WORK), &q).await;
    assert_eq!((items.len(), pages), (4, 2));
    g.set_trailing_empty_page(false);

    // The client's maxResults is capped by the server's page size, not raised by it.
    let first = c.events(WORK, &[("maxResults", "2")]).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 2);
    let first = c.events(WORK, &[("maxResults", "100")]).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 3);

    // The collection's own fields.
    let b = &first.body;
    assert_eq!(b["kind"], "calendar#events");
    assert_eq!(b["summary"], "Work");
    assert_eq!(b["accessRole"], "owner");
    assert!(b["timeZone"].is_string() && b["updated"].is_string() && b["etag"].is_string());
    let e = &b["items"][0];
    assert_eq!(e["kind"], "calendar#event");
    assert!(e["etag"].as_str().unwrap().starts_with('"'));
    assert!(e["htmlLink"].as_str().unwrap().starts_with("https://"));
    assert!(e["updated"].is_string());

    // A window holding nothing still ends with a sync token.
    let empty = c.events(WORK, &[("timeMin", "2030-01-01T00:00:00Z")]).await;
    assert_eq!(empty.body["items"], json!([]));
    assert!(empty.body["nextSyncToken"].is_string());
}

#[tokio::test]
async fn incremental_sync_shows_exactly_the_changes() {
    let (g, c) = fake_with_calendar().await;
    g.add_calendar(CalendarEntry::new(TEAM, "Team"));
    for (id, start) in [
        ("keep", "2026-11-16T09:00:00Z"),
        ("edit", "2026-11-16T10:00:00Z"),
        ("move", "2026-11-16T11:00:00Z"),
        ("cancel", "2026-11-16T12:00:00Z"),
        ("delete", "2026-11-16T13:00:00Z"),
    ] {
        g.put_event(WORK, timed(id, "Meeting", start, 30));
    }
    let window = [
        ("timeMin", "2026-11-16T00:00:00Z"),
        ("timeMax", "2026-11-17T00:00:00Z"),
    ];
    let (items, _, token) = c.all_pages(&c.events_url(WORK), &window).await;
    assert_eq!(items.len(), 5);
    let (_, _, team_token) = c.all_pages(&c.events_url(TEAM), &[]).await;

    // Nothing changed yet: an empty page with a sync token.
    let none = c.events(WORK, &[("syncToken", &token)]).await;
    assert_eq!(none.status, StatusCode::OK);
    assert_eq!(none.body["items"], json!([]));
    assert!(none.body["nextSyncToken"].is_string());

    g.put_event(WORK, timed("new", "Fresh", "2026-11-18T09:00:00Z", 60));
    // Outside the original window: incremental syncs ignore windows.
    g.put_event(WORK, timed("far", "Later", "2027-03-01T09:00:00Z", 60));
    let mut edited = g
        .live_events(WORK)
        .into_iter()
        .find(|e| e["id"] == "edit")
        .unwrap();
    edited["summary"] = json!("Edited title");
    edited["start"]["dateTime"] = json!("2026-11-16T10:30:00+00:00");
    let old_etag = edited["etag"].clone();
    g.put_event(WORK, edited);
    let moved = g.move_event(WORK, "move", TEAM).unwrap();
    assert_eq!(moved["id"], "move");
    g.cancel_event(WORK, "cancel");
    g.delete_event(WORK, "delete");

    let a = c.events(WORK, &[("syncToken", &token)]).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let items = a.body["items"].as_array().unwrap();
    assert_eq!(
        ids(items),
        ["cancel", "delete", "edit", "far", "move", "new"]
    );
    let by_id = |id: &str| items.iter().find(|e| e["id"] == id).unwrap().clone();
    assert_eq!(by_id("edit")["summary"], "Edited title");
    assert_ne!(by_id("edit")["etag"], old_etag, "etag changes on update");
    assert_eq!(by_id("new")["summary"], "Fresh");
    for gone in ["cancel", "delete", "move"] {
        let e = by_id(gone);
        assert_eq!(e["status"], "cancelled");
        assert_eq!(e["kind"], "calendar#event");
        assert!(e["etag"].is_string());
        assert!(e.get("summary").is_none(), "minimal: {e}");
    }
    let next = a.body["nextSyncToken"].as_str().unwrap().to_owned();

    // The destination calendar sees the moved event as new.
    let t = c.events(TEAM, &[("syncToken", &team_token)]).await;
    assert_eq!(ids(t.body["items"].as_array().unwrap()), ["move"]);
    assert_eq!(t.body["items"][0]["status"], "confirmed");

    // Tokens are reusable: the old one returns the same changes again.
    let again = c.events(WORK, &[("syncToken", &token)]).await;
    assert_eq!(ids(again.body["items"].as_array().unwrap()), ids(items));
    // The new one sees nothing more.
    let after = c.events(WORK, &[("syncToken", &next)]).await;
    assert_eq!(after.body["items"], json!([]));

    // A full sync leaves cancelled and deleted events out, unless showDeleted.
    let full = c.events(WORK, &[]).await;
    assert_eq!(
        ids(full.body["items"].as_array().unwrap()),
        ["edit", "far", "keep", "new"]
    );
    let with_deleted = c.events(WORK, &[("showDeleted", "true")]).await;
    let items = with_deleted.body["items"].as_array().unwrap();
    assert_eq!(
        ids(items),
        ["cancel", "delete", "edit", "far", "keep", "move", "new"]
    );
    assert_eq!(items[0]["status"], "cancelled");
    assert_eq!(
        items[0]["summary"], "Meeting",
        "a cancelled event keeps its details"
    );

    // The truth for comparisons holds only the live events.
    let live: Vec<String> = g
        .live_events(WORK)
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(live, ["edit", "far", "keep", "new"]);
}

#[tokio::test]
async fn incremental_sync_pages_with_the_sync_token() {
    let (g, c) = fake_with_calendar().await;
    let (_, _, token) = c.all_pages(&c.events_url(WORK), &[]).await;
    for i in 0..7 {
        g.put_event(
            WORK,
            timed(&format!("n{i}"), "New", "2026-11-16T09:00:00Z", 15),
        );
    }
    g.set_page_size(3);
    let (items, pages, next) = c
        .all_pages(&c.events_url(WORK), &[("syncToken", &token)])
        .await;
    assert_eq!(pages, 3);
    assert_eq!(ids(&items), ["n0", "n1", "n2", "n3", "n4", "n5", "n6"]);
    // A change made after the first page shows up under the final token.
    g.put_event(WORK, timed("late", "Late", "2026-11-16T09:00:00Z", 15));
    let a = c.events(WORK, &[("syncToken", &next)]).await;
    assert_eq!(ids(a.body["items"].as_array().unwrap()), ["late"]);
}

#[tokio::test]
async fn stale_foreign_and_garbage_tokens_answer_410() {
    let (g, c) = fake_with_calendar().await;
    g.add_calendar(CalendarEntry::new(TEAM, "Team"));
    g.put_event(WORK, timed("a", "A", "2026-11-16T09:00:00Z", 30));
    let (_, _, token) = c.all_pages(&c.events_url(WORK), &[]).await;
    let (_, _, team_token) = c.all_pages(&c.events_url(TEAM), &[]).await;

    for bad in [
        "garbage",
        "CPDAlvWDx70CEPDAlvWDx70CGAU=",
        team_token.as_str(),
    ] {
        let a = c.events(WORK, &[("syncToken", bad)]).await;
        assert_eq!(a.status, StatusCode::GONE, "token {bad}");
        assert_google_error(&a.body, 410, "fullSyncRequired");
        assert_eq!(a.body["error"]["errors"][0]["location"], "syncToken");
    }

    assert_eq!(
        c.events(WORK, &[("syncToken", &token)]).await.status,
        StatusCode::OK
    );
    g.invalidate_sync_tokens();
    let a = c.events(WORK, &[("syncToken", &token)]).await;
    assert_eq!(a.status, StatusCode::GONE);
    assert_google_error(&a.body, 410, "fullSyncRequired");
    assert_eq!(
        a.body["error"]["message"],
        "Sync token is no longer valid, a full sync is required."
    );
    // A new full sync gets a token that works.
    let (items, _, fresh) = c.all_pages(&c.events_url(WORK), &[]).await;
    assert_eq!(ids(&items), ["a"]);
    assert_eq!(
        c.events(WORK, &[("syncToken", &fresh)]).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn sync_token_refuses_window_and_query_parameters() {
    let (_g, c) = fake_with_calendar().await;
    let (_, _, token) = c.all_pages(&c.events_url(WORK), &[]).await;
    for (param, value) in [
        ("timeMin", "2026-11-16T00:00:00Z"),
        ("timeMax", "2026-11-16T00:00:00Z"),
        ("orderBy", "updated"),
        ("q", "standup"),
        ("updatedMin", "2026-11-16T00:00:00Z"),
    ] {
        let a = c
            .events(WORK, &[("syncToken", &token), (param, value)])
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{param}");
        assert_google_error(&a.body, 400, "invalid");
        assert_eq!(a.body["error"]["errors"][0]["location"], param);
    }
    let a = c
        .events(WORK, &[("syncToken", &token), ("showDeleted", "false")])
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);

    // Other parameter checks of a full sync.
    let a = c
        .events(
            WORK,
            &[
                ("timeMin", "2026-11-17T00:00:00Z"),
                ("timeMax", "2026-11-16T00:00:00Z"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_google_error(&a.body, 400, "timeRangeEmpty");
    let a = c.events(WORK, &[("timeMin", "yesterday")]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = c.events(WORK, &[("maxResults", "0")]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = c.events(WORK, &[("pageToken", "nonsense")]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = c.events(WORK, &[("orderBy", "startTime")]).await;
    assert_eq!(
        a.status,
        StatusCode::BAD_REQUEST,
        "startTime needs singleEvents"
    );
}

#[tokio::test]
async fn order_by_start_time_pages_in_time_order() {
    let (g, c) = fake_with_calendar().await;
    g.put_event(WORK, timed("a", "late", "2026-11-16T15:00:00Z", 30));
    g.put_event(WORK, timed("b", "early", "2026-11-16T08:00:00Z", 30));
    g.put_event(WORK, timed("c", "middle", "2026-11-16T11:00:00+02:00", 30));
    g.set_page_size(2);
    let (items, pages, _) = c
        .all_pages(
            &c.events_url(WORK),
            &[("singleEvents", "true"), ("orderBy", "startTime")],
        )
        .await;
    assert_eq!(pages, 2);
    assert_eq!(ids(&items), ["b", "c", "a"]);
}

#[tokio::test]
async fn removed_calendar_is_404_and_deleted_in_the_list() {
    let (g, c) = fake_with_calendar().await;
    g.add_calendar(CalendarEntry::new(TEAM, "Team"));
    let (list, _, list_token) = c.all_pages(&c.list_url(), &[]).await;
    assert_eq!(ids(&list), [WORK, TEAM]);
    let work = &list[0];
    assert_eq!(work["kind"], "calendar#calendarListEntry");
    assert_eq!(work["summary"], "Work");
    assert_eq!(work["backgroundColor"], "#3b6fd8");
    assert_eq!(work["accessRole"], "owner");
    assert_eq!(work["primary"], true);
    assert!(list[1].get("primary").is_none(), "primary only when true");

    g.remove_calendar(TEAM);
    let a = c.events(TEAM, &[]).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(
        a.body,
        json!({"error":{"errors":[{"domain":"global","reason":"notFound","message":"Not Found"}],"code":404,"message":"Not Found"}})
    );

    let inc = c.get(&c.list_url(), &[("syncToken", &list_token)]).await;
    assert_eq!(inc.status, StatusCode::OK);
    assert_eq!(
        inc.body["items"],
        json!([{"kind":"calendar#calendarListEntry","etag":inc.body["items"][0]["etag"],"id":TEAM,"deleted":true}])
    );
    let full = c.get(&c.list_url(), &[]).await;
    assert_eq!(ids(full.body["items"].as_array().unwrap()), [WORK]);
    let shown = c.get(&c.list_url(), &[("showDeleted", "true")]).await;
    assert_eq!(ids(shown.body["items"].as_array().unwrap()), [WORK, TEAM]);

    // An unknown calendar is 404 too, and so is an unknown route.
    assert_eq!(
        c.events("nobody@example.com", &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let a = c.get(&format!("{}/nothing/here", c.base), &[]).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_google_error(&a.body, 404, "notFound");
}

#[tokio::test]
async fn calendar_list_pages_and_caps_max_results() {
    let g = FakeGoogle::start().await.unwrap();
    for i in 0..5 {
        g.add_calendar(CalendarEntry::new(
            format!("cal{i}@group.calendar.google.com"),
            format!("Cal {i}"),
        ));
    }
    let c = Client::new(&g);
    let (items, pages, _) = c.all_pages(&c.list_url(), &[("maxResults", "2")]).await;
    assert_eq!(items.len(), 5);
    assert_eq!(pages, 3);
    let first = c.get(&c.list_url(), &[]).await;
    assert_eq!(first.body["kind"], "calendar#calendarList");
    assert_eq!(first.body["items"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn requests_need_the_bearer_token() {
    let (g, mut c) = fake_with_calendar().await;
    let a = reqwest::Client::new()
        .get(c.events_url(WORK))
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), StatusCode::UNAUTHORIZED);
    let body: Value = a.json().await.unwrap();
    assert_google_error(&body, 401, "authError");
    assert_eq!(body["error"]["errors"][0]["location"], "Authorization");
    assert_eq!(body["error"]["errors"][0]["locationType"], "header");

    c.token = "wrong".into();
    assert_eq!(c.events(WORK, &[]).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        c.get(&c.list_url(), &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
    g.set_access_token("wrong");
    assert_eq!(c.events(WORK, &[]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn injected_status_faults_use_google_bodies_once_each_in_order() {
    let (g, c) = fake_with_calendar().await;
    g.inject(Fault::Status {
        code: 429,
        retry_after: Some(7),
    });
    g.inject(Fault::RateLimit403 {
        reason: "rateLimitExceeded",
    });
    g.inject(Fault::RateLimit403 {
        reason: "userRateLimitExceeded",
    });
    g.inject(Fault::Unauthorized);
    g.inject(Fault::Status {
        code: 503,
        retry_after: Some(2),
    });
    g.inject(Fault::Status {
        code: 500,
        retry_after: None,
    });

    let a = c.events(WORK, &[]).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.headers["retry-after"], "7");
    assert_google_error(&a.body, 429, "rateLimitExceeded");
    assert_eq!(a.body["error"]["errors"][0]["domain"], "usageLimits");

    let a = c.events(WORK, &[]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_google_error(&a.body, 403, "rateLimitExceeded");
    assert_eq!(a.body["error"]["errors"][0]["domain"], "usageLimits");

    let a = c.get(&c.list_url(), &[]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_google_error(&a.body, 403, "userRateLimitExceeded");

    let a = c.events(WORK, &[]).await;
    assert_eq!(
        a.status,
        StatusCode::UNAUTHORIZED,
        "even with the right token"
    );
    assert_google_error(&a.body, 401, "authError");

    let a = c.events(WORK, &[]).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.headers["retry-after"], "2");
    assert_google_error(&a.body, 503, "backendError");

    let a = c.events(WORK, &[]).await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(a.headers.get("retry-after").is_none());
    assert_google_error(&a.body, 500, "backendError");

    // The queue is empty: back to normal.
    assert_eq!(c.events(WORK, &[]).await.status, StatusCode::OK);

    let log = g.requests();
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 403, 403, 401, 503, 500, 200]);
    assert_eq!(
        log[0].fault,
        Some(Fault::Status {
            code: 429,
            retry_after: Some(7)
        })
    );
    assert_eq!(log[6].fault, None);
    assert_eq!(log[2].path, "/calendar/v3/users/me/calendarList");
}

#[tokio::test]
async fn slow_fault_and_latency_delay_the_answer() {
    let (g, c) = fake_with_calendar().await;
    g.inject(Fault::Slow(Duration::from_millis(300)));
    let t = Instant::now();
    assert_eq!(c.events(WORK, &[]).await.status, StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(300));

    // A client timeout shorter than the delay fails.
    g.inject(Fault::Slow(Duration::from_millis(500)));
    let err = c
        .http
        .get(c.events_url(WORK))
        .bearer_auth(&c.token)
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());

    g.set_latency(Duration::from_millis(150));
    let t = Instant::now();
    assert_eq!(c.events(WORK, &[]).await.status, StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(150));
    g.set_latency(Duration::ZERO);
}

#[tokio::test]
async fn dropped_body_fails_while_reading() {
    let (g, c) = fake_with_calendar().await;
    for i in 0..20 {
        g.put_event(
            WORK,
            timed(&format!("e{i:02}"), "Meeting", "2026-11-16T09:00:00Z", 30),
        );
    }
    g.inject(Fault::DropMidBody);
    let r = c
        .http
        .get(c.events_url(WORK))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.is_err(), "the body must not arrive whole");
    // The next request on a fresh connection works.
    assert_eq!(c.events(WORK, &[]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn malformed_json_does_not_parse() {
    let (g, c) = fake_with_calendar().await;
    g.put_event(WORK, timed("e", "Meeting", "2026-11-16T09:00:00Z", 30));
    g.inject(Fault::MalformedJson);
    let r = c
        .http
        .get(c.events_url(WORK))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(text.starts_with('{'), "{text}");
    assert!(serde_json::from_str::<Value>(&text).is_err());
    assert_eq!(c.events(WORK, &[]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_request_log_records_paths_and_parameters() {
    let (g, c) = fake_with_calendar().await;
    c.events(WORK, &[("singleEvents", "true"), ("maxResults", "50")])
        .await;
    let log = g.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].method, "GET");
    assert_eq!(
        log[0].path,
        "/calendar/v3/calendars/alex%40example.com/events"
    );
    assert_eq!(log[0].param("singleEvents"), Some("true"));
    assert_eq!(log[0].param("maxResults"), Some("50"));
    assert_eq!(log[0].status, 200);
    g.clear_requests();
    assert!(g.requests().is_empty());
    // Ids with '@' work unencoded too.
    let a = c
        .get(&format!("{}/calendars/{WORK}/events", c.base), &[])
        .await;
    assert_eq!(a.status, StatusCode::OK);
}

#[tokio::test]
async fn events_get_returns_one_event() {
    let (g, c) = fake_with_calendar().await;
    g.put_event(WORK, timed("one", "Single", "2026-11-16T09:00:00Z", 30));
    let url = format!("{}/one", c.events_url(WORK));
    let a = c.get(&url, &[]).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body["summary"], "Single");
    g.delete_event(WORK, "one");
    assert_eq!(c.get(&url, &[]).await.status, StatusCode::GONE);
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let (g, c) = fake_with_calendar().await;
    assert_eq!(c.events(WORK, &[]).await.status, StatusCode::OK);
    g.shutdown();
    let mut refused = false;
    for _ in 0..50 {
        // A fresh client, so no pooled connection hides the shutdown.
        if reqwest::Client::new()
            .get(c.events_url(WORK))
            .bearer_auth(&c.token)
            .send()
            .await
            .is_err()
        {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused);
}

fn record(time: EventTime) -> EventRecord {
    EventRecord {
        provider_id: "standup-2026-11-20".into(),
        title: "Daily standup".into(),
        description: Some("Notes".into()),
        location: Some("Room 1".into()),
        time,
        time_zone: Some("Europe/Berlin".into()),
        status: EventStatus::Confirmed,
        my_response: Some(Response::Declined),
        is_organizer: false,
        attendee_count: 3,
        series_id: Some("standup".into()),
        link: Some("https://calendar.google.com/calendar/event?eid=x".into()),
        updated_at: Some(utc("2026-11-13T09:30:00Z")),
        kind: Default::default(),
        show_as: Default::default(),
    }
}

#[test]
fn event_json_maps_a_timed_instance() {
    let r = record(EventTime::Timed {
        start: utc("2026-11-20T08:30:00Z"),
        end: utc("2026-11-20T08:45:00Z"),
    });
    let e = event_json_as(&r, "alex@example.com");
    assert_eq!(e["id"], "standup-2026-11-20");
    assert_eq!(e["status"], "confirmed");
    assert_eq!(e["summary"], "Daily standup");
    assert_eq!(e["description"], "Notes");
    assert_eq!(e["location"], "Room 1");
    assert_eq!(
        e["start"],
        json!({"dateTime": "2026-11-20T09:30:00+01:00", "timeZone": "Europe/Berlin"})
    );
    assert_eq!(e["end"]["dateTime"], "2026-11-20T09:45:00+01:00");
    assert_eq!(e["recurringEventId"], "standup");
    assert_eq!(e["originalStartTime"], e["start"]);
    assert_eq!(e["updated"], "2026-11-13T09:30:00.000Z");
    assert_eq!(
        e["htmlLink"],
        "https://calendar.google.com/calendar/event?eid=x"
    );
    let attendees = e["attendees"].as_array().unwrap();
    assert_eq!(attendees.len(), 4);
    let me: Vec<_> = attendees.iter().filter(|a| a["self"] == true).collect();
    assert_eq!(me.len(), 1);
    assert_eq!(me[0]["responseStatus"], "declined");
    assert_eq!(me[0]["email"], "alex@example.com");
    assert!(e["organizer"].get("self").is_none());

    let mut r = r;
    r.is_organizer = true;
    r.my_response = Some(Response::NeedsAction);
    r.time_zone = None;
    let e = event_json(&r);
    assert_eq!(e["organizer"]["self"], true);
    assert_eq!(e["attendees"][0]["responseStatus"], "needsAction");
    assert_eq!(e["start"], json!({"dateTime": "2026-11-20T08:30:00Z"}));
}

#[test]
fn event_json_maps_an_all_day_event() {
    let mut r = record(EventTime::AllDay {
        start: NaiveDate::from_ymd_opt(2026, 11, 18).unwrap(),
        end: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
    });
    r.my_response = None;
    r.attendee_count = 0;
    r.series_id = None;
    r.status = EventStatus::Tentative;
    let e = event_json(&r);
    assert_eq!(e["start"], json!({"date": "2026-11-18"}));
    assert_eq!(
        e["end"],
        json!({"date": "2026-11-21"}),
        "end stays exclusive"
    );
    assert_eq!(e["status"], "tentative");
    assert!(e.get("attendees").is_none());
    assert!(e.get("recurringEventId").is_none());
}

#[tokio::test]
async fn load_demo_serves_the_google_calendars() {
    let tz: Tz = "Europe/Berlin".parse().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let world = demo::world(today, tz);
    let g = FakeGoogle::start().await.unwrap();
    g.load_demo(&world);
    g.set_page_size(40);
    let c = Client::new(&g);

    let google: Vec<_> = world
        .iter()
        .filter(|a| a.provider == Provider::Google)
        .flat_map(|a| &a.sources)
        .filter(|s| s.record.kind == SourceKind::Calendar)
        .collect();
    let (list, _, _) = c.all_pages(&c.list_url(), &[]).await;
    let mut want: Vec<&str> = google
        .iter()
        .map(|s| s.record.provider_id.as_str())
        .collect();
    want.sort_unstable();
    assert_eq!(ids(&list), want, "only the Google account's calendars");
    let primary = list.iter().find(|e| e["primary"] == true).unwrap();
    assert_eq!(primary["id"], "alex@example.com");
    assert_eq!(primary["timeZone"], "Europe/Berlin");

    for source in google {
        let id = &source.record.provider_id;
        let (items, pages, token) = c
            .all_pages(&c.events_url(id), &[("singleEvents", "true")])
            .await;
        assert!(pages > 1 || items.len() <= 40);
        let mut expected: Vec<&str> = source
            .events
            .iter()
            .filter(|e| e.status != EventStatus::Cancelled)
            .map(|e| e.provider_id.as_str())
            .collect();
        expected.sort_unstable();
        assert_eq!(ids(&items), expected, "calendar {id}");
        assert_eq!(items.len(), g.live_events(id).len());
        // Nothing changes behind the token.
        let a = c.events(id, &[("syncToken", &token)]).await;
        assert_eq!(a.body["items"], json!([]));

        for e in &source.events {
            let Some(wire) = items.iter().find(|w| w["id"] == e.provider_id.as_str()) else {
                continue;
            };
            assert_eq!(wire["summary"], e.title.as_str());
            match e.time {
                EventTime::AllDay { start, end } => {
                    assert_eq!(wire["start"]["date"], start.to_string());
                    assert_eq!(wire["end"]["date"], end.to_string());
                }
                EventTime::Timed { start, .. } => {
                    let got = utc(wire["start"]["dateTime"].as_str().unwrap());
                    assert_eq!(got, start);
                    assert_eq!(wire["start"]["timeZone"], "Europe/Berlin");
                }
            }
            if let Some(r) = e.my_response {
                let me = wire["attendees"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|a| a["self"] == true)
                    .unwrap();
                let want = match r {
                    Response::Accepted => "accepted",
                    Response::Declined => "declined",
                    Response::Tentative => "tentative",
                    Response::NeedsAction => "needsAction",
                };
                assert_eq!(me["responseStatus"], want);
                assert_eq!(me["email"], "alex@example.com");
            }
            assert_eq!(
                wire["recurringEventId"].as_str(),
                e.series_id.as_deref(),
                "{}",
                e.provider_id
            );
        }
    }
    // The demo's declined meetings come through.
    let work = g.live_events("alex@example.com");
    assert!(work.iter().any(|e| {
        e["attendees"].as_array().is_some_and(|a| {
            a.iter()
                .any(|a| a["self"] == true && a["responseStatus"] == "declined")
        })
    }));
    // And its cancelled ones are there for showDeleted.
    let all = c
        .all_pages(
            &c.events_url("alex@example.com"),
            &[("showDeleted", "true")],
        )
        .await
        .0;
    assert!(all.iter().any(|e| e["status"] == "cancelled"));
}

// ---------------------------------------------------------------------------
// Recurring series, the clock and a last page without a sync token

/// A weekly 1:1 in Berlin from Monday 2 March 2026, 15:00, as Google stores
/// its master: an `RRULE` and an `EXDATE` in the event's zone.
fn weekly_master(rule: &str) -> Value {
    json!({
        "id": "oneonone",
        "summary": "1:1 with Sam",
        "start": {"dateTime": "2026-03-02T15:00:00+01:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-03-02T15:30:00+01:00", "timeZone": "Europe/Berlin"},
        "recurrence": [rule, "EXDATE;TZID=Europe/Berlin:20260309T150000"],
    })
}

fn clock_at(s: &str) -> vica_core::clock::ManualClock {
    vica_core::clock::ManualClock::new(utc(s))
}

#[tokio::test]
async fn series_are_masters_expanded_into_instances_for_the_window() {
    let (g, c) = fake_with_calendar().await;
    g.set_clock(clock_at("2026-03-01T08:00:00Z").shared());
    g.put_event(WORK, weekly_master("RRULE:FREQ=WEEKLY"));
    // 16 March moved an hour later and retitled; 23 March cancelled.
    g.put_event(
        WORK,
        json!({
            "recurringEventId": "oneonone",
            "originalStartTime": {"dateTime": "2026-03-16T15:00:00+01:00", "timeZone": "Europe/Berlin"},
            "summary": "1:1 (moved)",
            "start": {"dateTime": "2026-03-16T16:00:00+01:00", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": "2026-03-16T16:30:00+01:00", "timeZone": "Europe/Berlin"},
        }),
    );
    g.cancel_instance(
        WORK,
        "oneonone",
        json!({"dateTime": "2026-03-23T15:00:00+01:00", "timeZone": "Europe/Berlin"}),
    );
    g.put_event(WORK, timed("lunch", "Lunch", "2026-03-04T11:00:00Z", 60));
    let window = [
        ("timeMin", "2026-03-01T00:00:00Z"),
        ("timeMax", "2026-04-01T00:00:00Z"),
    ];
    let (items, _, _) = c
        .all_pages(
            &c.events_url(WORK),
            &[window[0], window[1], ("singleEvents", "true")],
        )
        .await;
    // Ids as Google forms them: the master's, then the original start in
    // UTC; Berlin is UTC+2 from 29 March. 9 March is an EXDATE, 23 March cancelled.
    assert_eq!(
        ids(&items),
        [
            "lunch",
            "oneonone_20260302T140000Z",
            "oneonone_20260316T140000Z",
            "oneonone_20260330T130000Z",
        ]
    );
    let first = &items[1];
    assert_eq!(first["recurringEventId"], "oneonone");
    assert_eq!(first["summary"], "1:1 with Sam");
    assert_eq!(
        first["originalStartTime"],
        json!({"dateTime": "2026-03-02T15:00:00+01:00", "timeZone": "Europe/Berlin"})
    );
    assert_eq!(first["start"], first["originalStartTime"]);
    assert!(first.get("recurrence").is_none(), "instances carry no rule");
    let moved = &items[2];
    assert_eq!(moved["summary"], "1:1 (moved)");
    assert_eq!(moved["start"]["dateTime"], "2026-03-16T16:00:00+01:00");
    assert_eq!(
        moved["originalStartTime"]["dateTime"],
        "2026-03-16T15:00:00+01:00"
    );
    assert_eq!(items[3]["start"]["dateTime"], "2026-03-30T15:00:00+02:00");
    let mut truth = g.instances(WORK, Some(utc(window[0].1)), Some(utc(window[1].1)));
    truth.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    assert_eq!(
        truth, items,
        "the truth for tests is what the listing shows"
    );
    // The window bounds instances by their times, a moved one by where it went.
    let (items, _, _) = c
        .all_pages(
            &c.events_url(WORK),
            &[
                ("timeMin", "2026-03-16T15:10:00+01:00"),
                ("timeMax", "2026-03-20T00:00:00Z"),
                ("singleEvents", "true"),
            ],
        )
        .await;
    assert_eq!(ids(&items), ["oneonone_20260316T140000Z"]);

    // Without singleEvents: the master with its rule, and its exceptions
    // (the cancelled one too, in its minimal shape).
    let (items, _, _) = c.all_pages(&c.events_url(WORK), &window).await;
    assert_eq!(
        ids(&items),
        [
            "lunch",
            "oneonone",
            "oneonone_20260316T140000Z",
            "oneonone_20260323T140000Z"
        ]
    );
    assert_eq!(items[1]["recurrence"][0], "RRULE:FREQ=WEEKLY");
    assert_eq!(
        items[3],
        json!({
            "kind": "calendar#event", "etag": items[3]["etag"], "id": "oneonone_20260323T140000Z",
            "status": "cancelled", "recurringEventId": "oneonone",
            "originalStartTime": {"dateTime": "2026-03-23T15:00:00+01:00", "timeZone": "Europe/Berlin"},
        })
    );

    // events.get answers for an instance id, and events.delete on one
    // cancels that instance only.
    let url = format!("{}/oneonone_20260406T130000Z", c.events_url(WORK));
    let a = c.get(&url, &[]).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["start"]["dateTime"], "2026-04-06T15:00:00+02:00");
    g.delete_event(WORK, "oneonone_20260406T130000Z");
    let listed = g.instances(
        WORK,
        Some(utc("2026-04-01T00:00:00Z")),
        Some(utc("2026-04-20T00:00:00Z")),
    );
    assert_eq!(
        ids(&listed),
        ["oneonone_20260413T130000Z"],
        "6 April is gone, 13 April stays"
    );
}

#[tokio::test]
async fn all_day_series_use_date_ids() {
    let (g, c) = fake_with_calendar().await;
    g.set_clock(clock_at("2026-03-01T08:00:00Z").shared());
    g.put_event(
        WORK,
        json!({"id": "payday", "summary": "Payday", "start": {"date": "2026-03-27"}, "end": {"date": "2026-03-28"},
               "recurrence": ["RRULE:FREQ=MONTHLY;COUNT=3"]}),
    );
    let (items, _, _) = c
        .all_pages(&c.events_url(WORK), &[("singleEvents", "true")])
        .await;
    assert_eq!(
        ids(&items),
        ["payday_20260327", "payday_20260427", "payday_20260527"]
    );
    assert_eq!(items[1]["start"], json!({"date": "2026-04-27"}));
    assert_eq!(items[1]["end"], json!({"date": "2026-04-28"}));
    assert_eq!(items[1]["originalStartTime"], json!({"date": "2026-04-27"}));
}

#[tokio::test]
async fn a_sync_token_returns_a_series_only_when_it_changed_and_then_all_of_it() {
    let (g, c) = fake_with_calendar().await;
    let clock = clock_at("2026-03-01T08:00:00Z");
    g.set_clock(clock.shared());
    g.put_event(WORK, weekly_master("RRULE:FREQ=WEEKLY"));
    g.put_event(WORK, timed("lunch", "Lunch", "2026-03-04T11:00:00Z", 60));
    let single = ("singleEvents", "true");
    let window = [
        single,
        ("timeMin", "2026-03-01T00:00:00Z"),
        ("timeMax", "2026-03-29T00:00:00Z"),
    ];
    let (_, _, token) = c.all_pages(&c.events_url(WORK), &window).await;
    // Weeks pass; nothing changed: nothing comes back, not even the
    // instances that now lie ahead.
    clock.advance(chrono::Duration::weeks(8));
    let (items, _, token) = c
        .all_pages(&c.events_url(WORK), &[single, ("syncToken", &token)])
        .await;
    assert_eq!(ids(&items), Vec::<&str>::new());

    // One instance moved: only that exception comes back.
    g.put_event(
        WORK,
        json!({
            "recurringEventId": "oneonone",
            "originalStartTime": {"dateTime": "2026-06-01T15:00:00+02:00", "timeZone": "Europe/Berlin"},
            "summary": "1:1 (moved)",
            "start": {"dateTime": "2026-06-02T15:00:00+02:00", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": "2026-06-02T15:30:00+02:00", "timeZone": "Europe/Berlin"},
        }),
    );
    let (items, _, token) = c
        .all_pages(&c.events_url(WORK), &[single, ("syncToken", &token)])
        .await;
    assert_eq!(ids(&items), ["oneonone_20260601T130000Z"]);

    // The series renamed: every instance from its first to 730 past now,
    // the moved one as its exception.
    let mut master = weekly_master("RRULE:FREQ=WEEKLY");
    master["summary"] = json!("1:1 with Sam and Kim");
    g.put_event(WORK, master);
    let (items, _, token) = c
        .all_pages(&c.events_url(WORK), &[single, ("syncToken", &token)])
        .await;
    let now = vica_core::clock::Clock::now(&clock);
    let ahead = items
        .iter()
        .filter(|e| utc(e["start"]["dateTime"].as_str().unwrap()) > now)
        .count();
    assert_eq!(ahead, vica_fakes::google::INSTANCES_AHEAD);
    // Eight Mondays from 2 March to now (26 April), less the EXDATE of 9 March.
    assert_eq!(items.len(), 7 + vica_fakes::google::INSTANCES_AHEAD);
    assert_eq!(items[0]["id"], "oneonone_20260302T140000Z");
    assert!(items.iter().all(|e| e["recurringEventId"] == "oneonone"));
    assert!(
        items
            .iter()
            .filter(|e| e["id"] != "oneonone_20260601T130000Z")
            .all(|e| e["summary"] == "1:1 with Sam and Kim")
    );
    let last = items.last().unwrap()["start"]["dateTime"].as_str().unwrap();
    assert!(last.starts_with("2040-"), "years ahead: {last}");

    // The series ended in August: the instances after it come back cancelled.
    g.put_event(
        WORK,
        weekly_master("RRULE:FREQ=WEEKLY;UNTIL=20260831T215959Z"),
    );
    let (items, _, token) = c
        .all_pages(&c.events_url(WORK), &[single, ("syncToken", &token)])
        .await;
    let live: Vec<&Value> = items
        .iter()
        .filter(|e| e["status"] != "cancelled")
        .collect();
    let cancelled: Vec<&Value> = items
        .iter()
        .filter(|e| e["status"] == "cancelled")
        .collect();
    assert_eq!(live.last().unwrap()["id"], "oneonone_20260831T130000Z");
    assert_eq!(live.len(), 27 - 1, "27 Mondays to 31 August, less 9 March");
    assert!(!cancelled.is_empty());
    for e in &cancelled {
        assert!(e["id"].as_str().unwrap().as_bytes() > b"oneonone_20260831T130000Z".as_slice());
        assert_eq!(e["recurringEventId"], "oneonone");
        assert!(e["originalStartTime"]["dateTime"].is_string());
        assert!(e.get("summary").is_none(), "minimal: {e}");
    }

    // The one-off edited: it alone.
    g.put_event(
        WORK,
        timed("lunch", "Long lunch", "2026-03-04T11:00:00Z", 90),
    );
    let (items, _, token) = c
        .all_pages(&c.events_url(WORK), &[single, ("syncToken", &token)])
        .await;
    assert_eq!(ids(&items), ["lunch"]);

    // The series deleted: all its instances, cancelled.
    g.delete_event(WORK, "oneonone");
    let (items, _, _) = c
        .all_pages(&c.events_url(WORK), &[single, ("syncToken", &token)])
        .await;
    assert_eq!(items.len(), 26, "{:?}", ids(&items));
    assert!(items.iter().all(|e| e["status"] == "cancelled"));
    assert!(
        g.instances(WORK, None, None)
            .iter()
            .all(|e| e["id"] == "lunch")
    );

    // Without singleEvents the token returns the master itself.
    let (_, _, token) = c.all_pages(&c.events_url(WORK), &[]).await;
    g.put_event(WORK, weekly_master("RRULE:FREQ=DAILY"));
    let (items, _, _) = c
        .all_pages(&c.events_url(WORK), &[("syncToken", &token)])
        .await;
    assert_eq!(ids(&items), ["oneonone"]);
    assert_eq!(items[0]["recurrence"][0], "RRULE:FREQ=DAILY");
}

#[tokio::test]
async fn stamps_follow_the_clock_the_test_sets() {
    let (g, c) = fake_with_calendar().await;
    let clock = clock_at("2026-03-02T09:00:00Z");
    g.set_clock(clock.shared());
    let stored = g.put_event(WORK, timed("a", "A", "2026-03-03T09:00:00Z", 30));
    assert_eq!(stored["created"], "2026-03-02T09:00:00.000Z");
    assert_eq!(stored["updated"], "2026-03-02T09:00:00.000Z");
    clock.advance(chrono::Duration::weeks(3));
    let stored = g.put_event(WORK, timed("a", "A again", "2026-03-03T09:00:00Z", 30));
    assert_eq!(stored["created"], "2026-03-02T09:00:00.000Z");
    assert_eq!(stored["updated"], "2026-03-23T09:00:00.000Z");
    let page = c.events(WORK, &[]).await;
    assert_eq!(page.body["updated"], "2026-03-23T09:00:00.000Z");
    // How far an endless series goes moves with the clock.
    g.put_event(WORK, weekly_master("RRULE:FREQ=WEEKLY"));
    let count = |g: &FakeGoogle| g.instances(WORK, None, None).len();
    let before = count(&g);
    clock.advance(chrono::Duration::weeks(5));
    assert_eq!(count(&g), before + 5);
}

#[tokio::test]
async fn a_last_page_can_come_without_a_sync_token() {
    let (g, c) = fake_with_calendar().await;
    for i in 0..5 {
        g.put_event(
            WORK,
            timed(&format!("e{i}"), "E", "2026-03-03T09:00:00Z", 30),
        );
    }
    g.set_page_size(3);
    g.set_drop_sync_token(true);
    let first = c.events(WORK, &[]).await;
    let next = first.body["nextPageToken"].as_str().unwrap().to_owned();
    let last = c.events(WORK, &[("pageToken", &next)]).await;
    assert_eq!(ids(last.body["items"].as_array().unwrap()), ["e3", "e4"]);
    assert!(last.body.get("nextPageToken").is_none());
    assert!(last.body.get("nextSyncToken").is_none());
    g.set_drop_sync_token(false);
    let last = c.events(WORK, &[("pageToken", &next)]).await;
    assert!(last.body["nextSyncToken"].is_string());
}

#[tokio::test]
async fn instances_page_with_page_tokens_wherever_a_page_ends() {
    let (g, c) = fake_with_calendar().await;
    g.set_clock(clock_at("2026-03-01T08:00:00Z").shared());
    g.put_event(WORK, weekly_master("RRULE:FREQ=WEEKLY;COUNT=10"));
    g.put_event(WORK, timed("a", "A", "2026-03-03T09:00:00Z", 30));
    g.put_event(WORK, timed("z", "Z", "2026-03-03T09:00:00Z", 30));
    let everything = g.instances(WORK, None, None);
    assert_eq!(everything.len(), 2 + 9);
    for size in [1, 2, 4, 50] {
        g.set_page_size(size);
        let (items, pages, _) = c
            .all_pages(&c.events_url(WORK), &[("singleEvents", "true")])
            .await;
        let mut got: Vec<&str> = ids(&items);
        got.sort_unstable();
        let mut want: Vec<&str> = ids(&everything);
        want.sort_unstable();
        assert_eq!(got, want, "page size {size}");
        assert_eq!(pages, 11_usize.div_ceil(size), "page size {size}");
    }
}
