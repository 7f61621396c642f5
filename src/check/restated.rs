//! `restated`: a slice checked before whose files changed since (a restated or late-arriving
//! partition).
//!
//! **What it does.** With a history, each checked slice is stored with the identity of the files
//! it was computed from (path, size, modification time; an Iceberg data file's path). When a run
//! checks a slice again and its files were added, removed or rewritten since, this result says so
//! (`restated: 3 files changed since the check at 2024-03-09T00:30:00Z`, with the counts and the
//! time in `observed`). The slice itself is checked again, like any slice, and its new profile
//! replaces the stored one: profiled from its data, or (an Iceberg partition that only gained
//! files) its stored profile merged with the added files' profile, which is exact for appends.
//!
//! **Why it matters.** Late rows and restatements change numbers that were already reported and
//! that serve as tomorrow's baseline; replacing them silently hides that yesterday's verdict was
//! about other data.
//!
//! **Defaults.** On whenever a history is kept; a warning, so the run does not fail on it.

use super::arrival::rfc3339;
use super::{CheckId, CheckResult, Status, Subject, Verdict};
use serde_json::json;

pub fn check(s: &Subject<'_>) -> Vec<CheckResult> {
    let Some(facts) = s.arrival else {
        return Vec::new();
    };
    facts
        .restated
        .iter()
        .map(|r| {
            let c = &r.changes;
            let counted = |n: usize| if c.counted { json!(n) } else { json!(null) };
            s.result(
                CheckId::Restated,
                None,
                Verdict {
                    status: Status::Warn,
                    observed: json!({
                        "slice": r.slice,
                        "files_changed": counted(c.total()),
                        "files_added": counted(c.added),
                        "files_removed": counted(c.removed),
                        "files_modified": counted(c.modified),
                        "files_before": c.before,
                        "files_now": c.now,
                        "checked_at": rfc3339(r.checked_at),
                        "rows_before": r.rows_before,
                        "rows_now": r.rows_now,
                    }),
                    expected: json!(null),
                    observed_text: c.describe(),
                    expected_text: "-".into(),
                    message: format!(
                        "{}: `{}` checked again{}, {} rows then, {} now; its stored profile is replaced",
                        r.describe(),
                        r.slice,
                        if c.counted {
                            format!(
                                " ({} added, {} removed, {} rewritten)",
                                c.added, c.removed, c.modified
                            )
                        } else {
                            String::new()
                        },
                        r.rows_before,
                        r.rows_now,
                    ),
                },
            )
        })
        .collect()
}
