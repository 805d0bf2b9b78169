//! Time travel for Google Calendar: a year of a realistic account served by
//! the fake Google (series stored as masters and expanded by it: daily
//! standups, weekly 1:1s, biweekly planning with EXDATEs, a monthly review
//! that ends, an all-day monthly series; moved and cancelled instances;
//! one-off events created weeks ahead), synced incrementally while the
//! clock shared by the fake and the engine moves one week at a time, with
//! random changes between steps: one-offs created, renamed, moved and
//! deleted, instances moved and cancelled, series renamed, ended, split
//! ("this and following") and deleted. After every step the store must hold,
//! inside the sync window, what a fresh full sync of the same fake at the
//! same time holds, and outside it nothing but history it already had
//! ([`common::time_travel::Ledger`]). A second property runs the same travel
//! after a history import a year back at the first step: the imported past
//! is allowed before the window, and none of it is swept.
//!
//! CI runs a few cases of 16 weeks; a longer run:
//! `VICA_LONG=1 cargo test -p vica-sync --test time_travel_google` (64 cases
//! of 52 weeks).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use serde_json::{Value, json};
use vica_core::Store;
use vica_core::clock::{Clock, ManualClock};
use vica_core::model::Provider as ProviderKind;
use vica_fakes::google::{CalendarEntry, DEFAULT_ACCESS_TOKEN, FakeGoogle};
use vica_sync::google::{Google, GoogleConfig};
use vica_sync::http::StaticToken;
use vica_sync::provider::Provider;
use vica_sync::{Engine, SyncOptions};

use common::time_travel::{Ledger, assert_none_lost, cases, fresh_sync, importing, run, weeks};

const WORK: &str = "alex@example.com";
const TEAM: &str = "team@group.calendar.google.com";

fn berlin() -> Tz {
    "Europe/Berlin".parse().unwrap()
}

