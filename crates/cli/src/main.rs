//! `vica`: the weekly review from the terminal, over the same core as the app.

mod render;
mod sync;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use vica_core::Store;
use vica_core::week::{Week, WeekKey};

/// Vica: your week, reviewed. Calendar events you attended and tasks you
/// completed, day by day, from a local cache that works offline.
#[derive(Debug, Parser)]
#[command(name = "vica", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Examples:\n  vica demo                      load the demo data set\n  vica week                      this week, day by day\n  vica week --week 2026-W47      another week\n  vica export --week 2026-W47 -o review.md"
)]
struct Cli {
    /// Where Vica keeps its database [default: the OS's per-user data dir]
    #[arg(long, global = true, env = "VICA_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load the demo data set: three calendars, two task projects, twelve weeks of history.
    ///
    /// The demo data goes through the same write path as a real sync. Loading it
    /// again refreshes the same items; it never duplicates them.
    Demo,
    /// Show a week: each day's events and completed tasks, with totals.
    Week {
        /// The ISO week to show, like 2026-W47 [default: this week]
        #[arg(long, short, value_name = "YYYY-Www")]
        week: Option<String>,
        /// Print the week model as JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Write a week's review as Markdown (an Obsidian-friendly note).
    Export {
        /// The ISO week to export, like 2026-W47 [default: this week]
        #[arg(long, short, value_name = "YYYY-Www")]
        week: Option<String>,
        /// The file to write [default: standard output]
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Show connected accounts, their sources and when each last synced.
    Status,
    /// Fetch what changed at the providers since the last sync.
    ///
    /// Only changes are fetched (sync tokens); an interrupted sync resumes
    /// where it stopped. Demo accounts sync from the built-in demo servers.
    Sync {
        /// Only these sources (name, id or provider id; repeatable)
        #[arg(long, short, value_name = "SOURCE")]
        source: Vec<String>,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let data_dir = vica_core::paths::data_dir(cli.data_dir.as_deref())?;
    let db = vica_core::paths::database_path(&data_dir)?;
    let store = Store::open(&db)?;
    match cli.command {
        Command::Demo => sync::demo(store)?,
        Command::Sync { source } => sync::sync(store, &source)?,
        Command::Week { week, json } => {
            let week = load_week(&store, week.as_deref())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&week)?);
            } else {
                print!("{}", render::week(&week));
            }
        }
        Command::Export { week, output } => {
            let week = load_week(&store, week.as_deref())?;
            let markdown = vica_core::export::markdown(&week);
            match output {
                Some(path) => {
                    std::fs::write(&path, markdown)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("Wrote {} to {}", week.key, path.display());
                }
                None => print!("{markdown}"),
            }
        }
        Command::Status => print!("{}", render::status(&store)?),
    }
    Ok(())
}

fn load_week(store: &Store, week: Option<&str>) -> Result<Week> {
    let settings = store.settings()?;
    let key = match week {
        Some(w) => w.parse::<WeekKey>()?,
        None => WeekKey::current(settings.zone(), settings.week_start),
    };
    Ok(Week::load(store, key, &settings)?)
}
