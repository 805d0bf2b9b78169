//! Plumbing shared by the fake provider servers: the server's lifecycle on
//! loopback, injected faults, added latency and a log of the requests served.
//!
//! Nothing here knows a provider. A fake builds its [`Router`], then wraps it
//! with [`with_harness`], passing an [`ErrorRenderer`] that turns an injected
//! error into that provider's own error body.

use std::collections::VecDeque;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::watch;

/// Locks a mutex, carrying on with the data if another thread panicked while holding it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A misbehaviour to apply to one request. Faults queue up and each applies to
/// exactly one request, in the order they were injected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and the provider's error body for it
    /// (for example 429, 500, 503), with `Retry-After: <seconds>` when given.
    Status { code: u16, retry_after: Option<u64> },
    /// 403 with a rate-limit reason such as `rateLimitExceeded` or `userRateLimitExceeded`.
    RateLimit403 { reason: &'static str },
    /// 401, as for an expired access token, even when the request's token is right.
    Unauthorized,
    /// Wait this long, then answer normally.
    Slow(Duration),
    /// Send the real status and headers (with the full `Content-Length`) and
    /// half of the body, then abort the connection.
    DropMidBody,
    /// Send the real status and headers with the body cut in half, so it no longer parses.
    MalformedJson,
}

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// The path as sent, still percent-encoded.
    pub path: String,
    /// Decoded query parameters in the order sent.
    pub query: Vec<(String, String)>,
    /// Request headers in the order sent, names in lower case; `Authorization`
    /// is left out so the log never holds a token.
    pub headers: Vec<(String, String)>,
    /// The status the fake answered with.
    pub status: u16,
    /// The fault applied to this request, if any.
    pub fault: Option<Fault>,
}

impl RecordedRequest {
    /// The first value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header (by case-insensitive name), in the order sent.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// An error a fault asks the fake to answer with, for the provider to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectedError<'a> {
    Status { code: StatusCode },
    RateLimit403 { reason: &'a str },
    Unauthorized,
}

/// Renders an injected error as the provider's error response.
pub type ErrorRenderer = fn(InjectedError<'_>) -> Response;

/// What every fake server offers the tests that drive it: the faults, latency
/// and request log of its [`Harness`]. Bring it into scope
/// (`use vica_fakes::FakeServer`) to call them on a fake.
pub trait FakeServer {
    /// The server's faults, latency and request log.
    fn harness(&self) -> &Harness;

    /// Queues a fault; each applies to one request, first in first out.
    fn inject(&self, fault: Fault) {
        self.harness().inject(fault);
    }

    /// Queues a fault for the next request whose target (path and query)
    /// contains `part` (a calendar's id, a parameter's name), whatever other
    /// requests come first.
    fn inject_on(&self, part: &str, fault: Fault) {
        self.harness().inject_on(part, fault);
    }

    /// Drops the faults not yet applied.
    fn clear_faults(&self) {
        self.harness().clear_faults();
    }

    /// Delay added to every response.
    fn set_latency(&self, d: Duration) {
        self.harness().set_latency(d);
    }

    /// Every request served so far, oldest first.
    fn requests(&self) -> Vec<RecordedRequest> {
        self.harness().requests()
    }

    /// Forgets the requests served so far.
    fn clear_requests(&self) {
        self.harness().clear_requests();
    }
}

/// Faults, latency and the request log of one fake server.
#[derive(Debug, Default)]
pub struct Harness {
    /// Each with the part of a request's target it waits for, if any.
    faults: Mutex<VecDeque<(Option<String>, Fault)>>,
    latency: Mutex<Duration>,
    log: Mutex<Vec<RecordedRequest>>,
}

impl Harness {
    /// Queues a fault for the next request that has none yet.
    pub fn inject(&self, fault: Fault) {
        lock(&self.faults).push_back((None, fault));
    }

    /// Queues a fault for the next request whose target contains `part`.
    pub fn inject_on(&self, part: &str, fault: Fault) {
        lock(&self.faults).push_back((Some(part.to_owned()), fault));
    }

    /// Faults injected but not yet applied.
    pub fn pending_faults(&self) -> usize {
        lock(&self.faults).len()
    }

    /// Drops the faults not yet applied.
    pub fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    /// Delay added before every response.
    pub fn set_latency(&self, d: Duration) {
        *lock(&self.latency) = d;
    }

    pub fn latency(&self) -> Duration {
        *lock(&self.latency)
    }

    /// Every request served so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.log).clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.log).clear();
    }

    /// The first queued fault that applies to a request for `target`.
    fn take_fault(&self, target: &str) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let at = faults
            .iter()
            .position(|(on, _)| on.as_deref().is_none_or(|on| target.contains(on)))?;
        faults.remove(at).map(|(_, fault)| fault)
    }

    fn record(&self, r: RecordedRequest) {
        lock(&self.log).push(r);
    }
}

#[derive(Clone)]
struct HarnessLayer {
    harness: Arc<Harness>,
    render: ErrorRenderer,
}

/// Wraps every route and the fallback of `router` with latency, faults and recording.
pub fn with_harness(router: Router, harness: Arc<Harness>, render: ErrorRenderer) -> Router {
    router.layer(middleware::from_fn_with_state(
        HarnessLayer { harness, render },
        harness_middleware,
    ))
}

