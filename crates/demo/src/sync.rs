//! The demo synced as a real account is: the demo world served by the fake
//! providers on loopback and pulled through the real clients and engine, so
//! the demo exercises the same path as a real account.
//!
//! Google Calendar goes through [`vica_fakes::google::FakeGoogle`], Microsoft
//! Outlook through [`vica_fakes::graph::FakeGraph`] and Todoist through
//! [`vica_fakes::todoist::FakeTodoist`]; any other provider's accounts are
//! written with the store's sync write path.

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use vica_core::Store;
use vica_core::demo::{self, DemoAccount};
use vica_core::model::Provider as ProviderKind;
use vica_fakes::google::FakeGoogle;
use vica_fakes::graph::FakeGraph;
use vica_fakes::todoist::FakeTodoist;
use vica_sync::engine::{Engine, Progress, SyncOptions, SyncReport};
use vica_sync::google::{Google, GoogleConfig};
use vica_sync::http::StaticToken;
use vica_sync::outlook::{Outlook, OutlookConfig};
use vica_sync::provider::Provider;
use vica_sync::todoist::{Todoist, TodoistConfig};
use vica_sync::{Result, SyncError};

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
    let of = |p: ProviderKind| -> Vec<DemoAccount> {
        world.iter().filter(|a| a.provider == p).cloned().collect()
    };
    let engine = Engine::new(store.clone(), SyncOptions::default());
    let mut report = DemoReport::default();

    let google = of(ProviderKind::Google);
    let fake = FakeGoogle::start()
        .await
        .map_err(|e| cannot_start("Google Calendar", &e))?;
    fake.load_demo(&google);
    let mut config = GoogleConfig::new(&fake.base_url())?;
    config.page_size = 250;
    let client: Arc<dyn Provider> = Arc::new(Google::new(
        config,
        Arc::new(StaticToken::new(vica_fakes::google::DEFAULT_ACCESS_TOKEN)),
    )?);
    sync_accounts(&store, &engine, &google, client, &progress, &mut report).await?;
    fake.shutdown();

    let microsoft = of(ProviderKind::Microsoft);
    let fake = FakeGraph::start()
        .await
        .map_err(|e| cannot_start("Microsoft Outlook", &e))?;
    fake.load_demo(&microsoft);
    let client: Arc<dyn Provider> = Arc::new(Outlook::new(
        OutlookConfig::new(&fake.base_url())?,
        Arc::new(StaticToken::new(vica_fakes::graph::DEFAULT_ACCESS_TOKEN)),
    )?);
    sync_accounts(&store, &engine, &microsoft, client, &progress, &mut report).await?;
    fake.shutdown();

    let todoist = of(ProviderKind::Todoist);
    let fake = FakeTodoist::start()
        .await
        .map_err(|e| cannot_start("Todoist", &e))?;
    fake.load_demo(&todoist);
    // The demo's account keeps all of its activity, so its past weeks carry
    // no "completions may be missing" notes.
    fake.set_plan(vica_fakes::todoist::Plan::PRO);
    let client: Arc<dyn Provider> = Arc::new(Todoist::new(
        TodoistConfig::new(&fake.base_url())?,
        Arc::new(StaticToken::new(vica_fakes::todoist::DEFAULT_ACCESS_TOKEN)),
    )?);
    sync_accounts(&store, &engine, &todoist, client, &progress, &mut report).await?;
    fake.shutdown();

    let others: Vec<DemoAccount> = world
        .iter()
        .filter(|a| {
            !matches!(
                a.provider,
                ProviderKind::Google | ProviderKind::Microsoft | ProviderKind::Todoist
            )
        })
        .cloned()
        .collect();
    let installed = demo::install_world(&mut lock(&store), &others)?;
    report.accounts += installed.accounts;
    report.sources += installed.sources;
    report.items += (installed.events + installed.tasks) as u64;
    Ok(report)
}

/// Adds (or finds) each demo account and syncs it through `client`, which
/// talks to the fake serving these accounts.
async fn sync_accounts(
    store: &Arc<Mutex<Store>>,
    engine: &Engine,
    accounts: &[DemoAccount],
    client: Arc<dyn Provider>,
    progress: &Progress,
    report: &mut DemoReport,
) -> Result<()> {
    for account in accounts {
        let id = lock(store)
            .add_account(account.provider, &account.label, None, true)?
            .id;
        let r = engine
            .sync_account(id, client.clone(), None, progress.clone())
            .await;
        report.accounts += 1;
        report.sources += r.sources.len();
        report.items += r.sources.iter().map(|s| s.written).sum::<u64>();
        report.reports.push(r);
    }
    Ok(())
}

fn cannot_start(provider: &'static str, e: &std::io::Error) -> SyncError {
    SyncError::Network {
        provider,
        detail: format!("cannot start the demo server: {e}"),
    }
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_demo_goes_through_every_fake_and_converges_when_run_again() {
        let store = Arc::new(Mutex::new(Store::open_in_memory().unwrap()));
        let today = chrono::Utc::now().date_naive();
        let first = sync_demo(store.clone(), today, Arc::new(|_| {}))
            .await
            .unwrap();
        assert!(first.reports.iter().all(SyncReport::is_ok), "{first:?}");
        assert_eq!((first.accounts, first.sources), (3, 5));
        let counts = |store: &Arc<Mutex<Store>>| {
            let s = lock(store);
            s.sources()
                .unwrap()
                .iter()
                .map(|src| (src.provider_id.clone(), s.item_counts(src.id).unwrap()))
                .collect::<Vec<_>>()
        };
        let before = counts(&store);
        let tz = lock(&store).settings().unwrap().zone();
        for account in demo::world(today, tz) {
            for source in account.sources {
                let (events, tasks) = before
                    .iter()
                    .find(|(id, _)| *id == source.record.provider_id)
                    .map(|(_, c)| *c)
                    .unwrap();
                let live = source
                    .events
                    .iter()
                    .filter(|e| e.status != vica_core::model::EventStatus::Cancelled)
                    .count();
                assert!(events as usize >= live, "{}", source.record.name);
                assert_eq!(tasks as usize, source.tasks.len(), "{}", source.record.name);
            }
        }
        let again = sync_demo(store.clone(), today, Arc::new(|_| {}))
            .await
            .unwrap();
        assert!(again.reports.iter().all(SyncReport::is_ok), "{again:?}");
        assert_eq!(
            counts(&store),
            before,
            "running the demo again changes nothing"
        );
    }
}
