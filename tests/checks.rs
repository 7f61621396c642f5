//! Data-driven check cases: one fixture table, one contract per named case, the expected status
//! of each check. All cases run in one `plimsoll check` (one scan), and each result is found by
//! its consumer, which is the case name.

mod common;

use arrow::array::*;
use arrow::datatypes::{Field, Schema};
use serde_json::Value;
use std::sync::Arc;

const ROWS: usize = 3_000;
const NOW: &str = "2024-03-10T13:00:00Z";

fn fixture() -> RecordBatch {
    let n = ROWS as i64;
    let day0 = 19_792; // 2024-03-10
    let ts0 = 1_710_072_000_000_000i64; // 2024-03-10T12:00:00Z
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(Int64Array::from_iter_values(0..n))),
        (
            "dup",
            Arc::new(Int64Array::from_iter_values((0..n).map(|i| i % 1_000))),
        ),
        (
            "amount",
            Arc::new(Float64Array::from_iter_values(
                (0..n).map(|i| if i == 5 { f64::NAN } else { i as f64 / 10.0 }),
            )),
        ),
        (
            "amount_ok",
            Arc::new(Float64Array::from_iter_values(
                (0..n).map(|i| (i % 100) as f64),
            )),
        ),
        (
            "small",
            Arc::new(Int32Array::from_iter_values((0..n).map(|i| (i % 7) as i32))),
        ),
        (
            "price",
            Arc::new(
                Decimal128Array::from_iter_values((0..n).map(|i| i as i128))
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
        ),
        (
            "code",
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| format!("c{i}")),
            )),
        ),
        (
            "status",
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| ["a", "b", "c"][(i % 3) as usize]),
            )),
        ),
        (
            "opt",
            Arc::new(StringArray::from_iter(
                (0..n).map(|i| (i % 2 == 0).then_some("x")),
            )),
        ),
        (
            "rare_null",
            Arc::new(StringArray::from_iter(
                (0..n).map(|i| (i != 0).then_some("y")),
            )),
        ),
        (
            "color",
            Arc::new(
                (0..n)
                    .map(|i| Some(if i % 10 == 0 { "red" } else { "blue" }))
                    .collect::<DictionaryArray<arrow::datatypes::Int32Type>>(),
            ),
        ),
        (
            "flag",
            Arc::new(BooleanArray::from_iter((0..n).map(|i| Some(i % 4 == 0)))),
        ),
        (
            "day",
            Arc::new(Date32Array::from_iter_values(
                (0..n).map(|i| day0 - (i % 5) as i32),
            )),
        ),
        (
            "ts",
            Arc::new(
                TimestampMicrosecondArray::from_iter_values((0..n).map(|i| ts0 - i * 1_000_000))
                    .with_timezone("UTC"),
            ),
        ),
        (
            "naive_ts",
            Arc::new(TimestampMillisecondArray::from_iter_values(
                (0..n).map(|i| ts0 / 1_000 - i * 1_000),
            )),
        ),
    ];
    let schema = Schema::new(
        cols.iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect::<Vec<_>>(),
    );
    RecordBatch::try_new(Arc::new(schema), cols.into_iter().map(|c| c.1).collect()).unwrap()
}

/// (case name, table-level YAML, fields YAML, expected (check, field, status)).
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, Option<&'static str>, &'static str)],
);

