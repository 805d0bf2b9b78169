//! `vica account add|list|remove`: connecting accounts from the terminal.
//!
//! Tokens go to the OS keychain; the database keeps the entry's name. The
//! OAuth client ids come from `oauth.toml` in the config dir or from
//! `VICA_GOOGLE_CLIENT_ID` and friends (docs/oauth-setup.md).

use std::io::{IsTerminal, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use vica_api::accounts::{AccountState, AccountView};
use vica_core::Store;
use vica_core::model::{Account, Provider};
use vica_sync::accounts::{CachedData, ConnectOptions};
use vica_sync::oauth::{OAuthConfig, Revocation};
use vica_sync::secrets::{Keychain, SecretStore, Sensitive};

use crate::render;

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Connect an account: sign in at the provider in your browser.
    ///
    /// Vica prints the sign-in address and opens it in your browser, then
    /// waits for the provider to send the browser back to Vica (on
    /// 127.0.0.1). The account's tokens are kept in the OS keychain.
    ///
    /// An ICS calendar needs no sign-in: `vica account add ics PATH|URL`
    /// with an .ics file, a folder of .ics files, or an https:// or
    /// webcal:// subscription address.
    Add {
        /// google, microsoft, todoist or ics
        #[arg(value_enum)]
        provider: ProviderArg,
        /// ics only: the .ics file or folder, or the https:// / webcal:// address
        #[arg(value_name = "PATH|URL")]
        location: Option<String>,
        /// Todoist only: use a personal API token instead of signing in
        /// (read from standard input, or asked for without echo)
        #[arg(long)]
        token: bool,
        /// Only print the sign-in address; do not open a browser
        #[arg(long)]
        no_browser: bool,
        /// How long to wait for the sign-in to finish
        #[arg(long, value_name = "SECONDS", default_value_t = 300)]
        timeout: u64,
    },
    /// List connected accounts.
    List {
        /// Print the accounts as JSON
        #[arg(long)]
        json: bool,
    },
    /// Disconnect an account: revoke Vica's access at the provider, delete
    /// its tokens from the keychain, and keep or delete its cached data.
    Remove {
        /// The account's id or label (`vica account list` shows them)
        account: String,
        /// Keep its cached events and tasks (the account stays, marked for reconnecting)
        #[arg(long, conflicts_with = "delete_data")]
        keep_data: bool,
        /// Delete the account with its sources, events and tasks
        #[arg(long)]
        delete_data: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProviderArg {
    Google,
    Microsoft,
    Todoist,
    Ics,
}

impl From<ProviderArg> for Provider {
    fn from(p: ProviderArg) -> Provider {
        match p {
            ProviderArg::Google => Provider::Google,
            ProviderArg::Microsoft => Provider::Microsoft,
            ProviderArg::Todoist => Provider::Todoist,
            ProviderArg::Ics => Provider::Ics,
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

pub fn run(store: Store, command: AccountCommand) -> Result<()> {
    match command {
        AccountCommand::Add {
            provider: ProviderArg::Ics,
            location,
            ..
        } => add_ics(store, location.as_deref()),
        AccountCommand::Add {
            provider,
            location,
            token,
            no_browser,
            timeout,
        } => {
            if location.is_some() {
                bail!("a path or address is only for `vica account add ics`");
            }
            add(store, provider.into(), token, no_browser, timeout)
        }
        AccountCommand::List { json } => list(&store, json),
        AccountCommand::Remove {
            account,
            keep_data,
            delete_data,
        } => remove(store, &account, keep_data, delete_data),
    }
}

/// `vica account add ics PATH|URL`: no sign-in; a subscription address goes
/// to the keychain (it is a secret), a file or folder is named by its path.
fn add_ics(store: Store, location: Option<&str>) -> Result<()> {
    let Some(location) = location else {
        bail!(
            "give the calendar: `vica account add ics PATH|URL` (an .ics file, a folder of .ics files, or an https:// or webcal:// address)"
        );
    };
    let secrets: Arc<dyn SecretStore> = Arc::new(Keychain::new());
    let store = Mutex::new(store);
    let account =
        runtime()?.block_on(vica_api::accounts::connect_ics(&store, &secrets, location))?;
    println!(
        "Connected ICS calendar {} (id {}). Run `vica sync` to fetch it.",
        account.label, account.id
    );
    Ok(())
}

fn add(
    store: Store,
    provider: Provider,
    token: bool,
    no_browser: bool,
    timeout: u64,
) -> Result<()> {
    let result = connect(store, provider, token, no_browser, timeout);
    if let Err(e) = &result
        && e.downcast_ref::<vica_api::Error>()
            .is_some_and(|e| e.code() == "not_configured")
        && let Ok(dir) = vica_core::paths::config_dir()
    {
        eprintln!(
            "note: Vica's OAuth config file is {}",
            dir.join(vica_sync::oauth::CONFIG_FILE).display()
        );
    }
    result
}

fn connect(
    store: Store,
    provider: Provider,
    token: bool,
    no_browser: bool,
    timeout: u64,
) -> Result<()> {
    let config = OAuthConfig::load_default()?;
    let secrets: Arc<dyn SecretStore> = Arc::new(Keychain::new());
    let store = Mutex::new(store);
    let rt = runtime()?;
    let account = if token {
        if provider != Provider::Todoist {
            bail!(
                "--token is for Todoist's personal API token; sign in to {} without it",
                provider.display_name()
            );
        }
        let token = read_token()?;
        rt.block_on(vica_api::accounts::connect_token(
            &store, &secrets, &config, provider, token,
        ))?
    } else {
        let options = ConnectOptions {
            timeout: Duration::from_secs(timeout.max(1)),
        };
        let name = provider.display_name();
        rt.block_on(vica_api::accounts::connect(
            &store,
            &secrets,
            &config,
            provider,
            &options,
            |url| {
                eprintln!("To connect {name}, sign in here:\n\n  {url}\n");
                if no_browser {
                    eprintln!("Open that address in a browser on this computer.");
                } else if let Err(e) = open::that_detached(url) {
                    eprintln!("Could not open a browser ({e}); open the address above yourself.");
                } else {
                    eprintln!("Opened your browser.");
                }
                eprintln!(
                    "Waiting for the sign-in to finish (up to {})…",
                    human(options.timeout)
                );
            },
        ))?
    };
    println!(
        "Connected {} account {} (id {}). Run `vica sync` to fetch it.",
        account.provider_name, account.label, account.id
    );
    Ok(())
}

/// A personal API token from standard input, or asked for without echo.
fn read_token() -> Result<Sensitive<String>> {
    let token = if std::io::stdin().is_terminal() {
        eprintln!("Paste your Todoist API token (Settings → Integrations → Developer).");
        rpassword::prompt_password("API token: ").context("cannot read the token")?
    } else {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read the token from standard input")?;
        s
    };
    let token = token.trim().to_owned();
    if token.is_empty() {
        bail!("no token given");
    }
    Ok(Sensitive::new(token))
}

/// The account's state in words: the state the app shows (`vica_api::accounts`).
fn state(a: &AccountView) -> String {
    let demo = if a.is_demo { " (demo)" } else { "" };
    match (a.state, &a.reason, &a.error) {
        (AccountState::Connected, _, _) => format!("connected{demo}"),
        (AccountState::NeedsReconnect, _, _) if a.disconnected => "disconnected".into(),
        (AccountState::NeedsReconnect, Some(why), _) => {
            format!("needs reconnect: {}", render::one_line(why))
        }
        (AccountState::NeedsReconnect, None, _) => "needs reconnect".into(),
        (AccountState::Error, _, Some(e)) => format!("error: {}", render::one_line(e)),
        (AccountState::Error, _, None) => "error".into(),
    }
}

fn list(store: &Store, json: bool) -> Result<()> {
    let accounts = vica_api::accounts::list(store)?;
    if json {
        // The accounts as the app's Accounts screen receives them.
        println!("{}", serde_json::to_string_pretty(&accounts)?);
        return Ok(());
    }
    if accounts.is_empty() {
        println!("No accounts. Connect one with `vica account add google|microsoft|todoist|ics`.");
        return Ok(());
    }
    let width = accounts
        .iter()
        .map(|a| a.label.chars().count())
        .max()
        .unwrap_or(0);
    for a in &accounts {
        println!(
            "{:>4}  {:<18} {:<width$}  {}",
            a.id,
            a.provider_name,
            a.label,
            state(a)
        );
    }
    Ok(())
}

fn ask_keep(account: &Account) -> Result<CachedData> {
    if !std::io::stdin().is_terminal() {
        bail!("say what to do with its cached events and tasks: --keep-data or --delete-data");
    }
    eprint!(
        "Keep {}'s cached events and tasks so past weeks still show them? [Y/n] ",
        account.label
    );
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(match answer.trim().to_ascii_lowercase().as_str() {
        "n" | "no" => CachedData::Delete,
        _ => CachedData::Keep,
    })
}

fn remove(store: Store, wanted: &str, keep: bool, delete: bool) -> Result<()> {
    let account = vica_api::accounts::find(&store, wanted)?;
    let data = match (keep, delete) {
        (true, _) => CachedData::Keep,
        (_, true) => CachedData::Delete,
        _ => ask_keep(&account)?,
    };
    let secrets: Arc<dyn SecretStore> = Arc::new(Keychain::new());
    let store = Mutex::new(store);
    let done = runtime()?.block_on(vica_api::accounts::disconnect(
        &store, &secrets, account.id, data,
    ))?;
    let name = account.provider.display_name();
    println!("Disconnected {name} account {}.", account.label);
    match &done.revocation {
        Some(Revocation::Revoked) => println!("  Access revoked at {name}."),
        Some(Revocation::NotSupported(why)) => println!("  Not revoked: {why}."),
        Some(Revocation::Failed(why)) => println!(
            "  Revoking at {name} failed ({why}); remove Vica's access in your {name} account settings."
        ),
        None => {}
    }
    if done.keychain_entry_deleted {
        println!("  Its tokens were deleted from the keychain.");
    }
    match data {
        CachedData::Keep => println!(
            "  Its cached events and tasks are kept; `vica account add {}` reconnects it.",
            account.provider.as_str()
        ),
        CachedData::Delete => println!("  Its cached events and tasks were deleted."),
    }
    Ok(())
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 120 {
        format!("{} minutes", s.div_ceil(60))
    } else {
        format!("{s} seconds")
    }
}
