//! Connecting, refreshing and disconnecting accounts against the fake
//! authorization server, with an HTTP client playing the browser and an
//! in-memory secret store standing in for the keychain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{SubsecRound, Utc};
use reqwest::Url;
use serde_json::json;
use tokio::sync::oneshot;
use vica_core::Store;
use vica_core::model::{Account, AccountStatus, Provider};
use vica_fakes::FakeServer;
use vica_fakes::google::{CalendarEntry, FakeGoogle, Fault};
use vica_fakes::oauth::{
    CLIENT_ID, CLIENT_SECRET, ClientAuth, DEFAULT_EMAIL, FakeOAuth, GOOGLE_CLIENT_ID,
    PUBLIC_CLIENT_ID, TokenFault,
};
use vica_sync::accounts::{self, CachedData, ConnectOptions};
use vica_sync::engine::Progress;
use vica_sync::google::{Google, GoogleConfig};
use vica_sync::http::{RetryPolicy, TokenSource};
use vica_sync::oauth::{OAuthConfig, ProviderSettings, Revocation};
use vica_sync::secrets::{MemoryStore, SecretError, SecretStore, Sensitive, Tokens, load_tokens};
use vica_sync::{Engine, SyncError, SyncOptions, SyncReport};

/// What the browser saw at the end: the loopback page's status and text.
type Seen = oneshot::Receiver<(u16, String)>;

struct World {
    oauth: FakeOAuth,
    google: FakeGoogle,
    config: OAuthConfig,
    store: Arc<Mutex<Store>>,
    memory: Arc<MemoryStore>,
    secrets: Arc<dyn SecretStore>,
    _dir: tempfile::TempDir,
}

fn settings(provider: Provider, oauth: &FakeOAuth) -> ProviderSettings {
    let s = ProviderSettings::defaults(provider)
        .unwrap()
        .with_base_url(&oauth.base_url())
        .unwrap();
    // Each provider's client follows that provider's rules at the fake.
    let mut s = match provider {
        Provider::Google => s.with_client(GOOGLE_CLIENT_ID, Some(CLIENT_SECRET)),
        Provider::Microsoft => s.with_client(PUBLIC_CLIENT_ID, None),
        _ => s.with_client(CLIENT_ID, Some(CLIENT_SECRET)),
    };
    // Tests run in parallel: no fixed port, even for Todoist.
    s.redirect_port = 0;
    s.request_timeout = Duration::from_secs(5);
    s
}

async fn world() -> World {
    let oauth = FakeOAuth::start().await.unwrap();
    let google = FakeGoogle::start().await.unwrap();
    oauth.link_google(&google);
    let mut primary = CalendarEntry::new(DEFAULT_EMAIL, "Alice");
    primary.primary = true;
    google.add_calendar(primary);
    let start = Utc::now().trunc_subsecs(0) + chrono::Duration::hours(2);
    google.put_event(
        DEFAULT_EMAIL,
        json!({
            "id": "ev1",
            "status": "confirmed",
            "summary": "Planning",
            "start": {"dateTime": start.to_rfc3339()},
            "end": {"dateTime": (start + chrono::Duration::minutes(30)).to_rfc3339()},
        }),
    );
    let mut config = OAuthConfig::defaults().unwrap();
    config.google = settings(Provider::Google, &oauth);
    config.microsoft = settings(Provider::Microsoft, &oauth);
    config.todoist = settings(Provider::Todoist, &oauth);
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(
        Store::open(&dir.path().join("vica.db")).unwrap(),
    ));
    let memory = Arc::new(MemoryStore::new());
    World {
        oauth,
        google,
        config,
        store,
        secrets: memory.clone(),
        memory,
        _dir: dir,
    }
}

/// Plays the browser: GET the authorization URL (the fake consents at once),
/// then follow its redirect to the loopback listener, optionally rewriting it.
async fn browse(url: Url, rewrite: impl FnOnce(Url) -> Url) -> (u16, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 302, "the fake should redirect");
    let location = resp.headers()["location"].to_str().unwrap();
    let back = rewrite(Url::parse(location).unwrap());
    let resp = http.get(back).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// An `open_url` that browses in the background and reports what the loopback page said.
fn browser_with(rewrite: impl FnOnce(Url) -> Url + Send + 'static) -> (impl FnOnce(&Url), Seen) {
    let (tx, rx) = oneshot::channel();
    let open = move |url: &Url| {
        let url = url.clone();
        tokio::spawn(async move {
            let seen = browse(url, rewrite).await;
            let _ = tx.send(seen);
        });
    };
    (open, rx)
}

fn browser() -> (impl FnOnce(&Url), Seen) {
    browser_with(|u| u)
}

impl World {
    async fn connect(&self, provider: Provider) -> vica_sync::Result<Account> {
        let (open, seen) = browser();
        let account = accounts::connect(
            provider,
            &self.config,
            &self.store,
            &self.secrets,
            &ConnectOptions {
                timeout: Duration::from_secs(20),
            },
            open,
        )
        .await;
        if account.is_ok() {
            let (status, page) = seen.await.unwrap();
            assert_eq!(status, 200);
            assert!(page.contains("You can close this tab"), "{page}");
        }
        account
    }

