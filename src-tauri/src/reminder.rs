//! The weekly reminder: once a week, when the local time passes the time set
//! in the settings on the day set there, a system notification says it is
//! time for the weekly review. Off unless the user turns it on.
//!
//! [`due`] is the whole decision, a pure function of the local time, the
//! reminder and the week it last fired; [`schedule`] asks it every minute.
//! The week it last fired is kept in memory only.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, NaiveDateTime, Utc};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use vica_core::settings::{Reminder, WeekStart};
use vica_core::week::WeekKey;

use crate::state::AppState;

/// How often the schedule looks whether the reminder is due.
const TICK: Duration = Duration::from_secs(60);

/// The notification's title and text.
pub const TITLE: &str = "Vica";
pub const BODY: &str = "Time for your weekly review";

/// The (ISO) week to remember as reminded when the reminder is due at the
/// local time `now`, or `None`.
///
/// Due on the reminder's weekday once the local time has reached its time,
/// unless it already fired this week. A reminder that is off or does not
/// parse is never due. A day missed (the app was closed all that day) is not
/// made up later in the week.
pub fn due(
    now: NaiveDateTime,
    reminder: Option<&Reminder>,
    last_fired: Option<WeekKey>,
) -> Option<WeekKey> {
    let (weekday, time) = reminder?.parse().ok()?;
    let week = WeekKey::containing(now.date(), WeekStart::Monday);
    let reached = now.weekday() == weekday && now.time() >= time;
    (reached && last_fired != Some(week)).then_some(week)
}

/// Where the reminder goes: the system's notifications in the app, a list in tests.
pub trait Notifier: Send + Sync + 'static {
    fn notify(&self, title: &str, body: &str);
}

impl<R: Runtime> Notifier for AppHandle<R> {
    fn notify(&self, title: &str, body: &str) {
        if let Err(err) = self.notification().builder().title(title).body(body).show() {
            eprintln!("vica: cannot show the weekly reminder: {err}");
        }
    }
}

/// Looks every minute whether the reminder is due, with the settings read
/// afresh each time (a changed reminder applies at once).
pub fn schedule<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    let notifier: Arc<dyn Notifier> = Arc::new(app.clone());
    tauri::async_runtime::spawn(async move {
        let mut last_fired: Option<WeekKey> = None;
        loop {
            // The store may have failed to open: then there is no reminder.
            if let Ok(settings) = app.state::<AppState>().settings() {
                let now = Utc::now().with_timezone(&settings.zone()).naive_local();
                if let Some(week) = due(now, settings.reminder.as_ref(), last_fired) {
                    last_fired = Some(week);
                    notifier.notify(TITLE, BODY);
                }
            }
            tokio::time::sleep(TICK).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn friday_1630() -> Reminder {
        Reminder {
            weekday: "friday".into(),
            time: "16:30".into(),
        }
    }

    fn key(s: &str) -> WeekKey {
        s.parse().unwrap()
    }

    // 2026-11-20 is the Friday of 2026-W47.
    #[test]
    fn due_on_the_day_once_the_time_has_passed() {
        let r = friday_1630();
        assert_eq!(due(at("2026-11-20 16:29"), Some(&r), None), None);
        assert_eq!(
            due(at("2026-11-20 16:30"), Some(&r), None),
            Some(key("2026-W47"))
        );
        assert_eq!(
            due(at("2026-11-20 23:59"), Some(&r), None),
            Some(key("2026-W47")),
            "the app opened later that evening still reminds"
        );
    }

    #[test]
    fn once_per_week() {
        let r = friday_1630();
        let fired = Some(key("2026-W47"));
        assert_eq!(due(at("2026-11-20 16:31"), Some(&r), fired), None);
        assert_eq!(due(at("2026-11-20 22:00"), Some(&r), fired), None);
        assert_eq!(
            due(at("2026-11-27 16:30"), Some(&r), fired),
            Some(key("2026-W48")),
            "next Friday it fires again"
        );
        assert_eq!(
            due(at("2026-11-27 16:30"), Some(&r), Some(key("2026-W46"))),
            Some(key("2026-W48"))
        );
    }

    #[test]
    fn not_on_other_days() {
        let r = friday_1630();
        for day in ["2026-11-16", "2026-11-19", "2026-11-21", "2026-11-22"] {
            assert_eq!(
                due(at(&format!("{day} 17:00")), Some(&r), None),
                None,
                "{day}"
            );
        }
    }

    #[test]
    fn off_or_unreadable_is_never_due() {
        assert_eq!(due(at("2026-11-20 17:00"), None, None), None);
        let bad = Reminder {
            weekday: "someday".into(),
            time: "16:30".into(),
        };
        assert_eq!(due(at("2026-11-20 17:00"), Some(&bad), None), None);
        let bad_time = Reminder {
            weekday: "friday".into(),
            time: "half past four".into(),
        };
        assert_eq!(due(at("2026-11-20 17:00"), Some(&bad_time), None), None);
    }

    #[test]
    fn across_the_new_year_the_iso_week_is_used() {
        // Sunday 2027-01-03 is in 2026-W53.
        let r = Reminder {
            weekday: "sunday".into(),
            time: "09:00".into(),
        };
        assert_eq!(
            due(at("2027-01-03 09:00"), Some(&r), Some(key("2026-W52"))),
            Some(key("2026-W53"))
        );
        assert_eq!(
            due(at("2027-01-03 10:00"), Some(&r), Some(key("2026-W53"))),
            None
        );
    }
}
