//! Open Data Contract Standard (ODCS) v3 contracts: the shipped ODCS contract gives the same
//! verdicts as its Plimsoll twin, every mapped rule and operator gives the status worked out by
//! hand on a small fixture, what is not checked is a warning with its line, and malformed ODCS
//! is a problem with file, line and column (exit 2 for `check`).

mod common;

use arrow::array::*;
use arrow::datatypes::{Field, Schema};
use common::{plimsoll, plimsoll_json, root};
use plimsoll::contract::{CountUnit, Threshold, TypeName, odcs};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

const NOW: &str = "2024-03-10T13:00:00Z";

/// 20 rows, counted by hand:
/// - `k`: 1..=20, unique.
/// - `d`: 1,1,2,2,3,3,4,4,5,6,...,16: 16 distinct, so 4 duplicates (20%).
/// - `s`: 2 nulls (10%), 3 empty strings, 1 `N/A`, 8 `x`, 4 `y`, 2 `z`: missing (null, ``,
///   `N/A`) 6 (30%); outside {x, y} 6 non-null values (30%).
/// - `t`: 2024-03-10T12:00:00Z minus i seconds (the latest is an hour before `NOW`).
fn fixture() -> RecordBatch {
    let k: Vec<i64> = (1..=20).collect();
    let d: Vec<i64> = [1, 1, 2, 2, 3, 3, 4, 4].into_iter().chain(5..=16).collect();
    let mut s: Vec<Option<&str>> = vec![None, None, Some(""), Some(""), Some(""), Some("N/A")];
    s.extend(std::iter::repeat_n(Some("x"), 8));
    s.extend(std::iter::repeat_n(Some("y"), 4));
    s.extend(std::iter::repeat_n(Some("z"), 2));
    let ts0 = 1_710_072_000_000_000i64; // 2024-03-10T12:00:00Z
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("k", Arc::new(Int64Array::from(k))),
        ("d", Arc::new(Int64Array::from(d))),
        ("s", Arc::new(StringArray::from(s))),
        (
            "t",
            Arc::new(
                TimestampMicrosecondArray::from_iter_values((0..20).map(|i| ts0 - i * 1_000_000))
                    .with_timezone("UTC"),
            ),
        ),
    ];
    let schema = Schema::new(
        cols.iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect::<Vec<_>>(),
    );
    RecordBatch::try_new(Arc::new(schema), cols.into_iter().map(|c| c.1).collect()).unwrap()
}

/// (case, schema-object YAML, properties YAML, top-level YAML, expected (check, field, status)).
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, Option<&'static str>, &'static str)],
);

/// A property `s` with one `nullValues` rule.
macro_rules! nulls {
    ($rule:literal) => {
        concat!(
            "- name: s\n  quality:\n    - metric: nullValues\n      ",
            $rule,
            "\n"
        )
    };
}

