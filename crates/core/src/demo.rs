//! The demo data set: a believable working life over twelve weeks.
//!
//! [`world`] is a pure function of the anchor date and zone, so the same
//! inputs always give the same events and tasks (golden tests rely on it).
//! [`install`] writes the world into a store page by page with
//! [`Store::write_page`], exactly as a provider sync does.
//!
//! The world is data and lives here, with no network: the fake providers
//! (`vica-fakes`) serve it, the demo (`vica-demo`) pulls it through the real
//! clients, and this crate's own tests, the fuzz targets and the benchmarks
//! read it, none of them through a dependency cycle.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::model::{
    EventKind, EventRecord, EventStatus, EventTime, Provider, Response, ShowAs, SourceKind,
    SourceRecord, TaskRecord,
};
use crate::settings::WeekStart;
use crate::store::{CursorUpdate, Page};
use crate::week::WeekKey;
use crate::{Result, Store};

/// How many weeks of history the demo holds, the anchor's week included.
pub const HISTORY_WEEKS: i64 = 12;

/// Items per page when installing, as a provider would page them.
const PAGE_SIZE: usize = 100;

/// One demo account with its sources.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub provider: Provider,
    pub label: String,
    pub sources: Vec<DemoSource>,
}

/// A calendar or project with its items.
#[derive(Debug, Clone)]
pub struct DemoSource {
    pub record: SourceRecord,
    pub events: Vec<EventRecord>,
    pub tasks: Vec<TaskRecord>,
}

/// What [`install`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub accounts: usize,
    pub sources: usize,
    pub events: usize,
    pub tasks: usize,
}

/// A deterministic pseudo-random stream (SplitMix64) so the demo is the same on every machine.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Builds the events of one calendar.
struct Calendar {
    tz: Tz,
    events: Vec<EventRecord>,
}

impl Calendar {
    fn new(tz: Tz) -> Calendar {
        Calendar {
            tz,
            events: Vec::new(),
        }
    }

