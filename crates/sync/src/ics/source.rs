//! Where an ICS calendar comes from, and reading it: a file, a folder of
//! `.ics` files (a vdir, as vdirsyncer writes it), or a URL fetched with a
//! conditional GET (`If-None-Match` / `If-Modified-Since`), redirects
//! followed by hand (at most [`super::IcsConfig::max_redirects`], never from
//! https to http) and a size cap checked while the body streams in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use reqwest::{StatusCode, Url, header};

use super::{IcsConfig, IcsError, NAME};
use crate::error::{Result, SyncError};

/// An ICS calendar's location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// One `.ics` file.
    File(PathBuf),
    /// A folder of `.ics` files, one event (or a few) each.
    Folder(PathBuf),
    /// An `https://` address (`webcal://` is read as `https://`; plain
    /// `http://` only on the loopback interface, for local servers and tests).
    Url(Url),
}

impl Location {
    /// Reads what the user typed: a URL, or the path of a file or folder that must exist.
    pub fn parse(input: &str) -> std::result::Result<Location, IcsError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(IcsError::Location(
                "give the path of an .ics file or folder, or an https:// or webcal:// address"
                    .into(),
            ));
        }
        if let Some(url) = parse_url(input)? {
            return Ok(Location::Url(url));
        }
        let path = Path::new(input);
        let meta = std::fs::metadata(path).map_err(|e| {
            IcsError::Location(format!("cannot use {}: {}", path.display(), io_reason(&e)))
        })?;
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if meta.is_dir() {
            Ok(Location::Folder(path))
        } else {
            Ok(Location::File(path))
        }
    }

    /// The location an account's label names (see [`Location::label`]), without checking it exists.
    pub fn from_label(label: &str) -> std::result::Result<Location, IcsError> {
        if let Some(url) = parse_url(label)? {
            return Ok(Location::Url(url));
        }
        let path = PathBuf::from(label);
        Ok(if path.is_dir() {
            Location::Folder(path)
        } else {
            Location::File(path)
        })
    }

    /// The account label that names this location: the URL or the absolute path.
    pub fn label(&self) -> String {
        match self {
            Location::File(p) | Location::Folder(p) => p.display().to_string(),
            Location::Url(u) => u.to_string(),
        }
    }

    /// A short name for the calendar when the feed gives none.
    pub fn fallback_name(&self) -> String {
        match self {
            Location::File(p) => p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string()),
            Location::Folder(p) => p
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string()),
            Location::Url(u) => {
                let host = u.host_str().unwrap_or("calendar");
                match u.path_segments().and_then(|mut s| s.next_back()) {
                    Some(last)
                        if last.to_ascii_lowercase().ends_with(".ics") && last.len() < 40 =>
                    {
                        format!("{host}/{last}")
                    }
                    _ => host.to_owned(),
                }
            }
        }
    }
}

/// `Some` for an address (`webcal://` turned into `https://`), `None` for a path.
fn parse_url(input: &str) -> std::result::Result<Option<Url>, IcsError> {
    let lower = input.to_ascii_lowercase();
    let input = if lower.starts_with("webcal://") || lower.starts_with("webcals://") {
        format!(
            "https://{}",
            &input[input.find("://").map_or(0, |i| i + 3)..]
        )
    } else if lower.starts_with("https://") || lower.starts_with("http://") {
        input.to_owned()
    } else if lower.contains("://") {
        return Err(IcsError::Location(
            "only https://, webcal:// and local files or folders can be ICS calendars".into(),
        ));
    } else {
        return Ok(None);
    };
    let url = Url::parse(&input)
        .map_err(|e| IcsError::Location(format!("this is not a valid address ({e})")))?;
    check_url(&url)?;
    Ok(Some(url))
}

