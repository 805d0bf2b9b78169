//! A fake ICS subscription server on loopback: feeds by name, served the
//! way calendar hosts do.
//!
//! `GET /feeds/{name}` answers the feed as `text/calendar` with an `ETag`
//! (a hash of the bytes) and a `Last-Modified` (when it was last set), and
//! `304 Not Modified` to a request whose `If-None-Match` matches the ETag or
//! whose `If-Modified-Since` is not older than `Last-Modified` (either
//! validator can be switched off, as some hosts send only one).
//! `GET /redirect/{hops}/{name}` redirects `hops` times (302) before
//! reaching the feed; `GET /loop/{name}` redirects to itself for ever;
//! [`FakeIcs::set_redirect`] makes a feed redirect anywhere. A
//! missing feed is a 404. Faults, latency and the request log come from
//! [`crate::http`]; [`FakeIcs::set_feed`] changes what is served.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::http::{ErrorRenderer, FakeServer, Harness, InjectedError, ServerHandle, lock};
pub use crate::http::{Fault, RecordedRequest};

#[derive(Debug, Clone)]
struct Feed {
    body: Bytes,
    etag: String,
    modified: DateTime<Utc>,
}

#[derive(Debug)]
struct Shared {
    feeds: Mutex<HashMap<String, Feed>>,
    /// Feeds that answer `302 Found` to this `Location` instead.
    redirects: Mutex<HashMap<String, String>>,
    /// Send `ETag` / honour `If-None-Match`.
    etag: Mutex<bool>,
    /// Send `Last-Modified` / honour `If-Modified-Since`.
    last_modified: Mutex<bool>,
    harness: Arc<Harness>,
}

/// A running fake ICS server. Clones share it; it stops when the last clone is dropped.
#[derive(Clone)]
pub struct FakeIcs {
    shared: Arc<Shared>,
    server: Arc<ServerHandle>,
}

impl FakeIcs {
    /// Binds `127.0.0.1:0` and serves in a tokio task of the current runtime.
    pub async fn start() -> std::io::Result<FakeIcs> {
        Self::start_on(std::net::Ipv4Addr::LOCALHOST.into()).await
    }

