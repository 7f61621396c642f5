//! Checks that compare with a baseline: `row_count`, `drift` (PSI) and `references`.
//!
//! **What they do.** `row_count` compares today's rows with the mean of the previous
//! `baseline_days` partitions (defaults 7, 0.8, 2.0); `drift` compares a field's distribution
//! with the baseline's (PSI > 0.2 fails, > 0.1 warns); `references` measures orphaned keys
//! against another table (default 0.1%).
//!
//! **Status in this release.** Contracts may declare them and `lint` validates them, but this
//! build has no baseline store yet: each declared check reports `warn` with "not evaluated", so
//! a run never passes silently on a check it did not do.

use super::{CheckResult, Status, Subject, Verdict};
use crate::contract::FieldContract;
use serde_json::json;

fn not_evaluated(
    s: &Subject<'_>,
    check: &'static str,
    f: Option<&FieldContract>,
    what: &str,
) -> CheckResult {
    s.result(
        check,
        f,
        Verdict {
            status: Status::Warn,
            observed: json!(null),
            expected: json!(null),
            observed_text: "not evaluated".into(),
            expected_text: "-".into(),
            message: format!(
                "not evaluated: {what} needs a baseline, which this build does not compute yet"
            ),
        },
    )
}

pub fn table_checks(s: &Subject<'_>) -> Vec<CheckResult> {
    let mut out = Vec::new();
    if s.table.row_count.is_some() {
        out.push(not_evaluated(s, "row_count", None, "the row-count check"));
    }
    out
}

pub fn field_checks(s: &Subject<'_>, f: &FieldContract) -> Vec<CheckResult> {
    let mut out = Vec::new();
    if f.drift.is_some() {
        out.push(not_evaluated(s, "drift", Some(f), "PSI"));
    }
    if f.references.is_some() {
        out.push(not_evaluated(
            s,
            "references",
            Some(f),
            "referential integrity (the other table's keys)",
        ));
    }
    out
}
