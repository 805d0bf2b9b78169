//! A stateful fake of Todoist's unified API v1, served on loopback.
//!
//! It speaks the snake_case JSON of the endpoints a reader needs, each paged
//! with `cursor`/`limit` (at most 200) and `next_cursor`:
//! `GET /api/v1/projects` and `GET /api/v1/sections?project_id=` (`{results,
//! next_cursor}`), the active tasks `GET /api/v1/tasks?project_id=`
//! (`{results, next_cursor}`) and the completed ones
//! `GET /api/v1/tasks/completed/by_completion_date?since=&until=` (`{items,
//! next_cursor}`), which refuses a span longer than three months (the limit
//! is [`FakeTodoist::set_max_completed_span`]). Errors use Todoist's body
//! `{"error", "error_code", "error_extra", "error_tag", "http_code"}`; a
//! cursor the server no longer knows (see [`FakeTodoist::invalidate_cursors`])
//! gets `400 INVALID_ARGUMENT_VALUE` with `error_extra.argument = "cursor"`.
//! A deleted project answers 404 on its task endpoints.
//!
//! **Recurring tasks** behave as Todoist's do: completing one (a task whose
//! `due.is_recurring` is true) does not check it; its due date moves on to
//! the next occurrence and it stays open, so the completed-tasks endpoint
//! never lists that completion ("a limitation on the API level", a Doist
//! maintainer in Doist/todoist-api-python#206; reproduced against v1 in
//! PipedreamHQ/pipedream#21379 and jamiebrynes7/obsidian-todoist-plugin#495).
//! The completion is only in the **activity log**, `GET /api/v1/activities`
//! (developer.todoist.com/api/v1 #tag/Activity; `Doist/todoist-api-typescript`
//! src/types/activity/, src/clients/activity-client.ts): `{results,
//! next_cursor}` of events `{id, object_type, object_id, event_type,
//! event_date, parent_project_id, parent_item_id, initiator_id, extra_data}`,
//! newest first, where a completion is `item:completed` with
//! `extra_data.content` and `extra_data.is_recurring`. It takes
//! `object_event_types` (a JSON array such as `["item:completed"]`, as the
//! SDK sends it, or repeated values; `item:` and `:completed` match a whole
//! side), `object_type`, `event_type`, `object_id`, `parent_project_id`,
//! `date_from` (inclusive) and `date_to` (exclusive) as ISO 8601 dates or
//! instants, `cursor`, and `limit` (default 50, at most 100). The log keeps
//! `added`, `updated`, `completed`, `uncompleted` and `deleted` events of
//! tasks; events stay when their task is deleted or moved (they keep the
//! project they happened in).
//!
//! The log only reaches back as far as the account's **plan** keeps it
//! ("Activity history: 1 week" on the free Beginner plan, unlimited on Pro
//! and Business, todoist.com/help/articles/usage-limits-in-todoist-e5rcSY):
//! older events are simply not returned, without an error. The plan is
//! [`FakeTodoist::set_plan`], the free one until changed. A client learns it
//! from `POST /api/v1/sync` with `sync_token=*` and
//! `resource_types=["user_plan_limits"]` (form-encoded as the docs show, or
//! JSON as the SDK sends it), whose `user_plan_limits.current` carries
//! `activity_log` and `activity_log_limit` ("the number of days of history
//! that will be displayed within the activity log. If there is no limit, the
//! value will be -1", developer.todoist.com/api/v1 #tag/Sync/User/User-plan-limits).
//!
//! Time is [`FakeTodoist::set_clock`]'s clock (the system's until set): it
//! stamps `added_at`/`updated_at` and log events, and places the plan's
//! history limit, so a test can let weeks pass.
//!
//! Tests change the world through [`FakeTodoist`]'s methods and compare a
//! synced store with [`FakeTodoist::tasks`] and [`FakeTodoist::activities`];
//! faults and latency come from [`crate::http`]. [`FakeTodoist::throttle_next`]
//! answers a request with 429 and `error_extra.retry_after`, with or without a
//! `Retry-After` header. [`FakeTodoist::log_raw_activity`] puts an entry of
//! any shape in the activity log, for bad input.
//!
//! Simplifications: one user, no workspaces, no sub-project inheritance
//! (`project_id` matches exactly); `filter_query`, `section_id`, `parent_id`
//! and `label` are accepted and ignored; the error codes and tags other than
//! the cursor's and the rate limit's are plausible stand-ins, not Todoist's
//! documented values. A recurring task's next occurrence is read from
//! `due.string` ("every day", "every 3 days", "every week", "every 2 weeks",
//! "every monday"…, a day otherwise) and is the first after the day it was
//! completed; the log's events carry `content`, `client` and, for
//! completions, `is_recurring` in `extra_data` (Todoist's carry more).
//! `/sync` answers nothing but the user's plan limits.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value, json};

use vica_core::clock::SharedClock;
use vica_core::model::{Provider, SourceKind, TaskRecord};

use crate::http::{
    ErrorRenderer, FakeServer, Harness, InjectedError, ServerHandle, hex_token, json_response,
    lock, parse_query, take_page, time_sort_key, unhex_token,
};
pub use crate::http::{Fault, RecordedRequest};
use vica_core::demo::DemoAccount;

/// The token requests must carry unless [`FakeTodoist::set_access_token`] says otherwise.
pub const DEFAULT_ACCESS_TOKEN: &str = "fake-todoist-token";
/// The longest `until - since` of one completed-tasks request, until changed.
pub const DEFAULT_MAX_COMPLETED_SPAN_DAYS: i64 = 92;

