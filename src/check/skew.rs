//! `skew`: the most frequent value's share stays under a maximum.
//!
//! **What it does.** Divides the top value's count by the field's non-null count and fails
//! above `skew: { max_top_share }`. Counts are exact for columns with at most 1,024 distinct
//! values. Beyond, the frequent-values summary gives bounds: each kept count is at most its
//! `error_bound` below the truth, and a value it did not keep occurs at most `error_bound` times.
//! The check then fails when the upper bound of the top share (of any value, kept or not) is
//! above the maximum, saying the share *may exceed* it when the lower bound is not, and passes
//! only when the upper bound is within it.
//!
//! **Why it matters.** One tenant's key dwarfing the rest makes a join or a shuffle run on one
//! worker for hours.
//!
//! **Example.** `skew: { max_top_share: 0.05 }` on `customer_id`: a customer holding 7% of the
//! orders fails; with approximate counts saying 3–6%, it fails too ("may exceed").
//!
//! **Defaults.** Off unless `skew: { max_top_share }` is given on the field.

use super::{CheckId, CheckResult, Status, Subject, Verdict, pct};
use crate::contract::FieldContract;
use crate::profile::FieldProfile;
use crate::profile::sketch::TopShare;
use serde_json::json;

/// A top share for people: `12.5%` when exact, `0.09–0.18%` between its bounds when not (or
/// `~12.5%` when the bounds round alike).
pub fn share_text(t: &TopShare) -> String {
    if t.exact {
        return pct(t.share);
    }
    let (lo, hi) = (pct(t.share), pct(t.share_upper));
    if lo == hi {
        format!("~{lo}")
    } else {
        format!("{}–{hi}", lo.trim_end_matches('%'))
    }
}

pub fn check(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Option<CheckResult> {
    let max = f.skew.as_ref()?.max_top_share;
    let expected = json!({ "max_top_share": max });
    let expected_text = format!("top share <= {}", pct(max));
    let Some(t) = p.top_share_bounds() else {
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
    let name = &f.name;
    let bound = p.frequent.as_ref().map_or(0, |f| f.error_bound());
    let status = if t.share_upper <= max {
        Status::Pass
    } else {
        Status::Fail
    };
    let value = t.value.as_deref().map(|v| format!("`{v}`"));
    let about = || {
        format!(
            "counts are approximate: `{name}` has more distinct values than the 1,024 counted exactly, so each count may be up to {bound} row(s) short"
        )
    };
    let message = match (&value, t.exact) {
        (Some(v), true) if status == Status::Pass => {
            format!(
                "the most frequent value of `{name}` ({v}) holds {}",
                pct(t.share)
            )
        }
        (Some(v), true) => format!(
            "{v} holds {} of `{name}`, above the maximum share of {}",
            pct(t.share),
            pct(max)
        ),
        (Some(v), false) if status == Status::Pass => format!(
            "the most frequent value of `{name}` ({v}) holds at most {} (at least {}; {})",
            pct(t.share_upper),
            pct(t.share),
            about()
        ),
        (Some(v), false) if t.share > max => format!(
            "{v} holds at least {} of `{name}`, above the maximum share of {} ({})",
            pct(t.share),
            pct(max),
            about()
        ),
        (Some(v), false) => format!(
            "the most frequent value of `{name}` may exceed the maximum share of {}: {v} holds between {} and {} ({})",
            pct(max),
            pct(t.share),
            pct(t.share_upper),
            about()
        ),
        (None, _) if status == Status::Pass => format!(
            "no value of `{name}` holds more than {} ({})",
            pct(t.share_upper),
            about()
        ),
        (None, _) => format!(
            "a value of `{name}` may exceed the maximum share of {}: no value is frequent enough to be named, but each may hold up to {} ({})",
            pct(max),
            pct(t.share_upper),
            about()
        ),
    };
    let observed_text = match &value {
        Some(v) => format!("{v} {}", share_text(&t)),
        None => format!("any value <= {}", pct(t.share_upper)),
    };
    Some(s.result(
        CheckId::Skew,
        Some(f),
        Verdict {
            status,
            observed: json!({
                "top_value": t.value,
                "top_share": t.share,
                "top_share_upper": t.share_upper,
                "exact": t.exact,
            }),
            expected,
            observed_text,
            expected_text,
            message,
        },
    ))
}
