//! From iCalendar text to Vica's events: the `VEVENT`s of a feed, their
//! recurrences expanded into a window.
//!
//! Recurrence is computed on local (wall-clock) times, as RFC 5545 defines
//! it: the `rrule` crate expands `RRULE` from `DTSTART`'s local time, and each
//! occurrence is then placed in its zone, so a 09:00 meeting stays at 09:00
//! across a DST change. `RDATE`, `EXDATE` and `RECURRENCE-ID` written in
//! another zone (or in UTC) are first moved to the series' local time.
//! `RECURRENCE-ID` overrides replace their occurrence; a `STATUS:CANCELLED`
//! event or override removes it.
//!
//! Every occurrence gets a stable id: the `UID` for a single event,
//! `UID/20261102T080000Z` (the original start in UTC, or its date for an
//! all-day series) for an occurrence, so an override keeps its occurrence's id.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use rrule::{RRule, Unvalidated};
use vica_core::model::{
    DESCRIPTION_MAX_CHARS, EventKind, EventRecord, EventStatus, EventTime, LOCATION_MAX_CHARS,
    Response, ShowAs, TITLE_MAX_CHARS, clip,
};

use super::IcsError;
use super::lexer::{self, Component, Property};
use super::zone::{Zone, Zones};
use crate::provider::Window;

/// Occurrences of one series kept at most (a rule denser than this in the
/// window, say every minute, is cut here with a warning).
const MAX_OCCURRENCES: u16 = 5000;

/// The longest `DURATION` read (ten years); a longer one is treated as unreadable.
const MAX_EVENT_DAYS: i64 = 3660;

/// What one calendar may expand into, all its series and (for a folder) all
/// its files together. A hostile feed, say a megabyte of `FREQ=MINUTELY`
/// series, stops at the budget with [`IcsError::OverBudget`] instead of
/// expanding into tens of millions of occurrences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Occurrences inside the window.
    pub occurrences: usize,
    /// Bytes the kept occurrences take in memory, their text included (an estimate).
    pub bytes: usize,
}

/// A budget that no calendar a person keeps comes near: years of a busy
/// calendar are tens of thousands of occurrences and a few tens of megabytes.
pub const DEFAULT_BUDGET: Budget = Budget {
    occurrences: 200_000,
    bytes: 256 * 1024 * 1024,
};

impl Default for Budget {
    fn default() -> Self {
        DEFAULT_BUDGET
    }
}

impl Budget {
    /// Takes `n` occurrences, or says it cannot (and takes nothing).
    fn take_occurrences(&mut self, n: usize) -> Result<(), Overdrawn> {
        self.occurrences = self
            .occurrences
            .checked_sub(n)
            .ok_or(Overdrawn::Occurrences)?;
        Ok(())
    }

    /// Takes the memory `event` holds, or says it cannot (and takes nothing).
    fn take_bytes(&mut self, event: &IcsEvent) -> Result<(), Overdrawn> {
        let r = &event.record;
        let size = std::mem::size_of::<IcsEvent>()
            + event.uid.len()
            + r.provider_id.len()
            + r.title.len()
            + r.description.as_ref().map_or(0, String::len)
            + r.location.as_ref().map_or(0, String::len)
            + r.series_id.as_ref().map_or(0, String::len)
            + r.link.as_ref().map_or(0, String::len)
            + r.time_zone.as_ref().map_or(0, String::len);
        self.bytes = self.bytes.checked_sub(size).ok_or(Overdrawn::Bytes)?;
        Ok(())
    }
}

/// The part of a [`Budget`] a feed ran out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overdrawn {
    Occurrences,
    Bytes,
}

impl Overdrawn {
    /// "200000 occurrences", "256 MB of events": that part of `budget`, for messages.
    pub fn limit(self, budget: &Budget) -> String {
        match self {
            Overdrawn::Occurrences => format!("{} occurrences", budget.occurrences),
            Overdrawn::Bytes => format!("{} MB of events", budget.bytes / (1024 * 1024)),
        }
    }
}

/// What is left of a feed's budget while it is read, and whether it ran out.
struct Spending {
    left: std::cell::Cell<Budget>,
    overdrawn: std::cell::Cell<Option<Overdrawn>>,
    /// The earliest start after the window of an occurrence seen and not kept.
    later: std::cell::Cell<Option<DateTime<Utc>>>,
}

