//! `check --quarantine DIR` end to end: the quarantined Parquet files, read back with the parquet
//! crate, hold exactly the rows a reference computation selects from the source files (read
//! with the parquet crate and filtered by plain loops in this file, not by Plimsoll), with the
//! table's columns unchanged and the three `_plimsoll_*` columns; the cap and the count beyond
//! it; no temporary file left; `run` with `quarantine:` in its config; and the bad locations
//! (unwritable, inside the checked table), which exit 2 before anything is written.

mod common;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int64Type};
use arrow::util::display::array_value_to_string;
use common::{plimsoll, root};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const NOW: &str = "2024-03-11T00:30:00Z";
const DAY: &str = "2024-03-10";
const TABLE: &str = "testdata/orders_drift";

/// Two consumers of `orders`: every row-level rule, most of them failing on the day, and two
/// that pass (`order_id` unique, `quantity` in range) and so quarantine nothing.
const QUARANTINE_TEST: &str = "consumer: quarantine-test
depends_on:
  - table: orders
    fields:
      - name: order_id
        unique: true
      - name: customer_id
        required: true
        max_null_rate: 0
        unique: true
        references: { table: customers, field: customer_id }
      - name: total_usd
        constraints: { min: 5, max: 500 }
      - name: status
        allowed_values: [pending, confirmed, shipped, cancelled]
      - name: coupon_code
        constraints: { max_length: 5 }
      - name: quantity
        constraints: { min: 1, max: 10 }
";

/// A second consumer with its own bound on the same field: its rows share the file.
const FINANCE: &str = "consumer: finance
depends_on:
  - table: orders
    fields:
      - name: total_usd
        constraints: { min: 10 }
";

/// Every Parquet file under `dir`, read with the parquet crate, as one batch.
fn read_all(dir: &Path) -> RecordBatch {
    let mut files = common::files_under(dir);
    files.retain(|f| f.extension().is_some_and(|x| x == "parquet"));
    files.sort();
    let mut batches = Vec::new();
    for f in &files {
        batches.extend(read_file(f));
    }
    arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
}

fn read_file(f: &Path) -> Vec<RecordBatch> {
    ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(f).unwrap())
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

/// A column's values as text (arrow's own rendering; `None` for null).
fn texts(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let c = b
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no {name}"));
    (0..c.len())
        .map(|i| (!c.is_null(i)).then(|| array_value_to_string(c, i).unwrap()))
        .collect()
}

/// A Float64 value as Arrow casts it to text (what a reason shows).
fn float_text(v: f64) -> String {
    let a = arrow::array::Float64Array::from(vec![v]);
    let s = arrow::compute::cast(&a, &DataType::Utf8).unwrap();
    s.as_string::<i32>().value(0).to_string()
}

/// Per file name: `(consumer, order_id) -> reason`.
type Expected = BTreeMap<String, BTreeMap<(String, String), String>>;

