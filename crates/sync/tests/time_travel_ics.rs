//! Time travel for ICS feeds: a year of a realistic calendar (recurring
//! series with EXDATEs, moved and cancelled RECURRENCE-ID exceptions,
//! one-off events created weeks ahead, edits, moves and deletions) served by
//! the fake ICS server, or written as a vdir folder of one file per UID
//! (only the files whose text changed are rewritten), synced incrementally
//! while the clock moves one week at a time. After every step the store must hold, inside the sync window,
//! what a fresh full sync of the same feed at the same time holds, and
//! outside it nothing but history it already had
//! ([`common::time_travel::Ledger`]).
//!
//! CI runs a few cases of 16 weeks; a longer run:
//! `VICA_LONG=1 cargo test -p vica-sync --test time_travel_ics` (64 cases of
//! 52 weeks).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use vica_core::Store;
use vica_core::clock::{Clock, ManualClock};
use vica_core::model::Provider as ProviderKind;
use vica_fakes::ics::FakeIcs;
use vica_sync::ics::{Ics, IcsConfig, Location};
use vica_sync::{Engine, SyncOptions};

use common::time_travel::{Ledger, cases, fresh_sync, run, weeks};

/// A recurring series as the feed's master VEVENT carries it.
#[derive(Debug, Clone)]
struct Series {
    uid: String,
    title: String,
    start: DateTime<Utc>,
    minutes: i64,
    rule: String,
    exdates: Vec<DateTime<Utc>>,
    /// Exceptions by the original start: moved by some minutes, or cancelled.
    overrides: Vec<(DateTime<Utc>, Override)>,
}

#[derive(Debug, Clone)]
enum Override {
    Moved { minutes: i64, title: String },
    Cancelled,
}

#[derive(Debug, Clone)]
struct OneOff {
    uid: String,
    title: String,
    start: DateTime<Utc>,
    minutes: i64,
}

/// The calendar the feed serves.
#[derive(Debug, Clone)]
struct Calendar {
    series: Vec<Series>,
    one_offs: Vec<OneOff>,
    next_uid: u32,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

impl Calendar {
    /// A year around `now`: standups, 1:1s, planning every other week with a
    /// holiday left out, a monthly review ending in a few months, and one-off
    /// events spread from half a year back to half a year ahead.
    fn year(now: DateTime<Utc>) -> Calendar {
        let monday = {
            let d = now.date_naive() - Duration::weeks(30);
            let back = i64::from(d.weekday().num_days_from_monday());
            Utc.from_utc_datetime(&(d - Duration::days(back)).and_hms_opt(0, 0, 0).unwrap())
        };
        let at = |days: i64, h: i64, m: i64| {
            monday + Duration::days(days) + Duration::hours(h) + Duration::minutes(m)
        };
        let planning = at(2, 13, 0);
        let series = vec![
            Series {
                uid: "standup@example.com".into(),
                title: "Standup".into(),
                start: at(0, 9, 30),
                minutes: 15,
                rule: "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR".into(),
                exdates: vec![at(14, 9, 30), at(15, 9, 30)],
                overrides: vec![(
                    at(21, 9, 30),
                    Override::Moved {
                        minutes: 60,
                        title: "Standup (late)".into(),
                    },
                )],
            },
            Series {
                uid: "one-on-one@example.com".into(),
                title: "1:1 with Sam".into(),
                start: at(3, 15, 0),
                minutes: 30,
                rule: "FREQ=WEEKLY".into(),
                exdates: Vec::new(),
                overrides: vec![(at(3 + 7 * 5, 15, 0), Override::Cancelled)],
            },
            Series {
                uid: "planning@example.com".into(),
                title: "Sprint planning".into(),
                start: planning,
                minutes: 90,
                rule: "FREQ=WEEKLY;INTERVAL=2".into(),
                exdates: vec![planning + Duration::weeks(16)],
                overrides: Vec::new(),
            },
            Series {
                uid: "review@example.com".into(),
                title: "Monthly review".into(),
                start: at(4, 10, 0),
                minutes: 60,
                rule: format!(
                    "FREQ=MONTHLY;BYDAY=1FR;UNTIL={}",
                    stamp(now + Duration::weeks(12))
                ),
                exdates: Vec::new(),
                overrides: Vec::new(),
            },
        ];
        let mut cal = Calendar {
            series,
            one_offs: Vec::new(),
            next_uid: 0,
        };
        for week in (-26..26).step_by(3) {
            let start = now + Duration::weeks(week) + Duration::hours((week % 5) * 2);
            cal.add_one_off(start, 45);
        }
        cal
    }

