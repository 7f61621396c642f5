//! Baselines and drift end to end: PSI against a plain reference, synthetic drift that must be
//! caught, stability that must not be flagged, history, and referential integrity.

mod common;

use arrow::array::*;
use arrow::datatypes::{DataType, Field, Schema};
use common::{plimsoll, plimsoll_json};
use plimsoll::generate::{Anomaly, OrdersSpec, Rng, write_orders};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

fn floats(values: &[f64]) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Float64, false)]));
    RecordBatch::try_new(schema, vec![Arc::new(Float64Array::from(values.to_vec()))]).unwrap()
}

/// PSI from raw values, written out plainly: bins left-closed at `edges`, proportions floored at
/// 1e-4, sum of (c - b) ln(c / b).
fn reference_psi(edges: &[f64], baseline: &[f64], current: &[f64]) -> f64 {
    let props = |v: &[f64]| {
        let mut counts = vec![0usize; edges.len() + 1];
        for x in v {
            let mut bin = 0;
            while bin < edges.len() && *x >= edges[bin] {
                bin += 1;
            }
            counts[bin] += 1;
        }
        counts
            .iter()
            .map(|c| (*c as f64 / v.len() as f64).max(1e-4))
            .collect::<Vec<_>>()
    };
    let (b, c) = (props(baseline), props(current));
    b.iter().zip(&c).map(|(b, c)| (c - b) * (c / b).ln()).sum()
}

/// Nearest-rank deciles of raw values, duplicates removed.
fn exact_edges(values: &[f64]) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mut e: Vec<f64> = (1..10)
        .map(|i| v[((i as f64 / 10.0 * v.len() as f64).ceil() as usize).max(1) - 1])
        .collect();
    e.dedup();
    e
}

fn drift_json(dir: &Path, baseline: &[f64], current: &[f64]) -> Value {
    let b = common::parquet(dir, "b/part.parquet", &[floats(baseline)]);
    let c = common::parquet(dir, "c/part.parquet", &[floats(current)]);
    let (code, v, stderr) = plimsoll_json(&[
        "drift",
        c.parent().unwrap().to_str().unwrap(),
        "--baseline",
        b.parent().unwrap().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(code == 0 || code == 1, "{stderr}");
    v["fields"][0].clone()
}

fn edges_of(v: &Value) -> Vec<f64> {
    v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_f64().unwrap())
        .collect()
}

#[test]
fn psi_equals_a_plain_reference_given_the_same_edges() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(17);
    for case in 0..4 {
        // Under 400 values the baseline sketch is exact, so both sides are counted.
        let n = 150 + 60 * case;
        let baseline: Vec<f64> = (0..n).map(|_| rng.normal() * 10.0).collect();
        let current: Vec<f64> = (0..n)
            .map(|_| rng.normal() * 10.0 + case as f64 * 2.0)
            .collect();
        let d = drift_json(&dir.path().join(format!("{case}")), &baseline, &current);
        assert_eq!(d["baseline_counts"], "counted");
        assert_eq!(d["current_counts"], "counted");
        let edges = edges_of(&d);
        assert_eq!(
            edges,
            exact_edges(&baseline),
            "edges are the baseline's deciles"
        );
        let want = reference_psi(&edges, &baseline, &current);
        let got = d["psi"].as_f64().unwrap();
        assert!((got - want).abs() < 1e-9, "case {case}: {got} vs {want}");
        let contributions: f64 = d["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_f64().unwrap())
            .sum();
        assert!((contributions - got).abs() < 1e-12);
    }
}

#[test]
fn a_baseline_scanned_in_the_run_is_counted_exactly_against_its_edges() {
    // 50k baseline values: the decile edges come from the KLL sketch; both sides are then counted
    // exactly against those edges (the baseline in a second, light scan), so PSI equals the
    // plain reference over the raw values with the same edges.
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(5);
    let baseline: Vec<f64> = (0..50_000)
        .map(|_| (3.0 + 0.5 * rng.normal()).exp())
        .collect();
    let current: Vec<f64> = (0..20_000)
        .map(|_| (3.1 + 0.55 * rng.normal()).exp())
        .collect();
    let d = drift_json(dir.path(), &baseline, &current);
    assert_eq!(d["baseline_counts"], "counted");
    assert_eq!(d["current_counts"], "counted");
    assert!(d.get("psi_range").is_none(), "exact counts have no range");
    let got = d["psi"].as_f64().unwrap();
    // Same (sketch) edges, raw values: both sides exact.
    let same_edges = reference_psi(&edges_of(&d), &baseline, &current);
    assert!((got - same_edges).abs() < 1e-9, "{got} vs {same_edges}");
    // Exact deciles: a stated tolerance of 0.01.
    let exact = reference_psi(&exact_edges(&baseline), &baseline, &current);
    assert!((got - exact).abs() < 0.01, "{got} vs {exact}");
}

#[test]
fn psi_of_a_table_with_itself_is_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(9);
    let values: Vec<f64> = (0..300).map(|_| rng.f64() * 100.0).collect();
    let d = drift_json(dir.path(), &values, &values);
    assert_eq!(d["psi"].as_f64().unwrap(), 0.0);
    assert_eq!(d["status"], "pass");
}

