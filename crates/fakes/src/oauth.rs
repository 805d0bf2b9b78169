//! A fake OAuth 2.0 authorization server on loopback, standing in for
//! Google's, Microsoft's and Todoist's.
//!
//! - `GET /authorize` consents at once (or refuses, when told to) and answers
//!   `302` to the client's loopback `redirect_uri` with `code` and `state`
//!   (or `error=access_denied`). It checks the client id, that the redirect is
//!   a loopback `http` URI, and that a PKCE S256 challenge is present.
//! - `POST /token` (form-encoded, RFC 6749 §4.1.3 and §6) authenticates the
//!   client (`client_secret_post` or `client_secret_basic`; a public client
//!   must send no secret), checks that the `redirect_uri` is the one used at
//!   `/authorize`, verifies the PKCE verifier against the challenge, and
//!   issues access tokens with `expires_in` and refresh tokens. Refreshing
//!   rotates the refresh token (the old one stops working) unless rotation is
//!   turned off. Errors are RFC 6749 §5.2 JSON.
//! - `POST /revoke` (RFC 7009) ends the grant a token belongs to.
//! - Each client follows one provider's rules for refresh tokens
//!   ([`GrantRules`]). Google's ([`GOOGLE_CLIENT_ID`]): a refresh token only
//!   with `access_type=offline`, and then only when the consent screen was
//!   shown, i.e. on the user's first grant to the client or when the request
//!   had `prompt=consent`; a repeat sign-in without it gets tokens with no
//!   `refresh_token` (pdobsan/oama#36, googleworkspace/apps-script-oauth2#210;
//!   API-NOTES §5 R3, R4). Google also names `email` and `profile` by their
//!   full URLs in the granted `scope` (`…/auth/userinfo.email`, as seen in
//!   googleworkspace/cli#282). Microsoft's ([`PUBLIC_CLIENT_ID`]): a refresh
//!   token only when `offline_access` was asked for (API-NOTES §2, M9).
//! - Granular consent: [`FakeOAuth::withhold_scopes`] plays a user who leaves
//!   boxes unticked on the consent screen; the token response's `scope` then
//!   says what was granted (RFC 6749 §5.1; Google's granular permissions,
//!   API-NOTES §5 R5), and [`FakeOAuth::link_google`] tells the fake Google,
//!   which then answers calendar calls `403 insufficientPermissions`.
//! - A client registered without a secret is public: PKCE alone
//!   authenticates its code exchange, as Doist's own CLI signs in to Todoist
//!   (`Doist/cli-core` src/auth/providers/pkce.ts: `client_id` and
//!   `code_verifier`, no secret; API-NOTES §3, T5).
//! - `GET /userinfo` (also `/me` and `/user`) names the user the way each
//!   provider does: `email`, `userPrincipalName`, `full_name`.
//!
//! Faults for the token endpoint ([`TokenFault`]) come on top of the shared
//! harness of [`crate::http`] (latency, injected statuses, the request log,
//! which never holds the form bodies). [`FakeOAuth::link_google`] makes every
//! access token the fake issues the one [`crate::google::FakeGoogle`]
//! accepts, so a test can connect and then sync.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::google::FakeGoogle;
use crate::http::{
    ErrorRenderer, FakeServer, Harness, InjectedError, ServerHandle, json_response, lock,
    parse_query,
};
pub use crate::http::{Fault, RecordedRequest};

/// A confidential client registered on every fake (Todoist's kind), with
/// [`GrantRules::Generic`]: a refresh token with every code.
pub const CLIENT_ID: &str = "vica-test.apps.example.com";
/// The secret of [`CLIENT_ID`] and [`GOOGLE_CLIENT_ID`].
pub const CLIENT_SECRET: &str = "fake-client-secret";
/// A confidential client that follows [`GrantRules::Google`] (a "desktop app").
pub const GOOGLE_CLIENT_ID: &str = "vica-test-google.apps.googleusercontent.com";
/// A public client (Microsoft's kind, [`GrantRules::Microsoft`]): it must not send a secret.
pub const PUBLIC_CLIENT_ID: &str = "00000000-vica-public-client";
/// `expires_in` of issued access tokens until [`FakeOAuth::set_expires_in`] says otherwise.
pub const DEFAULT_EXPIRES_IN: u64 = 3600;
/// The signed-in user until [`FakeOAuth::set_user`] says otherwise.
pub const DEFAULT_EMAIL: &str = "alice@example.com";

