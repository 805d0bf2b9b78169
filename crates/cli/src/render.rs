//! Plain-text rendering for the terminal.

use std::fmt::Write as _;

use anyhow::Result;
use vica_core::Store;
use vica_core::export::{duration, signed, signed_duration};
use vica_core::week::Week;

/// A week, day by day, then its totals.
pub fn week(week: &Week) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  ({})", week.label, week.time_zone);
    for g in &week.history_gaps {
        let _ = writeln!(
            out,
            "Note: {} ({})",
            g.message,
            one_line(&g.sources.join(", "))
        );
    }
    for day in &week.days {
        let _ = writeln!(out);
        let minutes = if day.event_minutes > 0 {
            duration(day.event_minutes)
        } else {
            String::new()
        };
        let _ = writeln!(out, "{:<40}{minutes:>14}", day.date.format("%a %-d %b"));
        if day.all_day.is_empty() && day.events.is_empty() && day.tasks.is_empty() {
            let _ = writeln!(out, "  nothing recorded");
        }
        for e in &day.all_day {
            let _ = writeln!(
                out,
                "  {:<13}{} · {}",
                "all day",
                one_line(&e.title),
                e.source
            );
        }
        for e in &day.events {
            let times = format!(
                "{}–{}",
                e.start_time.as_deref().unwrap_or(""),
                e.end_time.as_deref().unwrap_or("")
            );
            let mut marks = String::new();
            if e.recurring {
                marks.push_str(" ↻");
            }
            if e.declined {
                marks.push_str(" (declined)");
            } else if let Some(c) = e.category.filter(|_| e.counted) {
                let _ = write!(marks, " [{}]", c.as_str());
            } else if !e.counted {
                marks.push_str(" [not counted]");
            }
            let _ = writeln!(
                out,
                "  {times:<13}{} · {}{marks}",
                one_line(&e.title),
                e.source
            );
        }
        for t in &day.tasks {
            let _ = writeln!(out, "  ✓ {} · {}", one_line(&t.content), t.project);
        }
    }
    let t = &week.totals;
    let c = &week.change;
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Totals: {} in {} events ({} vs last week), {} tasks done ({})",
        duration(t.event_minutes),
        t.event_count,
        signed_duration(c.event_minutes),
        t.tasks_completed,
        signed(c.tasks_completed)
    );
    for s in &t.per_source {
        let _ = writeln!(
            out,
            "  {:<24}{:>14}  {} events",
            s.name,
            duration(s.event_minutes),
            s.event_count
        );
    }
    for p in &t.per_project {
        let _ = writeln!(
            out,
            "  {:<24}{:>14}",
            p.name,
            format!("{} tasks", p.tasks_completed)
        );
    }
    let (cats, dcats) = (&t.categories, &c.categories);
    if cats.total_minutes() != 0 || *dcats != Default::default() || cats.out_of_office_days != 0 {
        let _ = writeln!(out, "By category:");
    }
    for k in vica_core::categories::Category::ALL {
        if cats.minutes(k) != 0 || dcats.minutes(k) != 0 {
            let _ = writeln!(
                out,
                "  {:<24}{:>14}  ({} vs last week)",
                k.label(),
                duration(cats.minutes(k)),
                signed_duration(dcats.minutes(k))
            );
        }
    }
    if cats.out_of_office_days != 0 || dcats.out_of_office_days != 0 {
        let _ = writeln!(
            out,
            "  {:<24}{:>14}  ({} vs last week)",
            "Out of office",
            match cats.out_of_office_days {
                1 => "1 day".to_owned(),
                n => format!("{n} days"),
            },
            signed(dcats.out_of_office_days)
        );
    }
    if !week.next_week_tasks.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Next week:");
        for t in &week.next_week_tasks {
            let due = t
                .due_date
                .map(|d| d.format("%a %-d %b").to_string())
                .unwrap_or_default();
            let _ = writeln!(out, "  ☐ {} · {} ({due})", one_line(&t.content), t.project);
        }
    }
    out
}

/// Accounts, sources and their last sync.
pub fn status(store: &Store) -> Result<String> {
    let mut out = String::new();
    let accounts = store.accounts()?;
    if accounts.is_empty() {
        let _ = writeln!(
            out,
            "No accounts yet. Run `vica demo` to try Vica with demo data."
        );
        return Ok(out);
    }
    let sources = store.sources()?;
    let views = vica_api::accounts::list(store)?;
    for a in &accounts {
        let demo = if a.is_demo { " [demo]" } else { "" };
        let _ = writeln!(
            out,
            "{} — {}{demo} ({:?})",
            a.provider.display_name(),
            a.label,
            a.status
        );
        if let Some(why) = views
            .iter()
            .find(|v| v.id == a.id)
            .and_then(|v| v.reason.as_deref())
        {
            let _ = writeln!(out, "  needs reconnect: {}", one_line(why));
        }
        for s in sources.iter().filter(|s| s.account_id == a.id) {
            let (events, tasks) = store.item_counts(s.id)?;
            let state = store.sync_state(s.id)?;
            let synced = match state.as_ref().and_then(|st| st.last_success_at) {
                Some(t) => format!("synced {}", t.format("%Y-%m-%d %H:%M UTC")),
                None => "never synced".to_owned(),
            };
            let error = state
                .and_then(|st| st.last_error)
                .map(|e| format!(" — last error: {e}"))
                .unwrap_or_default();
            let included = if s.included { "" } else { " (excluded)" };
            let _ = writeln!(
                out,
                "  {:<28} {:>5} events {:>5} tasks  {synced}{included}{error}",
                s.name, events, tasks
            );
        }
    }
    Ok(out)
}

/// Provider text on one terminal line: control characters (escape sequences included) removed.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\n' || c == '\r' || c == '\t' {
                ' '
            } else {
                c
            }
        })
        .filter(|c| !c.is_control())
        .collect()
}
