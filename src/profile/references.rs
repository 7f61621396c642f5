//! Referential integrity: the keys of one table without a match in another, from one DataFusion
//! anti-join that reads only the two key columns.

use crate::check::references::ReferenceStats;
use crate::error::{Error, Result};
use crate::source::Source;
use arrow::array::AsArray;
use arrow::datatypes::DataType;
use datafusion::common::{Column, JoinType};
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::logical_expr::{Expr, cast, lit, try_cast};

fn column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

/// The distinct non-null keys of `other.other_field`, as the column `alias`, in the type of the
/// referencing column (`left_type`): the right side of the anti-join, for the counts here and for
/// the rows the quarantine keeps.
pub async fn referenced_keys(
    session: &datafusion::prelude::SessionContext,
    other: &Source,
    other_field: &str,
    left_type: &DataType,
    alias: &str,
) -> Result<datafusion::prelude::DataFrame> {
    // A key that does not fit the referencing column's type (a wider integer) cannot match; a
    // key of the same type is taken as it is (a no-op cast would drop the field's metadata, such
    // as Iceberg's field ids, in the logical plan but not the physical one).
    let ref_key = match other.schema().field_with_name(other_field) {
        Ok(f) if f.data_type() == left_type => column(other_field),
        _ => try_cast(column(other_field), left_type.clone()),
    };
    other
        .dataframe(session)
        .await?
        .select(vec![ref_key.alias(alias)])
        .and_then(|d| d.filter(column(alias).is_not_null()))
        .and_then(|d| d.distinct())
        .map_err(|e| other.scan_error(e))
}

/// Counts the non-null `field` values of `current` without a match in `other.other_field`.
pub async fn unmatched(
    ctx: &crate::Context,
    current: &Source,
    field: &str,
    other: &Source,
    other_field: &str,
) -> Result<ReferenceStats> {
    let query = |source: &Source, e: datafusion::error::DataFusionError| source.scan_error(e);
    let left_type = current
        .schema()
        .field_with_name(field)
        .map(|f| f.data_type().clone())
        .map_err(|_| Error::NoSuchColumn {
            column: field.to_string(),
            source_name: current.location.clone(),
            available: String::new(),
        })?;
    let right_type = other
        .schema()
        .field_with_name(other_field)
        .map(|f| f.data_type().clone());
    if let Ok(right_type) = &right_type {
        use crate::profile::Kind;
        let (l, r) = (Kind::of(&left_type), Kind::of(right_type));
        let keys = |k: Kind| matches!(k, Kind::Integer | Kind::Decimal);
        if l != r && !(keys(l) && keys(r)) {
            return Err(Error::usage(
                format!(
                    "`{field}` is {} ({left_type}) but `{other_field}` of {} is {} ({right_type}): keys of different types never match",
                    l.name(),
                    other.location,
                    r.name()
                ),
                "reference a key of the same type, or fix the type on one side",
            ));
        }
    }
    if right_type.is_err() {
        let available = other
            .schema()
            .fields()
            .iter()
            .map(|f| format!("`{}`", f.name()))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Error::NoSuchColumn {
            column: other_field.to_string(),
            source_name: other.location.clone(),
            available,
        });
    }
    let ctx = ctx.session()?;
    let left = current
        .dataframe(&ctx)
        .await?
        .select(vec![column(field).alias("__key")])
        .and_then(|d| d.filter(column("__key").is_not_null()))
        .map_err(|e| query(current, e))?;
    let right = referenced_keys(&ctx, other, other_field, &left_type, "__ref").await?;
    let keys = left
        .clone()
        .aggregate(vec![], vec![count(lit(1)).alias("n")])
        .map_err(|e| query(current, e))?;
    let anti = left
        .join(right, JoinType::LeftAnti, &["__key"], &["__ref"], None)
        .map_err(|e| query(current, e))?;
    let counted = anti
        .clone()
        .aggregate(vec![], vec![count(lit(1)).alias("n")])
        .map_err(|e| query(current, e))?;
    let examples = anti
        .select(vec![cast(column("__key"), DataType::Utf8).alias("v")])
        .and_then(|d| d.distinct())
        .and_then(|d| d.sort(vec![column("v").sort(true, true)]))
        .and_then(|d| d.limit(0, Some(10)))
        .map_err(|e| query(current, e))?;
    let first_count = |batches: Vec<arrow::array::RecordBatch>| -> u64 {
        batches
            .iter()
            .find(|b| b.num_rows() > 0)
            .map(|b| {
                b.column(0)
                    .as_primitive::<arrow::datatypes::Int64Type>()
                    .value(0) as u64
            })
            .unwrap_or(0)
    };
    let keys = first_count(current.collect(keys).await?);
    let unmatched = first_count(current.collect(counted).await?);
    let mut values = Vec::new();
    for b in current.collect(examples).await? {
        let col = arrow::compute::cast(b.column(0), &DataType::Utf8)
            .map_err(|e| Error::Internal(e.to_string()))?;
        values.extend(col.as_string::<i32>().iter().flatten().map(String::from));
    }
    Ok(ReferenceStats {
        keys,
        unmatched,
        examples: values,
        other: other.location.clone(),
        other_snapshot: other.iceberg().and_then(|t| t.snapshot_id()),
    })
}