fn drifting_table(dir: &Path, seed: u64, anomalies: Vec<(u32, Anomaly)>) -> String {
    drifting_days(dir, seed, anomalies, 12)
}

fn drifting_days(dir: &Path, seed: u64, anomalies: Vec<(u32, Anomaly)>, days: u32) -> String {
    let spec = OrdersSpec {
        days,
        seed,
        channel_from_day: 0,
        anomalies,
        ..OrdersSpec::default()
    };
    write_orders(&dir.join("orders"), &spec).unwrap();
    dir.join("orders").to_str().unwrap().to_string()
}

const CONTRACT: &str = "consumer: drift-watch
depends_on:
  - table: orders
    row_count: { baseline_days: 7, min_ratio: 0.6 }   # weekends carry ~70% of a weekday
    fields:
      - { name: total_usd, type: number, required: true, drift: { max_psi: 0.2 } }
      - { name: status, type: string, required: true, drift: { max_psi: 0.2 } }
      - { name: customer_id, type: integer, required: true }
";

fn check_day(table: &str, contract: &Path, history: Option<&Path>, day: &str) -> (i32, Value) {
    let partition = format!("date={day}");
    let mut args = vec![
        "check",
        table,
        "--contract",
        contract.to_str().unwrap(),
        "--partition",
        &partition,
        "--format",
        "json",
    ];
    if let Some(h) = history {
        args.extend(["--history", h.to_str().unwrap()]);
    }
    let (code, v, stderr) = plimsoll_json(&args);
    assert!(code < 2, "{stderr}");
    (code, v)
}

fn status_of(v: &Value, check: &str, field: Option<&str>) -> String {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == check && r["field"].as_str() == field)
        .unwrap_or_else(|| panic!("no {check} {field:?} in {v:#}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

fn failures(v: &Value) -> Vec<String> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| format!("{} {} {}", r["check"], r["field"], r["message"]))
        .collect()
}

