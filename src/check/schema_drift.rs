//! `schema_drift`: columns added, removed or retyped against the baseline, for every column of
//! the table, whether or not a contract names it.
//!
//! **What it does.** Compares the current slice's schema (every column, read from the source
//! without a scan) with the schema of the most recent slice of the baseline (a schema is a
//! state, not a distribution: a column added three days ago is not news today). One result per
//! changed column, its `field` the column: `added`, `removed`, or `retyped` (the Arrow type
//! changed; the result says when its kind, e.g. integer to string, changed too).
//!
//! **Why it matters.** Schema registries catch renames and drops of the columns they know; a
//! column appearing or changing type upstream is often the first sign of a semantic change
//! that no contract names yet.
//!
//! **Example.** `schema: { allow_new_columns: false }` on a table entry.
//!
//! **Defaults.** A warning for each change (`allow_new_columns`, `allow_removed_columns` and
//! `allow_type_changes` default to `true`); a key set to `false` makes that kind of change fail.
//! Nothing is reported when the schema did not change, except a pass when the entry declares
//! `schema:`. Without a baseline, only an entry that declares `schema:` warns that it was not
//! evaluated. A baseline slice stored without its schema (by an older Plimsoll) is no
//! baseline for it.

use super::{CheckId, CheckResult, Status, Subject, Verdict};
use crate::contract::SchemaPolicy;
use crate::profile::{Column, Kind};
use serde::Serialize;
use serde_json::json;

/// How a column changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Retyped,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Retyped => "retyped",
        }
    }
}

/// One changed column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchemaChange {
    pub column: String,
    pub change: ChangeKind,
    /// The column's Arrow type in the baseline (absent for an added column).
    pub baseline_type: Option<String>,
    pub baseline_kind: Option<Kind>,
    /// The column's Arrow type now (absent for a removed column).
    pub current_type: Option<String>,
    pub current_kind: Option<Kind>,
}

impl SchemaChange {
    /// The change for people: "`channel` added (string, Utf8View)".
    pub fn describe(&self) -> String {
        let ty = |k: Option<Kind>, t: &Option<String>| match (k, t) {
            (Some(k), Some(t)) => format!("{} ({t})", k.name()),
            _ => "-".into(),
        };
        match self.change {
            ChangeKind::Added => format!(
                "`{}` added: {}",
                self.column,
                ty(self.current_kind, &self.current_type)
            ),
            ChangeKind::Removed => format!(
                "`{}` removed: was {}",
                self.column,
                ty(self.baseline_kind, &self.baseline_type)
            ),
            ChangeKind::Retyped => format!(
                "`{}` retyped: {} -> {}",
                self.column,
                ty(self.baseline_kind, &self.baseline_type),
                ty(self.current_kind, &self.current_type)
            ),
        }
    }
}

/// The changes from the `baseline` schema to the `current` one: removed and retyped columns in
/// the baseline's order, then added ones in the current order.
pub fn changes(baseline: &[Column], current: &[Column]) -> Vec<SchemaChange> {
    let mut out = Vec::new();
    for b in baseline {
        match current.iter().find(|c| c.name == b.name) {
            None => out.push(SchemaChange {
                column: b.name.clone(),
                change: ChangeKind::Removed,
                baseline_type: Some(b.data_type.clone()),
                baseline_kind: Some(b.kind),
                current_type: None,
                current_kind: None,
            }),
            Some(c) if c.data_type != b.data_type => out.push(SchemaChange {
                column: b.name.clone(),
                change: ChangeKind::Retyped,
                baseline_type: Some(b.data_type.clone()),
                baseline_kind: Some(b.kind),
                current_type: Some(c.data_type.clone()),
                current_kind: Some(c.kind),
            }),
            Some(_) => {}
        }
    }
    for c in current {
        if !baseline.iter().any(|b| b.name == c.name) {
            out.push(SchemaChange {
                column: c.name.clone(),
                change: ChangeKind::Added,
                baseline_type: None,
                baseline_kind: None,
                current_type: Some(c.data_type.clone()),
                current_kind: Some(c.kind),
            });
        }
    }
    out
}

