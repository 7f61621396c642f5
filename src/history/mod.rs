//! The profile history: stored profiles per table and slice (a partition, or a run of an
//! unpartitioned table), so baselines are rebuilt without reading old data, and the run log.
//!
//! [`store`] is the storage layer over object_store (layout, atomic writes); this module keeps
//! Plimsoll's profiles and runs in it: each stored slice with the outcome of every check that
//! ran on it (so a failure keeps the slice out of only the baselines it concerns), each run with
//! its counts, and runs that could not be completed with their error, so `status` tells a table
//! that is failing from one that is overdue.

pub mod fileset;
pub mod incremental;
pub mod restated;
pub mod slices;
pub mod store;
pub mod trend;

use crate::check::{CheckResult, Status};
use crate::contract::units::format_duration;
use crate::error::{Error, Result};
use crate::profile::TableProfile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use store::{HistoryStore, RunRecord, StoredProfile};

pub use store::new_run_id;

/// The outcome of one check on a stored slice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckOutcome {
    pub consumer: String,
    pub check: String,
    /// None for a table-level check (row count, freshness, files).
    pub field: Option<String>,
    pub status: Status,
}

/// What is stored for a slice: its profile and the checks that ran on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceRecord {
    pub profile: TableProfile,
    /// False for profiles stored by a backfill or as a baseline fill-in (never checked).
    pub checked: bool,
    /// The outcome of each check of the run that stored it; None for slices stored by versions
    /// that kept only the run's overall status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<Vec<CheckOutcome>>,
    /// The files the profile was computed from, so a later run sees the slice restated; None
    /// for slices stored by versions that did not keep them, and for backfills.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<fileset::FileSet>,
}

/// A stored slice as baselines read it.
#[derive(Debug, Clone)]
pub struct StoredSlice {
    pub profile: TableProfile,
    /// The worst outcome of the checks that ran on it (pass when none did).
    pub status: Status,
    pub checks: Option<Vec<CheckOutcome>>,
    /// Whether checks ran on it (false for a backfill or a baseline fill-in).
    pub checked: bool,
    /// The files it was computed from, when stored with them.
    pub files: Option<fileset::FileSet>,
    /// When it was stored.
    pub written_at: chrono::DateTime<chrono::Utc>,
}

impl StoredSlice {
    /// Why the slice must not serve any baseline: a table-level check (row count, freshness,
    /// files) failed on it, or it failed in a version that did not record which check failed.
    pub fn table_failure(&self) -> Option<String> {
        match &self.checks {
            None => (self.status == Status::Fail).then(|| "its checks failed".to_string()),
            Some(checks) => {
                let failed: Vec<&str> = checks
                    .iter()
                    .filter(|c| c.field.is_none() && c.status == Status::Fail)
                    .map(|c| c.check.as_str())
                    .collect();
                (!failed.is_empty()).then(|| format!("`{}` failed", dedup(failed).join("`, `")))
            }
        }
    }

    /// The fields whose checks failed on this slice, with the checks: the slice is left out of
    /// those fields' baselines only.
    pub fn failed_fields(&self) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for c in self.checks.iter().flatten() {
            if let (Some(f), Status::Fail) = (&c.field, c.status) {
                out.entry(f.clone()).or_default().push(c.check.as_str());
            }
        }
        out.into_iter()
            .map(|(f, checks)| (f, format!("`{}` failed", dedup(checks).join("`, `"))))
            .collect()
    }
}

fn dedup(mut v: Vec<&str>) -> Vec<&str> {
    v.sort();
    v.dedup();
    v
}

/// Plimsoll's view of a history store.
pub struct History {
    store: HistoryStore,
}

impl History {
    /// Opens a history directory (created when missing), or an `s3://bucket/prefix` (same
    /// credentials and endpoint as S3 sources). On S3 a profile is written to a temporary key
    /// and renamed (object_store copies, then deletes): the copy of one object is atomic, so
    /// readers see the old profile or the new one, never part of one.
    pub fn open(ctx: &crate::Context, location: &str) -> Result<History> {
        Self::open_with(ctx, location, true)
    }

    /// Opens an existing history for reading: a missing directory is an error, never created.
    pub fn open_existing(ctx: &crate::Context, location: &str) -> Result<History> {
        Self::open_with(ctx, location, false)
    }

