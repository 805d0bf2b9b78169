//! Time travel for Microsoft Graph: a year of a realistic account as the
//! calendar view lists it (occurrences of recurring series, with moved and
//! cancelled exceptions; one-off events created weeks ahead, some all-day;
//! edits, answers, moves and deletions), served by the fake Graph server,
//! synced incrementally while the clock moves one week at a time. After every
//! step the store must hold, inside the sync window, what a fresh full sync
//! of the same server at the same time holds, and outside it nothing but
//! history it already had ([`common::time_travel::Ledger`]).
//!
//! The account has three calendars, one for each way Vica reads Graph: the
//! default calendar through `/me/calendarView/delta`; a calendar another user
//! shares with the user through its own delta
//! (`/me/calendars/{id}/calendarView/delta`), its series masters readable only
//! through that calendar; and a calendar of the user's own whose per-calendar
//! delta the server refuses (400), read through windowed `calendarView`
//! listings. Delta pages carry occurrences sparse (pitfall 4), so they are
//! completed from their series masters.
//!
//! The server changes as Graph does: a change to a series rewrites its
//! occurrences (each reported by the delta as changed), a cancelled
//! occurrence leaves the organizer's calendar and stays, cancelled, in the
//! attendee's, and nothing changes unless the script says so.
//!
//! A second property runs the same travel after a history import a year
//! back at the first step: the imported past is allowed before the window,
//! and none of it is swept.
//!
//! CI runs a few cases of 16 weeks; a longer run:
//! `VICA_LONG=1 cargo test -p vica-sync --test time_travel_graph` (64 cases
//! of 52 weeks).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc, Weekday};
use proptest::prelude::*;
use serde_json::{Value, json};
use vica_core::Store;
use vica_core::clock::{Clock, ManualClock};
use vica_core::model::Provider as ProviderKind;
use vica_fakes::graph::{CalendarEntry, DEFAULT_ACCESS_TOKEN, FakeGraph};
use vica_sync::http::StaticToken;
use vica_sync::outlook::{Outlook, OutlookConfig};
use vica_sync::provider::Provider;
use vica_sync::{Engine, SyncOptions};

use common::time_travel::{Ledger, assert_none_lost, cases, fresh_sync, importing, run, weeks};

/// The default calendar.
const MAIN: &str = "AAMkAGI2main=";
/// A calendar Sam shares with the user (read only).
const SHARED: &str = "AAMkAGI2sam+/shared";
/// Another calendar of the user's, whose per-calendar delta is refused.
const SIDE: &str = "AAMkAGI2side";
const CALENDARS: [&str; 3] = [MAIN, SHARED, SIDE];
const ME: &str = "alex@contoso.example";

/// The series start this far before the first step; the server holds their
/// occurrences up to a horizon past the last step's window (see [`travel`]).
const HORIZON_BACK: i64 = 30;

#[derive(Debug, Clone)]
struct Series {
    id: String,
    calendar: &'static str,
    title: String,
    first: DateTime<Utc>,
    minutes: i64,
    /// Every day from Monday to Friday, or every `weeks` weeks.
    every: Every,
    /// No occurrence at or after this instant.
    until: Option<DateTime<Utc>>,
    organizer: bool,
    zone: &'static str,
    /// When the series itself last changed.
    modified: DateTime<Utc>,
    /// Exceptions by the original start.
    exceptions: BTreeMap<DateTime<Utc>, Exception>,
}

#[derive(Debug, Clone, Copy)]
enum Every {
    Weekday,
    Weeks(i64),
}

#[derive(Debug, Clone)]
enum Exception {
    Moved {
        minutes: i64,
        title: String,
        modified: DateTime<Utc>,
    },
    Cancelled {
        modified: DateTime<Utc>,
    },
}

#[derive(Debug, Clone)]
struct OneOff {
    id: String,
    calendar: &'static str,
    title: String,
    start: DateTime<Utc>,
    minutes: i64,
    all_day: bool,
    /// The user's answer: accepted, tentativelyAccepted or declined.
    response: &'static str,
    modified: DateTime<Utc>,
}

/// Graph resources by (calendar, id).
type Items = BTreeMap<(String, String), Value>;

/// The account as its owner sees it.
#[derive(Debug, Clone)]
struct Account {
    series: Vec<Series>,
    one_offs: Vec<OneOff>,
    next_id: u32,
}

/// `2026-11-16T09:30:00.0000000`: Graph's local date-time (times here are whole seconds).
fn graph_time(t: DateTime<Utc>) -> String {
    format!("{}.0000000", t.format("%Y-%m-%dT%H:%M:%S"))
}

