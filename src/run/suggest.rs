//! The suggest engine: one scan of the selected slice, the baseline's slices (profiled in one
//! more scan of other partitions, or read from another source), and the row counts of the date
//! partitions from their footers; then [`crate::suggest::suggest`] reads the contract off them.

use crate::baseline::{self, BaselineOutcome, BaselineRequest, BaselineSpec};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::profile;
use crate::source::{PartitionSelector, SelectValue, Source, SourceRef};
use crate::suggest::{self, DatePartitions, Day, Evidence, Options, Suggestion};
use arrow::datatypes::DataType;
use std::collections::{BTreeMap, BTreeSet};

/// What to suggest a contract from.
#[derive(Debug, Clone)]
pub struct SuggestPlan {
    pub source: SourceRef,
    pub partitions: Vec<PartitionSelector>,
    /// The days the margins are fitted to (`Nd`, `KEY=VALUE`, a source, `snapshot:ID`).
    pub baseline: Option<BaselineSpec>,
    pub consumer: String,
    /// The contract's name for the table.
    pub table: String,
}

/// A suggestion and what to say about the source on stderr.
#[derive(Debug, Clone)]
pub struct SuggestReport {
    pub suggestion: Suggestion,
    pub notes: Vec<String>,
}

pub async fn suggest(ctx: &Context, plan: &SuggestPlan) -> Result<SuggestReport> {
    let source = Source::open(ctx, &plan.source, &plan.partitions).await?;
    let notes: Vec<String> = source
        .warnings
        .iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    let columns = profile::resolve_columns(&source, None)?;
    let current = profile::profile(ctx, &source, &columns).await?;
    let baseline = match &plan.baseline {
        None => None,
        Some(spec) => match baseline::build(
            ctx,
            &BaselineRequest {
                source: &source,
                table: &plan.table,
                spec: Some(spec),
                slices: suggest::rules::ROW_COUNT_DAYS,
                same_weekday: false,
                include_failed: false,
                columns: Some(&columns),
                history: None,
                sole: true,
            },
        )
        .await?
        {
            BaselineOutcome::Ready(b) => Some(b),
            BaselineOutcome::Unavailable(why) => {
                return Err(Error::usage(
                    format!("no baseline for `{}`: {why}", plan.source),
                    "give a baseline the table has (`--baseline Nd` with one date partition selected, `KEY=VALUE`, a SOURCE, or `snapshot:ID` of an Iceberg table), or leave `--baseline` out",
                ));
            }
        },
    };
    let mut baseline = baseline;
    if let Some(b) = &mut baseline {
        drop_absent_columns(&source, &mut b.slices).await?;
    }
    let date_partitions = date_partitions(&source).await?;
    let days: Vec<Day<'_>> = baseline
        .iter()
        .flat_map(|b| b.slices.iter())
        .map(|s| Day {
            name: &s.name,
            profile: &s.profile,
        })
        .collect();
    let mut scope = if current.partitions.is_empty() {
        "the whole table".to_string()
    } else if current.partitions.len() <= 3 {
        format!("partition {}", current.partitions.join(", "))
    } else {
        format!(
            "{} partitions, {}..{}",
            current.partitions.len(),
            current.partitions[0],
            current.partitions[current.partitions.len() - 1]
        )
    };
    if let Some(b) = &baseline {
        scope.push_str(&format!("; baseline: {}", b.description));
    }
    let evidence = Evidence {
        current: &current,
        baseline: days,
        date_partitions,
        partition_columns: source
            .partition_cols
            .iter()
            .map(|(k, _)| k.clone())
            .collect(),
    };
    let options = Options {
        consumer: plan.consumer.clone(),
        table: plan.table.clone(),
        source: plan.source.to_string(),
        scope,
    };
    Ok(SuggestReport {
        suggestion: suggest::suggest(&evidence, &options),
        notes,
    })
}

/// Leaves out of each baseline slice the columns its files do not have (a column added later):
/// its profile reads them as all null, which would say nothing about the column and much about
/// when it was added.
async fn drop_absent_columns(source: &Source, slices: &mut [crate::baseline::Slice]) -> Result<()> {
    if source.iceberg().is_some() || source.partition_cols.is_empty() {
        return Ok(());
    }
    let keys: Vec<&str> = source
        .partition_cols
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    // Each slice's partitions, as the `key=value/...` paths its profile names.
    let paths: BTreeSet<&String> = slices
        .iter()
        .flat_map(|s| s.profile.partitions.iter())
        .collect();
    let Some(key) = keys.first() else {
        return Ok(());
    };
    let mut values: Vec<String> = paths
        .iter()
        .flat_map(|p| p.split('/'))
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.to_string())
        .collect();
    values.sort();
    values.dedup();
    if values.is_empty() {
        return Ok(());
    }
    let selectors: Vec<PartitionSelector> = values
        .iter()
        .map(|v| PartitionSelector {
            key: key.to_string(),
            value: SelectValue::Value(v.clone()),
        })
        .collect();
    let files = source.select(&selectors, true).await?.files;
    // Partition path -> the columns its files have.
    let mut present: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let Some(footer) = &f.footer else {
            return Ok(());
        };
        let cols = present.entry(f.partition_name()).or_default();
        for c in footer
            .file_metadata()
            .schema_descr()
            .root_schema()
            .get_fields()
        {
            cols.insert(c.name().to_string());
        }
    }
    for slice in slices.iter_mut() {
        let parts = &slice.profile.partitions;
        if parts.is_empty() || parts.iter().any(|p| !present.contains_key(p)) {
            continue;
        }
        slice.profile.fields.retain(|field| {
            keys.contains(&field.name.as_str())
                || parts.iter().any(|p| present[p].contains(&field.name))
        });
    }
    Ok(())
}

/// The date partitions of a hive-partitioned table: every value of its date key, and the row
/// counts (from the footers, not a scan) of the selected partitions and the 7 before them.
async fn date_partitions(source: &Source) -> Result<Option<DatePartitions>> {
    if source.iceberg().is_some() {
        return Ok(None);
    }
    let Some((key, _)) = source
        .partition_cols
        .iter()
        .find(|(_, dt)| *dt == DataType::Date32)
    else {
        return Ok(None);
    };
    let values = baseline::partition_values(source, key);
    let value_of = |f: &crate::source::FileInfo| {
        f.partition
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let selected: Vec<String> = source.files.iter().filter_map(value_of).collect();
    let (Some(first), Some(last)) = (selected.iter().min(), selected.iter().max()) else {
        return Ok(None);
    };
    let lo = values.iter().position(|v| v == first).unwrap_or(0);
    let hi = values.iter().position(|v| v == last).unwrap_or(lo);
    let wanted = &values[lo.saturating_sub(suggest::rules::ROW_COUNT_DAYS)..=hi.max(lo)];
    let selectors: Vec<PartitionSelector> = wanted
        .iter()
        .map(|v| PartitionSelector {
            key: key.clone(),
            value: SelectValue::Value(v.clone()),
        })
        .collect();
    let around = source.select(&selectors, true).await?;
    let mut rows: BTreeMap<String, u64> = BTreeMap::new();
    for f in &around.files {
        if let Some(v) = value_of(f) {
            *rows.entry(v).or_default() += f.rows;
        }
    }
    Ok(Some(DatePartitions {
        key: key.clone(),
        values,
        rows: rows.into_iter().collect(),
    }))
}
