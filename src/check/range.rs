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
//! **Defaults.** Off unless `constraints` is given; any value outside fails. A bound read from
//! an ODCS `exclusiveMinimum`/`exclusiveMaximum` excludes the bound itself.

use super::{CheckId, CheckResult, Status, Subject, Verdict, text};
use crate::contract::{Constraints, FieldContract};
use crate::profile::FieldProfile;
use serde_json::json;

pub fn check(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Vec<CheckResult> {
    let Some(c) = &f.constraints else {
        return vec![];
    };
    let mut out = Vec::new();
    if c.min.is_some() || c.max.is_some() {
        out.push(numeric(s, f, p, c));
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

/// Numeric bounds for people: `[0, 100]`, `>= 0`, and with exclusive ends `(0, 100]`, `> 0`.
fn range_text(c: &Constraints) -> String {
    match (c.min, c.max, c.min_exclusive, c.max_exclusive) {
        (_, _, false, false) => bounds_text(c.min, c.max),
        (Some(l), Some(h), lx, hx) => format!(
            "{}{l}, {h}{}",
            if lx { "(" } else { "[" },
            if hx { ")" } else { "]" }
        ),
        (Some(l), None, _, _) => format!("> {l}"),
        (None, Some(h), _, _) => format!("< {h}"),
        (None, None, _, _) => "-".into(),
    }
}

fn numeric(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile, c: &Constraints) -> CheckResult {
    let (lo, hi) = (c.min, c.max);
    let mut expected = json!({ "min": lo, "max": hi });
    if c.min_exclusive {
        expected["min_exclusive"] = json!(true);
    }
    if c.max_exclusive {
        expected["max_exclusive"] = json!(true);
    }
    let expected_text = range_text(c);
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
        && (m < lo || (c.min_exclusive && m == lo))
    {
        let how = if m == lo { "is not above" } else { "is below" };
        problems.push(format!("minimum {} {how} {lo}", text(&min)));
    }
    if let (Some(hi), Some(m)) = (hi, n.max)
        && (m > hi || (c.max_exclusive && m == hi))
    {
        let how = if m == hi { "is not below" } else { "is above" };
        problems.push(format!("maximum {} {how} {hi}", text(&max)));
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
                format!("`{}` lies within {}", f.name, range_text(c))
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
