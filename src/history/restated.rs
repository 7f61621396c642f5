//! Restated and late-arriving slices: a slice checked before whose files changed since (files
//! added, removed, or rewritten). The run says so and checks the slice again from its data; the
//! stored profile is then replaced, visibly.

use super::History;
use super::fileset::{FileChanges, FileSet};
use crate::error::Result;
use chrono::{DateTime, Utc};

/// A slice whose files changed since it was checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Restated {
    pub slice: String,
    /// When the earlier check stored the slice.
    pub checked_at: DateTime<Utc>,
    pub changes: FileChanges,
    /// Rows of the stored profile (the earlier check's).
    pub rows_before: u64,
    /// Rows of the slice now.
    pub rows_now: u64,
}

impl Restated {
    /// `restated: 3 files changed since the check at 2024-03-09T00:30:00Z`.
    pub fn describe(&self) -> String {
        format!(
            "restated: {} since the check at {}",
            self.changes.describe(),
            self.checked_at.format("%Y-%m-%dT%H:%M:%SZ")
        )
    }
}

/// The slices of `table` among `slices` (name, current files, rows) that were checked before and
/// whose files changed since. Slices stored without their files (older versions, backfills) are
/// not judged.
pub async fn detect(
    history: &History,
    table: &str,
    slices: &[(String, FileSet, u64)],
) -> Result<Vec<Restated>> {
    let mut out = Vec::new();
    for (name, now, rows) in slices {
        let Some(stored) = history.get(table, name).await? else {
            continue;
        };
        let (true, Some(before)) = (stored.checked, &stored.files) else {
            continue;
        };
        if let Some(changes) = before.changes(now) {
            out.push(Restated {
                slice: name.clone(),
                checked_at: stored.written_at,
                changes,
                rows_before: stored.profile.row_count,
                rows_now: *rows,
            });
        }
    }
    Ok(out)
}
