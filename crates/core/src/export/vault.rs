//! A vault: a folder of notes (an Obsidian vault, a Logseq graph, any
//! folder) and a file-name pattern that says where each week's note goes.
//!
//! Patterns are relative to the vault, use `/` (or `\`) between folders, and
//! take the placeholders `{year}` (the ISO week-numbering year), `{week}`
//! (two digits), `{start}` and `{end}` (the week's first and last day,
//! `2026-11-16`). `Reviews/{year}-W{week}.md` puts week 47 of 2026 in
//! `Reviews/2026-W47.md`. A pattern that could leave the vault (`..`, an
//! absolute path), that names a hidden folder or file (a segment starting
//! with `.`), a file not ending in `.md`, or the same file for every week is
//! refused: whatever asks for a pattern, a note lands only as a visible
//! Markdown file inside the vault.

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::ExportError;
use super::note::{WriteOutcome, write_note};
use super::template::{Template, TemplateError, render};
use crate::Store;
use crate::settings::Settings;
use crate::week::{Week, WeekKey};

/// The file-name pattern used when none is set.
pub const DEFAULT_PATTERN: &str = "{year}-W{week}.md";

/// The most weeks one range export writes (about ten years).
pub const MAX_RANGE_WEEKS: usize = 530;

/// A folder of notes and where each week goes in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vault {
    dir: PathBuf,
    pattern: String,
    /// The pattern's folders and file name, each a list of pieces.
    components: Vec<Vec<Piece>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Year,
    Week,
    Start,
    End,
}

/// One week's note written (or not) into a vault.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub week: WeekKey,
    pub path: PathBuf,
    pub outcome: WriteOutcome,
    /// The user's template failed and the default one was used.
    pub warning: Option<TemplateError>,
}

impl Vault {
    /// A vault at `dir` with a file-name pattern, checked.
    pub fn new(dir: impl Into<PathBuf>, pattern: &str) -> Result<Vault, ExportError> {
        Ok(Vault {
            dir: dir.into(),
            pattern: pattern.to_owned(),
            components: parse_pattern(pattern)?,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Where a week's note goes, relative to the vault.
    pub fn relative_path(
        &self,
        key: WeekKey,
        first_day: NaiveDate,
        last_day: NaiveDate,
    ) -> PathBuf {
        self.components
            .iter()
            .map(|pieces| {
                pieces
                    .iter()
                    .map(|p| match p {
                        Piece::Text(t) => t.clone(),
                        Piece::Year => format!("{:04}", key.year()),
                        Piece::Week => format!("{:02}", key.week()),
                        Piece::Start => first_day.to_string(),
                        Piece::End => last_day.to_string(),
                    })
                    .collect::<String>()
            })
            .collect()
    }

    /// Where a week's note goes.
    pub fn path_for(&self, week: &Week) -> PathBuf {
        self.dir
            .join(self.relative_path(week.key, week.first_day, week.last_day))
    }

    /// Renders a week and writes it to its note (see [`write_note`]). The
    /// vault folder must exist; folders inside it are created as needed.
    pub fn export(
        &self,
        week: &Week,
        template: &Template,
        force: bool,
    ) -> Result<Exported, ExportError> {
        let path = self.path_for(week);
        folder_for_note(&self.dir, &path)?;
        let rendered = render(week, template);
        let outcome = write_note(&path, &rendered.text, force)?;
        Ok(Exported {
            week: week.key,
            path,
            outcome,
            warning: rendered.warning,
        })
    }

    /// Exports every week in `weeks`, oldest first, one note each. A note in
    /// conflict is reported in its [`Exported`] and the others are written;
    /// an I/O error stops the export.
    pub fn export_range(
        &self,
        store: &Store,
        settings: &Settings,
        weeks: RangeInclusive<WeekKey>,
        template: &Template,
        force: bool,
    ) -> Result<Vec<Exported>, ExportError> {
        let keys = week_range(weeks)?;
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let week = Week::load(store, key, settings)?;
            out.push(self.export(&week, template, force)?);
        }
        Ok(out)
    }
}

/// Makes ready the folder a note at `path` inside the vault `dir` goes
/// into: the vault must exist (Vica never creates it), the folders below
/// it are created as the pattern asks.
pub(super) fn folder_for_note(dir: &Path, path: &Path) -> Result<(), ExportError> {
    if !dir.is_dir() {
        return Err(ExportError::Io {
            action: "cannot export into",
            path: dir.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the vault folder does not exist",
            ),
        });
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| ExportError::Io {
            action: "cannot create the folder",
            path: parent.to_path_buf(),
            source,
        })?;
    }
    Ok(())
}

/// The weeks from the first to the last, both included.
pub fn week_range(weeks: RangeInclusive<WeekKey>) -> Result<Vec<WeekKey>, ExportError> {
    let (from, to) = weeks.into_inner();
    if from > to {
        return Err(ExportError::Range(format!(
            "{from} comes after {to}; give the earlier week first"
        )));
    }
    let mut keys = vec![from];
    let mut key = from;
    while key < to {
        key = key.next();
        keys.push(key);
        if keys.len() > MAX_RANGE_WEEKS {
            return Err(ExportError::Range(format!(
                "{from} to {to} is more than {MAX_RANGE_WEEKS} weeks"
            )));
        }
    }
    Ok(keys)
}

