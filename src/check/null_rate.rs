//! `null_rate`: a field's share of nulls stays under a maximum.
//!
//! **What it does.** Fails when `null_count / rows` exceeds `max_null_rate`. Applies to every
//! `required: true` field and to any field with its own `max_null_rate`. A `max_null_rate` on
//! the table entry is the threshold of its required fields; it does not make optional fields
//! required.
//!
//! **Why it matters.** A required field quietly going null (an upstream join that stopped
//! matching, a renamed source column) corrupts every aggregate built on it.
//!
//! **Defaults.** `max_null_rate: 0.01` (1%) for `required` fields; set `0` for strict.
//!
//! **ODCS rules.** A `nullValues` or `missingValues` rule (in `null_values`) is checked on its
//! own, citing its line: the count of nulls (plus, for `missingValues`, of the listed values:
//! empty strings exactly, other values from the frequent-values counts, with bounds when those
//! are not exact) in rows or as a percentage of the rows, against any of the eight operators.
//! When a field has such rules, `required` no longer implies the default `max_null_rate`.

use super::{CheckId, CheckResult, Status, Subject, Verdict, count_verdict, pct};
use crate::contract::{CountRule, DEFAULT_MAX_NULL_RATE, FieldContract};
use crate::profile::FieldProfile;
use serde_json::json;

pub fn check(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Vec<CheckResult> {
    let mut out: Vec<CheckResult> = f.null_values.iter().map(|r| rule(s, f, p, r)).collect();
    if f.max_null_rate.is_some() || (f.required && f.null_values.is_empty()) {
        out.extend(max_rate(s, f, p));
    }
    out
}

/// A `nullValues` / `missingValues` rule.
fn rule(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile, r: &CountRule) -> CheckResult {
    let (mut lo, mut hi) = (p.null_count, p.null_count);
    let mut values: Vec<&String> = r.values.iter().collect();
    values.sort();
    values.dedup();
    for v in &values {
        let (a, b) = match (&p.text, &p.frequent) {
            (Some(t), _) if v.is_empty() => (t.empty_count, t.empty_count),
            (_, Some(freq)) => freq.count_bounds(v, p.count),
            (_, None) => {
                return super::uncountable(s, CheckId::NullRate, f, p, r, "missing values");
            }
        };
        lo += a;
        hi += b;
    }
    hi = hi.min(p.rows());
    let what = if values.is_empty() {
        format!("null value(s) in `{}`", f.name)
    } else {
        let listed: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
        format!(
            "null or missing ({}) value(s) in `{}`",
            listed.join(", "),
            f.name
        )
    };
    s.result_at(
        CheckId::NullRate,
        Some(f),
        r.line,
        count_verdict(r, lo, hi, p.rows(), &what),
    )
}

/// `max_null_rate`, the field's own or its table's (or the default of a required field).
fn max_rate(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Option<CheckResult> {
    let max = f
        .max_null_rate
        .or(s.table.max_null_rate)
        .unwrap_or(DEFAULT_MAX_NULL_RATE);
    let rate = p.null_rate();
    let ok = rate <= max;
    let what = if f.required {
        "required field"
    } else {
        "field"
    };
    Some(s.result(
        CheckId::NullRate,
        Some(f),
        Verdict {
            status: if ok { Status::Pass } else { Status::Fail },
            observed: json!(rate),
            expected: json!({ "max": max }),
            observed_text: format!("{} ({} of {})", pct(rate), p.null_count, p.rows()),
            expected_text: format!("<= {}", pct(max)),
            message: if ok {
                format!("{what} `{}` is {} null", f.name, pct(rate))
            } else {
                format!(
                    "{what} `{}` is {} null ({} of {} rows), above the maximum of {}",
                    f.name,
                    pct(rate),
                    p.null_count,
                    p.rows(),
                    pct(max)
                )
            },
        },
    ))
}
