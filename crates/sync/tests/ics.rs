//! ICS calendars: vendor-shaped fixtures through the parser, and the
//! provider on the engine against files, a vdir folder and the fake ICS
//! server (304s, redirects, a feed that breaks, big feeds).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Duration as Span, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use vica_core::Store;
use vica_core::model::{
    Event, EventKind, EventStatus, EventTime, Provider as ProviderKind, Response, ShowAs,
};
use vica_fakes::FakeServer;
use vica_fakes::ics::{FakeIcs, Fault};
use vica_sync::engine::{Progress, SyncReport};
use vica_sync::http::RetryPolicy;
use vica_sync::ics::{Feed, Ics, IcsConfig, IcsError, Location, parse_feed};
use vica_sync::provider::Window;
use vica_sync::{Engine, SyncError, SyncOptions};

const GOOGLE: &[u8] = include_bytes!("fixtures/ics/google.ics");
const ICLOUD: &[u8] = include_bytes!("fixtures/ics/icloud.ics");
const OUTLOOK: &[u8] = include_bytes!("fixtures/ics/outlook.ics");
const FASTMAIL: &[u8] = include_bytes!("fixtures/ics/fastmail.ics");
const BROKEN: &[u8] = include_bytes!("fixtures/ics/broken.ics");

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn autumn_2026() -> Window {
    Window {
        start: utc("2026-09-01T00:00:00Z"),
        end: utc("2027-01-01T00:00:00Z"),
    }
}

fn parse(bytes: &[u8], zone: Tz) -> Feed {
    parse_feed(bytes, zone, autumn_2026()).unwrap()
}

/// (id, title, start) of every event, sorted by start then id.
fn listing(feed: &Feed) -> Vec<(String, String, String)> {
    let mut rows: Vec<(String, String, String)> = feed
        .events
        .iter()
        .map(|e| {
            let start = match e.record.time {
                EventTime::Timed { start, .. } => start.format("%Y-%m-%dT%H:%MZ").to_string(),
                EventTime::AllDay { start, end } => format!("{start}..{end}"),
            };
            (e.record.provider_id.clone(), e.record.title.clone(), start)
        })
        .collect();
    rows.sort_by(|a, b| (&a.2, &a.0).cmp(&(&b.2, &b.0)));
    rows
}

fn find<'a>(feed: &'a Feed, id: &str) -> &'a vica_sync::ics::IcsEvent {
    feed.events
        .iter()
        .find(|e| e.record.provider_id == id)
        .unwrap_or_else(|| panic!("no event {id} in {:#?}", listing(feed)))
}

#[test]
fn google_export_weekly_series_across_the_dst_change() {
    let feed = parse(GOOGLE, chrono_tz::UTC);
    assert_eq!(feed.name.as_deref(), Some("Team Berlin"));
    assert_eq!(feed.time_zone.as_deref(), Some("Europe/Berlin"));
    let uid = "7kukuqrfedlm2f9t0vr3nv4gh8@google.com";
    let series: Vec<(String, String, String)> = listing(&feed)
        .into_iter()
        .filter(|(id, _, _)| id.starts_with(uid))
        .collect();
    // 09:00 Berlin is 07:00Z in summer time and 08:00Z after 25 October; 20
    // October is an EXDATE, 27 October moved to the Wednesday, 10 November
    // cancelled, and UNTIL stops before 24 November.
    let expected = [
        ("20261006T070000Z", "Team sync", "2026-10-06T07:00Z"),
        ("20261013T070000Z", "Team sync", "2026-10-13T07:00Z"),
        (
            "20261027T080000Z",
            "Team sync (moved to Wednesday)",
            "2026-10-28T13:00Z",
        ),
        ("20261103T080000Z", "Team sync", "2026-11-03T08:00Z"),
        ("20261117T080000Z", "Team sync", "2026-11-17T08:00Z"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(k, t, s)| (format!("{uid}/{k}"), (*t).to_owned(), (*s).to_owned()))
        .collect();
    assert_eq!(series, expected);
    let first = find(&feed, &format!("{uid}/20261006T070000Z"));
    assert_eq!(first.record.series_id.as_deref(), Some(uid));
    assert_eq!(first.record.time_zone.as_deref(), Some("Europe/Berlin"));
    assert_eq!(
        first.record.location.as_deref(),
        Some("Room 4.01, Berlin HQ")
    );
    assert_eq!(
        first.record.description.as_deref(),
        Some(
            "Weekly sync. Agenda: https://docs.example.com/agenda, notes; and action items.\nJoin: https://meet.google.com/abc-defg-hij"
        )
    );
    assert_eq!(first.record.attendee_count, 2);
    assert_eq!(
        first.record.time,
        EventTime::Timed {
            start: utc("2026-10-06T07:00:00Z"),
            end: utc("2026-10-06T07:30:00Z")
        }
    );
    // All-day and multi-day: exclusive end dates, transparent is free.
    let holiday = find(&feed, "holiday-20261103@google.com");
    assert_eq!(
        holiday.record.time,
        EventTime::AllDay {
            start: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, 11, 4).unwrap()
        }
    );
    assert_eq!(holiday.record.show_as, ShowAs::Free);
    assert_eq!(holiday.transparency.as_deref(), Some("TRANSPARENT"));
    let offsite = find(&feed, "3q2mr0offsite@google.com");
    assert_eq!(
        offsite.record.time,
        EventTime::AllDay {
            start: NaiveDate::from_ymd_opt(2026, 11, 9).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, 11, 12).unwrap()
        }
    );
    assert!(
        feed.events
            .iter()
            .all(|e| e.record.provider_id != "cancelled-single@google.com"),
        "a cancelled event is left out"
    );
    assert_eq!(feed.events.len(), 8);
    assert!(feed.rejected.is_empty(), "{:?}", feed.rejected);
}