impl Spending {
    /// Keeps `event` in `feed` if the budget allows, counting it as an
    /// occurrence unless `expanded` (a rule's occurrences are counted as
    /// they are computed); once the budget ran out, nothing more is kept.
    fn keep(&self, event: IcsEvent, expanded: bool, feed: &mut Feed) {
        let mut left = self.left.get();
        let taken = if expanded {
            Ok(())
        } else {
            left.take_occurrences(1)
        };
        match taken.and_then(|()| left.take_bytes(&event)) {
            Ok(()) if !self.spent() => {
                self.left.set(left);
                feed.events.push(event);
            }
            Ok(()) => {}
            Err(o) => self.overdraw(o),
        }
    }

    /// Counts `n` occurrences a rule produced.
    fn expanded(&self, n: usize) {
        let mut left = self.left.get();
        match left.take_occurrences(n) {
            Ok(()) => self.left.set(left),
            Err(o) => self.overdraw(o),
        }
    }

    /// How many occurrences one rule may still produce.
    fn rule_limit(&self) -> u16 {
        u16::try_from(self.left.get().occurrences)
            .unwrap_or(u16::MAX)
            .clamp(1, MAX_OCCURRENCES)
    }

    fn overdraw(&self, o: Overdrawn) {
        if self.overdrawn.get().is_none() {
            self.overdrawn.set(Some(o));
        }
    }

    fn spent(&self) -> bool {
        self.overdrawn.get().is_some()
    }

    /// Notes an occurrence starting at `start`, after the window.
    fn later(&self, start: DateTime<Utc>) {
        if self.later.get().is_none_or(|l| start < l) {
            self.later.set(Some(start));
        }
    }
}

/// What a feed holds inside the window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Feed {
    /// `X-WR-CALNAME` (or RFC 7986 `NAME`).
    pub name: Option<String>,
    /// `X-APPLE-CALENDAR-COLOR` or RFC 7986 `COLOR`, when it is `#rrggbb`.
    pub color: Option<String>,
    /// `X-WR-TIMEZONE`, the zone floating times are read in when it is valid.
    pub time_zone: Option<String>,
    pub events: Vec<IcsEvent>,
    /// Events that could not be read: (`UID` or position, why).
    pub rejected: Vec<(String, String)>,
    /// Lines skipped and guesses made; the events are still there.
    pub warnings: Vec<String>,
    /// The earliest start of an occurrence the feed holds after the window
    /// (of a one-off event, an override or a series' next one), `None` when
    /// it holds none: reading it again before the window's end passes this
    /// gives nothing new.
    pub later: Option<DateTime<Utc>>,
}

/// One occurrence, mapped to Vica's record, with the raw facts it was mapped from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsEvent {
    pub uid: String,
    pub record: EventRecord,
    /// `TRANSP` (`OPAQUE` or `TRANSPARENT`).
    pub transparency: Option<String>,
    /// `X-MICROSOFT-CDO-BUSYSTATUS` (`FREE`, `TENTATIVE`, `BUSY`, `OOF`, `WORKINGELSEWHERE`).
    pub busy_status: Option<String>,
    /// `STATUS` (`TENTATIVE`, `CONFIRMED`; `CANCELLED` ones are never here).
    pub status: Option<String>,
}

/// Reads a feed and returns its events overlapping `window`. Floating times
/// are in the feed's `X-WR-TIMEZONE` when it names a zone, else in `zone`
/// (the user's). Fails only when the bytes are not an iCalendar object at
/// all; a bad event is rejected on its own, a bad line skipped.
pub fn parse_feed(bytes: &[u8], zone: Tz, window: Window) -> Result<Feed, IcsError> {
    parse_feed_within(bytes, zone, window, &mut Budget::default())
}