const CASES: &[Case] = &[
    // nullValues: 2 nulls of 20, every operator on both sides of 2.
    (
        "null-eq-pass",
        "",
        nulls!("mustBe: 2"),
        "",
        &[("null_rate", Some("s"), "pass")],
    ),
    (
        "null-eq-zero-fail",
        "",
        nulls!("mustBe: 0"),
        "",
        &[("null_rate", Some("s"), "fail")],
    ),
    (
        "null-ne-fail",
        "",
        nulls!("mustNotBe: 2"),
        "",
        &[("null_rate", Some("s"), "fail")],
    ),
    (
        "null-ne-pass",
        "",
        nulls!("mustNotBe: 3"),
        "",
        &[("null_rate", Some("s"), "pass")],
    ),
    (
        "null-gt-pass",
        "",
        nulls!("mustBeGreaterThan: 1"),
        "",
        &[("null_rate", Some("s"), "pass")],
    ),
    (
        "null-gt-fail",
        "",
        nulls!("mustBeGreaterThan: 2"),
        "",
        &[("null_rate", Some("s"), "fail")],
    ),
    (
        "null-ge-pass",
        "",
        nulls!("mustBeGreaterOrEqualTo: 2"),
        "",
        &[("null_rate", Some("s"), "pass")],
    ),
    (
        "null-ge-fail",
        "",
        nulls!("mustBeGreaterOrEqualTo: 3"),
        "",
        &[("null_rate", Some("s"), "fail")],
    ),
    (
        "null-lt-fail",
        "",
        nulls!("mustBeLessThan: 2"),
        "",
        &[("null_rate", Some("s"), "fail")],
    ),
    (
        "null-lt-pass",
        "",
        nulls!("mustBeLessThan: 3"),
        "",
        &[("null_rate", Some("s"), "pass")],
    ),
    (
        "null-le-pass",
        "",
        nulls!("mustBeLessOrEqualTo: 2"),
        "",
        &[("null_rate", Some("s"), "pass")],
    ),
    (
        "null-le-fail",
        "",
        nulls!("mustBeLessOrEqualTo: 1"),
        "",
        &[("null_rate", Some("s"), "fail")],
    ),
    // Between includes both bounds; not-between excludes them.
    (
        "null-between-low-end",
        "",
        nulls!("mustBeBetween: [2, 5]"),
        "",
        &[("null_rate", Some("s"), "pass")],
    ),
    (
        "null-between-fail",
        "",
        nulls!("mustBeBetween: [3, 5]"),
        "",
        &[("null_rate", Some("s"), "fail")],
    ),
    (
        "null-between-high-end",
        "",
        nulls!("mustBeBetween: [0, 2]"),
        "",
        &[("null_rate", Some("s"), "pass")],
    ),
    (
        "null-not-between-pass",
        "",
        nulls!("mustNotBeBetween: [3, 5]"),
        "",
        &[("null_rate", Some("s"), "pass")],
    ),
    (
        "null-not-between-fail",
        "",
        nulls!("mustNotBeBetween: [0, 2]"),
        "",
        &[("null_rate", Some("s"), "fail")],
    ),
    // Units: 2 rows are 10% of 20.
    (
        "null-percent-le-pass",
        "",
        nulls!("mustBeLessOrEqualTo: 10\n      unit: percent"),
        "",
        &[("null_rate", Some("s"), "pass")],
    ),
    (
        "null-percent-lt-fail",
        "",
        nulls!("mustBeLessThan: 10\n      unit: percent"),
        "",
        &[("null_rate", Some("s"), "fail")],
    ),
    (
        "null-rows-lt-10-pass",
        "",
        nulls!("mustBeLessThan: 10\n      unit: rows"),
        "",
        &[("null_rate", Some("s"), "pass")],
    ),
    (
        "null-percent-between-fail",
        "",
        nulls!("mustBeBetween: [10.5, 50]\n      unit: percent"),
        "",
        &[("null_rate", Some("s"), "fail")],
    ),
    (
        "null-percent-eq-pass",
        "",
        nulls!("mustBe: 10\n      unit: percent"),
        "",
        &[("null_rate", Some("s"), "pass")],
    ),
    // required: no nulls at all (ODCS), unless a rule says how many may be.
    (
        "required-strict-fail",
        "",
        "- { name: s, required: true }\n",
        "",
        &[("null_rate", Some("s"), "fail")],
    ),
    (
        "required-pass",
        "",
        "- { name: k, required: true }\n",
        "",
        &[("null_rate", Some("k"), "pass")],
    ),
    (
        "required-with-rule",
        "",
        "- name: s\n  required: true\n  quality:\n    - { metric: nullValues, mustBeLessOrEqualTo: 10, unit: percent }\n",
        "",
        &[("null_rate", Some("s"), "pass")],
    ),
    // missingValues: null, `` and `N/A` are 6 rows (30%).
    (
        "missing-eq-pass",
        "",
        "- name: s\n  quality:\n    - metric: missingValues\n      arguments: { missingValues: [null, '', N/A] }\n      mustBe: 6\n",
        "",
        &[("null_rate", Some("s"), "pass")],
    ),
    (
        "missing-lt-fail",
        "",
        "- name: s\n  quality:\n    - metric: missingValues\n      arguments: { missingValues: ['', N/A] }\n      mustBeLessThan: 6\n",
        "",
        &[("null_rate", Some("s"), "fail")],
    ),
    (
        "missing-percent-pass",
        "",
        "- name: s\n  quality:\n    - metric: missingValues\n      arguments: { missingValues: [null, '', N/A] }\n      mustBeLessOrEqualTo: 30\n      unit: percent\n",
        "",
        &[("null_rate", Some("s"), "pass")],
    ),
    (
        "missing-percent-fail",
        "",
        "- name: s\n  quality:\n    - metric: missingValues\n      arguments: { missingValues: [null, '', N/A] }\n      mustBeLessThan: 30\n      unit: percent\n",
        "",
        &[("null_rate", Some("s"), "fail")],
    ),
    // invalidValues: outside {x, y} are 6 non-null values (30%).
    (
        "invalid-eq-pass",
        "",
        "- name: s\n  quality:\n    - metric: invalidValues\n      arguments: { validValues: [x, y] }\n      mustBe: 6\n",
        "",
        &[("allowed_values", Some("s"), "pass")],
    ),
    (
        "invalid-none-fail",
        "",
        "- name: s\n  quality:\n    - metric: invalidValues\n      arguments: { validValues: [x, y] }\n      mustBe: 0\n",
        "",
        &[("allowed_values", Some("s"), "fail")],
    ),
    (
        "invalid-none-pass",
        "",
        "- name: s\n  quality:\n    - metric: invalidValues\n      arguments: { validValues: [x, y, z, '', N/A] }\n      mustBe: 0\n",
        "",
        &[("allowed_values", Some("s"), "pass")],
    ),
    (
        "invalid-percent-between-pass",
        "",
        "- name: s\n  quality:\n    - metric: invalidValues\n      arguments: { validValues: [x, y] }\n      mustBeBetween: [25, 35]\n      unit: percent\n",
        "",
        &[("allowed_values", Some("s"), "pass")],
    ),
    (
        "invalid-gt-fail",
        "",
        "- name: s\n  quality:\n    - metric: invalidValues\n      arguments: { validValues: [x, y] }\n      mustBeGreaterThan: 6\n",
        "",
        &[("allowed_values", Some("s"), "fail")],
    ),
    (
        "invalid-integers",
        "",
        "- name: k\n  logicalType: integer\n  quality:\n    - metric: invalidValues\n      arguments: { validValues: [1, 2, 3] }\n      mustBe: 17\n",
        "",
        &[("allowed_values", Some("k"), "pass")],
    ),
    // duplicateValues: `d` has 4 duplicates (20%), `k` none.
    (
        "dup-eq-pass",
        "",
        "- name: d\n  quality:\n    - { metric: duplicateValues, mustBe: 4 }\n",
        "",
        &[("unique", Some("d"), "pass")],
    ),
    (
        "dup-none-fail",
        "",
        "- name: d\n  quality:\n    - { metric: duplicateValues, mustBe: 0 }\n",
        "",
        &[("unique", Some("d"), "fail")],
    ),
    (
        "dup-lt-fail",
        "",
        "- name: d\n  quality:\n    - { metric: duplicateValues, mustBeLessThan: 4 }\n",
        "",
        &[("unique", Some("d"), "fail")],
    ),
    (
        "dup-percent-pass",
        "",
        "- name: d\n  quality:\n    - { metric: duplicateValues, mustBe: 20, unit: percent }\n",
        "",
        &[("unique", Some("d"), "pass")],
    ),
    (
        "unique-pass",
        "",
        "- { name: k, unique: true }\n",
        "",
        &[("unique", Some("k"), "pass")],
    ),
    (
        "unique-fail",
        "",
        "- { name: d, unique: true }\n",
        "",
        &[("unique", Some("d"), "fail")],
    ),
    (
        "primary-key",
        "",
        "- { name: d, primaryKey: true }\n",
        "",
        &[
            ("unique", Some("d"), "fail"),
            ("null_rate", Some("d"), "pass"),
        ],
    ),
    (
        "schema-level-duplicates-one-column",
        "quality:\n  - metric: duplicateValues\n    arguments: { properties: [k] }\n    mustBe: 0\n",
        "- { name: k }\n",
        "",
        &[("unique", Some("k"), "pass")],
    ),
    // rowCount: 20 rows.
    (
        "rows-gt-pass",
        "quality:\n  - { metric: rowCount, mustBeGreaterThan: 19 }\n",
        "- { name: k }\n",
        "",
        &[("row_count", None, "pass")],
    ),
    (
        "rows-gt-fail",
        "quality:\n  - { metric: rowCount, mustBeGreaterThan: 20 }\n",
        "- { name: k }\n",
        "",
        &[("row_count", None, "fail")],
    ),
    (
        "rows-eq-pass",
        "quality:\n  - { metric: rowCount, mustBe: 20 }\n",
        "- { name: k }\n",
        "",
        &[("row_count", None, "pass")],
    ),
    (
        "rows-between-pass",
        "quality:\n  - { metric: rowCount, mustBeBetween: [20, 30] }\n",
        "- { name: k }\n",
        "",
        &[("row_count", None, "pass")],
    ),
    (
        "rows-not-between-fail",
        "quality:\n  - { metric: rowCount, mustNotBeBetween: [10, 20] }\n",
        "- { name: k }\n",
        "",
        &[("row_count", None, "fail")],
    ),
    (
        "rows-le-fail",
        "quality:\n  - { metric: rowCount, mustBeLessOrEqualTo: 19 }\n",
        "- { name: k }\n",
        "",
        &[("row_count", None, "fail")],
    ),
    // logicalTypeOptions: k is 1..=20.
    (
        "min-pass",
        "",
        "- { name: k, logicalType: integer, logicalTypeOptions: { minimum: 1, maximum: 20 } }\n",
        "",
        &[("range", Some("k"), "pass")],
    ),
    (
        "exclusive-min-v31-fail",
        "",
        "- { name: k, logicalType: integer, logicalTypeOptions: { exclusiveMinimum: 1 } }\n",
        "",
        &[("range", Some("k"), "fail")],
    ),
    (
        "exclusive-min-v31-pass",
        "",
        "- { name: k, logicalType: integer, logicalTypeOptions: { exclusiveMinimum: 0 } }\n",
        "",
        &[("range", Some("k"), "pass")],
    ),
    (
        "exclusive-max-v30-fail",
        "",
        "- { name: k, logicalType: integer, logicalTypeOptions: { maximum: 20, exclusiveMaximum: true } }\n",
        "",
        &[("range", Some("k"), "fail")],
    ),
    (
        "length-pass",
        "",
        "- { name: s, logicalType: string, logicalTypeOptions: { maxLength: 3 } }\n",
        "",
        &[("range", Some("s"), "pass")],
    ),
    (
        "length-fail",
        "",
        "- { name: s, logicalType: string, logicalTypeOptions: { minLength: 1 } }\n",
        "",
        &[("range", Some("s"), "fail")],
    ),
    // Types.
    (
        "type-pass",
        "",
        "- { name: t, logicalType: timestamp }\n",
        "",
        &[("type", Some("t"), "pass")],
    ),
    (
        "type-fail",
        "",
        "- { name: k, logicalType: string }\n",
        "",
        &[("type", Some("k"), "fail")],
    ),
    (
        "physical-type-only",
        "",
        "- { name: k, physicalType: BIGINT }\n",
        "",
        &[("type", Some("k"), "pass")],
    ),
    (
        "physical-name-is-the-column",
        "",
        "- { name: Key, physicalName: k, logicalType: integer }\n",
        "",
        &[("type", Some("k"), "pass")],
    ),
    (
        "missing-column",
        "",
        "- { name: nope }\n",
        "",
        &[("schema", Some("nope"), "fail")],
    ),
    // Relationships: d (1..=16) all match k (1..=20); k has 4 values (20%) without a match in d.
    (
        "relationship-pass",
        "",
        "- name: d\n  relationships:\n    - to: fixture.k\n- name: k\n",
        "",
        &[("references", Some("d"), "pass")],
    ),
    (
        "relationship-fail",
        "",
        "- name: k\n  relationships:\n    - to: fixture.d\n- name: d\n",
        "",
        &[("references", Some("k"), "fail")],
    ),
    (
        "relationship-by-id",
        "id: fx\n",
        "- name: d\n  relationships:\n    - to: schema/fx/properties/kid\n- { id: kid, name: k }\n",
        "",
        &[("references", Some("d"), "pass")],
    ),
    (
        "relationship-schema-level",
        "relationships:\n  - { from: fixture.k, to: fixture.d }\n",
        "- { name: k }\n- { name: d }\n",
        "",
        &[("references", Some("k"), "fail")],
    ),
    // SLA latency: the latest `t` is an hour before NOW.
    (
        "latency-pass",
        "",
        "- { name: t }\n",
        "slaProperties:\n  - { property: latency, value: 2, unit: h, element: fixture.t }\n",
        &[("freshness", None, "pass")],
    ),
    (
        "latency-fail",
        "",
        "- { name: t }\n",
        "slaProperties:\n  - { property: latency, value: 30, unit: m, element: fixture.t }\n",
        &[("freshness", None, "fail")],
    ),
    (
        "freshness-duration",
        "",
        "- { name: t }\n",
        "slaProperties:\n  - { property: freshness, value: 59m, element: t }\n",
        &[("freshness", None, "fail")],
    ),
];

