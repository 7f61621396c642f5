//! `plimsoll suggest`: the suggested contract lints clean, passes `check` on the data it came
//! from, fails on drifted days, and says what the data says. Expected values are computed here
//! from the Parquet files with arrow (per-day nulls, extremes, distinct values), and the margin
//! rules the README states are applied to them by a plain reference implementation. The YAML is
//! read with saphyr's generic loader, not with Plimsoll's contract parser.

mod common;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type};
use common::{plimsoll, root};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// Running the binary and reading its YAML

/// Runs `plimsoll suggest ARGS`, which must succeed, and returns the YAML text.
fn suggest(args: &[&str]) -> String {
    let mut all = vec!["suggest"];
    all.extend_from_slice(args);
    let r = plimsoll(&all);
    assert_eq!(r.code, 0, "suggest {args:?} failed:\n{}", r.stderr);
    r.stdout
}

/// YAML as JSON values, read with saphyr's generic loader.
fn yaml(text: &str) -> Value {
    let docs = Yaml::load_from_str(text).unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"));
    assert_eq!(docs.len(), 1, "one document");
    to_json(&docs[0])
}

fn to_json(y: &Yaml) -> Value {
    match y {
        Yaml::Value(Scalar::Null) => Value::Null,
        Yaml::Value(Scalar::Boolean(b)) => json!(b),
        Yaml::Value(Scalar::Integer(i)) => json!(i),
        Yaml::Value(Scalar::FloatingPoint(f)) => json!(f.into_inner()),
        Yaml::Value(Scalar::String(s)) => json!(s.as_ref()),
        Yaml::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Mapping(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::Value(Scalar::String(s)) => s.to_string(),
                        other => panic!("non-string key {other:?}"),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        other => panic!("unexpected YAML node {other:?}"),
    }
}

/// A number in the YAML (written as an integer or a float).
fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Writes a contract to a temporary directory and returns its path.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn fields(contract: &Value) -> BTreeMap<String, Value> {
    contract["depends_on"][0]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| (f["name"].as_str().unwrap().to_string(), f.clone()))
        .collect()
}

/// `plimsoll check SOURCE --contract FILE ARGS --format json`: exit code and report.
fn check(source: &str, contract: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", source, "--contract", contract.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let r = plimsoll(&all);
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("check printed no JSON ({e}): {}\n{}", r.stdout, r.stderr));
    (r.code, v)
}

/// The `(check, field)` pairs that failed.
fn failures(report: &Value) -> BTreeSet<(String, String)> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| {
            (
                r["check"].as_str().unwrap().to_string(),
                r["field"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// What the Parquet files hold, read with arrow

/// One column of one day.
#[derive(Debug, Default, Clone)]
struct Col {
    rows: u64,
    nulls: u64,
    /// Finite numeric extremes (numbers only).
    min: Option<f64>,
    max: Option<f64>,
    /// Distinct values (strings only).
    values: BTreeSet<String>,
    /// String lengths in characters.
    lengths: BTreeSet<usize>,
}

/// Every column of one partition directory (its files' columns; the partition column is not in
/// the files).
fn read_day(dir: &Path) -> BTreeMap<String, Col> {
    let mut out: BTreeMap<String, Col> = BTreeMap::new();
    for path in common::parquet_files(dir) {
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap())
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            add_batch(&mut out, &batch.unwrap());
        }
    }
    out
}

fn add_batch(out: &mut BTreeMap<String, Col>, batch: &RecordBatch) {
    for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
        let c = out.entry(field.name().clone()).or_default();
        c.rows += array.len() as u64;
        c.nulls += array.null_count() as u64;
        match field.data_type() {
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal128(..) => {
                let f = arrow::compute::cast(array, &DataType::Float64).unwrap();
                for v in f.as_primitive::<Float64Type>().iter().flatten() {
                    c.min = Some(c.min.map_or(v, |m| m.min(v)));
                    c.max = Some(c.max.map_or(v, |m| m.max(v)));
                }
            }
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                let s = arrow::compute::cast(array, &DataType::Utf8).unwrap();
                for v in s.as_string::<i32>().iter().flatten() {
                    c.values.insert(v.to_string());
                    c.lengths.insert(v.chars().count());
                }
            }
            _ => {}
        }
    }
}