fn graph_instant(t: DateTime<Utc>) -> String {
    format!("{}Z", graph_time(t))
}

fn monday_before(t: DateTime<Utc>) -> DateTime<Utc> {
    let d = t.date_naive();
    let back = i64::from(d.weekday().num_days_from_monday());
    Utc.from_utc_datetime(&(d - Duration::days(back)).and_hms_opt(0, 0, 0).unwrap())
}

impl Account {
    /// A year around `now`: a daily standup and a weekly 1:1 on the default
    /// calendar, Sam's planning every other week and a four-weekly review
    /// ending in a few months on the shared calendar, a weekly gym slot on the
    /// side calendar, and one-off events (some all-day) from half a year back
    /// to half a year ahead on all three.
    fn year(now: DateTime<Utc>) -> Account {
        let monday = monday_before(now - Duration::weeks(HORIZON_BACK));
        let at = |days: i64, h: i64, m: i64| {
            monday + Duration::days(days) + Duration::hours(h) + Duration::minutes(m)
        };
        let made = now - Duration::weeks(40);
        let series = |id: &str,
                      calendar: &'static str,
                      title: &str,
                      first: DateTime<Utc>,
                      minutes: i64,
                      every: Every,
                      organizer: bool| Series {
            id: id.into(),
            calendar,
            title: title.into(),
            first,
            minutes,
            every,
            until: None,
            organizer,
            zone: "UTC",
            modified: made,
            exceptions: BTreeMap::new(),
        };
        let mut standup = series(
            "AAMkStandup",
            MAIN,
            "Standup",
            at(0, 8, 30),
            15,
            Every::Weekday,
            false,
        );
        standup.zone = "Europe/Berlin";
        let first_week = monday_before(now);
        standup.exceptions.insert(
            first_week + Duration::days(2) + Duration::minutes(8 * 60 + 30),
            Exception::Moved {
                minutes: 60,
                title: "Standup (late)".into(),
                modified: made,
            },
        );
        standup.exceptions.insert(
            first_week + Duration::days(9) + Duration::minutes(8 * 60 + 30),
            Exception::Cancelled { modified: made },
        );
        let one_on_one = series(
            "AAMkOneOnOne",
            MAIN,
            "1:1 with Sam",
            at(3, 14, 0),
            30,
            Every::Weeks(1),
            true,
        );
        let planning = series(
            "AAMkPlanning",
            SHARED,
            "Sprint planning",
            at(1, 12, 0),
            90,
            Every::Weeks(2),
            false,
        );
        let mut review = series(
            "AAMkReview",
            SHARED,
            "Four-weekly review",
            at(4, 9, 0),
            60,
            Every::Weeks(4),
            false,
        );
        review.until = Some(now + Duration::weeks(12));
        review.exceptions.insert(
            review.first + Duration::weeks(4 * 8),
            Exception::Cancelled { modified: made },
        );
        let gym = series(
            "AAMkGym",
            SIDE,
            "Gym",
            at(2, 17, 0),
            60,
            Every::Weeks(1),
            true,
        );
        let mut account = Account {
            series: vec![standup, one_on_one, planning, review, gym],
            one_offs: Vec::new(),
            next_id: 0,
        };
        for (n, week) in (-26..26).step_by(3).enumerate() {
            let start = now + Duration::weeks(week) + Duration::hours((week % 5) * 2);
            let calendar = CALENDARS[n % 3];
            account.add_one_off(calendar, start, 45, n % 5 == 4, made);
        }
        account
    }

    fn add_one_off(
        &mut self,
        calendar: &'static str,
        start: DateTime<Utc>,
        minutes: i64,
        all_day: bool,
        modified: DateTime<Utc>,
    ) {
        self.next_id += 1;
        let n = self.next_id;
        let start = if all_day {
            Utc.from_utc_datetime(&start.date_naive().and_hms_opt(0, 0, 0).unwrap())
        } else {
            start
        };
        self.one_offs.push(OneOff {
            id: format!("AAMkOnce{n:04}"),
            calendar,
            title: if all_day {
                format!("Offsite {n}")
            } else {
                format!("Meeting {n}")
            },
            start,
            minutes: if all_day { 24 * 60 } else { minutes },
            all_day,
            response: "accepted",
            modified,
        });
    }

