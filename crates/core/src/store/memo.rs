//! A memo of weeks' totals, so switching weeks does not lay the same twelve
//! weeks out again for the trends. It lives with the connection and is
//! dropped whole whenever the database may have changed: a write through
//! this connection (`total_changes`) or a commit by any other one
//! (`PRAGMA data_version`), so it never outlives the rows it was computed
//! from. Callers key it by everything else the totals depend on (the week,
//! the zone, the week start and the time rules).

use std::collections::HashMap;
use std::sync::Mutex;

use super::Store;
use crate::Result;
use crate::week::Totals;

/// The most weeks kept (about ten years of weeks); past it the memo starts afresh.
const MAX_ENTRIES: usize = 600;

/// Weeks' totals by key, valid for one state of the database.
#[derive(Default)]
pub(crate) struct Memo {
    inner: Mutex<MemoState>,
}

#[derive(Default)]
struct MemoState {
    version: Option<(i64, u64)>,
    totals: HashMap<String, Totals>,
}

impl Store {
    /// What identifies the database's state: another connection's commit
    /// changes the first figure, a write through this one the second.
    fn data_version(&self) -> Result<(i64, u64)> {
        let other: i64 = self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?;
        Ok((other, self.conn.total_changes()))
    }

    /// The memoized totals for `keys` (`None` where not known), after
    /// dropping the memo if the database changed since it was filled.
    pub(crate) fn memo_totals(&self, keys: &[String]) -> Result<Vec<Option<Totals>>> {
        let version = self.data_version()?;
        let mut state = self
            .memo
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.version != Some(version) {
            state.totals.clear();
            state.version = Some(version);
        }
        Ok(keys.iter().map(|k| state.totals.get(k).cloned()).collect())
    }

    /// Remembers totals computed from the database as it is now.
    pub(crate) fn memo_keep(
        &self,
        entries: impl IntoIterator<Item = (String, Totals)>,
    ) -> Result<()> {
        let version = self.data_version()?;
        let mut state = self
            .memo
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.version != Some(version) {
            // Something was written since the totals were read: keep nothing.
            state.totals.clear();
            state.version = Some(version);
            return Ok(());
        }
        if state.totals.len() > MAX_ENTRIES {
            state.totals.clear();
        }
        state.totals.extend(entries);
        Ok(())
    }
}
