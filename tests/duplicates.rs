//! The `duplicates` check (table-level `unique` keys) against a plain reference: a table of
//! known rows written here (three date partitions, two files each, nulls in the key columns),
//! the expected counts computed by a `HashMap` over the same rows, not by Plimsoll.

mod common;

use arrow::array::{ArrayRef, Float64Array, Int32Array, RecordBatch, StringArray};
use common::{parquet, plimsoll_json};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// One row: (date, order_id, line_no, amount).
type Row = (&'static str, Option<String>, Option<i32>, f64);

const DATES: [&str; 3] = ["2024-03-01", "2024-03-02", "2024-03-03"];

/// A deterministic generator (an LCG), so the rows are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// The rows: order ids drawn from a range small enough to repeat, some nulls in both key
/// columns, and whole rows written twice (a retried load) in the second partition.
fn rows() -> Vec<Row> {
    let mut g = Lcg(42);
    let mut out = Vec::new();
    for (d, date) in DATES.iter().enumerate() {
        let n = 1_500 + 250 * d as u64;
        for i in 0..n {
            let order = match g.next(50) {
                0 => None,
                _ => Some(format!("o{:05}", g.next(900 + 300 * d as u64))),
            };
            let line = match g.next(40) {
                0 => None,
                _ => Some(g.next(4) as i32),
            };
            out.push((*date, order, line, i as f64 / 4.0));
        }
        if d == 1 {
            let retried: Vec<Row> = out[out.len() - 120..].to_vec();
            out.extend(retried);
        }
    }
    out
}

/// Writes the rows as `dir/date=D/part-{0,1}.parquet`, each partition split in two files.
fn write(dir: &Path, rows: &[Row]) {
    for date in DATES {
        let part: Vec<&Row> = rows.iter().filter(|r| r.0 == date).collect();
        let half = part.len() / 2;
        for (i, chunk) in [&part[..half], &part[half..]].iter().enumerate() {
            let cols: Vec<(&str, ArrayRef)> = vec![
                (
                    "order_id",
                    Arc::new(StringArray::from_iter(chunk.iter().map(|r| r.1.clone()))),
                ),
                (
                    "line_no",
                    Arc::new(Int32Array::from_iter(chunk.iter().map(|r| r.2))),
                ),
                (
                    "amount",
                    Arc::new(Float64Array::from_iter_values(chunk.iter().map(|r| r.3))),
                ),
            ];
            let batch = RecordBatch::try_from_iter(cols).unwrap();
            parquet(
                dir,
                &format!("date={date}/part-{i}.parquet"),
                std::slice::from_ref(&batch),
            );
        }
    }
}

/// What the reference counts for a key.
#[derive(Debug)]
struct Expected {
    rows: u64,
    null_key_rows: u64,
    distinct_keys: u64,
    duplicated_keys: u64,
    duplicate_rows: u64,
    /// Every duplicated key (as the check renders it) with its count.
    counts: HashMap<Vec<String>, u64>,
}

/// The reference: a HashMap count of the key over `rows` (SQL `UNIQUE`: a key with a null
/// never collides).
fn reference(rows: &[&Row], composite: bool) -> Expected {
    let mut counts: HashMap<Vec<String>, u64> = HashMap::new();
    let mut nulls = 0;
    for r in rows {
        let key = if composite {
            match (&r.1, r.2) {
                (Some(o), Some(l)) => Some(vec![o.clone(), l.to_string()]),
                _ => None,
            }
        } else {
            r.1.clone().map(|o| vec![o])
        };
        match key {
            Some(k) => *counts.entry(k).or_default() += 1,
            None => nulls += 1,
        }
    }
    let duplicated: HashMap<Vec<String>, u64> = counts
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(k, n)| (k.clone(), *n))
        .collect();
    Expected {
        rows: rows.len() as u64,
        null_key_rows: nulls,
        distinct_keys: counts.len() as u64,
        duplicated_keys: duplicated.len() as u64,
        duplicate_rows: duplicated.values().map(|n| n - 1).sum(),
        counts: duplicated,
    }
}

