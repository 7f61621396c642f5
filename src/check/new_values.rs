//! `new_values`: values the baseline never had (enum growth).
//!
//! **What it does.** Compares the field's values with the baseline's value set (the union of
//! its slices) and fails when more than `max_new_values` values appear that the baseline never
//! had, listing them with their counts (the first 10 in the message, up to 100 in the JSON)
//! and the values that vanished (in the baseline, not now).
//!
//! Value sets come from the profiles' frequent-values summaries, which hold every value with
//! its exact count while a column has at most 1,024 distinct values (any enum). When the
//! baseline's set is not exact (more distinct values than that), which values are new cannot
//! be known: the check warns that it was not evaluated rather than guessing. When only the
//! current set is not exact, the values it kept that the baseline lacks are certainly new, and
//! the distinct counts give a lower bound on how many there are; a verdict those cannot give
//! is a warning. Vanished values are listed only when the current set is exact.
//!
//! **Why it matters.** `status` gaining forty values nobody announced breaks every `CASE`
//! statement and dashboard filter downstream, without any contract having to list the values.
//!
//! **Example.** `max_new_values: 0` on `status`: any value the last 7 days never had fails.
//!
//! **Defaults.** Off unless `max_new_values` is given; needs a baseline (a warning without one).
//! Values are compared as the profile writes them (see `allowed_values`).

use super::{CheckId, CheckResult, Status, Subject, Verdict, no_baseline};
use crate::contract::FieldContract;
use crate::profile::FieldProfile;
use crate::profile::sketch::FREQUENT_CAPACITY;
use serde_json::json;
use std::collections::BTreeSet;

/// How many values the message names.
const SHOWN: usize = 10;
/// How many values the JSON lists.
const LISTED: usize = 100;

pub fn check(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Option<CheckResult> {
    let max = f.max_new_values?;
    if s.baseline_profile.is_none() {
        return Some(no_baseline(s, CheckId::NewValues, Some(f)));
    }
    let expected = json!({ "max_new_values": max });
    let expected_text = format!("at most {max} new");
    let warn = |status: Status, message: String| {
        s.result(
            CheckId::NewValues,
            Some(f),
            Verdict {
                status,
                observed: json!(null),
                expected: expected.clone(),
                observed_text: "not evaluated".into(),
                expected_text: expected_text.clone(),
                message,
            },
        )
    };
    let Some(base) = s.baseline_profile.and_then(|b| b.field(&f.name)) else {
        return Some(warn(
            Status::Warn,
            format!(
                "not evaluated: the baseline has no `{}` to compare values with",
                f.name
            ),
        ));
    };
    let (Some(cur), Some(bfreq)) = (&p.frequent, &base.frequent) else {
        return Some(warn(
            Status::Error,
            format!(
                "`{}` is {} ({}); new values are counted on strings, integers, booleans and dates",
                f.name,
                p.kind.name(),
                p.data_type
            ),
        ));
    };
    if !bfreq.is_exact() {
        return Some(warn(
            Status::Warn,
            format!(
                "not evaluated: the baseline has more than {FREQUENT_CAPACITY} distinct values of `{}` (about {}), so its value set is not known exactly and new values cannot be told",
                f.name,
                base.distinct.estimate()
            ),
        ));
    }
    let before: BTreeSet<&String> = bfreq.iter().filter(|(_, c)| **c > 0).map(|x| x.0).collect();
    let mut new: Vec<(String, u64)> = cur
        .iter()
        .filter(|(v, c)| **c > 0 && !before.contains(v))
        .map(|(v, c)| (v.clone(), *c))
        .collect();
    new.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let exact = cur.is_exact();
    let vanished: Option<Vec<String>> = exact.then(|| {
        let now: BTreeSet<&String> = cur.iter().filter(|(_, c)| **c > 0).map(|x| x.0).collect();
        before
            .iter()
            .filter(|v| !now.contains(*v))
            .map(|v| v.to_string())
            .collect()
    });
    // Without an exact current set: every value beyond the baseline's count is new.
    let at_least = if exact {
        new.len() as u64
    } else {
        let distinct = p.distinct.estimate();
        let floor = if p.distinct.is_exact() {
            distinct.saturating_sub(before.len() as u64)
        } else {
            0
        };
        (new.len() as u64).max(floor)
    };
    let status = if at_least > max {
        Status::Fail
    } else if exact {
        Status::Pass
    } else {
        Status::Warn
    };
    let listed: Vec<String> = new
        .iter()
        .take(SHOWN)
        .map(|(v, c)| format!("`{v}` ({c})"))
        .collect();
    let more = new.len().saturating_sub(SHOWN);
    let count_text = if exact {
        at_least.to_string()
    } else {
        format!("at least {at_least}")
    };
    let mut message = if new.is_empty() && exact {
        format!("`{}` has no value the baseline never had", f.name)
    } else if new.is_empty() {
        format!(
            "`{}` has {count_text} value(s) the baseline never had, too rare to name",
            f.name
        )
    } else {
        format!(
            "`{}` has {count_text} value(s) the baseline never had: {}{}",
            f.name,
            listed.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    };
    if status == Status::Fail {
        message.push_str(&format!(" (at most {max} allowed)"));
    } else if status == Status::Warn {
        message.push_str(&format!(
            "; `{}` has more than {FREQUENT_CAPACITY} distinct values now, so rarer new values may be missing and whether at most {max} are new cannot be told",
            f.name
        ));
    }
    match &vanished {
        Some(v) if !v.is_empty() => {
            let shown: Vec<String> = v.iter().take(SHOWN).map(|x| format!("`{x}`")).collect();
            let more = v.len().saturating_sub(SHOWN);
            message.push_str(&format!(
                "; vanished: {}{}",
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
        _ => {}
    }
    if let Some(note) = s.baseline.and_then(|b| b.exclusion_note(&f.name)) {
        message.push_str(&format!("; {note}"));
    }
    let observed = json!({
        "new_count": at_least,
        "new": new.iter().take(LISTED).map(|(v, c)| json!({ "value": v, "count": c })).collect::<Vec<_>>(),
        "vanished_count": vanished.as_ref().map(Vec::len),
        "vanished": vanished.as_ref().map(|v| v.iter().take(LISTED).collect::<Vec<_>>()),
        "baseline_values": before.len(),
        "exact": exact,
    });
    Some(s.result(
        CheckId::NewValues,
        Some(f),
        Verdict {
            status,
            observed,
            expected,
            observed_text: format!("{count_text} new"),
            expected_text,
            message,
        },
    ))
}
