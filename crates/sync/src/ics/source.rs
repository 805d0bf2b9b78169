//! Where an ICS calendar comes from, and reading it: a file, a folder of
//! `.ics` files (a vdir, as vdirsyncer writes it), listed with each file's
//! stamp and read file by file only when needed, or a URL fetched with a
//! conditional GET (`If-None-Match` / `If-Modified-Since`), redirects
//! followed by hand (at most [`super::IcsConfig::max_redirects`], never from
//! https to http) and a size cap checked while the body streams in.

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
        } else if meta.is_file() {
            Ok(Location::File(path))
        } else {
            Err(not_regular(&path))
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
            // The host alone: the rest of a subscription address may be its secret.
            Location::Url(u) => u.host_str().unwrap_or("calendar").to_owned(),
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

/// Where a redirect from `current` to `location` leads, if Vica follows it
/// there: a Location that parses, never from https to plain http, and only to
/// an address [`check_url`] accepts.
pub(crate) fn next_hop(current: &Url, location: Option<&str>) -> Result<Url> {
    let host = current.host_str().unwrap_or("the calendar's server");
    let next =
        location
            .and_then(|l| current.join(l).ok())
            .ok_or_else(|| IcsError::BadRedirect {
                host: host.to_owned(),
                detail: "no usable Location".into(),
            })?;
    check_url(&next).map_err(|e| IcsError::BadRedirect {
        host: host.to_owned(),
        detail: e.to_string(),
    })?;
    if current.scheme() == "https" && next.scheme() != "https" {
        return Err(IcsError::BadRedirect {
            host: host.to_owned(),
            detail: "from https to plain http".into(),
        }
        .into());
    }
    Ok(next)
}

/// Loopback, private (RFC 1918, unique-local), link-local, shared (CGNAT)
/// or unspecified: addresses inside the user's machine or network.
pub fn is_private_address(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_address(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Whether `url`'s host is, or resolves to, a private or local address (any
/// of its addresses). A name that does not resolve is not judged here: the
/// request to it fails on its own.
async fn is_private_host(url: &Url, config: &IcsConfig) -> bool {
    let Some(host) = url.host() else {
        return false;
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<std::net::IpAddr> = match host {
        url::Host::Ipv4(ip) => vec![ip.into()],
        url::Host::Ipv6(ip) => vec![ip.into()],
        url::Host::Domain(name) => {
            if let Some((_, addr)) = config
                .resolve
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                vec![addr.ip()]
            } else if name.eq_ignore_ascii_case("localhost") {
                vec![std::net::Ipv4Addr::LOCALHOST.into()]
            } else {
                match tokio::net::lookup_host((name, port)).await {
                    Ok(found) => found.map(|a| a.ip()).collect(),
                    Err(_) => Vec::new(),
                }
            }
        }
    };
    addrs.into_iter().any(config.is_private)
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

/// A device, pipe or socket: reading one could block for ever or never end.
fn not_regular(path: &Path) -> IcsError {
    IcsError::Location(format!(
        "{} is not a file or a folder (a device, pipe or socket cannot be a calendar)",
        path.display()
    ))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// What the last good download of a feed saw, to ask for it conditionally.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Validators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// A download.
#[derive(Debug)]
pub enum Loaded {
    /// Nothing changed since `validators` (a 304).
    Unchanged(Validators),
    /// The feed's bytes.
    Body(Vec<u8>, Validators),
}

/// A local item of a calendar, listed without reading it: the calendar's one
/// file (named `""`) or one `.ics` file of its folder.
#[derive(Debug, Clone)]
pub struct LocalItem {
    pub name: String,
    pub path: PathBuf,
    /// Size, modification time (ns) and inode: what says the file is
    /// unchanged, as vdirsyncer's filesystem storage tells its files' versions
    /// (modification time and inode, so a file replaced by a rename shows).
    pub stamp: String,
}

/// Lists a local calendar's items (a file, or a folder's `.ics` files,
/// sorted by name) with their stamps, reading none; over `max` bytes together
/// (by their metadata) they are [`IcsError::TooLarge`].
pub fn list_local(location: &Location, max: u64) -> Result<Vec<LocalItem>> {
    let (files, folder) = match location {
        Location::File(path) => (vec![path.clone()], false),
        Location::Folder(dir) => (list_folder(dir)?, true),
        Location::Url(_) => return Ok(Vec::new()),
    };
    let mut items = Vec::with_capacity(files.len());
    let mut total = 0u64;
    for path in files {
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            // Gone between listing and reading: as if it had not been listed.
            Err(e) if folder && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(IcsError::Read {
                    path: path.display().to_string(),
                    detail: io_reason(&e),
                }
                .into());
            }
        };
        if !meta.is_file() {
            return Err(not_regular(&path).into());
        }
        total = total.saturating_add(meta.len());
        if total > max {
            return Err(too_large_local(&path, folder, max));
        }
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0u64;
        items.push(LocalItem {
            name: if folder {
                name_of(&path)
            } else {
                String::new()
            },
            stamp: format!("{}:{mtime}:{inode}", meta.len()),
            path,
        });
    }
    Ok(items)
}

/// A local item's bytes, at most `max` of them (sizes can lie, a file in
/// `/proc` says 0, or change while read): `None` when it holds more.
pub fn read_local(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    read_bounded(path, max)
}

/// [`IcsError::TooLarge`] for a local calendar.
pub fn too_large_local(path: &Path, folder: bool, max: u64) -> SyncError {
    IcsError::TooLarge {
        what: if folder {
            "the folder's .ics files".into()
        } else {
            path.display().to_string()
        },
        limit_mb: max / (1024 * 1024),
    }
    .into()
}

/// Why a local item could not be read.
pub fn read_error(path: &Path, e: &std::io::Error) -> SyncError {
    IcsError::Read {
        path: path.display().to_string(),
        detail: io_reason(e),
    }
    .into()
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

/// The file's bytes, or `None` when it holds more than `max`. Only a
/// regular file is opened (opening a pipe would wait for a writer).
fn read_bounded(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    let bytes = read_head(path, max.saturating_add(1))?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

/// At most the first `max` bytes of a regular file.
fn read_head(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The first `max` bytes of `path` if it is a regular file that can be read.
pub(crate) fn read_bounded_head(path: &Path, max: u64) -> Option<Vec<u8>> {
    read_head(path, max).ok()
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Downloads a feed; with `previous`, conditionally.
pub async fn load_url(
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
    // A feed the user pointed at a private or local host may redirect within
    // such hosts; a public one may not lead there (asked only when it redirects).
    let mut origin_private = None;
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
        let location = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok());
        let next = next_hop(&url, location)?;
        let from_private = match origin_private {
            Some(p) => p,
            None => {
                let p = is_private_host(start, config).await;
                origin_private = Some(p);
                p
            }
        };
        if !from_private && is_private_host(&next, config).await {
            return Err(IcsError::BadRedirect {
                host: host(&url),
                detail: format!(
                    "to {}, a private or local address, from a public one",
                    host(&next)
                ),
            }
            .into());
        }
        url = next;
    };
    let status = resp.status();
    let validators = Validators {
        etag: header_text(&resp, header::ETAG),
        last_modified: header_text(&resp, header::LAST_MODIFIED),
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
    Ok(Loaded::Body(body, validators))
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

    fn hop(from: &str, location: Option<&str>) -> std::result::Result<String, String> {
        let from = Url::parse(from).map_err(|e| e.to_string())?;
        next_hop(&from, location)
            .map(|u| u.to_string())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn each_hop_rule() {
        // Followed: relative, absolute, https to https, loopback http to loopback http.
        assert_eq!(
            hop("https://cal.example.com/a/b.ics", Some("c.ics")),
            Ok("https://cal.example.com/a/c.ics".into())
        );
        assert_eq!(
            hop(
                "https://cal.example.com/a.ics",
                Some("https://cdn.example.net/x.ics")
            ),
            Ok("https://cdn.example.net/x.ics".into())
        );
        assert_eq!(
            hop("http://127.0.0.1:8080/a.ics", Some("http://[::1]:9/b.ics")),
            Ok("http://[::1]:9/b.ics".into())
        );
        // Refused, each with its reason.
        let refused = |from: &str, to: Option<&str>, why: &str| {
            let err = hop(from, to).unwrap_err();
            assert!(err.contains(why), "{from} -> {to:?}: {err}");
        };
        refused("https://cal.example.com/a.ics", None, "no usable Location");
        refused(
            "https://cal.example.com/a.ics",
            Some("http://[bad"),
            "no usable Location",
        );
        refused(
            "https://cal.example.com/a.ics",
            Some("http://cal.example.com/a.ics"),
            "https only",
        );
        refused(
            "https://cal.example.com/a.ics",
            Some("http://127.0.0.1/a.ics"),
            "from https to plain http",
        );
        refused(
            "http://127.0.0.1/a.ics",
            Some("http://example.com/a.ics"),
            "https only",
        );
        refused(
            "https://cal.example.com/a.ics",
            Some("ftp://cal.example.com/a.ics"),
            "not supported",
        );
        refused(
            "https://cal.example.com/a.ics",
            Some("file:///etc/passwd"),
            "not supported",
        );
        refused(
            "https://cal.example.com/a.ics",
            Some("https://me:pw@cal.example.com/a.ics"),
            "user name or password",
        );
    }

    #[test]
    fn private_and_local_addresses() {
        let private = |s: &str| is_private_address(s.parse().unwrap());
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:127.0.0.1",
            "::ffff:192.168.0.1",
        ] {
            assert!(private(ip), "{ip} is private or local");
        }
        for ip in [
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "17.253.144.10",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
        ] {
            assert!(!private(ip), "{ip} is public");
        }
    }
}
