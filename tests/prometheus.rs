//! The Prometheus textfile: parsed by the real parser of the `prometheus_client` Python package
//! (installed with pip into the cargo target directory), every value compared with the JSON
//! report of the same run, the history's run log, and `status --format json`.

mod common;

use common::{Run, plimsoll, root};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// A directory holding the `prometheus_client` package: installed from PyPI once.
fn prometheus_client() -> PathBuf {
    static INSTALL: Mutex<()> = Mutex::new(());
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("prometheus_client");
    if !dir.join("prometheus_client").join("parser.py").exists() {
        let status = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--target"])
            .arg(&dir)
            .arg("prometheus_client")
            .status()
            .expect("python3 runs");
        assert!(status.success(), "pip install prometheus_client failed");
    }
    dir
}

const PARSE: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1], encoding="utf-8").read()
out = []
for f in text_string_to_metric_families(text):
    out.append({
        "name": f.name, "type": f.type, "help": f.documentation,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples],
    })
print(json.dumps(out))
"#;

type Series = BTreeMap<(String, BTreeMap<String, String>), f64>;

/// The samples of a textfile as `prometheus_client` parses it. Every family is a gauge with a
/// help text and is declared once; no series appears twice.
fn parse(path: &Path) -> Series {
    let text = std::fs::read_to_string(path).unwrap();
    let out = Command::new("python3")
        .arg("-c")
        .arg(PARSE)
        .arg(path)
        .env("PYTHONPATH", prometheus_client())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "prometheus_client could not parse {}:\n{}\n{text}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let families: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut series = Series::new();
    for f in families.as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        assert_eq!(f["type"], "gauge", "{name}");
        assert!(
            !f["help"].as_str().unwrap().is_empty(),
            "{name} has no help"
        );
        assert_eq!(
            text.matches(&format!("# TYPE {name} gauge\n")).count(),
            1,
            "{name} declared once"
        );
        for s in f["samples"].as_array().unwrap() {
            let labels: BTreeMap<String, String> =
                serde_json::from_value(s["labels"].clone()).unwrap();
            let key = (s["name"].as_str().unwrap().to_string(), labels);
            let v = s["value"].as_f64().unwrap();
            assert!(series.insert(key.clone(), v).is_none(), "{key:?} twice");
        }
    }
    series
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn status_value(s: &str) -> f64 {
    match s {
        "pass" => 0.0,
        "warn" => 1.0,
        "fail" => 2.0,
        "error" => 3.0,
        other => panic!("status {other}"),
    }
}

fn epoch(rfc3339: &str) -> f64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp_micros() as f64
        / 1e6
}

/// The newest passing run of `table` in the history's run log (its JSON files, read here).
fn last_success_in_log(history: &Path, table: &str) -> Option<f64> {
    let dir = history.join("runs").join(table);
    let mut best: Option<f64> = None;
    for e in std::fs::read_dir(dir).unwrap() {
        let r: Value = serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap();
        if matches!(r["status"].as_str(), Some("pass" | "warn")) {
            let t = epoch(r["finished_at"].as_str().unwrap());
            best = Some(best.map_or(t, |b: f64| b.max(t)));
        }
    }
    best
}

/// The newest run of `table` in the history's run log: when it finished.
fn last_run_in_log(history: &Path, table: &str) -> f64 {
    let dir = history.join("runs").join(table);
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let r: Value =
                serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap();
            epoch(r["finished_at"].as_str().unwrap())
        })
        .reduce(f64::max)
        .unwrap()
}

/// Seconds since the epoch, now.
fn clock() -> f64 {
    chrono::Utc::now().timestamp_micros() as f64 / 1e6
}

