//! The check engine: profile each table of a plan once (the union of the columns its consumers
//! need, or every column when the history keeps it), build its baseline, run every contract
//! entry against it, record the run in the history. A run that cannot be completed is recorded
//! too, with its error, so `status` shows it.

use super::plan::{CheckPlan, TablePlan};
use crate::baseline::{self, BaselineOutcome, BaselineRequest, Skipped};
use crate::check::{self, CheckResult, Subject};
use crate::context::Context;
use crate::contract::TableContract;
use crate::error::{Error, Result};
use crate::history::History;
use crate::profile::{self, Options, SnapshotInfo, TableProfile};
use crate::source::iceberg::SnapshotSelect;
use crate::source::{Source, SourceRef};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a check run found.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    pub results: Vec<CheckResult>,
    pub tables: Vec<TableReport>,
    /// Things the user should know that are not results (what an incremental run read, a
    /// flag that did not apply to a table), for stderr.
    pub notes: Vec<String>,
}

impl CheckReport {
    /// The run's status: the worst of its results.
    pub fn status(&self) -> check::Status {
        check::overall(&self.results)
    }
}

/// One checked table: what was read and what it was compared with.
#[derive(Debug, Clone, Serialize)]
pub struct TableReport {
    pub name: String,
    pub source: String,
    pub rows: u64,
    pub partitions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotInfo>,
    pub baseline: Option<BaselineSummary>,
    /// Why there is no baseline, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_baseline: Option<String>,
    /// Each profiled field's null rate and distinct count (the gauges of the Prometheus report).
    pub fields: Vec<FieldSummary>,
    /// When the table's check finished (the run log's `finished_at` when a history is kept).
    /// Not in the JSON, which stays the same for the same data.
    #[serde(skip)]
    pub checked_at: chrono::DateTime<chrono::Utc>,
    /// When a run of the table last passed (warnings allowed): this run when it did, else the
    /// newest passing run in the history's run log (None without a history, or never).
    #[serde(skip)]
    pub last_success: Option<chrono::DateTime<chrono::Utc>>,
}

/// One profiled field as reports summarise it.
#[derive(Debug, Clone, Serialize)]
pub struct FieldSummary {
    pub name: String,
    pub null_count: u64,
    /// Nulls over rows (0 for an empty table).
    pub null_rate: f64,
    /// Distinct non-null values; None when only footers were read (they do not count them).
    pub distinct: Option<u64>,
    pub distinct_exact: bool,
}

impl FieldSummary {
    /// The fields of a profile; `counted` is false when it was answered from footers.
    pub fn of(p: &TableProfile, counted: bool) -> Vec<FieldSummary> {
        p.fields
            .iter()
            .map(|f| FieldSummary {
                name: f.name.clone(),
                null_count: f.null_count,
                null_rate: f.null_rate(),
                distinct: counted.then(|| f.distinct.estimate()),
                distinct_exact: counted && f.distinct.is_exact(),
            })
            .collect()
    }
}

