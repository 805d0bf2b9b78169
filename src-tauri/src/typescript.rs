//! The desktop shell's own IPC types as TypeScript
//! (`ui/src/ipc/generated/shell.ts`): the error a command rejects with, the
//! sync status, About. Generated with ts-rs (derived in tests only) and
//! checked like core's (`vica_core::typescript`); the application layer's
//! types are vica-api's (`app.ts`), imported from there.

use std::path::PathBuf;

use ts_rs::{Config, TS};
use vica_core::typescript::{Declarations, check_or_write};

use crate::about::{About, LicenseGroup, Package, PackageSource};
use crate::commands::AppInfo;
use crate::error::IpcError;
use crate::sync::SyncStatus;

/// The shell's types as the UI receives them.
fn shell_declarations() -> String {
    let cfg = Config::new().with_large_int("number");
    let mut d = Declarations::new(
        "vica-app (src-tauri)",
        "import type { SourceStatus, SyncOutcome } from \"./app\";\n",
    );
    macro_rules! add {
        ($($t:ty),* $(,)?) => { $( d.add(<$t>::docs(), &<$t>::decl(&cfg)); )* };
    }
    add!(
        IpcError,
        AppInfo,
        SyncStatus,
        About,
        LicenseGroup,
        Package,
        PackageSource
    );
    d.finish()
}

/// Fails when `ui/src/ipc/generated/shell.ts` is not what the shell's types
/// generate (a Rust type changed and `make types` was not run).
#[test]
fn generated_shell_types_are_committed() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/ipc/generated/shell.ts");
    if let Err(e) = check_or_write(&path, &shell_declarations()) {
        panic!("{e}");
    }
}
