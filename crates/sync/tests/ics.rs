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
use vica_sync::ics::{
    Budget, Feed, Ics, IcsConfig, IcsError, Location, parse_feed, parse_feed_within,
};
use vica_sync::provider::Window;
use vica_sync::secrets::SecretStore as _;
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
    let account =
        vica_sync::accounts::connect_ics(&w.store, &no_keychain(), path.to_str().unwrap())
            .await
            .unwrap();
    assert_eq!(account.provider, ProviderKind::Ics);
    assert_eq!(account.keychain_entry, None);
    let again = vica_sync::accounts::connect_ics(&w.store, &no_keychain(), path.to_str().unwrap())
        .await
        .unwrap();
    assert_eq!(again.id, account.id);
    let missing =
        vica_sync::accounts::connect_ics(&w.store, &no_keychain(), "/no/such/calendar.ics")
            .await
            .unwrap_err();
    assert!(
        matches!(missing, SyncError::Ics(IcsError::Location(_))),
        "{missing}"
    );
    let insecure = vica_sync::accounts::connect_ics(
        &w.store,
        &no_keychain(),
        "http://calendar.example.com/a.ics",
    )
    .await
    .unwrap_err();
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
    let again = vica_sync::accounts::connect_ics(&w.store, &no_keychain(), path.to_str().unwrap())
        .await
        .unwrap();
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
    let account =
        vica_sync::accounts::connect_ics(&w.store, &no_keychain(), path.to_str().unwrap())
            .await
            .unwrap();
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

/// `n` series repeating every minute, a hostile feed's worth of them.
fn minutely_series(n: usize, start: DateTime<Utc>) -> String {
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    for i in 0..n {
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:m{i}\r\nDTSTART:{}\r\nDURATION:PT1M\r\nSUMMARY:m\r\nRRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\n",
            start.format("%Y%m%dT%H%M%SZ")
        ));
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

#[test]
fn a_feed_past_its_budget_is_refused_whole_and_within_it_reads_as_before() {
    let window = autumn_2026();
    // About a megabyte of minutely series: tens of millions of occurrences
    // uncapped, 5,000 per series with only the per-series cap.
    let hostile = minutely_series(12_000, window.start);
    assert!(hostile.len() > 1_000_000, "{}", hostile.len());
    let err = parse_feed(hostile.as_bytes(), chrono_tz::UTC, window).unwrap_err();
    assert!(
        matches!(err, IcsError::OverBudget { .. }),
        "the default budget refuses it: {err}"
    );
    assert!(
        err.to_string().contains("more than 200000 occurrences"),
        "{err}"
    );

    // A budget is spent by what a feed expands into; a feed within it parses
    // exactly as without one and leaves the rest of the budget.
    let mut budget = Budget {
        occurrences: 10_000,
        bytes: 64 * 1024 * 1024,
    };
    let fine = parse_feed_within(GOOGLE, chrono_tz::UTC, window, &mut budget).unwrap();
    assert_eq!(fine, parse(GOOGLE, chrono_tz::UTC));
    assert!(
        budget.occurrences < 10_000 && budget.occurrences > 9_000,
        "{budget:?}"
    );
    let small = minutely_series(3, window.start);
    let mut budget = Budget {
        occurrences: 10_000,
        bytes: 64 * 1024 * 1024,
    };
    let err = parse_feed_within(small.as_bytes(), chrono_tz::UTC, window, &mut budget).unwrap_err();
    assert!(matches!(err, IcsError::OverBudget { .. }), "{err}");
    assert_eq!(
        budget.occurrences, 0,
        "a refused feed spends the whole budget"
    );

    // Memory: a series whose occurrences each carry a long text runs out of bytes.
    let long = format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:long\r\nDTSTART:20260901T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY\r\nSUMMARY:{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        "t".repeat(900)
    );
    let mut budget = Budget {
        occurrences: 10_000,
        bytes: 50 * 1024,
    };
    let err = parse_feed_within(long.as_bytes(), chrono_tz::UTC, window, &mut budget).unwrap_err();
    assert!(err.to_string().contains("MB of events"), "{err}");
}

#[test]
fn a_long_description_is_cut_before_each_occurrence_copies_it() {
    let description = "word\\, ".repeat(20_000);
    let feed = format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:wordy\r\nDTSTART:20260901T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=30\r\nSUMMARY:Daily\r\nDESCRIPTION:{description}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let feed = parse(feed.as_bytes(), chrono_tz::UTC);
    assert_eq!(feed.events.len(), 30);
    for e in &feed.events {
        let d = e.record.description.as_deref().unwrap();
        assert_eq!(
            d.chars().count(),
            vica_core::model::DESCRIPTION_MAX_CHARS,
            "cut at the store's limit"
        );
        assert!(d.starts_with("word, word, "), "unescaped: {}", &d[..20]);
        assert!(d.ends_with('…'), "the cut shows");
    }
}

