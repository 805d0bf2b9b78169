//! Month and quarter roll-ups against the week model: a period's figures
//! are worked out here from the days `Week::load` shows (only the days inside
//! the period), and a week straddling a month's end counts by days.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use vica_core::Store;
use vica_core::model::{EventKind, EventStatus, EventTime, Reflection, ShowAs};
use vica_core::period::{Period, PeriodKey};
use vica_core::settings::{Settings, WeekStart};
use vica_core::store::{CursorUpdate, Page};
use vica_core::week::{Week, WeekKey};

const ZONE: &str = "Europe/Berlin";

fn settings(week_start: WeekStart) -> Settings {
    Settings {
        time_zone: Some(ZONE.into()),
        week_start,
        ..Settings::default()
    }
}

fn demo(week_start: WeekStart) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("vica.db")).unwrap();
    store.save_settings(&settings(week_start)).unwrap();
    let tz: Tz = ZONE.parse().unwrap();
    let world = vica_core::demo::world(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), tz);
    vica_core::demo::install_world(&mut store, &world).unwrap();
    (store, dir)
}

/// What the days of `Week::load` say about the days from `first` to `last`.
#[derive(Debug, Default, PartialEq)]
struct FromWeeks {
    event_minutes: i64,
    event_ids: BTreeSet<i64>,
    all_day_ids: BTreeSet<i64>,
    tasks: u32,
    per_project: BTreeMap<String, u32>,
    meetings: i64,
    focus: i64,
    out_of_office_days: i64,
    /// (minutes, date) of every day with counted time.
    days: Vec<(i64, NaiveDate)>,
}

fn from_weeks(store: &Store, s: &Settings, first: NaiveDate, last: NaiveDate) -> FromWeeks {
    let mut out = FromWeeks::default();
    let mut key = WeekKey::containing(first, s.week_start);
    loop {
        let week = Week::load(store, key, s).unwrap();
        if week.first_day > last {
            break;
        }
        for day in week
            .days
            .iter()
            .filter(|d| d.date >= first && d.date <= last)
        {
            out.event_minutes += day.event_minutes;
            out.meetings += day.categories.meetings;
            out.focus += day.categories.focus;
            out.out_of_office_days += day.categories.out_of_office_days;
            out.event_ids
                .extend(day.events.iter().filter(|e| e.counted).map(|e| e.id));
            out.all_day_ids.extend(day.all_day.iter().map(|e| e.id));
            out.tasks += day.tasks.len() as u32;
            for t in &day.tasks {
                *out.per_project.entry(t.project.clone()).or_default() += 1;
            }
            if day.event_minutes > 0 {
                out.days.push((day.event_minutes, day.date));
            }
        }
        key = key.next();
    }
    out
}

fn check(store: &Store, s: &Settings, key: PeriodKey) -> Period {
    let p = Period::load(store, key, s).unwrap();
    let w = from_weeks(store, s, key.first_day(), key.last_day());
    let t = &p.totals;
    assert_eq!(t.event_minutes, w.event_minutes, "{key}");
    assert_eq!(t.event_count as usize, w.event_ids.len(), "{key}");
    assert_eq!(t.all_day_count as usize, w.all_day_ids.len(), "{key}");
    assert_eq!(t.tasks_completed, w.tasks, "{key}");
    assert_eq!(t.categories.meetings, w.meetings, "{key}");
    assert_eq!(t.categories.focus, w.focus, "{key}");
    assert_eq!(
        t.categories.out_of_office_days, w.out_of_office_days,
        "{key}"
    );
    let projects: BTreeMap<String, u32> = t
        .per_project
        .iter()
        .map(|p| (p.name.clone(), p.tasks_completed))
        .collect();
    assert_eq!(projects, w.per_project, "{key}");
    let mut days = w.days.clone();
    days.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    days.truncate(5);
    let busiest: Vec<(i64, NaiveDate)> = p
        .busiest_days
        .iter()
        .map(|d| (d.event_minutes, d.date))
        .collect();
    assert_eq!(busiest, days, "{key}");
    assert!(p.top_projects.len() <= 5);
    // The weeks cover the period's days once each.
    assert_eq!(p.weeks.first().unwrap().first_day, key.first_day());
    assert_eq!(p.weeks.last().unwrap().last_day, key.last_day());
    let days_in: u32 = p.weeks.iter().map(|w| w.days).sum();
    assert_eq!(
        i64::from(days_in),
        (key.last_day() - key.first_day()).num_days() + 1
    );
    assert_eq!(
        p.weeks.iter().map(|w| w.event_minutes).sum::<i64>(),
        w.event_minutes
    );
    assert_eq!(
        p.weeks.iter().map(|w| w.tasks_completed).sum::<u32>(),
        w.tasks
    );
    p
}

