//! The JSON Schema of the contract format (`plimsoll schema contract`): every shipped contract is
//! valid under it, invalid documents are not, and it describes exactly the keys the parser
//! accepts. The documents are validated by a small JSON Schema (draft-07) validator written
//! here, independent of the contract parser; it refuses a schema that uses a keyword it does
//! not implement, so no keyword is silently ignored.

mod common;

use common::{plimsoll, root};
use plimsoll::contract::parse::{keys, parse_contract};
use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

fn schema() -> Value {
    serde_json::from_str(plimsoll::contract::CONTRACT_SCHEMA).expect("the schema is JSON")
}

/// A YAML document as the JSON an editor validates (YAML 1.2 core schema: `1_000` is text).
fn to_json(y: &YamlOwned) -> Value {
    match y {
        YamlOwned::Value(ScalarOwned::Null) => Value::Null,
        YamlOwned::Value(ScalarOwned::Boolean(b)) => json!(b),
        YamlOwned::Value(ScalarOwned::Integer(i)) => json!(i),
        YamlOwned::Value(ScalarOwned::FloatingPoint(f)) => json!(f.into_inner()),
        YamlOwned::Value(ScalarOwned::String(s)) => json!(s),
        YamlOwned::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        YamlOwned::Mapping(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let key = match to_json(k) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        other => panic!("unexpected YAML node {other:?}"),
    }
}

fn yaml(text: &str) -> Value {
    let docs = YamlOwned::load_from_str(text).expect("YAML");
    to_json(&docs[0])
}

/// The keywords the validator implements; annotations are accepted and ignored.
const KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "minProperties",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "minLength",
    "pattern",
    "oneOf",
    "anyOf",
];
const ANNOTATIONS: &[&str] = &["$schema", "title", "description", "definitions"];

fn resolve<'a>(root: &'a Value, r: &str) -> &'a Value {
    let pointer = r.strip_prefix('#').expect("local references only");
    root.pointer(pointer)
        .unwrap_or_else(|| panic!("dangling {r}"))
}

fn is_type(v: &Value, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.as_f64().is_some_and(|f| f.fract() == 0.0),
        other => panic!("unknown type {other}"),
    }
}

/// Appends one message per violation of `s` by `v` at `at`.
fn validate(root: &Value, s: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let s = s.as_object().expect("a schema is an object");
    for k in s.keys() {
        assert!(
            KEYWORDS.contains(&k.as_str()) || ANNOTATIONS.contains(&k.as_str()),
            "keyword `{k}` is not implemented by the test's validator"
        );
    }
    let mut fail = |m: String| errors.push(format!("{at}: {m}"));
    if let Some(r) = s.get("$ref") {
        validate(root, resolve(root, r.as_str().unwrap()), v, at, errors);
        return;
    }
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(t) => is_type(v, t),
            Value::Array(ts) => ts.iter().any(|t| is_type(v, t.as_str().unwrap())),
            _ => panic!("bad type"),
        };
        if !ok {
            fail(format!("{v} is not of type {t}"));
            return;
        }
    }
    if let Some(e) = s.get("enum")
        && !e.as_array().unwrap().contains(v)
    {
        fail(format!("{v} is not one of {e}"));
    }
    if let Some(n) = v.as_f64() {
        if let Some(m) = s.get("minimum").and_then(Value::as_f64)
            && n < m
        {
            fail(format!("{n} is below {m}"));
        }
        if let Some(m) = s.get("maximum").and_then(Value::as_f64)
            && n > m
        {
            fail(format!("{n} is above {m}"));
        }
        if let Some(m) = s.get("exclusiveMinimum").and_then(Value::as_f64)
            && n <= m
        {
            fail(format!("{n} is not above {m}"));
        }
    }
    if let Some(text) = v.as_str() {
        if let Some(m) = s.get("minLength").and_then(Value::as_u64)
            && (text.chars().count() as u64) < m
        {
            fail(format!("{text:?} is shorter than {m}"));
        }
        if let Some(p) = s.get("pattern").and_then(Value::as_str)
            && !regex::Regex::new(p).unwrap().is_match(text)
        {
            fail(format!("{text:?} does not match {p}"));
        }
    }
    if let Some(items) = v.as_array() {
        if let Some(m) = s.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < m
        {
            fail(format!("fewer than {m} items"));
        }
        if let Some(item) = s.get("items") {
            for (i, x) in items.iter().enumerate() {
                validate(root, item, x, &format!("{at}/{i}"), errors);
            }
        }
    }
    if let Some(obj) = v.as_object() {
        if let Some(m) = s.get("minProperties").and_then(Value::as_u64)
            && (obj.len() as u64) < m
        {
            errors.push(format!("{at}: fewer than {m} keys"));
        }
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !obj.contains_key(r.as_str().unwrap()) {
                errors.push(format!("{at}: missing {r}"));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, x) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => validate(root, ps, x, &format!("{at}/{k}"), errors),
                None if s.get("additionalProperties") == Some(&json!(false)) => {
                    errors.push(format!("{at}: unknown key {k}"))
                }
                None => {}
            }
        }
    }
    if let Some(subs) = s.get("oneOf").and_then(Value::as_array) {
        let passing = subs
            .iter()
            .filter(|sub| {
                let mut e = Vec::new();
                validate(root, sub, v, at, &mut e);
                e.is_empty()
            })
            .count();
        if passing != 1 {
            errors.push(format!(
                "{at}: {passing} of the oneOf alternatives hold, not 1"
            ));
        }
    }
    if let Some(subs) = s.get("anyOf").and_then(Value::as_array) {
        let any = subs.iter().any(|sub| {
            let mut e = Vec::new();
            validate(root, sub, v, at, &mut e);
            e.is_empty()
        });
        if !any {
            errors.push(format!("{at}: none of the anyOf alternatives hold for {v}"));
        }
    }
}