const LIMIT_DEFAULT: usize = 50;
const LIMIT_MAX: usize = 200;
/// The activity log's `limit` is `(0 .. 100]`.
const ACTIVITY_LIMIT_MAX: usize = 100;
/// What the log's events name as their `client`.
const CLIENT: &str = "vica-fakes";

/// What an account's plan allows, as far as a reader of history cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// `plan_name` in `user_plan_limits`: `free`, `pro`, `business`.
    pub name: &'static str,
    /// Days of activity history the log returns; `None` for no limit (`-1`).
    pub activity_days: Option<u32>,
}

impl Plan {
    /// Todoist Beginner: one week of activity history.
    pub const FREE: Plan = Plan {
        name: "free",
        activity_days: Some(7),
    };
    /// Todoist Pro: all of it.
    pub const PRO: Plan = Plan {
        name: "pro",
        activity_days: None,
    };
}

/// Todoist's named colours and their hex values (developer.todoist.com/guides/#colors).
pub const PALETTE: [(&str, &str); 20] = [
    ("berry_red", "#b8255f"),
    ("red", "#db4035"),
    ("orange", "#ff9933"),
    ("yellow", "#fad000"),
    ("olive_green", "#afb83b"),
    ("lime_green", "#7ecc49"),
    ("green", "#299438"),
    ("mint_green", "#6accbc"),
    ("teal", "#158fad"),
    ("sky_blue", "#14aaf5"),
    ("light_blue", "#96c3eb"),
    ("blue", "#4073ff"),
    ("grape", "#884dff"),
    ("violet", "#af38eb"),
    ("lavender", "#eb96eb"),
    ("magenta", "#e05194"),
    ("salmon", "#ff8d85"),
    ("charcoal", "#808080"),
    ("grey", "#b8b8b8"),
    ("taupe", "#ccac93"),
];

/// The palette name of a `#rrggbb` colour; `charcoal` when it is not one of Todoist's.
pub fn color_name(hex: &str) -> &'static str {
    PALETTE
        .iter()
        .find(|(_, h)| h.eq_ignore_ascii_case(hex))
        .map_or("charcoal", |(n, _)| n)
}

/// A project of the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectEntry {
    pub id: String,
    pub name: String,
    /// A palette name such as `berry_red` (see [`PALETTE`]).
    pub color: String,
    pub inbox_project: bool,
    pub parent_id: Option<String>,
}

impl ProjectEntry {
    /// A top-level project coloured `charcoal`.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> ProjectEntry {
        ProjectEntry {
            id: id.into(),
            name: name.into(),
            color: "charcoal".into(),
            inbox_project: false,
            parent_id: None,
        }
    }
}

/// A running fake Todoist server. Clones share the server and its world; the
/// server stops on [`FakeTodoist::shutdown`] or when the last clone is dropped.
#[derive(Clone)]
pub struct FakeTodoist {
    shared: Arc<Shared>,
    server: Arc<ServerHandle>,
}

impl std::fmt::Debug for FakeTodoist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeTodoist")
            .field("addr", &self.server.addr())
            .finish_non_exhaustive()
    }
}

struct Shared {
    world: Mutex<World>,
    token: Mutex<String>,
    page_size: AtomicUsize,
    max_span: Mutex<chrono::Duration>,
    plan: Mutex<Plan>,
    /// `/sync` leaves `user_plan_limits` out (a shape a client must survive).
    hide_plan: std::sync::atomic::AtomicBool,
    /// Pending rate limits: (retry_after seconds, send a `Retry-After` header too).
    throttles: Mutex<Vec<(u64, bool)>>,
    harness: Arc<Harness>,
}

impl FakeTodoist {
    /// Binds `127.0.0.1:0` and serves in a tokio task of the current runtime.
    pub async fn start() -> std::io::Result<FakeTodoist> {
        let shared = Arc::new(Shared {
            world: Mutex::new(World::default()),
            token: Mutex::new(DEFAULT_ACCESS_TOKEN.to_owned()),
            page_size: AtomicUsize::new(LIMIT_MAX),
            max_span: Mutex::new(chrono::Duration::days(DEFAULT_MAX_COMPLETED_SPAN_DAYS)),
            plan: Mutex::new(Plan::FREE),
            hide_plan: std::sync::atomic::AtomicBool::new(false),
            throttles: Mutex::new(Vec::new()),
            harness: Arc::new(Harness::default()),
        });
        let router = Router::new()
            .route("/api/v1/projects", get(projects))
            .route("/api/v1/sections", get(sections))
            .route("/api/v1/tasks", get(active_tasks))
            .route(
                "/api/v1/tasks/completed/by_completion_date",
                get(completed_tasks),
            )
            .route("/api/v1/activities", get(activities))
            .route("/api/v1/sync", post(sync))
            .fallback(unknown_route)
            .with_state(shared.clone());
        let render: ErrorRenderer = render_injected;
        let router = crate::http::with_harness(router, shared.harness.clone(), render);
        let server = ServerHandle::start(router).await?;
        Ok(FakeTodoist {
            shared,
            server: Arc::new(server),
        })
    }

    /// `http://127.0.0.1:PORT/api/v1`, to which clients append `/projects` and so on.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v1", self.server.addr())
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    /// The most items on one page, whatever `limit` asks for (at most 200 anyway).
    pub fn set_page_size(&self, n: usize) {
        self.shared.page_size.store(n.max(1), Ordering::Relaxed);
    }

    /// The longest span one completed-tasks request may cover.
    pub fn set_max_completed_span(&self, span: chrono::Duration) {
        *lock(&self.shared.max_span) = span;
    }

    /// The bearer token every request must carry (an OAuth or a personal API token alike).
    pub fn set_access_token(&self, token: &str) {
        *lock(&self.shared.token) = token.to_owned();
    }

