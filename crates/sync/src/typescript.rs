//! The sync engine's progress events as TypeScript
//! (`ui/src/ipc/generated/sync.ts`), generated from [`SyncEvent`] with ts-rs
//! (derived in tests only) and checked like core's (`vica_core::typescript`).

use std::path::PathBuf;

use ts_rs::{Config, TS};
use vica_core::typescript::{Declarations, check_or_write};

use crate::engine::SyncEvent;

/// Fails when `ui/src/ipc/generated/sync.ts` is not what [`SyncEvent`]
/// generates (it changed and `make types` was not run).
#[test]
fn generated_sync_types_are_committed() {
    // Page and item counts are u32/u64 in Rust but small: JSON numbers.
    let cfg = Config::new().with_large_int("number");
    let text = Declarations::new("vica-sync (crates/sync)", "")
        .add(SyncEvent::docs(), &SyncEvent::decl(&cfg))
        .finish();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/ipc/generated/sync.ts");
    if let Err(e) = check_or_write(&path, &text) {
        panic!("{e}");
    }
}