/// The reference: the day's rows each rule selects, by plain loops over the source columns.
fn reference(source: &RecordBatch, customers: &BTreeSet<i64>) -> Expected {
    let ids = texts(source, "order_id");
    let id = |i: usize| ids[i].clone().unwrap();
    let cust = source.column_by_name("customer_id").unwrap();
    let cust = cust.as_primitive::<Int64Type>();
    let total = source.column_by_name("total_usd").unwrap();
    let total = total.as_primitive::<arrow::datatypes::Float64Type>();
    let status = texts(source, "status");
    let coupon = texts(source, "coupon_code");
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for v in cust.iter().flatten() {
        *counts.entry(v).or_default() += 1;
    }
    let mut out: Expected = BTreeMap::new();
    let mut put = |file: &str, consumer: &str, i: usize, reason: String| {
        out.entry(file.to_string())
            .or_default()
            .insert((consumer.to_string(), id(i)), reason);
    };
    let qt = "quarantine-test";
    for i in 0..source.num_rows() {
        if cust.is_null(i) {
            put(
                "null_rate-customer_id.parquet",
                qt,
                i,
                "`customer_id` is null".into(),
            );
        } else {
            let c = cust.value(i);
            if !customers.contains(&c) {
                put(
                    "references-customer_id.parquet",
                    qt,
                    i,
                    format!("`customer_id` = {c} has no match in `customers.customer_id`"),
                );
            }
            if counts[&c] > 1 {
                put(
                    "unique-customer_id.parquet",
                    qt,
                    i,
                    format!("`customer_id` = {c} occurs {} times", counts[&c]),
                );
            }
        }
        if !total.is_null(i) {
            let t = total.value(i);
            if t.is_nan() {
                put(
                    "range-total_usd.parquet",
                    qt,
                    i,
                    "`total_usd` is NaN".into(),
                );
            } else if t < 5.0 {
                let r = format!("`total_usd` = {} is below min 5", float_text(t));
                put("range-total_usd.parquet", qt, i, r);
            } else if t > 500.0 {
                let r = format!("`total_usd` = {} is above max 500", float_text(t));
                put("range-total_usd.parquet", qt, i, r);
            }
            if t < 10.0 {
                let r = format!("`total_usd` = {} is below min 10", float_text(t));
                put("range-total_usd.parquet", "finance", i, r);
            }
        }
        if let Some(s) = &status[i]
            && !["pending", "confirmed", "shipped", "cancelled"].contains(&s.as_str())
        {
            put(
                "allowed_values-status.parquet",
                qt,
                i,
                format!("`status` = '{s}' is not an allowed value"),
            );
        }
        if let Some(c) = &coupon[i]
            && c.chars().count() > 5
        {
            let n = c.chars().count();
            put(
                "range-coupon_code.parquet",
                qt,
                i,
                format!("`coupon_code` = '{c}' has {n} characters, above max_length 5"),
            );
        }
    }
    out
}

/// The customers with ids up to 1,800 (so orders of the others are unmatched), written to
/// `dir/customers/`; returns their ids.
fn customers(dir: &Path) -> BTreeSet<i64> {
    let all = read_all(&root().join("testdata/customers"));
    let ids = all.column_by_name("customer_id").unwrap();
    let keep =
        arrow::compute::kernels::cmp::lt_eq(ids, &arrow::array::Int64Array::new_scalar(1_800))
            .unwrap();
    let kept = arrow::compute::filter_record_batch(&all, &keep).unwrap();
    common::parquet(
        &dir.join("customers"),
        "customers.parquet",
        std::slice::from_ref(&kept),
    );
    let ids = kept.column_by_name("customer_id").unwrap();
    ids.as_primitive::<Int64Type>().iter().flatten().collect()
}

fn contracts(dir: &Path) -> PathBuf {
    let c = dir.join("contracts");
    std::fs::create_dir_all(&c).unwrap();
    std::fs::write(c.join("quarantine-test.yaml"), QUARANTINE_TEST).unwrap();
    std::fs::write(c.join("finance.yaml"), FINANCE).unwrap();
    c
}

fn check(dir: &Path, quarantine: &str, extra: &[&str]) -> common::Run {
    check_as(dir, quarantine, "json", extra)
}

fn check_as(dir: &Path, quarantine: &str, format: &str, extra: &[&str]) -> common::Run {
    let c = contracts(dir);
    let customers = dir.join("customers");
    let table = format!("customers={}", customers.display());
    let partition = format!("date={DAY}");
    let mut args = vec![
        "check",
        TABLE,
        "--contract",
        c.to_str().unwrap(),
        "--table",
        &table,
        "--partition",
        &partition,
        "--quarantine",
        quarantine,
        "--now",
        NOW,
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    plimsoll(&args)
}

fn json(r: &common::Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr))
}

/// `(file name, consumer) -> (rows, beyond_cap)` from the JSON results, and the paths named.
/// `(file name, consumer) -> (rows, beyond_cap)`.
type Counts = BTreeMap<(String, String), (u64, u64)>;