fn contract(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("consumer: dedup\ndepends_on:\n  - table: orders\n{body}"),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

fn check(table: &Path, contract: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec![
        "check",
        table.to_str().unwrap(),
        "--contract",
        contract,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let (code, v, _) = plimsoll_json(&args);
    (code, v)
}

fn result<'a>(v: &'a Value, field: &str) -> &'a Value {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "duplicates" && r["field"] == field)
        .unwrap_or_else(|| panic!("no duplicates result for {field}: {v:#}"))
}

/// The observed counts equal the reference's, and the examples are the most repeated keys.
fn assert_matches(r: &Value, e: &Expected) {
    let o = &r["observed"];
    assert_eq!(o["rows"], e.rows, "{r:#}");
    assert_eq!(o["null_key_rows"], e.null_key_rows, "{r:#}");
    assert_eq!(o["distinct_keys"], e.distinct_keys, "{r:#}");
    assert_eq!(o["duplicated_keys"], e.duplicated_keys, "{r:#}");
    assert_eq!(o["duplicate_rows"], e.duplicate_rows, "{r:#}");
    let rate = e.duplicate_rows as f64 / e.rows as f64;
    assert_eq!(o["duplicate_rate"].as_f64().unwrap(), rate);
    let examples = o["examples"].as_array().unwrap();
    assert_eq!(examples.len(), e.counts.len().min(5));
    let mut top: Vec<u64> = e.counts.values().copied().collect();
    top.sort_unstable_by(|a, b| b.cmp(a));
    for (ex, want) in examples.iter().zip(&top) {
        let key: Vec<String> = ex["key"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect();
        assert_eq!(ex["count"], *want, "{ex}");
        assert_eq!(e.counts.get(&key), Some(want), "{ex}");
    }
}

#[test]
fn duplicates_are_counted_exactly_for_single_and_composite_keys() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("orders");
    let all = rows();
    write(&table, &all);
    let c = contract(
        dir.path(),
        "c.yaml",
        "    unique: [[order_id], [order_id, line_no]]\n",
    );
    let (code, v) = check(&table, &c, &[]);
    let every: Vec<&Row> = all.iter().collect();
    let single = reference(&every, false);
    let composite = reference(&every, true);
    // The fixture is what it means to be: duplicates and null keys on both keys.
    assert!(single.duplicate_rows > 0 && single.null_key_rows > 0);
    assert!(composite.duplicate_rows > 0 && composite.null_key_rows > single.null_key_rows);
    assert_matches(result(&v, "order_id"), &single);
    assert_matches(result(&v, "order_id,line_no"), &composite);
    assert_eq!(result(&v, "order_id")["status"], "fail");
    assert_eq!(code, 1);
}

#[test]
fn a_partition_is_counted_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("orders");
    let all = rows();
    write(&table, &all);
    let c = contract(dir.path(), "c.yaml", "    unique: [order_id, line_no]\n");
    for date in DATES {
        let (_, v) = check(&table, &c, &["--partition", &format!("date={date}")]);
        let part: Vec<&Row> = all.iter().filter(|r| r.0 == date).collect();
        assert_matches(result(&v, "order_id,line_no"), &reference(&part, true));
    }
}

#[test]
fn the_verdict_turns_at_max_duplicate_rate() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("orders");
    let all = rows();
    write(&table, &all);
    let part: Vec<&Row> = all.iter().filter(|r| r.0 == "2024-03-02").collect();
    let e = reference(&part, true);
    let at = e.duplicate_rows as f64 / e.rows as f64;
    let below = (e.duplicate_rows - 1) as f64 / e.rows as f64;
    for (max, status, code) in [(at, "pass", 0), (below, "fail", 1)] {
        let c = contract(
            dir.path(),
            "c.yaml",
            &format!("    unique: [order_id, line_no]\n    max_duplicate_rate: {max}\n"),
        );
        let (got, v) = check(&table, &c, &["--partition", "date=2024-03-02"]);
        let r = result(&v, "order_id,line_no");
        assert_eq!(r["status"], status, "max {max}: {r:#}");
        assert_eq!(r["expected"]["max_duplicate_rate"].as_f64(), Some(max));
        assert_eq!(got, code);
    }
}

