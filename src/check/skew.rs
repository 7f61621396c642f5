//! `skew`: the most frequent value's share stays under a maximum.
//!
//! **What it does.** Divides the top value's count by the field's non-null count and fails
//! above `skew: { max_top_share }`. Counts are exact for columns with at most 1,024 distinct
//! values and lower bounds beyond (the heavy-hitters summary never misses a value whose share
//! exceeds 1/1,025).
//!
//! **Why it matters.** One tenant's key dwarfing the rest makes a join or a shuffle run on one
//! worker for hours.
//!
//! **Defaults.** Off unless `skew: { max_top_share }` is given on the field.

use super::{CheckId, CheckResult, Status, Subject, Verdict, pct};
use crate::contract::FieldContract;
use crate::profile::FieldProfile;
use serde_json::json;

pub fn check(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Option<CheckResult> {
    let max = f.skew.as_ref()?.max_top_share;
    let expected = json!({ "max_top_share": max });
    let expected_text = format!("top share <= {}", pct(max));
    let Some((value, share)) = p.top_share() else {
        let status = if p.frequent.is_none() {
            Status::Error
        } else {
            Status::Pass
        };
        return Some(s.result(
            CheckId::Skew,
            Some(f),
            Verdict {
                status,
                observed: json!(null),
                expected,
                observed_text: "-".into(),
                expected_text,
                message: if status == Status::Error {
                    format!(
                        "`{}` is {}; skew is measured on strings, integers, booleans and dates",
                        f.name,
                        p.kind.name()
                    )
                } else {
                    format!("`{}` has no non-null value", f.name)
                },
            },
        ));
    };
    let ok = share <= max;
    Some(s.result(
        CheckId::Skew,
        Some(f),
        Verdict {
            status: if ok { Status::Pass } else { Status::Fail },
            observed: json!({ "top_value": value, "top_share": share }),
            expected,
            observed_text: format!("`{value}` {}", pct(share)),
            expected_text,
            message: if ok {
                format!(
                    "the most frequent value of `{}` (`{value}`) holds {}",
                    f.name,
                    pct(share)
                )
            } else {
                format!(
                    "`{value}` holds {} of `{}`, above the maximum share of {}",
                    pct(share),
                    f.name,
                    pct(max)
                )
            },
        },
    ))
}
