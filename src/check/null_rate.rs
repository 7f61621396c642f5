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

use super::{CheckId, CheckResult, Status, Subject, Verdict, pct};
use crate::contract::{DEFAULT_MAX_NULL_RATE, FieldContract};
use crate::profile::FieldProfile;
use serde_json::json;

pub fn check(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Option<CheckResult> {
    if !f.required && f.max_null_rate.is_none() {
        return None;
    }
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