#[test]
fn demo_months_and_quarters_are_their_days_rolled_up() {
    for start in [WeekStart::Monday, WeekStart::Sunday] {
        let (store, _dir) = demo(start);
        let s = settings(start);
        for m in ["2026-08", "2026-09", "2026-10", "2026-11", "2026-12"] {
            let p = check(&store, &s, m.parse().unwrap());
            if m == "2026-10" {
                assert!(p.totals.event_minutes > 0 && p.totals.tasks_completed > 0);
            }
        }
        let q4 = check(&store, &s, "2026-Q4".parse().unwrap());
        check(&store, &s, "2026-Q3".parse().unwrap());
        // A quarter's additive figures are its three months'.
        let months: Vec<Period> = ["2026-10", "2026-11", "2026-12"]
            .iter()
            .map(|m| Period::load(&store, m.parse().unwrap(), &s).unwrap())
            .collect();
        assert_eq!(
            q4.totals.tasks_completed,
            months.iter().map(|m| m.totals.tasks_completed).sum::<u32>()
        );
        assert_eq!(
            q4.totals.event_minutes,
            months.iter().map(|m| m.totals.event_minutes).sum::<i64>()
        );
    }
}

/// The demo's store, one of its calendars and one of its projects with a
/// record of each to copy; the tests below write into 2029, which the demo
/// does not reach.
struct Bare {
    store: Store,
    calendar: (i64, vica_core::model::EventRecord),
    project: (i64, vica_core::model::TaskRecord),
    _dir: tempfile::TempDir,
}

fn bare() -> Bare {
    let (store, dir) = demo(WeekStart::Monday);
    let tz: Tz = ZONE.parse().unwrap();
    let world = vica_core::demo::world(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), tz);
    let calendar = &world[0].sources[0];
    let project = world
        .iter()
        .flat_map(|a| &a.sources)
        .find(|s| !s.tasks.is_empty())
        .unwrap();
    let sources = store.sources().unwrap();
    let id = |pid: &str| sources.iter().find(|s| s.provider_id == pid).unwrap().id;
    Bare {
        calendar: (id(&calendar.record.provider_id), calendar.events[0].clone()),
        project: (id(&project.record.provider_id), project.tasks[0].clone()),
        store,
        _dir: dir,
    }
}