fn quarantined(v: &Value) -> (Counts, BTreeSet<String>) {
    let mut out = BTreeMap::new();
    let mut paths = BTreeSet::new();
    for r in v["results"].as_array().unwrap() {
        let Some(q) = r.get("quarantine") else {
            continue;
        };
        let path = q["path"].as_str().unwrap().to_string();
        let name = path.rsplit('/').next().unwrap().to_string();
        let consumer = r["consumer"].as_str().unwrap().to_string();
        let counts = (
            q["rows"].as_u64().unwrap(),
            q["beyond_cap"].as_u64().unwrap(),
        );
        assert!(out.insert((name, consumer), counts).is_none(), "{r}");
        paths.insert(path);
    }
    (out, paths)
}

/// The day's source rows: the files of its partition, read with the parquet crate.
fn source() -> RecordBatch {
    read_all(&root().join(TABLE).join(format!("date={DAY}")))
}

/// Every quarantined row holds its source row's values, column for column, plus the partition
/// column; returns `file -> (consumer, order_id) -> reason`, and checks `_plimsoll_check`.
fn read_quarantine(dir: &Path, source: &RecordBatch) -> Expected {
    let by_id: BTreeMap<String, usize> = texts(source, "order_id")
        .into_iter()
        .enumerate()
        .map(|(i, id)| (id.unwrap(), i))
        .collect();
    let source_cols: Vec<(String, Vec<Option<String>>)> = source
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), texts(source, f.name())))
        .collect();
    let files = common::files_under(dir);
    let mut out: Expected = BTreeMap::new();
    for f in files {
        let name = f.file_name().unwrap().to_str().unwrap().to_string();
        assert!(
            !name.starts_with(".tmp-"),
            "a temporary file was left: {f:?}"
        );
        assert_eq!(
            f.parent().unwrap(),
            dir.join("orders").join(format!("date={DAY}")),
            "files go under DIR/<table>/<slice>/"
        );
        let check = name.split('-').next().unwrap().to_string();
        for b in read_file(&f) {
            let schema = b.schema();
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            let mut want: Vec<&str> = source_cols.iter().map(|c| c.0.as_str()).collect();
            want.extend([
                "date",
                "_plimsoll_check",
                "_plimsoll_consumer",
                "_plimsoll_reason",
            ]);
            assert_eq!(names, want, "the table's columns, then Plimsoll's");
            let ids = texts(&b, "order_id");
            let cols: Vec<Vec<Option<String>>> =
                source_cols.iter().map(|c| texts(&b, &c.0)).collect();
            let (dates, checks) = (texts(&b, "date"), texts(&b, "_plimsoll_check"));
            let (consumers, reasons) = (
                texts(&b, "_plimsoll_consumer"),
                texts(&b, "_plimsoll_reason"),
            );
            for i in 0..b.num_rows() {
                let id = ids[i].clone().unwrap();
                let row = by_id[&id];
                for ((col, values), got) in source_cols.iter().zip(&cols) {
                    assert_eq!(got[i], values[row], "{name}: {col} of {id}");
                }
                assert_eq!(dates[i].as_deref(), Some(DAY));
                assert_eq!(checks[i].as_deref(), Some(&*check));
                let consumer = consumers[i].clone().unwrap();
                let reason = reasons[i].clone().unwrap();
                let dup = out
                    .entry(name.clone())
                    .or_default()
                    .insert((consumer, id), reason);
                assert!(dup.is_none(), "{name}: a row twice");
            }
        }
    }
    out
}

