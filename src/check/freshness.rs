//! `freshness`: the latest event is recent enough.
//!
//! **What it does.** Takes the maximum of `freshness.column` (a timestamp, or a date read as
//! the end of that day, UTC) and compares `now - latest` with `max_lag`. `now` is the current
//! time, or `--now` for reproducible runs. Timestamps without a time zone are read as UTC.
//!
//! **Why it matters.** A pipeline that "succeeds" while no new data arrives is the most common
//! silent failure: the sync stopped, the source went stale, and every dashboard shows yesterday.
//!
//! **Defaults.** Off unless `freshness: { column, max_lag }` is given; `max_lag` should be the
//! expected interval plus a buffer (daily data: `26h`).

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
    let Some(p) = s.profile.field(&fr.column) else {
        return Some(fail(
            "missing".into(),
            format!("freshness column `{}` is missing from the table", fr.column),
        ));
    };
    let latest_micros = match (p.kind, p.temporal.as_ref().and_then(|t| t.max)) {
        (Kind::Timestamp, Some(us)) => us,
        (Kind::Date, Some(days)) => (days + 1) * 86_400 * 1_000_000,
        (Kind::Timestamp | Kind::Date, None) => {
            return Some(fail(
                "no values".into(),
                format!("freshness column `{}` has no non-null value", fr.column),
            ));
        }
        _ => {
            return Some(fail(
                p.kind.name().into(),
                format!(
                    "freshness column `{}` is {} ({}), not a timestamp or date",
                    fr.column,
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
            observed: json!({ "latest": latest, "lag_seconds": lag }),
            expected,
            observed_text: format!("lag {}", format_duration(lag)),
            expected_text,
            message: if ok {
                format!(
                    "latest `{}` is {latest}, {} ago{future}",
                    fr.column,
                    format_duration(lag)
                )
            } else {
                format!(
                    "latest `{}` is {latest}, {} ago, more than the allowed {}",
                    fr.column,
                    format_duration(lag),
                    format_duration(fr.max_lag)
                )
            },
        },
    ))
}