/// The schema a baseline is compared by: its most recent slice's, with that slice's name; `None`
/// when the slice was stored without one.
pub fn baseline_schema(b: &crate::baseline::Baseline) -> Option<(&str, &[Column])> {
    let last = b.slices.last()?;
    (!last.profile.schema.is_empty()).then_some((last.name.as_str(), &last.profile.schema[..]))
}

/// Whether a change of this kind is allowed (warns) under the policy.
fn allowed(p: &SchemaPolicy, c: ChangeKind) -> bool {
    match c {
        ChangeKind::Added => p.allow_new_columns,
        ChangeKind::Removed => p.allow_removed_columns,
        ChangeKind::Retyped => p.allow_type_changes,
    }
}

pub fn check(s: &Subject<'_>) -> Vec<CheckResult> {
    let declared = s.table.schema;
    let policy = declared.unwrap_or_else(|| SchemaPolicy::lenient(s.table.line));
    let line = policy.line;
    let expected = json!({
        "allow_new_columns": policy.allow_new_columns,
        "allow_removed_columns": policy.allow_removed_columns,
        "allow_type_changes": policy.allow_type_changes,
    });
    let Some((slice, before)) = s.baseline.and_then(baseline_schema) else {
        if declared.is_none() {
            return Vec::new();
        }
        let why = if s.baseline.is_some() {
            "the baseline's latest slice was stored without its schema".to_string()
        } else {
            s.no_baseline_reason.to_string()
        };
        return vec![s.result_at(
            CheckId::SchemaDrift,
            None,
            line,
            Verdict {
                status: Status::Warn,
                observed: json!(null),
                expected,
                observed_text: "not evaluated".into(),
                expected_text: "-".into(),
                message: format!("not evaluated: no baseline schema ({why})"),
            },
        )];
    };
    let found = changes(before, &s.profile.schema);
    if found.is_empty() {
        if declared.is_none() {
            return Vec::new();
        }
        return vec![s.result_at(
            CheckId::SchemaDrift,
            None,
            line,
            Verdict {
                status: Status::Pass,
                observed: json!({ "changes": [], "baseline_slice": slice }),
                expected,
                observed_text: "unchanged".into(),
                expected_text: "-".into(),
                message: format!(
                    "the {} columns are those of the baseline (`{slice}`), with the same types",
                    s.profile.schema.len()
                ),
            },
        )];
    }
    found
        .iter()
        .map(|c| {
            let ok = allowed(&policy, c.change);
            let key = match c.change {
                ChangeKind::Added => "allow_new_columns",
                ChangeKind::Removed => "allow_removed_columns",
                ChangeKind::Retyped => "allow_type_changes",
            };
            let kind_changed = c.change == ChangeKind::Retyped && c.baseline_kind != c.current_kind;
            let mut message = format!("{} against the baseline (`{slice}`)", c.describe());
            if kind_changed {
                message.push_str("; its kind changed too");
            }
            if ok {
                message.push_str(&format!(
                    "; a warning (`schema: {{ {key}: false }}` makes it fail)"
                ));
            } else {
                message.push_str(&format!("; fails under `schema: {{ {key}: false }}`"));
            }
            let mut r = s.result_at(
                CheckId::SchemaDrift,
                None,
                line,
                Verdict {
                    status: if ok { Status::Warn } else { Status::Fail },
                    observed: json!({
                        "change": c.change,
                        "baseline_type": c.baseline_type,
                        "current_type": c.current_type,
                        "baseline_slice": slice,
                    }),
                    expected: json!({ key: ok }),
                    observed_text: c.change.as_str().to_string(),
                    expected_text: if ok {
                        "warn on change".into()
                    } else {
                        format!("{key}: false")
                    },
                    message,
                },
            );
            r.field = Some(c.column.clone());
            r
        })
        .collect()
}
