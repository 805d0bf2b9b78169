//! The attended-time rules and categories on hand-written weeks, and a
//! property test that counted hours never exceed the wall clock nor count a
//! declined or out-of-office event.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use proptest::prelude::*;
use vica_core::Store;
use vica_core::categories::{Annotation, Assignment, Category, NotCounted, TimeRules, TitleRule};
use vica_core::model::{
    EventKind, EventRecord, EventStatus, EventTime, Provider, Response, ShowAs, SourceKind,
    SourceRecord,
};
use vica_core::settings::Settings;
use vica_core::store::{CursorUpdate, Page};
use vica_core::week::{EventItem, Week};

const WEEK: &str = "2026-W47"; // Monday 16 November 2026

/// A store with an owned primary calendar, a shared one and a personal one, in UTC.
struct Fixture {
    store: Store,
    own: i64,
    shared: i64,
    home: i64,
    settings: Settings,
}

fn at(day: u32, hh: u32, mm: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2026, 11, day)
        .unwrap()
        .and_hms_opt(hh, mm, 0)
        .unwrap()
        .and_utc()
}

fn record(id: &str, title: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> EventRecord {
    EventRecord {
        provider_id: id.into(),
        title: title.into(),
        description: None,
        location: None,
        time: EventTime::Timed { start, end },
        time_zone: Some("UTC".into()),
        status: EventStatus::Confirmed,
        my_response: Some(Response::Accepted),
        is_organizer: false,
        attendee_count: 2,
        series_id: None,
        link: None,
        updated_at: None,
        kind: EventKind::Default,
        show_as: ShowAs::Busy,
    }
}

impl Fixture {
    fn new() -> Fixture {
        let store = Store::open_in_memory().unwrap();
        let account = store
            .add_account(Provider::Google, "me", None, false)
            .unwrap();
        let source = |id: &str, primary: bool, role: &str| SourceRecord {
            kind: SourceKind::Calendar,
            provider_id: id.into(),
            name: id.into(),
            color: None,
            is_primary: primary,
            access_role: Some(role.into()),
        };
        let own = store
            .upsert_source(account.id, &source("own", true, "owner"))
            .unwrap()
            .id;
        let shared = store
            .upsert_source(account.id, &source("shared", false, "reader"))
            .unwrap()
            .id;
        let home = store
            .upsert_source(account.id, &source("home", false, "owner"))
            .unwrap()
            .id;
        let mut settings = Settings {
            time_zone: Some("UTC".into()),
            ..Settings::default()
        };
        settings.time_rules.personal_sources = vec![home];
        Fixture {
            store,
            own,
            shared,
            home,
            settings,
        }
    }

    fn put(&mut self, source: i64, events: Vec<EventRecord>) {
        let page = Page {
            events,
            ..Page::default()
        };
        self.store
            .write_page(source, &page, CursorUpdate::Keep)
            .unwrap();
    }

    fn week(&self) -> Week {
        Week::load(&self.store, WEEK.parse().unwrap(), &self.settings).unwrap()
    }
}

fn find<'a>(week: &'a Week, title: &str) -> &'a EventItem {
    week.days
        .iter()
        .flat_map(|d| d.all_day.iter().chain(&d.events))
        .find(|e| e.title == title)
        .unwrap_or_else(|| panic!("{title} is not in the week"))
}

