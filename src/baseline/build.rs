//! The baseline policy: which slices today's slice is compared with, read from the history where
//! it holds them and profiled (then stored) otherwise.

use super::{
    Baseline, BaselineOutcome, BaselineSpec, FreshScan, Skipped, Slice, current_date_partition,
    preceding_values, profile_partitions,
};
use crate::error::{Error, Result};
use crate::history::{History, StoredSlice};
use crate::profile;
use crate::source::iceberg::SnapshotSelect;
use crate::source::{Source, SourceRef};

/// What a baseline is wanted for.
pub struct BaselineRequest<'a> {
    /// The current slice's source (its location names the table for partition baselines).
    pub source: &'a Source,
    /// The table's name in the history.
    pub table: &'a str,
    pub spec: Option<&'a BaselineSpec>,
    /// Slices wanted for a preceding-partitions baseline (`row_count.baseline_days`, else 7).
    pub slices: usize,
    pub same_weekday: bool,
    /// Keep slices whose checks failed.
    pub include_failed: bool,
    /// Columns to profile for slices not in the history (None: all).
    pub columns: Option<&'a [String]>,
    pub history: Option<&'a History>,
    /// The run checks this table alone: a baseline that cannot apply to it is an error rather
    /// than a warning naming the other tables it applies to.
    pub sole: bool,
}

