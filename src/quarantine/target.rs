//! Where quarantine files go: a local directory or an `s3://` prefix (credentials and endpoint
//! as for sources), the path of each file, and the atomic write.

use crate::context::Context;
use crate::error::{Error, Result};
use crate::source::Source;
use crate::source::s3::{self, S3Location};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// An opened quarantine location.
pub struct Target {
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    /// The location as given, without a trailing `/` (never holds a credential: S3 locations
    /// with one are refused).
    display: String,
    /// The bucket, on S3 (for error messages).
    bucket: Option<String>,
}

/// Shows the location only: the store's configuration may hold credentials.
impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("location", &self.display)
            .finish_non_exhaustive()
    }
}

const HINT: &str = "give `--quarantine` (or `quarantine:`) a directory you can create and write to, or `s3://BUCKET/PREFIX`";

impl Target {
    /// Opens `location`; a local directory is created when missing.
    pub fn open(ctx: &Context, location: &str) -> Result<Target> {
        let display = location.trim_end_matches('/').to_string();
        if let Some(loc) = S3Location::parse(location) {
            let loc = loc?;
            return Ok(Target {
                store: s3::store(&ctx.s3, &loc)?,
                prefix: ObjectPath::from(loc.prefix.as_str()),
                display,
                bucket: Some(loc.bucket),
            });
        }
        if location.contains("://") {
            return Err(Error::usage(
                format!("quarantine location `{location}` is neither a directory nor `s3://`"),
                HINT,
            ));
        }
        if location.is_empty() {
            return Err(Error::usage("the quarantine location is empty", HINT));
        }
        let cannot = |e: &dyn std::fmt::Display| {
            Error::usage(
                format!("cannot write to the quarantine directory `{location}`: {e}"),
                HINT,
            )
        };
        std::fs::create_dir_all(location).map_err(|e| cannot(&e))?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(location)
            .map_err(|e| cannot(&e))?;
        Ok(Target {
            store: Arc::new(fs),
            prefix: ObjectPath::default(),
            display: if display.is_empty() {
                "/".into()
            } else {
                display
            },
            bucket: None,
        })
    }

    fn error(&self, e: &object_store::Error) -> Error {
        match &self.bucket {
            Some(bucket) => match crate::source::errors::storage_error(&self.display, bucket, e) {
                Error::Storage { message, hint, .. } => Error::Storage {
                    location: self.display.clone(),
                    message: format!("cannot write the quarantine: {message}"),
                    hint,
                },
                _ => Error::usage(
                    format!(
                        "cannot write to the quarantine location `{}`: {e}",
                        self.display
                    ),
                    HINT,
                ),
            },
            None => Error::usage(
                format!(
                    "cannot write to the quarantine directory `{}`: {e}",
                    self.display
                ),
                HINT,
            ),
        }
    }

    /// Writes and deletes a temporary object: the location takes writes.
    pub async fn probe(&self) -> Result<()> {
        let key = self.prefix.clone().join(format!(
            ".tmp-probe-{:016x}",
            crate::history::store::random_u64()
        ));
        self.store
            .put(&key, PutPayload::from_static(b""))
            .await
            .map_err(|e| self.error(&e))?;
        self.store.delete(&key).await.map_err(|e| self.error(&e))
    }

    /// Writes `bytes` as `dir/name` atomically: to a temporary name in the same directory, then
    /// renamed over the final name (on S3: copied, then the temporary deleted). Returns the
    /// file as people see it.
    pub async fn put_atomic(&self, dir: &[String], name: &str, bytes: Vec<u8>) -> Result<String> {
        let mut at = self.prefix.clone();
        for d in dir {
            at = at.join(d.as_str());
        }
        let tmp = at.clone().join(format!(
            ".tmp-{name}-{:016x}",
            crate::history::store::random_u64()
        ));
        let target = at.join(name);
        self.store
            .put(&tmp, PutPayload::from(bytes))
            .await
            .map_err(|e| self.error(&e))?;
        if let Err(e) = self.store.rename(&tmp, &target).await {
            let _ = self.store.delete(&tmp).await;
            return Err(self.error(&e));
        }
        let mut shown = self.display.clone();
        for part in dir.iter().map(String::as_str).chain([name]) {
            if !shown.ends_with('/') {
                shown.push('/');
            }
            shown.push_str(part);
        }
        Ok(shown)
    }
}

/// A name as one safe path segment, as in the history store (`+XX` for other bytes).
pub fn segment(name: &str) -> String {
    let out = crate::history::store::segment(name);
    if out.is_empty() { "+".into() } else { out }
}

/// Partitions named in one slice directory at most; more are named by the first and last.
const NAMED: usize = 4;