/// [`parse_feed`] within what is left of `budget`, which it spends; a feed
/// that would expand into more is [`IcsError::OverBudget`] (and what it
/// spent is gone: the calendar is refused as a whole).
pub fn parse_feed_within(
    bytes: &[u8],
    zone: Tz,
    window: Window,
    budget: &mut Budget,
) -> Result<Feed, IcsError> {
    let text = String::from_utf8_lossy(bytes);
    let lexed = lexer::lex(&text);
    let calendars: Vec<&Component> = lexed
        .components
        .iter()
        .filter(|c| c.name == "VCALENDAR")
        .collect();
    if calendars.is_empty() {
        // Nothing of the content is quoted: a file that is not a calendar
        // may hold anything, a password or a key among them.
        return Err(IcsError::NotCalendar {
            detail: if text.trim().is_empty() {
                "it is empty".into()
            } else {
                "it has no BEGIN:VCALENDAR line".into()
            },
        });
    }
    let mut feed = Feed {
        warnings: lexed.warnings,
        ..Feed::default()
    };
    if lexed.more_warnings > 0 {
        feed.warnings
            .push(format!("and {} more skipped lines", lexed.more_warnings));
    }
    let spending = Spending {
        left: std::cell::Cell::new(*budget),
        overdrawn: std::cell::Cell::new(None),
        later: std::cell::Cell::new(None),
    };
    for calendar in calendars {
        read_calendar(calendar, zone, window, &mut feed, &spending);
        if let Some(part) = spending.overdrawn.get() {
            let given = *budget;
            *budget = Budget {
                occurrences: 0,
                bytes: 0,
            };
            return Err(IcsError::OverBudget {
                part,
                budget: given,
            });
        }
    }
    *budget = spending.left.get();
    feed.later = spending.later.get();
    Ok(feed)
}

fn read_calendar(
    calendar: &Component,
    user_zone: Tz,
    window: Window,
    feed: &mut Feed,
    spending: &Spending,
) {
    if feed.name.is_none() {
        feed.name = calendar
            .value("X-WR-CALNAME")
            .or_else(|| calendar.value("NAME"))
            .map(lexer::unescape)
            .filter(|n| !n.trim().is_empty());
    }
    if feed.color.is_none() {
        feed.color = calendar
            .value("X-APPLE-CALENDAR-COLOR")
            .or_else(|| calendar.value("COLOR"))
            .and_then(hex_color);
    }
    let declared = calendar.value("X-WR-TIMEZONE").map(str::trim);
    let floating = match declared.map(super::zone::named_zone) {
        Some(Some(tz)) => {
            feed.time_zone = Some(tz.name().to_owned());
            tz
        }
        Some(None) => {
            feed.warnings.push(format!(
                "X-WR-TIMEZONE {:?} is not a known zone; floating times are in {}",
                declared.unwrap_or_default(),
                user_zone.name()
            ));
            user_zone
        }
        None => user_zone,
    };
    let years = (window.start.year() - 2, window.end.year() + 2);
    let zones = Zones::new(calendar, floating, years);
    // Masters and overrides by UID, in feed order.
    let mut series: BTreeMap<String, (Option<&Component>, Vec<&Component>)> = BTreeMap::new();
    for (n, event) in calendar
        .children
        .iter()
        .filter(|c| c.name == "VEVENT")
        .enumerate()
    {
        let uid = match event.value("UID").map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => u.to_owned(),
            // No UID: one made from what the event says, stable while it does not change.
            None => format!("no-uid-{}", short_hash(&format!("{n}{event:?}"))),
        };
        let entry = series.entry(uid).or_default();
        if event.property("RECURRENCE-ID").is_some() {
            entry.1.push(event);
        } else {
            entry.0 = Some(event);
        }
    }
    let ctx = Ctx {
        zones: &zones,
        window,
        spending,
    };
    for (uid, (master, overrides)) in series {
        if spending.spent() {
            return;
        }
        if let Err(why) = ctx.series(&uid, master, &overrides, feed) {
            feed.rejected.push((uid, why));
        }
    }
}

struct Ctx<'a> {
    zones: &'a Zones,
    spending: &'a Spending,
    window: Window,
}

/// A `DTSTART`-like value.
#[derive(Debug, Clone)]
enum Stamp {
    Date(NaiveDate),
    Time { local: NaiveDateTime, zone: Zone },
}

impl Stamp {
    fn instant(&self) -> DateTime<Utc> {
        match self {
            Stamp::Date(d) => d.and_time(NaiveTime::MIN).and_utc(),
            Stamp::Time { local, zone } => zone.instant(*local),
        }
    }
}

/// How long an event lasts.
#[derive(Debug, Clone, Copy)]
enum Length {
    Days(i64),
    Exact(Duration),
}

