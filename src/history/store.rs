//! The storage layer of the profile history, written against `object_store` so that a local
//! directory and (later) an `s3://` prefix behave the same.
//!
//! Layout under the prefix:
//!
//! ```text
//! profiles/<table>/<slice>.json   one StoredProfile per table and slice (a partition such as
//!                                 `date=2024-03-01`, or a run id for an unpartitioned table)
//! runs/<table>/<run_id>.json      the append-only run log: one RunRecord per run, never rewritten
//! ```
//!
//! Names are escaped into safe path segments: bytes outside `[A-Za-z0-9._=-]` (and a leading
//! `.`) become `+XX`. Writes are atomic and idempotent: a profile is written to
//! `profiles/<table>/.tmp-<slice>-<random>.json` and then renamed over the final name, so a
//! reader sees the old object or the new one, never a partial one, and a writer killed midway
//! leaves only a temporary object, which every reader ignores and [`HistoryStore::gc_temporaries`]
//! removes. On a local directory the rename is an atomic `rename(2)`; on S3 object_store renames by
//! copy-then-delete, and the copy of a single object is itself atomic. Run records are written
//! with `PutMode::Create`, so a run id is never overwritten.

use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Errors of the history store. Each names the object or location it is about.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot use `{location}`: {source}")]
    Io {
        location: String,
        #[source]
        source: object_store::Error,
    },
    #[error("cannot create the history directory `{location}`: {source}")]
    Create {
        location: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the history `{location}` does not exist")]
    Missing { location: String },
    #[error(
        "stored object `{path}` is not readable ({reason}); it may come from another version of Plimsoll"
    )]
    Corrupt { path: String, reason: String },
    #[error("invalid name `{name}`: {reason}")]
    InvalidName { name: String, reason: String },
    #[error("run `{run_id}` is already recorded")]
    DuplicateRun { run_id: String },
}

use crate::check::Status;

/// One stored profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredProfile<T> {
    pub table: String,
    pub slice: String,
    pub run_id: String,
    pub written_at: chrono::DateTime<chrono::Utc>,
    pub status: Status,
    pub profile: T,
}

/// Check counts of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckCounts {
    pub pass: u64,
    pub warn: u64,
    pub fail: u64,
    pub error: u64,
}

/// One entry of the run log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub run_id: String,
    pub table: String,
    pub slices: Vec<String>,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: chrono::DateTime<chrono::Utc>,
    /// `error` when the run could not be completed (then `error` says why).
    pub status: Status,
    pub checks: CheckCounts,
    pub rows: u64,
    pub source: String,
    /// Why the run could not be completed (its `error:` text), for runs that ended in an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the run saw of the whole table (files, rows), for the next run's `arrival` check;
    /// None for runs of versions that did not keep it, and for runs that ended in an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_state: Option<super::fileset::TableState>,
}

/// A sortable run id: the time, then 8 random hex digits.
pub fn new_run_id(now: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{}-{:08x}",
        now.format("%Y%m%dT%H%M%S%.6fZ"),
        random_u64() as u32
    )
}

/// A random number for temporary names (not for anything secret).
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// Escapes a name into one safe path segment.
fn escape(name: &str) -> Result<String, HistoryError> {
    if name.is_empty() {
        return Err(HistoryError::InvalidName {
            name: name.into(),
            reason: "empty".into(),
        });
    }
    Ok(segment(name))
}

/// A name as one safe path segment: bytes outside `[A-Za-z0-9._=-]` (and a leading `.`) become
/// `+XX`, so any name maps to one segment and back (`unescape`).
pub(crate) fn segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, b) in name.bytes().enumerate() {
        let safe =
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'=' | b'-') || (b == b'.' && i > 0);
        if safe {
            out.push(b as char);
        } else {
            out.push_str(&format!("+{b:02X}"));
        }
    }
    out
}

