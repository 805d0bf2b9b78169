//! The settings: read, validated and saved by the same code whether the
//! Settings dialog sends them whole or `vica config set` changes one key.
//!
//! Validation is [`Settings::validate`] (the store runs it again before it
//! writes); a value `vica config` cannot even read is refused here with
//! what is accepted. The vault folder is never taken from the window: only
//! the app's native folder dialog and `vica config set vault_dir DIR` set
//! it, both through [`set_vault_dir`], which accepts an existing folder only.

use std::path::{Path, PathBuf};

use vica_core::Store;
use vica_core::categories::TitleRule;
use vica_core::settings::{Reminder, Settings, WeekStart, WorkingHoursSetting};

use crate::{Error, Result};

/// The keys `vica config` knows, in the order `vica config list` shows them.
pub const KEYS: &[&str] = &[
    "time_zone",
    "week_start",
    "sync_interval_minutes",
    "sync_weeks_back",
    "sync_weeks_ahead",
    "show_declined",
    "working_hours.start",
    "working_hours.end",
    "working_hours.days",
    "time_rules.count_tentative",
    "time_rules.count_unanswered",
    "time_rules.solo_is_focus",
    "time_rules.personal_sources",
    "time_rules.title_rules",
    "reminder",
    "vault_pattern",
    "vault_period_pattern",
    "vault_dir",
    "history_since",
];

/// The settings as stored.
pub fn get(store: &Store) -> Result<Settings> {
    Ok(store.settings()?)
}

/// Validates and saves the settings the window sent, all but the vault
/// folder, which only [`set_vault_dir`] sets: whatever the window sends for
/// it is ignored. Nothing is written if a setting is invalid.
pub fn save(store: &mut Store, settings: &Settings) -> Result<Settings> {
    let mut settings = settings.clone();
    settings.vault_dir = store.settings()?.vault_dir;
    settings.validate()?;
    // The working days as the core keeps them: Monday first, each once.
    settings.working_hours.days = settings
        .working_hours
        .parse()?
        .days
        .into_iter()
        .map(|d| vica_core::insights::weekday_name(d).to_owned())
        .collect();
    store.save_settings(&settings)?;
    Ok(settings)
}

/// Why saving would refuse these working hours, in the words the refusal
/// would use; `None` when they are fine. The Settings dialog shows it as
/// the user edits, before saving.
pub fn working_hours_problem(hours: &WorkingHoursSetting) -> Option<String> {
    match hours.parse() {
        Ok(_) => None,
        Err(vica_core::Error::InvalidSetting { reason, .. }) => Some(reason),
        Err(other) => Some(other.to_string()),
    }
}

/// A vault folder as the native folder dialog gives one: an existing
/// folder, made absolute.
pub fn vault_folder(dir: &Path) -> Result<PathBuf> {
    let bad = |reason: String| vica_core::Error::InvalidSetting {
        key: "vault_dir".into(),
        reason,
    };
    if dir.as_os_str().is_empty() {
        return Err(bad("give a folder (an empty value clears it)".into()).into());
    }
    let absolute = std::path::absolute(dir)
        .map_err(|e| bad(format!("{} cannot be used: {e}", dir.display())))?;
    if !absolute.is_dir() {
        return Err(bad(format!(
            "{} is not an existing folder; give the folder your notes are in",
            absolute.display()
        ))
        .into());
    }
    Ok(absolute)
}

/// Sets the vault folder (an existing folder, see [`vault_folder`]) or
/// clears it; the settings as saved.
pub fn set_vault_dir(store: &mut Store, dir: Option<&Path>) -> Result<Settings> {
    let mut settings = store.settings()?;
    settings.vault_dir = match dir {
        Some(dir) => Some(vault_folder(dir)?.display().to_string()),
        None => None,
    };
    settings.validate()?;
    store.save_settings(&settings)?;
    Ok(settings)
}

/// Every key with its value, as `vica config list` shows them.
pub fn list(settings: &Settings) -> Vec<(&'static str, String)> {
    KEYS.iter()
        .map(|key| (*key, value(settings, key).unwrap_or_default()))
        .collect()
}

