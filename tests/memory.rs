//! `--memory-limit` holds on a wide table: 100 integer columns of unique values, more rows than
//! the exact-distinct cap in nine columns of ten (the tenth has nulls, and fewer values than the
//! cap). The run completes in column groups, its peak resident memory (read from
//! `/proc/<pid>/status` while it runs) stays within a small multiple of the limit, and its
//! figures equal those computed here.

mod common;

use arrow::array::{ArrayRef, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use plimsoll::profile::sketch::{DistinctSketch, EXACT_DISTINCT_CAP, hash_u64};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const COLUMNS: usize = 100;
const ROWS: usize = 110_000;
const ROW_GROUP: usize = 27_500;
const LIMIT_MB: u64 = 64;
/// How far above the limit the whole process may go: the limit caps the scan's accumulators,
/// and the process also holds its code, the runtime and the reader's buffers.
const FACTOR: u64 = 2;

/// Column `j`, row `i`: unique in the column; every tenth column is null on every fourth row.
fn value(i: usize, j: usize) -> Option<i64> {
    (j % 10 != 5 || !i.is_multiple_of(4)).then_some(i as i64 * 7_919 - j as i64 * 1_000_003)
}

fn write_table(path: &std::path::Path) {
    let schema = Arc::new(Schema::new(
        (0..COLUMNS)
            .map(|j| Field::new(format!("c{j:03}"), DataType::Int64, true))
            .collect::<Vec<_>>(),
    ));
    let mut batches = Vec::new();
    for start in (0..ROWS).step_by(ROW_GROUP) {
        let end = (start + ROW_GROUP).min(ROWS);
        let columns: Vec<ArrayRef> = (0..COLUMNS)
            .map(|j| {
                Arc::new((start..end).map(|i| value(i, j)).collect::<Int64Array>()) as ArrayRef
            })
            .collect();
        batches.push(RecordBatch::try_new(schema.clone(), columns).unwrap());
    }
    plimsoll::generate::write_parquet(path, &batches, ROW_GROUP).unwrap();
}

/// Peak resident memory of a process so far, in kB (`VmHWM`), while it runs.
fn peak_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs plimsoll, polling its peak resident memory; returns (exit code, stdout, stderr, peak kB).
fn run_measured(args: &[&str]) -> (i32, String, String, u64) {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(args)
        .current_dir(common::root())
        .stdout(Stdio::from(std::fs::File::create(&out).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&err).unwrap()))
        .spawn()
        .expect("run plimsoll");
    let mut peak = 0;
    let status = loop {
        if let Some(kb) = peak_kb(child.id()) {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (
        status.code().expect("exited, not killed by a signal"),
        std::fs::read_to_string(out).unwrap(),
        std::fs::read_to_string(err).unwrap(),
        peak,
    )
}

/// The wide table, written once for the tests of this file.
fn wide_table() -> &'static std::path::Path {
    static TABLE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &TABLE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("wide.parquet");
            write_table(&path);
            (dir, path)
        })
        .1
}

#[test]
fn memory_limit_holds_on_a_wide_table_profiled_in_column_groups() {
    let path = wide_table();
    let t = std::time::Instant::now();
    let limit = format!("{LIMIT_MB}MB");
    let (code, stdout, stderr, peak) = run_measured(&[
        "profile",
        path.to_str().unwrap(),
        "--memory-limit",
        &limit,
        "--format",
        "json",
    ]);
    eprintln!(
        "peak resident memory under --memory-limit {limit}: {} MB, in {:?}",
        peak / 1024,
        t.elapsed()
    );
    assert_eq!(code, 0, "{stderr}");
    let limit_kb = LIMIT_MB * 1000 * 1000 / 1024;
    assert!(
        peak <= FACTOR * limit_kb,
        "peak resident memory {} MB is above {FACTOR} x {limit}",
        peak / 1024
    );
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let passes = v["passes"].as_u64().unwrap();
    assert!(passes > 1, "one scan of every column cannot fit in {limit}");
    eprintln!("{passes} scans");
    assert_eq!(v["row_count"], ROWS as u64);
    let fields = v["fields"].as_array().unwrap();
    assert_eq!(fields.len(), COLUMNS);
    for (j, f) in fields.iter().enumerate() {
        assert_eq!(f["name"], format!("c{j:03}"));
        let values: Vec<i64> = (0..ROWS).filter_map(|i| value(i, j)).collect();
        let n = values.len();
        assert_eq!(f["count"], n as u64, "{j}");
        assert_eq!(f["null_count"], (ROWS - n) as u64, "{j}");
        assert_eq!(f["min"], *values.iter().min().unwrap(), "{j}");
        assert_eq!(f["max"], *values.iter().max().unwrap(), "{j}");
        let mean = values.iter().map(|v| *v as f64).sum::<f64>() / n as f64;
        let got = f["mean"].as_f64().unwrap();
        assert!(
            (got - mean).abs() <= 1e-9 * mean.abs(),
            "{j}: {got} vs {mean}"
        );
        // Unique values: distinct == count while exact; beyond the cap, the HyperLogLog of
        // exactly these values (its registers do not depend on order or partitioning).
        if n <= EXACT_DISTINCT_CAP {
            assert_eq!(f["distinct_exact"], true, "{j}");
            assert_eq!(f["distinct"], n as u64, "{j}");
        } else {
            let mut d = DistinctSketch::default();
            values
                .iter()
                .for_each(|v| d.insert_hash(hash_u64(*v as u64)));
            assert_eq!(f["distinct_exact"], false, "{j}");
            assert_eq!(f["distinct"], d.estimate(), "{j}");
        }
        // Every value occurs once: none is kept as frequent, and the bound says so.
        assert_eq!(f["top_values"], serde_json::json!([]), "{j}");
        assert_eq!(f["top_values_exact"], false, "{j}");
    }
}

#[test]
fn without_a_limit_an_address_space_cap_is_planned_for_not_crashed_into() {
    // `ulimit -v` of 650 MiB: every column's sketches at once need more than that (the process
    // aborted on an allocation failure); the scan plans column groups for what is left.
    let path = wide_table();
    let script = format!(
        "ulimit -v 665600 && exec '{}' profile '{}' --format json",
        env!("CARGO_BIN_EXE_plimsoll"),
        path.display()
    );
    let out = Command::new("/bin/sh")
        .args(["-c", &script])
        .output()
        .expect("run plimsoll under ulimit");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["passes"].as_u64().unwrap() > 1, "{}", v["passes"]);
    assert_eq!(v["fields"].as_array().unwrap().len(), COLUMNS);
    assert!(
        v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["count"].as_u64().unwrap() > 0)
    );
}

#[test]
fn a_limit_too_small_for_one_column_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("narrow.parquet");
    let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
    let ids: Int64Array = (0..50_000i64).collect();
    let batch = RecordBatch::try_new(schema, vec![Arc::new(ids) as ArrayRef]).unwrap();
    plimsoll::generate::write_parquet(&path, &[batch], 50_000).unwrap();
    let r = common::plimsoll(&["profile", path.to_str().unwrap(), "--memory-limit", "100KB"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--memory-limit"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}
