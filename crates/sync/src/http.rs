//! Sending requests to a provider: retries with exponential backoff and
//! jitter on 5xx, timeouts and dropped connections; `Retry-After` on 429 and
//! 503 (Google's 403 rate-limit reasons count as 429); one token refresh and
//! retry on 401; a 403 for a scope the grant lacks is
//! [`SyncError::ScopeMissing`] (the account needs reconnecting), not a bare
//! 403. Errors never carry the token.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::{StatusCode, Url};

use crate::error::{Result, SyncError};

/// How hard to try before giving up on a request.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The first backoff; each retry doubles it, with full jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this ends the sync of the source with a
    /// "rate limited" error instead of waiting.
    pub max_retry_after: Duration,
    /// How long one request may take, body included.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
            timeout: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Backoff before attempt `attempt + 1`: random in `[0, min(max, base * 2^attempt)]`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let cap = self
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_delay);
        let millis = cap.as_millis().min(u128::from(u64::MAX)) as u64;
        Duration::from_millis(fastrand::u64(0..=millis))
    }
}

/// Where an account's access token comes from.
#[async_trait]
pub trait TokenSource: Send + Sync {
    /// A token to send now (refreshed ahead of expiry where possible).
    async fn access_token(&self) -> Result<String>;
    /// A new token after the provider refused the last one.
    async fn refresh(&self) -> Result<String>;
}

/// A fixed token (a personal API token, a test token or the demo's).
pub struct StaticToken(String);

impl StaticToken {
    pub fn new(token: impl Into<String>) -> StaticToken {
        StaticToken(token.into())
    }
}

#[async_trait]
impl TokenSource for StaticToken {
    async fn access_token(&self) -> Result<String> {
        Ok(self.0.clone())
    }
    async fn refresh(&self) -> Result<String> {
        Ok(self.0.clone())
    }
}

/// What one attempt came to.
enum Attempt {
    /// A success's body.
    Done(Vec<u8>),
    Unauthorized,
    Retry {
        error: SyncError,
        wait: Option<Duration>,
    },
    Fatal(SyncError),
}

/// How a request is sent.
#[derive(Debug, Clone, Copy)]
enum Method<'a> {
    Get,
    /// A POST of a form body.
    PostForm(&'a [(&'a str, &'a str)]),
}

/// Sends a provider's requests.
#[derive(Clone)]
pub struct Transport {
    client: reqwest::Client,
    provider: &'static str,
    policy: RetryPolicy,
    tokens: Arc<dyn TokenSource>,
}

