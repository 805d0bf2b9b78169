//! What the export commands send back to the window: where a note went, what
//! writing it did, and a broken user template's warning with its position.
//!
//! The rendering, the notes and the vault are `vica_core::export`'s; this
//! module only turns their results into shapes the UI can show.

use std::path::Path;

use serde::{Deserialize, Serialize};
use vica_core::export::{Conflict, Exported, TemplateError, WriteOutcome};
use vica_core::week::WeekKey;

/// What writing a note did, as the UI names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
pub struct ExportResult {
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
        let (kind, conflict) = match outcome {
            WriteOutcome::Created => (Outcome::Created, None),
            WriteOutcome::Updated => (Outcome::Updated, None),
            WriteOutcome::Unchanged => (Outcome::Unchanged, None),
            WriteOutcome::Overwritten => (Outcome::Overwritten, None),
            WriteOutcome::Conflict(c) => (Outcome::Conflict, Some(c)),
        };
        ExportResult {
            week,
            path: path.display().to_string(),
            outcome: kind,
            can_merge: matches!(conflict, Some(Conflict::ChangedMeanwhile)),
            conflict: conflict.map(|c| c.to_string()),
            warning: warning.map(TemplateWarning::from),
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
pub struct CopyResult {
    pub week: WeekKey,
    /// Characters copied.
    pub chars: usize,
    pub warning: Option<TemplateWarning>,
}

/// The row formats of "Export → CSV / JSON" (`docs/export-formats.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct RowsResult {
    pub week: WeekKey,
    pub format: RowsFormat,
    /// The file's full path.
    pub path: String,
    /// Rows written (events and completed tasks).
    pub rows: usize,
}