/// What the textfile must hold: the values from the JSON report of the same run; the times
/// from the history's run log when one is kept, else (the file's own) within `span`, the
/// clock's time before and after the run.
fn expected_from_json(
    json: &Value,
    history: Option<&Path>,
    got: &Series,
    span: (f64, f64),
) -> Series {
    let mut want = Series::new();
    let mut put = |name: &str, l: BTreeMap<String, String>, v: f64, worst: bool| {
        let e = want.entry((name.to_string(), l)).or_insert(v);
        if worst {
            *e = e.max(v);
        } else {
            assert_eq!(*e, v, "{name} given twice with different values");
        }
    };
    let results = json["results"].as_array().unwrap();
    for r in results {
        let table = r["table"].as_str().unwrap();
        let consumer = r["consumer"].as_str().unwrap();
        let check = r["check"].as_str().unwrap();
        let field = r["field"].as_str().unwrap_or("");
        let status = status_value(r["status"].as_str().unwrap());
        // What a breach of the check does, as the JSON says (`fail`, or `warn` by default for
        // the change checks and wherever a contract sets `severity: warn`).
        let severity = r["severity"].as_str().unwrap();
        put(
            "plimsoll_check_status",
            labels(&[
                ("table", table),
                ("consumer", consumer),
                ("check", check),
                ("field", field),
                ("severity", severity),
            ]),
            status,
            true,
        );
        put(
            "plimsoll_table_status",
            labels(&[("table", table)]),
            status,
            true,
        );
        let observed = &r["observed"];
        match check {
            "freshness" => {
                if let Some(v) = observed["lag_seconds"].as_f64() {
                    put(
                        "plimsoll_freshness_lag_seconds",
                        labels(&[("table", table)]),
                        v,
                        false,
                    );
                }
            }
            "row_count" => {
                if let Some(v) = observed["ratio"].as_f64() {
                    put(
                        "plimsoll_row_count_ratio",
                        labels(&[("table", table)]),
                        v,
                        false,
                    );
                }
            }
            "drift" => {
                if let Some(v) = observed["psi"].as_f64() {
                    put(
                        "plimsoll_field_psi",
                        labels(&[("table", table), ("consumer", consumer), ("field", field)]),
                        v,
                        false,
                    );
                }
            }
            _ => {}
        }
    }
    for t in json["tables"].as_array().unwrap() {
        let table = t["name"].as_str().unwrap();
        let l = labels(&[("table", table)]);
        put(
            "plimsoll_table_rows",
            l.clone(),
            t["rows"].as_f64().unwrap(),
            false,
        );
        let checked_at = match history {
            Some(h) => last_run_in_log(h, table),
            None => {
                let v = got[&("plimsoll_last_run_timestamp_seconds".to_string(), l.clone())];
                assert!(span.0 - 0.001 <= v && v <= span.1, "{v} not in {span:?}");
                v
            }
        };
        put(
            "plimsoll_last_run_timestamp_seconds",
            l.clone(),
            checked_at,
            false,
        );
        for f in t["fields"].as_array().unwrap() {
            let fl = labels(&[("table", table), ("field", f["name"].as_str().unwrap())]);
            put(
                "plimsoll_field_null_ratio",
                fl.clone(),
                f["null_rate"].as_f64().unwrap(),
                false,
            );
            if let Some(d) = f["distinct"].as_f64() {
                put("plimsoll_field_distinct", fl, d, false);
            }
        }
        let passed = results
            .iter()
            .filter(|r| r["table"] == table)
            .all(|r| matches!(r["status"].as_str(), Some("pass" | "warn")));
        let last_success = match history {
            Some(h) => last_success_in_log(h, table),
            None => passed.then_some(checked_at),
        };
        if passed {
            assert_eq!(
                last_success,
                Some(checked_at),
                "a passing run is the last success"
            );
        }
        if let Some(s) = last_success {
            put("plimsoll_last_success_timestamp_seconds", l, s, false);
        }
    }
    want
}

/// Equal series, values within `1e-12` relative (timestamps: the file keeps milliseconds).
fn assert_same(got: &Series, want: &Series) {
    let names = |s: &Series| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(got), names(want), "the series");
    for (k, w) in want {
        let g = got[k];
        let tolerance = if k.0.ends_with("_timestamp_seconds") {
            0.001
        } else {
            1e-12 * w.abs().max(1.0)
        };
        assert!((g - w).abs() <= tolerance, "{k:?}: file {g}, JSON {w}");
    }
}