#[test]
fn a_missing_key_column_is_the_check_s_error_not_the_run_s() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("orders");
    write(&table, &rows());
    let c = contract(
        dir.path(),
        "c.yaml",
        "    unique: [[order_id, line_nr], [amount]]\n",
    );
    let (code, v) = check(&table, &c, &[]);
    let r = result(&v, "order_id,line_nr");
    assert_eq!(r["status"], "error");
    let msg = r["message"].as_str().unwrap();
    assert!(msg.contains("names column(s) `line_nr` that"), "{msg}");
    // The other key is still counted.
    let other = result(&v, "amount");
    assert_eq!(other["status"], "fail");
    assert_eq!(other["observed"]["rows"], rows().len() as u64);
    assert_eq!(code, 2);
}

#[test]
fn the_duplicated_rows_are_every_row_of_a_duplicated_key() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("orders");
    let all = rows();
    write(&table, &all);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let key = vec!["order_id".to_string(), "line_no".to_string()];
    let (keys, rows) = rt.block_on(async {
        let ctx = plimsoll::Context::default();
        let what = plimsoll::source::SourceRef::parse(table.to_str().unwrap()).unwrap();
        let source = plimsoll::source::Source::open(&ctx, &what, &[])
            .await
            .unwrap();
        let session = ctx.local_session();
        let keys = plimsoll::profile::duplicates::duplicated_keys(&session, &source, &key)
            .await
            .unwrap()
            .count()
            .await
            .unwrap();
        // The rows the quarantine writes for a failed `duplicates` check.
        let df = source.dataframe(&session).await.unwrap();
        let rows = plimsoll::quarantine::duplicates::rows(df, &key)
            .unwrap()
            .count()
            .await
            .unwrap();
        (keys, rows)
    });
    let every: Vec<&Row> = all.iter().collect();
    let e = reference(&every, true);
    assert_eq!(keys as u64, e.duplicated_keys);
    assert_eq!(rows as u64, e.counts.values().sum::<u64>());
}

#[test]
fn unique_keys_are_read_strictly() {
    use plimsoll::contract::parse::parse_contract;
    let head = "consumer: c\ndepends_on:\n  - table: t\n";
    let ok = |body: &str| {
        parse_contract(Path::new("c.yaml"), &format!("{head}{body}"))
            .unwrap_or_else(|e| panic!("{body}: {e:?}"))
    };
    let c = ok("    unique: [order_id, line_no]\n");
    let keys: Vec<Vec<String>> = c.tables[0]
        .unique
        .iter()
        .map(|k| k.columns.clone())
        .collect();
    assert_eq!(
        keys,
        vec![vec!["order_id".to_string(), "line_no".to_string()]]
    );
    assert_eq!(c.tables[0].max_duplicate_rate, None);
    let c = ok(
        "    unique:\n      - [order_id]\n      - [order_id, line_no]\n    max_duplicate_rate: 0.01\n",
    );
    let keys: Vec<(usize, usize)> = c.tables[0]
        .unique
        .iter()
        .map(|k| (k.columns.len(), k.line))
        .collect();
    assert_eq!(keys, vec![(1, 5), (2, 6)]);
    assert_eq!(c.tables[0].max_duplicate_rate, Some(0.01));
    // (body, line of the problem, words of the message)
    let bad = [
        ("    unique: order_id\n", 4, "must be a list of columns"),
        ("    unique: []\n", 4, "`unique` is empty"),
        ("    unique: [a, [b]]\n", 4, "mixes columns and lists"),
        ("    unique: [a, a]\n", 4, "listed twice in a key"),
        (
            "    unique:\n      - [a, b]\n      - [b, a]\n",
            6,
            "the key [b,a] is listed twice",
        ),
        ("    max_duplicate_rate: 0.1\n", 4, "needs a `unique` key"),
        (
            "    unique: [a]\n    max_duplicate_rate: 10\n",
            5,
            "between 0 and 1",
        ),
        (
            "    schema: { allow_new_columns: maybe }\n",
            4,
            "`true` or `false`",
        ),
        ("    schema: { allow_columns: false }\n", 4, "unknown key"),
    ];
    for (body, line, words) in bad {
        let problems =
            parse_contract(Path::new("c.yaml"), &format!("{head}{body}")).expect_err(body);
        assert!(
            problems
                .iter()
                .any(|p| p.line == line && p.message.contains(words)),
            "{body}: {problems:#?}"
        );
    }
}