#[test]
fn the_same_feed_gives_the_same_ids_and_a_narrower_window_fewer_occurrences() {
    let a = parse(GOOGLE, chrono_tz::UTC);
    let b = parse(GOOGLE, chrono_tz::UTC);
    assert_eq!(listing(&a), listing(&b));
    let november = Window {
        start: utc("2026-11-01T00:00:00Z"),
        end: utc("2026-11-08T00:00:00Z"),
    };
    let week = parse_feed(GOOGLE, chrono_tz::UTC, november).unwrap();
    let ids: Vec<String> = listing(&week).into_iter().map(|r| r.0).collect();
    assert_eq!(
        ids,
        [
            "holiday-20261103@google.com",
            "7kukuqrfedlm2f9t0vr3nv4gh8@google.com/20261103T080000Z",
            "5f1l2kqa9utc@google.com",
        ]
    );
}

#[test]
fn icloud_export_with_us_dst_yearly_birthdays_and_tentative() {
    let feed = parse(ICLOUD, chrono_tz::Europe::Berlin);
    assert_eq!(feed.name.as_deref(), Some("Family"));
    assert_eq!(feed.color.as_deref(), Some("#ff2968"));
    let swim: Vec<String> = listing(&feed)
        .into_iter()
        .filter(|r| r.1 == "Swim practice")
        .map(|r| r.2)
        .collect();
    // 18:30 New York: EDT until 1 November, EST after; COUNT=4.
    assert_eq!(
        swim,
        [
            "2026-10-28T22:30Z",
            "2026-11-04T23:30Z",
            "2026-11-11T23:30Z",
            "2026-11-18T23:30Z"
        ]
    );
    let birthday = find(&feed, "BDAY-0001-JAMIE/20261112");
    assert_eq!(
        birthday.record.time,
        EventTime::AllDay {
            start: NaiveDate::from_ymd_opt(2026, 11, 12).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, 11, 13).unwrap()
        }
    );
    let dentist = find(&feed, "9C0FFEE0-AAAA-4BBB-8CCC-0123456789AB");
    assert_eq!(dentist.status.as_deref(), Some("TENTATIVE"));
    assert_eq!(dentist.record.status, EventStatus::Tentative);
    assert_eq!(dentist.record.my_response, Some(Response::Tentative));
    assert_eq!(dentist.record.show_as, ShowAs::Tentative);
    assert_eq!(
        dentist.record.time,
        EventTime::Timed {
            start: utc("2026-11-10T14:00:00Z"),
            end: utc("2026-11-10T15:00:00Z")
        }
    );
    assert_eq!(
        dentist.record.link.as_deref(),
        Some("https://dentist.example.com/booking/123")
    );
    let swim = find(
        &feed,
        "2B3C4D5E-6F70-4812-9ABC-DEF012345678/20261028T223000Z",
    );
    assert_eq!(
        swim.record.location.as_deref(),
        Some("Y Pool\n100 Main St, Springfield")
    );
    assert_eq!(feed.events.len(), 6);
}

