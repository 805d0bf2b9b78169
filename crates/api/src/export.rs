//! The export actions: a week as Markdown (to the clipboard, to a file, into
//! the vault) and a week's rows as CSV or JSON, with what each did in shapes
//! both front ends show.
//!
//! The rendering, the notes and the vault are `vica_core::export`'s.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use vica_core::Store;
use vica_core::export::{
    Conflict, Exported, Rendered, Template, TemplateError, Vault, WriteOutcome, render, rows,
    write_note,
};
use vica_core::week::{Week, WeekKey};

use crate::{Error, Result};

/// What writing a note did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "ExportOutcome"))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    Overwritten,
    /// The file was left alone: the user chooses what happens next.
    Conflict,
}

/// One week's note written (or left alone because of a conflict).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ExportResult {
    #[cfg_attr(test, ts(type = "WeekKey"))]
    pub week: WeekKey,
    /// The note's full path.
    pub path: String,
    pub outcome: Outcome,
    /// Why the file was left alone, for people ("it has no vica:begin/vica:end markers…").
    pub conflict: Option<String>,
    /// Whether exporting again without overwriting may work: the file has
    /// markers but changed while it was being written. Otherwise only
    /// overwriting it whole (`force`) writes the week.
    pub can_merge: bool,
    /// The user's template failed and the default one was used.
    pub warning: Option<TemplateWarning>,
}

impl ExportResult {
    pub fn new(
        week: WeekKey,
        path: &Path,
        outcome: WriteOutcome,
        warning: Option<TemplateError>,
    ) -> ExportResult {
        let (outcome, conflict, can_merge) = Outcome::of(outcome);
        ExportResult {
            week,
            path: path.display().to_string(),
            outcome,
            conflict,
            can_merge,
            warning: warning.map(TemplateWarning::from),
        }
    }
}

impl Outcome {
    /// How a note's write went, as the front ends show it: the outcome, why
    /// a conflict left the file alone, and whether exporting again without
    /// overwriting may work (the file changed while it was being written).
    pub(crate) fn of(outcome: WriteOutcome) -> (Outcome, Option<String>, bool) {
        match outcome {
            WriteOutcome::Created => (Outcome::Created, None, false),
            WriteOutcome::Updated => (Outcome::Updated, None, false),
            WriteOutcome::Unchanged => (Outcome::Unchanged, None, false),
            WriteOutcome::Overwritten => (Outcome::Overwritten, None, false),
            WriteOutcome::Conflict(c) => (
                Outcome::Conflict,
                Some(c.to_string()),
                matches!(c, Conflict::ChangedMeanwhile),
            ),
        }
    }
}

impl From<Exported> for ExportResult {
    fn from(e: Exported) -> ExportResult {
        ExportResult::new(e.week, &e.path, e.outcome, e.warning)
    }
}

/// A user template that failed; the default template was used instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TemplateWarning {
    /// The template's file.
    pub template: String,
    /// 1-based, where the template engine could tell.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    /// All of it in one line: "…/export.md.j2:3:12: syntax error: …".
    pub text: String,
}

impl From<TemplateError> for TemplateWarning {
    fn from(e: TemplateError) -> TemplateWarning {
        TemplateWarning {
            text: e.to_string(),
            template: e.template,
            line: e.line,
            column: e.column,
            message: e.message,
        }
    }
}

/// What "Copy as Markdown" put on the clipboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CopyResult {
    #[cfg_attr(test, ts(type = "WeekKey"))]
    pub week: WeekKey,
    /// Characters copied.
    pub chars: usize,
    pub warning: Option<TemplateWarning>,
}

/// The row formats (`docs/export-formats.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RowsFormat {
    Csv,
    Json,
}

impl RowsFormat {
    /// The file extension, also the save dialog's filter.
    pub fn extension(self) -> &'static str {
        match self {
            RowsFormat::Csv => "csv",
            RowsFormat::Json => "json",
        }
    }
}

/// A week's rows written to a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RowsResult {
    #[cfg_attr(test, ts(type = "WeekKey"))]
    pub week: WeekKey,
    pub format: RowsFormat,
    /// The file's full path.
    pub path: String,
    /// Rows written (events and completed tasks).
    pub rows: usize,
}

/// The user's export template (`export.md.j2` in `config_dir`), or the
/// default one. A broken template is no error here: rendering falls back to
/// the default and returns a warning.
pub fn template(config_dir: Option<&Path>) -> Result<Template> {
    match config_dir {
        Some(dir) => Ok(Template::user(dir)?),
        None => Ok(Template::builtin()),
    }
}

/// The week `key` (or this week) as Markdown, as it goes on the clipboard
/// or to standard output: no markers.
pub fn markdown(store: &Store, template: &Template, key: Option<&str>) -> Result<(Week, Rendered)> {
    let week = crate::week(store, key)?;
    let rendered = render(&week, template);
    Ok((week, rendered))
}

/// Renders the week `key` (or this week) and writes it to `path`: a new
/// note, the generated part of an existing one replaced, or a conflict
/// left alone unless `force`.
pub fn to_file(
    store: &Store,
    template: &Template,
    key: Option<&str>,
    path: &Path,
    force: bool,
) -> Result<ExportResult> {
    let (week, rendered) = markdown(store, template, key)?;
    let outcome = write_note(path, &rendered.text, force)?;
    Ok(ExportResult::new(week.key, path, outcome, rendered.warning))
}

/// The vault set in the settings.
pub fn vault(store: &Store) -> Result<Vault> {
    let settings = store.settings()?;
    let Some(dir) = settings
        .vault_dir
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    else {
        return Err(Error::NoVault);
    };
    Ok(Vault::new(dir, &settings.vault_pattern)?)
}

/// Where the week `key`'s note goes in the vault set in the settings.
pub fn vault_note(store: &Store, key: &str) -> Result<PathBuf> {
    let vault = vault(store)?;
    let week = crate::week(store, Some(key))?;
    Ok(vault.path_for(&week))
}

/// Writes the week `key` (or this week) into the vault set in the settings.
pub fn to_vault(
    store: &Store,
    template: &Template,
    key: Option<&str>,
    force: bool,
) -> Result<ExportResult> {
    let vault = vault(store)?;
    let week = crate::week(store, key)?;
    Ok(vault.export(&week, template, force)?.into())
}

/// The rows of the weeks `from..=to` as CSV or JSON, and how many there are.
pub fn rows_text(
    store: &Store,
    format: RowsFormat,
    from: WeekKey,
    to: WeekKey,
) -> Result<(String, usize)> {
    let settings = store.settings()?;
    let rows = rows::rows(store, &settings, from..=to)?;
    let text = match format {
        RowsFormat::Csv => rows::to_csv(&rows)?,
        RowsFormat::Json => rows::to_json(&rows, from, to)? + "\n",
    };
    Ok((text, rows.len()))
}

/// Writes the week `key`'s rows as CSV or JSON to `path` (replaced whole).
pub fn rows_to_file(
    store: &Store,
    key: &str,
    format: RowsFormat,
    path: &Path,
) -> Result<RowsResult> {
    let week = key.parse::<WeekKey>()?;
    let (text, rows) = rows_text(store, format, week, week)?;
    std::fs::write(path, text).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(RowsResult {
        week,
        format,
        path: path.display().to_string(),
        rows,
    })
}
