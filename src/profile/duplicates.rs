//! Duplicate keys, counted exactly: one DataFusion aggregate over the key columns only (a
//! `GROUP BY key` whose groups are then summed), on the same table provider the profile scans,
//! so `--partition` slices and Iceberg snapshots apply to it as they do to the profile.
//!
//! Nulls follow SQL `UNIQUE`: a row with a null in any key column never collides with another
//! row. Such rows are counted (`null_key_rows`) but are neither distinct keys nor duplicates.
//!
//! [`duplicated_keys`] gives the offending keys as a DataFrame; the offending rows are the
//! quarantine's (`quarantine::duplicates::rows`).

use crate::check::duplicates::DuplicateStats;
use crate::contract::TableContract;
use crate::error::{Error, Result};
use crate::source::Source;
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::Int64Type;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::common::Column;
use datafusion::dataframe::DataFrame;
use datafusion::functions_aggregate::expr_fn::{count, sum};
use datafusion::logical_expr::{Expr, lit, when};
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;
use std::ops::Not;

/// How many duplicated keys a result shows.
pub const EXAMPLES: usize = 5;

/// The name of the count column of [`duplicated_keys`].
pub const COUNT_COLUMN: &str = "_plimsoll_count";

fn column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

/// True when any key column of the row is null.
fn any_null(key: &[String]) -> Expr {
    key.iter()
        .map(|c| column(c).is_null())
        .reduce(Expr::or)
        .unwrap_or_else(|| lit(false))
}

/// The key's columns missing from the source, as an error naming them.
fn require_columns(source: &Source, key: &[String]) -> Result<()> {
    let schema = source.schema();
    let missing: Vec<String> = key
        .iter()
        .filter(|c| schema.field_with_name(c).is_err())
        .map(|c| format!("`{c}`"))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let available = schema
        .fields()
        .iter()
        .map(|f| format!("`{}`", f.name()))
        .collect::<Vec<_>>()
        .join(", ");
    Err(Error::usage(
        format!(
            "the `unique` key [{}] names column(s) {} that {} has not",
            key.join(", "),
            missing.join(", "),
            source.location
        ),
        format!("available columns: {available}"),
    ))
}

/// One row per key value (nulls included, grouped as SQL groups them) with its count in
/// [`COUNT_COLUMN`].
async fn groups(session: &SessionContext, source: &Source, key: &[String]) -> Result<DataFrame> {
    require_columns(source, key)?;
    let cols: Vec<Expr> = key.iter().map(|c| column(c)).collect();
    source
        .dataframe(session)
        .await?
        .select(cols.clone())
        .and_then(|d| d.aggregate(cols, vec![count(lit(1)).alias(COUNT_COLUMN)]))
        .map_err(|e| source.scan_error(e))
}

/// Counts the duplicates of `key` in the source's selected slice exactly. The clean case is one
/// pass over the key columns; when there are duplicates, a second pass finds the examples.
pub async fn duplicates(
    ctx: &crate::Context,
    source: &Source,
    key: &[String],
) -> Result<DuplicateStats> {
    let session = ctx.session()?;
    let g = groups(&session, source, key).await?;
    let n = || column(COUNT_COLUMN);
    let null = any_null(key);
    let keyed_and = |cond: Expr| null.clone().not().and(cond);
    let sums = || -> datafusion::error::Result<Vec<Expr>> {
        let one_if = |cond: Expr| when(cond, lit(1i64)).otherwise(lit(0i64));
        Ok(vec![
            sum(n()).alias("rows"),
            sum(when(null.clone(), n()).otherwise(lit(0i64))?).alias("null_key_rows"),
            sum(one_if(null.clone().not())?).alias("distinct_keys"),
            sum(one_if(keyed_and(n().gt(lit(1i64))))?).alias("duplicated_keys"),
        ])
    };
    let summary = sums()
        .and_then(|aggr| g.clone().aggregate(vec![], aggr))
        .map_err(|e| source.scan_error(e))?;
    let batches = source.collect(summary).await?;
    let value = |i: usize| -> u64 {
        batches
            .iter()
            .find(|b| b.num_rows() > 0)
            .map(|b| {
                let c = b.column(i).as_primitive::<Int64Type>();
                if c.is_null(0) { 0 } else { c.value(0) as u64 }
            })
            .unwrap_or(0)
    };
    let (rows, null_key_rows, distinct_keys, duplicated_keys) =
        (value(0), value(1), value(2), value(3));
    let mut examples = Vec::new();
    if duplicated_keys > 0 {
        let mut order = vec![n().sort(false, true)];
        order.extend(key.iter().map(|c| column(c).sort(true, true)));
        let top = g
            .filter(keyed_and(n().gt(lit(1i64))))
            .and_then(|d| d.sort(order))
            .and_then(|d| d.limit(0, Some(EXAMPLES)))
            .map_err(|e| source.scan_error(e))?;
        for b in source.collect(top).await? {
            examples.extend(rendered(&b, key.len())?);
        }
    }
    Ok(DuplicateStats {
        key: key.to_vec(),
        rows,
        null_key_rows,
        distinct_keys,
        duplicated_keys,
        duplicate_rows: rows - null_key_rows - distinct_keys,
        examples,
    })
}

/// Each row of a batch of keys and counts as (the key's values as text, the count).
fn rendered(b: &RecordBatch, width: usize) -> Result<Vec<(Vec<String>, u64)>> {
    let options = FormatOptions::default().with_null("null");
    let formatters = (0..width)
        .map(|i| ArrayFormatter::try_new(b.column(i).as_ref(), &options))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Internal(e.to_string()))?;
    let counts = b.column(width).as_primitive::<Int64Type>();
    Ok((0..b.num_rows())
        .map(|r| {
            let values = formatters.iter().map(|f| f.value(r).to_string()).collect();
            (values, counts.value(r) as u64)
        })
        .collect())
}

/// The duplicated keys of the source's selected slice: one row per key value held by more than
/// one row (no key with a null), the key's columns and [`COUNT_COLUMN`], most repeated first.
pub async fn duplicated_keys(
    session: &SessionContext,
    source: &Source,
    key: &[String],
) -> Result<DataFrame> {
    let n = column(COUNT_COLUMN);
    let mut order = vec![n.clone().sort(false, true)];
    order.extend(key.iter().map(|c| column(c).sort(true, true)));
    groups(session, source, key)
        .await?
        .filter(any_null(key).not().and(n.gt(lit(1i64))))
        .and_then(|d| d.sort(order))
        .map_err(|e| source.scan_error(e))
}

/// The duplicate counts of every `unique` key of a table's contract entries, by key. A key that
/// cannot be counted (a column missing, a scan error) is that check's error, not the run's.
pub async fn for_entries(
    ctx: &crate::Context,
    source: &Source,
    entries: &[&TableContract],
) -> BTreeMap<Vec<String>, std::result::Result<DuplicateStats, String>> {
    let mut out = BTreeMap::new();
    for k in entries.iter().flat_map(|e| &e.unique) {
        if out.contains_key(&k.columns) {
            continue;
        }
        let counted = duplicates(ctx, source, &k.columns)
            .await
            .map_err(|e| one_paragraph(&e));
        out.insert(k.columns.clone(), counted);
    }
    out
}

/// An error as one line of a result's message: the error, its causes and the hint.
fn one_paragraph(e: &Error) -> String {
    e.render()
        .lines()
        .map(|l| {
            l.trim()
                .trim_start_matches("error: ")
                .trim_start_matches("invalid argument: ")
        })
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}
