//! Writing a rendered week into a Markdown file the user may have edited.
//!
//! A note Vica writes looks like this:
//!
//! ```text
//! ---
//! week: "2026-W47"            front matter: first, as Obsidian and Logseq require
//! …
//! ---
//! <!-- vica:begin -->
//!
//! # Week 47 · 16–22 Nov 2026  the generated part
//! …
//!
//! <!-- vica:end -->
//! ```
//!
//! Exporting the same week again:
//!
//! - replaces only what lies between the markers; everything before the
//!   begin marker (after the front matter) and after the end marker is kept
//!   byte for byte, so the user can write around the generated part;
//! - refreshes, in the front matter, the keys the template generates (`week`,
//!   `events`, …), in place, and keeps every other line: keys the user added
//!   in Obsidian's properties, comments, and `tags`, `aliases` and
//!   `cssclasses` once they exist, since those are the user's to curate. A
//!   front matter the user deleted stays deleted;
//! - does not touch a file without exactly one pair of markers (the user
//!   rewrote it, or it is not Vica's): that is a [`Conflict`], and only
//!   `force` overwrites it.
//!
//! Every write goes to a temporary file in the same folder, is flushed to
//! disk, and then renamed over the note, so a crash leaves either the old
//! note or the new one. Just before the rename the note is read again; if it
//! changed since it was read (the user saved it meanwhile), nothing is written.

use std::fmt;
use std::io::Write as _;
use std::ops::Range;
use std::path::Path;

use super::ExportError;

/// The line before the generated part.
pub const BEGIN_MARKER: &str = "<!-- vica:begin -->";
/// The line after the generated part.
pub const END_MARKER: &str = "<!-- vica:end -->";

/// Front matter keys the user curates: written when missing, never replaced.
const USER_KEYS: &[&str] = &["tags", "aliases", "cssclasses"];

/// What writing a note did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// There was no file; it was written.
    Created,
    /// The generated part (and generated front matter keys) were replaced.
    Updated,
    /// The file already said exactly this; it was not rewritten.
    Unchanged,
    /// A file in conflict was replaced whole, as asked (`force`).
    Overwritten,
    /// The file was left alone.
    Conflict(Conflict),
}

impl WriteOutcome {
    /// Whether the file now holds the export.
    pub fn written(self) -> bool {
        !matches!(self, WriteOutcome::Conflict(_))
    }
}

/// Why an existing file was not updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Conflict {
    /// The file has no markers: the user rewrote it, or it is not a Vica note.
    NoMarkers,
    /// Markers are missing, repeated or out of order.
    BrokenMarkers,
    /// The file is not UTF-8 text.
    NotText,
    /// The file changed while the export was being written.
    ChangedMeanwhile,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Conflict::NoMarkers => "it has no vica:begin/vica:end markers (edited outside Vica?)",
            Conflict::BrokenMarkers => {
                "its vica:begin/vica:end markers are missing, repeated or out of order"
            }
            Conflict::NotText => "it is not UTF-8 text",
            Conflict::ChangedMeanwhile => "it changed while the export was being written",
        })
    }
}

/// The content of a new note for a rendered week: its front matter, then
/// the rest between markers.
pub fn new_note(rendered: &str) -> String {
    let rendered = defuse_markers(rendered);
    let (front, body) = split_rendered(&rendered);
    let mut out = String::with_capacity(rendered.len() + 64);
    if let Some(front) = front {
        out.push_str("---\n");
        out.push_str(front);
        if !front.is_empty() && !front.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("---\n");
    }
    out.push_str(BEGIN_MARKER);
    out.push('\n');
    out.push_str(&generated(body, "\n"));
    out.push_str(END_MARKER);
    out.push('\n');
    out
}

/// An existing note with its generated part (and generated front matter
/// keys) replaced by a new rendering; see the module's documentation.
pub fn merge_note(existing: &str, rendered: &str) -> Result<String, Conflict> {
    let rendered = defuse_markers(rendered);
    let (new_front, body) = split_rendered(&rendered);
    let old_front = front_matter(existing);
    let body_start = old_front.as_ref().map_or(0, |f| f.end);
    let (begin, end) = markers(existing, body_start)?;

    let mut out = String::with_capacity(existing.len() + rendered.len());
    if let Some(old) = &old_front {
        match new_front {
            Some(new) => {
                out.push_str(&existing[..old.inner.start]);
                let newline = if existing.starts_with("---\r\n") {
                    "\r\n"
                } else {
                    "\n"
                };
                out.push_str(&merge_front_matter(
                    &existing[old.inner.clone()],
                    new,
                    newline,
                ));
                out.push_str(&existing[old.inner.end..old.end]);
            }
            None => out.push_str(&existing[..old.end]),
        }
    }
    out.push_str(&existing[body_start..begin.end]);
    let newline = if existing[begin.clone()].ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    out.push_str(&generated(body, newline));
    out.push_str(&existing[end.start..]);
    Ok(out)
}

