//! Microsoft Graph `calendarView/delta` pages: any bytes are read without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = vica_sync::outlook::parse_delta_json(data, "alex@contoso.example") {
        for event in &page.events {
            let _ = event.validate();
        }
    }
});