#[test]
fn outlook_windows_zone_names_custom_zones_busy_status_and_an_override_across_dst() {
    let feed = parse(OUTLOOK, chrono_tz::UTC);
    let standup: Vec<(String, String)> = listing(&feed)
        .into_iter()
        .filter(|r| r.1.starts_with("Standup"))
        .map(|r| (r.2, r.1))
        .collect();
    // 09:30 "W. Europe Standard Time" on weekdays until 30 October 07:00Z;
    // the 26 October one (after the change to winter time) moved to 11:00.
    let expect = |s: &str, t: &str| (s.to_owned(), t.to_owned());
    assert_eq!(
        standup,
        [
            expect("2026-10-21T07:30Z", "Standup"),
            expect("2026-10-22T07:30Z", "Standup"),
            expect("2026-10-23T07:30Z", "Standup"),
            expect("2026-10-26T10:00Z", "Standup (after the clock change)"),
            expect("2026-10-27T08:30Z", "Standup"),
            expect("2026-10-28T08:30Z", "Standup"),
            expect("2026-10-29T08:30Z", "Standup"),
        ]
    );
    let moved = feed
        .events
        .iter()
        .find(|e| e.record.title == "Standup (after the clock change)")
        .unwrap();
    assert!(moved.record.provider_id.ends_with("/20261026T083000Z"));
    assert_eq!(moved.busy_status.as_deref(), Some("TENTATIVE"));
    assert_eq!(moved.record.show_as, ShowAs::Tentative);
    let standup = feed
        .events
        .iter()
        .find(|e| e.record.title == "Standup")
        .unwrap();
    assert_eq!(standup.record.time_zone.as_deref(), Some("Europe/Berlin"));
    let vacation = feed
        .events
        .iter()
        .find(|e| e.record.title == "Vacation")
        .unwrap();
    assert_eq!(vacation.record.kind, EventKind::OutOfOffice);
    assert_eq!(vacation.record.show_as, ShowAs::OutOfOffice);
    // "Customized Time Zone" is read from its VTIMEZONE rules: CET in November, CEST in September.
    let by_title = |t: &str| {
        feed.events
            .iter()
            .find(|e| e.record.title == t)
            .map(|e| e.record.time)
            .unwrap()
    };
    assert_eq!(
        by_title("Quarterly review"),
        EventTime::Timed {
            start: utc("2026-11-03T14:00:00Z"),
            end: utc("2026-11-03T15:30:00Z")
        }
    );
    assert_eq!(
        by_title("Summer planning"),
        EventTime::Timed {
            start: utc("2026-09-15T13:00:00Z"),
            end: utc("2026-09-15T14:00:00Z")
        }
    );
    let summer = feed
        .events
        .iter()
        .find(|e| e.record.title == "Summer planning")
        .unwrap();
    assert_eq!(summer.record.show_as, ShowAs::WorkingElsewhere);
    assert!(feed.rejected.is_empty(), "{:?}", feed.rejected);
}

#[test]
fn fastmail_export_with_southern_dst_duration_rdate_and_floating_time() {
    let feed = parse(FASTMAIL, chrono_tz::America::New_York);
    let run: Vec<String> = listing(&feed)
        .into_iter()
        .filter(|r| r.1 == "Run club")
        .map(|r| r.2)
        .collect();
    // 08:00 Melbourne: AEST (+10) until 4 October, AEDT (+11) after; plus an RDATE.
    assert_eq!(
        run,
        [
            "2026-09-28T22:00Z",
            "2026-10-05T21:00Z",
            "2026-10-09T06:00Z",
            "2026-10-12T21:00Z"
        ]
    );
    let first = find(
        &feed,
        "d5a6f1e2-3b4c-4d5e-8f90-a1b2c3d4e5f6/20260928T220000Z",
    );
    assert_eq!(
        first.record.time,
        EventTime::Timed {
            start: utc("2026-09-28T22:00:00Z"),
            end: utc("2026-09-28T22:45:00Z")
        }
    );
    // No X-WR-TIMEZONE: floating time is the user's (New York here).
    let lunch = find(&feed, "e0f1a2b3-floating-lunch");
    assert_eq!(
        lunch.record.time,
        EventTime::Timed {
            start: utc("2026-10-15T16:00:00Z"),
            end: utc("2026-10-15T17:00:00Z")
        }
    );
    let deploy = find(&feed, "f1a2b3c4-utc");
    assert_eq!(
        deploy.record.description.as_deref(),
        Some("Line one\nLine two, with a comma")
    );
    assert_eq!(feed.color.as_deref(), Some("#3a87ad"));
}

#[test]
fn a_broken_feed_keeps_what_it_can_and_says_what_it_could_not() {
    let feed = parse(BROKEN, chrono_tz::UTC);
    let ids: Vec<String> = listing(&feed).into_iter().map(|r| r.0).collect();
    assert_eq!(ids, ["good-1", "mars", "unterminated"]);
    let mut rejected: Vec<&str> = feed.rejected.iter().map(|(id, _)| id.as_str()).collect();
    rejected.sort_unstable();
    assert_eq!(rejected, ["backwards", "bad-date", "bad-rule", "no-start"]);
    let why = |id: &str| {
        feed.rejected
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, w)| w.clone())
            .unwrap()
    };
    assert!(why("no-start").contains("DTSTART"), "{}", why("no-start"));
    assert!(why("bad-rule").contains("RRULE"), "{}", why("bad-rule"));
    assert!(
        why("backwards").contains("ends before"),
        "{}",
        why("backwards")
    );
    let warnings = feed.warnings.join("\n");
    assert!(warnings.contains("not a content line"), "{warnings}");
    assert!(warnings.contains("Mars/Olympus_Mons"), "{warnings}");
    assert!(warnings.contains("Not/AZone"), "{warnings}");
}

