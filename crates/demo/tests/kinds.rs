//! The demo world's typed entries (out of office, focus time, working
//! location, birthdays, free time) survive the trip through the fake Google
//! and Graph servers and the real clients into the store. Moved here from
//! `vica-sync`'s `tests/kinds.rs` with the demo; the golden tests of each
//! provider's kinds stay there.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use vica_core::Store;
use vica_core::model::{EventKind, Provider as ProviderKind, ShowAs};

#[tokio::test]
async fn the_demo_worlds_typed_entries_survive_both_fakes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(
        Store::open(&dir.path().join("vica.db")).unwrap(),
    ));
    let today = Utc::now().date_naive();
    vica_demo::sync_demo(store.clone(), today, Arc::new(|_| {}))
        .await
        .unwrap();
    let tz = store.lock().unwrap().settings().unwrap().zone();
    let world = vica_demo::world(today, tz);
    let s = store.lock().unwrap();
    let stored: BTreeMap<String, (EventKind, ShowAs)> = s
        .events_overlapping(
            Utc::now() - Duration::weeks(30),
            Utc::now() + Duration::weeks(30),
        )
        .unwrap()
        .into_iter()
        .map(|e| (e.record.provider_id, (e.record.kind, e.record.show_as)))
        .collect();
    let mut seen = HashMap::<EventKind, usize>::new();
    for account in &world {
        for source in &account.sources {
            for e in &source.events {
                let Some(&(kind, show_as)) = stored.get(&e.provider_id) else {
                    continue; // cancelled, or outside the sync window
                };
                *seen.entry(kind).or_default() += 1;
                match account.provider {
                    // Google carries every kind and transparency.
                    ProviderKind::Google => {
                        assert_eq!(kind, e.kind, "{}", e.provider_id);
                        let free = e.show_as == ShowAs::Free;
                        assert_eq!(show_as == ShowAs::Free, free, "{}", e.provider_id);
                    }
                    // Graph says it through showAs only.
                    ProviderKind::Microsoft => {
                        assert_eq!(kind, e.kind, "{}", e.provider_id);
                        assert_eq!(show_as, e.show_as, "{}", e.provider_id);
                    }
                    _ => {}
                }
            }
        }
    }
    for kind in [
        EventKind::Default,
        EventKind::OutOfOffice,
        EventKind::FocusTime,
        EventKind::WorkingLocation,
        EventKind::Birthday,
    ] {
        assert!(seen.contains_key(&kind), "the demo has no {kind:?} entry");
    }
}
