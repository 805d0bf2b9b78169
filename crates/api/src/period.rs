//! Months and quarters: the weeks of a calendar month or quarter rolled up
//! (`vica_core::period`), as data for the window and `vica month --json`,
//! as Markdown, and written into the vault (`Reviews/2026-Q4.md` by
//! default, `Settings::vault_period_pattern`).

use std::path::Path;

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use vica_core::Store;
use vica_core::export::{
    PeriodVault, Rendered, Template, WriteOutcome, render_period, user_period_template,
};
use vica_core::period::{Period, PeriodKey};

use crate::export::{Outcome, TemplateWarning};
use crate::{Error, Result};

/// A month or a quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Quarter,
}

impl PeriodKind {
    /// `key` read as this kind (`2026-12` for a month, `2026-Q4` for a
    /// quarter), or the one holding today in the user's zone.
    pub fn key(self, store: &Store, key: Option<&str>) -> Result<PeriodKey> {
        Ok(match (self, key) {
            (PeriodKind::Month, Some(k)) => PeriodKey::parse_month(k)?,
            (PeriodKind::Quarter, Some(k)) => PeriodKey::parse_quarter(k)?,
            (kind, None) => {
                let today = Utc::now()
                    .with_timezone(&store.settings()?.zone())
                    .date_naive();
                match kind {
                    PeriodKind::Month => PeriodKey::month_of(today),
                    PeriodKind::Quarter => PeriodKey::quarter_of(today),
                }
            }
        })
    }
}

/// The month or quarter `key`, or the current one.
pub fn period(store: &Store, kind: PeriodKind, key: Option<&str>) -> Result<Period> {
    let settings = store.settings()?;
    Ok(Period::load(store, kind.key(store, key)?, &settings)?)
}

/// The month or quarter that holds `date`.
pub fn period_holding(store: &Store, kind: PeriodKind, date: NaiveDate) -> Result<Period> {
    let key = match kind {
        PeriodKind::Month => PeriodKey::month_of(date),
        PeriodKind::Quarter => PeriodKey::quarter_of(date),
    };
    Ok(Period::load(store, key, &store.settings()?)?)
}

/// The user's month and quarter template (`period.md.j2` in `config_dir`),
/// or the default one; a broken one falls back when rendering, with a warning.
pub fn template(config_dir: Option<&Path>) -> Result<Template> {
    match config_dir {
        Some(dir) => Ok(user_period_template(dir)?),
        None => Ok(vica_core::export::period::builtin_period_template()),
    }
}

/// The period as Markdown, as printed or copied: no markers.
pub fn markdown(
    store: &Store,
    template: &Template,
    kind: PeriodKind,
    key: Option<&str>,
) -> Result<(Period, Rendered)> {
    let period = period(store, kind, key)?;
    let rendered = render_period(&period, template);
    Ok((period, rendered))
}

/// One period's note written into the vault (or left alone: a conflict).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct PeriodExportResult {
    /// `2026-12`, `2026-Q4`.
    pub period: String,
    /// The note's full path.
    pub path: String,
    pub outcome: Outcome,
    /// Why the file was left alone, for people.
    pub conflict: Option<String>,
    /// Whether exporting again without overwriting may work.
    pub can_merge: bool,
    /// The user's template failed and the default one was used.
    pub warning: Option<TemplateWarning>,
}

impl PeriodExportResult {
    fn new(
        period: PeriodKey,
        path: &Path,
        outcome: WriteOutcome,
        warning: Option<vica_core::export::TemplateError>,
    ) -> PeriodExportResult {
        let (outcome, conflict, can_merge) = Outcome::of(outcome);
        PeriodExportResult {
            period: period.to_string(),
            path: path.display().to_string(),
            outcome,
            conflict,
            can_merge,
            warning: warning.map(TemplateWarning::from),
        }
    }
}

/// The vault for months and quarters set in the settings.
pub fn vault(store: &Store) -> Result<PeriodVault> {
    let settings = store.settings()?;
    let Some(dir) = settings
        .vault_dir
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    else {
        return Err(Error::NoVault);
    };
    Ok(PeriodVault::new(dir, &settings.vault_period_pattern)?)
}

/// Writes the month or quarter `key` (or the current one) into the vault.
pub fn to_vault(
    store: &Store,
    template: &Template,
    kind: PeriodKind,
    key: Option<&str>,
    force: bool,
) -> Result<PeriodExportResult> {
    let vault = vault(store)?;
    let period = period(store, kind, key)?;
    let out = vault.export(&period, template, force)?;
    Ok(PeriodExportResult::new(
        out.period,
        &out.path,
        out.outcome,
        out.warning,
    ))
}

/// Renders the period and writes it to `path` (markers, no clobbering unless `force`).
pub fn to_file(
    store: &Store,
    template: &Template,
    kind: PeriodKind,
    key: Option<&str>,
    path: &Path,
    force: bool,
) -> Result<PeriodExportResult> {
    let (period, rendered) = markdown(store, template, kind, key)?;
    let outcome = vica_core::export::write_note(path, &rendered.text, force)?;
    Ok(PeriodExportResult::new(
        period.key,
        path,
        outcome,
        rendered.warning,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_vault(vault: &Path) -> Store {
        let mut store = Store::open_in_memory().unwrap();
        let settings = vica_core::settings::Settings {
            time_zone: Some("Europe/Berlin".into()),
            vault_dir: Some(vault.display().to_string()),
            ..Default::default()
        };
        store.save_settings(&settings).unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        vica_core::demo::install(&mut store, today).unwrap();
        store
    }

    #[test]
    fn a_quarter_and_a_month_go_to_their_notes_in_the_vault() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_vault(dir.path());
        let t = template(None).unwrap();
        let q = to_vault(&store, &t, PeriodKind::Quarter, Some("2026-Q4"), false).unwrap();
        assert_eq!(q.period, "2026-Q4");
        assert_eq!(q.outcome, Outcome::Created);
        assert_eq!(
            Path::new(&q.path),
            dir.path().join("Reviews").join("2026-Q4.md")
        );
        let m = to_vault(&store, &t, PeriodKind::Month, Some("2026-11"), false).unwrap();
        assert_eq!(
            Path::new(&m.path),
            dir.path().join("Reviews").join("2026-11.md")
        );
        let again = to_vault(&store, &t, PeriodKind::Month, Some("2026-11"), false).unwrap();
        assert_eq!(again.outcome, Outcome::Unchanged);
        let (p, rendered) = markdown(&store, &t, PeriodKind::Month, Some("2026-11")).unwrap();
        assert!(rendered.text.contains("# November 2026"));
        assert!(p.totals.event_minutes > 0);
    }

    #[test]
    fn a_key_of_the_wrong_kind_is_refused_with_its_code() {
        let store = Store::open_in_memory().unwrap();
        for (kind, key) in [
            (PeriodKind::Month, "2026-Q4"),
            (PeriodKind::Quarter, "2026-12"),
            (PeriodKind::Month, "2026-13"),
            (PeriodKind::Quarter, "1969-Q1"),
        ] {
            let e = period(&store, kind, Some(key)).unwrap_err();
            assert_eq!(e.code(), "invalid_period", "{key}");
        }
        // The current month and quarter hold today.
        let today = Utc::now().date_naive();
        let m = period(&store, PeriodKind::Month, None).unwrap();
        assert!((m.first_day - today).num_days().abs() <= 31);
        let q = period(&store, PeriodKind::Quarter, None).unwrap();
        assert!(q.first_day <= m.first_day && q.last_day >= m.last_day);
    }
}
