//! The application layer's IPC types as TypeScript
//! (`ui/src/ipc/generated/app.ts`), generated with ts-rs (derived in tests
//! only) and checked like core's (`vica_core::typescript`). Fields of
//! core's types name them, imported from `core.ts`, which vica-core's own
//! test checks.

use std::path::PathBuf;

use ts_rs::{Config, TS};
use vica_core::typescript::{Declarations, check_or_write};

use crate::accounts::{
    AccountState, AccountView, AccountsOverview, DisconnectResult, ProviderSetup, SourceStatus,
};
use crate::export::{CopyResult, ExportResult, Outcome, RowsFormat, RowsResult, TemplateWarning};
use crate::period::{PeriodExportResult, PeriodKind};
use crate::sync::{HistoryStatus, SyncOutcome};

/// The application layer's types as the UI receives them.
fn app_declarations() -> String {
    // Ids and counts are i64/usize in Rust but small: JSON numbers.
    let cfg = Config::new().with_large_int("number");
    let mut d = Declarations::new(
        "vica-api (crates/api)",
        "import type { Provider, SourceKind, WeekKey } from \"./core\";\n",
    );
    macro_rules! add {
        ($($t:ty),* $(,)?) => { $( d.add(<$t>::docs(), &<$t>::decl(&cfg)); )* };
    }
    add!(
        AccountsOverview,
        AccountView,
        AccountState,
        ProviderSetup,
        DisconnectResult,
        SourceStatus,
        SyncOutcome,
        HistoryStatus,
        ExportResult,
        Outcome,
        TemplateWarning,
        CopyResult,
        RowsFormat,
        RowsResult,
        PeriodKind,
        PeriodExportResult,
    );
    d.finish()
}

/// Fails when `ui/src/ipc/generated/app.ts` is not what the application
/// layer's types generate (a Rust type changed and `make types` was not run).
#[test]
fn generated_app_types_are_committed() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/ipc/generated/app.ts");
    if let Err(e) = check_or_write(&path, &app_declarations()) {
        panic!("{e}");
    }
}
