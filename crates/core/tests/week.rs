//! Golden tests of the week model across DST changes, midnight and overlaps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use vica_core::Store;
use vica_core::model::{
    EventRecord, EventStatus, EventTime, Provider, Reflection, Response, SourceKind, SourceRecord,
    TaskRecord,
};
use vica_core::settings::{Settings, WeekStart};
use vica_core::store::{CursorUpdate, Page};
use vica_core::week::{Week, WeekKey};

/// A store with one calendar and one project, laid out in `zone`.
struct Fixture {
    store: Store,
    tz: Tz,
    calendar: i64,
    project: i64,
    settings: Settings,
}

impl Fixture {
    fn new(zone: &str) -> Fixture {
        let mut store = Store::open_in_memory().unwrap();
        let account = store
            .add_account(Provider::Google, "me", None, false)
            .unwrap();
        let source = |kind, id: &str, name: &str, color: &str| SourceRecord {
            kind,
            provider_id: id.into(),
            name: name.into(),
            color: Some(color.into()),
            is_primary: false,
            access_role: None,
        };
        let calendar = store
            .upsert_source(
                account.id,
                &source(SourceKind::Calendar, "cal", "Work", "#3b6fd8"),
            )
            .unwrap()
            .id;
        let todo = store
            .add_account(Provider::Todoist, "me", None, false)
            .unwrap();
        let project = store
            .upsert_source(
                todo.id,
                &source(SourceKind::Project, "p1", "Inbox", "#db4035"),
            )
            .unwrap()
            .id;
        let settings = Settings {
            time_zone: Some(zone.into()),
            ..Settings::default()
        };
        store.save_settings(&settings).unwrap();
        Fixture {
            store,
            tz: zone.parse().unwrap(),
            calendar,
            project,
            settings,
        }
    }

