//! The Markdown export: golden files of the default template over the demo
//! data, checked for structure with a CommonMark parser; user templates and
//! their errors; notes written atomically without clobbering the user's
//! edits; hostile titles; range export; the review history.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use vica_core::Store;
use vica_core::export::{
    BEGIN_MARKER, Conflict, END_MARKER, ReviewHistory, Template, Vault, WriteOutcome, markdown,
    merge_note, new_note, render, write_note,
};
use vica_core::model::{
    EventRecord, EventStatus, EventTime, Provider, Reflection, Response, SourceKind, SourceRecord,
    TaskRecord,
};
use vica_core::settings::{Settings, WeekStart};
use vica_core::store::{CursorUpdate, Page};
use vica_core::week::{Week, WeekKey};

const ZONE: &str = "Europe/Berlin";

fn anchor() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

fn key(s: &str) -> WeekKey {
    s.parse().unwrap()
}

fn settings() -> Settings {
    Settings {
        time_zone: Some(ZONE.into()),
        ..Settings::default()
    }
}

/// The demo world of 2026-11-20 in Berlin, with a reflection on week 46.
fn demo_store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    store.save_settings(&settings()).unwrap();
    let tz: Tz = ZONE.parse().unwrap();
    vica_core::demo::install_world(&mut store, &vica_core::demo::world(anchor(), tz)).unwrap();
    store
        .save_reflection(
            key("2026-W46"),
            &Reflection {
                went_well: "Shipped the onboarding flow.\nThe team paired a lot.\n\nMore next week:\n- fewer meetings\n- one focus day".into(),
                didnt_go_well: "Too many context switches on Wednesday.".into(),
                focus_next: "1. Finish the migration plan\n2. Prepare the all-hands".into(),
                notes: String::new(),
            },
        )
        .unwrap();
    store
}

fn load(store: &Store, week: &str) -> Week {
    Week::load(store, key(week), &settings()).unwrap()
}

/// What a CommonMark parser (with GFM, Obsidian-like and metadata
/// extensions) sees in a document.
#[derive(Debug, Default)]
struct Outline {
    metadata: Vec<String>,
    headings: Vec<(u8, String)>,
    /// Per `##` section (and "" before the first): its items' texts;
    /// nested items under "<section> (nested)".
    items: BTreeMap<String, Vec<String>>,
    checked: usize,
    unchecked: usize,
    html: Vec<String>,
    /// Any other construct: emphasis, links, code, tables, quotes, math…
    other: Vec<String>,
}

