//! `plimsoll history`: the series over a history filled day after day by `check` (as `.ci/run`
//! does), compared with values computed here from the partitions' Parquet files with arrow:
//! row counts, null rates, means, distinct counts and a categorical PSI.

mod common;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use common::{Run, plimsoll};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

const DAYS: [&str; 7] = ["08", "09", "10", "11", "12", "13", "14"];

/// A history filled by checking each day of `testdata/orders_drift` in turn.
fn filled_history(dir: &Path) -> String {
    let history = dir.join("history");
    let h = history.to_str().unwrap().to_string();
    for d in DAYS {
        let r = common::nightly_check(d, &["--history", &h, "--format", "json"]);
        assert!(r.code <= 1, "day {d}: {}", r.stderr);
    }
    h
}

/// The batches of one partition directory, read with arrow's Parquet reader.
fn partition(day: &str) -> Vec<RecordBatch> {
    let dir = common::root()
        .join("testdata/orders_drift")
        .join(format!("date=2024-03-{day}"));
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "parquet") {
            let file = std::fs::File::open(path).unwrap();
            let reader = ParquetRecordBatchReaderBuilder::try_new(file)
                .unwrap()
                .build()
                .unwrap();
            out.extend(reader.map(Result::unwrap));
        }
    }
    out
}

/// What the test computes of one slice.
struct Reference {
    rows: u64,
    nulls: BTreeMap<String, u64>,
    means: BTreeMap<String, f64>,
    /// Non-null value counts of the string and boolean columns.
    values: BTreeMap<String, BTreeMap<String, u64>>,
}

fn reference(day: &str) -> Reference {
    let batches = partition(day);
    let mut r = Reference {
        rows: 0,
        nulls: BTreeMap::new(),
        means: BTreeMap::new(),
        values: BTreeMap::new(),
    };
    let mut sums: BTreeMap<String, (f64, u64)> = BTreeMap::new();
    for b in &batches {
        r.rows += b.num_rows() as u64;
        for (i, f) in b.schema().fields().iter().enumerate() {
            let col = b.column(i);
            *r.nulls.entry(f.name().clone()).or_default() += col.null_count() as u64;
            match f.data_type() {
                DataType::Int32
                | DataType::Int64
                | DataType::Float64
                | DataType::Decimal128(..) => {
                    let v = cast(col, &DataType::Float64).unwrap();
                    let e = sums.entry(f.name().clone()).or_default();
                    for x in v
                        .as_primitive::<arrow::datatypes::Float64Type>()
                        .iter()
                        .flatten()
                    {
                        e.0 += x;
                        e.1 += 1;
                    }
                }
                DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 | DataType::Boolean => {
                    let v = cast(col, &DataType::Utf8).unwrap();
                    let counts = r.values.entry(f.name().clone()).or_default();
                    for x in v.as_string::<i32>().iter().flatten() {
                        *counts.entry(x.to_string()).or_default() += 1;
                    }
                }
                _ => {}
            }
        }
    }
    r.means = sums
        .into_iter()
        .map(|(k, (s, n))| (k, s / n as f64))
        .collect();
    r
}

/// PSI over one bin per value seen on either side, proportions floored at 1e-4 (the README's
/// definition), written out here.
fn categorical_psi(before: &BTreeMap<String, u64>, now: &BTreeMap<String, u64>) -> f64 {
    let keys: HashSet<&String> = before.keys().chain(now.keys()).collect();
    let (nb, nc) = (
        before.values().sum::<u64>() as f64,
        now.values().sum::<u64>() as f64,
    );
    keys.into_iter()
        .map(|k| {
            let b = (*before.get(k).unwrap_or(&0) as f64 / nb).max(1e-4);
            let c = (*now.get(k).unwrap_or(&0) as f64 / nc).max(1e-4);
            (c - b) * (c / b).ln()
        })
        .sum()
}

fn series<'a>(json: &'a Value, metric: &str, field: Option<&str>) -> &'a Vec<Value> {
    json["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["metric"] == metric && s["field"].as_str() == field)
        .unwrap_or_else(|| panic!("no {metric} series of {field:?}"))["values"]
        .as_array()
        .unwrap()
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * b.abs().max(1.0),
        "{what}: history {a}, reference {b}"
    );
}