    /// What time it is for the server from now on: it stamps changes and log
    /// events and places the plan's history limit. The system's until set.
    pub fn set_clock(&self, clock: SharedClock) {
        lock(&self.shared.world).clock = clock;
    }

    /// The account's plan (how far back the activity log reaches); [`Plan::FREE`] until set.
    pub fn set_plan(&self, plan: Plan) {
        *lock(&self.shared.plan) = plan;
    }

    /// Makes `/sync` answer without `user_plan_limits` (or with it again).
    pub fn hide_plan_limits(&self, hidden: bool) {
        self.shared.hide_plan.store(hidden, Ordering::Relaxed);
    }

    /// The next request (after the token check) answers 429 with
    /// `error_extra.retry_after = seconds`, and a `Retry-After` header when `header`.
    pub fn throttle_next(&self, seconds: u64, header: bool) {
        lock(&self.shared.throttles).push((seconds, header));
    }

    /// Adds a project, or replaces the one with the same id (bringing a deleted one back).
    pub fn add_project(&self, p: ProjectEntry) {
        let mut world = lock(&self.shared.world);
        let project = world.projects.entry(p.id.clone()).or_default();
        project.entry = Some(p);
        project.deleted = false;
    }

    /// Deletes a project: it leaves `/projects` and its task endpoints answer 404.
    pub fn remove_project(&self, id: &str) {
        if let Some(p) = lock(&self.shared.world).projects.get_mut(id) {
            p.deleted = true;
        }
    }

    /// Adds or renames a section of a project.
    pub fn add_section(&self, project_id: &str, id: &str, name: &str) {
        lock(&self.shared.world)
            .projects
            .entry(project_id.to_owned())
            .or_default()
            .sections
            .insert(id.to_owned(), name.to_owned());
    }

    /// Inserts or replaces a task by its `"id"` (made up when missing) and
    /// returns it as stored. Fills in what Todoist always sends when missing
    /// (`user_id`, `section_id`, `parent_id`, `labels`, `priority` 1,
    /// `description`, `checked`, `is_deleted`, `added_at`, `completed_at`,
    /// `due`, …) and renews `updated_at`. A task with `checked: true` and a
    /// `completed_at` is completed.
    pub fn put_task(&self, task: Value) -> Value {
        lock(&self.shared.world).put_task(task)
    }

    /// Completes a task at `at` and logs an `item:completed` event then.
    ///
    /// A recurring task (`due.is_recurring`) is not checked: its due date
    /// moves to the first occurrence after `at`'s day and it stays open, as
    /// Todoist does; its completion is only in the activity log. Any other
    /// task is checked with `completed_at = at`.
    pub fn complete_task(&self, id: &str, at: DateTime<Utc>) {
        let mut world = lock(&self.shared.world);
        let now = world.clock.now();
        let Some(t) = world.tasks.get_mut(id).filter(|t| t["is_deleted"] != true) else {
            return;
        };
        let recurring = is_recurring(t);
        if recurring {
            if let Some(due) = t.get_mut("due").and_then(Value::as_object_mut) {
                advance_due(due, at.date_naive());
            }
        } else {
            t.insert("checked".into(), json!(true));
            t.insert("completed_at".into(), json!(todoist_instant(at)));
        }
        t.insert("updated_at".into(), json!(todoist_instant(now)));
        let t = t.clone();
        world.log(
            &t,
            "completed",
            at,
            json!({ "content": t["content"], "client": CLIENT, "is_recurring": recurring }),
        );
    }

    /// Reopens a completed task (logged as `item:uncompleted`).
    pub fn reopen_task(&self, id: &str) {
        let was_checked = self.update(id, |t| {
            let was = is_completed(t);
            t.insert("checked".into(), json!(false));
            t.insert("completed_at".into(), Value::Null);
            was
        });
        if was_checked == Some(true) {
            let mut world = lock(&self.shared.world);
            let now = world.clock.now();
            if let Some(t) = world.tasks.get(id).cloned() {
                world.log(
                    &t,
                    "uncompleted",
                    now,
                    json!({ "content": t["content"], "client": CLIENT }),
                );
            }
        }
    }

    /// Moves a task to another project (out of its section).
    pub fn move_task(&self, id: &str, project_id: &str) {
        self.update(id, |t| {
            t.insert("project_id".into(), json!(project_id));
            t.insert("section_id".into(), Value::Null);
        });
    }

    /// Deletes a task: no endpoint lists it any more (its logged events stay).
    pub fn delete_task(&self, id: &str) {
        let mut world = lock(&self.shared.world);
        let now = world.clock.now();
        let Some(t) = world.tasks.get_mut(id).filter(|t| t["is_deleted"] != true) else {
            return;
        };
        t.insert("is_deleted".into(), json!(true));
        let t = t.clone();
        world.log(
            &t,
            "deleted",
            now,
            json!({ "content": t["content"], "client": CLIENT }),
        );
    }

    /// Applies `f` to a task that is not deleted and renews its `updated_at`.
    fn update<R>(&self, id: &str, f: impl FnOnce(&mut Map<String, Value>) -> R) -> Option<R> {
        let mut world = lock(&self.shared.world);
        let now = world.clock.now();
        let t = world
            .tasks
            .get_mut(id)
            .filter(|t| t["is_deleted"] != true)?;
        let r = f(t);
        t.insert("updated_at".into(), json!(todoist_instant(now)));
        Some(r)
    }

    /// Appends `entry` to the activity log as it is, for bad input: it is
    /// served to every query whatever its filters (placed by its
    /// `event_date` when that reads as an instant, else by the clock).
    pub fn log_raw_activity(&self, entry: Value) {
        let mut world = lock(&self.shared.world);
        let event_date = entry
            .get("event_date")
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map_or_else(|| world.clock.now(), |t| t.with_timezone(&Utc));
        let id = 2_000_000_000 + world.activities.len() as u64 + 1;
        world.activities.push(Activity {
            id,
            object_id: String::new(),
            event_type: "raw",
            event_date,
            parent_project_id: None,
            parent_item_id: None,
            extra_data: Value::Null,
            raw: Some(entry),
        });
    }