    fn apply(&mut self, change: &Change, now: DateTime<Utc>, version: usize) {
        match *change {
            Change::Create {
                calendar,
                weeks_ahead,
                hour,
                all_day,
            } => {
                let day = now.date_naive() + Duration::weeks(i64::from(weeks_ahead));
                let start =
                    Utc.from_utc_datetime(&day.and_hms_opt(u32::from(8 + hour % 9), 0, 0).unwrap());
                let calendar = CALENDARS[usize::from(calendar) % 3];
                self.add_one_off(calendar, start, 30 + i64::from(hour % 4) * 15, all_day, now);
            }
            Change::Rename(i) => {
                if let Some(e) = pick(&mut self.one_offs, i) {
                    e.title = format!("{} v{version}", e.title);
                    e.modified = now;
                }
            }
            Change::Answer { which, answer } => {
                if let Some(e) = pick(&mut self.one_offs, which) {
                    e.response =
                        ["accepted", "tentativelyAccepted", "declined"][usize::from(answer) % 3];
                    e.modified = now;
                }
            }
            Change::Move { which, days } => {
                if let Some(e) = pick(&mut self.one_offs, which) {
                    e.start += Duration::days(i64::from(days));
                    e.modified = now;
                }
            }
            Change::Delete(i) => {
                if !self.one_offs.is_empty() {
                    let n = usize::from(i) % self.one_offs.len();
                    self.one_offs.remove(n);
                }
            }
            Change::MoveInstance { which, weeks_ahead } => {
                if let Some(s) = pick(&mut self.series, which) {
                    let original = s.next(now + Duration::weeks(i64::from(weeks_ahead)));
                    s.exceptions.insert(
                        original,
                        Exception::Moved {
                            minutes: 30,
                            title: format!("{} (moved v{version})", s.title),
                            modified: now,
                        },
                    );
                }
            }
            Change::CancelInstance { which, weeks_ahead } => {
                if let Some(s) = pick(&mut self.series, which) {
                    let original = s.next(now + Duration::weeks(i64::from(weeks_ahead)));
                    s.exceptions
                        .insert(original, Exception::Cancelled { modified: now });
                }
            }
            Change::RenameSeries(i) => {
                if let Some(s) = pick(&mut self.series, i) {
                    s.title = format!("{} v{version}", s.title);
                    s.modified = now;
                }
            }
            Change::EndSeries { which, weeks_ahead } => {
                if let Some(s) = pick(&mut self.series, which)
                    && s.until.is_none()
                {
                    s.until = Some(now + Duration::weeks(i64::from(weeks_ahead)));
                    s.modified = now;
                }
            }
        }
    }

    /// What the server holds up to `horizon`: every instance a calendar view
    /// lists, by (calendar, id), and every series master.
    fn render(&self, horizon: DateTime<Utc>) -> (Items, Items) {
        let mut events = BTreeMap::new();
        let mut masters = BTreeMap::new();
        for s in &self.series {
            masters.insert((s.calendar.to_owned(), s.id.clone()), s.master());
            for original in s.originals(horizon) {
                let id = format!("{}_{}", s.id, original.timestamp());
                let body = match s.exceptions.get(&original) {
                    None => Some(s.instance(
                        &id,
                        original,
                        "occurrence",
                        &s.title,
                        original,
                        s.modified,
                    )),
                    Some(Exception::Moved {
                        minutes,
                        title,
                        modified,
                    }) => Some(s.instance(
                        &id,
                        original,
                        "exception",
                        title,
                        original + Duration::minutes(*minutes),
                        *modified,
                    )),
                    // The organizer's calendar loses it; an attendee's keeps it, cancelled.
                    Some(Exception::Cancelled { modified }) if s.calendar == SHARED => {
                        let mut b =
                            s.instance(&id, original, "exception", &s.title, original, *modified);
                        b["isCancelled"] = json!(true);
                        Some(b)
                    }
                    Some(Exception::Cancelled { .. }) => None,
                };
                if let Some(body) = body {
                    events.insert((s.calendar.to_owned(), id), body);
                }
            }
        }
        for e in &self.one_offs {
            let end = e.start + Duration::minutes(e.minutes);
            events.insert(
                (e.calendar.to_owned(), e.id.clone()),
                json!({
                    "id": e.id,
                    "type": "singleInstance",
                    "subject": e.title,
                    "bodyPreview": format!("About {}", e.title),
                    "body": {"contentType": "text", "content": format!("About {}", e.title)},
                    "start": {"dateTime": graph_time(e.start), "timeZone": "UTC"},
                    "end": {"dateTime": graph_time(end), "timeZone": "UTC"},
                    "isAllDay": e.all_day,
                    "showAs": if e.all_day { "free" } else { "busy" },
                    "isOrganizer": false,
                    "responseStatus": {"response": e.response, "time": "0001-01-01T00:00:00Z"},
                    "organizer": {"emailAddress": {"name": "Kim", "address": "kim@contoso.example"}},
                    "attendees": attendees(e.response, 2),
                    "originalStartTimeZone": "UTC",
                    "lastModifiedDateTime": graph_instant(e.modified),
                }),
            );
        }
        (events, masters)
    }
}

