//! The one-scan profiler: every metric of every requested field from one DataFusion plan.

pub mod accumulate;
pub mod bins;
pub mod metadata;
pub mod model;
pub mod references;
pub mod sketch;
pub mod udaf;

pub use model::{Column, FieldProfile, Kind, ScanInfo, SnapshotInfo, TableProfile};

use crate::error::{Error, Result};
use crate::source::Source;
use arrow::array::{Array, AsArray};

use crate::context::Context;
use arrow::datatypes::DataType;
use datafusion::logical_expr::{AggregateUDF, Expr};
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;

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

/// What to compute besides the profile itself.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Frozen bin edges per numeric column: its values are counted exactly in those bins.
    pub edges: BTreeMap<String, Vec<f64>>,
    /// Also give one profile per partition (grouping by the partition columns, same scan).
    pub by_partition: bool,
}

/// A profile of the selected slice, and of each of its partitions when asked.
#[derive(Debug, Clone)]
pub struct Profiled {
    pub whole: TableProfile,
    /// `(partition, profile)`, sorted by partition; empty unless asked for a partitioned source.
    pub partitions: Vec<(String, TableProfile)>,
}

fn column_expr(c: &str) -> Expr {
    Expr::Column(datafusion::common::Column::new_unqualified(c))
}

/// The plan that profiles `columns` of `source`: one aggregate, one scan (grouped by the
/// partition columns when `group` is set).
pub async fn plan(
    ctx: &SessionContext,
    source: &Source,
    columns: &[String],
) -> Result<datafusion::prelude::DataFrame> {
    plan_with(ctx, source, columns, &Options::default()).await
}

async fn plan_with(
    ctx: &SessionContext,
    source: &Source,
    columns: &[String],
    options: &Options,
) -> Result<datafusion::prelude::DataFrame> {
    let plain = AggregateUDF::from(udaf::ProfileUdaf::default());
    let exprs: Vec<Expr> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let udaf = match options.edges.get(c) {
                Some(edges) => &AggregateUDF::from(udaf::ProfileUdaf::with_edges(edges)),
                None => &plain,
            };
            udaf.call(vec![column_expr(c)]).alias(format!("f{i}"))
        })
        .collect();
    let group: Vec<Expr> = if options.by_partition {
        source
            .partition_cols
            .iter()
            .map(|(k, _)| column_expr(k))
            .collect()
    } else {
        vec![]
    };
    let df = source.dataframe(ctx).await?;
    df.aggregate(group, exprs).map_err(|e| Error::Query {
        source_name: source.location.clone(),
        source: e,
    })
}

/// The profile of a slice as far as the footers know it: rows, files, bytes, schema.
/// The profile the footers give: row count, files, bytes, partitions, schema; no fields.
pub fn footer_profile(source: &Source) -> TableProfile {
    TableProfile {
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
        snapshot: source.iceberg().and_then(|t| t.snapshot_info()),
    }
}

/// Reads the field profiles of one result row: columns `offset..` are `f0, f1, ...`.
fn read_fields(
    source: &Source,
    batch: &arrow::array::RecordBatch,
    row: usize,
    offset: usize,
    columns: &[String],
) -> Result<Vec<FieldProfile>> {
    let schema = source.schema();
    let mut fields = Vec::with_capacity(columns.len());
    for (i, name) in columns.iter().enumerate() {
        let col = arrow::compute::cast(batch.column(offset + i), &DataType::Utf8)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let json = col.as_string::<i32>().value(row);
        let mut field: FieldProfile = serde_json::from_str(json)
            .map_err(|e| Error::Internal(format!("profile of `{name}`: {e}")))?;
        field.name = name.clone();
        if let Ok(f) = schema.field_with_name(name) {
            field.data_type = f.data_type().to_string();
        }
        fields.push(field);
    }
    Ok(fields)
}

/// Profiles the selected slice of `source`. With no columns, the footers answer (row count,
/// files, bytes) and no data page is read.
pub async fn profile(ctx: &Context, source: &Source, columns: &[String]) -> Result<TableProfile> {
    Ok(profile_with(ctx, source, columns, &Options::default())
        .await?
        .whole)
}

