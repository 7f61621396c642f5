//! The command line end to end on the shipped testdata: every exit code, every format.

mod common;

use common::{plimsoll, plimsoll_json};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use std::path::PathBuf;

const NOW: &str = "2024-03-11T00:30:00Z";

/// Every Parquet file under `dir`, read with the parquet crate's own reader.
fn rows_under(dir: &str) -> (usize, usize) {
    fn walk(p: PathBuf, files: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(p).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(p, files)
            } else if p.extension().is_some_and(|x| x == "parquet") {
                files.push(p)
            }
        }
    }
    let mut files = Vec::new();
    walk(common::root().join(dir), &mut files);
    let rows = files
        .iter()
        .map(|f| {
            let r = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(f).unwrap())
                .unwrap()
                .build()
                .unwrap();
            r.map(|b| b.unwrap().num_rows()).sum::<usize>()
        })
        .sum();
    (rows, files.len())
}

fn results(v: &Value) -> &Vec<Value> {
    v["results"].as_array().expect("results array")
}

fn find<'a>(v: &'a Value, consumer: &str, check: &str, field: Option<&str>) -> &'a Value {
    results(v)
        .iter()
        .find(|r| r["consumer"] == consumer && r["check"] == check && r["field"].as_str() == field)
        .unwrap_or_else(|| panic!("no {check} result for {field:?} of {consumer}"))
}