#[test]
fn synthetic_drift_is_caught_day_after_day_with_history() {
    let dir = tempfile::tempdir().unwrap();
    // Days 0..=7 are normal; 8: 20% of amounts in cents; 9: new status values; 10: 30% of
    // customer ids null; 11: 30% of the usual rows.
    let table = drifting_days(
        dir.path(),
        77,
        vec![
            (8, Anomaly::Cents(0.2)),
            (9, Anomaly::NewStatuses(0.1)),
            (10, Anomaly::NullCustomers(0.3)),
            (11, Anomaly::Volume(0.3)),
        ],
        13,
    );
    let contract = dir.path().join("c.yaml");
    std::fs::write(&contract, CONTRACT).unwrap();
    let history = dir.path().join("history");
    let (code, v) = check_day(&table, &contract, Some(&history), "2024-03-08");
    assert_eq!(code, 0, "a normal day passes: {:?}", failures(&v));
    let (code, v) = check_day(&table, &contract, Some(&history), "2024-03-09");
    assert_eq!(code, 1);
    assert_eq!(status_of(&v, "drift", Some("total_usd")), "fail");
    // PSI, and the unit change beside it (a fifth of the amounts in cents).
    assert_eq!(status_of(&v, "unit_change", Some("total_usd")), "fail");
    assert_eq!(failures(&v).len(), 2, "{:?}", failures(&v));
    let (code, v) = check_day(&table, &contract, Some(&history), "2024-03-10");
    assert_eq!(code, 1);
    assert_eq!(status_of(&v, "drift", Some("status")), "fail");
    let d = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "drift" && r["field"] == "status")
        .unwrap();
    assert_eq!(
        d["observed"]["new_values"],
        serde_json::json!(["on_hold", "refunded"])
    );
    // 2024-03-09 failed on `total_usd` only: it stays in the table's baseline (row count) and
    // in every other field's, and is left out of `total_usd`'s alone, saying so.
    let rc = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "row_count")
        .unwrap();
    let slices: Vec<&str> = rc["observed"]["baseline_slices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(slices.contains(&"date=2024-03-09"), "{slices:?}");
    assert_eq!(slices.len(), 7);
    let usd = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "drift" && r["field"] == "total_usd")
        .unwrap();
    let message = usd["message"].as_str().unwrap();
    assert!(
        message.contains("left out of `total_usd`'s baseline")
            && message.contains("date=2024-03-09 (`drift`, `unit_change` failed)"),
        "{message}"
    );
    assert_eq!(usd["status"], "pass", "{message}");
    let (code, v) = check_day(&table, &contract, Some(&history), "2024-03-11");
    assert_eq!(code, 1);
    assert_eq!(status_of(&v, "null_rate", Some("customer_id")), "fail");
    assert_eq!(
        status_of(&v, "null_rate_change", Some("customer_id")),
        "warn"
    );
    let (code, v) = check_day(&table, &contract, Some(&history), "2024-03-12");
    assert_eq!(code, 1);
    assert_eq!(status_of(&v, "row_count", None), "fail");
    assert_eq!(failures(&v).len(), 1, "{:?}", failures(&v));
    // A table-level failure keeps the day out of the whole baseline of the next one.
    let (_, v) = check_day(&table, &contract, Some(&history), "2024-03-13");
    let rc = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "row_count")
        .unwrap();
    let slices: Vec<&str> = rc["observed"]["baseline_slices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(!slices.contains(&"date=2024-03-12"), "{slices:?}");
    let skipped = &v["tables"][0]["baseline"]["skipped"];
    assert!(
        skipped
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["slice"] == "date=2024-03-12"
                && s["field"].is_null()
                && s["reason"] == "`row_count` failed"),
        "{skipped}"
    );

    // The history holds every day profiled, and the run log every run.
    let (code, st, _) = plimsoll_json(&[
        "status",
        "--history",
        history.to_str().unwrap(),
        "--format",
        "json",
        "--expect-every",
        "24h",
    ]);
    // The last run (2024-03-13) passed; failing and overdue are told apart.
    assert_eq!(code, 0, "{st}");
    assert_eq!(st["tables"][0]["table"], "orders");
    assert_eq!(st["tables"][0]["states"], serde_json::json!(["ok"]));
}

#[test]
fn stable_data_is_not_flagged() {
    // The same generator with 30 seeds: a week of baseline and one more day, no anomaly.
    let mut false_positives = Vec::new();
    for seed in 0..30u64 {
        let dir = tempfile::tempdir().unwrap();
        let spec = OrdersSpec {
            days: 8,
            seed: 1_000 + seed,
            rows_per_day: 3_000,
            channel_from_day: 0,
            ..OrdersSpec::default()
        };
        write_orders(&dir.path().join("orders"), &spec).unwrap();
        let contract = dir.path().join("c.yaml");
        std::fs::write(&contract, CONTRACT).unwrap();
        let table = dir.path().join("orders");
        let (code, v) = check_day(table.to_str().unwrap(), &contract, None, "2024-03-08");
        if code != 0 {
            false_positives.push(format!("seed {seed}: {:?}", failures(&v)));
        }
    }
    eprintln!("false positives: {} of 30", false_positives.len());
    assert!(false_positives.is_empty(), "{false_positives:#?}");
}

