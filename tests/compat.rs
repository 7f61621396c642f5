//! `plimsoll compat` and `plimsoll impact` on tables written by pyarrow (testdata/producer/,
//! see testdata/gen/producer_change.py) and on contracts. Expected changes and lines are worked
//! out by hand from the generator and the contract files, not from Plimsoll.

mod common;

use common::{plimsoll, plimsoll_json, root};
use serde_json::Value;

fn producer(p: &str) -> String {
    root()
        .join("testdata/producer")
        .join(p)
        .display()
        .to_string()
}

fn compat_json(extra: &[&str]) -> (i32, Value) {
    let (old, new, contracts) = (
        producer("orders_v1"),
        producer("orders_v2"),
        producer("contracts"),
    );
    let mut args = vec![
        "compat",
        &old,
        &new,
        "--contract",
        &contracts,
        "--format",
        "json",
    ];
    args.extend(extra);
    let (code, v, stderr) = plimsoll_json(&args);
    assert!(code < 2, "{stderr}");
    (code, v)
}

/// The change of `kind` on `field`.
fn change<'a>(v: &'a Value, field: &str, kind: &str) -> &'a Value {
    v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == field && c["change"] == kind)
        .unwrap_or_else(|| panic!("no {kind} of {field} in {v:#}"))
}