/// How long an authorization code can be exchanged.
const CODE_LIFETIME: Duration = Duration::from_secs(600);

/// A misbehaviour of the token endpoint, applied to the next token request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenFault {
    /// `400 {"error": "invalid_grant"}`, whatever was asked.
    InvalidGrant,
    /// Wait this long, then answer normally.
    Slow(Duration),
    /// `200` with a JSON body cut in half.
    Malformed,
    /// `200` with a JSON object that has no `access_token`.
    MissingAccessToken,
    /// `307` to `/elsewhere` on this server, which hands out a token: a
    /// client that follows redirects from the token endpoint gets caught.
    Redirect,
    /// `503 {"error": "temporarily_unavailable"}`.
    Unavailable,
}

/// When a client's code exchange comes with a refresh token: each provider's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantRules {
    /// Always (unless [`FakeOAuth::set_issue_refresh_tokens`] turned them off).
    Generic,
    /// Google's: only with `access_type=offline`, and then only when the
    /// consent screen was shown: the user's first grant to this client (no
    /// live refresh token of theirs), or `prompt=consent`. `email` and
    /// `profile` come back as `…/auth/userinfo.email` and `…/auth/userinfo.profile`.
    Google,
    /// Microsoft's: only when the scope asked for holds `offline_access`.
    Microsoft,
}

/// How a token request authenticated the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// Only `client_id` in the body (a public client).
    None,
    /// `client_secret` in the body.
    Post,
    /// `Authorization: Basic`.
    Basic,
}

/// One request to the token endpoint, without its secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    pub grant_type: String,
    pub client_id: Option<String>,
    pub client_auth: ClientAuth,
    pub redirect_uri: Option<String>,
    pub had_code_verifier: bool,
    pub status: u16,
    /// The RFC 6749 error code answered, if any.
    pub error: Option<String>,
    pub fault: Option<TokenFault>,
}

/// One request to the revocation endpoint, without the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokeRequest {
    pub client_auth: ClientAuth,
    pub token_type_hint: Option<String>,
    /// Whether the token was one the fake had issued and still honoured.
    pub known: bool,
}

/// A running fake authorization server. Clones share it; it stops on
/// [`FakeOAuth::shutdown`] or when the last clone is dropped.
#[derive(Clone)]
pub struct FakeOAuth {
    shared: Arc<Shared>,
    server: Arc<ServerHandle>,
}

impl std::fmt::Debug for FakeOAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeOAuth")
            .field("addr", &self.server.addr())
            .finish_non_exhaustive()
    }
}

/// Hears of each access token issued, with the scope it was granted.
type Listener = Arc<dyn Fn(&str, &str) + Send + Sync>;

struct Shared {
    state: Mutex<AuthState>,
    harness: Arc<Harness>,
    on_access_token: Mutex<Vec<Listener>>,
}

#[derive(Debug)]
struct ClientReg {
    secret: Option<String>,
    rules: GrantRules,
}

#[derive(Debug)]
struct CodeGrant {
    client_id: String,
    /// Who consented (the fake's user then).
    user: String,
    redirect_uri: String,
    challenge: String,
    /// What was granted: asked for, less what the user withheld.
    scope: String,
    /// `access_type=offline` (Google).
    offline: bool,
    /// `prompt` held `consent` (Google).
    prompt_consent: bool,
    issued: Instant,
    used: bool,
}

#[derive(Debug)]
struct TokenGrant {
    grant: u64,
    client_id: String,
    user: String,
    scope: String,
    expires: Option<Instant>,
    live: bool,
}

#[derive(Debug)]
struct AuthState {
    clients: BTreeMap<String, ClientReg>,
    codes: HashMap<String, CodeGrant>,
    access: HashMap<String, TokenGrant>,
    refresh: HashMap<String, TokenGrant>,
    issued_access: Vec<String>,
    issued_refresh: Vec<String>,
    issued_codes: Vec<String>,
    next_grant: u64,
    deny_next: bool,
    rotate: bool,
    issue_refresh: bool,
    expires_in: Option<u64>,
    token_faults: VecDeque<TokenFault>,
    /// Scopes the user leaves unticked on the consent screen.
    withheld: Vec<String>,
    email: String,
    name: String,
    token_log: Vec<TokenRequest>,
    revoke_log: Vec<RevokeRequest>,
    elsewhere_hits: usize,
}

