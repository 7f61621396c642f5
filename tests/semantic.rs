//! The semantic drifts incidents name, end to end: `unit_change` (dollars to cents, on every row
//! and on a share of them), `new_values` (enum growth), `severity` (a failure reported as a
//! warning, and a warning made a failure), and the change thresholds as contract keys. Expected
//! values come from the tables themselves, read with arrow in the test, never from Plimsoll.

mod common;

use arrow::array::*;
use arrow::datatypes::{DataType, Field, Schema};
use common::{parquet, plimsoll, plimsoll_json};
use plimsoll::generate::Rng;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const ROWS: usize = 2_000;

fn amounts(values: &[f64]) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![Field::new(
        "amount",
        DataType::Float64,
        false,
    )]));
    RecordBatch::try_new(schema, vec![Arc::new(Float64Array::from(values.to_vec()))]).unwrap()
}

/// A day of prices in dollars: log-normal around $20, rounded to cents.
fn dollars(seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    (0..ROWS)
        .map(|_| ((3.0 + 0.5 * rng.normal()).exp() * 100.0).round() / 100.0)
        .collect()
}

/// Seven baseline days of dollars (date=2024-01-01..07) and `current` as 2024-01-08.
fn table(dir: &Path, current: &[f64]) -> PathBuf {
    for d in 1..=7 {
        parquet(
            dir,
            &format!("date=2024-01-0{d}/part.parquet"),
            &[amounts(&dollars(d))],
        );
    }
    parquet(dir, "date=2024-01-08/part.parquet", &[amounts(current)]);
    dir.to_path_buf()
}

fn contract(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("contract.yaml");
    std::fs::write(&path, format!("consumer: t\ndepends_on:\n{body}")).unwrap();
    path
}

const AMOUNT: &str = "  - table: pay\n    fields:\n      - name: amount\n        type: number\n        drift: { max_psi: 0.2 }\n";

/// `check` of the 2024-01-08 slice against the seven days before it.
fn check(table: &Path, contract: &Path, partition: &str) -> (i32, Value) {
    let (code, v, stderr) = plimsoll_json(&[
        "check",
        table.to_str().unwrap(),
        "--contract",
        contract.to_str().unwrap(),
        "--partition",
        partition,
        "--format",
        "json",
    ]);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    (code, v)
}

fn result<'a>(v: &'a Value, check: &str, field: Option<&str>) -> &'a Value {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == check && r["field"].as_str() == field)
        .unwrap_or_else(|| panic!("no {check} result for {field:?} in {v:#}"))
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The baseline's mean as the check defines it: the median of the days' means.
fn baseline_mean() -> f64 {
    median((1..=7).map(|d| mean(&dollars(d))).collect())
}

fn unit_change(current: &[f64]) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let t = table(&dir.path().join("pay"), current);
    let c = contract(dir.path(), AMOUNT);
    let (code, v) = check(&t, &c, "date=2024-01-08");
    (code, result(&v, "unit_change", Some("amount")).clone())
}

#[test]
fn dollars_to_cents_on_every_row_is_reported_as_x100() {
    let cents: Vec<f64> = dollars(8).iter().map(|x| (x * 100.0).round()).collect();
    let (code, r) = unit_change(&cents);
    assert_eq!(code, 1);
    assert_eq!(r["status"], "fail", "{r:#}");
    let message = r["message"].as_str().unwrap();
    assert!(
        message.contains("`amount` looks like a unit change (×100)"),
        "{message}"
    );
    let o = &r["observed"];
    assert_eq!(o["exponent"], 2);
    assert_eq!(o["evidence"], "ratio");
    // The mean is exact in the profile: the ratio is the plain one.
    let want = mean(&cents) / baseline_mean();
    let got = o["mean_ratio"].as_f64().unwrap();
    assert!((got - want).abs() < 1e-9 * want, "{got} vs {want}");
    // Medians come from quantile sketches: within their rank error.
    let want = median(cents.clone()) / median((1..=7).map(|d| median(dollars(d))).collect());
    let got = o["median_ratio"].as_f64().unwrap();
    assert!((got / want - 1.0).abs() < 0.03, "{got} vs {want}");
    assert!(o["share"].as_f64().unwrap() > 0.95, "{o:#}");
}