#[tokio::test]
async fn a_feed_over_budget_is_its_sources_error_and_the_other_calendars_sync() {
    let fake = FakeIcs::start().await.unwrap();
    let start = Utc::now() - Span::days(1);
    fake.set_feed("hostile", minutely_series(60, start));
    fake.set_feed("fine", generated(5, start, 10));
    let w = world();
    let small = IcsConfig {
        budget: Budget {
            occurrences: 50_000,
            bytes: 64 * 1024 * 1024,
        },
        ..config()
    };
    let report = w
        .sync_location(
            Location::parse(&fake.url("hostile")).unwrap(),
            small.clone(),
        )
        .await;
    let error = report.sources[0].error.clone().unwrap();
    assert!(error.contains("more than 50000 occurrences"), "{error}");
    assert!(w.events().is_empty(), "nothing of it is kept");

    let other = w
        .store
        .lock()
        .unwrap()
        .add_account(ProviderKind::Ics, "fine", None, false)
        .unwrap()
        .id;
    let ics = Arc::new(
        Ics::new(
            Location::parse(&fake.url("fine")).unwrap(),
            chrono_tz::UTC,
            small,
        )
        .unwrap(),
    );
    let report = w.engine.sync_account(other, ics, None, quiet()).await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(w.events().len(), 5);
}

#[tokio::test]
async fn a_folders_files_share_one_budget() {
    let dir = tempfile::tempdir().unwrap();
    let start = Utc::now() - Span::days(1);
    for n in 0..4 {
        std::fs::write(
            dir.path().join(format!("f{n}.ics")),
            minutely_series(1, start + Span::hours(n)),
        )
        .unwrap();
    }
    let w = world();
    let budget = Budget {
        occurrences: 12_000,
        bytes: 64 * 1024 * 1024,
    };
    // Each file alone (5,000 occurrences) fits; together they do not.
    let mut alone = budget;
    let one = std::fs::read(dir.path().join("f0.ics")).unwrap();
    let window = Window {
        start: Utc::now() - Span::weeks(26),
        end: Utc::now() + Span::weeks(4),
    };
    assert!(parse_feed_within(&one, chrono_tz::UTC, window, &mut alone).is_ok());
    let report = w
        .sync_location(
            Location::parse(dir.path().to_str().unwrap()).unwrap(),
            IcsConfig { budget, ..config() },
        )
        .await;
    let error = report.sources[0].error.clone().unwrap();
    assert!(error.contains("more than 12000 occurrences"), "{error}");
}

#[cfg(unix)]
#[test]
fn only_files_and_folders_can_be_local_calendars() {
    for device in ["/dev/zero", "/dev/null", "/dev/urandom"] {
        let err = Location::parse(device).unwrap_err().to_string();
        assert!(err.contains("is not a file or a folder"), "{device}: {err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.ics");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let err = Location::parse(fifo.to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains("is not a file or a folder"), "{err}");
}

#[cfg(unix)]
#[tokio::test]
async fn a_pipe_in_a_folder_or_where_a_file_was_fails_the_sync_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cal.ics");
    std::fs::write(&file, feed_now(&[("a", "Alpha", 1)])).unwrap();
    let location = Location::parse(file.to_str().unwrap()).unwrap();
    let w = world();
    assert!(w.sync_location(location.clone(), config()).await.is_ok());
    // The file becomes a pipe nobody writes to: opening it would block for ever.
    std::fs::remove_file(&file).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&file)
        .status()
        .unwrap();
    assert!(made.success());
    let report = tokio::time::timeout(Duration::from_secs(20), w.sync_location(location, config()))
        .await
        .expect("the sync does not hang on a pipe");
    let error = report.sources[0].error.clone().unwrap();
    assert!(error.contains("is not a file or a folder"), "{error}");
    assert_eq!(w.titles(), ["Alpha"], "the last good data stays");
}

// /proc is Linux's.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_file_larger_than_it_says_is_read_only_up_to_the_cap() {
    // Files in /proc say they are empty and are not.
    let status = "/proc/self/status";
    assert_eq!(std::fs::metadata(status).unwrap().len(), 0);
    assert!(std::fs::read(status).unwrap().len() > 256);
    let w = world();
    let small = IcsConfig {
        max_bytes: 256,
        ..config()
    };
    let report = w
        .sync_location(Location::parse(status).unwrap(), small)
        .await;
    let error = report.sources[0].error.clone().unwrap();
    assert!(error.contains("larger than 0 MB"), "{error}");
}

