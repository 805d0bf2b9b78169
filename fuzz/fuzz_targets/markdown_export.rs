//! The Markdown export with arbitrary provider text and reflection: an
//! event's title, description and location, a task's content and the
//! reflection come from the input (split on U+001E). The note written for
//! the week must keep its structure whatever they hold: front matter first
//! and readable as YAML, exactly one `vica:begin` and one `vica:end` marker
//! in that order, no HTML from the data, and merging the same rendering
//! into the note gives the note back.
#![no_main]

use std::cell::RefCell;

use chrono::{NaiveDate, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use pulldown_cmark::{Event, Parser};
use vica_core::Store;
use vica_core::export::{BEGIN_MARKER, END_MARKER, Template, merge_note, new_note, render};
use vica_core::model::{EventRecord, EventTime, Reflection, TaskRecord};
use vica_core::settings::Settings;
use vica_core::store::{CursorUpdate, Page};
use vica_core::week::{Week, WeekKey};

struct World {
    store: Store,
    settings: Settings,
    calendar: i64,
    project: i64,
    event: EventRecord,
    task: TaskRecord,
}

fn world() -> World {
    let anchor = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let settings = Settings {
        time_zone: Some("Europe/Berlin".into()),
        ..Settings::default()
    };
    let mut store = Store::open_in_memory().unwrap();
    store.save_settings(&settings).unwrap();
    let world = vica_core::demo::world(anchor, chrono_tz::Europe::Berlin);
    vica_core::demo::install_world(&mut store, &world).unwrap();
    let sources = store.sources().unwrap();
    let id = |pid: &str| sources.iter().find(|s| s.provider_id == pid).unwrap().id;
    let calendar = &world[0].sources[0];
    let project = world
        .iter()
        .flat_map(|a| &a.sources)
        .find(|s| !s.tasks.is_empty())
        .unwrap();
    World {
        calendar: id(&calendar.record.provider_id),
        project: id(&project.record.provider_id),
        event: calendar.events[0].clone(),
        task: project.tasks[0].clone(),
        store,
        settings,
    }
}

thread_local! {
    static WORLD: RefCell<World> = RefCell::new(world());
}

fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{1e}');
    let mut next = || parts.next().unwrap_or_default().to_owned();
    let (title, description, location, content, notes) = (next(), next(), next(), next(), next());
    WORLD.with(|w| {
        let mut w = w.borrow_mut();
        let start = Utc.with_ymd_and_hms(2026, 11, 18, 9, 0, 0).unwrap();
        let mut event = w.event.clone();
        event.provider_id = "fuzz-event".into();
        event.title = title;
        event.description = Some(description);
        event.location = Some(location);
        event.time = EventTime::Timed {
            start,
            end: start + chrono::Duration::hours(1),
        };
        let mut task = w.task.clone();
        task.provider_id = "fuzz-task".into();
        task.content = content;
        task.completed_at = Some(start);
        let (calendar, project) = (w.calendar, w.project);
        // Records the store refuses (an empty title, say) are simply not shown.
        let events = Page {
            events: vec![event],
            ..Page::default()
        };
        w.store.write_page(calendar, &events, CursorUpdate::Keep).unwrap();
        let tasks = Page {
            tasks: vec![task],
            ..Page::default()
        };
        w.store.write_page(project, &tasks, CursorUpdate::Keep).unwrap();
        let key: WeekKey = "2026-W47".parse().unwrap();
        let reflection = Reflection {
            went_well: notes.clone(),
            notes,
            ..Reflection::default()
        };
        w.store.save_reflection(key, &reflection).unwrap();
        let week = Week::load(&w.store, key, &w.settings).unwrap();
        let rendered = render(&week, &Template::builtin()).text;
        let note = new_note(&rendered);

        // Front matter first, and YAML.
        let front = note
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .map(|(front, _)| front)
            .expect("the note starts with front matter");
        let yaml: serde_norway::Value = serde_norway::from_str(front)
            .unwrap_or_else(|e| panic!("front matter is not YAML ({e}):\n{front}"));
        assert!(yaml.is_mapping(), "front matter is not a mapping:\n{front}");

        // One begin and one end marker, in order.
        let lines: Vec<&str> = note.lines().collect();
        let begins: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == BEGIN_MARKER).collect();
        let ends: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == END_MARKER).collect();
        assert_eq!(begins.len(), 1, "begin markers:\n{note}");
        assert_eq!(ends.len(), 1, "end markers:\n{note}");
        assert!(begins[0] < ends[0]);

        // No HTML but the markers.
        for event in Parser::new(&note) {
            if let Event::Html(html) | Event::InlineHtml(html) = event {
                let html = html.trim();
                assert!(
                    html == BEGIN_MARKER || html == END_MARKER,
                    "HTML from the data in the export: {html:?}"
                );
            }
        }

        // Exporting again over the note works and changes nothing.
        let merged = merge_note(&note, &rendered).expect("the note merges");
        assert_eq!(merged, note);
    });
}

fuzz_target!(|data: &[u8]| check(data));
