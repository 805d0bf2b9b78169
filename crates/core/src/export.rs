//! Markdown export of a week: YAML front matter, a summary, one section per
//! day, the reflection and next week's open tasks.
//!
//! Provider text is data: [`inline`] escapes every character that Markdown or
//! HTML would read as syntax and folds newlines, so a hostile title can never
//! change the document's structure.

use std::fmt::Write as _;

use crate::week::{EventItem, TaskItem, Week};

/// Renders a week as an Obsidian-friendly Markdown note.
pub fn markdown(week: &Week) -> String {
    let mut out = String::new();
    let t = &week.totals;
    // Front matter: strings as JSON strings, which YAML reads as-is.
    let _ = writeln!(out, "---");
    let _ = writeln!(out, "week: {}", yaml_str(&week.key.to_string()));
    let _ = writeln!(out, "from: {}", week.first_day);
    let _ = writeln!(out, "to: {}", week.last_day);
    let _ = writeln!(out, "time_zone: {}", yaml_str(&week.time_zone));
    let _ = writeln!(out, "event_hours: {}", hours_decimal(t.event_minutes));
    let _ = writeln!(out, "events: {}", t.event_count);
    let _ = writeln!(out, "tasks_completed: {}", t.tasks_completed);
    let mut sources: Vec<&str> = t.per_source.iter().map(|s| s.name.as_str()).collect();
    sources.extend(t.per_project.iter().map(|p| p.name.as_str()));
    let _ = writeln!(
        out,
        "sources: [{}]",
        sources
            .iter()
            .map(|s| yaml_str(s))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(out, "tags: [weekly-review]");
    let _ = writeln!(out, "---");
    let _ = writeln!(out);
    let _ = writeln!(out, "# {}", inline(&week.label));
    let _ = writeln!(out);

    let _ = writeln!(out, "## Summary");
    let _ = writeln!(out);
    let c = &week.change;
    let _ = writeln!(
        out,
        "- Time in events: {} ({} vs last week)",
        duration(t.event_minutes),
        signed_duration(c.event_minutes)
    );
    let _ = writeln!(
        out,
        "- Events: {} ({})",
        t.event_count,
        signed(c.event_count)
    );
    let _ = writeln!(
        out,
        "- Tasks completed: {} ({})",
        t.tasks_completed,
        signed(c.tasks_completed)
    );
    if let Some(day) = t.busiest_day {
        let _ = writeln!(out, "- Busiest day: {}", day.format("%A %-d %b"));
    }
    for s in &t.per_source {
        let _ = writeln!(
            out,
            "- {}: {} in {} events",
            inline(&s.name),
            duration(s.event_minutes),
            s.event_count
        );
    }
    for p in &t.per_project {
        let _ = writeln!(
            out,
            "- {}: {} tasks done",
            inline(&p.name),
            p.tasks_completed
        );
    }
    let _ = writeln!(out);

    for day in &week.days {
        let _ = writeln!(out, "## {}", day.date.format("%A %-d %b"));
        let _ = writeln!(out);
        if day.all_day.is_empty() && day.events.is_empty() && day.tasks.is_empty() {
            let _ = writeln!(out, "Nothing recorded.");
        }
        for e in day.all_day.iter().chain(&day.events) {
            let _ = writeln!(out, "- {}", event_line(e));
        }
        for task in &day.tasks {
            let _ = writeln!(out, "- [x] {}", task_line(task));
        }
        let _ = writeln!(out);
    }

    let r = &week.reflection;
    let _ = writeln!(out, "## Reflection");
    let _ = writeln!(out);
    for (heading, text) in [
        ("What went well", &r.went_well),
        ("What didn't", &r.didnt_go_well),
        ("Focus for next week", &r.focus_next),
        ("Notes", &r.notes),
    ] {
        let _ = writeln!(out, "### {heading}");
        let _ = writeln!(out);
        let body = block(text);
        let _ = writeln!(
            out,
            "{}",
            if body.is_empty() {
                "—".to_owned()
            } else {
                body
            }
        );
        let _ = writeln!(out);
    }

    let _ = writeln!(out, "## Next week");
    let _ = writeln!(out);
    if week.next_week_tasks.is_empty() {
        let _ = writeln!(out, "No open tasks due.");
    }
    for task in &week.next_week_tasks {
        let due = task
            .due_date
            .map(|d| format!(" (due {})", d.format("%a %-d %b")))
            .unwrap_or_default();
        let _ = writeln!(out, "- [ ] {}{due}", task_line(task));
    }
    out
}

fn event_line(e: &EventItem) -> String {
    let mut line = match (&e.start_time, &e.end_time) {
        (Some(s), Some(end)) => format!("{s}–{end} {}", inline(&e.title)),
        _ => format!("All day: {}", inline(&e.title)),
    };
    if !e.source.is_empty() {
        let _ = write!(line, " · {}", inline(&e.source));
    }
    if e.declined {
        line.push_str(" (declined)");
    }
    line
}

fn task_line(t: &TaskItem) -> String {
    let mut line = inline(&t.content);
    if !t.project.is_empty() {
        let _ = write!(line, " · {}", inline(&t.project));
    }
    for label in &t.labels {
        let _ = write!(line, " #{}", tag(label));
    }
    line
}

/// Escapes provider text for use inside one line of Markdown: every ASCII
/// punctuation character that CommonMark could read as syntax gets a
/// backslash, line breaks fold to spaces and control characters are dropped.
pub fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = false;
    for ch in text.chars() {
        if ch == '\n' || ch == '\r' || ch == '\t' || ch == '\u{2028}' || ch == '\u{2029}' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = ch == ' ';
        if ch.is_control() {
            continue;
        }
        if ch.is_ascii_punctuation()
            && !matches!(
                ch,
                '.' | ',' | ':' | ';' | '\'' | '"' | '/' | '?' | '%' | '=' | '@' | '&'
            )
        {
            out.push('\\');
        }
        if ch == '&' {
            // `&amp;` and friends would otherwise be read as character references.
            out.push_str("&amp;");
            continue;
        }
        out.push(ch);
    }
    out.trim().to_owned()
}

