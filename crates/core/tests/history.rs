//! History a provider forgets: completions kept for good through full
//! listings that no longer find them, history spans merged as they are
//! written, and the week's notes on days whose history could not be read.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, NaiveDate, Utc};
use vica_core::Store;
use vica_core::model::{HistorySpan, Provider, SourceKind, SourceRecord, TaskRecord};
use vica_core::settings::Settings;
use vica_core::store::{CursorUpdate, History, Page, Sweep};
use vica_core::week::Week;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn done(id: &str, when: &str) -> TaskRecord {
    TaskRecord {
        provider_id: id.into(),
        content: id.into(),
        description: None,
        section: None,
        labels: Vec::new(),
        priority: 1,
        due_date: None,
        completed_at: Some(at(when)),
        link: None,
        updated_at: None,
    }
}

fn span(start: &str, end: &str, read: bool) -> HistorySpan {
    HistorySpan {
        start: at(start),
        end: at(end),
        read,
    }
}

/// A store with a Todoist account of two projects, and a calendar account.
fn store() -> (Store, i64, i64, i64) {
    let store = Store::open_in_memory().unwrap();
    let todoist = store
        .add_account(Provider::Todoist, "me", None, false)
        .unwrap();
    let project = |id: &str, name: &str| SourceRecord {
        kind: SourceKind::Project,
        provider_id: id.into(),
        name: name.into(),
        color: None,
        is_primary: false,
        access_role: None,
    };
    let work = store
        .upsert_source(todoist.id, &project("p1", "Work"))
        .unwrap()
        .id;
    let home = store
        .upsert_source(todoist.id, &project("p2", "Home"))
        .unwrap()
        .id;
    let google = store
        .add_account(Provider::Google, "me", None, false)
        .unwrap();
    let calendar = store
        .upsert_source(
            google.id,
            &SourceRecord {
                kind: SourceKind::Calendar,
                ..project("c1", "Calendar")
            },
        )
        .unwrap()
        .id;
    (store, work, home, calendar)
}

fn ids(store: &Store, source: i64) -> Vec<String> {
    store
        .tasks_completed_between(at("2000-01-01T00:00:00Z"), at("2100-01-01T00:00:00Z"))
        .unwrap()
        .into_iter()
        .filter(|t| t.source_id == source)
        .map(|t| t.record.provider_id)
        .collect()
}

#[test]
fn kept_completions_survive_a_full_listing_that_no_longer_finds_them() {
    let (mut store, work, _, _) = store();
    let history = History {
        tasks: vec![
            done("water@1", "2026-03-02T08:00:00Z"),
            done("water@2", "2026-03-03T08:00:00Z"),
        ],
        spans: Vec::new(),
    };
    let page = Page {
        tasks: vec![done("once", "2026-03-02T09:00:00Z")],
        ..Page::default()
    };
    let out = store
        .write_page_with_history(work, &page, &history, CursorUpdate::Keep)
        .unwrap();
    assert_eq!(out.written, 3);
    assert_eq!(ids(&store, work), ["water@1", "once", "water@2"]);

    // A full listing over the same days returns none of them: the one-off
    // task is swept (deleted at the provider), the kept completions stay.
    let generation = store.begin_full_sync(work).unwrap();
    let sweep = Page {
        generation: Some(generation),
        sweep: Some(Sweep {
            generation,
            start: at("2026-03-01T00:00:00Z"),
            end: at("2026-03-10T00:00:00Z"),
        }),
        ..Page::default()
    };
    let out = store.write_page(work, &sweep, CursorUpdate::Keep).unwrap();
    assert_eq!(out.deleted, 1);
    assert_eq!(ids(&store, work), ["water@1", "water@2"]);

    // Written again as an ordinary task, a kept row stays kept; an explicit
    // deletion removes it.
    let page = Page {
        tasks: vec![done("water@1", "2026-03-02T08:00:00Z")],
        deleted_tasks: vec!["water@2".into()],
        ..Page::default()
    };
    store.write_page(work, &page, CursorUpdate::Keep).unwrap();
    let generation = store.begin_full_sync(work).unwrap();
    let sweep = Page {
        generation: Some(generation),
        sweep: Some(Sweep {
            generation,
            start: at("2026-03-01T00:00:00Z"),
            end: at("2026-03-10T00:00:00Z"),
        }),
        ..Page::default()
    };
    store.write_page(work, &sweep, CursorUpdate::Keep).unwrap();
    assert_eq!(ids(&store, work), ["water@1"]);
}

