//! `unique`: no non-null value appears twice.
//!
//! **What it does.** Compares the distinct count of non-null values with their count. The
//! distinct count is exact up to 100,000 distinct values (the result says `exact`); beyond that
//! it is a HyperLogLog estimate (0.81% standard error), and the check fails only when the
//! estimate is below the count by more than three standard errors.
//!
//! **Why it matters.** A duplicated key doubles every join and sum downstream.
//!
//! **Defaults.** Off unless `unique: true`.
//!
//! **ODCS rules.** A `duplicateValues` rule (in `duplicate_values`) bounds the number of
//! duplicate values, the non-null values less the distinct ones (rows that repeat an earlier
//! value), in rows or as a percentage of the rows. Beyond the exact range the distinct count is
//! taken within three standard errors of its estimate, and a verdict those bounds cannot give
//! is a warning. A rule that allows no duplicate is `unique: true`.

use super::{CheckId, CheckResult, Status, Subject, Verdict, count_verdict};
use crate::contract::{CountRule, FieldContract};
use crate::profile::FieldProfile;
use serde_json::json;

pub fn check(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Vec<CheckResult> {
    let mut out: Vec<CheckResult> = unique(s, f, p).into_iter().collect();
    out.extend(f.duplicate_values.iter().map(|r| rule(s, f, p, r)));
    out
}

/// A `duplicateValues` rule.
fn rule(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile, r: &CountRule) -> CheckResult {
    let distinct = p.distinct.estimate().min(p.count);
    let (dlo, dhi) = if p.distinct.is_exact() {
        (distinct, distinct)
    } else {
        let err = 3.0 * p.distinct.relative_error() * distinct as f64;
        let lo = ((distinct as f64 - err).floor().max(0.0) as u64).max(u64::from(p.count > 0));
        let hi = ((distinct as f64 + err).ceil() as u64).min(p.count);
        (lo.min(hi), hi)
    };
    let (lo, hi) = (p.count - dhi, p.count - dlo);
    let what = format!("duplicate value(s) in `{}`", f.name);
    s.result_at(
        CheckId::Unique,
        Some(f),
        r.line,
        count_verdict(r, lo, hi, p.rows(), &what),
    )
}

/// `unique: true`: no value twice.
fn unique(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Option<CheckResult> {
    if !f.unique {
        return None;
    }
    let distinct = p.distinct.estimate();
    let exact = p.distinct.is_exact();
    let (status, message) = if exact {
        if distinct == p.count {
            (
                Status::Pass,
                format!("all {} values of `{}` are distinct", p.count, f.name),
            )
        } else {
            let dups = p.count - distinct;
            (
                Status::Fail,
                format!(
                    "`{}` has {dups} duplicate value(s): {} values but {distinct} distinct",
                    f.name, p.count
                ),
            )
        }
    } else {
        let tolerance = 3.0 * p.distinct.relative_error() * p.count as f64;
        if (distinct as f64) < p.count as f64 - tolerance {
            (
                Status::Fail,
                format!(
                    "`{}` has duplicates: about {distinct} distinct among {} values (HyperLogLog estimate)",
                    f.name, p.count
                ),
            )
        } else {
            (
                Status::Pass,
                format!(
                    "`{}`: about {distinct} distinct among {} values; consistent with unique within the HyperLogLog error (±{:.1}%)",
                    f.name,
                    p.count,
                    300.0 * p.distinct.relative_error()
                ),
            )
        }
    };
    Some(s.result(
        CheckId::Unique,
        Some(f),
        Verdict {
            status,
            observed: json!({ "distinct": distinct, "count": p.count, "exact": exact }),
            expected: json!({ "distinct": p.count }),
            observed_text: format!(
                "{distinct} distinct of {}{}",
                p.count,
                if exact { "" } else { " (est.)" }
            ),
            expected_text: "all distinct".into(),
            message,
        },
    ))
}