    fn tokens(&self, account: &Account) -> Tokens {
        load_tokens(
            self.memory.as_ref(),
            account.keychain_entry.as_deref().unwrap(),
        )
        .unwrap()
        .unwrap()
    }

    fn token_source(&self, account: &Account) -> Arc<dyn TokenSource> {
        let account = self.store.lock().unwrap().account(account.id).unwrap();
        accounts::token_source(&account, &self.config, self.secrets.clone()).unwrap()
    }

    async fn sync(&self, account: &Account, tokens: Arc<dyn TokenSource>) -> SyncReport {
        let mut config = GoogleConfig::new(&self.google.base_url()).unwrap();
        config.retry = RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retry_after: Duration::from_secs(1),
            timeout: Duration::from_secs(5),
        };
        let client = Arc::new(Google::new(config, tokens).unwrap());
        let engine = Engine::new(self.store.clone(), SyncOptions::default());
        let progress: Progress = Arc::new(|_| {});
        engine
            .sync_account(account.id, client, None, progress)
            .await
    }

    fn event_count(&self, account: &Account) -> i64 {
        let store = self.store.lock().unwrap();
        store
            .sources()
            .unwrap()
            .iter()
            .filter(|s| s.account_id == account.id)
            .map(|s| store.item_counts(s.id).unwrap().0)
            .sum()
    }

    fn assert_nothing_saved(&self) {
        assert!(
            self.memory.entry_names().is_empty(),
            "{:?}",
            self.memory.entry_names()
        );
        assert!(self.store.lock().unwrap().accounts().unwrap().is_empty());
    }
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn connecting_google_stores_tokens_in_the_keychain_and_the_entry_name_in_the_db() {
    let w = world().await;
    let account = w.connect(Provider::Google).await.unwrap();
    assert_eq!(account.provider, Provider::Google);
    assert_eq!(account.label, DEFAULT_EMAIL);
    assert_eq!(account.status, AccountStatus::Ok);
    assert_eq!(
        account.keychain_entry.as_deref(),
        Some("google:alice@example.com")
    );
    assert_eq!(w.memory.entry_names(), ["google:alice@example.com"]);

    // The keychain holds exactly what the fake issued.
    let tokens = w.tokens(&account);
    assert_eq!(
        Some(tokens.access_token.expose().clone()),
        w.oauth.last_access_token()
    );
    assert_eq!(
        w.oauth.live_refresh_tokens(),
        [tokens.refresh_token.clone().unwrap().expose().clone()]
    );
    let expires_in = tokens.expires_at.unwrap() - Utc::now();
    assert!(expires_in > chrono::Duration::seconds(3500), "{expires_in}");
    // What Google granted, in its own names.
    assert_eq!(
        tokens.scopes,
        [
            "https://www.googleapis.com/auth/calendar.readonly",
            "openid",
            "https://www.googleapis.com/auth/userinfo.email"
        ]
    );

    // What went over the wire: PKCE S256, a random state, a loopback redirect.
    let authorize = w
        .oauth
        .requests()
        .into_iter()
        .find(|r| r.path == "/authorize")
        .unwrap();
    assert_eq!(authorize.param("code_challenge_method"), Some("S256"));
    assert_eq!(authorize.param("code_challenge").map(str::len), Some(43));
    assert!(authorize.param("state").is_some_and(|s| s.len() >= 16));
    assert!(
        authorize
            .param("redirect_uri")
            .is_some_and(|r| r.starts_with("http://127.0.0.1:") && !r.ends_with(":0"))
    );
    assert_eq!(
        authorize.param("scope"),
        Some("https://www.googleapis.com/auth/calendar.readonly openid email")
    );
    assert_eq!(authorize.param("access_type"), Some("offline"));
    assert_eq!(authorize.param("prompt"), Some("consent"));
    let exchange = &w.oauth.token_requests()[0];
    assert_eq!(exchange.grant_type, "authorization_code");
    assert_eq!(exchange.client_auth, ClientAuth::Post);
    assert!(exchange.had_code_verifier);
    assert_eq!(
        exchange.redirect_uri.as_deref(),
        authorize.param("redirect_uri")
    );

    // And the account syncs with the keychain-backed token source.
    let report = w.sync(&account, w.token_source(&account)).await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(w.event_count(&account), 1);
}

