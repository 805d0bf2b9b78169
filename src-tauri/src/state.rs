//! What the app holds while it runs: the open store and the syncer (two
//! connections to one database), or why they could not be opened.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use vica_core::Store;
use vica_core::categories::Assignment;
use vica_core::export::{ReviewHistory, Template, Vault};
use vica_core::model::Reflection;
use vica_core::settings::Settings;
use vica_core::week::{MonthGrid, Week, WeekKey};

use crate::error::{IpcError, IpcResult};
use crate::export::{ExportResult, RowsFormat, RowsResult};
use crate::sync::{SyncStatus, Syncer};

/// How many weeks the History panel lists.
pub const HISTORY_WEEKS: usize = 12;

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
    /// Where the user's export template may be (`export.md.j2`).
    config_dir: Option<PathBuf>,
    /// The file last chosen in "Save as…" and its week, so the UI can
    /// answer a conflict without ever naming a path itself.
    save_target: Mutex<Option<(WeekKey, PathBuf)>>,
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
                    config_dir: vica_core::paths::config_dir().ok(),
                    save_target: Mutex::new(None),
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
            config_dir: vica_core::paths::config_dir().ok(),
            save_target: Mutex::new(None),
        }
    }

    /// Looks for the user's export template in `dir` instead of the config dir.
    pub fn with_config_dir(mut self, dir: &Path) -> AppState {
        self.config_dir = Some(dir.to_path_buf());
        self
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
        Ok(vica_api::week(&*self.store()?, key)?)
    }

    pub fn month(&self, date: Option<chrono::NaiveDate>) -> IpcResult<MonthGrid> {
        Ok(vica_api::month(&*self.store()?, date)?)
    }

    /// Replaces the reflection written for the week `key`.
    pub fn save_reflection(&self, key: &str, reflection: &Reflection) -> IpcResult<()> {
        let key = key.parse::<WeekKey>()?;
        Ok(self.store()?.save_reflection(key, reflection)?)
    }

    pub fn settings(&self) -> IpcResult<Settings> {
        Ok(self.store()?.settings()?)
    }

    /// Validates and saves every setting but the vault folder, which only
    /// the native folder dialog sets ([`AppState::set_vault_dir`]): whatever
    /// the window sends for it is ignored. Nothing is written if a setting
    /// is invalid.
    pub fn save_settings(&self, settings: &Settings) -> IpcResult<()> {
        vica_api::settings::save(&mut *self.store()?, settings)?;
        Ok(())
    }

    /// Sets the vault folder to one the user chose in the native dialog (an
    /// existing folder), or clears it; the settings as saved.
    pub fn set_vault_dir(&self, dir: Option<&Path>) -> IpcResult<Settings> {
        Ok(vica_api::settings::set_vault_dir(&mut *self.store()?, dir)?)
    }

    /// Where the week `key`'s note goes in the vault.
    pub fn vault_note(&self, key: &str) -> IpcResult<PathBuf> {
        Ok(vica_api::export::vault_note(&*self.store()?, key)?)
    }

    /// The file chosen in "Save as…" for the week `key`.
    pub fn save_target(&self, key: &str) -> IpcResult<PathBuf> {
        let week = key.parse::<WeekKey>()?;
        match self
            .save_target
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            Some((saved, path)) if saved == week => Ok(path),
            _ => Err(IpcError::new(
                "not_found",
                format!("no file was chosen for {week}: use Save as… again"),
            )),
        }
    }

    /// Whether a sync runs, how the last one ended, and every source.
    pub fn sync_status(&self) -> IpcResult<SyncStatus> {
        let syncer = self.syncer()?;
        let store = self.store()?;
        Ok(syncer.status(&store)?)
    }

    /// How far back each source's history import has reached.
    pub fn history_status(&self) -> IpcResult<Vec<vica_api::sync::HistoryStatus>> {
        let store = self.store()?;
        Ok(vica_api::sync::history_status(&store)?)
    }

    /// Includes a source in the review (and in sync) or leaves it out.
    pub fn set_source_included(&self, source_id: i64, included: bool) -> IpcResult<()> {
        Ok(self.store()?.set_source_included(source_id, included)?)
    }

    /// The user's export template (`export.md.j2` in the config dir), or the
    /// default one. A broken template is not an error here: rendering falls
    /// back to the default and returns a warning.
    pub fn template(&self) -> IpcResult<Template> {
        Ok(vica_api::export::template(self.config_dir.as_deref())?)
    }

    /// The week `key` (or this week) as Markdown, with the user's template,
    /// as it goes on the clipboard: no markers.
    pub fn markdown(&self, key: Option<&str>) -> IpcResult<(Week, vica_core::export::Rendered)> {
        let template = self.template()?;
        Ok(vica_api::export::markdown(&*self.store()?, &template, key)?)
    }

    /// A file name for the week's note, from the vault pattern's last part
    /// ("2026-W47.md"), and the folder to offer (the vault's, if set).
    pub fn suggested_file(&self, key: &str) -> IpcResult<(String, Option<PathBuf>)> {
        let settings = self.settings()?;
        let week = self.week(Some(key))?;
        let pattern = Vault::new("", &settings.vault_pattern)
            .or_else(|_| Vault::new("", vica_core::export::DEFAULT_PATTERN))?;
        let relative = pattern.relative_path(week.key, week.first_day, week.last_day);
        let name = relative
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| format!("{}.md", week.key));
        let dir = settings.vault_dir.map(PathBuf::from).filter(|d| d.is_dir());
        Ok((name, dir))
    }

    /// Renders the week `key` and writes it to `path` (see
    /// `vica_core::export::write_note`): a new note, the generated part of an
    /// existing one replaced, or a conflict left alone unless `force`.
    pub fn export_file(&self, key: &str, path: &Path, force: bool) -> IpcResult<ExportResult> {
        let template = self.template()?;
        Ok(vica_api::export::to_file(
            &*self.store()?,
            &template,
            Some(key),
            path,
            force,
        )?)
    }

    /// Writes the week `key`'s rows as CSV or JSON to `path` (replaced whole).
    pub fn export_rows(&self, key: &str, format: RowsFormat, path: &Path) -> IpcResult<RowsResult> {
        Ok(vica_api::export::rows_to_file(
            &*self.store()?,
            key,
            format,
            path,
        )?)
    }

    /// Sets how a recurring series counts ("count this as focus"); `None`
    /// returns it to the rules.
    pub fn set_series_choice(
        &self,
        source_id: i64,
        series_id: &str,
        choice: Option<Assignment>,
    ) -> IpcResult<()> {
        Ok(self
            .store()?
            .set_series_choice(source_id, series_id, choice)?)
    }

    /// Remembers the file chosen in "Save as…" for the week `key`.
    pub fn set_save_target(&self, key: &str, path: PathBuf) -> IpcResult<()> {
        let key = key.parse::<WeekKey>()?;
        *self
            .save_target
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some((key, path));
        Ok(())
    }

    /// Writes the week `key` again to the file last chosen for it in "Save as…".
    pub fn export_again(&self, key: &str, force: bool) -> IpcResult<ExportResult> {
        let path = self.save_target(key)?;
        self.export_file(key, &path, force)
    }

    /// Exports the week `key` into the vault set in the settings.
    pub fn export_to_vault(&self, key: &str, force: bool) -> IpcResult<ExportResult> {
        let template = self.template()?;
        Ok(vica_api::export::to_vault(
            &*self.store()?,
            &template,
            Some(key),
            force,
        )?)
    }

    /// The month or quarter `key` rolled up, or the one holding `date`,
    /// or the current one.
    pub fn period(
        &self,
        kind: vica_api::period::PeriodKind,
        key: Option<&str>,
        date: Option<chrono::NaiveDate>,
    ) -> IpcResult<vica_core::period::Period> {
        let store = self.store()?;
        Ok(match date {
            Some(date) => vica_api::period::period_holding(&store, kind, date)?,
            None => vica_api::period::period(&store, kind, key)?,
        })
    }

    /// Where the month or quarter `key`'s note goes in the vault.
    pub fn period_note(&self, kind: vica_api::period::PeriodKind, key: &str) -> IpcResult<PathBuf> {
        let store = self.store()?;
        let period = kind.key(&store, Some(key))?;
        Ok(vica_api::period::vault(&store)?.path_for(period))
    }

    /// Writes the month or quarter `key` into the vault, with the user's
    /// period template (`period.md.j2` in the config folder) or the default.
    pub fn export_period_to_vault(
        &self,
        kind: vica_api::period::PeriodKind,
        key: &str,
        force: bool,
    ) -> IpcResult<vica_api::period::PeriodExportResult> {
        let template = vica_api::period::template(self.config_dir.as_deref())?;
        Ok(vica_api::period::to_vault(
            &*self.store()?,
            &template,
            kind,
            Some(key),
            force,
        )?)
    }

    /// The last [`HISTORY_WEEKS`] weeks up to this one, which have a
    /// reflection, and the streak.
    pub fn history(&self) -> IpcResult<ReviewHistory> {
        let store = self.store()?;
        let settings = store.settings()?;
        let current = WeekKey::current(settings.zone(), settings.week_start);
        Ok(ReviewHistory::load(
            &store,
            current,
            settings.week_start,
            HISTORY_WEEKS,
        )?)
    }

    /// The window's connection itself, for calls that lock it only briefly
    /// across an await (connecting an account; see `crate::accounts`).
    pub fn shared_store(&self) -> IpcResult<&Mutex<Store>> {
        self.store.as_ref().map_err(Clone::clone)
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
        vica_demo::install(&mut state.store().unwrap(), today).unwrap();
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

    /// A state over a fresh data dir, with no user template.
    fn fresh() -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::create_dir_all(&config).unwrap();
        let state = AppState::open_in(&dir.path().join("data")).with_config_dir(&config);
        (dir, state)
    }

    #[test]
    fn a_week_goes_into_the_vault_and_edits_outside_the_markers_survive() {
        let (dir, state) = fresh();
        let err = state.export_to_vault("2026-W47", false).unwrap_err();
        assert_eq!(err.code, "invalid_setting", "{err}");

        let vault = dir.path().join("vault");
        std::fs::create_dir_all(&vault).unwrap();
        state.set_vault_dir(Some(&vault)).unwrap();
        let mut settings = state.settings().unwrap();
        settings.vault_pattern = "Reviews/{year}-W{week}.md".into();
        state.save_settings(&settings).unwrap();
        state
            .save_reflection(
                "2026-W47",
                &Reflection {
                    went_well: "Shipped".into(),
                    ..Reflection::default()
                },
            )
            .unwrap();

        let first = state.export_to_vault("2026-W47", false).unwrap();
        let path = vault.join("Reviews").join("2026-W47.md");
        assert_eq!(first.path, path.display().to_string());
        assert_eq!(first.outcome, crate::export::Outcome::Created);
        assert_eq!(first.warning, None);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("---\n"), "{text}");
        assert!(text.contains("2026-W47"), "{text}");
        assert!(text.contains(vica_core::export::BEGIN_MARKER));
        assert!(text.contains("Shipped"));

        std::fs::write(&path, format!("{text}\nMy own words.\n")).unwrap();
        let again = state.export_to_vault("2026-W47", false).unwrap();
        assert!(
            matches!(
                again.outcome,
                crate::export::Outcome::Updated | crate::export::Outcome::Unchanged
            ),
            "{again:?}"
        );
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains("My own words.")
        );

        // Without markers the file is the user's: left alone, unless forced.
        std::fs::write(&path, "Rewritten by hand\n").unwrap();
        let conflict = state.export_to_vault("2026-W47", false).unwrap();
        assert_eq!(conflict.outcome, crate::export::Outcome::Conflict);
        assert!(conflict.conflict.as_deref().unwrap().contains("markers"));
        assert!(!conflict.can_merge);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "Rewritten by hand\n"
        );
        let forced = state.export_to_vault("2026-W47", true).unwrap();
        assert_eq!(forced.outcome, crate::export::Outcome::Overwritten);
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains(vica_core::export::BEGIN_MARKER)
        );
    }

    #[test]
    fn a_vault_that_is_gone_or_a_bad_pattern_is_an_error() {
        let (dir, state) = fresh();
        // A folder that is not there is refused, as the CLI refuses it.
        let gone = dir.path().join("gone");
        assert_eq!(
            state.set_vault_dir(Some(&gone)).unwrap_err().code,
            "invalid_setting"
        );
        // Chosen while it was there, then removed: exporting says so.
        std::fs::create_dir_all(&gone).unwrap();
        state.set_vault_dir(Some(&gone)).unwrap();
        std::fs::remove_dir(&gone).unwrap();
        assert_eq!(
            state.export_to_vault("2026-W47", false).unwrap_err().code,
            "io"
        );
        state.set_vault_dir(Some(dir.path())).unwrap();
        for bad in ["../{week}.md", ".obsidian/{week}.md", "{week}.pth"] {
            let mut settings = state.settings().unwrap();
            settings.vault_pattern = bad.into();
            let err = state.save_settings(&settings).unwrap_err();
            assert_eq!(err.code, "invalid_setting", "{bad}: {err}");
        }
        assert_eq!(
            state.settings().unwrap().vault_pattern,
            vica_core::export::DEFAULT_PATTERN
        );
    }

    #[test]
    fn the_window_cannot_set_the_vault_folder() {
        let (dir, state) = fresh();
        let elsewhere = dir.path().join("site-packages");
        std::fs::create_dir_all(&elsewhere).unwrap();
        // What a script in the web view would send: the settings with a folder of its choosing.
        let mut settings = state.settings().unwrap();
        settings.vault_dir = Some(elsewhere.display().to_string());
        settings.sync_interval_minutes = 30;
        state.save_settings(&settings).unwrap();
        let saved = state.settings().unwrap();
        assert_eq!(saved.vault_dir, None, "the folder was not taken");
        assert_eq!(saved.sync_interval_minutes, 30, "the rest was saved");
        assert_eq!(
            state.export_to_vault("2026-W47", false).unwrap_err().code,
            "invalid_setting"
        );

        // Chosen in the dialog, it stays whatever the window sends next.
        let vault = dir.path().join("vault");
        std::fs::create_dir_all(&vault).unwrap();
        state.set_vault_dir(Some(&vault)).unwrap();
        state.save_settings(&settings).unwrap();
        assert_eq!(
            state.settings().unwrap().vault_dir,
            Some(vault.display().to_string())
        );
        settings.vault_dir = None;
        state.save_settings(&settings).unwrap();
        assert!(
            state.settings().unwrap().vault_dir.is_some(),
            "nor cleared by it"
        );
        assert!(std::fs::read_dir(&elsewhere).unwrap().next().is_none());
    }

    #[test]
    fn a_broken_user_template_falls_back_with_its_line_and_column() {
        let (dir, state) = fresh();
        std::fs::write(
            dir.path().join("config").join("export.md.j2"),
            "# {{ week.label }}\n\nBroken {{ week.key }\n",
        )
        .unwrap();
        let (_, rendered) = state.markdown(Some("2026-W47")).unwrap();
        assert!(rendered.text.contains("2026-W47"), "the default template");
        let warning = crate::export::TemplateWarning::from(rendered.warning.unwrap());
        assert_eq!(warning.line, Some(3));
        assert!(warning.column.is_some());
        assert!(warning.text.contains("export.md.j2:3:"), "{}", warning.text);

        let path = dir.path().join("note.md");
        let saved = state.export_file("2026-W47", &path, false).unwrap();
        assert_eq!(saved.warning.unwrap().line, Some(3));
    }

    #[test]
    fn save_as_writes_again_only_to_the_file_chosen_for_that_week() {
        let (dir, state) = fresh();
        assert_eq!(
            state.export_again("2026-W47", false).unwrap_err().code,
            "not_found"
        );
        let path = dir.path().join("mine.md");
        std::fs::write(&path, "not a Vica note\n").unwrap();
        state.set_save_target("2026-W47", path.clone()).unwrap();
        let first = state.export_file("2026-W47", &path, false).unwrap();
        assert_eq!(first.outcome, crate::export::Outcome::Conflict);
        assert_eq!(
            state.export_again("2026-W46", true).unwrap_err().code,
            "not_found",
            "another week never reuses the file"
        );
        let forced = state.export_again("2026-W47", true).unwrap();
        assert_eq!(forced.outcome, crate::export::Outcome::Overwritten);
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains("week: \"2026-W47\"")
        );
    }

    #[test]
    fn the_file_name_offered_follows_the_vault_pattern() {
        let (dir, state) = fresh();
        assert_eq!(
            state.suggested_file("2026-W07").unwrap(),
            ("2026-W07.md".to_owned(), None)
        );
        state.set_vault_dir(Some(dir.path())).unwrap();
        let mut settings = state.settings().unwrap();
        settings.vault_pattern = "Journal/{start} review.md".into();
        state.save_settings(&settings).unwrap();
        assert_eq!(
            state.suggested_file("2026-W47").unwrap(),
            (
                "2026-11-16 review.md".to_owned(),
                Some(dir.path().to_path_buf())
            )
        );
    }

    #[test]
    fn the_history_marks_written_weeks_and_counts_the_streak() {
        let (_dir, state) = fresh();
        let history = state.history().unwrap();
        assert_eq!(history.weeks.len(), HISTORY_WEEKS);
        assert_eq!(history.streak, 0);
        let current = history.current;
        let text = Reflection {
            notes: "done".into(),
            ..Reflection::default()
        };
        state.save_reflection(&current.to_string(), &text).unwrap();
        state
            .save_reflection(&current.previous().to_string(), &text)
            .unwrap();
        let history = state.history().unwrap();
        assert_eq!(history.streak, 2);
        assert!(history.weeks[0].is_current && history.weeks[0].written);
        assert!(history.weeks[1].written && !history.weeks[2].written);
    }
}
