//! Setup shared by sync tests that run one provider through the whole stack:
//! a fake provider server with two sources, the fake OAuth server, an account
//! connected through the real PKCE flow (tokens in an in-memory keychain,
//! refreshed by [`KeychainTokens`]), a store on disk and the engine.
//!
//! Items are compared as `"<source provider id>/<item id>" -> title`, so one
//! map covers every source of the account.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Duration as Span, NaiveDate, SubsecRound, Utc};
use reqwest::Url;
use serde_json::{Value, json};
use vica_core::Store;
use vica_core::model::{Account, Provider as ProviderKind};
use vica_fakes::FakeServer;
use vica_fakes::google::{CalendarEntry as GoogleCalendar, FakeGoogle};
use vica_fakes::graph::{CalendarEntry as GraphCalendar, FakeGraph};
use vica_fakes::http::{Fault, Harness};
use vica_fakes::oauth::{CLIENT_ID, CLIENT_SECRET, FakeOAuth, PUBLIC_CLIENT_ID};
use vica_fakes::todoist::{FakeTodoist, ProjectEntry};
use vica_sync::accounts::{self, ConnectOptions};
use vica_sync::engine::{Progress, SyncReport};
use vica_sync::google::{Google, GoogleConfig};
use vica_sync::http::{RetryPolicy, TokenSource};
use vica_sync::oauth::{CONFIG_FILE, OAuthConfig};
use vica_sync::outlook::{Outlook, OutlookConfig};
use vica_sync::provider::Provider;
use vica_sync::secrets::{MemoryStore, SecretStore};
use vica_sync::todoist::{Todoist, TodoistConfig};
use vica_sync::{Engine, SyncOptions};

pub mod time_travel;

/// The three providers with an API (ICS has no server-side cursor or auth).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Google,
    Outlook,
    Todoist,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Google, Kind::Outlook, Kind::Todoist];

    pub fn provider(self) -> ProviderKind {
        match self {
            Kind::Google => ProviderKind::Google,
            Kind::Outlook => ProviderKind::Microsoft,
            Kind::Todoist => ProviderKind::Todoist,
        }
    }

    /// The two sources every setup has: the first with many items (several
    /// pages), the second with a few.
    pub fn sources(self) -> [&'static str; 2] {
        match self {
            Kind::Google => ["alice@example.com", "team#1@group.calendar.google.com"],
            Kind::Outlook => ["AAMkAGI2-calendar", "AAMkAGI2-team"],
            Kind::Todoist => ["6Jf8VQXxpwv56VQ7", "6Jf8VQXxpwv56VQ8"],
        }
    }
}

/// One running fake provider server.
#[derive(Clone)]
pub enum Server {
    Google(FakeGoogle),
    Graph(FakeGraph),
    Todoist(FakeTodoist),
}

/// Faults, latency and the request log of whichever fake it is.
impl FakeServer for Server {
    fn harness(&self) -> &Harness {
        match self {
            Server::Google(f) => f.harness(),
            Server::Graph(f) => f.harness(),
            Server::Todoist(f) => f.harness(),
        }
    }
}

impl Server {
    pub fn set_access_token(&self, token: &str) {
        match self {
            Server::Google(f) => f.set_access_token(token),
            Server::Graph(f) => f.set_access_token(token),
            Server::Todoist(f) => f.set_access_token(token),
        }
    }
}

/// Retries that keep a test fast: 1 ms backoff, a 1 s request timeout.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(3),
        timeout: Duration::from_secs(1),
    }
}

/// Items per page the clients ask for: small, so listings take several pages.
pub const PAGE_SIZE: u32 = 3;

/// A provider, its fakes, a connected account and a store on disk.
pub struct Setup {
    pub kind: Kind,
    pub server: Server,
    pub oauth: FakeOAuth,
    pub store: Arc<Mutex<Store>>,
    pub engine: Engine,
    pub account: Account,
    pub tokens: Arc<dyn TokenSource>,
    pub provider: Arc<dyn Provider>,
    pub data_dir: tempfile::TempDir,
    _config_dir: tempfile::TempDir,
}

fn graph_time(t: DateTime<Utc>) -> String {
    t.naive_utc()
        .format("%Y-%m-%dT%H:%M:%S.0000000")
        .to_string()
}

