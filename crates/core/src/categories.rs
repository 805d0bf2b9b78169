//! Attended-time rules and time categories: which events count as time
//! spent, and as what.
//!
//! [`Rules::classify`] gives every event a [`Verdict`]: its [`Category`]
//! (meetings, focus, personal, other), whether its hours count, and if not,
//! why ([`NotCounted`]). Out-of-office, working-location and birthday entries
//! are day [`Annotation`]s and never hours. The rules, in order:
//!
//! 1. Kind: out of office (Google `outOfOffice`, Graph `oof`), working
//!    location and birthdays are annotations.
//! 2. Category: the user's per-series choice, else the first matching title
//!    rule, else focus time, else a personal source, else meetings when
//!    other attendees are present, else focus or other (a setting).
//! 3. Counting: declined never counts; all-day and multi-day (24 hours or
//!    more) events never add hours; free (transparent) events are listed,
//!    not counted; tentative counts when the setting says so; not answered
//!    counts (setting) only on the user's own calendar.
//!
//! [`split_minutes`] adds up counted time per category without counting an
//! overlap twice: within a category overlaps merge, across categories the
//! higher one wins (meetings > focus > personal > other).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Event, EventKind, EventTime, Response, ShowAs, Source};
use crate::{Error, Result};

/// What counted time was spent on. Declared from the highest priority down:
/// where two categories overlap, the earlier one gets the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Events with other attendees.
    Meetings,
    /// Focus time, and (by default) events with nobody else in them.
    Focus,
    /// Events on sources the user marks personal.
    Personal,
    /// Counted time that is none of the above.
    Other,
}

impl Category {
    /// Every category, highest priority first.
    pub const ALL: [Category; 4] = [
        Category::Meetings,
        Category::Focus,
        Category::Personal,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Meetings => "meetings",
            Category::Focus => "focus",
            Category::Personal => "personal",
            Category::Other => "other",
        }
    }

    /// "Meetings", for people.
    pub fn label(self) -> &'static str {
        match self {
            Category::Meetings => "Meetings",
            Category::Focus => "Focus",
            Category::Personal => "Personal",
            Category::Other => "Other",
        }
    }
}

/// What the user assigns a title pattern or a recurring series to: a
/// category, or "never count it".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Assignment {
    /// Listed, never counted.
    Excluded,
    Meetings,
    Focus,
    Personal,
    Other,
}

impl Assignment {
    pub fn as_str(self) -> &'static str {
        match self {
            Assignment::Excluded => "excluded",
            Assignment::Meetings => "meetings",
            Assignment::Focus => "focus",
            Assignment::Personal => "personal",
            Assignment::Other => "other",
        }
    }

    /// The stored name back as an assignment.
    pub fn parse(s: &str) -> Option<Assignment> {
        [
            Assignment::Excluded,
            Assignment::Meetings,
            Assignment::Focus,
            Assignment::Personal,
            Assignment::Other,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }

    /// The category it assigns, `None` for [`Assignment::Excluded`].
    pub fn category(self) -> Option<Category> {
        match self {
            Assignment::Excluded => None,
            Assignment::Meetings => Some(Category::Meetings),
            Assignment::Focus => Some(Category::Focus),
            Assignment::Personal => Some(Category::Personal),
            Assignment::Other => Some(Category::Other),
        }
    }
}

/// A title rule: events whose title contains `pattern` (ignoring case) are
/// excluded or put in another category. The first matching rule applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TitleRule {
    pub pattern: String,
    pub assign: Assignment,
}

impl TitleRule {
    /// Whether the rule applies to `title`.
    pub fn matches(&self, title: &str) -> bool {
        let pattern = self.pattern.trim().to_lowercase();
        !pattern.is_empty() && title.to_lowercase().contains(&pattern)
    }
}

/// The user's attended-time rules (part of [`crate::settings::Settings`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(default)]
pub struct TimeRules {
    /// Events the user answered "maybe" to count.
    pub count_tentative: bool,
    /// Invitations the user has not answered count, on their own calendar only.
    pub count_unanswered: bool,
    /// Events with no other attendees are focus (else "other").
    pub solo_is_focus: bool,
    /// Sources (by id) whose events are personal time.
    pub personal_sources: Vec<i64>,
    /// Title patterns that exclude or re-categorize events, first match wins.
    pub title_rules: Vec<TitleRule>,
}

impl Default for TimeRules {
    fn default() -> Self {
        TimeRules {
            count_tentative: true,
            count_unanswered: true,
            solo_is_focus: true,
            personal_sources: Vec::new(),
            title_rules: Vec::new(),
        }
    }
}

