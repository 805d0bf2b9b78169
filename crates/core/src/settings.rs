//! The user's preferences. Stored by [`crate::Store::settings`], one row per key.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::categories::TimeRules;
use crate::{Error, Result};

/// The day a week starts on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeekStart {
    #[default]
    Monday,
    Sunday,
}

impl std::str::FromStr for WeekStart {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "monday" | "mon" => Ok(WeekStart::Monday),
            "sunday" | "sun" => Ok(WeekStart::Sunday),
            _ => Err(Error::InvalidSetting {
                key: "week_start".into(),
                reason: format!("{s:?} is not monday or sunday"),
            }),
        }
    }
}

/// All settings with their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub week_start: WeekStart,
    /// An IANA zone name; `None` follows the system's zone.
    pub time_zone: Option<String>,
    pub sync_interval_minutes: u32,
    /// Show events the user declined (they never count in totals).
    pub show_declined: bool,
    /// How far back the first sync of a calendar reaches, in weeks.
    pub sync_weeks_back: u32,
    /// How far ahead the first sync of a calendar reaches, in weeks.
    pub sync_weeks_ahead: u32,
    /// The notes vault weekly reviews are exported into, if any.
    pub vault_dir: Option<String>,
    /// File name of a week's note inside the vault: `{year}`, `{week}`, `{start}`, `{end}`.
    pub vault_pattern: String,
    /// A weekly reminder to do the review; off when `None`.
    pub reminder: Option<Reminder>,
    /// Which events count as time spent, and as what.
    pub time_rules: TimeRules,
}

/// When to remind the user of the weekly review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// "monday" … "sunday".
    pub weekday: String,
    /// Local time, "HH:MM".
    pub time: String,
}

impl Reminder {
    /// The weekday and time, checked.
    pub fn parse(&self) -> Result<(chrono::Weekday, chrono::NaiveTime)> {
        let bad = |reason: &str| Error::InvalidSetting {
            key: "reminder".into(),
            reason: reason.to_owned(),
        };
        let weekday = self
            .weekday
            .parse::<chrono::Weekday>()
            .map_err(|_| bad("the day must be a weekday name like friday"))?;
        let time = chrono::NaiveTime::parse_from_str(&self.time, "%H:%M")
            .map_err(|_| bad("the time must be HH:MM, like 16:30"))?;
        Ok((weekday, time))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            week_start: WeekStart::Monday,
            time_zone: None,
            sync_interval_minutes: 15,
            show_declined: false,
            sync_weeks_back: 26,
            sync_weeks_ahead: 4,
            vault_dir: None,
            vault_pattern: crate::export::DEFAULT_PATTERN.to_owned(),
            reminder: None,
            time_rules: TimeRules::default(),
        }
    }
}

impl Settings {
    /// Checks every value, so nothing invalid is ever stored.
    pub fn validate(&self) -> Result<()> {
        if let Some(tz) = &self.time_zone {
            parse_tz(tz)?;
        }
        if !(1..=24 * 60).contains(&self.sync_interval_minutes) {
            return Err(Error::InvalidSetting {
                key: "sync_interval_minutes".into(),
                reason: "must be between 1 and 1440 minutes".into(),
            });
        }
        if let Some(r) = &self.reminder {
            r.parse()?;
        }
        self.time_rules.validate()?;
        if self.vault_pattern.trim().is_empty() {
            return Err(Error::InvalidSetting {
                key: "vault_pattern".into(),
                reason: "the file-name pattern is empty".into(),
            });
        }
        if !(1..=520).contains(&self.sync_weeks_back) || !(1..=104).contains(&self.sync_weeks_ahead)
        {
            return Err(Error::InvalidSetting {
                key: "sync window".into(),
                reason: "reach back 1 to 520 weeks and ahead 1 to 104 weeks".into(),
            });
        }
        Ok(())
    }

    /// The zone the week is laid out in: the setting, else the system's, else UTC.
    pub fn zone(&self) -> Tz {
        self.time_zone
            .as_deref()
            .and_then(|name| parse_tz(name).ok())
            .or_else(system_zone)
            .unwrap_or(chrono_tz::UTC)
    }
}

/// Parses an IANA zone name.
pub fn parse_tz(name: &str) -> Result<Tz> {
    name.parse::<Tz>()
        .map_err(|_| Error::InvalidTimeZone(name.to_owned()))
}

/// The operating system's zone, if it names an IANA zone.
pub fn system_zone() -> Option<Tz> {
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| name.parse().ok())
}
