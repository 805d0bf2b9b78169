//! Todoist completed-task pages: any bytes are read without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = vica_sync::todoist::parse_completed_json(data, "6Jf8VQXxpwv56VQ7") {
        for task in &page.tasks {
            let _ = task.validate();
        }
    }
});
