//! The engine and the Todoist client against the fake Todoist server on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Duration as Span, NaiveDate, SubsecRound, TimeZone, Utc};
use serde_json::{Value, json};
use vica_core::Store;
use vica_core::clock::{Clock, ManualClock};
use vica_core::model::{AccountStatus, Provider as ProviderKind, Task};
use vica_core::settings::Settings;
use vica_core::week::{Week, WeekKey};
use vica_fakes::FakeServer;
use vica_fakes::todoist::{
    DEFAULT_ACCESS_TOKEN, FakeTodoist, Fault, Plan, ProjectEntry, RecordedRequest,
};
use vica_sync::engine::{Progress, SyncReport};
use vica_sync::http::{RetryPolicy, StaticToken};
use vica_sync::todoist::{Todoist, TodoistConfig};
use vica_sync::{Engine, SyncEvent, SyncOptions};

const WORK: &str = "6Jf8VQXxpwv56VQ7";
const HOME: &str = "6Jf8VQXxpwv56VQ8";
const COMPLETED: &str = "/api/v1/tasks/completed/by_completion_date";

struct World {
    fake: FakeTodoist,
    store: Arc<Mutex<Store>>,
    engine: Engine,
    todoist: Arc<Todoist>,
    account: i64,
    _dir: tempfile::TempDir,
    events: Arc<Mutex<Vec<SyncEvent>>>,
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(3),
        timeout: Duration::from_secs(5),
    }
}

fn client(fake: &FakeTodoist, policy: RetryPolicy, page_size: u32) -> Arc<Todoist> {
    let mut config = TodoistConfig::new(&fake.base_url()).unwrap();
    config.page_size = page_size;
    config.retry = policy;
    Arc::new(Todoist::new(config, Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN))).unwrap())
}

async fn world_with(policy: RetryPolicy, page_size: u32) -> World {
    let fake = FakeTodoist::start().await.unwrap();
    let mut work = ProjectEntry::new(WORK, "Work");
    work.color = "berry_red".into();
    fake.add_project(work);
    let mut home = ProjectEntry::new(HOME, "Home");
    home.color = "green".into();
    fake.add_project(home);
    fake.add_section(WORK, "s-admin", "Admin");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("vica.db")).unwrap();
    let account = store
        .add_account(ProviderKind::Todoist, "alex", None, false)
        .unwrap()
        .id;
    let store = Arc::new(Mutex::new(store));
    let engine = Engine::new(store.clone(), SyncOptions::default());
    let todoist = client(&fake, policy, page_size);
    World {
        fake,
        store,
        engine,
        todoist,
        account,
        _dir: dir,
        events: Arc::default(),
    }
}

async fn world() -> World {
    world_with(fast_retries(), 3).await
}

/// A world whose server, client and engine all read `clock`.
async fn world_at(clock: &ManualClock) -> World {
    let mut w = world().await;
    w.fake.set_clock(clock.shared());
    let mut config = TodoistConfig::new(&w.fake.base_url()).unwrap();
    config.page_size = 3;
    config.retry = fast_retries();
    config.clock = clock.shared();
    w.todoist =
        Arc::new(Todoist::new(config, Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN))).unwrap());
    w.engine = Engine::new(
        w.store.clone(),
        SyncOptions {
            clock: clock.shared(),
            ..SyncOptions::default()
        },
    );
    w
}

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

impl World {
    async fn sync(&self) -> SyncReport {
        let events = self.events.clone();
        let progress: Progress = Arc::new(move |e| events.lock().unwrap().push(e));
        self.engine
            .sync_account(self.account, self.todoist.clone(), None, progress)
            .await
    }

    /// An open task due `days` from today (or without a due date).
    fn open(&self, project: &str, id: &str, content: &str, days: Option<i64>) {
        let due = days.map(|d| {
            let date = (now() + Span::days(d)).date_naive();
            json!({"date": date.to_string(), "string": "soon", "lang": "en", "is_recurring": false})
        });
        self.fake.put_task(json!({
            "id": id, "project_id": project, "content": content, "due": due,
            "labels": ["work"], "priority": 2,
        }));
    }

    /// A task completed `hours` ago.
    fn done(&self, project: &str, id: &str, content: &str, hours: i64) {
        self.fake
            .put_task(json!({"id": id, "project_id": project, "content": content}));
        self.fake.complete_task(id, now() - Span::hours(hours));
    }

    fn source_id(&self, project: &str) -> i64 {
        self.store
            .lock()
            .unwrap()
            .sources()
            .unwrap()
            .into_iter()
            .find(|s| s.provider_id == project)
            .unwrap()
            .id
    }

    fn tasks(&self, project: &str) -> Vec<Task> {
        let source = self.source_id(project);
        let store = self.store.lock().unwrap();
        let now = Utc::now();
        let mut tasks = store
            .tasks_completed_between(now - Span::weeks(200), now + Span::weeks(5))
            .unwrap();
        tasks.extend(
            store
                .open_tasks_due_between(
                    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
                    NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
                )
                .unwrap(),
        );
        tasks.retain(|t| t.source_id == source);
        tasks
    }

    /// The store's tasks of a project: id -> (content, completed).
    fn stored(&self, project: &str) -> BTreeMap<String, (String, bool)> {
        let mut map = BTreeMap::new();
        for t in self.tasks(project) {
            let previous = map.insert(
                t.record.provider_id.clone(),
                (t.record.content.clone(), t.record.completed_at.is_some()),
            );
            assert!(previous.is_none(), "duplicate {}", t.record.provider_id);
        }
        map
    }