fn errors(doc: &Value) -> Vec<String> {
    let root = schema();
    let mut e = Vec::new();
    validate(&root, &root, doc, "", &mut e);
    e
}

#[test]
fn every_shipped_contract_is_valid() {
    let mut files = Vec::new();
    for dir in ["contracts", "contracts/failing"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yaml") {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 3, "{files:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let e = errors(&yaml(&text));
        assert!(e.is_empty(), "{}: {e:#?}", f.display());
    }
}

#[test]
fn invalid_documents_are_rejected_by_both_the_schema_and_the_parser() {
    let base = "consumer: c\ndepends_on:\n  - table: t\n    fields:\n      - name: a\n";
    // Valid to begin with, under both.
    assert!(errors(&yaml(base)).is_empty());
    assert!(parse_contract(Path::new("c.yaml"), base).is_ok());
    let cases = [
        (
            "an unknown top-level key",
            format!("{base}owners: x\n"),
            "unknown key owners",
        ),
        (
            "no consumer",
            base.replace("consumer: c\n", ""),
            "missing \"consumer\"",
        ),
        (
            "an unknown field key",
            format!("{base}        requird: true\n"),
            "unknown key requird",
        ),
        (
            "an unknown type",
            format!("{base}        type: text\n"),
            "is not one of",
        ),
        (
            "a rate above 1",
            format!("{base}        max_null_rate: 2\n"),
            "is above 1",
        ),
        (
            "empty constraints",
            format!("{base}        constraints: {{}}\n"),
            "fewer than 1 keys",
        ),
        (
            "a bad duration",
            base.replace(
                "    fields:",
                "    freshness: { column: t, max_lag: 2x }\n    fields:",
            ),
            "does not match",
        ),
        (
            "both table and topic",
            base.replace("  - table: t\n", "  - table: t\n    topic: t\n"),
            "2 of the oneOf alternatives hold",
        ),
        (
            "no tables",
            "consumer: c\ndepends_on: []\n".to_string(),
            "fewer than 1 items",
        ),
        (
            "a slice of two days",
            base.replace(
                "    fields:",
                "    slice: { column: t, every: 2d }\n    fields:",
            ),
            "is not one of",
        ),
        (
            "a slice without its column",
            base.replace("    fields:", "    slice: { every: 1d }\n    fields:"),
            "missing \"column\"",
        ),
        (
            "a skew without its share",
            format!("{base}        skew: {{}}\n"),
            "missing \"max_top_share\"",
        ),
        (
            "an arrival without its window",
            base.replace("    fields:", "    arrival: {}\n    fields:"),
            "missing \"max_silence\"",
        ),
        (
            "an arrival with a bad duration",
            base.replace(
                "    fields:",
                "    arrival: { max_silence: soon }\n    fields:",
            ),
            "does not match",
        ),
        (
            "a freshness without its lag",
            base.replace("    fields:", "    freshness: { column: t }\n    fields:"),
            "missing \"max_lag\"",
        ),
        (
            "an empty unique key",
            base.replace("    fields:", "    unique: []\n    fields:"),
            "anyOf",
        ),
        (
            "a unique key of mappings",
            base.replace("    fields:", "    unique: [{ a: 1 }]\n    fields:"),
            "anyOf",
        ),
        (
            "a duplicate rate above 1",
            base.replace(
                "    fields:",
                "    unique: [a]\n    max_duplicate_rate: 5\n    fields:",
            ),
            "is above 1",
        ),
        (
            "an empty schema policy",
            base.replace("    fields:", "    schema: {}\n    fields:"),
            "fewer than 1 keys",
        ),
        (
            "a schema policy that is not a boolean",
            base.replace(
                "    fields:",
                "    schema: { allow_new_columns: no }\n    fields:",
            ),
            "not of type",
        ),
        (
            "a severity that is neither warn nor fail",
            format!("{base}        severity: error\n"),
            "is not one of",
        ),
        (
            "a severity in a check's mapping that is neither warn nor fail",
            format!("{base}        drift: {{ max_psi: 0.2, severity: low }}\n"),
            "is not one of",
        ),
        (
            "a negative number of new values",
            format!("{base}        max_new_values: -1\n"),
            "is below 0",
        ),
        (
            "a fractional number of new values",
            format!("{base}        max_new_values: 1.5\n"),
            "is not of type",
        ),
        (
            "a negative cardinality change",
            format!("{base}        max_cardinality_change: -0.1\n"),
            "is below 0",
        ),
        (
            "a null-rate change above 1",
            format!("{base}        max_null_rate_change: 5\n"),
            "is above 1",
        ),
        (
            "a unit-change tolerance beyond half a power of ten",
            format!("{base}        drift: {{ unit_change: {{ tolerance: 0.6 }} }}\n"),
            "none of the anyOf alternatives hold",
        ),
        (
            "an unknown unit-change key",
            format!("{base}        drift: {{ unit_change: {{ share: 0.1 }} }}\n"),
            "none of the anyOf alternatives hold",
        ),
    ];
    for (what, text, needle) in cases {
        let e = errors(&yaml(&text));
        assert!(
            e.iter().any(|m| m.contains(needle)),
            "{what}: expected `{needle}` in {e:#?}"
        );
        assert!(
            parse_contract(Path::new("c.yaml"), &text).is_err(),
            "{what}: the parser accepts it"
        );
    }
    // `arrival`, and `freshness` without a column (the table's arrival time), are valid.
    let text = base.replace(
        "    fields:",
        "    arrival: { max_silence: 26h }\n    freshness: { max_lag: 1d2h }\n    fields:",
    );
    assert!(
        errors(&yaml(&text)).is_empty(),
        "{:#?}",
        errors(&yaml(&text))
    );
    let c = parse_contract(Path::new("c.yaml"), &text).expect("valid");
    assert_eq!(c.tables[0].arrival.as_ref().unwrap().max_silence, 26 * 3600);
    assert_eq!(c.tables[0].freshness.as_ref().unwrap().column, None);
    assert_eq!(c.tables[0].freshness.as_ref().unwrap().max_lag, 26 * 3600);
    // One key, several keys, a rate and a schema policy are valid under both.
    for extra in [
        "    unique: [a]\n",
        "    unique: [a, b]\n    max_duplicate_rate: 0.01\n",
        "    unique: [[a], [a, b]]\n",
        "    schema: { allow_new_columns: false, allow_type_changes: true }\n",
    ] {
        let text = base.replace("    fields:", &format!("{extra}    fields:"));
        assert!(errors(&yaml(&text)).is_empty(), "{extra}");
        assert!(
            parse_contract(Path::new("c.yaml"), &text).is_ok(),
            "{extra}"
        );
    }
    // A slice of an hour or a day is valid under both.
    for every in ["1h", "1d"] {
        let text = base.replace(
            "    fields:",
            &format!("    slice: {{ column: event_time, every: {every} }}\n    fields:"),
        );
        assert!(errors(&yaml(&text)).is_empty(), "{every}");
        assert!(
            parse_contract(Path::new("c.yaml"), &text).is_ok(),
            "{every}"
        );
    }
    // Numbers with `_` separators are text in YAML 1.2, and valid as the parser reads them.
    let text = format!("{base}        constraints: {{ min: 0, max: 1_000_000 }}\n");
    assert!(errors(&yaml(&text)).is_empty());
}

#[test]
fn the_schema_describes_exactly_the_keys_the_parser_accepts() {
    let root = schema();
    for (def, accepted) in keys::ALL {
        let s = if def.is_empty() {
            &root
        } else {
            &root["definitions"][*def]
        };
        let described: BTreeSet<&str> = s["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("no definition `{def}`"))
            .keys()
            .map(String::as_str)
            .collect();
        let accepted: BTreeSet<&str> = accepted.iter().copied().collect();
        assert_eq!(described, accepted, "definition `{def}`");
        assert_eq!(
            s["additionalProperties"],
            json!(false),
            "definition `{def}`"
        );
        for k in &described {
            assert!(
                s["properties"][*k].get("description").is_some()
                    || s["properties"][*k].get("$ref").is_some(),
                "`{def}.{k}` has no description"
            );
        }
    }
    // Every type the parser knows is in the enum.
    let types: Vec<&str> = root["definitions"]["field"]["properties"]["type"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let known: Vec<&str> = plimsoll::contract::TypeName::ALL
        .iter()
        .map(|t| t.0)
        .collect();
    assert_eq!(types, known);
}

#[test]
fn plimsoll_schema_contract_prints_it() {
    let r = plimsoll(&["schema", "contract"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let printed: Value = serde_json::from_str(&r.stdout).expect("JSON on stdout");
    assert_eq!(printed, schema());
    assert_eq!(
        printed["$schema"],
        "http://json-schema.org/draft-07/schema#"
    );
}
