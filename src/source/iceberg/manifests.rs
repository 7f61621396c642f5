//! A snapshot's data files and delete files, read from its manifests without opening a data
//! file: paths, sizes, record counts and per-column statistics.

use crate::error::{Error, Result};
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
}

/// The live data files and delete files of a snapshot, from its manifests. Deletion vectors
/// (Puffin) are refused: iceberg-rust 0.10 does not apply them.
pub(super) async fn data_files(
    location: &str,
    table: &Table,
    snapshot: &SnapshotRef,
) -> Result<(Vec<DataFileFacts>, Vec<String>)> {
    let err = |e| super::errors::iceberg_error(location, e);
    let list = table
        .manifest_list_reader(snapshot)
        .load()
        .await
        .map_err(err)?;
    let io = table.file_io().clone();
    let manifests: Vec<_> = futures::stream::iter(list.entries().iter().cloned().map(|mf| {
        let io = io.clone();
        async move { mf.load_manifest(&io).await.map(|m| (mf, m)) }
    }))
    .buffered(8)
    .try_collect()
    .await
    .map_err(err)?;
    let mut files = Vec::new();
    let mut deletes: Vec<String> = Vec::new();
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
            files.push(DataFileFacts {
                path: df.file_path().to_string(),
                size: df.file_size_in_bytes(),
                records: df.record_count(),
                value_counts: df.value_counts().clone(),
                null_counts: df.null_value_counts().clone(),
                lower: df.lower_bounds().clone(),
                upper: df.upper_bounds().clone(),
            });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    deletes.sort();
    Ok((files, deletes))
}
