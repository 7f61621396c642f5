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
//! **Defaults.** On for every listed field when a baseline exists; warnings only.

use super::{CheckId, CheckResult, Status, Subject, Verdict, pct};
use crate::contract::FieldContract;
use crate::profile::FieldProfile;
use serde_json::json;

/// Relative change of the distinct count above which `cardinality_change` warns.
pub const MAX_CARDINALITY_CHANGE: f64 = 0.5;
/// Absolute change of the null rate above which `null_rate_change` warns.
pub const MAX_NULL_RATE_CHANGE: f64 = 0.05;

pub fn check(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Vec<CheckResult> {
    let (Some(b), Some(merged)) = (s.baseline, s.baseline_profile) else {
        return vec![];
    };
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
        let ok = change.abs() <= MAX_CARDINALITY_CHANGE;
        out.push(s.result(
            CheckId::CardinalityChange,
            Some(f),
            Verdict {
                status: if ok { Status::Pass } else { Status::Warn },
                observed: json!({ "distinct": now, "baseline_mean_distinct": mean, "change": change }),
                expected: json!({ "max_change": MAX_CARDINALITY_CHANGE }),
                observed_text: format!("{now:.0} vs {mean:.0} ({:+.0}%)", change * 100.0),
                expected_text: format!("within ±{:.0}%", MAX_CARDINALITY_CHANGE * 100.0),
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
        let ok = change.abs() <= MAX_NULL_RATE_CHANGE;
        out.push(s.result(
            CheckId::NullRateChange,
            Some(f),
            Verdict {
                status: if ok { Status::Pass } else { Status::Warn },
                observed: json!({ "null_rate": now, "baseline_null_rate": before, "change": change }),
                expected: json!({ "max_change": MAX_NULL_RATE_CHANGE }),
                observed_text: format!("{} vs {}", pct(now), pct(before)),
                expected_text: format!("within ±{:.0} points", MAX_NULL_RATE_CHANGE * 100.0),
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