#[test]
fn responses_count_as_the_rules_say() {
    let mut f = Fixture::new();
    let mut own = Vec::new();
    for (i, (title, response, organizer)) in [
        ("accepted", Some(Response::Accepted), false),
        ("organized", None, true),
        ("maybe", Some(Response::Tentative), false),
        ("unanswered here", Some(Response::NeedsAction), false),
        ("declined", Some(Response::Declined), false),
    ]
    .into_iter()
    .enumerate()
    {
        let h = 8 + 2 * i as u32;
        let mut e = record(title, title, at(16, h, 0), at(16, h + 1, 0));
        e.my_response = response;
        e.is_organizer = organizer;
        own.push(e);
    }
    f.put(f.own, own);
    let mut there = record("u2", "unanswered there", at(17, 9, 0), at(17, 10, 0));
    there.my_response = Some(Response::NeedsAction);
    f.put(f.shared, vec![there]);

    let week = f.week();
    let counted: Vec<&str> = week
        .days
        .iter()
        .flat_map(|d| &d.events)
        .filter(|e| e.counted)
        .map(|e| e.title.as_str())
        .collect();
    assert_eq!(
        counted,
        ["accepted", "organized", "maybe", "unanswered here"]
    );
    assert_eq!(
        find(&week, "unanswered there").not_counted,
        Some(NotCounted::Unanswered)
    );
    // Declined is hidden by default.
    assert!(
        week.days
            .iter()
            .flat_map(|d| &d.events)
            .all(|e| e.title != "declined")
    );
    assert_eq!(week.totals.event_minutes, 4 * 60);
    assert_eq!(week.totals.categories.meetings, 4 * 60);

    // Shown greyed (declined, never counted) when asked for; the settings turn the others off.
    f.settings.show_declined = true;
    f.settings.time_rules.count_tentative = false;
    f.settings.time_rules.count_unanswered = false;
    let week = f.week();
    let declined = find(&week, "declined");
    assert!(declined.declined && !declined.counted);
    assert_eq!(declined.not_counted, Some(NotCounted::Declined));
    assert_eq!(
        find(&week, "maybe").not_counted,
        Some(NotCounted::Tentative)
    );
    assert_eq!(
        find(&week, "unanswered here").not_counted,
        Some(NotCounted::Unanswered)
    );
    assert_eq!(week.totals.event_minutes, 2 * 60);
    assert_eq!(week.totals.event_count, 2);
}

#[test]
fn kinds_become_annotations_focus_or_listed_time() {
    let mut f = Fixture::new();
    let mut ooo = record("ooo", "Away", at(16, 0, 0), at(17, 0, 0));
    (ooo.kind, ooo.show_as, ooo.attendee_count) = (EventKind::OutOfOffice, ShowAs::OutOfOffice, 0);
    let mut graph_oof = record("oof", "Dentist", at(18, 13, 0), at(18, 17, 0));
    graph_oof.show_as = ShowAs::OutOfOffice;
    let mut home = record("wl", "Home", at(17, 0, 0), at(17, 0, 0));
    home.time = EventTime::AllDay {
        start: NaiveDate::from_ymd_opt(2026, 11, 17).unwrap(),
        end: NaiveDate::from_ymd_opt(2026, 11, 18).unwrap(),
    };
    (home.kind, home.show_as) = (EventKind::WorkingLocation, ShowAs::Free);
    let mut bday = home.clone();
    (bday.provider_id, bday.title, bday.kind) =
        ("b".into(), "Sam's birthday".into(), EventKind::Birthday);
    let mut focus = record("f", "Deep work", at(17, 9, 0), at(17, 11, 0));
    focus.kind = EventKind::FocusTime;
    let mut free = record(
        "free",
        "Optional office hours",
        at(17, 14, 0),
        at(17, 15, 0),
    );
    free.show_as = ShowAs::Free;
    let mut solo = record("solo", "Write report", at(19, 9, 0), at(19, 10, 0));
    solo.attendee_count = 0;
    let conference = record("conf", "Conference", at(19, 12, 0), at(20, 12, 0));
    let mut holiday = record("hol", "Team day", at(20, 0, 0), at(20, 0, 0));
    holiday.time = EventTime::AllDay {
        start: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        end: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
    };
    f.put(
        f.own,
        vec![
            ooo, graph_oof, home, bday, focus, free, solo, conference, holiday,
        ],
    );
    let mut gym = record("gym", "Gym", at(18, 7, 0), at(18, 8, 0));
    gym.attendee_count = 0;
    f.put(f.home, vec![gym]);

    let week = f.week();
    assert_eq!(
        find(&week, "Away").annotation,
        Some(Annotation::OutOfOffice)
    );
    assert_eq!(
        find(&week, "Dentist").annotation,
        Some(Annotation::OutOfOffice)
    );
    assert_eq!(
        find(&week, "Home").annotation,
        Some(Annotation::WorkingLocation)
    );
    assert_eq!(
        find(&week, "Sam's birthday").annotation,
        Some(Annotation::Birthday)
    );
    assert_eq!(find(&week, "Deep work").category, Some(Category::Focus));
    let free = find(&week, "Optional office hours");
    assert_eq!(
        (free.category, free.counted),
        (Some(Category::Meetings), false)
    );
    assert_eq!(free.not_counted, Some(NotCounted::Free));
    assert_eq!(find(&week, "Write report").category, Some(Category::Focus));
    assert_eq!(find(&week, "Gym").category, Some(Category::Personal));
    assert_eq!(
        find(&week, "Conference").not_counted,
        Some(NotCounted::MultiDay)
    );
    assert_eq!(
        find(&week, "Team day").not_counted,
        Some(NotCounted::AllDay)
    );

    let c = week.totals.categories;
    assert_eq!((c.meetings, c.focus, c.personal, c.other), (0, 180, 60, 0));
    assert_eq!(week.totals.event_minutes, 240);
    assert_eq!(
        c.out_of_office_days, 2,
        "Monday (all day) and Wednesday afternoon"
    );
    assert_eq!(week.days[0].categories.out_of_office_days, 1);
    assert_eq!(week.days[1].categories.out_of_office_days, 0);

    // Without the setting, an event with nobody else in it is "other".
    f.settings.time_rules.solo_is_focus = false;
    let week = f.week();
    assert_eq!(find(&week, "Write report").category, Some(Category::Other));
    assert_eq!(week.totals.categories.other, 60);
}

