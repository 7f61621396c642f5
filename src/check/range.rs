//! `range`: numbers within `constraints: { min, max }`, string lengths within
//! `constraints: { min_length, max_length }`.
//!
//! **What it does.** Compares the field's exact minimum and maximum (from the one scan) with the
//! declared bounds; NaN and infinities are out of any numeric range. For strings, the shortest
//! and longest value (in characters) are compared with the length bounds.
//!
//! **Why it matters.** A negative amount, a percentage of 4,000 or an empty country code is a
//! bug upstream that no schema catches.
//!
//! **Defaults.** Off unless `constraints` is given; any value outside fails.

use super::{CheckId, CheckResult, Status, Subject, Verdict, text};
use crate::contract::FieldContract;
use crate::profile::FieldProfile;
use serde_json::json;

pub fn check(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Vec<CheckResult> {
    let Some(c) = &f.constraints else {
        return vec![];
    };
    let mut out = Vec::new();
    if c.min.is_some() || c.max.is_some() {
        out.push(numeric(s, f, p, c.min, c.max));
    }
    if c.min_length.is_some() || c.max_length.is_some() {
        out.push(lengths(s, f, p, c.min_length, c.max_length));
    }
    out
}

fn bounds_text<T: std::fmt::Display>(lo: Option<T>, hi: Option<T>) -> String {
    match (lo, hi) {
        (Some(l), Some(h)) => format!("[{l}, {h}]"),
        (Some(l), None) => format!(">= {l}"),
        (None, Some(h)) => format!("<= {h}"),
        (None, None) => "-".into(),
    }
}

fn numeric(
    s: &Subject<'_>,
    f: &FieldContract,
    p: &FieldProfile,
    lo: Option<f64>,
    hi: Option<f64>,
) -> CheckResult {
    let expected = json!({ "min": lo, "max": hi });
    let expected_text = bounds_text(lo, hi);
    let Some(n) = &p.numeric else {
        return s.result(
            CheckId::Range,
            Some(f),
            Verdict {
                status: Status::Fail,
                observed: json!(p.kind.name()),
                expected,
                observed_text: format!("{} column", p.kind.name()),
                expected_text,
                message: format!(
                    "`{}` is {} ({}); numeric constraints need a number",
                    f.name,
                    p.kind.name(),
                    p.data_type
                ),
            },
        );
    };
    let (min, max) = p.bounds();
    let mut problems = Vec::new();
    if let (Some(lo), Some(m)) = (lo, n.min)
        && m < lo
    {
        problems.push(format!("minimum {} is below {lo}", text(&min)));
    }
    if let (Some(hi), Some(m)) = (hi, n.max)
        && m > hi
    {
        problems.push(format!("maximum {} is above {hi}", text(&max)));
    }
    if n.nan_count > 0 {
        problems.push(format!("{} NaN value(s)", n.nan_count));
    }
    if n.pos_inf_count > 0 && hi.is_some() {
        problems.push(format!("{} +inf value(s)", n.pos_inf_count));
    }
    if n.neg_inf_count > 0 && lo.is_some() {
        problems.push(format!("{} -inf value(s)", n.neg_inf_count));
    }
    let ok = problems.is_empty();
    s.result(
        CheckId::Range,
        Some(f),
        Verdict {
            status: if ok { Status::Pass } else { Status::Fail },
            observed: json!({ "min": min, "max": max, "nan": n.nan_count }),
            expected,
            observed_text: format!("[{}, {}]", text(&min), text(&max)),
            expected_text,
            message: if ok {
                format!("`{}` lies within {}", f.name, bounds_text(lo, hi))
            } else {
                format!("`{}` is out of range: {}", f.name, problems.join("; "))
            },
        },
    )
}

fn lengths(
    s: &Subject<'_>,
    f: &FieldContract,
    p: &FieldProfile,
    lo: Option<u64>,
    hi: Option<u64>,
) -> CheckResult {
    let expected = json!({ "min_length": lo, "max_length": hi });
    let expected_text = format!("length {}", bounds_text(lo, hi));
    let Some(t) = &p.text else {
        return s.result(
            CheckId::Range,
            Some(f),
            Verdict {
                status: Status::Fail,
                observed: json!(p.kind.name()),
                expected,
                observed_text: format!("{} column", p.kind.name()),
                expected_text,
                message: format!(
                    "`{}` is {}; length constraints need a string or binary",
                    f.name,
                    p.kind.name()
                ),
            },
        );
    };
    let mut problems = Vec::new();
    if let (Some(lo), Some(m)) = (lo, t.min_length)
        && m < lo
    {
        problems.push(format!("shortest value has {m} characters, below {lo}"));
    }
    if let (Some(hi), Some(m)) = (hi, t.max_length)
        && m > hi
    {
        problems.push(format!("longest value has {m} characters, above {hi}"));
    }
    let ok = problems.is_empty();
    s.result(
        CheckId::Range,
        Some(f),
        Verdict {
            status: if ok { Status::Pass } else { Status::Fail },
            observed: json!({ "min_length": t.min_length, "max_length": t.max_length }),
            expected,
            observed_text: format!("length {}", bounds_text(t.min_length, t.max_length)),
            expected_text,
            message: if ok {
                format!("`{}` lengths lie within {}", f.name, bounds_text(lo, hi))
            } else {
                format!("`{}` is out of range: {}", f.name, problems.join("; "))
            },
        },
    )
}
