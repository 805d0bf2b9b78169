//! Time zones of a feed: IANA names, the Windows names Outlook writes, the
//! feed's own `VTIMEZONE` definitions, and floating times.
//!
//! A `TZID` is looked up in this order: an IANA name (also inside prefixes
//! such as Mozilla's `/mozilla.org/20050126_1/Europe/Berlin`), a Windows
//! name ("W. Europe Standard Time"), the `X-LIC-LOCATION` of the feed's
//! `VTIMEZONE`, and last that `VTIMEZONE`'s own `STANDARD`/`DAYLIGHT` rules.
//! A `TZID` that none of these explain is read as floating time, with a warning.

use std::collections::HashMap;

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::lexer::Component;

/// Common Windows zone names (CLDR's windowsZones, territory "001").
const WINDOWS: &[(&str, &str)] = &[
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("UTC-11", "Etc/GMT+11"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Pacific Standard Time (Mexico)", "America/Tijuana"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time", "America/Denver"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Standard Time", "America/Chicago"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Canada Central Standard Time", "America/Regina"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Eastern Standard Time", "America/New_York"),
    ("US Eastern Standard Time", "America/Indianapolis"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Venezuela Standard Time", "America/Caracas"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("Pacific SA Standard Time", "America/Santiago"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Argentina Standard Time", "America/Buenos_Aires"),
    ("SA Eastern Standard Time", "America/Cayenne"),
    ("Greenland Standard Time", "America/Godthab"),
    ("UTC-02", "Etc/GMT+2"),
    ("Azores Standard Time", "Atlantic/Azores"),
    ("Cape Verde Standard Time", "Atlantic/Cape_Verde"),
    ("UTC", "Etc/UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Arabic Standard Time", "Asia/Baghdad"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Afghanistan Standard Time", "Asia/Kabul"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("India Standard Time", "Asia/Calcutta"),
    ("Nepal Standard Time", "Asia/Katmandu"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("Tasmania Standard Time", "Australia/Hobart"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("Tonga Standard Time", "Pacific/Tongatapu"),
];

/// An IANA zone for a `TZID` as feeds write it, without looking at `VTIMEZONE`s.
pub fn named_zone(tzid: &str) -> Option<Tz> {
    let tzid = tzid.trim().trim_matches('"');
    if let Ok(tz) = tzid.parse::<Tz>() {
        return Some(tz);
    }
    if let Some((_, iana)) = WINDOWS.iter().find(|(w, _)| w.eq_ignore_ascii_case(tzid)) {
        return iana.parse().ok();
    }
    // `/mozilla.org/20050126_1/Europe/Berlin`, `/Europe/Berlin`: the longest IANA-looking tail.
    let parts: Vec<&str> = tzid.split('/').filter(|p| !p.is_empty()).collect();
    (0..parts.len()).find_map(|i| parts[i..].join("/").parse::<Tz>().ok())
}

/// How one `TZID` turns local times into instants.
#[derive(Debug, Clone)]
pub enum Zone {
    Iana(Tz),
    /// A `VTIMEZONE` that names no known zone: its onsets, sorted, as
    /// (local onset, offset before, offset after) in seconds east of UTC.
    Rules(Vec<(NaiveDateTime, i32, i32)>),
}

impl Zone {
    /// The instant of a local time. A time skipped by a DST change is read
    /// with the offset before the change (RFC 5545 §3.3.5); a repeated one
    /// is the first of the two.
    pub fn instant(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            Zone::Iana(tz) => match tz.from_local_datetime(&local) {
                LocalResult::Single(t) => t.with_timezone(&Utc),
                LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
                LocalResult::None => {
                    // Skipped: shift by the gap (at most a few hours) with the earlier offset.
                    let before = tz.offset_from_utc_datetime(&(local - Duration::hours(6)));
                    let offset = chrono::Offset::fix(&before).local_minus_utc();
                    (local - Duration::seconds(i64::from(offset))).and_utc()
                }
            },
            Zone::Rules(onsets) => {
                let offset = match onsets.iter().rposition(|(at, _, _)| *at <= local) {
                    Some(i) => onsets[i].2,
                    None => onsets.first().map_or(0, |o| o.1),
                };
                (local - Duration::seconds(i64::from(offset))).and_utc()
            }
        }
    }

    /// The local time of an instant.
    pub fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::Iana(tz) => t.with_timezone(tz).naive_local(),
            Zone::Rules(onsets) => {
                let utc = t.naive_utc();
                let offset_at =
                    |local: NaiveDateTime| match onsets.iter().rposition(|(at, _, _)| *at <= local)
                    {
                        Some(i) => onsets[i].2,
                        None => onsets.first().map_or(0, |o| o.1),
                    };
                let guess = utc + Duration::seconds(i64::from(offset_at(utc)));
                utc + Duration::seconds(i64::from(offset_at(guess)))
            }
        }
    }

    /// The IANA name, when there is one.
    pub fn name(&self) -> Option<String> {
        match self {
            Zone::Iana(tz) => Some(tz.name().to_owned()),
            Zone::Rules(_) => None,
        }
    }
}

/// The zones a feed uses, resolved once.
#[derive(Debug)]
pub struct Zones {
    /// Floating times: the feed's `X-WR-TIMEZONE`, else the user's zone.
    pub floating: Tz,
    by_tzid: HashMap<String, Option<Zone>>,
}

impl Zones {
    /// Resolves every `VTIMEZONE` of `calendar` for local times between the years given.
    pub fn new(calendar: &Component, floating: Tz, years: (i32, i32)) -> Zones {
        let mut by_tzid = HashMap::new();
        for vtz in calendar.children.iter().filter(|c| c.name == "VTIMEZONE") {
            let Some(tzid) = vtz.value("TZID") else {
                continue;
            };
            let zone = named_zone(tzid)
                .or_else(|| vtz.value("X-LIC-LOCATION").and_then(named_zone))
                .map(Zone::Iana)
                .or_else(|| rules(vtz, years));
            by_tzid.insert(tzid.trim().to_owned(), zone);
        }
        Zones { floating, by_tzid }
    }

    /// The zone of a `TZID`, or `None` when nothing explains it.
    pub fn get(&self, tzid: &str) -> Option<Zone> {
        match self.by_tzid.get(tzid.trim()) {
            Some(Some(z)) => Some(z.clone()),
            _ => named_zone(tzid).map(Zone::Iana),
        }
    }
}

/// A `VTIMEZONE`'s onsets from its `STANDARD` and `DAYLIGHT` parts.
fn rules(vtz: &Component, years: (i32, i32)) -> Option<Zone> {
    let mut onsets = Vec::new();
    for part in vtz
        .children
        .iter()
        .filter(|c| c.name == "STANDARD" || c.name == "DAYLIGHT")
    {
        let from = part.value("TZOFFSETFROM").and_then(parse_offset)?;
        let to = part.value("TZOFFSETTO").and_then(parse_offset)?;
        let start = part
            .value("DTSTART")
            .and_then(|v| super::parse::local_date_time(v.trim_end_matches('Z')))?;
        onsets.push((start, from, to));
        for rdate in part.all("RDATE") {
            for v in rdate.value.split(',') {
                if let Some(t) = super::parse::local_date_time(v.trim_end_matches('Z')) {
                    onsets.push((t, from, to));
                }
            }
        }
        if let Some(rule) = part.value("RRULE") {
            for t in super::parse::expand_local(rule, start, None, years) {
                onsets.push((t, from, to));
            }
        }
    }
    if onsets.is_empty() {
        return None;
    }
    onsets.sort_by_key(|o| o.0);
    Some(Zone::Rules(onsets))
}

/// `+0100`, `-0530`, `+013000` as seconds east of UTC.
fn parse_offset(v: &str) -> Option<i32> {
    let v = v.trim();
    let (sign, digits) = match v.as_bytes().first()? {
        b'+' => (1, &v[1..]),
        b'-' => (-1, &v[1..]),
        _ => (1, v),
    };
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits[0..2].parse().ok()?;
    let m: i32 = digits[2..4].parse().ok()?;
    let s: i32 = if digits.len() == 6 {
        digits[4..6].parse().ok()?
    } else {
        0
    };
    Some(sign * (h * 3600 + m * 60 + s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tzids_as_feeds_write_them() {
        assert_eq!(named_zone("Europe/Berlin"), Some(chrono_tz::Europe::Berlin));
        assert_eq!(
            named_zone("\"America/New_York\""),
            Some(chrono_tz::America::New_York)
        );
        assert_eq!(
            named_zone("W. Europe Standard Time"),
            Some(chrono_tz::Europe::Berlin)
        );
        assert_eq!(
            named_zone("/mozilla.org/20050126_1/Europe/Paris"),
            Some(chrono_tz::Europe::Paris)
        );
        assert_eq!(named_zone("Mars/Olympus_Mons"), None);
        assert_eq!(parse_offset("-0530"), Some(-(5 * 3600 + 30 * 60)));
        assert_eq!(parse_offset("+01"), None);
    }
}