    /// What the server says the store should hold: tasks completed inside the
    /// default window, and open tasks due by its last day.
    fn served(&self, project: &str) -> BTreeMap<String, (String, bool)> {
        let now = Utc::now();
        let (from, last_day) = (now - Span::weeks(26), (now + Span::weeks(4)).date_naive());
        self.fake
            .tasks(project)
            .into_iter()
            .filter(|t| {
                if t["checked"] == true {
                    let at: DateTime<Utc> = t["completed_at"].as_str().unwrap().parse().unwrap();
                    at >= from
                } else {
                    t["due"]["date"]
                        .as_str()
                        .is_some_and(|d| d.parse::<NaiveDate>().unwrap() <= last_day)
                }
            })
            .map(|t| {
                (
                    t["id"].as_str().unwrap().to_owned(),
                    (
                        t["content"].as_str().unwrap().to_owned(),
                        t["checked"] == true,
                    ),
                )
            })
            .collect()
    }

    fn assert_in_step(&self) {
        for p in [WORK, HOME] {
            assert_eq!(
                self.stored(p),
                self.served(p),
                "store and server differ for {p}"
            );
        }
        let integrity = self.store.lock().unwrap().integrity_check().unwrap();
        assert_eq!(integrity, ["ok"]);
    }

    fn cursor(&self, project: &str) -> Option<String> {
        let id = self.source_id(project);
        self.store
            .lock()
            .unwrap()
            .sync_state(id)
            .unwrap()
            .and_then(|s| s.cursor)
    }

    fn completed_requests(&self) -> Vec<RecordedRequest> {
        self.fake
            .requests()
            .into_iter()
            .filter(|r| r.path == COMPLETED)
            .collect()
    }

    /// Lets the project list through before the next faults.
    fn pass_listing(&self) {
        self.fake.inject(Fault::Slow(Duration::ZERO));
    }
}

fn param_time(r: &RecordedRequest, name: &str) -> DateTime<Utc> {
    r.param(name).unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_first_sync_lists_projects_completed_and_open_tasks() {
    let w = world().await;
    // Completed over the whole window: more than one span of twelve weeks.
    for i in 0..10 {
        w.done(
            WORK,
            &format!("done{i}"),
            &format!("Done {i}"),
            24 * 17 * i + 5,
        );
    }
    w.done(HOME, "h1", "Groceries", 30);
    w.done(WORK, "ancient", "Done long ago", 24 * 7 * 40);
    w.open(WORK, "soon", "Due next week", Some(7));
    w.open(WORK, "overdue", "Overdue", Some(-3));
    w.open(WORK, "later", "Due in two months", Some(60));
    w.open(WORK, "someday", "No due date", None);
    w.fake.put_task(json!({"id": "rich", "project_id": WORK, "content": "Write the **plan**",
        "description": "With <b>care</b>", "section_id": "s-admin", "labels": ["writing", "deep"], "priority": 4,
        "due": {"date": (now() + Span::days(2)).date_naive().to_string(), "is_recurring": false}}));
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    w.assert_in_step();
    let work = w.stored(WORK);
    assert!(work.contains_key("soon") && work.contains_key("overdue") && work.contains_key("rich"));
    assert!(
        !work.contains_key("later")
            && !work.contains_key("someday")
            && !work.contains_key("ancient")
    );
    let report_work = report.sources.iter().find(|s| s.name == "Work").unwrap();
    assert_eq!(report_work.full_syncs, 1);
    assert!(report_work.pages >= 5, "spans and pages: {report_work:?}");

    // The window was cut into spans Todoist accepts, which cover it without gaps.
    let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = w
        .completed_requests()
        .iter()
        .filter(|r| r.param("project_id") == Some(WORK) && r.param("cursor").is_none())
        .map(|r| (param_time(r, "since"), param_time(r, "until")))
        .collect();
    spans.sort();
    assert!(spans.len() >= 3, "{spans:?}");
    assert!(spans.iter().all(|(s, u)| *u - *s <= Span::days(84)));
    assert!(
        spans.windows(2).all(|p| p[0].1 == p[1].0),
        "contiguous: {spans:?}"
    );
    assert!(spans[0].0 <= Utc::now() - Span::weeks(26) + Span::minutes(1));
    assert!(spans.last().unwrap().1 >= Utc::now());
    for r in w.fake.requests() {
        if let Some(limit) = r.param("limit") {
            assert_eq!(limit, "3");
        }
    }

    let sources = w.store.lock().unwrap().sources().unwrap();
    let work_source = sources.iter().find(|s| s.provider_id == WORK).unwrap();
    assert_eq!(work_source.color.as_deref(), Some("#b8255f"));
    let home_source = sources.iter().find(|s| s.provider_id == HOME).unwrap();
    assert_eq!(home_source.color.as_deref(), Some("#299438"));

    let rich = w
        .tasks(WORK)
        .into_iter()
        .find(|t| t.record.provider_id == "rich")
        .unwrap()
        .record;
    assert_eq!(
        rich.content, "Write the **plan**",
        "provider text is kept as data"
    );
    assert_eq!(rich.description.as_deref(), Some("With <b>care</b>"));
    assert_eq!(rich.section.as_deref(), Some("Admin"));
    assert_eq!(rich.labels, ["writing", "deep"]);
    assert_eq!(rich.priority, 4);
    assert_eq!(
        rich.link.as_deref(),
        Some("https://app.todoist.com/app/task/rich")
    );
    assert!(rich.completed_at.is_none());
    let pages = w
        .events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, SyncEvent::PageWritten { .. }))
        .count();
    let total: u32 = report.sources.iter().map(|s| s.pages).sum();
    assert_eq!(pages, total as usize, "progress per page");
}