impl Ctx<'_> {
    fn series(
        &self,
        uid: &str,
        master: Option<&Component>,
        overrides: &[&Component],
        feed: &mut Feed,
    ) -> Result<(), String> {
        // Overrides by the key of the occurrence they replace.
        let mut replaced: BTreeMap<String, &Component> = BTreeMap::new();
        for o in overrides {
            let Some(rid) = o.property("RECURRENCE-ID") else {
                continue;
            };
            match self.stamp(rid, &mut feed.warnings) {
                Some(s) => {
                    replaced.insert(occurrence_key(&s), o);
                }
                None => feed.rejected.push((
                    uid.to_owned(),
                    format!("unreadable RECURRENCE-ID {:?}", rid.value),
                )),
            }
        }
        let recurring =
            master.is_some_and(|m| m.property("RRULE").is_some() || m.property("RDATE").is_some());
        match master {
            Some(m) if recurring => {
                let keys = self.expand(uid, m, &replaced, feed)?;
                // Overrides of occurrences the rule does not produce here (moved
                // in from outside the window, or added): their own times decide.
                for (key, o) in &replaced {
                    if !keys.contains(key) {
                        self.single(uid, o, Some(key), feed)?;
                    }
                }
            }
            Some(m) => {
                self.single(uid, m, None, feed)?;
                for (key, o) in &replaced {
                    self.single(uid, o, Some(key), feed)?;
                }
            }
            // Overrides whose series is not in the feed (an invitation to one occurrence).
            None => {
                for (key, o) in &replaced {
                    self.single(uid, o, Some(key), feed)?;
                }
            }
        }
        Ok(())
    }

    /// One event as it stands (not expanded).
    fn single(
        &self,
        uid: &str,
        event: &Component,
        key: Option<&String>,
        feed: &mut Feed,
    ) -> Result<(), String> {
        let (start, length) = self.times(event, &mut feed.warnings)?;
        let id = match key {
            Some(k) => format!("{uid}/{k}"),
            None => uid.to_owned(),
        };
        let series = key.map(|_| uid.to_owned());
        if let Some(e) = self.occurrence(uid, id, series, event, &start, length) {
            self.spending.keep(e, false, feed);
        }
        Ok(())
    }

    /// Expands a recurring master; returns the keys of the occurrences it produced.
    fn expand(
        &self,
        uid: &str,
        master: &Component,
        replaced: &BTreeMap<String, &Component>,
        feed: &mut Feed,
    ) -> Result<Vec<String>, String> {
        let (start, length) = self.times(master, &mut feed.warnings)?;
        let (local_start, zone) = match &start {
            Stamp::Date(d) => (d.and_time(NaiveTime::MIN), None),
            Stamp::Time { local, zone } => (*local, Some(zone.clone())),
        };
        // Any other stamp moved to the series' local time.
        let to_local = |s: &Stamp| -> NaiveDateTime {
            match (s, &zone) {
                (Stamp::Date(d), _) => d.and_time(local_start.time()),
                (s, Some(z)) => z.local(s.instant()),
                (Stamp::Time { local, .. }, None) => *local,
            }
        };
        let mut rdates = Vec::new();
        let mut exdates = Vec::new();
        for (name, into) in [("RDATE", &mut rdates), ("EXDATE", &mut exdates)] {
            for p in master.all(name) {
                for stamp in self.stamps(p, &mut feed.warnings) {
                    into.push(to_local(&stamp));
                }
            }
        }
        let span = match length {
            Length::Days(d) => Duration::days(d),
            Length::Exact(d) => d,
        };
        let (from, to) = match &zone {
            Some(z) => (z.local(self.window.start), z.local(self.window.end)),
            None => (self.window.start.naive_utc(), self.window.end.naive_utc()),
        };
        let from = from - span - Duration::days(2);
        let to = to + Duration::days(2);
        let until = |v: &str| -> Option<NaiveDateTime> {
            let v = v.trim();
            if let Some(utc) = v.strip_suffix(['Z', 'z']) {
                let t = local_date_time(utc)?.and_utc();
                return Some(match &zone {
                    Some(z) => z.local(t),
                    None => t.naive_utc(),
                });
            }
            if v.len() == 8 {
                // A date: the whole day counts.
                let d = NaiveDate::parse_from_str(v, "%Y%m%d").ok()?;
                return d.and_hms_opt(23, 59, 59);
            }
            local_date_time(v)
        };
        let rule = master.value("RRULE");
        let limit = self.spending.rule_limit();
        // A series in its local time placed in its zone.
        let place = |local: NaiveDateTime| match (&start, &zone) {
            (Stamp::Date(_), _) => Stamp::Date(local.date()),
            (_, Some(z)) => Stamp::Time {
                local,
                zone: z.clone(),
            },
            (Stamp::Time { zone, .. }, None) => Stamp::Time {
                local,
                zone: zone.clone(),
            },
        };
        // The series' first occurrence past the range expanded below, if any.
        let beyond = to - Duration::seconds(1);
        let next = match rule {
            Some(rule) => expand_rule(
                rule,
                local_start,
                until,
                &rdates,
                &exdates,
                (beyond, beyond + Duration::days(366 * 200)),
                1,
            )
            .ok()
            .and_then(|(dates, _)| dates.into_iter().next()),
            None => std::iter::once(local_start)
                .chain(rdates.iter().copied())
                .filter(|t| !exdates.contains(t) && *t > beyond)
                .min(),
        };
        if let Some(next) = next {
            self.spending.later(place(next).instant());
        }
        let (mut locals, cut) = match rule {
            Some(rule) => {
                let (dates, cut) = expand_rule(
                    rule,
                    local_start,
                    until,
                    &rdates,
                    &exdates,
                    (from, to),
                    limit,
                )
                .map_err(|e| format!("unreadable RRULE {rule:?}: {e}"))?;
                // Every date computed counts, kept or not; a rule cut short by
                // the feed's budget (not by the cap of one series) overdraws it.
                self.spending.expanded(dates.len());
                if cut && limit < MAX_OCCURRENCES {
                    self.spending.overdraw(Overdrawn::Occurrences);
                }
                (dates, cut && limit == MAX_OCCURRENCES)
            }
            None => {
                let mut all: Vec<NaiveDateTime> = std::iter::once(local_start)
                    .chain(rdates.iter().copied())
                    .filter(|t| !exdates.contains(t) && *t >= from && *t <= to)
                    .collect();
                all.sort();
                all.dedup();
                // RDATEs alone are occurrences too: they count like a rule's.
                self.spending.expanded(all.len());
                (all, false)
            }
        };
        if cut {
            feed.warnings.push(format!(
                "{uid}: more than {MAX_OCCURRENCES} occurrences in the window; the rest are left out"
            ));
        }
        locals.dedup();
        let mut keys = Vec::with_capacity(locals.len());
        for local in locals {
            let stamp = place(local);
            let key = occurrence_key(&stamp);
            keys.push(key.clone());
            if let Some(o) = replaced.get(&key) {
                self.single(uid, o, Some(&key), feed)?;
                continue;
            }
            let id = format!("{uid}/{key}");
            if let Some(e) = self.occurrence(uid, id, Some(uid.to_owned()), master, &stamp, length)
            {
                self.spending.keep(e, true, feed);
            }
            if self.spending.spent() {
                break;
            }
        }
        Ok(keys)
    }

    /// The event for one occurrence, or `None` when it is cancelled or outside the window.
    fn occurrence(
        &self,
        uid: &str,
        provider_id: String,
        series_id: Option<String>,
        event: &Component,
        start: &Stamp,
        length: Length,
    ) -> Option<IcsEvent> {
        let status_raw = event.value("STATUS").map(|s| s.trim().to_ascii_uppercase());
        if status_raw.as_deref() == Some("CANCELLED") {
            return None;
        }
        let (time, time_zone) = match (start, length) {
            (Stamp::Date(d), Length::Days(n)) => (
                EventTime::AllDay {
                    start: *d,
                    end: *d + Duration::days(n.max(1)),
                },
                None,
            ),
            (Stamp::Date(d), Length::Exact(span)) => (
                EventTime::AllDay {
                    start: *d,
                    end: *d + Duration::days((span.num_days()).max(1)),
                },
                None,
            ),
            (Stamp::Time { zone, .. }, length) => {
                let s = start.instant();
                let span = match length {
                    Length::Days(n) => Duration::days(n),
                    Length::Exact(d) => d,
                };
                (
                    EventTime::Timed {
                        start: s,
                        end: s + span,
                    },
                    zone.name(),
                )
            }
        };
        let (s, e) = match time {
            EventTime::AllDay { start, end } => (
                start.and_time(NaiveTime::MIN).and_utc(),
                end.and_time(NaiveTime::MIN).and_utc(),
            ),
            EventTime::Timed { start, end } => (start, end),
        };
        let overlaps = e > self.window.start && s < self.window.end
            || (s == e && s >= self.window.start && s < self.window.end);
        if !overlaps {
            if s >= self.window.end {
                self.spending.later(s);
            }
            return None;
        }
        let transparency = event.value("TRANSP").map(|s| s.trim().to_ascii_uppercase());
        let busy_status = event
            .value("X-MICROSOFT-CDO-BUSYSTATUS")
            .map(|s| s.trim().to_ascii_uppercase());
        let tentative = status_raw.as_deref() == Some("TENTATIVE");
        let kind = match busy_status.as_deref() {
            Some("OOF") => EventKind::OutOfOffice,
            Some("WORKINGELSEWHERE") => EventKind::WorkingLocation,
            _ => EventKind::Default,
        };
        let show_as = match (transparency.as_deref(), busy_status.as_deref()) {
            (_, Some("FREE")) | (Some("TRANSPARENT"), None) => ShowAs::Free,
            (_, Some("OOF")) => ShowAs::OutOfOffice,
            (_, Some("WORKINGELSEWHERE")) => ShowAs::WorkingElsewhere,
            (_, Some("TENTATIVE")) => ShowAs::Tentative,
            (Some("TRANSPARENT"), _) => ShowAs::Free,
            _ if tentative => ShowAs::Tentative,
            _ => ShowAs::Busy,
        };
        // Text longer than the store keeps is cut before it is copied into
        // each occurrence: a series does not multiply a huge description.
        let text = |name: &str, max_chars: usize| {
            event
                .value(name)
                .map(|raw| clip(&lexer::unescape(head(raw, max_chars)), max_chars).into_owned())
                .filter(|t| !t.trim().is_empty())
        };
        let updated_at = ["LAST-MODIFIED", "DTSTAMP"]
            .iter()
            .find_map(|n| event.value(n))
            .and_then(|v| local_date_time(v.trim().trim_end_matches(['Z', 'z'])))
            .map(|t| t.and_utc());
        let record = EventRecord {
            provider_id,
            title: text("SUMMARY", TITLE_MAX_CHARS).unwrap_or_default(),
            description: text("DESCRIPTION", DESCRIPTION_MAX_CHARS),
            location: text("LOCATION", LOCATION_MAX_CHARS),
            time,
            time_zone,
            status: if tentative {
                EventStatus::Tentative
            } else {
                EventStatus::Confirmed
            },
            my_response: tentative.then_some(Response::Tentative),
            is_organizer: false,
            attendee_count: u32::try_from(event.all("ATTENDEE").count()).unwrap_or(u32::MAX),
            series_id,
            link: event
                .value("URL")
                .map(str::trim)
                .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
                .map(str::to_owned),
            updated_at,
            kind,
            show_as,
        };
        Some(IcsEvent {
            uid: uid.to_owned(),
            record,
            transparency,
            busy_status,
            status: status_raw,
        })
    }

    /// `DTSTART` and how long the event lasts (`DTEND` or `DURATION`).
    fn times(
        &self,
        event: &Component,
        warnings: &mut Vec<String>,
    ) -> Result<(Stamp, Length), String> {
        let start_prop = event.property("DTSTART").ok_or("no DTSTART")?;
        let start = self
            .stamp(start_prop, warnings)
            .ok_or_else(|| format!("unreadable DTSTART {:?}", start_prop.value))?;
        let end = event
            .property("DTEND")
            .and_then(|p| self.stamp(p, warnings));
        let duration = event.value("DURATION").and_then(parse_duration);
        let length = match (&start, end, duration) {
            (Stamp::Date(s), Some(Stamp::Date(e)), _) => Length::Days((e - *s).num_days().max(1)),
            (Stamp::Date(s), Some(end @ Stamp::Time { .. }), _) => {
                Length::Days((end.instant().date_naive() - *s).num_days().max(1))
            }
            (Stamp::Date(_), None, Some(d)) => Length::Days(d.num_days().max(1)),
            (Stamp::Date(_), None, None) => Length::Days(1),
            (Stamp::Time { .. }, Some(end), _) => {
                let span = end.instant() - start.instant();
                if span < Duration::zero() {
                    return Err("it ends before it starts".into());
                }
                Length::Exact(span)
            }
            (Stamp::Time { .. }, None, Some(d)) if d >= Duration::zero() => Length::Exact(d),
            (Stamp::Time { .. }, None, Some(_)) => return Err("negative DURATION".into()),
            (Stamp::Time { .. }, None, None) => Length::Exact(Duration::zero()),
        };
        Ok((start, length))
    }

    fn stamp(&self, p: &Property, warnings: &mut Vec<String>) -> Option<Stamp> {
        let value = p.value.split(',').next()?.trim();
        self.stamp_value(p, value, warnings)
    }

    /// Every value of a list property (`RDATE`, `EXDATE`); `PERIOD`s by their start.
    fn stamps(&self, p: &Property, warnings: &mut Vec<String>) -> Vec<Stamp> {
        p.value
            .split(',')
            .filter_map(|v| {
                let v = v.split('/').next().unwrap_or(v).trim();
                self.stamp_value(p, v, warnings)
            })
            .collect()
    }

    fn stamp_value(&self, p: &Property, value: &str, warnings: &mut Vec<String>) -> Option<Stamp> {
        let is_date = p
            .param("VALUE")
            .is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
            || (value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()));
        if is_date {
            return NaiveDate::parse_from_str(value.get(..8)?, "%Y%m%d")
                .ok()
                .map(Stamp::Date);
        }
        if let Some(utc) = value.strip_suffix(['Z', 'z']) {
            return Some(Stamp::Time {
                local: local_date_time(utc)?,
                zone: Zone::Iana(Tz::UTC),
            });
        }
        let local = local_date_time(value)?;
        let zone = match p.param("TZID") {
            None => Zone::Iana(self.zones.floating),
            Some(tzid) => match self.zones.get(tzid) {
                Some(z) => z,
                None => {
                    if warnings.len() < 50 {
                        warnings.push(format!(
                            "unknown time zone {tzid:?}; read as {}",
                            self.zones.floating.name()
                        ));
                    }
                    Zone::Iana(self.zones.floating)
                }
            },
        };
        Some(Stamp::Time { local, zone })
    }
}