impl Transport {
    pub fn new(
        provider: &'static str,
        tokens: Arc<dyn TokenSource>,
        policy: RetryPolicy,
    ) -> Result<Transport> {
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("Vica/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Network {
                provider,
                detail: format!("cannot set up HTTP: {e}"),
            })?;
        Ok(Transport {
            client,
            provider,
            policy,
            tokens,
        })
    }

    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// GETs `url` and parses the JSON answer, retrying what is worth retrying.
    pub async fn get_json(&self, url: &Url, headers: &[(&str, &str)]) -> Result<serde_json::Value> {
        let body = self.get_body(url, headers).await?;
        serde_json::from_slice(&body).map_err(|e| SyncError::Malformed {
            provider: self.provider,
            detail: format!("invalid JSON ({e})"),
        })
    }

    /// GETs `url` and returns the body of its success, retrying what is worth
    /// retrying, for a client that reads the JSON itself (into typed structs
    /// that borrow from the body); it turns a body it cannot read into
    /// [`SyncError::Malformed`], as [`Transport::get_json`] does.
    pub async fn get_body(&self, url: &Url, headers: &[(&str, &str)]) -> Result<Vec<u8>> {
        self.send(url, headers, Method::Get).await
    }

    /// POSTs `form` (`application/x-www-form-urlencoded`) to `url` and parses
    /// the JSON answer, retrying as [`Transport::get_json`] does: only for
    /// requests that read (Todoist's `/sync` asking for resources), which are
    /// safe to repeat.
    pub async fn post_form_json(
        &self,
        url: &Url,
        form: &[(&str, &str)],
    ) -> Result<serde_json::Value> {
        let body = self.send(url, &[], Method::PostForm(form)).await?;
        serde_json::from_slice(&body).map_err(|e| SyncError::Malformed {
            provider: self.provider,
            detail: format!("invalid JSON ({e})"),
        })
    }

    async fn send(
        &self,
        url: &Url,
        headers: &[(&str, &str)],
        method: Method<'_>,
    ) -> Result<Vec<u8>> {
        let mut token = self.tokens.access_token().await?;
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(url, headers, method, &token).await {
                Attempt::Done(v) => return Ok(v),
                Attempt::Unauthorized if !refreshed => {
                    refreshed = true;
                    token = self.tokens.refresh().await?;
                }
                Attempt::Unauthorized => {
                    return Err(SyncError::Unauthorized {
                        provider: self.provider,
                    });
                }
                Attempt::Retry { error, wait } => {
                    if attempt >= self.policy.max_attempts {
                        return Err(error);
                    }
                    let wait = match wait {
                        Some(w) if w > self.policy.max_retry_after => {
                            return Err(SyncError::RateLimited {
                                provider: self.provider,
                                retry_after: w,
                            });
                        }
                        Some(w) => w,
                        None => self.policy.backoff(attempt - 1),
                    };
                    tokio::time::sleep(wait).await;
                }
                Attempt::Fatal(e) => return Err(e),
            }
        }
    }

    async fn attempt(
        &self,
        url: &Url,
        headers: &[(&str, &str)],
        method: Method<'_>,
        token: &str,
    ) -> Attempt {
        let provider = self.provider;
        let req = match method {
            Method::Get => self.client.get(url.clone()),
            Method::PostForm(form) => self.client.post(url.clone()).form(form),
        };
        let mut req = req.bearer_auth(token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Retry {
                    error: transport_error(provider, &e),
                    wait: None,
                };
            }
        };
        let status = resp.status();
        let retry_after = retry_after_header(resp.headers());
        let scope_challenge = insufficient_scope_challenge(resp.headers());
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return Attempt::Retry {
                    error: SyncError::Network {
                        provider,
                        detail: format!(
                            "the connection broke while reading the answer ({})",
                            short(&e)
                        ),
                    },
                    wait: None,
                };
            }
        };
        if status.is_success() {
            return Attempt::Done(Vec::from(body));
        }
        let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        let message = json
            .as_ref()
            .and_then(error_message)
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
        let retry_after = retry_after.or_else(|| json.as_ref().and_then(body_retry_after));
        match status {
            StatusCode::UNAUTHORIZED => Attempt::Unauthorized,
            StatusCode::TOO_MANY_REQUESTS => Attempt::Retry {
                error: SyncError::RateLimited {
                    provider,
                    retry_after: retry_after.unwrap_or(Duration::from_secs(60)),
                },
                wait: retry_after,
            },
            StatusCode::FORBIDDEN if json.as_ref().is_some_and(is_rate_limit_reason) => {
                Attempt::Retry {
                    error: SyncError::RateLimited {
                        provider,
                        retry_after: retry_after.unwrap_or(Duration::from_secs(60)),
                    },
                    wait: retry_after,
                }
            }
            StatusCode::FORBIDDEN
                if scope_challenge || json.as_ref().is_some_and(is_scope_reason) =>
            {
                Attempt::Fatal(SyncError::ScopeMissing { provider, message })
            }
            StatusCode::GONE => Attempt::Fatal(SyncError::CursorExpired { provider }),
            StatusCode::NOT_FOUND => Attempt::Fatal(SyncError::SourceGone {
                provider,
                what: "source",
            }),
            s if s.is_server_error() => Attempt::Retry {
                error: SyncError::Http {
                    provider,
                    status: s.as_u16(),
                    message,
                },
                wait: if s == StatusCode::SERVICE_UNAVAILABLE {
                    retry_after
                } else {
                    None
                },
            },
            s => Attempt::Fatal(SyncError::Http {
                provider,
                status: s.as_u16(),
                message,
            }),
        }
    }
}

fn transport_error(provider: &'static str, e: &reqwest::Error) -> SyncError {
    if e.is_timeout() {
        SyncError::Timeout { provider }
    } else {
        SyncError::Network {
            provider,
            detail: short(e),
        }
    }
}

/// A reqwest error with its causes but without the URL, which may carry cursors.
fn short(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text
            .replace(&format!(" for url ({url})"), "")
            .replace(url.as_str(), "<url>");
    }
    let mut source = e.source();
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// RFC 6750 §3.1: `WWW-Authenticate: Bearer error="insufficient_scope"`,
/// which Google sends with its 403 for a missing scope.
fn insufficient_scope_challenge(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get_all(reqwest::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',').any(|param| {
                param.split_once('=').is_some_and(|(k, v)| {
                    k.trim().trim_start_matches("Bearer").trim() == "error"
                        && v.trim().trim_matches('"') == "insufficient_scope"
                })
            })
        })
}