const CASES: &[Case] = &[
    (
        "type-int-is-number",
        "",
        "- { name: small, type: number }",
        &[
            ("schema", Some("small"), "pass"),
            ("type", Some("small"), "pass"),
        ],
    ),
    (
        "type-decimal-is-number",
        "",
        "- { name: price, type: number }",
        &[("type", Some("price"), "pass")],
    ),
    (
        "type-decimal-is-not-integer",
        "",
        "- { name: price, type: integer }",
        &[("type", Some("price"), "fail")],
    ),
    (
        "type-dictionary-is-string",
        "",
        "- { name: color, type: string }",
        &[("type", Some("color"), "pass")],
    ),
    (
        "type-tz-timestamp",
        "",
        "- { name: ts, type: timestamp }",
        &[("type", Some("ts"), "pass")],
    ),
    (
        "type-date-is-not-timestamp",
        "",
        "- { name: day, type: timestamp }",
        &[("type", Some("day"), "fail")],
    ),
    (
        "missing-field",
        "",
        "- { name: nope, type: string }",
        &[("schema", Some("nope"), "fail")],
    ),
    (
        "required-default-1pct",
        "",
        "- { name: opt, required: true }",
        &[("null_rate", Some("opt"), "fail")],
    ),
    (
        "required-one-null-in-3000",
        "",
        "- { name: rare_null, required: true }",
        &[("null_rate", Some("rare_null"), "pass")],
    ),
    (
        "strict-zero-null-rate",
        "",
        "- { name: rare_null, required: true, max_null_rate: 0 }",
        &[("null_rate", Some("rare_null"), "fail")],
    ),
    (
        "table-null-rate-is-a-default",
        "max_null_rate: 0.6\n",
        "- { name: opt, required: true }",
        &[("null_rate", Some("opt"), "pass")],
    ),
    (
        "optional-field-no-null-check",
        "max_null_rate: 0.0\n",
        "- { name: opt }",
        &[("schema", Some("opt"), "pass")],
    ),
    (
        "unique-pass",
        "",
        "- { name: id, unique: true }",
        &[("unique", Some("id"), "pass")],
    ),
    (
        "unique-fail",
        "",
        "- { name: dup, unique: true }",
        &[("unique", Some("dup"), "fail")],
    ),
    (
        "range-pass",
        "",
        "- { name: amount_ok, constraints: { min: 0, max: 99 } }",
        &[("range", Some("amount_ok"), "pass")],
    ),
    (
        "range-max-fail",
        "",
        "- { name: amount_ok, constraints: { max: 98.5 } }",
        &[("range", Some("amount_ok"), "fail")],
    ),
    (
        "range-nan-fails",
        "",
        "- { name: amount, constraints: { min: 0, max: 1_000 } }",
        &[("range", Some("amount"), "fail")],
    ),
    (
        "range-decimal",
        "",
        "- { name: price, constraints: { min: 0, max: 29.99 } }",
        &[("range", Some("price"), "pass")],
    ),
    (
        "length-fail",
        "",
        "- { name: code, constraints: { max_length: 4 } }",
        &[("range", Some("code"), "fail")],
    ),
    (
        "allowed-pass",
        "",
        "- { name: status, allowed_values: [a, b, c] }",
        &[("allowed_values", Some("status"), "pass")],
    ),
    (
        "allowed-fail",
        "",
        "- { name: status, allowed_values: [a, b] }",
        &[("allowed_values", Some("status"), "fail")],
    ),
    (
        "allowed-integers",
        "",
        "- { name: small, allowed_values: [0, 1, 2, 3, 4, 5, 6] }",
        &[("allowed_values", Some("small"), "pass")],
    ),
    (
        "allowed-high-cardinality-fails",
        "",
        "- { name: code, allowed_values: [c1, c2] }",
        &[("allowed_values", Some("code"), "fail")],
    ),
    (
        "skew-pass",
        "",
        "- { name: status, skew: { max_top_share: 0.34 } }",
        &[("skew", Some("status"), "pass")],
    ),
    (
        "skew-fail",
        "",
        "- { name: color, skew: { max_top_share: 0.5 } }",
        &[("skew", Some("color"), "fail")],
    ),
    (
        "skew-boolean",
        "",
        "- { name: flag, skew: { max_top_share: 0.7 } }",
        &[("skew", Some("flag"), "fail")],
    ),
    (
        "fresh-timestamp",
        "freshness: { column: ts, max_lag: 90m }\n",
        "- { name: id }",
        &[("freshness", None, "pass")],
    ),
    (
        "stale-timestamp",
        "freshness: { column: ts, max_lag: 30m }\n",
        "- { name: id }",
        &[("freshness", None, "fail")],
    ),
    (
        "naive-timestamp-is-utc",
        "freshness: { column: naive_ts, max_lag: 61m }\n",
        "- { name: id }",
        &[("freshness", None, "pass")],
    ),
    (
        "date-is-end-of-day",
        "freshness: { column: day, max_lag: 1h }\n",
        "- { name: id }",
        &[("freshness", None, "pass")],
    ),
    (
        "freshness-missing-column",
        "freshness: { column: nope, max_lag: 1h }\n",
        "- { name: id }",
        &[("freshness", None, "fail")],
    ),
    (
        "small-files-fail",
        "files: { min_mean_size: 1GB }\n",
        "- { name: id }",
        &[("small_files", None, "fail")],
    ),
    (
        "small-files-pass",
        "files: { min_mean_size: 1KB }\n",
        "- { name: id }",
        &[("small_files", None, "pass")],
    ),
];

#[test]
fn every_case_gives_its_expected_status() {
    let dir = tempfile::tempdir().unwrap();
    let table = common::parquet(dir.path(), "t/fixture.parquet", &[fixture()]);
    let contracts = dir.path().join("contracts");
    std::fs::create_dir_all(&contracts).unwrap();
    for (name, table_yaml, fields, _) in CASES {
        let indent = |s: &str, n: usize| {
            s.lines()
                .map(|l| format!("{}{l}\n", " ".repeat(n)))
                .collect::<String>()
        };
        let yaml = format!(
            "consumer: {name}\ndepends_on:\n  - table: fixture\n{}    fields:\n{}",
            indent(table_yaml, 4),
            indent(fields, 6)
        );
        std::fs::write(contracts.join(format!("{name}.yaml")), yaml).unwrap();
    }
    let (code, v, stderr) = common::plimsoll_json(&[
        "check",
        table.parent().unwrap().to_str().unwrap(),
        "--contract",
        contracts.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "some cases fail: {stderr}");
    let results = v["results"].as_array().unwrap();
    let mut wrong = Vec::new();
    for (name, _, _, expected) in CASES {
        for (check, field, status) in *expected {
            let r = results.iter().find(|r| {
                r["consumer"] == *name && r["check"] == *check && r["field"].as_str() == *field
            });
            match r {
                None => wrong.push(format!("{name}: no `{check}` result")),
                Some(r) if r["status"] != *status => wrong.push(format!(
                    "{name}: `{check}` is {} not {status}: {}",
                    r["status"], r["message"]
                )),
                Some(_) => {}
            }
        }
        // A case without a null-rate expectation has no null-rate result.
        if !expected.iter().any(|e| e.0 == "null_rate") {
            let extra: Vec<&Value> = results
                .iter()
                .filter(|r| r["consumer"] == *name && r["check"] == "null_rate")
                .collect();
            if !extra.is_empty() {
                wrong.push(format!(
                    "{name}: unexpected null_rate result {}",
                    extra[0]["message"]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