#[tokio::test]
async fn later_syncs_relist_only_the_recent_past_and_keep_older_history() {
    let w = world().await;
    for i in 0..6 {
        w.done(
            WORK,
            &format!("old{i}"),
            &format!("Old {i}"),
            24 * 7 * (5 + i),
        );
    }
    w.done(WORK, "recent", "Recent", 20);
    w.done(WORK, "recent2", "Recent too", 40);
    w.open(WORK, "o1", "Open", Some(3));
    w.open(WORK, "o2", "Open too", Some(4));
    w.open(HOME, "h1", "Home", Some(1));
    assert!(w.sync().await.is_ok());
    w.assert_in_step();
    w.fake.clear_requests();

    w.fake.delete_task("old3"); // deleted long after: history is kept
    w.fake.complete_task("o1", now() - Span::hours(1)); // completed
    w.fake.reopen_task("recent"); // reopened, no due date: gone from the review
    w.fake.delete_task("recent2"); // deleted
    w.open(WORK, "new", "Created", Some(5)); // created
    w.open(WORK, "o2", "Renamed", Some(6)); // updated
    w.open(HOME, "h1", "Pushed back", Some(90)); // due beyond the window
    w.open(HOME, "h2", "Another", Some(2));
    w.fake.move_task("h2", WORK); // moved to another project
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    assert!(
        report.sources.iter().all(|s| s.full_syncs == 0),
        "a relist is not a reset"
    );

    let mut expected = w.served(WORK);
    expected.insert("old3".into(), ("Old 3".into(), true));
    assert_eq!(w.stored(WORK), expected);
    assert_eq!(w.stored(HOME), w.served(HOME));
    assert_eq!(w.stored(WORK)["o1"], ("Open".to_owned(), true));
    assert_eq!(w.stored(WORK)["o2"].0, "Renamed");
    assert!(w.stored(WORK).contains_key("h2"));
    assert!(w.stored(HOME).is_empty());

    // Only the recent part of the window was asked for again.
    let completed = w.completed_requests();
    assert!(!completed.is_empty());
    for r in &completed {
        let since = param_time(r, "since");
        assert!(since >= Utc::now() - Span::days(15), "{r:?}");
        assert!(since <= Utc::now() - Span::days(13), "{r:?}");
    }
}

#[tokio::test]
async fn a_cursor_todoist_forgot_starts_the_listing_over() {
    let w = world().await;
    // All in the window's first span, so its pages come first.
    for i in 0..10 {
        w.done(
            WORK,
            &format!("d{i}"),
            &format!("Done {i}"),
            24 * 7 * 25 - i,
        );
    }
    let todoist = client(
        &w.fake,
        RetryPolicy {
            max_attempts: 1,
            ..fast_retries()
        },
        3,
    );
    let report = w
        .engine
        .sync_account(w.account, todoist.clone(), Some(&[]), Arc::new(|_| {}))
        .await;
    assert!(report.error.is_none());
    let only = [w.source_id(WORK)];
    w.pass_listing();
    w.fake.inject(Fault::Slow(Duration::ZERO)); // sections
    w.fake.inject(Fault::Slow(Duration::ZERO)); // the plan
    w.fake.inject(Fault::Slow(Duration::ZERO)); // the activity log, one page
    w.fake.inject(Fault::Slow(Duration::ZERO)); // completed, page 1
    w.fake.inject(Fault::DropMidBody); // completed, page 2
    let report = w
        .engine
        .sync_account(w.account, todoist.clone(), Some(&only), Arc::new(|_| {}))
        .await;
    assert!(!report.is_ok());
    assert_eq!(
        report.sources[0].pages, 2,
        "the activity page and the first completed one"
    );
    assert!(w.cursor(WORK).unwrap().contains("\"full\":true"));
    assert_eq!(w.stored(WORK).len(), 3, "the first page was committed");

    w.fake.invalidate_cursors();
    w.fake.clear_requests();
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    let work = report.sources.iter().find(|s| s.name == "Work").unwrap();
    assert_eq!(work.full_syncs, 1, "the listing started over");
    let statuses: Vec<u16> = w.fake.requests().iter().map(|r| r.status).collect();
    assert!(statuses.contains(&400));
    w.assert_in_step();
}

#[tokio::test]
async fn an_interrupted_sync_resumes_from_the_last_committed_page() {
    let w = world().await;
    // All in the window's first span, so its pages come first.
    for i in 0..10 {
        w.done(
            WORK,
            &format!("d{i}"),
            &format!("Done {i}"),
            24 * 7 * 25 - i,
        );
    }
    let todoist = client(
        &w.fake,
        RetryPolicy {
            max_attempts: 1,
            ..fast_retries()
        },
        3,
    );
    w.engine
        .sync_account(w.account, todoist.clone(), Some(&[]), Arc::new(|_| {}))
        .await;
    let only = [w.source_id(WORK)];
    w.pass_listing();
    w.fake.inject(Fault::Slow(Duration::ZERO)); // sections
    w.fake.inject(Fault::Slow(Duration::ZERO)); // the plan
    w.fake.inject(Fault::Slow(Duration::ZERO)); // the activity log, one page
    w.fake.inject(Fault::Slow(Duration::ZERO)); // completed, page 1
    w.fake.inject(Fault::DropMidBody); // completed, page 2
    let report = w
        .engine
        .sync_account(w.account, todoist, Some(&only), Arc::new(|_| {}))
        .await;
    assert!(!report.is_ok());
    w.fake.clear_requests();
    assert!(w.sync().await.is_ok());
    w.assert_in_step();
    let first = w
        .completed_requests()
        .into_iter()
        .find(|r| r.param("project_id") == Some(WORK))
        .unwrap();
    assert!(
        first.param("cursor").is_some(),
        "resumed with the stored cursor: {first:?}"
    );
}