impl TimeRules {
    /// Checks the rules, so nothing unusable is stored.
    pub fn validate(&self) -> Result<()> {
        for rule in &self.title_rules {
            if rule.pattern.trim().is_empty() {
                return Err(Error::InvalidSetting {
                    key: "time_rules".into(),
                    reason: "a title rule has an empty pattern".into(),
                });
            }
            if rule.pattern.chars().count() > 200 {
                return Err(Error::InvalidSetting {
                    key: "time_rules".into(),
                    reason: "a title pattern is longer than 200 characters".into(),
                });
            }
        }
        Ok(())
    }
}

/// A day-level note that is never hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Annotation {
    OutOfOffice,
    WorkingLocation,
    Birthday,
}

/// Why an event's time does not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum NotCounted {
    Declined,
    /// Answered "maybe", and tentative events do not count (setting).
    Tentative,
    /// Not answered, on someone else's calendar or with the setting off.
    Unanswered,
    /// Shown as free (transparent).
    Free,
    AllDay,
    /// A timed event of 24 hours or more.
    MultiDay,
    /// A title rule or the series' choice excludes it.
    Excluded,
    /// Out of office, working location or a birthday: a day annotation.
    Annotation,
}

/// How the rules treat one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// `None` for annotations and excluded events.
    pub category: Option<Category>,
    pub counted: bool,
    pub not_counted: Option<NotCounted>,
    pub annotation: Option<Annotation>,
    /// The user's choice for the event's recurring series, if any.
    pub series_choice: Option<Assignment>,
}

/// The per-series choices, keyed by (source id, series id).
pub type SeriesChoices = HashMap<(i64, String), Assignment>;

/// The rules with the user's per-series choices, ready to classify events.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    pub rules: &'a TimeRules,
    pub series: &'a SeriesChoices,
}

impl Rules<'_> {
    /// Classifies one event of `source` (if the source is known).
    pub fn classify(&self, event: &Event, source: Option<&Source>) -> Verdict {
        let r = &event.record;
        let annotation = match (r.kind, r.show_as) {
            (EventKind::OutOfOffice, _) | (_, ShowAs::OutOfOffice) => Some(Annotation::OutOfOffice),
            (EventKind::WorkingLocation, _) => Some(Annotation::WorkingLocation),
            (EventKind::Birthday, _) => Some(Annotation::Birthday),
            _ => None,
        };
        if annotation.is_some() {
            return Verdict {
                category: None,
                counted: false,
                not_counted: Some(NotCounted::Annotation),
                annotation,
                series_choice: None,
            };
        }
        // The map is keyed by an owned id; most users have no choice set, and
        // then no key is built for each recurring event.
        let series_choice = r
            .series_id
            .as_ref()
            .filter(|_| !self.series.is_empty())
            .and_then(|s| self.series.get(&(event.source_id, s.clone())))
            .copied();
        let choice = series_choice.or_else(|| {
            self.rules
                .title_rules
                .iter()
                .find(|rule| rule.matches(&r.title))
                .map(|rule| rule.assign)
        });
        let category = match choice {
            Some(a) => a.category(),
            None if r.kind == EventKind::FocusTime => Some(Category::Focus),
            None if self.rules.personal_sources.contains(&event.source_id) => {
                Some(Category::Personal)
            }
            None if r.attendee_count > 0 => Some(Category::Meetings),
            None if self.rules.solo_is_focus => Some(Category::Focus),
            None => Some(Category::Other),
        };
        let own_calendar =
            source.is_some_and(|s| s.is_primary || s.access_role.as_deref() == Some("owner"));
        let not_counted = if r.my_response == Some(Response::Declined) {
            Some(NotCounted::Declined)
        } else if category.is_none() {
            Some(NotCounted::Excluded)
        } else if matches!(r.time, EventTime::AllDay { .. }) {
            Some(NotCounted::AllDay)
        } else if matches!(r.time, EventTime::Timed { start, end } if end - start >= Duration::hours(24))
        {
            Some(NotCounted::MultiDay)
        } else if r.show_as == ShowAs::Free && series_choice.is_none() {
            // Free time counts only when the user says so for the series.
            Some(NotCounted::Free)
        } else if r.my_response == Some(Response::Tentative) && !self.rules.count_tentative {
            Some(NotCounted::Tentative)
        } else if r.my_response == Some(Response::NeedsAction)
            && !(self.rules.count_unanswered && own_calendar)
        {
            Some(NotCounted::Unanswered)
        } else {
            None
        };
        Verdict {
            category,
            counted: not_counted.is_none(),
            not_counted,
            annotation: None,
            series_choice,
        }
    }
}

