//! Opening an item at its provider ("Open in Google Calendar") in the user's
//! browser, through the opener plugin, from Rust only.
//!
//! Links come from providers, so they are data: only absolute `http` and
//! `https` URLs with a host are opened. Anything else (`javascript:`,
//! `file:`, custom schemes, relative or malformed text) is refused with the
//! `invalid_link` error and never reaches the system's opener.

use tauri::{AppHandle, Runtime, Url};
use tauri_plugin_opener::OpenerExt;

use crate::error::{IpcError, IpcResult};

/// The longest link we agree to open; provider links are far shorter.
const MAX_LEN: usize = 8 * 1024;

/// `raw` as a URL the browser may open, or why it may not.
pub fn checked(raw: &str) -> IpcResult<Url> {
    let refuse = |why: &str| {
        IpcError::new(
            "invalid_link",
            format!("This link cannot be opened: {why}."),
        )
    };
    if raw.len() > MAX_LEN {
        return Err(refuse("it is too long"));
    }
    let url = Url::parse(raw.trim()).map_err(|_| refuse("it is not a web address"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("only http and https links are opened"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(refuse("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("it carries a user name or password"));
    }
    Ok(url)
}

/// Opens `raw` in the default browser if [`checked`] accepts it.
pub fn open<R: Runtime>(app: &AppHandle<R>, raw: &str) -> IpcResult<()> {
    let url = checked(raw)?;
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|e| {
            IpcError::new(
                "cannot_open",
                format!("The browser could not be started: {e}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_links_are_accepted() {
        for ok in [
            "https://calendar.google.com/calendar/event?eid=abc123",
            "https://outlook.office365.com/owa/?itemid=AAMk%3D&exvsurl=1&path=/calendar/item",
            "https://app.todoist.com/app/task/6X7rM8997g3RQmvh",
            "http://localhost:8080/x",
            "  https://example.com/padded  ",
            "HTTPS://EXAMPLE.COM/upper",
        ] {
            let url = checked(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(matches!(url.scheme(), "http" | "https"));
        }
    }

    #[test]
    fn anything_but_http_is_refused_with_a_clear_error() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>",
            "mailto:alex@example.com",
            "ftp://example.com/file",
            "vscode://file/etc/passwd",
            "smb://server/share",
            "/relative/path",
            "calendar.google.com/no-scheme",
            "https://",
            "http://",
            "http:// spaces/",
            "https://user:secret@example.com/",
            "",
        ] {
            let err = checked(bad).expect_err(bad);
            assert_eq!(err.code, "invalid_link", "{bad}");
            assert!(
                err.message.starts_with("This link cannot be opened"),
                "{bad}: {}",
                err.message
            );
            assert!(!err.message.contains("secret"), "{}", err.message);
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_LEN));
        assert_eq!(checked(&long).unwrap_err().code, "invalid_link");
    }
}
