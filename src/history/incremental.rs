//! Incremental profiles of Iceberg tables: a scheduled run with `--history` profiles only the
//! data files added since the snapshot of the last stored run and merges them into that run's
//! profile, so the cost of a run grows with the new data, not with the table.
//!
//! This is exact only while nothing was removed: the previous snapshot's data files must all
//! still be live (appends only, no compaction, overwrite or delete in between), the current
//! snapshot must have no delete files, and the schema must be the same. Otherwise, or when the
//! stored profile lacks a column, the run scans the whole snapshot as usual.

use super::History;
use crate::context::Context;
use crate::error::Result;
use crate::profile::{self, Options, Profiled};
use crate::source::iceberg::SnapshotSelect;
use crate::source::{Source, SourceRef};
use std::collections::HashSet;

/// What an incremental run read.
#[derive(Debug, Clone, PartialEq)]
pub struct Incremental {
    /// The snapshot of the stored profile it started from.
    pub from_snapshot: i64,
    /// Data files added since then, the only ones read.
    pub files_read: usize,
    pub files_total: usize,
}

impl Incremental {
    /// The line telling the user what was read.
    pub fn note(&self, location: &str) -> String {
        format!(
            "note: `{location}`: read {} of {} data file(s), those added since snapshot {} (incremental, merged with the stored profile)",
            self.files_read, self.files_total, self.from_snapshot
        )
    }
}

/// The profile of `source` for a run that keeps `history`: incremental when it can be (an Iceberg
/// table; the second value says what was read), else one scan of the whole slice.
pub async fn profile_or_scan(
    ctx: &Context,
    source: &Source,
    history: &History,
    table: &str,
    columns: &[String],
    options: &Options,
) -> Result<(Profiled, Option<Incremental>)> {
    // A partitioned Iceberg table: per partition, from the stored partition profiles.
    if let Some((p, inc)) =
        super::slices::profile(ctx, source, history, table, columns, options).await?
    {
        return Ok((p, Some(inc)));
    }
    match profile(ctx, source, history, table, columns, options).await? {
        Some((p, inc)) => Ok((p, Some(inc))),
        None => Ok((
            profile::profile_with(ctx, source, columns, options).await?,
            None,
        )),
    }
}

/// The profile of the current snapshot of an Iceberg `source`, from the last stored run of
/// `table` plus the files added since; `None` when that is not exact (see the module docs).
pub async fn profile(
    ctx: &Context,
    source: &Source,
    history: &History,
    table: &str,
    columns: &[String],
    options: &Options,
) -> Result<Option<(Profiled, Incremental)>> {
    let Some(current) = source.iceberg().and_then(|t| t.snapshot_info()) else {
        return Ok(None);
    };
    // Deletes change rows already profiled: only a full scan applies them.
    if !source.counts_exact() {
        return Ok(None);
    }
    let Some(newest) = history.slices(table).await?.into_iter().next() else {
        return Ok(None);
    };
    let Some(last) = history.get(table, &newest).await? else {
        return Ok(None);
    };
    let Some(prev) = last.profile.snapshot.clone() else {
        return Ok(None);
    };
    if prev.schema_id != current.schema_id
        || last.profile.source != source.location
        || columns.iter().any(|c| last.profile.field(c).is_none())
    {
        return Ok(None);
    }
    // The earlier snapshot may have been expired since: then there is nothing to build on.
    let then = SourceRef::at(&source.location, SnapshotSelect::Id(prev.id));
    let Ok(old) = Source::open(ctx, &then, &[]).await else {
        return Ok(None);
    };
    let path = |f: &crate::source::FileInfo| f.path.clone();
    let before: HashSet<String> = old.files.iter().map(path).collect();
    let now: HashSet<String> = source.files.iter().map(path).collect();
    if !before.is_subset(&now) {
        return Ok(None);
    }
    let added: HashSet<String> = now.difference(&before).cloned().collect();
    let mut whole = last.profile.clone();
    let stored_columns: Vec<String> = whole.fields.iter().map(|f| f.name.clone()).collect();
    if !added.is_empty() {
        let part = source.only_files(&added);
        let options = Options {
            by_partition: false,
            ..options.clone()
        };
        let fresh = profile::profile_with(ctx, &part, &stored_columns, &options).await?;
        whole.merge(&fresh.whole);
    }
    if whole.row_count != source.row_count() {
        return Ok(None);
    }
    let footers = profile::footer_profile(source);
    whole.snapshot = footers.snapshot;
    whole.scan = footers.scan;
    whole.scan.scanned = true;
    Ok(Some((
        Profiled {
            whole,
            partitions: Vec::new(),
        },
        Incremental {
            from_snapshot: prev.id,
            files_read: added.len(),
            files_total: source.files.len(),
        },
    )))
}
