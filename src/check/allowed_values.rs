//! `allowed_values`: every value belongs to a declared set.
//!
//! **What it does.** Lists the values outside `allowed_values` with their counts. Value counts
//! are exact while the column has at most 1,024 distinct values (any enum); beyond that the
//! frequent-values summary keeps every value more frequent than its error bound, and the result
//! says the counts are lower bounds and rarer values may be missing.
//!
//! **Why it matters.** A producer adding a `status` value breaks every consumer's `CASE`
//! statement and dashboard filter; new values must be announced before they ship.
//!
//! **Example.** `allowed_values: [pending, confirmed, shipped]` on `status` fails when a row
//! holds `cancelled`, naming it with its count.
//!
//! Values are compared as text with the column's values as the profile writes them: integers
//! in decimal (`42`, `-7`), booleans as `true`/`false`, dates as `YYYY-MM-DD`, strings as
//! stored. The contract parser keeps every allowed value in that form (see
//! `contract::parse::allowed_value`): a `string` field's `02139` stays `02139`, and a value that
//! could never match its field's type (`1.50` on an `integer` field) is a contract problem, not a
//! value that silently never matches.
//!
//! **Defaults.** Off unless `allowed_values` is given; any unexpected value fails.
//!
//! **ODCS rules.** An `invalidValues` rule with `validValues` (in `invalid_values`) bounds the
//! number of non-null values outside the valid ones, in rows or as a percentage of the rows:
//! the count is exact while the value counts are, else bounded by the frequent-values
//! summary's error (a verdict the bounds cannot give is a warning). A rule that allows no
//! invalid value is this check's `allowed_values`.

use super::{CheckId, CheckResult, Status, Subject, Verdict, count_verdict};
use crate::contract::{CountRule, FieldContract};
use crate::profile::FieldProfile;
use crate::profile::sketch::FREQUENT_CAPACITY;
use serde_json::json;

/// How many unexpected values the message names.
const SHOWN: usize = 10;

pub fn check(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Vec<CheckResult> {
    let mut out: Vec<CheckResult> = allowed(s, f, p).into_iter().collect();
    out.extend(f.invalid_values.iter().map(|r| rule(s, f, p, r)));
    out
}

/// An `invalidValues` rule: the non-null values outside `r.values`, counted.
fn rule(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile, r: &CountRule) -> CheckResult {
    let Some(freq) = &p.frequent else {
        return super::uncountable(s, CheckId::AllowedValues, f, p, r, "valid values");
    };
    let mut valid: Vec<&String> = r.values.iter().collect();
    valid.sort();
    valid.dedup();
    let (mut vlo, mut vhi) = (0u64, 0u64);
    for v in valid {
        let (a, b) = freq.count_bounds(v, p.count);
        vlo += a;
        vhi += b;
    }
    let (lo, hi) = (
        p.count.saturating_sub(vhi.min(p.count)),
        p.count.saturating_sub(vlo),
    );
    let what = format!(
        "invalid value(s) in `{}` (outside its {} valid value(s))",
        f.name,
        r.values.len()
    );
    s.result_at(
        CheckId::AllowedValues,
        Some(f),
        r.line,
        count_verdict(r, lo, hi, p.rows(), &what),
    )
}

/// `allowed_values`: no value outside the list.
fn allowed(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Option<CheckResult> {
    let allowed = f.allowed_values.as_ref()?;
    let expected = json!(allowed);
    let expected_text = format!("{} value(s)", allowed.len());
    let Some(freq) = &p.frequent else {
        return Some(s.result(
            CheckId::AllowedValues,
            Some(f),
            Verdict {
                status: Status::Error,
                observed: json!(null),
                expected,
                observed_text: "-".into(),
                expected_text,
                message: format!(
                    "`{}` is {} ({}); allowed values are checked on strings, integers, booleans and dates",
                    f.name,
                    p.kind.name(),
                    p.data_type
                ),
            },
        ));
    };
    let mut unexpected: Vec<(String, u64)> = freq
        .iter()
        .filter(|(v, c)| **c > 0 && !allowed.contains(v))
        .map(|(v, c)| (v.clone(), *c))
        .collect();
    unexpected.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let exact = freq.is_exact();
    let rows: u64 = unexpected.iter().map(|u| u.1).sum();
    let listed: Vec<String> = unexpected
        .iter()
        .take(SHOWN)
        .map(|(v, c)| format!("`{v}` ({c})"))
        .collect();
    let more = unexpected.len().saturating_sub(SHOWN);
    let (status, message) = if !unexpected.is_empty() {
        (
            Status::Fail,
            format!(
                "`{}` has {}{} unexpected value(s) in {}{rows} row(s): {}{}",
                f.name,
                if exact { "" } else { "at least " },
                unexpected.len(),
                if exact { "" } else { "at least " },
                listed.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
        )
    } else if exact {
        (
            Status::Pass,
            format!("every value of `{}` is allowed", f.name),
        )
    } else if allowed.len() < FREQUENT_CAPACITY {
        // The summary overflowed, so the column has more distinct values than are allowed.
        (
            Status::Fail,
            format!(
                "`{}` has more than {FREQUENT_CAPACITY} distinct values (about {}) but only {} are allowed; the unexpected ones are too rare to name",
                f.name,
                p.distinct.estimate(),
                allowed.len()
            ),
        )
    } else {
        (
            Status::Warn,
            format!(
                "`{}` has too many distinct values to count them all; no unexpected value is more frequent than {} row(s)",
                f.name,
                freq.error_bound()
            ),
        )
    };
    Some(s.result(
        CheckId::AllowedValues,
        Some(f),
        Verdict {
            status,
            observed: json!({
                "unexpected": unexpected.iter().map(|(v, c)| json!({ "value": v, "count": c })).collect::<Vec<_>>(),
                "exact": exact,
            }),
            expected,
            observed_text: if unexpected.is_empty() {
                "none unexpected".into()
            } else {
                format!("{} unexpected", unexpected.len())
            },
            expected_text,
            message,
        },
    ))
}