/// The key of an occurrence in its id: its start in UTC, or its date.
fn occurrence_key(s: &Stamp) -> String {
    match s {
        Stamp::Date(d) => d.format("%Y%m%d").to_string(),
        Stamp::Time { .. } => s.instant().format("%Y%m%dT%H%M%SZ").to_string(),
    }
}

/// `20261102T100000` (seconds optional) or `20261102` (midnight) as a local time.
pub(crate) fn local_date_time(v: &str) -> Option<NaiveDateTime> {
    let v = v.trim();
    // Digits only (a `T` after the date), so years stay within 0000–9999.
    let shape_ok = matches!(v.len(), 8 | 13 | 15)
        && v.bytes().enumerate().all(|(i, b)| {
            if i == 8 {
                b == b'T'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape_ok {
        return None;
    }
    if v.len() == 8 {
        return NaiveDate::parse_from_str(v, "%Y%m%d")
            .ok()
            .map(|d| d.and_time(NaiveTime::MIN));
    }
    NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S")
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M"))
        .ok()
}

/// RFC 5545 `DURATION`: `P1D`, `PT1H30M`, `-P2W`.
fn parse_duration(v: &str) -> Option<Duration> {
    let v = v.trim();
    let (sign, rest) = match v.as_bytes().first()? {
        b'-' => (-1, &v[1..]),
        b'+' => (1, &v[1..]),
        _ => (1, v),
    };
    let rest = rest.strip_prefix(['P', 'p'])?;
    let mut total = Duration::zero();
    let mut number = String::new();
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            'T' => {}
            d if d.is_ascii_digit() => number.push(d),
            unit => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                any = true;
                let n = n.min(100_000);
                total += match unit {
                    'W' => Duration::weeks(n),
                    'D' => Duration::days(n),
                    'H' => Duration::hours(n),
                    'M' => Duration::minutes(n),
                    'S' => Duration::seconds(n),
                    _ => return None,
                };
                if total > Duration::days(MAX_EVENT_DAYS) {
                    return None;
                }
            }
        }
    }
    (any && number.is_empty()).then_some(total * sign)
}