/// The value of `key`, written as `vica config set` accepts it.
pub fn value(settings: &Settings, key: &str) -> Result<String> {
    let days = |days: &[String]| days.join(",");
    Ok(match key {
        "time_zone" => settings
            .time_zone
            .clone()
            .unwrap_or_else(|| "system".into()),
        "week_start" => match settings.week_start {
            WeekStart::Monday => "monday".into(),
            WeekStart::Sunday => "sunday".into(),
        },
        "sync_interval_minutes" => settings.sync_interval_minutes.to_string(),
        "sync_weeks_back" => settings.sync_weeks_back.to_string(),
        "sync_weeks_ahead" => settings.sync_weeks_ahead.to_string(),
        "show_declined" => settings.show_declined.to_string(),
        "working_hours.start" => settings.working_hours.start.clone(),
        "working_hours.end" => settings.working_hours.end.clone(),
        "working_hours.days" => days(&settings.working_hours.days),
        "time_rules.count_tentative" => settings.time_rules.count_tentative.to_string(),
        "time_rules.count_unanswered" => settings.time_rules.count_unanswered.to_string(),
        "time_rules.solo_is_focus" => settings.time_rules.solo_is_focus.to_string(),
        "time_rules.personal_sources" => settings
            .time_rules
            .personal_sources
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(","),
        "time_rules.title_rules" => serde_json::to_string(&settings.time_rules.title_rules)
            .map_err(|e| invalid(key, e.to_string()))?,
        "reminder" => match &settings.reminder {
            Some(r) => format!("{} {}", r.weekday, r.time),
            None => "off".into(),
        },
        "vault_pattern" => settings.vault_pattern.clone(),
        "vault_period_pattern" => settings.vault_period_pattern.clone(),
        "vault_dir" => settings.vault_dir.clone().unwrap_or_default(),
        "history_since" => settings
            .history_since
            .map_or_else(|| "off".into(), |d| d.to_string()),
        _ => return Err(Error::UnknownSetting { key: key.into() }),
    })
}

/// Sets one key from its text (as `vica config set KEY VALUE` gives it),
/// validated like the Settings dialog's save; the settings as saved.
/// Nothing is written when the value is refused.
pub fn set(store: &mut Store, key: &str, text: &str) -> Result<Settings> {
    if key == "vault_dir" {
        let text = text.trim();
        return set_vault_dir(store, (!text.is_empty()).then(|| Path::new(text)));
    }
    let mut settings = store.settings()?;
    apply(&mut settings, key, text)?;
    save(store, &settings)
}

/// Changes `key` in `settings` to the value `text` names, or says what the
/// key accepts. The whole is validated when saved.
pub fn apply(settings: &mut Settings, key: &str, text: &str) -> Result<()> {
    let text = text.trim();
    let number = |accepts: &str| {
        text.parse::<u32>()
            .map_err(|_| invalid(key, format!("{text:?} is not a whole number; {accepts}")))
    };
    let flag = || match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Ok(true),
        "false" | "no" | "off" => Ok(false),
        _ => Err(invalid(key, format!("{text:?} is not true or false"))),
    };
    let list = || -> Vec<String> {
        text.split(',')
            .map(|d| d.trim().to_ascii_lowercase())
            .filter(|d| !d.is_empty() && d != "none")
            .collect()
    };
    match key {
        "time_zone" => {
            settings.time_zone = if text.eq_ignore_ascii_case("system") || text.is_empty() {
                None
            } else {
                vica_core::settings::parse_tz(text).map_err(|_| {
                    invalid(
                        key,
                        format!(
                            "{text:?} is not a time zone; give an IANA name like Europe/Berlin, or system to follow the computer's"
                        ),
                    )
                })?;
                Some(text.to_owned())
            }
        }
        "week_start" => settings.week_start = text.parse()?,
        "sync_interval_minutes" => {
            settings.sync_interval_minutes = number("give minutes between syncs, 1 to 1440")?
        }
        "sync_weeks_back" => settings.sync_weeks_back = number("give weeks, 1 to 520")?,
        "sync_weeks_ahead" => settings.sync_weeks_ahead = number("give weeks, 1 to 104")?,
        "show_declined" => settings.show_declined = flag()?,
        "working_hours.start" => settings.working_hours.start = text.to_owned(),
        "working_hours.end" => settings.working_hours.end = text.to_owned(),
        "working_hours.days" => settings.working_hours.days = list(),
        "time_rules.count_tentative" => settings.time_rules.count_tentative = flag()?,
        "time_rules.count_unanswered" => settings.time_rules.count_unanswered = flag()?,
        "time_rules.solo_is_focus" => settings.time_rules.solo_is_focus = flag()?,
        "time_rules.personal_sources" => {
            settings.time_rules.personal_sources = list()
                .iter()
                .map(|id| {
                    id.parse::<i64>().map_err(|_| {
                        invalid(
                            key,
                            format!(
                                "{id:?} is not a source id; give ids separated by commas (`vica status` lists the sources), or none"
                            ),
                        )
                    })
                })
                .collect::<Result<_>>()?
        }
        "time_rules.title_rules" => {
            settings.time_rules.title_rules = if text.is_empty() || text == "none" {
                Vec::new()
            } else {
                serde_json::from_str::<Vec<TitleRule>>(text).map_err(|e| {
                    invalid(
                        key,
                        format!(
                            "{e}; give a JSON list like [{{\"pattern\":\"lunch\",\"assign\":\"excluded\"}}] (assign: excluded, meetings, focus, personal or other), or none"
                        ),
                    )
                })?
            }
        }
        "reminder" => {
            settings.reminder = match text.split_whitespace().collect::<Vec<_>>().as_slice() {
                [] | ["off"] | ["none"] => None,
                [weekday, time] => Some(Reminder {
                    weekday: weekday.to_ascii_lowercase(),
                    time: (*time).to_owned(),
                }),
                _ => {
                    return Err(invalid(
                        key,
                        format!("{text:?} is not a day and a time; give one like \"friday 16:30\", or off"),
                    ));
                }
            }
        }
        "vault_pattern" => settings.vault_pattern = text.to_owned(),
        "vault_period_pattern" => settings.vault_period_pattern = text.to_owned(),
        "vault_dir" => {
            let dir = (!text.is_empty())
                .then(|| vault_folder(Path::new(text)))
                .transpose()?;
            settings.vault_dir = dir.map(|d| d.display().to_string());
        }
        "history_since" => {
            settings.history_since = if text.is_empty() || text.eq_ignore_ascii_case("off") {
                None
            } else {
                Some(parse_history_since(text)?)
            }
        }
        _ => return Err(Error::UnknownSetting { key: key.into() }),
    }
    Ok(())
}

