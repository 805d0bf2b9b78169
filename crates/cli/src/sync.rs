//! `vica demo` and `vica sync`: pulling provider data with progress bars.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Result, bail};
use chrono::Utc;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use vica_core::Store;
use vica_sync::accounts::provider_for;
use vica_sync::engine::Progress;
use vica_sync::oauth::OAuthConfig;
use vica_sync::secrets::{Keychain, SecretStore};
use vica_sync::{Engine, SyncEvent, SyncOptions, SyncReport};

/// Progress bars on standard error, one per source.
fn progress_bars() -> Progress {
    let multi = MultiProgress::new();
    let bars: Mutex<HashMap<i64, ProgressBar>> = Mutex::new(HashMap::new());
    let style = ProgressStyle::with_template("{spinner} {prefix:<24} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    Arc::new(move |event| {
        let mut bars = bars.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            SyncEvent::SourceStarted { source_id, name } => {
                let bar = multi.add(
                    ProgressBar::new_spinner()
                        .with_style(style.clone())
                        .with_prefix(name),
                );
                bar.enable_steady_tick(Duration::from_millis(120));
                bar.set_message("starting");
                bars.insert(source_id, bar);
            }
            SyncEvent::PageWritten {
                source_id,
                pages,
                items,
            } => {
                if let Some(bar) = bars.get(&source_id) {
                    bar.set_message(format!("{pages} pages, {items} items"));
                }
            }
            SyncEvent::SourceFinished { source_id, error } => {
                if let Some(bar) = bars.remove(&source_id) {
                    match error {
                        None => bar.finish_with_message(format!("✓ {}", bar.message())),
                        Some(e) => bar.abandon_with_message(format!("✗ {e}")),
                    }
                }
            }
        }
    })
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// `vica demo`.
pub fn demo(store: Store) -> Result<()> {
    let store = Arc::new(Mutex::new(store));
    let today = {
        let s = store.lock().unwrap_or_else(|e| e.into_inner());
        Utc::now().with_timezone(&s.settings()?.zone()).date_naive()
    };
    let report = runtime()?.block_on(vica_sync::demo::sync_demo(
        store.clone(),
        today,
        progress_bars(),
    ))?;
    let failed = print_failures(&report.reports);
    println!(
        "Loaded the demo data: {} accounts, {} sources, {} items, synced from the built-in demo servers",
        report.accounts, report.sources, report.items
    );
    if failed > 0 {
        bail!("{failed} sources failed to sync");
    }
    Ok(())
}

/// `vica sync`: every account (or the sources named in `only`).
pub fn sync(store: Store, only: &[String]) -> Result<()> {
    let accounts = store.accounts()?;
    if accounts.is_empty() {
        bail!("no accounts yet: run `vica demo` to try Vica with demo data");
    }
    let sources = store.sources()?;
    let ids: Option<Vec<i64>> = (!only.is_empty()).then(|| {
        sources
            .iter()
            .filter(|s| {
                only.iter()
                    .any(|o| o == &s.name || o == &s.id.to_string() || o == &s.provider_id)
            })
            .map(|s| s.id)
            .collect()
    });
    if ids.as_ref().is_some_and(Vec::is_empty) {
        bail!(
            "no source matches {}; `vica status` lists them",
            only.join(", ")
        );
    }
    let settings = store.settings()?;
    let options = SyncOptions::from_settings(&settings);
    let store = Arc::new(Mutex::new(store));
    let rt = runtime()?;
    if accounts.iter().any(|a| a.is_demo) {
        let today = Utc::now().date_naive();
        let report = rt.block_on(vica_sync::demo::sync_demo(
            store.clone(),
            today,
            progress_bars(),
        ))?;
        print_failures(&report.reports);
    }
    let engine = Engine::new(store.clone(), options);
    let oauth = OAuthConfig::load_default()?;
    let secrets: Arc<dyn SecretStore> = Arc::new(Keychain::new());
    let mut failed = 0;
    for account in accounts.iter().filter(|a| !a.is_demo) {
        let provider = match provider_for(account, &oauth, secrets.clone(), settings.zone()) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{}: skipped: {e}", account.label);
                failed += 1;
                continue;
            }
        };
        let report =
            rt.block_on(engine.sync_account(account.id, provider, ids.as_deref(), progress_bars()));
        failed += print_failures(std::slice::from_ref(&report));
    }
    if failed > 0 {
        bail!("{failed} sources failed to sync; `vica status` shows their errors");
    }
    Ok(())
}

fn print_failures(reports: &[SyncReport]) -> usize {
    let mut failed = 0;
    for r in reports {
        if let Some(e) = &r.error {
            eprintln!("error: {e}");
            failed += 1;
        }
        for s in &r.sources {
            if let Some(e) = &s.error {
                eprintln!("error: {}: {e}", s.name);
                failed += 1;
            }
            for (id, why) in &s.rejected {
                eprintln!("warning: {}: skipped item {id}: {why}", s.name);
            }
        }
    }
    failed
}
