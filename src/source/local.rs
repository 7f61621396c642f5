//! Local files: listing a directory tree like DataFusion does, and reading Parquet footers.

use super::footer;
use crate::error::{Error, Result};
use arrow::datatypes::Schema;
use parquet::file::metadata::ParquetMetaData;
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

    /// Reads the footer: the row count and the Arrow schema. A file that is empty, truncated,
    /// not Parquet or corrupt gives [`Error::CorruptParquet`] naming it (see [`super::footer`]).
    pub fn read_footer(&mut self) -> Result<Schema> {
        use std::io::{Read, Seek, SeekFrom};
        let path = self.path.display().to_string();
        let io = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Vanished { path: path.clone() },
            _ => Error::Io {
                path: path.clone(),
                source: e,
            },
        };
        if self.size == 0 {
            footer::metadata_len(&path, 0, &[])?;
        }
        let mut file = std::fs::File::open(&self.path).map_err(io)?;
        // The size as listed; a file that shrank since reads short and is reported as truncated.
        let size = self.size;
        let mut tail = [0u8; footer::TAIL as usize];
        if size >= footer::TAIL {
            file.seek(SeekFrom::Start(size - footer::TAIL))
                .and_then(|_| file.read_exact(&mut tail))
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::UnexpectedEof => Error::CorruptParquet {
                        path: path.clone(),
                        reason: "the file is shorter than when it was listed".into(),
                    },
                    _ => io(e),
                })?;
        }
        let len = footer::metadata_len(&path, size, &tail)?;
        let mut metadata = vec![0u8; len as usize];
        file.seek(SeekFrom::Start(size - footer::TAIL - len))
            .and_then(|_| file.read_exact(&mut metadata))
            .map_err(io)?;
        let (meta, schema) = footer::decode(&path, size, &metadata)?;
        self.rows = meta.file_metadata().num_rows() as u64;
        self.footer = Some(Arc::new(meta));
        Ok(schema)
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