    fn add_one_off(&mut self, start: DateTime<Utc>, minutes: i64) {
        self.next_uid += 1;
        let n = self.next_uid;
        self.one_offs.push(OneOff {
            uid: format!("once-{n}@example.com"),
            title: format!("Meeting {n}"),
            start: start.with_timezone(&Utc),
            minutes,
        });
    }

    fn apply(&mut self, change: &Change, now: DateTime<Utc>, version: usize) {
        match *change {
            Change::Create { weeks_ahead, hour } => {
                let day = now.date_naive() + Duration::weeks(i64::from(weeks_ahead));
                let start =
                    Utc.from_utc_datetime(&day.and_hms_opt(u32::from(8 + hour % 9), 0, 0).unwrap());
                self.add_one_off(start, 30 + i64::from(hour % 4) * 15);
            }
            Change::Rename(i) => {
                if let Some(e) = pick(&mut self.one_offs, i) {
                    e.title = format!("{} v{version}", e.title);
                }
            }
            Change::Move { which, days } => {
                if let Some(e) = pick(&mut self.one_offs, which) {
                    e.start += Duration::days(i64::from(days));
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
                    let original = next_instance(s, now + Duration::weeks(i64::from(weeks_ahead)));
                    s.overrides.retain(|(at, _)| *at != original);
                    s.overrides.push((
                        original,
                        Override::Moved {
                            minutes: 30,
                            title: format!("{} (moved v{version})", s.title),
                        },
                    ));
                }
            }
            Change::CancelInstance { which, weeks_ahead } => {
                if let Some(s) = pick(&mut self.series, which) {
                    let original = next_instance(s, now + Duration::weeks(i64::from(weeks_ahead)));
                    s.overrides.retain(|(at, _)| *at != original);
                    s.overrides.push((original, Override::Cancelled));
                }
            }
            Change::RenameSeries(i) => {
                if let Some(s) = pick(&mut self.series, i) {
                    s.title = format!("{} v{version}", s.title);
                }
            }
            Change::EndSeries { which, weeks_ahead } => {
                if let Some(s) = pick(&mut self.series, which)
                    && !s.rule.contains("UNTIL")
                {
                    let until = now + Duration::weeks(i64::from(weeks_ahead));
                    s.rule = format!("{};UNTIL={}", s.rule, stamp(until));
                }
            }
        }
    }

    /// The calendar as an iCalendar body.
    fn render(&self) -> String {
        let mut out = String::from(HEADER);
        for (_, events) in self.pieces() {
            out.push_str(&events);
        }
        out.push_str("END:VCALENDAR\r\n");
        out
    }

    /// The calendar as a vdir: one file per UID, by file name.
    fn files(&self) -> Vec<(String, String)> {
        self.pieces()
            .into_iter()
            .map(|(uid, events)| {
                let name: String = uid
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                (
                    format!("{name}.ics"),
                    format!("{HEADER}{events}END:VCALENDAR\r\n"),
                )
            })
            .collect()
    }

