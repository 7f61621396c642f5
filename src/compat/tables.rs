//! Table against table: the schema change field by field, and the new values of enum-like
//! string fields.
//!
//! Fields are matched by Iceberg field id when both sides are Iceberg tables (so a rename is a
//! rename), by name otherwise: Parquet files carry no field ids, so a rename shows as a removal
//! and an addition (the addition says which removed field it may replace).
//!
//! A string field is *enum-like* when both sides' value sets are known exactly and the old
//! side has at most [`ENUM_MAX_VALUES`] values, each seen twice on average: new values of such a
//! field are a change readers and consumers must hear about (Avro's rule for enum symbols: a
//! reader that does not know a symbol cannot read it). Finding them costs one scan of the
//! string columns of each side; `--schema-only` skips it.

use super::types::{self, Reading};
use super::{Affected, Change, ChangeKind, Judgement, Rule};
use crate::check::schema::type_matches;
use crate::context::Context;
use crate::contract::dependents::{Dependents, Via};
use crate::error::Result;
use crate::profile::{self, Kind};
use crate::source::{Source, SourceRef};
use arrow::datatypes::DataType;
use std::collections::BTreeSet;

/// The most values an enum-like field has.
pub const ENUM_MAX_VALUES: usize = 64;

/// A table's shape: its fields, and the value sets of its enum-like fields.
#[derive(Debug, Clone)]
pub struct Shape {
    pub location: String,
    pub fields: Vec<ShapeField>,
    /// Fields carry Iceberg field ids.
    pub by_id: bool,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ShapeField {
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
    pub id: Option<i32>,
    /// Every value, when the field is enum-like.
    pub values: Option<BTreeSet<String>>,
}

/// Reads a table's schema (footers or metadata) and, unless `schema_only`, profiles its string
/// columns for their value sets.
pub async fn shape(ctx: &Context, what: &SourceRef, schema_only: bool) -> Result<Shape> {
    let source = Source::open(ctx, what, &[]).await?;
    let schema = source.schema();
    let iceberg = source.iceberg();
    let mut fields: Vec<ShapeField> = schema
        .fields()
        .iter()
        .map(|f| ShapeField {
            name: f.name().clone(),
            data_type: f.data_type().clone(),
            nullable: f.is_nullable(),
            id: iceberg.and_then(|t| t.schema.field_by_name(f.name()).map(|x| x.id)),
            values: None,
        })
        .collect();
    let notes = source
        .warnings
        .iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    let strings: Vec<String> = fields
        .iter()
        .filter(|f| Kind::of(&f.data_type) == Kind::String)
        .map(|f| f.name.clone())
        .collect();
    if !schema_only && !strings.is_empty() {
        let p = profile::profile(ctx, &source, &strings).await?;
        for fp in &p.fields {
            let Some(freq) = fp.frequent.as_ref().filter(|f| f.is_exact()) else {
                continue;
            };
            let values: BTreeSet<String> = freq
                .iter()
                .filter(|(_, c)| **c > 0)
                .map(|(v, _)| v.clone())
                .collect();
            let rows = fp.count.saturating_sub(fp.null_count);
            if values.len() <= ENUM_MAX_VALUES
                && rows >= 2 * values.len() as u64
                && let Some(f) = fields.iter_mut().find(|f| f.name == fp.name)
            {
                f.values = Some(values);
            }
        }
    }
    Ok(Shape {
        location: what.to_string(),
        by_id: iceberg.is_some() && fields.iter().all(|f| f.id.is_some()),
        fields,
        notes,
    })
}

fn backticked(values: &[&String]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The changes from `old` to `new`, each judged in both directions.
pub fn diff(old: &Shape, new: &Shape, table: &str) -> Vec<Change> {
    let by_id = old.by_id && new.by_id;
    let find = |f: &ShapeField, side: &Shape| -> Option<usize> {
        side.fields.iter().position(|g| match by_id {
            true => g.id == f.id,
            false => g.name == f.name,
        })
    };
    let mut out = Vec::new();
    let mut removed: Vec<&ShapeField> = Vec::new();
    for f in &old.fields {
        match find(f, new) {
            None => {
                removed.push(f);
                out.push(removed_field(table, f));
            }
            Some(i) => out.extend(changed(table, f, &new.fields[i])),
        }
    }
    for f in &new.fields {
        if find(f, old).is_none() {
            let mut c = added_field(table, f);
            // A removed field at the same position with the same type: likely a rename.
            let position = new.fields.iter().position(|g| g.name == f.name);
            if let Some(r) = removed.iter().find(|r| {
                types::reading(&r.data_type, &f.data_type) == Reading::Same
                    && old.fields.iter().position(|g| g.name == r.name) == position
            }) {
                c.detail.push_str(&format!(
                    " (perhaps `{}` renamed: same type and position; Parquet files carry no field ids to tell)",
                    r.name
                ));
            }
            out.push(c);
        }
    }
    out
}

fn removed_field(table: &str, f: &ShapeField) -> Change {
    let ty = types::name(&f.data_type);
    let forward = if f.nullable {
        Judgement::safe(
            Rule::MissingOptionalField,
            format!(
                "readers on the old schema read the optional `{}` as null",
                f.name
            ),
        )
    } else {
        Judgement::breaks(
            Rule::MissingRequiredField,
            format!(
                "readers on the old schema require `{}`, and the new data has none",
                f.name
            ),
        )
    };
    let mut c = Change::new(
        table,
        Some(&f.name),
        ChangeKind::Removed,
        format!("`{}` ({ty}) removed", f.name),
        Judgement::safe(
            Rule::ExtraFieldIgnored,
            format!(
                "readers on the new schema ignore `{}` in the old data",
                f.name
            ),
        ),
        forward,
    );
    c.old = Some(f.name.clone());
    c.old_type = Some(ty);
    c
}

fn added_field(table: &str, f: &ShapeField) -> Change {
    let ty = types::name(&f.data_type);
    let backward = if f.nullable {
        Judgement::safe(
            Rule::MissingOptionalField,
            format!(
                "readers on the new schema read the optional `{}` as null in the old data",
                f.name
            ),
        )
    } else {
        Judgement::breaks(
            Rule::MissingRequiredField,
            format!(
                "the new schema requires `{}`, and the old data has none",
                f.name
            ),
        )
    };
    let mut c = Change::new(
        table,
        Some(&f.name),
        ChangeKind::Added,
        format!(
            "`{}` ({ty}, {}) added",
            f.name,
            if f.nullable { "optional" } else { "required" }
        ),
        backward,
        Judgement::safe(
            Rule::ExtraFieldIgnored,
            format!("readers on the old schema ignore `{}`", f.name),
        ),
    );
    c.new = Some(f.name.clone());
    c.new_type = Some(ty);
    c
}

/// How data of `writer` type reads for a reader of `reader` type, as a judgement.
fn read_as(writer: &DataType, reader: &DataType, who: &str) -> Judgement {
    let (w, r) = (types::name(writer), types::name(reader));
    match types::reading(writer, reader) {
        Reading::Same => Judgement::safe(Rule::SameType, format!("{w} and {r} are one type")),
        Reading::Widens => Judgement::safe(
            Rule::Widening,
            format!("{w} widens to {r}: readers on the {who} schema read every value"),
        ),
        Reading::Narrows => Judgement::breaks(
            Rule::Narrowing,
            format!("{w} does not fit in {r}: readers on the {who} schema cannot read every value"),
        ),
        Reading::Incompatible => Judgement::breaks(
            Rule::IncompatibleType,
            format!("{w} and {r} mean different things: no reader reads one as the other"),
        ),
    }
}

/// The changes of one field present on both sides.
fn changed(table: &str, old: &ShapeField, new: &ShapeField) -> Vec<Change> {
    let mut out = Vec::new();
    let (ot, nt) = (types::name(&old.data_type), types::name(&new.data_type));
    let typed = |mut c: Change| {
        c.old_type = Some(ot.clone());
        c.new_type = Some(nt.clone());
        c
    };
    if old.name != new.name {
        let why = format!(
            "readers that select `{}` by name no longer find it (readers by Iceberg field id follow the rename)",
            old.name
        );
        let mut c = Change::new(
            table,
            Some(&old.name),
            ChangeKind::Renamed,
            format!("`{}` renamed to `{}`", old.name, new.name),
            Judgement::breaks(Rule::RenamedField, why.clone()),
            Judgement::breaks(Rule::RenamedField, why),
        );
        c.old = Some(old.name.clone());
        c.new = Some(new.name.clone());
        out.push(typed(c));
    }
    if types::reading(&old.data_type, &new.data_type) != Reading::Same {
        let mut c = Change::new(
            table,
            Some(&new.name),
            ChangeKind::TypeChanged,
            format!("`{}` changed type from {ot} to {nt}", new.name),
            read_as(&old.data_type, &new.data_type, "new"),
            read_as(&new.data_type, &old.data_type, "old"),
        );
        c.old = Some(ot.clone());
        c.new = Some(nt.clone());
        out.push(typed(c));
    }
    if old.nullable != new.nullable {
        let (backward, forward) = if new.nullable {
            (
                Judgement::safe(
                    Rule::NullsAllowed,
                    format!("readers on the new schema accept nulls in `{}`", new.name),
                ),
                Judgement::breaks(
                    Rule::NullsInRequiredField,
                    format!(
                        "readers on the old schema require `{}`, and the new data may hold nulls",
                        new.name
                    ),
                ),
            )
        } else {
            (
                Judgement::breaks(
                    Rule::NullsInRequiredField,
                    format!(
                        "the new schema requires `{}`, and the old data may hold nulls",
                        new.name
                    ),
                ),
                Judgement::safe(
                    Rule::NullsAllowed,
                    format!("readers on the old schema accept nulls in `{}`", new.name),
                ),
            )
        };
        let word = |n: bool| if n { "optional" } else { "required" };
        let mut c = Change::new(
            table,
            Some(&new.name),
            ChangeKind::NullabilityChanged,
            format!(
                "`{}` changed from {} to {}",
                new.name,
                word(old.nullable),
                word(new.nullable)
            ),
            backward,
            forward,
        );
        c.old = Some(word(old.nullable).into());
        c.new = Some(word(new.nullable).into());
        out.push(typed(c));
    }
    if let (Some(a), Some(b)) = (&old.values, &new.values) {
        let added: Vec<&String> = b.difference(a).collect();
        let gone: Vec<&String> = a.difference(b).collect();
        if !added.is_empty() {
            let mut c = Change::new(
                table,
                Some(&new.name),
                ChangeKind::ValuesAdded,
                format!("`{}` has new value(s) {}", new.name, backticked(&added)),
                Judgement::safe(
                    Rule::KnownValues,
                    "readers on the new data's values know every old value",
                ),
                Judgement::breaks(
                    Rule::UnknownValues,
                    format!(
                        "readers that know only the old values meet {}",
                        backticked(&added)
                    ),
                ),
            );
            c.old = Some(a.iter().cloned().collect::<Vec<_>>().join(", "));
            c.new = Some(
                added
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            c.values = added.iter().map(|s| s.to_string()).collect();
            out.push(typed(c));
        }
        if !gone.is_empty() {
            let reason = format!(
                "{} no longer appear(s) in the new data; readers lose no value they know",
                backticked(&gone)
            );
            let mut c = Change::new(
                table,
                Some(&new.name),
                ChangeKind::ValuesRemoved,
                format!("`{}` no longer has {}", new.name, backticked(&gone)),
                Judgement::safe(Rule::KnownValues, reason.clone()),
                Judgement::safe(Rule::KnownValues, reason),
            );
            c.old = Some(
                gone.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            c.values = gone.iter().map(|s| s.to_string()).collect();
            out.push(typed(c));
        }
    }
    out
}

/// Maps a change to the consumer contract lines that depend on its field, judging each.
pub fn affected(c: &mut Change, d: &Dependents, table: &str, new: &Shape) {
    let Some(field) = c.field.clone() else {
        return;
    };
    let new_field = c
        .new
        .as_deref()
        .filter(|_| c.kind == ChangeKind::Renamed)
        .unwrap_or(&field)
        .to_string();
    let now = new.fields.iter().find(|f| f.name == new_field);
    for dep in d.of_field(table, &field) {
        let (breaks, reason) = match c.kind {
            ChangeKind::Removed => (true, gone_reason(dep.via, &field)),
            ChangeKind::Renamed => (
                true,
                format!(
                    "`{field}` is now `{}`: {}",
                    c.new.as_deref().unwrap_or_default(),
                    gone_reason(dep.via, &field)
                ),
            ),
            ChangeKind::TypeChanged => match (dep.declared_type(), now) {
                (Some(t), Some(f)) => {
                    let kind = Kind::of(&f.data_type);
                    if type_matches(t, kind) {
                        (
                            false,
                            format!(
                                "declares `type: {}`, which {} still is",
                                t.name(),
                                types::name(&f.data_type)
                            ),
                        )
                    } else {
                        (
                            true,
                            format!(
                                "declares `type: {}`, which {} is not: the type check fails",
                                t.name(),
                                types::name(&f.data_type)
                            ),
                        )
                    }
                }
                _ => (false, "declares no type".to_string()),
            },
            ChangeKind::ValuesAdded => {
                let allowed = dep.expects.as_ref().and_then(|f| f.allowed_values.as_ref());
                match (allowed, now.and_then(|f| f.values.as_ref())) {
                    (Some(allowed), Some(values)) => {
                        let outside: Vec<&String> =
                            values.iter().filter(|v| !allowed.contains(v)).collect();
                        if outside.is_empty() {
                            (false, "`allowed_values` lists every value".to_string())
                        } else {
                            (
                                true,
                                format!(
                                    "{} not in `allowed_values`: the allowed_values check fails",
                                    backticked(&outside)
                                ),
                            )
                        }
                    }
                    _ => (false, "declares no `allowed_values`".to_string()),
                }
            }
            ChangeKind::NullabilityChanged => {
                let required = dep.expects.as_ref().is_some_and(|f| f.required);
                let reason = if required {
                    "declares `required: true`: the null rate is checked on the data"
                } else {
                    "does not require the field"
                };
                (false, reason.to_string())
            }
            _ => (false, "reads the field".to_string()),
        };
        c.consumers.push(Affected::of(dep, breaks, reason));
    }
}

fn gone_reason(via: Via, field: &str) -> String {
    match via {
        Via::Freshness => format!("freshness reads `{field}`: the freshness check fails"),
        Via::Reference => format!("a reference points at `{field}`: the references check fails"),
        Via::Key => format!("a `unique` key reads `{field}`: the duplicates check errors"),
        _ => format!("names `{field}`: the schema check fails"),
    }
}
