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
//! Tests change the world through [`FakeTodoist`]'s methods and compare a
//! synced store with [`FakeTodoist::tasks`]; faults and latency come from
//! [`crate::http`]. [`FakeTodoist::throttle_next`] answers a request with 429
//! and `error_extra.retry_after`, with or without a `Retry-After` header.
//!
//! Simplifications: one user, no workspaces, no sub-project inheritance
//! (`project_id` matches exactly); `filter_query`, `section_id`, `parent_id`
//! and `label` are accepted and ignored; the error codes and tags other than
//! the cursor's and the rate limit's are plausible stand-ins, not Todoist's
//! documented values.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value, json};

use vica_core::model::{Provider, SourceKind, TaskRecord};

use crate::demo::DemoAccount;
use crate::http::{
    ErrorRenderer, FakeServer, Harness, InjectedError, ServerHandle, hex_token, json_response,
    lock, parse_query, take_page, time_sort_key, unhex_token,
};
pub use crate::http::{Fault, RecordedRequest};

/// The token requests must carry unless [`FakeTodoist::set_access_token`] says otherwise.
pub const DEFAULT_ACCESS_TOKEN: &str = "fake-todoist-token";
/// The longest `until - since` of one completed-tasks request, until changed.
pub const DEFAULT_MAX_COMPLETED_SPAN_DAYS: i64 = 92;

const LIMIT_DEFAULT: usize = 50;
const LIMIT_MAX: usize = 200;

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

    /// Completes a task at `at`.
    pub fn complete_task(&self, id: &str, at: DateTime<Utc>) {
        self.update(id, |t| {
            t.insert("checked".into(), json!(true));
            t.insert("completed_at".into(), json!(todoist_instant(at)));
        });
    }

    /// Reopens a completed task.
    pub fn reopen_task(&self, id: &str) {
        self.update(id, |t| {
            t.insert("checked".into(), json!(false));
            t.insert("completed_at".into(), Value::Null);
        });
    }

    /// Moves a task to another project (out of its section).
    pub fn move_task(&self, id: &str, project_id: &str) {
        self.update(id, |t| {
            t.insert("project_id".into(), json!(project_id));
            t.insert("section_id".into(), Value::Null);
        });
    }

    /// Deletes a task: no endpoint lists it any more.
    pub fn delete_task(&self, id: &str) {
        if let Some(t) = lock(&self.shared.world).tasks.get_mut(id) {
            t.insert("is_deleted".into(), json!(true));
        }
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut Map<String, Value>)) {
        let mut world = lock(&self.shared.world);
        if let Some(t) = world.tasks.get_mut(id).filter(|t| t["is_deleted"] != true) {
            f(t);
            t.insert("updated_at".into(), json!(todoist_instant(Utc::now())));
        }
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

#[derive(Debug, Default)]
struct World {
    seq: u64,
    /// Bumped by `invalidate_cursors`; cursors of older epochs are refused.
    epoch: u64,
    projects: BTreeMap<String, Project>,
    tasks: BTreeMap<String, Map<String, Value>>,
}

#[derive(Debug, Default)]
struct Project {
    /// `None` for a project only named by a task or a section so far.
    entry: Option<ProjectEntry>,
    deleted: bool,
    sections: BTreeMap<String, String>,
}

impl World {
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
        let now = todoist_instant(Utc::now());
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
