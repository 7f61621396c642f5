//! `freshness`: the latest event is recent enough.
//!
//! **What it does.** Takes the maximum of `freshness.column` (a timestamp, or a date read as
//! the end of that day, UTC) and compares `now - latest` with `max_lag`. `now` is the current
//! time, or `--now` for reproducible runs. Timestamps without a time zone are read as UTC.
//!
//! **Why it matters.** A pipeline that "succeeds" while no new data arrives is the most common
//! silent failure: the sync stopped, the source went stale, and every dashboard shows yesterday.
//!
//! Without `column`, the latest event is when the data arrived, from metadata (no scan): the
//! commit time of the newest Iceberg snapshot that added rows, or the newest modification time
//! of the Parquet files checked. `observed.from` says which (`"column"`, `"snapshot_commit"`,
//! `"file_modified"`).
//!
//! **Defaults.** Off unless `freshness: { column, max_lag }` (or `freshness: { max_lag }`) is
//! given; `max_lag` should be the expected interval plus a buffer (daily data: `26h`).

use super::{CheckId, CheckResult, Status, Subject, Verdict};
use crate::contract::units::format_duration;
use crate::profile::Kind;
use crate::profile::model::{format_date, format_timestamp};
use chrono::{DateTime, Utc};
use serde_json::json;

pub fn check(s: &Subject<'_>, now: DateTime<Utc>) -> Option<CheckResult> {
    let fr = s.table.freshness.as_ref()?;
    let expected = json!({ "max_lag_seconds": fr.max_lag });
    let expected_text = format!("lag <= {}", format_duration(fr.max_lag));
    let fail = |observed_text: String, message: String| {
        s.result(
            CheckId::Freshness,
            None,
            Verdict {
                status: Status::Fail,
                observed: json!(null),
                expected: expected.clone(),
                observed_text,
                expected_text: expected_text.clone(),
                message,
            },
        )
    };
    let Some(column) = &fr.column else {
        return Some(from_metadata(s, fr.max_lag, now, expected, expected_text));
    };
    let Some(p) = s.profile.field(column) else {
        return Some(fail(
            "missing".into(),
            format!("freshness column `{}` is missing from the table", column),
        ));
    };
    let latest_micros = match (p.kind, p.temporal.as_ref().and_then(|t| t.max)) {
        (Kind::Timestamp, Some(us)) => us,
        (Kind::Date, Some(days)) => (days + 1) * 86_400 * 1_000_000,
        (Kind::Timestamp | Kind::Date, None) => {
            return Some(fail(
                "no values".into(),
                format!("freshness column `{}` has no non-null value", column),
            ));
        }
        _ => {
            return Some(fail(
                p.kind.name().into(),
                format!(
                    "freshness column `{}` is {} ({}), not a timestamp or date",
                    column,
                    p.kind.name(),
                    p.data_type
                ),
            ));
        }
    };
    let latest = match p.kind {
        Kind::Date => format_date(latest_micros / 86_400_000_000 - 1),
        _ => format_timestamp(latest_micros),
    };
    let lag_us = now.timestamp_micros() - latest_micros;
    let lag = (lag_us.max(0) / 1_000_000) as u64;
    let ok = lag <= fr.max_lag;
    let future = if lag_us < 0 {
        " (the latest value is in the future)"
    } else {
        ""
    };
    Some(s.result(
        CheckId::Freshness,
        None,
        Verdict {
            status: if ok { Status::Pass } else { Status::Fail },
            observed: json!({ "latest": latest, "lag_seconds": lag, "from": "column" }),
            expected,
            observed_text: format!("lag {}", format_duration(lag)),
            expected_text,
            message: if ok {
                format!(
                    "latest `{}` is {latest}, {} ago{future}",
                    column,
                    format_duration(lag)
                )
            } else {
                format!(
                    "latest `{}` is {latest}, {} ago, more than the allowed {}",
                    column,
                    format_duration(lag),
                    format_duration(fr.max_lag)
                )
            },
        },
    ))
}

/// Freshness without a column: the table's arrival time from its metadata.
fn from_metadata(
    s: &Subject<'_>,
    max_lag: u64,
    now: DateTime<Utc>,
    expected: serde_json::Value,
    expected_text: String,
) -> CheckResult {
    use super::arrival::{ago, rfc3339};
    let arrived = s.arrival.and_then(|f| f.arrived(false));
    let Some(a) = arrived else {
        let iceberg = s.arrival.is_some_and(|f| f.iceberg);
        return s.result(
            CheckId::Freshness,
            None,
            Verdict {
                status: Status::Fail,
                observed: json!(null),
                expected,
                observed_text: "no arrival time".into(),
                expected_text,
                message: if iceberg {
                    "no snapshot of the table added data: nothing to measure freshness from".into()
                } else {
                    "no file of the slice has a modification time: give `freshness.column`".into()
                },
            },
        );
    };
    let lag_us = (now - a.at).num_microseconds().unwrap_or(i64::MAX);
    let lag = (lag_us.max(0) / 1_000_000) as u64;
    let ok = lag <= max_lag;
    let what = match a.signal {
        super::arrival::Signal::SnapshotCommit => "newest snapshot that added data was committed",
        super::arrival::Signal::FileModified => "newest file was written",
    };
    let mut observed = json!({
        "latest": rfc3339(a.at),
        "lag_seconds": lag,
        "from": a.signal.as_str(),
    });
    if let (Some(o), Some(d)) = (observed.as_object_mut(), a.detail.as_object()) {
        o.extend(d.clone());
        o.insert(
            "answered_from".into(),
            json!(match a.signal {
                super::arrival::Signal::SnapshotCommit => "iceberg snapshots",
                super::arrival::Signal::FileModified => "file listing",
            }),
        );
    }
    s.result(
        CheckId::Freshness,
        None,
        Verdict {
            status: if ok { Status::Pass } else { Status::Fail },
            observed,
            expected,
            observed_text: format!("lag {}", format_duration(lag)),
            expected_text,
            message: if ok {
                format!("{what} {} ({}: {})", ago(now, a.at), rfc3339(a.at), a.what)
            } else {
                format!(
                    "{what} {} ({}: {}), more than the allowed {}",
                    ago(now, a.at),
                    rfc3339(a.at),
                    a.what,
                    format_duration(max_lag)
                )
            },
        },
    )
}