#[test]
fn cents_to_dollars_is_reported_as_x0_01() {
    let base = dollars(8);
    let (_, r) = unit_change(&base.iter().map(|x| x * 100.0).collect::<Vec<_>>());
    assert_eq!(r["observed"]["exponent"], 2);
    // And the other way: values a hundred times smaller than the baseline's.
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("pay");
    for d in 1..=7 {
        let cents: Vec<f64> = dollars(d).iter().map(|x| (x * 100.0).round()).collect();
        parquet(
            &t,
            &format!("date=2024-01-0{d}/part.parquet"),
            &[amounts(&cents)],
        );
    }
    parquet(&t, "date=2024-01-08/part.parquet", &[amounts(&base)]);
    let c = contract(dir.path(), AMOUNT);
    let (code, v) = check(&t, &c, "date=2024-01-08");
    let r = result(&v, "unit_change", Some("amount"));
    assert_eq!(code, 1);
    assert_eq!(r["observed"]["exponent"], -2, "{r:#}");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("looks like a unit change (×0.01)"),
        "{r:#}"
    );
}

#[test]
fn a_fifth_in_cents_is_reported_with_its_share() {
    // Every fifth row in cents: the share is 0.2 by construction, the median barely moves and
    // the mean moves ×20.8, no power of ten.
    let day: Vec<f64> = dollars(8)
        .iter()
        .enumerate()
        .map(|(i, x)| if i % 5 == 0 { (x * 100.0).round() } else { *x })
        .collect();
    let (code, r) = unit_change(&day);
    assert_eq!(code, 1);
    let o = &r["observed"];
    assert_eq!(r["status"], "fail", "{r:#}");
    assert_eq!(o["exponent"], 2);
    assert_eq!(o["evidence"], "share");
    let share = o["share"].as_f64().unwrap();
    assert!((share - 0.2).abs() < 0.03, "share {share}");
    let want = mean(&day) / baseline_mean();
    assert!((o["mean_ratio"].as_f64().unwrap() - want).abs() < 1e-9 * want);
    assert!(want > 15.0 && want < 25.0, "{want}");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("looks like a unit change (×100) on about"),
        "{r:#}"
    );
}

#[test]
fn a_stable_day_with_noise_and_scale_changes_that_are_no_power_of_ten_are_not_unit_changes() {
    // Another draw from the same distribution, ±3% noise on each value.
    let mut rng = Rng::new(99);
    let noisy: Vec<f64> = dollars(8)
        .iter()
        .map(|x| x * (1.0 + 0.03 * (2.0 * rng.f64() - 1.0)))
        .collect();
    let (code, r) = unit_change(&noisy);
    assert_eq!((code, r["status"].as_str()), (0, Some("pass")), "{r:#}");
    assert!(r["observed"]["exponent"].is_null());
    // Prices doubled, tripled, ×5, halved, ×20: the distribution moved (PSI's business), not
    // its unit: no share of it fits a rescaling to within noise.
    for factor in [2.0, 3.0, 5.0, 0.5, 0.2, 20.0] {
        let moved: Vec<f64> = dollars(8).iter().map(|x| x * factor).collect();
        let (_, r) = unit_change(&moved);
        assert_eq!(r["status"], "pass", "×{factor}: {r:#}");
        let want = mean(&moved) / baseline_mean();
        let got = r["observed"]["mean_ratio"].as_f64().unwrap();
        assert!(
            (got - want).abs() < 1e-9 * want,
            "×{factor}: {got} vs {want}"
        );
    }
}

