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
//!
//! A slice on which a table-level check failed (row count, freshness, files) is left out and
//! replaced by an older one; a slice on which only some fields' checks failed stays in the
//! baseline of every other field and is left out of those fields' baselines alone. The baseline
//! says which slices were left out and why.

mod build;

pub use build::{BaselineRequest, build};

use crate::error::{Error, Result};
use crate::profile::model::Bins;
use crate::profile::{self, Options, TableProfile};
use crate::source::{PartitionSelector, SelectValue, Source};
use arrow::datatypes::DataType;
use std::collections::BTreeMap;

/// `--baseline` as given.
#[derive(Debug, Clone, PartialEq)]
pub enum BaselineSpec {
    /// The N partitions before the current one.
    Preceding(usize),
    /// Another partition of the same table (`KEY=VALUE`).
    Partition(String, String),
    /// Another table location (at its own snapshot: `LOCATION@snapshot:ID`).
    Source(crate::source::SourceRef),
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
        Ok(BaselineSpec::Source(crate::source::SourceRef::parse(s)?))
    }
}

/// One slice of a baseline: a partition or an earlier run.
#[derive(Debug, Clone)]
pub struct Slice {
    pub name: String,
    pub profile: TableProfile,
    /// Read from the history store rather than profiled now.
    pub stored: bool,
    /// Fields this slice is no baseline for (a check failed on them in it), with why.
    pub excluded: BTreeMap<String, String>,
}

impl Slice {
    /// A slice that serves every field.
    pub fn new(name: String, profile: TableProfile, stored: bool) -> Self {
        Self {
            name,
            profile,
            stored,
            excluded: BTreeMap::new(),
        }
    }

    /// Whether this slice is part of `field`'s baseline.
    pub fn serves(&self, field: &str) -> bool {
        !self.excluded.contains_key(field)
    }
}

/// A slice left out of a baseline, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub slice: String,
    /// The field it was left out for; None when left out of the whole baseline.
    pub field: Option<String>,
    pub reason: String,
}

/// What a baseline request gave: a baseline, or why there is none (checks that need one warn
/// with the reason).
#[derive(Debug, Clone)]
pub enum BaselineOutcome {
    Ready(Baseline),
    Unavailable(String),
}

impl BaselineOutcome {
    pub fn baseline(&self) -> Option<&Baseline> {
        match self {
            BaselineOutcome::Ready(b) => Some(b),
            BaselineOutcome::Unavailable(_) => None,
        }
    }

    pub fn reason(&self) -> &str {
        match self {
            BaselineOutcome::Ready(_) => "",
            BaselineOutcome::Unavailable(r) => r,
        }
    }
}

/// A baseline: its slices, oldest first.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub description: String,
    pub slices: Vec<Slice>,
    /// Slices left out of the whole baseline (replaced by older ones) and of single fields'.
    pub skipped: Vec<Skipped>,
    /// How to read again the slices profiled in this run (not read from the history), so their
    /// drift bins can be counted exactly once the edges are known.
    pub fresh: Option<FreshScan>,
}

/// The slices of a baseline that were scanned in this run, and how to scan them again.
#[derive(Debug, Clone)]
pub enum FreshScan {
    /// Partitions `key=value` of the current slice's table; slices are named by partition.
    Partitions { key: String, values: Vec<String> },
    /// One other source (a location, or another Iceberg snapshot) that is the only slice;
    /// `renamed` maps current field names to the names in that source.
    Source {
        source: Box<Source>,
        renamed: Vec<(String, String)>,
    },
}