impl Default for AuthState {
    fn default() -> Self {
        let mut clients = BTreeMap::new();
        clients.insert(
            CLIENT_ID.to_owned(),
            ClientReg {
                secret: Some(CLIENT_SECRET.to_owned()),
                rules: GrantRules::Generic,
            },
        );
        clients.insert(
            GOOGLE_CLIENT_ID.to_owned(),
            ClientReg {
                secret: Some(CLIENT_SECRET.to_owned()),
                rules: GrantRules::Google,
            },
        );
        clients.insert(
            PUBLIC_CLIENT_ID.to_owned(),
            ClientReg {
                secret: None,
                rules: GrantRules::Microsoft,
            },
        );
        AuthState {
            clients,
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            issued_access: Vec::new(),
            issued_refresh: Vec::new(),
            issued_codes: Vec::new(),
            next_grant: 1,
            deny_next: false,
            rotate: true,
            issue_refresh: true,
            expires_in: Some(DEFAULT_EXPIRES_IN),
            token_faults: VecDeque::new(),
            withheld: Vec::new(),
            email: DEFAULT_EMAIL.to_owned(),
            name: "Alice Example".to_owned(),
            token_log: Vec::new(),
            revoke_log: Vec::new(),
            elsewhere_hits: 0,
        }
    }
}

fn random(prefix: &str) -> String {
    let tail: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(32)
        .collect();
    format!("{prefix}{tail}")
}

impl FakeOAuth {
    /// Binds `127.0.0.1:0` and serves in a tokio task of the current runtime.
    pub async fn start() -> std::io::Result<FakeOAuth> {
        let shared = Arc::new(Shared {
            state: Mutex::new(AuthState::default()),
            harness: Arc::new(Harness::default()),
            on_access_token: Mutex::new(Vec::new()),
        });
        let router = Router::new()
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/revoke", post(revoke))
            .route("/userinfo", get(userinfo))
            .route("/me", get(userinfo))
            .route("/user", get(userinfo))
            .route("/elsewhere", post(elsewhere))
            .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
            .with_state(shared.clone());
        let render: ErrorRenderer = render_injected;
        let router = crate::http::with_harness(router, shared.harness.clone(), render);
        let server = ServerHandle::start(router).await?;
        Ok(FakeOAuth {
            shared,
            server: Arc::new(server),
        })
    }