/// Only https, or http to the loopback interface; no credentials in the address.
pub(crate) fn check_url(url: &Url) -> std::result::Result<(), IcsError> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err(IcsError::Location(
            "addresses with a user name or password in them are not supported".into(),
        ));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(IcsError::Location(format!(
            "{} is plain http; Vica reads calendars over https only (try https:// or webcal://)",
            url.host_str().unwrap_or("the address")
        ))),
        other => Err(IcsError::Location(format!(
            "{other}:// addresses are not supported"
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    url.host_str().is_some_and(|h| {
        h.eq_ignore_ascii_case("localhost")
            || h.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    })
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// What the last good read saw, to skip an unchanged one.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Validators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// Local files: name → (size, modification time in ns).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, (u64, i128)>,
}

/// A read.
#[derive(Debug)]
pub enum Loaded {
    /// Nothing changed since `validators` (a 304, or the same file stamps).
    Unchanged(Validators),
    /// The bytes of each file (one for a file or URL), by name.
    Bodies(Vec<(String, Vec<u8>)>, Validators),
}

/// Reads `location`; with `previous`, an unchanged source is not read again.
pub async fn load(
    location: &Location,
    client: &reqwest::Client,
    config: &IcsConfig,
    previous: Option<&Validators>,
) -> Result<Loaded> {
    match location {
        Location::File(path) => {
            let path = path.clone();
            let max = config.max_bytes;
            let previous = previous.cloned();
            blocking(move || load_files(vec![path], max, previous.as_ref(), false)).await
        }
        Location::Folder(dir) => {
            let dir = dir.clone();
            let max = config.max_bytes;
            let previous = previous.cloned();
            blocking(move || {
                let files = list_folder(&dir)?;
                load_files(files, max, previous.as_ref(), true)
            })
            .await
        }
        Location::Url(url) => load_url(url, client, config, previous).await,
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SyncError::Malformed {
            provider: NAME,
            detail: format!("reading the calendar stopped unexpectedly ({e})"),
        })?
}

/// The `.ics` files of a folder, sorted.
fn list_folder(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| IcsError::Read {
        path: dir.display().to_string(),
        detail: io_reason(&e),
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("ics")) && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

fn load_files(
    files: Vec<PathBuf>,
    max: u64,
    previous: Option<&Validators>,
    folder: bool,
) -> Result<Loaded> {
    let mut stamps = BTreeMap::new();
    let mut total = 0u64;
    for path in &files {
        let meta = std::fs::metadata(path).map_err(|e| IcsError::Read {
            path: path.display().to_string(),
            detail: io_reason(&e),
        })?;
        total = total.saturating_add(meta.len());
        if total > max {
            return Err(IcsError::TooLarge {
                what: if folder {
                    "the folder's .ics files".into()
                } else {
                    path.display().to_string()
                },
                limit_mb: max / (1024 * 1024),
            }
            .into());
        }
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        stamps.insert(name_of(path), (meta.len(), mtime));
    }
    let validators = Validators {
        files: stamps,
        ..Validators::default()
    };
    if previous.is_some_and(|p| p.files == validators.files && !validators.files.is_empty()) {
        return Ok(Loaded::Unchanged(validators));
    }
    let mut bodies = Vec::with_capacity(files.len());
    for path in &files {
        match std::fs::read(path) {
            Ok(bytes) => bodies.push((name_of(path), bytes)),
            // Gone between listing and reading: as if it had not been listed.
            Err(e) if folder && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(IcsError::Read {
                    path: path.display().to_string(),
                    detail: io_reason(&e),
                }
                .into());
            }
        }
    }
    Ok(Loaded::Bodies(bodies, validators))
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

async fn load_url(
    start: &Url,
    client: &reqwest::Client,
    config: &IcsConfig,
    previous: Option<&Validators>,
) -> Result<Loaded> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match get_once(start, client, config, previous).await {
            Err(e) if e.is_transient() && attempt < config.retry.max_attempts => {
                tokio::time::sleep(config.retry.backoff(attempt - 1)).await;
            }
            other => return other,
        }
    }
}

/// One GET, following redirects.
async fn get_once(
    start: &Url,
    client: &reqwest::Client,
    config: &IcsConfig,
    previous: Option<&Validators>,
) -> Result<Loaded> {
    let host = |u: &Url| u.host_str().unwrap_or("the calendar's server").to_owned();
    let mut url = start.clone();
    let mut redirects = 0;
    let resp = loop {
        let mut req = client
            .get(url.clone())
            .header(header::ACCEPT, "text/calendar, */*;q=0.5");
        if let Some(p) = previous {
            if let Some(etag) = &p.etag {
                req = req.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &p.last_modified {
                req = req.header(header::IF_MODIFIED_SINCE, lm);
            }
        }
        let resp = req
            .send()
            .await
            .map_err(|e| transport_error(&e, &host(&url)))?;
        if !resp.status().is_redirection() || resp.status() == StatusCode::NOT_MODIFIED {
            break resp;
        }
        redirects += 1;
        if redirects > config.max_redirects {
            return Err(IcsError::TooManyRedirects {
                host: host(start),
                max: config.max_redirects,
            }
            .into());
        }
        let next = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| url.join(l).ok())
            .ok_or_else(|| IcsError::BadRedirect {
                host: host(&url),
                detail: "no usable Location".into(),
            })?;
        if url.scheme() == "https" && next.scheme() != "https" {
            return Err(IcsError::BadRedirect {
                host: host(&url),
                detail: "from https to plain http".into(),
            }
            .into());
        }
        check_url(&next).map_err(|e| IcsError::BadRedirect {
            host: host(&url),
            detail: e.to_string(),
        })?;
        url = next;
    };
    let status = resp.status();
    let validators = Validators {
        etag: header_text(&resp, header::ETAG),
        last_modified: header_text(&resp, header::LAST_MODIFIED),
        files: BTreeMap::new(),
    };
    if status == StatusCode::NOT_MODIFIED {
        if previous.is_none() {
            return Err(SyncError::Http {
                provider: NAME,
                status: 304,
                message: format!(
                    "{} answered 304 to a request that was not conditional",
                    host(&url)
                ),
            });
        }
        let mut kept = previous.cloned().unwrap_or_default();
        // A 304 may refresh the validators.
        if validators.etag.is_some() {
            kept.etag = validators.etag;
        }
        if validators.last_modified.is_some() {
            kept.last_modified = validators.last_modified;
        }
        return Ok(Loaded::Unchanged(kept));
    }
    if !status.is_success() {
        let message = match status {
            StatusCode::NOT_FOUND | StatusCode::GONE => {
                format!("{} has no calendar at this address (any more)", host(&url))
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => format!(
                "{} refused access; the calendar may no longer be published",
                host(&url)
            ),
            s => format!(
                "{} ({})",
                host(&url),
                s.canonical_reason().unwrap_or("error")
            ),
        };
        return Err(SyncError::Http {
            provider: NAME,
            status: status.as_u16(),
            message,
        });
    }
    if resp.content_length().is_some_and(|n| n > config.max_bytes) {
        return Err(too_large(&url, config));
    }
    let mut resp = resp;
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if (body.len() + chunk.len()) as u64 > config.max_bytes {
                    return Err(too_large(&url, config));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                return Err(SyncError::Network {
                    provider: NAME,
                    detail: format!(
                        "the connection to {} broke while reading the calendar ({})",
                        host(&url),
                        without_url(&e)
                    ),
                });
            }
        }
    }
    Ok(Loaded::Bodies(vec![(String::new(), body)], validators))
}

