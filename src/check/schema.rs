//! `schema` and `type`: the field exists, and its type means what the contract says.
//!
//! **What it does.** `schema` fails when a field the consumer depends on is missing from the
//! table. `type` (when the field declares `type:`) fails when the column's type does not match
//! by meaning: `string` is any of Utf8, LargeUtf8, Utf8View or a dictionary of strings;
//! `integer` is any signed or unsigned integer; `number` is any integer, float or decimal;
//! `decimal`, `boolean`, `timestamp` (any unit, with or without time zone), `date` (Date32 or
//! Date64) and `binary` match their Arrow families.
//!
//! **Why it matters.** Renames, drops and type changes break consumers outright; this is the
//! check a schema registry would do, run against the data itself.
//!
//! **Defaults.** Always on for every listed field; any mismatch fails.

use super::{CheckId, CheckResult, Status, Subject, Verdict};
use crate::contract::{FieldContract, TypeName};
use crate::profile::{Column, FieldProfile, Kind};
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// Does a column of this kind satisfy the declared type?
pub fn type_matches(declared: TypeName, kind: Kind) -> bool {
    match declared {
        TypeName::String => kind == Kind::String,
        TypeName::Integer => kind == Kind::Integer,
        TypeName::Number => kind.is_numeric(),
        TypeName::Decimal => kind == Kind::Decimal,
        TypeName::Boolean => kind == Kind::Boolean,
        TypeName::Timestamp => kind == Kind::Timestamp,
        TypeName::Date => kind == Kind::Date,
        TypeName::Binary => kind == Kind::Binary,
    }
}

/// Lower-case name tokens split on `_`, `-`, `.` and spaces.
fn tokens(name: &str) -> Vec<String> {
    name.split(['_', '-', '.', ' '])
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// What the schema check looks up, indexed once per table entry so that a contract with many
/// fields against a table with many columns costs a hash lookup per field, not a scan.
pub struct Lookup<'a> {
    fields: HashMap<&'a str, &'a FieldProfile>,
    /// Columns no field of the entry names: the rename candidates.
    unnamed: Vec<&'a Column>,
    /// Token -> the unnamed columns whose name has it.
    by_token: HashMap<String, Vec<usize>>,
}

impl<'a> Lookup<'a> {
    pub fn new(s: &'a Subject<'_>) -> Self {
        let named: HashSet<&str> = s.table.fields.iter().map(|x| x.name.as_str()).collect();
        let unnamed: Vec<&Column> = s
            .profile
            .schema
            .iter()
            .filter(|c| !named.contains(c.name.as_str()))
            .collect();
        let mut by_token: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in unnamed.iter().enumerate() {
            let mut toks = tokens(&c.name);
            toks.dedup();
            for t in toks {
                by_token.entry(t).or_default().push(i);
            }
        }
        Lookup {
            fields: s
                .profile
                .fields
                .iter()
                .map(|f| (f.name.as_str(), f))
                .collect(),
            unnamed,
            by_token,
        }
    }

    pub fn field(&self, name: &str) -> Option<&'a FieldProfile> {
        self.fields.get(name).copied()
    }

    /// The column a missing field was most likely renamed to: a column no field of this table
    /// entry names, of a type the contract accepts, whose name shares the most tokens with the
    /// missing one (or equals it up to case and separators).
    fn rename_candidate(&self, f: &FieldContract) -> Option<&'a str> {
        let mut want = tokens(&f.name);
        let whole = want.clone();
        want.sort();
        want.dedup();
        let mut scores: HashMap<usize, usize> = HashMap::new();
        for t in &want {
            for &i in self.by_token.get(t).into_iter().flatten() {
                *scores.entry(i).or_default() += 1;
            }
        }
        scores
            .into_iter()
            .map(|(i, score)| {
                let c = self.unnamed[i];
                let score = if tokens(&c.name) == whole {
                    usize::MAX
                } else {
                    score
                };
                (score, i, c)
            })
            .filter(|(_, _, c)| f.r#type.is_none_or(|t| type_matches(t, c.kind)))
            .max_by_key(|(score, i, _)| (*score, *i))
            .map(|(_, _, c)| c.name.as_str())
    }
}

/// Emits `schema` (and `type`) results; returns the field's profile when it is present.
pub fn check<'a>(
    s: &Subject<'_>,
    lookup: &Lookup<'a>,
    f: &FieldContract,
    out: &mut Vec<CheckResult>,
) -> Option<&'a FieldProfile> {
    let Some(p) = lookup.field(&f.name) else {
        let mut message = format!("field `{}` is missing from the table", f.name);
        if let Some(c) = lookup.rename_candidate(f) {
            message.push_str(&format!(" (was it renamed to `{c}`?)"));
        }
        out.push(s.result(
            CheckId::Schema,
            Some(f),
            Verdict {
                status: Status::Fail,
                observed: json!(null),
                expected: json!("present"),
                observed_text: "missing".into(),
                expected_text: "present".into(),
                message,
            },
        ));
        return None;
    };
    out.push(s.result(
        CheckId::Schema,
        Some(f),
        Verdict {
            status: Status::Pass,
            observed: json!("present"),
            expected: json!("present"),
            observed_text: "present".into(),
            expected_text: "present".into(),
            message: format!("field `{}` is present", f.name),
        },
    ));
    if let Some(t) = f.r#type {
        let ok = type_matches(t, p.kind);
        out.push(s.result(
            CheckId::Type,
            Some(f),
            Verdict {
                status: if ok { Status::Pass } else { Status::Fail },
                observed: json!(p.kind.name()),
                expected: json!(t.name()),
                observed_text: format!("{} ({})", p.kind.name(), p.data_type),
                expected_text: t.name().into(),
                message: if ok {
                    format!(
                        "`{}` is {} ({}), as expected",
                        f.name,
                        p.kind.name(),
                        p.data_type
                    )
                } else {
                    format!(
                        "`{}` is {} ({}) but the contract expects {}",
                        f.name,
                        p.kind.name(),
                        p.data_type,
                        t.name()
                    )
                },
            },
        ));
    }
    Some(p)
}