fn check_day(history: &Path, textfile: &Path, day: &str) -> Run {
    let textfile = format!("prometheus={}", textfile.display());
    common::nightly_check(
        day,
        &[
            "--history",
            history.to_str().unwrap(),
            "--format",
            "json",
            "--output",
            &textfile,
        ],
    )
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn the_textfile_parses_and_equals_the_json_of_the_same_run_day_after_day() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    let textdir = dir.path().join("textfile");
    let textfile = textdir.join("plimsoll.prom");
    // 03-09: a fifth of the amounts in cents (drift fails); 03-10: new status values; 03-11:
    // 30% null customer ids; 03-12: 30% of the rows.
    for (day, code) in [("08", 0), ("09", 1), ("10", 1), ("11", 1), ("12", 1)] {
        let r = check_day(&history, &textfile, day);
        assert_eq!(r.code, code, "day {day}: {}", r.stderr);
        let json: Value = serde_json::from_str(&r.stdout).unwrap();
        let got = parse(&textfile);
        assert_same(
            &got,
            &expected_from_json(&json, Some(&history), &got, (0.0, 0.0)),
        );
        // Written atomically: the temporary file was renamed, nothing else is left.
        assert_eq!(files_in(&textdir), ["plimsoll.prom"], "day {day}");
        let table = labels(&[("table", "order-events")]);
        let rows = got[&("plimsoll_table_rows".to_string(), table.clone())];
        let ratio = got[&("plimsoll_row_count_ratio".to_string(), table.clone())];
        match day {
            "08" => {
                assert_eq!(got[&("plimsoll_table_status".into(), table.clone())], 0.0);
                assert_eq!(
                    got[&(
                        "plimsoll_last_success_timestamp_seconds".into(),
                        table.clone()
                    )],
                    got[&("plimsoll_last_run_timestamp_seconds".into(), table.clone())]
                );
            }
            "09" => {
                let psi = got[&(
                    "plimsoll_field_psi".to_string(),
                    labels(&[
                        ("table", "order-events"),
                        ("consumer", "analytics-platform"),
                        ("field", "total_usd"),
                    ]),
                )];
                assert!(psi > 0.2, "cents drift: psi {psi}");
                // The last success is day 08's run, before this one.
                assert!(
                    got[&(
                        "plimsoll_last_success_timestamp_seconds".into(),
                        table.clone()
                    )] < got[&("plimsoll_last_run_timestamp_seconds".into(), table.clone())]
                );
            }
            "11" => {
                let nulls = got[&(
                    "plimsoll_field_null_ratio".to_string(),
                    labels(&[("table", "order-events"), ("field", "customer_id")]),
                )];
                assert!((0.25..0.35).contains(&nulls), "customer_id nulls {nulls}");
            }
            "12" => {
                assert!(ratio < 0.6, "30% of the rows: ratio {ratio}, rows {rows}");
                assert_eq!(got[&("plimsoll_table_status".into(), table.clone())], 2.0);
            }
            _ => {}
        }
    }
}