/// `<table>/<slice...>`: the table, then the selected partition (`date=2024-03-09`, one
/// directory per key), `snapshot=<id>` (Iceberg), `all` (the whole table, or an unpartitioned
/// one), or the selected partitions joined by `+` (by `..` between the first and the last when
/// there are more than four).
pub fn slice_dir(table: &str, source: &Source) -> Vec<String> {
    let mut out = vec![segment(table)];
    if let Some(t) = source.iceberg() {
        out.push(match t.snapshot_id() {
            Some(id) => format!("snapshot={id}"),
            None => "all".into(),
        });
        return out;
    }
    let mut parts: Vec<&Vec<(String, String)>> = source
        .files
        .iter()
        .map(|f| &f.partition)
        .filter(|p| !p.is_empty())
        .collect();
    parts.sort();
    parts.dedup();
    let mut listed: Vec<&Vec<(String, String)>> = source
        .listing()
        .iter()
        .map(|f| &f.partition)
        .filter(|p| !p.is_empty())
        .collect();
    listed.sort();
    listed.dedup();
    let name = |p: &Vec<(String, String)>| {
        p.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("/")
    };
    match parts.as_slice() {
        [] => out.push("all".into()),
        [one] => out.extend(one.iter().map(|(k, v)| segment(&format!("{k}={v}")))),
        _ if parts.len() == listed.len() => out.push("all".into()),
        many if many.len() <= NAMED => {
            let names: Vec<String> = many.iter().map(|p| name(p)).collect();
            out.push(segment(&names.join("+")));
        }
        many => out.push(segment(&format!(
            "{}..{}",
            name(many[0]),
            name(many[many.len() - 1])
        ))),
    }
    out
}

/// Refuses a quarantine location whose directory for `table` would lie inside the table at
/// `table_location`, or hold it: the files written there would be read as the table's rows.
pub fn refuse_inside(location: &str, table: &str, table_location: &str) -> Result<()> {
    let inside = match (
        S3Location::parse(location),
        S3Location::parse(table_location),
    ) {
        (Some(Ok(q)), Some(Ok(t))) => {
            let dir = join_key(&q.prefix, &segment(table));
            q.bucket == t.bucket && (under(&dir, &t.prefix) || under(&t.prefix, &dir))
        }
        (None, None) if !location.contains("://") && !table_location.contains("://") => {
            match (
                absolute(Path::new(location)),
                std::fs::canonicalize(table_location),
            ) {
                (Some(q), Ok(t)) => {
                    let dir = q.join(segment(table));
                    dir.starts_with(&t) || t.starts_with(&dir)
                }
                _ => false,
            }
        }
        _ => false,
    };
    if inside {
        return Err(Error::usage(
            format!(
                "the quarantine `{location}` would write `{table}`'s rows inside the table at `{}`",
                crate::source::redact(table_location)
            ),
            "quarantine to a directory outside every checked table: files written inside one would be read as its rows",
        ));
    }
    Ok(())
}

fn join_key(prefix: &str, seg: &str) -> String {
    if prefix.is_empty() {
        seg.to_string()
    } else {
        format!("{prefix}/{seg}")
    }
}

/// Key `a` is `b` or lies under it.
fn under(a: &str, b: &str) -> bool {
    b.is_empty() || a == b || a.starts_with(&format!("{b}/"))
}

/// The absolute, symlink-free form of a path that may not exist yet: its deepest existing
/// ancestor canonicalized, the rest appended.
fn absolute(p: &Path) -> Option<PathBuf> {
    let p = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(p)
    };
    let mut rest: Vec<Component> = Vec::new();
    let mut at = p.as_path();
    loop {
        if let Ok(c) = std::fs::canonicalize(at) {
            let mut out = c;
            for r in rest.iter().rev() {
                match r {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::CurDir => {}
                    other => out.push(other),
                }
            }
            return Some(out);
        }
        rest.push(at.components().next_back()?);
        at = at.parent()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_safe() {
        assert_eq!(segment("date=2024-03-09"), "date=2024-03-09");
        assert_eq!(segment("order-events"), "order-events");
        assert_eq!(segment("a/b c"), "a+2Fb+20c");
        assert_eq!(segment(".x"), "+2Ex");
    }

    #[test]
    fn s3_quarantine_inside_the_table_is_refused() {
        assert!(refuse_inside("s3://lake/orders/q", "orders", "s3://lake/orders").is_err());
        // `s3://lake` + `orders` is the table itself.
        assert!(refuse_inside("s3://lake", "orders", "s3://lake/orders").is_err());
        assert!(refuse_inside("s3://lake/q", "orders", "s3://lake/orders").is_ok());
        assert!(refuse_inside("s3://other/orders", "orders", "s3://lake/orders").is_ok());
        assert!(refuse_inside("s3://lake/ordersq", "x", "s3://lake/orders").is_ok());
    }

    #[test]
    fn local_quarantine_inside_the_table_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let table = dir.path().join("orders");
        std::fs::create_dir_all(table.join("date=2024-03-01")).unwrap();
        let t = table.to_str().unwrap();
        let inside = table.join("not/yet/there");
        assert!(refuse_inside(inside.to_str().unwrap(), "orders", t).is_err());
        assert!(refuse_inside(dir.path().to_str().unwrap(), "orders", t).is_err());
        assert!(refuse_inside(dir.path().to_str().unwrap(), "order-events", t).is_ok());
        let beside = dir.path().join("q");
        assert!(refuse_inside(beside.to_str().unwrap(), "orders", t).is_ok());
        let dotted = table.join("..").join("orders").join("q");
        assert!(refuse_inside(dotted.to_str().unwrap(), "orders", t).is_err());
    }
}
