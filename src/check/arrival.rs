//! `arrival`: new data arrived within the window ("it said success but no data arrived").
//!
//! **What it does.** Looks at when the table last received data, from metadata only (no data
//! file is opened): for an Iceberg table, the commit time of the newest snapshot that added rows
//! (appends and overwrites; compactions and deletes add none); for a Parquet table (local or S3),
//! the newest modification time among all of its files as listed, whatever `--partition` selects
//! (arrival is about the whole table). It fails when that is longer ago than `max_silence` before
//! `--now`. With a history, it also compares the table with what the run before saw: the same
//! files (or, where both runs know them, the same number of rows) since a run older than the
//! window fails too, with "no new rows since the run at T", even when files were rewritten.
//!
//! **Why it matters.** A pipeline that reports success while writing nothing (an empty extract,
//! a sync that stopped, a job that rewrites yesterday's output) looks healthy to the scheduler.
//! Row-count and freshness checks need a column or a baseline; this needs neither.
//!
//! **Example.** `arrival: { max_silence: 26h }` on a table loaded daily.
//!
//! **Defaults.** Off unless `arrival` is given on a table.

use super::{CheckId, CheckResult, Status, Subject, Verdict};
use crate::contract::units::format_duration;
use crate::history::restated::Restated;
use crate::source::arrival::DataCommit;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// A file and when it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct NewestFile {
    pub path: String,
    pub modified: DateTime<Utc>,
}

/// What the run before saw of the table, against what this run sees.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviousRun {
    pub at: DateTime<Utc>,
    /// Nothing arrived since: the same files, or the same rows where both runs counted them.
    pub unchanged: bool,
    pub files_then: u64,
    pub files_now: u64,
    pub rows_then: Option<u64>,
    pub rows_now: Option<u64>,
}

/// When data arrived, from metadata: what `arrival`, column-less `freshness` and the restated
/// notice read. Gathered by the run from the source's listing or snapshots and the history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArrivalFacts {
    /// The newest snapshot that added rows (Iceberg tables).
    pub data_commit: Option<DataCommit>,
    /// Whether the table is an Iceberg table (its times are commit times, not file times).
    pub iceberg: bool,
    /// The newest file of the whole table, as listed (Parquet tables).
    pub newest_file: Option<NewestFile>,
    pub files_listed: usize,
    /// The newest file of the slice checked (what column-less freshness reads).
    pub slice_newest_file: Option<NewestFile>,
    pub slice_files: usize,
    /// The run before, when a history is kept and it recorded the table.
    pub previous: Option<PreviousRun>,
    /// Slices checked before whose files changed since.
    pub restated: Vec<Restated>,
}

/// Which time says when data last arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    SnapshotCommit,
    FileModified,
}

impl Signal {
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::SnapshotCommit => "snapshot_commit",
            Signal::FileModified => "file_modified",
        }
    }
}

/// The time data last arrived by one signal, with what it looked at.
#[derive(Debug, Clone)]
pub struct Arrived {
    pub signal: Signal,
    pub at: DateTime<Utc>,
    /// `snapshot 123 (append)`, `part-7.parquet`.
    pub what: String,
    /// JSON details of the signal (snapshot id, file path, files listed).
    pub detail: Value,
}

impl ArrivalFacts {
    /// When data last arrived in the whole table (`whole`) or in the slice checked: the newest
    /// data snapshot's commit (Iceberg), else the newest file's modification time.
    pub fn arrived(&self, whole: bool) -> Option<Arrived> {
        if let Some(c) = &self.data_commit {
            return Some(Arrived {
                signal: Signal::SnapshotCommit,
                at: c.committed_at,
                what: format!("snapshot {} ({})", c.snapshot_id, c.operation),
                detail: json!({
                    "snapshot_id": c.snapshot_id,
                    "operation": c.operation,
                    "later_snapshots_without_data": c.later_without_data,
                }),
            });
        }
        let (file, count) = if whole {
            (&self.newest_file, self.files_listed)
        } else {
            (&self.slice_newest_file, self.slice_files)
        };
        file.as_ref().map(|f| Arrived {
            signal: Signal::FileModified,
            at: f.modified,
            what: f.path.clone(),
            detail: json!({
                "file": f.path,
                "files_looked_at": count,
                "scope": if whole { "table" } else { "slice" },
            }),
        })
    }
}

/// RFC 3339 in UTC, to the second.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `3d 2h ago`, or `in 2h` for a time after `now`.
pub fn ago(now: DateTime<Utc>, t: DateTime<Utc>) -> String {
    let secs = (now - t).num_seconds();
    if secs >= 0 {
        format!("{} ago", format_duration(secs as u64))
    } else {
        format!(
            "in {} (after `--now`)",
            format_duration(secs.unsigned_abs())
        )
    }
}

