//! ICS feeds: any bytes are read without a panic (malformed lines, broken
//! zones, absurd recurrence rules), every event that is kept passes the
//! store's validation, and a feed never keeps more than its budget allows:
//! it is read within a small budget, and what it kept and what is left add
//! up to what it was given (or it is refused and the budget is spent).
#![no_main]

use chrono::{Duration, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use vica_sync::ics::{Budget, IcsError};
use vica_sync::provider::Window;

const GIVEN: Budget = Budget {
    occurrences: 2_000,
    bytes: 4 * 1024 * 1024,
};

fuzz_target!(|data: &[u8]| {
    let Some(start) = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).single() else {
        return;
    };
    let window = Window {
        start,
        end: start + Duration::weeks(30),
    };
    let mut budget = GIVEN;
    match vica_sync::ics::parse_feed_within(data, chrono_tz::Europe::Berlin, window, &mut budget)
    {
        Ok(feed) => {
            assert!(feed.events.len() <= GIVEN.occurrences - budget.occurrences);
            assert!(budget.bytes <= GIVEN.bytes);
            for event in &feed.events {
                assert!(event.record.validate().is_ok(), "{event:?}");
            }
        }
        Err(IcsError::OverBudget { .. }) => {
            assert_eq!(budget.occurrences, 0, "a refused feed spends its budget");
        }
        Err(_) => {}
    }
});
