//! A snapshot's data files and delete files, read from its manifests without opening a data
//! file: paths, sizes, record counts and per-column statistics.

use super::partitions::{Prune, file_partition};
use crate::error::{Error, Result};
use crate::source::slices::SliceKey;
use futures::{StreamExt, TryStreamExt};
use iceberg::spec::{DataContentType, Datum, ManifestContentType, SnapshotRef};
use iceberg::table::Table;
use std::collections::HashMap;

/// One data file of the snapshot, with the statistics its manifest entry records.
#[derive(Debug, Clone)]
pub struct DataFileFacts {
    pub path: String,
    pub size: u64,
    pub records: u64,
    pub value_counts: HashMap<i32, u64>,
    pub null_counts: HashMap<i32, u64>,
    pub lower: HashMap<i32, Datum>,
    pub upper: HashMap<i32, Datum>,
    /// `(partition field, value)` in the default spec's terms (see [`super::partitions`]).
    pub partition: Vec<(String, String)>,
}

/// What was read of a snapshot's manifests.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub files: Vec<DataFileFacts>,
    pub deletes: Vec<String>,
    /// Data manifests in the snapshot, and those read (the rest were pruned by their
    /// partition summaries).
    pub manifests_total: usize,
    pub manifests_read: usize,
    /// Data files kept because their partition spec cannot tell whether they hold the
    /// selected partitions: their rows must be filtered.
    pub unpruned: usize,
}

/// The live data files and delete files of a snapshot, from its manifests. Deletion vectors
/// (Puffin) are refused: iceberg-rust 0.10 does not apply them.
pub(super) async fn data_files(
    location: &str,
    table: &Table,
    snapshot: &SnapshotRef,
    keys: &[SliceKey],
    prune: Option<&Prune>,
) -> Result<Listing> {
    let err = |e| super::errors::iceberg_error(location, e);
    let list = table
        .manifest_list_reader(snapshot)
        .load()
        .await
        .map_err(err)?;
    let io = table.file_io().clone();
    let is_data = |mf: &iceberg::spec::ManifestFile| mf.content == ManifestContentType::Data;
    let manifests_total = list.entries().iter().filter(|m| is_data(m)).count();
    // Delete manifests are always read: a pruned-away delete would overstate what is live.
    let wanted: Vec<_> = list
        .entries()
        .iter()
        .filter(|mf| {
            !is_data(mf)
                || prune.is_none_or(|p| {
                    p.keeps_manifest(table, mf.partition_spec_id, mf.partitions.as_deref())
                })
        })
        .cloned()
        .collect();
    let manifests_read = wanted.iter().filter(|m| is_data(m)).count();
    let manifests: Vec<_> = futures::stream::iter(wanted.into_iter().map(|mf| {
        let io = io.clone();
        async move { mf.load_manifest(&io).await.map(|m| (mf, m)) }
    }))
    .buffered(8)
    .try_collect()
    .await
    .map_err(err)?;
    let mut files = Vec::new();
    let mut deletes: Vec<String> = Vec::new();
    let mut unpruned = 0;
    for (mf, manifest) in manifests {
        for entry in manifest.entries().iter().filter(|e| e.is_alive()) {
            let df = entry.data_file();
            if mf.content == ManifestContentType::Deletes
                || df.content_type() != DataContentType::Data
            {
                if df.file_format() == iceberg::spec::DataFileFormat::Puffin {
                    return Err(Error::Storage {
                        location: location.to_string(),
                        message: format!(
                            "snapshot {} of Iceberg table `{location}` deletes rows with deletion vectors (`{}`), which iceberg-rust 0.10 cannot apply",
                            snapshot.snapshot_id(),
                            df.file_path()
                        ),
                        hint: "compact the table (rewrite data files so no deletion vectors remain), or profile a snapshot from before the deletes with `--snapshot ID`".into(),
                    });
                }
                deletes.push(df.file_path().to_string());
                continue;
            }
            let partition = file_partition(table, keys, mf.partition_spec_id, df.partition()).named;
            if let Some(p) = prune {
                let key = keys.iter().find(|k| {
                    matches!(k.origin, super::super::slices::KeyOrigin::Iceberg { index, .. } if index == p.index)
                });
                match key.and_then(|k| partition.iter().find(|(n, _)| n == &k.name)) {
                    Some((_, v)) if !p.values.contains(v) => continue,
                    Some(_) => {}
                    None => unpruned += 1,
                }
            }
            files.push(DataFileFacts {
                path: df.file_path().to_string(),
                size: df.file_size_in_bytes(),
                records: df.record_count(),
                value_counts: df.value_counts().clone(),
                null_counts: df.null_value_counts().clone(),
                lower: df.lower_bounds().clone(),
                upper: df.upper_bounds().clone(),
                partition,
            });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    deletes.sort();
    Ok(Listing {
        files,
        deletes,
        manifests_total,
        manifests_read,
        unpruned,
    })
}
