//! One event or task as the review shows it on a day: an [`EventItem`] cut
//! to the day it is listed on, a [`TaskItem`] with its local completion time.

use std::collections::BTreeMap;

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;

use super::model::{Bound, EventItem, TaskItem};
use crate::categories::Verdict;
use crate::model::{Event, EventTime, Source, Task};

/// An event's text as its item on one day carries it: copied for every day
/// but the event's last in the week, which takes the event's own strings.
pub(super) struct ItemText {
    title: String,
    location: Option<String>,
    description: Option<String>,
    link: Option<String>,
    series_id: Option<String>,
}

impl ItemText {
    pub(super) fn for_day(event: &mut Event, last: bool) -> ItemText {
        let r = &mut event.record;
        if last {
            ItemText {
                title: std::mem::take(&mut r.title),
                location: r.location.take(),
                description: r.description.take(),
                link: r.link.take(),
                series_id: r.series_id.take(),
            }
        } else {
            ItemText {
                title: r.title.clone(),
                location: r.location.clone(),
                description: r.description.clone(),
                link: r.link.clone(),
                series_id: r.series_id.clone(),
            }
        }
    }
}

/// An instant with the offset `tz` has then.
fn local_bound(t: DateTime<Utc>, tz: Tz) -> Bound {
    Bound::At(t.with_timezone(&tz).fixed_offset())
}

/// `HH:MM` on the local clock.
fn clock(t: DateTime<Tz>) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

pub(super) fn event_item(
    event: &Event,
    text: ItemText,
    sources: &BTreeMap<i64, Source>,
    tz: Tz,
    day: Option<(DateTime<Utc>, DateTime<Utc>)>,
    declined: bool,
    verdict: &Verdict,
) -> EventItem {
    let source = sources.get(&event.source_id);
    let r = &event.record;
    let (start_time, end_time, starts, ends, minutes, continued, continues) = match (r.time, day) {
        (EventTime::Timed { start, end }, Some((ds, de))) => (
            Some(clock(start.max(ds).with_timezone(&tz))),
            Some(if end >= de {
                "24:00".to_owned()
            } else {
                clock(end.with_timezone(&tz))
            }),
            local_bound(start, tz),
            local_bound(end, tz),
            (end - start).num_minutes(),
            start < ds,
            end > de,
        ),
        (EventTime::Timed { start, end }, None) => (
            None,
            None,
            local_bound(start, tz),
            local_bound(end, tz),
            (end - start).num_minutes(),
            false,
            false,
        ),
        (EventTime::AllDay { start, end }, _) => (
            None,
            None,
            Bound::Date(start),
            Bound::Date(end),
            0,
            false,
            false,
        ),
    };
    EventItem {
        id: event.id,
        source_id: event.source_id,
        source: source.map(|s| s.name.clone()).unwrap_or_default(),
        color: source.and_then(|s| s.color.clone()),
        title: text.title,
        location: text.location,
        description: text.description,
        all_day: matches!(r.time, EventTime::AllDay { .. }),
        start_time,
        end_time,
        starts,
        ends,
        minutes,
        continued,
        continues,
        response: r.my_response,
        is_organizer: r.is_organizer,
        recurring: text.series_id.is_some(),
        attendees: r.attendee_count,
        declined,
        link: text.link,
        category: verdict.category,
        counted: verdict.counted,
        not_counted: verdict.not_counted,
        annotation: verdict.annotation,
        kind: r.kind,
        show_as: r.show_as,
        series_id: text.series_id,
        series_choice: verdict.series_choice,
    }
}

pub(super) fn task_item(task: Task, sources: &BTreeMap<i64, Source>, tz: Tz) -> TaskItem {
    let source = sources.get(&task.source_id);
    let r = task.record;
    TaskItem {
        id: task.id,
        source_id: task.source_id,
        project: source.map(|s| s.name.clone()).unwrap_or_default(),
        color: source.and_then(|s| s.color.clone()),
        content: r.content,
        description: r.description,
        section: r.section,
        labels: r.labels,
        priority: r.priority,
        completed_time: r.completed_at.map(|t| clock(t.with_timezone(&tz))),
        completed_at: r.completed_at.map(|t| t.with_timezone(&tz).fixed_offset()),
        due_date: r.due_date,
        link: r.link,
    }
}