    /// Each UID's VEVENTs (a series' master with its overrides).
    fn pieces(&self) -> Vec<(String, String)> {
        let mut pieces = Vec::new();
        let dtstamp = "20260101T000000Z";
        for s in &self.series {
            let mut out = String::new();
            let end = s.start + Duration::minutes(s.minutes);
            write!(
                out,
                "BEGIN:VEVENT\r\nUID:{}\r\nDTSTAMP:{dtstamp}\r\nSUMMARY:{}\r\nDTSTART:{}\r\nDTEND:{}\r\nRRULE:{}\r\n",
                s.uid,
                s.title,
                stamp(s.start),
                stamp(end),
                s.rule
            )
            .unwrap();
            for x in &s.exdates {
                write!(out, "EXDATE:{}\r\n", stamp(*x)).unwrap();
            }
            out.push_str("END:VEVENT\r\n");
            for (original, o) in &s.overrides {
                let (start, title, status) = match o {
                    Override::Moved { minutes, title } => (
                        *original + Duration::minutes(*minutes),
                        title.as_str(),
                        "CONFIRMED",
                    ),
                    Override::Cancelled => (*original, s.title.as_str(), "CANCELLED"),
                };
                write!(
                    out,
                    "BEGIN:VEVENT\r\nUID:{}\r\nDTSTAMP:{dtstamp}\r\nRECURRENCE-ID:{}\r\nSUMMARY:{title}\r\nSTATUS:{status}\r\nDTSTART:{}\r\nDTEND:{}\r\nEND:VEVENT\r\n",
                    s.uid,
                    stamp(*original),
                    stamp(start),
                    stamp(start + Duration::minutes(s.minutes)),
                )
                .unwrap();
            }
            pieces.push((s.uid.clone(), out));
        }
        for e in &self.one_offs {
            let mut out = String::new();
            write!(
                out,
                "BEGIN:VEVENT\r\nUID:{}\r\nDTSTAMP:{dtstamp}\r\nSUMMARY:{}\r\nDTSTART:{}\r\nDTEND:{}\r\nEND:VEVENT\r\n",
                e.uid,
                e.title,
                stamp(e.start),
                stamp(e.start + Duration::minutes(e.minutes))
            )
            .unwrap();
            pieces.push((e.uid.clone(), out));
        }
        pieces
    }
}

const HEADER: &str =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Vica//time travel//EN\r\nX-WR-CALNAME:Work\r\n";

/// Writes the calendar into `dir` as a vdir sync would: a file whose text
/// changed is rewritten with a later modification time, an unchanged one is
/// left alone, one no longer in the calendar removed.
fn write_vdir(dir: &std::path::Path, calendar: &Calendar, step: usize) {
    let files = calendar.files();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !files.iter().any(|(n, _)| *n == name) {
            std::fs::remove_file(&path).unwrap();
        }
    }
    for (k, (name, text)) in files.iter().enumerate() {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        std::fs::write(&path, text).unwrap();
        let when = std::time::UNIX_EPOCH
            + std::time::Duration::from_secs(1_767_225_600 + (step * 10_000 + k) as u64);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(when)
            .unwrap();
    }
}

fn pick<T>(items: &mut [T], i: u8) -> Option<&mut T> {
    if items.is_empty() {
        return None;
    }
    let n = usize::from(i) % items.len();
    items.get_mut(n)
}

/// The series' first start at or after `from`, counted by whole weeks or days
/// from its first start (the series here repeat on a day or week grid).
fn next_instance(s: &Series, from: DateTime<Utc>) -> DateTime<Utc> {
    let step = if s.rule.starts_with("FREQ=DAILY") {
        Duration::days(1)
    } else {
        Duration::weeks(1)
    };
    let mut t = s.start;
    while t < from {
        t += step;
    }
    t
}

#[derive(Debug, Clone)]
enum Change {
    Create { weeks_ahead: u8, hour: u8 },
    Rename(u8),
    Move { which: u8, days: i8 },
    Delete(u8),
    MoveInstance { which: u8, weeks_ahead: u8 },
    CancelInstance { which: u8, weeks_ahead: u8 },
    RenameSeries(u8),
    EndSeries { which: u8, weeks_ahead: u8 },
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        3 => (1u8..12, any::<u8>()).prop_map(|(weeks_ahead, hour)| Change::Create { weeks_ahead, hour }),
        2 => any::<u8>().prop_map(Change::Rename),
        2 => (any::<u8>(), -20i8..20).prop_map(|(which, days)| Change::Move { which, days }),
        1 => any::<u8>().prop_map(Change::Delete),
        2 => (any::<u8>(), 0u8..8).prop_map(|(which, weeks_ahead)| Change::MoveInstance { which, weeks_ahead }),
        2 => (any::<u8>(), 0u8..8).prop_map(|(which, weeks_ahead)| Change::CancelInstance { which, weeks_ahead }),
        1 => any::<u8>().prop_map(Change::RenameSeries),
        1 => (any::<u8>(), 1u8..10).prop_map(|(which, weeks_ahead)| Change::EndSeries { which, weeks_ahead }),
    ]
}