fn outline(md: &str) -> Outline {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_MATH
        | Options::ENABLE_WIKILINKS
        | Options::ENABLE_GFM
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut o = Outline::default();
    let mut section = String::new();
    let mut heading: Option<(u8, String)> = None;
    let mut items: Vec<String> = Vec::new();
    let mut in_metadata = false;
    for event in Parser::new_ext(md, options) {
        match event {
            Event::Start(Tag::MetadataBlock(_)) => {
                in_metadata = true;
                o.metadata.push(String::new());
            }
            Event::End(TagEnd::MetadataBlock(_)) => in_metadata = false,
            Event::Start(Tag::Heading { level, .. }) => {
                let level = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    _ => 4,
                };
                heading = Some((level, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                let (level, text) = heading.take().unwrap();
                if level == 2 {
                    section = text.clone();
                }
                o.headings.push((level, text));
            }
            Event::Start(Tag::Item) => {
                if !items.is_empty() && section != "Summary" {
                    o.other.push(format!("a nested list in {section}"));
                }
                items.push(String::new());
            }
            Event::End(TagEnd::Item) => {
                let text = items.pop().unwrap();
                let key = if items.is_empty() {
                    section.clone()
                } else {
                    format!("{section} (nested)")
                };
                o.items.entry(key).or_default().push(text);
            }
            Event::TaskListMarker(done) => {
                if done {
                    o.checked += 1;
                } else {
                    o.unchecked += 1;
                }
            }
            Event::Text(t) => {
                if in_metadata {
                    o.metadata.last_mut().unwrap().push_str(&t);
                } else if let Some((_, h)) = heading.as_mut() {
                    h.push_str(&t);
                } else if let Some(i) = items.last_mut() {
                    i.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(i) = items.last_mut() {
                    i.push(' ');
                }
            }
            Event::Html(h) | Event::InlineHtml(h) => o.html.push(h.to_string()),
            Event::Start(Tag::Paragraph | Tag::List(_)) | Event::End(_) => {}
            other => o.other.push(format!("{other:?}")),
        }
    }
    o
}

fn yaml(outline: &Outline) -> serde_norway::Value {
    assert_eq!(outline.metadata.len(), 1, "one front matter block");
    serde_norway::from_str(&outline.metadata[0]).unwrap()
}

/// Checks a rendering of the default template against the week it came from.
fn assert_structure(md: &str, week: &Week) {
    assert!(md.starts_with("---\n"), "front matter comes first");
    let o = outline(md);
    assert!(o.html.is_empty(), "no HTML: {:?}", o.html);
    assert!(
        o.other.is_empty(),
        "nothing but headings, paragraphs and lists: {:?}",
        o.other
    );

    let fm = yaml(&o);
    assert_eq!(fm["week"].as_str(), Some(week.key.to_string().as_str()));
    assert_eq!(
        fm["from"].as_str(),
        Some(week.first_day.to_string().as_str())
    );
    assert_eq!(fm["to"].as_str(), Some(week.last_day.to_string().as_str()));
    assert_eq!(
        fm["events"].as_u64(),
        Some(u64::from(week.totals.event_count))
    );
    assert_eq!(
        fm["tasks_completed"].as_u64(),
        Some(u64::from(week.totals.tasks_completed))
    );
    assert_eq!(
        fm["reflection"].as_bool(),
        Some(!week.reflection.is_empty())
    );
    assert_eq!(fm["tags"][0].as_str(), Some("weekly-review"));
    let sources = fm["sources"].as_sequence().unwrap();
    for s in &week.totals.per_source {
        assert!(sources.iter().any(|v| v.as_str() == Some(s.name.as_str())));
    }

    let mut expected: Vec<(u8, String)> = vec![(1, week.label.clone()), (2, "Summary".into())];
    for day in &week.days {
        expected.push((2, day.date.format("%A %-d %b").to_string()));
    }
    expected.push((2, "Reflection".into()));
    for h in [
        "What went well",
        "What didn't",
        "Focus for next week",
        "Notes",
    ] {
        expected.push((3, h.into()));
    }
    expected.push((2, "Next week".into()));
    assert_eq!(o.headings, expected);

    for day in &week.days {
        let title = day.date.format("%A %-d %b").to_string();
        let items = o.items.get(&title).cloned().unwrap_or_default();
        assert_eq!(
            items.len(),
            day.all_day.len() + day.events.len() + day.tasks.len(),
            "one item per event and task on {title}: {items:?}"
        );
    }
    assert_eq!(o.checked, week.totals.tasks_completed as usize);
    assert_eq!(o.unchecked, week.next_week_tasks.len());
    assert_eq!(
        o.items.get("Next week").map_or(0, Vec::len),
        week.next_week_tasks.len()
    );
    let summary = o.items.get("Summary").unwrap();
    let c = (&week.totals.categories, &week.previous.categories);
    let categories = vica_core::categories::Category::ALL
        .into_iter()
        .filter(|k| c.0.minutes(*k) != 0 || c.1.minutes(*k) != 0)
        .count();
    let away = c.0.out_of_office_days != 0 || c.1.out_of_office_days != 0;
    assert_eq!(
        summary.len(),
        3 + usize::from(week.totals.busiest_day.is_some())
            + usize::from(categories > 0)
            + usize::from(away)
    );
    assert_eq!(
        o.items.get("Summary (nested)").map_or(0, Vec::len),
        week.totals.per_source.len() + week.totals.per_project.len() + categories
    );
}

#[test]
fn the_default_template_over_a_demo_week() {
    let store = demo_store();
    let week = load(&store, "2026-W46");
    let md = markdown(&week);
    assert_structure(&md, &week);
    assert!(md.contains("- 09:30–09:45 Daily standup · Work\n"));
    insta::assert_snapshot!(md);
}

#[test]
fn the_default_template_over_the_week_in_progress_and_an_empty_week() {
    let store = demo_store();
    // The anchor's week: tasks after the anchor are still open.
    let week = load(&store, "2026-W47");
    assert_structure(&markdown(&week), &week);
    let empty = load(&store, "2026-W01");
    assert_eq!(empty.totals.event_count, 0);
    let md = markdown(&empty);
    assert_structure(&md, &empty);
    insta::assert_snapshot!(md);
}

#[test]
fn every_demo_week_renders_with_its_structure() {
    let store = demo_store();
    let mut key = key("2026-W35");
    while key <= WeekKey::containing(anchor(), WeekStart::Monday).next() {
        let week = Week::load(&store, key, &settings()).unwrap();
        let rendered = render(&week, &Template::builtin());
        assert_eq!(rendered.warning, None);
        assert_structure(&rendered.text, &week);
        key = key.next();
    }
    // Sunday-start weeks too.
    let sunday = Settings {
        week_start: WeekStart::Sunday,
        ..settings()
    };
    let week = Week::load(
        &store,
        vica_core::week::WeekKey::new(2026, 46).unwrap(),
        &sunday,
    )
    .unwrap();
    assert_structure(&markdown(&week), &week);
}

// ---------------------------------------------------------------- templates

#[test]
fn a_user_template_in_the_config_dir_overrides_the_default() {
    let store = demo_store();
    let week = load(&store, "2026-W46");
    let config = tempfile::tempdir().unwrap();
    assert!(Template::user(config.path()).unwrap().is_builtin());

    std::fs::write(
        config.path().join("export.md.j2"),
        "---\n{{ front_matter }}\nmood: fine\n---\n\n# {{ week.key }}: {{ totals.event_count }} events\n\
         {% for day in days %}{% for e in day.events %}{% if loop.first %}\n## {{ day.weekday }}\n{% endif %}\
         - {{ e.raw.title | md }} ({{ e.duration }})\n{% endfor %}{% endfor %}",
    )
    .unwrap();
    let template = Template::user(config.path()).unwrap();
    assert!(!template.is_builtin());
    assert_eq!(
        template.path(),
        Some(config.path().join("export.md.j2").as_path())
    );
    let rendered = render(&week, &template);
    assert_eq!(rendered.warning, None);
    assert!(rendered.text.starts_with("---\nweek: \"2026-W46\"\n"));
    assert!(rendered.text.contains("\nmood: fine\n---\n\n# 2026-W46: "));
    assert!(
        rendered
            .text
            .contains("\n## Mon\n- Daily standup (15 min)\n")
    );
}

#[test]
fn template_errors_carry_line_and_column_and_fall_back_to_the_default() {
    let store = demo_store();
    let week = load(&store, "2026-W46");
    let default = markdown(&week);
    let cases = [
        (
            "syntax",
            "# {{ week.label }}\n\n{% for day in days %}\n## {{ day.title }\n{% endfor %}\n",
        ),
        (
            "unclosed block",
            "# {{ week.label }}\n{% for day in days %}\n- {{ day.title }}\n",
        ),
        (
            "unknown variable",
            "# {{ week.label }}\n\nEvents: {{ totals.events }}\n",
        ),
        (
            "unknown filter",
            "---\n{{ front_matter }}\n---\n\n  {{ week.key | shout }}\n",
        ),
        (
            "bad call",
            "{% for day in days %}{{ day.title.nope() }}{% endfor %}",
        ),
        ("include", "{% include \"other.md.j2\" %}"),
    ];
    let mut report = String::new();
    for (what, source) in cases {
        let template = Template::from_source("export.md.j2", source);
        let rendered = render(&week, &template);
        let warning = rendered
            .warning
            .unwrap_or_else(|| panic!("{what}: no error"));
        assert!(warning.line.is_some(), "{what}: no line: {warning:?}");
        assert!(warning.column.is_some(), "{what}: no column: {warning:?}");
        assert_eq!(
            rendered.text, default,
            "{what}: the default template is used"
        );
        report.push_str(&format!("{what}: {warning}\n"));
    }
    insta::assert_snapshot!(report);

    // A syntax error is found without any data.
    let e = Template::from_source("export.md.j2", cases[0].1)
        .check()
        .unwrap_err();
    assert_eq!((e.line, e.column), (Some(4), Some(17)));
}

#[test]
fn a_template_file_that_cannot_be_read_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = Template::from_file(&dir.path().join("missing.md.j2")).unwrap_err();
    assert!(err.to_string().contains("missing.md.j2"), "{err}");
}

// ------------------------------------------------------------------- notes

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn marker_lines(text: &str) -> (usize, usize) {
    (
        text.lines().filter(|l| l.trim() == BEGIN_MARKER).count(),
        text.lines().filter(|l| l.trim() == END_MARKER).count(),
    )
}

#[test]
fn a_new_note_has_front_matter_first_then_the_generated_part_between_markers() {
    let store = demo_store();
    let week = load(&store, "2026-W46");
    let md = markdown(&week);
    let note = new_note(&md);
    let lines: Vec<&str> = note.lines().collect();
    assert_eq!(lines[0], "---");
    assert_eq!(lines[1], "week: \"2026-W46\"");
    let close = lines.iter().skip(1).position(|l| *l == "---").unwrap() + 1;
    assert_eq!(
        lines[close + 1],
        BEGIN_MARKER,
        "the begin marker follows the front matter"
    );
    assert_eq!(*lines.last().unwrap(), END_MARKER);
    assert_eq!(marker_lines(&note), (1, 1));
    // The markers are the only HTML, and the structure is the same.
    let o = outline(&note);
    assert_eq!(o.html.len(), 2, "{:?}", o.html);
    assert_eq!(yaml(&o)["week"].as_str(), Some("2026-W46"));
    // Without markers it is exactly the rendering.
    let stripped = note
        .replace(&format!("{BEGIN_MARKER}\n\n"), "\n")
        .replace(&format!("\n{END_MARKER}\n"), "");
    assert_eq!(stripped, md);
}

#[test]
fn writes_are_atomic_and_an_edited_note_keeps_the_user_s_parts() {
    let store = demo_store();
    let week = load(&store, "2026-W45");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("2026-W45.md");

    assert_eq!(
        write_note(&path, &markdown(&week), false).unwrap(),
        WriteOutcome::Created
    );
    assert_eq!(
        files_in(dir.path()),
        ["2026-W45.md"],
        "no temporary file left behind"
    );
    let first = std::fs::read_to_string(&path).unwrap();
    assert!(first.starts_with("---\nweek: \"2026-W45\"\n"));
    assert_eq!(
        write_note(&path, &markdown(&week), false).unwrap(),
        WriteOutcome::Unchanged
    );

    // The user adds a property in Obsidian, curates the tags, writes above
    // and below the generated part.
    let edited = first
        .replace(
            "tags: [weekly-review]\n",
            "tags:\n  - weekly-review\n  - mine\nmood: great\n",
        )
        .replace(
            &format!("---\n{BEGIN_MARKER}\n"),
            &format!("---\n\nMy intro, above Vica's part.\n\n{BEGIN_MARKER}\n"),
        )
        + "\n## My own section\n\nKeep *this* as it is.\n";
    std::fs::write(&path, &edited).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    }

    // The week changes: a reflection is written.
    let reflection = Reflection {
        went_well: "A calm week.".into(),
        ..Reflection::default()
    };
    store.save_reflection(key("2026-W45"), &reflection).unwrap();
    let changed = load(&store, "2026-W45");
    assert_eq!(
        write_note(&path, &markdown(&changed), false).unwrap(),
        WriteOutcome::Updated
    );
    let updated = std::fs::read_to_string(&path).unwrap();
    assert!(
        updated.contains("\nreflection: true\n"),
        "generated keys are refreshed:\n{updated}"
    );
    assert!(!updated.contains("reflection: false"));
    assert!(updated.contains("tags:\n  - weekly-review\n  - mine\nmood: great\n"));
    assert!(updated.contains("A calm week."));
    let around = |t: &str| {
        let b = t.find(BEGIN_MARKER).unwrap();
        let e = t.find(END_MARKER).unwrap();
        let close = t[4..].find("\n---\n").unwrap() + 4 + 5;
        (t[close..b].to_owned(), t[e..].to_owned())
    };
    assert_eq!(
        around(&edited),
        around(&updated),
        "text above and below the markers is kept byte for byte"
    );
    assert!(updated.ends_with("\n## My own section\n\nKeep *this* as it is.\n"));
    assert_eq!(marker_lines(&updated), (1, 1));
    assert_eq!(files_in(dir.path()), ["2026-W45.md"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640, "the note keeps its permissions");
    }
    assert_eq!(
        write_note(&path, &markdown(&changed), false).unwrap(),
        WriteOutcome::Unchanged
    );
}

