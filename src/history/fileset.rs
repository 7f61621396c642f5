//! The identity of the files a stored slice (or a run's table) was computed from: enough to tell,
//! on a later run, whether they changed (a restated or late-arriving partition, a table that
//! received nothing) without keeping much: a count, the bytes, a digest, and the files themselves
//! (path relative to the table, size, modification time) while there are few.

use crate::source::{FileInfo, Source};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Files listed one by one in a stored [`FileSet`] at most; beyond, only the digest is kept (a
/// change is then seen, but not counted).
pub const LISTED: usize = 5_000;

/// One file as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileId {
    /// The path relative to the table's root.
    pub path: String,
    pub size: u64,
    /// Milliseconds since the epoch, as listed (none for Iceberg data files, which never change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_ms: Option<i64>,
}

/// A set of files, as stored with a slice or a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSet {
    pub count: u64,
    pub bytes: u64,
    /// FNV-1a (64 bits, hex) of the sorted `path size modified` lines: the same files give the
    /// same digest in every version.
    pub digest: String,
    /// The files, sorted by path, while there are at most [`LISTED`] of them (else empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileId>,
}

/// How two sets of files differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChanges {
    /// Files counted one by one (both sets listed their files); else only the totals are known.
    pub counted: bool,
    pub added: usize,
    pub removed: usize,
    /// Same path, another size or modification time.
    pub modified: usize,
    pub before: u64,
    pub now: u64,
}

impl FileChanges {
    /// Files added, removed or rewritten (0 when they were not counted).
    pub fn total(&self) -> usize {
        self.added + self.removed + self.modified
    }

    /// `3 files changed` (`files changed (12 before, 14 now)` when not counted).
    pub fn describe(&self) -> String {
        if self.counted {
            let n = self.total();
            format!("{n} file{} changed", if n == 1 { "" } else { "s" })
        } else {
            format!("files changed ({} before, {} now)", self.before, self.now)
        }
    }
}

impl FileSet {
    /// The set of `files` of `source` (paths stored relative to its root).
    pub fn of<'a>(source: &Source, files: impl IntoIterator<Item = &'a FileInfo>) -> FileSet {
        Self::from_ids(
            files
                .into_iter()
                .map(|f| FileId {
                    path: source.relative_path(&f.path).to_string(),
                    size: f.size,
                    modified_ms: f.modified.map(|t| t.timestamp_millis()),
                })
                .collect(),
        )
    }

    /// The set of these files: counted, summed and digested in path order, and listed up to
    /// `LISTED` files.
    fn from_ids(mut ids: Vec<FileId>) -> FileSet {
        ids.sort_by(|a, b| a.path.cmp(&b.path));
        let mut h = Fnv::default();
        for f in &ids {
            h.write(f.path.as_bytes());
            h.write(format!(" {} {}\n", f.size, f.modified_ms.unwrap_or(-1)).as_bytes());
        }
        FileSet {
            count: ids.len() as u64,
            bytes: ids.iter().map(|f| f.size).sum(),
            digest: format!("{:016x}", h.0),
            files: if ids.len() <= LISTED { ids } else { Vec::new() },
        }
    }

    /// The same set without its file list (what a run record keeps).
    pub fn summary(&self) -> FileSet {
        FileSet {
            files: Vec::new(),
            ..self.clone()
        }
    }

    /// How `now` differs from this set; `None` when they are the same files.
    pub fn changes(&self, now: &FileSet) -> Option<FileChanges> {
        if self.digest == now.digest && self.count == now.count && self.bytes == now.bytes {
            return None;
        }
        let listed = |s: &FileSet| s.count == 0 || !s.files.is_empty();
        if !(listed(self) && listed(now)) {
            return Some(FileChanges {
                counted: false,
                added: 0,
                removed: 0,
                modified: 0,
                before: self.count,
                now: now.count,
            });
        }
        let before: BTreeMap<&str, &FileId> =
            self.files.iter().map(|f| (f.path.as_str(), f)).collect();
        let after: BTreeMap<&str, &FileId> =
            now.files.iter().map(|f| (f.path.as_str(), f)).collect();
        let added = after.keys().filter(|p| !before.contains_key(*p)).count();
        let removed = before.keys().filter(|p| !after.contains_key(*p)).count();
        let modified = after
            .iter()
            .filter(|(p, f)| before.get(*p).is_some_and(|b| b != *f))
            .count();
        Some(FileChanges {
            counted: true,
            added,
            removed,
            modified,
            before: self.count,
            now: now.count,
        })
    }
}

/// 64-bit FNV-1a: stable across versions and platforms (std's hashers are not).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// What a run saw of the whole table, for the next run's `arrival` check: its files and, when
/// known without reading more than the run read, its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableState {
    pub files: FileSet,
    /// The table's rows: from the manifests (Iceberg without deletes), or from the footers when
    /// the run read every file's (no `--partition`); else unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// The Iceberg snapshot read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_id: Option<i64>,
}

impl TableState {
    /// The state of the whole table behind `source` (every file listed, not only the slice).
    pub fn of(source: &Source) -> TableState {
        let files = FileSet::of(source, source.listing()).summary();
        let rows = if source.iceberg().is_some() {
            source
                .counts_exact()
                .then(|| source.listing().iter().map(|f| f.rows).sum())
        } else {
            // Footers are read for the selected files only: all of them, or the rows are unknown.
            (source.files.len() == source.listing().len()).then(|| source.row_count())
        };
        TableState {
            files,
            rows,
            snapshot_id: source.iceberg().and_then(|t| t.snapshot_id()),
        }
    }

    /// Whether nothing arrived between `self` (an earlier run) and `now`: the same files, or the
    /// same number of rows when both runs know it (files rewritten without new rows).
    pub fn unchanged(&self, now: &TableState) -> bool {
        match (self.rows, now.rows) {
            (Some(a), Some(b)) => a == b,
            _ => self.files.changes(&now.files).is_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(files: &[(&str, u64, i64)]) -> FileSet {
        FileSet::from_ids(
            files
                .iter()
                .map(|(p, s, m)| FileId {
                    path: p.to_string(),
                    size: *s,
                    modified_ms: Some(*m),
                })
                .collect(),
        )
    }

    #[test]
    fn changes_are_counted_by_path_size_and_time() {
        let a = set(&[("x", 1, 10), ("y", 2, 10), ("z", 3, 10)]);
        assert_eq!(a.changes(&a.clone()), None);
        // y rewritten (new time), z removed, w added.
        let b = set(&[("w", 5, 20), ("x", 1, 10), ("y", 2, 20)]);
        let c = a.changes(&b).unwrap();
        assert_eq!((c.added, c.removed, c.modified), (1, 1, 1));
        assert_eq!(c.describe(), "3 files changed");
        // Without the lists, only the totals.
        let c = a.summary().changes(&b).unwrap();
        assert!(!c.counted);
        assert_eq!(c.describe(), "files changed (3 before, 3 now)");
    }

    #[test]
    fn the_digest_is_fnv1a() {
        // FNV-1a 64 of "a": the published test vector.
        let mut h = Fnv::default();
        h.write(b"a");
        assert_eq!(h.0, 0xaf63_dc4c_8601_ec8c);
    }
}