fn config(clock: &ManualClock) -> IcsConfig {
    IcsConfig {
        clock: clock.shared(),
        ..IcsConfig::default()
    }
}

fn options(clock: &ManualClock) -> SyncOptions {
    SyncOptions {
        clock: clock.shared(),
        ..SyncOptions::default()
    }
}

/// Where the calendar is served: a feed (one item) or a vdir (a file per UID).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Served {
    Feed,
    Folder,
}

async fn travel(steps: Vec<Vec<Change>>, served: Served) {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let clock = ManualClock::new(start);
    let fake = FakeIcs::start().await.unwrap();
    let mut calendar = Calendar::year(start);
    let vdir = tempfile::tempdir().unwrap();
    let serve = |calendar: &Calendar, step: usize| match served {
        Served::Feed => fake.set_feed("work", calendar.render()),
        Served::Folder => write_vdir(vdir.path(), calendar, step),
    };
    serve(&calendar, 0);
    let location = match served {
        Served::Feed => Location::parse(&fake.url("work")).unwrap(),
        Served::Folder => Location::parse(vdir.path().to_str().unwrap()).unwrap(),
    };
    let client = |clock: &ManualClock| {
        Arc::new(Ics::new(location.clone(), chrono_tz::UTC, config(clock)).unwrap())
    };

    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(
        Store::open(&dir.path().join("vica.db")).unwrap(),
    ));
    let account = store
        .lock()
        .unwrap()
        .add_account(ProviderKind::Ics, "work", None, false)
        .unwrap();
    let engine = Engine::new(store.clone(), options(&clock));
    let mut ledger = Ledger::default();
    let incremental = client(&clock);
    for (n, changes) in std::iter::once(Vec::new()).chain(steps).enumerate() {
        if n > 0 {
            clock.advance(Duration::weeks(1));
        }
        let now = clock.now();
        for c in &changes {
            calendar.apply(c, now, n);
        }
        serve(&calendar, n);
        let report = engine
            .sync_account(account.id, incremental.clone(), None, Arc::new(|_| {}))
            .await;
        assert!(report.is_ok(), "step {n}: {report:?}");
        let fresh = fresh_sync(client(&clock), ProviderKind::Ics, options(&clock)).await;
        assert!(!fresh.is_empty(), "step {n}: the fresh sync found nothing");
        let window = engine.window();
        let held = store.lock().unwrap();
        if let Err(e) = ledger.check(&held, account.id, window, &fresh) {
            panic!("after changes {changes:?}:\n{e}");
        }
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
        run(travel(steps, Served::Feed));
    }

    /// The same calendar as a vdir, one file per UID: only the files that
    /// changed, or that hold an occurrence the window reached, are read.
    #[test]
    fn weeks_of_incremental_folder_syncs_equal_a_fresh_full_sync(
        steps in proptest::collection::vec(
            proptest::collection::vec(change(), 0..4),
            weeks(),
        )
    ) {
        run(travel(steps, Served::Folder));
    }
}

#[test]
fn the_year_has_what_a_year_has() {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    let body = Calendar::year(start).render();
    assert!(body.contains("RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"));
    assert!(body.contains("EXDATE:"));
    assert!(body.contains("RECURRENCE-ID:"));
    assert!(body.contains("STATUS:CANCELLED"));
    let ahead = NaiveDate::from_ymd_opt(2026, 8, 1).unwrap();
    assert!(
        Calendar::year(start)
            .one_offs
            .iter()
            .any(|e| e.start.date_naive() > ahead),
        "one-off events far ahead"
    );
}
