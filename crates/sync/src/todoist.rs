//! Todoist through its unified API v1 (`https://api.todoist.com/api/v1`).
//!
//! Sources are projects (`GET /projects`: name, colour). A project's listing
//! has three parts, one request per page:
//!
//! 1. completions of recurring tasks, from the activity log
//!    (`GET /activities?object_event_types=["item:completed"]&parent_project_id=&date_from=&date_to=`,
//!    paged with `cursor`): completing a recurring task moves its due date
//!    and leaves it open, so Todoist never lists that completion with the
//!    completed tasks. Each one is stored once, as `{task id}@{unix
//!    seconds}`, and kept for good ([`Fetched::kept_tasks`]): the log reaches
//!    back only as many days as the account's plan keeps (a week on the free
//!    plan), and a later listing that no longer finds a completion must not
//!    remove it. Entries of another kind, or without the fields a completion
//!    needs, are skipped and reported; one-off completions in the log are
//!    left to part 2;
//! 2. tasks completed in the window, from
//!    `GET /tasks/completed/by_completion_date?since=&until=&project_id=`,
//!    the window cut into spans no longer than [`TodoistConfig::max_span`]
//!    (Todoist limits one request to about three months), each span paged
//!    with `cursor`;
//! 3. the project's open tasks (`GET /tasks?project_id=`, paged), of which
//!    those due on or before the window's last day are kept: the review's
//!    "next week" (and overdue work) comes from them.
//!
//! How far back the activity log reaches comes from the plan:
//! `POST /sync` with `resource_types=["user_plan_limits"]`, whose
//! `current.activity_log_limit` is in days (`-1`: no limit;
//! developer.todoist.com/api/v1 #tag/Sync/User/User-plan-limits). `GET /user`
//! only says whether the user pays (`is_premium`, `premium_status`), not
//! how many days that buys, so it is not used. When the plan cannot be read
//! (an error other than credentials or the network, or an answer without the
//! limit), the client assumes [`FALLBACK_ACTIVITY_DAYS`], the free plan's
//! week and the least any plan keeps: a reader that assumes too little only
//! warns too often. Each listing reports the span of history it asked the
//! log for and the span it could read in full ([`Fetched::history`]); where
//! the first reaches back further than the log did (the last sync was longer
//! ago than the plan keeps), the review says completions may be missing. A
//! plan without an activity log, or a log that answers 403, leaves it all
//! unread (and noted) without failing the project's tasks.
//!
//! Labels, priority (Todoist's 1 to 4, 4 urgent), description, section (by
//! name, from `GET /sections`) and due date are kept. Todoist has no change
//! cursor for these endpoints, so every later sync lists afresh only the
//! recent part of the window (since the last listing began, less
//! [`TodoistConfig::refetch`]) through [`Provider::relist`]: its last page
//! removes, inside that part, what it did not return (tasks deleted or
//! reopened), and everything older stays as stored; after a listing by a
//! Vica that did not read the activity log yet, the next one covers the
//! whole window once. Completions of a
//! recurring task are kept apart (`{id}@{unix seconds}`), since the task
//! itself stays open; a recurring task completed for good (checked, listed
//! with the completed tasks) gets the same key, so it is stored once.
//!
//! A paging cursor Todoist no longer accepts (`400`) starts the listing over;
//! a `410` (an endpoint Todoist retired) is reported with its real status,
//! never as a credentials problem. Authentication is `Authorization: Bearer`
//! with an OAuth access token or a personal API token alike: give the client a
//! [`crate::http::TokenSource`] (a [`crate::http::StaticToken`] for a personal token).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use vica_core::clock::SharedClock;
use vica_core::model::{HistorySpan, Source, SourceKind, SourceRecord, TaskRecord};

use crate::error::{Result, SyncError};
use crate::http::{RetryPolicy, TokenSource, Transport};
use crate::provider::{Fetched, Next, PastListing, Provider, Window};

const NAME: &str = "Todoist";

/// Todoist's API base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.todoist.com/api/v1";

/// Days of activity history assumed when the plan cannot be read: the free
/// plan's week, the least any plan keeps ("Activity history: 1 week" on
/// Beginner, unlimited on Pro and Business,
/// todoist.com/help/articles/usage-limits-in-todoist-e5rcSY).
pub const FALLBACK_ACTIVITY_DAYS: i64 = 7;

/// The activity log's largest `limit`.
const ACTIVITY_PAGE_MAX: u32 = 100;

/// How long a plan read from `/sync` is trusted (by the client's clock).
const PLAN_TTL: Duration = Duration::hours(1);

/// Todoist's named colours as `#rrggbb` (developer.todoist.com/guides/#colors).
pub const COLORS: [(&str, &str); 20] = [
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

/// The hex value of a Todoist colour name.
pub fn color_hex(name: &str) -> Option<&'static str> {
    COLORS.iter().find(|(n, _)| *n == name).map(|(_, h)| *h)
}