/// Builds the baseline of one table; `Unavailable` says why there is none.
pub async fn build(ctx: &crate::Context, r: &BaselineRequest<'_>) -> Result<BaselineOutcome> {
    let location = r.source.location.as_str();
    if let Some(table) = r.source.iceberg() {
        match r.spec {
            Some(BaselineSpec::Snapshot(id)) => {
                let other =
                    Source::open(ctx, &SourceRef::at(location, SnapshotSelect::Id(*id)), &[])
                        .await?;
                return Ok(BaselineOutcome::Ready(
                    one_slice(
                        ctx,
                        format!("snapshot {id}"),
                        &other,
                        r.columns,
                        r.source,
                        true,
                    )
                    .await?,
                ));
            }
            // A table partitioned by a time transform, one partition selected: the partitions
            // before it, as for hive date partitions (below).
            Some(BaselineSpec::Preceding(_)) if current_date_partition(r.source).is_some() => {}
            Some(BaselineSpec::Preceding(days)) => {
                let Some(current) = &table.snapshot else {
                    return Ok(BaselineOutcome::Unavailable(format!(
                        "{location} has no snapshot yet"
                    )));
                };
                let at = current.timestamp_ms() - *days as i64 * 86_400_000;
                let other = match Source::open(
                    ctx,
                    &SourceRef::at(location, SnapshotSelect::AsOf(at)),
                    &[],
                )
                .await
                {
                    Ok(o) => o,
                    Err(Error::Usage { .. }) => {
                        return Ok(BaselineOutcome::Unavailable(format!(
                            "{location} had no snapshot yet {days} day(s) before snapshot {}",
                            current.snapshot_id()
                        )));
                    }
                    Err(e) => return Err(e),
                };
                let id = other.iceberg().and_then(|t| t.snapshot_id()).unwrap_or(0);
                let description = format!(
                    "snapshot {id}, current {days} day(s) before snapshot {}",
                    current.snapshot_id()
                );
                return Ok(BaselineOutcome::Ready(
                    one_slice(ctx, description, &other, r.columns, r.source, true).await?,
                ));
            }
            // A partition field: handled with other slices below.
            Some(BaselineSpec::Partition(k, _))
                if r.source.slice_keys.iter().any(|s| s.answers_to(k)) => {}
            Some(BaselineSpec::Partition(k, v)) => {
                return not_here(
                    r,
                    format!(
                        "{location} is an Iceberg table not partitioned by `{k}` (`--baseline {k}={v}`)"
                    ),
                    "compare snapshots with `--baseline snapshot:ID` or `--baseline 7d`, or name a partition field",
                );
            }
            _ => {}
        }
    }
    match r.spec {
        Some(BaselineSpec::Snapshot(id)) => {
            return not_here(
                r,
                format!("`--baseline snapshot:{id}` needs an Iceberg table; {location} is not one"),
                "give a location, `KEY=VALUE` or `Nd`",
            );
        }
        Some(BaselineSpec::Source(other)) => {
            let source = Source::open(ctx, other, &[]).await?;
            let description = other.to_string();
            return Ok(BaselineOutcome::Ready(
                one_slice(ctx, description, &source, r.columns, r.source, false).await?,
            ));
        }
        Some(BaselineSpec::Partition(k, v))
            if !r.source.partition_cols.iter().any(|(key, _)| key == k)
                && let Some(key) = r.source.slice_keys.iter().find(|s| s.answers_to(k)) =>
        {
            // A partition field of an Iceberg table, or an event-time slice.
            let value = key
                .normalize(v)
                .map_err(|why| Error::usage(why, format!("`--baseline {}=VALUE`", key.name)))?;
            let slices = profile_partitions(
                ctx,
                r.source,
                &key.name,
                std::slice::from_ref(&value),
                r.columns,
            )
            .await?;
            return Ok(BaselineOutcome::Ready(Baseline::new(
                format!("partition {}={value}", key.name),
                slices,
                Some(FreshScan::Partitions {
                    key: key.name.clone(),
                    values: vec![value],
                }),
            )));
        }
        Some(BaselineSpec::Partition(k, v)) => {
            if !r.source.partition_cols.iter().any(|(key, _)| key == k) {
                return not_here(
                    r,
                    format!("{location} is not partitioned by `{k}` (`--baseline {k}={v}`)"),
                    "give a partition key of the table, or bind the baseline to one table with `--baseline NAME=KEY=VALUE`",
                );
            }
            let slices =
                profile_partitions(ctx, r.source, k, std::slice::from_ref(v), r.columns).await?;
            return Ok(BaselineOutcome::Ready(Baseline::new(
                format!("partition {k}={v}"),
                slices,
                Some(FreshScan::Partitions {
                    key: k.clone(),
                    values: vec![v.clone()],
                }),
            )));
        }
        Some(BaselineSpec::Preceding(_)) | None => {}
    }
    let n = match r.spec {
        Some(BaselineSpec::Preceding(n)) => *n,
        _ => r.slices,
    };
    let Some((key, current)) = current_date_partition(r.source) else {
        if let Some(BaselineSpec::Preceding(_)) = r.spec
            && r.history.is_none()
        {
            return not_here(
                r,
                format!("`--baseline {n}d` needs one date partition of {location} selected"),
                "select the current day with `--partition date=YYYY-MM-DD` or `--partition date=latest`",
            );
        }
        // Not date-partitioned: earlier runs from the history.
        if let Some(h) = r.history {
            return from_runs(h, r, n).await;
        }
        return Ok(BaselineOutcome::Unavailable(
            if r.source.iceberg().is_some() {
                "pass `--baseline snapshot:ID` or `--baseline Nd` (another snapshot), or keep a `--history`".into()
            } else {
                "select one date partition with `--partition date=...`, or pass `--baseline` or `--history`".into()
            },
        ));
    };
    let all = super::earlier_slices(r.source, &key, &current, n).await?;
    // The newest `n` earlier partitions on which no table-level check failed (those are replaced
    // by older ones, so a repaired table is not compared with its broken self); a partition on
    // which a field's check failed stays, left out of that field's baseline only.
    let earlier = preceding_values(&all, &current, usize::MAX, r.same_weekday);
    let mut slices: Vec<Slice> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    let mut skipped: Vec<Skipped> = Vec::new();
    for v in earlier.iter().rev() {
        if slices.len() + missing.len() == n {
            break;
        }
        let name = format!("{key}={v}");
        let stored = match r.history {
            Some(h) => h.get(r.table, &name).await?,
            None => None,
        };
        match stored {
            None => missing.push(v.clone()),
            Some(s) => slices.extend(admit(r, name, s, &mut skipped)),
        }
    }
    let fresh = profile_partitions(ctx, r.source, &key, &missing, r.columns).await?;
    if let Some(h) = r.history {
        for s in &fresh {
            h.put(r.table, &s.name, &s.profile, None).await?;
        }
    }
    slices.extend(fresh);
    slices.sort_by(|a, b| a.name.cmp(&b.name));
    if slices.is_empty() {
        return Ok(BaselineOutcome::Unavailable(if skipped.is_empty() {
            format!("{location} has no partition before {key}={current}")
        } else {
            format!(
                "every earlier partition failed its checks: {}",
                skipped
                    .iter()
                    .map(|s| format!("{} ({})", s.slice, s.reason))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }));
    }
    let description = format!(
        "{} {}{} before {key}={current}{}",
        slices.len(),
        if r.same_weekday { "same-weekday " } else { "" },
        if r.source.sliced_by_event_time() {
            "slice(s)"
        } else {
            "partition(s)"
        },
        if r.source.sliced_by_event_time() {
            " (event-time slices, cut by a filter on the column)"
        } else if r.source.iceberg().is_some() {
            " (partitions of the Iceberg table, not snapshots)"
        } else {
            ""
        }
    );
    Ok(BaselineOutcome::Ready(with_skipped(
        Baseline::new(
            description,
            slices,
            (!missing.is_empty()).then(|| FreshScan::Partitions {
                key: key.clone(),
                values: missing,
            }),
        ),
        skipped,
    )))
}

/// A baseline spec that does not apply to this table: an error when the run checks it alone,
/// else the reason it has no baseline (the spec applies to the run's other tables).
fn not_here(r: &BaselineRequest<'_>, message: String, hint: &str) -> Result<BaselineOutcome> {
    if r.sole {
        Err(Error::usage(message, hint))
    } else {
        Ok(BaselineOutcome::Unavailable(format!(
            "{message}; it applies to the run's other tables"
        )))
    }
}

/// A stored slice as a baseline slice: none when a table-level check failed on it (recorded in
/// `skipped`), else one left out of the baselines of the fields whose checks failed on it.
fn admit(
    r: &BaselineRequest<'_>,
    name: String,
    s: StoredSlice,
    skipped: &mut Vec<Skipped>,
) -> Option<Slice> {
    if r.include_failed {
        return Some(Slice::new(name, s.profile, true));
    }
    if let Some(reason) = s.table_failure() {
        skipped.push(Skipped {
            slice: name,
            field: None,
            reason,
        });
        return None;
    }
    let excluded = s.failed_fields();
    let mut slice = Slice::new(name, s.profile, true);
    slice.excluded = excluded;
    Some(slice)
}

/// The baseline of an unpartitioned table: its last `n` stored runs.
async fn from_runs(h: &History, r: &BaselineRequest<'_>, n: usize) -> Result<BaselineOutcome> {
    let mut slices = Vec::new();
    let mut skipped = Vec::new();
    for name in h.slices(r.table).await? {
        if slices.len() == n {
            break;
        }
        if let Some(s) = h.get(r.table, &name).await? {
            slices.extend(admit(r, name, s, &mut skipped));
        }
    }
    slices.reverse();
    if slices.is_empty() {
        return Ok(BaselineOutcome::Unavailable(format!(
            "the history at {} holds no earlier run of {} that can serve",
            h.location(),
            r.table
        )));
    }
    Ok(BaselineOutcome::Ready(with_skipped(
        Baseline::new(format!("the last {} run(s)", slices.len()), slices, None),
        skipped,
    )))
}

/// Records the skipped slices and the per-field exclusions on the baseline.
fn with_skipped(mut b: Baseline, skipped: Vec<Skipped>) -> Baseline {
    b.skipped = skipped;
    for s in &b.slices {
        for (field, reason) in &s.excluded {
            b.skipped.push(Skipped {
                slice: s.name.clone(),
                field: Some(field.clone()),
                reason: reason.clone(),
            });
        }
    }
    b
}

/// A baseline of one other source, profiled over the wanted columns it has.
/// For another snapshot of an Iceberg table, its fields are named as the current snapshot names
/// them (matched by field id), so a renamed column is compared with itself.
async fn one_slice(
    ctx: &crate::Context,
    description: String,
    other: &Source,
    columns: Option<&[String]>,
    current: &Source,
    same_table: bool,
) -> Result<Baseline> {
    // Current name -> name in `other`, for fields renamed in between.
    let renamed: Vec<(String, String)> = match (current.iceberg(), other.iceberg()) {
        (Some(now), Some(then)) if same_table => now.renamed_since(then),
        _ => Vec::new(),
    };
    let old_name = |c: &String| {
        renamed
            .iter()
            .find(|(now, _)| now == c)
            .map_or_else(|| c.clone(), |(_, then)| then.clone())
    };
    let schema = other.schema();
    let cols: Vec<String> = match columns {
        Some(c) => c
            .iter()
            .map(old_name)
            .filter(|c| schema.field_with_name(c).is_ok())
            .collect(),
        None => profile::resolve_columns(other, None)?,
    };
    let mut p = profile::profile(ctx, other, &cols).await?;
    for (now, then) in &renamed {
        for f in p.fields.iter_mut().filter(|f| &f.name == then) {
            f.name = now.clone();
        }
        for c in p.schema.iter_mut().filter(|c| &c.name == then) {
            c.name = now.clone();
        }
    }
    Ok(Baseline::new(
        description.clone(),
        vec![Slice::new(description, p, false)],
        Some(FreshScan::Source {
            source: Box::new(other.clone()),
            renamed,
        }),
    ))
}
