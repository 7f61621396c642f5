//! An Iceberg table's partition spec as slice keys, and the pruning of a snapshot's manifests
//! and data files to the selected partitions: manifests by the partition summaries of the
//! manifest list (lower/upper bound per partition field), then data files by their partition
//! tuple, before any data file is opened.

use crate::source::HIVE_NULL;
use crate::source::slices::{KeyOrigin, SliceKey, Unit, parse_value};
use iceberg::spec::{
    Datum, FieldSummary, Literal, PartitionSpec, PrimitiveLiteral, PrimitiveType, Schema,
    Transform, Type,
};
use iceberg::table::Table;

/// The slice keys of the table's default partition spec: identity partitions and the
/// hour/day/month/year transforms; bucket, truncate and void fields are listed in the second
/// value (they cannot select a slice by a value users know).
pub fn slice_keys(table: &Table, schema: &Schema) -> (Vec<SliceKey>, Vec<String>) {
    let spec = table.metadata().default_partition_spec();
    let mut keys = Vec::new();
    let mut other = Vec::new();
    for (index, f) in spec.fields().iter().enumerate() {
        let Some(source) = schema.field_by_id(f.source_id) else {
            other.push(f.name.clone());
            continue;
        };
        let unit = match f.transform {
            Transform::Identity => None,
            Transform::Hour => Some(Unit::Hour),
            Transform::Day => Some(Unit::Day),
            Transform::Month => Some(Unit::Month),
            Transform::Year => Some(Unit::Year),
            _ => {
                other.push(format!("{} ({})", f.name, f.transform));
                continue;
            }
        };
        let Ok(data_type) = iceberg::arrow::type_to_arrow_type(&source.field_type) else {
            other.push(f.name.clone());
            continue;
        };
        keys.push(SliceKey {
            name: f.name.clone(),
            column: source.name.clone(),
            unit,
            transform: f.transform.to_string(),
            origin: KeyOrigin::Iceberg {
                spec_id: spec.spec_id(),
                index,
            },
            data_type,
        });
    }
    (keys, other)
}

/// The position, in `spec`, of the field that partitions like the default spec's field
/// `index` (same source column, same transform).
fn position_in(table: &Table, spec: &PartitionSpec, index: usize) -> Option<usize> {
    let default = table.metadata().default_partition_spec();
    let want = default.fields().get(index)?;
    spec.fields()
        .iter()
        .position(|f| f.source_id == want.source_id && f.transform == want.transform)
}

/// A partition value as slices are named: the time slice (`2024-03-08`) or the identity value;
/// Hive's null-partition name for null.
pub fn value_name(unit: Option<Unit>, value: Option<&Literal>) -> String {
    let Some(lit) = value.and_then(Literal::as_primitive_literal) else {
        return HIVE_NULL.to_string();
    };
    match (unit, &lit) {
        (Some(u), PrimitiveLiteral::Int(v)) => u.format(*v as i64),
        (Some(u), PrimitiveLiteral::Long(v)) => u.format(*v),
        (_, PrimitiveLiteral::String(s)) => s.clone(),
        (_, PrimitiveLiteral::Int(v)) => v.to_string(),
        (_, PrimitiveLiteral::Long(v)) => v.to_string(),
        (_, PrimitiveLiteral::Boolean(v)) => v.to_string(),
        (_, other) => format!("{other:?}"),
    }
}

/// What to keep of a snapshot's data files.
#[derive(Debug, Clone)]
pub struct Prune {
    /// The key's position in the default spec.
    pub index: usize,
    pub unit: Option<Unit>,
    /// The wanted values, as slices are named.
    pub values: Vec<String>,
}

/// What the partition of one data file is, in the default spec's terms.
pub(super) struct FilePartition {
    /// `(partition field name, value)` for each default-spec field the file's spec has.
    pub named: Vec<(String, String)>,
}

impl Prune {
    /// Whether a manifest whose partition summaries are `summaries` (in the manifest's spec)
    /// may hold a wanted value. Unknown summaries keep the manifest.
    pub(super) fn keeps_manifest(
        &self,
        table: &Table,
        spec_id: i32,
        summaries: Option<&[FieldSummary]>,
    ) -> bool {
        let md = table.metadata();
        let (Some(spec), Some(summaries)) = (md.partition_spec_by_id(spec_id), summaries) else {
            return true;
        };
        let Some(pos) = position_in(table, spec, self.index) else {
            return true;
        };
        let (Some(field), Some(summary)) = (spec.fields().get(pos), summaries.get(pos)) else {
            return true;
        };
        let Some(result) = md
            .current_schema()
            .field_by_id(field.source_id)
            .and_then(|s| field.transform.result_type(&s.field_type).ok())
        else {
            return true;
        };
        let Type::Primitive(result) = result else {
            return true;
        };
        if summary.contains_null && self.values.iter().any(|v| v == HIVE_NULL) {
            return true;
        }
        let decode =
            |b: Option<&[u8]>| b.and_then(|b| Datum::try_from_bytes(b, result.clone()).ok());
        let (Some(lo), Some(hi)) = (
            decode(summary.lower_bound.as_ref().map(|b| b.as_slice())),
            decode(summary.upper_bound.as_ref().map(|b| b.as_slice())),
        ) else {
            // No bounds: every value in the manifest is null (or bounds were not written).
            return summary.lower_bound.is_some() || summary.contains_null;
        };
        self.values
            .iter()
            .any(|v| self.within(v, &lo, &hi, &result))
    }