#[test]
fn a_note_rewritten_by_the_user_is_not_clobbered_unless_forced() {
    let store = demo_store();
    let md = markdown(&load(&store, "2026-W46"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("note.md");

    // No markers: the user's own note, or one they rewrote.
    let mine = "# My week\n\nI wrote this myself.\n";
    std::fs::write(&path, mine).unwrap();
    assert_eq!(
        write_note(&path, &md, false).unwrap(),
        WriteOutcome::Conflict(Conflict::NoMarkers)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), mine);

    // Markers repeated or out of order.
    for broken in [
        format!("{BEGIN_MARKER}\nx\n{BEGIN_MARKER}\n{END_MARKER}\n"),
        format!("{END_MARKER}\nx\n{BEGIN_MARKER}\n"),
        format!("---\na: 1\n---\n{BEGIN_MARKER}\nonly the beginning\n"),
    ] {
        std::fs::write(&path, &broken).unwrap();
        assert_eq!(
            write_note(&path, &md, false).unwrap(),
            WriteOutcome::Conflict(Conflict::BrokenMarkers),
            "{broken}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
    }

    // Not text.
    std::fs::write(&path, b"\xff\xfe binary").unwrap();
    assert_eq!(
        write_note(&path, &md, false).unwrap(),
        WriteOutcome::Conflict(Conflict::NotText)
    );

    // Forced: replaced whole.
    std::fs::write(&path, mine).unwrap();
    assert_eq!(
        write_note(&path, &md, true).unwrap(),
        WriteOutcome::Overwritten
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), new_note(&md));
    assert_eq!(files_in(dir.path()), ["note.md"]);
}

#[test]
fn a_failed_write_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    // The target is a folder: it cannot be read as a note nor replaced.
    let target = dir.path().join("2026-W46.md");
    std::fs::create_dir(&target).unwrap();
    assert!(write_note(&target, "---\na: 1\n---\n# x\n", false).is_err());
    assert_eq!(files_in(dir.path()), ["2026-W46.md"]);
    assert!(target.is_dir());
    // A folder that does not exist.
    let missing = dir.path().join("nope").join("note.md");
    assert!(write_note(&missing, "# x\n", false).is_err());
}

