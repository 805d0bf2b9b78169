//! The loopback redirect listener of RFC 8252 §7.3: a tiny HTTP server on
//! `127.0.0.1` that waits for the browser to come back from the provider's
//! consent page, takes exactly one request whose `state` matches, answers it
//! with a short page, and closes.
//!
//! Other requests on the port (a favicon, a request for another path) get a
//! 404 and are otherwise ignored. A request on the redirect path without the
//! `state` Vica sent did not come from this sign-in (any web page the user
//! has open can send the browser to the port, and Todoist's is fixed): it
//! gets an error page and is otherwise ignored too, so it can neither end
//! the sign-in nor hand over a code; the listener waits on for the real
//! answer until its timeout. Each connection is read on its own task with a
//! short deadline, so a browser's idle preconnect cannot hold up the real
//! request.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::secrets::Sensitive;

/// The most of a request head the listener reads.
const MAX_HEAD: usize = 16 * 1024;
/// How long one connection may take to send its request.
const READ_DEADLINE: Duration = Duration::from_secs(20);

/// What the browser brought back.
#[derive(Debug)]
pub(crate) enum Callback {
    /// An authorization code, with the matching state.
    Code(Sensitive<String>),
    /// The provider sent an error (`access_denied` when the user said no).
    Error {
        error: String,
        description: Option<String>,
    },
    /// The state matched but there was neither a code nor an error.
    NoCode,
}

/// Why waiting ended without a callback.
#[derive(Debug)]
pub(crate) enum WaitError {
    TimedOut,
    Io(std::io::Error),
}

/// A bound listener, waiting to be handed the state to expect.
pub(crate) struct Loopback {
    listener: TcpListener,
    addr: SocketAddr,
    path: String,
}

impl Loopback {
    /// Binds `127.0.0.1:port` (0: any free port). `path` is the redirect
    /// URI's path, empty for the root.
    pub(crate) async fn bind(port: u16, path: &str) -> std::io::Result<Loopback> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        Ok(Loopback {
            listener,
            addr,
            path: path.to_owned(),
        })
    }

    /// `http://127.0.0.1:PORT` plus the path.
    pub(crate) fn redirect_uri(&self) -> String {
        format!("http://{}{}", self.addr, self.path)
    }

    /// Waits for the redirect carrying `state`, then stops listening.
    pub(crate) async fn wait(self, state: &str, timeout: Duration) -> Result<Callback, WaitError> {
        let expected_path = if self.path.is_empty() {
            "/".to_owned()
        } else {
            self.path.clone()
        };
        let (tx, mut rx) = mpsc::channel::<Callback>(1);
        let mut connections = JoinSet::new();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let (stream, _) = accepted.map_err(WaitError::Io)?;
                    let tx = tx.clone();
                    let path = expected_path.clone();
                    let state = state.to_owned();
                    connections.spawn(async move {
                        if let Some(callback) = serve(stream, &path, &state).await {
                            let _ = tx.send(callback).await;
                        }
                    });
                }
                Some(callback) = rx.recv() => {
                    // Let the page reach the browser, then close everything.
                    connections.abort_all();
                    return Ok(callback);
                }
                _ = tokio::time::sleep_until(deadline) => return Err(WaitError::TimedOut),
            }
        }
    }
}