async fn harness_middleware(State(h): State<HarnessLayer>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(parse_query).unwrap_or_default();
    let headers = req
        .headers()
        .iter()
        .filter(|(k, _)| *k != header::AUTHORIZATION)
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let latency = h.harness.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let target = req.uri().to_string();
    let fault = h.harness.take_fault(&target);
    let response = match &fault {
        None => next.run(req).await,
        Some(Fault::Status { code, retry_after }) => {
            let code = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut r = (h.render)(InjectedError::Status { code });
            if let Some(secs) = retry_after {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*secs));
            }
            r
        }
        Some(Fault::RateLimit403 { reason }) => (h.render)(InjectedError::RateLimit403 { reason }),
        Some(Fault::Unauthorized) => (h.render)(InjectedError::Unauthorized),
        Some(Fault::Slow(d)) => {
            tokio::time::sleep(*d).await;
            next.run(req).await
        }
        Some(Fault::DropMidBody) => drop_mid_body(next.run(req).await).await,
        Some(Fault::MalformedJson) => truncate_body(next.run(req).await).await,
    };
    h.harness.record(RecordedRequest {
        method,
        path,
        query,
        headers,
        status: response.status().as_u16(),
        fault,
    });
    response
}

/// Decodes a query string into its pairs, in order.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// A JSON response with the given status.
pub fn json_response(status: StatusCode, value: &serde_json::Value) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
            body,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn drop_mid_body(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let cut = bytes.len() / 2;
    // Promise the whole body (and at least one byte more than is sent).
    parts.headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(bytes.len().max(cut + 1)),
    );
    let head = bytes.slice(..cut);
    let stream = futures_util::stream::iter([Ok::<Bytes, io::Error>(head)]).chain(
        futures_util::stream::once(async {
            // Let the head reach the client before the connection goes.
            tokio::time::sleep(Duration::from_millis(20)).await;
            Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "injected fault: connection dropped mid-body",
            ))
        }),
    );
    Response::from_parts(parts, Body::from_stream(stream))
}

async fn truncate_body(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    // A proper prefix of a JSON object or array never parses.
    let garbled = if bytes.len() >= 2 {
        bytes.slice(..bytes.len() / 2)
    } else {
        Bytes::from_static(b"{\"")
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(garbled))
}

/// A server running on `127.0.0.1` in a tokio task. It stops on
/// [`ServerHandle::shutdown`] or when the handle is dropped.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
}

impl ServerHandle {
    /// Binds a free loopback port and serves `router` on it. Needs a tokio runtime.
    pub async fn start(router: Router) -> io::Result<ServerHandle> {
        Self::start_on(router, Ipv4Addr::LOCALHOST.into()).await
    }

    /// Binds a free port on `ip` (another loopback address, say `127.0.0.2`)
    /// and serves `router` on it.
    pub async fn start_on(router: Router, ip: std::net::IpAddr) -> io::Result<ServerHandle> {
        let listener = tokio::net::TcpListener::bind((ip, 0)).await?;
        let addr = listener.local_addr()?;
        let (stop, mut stopped) = watch::channel(false);
        tokio::spawn(async move {
            // Resolves on `shutdown` and also when the handle is dropped.
            let signal = async move {
                let _stopped_or_dropped = stopped.wait_for(|stop| *stop).await;
            };
            if let Err(e) = axum::serve(listener, router)
                .with_graceful_shutdown(signal)
                .await
            {
                eprintln!("fake server on {addr} stopped: {e}");
            }
        });
        Ok(ServerHandle { addr, stop })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections; requests under way finish.
    pub fn shutdown(&self) {
        self.stop.send_replace(true);
    }
}

/// An opaque token for a payload: its bytes in hex, safe in a URL.
pub(crate) fn hex_token(payload: &str) -> String {
    payload.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The payload of a [`hex_token`], or `None` for anything else.
pub(crate) fn unhex_token(token: &str) -> Option<String> {
    if !token.len().is_multiple_of(2) || !token.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&token[i..i + 2], 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// Items after `after` (by key), at most `page_size`, and the key to resume
/// after when more remain.
pub(crate) fn take_page<T>(
    sorted: Vec<(String, T)>,
    after: Option<&str>,
    page_size: usize,
) -> (Vec<T>, Option<String>) {
    let mut rest = sorted
        .into_iter()
        .filter(|(k, _)| after.is_none_or(|a| k.as_str() > a))
        .peekable();
    let mut page = Vec::new();
    let mut last = None;
    while page.len() < page_size.max(1) {
        let Some((k, v)) = rest.next() else { break };
        page.push(v);
        last = Some(k);
    }
    let next = if rest.peek().is_some() { last } else { None };
    (page, next)
}

/// A sort key that orders like the instant (earliest first, `None` before all), then the id.
pub(crate) fn time_sort_key(t: Option<chrono::DateTime<chrono::Utc>>, id: &str) -> String {
    let ms = t.map_or(i64::MIN, |t| t.timestamp_millis());
    // Shift into u64 so the decimal digits sort like the numbers.
    let shifted = (i128::from(ms) - i128::from(i64::MIN)) as u128;
    format!("{shifted:020}|{id}")
}