/// How to reach Todoist.
#[derive(Debug, Clone)]
pub struct TodoistConfig {
    /// `https://api.todoist.com/api/v1`, or a local fake's.
    pub base_url: Url,
    /// `limit` per page (Todoist allows up to 200).
    pub page_size: u32,
    /// The longest `until - since` of one completed-tasks request.
    pub max_span: Duration,
    /// How far before the last listing's start a later sync lists again.
    pub refetch: Duration,
    pub retry: RetryPolicy,
    /// What time it is (when a listing starts).
    pub clock: SharedClock,
}

impl TodoistConfig {
    pub fn new(base_url: &str) -> Result<TodoistConfig> {
        let base_url = Url::parse(base_url.trim_end_matches('/')).map_err(|e| SyncError::Http {
            provider: NAME,
            status: 0,
            message: format!("invalid base URL: {e}"),
        })?;
        Ok(TodoistConfig {
            base_url,
            page_size: 200,
            max_span: Duration::weeks(12),
            refetch: Duration::days(14),
            retry: RetryPolicy::default(),
            clock: vica_core::clock::system(),
        })
    }
}

/// A Todoist client for one account.
pub struct Todoist {
    config: TodoistConfig,
    transport: Transport,
    /// Section names by id, per project, refreshed when a listing starts.
    sections: Mutex<HashMap<String, HashMap<String, String>>>,
    /// The plan's days of activity history (`None`: no limit), and when it was read.
    plan: Mutex<Option<(DateTime<Utc>, Option<i64>)>>,
}

/// Where a project's listing stands, as stored in the cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
enum Cursor {
    /// Completed tasks from `since` (one span at a time), at Todoist's `page`.
    Completed {
        started: DateTime<Utc>,
        since: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    },
    /// Recurring completions from the activity log, at Todoist's `page`.
    /// `reach` is where the log began when the listing asked (from the plan;
    /// `None` for no limit).
    Activity {
        started: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reach: Option<DateTime<Utc>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    },
    /// Open tasks, at Todoist's `page`.
    Open {
        started: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    },
    /// The listing that began at `listed_at` is complete. `activity` is false
    /// for a listing by a Vica that did not read the activity log yet.
    Listed {
        listed_at: DateTime<Utc>,
        #[serde(default)]
        activity: bool,
    },
}

/// Where a listing of a past chunk (history import) stands: recurring
/// completions from the activity log, then completed tasks, each at
/// Todoist's `page`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
enum PastCursor {
    Activity {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reach: Option<DateTime<Utc>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    },
    Completed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    },
}

impl Todoist {
    pub fn new(config: TodoistConfig, tokens: Arc<dyn TokenSource>) -> Result<Todoist> {
        let transport = Transport::new(NAME, tokens, config.retry)?;
        Ok(Todoist {
            config,
            transport,
            sections: Mutex::new(HashMap::new()),
            plan: Mutex::new(None),
        })
    }

