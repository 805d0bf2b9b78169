//! Criterion versions of the week figures, for change-to-change comparison
//! (`cargo bench -p vica-core --bench criterion`; reports in
//! target/criterion): the week view on the ten-year cache, the week plus its
//! Markdown export, and the week holding the hostile strings. The one-table
//! summary with targets is `scripts/bench.sh`.
#![allow(clippy::expect_used)]

#[path = "support/cache.rs"]
mod cache;

use chrono::{Duration as Span, NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use vica_core::Store;
use vica_core::settings::Settings;
use vica_core::week::{Week, WeekKey};

fn week_view(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("vica.db")).expect("store");
    cache::fill(&mut store);
    let settings = Settings {
        time_zone: Some("Europe/Berlin".into()),
        ..Settings::default()
    };
    let weeks: Vec<WeekKey> = (0..200)
        .map(|i| {
            WeekKey::containing(
                NaiveDate::from_ymd_opt(2017, 3, 6).expect("date") + Span::weeks(i * 2),
                settings.week_start,
            )
        })
        .collect();
    let mut i = 0;
    c.bench_function("week load, 10-year cache", |b| {
        b.iter(|| {
            i = (i + 1) % weeks.len();
            Week::load(&store, weeks[i], &settings).expect("week")
        })
    });
    c.bench_function("week load + Markdown export", |b| {
        b.iter(|| {
            i = (i + 1) % weeks.len();
            let week = Week::load(&store, weeks[i], &settings).expect("week");
            vica_core::export::markdown(&week)
        })
    });
    let hostile = weeks[100];
    let monday = Utc.from_utc_datetime(
        &hostile
            .first_day(settings.week_start)
            .and_hms_opt(0, 0, 0)
            .expect("midnight"),
    );
    cache::add_hostile(&mut store, monday);
    c.bench_function("week load, hostile week", |b| {
        b.iter(|| Week::load(&store, hostile, &settings).expect("week"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = week_view
}
criterion_main!(benches);