fn history_json(args: &[&str]) -> Value {
    let r = plimsoll(args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

fn fails_with(r: &Run, needles: &[&str]) {
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    for n in needles {
        assert!(r.stderr.contains(n), "`{n}` not in:\n{}", r.stderr);
    }
}

#[test]
fn the_series_equal_what_the_parquet_files_hold_slice_by_slice() {
    let dir = tempfile::tempdir().unwrap();
    let h = filled_history(dir.path());
    // The check of 03-08 stored the seven days before it as its baseline: 14 slices in all.
    let all: Vec<String> = (1..=14).map(|d| format!("{d:02}")).collect();
    let refs: Vec<Reference> = all.iter().map(|d| reference(d)).collect();
    let json = history_json(&[
        "history",
        "order-events",
        "--history",
        &h,
        "--format",
        "json",
    ]);
    let slices: Vec<&str> = json["slices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    let names: Vec<String> = all.iter().map(|d| format!("date=2024-03-{d}")).collect();
    assert_eq!(slices, names);
    // The checked days say how their checks went; the baseline fill-ins were never checked.
    assert_eq!(json["slices"][0]["status"], Value::Null);
    assert_eq!(json["slices"][7]["status"], "pass");
    assert_eq!(json["slices"][8]["status"], "fail");

    let rows = series(&json, "rows", None);
    for (i, r) in refs.iter().enumerate() {
        assert_eq!(rows[i].as_u64(), Some(r.rows), "rows of {}", names[i]);
        assert_eq!(json["slices"][i]["rows"].as_u64(), Some(r.rows));
    }
    for field in refs[13].nulls.keys() {
        let nulls = series(&json, "null_rate", Some(field));
        for (i, r) in refs.iter().enumerate() {
            let want = r.nulls[field] as f64 / r.rows as f64;
            close(
                nulls[i].as_f64().unwrap(),
                want,
                &format!("null rate of {field} on {}", names[i]),
            );
        }
    }
    // 03-11: 30% of customer_id null.
    assert!(
        series(&json, "null_rate", Some("customer_id"))[10]
            .as_f64()
            .unwrap()
            > 0.25
    );
    for field in ["total_usd", "quantity", "discount", "customer_id"] {
        let means = series(&json, "mean", Some(field));
        for (i, r) in refs.iter().enumerate() {
            close(
                means[i].as_f64().unwrap(),
                r.means[field],
                &format!("mean of {field} on {}", names[i]),
            );
        }
    }
    for field in ["status", "channel", "country", "is_gift"] {
        let distinct = series(&json, "distinct", Some(field));
        let psi = series(&json, "psi", Some(field));
        assert_eq!(psi[0], Value::Null, "no slice before the first");
        for (i, r) in refs.iter().enumerate() {
            assert_eq!(
                distinct[i].as_u64(),
                Some(r.values[field].len() as u64),
                "{field}"
            );
            if i > 0 {
                let want = categorical_psi(&refs[i - 1].values[field], &r.values[field]);
                close(
                    psi[i].as_f64().unwrap(),
                    want,
                    &format!("psi of {field} on {}", names[i]),
                );
            }
        }
    }
    // 03-10: two new status values.
    assert!(series(&json, "psi", Some("status"))[9].as_f64().unwrap() > 0.2);
    // Timestamps have no mean; the partition column is not a field of the trend.
    assert!(json["series"].as_array().unwrap().iter().all(|s| {
        !(s["field"] == "event_time" && s["metric"] == "mean") && s["field"] != "date"
    }));

    // The newest three slices; the first one's PSI is against the slice before the window.
    let last3 = history_json(&[
        "history",
        "order-events",
        "--history",
        &h,
        "--field",
        "status",
        "--metric",
        "psi",
        "--last",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(last3["slices"].as_array().unwrap().len(), 3);
    assert_eq!(last3["series"].as_array().unwrap().len(), 1);
    let psi = series(&last3, "psi", Some("status"));
    for (k, i) in (11..14).enumerate() {
        let want = categorical_psi(&refs[i - 1].values["status"], &refs[i].values["status"]);
        close(psi[k].as_f64().unwrap(), want, "psi in the window");
    }
}

#[test]
fn the_terminal_shows_a_sparkline_per_series_and_bad_names_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let h = filled_history(dir.path());
    let r = plimsoll(&[
        "history",
        "order-events",
        "--history",
        &h,
        "--field",
        "total_usd",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // One line per slice, then a sparkline per metric: rows, null rate, distinct, mean, PSI.
    assert_eq!(
        r.stdout
            .lines()
            .filter(|l| l.starts_with("date=2024-03-"))
            .count(),
        14
    );
    let sparks: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.chars().any(|c| ('▁'..='█').contains(&c)))
        .collect();
    assert_eq!(sparks.len(), 5, "{}", r.stdout);
    for (line, metric) in sparks
        .iter()
        .zip(["rows", "null_rate", "distinct", "mean", "psi"])
    {
        assert!(line.starts_with(metric), "{line}");
    }
    // 03-12 holds the fewest rows: the lowest bar is its (12th) character.
    let rows_spark: String = sparks[0]
        .chars()
        .filter(|c| ('▁'..='█').contains(c))
        .collect();
    assert_eq!(rows_spark.chars().count(), 14);
    assert_eq!(rows_spark.chars().nth(11), Some('▁'), "{rows_spark}");
    // Without a field: the table's rows, then each field's metrics, a sparkline each.
    let r = plimsoll(&["history", "order-events", "--history", &h, "--last", "5"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("5 slice(s), date=2024-03-10 .. date=2024-03-14"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("status") && l.contains("null_rate"))
    );

    fails_with(
        &plimsoll(&["history", "orders", "--history", &h]),
        &["no table `orders`", "`order-events`"],
    );
    fails_with(
        &plimsoll(&[
            "history",
            "order-events",
            "--history",
            &h,
            "--field",
            "amount",
        ]),
        &["no field `amount`", "`total_usd`", "`status`"],
    );
    fails_with(
        &plimsoll(&[
            "history",
            "order-events",
            "--history",
            &h,
            "--metric",
            "median",
        ]),
        &["median", "null_rate"],
    );
    fails_with(
        &plimsoll(&[
            "history",
            "order-events",
            "--history",
            &h,
            "--field",
            "status",
            "--metric",
            "mean",
        ]),
        &["`mean` is not defined for `status`"],
    );
    fails_with(
        &plimsoll(&[
            "history",
            "order-events",
            "--history",
            &dir.path().join("none").display().to_string(),
        ]),
        &["does not exist"],
    );
}