    fn local(&self, s: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        self.tz
            .from_local_datetime(&naive)
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn timed(
        &mut self,
        id: &str,
        title: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> EventRecord {
        EventRecord {
            provider_id: id.into(),
            title: title.into(),
            description: None,
            location: None,
            time: EventTime::Timed { start, end },
            time_zone: Some(self.tz.name().into()),
            status: EventStatus::Confirmed,
            my_response: Some(Response::Accepted),
            is_organizer: false,
            attendee_count: 2,
            series_id: None,
            link: None,
            updated_at: None,
            kind: Default::default(),
            show_as: Default::default(),
        }
    }

    fn add(&mut self, id: &str, title: &str, start: &str, end: &str) {
        let e = self.timed(id, title, self.local(start), self.local(end));
        self.put(e);
    }

    fn put(&mut self, e: EventRecord) {
        let page = Page {
            events: vec![e],
            ..Page::default()
        };
        self.store
            .write_page(self.calendar, &page, CursorUpdate::Keep)
            .unwrap();
    }

    fn all_day(&mut self, id: &str, title: &str, start: NaiveDate, end: NaiveDate) {
        let mut e = self.timed(id, title, Utc::now(), Utc::now());
        e.time = EventTime::AllDay { start, end };
        self.put(e);
    }

    fn task(&mut self, id: &str, content: &str, completed: Option<&str>, due: Option<NaiveDate>) {
        let t = TaskRecord {
            provider_id: id.into(),
            content: content.into(),
            description: None,
            section: None,
            labels: vec!["focus".into()],
            priority: 2,
            due_date: due,
            completed_at: completed.map(|c| self.local(c)),
            link: None,
            updated_at: None,
        };
        let page = Page {
            tasks: vec![t],
            ..Page::default()
        };
        self.store
            .write_page(self.project, &page, CursorUpdate::Keep)
            .unwrap();
    }

    fn week(&self, key: &str) -> Week {
        Week::load(&self.store, key.parse().unwrap(), &self.settings).unwrap()
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A readable digest of a week for golden files.
fn digest(week: &Week) -> String {
    let mut out = format!(
        "{} [{}] {} .. {}\n",
        week.label, week.time_zone, week.first_day, week.last_day
    );
    for day in &week.days {
        let _ = writeln!(
            out,
            "{} {} ({} min)",
            day.weekday, day.date, day.event_minutes
        );
        for e in &day.all_day {
            let _ = writeln!(out, "  all-day {} [{} .. {})", e.title, e.starts, e.ends);
        }
        for e in &day.events {
            let flags = [
                (e.continued, "<"),
                (e.continues, ">"),
                (e.declined, "declined"),
            ]
            .iter()
            .filter(|f| f.0)
            .map(|f| f.1)
            .collect::<Vec<_>>()
            .join(",");
            let _ = writeln!(
                out,
                "  {}-{} {} ({} min) {}",
                e.start_time.as_deref().unwrap_or("?"),
                e.end_time.as_deref().unwrap_or("?"),
                e.title,
                e.minutes,
                flags
            );
        }
        for t in &day.tasks {
            let _ = writeln!(
                out,
                "  [x] {} at {}",
                t.content,
                t.completed_time.as_deref().unwrap_or("?")
            );
        }
    }
    let t = &week.totals;
    let _ = writeln!(
        out,
        "totals: {} min, {} events, {} all-day, {} tasks, busiest {:?}",
        t.event_minutes, t.event_count, t.all_day_count, t.tasks_completed, t.busiest_day
    );
    for s in &t.per_source {
        let _ = writeln!(
            out,
            "  source {}: {} min in {} events",
            s.name, s.event_minutes, s.event_count
        );
    }
    for p in &t.per_project {
        let _ = writeln!(out, "  project {}: {} tasks", p.name, p.tasks_completed);
    }
    let _ = writeln!(
        out,
        "change: {:+} min, {:+} events, {:+} tasks",
        week.change.event_minutes, week.change.event_count, week.change.tasks_completed
    );
    for t in &week.next_week_tasks {
        let _ = writeln!(out, "next: {} due {:?}", t.content, t.due_date);
    }
    out
}

#[test]
fn berlin_spring_forward_week() {
    let mut f = Fixture::new("Europe/Berlin");
    // 2026-W13: Monday 23 March to Sunday 29 March; clocks go 02:00 -> 03:00 on Sunday.
    for d in 23..=27 {
        f.add(
            &format!("standup-{d}"),
            "Standup",
            &format!("2026-03-{d} 09:30"),
            &format!("2026-03-{d} 09:45"),
        );
    }
    f.add(
        "review",
        "Design review",
        "2026-03-24 10:00",
        "2026-03-24 11:00",
    );
    f.add(
        "overlap",
        "Customer call",
        "2026-03-24 10:30",
        "2026-03-24 11:30",
    );
    // 01:30 CET to 03:30 CEST is one real hour.
    f.add(
        "night",
        "Night deploy",
        "2026-03-29 01:30",
        "2026-03-29 03:30",
    );
    f.all_day("offsite", "Offsite", date(2026, 3, 25), date(2026, 3, 27));
    let mut declined = f.timed(
        "declined",
        "Vendor pitch",
        f.local("2026-03-26 14:00"),
        f.local("2026-03-26 15:00"),
    );
    declined.my_response = Some(Response::Declined);
    f.put(declined);
    let mut cancelled = f.timed(
        "cancelled",
        "Cancelled sync",
        f.local("2026-03-26 16:00"),
        f.local("2026-03-26 17:00"),
    );
    cancelled.status = EventStatus::Cancelled;
    f.put(cancelled);
    // Week before: one two-hour workshop.
    f.add("prev", "Workshop", "2026-03-18 09:00", "2026-03-18 11:00");
    f.task("t1", "Write retro notes", Some("2026-03-29 23:30"), None);
    f.task("t2", "Just after the week", Some("2026-03-30 00:30"), None);
    f.task("t3", "Plan Q2", None, Some(date(2026, 4, 1)));

    let week = f.week("2026-W13");
    let sunday = &week.days[6];
    assert_eq!(sunday.date, date(2026, 3, 29));
    assert_eq!(
        sunday.event_minutes, 60,
        "a 01:30-03:30 event on the spring-forward night lasts one hour"
    );
    assert_eq!(
        week.days[1].event_minutes,
        15 + 90,
        "overlapping events are not double counted"
    );
    assert_eq!(week.totals.event_minutes, 5 * 15 + 90 + 60);
    assert_eq!(
        week.totals.event_count,
        5 + 2 + 1,
        "declined and cancelled events do not count"
    );
    assert_eq!(week.totals.tasks_completed, 1);
    assert_eq!(week.change.event_minutes, week.totals.event_minutes - 120);
    assert!(
        week.days
            .iter()
            .flat_map(|d| &d.events)
            .all(|e| e.title != "Vendor pitch" && e.title != "Cancelled sync")
    );
    insta::assert_snapshot!(digest(&week));
}

#[test]
fn new_york_fall_back_week() {
    let mut f = Fixture::new("America/New_York");
    // 2026-W44: Monday 26 October to Sunday 1 November; clocks go 02:00 -> 01:00 on Sunday.
    let start = f.local("2026-11-01 00:30"); // EDT
    let end = Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap(); // 03:00 EST
    let e = f.timed("long-night", "On-call shift", start, end);
    f.put(e);
    f.add(
        "halloween",
        "Halloween party",
        "2026-10-31 19:00",
        "2026-10-31 23:00",
    );
    f.task(
        "t1",
        "Change smoke alarm batteries",
        Some("2026-11-01 23:59"),
        None,
    );
    let week = f.week("2026-W44");
    assert_eq!(week.days[6].date, date(2026, 11, 1));
    assert_eq!(
        week.days[6].event_minutes, 210,
        "00:30 EDT to 03:00 EST is three and a half hours"
    );
    assert_eq!(week.totals.event_minutes, 210 + 240);
    assert_eq!(week.days[6].tasks.len(), 1);
    insta::assert_snapshot!(digest(&week));
}

#[test]
fn an_event_across_midnight_shows_on_both_days_and_counts_once() {
    let mut f = Fixture::new("Europe/Berlin");
    f.add(
        "late",
        "Release window",
        "2026-11-18 23:00",
        "2026-11-19 01:00",
    );
    let week = f.week("2026-W47");
    let (wed, thu) = (&week.days[2], &week.days[3]);
    assert_eq!((wed.event_minutes, thu.event_minutes), (60, 60));
    assert_eq!(wed.events[0].start_time.as_deref(), Some("23:00"));
    assert_eq!(wed.events[0].end_time.as_deref(), Some("24:00"));
    assert!(wed.events[0].continues && !wed.events[0].continued);
    assert_eq!(thu.events[0].start_time.as_deref(), Some("00:00"));
    assert_eq!(thu.events[0].end_time.as_deref(), Some("01:00"));
    assert!(thu.events[0].continued);
    assert_eq!(week.totals.event_count, 1);
    assert_eq!(week.totals.event_minutes, 120);
    insta::assert_snapshot!(digest(&week));
}

#[test]
fn sunday_start_relays_the_week_and_an_event_at_the_edge_moves_weeks() {
    let mut f = Fixture::new("Europe/Berlin");
    f.add(
        "sun",
        "Sunday brunch",
        "2026-11-22 11:00",
        "2026-11-22 12:00",
    );
    f.add(
        "mon",
        "Monday kickoff",
        "2026-11-16 09:00",
        "2026-11-16 10:00",
    );
    let monday_week = f.week("2026-W47");
    assert_eq!(monday_week.first_day, date(2026, 11, 16));
    assert_eq!(monday_week.totals.event_count, 2);
    f.settings.week_start = WeekStart::Sunday;
    let sunday_week = f.week("2026-W47");
    assert_eq!(sunday_week.first_day, date(2026, 11, 15));
    assert_eq!(sunday_week.days[0].weekday, "Sun");
    assert_eq!(sunday_week.label, "Week 47 · 15–21 Nov 2026");
    // Sunday 22 November belongs to the next Sunday-start week.
    assert_eq!(sunday_week.totals.event_count, 1);
    assert_eq!(f.week("2026-W48").days[0].events[0].title, "Sunday brunch");
}

#[test]
fn an_empty_week_is_an_empty_review_not_an_error() {
    let f = Fixture::new("UTC");
    let week = f.week("2031-W02");
    assert_eq!(week.days.len(), 7);
    assert!(
        week.days
            .iter()
            .all(|d| d.events.is_empty() && d.all_day.is_empty() && d.tasks.is_empty())
    );
    assert_eq!(week.totals.event_minutes, 0);
    assert_eq!(week.totals.busiest_day, None);
    assert_eq!(week.reflection, Reflection::default());
}

#[test]
fn declined_events_show_only_when_asked_and_never_count() {
    let mut f = Fixture::new("UTC");
    let mut e = f.timed(
        "d",
        "Declined thing",
        f.local("2026-11-17 10:00"),
        f.local("2026-11-17 11:00"),
    );
    e.my_response = Some(Response::Declined);
    f.put(e);
    assert!(f.week("2026-W47").days[1].events.is_empty());
    f.settings.show_declined = true;
    let week = f.week("2026-W47");
    assert!(week.days[1].events[0].declined);
    assert_eq!(week.totals.event_minutes, 0);
    assert_eq!(week.totals.event_count, 0);
}

#[test]
fn the_reflection_and_next_weeks_tasks_belong_to_the_week() {
    let mut f = Fixture::new("UTC");
    let key: WeekKey = "2026-W47".parse().unwrap();
    let r = Reflection {
        went_well: "Shipped the beta".into(),
        focus_next: "Hiring".into(),
        ..Reflection::default()
    };
    f.store.save_reflection(key, &r).unwrap();
    f.task("open", "Prepare board deck", None, Some(date(2026, 11, 25)));
    f.task("far", "Far future", None, Some(date(2026, 12, 25)));
    let week = f.week("2026-W47");
    assert_eq!(week.reflection, r);
    assert_eq!(week.next_week_tasks.len(), 1);
    assert_eq!(week.next_week_tasks[0].content, "Prepare board deck");
}

#[test]
fn the_serialized_week_keeps_its_shape() {
    let mut f = Fixture::new("Europe/Berlin");
    f.add("a", "Standup", "2026-11-16 09:30", "2026-11-16 09:45");
    f.all_day("b", "Holiday", date(2026, 11, 17), date(2026, 11, 18));
    f.task("c", "Done", Some("2026-11-16 17:00"), None);
    let mut week = f.week("2026-W47");
    // Ids depend on insertion order only; keep them, they are stable here.
    week.days.truncate(2);
    insta::assert_json_snapshot!(week);
}
