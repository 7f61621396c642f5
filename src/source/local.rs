//! Local files: listing a directory tree like DataFusion does, and reading Parquet footers.

use crate::error::{Error, Result};
use arrow::datatypes::Schema;
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One Parquet file of a source, with what its footer says.
#[derive(Debug, Clone, PartialEq)]
pub struct FileInfo {
    pub path: PathBuf,
    pub size: u64,
    /// Row count from the footer (0 until the footer is read).
    pub rows: u64,
    /// Hive partition `key=value` pairs from the path, outermost first.
    pub partition: Vec<(String, String)>,
    /// The parsed footer (row groups and their column statistics), once read.
    pub footer: Option<Arc<ParquetMetaData>>,
}

impl FileInfo {
    pub fn new(path: PathBuf, size: u64, partition: Vec<(String, String)>) -> Self {
        Self {
            path,
            size,
            rows: 0,
            partition,
            footer: None,
        }
    }

    /// `key=value/...` of the partition directories holding the file (empty when none).
    pub fn partition_name(&self) -> String {
        self.partition
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Reads the footer: the row count and the Arrow schema. A file that is empty, truncated
    /// or not Parquet gives [`Error::CorruptParquet`].
    pub fn read_footer(&mut self) -> Result<Schema> {
        let corrupt = |reason: String| Error::CorruptParquet {
            path: self.path.display().to_string(),
            reason,
        };
        if self.size == 0 {
            return Err(corrupt("the file is empty (0 bytes)".into()));
        }
        let file = std::fs::File::open(&self.path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Vanished {
                path: self.path.display().to_string(),
            },
            _ => Error::Io {
                path: self.path.display().to_string(),
                source: e,
            },
        })?;
        let meta = ParquetMetaDataReader::new()
            .parse_and_finish(&file)
            .map_err(|e| corrupt(footer_reason(e)))?;
        let fm = meta.file_metadata();
        self.rows =
            u64::try_from(fm.num_rows()).map_err(|_| corrupt("negative row count".into()))?;
        let schema =
            parquet::arrow::parquet_to_arrow_schema(fm.schema_descr(), fm.key_value_metadata())
                .map_err(|e| corrupt(format!("unsupported schema: {e}")))?;
        self.footer = Some(Arc::new(meta));
        Ok(schema)
    }
}

pub(super) fn footer_reason(e: parquet::errors::ParquetError) -> String {
    let text = e.to_string();
    if text.contains("magic") || text.contains("Invalid Parquet file") {
        format!("no Parquet footer ({text}); the file is truncated or is not Parquet")
    } else {
        text
    }
}

/// Every `*.parquet` file under `root`, in sorted order, with the `key=value` directories on its
/// path. As in DataFusion (and Hive), files in subdirectories that are not `key=value` are skipped.
pub fn list_parquet_files(root: &Path) -> Result<Vec<FileInfo>> {
    let mut out = Vec::new();
    walk(root, &mut Vec::new(), &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(dir: &Path, parts: &mut Vec<(String, String)>, out: &mut Vec<FileInfo>) -> Result<()> {
    let io = |e| Error::Io {
        path: dir.display().to_string(),
        source: e,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().to_string();
        let ty = entry.file_type().map_err(io)?;
        let path = entry.path();
        let ty = if ty.is_symlink() {
            std::fs::metadata(&path).map_err(io)?.file_type()
        } else {
            ty
        };
        if ty.is_dir() {
            if let Some((k, v)) = name.split_once('=') {
                parts.push((k.to_string(), v.to_string()));
                walk(&path, parts, out)?;
                parts.pop();
            }
        } else if ty.is_file() && name.ends_with(".parquet") {
            let size = entry.metadata().map_err(io)?.len();
            out.push(FileInfo::new(path, size, parts.clone()));
        }
    }
    Ok(())
}
