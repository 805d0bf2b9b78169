//! Hostile content end to end: the 50 strings of `support/hostile.rs` as
//! event titles, descriptions and locations and as task contents, written
//! through the real store on disk, read back unchanged (cut at the model's
//! length limits, the 100 kB and 1 MB ones), shown in the week
//! model as plain data, and exported to a note that keeps its structure:
//! front matter that parses as YAML, one pair of markers, no HTML and no
//! link from the data.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use pulldown_cmark::{Event, Options, Parser, Tag};
use vica_core::Store;
use vica_core::export::{BEGIN_MARKER, END_MARKER, Template, merge_note, new_note, render};
use vica_core::model::{
    DESCRIPTION_MAX_CHARS, EventTime, LOCATION_MAX_CHARS, Reflection, TITLE_MAX_CHARS, clip,
};
use vica_core::settings::Settings;
use vica_core::store::{CursorUpdate, Page};
use vica_core::week::{Week, WeekKey};

#[path = "support/hostile.rs"]
mod hostile;
use hostile::Hostile;

const ZONE: &str = "Europe/Berlin";

fn key() -> WeekKey {
    "2026-W47".parse().unwrap()
}

struct Loaded {
    store: Store,
    settings: Settings,
    /// provider id -> (title, description, location) as written.
    events: BTreeMap<String, (String, String, String)>,
    /// provider id -> content as written.
    tasks: BTreeMap<String, String>,
    _dir: tempfile::TempDir,
}

/// The demo world plus one event and one task per hostile string in week
/// 47, and a reflection made of them.
fn loaded() -> Loaded {
    let all: Vec<Hostile> = hostile::strings();
    let n = all.len();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("vica.db")).unwrap();
    let settings = Settings {
        time_zone: Some(ZONE.into()),
        ..Settings::default()
    };
    store.save_settings(&settings).unwrap();
    let tz: Tz = ZONE.parse().unwrap();
    let world = vica_core::demo::world(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), tz);
    vica_core::demo::install_world(&mut store, &world).unwrap();
    let sources = store.sources().unwrap();
    let id = |pid: &str| sources.iter().find(|s| s.provider_id == pid).unwrap().id;
    let calendar = &world[0].sources[0];
    let project = world
        .iter()
        .flat_map(|a| &a.sources)
        .find(|s| !s.tasks.is_empty())
        .unwrap();

    let monday = Utc.with_ymd_and_hms(2026, 11, 16, 7, 0, 0).unwrap();
    let mut events = BTreeMap::new();
    let mut tasks = BTreeMap::new();
    let mut event_page = Page::default();
    let mut task_page = Page::default();
    for (i, h) in all.iter().enumerate() {
        // Each string is a title, someone else's description and a third one's location.
        let (title, description, location) = (
            h.text.clone(),
            all[(i + 17) % n].text.clone(),
            all[(i + 33) % n].text.clone(),
        );
        let start = monday + Duration::days(i as i64 % 7) + Duration::minutes(13 * i as i64);
        let mut e = calendar.events[0].clone();
        e.provider_id = format!("hostile-{i}");
        e.title = title.clone();
        e.description = Some(description.clone());
        e.location = Some(location.clone());
        e.time = EventTime::Timed {
            start,
            end: start + Duration::minutes(30),
        };
        e.series_id = None;
        // What the store keeps: the text, cut at the model's limits.
        events.insert(
            e.provider_id.clone(),
            (
                clip(&title, TITLE_MAX_CHARS).into_owned(),
                clip(&description, DESCRIPTION_MAX_CHARS).into_owned(),
                clip(&location, LOCATION_MAX_CHARS).into_owned(),
            ),
        );
        event_page.events.push(e);

        let mut t = project.tasks[0].clone();
        t.provider_id = format!("hostile-task-{i}");
        t.content = h.text.clone();
        t.completed_at = Some(start + Duration::hours(1));
        tasks.insert(
            t.provider_id.clone(),
            clip(&h.text, TITLE_MAX_CHARS).into_owned(),
        );
        task_page.tasks.push(t);
    }
    let outcome = store
        .write_page(
            id(&calendar.record.provider_id),
            &event_page,
            CursorUpdate::Keep,
        )
        .unwrap();
    assert!(outcome.rejected.is_empty(), "{:?}", outcome.rejected);
    assert_eq!(outcome.written, n);
    let outcome = store
        .write_page(
            id(&project.record.provider_id),
            &task_page,
            CursorUpdate::Keep,
        )
        .unwrap();
    assert!(outcome.rejected.is_empty(), "{:?}", outcome.rejected);

    let text = |i: usize| all[i % n].text.clone();
    let small: Vec<String> = all
        .iter()
        .filter(|h| h.text.len() < 10_000)
        .map(|h| h.text.clone())
        .collect();
    store
        .save_reflection(
            key(),
            &Reflection {
                went_well: small.join("\n"),
                didnt_go_well: text(20),
                focus_next: text(23),
                notes: small.join("\n\n"),
            },
        )
        .unwrap();
    Loaded {
        store,
        settings,
        events,
        tasks,
        _dir: dir,
    }
}

