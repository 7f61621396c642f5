//! One storage path for local files and S3 objects alike: an object store per location, one
//! hive lister (percent-decoding partition values on both), and concurrent footer reads.

use super::files::FileInfo;
use super::footer;
use super::s3::{self, S3Location};
use crate::context::Context;
use crate::error::{Error, Result};
use arrow::datatypes::Schema;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};
use std::sync::Arc;

/// Footers read at once: on object storage each is a round trip or two.
const FOOTER_CONCURRENCY: usize = 16;

/// Where a table's files live.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// The local filesystem; keys are absolute paths. `file`: the location is one file.
    Local { file: bool },
    /// An S3 bucket; keys are object keys.
    S3(S3Location),
}

/// Never shows the store's configuration: it may hold credentials.
impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Kind::Local { .. } => f.write_str("Storage(local)"),
            Kind::S3(loc) => write!(f, "Storage({}, credentials hidden)", loc.bucket_url()),
        }
    }
}

/// What a listing found.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The location is one file rather than a directory (prefix).
    pub is_file: bool,
    /// The Parquet files, sorted by path, footers unread.
    pub files: Vec<FileInfo>,
}

impl Storage {
    /// The storage of a location and the key of its root.
    pub fn open(ctx: &Context, location: &str) -> Result<(Storage, ObjectPath)> {
        if let Some(loc) = S3Location::parse(location) {
            let loc = loc?;
            let store = s3::store(&ctx.s3, &loc)?;
            let root = ObjectPath::from(loc.prefix.as_str());
            return Ok((
                Storage {
                    store,
                    kind: Kind::S3(loc),
                },
                root,
            ));
        }
        let abs = std::fs::canonicalize(location).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::SourceNotFound {
                path: location.to_string(),
            },
            _ => Error::Io {
                path: location.to_string(),
                source: e,
            },
        })?;
        let root = ObjectPath::from_absolute_path(&abs).map_err(|e| Error::Io {
            path: location.to_string(),
            source: std::io::Error::other(e.to_string()),
        })?;
        Ok((
            Storage {
                store: Arc::new(object_store::local::LocalFileSystem::new()),
                kind: Kind::Local {
                    file: abs.is_file(),
                },
            },
            root,
        ))
    }

    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// How a key is shown to people: an absolute path, or an `s3://` URL.
    pub fn display(&self, key: &ObjectPath) -> String {
        match &self.kind {
            Kind::Local { .. } => format!("/{key}"),
            Kind::S3(loc) => loc.url_of(key.as_ref()),
        }
    }

    /// The URL a DataFusion listing table reads the key from (the store is registered under its
    /// base by [`Storage::register`]).
    pub fn url(&self, key: &ObjectPath) -> String {
        match &self.kind {
            Kind::Local { .. } => format!("file:///{key}"),
            Kind::S3(loc) => loc.url_of(key.as_ref()),
        }
    }

    /// Makes the store known to a DataFusion session.
    pub fn register(&self, ctx: &datafusion::prelude::SessionContext) -> Result<()> {
        let base = match &self.kind {
            Kind::Local { .. } => "file:///".to_string(),
            Kind::S3(loc) => loc.bucket_url(),
        };
        let url = url::Url::parse(&base).map_err(|e| Error::Internal(e.to_string()))?;
        ctx.register_object_store(&url, self.store.clone());
        Ok(())
    }

    /// A one-paragraph error for a failed call about `location`.
    pub fn error(&self, location: &str, e: &object_store::Error) -> Error {
        match &self.kind {
            Kind::S3(loc) => super::errors::storage_error(location, &loc.bucket, e),
            Kind::Local { .. } => match e {
                object_store::Error::NotFound { .. } => Error::SourceNotFound {
                    path: location.to_string(),
                },
                other => Error::Storage {
                    location: location.to_string(),
                    message: format!("cannot read `{location}`: {other}"),
                    hint: "check that the path exists and is readable".into(),
                },
            },
        }
    }

    /// Lists the Parquet files under `root` (hive `key=value` directories recognised, files in
    /// other subdirectories skipped, as in Hive and DataFusion). A listing error is an error,
    /// never an empty table.
    pub async fn list(&self, location: &str, root: &ObjectPath) -> Result<Listing> {
        // One file: a local file, or an S3 key ending in `.parquet`.
        let single = match &self.kind {
            Kind::Local { file } => *file,
            Kind::S3(_) => root.as_ref().ends_with(".parquet"),
        };
        if single {
            let meta = self
                .store
                .head(root)
                .await
                .map_err(|e| self.error(location, &e))?;
            return Ok(Listing {
                is_file: true,
                files: vec![
                    FileInfo::new(self.display(root), root.clone(), meta.size, vec![])
                        .modified_at(meta.last_modified),
                ],
            });
        }
        let prefix = (!root.as_ref().is_empty()).then_some(root);
        let objects: Vec<object_store::ObjectMeta> = self
            .store
            .list(prefix)
            .try_collect()
            .await
            .map_err(|e| self.error(location, &e))?;
        let mut files = Vec::new();
        for o in objects {
            let key = o.location.as_ref();
            let rel = key
                .strip_prefix(root.as_ref())
                .unwrap_or(key)
                .trim_start_matches('/');
            let mut parts: Vec<&str> = rel.split('/').collect();
            let Some(name) = parts.pop() else { continue };
            if !name.ends_with(".parquet") {
                continue;
            }
            let mut partition = Vec::new();
            let mut hive = true;
            for p in parts {
                match p.split_once('=') {
                    Some((k, v)) => partition.push((percent_decode(k), percent_decode(v))),
                    None => hive = false,
                }
            }
            if hive {
                files.push(
                    FileInfo::new(
                        self.display(&o.location),
                        o.location.clone(),
                        o.size,
                        partition,
                    )
                    .modified_at(o.last_modified),
                );
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Listing {
            is_file: false,
            files,
        })
    }

    /// Reads the footers of `files` concurrently (row counts, statistics, schemas), in order.
    pub async fn read_footers(&self, files: &mut [FileInfo]) -> Result<Vec<Schema>> {
        let reads = files.iter_mut().map(|f| self.read_footer(f));
        futures::stream::iter(reads)
            .buffered(FOOTER_CONCURRENCY)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect()
    }

    /// Reads one file's footer: its row count, statistics and Arrow schema. The footer is
    /// checked before the Parquet crate decodes it (see [`super::footer`]); its tail is fetched
    /// in one request when the metadata is small.
    async fn read_footer(&self, f: &mut FileInfo) -> Result<Schema> {
        /// Most footers fit in this tail, read in one request.
        const PREFETCH: u64 = 64 * 1024;
        let size = f.size;
        if size == 0 {
            footer::metadata_len(&f.path, 0, &[])?;
        }
        let fetch = |range: std::ops::Range<u64>| {
            let (store, key, path) = (self.store.clone(), f.key.clone(), f.path.clone());
            async move {
                store.get_range(&key, range).await.map_err(|e| match e {
                    object_store::Error::NotFound { .. } => Error::Vanished { path },
                    e => self.error(&path, &e),
                })
            }
        };
        let start = size.saturating_sub(PREFETCH);
        let tail = fetch(start..size).await?;
        let len = footer::metadata_len(&f.path, size, &tail)?;
        let meta_start = size - footer::TAIL - len;
        let metadata = if meta_start >= start {
            let from = (meta_start - start) as usize;
            tail.slice(from..from + len as usize)
        } else {
            fetch(meta_start..size - footer::TAIL).await?
        };
        let (meta, schema) = footer::decode(&f.path, size, &metadata)?;
        f.rows = meta.file_metadata().num_rows() as u64;
        f.footer = Some(Arc::new(meta));
        Ok(schema)
    }
}

/// Hive's escaping of partition keys and values: `%XX` is the byte XX.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("New%20York"), "New York");
        assert_eq!(percent_decode("a%2Fb"), "a/b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