#[test]
fn the_quarantine_holds_exactly_the_offending_rows() {
    let dir = tempfile::tempdir().unwrap();
    let known = customers(dir.path());
    let q = dir.path().join("q");
    let r = check(dir.path(), q.to_str().unwrap(), &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = json(&r);
    let src = source();
    let want = reference(&src, &known);
    // The rules this contract breaks on the day, each with rows.
    let names: Vec<&str> = want.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "allowed_values-status.parquet",
            "null_rate-customer_id.parquet",
            "range-coupon_code.parquet",
            "range-total_usd.parquet",
            "references-customer_id.parquet",
            "unique-customer_id.parquet",
        ]
    );
    let got = read_quarantine(&q, &src);
    for (file, rows) in &want {
        assert_eq!(got.get(file), Some(rows), "{file}");
    }
    assert_eq!(
        got.len(),
        want.len(),
        "no other file: passing checks quarantine nothing"
    );
    // Each failing result names its file, with every row written.
    let (counts, paths) = quarantined(&v);
    let mut expected_counts = BTreeMap::new();
    for (file, rows) in &want {
        for (consumer, _) in rows.keys() {
            let e = expected_counts
                .entry((file.clone(), consumer.clone()))
                .or_insert((0u64, 0u64));
            e.0 += 1;
        }
    }
    assert_eq!(counts, expected_counts);
    for p in paths {
        assert!(Path::new(&p).starts_with(&q), "{p}");
        assert!(Path::new(&p).is_file(), "{p}");
    }
    // Passing and table-level results carry no `quarantine`.
    for r in v["results"].as_array().unwrap() {
        if r["status"] == "pass" {
            assert!(r.get("quarantine").is_none(), "{r}");
        }
    }
    // The people-facing formats say where the rows are.
    let r = check_as(dir.path(), q.to_str().unwrap(), "table", &[]);
    assert!(
        r.stdout.contains("quarantined: ")
            && r.stdout
                .contains("/orders/date=2024-03-10/range-total_usd.parquet"),
        "{}",
        r.stdout
    );
    for format in ["markdown", "github", "junit"] {
        let r = check_as(dir.path(), q.to_str().unwrap(), format, &[]);
        assert!(r.stdout.contains("quarantined: "), "{format}: {}", r.stdout);
    }
    // A run again replaces the files, and leaves no temporary one.
    assert_eq!(read_quarantine(&q, &src), got);
}