    /// Days of activity history the account's plan keeps (`None`: no limit),
    /// from `user_plan_limits`; [`FALLBACK_ACTIVITY_DAYS`] when the plan
    /// cannot be read. Credentials and network failures are errors.
    async fn activity_days(&self) -> Result<Option<i64>> {
        let now = self.config.clock.now();
        if let Some((read_at, days)) = *self.plan.lock().unwrap_or_else(|e| e.into_inner())
            && now >= read_at
            && now - read_at < PLAN_TTL
        {
            return Ok(days);
        }
        let url = self.url(&["sync"], &[])?;
        let form = [
            ("sync_token", "*"),
            ("resource_types", r#"["user_plan_limits"]"#),
        ];
        let days = match self.transport.post_form_json(&url, &form).await {
            Ok(body) => plan_days(&body).unwrap_or(Some(FALLBACK_ACTIVITY_DAYS)),
            Err(
                e @ (SyncError::Unauthorized { .. }
                | SyncError::ReconnectNeeded { .. }
                | SyncError::Network { .. }
                | SyncError::Timeout { .. }
                | SyncError::RateLimited { .. }
                | SyncError::Interrupted),
            ) => return Err(e),
            Err(_) => Some(FALLBACK_ACTIVITY_DAYS),
        };
        *self.plan.lock().unwrap_or_else(|e| e.into_inner()) = Some((now, days));
        Ok(days)
    }

    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<Url> {
        let mut url = self.config.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| malformed("the base URL cannot take a path"))?
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    fn limit(&self) -> String {
        self.config.page_size.clamp(1, 200).to_string()
    }

    /// GETs a Todoist URL, in Todoist's terms: 404 is the project gone, 400 on
    /// a paged request a cursor Todoist forgot, 410 a retired endpoint.
    /// One page of the activity log's completions in `project` from `from`
    /// to `to` (exclusive), after `page`; `None` when Todoist refuses the log
    /// (a plan or a token without it).
    async fn activity_page(
        &self,
        project: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        page: Option<&str>,
    ) -> Result<Option<Value>> {
        let from = from.to_rfc3339_opts(SecondsFormat::Secs, true);
        let to = to.to_rfc3339_opts(SecondsFormat::Secs, true);
        let limit = self
            .config
            .page_size
            .clamp(1, ACTIVITY_PAGE_MAX)
            .to_string();
        let mut query = vec![
            ("object_event_types", r#"["item:completed"]"#),
            ("parent_project_id", project),
            ("date_from", from.as_str()),
            ("date_to", to.as_str()),
            ("limit", limit.as_str()),
        ];
        if let Some(p) = page {
            query.push(("cursor", p));
        }
        let url = self.url(&["activities"], &query)?;
        match self.get(&url, page.is_some()).await {
            Ok(body) => Ok(Some(body)),
            Err(SyncError::Http { status: 403, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn get(&self, url: &Url, paged: bool) -> Result<Value> {
        match self.transport.get_json(url, &[]).await {
            Err(SyncError::SourceGone { .. }) => Err(SyncError::SourceGone {
                provider: NAME,
                what: "project",
            }),
            Err(SyncError::Http { status: 400, .. }) if paged => {
                Err(SyncError::CursorExpired { provider: NAME })
            }
            Err(SyncError::CursorExpired { .. }) => Err(SyncError::Http {
                provider: NAME,
                status: 410,
                message: "Todoist retired this endpoint; Vica needs an update".into(),
            }),
            other => other,
        }
    }

    /// Reloads a project's section names.
    async fn load_sections(&self, project: &str) -> Result<()> {
        let mut names = HashMap::new();
        let mut page: Option<String> = None;
        loop {
            let limit = self.limit();
            let mut query = vec![("project_id", project), ("limit", limit.as_str())];
            if let Some(p) = &page {
                query.push(("cursor", p));
            }
            let body = self
                .get(&self.url(&["sections"], &query)?, page.is_some())
                .await?;
            for s in results(&body, "results")? {
                if let (Some(id), Some(name)) = (
                    s.get("id").and_then(Value::as_str),
                    s.get("name").and_then(Value::as_str),
                ) {
                    names.insert(id.to_owned(), name.to_owned());
                }
            }
            match next_cursor(&body) {
                Some(c) => page = Some(c),
                None => break,
            }
        }
        self.sections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(project.to_owned(), names);
        Ok(())
    }

    fn section_names(&self, project: &str) -> Option<HashMap<String, String>> {
        self.sections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(project)
            .cloned()
    }
}

#[async_trait]
impl Provider for Todoist {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn list_sources(&self) -> Result<Vec<SourceRecord>> {
        let mut sources = Vec::new();
        let mut page: Option<String> = None;
        loop {
            let limit = self.limit();
            let mut query = vec![("limit", limit.as_str())];
            if let Some(p) = &page {
                query.push(("cursor", p));
            }
            let body = self
                .get(&self.url(&["projects"], &query)?, page.is_some())
                .await?;
            sources.extend(results(&body, "results")?.iter().filter_map(project_entry));
            match next_cursor(&body) {
                Some(c) => page = Some(c),
                None => break,
            }
        }
        Ok(sources)
    }

    async fn fetch(
        &self,
        source: &Source,
        cursor: Option<&str>,
        window: Window,
    ) -> Result<Fetched> {
        let project = source.provider_id.as_str();
        let stored = match cursor {
            None => None,
            Some(c) => Some(
                serde_json::from_str::<Cursor>(c)
                    .map_err(|_| SyncError::CursorExpired { provider: NAME })?,
            ),
        };
        let mut at = match stored {
            None | Some(Cursor::Listed { .. }) => {
                // A new listing: section names may have changed.
                self.load_sections(project).await?;
                let started = self.config.clock.now();
                let reach = self
                    .activity_days()
                    .await?
                    .map(|days| self.config.clock.now() - Duration::days(days));
                Cursor::Activity {
                    started,
                    reach,
                    page: None,
                }
            }
            Some(c) => c,
        };
        if self.section_names(project).is_none() {
            self.load_sections(project).await?;
        }
        let sections = self.section_names(project).unwrap_or_default();
        loop {
            match at {
                Cursor::Activity {
                    started,
                    reach,
                    page,
                } => {
                    let cap = window.end.min(started + Duration::days(1));
                    let since = window.start;
                    let next_phase = Cursor::Completed {
                        started,
                        since,
                        page: None,
                    };
                    if since >= cap {
                        at = next_phase;
                        continue;
                    }
                    let asked = (since < started).then_some(HistorySpan {
                        start: since,
                        end: started,
                        read: false,
                    });
                    // A plan without an activity log: nothing to ask for, and
                    // all of it unread.
                    if page.is_none() && reach.is_some_and(|r| r >= started) {
                        let mut fetched = Fetched::new(more(&next_phase)?);
                        fetched.history.extend(asked);
                        return Ok(fetched);
                    }
                    let Some(body) = self
                        .activity_page(project, since, cap, page.as_deref())
                        .await?
                    else {
                        // The log refused (a plan or token without it): the
                        // tasks are still listed; what was asked stays unread.
                        let mut fetched = Fetched::new(more(&next_phase)?);
                        fetched.history.extend(asked);
                        return Ok(fetched);
                    };
                    let last = next_cursor(&body);
                    let next = match &last {
                        Some(c) => Cursor::Activity {
                            started,
                            reach,
                            page: Some(c.clone()),
                        },
                        None => next_phase,
                    };
                    let mut fetched =
                        map_activity(results(&body, "results")?, project, more(&next)?);
                    if last.is_none() && since < started {
                        // All pages read: what was asked for up to the listing's
                        // start, and what of it the log still had.
                        fetched.history.extend(asked);
                        let read_from = reach.map_or(since, |r| r.max(since));
                        if read_from < started {
                            fetched.history.push(HistorySpan {
                                start: read_from,
                                end: started,
                                read: true,
                            });
                        }
                    }
                    return Ok(fetched);
                }
                Cursor::Completed {
                    started,
                    since,
                    page,
                } => {
                    // Nothing completes in the future: stop a day past the listing's start.
                    let cap = window.end.min(started + Duration::days(1));
                    if since >= cap {
                        at = Cursor::Open {
                            started,
                            page: None,
                        };
                        continue;
                    }
                    let until = cap.min(since + self.config.max_span);
                    let since_s = since.to_rfc3339_opts(SecondsFormat::Secs, true);
                    let until_s = until.to_rfc3339_opts(SecondsFormat::Secs, true);
                    let limit = self.limit();
                    let mut query = vec![
                        ("since", since_s.as_str()),
                        ("until", until_s.as_str()),
                        ("project_id", project),
                        ("limit", limit.as_str()),
                    ];
                    if let Some(p) = &page {
                        query.push(("cursor", p));
                    }
                    let url = self.url(&["tasks", "completed", "by_completion_date"], &query)?;
                    let body = self.get(&url, page.is_some()).await?;
                    let next = match next_cursor(&body) {
                        Some(c) => Cursor::Completed {
                            started,
                            since,
                            page: Some(c),
                        },
                        None if until < cap => Cursor::Completed {
                            started,
                            since: until,
                            page: None,
                        },
                        None => Cursor::Open {
                            started,
                            page: None,
                        },
                    };
                    let items = results(&body, "items")?;
                    return map_page(
                        items,
                        project,
                        &sections,
                        Phase::Completed,
                        None,
                        more(&next)?,
                    );
                }
                Cursor::Open { started, page } => {
                    let limit = self.limit();
                    let mut query = vec![("project_id", project), ("limit", limit.as_str())];
                    if let Some(p) = &page {
                        query.push(("cursor", p));
                    }
                    let url = self.url(&["tasks"], &query)?;
                    let body = self.get(&url, page.is_some()).await?;
                    let next = match next_cursor(&body) {
                        Some(c) => more(&Cursor::Open {
                            started,
                            page: Some(c),
                        })?,
                        None => Next::Done(encode(&Cursor::Listed {
                            listed_at: started,
                            activity: true,
                        })?),
                    };
                    let items = results(&body, "results")?;
                    let last_day = window.end.date_naive();
                    return map_page(items, project, &sections, Phase::Open, Some(last_day), next);
                }
                Cursor::Listed { .. } => {
                    return Err(SyncError::CursorExpired { provider: NAME });
                }
            }
        }
    }

    /// Completed tasks by completion date reach as far back as the account
    /// allows, in spans of at most [`TodoistConfig::max_span`].
    fn past(&self) -> PastListing {
        PastListing::Chunks(self.config.max_span)
    }

    /// A past chunk: first the recurring completions the activity log still
    /// has (the plan limits how far back; what it no longer reaches is
    /// reported as history asked for and not read, so the review notes
    /// those days), then the completed tasks of the chunk.
    async fn fetch_past(
        &self,
        source: &Source,
        span: Window,
        page: Option<&str>,
    ) -> Result<Fetched> {
        let project = source.provider_id.as_str();
        let at = match page {
            None => {
                let reach = self
                    .activity_days()
                    .await?
                    .map(|days| self.config.clock.now() - Duration::days(days));
                PastCursor::Activity { reach, page: None }
            }
            Some(p) => serde_json::from_str::<PastCursor>(p)
                .map_err(|_| SyncError::CursorExpired { provider: NAME })?,
        };
        let past_more = |c: &PastCursor| -> Result<Next> {
            serde_json::to_string(c)
                .map(Next::More)
                .map_err(|e| malformed(&e.to_string()))
        };
        let asked = HistorySpan {
            start: span.start,
            end: span.end,
            read: false,
        };
        let completed = PastCursor::Completed { page: None };
        match at {
            PastCursor::Activity { reach, page } => {
                // The log no longer reaches this chunk: asked, not read.
                if page.is_none() && reach.is_some_and(|r| r >= span.end) {
                    let mut fetched = Fetched::new(past_more(&completed)?);
                    fetched.history.push(asked);
                    return Ok(fetched);
                }
                let Some(body) = self
                    .activity_page(project, span.start, span.end, page.as_deref())
                    .await?
                else {
                    let mut fetched = Fetched::new(past_more(&completed)?);
                    fetched.history.push(asked);
                    return Ok(fetched);
                };
                let last = next_cursor(&body);
                let next = match &last {
                    Some(c) => PastCursor::Activity {
                        reach,
                        page: Some(c.clone()),
                    },
                    None => completed,
                };
                let mut fetched =
                    map_activity(results(&body, "results")?, project, past_more(&next)?);
                if last.is_none() {
                    fetched.history.push(asked);
                    let read_from = reach.map_or(span.start, |r| r.max(span.start));
                    if read_from < span.end {
                        fetched.history.push(HistorySpan {
                            start: read_from,
                            end: span.end,
                            read: true,
                        });
                    }
                }
                Ok(fetched)
            }
            PastCursor::Completed { page } => {
                if self.section_names(project).is_none() {
                    self.load_sections(project).await?;
                }
                let sections = self.section_names(project).unwrap_or_default();
                let since = span.start.to_rfc3339_opts(SecondsFormat::Secs, true);
                let until = span.end.to_rfc3339_opts(SecondsFormat::Secs, true);
                let limit = self.limit();
                let mut query = vec![
                    ("since", since.as_str()),
                    ("until", until.as_str()),
                    ("project_id", project),
                    ("limit", limit.as_str()),
                ];
                if let Some(p) = &page {
                    query.push(("cursor", p));
                }
                let url = self.url(&["tasks", "completed", "by_completion_date"], &query)?;
                let body = self.get(&url, page.is_some()).await?;
                let next = match next_cursor(&body) {
                    Some(c) => past_more(&PastCursor::Completed { page: Some(c) })?,
                    None => Next::Done(String::new()),
                };
                map_page(
                    results(&body, "items")?,
                    project,
                    &sections,
                    Phase::Completed,
                    None,
                    next,
                )
            }
        }
    }

    fn relist(&self, cursor: &str, _listed: Window, window: Window) -> Option<Window> {
        // After a listing that did not read the activity log (an older
        // Vica's), the whole window, so its recurring completions are read
        // and the days the log no longer has are noted.
        let start = match serde_json::from_str::<Cursor>(cursor) {
            Ok(Cursor::Listed {
                listed_at,
                activity: true,
            }) => (listed_at - self.config.refetch).clamp(window.start, window.end),
            _ => window.start,
        };
        Some(Window {
            start,
            end: window.end,
        })
    }
}

fn encode(c: &Cursor) -> Result<String> {
    serde_json::to_string(c).map_err(|e| malformed(&e.to_string()))
}

fn more(c: &Cursor) -> Result<Next> {
    Ok(Next::More(encode(c)?))
}

/// The list under `key`, or an error if the answer has another shape.
fn results<'a>(body: &'a Value, key: &str) -> Result<&'a [Value]> {
    match body.get(key) {
        Some(Value::Array(items)) => Ok(items),
        None | Some(Value::Null) => Err(malformed(&format!("the answer has no {key}"))),
        Some(_) => Err(malformed(&format!("{key} is not a list"))),
    }
}

fn next_cursor(body: &Value) -> Option<String> {
    body.get("next_cursor")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Completed,
    Open,
}

/// How many days of activity history `user_plan_limits` grants: `Some(None)`
/// for no limit (`-1`), `Some(Some(0))` when the plan has no activity log,
/// `None` when the answer does not say.
fn plan_days(body: &Value) -> Option<Option<i64>> {
    let current = body.get("user_plan_limits")?.get("current")?;
    if current.get("activity_log").and_then(Value::as_bool) == Some(false) {
        return Some(Some(0));
    }
    match current.get("activity_log_limit")?.as_i64()? {
        -1 => Some(None),
        days if days >= 0 => Some(Some(days)),
        _ => None,
    }
}

/// Maps one page of the activity log: completions of recurring tasks in
/// `project` become kept tasks; one-off completions (listed with the
/// completed tasks) and other projects' events are passed over; anything
/// else is rejected with why.
fn map_activity(items: &[Value], project: &str, next: Next) -> Fetched {
    let mut fetched = Fetched::new(next);
    for (i, item) in items.iter().enumerate() {
        match activity_completion(item, project) {
            Ok(Some(task)) => fetched.kept_tasks.push(task),
            Ok(None) => {}
            Err(reason) => {
                let id = item
                    .get("id")
                    .and_then(text_id)
                    .map_or_else(|| format!("activity {i}"), |id| format!("activity {id}"));
                fetched.rejected.push((id, reason));
            }
        }
    }
    fetched
}

/// A string id, or a number written as one.
fn text_id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One activity event as a completion of a recurring task, `None` when it
/// is a completion this listing takes elsewhere, or why it cannot be read.
fn activity_completion(item: &Value, project: &str) -> Result<Option<TaskRecord>, String> {
    let field = |k: &str| item.get(k).and_then(Value::as_str);
    match (field("object_type"), field("event_type")) {
        (Some("item"), Some("completed")) => {}
        (Some(o), Some(e)) => return Err(format!("unexpected event {o}:{e}")),
        _ => return Err("no object_type or event_type".into()),
    }
    let task = item
        .get("object_id")
        .and_then(text_id)
        .ok_or("no object_id")?;
    let at = field("event_date")
        .and_then(instant)
        .ok_or("no valid event_date")?;
    let parent = item
        .get("parent_project_id")
        .and_then(text_id)
        .ok_or("no parent_project_id")?;
    if parent != project {
        return Ok(None);
    }
    let extra = item
        .get("extra_data")
        .and_then(Value::as_object)
        .ok_or("no extra_data")?;
    let recurring = extra
        .get("is_recurring")
        .and_then(Value::as_bool)
        .ok_or("no extra_data.is_recurring")?;
    let content = extra
        .get("content")
        .and_then(Value::as_str)
        .ok_or("no extra_data.content")?;
    if !recurring {
        return Ok(None);
    }
    Ok(Some(TaskRecord {
        provider_id: format!("{task}@{}", at.timestamp()),
        content: content.to_owned(),
        description: None,
        section: None,
        labels: Vec::new(),
        priority: 1,
        due_date: None,
        completed_at: Some(at),
        link: Some(format!("https://app.todoist.com/app/task/{task}")),
        updated_at: Some(at),
    }))
}

/// Maps one page of tasks; open tasks due after `last_day` (or never) are left out.
fn map_page(
    items: &[Value],
    project: &str,
    sections: &HashMap<String, String>,
    phase: Phase,
    last_day: Option<NaiveDate>,
    next: Next,
) -> Result<Fetched> {
    let mut fetched = Fetched::new(next);
    for (i, item) in items.iter().enumerate() {
        let Some(id) = item
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        else {
            fetched.rejected.push((format!("item {i}"), "no id".into()));
            continue;
        };
        if item.get("project_id").and_then(Value::as_str) != Some(project) {
            continue;
        }
        if item.get("is_deleted") == Some(&Value::Bool(true)) {
            fetched.deleted_tasks.push(id.to_owned());
            continue;
        }
        match task(item, sections, phase) {
            Ok(t) if phase == Phase::Open => {
                if t.due_date.is_some_and(|d| last_day.is_none_or(|l| d <= l)) {
                    fetched.tasks.push(t);
                }
            }
            Ok(t) => fetched.tasks.push(t),
            Err(reason) => fetched.rejected.push((id.to_owned(), reason)),
        }
    }
    Ok(fetched)
}

#[derive(Deserialize)]
struct TTask {
    id: String,
    #[serde(default)]
    content: String,
    description: Option<String>,
    section_id: Option<String>,
    #[serde(default)]
    labels: Vec<String>,
    priority: Option<i64>,
    due: Option<TDue>,
    completed_at: Option<String>,
    updated_at: Option<String>,
}

#[derive(Deserialize)]
struct TDue {
    date: String,
    #[serde(default)]
    is_recurring: bool,
}

/// Maps one task, or says why it cannot be read.
fn task(
    item: &Value,
    sections: &HashMap<String, String>,
    phase: Phase,
) -> Result<TaskRecord, String> {
    let t: TTask =
        serde_json::from_value(item.clone()).map_err(|e| format!("unexpected shape: {e}"))?;
    let due_date = match &t.due {
        None => None,
        // `2026-11-20`, or with a time: the date part either way.
        Some(d) => Some(
            d.date
                .get(..10)
                .and_then(|s| s.parse::<NaiveDate>().ok())
                .ok_or_else(|| format!("invalid due date {:?}", d.date))?,
        ),
    };
    let completed_at = match phase {
        Phase::Open => None,
        Phase::Completed => Some(
            t.completed_at
                .as_deref()
                .and_then(instant)
                .ok_or("a completed task without a valid completed_at")?,
        ),
    };
    let recurring = t.due.as_ref().is_some_and(|d| d.is_recurring);
    let provider_id = match completed_at {
        Some(at) if recurring => format!("{}@{}", t.id, at.timestamp()),
        _ => t.id.clone(),
    };
    Ok(TaskRecord {
        link: Some(format!("https://app.todoist.com/app/task/{}", t.id)),
        provider_id,
        content: t.content,
        description: t.description.filter(|d| !d.trim().is_empty()),
        section: t.section_id.and_then(|s| sections.get(&s).cloned()),
        labels: t.labels,
        priority: match t.priority {
            Some(p @ 1..=4) => p as u8,
            _ => 1,
        },
        due_date,
        completed_at,
        updated_at: t.updated_at.as_deref().and_then(instant),
    })
}

fn instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// A project as a source, unless it is archived or deleted.
fn project_entry(item: &Value) -> Option<SourceRecord> {
    let flag = |k: &str| item.get(k).and_then(Value::as_bool).unwrap_or(false);
    if flag("is_deleted") || flag("is_archived") {
        return None;
    }
    let id = item.get("id").and_then(Value::as_str)?;
    Some(SourceRecord {
        kind: SourceKind::Project,
        provider_id: id.to_owned(),
        name: item
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or(id)
            .to_owned(),
        color: item
            .get("color")
            .and_then(Value::as_str)
            .and_then(color_hex)
            .map(str::to_owned),
        is_primary: flag("inbox_project"),
        access_role: item.get("role").and_then(Value::as_str).map(str::to_owned),
    })
}

fn malformed(detail: &str) -> SyncError {
    SyncError::Malformed {
        provider: NAME,
        detail: detail.to_owned(),
    }
}

/// Reads one page of completed tasks (`tasks/completed/by_completion_date`)
/// for `project` as a sync would, without a request (for fuzzing and tests).
/// A body that is not JSON gives [`SyncError::Malformed`].
pub fn parse_completed_json(body: &[u8], project: &str) -> Result<Fetched> {
    let body: Value = serde_json::from_slice(body).map_err(|e| malformed(&e.to_string()))?;
    let items = results(&body, "items")?;
    map_page(
        items,
        project,
        &HashMap::new(),
        Phase::Completed,
        None,
        Next::Done(String::new()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sections() -> HashMap<String, String> {
        HashMap::from([("s1".to_owned(), "Admin".to_owned())])
    }

    #[test]
    fn completed_tasks_map_with_labels_priority_and_section() {
        let items = [
            json!({"id": "t1", "project_id": "p", "content": "Write **doc**", "description": "", "section_id": "s1",
                   "labels": ["work", "writing"], "priority": 4, "checked": true,
                   "completed_at": "2026-11-16T10:30:00.000000Z", "updated_at": "2026-11-16T10:30:00.000000Z",
                   "due": {"date": "2026-11-16", "is_recurring": false, "string": "Nov 16"}}),
            json!({"id": "t2", "project_id": "p", "content": "Water plants", "priority": 9,
                   "completed_at": "2026-11-17T08:00:00Z", "due": {"date": "2026-11-17T08:00:00", "is_recurring": true}}),
            json!({"id": "t3", "project_id": "p", "content": "No completion"}),
            json!({"id": "t4", "project_id": "other", "content": "Elsewhere", "completed_at": "2026-11-17T08:00:00Z"}),
            json!({"id": "t5", "project_id": "p", "is_deleted": true}),
            json!({"content": "no id", "project_id": "p"}),
        ];
        let f = map_page(
            &items,
            "p",
            &sections(),
            Phase::Completed,
            None,
            Next::More("c".into()),
        )
        .unwrap();
        assert_eq!(f.tasks.len(), 2);
        let t1 = &f.tasks[0];
        assert_eq!(t1.provider_id, "t1");
        assert_eq!(t1.labels, ["work", "writing"]);
        assert_eq!(t1.priority, 4);
        assert_eq!(t1.section.as_deref(), Some("Admin"));
        assert_eq!(t1.description, None);
        assert_eq!(t1.content, "Write **doc**");
        assert_eq!(
            t1.link.as_deref(),
            Some("https://app.todoist.com/app/task/t1")
        );
        assert_eq!(
            t1.completed_at,
            Some("2026-11-16T10:30:00Z".parse().unwrap())
        );
        let t2 = &f.tasks[1];
        assert_eq!(
            t2.provider_id,
            format!(
                "t2@{}",
                "2026-11-17T08:00:00Z"
                    .parse::<DateTime<Utc>>()
                    .unwrap()
                    .timestamp()
            )
        );
        assert_eq!(
            t2.priority, 1,
            "out-of-range priorities fall back to normal"
        );
        assert_eq!(t2.due_date, Some("2026-11-17".parse().unwrap()));
        assert_eq!(
            t2.link.as_deref(),
            Some("https://app.todoist.com/app/task/t2")
        );
        assert_eq!(f.deleted_tasks, ["t5"]);
        let rejected: Vec<&str> = f.rejected.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(rejected, ["t3", "item 5"]);
    }

    #[test]
    fn recurring_completions_in_the_activity_log_become_kept_tasks() {
        let completion = json!({"id": "9001", "object_type": "item", "object_id": "t7", "event_type": "completed",
            "event_date": "2026-11-17T08:00:00.000000Z", "parent_project_id": "p", "parent_item_id": null,
            "initiator_id": null, "extra_data": {"content": "Water **plants**", "client": "web", "is_recurring": true}});
        let mut numeric = completion.clone();
        numeric["id"] = json!(9002);
        numeric["object_id"] = json!(8);
        numeric["event_date"] = json!("2026-11-18T08:00:00Z");
        let mut once = completion.clone();
        once["extra_data"]["is_recurring"] = json!(false);
        let mut elsewhere = completion.clone();
        elsewhere["parent_project_id"] = json!("q");
        let mut uncompleted = completion.clone();
        uncompleted["event_type"] = json!("uncompleted");
        let items = [
            completion,
            numeric,
            once,
            elsewhere,
            uncompleted,
            json!({"object_type": "item"}),
        ];
        let f = map_activity(&items, "p", Next::More("c".into()));
        let ids: Vec<&str> = f
            .kept_tasks
            .iter()
            .map(|t| t.provider_id.as_str())
            .collect();
        let at: DateTime<Utc> = "2026-11-17T08:00:00Z".parse().unwrap();
        assert_eq!(
            ids,
            [
                format!("t7@{}", at.timestamp()),
                format!("8@{}", (at + Duration::days(1)).timestamp())
            ]
        );
        let t = &f.kept_tasks[0];
        assert_eq!(t.content, "Water **plants**");
        assert_eq!(t.completed_at, Some(at));
        assert_eq!(
            t.link.as_deref(),
            Some("https://app.todoist.com/app/task/t7")
        );
        assert!(f.tasks.is_empty(), "kept apart from the listing's tasks");
        let rejected: Vec<(&str, &str)> = f
            .rejected
            .iter()
            .map(|(i, w)| (i.as_str(), w.as_str()))
            .collect();
        assert_eq!(
            rejected,
            [
                ("activity 9001", "unexpected event item:uncompleted"),
                ("activity 5", "no object_type or event_type")
            ]
        );
    }

    #[test]
    fn the_plan_gives_days_of_activity_history() {
        let plan = |current: Value| json!({"user_plan_limits": {"current": current, "next": null}});
        assert_eq!(
            plan_days(&plan(
                json!({"activity_log": true, "activity_log_limit": 7})
            )),
            Some(Some(7))
        );
        assert_eq!(
            plan_days(&plan(
                json!({"activity_log": true, "activity_log_limit": -1})
            )),
            Some(None)
        );
        assert_eq!(
            plan_days(&plan(
                json!({"activity_log": false, "activity_log_limit": 7})
            )),
            Some(Some(0))
        );
        assert_eq!(plan_days(&plan(json!({"activity_log_limit": -5}))), None);
        assert_eq!(plan_days(&plan(json!({"activity_log_limit": "7"}))), None);
        assert_eq!(plan_days(&json!({"full_sync": true})), None);
    }

    #[test]
    fn open_tasks_are_kept_only_when_due_by_the_windows_last_day() {
        let items = [
            json!({"id": "a", "project_id": "p", "content": "Due soon", "due": {"date": "2026-11-24"}, "completed_at": null}),
            json!({"id": "b", "project_id": "p", "content": "Overdue", "due": {"date": "2026-10-01"}}),
            json!({"id": "c", "project_id": "p", "content": "Later", "due": {"date": "2027-03-01"}}),
            json!({"id": "d", "project_id": "p", "content": "Someday"}),
            json!({"id": "e", "project_id": "p", "content": "Bad due", "due": {"date": "soon"}}),
        ];
        let last = NaiveDate::from_ymd_opt(2026, 12, 18);
        let f = map_page(
            &items,
            "p",
            &sections(),
            Phase::Open,
            last,
            Next::Done("d".into()),
        )
        .unwrap();
        let ids: Vec<&str> = f.tasks.iter().map(|t| t.provider_id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert!(f.tasks.iter().all(|t| t.completed_at.is_none()));
        assert_eq!(f.rejected[0].0, "e");
    }

    #[test]
    fn projects_become_sources_with_palette_colours() {
        let p = project_entry(
            &json!({"id": "p1", "name": "Work", "color": "berry_red", "inbox_project": false}),
        )
        .unwrap();
        assert_eq!(p.color.as_deref(), Some("#b8255f"));
        assert_eq!(p.kind, SourceKind::Project);
        let inbox = project_entry(
            &json!({"id": "p0", "name": "Inbox", "color": "charcoal", "inbox_project": true}),
        )
        .unwrap();
        assert!(inbox.is_primary);
        assert_eq!(inbox.color.as_deref(), Some("#808080"));
        let odd = project_entry(&json!({"id": "p2", "name": "", "color": "#ff0000"})).unwrap();
        assert_eq!((odd.name.as_str(), odd.color), ("p2", None));
        assert!(project_entry(&json!({"id": "p3", "is_archived": true})).is_none());
        assert!(project_entry(&json!({"id": "p4", "is_deleted": true})).is_none());
        assert_eq!(color_hex("taupe"), Some("#ccac93"));
    }

    #[test]
    fn later_syncs_list_only_the_recent_part_of_the_window() {
        let client = Todoist::new(
            TodoistConfig::new("https://api.todoist.com/api/v1").unwrap(),
            Arc::new(crate::http::StaticToken::new("t")),
        )
        .unwrap();
        let now: DateTime<Utc> = "2026-11-20T12:00:00Z".parse().unwrap();
        let window = Window {
            start: now - Duration::weeks(26),
            end: now + Duration::weeks(4),
        };
        let listed = encode(&Cursor::Listed {
            listed_at: now - Duration::days(1),
            activity: true,
        })
        .unwrap();
        let w = client.relist(&listed, window, window).unwrap();
        assert_eq!(w.start, now - Duration::days(15));
        assert_eq!(w.end, window.end);
        // A last listing older than the window: the whole window.
        let ancient = encode(&Cursor::Listed {
            listed_at: now - Duration::weeks(60),
            activity: true,
        })
        .unwrap();
        assert_eq!(client.relist(&ancient, window, window), Some(window));
        assert_eq!(client.relist("garbage", window, window), Some(window));
        // A listing by a Vica that did not read the activity log: the whole
        // window once, to read its recurring completions.
        let before = r#"{"phase":"listed","listed_at":"2026-11-19T12:00:00Z"}"#;
        assert_eq!(client.relist(before, window, window), Some(window));
    }
}