/// Writes a rendered week to `path`: a new note, or the existing one
/// updated as [`merge_note`] does. A file in conflict is left alone unless
/// `force`, which replaces it whole. The folder must exist.
pub fn write_note(path: &Path, rendered: &str, force: bool) -> Result<WriteOutcome, ExportError> {
    let existing = match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(ExportError::Io {
                action: "cannot read",
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let (content, outcome) = match &existing {
        None => (new_note(rendered), WriteOutcome::Created),
        Some(bytes) => {
            let merged = std::str::from_utf8(bytes)
                .map_err(|_| Conflict::NotText)
                .and_then(|text| merge_note(text, rendered));
            match merged {
                Ok(merged) if merged.as_bytes() == bytes.as_slice() => {
                    return Ok(WriteOutcome::Unchanged);
                }
                Ok(merged) => (merged, WriteOutcome::Updated),
                Err(_) if force => (new_note(rendered), WriteOutcome::Overwritten),
                Err(conflict) => return Ok(WriteOutcome::Conflict(conflict)),
            }
        }
    };
    if atomic_write(path, content.as_bytes(), existing.as_deref())? {
        Ok(outcome)
    } else {
        Ok(WriteOutcome::Conflict(Conflict::ChangedMeanwhile))
    }
}

/// Writes `bytes` to a temporary file beside `path`, flushes it and renames
/// it over `path`, keeping an existing file's permissions. Returns `false`,
/// writing nothing, when `path` no longer holds `expected` (`None`: no file).
fn atomic_write(path: &Path, bytes: &[u8], expected: Option<&[u8]>) -> Result<bool, ExportError> {
    let io = |action: &'static str| {
        move |source: std::io::Error| ExportError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".vica-").suffix(".tmp");
    #[cfg(unix)]
    {
        // As `fs::write` would create it: read-write for all, less the umask.
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(io("cannot create a temporary file beside"))?;
    tmp.write_all(bytes).map_err(io("cannot write"))?;
    if expected.is_some()
        && let Ok(meta) = std::fs::metadata(path)
    {
        std::fs::set_permissions(tmp.path(), meta.permissions()).map_err(io("cannot write"))?;
    }
    tmp.as_file().sync_all().map_err(io("cannot write"))?;
    let now = match std::fs::read(path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(io("cannot read")(source)),
    };
    if now.as_deref() != expected {
        return Ok(false);
    }
    tmp.persist(path)
        .map_err(|e| io("cannot replace")(e.error))?;
    #[cfg(unix)]
    {
        // Make the rename itself durable. Some file systems cannot sync a
        // folder; the note is written either way.
        if let Ok(d) = std::fs::File::open(dir) {
            d.sync_all().ok();
        }
    }
    Ok(true)
}

/// The generated part between the markers: a blank line, the body, a blank line.
fn generated(body: &str, newline: &str) -> String {
    let body = body.trim_start_matches(['\n', '\r']).trim_end();
    let text = if body.is_empty() {
        "\n".to_owned()
    } else {
        format!("\n{body}\n\n")
    };
    if newline == "\n" {
        text
    } else {
        text.replace("\r\n", "\n").replace('\n', newline)
    }
}

/// A rendered week's front matter (between the `---` lines) and the rest.
fn split_rendered(rendered: &str) -> (Option<&str>, &str) {
    match front_matter(rendered) {
        Some(f) => (Some(&rendered[f.inner]), &rendered[f.end..]),
        None => (None, rendered),
    }
}

/// Where a file's front matter is.
struct FrontMatter {
    /// The YAML between the delimiter lines.
    inner: Range<usize>,
    /// Just after the closing delimiter line.
    end: usize,
}

/// Lines with their byte offsets, line endings included.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0, |offset, line| {
        let at = *offset;
        *offset += line.len();
        Some((at, line))
    })
}

/// A `---` line first, then the YAML, then a `---` (or `...`) line.
fn front_matter(text: &str) -> Option<FrontMatter> {
    let mut it = lines(text);
    let (_, first) = it.next()?;
    if first.trim_end() != "---" {
        return None;
    }
    it.find(|(_, line)| matches!(line.trim_end(), "---" | "..."))
        .map(|(at, line)| FrontMatter {
            inner: first.len()..at,
            end: at + line.len(),
        })
}

/// The begin and end marker lines at or after `from`: exactly one of each, in order.
fn markers(text: &str, from: usize) -> Result<(Range<usize>, Range<usize>), Conflict> {
    let rest = text.get(from..).unwrap_or_default();
    let mut begins = Vec::new();
    let mut ends = Vec::new();
    for (at, line) in lines(rest) {
        let range = from + at..from + at + line.len();
        match line.trim() {
            BEGIN_MARKER => begins.push(range),
            END_MARKER => ends.push(range),
            _ => {}
        }
    }
    match (begins.as_slice(), ends.as_slice()) {
        ([], []) => Err(Conflict::NoMarkers),
        ([begin], [end]) if begin.end <= end.start => Ok((begin.clone(), end.clone())),
        _ => Err(Conflict::BrokenMarkers),
    }
}

