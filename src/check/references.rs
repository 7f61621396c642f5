//! `references`: referential integrity against another table's keys.
//!
//! **What it does.** Counts the non-null values of the field that have no match in
//! `references: { table, field }` and fails when their share exceeds `max_unmatched_rate`. The
//! counts come from one DataFusion anti-join that reads only the two key columns; the other table
//! is located with `--table NAME=SOURCE` or its contract entry's `source:`.
//!
//! **Why it matters.** Orphaned order lines (a customer that does not exist) vanish from every
//! inner join downstream without an error.
//!
//! **Defaults.** `max_unmatched_rate: 0.001` (0.1%); off unless `references` is given.

use super::{CheckId, CheckResult, Status, Subject, Verdict, pct};
use crate::contract::FieldContract;
use serde_json::json;

/// What the anti-join found.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceStats {
    /// Non-null keys in the checked slice.
    pub keys: u64,
    /// Of those, keys without a match.
    pub unmatched: u64,
    /// Up to ten unmatched values.
    pub examples: Vec<String>,
    /// The referenced table as read: its location and, for an Iceberg table, the snapshot.
    pub other: String,
    pub other_snapshot: Option<i64>,
}

pub fn check(s: &Subject<'_>, f: &FieldContract) -> Option<CheckResult> {
    let r = f.references.as_ref()?;
    let expected =
        json!({ "table": r.table, "field": r.field, "max_unmatched_rate": r.max_unmatched_rate });
    let expected_text = format!("<= {} unmatched", pct(r.max_unmatched_rate));
    let stats = match s.references.get(&f.name) {
        Some(Ok(st)) => st,
        other => {
            let why = match other {
                Some(Err(e)) => e.clone(),
                _ => format!("table `{}` was not located", r.table),
            };
            return Some(s.result(
                CheckId::References,
                Some(f),
                Verdict {
                    status: Status::Error,
                    observed: json!(null),
                    expected,
                    observed_text: "-".into(),
                    expected_text,
                    message: format!(
                        "cannot check `{}` against `{}.{}`: {why}",
                        f.name, r.table, r.field
                    ),
                },
            ));
        }
    };
    let rate = if stats.keys == 0 {
        0.0
    } else {
        stats.unmatched as f64 / stats.keys as f64
    };
    let ok = rate <= r.max_unmatched_rate;
    let examples: Vec<String> = stats.examples.iter().map(|e| format!("`{e}`")).collect();
    Some(s.result(
        CheckId::References,
        Some(f),
        Verdict {
            status: if ok { Status::Pass } else { Status::Fail },
            observed: json!({
                "keys": stats.keys,
                "unmatched": stats.unmatched,
                "unmatched_rate": rate,
                "examples": stats.examples,
                "referenced": { "source": stats.other, "snapshot": stats.other_snapshot },
            }),
            expected,
            observed_text: format!("{} ({} of {})", pct(rate), stats.unmatched, stats.keys),
            expected_text,
            message: if stats.unmatched == 0 {
                format!(
                    "every `{}` has a match in `{}.{}`",
                    f.name, r.table, r.field
                )
            } else {
                format!(
                    "{} of {} `{}` value(s) ({}) have no match in `{}.{}`, e.g. {}",
                    stats.unmatched,
                    stats.keys,
                    f.name,
                    pct(rate),
                    r.table,
                    r.field,
                    examples.join(", ")
                )
            },
        },
    ))
}