fn attendees(response: &str, guests: usize) -> Value {
    let mut list = vec![json!({
        "type": "required",
        "status": {"response": response, "time": "0001-01-01T00:00:00Z"},
        "emailAddress": {"name": "Alex", "address": ME}
    })];
    for g in 0..guests {
        list.push(json!({
            "type": "required",
            "status": {"response": "accepted", "time": "0001-01-01T00:00:00Z"},
            "emailAddress": {"name": format!("Guest {g}"), "address": format!("guest{g}@contoso.example")}
        }));
    }
    Value::Array(list)
}

impl Series {
    /// The original starts up to `horizon` (or `until`).
    fn originals(&self, horizon: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let end = horizon.min(self.until.unwrap_or(DateTime::<Utc>::MAX_UTC));
        let mut out = Vec::new();
        let mut t = self.first;
        while t < end {
            match self.every {
                Every::Weekday => {
                    if !matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
                        out.push(t);
                    }
                    t += Duration::days(1);
                }
                Every::Weeks(n) => {
                    out.push(t);
                    t += Duration::weeks(n);
                }
            }
        }
        out
    }

    /// The first original start at or after `from`.
    fn next(&self, from: DateTime<Utc>) -> DateTime<Utc> {
        let step = match self.every {
            Every::Weekday => Duration::days(1),
            Every::Weeks(n) => Duration::weeks(n),
        };
        let mut t = self.first;
        while t < from
            || (matches!(self.every, Every::Weekday)
                && matches!(t.weekday(), Weekday::Sat | Weekday::Sun))
        {
            t += step;
        }
        t
    }

    fn common(&self, title: &str, modified: DateTime<Utc>) -> Value {
        let (response, organizer) = if self.organizer {
            (
                "organizer",
                json!({"emailAddress": {"name": "Alex", "address": ME}}),
            )
        } else {
            (
                "accepted",
                json!({"emailAddress": {"name": "Sam", "address": "sam@contoso.example"}}),
            )
        };
        json!({
            "subject": title,
            "bodyPreview": format!("{} notes", self.title),
            "body": {"contentType": "text", "content": format!("{} notes", self.title)},
            "isAllDay": false,
            "showAs": "busy",
            "isOrganizer": self.organizer,
            "responseStatus": {"response": response, "time": "0001-01-01T00:00:00Z"},
            "organizer": organizer,
            "attendees": attendees(if self.organizer { "none" } else { "accepted" }, 3),
            "originalStartTimeZone": self.zone,
            "lastModifiedDateTime": graph_instant(modified),
        })
    }

    fn master(&self) -> Value {
        let mut m = self.common(&self.title, self.modified);
        m["id"] = json!(self.id);
        m["start"] = json!({"dateTime": graph_time(self.first), "timeZone": "UTC"});
        m["end"] = json!({"dateTime": graph_time(self.first + Duration::minutes(self.minutes)), "timeZone": "UTC"});
        m["recurrence"] = json!({
            "pattern": match self.every {
                Every::Weekday => json!({"type": "weekly", "interval": 1,
                    "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"]}),
                Every::Weeks(n) => json!({"type": "weekly", "interval": n}),
            },
            "range": match self.until {
                None => json!({"type": "noEnd"}),
                Some(u) => json!({"type": "endDate", "endDate": u.date_naive().to_string()}),
            }
        });
        m
    }

    fn instance(
        &self,
        id: &str,
        original: DateTime<Utc>,
        kind: &str,
        title: &str,
        start: DateTime<Utc>,
        modified: DateTime<Utc>,
    ) -> Value {
        let mut e = self.common(title, modified);
        e["id"] = json!(id);
        e["type"] = json!(kind);
        e["seriesMasterId"] = json!(self.id);
        e["originalStart"] = json!(graph_instant(original));
        e["start"] = json!({"dateTime": graph_time(start), "timeZone": "UTC"});
        e["end"] = json!({"dateTime": graph_time(start + Duration::minutes(self.minutes)), "timeZone": "UTC"});
        e
    }
}

