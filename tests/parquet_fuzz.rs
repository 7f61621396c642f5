//! A seeded Parquet mutation fuzzer, kept as a test: small valid files (written here) are
//! damaged in thousands of deterministic ways (byte flips and varint edits in the footer,
//! truncations, edits of the footer's length field, byte flips in the data pages and their
//! headers), and each mutant is opened and profiled in-process, as `plimsoll profile` would.
//!
//! Every mutant must end in a profile or in a user error naming the file: no panic escaping the
//! library, no `Error::Internal`, no hang (each run is bounded by a timeout).
//!
//! `PLIMSOLL_FUZZ_MUTANTS=N` changes the number of mutants per file (default below),
//! `PLIMSOLL_FUZZ_SEED=S` the seed, `PLIMSOLL_FUZZ_ONLY=data` keeps to data-page mutations, and
//! `PLIMSOLL_FUZZ_VERBOSE=1` prints each mutant's error.

use arrow::array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Float32Array, Float64Array, Int32Array,
    Int64Array, ListArray, RecordBatch, StringArray, StructArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Fields, Int32Type};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use plimsoll::error::Error;
use plimsoll::generate::Rng;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Mutants per base file by default: three files, so three times this in all.
const MUTANTS: usize = 1_000;
/// Longest a single mutant may take (open and profile) before it counts as a hang.
const TIMEOUT: Duration = Duration::from_secs(20);

fn write(path: &Path, batch: &RecordBatch, props: WriterProperties) -> Vec<u8> {
    let file = std::fs::File::create(path).unwrap();
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
    std::fs::read(path).unwrap()
}

fn props(row_group: usize, dictionary: bool) -> WriterProperties {
    WriterProperties::builder()
        .set_max_row_group_row_count(Some(row_group))
        .set_data_page_row_count_limit(64)
        .set_write_batch_size(64)
        .set_dictionary_enabled(dictionary)
        .set_statistics_enabled(EnabledStatistics::Page)
        .build()
}

/// Flat columns of every common kind, with nulls, NaN and repeats; page statistics and page
/// indexes; two row groups.
fn flat(dir: &Path) -> Vec<u8> {
    let n = 300;
    let ints: Int64Array = (0..n)
        .map(|i| (i % 7 != 0).then_some(i * 37 % 101))
        .collect();
    let small: Int32Array = (0..n).map(|i| Some((i % 5) as i32 - 2)).collect();
    let floats: Float64Array = (0..n)
        .map(|i| match i % 11 {
            0 => None,
            1 => Some(f64::NAN),
            _ => Some(i as f64 * 0.25 - 30.0),
        })
        .collect();
    let f32s: Float32Array = (0..n).map(|i| Some(i as f32 / 3.0)).collect();
    let words = ["alpha", "beta", "", "gamma", "délta"];
    let strings: StringArray = (0..n)
        .map(|i| (i % 13 != 0).then(|| format!("{}-{}", words[i as usize % 5], i % 17)))
        .collect();
    let keys: Vec<Option<&str>> = (0..n)
        .map(|i| (i % 9 != 0).then_some(words[i as usize % 4]))
        .collect();
    let dict: DictionaryArray<Int32Type> = keys.into_iter().collect();
    let flags: BooleanArray = (0..n).map(|i| (i % 4 != 0).then_some(i % 3 == 0)).collect();
    let ts: TimestampMicrosecondArray = (0..n)
        .map(|i| Some(1_700_000_000_000_000 + i * 3_600_000_000))
        .collect();
    let batch = RecordBatch::try_from_iter(vec![
        ("id", Arc::new(ints) as ArrayRef),
        ("small", Arc::new(small) as ArrayRef),
        ("amount", Arc::new(floats) as ArrayRef),
        ("ratio", Arc::new(f32s) as ArrayRef),
        ("name", Arc::new(strings) as ArrayRef),
        ("status", Arc::new(dict) as ArrayRef),
        ("flag", Arc::new(flags) as ArrayRef),
        ("at", Arc::new(ts.with_timezone("UTC")) as ArrayRef),
    ])
    .unwrap();
    write(&dir.join("flat.parquet"), &batch, props(150, true))
}