    /// Every event in the activity log, oldest first, whatever the plan shows.
    pub fn activities(&self) -> Vec<Value> {
        lock(&self.shared.world)
            .activities
            .iter()
            .map(Activity::json)
            .collect()
    }

    /// The project's tasks that are not deleted, active and completed, ordered by id.
    pub fn tasks(&self, project_id: &str) -> Vec<Value> {
        lock(&self.shared.world)
            .tasks
            .values()
            .filter(|t| t["is_deleted"] != true && t["project_id"] == project_id)
            .map(|t| Value::Object(t.clone()))
            .collect()
    }

    /// Makes every `next_cursor` handed out so far answer `400 INVALID_ARGUMENT_VALUE`.
    pub fn invalidate_cursors(&self) {
        lock(&self.shared.world).epoch += 1;
    }

    /// Serves the Todoist accounts of a demo world: each project source becomes
    /// a project (its colour the nearest palette name, see [`color_name`]), each
    /// task goes through [`task_json`], and section names become sections.
    /// Other providers' accounts are skipped.
    pub fn load_demo(&self, accounts: &[DemoAccount]) {
        for account in accounts.iter().filter(|a| a.provider == Provider::Todoist) {
            for source in account
                .sources
                .iter()
                .filter(|s| s.record.kind == SourceKind::Project)
            {
                let project = &source.record.provider_id;
                let mut entry = ProjectEntry::new(project.clone(), source.record.name.clone());
                entry.color = color_name(source.record.color.as_deref().unwrap_or("")).into();
                entry.inbox_project = source.record.is_primary;
                self.add_project(entry);
                for task in &source.tasks {
                    let section = task.section.as_ref().map(|name| {
                        let id = format!("{project}-{}", hex_token(name));
                        self.add_section(project, &id, name);
                        id
                    });
                    self.put_task(task_json(task, project, section.as_deref()));
                }
            }
        }
    }

    /// Stops the server; requests under way finish.
    pub fn shutdown(&self) {
        self.server.shutdown();
    }
}

/// Todoist's task object for a core [`TaskRecord`] in `project_id` (and `section_id`).
///
/// A record with `completed_at` is `checked`; `due_date` becomes a full-day
/// `due` (`{date, string, lang, is_recurring: false, timezone: null}`); an
/// empty description is `""`; `priority` keeps Todoist's numbering (4 is urgent).
pub fn task_json(record: &TaskRecord, project_id: &str, section_id: Option<&str>) -> Value {
    json!({
        "id": record.provider_id,
        "user_id": "2671355",
        "project_id": project_id,
        "section_id": section_id,
        "parent_id": null,
        "added_by_uid": "2671355",
        "assigned_by_uid": null,
        "responsible_uid": null,
        "labels": record.labels,
        "deadline": null,
        "duration": null,
        "checked": record.completed_at.is_some(),
        "is_deleted": false,
        "added_at": record.updated_at.map(todoist_instant),
        "completed_at": record.completed_at.map(todoist_instant),
        "updated_at": record.updated_at.map(todoist_instant),
        "due": record.due_date.map(|d| json!({
            "date": d.to_string(),
            "string": d.format("%b %-d").to_string(),
            "lang": "en",
            "is_recurring": false,
            "timezone": null,
        })),
        "priority": record.priority,
        "child_order": 1,
        "content": record.content,
        "description": record.description.clone().unwrap_or_default(),
        "note_count": 0,
        "day_order": -1,
        "is_collapsed": false,
    })
}