#[test]
fn what_is_not_a_calendar_is_an_error_not_an_empty_calendar() {
    for bytes in [
        &b""[..],
        b"<!DOCTYPE html><html><body>Sign in</body></html>",
        b"\x00\xff\xfe garbage",
    ] {
        let err = parse_feed(bytes, chrono_tz::UTC, autumn_2026()).unwrap_err();
        assert!(matches!(err, IcsError::NotCalendar { .. }), "{err}");
    }
    let empty = parse_feed(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
        chrono_tz::UTC,
        autumn_2026(),
    )
    .unwrap();
    assert!(empty.events.is_empty());
}

#[test]
fn mangled_fixtures_never_panic_and_what_is_kept_is_valid() {
    let mut rng = fastrand::Rng::with_seed(0x1c5);
    let noise = b"\r\n;:,\"\\ T-Z0123456789PWDHMS";
    for fixture in [GOOGLE, ICLOUD, OUTLOOK, FASTMAIL, BROKEN] {
        for _ in 0..300 {
            let mut bytes = fixture.to_vec();
            for _ in 0..rng.usize(1..8) {
                if bytes.is_empty() {
                    break;
                }
                let i = rng.usize(..bytes.len());
                match rng.u8(..4) {
                    0 => bytes[i] = rng.u8(..),
                    1 => {
                        bytes.remove(i);
                    }
                    2 => {
                        let j = rng.usize(i..bytes.len().min(i + 40));
                        let chunk = bytes[i..j].to_vec();
                        bytes.splice(i..i, chunk);
                    }
                    _ => bytes.insert(i, noise[rng.usize(..noise.len())]),
                }
            }
            if let Ok(feed) = parse_feed(&bytes, chrono_tz::Europe::Berlin, autumn_2026()) {
                for e in &feed.events {
                    e.record.validate().unwrap();
                }
            }
        }
    }
    // Extremes: the first and last representable dates, huge durations and counts.
    let extremes = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:00000101\r\nDTEND;VALUE=DATE:99991231\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART:99991231T235959Z\r\nDURATION:P99999W99999W99999W99999D\r\nRRULE:FREQ=SECONDLY;COUNT=4294967295\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:c\r\nDTSTART:+2620000101T000000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let feed = parse_feed(extremes.as_bytes(), chrono_tz::UTC, autumn_2026()).unwrap();
    assert_eq!(
        feed.events
            .iter()
            .map(|e| e.record.provider_id.as_str())
            .collect::<Vec<_>>(),
        ["a"]
    );
}

/// Found by fuzzing: the rrule crate panicked on a non-ASCII weekday.
#[test]
fn a_rule_with_non_ascii_text_is_rejected_not_a_panic() {
    let feed = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:odd\r\nDTSTART:20261001T090000Z\r\nRRULE:FREQ=WEEKLY;BYDAY=1\u{20ac}\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:fine\r\nDTSTART:20261001T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let feed = parse_feed(feed.as_bytes(), chrono_tz::UTC, autumn_2026()).unwrap();
    assert_eq!(feed.rejected.len(), 1);
    assert_eq!(feed.rejected[0].0, "odd");
    assert_eq!(listing(&feed)[0].0, "fine");
    // The same inside a VTIMEZONE's rule: the zone is not usable, the event still is.
    let zone = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Odd\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYDAY=-1\u{20ac};BYMONTH=10\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:z\r\nDTSTART;TZID=Odd:20261101T090000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let feed = parse_feed(zone.as_bytes(), chrono_tz::UTC, autumn_2026()).unwrap();
    assert_eq!(listing(&feed).len(), 1);
}

/// `n` single events, one an hour from `start`, each with `pad` bytes of description.
fn generated(n: usize, start: DateTime<Utc>, pad: usize) -> String {
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Vica tests//EN\r\n");
    let description = "x".repeat(pad);
    for i in 0..n {
        let at = start + Span::hours(i as i64);
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:gen-{i}\r\nDTSTART:{}\r\nDURATION:PT30M\r\nSUMMARY:Event {i}\r\nDESCRIPTION:{description}\r\nEND:VEVENT\r\n",
            at.format("%Y%m%dT%H%M%SZ")
        ));
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