#[test]
fn overlaps_count_once_and_the_higher_category_wins() {
    let mut f = Fixture::new();
    let mut focus = record("f", "Focus block", at(16, 9, 0), at(16, 12, 0));
    focus.kind = EventKind::FocusTime;
    let standup = record("s", "Standup", at(16, 9, 30), at(16, 10, 0));
    let review = record("r", "Review", at(16, 9, 45), at(16, 10, 30));
    f.put(f.own, vec![focus, standup, review]);
    let mut errand = record("e", "Errand", at(16, 11, 30), at(16, 13, 0));
    errand.attendee_count = 0;
    f.put(f.home, vec![errand]);

    let week = f.week();
    let c = week.days[0].categories;
    // Meetings 9:30–10:30 (merged), focus the rest of 9–12, personal only after 12.
    assert_eq!((c.meetings, c.focus, c.personal), (60, 120, 60));
    assert_eq!(week.days[0].event_minutes, 4 * 60);
    assert_eq!(c.total_minutes(), week.days[0].event_minutes);
    assert_eq!(
        week.totals.categories.total_minutes(),
        week.totals.event_minutes
    );
}

#[test]
fn title_rules_and_series_choices_recategorize_or_exclude() {
    let mut f = Fixture::new();
    let lunch = record("l", "Team lunch", at(16, 12, 0), at(16, 13, 0));
    let mut commute = record("c", "Commute", at(16, 8, 0), at(16, 9, 0));
    commute.attendee_count = 0;
    let mut weekly = record("w1", "Weekly sync", at(16, 14, 0), at(16, 15, 0));
    weekly.series_id = Some("sync".into());
    let mut weekly2 = weekly.clone();
    (weekly2.provider_id, weekly2.time) = (
        "w2".into(),
        EventTime::Timed {
            start: at(18, 14, 0),
            end: at(18, 15, 0),
        },
    );
    let mut free_series = record("fs", "Office hours", at(17, 16, 0), at(17, 17, 0));
    (free_series.series_id, free_series.show_as) = (Some("oh".into()), ShowAs::Free);
    f.put(f.own, vec![lunch, commute, weekly, weekly2, free_series]);
    f.settings.time_rules.title_rules = vec![
        TitleRule {
            pattern: "LUNCH".into(),
            assign: Assignment::Excluded,
        },
        TitleRule {
            pattern: "commute".into(),
            assign: Assignment::Personal,
        },
        TitleRule {
            pattern: "sync".into(),
            assign: Assignment::Other,
        },
    ];
    let week = f.week();
    let lunch = find(&week, "Team lunch");
    assert_eq!(
        (lunch.category, lunch.not_counted),
        (None, Some(NotCounted::Excluded))
    );
    assert_eq!(find(&week, "Commute").category, Some(Category::Personal));
    assert_eq!(find(&week, "Weekly sync").category, Some(Category::Other));

    // The per-series choice beats the title rule, for every occurrence, and
    // can count a free series.
    f.store
        .set_series_choice(f.own, "sync", Some(Assignment::Focus))
        .unwrap();
    f.store
        .set_series_choice(f.own, "oh", Some(Assignment::Meetings))
        .unwrap();
    let week = f.week();
    let syncs: Vec<_> = week
        .days
        .iter()
        .flat_map(|d| &d.events)
        .filter(|e| e.title == "Weekly sync")
        .map(|e| (e.category, e.counted))
        .collect();
    assert_eq!(syncs, [(Some(Category::Focus), true); 2]);
    assert!(find(&week, "Office hours").counted);
    assert_eq!(
        find(&week, "Weekly sync").series_choice,
        Some(Assignment::Focus)
    );
    assert_eq!(find(&week, "Commute").series_choice, None);
    let c = week.totals.categories;
    assert_eq!((c.meetings, c.focus, c.personal, c.other), (60, 120, 60, 0));

    // Taking the choice back returns the series to the rules.
    f.store.set_series_choice(f.own, "sync", None).unwrap();
    assert_eq!(
        find(&f.week(), "Weekly sync").category,
        Some(Category::Other)
    );
    assert_eq!(f.store.series_choices().unwrap().len(), 1);
}