/// Nested columns: a struct holding a list of strings, and a list of structs.
fn nested(dir: &Path) -> Vec<u8> {
    let n = 120usize;
    let inner_list = |i: usize| -> Vec<Option<String>> {
        (0..i % 4)
            .map(|j| Some(format!("t{}", (i + j) % 6)))
            .collect()
    };
    let tags = ListArray::from_iter_primitive::<Int32Type, _, _>(
        (0..n).map(|i| (i % 5 != 0).then(move || (0..i % 3).map(move |j| Some((i * j) as i32)))),
    );
    let labels: Vec<Option<Vec<Option<String>>>> = (0..n).map(|i| Some(inner_list(i))).collect();
    let label_values: StringArray = labels
        .iter()
        .flat_map(|l| l.clone().unwrap_or_default())
        .collect();
    let offsets = arrow::buffer::OffsetBuffer::from_lengths(
        labels.iter().map(|l| l.as_ref().map_or(0, |v| v.len())),
    );
    let label_list = ListArray::new(
        Arc::new(Field::new("item", DataType::Utf8, true)),
        offsets,
        Arc::new(label_values),
        None,
    );
    let score: Float64Array = (0..n).map(|i| Some(i as f64 / 7.0)).collect();
    let fields = Fields::from(vec![
        Field::new("score", DataType::Float64, true),
        Field::new("labels", label_list.data_type().clone(), true),
    ]);
    let meta = StructArray::new(
        fields,
        vec![
            Arc::new(score) as ArrayRef,
            Arc::new(label_list) as ArrayRef,
        ],
        None,
    );
    let id: Int64Array = (0..n as i64).map(Some).collect();
    let batch = RecordBatch::try_from_iter(vec![
        ("id", Arc::new(id) as ArrayRef),
        ("tags", Arc::new(tags) as ArrayRef),
        ("meta", Arc::new(meta) as ArrayRef),
    ])
    .unwrap();
    write(&dir.join("nested.parquet"), &batch, props(60, false))
}

/// The shipped generator's orders (decimals, timestamps, strings), Snappy-compressed.
fn orders(dir: &Path) -> Vec<u8> {
    let batch = plimsoll::generate::orders_batch(
        chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
        400,
        7,
        3,
        true,
    );
    let path = dir.join("orders.parquet");
    plimsoll::generate::write_parquet(&path, &[batch], 200).unwrap();
    std::fs::read(path).unwrap()
}

/// How a mutant was made, for the report of a failure (read through `Debug`).
#[derive(Debug, Clone)]
#[allow(dead_code)]
enum Mutation {
    FooterByte { at: usize, value: u8 },
    FooterVarint { at: usize },
    FooterBytes { at: usize, len: usize, seed: u64 },
    Truncate { len: usize },
    LengthField { len: u32 },
    DataByte { at: usize, value: u8 },
    DataBytes { at: usize, len: usize, seed: u64 },
}