fn berlin(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    let tz: Tz = ZONE.parse().unwrap();
    tz.with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn a_week_across_a_months_end_counts_by_days() {
    let mut b = bare();
    let mut events = Page::default();
    let mut add = |pid: &str, start: DateTime<Utc>, end: DateTime<Utc>, attendees: u32| {
        let mut e = b.calendar.1.clone();
        e.provider_id = pid.into();
        e.series_id = None;
        e.attendee_count = attendees;
        e.time = EventTime::Timed { start, end };
        e.my_response = None;
        e.show_as = ShowAs::Busy;
        e.kind = EventKind::Default;
        e.status = EventStatus::Confirmed;
        events.events.push(e);
    };
    // 2029-W05 runs from Monday 29 January to Sunday 4 February.
    add(
        "across-midnight",
        berlin(2029, 1, 31, 23, 0),
        berlin(2029, 2, 1, 1, 0),
        2,
    );
    add(
        "jan-mon",
        berlin(2029, 1, 29, 9, 0),
        berlin(2029, 1, 29, 10, 30),
        0,
    );
    add(
        "feb-sun",
        berlin(2029, 2, 4, 9, 0),
        berlin(2029, 2, 4, 9, 45),
        3,
    );
    let (cal, proj) = (b.calendar.0, b.project.0);
    b.store
        .write_page(cal, &events, CursorUpdate::Keep)
        .unwrap();
    let mut tasks = Page::default();
    for (i, at) in [
        berlin(2029, 1, 31, 23, 59),
        berlin(2029, 2, 1, 0, 0),
        berlin(2029, 2, 2, 12, 0),
    ]
    .into_iter()
    .enumerate()
    {
        let mut t = b.project.1.clone();
        t.provider_id = format!("t{i}");
        t.completed_at = Some(at);
        tasks.tasks.push(t);
    }
    b.store
        .write_page(proj, &tasks, CursorUpdate::Keep)
        .unwrap();
    let s = settings(WeekStart::Monday);
    let jan = Period::load(&b.store, "2029-01".parse().unwrap(), &s).unwrap();
    let feb = Period::load(&b.store, "2029-02".parse().unwrap(), &s).unwrap();
    // January: 90 minutes on the 29th, the hour before midnight on the 31st.
    assert_eq!(jan.totals.event_minutes, 90 + 60);
    assert_eq!(jan.totals.event_count, 2);
    assert_eq!(jan.totals.tasks_completed, 1);
    assert_eq!(jan.totals.categories.meetings, 60);
    // February: the hour after midnight and 45 minutes on Sunday the 4th.
    assert_eq!(feb.totals.event_minutes, 60 + 45);
    assert_eq!(
        feb.totals.event_count, 2,
        "the event across midnight counts in both"
    );
    assert_eq!(feb.totals.tasks_completed, 2);
    // Week 5 gives three days to January and four to February.
    let w5: WeekKey = "2029-W05".parse().unwrap();
    let jan_w5 = jan.weeks.iter().find(|w| w.key == w5).unwrap();
    let feb_w5 = feb.weeks.iter().find(|w| w.key == w5).unwrap();
    assert_eq!((jan_w5.days, feb_w5.days), (3, 4));
    assert_eq!((jan_w5.event_minutes, feb_w5.event_minutes), (150, 105));
    assert_eq!((jan_w5.tasks_completed, feb_w5.tasks_completed), (1, 2));
    assert_eq!(
        (jan_w5.first_day, jan_w5.last_day),
        (
            NaiveDate::from_ymd_opt(2029, 1, 29).unwrap(),
            NaiveDate::from_ymd_opt(2029, 1, 31).unwrap()
        )
    );
    // The whole week, as the week view shows it, is the two parts together.
    let week = Week::load(&b.store, w5, &s).unwrap();
    assert_eq!(week.totals.event_minutes, 150 + 105);
    assert_eq!(week.totals.tasks_completed, 3);
    assert_eq!(
        jan.busiest_days.first().map(|d| d.date),
        NaiveDate::from_ymd_opt(2029, 1, 29)
    );
    let q1 = Period::load(&b.store, "2029-Q1".parse().unwrap(), &s).unwrap();
    assert_eq!(q1.totals.event_minutes, 90 + 120 + 45);
    assert_eq!(q1.totals.event_count, 3);
    assert_eq!(q1.weeks.first().unwrap().key.to_string(), "2029-W01");
}

#[test]
fn a_reflection_belongs_to_the_period_holding_its_weeks_middle() {
    let (store, _dir) = demo(WeekStart::Monday);
    let s = settings(WeekStart::Monday);
    let save = |k: &str, text: &str| {
        store
            .save_reflection(
                k.parse().unwrap(),
                &Reflection {
                    went_well: text.into(),
                    ..Reflection::default()
                },
            )
            .unwrap();
    };
    // 2026-W49 runs 30 Nov – 6 Dec: its Thursday is 3 December.
    save("2026-W49", "- shipped the release\n\n- * calm week");
    // 2026-W44 runs 26 Oct – 1 Nov: its Thursday is 29 October.
    save("2026-W44", "long walks");
    // 2026-W53 runs 28 Dec – 3 Jan: its Thursday is 31 December.
    save("2026-W53", "year closed");
    // Saved empty: no lines.
    save("2026-W50", "  \n - \n");
    let dec = Period::load(&store, "2026-12".parse().unwrap(), &s).unwrap();
    let weeks: Vec<String> = dec.went_well.iter().map(|w| w.week.to_string()).collect();
    assert_eq!(weeks, ["2026-W49", "2026-W53"]);
    assert_eq!(
        dec.went_well[0].lines,
        ["shipped the release", "* calm week"]
    );
    let nov = Period::load(&store, "2026-11".parse().unwrap(), &s).unwrap();
    assert!(nov.went_well.is_empty(), "{:?}", nov.went_well);
    let oct = Period::load(&store, "2026-10".parse().unwrap(), &s).unwrap();
    assert_eq!(oct.went_well.len(), 1);
    assert_eq!(oct.went_well[0].lines, ["long walks"]);
    let q4 = Period::load(&store, "2026-Q4".parse().unwrap(), &s).unwrap();
    assert_eq!(q4.went_well.len(), 3);
    let q1 = Period::load(&store, "2027-Q1".parse().unwrap(), &s).unwrap();
    assert!(q1.went_well.is_empty());
}

#[test]
fn months_and_quarters_export_into_the_vault_with_markers() {
    use vica_core::export::{
        BEGIN_MARKER, END_MARKER, PeriodVault, Template, WriteOutcome, period_markdown,
    };
    let (store, _dir) = demo(WeekStart::Monday);
    let s = settings(WeekStart::Monday);
    store
        .save_reflection(
            "2026-W45".parse().unwrap(),
            &Reflection {
                went_well: "- shipped **it** <script>x</script>\n- # not a heading".into(),
                ..Reflection::default()
            },
        )
        .unwrap();
    let vault_dir = tempfile::tempdir().unwrap();
    let vault = PeriodVault::new(vault_dir.path(), &s.vault_period_pattern).unwrap();
    let nov = Period::load(&store, "2026-11".parse().unwrap(), &s).unwrap();
    let q4 = Period::load(&store, "2026-Q4".parse().unwrap(), &s).unwrap();
    let builtin = vica_core::export::period::builtin_period_template();
    let out = vault.export(&nov, &builtin, false).unwrap();
    assert_eq!(out.path, vault_dir.path().join("Reviews/2026-11.md"));
    assert_eq!(out.outcome, WriteOutcome::Created);
    let out_q = vault.export(&q4, &builtin, false).unwrap();
    assert_eq!(out_q.path, vault_dir.path().join("Reviews/2026-Q4.md"));
    let text = std::fs::read_to_string(&out.path).unwrap();
    assert!(text.starts_with("---\nmonth: \"2026-11\"\n"), "{text}");
    assert_eq!(text.matches(BEGIN_MARKER).count(), 1);
    assert_eq!(text.matches(END_MARKER).count(), 1);
    assert!(text.contains("# November 2026"));
    // The top project and its count, as the week views count them.
    let top = &nov.top_projects[0];
    assert!(
        text.contains(&format!("- {}: {}", top.name, top.tasks_completed)),
        "{text}"
    );
    // The reflection's lines are data: escaped, never markup.
    assert!(!text.contains("<script>"), "{text}");
    assert!(!text.contains("\n- # not"), "{text}");
    assert!(text.contains("(2026-W45)"), "{text}");
    // The time in events as the totals say.
    assert!(text.contains(&format!(
        "- Time in events: {} over 30 days",
        vica_core::export::duration(nov.totals.event_minutes)
    )));
    // A user's edit outside the markers survives a second export.
    let edited = format!("{text}\nMy own notes.\n");
    std::fs::write(&out.path, &edited).unwrap();
    let again = vault.export(&nov, &builtin, false).unwrap();
    assert_eq!(again.outcome, WriteOutcome::Unchanged);
    assert!(
        std::fs::read_to_string(&out.path)
            .unwrap()
            .contains("My own notes.")
    );
    // A broken user template falls back to the default, with a warning.
    let broken = Template::from_source("period.md.j2", "# {{ period.nope }\n");
    let r = vica_core::export::render_period(&q4, &broken);
    assert!(r.warning.is_some());
    assert_eq!(r.text, period_markdown(&q4));
    assert!(r.text.contains("# Q4 2026 · Oct – Dec"));
}