/// `2026-11-16T09:30:00.000000Z`, as Todoist writes instants.
pub fn todoist_instant(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

// ---------------------------------------------------------------------------
// The world

#[derive(Debug)]
struct World {
    seq: u64,
    /// Bumped by `invalidate_cursors`; cursors of older epochs are refused.
    epoch: u64,
    projects: BTreeMap<String, Project>,
    tasks: BTreeMap<String, Map<String, Value>>,
    /// The activity log, oldest first.
    activities: Vec<Activity>,
    clock: SharedClock,
}

impl Default for World {
    fn default() -> World {
        World {
            seq: 0,
            epoch: 0,
            projects: BTreeMap::new(),
            tasks: BTreeMap::new(),
            activities: Vec::new(),
            clock: vica_core::clock::system(),
        }
    }
}

/// One event of the activity log.
#[derive(Debug, Clone)]
struct Activity {
    id: u64,
    object_id: String,
    event_type: &'static str,
    event_date: DateTime<Utc>,
    /// The project the task was in when it happened.
    parent_project_id: Option<String>,
    parent_item_id: Option<String>,
    extra_data: Value,
    /// An entry a test wrote as it is (see [`FakeTodoist::log_raw_activity`]).
    raw: Option<Value>,
}

impl Activity {
    fn json(&self) -> Value {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        json!({
            "id": self.id.to_string(),
            "object_type": "item",
            "object_id": self.object_id,
            "event_type": self.event_type,
            "event_date": todoist_instant(self.event_date),
            "parent_project_id": self.parent_project_id,
            "parent_item_id": self.parent_item_id,
            "initiator_id": null,
            "extra_data": self.extra_data,
        })
    }
}

#[derive(Debug, Default)]
struct Project {
    /// `None` for a project only named by a task or a section so far.
    entry: Option<ProjectEntry>,
    deleted: bool,
    sections: BTreeMap<String, String>,
}

impl World {
    /// Appends an event about task `t` to the activity log.
    fn log(
        &mut self,
        t: &Map<String, Value>,
        event_type: &'static str,
        at: DateTime<Utc>,
        extra: Value,
    ) {
        let text = |k: &str| t.get(k).and_then(Value::as_str).map(str::to_owned);
        let id = self.activities.len() as u64 + 1;
        self.activities.push(Activity {
            id: 2_000_000_000 + id,
            object_id: text("id").unwrap_or_default(),
            event_type,
            event_date: at,
            parent_project_id: text("project_id"),
            parent_item_id: text("parent_id"),
            extra_data: extra,
            raw: None,
        });
    }

    fn put_task(&mut self, task: Value) -> Value {
        self.seq += 1;
        let seq = self.seq;
        let mut m = match task {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let id = match m.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => id.to_owned(),
            _ => format!("6X7fake{seq:06}"),
        };
        let now_at = self.clock.now();
        let now = todoist_instant(now_at);
        let existed = self.tasks.get(&id).is_some_and(|t| t["is_deleted"] != true);
        let added = self
            .tasks
            .get(&id)
            .and_then(|t| t.get("added_at").cloned())
            .filter(|a| !a.is_null())
            .unwrap_or_else(|| json!(now));
        m.insert("id".into(), json!(id));
        for (key, default) in [
            ("user_id", json!("2671355")),
            ("project_id", json!("inbox")),
            ("section_id", Value::Null),
            ("parent_id", Value::Null),
            ("added_by_uid", json!("2671355")),
            ("assigned_by_uid", Value::Null),
            ("responsible_uid", Value::Null),
            ("labels", json!([])),
            ("deadline", Value::Null),
            ("duration", Value::Null),
            ("checked", json!(false)),
            ("is_deleted", json!(false)),
            ("completed_at", Value::Null),
            ("due", Value::Null),
            ("priority", json!(1)),
            ("child_order", json!(1)),
            ("content", json!("")),
            ("description", json!("")),
            ("note_count", json!(0)),
            ("day_order", json!(-1)),
            ("is_collapsed", json!(false)),
        ] {
            m.entry(key).or_insert(default);
        }
        if m.get("added_at").is_none_or(Value::is_null) {
            m.insert("added_at".into(), added);
        }
        m.insert("updated_at".into(), json!(now));
        if let Some(p) = m.get("project_id").and_then(Value::as_str) {
            self.projects.entry(p.to_owned()).or_default();
        }
        self.tasks.insert(id, m.clone());
        if m.get("is_deleted") != Some(&json!(true)) {
            let event = if existed { "updated" } else { "added" };
            self.log(
                &m,
                event,
                now_at,
                json!({ "content": m["content"], "client": CLIENT }),
            );
        }
        Value::Object(m)
    }

    /// The project if it exists and is not deleted, else 404.
    fn project(&self, id: &str) -> Result<&Project, ApiError> {
        self.projects
            .get(id)
            .filter(|p| !p.deleted && p.entry.is_some())
            .ok_or_else(|| ApiError::not_found("Project not found"))
    }
}

fn is_completed(t: &Map<String, Value>) -> bool {
    t.get("checked") == Some(&json!(true))
}

fn is_recurring(t: &Map<String, Value>) -> bool {
    t.get("due")
        .and_then(|d| d.get("is_recurring"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// How far apart a recurring due's occurrences are, read from its `string`.
fn recurrence_step(string: &str) -> chrono::Duration {
    let words: Vec<String> = string
        .to_lowercase()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let weekdays = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    match words.as_slice() {
        ["every", "week", ..] | ["weekly", ..] => chrono::Duration::weeks(1),
        ["every", n, "weeks", ..] => chrono::Duration::weeks(n.parse().unwrap_or(1)),
        ["every", n, "days", ..] => chrono::Duration::days(n.parse().unwrap_or(1)),
        ["every", day, ..] if weekdays.contains(day) => chrono::Duration::weeks(1),
        _ => chrono::Duration::days(1),
    }
}

/// Moves a recurring `due` to its first occurrence after `done` (the day it
/// was completed), keeping a time of day if it has one.
fn advance_due(due: &mut Map<String, Value>, done: NaiveDate) {
    let step = recurrence_step(due.get("string").and_then(Value::as_str).unwrap_or(""));
    let Some(date) = due.get("date").and_then(Value::as_str).map(str::to_owned) else {
        return;
    };
    let (day, rest) = date.split_at(date.len().min(10));
    let Ok(mut day) = day.parse::<NaiveDate>() else {
        return;
    };
    loop {
        day += step;
        if day > done {
            break;
        }
    }
    due.insert("date".into(), json!(format!("{day}{rest}")));
}

fn completed_at(t: &Map<String, Value>) -> Option<DateTime<Utc>> {
    t.get("completed_at")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

// ---------------------------------------------------------------------------
// Cursors: hex of `c1|epoch|scope|after`.

fn encode_cursor(epoch: u64, scope: &str, after: &str) -> String {
    hex_token(&format!("c1|{epoch}|{}|{scope}|{after}", scope.len()))
}

/// The key to resume after, if the cursor is this scope's and of this epoch.
fn decode_cursor(cursor: &str, epoch: u64, scope: &str) -> Option<String> {
    let payload = unhex_token(cursor)?;
    let mut parts = payload.splitn(4, '|');
    if parts.next()? != "c1" || parts.next()?.parse::<u64>().ok()? != epoch {
        return None;
    }
    let len: usize = parts.next()?.parse().ok()?;
    let rest = parts.next()?;
    let (got, after) = (rest.get(..len)?, rest.get(len..)?.strip_prefix('|')?);
    (got == scope).then(|| after.to_owned())
}

// ---------------------------------------------------------------------------
// Errors in Todoist's shape

#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    error: String,
    code: u32,
    tag: &'static str,
    extra: Value,
    retry_after_header: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, error: &str, code: u32, tag: &'static str) -> ApiError {
        ApiError {
            status,
            error: error.to_owned(),
            code,
            tag,
            extra: json!({}),
            retry_after_header: None,
        }
    }

    fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Invalid token",
            401,
            "AUTH_INVALID_TOKEN",
        )
    }

    fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, what, 478, "NOT_FOUND")
    }

    fn invalid_argument(argument: &str) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "Invalid argument value",
            20,
            "INVALID_ARGUMENT_VALUE",
        );
        e.extra = json!({ "argument": argument });
        e
    }

    fn missing_argument(argument: &str) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "Required argument is missing",
            19,
            "ARGUMENT_MISSING",
        );
        e.extra = json!({ "argument": argument });
        e
    }

    fn rate_limited(retry_after: Option<u64>) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests. Limits reached. Try again later",
            35,
            "LIMITS_REACHED",
        );
        e.extra = match retry_after {
            Some(s) => json!({ "retry_after": s, "event_id": "fake" }),
            None => json!({ "event_id": "fake" }),
        };
        e
    }

    fn body(&self) -> Value {
        json!({
            "error": self.error,
            "error_code": self.code,
            "error_extra": self.extra,
            "error_tag": self.tag,
            "http_code": self.status.as_u16(),
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = json_response(self.status, &self.body());
        if let Some(secs) = self.retry_after_header {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    }
}

fn render_injected(e: InjectedError<'_>) -> Response {
    let err = match e {
        InjectedError::Unauthorized => ApiError::unauthorized(),
        InjectedError::RateLimit403 { .. } => ApiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            403,
            "AUTH_INSUFFICIENT_TOKEN_SCOPE",
        ),
        InjectedError::Status { code } => match code.as_u16() {
            401 => ApiError::unauthorized(),
            403 => ApiError::new(code, "Forbidden", 403, "AUTH_INSUFFICIENT_TOKEN_SCOPE"),
            404 => ApiError::not_found("Project not found"),
            410 => ApiError::new(code, "This endpoint is deprecated", 410, "DEPRECATED"),
            429 => ApiError::rate_limited(None),
            503 => ApiError::new(code, "Service unavailable", 503, "SERVICE_UNAVAILABLE"),
            c if c >= 500 => {
                ApiError::new(code, "Internal server error", 500, "INTERNAL_SERVER_ERROR")
            }
            _ => ApiError::new(code, "Bad request", 400, "BAD_REQUEST"),
        },
    };
    err.into_response()
}

// ---------------------------------------------------------------------------
// Handlers

type ApiResult = Result<Value, ApiError>;

struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: Option<String>) -> Params {
        Params(raw.as_deref().map(parse_query).unwrap_or_default())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated parameter (`name` or `name[]`).
    fn all(&self, name: &str) -> Vec<&str> {
        let bracketed = format!("{name}[]");
        self.0
            .iter()
            .filter(|(k, _)| *k == name || *k == bracketed)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn limit(&self, server: usize) -> Result<usize, ApiError> {
        let asked = match self.get("limit") {
            None => LIMIT_DEFAULT,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=LIMIT_MAX).contains(&n) => n,
                _ => return Err(ApiError::invalid_argument("limit")),
            },
        };
        Ok(asked.min(server).max(1))
    }

    /// An instant as Todoist takes it: RFC 3339, or a naive date-time or date read as UTC.
    fn instant(&self, name: &str) -> Result<DateTime<Utc>, ApiError> {
        let v = self
            .get(name)
            .ok_or_else(|| ApiError::missing_argument(name))?;
        DateTime::parse_from_rfc3339(v)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f")
                    .ok()
                    .map(|t| t.and_utc())
            })
            .or_else(|| {
                NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .ok()
                    .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
            })
            .ok_or_else(|| ApiError::invalid_argument(name))
    }
}