/// Any web page the user has open can send the browser to the loopback
/// listener (Todoist's port is fixed). A request without the right `state`
/// gets an error page and is otherwise ignored: the sign-in keeps waiting for
/// the real answer, and the forged code is never exchanged.
#[tokio::test]
async fn a_request_without_the_right_state_is_refused_and_the_sign_in_goes_on() {
    let w = world().await;
    let (tx, rx) = oneshot::channel();
    let open = move |url: &Url| {
        let url = url.clone();
        tokio::spawn(async move {
            let redirect = Url::parse(&query(&url, "redirect_uri").unwrap()).unwrap();
            let http = reqwest::Client::new();
            let mut forged = Vec::new();
            for q in [
                "code=stolen&state=forged",
                "code=stolen",
                "error=access_denied",
            ] {
                let mut bad = redirect.clone();
                bad.set_query(Some(q));
                let r = http.get(bad).send().await.unwrap();
                forged.push((r.status().as_u16(), r.text().await.unwrap()));
            }
            let seen = browse(url, |u| u).await;
            let _ = tx.send((forged, seen));
        });
    };
    let account = accounts::connect(
        Provider::Google,
        &w.config,
        &w.store,
        &w.secrets,
        &ConnectOptions::default(),
        open,
    )
    .await
    .unwrap();
    assert_eq!(account.label, DEFAULT_EMAIL);
    let (forged, (status, _)) = rx.await.unwrap();
    for (code, page) in forged {
        assert_eq!(code, 400);
        assert!(page.contains("did not come from Vica"), "{page}");
    }
    assert_eq!(status, 200, "the real answer still came through");
    let exchanges: Vec<u16> = w
        .oauth
        .token_requests()
        .iter()
        .filter(|r| r.grant_type == "authorization_code")
        .map(|r| r.status)
        .collect();
    assert_eq!(exchanges, [200], "one code exchanged, the real one");
}

#[tokio::test]
async fn stray_requests_are_ignored_until_the_redirect_arrives() {
    let w = world().await;
    let (tx, rx) = oneshot::channel();
    let open = move |url: &Url| {
        let url = url.clone();
        tokio::spawn(async move {
            let redirect = Url::parse(&query(&url, "redirect_uri").unwrap()).unwrap();
            let http = reqwest::Client::new();
            // A favicon request and an idle connection first.
            let favicon = redirect.join("/favicon.ico").unwrap();
            let status = http.get(favicon).send().await.unwrap().status().as_u16();
            let idle = tokio::net::TcpStream::connect(redirect.socket_addrs(|| None).unwrap()[0])
                .await
                .unwrap();
            let seen = browse(url, |u| u).await;
            drop(idle);
            let _ = tx.send((status, seen));
        });
    };
    let account = accounts::connect(
        Provider::Google,
        &w.config,
        &w.store,
        &w.secrets,
        &ConnectOptions::default(),
        open,
    )
    .await
    .unwrap();
    let (favicon, (status, _)) = rx.await.unwrap();
    assert_eq!((favicon, status), (404, 200));
    assert_eq!(account.label, DEFAULT_EMAIL);
}

#[tokio::test]
async fn denied_consent_says_so_and_saves_nothing() {
    let w = world().await;
    w.oauth.deny_next_consent();
    let (open, seen) = browser();
    let err = accounts::connect(
        Provider::Google,
        &w.config,
        &w.store,
        &w.secrets,
        &ConnectOptions::default(),
        open,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SyncError::ConsentDenied { .. }), "{err:?}");
    assert!(err.to_string().contains("not granted"), "{err}");
    let (status, page) = seen.await.unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("not given access"), "{page}");
    w.assert_nothing_saved();
}