    fn open_with(ctx: &crate::Context, location: &str, create: bool) -> Result<History> {
        if let Some(loc) = crate::source::s3::S3Location::parse(location) {
            let loc = loc?;
            let store = crate::source::s3::store(&ctx.s3, &loc)?;
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
        let store = HistoryStore::open_local(std::path::Path::new(location), create)?;
        Ok(History { store })
    }

    pub fn location(&self) -> &str {
        self.store.location()
    }

    /// A stored slice, if any.
    pub async fn get(&self, table: &str, slice: &str) -> Result<Option<StoredSlice>> {
        let stored: Option<StoredProfile<SliceRecord>> =
            self.store.get_profile(table, slice).await?;
        Ok(stored.map(|s| StoredSlice {
            status: if s.profile.checked {
                s.status
            } else {
                Status::Pass
            },
            checks: s.profile.checks,
            checked: s.profile.checked,
            files: s.profile.files,
            written_at: s.written_at,
            profile: s.profile.profile,
        }))
    }

    /// Stores a slice's profile, replacing any earlier one, with the results of the checks that
    /// ran on it (None when none did: a backfill or a baseline fill-in). Storing what is already
    /// stored (a re-run backfill) writes nothing.
    pub async fn put(
        &self,
        table: &str,
        slice: &str,
        profile: &TableProfile,
        checked: Option<&[CheckResult]>,
    ) -> Result<()> {
        self.put_with_files(table, slice, profile, checked, None)
            .await
    }

    /// As [`History::put`], with the identity of the files the profile was computed from.
    pub async fn put_with_files(
        &self,
        table: &str,
        slice: &str,
        profile: &TableProfile,
        checked: Option<&[CheckResult]>,
        files: Option<fileset::FileSet>,
    ) -> Result<()> {
        let record = SliceRecord {
            files,
            profile: profile.clone(),
            checked: checked.is_some(),
            checks: checked.map(|rs| {
                rs.iter()
                    .map(|r| CheckOutcome {
                        consumer: r.consumer.clone(),
                        check: r.check.to_string(),
                        field: r.field.clone(),
                        status: r.status,
                    })
                    .collect()
            }),
        };
        let new_status = checked.map_or(Status::Pass, crate::check::overall);
        let existing: Option<StoredProfile<SliceRecord>> =
            self.store.get_profile(table, slice).await?;
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
            if same_data
                && e.profile.files == record.files
                && e.profile.checked == record.checked
                && e.profile.checks == record.checks
                && e.status == new_status
            {
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
        Ok(self.store.put_profile(&stored).await?)
    }

    /// The stored slices of a table, newest first (earlier runs of an unpartitioned table).
    pub async fn slices(&self, table: &str) -> Result<Vec<String>> {
        let mut names = self.store.slices(table).await?;
        names.reverse();
        Ok(names)
    }

    /// Appends a completed run to the run log; returns the time it finished, as recorded.
    #[allow(clippy::too_many_arguments)]
    pub async fn record(
        &self,
        table: &str,
        location: &str,
        run_id: &str,
        started: chrono::DateTime<chrono::Utc>,
        slices: &[String],
        results: &[CheckResult],
        rows: u64,
        table_state: Option<fileset::TableState>,
    ) -> Result<chrono::DateTime<chrono::Utc>> {
        let count = |s: Status| results.iter().filter(|r| r.status == s).count() as u64;
        let record = RunRecord {
            run_id: run_id.to_string(),
            table: table.to_string(),
            slices: slices.to_vec(),
            started_at: started,
            finished_at: chrono::Utc::now(),
            status: crate::check::overall(results),
            checks: store::CheckCounts {
                pass: count(Status::Pass),
                warn: count(Status::Warn),
                fail: count(Status::Fail),
                error: count(Status::Error),
            },
            rows,
            source: location.to_string(),
            error: None,
            table_state,
        };
        self.store.record_run(&record).await?;
        Ok(record.finished_at)
    }

    /// Appends a run that could not be completed, with its error, so `status` shows it.
    pub async fn record_error(
        &self,
        table: &str,
        location: &str,
        started: chrono::DateTime<chrono::Utc>,
        error: &str,
    ) -> Result<()> {
        let record = RunRecord {
            run_id: new_run_id(started),
            table: table.to_string(),
            slices: Vec::new(),
            started_at: started,
            finished_at: chrono::Utc::now(),
            status: Status::Error,
            checks: store::CheckCounts::default(),
            rows: 0,
            source: location.to_string(),
            error: Some(error.to_string()),
            table_state: None,
        };
        Ok(self.store.record_run(&record).await?)
    }

    /// Tables with profiles or runs.
    pub async fn tables(&self) -> Result<Vec<String>> {
        Ok(self.store.tables().await?)
    }

    /// Runs of a table, oldest first.
    pub async fn runs(&self, table: &str) -> Result<Vec<RunRecord>> {
        Ok(self.store.runs(table).await?)
    }

    /// When a run of `table` last passed (warnings allowed), from the run log.
    pub async fn last_success(&self, table: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        Ok(last_success(&self.runs(table).await?))
    }

    /// Each table's state against the interval it is expected to run in (`every(table)`, in
    /// seconds), at `now`.
    pub async fn status(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        every: impl Fn(&str) -> u64,
    ) -> Result<Vec<TableStatus>> {
        let mut out = Vec::new();
        for table in self.tables().await? {
            let runs = self.runs(&table).await?;
            out.push(TableStatus::of(&table, &runs, now, every(&table)));
        }
        Ok(out)
    }
}

/// When the newest run that passed (warnings allowed) finished, of runs oldest first.
fn last_success(runs: &[RunRecord]) -> Option<chrono::DateTime<chrono::Utc>> {
    runs.iter()
        .rev()
        .find(|r| matches!(r.status, Status::Pass | Status::Warn))
        .map(|r| r.finished_at)
}

/// The newest run that could not be completed: when it finished and its error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LastError {
    pub at: chrono::DateTime<chrono::Utc>,
    /// The error's first line, without `error: `.
    pub message: String,
}

impl LastError {
    fn of(runs: &[RunRecord]) -> Option<LastError> {
        runs.iter()
            .rev()
            .find(|r| r.status == Status::Error)
            .map(|r| LastError {
                at: r.finished_at,
                message: r
                    .error
                    .as_deref()
                    .and_then(|e| e.lines().map(str::trim).find(|l| !l.is_empty()))
                    .map(|l| l.trim_start_matches("error: ").to_string())
                    .unwrap_or_else(|| "the run could not be completed".into()),
            })
    }
}

/// What `status` says of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// The last run completed without a failed check, within the expected interval.
    Ok,
    /// The last run completed and a check failed.
    Failing,
    /// The last run could not be completed (unreadable source, storage down, ...).
    Errored,
    /// No run within the expected interval (or never).
    Overdue,
}

