//! `duplicates`: no two rows share a table-level `unique` key, counted exactly.
//!
//! **What it does.** For each key of the table entry's `unique` (one column, several columns
//! together, or a list of such keys), counts the rows that repeat a key another row holds:
//! `duplicate rows = rows with a non-null key - distinct keys`, and fails when
//! `duplicate rows / rows` (all the slice's rows) exceeds `max_duplicate_rate`. The result
//! shows the duplicate rows, the distinct keys held by more than one row, the rate, and up to
//! five of the most repeated keys with their counts. A key column missing from the table is
//! this check's error (the run goes on).
//!
//! Nulls follow SQL `UNIQUE`: a row with a null in any key column never collides with another;
//! such rows count in the rows (the rate's denominator) but are never duplicates.
//!
//! **Why it matters.** A retry that writes every row twice passes every distribution check and
//! doubles every sum downstream.
//!
//! **How.** One DataFusion aggregate over the key columns only (`GROUP BY key`, then the
//! groups summed), on the same slice the profile reads; a second one for the examples when
//! there are duplicates. Unlike the field-level `unique: true` (from the profile's distinct
//! sketch, exact only up to 100,000 values), this is exact at any size.
//!
//! **Example.** `unique: [order_id, line_no]` with `max_duplicate_rate: 0.001`.
//!
//! **Defaults.** Off unless `unique` is given on the table entry; `max_duplicate_rate: 0` (any
//! duplicate fails).
//!
//! The result's `field` is the key's columns joined with `,` (`order_id,line_no`).

use super::{CheckId, CheckResult, Status, Subject, Verdict, pct};
use crate::contract::{DEFAULT_MAX_DUPLICATE_RATE, UniqueKey};
use serde_json::json;

/// What the duplicate count of one key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateStats {
    /// The key's columns.
    pub key: Vec<String>,
    /// Rows of the slice.
    pub rows: u64,
    /// Rows with a null in at least one key column (never duplicates).
    pub null_key_rows: u64,
    /// Distinct non-null keys.
    pub distinct_keys: u64,
    /// Distinct keys held by more than one row.
    pub duplicated_keys: u64,
    /// Rows that repeat a key another row holds: rows with a non-null key less distinct keys.
    pub duplicate_rows: u64,
    /// Up to five duplicated keys (the key's values as text) with their row counts, most
    /// repeated first.
    pub examples: Vec<(Vec<String>, u64)>,
}

impl DuplicateStats {
    /// Duplicate rows over all rows (0 for an empty slice).
    pub fn rate(&self) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            self.duplicate_rows as f64 / self.rows as f64
        }
    }
}

pub fn check(s: &Subject<'_>) -> Vec<CheckResult> {
    s.table.unique.iter().map(|k| one(s, k)).collect()
}

fn one(s: &Subject<'_>, k: &UniqueKey) -> CheckResult {
    let max = s
        .table
        .max_duplicate_rate
        .unwrap_or(DEFAULT_MAX_DUPLICATE_RATE);
    let shown = k
        .columns
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let expected = json!({ "key": k.columns, "max_duplicate_rate": max });
    let expected_text = if max == 0.0 {
        "no duplicates".to_string()
    } else {
        format!("<= {} duplicate rows", pct(max))
    };
    let verdict = match s.duplicates.get(&k.columns) {
        Some(Ok(st)) => {
            let rate = st.rate();
            let examples: Vec<String> = st
                .examples
                .iter()
                .map(|(v, n)| match v.as_slice() {
                    [one] => format!("`{one}` ({n} rows)"),
                    _ => format!("({}) ({n} rows)", v.join(", ")),
                })
                .collect();
            let ok = rate <= max;
            let nulls = if st.null_key_rows > 0 {
                format!(
                    "; {} row(s) with a null in the key never collide",
                    st.null_key_rows
                )
            } else {
                String::new()
            };
            Verdict {
                status: if ok { Status::Pass } else { Status::Fail },
                observed: json!({
                    "key": st.key,
                    "rows": st.rows,
                    "null_key_rows": st.null_key_rows,
                    "distinct_keys": st.distinct_keys,
                    "duplicated_keys": st.duplicated_keys,
                    "duplicate_rows": st.duplicate_rows,
                    "duplicate_rate": rate,
                    "examples": st.examples.iter().map(|(v, n)| json!({ "key": v, "count": n })).collect::<Vec<_>>(),
                }),
                expected,
                observed_text: format!("{} ({} of {} rows)", pct(rate), st.duplicate_rows, st.rows),
                expected_text,
                message: if st.duplicate_rows == 0 {
                    format!(
                        "no two of {} rows share [{shown}] ({} distinct keys{nulls})",
                        st.rows, st.distinct_keys
                    )
                } else {
                    format!(
                        "{} duplicate row(s) of [{shown}] ({} of {} rows), {} key(s) held by more than one row, e.g. {}{nulls}",
                        st.duplicate_rows,
                        pct(rate),
                        st.rows,
                        st.duplicated_keys,
                        examples.join(", ")
                    )
                },
            }
        }
        other => Verdict {
            status: Status::Error,
            observed: json!(null),
            expected,
            observed_text: "-".into(),
            expected_text,
            message: format!(
                "cannot count the duplicates of [{shown}]: {}",
                match other {
                    Some(Err(e)) => e.clone(),
                    _ => "they were not counted".into(),
                }
            ),
        },
    };
    let mut r = s.result_at(CheckId::Duplicates, None, k.line, verdict);
    r.field = Some(k.name());
    r
}