    /// Whether the wanted value `v` lies within `[lo, hi]`; true when that cannot be told.
    fn within(&self, v: &str, lo: &Datum, hi: &Datum, result: &PrimitiveType) -> bool {
        let as_i64 = |d: &Datum| match d.literal() {
            PrimitiveLiteral::Int(x) => Some(*x as i64),
            PrimitiveLiteral::Long(x) => Some(*x),
            _ => None,
        };
        match self.unit {
            Some(u) => match (parse_value(v), as_i64(lo), as_i64(hi)) {
                (Some((got, ord)), Some(lo), Some(hi)) if got == u => lo <= ord && ord <= hi,
                (Some(_), Some(_), Some(_)) => false,
                _ => true,
            },
            None => match (result, lo.literal(), hi.literal()) {
                (
                    PrimitiveType::String,
                    PrimitiveLiteral::String(l),
                    PrimitiveLiteral::String(h),
                ) => l.as_str() <= v && v <= h.as_str(),
                (PrimitiveType::Int | PrimitiveType::Long, _, _) => {
                    match (v.parse::<i64>(), as_i64(lo), as_i64(hi)) {
                        (Ok(x), Some(l), Some(h)) => l <= x && x <= h,
                        _ => true,
                    }
                }
                _ => true,
            },
        }
    }
}

/// The partition of a data file written with spec `spec_id`, named by the default spec's
/// fields it shares.
pub(super) fn file_partition(
    table: &Table,
    keys: &[SliceKey],
    spec_id: i32,
    tuple: &iceberg::spec::Struct,
) -> FilePartition {
    let md = table.metadata();
    let mut named = Vec::new();
    if let Some(spec) = md.partition_spec_by_id(spec_id) {
        for k in keys {
            let KeyOrigin::Iceberg { index, .. } = k.origin else {
                continue;
            };
            if let Some(pos) = position_in(table, spec, index) {
                let value = tuple.fields().get(pos).and_then(Option::as_ref);
                named.push((k.name.clone(), value_name(k.unit, value)));
            }
        }
    }
    FilePartition { named }
}

/// The scan predicate equivalent to selecting `values` of `key`, on its source column, so that
/// iceberg-rust's planning prunes the same manifests and data files (and reads no other
/// manifest). None when it cannot be written (a type or value it does not cover).
pub fn predicate(
    schema: &Schema,
    key: &SliceKey,
    values: &[String],
) -> Option<iceberg::expr::Predicate> {
    use iceberg::expr::Reference;
    let field = schema.field_by_name(&key.column)?;
    let Type::Primitive(ty) = field.field_type.as_ref() else {
        return None;
    };
    if values.iter().any(|v| v == HIVE_NULL) {
        return None;
    }
    let column = || Reference::new(key.column.clone());
    let Some(unit) = key.unit else {
        let data: Option<Vec<Datum>> = values
            .iter()
            .map(|v| match ty {
                PrimitiveType::String => Some(Datum::string(v)),
                PrimitiveType::Int => v.parse::<i32>().ok().map(Datum::int),
                PrimitiveType::Long => v.parse::<i64>().ok().map(Datum::long),
                _ => None,
            })
            .collect();
        return Some(column().is_in(data?));
    };
    let at = |micros: i64| -> Option<Datum> {
        Some(match ty {
            PrimitiveType::Timestamp => Datum::timestamp_micros(micros),
            PrimitiveType::Timestamptz => Datum::timestamptz_micros(micros),
            PrimitiveType::TimestampNs => Datum::timestamp_nanos(micros.checked_mul(1000)?),
            PrimitiveType::TimestamptzNs => Datum::timestamptz_nanos(micros.checked_mul(1000)?),
            PrimitiveType::Date => Datum::date(i32::try_from(micros / 86_400_000_000).ok()?),
            _ => return None,
        })
    };
    let mut out: Option<iceberg::expr::Predicate> = None;
    for v in values {
        let (u, ord) = parse_value(v).filter(|(u, _)| *u == unit)?;
        let range = column()
            .greater_than_or_equal_to(at(u.start_micros(ord))?)
            .and(column().less_than(at(u.start_micros(ord + 1))?));
        out = Some(match out {
            None => range,
            Some(p) => p.or(range),
        });
    }
    out
}