#[test]
fn fifty_thousand_events_and_a_twenty_megabyte_feed_parse() {
    let start = utc("2026-01-01T00:00:00Z");
    let wide = Window {
        start,
        end: start + Span::days(3000),
    };
    let big = generated(50_000, start, 0);
    let feed = parse_feed(big.as_bytes(), chrono_tz::UTC, wide).unwrap();
    assert_eq!(feed.events.len(), 50_000);
    let heavy = generated(20_000, start, 1000);
    assert!(heavy.len() > 20_000_000, "{}", heavy.len());
    let feed = parse_feed(heavy.as_bytes(), chrono_tz::UTC, wide).unwrap();
    assert_eq!(feed.events.len(), 20_000);
}

#[test]
fn dense_rules_and_rules_from_long_ago_stay_bounded() {
    let feed = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:minutely\r\nDTSTART:20261001T000000Z\r\nRRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:daily-since-1990\r\nDTSTART:19900101T090000Z\r\nDTEND:19900101T091500Z\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let feed = parse_feed(feed, chrono_tz::UTC, autumn_2026()).unwrap();
    let daily = feed
        .events
        .iter()
        .filter(|e| e.uid == "daily-since-1990")
        .count();
    assert_eq!(daily, 122, "every day of September to December 2026");
    let minutely = feed.events.iter().filter(|e| e.uid == "minutely").count();
    assert!(minutely > 0 && minutely <= 5000, "{minutely}");
    assert!(
        feed.warnings.iter().any(|w| w.contains("minutely")),
        "{:?}",
        feed.warnings
    );
}

// ---- The provider on the engine ----

struct World {
    store: Arc<Mutex<Store>>,
    engine: Engine,
    account: i64,
    dir: tempfile::TempDir,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("vica.db")).unwrap();
    let account = store
        .add_account(ProviderKind::Ics, "test", None, false)
        .unwrap()
        .id;
    let store = Arc::new(Mutex::new(store));
    let engine = Engine::new(store.clone(), SyncOptions::default());
    World {
        store,
        engine,
        account,
        dir,
    }
}

fn quiet() -> Progress {
    Arc::new(|_| {})
}

fn config() -> IcsConfig {
    IcsConfig {
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(10),
            max_retry_after: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
        },
        ..IcsConfig::default()
    }
}

impl World {
    async fn sync_location(&self, location: Location, config: IcsConfig) -> SyncReport {
        let ics = Arc::new(Ics::new(location, chrono_tz::UTC, config).unwrap());
        self.engine
            .sync_account(self.account, ics, None, quiet())
            .await
    }

    async fn sync_url(&self, url: &str) -> SyncReport {
        self.sync_location(Location::parse(url).unwrap(), config())
            .await
    }

    fn events(&self) -> Vec<Event> {
        let now = Utc::now();
        let mut events = self
            .store
            .lock()
            .unwrap()
            .events_overlapping(now - Span::weeks(60), now + Span::weeks(60))
            .unwrap();
        events.sort_by(|a, b| a.record.provider_id.cmp(&b.record.provider_id));
        events
    }

    fn titles(&self) -> Vec<String> {
        let mut t: Vec<String> = self.events().into_iter().map(|e| e.record.title).collect();
        t.sort();
        t
    }
}

/// A calendar of events relative to today: `(uid, title, days from now)`,
/// and a weekly series with one override.
fn feed_now(events: &[(&str, &str, i64)]) -> String {
    let today = Utc::now().date_naive();
    let at = |days: i64| {
        Utc.from_utc_datetime(&(today + Span::days(days)).and_hms_opt(10, 0, 0).unwrap())
            .format("%Y%m%dT%H%M%SZ")
            .to_string()
    };
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Now\r\n");
    for (uid, title, days) in events {
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:{}\r\nDURATION:PT1H\r\nSUMMARY:{title}\r\nEND:VEVENT\r\n",
            at(*days)
        ));
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

fn ok(report: &SyncReport) -> (u64, u64) {
    assert!(report.is_ok(), "{report:#?}");
    let s = &report.sources[0];
    (s.written, s.deleted)
}

#[tokio::test]
async fn an_unchanged_feed_costs_one_304_and_writes_nothing() {
    let fake = FakeIcs::start().await.unwrap();
    fake.set_feed(
        "team",
        feed_now(&[("a", "Alpha", -3), ("b", "Beta", 2), ("c", "Gamma", 10)]),
    );
    let w = world();
    assert_eq!(ok(&w.sync_url(&fake.url("team")).await), (3, 0));
    assert_eq!(w.titles(), ["Alpha", "Beta", "Gamma"]);
    let source = w.store.lock().unwrap().sources().unwrap()[0].clone();
    assert_eq!(source.name, "127.0.0.1");
    fake.harness().clear_requests();
    assert_eq!(ok(&w.sync_url(&fake.url("team")).await), (0, 0));
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_eq!(requests[0].status, 304);
    assert_eq!(requests[0].header_values("if-none-match").len(), 1);
    // With only Last-Modified, If-Modified-Since does the same.
    fake.set_validators(false, true);
    assert_eq!(ok(&w.sync_url(&fake.url("team")).await), (0, 0));
    fake.harness().clear_requests();
    assert_eq!(ok(&w.sync_url(&fake.url("team")).await), (0, 0));
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].status, 304);
    assert_eq!(requests[0].header_values("if-modified-since").len(), 1);
}

