//! When data last arrived, from metadata alone: the listing times of a table's files (Parquet,
//! local or S3) and the commit times of an Iceberg table's snapshots. No data file is opened.

use super::{Backend, FileInfo, Source};
use chrono::{DateTime, Utc};

/// The newest snapshot (the one read, or an ancestor of it) that added data.
#[derive(Debug, Clone, PartialEq)]
pub struct DataCommit {
    pub snapshot_id: i64,
    pub committed_at: DateTime<Utc>,
    /// The snapshot's operation (`append`, `overwrite`, ...).
    pub operation: String,
    /// Snapshots read after it that added no data (deletes, rewrites, metadata-only commits).
    pub later_without_data: usize,
}

impl Source {
    /// The most recently written file: of the whole table's listing (`whole`), or of the selected
    /// slice. `None` when no file has a listing time (Iceberg data files).
    pub fn newest_file(&self, whole: bool) -> Option<&FileInfo> {
        let files: &[FileInfo] = if whole { self.listing() } else { &self.files };
        files
            .iter()
            .filter(|f| f.modified.is_some())
            .max_by_key(|f| (f.modified, &f.path))
    }

    /// The number of files of the whole table (the listing) or of the selected slice.
    pub fn file_count(&self, whole: bool) -> usize {
        if whole {
            self.listing().len()
        } else {
            self.files.len()
        }
    }

    /// A file's path relative to the table's root (the path itself when it is elsewhere), for
    /// identities stored in the history that stay small.
    pub fn relative_path<'a>(&self, path: &'a str) -> &'a str {
        let root = match &self.backend {
            Backend::Files { storage, root } => storage.display(root),
            Backend::Iceberg(t) => t.table.metadata().location().to_string(),
        };
        path.strip_prefix(root.trim_end_matches('/'))
            .map(|p| p.trim_start_matches('/'))
            .filter(|p| !p.is_empty())
            .unwrap_or(path)
    }

    /// For an Iceberg table: the newest snapshot, among the one read and its ancestors, that
    /// added rows: an `append` or `overwrite` whose summary counts added records (or data files;
    /// a writer that records no counts is taken at its operation's word). Compactions
    /// (`replace`) and deletes add no data. `None` for a Parquet table, or
    /// an Iceberg table none of whose snapshots added data.
    pub fn newest_data_commit(&self) -> Option<DataCommit> {
        let t = self.iceberg()?;
        let md = t.table.metadata();
        let mut next = t.snapshot.clone();
        // Bounded by the number of snapshots: a corrupt parent chain cannot loop.
        for later in 0..=md.snapshots().count() {
            let s = next?;
            let summary = s.summary();
            let op = summary.operation.as_str().to_string();
            let count = |key: &str| {
                summary
                    .additional_properties
                    .get(key)
                    .map(|n| n.trim().parse::<u64>().is_ok_and(|n| n > 0))
            };
            // A `replace` (compaction) rewrites rows that were there; a `delete` removes them.
            let added = matches!(op.as_str(), "append" | "overwrite")
                && count("added-records")
                    .or_else(|| count("added-data-files"))
                    .unwrap_or(true);
            if added {
                return Some(DataCommit {
                    snapshot_id: s.snapshot_id(),
                    committed_at: DateTime::from_timestamp_millis(s.timestamp_ms())?,
                    operation: op,
                    later_without_data: later,
                });
            }
            next = s
                .parent_snapshot_id()
                .and_then(|p| md.snapshot_by_id(p).cloned());
        }
        None
    }
}