impl Setup {
    /// Starts the fakes, connects the account and adds `first` items to the
    /// first source and three to the second. Sources sync one at a time, so
    /// the order of requests (and of injected faults) is fixed.
    pub async fn start(kind: Kind, first: usize) -> Setup {
        let oauth = FakeOAuth::start().await.unwrap();
        let server = match kind {
            Kind::Google => {
                let f = FakeGoogle::start().await.unwrap();
                let [a, b] = kind.sources();
                let mut primary = GoogleCalendar::new(a, "Alice");
                primary.primary = true;
                f.add_calendar(primary);
                f.add_calendar(GoogleCalendar::new(b, "Team"));
                Server::Google(f)
            }
            Kind::Outlook => {
                let f = FakeGraph::start().await.unwrap();
                let [a, b] = kind.sources();
                let mut default = GraphCalendar::new(a, "Calendar");
                default.is_default = true;
                f.add_calendar(default);
                f.add_calendar(GraphCalendar::new(b, "Team"));
                Server::Graph(f)
            }
            Kind::Todoist => {
                let f = FakeTodoist::start().await.unwrap();
                let [a, b] = kind.sources();
                f.add_project(ProjectEntry::new(a, "Work"));
                f.add_project(ProjectEntry::new(b, "Home"));
                Server::Todoist(f)
            }
        };
        {
            let server = server.clone();
            oauth.on_access_token(move |t| server.set_access_token(t));
        }

        let config_dir = tempfile::tempdir().unwrap();
        let base = oauth.base_url();
        let mut file = String::new();
        // Microsoft's desktop clients are public: no secret.
        for (section, client) in [
            (
                "google",
                format!("client_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\""),
            ),
            ("microsoft", format!("client_id = \"{PUBLIC_CLIENT_ID}\"")),
            (
                "todoist",
                format!("client_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\""),
            ),
        ] {
            file.push_str(&format!(
                "[{section}]\n{client}\nauth_url = \"{base}/authorize\"\ntoken_url = \"{base}/token\"\nrevoke_url = \"{base}/revoke\"\nuserinfo_url = \"{base}/userinfo\"\n"
            ));
        }
        std::fs::write(config_dir.path().join(CONFIG_FILE), file).unwrap();
        let config = OAuthConfig::load(config_dir.path()).unwrap();

        let data_dir = tempfile::tempdir().unwrap();
        let db = vica_core::paths::database_path(data_dir.path()).unwrap();
        let store = Arc::new(Mutex::new(Store::open(&db).unwrap()));
        let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let account = accounts::connect(
            kind.provider(),
            &config,
            &store,
            &secrets,
            &ConnectOptions {
                timeout: Duration::from_secs(20),
            },
            |url: &Url| {
                // The "browser": follow the consent page's redirect to the loopback listener.
                let url = url.clone();
                tokio::spawn(async move {
                    let http = reqwest::Client::builder()
                        .redirect(reqwest::redirect::Policy::none())
                        .build()
                        .unwrap();
                    let r = http.get(url).send().await.unwrap();
                    let back = r.headers()["location"].to_str().unwrap().to_owned();
                    http.get(back).send().await.unwrap();
                });
            },
        )
        .await
        .unwrap();
        let tokens = accounts::token_source(&account, &config, secrets).unwrap();
        let engine = Engine::new(
            store.clone(),
            SyncOptions {
                concurrency: 1,
                ..SyncOptions::default()
            },
        );
        let provider = client(&server, tokens.clone(), fast_retries());
        let setup = Setup {
            kind,
            provider,
            server,
            oauth,
            store,
            engine,
            account,
            tokens,
            data_dir,
            _config_dir: config_dir,
        };
        let [a, b] = kind.sources();
        for i in 0..first {
            setup.add(a, &format!("a{i}"), &format!("First {i}"), i as i64);
        }
        for i in 0..3 {
            setup.add(b, &format!("b{i}"), &format!("Second {i}"), i as i64);
        }
        setup
    }

    /// A client of this setup's provider with its own retry policy (same tokens).
    pub fn client(&self, retry: RetryPolicy) -> Arc<dyn Provider> {
        client(&self.server, self.tokens.clone(), retry)
    }

    /// Adds (or changes) an item at the server: an event `n` hours from now,
    /// or a task completed `n + 1` hours ago (inside the recent past that
    /// Todoist syncs list afresh every time).
    pub fn add(&self, source: &str, id: &str, title: &str, n: i64) {
        let now = Utc::now().trunc_subsecs(0);
        match &self.server {
            Server::Google(f) => {
                let start = now + Span::hours(n);
                f.put_event(
                    source,
                    json!({
                        "id": id, "status": "confirmed", "summary": title,
                        "start": {"dateTime": start.to_rfc3339()},
                        "end": {"dateTime": (start + Span::minutes(45)).to_rfc3339()},
                    }),
                );
            }
            Server::Graph(f) => {
                let start = now + Span::hours(n);
                f.put_event(
                    source,
                    json!({
                        "id": id, "subject": title,
                        "start": {"dateTime": graph_time(start), "timeZone": "UTC"},
                        "end": {"dateTime": graph_time(start + Span::minutes(45)), "timeZone": "UTC"},
                        "isOrganizer": true,
                    }),
                );
            }
            Server::Todoist(f) => {
                f.put_task(json!({"id": id, "project_id": source, "content": title}));
                f.complete_task(id, now - Span::hours(n + 1));
            }
        }
    }

    /// Runs a sync of the account with this setup's client.
    pub async fn sync(&self) -> SyncReport {
        self.sync_with(self.provider.clone()).await
    }

