//! What a week's figures say beyond the totals: the hours of each day split
//! by source (for the stacked chart) and the longest free block in working
//! hours.
//!
//! Both are computed from the timed events the week counts (declined and
//! all-day events never count), as UTC intervals tagged with their source,
//! over the week's real local days (23 or 25 hours long across DST changes).
//! Where events of two sources overlap, the shared time goes to the event
//! that began first (then the lower source id), so each day's stack adds up
//! to exactly the day's `event_minutes`.

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use serde::Serialize;

/// A counted timed event: its source and its instants.
pub type Interval = (i64, DateTime<Utc>, DateTime<Utc>);

/// The part of each working day that counts as working hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct WorkingHours {
    /// Local start of the working day, "09:00".
    #[serde(serialize_with = "hh_mm")]
    pub start: NaiveTime,
    /// Local end of the working day, "17:00".
    #[serde(serialize_with = "hh_mm")]
    pub end: NaiveTime,
    /// The days that have working hours, "monday" … "sunday".
    #[serde(serialize_with = "weekday_names")]
    #[cfg_attr(test, ts(type = "Array<Weekday>"))]
    pub days: Vec<Weekday>,
}

impl Default for WorkingHours {
    /// 09:00–17:00, Monday to Friday.
    fn default() -> WorkingHours {
        WorkingHours {
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
            end: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or(NaiveTime::MIN),
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
        }
    }
}

fn weekday_names<S: serde::Serializer>(days: &[Weekday], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(days.iter().map(|d| weekday_name(*d)))
}

/// "monday" … "sunday", as the settings spell weekdays.
pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

fn hh_mm<S: serde::Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&t.format("%H:%M"))
}

/// Insights into one week.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Insights {
    /// One entry per day of the week, in order.
    pub per_day: Vec<DaySources>,
    /// The longest stretch of working hours without a counted event, if the
    /// week has working hours at all. Ties go to the earliest.
    pub longest_free_block: Option<FreeBlock>,
    pub working_hours: WorkingHours,
    /// The working days in a few words, in the order of this week: "Mon–Fri".
    pub working_days: String,
}

/// A day's minutes in events, by source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DaySources {
    pub date: NaiveDate,
    /// Sources with time on this day, by source id; the minutes add up to the
    /// day's `event_minutes`.
    pub sources: Vec<SourceMinutes>,
}

/// Minutes of one source on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SourceMinutes {
    pub source_id: i64,
    pub minutes: i64,
}

/// A stretch of free working time on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct FreeBlock {
    pub date: NaiveDate,
    /// Local wall-clock times, "13:00".
    pub start: String,
    pub end: String,
    pub minutes: i64,
}

impl Insights {
    /// Computes the insights of a week whose local `days` begin at `bounds`
    /// (eight instants: each day's start and the end of the last), from its
    /// counted events' `intervals`. `away` is time out of office: never
    /// counted as hours, yet not free either.
    pub fn compute(
        intervals: &[Interval],
        away: &[Interval],
        days: &[NaiveDate],
        bounds: &[DateTime<Utc>],
        tz: Tz,
        working_hours: WorkingHours,
    ) -> Insights {
        let per_day = days
            .iter()
            .zip(bounds.windows(2))
            .map(|(date, b)| DaySources {
                date: *date,
                sources: split_by_source(intervals, b[0], b[1]),
            })
            .collect();
        let mut longest: Option<(Duration, NaiveDate, DateTime<Utc>, DateTime<Utc>)> = None;
        for date in days {
            if !working_hours.days.contains(&date.weekday()) {
                continue;
            }
            let from = local_instant(tz, *date, working_hours.start);
            let to = local_instant(tz, *date, working_hours.end);
            if let Some((s, e)) = longest_gap(intervals.iter().chain(away), from, to)
                && longest.is_none_or(|(len, ..)| e - s > len)
            {
                longest = Some((e - s, *date, s, e));
            }
        }
        let longest_free_block = longest.map(|(len, date, s, e)| FreeBlock {
            date,
            start: s.with_timezone(&tz).format("%H:%M").to_string(),
            end: e.with_timezone(&tz).format("%H:%M").to_string(),
            minutes: len.num_minutes(),
        });
        let order: Vec<Weekday> = days.iter().map(Datelike::weekday).collect();
        Insights {
            per_day,
            longest_free_block,
            working_days: describe_days(&working_hours.days, &order),
            working_hours,
        }
    }
}