#[test]
fn label_values_with_quotes_backslashes_and_line_feeds_are_escaped() {
    use arrow::array::{Float64Array, RecordBatch};
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let column = "amount \"usd\"\\x";
    let schema = Arc::new(Schema::new(vec![Field::new(
        column,
        DataType::Float64,
        true,
    )]));
    let batch = RecordBatch::try_new(
        schema,
        vec![Arc::new(Float64Array::from(vec![
            Some(1.0),
            Some(2.0),
            None,
        ]))],
    )
    .unwrap();
    common::parquet(&dir.path().join("t"), "a.parquet", &[batch]);
    let contract = dir.path().join("c.yaml");
    std::fs::write(
        &contract,
        "consumer: \"team \\\"a\\\" \\\\ b\\nsecond line\"\n\
         depends_on:\n  - table: 'or\"ders\\x'\n    fields:\n      - name: 'amount \"usd\"\\x'\n        type: number\n        max_null_rate: 0.5\n",
    )
    .unwrap();
    let textfile = dir.path().join("out").join("p.prom");
    let before = clock();
    let r = plimsoll(&[
        "check",
        dir.path().join("t").to_str().unwrap(),
        "--contract",
        contract.to_str().unwrap(),
        "--format",
        "json",
        "--output",
        &format!("prometheus={}", textfile.display()),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        json["results"][0]["consumer"],
        "team \"a\" \\ b\nsecond line"
    );
    assert_eq!(json["results"][0]["table"], "or\"ders\\x");
    assert_eq!(json["results"][0]["field"], column);
    let span = (before, clock());
    let got = parse(&textfile);
    assert_same(&got, &expected_from_json(&json, None, &got, span));
    let text = std::fs::read_to_string(&textfile).unwrap();
    assert!(
        text.contains(r#"consumer="team \"a\" \\ b\nsecond line""#),
        "{text}"
    );
    // One sample per line: the line feed in the consumer is escaped.
    assert!(
        text.lines()
            .all(|l| l.starts_with('#') || l.starts_with("plimsoll_"))
    );
    // Null ratio 1/3 and two distinct values, as written.
    let f = labels(&[("table", "or\"ders\\x"), ("field", column)]);
    assert_eq!(
        got[&("plimsoll_field_null_ratio".into(), f.clone())],
        1.0 / 3.0
    );
    assert_eq!(got[&("plimsoll_field_distinct".into(), f)], 2.0);
}

#[test]
fn status_writes_the_run_log_as_gauges_and_a_failed_run_marks_its_tables_errored() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    let h = history.to_str().unwrap();
    let textfile = dir.path().join("check.prom");
    assert_eq!(check_day(&history, &textfile, "08").code, 0);
    // A run whose source is gone: exit 2, recorded in the run log with its error.
    let r = plimsoll(&[
        "check",
        "--contract",
        "contracts/analytics-platform.yaml",
        "--table",
        "order-events=testdata/no-such-table",
        "--table",
        "customers=testdata/customers",
        "--history",
        h,
        "--output",
        &format!("prometheus={}", textfile.display()),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let got = parse(&textfile);
    let table = labels(&[("table", "order-events")]);
    assert_eq!(got[&("plimsoll_table_status".into(), table.clone())], 3.0);
    let logged = last_success_in_log(&history, "order-events").unwrap();
    let success = got[&(
        "plimsoll_last_success_timestamp_seconds".into(),
        table.clone(),
    )];
    assert!((success - logged).abs() <= 0.001, "{success} vs {logged}");
    assert!(got[&("plimsoll_last_run_timestamp_seconds".into(), table.clone())] > success);
    let text = std::fs::read_to_string(&textfile).unwrap();
    assert!(text.contains("does not exist"), "{text}");

    // `status` in JSON and as gauges, within the window and after it.
    let now = chrono::Utc::now();
    for (at, overdue) in [
        (now + chrono::Duration::hours(1), 0.0),
        (now + chrono::Duration::hours(30), 1.0),
    ] {
        let at = at.to_rfc3339();
        let status_file = dir.path().join("textfile").join("status.prom");
        let json = plimsoll(&["status", "--history", h, "--now", &at, "--format", "json"]);
        assert_eq!(json.code, 1, "errored: {}", json.stderr);
        let json: Value = serde_json::from_str(&json.stdout).unwrap();
        let prom = plimsoll(&[
            "status",
            "--history",
            h,
            "--now",
            &at,
            "--format",
            "prometheus",
            "--output",
            &format!("prometheus={}", status_file.display()),
        ]);
        assert_eq!(prom.code, 1);
        assert_eq!(std::fs::read_to_string(&status_file).unwrap(), prom.stdout);
        assert_eq!(files_in(status_file.parent().unwrap()), ["status.prom"]);
        let got = parse(&status_file);
        let mut want = Series::new();
        for t in json["tables"].as_array().unwrap() {
            let l = labels(&[("table", t["table"].as_str().unwrap())]);
            let last = &t["last_run"];
            want.insert(
                ("plimsoll_table_status".into(), l.clone()),
                status_value(last["status"].as_str().unwrap()),
            );
            want.insert(
                ("plimsoll_last_run_timestamp_seconds".into(), l.clone()),
                epoch(last["finished_at"].as_str().unwrap()),
            );
            want.insert(
                ("plimsoll_last_success_timestamp_seconds".into(), l.clone()),
                epoch(t["last_success"].as_str().unwrap()),
            );
            want.insert(
                ("plimsoll_table_overdue".into(), l.clone()),
                f64::from(u8::from(t["overdue"].as_bool().unwrap())),
            );
            want.insert(
                ("plimsoll_table_window_seconds".into(), l.clone()),
                t["expect_every_seconds"].as_f64().unwrap(),
            );
            assert_eq!(t["window"], "1d");
            assert!(
                t["last_error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("does not exist"),
                "{t}"
            );
        }
        assert_same(&got, &want);
        assert_eq!(
            got[&("plimsoll_table_overdue".into(), table.clone())],
            overdue
        );
        assert_eq!(got[&("plimsoll_table_status".into(), table.clone())], 3.0);
    }
    let t = plimsoll(&["status", "--history", h]);
    assert!(
        t.stdout.contains("WINDOW") && t.stdout.contains("LAST ERROR"),
        "{}",
        t.stdout
    );
    assert!(t.stdout.contains("does not exist"), "{}", t.stdout);
}

#[test]
fn run_writes_the_textfile_its_config_names_and_status_reads_the_config_s_window() {
    let dir = tempfile::tempdir().unwrap();
    let root = root();
    let config = dir.path().join("plimsoll.yaml");
    std::fs::write(
        &config,
        format!(
            "contracts: [{root}/contracts/analytics-platform.yaml]\n\
             history: history\n\
             now: 2024-03-08T23:59:59Z\n\
             tables:\n  \
               order-events: {{ source: {root}/testdata/orders_drift, partition: date=2024-03-08, expect_every: 26h }}\n  \
               customers: {{ source: {root}/testdata/customers }}\n\
             outputs:\n  \
               - {{ format: prometheus, path: textfile/plimsoll.prom }}\n",
            root = root.display()
        ),
    )
    .unwrap();
    let c = config.to_str().unwrap();
    let r = plimsoll(&["run", "--config", c, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json: Value = serde_json::from_str(&r.stdout).unwrap();
    let textfile = dir.path().join("textfile").join("plimsoll.prom");
    let got = parse(&textfile);
    let history = dir.path().join("history");
    assert_same(
        &got,
        &expected_from_json(&json, Some(&history), &got, (0.0, 0.0)),
    );
    // `customers` is only referenced, never checked: it has no run, so it is overdue.
    let s = plimsoll(&["status", "--config", c, "--format", "prometheus"]);
    assert_eq!(s.code, 1, "{}", s.stderr);
    let path = dir.path().join("status.prom");
    std::fs::write(&path, &s.stdout).unwrap();
    let got = parse(&path);
    let l = labels(&[("table", "order-events")]);
    assert_eq!(
        got[&("plimsoll_table_window_seconds".into(), l.clone())],
        26.0 * 3600.0
    );
    assert_eq!(got[&("plimsoll_table_overdue".into(), l)], 0.0);
    let customers = labels(&[("table", "customers")]);
    assert_eq!(
        got[&("plimsoll_table_overdue".into(), customers.clone())],
        1.0
    );
    assert!(!got.contains_key(&("plimsoll_last_run_timestamp_seconds".into(), customers)));
    let table = plimsoll(&["status", "--config", c]);
    let line = table
        .stdout
        .lines()
        .find(|l| l.starts_with("order-events"))
        .unwrap();
    assert!(line.contains("1d2h") || line.contains("26h"), "{line}");
}

#[test]
fn format_prometheus_on_stdout_equals_the_json_file_of_the_same_run_without_a_history() {
    let dir = tempfile::tempdir().unwrap();
    // 03-08 passes; 03-12 (30% of the rows) fails, and without a history no last success is known.
    for (day, code) in [("08", 0), ("12", 1)] {
        let json_file = dir.path().join(format!("{day}.json"));
        let before = clock();
        let output = format!("json={}", json_file.display());
        let r = common::nightly_check(day, &["--format", "prometheus", "--output", &output]);
        assert_eq!(r.code, code, "{}", r.stderr);
        let span = (before, clock());
        let prom = dir.path().join(format!("{day}.prom"));
        std::fs::write(&prom, &r.stdout).unwrap();
        let json: Value = serde_json::from_slice(&std::fs::read(&json_file).unwrap()).unwrap();
        let got = parse(&prom);
        assert_same(&got, &expected_from_json(&json, None, &got, span));
        let success = (
            "plimsoll_last_success_timestamp_seconds".to_string(),
            labels(&[("table", "order-events")]),
        );
        assert_eq!(got.contains_key(&success), day == "08", "day {day}");
    }
}

#[test]
fn an_invalid_contract_still_writes_the_textfile_with_its_tables_errored() {
    let dir = tempfile::tempdir().unwrap();
    let contract = dir.path().join("bad.yaml");
    std::fs::write(
        &contract,
        "consumer: c\ndepends_on:\n  - table: orders\n    feilds: []\n",
    )
    .unwrap();
    let textfile = dir.path().join("p.prom");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--contract",
            contract.to_str().unwrap(),
            "--output",
        ];
        let out = format!("prometheus={}", textfile.display());
        args.push(&out);
        args.extend_from_slice(extra);
        let r = plimsoll(&args);
        assert_eq!(r.code, 2, "{}", r.stderr);
        (
            parse(&textfile),
            std::fs::read_to_string(&textfile).unwrap(),
        )
    };
    // The table is named on the command line: it is marked errored.
    let (got, text) = run(&["--table", "orders=testdata/orders"]);
    assert!(
        text.starts_with("# plimsoll: the run could not be completed"),
        "{text}"
    );
    let orders = labels(&[("table", "orders")]);
    assert_eq!(got[&("plimsoll_table_status".into(), orders.clone())], 3.0);
    assert!(got.contains_key(&("plimsoll_last_run_timestamp_seconds".into(), orders)));
    // Nothing names it: the comment alone.
    let (got, text) = run(&["testdata/orders"]);
    assert!(got.is_empty(), "{got:?}");
    assert!(text.contains("could not be completed"), "{text}");
}