#[tokio::test]
async fn an_error_about_a_file_quotes_none_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.ics");
    std::fs::write(&file, "SECRET-API-KEY=sk_live_51Hx\nsecond line\n").unwrap();
    let w = world();
    let report = w
        .sync_location(Location::parse(file.to_str().unwrap()).unwrap(), config())
        .await;
    let error = report.sources[0].error.clone().unwrap();
    assert!(error.contains("not an iCalendar"), "{error}");
    assert!(
        !error.contains("SECRET") && !error.contains("sk_live"),
        "{error}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_pipe_where_a_folder_keeps_its_name_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.ics"), feed_now(&[("a", "Alpha", 1)])).unwrap();
    for name in ["displayname", "color"] {
        let made = std::process::Command::new("mkfifo")
            .arg(dir.path().join(name))
            .status()
            .unwrap();
        assert!(made.success());
    }
    let w = world();
    let report = tokio::time::timeout(
        Duration::from_secs(20),
        w.sync_location(
            Location::parse(dir.path().to_str().unwrap()).unwrap(),
            config(),
        ),
    )
    .await
    .expect("the sync does not hang on a pipe");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(w.titles(), ["Alpha"]);
}

/// Only 127.0.0.2 counts as private: every fake is on loopback, so the
/// second loopback address stands for the user's network and 127.0.0.1 for
/// the internet.
fn only_second_loopback(ip: std::net::IpAddr) -> bool {
    ip == std::net::IpAddr::from([127, 0, 0, 2])
}

#[tokio::test]
async fn a_public_feed_may_not_redirect_to_a_private_address_and_a_private_one_may() {
    let public = FakeIcs::start().await.unwrap();
    let private = FakeIcs::start_on([127, 0, 0, 2].into()).await.unwrap();
    private.set_feed("team", feed_now(&[("a", "Alpha", 1)]));
    public.set_feed("team", feed_now(&[("b", "Beta", 1)]));
    let intranet = private.url("team").replace("127.0.0.2", "intranet.example");
    let config = || IcsConfig {
        is_private: only_second_loopback,
        resolve: vec![("intranet.example".into(), private.addr())],
        ..config()
    };
    let sync = |url: String| {
        let config = config();
        async move {
            let w = world();
            let report = w
                .sync_location(Location::parse(&url).unwrap(), config)
                .await;
            (report, w.titles())
        }
    };

    // Public to private: by address, and by a name that resolves there.
    public.set_redirect("to-address", &private.url("team"));
    let (report, titles) = sync(public.url("to-address")).await;
    let error = report.sources[0].error.clone().unwrap();
    assert!(error.contains("a private or local address"), "{error}");
    assert!(titles.is_empty());
    public.set_redirect("to-name", &intranet.replace("http://", "https://"));
    let (report, _) = sync(public.url("to-name")).await;
    let error = report.sources[0].error.clone().unwrap();
    assert!(
        error.contains("to intranet.example, a private or local address"),
        "{error}"
    );
    assert_eq!(
        private.requests().len(),
        0,
        "nothing was asked of the private host"
    );

    // Public to public is followed.
    let elsewhere = FakeIcs::start().await.unwrap();
    elsewhere.set_feed("team", feed_now(&[("c", "Gamma", 1)]));
    public.set_redirect("to-public", &elsewhere.url("team"));
    let (report, titles) = sync(public.url("to-public")).await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(titles, ["Gamma"]);

    // A feed the user pointed at a private host may redirect anywhere.
    private.set_redirect("inside", &private.url("team"));
    let (report, titles) = sync(private.url("inside")).await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(titles, ["Alpha"]);
    private.set_redirect("out", &public.url("team"));
    let (report, titles) = sync(private.url("out")).await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(titles, ["Beta"]);
}

/// A secret address is a capability: whoever has it reads the calendar. An
/// error about a feed names its host, never the rest of the address.
#[tokio::test]
async fn an_error_about_a_feed_does_not_quote_its_address() {
    let fake = FakeIcs::start().await.unwrap();
    let secret = "private-a1b2c3d4e5/basic.ics";
    let w = world();
    for url in [
        // Nothing listens on port 1; the fake answers 404 for a feed it does not have.
        format!("http://127.0.0.1:1/calendar/ical/{secret}"),
        fake.url(secret).replace("/feeds/", "/feeds/x-"),
    ] {
        let report = w.sync_url(&url).await;
        let error = report.sources[0].error.clone().unwrap();
        assert!(!error.contains("private-a1b2c3d4e5"), "{error}");
        assert!(error.contains("127.0.0.1"), "the host is named: {error}");
    }
}

/// A keychain that holds nothing (files and folders put nothing there).
fn no_keychain() -> Arc<dyn vica_sync::secrets::SecretStore> {
    Arc::new(vica_sync::secrets::MemoryStore::default())
}