#[test]
fn profile_json_of_a_partitioned_table() {
    let (code, v, _) = plimsoll_json(&["profile", "testdata/orders", "--format", "json"]);
    assert_eq!(code, 0);
    let (rows, files) = rows_under("testdata/orders");
    assert_eq!(v["row_count"], rows);
    assert_eq!(v["files"], files);
    assert_eq!(v["partitions"].as_array().unwrap().len(), 10);
    let fields = v["fields"].as_array().unwrap();
    for f in fields {
        for key in [
            "name",
            "type",
            "count",
            "null_count",
            "null_rate",
            "distinct",
            "min",
            "max",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
        assert_eq!(
            f["count"].as_u64().unwrap() + f["null_count"].as_u64().unwrap(),
            rows as u64
        );
    }
    let total = fields.iter().find(|f| f["name"] == "total_usd").unwrap();
    for key in ["mean", "stddev", "quantiles", "histogram"] {
        assert!(!total[key].is_null(), "{key}");
    }
    let q = &total["quantiles"];
    let qs: Vec<f64> = ["p01", "p05", "p25", "p50", "p75", "p95", "p99"]
        .iter()
        .map(|k| q[k].as_f64().unwrap())
        .collect();
    assert!(
        qs.windows(2).all(|w| w[0] <= w[1]),
        "quantiles ascend: {qs:?}"
    );
    let hist: u64 = total["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(hist, total["count"].as_u64().unwrap());
    // The column added on day 7 reads as null in the older files.
    let channel = fields.iter().find(|f| f["name"] == "channel").unwrap();
    assert!(channel["null_count"].as_u64().unwrap() > 0);
    // Partition columns are typed: the date partition is a date.
    let date = fields.iter().find(|f| f["name"] == "date").unwrap();
    assert_eq!(date["type"], "date");
    assert_eq!(date["max"], "2024-03-10");
    let status = fields.iter().find(|f| f["name"] == "status").unwrap();
    assert!(status["top_values"].as_array().unwrap().len() == 4);
    assert!(status["top_share"].as_f64().unwrap() > 0.25);
}

#[test]
fn latest_partition_opens_only_its_files() {
    let (code, v, _) = plimsoll_json(&[
        "profile",
        "testdata/orders",
        "--partition",
        "date=latest",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let (rows, files) = rows_under("testdata/orders/date=2024-03-10");
    assert_eq!(v["partitions"], serde_json::json!(["date=2024-03-10"]));
    assert_eq!(v["row_count"], rows);
    assert_eq!(v["files"], files);
    let date = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "date")
        .unwrap();
    assert_eq!(
        (date["min"].as_str(), date["distinct"].as_u64()),
        (Some("2024-03-10"), Some(1))
    );
    let (_, v, _) = plimsoll_json(&[
        "profile",
        "testdata/orders",
        "--partition",
        "date=2024-03-02",
        "--format",
        "json",
    ]);
    assert_eq!(
        v["row_count"],
        rows_under("testdata/orders/date=2024-03-02").0
    );
}

#[test]
fn profile_of_selected_columns_and_footer_only_row_count() {
    let (code, v, _) = plimsoll_json(&[
        "profile",
        "testdata/customers",
        "--columns",
        "tier",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["fields"].as_array().unwrap().len(), 1);
    assert_eq!(v["row_count"], rows_under("testdata/customers").0);
}

#[test]
fn profile_table_is_for_people() {
    let r = plimsoll(&["profile", "testdata/orders"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for needle in ["order_id", "total_usd", "channel", "rows", " MB"] {
        assert!(
            r.stdout.contains(needle),
            "`{needle}` missing:\n{}",
            r.stdout
        );
    }
    assert!(r.stdout.contains('%'));
}

#[test]
fn shipped_contracts_pass_and_every_consumer_is_reported() {
    let (code, v, stderr) = plimsoll_json(&[
        "check",
        "--contract",
        "contracts/",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}\n{v:#}");
    assert!(
        v["status"] == "pass" || v["status"] == "warn",
        "{}",
        v["status"]
    );
    let consumers: std::collections::BTreeSet<&str> = results(&v)
        .iter()
        .filter(|r| r["table"] == "order-events")
        .map(|r| r["consumer"].as_str().unwrap())
        .collect();
    assert_eq!(
        consumers.into_iter().collect::<Vec<_>>(),
        ["analytics-platform", "finance-reporting"]
    );
    for r in results(&v) {
        for key in [
            "consumer", "table", "check", "field", "status", "observed", "expected", "message",
        ] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
        assert_ne!(r["status"], "fail", "{r}");
    }
    let s = &v["summary"];
    assert_eq!(s["total"].as_u64().unwrap() as usize, results(&v).len());
    let fresh = find(&v, "analytics-platform", "freshness", None);
    assert_eq!(fresh["status"], "pass");
    assert!(
        fresh["observed"]["lag_seconds"].as_i64().unwrap() <= 7_200,
        "{fresh}"
    );
}

#[test]
fn failing_contract_fails_every_check_it_declares() {
    let (code, v, stderr) = plimsoll_json(&[
        "check",
        "testdata/orders",
        "--contract",
        "contracts/failing",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(v["status"], "fail");
    let c = "marketing-attribution";
    for (check, field) in [
        ("schema", Some("order_total")),
        ("type", Some("quantity")),
        ("null_rate", Some("coupon_code")),
        ("allowed_values", Some("status")),
        ("range", Some("discount")),
        ("unique", Some("country")),
        ("skew", Some("is_gift")),
        ("freshness", None),
        ("small_files", None),
    ] {
        assert_eq!(
            find(&v, c, check, field)["status"],
            "fail",
            "{check} {field:?}"
        );
    }
    // The missing field hints at the likely rename.
    assert!(
        find(&v, c, "schema", Some("order_total"))["message"]
            .as_str()
            .unwrap()
            .contains("total_usd")
    );
    // Unexpected values are listed with their counts.
    let av = find(&v, c, "allowed_values", Some("status"));
    let unexpected = av["observed"]["unexpected"].as_array().unwrap();
    assert_eq!(unexpected.len(), 1, "{av}");
    assert_eq!(unexpected[0]["value"], "cancelled");
    assert!(unexpected[0]["count"].as_u64().unwrap() > 0);
}

#[test]
fn table_format_puts_failures_first() {
    let r = plimsoll(&[
        "check",
        "testdata/orders",
        "--contract",
        "contracts/failing",
        "--now",
        NOW,
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let first_pass = r.stdout.find("pass").unwrap_or(usize::MAX);
    let first_fail = r.stdout.find("fail").unwrap();
    assert!(first_fail < first_pass, "{}", r.stdout);
}

#[test]
fn junit_is_valid_xml_with_one_testcase_per_result() {
    let r = plimsoll(&[
        "check",
        "testdata/orders",
        "--contract",
        "contracts/failing",
        "--now",
        NOW,
        "--format",
        "junit",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc = roxmltree::Document::parse(&r.stdout).expect("valid XML");
    let (_, v, _) = plimsoll_json(&[
        "check",
        "testdata/orders",
        "--contract",
        "contracts/failing",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(cases, results(&v).len());
    let failures = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    let failed = results(&v).iter().filter(|r| r["status"] == "fail").count();
    assert_eq!(failures, failed);
}

#[test]
fn table_binding_overrides_the_contract_source() {
    // The producer's new output (here: one partition file) checked against the consumers' contract.
    let (code, v, stderr) = plimsoll_json(&[
        "check",
        "--contract",
        "contracts/analytics-platform.yaml",
        "--table",
        "order-events=testdata/orders/date=2024-03-10",
        "--table",
        "customers=testdata/customers",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(results(&v).iter().all(|r| r["table"] == "order-events"));
}

#[test]
fn lint_reports_every_problem() {
    let r = plimsoll(&["lint", "contracts/"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("many.yaml");
    std::fs::write(
        &f,
        "consumer: x\nowner: 3\ndepends_on:\n  - topic: orders\n    freshness: { column: t, max_lag: 2x }\n    fields:\n      - name: a\n        type: text\n        max_null_rate: 1.5\n        colour: red\n",
    )
    .unwrap();
    let r = plimsoll(&["lint", f.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let problems: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains("many.yaml:"))
        .collect();
    assert!(problems.len() >= 4, "{}", r.stdout);
    for needle in [
        "many.yaml:5:",
        "many.yaml:8:",
        "many.yaml:9:",
        "many.yaml:10:",
        "`colour`",
        "2x",
    ] {
        assert!(
            r.stdout.contains(needle),
            "`{needle}` missing:\n{}",
            r.stdout
        );
    }
}

#[test]
fn help_documents_exit_codes() {
    let r = plimsoll(&["check", "--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Exit codes"));
}

#[test]
fn partition_selection_applies_to_the_partitioned_tables_of_a_run() {
    // The nightly job: the latest partition of order-events, the whole (unpartitioned) customers.
    let (code, v, stderr) = plimsoll_json(&[
        "check",
        "--contract",
        "contracts/",
        "--partition",
        "date=latest",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let nulls = find(&v, "analytics-platform", "null_rate", Some("order_id"));
    assert_eq!(
        nulls["observed_text"],
        Value::Null,
        "people-only text stays out of JSON"
    );
    let r = plimsoll(&[
        "check",
        "--contract",
        "contracts/",
        "--partition",
        "region=eu",
        "--now",
        NOW,
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("no table of this run is partitioned by `region`"),
        "{}",
        r.stderr
    );
}