#[test]
fn deltas_compare_categories_with_last_week() {
    let mut f = Fixture::new();
    let last = record("a", "Old meeting", at(9, 9, 0), at(9, 11, 0));
    let this = record("b", "New meeting", at(16, 9, 0), at(16, 10, 0));
    let mut focus = record("c", "Focus", at(16, 13, 0), at(16, 14, 30));
    focus.kind = EventKind::FocusTime;
    let mut away = record("d", "Away", at(10, 0, 0), at(11, 0, 0));
    away.kind = EventKind::OutOfOffice;
    f.put(f.own, vec![last, this, focus, away]);
    let week = f.week();
    let d = week.change.categories;
    assert_eq!((d.meetings, d.focus, d.out_of_office_days), (-60, 90, -1));
    assert_eq!(week.previous.categories.meetings, 120);
}

/// One generated event: day offset, start minute, length, kind, response, attendees, source.
fn arb_event() -> impl Strategy<Value = (i64, i64, i64, u8, u8, u32, u8, bool)> {
    (
        -2i64..9,
        0i64..(24 * 60),
        0i64..(3 * 24 * 60),
        0u8..6,
        0u8..5,
        0u32..3,
        0u8..3,
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn counted_time_never_exceeds_the_wall_clock_nor_counts_declined_or_away(
        events in proptest::collection::vec(arb_event(), 0..40),
        show_declined in any::<bool>(),
    ) {
        let mut f = Fixture::new();
        f.settings.show_declined = show_declined;
        let monday = at(16, 0, 0);
        let kinds = [
            EventKind::Default,
            EventKind::OutOfOffice,
            EventKind::FocusTime,
            EventKind::WorkingLocation,
            EventKind::Birthday,
            EventKind::FromGmail,
        ];
        let responses = [
            None,
            Some(Response::Accepted),
            Some(Response::Tentative),
            Some(Response::Declined),
            Some(Response::NeedsAction),
        ];
        let mut per_source: [Vec<EventRecord>; 3] = Default::default();
        for (i, (day, minute, len, kind, response, attendees, source, free)) in
            events.into_iter().enumerate()
        {
            let start = monday + Duration::days(day) + Duration::minutes(minute);
            let mut e = record(&format!("e{i}"), &format!("e{i}"), start, start + Duration::minutes(len));
            e.kind = kinds[kind as usize];
            e.my_response = responses[response as usize];
            e.attendee_count = attendees;
            if free {
                e.show_as = ShowAs::Free;
            }
            per_source[source as usize].push(e);
        }
        let ids = [f.own, f.shared, f.home];
        for (source, events) in ids.into_iter().zip(per_source) {
            f.put(source, events);
        }
        let week = f.week();
        let wall = 7 * 24 * 60;
        let c = week.totals.categories;
        for cat in Category::ALL {
            prop_assert!(c.minutes(cat) >= 0 && c.minutes(cat) <= wall);
        }
        prop_assert!(c.total_minutes() <= wall);
        prop_assert_eq!(c.total_minutes(), week.totals.event_minutes);
        prop_assert!(c.out_of_office_days <= 7);
        for day in &week.days {
            prop_assert!(day.categories.total_minutes() <= 24 * 60);
            prop_assert_eq!(day.categories.total_minutes(), day.event_minutes);
            for e in day.all_day.iter().chain(&day.events) {
                if e.declined || e.annotation == Some(Annotation::OutOfOffice) {
                    prop_assert!(!e.counted, "{} counted", e.title);
                }
                if e.all_day || e.minutes >= 24 * 60 {
                    prop_assert!(!e.counted, "{} counted", e.title);
                }
            }
        }
        // Counted time is exactly the union of the counted events' spans in the week.
        let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = week
            .days
            .iter()
            .flat_map(|d| &d.events)
            .filter(|e| e.counted)
            .map(|e| (
                instant(e.starts),
                instant(e.ends),
            ))
            .map(|(s, e)| (s.max(monday), e.min(monday + Duration::days(7))))
            .filter(|(s, e)| s < e)
            .collect();
        spans.sort();
        let mut union = 0;
        let mut cur: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
        for (s, e) in spans {
            cur = match cur {
                Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
                Some((cs, ce)) => { union += (ce - cs).num_minutes(); Some((s, e)) }
                None => Some((s, e)),
            };
        }
        if let Some((cs, ce)) = cur { union += (ce - cs).num_minutes(); }
        prop_assert_eq!(c.total_minutes(), union);
    }
}

#[test]
fn the_rules_are_settings_that_round_trip() {
    let mut store = Store::open_in_memory().unwrap();
    let mut settings = store.settings().unwrap();
    assert_eq!(settings.time_rules, TimeRules::default());
    assert!(settings.time_rules.count_tentative && settings.time_rules.solo_is_focus);
    settings.time_rules.title_rules.push(TitleRule {
        pattern: "Lunch".into(),
        assign: Assignment::Excluded,
    });
    store.save_settings(&settings).unwrap();
    assert_eq!(store.settings().unwrap(), settings);
    settings.time_rules.title_rules[0].pattern = " ".into();
    assert!(store.save_settings(&settings).is_err());
}

/// A timed event's bound as an instant.
fn instant(b: vica_core::week::Bound) -> DateTime<Utc> {
    match b {
        vica_core::week::Bound::At(t) => t.with_timezone(&Utc),
        vica_core::week::Bound::Date(d) => panic!("a timed event ends on a date: {d}"),
    }
}