#[tokio::test]
async fn a_changed_feed_writes_only_what_changed_and_removes_what_is_gone() {
    let fake = FakeIcs::start().await.unwrap();
    fake.set_feed(
        "team",
        feed_now(&[("a", "Alpha", -3), ("b", "Beta", 2), ("c", "Gamma", 10)]),
    );
    let w = world();
    ok(&w.sync_url(&fake.url("team")).await);
    let before = w.events();
    fake.set_feed(
        "team",
        feed_now(&[
            ("a", "Alpha", -3),
            ("b", "Beta (moved)", 3),
            ("d", "Delta", 5),
        ]),
    );
    assert_eq!(ok(&w.sync_url(&fake.url("team")).await), (2, 1));
    assert_eq!(w.titles(), ["Alpha", "Beta (moved)", "Delta"]);
    // The unchanged row was not rewritten: same row id.
    let alpha_before = before.iter().find(|e| e.record.provider_id == "a").unwrap();
    let alpha_after = w
        .events()
        .into_iter()
        .find(|e| e.record.provider_id == "a")
        .unwrap();
    assert_eq!(alpha_before, &alpha_after);
    // The same bytes again, served as new (a host without validators): nothing to write.
    fake.set_validators(false, false);
    fake.set_feed(
        "team",
        feed_now(&[
            ("a", "Alpha", -3),
            ("b", "Beta (moved)", 3),
            ("d", "Delta", 5),
        ]),
    );
    assert_eq!(ok(&w.sync_url(&fake.url("team")).await), (0, 0));
}

#[tokio::test]
async fn redirects_are_followed_a_few_times_and_loops_are_errors() {
    let fake = FakeIcs::start().await.unwrap();
    fake.set_feed("team", feed_now(&[("a", "Alpha", 1)]));
    let w = world();
    assert_eq!(ok(&w.sync_url(&fake.redirect_url(3, "team")).await), (1, 0));
    let report = w.sync_url(&fake.loop_url("team")).await;
    let error = report.sources[0].error.clone().unwrap();
    assert!(error.contains("redirected more than 5 times"), "{error}");
    let w = world();
    let report = w.sync_url(&fake.redirect_url(9, "team")).await;
    assert!(report.sources[0].error.is_some());
    assert!(w.events().is_empty());
}

#[tokio::test]
async fn a_feed_that_breaks_keeps_the_last_good_data_and_reports_the_error() {
    let fake = FakeIcs::start().await.unwrap();
    fake.set_feed("team", feed_now(&[("a", "Alpha", 1), ("b", "Beta", 2)]));
    let w = world();
    ok(&w.sync_url(&fake.url("team")).await);
    fake.set_feed("team", "<html><body>502 Bad Gateway</body></html>");
    let report = w.sync_url(&fake.url("team")).await;
    let error = report.sources[0].error.clone().unwrap();
    assert!(error.contains("not an iCalendar"), "{error}");
    assert_eq!(w.titles(), ["Alpha", "Beta"]);
    let state = w
        .store
        .lock()
        .unwrap()
        .sync_state(report.sources[0].source_id)
        .unwrap()
        .unwrap();
    assert_eq!(state.last_error.as_deref(), Some(error.as_str()));
    // Gone, then server errors: still the last good data.
    fake.remove_feed("team");
    let error = w.sync_url(&fake.url("team")).await.sources[0]
        .error
        .clone()
        .unwrap();
    assert!(error.contains("no calendar at this address"), "{error}");
    fake.set_feed("team", feed_now(&[("a", "Alpha", 1), ("b", "Beta", 2)]));
    for _ in 0..3 {
        fake.harness().inject(Fault::Status {
            code: 503,
            retry_after: None,
        });
    }
    assert!(
        w.sync_url(&fake.url("team")).await.sources[0]
            .error
            .is_some()
    );
    assert_eq!(w.titles(), ["Alpha", "Beta"]);
    // Fixed: back in sync (a transient 500 is retried).
    fake.set_feed("team", feed_now(&[("a", "Alpha", 1), ("c", "Gamma", 2)]));
    fake.harness().inject(Fault::Status {
        code: 500,
        retry_after: None,
    });
    assert_eq!(ok(&w.sync_url(&fake.url("team")).await), (1, 1));
    assert_eq!(w.titles(), ["Alpha", "Gamma"]);
}