/// A subscription address is a capability: whoever has it reads the
/// calendar. It goes to the keychain like a token; the database, the label
/// and the source's name keep only its host (and a fingerprint), and the
/// calendar still syncs.
#[tokio::test]
async fn a_subscription_address_is_kept_in_the_keychain_not_the_database() {
    let fake = FakeIcs::start().await.unwrap();
    let secret = "private-7f3e9a2c1b";
    fake.set_feed(secret, feed_now(&[("a", "Alpha", 1)]));
    // The feed gives no calendar name: the source is named after the address.
    let url = fake.url(secret);
    let memory = Arc::new(vica_sync::secrets::MemoryStore::default());
    let secrets: Arc<dyn vica_sync::secrets::SecretStore> = memory.clone();
    let w = world();
    let account = vica_sync::accounts::connect_ics(&w.store, &secrets, &url)
        .await
        .unwrap();
    assert!(!account.label.contains(secret), "{}", account.label);
    assert!(
        account.label.starts_with("127.0.0.1 #"),
        "{}",
        account.label
    );
    let entry = account.keychain_entry.clone().unwrap();
    assert_eq!(
        memory.get(&entry).unwrap().unwrap().expose().as_str(),
        url.as_str()
    );
    let again = vica_sync::accounts::connect_ics(&w.store, &secrets, &url)
        .await
        .unwrap();
    assert_eq!(again.id, account.id, "the same address is the same account");

    let provider = vica_sync::accounts::provider_for(
        &account,
        &vica_sync::oauth::OAuthConfig::defaults().unwrap(),
        secrets.clone(),
        chrono_tz::UTC,
    )
    .unwrap();
    let report = w
        .engine
        .sync_account(account.id, provider, None, quiet())
        .await;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(w.titles(), ["Alpha"]);
    let sources = w.store.lock().unwrap().sources().unwrap();
    assert!(
        sources.iter().all(|s| !s.name.contains(secret)),
        "{sources:?}"
    );
    drop(sources);
    // Nowhere in the database's files.
    let store = std::mem::replace(
        &mut *w.store.lock().unwrap(),
        Store::open_in_memory().unwrap(),
    );
    drop(store);
    for entry in std::fs::read_dir(w.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "the address is in {}",
                path.display()
            );
        }
    }
}

/// An older Vica kept the address as the account's label: at the next start
/// it moves to the keychain and the account is labelled as a new one would be.
#[tokio::test]
async fn an_address_an_older_vica_kept_in_the_database_moves_to_the_keychain() {
    let fake = FakeIcs::start().await.unwrap();
    let secret = "private-0c0ffee";
    fake.set_feed(secret, feed_now(&[("a", "Alpha", 1)]));
    let url = fake.url(secret);
    let w = world();
    let old = w
        .store
        .lock()
        .unwrap()
        .add_account(ProviderKind::Ics, &url, None, false)
        .unwrap();
    let file = w.dir.path().join("home.ics");
    std::fs::write(&file, feed_now(&[("b", "Beta", 1)])).unwrap();
    let local = vica_sync::accounts::connect_ics(&w.store, &no_keychain(), file.to_str().unwrap())
        .await
        .unwrap();
    let memory = Arc::new(vica_sync::secrets::MemoryStore::default());
    let secrets: Arc<dyn vica_sync::secrets::SecretStore> = memory.clone();
    let moved = vica_sync::accounts::secure_ics_addresses(&w.store, &secrets)
        .await
        .unwrap();
    assert_eq!(moved, 1, "the file's path stays its label");
    let account = w.store.lock().unwrap().account(old.id).unwrap();
    assert!(!account.label.contains(secret), "{}", account.label);
    let (label, entry) = vica_sync::accounts::ics_address_names(&url.parse().unwrap());
    assert_eq!(
        (account.label.as_str(), account.keychain_entry.as_deref()),
        (label.as_str(), Some(entry.as_str()))
    );
    assert_eq!(
        memory.get(&entry).unwrap().unwrap().expose().as_str(),
        url.as_str()
    );
    assert_eq!(
        w.store.lock().unwrap().account(local.id).unwrap().label,
        file.to_str().unwrap()
    );
    // Nothing left to move; the moved account syncs from the keychain.
    assert_eq!(
        vica_sync::accounts::secure_ics_addresses(&w.store, &secrets)
            .await
            .unwrap(),
        0
    );
    let provider = vica_sync::accounts::provider_for(
        &account,
        &vica_sync::oauth::OAuthConfig::defaults().unwrap(),
        secrets,
        chrono_tz::UTC,
    )
    .unwrap();
    let report = w
        .engine
        .sync_account(account.id, provider, None, quiet())
        .await;
    assert!(report.is_ok(), "{report:?}");
    assert!(w.titles().contains(&"Alpha".to_owned()));
}

#[test]
fn a_series_of_rdates_without_a_rule_spends_the_budget_like_a_rule() {
    // A master with RDATEs and no RRULE (found by the `ics` fuzz target):
    // its occurrences used to be kept without being counted.
    let window = autumn_2026();
    let dates: Vec<String> = (1..=20).map(|d| format!("202609{d:02}T090000Z")).collect();
    let feed = format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:rdates\r\nDTSTART:20260901T090000Z\r\nDURATION:PT1H\r\nSUMMARY:r\r\nRDATE:{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        dates.join(",")
    );
    let given = Budget {
        occurrences: 100,
        bytes: 64 * 1024 * 1024,
    };
    let mut budget = given;
    let read = parse_feed_within(feed.as_bytes(), chrono_tz::UTC, window, &mut budget).unwrap();
    assert_eq!(read.events.len(), 20);
    assert_eq!(given.occurrences - budget.occurrences, 20, "{budget:?}");

    let mut budget = Budget {
        occurrences: 5,
        ..given
    };
    let err = parse_feed_within(feed.as_bytes(), chrono_tz::UTC, window, &mut budget).unwrap_err();
    assert!(matches!(err, IcsError::OverBudget { .. }), "{err}");
}