/// The `working` days in a few words, in `order` (the days of the user's
/// week): runs of three or more as "Mon–Fri", others listed ("Mon, Wed,
/// Fri"); a run may wrap past the end of the week ("Sun–Thu" in a week from
/// Monday).
pub fn describe_days(working: &[Weekday], order: &[Weekday]) -> String {
    let on: Vec<bool> = order.iter().map(|d| working.contains(d)).collect();
    let n = on.len();
    if on.iter().all(|&v| v) {
        return "every day".into();
    }
    if !on.iter().any(|&v| v) {
        return "no days".into();
    }
    let before = |i: usize| on[(i + n - 1) % n];
    // Start at a working day that follows a day off, so no run is cut in two.
    let first = (0..n).find(|&i| on[i] && !before(i)).unwrap_or(0);
    let mut runs: Vec<Vec<Weekday>> = Vec::new();
    for k in 0..n {
        let i = (first + k) % n;
        if !on[i] {
            continue;
        }
        match runs.last_mut() {
            Some(run) if k > 0 && before(i) => run.push(order[i]),
            _ => runs.push(vec![order[i]]),
        }
    }
    let short = |d: &Weekday| {
        let name = d.to_string();
        name.chars().take(3).collect::<String>()
    };
    runs.iter()
        .map(|run| match (run.first(), run.last()) {
            (Some(a), Some(b)) if run.len() >= 3 => format!("{}–{}", short(a), short(b)),
            _ => run.iter().map(short).collect::<Vec<_>>().join(", "),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The time in `[from, to)` covered by `intervals`, each moment given to the
/// covering event that began first (then the lower source id).
fn split_by_source(
    intervals: &[Interval],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<SourceMinutes> {
    /// An event clipped to the day: source, original start, clipped span.
    struct Clipped {
        source_id: i64,
        began: DateTime<Utc>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    }
    let clipped: Vec<Clipped> = intervals
        .iter()
        .map(|&(source_id, s, e)| Clipped {
            source_id,
            began: s,
            from: s.max(from),
            to: e.min(to),
        })
        .filter(|c| c.from < c.to)
        .collect();
    let mut points: Vec<DateTime<Utc>> = clipped.iter().flat_map(|c| [c.from, c.to]).collect();
    points.sort();
    points.dedup();
    let mut seconds: BTreeMap<i64, i64> = BTreeMap::new();
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        let owner = clipped
            .iter()
            .filter(|c| c.from <= a && c.to >= b)
            .min_by_key(|c| (c.began, c.source_id));
        if let Some(c) = owner {
            *seconds.entry(c.source_id).or_default() += (b - a).num_seconds();
        }
    }
    // Rounded on the running sum, so the minutes add up to the merged total's.
    let mut running = 0;
    seconds
        .into_iter()
        .map(|(source_id, secs)| {
            let before = running / 60;
            running += secs;
            SourceMinutes {
                source_id,
                minutes: running / 60 - before,
            }
        })
        .filter(|s| s.minutes > 0)
        .collect()
}

/// The longest stretch of `[from, to)` no interval covers (the earliest of equals).
fn longest_gap<'a>(
    intervals: impl Iterator<Item = &'a Interval>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if from >= to {
        return None;
    }
    let mut busy: Vec<(DateTime<Utc>, DateTime<Utc>)> = intervals
        .map(|&(_, s, e)| (s.max(from), e.min(to)))
        .filter(|(s, e)| s < e)
        .collect();
    busy.sort();
    let mut best: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    let mut free_from = from;
    let mut consider = |s: DateTime<Utc>, e: DateTime<Utc>| {
        if s < e && best.is_none_or(|(bs, be)| e - s > be - bs) {
            best = Some((s, e));
        }
    };
    for (s, e) in busy {
        consider(free_from, s);
        free_from = free_from.max(e);
    }
    consider(free_from, to);
    best
}

/// The instant a local wall-clock time happens on `date`: the earlier one in
/// a repeated hour, the first instant after the gap in a skipped one.
pub(crate) fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let mut t = date.and_time(time);
    for _ in 0..8 {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(dt) => return dt.with_timezone(&Utc),
            LocalResult::Ambiguous(earliest, _) => return earliest.with_timezone(&Utc),
            LocalResult::None => t += Duration::minutes(30),
        }
    }
    date.and_time(time).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_days_are_named_in_runs_in_the_order_of_the_users_week() {
        use Weekday::*;
        let from_monday = [Mon, Tue, Wed, Thu, Fri, Sat, Sun];
        let from_sunday = [Sun, Mon, Tue, Wed, Thu, Fri, Sat];
        let weekdays = [Mon, Tue, Wed, Thu, Fri];
        assert_eq!(describe_days(&weekdays, &from_monday), "Mon–Fri");
        assert_eq!(describe_days(&weekdays, &from_sunday), "Mon–Fri");
        let sun_to_thu = [Sun, Mon, Tue, Wed, Thu];
        assert_eq!(describe_days(&sun_to_thu, &from_sunday), "Sun–Thu");
        assert_eq!(
            describe_days(&sun_to_thu, &from_monday),
            "Sun–Thu",
            "wraps past the week's end"
        );
        assert_eq!(
            describe_days(&[Mon, Tue, Wed, Thu], &from_monday),
            "Mon–Thu"
        );
        assert_eq!(
            describe_days(&[Mon, Wed, Fri], &from_monday),
            "Mon, Wed, Fri"
        );
        assert_eq!(describe_days(&[Sat, Sun], &from_monday), "Sat, Sun");
        assert_eq!(describe_days(&[Sat, Sun], &from_sunday), "Sat, Sun");
        assert_eq!(
            describe_days(&[Mon, Tue, Wed, Fri], &from_monday),
            "Mon–Wed, Fri"
        );
        assert_eq!(describe_days(&[Thu], &from_monday), "Thu");
        assert_eq!(describe_days(&from_sunday, &from_monday), "every day");
        assert_eq!(describe_days(&[], &from_monday), "no days");
        assert_eq!(
            describe_days(&[Fri, Mon, Tue, Wed, Thu], &from_monday),
            "Mon–Fri"
        );
    }

    fn berlin() -> Tz {
        "Europe/Berlin".parse().unwrap()
    }

    /// The seven local days from `first` and their eight boundaries.
    fn week(tz: Tz, first: NaiveDate) -> (Vec<NaiveDate>, Vec<DateTime<Utc>>) {
        let days: Vec<NaiveDate> = (0..7).map(|i| first + Duration::days(i)).collect();
        let bounds = (0..8)
            .map(|i| local_instant(tz, first + Duration::days(i), NaiveTime::MIN))
            .collect();
        (days, bounds)
    }

    fn at(tz: Tz, date: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
        local_instant(tz, date, NaiveTime::from_hms_opt(h, m, 0).unwrap())
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn an_empty_week_is_free_all_monday_and_has_no_stacks() {
        let tz = berlin();
        let monday = d(2026, 11, 16);
        let (days, bounds) = week(tz, monday);
        let i = Insights::compute(&[], &[], &days, &bounds, tz, WorkingHours::default());
        assert_eq!(i.per_day.len(), 7);
        assert!(i.per_day.iter().all(|d| d.sources.is_empty()));
        let free = i.longest_free_block.unwrap();
        assert_eq!(
            (
                free.date,
                free.start.as_str(),
                free.end.as_str(),
                free.minutes
            ),
            (monday, "09:00", "17:00", 480)
        );
    }

    #[test]
    fn overlapping_events_split_the_day_without_double_counting() {
        let tz = berlin();
        let monday = d(2026, 11, 16);
        let (days, bounds) = week(tz, monday);
        let tue = monday + Duration::days(1);
        let iv = vec![
            // Source 1 09:00–10:30, source 2 10:00–11:00: 10:00–10:30 goes to source 1.
            (1, at(tz, tue, 9, 0), at(tz, tue, 10, 30)),
            (2, at(tz, tue, 10, 0), at(tz, tue, 11, 0)),
            // Wholly inside source 1's event: adds nothing.
            (2, at(tz, tue, 9, 15), at(tz, tue, 9, 45)),
            (3, at(tz, tue, 14, 0), at(tz, tue, 15, 0)),
        ];
        let i = Insights::compute(&iv, &[], &days, &bounds, tz, WorkingHours::default());
        let tuesday = &i.per_day[1];
        assert_eq!(tuesday.date, tue);
        assert_eq!(
            tuesday.sources,
            vec![
                SourceMinutes {
                    source_id: 1,
                    minutes: 90
                },
                SourceMinutes {
                    source_id: 2,
                    minutes: 30
                },
                SourceMinutes {
                    source_id: 3,
                    minutes: 60
                },
            ]
        );
        // Every other weekday is wholly free; Monday is the first of them.
        let free = i.longest_free_block.unwrap();
        assert_eq!((free.date, free.minutes), (monday, 480));
    }

    #[test]
    fn the_longest_gap_is_between_merged_events_and_ties_go_to_the_earliest() {
        let tz = berlin();
        let monday = d(2026, 11, 16);
        let (days, bounds) = week(tz, monday);
        // Every weekday busy all day, except Wednesday and Thursday as below.
        let mut iv: Vec<Interval> = (0..5)
            .map(|k| {
                let day = monday + Duration::days(k);
                (1, at(tz, day, 8, 0), at(tz, day, 17, 30))
            })
            .collect();
        let wed = monday + Duration::days(2);
        let thu = monday + Duration::days(3);
        iv.retain(|(_, s, _)| {
            s.with_timezone(&tz).date_naive() != wed && s.with_timezone(&tz).date_naive() != thu
        });
        // Wednesday: overlapping 09:00–11:00 and 10:00–12:30, then 15:00–17:00 → free 12:30–15:00.
        iv.push((1, at(tz, wed, 9, 0), at(tz, wed, 11, 0)));
        iv.push((2, at(tz, wed, 10, 0), at(tz, wed, 12, 30)));
        iv.push((1, at(tz, wed, 15, 0), at(tz, wed, 17, 0)));
        // Thursday: free 09:00–11:30 too (as long), but later in the week.
        iv.push((1, at(tz, thu, 11, 30), at(tz, thu, 18, 0)));
        let i = Insights::compute(&iv, &[], &days, &bounds, tz, WorkingHours::default());
        let free = i.longest_free_block.unwrap();
        assert_eq!(
            (
                free.date,
                free.start.as_str(),
                free.end.as_str(),
                free.minutes
            ),
            (wed, "12:30", "15:00", 150)
        );
    }

    #[test]
    fn weekends_and_all_day_events_do_not_count() {
        let tz = berlin();
        let monday = d(2026, 11, 16);
        let (days, bounds) = week(tz, monday);
        // Busy through every weekday's working hours; the weekend is free but not working time.
        let iv: Vec<Interval> = (0..5)
            .map(|k| {
                let day = monday + Duration::days(k);
                (1, at(tz, day, 9, 0), at(tz, day, 17, 0))
            })
            .collect();
        let i = Insights::compute(&iv, &[], &days, &bounds, tz, WorkingHours::default());
        assert_eq!(i.longest_free_block, None);
        // All-day events never reach here (the week model passes only counted timed events),
        // so a week of only all-day events is an empty one.
        let i = Insights::compute(&[], &[], &days, &bounds, tz, WorkingHours::default());
        assert_eq!(i.longest_free_block.map(|f| f.minutes), Some(480));
    }

    #[test]
    fn time_out_of_office_is_not_free() {
        let tz = berlin();
        let monday = d(2026, 11, 16);
        let (days, bounds) = week(tz, monday);
        let tuesday = d(2026, 11, 17);
        // No events: every working day is free 09:00–17:00, and ties go to Monday.
        let free = Insights::compute(&[], &[], &days, &bounds, tz, WorkingHours::default())
            .longest_free_block
            .unwrap();
        assert_eq!(free.date, monday);
        // Away all Monday and Tuesday morning: Wednesday's whole day is the longest.
        let away = vec![
            (1, bounds[0], bounds[1]),
            (1, at(tz, tuesday, 8, 0), at(tz, tuesday, 13, 0)),
        ];
        let i = Insights::compute(&[], &away, &days, &bounds, tz, WorkingHours::default());
        let free = i.longest_free_block.unwrap();
        assert_eq!(
            (
                free.date,
                free.start.as_str(),
                free.end.as_str(),
                free.minutes
            ),
            (d(2026, 11, 18), "09:00", "17:00", 480)
        );
        // Away time is not hours.
        assert!(i.per_day.iter().all(|d| d.sources.is_empty()));
    }

    #[test]
    fn a_dst_day_has_its_real_length() {
        let tz = berlin();
        // Week 13 of 2026: Sunday 29 March skips 02:00–03:00 in Berlin.
        let monday = d(2026, 3, 23);
        let (days, bounds) = week(tz, monday);
        let sunday = d(2026, 3, 29);
        let hours = WorkingHours {
            start: NaiveTime::from_hms_opt(1, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(5, 0, 0).unwrap(),
            days: vec![Weekday::Sun],
        };
        let i = Insights::compute(&[], &[], &days, &bounds, tz, hours.clone());
        let free = i.longest_free_block.unwrap();
        // 01:00–05:00 on the clock is three hours that night.
        assert_eq!(
            (
                free.date,
                free.start.as_str(),
                free.end.as_str(),
                free.minutes
            ),
            (sunday, "01:00", "05:00", 180)
        );
        // An event over the gap: 01:30–03:30 on the clock is one hour.
        let iv = vec![(1, at(tz, sunday, 1, 30), at(tz, sunday, 3, 30))];
        let i = Insights::compute(&iv, &[], &days, &bounds, tz, hours);
        assert_eq!(
            i.per_day[6].sources,
            vec![SourceMinutes {
                source_id: 1,
                minutes: 60
            }]
        );
        let free = i.longest_free_block.unwrap();
        assert_eq!(
            (free.start.as_str(), free.end.as_str(), free.minutes),
            ("03:30", "05:00", 90)
        );
    }

    #[test]
    fn an_event_across_midnight_is_split_between_its_days() {
        let tz = berlin();
        let monday = d(2026, 11, 16);
        let (days, bounds) = week(tz, monday);
        let iv = vec![(
            4,
            at(tz, monday, 22, 0),
            at(tz, monday + Duration::days(1), 1, 30),
        )];
        let i = Insights::compute(&iv, &[], &days, &bounds, tz, WorkingHours::default());
        assert_eq!(
            i.per_day[0].sources,
            vec![SourceMinutes {
                source_id: 4,
                minutes: 120
            }]
        );
        assert_eq!(
            i.per_day[1].sources,
            vec![SourceMinutes {
                source_id: 4,
                minutes: 90
            }]
        );
    }

    #[test]
    fn other_hours_and_a_sunday_to_thursday_week_move_the_free_block() {
        let tz = berlin();
        // A week laid out from Sunday 15 November 2026.
        let sunday = d(2026, 11, 15);
        let (days, bounds) = week(tz, sunday);
        let hours = WorkingHours {
            start: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(16, 30, 0).unwrap(),
            days: vec![
                Weekday::Sun,
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
            ],
        };
        // Sunday to Thursday busy except Tuesday 12:00–16:30; Friday and Saturday wholly free.
        let mut iv: Vec<Interval> = (0..5)
            .map(|k| {
                let day = sunday + Duration::days(k);
                (1, at(tz, day, 7, 0), at(tz, day, 17, 0))
            })
            .collect();
        let tue = sunday + Duration::days(2);
        iv[2] = (1, at(tz, tue, 7, 0), at(tz, tue, 12, 0));
        let i = Insights::compute(&iv, &[], &days, &bounds, tz, hours.clone());
        let free = i.longest_free_block.unwrap();
        assert_eq!(
            (
                free.date,
                free.start.as_str(),
                free.end.as_str(),
                free.minutes
            ),
            (tue, "12:00", "16:30", 270)
        );
        assert_eq!(i.working_hours, hours);
        // An empty week: Sunday is the first working day, 08:00–16:30.
        let i = Insights::compute(&[], &[], &days, &bounds, tz, hours.clone());
        let free = i.longest_free_block.unwrap();
        assert_eq!(
            (free.date, free.start.as_str(), free.minutes),
            (sunday, "08:00", 510)
        );
        // With the default hours the same busy week is free all Friday instead.
        let i = Insights::compute(&iv, &[], &days, &bounds, tz, WorkingHours::default());
        let free = i.longest_free_block.unwrap();
        assert_eq!((free.date, free.minutes), (sunday + Duration::days(5), 480));
    }

    #[test]
    fn working_hours_serialize_as_clock_times() {
        let json = serde_json::to_value(WorkingHours::default()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "start": "09:00",
                "end": "17:00",
                "days": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            })
        );
    }
}