#[tokio::test]
async fn an_event_that_cannot_be_read_keeps_its_stored_occurrences() {
    let fake = FakeIcs::start().await.unwrap();
    fake.set_feed("team", feed_now(&[("a", "Alpha", 1), ("b", "Beta", 2)]));
    let w = world();
    ok(&w.sync_url(&fake.url("team")).await);
    let broken = feed_now(&[("a", "Alpha", 1), ("b", "Beta", 2)])
        .replace("UID:b\r\nDTSTART:", "UID:b\r\nX-DTSTART:");
    fake.set_feed("team", broken);
    let report = w.sync_url(&fake.url("team")).await;
    assert!(report.is_ok(), "{report:#?}");
    assert_eq!(report.sources[0].rejected.len(), 1);
    assert_eq!(report.sources[0].deleted, 0);
    assert_eq!(w.titles(), ["Alpha", "Beta"]);
}

#[tokio::test]
async fn a_feed_over_the_size_cap_is_a_clear_error() {
    let fake = FakeIcs::start().await.unwrap();
    let start = Utc::now() - Span::days(1);
    fake.set_feed("big", generated(3000, start, 1000));
    let w = world();
    let small = IcsConfig {
        max_bytes: 1024 * 1024,
        ..config()
    };
    let report = w
        .sync_location(Location::parse(&fake.url("big")).unwrap(), small)
        .await;
    let error = report.sources[0].error.clone().unwrap();
    assert!(error.contains("larger than 1 MB"), "{error}");
    assert!(w.events().is_empty());
}

#[tokio::test]
async fn a_vdir_folder_follows_files_added_changed_and_removed() {
    let w = world();
    let dir = w.dir.path().join("calendar");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("displayname"), "Work (vdir)\n").unwrap();
    std::fs::write(dir.join("color"), "#aa3344\n").unwrap();
    std::fs::write(dir.join("a.ics"), feed_now(&[("a", "Alpha", 1)])).unwrap();
    std::fs::write(dir.join("b.ics"), feed_now(&[("b", "Beta", 2)])).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a calendar").unwrap();
    let location = || Location::parse(dir.to_str().unwrap()).unwrap();
    assert!(matches!(location(), Location::Folder(_)));
    assert_eq!(ok(&w.sync_location(location(), config()).await), (2, 0));
    let source = w.store.lock().unwrap().sources().unwrap()[0].clone();
    assert_eq!(source.name, "Work (vdir)");
    assert_eq!(source.color.as_deref(), Some("#aa3344"));
    // Untouched: nothing read, nothing written.
    assert_eq!(ok(&w.sync_location(location(), config()).await), (0, 0));
    std::fs::write(dir.join("c.ics"), feed_now(&[("c", "Gamma", 3)])).unwrap();
    assert_eq!(ok(&w.sync_location(location(), config()).await), (1, 0));
    std::fs::remove_file(dir.join("a.ics")).unwrap();
    assert_eq!(ok(&w.sync_location(location(), config()).await), (0, 1));
    assert_eq!(w.titles(), ["Beta", "Gamma"]);
    // A file that stops parsing: reported, and nothing is deleted meanwhile.
    std::fs::write(dir.join("b.ics"), "garbage").unwrap();
    let report = w.sync_location(location(), config()).await;
    assert!(report.is_ok(), "{report:#?}");
    assert_eq!(report.sources[0].rejected.len(), 1);
    assert_eq!(w.titles(), ["Beta", "Gamma"]);
}