/// Expands `rule` from `start` in local time, `UNTIL` read through `until`;
/// occurrences in `[from, to]`, at most `limit` of them, and whether the list was cut there.
pub(crate) fn expand_rule(
    rule: &str,
    start: NaiveDateTime,
    until: impl Fn(&str) -> Option<NaiveDateTime>,
    rdates: &[NaiveDateTime],
    exdates: &[NaiveDateTime],
    (from, to): (NaiveDateTime, NaiveDateTime),
    limit: u16,
) -> Result<(Vec<NaiveDateTime>, bool), String> {
    let rule = rule.trim();
    let rule = rule.strip_prefix("RRULE:").unwrap_or(rule);
    // The rrule crate slices weekday names by bytes and panics on
    // non-ASCII text (found by fuzzing); a valid rule is ASCII anyway.
    if !rule.is_ascii() {
        return Err("it has characters a rule cannot have".into());
    }
    let mut parts = Vec::new();
    let mut until_local = None;
    for part in rule.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('=') {
            Some((k, v)) if k.eq_ignore_ascii_case("UNTIL") => {
                until_local = Some(until(v).ok_or_else(|| format!("bad UNTIL {v:?}"))?);
            }
            _ => parts.push(part),
        }
    }
    let parsed: RRule<Unvalidated> = parts.join(";").parse().map_err(|e| format!("{e}"))?;
    let wall = |t: NaiveDateTime| rrule::Tz::UTC.from_utc_datetime(&t);
    let mut parsed = parsed;
    if let Some(u) = until_local {
        if u < start {
            // Ends before it begins: only what RDATE adds.
            let mut only: Vec<NaiveDateTime> = rdates
                .iter()
                .copied()
                .filter(|t| !exdates.contains(t) && *t >= from && *t <= to)
                .collect();
            only.sort();
            return Ok((only, false));
        }
        parsed = parsed.until(wall(u));
    }
    let mut set = parsed.build(wall(start)).map_err(|e| format!("{e}"))?;
    for r in rdates {
        set = set.rdate(wall(*r));
    }
    for x in exdates {
        set = set.exdate(wall(*x));
    }
    let result = set.after(wall(from)).before(wall(to)).all(limit);
    let cut = result.limited && result.dates.len() >= usize::from(limit);
    Ok((
        result.dates.into_iter().map(|d| d.naive_utc()).collect(),
        cut,
    ))
}