// ---- A folder syncs with its changes, not with its size ----

/// Rewrites a file in place with its size, modification time and inode kept:
/// a sync that reads the file sees the new text, one that trusts its stamp
/// does not. (Reading is what is measured: this works for root too, whom
/// `chmod 000` would not stop.)
fn edit_unseen(path: &std::path::Path, from: &str, to: &str) {
    use std::io::Write as _;
    assert_eq!(from.len(), to.len(), "the size stays");
    let before = std::fs::metadata(path).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} in {}", path.display());
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.write_all(text.replace(from, to).as_bytes()).unwrap();
    f.set_modified(before.modified().unwrap()).unwrap();
    drop(f);
    let after = std::fs::metadata(path).unwrap();
    assert_eq!(
        (after.len(), after.modified().unwrap()),
        (before.len(), before.modified().unwrap())
    );
}

/// Rewrites a file as an editor would: new bytes, a later modification time.
fn edit(path: &std::path::Path, from: &str, to: &str) {
    let before = std::fs::metadata(path).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} in {}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.set_modified(before + Duration::from_secs(5)).unwrap();
}

/// A weekly series starting `from_days` from today at 09:00 UTC, `count`
/// occurrences (unbounded with `None`), with overrides `(week, title)`.
fn weekly_now(
    uid: &str,
    title: &str,
    from_days: i64,
    count: Option<u32>,
    overrides: &[(i64, &str)],
) -> String {
    let first = Utc.from_utc_datetime(
        &(Utc::now().date_naive() + Span::days(from_days))
            .and_hms_opt(9, 0, 0)
            .unwrap(),
    );
    weekly_at(uid, title, first, count, overrides)
}

fn weekly_at(
    uid: &str,
    title: &str,
    first: DateTime<Utc>,
    count: Option<u32>,
    overrides: &[(i64, &str)],
) -> String {
    let f = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let rule = match count {
        Some(n) => format!("FREQ=WEEKLY;COUNT={n}"),
        None => "FREQ=WEEKLY".to_owned(),
    };
    let mut s = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:{}\r\nDURATION:PT1H\r\nRRULE:{rule}\r\nSUMMARY:{title}\r\nEND:VEVENT\r\n",
        f(first)
    );
    for (week, t) in overrides {
        let at = first + Span::weeks(*week);
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nRECURRENCE-ID:{}\r\nDTSTART:{}\r\nDURATION:PT1H\r\nSUMMARY:{t}\r\nEND:VEVENT\r\n",
            f(at),
            f(at)
        ));
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

/// A folder of twenty one-event files (`f00.ics`…, "Title 00"…, from three
/// weeks back to three weeks ahead) and a weekly series of ten (`series.ics`).
fn twenty_files(w: &World) -> std::path::PathBuf {
    let dir = w.dir.path().join("calendar");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..20i64 {
        let uid = format!("e{i:02}");
        let title = format!("Title {i:02}");
        std::fs::write(
            dir.join(format!("f{i:02}.ics")),
            feed_now(&[(uid.as_str(), title.as_str(), i * 2 - 20)]),
        )
        .unwrap();
    }
    std::fs::write(
        dir.join("series.ics"),
        weekly_now("weekly", "Weekly", -40, Some(10), &[]),
    )
    .unwrap();
    dir
}

fn folder(dir: &std::path::Path) -> Location {
    Location::parse(dir.to_str().unwrap()).unwrap()
}

impl World {
    fn source_id(&self) -> i64 {
        self.store.lock().unwrap().sources().unwrap()[0].id
    }

    fn cursor(&self) -> Option<String> {
        let id = self.source_id();
        self.store
            .lock()
            .unwrap()
            .sync_state(id)
            .unwrap()
            .and_then(|s| s.cursor)
    }
}

#[tokio::test]
async fn a_no_change_sync_of_a_folder_reads_no_file_and_writes_only_its_sync_time() {
    let w = world();
    let dir = twenty_files(&w);
    assert_eq!(ok(&w.sync_location(folder(&dir), config()).await), (30, 0));
    // Only a read of the file would see this.
    edit_unseen(&dir.join("f03.ics"), "Title 03", "Title X3");
    let (events, cursor) = (w.events(), w.cursor());
    let written = w.store.lock().unwrap().rows_written();
    let report = w.sync_location(folder(&dir), config()).await;
    assert_eq!(ok(&report), (0, 0));
    assert_eq!(
        report.sources[0].pages, 0,
        "no page and no cursor are written"
    );
    assert_eq!(w.events(), events, "no file was read");
    assert_eq!(w.cursor(), cursor);
    // One row only: the source's sync time, which the window shows ("synced
    // a minute ago"). The source, the account and their states stay as they were.
    assert_eq!(w.store.lock().unwrap().rows_written() - written, 1);
}