impl Shared {
    /// The token check, then any pending rate limit.
    fn gate(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        {
            let expected = lock(&self.token);
            match crate::http::bearer_token(headers) {
                Some(t) if t == expected.as_str() => {}
                _ => return Err(ApiError::unauthorized()),
            }
        }
        let mut throttles = lock(&self.throttles);
        if throttles.is_empty() {
            return Ok(());
        }
        let (secs, with_header) = throttles.remove(0);
        let mut e = ApiError::rate_limited(Some(secs));
        e.retry_after_header = with_header.then_some(secs);
        Err(e)
    }

    fn page_size(&self) -> usize {
        self.page_size.load(Ordering::Relaxed)
    }
}

fn respond(result: ApiResult) -> Response {
    match result {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => e.into_response(),
    }
}

async fn unknown_route(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    respond(s.gate(&headers).and(Err(ApiError::not_found("Not found"))))
}

/// One page of `sorted` after the request's cursor, with `next_cursor`.
fn page_of<T>(
    world: &World,
    params: &Params,
    scope: &str,
    sorted: Vec<(String, T)>,
    size: usize,
) -> Result<(Vec<T>, Value), ApiError> {
    let after = match params.get("cursor") {
        None => None,
        Some(c) => Some(
            decode_cursor(c, world.epoch, scope)
                .ok_or_else(|| ApiError::invalid_argument("cursor"))?,
        ),
    };
    let (items, next) = take_page(sorted, after.as_deref(), size);
    let next = next.map_or(Value::Null, |k| {
        json!(encode_cursor(world.epoch, scope, &k))
    });
    Ok((items, next))
}