/// One table's runs, summarised for `status`.
#[derive(Debug, Clone, Serialize)]
pub struct TableStatus {
    pub table: String,
    pub last_run: Option<RunRecord>,
    pub last_success: Option<chrono::DateTime<chrono::Utc>>,
    /// Seconds since the last run finished.
    pub last_run_age: Option<u64>,
    pub expect_every: u64,
    /// The last run is older than the expected interval (the job is not running).
    pub overdue: bool,
    /// The states that apply, worst first: `failing` or `errored` (what the last run found) and
    /// `overdue` (when it ran) are independent.
    pub states: Vec<State>,
    /// The newest run that could not be completed, even when later runs were.
    pub last_error: Option<LastError>,
}

impl TableStatus {
    pub fn of(
        table: &str,
        runs: &[RunRecord],
        now: chrono::DateTime<chrono::Utc>,
        every: u64,
    ) -> Self {
        let last = runs.last().cloned();
        let last_success = last_success(runs);
        let age = last
            .as_ref()
            .map(|r| (now - r.finished_at).num_seconds().max(0) as u64);
        let overdue = age.is_none_or(|a| a > every);
        let mut states = Vec::new();
        match last.as_ref().map(|r| r.status) {
            Some(Status::Fail) => states.push(State::Failing),
            Some(Status::Error) => states.push(State::Errored),
            _ => {}
        }
        if overdue {
            states.push(State::Overdue);
        }
        if states.is_empty() {
            states.push(State::Ok);
        }
        TableStatus {
            table: table.to_string(),
            last_run: last,
            last_success,
            last_run_age: age,
            expect_every: every,
            overdue,
            states,
            last_error: LastError::of(runs),
        }
    }

    /// Whether the table needs attention (failing, errored or overdue).
    pub fn is_problem(&self) -> bool {
        self.states != [State::Ok]
    }

    /// What people read: `failing: 2 check(s) failed at 2024-03-11 00:31`, `overdue: last run 3d
    /// ago, expected every 1d`, `errored at ...: cannot reach ...`.
    pub fn describe(&self) -> String {
        let at = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();
        let mut parts = Vec::new();
        for s in &self.states {
            match (s, &self.last_run) {
                (State::Ok, _) => parts.push("ok".to_string()),
                (State::Failing, Some(r)) => parts.push(format!(
                    "FAILING: {} check(s) failed in the run at {}",
                    r.checks.fail,
                    at(r.finished_at)
                )),
                (State::Errored, Some(r)) => parts.push(format!(
                    "ERRORED at {}: {}",
                    at(r.finished_at),
                    r.error
                        .as_deref()
                        .and_then(|e| e.lines().next())
                        .map(|l| l.trim_start_matches("error: "))
                        .unwrap_or("the run could not be completed")
                )),
                (State::Overdue, Some(_)) => parts.push(format!(
                    "OVERDUE: last run {} ago, expected every {}",
                    self.last_run_age.map_or("-".into(), format_duration),
                    format_duration(self.expect_every)
                )),
                (State::Overdue, None) => parts.push(format!(
                    "OVERDUE: never run, expected every {}",
                    format_duration(self.expect_every)
                )),
                (_, None) => {}
            }
        }
        parts.join("; ")
    }
}
