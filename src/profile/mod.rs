//! The one-scan profiler: every metric of every requested field from one DataFusion plan.

pub mod accumulate;
pub mod model;
pub mod sketch;
pub mod udaf;

pub use model::{Column, FieldProfile, Kind, ScanInfo, TableProfile};

use crate::error::{Error, Result};
use crate::source::Source;
use arrow::array::AsArray;

use datafusion::logical_expr::{AggregateUDF, Expr};
use datafusion::prelude::{SessionConfig, SessionContext};

/// A DataFusion session configured for profiling.
pub fn session() -> SessionContext {
    let config = SessionConfig::new().with_batch_size(8192);
    SessionContext::new_with_config(config)
}

/// The columns to profile: `None` means every field of the source.
pub fn resolve_columns(source: &Source, wanted: Option<&[String]>) -> Result<Vec<String>> {
    let schema = source.schema();
    let all: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    match wanted {
        None => Ok(all),
        Some(wanted) => {
            for c in wanted {
                if !all.contains(c) {
                    return Err(Error::NoSuchColumn {
                        column: c.clone(),
                        source_name: source.location.clone(),
                        available: all
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            }
            Ok(wanted.to_vec())
        }
    }
}

/// The plan that profiles `columns` of `source`: one aggregate, one scan.
pub async fn plan(
    ctx: &SessionContext,
    source: &Source,
    columns: &[String],
) -> Result<datafusion::prelude::DataFrame> {
    let udaf = AggregateUDF::from(udaf::ProfileUdaf::default());
    let exprs: Vec<Expr> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            udaf.call(vec![Expr::Column(
                datafusion::common::Column::new_unqualified(c.as_str()),
            )])
            .alias(format!("f{i}"))
        })
        .collect();
    let df = source.dataframe(ctx).await?;
    df.aggregate(vec![], exprs).map_err(|e| Error::Query {
        source_name: source.location.clone(),
        source: e,
    })
}

/// Profiles the selected slice of `source`. With no columns, the footers answer (row count,
/// files, bytes) and no data page is read.
pub async fn profile(source: &Source, columns: &[String]) -> Result<TableProfile> {
    let mut profile = TableProfile {
        source: source.location.clone(),
        row_count: source.row_count(),
        scan: ScanInfo {
            files: source.files.len() as u64,
            bytes: source.bytes(),
            scanned: false,
        },
        partitions: source.partitions(),
        schema: source
            .schema()
            .fields()
            .iter()
            .map(|f| Column {
                name: f.name().clone(),
                data_type: f.data_type().to_string(),
                kind: Kind::of(f.data_type()),
            })
            .collect(),
        fields: Vec::new(),
    };
    if columns.is_empty() {
        return Ok(profile);
    }
    let ctx = session();
    let df = plan(&ctx, source, columns).await?;
    let batches = df.collect().await.map_err(|e| Error::Query {
        source_name: source.location.clone(),
        source: e,
    })?;
    let batch = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .ok_or_else(|| Error::Internal("the profile query returned no row".into()))?;
    let schema = source.schema();
    for (i, name) in columns.iter().enumerate() {
        let col = arrow::compute::cast(batch.column(i), &arrow::datatypes::DataType::Utf8)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let json = col.as_string::<i32>().value(0);
        let mut field: FieldProfile = serde_json::from_str(json)
            .map_err(|e| Error::Internal(format!("profile of `{name}`: {e}")))?;
        field.name = name.clone();
        if let Ok(f) = schema.field_with_name(name) {
            field.data_type = f.data_type().to_string();
        }
        if field.rows() != profile.row_count {
            return Err(Error::Internal(format!(
                "`{name}`: the scan saw {} rows but the footers say {}",
                field.rows(),
                profile.row_count
            )));
        }
        profile.fields.push(field);
    }
    profile.scan.scanned = true;
    Ok(profile)
}

/// Convenience: open a source and profile the given columns (all when `None`).
pub async fn profile_location(
    location: &str,
    selectors: &[crate::source::PartitionSelector],
    columns: Option<&[String]>,
) -> Result<TableProfile> {
    let source = Source::open(location, selectors)?;
    let columns = resolve_columns(&source, columns)?;
    profile(&source, &columns).await
}
