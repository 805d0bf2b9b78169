//! ICS feeds: any bytes are read without a panic (malformed lines, broken
//! zones, absurd recurrence rules), and every event that is kept passes the
//! store's validation.
#![no_main]

use chrono::{Duration, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use vica_sync::provider::Window;

fuzz_target!(|data: &[u8]| {
    let Some(start) = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).single() else {
        return;
    };
    let window = Window {
        start,
        end: start + Duration::weeks(30),
    };
    if let Ok(feed) = vica_sync::ics::parse_feed(data, chrono_tz::Europe::Berlin, window) {
        for event in &feed.events {
            assert!(event.record.validate().is_ok(), "{event:?}");
        }
    }
});
