//! Which results are of row-level rules, and the rows each selects: the rule's condition as the
//! contract states it (a bound, a list of values, a reference, a key), never a value read from
//! the profile.

use crate::check::{CheckId, CheckResult};
use crate::contract::{Constraints, CountRule, FieldContract, TableContract};
use crate::profile::Kind;
use crate::run::{CheckPlan, TablePlan};
use arrow::datatypes::{DataType, Schema};
use datafusion::common::Column;
use datafusion::functions::expr_fn::{character_length, concat, isnan, octet_length};
use datafusion::logical_expr::{Case, Expr, cast, lit};

/// The rows a row-level result stands for.
#[derive(Debug, Clone)]
pub enum Rule {
    /// Rows where `predicate` holds, each with its `reason` (a Utf8 expression).
    Rows { predicate: Expr, reason: Expr },
    /// Rows whose non-null `field` has no match in `table.other_field` (the table is located as
    /// the `references` check located it).
    Unmatched {
        field: String,
        table: String,
        other_field: String,
    },
    /// Every row of a key (one or more columns, all non-null) that occurs more than once.
    Duplicates { keys: Vec<String> },
}

/// A column by its name as written (no parsing of dots or case).
pub fn column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

/// A value as the reason shows it: strings quoted, anything else as Arrow writes it as text.
fn shown(name: &str, kind: Kind) -> Expr {
    let text = cast(column(name), DataType::Utf8);
    if kind == Kind::String {
        concat(vec![lit("'"), text, lit("'")])
    } else {
        text
    }
}

/// `` `field` = <value><what> ``.
fn reason(name: &str, kind: Kind, what: String) -> Expr {
    concat(vec![
        lit(format!("`{name}` = ")),
        shown(name, kind),
        lit(what),
    ])
}

/// The rule behind a result, when it is row-level: `None` for table-level checks, for checks
/// that are not about rows (drift, cardinality), and for a failure the rows do not carry (a
/// numeric bound on a string column).
pub fn of(plan: &CheckPlan, t: &TablePlan, r: &CheckResult, schema: &Schema) -> Option<Rule> {
    let entry = entry_of(plan, t, r)?;
    if r.check == CheckId::Duplicates {
        // A table-level `unique` key: its result names the key's columns joined by `,`.
        let key = entry.unique.iter().find(|k| Some(k.name()) == r.field)?;
        let present = key
            .columns
            .iter()
            .all(|c| schema.field_with_name(c).is_ok());
        return present.then(|| Rule::Duplicates {
            keys: key.columns.clone(),
        });
    }
    let f = entry
        .fields
        .iter()
        .find(|f| Some(&f.name) == r.field.as_ref())?;
    let data_type = schema.field_with_name(&f.name).ok()?.data_type().clone();
    let kind = Kind::of(&data_type);
    let line = r.contract_line;
    match r.check {
        CheckId::NullRate => Some(nulls(
            f,
            f.null_values.iter().find(|n| n.line == line),
            kind,
        )),
        CheckId::Range => {
            let c = f.constraints.as_ref()?;
            if r.expected.get("min_length").is_some() {
                lengths(f, c, &data_type, kind)
            } else {
                numbers(f, c, kind)
            }
        }
        CheckId::AllowedValues => {
            let kinds = [Kind::String, Kind::Integer, Kind::Boolean, Kind::Date];
            if !kinds.contains(&kind) {
                return None;
            }
            match f.invalid_values.iter().find(|v| v.line == line) {
                Some(rule) => Some(outside(f, &rule.values, kind, "is not a valid value")),
                None => Some(outside(
                    f,
                    f.allowed_values.as_ref()?,
                    kind,
                    "is not an allowed value",
                )),
            }
        }
        CheckId::References => {
            let refs = f.references.as_ref()?;
            Some(Rule::Unmatched {
                field: f.name.clone(),
                table: refs.table.clone(),
                other_field: refs.field.clone(),
            })
        }
        CheckId::Unique => Some(Rule::Duplicates {
            keys: vec![f.name.clone()],
        }),
        _ => None,
    }
}

/// The contract entry a result of this table came from.
fn entry_of<'a>(plan: &'a CheckPlan, t: &TablePlan, r: &CheckResult) -> Option<&'a TableContract> {
    t.entries.iter().find_map(|(ci, ti)| {
        let c = &plan.contracts[*ci];
        let e = &c.tables[*ti];
        (c.consumer == r.consumer
            && c.path.display().to_string() == r.contract_file
            && e.table == r.table)
            .then_some(e)
    })
}

