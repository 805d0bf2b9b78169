//! The fake Todoist server, exercised over real HTTP on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use vica_core::clock::ManualClock;
use vica_core::demo;
use vica_core::model::{Provider, SourceKind, TaskRecord};
use vica_fakes::FakeServer;
use vica_fakes::todoist::{
    DEFAULT_ACCESS_TOKEN, FakeTodoist, Fault, Plan, ProjectEntry, task_json, todoist_instant,
};

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
    fn new(t: &FakeTodoist) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: t.base_url(),
            token: DEFAULT_ACCESS_TOKEN.into(),
        }
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Answer {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
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

    /// POSTs `/sync` with a form body, or a JSON one.
    async fn sync(&self, form: &[(&str, &str)], json_body: Option<Value>) -> Answer {
        let req = self
            .http
            .post(format!("{}/sync", self.base))
            .bearer_auth(&self.token);
        let req = match json_body {
            Some(b) => req.json(&b),
            None => req.form(form),
        };
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

    /// Follows `next_cursor` to the end; returns the items under `key` and the page count.
    async fn all(&self, path: &str, query: &[(&str, &str)], key: &str) -> (Vec<Value>, usize) {
        let mut items = Vec::new();
        let mut pages = 0;
        let mut cursor: Option<String> = None;
        loop {
            let mut q = query.to_vec();
            if let Some(c) = &cursor {
                q.push(("cursor", c));
            }
            let a = self.get(path, &q).await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.body);
            pages += 1;
            items.extend(a.body[key].as_array().unwrap().iter().cloned());
            match a.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return (items, pages),
            }
        }
    }
}

