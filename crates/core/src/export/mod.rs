//! Markdown export of a week: YAML front matter, a summary with totals and
//! deltas, one section per day, the reflection and next week's open tasks.
//!
//! - [`context`]: what a template sees, a view of the week with provider
//!   text already escaped.
//! - [`template`]: the default template (`default.md.j2`, built in) and the
//!   user's (`export.md.j2` in the config dir), rendered with MiniJinja; a
//!   failing user template falls back to the default with a positioned error.
//! - [`note`]: writing into a file the user may have edited: the generated
//!   part between `<!-- vica:begin -->` and `<!-- vica:end -->`, atomic
//!   writes, no clobbering.
//! - [`vault`]: a folder and a file-name pattern (`Reviews/{year}-W{week}.md`),
//!   single weeks and ranges.
//! - [`escape`]: provider text is data; [`inline`] makes it safe in a line of
//!   Markdown, so a hostile title can never change the document's structure.
//! - [`period`]: a month or quarter (`crate::period`) with the same
//!   machinery: its own context and default template (`period.md.j2`), notes
//!   with markers, a vault pattern (`Reviews/{period}.md`).
//! - [`history`]: past weeks with whether a reflection was written, and the streak.
//! - [`rows`]: one row per event occurrence and completed task over a range
//!   of weeks, as CSV (formula injection defused) or JSON.

pub mod context;
pub mod escape;
pub mod history;
pub mod note;
pub mod period;
pub mod rows;
pub mod template;
pub mod vault;

use std::path::PathBuf;

pub use context::Context;
pub use escape::inline;
pub use history::{HistoryWeek, ReviewHistory};
pub use note::{
    BEGIN_MARKER, Conflict, END_MARKER, WriteOutcome, merge_note, new_note, write_note,
};
pub use period::{
    DEFAULT_PERIOD_PATTERN, PeriodContext, PeriodExported, PeriodVault, check_period_pattern,
    period_markdown, render_period, user_period_template,
};
pub use template::{Rendered, Template, TemplateError, render};
pub use vault::{DEFAULT_PATTERN, Exported, Vault};

use crate::week::Week;

/// What can stop an export. A failing user template is not one of these:
/// it falls back to the default template and comes back as a warning.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// A vault file-name pattern that cannot be used.
    #[error("invalid file name pattern {pattern:?}: {reason}")]
    Pattern { pattern: String, reason: String },

    /// A range of weeks that cannot be exported.
    #[error("invalid range of weeks: {0}")]
    Range(String),

    /// Reading a template or writing a note failed.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Writing rows as CSV or JSON failed.
    #[error("cannot write the rows: {0}")]
    Rows(String),

    /// Loading a week failed.
    #[error(transparent)]
    Core(#[from] crate::Error),
}

/// A week as Markdown with the default template, as copied to the
/// clipboard or printed: no markers (those are added when writing a file).
pub fn markdown(week: &Week) -> String {
    render(week, &Template::builtin()).text
}

/// "3 h 20 min", "45 min", "0 min".
pub fn duration(minutes: i64) -> String {
    let (h, m) = (minutes.abs() / 60, minutes.abs() % 60);
    match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// "+1 h 15 min", "−30 min", "±0".
pub fn signed_duration(minutes: i64) -> String {
    match minutes {
        0 => "±0".into(),
        m if m > 0 => format!("+{}", duration(m)),
        m => format!("−{}", duration(m)),
    }
}

/// "+3", "−1", "±0".
pub fn signed(n: i64) -> String {
    match n {
        0 => "±0".into(),
        n if n > 0 => format!("+{n}"),
        n => format!("−{}", -n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0), "0 min");
        assert_eq!(duration(45), "45 min");
        assert_eq!(duration(120), "2 h");
        assert_eq!(duration(200), "3 h 20 min");
        assert_eq!(signed_duration(-90), "−1 h 30 min");
        assert_eq!(signed(3), "+3");
        assert_eq!(signed(-1), "−1");
    }
}