/// Occurrences of a `VTIMEZONE` rule between two years (its onsets).
pub(crate) fn expand_local(
    rule: &str,
    start: NaiveDateTime,
    _until: Option<NaiveDateTime>,
    years: (i32, i32),
) -> Vec<NaiveDateTime> {
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(years.0, 1, 1),
        NaiveDate::from_ymd_opt(years.1, 12, 31),
    ) else {
        return Vec::new();
    };
    expand_rule(
        rule,
        start,
        |v| local_date_time(v.trim_end_matches(['Z', 'z'])),
        &[],
        &[],
        (from.and_time(NaiveTime::MIN), to.and_time(NaiveTime::MIN)),
        MAX_OCCURRENCES,
    )
    .map(|(dates, _)| dates)
    .unwrap_or_default()
}

/// Enough of `raw` to unescape into more than `max_chars` characters when
/// the whole would: an escape (`\n`, `\,`…) is two characters for one, so
/// twice as many and one more, which also lets a cut show.
fn head(raw: &str, max_chars: usize) -> &str {
    match raw
        .char_indices()
        .nth(max_chars.saturating_mul(2).saturating_add(2))
    {
        Some((i, _)) => &raw[..i],
        None => raw,
    }
}

/// `#rrggbb` (Apple writes `#rrggbbaa`).
fn hex_color(v: &str) -> Option<String> {
    let v = v.trim();
    let hex = v.strip_prefix('#')?;
    (matches!(hex.len(), 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("#{}", hex[..6].to_ascii_lowercase()))
}

/// A short stable hash of some text, in hex.
pub(crate) fn short_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("P1W"), Some(Duration::weeks(1)));
        assert_eq!(parse_duration("-P1D"), Some(Duration::days(-1)));
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("PT5"), None);
    }
}