/// A baseline as reports show it.
#[derive(Debug, Clone, Serialize)]
pub struct BaselineSummary {
    pub description: String,
    pub slices: Vec<SliceSummary>,
    /// Slices left out, of the whole baseline or of one field's, and why.
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SliceSummary {
    pub name: String,
    /// Read from the history rather than profiled in this run.
    pub stored: bool,
    pub rows: u64,
}

impl BaselineSummary {
    pub fn of(b: &baseline::Baseline) -> Self {
        BaselineSummary {
            description: b.description.clone(),
            slices: b
                .slices
                .iter()
                .map(|s| SliceSummary {
                    name: s.name.clone(),
                    stored: s.stored,
                    rows: s.profile.row_count,
                })
                .collect(),
            skipped: b.skipped.clone(),
        }
    }
}

/// Runs a planned check. When it cannot be completed and a history is kept, the error is
/// recorded in the run log of every table of the plan not checked yet before it is returned.
pub async fn check(ctx: &Context, plan: &CheckPlan) -> Result<CheckReport> {
    let started = chrono::Utc::now();
    let history = plan
        .history
        .as_deref()
        .map(|h| History::open(ctx, h))
        .transpose()?;
    crate::quarantine::prepare(ctx, plan).await?;
    let mut report = CheckReport::default();
    // What the contracts ask for that is not checked (ODCS rules Plimsoll does not run).
    for c in &plan.contracts {
        report
            .notes
            .extend(c.warnings.iter().map(|w| format!("warning: {w}")));
    }
    match run(ctx, plan, history.as_ref(), started, &mut report).await {
        Ok(()) => Ok(report),
        Err(e) => {
            if let Some(h) = &history {
                let text = e.render();
                // Tables checked before the error have their run recorded already.
                for t in plan
                    .tables
                    .iter()
                    .filter(|t| !report.tables.iter().any(|done| done.name == t.name))
                {
                    // The run's own error is what the user needs; a failure to record it too
                    // (the store being what failed) must not hide it.
                    let _ = h
                        .record_error(&t.name, &t.source.to_string(), started, &text)
                        .await;
                }
            }
            Err(e)
        }
    }
}

async fn run(
    ctx: &Context,
    plan: &CheckPlan,
    history: Option<&History>,
    started: chrono::DateTime<chrono::Utc>,
    report: &mut CheckReport,
) -> Result<()> {
    let sole = plan.tables.len() == 1;
    // Open every table first: a `--partition` key must partition at least one of them.
    let mut sources = Vec::with_capacity(plan.tables.len());
    for t in &plan.tables {
        let what = snapshot_for(ctx, plan, t, &mut report.notes).await?;
        let slicing = super::slicing::event_slicing(plan, t)?;
        let source = if t.partitions.is_empty() {
            Source::open_sliced(ctx, &what, &plan.partitions, sole, slicing.as_ref()).await?
        } else {
            Source::open_sliced(ctx, &what, &t.partitions, true, slicing.as_ref()).await?
        };
        report
            .notes
            .extend(source.warnings.iter().map(|w| format!("warning: {w}")));
        sources.push(source);
    }
    if !sole {
        for p in &plan.partitions {
            if !sources.iter().any(|s| {
                s.partition_cols.iter().any(|(k, _)| k == &p.key)
                    || s.slice_keys.iter().any(|k| k.answers_to(&p.key))
            }) {
                return Err(Error::usage(
                    format!("no table of this run is partitioned by `{}`", p.key),
                    "`--partition KEY=...` needs a table with `KEY=value/` directories",
                ));
            }
        }
    }
    for (t, source) in plan.tables.iter().zip(&sources) {
        let (results, table) = check_table(ctx, plan, t, source, history, started, report).await?;
        report.results.extend(results);
        report.tables.push(table);
    }
    Ok(())
}

/// The snapshot a table is read at. `--as-of` (given for every checked table) applies to the
/// Iceberg ones: a Parquet table among them is read as it is, with a note; alone, it is an error.
async fn snapshot_for(
    ctx: &Context,
    plan: &CheckPlan,
    t: &TablePlan,
    notes: &mut Vec<String>,
) -> Result<SourceRef> {
    let mut what = t.source.clone();
    if t.snapshot_from_flag
        && matches!(what.snapshot, SnapshotSelect::AsOf(_))
        && plan.tables.len() > 1
        && crate::source::iceberg::detect(ctx, &what.location)
            .await?
            .is_none()
    {
        notes.push(format!(
            "note: `--as-of` applies to Iceberg tables; `{}` ({}) is a Parquet table and is read as it is",
            t.name, what
        ));
        what.snapshot = SnapshotSelect::Current;
    }
    Ok(what)
}

/// The columns the contract entries of a table need.
fn wanted_columns(source: &Source, entries: &[&TableContract]) -> Vec<String> {
    let schema = source.schema();
    let mut columns: Vec<String> = Vec::new();
    let mut want = |name: &str| {
        if schema.field_with_name(name).is_ok() && !columns.iter().any(|c| c == name) {
            columns.push(name.to_string());
        }
    };
    for t in entries {
        if let Some(c) = t.freshness.as_ref().and_then(|f| f.column.as_ref()) {
            want(c);
        }
        for f in &t.fields {
            want(&f.name);
        }
    }
    columns
}

async fn check_table(
    ctx: &Context,
    plan: &CheckPlan,
    t: &TablePlan,
    source: &Source,
    history: Option<&History>,
    started: chrono::DateTime<chrono::Utc>,
    report: &mut CheckReport,
) -> Result<(Vec<CheckResult>, TableReport)> {
    let entries: Vec<&TableContract> = t
        .entries
        .iter()
        .map(|(c, e)| &plan.contracts[*c].tables[*e])
        .collect();
    let mut columns = wanted_columns(source, &entries);
    if history.is_some() {
        // Stored profiles cover every column, so tomorrow's baseline has what any contract needs.
        columns = profile::resolve_columns(source, None)?;
    }
    // Table-level checks only (row count, files, freshness): the footers answer exactly when
    // their statistics are present and untruncated, and no data page is read.
    let from_footers: Option<Vec<profile::FieldProfile>> = if history.is_none()
        && source.counts_exact()
        && entries
            .iter()
            .all(|e| e.fields.is_empty() && e.drift.is_none())
    {
        profile::metadata::facts(source, &columns)?
            .iter()
            .map(profile::metadata::FieldFacts::to_profile)
            .collect()
    } else {
        None
    };
    let baseline_columns: Vec<String> = if from_footers.is_some() {
        Vec::new()
    } else {
        columns.clone()
    };
    let needs_baseline = entries.iter().any(|e| {
        e.row_count.is_some() || e.drift.is_some() || !e.fields.is_empty() || e.schema.is_some()
    });
    let slices_wanted = entries
        .iter()
        .filter_map(|e| e.row_count.as_ref().map(|r| r.baseline_days as usize))
        .max()
        .unwrap_or(7);
    let outcome = if needs_baseline {
        baseline::build(
            ctx,
            &BaselineRequest {
                source,
                table: &t.name,
                spec: t.baseline.as_ref(),
                slices: slices_wanted,
                same_weekday: plan.same_weekday,
                include_failed: plan.include_failed,
                columns: if history.is_some() {
                    None
                } else {
                    Some(&baseline_columns)
                },
                history,
                sole: plan.tables.len() == 1,
            },
        )
        .await?
    } else {
        BaselineOutcome::Unavailable("no check of this table needs one".into())
    };
    let reason = outcome.reason().to_string();
    let mut baseline = match outcome {
        BaselineOutcome::Ready(b) => Some(b),
        BaselineOutcome::Unavailable(_) => None,
    };
    let merged: Option<TableProfile> = baseline.as_ref().and_then(|b| b.merged());
    // Frozen edges: both sides' numeric values are counted exactly against them.
    let mut options = Options {
        by_partition: history.is_some(),
        ..Options::default()
    };
    if let Some(m) = &merged {
        for e in &entries {
            for f in &e.fields {
                if (f.drift.is_some() || e.drift.is_some())
                    && let Some(edges) = m.field(&f.name).and_then(crate::drift::edges_of)
                {
                    options.edges.insert(f.name.clone(), edges);
                }
            }
        }
    }
    if let Some(b) = &mut baseline {
        b.count_bins(ctx, source, &options.edges).await?;
    }
    let profiled = match &from_footers {
        Some(fields) => {
            let mut whole = profile::footer_profile(source);
            whole.fields = fields.clone();
            profile::Profiled {
                whole,
                partitions: Vec::new(),
            }
        }
        None => match history {
            Some(h) => {
                let (p, inc) = crate::history::incremental::profile_or_scan(
                    ctx, source, h, &t.name, &columns, &options,
                )
                .await?;
                if let Some(inc) = inc {
                    report.notes.push(inc.note(&source.location));
                }
                p
            }
            None => profile::profile_with(ctx, source, &columns, &options).await?,
        },
    };
    let profile = &profiled.whole;
    let refs = references(ctx, plan, source, &entries).await;
    let (arrival, table_state) =
        super::arrival::facts(source, history, &t.name, &entries, &profiled).await?;
    let dups = profile::duplicates::for_entries(ctx, source, &entries).await;
    let mut here = Vec::new();
    let checks = ctx.progress.timed(crate::progress::Phase::Checks);
    for (ci, ti) in &t.entries {
        let subject = Subject {
            contract: &plan.contracts[*ci],
            table: &plan.contracts[*ci].tables[*ti],
            profile,
            baseline: baseline.as_ref(),
            baseline_profile: merged.as_ref(),
            no_baseline_reason: &reason,
            references: &refs,
            arrival: Some(&arrival),
            duplicates: &dups,
        };
        here.extend(check::run_table(&subject, plan.now));
    }
    drop(checks);
    if from_footers.is_some() {
        ctx.progress.metadata_answer(
            &t.name,
            &format!("checks answered from {}", source.metadata_origin()),
        );
        for r in &mut here {
            if let Some(o) = r.observed.as_object_mut() {
                o.entry("answered_from")
                    .or_insert(source.metadata_origin().into());
            }
        }
    }
    crate::quarantine::table(ctx, plan, t, source, &mut here).await?;
    // When the table's check finished: the run log's time when it records the run.
    let mut checked_at = None;
    if let Some(h) = history {
        let _t = ctx.progress.timed(crate::progress::Phase::History);
        let run_id = crate::history::new_run_id(started);
        let slices: Vec<(String, &TableProfile)> = if profiled.partitions.is_empty() {
            vec![(run_id.clone(), profile)]
        } else {
            profiled
                .partitions
                .iter()
                .map(|(n, p)| (n.clone(), p))
                .collect()
        };
        for (name, p) in &slices {
            let part = (!profiled.partitions.is_empty()).then_some(name.as_str());
            let files = super::arrival::slice_files(source, part);
            h.put_with_files(&t.name, name, p, Some(&here), Some(files))
                .await?;
        }
        let names: Vec<String> = slices.iter().map(|s| s.0.clone()).collect();
        let finished = h
            .record(
                &t.name,
                &t.source.to_string(),
                &run_id,
                started,
                &names,
                &here,
                profile.row_count,
                table_state,
            )
            .await?;
        checked_at = Some(finished);
    }
    let checked_at = checked_at.unwrap_or_else(chrono::Utc::now);
    let last_success = match (check::overall(&here), history) {
        (check::Status::Pass | check::Status::Warn, _) => Some(checked_at),
        (_, Some(h)) => h.last_success(&t.name).await?,
        (_, None) => None,
    };
    let table = TableReport {
        name: t.name.clone(),
        source: t.source.to_string(),
        rows: profile.row_count,
        partitions: profile.partitions.clone(),
        snapshot: profile.snapshot.clone(),
        baseline: baseline.as_ref().map(BaselineSummary::of),
        no_baseline: (baseline.is_none() && needs_baseline).then_some(reason),
        fields: FieldSummary::of(profile, from_footers.is_none()),
        checked_at,
        last_success,
    };
    Ok((here, table))
}

/// The tables of a run that could not be completed, each with its last success from the
/// history's run log (None without a history, or when it cannot be read: the run's own error is
/// what the report carries).
pub async fn failed_tables(
    ctx: &Context,
    history: Option<&str>,
    names: &[String],
) -> Vec<crate::report::prometheus::FailedTable> {
    let history = history.and_then(|h| History::open_existing(ctx, h).ok());
    let mut out = Vec::new();
    for name in names {
        let last_success = match &history {
            Some(h) => h.last_success(name).await.ok().flatten(),
            None => None,
        };
        out.push(crate::report::prometheus::FailedTable {
            name: name.clone(),
            last_success,
        });
    }
    out
}

/// Referential integrity: one anti-join per referencing field. Anything that goes wrong (the
/// other table missing or unreadable, keys of different types) is that check's error, reported
/// with the other checks' results, not the end of the run.
async fn references(
    ctx: &Context,
    plan: &CheckPlan,
    source: &Source,
    entries: &[&TableContract],
) -> BTreeMap<String, std::result::Result<check::references::ReferenceStats, String>> {
    let schema = source.schema();
    let mut refs = BTreeMap::new();
    for e in entries {
        for f in &e.fields {
            let (Some(r), true) = (&f.references, schema.field_with_name(&f.name).is_ok()) else {
                continue;
            };
            if refs.contains_key(&f.name) {
                continue;
            }
            let stats = match plan.references.get(&r.table) {
                None => Err(format!(
                    "table `{}` is not located: pass `--table {}=SOURCE` or give its contract entry a `source:`",
                    r.table, r.table
                )),
                Some(other) => {
                    let counted = async {
                        let other = Source::open(ctx, other, &[]).await?;
                        profile::references::unmatched(ctx, source, &f.name, &other, &r.field).await
                    };
                    counted.await.map_err(|e| one_paragraph(&e))
                }
            };
            refs.insert(f.name.clone(), stats);
        }
    }
    refs
}

/// An error as one line of a result's message: the error, its causes and the hint.
fn one_paragraph(e: &Error) -> String {
    let text = e.render();
    text.lines()
        .map(|l| l.trim().trim_start_matches("error: "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}