fn unescape(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'+' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The history store.
#[derive(Clone)]
pub struct HistoryStore {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    display: String,
}

/// Shows the location only: the store's configuration may hold credentials.
impl std::fmt::Debug for HistoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistoryStore")
            .field("location", &self.display)
            .finish_non_exhaustive()
    }
}

impl HistoryStore {
    /// A store in a local directory, created when missing if `create` (a run that writes),
    /// else an error (a reader such as `status` never creates one).
    pub fn open_local(dir: &std::path::Path, create: bool) -> Result<Self, HistoryError> {
        let location = dir.display().to_string();
        if create {
            std::fs::create_dir_all(dir).map_err(|source| HistoryError::Create {
                location: location.clone(),
                source,
            })?;
        } else if !dir.is_dir() {
            return Err(HistoryError::Missing { location });
        }
        let fs = object_store::local::LocalFileSystem::new_with_prefix(dir).map_err(|source| {
            HistoryError::Io {
                location: location.clone(),
                source,
            }
        })?;
        Ok(Self::new(Arc::new(fs), Path::default(), location))
    }

    /// A store over any object store, under `prefix`; `display` names it in messages (it must
    /// not hold credentials).
    pub fn new(store: Arc<dyn ObjectStore>, prefix: Path, display: String) -> Self {
        Self {
            store,
            prefix,
            display,
        }
    }

    pub fn location(&self) -> &str {
        &self.display
    }

    fn io(&self, source: object_store::Error) -> HistoryError {
        HistoryError::Io {
            location: self.display.clone(),
            source,
        }
    }

    fn dir(&self, kind: &str, table: &str) -> Result<Path, HistoryError> {
        Ok(self.prefix.clone().join(kind).join(escape(table)?))
    }

    fn profile_path(&self, table: &str, slice: &str) -> Result<Path, HistoryError> {
        Ok(self
            .dir("profiles", table)?
            .join(format!("{}.json", escape(slice)?)))
    }

    /// Stores a profile atomically, replacing the slice's earlier one.
    pub async fn put_profile<T: Serialize>(
        &self,
        p: &StoredProfile<T>,
    ) -> Result<(), HistoryError> {
        let target = self.profile_path(&p.table, &p.slice)?;
        let bytes = serde_json::to_vec(p).map_err(|e| HistoryError::Corrupt {
            path: target.to_string(),
            reason: e.to_string(),
        })?;
        let tmp = self.dir("profiles", &p.table)?.join(format!(
            ".tmp-{}-{:016x}.json",
            escape(&p.slice)?,
            random_u64()
        ));
        self.store
            .put(&tmp, PutPayload::from(bytes))
            .await
            .map_err(|e| self.io(e))?;
        if let Err(e) = self.store.rename(&tmp, &target).await {
            let _ = self.store.delete(&tmp).await;
            return Err(self.io(e));
        }
        Ok(())
    }

