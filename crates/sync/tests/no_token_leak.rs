//! No token ever reaches the database (WAL included), a file under the data
//! or config dir, an export, an error message or anything a log would print:
//! connect, sync, refresh, fail and export, then look for every token the
//! fake authorization server handed out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{SubsecRound, Utc};
use reqwest::Url;
use serde_json::json;
use vica_core::Store;
use vica_core::model::Provider;
use vica_core::week::{Week, WeekKey};
use vica_fakes::FakeServer;
use vica_fakes::google::{CalendarEntry, FakeGoogle, Fault};
use vica_fakes::oauth::{CLIENT_ID, CLIENT_SECRET, DEFAULT_EMAIL, FakeOAuth};
use vica_sync::accounts::{self, ConnectOptions};
use vica_sync::engine::Progress;
use vica_sync::google::{Google, GoogleConfig};
use vica_sync::http::{RetryPolicy, TokenSource};
use vica_sync::oauth::{CONFIG_FILE, OAuthConfig};
use vica_sync::secrets::{MemoryStore, SecretStore, load_tokens};
use vica_sync::{Engine, SyncOptions, SyncReport};

/// Every file under `dir`, recursively, as (path, bytes).
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

async fn sync(
    store: &Arc<Mutex<Store>>,
    google: &FakeGoogle,
    account: i64,
    tokens: Arc<dyn TokenSource>,
    log: &Arc<Mutex<Vec<String>>>,
) -> SyncReport {
    let mut config = GoogleConfig::new(&google.base_url()).unwrap();
    config.retry = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_retry_after: Duration::from_secs(1),
        timeout: Duration::from_secs(5),
    };
    let client = Arc::new(Google::new(config, tokens).unwrap());
    let engine = Engine::new(store.clone(), SyncOptions::default());
    let events = log.clone();
    let progress: Progress = Arc::new(move |e| events.lock().unwrap().push(format!("{e:?}")));
    let report = engine.sync_account(account, client, None, progress).await;
    log.lock().unwrap().push(format!("{report:?}"));
    report
}

#[tokio::test]
async fn no_token_reaches_the_database_files_exports_errors_or_logs() {
    let data = tempfile::tempdir().unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let oauth = FakeOAuth::start().await.unwrap();
    let google = FakeGoogle::start().await.unwrap();
    oauth.link_google(&google);
    oauth.set_expires_in(Some(30)); // the first sync refreshes ahead of expiry
    google.add_calendar(CalendarEntry::new(DEFAULT_EMAIL, "Alice"));
    let start = Utc::now().trunc_subsecs(0) + chrono::Duration::hours(1);
    google.put_event(
        DEFAULT_EMAIL,
        json!({
            "id": "ev1", "status": "confirmed", "summary": "Review",
            "start": {"dateTime": start.to_rfc3339()},
            "end": {"dateTime": (start + chrono::Duration::minutes(30)).to_rfc3339()},
        }),
    );

    // The client comes from oauth.toml in the config dir, as for a user.
    let base = oauth.base_url();
    std::fs::write(
        config_dir.path().join(CONFIG_FILE),
        format!(
            "[google]\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"{CLIENT_SECRET}\"\nauth_url = \"{base}/authorize\"\ntoken_url = \"{base}/token\"\nrevoke_url = \"{base}/revoke\"\nuserinfo_url = \"{base}/userinfo\"\n"
        ),
    )
    .unwrap();
    let config = OAuthConfig::load(config_dir.path()).unwrap();
    let mut log: Vec<String> = vec![format!("{config:?}")];

    let db = vica_core::paths::database_path(data.path()).unwrap();
    let store = Arc::new(Mutex::new(Store::open(&db).unwrap()));
    let memory = Arc::new(MemoryStore::new());
    let secrets: Arc<dyn SecretStore> = memory.clone();

    let account = accounts::connect(
        Provider::Google,
        &config,
        &store,
        &secrets,
        &ConnectOptions {
            timeout: Duration::from_secs(20),
        },
        |url: &Url| {
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
    log.push(format!("{account:?}"));
    oauth.set_expires_in(Some(3600));

    let log = Arc::new(Mutex::new(log));
    let source = accounts::token_source(&account, &config, secrets.clone()).unwrap();
    assert!(
        sync(&store, &google, account.id, source.clone(), &log)
            .await
            .is_ok()
    );
    // A 401 and its refresh (after the window in which concurrent 401s share one refresh).
    tokio::time::sleep(Duration::from_millis(2100)).await;
    google.inject(Fault::Unauthorized);
    assert!(
        sync(&store, &google, account.id, source.clone(), &log)
            .await
            .is_ok()
    );
    // Then the grant is revoked: errors are recorded in the database.
    oauth.revoke_all_grants();
    google.set_access_token("at_unknown");
    let failed = sync(&store, &google, account.id, source.clone(), &log).await;
    assert!(!failed.is_ok());
    if let Err(e) = source.refresh().await {
        log.lock().unwrap().push(format!("{e} {e:?}"));
    }
    let tokens = load_tokens(memory.as_ref(), account.keychain_entry.as_deref().unwrap())
        .unwrap()
        .unwrap();
    log.lock().unwrap().push(format!("{tokens:?}"));

    // Export the week, as `vica export` would, into the data dir.
    let markdown = {
        let store = store.lock().unwrap();
        let settings = store.settings().unwrap();
        // The event's week: an hour from now is next week late on a Sunday.
        let day = start.with_timezone(&settings.zone()).date_naive();
        let key = WeekKey::containing(day, settings.week_start);
        let week = Week::load(&store, key, &settings).unwrap();
        vica_core::export::markdown(&week)
    };
    assert!(
        markdown.contains("Review"),
        "the export should show the synced event"
    );
    std::fs::write(data.path().join("review.md"), &markdown).unwrap();
    log.lock().unwrap().push(format!("{:?}", oauth.requests()));
    log.lock()
        .unwrap()
        .push(format!("{:?}", oauth.token_requests()));
    log.lock().unwrap().push(format!("{:?}", google.requests()));

    // Every secret the fake handed out.
    let mut secrets_issued = oauth.issued_access_tokens();
    secrets_issued.extend(oauth.issued_refresh_tokens());
    secrets_issued.extend(oauth.issued_codes());
    assert!(
        oauth.issued_access_tokens().len() >= 3,
        "connect + two refreshes"
    );
    assert!(oauth.issued_refresh_tokens().len() >= 3);
    // Sanity: the keychain does hold tokens, so the search below looks for the right strings.
    assert!(secrets_issued.contains(tokens.access_token.expose()));

    // The database while open (WAL and shared memory files included)...
    let open_files = files(data.path());
    assert!(
        open_files.iter().any(|(p, _)| p.ends_with("vica.db-wal")),
        "{:?}",
        open_files.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    // ...and after closing it (checkpointed).
    drop(store);
    let closed_files = files(data.path());
    let log = log.lock().unwrap().join("\n");
    for secret in &secrets_issued {
        for (path, bytes) in open_files
            .iter()
            .chain(closed_files.iter())
            .chain(files(config_dir.path()).iter())
        {
            assert!(!contains(bytes, secret), "a token is in {path}");
        }
        assert!(
            !markdown.contains(secret.as_str()),
            "a token is in the export"
        );
        assert!(
            !log.contains(secret.as_str()),
            "a token is in the log output"
        );
    }
    assert!(
        !log.contains(CLIENT_SECRET),
        "the client secret is in the log output"
    );
    assert!(
        log.contains("reconnect"),
        "the failure should be in the log: {log}"
    );
}