#[test]
fn history_spans_merge_by_kind_and_stay_per_source() {
    let (mut store, work, home, _) = store();
    let write = |store: &mut Store, source: i64, spans: Vec<HistorySpan>| {
        let history = History {
            tasks: Vec::new(),
            spans,
        };
        store
            .write_page_with_history(source, &Page::default(), &history, CursorUpdate::Keep)
            .unwrap();
    };
    write(
        &mut store,
        work,
        vec![
            span("2026-03-01T00:00:00Z", "2026-03-10T00:00:00Z", false),
            span("2026-03-03T00:00:00Z", "2026-03-10T00:00:00Z", true),
        ],
    );
    // Overlapping, touching and separate spans; an empty one is ignored.
    write(
        &mut store,
        work,
        vec![
            span("2026-03-08T00:00:00Z", "2026-03-17T00:00:00Z", false),
            span("2026-03-10T00:00:00Z", "2026-03-17T00:00:00Z", true),
            span("2026-03-20T00:00:00Z", "2026-03-21T00:00:00Z", true),
            span("2026-03-25T00:00:00Z", "2026-03-25T00:00:00Z", true),
        ],
    );
    write(
        &mut store,
        home,
        vec![span("2026-03-05T00:00:00Z", "2026-03-06T00:00:00Z", false)],
    );
    let all = store
        .history_spans_overlapping(at("2026-01-01T00:00:00Z"), at("2026-12-01T00:00:00Z"))
        .unwrap();
    assert_eq!(
        all,
        [
            (
                work,
                span("2026-03-01T00:00:00Z", "2026-03-17T00:00:00Z", false)
            ),
            (
                work,
                span("2026-03-03T00:00:00Z", "2026-03-17T00:00:00Z", true)
            ),
            (
                work,
                span("2026-03-20T00:00:00Z", "2026-03-21T00:00:00Z", true)
            ),
            (
                home,
                span("2026-03-05T00:00:00Z", "2026-03-06T00:00:00Z", false)
            ),
        ]
    );
    // Only what overlaps the range, and only included sources.
    let some = store
        .history_spans_overlapping(at("2026-03-18T00:00:00Z"), at("2026-03-20T00:00:01Z"))
        .unwrap();
    assert_eq!(some.len(), 1);
    store.set_source_included(work, false).unwrap();
    let none = store
        .history_spans_overlapping(at("2026-03-01T00:00:00Z"), at("2026-03-08T00:00:00Z"))
        .unwrap();
    assert_eq!(none.iter().map(|s| s.0).collect::<Vec<_>>(), [home]);
}

#[test]
fn the_week_names_the_days_whose_history_could_not_be_read() {
    let (mut store, work, home, calendar) = store();
    let settings = Settings {
        time_zone: Some("Europe/Berlin".into()),
        ..Settings::default()
    };
    store.save_settings(&settings).unwrap();
    let write = |store: &mut Store, source: i64, spans: Vec<HistorySpan>| {
        let history = History {
            tasks: Vec::new(),
            spans,
        };
        store
            .write_page_with_history(source, &Page::default(), &history, CursorUpdate::Keep)
            .unwrap();
    };
    // Week 10 of 2026 is Mon 2 – Sun 8 March. The first listing asked for
    // all of it and read from Wednesday noon (Berlin) on; Home's listing
    // could read from Tuesday; a later listing read Friday again in full.
    write(
        &mut store,
        work,
        vec![
            span("2026-01-01T00:00:00Z", "2026-03-20T00:00:00Z", false),
            span("2026-03-04T11:00:00Z", "2026-03-20T00:00:00Z", true),
        ],
    );
    write(
        &mut store,
        home,
        vec![
            span("2026-01-01T00:00:00Z", "2026-03-20T00:00:00Z", false),
            span("2026-03-03T00:00:00Z", "2026-03-20T00:00:00Z", true),
        ],
    );
    // A calendar source with history of its own, cut out on Saturday only.
    write(
        &mut store,
        calendar,
        vec![span("2026-03-07T10:00:00Z", "2026-03-07T11:00:00Z", false)],
    );
    let week = Week::load(&store, "2026-W10".parse().unwrap(), &settings).unwrap();
    let gaps: Vec<(String, Vec<String>, NaiveDate, NaiveDate)> = week
        .history_gaps
        .iter()
        .map(|g| {
            (
                g.provider.clone(),
                g.sources.clone(),
                g.first_day,
                g.last_day,
            )
        })
        .collect();
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    assert_eq!(
        gaps,
        [
            (
                "Todoist".to_owned(),
                vec!["Home".to_owned(), "Work".to_owned()],
                d("2026-03-02"),
                d("2026-03-04")
            ),
            (
                "Google Calendar".to_owned(),
                vec!["Calendar".to_owned()],
                d("2026-03-07"),
                d("2026-03-07")
            ),
        ]
    );
    assert_eq!(
        week.history_gaps[0].message,
        "Recurring tasks completed from Mon 2 to Wed 4 Mar may be missing: Todoist no longer had that activity when Vica synced."
    );
    assert!(week.history_gaps[1].message.contains("Google Calendar"));
    // The Markdown export quotes each note under the title.
    let md = vica_core::export::markdown(&week);
    let head: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("# Week 10"))
        .take(7)
        .collect();
    assert_eq!(head[1], "", "{md}");
    assert!(
        head[2].starts_with("> Recurring tasks completed from Mon 2 to Wed 4 Mar may be missing")
            && head[2].ends_with("(Home, Work)"),
        "{md}"
    );
    assert_eq!(head[3], "");
    assert!(
        head[4].starts_with("> Items on Sat 7 Mar may be missing"),
        "{md}"
    );
    assert_eq!((head[5], head[6]), ("", "## Summary"));
    // The week before had nothing read at all; the week after was read in full.
    let before = Week::load(&store, "2026-W09".parse().unwrap(), &settings).unwrap();
    assert_eq!(before.history_gaps.len(), 1);
    assert_eq!(
        (
            before.history_gaps[0].first_day,
            before.history_gaps[0].last_day
        ),
        (d("2026-02-23"), d("2026-03-01"))
    );
    let after = Week::load(&store, "2026-W11".parse().unwrap(), &settings).unwrap();
    assert!(after.history_gaps.is_empty());
    let md = vica_core::export::markdown(&after);
    assert!(!md.contains("> "), "no note without a gap: {md}");
    // A later listing that reads it all in full (a plan upgrade) closes the gap.
    write(
        &mut store,
        work,
        vec![span("2025-12-01T00:00:00Z", "2026-03-20T00:00:00Z", true)],
    );
    write(
        &mut store,
        home,
        vec![span("2025-12-01T00:00:00Z", "2026-03-20T00:00:00Z", true)],
    );
    let week = Week::load(&store, "2026-W10".parse().unwrap(), &settings).unwrap();
    assert_eq!(week.history_gaps.len(), 1);
    assert_eq!(week.history_gaps[0].provider, "Google Calendar");
}
