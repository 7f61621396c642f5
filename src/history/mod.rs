//! The profile history: stored profiles per table and slice (a partition, or a run of an
//! unpartitioned table), so baselines are rebuilt without reading old data, and the run log.
//!
//! [`store`] is the storage layer over object_store (layout, atomic writes); this module keeps
//! Plimsoll's profiles and runs in it.

pub mod incremental;
pub mod store;

use crate::baseline::Slice;
use crate::check::{CheckResult, Status};
use crate::error::{Error, Result};
use crate::profile::TableProfile;
use serde::{Deserialize, Serialize};
use store::{HistoryError, HistoryStore, RunRecord, RunStatus, StoredProfile};

pub use store::new_run_id;

/// What is stored for a slice: its profile and whether checks ran on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceRecord {
    pub profile: TableProfile,
    /// False for profiles stored by a backfill or as a baseline fill-in (never checked).
    pub checked: bool,
}

/// Plimsoll's view of a history store.
pub struct History {
    store: HistoryStore,
}

fn err(e: HistoryError) -> Error {
    Error::History(e.to_string())
}

fn run_status(s: Status) -> RunStatus {
    match s {
        Status::Pass => RunStatus::Pass,
        Status::Warn => RunStatus::Warn,
        Status::Fail => RunStatus::Fail,
        Status::Error => RunStatus::Error,
    }
}

fn status(s: &RunStatus) -> Status {
    match s {
        RunStatus::Pass => Status::Pass,
        RunStatus::Warn => Status::Warn,
        RunStatus::Fail => Status::Fail,
        RunStatus::Error => Status::Error,
    }
}

impl History {
    /// Opens (creating) a history directory, or an `s3://bucket/prefix` (same credentials and
    /// endpoint as S3 sources). On S3 a profile is written to a temporary key and renamed
    /// (object_store copies, then deletes): the copy of one object is atomic, so readers see
    /// the old profile or the new one, never part of one.
    pub fn open(location: &str) -> Result<History> {
        if let Some(loc) = crate::source::s3::S3Location::parse(location) {
            let loc = loc?;
            let store = crate::source::s3::store(&loc)?;
            let prefix = object_store::path::Path::from(loc.prefix.as_str());
            return Ok(History {
                store: HistoryStore::new(store, prefix, location.to_string()),
            });
        }
        if location.contains("://") {
            return Err(Error::usage(
                format!("history location `{location}` is neither a directory nor `s3://`"),
                "give a local directory or `s3://BUCKET/PREFIX`",
            ));
        }
        let store = HistoryStore::open_local(std::path::Path::new(location)).map_err(err)?;
        Ok(History { store })
    }

    pub fn location(&self) -> &str {
        self.store.location()
    }

    /// A stored slice's profile and the status of the checks that ran on it (pass when none did).
    pub async fn get(&self, table: &str, slice: &str) -> Result<Option<(TableProfile, Status)>> {
        let stored: Option<StoredProfile<SliceRecord>> =
            self.store.get_profile(table, slice).await.map_err(err)?;
        Ok(stored.map(|s| {
            let st = if s.profile.checked {
                status(&s.status)
            } else {
                Status::Pass
            };
            (s.profile.profile, st)
        }))
    }

    /// Stores a slice's profile, replacing any earlier one; `status` is None when no check ran.
    /// Storing what is already stored (a re-run backfill) writes nothing.
    pub async fn put(
        &self,
        table: &str,
        slice: &str,
        profile: &TableProfile,
        checked: Option<Status>,
    ) -> Result<()> {
        let record = SliceRecord {
            profile: profile.clone(),
            checked: checked.is_some(),
        };
        let existing: Option<StoredProfile<SliceRecord>> =
            self.store.get_profile(table, slice).await.map_err(err)?;
        let new_status = run_status(checked.unwrap_or(Status::Pass));
        if let Some(e) = &existing {
            // The same files (count, bytes, rows, columns) already profiled with the same outcome:
            // a re-run changes nothing. (Sketch merges depend on the order in which the scan's
            // partial aggregates arrive, so a re-scan is equal within the sketches' error, not
            // byte for byte.)
            let (old, new) = (&e.profile.profile, &record.profile);
            let same_data = old.row_count == new.row_count
                && old.scan.files == new.scan.files
                && old.scan.bytes == new.scan.bytes
                && old.schema == new.schema
                && old.fields.len() == new.fields.len();
            if same_data && e.profile.checked == record.checked && e.status == new_status {
                return Ok(());
            }
        }
        let now = chrono::Utc::now();
        let stored = StoredProfile {
            table: table.to_string(),
            slice: slice.to_string(),
            run_id: new_run_id(now),
            written_at: now,
            status: new_status,
            profile: record,
        };
        self.store.put_profile(&stored).await.map_err(err)
    }

    /// The last `n` stored slices of a table (earlier runs of an unpartitioned table), oldest
    /// first; slices whose checks failed are left out unless `include_failed`.
    pub async fn previous_runs(
        &self,
        table: &str,
        n: usize,
        include_failed: bool,
    ) -> Result<Vec<Slice>> {
        let mut out = Vec::new();
        for name in self
            .store
            .slices(table)
            .await
            .map_err(err)?
            .into_iter()
            .rev()
        {
            if out.len() == n {
                break;
            }
            if let Some((profile, st)) = self.get(table, &name).await? {
                if st == Status::Fail && !include_failed {
                    continue;
                }
                out.push(Slice {
                    name,
                    profile,
                    stored: true,
                });
            }
        }
        out.reverse();
        Ok(out)
    }

    /// Appends a run to the run log.
    #[allow(clippy::too_many_arguments)]
    pub async fn record(
        &self,
        table: &str,
        location: &str,
        run_id: &str,
        started: chrono::DateTime<chrono::Utc>,
        slices: &[(String, &TableProfile)],
        results: &[CheckResult],
        rows: u64,
    ) -> Result<()> {
        let count = |s: Status| results.iter().filter(|r| r.status == s).count() as u64;
        let record = RunRecord {
            run_id: run_id.to_string(),
            table: table.to_string(),
            slices: slices.iter().map(|s| s.0.clone()).collect(),
            started_at: started,
            finished_at: chrono::Utc::now(),
            status: run_status(crate::check::overall(results)),
            checks: store::CheckCounts {
                pass: count(Status::Pass),
                warn: count(Status::Warn),
                fail: count(Status::Fail),
                error: count(Status::Error),
            },
            rows,
            source: location.to_string(),
        };
        self.store.record_run(&record).await.map_err(err)
    }

    /// Tables with profiles or runs.
    pub async fn tables(&self) -> Result<Vec<String>> {
        self.store.tables().await.map_err(err)
    }

    /// Runs of a table, oldest first.
    pub async fn runs(&self, table: &str) -> Result<Vec<Run>> {
        Ok(self
            .store
            .runs(table)
            .await
            .map_err(err)?
            .into_iter()
            .map(Run)
            .collect())
    }
}

/// One run from the log.
#[derive(Debug, Clone)]
pub struct Run(pub RunRecord);

impl Run {
    pub fn run_id(&self) -> &str {
        &self.0.run_id
    }
    pub fn finished_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.finished_at
    }
    pub fn status_str(&self) -> &'static str {
        status(&self.0.status).as_str()
    }
    /// Pass or warn: the checks ran and none failed.
    pub fn succeeded(&self) -> bool {
        matches!(self.0.status, RunStatus::Pass | RunStatus::Warn)
    }
}