    /// `http://127.0.0.1:PORT`: the endpoints are `/authorize`, `/token`,
    /// `/revoke` and `/userinfo` below it.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    pub fn authorize_url(&self) -> String {
        format!("{}/authorize", self.base_url())
    }

    pub fn token_url(&self) -> String {
        format!("{}/token", self.base_url())
    }

    pub fn revoke_url(&self) -> String {
        format!("{}/revoke", self.base_url())
    }

    pub fn userinfo_url(&self) -> String {
        format!("{}/userinfo", self.base_url())
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, AuthState> {
        lock(&self.shared.state)
    }

    /// Registers another client (`secret: None` for a public one, which
    /// authenticates its code exchange with PKCE alone) with [`GrantRules::Generic`].
    pub fn register_client(&self, id: &str, secret: Option<&str>) {
        self.register_client_with(id, secret, GrantRules::Generic);
    }

    /// Registers another client that follows `rules`.
    pub fn register_client_with(&self, id: &str, secret: Option<&str>, rules: GrantRules) {
        self.state().clients.insert(
            id.to_owned(),
            ClientReg {
                secret: secret.map(str::to_owned),
                rules,
            },
        );
    }

    /// From now on the user leaves these scopes unticked on the consent
    /// screen (Google's granular consent): codes grant what was asked for
    /// less these, and the token response's `scope` says so. An empty list
    /// ticks every box again.
    pub fn withhold_scopes(&self, scopes: &[&str]) {
        self.state().withheld = scopes.iter().map(|s| (*s).to_owned()).collect();
    }

    /// The next `/authorize` redirects back with `error=access_denied`.
    pub fn deny_next_consent(&self) {
        self.state().deny_next = true;
    }

    /// Whether a refresh hands out a new refresh token and retires the old
    /// one (on by default), or keeps the old one and sends none (Google's way).
    pub fn set_rotation(&self, rotate: bool) {
        self.state().rotate = rotate;
    }

    /// Whether tokens come with a refresh token at all (Todoist's do not).
    pub fn set_issue_refresh_tokens(&self, on: bool) {
        self.state().issue_refresh = on;
    }

    /// `expires_in` of the access tokens issued from now on; `None` for tokens that do not expire.
    pub fn set_expires_in(&self, seconds: Option<u64>) {
        self.state().expires_in = seconds;
    }

    /// Who is signed in, as `/userinfo` tells it.
    pub fn set_user(&self, email: &str, name: &str) {
        let mut s = self.state();
        s.email = email.to_owned();
        s.name = name.to_owned();
    }

    /// Queues a fault for the next token request.
    pub fn inject_token_fault(&self, fault: TokenFault) {
        self.state().token_faults.push_back(fault);
    }

    /// Ends every grant (the user removed the app's access): refreshing answers `invalid_grant`.
    pub fn revoke_all_grants(&self) {
        let mut guard = self.state();
        let s = &mut *guard;
        for t in s.access.values_mut().chain(s.refresh.values_mut()) {
            t.live = false;
        }
    }

    /// A token that never expires and has no refresh token, as a user copies
    /// from Todoist's settings (a "personal API token"); `/userinfo` accepts it.
    pub fn issue_personal_token(&self) -> String {
        let token = random("pt_");
        let mut s = self.state();
        let grant = s.next_grant;
        s.next_grant += 1;
        let user = s.email.clone();
        s.access.insert(
            token.clone(),
            TokenGrant {
                grant,
                client_id: String::new(),
                user,
                scope: String::new(),
                expires: None,
                live: true,
            },
        );
        token
    }

    /// Every access token issued, oldest first.
    pub fn issued_access_tokens(&self) -> Vec<String> {
        self.state().issued_access.clone()
    }

    /// Every refresh token issued, oldest first.
    pub fn issued_refresh_tokens(&self) -> Vec<String> {
        self.state().issued_refresh.clone()
    }

    /// Every authorization code handed out, oldest first.
    pub fn issued_codes(&self) -> Vec<String> {
        self.state().issued_codes.clone()
    }

    /// The newest access token issued.
    pub fn last_access_token(&self) -> Option<String> {
        self.state().issued_access.last().cloned()
    }

    /// Refresh tokens that would still be accepted.
    pub fn live_refresh_tokens(&self) -> Vec<String> {
        let mut live: Vec<String> = self
            .state()
            .refresh
            .iter()
            .filter(|(_, g)| g.live)
            .map(|(t, _)| t.clone())
            .collect();
        live.sort();
        live
    }

    pub fn is_refresh_token_live(&self, token: &str) -> bool {
        self.state().refresh.get(token).is_some_and(|g| g.live)
    }

    /// Live and not expired.
    pub fn is_access_token_live(&self, token: &str) -> bool {
        self.state()
            .access
            .get(token)
            .is_some_and(|g| g.live && g.expires.is_none_or(|e| e > Instant::now()))
    }

    /// Every token request so far, oldest first.
    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.state().token_log.clone()
    }

    /// Every revocation request so far, oldest first.
    pub fn revoke_requests(&self) -> Vec<RevokeRequest> {
        self.state().revoke_log.clone()
    }

    /// How often `/elsewhere` (the target of [`TokenFault::Redirect`]) was reached.
    pub fn redirect_followed(&self) -> usize {
        self.state().elsewhere_hits
    }

    /// Calls `f` with every access token issued from now on.
    pub fn on_access_token(&self, f: impl Fn(&str) + Send + Sync + 'static) {
        self.on_grant(move |token, _| f(token));
    }

    /// Calls `f` with every access token issued from now on and the scope
    /// granted to it (space-separated, as the token response says).
    pub fn on_grant(&self, f: impl Fn(&str, &str) + Send + Sync + 'static) {
        lock(&self.shared.on_access_token).push(Arc::new(f));
    }

    /// Makes `google` accept each access token this server issues (the
    /// newest only), with the scopes it was granted: a token without a
    /// calendar scope gets `403 insufficientPermissions` there.
    pub fn link_google(&self, google: &FakeGoogle) {
        let google = google.clone();
        self.on_grant(move |token, scope| {
            google.set_granted_scopes(Some(scope));
            google.set_access_token(token);
        });
    }

    pub fn shutdown(&self) {
        self.server.shutdown();
    }
}

