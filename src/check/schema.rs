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

use super::{CheckResult, Status, Subject, Verdict};
use crate::contract::{FieldContract, TypeName};
use crate::profile::{FieldProfile, Kind};
use serde_json::json;

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

/// The column a missing field was most likely renamed to: a column no field of this table
/// entry names, of a type the contract accepts, whose name shares the most tokens with the
/// missing one (or equals it up to case and separators).
fn rename_candidate<'a>(s: &'a Subject<'_>, f: &FieldContract) -> Option<&'a str> {
    let named: Vec<&str> = s.table.fields.iter().map(|x| x.name.as_str()).collect();
    let want = tokens(&f.name);
    s.profile
        .schema
        .iter()
        .filter(|c| !named.contains(&c.name.as_str()))
        .filter(|c| f.r#type.is_none_or(|t| type_matches(t, c.kind)))
        .filter_map(|c| {
            let got = tokens(&c.name);
            let score = if got == want {
                usize::MAX
            } else {
                want.iter().filter(|t| got.contains(t)).count()
            };
            (score > 0).then_some((score, c.name.as_str()))
        })
        .max_by_key(|(score, _)| *score)
        .map(|(_, name)| name)
}

/// Emits `schema` (and `type`) results; returns the field's profile when it is present.
pub fn check<'a>(
    s: &'a Subject<'_>,
    f: &FieldContract,
    out: &mut Vec<CheckResult>,
) -> Option<&'a FieldProfile> {
    let Some(p) = super::field_profile(s, &f.name) else {
        let mut message = format!("field `{}` is missing from the table", f.name);
        if let Some(c) = rename_candidate(s, f) {
            message.push_str(&format!(" (was it renamed to `{c}`?)"));
        }
        out.push(s.result(
            "schema",
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
        "schema",
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
            "type",
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