/// Checks a file-name pattern by the rules above, as the settings do before
/// one is saved.
pub fn check_pattern(pattern: &str) -> Result<(), ExportError> {
    parse_pattern(pattern).map(|_| ())
}

fn parse_pattern(pattern: &str) -> Result<Vec<Vec<Piece>>, ExportError> {
    let bad = |reason: &str| ExportError::Pattern {
        pattern: pattern.to_owned(),
        reason: reason.to_owned(),
    };
    if pattern.trim().is_empty() {
        return Err(bad("it is empty"));
    }
    if pattern.starts_with(['/', '\\']) {
        return Err(bad("it must be relative to the vault folder, not absolute"));
    }
    let mut components = Vec::new();
    for component in pattern.split(['/', '\\']) {
        if component.is_empty() {
            return Err(bad("it has an empty folder name (`//` or a trailing `/`)"));
        }
        if component == "." || component == ".." {
            return Err(bad(
                "`.` and `..` are not allowed: notes stay inside the vault",
            ));
        }
        if component != component.trim() {
            return Err(bad("a folder or file name begins or ends with a space"));
        }
        if component.starts_with('.') {
            return Err(bad(
                "a folder or file name begins with `.`: notes are not written into hidden places",
            ));
        }
        components.push(parse_component(component).map_err(|r| bad(&r))?);
    }
    let ends_md = pattern
        .rsplit(['/', '\\'])
        .next()
        .is_some_and(|name| name.to_ascii_lowercase().ends_with(".md"));
    if !ends_md {
        return Err(bad("a note's name must end in .md"));
    }
    let varies = components
        .iter()
        .flatten()
        .any(|p| matches!(p, Piece::Week | Piece::Start | Piece::End));
    if !varies {
        return Err(bad(
            "it names the same file for every week: use {week}, {start} or {end}",
        ));
    }
    Ok(components)
}

fn parse_component(component: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut rest = component;
    while let Some(ch) = rest.chars().next() {
        match ch {
            '{' => {
                let close = rest
                    .find('}')
                    .ok_or_else(|| "a `{` is not closed".to_owned())?;
                let piece = match &rest[1..close] {
                    "year" => Piece::Year,
                    "week" => Piece::Week,
                    "start" => Piece::Start,
                    "end" => Piece::End,
                    other => {
                        return Err(format!(
                            "unknown placeholder {{{other}}}: use {{year}}, {{week}}, {{start}} or {{end}}"
                        ));
                    }
                };
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(piece);
                rest = &rest[close + 1..];
            }
            '}' => return Err("a `}` has no `{`".to_owned()),
            c if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') => {
                return Err(format!(
                    "{c:?} cannot be part of a file name on every system"
                ));
            }
            c => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> WeekKey {
        s.parse().unwrap()
    }

    fn path(pattern: &str, week: &str) -> String {
        let k = key(week);
        let v = Vault::new("/vault", pattern).unwrap();
        v.relative_path(k, k.monday(), k.monday() + chrono::Duration::days(6))
            .to_string_lossy()
            .replace('\\', "/")
    }

    #[test]
    fn patterns_name_one_file_per_week() {
        assert_eq!(path(DEFAULT_PATTERN, "2026-W07"), "2026-W07.md");
        assert_eq!(
            path("Reviews/{year}-W{week}.md", "2026-W47"),
            "Reviews/2026-W47.md"
        );
        assert_eq!(
            path("Journal\\{year}\\{start} to {end}.md", "2026-W53"),
            "Journal/2026/2026-12-28 to 2027-01-03.md"
        );
    }

    #[test]
    fn patterns_that_leave_the_vault_or_do_not_vary_are_refused() {
        for bad in [
            "",
            "  ",
            "../{year}-W{week}.md",
            "Reviews/../../{week}.md",
            "/etc/{week}.md",
            "\\\\server\\{week}.md",
            "C:/{week}.md",
            "Reviews//{week}.md",
            "Reviews/",
            "./{week}.md",
            "{year}.md",
            "review.md",
            "{weeks}.md",
            "{week.md",
            "week}.md",
            "a|b{week}.md",
            // Hidden folders and files, other extensions: a note is a visible `.md` file.
            ".obsidian/{week}.md",
            "Reviews/.{week}.md",
            "Reviews/.hidden/{week}.md",
            "{week}.txt",
            "{week}.md.py",
            "{week}",
            "lib/python3/site-packages/x{week}.pth",
        ] {
            let err = Vault::new("/vault", bad).unwrap_err();
            assert!(
                matches!(err, ExportError::Pattern { .. }),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn ranges_run_across_years_and_are_bounded() {
        let r = week_range(key("2026-W52")..=key("2027-W02")).unwrap();
        let names: Vec<String> = r.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]);
        assert_eq!(
            week_range(key("2026-W01")..=key("2026-W01")).unwrap().len(),
            1
        );
        assert!(week_range(key("2026-W02")..=key("2026-W01")).is_err());
        assert!(week_range(key("2000-W01")..=key("2026-W01")).is_err());
    }
}