/// Minutes per category (and out-of-office days) for a day or a week.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CategoryTotals {
    pub meetings: i64,
    pub focus: i64,
    pub personal: i64,
    pub other: i64,
    /// Days with an out-of-office entry (a day's own figure is 0 or 1).
    pub out_of_office_days: i64,
}

impl CategoryTotals {
    /// The minutes of one category.
    pub fn minutes(&self, c: Category) -> i64 {
        match c {
            Category::Meetings => self.meetings,
            Category::Focus => self.focus,
            Category::Personal => self.personal,
            Category::Other => self.other,
        }
    }

    fn minutes_mut(&mut self, c: Category) -> &mut i64 {
        match c {
            Category::Meetings => &mut self.meetings,
            Category::Focus => &mut self.focus,
            Category::Personal => &mut self.personal,
            Category::Other => &mut self.other,
        }
    }

    /// Counted minutes in all categories together.
    pub fn total_minutes(&self) -> i64 {
        Category::ALL.iter().map(|c| self.minutes(*c)).sum()
    }

    /// `self - other`, field by field.
    pub fn minus(&self, other: &CategoryTotals) -> CategoryTotals {
        CategoryTotals {
            meetings: self.meetings - other.meetings,
            focus: self.focus - other.focus,
            personal: self.personal - other.personal,
            other: self.other - other.other,
            out_of_office_days: self.out_of_office_days - other.out_of_office_days,
        }
    }
}

/// Counted minutes per category within `[from, to)`: overlaps within a
/// category are merged, and where categories overlap the higher one gets the
/// time, so the categories add up to the wall-clock time covered.
pub fn split_minutes(
    intervals: &[(Category, DateTime<Utc>, DateTime<Utc>)],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> CategoryTotals {
    // A sweep over the clipped intervals' ends: between two consecutive
    // instants, the time goes to the highest category under way.
    let mut ends: Vec<(DateTime<Utc>, i32, Category)> = Vec::with_capacity(intervals.len() * 2);
    for &(c, s, e) in intervals {
        let (s, e) = (s.max(from), e.min(to));
        if s < e {
            ends.push((s, 1, c));
            ends.push((e, -1, c));
        }
    }
    ends.sort_by_key(|&(t, _, _)| t);
    // Seconds by category and intervals under way, indexed by the enum's discriminant.
    let mut seconds = [0i64; Category::ALL.len()];
    let mut open = [0i32; Category::ALL.len()];
    let mut last: Option<DateTime<Utc>> = None;
    for (t, delta, c) in ends {
        if let (Some(a), Some(top)) = (last, open.iter().position(|n| *n > 0)) {
            seconds[top] += (t - a).num_seconds();
        }
        open[c as usize] += delta;
        last = Some(t);
    }
    let mut totals = CategoryTotals::default();
    for c in Category::ALL {
        *totals.minutes_mut(c) = seconds[c as usize] / 60;
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64, m: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::hours(h) + Duration::minutes(m)
    }

    #[test]
    fn overlaps_merge_within_a_category_and_the_higher_category_wins_across() {
        use Category::*;
        let iv = [
            (Focus, t(9, 0), t(11, 0)),
            (Meetings, t(10, 0), t(10, 30)),
            (Meetings, t(10, 15), t(10, 45)),
            (Personal, t(10, 30), t(12, 0)),
            (Other, t(8, 0), t(13, 0)),
        ];
        let got = split_minutes(&iv, t(0, 0), t(24, 0));
        assert_eq!(got.meetings, 45);
        assert_eq!(got.focus, 120 - 45);
        assert_eq!(got.personal, 60);
        assert_eq!(got.other, 60 + 60);
        assert_eq!(got.total_minutes(), 5 * 60);
        // Clipped to the window.
        let got = split_minutes(&iv, t(10, 40), t(11, 10));
        assert_eq!((got.meetings, got.focus, got.personal), (5, 15, 10));
    }

    #[test]
    fn title_rules_ignore_case_and_empty_patterns_never_match() {
        let rule = TitleRule {
            pattern: " lunch ".into(),
            assign: Assignment::Excluded,
        };
        assert!(rule.matches("Team LUNCH at Luigi's"));
        assert!(!rule.matches("Launch review"));
        let empty = TitleRule {
            pattern: "  ".into(),
            assign: Assignment::Focus,
        };
        assert!(!empty.matches("anything"));
        let rules = TimeRules {
            title_rules: vec![empty],
            ..TimeRules::default()
        };
        assert!(rules.validate().is_err());
    }
}