    fn instant(&self, day: NaiveDate, hh: u32, mm: u32) -> DateTime<Utc> {
        let t = day.and_time(NaiveTime::from_hms_opt(hh, mm, 0).unwrap_or(NaiveTime::MIN));
        match self.tz.from_local_datetime(&t) {
            LocalResult::Single(dt) | LocalResult::Ambiguous(dt, _) => dt.with_timezone(&Utc),
            // In a DST gap the wall clock jumps forward: take the time an hour later.
            LocalResult::None => self
                .tz
                .from_local_datetime(&(t + Duration::hours(1)))
                .earliest()
                .map_or_else(|| t.and_utc(), |dt| dt.with_timezone(&Utc)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn timed(
        &mut self,
        id: String,
        title: &str,
        day: NaiveDate,
        (sh, sm): (u32, u32),
        minutes: i64,
        attendees: u32,
        series: Option<&str>,
        organizer: bool,
    ) -> &mut EventRecord {
        let start = self.instant(day, sh, sm);
        self.events.push(EventRecord {
            provider_id: id,
            title: title.to_owned(),
            description: None,
            location: None,
            time: EventTime::Timed {
                start,
                end: start + Duration::minutes(minutes),
            },
            time_zone: Some(self.tz.name().to_owned()),
            status: EventStatus::Confirmed,
            my_response: Some(Response::Accepted),
            is_organizer: organizer,
            attendee_count: attendees,
            series_id: series.map(str::to_owned),
            link: None,
            updated_at: Some(start - Duration::days(7)),
            kind: Default::default(),
            show_as: Default::default(),
        });
        let last = self.events.len() - 1;
        &mut self.events[last]
    }

    fn all_day(
        &mut self,
        id: String,
        title: &str,
        start: NaiveDate,
        days: i64,
    ) -> &mut EventRecord {
        self.events.push(EventRecord {
            provider_id: id,
            title: title.to_owned(),
            description: None,
            location: None,
            time: EventTime::AllDay {
                start,
                end: start + Duration::days(days),
            },
            time_zone: None,
            status: EventStatus::Confirmed,
            my_response: None,
            is_organizer: true,
            attendee_count: 0,
            series_id: None,
            link: None,
            updated_at: None,
            kind: Default::default(),
            show_as: Default::default(),
        });
        let last = self.events.len() - 1;
        &mut self.events[last]
    }

    fn finish(mut self, base: &str) -> Vec<EventRecord> {
        for e in &mut self.events {
            if e.link.is_none() {
                e.link = Some(format!("{base}{}", e.provider_id));
            }
        }
        self.events
    }
}

fn day_of(monday: NaiveDate, wd: Weekday) -> NaiveDate {
    monday + Duration::days(i64::from(wd.num_days_from_monday()))
}

/// The demo world for the weeks up to and including the one holding `today`, laid out in `tz`.
pub fn world(today: NaiveDate, tz: Tz) -> Vec<DemoAccount> {
    let this_week = WeekKey::containing(today, WeekStart::Monday);
    let first_monday = this_week.monday() - Duration::weeks(HISTORY_WEEKS - 1);
    let mut dice = Dice(0x005E_ED0F_71CA);
    let mut work = Calendar::new(tz);
    let mut personal = Calendar::new(tz);
    let mut client = Calendar::new(tz);
    let mut work_tasks = Vec::new();
    let mut home_tasks = Vec::new();
    let offsite_week = HISTORY_WEEKS - 4;
    let release_week = HISTORY_WEEKS - 2;

    // History plus the week after, so "next week" has something in it.
    for w in 0..=HISTORY_WEEKS {
        let monday = first_monday + Duration::weeks(w);
        let key = WeekKey::containing(monday, WeekStart::Monday);
        let offsite = w == offsite_week;

        for wd in [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ] {
            let day = day_of(monday, wd);
            if offsite && wd.num_days_from_monday() >= 2 {
                continue;
            }
            let e = work.timed(
                format!("standup-{day}"),
                "Daily standup",
                day,
                (9, 30),
                15,
                6,
                Some("standup"),
                false,
            );
            if wd == Weekday::Fri && dice.chance(25) {
                e.my_response = Some(Response::Declined);
            }
        }
        work.timed(
            format!("planning-{key}"),
            "Weekly planning",
            day_of(monday, Weekday::Mon),
            (10, 0),
            60,
            5,
            Some("planning"),
            true,
        );
        let one_on_one = work.timed(
            format!("1on1-{key}"),
            "1:1 with Sam",
            day_of(monday, Weekday::Wed),
            (14, 0),
            30,
            1,
            Some("1on1-sam"),
            false,
        );
        if w % 5 == 3 {
            one_on_one.status = EventStatus::Cancelled;
        }
        for wd in [Weekday::Tue, Weekday::Thu] {
            if offsite && wd == Weekday::Thu {
                continue;
            }
            let day = day_of(monday, wd);
            work.timed(
                format!("focus-{day}"),
                "Focus: deep work",
                day,
                (13, 0),
                120,
                0,
                Some("focus"),
                true,
            )
            .kind = EventKind::FocusTime;
            personal.timed(
                format!("gym-{day}"),
                "Gym",
                day,
                (7, 0),
                60,
                0,
                Some("gym"),
                true,
            );
        }
        if w % 2 == 0 {
            let e = work.timed(
                format!("allhands-{key}"),
                "All-hands",
                day_of(monday, Weekday::Thu),
                (16, 0),
                60,
                40,
                Some("allhands"),
                false,
            );
            e.location = Some("Main hall / video link".into());
            if dice.chance(30) {
                e.my_response = Some(Response::Tentative);
            }
        }
        // One-off meetings, some overlapping the focus block or each other.
        let one_offs = [
            ("Design review: onboarding flow", 60),
            ("Customer call: Acme Corp", 45),
            ("Interview: backend engineer", 60),
            ("Roadmap sync with product", 45),
            ("Incident review", 30),
            ("Budget check-in", 30),
        ];
        for n in 0..(2 + dice.below(3)) {
            let (title, minutes) = one_offs[dice.below(one_offs.len() as u64) as usize];
            let wd =
                [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu][dice.below(4) as usize];
            let hour = [11, 13, 14, 15, 16][dice.below(5) as usize];
            let e = work.timed(
                format!("oneoff-{key}-{n}"),
                title,
                day_of(monday, wd),
                (hour, 30),
                minutes,
                3 + dice.below(4) as u32,
                None,
                dice.chance(40),
            );
            e.description = Some(format!(
                "Agenda for {title}: context, decisions, next steps."
            ));
        }
        let vendor = work.timed(
            format!("vendor-{key}"),
            "Vendor demo: analytics suite",
            day_of(monday, Weekday::Tue),
            (11, 0),
            45,
            4,
            None,
            false,
        );
        vendor.my_response = Some(Response::Declined);
        if w % 3 == 1 {
            let e = work.timed(
                format!("cancelled-{key}"),
                "Quarterly metrics review",
                day_of(monday, Weekday::Fri),
                (11, 0),
                60,
                8,
                None,
                false,
            );
            e.status = EventStatus::Cancelled;
        }
        if w == release_week {
            let e = work.timed(
                format!("release-{key}"),
                "Release window v2.4",
                day_of(monday, Weekday::Wed),
                (23, 0),
                120,
                3,
                None,
                true,
            );
            e.location = Some("On-call bridge".into());
        }
        if offsite {
            work.all_day(
                format!("offsite-{key}"),
                "Company offsite (Lisbon)",
                day_of(monday, Weekday::Wed),
                3,
            )
            .location = Some("Lisbon".into());
        }
        if w % 2 == 1 {
            client.timed(
                format!("steerco-{key}"),
                "Contoso steering committee",
                day_of(monday, Weekday::Wed),
                (15, 0),
                60,
                7,
                Some("steerco"),
                false,
            );
        }
        if w % 4 == 2 {
            client
                .timed(
                    format!("workshop-{key}"),
                    "Contoso workshop: data migration",
                    day_of(monday, Weekday::Thu),
                    (9, 0),
                    180,
                    9,
                    None,
                    false,
                )
                .location = Some("Contoso HQ, room 4.12".into());
        }
        if w % 3 == 0 {
            personal.timed(
                format!("dinner-{key}"),
                "Dinner with friends",
                day_of(monday, Weekday::Fri),
                (19, 30),
                150,
                4,
                None,
                false,
            );
        }
        if w == 5 {
            let e = personal.all_day(
                format!("birthday-{key}"),
                "Mum's birthday",
                day_of(monday, Weekday::Sat),
                1,
            );
            (e.kind, e.show_as) = (EventKind::Birthday, ShowAs::Free);
        }
        // Typed entries the attended-time rules treat specially (Google
        // `eventType`/`transparency`, Graph `showAs`). No dice: adding them
        // leaves the rest of the world as it was.
        for wd in [Weekday::Mon, Weekday::Thu] {
            let day = day_of(monday, wd);
            let e = work.all_day(format!("wl-{day}"), "Home office", day, 1);
            (e.kind, e.show_as) = (EventKind::WorkingLocation, ShowAs::Free);
        }
        let lunch = personal.timed(
            format!("walk-{key}"),
            "Lunch walk",
            day_of(monday, Weekday::Wed),
            (12, 30),
            45,
            0,
            Some("walk"),
            true,
        );
        lunch.show_as = ShowAs::Free;
        if w % 4 == 3 {
            let e = work.timed(
                format!("ooo-{key}"),
                "Out of office: dentist",
                day_of(monday, Weekday::Fri),
                (13, 0),
                300,
                0,
                None,
                true,
            );
            (e.kind, e.show_as) = (EventKind::OutOfOffice, ShowAs::OutOfOffice);
        }
        if w == HISTORY_WEEKS - 1 {
            let e = work.all_day(
                format!("birthday-sam-{key}"),
                "Sam's birthday",
                day_of(monday, Weekday::Thu),
                1,
            );
            (e.kind, e.show_as) = (EventKind::Birthday, ShowAs::Free);
        }
        if w == 7 {
            let e = client.all_day(
                format!("vacation-{key}"),
                "Vacation day",
                day_of(monday, Weekday::Mon),
                1,
            );
            (e.kind, e.show_as) = (EventKind::OutOfOffice, ShowAs::OutOfOffice);
        }
        if w % 2 == 0 {
            client
                .timed(
                    format!("officehours-{key}"),
                    "Contoso office hours (optional)",
                    day_of(monday, Weekday::Tue),
                    (16, 0),
                    60,
                    5,
                    None,
                    false,
                )
                .show_as = ShowAs::Free;
        }
        if w == 9 {
            personal.all_day(
                format!("trip-{key}"),
                "Weekend trip to the coast",
                day_of(monday, Weekday::Sat),
                2,
            );
        }

        // Tasks completed this week (none in the future).
        let work_titles = [
            "Write Q3 planning doc",
            "Review pull requests",
            "Update onboarding checklist",
            "Prepare slides for all-hands",
            "Reply to Acme about pricing",
            "File expense report",
            "Draft interview scorecard",
            "Fix flaky integration test",
            "Send weekly status update",
        ];
        let home_titles = [
            "Pay electricity bill",
            "Book dentist appointment",
            "Buy groceries",
            "Call the landlord",
            "Renew passport",
            "Water the plants",
        ];
        for (tasks, titles, count, labels) in [
            (
                &mut work_tasks,
                &work_titles[..],
                3 + dice.below(4),
                &["work", "review", "writing"][..],
            ),
            (
                &mut home_tasks,
                &home_titles[..],
                1 + dice.below(3),
                &["errand", "home"][..],
            ),
        ] {
            // Consecutive titles from a random start: no task twice in one week.
            let first_title = dice.below(titles.len() as u64) as usize;
            for n in 0..count {
                let day = monday + Duration::days(dice.below(7) as i64);
                let hour = 9 + dice.below(10) as u32;
                let completed = Calendar::new(tz).instant(day, hour, (dice.below(4) * 15) as u32);
                let title = titles[(first_title + n as usize) % titles.len()];
                let future = w == HISTORY_WEEKS || day > today;
                tasks.push(TaskRecord {
                    provider_id: format!("{}-{key}-{n}", tasks.len()),
                    content: title.to_owned(),
                    description: None,
                    section: None,
                    labels: if dice.chance(60) {
                        vec![dice.pick(labels).to_owned()]
                    } else {
                        Vec::new()
                    },
                    priority: 1 + dice.below(4) as u8,
                    due_date: Some(day),
                    completed_at: if future { None } else { Some(completed) },
                    link: None,
                    updated_at: None,
                });
            }
        }
    }

    let link_tasks = |mut tasks: Vec<TaskRecord>, prefix: &str| {
        for (i, t) in tasks.iter_mut().enumerate() {
            t.provider_id = format!("{prefix}{i}");
            t.link = Some(format!(
                "https://app.todoist.com/app/task/{}",
                t.provider_id
            ));
        }
        tasks
    };
    let source = |kind, id: &str, name: &str, color: &str, primary| SourceRecord {
        kind,
        provider_id: id.to_owned(),
        name: name.to_owned(),
        color: Some(color.to_owned()),
        is_primary: primary,
        access_role: Some("owner".into()),
    };
    vec![
        DemoAccount {
            provider: Provider::Google,
            label: "alex@example.com (demo)".into(),
            sources: vec![
                DemoSource {
                    record: source(
                        SourceKind::Calendar,
                        "alex@example.com",
                        "Work",
                        "#3b6fd8",
                        true,
                    ),
                    events: work.finish("https://calendar.google.com/calendar/event?eid="),
                    tasks: Vec::new(),
                },
                DemoSource {
                    record: source(
                        SourceKind::Calendar,
                        "personal-alex@group.calendar.google.com",
                        "Personal",
                        "#1f9d68",
                        false,
                    ),
                    events: personal.finish("https://calendar.google.com/calendar/event?eid="),
                    tasks: Vec::new(),
                },
            ],
        },
        DemoAccount {
            provider: Provider::Microsoft,
            label: "alex@contoso.example (demo)".into(),
            sources: vec![DemoSource {
                record: source(
                    SourceKind::Calendar,
                    "AAMkAGI2-contoso",
                    "Contoso",
                    "#c2410c",
                    false,
                ),
                events: client.finish("https://outlook.office365.com/owa/?itemid="),
                tasks: Vec::new(),
            }],
        },
        DemoAccount {
            provider: Provider::Todoist,
            label: "alex (demo)".into(),
            sources: vec![
                DemoSource {
                    record: source(
                        SourceKind::Project,
                        "6Jf8VQXxpwv56VQ7",
                        "Work",
                        "#db4035",
                        false,
                    ),
                    events: Vec::new(),
                    tasks: link_tasks(work_tasks, "7025"),
                },
                DemoSource {
                    record: source(
                        SourceKind::Project,
                        "6Jf8VQXxpwv56VQ8",
                        "Home",
                        "#299438",
                        false,
                    ),
                    events: Vec::new(),
                    tasks: link_tasks(home_tasks, "8025"),
                },
            ],
        },
    ]
}

/// Installs the demo world for `today` in the store's time zone setting.
/// Installing again is a no-op apart from refreshing the same rows.
pub fn install(store: &mut Store, today: NaiveDate) -> Result<DemoSummary> {
    let tz = store.settings()?.zone();
    install_world(store, &world(today, tz))
}

/// Writes a world through the sync write path, page by page, each page with its cursor.
pub fn install_world(store: &mut Store, world: &[DemoAccount]) -> Result<DemoSummary> {
    let mut summary = DemoSummary::default();
    for account in world {
        let stored = store.add_account(account.provider, &account.label, None, true)?;
        summary.accounts += 1;
        for source in &account.sources {
            let src = store.upsert_source(stored.id, &source.record)?;
            summary.sources += 1;
            let pages = source
                .events
                .len()
                .div_ceil(PAGE_SIZE)
                .max(source.tasks.len().div_ceil(PAGE_SIZE));
            for p in 0..pages {
                let slice = |len: usize| (p * PAGE_SIZE).min(len)..((p + 1) * PAGE_SIZE).min(len);
                let page = Page {
                    events: source.events[slice(source.events.len())].to_vec(),
                    tasks: source.tasks[slice(source.tasks.len())].to_vec(),
                    ..Page::default()
                };
                let cursor = if p + 1 == pages {
                    CursorUpdate::Set("demo:complete".into())
                } else {
                    CursorUpdate::Set(format!("demo:page:{}", p + 1))
                };
                let outcome = store.write_page(src.id, &page, cursor)?;
                summary.events += page.events.len();
                summary.tasks += page.tasks.len();
                debug_assert!(
                    outcome.rejected.is_empty(),
                    "demo data is valid: {:?}",
                    outcome.rejected
                );
            }
            store.record_sync_result(src.id, None)?;
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
    }

    #[test]
    fn the_world_has_what_the_demo_promises() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let world = world(anchor(), tz);
        let calendars: Vec<_> = world
            .iter()
            .flat_map(|a| &a.sources)
            .filter(|s| s.record.kind == SourceKind::Calendar)
            .collect();
        let projects: Vec<_> = world
            .iter()
            .flat_map(|a| &a.sources)
            .filter(|s| s.record.kind == SourceKind::Project)
            .collect();
        assert_eq!(calendars.len(), 3);
        assert_eq!(projects.len(), 2);
        let events: Vec<&EventRecord> = calendars.iter().flat_map(|c| &c.events).collect();
        assert!(
            events.iter().any(|e| e.series_id.is_some()),
            "recurring meetings"
        );
        assert!(events.iter().any(|e| matches!(e.time, EventTime::AllDay { start, end } if end - start > Duration::days(1))), "multi-day");
        assert!(events.iter().any(|e| matches!(e.time, EventTime::AllDay { start, end } if end - start == Duration::days(1))), "all-day");
        assert!(
            events
                .iter()
                .any(|e| e.my_response == Some(Response::Declined)),
            "declined"
        );
        assert!(
            events.iter().any(|e| e.status == EventStatus::Cancelled),
            "cancelled"
        );
        let tasks: Vec<&TaskRecord> = projects.iter().flat_map(|p| &p.tasks).collect();
        assert!(tasks.iter().filter(|t| t.completed_at.is_some()).count() > 30);
        assert!(
            tasks.iter().any(|t| t.completed_at.is_none()),
            "open tasks for next week"
        );
        let first = events
            .iter()
            .filter_map(|e| match e.time {
                EventTime::Timed { start, .. } => Some(start),
                _ => None,
            })
            .min()
            .unwrap();
        assert!(
            anchor()
                .signed_duration_since(first.date_naive())
                .num_weeks()
                >= HISTORY_WEEKS - 1
        );
        // No completed task lies in the future.
        assert!(
            tasks
                .iter()
                .filter_map(|t| t.completed_at)
                .all(|c| c.date_naive() <= anchor())
        );
    }

    #[test]
    fn the_world_is_deterministic() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let a = world(anchor(), tz);
        let b = world(anchor(), tz);
        let ids = |w: &[DemoAccount]| {
            w.iter()
                .flat_map(|a| &a.sources)
                .flat_map(|s| s.events.iter().map(|e| format!("{e:?}")))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
    }

    #[test]
    fn installing_twice_does_not_duplicate() {
        let mut store = Store::open_in_memory().unwrap();
        let first = install(&mut store, anchor()).unwrap();
        let second = install(&mut store, anchor()).unwrap();
        assert_eq!(first, second);
        let sources = store.sources().unwrap();
        assert_eq!(sources.len(), 5);
        let (events, tasks) = sources.iter().fold((0, 0), |acc, s| {
            let (e, t) = store.item_counts(s.id).unwrap();
            (acc.0 + e, acc.1 + t)
        });
        assert_eq!(events as usize, first.events);
        assert_eq!(tasks as usize, first.tasks);
        assert_eq!(store.accounts().unwrap().len(), 3);
    }
}
