//! Checks: each compares a profile with a contract's expectation and gives a [`CheckResult`].
//! A check never reads data; it reads profiles. One check per file, documented in place.

pub mod allowed_values;
pub mod change;
pub mod drift;
pub mod freshness;
pub mod null_rate;
pub mod range;
pub mod references;
pub mod row_count;
pub mod schema;
pub mod skew;
pub mod small_files;
pub mod unique;

use crate::baseline::Baseline;
use crate::contract::{Contract, FieldContract, TableContract};
use crate::profile::TableProfile;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The verdict of one check (and of a run: the worst of its checks). Ordered from best to
/// worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }
}

/// Which check a result is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    AllowedValues,
    CardinalityChange,
    Drift,
    Freshness,
    NullRate,
    NullRateChange,
    Range,
    References,
    RowCount,
    Schema,
    Skew,
    SmallFiles,
    Type,
    Unique,
}

impl CheckId {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::AllowedValues => "allowed_values",
            CheckId::CardinalityChange => "cardinality_change",
            CheckId::Drift => "drift",
            CheckId::Freshness => "freshness",
            CheckId::NullRate => "null_rate",
            CheckId::NullRateChange => "null_rate_change",
            CheckId::Range => "range",
            CheckId::References => "references",
            CheckId::RowCount => "row_count",
            CheckId::Schema => "schema",
            CheckId::Skew => "skew",
            CheckId::SmallFiles => "small_files",
            CheckId::Type => "type",
            CheckId::Unique => "unique",
        }
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One check's result, for one consumer, table and (optionally) field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub consumer: String,
    /// The contract's `owner` (whom to ask about it), when it names one.
    pub owner: Option<String>,
    pub table: String,
    pub check: CheckId,
    pub field: Option<String>,
    pub status: Status,
    pub observed: Value,
    pub expected: Value,
    pub message: String,
    /// `path:line` of the contract entry that asked for this check.
    pub contract: String,
    /// The contract file, as the run was given it (`contract` without the line).
    pub contract_file: String,
    /// The 1-based line of the contract entry (a field's `- name:`, a table's entry).
    pub contract_line: usize,
    /// `observed` for people (percentages, sizes, durations).
    #[serde(skip)]
    pub observed_text: String,
    /// `expected` for people.
    #[serde(skip)]
    pub expected_text: String,
}

/// What a check is about: the contract entry, its profile, and what it is compared with.
pub struct Subject<'a> {
    pub contract: &'a Contract,
    pub table: &'a TableContract,
    pub profile: &'a TableProfile,
    /// The baseline slices, when there is a baseline.
    pub baseline: Option<&'a Baseline>,
    /// The baseline slices merged into one profile.
    pub baseline_profile: Option<&'a TableProfile>,
    /// Why there is no baseline (for the warnings of the checks that need one).
    pub no_baseline_reason: &'a str,
    /// Referential-integrity counts by field name (or why they could not be computed).
    pub references: &'a BTreeMap<String, std::result::Result<references::ReferenceStats, String>>,
}

/// The warning of a check that needs a baseline when there is none.
pub fn no_baseline(s: &Subject<'_>, check: CheckId, f: Option<&FieldContract>) -> CheckResult {
    s.result(
        check,
        f,
        Verdict {
            status: Status::Warn,
            observed: Value::Null,
            expected: Value::Null,
            observed_text: "not evaluated".into(),
            expected_text: "-".into(),
            message: format!("not evaluated: no baseline ({})", s.no_baseline_reason),
        },
    )
}

/// A result under construction.
pub struct Verdict {
    pub status: Status,
    pub observed: Value,
    pub expected: Value,
    pub observed_text: String,
    pub expected_text: String,
    pub message: String,
}

impl Subject<'_> {
    pub fn result(&self, check: CheckId, field: Option<&FieldContract>, v: Verdict) -> CheckResult {
        let line = field.map_or(self.table.line, |f| f.line);
        let file = self.contract.path.display().to_string();
        CheckResult {
            consumer: self.contract.consumer.clone(),
            owner: self.contract.owner.clone(),
            table: self.table.table.clone(),
            check,
            field: field.map(|f| f.name.clone()),
            status: v.status,
            observed: v.observed,
            expected: v.expected,
            message: v.message,
            contract: format!("{file}:{line}"),
            contract_file: file,
            contract_line: line,
            observed_text: v.observed_text,
            expected_text: v.expected_text,
        }
    }
}

/// Percentage with up to two decimals (`1.25%`).
pub fn pct(r: f64) -> String {
    let v = r * 100.0;
    if v == 0.0 || v >= 10.0 {
        format!("{v:.1}%")
    } else {
        format!("{v:.2}%")
    }
}

/// A short rendering of a JSON value for people.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// Runs every check of one table entry against its profile.
pub fn run_table(s: &Subject<'_>, now: chrono::DateTime<chrono::Utc>) -> Vec<CheckResult> {
    let mut out = Vec::new();
    out.extend(freshness::check(s, now));
    out.extend(small_files::check(s));
    out.extend(row_count::check(s));
    let lookup = schema::Lookup::new(s);
    for f in &s.table.fields {
        let present = schema::check(s, &lookup, f, &mut out);
        let Some(p) = present else { continue };
        out.extend(null_rate::check(s, f, p));
        out.extend(unique::check(s, f, p));
        out.extend(range::check(s, f, p));
        out.extend(allowed_values::check(s, f, p));
        out.extend(skew::check(s, f, p));
        out.extend(drift::check(s, f, p));
        out.extend(change::check(s, f, p));
        out.extend(references::check(s, f));
    }
    out
}

/// The checks `run_table` runs for a listed field, in its order: what a contract line asks for
/// (the blast radius of a change to the field). `cardinality_change` and `null_rate_change`
/// run whenever there is a baseline.
pub fn planned(t: &TableContract, f: &FieldContract) -> Vec<CheckId> {
    let mut out = vec![CheckId::Schema];
    if f.r#type.is_some() {
        out.push(CheckId::Type);
    }
    if f.required || f.max_null_rate.is_some() {
        out.push(CheckId::NullRate);
    }
    if f.unique {
        out.push(CheckId::Unique);
    }
    if f.constraints.is_some() {
        out.push(CheckId::Range);
    }
    if f.allowed_values.is_some() {
        out.push(CheckId::AllowedValues);
    }
    if f.skew.is_some() {
        out.push(CheckId::Skew);
    }
    if f.drift.is_some() || t.drift.is_some() {
        out.push(CheckId::Drift);
    }
    out.push(CheckId::CardinalityChange);
    out.push(CheckId::NullRateChange);
    if f.references.is_some() {
        out.push(CheckId::References);
    }
    out
}

/// Overall status: the worst of all results (pass when there are none).
pub fn overall(results: &[CheckResult]) -> Status {
    results
        .iter()
        .map(|r| r.status)
        .max()
        .unwrap_or(Status::Pass)
}