fn too_large(url: &Url, config: &IcsConfig) -> SyncError {
    IcsError::TooLarge {
        what: format!(
            "the calendar at {}",
            url.host_str().unwrap_or("this address")
        ),
        limit_mb: config.max_bytes / (1024 * 1024),
    }
    .into()
}

fn header_text(resp: &reqwest::Response, name: header::HeaderName) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A transport error naming the host, never the address (it may hold a secret path).
fn transport_error(e: &reqwest::Error, host: &str) -> SyncError {
    if e.is_timeout() {
        SyncError::Timeout { provider: NAME }
    } else {
        SyncError::Network {
            provider: NAME,
            detail: format!("{host}: {}", without_url(e)),
        }
    }
}

fn without_url(e: &reqwest::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let url = |s: &str| match Location::parse(s) {
            Ok(Location::Url(u)) => Ok(u.to_string()),
            Ok(other) => Err(format!("{other:?}")),
            Err(e) => Err(e.to_string()),
        };
        assert_eq!(
            url("webcal://p23-caldav.icloud.com/published/2/abc"),
            Ok("https://p23-caldav.icloud.com/published/2/abc".into())
        );
        assert_eq!(
            url("http://127.0.0.1:8080/a.ics"),
            Ok("http://127.0.0.1:8080/a.ics".into())
        );
        assert!(url("http://example.com/a.ics").is_err_and(|e| e.contains("https only")));
        assert!(url("ftp://example.com/a.ics").is_err());
        assert!(url("https://me:secret@example.com/a.ics").is_err());
        assert!(url("/no/such/file.ics").is_err_and(|e| e.contains("no such file")));
    }
}
