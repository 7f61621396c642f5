//! The Parquet files of a source, with what their footers say.

use object_store::path::Path as ObjectPath;
use parquet::file::metadata::ParquetMetaData;
use std::sync::Arc;

/// One Parquet file of a source.
#[derive(Debug, Clone, PartialEq)]
pub struct FileInfo {
    /// The file as people see it: an absolute path, or an `s3://` URL.
    pub path: String,
    /// Its key in the source's object store.
    pub key: ObjectPath,
    pub size: u64,
    /// Row count from the footer (0 until the footer is read).
    pub rows: u64,
    /// Hive partition `key=value` pairs from the path, outermost first (values decoded).
    pub partition: Vec<(String, String)>,
    /// The parsed footer (row groups and their column statistics), once read.
    pub footer: Option<Arc<ParquetMetaData>>,
    /// When the file was last written, as the listing says (a local file's mtime, an S3
    /// object's `Last-Modified`); `None` for Iceberg data files, whose time is their snapshot's.
    pub modified: Option<chrono::DateTime<chrono::Utc>>,
}

impl FileInfo {
    pub fn new(path: String, key: ObjectPath, size: u64, partition: Vec<(String, String)>) -> Self {
        Self {
            path,
            key,
            size,
            rows: 0,
            partition,
            footer: None,
            modified: None,
        }
    }

    /// The same file with its listing time.
    pub fn modified_at(mut self, at: chrono::DateTime<chrono::Utc>) -> Self {
        self.modified = Some(at);
        self
    }

    /// `key=value/...` of the partition directories holding the file (empty when none).
    pub fn partition_name(&self) -> String {
        self.partition
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("/")
    }
}
