//! `vica demo` and `vica sync`: the application layer's sync, rendered as
//! progress bars on standard error.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Result, bail};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use vica_api::sync::SyncRequest;
use vica_core::Store;
use vica_sync::engine::Progress;
use vica_sync::import::Cancel;
use vica_sync::oauth::OAuthConfig;
use vica_sync::secrets::{Keychain, SecretStore};
use vica_sync::{SyncEvent, SyncReport};

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
            SyncEvent::HistoryProgress {
                source_id,
                since,
                reached,
                items,
            } => {
                let bar = bars.entry(-source_id).or_insert_with(|| {
                    let bar = multi.add(
                        ProgressBar::new_spinner()
                            .with_style(style.clone())
                            .with_prefix(format!("history of source {source_id}")),
                    );
                    bar.enable_steady_tick(Duration::from_millis(120));
                    bar
                });
                bar.set_message(format!(
                    "back to {} of {since}, {items} items",
                    reached.date_naive()
                ));
            }
            SyncEvent::HistoryFinished {
                source_id,
                since,
                reached,
                stopped,
            } => {
                if let Some(bar) = bars.remove(&-source_id) {
                    match stopped {
                        None => bar.finish_with_message(format!("✓ history back to {since}")),
                        Some(why) => bar.abandon_with_message(format!(
                            "✗ stopped at {} ({why}); the next sync resumes there",
                            reached.date_naive()
                        )),
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

/// `vica demo`: loads the demo for the user's today (`vica_api::demo`).
pub fn demo(store: Store) -> Result<()> {
    let store = Arc::new(Mutex::new(store));
    let report = runtime()?.block_on(vica_api::demo::load(&store, progress_bars()))?;
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

/// `vica sync`: every account (or the sources named in `only`), as the app
/// syncs them (`vica_api::sync::sync_all`), then the history import
/// (`vica_api::sync::import_history`) back to `since` (saved as the
/// `history_since` setting) or the setting's day.
pub fn sync(mut store: Store, only: &[String], since: Option<&str>) -> Result<()> {
    if let Some(since) = since {
        // Refused before anything syncs: a date in the future or before 1970.
        vica_api::settings::parse_history_since(since)?;
    }
    if store.accounts()?.is_empty() {
        bail!("no accounts yet: run `vica demo` to try Vica with demo data");
    }
    if let Some(since) = since {
        vica_api::settings::set(&mut store, "history_since", since)?;
    }
    let request = SyncRequest {
        demo: false,
        only: if only.is_empty() {
            None
        } else {
            Some(vica_api::sync::sources_named(&store, only)?)
        },
    };
    let store = Arc::new(Mutex::new(store));
    let secrets: Arc<dyn SecretStore> = Arc::new(Keychain::new());
    let oauth = OAuthConfig::load_default();
    let rt = runtime()?;
    let summary = rt.block_on(vica_api::sync::sync_all(
        &store,
        &secrets,
        &oauth,
        &request,
        progress_bars(),
    ))?;
    if let Some(e) = &summary.ics_not_secured {
        eprintln!("ICS calendar addresses were not moved to the keychain: {e}");
    }
    for failure in &summary.failures {
        match &failure.account {
            Some(label) => eprintln!("{label}: skipped: {}", failure.error),
            None => eprintln!("error: the demo: {}", failure.error),
        }
    }
    print_failures(&summary.reports);
    let imported = rt.block_on(vica_api::sync::import_history(
        &store,
        &secrets,
        &oauth,
        &request,
        progress_bars(),
        &Cancel::new(),
    ))?;
    for failure in &imported.failures {
        if let Some(label) = &failure.account {
            eprintln!("{label}: history not imported: {}", failure.error);
        }
    }
    for report in imported.stopped() {
        eprintln!(
            "{}: history import stopped at {} ({}); the next `vica sync` resumes there",
            report.name,
            report.reached.date_naive(),
            report.stopped.as_deref().unwrap_or_default()
        );
    }
    let failed = summary.failed();
    if failed > 0 {
        let offline = if summary.outcome().offline {
            " (offline: no provider could be reached)"
        } else {
            ""
        };
        bail!("{failed} sources failed to sync{offline}; `vica status` shows their errors");
    }
    let stopped = imported.stopped().count() + imported.failures.len();
    if stopped > 0 {
        bail!(
            "the history import of {stopped} sources stopped short; run `vica sync` again to resume"
        );
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
