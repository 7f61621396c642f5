//! Incremental profiles of a partitioned Iceberg table, one partition at a time: a run with
//! `--history` reuses each stored partition profile whose data files are all still live, reads
//! only the files added to it since (and the partitions with no stored profile), and stores one
//! profile per partition. The daily run of a day-partitioned table thus reads the new day's
//! files, whether it selects that day (`--partition event_time=latest`) or the whole table.
//!
//! A stored partition is reused only while nothing was removed from it (its files at the stored
//! snapshot are a subset of its files now), the schema is the same, it covers every column, and
//! the merged row count equals the manifests'. Otherwise that partition is scanned again.

use super::History;
use super::incremental::Incremental;
use crate::context::Context;
use crate::error::Result;
use crate::profile::{self, Options, Profiled, TableProfile};
use crate::source::iceberg::SnapshotSelect;
use crate::source::{Source, SourceRef};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A stored partition that can be built on, and the files added to it since.
struct Reuse {
    stored: TableProfile,
    added: HashSet<String>,
}

/// The per-partition profile of `source` built from the history; None when no stored
/// partition can be reused (a plain scan does the same work).
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
    if !options.by_partition
        || !source.counts_exact()
        || !source.partition_cols.is_empty()
        || source.group_keys().is_empty()
        || source.sliced_by_event_time()
    {
        return Ok(None);
    }
    let parts = source.partitions();
    // Stored profiles that may serve, by the snapshot they were taken at.
    let mut candidates: BTreeMap<i64, Vec<(String, TableProfile)>> = BTreeMap::new();
    for part in &parts {
        let Some(stored) = history.get(table, part).await? else {
            continue;
        };
        let p = stored.profile;
        let Some(snap) = p.snapshot.clone() else {
            continue;
        };
        if snap.schema_id != current.schema_id
            || p.source != source.location
            || columns.iter().any(|c| p.field(c).is_none())
        {
            continue;
        }
        candidates
            .entry(snap.id)
            .or_default()
            .push((part.clone(), p));
    }
    if candidates.is_empty() {
        return Ok(None);
    }
    let files_of = |s: &Source, part: &str| -> HashSet<String> {
        s.files
            .iter()
            .filter(|f| f.partition_name() == part)
            .map(|f| f.path.clone())
            .collect()
    };
    let mut reuse: HashMap<String, Reuse> = HashMap::new();
    let mut newest = 0;
    for (id, stored) in candidates {
        // The earlier snapshot may have been expired since: nothing to build on then.
        let then = SourceRef::at(&source.location, SnapshotSelect::Id(id));
        let Ok(old) = Source::open(ctx, &then, &[]).await else {
            continue;
        };
        for (part, p) in stored {
            let (before, now) = (files_of(&old, &part), files_of(source, &part));
            if before.is_empty() || !before.is_subset(&now) {
                continue;
            }
            newest = newest.max(id);
            let added = now.difference(&before).cloned().collect();
            reuse.insert(part, Reuse { stored: p, added });
        }
    }
    if reuse.is_empty() {
        return Ok(None);
    }
    let to_read: HashSet<String> = source
        .files
        .iter()
        .filter(|f| match reuse.get(&f.partition_name()) {
            Some(r) => r.added.contains(&f.path),
            None => true,
        })
        .map(|f| f.path.clone())
        .collect();
    let mut fresh: BTreeMap<String, TableProfile> = BTreeMap::new();
    if !to_read.is_empty() {
        let part = source.only_files(&to_read);
        let options = Options {
            by_partition: true,
            ..options.clone()
        };
        let scanned = profile::profile_with(ctx, &part, columns, &options).await?;
        fresh.extend(scanned.partitions);
    }
    let mut partitions: Vec<(String, TableProfile)> = Vec::new();
    for part in &parts {
        let mut p = match (reuse.remove(part), fresh.remove(part)) {
            (Some(r), Some(f)) => {
                let mut p = r.stored;
                p.merge(&f);
                p
            }
            (Some(r), None) => r.stored,
            (None, Some(f)) => f,
            (None, None) => return Ok(None),
        };
        let footers = profile::footer_profile(&source.only_partition(part));
        if p.row_count != footers.row_count {
            return Ok(None);
        }
        p.fields.retain(|f| columns.contains(&f.name));
        p.snapshot = footers.snapshot;
        p.scan = footers.scan;
        p.scan.scanned = true;
        p.partitions = footers.partitions;
        partitions.push((part.clone(), p));
    }
    let mut whole = profile::footer_profile(source);
    whole.fields = profile::merged_fields(&partitions);
    whole.scan.scanned = true;
    Ok(Some((
        Profiled { whole, partitions },
        Incremental {
            from_snapshot: newest,
            files_read: to_read.len(),
            files_total: source.files.len(),
        },
    )))
}