#[tokio::test]
async fn a_one_file_change_reads_only_that_file_and_writes_only_its_changed_occurrences() {
    let w = world();
    let dir = twenty_files(&w);
    assert_eq!(ok(&w.sync_location(folder(&dir), config()).await), (30, 0));
    edit_unseen(&dir.join("f03.ics"), "Title 03", "Title X3");
    edit(
        &dir.join("f05.ics"),
        "Title 05",
        "Title 05, moved to Friday",
    );
    assert_eq!(ok(&w.sync_location(folder(&dir), config()).await), (1, 0));
    let titles = w.titles();
    assert!(titles.contains(&"Title 05, moved to Friday".to_owned()));
    assert!(
        titles.contains(&"Title 03".to_owned()),
        "only the changed file was read: {titles:?}"
    );
    // One occurrence of a series of ten changes: one is written.
    std::fs::write(
        dir.join("series.ics"),
        weekly_now(
            "weekly",
            "Weekly",
            -40,
            Some(10),
            &[(2, "Weekly, in room 4")],
        ),
    )
    .unwrap();
    assert_eq!(ok(&w.sync_location(folder(&dir), config()).await), (1, 0));
    assert!(w.titles().contains(&"Weekly, in room 4".to_owned()));
    // A file removed and one added.
    std::fs::remove_file(dir.join("f07.ics")).unwrap();
    std::fs::write(dir.join("new.ics"), feed_now(&[("new", "New", 1)])).unwrap();
    assert_eq!(ok(&w.sync_location(folder(&dir), config()).await), (1, 1));
    assert!(!w.titles().contains(&"Title 07".to_owned()));
    assert!(w.titles().contains(&"Title 03".to_owned()));
    // A touched file with the same bytes: read, nothing written.
    edit(&dir.join("f09.ics"), "Title 09", "Title 09");
    let report = w.sync_location(folder(&dir), config()).await;
    assert_eq!(ok(&report), (0, 0));
    // What the store keeps per file follows: f07 gone, new.ics there, each
    // with the occurrences it expanded into.
    let store = w.store.lock().unwrap();
    let source = store.sources().unwrap()[0].id;
    let files: Vec<String> = store
        .ics_files(source)
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(files.len(), 21);
    assert!(files.contains(&"new.ics".to_owned()) && !files.contains(&"f07.ics".to_owned()));
    assert_eq!(
        store.ics_occurrences(source, "series.ics").unwrap().len(),
        10
    );
    assert_eq!(
        store.ics_occurrences(source, "f03.ics").unwrap()[0].provider_id,
        "e03"
    );
}

#[tokio::test]
async fn a_folders_budget_counts_the_files_not_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let start = Utc::now() - Span::days(1);
    for n in 0..2 {
        std::fs::write(
            dir.path().join(format!("f{n}.ics")),
            minutely_series(1, start + Span::hours(n)).replace("UID:m0", &format!("UID:f{n}")),
        )
        .unwrap();
    }
    let w = world();
    // Each file takes 5,000 occurrences (one series' cap): two fit, three do not.
    let budget = Budget {
        occurrences: 12_000,
        bytes: 64 * 1024 * 1024,
    };
    let sync = || w.sync_location(folder(dir.path()), IcsConfig { budget, ..config() });
    assert_eq!(ok(&sync().await), (10_000, 0));
    // Only the new file is read; with the two stored, it is over the budget.
    std::fs::write(
        dir.path().join("f2.ics"),
        minutely_series(1, start + Span::hours(2)).replace("UID:m0", "UID:f2"),
    )
    .unwrap();
    let report = sync().await;
    let error = report.sources[0].error.clone().unwrap();
    assert!(error.contains("more than 12000 occurrences"), "{error}");
    assert_eq!(w.events().len(), 10_000, "refused whole: nothing written");
    // So is a change to one of them, with the third still there.
    edit(&dir.path().join("f0.ics"), "SUMMARY:m", "SUMMARY:n");
    let error = sync().await.sources[0].error.clone().unwrap();
    assert!(error.contains("more than 12000 occurrences"), "{error}");
    // Without it, the folder fits again.
    std::fs::remove_file(dir.path().join("f2.ics")).unwrap();
    let (written, _) = ok(&sync().await);
    assert_eq!(written, 5_000, "f0 changed, f1 as stored");
}