fn announce(shared: &Shared, token: &str, scope: &str) {
    let listeners: Vec<Listener> = lock(&shared.on_access_token).clone();
    for f in listeners {
        f(token, scope);
    }
}

// ---------------------------------------------------------------------------
// /authorize

fn page(status: StatusCode, text: &str) -> Response {
    (
        status,
        Html(format!(
            "<!doctype html><title>Fake authorization server</title><p>{text}</p>"
        )),
    )
        .into_response()
}

/// Whether `uri` is an `http` loopback URI (RFC 8252 §7.3).
fn is_loopback(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => authority,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

fn redirect_to(uri: &str, params: &[(&str, &str)]) -> Response {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        query.append_pair(k, v);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    let location = format!("{uri}{sep}{}", query.finish());
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            let mut r = StatusCode::FOUND.into_response();
            r.headers_mut().insert(header::LOCATION, v);
            r
        }
        Err(_) => page(StatusCode::BAD_REQUEST, "invalid redirect_uri"),
    }
}

async fn authorize(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let params = parse_query(query.as_deref().unwrap_or_default());
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut s = lock(&shared.state);
    let Some(client_id) = get("client_id").filter(|c| s.clients.contains_key(*c)) else {
        return page(StatusCode::BAD_REQUEST, "invalid_client: unknown client_id");
    };
    let Some(redirect_uri) = get("redirect_uri") else {
        return page(
            StatusCode::BAD_REQUEST,
            "invalid_request: redirect_uri missing",
        );
    };
    if !is_loopback(redirect_uri) {
        return page(
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch: only http loopback redirects are allowed",
        );
    }
    let state = get("state").unwrap_or_default();
    let with_state = |mut p: Vec<(&'static str, String)>| {
        if !state.is_empty() {
            p.push(("state", state.to_owned()));
        }
        p
    };
    let fail = |error: &'static str, description: &str| {
        let p = with_state(vec![
            ("error", error.to_owned()),
            ("error_description", description.to_owned()),
        ]);
        let borrowed: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
        redirect_to(redirect_uri, &borrowed)
    };
    if get("response_type") != Some("code") {
        return fail("unsupported_response_type", "response_type must be code");
    }
    let Some(challenge) = get("code_challenge").filter(|c| !c.is_empty()) else {
        return fail("invalid_request", "PKCE code_challenge is required");
    };
    if get("code_challenge_method") != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be S256");
    }
    if std::mem::take(&mut s.deny_next) {
        return fail("access_denied", "The user denied access");
    }
    let rules = s.clients.get(client_id).map(|c| c.rules);
    let scope = granted_scope(
        get("scope").unwrap_or_default(),
        &s.withheld,
        rules == Some(GrantRules::Google),
    );
    let code = random("code_");
    s.issued_codes.push(code.clone());
    let grant = CodeGrant {
        client_id: client_id.to_owned(),
        user: s.email.clone(),
        redirect_uri: redirect_uri.to_owned(),
        challenge: challenge.to_owned(),
        scope,
        offline: get("access_type") == Some("offline"),
        prompt_consent: get("prompt").is_some_and(|p| p.split(' ').any(|v| v == "consent")),
        issued: Instant::now(),
        used: false,
    };
    s.codes.insert(code.clone(), grant);
    let p = with_state(vec![("code", code)]);
    let borrowed: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
    redirect_to(redirect_uri, &borrowed)
}

