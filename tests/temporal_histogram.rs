//! Timestamps and dates get quantiles and a histogram in the profile, as numbers do.
//!
//! The expected figures are computed here from the Parquet files, read with the `parquet`
//! crate's arrow reader: min and max with arrow's aggregate kernels, the ten equal-width bins
//! between them counted by hand, the quantiles from the sorted values. Where the profile's
//! quantile sketch is no longer exact, its figures must be within the sketch's rank error
//! (taken as 1% of the rows, about twice KLL's 99% bound at k = 400).

mod common;

use arrow::array::{AsArray, Date32Array, Date64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, TimestampMicrosecondType};
use chrono::{DateTime, NaiveDate};
use common::{plimsoll_json, root};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

const RANK_ERROR: f64 = 0.01;
/// The reported quantiles (names and probabilities are the report's own spelling).
use plimsoll::profile::model::QUANTILES;

/// The batches of every Parquet file under `dir`.
fn read(dir: &Path) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    for f in common::parquet_files(dir) {
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(f).unwrap())
            .unwrap()
            .build()
            .unwrap();
        out.extend(reader.map(|b| b.unwrap()));
    }
    out
}

fn field<'a>(profile: &'a Value, name: &str) -> &'a Value {
    profile["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field `{name}`"))
}

fn micros(s: &str) -> i64 {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("`{s}` is not RFC 3339: {e}"))
        .timestamp_micros()
}

fn days(s: &str) -> i64 {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .unwrap_or_else(|e| panic!("`{s}` is not a date: {e}"));
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days()
}

/// Ten equal-width bins of `lo..=hi` (the last closed), counted over `values`: the edges and
/// the counts.
fn bins(values: &[i64], lo: i64, hi: i64) -> (Vec<f64>, Vec<u64>) {
    let (lo_f, hi_f) = (lo as f64, hi as f64);
    let width = (hi_f - lo_f) / 10.0;
    let edges: Vec<f64> = (0..=10)
        .map(|i| {
            if i == 10 {
                hi_f
            } else {
                lo_f + width * i as f64
            }
        })
        .collect();
    let mut counts = vec![0u64; 10];
    for &v in values {
        let v = v as f64;
        let i = (0..10)
            .find(|&i| i == 9 || v < edges[i + 1])
            .expect("a bin");
        counts[i] += 1;
    }
    (edges, counts)
}

/// The JSON histogram against the counts by hand: bounds are the first unit on or after each
/// edge (`parse` reads one), counts within `tolerance` rows cumulatively, and they add up.
fn assert_histogram(f: &Value, values: &[i64], parse: fn(&str) -> i64, tolerance: u64) -> Vec<u64> {
    let lo = *values.iter().min().unwrap();
    let hi = *values.iter().max().unwrap();
    let (edges, counts) = bins(values, lo, hi);
    let h = f["histogram"].as_array().expect("a histogram");
    assert_eq!(h.len(), 10, "{h:?}");
    let (mut cum_json, mut cum_true) = (0u64, 0u64);
    for (i, b) in h.iter().enumerate() {
        let lower = parse(b["lower"].as_str().unwrap());
        let upper = parse(b["upper"].as_str().unwrap());
        assert_eq!(lower, edges[i].ceil() as i64, "bin {i} lower");
        assert_eq!(upper, edges[i + 1].ceil() as i64, "bin {i} upper");
        cum_json += b["count"].as_u64().unwrap();
        cum_true += counts[i];
        assert!(
            cum_json.abs_diff(cum_true) <= tolerance,
            "bin {i}: {cum_json} rows up to here, {cum_true} by hand\n{h:?}\n{counts:?}"
        );
    }
    assert_eq!(cum_json, values.len() as u64);
    counts
}

/// Each quantile is a value of the column whose rank is within `tolerance` rows of the
/// nearest rank.
fn assert_quantiles(f: &Value, values: &[i64], parse: fn(&str) -> i64, tolerance: u64) {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len() as u64;
    for (name, q) in QUANTILES {
        let v = parse(f["quantiles"][name].as_str().expect("a quantile"));
        let first = sorted.partition_point(|x| *x < v) as u64 + 1;
        let last = sorted.partition_point(|x| *x <= v) as u64;
        assert!(first <= last, "{name} = {v} is not a value of the column");
        let target = ((q * n as f64).ceil() as u64).max(1);
        let off = if target < first {
            first - target
        } else {
            target.saturating_sub(last)
        };
        assert!(
            off <= tolerance,
            "{name}: ranks {first}..={last}, nearest rank {target}"
        );
    }
}