#[test]
fn notes_with_windows_line_endings_and_no_front_matter_are_updated() {
    let rendered = "---\nweek: \"2026-W46\"\n---\n\n# New\n\n- item\n";
    let crlf = format!(
        "---\r\nweek: \"2026-W46\"\r\nmine: 1\r\n---\r\nIntro\r\n{BEGIN_MARKER}\r\n\r\n# Old\r\n\r\n{END_MARKER}\r\nOutro\r\n"
    );
    let merged = merge_note(&crlf, rendered).unwrap();
    assert_eq!(
        merged,
        format!(
            "---\r\nweek: \"2026-W46\"\r\nmine: 1\r\n---\r\nIntro\r\n{BEGIN_MARKER}\r\n\r\n# New\r\n\r\n- item\r\n\r\n{END_MARKER}\r\nOutro\r\n"
        )
    );
    // The user removed the front matter: it stays removed.
    let bare = format!("{BEGIN_MARKER}\nold\n{END_MARKER}\n");
    assert_eq!(
        merge_note(&bare, rendered).unwrap(),
        format!("{BEGIN_MARKER}\n\n# New\n\n- item\n\n{END_MARKER}\n")
    );
}

// ----------------------------------------------------------- hostile titles

const HOSTILE: &[&str] = &[
    "*bold* _em_ **strong** __under__",
    "[x] fake [link](https://evil.example) ![img](x.png) <https://auto.link>",
    "| a | b |\n|---|---|\n| c | d |",
    "# heading",
    "`code` ```fence```",
    "<script>alert(1)</script>",
    "line\n## Fake\n- [ ] fake item",
    "---",
    "<!-- vica:end -->",
    "<!-- vica:begin -->",
    "[[Wiki link]] #tag ==hl== %%comment%% $x^2$ ^block {{embed}} ((ref)) key:: value",
    "1. ordered",
    "2) ordered",
    "> quote",
    "    indented code",
    "&amp; &#60; &copy entity",
    "trailing backslash \\",
    "~~strike~~",
    "<div>\n\nblock html\n\n</div>",
    "Setext\n===",
    "[^1] footnote\n\n[^1]: note",
    "+ plus\n* star",
    "\u{202e}reversed\u{0}nul\u{7}bell\r\ncrlf\u{2028}sep",
];