#[test]
fn baseline_from_stored_profiles_equals_rescanning() {
    let dir = tempfile::tempdir().unwrap();
    let table = drifting_table(dir.path(), 3, vec![]);
    let history = dir.path().join("history");
    // Backfill the first 8 days, twice: the second run changes nothing.
    let backfill = || {
        for day in 1..=8 {
            let p = format!("date=2024-03-{day:02}");
            let h = history.to_str().unwrap();
            let r = plimsoll(&[
                "profile",
                &table,
                "--partition",
                &p,
                "--history",
                h,
                "--name",
                "orders",
            ]);
            assert_eq!(r.code, 0, "{}", r.stderr);
        }
    };
    backfill();
    let snapshot = |dir: &Path| {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        fn walk(p: &Path, out: &mut Vec<(String, Vec<u8>)>) {
            for e in std::fs::read_dir(p).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out)
                } else {
                    out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
                }
            }
        }
        walk(dir, &mut files);
        files.sort();
        files
    };
    let before = snapshot(&history);
    assert_eq!(before.len(), 8);
    backfill();
    assert_eq!(
        snapshot(&history),
        before,
        "re-running a backfill changes nothing"
    );
    // A run killed between write and rename leaves a temporary object; it is ignored.
    let tmp = history
        .join("profiles")
        .join("orders")
        .join(".tmp-date=2024-03-08-dead.json");
    std::fs::write(&tmp, b"{ partial").unwrap();

    let args = |h: Option<&Path>| {
        let mut a = vec![
            "drift".to_string(),
            table.clone(),
            "--partition".into(),
            "date=2024-03-09".into(),
            "--format".into(),
            "json".into(),
        ];
        if let Some(h) = h {
            a.extend([
                "--history".into(),
                h.to_str().unwrap().into(),
                "--name".into(),
                "orders".into(),
            ]);
        }
        a
    };
    let stored = common::plimsoll(
        &args(Some(&history))
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let rescanned = common::plimsoll(&args(None).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        stored.code, rescanned.code,
        "{}{}",
        stored.stderr, rescanned.stderr
    );
    let (s, r): (Value, Value) = (
        serde_json::from_str(&stored.stdout).unwrap(),
        serde_json::from_str(&rescanned.stdout).unwrap(),
    );
    assert!(
        s["baseline_slices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["stored"] == true)
    );
    assert!(
        r["baseline_slices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["stored"] == false)
    );
    // Exact parts are equal; sketch-derived parts (edges, the baseline side's proportions, KS) agree
    // within the sketches' error: a rescan of eight days at once splits the data among threads
    // differently from eight one-day scans, and quantile sketches depend on that split.
    let (sf, rf) = (
        s["fields"].as_array().unwrap(),
        r["fields"].as_array().unwrap(),
    );
    assert_eq!(sf.len(), rf.len());
    for f in sf {
        let g = rf.iter().find(|g| g["name"] == f["name"]).unwrap();
        assert_eq!(f["n_baseline"], g["n_baseline"], "{}", f["name"]);
        assert_eq!(f["n_current"], g["n_current"], "{}", f["name"]);
        assert_eq!(f["status"], g["status"], "{}\n{f}\n{g}", f["name"]);
        if f["method"] == "categorical" && f["baseline_counts"] == "counted" {
            assert_eq!(f, g, "categorical drift is exact");
        } else if let (Some(a), Some(b)) = (f["psi"].as_f64(), g["psi"].as_f64()) {
            assert!((a - b).abs() < 0.005, "{}: psi {a} vs {b}", f["name"]);
        }
    }
}

#[test]
fn references_measure_a_known_unmatched_rate() {
    let dir = tempfile::tempdir().unwrap();
    let spec = OrdersSpec {
        days: 1,
        anomalies: vec![(0, Anomaly::Orphans(0.02))],
        ..OrdersSpec::default()
    };
    let files = write_orders(&dir.path().join("orders"), &spec).unwrap();
    // The expected rate, counted independently from the written file.
    let (mut keys, mut orphans) = (0u64, 0u64);
    for f in &files {
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(f).unwrap(),
        )
        .unwrap()
        .build()
        .unwrap();
        for b in reader {
            let b = b.unwrap();
            let ids = b
                .column_by_name("customer_id")
                .unwrap()
                .as_primitive::<arrow::datatypes::Int64Type>()
                .clone();
            for id in ids.iter().flatten() {
                keys += 1;
                orphans += u64::from(id > 2_000);
            }
        }
    }
    assert!(orphans > 0);
    let contract = dir.path().join("c.yaml");
    std::fs::write(
        &contract,
        "consumer: joins\ndepends_on:\n  - table: orders\n    fields:\n      - name: customer_id\n        references: { table: customers, field: customer_id, max_unmatched_rate: 0.001 }\n",
    )
    .unwrap();
    let (code, v, stderr) = plimsoll_json(&[
        "check",
        dir.path().join("orders").to_str().unwrap(),
        "--contract",
        contract.to_str().unwrap(),
        "--table",
        "customers=testdata/customers",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let r = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "references")
        .unwrap();
    assert_eq!(r["status"], "fail");
    assert_eq!(r["observed"]["keys"], keys);
    assert_eq!(r["observed"]["unmatched"], orphans);
    // Against the full table the generated orders all match.
    let (code, v, _) = plimsoll_json(&[
        "check",
        "testdata/orders",
        "--contract",
        contract.to_str().unwrap(),
        "--table",
        "customers=testdata/customers",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let r = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "references")
        .unwrap();
    assert_eq!(r["observed"]["unmatched"], 0);
}

#[test]
fn status_flags_overdue_tables() {
    let dir = tempfile::tempdir().unwrap();
    let table = drifting_table(dir.path(), 11, vec![]);
    let contract = dir.path().join("c.yaml");
    std::fs::write(&contract, CONTRACT).unwrap();
    let history = dir.path().join("history");
    let (code, _) = check_day(&table, &contract, Some(&history), "2024-03-08");
    assert_eq!(code, 0);
    let h = history.to_str().unwrap();
    let soon = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let later = (chrono::Utc::now() + chrono::Duration::hours(30)).to_rfc3339();
    let (code, v, _) =
        plimsoll_json(&["status", "--history", h, "--now", &soon, "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(v["tables"][0]["overdue"], false);
    let (code, v, _) = plimsoll_json(&[
        "status",
        "--history",
        h,
        "--now",
        &later,
        "--format",
        "json",
    ]);
    assert_eq!(
        code, 1,
        "a day and more without a successful run is overdue"
    );
    assert_eq!(v["tables"][0]["overdue"], true);
    let r = plimsoll(&[
        "status",
        "--history",
        h,
        "--now",
        &later,
        "--expect-every",
        "2d",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = plimsoll(&["status", "--history", h, "--expect-every", "soon"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid duration"), "{}", r.stderr);
}

#[test]
fn same_weekday_baselines_and_explicit_baselines() {
    let dir = tempfile::tempdir().unwrap();
    let spec = OrdersSpec {
        days: 22,
        rows_per_day: 500,
        channel_from_day: 0,
        ..OrdersSpec::default()
    };
    write_orders(&dir.path().join("orders"), &spec).unwrap();
    let table = dir.path().join("orders");
    let contract = dir.path().join("c.yaml");
    std::fs::write(&contract, CONTRACT).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "check",
            table.to_str().unwrap(),
            "--contract",
            contract.to_str().unwrap(),
            "--partition",
            "date=2024-03-22",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let (code, v, stderr) = plimsoll_json(&args);
        assert!(code < 2, "{stderr}");
        let rc = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["check"] == "row_count")
            .unwrap()
            .clone();
        rc["observed"]["baseline_slices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    // 2024-03-22 is a Friday: the same weekday of the three weeks before.
    assert_eq!(
        run(&["--same-weekday"]),
        ["date=2024-03-01", "date=2024-03-08", "date=2024-03-15"]
    );
    assert_eq!(
        run(&["--baseline", "3d"]),
        ["date=2024-03-19", "date=2024-03-20", "date=2024-03-21"]
    );
    assert_eq!(run(&["--baseline", "date=2024-03-01"]), ["date=2024-03-01"]);
    let r = plimsoll(&[
        "check",
        table.to_str().unwrap(),
        "--contract",
        contract.to_str().unwrap(),
        "--baseline",
        "3d",
    ]);
    assert_eq!(r.code, 2, "`3d` needs one date partition selected");
    assert!(
        r.stderr.contains("needs one date partition"),
        "{}",
        r.stderr
    );
}

#[test]
fn too_little_data_warns_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let baseline: Vec<f64> = (0..50).map(f64::from).collect();
    let current: Vec<f64> = (0..50).map(|x| f64::from(x) * 100.0).collect();
    let d = drift_json(dir.path(), &baseline, &current);
    assert!(d["psi"].as_f64().unwrap() > 0.2);
    assert_eq!(
        d["status"], "warn",
        "fewer than 100 values on a side is not judged"
    );
}

/// A drift contract on column `x` of an unpartitioned table `amounts`.
const AMOUNTS: &str = "consumer: x\ndepends_on:\n  - table: amounts\n    fields:\n      - { name: x, drift: { max_psi: 0.2 } }\n";

/// Writes `values` as today's `amounts` table and checks it with the history: the exit code and
/// the drift result.
fn check_amounts(dir: &Path, history: &Path, values: &[f64]) -> (i32, Value) {
    let contract = dir.join("c.yaml");
    std::fs::write(&contract, AMOUNTS).unwrap();
    let path = common::parquet(dir, "amounts.parquet", &[floats(values)]);
    let (code, v, stderr) = plimsoll_json(&[
        "check",
        path.to_str().unwrap(),
        "--contract",
        contract.to_str().unwrap(),
        "--history",
        history.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(code < 2, "{stderr}");
    let drift = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "drift")
        .unwrap()
        .clone();
    (code, drift)
}

#[test]
fn unpartitioned_tables_use_earlier_runs_from_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    let mut rng = Rng::new(1);
    let mut codes = Vec::new();
    for day in 0..4 {
        let shift = if day == 3 { 50.0 } else { 0.0 };
        let values: Vec<f64> = (0..1_000).map(|_| rng.normal() * 10.0 + shift).collect();
        let (code, drift) = check_amounts(dir.path(), &history, &values);
        codes.push((code, drift["status"].as_str().unwrap().to_string()));
    }
    assert_eq!(
        codes[0],
        (0, "warn".to_string()),
        "the first run has no baseline"
    );
    assert_eq!(codes[1].0, 0);
    assert_eq!(codes[2].0, 0);
    assert_eq!(
        codes[3],
        (1, "fail".to_string()),
        "a shifted distribution against the earlier runs"
    );
}

fn ints(name: &str, values: &[Option<i64>]) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![Field::new(name, DataType::Int64, true)]));
    RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from(values.to_vec()))]).unwrap()
}

/// `drift` of one integer column, current against baseline (both written as one file each).
fn int_drift(dir: &Path, baseline: &[Option<i64>], current: &[Option<i64>]) -> (i32, Value) {
    let b = common::parquet(dir, "b/part.parquet", &[ints("month", baseline)]);
    let c = common::parquet(dir, "c/part.parquet", &[ints("month", current)]);
    let (code, v, stderr) = plimsoll_json(&[
        "drift",
        c.parent().unwrap().to_str().unwrap(),
        "--baseline",
        b.parent().unwrap().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(code == 0 || code == 1, "{stderr}");
    (code, v["fields"][0].clone())
}

/// PSI over one bin per distinct value (a plain reference for fields with few values, where
/// every bin of the product's binning holds at most one distinct value).
fn reference_value_psi(baseline: &[i64], current: &[i64]) -> f64 {
    let mut values: Vec<i64> = baseline.iter().chain(current).copied().collect();
    values.sort();
    values.dedup();
    let share = |v: &[i64], x: i64| {
        (v.iter().filter(|y| **y == x).count() as f64 / v.len() as f64).max(1e-4)
    };
    values
        .iter()
        .map(|&x| {
            let (b, c) = (share(baseline, x), share(current, x));
            (c - b) * (c / b).ln()
        })
        .sum()
}

#[test]
fn a_constant_baseline_against_another_constant_drifts() {
    // `month` all 7 in the baseline, all 1 now: the deciles collapse to one edge, which used to
    // put every value in one bin and give PSI 0.
    let dir = tempfile::tempdir().unwrap();
    let (code, d) = int_drift(dir.path(), &[Some(7); 5_000], &[Some(1); 5_000]);
    let want = 2.0 * (1.0 - 1e-4) * (1e4f64).ln();
    let got = d["psi"].as_f64().unwrap();
    assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    assert_eq!(d["status"], "fail");
    assert_eq!(d["binning"], "values");
    assert_eq!(code, 1);
    // The same constant on both sides: no drift.
    let (_, same) = int_drift(&dir.path().join("same"), &[Some(7); 500], &[Some(7); 500]);
    assert_eq!(same["psi"].as_f64().unwrap(), 0.0);
    assert_eq!(same["status"], "pass");
}

#[test]
fn two_values_against_three_values_drift() {
    let dir = tempfile::tempdir().unwrap();
    let baseline: Vec<i64> = (0..6_000).map(|i| 1 + i % 2).collect();
    let current: Vec<i64> = (0..6_000).map(|i| 1 + i % 3).collect();
    let wrap = |v: &[i64]| v.iter().map(|x| Some(*x)).collect::<Vec<_>>();
    let (_, d) = int_drift(dir.path(), &wrap(&baseline), &wrap(&current));
    let want = reference_value_psi(&baseline, &current);
    let got = d["psi"].as_f64().unwrap();
    assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    assert!(want > 0.2);
    assert_eq!(d["status"], "fail");
    assert_eq!(d["baseline_counts"], "counted");
    // A rare third value in the baseline keeps its own bin, too.
    let baseline: Vec<i64> = (0..6_000)
        .map(|i| if i % 100 == 0 { 3 } else { 1 + i % 2 })
        .collect();
    let current: Vec<i64> = (0..6_000)
        .map(|i| if i % 10 == 0 { 3 } else { 1 + i % 2 })
        .collect();
    let (_, d) = int_drift(&dir.path().join("rare"), &wrap(&baseline), &wrap(&current));
    let want = reference_value_psi(&baseline, &current);
    let got = d["psi"].as_f64().unwrap();
    assert!((got - want).abs() < 1e-9, "{got} vs {want}");
}

#[test]
fn a_heavy_value_among_many_gets_a_bin_of_its_own() {
    // 60% zeros and a continuous rest: the deciles repeat 0, so 0 gets a bin of its own and a
    // change in the share of zeros is seen even when the rest moves within the first bin.
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(3);
    let baseline: Vec<f64> = (0..2_000)
        .map(|i| if i % 10 < 6 { 0.0 } else { rng.f64() * 100.0 })
        .collect();
    let current: Vec<f64> = (0..2_000)
        .map(|i| if i % 10 < 3 { 0.0 } else { rng.f64() * 100.0 })
        .collect();
    let d = drift_json(dir.path(), &baseline, &current);
    let edges = edges_of(&d);
    assert_eq!(edges[0], 0.0);
    assert_eq!(edges[1], 0.0f64.next_up());
    let got = d["psi"].as_f64().unwrap();
    let want = reference_psi(&edges, &baseline, &current);
    assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    assert_eq!(d["status"], "fail", "the share of zeros halved");
}

#[test]
fn an_all_null_baseline_is_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (_, d) = int_drift(dir.path(), &[None; 500], &[Some(3); 500]);
    assert_eq!(d["status"], "warn", "{d}");
    assert!(d["psi"].is_null());
    assert!(
        d["message"].as_str().unwrap().contains("no non-null value"),
        "{d}"
    );
}

#[test]
fn a_baseline_from_the_history_says_its_bins_are_sketched_and_gives_the_range() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    let mut rng = Rng::new(11);
    let first: Vec<f64> = (0..30_000).map(|_| rng.normal() * 10.0).collect();
    let second: Vec<f64> = (0..30_000).map(|_| rng.normal() * 10.0 + 1.5).collect();
    check_amounts(dir.path(), &history, &first);
    let (_, drift) = check_amounts(dir.path(), &history, &second);
    let o = &drift["observed"];
    assert_eq!(o["baseline_counts"], "sketch");
    assert_eq!(o["current_counts"], "counted");
    let (low, high) = (
        o["psi_range"]["low"].as_f64().unwrap(),
        o["psi_range"]["high"].as_f64().unwrap(),
    );
    let edges = edges_of(o);
    let exact = reference_psi(&edges, &first, &second);
    assert!(low <= exact && exact <= high, "{low} <= {exact} <= {high}");
    let message = drift["message"].as_str().unwrap();
    assert!(
        message.contains("estimated from the sketches of 1 stored profile(s)"),
        "{message}"
    );
}