fn project_json(p: &ProjectEntry, order: usize) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "color": p.color,
        "parent_id": p.parent_id,
        "child_order": order,
        "is_archived": false,
        "is_deleted": false,
        "is_favorite": false,
        "is_frozen": false,
        "is_collapsed": false,
        "is_shared": false,
        "can_assign_tasks": false,
        "view_style": "list",
        "default_order": 0,
        "description": "",
        "created_at": "2024-01-02T10:00:00.000000Z",
        "updated_at": "2024-01-02T10:00:00.000000Z",
        "inbox_project": p.inbox_project,
    })
}

async fn projects(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let params = Params::parse(q);
    respond(s.gate(&headers).and_then(|()| {
        let size = params.limit(s.page_size())?;
        let world = lock(&s.world);
        let sorted: Vec<(String, Value)> = world
            .projects
            .values()
            .filter(|p| !p.deleted)
            .filter_map(|p| p.entry.as_ref())
            .enumerate()
            .map(|(i, p)| (p.id.clone(), project_json(p, i + 1)))
            .collect();
        let (results, next) = page_of(&world, &params, "projects", sorted, size)?;
        Ok(json!({ "results": results, "next_cursor": next }))
    }))
}

async fn sections(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let params = Params::parse(q);
    respond(s.gate(&headers).and_then(|()| {
        let size = params.limit(s.page_size())?;
        let project_id = params
            .get("project_id")
            .ok_or_else(|| ApiError::missing_argument("project_id"))?;
        let world = lock(&s.world);
        let project = world.project(project_id)?;
        let sorted: Vec<(String, Value)> = project
            .sections
            .iter()
            .enumerate()
            .map(|(i, (id, name))| {
                let section = json!({
                    "id": id,
                    "user_id": "2671355",
                    "project_id": project_id,
                    "added_at": "2024-01-02T10:00:00.000000Z",
                    "updated_at": "2024-01-02T10:00:00.000000Z",
                    "archived_at": null,
                    "name": name,
                    "section_order": i + 1,
                    "is_archived": false,
                    "is_deleted": false,
                    "is_collapsed": false,
                });
                (id.clone(), section)
            })
            .collect();
        let scope = format!("sections|{project_id}");
        let (results, next) = page_of(&world, &params, &scope, sorted, size)?;
        Ok(json!({ "results": results, "next_cursor": next }))
    }))
}

async fn active_tasks(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let params = Params::parse(q);
    respond(s.gate(&headers).and_then(|()| {
        let size = params.limit(s.page_size())?;
        let world = lock(&s.world);
        let project_id = params.get("project_id");
        if let Some(p) = project_id {
            world.project(p)?;
        }
        // Only the page sent is copied out of the world.
        let sorted: Vec<(String, _)> = world
            .tasks
            .iter()
            .filter(|(_, t)| t["is_deleted"] != true && !is_completed(t))
            .filter(|(_, t)| project_id.is_none_or(|p| t["project_id"] == p))
            .map(|(id, t)| (id.clone(), t))
            .collect();
        let scope = format!("tasks|{}", project_id.unwrap_or(""));
        let (results, next) = page_of(&world, &params, &scope, sorted, size)?;
        let results: Vec<Value> = results
            .into_iter()
            .map(|t| Value::Object(t.clone()))
            .collect();
        Ok(json!({ "results": results, "next_cursor": next }))
    }))
}

async fn completed_tasks(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let params = Params::parse(q);
    respond(s.gate(&headers).and_then(|()| {
        let since = params.instant("since")?;
        let until = params.instant("until")?;
        if until < since || until - since > *lock(&s.max_span) {
            let mut e = ApiError::new(
                StatusCode::BAD_REQUEST,
                "The date range is too big",
                20,
                "INVALID_DATE_RANGE",
            );
            e.extra = json!({ "argument": "until" });
            return Err(e);
        }
        let size = params.limit(s.page_size())?;
        let world = lock(&s.world);
        let project_id = params.get("project_id");
        if let Some(p) = project_id {
            world.project(p)?;
        }
        let sorted: Vec<(String, _)> = world
            .tasks
            .iter()
            .filter(|(_, t)| t["is_deleted"] != true && is_completed(t))
            .filter(|(_, t)| project_id.is_none_or(|p| t["project_id"] == p))
            .filter_map(|(id, t)| {
                let at = completed_at(t)?;
                (at >= since && at <= until).then(|| (time_sort_key(Some(at), id), t))
            })
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .collect();
        let scope = format!(
            "completed|{}|{}|{}",
            project_id.unwrap_or(""),
            since.timestamp(),
            until.timestamp()
        );
        let (items, next) = page_of(&world, &params, &scope, sorted, size)?;
        let items: Vec<Value> = items
            .into_iter()
            .map(|t| Value::Object(t.clone()))
            .collect();
        Ok(json!({ "items": items, "next_cursor": next }))
    }))
}

/// `object_event_types` as filters `(object type, event type)`, either side
/// empty for "any": a JSON array, repeated values, or one value.
fn event_filters(params: &Params) -> Result<Vec<(String, String)>, ApiError> {
    let mut filters = Vec::new();
    for raw in params.all("object_event_types") {
        let values: Vec<String> = if raw.trim_start().starts_with('[') {
            serde_json::from_str(raw)
                .map_err(|_| ApiError::invalid_argument("object_event_types"))?
        } else {
            vec![raw.to_owned()]
        };
        for v in values {
            let (object, event) = v.split_once(':').unwrap_or((v.as_str(), ""));
            filters.push((object.to_owned(), event.to_owned()));
        }
    }
    Ok(filters)
}

