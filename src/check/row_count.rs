//! `row_count`: today's rows against the baseline mean.
//!
//! **What it does.** Divides the current slice's row count by the mean row count of the last
//! `baseline_days` baseline slices and fails outside `[min_ratio, max_ratio]`. The result shows
//! the count, the baseline mean, the ratio and the slices it was computed from.
//!
//! **Why it matters.** A partial load (30% of a day), a lost partition or a duplicated batch
//! passes every schema check; only the volume shows it.
//!
//! **Defaults.** `row_count: { baseline_days: 7, min_ratio: 0.8, max_ratio: 2.0 }`; off unless
//! `row_count` is given. Without a baseline the result is a warning saying why.

use super::{CheckId, CheckResult, Status, Subject, Verdict, count_verdict, no_baseline};
use crate::contract::units::thousands;
use serde_json::json;

pub fn check(s: &Subject<'_>) -> Option<CheckResult> {
    let rc = s.table.row_count.as_ref()?;
    let Some(b) = s.baseline else {
        return Some(no_baseline(s, CheckId::RowCount, None));
    };
    let slices = b.last(rc.baseline_days as usize);
    let mean = slices
        .iter()
        .map(|x| x.profile.row_count as f64)
        .sum::<f64>()
        / slices.len().max(1) as f64;
    let rows = s.profile.row_count;
    let ratio = if mean > 0.0 {
        rows as f64 / mean
    } else if rows == 0 {
        1.0
    } else {
        f64::INFINITY
    };
    let ok = ratio >= rc.min_ratio && ratio <= rc.max_ratio;
    let names: Vec<&str> = slices.iter().map(|x| x.name.as_str()).collect();
    Some(s.result(
        CheckId::RowCount,
        None,
        Verdict {
            status: if ok { Status::Pass } else { Status::Fail },
            observed: json!({ "rows": rows, "baseline_mean": mean, "ratio": ratio, "baseline_slices": names }),
            expected: json!({ "min_ratio": rc.min_ratio, "max_ratio": rc.max_ratio, "baseline_days": rc.baseline_days }),
            observed_text: format!("{} rows, {ratio:.2}x of {:.0}", thousands(rows), mean),
            expected_text: format!("{}x..{}x", rc.min_ratio, rc.max_ratio),
            message: format!(
                "{} rows is {:.0}% of the mean of the last {} slice(s) ({:.0} rows){}",
                thousands(rows),
                ratio * 100.0,
                slices.len(),
                mean,
                if ok {
                    String::new()
                } else {
                    format!(", outside {:.0}%..{:.0}%", rc.min_ratio * 100.0, rc.max_ratio * 100.0)
                }
            ),
        },
    ))
}

/// The absolute bounds of the table entry (`row_bounds`), each its own result citing its line.
pub fn bounds(s: &Subject<'_>) -> Vec<CheckResult> {
    let rows = s.profile.row_count;
    s.table
        .row_bounds
        .iter()
        .map(|r| {
            s.result_at(
                CheckId::RowCount,
                None,
                r.line,
                count_verdict(r, rows, rows, 0, "row(s)"),
            )
        })
        .collect()
}
