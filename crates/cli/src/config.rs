//! `vica config list|get|set`: the settings from the terminal, validated by
//! the same code as the app's Settings dialog (`vica_api::settings`).

use anyhow::Result;
use clap::Subcommand;
use vica_core::Store;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Show every setting with its value.
    List {
        /// Print the settings as JSON (as the app's Settings dialog receives them)
        #[arg(long)]
        json: bool,
    },
    /// Show one setting's value, written as `vica config set` accepts it.
    Get {
        /// The setting (`vica config list` shows them all)
        key: String,
    },
    /// Change one setting. Checked like the app's Settings dialog: a value
    /// that is refused changes nothing, and the error says what is accepted.
    #[command(after_long_help = SET_HELP)]
    Set {
        /// The setting (see below)
        key: String,
        /// Its new value (see below)
        value: String,
    },
}

/// What each key accepts (`vica config set --help`).
const SET_HELP: &str = "\
Settings and the values they accept:
  time_zone                      an IANA name like Europe/Berlin, or system
  week_start                     monday or sunday
  sync_interval_minutes          minutes between syncs in the app, 1 to 1440
  sync_weeks_back                how far back a first sync reaches, 1 to 520 weeks
  sync_weeks_ahead               how far ahead it reaches, 1 to 104 weeks
  show_declined                  true or false
  working_hours.start            HH:MM, like 09:00
  working_hours.end              HH:MM, after the start, like 17:00
  working_hours.days             weekday names separated by commas, like monday,tuesday
  time_rules.count_tentative     true or false: events answered \"maybe\" count
  time_rules.count_unanswered    true or false: unanswered invitations count
  time_rules.solo_is_focus       true or false: events with no other attendee are focus
  time_rules.personal_sources    source ids separated by commas (`vica status`), or none
  time_rules.title_rules         a JSON list of {\"pattern\", \"assign\"}, first match wins;
                                 assign: excluded, meetings, focus, personal or other; or none
  reminder                       a weekday and a time, like \"friday 16:30\", or off
  vault_pattern                  the note's path in the vault: {year}, {week}, {start}, {end}, ending in .md
  vault_period_pattern           a month's or quarter's note in the vault: {period}, {year}, {start}, {end}, ending in .md
  vault_dir                      an existing folder (made absolute), or \"\" to clear it

Examples:
  vica config set time_zone Europe/Berlin
  vica config set working_hours.days monday,tuesday,wednesday,thursday
  vica config set time_rules.title_rules '[{\"pattern\":\"lunch\",\"assign\":\"excluded\"}]'
  vica config set vault_dir ~/Notes";

pub fn run(mut store: Store, command: ConfigCommand) -> Result<()> {
    match command {
        ConfigCommand::List { json } => {
            let settings = vica_api::settings::get(&store)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&settings)?);
                return Ok(());
            }
            let list = vica_api::settings::list(&settings);
            let width = list.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            for (key, value) in list {
                println!("{key:<width$}  {value}");
            }
        }
        ConfigCommand::Get { key } => {
            let settings = vica_api::settings::get(&store)?;
            println!("{}", vica_api::settings::value(&settings, &key)?);
        }
        ConfigCommand::Set { key, value } => {
            let saved = vica_api::settings::set(&mut store, &key, &value)?;
            println!("{key} = {}", vica_api::settings::value(&saved, &key)?);
        }
    }
    Ok(())
}