/// A title as it reads in one line: whitespace folded, invisible controls dropped.
fn fold(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '\u{2028}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}'))
        .collect()
}

/// A store whose every name and title is hostile.
fn hostile_store() -> (Store, usize) {
    let mut store = Store::open_in_memory().unwrap();
    store.save_settings(&settings()).unwrap();
    let tz: Tz = ZONE.parse().unwrap();
    let local = |s: &str| -> DateTime<Utc> {
        tz.from_local_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    let google = store
        .add_account(Provider::Google, "me", None, false)
        .unwrap();
    let source = |kind, id: &str, name: &str| SourceRecord {
        kind,
        provider_id: id.into(),
        name: name.into(),
        color: Some("red;} body{display:none".into()),
        is_primary: false,
        access_role: None,
    };
    let cal = store
        .upsert_source(
            google.id,
            &source(SourceKind::Calendar, "c", "# Cal | <b>x</b>\n---"),
        )
        .unwrap();
    let todoist = store
        .add_account(Provider::Todoist, "me", None, false)
        .unwrap();
    let project = store
        .upsert_source(
            todoist.id,
            &source(SourceKind::Project, "p", "- [x] Proj <!-- vica:end -->"),
        )
        .unwrap();
    let mut events = Vec::new();
    let mut tasks = Vec::new();
    for (i, title) in HOSTILE.iter().enumerate() {
        let start = local(&format!("2026-11-16 {:02}:00", i % 24));
        events.push(EventRecord {
            provider_id: format!("e{i}"),
            title: (*title).into(),
            description: Some((*title).into()),
            location: Some((*title).into()),
            time: EventTime::Timed {
                start,
                end: start + chrono::Duration::minutes(30),
            },
            time_zone: Some(ZONE.into()),
            status: EventStatus::Confirmed,
            my_response: Some(Response::Accepted),
            is_organizer: false,
            attendee_count: 1,
            series_id: None,
            link: Some(format!("javascript:alert({i})")),
            updated_at: None,
            kind: Default::default(),
            show_as: Default::default(),
        });
        for (prefix, completed, due) in [
            ("done", Some(local("2026-11-17 10:00")), None),
            ("open", None, NaiveDate::from_ymd_opt(2026, 11, 24)),
        ] {
            tasks.push(TaskRecord {
                provider_id: format!("{prefix}{i}"),
                content: (*title).into(),
                description: Some((*title).into()),
                section: Some((*title).into()),
                labels: vec![(*title).into(), "ok".into()],
                priority: 1,
                due_date: due,
                completed_at: completed,
                link: Some("https://example.com/a b)(<x>".into()),
                updated_at: None,
            });
        }
    }
    let events_page = Page {
        events,
        ..Page::default()
    };
    store
        .write_page(cal.id, &events_page, CursorUpdate::Keep)
        .unwrap();
    let tasks_page = Page {
        tasks,
        ..Page::default()
    };
    store
        .write_page(project.id, &tasks_page, CursorUpdate::Keep)
        .unwrap();
    let hostile_text = HOSTILE.join("\n");
    store
        .save_reflection(
            key("2026-W47"),
            &Reflection {
                went_well: hostile_text.clone(),
                didnt_go_well: hostile_text.clone(),
                focus_next: hostile_text.clone(),
                notes: hostile_text,
            },
        )
        .unwrap();
    (store, HOSTILE.len())
}

#[test]
fn hostile_titles_cannot_break_the_structure() {
    let (store, n) = hostile_store();
    let week = load(&store, "2026-W47");
    assert_eq!(week.totals.event_count as usize, n);
    assert_eq!(week.totals.tasks_completed as usize, n);
    assert_eq!(week.next_week_tasks.len(), n);
    let md = markdown(&week);
    if std::env::var_os("VICA_PRINT_HOSTILE").is_some() {
        println!("{md}");
    }
    let o = outline(&md);
    assert!(o.html.is_empty(), "no HTML at all: {:?}", o.html);
    assert!(
        o.other.is_empty(),
        "no emphasis, links, code, tables, quotes: {:?}",
        o.other
    );
    assert_eq!(o.metadata.len(), 1);
    let fm = yaml(&o);
    assert_eq!(
        fm["sources"].as_sequence().unwrap().len(),
        2,
        "names are YAML strings: {fm:?}"
    );
    assert_eq!(fm["sources"][0].as_str(), Some("# Cal | <b>x</b> ---"));
    // Same headings as any week: nothing injected.
    assert_eq!(o.headings.len(), 1 + 1 + 7 + 1 + 4 + 1, "{:?}", o.headings);
    assert!(o.headings.iter().all(|(_, h)| !h.contains("Fake")));
    assert_eq!((o.checked, o.unchecked), (n, n));

    // Every title survives as text, folded to one line.
    let cal = fold("# Cal | <b>x</b>\n---");
    let monday = &o.items["Monday 16 Nov"];
    assert_eq!(monday.len(), n);
    for (i, title) in HOSTILE.iter().enumerate() {
        let expected = format!("{:02}:00–{:02}:30 {} · {cal}", i % 24, i % 24, fold(title));
        assert!(
            monday.contains(&expected),
            "{expected:?} not in {monday:#?}"
        );
    }
    let tuesday = &o.items["Tuesday 17 Nov"];
    let project = fold("- [x] Proj <!-- vica:end -->");
    for title in HOSTILE {
        let prefix = format!("{} · {project} ", fold(title));
        assert!(
            tuesday
                .iter()
                .any(|t| t.starts_with(&prefix) && t.ends_with(" #ok")),
            "{prefix:?} not in {tuesday:#?}"
        );
    }
    // The reflection is the user's own text: its list items stay list items
    // ("- [ ] fake item", "1. ordered", "2) ordered", "+ plus", "* star",
    // in each of the four parts), and nothing else becomes syntax.
    let reflection = &o.items["Reflection"];
    assert_eq!(reflection.len(), 4 * 5, "{reflection:#?}");

    // Written to a file, the markers stay one pair, also after an update.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.md");
    assert_eq!(
        write_note(&path, &md, false).unwrap(),
        WriteOutcome::Created
    );
    let file = std::fs::read_to_string(&path).unwrap();
    assert_eq!(marker_lines(&file), (1, 1));
    assert_eq!(
        outline(&file).html,
        [format!("{BEGIN_MARKER}\n"), format!("{END_MARKER}\n")]
    );
    std::fs::write(&path, file.replace("# Week 47", "# Week 47 (edited)")).unwrap();
    assert_eq!(
        write_note(&path, &md, false).unwrap(),
        WriteOutcome::Updated
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), file);
}

