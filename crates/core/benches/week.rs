//! The week view on a ten-year cache: about 50,000 events and 30,000
//! completed tasks. Prints the median and 95th percentile of `Week::load`
//! (the few indexed queries plus the layout) and of the Markdown export of
//! the loaded week. Target: week load ≤ 1 ms median; load plus export ≤ 2 ms.
//!
//! The week load includes the trends: the twelve weeks before the week, for
//! the 4- and 12-week averages and the sparkline. Their totals are memoized
//! on the connection until the database changes, so switching to the next
//! or previous week lays out one new week; the first load after opening
//! lays out all twelve and is measured apart. The quarter roll-up
//! (`Period::load` of a calendar quarter, about 13 weeks counted by days) is
//! measured on the same cache: target ≤ 5 ms median.
//!
//! A third figure is the week view of a week holding the 50 hostile strings
//! of `tests/support/hostile.rs` (100 kB titles, 1 MB descriptions among them) as
//! titles, descriptions, locations and task contents: same ≤ 1 ms target.
//!
//! `cargo bench -p vica-core --bench week`; `scripts/bench.sh` runs it with
//! `VICA_BENCH_FIGURES` set and gathers every figure into one table.

#![allow(clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{Duration as Span, NaiveDate, TimeZone, Utc};
#[path = "support/cache.rs"]
mod cache;

use vica_core::Store;
use vica_core::period::{Period, PeriodKey};
use vica_core::settings::Settings;
use vica_core::week::{Week, WeekKey};

/// Appends one figure to the file named by `VICA_BENCH_FIGURES` (for
/// scripts/bench.sh): measure, value, unit, target, PASS/FAIL (or "-").
fn figure(measure: &str, value: f64, unit: &str, target: &str, pass: Option<bool>) {
    let Ok(path) = std::env::var("VICA_BENCH_FIGURES") else {
        return;
    };
    use std::io::Write;
    let verdict = match pass {
        Some(true) => "PASS",
        Some(false) => "FAIL",
        None => "-",
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("figures file");
    writeln!(f, "{measure}\t{value:.3}\t{unit}\t{target}\t{verdict}").expect("write figure");
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("vica.db")).expect("store");
    let t = Instant::now();
    let (events, tasks) = cache::fill(&mut store);
    let fill_ms = t.elapsed().as_secs_f64() * 1000.0;
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
    // Warm up the page cache and statement cache.
    for k in &weeks[..10] {
        Week::load(&store, *k, &settings).expect("week");
    }
    let mut load = Vec::new();
    let mut both = Vec::new();
    let mut shown = 0;
    for round in 0..5 {
        for k in &weeks {
            let t = Instant::now();
            let week = Week::load(&store, *k, &settings).expect("week");
            load.push(t.elapsed());
            let md = vica_core::export::markdown(&week);
            both.push(t.elapsed());
            if round == 0 {
                shown += week
                    .days
                    .iter()
                    .map(|d| d.events.len() + d.all_day.len())
                    .sum::<usize>();
                assert!(md.len() > 1000);
            }
        }
    }
    load.sort();
    both.sort();
    println!(
        "Cache: {events} events, {tasks} completed tasks (filled in {fill_ms:.0} ms); {} weeks sampled, {:.0} items shown per week",
        weeks.len(),
        shown as f64 / weeks.len() as f64
    );
    println!();
    println!("| measure | median ms | p95 ms | target |");
    println!("|---|---:|---:|---|");
    println!(
        "| week load (queries + layout, with last week's totals) | {:.3} | {:.3} | ≤ 1 ms median |",
        percentile(&load, 0.5),
        percentile(&load, 0.95)
    );
    println!(
        "| week load + Markdown export | {:.3} | {:.3} | ≤ 2 ms median |",
        percentile(&both, 0.5),
        percentile(&both, 0.95)
    );

    // The first week shown after opening: nothing memoized, all twelve
    // earlier weeks laid out (the store is opened outside the timing).
    let path = dir.path().join("vica.db");
    let mut cold = Vec::new();
    for k in weeks.iter().step_by(4) {
        let fresh = Store::open(&path).expect("store");
        let t = Instant::now();
        Week::load(&fresh, *k, &settings).expect("week");
        cold.push(t.elapsed());
    }
    cold.sort();
    println!(
        "| week load, first week after opening (twelve earlier weeks laid out for the trends) | {:.3} | {:.3} | - |",
        percentile(&cold, 0.5),
        percentile(&cold, 0.95)
    );

    // Quarters over the ten years, before the hostile week is added.
    let quarters: Vec<PeriodKey> = (0..40)
        .map(|i| {
            PeriodKey::quarter_of(
                NaiveDate::from_ymd_opt(2017, 1, 15).expect("date") + Span::days(i * 91),
            )
        })
        .collect();
    for q in &quarters[..5] {
        Period::load(&store, *q, &settings).expect("quarter");
    }
    let mut quarter = Vec::new();
    let mut quarter_tasks = 0u64;
    for _ in 0..3 {
        for q in &quarters {
            let t = Instant::now();
            let p = Period::load(&store, *q, &settings).expect("quarter");
            quarter.push(t.elapsed());
            quarter_tasks += u64::from(p.totals.tasks_completed);
        }
    }
    assert!(quarter_tasks > 0, "the quarters hold completed tasks");
    quarter.sort();
    println!(
        "| quarter roll-up (about 13 weeks by days: totals, weeks, busiest days, projects, reflections) | {:.3} | {:.3} | ≤ 5 ms median |",
        percentile(&quarter, 0.5),
        percentile(&quarter, 0.95)
    );

    // A week full of hostile text, in the same cache.
    let hostile_week = weeks[100];
    let monday = Utc.from_utc_datetime(
        &hostile_week
            .first_day(settings.week_start)
            .and_hms_opt(0, 0, 0)
            .expect("midnight"),
    );
    let added = cache::add_hostile(&mut store, monday);
    for _ in 0..5 {
        Week::load(&store, hostile_week, &settings).expect("week");
    }
    let mut hostile = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let week = Week::load(&store, hostile_week, &settings).expect("week");
        hostile.push(t.elapsed());
        assert!(
            week.days.iter().map(|d| d.events.len()).sum::<usize>() >= added,
            "the hostile events are in the week"
        );
    }
    hostile.sort();
    println!(
        "| week load, a week with the {added} hostile strings (100 kB titles, 1 MB descriptions) | {:.3} | {:.3} | ≤ 1 ms median |",
        percentile(&hostile, 0.5),
        percentile(&hostile, 0.95)
    );

    let (l, b, h) = (
        percentile(&load, 0.5),
        percentile(&both, 0.5),
        percentile(&hostile, 0.5),
    );
    figure(
        "week load, 10-year cache (median)",
        l,
        "ms",
        "≤ 1 ms",
        Some(l <= 1.0),
    );
    figure(
        "week load + Markdown export (median)",
        b,
        "ms",
        "≤ 2 ms",
        Some(b <= 2.0),
    );
    let c = percentile(&cold, 0.5);
    figure(
        "week load, first after opening (median)",
        c,
        "ms",
        "-",
        None,
    );
    let q = percentile(&quarter, 0.5);
    figure(
        "quarter roll-up, 10-year cache (median)",
        q,
        "ms",
        "≤ 5 ms",
        Some(q <= 5.0),
    );
    figure(
        "week load, hostile week (median)",
        h,
        "ms",
        "≤ 1 ms",
        Some(h <= 1.0),
    );
}
