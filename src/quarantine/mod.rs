//! Quarantine: the rows that broke a row-level rule, written to Parquet for someone to look at,
//! fix or replay (`check --quarantine DIR`, `run --quarantine DIR`, or `quarantine:` in a run
//! config).
//!
//! **What it does.** After a table's checks ran, every result of a row-level rule that failed
//! (or warned: a check given `severity: warn` warns instead of failing, and its rows are wanted
//! all the same) has its offending rows selected by DataFusion over the same slice the check
//! profiled, with the rule's own condition from the contract (never from profile values), and
//! written to
//!
//! ```text
//! DIR/<table>/<slice>/<check>[-<field>].parquet
//! ```
//!
//! with the table's columns plus `_plimsoll_check`, `_plimsoll_consumer` and `_plimsoll_reason`
//! (``"`total_usd` = -3.0 is below min 0"``). `<slice>` is the selected partition
//! (`date=2024-03-09`, nested directories for several keys), `snapshot=<id>` for an Iceberg
//! table, `all` when the whole table (or an unpartitioned one) was checked, and the selected
//! partitions' names joined by `+` for any other selection. Several consumers' results of the
//! same check on the same field share one file, told apart by `_plimsoll_consumer`.
//!
//! The row-level rules ([`rules`]): a null where `required`/`max_null_rate` (or an ODCS
//! `nullValues`/`missingValues` rule) failed, a number outside `min`/`max` (exclusive bounds
//! included, NaN always), a string or binary outside `min_length`/`max_length`, a value outside
//! `allowed_values` (or an ODCS `invalidValues` rule's valid values), a key without a match in
//! the referenced table (the anti-join of [`crate::profile::references`], keeping whole rows),
//! and every row of a key that occurs more than once (`unique: true`, ODCS `duplicateValues`;
//! [`duplicates::rows`] takes a list of key columns). A check that failed for another reason (a
//! column of the wrong type) selects nothing, and a selection with no rows writes no file.
//!
//! **Written atomically**: each file goes to a temporary name in its directory (`.tmp-...`),
//! then is renamed (local) or copied and deleted (S3, as the history store does); a reader sees
//! the whole file or none. **Capped** at `--quarantine-limit` rows per result (default 100,000):
//! the rows beyond are counted, not written, and memory stays bounded by the cap. Each result
//! with a file gets `quarantine: { path, rows, beyond_cap }` in the reports.
//!
//! **Refused before anything is read** (exit 2): a `DIR` that cannot be created or written, and
//! a `DIR` inside a checked table (its files would become the table's rows).

pub mod duplicates;
pub mod rules;
pub mod select;
pub mod target;

use crate::check::{CheckResult, Status};
use crate::context::Context;
use crate::error::Result;
use crate::run::{CheckPlan, TablePlan};
use crate::source::Source;
use serde::Serialize;

/// Rows written per result unless `--quarantine-limit` says otherwise.
pub const DEFAULT_LIMIT: u64 = 100_000;

/// Where a run quarantines rows, and how many per result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantine {
    /// A local directory or `s3://BUCKET/PREFIX`, as the user gave it.
    pub location: String,
    /// Rows written per result at most.
    pub limit: u64,
}

impl Quarantine {
    pub fn new(location: &str, limit: Option<u64>) -> Self {
        Quarantine {
            location: location.to_string(),
            limit: limit.unwrap_or(DEFAULT_LIMIT),
        }
    }
}

/// A result's quarantine file, as its reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantineFile {
    /// The file: a path under the quarantine directory as given, or an `s3://` URL.
    pub path: String,
    /// Rows of this result written to it.
    pub rows: u64,
    /// Rows of this result that broke the rule but were not written (over the cap).
    pub beyond_cap: u64,
}

impl QuarantineFile {
    /// For people: `12 row(s) in DIR/.../range-total_usd.parquet (3 more beyond the cap)`.
    pub fn text(&self) -> String {
        let beyond = if self.beyond_cap > 0 {
            format!(" ({} more beyond the cap)", self.beyond_cap)
        } else {
            String::new()
        };
        format!("{} row(s) in {}{beyond}", self.rows, self.path)
    }
}

/// Checks a run's quarantine location before any table is read: no table's directory in it
/// inside a table the run reads (checked or referenced), creatable and writable. Nothing is
/// left behind.
pub async fn prepare(ctx: &Context, plan: &CheckPlan) -> Result<()> {
    let Some(q) = &plan.quarantine else {
        return Ok(());
    };
    let read: Vec<&str> = plan
        .tables
        .iter()
        .map(|t| t.source.location.as_str())
        .chain(plan.references.values().map(|r| r.location.as_str()))
        .collect();
    for t in &plan.tables {
        for location in &read {
            target::refuse_inside(&q.location, &t.name, location)?;
        }
    }
    target::Target::open(ctx, &q.location)?.probe().await
}

/// Quarantines the rows of a checked table's failing row-level results and gives each result
/// its file. Called with the table's results once they are final.
pub async fn table(
    ctx: &Context,
    plan: &CheckPlan,
    t: &TablePlan,
    source: &Source,
    results: &mut [CheckResult],
) -> Result<()> {
    let Some(q) = &plan.quarantine else {
        return Ok(());
    };
    let schema = source.schema();
    // (file name, result index, rule), grouped by file in order of first appearance.
    let mut files: Vec<(String, Vec<(usize, rules::Rule)>)> = Vec::new();
    for (i, r) in results.iter().enumerate() {
        if !matches!(r.status, Status::Fail | Status::Warn) {
            continue;
        }
        let Some(rule) = rules::of(plan, t, r, &schema) else {
            continue;
        };
        let name = file_name(r);
        match files.iter_mut().find(|f| f.0 == name) {
            Some(f) => f.1.push((i, rule)),
            None => files.push((name, vec![(i, rule)])),
        }
    }
    if files.is_empty() {
        return Ok(());
    }
    let target = target::Target::open(ctx, &q.location)?;
    let dir = target::slice_dir(&t.name, source);
    let session = ctx.local_session();
    for (name, members) in files {
        let mut writer = select::Writer::new();
        let mut counts = Vec::with_capacity(members.len());
        for (i, rule) in &members {
            let r = &results[*i];
            let df = select::rows(ctx, &session, plan, source, rule, r).await?;
            let (written, total) = writer.drain(source, df, q.limit).await?;
            counts.push((*i, written, total));
        }
        let Some(bytes) = writer.finish()? else {
            continue;
        };
        let path = target.put_atomic(&dir, &name, bytes).await?;
        for (i, written, total) in counts {
            if written == 0 {
                continue;
            }
            results[i].quarantine = Some(QuarantineFile {
                path: path.clone(),
                rows: written,
                beyond_cap: total - written,
            });
        }
    }
    Ok(())
}

/// `<check>[-<field>].parquet`.
fn file_name(r: &CheckResult) -> String {
    match &r.field {
        // A composite key (`order_id,line_no`) is written `order_id+line_no`.
        Some(f) => format!("{}-{}.parquet", r.check, f.replace(',', "+")),
        None => format!("{}.parquet", r.check),
    }
}