/// `{dateTime, timeZone}` in Berlin time.
fn at(t: DateTime<Utc>) -> Value {
    json!({"dateTime": t.with_timezone(&berlin()).to_rfc3339(), "timeZone": "Europe/Berlin"})
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A series as the test knows it: where its master lives and the master's body.
#[derive(Debug, Clone)]
struct Series {
    calendar: &'static str,
    master: Value,
    /// Has an end (`UNTIL`/`COUNT`) already.
    ended: bool,
}

impl Series {
    fn id(&self) -> &str {
        self.master["id"].as_str().unwrap()
    }
}

#[derive(Debug, Clone)]
struct OneOff {
    calendar: &'static str,
    body: Value,
}

/// What the test has put into the fake, to pick changes from.
struct Account {
    fake: FakeGoogle,
    series: Vec<Series>,
    one_offs: Vec<OneOff>,
    next: u32,
}

impl Account {
    /// A year around `now`: standups, 1:1s, planning every other week with
    /// a holiday left out, a monthly review ending in a few months, an
    /// all-day monthly payday, each with an exception or two, and one-off
    /// events from half a year back to half a year ahead.
    fn year(fake: FakeGoogle, now: DateTime<Utc>) -> Account {
        let monday = {
            let d = now.date_naive() - Duration::weeks(30);
            let back = i64::from(d.weekday().num_days_from_monday());
            Utc.from_utc_datetime(&(d - Duration::days(back)).and_hms_opt(0, 0, 0).unwrap())
        };
        let when = |days: i64, h: i64, m: i64| {
            monday + Duration::days(days) + Duration::hours(h) + Duration::minutes(m)
        };
        let timed =
            |id: &str, title: &str, start: DateTime<Utc>, minutes: i64, rules: &[String]| {
                json!({
                    "id": id,
                    "summary": title,
                    "start": at(start),
                    "end": at(start + Duration::minutes(minutes)),
                    "recurrence": rules,
                    "attendees": [{"email": WORK, "self": true, "responseStatus": "accepted"},
                                  {"email": "sam@example.com", "responseStatus": "accepted"}],
                    "organizer": {"email": "sam@example.com"},
                })
            };
        let exdate = |t: DateTime<Utc>| {
            format!(
                "EXDATE;TZID=Europe/Berlin:{}",
                t.with_timezone(&berlin()).format("%Y%m%dT%H%M%S")
            )
        };
        let planning = when(2, 12, 0);
        let series = vec![
            Series {
                calendar: WORK,
                master: timed(
                    "standup",
                    "Standup",
                    when(0, 8, 30),
                    15,
                    &[
                        "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR".into(),
                        exdate(when(14, 8, 30)),
                        exdate(when(15, 8, 30)),
                    ],
                ),
                ended: false,
            },
            Series {
                calendar: WORK,
                master: timed(
                    "oneonone",
                    "1:1 with Sam",
                    when(3, 14, 0),
                    30,
                    &["RRULE:FREQ=WEEKLY".into()],
                ),
                ended: false,
            },
            Series {
                calendar: TEAM,
                master: timed(
                    "planning",
                    "Sprint planning",
                    planning,
                    90,
                    &[
                        "RRULE:FREQ=WEEKLY;INTERVAL=2".into(),
                        exdate(planning + Duration::weeks(16)),
                        exdate(planning + Duration::weeks(36)),
                    ],
                ),
                ended: false,
            },
            Series {
                calendar: WORK,
                master: timed(
                    "review",
                    "Monthly review",
                    when(4, 9, 0),
                    60,
                    &[format!(
                        "RRULE:FREQ=MONTHLY;BYDAY=1FR;UNTIL={}",
                        stamp(now + Duration::weeks(12))
                    )],
                ),
                ended: true,
            },
            Series {
                calendar: TEAM,
                master: json!({
                    "id": "payday",
                    "summary": "Payday",
                    "start": {"date": "2025-07-27"},
                    "end": {"date": "2025-07-28"},
                    "recurrence": ["RRULE:FREQ=MONTHLY;BYMONTHDAY=27", "EXDATE;VALUE=DATE:20251227"],
                    "transparency": "transparent",
                }),
                ended: false,
            },
        ];
        let mut account = Account {
            fake,
            series,
            one_offs: Vec::new(),
            next: 0,
        };
        for s in &account.series {
            account.fake.put_event(s.calendar, s.master.clone());
        }
        // Exceptions: a late standup, a cancelled 1:1.
        account.move_instance(0, when(21, 8, 30), 60, "Standup (late)");
        account.cancel_instance(1, when(3 + 7 * 5, 14, 0));
        for week in (-26..26).step_by(3) {
            let start = now + Duration::weeks(week) + Duration::hours((week % 5) * 2);
            let calendar = if week % 2 == 0 { WORK } else { TEAM };
            account.add_one_off(calendar, start, 45);
        }
        account
    }

    fn add_one_off(&mut self, calendar: &'static str, start: DateTime<Utc>, minutes: i64) {
        self.next += 1;
        let n = self.next;
        let body = json!({
            "id": format!("once{n}"),
            "summary": format!("Meeting {n}"),
            "start": {"dateTime": start.to_rfc3339(), "timeZone": "UTC"},
            "end": {"dateTime": (start + Duration::minutes(minutes)).to_rfc3339(), "timeZone": "UTC"},
        });
        self.fake.put_event(calendar, body.clone());
        self.one_offs.push(OneOff { calendar, body });
    }

    /// The instance of series `i` whose original start is `original`, as listed.
    fn instance(&self, i: usize, original: DateTime<Utc>) -> Option<Value> {
        let s = &self.series[i];
        self.fake
            .instances(
                s.calendar,
                Some(original),
                Some(original + Duration::days(2)),
            )
            .into_iter()
            .find(|e| e["recurringEventId"] == s.id() && original_start(e) == Some(original))
    }

    /// The first original start of series `i` at or after `from` that is
    /// still listed (not cancelled), if any.
    fn next_original(&self, i: usize, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let s = &self.series[i];
        self.fake
            .instances(
                s.calendar,
                Some(from - Duration::days(1)),
                Some(from + Duration::weeks(10)),
            )
            .iter()
            .filter(|e| e["recurringEventId"] == s.id())
            .filter_map(original_start)
            .filter(|t| *t >= from)
            .min()
    }

    /// Moves an instance `minutes` later (an all-day one a day later) and retitles it.
    fn move_instance(&mut self, i: usize, original: DateTime<Utc>, minutes: i64, title: &str) {
        let Some(mut e) = self.instance(i, original) else {
            return;
        };
        if let Some(day) = e["originalStartTime"]["date"].as_str() {
            let day =
                chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap() + Duration::days(1);
            e["start"] = json!({"date": day.to_string()});
            e["end"] = json!({"date": (day + Duration::days(1)).to_string()});
        } else {
            let length = span_of(&e);
            let start = original + Duration::minutes(minutes);
            e["start"] = at(start);
            e["end"] = at(start + length);
        }
        e["summary"] = json!(title);
        self.fake.put_event(self.series[i].calendar, e);
    }

    fn cancel_instance(&mut self, i: usize, original: DateTime<Utc>) {
        if let Some(e) = self.instance(i, original) {
            let s = &self.series[i];
            self.fake
                .cancel_instance(s.calendar, s.id(), e["originalStartTime"].clone());
        }
    }

    fn put_series(&mut self, i: usize) {
        let s = &self.series[i];
        self.fake.put_event(s.calendar, s.master.clone());
    }

    fn apply(&mut self, change: &Change, now: DateTime<Utc>, version: usize) {
        match *change {
            Change::Create {
                weeks_ahead,
                hour,
                team,
            } => {
                let day = now.date_naive() + Duration::weeks(i64::from(weeks_ahead));
                let start =
                    Utc.from_utc_datetime(&day.and_hms_opt(u32::from(7 + hour % 9), 0, 0).unwrap());
                let calendar = if team { TEAM } else { WORK };
                self.add_one_off(calendar, start, 30 + i64::from(hour % 4) * 15);
            }
            Change::Rename(i) => {
                if let Some(e) = pick(&mut self.one_offs, i) {
                    e.body["summary"] = json!(format!(
                        "{} v{version}",
                        e.body["summary"].as_str().unwrap()
                    ));
                    self.fake.put_event(e.calendar, e.body.clone());
                }
            }
            Change::Move { which, days } => {
                if let Some(e) = pick(&mut self.one_offs, which) {
                    for end in ["start", "end"] {
                        let t =
                            DateTime::parse_from_rfc3339(e.body[end]["dateTime"].as_str().unwrap())
                                .unwrap()
                                .with_timezone(&Utc);
                        e.body[end]["dateTime"] =
                            json!((t + Duration::days(i64::from(days))).to_rfc3339());
                    }
                    self.fake.put_event(e.calendar, e.body.clone());
                }
            }
            Change::Delete(i) => {
                if !self.one_offs.is_empty() {
                    let e = self.one_offs.remove(usize::from(i) % self.one_offs.len());
                    self.fake
                        .delete_event(e.calendar, e.body["id"].as_str().unwrap());
                }
            }
            Change::MoveInstance { which, weeks_ahead } => {
                if let Some(i) = index(&self.series, which)
                    && let Some(t) =
                        self.next_original(i, now + Duration::weeks(i64::from(weeks_ahead)))
                {
                    self.move_instance(i, t, 30, &format!("moved v{version}"));
                }
            }
            Change::CancelInstance { which, weeks_ahead } => {
                if let Some(i) = index(&self.series, which)
                    && let Some(t) =
                        self.next_original(i, now + Duration::weeks(i64::from(weeks_ahead)))
                {
                    self.cancel_instance(i, t);
                }
            }
            Change::RenameSeries(which) => {
                if let Some(i) = index(&self.series, which) {
                    let s = &mut self.series[i];
                    s.master["summary"] = json!(format!(
                        "{} v{version}",
                        s.master["summary"].as_str().unwrap()
                    ));
                    self.put_series(i);
                }
            }
            Change::EndSeries { which, weeks_ahead } => {
                if let Some(i) = index(&self.series, which)
                    && !self.series[i].ended
                {
                    let until = now + Duration::weeks(i64::from(weeks_ahead));
                    end_rule(&mut self.series[i], until);
                    self.put_series(i);
                }
            }
            Change::Split { which, weeks_ahead } => {
                // "This and following events": the series ends before the
                // instance, and a new series (id `<id>_R<start>`) starts there.
                if let Some(i) = index(&self.series, which)
                    && !self.series[i].ended
                    && self.series[i].master["start"].get("dateTime").is_some()
                    && let Some(t) =
                        self.next_original(i, now + Duration::weeks(i64::from(weeks_ahead)))
                {
                    let mut next = self.series[i].clone();
                    end_rule(&mut self.series[i], t - Duration::seconds(1));
                    self.put_series(i);
                    let length = span_of(&next.master);
                    let id = format!("{}_R{}", next.id(), t.format("%Y%m%dT%H%M%S"));
                    next.master["id"] = json!(id);
                    next.master["summary"] = json!(format!(
                        "{} (new) v{version}",
                        next.master["summary"].as_str().unwrap()
                    ));
                    next.master["start"] = at(t);
                    next.master["end"] = at(t + length);
                    // EXDATEs before the split stay with the old series.
                    let rules: Vec<Value> = next.master["recurrence"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|l| l.as_str().unwrap().starts_with("RRULE"))
                        .cloned()
                        .collect();
                    next.master["recurrence"] = json!(rules);
                    self.fake.put_event(next.calendar, next.master.clone());
                    self.series.push(next);
                }
            }
            Change::DeleteSeries(which) => {
                if self.series.len() > 2
                    && let Some(i) = index(&self.series, which)
                {
                    let s = self.series.remove(i);
                    self.fake.delete_event(s.calendar, s.id());
                }
            }
        }
    }
}

/// Adds `UNTIL` to a series' rule.
fn end_rule(s: &mut Series, until: DateTime<Utc>) {
    let lines: Vec<Value> = s.master["recurrence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let l = l.as_str().unwrap();
            if l.starts_with("RRULE") {
                json!(format!("{l};UNTIL={}", stamp(until)))
            } else {
                json!(l)
            }
        })
        .collect();
    s.master["recurrence"] = json!(lines);
    s.ended = true;
}