/// What a consent grants: the scopes asked for less those the user left
/// unticked, in the order asked, each once; Google names `email` and
/// `profile` by their full URLs.
fn granted_scope(asked: &str, withheld: &[String], google: bool) -> String {
    let mut granted: Vec<&str> = Vec::new();
    for scope in asked.split_whitespace() {
        if withheld.iter().any(|w| w == scope) {
            continue;
        }
        let scope = match scope {
            "email" if google => "https://www.googleapis.com/auth/userinfo.email",
            "profile" if google => "https://www.googleapis.com/auth/userinfo.profile",
            other => other,
        };
        if !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    granted.join(" ")
}

// ---------------------------------------------------------------------------
// /token

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut r = no_store(json_response(
        status,
        &json!({"error": error, "error_description": description}),
    ));
    r.extensions_mut().insert(ErrorCode(error.to_owned()));
    r
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

/// The client's credentials: Basic header or form fields.
struct Credentials {
    id: Option<String>,
    secret: Option<String>,
    auth: ClientAuth,
}

fn credentials(
    headers: &HeaderMap,
    form: &[(String, String)],
) -> Result<Credentials, Box<Response>> {
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let bad = || {
            Box::new(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "bad Basic credentials",
            ))
        };
        let Some(encoded) = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .map(|(_, v)| v.trim())
        else {
            return Err(bad());
        };
        let decoded = STANDARD
            .decode(encoded)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(bad)?;
        let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
        // RFC 6749 §2.3.1: both parts are form-urlencoded before joining.
        let decode = |s: &str| {
            form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let id = decode(id);
        if field("client_id").is_some_and(|b| b != id) {
            return Err(Box::new(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "client_id differs between the header and the body",
            )));
        }
        return Ok(Credentials {
            id: Some(id),
            secret: Some(decode(secret)),
            auth: ClientAuth::Basic,
        });
    }
    let secret = field("client_secret");
    Ok(Credentials {
        id: field("client_id"),
        auth: if secret.is_some() {
            ClientAuth::Post
        } else {
            ClientAuth::None
        },
        secret,
    })
}

/// Checks the client; its id when it may use the token endpoint.
fn authenticate(
    s: &AuthState,
    c: &Credentials,
) -> Result<String, (StatusCode, &'static str, &'static str)> {
    let Some(id) = c.id.as_deref() else {
        return Err((StatusCode::UNAUTHORIZED, "invalid_client", "no client_id"));
    };
    let Some(reg) = s.clients.get(id) else {
        return Err((StatusCode::UNAUTHORIZED, "invalid_client", "unknown client"));
    };
    match (&reg.secret, &c.secret) {
        (Some(expected), Some(given)) if expected == given => Ok(id.to_owned()),
        (Some(_), None) => Err((
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client_secret is missing",
        )),
        (Some(_), Some(_)) => Err((
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "wrong client_secret",
        )),
        (None, None) => Ok(id.to_owned()),
        (None, Some(_)) => Err((
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "the client is public so no client_secret may be presented",
        )),
    }
}

fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let valid_chars = verifier
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c));
    if !(43..=128).contains(&verifier.len()) || !valid_chars {
        return false;
    }
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let fault = lock(&shared.state).token_faults.pop_front();
    if let Some(TokenFault::Slow(d)) = &fault {
        tokio::time::sleep(*d).await;
    }
    let creds = credentials(&headers, &form);
    let mut entry = TokenRequest {
        grant_type: field("grant_type").unwrap_or_default().to_owned(),
        client_id: creds.as_ref().ok().and_then(|c| c.id.clone()),
        client_auth: creds.as_ref().map(|c| c.auth).unwrap_or(ClientAuth::Basic),
        redirect_uri: field("redirect_uri").map(str::to_owned),
        had_code_verifier: field("code_verifier").is_some(),
        status: 200,
        error: None,
        fault: fault.clone(),
    };
    let (response, issued) = match &fault {
        Some(TokenFault::InvalidGrant) => (
            oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "injected fault"),
            None,
        ),
        Some(TokenFault::Malformed) => {
            let r = (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                "{\"access_token\":\"at_cut",
            )
                .into_response();
            (r, None)
        }
        Some(TokenFault::MissingAccessToken) => (
            json_response(
                StatusCode::OK,
                &json!({"token_type": "Bearer", "expires_in": 3600}),
            ),
            None,
        ),
        Some(TokenFault::Redirect) => {
            let mut r = StatusCode::TEMPORARY_REDIRECT.into_response();
            r.headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static("/elsewhere"));
            (r, None)
        }
        Some(TokenFault::Unavailable) => (
            oauth_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "injected fault",
            ),
            None,
        ),
        Some(TokenFault::Slow(_)) | None => match creds {
            Err(r) => (*r, None),
            Ok(creds) => {
                let mut s = lock(&shared.state);
                grant(&mut s, &creds, &form)
            }
        },
    };
    entry.status = response.status().as_u16();
    if !response.status().is_success() {
        entry.error = error_code(&response);
    }
    lock(&shared.state).token_log.push(entry);
    if let Some((token, scope)) = issued {
        announce(&shared, &token, &scope);
    }
    no_store(response)
}