fn mutate(base: &[u8], rng: &mut Rng) -> (Vec<u8>, Mutation) {
    let size = base.len();
    let meta_len = u32::from_le_bytes(base[size - 8..size - 4].try_into().unwrap()) as usize;
    let meta_start = size - 8 - meta_len;
    let mut out = base.to_vec();
    let pick = |rng: &mut Rng, lo: usize, hi: usize| lo + rng.below((hi - lo) as u64) as usize;
    let only_data = std::env::var("PLIMSOLL_FUZZ_ONLY").is_ok_and(|v| v == "data");
    let kind = if only_data {
        74 + rng.below(26)
    } else {
        rng.below(100)
    };
    let m = match kind {
        // Footer edits are cheap to try (most fail at open): the larger share.
        0..=39 => {
            let at = pick(rng, meta_start, size - 8);
            let value = match rng.below(4) {
                0 => out[at] ^ (1 << rng.below(8)),
                1 => 0xff,
                2 => 0,
                _ => rng.below(256) as u8,
            };
            out[at] = value;
            Mutation::FooterByte { at, value }
        }
        40..=49 => {
            // A varint made long or huge: continuation bits set on a run of bytes.
            let at = pick(rng, meta_start, size - 12);
            for b in &mut out[at..at + 4] {
                *b |= 0x80;
            }
            Mutation::FooterVarint { at }
        }
        50..=57 => {
            let at = pick(rng, meta_start, size - 8);
            let len = (1 + rng.below(16) as usize).min(size - 8 - at);
            let seed = rng.next_u64();
            let mut r = Rng::new(seed);
            for b in &mut out[at..at + len] {
                *b = r.below(256) as u8;
            }
            Mutation::FooterBytes { at, len, seed }
        }
        58..=65 => {
            let len = pick(rng, 0, size);
            out.truncate(len);
            Mutation::Truncate { len }
        }
        66..=73 => {
            let len = match rng.below(4) {
                0 => meta_len as u32 + 1 + rng.below(64) as u32,
                1 => meta_len as u32 - 1 - rng.below(meta_len as u64 / 2) as u32,
                2 => u32::MAX - rng.below(16) as u32,
                _ => rng.below(size as u64) as u32,
            };
            out[size - 8..size - 4].copy_from_slice(&len.to_le_bytes());
            Mutation::LengthField { len }
        }
        // Data pages and their headers: read only by the scan.
        74..=89 => {
            let at = pick(rng, 4, meta_start);
            let value = out[at] ^ (1 << rng.below(8));
            out[at] = value;
            Mutation::DataByte { at, value }
        }
        _ => {
            let at = pick(rng, 4, meta_start);
            let len = (1 + rng.below(32) as usize).min(meta_start - at);
            let seed = rng.next_u64();
            let mut r = Rng::new(seed);
            for b in &mut out[at..at + len] {
                *b = r.below(256) as u8;
            }
            Mutation::DataBytes { at, len, seed }
        }
    };
    (out, m)
}

/// How a run over one mutant ended.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum Outcome {
    Profiled,
    RefusedAtOpen,
    RefusedAtScan,
}