#[test]
fn compat_and_impact_know_the_keys_and_the_schema_policy() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(
            &p,
            format!("consumer: c\ndepends_on:\n  - table: orders\n{body}"),
        )
        .unwrap();
        p.to_str().unwrap().to_string()
    };
    let v1 = write(
        "v1.yaml",
        "    unique: [[order_id], [customer_id]]\n    max_duplicate_rate: 0.01\n",
    );
    let v2 = write(
        "v2.yaml",
        "    unique: [[order_id], [order_id, line_no]]\n    max_duplicate_rate: 0.001\n    schema: { allow_new_columns: false }\n",
    );
    let (code, v, stderr) = plimsoll_json(&["compat", &v1, &v2, "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let mut got: Vec<(String, String, String)> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["expectation"].as_str().unwrap().to_string(),
                c["change"].as_str().unwrap().to_string(),
                c["old"]
                    .as_str()
                    .or(c["new"].as_str())
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    got.sort();
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        got,
        vec![
            s("max_duplicate_rate", "tightened", "0.01"),
            s("schema.allow_new_columns", "tightened", "true"),
            s("unique", "loosened", "customer_id"),
            s("unique", "tightened", "order_id,line_no"),
        ]
    );
    // The key columns are depended on, by the duplicates check.
    let (code, v, stderr) = plimsoll_json(&[
        "impact",
        "orders.line_no",
        "--contract",
        &v2,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let deps = v["dependencies"].as_array().unwrap();
    assert_eq!(deps.len(), 1, "{v:#}");
    assert_eq!(deps[0]["checks"], serde_json::json!(["duplicates"]));
    assert_eq!(deps[0]["line"], 4);
}

/// On an Iceberg table (written by pyiceberg), the count covers the snapshot read, and an added
/// column is reported against an earlier snapshot; expected values from the fixture's
/// `expected.json` (pyarrow.compute over the appended tables).
#[test]
fn on_iceberg_the_snapshot_read_is_the_one_counted() {
    let table = common::root().join("testdata/iceberg/pyiceberg/orders");
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("testdata/iceberg/pyiceberg/expected.json"))
            .unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let c = contract(
        dir.path(),
        "c.yaml",
        "    unique: [[order_id], [customer_id], [status]]\n    max_duplicate_rate: 1\n    fields:\n      - name: order_id\n",
    );
    let snapshots = expected["snapshots"].as_object().unwrap();
    for (id, snap) in snapshots {
        let (code, v) = check(&table, &c, &["--snapshot", id]);
        assert_eq!(code, 0, "{v:#}");
        let rows = snap["row_count"].as_u64().unwrap();
        for key in ["order_id", "customer_id", "status"] {
            let col = &snap["columns"][key];
            let (nulls, distinct) = (
                col["null_count"].as_u64().unwrap(),
                col["distinct_count"].as_u64().unwrap(),
            );
            let o = &result(&v, key)["observed"];
            assert_eq!(o["rows"], rows, "{id} {key}");
            assert_eq!(o["null_key_rows"], nulls, "{id} {key}");
            assert_eq!(o["distinct_keys"], distinct, "{id} {key}");
            assert_eq!(o["duplicate_rows"], rows - nulls - distinct, "{id} {key}");
        }
    }
    // Columns of the current snapshot whose field id the first snapshot lacks.
    let current = expected["current_snapshot_id"].as_str().unwrap();
    let first = snapshots.keys().find(|k| *k != current).unwrap();
    let ids = |s: &str| -> Vec<(u64, String)> {
        snapshots[s]["columns"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, c)| (c["field_id"].as_u64().unwrap(), name.clone()))
            .collect()
    };
    let before: Vec<u64> = ids(first).iter().map(|x| x.0).collect();
    let added: Vec<String> = ids(current)
        .into_iter()
        .filter(|(id, _)| !before.contains(id))
        .map(|x| x.1)
        .collect();
    assert!(!added.is_empty());
    let (code, v) = check(&table, &c, &["--baseline", &format!("snapshot:{first}")]);
    assert_eq!(code, 0, "{v:#}");
    let mut reported: Vec<String> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["check"] == "schema_drift")
        .map(|r| {
            assert_eq!(r["status"], "warn");
            assert_eq!(r["observed"]["change"], "added");
            r["field"].as_str().unwrap().to_string()
        })
        .collect();
    reported.sort();
    assert_eq!(reported, added);
}