/// The `error` of an [`oauth_error`] response, for the token log.
fn error_code(response: &Response) -> Option<String> {
    response
        .extensions()
        .get::<ErrorCode>()
        .map(|e| e.0.clone())
}

#[derive(Clone)]
struct ErrorCode(String);

/// An access token issued and the scope granted to it.
type Issued = Option<(String, String)>;

fn refused(status: StatusCode, error: &str, description: &str) -> (Response, Issued) {
    (oauth_error(status, error, description), None)
}

/// Handles a token request whose client credentials parsed; the response and the access token issued.
fn grant(s: &mut AuthState, creds: &Credentials, form: &[(String, String)]) -> (Response, Issued) {
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let client_id = match authenticate(s, creds) {
        Ok(id) => id,
        Err((status, error, description)) => return refused(status, error, description),
    };
    match field("grant_type") {
        Some("authorization_code") => {
            let Some(code) = field("code") else {
                return refused(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code is missing",
                );
            };
            let Some(g) = s.codes.get_mut(code) else {
                return refused(StatusCode::BAD_REQUEST, "invalid_grant", "unknown code");
            };
            if g.used || g.issued.elapsed() > CODE_LIFETIME {
                return refused(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the code was already used or has expired",
                );
            }
            if g.client_id != client_id {
                return refused(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the code was issued to another client",
                );
            }
            if field("redirect_uri") != Some(g.redirect_uri.as_str()) {
                return refused(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri does not match the one used at /authorize",
                );
            }
            let Some(verifier) = field("code_verifier") else {
                return refused(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code_verifier is missing",
                );
            };
            if !pkce_matches(verifier, &g.challenge) {
                return refused(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "PKCE verification failed",
                );
            }
            g.used = true;
            let (scope, user) = (g.scope.clone(), g.user.clone());
            let (offline, prompt_consent) = (g.offline, g.prompt_consent);
            let rules = s.clients.get(&client_id).map(|c| c.rules);
            let with_refresh = match rules {
                Some(GrantRules::Google) => {
                    // The consent screen shows on a first grant or when asked for.
                    let first = !s
                        .refresh
                        .values()
                        .any(|t| t.live && t.client_id == client_id && t.user == user);
                    offline && (first || prompt_consent)
                }
                Some(GrantRules::Microsoft) => {
                    scope.split_whitespace().any(|s| s == "offline_access")
                }
                Some(GrantRules::Generic) | None => true,
            };
            let grant_id = s.next_grant;
            s.next_grant += 1;
            issue(s, grant_id, &client_id, &user, &scope, with_refresh)
        }
        Some("refresh_token") => {
            let Some(token) = field("refresh_token") else {
                return refused(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is missing",
                );
            };
            let Some(g) = s.refresh.get_mut(token).filter(|g| g.live) else {
                return refused(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the refresh token is invalid, expired or revoked",
                );
            };
            if g.client_id != client_id {
                return refused(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the refresh token was issued to another client",
                );
            }
            let (grant_id, user, scope) = (g.grant, g.user.clone(), g.scope.clone());
            let rotate = s.rotate;
            if rotate {
                g.live = false;
            }
            issue(s, grant_id, &client_id, &user, &scope, rotate)
        }
        Some(_) => refused(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        ),
        None => refused(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is missing",
        ),
    }
}

