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

use super::{CheckId, CheckResult, Status, Subject, Verdict};
use crate::contract::FieldContract;
use crate::profile::FieldProfile;
use serde_json::json;

pub fn check(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Option<CheckResult> {
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
