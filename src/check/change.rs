//! `cardinality_change` and `null_rate_change`: a field's distinct count and null rate against
//! the baseline.
//!
//! **What they do.** `cardinality_change` compares the current distinct count with the mean
//! distinct count of the baseline slices (like with like: one slice against one slice) and warns
//! when it moved by more than 50%. `null_rate_change` compares the current null rate with the
//! baseline's and warns when it moved by more than 5 percentage points.
//!
//! **Why they matter.** An enum that suddenly has ten times the values, or a key that collapsed
//! to a handful, is a semantic change; a null rate that jumps is an upstream ETL bug, even when it
//! stays under a `required` field's maximum.
//!
//! **Defaults.** On for every listed field when a baseline exists. The thresholds are contract
//! keys, on the field or (for all its fields) the table entry: `max_cardinality_change: 0.5`
//! (a relative change) and `max_null_rate_change: 0.05` (a change of the rate, 0.05 = 5 points).
//! A breach is a warning: both checks' severity is `warn` unless the contract says
//! `severity: fail` (see `severity`).

use super::{CheckId, CheckResult, Status, Subject, Verdict, pct};
use crate::contract::FieldContract;
use crate::profile::FieldProfile;
use serde_json::json;

/// Default relative change of the distinct count above which `cardinality_change` breaches.
pub const MAX_CARDINALITY_CHANGE: f64 = 0.5;
/// Default absolute change of the null rate above which `null_rate_change` breaches.
pub const MAX_NULL_RATE_CHANGE: f64 = 0.05;

pub fn check(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Vec<CheckResult> {
    let (Some(b), Some(merged)) = (s.baseline, s.baseline_profile) else {
        return vec![];
    };
    let max_cardinality = f
        .max_cardinality_change
        .or(s.table.max_cardinality_change)
        .unwrap_or(MAX_CARDINALITY_CHANGE);
    let max_null = f
        .max_null_rate_change
        .or(s.table.max_null_rate_change)
        .unwrap_or(MAX_NULL_RATE_CHANGE);
    // A breach fails; the checks' default severity (`warn`) makes it a warning unless the
    // contract says otherwise.
    let breach = Status::Fail;
    let mut out = Vec::new();
    let note = b
        .exclusion_note(&f.name)
        .map(|n| format!("; {n}"))
        .unwrap_or_default();
    let distincts: Vec<f64> = b
        .slices_for(&f.name)
        .filter_map(|x| x.profile.field(&f.name))
        .map(|x| x.distinct.estimate() as f64)
        .collect();
    if !distincts.is_empty() {
        let mean = distincts.iter().sum::<f64>() / distincts.len() as f64;
        let now = p.distinct.estimate() as f64;
        let change = if mean > 0.0 {
            (now - mean) / mean
        } else if now > 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
        let ok = change.abs() <= max_cardinality;
        out.push(s.result(
            CheckId::CardinalityChange,
            Some(f),
            Verdict {
                status: if ok { Status::Pass } else { breach },
                observed: json!({ "distinct": now, "baseline_mean_distinct": mean, "change": change }),
                expected: json!({ "max_change": max_cardinality }),
                observed_text: format!("{now:.0} vs {mean:.0} ({:+.0}%)", change * 100.0),
                expected_text: format!("within ±{}%", hundredths(max_cardinality)),
                message: format!(
                    "`{}` has {now:.0} distinct values against a baseline mean of {mean:.0} ({:+.0}%){note}",
                    f.name,
                    change * 100.0
                ),
            },
        ));
    }
    if let Some(base) = merged.field(&f.name) {
        let (now, before) = (p.null_rate(), base.null_rate());
        let change = now - before;
        let ok = change.abs() <= max_null;
        out.push(s.result(
            CheckId::NullRateChange,
            Some(f),
            Verdict {
                status: if ok { Status::Pass } else { breach },
                observed: json!({ "null_rate": now, "baseline_null_rate": before, "change": change }),
                expected: json!({ "max_change": max_null }),
                observed_text: format!("{} vs {}", pct(now), pct(before)),
                expected_text: format!("within ±{} points", hundredths(max_null)),
                message: format!(
                    "`{}` is {} null against {} in the baseline ({:+.1} points){note}",
                    f.name,
                    pct(now),
                    pct(before),
                    change * 100.0
                ),
            },
        ));
    }
    out
}

/// A fraction as a number of hundredths for people (`0.05` → `5`, `0.125` → `12.5`).
fn hundredths(x: f64) -> f64 {
    (x * 100.0 * 1e6).round() / 1e6
}