#[test]
fn the_cap_writes_n_rows_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let known = customers(dir.path());
    let q = dir.path().join("q");
    let r = check(
        dir.path(),
        q.to_str().unwrap(),
        &["--quarantine-limit", "5"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let src = source();
    let want = reference(&src, &known);
    let got = read_quarantine(&q, &src);
    let (counts, _) = quarantined(&json(&r));
    for (file, rows) in &want {
        let consumers: BTreeSet<&String> = rows.keys().map(|k| &k.0).collect();
        for consumer in consumers {
            let total = rows.keys().filter(|k| &k.0 == consumer).count() as u64;
            let written = got[file].keys().filter(|k| &k.0 == consumer).count() as u64;
            assert_eq!(written, total.min(5), "{file} {consumer}");
            assert_eq!(
                counts[&(file.clone(), consumer.clone())],
                (written, total - written),
                "{file} {consumer}"
            );
        }
        // The rows written are offending rows, with their reasons.
        for (k, reason) in &got[file] {
            assert_eq!(rows.get(k), Some(reason), "{file} {k:?}");
        }
    }
    assert!(
        counts.values().any(|c| c.1 > 0),
        "some check has more than 5 rows"
    );
}

#[test]
fn a_run_config_quarantines_too() {
    let dir = tempfile::tempdir().unwrap();
    let known = customers(dir.path());
    let c = contracts(dir.path());
    let config = dir.path().join("plimsoll.yaml");
    std::fs::write(
        &config,
        format!(
            "contracts: [{}]\nnow: {NOW}\nquarantine: q\nquarantine_limit: 10_000\ntables:\n  orders: {{ source: {}, partition: date={DAY} }}\n  customers: {{ source: {} }}\n",
            c.display(),
            root().join(TABLE).display(),
            dir.path().join("customers").display()
        ),
    )
    .unwrap();
    let r = plimsoll(&[
        "run",
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let src = source();
    // `q` is relative to the config's directory.
    let got = read_quarantine(&dir.path().join("q"), &src);
    assert_eq!(got, reference(&src, &known));
    let (_, paths) = quarantined(&json(&r));
    assert!(!paths.is_empty());
}

#[test]
fn bad_locations_exit_2_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    customers(dir.path());
    // Under a regular file: the directory cannot be created.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let under_file = file.join("q");
    let r = check(dir.path(), under_file.to_str().unwrap(), &[]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("quarantine") && r.stderr.contains("hint:"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");

    // Inside the checked table (a copy of one day of it), or where `DIR/<table>` is the table.
    let table = dir.path().join("orders");
    let day = table.join(format!("date={DAY}"));
    std::fs::create_dir_all(&day).unwrap();
    let files = common::files_under(&root().join(TABLE).join(format!("date={DAY}")));
    let copied = files.len();
    for f in files {
        std::fs::copy(&f, day.join(f.file_name().unwrap())).unwrap();
    }
    let c = contracts(dir.path());
    let customers = format!("customers={}", dir.path().join("customers").display());
    for q in [table.join("quarantine"), dir.path().to_path_buf()] {
        let r = plimsoll(&[
            "check",
            table.to_str().unwrap(),
            "--contract",
            c.to_str().unwrap(),
            "--table",
            &customers,
            "--quarantine",
            q.to_str().unwrap(),
            "--now",
            NOW,
        ]);
        assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("inside the table") && r.stderr.contains("hint:"),
            "{}",
            r.stderr
        );
        let now = common::files_under(&table);
        assert_eq!(now.len(), copied, "nothing written into the table: {now:?}");
    }
    assert!(!table.join("quarantine").exists());
}

/// 20 rows, worked by hand (`k` is the row's id):
/// - `k`: 1..=20; ODCS `exclusiveMinimum: 5`, `exclusiveMaximum: 18`: rows 1..=5 and 18..=20.
/// - `d`: 1,1,2,2,3,3,4,4,5..=16: duplicates are rows 1..=8 (each value twice).
/// - `s`: null, null, ``, ``, ``, `N/A`, 8 `x`, 4 `y`, 2 `z`: missing (null, ``, `N/A`) rows
///   1..=6; outside the valid {x, y}: rows 3..=6, 19, 20.
fn odcs_fixture() -> RecordBatch {
    use arrow::array::{ArrayRef, Int64Array, StringArray};
    use arrow::datatypes::{Field, Schema};
    use std::sync::Arc;
    let k: Vec<i64> = (1..=20).collect();
    let d: Vec<i64> = [1, 1, 2, 2, 3, 3, 4, 4].into_iter().chain(5..=16).collect();
    let mut s: Vec<Option<&str>> = vec![None, None, Some(""), Some(""), Some(""), Some("N/A")];
    s.extend(std::iter::repeat_n(Some("x"), 8));
    s.extend(std::iter::repeat_n(Some("y"), 4));
    s.extend(std::iter::repeat_n(Some("z"), 2));
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("k", Arc::new(Int64Array::from(k))),
        ("d", Arc::new(Int64Array::from(d))),
        ("s", Arc::new(StringArray::from(s))),
    ];
    let schema = Schema::new(
        cols.iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect::<Vec<_>>(),
    );
    RecordBatch::try_new(Arc::new(schema), cols.into_iter().map(|c| c.1).collect()).unwrap()
}

const ODCS: &str = "apiVersion: v3.1.0
kind: DataContract
id: odcs-q
name: odcs-q
version: 1.0.0
status: active
schema:
  - name: fixture
    properties:
      - name: k
        logicalType: integer
        logicalTypeOptions: { exclusiveMinimum: 5, exclusiveMaximum: 18 }
      - name: d
        quality:
          - { metric: duplicateValues, mustBe: 0 }
      - name: s
        quality:
          - metric: missingValues
            arguments: { missingValues: [null, '', N/A] }
            mustBe: 0
          - metric: invalidValues
            arguments: { validValues: [x, y] }
            mustBeLessThan: 3
";

/// ODCS rules quarantine the rows worked out by hand: exclusive bounds, `duplicateValues`,
/// `missingValues` and `invalidValues`; a table without partitions goes under `all/`.
#[test]
fn odcs_rules_quarantine_the_hand_worked_rows() {
    let dir = tempfile::tempdir().unwrap();
    let table = common::parquet(dir.path(), "fixture/part-0.parquet", &[odcs_fixture()]);
    let contract = dir.path().join("c.odcs.yaml");
    std::fs::write(&contract, ODCS).unwrap();
    let q = dir.path().join("q");
    let r = plimsoll(&[
        "check",
        table.parent().unwrap().to_str().unwrap(),
        "--contract",
        contract.to_str().unwrap(),
        "--quarantine",
        q.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let mut got: BTreeMap<String, BTreeMap<i64, String>> = BTreeMap::new();
    let files = common::files_under(&q);
    for f in &files {
        assert_eq!(f.parent().unwrap(), q.join("fixture").join("all"), "{f:?}");
        let name = f.file_name().unwrap().to_str().unwrap().to_string();
        for b in read_file(f) {
            let ks = b.column_by_name("k").unwrap().as_primitive::<Int64Type>();
            let reasons = texts(&b, "_plimsoll_reason");
            for (i, reason) in reasons.iter().enumerate() {
                got.entry(name.clone())
                    .or_default()
                    .insert(ks.value(i), reason.clone().unwrap());
            }
        }
    }
    let by_hand = |rows: &[(i64, &str)]| -> BTreeMap<i64, String> {
        rows.iter().map(|(k, r)| (*k, r.to_string())).collect()
    };
    let mut want = BTreeMap::new();
    let mut range: Vec<(i64, String)> = (1..=5)
        .map(|k| (k, format!("`k` = {k} is not above min 5")))
        .collect();
    range.extend((18..=20).map(|k| (k, format!("`k` = {k} is not below max 18"))));
    want.insert(
        "range-k.parquet".to_string(),
        range.into_iter().collect::<BTreeMap<_, _>>(),
    );
    want.insert(
        "unique-d.parquet".to_string(),
        (1..=8)
            .map(|k| (k, format!("`d` = {} occurs 2 times", (k + 1) / 2)))
            .collect(),
    );
    want.insert(
        "null_rate-s.parquet".to_string(),
        by_hand(&[
            (1, "`s` is null"),
            (2, "`s` is null"),
            (3, "`s` = '' is a missing value"),
            (4, "`s` = '' is a missing value"),
            (5, "`s` = '' is a missing value"),
            (6, "`s` = 'N/A' is a missing value"),
        ]),
    );
    want.insert(
        "allowed_values-s.parquet".to_string(),
        by_hand(&[
            (3, "`s` = '' is not a valid value"),
            (4, "`s` = '' is not a valid value"),
            (5, "`s` = '' is not a valid value"),
            (6, "`s` = 'N/A' is not a valid value"),
            (19, "`s` = 'z' is not a valid value"),
            (20, "`s` = 'z' is not a valid value"),
        ]),
    );
    assert_eq!(got, want);
}

/// The duplicate-key selection the table-level composite `unique: [a, b]` uses: every row of a
/// key pair that occurs more than once, rows with a null key column left out (worked by hand).
/// id: 1..=7; (a, b): (x,1) (x,1) (x,2) (y,1) (y,1) (y,1) (x,null).
fn composite_batch() -> RecordBatch {
    use arrow::array::{ArrayRef, Int64Array, StringArray};
    use arrow::datatypes::{Field, Schema};
    use std::sync::Arc;
    // id: 1..=7; (a, b): (x,1) (x,1) (x,2) (y,1) (y,1) (y,1) (x,null).
    let a: Vec<Option<&str>> = vec![
        Some("x"),
        Some("x"),
        Some("x"),
        Some("y"),
        Some("y"),
        Some("y"),
        Some("x"),
    ];
    let b: Vec<Option<i64>> = vec![Some(1), Some(1), Some(2), Some(1), Some(1), Some(1), None];
    let cols: Vec<(&str, ArrayRef)> = vec![
        (
            "id",
            Arc::new(Int64Array::from((1..=7).collect::<Vec<i64>>())),
        ),
        ("a", Arc::new(StringArray::from(a))),
        ("b", Arc::new(Int64Array::from(b))),
    ];
    let schema = Arc::new(Schema::new(
        cols.iter()
            .map(|(n, c)| Field::new(*n, c.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    RecordBatch::try_new(schema, cols.into_iter().map(|c| c.1).collect()).unwrap()
}

/// The rows of a repeated `(a, b)` pair in `composite_batch`, with their reasons (by hand).
fn composite_want() -> BTreeMap<i64, String> {
    [
        (1, "(`a`, `b`) = ('x', 1) occurs 2 times"),
        (2, "(`a`, `b`) = ('x', 1) occurs 2 times"),
        (4, "(`a`, `b`) = ('y', 1) occurs 3 times"),
        (5, "(`a`, `b`) = ('y', 1) occurs 3 times"),
        (6, "(`a`, `b`) = ('y', 1) occurs 3 times"),
    ]
    .into_iter()
    .map(|(k, r)| (k, r.to_string()))
    .collect()
}

/// The rows of a quarantine file: id -> reason.
fn reasons_by_id(batches: &[RecordBatch]) -> BTreeMap<i64, String> {
    let mut rows = BTreeMap::new();
    for b in batches {
        let ids = b.column_by_name("id").unwrap().as_primitive::<Int64Type>();
        let reasons = texts(b, "_plimsoll_reason");
        for (i, reason) in reasons.iter().enumerate() {
            rows.insert(ids.value(i), reason.clone().unwrap());
        }
    }
    rows
}

#[test]
fn composite_keys_select_every_row_of_a_repeated_pair() {
    let batch = composite_batch();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let rows: BTreeMap<i64, String> = rt.block_on(async {
        let ctx = datafusion::prelude::SessionContext::new();
        let df = ctx.read_batch(batch).unwrap();
        let keys = ["a".to_string(), "b".to_string()];
        let out = plimsoll::quarantine::duplicates::rows(df, &keys)
            .unwrap()
            .collect()
            .await
            .unwrap();
        reasons_by_id(&out)
    });
    assert_eq!(rows, composite_want());
}

/// `check --quarantine` with a table-level composite `unique: [a, b]`: the `duplicates` result
/// names its file, `duplicates-a+b.parquet`, holding exactly the hand-worked rows.
#[test]
fn a_table_level_composite_key_quarantines_its_duplicate_rows() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("pairs");
    std::fs::create_dir_all(&table).unwrap();
    common::parquet(&table, "part-0.parquet", &[composite_batch()]);
    let contract = dir.path().join("c.yaml");
    std::fs::write(
        &contract,
        "consumer: keys\ndepends_on:\n  - table: pairs\n    unique: [a, b]\n",
    )
    .unwrap();
    let q = dir.path().join("q");
    let r = plimsoll(&[
        "check",
        table.to_str().unwrap(),
        "--contract",
        contract.to_str().unwrap(),
        "--quarantine",
        q.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let v = json(&r);
    let dup = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "duplicates")
        .expect("a duplicates result");
    assert_eq!(dup["quarantine"]["rows"], 5, "{dup}");
    assert_eq!(dup["quarantine"]["beyond_cap"], 0, "{dup}");
    let path = PathBuf::from(dup["quarantine"]["path"].as_str().unwrap());
    assert_eq!(path, q.join("pairs/all/duplicates-a+b.parquet"));
    assert_eq!(reasons_by_id(&read_file(&path)), composite_want());
}

/// An Iceberg table (written by iceberg-rust): the rows of the snapshot read, under
/// `snapshot=<id>/`, equal a plain loop over the batches that were appended; an earlier
/// snapshot quarantines only its own rows.
#[test]
fn iceberg_snapshots_quarantine_their_own_rows() {
    use common::iceberg::{catalog, create_orders, local_props};
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (table, first, second) = rt.block_on(async {
        let c = catalog(
            &local_props(dir.path()),
            std::sync::Arc::new(iceberg::io::LocalFsStorageFactory),
        )
        .await;
        create_orders(&c).await
    });
    let location = dir.path().join("warehouse/shop/orders");
    let contract = dir.path().join("ice.yaml");
    std::fs::write(
        &contract,
        "consumer: ice\ndepends_on:\n  - table: orders\n    fields:\n      - name: amount\n        constraints: { max: 500 }\n      - name: customer\n        required: true\n",
    )
    .unwrap();
    let mut snapshots: Vec<(i64, i64)> = table
        .metadata()
        .snapshots()
        .map(|s| (s.sequence_number(), s.snapshot_id()))
        .collect();
    snapshots.sort();
    // (snapshot, the batches it holds)
    let cases = [
        (snapshots[0].1, vec![first.clone()]),
        (snapshots[1].1, vec![first, second]),
    ];
    for (snapshot, batches) in cases {
        let q = dir.path().join(format!("q-{snapshot}"));
        let r = plimsoll(&[
            "check",
            location.to_str().unwrap(),
            "--contract",
            contract.to_str().unwrap(),
            "--snapshot",
            &snapshot.to_string(),
            "--quarantine",
            q.to_str().unwrap(),
            "--now",
            NOW,
            "--format",
            "json",
        ]);
        assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
        // The reference: a plain loop over the appended rows.
        let mut want: BTreeMap<String, BTreeMap<i64, String>> = BTreeMap::new();
        for b in &batches {
            let ids = b.column_by_name("id").unwrap().as_primitive::<Int64Type>();
            let amount = b.column_by_name("amount").unwrap();
            let amount = amount.as_primitive::<arrow::datatypes::Float64Type>();
            let customer = b.column_by_name("customer").unwrap();
            for i in 0..b.num_rows() {
                if !amount.is_null(i) && amount.value(i) > 500.0 {
                    let reason = format!(
                        "`amount` = {} is above max 500",
                        float_text(amount.value(i))
                    );
                    want.entry("range-amount.parquet".into())
                        .or_default()
                        .insert(ids.value(i), reason);
                }
                if customer.is_null(i) {
                    want.entry("null_rate-customer.parquet".into())
                        .or_default()
                        .insert(ids.value(i), "`customer` is null".into());
                }
            }
        }
        let mut got: BTreeMap<String, BTreeMap<i64, String>> = BTreeMap::new();
        let files = common::files_under(&q);
        for f in &files {
            assert_eq!(
                f.parent().unwrap(),
                q.join("orders").join(format!("snapshot={snapshot}")),
                "{f:?}"
            );
            let name = f.file_name().unwrap().to_str().unwrap().to_string();
            for b in read_file(f) {
                let ids = b.column_by_name("id").unwrap().as_primitive::<Int64Type>();
                let reasons = texts(&b, "_plimsoll_reason");
                for (i, reason) in reasons.iter().enumerate() {
                    got.entry(name.clone())
                        .or_default()
                        .insert(ids.value(i), reason.clone().unwrap());
                }
            }
        }
        assert_eq!(got, want, "snapshot {snapshot}");
    }
}

/// A quarantine inside a referenced table is refused too: the run reads it.
#[test]
fn a_quarantine_inside_a_referenced_table_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    customers(dir.path());
    let q = dir.path().join("customers").join("q");
    let r = check(dir.path(), q.to_str().unwrap(), &[]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("inside the table"), "{}", r.stderr);
    assert!(!q.exists());
}