#[tokio::test]
async fn a_single_file_and_connect_ics() {
    let w = world();
    let path = w.dir.path().join("personal.ics");
    std::fs::write(&path, feed_now(&[("a", "Alpha", 1)])).unwrap();
    let account = {
        let store = w.store.lock().unwrap();
        vica_sync::accounts::connect_ics(&store, path.to_str().unwrap()).unwrap()
    };
    assert_eq!(account.provider, ProviderKind::Ics);
    assert_eq!(account.keychain_entry, None);
    let again = {
        let store = w.store.lock().unwrap();
        vica_sync::accounts::connect_ics(&store, path.to_str().unwrap()).unwrap()
    };
    assert_eq!(again.id, account.id);
    let missing = {
        let store = w.store.lock().unwrap();
        vica_sync::accounts::connect_ics(&store, "/no/such/calendar.ics").unwrap_err()
    };
    assert!(
        matches!(missing, SyncError::Ics(IcsError::Location(_))),
        "{missing}"
    );
    let insecure = {
        let store = w.store.lock().unwrap();
        vica_sync::accounts::connect_ics(&store, "http://calendar.example.com/a.ics").unwrap_err()
    };
    assert!(insecure.to_string().contains("https"), "{insecure}");
    let provider = vica_sync::accounts::provider_for(
        &account,
        &vica_sync::oauth::OAuthConfig::defaults().unwrap(),
        Arc::new(vica_sync::secrets::MemoryStore::default()),
        chrono_tz::UTC,
    )
    .unwrap();
    let report = w
        .engine
        .sync_account(account.id, provider, None, quiet())
        .await;
    assert_eq!(ok(&report), (1, 0));
    assert_eq!(report.sources[0].name, "Now");
    std::fs::remove_file(&path).unwrap();
    let report = w
        .engine
        .sync_account(
            account.id,
            Arc::new(
                Ics::new(
                    Location::from_label(&account.label).unwrap(),
                    chrono_tz::UTC,
                    config(),
                )
                .unwrap(),
            ),
            None,
            quiet(),
        )
        .await;
    let error = report.sources[0].error.clone().unwrap();
    assert!(
        error.contains("cannot read") && error.contains("no such file"),
        "{error}"
    );
    assert_eq!(w.titles(), ["Alpha"]);
    // Disconnected keeping its data: it stays, and is not synced until added again.
    let secrets: Arc<dyn vica_sync::secrets::SecretStore> =
        Arc::new(vica_sync::secrets::MemoryStore::default());
    let oauth = vica_sync::oauth::OAuthConfig::defaults().unwrap();
    vica_sync::accounts::disconnect(
        account.id,
        &oauth,
        &w.store,
        &secrets,
        vica_sync::accounts::CachedData::Keep,
    )
    .await
    .unwrap();
    let account = w.store.lock().unwrap().account(account.id).unwrap();
    let refused =
        vica_sync::accounts::provider_for(&account, &oauth, secrets.clone(), chrono_tz::UTC);
    assert!(refused.is_err_and(|e| e.to_string().contains("disconnected")));
    assert_eq!(w.titles(), ["Alpha"]);
    std::fs::write(&path, feed_now(&[("a", "Alpha", 1)])).unwrap();
    let again = {
        let store = w.store.lock().unwrap();
        vica_sync::accounts::connect_ics(&store, path.to_str().unwrap()).unwrap()
    };
    assert_eq!(again.id, account.id);
    assert!(vica_sync::accounts::provider_for(&again, &oauth, secrets, chrono_tz::UTC).is_ok());
}

#[tokio::test]
async fn a_fifty_thousand_event_feed_syncs_then_costs_one_304() {
    let fake = FakeIcs::start().await.unwrap();
    let start = Utc::now() - Span::weeks(24);
    let mut body = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    for i in 0..50_000i64 {
        let at = start + Span::minutes(5 * i);
        body.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:big-{i}\r\nDTSTART:{}\r\nDURATION:PT5M\r\nSUMMARY:Slot {i}\r\nEND:VEVENT\r\n",
            at.format("%Y%m%dT%H%M%SZ")
        ));
    }
    body.push_str("END:VCALENDAR\r\n");
    fake.set_feed("big", body);
    let w = world();
    assert_eq!(ok(&w.sync_url(&fake.url("big")).await), (50_000, 0));
    let source = w.store.lock().unwrap().sources().unwrap()[0].id;
    assert_eq!(
        w.store.lock().unwrap().item_counts(source).unwrap(),
        (50_000, 0)
    );
    fake.harness().clear_requests();
    assert_eq!(ok(&w.sync_url(&fake.url("big")).await), (0, 0));
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(fake.requests()[0].status, 304);
}

/// Floating times (no TZID, no X-WR-TIMEZONE) are read in the zone the app
/// passes, the user's time-zone setting, not in UTC or the machine's zone.
#[tokio::test]
async fn floating_times_are_read_in_the_users_zone() {
    let w = world();
    let day = Utc::now().date_naive() - Span::days(2);
    let path = w.dir.path().join("floating.ics");
    std::fs::write(
        &path,
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:floating\r\n\
             DTSTART:{}T090000\r\nDTEND:{}T100000\r\nSUMMARY:Floating\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            day.format("%Y%m%d"),
            day.format("%Y%m%d"),
        ),
    )
    .unwrap();
    let account = {
        let store = w.store.lock().unwrap();
        vica_sync::accounts::connect_ics(&store, path.to_str().unwrap()).unwrap()
    };
    let zone: Tz = "Asia/Tokyo".parse().unwrap();
    let provider = vica_sync::accounts::provider_for(
        &account,
        &vica_sync::oauth::OAuthConfig::defaults().unwrap(),
        Arc::new(vica_sync::secrets::MemoryStore::default()),
        zone,
    )
    .unwrap();
    let report = w
        .engine
        .sync_account(account.id, provider, None, quiet())
        .await;
    assert!(report.is_ok(), "{report:#?}");
    let event = w
        .events()
        .into_iter()
        .find(|e| e.record.title == "Floating")
        .unwrap();
    let nine_in_tokyo = zone
        .from_local_datetime(&day.and_hms_opt(9, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        event.record.time,
        EventTime::Timed {
            start: nine_in_tokyo,
            end: nine_in_tokyo + Span::hours(1),
        }
    );
}