fn original_start(e: &Value) -> Option<DateTime<Utc>> {
    let o = &e["originalStartTime"];
    if let Some(t) = o["dateTime"].as_str() {
        return Some(DateTime::parse_from_rfc3339(t).ok()?.with_timezone(&Utc));
    }
    let d = chrono::NaiveDate::parse_from_str(o["date"].as_str()?, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc())
}

fn span_of(e: &Value) -> Duration {
    let t = |v: &Value| {
        DateTime::parse_from_rfc3339(v["dateTime"].as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    t(&e["end"]) - t(&e["start"])
}

fn index<T>(items: &[T], i: u8) -> Option<usize> {
    (!items.is_empty()).then(|| usize::from(i) % items.len())
}

fn pick<T>(items: &mut [T], i: u8) -> Option<&mut T> {
    let n = index(items, i)?;
    items.get_mut(n)
}

#[derive(Debug, Clone)]
enum Change {
    Create {
        weeks_ahead: u8,
        hour: u8,
        team: bool,
    },
    Rename(u8),
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
    Split {
        which: u8,
        weeks_ahead: u8,
    },
    DeleteSeries(u8),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        3 => (1u8..12, any::<u8>(), any::<bool>())
            .prop_map(|(weeks_ahead, hour, team)| Change::Create { weeks_ahead, hour, team }),
        2 => any::<u8>().prop_map(Change::Rename),
        2 => (any::<u8>(), -20i8..20).prop_map(|(which, days)| Change::Move { which, days }),
        1 => any::<u8>().prop_map(Change::Delete),
        2 => (any::<u8>(), 0u8..8).prop_map(|(which, weeks_ahead)| Change::MoveInstance { which, weeks_ahead }),
        2 => (any::<u8>(), 0u8..8).prop_map(|(which, weeks_ahead)| Change::CancelInstance { which, weeks_ahead }),
        1 => any::<u8>().prop_map(Change::RenameSeries),
        1 => (any::<u8>(), 1u8..10).prop_map(|(which, weeks_ahead)| Change::EndSeries { which, weeks_ahead }),
        1 => (any::<u8>(), 1u8..8).prop_map(|(which, weeks_ahead)| Change::Split { which, weeks_ahead }),
        1 => any::<u8>().prop_map(Change::DeleteSeries),
    ]
}

fn options(clock: &ManualClock) -> SyncOptions {
    SyncOptions {
        clock: clock.shared(),
        ..SyncOptions::default()
    }
}

/// How far back the import of [`travel`] reaches, when it runs one: a year
/// before the first step, half a year before the window's start.
const IMPORT_WEEKS: i64 = 52;

/// One case: a first sync, then, when `import` says so, a history import a
/// year back ([`IMPORT_WEEKS`]), then a week of changes and a sync per step.
async fn travel(steps: Vec<Vec<Change>>, import: bool) {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let clock = ManualClock::new(start);
    let fake = FakeGoogle::start().await.unwrap();
    fake.set_clock(clock.shared());
    let mut work = CalendarEntry::new(WORK, "Work");
    work.primary = true;
    fake.add_calendar(work);
    fake.add_calendar(CalendarEntry::new(TEAM, "Team"));
    let mut account = Account::year(fake.clone(), start);
    let client = || {
        let config = GoogleConfig::new(&fake.base_url()).unwrap();
        Arc::new(Google::new(config, Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN))).unwrap())
    };

    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(
        Store::open(&dir.path().join("vica.db")).unwrap(),
    ));
    let id = store
        .lock()
        .unwrap()
        .add_account(ProviderKind::Google, WORK, None, false)
        .unwrap()
        .id;
    let engine = Engine::new(store.clone(), options(&clock));
    let mut ledger = Ledger::default();
    let mut imported = BTreeSet::new();
    let incremental = client();
    for (n, changes) in std::iter::once(Vec::new()).chain(steps).enumerate() {
        if n > 0 {
            clock.advance(Duration::weeks(1));
        }
        let now = clock.now();
        for c in &changes {
            account.apply(c, now, n);
        }
        let report = engine
            .sync_account(id, incremental.clone(), None, Arc::new(|_| {}))
            .await;
        assert!(report.is_ok(), "step {n}: {report:?}");
        if n == 0 && import {
            let options = importing(options(&clock), start, IMPORT_WEEKS);
            imported = ledger
                .import(
                    &store,
                    id,
                    incremental.clone(),
                    client(),
                    ProviderKind::Google,
                    options,
                )
                .await;
        }
        let fresh = fresh_sync(client(), ProviderKind::Google, options(&clock)).await;
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
            client() as Arc<dyn Provider>,
            ProviderKind::Google,
            importing(options(&clock), start, IMPORT_WEEKS),
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

#[tokio::test]
async fn the_year_has_what_a_year_has() {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let fake = FakeGoogle::start().await.unwrap();
    fake.set_clock(ManualClock::new(start).shared());
    let account = Account::year(fake.clone(), start);
    let masters: Vec<Value> = fake
        .live_events(WORK)
        .into_iter()
        .chain(fake.live_events(TEAM))
        .filter(|e| e.get("recurrence").is_some())
        .collect();
    assert_eq!(masters.len(), 5);
    let rules: String = masters
        .iter()
        .flat_map(|m| m["recurrence"].as_array().unwrap().iter())
        .map(|l| format!("{}\n", l.as_str().unwrap()))
        .collect();
    for part in [
        "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
        "INTERVAL=2",
        "EXDATE;TZID=",
        "UNTIL=",
        "EXDATE;VALUE=DATE",
    ] {
        assert!(rules.contains(part), "{part}");
    }
    // A moved and a cancelled instance are stored as exceptions.
    let exceptions: Vec<Value> = fake
        .live_events(WORK)
        .into_iter()
        .filter(|e| e.get("recurringEventId").is_some())
        .collect();
    assert_eq!(exceptions.len(), 1, "the late standup");
    let listed = fake.instances(WORK, Some(start - Duration::weeks(30)), Some(start));
    assert!(listed.iter().any(|e| e["summary"] == "Standup (late)"));
    assert_eq!(
        listed
            .iter()
            .filter(|e| e["recurringEventId"] == "oneonone")
            .count(),
        30 - 1,
        "thirty Thursdays, one cancelled"
    );
    assert!(
        account
            .one_offs
            .iter()
            .any(|e| e.body["start"]["dateTime"].as_str().unwrap() > "2026-08-01"),
        "one-off events far ahead"
    );
}
