//! Each item's link at its provider survives the trip: the fakes send it as
//! the real APIs do (Google `htmlLink`, Graph `webLink`; Todoist v1 tasks carry
//! none, so the client builds the web app's task URL), the clients parse it,
//! the store keeps it and the week model shows it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use vica_core::Store;
use vica_core::model::Provider;
use vica_core::week::{Week, WeekKey};

#[tokio::test]
async fn links_round_trip_from_each_fake_to_the_week_model() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(
        Store::open(&dir.path().join("vica.db")).unwrap(),
    ));
    let today = Utc::now().date_naive();
    vica_demo::sync_demo(store.clone(), today, Arc::new(|_| {}))
        .await
        .unwrap();
    let s = store.lock().unwrap();
    let settings = s.settings().unwrap();
    let world = vica_demo::world(today, settings.zone());

    // What the fakes served, by provider and provider id.
    let mut served: HashMap<(Provider, String), Option<String>> = HashMap::new();
    for account in &world {
        for source in &account.sources {
            for e in &source.events {
                served.insert((account.provider, e.provider_id.clone()), e.link.clone());
            }
        }
    }
    let provider_of_source: BTreeMap<i64, Provider> = s
        .sources()
        .unwrap()
        .into_iter()
        .map(|src| (src.id, s.account(src.account_id).unwrap().provider))
        .collect();

    // Stored events carry exactly the link their fake sent.
    let (from, to) = (
        Utc::now() - Duration::weeks(20),
        Utc::now() + Duration::weeks(20),
    );
    let mut checked: HashMap<Provider, usize> = HashMap::new();
    for e in s.events_overlapping(from, to).unwrap() {
        let provider = provider_of_source[&e.source_id];
        let sent = served
            .get(&(provider, e.record.provider_id.clone()))
            .unwrap_or_else(|| panic!("{provider:?} {} was not served", e.record.provider_id));
        assert!(sent.is_some(), "the demo gives every event a link");
        assert_eq!(&e.record.link, sent, "{}", e.record.provider_id);
        *checked.entry(provider).or_default() += 1;
    }
    // Todoist tasks link to the web app by task id (a completed occurrence
    // of a recurring task keeps its task's id before the `@`).
    for t in s.tasks_completed_between(from, to).unwrap() {
        let id = t.record.provider_id.split('@').next().unwrap();
        assert_eq!(
            t.record.link.as_deref(),
            Some(format!("https://app.todoist.com/app/task/{id}").as_str())
        );
        *checked.entry(Provider::Todoist).or_default() += 1;
    }
    for p in [Provider::Google, Provider::Microsoft, Provider::Todoist] {
        assert!(
            checked.get(&p).copied().unwrap_or(0) > 0,
            "no {p:?} item checked"
        );
    }

    // The week model shows them, each pointing at its own provider.
    let week = Week::load(
        &s,
        WeekKey::current(settings.zone(), settings.week_start),
        &settings,
    )
    .unwrap();
    let prefix = |p: Provider| match p {
        Provider::Google => "https://calendar.google.com/calendar/event?eid=",
        Provider::Microsoft => "https://outlook.office365.com/owa/?itemid=",
        _ => "https://app.todoist.com/app/task/",
    };
    let mut shown = 0;
    for day in &week.days {
        for e in day.events.iter().chain(&day.all_day) {
            let link = e.link.as_deref().unwrap();
            assert!(
                link.starts_with(prefix(provider_of_source[&e.source_id])),
                "{link}"
            );
            shown += 1;
        }
        for t in &day.tasks {
            assert!(
                t.link
                    .as_deref()
                    .unwrap()
                    .starts_with(prefix(Provider::Todoist))
            );
            shown += 1;
        }
    }
    assert!(shown > 0, "this week of the demo shows items");
}