#[test]
fn unit_change_can_be_turned_off_or_tuned() {
    let day: Vec<f64> = dollars(8)
        .iter()
        .enumerate()
        .map(|(i, x)| if i % 5 == 0 { (x * 100.0).round() } else { *x })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let t = table(&dir.path().join("pay"), &day);
    let field = "  - table: pay\n    fields:\n      - name: amount\n        drift: { max_psi: 5, unit_change: UC }\n";
    // Off: no result at all.
    let c = contract(dir.path(), &field.replace("UC", "false"));
    let (_, v) = check(&t, &c, "date=2024-01-08");
    assert!(
        !v["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["check"] == "unit_change")
    );
    // A fifth rescaled is below a minimum share of a quarter, above one of a tenth.
    for (min_share, want) in [("0.25", "pass"), ("0.1", "fail")] {
        let c = contract(
            dir.path(),
            &field.replace("UC", &format!("{{ min_share: {min_share} }}")),
        );
        let (_, v) = check(&t, &c, "date=2024-01-08");
        assert_eq!(
            result(&v, "unit_change", Some("amount"))["status"],
            want,
            "min_share {min_share}"
        );
    }
    // Every value ×80: 0.097 from ×100 in log10 (both ratios), so a unit change within a
    // tolerance of 0.11 and none within 0.08.
    let moved: Vec<f64> = dollars(8).iter().map(|x| x * 80.0).collect();
    let t = table(&dir.path().join("pay80"), &moved);
    let want_mean = mean(&moved) / baseline_mean();
    for (tolerance, want) in [("0.11", "fail"), ("0.08", "pass")] {
        let c = contract(
            dir.path(),
            &field.replace("UC", &format!("{{ tolerance: {tolerance} }}")),
        );
        let (_, v) = check(&t, &c, "date=2024-01-08");
        let r = result(&v, "unit_change", Some("amount"));
        assert_eq!(r["status"], want, "tolerance {tolerance}: {r:#}");
        let got = r["observed"]["mean_ratio"].as_f64().unwrap();
        assert!((got - want_mean).abs() < 1e-9 * want_mean);
        assert!((want_mean.log10() - 2.0).abs() > 0.09);
    }
}

// ---------------------------------------------------------------------------------------------
// testdata/orders_drift: 2024-03-09 has a fifth of `total_usd` in cents, 2024-03-10 two new
// `status` values, 2024-03-11 30% of `customer_id` null, 2024-03-12 30% of the rows.

fn orders() -> String {
    common::root()
        .join("testdata/orders_drift")
        .display()
        .to_string()
}

/// Every batch of one day of `testdata/orders_drift`, read with arrow.
fn day(date: &str) -> Vec<RecordBatch> {
    let dir = common::root().join(format!("testdata/orders_drift/date={date}"));
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(f).unwrap(),
        )
        .unwrap()
        .build()
        .unwrap();
        out.extend(r.map(|b| b.unwrap()));
    }
    out
}

fn strings(batches: &[RecordBatch], column: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for b in batches {
        let a = arrow::compute::cast(b.column_by_name(column).unwrap(), &DataType::Utf8).unwrap();
        let a = a.as_any().downcast_ref::<StringArray>().unwrap();
        out.extend(a.iter().map(|x| x.map(str::to_string)));
    }
    out
}

fn floats(batches: &[RecordBatch], column: &str) -> Vec<f64> {
    let mut out = Vec::new();
    for b in batches {
        let a = b
            .column_by_name(column)
            .unwrap()
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap()
            .clone();
        out.extend(a.iter().flatten().filter(|x| x.is_finite()));
    }
    out
}

/// The 7 dates before `date` (2024-03-DD).
fn week_before(date: u32) -> Vec<String> {
    (date.saturating_sub(7).max(1)..date)
        .map(|d| format!("2024-03-{d:02}"))
        .collect()
}

fn orders_check(contract_body: &str, date: u32) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let c = contract(dir.path(), contract_body);
    let (code, v, stderr) = plimsoll_json(&[
        "check",
        &orders(),
        "--contract",
        c.to_str().unwrap(),
        "--partition",
        &format!("date=2024-03-{date:02}"),
        "--format",
        "json",
    ]);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    (code, v)
}

const TOTAL: &str = "  - table: orders_drift\n    fields:\n      - name: total_usd\n        drift: { max_psi: 0.2 }\n";

#[test]
fn orders_drift_cents_day_is_a_unit_change_and_its_neighbours_are_not() {
    let (code, v) = orders_check(TOTAL, 9);
    assert_eq!(code, 1);
    let r = result(&v, "unit_change", Some("total_usd"));
    assert_eq!(r["status"], "fail", "{r:#}");
    assert_eq!(r["observed"]["exponent"], 2);
    let share = r["observed"]["share"].as_f64().unwrap();
    assert!((0.17..0.23).contains(&share), "share {share}");
    // The mean ratio against the median of the week's daily means, from the files.
    let means: Vec<f64> = week_before(9)
        .iter()
        .map(|d| mean(&floats(&day(d), "total_usd")))
        .collect();
    let want = mean(&floats(&day("2024-03-09"), "total_usd")) / median(means);
    let got = r["observed"]["mean_ratio"].as_f64().unwrap();
    assert!((got - want).abs() < 1e-9 * want, "{got} vs {want}");
    // Stable days pass, 03-10..03-14 with the cents day in their baseline too.
    for d in [5, 8, 10, 13, 14] {
        let (_, v) = orders_check(TOTAL, d);
        let r = result(&v, "unit_change", Some("total_usd"));
        assert_eq!(r["status"], "pass", "2024-03-{d}: {r:#}");
    }
}