/// A rendering whose own lines can never be read as markers: a line that
/// would be one (a raw title in a user template) gets its `<` as `&lt;`.
fn defuse_markers(rendered: &str) -> String {
    let mut out = String::with_capacity(rendered.len());
    for line in rendered.split_inclusive('\n') {
        if matches!(line.trim(), BEGIN_MARKER | END_MARKER) {
            out.push_str(&line.replacen('<', "&lt;", 1));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// One top-level entry of a YAML mapping: its key line and the lines that
/// continue it (indented lines, `- ` items, blank lines).
struct Entry<'a> {
    key: Option<&'a str>,
    text: String,
}

fn entries(yaml: &str) -> Vec<Entry<'_>> {
    let mut out: Vec<Entry<'_>> = Vec::new();
    for (_, line) in lines(yaml) {
        let continues = line.starts_with([' ', '\t'])
            || line.trim().is_empty()
            || line.starts_with("- ")
            || line.trim_end() == "-";
        match out.last_mut() {
            Some(last) if continues && last.key.is_some() => last.text.push_str(line),
            _ => out.push(Entry {
                key: key_of(line),
                text: line.to_owned(),
            }),
        }
    }
    out
}

/// The key of a `key: value` line, if the line is one.
fn key_of(line: &str) -> Option<&str> {
    if line.starts_with(['#', '-', ' ', '\t']) {
        return None;
    }
    let line = line.trim_end();
    let colon = line
        .char_indices()
        .find(|&(i, c)| c == ':' && line[i + 1..].chars().next().is_none_or(|n| n == ' '))
        .map(|(i, _)| i)?;
    Some(line[..colon].trim())
}

/// The user's front matter with the keys the new rendering generates
/// replaced in place (except [`USER_KEYS`]) and new keys appended.
fn merge_front_matter(old: &str, new: &str, newline: &str) -> String {
    let old_entries = entries(old);
    let mut new_entries = entries(new);
    for e in &mut new_entries {
        if !e.text.ends_with('\n') {
            e.text.push('\n');
        }
        if newline != "\n" {
            e.text = e.text.replace("\r\n", "\n").replace('\n', newline);
        }
    }
    let mut out = String::with_capacity(old.len() + new.len());
    for e in &old_entries {
        let replacement = e.key.filter(|k| !USER_KEYS.contains(k)).and_then(|k| {
            new_entries
                .iter()
                .find(|n| n.key == Some(k))
                .map(|n| n.text.as_str())
        });
        match replacement {
            // Keep the blank lines that followed the old entry.
            Some(text) => {
                out.push_str(text);
                let after = &e.text[e.text.trim_end().len()..];
                if let Some(i) = after.find('\n') {
                    out.push_str(&after[i + 1..]);
                }
            }
            None => out.push_str(&e.text),
        }
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str(newline);
    }
    for n in &new_entries {
        let present = n
            .key
            .is_some_and(|k| old_entries.iter().any(|o| o.key == Some(k)));
        if n.key.is_some() && !present {
            out.push_str(&n.text);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_in_yaml_lines() {
        assert_eq!(key_of("week: \"2026-W47\"\n"), Some("week"));
        assert_eq!(key_of("tags:\n"), Some("tags"));
        assert_eq!(key_of("url: https://x.y\n"), Some("url"));
        assert_eq!(key_of("  - item\n"), None);
        assert_eq!(key_of("# comment: no\n"), None);
        assert_eq!(key_of("no colon here\n"), None);
    }

    #[test]
    fn front_matter_merges_by_key() {
        let old = "week: \"old\"\nmood: good\ntags:\n  - weekly-review\n  - mine\n\n# my comment\nevents: 3\n";
        let new = "week: \"2026-W47\"\nevents: 12\ntags: [weekly-review]\nreflection: true";
        assert_eq!(
            merge_front_matter(old, new, "\n"),
            "week: \"2026-W47\"\nmood: good\ntags:\n  - weekly-review\n  - mine\n\n# my comment\nevents: 12\nreflection: true\n"
        );
    }

    #[test]
    fn marker_lines_in_a_rendering_are_defused() {
        let r =
            defuse_markers("a\n<!-- vica:end -->\n  <!-- vica:begin -->  \nx <!-- vica:end -->\n");
        assert_eq!(
            r,
            "a\n&lt;!-- vica:end -->\n  &lt;!-- vica:begin -->  \nx <!-- vica:end -->\n"
        );
    }
}
