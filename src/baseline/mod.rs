//! Baselines: what today's slice is compared with.
//!
//! For a date-partitioned table the current slice is one partition and the baseline is the N
//! partitions before it (default 7; `--same-weekday` takes the same weekday of previous weeks).
//! Stored profiles are used where the history holds them; the rest are profiled in one scan
//! (grouped by partition) and stored. `--baseline SOURCE` names an explicit baseline,
//! `--baseline KEY=VALUE` another partition of the same table, `--baseline Nd` the N partitions
//! before. Slices whose checks failed are left out unless asked. For an Iceberg table,
//! `--baseline snapshot:ID` is another snapshot and `--baseline Nd` the snapshot that was current
//! N days before the one read.

use crate::error::{Error, Result};
use crate::profile::{self, Options, TableProfile};
use crate::source::{PartitionSelector, SelectValue, Source};
use arrow::datatypes::DataType;

/// `--baseline` as given.
#[derive(Debug, Clone, PartialEq)]
pub enum BaselineSpec {
    /// The N partitions before the current one.
    Preceding(usize),
    /// Another partition of the same table (`KEY=VALUE`).
    Partition(String, String),
    /// Another table location.
    Source(String),
    /// Another snapshot of the same Iceberg table (`snapshot:ID`).
    Snapshot(i64),
}

impl BaselineSpec {
    /// Parses `Nd`, `KEY=VALUE` or a location.
    pub fn parse(s: &str) -> Result<BaselineSpec> {
        if let Some(n) = s.strip_suffix('d').and_then(|n| n.parse::<usize>().ok()) {
            if n == 0 {
                return Err(Error::usage(
                    "`--baseline 0d` selects nothing",
                    "give at least `1d`",
                ));
            }
            return Ok(BaselineSpec::Preceding(n));
        }
        if let Some(id) = s.strip_prefix("snapshot:") {
            return id.parse().map(BaselineSpec::Snapshot).map_err(|_| {
                Error::usage(
                    format!("invalid `--baseline snapshot:{id}`"),
                    "give an Iceberg snapshot id, e.g. `--baseline snapshot:3051729675574597004`",
                )
            });
        }
        if let Some((k, v)) = s.split_once('=')
            && !k.is_empty()
            && !v.is_empty()
            && !k.contains('/')
        {
            return Ok(BaselineSpec::Partition(k.to_string(), v.to_string()));
        }
        Ok(BaselineSpec::Source(s.to_string()))
    }
}

/// One slice of a baseline: a partition or an earlier run.
#[derive(Debug, Clone)]
pub struct Slice {
    pub name: String,
    pub profile: TableProfile,
    /// Read from the history store rather than profiled now.
    pub stored: bool,
}

/// A baseline: its slices, oldest first.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub description: String,
    pub slices: Vec<Slice>,
}

impl Baseline {
    /// The last `n` slices (all when fewer).
    pub fn last(&self, n: usize) -> &[Slice] {
        &self.slices[self.slices.len().saturating_sub(n)..]
    }

    /// All slices merged into one profile (sketches merged, counts added).
    pub fn merged(&self) -> Option<TableProfile> {
        let mut it = self.slices.iter();
        let mut p = it.next()?.profile.clone();
        for s in it {
            p.merge(&s.profile);
        }
        Some(p)
    }
}

/// The date partition key of a source and the current slice's value, when exactly one value of
/// one date-typed partition key is selected.
pub fn current_date_partition(source: &Source) -> Option<(String, String)> {
    let (key, _) = source
        .partition_cols
        .iter()
        .find(|(_, dt)| *dt == DataType::Date32)?;
    let values = values_of(source.files.iter(), key);
    match values.as_slice() {
        [one] => Some((key.clone(), one.clone())),
        _ => None,
    }
}

/// Picks the baseline partitions: the `n` values of `key` before `current` (or, with
/// `same_weekday`, the `n` before it on the same weekday).
pub fn preceding_values(
    all: &[String],
    current: &str,
    n: usize,
    same_weekday: bool,
) -> Vec<String> {
    let weekday = |v: &str| {
        chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .ok()
            .map(|d| chrono::Datelike::weekday(&d))
    };
    let cw = weekday(current);
    let mut before: Vec<String> = all
        .iter()
        .filter(|v| v.as_str() < current)
        .filter(|v| !same_weekday || weekday(v) == cw)
        .cloned()
        .collect();
    before.sort();
    before.dedup();
    let start = before.len().saturating_sub(n);
    before.split_off(start)
}

/// The distinct values of partition `key` among `files`, sorted.
fn values_of<'a>(
    files: impl Iterator<Item = &'a crate::source::FileInfo>,
    key: &str,
) -> Vec<String> {
    let mut values: Vec<String> = files
        .filter_map(|f| {
            f.partition
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        })
        .collect();
    values.sort();
    values.dedup();
    values
}

/// Every value of partition `key` in the table at `location`, from the listing alone (no file
/// is opened).
pub async fn partition_values(location: &str, key: &str) -> Result<Vec<String>> {
    let files = crate::source::list_files(location).await?;
    Ok(values_of(files.iter(), key))
}

/// Profiles the given partitions of `location` in one scan, one profile per partition.
pub async fn profile_partitions(
    location: &str,
    key: &str,
    values: &[String],
    columns: Option<&[String]>,
) -> Result<Vec<Slice>> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let selectors: Vec<PartitionSelector> = values
        .iter()
        .map(|v| PartitionSelector {
            key: key.to_string(),
            value: SelectValue::Value(v.clone()),
        })
        .collect();
    let source = Source::open(location, &selectors).await?;
    let columns = profile::resolve_columns(&source, columns)?;
    let options = Options {
        by_partition: true,
        ..Options::default()
    };
    let profiled = profile::profile_with(&source, &columns, &options).await?;
    Ok(profiled
        .partitions
        .into_iter()
        .map(|(name, profile)| Slice {
            name,
            profile,
            stored: false,
        })
        .collect())
}