fn pick<T>(items: &mut [T], i: u8) -> Option<&mut T> {
    if items.is_empty() {
        return None;
    }
    let n = usize::from(i) % items.len();
    items.get_mut(n)
}

#[derive(Debug, Clone)]
enum Change {
    Create {
        calendar: u8,
        weeks_ahead: u8,
        hour: u8,
        all_day: bool,
    },
    Rename(u8),
    Answer {
        which: u8,
        answer: u8,
    },
    Move {
        which: u8,
        days: i8,
    },
    Delete(u8),
    MoveInstance {
        which: u8,
        weeks_ahead: u8,
    },
    CancelInstance {
        which: u8,
        weeks_ahead: u8,
    },
    RenameSeries(u8),
    EndSeries {
        which: u8,
        weeks_ahead: u8,
    },
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        3 => (any::<u8>(), 1u8..12, any::<u8>(), prop::bool::weighted(0.2)).prop_map(
            |(calendar, weeks_ahead, hour, all_day)| Change::Create { calendar, weeks_ahead, hour, all_day }
        ),
        2 => any::<u8>().prop_map(Change::Rename),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(which, answer)| Change::Answer { which, answer }),
        2 => (any::<u8>(), -20i8..20).prop_map(|(which, days)| Change::Move { which, days }),
        1 => any::<u8>().prop_map(Change::Delete),
        2 => (any::<u8>(), 0u8..8).prop_map(|(which, weeks_ahead)| Change::MoveInstance { which, weeks_ahead }),
        2 => (any::<u8>(), 0u8..8).prop_map(|(which, weeks_ahead)| Change::CancelInstance { which, weeks_ahead }),
        1 => any::<u8>().prop_map(Change::RenameSeries),
        1 => (any::<u8>(), 1u8..10).prop_map(|(which, weeks_ahead)| Change::EndSeries { which, weeks_ahead }),
    ]
}

/// The server's calendars and switches.
async fn server(clock: &ManualClock) -> FakeGraph {
    let fake = FakeGraph::start().await.unwrap();
    fake.set_clock(clock.shared());
    fake.set_user("Alex", ME);
    let mut main = CalendarEntry::new(MAIN, "Calendar");
    main.is_default = true;
    fake.add_calendar(main);
    let mut shared = CalendarEntry::new(SHARED, "Sam's team");
    shared.can_edit = false;
    shared.owner = Some(("Sam".into(), "sam@contoso.example".into()));
    fake.add_calendar(shared);
    fake.add_calendar(CalendarEntry::new(SIDE, "Personal"));
    fake.refuse_calendar_delta(SIDE, true);
    fake.set_sparse_occurrences(true);
    fake
}

/// Brings the server to `account` as Graph would change: only what differs is written.
#[derive(Default)]
struct Served {
    events: Items,
    masters: Items,
}

impl Served {
    fn update(&mut self, fake: &FakeGraph, account: &Account, horizon: DateTime<Utc>) {
        let (events, masters) = account.render(horizon);
        for (key, body) in &masters {
            if self.masters.get(key) != Some(body) {
                fake.put_series_master_in(&key.0, body.clone());
            }
        }
        for (key, body) in &events {
            if self.events.get(key) != Some(body) {
                fake.put_event(&key.0, body.clone());
            }
        }
        for (calendar, id) in self.events.keys() {
            if !events.contains_key(&(calendar.clone(), id.clone())) {
                fake.delete_event(calendar, id);
            }
        }
        self.events = events;
        self.masters = masters;
    }
}

fn client(fake: &FakeGraph, clock: &ManualClock) -> Arc<Outlook> {
    let mut config = OutlookConfig::new(&fake.base_url()).unwrap();
    config.page_size = 40;
    config.clock = clock.shared();
    Arc::new(Outlook::new(config, Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN))).unwrap())
}

fn options(clock: &ManualClock) -> SyncOptions {
    SyncOptions {
        clock: clock.shared(),
        ..SyncOptions::default()
    }
}

/// How far back the import of [`travel`] reaches, when it runs one.
const IMPORT_WEEKS: i64 = 52;