/// Profiles the selected slice of `source` in one scan, with the extras of `options`.
pub async fn profile_with(
    ctx: &Context,
    source: &Source,
    columns: &[String],
    options: &Options,
) -> Result<Profiled> {
    let mut whole = footer_profile(source);
    let by_partition = options.by_partition && !source.partition_cols.is_empty();
    // Rows the metadata cannot count (an Iceberg snapshot with delete files) are counted by the
    // scan: over the first column when none is asked for.
    let first: Vec<String>;
    let count_only = columns.is_empty() && !source.counts_exact();
    let columns = if count_only {
        first = resolve_columns(source, None)?.into_iter().take(1).collect();
        &first[..]
    } else {
        columns
    };
    if columns.is_empty() {
        let mut partitions = Vec::new();
        if by_partition {
            for name in source.partitions() {
                partitions.push((name.clone(), footer_profile(&source.only_partition(&name))));
            }
        }
        return Ok(Profiled { whole, partitions });
    }
    let session = ctx.session();
    let options = Options {
        by_partition,
        ..options.clone()
    };
    let df = plan_with(&session, source, columns, &options).await?;
    let batches = source.collect(df).await?;
    let keys = if by_partition {
        source.partition_cols.len()
    } else {
        0
    };
    let mut partitions: Vec<(String, TableProfile)> = Vec::new();
    for batch in batches.iter().filter(|b| b.num_rows() > 0) {
        for row in 0..batch.num_rows() {
            let fields = read_fields(source, batch, row, keys, columns)?;
            if !by_partition {
                whole.fields = fields;
                continue;
            }
            let mut name = Vec::new();
            for (k, (key, _)) in source.partition_cols.iter().enumerate() {
                let v = arrow::compute::cast(batch.column(k), &DataType::Utf8)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                // A null key is Hive's null partition, named as its directory is.
                let v = v.as_string::<i32>();
                let v = if v.is_null(row) {
                    crate::source::HIVE_NULL
                } else {
                    v.value(row)
                };
                name.push(format!("{key}={v}"));
            }
            let name = name.join("/");
            let mut part = footer_profile(&source.only_partition(&name));
            part.fields = fields;
            part.scan.scanned = true;
            partitions.push((name, part));
        }
    }
    if by_partition {
        partitions.sort_by(|a, b| a.0.cmp(&b.0));
        let mut fields: Vec<FieldProfile> = Vec::new();
        for (_, p) in &partitions {
            for f in &p.fields {
                match fields.iter_mut().find(|x| x.name == f.name) {
                    Some(x) => x.merge(f),
                    None => fields.push(f.clone()),
                }
            }
        }
        whole.fields = fields;
    }
    if !source.counts_exact()
        && let Some(f) = whole.fields.first()
    {
        whole.row_count = f.rows();
    }
    if whole.fields.is_empty() && whole.row_count > 0 {
        return Err(Error::Internal("the profile query returned no row".into()));
    }
    if whole.fields.is_empty() {
        // An empty table: every field profiled from zero rows.
        let schema = source.schema();
        for c in columns {
            if let Ok(f) = schema.field_with_name(c) {
                whole.fields.push(FieldProfile::new(c, f.data_type()));
            }
        }
    }
    for field in &whole.fields {
        if field.rows() != whole.row_count {
            // DataFusion lists the table again when it scans: a file removed or rewritten in
            // between changes what it reads. Name the file when one is gone.
            if let Some(path) = source.vanished_file().await? {
                return Err(Error::Vanished { path });
            }
            return Err(Error::TableChanged {
                location: source.location.clone(),
                footers: whole.row_count,
                scanned: field.rows(),
            });
        }
    }
    whole.scan.scanned = true;
    if count_only {
        whole.fields.clear();
    }
    Ok(Profiled { whole, partitions })
}

/// Convenience: open a source and profile the given columns (all when `None`).
pub async fn profile_location(
    ctx: &Context,
    location: &str,
    selectors: &[crate::source::PartitionSelector],
    columns: Option<&[String]>,
) -> Result<TableProfile> {
    let source = Source::open(ctx, &crate::source::SourceRef::new(location), selectors).await?;
    let columns = resolve_columns(&source, columns)?;
    profile(ctx, &source, &columns).await
}
