//! The user's preferences. Stored by [`crate::Store::settings`], one row per key.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::categories::TimeRules;
use crate::insights::WorkingHours;
use crate::{Error, Result};

/// The day a week starts on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
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

impl WeekStart {
    /// The seven weekdays in the order of a week that starts here.
    pub fn weekdays(self) -> [chrono::Weekday; 7] {
        let first = match self {
            WeekStart::Monday => chrono::Weekday::Mon,
            WeekStart::Sunday => chrono::Weekday::Sun,
        };
        let mut days = [first; 7];
        for i in 1..7 {
            days[i] = days[i - 1].succ();
        }
        days
    }
}

/// All settings with their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
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
    /// File name of a month's or quarter's note inside the vault: `{period}`
    /// (`2026-12`, `2026-Q4`), `{year}`, `{start}`, `{end}`.
    pub vault_period_pattern: String,
    /// A weekly reminder to do the review; off when `None`.
    pub reminder: Option<Reminder>,
    /// Which events count as time spent, and as what.
    pub time_rules: TimeRules,
    /// The hours of the week the longest free block is looked for in.
    pub working_hours: WorkingHoursSetting,
    /// Import history back to this day (local midnight), beyond the sync
    /// window: `None` imports nothing. See [`check_history_since`].
    pub history_since: Option<chrono::NaiveDate>,
}

/// The user's working hours as stored: local clock times and weekday names,
/// checked by [`WorkingHoursSetting::parse`]. One span a day, the same on
/// every working day; which days work is independent of the week start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct WorkingHoursSetting {
    /// Local start of the working day, "HH:MM".
    pub start: String,
    /// Local end of the working day, "HH:MM", after the start.
    pub end: String,
    /// The working days, "monday" … "sunday"; at least one.
    #[cfg_attr(test, ts(type = "Array<Weekday>"))]
    pub days: Vec<String>,
}

impl Default for WorkingHoursSetting {
    /// 09:00–17:00, Monday to Friday.
    fn default() -> Self {
        WorkingHoursSetting {
            start: "09:00".into(),
            end: "17:00".into(),
            days: ["monday", "tuesday", "wednesday", "thursday", "friday"]
                .map(String::from)
                .to_vec(),
        }
    }
}

impl WorkingHoursSetting {
    /// The working hours, checked: both times "HH:MM", the end after the
    /// start, at least one day and only weekday names. The days come back in
    /// order from Monday, each once.
    pub fn parse(&self) -> Result<WorkingHours> {
        let bad = |reason: String| Error::InvalidSetting {
            key: "working hours".into(),
            reason,
        };
        let clock = |value: &str, which: &str, example: &str| {
            chrono::NaiveTime::parse_from_str(value, "%H:%M")
                .ok()
                .filter(|_| value.len() == 5)
                .ok_or_else(|| bad(format!("the {which} time must be HH:MM, like {example}")))
        };
        let start = clock(&self.start, "start", "09:00")?;
        let end = clock(&self.end, "end", "17:00")?;
        if end <= start {
            return Err(bad("the end time must be after the start time".into()));
        }
        let mut days = Vec::with_capacity(7);
        for name in &self.days {
            let day = name
                .parse::<chrono::Weekday>()
                .map_err(|_| bad(format!("{name:?} is not a weekday name like monday")))?;
            if !days.contains(&day) {
                days.push(day);
            }
        }
        if days.is_empty() {
            return Err(bad("choose at least one working day".into()));
        }
        days.sort_by_key(|d| d.num_days_from_monday());
        Ok(WorkingHours { start, end, days })
    }
}