async fn run(path: &str) -> Result<Outcome, (Error, bool)> {
    let ctx = plimsoll::Context::default();
    let what = plimsoll::source::SourceRef::new(path);
    let source = plimsoll::source::Source::open(&ctx, &what, &[])
        .await
        .map_err(|e| (e, true))?;
    let columns = plimsoll::profile::resolve_columns(&source, None).map_err(|e| (e, false))?;
    plimsoll::profile::profile(&ctx, &source, &columns)
        .await
        .map_err(|e| (e, false))?;
    Ok(Outcome::Profiled)
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn mutated_parquet_files_fail_cleanly() {
    // Dependency panics the library catches are reported by it, not by the hook.
    std::panic::set_hook(Box::new(plimsoll::source::panics::hook));
    let dir = tempfile::tempdir().unwrap();
    let bases: Vec<(&str, Vec<u8>)> = vec![
        ("flat", flat(dir.path())),
        ("nested", nested(dir.path())),
        ("orders", orders(dir.path())),
    ];
    let per_file: usize = env_or("PLIMSOLL_FUZZ_MUTANTS", MUTANTS);
    let seed: u64 = env_or("PLIMSOLL_FUZZ_SEED", 0x9a7e_f00d);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let mut failures: Vec<String> = Vec::new();
    let mut outcomes = std::collections::BTreeMap::new();
    let mut slowest = (Duration::ZERO, String::new());
    for (name, base) in &bases {
        // The base file itself profiles.
        let base_path = dir.path().join(format!("{name}.parquet"));
        let r = rt.block_on(run(base_path.to_str().unwrap()));
        assert!(r.is_ok(), "{name}: {:?}", r.err().map(|e| e.0.render()));
        let mut rng = Rng::new(seed ^ name.len() as u64);
        let path: PathBuf = dir.path().join(format!("mutant-{name}.parquet"));
        let shown = path.display().to_string();
        for i in 0..per_file {
            let (bytes, how) = mutate(base, &mut rng);
            std::fs::write(&path, &bytes).unwrap();
            let t = Instant::now();
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                rt.block_on(async { tokio::time::timeout(TIMEOUT, run(&shown)).await })
            }));
            let took = t.elapsed();
            let label = format!("{name} #{i} {how:?}");
            if took > slowest.0 {
                slowest = (took, label.clone());
            }
            let outcome = match result {
                Err(panic) => {
                    let text = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    failures.push(format!("{label}: panic escaped: {text}"));
                    continue;
                }
                Ok(Err(_)) => {
                    failures.push(format!("{label}: no answer within {TIMEOUT:?}"));
                    continue;
                }
                Ok(Ok(Ok(o))) => o,
                Ok(Ok(Err((e, at_open)))) => {
                    let text = e.render();
                    if matches!(e, Error::Internal(_)) {
                        failures.push(format!("{label}: internal error: {text}"));
                    } else if !text.contains(&shown) {
                        failures.push(format!("{label}: the error does not name the file: {text}"));
                    } else if !text.contains("\nhint: ") {
                        failures.push(format!("{label}: no hint: {text}"));
                    }
                    if std::env::var_os("PLIMSOLL_FUZZ_VERBOSE").is_some() {
                        eprintln!("{label}: {}", text.lines().next().unwrap_or_default());
                    }
                    if at_open {
                        Outcome::RefusedAtOpen
                    } else {
                        Outcome::RefusedAtScan
                    }
                }
            };
            *outcomes.entry(outcome).or_insert(0usize) += 1;
        }
    }
    let total = per_file * bases.len();
    eprintln!(
        "{total} mutants in {:.1?}: {outcomes:?}; slowest {:.1?} ({})",
        started.elapsed(),
        slowest.0,
        slowest.1
    );
    assert!(
        failures.is_empty(),
        "{} of {total} mutants failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A panic inside a scan (DataFusion runs partitions in tasks it spawns and re-raises their
/// panics where the plan is awaited) is this source's error, not an unwinding panic.
#[test]
fn a_panic_during_the_scan_is_the_sources_error() {
    use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
    std::panic::set_hook(Box::new(plimsoll::source::panics::hook));
    let dir = tempfile::tempdir().unwrap();
    for part in ["a", "b", "c"] {
        let ids: Int64Array = (0..500).map(Some).collect();
        let batch = RecordBatch::try_from_iter(vec![("id", Arc::new(ids) as ArrayRef)]).unwrap();
        plimsoll::generate::write_parquet(
            &dir.path().join(format!("{part}.parquet")),
            &[batch],
            100,
        )
        .unwrap();
    }
    let location = dir.path().to_str().unwrap().to_string();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let err = rt.block_on(async {
        let context = plimsoll::Context::default();
        let what = plimsoll::source::SourceRef::new(&location);
        let source = plimsoll::source::Source::open(&context, &what, &[])
            .await
            .unwrap();
        let ctx = context.local_session();
        // Arrow asserts an index in bounds: a panic raised inside a dependency, as a decoder's
        // would be on a corrupt page.
        let boom = create_udf(
            "boom",
            vec![DataType::Int64],
            DataType::Int64,
            Volatility::Volatile,
            Arc::new(|args: &[ColumnarValue]| {
                let _ = Int64Array::from(vec![1]).value(args.len() + 5);
                Ok(args[0].clone())
            }),
        );
        let df = source
            .dataframe(&ctx)
            .await
            .unwrap()
            .select(vec![boom.call(vec![datafusion::prelude::col("id")])])
            .unwrap();
        source.collect(df).await.unwrap_err()
    });
    let text = err.render();
    assert!(
        matches!(&err, Error::CorruptParquet { path, .. } if *path == location),
        "{text}"
    );
    assert!(
        text.contains("the Parquet reader gave up during the scan"),
        "{text}"
    );
    assert!(!text.contains("internal error"), "{text}");
    assert!(
        text.contains("arrow-array"),
        "names where it was raised: {text}"
    );
}
