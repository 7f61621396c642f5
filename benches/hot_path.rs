//! Criterion benches of the hot path, each on fixed generated data with `Throughput` set:
//! the per-batch update of the profile accumulator for each type (with and without nulls),
//! merging profiles, PSI from two profiles, and evaluating a contract over a profile.
//!
//! `cargo bench --bench hot_path`; under `cargo test` each runs once as a smoke test.

use arrow::array::*;
use arrow::datatypes::Int32Type;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use plimsoll::generate::Rng;
use plimsoll::profile::FieldProfile;
use plimsoll::profile::accumulate::update;
use std::hint::black_box;
use std::sync::Arc;

const BATCH: usize = 8192;

/// One batch per type, with `null_share` of nulls.
fn batches(null_share: f64) -> Vec<(&'static str, ArrayRef)> {
    let mut rng = Rng::new(7);
    let mut keep = move || rng.f64() >= null_share;
    let mut r = Rng::new(8);
    let ints: Int64Array = (0..BATCH)
        .map(|i| keep().then_some(i as i64 * 7 % 5_000))
        .collect();
    let floats: Float64Array = (0..BATCH)
        .map(|_| keep().then(|| r.normal() * 50.0 + 100.0))
        .collect();
    let strings: StringViewArray = (0..BATCH)
        .map(|i| keep().then(|| format!("ord-{i:08}")))
        .collect();
    let enums: StringViewArray = (0..BATCH)
        .map(|i| keep().then_some(["pending", "shipped", "cancelled"][i % 3]))
        .collect();
    let ts = TimestampMicrosecondArray::from(
        (0..BATCH)
            .map(|i| keep().then_some(1_700_000_000_000_000 + i as i64 * 1_000))
            .collect::<Vec<_>>(),
    )
    .with_timezone("UTC");
    let dict: DictionaryArray<Int32Type> = (0..BATCH)
        .map(|i| keep().then_some(["red", "green", "blue"][i % 3]))
        .collect();
    vec![
        ("int64", Arc::new(ints) as ArrayRef),
        ("float64", Arc::new(floats)),
        ("string_unique", Arc::new(strings)),
        ("string_enum", Arc::new(enums)),
        ("timestamp", Arc::new(ts)),
        ("dictionary", Arc::new(dict)),
    ]
}

fn accumulators(c: &mut Criterion) {
    let mut g = c.benchmark_group("update");
    g.throughput(Throughput::Elements(BATCH as u64));
    for (nulls, label) in [(0.0, "no_nulls"), (0.2, "20pct_nulls")] {
        for (name, array) in batches(nulls) {
            g.bench_with_input(BenchmarkId::new(name, label), &array, |b, array| {
                b.iter(|| {
                    let mut p = FieldProfile::new(name, array.data_type());
                    update(&mut p, black_box(array)).expect("update");
                    p
                })
            });
        }
    }
    g.finish();
}

/// A profile of `n` batches of one column.
fn profile_of(array: &ArrayRef, n: usize) -> FieldProfile {
    let mut p = FieldProfile::new("x", array.data_type());
    for _ in 0..n {
        update(&mut p, array).expect("update");
    }
    p
}

fn merging_and_drift(c: &mut Criterion) {
    let all = batches(0.05);
    let floats = &all[1].1;
    let enums = &all[3].1;
    let (a, b) = (profile_of(floats, 20), profile_of(floats, 20));
    let mut g = c.benchmark_group("profiles");
    g.throughput(Throughput::Elements(1));
    g.bench_function("merge_float_profiles", |bch| {
        bch.iter(|| {
            let mut x = a.clone();
            x.merge(black_box(&b));
            x
        })
    });
    g.bench_function("psi_numeric", |bch| {
        bch.iter(|| {
            plimsoll::drift::field_drift(
                &plimsoll::drift::BaselineField::one(black_box(&a)),
                black_box(&b),
            )
        })
    });
    let (ea, eb) = (profile_of(enums, 5), profile_of(enums, 5));
    g.bench_function("psi_categorical", |bch| {
        bch.iter(|| {
            plimsoll::drift::field_drift(
                &plimsoll::drift::BaselineField::one(black_box(&ea)),
                black_box(&eb),
            )
        })
    });
    let json = serde_json::to_string(&a).expect("serialise");
    g.bench_function("profile_json_roundtrip", |bch| {
        bch.iter(|| serde_json::from_str::<FieldProfile>(black_box(&json)).expect("parse"))
    });
    g.finish();
}

fn contract_evaluation(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let profile = rt
        .block_on(plimsoll::profile::profile_location(
            &plimsoll::Context::default(),
            root.join("testdata/orders").to_str().expect("path"),
            &[],
            None,
        ))
        .expect("profile testdata");
    let contract = plimsoll::contract::load_file(&root.join("contracts/failing/marketing.yaml"))
        .expect("contract");
    let refs = std::collections::BTreeMap::new();
    let dups = std::collections::BTreeMap::new();
    let mut g = c.benchmark_group("contract");
    g.throughput(Throughput::Elements(contract.tables[0].fields.len() as u64));
    g.bench_function("evaluate_failing_contract", |b| {
        b.iter(|| {
            let subject = plimsoll::check::Subject {
                contract: &contract,
                table: &contract.tables[0],
                profile: &profile,
                baseline: None,
                baseline_profile: None,
                no_baseline_reason: "none",
                references: &refs,
                arrival: None,
                duplicates: &dups,
            };
            plimsoll::check::run_table(&subject, chrono::Utc::now())
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    accumulators,
    merging_and_drift,
    contract_evaluation
);
criterion_main!(benches);