/// Google's 403 for a token without the scope a call needs: reason
/// `insufficientPermissions` ("Request had insufficient authentication
/// scopes."), and in newer bodies `ACCESS_TOKEN_SCOPE_INSUFFICIENT` among
/// the details (analogdotnow/Analog#296).
fn is_scope_reason(json: &serde_json::Value) -> bool {
    let reasons = |pointer: &str| -> Vec<String> {
        json.pointer(pointer)
            .and_then(|e| e.as_array())
            .map(|items| {
                items
                    .iter()
                    .filter_map(|e| e.get("reason").and_then(|r| r.as_str()))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    reasons("/error/errors")
        .iter()
        .any(|r| r == "insufficientPermissions")
        || reasons("/error/details")
            .iter()
            .any(|r| r == "ACCESS_TOKEN_SCOPE_INSUFFICIENT")
}

/// Todoist puts the wait in the body: `error_extra.retry_after`.
fn body_retry_after(json: &serde_json::Value) -> Option<Duration> {
    json.pointer("/error_extra/retry_after")?
        .as_u64()
        .map(Duration::from_secs)
}

/// The human message of a provider's error body (Google, Graph, Todoist shapes).
fn error_message(json: &serde_json::Value) -> Option<String> {
    let text = json
        .pointer("/error/message")
        .or_else(|| json.pointer("/error_description"))
        .or_else(|| json.get("error"))?
        .as_str()?;
    Some(text.chars().take(300).collect())
}

/// Google's 403 reasons that mean "slow down".
fn is_rate_limit_reason(json: &serde_json::Value) -> bool {
    json.pointer("/error/errors")
        .and_then(|e| e.as_array())
        .is_some_and(|errors| {
            errors.iter().any(|e| {
                matches!(
                    e.get("reason").and_then(|r| r.as_str()),
                    Some("rateLimitExceeded" | "userRateLimitExceeded")
                )
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_insufficient_scope_challenge_is_recognised() {
        let challenge = |v: &'static str| {
            let mut h = reqwest::header::HeaderMap::new();
            h.insert(
                reqwest::header::WWW_AUTHENTICATE,
                reqwest::header::HeaderValue::from_static(v),
            );
            insufficient_scope_challenge(&h)
        };
        assert!(challenge(
            "Bearer realm=\"https://accounts.google.com/\", error=\"insufficient_scope\", scope=\"https://www.googleapis.com/auth/calendar\""
        ));
        assert!(challenge("Bearer error=insufficient_scope"));
        assert!(!challenge(
            "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""
        ));
        assert!(!insufficient_scope_challenge(
            &reqwest::header::HeaderMap::new()
        ));
    }

    /// A URL may carry a cursor or a capability (a secret calendar
    /// address): a transport error names neither.
    #[tokio::test]
    async fn a_transport_error_does_not_quote_the_url() {
        // Nothing listens on port 1.
        let url = Url::parse("http://127.0.0.1:1/calendars/x/events?syncToken=SECRET-CURSOR")
            .unwrap_or_else(|e| panic!("{e}"));
        let transport = Transport::new(
            "Test",
            Arc::new(StaticToken::new("SECRET-TOKEN")),
            RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let err = transport
            .get_body(&url, &[])
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!err.is_empty(), "the request failed");
        for secret in ["SECRET-CURSOR", "SECRET-TOKEN", "/calendars/x"] {
            assert!(!err.contains(secret), "{secret} in {err}");
        }
    }

    #[test]
    fn backoff_grows_and_stays_under_the_cap() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        for _ in 0..100 {
            assert!(p.backoff(0) <= Duration::from_millis(100));
            assert!(p.backoff(3) <= Duration::from_millis(800));
            assert!(p.backoff(30) <= Duration::from_secs(1));
        }
    }

    #[test]
    fn error_bodies_are_read_in_each_providers_shape() {
        let google = serde_json::json!({"error": {"errors": [{"reason": "userRateLimitExceeded"}], "code": 403, "message": "User Rate Limit Exceeded"}});
        assert_eq!(
            error_message(&google).as_deref(),
            Some("User Rate Limit Exceeded")
        );
        assert!(is_rate_limit_reason(&google));
        let quota = serde_json::json!({"error": {"errors": [{"reason": "quotaExceeded"}], "code": 403, "message": "Quota"}});
        assert!(!is_rate_limit_reason(&quota));
        // Google's 403 for a missing scope, as a calendarList.list call gets it.
        let scope = serde_json::json!({"error": {"code": 403,
            "message": "Request had insufficient authentication scopes.",
            "errors": [{"message": "Insufficient Permission", "domain": "global", "reason": "insufficientPermissions"}],
            "status": "PERMISSION_DENIED",
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "domain": "googleapis.com"}]}});
        assert!(is_scope_reason(&scope) && !is_rate_limit_reason(&scope));
        assert!(!is_scope_reason(&google) && !is_scope_reason(&quota));
        let details_only = serde_json::json!({"error": {"code": 403, "status": "PERMISSION_DENIED",
            "details": [{"reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}]}});
        assert!(is_scope_reason(&details_only));
        let todoist =
            serde_json::json!({"error": "Too many requests", "error_extra": {"retry_after": 66}});
        assert_eq!(
            error_message(&todoist).as_deref(),
            Some("Too many requests")
        );
        assert_eq!(body_retry_after(&todoist), Some(Duration::from_secs(66)));
    }
}