async fn activities(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let params = Params::parse(q);
    respond(s.gate(&headers).and_then(|()| {
        let size = match params.get("limit") {
            None => LIMIT_DEFAULT,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=ACTIVITY_LIMIT_MAX).contains(&n) => n,
                _ => return Err(ApiError::invalid_argument("limit")),
            },
        }
        .min(s.page_size());
        let filters = event_filters(&params)?;
        let object_type = params.get("object_type");
        let event_type = params.get("event_type");
        let from = params
            .get("date_from")
            .map(|_| params.instant("date_from"))
            .transpose()?;
        let to = params
            .get("date_to")
            .map(|_| params.instant("date_to"))
            .transpose()?;
        let world = lock(&s.world);
        // What the plan shows: events older than its history are not returned.
        let horizon = lock(&s.plan)
            .activity_days
            .map(|d| world.clock.now() - chrono::Duration::days(i64::from(d)));
        let matches = |a: &Activity| {
            if a.raw.is_some() {
                return horizon.is_none_or(|h| a.event_date >= h);
            }
            let kinds_ok = filters.is_empty()
                || filters.iter().any(|(o, e)| {
                    (o.is_empty() || o == "item") && (e.is_empty() || e == a.event_type)
                });
            kinds_ok
                && object_type.is_none_or(|o| o == "item")
                && event_type.is_none_or(|e| e == a.event_type)
                && params.get("object_id").is_none_or(|id| id == a.object_id)
                && params
                    .get("parent_project_id")
                    .is_none_or(|p| a.parent_project_id.as_deref() == Some(p))
                && params
                    .get("parent_item_id")
                    .is_none_or(|p| a.parent_item_id.as_deref() == Some(p))
                && from.is_none_or(|f| a.event_date >= f)
                && to.is_none_or(|t| a.event_date < t)
                && horizon.is_none_or(|h| a.event_date >= h)
        };
        // Newest first.
        let sorted: Vec<(String, &Activity)> = world
            .activities
            .iter()
            .filter(|a| matches(a))
            .map(|a| {
                let key = format!(
                    "{:020}|{:020}",
                    i64::MAX - a.event_date.timestamp_millis(),
                    u64::MAX - a.id
                );
                (key, a)
            })
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .collect();
        let scope = format!(
            "activities|{}",
            params
                .0
                .iter()
                .filter(|(k, _)| k != "cursor" && k != "limit")
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        );
        let (results, next) = page_of(&world, &params, &scope, sorted, size)?;
        let results: Vec<Value> = results.into_iter().map(Activity::json).collect();
        Ok(json!({ "results": results, "next_cursor": next }))
    }))
}

/// The one thing `/sync` serves: `user_plan_limits`, for `sync_token=*` and
/// `resource_types` naming it (or `all`), from a form or a JSON body.
async fn sync(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    respond(s.gate(&headers).and_then(|()| {
        let json_body = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let (token, types) = if json_body {
            let v: Value =
                serde_json::from_slice(&body).map_err(|_| ApiError::invalid_argument("body"))?;
            let types = match v.get("resource_types") {
                Some(Value::String(t)) => serde_json::from_str(t).ok(),
                Some(t) => serde_json::from_value::<Vec<String>>(t.clone()).ok(),
                None => None,
            };
            (
                v.get("sync_token")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                types,
            )
        } else {
            let form = parse_query(&String::from_utf8_lossy(&body));
            let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            let types =
                get("resource_types").and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok());
            (get("sync_token"), types)
        };
        let token = token.ok_or_else(|| ApiError::missing_argument("sync_token"))?;
        let types = types.ok_or_else(|| ApiError::invalid_argument("resource_types"))?;
        let mut out = json!({
            "full_sync": token == "*",
            "sync_token": hex_token("fake-sync"),
            "temp_id_mapping": {},
        });
        let wanted = types.iter().any(|t| t == "user_plan_limits" || t == "all");
        if wanted && !s.hide_plan.load(Ordering::Relaxed) {
            let plan = *lock(&s.plan);
            let next = (plan.activity_days.is_some()).then(|| plan_info(Plan::PRO));
            out["user_plan_limits"] = json!({ "current": plan_info(plan), "next": next });
        }
        Ok(out)
    }))
}

/// A user plan info object (developer.todoist.com/api/v1 #tag/Sync/User/User-plan-limits).
fn plan_info(plan: Plan) -> Value {
    let free = plan.activity_days.is_some();
    json!({
        "plan_name": plan.name,
        "activity_log": true,
        "activity_log_limit": plan.activity_days.map_or(-1, i64::from),
        "automatic_backups": !free,
        "calendar_feeds": true,
        "comments": true,
        "completed_tasks": true,
        "filters": true,
        "labels": true,
        "max_filters": if free { 3 } else { 150 },
        "max_projects": if free { 5 } else { 300 },
        "max_sections": 20,
        "max_tasks": 300,
        "max_collaborators": 5,
        "reminders": !free,
        "templates": true,
        "upload_limit_mb": if free { 5 } else { 100 },
        "uploads": true,
        "weekly_trends": true,
    })
}

impl FakeServer for FakeTodoist {
    fn harness(&self) -> &Harness {
        &self.shared.harness
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_within_their_scope_and_epoch() {
        let c = encode_cursor(2, "completed|p|1|2", "0001|x");
        assert_eq!(
            decode_cursor(&c, 2, "completed|p|1|2").as_deref(),
            Some("0001|x")
        );
        assert_eq!(decode_cursor(&c, 3, "completed|p|1|2"), None);
        assert_eq!(decode_cursor(&c, 2, "completed|q|1|2"), None);
        assert_eq!(decode_cursor("garbage", 2, "x"), None);
    }

    #[test]
    fn palette_names_round_trip() {
        for (name, hex) in PALETTE {
            assert_eq!(color_name(hex), name);
        }
        assert_eq!(color_name("#123456"), "charcoal");
    }
}