#[test]
fn drift_command_shows_the_unit_change() {
    let r = plimsoll(&[
        "drift",
        &orders(),
        "--partition",
        "date=2024-03-09",
        "--baseline",
        "7d",
        "--columns",
        "total_usd,quantity",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("looks like a unit change (×100 on 19.9%)")
            || r.stdout.contains("looks like a unit change (×100 on 2"),
        "{}",
        r.stdout
    );
    let (code, v, _) = plimsoll_json(&[
        "drift",
        &orders(),
        "--partition",
        "date=2024-03-09",
        "--baseline",
        "7d",
        "--columns",
        "total_usd,quantity",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let fields = v["fields"].as_array().unwrap();
    let total = fields.iter().find(|f| f["name"] == "total_usd").unwrap();
    assert_eq!(total["unit_change"]["status"], "fail");
    assert_eq!(total["unit_change"]["exponent"], 2);
    let quantity = fields.iter().find(|f| f["name"] == "quantity").unwrap();
    assert_eq!(quantity["unit_change"]["status"], "pass");
    assert!(quantity["unit_change"]["median_ratio"].is_number());
}

#[test]
fn new_status_values_fail_max_new_values_listing_them() {
    // The set difference, from the files: 03-10's statuses against the week before's.
    let before: BTreeSet<String> = week_before(10)
        .iter()
        .flat_map(|d| strings(&day(d), "status"))
        .flatten()
        .collect();
    let mut now: BTreeMap<String, u64> = BTreeMap::new();
    for s in strings(&day("2024-03-10"), "status").into_iter().flatten() {
        *now.entry(s).or_default() += 1;
    }
    let new: BTreeMap<&String, u64> = now
        .iter()
        .filter(|(k, _)| !before.contains(*k))
        .map(|(k, v)| (k, *v))
        .collect();
    let vanished: Vec<&String> = before.iter().filter(|k| !now.contains_key(*k)).collect();
    assert_eq!(new.len(), 2, "the testdata's two new statuses: {new:?}");
    let field = |n: usize| {
        format!(
            "  - table: orders_drift\n    fields:\n      - name: status\n        max_new_values: {n}\n"
        )
    };
    // One new value allowed: two fail; two allowed: they pass (the boundary).
    let (code, v) = orders_check(&field(1), 10);
    assert_eq!(code, 1);
    let r = result(&v, "new_values", Some("status"));
    assert_eq!(r["status"], "fail");
    let o = &r["observed"];
    assert_eq!(o["new_count"], 2);
    let got: BTreeMap<String, u64> = o["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["value"].as_str().unwrap().to_string(),
                x["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: BTreeMap<String, u64> = new.iter().map(|(k, v)| ((*k).clone(), *v)).collect();
    assert_eq!(got, want);
    assert_eq!(o["vanished_count"], vanished.len());
    let message = r["message"].as_str().unwrap();
    for k in new.keys() {
        assert!(message.contains(&format!("`{k}`")), "{message}");
    }
    let (code, v) = orders_check(&field(2), 10);
    assert_eq!(code, 0);
    assert_eq!(result(&v, "new_values", Some("status"))["status"], "pass");
    // A day without new values passes even with none allowed.
    let (_, v) = orders_check(&field(0), 8);
    let r = result(&v, "new_values", Some("status"));
    assert_eq!(r["status"], "pass", "{r:#}");
    assert_eq!(r["observed"]["new_count"], 0);
}

#[test]
fn vanished_values_are_listed_and_an_inexact_baseline_is_not_guessed_at() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("codes");
    let batch = |values: Vec<String>| {
        let schema = Arc::new(Schema::new(vec![Field::new("code", DataType::Utf8, false)]));
        RecordBatch::try_new(schema, vec![Arc::new(StringArray::from(values))]).unwrap()
    };
    // Baseline: a, b, c; now: a, d (d new, b and c vanished).
    for d in 1..=7 {
        let v: Vec<String> = (0..300)
            .map(|i| ["a", "b", "c"][i % 3].to_string())
            .collect();
        parquet(&t, &format!("date=2024-01-0{d}/part.parquet"), &[batch(v)]);
    }
    let v: Vec<String> = (0..300).map(|i| ["a", "d"][i % 2].to_string()).collect();
    parquet(&t, "date=2024-01-08/part.parquet", &[batch(v)]);
    let c = contract(
        dir.path(),
        "  - table: codes\n    fields:\n      - name: code\n        max_new_values: 0\n",
    );
    let (code, v) = check(&t, &c, "date=2024-01-08");
    assert_eq!(code, 1);
    let r = result(&v, "new_values", Some("code"));
    assert_eq!(r["observed"]["new"][0]["value"], "d");
    assert_eq!(r["observed"]["vanished"], serde_json::json!(["b", "c"]));
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("vanished: `b`, `c`"),
        "{r:#}"
    );
    // A baseline of 7 × 300 distinct ids: more than the 1,024 values kept exactly.
    let t = dir.path().join("ids");
    for d in 1..=7 {
        let v: Vec<String> = (0..300).map(|i| format!("id-{d}-{i}")).collect();
        parquet(&t, &format!("date=2024-01-0{d}/part.parquet"), &[batch(v)]);
    }
    let v: Vec<String> = (0..300).map(|i| format!("id-8-{i}")).collect();
    parquet(&t, "date=2024-01-08/part.parquet", &[batch(v)]);
    let (code, v) = check(&t, &c, "date=2024-01-08");
    assert_eq!(code, 0);
    let r = result(&v, "new_values", Some("code"));
    assert_eq!(r["status"], "warn");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .starts_with("not evaluated: the baseline has more than 1024 distinct values"),
        "{r:#}"
    );
}

// ---------------------------------------------------------------------------------------------
// Severity

#[test]
fn severity_warn_reports_a_failure_without_failing_the_run() {
    // On the field, in the check's mapping, and on the table entry: each turns 03-09's two
    // failures (drift and unit_change) into warnings.
    for body in [
        "  - table: orders_drift\n    fields:\n      - name: total_usd\n        severity: warn\n        drift: { max_psi: 0.2 }\n",
        "  - table: orders_drift\n    fields:\n      - name: total_usd\n        drift: { max_psi: 0.2, severity: warn }\n",
        "  - table: orders_drift\n    severity: warn\n    fields:\n      - name: total_usd\n        drift: { max_psi: 0.2 }\n",
        "  - table: orders_drift\n    drift: { max_psi: 0.2, severity: warn }\n    fields:\n      - name: total_usd\n",
    ] {
        let (code, v) = orders_check(body, 9);
        assert_eq!(code, 0, "{body}");
        assert_eq!(v["status"], "warn", "{body}");
        for check in ["drift", "unit_change"] {
            let r = result(&v, check, Some("total_usd"));
            assert_eq!(r["status"], "warn", "{body}");
            assert_eq!(r["severity"], "warn", "{body}");
            assert!(
                r["message"].as_str().unwrap().ends_with("(severity: warn)"),
                "{body}: {r:#}"
            );
        }
    }
    // The most specific wins: unit_change's own severity over drift's around it.
    let (code, v) = orders_check(
        "  - table: orders_drift\n    fields:\n      - name: total_usd\n        drift: { max_psi: 0.2, severity: warn, unit_change: { severity: fail } }\n",
        9,
    );
    assert_eq!(code, 1);
    assert_eq!(result(&v, "drift", Some("total_usd"))["status"], "warn");
    let r = result(&v, "unit_change", Some("total_usd"));
    assert_eq!(
        (&r["status"], &r["severity"]),
        (&"fail".into(), &"fail".into())
    );
    // A field's severity over its table entry's.
    let (code, v) = orders_check(
        "  - table: orders_drift\n    severity: warn\n    fields:\n      - name: total_usd\n        severity: fail\n        drift: { max_psi: 0.2 }\n",
        9,
    );
    assert_eq!(code, 1);
    assert_eq!(result(&v, "drift", Some("total_usd"))["status"], "fail");
}

#[test]
fn severity_fail_makes_a_change_check_fail_and_thresholds_move_the_verdict() {
    // 03-11: 30% of `customer_id` is null. The change of the null rate, from the files: the
    // slice's rate against the week before's (all rows together).
    let null_rate = |dates: &[String]| {
        let (mut nulls, mut rows) = (0usize, 0usize);
        for d in dates {
            let v = strings(&day(d), "customer_id");
            nulls += v.iter().filter(|x| x.is_none()).count();
            rows += v.len();
        }
        nulls as f64 / rows as f64
    };
    let change = null_rate(&["2024-03-11".to_string()]) - null_rate(&week_before(11));
    assert!(change > 0.25, "{change}");
    let body = |extra: &str| {
        format!("  - table: orders_drift\n    fields:\n      - name: customer_id\n{extra}")
    };
    // By default a breach of null_rate_change is a warning: the run passes.
    let (code, v) = orders_check(&body(""), 11);
    let r = result(&v, "null_rate_change", Some("customer_id"));
    assert_eq!((code, r["status"].as_str()), (0, Some("warn")), "{r:#}");
    assert_eq!(r["severity"], "warn");
    let got = r["observed"]["change"].as_f64().unwrap();
    assert!((got - change).abs() < 1e-12, "{got} vs {change}");
    // `severity: fail` makes it fail.
    let (code, v) = orders_check(&body("        severity: fail\n"), 11);
    let r = result(&v, "null_rate_change", Some("customer_id"));
    assert_eq!((code, r["status"].as_str()), (1, Some("fail")), "{r:#}");
    // The threshold, on both sides of the measured change (on the field and on the table).
    for (threshold, want) in [(change + 0.001, "pass"), (change - 0.001, "warn")] {
        let (_, v) = orders_check(
            &body(&format!("        max_null_rate_change: {threshold}\n")),
            11,
        );
        assert_eq!(
            result(&v, "null_rate_change", Some("customer_id"))["status"],
            want,
            "{threshold}"
        );
        let (_, v) = orders_check(
            &format!(
                "  - table: orders_drift\n    max_null_rate_change: {threshold}\n    fields:\n      - name: customer_id\n"
            ),
            11,
        );
        assert_eq!(
            result(&v, "null_rate_change", Some("customer_id"))["status"],
            want,
            "table {threshold}"
        );
    }
}

#[test]
fn max_cardinality_change_moves_the_verdict_at_its_boundary() {
    // 03-12 has 30% of the rows: `order_id` (unique) has that many distinct values. The change
    // against the mean of the week's distinct counts, from the files.
    let distinct = |d: &str| {
        strings(&day(d), "order_id")
            .into_iter()
            .flatten()
            .collect::<BTreeSet<_>>()
            .len() as f64
    };
    let before: Vec<f64> = week_before(12).iter().map(|d| distinct(d)).collect();
    let base = mean(&before);
    let change = (distinct("2024-03-12") - base) / base;
    assert!(change < -0.5, "{change}");
    for (threshold, want) in [
        (change.abs() + 0.001, "pass"),
        (change.abs() - 0.001, "warn"),
    ] {
        let (_, v) = orders_check(
            &format!(
                "  - table: orders_drift\n    fields:\n      - name: order_id\n        max_cardinality_change: {threshold}\n"
            ),
            12,
        );
        let r = result(&v, "cardinality_change", Some("order_id"));
        assert_eq!(r["status"], want, "{threshold}: {r:#}");
        let got = r["observed"]["change"].as_f64().unwrap();
        assert!((got - change).abs() < 1e-9, "{got} vs {change}");
    }
    // The same on the table entry, for every field; a field's own wins.
    let (_, v) = orders_check(
        &format!(
            "  - table: orders_drift\n    max_cardinality_change: {}\n    fields:\n      - name: order_id\n      - name: event_time\n        max_cardinality_change: 0.9\n",
            change.abs() - 0.001
        ),
        12,
    );
    assert_eq!(
        result(&v, "cardinality_change", Some("order_id"))["status"],
        "warn"
    );
    assert_eq!(
        result(&v, "cardinality_change", Some("event_time"))["status"],
        "pass"
    );
}

#[test]
fn drift_command_psi_thresholds_are_flags() {
    let args = |extra: &[&str]| {
        let mut a = vec![
            "drift".to_string(),
            orders(),
            "--partition".into(),
            "date=2024-03-10".into(),
            "--baseline".into(),
            "7d".into(),
            "--columns".into(),
            "status".into(),
            "--format".into(),
            "json".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        plimsoll_json(&a)
    };
    let (_, v, _) = run(&[]);
    let psi = v["fields"][0]["psi"].as_f64().unwrap();
    let above = format!("{}", psi * 1.01);
    let below = format!("{}", psi * 0.99);
    let (code, v, _) = run(&["--max-psi", &above]);
    assert_eq!((code, v["fields"][0]["status"].as_str()), (0, Some("warn")));
    let (code, v, _) = run(&["--max-psi", &below]);
    assert_eq!((code, v["fields"][0]["status"].as_str()), (1, Some("fail")));
    let (code, v, _) = run(&["--max-psi", "10", "--warn-psi", &above]);
    assert_eq!((code, v["fields"][0]["status"].as_str()), (0, Some("pass")));
    let bad = plimsoll(&["drift", &orders(), "--max-psi", "0.1", "--warn-psi", "0.2"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--warn-psi 0.2"), "{}", bad.stderr);
}

// ---------------------------------------------------------------------------------------------
// Parsing

#[test]
fn severities_are_recorded_with_their_scope_and_bad_ones_are_problems() {
    use plimsoll::contract::Severity;
    use plimsoll::contract::parse::parse_contract;
    let text = "consumer: c
depends_on:
  - table: t
    severity: warn
    row_count: { min_ratio: 0.5, severity: fail }
    drift: { severity: warn }
    fields:
      - name: a
        severity: fail
        constraints: { min: 0, severity: warn }
        drift: { unit_change: { severity: fail, tolerance: 0.2 } }
";
    let c = parse_contract(Path::new("c.yaml"), text).unwrap();
    let got: Vec<(Option<&str>, Option<&str>, Severity, usize)> = c.tables[0]
        .severities
        .iter()
        .map(|s| (s.field.as_deref(), s.key.as_deref(), s.severity, s.line))
        .collect();
    assert_eq!(
        got,
        vec![
            (None, None, Severity::Warn, 4),
            (None, Some("row_count"), Severity::Fail, 5),
            (None, Some("drift"), Severity::Warn, 6),
            (Some("a"), None, Severity::Fail, 9),
            (Some("a"), Some("constraints"), Severity::Warn, 10),
            (Some("a"), Some("unit_change"), Severity::Fail, 11),
        ]
    );
    let uc = c.tables[0].fields[0].drift.as_ref().unwrap();
    assert_eq!(uc.unit_change.as_ref().unwrap().tolerance, 0.2);
    let bad = parse_contract(
        Path::new("c.yaml"),
        "consumer: c\ndepends_on:\n  - table: t\n    fields:\n      - name: a\n        skew: { severity: warning }\n        max_new_values: 2\n        type: decimal\n",
    )
    .unwrap_err();
    let messages: Vec<&str> = bad.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages.contains(&"`severity` must be `warn` or `fail`, found a string (`warning`)"),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"`skew` needs `max_top_share`"),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("`max_new_values` cannot be checked on a `decimal` field")),
        "{messages:?}"
    );
}

#[test]
fn lint_reports_every_problem_of_the_new_keys_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(
        &path,
        "consumer: c
depends_on:
  - table: t
    severity: maybe
    fields:
      - name: a
        max_new_values: many
        drift: { unit_change: { tolerance: 0.7, sevrity: warn } }
        max_cardinality_change: -1
",
    )
    .unwrap();
    let r = plimsoll(&["lint", path.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let p = path.display();
    let want = [
        format!("{p}:4:15: `severity` must be `warn` or `fail`, found a string (`maybe`)"),
        format!("{p}:7:25: `max_new_values` must be a number, found a string (`many`)"),
        format!(
            "{p}:8:44: `unit_change.tolerance` is a distance in log10 and must be at most 0.5 (0.1 accepts ×0.79..×1.26 of a power of ten), found 0.7"
        ),
        format!("{p}:8:49: unknown key `sevrity` in `unit_change`; did you mean `severity`?"),
        format!(
            "{p}:9:33: `max_cardinality_change` must be 0 or more (a fraction: 0.5 is 50%), found -1"
        ),
    ];
    let got: Vec<&str> = r.stdout.lines().take(want.len()).collect();
    assert_eq!(got, want, "{}", r.stdout);
}
