//! The demo: the demo world served by the fake providers and pulled through
//! the real clients (`vica-demo`), turned on and off.
//!
//! The demo is generated for the user's "today": the date now in the zone
//! the week is laid out in, so its weeks line up with the week on screen.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use vica_core::Store;
use vica_core::settings::Settings;
use vica_sync::engine::Progress;

pub use vica_demo::DemoReport;

use crate::{Result, lock};

/// The user's "today" at `now`: the date in the settings' zone.
pub fn today(settings: &Settings, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&settings.zone()).date_naive()
}

/// Loads the demo, or refreshes it: same items, never twice.
pub async fn load(store: &Arc<Mutex<Store>>, progress: Progress) -> Result<DemoReport> {
    let today = today(&lock(store).settings()?, Utc::now());
    Ok(vica_demo::sync_demo(store.clone(), today, progress).await?)
}

/// Leaves the demo: deletes the demo accounts with everything they brought.
/// Returns whether any account is left. The caller makes sure no demo sync
/// runs meanwhile (it would add them back).
pub fn leave(store: &Store) -> Result<bool> {
    for account in store.accounts()?.into_iter().filter(|a| a.is_demo) {
        store.delete_account(account.id)?;
    }
    Ok(!store.accounts()?.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn today_is_the_date_in_the_users_zone_not_in_utc() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 23, 30, 0).unwrap();
        let zoned = |tz: &str| Settings {
            time_zone: Some(tz.into()),
            ..Settings::default()
        };
        assert_eq!(
            today(&zoned("UTC"), now),
            NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
        );
        assert_eq!(
            today(&zoned("Europe/Berlin"), now),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            "already Monday in Berlin"
        );
        assert_eq!(
            today(&zoned("America/Los_Angeles"), now),
            NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
        );
    }
}