pub fn check(s: &Subject<'_>, now: DateTime<Utc>) -> Option<CheckResult> {
    let rule = s.table.arrival.as_ref()?;
    let window = rule.max_silence;
    let expected = json!({ "max_silence_seconds": window });
    let expected_text = format!("new data within {}", format_duration(window));
    let verdict = |status: Status, observed: Value, observed_text: String, message: String| {
        s.result(
            CheckId::Arrival,
            None,
            Verdict {
                status,
                observed,
                expected: expected.clone(),
                observed_text,
                expected_text: expected_text.clone(),
                message,
            },
        )
    };
    let Some(facts) = s.arrival else {
        return Some(verdict(
            Status::Error,
            Value::Null,
            "-".into(),
            "arrival was not measured for this table".into(),
        ));
    };
    let start = now - chrono::Duration::seconds(window as i64);
    let arrived = facts.arrived(true);
    let previous = facts.previous.as_ref().map(|p| {
        json!({
            "at": rfc3339(p.at),
            "unchanged": p.unchanged,
            "files_then": p.files_then,
            "files_now": p.files_now,
            "rows_then": p.rows_then,
            "rows_now": p.rows_now,
        })
    });
    let mut observed = json!({
        "from": arrived.as_ref().map(|a| a.signal.as_str()),
        "newest": arrived.as_ref().map(|a| rfc3339(a.at)),
        "silence_seconds": arrived.as_ref().map(|a| (now - a.at).num_seconds().max(0)),
        "answered_from": if facts.iceberg { "iceberg snapshots" } else { "file listing" },
        "previous_run": previous,
    });
    if let (Some(a), Some(o)) = (&arrived, observed.as_object_mut())
        && let Some(d) = a.detail.as_object()
    {
        o.extend(d.clone());
    }
    // The history proves silence when nothing changed since a run before the window began.
    if let Some(p) = facts
        .previous
        .as_ref()
        .filter(|p| p.unchanged && p.at <= start)
    {
        let rows = match p.rows_now {
            Some(r) => format!("{r} rows, "),
            None => String::new(),
        };
        let also = match &arrived {
            Some(a) if a.at > start => format!(
                "; the newest {} is from {} ({}), but it brought no new rows",
                noun(a.signal),
                ago(now, a.at),
                rfc3339(a.at)
            ),
            _ => String::new(),
        };
        return Some(verdict(
            Status::Fail,
            observed,
            format!("unchanged since {}", rfc3339(p.at)),
            format!(
                "no new rows since the run at {} ({}): the table is as it was then ({rows}{} files){also}; expected new data within {}",
                rfc3339(p.at),
                ago(now, p.at),
                p.files_now,
                format_duration(window)
            ),
        ));
    }
    let Some(a) = arrived else {
        let what = if facts.iceberg {
            "no snapshot of the table added data"
        } else {
            "no file of the table has a modification time"
        };
        return Some(verdict(
            if facts.iceberg {
                Status::Fail
            } else {
                Status::Warn
            },
            observed,
            "never".into(),
            format!("{what}: cannot tell when data last arrived"),
        ));
    };
    let ok = a.at > start;
    let looked_at = match a.signal {
        Signal::SnapshotCommit => "the snapshot log".to_string(),
        Signal::FileModified => format!(
            "the listing times of all {} file(s) of the table",
            facts.files_listed
        ),
    };
    let since_run = match &facts.previous {
        Some(p) if !p.unchanged => {
            format!("; the table changed since the run at {}", rfc3339(p.at))
        }
        _ => String::new(),
    };
    let head = format!(
        "newest {} {} ({}: {})",
        noun(a.signal),
        ago(now, a.at),
        rfc3339(a.at),
        a.what
    );
    Some(verdict(
        if ok { Status::Pass } else { Status::Fail },
        observed,
        if a.at > now {
            "last arrival after `--now`".to_string()
        } else {
            format!("last arrival {}", ago(now, a.at))
        },
        if ok {
            format!(
                "{head}, within {}{since_run}; looked at {looked_at}",
                format_duration(window)
            )
        } else {
            format!(
                "{head}: nothing arrived in the last {}; looked at {looked_at}",
                format_duration(window)
            )
        },
    ))
}

/// What the signal's time is: `snapshot committed`, `file written`.
fn noun(s: Signal) -> &'static str {
    match s {
        Signal::SnapshotCommit => "snapshot committed",
        Signal::FileModified => "file written",
    }
}