/// Escapes user text that may span lines (the reflection): each line escaped,
/// paragraphs kept.
fn block(text: &str) -> String {
    text.trim()
        .lines()
        .map(inline)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// A label as an Obsidian tag: letters, digits, `-`, `_` and `/` only.
fn tag(label: &str) -> String {
    let t: String = label
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '/' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if t.is_empty() { "label".into() } else { t }
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn hours_decimal(minutes: i64) -> String {
    let h = minutes as f64 / 60.0;
    format!("{}", (h * 100.0).round() / 100.0)
}

/// "3 h 20 min", "45 min", "0 min".
pub fn duration(minutes: i64) -> String {
    let (h, m) = (minutes.abs() / 60, minutes.abs() % 60);
    match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// "+1 h 15 min", "−30 min", "±0".
pub fn signed_duration(minutes: i64) -> String {
    match minutes {
        0 => "±0".into(),
        m if m > 0 => format!("+{}", duration(m)),
        m => format!("−{}", duration(m)),
    }
}

/// "+3", "−1", "±0".
pub fn signed(n: i64) -> String {
    match n {
        0 => "±0".into(),
        n if n > 0 => format!("+{n}"),
        n => format!("−{}", -n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_stays_inline_text() {
        assert_eq!(inline("# Not a heading"), "\\# Not a heading");
        assert_eq!(
            inline("a *b* _c_ [d](e) `f` |g|"),
            "a \\*b\\* \\_c\\_ \\[d\\]\\(e\\) \\`f\\` \\|g\\|"
        );
        assert_eq!(
            inline("<script>alert(1)</script>"),
            "\\<script\\>alert\\(1\\)\\</script\\>"
        );
        assert_eq!(
            inline("line one\n- [x] fake task\r\n## fake"),
            "line one \\- \\[x\\] fake task \\#\\# fake"
        );
        assert_eq!(inline("nul\u{0}byte"), "nulbyte");
        assert_eq!(inline("Tom &amp; Jerry"), "Tom &amp;amp; Jerry");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0), "0 min");
        assert_eq!(duration(45), "45 min");
        assert_eq!(duration(120), "2 h");
        assert_eq!(duration(200), "3 h 20 min");
        assert_eq!(signed_duration(-90), "−1 h 30 min");
        assert_eq!(signed(3), "+3");
        assert_eq!(hours_decimal(90), "1.5");
    }
}
