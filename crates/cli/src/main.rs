//! `vica`: the weekly review from the terminal, over the same core as the app.

mod account;
mod config;
mod export;
mod period;
mod render;
mod sync;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

use vica_api::period::PeriodKind;
use vica_core::Store;
use vica_core::week::Week;

/// Vica: your week, reviewed. Calendar events you attended and tasks you
/// completed, day by day, from a local cache that works offline.
#[derive(Debug, Parser)]
#[command(name = "vica", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Examples:\n  vica demo                      load the demo data set\n  vica week                      this week, day by day\n  vica week --week 2026-W47      another week\n  vica export --week 2026-W47 -o review.md\n  vica export --from 2026-W01 --to 2026-W47 -o ~/Notes/Reviews\n  vica export --format csv --from 2026-W40 --to 2026-W47 -o hours.csv\n  vica month 2026-11             a month rolled up (--json for data)\n  vica quarter 2026-Q4 --vault   a quarter's note in the vault\n  vica history                   which weeks have a reflection, and the streak\n  vica config list               every setting with its value\n  vica config set week_start sunday"
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
    /// Write a week's review as Markdown (an Obsidian- and Logseq-friendly note).
    ///
    /// Notes are written between <!-- vica:begin --> and <!-- vica:end --> markers
    /// after the front matter; exporting again replaces only that part and the
    /// front matter keys Vica generates. A note edited outside the markers is
    /// left alone unless --force. Files are replaced atomically.
    ///
    /// The template is export.md.j2 in Vica's config folder if there is one,
    /// else the built-in one; a template error is reported with its line and
    /// column, and the built-in template is used instead.
    Export {
        /// The ISO week to export, like 2026-W47 [default: this week]
        #[arg(long, short, value_name = "YYYY-Www", conflicts_with_all = ["from", "to"])]
        week: Option<String>,
        /// The first week of a range to export, one note per week (needs -o DIR)
        #[arg(long, value_name = "YYYY-Www")]
        from: Option<String>,
        /// The last week of the range [default: this week]
        #[arg(long, value_name = "YYYY-Www", requires = "from")]
        to: Option<String>,
        /// The note to write, or a folder to write into [default: standard output]
        #[arg(long, short, value_name = "FILE|DIR")]
        output: Option<PathBuf>,
        /// File names inside the folder, with {year}, {week}, {start} and {end}
        #[arg(long, value_name = "PATTERN", default_value = vica_core::export::DEFAULT_PATTERN)]
        pattern: String,
        /// The template to use [default: export.md.j2 in the config folder, else the built-in one]
        #[arg(long, value_name = "FILE")]
        template: Option<PathBuf>,
        /// Overwrite notes that were changed outside Vica's markers
        #[arg(long)]
        force: bool,
        /// md: a Markdown note per week; csv or json: one row per event and
        /// completed task over the weeks (--week, or --from/--to), to -o FILE
        /// or standard output (columns in docs/export-formats.md)
        #[arg(long, value_enum, default_value_t = export::Format::Md)]
        format: export::Format,
    },
    /// Show a calendar month rolled up: totals, categories, each week's share,
    /// the busiest days, the top projects and what went well.
    ///
    /// Weeks that straddle the month's edges count by days: only their days
    /// inside the month. Prints Markdown (the built-in period template, or
    /// period.md.j2 in the config folder); --json prints the roll-up as data;
    /// -o FILE or --vault writes a note.
    Month {
        /// The month, like 2026-12 [default: this month]
        #[arg(value_name = "YYYY-MM")]
        month: Option<String>,
        #[command(flatten)]
        args: period::PeriodArgs,
    },
    /// Show a calendar quarter rolled up, like `vica month`.
    Quarter {
        /// The quarter, like 2026-Q4 [default: this quarter]
        #[arg(value_name = "YYYY-Qn")]
        quarter: Option<String>,
        #[command(flatten)]
        args: period::PeriodArgs,
    },
    /// List past weeks with whether a reflection was written, and the current streak.
    History {
        /// How many weeks to list, this week included
        #[arg(long, short = 'n', value_name = "N", default_value_t = 12,
              value_parser = clap::value_parser!(u32).range(1..=520))]
        weeks: u32,
        /// Print the history as JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Connect, list and disconnect Google, Microsoft and Todoist accounts.
    Account {
        #[command(subcommand)]
        command: account::AccountCommand,
    },
    /// Show connected accounts, their sources and when each last synced.
    Status,
    /// Show or change the settings the app's Settings dialog holds.
    ///
    /// Time zone, week start, the sync window and interval, working hours,
    /// the attended-time rules, the reminder and the vault. Values are
    /// checked by the same code as the Settings dialog; a refused value
    /// changes nothing. `vica config set --help` lists what each accepts.
    Config {
        #[command(subcommand)]
        command: config::ConfigCommand,
    },
    /// Fetch what changed at the providers since the last sync.
    ///
    /// Only changes are fetched (sync tokens); an interrupted sync resumes
    /// where it stopped. Demo accounts sync from the built-in demo servers.
    Sync {
        /// Only these sources (name, id or provider id; repeatable)
        #[arg(long, short, value_name = "SOURCE")]
        source: Vec<String>,
        /// Import history back to this day (YYYY-MM-DD, from 1970-01-01 up
        /// to today) after the sync; kept as the `history_since` setting, so
        /// later syncs resume an import that stopped
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
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
        Command::Sync { source, since } => sync::sync(store, &source, since.as_deref())?,
        Command::Week { week, json } => {
            let week = load_week(&store, week.as_deref())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&week)?);
            } else {
                print!("{}", render::week(&week));
            }
        }
        Command::Export {
            week,
            from,
            to,
            output,
            pattern,
            template,
            force,
            format,
        } => export::export(
            &store,
            export::ExportArgs {
                week,
                from,
                to,
                output,
                pattern,
                template,
                force,
                format,
            },
        )?,
        Command::Month { month, args } => {
            period::run(&store, PeriodKind::Month, month.as_deref(), args)?;
        }
        Command::Quarter { quarter, args } => {
            period::run(&store, PeriodKind::Quarter, quarter.as_deref(), args)?;
        }
        Command::History { weeks, json } => export::history(&store, weeks, json)?,
        Command::Account { command } => account::run(store, command)?,
        Command::Status => print!("{}", render::status(&store)?),
        Command::Config { command } => config::run(store, command)?,
    }
    Ok(())
}

fn load_week(store: &Store, week: Option<&str>) -> Result<Week> {
    Ok(vica_api::week(store, week)?)
}