/// A day to import history back to, as `vica config set history_since` and
/// `vica sync --since` give it: `YYYY-MM-DD`, from 1970-01-01 up to today.
pub fn parse_history_since(text: &str) -> Result<chrono::NaiveDate> {
    let text = text.trim();
    let since = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        invalid(
            "history_since",
            format!("{text:?} is not a date; give one like 2024-01-01 (YYYY-MM-DD), from 1970-01-01 up to today, or off"),
        )
    })?;
    let today = chrono::Local::now()
        .date_naive()
        .max(chrono::Utc::now().date_naive());
    vica_core::settings::check_history_since(since, today)?;
    Ok(since)
}

fn invalid(key: &str, reason: String) -> Error {
    vica_core::Error::InvalidSetting {
        key: key.into(),
        reason,
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dialog_hears_the_working_hours_refusal_before_saving_and_days_are_kept_in_order() {
        let ok = WorkingHoursSetting {
            start: "08:00".into(),
            end: "16:30".into(),
            days: vec![
                "sunday".into(),
                "thursday".into(),
                "monday".into(),
                "thursday".into(),
            ],
        };
        assert_eq!(working_hours_problem(&ok), None);
        let with = |start: &str, end: &str, days: &[&str]| WorkingHoursSetting {
            start: start.into(),
            end: end.into(),
            days: days.iter().map(|d| d.to_string()).collect(),
        };
        let cases = [
            (
                with("", "16:30", &["monday"]),
                "the start time must be HH:MM, like 09:00",
            ),
            (
                with("8:00", "16:30", &["monday"]),
                "the start time must be HH:MM, like 09:00",
            ),
            (
                with("08:00", "24:00", &["monday"]),
                "the end time must be HH:MM, like 17:00",
            ),
            (
                with("08:00", "08:00", &["monday"]),
                "the end time must be after the start time",
            ),
            (
                with("16:30", "09:00", &["monday"]),
                "the end time must be after the start time",
            ),
            (
                with("08:00", "16:30", &[]),
                "choose at least one working day",
            ),
        ];
        let mut store = Store::open_in_memory().unwrap();
        for (hours, reason) in cases {
            assert_eq!(working_hours_problem(&hours).as_deref(), Some(reason));
            // The same words as the refusal on save.
            let settings = Settings {
                working_hours: hours,
                ..Settings::default()
            };
            let err = save(&mut store, &settings).unwrap_err().to_string();
            assert!(err.contains(reason), "{err}");
        }
        assert_eq!(
            working_hours_problem(&with("09:59", "10:00", &["monday"])),
            None
        );

        let saved = save(
            &mut store,
            &Settings {
                working_hours: ok,
                ..Settings::default()
            },
        )
        .unwrap();
        assert_eq!(saved.working_hours.days, ["monday", "thursday", "sunday"]);
        assert_eq!(
            store.settings().unwrap().working_hours.days,
            ["monday", "thursday", "sunday"]
        );
    }

    #[test]
    fn every_key_round_trips_through_its_text() {
        let mut store = Store::open_in_memory().unwrap();
        let changes = [
            ("time_zone", "America/New_York"),
            ("week_start", "sunday"),
            ("sync_interval_minutes", "30"),
            ("sync_weeks_back", "52"),
            ("sync_weeks_ahead", "8"),
            ("show_declined", "true"),
            ("working_hours.start", "08:30"),
            ("working_hours.end", "16:00"),
            ("working_hours.days", "monday,wednesday,friday"),
            ("time_rules.count_tentative", "false"),
            ("time_rules.count_unanswered", "false"),
            ("time_rules.solo_is_focus", "false"),
            ("time_rules.personal_sources", "3,7"),
            (
                "time_rules.title_rules",
                r#"[{"pattern":"lunch","assign":"excluded"}]"#,
            ),
            ("reminder", "friday 16:30"),
            ("vault_pattern", "Reviews/{year}-W{week}.md"),
            ("history_since", "2024-01-01"),
            ("vault_period_pattern", "Reviews/{year}/{period}.md"),
        ];
        for (key, text) in changes {
            set(&mut store, key, text).unwrap();
            let saved = store.settings().unwrap();
            assert_eq!(value(&saved, key).unwrap(), text, "{key}");
        }
        assert_eq!(
            KEYS.len(),
            changes.len() + 1,
            "every key but vault_dir was set"
        );
        let all = list(&store.settings().unwrap());
        assert_eq!(all.len(), KEYS.len());
        // Back to the defaults through the same texts.
        for (key, text) in list(&Settings::default()) {
            if key != "vault_dir" {
                set(&mut store, key, &text).unwrap();
            }
        }
        assert_eq!(store.settings().unwrap(), Settings::default());
    }

    #[test]
    fn refusals_say_what_is_accepted_and_write_nothing() {
        let mut store = Store::open_in_memory().unwrap();
        let before = store.settings().unwrap();
        for (key, text, says) in [
            ("time_zone", "Mars/Olympus", "IANA name"),
            ("week_start", "tuesday", "monday or sunday"),
            ("sync_interval_minutes", "0", "between 1 and 1440"),
            ("sync_interval_minutes", "often", "whole number"),
            ("sync_weeks_back", "999", "1 to 520"),
            ("show_declined", "maybe", "true or false"),
            ("working_hours.start", "9am", "HH:MM"),
            ("working_hours.end", "08:00", "after the start"),
            ("working_hours.days", "funday", "weekday name"),
            ("working_hours.days", "", "at least one"),
            ("time_rules.title_rules", "lunch", "JSON list"),
            (
                "time_rules.title_rules",
                r#"[{"pattern":" ","assign":"focus"}]"#,
                "empty pattern",
            ),
            ("time_rules.personal_sources", "work", "source id"),
            ("reminder", "friday", "like \"friday 16:30\""),
            ("reminder", "someday 16:30", "weekday name"),
            ("vault_pattern", "../{week}.md", "inside the vault"),
            (
                "vault_period_pattern",
                "Reviews/{week}.md",
                "unknown placeholder",
            ),
            ("vault_dir", "/no/such/folder", "not an existing folder"),
            ("history_since", "2099-01-01", "in the future"),
            ("history_since", "1969-12-31", "before 1970-01-01"),
            ("history_since", "last year", "YYYY-MM-DD"),
            ("history_since", "2024-02-30", "YYYY-MM-DD"),
        ] {
            let err = set(&mut store, key, text).unwrap_err();
            assert_eq!(err.code(), "invalid_setting", "{key} {text}: {err}");
            assert!(err.to_string().contains(says), "{key} {text}: {err}");
            assert_eq!(store.settings().unwrap(), before, "{key} {text}");
        }
        let err = set(&mut store, "colour", "blue").unwrap_err();
        assert!(matches!(err, Error::UnknownSetting { .. }));
        assert!(err.to_string().contains("time_zone, week_start"), "{err}");
        assert!(value(&before, "colour").is_err());
    }

    #[test]
    fn the_vault_folder_is_an_existing_folder_made_absolute_and_the_window_cannot_set_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let file = dir.path().join("note.md");
        std::fs::write(&file, "").unwrap();
        assert!(set(&mut store, "vault_dir", file.to_str().unwrap()).is_err());
        let saved = set(&mut store, "vault_dir", dir.path().to_str().unwrap()).unwrap();
        assert_eq!(saved.vault_dir, Some(dir.path().display().to_string()));

        let mut sent = saved.clone();
        sent.vault_dir = Some("/elsewhere".into());
        sent.show_declined = true;
        let kept = save(&mut store, &sent).unwrap();
        assert_eq!(
            kept.vault_dir, saved.vault_dir,
            "the window's folder was not taken"
        );
        assert!(store.settings().unwrap().show_declined);

        set(&mut store, "vault_dir", "").unwrap();
        assert_eq!(store.settings().unwrap().vault_dir, None);
    }
}
