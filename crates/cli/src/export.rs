//! `vica export` and `vica history`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use vica_api::export::RowsFormat;
use vica_core::Store;
use vica_core::export::{
    Exported, ReviewHistory, Template, TemplateError, Vault, WriteOutcome, write_note,
};
use vica_core::week::WeekKey;

/// What `vica export` was asked to do.
pub struct ExportArgs {
    pub week: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub output: Option<PathBuf>,
    pub pattern: String,
    pub template: Option<PathBuf>,
    pub force: bool,
    pub format: Format,
}

/// What `vica export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A Markdown note per week.
    Md,
    /// One row per event and completed task, RFC 4180 CSV with a header.
    Csv,
    /// The same rows as a JSON document.
    Json,
}

pub fn export(store: &Store, args: ExportArgs) -> Result<()> {
    if args.format != Format::Md {
        return export_rows(store, &args);
    }
    let template = match &args.template {
        Some(path) => Template::from_file(path)?,
        None => match vica_core::paths::config_dir() {
            Ok(dir) => Template::user(&dir)?,
            Err(_) => Template::builtin(),
        },
    };
    let mut warned = BTreeSet::new();
    let mut warn = |w: &Option<TemplateError>| {
        if let Some(w) = w
            && warned.insert(w.to_string())
        {
            eprintln!("warning: {w}\n         (the default template was used instead)");
        }
    };

    if let Some(from) = &args.from {
        let Some(dir) = &args.output else {
            bail!("a range of weeks needs a folder to write into: add -o DIR");
        };
        let settings = store.settings()?;
        let from: WeekKey = from.parse()?;
        let to = match &args.to {
            Some(to) => to.parse()?,
            None => WeekKey::current(settings.zone(), settings.week_start),
        };
        if dir.is_file() {
            bail!(
                "{} is a file; a range of weeks is written into a folder, one note per week",
                dir.display()
            );
        }
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        let vault = Vault::new(dir, &args.pattern)?;
        let done = vault.export_range(store, &settings, from..=to, &template, args.force)?;
        for e in &done {
            warn(&e.warning);
            report(e.week, &e.path, e.outcome);
        }
        let count = |f: fn(&WriteOutcome) -> bool| done.iter().filter(|e| f(&e.outcome)).count();
        let unchanged = count(|o| *o == WriteOutcome::Unchanged);
        let skipped = count(|o| !o.written());
        eprintln!(
            "{} weeks: {} written, {unchanged} unchanged, {skipped} left alone",
            done.len(),
            done.len() - unchanged - skipped
        );
        return conflicts(skipped);
    }

    let week = args.week.as_deref();
    match &args.output {
        None => {
            let (_, rendered) = vica_api::export::markdown(store, &template, week)?;
            warn(&rendered.warning);
            print!("{}", rendered.text);
        }
        Some(dir) if dir.is_dir() => {
            let week = crate::load_week(store, week)?;
            let vault = Vault::new(dir, &args.pattern)?;
            let Exported {
                path,
                outcome,
                warning,
                ..
            } = vault.export(&week, &template, args.force)?;
            warn(&warning);
            report(week.key, &path, outcome);
            conflicts(usize::from(!outcome.written()))?;
        }
        Some(path) => {
            let (week, rendered) = vica_api::export::markdown(store, &template, week)?;
            warn(&rendered.warning);
            let outcome = write_note(path, &rendered.text, args.force)?;
            report(week.key, path, outcome);
            conflicts(usize::from(!outcome.written()))?;
        }
    }
    Ok(())
}

/// `--format csv|json`: the rows of a week or a range, to a file or standard output.
fn export_rows(store: &Store, args: &ExportArgs) -> Result<()> {
    let settings = store.settings()?;
    let current = WeekKey::current(settings.zone(), settings.week_start);
    let (from, to) = match (&args.week, &args.from) {
        (Some(w), _) => {
            let w: WeekKey = w.parse()?;
            (w, w)
        }
        (None, Some(from)) => (
            from.parse()?,
            match &args.to {
                Some(to) => to.parse()?,
                None => current,
            },
        ),
        (None, None) => (current, current),
    };
    let format = match args.format {
        Format::Csv => RowsFormat::Csv,
        _ => RowsFormat::Json,
    };
    let (text, rows) = vica_api::export::rows_text(store, format, from, to)?;
    match &args.output {
        None => print!("{text}"),
        Some(path) if path.is_dir() => bail!(
            "{} is a folder; CSV and JSON are written into one file: give -o FILE",
            path.display()
        ),
        Some(path) => {
            std::fs::write(path, &text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "Wrote {} row{} ({from} to {to}) to {}",
                rows,
                if rows == 1 { "" } else { "s" },
                path.display()
            );
        }
    }
    Ok(())
}

fn report(week: WeekKey, path: &Path, outcome: WriteOutcome) {
    let path = path.display();
    match outcome {
        WriteOutcome::Created => eprintln!("Wrote {week} to {path}"),
        WriteOutcome::Updated => eprintln!("Updated {week} in {path}"),
        WriteOutcome::Unchanged => eprintln!("{week}: {path} is up to date"),
        WriteOutcome::Overwritten => eprintln!("Overwrote {path} with {week} (--force)"),
        WriteOutcome::Conflict(why) => eprintln!("Left {path} alone: {why}"),
    }
}

fn conflicts(n: usize) -> Result<()> {
    match n {
        0 => Ok(()),
        1 => bail!(
            "a note was not written because it was changed outside Vica's markers; \
             rerun with --force to overwrite it"
        ),
        n => bail!(
            "{n} notes were not written because they were changed outside Vica's markers; \
             rerun with --force to overwrite them"
        ),
    }
}

pub fn history(store: &Store, weeks: u32, json: bool) -> Result<()> {
    let settings = store.settings()?;
    let current = WeekKey::current(settings.zone(), settings.week_start);
    let history = ReviewHistory::load(store, current, settings.week_start, weeks as usize)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&history)?);
        return Ok(());
    }
    let mut out = String::new();
    let _ = writeln!(out, "Weekly reviews (✓ reflection written, · not written)");
    for w in &history.weeks {
        let _ = writeln!(
            out,
            "  {}  {}  {}{}",
            if w.written { '✓' } else { '·' },
            w.key,
            w.label,
            if w.is_current { "  (this week)" } else { "" }
        );
    }
    let _ = writeln!(
        out,
        "Streak: {} week{}",
        history.streak,
        if history.streak == 1 { "" } else { "s" }
    );
    print!("{out}");
    Ok(())
}