#[test]
fn event_time_of_the_latest_orders_partition() {
    let dir = root().join("testdata/orders/date=2024-03-10");
    let batches = read(&dir);
    let mut values = Vec::new();
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for b in &batches {
        let a = b
            .column_by_name("event_time")
            .unwrap()
            .as_primitive::<TimestampMicrosecondType>();
        lo = lo.min(arrow::compute::min(a).unwrap());
        hi = hi.max(arrow::compute::max(a).unwrap());
        values.extend(a.iter().flatten());
    }
    let (code, json, stderr) = plimsoll_json(&[
        "profile",
        "testdata/orders",
        "--partition",
        "date=latest",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let f = field(&json, "event_time");
    assert_eq!(f["type"], "timestamp");
    assert_eq!(micros(f["min"].as_str().unwrap()), lo);
    assert_eq!(micros(f["max"].as_str().unwrap()), hi);
    let n = values.len() as u64;
    let tolerance = (RANK_ERROR * n as f64).ceil() as u64;
    // 3,512 rows: past what the sketch keeps exactly.
    assert_eq!(f["quantiles_exact"], false);
    let counts = assert_histogram(f, &values, micros, tolerance);
    assert!(counts.iter().filter(|c| **c > 0).count() >= 5, "{counts:?}");
    assert_quantiles(f, &values, micros, tolerance);
}

/// A table with a date column of 20,000 rows over three years (approximate figures) and a
/// Date64 column with 300 values and nulls (exact figures).
#[test]
fn dates_get_quantiles_and_a_histogram() {
    let dir = tempfile::tempdir().unwrap();
    let rows = 20_000;
    // Weekday-heavy, more recent days more often: not uniform.
    let d: Vec<i32> = (0..rows)
        .map(|i| {
            let x = (i * 7919 % rows) as f64 / rows as f64;
            18_000 + (1_100.0 * x.sqrt()) as i32
        })
        .collect();
    let small: Vec<Option<i64>> = (0..rows)
        .map(|i| (i < 300 && i % 7 != 3).then(|| (19_000 + (i * i % 45) as i64) * 86_400_000))
        .collect();
    let schema = Arc::new(Schema::new(vec![
        Field::new("d", DataType::Date32, false),
        Field::new("small", DataType::Date64, true),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Date32Array::from(d.clone())),
            Arc::new(Date64Array::from(small.clone())),
        ],
    )
    .unwrap();
    let path = common::parquet(dir.path(), "dates.parquet", &[batch]);
    let (code, json, stderr) =
        plimsoll_json(&["profile", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");

    let f = field(&json, "d");
    assert_eq!(f["type"], "date");
    let values: Vec<i64> = d.iter().map(|v| i64::from(*v)).collect();
    assert_eq!(days(f["min"].as_str().unwrap()), 18_000);
    let tolerance = (RANK_ERROR * values.len() as f64).ceil() as u64;
    assert_histogram(f, &values, days, tolerance);
    assert_quantiles(f, &values, days, tolerance);

    let f = field(&json, "small");
    assert_eq!(f["type"], "date");
    let values: Vec<i64> = small.iter().flatten().map(|ms| ms / 86_400_000).collect();
    assert_eq!(f["count"], values.len() as u64);
    assert_eq!(f["quantiles_exact"], true);
    assert_histogram(f, &values, days, 0);
    assert_quantiles(f, &values, days, 0);
    for b in f["histogram"].as_array().unwrap() {
        assert_eq!(b["lower"].as_str().unwrap().len(), "2024-03-10".len());
    }
}

/// A profile stored before timestamps kept a sketch still reads, and merging it with a new
/// one keeps the exact figures and drops the sketch (it would describe part of the data).
#[test]
fn stored_profiles_without_a_sketch_still_read_and_merge() {
    let dir = root().join("testdata/orders/date=2024-03-10");
    let p = common::profile(&dir);
    let mut old = serde_json::to_value(&p).unwrap();
    for f in old["fields"].as_array_mut().unwrap() {
        if let Some(t) = f.get_mut("temporal").and_then(Value::as_object_mut) {
            assert!(t.remove("sketch").is_some(), "a sketch is stored");
        }
    }
    let old: plimsoll::profile::TableProfile = serde_json::from_value(old).unwrap();
    let t = old.field("event_time").unwrap().temporal.as_ref().unwrap();
    assert!(t.sketch.is_none());
    let report = plimsoll::report::json::profile(&old);
    let f = field(&report, "event_time");
    assert!(f.get("histogram").is_none() && f.get("quantiles").is_none());

    // Two tracked halves merge into the whole: the sketch counts every row.
    let mut both = p.clone();
    both.merge(&p);
    let t = both.field("event_time").unwrap().temporal.as_ref().unwrap();
    assert_eq!(t.sketch.as_ref().unwrap().count(), 2 * p.row_count);
    // A tracked profile with an untracked one: no sketch, the same bounds.
    let mut mixed = p.clone();
    mixed.merge(&old);
    let t = mixed
        .field("event_time")
        .unwrap()
        .temporal
        .as_ref()
        .unwrap();
    assert!(t.sketch.is_none());
    let one = p.field("event_time").unwrap().temporal.as_ref().unwrap();
    assert_eq!((t.min, t.max), (one.min, one.max));
}