#[test]
fn the_store_keeps_hostile_text_byte_for_byte_up_to_its_limits() {
    let l = loaded();
    let from = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let mut seen = 0;
    for e in l.store.events_overlapping(from, to).unwrap() {
        if let Some((title, description, location)) = l.events.get(&e.record.provider_id) {
            assert_eq!(&e.record.title, title);
            assert_eq!(e.record.description.as_ref(), Some(description));
            assert_eq!(e.record.location.as_ref(), Some(location));
            seen += 1;
        }
    }
    assert_eq!(seen, l.events.len());
    let mut seen = 0;
    for t in l.store.tasks_completed_between(from, to).unwrap() {
        if let Some(content) = l.tasks.get(&t.record.provider_id) {
            assert_eq!(&t.record.content, content);
            seen += 1;
        }
    }
    assert_eq!(seen, l.tasks.len());
    assert_eq!(l.store.integrity_check().unwrap(), ["ok"]);
}

#[test]
fn the_week_model_carries_hostile_text_as_plain_data() {
    let l = loaded();
    let week = Week::load(&l.store, key(), &l.settings).unwrap();
    // Nothing hostile is long once stored: the week reads kilobytes, not megabytes.
    let longest = week
        .days
        .iter()
        .flat_map(|d| d.events.iter())
        .map(|e| e.title.chars().count())
        .max()
        .unwrap();
    assert_eq!(longest, TITLE_MAX_CHARS, "the 100 kB titles are cut");
    let titles: Vec<&str> = week
        .days
        .iter()
        .flat_map(|d| d.events.iter())
        .map(|e| e.title.as_str())
        .collect();
    // Every hostile title is in the week, unchanged (the UI renders it as text).
    for (title, _, _) in l.events.values() {
        assert!(
            titles.contains(&title.as_str()),
            "a title is missing from the week: {:?}",
            title.chars().take(40).collect::<String>()
        );
    }
    // What the UI receives is JSON that reads back to the same text.
    let json = serde_json::to_string(&week).unwrap();
    let back: serde_json::Value = serde_json::from_str(&json).unwrap();
    let back_titles: Vec<String> = back["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["events"].as_array().unwrap().iter())
        .map(|e| e["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(back_titles, titles);
}

#[test]
fn the_export_of_hostile_text_keeps_its_structure() {
    let l = loaded();
    let week = Week::load(&l.store, key(), &l.settings).unwrap();
    let rendered = render(&week, &Template::builtin());
    assert!(rendered.warning.is_none(), "{:?}", rendered.warning);
    let note = new_note(&rendered.text);

    // Front matter first, readable as YAML, with the week in it.
    let front = note
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map(|(front, _)| front)
        .expect("the note starts with front matter");
    let yaml: serde_norway::Value = serde_norway::from_str(front).unwrap();
    let yaml = yaml.as_mapping().expect("front matter is a mapping");
    assert!(
        yaml.iter()
            .any(|(_, v)| v.as_str().is_some_and(|s| s.contains("2026-W47"))),
        "the front matter lost the week: {front}"
    );
    // Only the front matter's own keys: nothing from the data became a key.
    for (k, _) in yaml {
        let k = k.as_str().unwrap_or_default();
        assert!(
            k.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "unexpected front matter key {k:?}"
        );
    }

    // One begin and one end marker, on lines of their own, in order.
    let lines: Vec<&str> = note.lines().collect();
    let begins: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i] == BEGIN_MARKER)
        .collect();
    let ends: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i] == END_MARKER)
        .collect();
    assert_eq!(begins.len(), 1, "begin markers at {begins:?}");
    assert_eq!(ends.len(), 1, "end markers at {ends:?}");
    assert!(begins[0] < ends[0]);
    assert_eq!(lines.last(), Some(&END_MARKER), "text after the end marker");

    // No HTML but the markers, no link or image from the data, and the
    // headings are the template's.
    let mut headings = 0;
    let mut in_heading = false;
    let mut heading_text = String::new();
    for event in Parser::new_ext(&note, Options::all()) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => {
                let html = html.trim();
                assert!(
                    html == BEGIN_MARKER || html == END_MARKER,
                    "HTML from the data in the export: {:?}",
                    html.chars().take(80).collect::<String>()
                );
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                assert!(
                    dest_url.starts_with("https://") || dest_url.starts_with("http://"),
                    "a link from the data: {dest_url}"
                );
            }
            Event::Start(Tag::Heading { .. }) => {
                headings += 1;
                in_heading = true;
                heading_text.clear();
            }
            Event::End(pulldown_cmark::TagEnd::Heading(_)) => {
                in_heading = false;
                assert!(
                    !heading_text.contains("Not a heading"),
                    "a title became a heading"
                );
            }
            Event::Text(t) if in_heading => heading_text.push_str(&t),
            _ => {}
        }
    }
    assert!(headings >= 7, "the day headings are gone: {headings}");
    for bad in ["\u{0}", "\u{202e}", "\u{1b}"] {
        assert!(!note.contains(bad), "{bad:?} reached the export");
    }

    // Exporting again over the note works and changes nothing.
    assert_eq!(merge_note(&note, &rendered.text).unwrap(), note);
}

#[test]
fn there_are_fifty_distinct_strings_including_the_big_ones() {
    let all = hostile::strings();
    assert_eq!(all.len(), 50);
    let names: std::collections::HashSet<_> = all.iter().map(|h| h.name).collect();
    assert_eq!(names.len(), 50, "names are unique");
    assert!(all.iter().any(|h| h.text.len() == hostile::BIG_TITLE_BYTES));
    assert!(
        all.iter()
            .any(|h| h.text.len() == hostile::BIG_DESCRIPTION_BYTES)
    );
    assert!(all.iter().any(|h| h.text.contains('\u{0}')));
}