#[tokio::test]
async fn when_the_window_moves_only_files_it_reaches_are_read() {
    use vica_core::clock::{Clock as _, ManualClock};
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap());
    let now = clock.now();
    let dir = tempfile::tempdir().unwrap();
    let at = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let one_offs = |events: &[(&str, &str, DateTime<Utc>)]| {
        let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
        for (uid, title, start) in events {
            s.push_str(&format!(
                "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:{}\r\nDURATION:PT1H\r\nSUMMARY:{title}\r\nEND:VEVENT\r\n",
                at(*start)
            ));
        }
        s + "END:VCALENDAR\r\n"
    };
    // Behind the window soon; ahead of it (it ends four weeks from now); a series.
    std::fs::write(
        dir.path().join("past.ics"),
        one_offs(&[
            ("p1", "Past one", now - Span::days(10)),
            ("p2", "Past two", now - Span::weeks(25)),
        ]),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ahead.ics"),
        one_offs(&[("a1", "Ahead", now + Span::weeks(5) + Span::days(3))]),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("weekly.ics"),
        weekly_at(
            "w",
            "Weekly",
            now - Span::weeks(8) + Span::days(3),
            None,
            &[],
        ),
    )
    .unwrap();
    let store = Arc::new(Mutex::new(Store::open_in_memory().unwrap()));
    let account = store
        .lock()
        .unwrap()
        .add_account(ProviderKind::Ics, "moving", None, false)
        .unwrap()
        .id;
    let engine = Engine::new(
        store.clone(),
        SyncOptions {
            clock: clock.shared(),
            ..SyncOptions::default()
        },
    );
    let sync = || {
        let ics = Ics::new(
            folder(dir.path()),
            chrono_tz::UTC,
            IcsConfig {
                clock: clock.shared(),
                ..config()
            },
        )
        .unwrap();
        let engine = engine.clone();
        async move {
            let report = engine
                .sync_account(account, Arc::new(ics), None, quiet())
                .await;
            assert!(report.is_ok(), "{report:#?}");
            report.sources[0].clone()
        }
    };
    let titles = || {
        let mut t: Vec<(String, String)> = store
            .lock()
            .unwrap()
            .events_overlapping(now - Span::weeks(60), now + Span::weeks(60))
            .unwrap()
            .into_iter()
            .map(|e| (e.record.provider_id, e.record.title))
            .collect();
        t.sort();
        t
    };
    let first = sync().await;
    assert_eq!(first.written, 2 + 12);
    // Only a read of a file would see these.
    edit_unseen(&dir.path().join("past.ics"), "Past one", "Past 1!!");
    edit_unseen(&dir.path().join("ahead.ics"), "Ahead", "AHEAD");
    edit_unseen(&dir.path().join("weekly.ics"), "Weekly", "WEEKLY");
    // A day on: no occurrence of any file has entered the window.
    clock.advance(Span::days(1));
    let report = sync().await;
    assert_eq!((report.written, report.pages), (0, 0));
    // A week on: the series' next occurrence entered, so its file is read
    // (and its edit seen); nothing of the others did.
    clock.advance(Span::days(6));
    sync().await;
    let held = titles();
    let next = format!("w/{}", at(now + Span::weeks(4) + Span::days(3)));
    assert!(held.contains(&(next, "WEEKLY".into())), "{held:?}");
    assert!(held.contains(&("p1".into(), "Past one".into())), "{held:?}");
    assert!(!held.iter().any(|(id, _)| id == "a1"), "{held:?}");
    // Two weeks on, the window reaches the event ahead: that file is read.
    clock.advance(Span::weeks(2));
    sync().await;
    let held = titles();
    assert!(held.contains(&("a1".into(), "AHEAD".into())), "{held:?}");
    assert!(held.contains(&("p1".into(), "Past one".into())), "{held:?}");
    // p2 has left the window behind: history, kept.
    assert!(held.contains(&("p2".into(), "Past two".into())), "{held:?}");
}