#[tokio::test]
async fn no_answer_in_time_ends_the_attempt_and_closes_the_listener() {
    let w = world().await;
    let seen_url = Arc::new(Mutex::new(None));
    let keep = seen_url.clone();
    let err = accounts::connect(
        Provider::Google,
        &w.config,
        &w.store,
        &w.secrets,
        &ConnectOptions {
            timeout: Duration::from_millis(300),
        },
        move |url: &Url| *keep.lock().unwrap() = Some(url.clone()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, SyncError::AuthorizationTimeout { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("nothing was saved"), "{err}");
    let url = seen_url.lock().unwrap().clone().unwrap();
    let redirect = Url::parse(&query(&url, "redirect_uri").unwrap()).unwrap();
    let addr = redirect.socket_addrs(|| None).unwrap()[0];
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    w.assert_nothing_saved();
}

#[tokio::test]
async fn a_code_obtained_with_another_pkce_challenge_is_refused_by_the_fake() {
    let w = world().await;
    // An attacker's authorization request: same client, same redirect, their own challenge.
    let (tx, rx) = oneshot::channel();
    let open = move |url: &Url| {
        let mut forged = url.clone();
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "code_challenge" {
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        forged.query_pairs_mut().clear().extend_pairs(pairs);
        tokio::spawn(async move {
            let _ = tx.send(browse(forged, |u| u).await);
        });
    };
    let err = accounts::connect(
        Provider::Google,
        &w.config,
        &w.store,
        &w.secrets,
        &ConnectOptions::default(),
        open,
    )
    .await
    .unwrap_err();
    let _ = rx.await;
    match &err {
        SyncError::TokenRefused { code, detail, .. } => {
            assert_eq!(code, "invalid_grant");
            assert_eq!(detail.as_deref(), Some("PKCE verification failed"));
        }
        other => panic!("{other:?}"),
    }
    w.assert_nothing_saved();
}

#[tokio::test]
async fn token_endpoint_failures_save_nothing_and_leak_nothing() {
    let mut w = world().await;
    w.config.google.request_timeout = Duration::from_millis(300);
    for (fault, check) in [
        (
            TokenFault::Slow(Duration::from_secs(2)),
            (|e: &SyncError| matches!(e, SyncError::Timeout { .. })) as fn(&SyncError) -> bool,
        ),
        (TokenFault::Malformed, |e| {
            matches!(e, SyncError::Malformed { .. })
        }),
        (TokenFault::MissingAccessToken, |e| {
            matches!(e, SyncError::Malformed { .. })
        }),
        (TokenFault::Redirect, |e| {
            matches!(e, SyncError::Malformed { .. })
        }),
        (
            TokenFault::InvalidGrant,
            |e| matches!(e, SyncError::TokenRefused { code, .. } if code == "invalid_grant"),
        ),
        (
            TokenFault::Unavailable,
            |e| matches!(e, SyncError::TokenRefused { code, .. } if code == "temporarily_unavailable"),
        ),
    ] {
        w.oauth.inject_token_fault(fault.clone());
        let err = w.connect(Provider::Google).await.unwrap_err();
        assert!(check(&err), "{fault:?}: {err:?}");
        let msg = format!("{err} {err:?}");
        assert!(!msg.contains("at_"), "{fault:?}: {msg}");
        w.assert_nothing_saved();
    }
    // The redirect from the token endpoint was not followed.
    assert_eq!(w.oauth.redirect_followed(), 0);
}

#[tokio::test]
async fn without_a_client_id_connecting_says_where_to_set_one() {
    let w = world().await;
    let empty =
        OAuthConfig::from_sources(None, &|_| None, std::path::Path::new("oauth.toml")).unwrap();
    let opened = Arc::new(Mutex::new(false));
    let flag = opened.clone();
    let err = accounts::connect(
        Provider::Microsoft,
        &empty,
        &w.store,
        &w.secrets,
        &ConnectOptions::default(),
        move |_: &Url| *flag.lock().unwrap() = true,
    )
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SyncError::NotConfigured { .. }));
    assert!(msg.contains("VICA_MICROSOFT_CLIENT_ID"), "{msg}");
    assert!(msg.contains("docs/oauth-setup.md"), "{msg}");
    assert!(!*opened.lock().unwrap());
}

#[tokio::test]
async fn a_missing_keychain_is_reported_before_the_browser_opens() {
    let w = world().await;
    w.memory.fail_with(Some(SecretError::Unavailable {
        detail: "org.freedesktop.secrets was not provided by any .service files".into(),
    }));
    let opened = Arc::new(Mutex::new(false));
    let flag = opened.clone();
    let err = accounts::connect(
        Provider::Google,
        &w.config,
        &w.store,
        &w.secrets,
        &ConnectOptions::default(),
        move |_: &Url| *flag.lock().unwrap() = true,
    )
    .await
    .unwrap_err();
    assert!(matches!(
        err,
        SyncError::Keychain(SecretError::Unavailable { .. })
    ));
    let msg = err.to_string();
    assert!(
        cfg!(not(target_os = "linux"))
            || msg.contains("install and unlock gnome-keyring or KeePassXC"),
        "{msg}"
    );
    assert!(!*opened.lock().unwrap());
    w.memory.fail_with(None);
    w.assert_nothing_saved();
}

#[tokio::test]
async fn microsoft_is_a_public_client_and_named_by_its_principal_name() {
    let w = world().await;
    w.oauth.set_user("bob@contoso.example", "Bob");
    let account = w.connect(Provider::Microsoft).await.unwrap();
    assert_eq!(account.label, "bob@contoso.example");
    assert_eq!(
        account.keychain_entry.as_deref(),
        Some("microsoft:bob@contoso.example")
    );
    let exchange = &w.oauth.token_requests()[0];
    assert_eq!(exchange.client_id.as_deref(), Some(PUBLIC_CLIENT_ID));
    assert_eq!(exchange.client_auth, ClientAuth::None);
    let authorize = w
        .oauth
        .requests()
        .into_iter()
        .find(|r| r.path == "/authorize")
        .unwrap();
    assert_eq!(
        authorize.param("scope"),
        Some("Calendars.Read Calendars.Read.Shared offline_access User.Read")
    );
    assert!(w.tokens(&account).refresh_token.is_some());
}

#[tokio::test]
async fn todoist_oauth_tokens_without_refresh_or_expiry() {
    let w = world().await;
    w.oauth.set_issue_refresh_tokens(false);
    w.oauth.set_expires_in(None);
    let account = w.connect(Provider::Todoist).await.unwrap();
    assert_eq!(account.label, DEFAULT_EMAIL);
    let tokens = w.tokens(&account);
    assert!(tokens.refresh_token.is_none() && tokens.expires_at.is_none());
    assert_eq!(tokens.scopes, ["data:read"]);
    let authorize = w
        .oauth
        .requests()
        .into_iter()
        .find(|r| r.path == "/authorize")
        .unwrap();
    assert!(
        authorize
            .param("redirect_uri")
            .is_some_and(|r| r.ends_with("/callback"))
    );
    // A token that cannot be refreshed is handed out as it is.
    let source = w.token_source(&account);
    assert_eq!(
        &source.access_token().await.unwrap(),
        tokens.access_token.expose()
    );
    // A 401 for it means reconnecting.
    assert!(matches!(
        source.refresh().await,
        Err(SyncError::ReconnectNeeded { .. })
    ));
}

#[tokio::test]
async fn a_todoist_personal_token_is_checked_and_kept_in_the_keychain() {
    let w = world().await;
    let token = w.oauth.issue_personal_token();
    let account = accounts::connect_with_token(
        Provider::Todoist,
        Sensitive::new(format!("  {token}\n")),
        &w.config,
        &w.store,
        &w.secrets,
    )
    .await
    .unwrap();
    assert_eq!(account.label, DEFAULT_EMAIL);
    let stored = w.tokens(&account);
    assert_eq!(stored.access_token.expose(), &token);
    assert!(stored.personal && stored.refresh_token.is_none());

    let err = accounts::connect_with_token(
        Provider::Todoist,
        Sensitive::new("not-a-token".into()),
        &w.config,
        &w.store,
        &w.secrets,
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("did not accept this API token"),
        "{err}"
    );
    assert!(!err.to_string().contains("not-a-token"));
    assert_eq!(w.memory.entry_names().len(), 1);

    // Disconnecting cannot revoke a personal token; it says where to reset it.
    let gone = accounts::disconnect(
        account.id,
        &w.config,
        &w.store,
        &w.secrets,
        CachedData::Delete,
    )
    .await
    .unwrap();
    assert!(
        matches!(gone.revocation, Some(Revocation::NotSupported(ref m)) if m.contains("Todoist"))
    );
    assert!(w.oauth.revoke_requests().is_empty());
    w.assert_nothing_saved();
}

#[tokio::test]
async fn tokens_are_refreshed_ahead_of_expiry_and_the_rotated_one_is_saved() {
    let w = world().await;
    w.oauth.set_expires_in(Some(30)); // inside the 60 s margin
    let account = w.connect(Provider::Google).await.unwrap();
    let first = w.tokens(&account);
    w.oauth.set_expires_in(Some(3600));

    let report = w.sync(&account, w.token_source(&account)).await;
    assert!(report.is_ok(), "{report:?}");
    let refreshes: Vec<_> = w
        .oauth
        .token_requests()
        .into_iter()
        .filter(|r| r.grant_type == "refresh_token")
        .collect();
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");

    let now = w.tokens(&account);
    assert_ne!(now.access_token, first.access_token);
    assert_ne!(now.refresh_token, first.refresh_token);
    assert_eq!(
        Some(now.access_token.expose().clone()),
        w.oauth.last_access_token()
    );
    // The old refresh token is dead, the stored one is the only live one.
    let old = first.refresh_token.unwrap();
    assert!(!w.oauth.is_refresh_token_live(old.expose()));
    assert_eq!(
        w.oauth.live_refresh_tokens(),
        [now.refresh_token.unwrap().expose().clone()]
    );
    assert!(now.expires_at.unwrap() - Utc::now() > chrono::Duration::seconds(3500));
}

#[tokio::test]
async fn a_401_refreshes_once_and_the_sync_goes_on() {
    let w = world().await;
    let account = w.connect(Provider::Google).await.unwrap();
    let source = w.token_source(&account);
    assert!(w.sync(&account, source.clone()).await.is_ok());
    w.google.inject(Fault::Unauthorized);
    let report = w.sync(&account, source).await;
    assert!(report.is_ok(), "{report:?}");
    let refreshes = w
        .oauth
        .token_requests()
        .iter()
        .filter(|r| r.grant_type == "refresh_token")
        .count();
    assert_eq!(refreshes, 1);
    assert_eq!(
        Some(w.tokens(&account).access_token.expose().clone()),
        w.oauth.last_access_token()
    );
}

/// A keychain that records what was saved, to check the order of things.
struct Recording {
    inner: MemoryStore,
    saved_access_tokens: Mutex<Vec<String>>,
}

impl SecretStore for Recording {
    fn get(&self, entry: &str) -> Result<Option<Sensitive<String>>, SecretError> {
        self.inner.get(entry)
    }
    fn set(&self, entry: &str, secret: &Sensitive<String>) -> Result<(), SecretError> {
        self.inner.set(entry, secret)?;
        let tokens = Tokens::from_secret(entry, secret).unwrap();
        self.saved_access_tokens
            .lock()
            .unwrap()
            .push(tokens.access_token.expose().clone());
        Ok(())
    }
    fn delete(&self, entry: &str) -> Result<bool, SecretError> {
        self.inner.delete(entry)
    }
}

#[tokio::test]
async fn a_refreshed_token_is_saved_before_it_is_used_and_not_used_if_saving_fails() {
    let mut w = world().await;
    let recording = Arc::new(Recording {
        inner: MemoryStore::new(),
        saved_access_tokens: Mutex::new(Vec::new()),
    });
    w.secrets = recording.clone();
    let account = w.connect(Provider::Google).await.unwrap();
    let source = w.token_source(&account);

    let fresh = source.refresh().await.unwrap();
    assert_eq!(
        recording.saved_access_tokens.lock().unwrap().last(),
        Some(&fresh)
    );
    assert_eq!(Some(fresh.clone()), w.oauth.last_access_token());

    // Rotation succeeded at the provider but the keychain refuses the write:
    // the new access token is not handed out.
    recording.inner.fail_with(Some(SecretError::Locked {
        detail: "collection is locked".into(),
    }));
    tokio::time::sleep(Duration::from_millis(2100)).await; // past the shared-refresh window
    let err = source.refresh().await.unwrap_err();
    assert!(
        matches!(err, SyncError::Keychain(SecretError::Locked { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("unlock"), "{err}");
    let issued = w.oauth.last_access_token().unwrap();
    assert_ne!(issued, fresh);
    assert!(
        !recording
            .saved_access_tokens
            .lock()
            .unwrap()
            .contains(&issued)
    );
}

#[tokio::test]
async fn invalid_grant_marks_the_account_for_reconnecting_and_keeps_its_data() {
    let w = world().await;
    let account = w.connect(Provider::Google).await.unwrap();
    assert!(w.sync(&account, w.token_source(&account)).await.is_ok());
    assert_eq!(w.event_count(&account), 1);

    // The user removed Vica's access at the provider; the access token stops working too.
    w.oauth.revoke_all_grants();
    w.google.set_access_token("at_nobody_has_this");
    let source = w.token_source(&account);
    let report = w.sync(&account, source.clone()).await;
    assert!(!report.is_ok());
    assert!(
        report
            .error
            .as_deref()
            .is_some_and(|e| e.contains("reconnect")),
        "{report:?}"
    );
    let now = w.store.lock().unwrap().account(account.id).unwrap();
    assert_eq!(now.status, AccountStatus::NeedsReconnect);
    assert_eq!(w.event_count(&account), 1, "cached data is kept");
    assert!(matches!(
        source.refresh().await,
        Err(SyncError::ReconnectNeeded { .. })
    ));

    // Reconnecting clears the mark and the account syncs again.
    let again = w.connect(Provider::Google).await.unwrap();
    assert_eq!((again.id, again.status), (account.id, AccountStatus::Ok));
    assert!(w.sync(&account, w.token_source(&again)).await.is_ok());
}

#[tokio::test]
async fn an_injected_invalid_grant_on_refresh_is_reconnect_needed() {
    let w = world().await;
    let account = w.connect(Provider::Google).await.unwrap();
    w.oauth.inject_token_fault(TokenFault::InvalidGrant);
    let err = w.token_source(&account).refresh().await.unwrap_err();
    assert!(matches!(err, SyncError::ReconnectNeeded { .. }), "{err:?}");
}

#[tokio::test]
async fn disconnecting_revokes_deletes_the_entry_and_keeps_or_deletes_data() {
    let w = world().await;
    let account = w.connect(Provider::Google).await.unwrap();
    assert!(w.sync(&account, w.token_source(&account)).await.is_ok());
    let tokens = w.tokens(&account);

    let done = accounts::disconnect(
        account.id,
        &w.config,
        &w.store,
        &w.secrets,
        CachedData::Keep,
    )
    .await
    .unwrap();
    assert_eq!(done.revocation, Some(Revocation::Revoked));
    assert!(done.keychain_entry_deleted);
    assert!(w.memory.entry_names().is_empty());
    assert!(
        !w.oauth
            .is_refresh_token_live(tokens.refresh_token.unwrap().expose())
    );
    assert!(!w.oauth.is_access_token_live(tokens.access_token.expose()));
    let revoke = &w.oauth.revoke_requests()[0];
    assert_eq!(
        (revoke.known, revoke.token_type_hint.as_deref()),
        (true, Some("refresh_token"))
    );
    // Kept: the row without credentials, its events.
    let kept = w.store.lock().unwrap().account(account.id).unwrap();
    assert_eq!(kept.keychain_entry, None);
    assert_eq!(kept.status, AccountStatus::NeedsReconnect);
    assert_eq!(w.event_count(&account), 1);
    let err = accounts::token_source(&kept, &w.config, w.secrets.clone())
        .err()
        .unwrap();
    assert!(err.to_string().contains("disconnected"), "{err}");

    // Reconnect, then disconnect for good.
    let again = w.connect(Provider::Google).await.unwrap();
    assert_eq!(again.id, account.id);
    let done = accounts::disconnect(
        again.id,
        &w.config,
        &w.store,
        &w.secrets,
        CachedData::Delete,
    )
    .await
    .unwrap();
    assert_eq!(done.data, CachedData::Delete);
    w.assert_nothing_saved();
}

#[tokio::test]
async fn disconnecting_where_revocation_is_missing_or_fails_still_deletes_the_entry() {
    let w = world().await;
    let ms = w.connect(Provider::Microsoft).await.unwrap();
    let done = accounts::disconnect(ms.id, &w.config, &w.store, &w.secrets, CachedData::Delete)
        .await
        .unwrap();
    match done.revocation {
        Some(Revocation::NotSupported(m)) => assert!(m.contains("no revocation endpoint"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(w.oauth.revoke_requests().is_empty());

    let todoist = w.connect(Provider::Todoist).await.unwrap();
    w.oauth.inject(Fault::Status {
        code: 500,
        retry_after: None,
    });
    let done = accounts::disconnect(
        todoist.id,
        &w.config,
        &w.store,
        &w.secrets,
        CachedData::Delete,
    )
    .await
    .unwrap();
    assert!(
        matches!(done.revocation, Some(Revocation::Failed(_))),
        "{done:?}"
    );
    assert!(done.keychain_entry_deleted);
    w.assert_nothing_saved();

    // Todoist revokes with Basic client credentials.
    let todoist = w.connect(Provider::Todoist).await.unwrap();
    let done = accounts::disconnect(
        todoist.id,
        &w.config,
        &w.store,
        &w.secrets,
        CachedData::Delete,
    )
    .await
    .unwrap();
    assert_eq!(done.revocation, Some(Revocation::Revoked));
    assert_eq!(
        w.oauth.revoke_requests().last().map(|r| r.client_auth),
        Some(ClientAuth::Basic)
    );
}

#[tokio::test]
async fn a_locked_keychain_stops_disconnect_before_anything_changes() {
    let w = world().await;
    let account = w.connect(Provider::Google).await.unwrap();
    w.memory.fail_with(Some(SecretError::Locked {
        detail: "locked".into(),
    }));
    let err = accounts::disconnect(
        account.id,
        &w.config,
        &w.store,
        &w.secrets,
        CachedData::Delete,
    )
    .await
    .unwrap_err();
    assert!(matches!(
        err,
        SyncError::Keychain(SecretError::Locked { .. })
    ));
    w.memory.fail_with(None);
    assert_eq!(w.memory.entry_names().len(), 1);
    assert!(w.store.lock().unwrap().account(account.id).is_ok());
    assert!(w.oauth.revoke_requests().is_empty());
}

const CALENDAR: &str = "https://www.googleapis.com/auth/calendar.readonly";

/// An `open_url` that drops `prompt` from the authorization URL before
/// browsing: Google then skips the consent screen for a user who granted
/// access before, and sends no refresh token.
fn browser_without_prompt() -> (impl FnOnce(&Url), Seen) {
    let (tx, rx) = oneshot::channel();
    let open = move |url: &Url| {
        let mut url = url.clone();
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "prompt")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        tokio::spawn(async move {
            let _ = tx.send(browse(url, |u| u).await);
        });
    };
    (open, rx)
}

impl World {
    fn live_stored_refresh(&self, account: &Account) -> Option<String> {
        let rt = self.tokens(account).refresh_token?.expose().clone();
        self.oauth.is_refresh_token_live(&rt).then_some(rt)
    }
}

#[tokio::test]
async fn a_repeat_google_sign_in_asks_for_consent_and_gets_a_refresh_token() {
    let w = world().await;
    let account = w.connect(Provider::Google).await.unwrap();
    let first = w.live_stored_refresh(&account).unwrap();
    // Signing in again (the Reconnect button): Google shows consent because Vica asks.
    let again = w.connect(Provider::Google).await.unwrap();
    assert_eq!(again.id, account.id);
    let second = w
        .live_stored_refresh(&again)
        .expect("a live refresh token is stored");
    assert_ne!(first, second, "a fresh grant's refresh token");
    for r in w.oauth.requests().iter().filter(|r| r.path == "/authorize") {
        assert_eq!(
            (r.param("access_type"), r.param("prompt")),
            (Some("offline"), Some("consent"))
        );
    }
    // An hour later the account still syncs: its refresh token works.
    w.oauth.set_expires_in(Some(30));
    let expiring = w.connect(Provider::Google).await.unwrap();
    let report = w.sync(&expiring, w.token_source(&expiring)).await;
    assert!(report.is_ok(), "{report:?}");
}

#[tokio::test]
async fn a_reconnect_that_brings_no_refresh_token_keeps_the_stored_one() {
    let w = world().await;
    let account = w.connect(Provider::Google).await.unwrap();
    let stored = w.live_stored_refresh(&account).unwrap();

    // Google skips consent and sends an access token alone, about to expire.
    w.oauth.set_expires_in(Some(30));
    let (open, seen) = browser_without_prompt();
    let again = accounts::connect(
        Provider::Google,
        &w.config,
        &w.store,
        &w.secrets,
        &ConnectOptions {
            timeout: Duration::from_secs(20),
        },
        open,
    )
    .await
    .unwrap();
    assert_eq!(seen.await.unwrap().0, 200);
    let exchange = w.oauth.token_requests().pop().unwrap();
    assert_eq!(exchange.grant_type, "authorization_code");
    let tokens = w.tokens(&again);
    assert_eq!(
        Some(tokens.access_token.expose().clone()),
        w.oauth.last_access_token(),
        "the new access token is stored"
    );
    assert_eq!(
        tokens.refresh_token.map(|t| t.expose().clone()),
        Some(stored),
        "the stored refresh token was not replaced by none"
    );
    // It still works when the access token runs out.
    w.oauth.set_expires_in(Some(3600));
    let report = w.sync(&again, w.token_source(&again)).await;
    assert!(report.is_ok(), "{report:?}");
    let now = w.store.lock().unwrap().account(again.id).unwrap();
    assert_eq!(now.status, AccountStatus::Ok);
}

#[tokio::test]
async fn a_refresh_without_a_new_refresh_token_keeps_the_stored_one() {
    let w = world().await;
    w.oauth.set_rotation(false); // Google's way
    w.oauth.set_expires_in(Some(30));
    let account = w.connect(Provider::Google).await.unwrap();
    let stored = w.live_stored_refresh(&account).unwrap();
    let before = w.tokens(&account).access_token;
    let fresh = w.token_source(&account).refresh().await.unwrap();
    assert_ne!(&fresh, before.expose());
    assert_eq!(w.live_stored_refresh(&account), Some(stored));
}

#[tokio::test]
async fn a_first_sign_in_without_a_refresh_token_is_refused_and_saves_nothing() {
    let w = world().await;
    // The token response has an access token for an hour and nothing to renew it with.
    w.oauth.set_issue_refresh_tokens(false);
    let (open, _seen) = browser();
    let err = accounts::connect(
        Provider::Google,
        &w.config,
        &w.store,
        &w.secrets,
        &ConnectOptions {
            timeout: Duration::from_secs(20),
        },
        open,
    )
    .await
    .expect_err("an account that stops syncing in an hour is not connected");
    assert!(
        matches!(err, SyncError::OfflineAccessNotGranted { .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("Google did not grant offline access"), "{msg}");
    assert!(msg.contains("nothing was saved"), "{msg}");
    w.assert_nothing_saved();
}

#[tokio::test]
async fn calendar_access_not_granted_at_sign_in_says_so_and_saves_nothing() {
    let w = world().await;
    w.oauth.withhold_scopes(&[CALENDAR]);
    let (open, _seen) = browser();
    let err = accounts::connect(
        Provider::Google,
        &w.config,
        &w.store,
        &w.secrets,
        &ConnectOptions {
            timeout: Duration::from_secs(20),
        },
        open,
    )
    .await
    .expect_err("an account that cannot read calendars is not connected");
    assert!(
        matches!(
            err,
            SyncError::ScopeNotGranted {
                provider: "Google",
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("calendar"), "{msg}");
    assert!(msg.contains("nothing was saved"), "{msg}");
    w.assert_nothing_saved();

    // A reconnect with the box unticked leaves the working account as it was.
    w.oauth.withhold_scopes(&[]);
    let account = w.connect(Provider::Google).await.unwrap();
    let before = w.tokens(&account);
    w.oauth.withhold_scopes(&[CALENDAR]);
    assert!(w.connect(Provider::Google).await.is_err());
    let after = w.tokens(&account);
    assert_eq!(after.access_token, before.access_token);
    assert_eq!(after.refresh_token, before.refresh_token);
    let now = w.store.lock().unwrap().account(account.id).unwrap();
    assert_eq!(now.status, AccountStatus::Ok);
}

#[tokio::test]
async fn a_403_for_a_missing_scope_at_sync_says_needs_reconnect_with_the_reason() {
    let w = world().await;
    let account = w.connect(Provider::Google).await.unwrap();
    assert!(w.sync(&account, w.token_source(&account)).await.is_ok());
    assert_eq!(w.event_count(&account), 1);

    // A token without calendar access (an account connected before Vica checked).
    w.google.set_granted_scopes(Some("openid email"));
    let report = w.sync(&account, w.token_source(&account)).await;
    let error = report.error.clone().unwrap_or_default();
    assert!(
        error.contains("calendar") && error.contains("reconnect"),
        "{report:?}"
    );
    {
        let store = w.store.lock().unwrap();
        let now = store.account(account.id).unwrap();
        assert_eq!(now.status, AccountStatus::NeedsReconnect);
        let reasons = store.account_errors().unwrap();
        assert_eq!(reasons.len(), 1);
        assert!(reasons[0].1.contains("calendar"), "{reasons:?}");
        assert!(!reasons[0].1.contains("answered 403"), "{reasons:?}");
    }
    assert_eq!(w.event_count(&account), 1, "cached data is kept");

    // Reconnecting with calendar access clears it.
    w.google.set_granted_scopes(None);
    let again = w.connect(Provider::Google).await.unwrap();
    assert_eq!(again.status, AccountStatus::Ok);
    assert!(w.sync(&again, w.token_source(&again)).await.is_ok());
    assert!(w.store.lock().unwrap().account_errors().unwrap().is_empty());
}

#[tokio::test]
async fn todoist_signs_in_as_a_public_client_with_pkce_alone() {
    let mut w = world().await;
    w.oauth.register_client("todoist-public", None);
    w.config.todoist = w.config.todoist.clone().with_client("todoist-public", None);
    w.oauth.set_issue_refresh_tokens(false);
    w.oauth.set_expires_in(None);
    let account = w.connect(Provider::Todoist).await.unwrap();
    assert_eq!(account.label, DEFAULT_EMAIL);
    let exchange = &w.oauth.token_requests()[0];
    assert_eq!(exchange.client_id.as_deref(), Some("todoist-public"));
    assert_eq!(exchange.client_auth, ClientAuth::None);
    assert!(exchange.had_code_verifier);
    assert_eq!(exchange.status, 200);
    assert_eq!(
        Some(w.tokens(&account).access_token.expose().clone()),
        w.oauth.last_access_token()
    );
}