fn indent(s: &str, n: usize) -> String {
    s.lines()
        .map(|l| format!("{}{l}\n", " ".repeat(n)))
        .collect()
}

fn odcs_case(name: &str, object: &str, props: &str, top: &str) -> String {
    format!(
        "apiVersion: v3.1.0\nkind: DataContract\nid: {name}\nname: {name}\nversion: 1.0.0\nstatus: active\nschema:\n  - name: fixture\n{}    properties:\n{}{top}",
        indent(object, 4),
        indent(props, 6),
    )
}

#[test]
fn every_rule_and_operator_gives_its_hand_worked_status() {
    let dir = tempfile::tempdir().unwrap();
    let table = common::parquet(dir.path(), "t/fixture.parquet", &[fixture()]);
    let contracts = dir.path().join("contracts");
    std::fs::create_dir_all(&contracts).unwrap();
    for (name, object, props, top, _) in CASES {
        std::fs::write(
            contracts.join(format!("{name}.odcs.yaml")),
            odcs_case(name, object, props, top),
        )
        .unwrap();
    }
    let (code, v, stderr) = plimsoll_json(&[
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
    for (name, _, _, _, expected) in CASES {
        for (check, field, status) in *expected {
            let found: Vec<&Value> = results
                .iter()
                .filter(|r| {
                    r["consumer"] == *name && r["check"] == *check && r["field"].as_str() == *field
                })
                .collect();
            match found.as_slice() {
                [] => wrong.push(format!("{name}: no `{check}` result")),
                [r] if r["status"] != *status => wrong.push(format!(
                    "{name}: `{check}` is {} not {status}: {}",
                    r["status"], r["message"]
                )),
                [_] => {}
                more => wrong.push(format!("{name}: {} `{check}` results", more.len())),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// (consumer, table, check, field, status) of every result.
fn verdicts(v: &Value) -> BTreeSet<(String, String, String, String, String)> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("-").to_string();
            (
                s("consumer"),
                s("table"),
                s("check"),
                s("field"),
                s("status"),
            )
        })
        .collect()
}

#[test]
fn the_shipped_odcs_contract_gives_the_verdicts_of_its_plimsoll_twin() {
    // The shipped data as the contracts' sources name it, the latest day, a drifted copy, and
    // the orders standing in for the customers (a missing field, duplicated ids: failures).
    let runs: [&[&str]; 4] = [
        &[],
        &["--partition", "date=latest"],
        &[
            "--table",
            "order-events=testdata/orders_drift",
            "--partition",
            "date=2024-03-12",
        ],
        &[
            "--table",
            "customers=testdata/orders",
            "--partition",
            "date=latest",
        ],
    ];
    for extra in runs {
        let run = |contract: &str| {
            let mut args = vec![
                "check",
                "--contract",
                contract,
                "--now",
                "2024-03-11T00:30:00Z",
                "--format",
                "json",
            ];
            args.extend_from_slice(extra);
            plimsoll_json(&args)
        };
        let (native_code, native, e1) = run("contracts/finance-reporting.yaml");
        let (odcs_code, odcs, e2) = run("contracts/odcs/finance-reporting.odcs.yaml");
        assert_eq!(native_code, odcs_code, "{extra:?}: {e1}\n{e2}");
        let (a, b) = (verdicts(&native), verdicts(&odcs));
        assert!(!a.is_empty());
        if extra.contains(&"customers=testdata/orders") {
            assert_eq!(native_code, 1);
            assert!(a.iter().any(|v| v.4 == "fail"), "{a:#?}");
        }
        assert_eq!(a, b, "{extra:?}");
        // The ODCS results cite the ODCS file, at the line of the property they check.
        let tier = odcs["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["check"] == "schema" && r["field"] == "tier")
            .expect("the tier check");
        assert_eq!(
            tier["contract"], "contracts/odcs/finance-reporting.odcs.yaml:68",
            "{tier}"
        );
        assert!(e2.is_empty() || !e2.contains("warning"), "{e2}");
    }
}

#[test]
fn the_shipped_odcs_contract_reads_as_its_plimsoll_twin() {
    let load = |p: &str| plimsoll::contract::load_file(&root().join(p)).unwrap();
    let native = load("contracts/finance-reporting.yaml");
    let odcs = load("contracts/odcs/finance-reporting.odcs.yaml");
    assert!(odcs.warnings.is_empty(), "{:#?}", odcs.warnings);
    assert_eq!(native.consumer, odcs.consumer);
    assert_eq!(native.owner, odcs.owner);
    assert_eq!(native.tables.len(), odcs.tables.len());
    for (n, o) in native.tables.iter().zip(&odcs.tables) {
        assert_eq!(n.table, o.table);
        // Both name the same data, relative to their own files.
        let resolve = |c: &plimsoll::contract::Contract, s: &Option<String>| {
            plimsoll::run::plan::resolve_against(&c.path, s.as_deref().unwrap())
        };
        assert_eq!(resolve(&native, &n.source), resolve(&odcs, &o.source));
        assert_eq!(n.fields.len(), o.fields.len());
        for (nf, of) in n.fields.iter().zip(&o.fields) {
            assert_eq!(nf.name, of.name);
            assert_eq!(nf.r#type, of.r#type, "{}", nf.name);
            assert_eq!(nf.required, of.required, "{}", nf.name);
            assert_eq!(nf.unique, of.unique, "{}", nf.name);
            assert_eq!(nf.constraints, of.constraints, "{}", nf.name);
            assert_eq!(nf.allowed_values, of.allowed_values, "{}", nf.name);
            assert_eq!(nf.skew, of.skew, "{}", nf.name);
            // A required field's null-rate threshold: the table's (native) or the field's rule.
            let threshold = |t: &plimsoll::contract::TableContract,
                             f: &plimsoll::contract::FieldContract| {
                (f.required || f.max_null_rate.is_some()).then(|| {
                    f.max_null_rate
                        .or(t.max_null_rate)
                        .unwrap_or(plimsoll::contract::DEFAULT_MAX_NULL_RATE)
                })
            };
            assert_eq!(threshold(n, nf), threshold(o, of), "{}", nf.name);
        }
    }
}

// The mapping into the model, field by field.

fn parse(text: &str) -> plimsoll::contract::Contract {
    odcs::parse(Path::new("c.odcs.yaml"), text).unwrap_or_else(|p| panic!("{p:#?}"))
}

const HEAD: &str =
    "apiVersion: v3.0.2\nkind: DataContract\nid: urn:c\nversion: 1.0.0\nstatus: draft\n";

#[test]
fn names_owner_and_sources() {
    let c = parse(&format!(
        "{HEAD}dataProduct: sales\nteam:\n  - {{ username: ann, role: Data Scientist }}\n  - {{ username: bo@x.org, role: Owner }}\nservers:\n  - {{ server: a, type: postgres, host: h }}\n  - {{ server: b, type: s3, location: 's3://lake/{{model}}/*.parquet', format: parquet }}\nschema:\n  - {{ name: orders, physicalName: orders_v2, properties: [{{ name: id }}] }}\n  - {{ name: customers, properties: [{{ name: id }}] }}\n"
    ));
    assert_eq!(c.consumer, "sales");
    assert_eq!(c.owner.as_deref(), Some("bo@x.org"));
    assert_eq!(c.tables[0].source.as_deref(), Some("s3://lake/orders_v2"));
    assert_eq!(c.tables[1].source.as_deref(), Some("s3://lake/customers"));
    assert!(c.warnings.is_empty(), "{:#?}", c.warnings);
    // The `plimsoll` custom property wins; v3.1's team object names its owner too.
    let c = parse(&format!(
        "{HEAD}name: contract-name\ncustomProperties:\n  - {{ property: plimsoll, value: {{ consumer: billing }} }}\n  - {{ property: other, value: [1, 2] }}\nteam: {{ name: team-a, members: [{{ username: cy, role: steward }}] }}\nschema:\n  - {{ name: t }}\n"
    ));
    assert_eq!(c.consumer, "billing");
    assert_eq!(c.owner.as_deref(), Some("team-a"));
    // Without a name or data product, the id.
    let c = parse(&format!("{HEAD}schema:\n  - {{ name: t }}\n"));
    assert_eq!(c.consumer, "urn:c");
}

#[test]
fn properties_map_to_fields() {
    let c = parse(&format!(
        "{HEAD}schema:\n  - name: t\n    properties:\n      - {{ name: a, logicalType: number, physicalType: 'NUMERIC(12,2)' }}\n      - {{ name: b, physicalType: varchar(3), required: true }}\n      - {{ name: c, logicalType: number, logicalTypeOptions: {{ minimum: 0, exclusiveMinimum: 0, maximum: 5 }} }}\n      - name: d\n        logicalType: integer\n        quality:\n          - {{ metric: nullValues, mustBeLessThan: 5, unit: percent }}\n          - {{ metric: duplicateValues, mustBeGreaterThan: 1, mustBeLessThan: 9 }}\n          - {{ rule: duplicateCount, mustBe: 0 }}\n"
    ));
    let f = &c.tables[0].fields;
    assert_eq!(f[0].r#type, Some(TypeName::Decimal));
    assert_eq!(f[1].r#type, Some(TypeName::String));
    assert!(f[1].required);
    assert_eq!(f[1].max_null_rate, Some(0.0));
    let cons = f[2].constraints.as_ref().unwrap();
    assert_eq!((cons.min, cons.min_exclusive), (Some(0.0), true));
    assert_eq!((cons.max, cons.max_exclusive), (Some(5.0), false));
    assert_eq!(f[3].null_values.len(), 1);
    assert_eq!(f[3].null_values[0].threshold, Threshold::Lt(5.0));
    assert_eq!(f[3].null_values[0].unit, CountUnit::Percent);
    assert_eq!(f[3].null_values[0].line, 15);
    // Two operators in one rule: both must hold.
    let dups: Vec<Threshold> = f[3].duplicate_values.iter().map(|r| r.threshold).collect();
    assert_eq!(dups, vec![Threshold::Gt(1.0), Threshold::Lt(9.0)]);
    // v3.0's `rule: duplicateCount` with `mustBe: 0` is `unique: true`.
    assert!(f[3].unique);
    assert_eq!(f[3].max_null_rate, None);
}

// Warnings: what is not checked, each at its line.

const UNSUPPORTED: &str = "apiVersion: v3.1.0
kind: DataContract
id: w
version: 1.0.0
status: active
schema:
  - name: t
    quality:
      - type: sql
        query: SELECT COUNT(*) FROM t
        mustBeLessThan: 10
      - { type: custom, engine: soda, implementation: 'x' }
      - { metric: duplicateValues, mustBe: 0, arguments: { properties: [a, b] } }
    properties:
      - name: a
        primaryKey: true
        quality:
          - { type: text, description: verified by hand }
          - { metric: averageValue, mustBe: 1 }
          - metric: invalidValues
            arguments: { pattern: '^[A-Z]+$' }
            mustBe: 0
        logicalTypeOptions: { format: email }
      - { name: b, primaryKey: true, logicalType: array, items: { logicalType: string } }
slaProperties:
  - { property: retention, value: 3, unit: y }
";

#[test]
fn what_is_not_checked_is_a_lint_warning_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.odcs.yaml");
    std::fs::write(&file, UNSUPPORTED).unwrap();
    let r = plimsoll(&["lint", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let f = file.display().to_string();
    let expected = [
        (9, 9, "`sql` quality rule is not run"),
        (12, 9, "`custom` quality rule (engine `soda`)"),
        (
            13,
            9,
            "`duplicateValues` over several properties (`a`, `b`)",
        ),
        (16, 9, "composite primary key (`a`, `b`)"),
        (18, 13, "`text` quality rule is not checked"),
        (19, 23, "metric `averageValue` is not checked"),
        (21, 26, "`pattern` is not checked"),
        (23, 31, "`logicalTypeOptions.format` is not checked"),
        (24, 51, "`logicalType: array` is not checked"),
        (24, 58, "nested `items` are not checked"),
        (26, 17, "SLA property `retention` is not checked"),
    ];
    let warnings: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains(": warning: "))
        .collect();
    assert_eq!(warnings.len(), expected.len(), "{}", r.stdout);
    for ((line, col, needle), got) in expected.iter().zip(&warnings) {
        assert!(
            got.starts_with(&format!("{f}:{line}:{col}: warning: ")) && got.contains(needle),
            "expected {line}:{col} {needle}, got {got}"
        );
    }
    assert!(
        r.stdout.contains("1 contract(s) OK, 11 warning(s)"),
        "{}",
        r.stdout
    );
    // `check` notes them on stderr and still runs what it can.
    let table = common::parquet(
        dir.path(),
        "data/t.parquet",
        &[RecordBatch::try_from_iter(vec![
            ("a", Arc::new(StringArray::from(vec!["A", "B"])) as ArrayRef),
            ("b", Arc::new(StringArray::from(vec!["x", "y"])) as ArrayRef),
        ])
        .unwrap()],
    );
    let r = plimsoll(&[
        "check",
        table.to_str().unwrap(),
        "--contract",
        file.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "warning: {f}:9:9: a `sql` quality rule is not run"
        )),
        "{}",
        r.stderr
    );
}

// Malformed ODCS: problems with file, line and column; `check` exits 2.

fn problems(text: &str) -> Vec<(usize, usize, String)> {
    match odcs::parse(Path::new("c.odcs.yaml"), text) {
        Ok(c) => panic!("expected problems, the contract parsed: {c:?}"),
        Err(ps) => ps
            .into_iter()
            .map(|p| (p.line, p.column, p.message))
            .collect(),
    }
}

fn assert_problems(text: &str, want: &[(usize, usize, &str)]) {
    let got = problems(text);
    let positions: Vec<(usize, usize)> = got.iter().map(|p| (p.0, p.1)).collect();
    let wanted: Vec<(usize, usize)> = want.iter().map(|w| (w.0, w.1)).collect();
    assert_eq!(positions, wanted, "{got:#?}");
    for (g, w) in got.iter().zip(want) {
        assert!(g.2.contains(w.2), "`{}` not in {:?}", w.2, g.2);
    }
}

#[test]
fn the_header_is_checked() {
    assert_problems(
        "apiVersion: v2.2.2\nkind: DataContrakt\nid: x\nstatus: active\nshema: []\n",
        &[
            (1, 1, "needs `version`"),
            (1, 1, "needs `schema`"),
            (1, 13, "`apiVersion` `v2.2.2` is not supported"),
            (2, 7, "`kind` must be `DataContract`"),
            (
                5,
                1,
                "unknown key `shema` in an ODCS contract; did you mean `schema`?",
            ),
        ],
    );
}

#[test]
fn rules_and_properties_are_checked() {
    let text = format!(
        "{HEAD}schema:
  - name: t
    properties:
      - name: a
        requird: true
        logicalType: text
        quality:
          - {{ metric: nullValues }}
          - {{ metric: nullValues, mustBeBetween: [5, 1] }}
          - {{ metric: nullValues, mustBeLessThan: 0 }}
          - {{ metric: missingValues, mustBe: 0 }}
          - {{ metric: invalidValues, arguments: {{ validValues: [x], patern: y }}, mustBe: 0 }}
          - {{ type: library, metric: rowCount, mustBe: 1, rule: rowCount }}
      - name: a
        relationships:
          - {{ to: t.nope }}
          - {{ from: t.a, to: t.a }}
"
    );
    assert_problems(
        &text,
        &[
            (
                10,
                9,
                "unknown key `requird` in a property; did you mean `required`?",
            ),
            (11, 22, "unknown `logicalType` `text`"),
            (13, 13, "the `nullValues` rule needs a threshold"),
            (
                14,
                50,
                "`mustBeBetween` must list two different numbers, smallest first, found [5, 1]",
            ),
            (15, 51, "`nullValues` < 0 can never hold"),
            (
                16,
                13,
                "a `missingValues` rule needs `arguments.missingValues`",
            ),
            (
                17,
                69,
                "unknown key `patern` in the arguments of `invalidValues`",
            ),
            (18, 59, "give `metric` (or the deprecated `rule`), not both"),
            (
                19,
                15,
                "column `a` is listed twice in `t` (first at line 9)",
            ),
            (21, 19, "`t` has no property `nope`"),
            (22, 15, "`from` is not allowed here"),
        ],
    );
}

#[test]
fn malformed_odcs_exits_2_from_check_and_1_from_lint() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.odcs.yaml");
    std::fs::write(
        &file,
        "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: 1\nstatus: active\nschema:\n  - name: t\n    properties:\n      - { name: a, quality: [{ metric: rowCount, mustBeBetween: 3 }] }\n",
    )
    .unwrap();
    let f = file.display().to_string();
    let r = plimsoll(&["check", "testdata/orders", "--contract", &f]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "{f}:9:65: `mustBeBetween` must be a list of two numbers"
        )),
        "{}",
        r.stderr
    );
    let r = plimsoll(&["lint", &f]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains(&format!("{f}:9:65: ")), "{}", r.stdout);
    // Malformed YAML is reported as for any contract.
    std::fs::write(&file, "apiVersion: v3.1.0\nkind: [DataContract\n").unwrap();
    let r = plimsoll(&["lint", &f]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.starts_with(&format!("{f}:2:")) && r.stdout.contains(": malformed YAML"),
        "{}",
        r.stdout
    );
}

#[test]
fn the_shipped_contracts_lint_clean() {
    let r = plimsoll(&[
        "lint",
        "contracts/",
        "contracts/failing/",
        "contracts/odcs/",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(!r.stdout.contains("warning"), "{}", r.stdout);
    assert!(r.stdout.contains("4 contract(s) OK"), "{}", r.stdout);
}
