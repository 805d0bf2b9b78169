//! What the app holds while it runs: the open store and the syncer (two
//! connections to one database), or why they could not be opened.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use vica_core::Store;
use vica_core::model::Reflection;
use vica_core::settings::Settings;
use vica_core::week::{Week, WeekKey};

use crate::error::{IpcError, IpcResult};
use crate::sync::{SyncStatus, Syncer};

/// The app's state, managed by Tauri.
///
/// A store that fails to open (a corrupt file, a database from a newer Vica,
/// an unwritable directory) does not stop the app: the error is kept here and
/// every command returns it, so the window can say what went wrong.
///
/// The window reads and writes through `store`; sync writes through its own
/// connection inside the [`Syncer`], so a sync never blocks the week.
#[derive(Debug)]
pub struct AppState {
    data_dir: Option<PathBuf>,
    store: Result<Mutex<Store>, IpcError>,
    sync: Result<Syncer, IpcError>,
}

impl AppState {
    /// Opens the store in the data dir (`VICA_DATA_DIR` or the OS default).
    pub fn open() -> AppState {
        match vica_core::paths::data_dir(None) {
            Ok(dir) => AppState::open_in(&dir),
            Err(err) => {
                let err = IpcError::from(err);
                AppState {
                    data_dir: None,
                    store: Err(err.clone()),
                    sync: Err(err),
                }
            }
        }
    }

    /// Opens the window's and the sync's connections to the store in `dir`.
    /// Nothing is synced yet: [`crate::sync::schedule`] starts that.
    pub fn open_in(dir: &Path) -> AppState {
        let opened = vica_core::paths::database_path(dir)
            .and_then(|path| Ok((Store::open(&path)?, path)))
            .map_err(IpcError::from);
        let (store, sync) = match opened {
            // The window's connection migrates the schema; the sync's opens it as it is.
            Ok((store, path)) => (
                Ok(Mutex::new(store)),
                Syncer::open(&path).map_err(IpcError::from),
            ),
            Err(err) => (Err(err.clone()), Err(err)),
        };
        AppState {
            data_dir: Some(dir.to_path_buf()),
            store,
            sync,
        }
    }

    pub fn data_dir(&self) -> Option<&Path> {
        self.data_dir.as_deref()
    }

    /// Why the store could not be opened, if it could not.
    pub fn startup_error(&self) -> Option<IpcError> {
        self.store.as_ref().err().cloned()
    }

    /// The week `key` ("2026-W47"), or the current week in the user's zone.
    pub fn week(&self, key: Option<&str>) -> IpcResult<Week> {
        let store = self.store()?;
        let settings = store.settings()?;
        let key = match key {
            Some(key) => key.parse::<WeekKey>()?,
            None => WeekKey::current(settings.zone(), settings.week_start),
        };
        Ok(Week::load(&store, key, &settings)?)
    }

    /// Replaces the reflection written for the week `key`.
    pub fn save_reflection(&self, key: &str, reflection: &Reflection) -> IpcResult<()> {
        let key = key.parse::<WeekKey>()?;
        Ok(self.store()?.save_reflection(key, reflection)?)
    }

    pub fn settings(&self) -> IpcResult<Settings> {
        Ok(self.store()?.settings()?)
    }

    /// Validates and saves every setting; nothing is written if one is invalid.
    pub fn save_settings(&self, settings: &Settings) -> IpcResult<()> {
        Ok(self.store()?.save_settings(settings)?)
    }

    /// Whether a sync runs, how the last one ended, and every source.
    pub fn sync_status(&self) -> IpcResult<SyncStatus> {
        let syncer = self.syncer()?;
        let store = self.store()?;
        Ok(syncer.status(&store)?)
    }

    /// Includes a source in the review (and in sync) or leaves it out.
    pub fn set_source_included(&self, source_id: i64, included: bool) -> IpcResult<()> {
        Ok(self.store()?.set_source_included(source_id, included)?)
    }

    pub fn syncer(&self) -> IpcResult<&Syncer> {
        self.sync.as_ref().map_err(Clone::clone)
    }

