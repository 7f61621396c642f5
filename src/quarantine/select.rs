//! Selecting a rule's rows with DataFusion over the checked slice, and writing them to Parquet
//! up to the cap while the rest are counted.

use super::duplicates::{self, REASON};
use super::rules::{Rule, column};
use crate::check::CheckResult;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::run::CheckPlan;
use crate::source::{Source, panics};
use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::JoinType;
use datafusion::logical_expr::{Expr, cast, lit};
use datafusion::prelude::{DataFrame, SessionContext};
use futures::StreamExt;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::sync::Arc;

/// The columns added to the table's.
pub const CHECK: &str = "_plimsoll_check";
pub const CONSUMER: &str = "_plimsoll_consumer";

/// The rows `rule` selects in `source`'s slice: the table's columns (strings and binaries as
/// plain `Utf8`/`Binary`, which every Parquet reader knows), then `_plimsoll_check`,
/// `_plimsoll_consumer` and `_plimsoll_reason`.
pub async fn rows(
    ctx: &Context,
    session: &SessionContext,
    plan: &CheckPlan,
    source: &Source,
    rule: &Rule,
    r: &CheckResult,
) -> Result<DataFrame> {
    let df = source.dataframe(session).await?;
    let originals = duplicates::columns_of(&df);
    let err = |e| source.scan_error(e);
    let with_reason = |df: DataFrame, reason: Expr| {
        let mut exprs: Vec<Expr> = originals.iter().map(|(n, _)| column(n)).collect();
        exprs.push(reason.alias(REASON));
        df.select(exprs)
    };
    let selected = match rule {
        Rule::Rows { predicate, reason } => df
            .filter(predicate.clone())
            .and_then(|d| with_reason(d, reason.clone()))
            .map_err(err)?,
        Rule::Duplicates { keys } => duplicates::rows(df, keys).map_err(err)?,
        Rule::Unmatched {
            field,
            table,
            other_field,
        } => {
            let other = plan.references.get(table).ok_or_else(|| {
                Error::Internal(format!("the referenced table `{table}` is not located"))
            })?;
            let other = Source::open(ctx, other, &[]).await?;
            let left_type = originals
                .iter()
                .find(|(n, _)| n == field)
                .map(|(_, t)| t.clone())
                .ok_or_else(|| Error::Internal(format!("no column `{field}`")))?;
            // The keys as the `references` check matches them.
            let keys = crate::profile::references::referenced_keys(
                session,
                &other,
                other_field,
                &left_type,
                "__plimsoll_ref",
            )
            .await?;
            let reason = datafusion::functions::expr_fn::concat(vec![
                lit(format!("`{field}` = ")),
                cast(column(field), DataType::Utf8),
                lit(format!(" has no match in `{table}.{other_field}`")),
            ]);
            df.filter(column(field).is_not_null())
                .and_then(|d| {
                    d.join_on(
                        keys,
                        JoinType::LeftAnti,
                        [column(field).eq(column("__plimsoll_ref"))],
                    )
                })
                .and_then(|d| with_reason(d, reason))
                .map_err(err)?
        }
    };
    let mut out: Vec<Expr> = originals
        .iter()
        .map(|(n, t)| match plain(t) {
            Some(p) => cast(column(n), p).alias(n),
            None => column(n),
        })
        .collect();
    out.push(lit(r.check.as_str()).alias(CHECK));
    out.push(lit(r.consumer.as_str()).alias(CONSUMER));
    out.push(cast(column(REASON), DataType::Utf8).alias(REASON));
    selected.select(out).map_err(err)
}

/// The plain type of a view type (DataFusion reads Parquet strings and binaries as views).
fn plain(t: &DataType) -> Option<DataType> {
    match t {
        DataType::Utf8View => Some(DataType::Utf8),
        DataType::BinaryView => Some(DataType::Binary),
        _ => None,
    }
}

/// One quarantine file being written: the selections of every result that shares it, each
/// capped on its own.
pub struct Writer {
    inner: Option<(ArrowWriter<Vec<u8>>, SchemaRef)>,
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

impl Writer {
    pub fn new() -> Self {
        Writer { inner: None }
    }

    /// Runs `df` over `source`, writes its first `limit` rows and counts the rest: `(written,
    /// total)`. Memory holds the file being written, not the rows beyond the cap.
    pub async fn drain(
        &mut self,
        source: &Source,
        df: DataFrame,
        limit: u64,
    ) -> Result<(u64, u64)> {
        let run = async {
            let mut stream = df
                .execute_stream()
                .await
                .map_err(|e| source.scan_error(e))?;
            let (mut written, mut total) = (0u64, 0u64);
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(|e| source.scan_error(e))?;
                let n = batch.num_rows() as u64;
                total += n;
                let take = n.min(limit - written);
                if take > 0 {
                    self.write(&batch.slice(0, take as usize))?;
                    written += take;
                }
            }
            Ok((written, total))
        };
        match panics::catch_async(run).await {
            Ok(result) => result,
            Err(p) if p.own_code => Err(Error::Internal(p.message)),
            Err(p) => Err(Error::CorruptParquet {
                path: source.location.clone(),
                reason: format!(
                    "the Parquet reader gave up while selecting rows to quarantine ({})",
                    p.message
                ),
            }),
        }
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let internal = |e: parquet::errors::ParquetError| Error::Internal(e.to_string());
        if self.inner.is_none() {
            // Every column nullable: the selections of several results share one schema.
            let fields: Vec<Field> = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.as_ref().clone().with_nullable(true))
                .collect();
            let schema = Arc::new(Schema::new(fields));
            let props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_created_by(format!("plimsoll {} quarantine", env!("CARGO_PKG_VERSION")))
                .build();
            let w =
                ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props)).map_err(internal)?;
            self.inner = Some((w, schema));
        }
        let Some((w, schema)) = &mut self.inner else {
            return Err(Error::Internal("quarantine writer not open".into()));
        };
        let batch = RecordBatch::try_new(schema.clone(), batch.columns().to_vec())
            .map_err(|e| Error::Internal(e.to_string()))?;
        w.write(&batch).map_err(internal)
    }

    /// The Parquet file's bytes (`None` when no row was written).
    pub fn finish(self) -> Result<Option<Vec<u8>>> {
        match self.inner {
            None => Ok(None),
            Some((w, _)) => w
                .into_inner()
                .map(Some)
                .map_err(|e| Error::Internal(e.to_string())),
        }
    }
}