fn issue(
    s: &mut AuthState,
    grant_id: u64,
    client_id: &str,
    user: &str,
    scope: &str,
    with_refresh: bool,
) -> (Response, Issued) {
    let access = random("at_");
    let expires = s
        .expires_in
        .map(|secs| Instant::now() + Duration::from_secs(secs));
    s.access.insert(
        access.clone(),
        TokenGrant {
            grant: grant_id,
            client_id: client_id.to_owned(),
            user: user.to_owned(),
            scope: scope.to_owned(),
            expires,
            live: true,
        },
    );
    s.issued_access.push(access.clone());
    let mut body = json!({
        "access_token": access,
        "token_type": "Bearer",
        "scope": scope,
    });
    if let Some(secs) = s.expires_in {
        body["expires_in"] = json!(secs);
    }
    if with_refresh && s.issue_refresh {
        let refresh = random("rt_");
        s.refresh.insert(
            refresh.clone(),
            TokenGrant {
                grant: grant_id,
                client_id: client_id.to_owned(),
                user: user.to_owned(),
                scope: scope.to_owned(),
                expires: None,
                live: true,
            },
        );
        s.issued_refresh.push(refresh.clone());
        body["refresh_token"] = json!(refresh);
    }
    (
        json_response(StatusCode::OK, &body),
        Some((access, scope.to_owned())),
    )
}

async fn elsewhere(State(shared): State<Arc<Shared>>) -> Response {
    lock(&shared.state).elsewhere_hits += 1;
    json_response(
        StatusCode::OK,
        &json!({"access_token": "at_from_a_followed_redirect", "token_type": "Bearer", "expires_in": 3600}),
    )
}

// ---------------------------------------------------------------------------
// /revoke and /userinfo

async fn revoke(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let creds = match credentials(&headers, &form) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let mut guard = lock(&shared.state);
    let s = &mut *guard;
    if let Err((status, error, description)) = authenticate(s, &creds) {
        return oauth_error(status, error, description);
    }
    let Some(token) = field("token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is missing",
        );
    };
    let grant = s
        .access
        .get(&token)
        .or_else(|| s.refresh.get(&token))
        .filter(|g| g.live)
        .map(|g| g.grant);
    if let Some(grant) = grant {
        for t in s.access.values_mut().chain(s.refresh.values_mut()) {
            if t.grant == grant {
                t.live = false;
            }
        }
    }
    s.revoke_log.push(RevokeRequest {
        client_auth: creds.auth,
        token_type_hint: field("token_type_hint"),
        known: grant.is_some(),
    });
    // RFC 7009 §2.2: an unknown token is not an error.
    StatusCode::OK.into_response()
}

async fn userinfo(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let s = lock(&shared.state);
    let valid = crate::http::bearer_token(&headers)
        .and_then(|t| s.access.get(t))
        .is_some_and(|g| g.live && g.expires.is_none_or(|e| e > Instant::now()));
    if !valid {
        let mut r = oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "invalid access token",
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        return r;
    }
    let body: Value = json!({
        "sub": "1000001",
        "id": "1000001",
        "email": s.email,
        "email_verified": true,
        "name": s.name,
        "full_name": s.name,
        "userPrincipalName": s.email,
        "mail": s.email,
    });
    json_response(StatusCode::OK, &body)
}

fn render_injected(e: InjectedError<'_>) -> Response {
    match e {
        InjectedError::Unauthorized => {
            oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "injected fault")
        }
        InjectedError::RateLimit403 { .. } => {
            oauth_error(StatusCode::FORBIDDEN, "access_denied", "injected fault")
        }
        InjectedError::Status { code } => {
            let error = if code.is_server_error() {
                "temporarily_unavailable"
            } else {
                "invalid_request"
            };
            oauth_error(code, error, "injected fault")
        }
    }
}

/// The request log holds method, path and query: never bodies or `Authorization`.
impl FakeServer for FakeOAuth {
    fn harness(&self) -> &Harness {
        &self.shared.harness
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_uris() {
        assert!(is_loopback("http://127.0.0.1:5000"));
        assert!(is_loopback("http://127.0.0.1:5000/callback"));
        assert!(is_loopback("http://localhost"));
        assert!(is_loopback("http://[::1]:80/"));
        assert!(!is_loopback("https://127.0.0.1:5000"));
        assert!(!is_loopback("http://127.0.0.1.evil.com/"));
        assert!(!is_loopback("http://evil.com/?127.0.0.1"));
    }

    #[test]
    fn pkce_s256() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(pkce_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!pkce_matches("short", "x"));
    }
}