/// One case: a first sync, then, when `import` says so, a history import a
/// year back ([`IMPORT_WEEKS`]), then a week of changes and a sync per step.
async fn travel(steps: Vec<Vec<Change>>, import: bool) {
    let origin = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let clock = ManualClock::new(origin);
    let fake = server(&clock).await;
    let mut account = Account::year(origin);
    let mut served = Served::default();
    // Past the last step's window (four weeks ahead) and a delta round's reach beyond it.
    let horizon = origin + Duration::weeks(steps.len() as i64 + 8);

    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(
        Store::open(&dir.path().join("vica.db")).unwrap(),
    ));
    let id = store
        .lock()
        .unwrap()
        .add_account(ProviderKind::Microsoft, ME, None, false)
        .unwrap()
        .id;
    let engine = Engine::new(store.clone(), options(&clock));
    let mut ledger = Ledger::default();
    let mut imported = BTreeSet::new();
    let incremental = client(&fake, &clock);
    for (n, changes) in std::iter::once(Vec::new()).chain(steps).enumerate() {
        if n > 0 {
            clock.advance(Duration::weeks(1));
        }
        let now = clock.now();
        for c in &changes {
            account.apply(c, now, n);
        }
        served.update(&fake, &account, horizon);
        let report = engine
            .sync_account(id, incremental.clone(), None, Arc::new(|_| {}))
            .await;
        assert!(report.is_ok(), "step {n}: {report:?}");
        for s in &report.sources {
            assert!(s.rejected.is_empty(), "step {n}: {s:?}");
        }
        if n == 0 && import {
            let options = importing(options(&clock), origin, IMPORT_WEEKS);
            imported = ledger
                .import(
                    &store,
                    id,
                    incremental.clone(),
                    client(&fake, &clock),
                    ProviderKind::Microsoft,
                    options,
                )
                .await;
        }
        let fresh = fresh_sync(
            client(&fake, &clock),
            ProviderKind::Microsoft,
            options(&clock),
        )
        .await;
        // Each calendar has events at first (series may end and leave one empty later).
        for calendar in CALENDARS.iter().filter(|_| n == 0) {
            assert!(
                fresh.keys().any(|k| k.starts_with(&format!("{calendar}/"))),
                "the fresh sync found nothing in {calendar}"
            );
        }
        assert!(!fresh.is_empty(), "step {n}: the fresh sync found nothing");
        let window = engine.window();
        let held = store.lock().unwrap();
        if let Err(e) = ledger.check(&held, id, window, &fresh) {
            panic!("after changes {changes:?}:\n{e}");
        }
    }
    if import {
        // Nothing swept the imported past: what the provider still lists
        // for the imported span, and was imported, is still held.
        let still = (
            client(&fake, &clock) as Arc<dyn Provider>,
            ProviderKind::Microsoft,
            importing(options(&clock), origin, IMPORT_WEEKS),
        );
        assert_none_lost(&store, id, engine.window(), &imported, Some(still)).await;
    }
}

proptest! {
    #![proptest_config(cases(3, 64))]
    #[test]
    fn weeks_of_incremental_syncs_equal_a_fresh_full_sync(
        steps in proptest::collection::vec(
            proptest::collection::vec(change(), 0..4),
            weeks(),
        )
    ) {
        run(travel(steps, false));
    }

    /// The same travel after a history import a year back: the window still
    /// equals a fresh sync at every step, nothing before it but what it had
    /// and what the import brought, and the imported past is never swept.
    #[test]
    fn weeks_of_incremental_syncs_after_a_history_import_equal_a_fresh_full_sync(
        steps in proptest::collection::vec(
            proptest::collection::vec(change(), 0..4),
            weeks(),
        )
    ) {
        run(travel(steps, true));
    }
}

#[test]
fn the_year_has_what_a_year_has() {
    let origin = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let (events, masters) = Account::year(origin).render(origin + Duration::weeks(52));
    let of_type = |t: &str| events.values().filter(|e| e["type"] == t).count();
    assert!(of_type("occurrence") > 500, "occurrences of several series");
    assert!(of_type("exception") >= 2, "moved and cancelled exceptions");
    assert!(of_type("singleInstance") > 10, "one-off events");
    assert!(events.values().any(|e| e["isAllDay"] == true));
    assert!(events.values().any(|e| e["isCancelled"] == true));
    assert_eq!(masters.len(), 5);
    for calendar in CALENDARS {
        assert!(
            events.keys().any(|(c, _)| c == calendar),
            "{calendar} has events"
        );
    }
    let ahead = origin + Duration::weeks(20);
    assert!(
        events.values().any(|e| e["type"] == "singleInstance"
            && e["start"]["dateTime"].as_str().unwrap() > graph_time(ahead).as_str()),
        "one-off events far ahead"
    );
}
