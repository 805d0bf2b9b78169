//! Demo mode: the demo world served by the fake providers on loopback and
//! pulled through the real clients and engine, so the demo exercises the same
//! path as a real account.
//!
//! Google Calendar goes through [`vica_fakes::google::FakeGoogle`]. Outlook and
//! Todoist are written with the store's sync write path until their fakes
//! and clients exist.

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use vica_core::Store;
use vica_core::model::Provider as ProviderKind;
use vica_fakes::demo::{self, DemoAccount};
use vica_fakes::google::{DEFAULT_ACCESS_TOKEN, FakeGoogle};

use crate::engine::{Engine, Progress, SyncOptions, SyncReport};
use crate::error::{Result, SyncError};
use crate::google::{Google, GoogleConfig};
use crate::http::StaticToken;

/// What a demo sync did.
#[derive(Debug, Clone, Default)]
pub struct DemoReport {
    pub accounts: usize,
    pub sources: usize,
    pub items: u64,
    pub reports: Vec<SyncReport>,
}

/// Loads (or refreshes) the demo data for `today` in the store's time zone.
pub async fn sync_demo(
    store: Arc<Mutex<Store>>,
    today: NaiveDate,
    progress: Progress,
) -> Result<DemoReport> {
    let tz = lock(&store).settings()?.zone();
    let world = demo::world(today, tz);
    let (google, others): (Vec<DemoAccount>, Vec<DemoAccount>) = world
        .into_iter()
        .partition(|a| a.provider == ProviderKind::Google);
    let mut report = DemoReport::default();

    let fake = FakeGoogle::start().await.map_err(|e| SyncError::Network {
        provider: "Google Calendar",
        detail: format!("cannot start the demo server: {e}"),
    })?;
    fake.load_demo(&google);
    let engine = Engine::new(store.clone(), SyncOptions::default());
    for account in &google {
        let id = lock(&store)
            .add_account(account.provider, &account.label, None, true)?
            .id;
        let mut config = GoogleConfig::new(&fake.base_url())?;
        config.page_size = 250;
        let client = Arc::new(Google::new(
            config,
            Arc::new(StaticToken::new(DEFAULT_ACCESS_TOKEN)),
        )?);
        let r = engine
            .sync_account(id, client, None, progress.clone())
            .await;
        report.accounts += 1;
        report.sources += r.sources.len();
        report.items += r.sources.iter().map(|s| s.written).sum::<u64>();
        report.reports.push(r);
    }
    fake.shutdown();

    let installed = demo::install_world(&mut lock(&store), &others)?;
    report.accounts += installed.accounts;
    report.sources += installed.sources;
    report.items += (installed.events + installed.tasks) as u64;
    Ok(report)
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|e| e.into_inner())
}
