//! What a check run must never do: compare a table with another table's baseline, hide a
//! failing table behind "overdue", lose its report when it ends in an error, read a source as a
//! contract, take a flag that does not apply in silence, print a credential. Each test pins the
//! behaviour a user found wrong.

mod common;

use common::{plimsoll, plimsoll_json};
use serde_json::Value;
use std::path::Path;

const NOW: &str = "2024-03-11T00:30:00Z";

fn table<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no table {name} in {v}"))
}

#[test]
fn a_bare_baseline_source_is_refused_when_the_run_checks_several_tables() {
    let r = plimsoll(&[
        "check",
        "--contract",
        "contracts/",
        "--partition",
        "date=latest",
        "--baseline",
        "testdata/orders_drift",
        "--now",
        NOW,
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("`--baseline testdata/orders_drift` is ambiguous: this run checks 2 tables"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("--baseline order-events=testdata/orders_drift"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_named_baseline_belongs_to_its_table_alone() {
    let (code, v, stderr) = plimsoll_json(&[
        "check",
        "--contract",
        "contracts/",
        "--partition",
        "date=latest",
        "--baseline",
        "order-events=testdata/orders_drift",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert!(code < 2, "{stderr}");
    let orders = table(&v, "order-events");
    assert_eq!(orders["baseline"]["description"], "testdata/orders_drift");
    // `customers` was not compared with the orders (the `planes`-against-flights bug): it has
    // no baseline, and says why.
    let customers = table(&v, "customers");
    assert!(customers["baseline"].is_null(), "{customers}");
    assert!(customers["no_baseline"].is_string(), "{customers}");
    for r in v["results"].as_array().unwrap() {
        if r["table"] == "customers" && r["check"] == "cardinality_change" {
            panic!("customers was compared with another table: {r}");
        }
    }
}

#[test]
fn days_before_apply_to_the_partitioned_tables_and_say_so_for_the_others() {
    let (code, v, stderr) = plimsoll_json(&[
        "check",
        "--contract",
        "contracts/",
        "--partition",
        "date=latest",
        "--baseline",
        "7d",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        table(&v, "order-events")["baseline"]["slices"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
    let why = table(&v, "customers")["no_baseline"].as_str().unwrap();
    assert!(
        why.contains("`--baseline 7d` needs one date partition") && why.contains("other tables"),
        "{why}"
    );
}

fn failing_history(dir: &Path) -> String {
    let history = dir.join("history");
    let r = plimsoll(&[
        "check",
        "testdata/orders",
        "--contract",
        "contracts/failing/",
        "--history",
        history.to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    history.to_str().unwrap().to_string()
}

#[test]
fn status_tells_failing_from_overdue() {
    let dir = tempfile::tempdir().unwrap();
    let history = failing_history(dir.path());
    // The run a moment ago failed: failing, not overdue, and not "never succeeded ... OVERDUE".
    let (code, v, _) = plimsoll_json(&["status", "--history", &history, "--format", "json"]);
    assert_eq!(code, 1, "a failing table needs attention");
    let t = &v["tables"][0];
    assert_eq!(t["states"], serde_json::json!(["failing"]), "{t}");
    assert_eq!(t["overdue"], false);
    let r = plimsoll(&["status", "--history", &history]);
    assert!(r.stdout.contains("FAILING:"), "{}", r.stdout);
    assert!(!r.stdout.contains("OVERDUE"), "{}", r.stdout);
    // Two days later nothing has run since: failing and overdue.
    let later = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let (_, v, _) = plimsoll_json(&[
        "status",
        "--history",
        &history,
        "--now",
        &later,
        "--format",
        "json",
    ]);
    assert_eq!(
        v["tables"][0]["states"],
        serde_json::json!(["failing", "overdue"])
    );
}

#[test]
fn status_of_a_history_that_does_not_exist_is_an_error_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let r = plimsoll(&["status", "--history", missing.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
    assert!(r.stderr.contains("hint:"), "{}", r.stderr);
    assert!(!missing.exists(), "status created the history directory");
}

#[test]
fn a_run_that_cannot_complete_still_writes_its_reports() {
    let dir = tempfile::tempdir().unwrap();
    let json_file = dir.path().join("out/report.json");
    let junit_file = dir.path().join("out/report.xml");
    let json_out = format!("json={}", json_file.display());
    let junit_out = format!("junit={}", junit_file.display());
    let r = plimsoll(&[
        "check",
        "no/such/table",
        "--contract",
        "contracts/failing/",
        "--format",
        "junit",
        "--output",
        &json_out,
        "--output",
        &junit_out,
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    for xml in [
        r.stdout.clone(),
        std::fs::read_to_string(&junit_file).unwrap(),
    ] {
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let errors: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("error"))
            .collect();
        assert_eq!(errors.len(), 1, "{xml}");
        assert!(
            errors[0]
                .attribute("message")
                .unwrap()
                .contains("no/such/table"),
            "{xml}"
        );
        assert_eq!(doc.root_element().attribute("errors"), Some("1"), "{xml}");
    }
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json_file).unwrap()).unwrap();
    assert_eq!(v["status"], "error");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no/such/table"),
        "{v}"
    );
    assert!(v["error"]["hint"].is_string());
    // And on stdout as JSON.
    let r = plimsoll(&[
        "check",
        "no/such/table",
        "--contract",
        "contracts/failing/",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 2);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["status"], "error");
}

#[test]
fn junit_puts_the_path_in_file_and_the_line_in_line() {
    let r = plimsoll(&[
        "check",
        "testdata/orders",
        "--contract",
        "contracts/failing/",
        "--now",
        NOW,
        "--format",
        "junit",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc = roxmltree::Document::parse(&r.stdout).unwrap();
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert!(!cases.is_empty());
    for c in cases {
        assert_eq!(
            c.attribute("file"),
            Some("contracts/failing/marketing.yaml")
        );
        let line: usize = c.attribute("line").unwrap().parse().unwrap();
        assert!(line > 0);
    }
}

#[test]
fn a_source_after_contract_is_a_source() {
    let r = plimsoll(&[
        "check",
        "--contract",
        "contracts/failing/marketing.yaml",
        "testdata/orders",
        "--now",
        NOW,
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stderr.contains("UTF-8"), "{}", r.stderr);
}

#[test]
fn help_shows_each_commands_own_exit_codes_and_flags() {
    let profile = plimsoll(&["profile", "--help"]).stdout;
    assert!(profile.contains("0  the table was profiled"), "{profile}");
    assert!(!profile.contains("check failed"), "{profile}");
    let lint = plimsoll(&["lint", "--help"]).stdout;
    assert!(lint.contains("1  a file has problems"), "{lint}");
    for flag in ["--snapshot", "--memory-limit", "--catalog", "--as-of"] {
        assert!(!lint.contains(flag), "lint lists {flag}:\n{lint}");
    }
    let status = plimsoll(&["status", "--help"]).stdout;
    for flag in ["--snapshot", "--memory-limit", "--catalog"] {
        assert!(!status.contains(flag), "status lists {flag}:\n{status}");
    }
    assert!(status.contains("failing, errored or overdue"), "{status}");
}

#[test]
fn now_takes_a_date_as_as_of_does() {
    let (code, v, stderr) = plimsoll_json(&[
        "check",
        "testdata/orders",
        "--contract",
        "contracts/failing/",
        "--now",
        "2013-03-13",
        "--format",
        "json",
    ]);
    assert!(code < 2, "{stderr}");
    assert!(!v["results"].as_array().unwrap().is_empty());
}

#[test]
fn json_values_carry_no_markdown_backticks() {
    let (_, v, stderr) = plimsoll_json(&[
        "drift",
        "testdata/orders_drift",
        "--partition",
        "date=2024-03-09",
        "--baseline",
        "testdata/orders",
        "--format",
        "json",
    ]);
    assert_eq!(v["baseline"], "testdata/orders", "{stderr}");
    let (_, v, _) = plimsoll_json(&[
        "drift",
        "testdata/orders_drift",
        "--partition",
        "date=2024-03-09",
        "--format",
        "json",
    ]);
    let b = v["baseline"].as_str().unwrap();
    assert!(!b.contains('`'), "{b}");
}

#[test]
fn snapshot_flags_on_a_parquet_table_are_an_error() {
    for flag in [["--as-of", "2024-01-01"], ["--snapshot", "42"]] {
        let r = plimsoll(&["profile", "testdata/orders", flag[0], flag[1]]);
        assert_eq!(r.code, 2, "{flag:?}: {}", r.stdout);
        assert!(
            r.stderr.contains("is a Parquet table: it has no snapshots"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn credentials_written_in_a_url_are_never_echoed() {
    let r = plimsoll(&["profile", "s3://AKIAEXAMPLE:wJalrSECRET@lake/orders"]);
    assert_eq!(r.code, 2);
    for text in [&r.stdout, &r.stderr] {
        assert!(!text.contains("wJalrSECRET"), "{text}");
        assert!(!text.contains("AKIAEXAMPLE"), "{text}");
    }
    assert!(r.stderr.contains("s3://***@lake/orders"), "{}", r.stderr);
}

#[test]
fn a_plain_http_endpoint_to_another_host_is_said_plainly() {
    let r = plimsoll(&[
        "profile",
        "s3://lake/orders",
        "--s3-endpoint",
        "http://10.1.2.3:9000",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("plain HTTP"), "{}", r.stderr);
    assert!(!r.stderr.contains("builder error"), "{}", r.stderr);
    assert!(r.stderr.contains("AWS_ALLOW_HTTP"), "{}", r.stderr);
}

#[test]
fn contract_sources_can_be_refused() {
    let r = plimsoll(&[
        "check",
        "--contract",
        "contracts/",
        "--no-contract-sources",
        "--now",
        NOW,
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("contract sources are refused")
            && r.stderr.contains("analytics-platform.yaml"),
        "{}",
        r.stderr
    );
    // Bound on the command line, the same run is fine.
    let r = plimsoll(&[
        "check",
        "--contract",
        "contracts/",
        "--no-contract-sources",
        "--table",
        "order-events=testdata/orders",
        "--table",
        "customers=testdata/customers",
        "--partition",
        "date=latest",
        "--now",
        NOW,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_reference_between_keys_of_different_types_is_one_errored_result() {
    use arrow::array::{Int64Array, RecordBatch, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let orders = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("customer_id", DataType::Int64, false),
            Field::new("status", DataType::Utf8, false),
        ])),
        vec![
            Arc::new(Int64Array::from(vec![1, 2, 3])),
            Arc::new(StringArray::from(vec!["a", "b", "a"])),
        ],
    )
    .unwrap();
    let customers = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("id", DataType::Utf8, false)])),
        vec![Arc::new(StringArray::from(vec!["c-1", "c-2"]))],
    )
    .unwrap();
    let o = common::parquet(dir.path(), "orders/o.parquet", &[orders]);
    let c = common::parquet(dir.path(), "customers/c.parquet", &[customers]);
    let contract = dir.path().join("c.yaml");
    std::fs::write(
        &contract,
        "consumer: x\ndepends_on:\n  - table: orders\n    fields:\n      - { name: customer_id, references: { table: customers, field: id } }\n      - { name: status, allowed_values: [a, b] }\n",
    )
    .unwrap();
    let customers_binding = format!("customers={}", c.parent().unwrap().display());
    let (code, v, _) = plimsoll_json(&[
        "check",
        o.parent().unwrap().to_str().unwrap(),
        "--contract",
        contract.to_str().unwrap(),
        "--table",
        &customers_binding,
        "--format",
        "json",
    ]);
    assert_eq!(code, 2, "an errored check is exit 2: {v}");
    let results = v["results"].as_array().unwrap();
    let refs = results.iter().find(|r| r["check"] == "references").unwrap();
    assert_eq!(refs["status"], "error");
    let message = refs["message"].as_str().unwrap();
    assert!(
        message.contains("keys of different types never match"),
        "{message}"
    );
    // The other checks still ran.
    let allowed = results
        .iter()
        .find(|r| r["check"] == "allowed_values")
        .unwrap();
    assert_eq!(allowed["status"], "pass");
}

#[test]
fn a_contract_with_sixty_thousand_fields_is_checked() {
    // The schema check looked for a rename candidate among every column for every missing field,
    // scanning the contract's field list each time: quadratic, and a 60,000-field contract did
    // not finish. Now each missing field costs a few hash lookups.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("consumer: big\ndepends_on:\n  - table: orders\n    fields:\n");
    for i in 0..60_000 {
        text.push_str(&format!("      - {{ name: field_{i}_total }}\n"));
    }
    let contract = dir.path().join("big.yaml");
    std::fs::write(&contract, text).unwrap();
    let (code, v, stderr) = plimsoll_json(&[
        "check",
        "testdata/orders",
        "--contract",
        contract.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 60_000);
    assert!(
        results[0]["message"]
            .as_str()
            .unwrap()
            .contains("(was it renamed to `total_usd`?)"),
        "{}",
        results[0]
    );
}