/// Nulls; with an ODCS `missingValues` rule, also its listed values.
fn nulls(f: &FieldContract, rule: Option<&CountRule>, kind: Kind) -> Rule {
    let name = &f.name;
    let is_null = column(name).is_null();
    let null_reason = lit(format!("`{name}` is null"));
    let missing: Vec<Expr> = rule
        .map(|r| r.values.iter().map(|v| lit(v.as_str())).collect())
        .unwrap_or_default();
    if missing.is_empty() {
        return Rule::Rows {
            predicate: is_null,
            reason: null_reason,
        };
    }
    let listed = cast(column(name), DataType::Utf8).in_list(missing, false);
    Rule::Rows {
        predicate: is_null.clone().or(listed),
        reason: case(
            vec![(is_null, null_reason)],
            Some(reason(name, kind, " is a missing value".into())),
        ),
    }
}

/// `min`/`max`: the values outside, NaN always (as the `range` check counts them).
fn numbers(f: &FieldContract, c: &Constraints, kind: Kind) -> Option<Rule> {
    if !kind.is_numeric() || (c.min.is_none() && c.max.is_none()) {
        return None;
    }
    let name = &f.name;
    let x = cast(column(name), DataType::Float64);
    // (condition, reason), in the order a value is explained.
    let mut cases: Vec<(Expr, Expr)> = Vec::new();
    if kind == Kind::Float {
        cases.push((isnan(column(name)), lit(format!("`{name}` is NaN"))));
    }
    if let Some(lo) = c.min {
        let (cond, what) = if c.min_exclusive {
            (x.clone().lt_eq(lit(lo)), format!(" is not above min {lo}"))
        } else {
            (x.clone().lt(lit(lo)), format!(" is below min {lo}"))
        };
        cases.push((cond, reason(name, kind, what)));
    }
    if let Some(hi) = c.max {
        let (cond, what) = if c.max_exclusive {
            (x.clone().gt_eq(lit(hi)), format!(" is not below max {hi}"))
        } else {
            (x.clone().gt(lit(hi)), format!(" is above max {hi}"))
        };
        cases.push((cond, reason(name, kind, what)));
    }
    Some(rows_of(cases))
}

/// `min_length`/`max_length`: characters of a string, bytes of a binary.
fn lengths(f: &FieldContract, c: &Constraints, data_type: &DataType, kind: Kind) -> Option<Rule> {
    let name = &f.name;
    let (len, unit) = match kind {
        Kind::String => (character_length(column(name)), "characters"),
        Kind::Binary if !matches!(data_type, DataType::FixedSizeBinary(_)) => {
            (octet_length(column(name)), "bytes")
        }
        _ => return None,
    };
    // A binary's bytes are not text: its reason gives the length only.
    let said = |what: String| {
        if kind == Kind::String {
            concat(vec![
                lit(format!("`{name}` = ")),
                shown(name, kind),
                lit(" has "),
                cast(len.clone(), DataType::Utf8),
                lit(what),
            ])
        } else {
            concat(vec![
                lit(format!("`{name}` has ")),
                cast(len.clone(), DataType::Utf8),
                lit(what),
            ])
        }
    };
    let mut cases = Vec::new();
    if let Some(lo) = c.min_length {
        cases.push((
            len.clone().lt(lit(lo as i64)),
            said(format!(" {unit}, below min_length {lo}")),
        ));
    }
    if let Some(hi) = c.max_length {
        cases.push((
            len.clone().gt(lit(hi as i64)),
            said(format!(" {unit}, above max_length {hi}")),
        ));
    }
    (!cases.is_empty()).then(|| rows_of(cases))
}

/// Non-null values outside a list, compared as text the way the profile writes values.
fn outside(f: &FieldContract, values: &[String], kind: Kind, what: &str) -> Rule {
    let name = &f.name;
    let mut predicate = column(name).is_not_null();
    if !values.is_empty() {
        let list: Vec<Expr> = values.iter().map(|v| lit(v.as_str())).collect();
        predicate = predicate.and(cast(column(name), DataType::Utf8).in_list(list, true));
    }
    Rule::Rows {
        predicate,
        reason: reason(name, kind, format!(" {what}")),
    }
}

/// The rows any condition selects, each with the reason of the first that holds.
fn rows_of(cases: Vec<(Expr, Expr)>) -> Rule {
    let predicate = cases
        .iter()
        .map(|c| c.0.clone())
        .reduce(Expr::or)
        .unwrap_or(lit(false));
    Rule::Rows {
        predicate,
        reason: case(cases, None),
    }
}

/// `CASE WHEN c1 THEN r1 ... [ELSE e] END`.
fn case(branches: Vec<(Expr, Expr)>, otherwise: Option<Expr>) -> Expr {
    Expr::Case(Case::new(
        None,
        branches
            .into_iter()
            .map(|(w, t)| (Box::new(w), Box::new(t)))
            .collect(),
        otherwise.map(Box::new),
    ))
}