/// Reads one request and answers it; the callback when it was the redirect.
async fn serve(stream: TcpStream, path: &str, state: &str) -> Option<Callback> {
    let head = tokio::time::timeout(READ_DEADLINE, read_head(&stream))
        .await
        .ok()?
        .ok()?;
    let Some((method, target)) = request_line(&head) else {
        let _ = respond(&stream, "400 Bad Request", &page(BAD_REQUEST)).await;
        return None;
    };
    let (req_path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" || req_path != path {
        let _ = respond(&stream, "404 Not Found", &page(NOT_FOUND)).await;
        return None;
    }
    let params: Vec<(String, String)> = form_pairs(query);
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if param("state") != Some(state) {
        let _ = respond(&stream, "400 Bad Request", &page(WRONG_STATE)).await;
        return None;
    }
    let callback = if let Some(error) = param("error") {
        Callback::Error {
            error: error.chars().take(100).collect(),
            description: param("error_description").map(|d| d.chars().take(300).collect()),
        }
    } else if let Some(code) = param("code").filter(|c| !c.is_empty()) {
        Callback::Code(Sensitive::new(code.to_owned()))
    } else {
        Callback::NoCode
    };
    let (status, body) = match &callback {
        Callback::Code(_) => ("200 OK", page(CONNECTED)),
        Callback::Error { error, .. } if error == "access_denied" => ("200 OK", page(DENIED)),
        Callback::Error { .. } | Callback::NoCode => ("200 OK", page(FAILED)),
    };
    let _ = respond(&stream, status, &body).await;
    Some(callback)
}

async fn read_head(stream: &TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    loop {
        let n = read_some(stream, &mut buf).await?;
        if n == 0 {
            return Ok(head);
        }
        head.extend_from_slice(&buf[..n]);
        if head.windows(4).any(|w| w == b"\r\n\r\n") || head.len() >= MAX_HEAD {
            return Ok(head);
        }
    }
}

/// `GET /path?query HTTP/1.1` → (`GET`, `/path?query`).
fn request_line(head: &[u8]) -> Option<(&str, &str)> {
    let line = head.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?.trim_end_matches('\r');
    let mut parts = line.split(' ');
    let method = parts.next()?;
    let target = parts.next()?;
    let version = parts.next()?;
    (version.starts_with("HTTP/1.") && target.starts_with('/')).then_some((method, target))
}

fn form_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://127.0.0.1/?{query}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

async fn respond(stream: &TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nContent-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\nConnection: close\r\n\r\n",
        body.len()
    );
    write_all(stream, head.as_bytes()).await?;
    write_all(stream, body.as_bytes()).await
}

// The stream's own readiness API: it needs no more of tokio than `net`.
async fn read_some(stream: &TcpStream, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        stream.readable().await?;
        match stream.try_read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            other => return other,
        }
    }
}

async fn write_all(stream: &TcpStream, mut data: &[u8]) -> std::io::Result<()> {
    while !data.is_empty() {
        stream.writable().await?;
        match stream.try_write(data) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

const CONNECTED: (&str, &str) = (
    "Vica is connected",
    "You can close this tab and return to Vica.",
);
const DENIED: (&str, &str) = (
    "Access not granted",
    "Vica was not given access, and nothing was saved. You can close this tab.",
);
const FAILED: (&str, &str) = (
    "Connecting failed",
    "The provider did not let Vica connect, and nothing was saved. You can close this tab and try again from Vica.",
);
const WRONG_STATE: (&str, &str) = (
    "This sign-in did not come from Vica",
    "This request did not carry what the sign-in Vica started sent, so it was refused and nothing was taken from it. If you are connecting an account, finish in the page Vica opened.",
);
const NOT_FOUND: (&str, &str) = ("Not found", "Vica is waiting for the sign-in to finish.");
const BAD_REQUEST: (&str, &str) = ("Bad request", "Vica could not read this request.");

/// A small self-contained page (static text only: nothing from the request is echoed).
fn page((title, text): (&str, &str)) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}}</style>\
</head><body><h1>{title}</h1><p>{text}</p></body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        assert_eq!(
            request_line(b"GET /?code=1&state=2 HTTP/1.1\r\nHost: x\r\n\r\n"),
            Some(("GET", "/?code=1&state=2"))
        );
        assert_eq!(request_line(b"garbage"), None);
        assert_eq!(request_line(b"GET http://evil/ HTTP/1.1\r\n\r\n"), None);
    }

    #[test]
    fn queries_are_decoded() {
        assert_eq!(
            form_pairs("code=a%2Fb&state=x+y"),
            vec![
                ("code".to_owned(), "a/b".to_owned()),
                ("state".to_owned(), "x y".to_owned())
            ]
        );
    }
}
