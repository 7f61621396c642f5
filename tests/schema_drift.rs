//! `schema_drift`: columns added, removed or retyped against the baseline, reported for every
//! column of the table (no contract names them), a warning by default and a failure under
//! `schema: { allow_*: false }`. The expected changes come from the Parquet files' own schemas
//! (read here with the parquet crate) or from how the test wrote the table.

mod common;

use arrow::array::{ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};
use common::{parquet, plimsoll, plimsoll_json, root};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// The column names of the Parquet files of one partition directory (read from the footers).
fn columns_of(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "parquet") {
            let file = std::fs::File::open(&path).unwrap();
            let b = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                .unwrap();
            out.extend(b.schema().fields().iter().map(|f| f.name().clone()));
        }
    }
    out
}

fn contract(dir: &Path, table: &str, extra: &str) -> String {
    let path = dir.join(format!("c{}.yaml", extra.len()));
    std::fs::write(
        &path,
        format!(
            "consumer: reader\ndepends_on:\n  - table: {table}\n{extra}    fields:\n      - name: order_id\n"
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

fn drift_results(v: &Value) -> Vec<&Value> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["check"] == "schema_drift")
        .collect()
}

/// The (column, change, status) of each `schema_drift` result, sorted.
fn changes(v: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = drift_results(v)
        .iter()
        .map(|r| {
            (
                r["field"].as_str().unwrap().to_string(),
                r["observed"]["change"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn check_orders(contract: &str, day: &str, baseline: &[&str]) -> (i32, Value) {
    let mut args = vec![
        "check",
        "testdata/orders",
        "--contract",
        contract,
        "--partition",
    ];
    let partition = format!("date={day}");
    args.push(&partition);
    args.extend_from_slice(baseline);
    args.extend_from_slice(&["--now", "2024-03-11T00:00:00Z", "--format", "json"]);
    let (code, v, stderr) = plimsoll_json(&args);
    assert_ne!(code, 2, "{stderr}");
    (code, v)
}

#[test]
fn a_column_added_on_day_seven_is_reported_though_no_contract_names_it() {
    let orders = root().join("testdata/orders");
    let before = columns_of(&orders.join("date=2024-03-06"));
    let after = columns_of(&orders.join("date=2024-03-07"));
    let added: Vec<String> = after.difference(&before).cloned().collect();
    assert!(!added.is_empty(), "the fixture adds a column on day seven");
    assert!(before.is_subset(&after));
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    let history = history.to_str().unwrap();
    let lenient = contract(dir.path(), "order-events", "");
    assert!(added.iter().all(|c| {
        !std::fs::read_to_string(&lenient)
            .unwrap()
            .contains(c.as_str())
    }));
    let expected_warn: Vec<(String, String, String)> = added
        .iter()
        .map(|c| (c.clone(), "added".to_string(), "warn".to_string()))
        .collect();
    for baseline in [
        &["--baseline", "date=2024-03-06"][..],
        &["--baseline", "6d"][..],
        &["--history", history][..],
    ] {
        let (code, v) = check_orders(&lenient, "2024-03-07", baseline);
        assert_eq!(changes(&v), expected_warn, "{baseline:?}");
        // A warning is no failure.
        assert_eq!(code, 0, "{baseline:?}");
        assert_eq!(v["status"], "warn");
        let r = drift_results(&v)[0];
        assert_eq!(r["observed"]["baseline_slice"], "date=2024-03-06");
        assert_eq!(r["table"], "order-events");
    }
    let strict = contract(
        dir.path(),
        "order-events",
        "    schema: { allow_new_columns: false }\n",
    );
    let (code, v) = check_orders(&strict, "2024-03-07", &["--baseline", "6d"]);
    let expected_fail: Vec<(String, String, String)> = added
        .iter()
        .map(|c| (c.clone(), "added".to_string(), "fail".to_string()))
        .collect();
    assert_eq!(changes(&v), expected_fail);
    assert_eq!(code, 1);
    // The day after, the baseline's latest slice has the column: nothing changed, and the
    // declared policy passes.
    let (code, v) = check_orders(&strict, "2024-03-08", &["--baseline", "7d"]);
    let results = drift_results(&v);
    assert_eq!(results.len(), 1, "{results:#?}");
    assert_eq!(results[0]["status"], "pass");
    assert_eq!(code, 0);
    let (_, v) = check_orders(&lenient, "2024-03-08", &["--baseline", "7d"]);
    assert!(drift_results(&v).is_empty());
}

/// Four daily partitions: `id` Int32 -> Int64, `gone` removed and `score` Float64 -> Utf8 on
/// the fourth day.
fn write_changing_table(dir: &Path) {
    let n = 300;
    for d in 1..=4 {
        let mut cols: Vec<(&str, ArrayRef)> = Vec::new();
        if d < 4 {
            cols.push(("id", Arc::new(Int32Array::from_iter_values(0..n))));
        } else {
            cols.push(("id", Arc::new(Int64Array::from_iter_values(0..n as i64))));
        }
        let ids: Vec<String> = (0..n).map(|i| format!("o{i}")).collect();
        cols.push(("order_id", Arc::new(StringArray::from(ids))));
        if d < 4 {
            cols.push((
                "gone",
                Arc::new(StringArray::from_iter_values((0..n).map(|_| "g"))),
            ));
            cols.push((
                "score",
                Arc::new(Float64Array::from_iter_values((0..n).map(f64::from))),
            ));
        } else {
            cols.push((
                "score",
                Arc::new(StringArray::from_iter_values((0..n).map(|i| i.to_string()))),
            ));
        }
        let batch = RecordBatch::try_from_iter(cols).unwrap();
        parquet(
            dir,
            &format!("date=2024-03-0{d}/part.parquet"),
            std::slice::from_ref(&batch),
        );
    }
}

#[test]
fn removed_and_retyped_columns_warn_or_fail_day_after_day() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("t");
    write_changing_table(&table);
    let history = dir.path().join("history");
    let lenient = contract(dir.path(), "t", "");
    let mut last = Value::Null;
    for d in 1..=4 {
        let (code, v, stderr) = plimsoll_json(&[
            "check",
            table.to_str().unwrap(),
            "--contract",
            &lenient,
            "--partition",
            &format!("date=2024-03-0{d}"),
            "--history",
            history.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "day {d}: {stderr}");
        if d < 4 {
            assert!(drift_results(&v).is_empty(), "day {d}: {v:#}");
        }
        last = v;
    }
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        changes(&last),
        vec![
            s("gone", "removed", "warn"),
            s("id", "retyped", "warn"),
            s("score", "retyped", "warn"),
        ]
    );
    let id = drift_results(&last)
        .into_iter()
        .find(|r| r["field"] == "id")
        .unwrap();
    assert_eq!(id["observed"]["baseline_type"], "Int32");
    assert_eq!(id["observed"]["current_type"], "Int64");
    // The stored slices are the baseline: the same changes under a stricter policy fail.
    let strict = contract(
        dir.path(),
        "t",
        "    schema: { allow_removed_columns: false, allow_type_changes: false }\n",
    );
    let (code, v, stderr) = plimsoll_json(&[
        "check",
        table.to_str().unwrap(),
        "--contract",
        &strict,
        "--partition",
        "date=2024-03-04",
        "--baseline",
        "3d",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        changes(&v),
        vec![
            s("gone", "removed", "fail"),
            s("id", "retyped", "fail"),
            s("score", "retyped", "fail"),
        ]
    );
}

#[test]
fn drift_shows_the_schema_changes_first() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("t");
    write_changing_table(&table);
    let t = table.to_str().unwrap();
    let args = [
        "drift",
        t,
        "--partition",
        "date=2024-03-04",
        "--baseline",
        "3d",
    ];
    let r = plimsoll(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let first: Vec<&str> = r.stdout.lines().take(4).collect();
    assert!(first[0].starts_with("schema changed"), "{}", r.stdout);
    assert!(
        first.iter().any(|l| l.contains("`gone` removed")),
        "{}",
        r.stdout
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let (code, v, _) = plimsoll_json(&json_args);
    assert_eq!(code, 0);
    assert_eq!(v["status"], "warn");
    let mut got: Vec<(String, String)> = v["schema_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["column"].as_str().unwrap().to_string(),
                c["change"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        got,
        vec![
            s("gone", "removed"),
            s("id", "retyped"),
            s("score", "retyped")
        ]
    );
    // Against an unchanged day, nothing.
    let (_, v, _) = plimsoll_json(&[
        "drift",
        t,
        "--partition",
        "date=2024-03-03",
        "--baseline",
        "2d",
        "--format",
        "json",
    ]);
    assert_eq!(v["schema_changes"], serde_json::json!([]));
}