/// The days `key=FIRST..=LAST` of a table, each read with arrow.
fn days(table: &str, key: &str, names: &[&str]) -> Vec<BTreeMap<String, Col>> {
    names
        .iter()
        .map(|d| read_day(&root().join(table).join(format!("{key}={d}"))))
        .collect()
}

/// Over several days: the columns with no null on any day that has them.
fn null_free(days: &[BTreeMap<String, Col>]) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = days.iter().flat_map(|d| d.keys().cloned()).collect();
    names.retain(|n| days.iter().filter_map(|d| d.get(n)).all(|c| c.nulls == 0));
    names
}

fn distinct(days: &[BTreeMap<String, Col>], name: &str) -> BTreeSet<String> {
    days.iter()
        .filter_map(|d| d.get(name))
        .flat_map(|c| c.values.iter().cloned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The README's margin rules, as a plain reference

fn step(margin: f64, integer: bool) -> f64 {
    if margin <= 0.0 {
        return if integer { 1.0 } else { 0.0 };
    }
    let s = 10f64.powf(margin.log10().floor());
    if integer { s.max(1.0) } else { s }
}

/// `x / step`, floating-point noise (within a billionth of a step) taken for a whole number.
fn steps(x: f64, step: f64) -> f64 {
    let q = x / step;
    if (q - q.round()).abs() < 1e-9 {
        q.round()
    } else {
        q
    }
}

fn down(x: f64, step: f64) -> f64 {
    if step == 0.0 {
        x
    } else {
        steps(x, step).floor() * step
    }
}

fn up(x: f64, step: f64) -> f64 {
    if step == 0.0 {
        x
    } else {
        steps(x, step).ceil() * step
    }
}

fn clamp_sign(lo: f64, hi: f64, min: f64, max: f64) -> (f64, f64) {
    (
        if lo >= 0.0 { min.max(0.0) } else { min },
        if hi <= 0.0 { max.min(0.0) } else { max },
    )
}

/// One day: 10% of the width beyond each end.
fn single_rule(lo: f64, hi: f64, integer: bool) -> (f64, f64) {
    let m = if hi > lo {
        0.1 * (hi - lo)
    } else if hi != 0.0 {
        0.1 * hi.abs()
    } else {
        1.0
    };
    let s = step(m, integer);
    clamp_sign(lo, hi, down(lo - m, s), up(hi + m, s))
}

fn sd(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    (xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// Several days: 3 sd of the daily minima below, of the daily maxima above.
fn spread_rule(mins: &[f64], maxs: &[f64], integer: bool) -> (f64, f64) {
    let lo = mins.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = maxs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (below, above) = (3.0 * sd(mins), 3.0 * sd(maxs));
    clamp_sign(
        lo,
        hi,
        down(lo - below, step(below, integer)),
        up(hi + above, step(above, integer)),
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn assert_range(f: &Value, want: (f64, f64), what: &str) {
    let c = &f["constraints"];
    let got = (num(&c["min"]), num(&c["max"]));
    assert!(
        close(got.0, want.0) && close(got.1, want.1),
        "{what} `{}`: suggested [{}, {}], the rule gives [{}, {}]",
        f["name"],
        got.0,
        got.1,
        want.0,
        want.1
    );
}

// ---------------------------------------------------------------------------------------------
// testdata/orders

const ORDERS_WEEK: [&str; 8] = [
    "2024-03-03",
    "2024-03-04",
    "2024-03-05",
    "2024-03-06",
    "2024-03-07",
    "2024-03-08",
    "2024-03-09",
    "2024-03-10",
];

fn orders_with_baseline() -> String {
    suggest(&[
        "testdata/orders",
        "--partition",
        "date=latest",
        "--baseline",
        "7d",
        "--consumer",
        "analytics",
    ])
}

#[test]
fn orders_suggestion_lints_and_passes_on_its_own_data() {
    let text = orders_with_baseline();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "orders.yaml", &text);
    let lint = plimsoll(&["lint", path.to_str().unwrap()]);
    assert_eq!(
        lint.code, 0,
        "lint:\n{}\n{}\n{text}",
        lint.stdout, lint.stderr
    );
    let (code, report) = check(
        "testdata/orders",
        &path,
        &[
            "--partition",
            "date=latest",
            "--now",
            "2024-03-11T00:30:00Z",
        ],
    );
    assert_eq!(code, 0, "check failed on its own data: {report:#}\n{text}");
    // Every kind of suggestion was checked.
    let checks: BTreeSet<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["check"].as_str().unwrap())
        .collect();
    for c in [
        "freshness",
        "row_count",
        "null_rate",
        "unique",
        "range",
        "allowed_values",
        "drift",
        "type",
    ] {
        assert!(checks.contains(c), "no `{c}` check ran: {checks:?}");
    }

    let c = yaml(&text);
    assert_eq!(c["consumer"], "analytics");
    let t = &c["depends_on"][0];
    assert_eq!(t["table"], "orders");
    assert!(t.get("source").is_none(), "no source is written");
    assert_eq!(
        t["freshness"],
        json!({ "column": "event_time", "max_lag": "26h" })
    );
    assert_eq!(t["row_count"]["baseline_days"], 7);
    // Weekends carry 70% of a weekday: the lowest ratio is below the default 0.8.
    assert!(num(&t["row_count"]["min_ratio"]) < 0.8);
    assert!(text.contains("# "), "suggestions carry comments");
    let f = fields(&c);
    assert_eq!(f["order_id"]["unique"], true);
    assert_eq!(
        f["order_id"]["constraints"],
        json!({ "min_length": 12, "max_length": 12 })
    );
    assert_eq!(f["event_time"]["type"], "timestamp");
    assert_eq!(f["total_usd"]["type"], "number");
    assert_eq!(f["discount"]["type"], "decimal");
    assert_eq!(f["customer_id"]["type"], "integer");
    assert_eq!(f["is_gift"]["type"], "boolean");
    assert_eq!(f["date"]["type"], "date");
    for name in ["total_usd", "quantity", "customer_id", "discount"] {
        assert_eq!(f[name]["drift"], json!({ "max_psi": 0.2 }), "{name}");
    }
    // Comments say why, in the words the brief of each rule uses.
    assert!(text.contains("null rate 0.0% over 8 days"), "{text}");
    assert!(text.contains("distinct values seen over 8 days"), "{text}");
    assert!(text.contains("margin 3 sd of the daily extremes"), "{text}");
}

#[test]
fn orders_suggestion_fails_on_drifted_days() {
    let text = orders_with_baseline();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "orders.yaml", &text);
    // testdata/orders_drift: one problem a day on 03-09..03-12 (see examples/gen_testdata.rs).
    let expected = [
        ("09", ("range", "total_usd")),
        ("10", ("allowed_values", "status")),
        ("11", ("null_rate", "customer_id")),
        ("12", ("row_count", "-")),
    ];
    for (day, (check_id, field)) in expected {
        let (code, report) = check(
            "testdata/orders_drift",
            &path,
            &[
                "--partition",
                &format!("date=2024-03-{day}"),
                "--now",
                &format!("2024-03-{day}T23:59:59Z"),
            ],
        );
        assert_eq!(code, 1, "2024-03-{day} should fail: {report:#}");
        let failed = failures(&report);
        assert!(
            failed.contains(&(check_id.to_string(), field.to_string())),
            "2024-03-{day}: expected `{check_id}` on `{field}` to fail, failed: {failed:?}"
        );
    }
    // The same stream on undisturbed days passes (another seed than the data suggested from).
    for day in ["07", "08", "14"] {
        let (code, report) = check(
            "testdata/orders_drift",
            &path,
            &[
                "--partition",
                &format!("date=2024-03-{day}"),
                "--now",
                &format!("2024-03-{day}T23:59:59Z"),
            ],
        );
        assert_eq!(
            code,
            0,
            "2024-03-{day} should pass: {:?}",
            failures(&report)
        );
    }
}

#[test]
fn orders_required_and_allowed_values_are_what_arrow_reads() {
    let c = yaml(&orders_with_baseline());
    let f = fields(&c);
    let week = days("testdata/orders", "date", &ORDERS_WEEK);
    let mut want_required = null_free(&week);
    want_required.insert("date".into()); // the partition column is never null
    let required: BTreeSet<String> = f
        .iter()
        .filter(|(_, v)| v.get("required") == Some(&json!(true)))
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(required, want_required);
    // Nullable fields carry a null-rate ceiling instead.
    for (name, v) in &f {
        assert_eq!(
            v.get("max_null_rate").is_some(),
            !want_required.contains(name),
            "{name}"
        );
    }
    // allowed_values: the low-cardinality strings, exactly their distinct values over the week.
    let with_values: BTreeSet<&str> = f
        .iter()
        .filter(|(_, v)| v.get("allowed_values").is_some())
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        with_values,
        BTreeSet::from(["channel", "country", "coupon_code", "status"])
    );
    for name in with_values {
        let got: BTreeSet<String> = f[name]["allowed_values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, distinct(&week, name), "{name}");
    }
    // `channel` appeared on 03-07: its absence earlier is not counted as nulls.
    assert_eq!(f["channel"]["required"], true);
}

#[test]
fn baseline_margins_come_from_the_daily_spread() {
    let one = yaml(&suggest(&["testdata/orders", "--partition", "date=latest"]));
    let week = yaml(&orders_with_baseline());
    let (one, week_f) = (fields(&one), fields(&week));
    let data = days("testdata/orders", "date", &ORDERS_WEEK);
    let today = &data[7];
    for (name, integer) in [
        ("total_usd", false),
        ("quantity", true),
        ("customer_id", true),
        ("discount", false),
    ] {
        let t = &today[name];
        let single = single_rule(t.min.unwrap(), t.max.unwrap(), integer);
        assert_range(&one[name], single, "one day");
        let mins: Vec<f64> = data.iter().map(|d| d[name].min.unwrap()).collect();
        let maxs: Vec<f64> = data.iter().map(|d| d[name].max.unwrap()).collect();
        let spread = spread_rule(&mins, &maxs, integer);
        assert_range(&week_f[name], spread, "eight days");
        // Both hold every value they were read from.
        let lo = mins.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = maxs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert!(spread.0 <= lo && spread.1 >= hi, "{name}");
    }
    // total_usd's daily maxima wander: the week's upper bound is not the one day's.
    assert_ne!(
        num(&one["total_usd"]["constraints"]["max"]),
        num(&week_f["total_usd"]["constraints"]["max"])
    );
    // quantity is capped (1..10 every day): no room beyond the cap over a week, 10% in a day.
    assert_eq!(
        week_f["quantity"]["constraints"],
        json!({ "min": 1, "max": 10 })
    );
    assert_eq!(
        one["quantity"]["constraints"],
        json!({ "min": 0, "max": 11 })
    );
    // Null rates: one day's rate + max(half, 1 point); the week's highest + max(3 sd, 1 point).
    let rate = |c: &Col| c.nulls as f64 / c.rows as f64;
    let ceil3 = |x: f64| ((x * 1000.0) - 1e-9).ceil() / 1000.0;
    let r = rate(&today["customer_id"]);
    assert!(close(
        num(&one["customer_id"]["max_null_rate"]),
        ceil3(r + (r / 2.0).max(0.01))
    ));
    let rates: Vec<f64> = data.iter().map(|d| rate(&d["customer_id"])).collect();
    let top = rates.iter().copied().fold(0.0, f64::max);
    assert!(close(
        num(&week_f["customer_id"]["max_null_rate"]),
        ceil3(top + (3.0 * sd(&rates)).max(0.01))
    ));
    // Without a baseline the row-count ratios come from the partitions' footers all the same.
    let again = yaml(&suggest(&["testdata/orders", "--partition", "date=latest"]));
    assert!(num(&again["depends_on"][0]["row_count"]["min_ratio"]) < 0.8);
}

#[test]
fn odcs_document_states_the_same_suggestion() {
    let plimsoll_text = orders_with_baseline();
    let text = suggest(&[
        "testdata/orders",
        "--partition",
        "date=latest",
        "--baseline",
        "7d",
        "--consumer",
        "analytics",
        "--format",
        "odcs",
    ]);
    let d = yaml(&text);
    let ours = fields(&yaml(&plimsoll_text));
    assert_eq!(d["apiVersion"], "v3.1.0");
    assert_eq!(d["kind"], "DataContract");
    assert_eq!(d["id"], "analytics-orders");
    assert_eq!(d["name"], "orders");
    assert_eq!(d["version"], "0.1.0");
    assert_eq!(d["status"], "draft");
    let schema = d["schema"].as_array().unwrap();
    assert_eq!(schema.len(), 1);
    let object = &schema[0];
    assert_eq!(object["name"], "orders");
    assert_eq!(object["physicalType"], "table");
    assert_eq!(object["logicalType"], "object");
    let props: BTreeMap<String, &Value> = object["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_string(), p))
        .collect();
    assert_eq!(
        props.keys().collect::<BTreeSet<_>>(),
        ours.keys().collect::<BTreeSet<_>>()
    );
    let logical = |n: &str| props[n]["logicalType"].as_str().unwrap().to_string();
    assert_eq!(logical("event_time"), "timestamp");
    assert_eq!(logical("date"), "date");
    assert_eq!(logical("total_usd"), "number");
    assert_eq!(logical("discount"), "number");
    assert_eq!(logical("customer_id"), "integer");
    assert_eq!(logical("order_id"), "string");
    assert_eq!(logical("is_gift"), "boolean");
    assert_eq!(props["date"]["partitioned"], true);
    assert_eq!(props["date"]["partitionKeyPosition"], 1);
    let allowed_values = [
        "string",
        "integer",
        "number",
        "boolean",
        "date",
        "timestamp",
        "object",
        "array",
    ];
    for (name, p) in &props {
        assert!(
            allowed_values.contains(&p["logicalType"].as_str().unwrap()),
            "{name}"
        );
        assert!(p["physicalType"].is_string(), "{name}");
        let ours = &ours[name];
        let required = ours.get("required") == Some(&json!(true));
        assert_eq!(p.get("required") == Some(&json!(true)), required, "{name}");
        assert_eq!(
            p.get("unique") == Some(&json!(true)),
            ours.get("unique") == Some(&json!(true)),
            "{name}"
        );
        let quality = p
            .get("quality")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let metric = |m: &str| quality.iter().find(|q| q["metric"] == m).cloned();
        // nullValues: 0 where required, the ceiling in percent elsewhere.
        let nulls = metric("nullValues").unwrap_or_else(|| panic!("{name}: no nullValues"));
        if required {
            assert_eq!(nulls["mustBe"], 0, "{name}");
        } else {
            assert_eq!(nulls["unit"], "percent");
            assert!(close(
                num(&nulls["mustBeLessOrEqualTo"]),
                100.0 * num(&ours["max_null_rate"])
            ));
        }
        match (metric("invalidValues"), ours.get("allowed_values")) {
            (Some(q), Some(values)) => {
                assert_eq!(&q["arguments"]["validValues"], values, "{name}");
                assert_eq!(q["mustBe"], 0);
            }
            (None, None) => {}
            (q, v) => panic!("{name}: invalidValues {q:?} against allowed_values {v:?}"),
        }
        if let Some(c) = ours.get("constraints") {
            let o = &p["logicalTypeOptions"];
            if c.get("min").is_some() {
                assert_eq!(num(&o["minimum"]), num(&c["min"]), "{name}");
                assert_eq!(num(&o["maximum"]), num(&c["max"]), "{name}");
            } else {
                assert_eq!(o["minLength"], c["min_length"], "{name}");
                assert_eq!(o["maxLength"], c["max_length"], "{name}");
            }
        }
        let drift = p
            .get("customProperties")
            .and_then(|c| c.as_array())
            .and_then(|c| c.iter().find(|x| x["property"] == "plimsoll"));
        assert_eq!(
            drift.map(|d| num(&d["value"]["drift"]["max_psi"])),
            ours.get("drift").map(|d| num(&d["max_psi"])),
            "{name}"
        );
    }
    // The row count: more than min_ratio x the mean of the partitions, below the fewest seen.
    let rc = &object["quality"][0];
    assert_eq!(rc["metric"], "rowCount");
    let fewest = ORDERS_WEEK
        .iter()
        .map(|d| read_day(&root().join(format!("testdata/orders/date={d}")))["order_id"].rows)
        .min()
        .unwrap();
    assert!(rc["mustBeGreaterThan"].as_u64().unwrap() < fewest);
    assert_eq!(
        d["slaProperties"],
        json!([{ "property": "freshness", "value": 26, "unit": "h", "element": "orders.event_time" }])
    );
}

// ---------------------------------------------------------------------------------------------
// testdata/trips: a second, NYC-taxi-shaped table (testdata/gen/trips.py)

const TRIP_DAYS: [&str; 5] = [
    "2024-06-03",
    "2024-06-04",
    "2024-06-05",
    "2024-06-06",
    "2024-06-07",
];

#[test]
fn trips_suggestion_passes_its_data_and_fails_the_drifted_day() {
    let text = suggest(&[
        "testdata/trips",
        "--partition",
        "pickup_date=latest",
        "--baseline",
        "4d",
        "--consumer",
        "fares-dashboard",
        "--table-name",
        "taxi-trips",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "trips.yaml", &text);
    let lint = plimsoll(&["lint", path.to_str().unwrap()]);
    assert_eq!(lint.code, 0, "lint:\n{}\n{text}", lint.stdout);
    let (code, report) = check(
        "testdata/trips",
        &path,
        &[
            "--partition",
            "pickup_date=latest",
            "--now",
            "2024-06-08T00:30:00Z",
        ],
    );
    assert_eq!(code, 0, "{:?}\n{text}", failures(&report));

    // The drifted day: fares and tips in cents, a new payment type, passenger counts going null.
    let (code, report) = check(
        "testdata/trips_drift",
        &path,
        &["--now", "2024-06-08T23:59:59Z"],
    );
    assert_eq!(code, 1);
    let failed = failures(&report);
    for want in [
        ("range", "fare_amount"),
        ("range", "tip_amount"),
        ("allowed_values", "payment_type"),
        ("null_rate", "passenger_count"),
    ] {
        assert!(
            failed.contains(&(want.0.to_string(), want.1.to_string())),
            "expected {want:?} to fail: {failed:?}"
        );
    }

    let c = yaml(&text);
    assert_eq!(c["consumer"], "fares-dashboard");
    let t = &c["depends_on"][0];
    assert_eq!(t["table"], "taxi-trips");
    // The newest timestamp column: drop-offs end after their pick-ups.
    assert_eq!(t["freshness"]["column"], "dropoff_at");
    let f = fields(&c);
    let data = days("testdata/trips", "pickup_date", &TRIP_DAYS);
    let mut want_required = null_free(&data);
    want_required.insert("pickup_date".into());
    let required: BTreeSet<String> = f
        .iter()
        .filter(|(_, v)| v.get("required") == Some(&json!(true)))
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(required, want_required);
    for name in ["vendor", "payment_type", "rate_code"] {
        let got: BTreeSet<String> = f[name]["allowed_values"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has no allowed_values"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, distinct(&data, name), "{name}");
    }
    assert_eq!(f["trip_id"]["unique"], true);
    let lengths: BTreeSet<usize> = data
        .iter()
        .flat_map(|d| d["trip_id"].lengths.iter().copied())
        .collect();
    assert_eq!(lengths.len(), 1);
    let l = *lengths.iter().next().unwrap();
    assert_eq!(
        f["trip_id"]["constraints"],
        json!({ "min_length": l, "max_length": l })
    );
    assert!(f["trip_id"].get("drift").is_none());
    assert_eq!(f["congestion_surcharge"]["type"], "decimal");
    assert_eq!(f["pickup_at"]["type"], "timestamp");
    assert_eq!(f["store_and_fwd"]["type"], "boolean");
    // Ranges over five days follow the spread rule.
    for (name, integer) in [
        ("fare_amount", false),
        ("trip_distance", false),
        ("passenger_count", true),
        ("pu_location_id", true),
    ] {
        let mins: Vec<f64> = data.iter().map(|d| d[name].min.unwrap()).collect();
        let maxs: Vec<f64> = data.iter().map(|d| d[name].max.unwrap()).collect();
        assert_range(&f[name], spread_rule(&mins, &maxs, integer), "five days");
    }
}

#[test]
fn a_whole_table_suggestion_passes_a_whole_table_check() {
    // No partition selected: one profile of every day; the check then has no baseline, so
    // row_count and drift only warn.
    let text = suggest(&["testdata/trips"]);
    let c = yaml(&text);
    let f = fields(&c);
    let all = days("testdata/trips", "pickup_date", &TRIP_DAYS);
    // One profile: the single-profile rule over the whole table's extremes.
    let lo = all
        .iter()
        .map(|d| d["fare_amount"].min.unwrap())
        .fold(f64::INFINITY, f64::min);
    let hi = all
        .iter()
        .map(|d| d["fare_amount"].max.unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    assert_range(&f["fare_amount"], single_rule(lo, hi, false), "whole table");
    assert_eq!(c["consumer"], "trips-consumer");
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "trips.yaml", &text);
    let (code, report) = check("testdata/trips", &path, &["--now", "2024-06-08T00:30:00Z"]);
    assert_eq!(code, 0, "{:?}", failures(&report));
}

#[test]
fn bad_requests_exit_2() {
    // `--baseline 7d` needs one date partition selected.
    let r = plimsoll(&["suggest", "testdata/orders", "--baseline", "7d"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--partition"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let r = plimsoll(&["suggest", "testdata/no-such-table"]);
    assert_eq!(r.code, 2);
    let r = plimsoll(&["suggest", "testdata/orders", "--format", "xml"]);
    assert_eq!(r.code, 2);
    let r = plimsoll(&["suggest", "testdata/orders", "--baseline", "0d"]);
    assert_eq!(r.code, 2);
}

#[test]
fn an_unpartitioned_file_gets_no_row_count_and_its_ids_no_maximum() {
    let text = suggest(&["testdata/customers/customers.parquet"]);
    let c = yaml(&text);
    let t = &c["depends_on"][0];
    assert_eq!(t["table"], "customers");
    assert!(t.get("row_count").is_none(), "no date partitions");
    assert!(t.get("freshness").is_none(), "no timestamp or date column");
    let f = fields(&c);
    let data = read_day(&root().join("testdata/customers"));
    // customer_id is unique: a lower bound by the one-profile rule, no upper bound.
    let id = &data["customer_id"];
    assert_eq!(f["customer_id"]["unique"], true);
    let (min, _) = single_rule(id.min.unwrap(), id.max.unwrap(), true);
    let constraints = f["customer_id"]["constraints"].as_object().unwrap();
    assert_eq!(constraints.len(), 1, "{constraints:?}");
    assert_eq!(num(&constraints["min"]), min);
    assert!(f["customer_id"].get("drift").is_none());
    let tiers: BTreeSet<String> = f["tier"]["allowed_values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(tiers, data["tier"].values);
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "customers.yaml", &text);
    assert_eq!(plimsoll(&["lint", path.to_str().unwrap()]).code, 0);
    let (code, report) = check("testdata/customers/customers.parquet", &path, &[]);
    assert_eq!(code, 0, "{:?}", failures(&report));
}

/// `suggest --format odcs` read back by the ODCS reader: it lints clean, names the consumer,
/// and gives the same verdict per check as the Plimsoll-format suggestion on its own data and
/// on every drifted day (the ODCS document also states the row count as an absolute `rowCount`
/// rule, which the native format has no word for: that result is left out of the comparison).
#[test]
fn odcs_suggestion_reads_back_with_the_same_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let native = write(dir.path(), "orders.yaml", &orders_with_baseline());
    let odcs_text = suggest(&[
        "testdata/orders",
        "--partition",
        "date=latest",
        "--baseline",
        "7d",
        "--consumer",
        "analytics",
        "--format",
        "odcs",
    ]);
    let odcs = write(dir.path(), "orders.odcs.yaml", &odcs_text);
    let lint = plimsoll(&["lint", odcs.to_str().unwrap()]);
    assert_eq!(lint.code, 0, "{}{}", lint.stdout, lint.stderr);
    assert!(!lint.stdout.contains("warning"), "{}", lint.stdout);
    let verdicts = |report: &Value| -> BTreeSet<(String, String, String)> {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| !(r["check"] == "row_count" && r["expected"].get("threshold").is_some()))
            .map(|r| {
                (
                    r["check"].as_str().unwrap().to_string(),
                    r["field"].as_str().unwrap_or("-").to_string(),
                    r["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let runs = [
        ("testdata/orders", "2024-03-10", "2024-03-11T00:30:00Z"),
        (
            "testdata/orders_drift",
            "2024-03-10",
            "2024-03-10T23:59:59Z",
        ),
        (
            "testdata/orders_drift",
            "2024-03-11",
            "2024-03-11T23:59:59Z",
        ),
        (
            "testdata/orders_drift",
            "2024-03-12",
            "2024-03-12T23:59:59Z",
        ),
    ];
    for (table, day, now) in runs {
        let partition = format!("date={day}");
        let args = ["--partition", partition.as_str(), "--now", now];
        let (code_n, a) = check(table, &native, &args);
        let (code_o, b) = check(table, &odcs, &args);
        assert_eq!(code_n, code_o, "{table} {day}: {a:#}\n{b:#}");
        assert_eq!(verdicts(&a), verdicts(&b), "{table} {day}");
        assert!(
            b["results"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["consumer"] == "analytics"),
            "{b:#}"
        );
    }
}