#[tokio::test]
async fn transient_faults_and_rate_limits_are_retried() {
    let policy = RetryPolicy {
        timeout: Duration::from_millis(400),
        ..fast_retries()
    };
    let faults = [
        Some(Fault::Status {
            code: 429,
            retry_after: Some(1),
        }),
        Some(Fault::Status {
            code: 500,
            retry_after: None,
        }),
        Some(Fault::Unauthorized),
        Some(Fault::Slow(Duration::from_secs(2))),
        Some(Fault::DropMidBody),
        // Todoist's own 429: the wait only in the body's `error_extra.retry_after`.
        None,
    ];
    for fault in faults {
        let w = world_with(policy, 3).await;
        for i in 0..5 {
            w.done(WORK, &format!("d{i}"), &format!("Done {i}"), i + 1);
        }
        w.open(HOME, "h", "Home", Some(1));
        w.pass_listing();
        match &fault {
            Some(f) => w.fake.inject(f.clone()),
            None => {
                w.fake.inject(Fault::Slow(Duration::ZERO));
                w.fake.throttle_next(1, false);
            }
        }
        let started = std::time::Instant::now();
        let report = w.sync().await;
        assert!(report.is_ok(), "{fault:?}: {report:?}");
        w.assert_in_step();
        let statuses: Vec<u16> = w.fake.requests().iter().map(|r| r.status).collect();
        match &fault {
            Some(Fault::Status { code, retry_after }) => {
                assert!(statuses.contains(code));
                if let Some(secs) = retry_after {
                    assert!(started.elapsed() >= Duration::from_secs(*secs));
                }
            }
            Some(Fault::Unauthorized) => assert!(statuses.contains(&401)),
            None => {
                assert!(statuses.contains(&429));
                assert!(
                    started.elapsed() >= Duration::from_secs(1),
                    "waited the body's retry_after"
                );
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn malformed_json_fails_the_project_without_advancing_or_losing_anything() {
    let w = world().await;
    for i in 0..6 {
        w.done(WORK, &format!("d{i}"), &format!("Done {i}"), i + 1);
    }
    w.open(HOME, "h", "Home", Some(1));
    assert!(w.sync().await.is_ok());
    let cursors = (w.cursor(WORK), w.cursor(HOME));
    let before = (w.stored(WORK), w.stored(HOME));
    w.done(WORK, "later", "Later", 1);
    w.pass_listing();
    w.fake.inject(Fault::MalformedJson);
    let report = w.sync().await;
    let failed: Vec<_> = report
        .sources
        .iter()
        .filter(|s| s.error.is_some())
        .collect();
    assert_eq!(failed.len(), 1, "{report:?}");
    let error = failed[0].error.as_deref().unwrap();
    assert!(error.contains("cannot read"), "{error}");
    let (p, cursor, stored) = if failed[0].name == "Work" {
        (WORK, cursors.0, before.0)
    } else {
        (HOME, cursors.1, before.1)
    };
    assert_eq!(
        w.cursor(p),
        cursor,
        "the cursor never passes unprocessed data"
    );
    assert_eq!(w.stored(p), stored);
    assert!(w.sync().await.is_ok());
    w.assert_in_step();
}

#[tokio::test]
async fn a_403_fails_the_project_and_a_410_reports_its_real_status() {
    for (code, expect) in [(403, "403"), (410, "410")] {
        let w = world().await;
        w.done(WORK, "d", "Done", 2);
        w.open(HOME, "h", "Home", Some(1));
        assert!(w.sync().await.is_ok());
        w.pass_listing();
        w.fake.inject(Fault::Status {
            code,
            retry_after: None,
        });
        let report = w.sync().await;
        let failed: Vec<_> = report
            .sources
            .iter()
            .filter(|s| s.error.is_some())
            .collect();
        assert_eq!(failed.len(), 1, "{report:?}");
        let error = failed[0].error.as_deref().unwrap();
        assert!(error.contains(expect), "{error}");
        assert!(
            !error.contains("reconnect"),
            "not a credentials problem: {error}"
        );
        assert!(!failed[0].needs_reconnect);
        let account = w.store.lock().unwrap().account(w.account).unwrap();
        assert_eq!(account.status, AccountStatus::Ok);
        assert_eq!(
            w.stored(WORK).len() + w.stored(HOME).len(),
            2,
            "nothing lost"
        );
        assert!(w.sync().await.is_ok());
        w.assert_in_step();
    }
}

#[tokio::test]
async fn a_project_deleted_at_the_provider_is_marked_gone_and_keeps_its_tasks() {
    let w = world().await;
    w.done(WORK, "d", "Done", 2);
    w.open(HOME, "h", "Home", Some(1));
    assert!(w.sync().await.is_ok());

    // Deleted between the project list and its tasks: a 404.
    w.pass_listing();
    w.fake.inject(Fault::Status {
        code: 404,
        retry_after: None,
    });
    let report = w.sync().await;
    let gone: Vec<_> = report
        .sources
        .iter()
        .filter(|s| s.error.is_some())
        .collect();
    assert_eq!(gone.len(), 1, "{report:?}");
    assert!(
        gone[0]
            .error
            .as_deref()
            .unwrap()
            .contains("no longer has this project"),
        "{report:?}"
    );
    let marked = w.store.lock().unwrap().source(gone[0].source_id).unwrap();
    assert!(marked.gone);
    assert_eq!(w.stored(WORK).len() + w.stored(HOME).len(), 2);

    w.fake.remove_project(HOME);
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    let home = w.source_id(HOME);
    assert!(w.store.lock().unwrap().source(home).unwrap().gone);
    assert_eq!(
        w.stored(HOME).len(),
        1,
        "cached tasks stay until the user removes the source"
    );
}

#[tokio::test]
async fn an_unauthorized_account_needs_reconnecting() {
    let w = world().await;
    w.fake.set_access_token("a-token-we-do-not-have");
    let report = w.sync().await;
    let error = report.error.as_deref().unwrap();
    assert!(error.contains("reconnect"), "{report:?}");
    assert!(!error.contains(DEFAULT_ACCESS_TOKEN));
    let account = w.store.lock().unwrap().account(w.account).unwrap();
    assert_eq!(account.status, AccountStatus::NeedsReconnect);
}

/// A recurring task in `project`, due `due` and repeating `every` ("every day").
fn recurring(w: &World, project: &str, id: &str, content: &str, due: NaiveDate, every: &str) {
    w.fake
        .put_task(json!({"id": id, "project_id": project, "content": content,
        "due": {"date": due.to_string(), "string": every, "lang": "en", "is_recurring": true},
        "labels": ["habit"]}));
}

/// The stored completions of recurring task `id` in `project`, by completion time.
fn completions(w: &World, project: &str, id: &str) -> Vec<DateTime<Utc>> {
    let prefix = format!("{id}@");
    let mut at: Vec<DateTime<Utc>> = w
        .tasks(project)
        .into_iter()
        .filter(|t| t.record.provider_id.starts_with(&prefix))
        .map(|t| t.record.completed_at.unwrap())
        .collect();
    at.sort();
    at
}

/// Failed before the activity log was read: Todoist moves a recurring task's
/// due date instead of listing its completion with the completed tasks, so
/// none of the three completions reached the store.
#[tokio::test]
async fn recurring_completions_come_from_the_activity_log_once_each() {
    let w = world().await;
    recurring(
        &w,
        HOME,
        "water",
        "Water the plants",
        (now() - Span::days(3)).date_naive(),
        "every day",
    );
    let times = [
        now() - Span::hours(50),
        now() - Span::hours(26),
        now() - Span::hours(2),
    ];
    for t in times {
        w.fake.complete_task("water", t);
    }
    w.done(HOME, "once", "Groceries", 5);
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    assert!(
        report.sources.iter().all(|s| s.rejected.is_empty()),
        "{report:?}"
    );
    assert_eq!(completions(&w, HOME, "water"), times);
    let stored = w.stored(HOME);
    for t in times {
        assert_eq!(
            stored[&format!("water@{}", t.timestamp())],
            ("Water the plants".to_owned(), true)
        );
    }
    // The task itself is open again, due the day after its last completion;
    // the one-off task is stored once, from the completed tasks.
    assert_eq!(stored["water"], ("Water the plants".to_owned(), false));
    assert_eq!(stored["once"], ("Groceries".to_owned(), true));
    assert_eq!(stored.len(), 5, "{stored:?}");
    let water = w
        .tasks(HOME)
        .into_iter()
        .find(|t| t.record.provider_id.starts_with("water@"))
        .unwrap();
    assert_eq!(
        water.record.link.as_deref(),
        Some("https://app.todoist.com/app/task/water")
    );

    // Every sync asks the log again: still one row per completion.
    assert!(w.sync().await.is_ok());
    assert_eq!(completions(&w, HOME, "water"), times);
    assert_eq!(w.stored(HOME), stored);
    // Asked for item completions of the project, over the listing's span.
    let asked: Vec<RecordedRequest> = w
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/activities" && r.param("parent_project_id") == Some(HOME))
        .collect();
    assert!(!asked.is_empty());
    for r in &asked {
        assert_eq!(r.param("object_event_types"), Some(r#"["item:completed"]"#));
        assert!(r.param("date_from").is_some() && r.param("date_to").is_some());
    }
    // They count in the week like any completed task.
    let store = w.store.lock().unwrap();
    let settings = Settings {
        time_zone: Some("UTC".into()),
        ..Settings::default()
    };
    let key = WeekKey::containing(times[2].date_naive(), settings.week_start);
    let week = Week::load(&store, key, &settings).unwrap();
    let done: Vec<&str> = week
        .days
        .iter()
        .flat_map(|d| &d.tasks)
        .map(|t| t.content.as_str())
        .collect();
    assert!(done.contains(&"Water the plants"), "{done:?}");
}

/// Failed before completions read from the activity log were kept for good:
/// each sync lists the last two weeks afresh and removes what it no longer
/// finds, and the free plan's log no longer has completions older than a
/// week, so the second week's sync deleted the first week's.
#[tokio::test]
async fn recurring_completions_stay_after_the_activity_log_forgets_them() {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let clock = ManualClock::new(start);
    let w = world_at(&clock).await;
    w.fake.set_plan(Plan::FREE);
    recurring(
        &w,
        WORK,
        "standup",
        "Standup notes",
        start.date_naive(),
        "every day",
    );
    assert!(w.sync().await.is_ok());
    let mut expected = Vec::new();
    for week in 0..5 {
        for day in 0..7 {
            let at = start + Span::weeks(week) + Span::days(day) + Span::hours(1);
            w.fake.complete_task("standup", at);
            expected.push(at);
        }
        clock.set(start + Span::weeks(week + 1));
        let report = w.sync().await;
        assert!(report.is_ok(), "week {week}: {report:?}");
        assert_eq!(completions(&w, WORK, "standup"), expected, "week {week}");
    }
    // Synced weekly on a plan that keeps a week: nothing was out of reach
    // since the first sync.
    let store = w.store.lock().unwrap();
    let settings = Settings {
        time_zone: Some("UTC".into()),
        ..Settings::default()
    };
    for week in 0..5 {
        let key = WeekKey::containing(
            (start + Span::weeks(week)).date_naive(),
            settings.week_start,
        );
        let review = Week::load(&store, key, &settings).unwrap();
        assert!(
            review.history_gaps.is_empty(),
            "{key}: {:?}",
            review.history_gaps
        );
        assert_eq!(review.totals.tasks_completed, 7, "{key}");
    }
    // Before the first sync, the log had only a week: the weeks before say so.
    let before = WeekKey::containing((start - Span::weeks(2)).date_naive(), settings.week_start);
    let review = Week::load(&store, before, &settings).unwrap();
    assert_eq!(review.history_gaps.len(), 1, "{:?}", review.history_gaps);
}

/// Failed before the review knew where the activity log no longer reached:
/// after a pause longer than the plan's week, the completions in between are
/// lost at Todoist and the review said nothing.
#[tokio::test]
async fn a_pause_longer_than_the_plan_keeps_is_noted_in_the_review() {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(); // a Monday
    let clock = ManualClock::new(start);
    let w = world_at(&clock).await;
    w.fake.set_plan(Plan::FREE);
    recurring(
        &w,
        WORK,
        "standup",
        "Standup notes",
        start.date_naive(),
        "every day",
    );
    assert!(w.sync().await.is_ok());
    let times: Vec<DateTime<Utc>> = (0..20)
        .map(|d| start + Span::days(d) + Span::hours(1))
        .collect();
    for t in &times {
        w.fake.complete_task("standup", *t);
    }
    clock.set(start + Span::days(20));
    assert!(w.sync().await.is_ok());
    // Only the last week's completions were still in the log.
    assert_eq!(completions(&w, WORK, "standup"), times[13..]);

    let store = w.store.lock().unwrap();
    let settings = Settings {
        time_zone: Some("UTC".into()),
        ..Settings::default()
    };
    let gaps = |key: &str| {
        Week::load(&store, key.parse().unwrap(), &settings)
            .unwrap()
            .history_gaps
            .iter()
            .map(|g| {
                (
                    g.first_day.to_string(),
                    g.last_day.to_string(),
                    g.sources.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    // Read up to Monday 2 March 09:00, and again from Sunday 15 March 09:00.
    // Both projects were synced across the same pause.
    let both = vec!["Home".to_owned(), "Work".to_owned()];
    assert_eq!(
        gaps("2026-W10"),
        [("2026-03-02".into(), "2026-03-08".into(), both.clone())]
    );
    assert_eq!(
        gaps("2026-W11"),
        [("2026-03-09".into(), "2026-03-15".into(), both)]
    );
    assert!(gaps("2026-W12").is_empty());
    let week = Week::load(&store, "2026-W11".parse().unwrap(), &settings).unwrap();
    assert_eq!(
        week.history_gaps[0].message,
        "Recurring tasks completed from Mon 9 to Sun 15 Mar may be missing: Todoist no longer had that activity when Vica synced."
    );
    assert!(
        vica_core::export::markdown(&week)
            .contains("> Recurring tasks completed from Mon 9 to Sun 15 Mar may be missing")
    );
}

/// How far back the log reaches comes from the plan (`user_plan_limits`);
/// when the answer does not say, a week is assumed.
#[tokio::test]
async fn the_plan_says_how_far_back_the_log_reaches_and_a_week_is_assumed_otherwise() {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let clock = ManualClock::new(start);
    let w = world_at(&clock).await;
    w.fake.set_plan(Plan::PRO);
    recurring(
        &w,
        WORK,
        "standup",
        "Standup notes",
        start.date_naive(),
        "every day",
    );
    assert!(w.sync().await.is_ok());
    let times: Vec<DateTime<Utc>> = (0..20)
        .map(|d| start + Span::days(d) + Span::hours(1))
        .collect();
    for t in &times {
        w.fake.complete_task("standup", *t);
    }
    clock.set(start + Span::days(20));
    assert!(w.sync().await.is_ok());
    assert_eq!(completions(&w, WORK, "standup"), times, "Pro keeps it all");
    let plan_requests = w
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/sync")
        .count();
    assert!(plan_requests >= 1);
    {
        let store = w.store.lock().unwrap();
        let settings = Settings {
            time_zone: Some("UTC".into()),
            ..Settings::default()
        };
        for key in ["2026-W10", "2026-W11", "2026-W12"] {
            let week = Week::load(&store, key.parse().unwrap(), &settings).unwrap();
            assert!(
                week.history_gaps.is_empty(),
                "{key}: {:?}",
                week.history_gaps
            );
        }
    }

    // The same pause with an answer that leaves the plan out: a week is
    // assumed, so the days before it are noted, though the log had them.
    w.fake.hide_plan_limits(true);
    let times: Vec<DateTime<Utc>> = (20..40)
        .map(|d| start + Span::days(d) + Span::hours(1))
        .collect();
    for t in &times {
        w.fake.complete_task("standup", *t);
    }
    clock.set(start + Span::days(40));
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(
        completions(&w, WORK, "standup").len(),
        40,
        "read what the log gave"
    );
    let store = w.store.lock().unwrap();
    let settings = Settings {
        time_zone: Some("UTC".into()),
        ..Settings::default()
    };
    let key = WeekKey::containing((start + Span::days(25)).date_naive(), settings.week_start);
    let week = Week::load(&store, key, &settings).unwrap();
    assert_eq!(week.history_gaps.len(), 1, "{:?}", week.history_gaps);
}

/// A store last synced by a Vica that did not read the activity log yet
/// lists the whole window once, so the recurring completions it never had
/// are read (on Pro, all of them).
#[tokio::test]
async fn the_first_sync_after_an_upgrade_reads_the_whole_windows_activity() {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let clock = ManualClock::new(start);
    let w = world_at(&clock).await;
    w.fake.set_plan(Plan::PRO);
    recurring(
        &w,
        WORK,
        "standup",
        "Standup notes",
        (start - Span::weeks(10)).date_naive(),
        "every day",
    );
    let times: Vec<DateTime<Utc>> = (1..60)
        .map(|d| start - Span::days(d) + Span::hours(1))
        .rev()
        .collect();
    for t in &times {
        w.fake.complete_task("standup", *t);
    }
    assert!(w.sync().await.is_ok());
    assert_eq!(completions(&w, WORK, "standup"), times);
    // What an older Vica left: the same cursor without the activity mark, and
    // none of the completions.
    let source = w.source_id(WORK);
    let mut envelope: Value = serde_json::from_str(&w.cursor(WORK).unwrap()).unwrap();
    let mut listed: Value = serde_json::from_str(envelope["provider"].as_str().unwrap()).unwrap();
    assert_eq!(listed["activity"], true);
    listed.as_object_mut().unwrap().remove("activity");
    envelope["provider"] = json!(listed.to_string());
    let gone: Vec<String> = times
        .iter()
        .map(|t| format!("standup@{}", t.timestamp()))
        .collect();
    w.store
        .lock()
        .unwrap()
        .write_page(
            source,
            &vica_core::store::Page {
                deleted_tasks: gone,
                ..Default::default()
            },
            vica_core::store::CursorUpdate::Set(envelope.to_string()),
        )
        .unwrap();
    assert!(completions(&w, WORK, "standup").is_empty());

    clock.advance(Span::days(1));
    w.fake.clear_requests();
    assert!(w.sync().await.is_ok());
    assert_eq!(
        completions(&w, WORK, "standup"),
        times,
        "read back from the log"
    );
    let since: Vec<DateTime<Utc>> = w
        .fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/activities" && r.param("parent_project_id") == Some(WORK))
        .map(|r| param_time(r, "date_from"))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        since,
        [clock.now() - Span::weeks(26)],
        "the whole window, every page"
    );
    // Later syncs list the recent part again.
    clock.advance(Span::days(1));
    w.fake.clear_requests();
    assert!(w.sync().await.is_ok());
    let since: Vec<DateTime<Utc>> = w
        .fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/activities" && r.param("parent_project_id") == Some(WORK))
        .map(|r| param_time(r, "date_from"))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(since, [clock.now() - Span::days(15)]);
}

/// A refused plan request does not fail the project: a week is assumed.
#[tokio::test]
async fn a_refused_plan_request_falls_back_to_a_week() {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let clock = ManualClock::new(start);
    let w = world_at(&clock).await;
    w.fake.set_plan(Plan::PRO);
    recurring(
        &w,
        WORK,
        "standup",
        "Standup notes",
        start.date_naive(),
        "every day",
    );
    let listed = w
        .engine
        .sync_account(w.account, w.todoist.clone(), Some(&[]), Arc::new(|_| {}))
        .await;
    assert!(listed.error.is_none());
    let only = [w.source_id(WORK)];
    w.fake.clear_requests();
    w.pass_listing(); // projects
    w.fake.inject(Fault::Slow(Duration::ZERO)); // sections
    w.fake.inject(Fault::Status {
        code: 403,
        retry_after: None,
    }); // the plan
    let report = w
        .engine
        .sync_account(w.account, w.todoist.clone(), Some(&only), Arc::new(|_| {}))
        .await;
    assert!(report.is_ok(), "{report:?}");
    let plan: Vec<u16> = w
        .fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/sync")
        .map(|r| r.status)
        .collect();
    assert_eq!(plan, [403]);
    // Read from a week back only, though the log (Pro) has it all.
    let spans = w
        .store
        .lock()
        .unwrap()
        .history_spans_overlapping(start - Span::weeks(60), start)
        .unwrap();
    let read: Vec<_> = spans.iter().filter(|(_, s)| s.read).collect();
    assert_eq!(read.len(), 1, "{spans:?}");
    assert_eq!(read[0].1.start, start - Span::days(7));
}

/// A log that refuses (403), or a plan without one, does not fail the
/// project: its tasks are listed, and the days asked for stay noted.
#[tokio::test]
async fn a_refused_or_absent_activity_log_leaves_the_tasks_and_a_note() {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let clock = ManualClock::new(start);
    let w = world_at(&clock).await;
    w.fake.set_plan(Plan::PRO);
    w.done(WORK, "once", "File taxes", 30);
    w.fake.complete_task("once", start - Span::hours(30));
    let listed = w
        .engine
        .sync_account(w.account, w.todoist.clone(), Some(&[]), Arc::new(|_| {}))
        .await;
    assert!(listed.error.is_none());
    let only = [w.source_id(WORK)];
    w.pass_listing(); // projects
    w.fake.inject(Fault::Slow(Duration::ZERO)); // sections
    w.fake.inject(Fault::Slow(Duration::ZERO)); // the plan
    w.fake.inject(Fault::Status {
        code: 403,
        retry_after: None,
    }); // the activity log
    let report = w
        .engine
        .sync_account(w.account, w.todoist.clone(), Some(&only), Arc::new(|_| {}))
        .await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(w.stored(WORK)["once"], ("File taxes".to_owned(), true));
    let settings = Settings {
        time_zone: Some("UTC".into()),
        ..Settings::default()
    };
    let week = |w: &World| {
        let store = w.store.lock().unwrap();
        Week::load(&store, "2026-W09".parse().unwrap(), &settings).unwrap()
    };
    assert_eq!(
        week(&w).history_gaps.len(),
        1,
        "the days asked for stay unread"
    );

    // A plan that has no activity log: not asked at all.
    let w = world_at(&clock).await;
    w.fake.set_plan(Plan {
        name: "none",
        activity_days: Some(0),
    });
    w.done(WORK, "once", "File taxes", 30);
    let report = w.sync().await;
    assert!(report.is_ok(), "{report:?}");
    let asked = w
        .fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/activities")
        .count();
    assert_eq!(asked, 0);
    assert_eq!(week(&w).history_gaps.len(), 1);
}

/// Bad input in the log: each odd entry is skipped and reported, the page's
/// other entries are kept.
#[tokio::test]
async fn activity_entries_of_other_kinds_or_without_their_fields_are_skipped_and_reported() {
    let w = world().await;
    w.fake.set_plan(Plan::PRO);
    recurring(
        &w,
        HOME,
        "water",
        "Water the plants",
        now().date_naive(),
        "every day",
    );
    let good = now() - Span::hours(3);
    w.fake.complete_task("water", good);
    let date = todoist_time(now() - Span::hours(1));
    let completion = |id: &str| {
        json!({"id": id, "object_type": "item", "object_id": "water", "event_type": "completed",
               "event_date": date, "parent_project_id": HOME, "parent_item_id": null, "initiator_id": null,
               "extra_data": {"content": "Water the plants", "is_recurring": true}})
    };
    let mut note = completion("a1");
    note["object_type"] = json!("note");
    note["event_type"] = json!("added");
    w.fake.log_raw_activity(note);
    let mut no_object = completion("a2");
    no_object.as_object_mut().unwrap().remove("object_id");
    w.fake.log_raw_activity(no_object);
    let mut bad_date = completion("a3");
    bad_date["event_date"] = json!("yesterday");
    w.fake.log_raw_activity(bad_date);
    let mut no_flag = completion("a4");
    no_flag["extra_data"]
        .as_object_mut()
        .unwrap()
        .remove("is_recurring");
    w.fake.log_raw_activity(no_flag);
    let mut no_content = completion("a5");
    no_content["extra_data"] = json!({"is_recurring": true});
    w.fake.log_raw_activity(no_content);
    let mut no_project = completion("a6");
    no_project["parent_project_id"] = Value::Null;
    w.fake.log_raw_activity(no_project);
    // Another project's completion and a one-off completion are not errors.
    let mut elsewhere = completion("a7");
    elsewhere["parent_project_id"] = json!("elsewhere");
    w.fake.log_raw_activity(elsewhere);
    let mut once = completion("a8");
    once["extra_data"]["is_recurring"] = json!(false);
    w.fake.log_raw_activity(once);

    let report = w.sync().await;
    assert!(
        report.is_ok(),
        "a bad entry is reported, not a failure: {report:?}"
    );
    let home = report.sources.iter().find(|s| s.name == "Home").unwrap();
    let mut rejected: Vec<(&str, &str)> = home
        .rejected
        .iter()
        .map(|(id, why)| (id.as_str(), why.as_str()))
        .collect();
    rejected.sort();
    assert_eq!(
        rejected,
        [
            ("activity a1", "unexpected event note:added"),
            ("activity a2", "no object_id"),
            ("activity a3", "no valid event_date"),
            ("activity a4", "no extra_data.is_recurring"),
            ("activity a5", "no extra_data.content"),
            ("activity a6", "no parent_project_id"),
        ]
    );
    assert_eq!(completions(&w, HOME, "water"), [good]);
}

fn todoist_time(t: DateTime<Utc>) -> String {
    vica_fakes::todoist::todoist_instant(t)
}

#[tokio::test]
async fn malformed_tasks_are_skipped_and_reported() {
    let w = world().await;
    w.open(WORK, "good", "Fine", Some(1));
    w.fake.put_task(
        json!({"id": "bad", "project_id": WORK, "content": "Bad due", "due": {"date": "soon"}}),
    );
    let report = w.sync().await;
    let work = report.sources.iter().find(|s| s.name == "Work").unwrap();
    let rejected: Vec<&str> = work.rejected.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(rejected, ["bad"]);
    assert!(w.stored(WORK).contains_key("good"));
    assert!(report.is_ok(), "a bad item is reported, not a failure");
}

mod property {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        /// An open task due in `days` (none when negative beyond -10).
        Open(u8, i8),
        Complete(u8, u8),
        Reopen(u8),
        Rename(u8),
        Delete(u8),
        Move(u8),
        InvalidateCursors,
        Sync,
        /// A sync that breaks on the n-th request after the project list.
        InterruptedSync(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (any::<u8>(), -12i8..20).prop_map(|(i, d)| Op::Open(i % 30, d)),
            3 => (any::<u8>(), any::<u8>()).prop_map(|(i, h)| Op::Complete(i % 30, h)),
            1 => any::<u8>().prop_map(|i| Op::Reopen(i % 30)),
            1 => any::<u8>().prop_map(|i| Op::Rename(i % 30)),
            1 => any::<u8>().prop_map(|i| Op::Delete(i % 30)),
            1 => any::<u8>().prop_map(|i| Op::Move(i % 30)),
            1 => Just(Op::InvalidateCursors),
            2 => Just(Op::Sync),
            2 => (0u8..6).prop_map(Op::InterruptedSync),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 20, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn the_store_converges_to_the_server_whatever_happens(ops in proptest::collection::vec(op(), 1..30)) {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async move {
                let w = world_with(RetryPolicy { max_attempts: 1, ..fast_retries() }, 3).await;
                let mut version = 0;
                for op in ops {
                    version += 1;
                    let id = |i: u8| format!("t{i}");
                    let home = |i: u8| if i.is_multiple_of(3) { HOME } else { WORK };
                    let find = |i: u8| {
                        [WORK, HOME].into_iter().find(|p| w.fake.tasks(p).iter().any(|t| t["id"] == id(i).as_str()))
                    };
                    match op {
                        Op::Open(i, d) => {
                            let project = find(i).unwrap_or(home(i));
                            let days = (d >= -10).then_some(i64::from(d));
                            w.open(project, &id(i), &format!("Task {i} v{version}"), days);
                        }
                        // Within the part of the window later syncs list again.
                        Op::Complete(i, h) => if find(i).is_some() {
                            w.fake.complete_task(&id(i), now() - Span::hours(i64::from(h)));
                        },
                        Op::Reopen(i) => w.fake.reopen_task(&id(i)),
                        Op::Rename(i) => if let Some(p) = find(i) {
                            let mut t = w.fake.tasks(p).into_iter().find(|t| t["id"] == id(i).as_str()).unwrap();
                            t["content"] = Value::from(format!("Task {i} v{version}"));
                            w.fake.put_task(t);
                        },
                        Op::Delete(i) => w.fake.delete_task(&id(i)),
                        Op::Move(i) => if let Some(p) = find(i) {
                            w.fake.move_task(&id(i), if p == WORK { HOME } else { WORK });
                        },
                        Op::InvalidateCursors => w.fake.invalidate_cursors(),
                        Op::Sync => { w.sync().await; }
                        Op::InterruptedSync(n) => {
                            w.pass_listing();
                            for _ in 0..n { w.fake.inject(Fault::Slow(Duration::ZERO)); }
                            w.fake.inject(Fault::DropMidBody);
                            w.sync().await;
                            w.fake.clear_faults();
                        }
                    }
                }
                let report = w.sync().await;
                assert!(report.is_ok(), "{report:?}");
                w.assert_in_step();
            });
        }
    }
}
