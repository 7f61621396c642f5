//! Criterion benches of the one-scan profiler on fixed, generated data.
//!
//! `cargo bench --bench profile` profiles 2,000,000 generated order rows (12 columns, 10 files
//! in 5 daily partitions) with every metric of every field, and measures the footer-only path.
//! Throughput is reported in rows per second. Set `PLIMSOLL_BENCH_ROWS` to change the size.
//! Under `cargo test` the bench runs once on 50,000 rows, as a smoke test.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use plimsoll::generate::{OrdersSpec, write_orders};
use std::path::PathBuf;
use std::time::Duration;

fn rows() -> usize {
    let benching = std::env::args().any(|a| a == "--bench");
    std::env::var("PLIMSOLL_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benching { 2_000_000 } else { 50_000 })
}

/// Generates the bench table once per size under `bench/data/` (ignored by git).
fn table(rows: usize) -> PathBuf {
    let days = 5;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("bench/data")
        .join(format!("orders-{rows}"));
    if !dir.join("done").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        let spec = OrdersSpec {
            days,
            rows_per_day: rows / days as usize,
            channel_from_day: 3,
            ..OrdersSpec::default()
        };
        write_orders(&dir, &spec).expect("generate bench data");
        std::fs::write(dir.join("done"), b"").expect("mark bench data complete");
    }
    dir
}

fn bench(c: &mut Criterion) {
    let rows = rows();
    let dir = table(rows);
    let location = dir.to_str().expect("UTF-8 path").to_string();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let ctx = plimsoll::Context::default();
    let what = plimsoll::source::SourceRef::new(&location);
    let source = rt
        .block_on(plimsoll::source::Source::open(&ctx, &what, &[]))
        .expect("open bench table");
    let actual_rows = source.row_count();
    let columns = plimsoll::profile::resolve_columns(&source, None).expect("columns");

    let mut g = c.benchmark_group("profile");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(actual_rows));
    g.bench_function(format!("all_fields/{actual_rows}_rows"), |b| {
        b.iter(|| {
            rt.block_on(plimsoll::profile::profile(&ctx, &source, &columns))
                .expect("profile")
        })
    });
    g.bench_function(format!("footers_only/{actual_rows}_rows"), |b| {
        b.iter(|| {
            let s = rt
                .block_on(plimsoll::source::Source::open(&ctx, &what, &[]))
                .expect("open");
            rt.block_on(plimsoll::profile::profile(&ctx, &s, &[]))
                .expect("profile")
        })
    });
    // Null counts, min and max of every column from the footers' statistics, opening the
    // source (listing and footers) included.
    g.bench_function(format!("footer_statistics/{actual_rows}_rows"), |b| {
        b.iter(|| {
            let s = rt
                .block_on(plimsoll::source::Source::open(&ctx, &what, &[]))
                .expect("open");
            let columns = plimsoll::profile::resolve_columns(&s, None).expect("columns");
            plimsoll::profile::metadata::facts(&s, &columns).expect("facts")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