    fn store(&self) -> IpcResult<MutexGuard<'_, Store>> {
        let store = self.store.as_ref().map_err(Clone::clone)?;
        // A panic while holding the lock leaves no half-written data behind:
        // every write runs in a SQLite transaction that rolls back on drop.
        Ok(store.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_run_shows_an_empty_week_at_once_and_syncs_nothing_yet() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open_in(dir.path());
        assert_eq!(state.startup_error(), None);
        let week = state.week(None).unwrap();
        assert_eq!(week.days.len(), 7);
        assert_eq!(week.totals.event_count, 0, "the demo arrives through sync");
        let status = state.sync_status().unwrap();
        assert!(!status.running && status.last.is_none() && status.sources.is_empty());
        let earlier = state.week(Some("2026-W01")).unwrap();
        assert_eq!(earlier.key.to_string(), "2026-W01");
    }

    #[test]
    fn a_left_out_source_leaves_the_week_and_a_missing_one_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open_in(dir.path());
        let today = chrono::Utc::now()
            .with_timezone(&state.settings().unwrap().zone())
            .date_naive();
        vica_fakes::demo::install(&mut state.store().unwrap(), today).unwrap();
        let before = state.week(None).unwrap();
        let busiest = before
            .totals
            .per_source
            .iter()
            .max_by_key(|s| s.event_count)
            .unwrap();
        assert!(busiest.event_count > 0);

        state.set_source_included(busiest.source_id, false).unwrap();
        let after = state.week(None).unwrap();
        assert_eq!(
            after.totals.event_count,
            before.totals.event_count - busiest.event_count
        );
        assert!(
            after
                .totals
                .per_source
                .iter()
                .all(|s| s.source_id != busiest.source_id)
        );
        let status = state.sync_status().unwrap();
        let left_out = status
            .sources
            .iter()
            .find(|s| s.source_id == busiest.source_id)
            .unwrap();
        assert!(!left_out.included);

        state.set_source_included(busiest.source_id, true).unwrap();
        assert_eq!(state.week(None).unwrap().totals, before.totals);
        assert_eq!(
            state.set_source_included(9999, false).unwrap_err().code,
            "not_found"
        );
    }

    #[test]
    fn a_bad_week_key_is_an_invalid_week_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = AppState::open_in(dir.path())
            .week(Some("last week"))
            .unwrap_err();
        assert_eq!(err.code, "invalid_week");
    }

    #[test]
    fn a_saved_reflection_comes_back_with_its_week_only() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open_in(dir.path());
        let text = Reflection {
            went_well: "Shipped <b>it</b>".into(),
            notes: "line one\nline two".into(),
            ..Reflection::default()
        };
        state.save_reflection("2026-W10", &text).unwrap();
        assert_eq!(state.week(Some("2026-W10")).unwrap().reflection, text);
        assert_eq!(
            state.week(Some("2026-W11")).unwrap().reflection,
            Reflection::default()
        );
        let err = state.save_reflection("W10", &text).unwrap_err();
        assert_eq!(err.code, "invalid_week");
    }

    #[test]
    fn settings_are_validated_saved_and_lay_out_the_week() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open_in(dir.path());
        let mut settings = state.settings().unwrap();
        settings.week_start = vica_core::settings::WeekStart::Sunday;
        settings.time_zone = Some("America/New_York".into());
        state.save_settings(&settings).unwrap();
        assert_eq!(state.settings().unwrap(), settings);
        let week = state.week(Some("2026-W47")).unwrap();
        assert_eq!(week.days[0].weekday, "Sun");
        assert_eq!(week.time_zone, "America/New_York");

        let mut bad = settings.clone();
        bad.time_zone = Some("Mars/Olympus".into());
        assert_eq!(
            state.save_settings(&bad).unwrap_err().code,
            "invalid_setting"
        );
        assert_eq!(state.settings().unwrap(), settings, "nothing was written");
    }

    #[test]
    fn a_corrupt_database_is_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(vica_core::paths::DATABASE_FILE),
            vec![0x42; 8192],
        )
        .unwrap();
        let state = AppState::open_in(dir.path());
        let err = state.startup_error().expect("the open fails");
        assert_eq!(err.code, "database");
        assert_eq!(state.week(None).unwrap_err(), err);
        assert_eq!(state.sync_status().unwrap_err(), err);
    }
}