    async fn read<T: DeserializeOwned>(&self, path: &Path) -> Result<Option<T>, HistoryError> {
        let bytes = match self.store.get(path).await {
            Ok(r) => r.bytes().await.map_err(|e| self.io(e))?,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.io(e)),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| HistoryError::Corrupt {
                path: format!("{}/{path}", self.display),
                reason: e.to_string(),
            })
    }

    /// The stored profile of a slice, if any.
    pub async fn get_profile<T: DeserializeOwned>(
        &self,
        table: &str,
        slice: &str,
    ) -> Result<Option<StoredProfile<T>>, HistoryError> {
        self.read(&self.profile_path(table, slice)?).await
    }

    /// The names of the `.json` objects directly under `dir`, unescaped, temporaries skipped.
    async fn names(&self, dir: &Path) -> Result<Vec<String>, HistoryError> {
        let listed = self
            .store
            .list_with_delimiter(Some(dir))
            .await
            .map_err(|e| self.io(e))?;
        let mut out: Vec<String> = listed
            .objects
            .iter()
            .filter_map(|o| o.location.filename())
            .filter(|f| !f.starts_with(".tmp-"))
            .filter_map(|f| f.strip_suffix(".json"))
            .filter_map(unescape)
            .collect();
        out.sort();
        Ok(out)
    }

    /// Slices stored for a table, sorted by name.
    pub async fn slices(&self, table: &str) -> Result<Vec<String>, HistoryError> {
        self.names(&self.dir("profiles", table)?).await
    }

    /// Tables with stored profiles or runs, sorted.
    pub async fn tables(&self) -> Result<Vec<String>, HistoryError> {
        let mut out = Vec::new();
        for kind in ["profiles", "runs"] {
            let listed = self
                .store
                .list_with_delimiter(Some(&self.prefix.clone().join(kind)))
                .await
                .map_err(|e| self.io(e))?;
            out.extend(
                listed
                    .common_prefixes
                    .iter()
                    .filter_map(|p| p.filename())
                    .filter_map(unescape),
            );
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Appends a run to the log; an existing run id is never overwritten.
    pub async fn record_run(&self, r: &RunRecord) -> Result<(), HistoryError> {
        let path = self
            .dir("runs", &r.table)?
            .join(format!("{}.json", escape(&r.run_id)?));
        let bytes = serde_json::to_vec_pretty(r).map_err(|e| HistoryError::Corrupt {
            path: path.to_string(),
            reason: e.to_string(),
        })?;
        let opts = PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        match self
            .store
            .put_opts(&path, PutPayload::from(bytes), opts)
            .await
        {
            Ok(_) => Ok(()),
            Err(object_store::Error::AlreadyExists { .. }) => Err(HistoryError::DuplicateRun {
                run_id: r.run_id.clone(),
            }),
            Err(e) => Err(self.io(e)),
        }
    }

    /// Runs of a table, oldest first.
    pub async fn runs(&self, table: &str) -> Result<Vec<RunRecord>, HistoryError> {
        let dir = self.dir("runs", table)?;
        let mut out = Vec::new();
        for name in self.names(&dir).await? {
            if let Some(r) = self
                .read::<RunRecord>(&dir.clone().join(format!("{}.json", escape(&name)?)))
                .await?
            {
                out.push(r);
            }
        }
        out.sort_by(|a, b| {
            a.started_at
                .cmp(&b.started_at)
                .then_with(|| a.run_id.cmp(&b.run_id))
        });
        Ok(out)
    }

    /// Deletes temporaries older than an hour (left by killed runs); returns how many.
    pub async fn gc_temporaries(&self) -> Result<usize, HistoryError> {
        self.gc_older_than(chrono::Duration::hours(1)).await
    }

    async fn gc_older_than(&self, age: chrono::Duration) -> Result<usize, HistoryError> {
        let cutoff = chrono::Utc::now() - age;
        let all: Vec<object_store::ObjectMeta> = self
            .store
            .list(Some(&self.prefix.clone().join("profiles")))
            .try_collect()
            .await
            .map_err(|e| self.io(e))?;
        let mut n = 0;
        for o in all {
            if o.location
                .filename()
                .is_some_and(|f| f.starts_with(".tmp-"))
                && o.last_modified <= cutoff
            {
                self.store
                    .delete(&o.location)
                    .await
                    .map_err(|e| self.io(e))?;
                n += 1;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(table: &str, slice: &str, v: u64) -> StoredProfile<u64> {
        StoredProfile {
            table: table.into(),
            slice: slice.into(),
            run_id: "r".into(),
            written_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            status: Status::Pass,
            profile: v,
        }
    }

    fn files(dir: &std::path::Path) -> Vec<String> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(files(&p));
            } else {
                out.push(p.display().to_string());
            }
        }
        out.sort();
        out
    }

    #[tokio::test]
    async fn put_get_replace_and_list() {
        let dir = tempfile::tempdir().unwrap();
        let h = HistoryStore::open_local(dir.path(), true).unwrap();
        h.put_profile(&profile("orders", "date=2024-03-02", 2))
            .await
            .unwrap();
        h.put_profile(&profile("orders", "date=2024-03-01", 1))
            .await
            .unwrap();
        h.put_profile(&profile("orders", "date=2024-03-01", 3))
            .await
            .unwrap();
        let got: StoredProfile<u64> = h
            .get_profile("orders", "date=2024-03-01")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.profile, 3);
        assert_eq!(
            h.slices("orders").await.unwrap(),
            ["date=2024-03-01", "date=2024-03-02"]
        );
        assert!(
            files(dir.path()).iter().all(|f| !f.contains(".tmp-")),
            "{:?}",
            files(dir.path())
        );
        assert_eq!(files(dir.path()).len(), 2);
        assert!(
            h.get_profile::<u64>("orders", "nope")
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn odd_names_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let h = HistoryStore::open_local(dir.path(), true).unwrap();
        for name in ["a/b c", "ünï", ".hidden", "x+y%z"] {
            h.put_profile(&profile(name, name, 1)).await.unwrap();
            assert_eq!(h.slices(name).await.unwrap(), [name]);
        }
        let mut want = vec![".hidden", "a/b c", "x+y%z", "ünï"];
        want.sort();
        assert_eq!(h.tables().await.unwrap(), want);
        assert!(escape("").is_err());
    }

    #[tokio::test]
    async fn temporaries_of_killed_runs_are_ignored_and_collected() {
        let dir = tempfile::tempdir().unwrap();
        let h = HistoryStore::open_local(dir.path(), true).unwrap();
        h.put_profile(&profile("t", "s", 1)).await.unwrap();
        let tmp = dir.path().join("profiles/t/.tmp-s-0000.json");
        std::fs::write(&tmp, b"{ partial").unwrap();
        assert_eq!(h.slices("t").await.unwrap(), ["s"]);
        assert_eq!(
            h.get_profile::<u64>("t", "s")
                .await
                .unwrap()
                .unwrap()
                .profile,
            1
        );
        assert_eq!(
            h.gc_temporaries().await.unwrap(),
            0,
            "young temporaries are kept"
        );
        assert_eq!(h.gc_older_than(chrono::Duration::zero()).await.unwrap(), 1);
        assert!(!tmp.exists());
    }

    #[tokio::test]
    async fn run_log_is_append_only() {
        let dir = tempfile::tempdir().unwrap();
        let h = HistoryStore::open_local(dir.path(), true).unwrap();
        let t0 = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let run = |id: &str, t: chrono::DateTime<chrono::Utc>| RunRecord {
            run_id: id.into(),
            table: "orders".into(),
            slices: vec!["date=2024-03-01".into()],
            started_at: t,
            finished_at: t,
            status: Status::Pass,
            checks: CheckCounts::default(),
            rows: 10,
            source: "x".into(),
            error: None,
            table_state: None,
        };
        h.record_run(&run("b", t0 + chrono::Duration::hours(1)))
            .await
            .unwrap();
        h.record_run(&run("a", t0)).await.unwrap();
        let ids: Vec<String> = h
            .runs("orders")
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.run_id)
            .collect();
        assert_eq!(ids, ["a", "b"]);
        assert!(matches!(
            h.record_run(&run("a", t0)).await,
            Err(HistoryError::DuplicateRun { .. })
        ));
        assert!(new_run_id(t0) < new_run_id(t0 + chrono::Duration::seconds(1)));
    }

    #[tokio::test]
    async fn corrupt_objects_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let h = HistoryStore::open_local(dir.path(), true).unwrap();
        h.put_profile(&profile("t", "s", 1)).await.unwrap();
        std::fs::write(dir.path().join("profiles/t/s.json"), b"not json").unwrap();
        let e = h.get_profile::<u64>("t", "s").await.unwrap_err();
        assert!(matches!(e, HistoryError::Corrupt { .. }));
        assert!(e.to_string().contains("profiles/t/s.json"), "{e}");
    }
}
