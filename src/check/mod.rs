//! Checks: each compares a profile with a contract's expectation and gives a [`CheckResult`].
//! A check never reads data; it reads profiles. One check per file, documented in place.

pub mod allowed_values;
pub mod arrival;
pub mod change;
pub mod drift;
pub mod duplicates;
pub mod freshness;
pub mod new_values;
pub mod null_rate;
pub mod range;
pub mod references;
pub mod restated;
pub mod row_count;
pub mod schema;
pub mod schema_drift;
pub mod severity;
pub mod skew;
pub mod small_files;
pub mod unique;
pub mod unit_change;

use crate::baseline::Baseline;
use crate::contract::{Contract, CountRule, CountUnit, FieldContract, TableContract};
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
    Arrival,
    CardinalityChange,
    Drift,
    Duplicates,
    Freshness,
    NullRate,
    NullRateChange,
    Range,
    References,
    Restated,
    RowCount,
    Schema,
    SchemaDrift,
    Skew,
    SmallFiles,
    Type,
    Unique,
    UnitChange,
    NewValues,
}

impl CheckId {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::AllowedValues => "allowed_values",
            CheckId::Arrival => "arrival",
            CheckId::CardinalityChange => "cardinality_change",
            CheckId::Drift => "drift",
            CheckId::Duplicates => "duplicates",
            CheckId::Freshness => "freshness",
            CheckId::NullRate => "null_rate",
            CheckId::NullRateChange => "null_rate_change",
            CheckId::Range => "range",
            CheckId::References => "references",
            CheckId::Restated => "restated",
            CheckId::RowCount => "row_count",
            CheckId::Schema => "schema",
            CheckId::SchemaDrift => "schema_drift",
            CheckId::Skew => "skew",
            CheckId::SmallFiles => "small_files",
            CheckId::Type => "type",
            CheckId::Unique => "unique",
            CheckId::UnitChange => "unit_change",
            CheckId::NewValues => "new_values",
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
    /// What a breach of this check does (`fail` unless the contract or the check's default
    /// says `warn`; see `severity`).
    pub severity: crate::contract::Severity,
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
    /// The file holding the rows that broke the rule (`--quarantine`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quarantine: Option<crate::quarantine::QuarantineFile>,
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
    /// When data arrived, from metadata (for `arrival`, column-less `freshness`, `restated`).
    pub arrival: Option<&'a arrival::ArrivalFacts>,
    /// Duplicate counts by `unique` key (or why they could not be computed).
    pub duplicates:
        &'a BTreeMap<Vec<String>, std::result::Result<duplicates::DuplicateStats, String>>,
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
        self.result_at(check, field, line, v)
    }

    /// A result citing `line` of the contract (a rule's own line) rather than its field's.
    pub fn result_at(
        &self,
        check: CheckId,
        field: Option<&FieldContract>,
        line: usize,
        v: Verdict,
    ) -> CheckResult {
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
            severity: severity::default_severity(check),
            contract: format!("{file}:{line}"),
            contract_file: file,
            contract_line: line,
            observed_text: v.observed_text,
            expected_text: v.expected_text,
            quarantine: None,
        }
    }
}

/// The error of a counted rule whose values cannot be counted on this column's type (`what`:
/// "valid values", "missing values").
pub fn uncountable(
    s: &Subject<'_>,
    check: CheckId,
    f: &FieldContract,
    p: &crate::profile::FieldProfile,
    r: &CountRule,
    what: &str,
) -> CheckResult {
    s.result_at(
        check,
        Some(f),
        r.line,
        Verdict {
            status: Status::Error,
            observed: Value::Null,
            expected: serde_json::json!({ "threshold": r.threshold, "unit": r.unit }),
            observed_text: "-".into(),
            expected_text: r.threshold.text(),
            message: format!(
                "`{}` is {} ({}); {what} are counted on strings, integers, booleans and dates",
                f.name,
                p.kind.name(),
                p.data_type
            ),
        },
    )
}

