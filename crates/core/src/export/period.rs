//! A month or quarter ([`crate::period`]) as Markdown, with the same
//! machinery as a week: a template context with provider and user text
//! already escaped, the built-in `period.md.j2` or the user's
//! (`period.md.j2` in the config folder, falling back to the default with a
//! positioned error), notes between the `vica:begin`/`vica:end` markers, and
//! a vault file-name pattern (`Reviews/{period}.md` by default:
//! `Reviews/2026-12.md`, `Reviews/2026-Q4.md`) checked by the week
//! pattern's rules.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::ExportError;
use super::context::{day_title, hours};
use super::duration;
use super::escape::{inline, yaml_str};
use super::note::{WriteOutcome, write_note};
use super::template::{Rendered, Template, TemplateError};
use crate::categories::Category;
use crate::period::{Period, PeriodKey};

/// The template Vica ships with for months and quarters.
pub const DEFAULT_PERIOD_TEMPLATE: &str = include_str!("period.md.j2");

/// The file name of a user's month and quarter template in the config dir.
pub const USER_PERIOD_TEMPLATE_FILE: &str = "period.md.j2";

/// The file-name pattern of month and quarter notes when none is set.
pub const DEFAULT_PERIOD_PATTERN: &str = "Reviews/{period}.md";

/// What a month or quarter template sees.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodContext {
    pub period: PeriodView,
    /// The YAML front matter's lines, without the `---` delimiters.
    pub front_matter: String,
    pub totals: PeriodTotalsView,
    /// Counted time by category, categories without time left out.
    pub categories: Vec<NamedTime>,
    pub weeks: Vec<PeriodWeekView>,
    pub busiest_days: Vec<BusyDayView>,
    /// Projects by completed tasks, most first, names escaped.
    pub projects: Vec<PeriodProjectView>,
    pub went_well: Vec<WentWellView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodView {
    /// `2026-12`, `2026-Q4`.
    pub key: String,
    /// `month` or `quarter`.
    pub kind: String,
    /// `December 2026`, `Q4 2026 · Oct – Dec`.
    pub label: String,
    pub year: i32,
    pub first_day: String,
    pub last_day: String,
    /// How many days the period has.
    pub days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodTotalsView {
    pub event_minutes: i64,
    /// `42 h 30 min`.
    pub event_time: String,
    pub event_hours: f64,
    pub event_count: u32,
    pub all_day_count: u32,
    pub tasks_completed: u32,
    pub out_of_office_days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedTime {
    /// `Meetings`.
    pub name: String,
    pub minutes: i64,
    pub time: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodWeekView {
    /// `2026-W49`.
    pub key: String,
    /// `2026-W49 (30 Nov – 6 Dec)`: the days inside the period.
    pub label: String,
    pub days: u32,
    pub event_minutes: i64,
    pub event_time: String,
    pub tasks_completed: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BusyDayView {
    pub date: String,
    /// `Tuesday 8 Dec`.
    pub title: String,
    pub event_minutes: i64,
    pub event_time: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodProjectView {
    /// Escaped.
    pub name: String,
    pub tasks_completed: u32,
    pub raw: RawName,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RawName {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WentWellView {
    /// `2026-W49`.
    pub week: String,
    /// The lines, each escaped for one line of Markdown.
    pub lines: Vec<String>,
    pub raw: RawLines,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RawLines {
    pub lines: Vec<String>,
}

impl PeriodContext {
    pub fn new(p: &Period) -> PeriodContext {
        let t = &p.totals;
        PeriodContext {
            period: PeriodView {
                key: p.key.to_string(),
                kind: p.kind.clone(),
                label: p.label.clone(),
                year: p.key.year(),
                first_day: p.first_day.to_string(),
                last_day: p.last_day.to_string(),
                days: (p.last_day - p.first_day).num_days() + 1,
            },
            front_matter: front_matter(p),
            totals: PeriodTotalsView {
                event_minutes: t.event_minutes,
                event_time: duration(t.event_minutes),
                event_hours: hours(t.event_minutes),
                event_count: t.event_count,
                all_day_count: t.all_day_count,
                tasks_completed: t.tasks_completed,
                out_of_office_days: t.categories.out_of_office_days,
            },
            categories: Category::ALL
                .iter()
                .map(|c| (c, t.categories.minutes(*c)))
                .filter(|(_, m)| *m > 0)
                .map(|(c, m)| NamedTime {
                    name: c.label().to_owned(),
                    minutes: m,
                    time: duration(m),
                })
                .collect(),
            weeks: p
                .weeks
                .iter()
                .map(|w| PeriodWeekView {
                    key: w.key.to_string(),
                    label: format!(
                        "{} ({} – {})",
                        w.key,
                        w.first_day.format("%-d %b"),
                        w.last_day.format("%-d %b")
                    ),
                    days: w.days,
                    event_minutes: w.event_minutes,
                    event_time: duration(w.event_minutes),
                    tasks_completed: w.tasks_completed,
                })
                .collect(),
            busiest_days: p
                .busiest_days
                .iter()
                .map(|d| BusyDayView {
                    date: d.date.to_string(),
                    title: day_title(d.date),
                    event_minutes: d.event_minutes,
                    event_time: duration(d.event_minutes),
                })
                .collect(),
            projects: p
                .top_projects
                .iter()
                .map(|pr| PeriodProjectView {
                    name: inline(&pr.name),
                    tasks_completed: pr.tasks_completed,
                    raw: RawName {
                        name: pr.name.clone(),
                    },
                })
                .collect(),
            went_well: p
                .went_well
                .iter()
                .map(|w| WentWellView {
                    week: w.week.to_string(),
                    lines: w.lines.iter().map(|l| inline(l)).collect(),
                    raw: RawLines {
                        lines: w.lines.clone(),
                    },
                })
                .collect(),
        }
    }
}

/// Flat keys, like a week's, so a vault's queries read both.
fn front_matter(p: &Period) -> String {
    let t = &p.totals;
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", p.kind, yaml_str(&p.key.to_string()));
    let _ = writeln!(out, "from: {}", p.first_day);
    let _ = writeln!(out, "to: {}", p.last_day);
    let _ = writeln!(out, "time_zone: {}", yaml_str(&p.time_zone));
    let _ = writeln!(out, "event_hours: {}", hours(t.event_minutes));
    let _ = writeln!(out, "events: {}", t.event_count);
    for k in Category::ALL {
        let _ = writeln!(
            out,
            "{}_hours: {}",
            k.as_str(),
            hours(t.categories.minutes(k))
        );
    }
    let _ = writeln!(
        out,
        "out_of_office_days: {}",
        t.categories.out_of_office_days
    );
    let _ = writeln!(out, "tasks_completed: {}", t.tasks_completed);
    let _ = write!(out, "tags: [{}-review]", p.kind);
    out
}

/// The default month and quarter template.
pub fn builtin_period_template() -> Template {
    Template::from_static("default period template", DEFAULT_PERIOD_TEMPLATE)
}

/// The user's month and quarter template (`period.md.j2` in `config_dir`),
/// or the default one when there is no such file.
pub fn user_period_template(config_dir: &Path) -> Result<Template, ExportError> {
    match Template::from_file(&config_dir.join(USER_PERIOD_TEMPLATE_FILE)) {
        Err(ExportError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            Ok(builtin_period_template())
        }
        other => other,
    }
}

/// Renders a period with `template`, falling back to the default template
/// with the failure as a warning.
pub fn render_period(period: &Period, template: &Template) -> Rendered {
    let context = PeriodContext::new(period);
    match template.render_value(&context) {
        Ok(text) => Rendered {
            text,
            warning: None,
        },
        Err(warning) => {
            let fallback = builtin_period_template()
                .render_value(&context)
                .unwrap_or_else(|_| format!("# {}\n", period.label));
            Rendered {
                text: fallback,
                warning: (!template.is_builtin()).then_some(warning),
            }
        }
    }
}

/// A period as Markdown with the default template, no markers.
pub fn period_markdown(period: &Period) -> String {
    render_period(period, &builtin_period_template()).text
}

/// Where month and quarter notes go in a vault: a folder and a file-name
/// pattern with `{period}` (`2026-12`, `2026-Q4`), `{year}`, `{start}` and
/// `{end}` (the first and last day), under the week pattern's rules (inside
/// the vault, no hidden segment, ending in `.md`), naming a different file
/// for each period (`{period}` or `{start}` in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodVault {
    dir: PathBuf,
    pattern: String,
}

/// One period's note written (or not) into a vault.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodExported {
    pub period: PeriodKey,
    pub path: PathBuf,
    pub outcome: WriteOutcome,
    /// The user's template failed and the default one was used.
    pub warning: Option<TemplateError>,
}

impl PeriodVault {
    /// A vault at `dir` with a checked period pattern.
    pub fn new(dir: impl Into<PathBuf>, pattern: &str) -> Result<PeriodVault, ExportError> {
        check_period_pattern(pattern)?;
        Ok(PeriodVault {
            dir: dir.into(),
            pattern: pattern.to_owned(),
        })
    }

    /// Where a period's note goes, relative to the vault.
    pub fn relative_path(&self, key: PeriodKey) -> PathBuf {
        let name = self
            .pattern
            .replace("{period}", &key.to_string())
            .replace("{year}", &format!("{:04}", key.year()))
            .replace("{start}", &key.first_day().to_string())
            .replace("{end}", &key.last_day().to_string());
        name.split(['/', '\\']).collect()
    }

    pub fn path_for(&self, key: PeriodKey) -> PathBuf {
        self.dir.join(self.relative_path(key))
    }

    /// Renders a period and writes it to its note (markers, no clobbering,
    /// see [`write_note`]). The vault folder must exist.
    pub fn export(
        &self,
        period: &Period,
        template: &Template,
        force: bool,
    ) -> Result<PeriodExported, ExportError> {
        let path = self.path_for(period.key);
        super::vault::folder_for_note(&self.dir, &path)?;
        let rendered = render_period(period, template);
        let outcome = write_note(&path, &rendered.text, force)?;
        Ok(PeriodExported {
            period: period.key,
            path,
            outcome,
            warning: rendered.warning,
        })
    }
}

/// Checks a month and quarter file-name pattern: the week pattern's rules
/// (see [`super::vault`]) with `{period}`, `{year}`, `{start}` and `{end}`,
/// and one file per period (`{period}` or `{start}` in it).
pub fn check_period_pattern(pattern: &str) -> Result<(), ExportError> {
    let bad = |reason: String| ExportError::Pattern {
        pattern: pattern.to_owned(),
        reason,
    };
    // Every placeholder must be one of ours; then the week rules check the
    // rest, with the placeholders standing in as week ones.
    if pattern.trim().is_empty() {
        return super::vault::check_pattern(pattern);
    }
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| bad("a `{` is not closed".into()))?;
        let name = &rest[open + 1..open + close];
        if !matches!(name, "period" | "year" | "start" | "end") {
            return Err(bad(format!(
                "unknown placeholder {{{name}}}: use {{period}}, {{year}}, {{start}} or {{end}}"
            )));
        }
        rest = &rest[open + close + 1..];
    }
    if !pattern.contains("{period}") && !pattern.contains("{start}") {
        return Err(bad(
            "it names the same file for every month: use {period} or {start}".into(),
        ));
    }
    super::vault::check_pattern(&pattern.replace("{period}", "{start}")).map_err(|e| match e {
        ExportError::Pattern { reason, .. } => bad(reason),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_period_template_compiles() {
        builtin_period_template().check().unwrap();
    }

    #[test]
    fn period_patterns_follow_the_week_rules() {
        for ok in [
            "Reviews/{period}.md",
            "{year}/{period}.md",
            "Months/{start}.md",
        ] {
            check_period_pattern(ok).unwrap();
        }
        for (bad, why) in [
            ("../{period}.md", "inside the vault"),
            ("/abs/{period}.md", "relative"),
            (".hidden/{period}.md", "begins with `.`"),
            ("Reviews/{period}.txt", ".md"),
            ("Reviews/{year}.md", "same file"),
            ("Reviews/{week}.md", "unknown placeholder"),
            ("Reviews/{period.md", "not closed"),
            ("", "empty"),
        ] {
            let e = check_period_pattern(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
        let v = PeriodVault::new("/vault", DEFAULT_PERIOD_PATTERN).unwrap();
        assert_eq!(
            v.relative_path("2026-Q4".parse().unwrap()),
            PathBuf::from("Reviews/2026-Q4.md")
        );
        assert_eq!(
            v.relative_path("2026-12".parse().unwrap()),
            PathBuf::from("Reviews/2026-12.md")
        );
    }
}