#[test]
fn a_user_template_printing_raw_titles_cannot_forge_markers() {
    let (store, _) = hostile_store();
    let week = load(&store, "2026-W47");
    let template = Template::from_source(
        "raw.md.j2",
        "---\n{{ front_matter }}\n---\n{% for e in days[0].events %}{{ e.raw.title }}\n{% endfor %}",
    );
    let rendered = render(&week, &template);
    assert_eq!(rendered.warning, None);
    assert!(rendered.text.contains("\n<!-- vica:end -->\n"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("raw.md");
    write_note(&path, &rendered.text, false).unwrap();
    let file = std::fs::read_to_string(&path).unwrap();
    assert_eq!(marker_lines(&file), (1, 1));
    assert_eq!(
        write_note(&path, &rendered.text, false).unwrap(),
        WriteOutcome::Unchanged
    );
}

// ------------------------------------------------------------------ ranges

#[test]
fn a_range_exports_one_note_per_week_into_the_vault() {
    let store = demo_store();
    let vault_dir = tempfile::tempdir().unwrap();
    let vault = Vault::new(vault_dir.path(), "Reviews/{year}-W{week}.md").unwrap();
    let template = Template::builtin();
    let done = vault
        .export_range(
            &store,
            &settings(),
            key("2026-W01")..=key("2026-W47"),
            &template,
            false,
        )
        .unwrap();
    assert_eq!(done.len(), 47);
    assert!(
        done.iter()
            .all(|e| e.outcome == WriteOutcome::Created && e.warning.is_none())
    );
    let reviews = vault_dir.path().join("Reviews");
    let files = files_in(&reviews);
    assert_eq!(files.len(), 47);
    assert_eq!(files[0], "2026-W01.md");
    assert_eq!(files[46], "2026-W47.md");
    for e in &done {
        let text = std::fs::read_to_string(&e.path).unwrap();
        assert!(text.starts_with(&format!("---\nweek: \"{}\"\n", e.week)));
        assert_eq!(e.path, reviews.join(format!("{}.md", e.week)));
    }
    // Weeks before the demo's history are empty notes, not errors.
    let early = std::fs::read_to_string(reviews.join("2026-W01.md")).unwrap();
    assert!(early.contains("\nevents: 0\n") && early.contains("Nothing recorded."));
    let late = std::fs::read_to_string(reviews.join("2026-W46.md")).unwrap();
    assert!(late.contains("Daily standup"));

    // Again: nothing changes. An edited note is reported, the rest written.
    std::fs::write(reviews.join("2026-W10.md"), "my own notes\n").unwrap();
    let again = vault
        .export_range(
            &store,
            &settings(),
            key("2026-W01")..=key("2026-W47"),
            &template,
            false,
        )
        .unwrap();
    let conflicts: Vec<String> = again
        .iter()
        .filter(|e| !e.outcome.written())
        .map(|e| e.week.to_string())
        .collect();
    assert_eq!(conflicts, ["2026-W10"]);
    assert_eq!(
        again
            .iter()
            .filter(|e| e.outcome == WriteOutcome::Unchanged)
            .count(),
        46
    );
    assert_eq!(
        std::fs::read_to_string(reviews.join("2026-W10.md")).unwrap(),
        "my own notes\n"
    );

    // A reversed range, a missing vault.
    assert!(
        vault
            .export_range(
                &store,
                &settings(),
                key("2026-W02")..=key("2026-W01"),
                &template,
                false
            )
            .is_err()
    );
    let gone = Vault::new(vault_dir.path().join("nope"), "{week}.md").unwrap();
    let week = load(&store, "2026-W46");
    assert!(gone.export(&week, &template, false).is_err());
}

#[test]
fn a_range_with_a_broken_user_template_falls_back_and_says_so() {
    let store = demo_store();
    let vault_dir = tempfile::tempdir().unwrap();
    let vault = Vault::new(vault_dir.path(), "{start}.md").unwrap();
    let template = Template::from_source("export.md.j2", "{{ oops(");
    let done = vault
        .export_range(
            &store,
            &settings(),
            key("2026-W45")..=key("2026-W46"),
            &template,
            false,
        )
        .unwrap();
    assert_eq!(
        files_in(vault_dir.path()),
        ["2026-11-02.md", "2026-11-09.md"]
    );
    for e in &done {
        let w = e.warning.as_ref().unwrap();
        assert_eq!(w.line, Some(1));
        let text = std::fs::read_to_string(&e.path).unwrap();
        assert!(text.contains("## Summary"), "the default template was used");
    }
}

// ----------------------------------------------------------------- history

#[test]
fn the_history_lists_weeks_with_a_reflection_and_the_streak() {
    let store = demo_store();
    let empty = Reflection::default();
    let written = |text: &str| Reflection {
        notes: text.into(),
        ..Reflection::default()
    };
    store
        .save_reflection(key("2026-W45"), &written("ok"))
        .unwrap();
    store
        .save_reflection(key("2026-W44"), &written("fine"))
        .unwrap();
    store
        .save_reflection(key("2026-W42"), &written("old"))
        .unwrap();
    // Saved but blank: does not count.
    store.save_reflection(key("2026-W43"), &empty).unwrap();
    store
        .save_reflection(key("2026-W41"), &written("  \n "))
        .unwrap();

    let reflected: Vec<String> = store
        .reflected_weeks()
        .unwrap()
        .iter()
        .map(|(k, _)| k.to_string())
        .collect();
    assert_eq!(reflected, ["2026-W46", "2026-W45", "2026-W44", "2026-W42"]);

    let h = ReviewHistory::load(&store, key("2026-W47"), WeekStart::Monday, 8).unwrap();
    // W47 in progress and not written: the streak runs W46, W45, W44.
    assert_eq!(h.streak, 3);
    assert_eq!(h.written_total, 4);
    let marks: String = h
        .weeks
        .iter()
        .map(|w| if w.written { '✓' } else { '·' })
        .collect();
    assert_eq!(marks, "·✓✓✓·✓··");
    assert!(h.weeks[0].is_current);
    assert!(h.weeks[1].edited_at.is_some());
}