/// When to remind the user of the weekly review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Reminder {
    /// "monday" … "sunday".
    #[cfg_attr(test, ts(type = "Weekday"))]
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
            vault_period_pattern: crate::export::DEFAULT_PERIOD_PATTERN.to_owned(),
            reminder: None,
            time_rules: TimeRules::default(),
            working_hours: WorkingHoursSetting::default(),
            history_since: None,
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
        self.working_hours.parse()?;
        if let Some(since) = self.history_since {
            check_history_since(since, today())?;
        }
        if let Err(e) = crate::export::vault::check_pattern(&self.vault_pattern) {
            return Err(Error::InvalidSetting {
                key: "vault_pattern".into(),
                reason: match e {
                    crate::export::ExportError::Pattern { reason, .. } => reason,
                    other => other.to_string(),
                },
            });
        }
        if let Err(e) = crate::export::check_period_pattern(&self.vault_period_pattern) {
            return Err(Error::InvalidSetting {
                key: "vault_period_pattern".into(),
                reason: match e {
                    crate::export::ExportError::Pattern { reason, .. } => reason,
                    other => other.to_string(),
                },
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

    /// The working hours the week's insights look at: the setting, or the
    /// default (09:00–17:00, Monday to Friday) should a stored value not parse.
    pub fn working_hours(&self) -> WorkingHours {
        self.working_hours.parse().unwrap_or_default()
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

/// The earliest day history can be imported from.
pub const HISTORY_EARLIEST: chrono::NaiveDate = match chrono::NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("1970-01-01 is a date"),
};

/// Today as the latest of the local and the UTC calendar day, so a date that
/// is today anywhere the user might be is not "in the future".
fn today() -> chrono::NaiveDate {
    chrono::Local::now()
        .date_naive()
        .max(chrono::Utc::now().date_naive())
}

/// A day to import history back to: from 1970-01-01 up to `today`.
pub fn check_history_since(since: chrono::NaiveDate, today: chrono::NaiveDate) -> Result<()> {
    let bad = |reason: String| Error::InvalidSetting {
        key: "history_since".into(),
        reason,
    };
    if since > today {
        return Err(bad(format!(
            "{since} is in the future; give a past date (YYYY-MM-DD) from 1970-01-01 up to today ({today})"
        )));
    }
    if since < HISTORY_EARLIEST {
        return Err(bad(format!(
            "{since} is before 1970-01-01; give a date (YYYY-MM-DD) from 1970-01-01 up to today ({today})"
        )));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use chrono::{NaiveTime, Weekday};

    use super::*;

    fn hours(start: &str, end: &str, days: &[&str]) -> WorkingHoursSetting {
        WorkingHoursSetting {
            start: start.into(),
            end: end.into(),
            days: days.iter().map(|d| d.to_string()).collect(),
        }
    }

    /// The reason of an `InvalidSetting` about working hours, or a panic.
    fn refusal(setting: WorkingHoursSetting) -> String {
        let settings = Settings {
            working_hours: setting,
            ..Settings::default()
        };
        match settings.validate() {
            Err(Error::InvalidSetting { key, reason }) if key == "working hours" => reason,
            other => panic!("expected a working-hours refusal, got {other:?}"),
        }
    }

    #[test]
    fn history_since_is_a_past_date_from_1970() {
        let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        let today = day("2026-12-07");
        check_history_since(day("1970-01-01"), today).unwrap();
        check_history_since(day("2026-12-07"), today).unwrap();
        for (since, says) in [
            ("2026-12-08", "is in the future"),
            ("2030-01-01", "is in the future"),
            ("1969-12-31", "is before 1970-01-01"),
            ("1900-01-01", "is before 1970-01-01"),
        ] {
            match check_history_since(day(since), today) {
                Err(Error::InvalidSetting { key, reason }) if key == "history_since" => {
                    assert!(reason.contains(says), "{since}: {reason}");
                    assert!(reason.contains("YYYY-MM-DD"), "{since}: {reason}");
                }
                other => panic!("{since}: expected a refusal, got {other:?}"),
            }
        }
        // Through `validate`, against the real today.
        let future = Settings {
            history_since: Some(chrono::Utc::now().date_naive() + chrono::Duration::days(3)),
            ..Settings::default()
        };
        assert!(future.validate().is_err());
        let past = Settings {
            history_since: Some(day("2020-01-01")),
            ..Settings::default()
        };
        past.validate().unwrap();
    }

    #[test]
    fn a_period_pattern_is_checked_like_the_week_pattern() {
        for (pattern, ok) in [
            ("Reviews/{period}.md", true),
            ("{year}/{period}.md", true),
            ("../{period}.md", false),
            ("Reviews/{week}.md", false),
            ("Reviews/{year}.md", false),
        ] {
            let s = Settings {
                vault_period_pattern: pattern.into(),
                ..Settings::default()
            };
            match s.validate() {
                Ok(()) => assert!(ok, "{pattern} was accepted"),
                Err(Error::InvalidSetting { key, .. }) => {
                    assert!(!ok, "{pattern} was refused");
                    assert_eq!(key, "vault_period_pattern");
                }
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(
            Settings::default().vault_period_pattern,
            "Reviews/{period}.md"
        );
    }

    #[test]
    fn a_vault_pattern_is_checked_before_it_is_saved() {
        for (pattern, says) in [
            ("", "empty"),
            ("../{week}.md", "inside the vault"),
            (".obsidian/plugins/{week}.md", "hidden"),
            ("{week}.pth", "end in .md"),
        ] {
            let settings = Settings {
                vault_pattern: pattern.into(),
                ..Settings::default()
            };
            match settings.validate() {
                Err(Error::InvalidSetting { key, reason }) if key == "vault_pattern" => {
                    assert!(reason.contains(says), "{pattern:?}: {reason}")
                }
                other => panic!("{pattern:?}: expected a refusal, got {other:?}"),
            }
        }
        let fine = Settings {
            vault_pattern: "Reviews/{year}/{year}-W{week}.md".into(),
            ..Settings::default()
        };
        fine.validate().unwrap();
    }

    #[test]
    fn the_default_working_hours_are_nine_to_five_monday_to_friday() {
        let settings = Settings::default();
        settings.validate().unwrap();
        assert_eq!(settings.working_hours(), WorkingHours::default());
        let parsed = settings.working_hours.parse().unwrap();
        assert_eq!(
            (parsed.start, parsed.end),
            (
                NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                NaiveTime::from_hms_opt(17, 0, 0).unwrap()
            )
        );
        assert_eq!(
            parsed.days,
            [
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri
            ]
        );
    }

    #[test]
    fn settings_saved_before_working_hours_existed_read_as_the_default() {
        let old = serde_json::json!({"week_start": "sunday", "sync_interval_minutes": 30});
        let settings: Settings = serde_json::from_value(old).unwrap();
        assert_eq!(settings.week_start, WeekStart::Sunday);
        assert_eq!(settings.working_hours, WorkingHoursSetting::default());
    }

    #[test]
    fn working_days_come_back_in_order_once_each_whatever_the_spelling() {
        let parsed = hours("08:00", "16:30", &["Thursday", "sun", "monday", "SUNDAY"])
            .parse()
            .unwrap();
        assert_eq!(parsed.days, [Weekday::Mon, Weekday::Thu, Weekday::Sun]);
        assert_eq!(parsed.start, NaiveTime::from_hms_opt(8, 0, 0).unwrap());
        assert_eq!(parsed.end, NaiveTime::from_hms_opt(16, 30, 0).unwrap());
    }

    #[test]
    fn times_must_be_hh_mm() {
        for start in [
            "", "9:00", "09:0", "24:00", "09:60", "9am", "09:00:00", " 09:00",
        ] {
            assert_eq!(
                refusal(hours(start, "17:00", &["monday"])),
                "the start time must be HH:MM, like 09:00",
                "{start:?}"
            );
        }
        assert_eq!(
            refusal(hours("09:00", "5pm", &["monday"])),
            "the end time must be HH:MM, like 17:00"
        );
    }

    #[test]
    fn the_end_must_be_after_the_start() {
        for (start, end) in [("17:00", "09:00"), ("10:00", "10:00"), ("23:59", "00:00")] {
            assert_eq!(
                refusal(hours(start, end, &["monday"])),
                "the end time must be after the start time",
                "{start}–{end}"
            );
        }
        hours("00:00", "23:59", &["monday"]).parse().unwrap();
        hours("10:00", "10:01", &["monday"]).parse().unwrap();
    }

    #[test]
    fn at_least_one_real_weekday() {
        assert_eq!(
            refusal(hours("09:00", "17:00", &[])),
            "choose at least one working day"
        );
        assert_eq!(
            refusal(hours("09:00", "17:00", &["monday", "someday"])),
            "\"someday\" is not a weekday name like monday"
        );
    }

    #[test]
    fn an_unreadable_stored_value_falls_back_to_the_default_hours() {
        // `validate` keeps such values out of the store; should one be there
        // anyway, the week still has working hours.
        let settings = Settings {
            working_hours: hours("late", "early", &[]),
            ..Settings::default()
        };
        assert_eq!(settings.working_hours(), WorkingHours::default());
    }
}