    /// Binds a free port on `ip` (another loopback address, such as
    /// `127.0.0.2`, stands in for a second host).
    pub async fn start_on(ip: std::net::IpAddr) -> std::io::Result<FakeIcs> {
        let shared = Arc::new(Shared {
            feeds: Mutex::new(HashMap::new()),
            redirects: Mutex::new(HashMap::new()),
            etag: Mutex::new(true),
            last_modified: Mutex::new(true),
            harness: Arc::new(Harness::default()),
        });
        let router = Router::new()
            .route("/feeds/{name}", get(feed))
            .route("/redirect/{hops}/{name}", get(redirect))
            .route("/loop/{name}", get(redirect_loop))
            .with_state(shared.clone());
        let render: ErrorRenderer = render_injected;
        let router = crate::http::with_harness(router, shared.harness.clone(), render);
        let server = ServerHandle::start_on(router, ip).await?;
        Ok(FakeIcs {
            shared,
            server: Arc::new(server),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    /// `http://127.0.0.1:PORT/feeds/{name}`.
    pub fn url(&self, name: &str) -> String {
        format!("http://{}/feeds/{name}", self.server.addr())
    }

    /// An address that redirects `hops` times before reaching feed `name`.
    pub fn redirect_url(&self, hops: u32, name: &str) -> String {
        format!("http://{}/redirect/{hops}/{name}", self.server.addr())
    }

    /// An address that redirects to itself.
    pub fn loop_url(&self, name: &str) -> String {
        format!("http://{}/loop/{name}", self.server.addr())
    }

    /// Serves `body` as feed `name` from now on, modified now.
    pub fn set_feed(&self, name: &str, body: impl Into<Bytes>) {
        let body = body.into();
        let etag = format!(
            "\"{}\"",
            Sha256::digest(&body)
                .iter()
                .take(12)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        lock(&self.shared.feeds).insert(
            name.to_owned(),
            Feed {
                body,
                etag,
                modified: Utc::now(),
            },
        );
    }

    /// Makes feed `name` answer `302 Found` with `location` (any URL, relative or not).
    pub fn set_redirect(&self, name: &str, location: &str) {
        lock(&self.shared.redirects).insert(name.to_owned(), location.to_owned());
    }

    /// Stops serving feed `name` (it answers 404).
    pub fn remove_feed(&self, name: &str) {
        lock(&self.shared.feeds).remove(name);
    }

    /// Which validators the server sends and honours (both, by default).
    pub fn set_validators(&self, etag: bool, last_modified: bool) {
        *lock(&self.shared.etag) = etag;
        *lock(&self.shared.last_modified) = last_modified;
    }

    /// Stops serving.
    pub fn shutdown(&self) {
        self.server.shutdown();
    }
}

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

async fn feed(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(to) = lock(&shared.redirects).get(&name).cloned() {
        return (StatusCode::FOUND, [(header::LOCATION, to)]).into_response();
    }
    let Some(feed) = lock(&shared.feeds).get(&name).cloned() else {
        return (StatusCode::NOT_FOUND, "no such calendar").into_response();
    };
    let use_etag = *lock(&shared.etag);
    let use_modified = *lock(&shared.last_modified);
    let modified = http_date(feed.modified);
    let header_str = |h: header::HeaderName| headers.get(h).and_then(|v| v.to_str().ok());
    let etag_matches = use_etag
        && header_str(header::IF_NONE_MATCH).is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == feed.etag || t.trim() == "*")
        });
    let not_modified_since = use_modified
        && header_str(header::IF_NONE_MATCH).is_none()
        && header_str(header::IF_MODIFIED_SINCE)
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
            .is_some_and(|since| since.timestamp() >= feed.modified.timestamp());
    let mut response = if etag_matches || not_modified_since {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
            feed.body.clone(),
        )
            .into_response()
    };
    let h = response.headers_mut();
    if use_etag && let Ok(v) = feed.etag.parse() {
        h.insert(header::ETAG, v);
    }
    if use_modified && let Ok(v) = modified.parse() {
        h.insert(header::LAST_MODIFIED, v);
    }
    response
}

async fn redirect(Path((hops, name)): Path<(u32, String)>) -> Response {
    let to = if hops == 0 {
        format!("/feeds/{name}")
    } else {
        format!("/redirect/{}/{name}", hops - 1)
    };
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

async fn redirect_loop(Path(name): Path<String>) -> Response {
    (
        StatusCode::FOUND,
        [(header::LOCATION, format!("/loop/{name}"))],
    )
        .into_response()
}

fn render_injected(error: InjectedError<'_>) -> Response {
    let status = match error {
        InjectedError::Status { code } => code,
        InjectedError::RateLimit403 { .. } => StatusCode::FORBIDDEN,
        InjectedError::Unauthorized => StatusCode::UNAUTHORIZED,
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/html")],
        format!(
            "<html><body><h1>{}</h1></body></html>",
            status.canonical_reason().unwrap_or("Error")
        ),
    )
        .into_response()
}

impl FakeServer for FakeIcs {
    fn harness(&self) -> &Harness {
        &self.shared.harness
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn conditional_get_and_redirects() {
        let fake = FakeIcs::start().await.expect("fake");
        fake.set_feed("a", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .expect("client");
        let first = client.get(fake.url("a")).send().await.expect("get");
        assert_eq!(first.status(), 200);
        let etag = first.headers()[header::ETAG.as_str()]
            .to_str()
            .expect("etag")
            .to_owned();
        let again = client
            .get(fake.url("a"))
            .header("If-None-Match", &etag)
            .send()
            .await
            .expect("get");
        assert_eq!(again.status(), 304);
        let via = client
            .get(fake.redirect_url(2, "a"))
            .send()
            .await
            .expect("get");
        assert_eq!(via.status(), 200);
        assert!(client.get(fake.loop_url("a")).send().await.is_err());
        assert_eq!(
            client
                .get(fake.url("b"))
                .send()
                .await
                .expect("get")
                .status(),
            404
        );
    }
}
