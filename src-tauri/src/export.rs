//! What the export commands send back to the window: where a note went, what
//! writing it did, and a broken user template's warning with its position.
//!
//! The shapes and the export actions are the application layer's
//! (`vica_api::export`), shared with the CLI; they are re-exported here
//! under the names the window's IPC has always used.

pub use vica_api::export::{
    CopyResult, ExportResult, Outcome, RowsFormat, RowsResult, TemplateWarning,
};