    pub async fn sync_with(&self, provider: Arc<dyn Provider>) -> SyncReport {
        let progress: Progress = Arc::new(|_| {});
        self.engine
            .sync_account(self.account.id, provider, None, progress)
            .await
    }

    /// Runs a sync of only the source with this provider id.
    pub async fn sync_only(&self, provider: Arc<dyn Provider>, source: &str) -> SyncReport {
        let id = self.source_id(source);
        let progress: Progress = Arc::new(|_| {});
        self.engine
            .sync_account(self.account.id, provider, Some(&[id]), progress)
            .await
    }

    /// The store's id of a source.
    pub fn source_id(&self, provider_id: &str) -> i64 {
        self.store
            .lock()
            .unwrap()
            .sources()
            .unwrap()
            .into_iter()
            .find(|s| s.account_id == self.account.id && s.provider_id == provider_id)
            .unwrap()
            .id
    }

    /// What the server says the store should hold, inside the default window.
    pub fn served(&self) -> BTreeMap<String, String> {
        let now = Utc::now();
        let (from, to) = (now - Span::weeks(26), now + Span::weeks(4));
        let mut map = BTreeMap::new();
        for source in self.kind.sources() {
            let items: Vec<(String, String)> = match &self.server {
                Server::Google(f) => f
                    .live_events(source)
                    .iter()
                    .map(|e| (text(&e["id"]), text(&e["summary"])))
                    .collect(),
                Server::Graph(f) => f
                    .live_events(source)
                    .iter()
                    .map(|e| (text(&e["id"]), text(&e["subject"])))
                    .collect(),
                Server::Todoist(f) => f
                    .tasks(source)
                    .iter()
                    .filter(|t| t["checked"] == true)
                    .filter(|t| {
                        let at: DateTime<Utc> =
                            t["completed_at"].as_str().unwrap().parse().unwrap();
                        at >= from && at < to
                    })
                    .map(|t| (text(&t["id"]), text(&t["content"])))
                    .collect(),
            };
            for (id, title) in items {
                map.insert(format!("{source}/{id}"), title);
            }
        }
        map
    }

    /// What the store holds for this account's sources; panics on a duplicate.
    pub fn stored(&self) -> BTreeMap<String, String> {
        let store = self.store.lock().unwrap();
        let sources: BTreeMap<i64, String> = store
            .sources()
            .unwrap()
            .into_iter()
            .filter(|s| s.account_id == self.account.id)
            .map(|s| (s.id, s.provider_id))
            .collect();
        let now = Utc::now();
        let mut map = BTreeMap::new();
        let mut put = |source: i64, id: &str, title: &str| {
            let Some(pid) = sources.get(&source) else {
                return;
            };
            let previous = map.insert(format!("{pid}/{id}"), title.to_owned());
            assert!(previous.is_none(), "duplicate {pid}/{id} in the store");
        };
        for e in store
            .events_overlapping(now - Span::weeks(200), now + Span::weeks(60))
            .unwrap()
        {
            put(e.source_id, &e.record.provider_id, &e.record.title);
        }
        for t in store
            .tasks_completed_between(now - Span::weeks(200), now + Span::weeks(60))
            .unwrap()
        {
            put(t.source_id, &t.record.provider_id, &t.record.content);
        }
        for t in store
            .open_tasks_due_between(
                NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
            )
            .unwrap()
        {
            put(t.source_id, &t.record.provider_id, &t.record.content);
        }
        map
    }

    /// `PRAGMA integrity_check`'s answer.
    pub fn integrity(&self) -> Vec<String> {
        self.store.lock().unwrap().integrity_check().unwrap()
    }

    /// Requests that must pass before the first request for a source's items
    /// (the calendar or project list; Graph's `/me` is asked once per client).
    pub fn pass_listing(&self) {
        self.server.inject(Fault::Slow(Duration::ZERO));
    }
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or("").to_owned()
}

/// A client for `server` with small pages.
pub fn client(
    server: &Server,
    tokens: Arc<dyn TokenSource>,
    retry: RetryPolicy,
) -> Arc<dyn Provider> {
    match server {
        Server::Google(f) => {
            let mut c = GoogleConfig::new(&f.base_url()).unwrap();
            c.page_size = PAGE_SIZE;
            c.retry = retry;
            Arc::new(Google::new(c, tokens).unwrap())
        }
        Server::Graph(f) => {
            let mut c = OutlookConfig::new(&f.base_url()).unwrap();
            c.page_size = PAGE_SIZE;
            c.retry = retry;
            Arc::new(Outlook::new(c, tokens).unwrap())
        }
        Server::Todoist(f) => {
            let mut c = TodoistConfig::new(&f.base_url()).unwrap();
            c.page_size = PAGE_SIZE;
            c.retry = retry;
            Arc::new(Todoist::new(c, tokens).unwrap())
        }
    }
}
