//! `vica month` and `vica quarter`: a month or quarter rolled up, over
//! `vica_api::period`.

use std::path::PathBuf;

use anyhow::{Result, bail};
use vica_api::export::Outcome;
use vica_api::period::{PeriodExportResult, PeriodKind, markdown, template, to_file, to_vault};
use vica_core::Store;
use vica_core::export::Template;

/// What `vica month` and `vica quarter` take after the period.
#[derive(Debug, clap::Args)]
pub struct PeriodArgs {
    /// Print the roll-up as JSON instead of Markdown
    #[arg(long, conflicts_with_all = ["output", "vault"])]
    pub json: bool,
    /// Write the note to this file (between Vica's markers) instead of standard output
    #[arg(long, short, value_name = "FILE", conflicts_with = "vault")]
    pub output: Option<PathBuf>,
    /// Write the note into the vault set in the settings, at vault_period_pattern
    /// (Reviews/{period}.md by default: Reviews/2026-12.md, Reviews/2026-Q4.md)
    #[arg(long)]
    pub vault: bool,
    /// The template to use [default: period.md.j2 in the config folder, else the built-in one]
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,
    /// Overwrite a note that was changed outside Vica's markers
    #[arg(long)]
    pub force: bool,
}

pub fn run(store: &Store, kind: PeriodKind, key: Option<&str>, args: PeriodArgs) -> Result<()> {
    if args.json {
        let period = vica_api::period::period(store, kind, key)?;
        println!("{}", serde_json::to_string_pretty(&period)?);
        return Ok(());
    }
    let template = match &args.template {
        Some(path) => Template::from_file(path)?,
        None => template(vica_core::paths::config_dir().ok().as_deref())?,
    };
    let result = match (&args.output, args.vault) {
        (None, false) => {
            let (_, rendered) = markdown(store, &template, kind, key)?;
            warn(rendered.warning.as_ref().map(ToString::to_string));
            print!("{}", rendered.text);
            return Ok(());
        }
        (_, true) => to_vault(store, &template, kind, key, args.force)?,
        (Some(path), false) => to_file(store, &template, kind, key, path, args.force)?,
    };
    report(&result)
}

fn warn(warning: Option<String>) {
    if let Some(w) = warning {
        eprintln!("warning: {w}\n         (the default template was used instead)");
    }
}

fn report(r: &PeriodExportResult) -> Result<()> {
    warn(r.warning.as_ref().map(|w| w.text.clone()));
    let (period, path) = (&r.period, &r.path);
    match r.outcome {
        Outcome::Created => eprintln!("Wrote {period} to {path}"),
        Outcome::Updated => eprintln!("Updated {period} in {path}"),
        Outcome::Unchanged => eprintln!("{period}: {path} is up to date"),
        Outcome::Overwritten => eprintln!("Overwrote {path} with {period} (--force)"),
        Outcome::Conflict => {
            eprintln!(
                "Left {path} alone: {}",
                r.conflict.as_deref().unwrap_or("it changed")
            );
            bail!(
                "the note was not written because it was changed outside Vica's markers; \
                 rerun with --force to overwrite it"
            );
        }
    }
    Ok(())
}