/// The verdict of a counted rule (ODCS library metrics) on a count known to lie in
/// `[lo, hi]` (equal when exact), out of `rows` rows. `what` names what is counted, e.g.
/// "null value(s) of `status`". Passes when every count in the range satisfies the rule, fails
/// when none does, and warns when the counts from the sketches cannot tell.
pub fn count_verdict(rule: &CountRule, lo: u64, hi: u64, rows: u64, what: &str) -> Verdict {
    let percent = rule.unit == CountUnit::Percent;
    // Counts are compared as counts, or as `count * 100 / rows` (no rounding of a rate first).
    let metric = |c: u64| {
        if !percent {
            c as f64
        } else if rows == 0 {
            0.0
        } else {
            c as f64 * 100.0 / rows as f64
        }
    };
    let (mlo, mhi) = (metric(lo), metric(hi));
    let unit = if percent { "%" } else { " rows" };
    let shown = |c: u64, m: f64| {
        if percent {
            format!("{c} ({})", pct(m / 100.0))
        } else {
            c.to_string()
        }
    };
    let observed_text = if lo == hi {
        shown(lo, mlo)
    } else {
        format!("{}..{}", shown(lo, mlo), shown(hi, mhi))
    };
    let expected_text = format!("{}{unit}", rule.threshold.text());
    let status = match rule.threshold.decide(mlo, mhi) {
        Some(true) => Status::Pass,
        Some(false) => Status::Fail,
        None => Status::Warn,
    };
    let counted = if lo == hi {
        format!("{lo} {what}")
    } else {
        format!("between {lo} and {hi} {what} (the counts are bounds from the sketches)")
    };
    let rate = |c: u64| pct(c as f64 / rows as f64);
    let share = if rows == 0 {
        String::new()
    } else if lo == hi {
        format!(" ({} of {rows} rows)", rate(lo))
    } else {
        format!(" ({}..{} of {rows} rows)", rate(lo), rate(hi))
    };
    let message = match status {
        Status::Pass => format!("{counted}{share}: {expected_text} holds"),
        Status::Fail => format!("{counted}{share}: expected {expected_text}"),
        _ => format!("{counted}{share}: cannot tell whether {expected_text} holds"),
    };
    let observed = if lo == hi {
        serde_json::json!({ "count": lo, "rows": rows })
    } else {
        serde_json::json!({ "count_min": lo, "count_max": hi, "rows": rows })
    };
    Verdict {
        status,
        observed,
        expected: serde_json::json!({ "threshold": rule.threshold, "unit": rule.unit }),
        observed_text,
        expected_text,
        message,
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
    out.extend(arrival::check(s, now));
    out.extend(restated::check(s));
    out.extend(small_files::check(s));
    out.extend(row_count::check(s));
    out.extend(row_count::bounds(s));
    out.extend(duplicates::check(s));
    out.extend(schema_drift::check(s));
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
        out.extend(unit_change::check(s, f, p));
        out.extend(new_values::check(s, f, p));
        out.extend(change::check(s, f, p));
        out.extend(references::check(s, f));
    }
    severity::apply(s.table, &mut out);
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
    if f.required || f.max_null_rate.is_some() || !f.null_values.is_empty() {
        out.push(CheckId::NullRate);
    }
    if f.unique || !f.duplicate_values.is_empty() {
        out.push(CheckId::Unique);
    }
    if f.constraints.is_some() {
        out.push(CheckId::Range);
    }
    if f.allowed_values.is_some() || !f.invalid_values.is_empty() {
        out.push(CheckId::AllowedValues);
    }
    if f.skew.is_some() {
        out.push(CheckId::Skew);
    }
    if f.drift.is_some() || t.drift.is_some() {
        out.push(CheckId::Drift);
    }
    if unit_change::planned(t, f) {
        out.push(CheckId::UnitChange);
    }
    if f.max_new_values.is_some() {
        out.push(CheckId::NewValues);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Threshold;

    fn rule(threshold: Threshold, unit: CountUnit) -> CountRule {
        CountRule {
            threshold,
            unit,
            values: Vec::new(),
            line: 1,
        }
    }

    #[test]
    fn counted_rules_pass_fail_or_warn_on_their_bounds() {
        let lt5 = rule(Threshold::Lt(5.0), CountUnit::Rows);
        assert_eq!(count_verdict(&lt5, 4, 4, 100, "x").status, Status::Pass);
        assert_eq!(count_verdict(&lt5, 5, 5, 100, "x").status, Status::Fail);
        // 3 to 7 rows: the sketches cannot tell.
        let v = count_verdict(&lt5, 3, 7, 100, "x");
        assert_eq!(v.status, Status::Warn);
        assert!(v.message.contains("between 3 and 7 x"), "{}", v.message);
        // 5 of 200 rows are 2.5%.
        let pct_le = rule(Threshold::Le(2.5), CountUnit::Percent);
        assert_eq!(count_verdict(&pct_le, 5, 5, 200, "x").status, Status::Pass);
        assert_eq!(count_verdict(&pct_le, 6, 6, 200, "x").status, Status::Fail);
        assert_eq!(count_verdict(&pct_le, 0, 0, 0, "x").status, Status::Pass);
    }
}