#[tokio::test]
async fn a_cursor_from_before_the_per_file_state_still_syncs() {
    use sha2::Digest as _;
    let w = world();
    let dir = w.dir.path().join("calendar");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("a.ics"), feed_now(&[("a", "Alpha", 1)])).unwrap();
    std::fs::write(dir.join("b.ics"), feed_now(&[("b", "Beta", 2)])).unwrap();
    assert_eq!(ok(&w.sync_location(folder(&dir), config()).await), (2, 0));
    // What Vica before migration 0007 kept: everything in the cursor (v1),
    // a hash and span per occurrence ("a" as stored, "b" stale, "gone" no
    // longer in the folder), and no state per file.
    let source = w.source_id();
    let hash = |record: &vica_core::model::EventRecord| {
        sha2::Sha256::digest(serde_json::to_string(record).unwrap().as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let window = Window {
        start: Utc::now() - Span::weeks(26),
        end: Utc::now() + Span::weeks(4),
    };
    let a = parse_feed(
        &std::fs::read(dir.join("a.ics")).unwrap(),
        chrono_tz::UTC,
        window,
    )
    .unwrap();
    let a = &a.events[0].record;
    assert!(a.time.utc_bounds().0 < window.end);
    let gone_at = Utc::now() - Span::days(1);
    let mut envelope: serde_json::Value = serde_json::from_str(&w.cursor().unwrap()).unwrap();
    let v2: serde_json::Value =
        serde_json::from_str(envelope["provider"].as_str().unwrap()).unwrap();
    let v1 = serde_json::json!({
        "v": 1,
        "base": v2["base"],
        "base_at": v2["base_at"],
        "expanded": v2["base"],
        "validators": {"files": {"a.ics": [1, 1]}},
        "body": "0123",
        "items": {
            "a": {"h": hash(a), "s": a.time.utc_bounds().0.timestamp(), "e": a.time.utc_bounds().1.timestamp()},
            "b": {"h": "stale", "s": 0, "e": 1},
            "gone": {"h": "x", "s": gone_at.timestamp(), "e": (gone_at + Span::hours(1)).timestamp()}
        }
    });
    envelope["provider"] = serde_json::Value::String(v1.to_string());
    {
        let mut store = w.store.lock().unwrap();
        let mut gone = a.clone();
        gone.provider_id = "gone".into();
        gone.title = "Gone".into();
        let page = vica_core::store::Page {
            events: vec![gone],
            ics_items: Some(vica_core::store::IcsItemsUpdate {
                reset: true,
                ..Default::default()
            }),
            ..Default::default()
        };
        store
            .write_page(
                source,
                &page,
                vica_core::store::CursorUpdate::Set(envelope.to_string()),
            )
            .unwrap();
        assert!(store.ics_files(source).unwrap().is_empty());
    }
    assert_eq!(w.titles(), ["Alpha", "Beta", "Gone"]);
    // The first sync reads every file once: "a" is as stored (not written),
    // "b" is written again, "gone" is deleted; the state moves to the store.
    assert_eq!(ok(&w.sync_location(folder(&dir), config()).await), (1, 1));
    assert_eq!(w.titles(), ["Alpha", "Beta"]);
    assert_eq!(w.store.lock().unwrap().ics_files(source).unwrap().len(), 2);
    assert!(w.cursor().unwrap().contains(r#"\"v\":2"#));
    let report = w.sync_location(folder(&dir), config()).await;
    assert_eq!((ok(&report), report.sources[0].pages), ((0, 0), 0));
}

#[tokio::test]
async fn two_files_with_one_uid_keep_the_last_by_name_as_a_full_read_would() {
    let w = world();
    let dir = w.dir.path().join("calendar");
    std::fs::create_dir(&dir).unwrap();
    let put = |name: &str, title: &str| {
        std::fs::write(dir.join(name), feed_now(&[("dup", title, 1)])).unwrap();
    };
    put("a.ics", "From A");
    put("b.ics", "From B");
    std::fs::write(dir.join("other.ics"), feed_now(&[("o", "Other", 2)])).unwrap();
    ok(&w.sync_location(folder(&dir), config()).await);
    assert_eq!(w.titles(), ["From B", "Other"]);
    // The file that lost changes: nothing to write.
    edit(&dir.join("a.ics"), "From A", "From A2");
    assert_eq!(ok(&w.sync_location(folder(&dir), config()).await), (0, 0));
    // The winner goes: the other holder, not changed itself, is read and stored.
    std::fs::remove_file(dir.join("b.ics")).unwrap();
    assert_eq!(ok(&w.sync_location(folder(&dir), config()).await), (1, 0));
    assert_eq!(w.titles(), ["From A2", "Other"]);
    put("c.ics", "From C");
    assert_eq!(ok(&w.sync_location(folder(&dir), config()).await), (1, 0));
    assert_eq!(w.titles(), ["From C", "Other"]);
    // Every holder gone: deleted.
    std::fs::remove_file(dir.join("a.ics")).unwrap();
    std::fs::remove_file(dir.join("c.ics")).unwrap();
    assert_eq!(ok(&w.sync_location(folder(&dir), config()).await), (0, 1));
    assert_eq!(w.titles(), ["Other"]);
}

#[tokio::test]
async fn a_feed_without_validators_is_downloaded_but_writes_nothing_when_unchanged() {
    let fake = FakeIcs::start().await.unwrap();
    fake.set_validators(false, false);
    fake.set_feed("team", feed_now(&[("a", "Alpha", -3), ("b", "Beta", 2)]));
    let w = world();
    assert_eq!(ok(&w.sync_url(&fake.url("team")).await), (2, 0));
    let report = w.sync_url(&fake.url("team")).await;
    assert_eq!((ok(&report), report.sources[0].pages), ((0, 0), 0));
    fake.set_feed("team", feed_now(&[("a", "Alpha", -3), ("b", "Beta!", 2)]));
    assert_eq!(ok(&w.sync_url(&fake.url("team")).await), (1, 0));
    assert_eq!(w.titles(), ["Alpha", "Beta!"]);
}
