//! `small_files`: the mean file size stays above a minimum.
//!
//! **What it does.** Divides the bytes of the files read by their number (from the listing,
//! no scan) and fails below `files: { min_mean_size }` on the table entry. Sizes are written
//! `128MB` (powers of 1000) or `128MiB` (powers of 1024).
//!
//! **Why it matters.** A streaming job that commits every few seconds leaves millions of tiny
//! files; every query then spends its time opening files instead of reading data.
//!
//! **Defaults.** Off unless `files: { min_mean_size }` is given.

use super::{CheckId, CheckResult, Status, Subject, Verdict};
use crate::contract::units::format_size;
use serde_json::json;

pub fn check(s: &Subject<'_>) -> Option<CheckResult> {
    let min = s.table.files.as_ref()?.min_mean_size;
    let scan = &s.profile.scan;
    let mean = scan.bytes.checked_div(scan.files).unwrap_or(0);
    let ok = mean >= min;
    Some(s.result(
        CheckId::SmallFiles,
        None,
        Verdict {
            status: if ok { Status::Pass } else { Status::Fail },
            observed: json!({ "files": scan.files, "bytes": scan.bytes, "mean_size": mean }),
            expected: json!({ "min_mean_size": min }),
            observed_text: format!("{} files, mean {}", scan.files, format_size(mean)),
            expected_text: format!("mean >= {}", format_size(min)),
            message: if ok {
                format!("{} file(s), mean size {}", scan.files, format_size(mean))
            } else {
                format!(
                    "{} file(s) with a mean size of {}, below the minimum of {}; compact the table",
                    scan.files,
                    format_size(mean),
                    format_size(min)
                )
            },
        },
    ))
}