impl Baseline {
    /// Counts the numeric values of the slices scanned in this run exactly in the bins cut by
    /// `edges` (field -> interior edges), in one more scan of just those columns, and keeps the
    /// counts on the slices' profiles, so PSI reads neither side from a sketch. Fields whose
    /// slices are already exact (few values, or a sketch holding every value) are not scanned.
    pub async fn count_bins(
        &mut self,
        ctx: &crate::Context,
        current: &Source,
        edges: &BTreeMap<String, Vec<f64>>,
    ) -> Result<()> {
        let Some(fresh) = &self.fresh else {
            return Ok(());
        };
        let fresh_slices: Vec<&Slice> = self.slices.iter().filter(|s| !s.stored).collect();
        let wanted: BTreeMap<String, Vec<f64>> = edges
            .iter()
            .filter(|(name, _)| {
                fresh_slices.iter().any(|s| {
                    s.profile
                        .field(name)
                        .and_then(|f| f.numeric.as_ref())
                        .is_some_and(|n| n.few_values.is_none() && !n.sketch.is_exact())
                })
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let session = ctx.session()?;
        let (counts, renamed) = match fresh {
            FreshScan::Partitions { key, values } => {
                let source = current.select(&selectors(key, values), true).await?;
                let wanted: BTreeMap<String, Vec<f64>> = wanted
                    .into_iter()
                    .filter(|(c, _)| source.schema().field_with_name(c).is_ok())
                    .collect();
                (
                    profile::bins::count(&session, &source, &wanted, true).await?,
                    Vec::new(),
                )
            }
            FreshScan::Source { source, renamed } => {
                let then = |c: &String| {
                    renamed
                        .iter()
                        .find(|(now, _)| now == c)
                        .map_or_else(|| c.clone(), |(_, then)| then.clone())
                };
                let wanted: BTreeMap<String, Vec<f64>> = wanted
                    .into_iter()
                    .map(|(c, e)| (then(&c), e))
                    .filter(|(c, _)| source.schema().field_with_name(c).is_ok())
                    .collect();
                (
                    profile::bins::count(&session, source, &wanted, false).await?,
                    renamed.clone(),
                )
            }
        };
        let now_name = |c: &str| {
            renamed
                .iter()
                .find(|(_, then)| then == c)
                .map_or_else(|| c.to_string(), |(now, _)| now.clone())
        };
        let single = matches!(fresh, FreshScan::Source { .. });
        for slice in self.slices.iter_mut().filter(|s| !s.stored) {
            let key = if single { "" } else { slice.name.as_str() };
            let Some(by_column) = counts.get(key) else {
                continue;
            };
            for (column, c) in by_column {
                let name = now_name(column);
                let Some(edges) = edges.get(&name) else {
                    continue;
                };
                if let Some(n) = slice
                    .profile
                    .fields
                    .iter_mut()
                    .find(|f| f.name == name)
                    .and_then(|f| f.numeric.as_mut())
                {
                    n.bins = Some(Bins {
                        edges: edges.clone(),
                        counts: c.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// A baseline of the given slices, none left out.
    pub fn new(description: String, slices: Vec<Slice>, fresh: Option<FreshScan>) -> Self {
        Self {
            description,
            slices,
            skipped: Vec::new(),
            fresh,
        }
    }

    /// The last `n` slices (all when fewer).
    pub fn last(&self, n: usize) -> &[Slice] {
        &self.slices[self.slices.len().saturating_sub(n)..]
    }

    /// The slices that are part of `field`'s baseline.
    pub fn slices_for<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a Slice> + 'a {
        self.slices.iter().filter(move |s| s.serves(field))
    }

    /// Why slices were left out of `field`'s baseline, for the message of its checks.
    pub fn exclusion_note(&self, field: &str) -> Option<String> {
        let left: Vec<String> = self
            .slices
            .iter()
            .filter_map(|s| {
                s.excluded
                    .get(field)
                    .map(|why| format!("{} ({why})", s.name))
            })
            .collect();
        (!left.is_empty()).then(|| {
            format!(
                "left out of `{field}`'s baseline, its checks failed there: {}",
                left.join(", ")
            )
        })
    }

    /// All slices merged into one profile (sketches merged, counts added); each field only
    /// over the slices that serve it (a field no slice serves is absent).
    pub fn merged(&self) -> Option<TableProfile> {
        let mut it = self.slices.iter();
        let mut p = it.next()?.profile.clone();
        for s in it {
            p.merge(&s.profile);
        }
        let excluded: std::collections::BTreeSet<&String> =
            self.slices.iter().flat_map(|s| s.excluded.keys()).collect();
        for field in excluded {
            // The field over the slices that serve it; a slice without the column (added later)
            // counts as nulls, as in `TableProfile::merge`.
            let mut merged: Option<profile::FieldProfile> = None;
            let mut nulls_before = 0;
            for s in self.slices_for(field) {
                match (s.profile.field(field), &mut merged) {
                    (Some(f), None) => {
                        let mut f = f.clone();
                        f.null_count += nulls_before;
                        merged = Some(f);
                    }
                    (Some(f), Some(m)) => m.merge(f),
                    (None, Some(m)) => m.null_count += s.profile.row_count,
                    (None, None) => nulls_before += s.profile.row_count,
                }
            }
            p.fields.retain(|f| &f.name != field);
            p.fields.extend(merged);
        }
        Some(p)
    }
}

/// The date partition key of a source and the current slice's value, when exactly one value of
/// one date-typed partition key is selected; or, for an Iceberg table partitioned by a time
/// transform or a table sliced by event time, the one time slice selected.
pub fn current_date_partition(source: &Source) -> Option<(String, String)> {
    if let Some((key, _)) = source
        .partition_cols
        .iter()
        .find(|(_, dt)| *dt == DataType::Date32)
    {
        let values = values_of(source.files.iter(), key);
        return match values.as_slice() {
            [one] => Some((key.clone(), one.clone())),
            _ => None,
        };
    }
    current_slice(source).map(|(k, v, _)| (k, v))
}

/// The one time slice selected of a table sliced by an Iceberg time partition or by event
/// time: its key, value and unit.
pub fn current_slice(source: &Source) -> Option<(String, String, crate::source::slices::Unit)> {
    use crate::source::slices::KeyOrigin;
    if let [one] = source.selected_slices() {
        let (k, v) = one.split_once('=')?;
        let unit = source.slice_keys.iter().find(|s| s.name == k)?.unit?;
        return Some((k.to_string(), v.to_string(), unit));
    }
    source
        .slice_keys
        .iter()
        .filter(|k| matches!(k.origin, KeyOrigin::Iceberg { .. }))
        .find_map(|k| {
            let unit = k.unit?;
            match values_of(source.files.iter(), &k.name).as_slice() {
                [one] => Some((k.name.clone(), one.clone(), unit)),
                _ => None,
            }
        })
}

/// The values of the slice key `key` before `current` that a baseline may use: the partitions
/// of the table (hive directories, Iceberg partitions, from the listing), or for event-time
/// slices the calendar's slices before it.
pub async fn earlier_slices(
    source: &Source,
    key: &str,
    current: &str,
    wanted: usize,
) -> Result<Vec<String>> {
    let event = source
        .slice_keys
        .iter()
        .find(|k| k.name == key && k.origin == crate::source::slices::KeyOrigin::EventTime);
    match event.and_then(|k| k.unit) {
        Some(unit) => Ok(crate::source::slices::preceding(
            unit,
            current,
            wanted.saturating_mul(2) + 7,
        )),
        None => source.partition_values(key).await,
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

/// Every value of partition `key` in the source's table, from its listing (no file is opened,
/// nothing is listed again).
pub fn partition_values(source: &Source, key: &str) -> Vec<String> {
    values_of(source.listing().iter(), key)
}

/// `KEY=VALUE` selectors of the given values.
fn selectors(key: &str, values: &[String]) -> Vec<PartitionSelector> {
    values
        .iter()
        .map(|v| PartitionSelector {
            key: key.to_string(),
            value: SelectValue::Value(v.clone()),
        })
        .collect()
}

/// Profiles the given partitions of the source's table in one scan, one profile per partition.
pub async fn profile_partitions(
    ctx: &crate::Context,
    current: &Source,
    key: &str,
    values: &[String],
    columns: Option<&[String]>,
) -> Result<Vec<Slice>> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let source = current.select(&selectors(key, values), true).await?;
    // Columns added after these partitions were written are not in them: their baseline is
    // absent, not an error.
    let schema = source.schema();
    let columns: Vec<String> = match columns {
        Some(c) => c
            .iter()
            .filter(|c| schema.field_with_name(c).is_ok())
            .cloned()
            .collect(),
        None => profile::resolve_columns(&source, None)?,
    };
    let options = Options {
        by_partition: true,
        ..Options::default()
    };
    let profiled = profile::profile_with(ctx, &source, &columns, &options).await?;
    Ok(profiled
        .partitions
        .into_iter()
        .map(|(name, profile)| Slice::new(name, profile, false))
        .collect())
}
