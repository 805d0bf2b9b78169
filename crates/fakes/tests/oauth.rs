//! The fake authorization server speaks RFC 6749 / 7636 / 7009 the way the
//! real providers do: these tests drive it with a plain HTTP client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};
use vica_fakes::FakeServer;
use vica_fakes::google::FakeGoogle;
use vica_fakes::oauth::{
    CLIENT_ID, CLIENT_SECRET, ClientAuth, DEFAULT_EMAIL, FakeOAuth, GOOGLE_CLIENT_ID,
    PUBLIC_CLIENT_ID, TokenFault,
};

const REDIRECT: &str = "http://127.0.0.1:49152/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// GETs /authorize and returns the query of the redirect it answers with.
async fn authorize(
    fake: &FakeOAuth,
    client_id: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let verifier_challenge = challenge(VERIFIER);
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("scope", "openid email"),
        ("state", "st4te"),
        ("code_challenge", verifier_challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        params.retain(|(name, _)| name != k);
        params.push((k, v));
    }
    let url = reqwest::Url::parse_with_params(&fake.authorize_url(), &params).unwrap();
    let resp = http().get(url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = resp.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    let url = reqwest::Url::parse(&location).unwrap();
    url.query_pairs().into_owned().collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn post(fake: &FakeOAuth, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let resp = http()
        .post(format!("{}{path}", fake.base_url()))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body = resp.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

async fn exchange(fake: &FakeOAuth, code: &str, verifier: &str) -> (StatusCode, Value) {
    post(
        fake,
        "/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("code_verifier", verifier),
        ],
    )
    .await
}

/// Exchanges a code as `client_id`, with `secret` in the body when given.
async fn exchange_as(
    fake: &FakeOAuth,
    client_id: &str,
    secret: Option<&str>,
    code: &str,
    verifier: Option<&str>,
) -> (StatusCode, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("client_id", client_id),
    ];
    if let Some(secret) = secret {
        form.push(("client_secret", secret));
    }
    if let Some(verifier) = verifier {
        form.push(("code_verifier", verifier));
    }
    post(fake, "/token", &form).await
}

/// A whole sign-in as `client_id` (with its secret where it has one); the token response.
async fn sign_in(fake: &FakeOAuth, client_id: &str, extra: &[(&str, &str)]) -> Value {
    let q = authorize(fake, client_id, extra).await;
    let secret = (client_id != PUBLIC_CLIENT_ID).then_some(CLIENT_SECRET);
    let code = param(&q, "code").unwrap();
    let (status, body) = exchange_as(fake, client_id, secret, code, Some(VERIFIER)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

const CALENDAR: &str = "https://www.googleapis.com/auth/calendar.readonly";

async fn connected(fake: &FakeOAuth) -> Value {
    let q = authorize(fake, CLIENT_ID, &[]).await;
    let (status, body) = exchange(fake, param(&q, "code").unwrap(), VERIFIER).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn the_code_flow_with_pkce_issues_tokens() {
    let fake = FakeOAuth::start().await.unwrap();
    let q = authorize(&fake, CLIENT_ID, &[]).await;
    assert_eq!(param(&q, "state"), Some("st4te"));
    let code = param(&q, "code").unwrap();
    let (status, body) = exchange(&fake, code, VERIFIER).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "openid email");
    let access = body["access_token"].as_str().unwrap();
    assert!(body["refresh_token"].as_str().is_some());
    assert!(fake.is_access_token_live(access));

    // The label endpoint knows the token.
    let me: Value = http()
        .get(fake.userinfo_url())
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], DEFAULT_EMAIL);
    assert_eq!(me["userPrincipalName"], DEFAULT_EMAIL);

    // A code works once.
    let (status, body) = exchange(&fake, code, VERIFIER).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_refused() {
    let fake = FakeOAuth::start().await.unwrap();
    let q = authorize(&fake, CLIENT_ID, &[]).await;
    let other = "Zz".repeat(30);
    let (status, body) = exchange(&fake, param(&q, "code").unwrap(), &other).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_description"], "PKCE verification failed");
    // Missing altogether.
    let q = authorize(&fake, CLIENT_ID, &[]).await;
    let (status, body) = post(
        &fake,
        "/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", param(&q, "code").unwrap()),
            ("redirect_uri", REDIRECT),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request");
    let log = fake.token_requests();
    assert_eq!(log[0].error.as_deref(), Some("invalid_grant"));
    assert!(log[0].had_code_verifier && !log[1].had_code_verifier);
}

#[tokio::test]
async fn the_redirect_uri_must_match_the_one_used_to_authorize() {
    let fake = FakeOAuth::start().await.unwrap();
    let q = authorize(&fake, CLIENT_ID, &[]).await;
    let (status, body) = post(
        &fake,
        "/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", param(&q, "code").unwrap()),
            ("redirect_uri", "http://127.0.0.1:1/other"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn authorize_refuses_unknown_clients_and_non_loopback_redirects_and_can_deny() {
    let fake = FakeOAuth::start().await.unwrap();
    let bad = |redirect: &'static str, client: &'static str| {
        let url = format!(
            "{}?response_type=code&client_id={client}&redirect_uri={redirect}&state=s&code_challenge=abc&code_challenge_method=S256",
            fake.authorize_url()
        );
        async move { http().get(url).send().await.unwrap().status() }
    };
    assert_eq!(
        bad("http%3A%2F%2F127.0.0.1%3A5%2F", "nobody").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        bad("https%3A%2F%2Fevil.example%2F", CLIENT_ID).await,
        StatusCode::BAD_REQUEST
    );

    // No PKCE: an error back to the client.
    let q = authorize(&fake, CLIENT_ID, &[("code_challenge_method", "plain")]).await;
    assert_eq!(param(&q, "error"), Some("invalid_request"));

    fake.deny_next_consent();
    let q = authorize(&fake, CLIENT_ID, &[]).await;
    assert_eq!(param(&q, "error"), Some("access_denied"));
    assert_eq!(param(&q, "state"), Some("st4te"));
    assert_eq!(param(&q, "code"), None);
    // Only the next one.
    let q = authorize(&fake, CLIENT_ID, &[]).await;
    assert!(param(&q, "code").is_some());
}

#[tokio::test]
async fn client_authentication_post_basic_and_public() {
    let fake = FakeOAuth::start().await.unwrap();
    // Basic.
    let q = authorize(&fake, CLIENT_ID, &[]).await;
    let basic = STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let resp = http()
        .post(fake.token_url())
        .header("Authorization", format!("Basic {basic}"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", param(&q, "code").unwrap()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // A missing secret for a confidential client (Google's "client_secret is missing").
    let q = authorize(&fake, CLIENT_ID, &[]).await;
    let (status, body) = post(
        &fake,
        "/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", param(&q, "code").unwrap()),
            ("redirect_uri", REDIRECT),
            ("client_id", CLIENT_ID),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    // A public client with no secret works; with one it is refused (as Microsoft does).
    let q = authorize(&fake, PUBLIC_CLIENT_ID, &[]).await;
    let code = param(&q, "code").unwrap().to_owned();
    let form = |secret: Option<&'static str>| {
        let mut f = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.clone()),
            ("redirect_uri", REDIRECT.to_owned()),
            ("client_id", PUBLIC_CLIENT_ID.to_owned()),
            ("code_verifier", VERIFIER.to_owned()),
        ];
        if let Some(s) = secret {
            f.push(("client_secret", s.to_owned()));
        }
        f
    };
    let resp = http()
        .post(fake.token_url())
        .form(&form(Some("x")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = http()
        .post(fake.token_url())
        .form(&form(None))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let auths: Vec<ClientAuth> = fake
        .token_requests()
        .iter()
        .map(|r| r.client_auth)
        .collect();
    assert_eq!(
        auths,
        [
            ClientAuth::Basic,
            ClientAuth::None,
            ClientAuth::Post,
            ClientAuth::None
        ]
    );
}

async fn refresh(fake: &FakeOAuth, token: &str) -> (StatusCode, Value) {
    post(
        fake,
        "/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", token),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
    )
    .await
}

#[tokio::test]
async fn refreshing_rotates_the_refresh_token() {
    let fake = FakeOAuth::start().await.unwrap();
    let first = connected(&fake).await;
    let old = first["refresh_token"].as_str().unwrap();
    let (status, body) = refresh(&fake, old).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new = body["refresh_token"].as_str().unwrap();
    assert_ne!(new, old);
    assert!(!fake.is_refresh_token_live(old) && fake.is_refresh_token_live(new));
    let (status, body) = refresh(&fake, old).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    // Without rotation (Google): no new refresh token, the old one keeps working.
    fake.set_rotation(false);
    let (status, body) = refresh(&fake, new).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("refresh_token").is_none());
    assert!(fake.is_refresh_token_live(new));
    assert_eq!(fake.live_refresh_tokens(), vec![new.to_owned()]);
}

#[tokio::test]
async fn revoking_ends_the_grant() {
    let fake = FakeOAuth::start().await.unwrap();
    let body = connected(&fake).await;
    let access = body["access_token"].as_str().unwrap();
    let refresh_token = body["refresh_token"].as_str().unwrap();
    let (status, _) = post(
        &fake,
        "/revoke",
        &[
            ("token", refresh_token),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!fake.is_refresh_token_live(refresh_token));
    assert!(!fake.is_access_token_live(access));
    let (status, _) = refresh(&fake, refresh_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(fake.revoke_requests()[0].known);
    let resp = http()
        .get(fake.userinfo_url())
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn token_endpoint_faults() {
    let fake = FakeOAuth::start().await.unwrap();
    let body = connected(&fake).await;
    let rt = body["refresh_token"].as_str().unwrap().to_owned();

    fake.inject_token_fault(TokenFault::InvalidGrant);
    let (status, body) = refresh(&fake, &rt).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    fake.inject_token_fault(TokenFault::Malformed);
    let (status, body) = refresh(&fake, &rt).await;
    assert_eq!((status, body), (StatusCode::OK, Value::Null));

    fake.inject_token_fault(TokenFault::Redirect);
    let resp = http()
        .post(fake.token_url())
        .form(&[("grant_type", "refresh_token"), ("refresh_token", &rt)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(fake.redirect_followed(), 0);

    fake.inject_token_fault(TokenFault::Slow(Duration::from_millis(300)));
    let started = std::time::Instant::now();
    let (status, _) = refresh(&fake, &rt).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));

    // Faulted requests left the token alone; the last refresh rotated it.
    assert!(!fake.is_refresh_token_live(&rt));
    fake.revoke_all_grants();
    assert!(fake.live_refresh_tokens().is_empty());
}

#[tokio::test]
async fn issued_tokens_can_be_what_fake_google_accepts() {
    let fake = FakeOAuth::start().await.unwrap();
    let google = FakeGoogle::start().await.unwrap();
    fake.link_google(&google);
    let scope = format!("{CALENDAR} openid email");
    let body = sign_in(&fake, CLIENT_ID, &[("scope", &scope)]).await;
    let access = body["access_token"].as_str().unwrap();
    let list = format!("{}/users/me/calendarList", google.base_url());
    let resp = http().get(&list).bearer_auth(access).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = http()
        .get(&list)
        .bearer_auth("at_other")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_request_log_never_holds_secrets() {
    let fake = FakeOAuth::start().await.unwrap();
    let body = connected(&fake).await;
    let log = format!("{:?}{:?}", fake.requests(), fake.token_requests());
    for secret in [
        body["access_token"].as_str().unwrap(),
        body["refresh_token"].as_str().unwrap(),
        CLIENT_SECRET,
        VERIFIER,
    ] {
        assert!(!log.contains(secret), "{secret} in {log}");
    }
}

#[tokio::test]
async fn google_gives_a_refresh_token_only_on_first_consent_or_with_prompt_consent() {
    let fake = FakeOAuth::start().await.unwrap();
    let offline = [("access_type", "offline")];
    let first = sign_in(&fake, GOOGLE_CLIENT_ID, &offline).await;
    let kept = first["refresh_token"].as_str().unwrap().to_owned();
    // Google names `email` by its URL in what it granted.
    assert_eq!(
        first["scope"],
        "openid https://www.googleapis.com/auth/userinfo.email"
    );

    // Signing in again: access granted already, so no consent screen and no refresh token.
    let again = sign_in(&fake, GOOGLE_CLIENT_ID, &offline).await;
    assert!(again["access_token"].as_str().is_some());
    assert!(again.get("refresh_token").is_none(), "{again}");
    assert!(fake.is_refresh_token_live(&kept));

    // prompt=consent shows the screen again: a new refresh token, the old one still live.
    let consent = sign_in(
        &fake,
        GOOGLE_CLIENT_ID,
        &[
            ("access_type", "offline"),
            ("prompt", "select_account consent"),
        ],
    )
    .await;
    let second = consent["refresh_token"].as_str().unwrap();
    assert_ne!(second, kept);
    assert!(fake.is_refresh_token_live(&kept) && fake.is_refresh_token_live(second));

    // Without access_type=offline there is none, even with prompt=consent.
    let online = sign_in(&fake, GOOGLE_CLIENT_ID, &[("prompt", "consent")]).await;
    assert!(online.get("refresh_token").is_none(), "{online}");

    // Another user's first grant has one; so has a sign-in after the grants ended.
    fake.set_user("bob@example.com", "Bob");
    let bob = sign_in(&fake, GOOGLE_CLIENT_ID, &offline).await;
    assert!(bob["refresh_token"].as_str().is_some());
    fake.set_user(DEFAULT_EMAIL, "Alice");
    fake.revoke_all_grants();
    let back = sign_in(&fake, GOOGLE_CLIENT_ID, &offline).await;
    assert!(back["refresh_token"].as_str().is_some());

    // The generic client keeps handing one out every time.
    for _ in 0..2 {
        assert!(connected(&fake).await["refresh_token"].as_str().is_some());
    }
}

#[tokio::test]
async fn microsoft_gives_a_refresh_token_only_for_offline_access() {
    let fake = FakeOAuth::start().await.unwrap();
    let with = sign_in(
        &fake,
        PUBLIC_CLIENT_ID,
        &[("scope", "Calendars.Read offline_access User.Read")],
    )
    .await;
    assert!(with["refresh_token"].as_str().is_some());
    let without = sign_in(
        &fake,
        PUBLIC_CLIENT_ID,
        &[("scope", "Calendars.Read User.Read")],
    )
    .await;
    assert!(without.get("refresh_token").is_none(), "{without}");
}

#[tokio::test]
async fn a_withheld_scope_is_left_out_of_the_grant_and_fake_google_refuses_calendar_calls() {
    let fake = FakeOAuth::start().await.unwrap();
    let google = FakeGoogle::start().await.unwrap();
    fake.link_google(&google);
    let list = format!("{}/users/me/calendarList", google.base_url());
    let scope = format!("{CALENDAR} openid email");
    let asked = [("scope", scope.as_str()), ("access_type", "offline")];

    // The user unticks calendar access on the consent screen.
    fake.withhold_scopes(&[CALENDAR]);
    let body = sign_in(&fake, GOOGLE_CLIENT_ID, &asked).await;
    assert_eq!(
        body["scope"],
        "openid https://www.googleapis.com/auth/userinfo.email"
    );
    let access = body["access_token"].as_str().unwrap();
    let resp = http().get(&list).bearer_auth(access).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let error: Value = resp.json().await.unwrap();
    assert_eq!(error["error"]["code"], 403);
    assert_eq!(
        error["error"]["message"],
        "Request had insufficient authentication scopes."
    );
    assert_eq!(
        error["error"]["errors"][0]["reason"],
        "insufficientPermissions"
    );
    let events = format!("{}/calendars/primary/events", google.base_url());
    let resp = http()
        .get(&events)
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // A refresh keeps the grant as it was.
    let rt = body["refresh_token"].as_str().unwrap();
    let (status, refreshed) = post(
        &fake,
        "/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", GOOGLE_CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(refreshed["scope"], body["scope"]);

    // Ticked this time: the calendar answers.
    fake.withhold_scopes(&[]);
    let body = sign_in(
        &fake,
        GOOGLE_CLIENT_ID,
        &[("scope", scope.as_str()), ("prompt", "consent")],
    )
    .await;
    assert!(body["scope"].as_str().unwrap().contains(CALENDAR));
    let access = body["access_token"].as_str().unwrap();
    let resp = http().get(&list).bearer_auth(access).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_public_client_signs_in_with_pkce_alone() {
    // Todoist's way for an app registered without a secret (Doist's own CLI).
    let fake = FakeOAuth::start().await.unwrap();
    fake.register_client("todoist-public", None);
    let scope = [("scope", "data:read")];

    let q = authorize(&fake, "todoist-public", &scope).await;
    let code = param(&q, "code").unwrap();
    let (status, body) = exchange_as(&fake, "todoist-public", None, code, Some(VERIFIER)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "data:read");
    let last = fake.token_requests().pop().unwrap();
    assert_eq!(
        (last.client_auth, last.had_code_verifier),
        (ClientAuth::None, true)
    );

    // PKCE is what authenticates it: no verifier, or another one, is refused.
    let q = authorize(&fake, "todoist-public", &scope).await;
    let code = param(&q, "code").unwrap();
    let (status, body) = exchange_as(&fake, "todoist-public", None, code, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let q = authorize(&fake, "todoist-public", &scope).await;
    let other = "Qq".repeat(30);
    let code = param(&q, "code").unwrap();
    let (status, body) = exchange_as(&fake, "todoist-public", None, code, Some(&other)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // A secret it was never given is refused.
    let q = authorize(&fake, "todoist-public", &scope).await;
    let code = param(&q, "code").unwrap();
    let (status, body) =
        exchange_as(&fake, "todoist-public", Some("guess"), code, Some(VERIFIER)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
}