fn ids(items: &[Value]) -> Vec<&str> {
    items.iter().map(|t| t["id"].as_str().unwrap()).collect()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn assert_todoist_error(body: &Value, status: u16, tag: &str) {
    assert_eq!(body["http_code"], status, "{body}");
    assert_eq!(body["error_tag"], tag, "{body}");
    assert!(body["error"].is_string(), "{body}");
    assert!(body["error_code"].is_number(), "{body}");
}

async fn fake_with_projects() -> (FakeTodoist, Client) {
    let t = FakeTodoist::start().await.unwrap();
    let mut work = ProjectEntry::new("p-work", "Work");
    work.color = "berry_red".into();
    t.add_project(work);
    let mut inbox = ProjectEntry::new("p-inbox", "Inbox");
    inbox.inbox_project = true;
    t.add_project(inbox);
    let c = Client::new(&t);
    (t, c)
}

const COMPLETED: &str = "/tasks/completed/by_completion_date";

#[tokio::test]
async fn projects_and_sections_page_with_cursors() {
    let (t, c) = fake_with_projects().await;
    for i in 0..3 {
        t.add_project(ProjectEntry::new(format!("p{i}"), format!("Project {i}")));
    }
    t.add_section("p-work", "s1", "Admin");
    let (projects, pages) = c.all("/projects", &[("limit", "2")], "results").await;
    assert_eq!(projects.len(), 5);
    assert_eq!(pages, 3);
    let work = projects.iter().find(|p| p["id"] == "p-work").unwrap();
    assert_eq!(work["color"], "berry_red");
    assert_eq!(work["is_archived"], false);
    assert!(projects.iter().any(|p| p["inbox_project"] == true));
    let sections = c.get("/sections", &[("project_id", "p-work")]).await;
    assert_eq!(sections.body["results"][0]["name"], "Admin");
    assert_eq!(sections.body["next_cursor"], Value::Null);
    t.remove_project("p0");
    let (projects, _) = c.all("/projects", &[], "results").await;
    assert!(!ids(&projects).contains(&"p0"));
    let a = c.get("/tasks", &[("project_id", "p0")]).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_todoist_error(&a.body, 404, "NOT_FOUND");
    let a = c.get("/projects", &[("limit", "500")]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn active_and_completed_tasks_are_listed_apart() {
    let (t, c) = fake_with_projects().await;
    for i in 0..5 {
        t.put_task(json!({"id": format!("open{i}"), "project_id": "p-work", "content": format!("Open {i}"),
                          "due": {"date": "2026-11-24", "is_recurring": false, "string": "Nov 24", "lang": "en"}}));
    }
    t.put_task(json!({"id": "inbox1", "project_id": "p-inbox", "content": "Elsewhere"}));
    t.put_task(json!({"id": "done1", "project_id": "p-work", "content": "Done", "labels": ["work"], "priority": 4}));
    t.complete_task("done1", at("2026-11-16T10:30:00Z"));
    t.put_task(json!({"id": "done2", "project_id": "p-work", "content": "Done earlier"}));
    t.complete_task("done2", at("2026-08-01T10:00:00Z"));

    let (open, pages) = c
        .all(
            "/tasks",
            &[("project_id", "p-work"), ("limit", "2")],
            "results",
        )
        .await;
    assert_eq!(ids(&open), ["open0", "open1", "open2", "open3", "open4"]);
    assert_eq!(pages, 3);
    assert!(
        open.iter()
            .all(|t| t["checked"] == false && t["completed_at"].is_null())
    );
    for key in [
        "user_id",
        "section_id",
        "parent_id",
        "labels",
        "priority",
        "description",
        "added_at",
        "updated_at",
        "due",
    ] {
        assert!(open[0].get(key).is_some(), "{key} is always sent");
    }

    let q = [
        ("since", "2026-11-01T00:00:00Z"),
        ("until", "2026-11-30T00:00:00Z"),
        ("project_id", "p-work"),
    ];
    let a = c.get(COMPLETED, &q).await;
    assert_eq!(ids(a.body["items"].as_array().unwrap()), ["done1"]);
    let done = &a.body["items"][0];
    assert_eq!(done["checked"], true);
    assert_eq!(done["completed_at"], "2026-11-16T10:30:00.000000Z");
    assert_eq!(done["labels"], json!(["work"]));
    assert_eq!(done["priority"], 4);
    // Naive times count as UTC; until is inclusive.
    let a = c
        .get(
            COMPLETED,
            &[
                ("since", "2026-11-16T10:30:00"),
                ("until", "2026-11-16T10:30:00"),
            ],
        )
        .await;
    assert_eq!(ids(a.body["items"].as_array().unwrap()), ["done1"]);
    // A reopened task is open again; a deleted one is nowhere.
    t.reopen_task("done1");
    t.delete_task("open0");
    let a = c.get(COMPLETED, &q).await;
    assert!(a.body["items"].as_array().unwrap().is_empty());
    let (open, _) = c
        .all("/tasks", &[("project_id", "p-work")], "results")
        .await;
    assert!(ids(&open).contains(&"done1") && !ids(&open).contains(&"open0"));
    t.move_task("open1", "p-inbox");
    let (inbox, _) = c
        .all("/tasks", &[("project_id", "p-inbox")], "results")
        .await;
    assert_eq!(ids(&inbox), ["inbox1", "open1"]);
    assert_eq!(t.tasks("p-inbox").len(), 2);
}

#[tokio::test]
async fn the_completed_endpoint_checks_its_range_and_pages() {
    let (t, c) = fake_with_projects().await;
    let base = at("2026-11-02T09:00:00Z");
    for i in 0..7 {
        t.put_task(json!({"id": format!("d{i}"), "project_id": "p-work", "content": "Done"}));
        t.complete_task(&format!("d{i}"), base + Duration::hours(i));
    }
    let a = c.get(COMPLETED, &[("since", "2026-11-01T00:00:00Z")]).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_todoist_error(&a.body, 400, "ARGUMENT_MISSING");
    assert_eq!(a.body["error_extra"]["argument"], "until");
    let a = c
        .get(
            COMPLETED,
            &[
                ("since", "2026-01-01T00:00:00Z"),
                ("until", "2026-11-30T00:00:00Z"),
            ],
        )
        .await;
    assert_eq!(
        a.status,
        StatusCode::BAD_REQUEST,
        "more than three months at once"
    );
    t.set_max_completed_span(Duration::days(400));
    let a = c
        .get(
            COMPLETED,
            &[
                ("since", "2026-01-01T00:00:00Z"),
                ("until", "2026-11-30T00:00:00Z"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    t.set_max_completed_span(Duration::days(92));

    let q = [
        ("since", "2026-11-01T00:00:00Z"),
        ("until", "2026-11-30T00:00:00Z"),
        ("limit", "3"),
    ];
    let (items, pages) = c.all(COMPLETED, &q, "items").await;
    assert_eq!(
        ids(&items),
        ["d0", "d1", "d2", "d3", "d4", "d5", "d6"],
        "by completion time"
    );
    assert_eq!(pages, 3);
    // A cursor belongs to its query.
    let first = c.get(COMPLETED, &q).await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let other = c
        .get(
            COMPLETED,
            &[
                ("since", "2026-11-02T00:00:00Z"),
                ("until", "2026-11-30T00:00:00Z"),
                ("cursor", cursor),
            ],
        )
        .await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST);
    // A forgotten cursor.
    t.invalidate_cursors();
    let a = c
        .get(COMPLETED, &[q[0], q[1], q[2], ("cursor", cursor)])
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_todoist_error(&a.body, 400, "INVALID_ARGUMENT_VALUE");
    assert_eq!(a.body["error_extra"]["argument"], "cursor");
    // The page size caps `limit`.
    t.set_page_size(2);
    let (_, pages) = c.all(COMPLETED, &[q[0], q[1]], "items").await;
    assert_eq!(pages, 4);
}

#[tokio::test]
async fn rate_limits_carry_retry_after_in_the_body() {
    let (t, c) = fake_with_projects().await;
    t.throttle_next(66, false);
    t.throttle_next(3, true);
    let a = c.get("/projects", &[]).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_todoist_error(&a.body, 429, "LIMITS_REACHED");
    assert_eq!(a.body["error_extra"]["retry_after"], 66);
    assert!(a.headers.get("retry-after").is_none());
    let a = c.get("/projects", &[]).await;
    assert_eq!(a.headers["retry-after"], "3");
    assert_eq!(c.get("/projects", &[]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn requests_need_the_token_and_faults_use_todoist_bodies() {
    let (t, mut c) = fake_with_projects().await;
    c.token = "wrong".into();
    let a = c.get("/projects", &[]).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_todoist_error(&a.body, 401, "AUTH_INVALID_TOKEN");
    t.set_access_token("wrong");
    assert_eq!(c.get("/projects", &[]).await.status, StatusCode::OK);
    t.set_access_token(DEFAULT_ACCESS_TOKEN);
    c.token = DEFAULT_ACCESS_TOKEN.into();

    let cases = [
        (401, "AUTH_INVALID_TOKEN"),
        (403, "AUTH_INSUFFICIENT_TOKEN_SCOPE"),
        (404, "NOT_FOUND"),
        (410, "DEPRECATED"),
        (429, "LIMITS_REACHED"),
        (500, "INTERNAL_SERVER_ERROR"),
    ];
    for (code, _) in cases {
        t.inject(Fault::Status {
            code,
            retry_after: (code == 429).then_some(5),
        });
    }
    for (code, tag) in cases {
        let a = c.get("/tasks", &[("project_id", "p-work")]).await;
        assert_eq!(a.status.as_u16(), code);
        assert_todoist_error(&a.body, code, tag);
        if code == 429 {
            assert_eq!(a.headers["retry-after"], "5");
        }
    }
    t.put_task(json!({"id": "x", "project_id": "p-work", "content": "A task with some length"}));
    t.inject(Fault::MalformedJson);
    let r = c
        .http
        .get(format!("{}/tasks", c.base))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());
    t.inject(Fault::DropMidBody);
    let r = c
        .http
        .get(format!("{}/tasks", c.base))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert!(r.bytes().await.is_err());
    assert_eq!(c.get("/tasks", &[]).await.status, StatusCode::OK);
    let statuses: Vec<u16> = t.requests().iter().map(|r| r.status).collect();
    assert_eq!(&statuses[2..8], [401, 403, 404, 410, 429, 500]);
}

#[test]
fn task_json_maps_records_to_todoist_tasks() {
    let record = TaskRecord {
        provider_id: "7025".into(),
        content: "Write doc".into(),
        description: None,
        section: None,
        labels: vec!["writing".into()],
        priority: 3,
        due_date: NaiveDate::from_ymd_opt(2026, 11, 20),
        completed_at: Some(at("2026-11-19T15:45:00Z")),
        link: None,
        updated_at: None,
    };
    let t = task_json(&record, "p-work", Some("s1"));
    assert_eq!(t["id"], "7025");
    assert_eq!(t["project_id"], "p-work");
    assert_eq!(t["section_id"], "s1");
    assert_eq!(t["checked"], true);
    assert_eq!(t["completed_at"], "2026-11-19T15:45:00.000000Z");
    assert_eq!(t["due"]["date"], "2026-11-20");
    assert_eq!(t["due"]["is_recurring"], false);
    assert_eq!(t["priority"], 3);
    assert_eq!(t["description"], "");
    assert_eq!(
        todoist_instant(at("2026-01-02T03:04:05Z")),
        "2026-01-02T03:04:05.000000Z"
    );
}

#[tokio::test]
async fn load_demo_serves_the_todoist_projects() {
    let tz: Tz = "Europe/Berlin".parse().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let world = demo::world(today, tz);
    let t = FakeTodoist::start().await.unwrap();
    t.load_demo(&world);
    let c = Client::new(&t);
    let (projects, _) = c.all("/projects", &[], "results").await;
    let account = world
        .iter()
        .find(|a| a.provider == Provider::Todoist)
        .unwrap();
    assert_eq!(projects.len(), account.sources.len());
    for source in account
        .sources
        .iter()
        .filter(|s| s.record.kind == SourceKind::Project)
    {
        let id = source.record.provider_id.as_str();
        let p = projects.iter().find(|p| p["id"] == id).unwrap();
        assert_eq!(p["name"], source.record.name.as_str());
        assert_ne!(p["color"], "charcoal", "the demo's colours are Todoist's");
        let (open, _) = c.all("/tasks", &[("project_id", id)], "results").await;
        let mut completed = Vec::new();
        let mut since = at("2026-08-01T00:00:00Z");
        while since < at("2026-12-01T00:00:00Z") {
            let until = since + Duration::days(60);
            let (items, _) = c
                .all(
                    COMPLETED,
                    &[
                        ("since", &todoist_instant(since)),
                        ("until", &todoist_instant(until)),
                        ("project_id", id),
                    ],
                    "items",
                )
                .await;
            completed.extend(items);
            since = until;
        }
        let want_open = source
            .tasks
            .iter()
            .filter(|t| t.completed_at.is_none())
            .count();
        let want_done = source
            .tasks
            .iter()
            .filter(|t| t.completed_at.is_some())
            .count();
        assert_eq!(open.len(), want_open, "{id}");
        assert!(completed.len() >= want_done, "{id}");
        assert!(want_open > 0 && want_done > 0);
    }
}

const ACTIVITIES: &str = "/activities";
const COMPLETIONS: &str = r#"["item:completed"]"#;

fn recurring(id: &str, project: &str, content: &str, due: &str, every: &str) -> Value {
    json!({"id": id, "project_id": project, "content": content,
           "due": {"date": due, "string": every, "lang": "en", "is_recurring": true, "timezone": null}})
}

#[tokio::test]
async fn completing_a_recurring_task_moves_its_due_date_and_logs_the_completion_only() {
    let (t, c) = fake_with_projects().await;
    let clock = ManualClock::new(at("2026-11-18T12:00:00Z"));
    t.set_clock(clock.shared());
    t.set_plan(Plan::PRO);
    t.put_task(recurring(
        "water",
        "p-work",
        "Water the plants",
        "2026-11-16",
        "every day",
    ));
    t.put_task(recurring(
        "review",
        "p-work",
        "Weekly review",
        "2026-11-13T17:00:00",
        "every week",
    ));
    t.put_task(json!({"id": "once", "project_id": "p-work", "content": "File taxes"}));
    t.complete_task("water", at("2026-11-17T08:00:00Z")); // a day late
    t.complete_task("review", at("2026-11-14T09:00:00Z"));
    t.complete_task("once", at("2026-11-17T10:00:00Z"));

    // The recurring tasks stay open, due at their next occurrence.
    let (open, _) = c
        .all("/tasks", &[("project_id", "p-work")], "results")
        .await;
    assert_eq!(ids(&open), ["review", "water"]);
    let water = open.iter().find(|t| t["id"] == "water").unwrap();
    assert_eq!(water["checked"], false);
    assert!(water["completed_at"].is_null());
    assert_eq!(
        water["due"]["date"], "2026-11-18",
        "the day after it was done"
    );
    let review = open.iter().find(|t| t["id"] == "review").unwrap();
    assert_eq!(
        review["due"]["date"], "2026-11-20T17:00:00",
        "a week on, same time"
    );
    assert_eq!(
        water["updated_at"], "2026-11-18T12:00:00.000000Z",
        "stamped by the clock"
    );

    // The completed endpoint lists only the one-off task.
    let q = [
        ("since", "2026-11-01T00:00:00Z"),
        ("until", "2026-11-30T00:00:00Z"),
    ];
    let a = c.get(COMPLETED, &q).await;
    assert_eq!(ids(a.body["items"].as_array().unwrap()), ["once"]);

    // The activity log has all three completions, newest first.
    let a = c
        .get(ACTIVITIES, &[("object_event_types", COMPLETIONS)])
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let events = a.body["results"].as_array().unwrap();
    let objects: Vec<&str> = events
        .iter()
        .map(|e| e["object_id"].as_str().unwrap())
        .collect();
    assert_eq!(objects, ["once", "water", "review"]);
    let water = &events[1];
    assert_eq!(water["object_type"], "item");
    assert_eq!(water["event_type"], "completed");
    assert_eq!(water["event_date"], "2026-11-17T08:00:00.000000Z");
    assert_eq!(water["parent_project_id"], "p-work");
    assert_eq!(water["extra_data"]["content"], "Water the plants");
    assert_eq!(water["extra_data"]["is_recurring"], true);
    assert!(water["id"].is_string() && water.get("initiator_id").is_some());
    assert_eq!(events[0]["extra_data"]["is_recurring"], false);
    assert!(a.body["next_cursor"].is_null());
}

#[tokio::test]
async fn the_activity_log_filters_and_pages_with_cursors() {
    let (t, c) = fake_with_projects().await;
    let clock = ManualClock::new(at("2026-11-01T08:00:00Z"));
    t.set_clock(clock.shared());
    t.set_plan(Plan::PRO);
    t.put_task(recurring(
        "gym",
        "p-work",
        "Gym",
        "2026-11-02",
        "every 2 days",
    ));
    t.put_task(recurring(
        "home",
        "p-inbox",
        "Tidy",
        "2026-11-02",
        "every day",
    ));
    for day in 2..9 {
        let when = at(&format!("2026-11-{day:02}T07:00:00Z"));
        t.complete_task("gym", when);
        t.complete_task("home", when + Duration::minutes(5));
    }
    clock.set(at("2026-11-10T08:00:00Z"));
    t.delete_task("home");

    // Every kind of event, unless filtered: added twice, completed 14 times, deleted once.
    let (all, _) = c.all(ACTIVITIES, &[("limit", "100")], "results").await;
    assert_eq!(all.len(), 17);
    let kinds = |events: &[Value]| -> Vec<String> {
        events
            .iter()
            .map(|e| {
                format!(
                    "{}:{}",
                    e["object_type"].as_str().unwrap(),
                    e["event_type"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(kinds(&all)[0], "item:deleted");
    // As a JSON array, repeated, or half a filter.
    for q in [
        vec![("object_event_types", COMPLETIONS)],
        vec![("object_event_types", "item:completed")],
        vec![
            ("object_event_types", ":completed"),
            ("object_event_types", "note:added"),
        ],
        vec![("object_type", "item"), ("event_type", "completed")],
    ] {
        let (done, _) = c.all(ACTIVITIES, &q, "results").await;
        assert_eq!(done.len(), 14, "{q:?}");
        assert!(kinds(&done).iter().all(|k| k == "item:completed"));
    }
    // The deleted task's completions stay in the log, under their project.
    let q = [
        ("object_event_types", COMPLETIONS),
        ("parent_project_id", "p-inbox"),
    ];
    let (home, _) = c.all(ACTIVITIES, &q, "results").await;
    assert_eq!(home.len(), 7);
    assert!(home.iter().all(|e| e["object_id"] == "home"));
    // date_from is inclusive, date_to exclusive; dates or instants.
    let q = [
        ("object_event_types", COMPLETIONS),
        ("date_from", "2026-11-03T07:00:00Z"),
        ("date_to", "2026-11-05"),
    ];
    let (span, _) = c.all(ACTIVITIES, &q, "results").await;
    let dates: Vec<&str> = span
        .iter()
        .map(|e| e["event_date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        [
            "2026-11-04T07:05:00.000000Z",
            "2026-11-04T07:00:00.000000Z",
            "2026-11-03T07:05:00.000000Z",
            "2026-11-03T07:00:00.000000Z",
        ]
    );
    // Pages of `limit`, newest first, without gaps or repeats.
    let q = [("object_event_types", COMPLETIONS), ("limit", "3")];
    let (paged, pages) = c.all(ACTIVITIES, &q, "results").await;
    assert_eq!(pages, 5);
    let whole: Vec<&Value> = all
        .iter()
        .filter(|e| e["event_type"] == "completed")
        .collect();
    assert_eq!(paged.iter().collect::<Vec<_>>(), whole);
    // Limits and cursors are checked.
    for bad in ["0", "101", "x"] {
        let a = c.get(ACTIVITIES, &[("limit", bad)]).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "limit {bad}");
        assert_eq!(a.body["error_extra"]["argument"], "limit");
    }
    let first = c.get(ACTIVITIES, &q).await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let other = c
        .get(
            ACTIVITIES,
            &[
                q[0],
                ("limit", "3"),
                ("parent_project_id", "p-work"),
                ("cursor", &cursor),
            ],
        )
        .await;
    assert_eq!(
        other.status,
        StatusCode::BAD_REQUEST,
        "a cursor belongs to its query"
    );
    t.invalidate_cursors();
    let a = c.get(ACTIVITIES, &[q[0], q[1], ("cursor", &cursor)]).await;
    assert_todoist_error(&a.body, 400, "INVALID_ARGUMENT_VALUE");
    let a = c.get(ACTIVITIES, &[("date_from", "last week")]).await;
    assert_todoist_error(&a.body, 400, "INVALID_ARGUMENT_VALUE");
}

#[tokio::test]
async fn the_plan_decides_how_far_back_the_log_reaches() {
    let (t, c) = fake_with_projects().await;
    let clock = ManualClock::new(at("2026-11-01T12:00:00Z"));
    t.set_clock(clock.shared());
    t.put_task(recurring(
        "water",
        "p-work",
        "Water",
        "2026-11-01",
        "every day",
    ));
    for day in 1..=20 {
        t.complete_task("water", at(&format!("2026-11-{day:02}T09:00:00Z")));
    }
    clock.set(at("2026-11-20T12:00:00Z"));
    async fn done(c: &Client) -> Vec<Value> {
        let q = [
            ("object_event_types", COMPLETIONS),
            ("date_from", "2026-10-01"),
        ];
        c.all(ACTIVITIES, &q, "results").await.0
    }
    // Free: seven days back from now, whatever date_from asks for.
    let free = done(&c).await;
    assert_eq!(free.len(), 7, "the 14th to the 20th: {free:?}");
    assert_eq!(
        free.last().unwrap()["event_date"],
        "2026-11-14T09:00:00.000000Z"
    );
    t.set_plan(Plan::PRO);
    assert_eq!(done(&c).await.len(), 20);
    // A week passes: the free plan forgets another week.
    t.set_plan(Plan::FREE);
    clock.set(at("2026-11-27T12:00:00Z"));
    let later = done(&c).await;
    assert_eq!(
        later.len(),
        0,
        "nothing completed since the 20th: {later:?}"
    );

    // The plan as /sync tells it, form-encoded as the docs show or as JSON as the SDK sends it.
    let form = [
        ("sync_token", "*"),
        ("resource_types", r#"["user_plan_limits"]"#),
    ];
    let a = c.sync(&form, None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let current = &a.body["user_plan_limits"]["current"];
    assert_eq!(current["plan_name"], "free");
    assert_eq!(current["activity_log"], true);
    assert_eq!(current["activity_log_limit"], 7);
    assert_eq!(a.body["user_plan_limits"]["next"]["activity_log_limit"], -1);
    assert_eq!(a.body["full_sync"], true);
    assert!(a.body["sync_token"].is_string());
    t.set_plan(Plan::PRO);
    let a = c
        .sync(
            &[],
            Some(json!({"sync_token": "*", "resource_types": ["user_plan_limits"]})),
        )
        .await;
    assert_eq!(
        a.body["user_plan_limits"]["current"]["activity_log_limit"],
        -1
    );
    assert!(a.body["user_plan_limits"]["next"].is_null());
    // Other resources are not served; a request without a token or types is refused.
    let a = c
        .sync(
            &[("sync_token", "*"), ("resource_types", r#"["projects"]"#)],
            None,
        )
        .await;
    assert!(a.body.get("user_plan_limits").is_none());
    let a = c.sync(&[("sync_token", "*")], None).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    t.hide_plan_limits(true);
    let a = c.sync(&form, None).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.get("user_plan_limits").is_none());
}

#[tokio::test]
async fn the_clock_stamps_tasks_and_events() {
    let (t, c) = fake_with_projects().await;
    let clock = ManualClock::new(at("2030-01-02T03:04:05Z"));
    t.set_clock(clock.shared());
    let task = t.put_task(json!({"id": "n", "project_id": "p-work", "content": "New"}));
    assert_eq!(task["added_at"], "2030-01-02T03:04:05.000000Z");
    assert_eq!(task["updated_at"], "2030-01-02T03:04:05.000000Z");
    clock.advance(Duration::days(1));
    t.move_task("n", "p-inbox");
    let (inbox, _) = c
        .all("/tasks", &[("project_id", "p-inbox")], "results")
        .await;
    assert_eq!(inbox[0]["added_at"], "2030-01-02T03:04:05.000000Z");
    assert_eq!(inbox[0]["updated_at"], "2030-01-03T03:04:05.000000Z");
    t.set_plan(Plan::PRO);
    let (events, _) = c.all(ACTIVITIES, &[], "results").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["event_type"], "added");
    assert_eq!(events[0]["event_date"], "2030-01-02T03:04:05.000000Z");
}