/// `(consumer, contract file name, line, breaks)` of a change, sorted.
fn consumers(c: &Value) -> Vec<(String, String, u64, bool)> {
    let mut v: Vec<_> = c["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["consumer"].as_str().unwrap().to_string(),
                std::path::Path::new(a["file"].as_str().unwrap())
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .to_string(),
                a["line"].as_u64().unwrap(),
                a["breaks"].as_bool().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// A change's judgement in each direction: `(breaks, rule)` backward and forward.
fn judged(c: &Value, backward: (bool, &str), forward: (bool, &str)) {
    for (side, (breaks, rule)) in [("backward", backward), ("forward", forward)] {
        assert_eq!(c[side]["breaks"], breaks, "{side}: {c:#}");
        assert_eq!(c[side]["rule"], rule, "{side}: {c:#}");
    }
}

fn c(consumer: &str, file: &str, line: u64, breaks: bool) -> (String, String, u64, bool) {
    (consumer.into(), file.into(), line, breaks)
}

#[test]
fn full_mode_judges_every_change_and_names_the_consumers_it_breaks() {
    let (code, v) = compat_json(&[]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["status"], "fail");
    assert_eq!(v["mode"], "full");
    assert_eq!(v["table"], "orders");

    // Dropped: `discount` was required (non-nullable) in v1, so old readers break (forward).
    let d = change(&v, "discount", "removed");
    assert_eq!(d["verdict"], "breaks");
    judged(
        d,
        (false, "extra-field-ignored"),
        (true, "missing-required-field"),
    );
    assert_eq!(d["old_type"], "float64");
    assert_eq!(
        consumers(d),
        vec![c("analytics-platform", "analytics.yaml", 13, true)]
    );

    // Renamed in Parquet: a drop of `country` and an add of the required `country_code`.
    let gone = change(&v, "country", "removed");
    assert_eq!(gone["verdict"], "breaks");
    assert_eq!(
        consumers(gone),
        vec![c("finance-reporting", "finance.yaml", 15, true)]
    );
    let added = change(&v, "country_code", "added");
    judged(
        added,
        (true, "missing-required-field"),
        (false, "extra-field-ignored"),
    );
    assert!(
        added["detail"]
            .as_str()
            .unwrap()
            .contains("perhaps `country` renamed"),
        "{added}"
    );

    // Widened int32 -> int64: new readers read old data, old readers cannot read new data.
    let w = change(&v, "customer_id", "type_changed");
    assert_eq!(
        (w["old_type"].as_str(), w["new_type"].as_str()),
        (Some("int32"), Some("int64"))
    );
    judged(w, (false, "widening"), (true, "narrowing"));
    assert_eq!(w["verdict"], "breaks");
    // `type: integer` still holds, so the consumer's contract is not what breaks.
    assert_eq!(
        consumers(w),
        vec![c("analytics-platform", "analytics.yaml", 8, false)]
    );

    // Narrowed float64 -> float32: the mirror image.
    let n = change(&v, "amount", "type_changed");
    assert_eq!(
        (n["old_type"].as_str(), n["new_type"].as_str()),
        (Some("float64"), Some("float32"))
    );
    judged(n, (true, "narrowing"), (false, "widening"));
    assert_eq!(
        consumers(n),
        vec![
            c("analytics-platform", "analytics.yaml", 11, false),
            c("finance-reporting", "finance.yaml", 11, false)
        ]
    );

    // A new enum value: finance does not allow it, analytics does.
    let e = change(&v, "status", "values_added");
    assert_eq!(e["values"], serde_json::json!(["refunded"]));
    judged(e, (false, "known-values"), (true, "unknown-values"));
    assert_eq!(
        consumers(e),
        vec![
            c("analytics-platform", "analytics.yaml", 16, false),
            c("finance-reporting", "finance.yaml", 18, true)
        ]
    );
    assert!(
        e["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "consumer-contract")
    );

    // Nothing else changed: `order_id` and `note` are the same on both sides.
    assert_eq!(v["changes"].as_array().unwrap().len(), 6, "{v:#}");
    assert_eq!(v["summary"]["breaks"], 6);
}

#[test]
fn backward_mode_differs_where_it_should() {
    let (code, v) = compat_json(&["--mode", "backward"]);
    assert_eq!(code, 1);
    assert_eq!(v["mode"], "backward");
    // The widening is safe for new readers, and no consumer's `type: integer` breaks.
    let w = change(&v, "customer_id", "type_changed");
    assert_eq!(w["verdict"], "safe", "{w:#}");
    assert_eq!(w["rule"], "widening");
    // The narrowing still breaks.
    assert_eq!(change(&v, "amount", "type_changed")["verdict"], "breaks");
    // Dropping `discount` is safe for new readers, but analytics' contract names it.
    let d = change(&v, "discount", "removed");
    assert_eq!(d["verdict"], "breaks");
    assert_eq!(d["rules"], serde_json::json!(["consumer-contract"]));
    // A new value is safe for new readers, but finance's allowed_values breaks.
    let e = change(&v, "status", "values_added");
    assert_eq!(e["verdict"], "breaks");
    assert_eq!(e["rules"], serde_json::json!(["consumer-contract"]));
}

#[test]
fn without_contracts_the_mode_alone_decides() {
    let (old, new) = (producer("orders_v1"), producer("orders_v2"));
    let (code, v, stderr) = plimsoll_json(&[
        "compat", &old, &new, "--mode", "forward", "--format", "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(v["table"].is_null());
    // Forward: the new required `country_code` is ignored by old readers; the narrowing of
    // `amount` reads fine as the old float64.
    assert_eq!(change(&v, "country_code", "added")["verdict"], "safe");
    assert_eq!(change(&v, "amount", "type_changed")["verdict"], "safe");
    assert_eq!(
        change(&v, "customer_id", "type_changed")["verdict"],
        "breaks"
    );
    assert!(
        change(&v, "amount", "type_changed")["consumers"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // A table against itself: no change, exit 0.
    let (code, v, stderr) = plimsoll_json(&["compat", &old, &old, "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(v["status"], "pass");
    assert!(v["changes"].as_array().unwrap().is_empty());
}

#[test]
fn schema_only_skips_the_value_scan() {
    let (code, v) = compat_json(&["--schema-only", "--mode", "backward"]);
    assert_eq!(code, 1);
    assert!(
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["change"] != "values_added")
    );
}

#[test]
fn github_annotations_point_at_the_broken_contract_lines() {
    let (old, new, contracts) = (
        producer("orders_v1"),
        producer("orders_v2"),
        producer("contracts"),
    );
    let r = plimsoll(&[
        "compat",
        &old,
        &new,
        "--contract",
        &contracts,
        "--format",
        "github",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let errors: Vec<(String, u64)> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .filter_map(|l| {
            let props = l.trim_start_matches("::error ").split("::").next()?;
            let mut file = None;
            let mut line = None;
            for p in props.split(',') {
                if let Some(f) = p.strip_prefix("file=") {
                    file = Some(f.replace("%3A", ":").replace("%2C", ","));
                }
                if let Some(n) = p.strip_prefix("line=") {
                    line = n.parse().ok();
                }
            }
            Some((file?, line?))
        })
        .collect();
    // Each annotation's line names the field whose change broke it.
    for (file, line) in &errors {
        let text = std::fs::read_to_string(file).unwrap();
        let at = text.lines().nth(*line as usize - 1).unwrap();
        assert!(at.contains("name:"), "{file}:{line}: {at}");
    }
    let lines: Vec<u64> = errors.iter().map(|e| e.1).collect();
    assert!(
        lines.contains(&15) && lines.contains(&13) && lines.contains(&18),
        "{}",
        r.stdout
    );

    let md = plimsoll(&[
        "compat",
        &old,
        &new,
        "--contract",
        &contracts,
        "--format",
        "markdown",
    ]);
    assert_eq!(md.code, 1);
    assert!(md.stdout.contains("| verdict | change |"), "{}", md.stdout);
    // Breaking changes first.
    let first_safe = md.stdout.find("✅ safe").unwrap_or(usize::MAX);
    assert!(md.stdout.rfind("❌ breaks").unwrap() < first_safe);
}

#[test]
fn a_table_and_a_contract_are_not_compared() {
    let r = plimsoll(&[
        "compat",
        &producer("orders_v1"),
        &producer("contracts/finance.yaml"),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("plimsoll check"), "{}", r.stderr);
}

#[test]
fn an_unknown_table_name_is_an_error_with_the_names() {
    let r = plimsoll(&[
        "compat",
        &producer("orders_v1"),
        &producer("orders_v2"),
        "--contract",
        &root().join("contracts").display().to_string(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("--name"), "{}", r.stderr);
    assert!(r.stderr.contains("`order-events`"), "{}", r.stderr);
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn contract_against_contract_reports_tightened_and_loosened_expectations() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(
        dir.path(),
        "v1.yaml",
        "consumer: finance\ndepends_on:\n  - table: orders\n    fields:\n      - name: amount\n        type: number\n        constraints: { min: 0, max: 1000 }\n      - name: status\n        allowed_values: [a, b, c]\n",
    );
    let v2 = write(
        dir.path(),
        "v2.yaml",
        "consumer: finance\ndepends_on:\n  - table: orders\n    fields:\n      - name: amount\n        type: number\n        required: true\n        constraints: { min: 0, max: 500 }\n      - name: status\n        allowed_values: [a, b, d]\n      - name: country\n        required: true\n",
    );
    let (code, v, stderr) = plimsoll_json(&["compat", &v1, &v2, "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(v["compared"], "contracts");
    let find = |exp: &str, kind: &str| -> Value {
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["expectation"] == exp && c["change"] == kind)
            .cloned()
            .unwrap_or_else(|| panic!("no {kind} {exp} in {v:#}"))
    };
    // Each change cites the new contract's line of the field (lines counted by hand).
    let req = find("required", "tightened");
    assert_eq!(req["field"], "amount");
    assert_eq!(req["at"]["line"], 5);
    assert_eq!(req["backward"]["breaks"], true);
    assert_eq!(req["forward"]["breaks"], false);
    let max = find("constraints.max", "tightened");
    assert_eq!(
        (max["old"].as_str(), max["new"].as_str()),
        (Some("1000"), Some("500"))
    );
    let fewer = find("allowed_values", "tightened");
    assert_eq!(fewer["values"], serde_json::json!(["c"]));
    assert_eq!(fewer["at"]["line"], 9);
    let more = find("allowed_values", "loosened");
    assert_eq!(more["values"], serde_json::json!(["d"]));
    assert_eq!(more["backward"]["breaks"], false);
    assert_eq!(more["forward"]["breaks"], true);
    let new_dep = find("fields", "added");
    assert_eq!(new_dep["field"], "country");
    assert_eq!(new_dep["at"]["line"], 11);

    // Backward: only the tightenings break.
    let (code, v, _) =
        plimsoll_json(&["compat", &v1, &v2, "--mode", "backward", "--format", "json"]);
    assert_eq!(code, 1);
    for ch in v["changes"].as_array().unwrap() {
        let tight = ch["change"] == "tightened" || ch["change"] == "added";
        assert_eq!(ch["verdict"] == "breaks", tight, "{ch:#}");
    }
    // The same contract: nothing to agree on.
    let (code, _, _) = plimsoll_json(&["compat", &v1, &v1, "--format", "json"]);
    assert_eq!(code, 0);
}

/// The semantic-drift thresholds are expectations too: fewer new values allowed, or a smaller
/// change of the null rate or the distinct count (a field's own, else its table entry's).
#[test]
fn contract_against_contract_judges_the_drift_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(
        dir.path(),
        "v1.yaml",
        "consumer: finance\ndepends_on:\n  - table: orders\n    fields:\n      - name: status\n        max_new_values: 3\n      - name: amount\n",
    );
    let v2 = write(
        dir.path(),
        "v2.yaml",
        "consumer: finance\ndepends_on:\n  - table: orders\n    max_null_rate_change: 0.02\n    fields:\n      - name: status\n        max_new_values: 0\n      - name: amount\n        max_cardinality_change: 0.8\n",
    );
    let (code, v, stderr) = plimsoll_json(&["compat", &v1, &v2, "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let find = |exp: &str, field: &str| -> Value {
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["expectation"] == exp && c["field"] == field)
            .cloned()
            .unwrap_or_else(|| panic!("no {exp} of {field} in {v:#}"))
    };
    let new_values = find("max_new_values", "status");
    assert_eq!(new_values["change"], "tightened");
    assert_eq!(
        (new_values["old"].as_str(), new_values["new"].as_str()),
        (Some("3"), Some("0"))
    );
    // The table's new null-rate change applies to both fields.
    for field in ["status", "amount"] {
        assert_eq!(find("max_null_rate_change", field)["change"], "tightened");
    }
    // Unset is the default, 0.5: allowing 0.8 loosens it.
    let cardinality = find("max_cardinality_change", "amount");
    assert_eq!(cardinality["change"], "loosened");
    assert_eq!(
        (cardinality["old"].as_str(), cardinality["new"].as_str()),
        (Some("0.5"), Some("0.8"))
    );
    // Nothing else changed: `status` keeps the default cardinality threshold.
    assert!(
        !v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["expectation"] == "max_cardinality_change" && c["field"] == "status"),
        "{v:#}"
    );
}

#[test]
fn a_loosened_producer_promise_breaks_the_consumers_that_relied_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(
        dir.path(),
        "published-v1.yaml",
        "consumer: orders-producer\ndepends_on:\n  - table: orders\n    fields:\n      - name: status\n        allowed_values: [pending, shipped, cancelled]\n",
    );
    let v2 = write(
        dir.path(),
        "published-v2.yaml",
        "consumer: orders-producer\ndepends_on:\n  - table: orders\n    fields:\n      - name: status\n        allowed_values: [pending, shipped, cancelled, refunded]\n",
    );
    let contracts = producer("contracts");
    let (code, v, stderr) = plimsoll_json(&[
        "compat",
        &v1,
        &v2,
        "--contract",
        &contracts,
        "--mode",
        "backward",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let ch = &v["changes"][0];
    assert_eq!(ch["change"], "loosened");
    assert_eq!(
        consumers(ch),
        vec![
            c("analytics-platform", "analytics.yaml", 16, false),
            c("finance-reporting", "finance.yaml", 18, true)
        ]
    );
}

#[test]
fn impact_lists_every_consumer_line_and_check_of_a_field() {
    let contracts = producer("contracts");
    let (code, v, stderr) = plimsoll_json(&[
        "impact",
        "orders.amount",
        "--contract",
        &contracts,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        v["consumers"],
        serde_json::json!(["analytics-platform", "finance-reporting"])
    );
    let deps = v["dependencies"].as_array().unwrap();
    assert_eq!(deps.len(), 2);
    let finance = deps
        .iter()
        .find(|d| d["consumer"] == "finance-reporting")
        .unwrap();
    assert_eq!(finance["owner"], "finance-data@example.com");
    assert_eq!(finance["line"], 11);
    let checks: Vec<&str> = finance["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for want in ["schema", "type", "null_rate", "range"] {
        assert!(checks.contains(&want), "{checks:?}");
    }
    let analytics = deps
        .iter()
        .find(|d| d["consumer"] == "analytics-platform")
        .unwrap();
    // The table entry's `drift` applies to every field of it.
    assert!(
        analytics["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "drift")
    );

    // A whole table: its entries and every field any contract names.
    let r = plimsoll(&["impact", "orders", "--contract", &contracts]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("3 consumer(s)"), "{}", r.stdout);
    assert!(r.stdout.contains("marketing"), "{}", r.stdout);

    // References count: the shipped contracts' `customers.customer_id` is referenced by finance.
    let shipped = root().join("contracts").display().to_string();
    let (code, v, _) = plimsoll_json(&[
        "impact",
        "customers.customer_id",
        "--contract",
        &shipped,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    assert!(
        v["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["via"] == "reference"),
        "{v:#}"
    );

    let r = plimsoll(&["impact", "nope.x", "--contract", &contracts]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("`orders`"), "{}", r.stderr);
}

/// The shipped ODCS twin of the finance contract expects exactly what the native one does.
#[test]
fn an_odcs_contract_and_its_native_twin_have_no_change_between_them() {
    let native = root()
        .join("contracts/finance-reporting.yaml")
        .display()
        .to_string();
    let odcs = root()
        .join("contracts/odcs/finance-reporting.odcs.yaml")
        .display()
        .to_string();
    let (code, v, stderr) = plimsoll_json(&["compat", &native, &odcs, "--format", "json"]);
    assert_eq!(code, 0, "{stderr}{v:#}");
    assert!(v["changes"].as_array().unwrap().is_empty(), "{v:#}");
}

/// Bad input: a missing table, a malformed contract, an unknown mode. Each is exit 2 with a
/// message and a hint on stderr, nothing on stdout.
#[test]
fn bad_input_is_exit_2_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.yaml", "consumer: [\n");
    let finance = root()
        .join("contracts/finance-reporting.yaml")
        .display()
        .to_string();
    let missing = dir.path().join("nope").display().to_string();
    let v2 = producer("orders_v2");
    for args in [
        vec!["compat", missing.as_str(), v2.as_str()],
        vec!["compat", bad.as_str(), finance.as_str()],
        vec!["compat", v2.as_str(), v2.as_str(), "--mode", "sideways"],
        vec!["impact", "orders", "--contract", missing.as_str()],
    ] {
        let r = plimsoll(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        assert!(r.stderr.starts_with("error"), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    let r = plimsoll(&["compat", bad.as_str(), finance.as_str()]);
    assert!(r.stderr.contains("bad.yaml:1:"), "{}", r.stderr);
}
