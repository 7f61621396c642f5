//! The drift engine: every field's PSI against a baseline (with KS or chi-square), worst first.

use super::check::BaselineSummary;
use crate::baseline::{self, BaselineOutcome, BaselineRequest, BaselineSpec};
use crate::check::Status;
use crate::check::drift::status_of;
use crate::context::Context;
use crate::contract::Drift;
use crate::drift::{BaselineField, FieldDrift, NoDrift, edges_of, field_drift};
use crate::error::{Error, Result};
use crate::history::History;
use crate::profile::{self, Kind, Options};
use crate::source::{PartitionSelector, Source, SourceRef};

/// What to compare with what.
#[derive(Debug, Clone)]
pub struct DriftPlan {
    pub source: SourceRef,
    pub partitions: Vec<PartitionSelector>,
    pub baseline: Option<BaselineSpec>,
    pub history: Option<String>,
    /// The table's name in the history.
    pub name: String,
    pub columns: Option<Vec<String>>,
    pub same_weekday: bool,
    pub include_failed: bool,
}

/// One field of the drift report.
#[derive(Debug, Clone)]
pub struct DriftRow {
    pub name: String,
    pub kind: Kind,
    /// The drift, or why there is none.
    pub drift: std::result::Result<FieldDrift, String>,
    /// None for a type PSI does not apply to (`n/a`).
    pub status: Option<Status>,
}

/// What a drift run found, fields worst first.
#[derive(Debug, Clone)]
pub struct DriftReport {
    pub source: String,
    pub current_partitions: Vec<String>,
    pub baseline: BaselineSummary,
    pub rows: Vec<DriftRow>,
    /// Columns added, removed or retyped against the baseline's latest slice (every column of
    /// the table, profiled or not), with that slice's name; each is a warning.
    pub schema_changes: Vec<crate::check::schema_drift::SchemaChange>,
    pub schema_baseline: Option<String>,
    /// The worst status of a judged field (a warning at least when the schema changed).
    pub status: Status,
    /// Warnings about the source (stray partition directories left out), for stderr.
    pub notes: Vec<String>,
}

pub async fn drift(ctx: &Context, plan: &DriftPlan) -> Result<DriftReport> {
    let source = Source::open(ctx, &plan.source, &plan.partitions).await?;
    let mut columns = profile::resolve_columns(&source, plan.columns.as_deref())?;
    columns.retain(|c| !source.partition_cols.iter().any(|(k, _)| k == c));
    let history = plan
        .history
        .as_deref()
        .map(|h| History::open(ctx, h))
        .transpose()?;
    let outcome = baseline::build(
        ctx,
        &BaselineRequest {
            source: &source,
            table: &plan.name,
            spec: plan.baseline.as_ref(),
            slices: 7,
            same_weekday: plan.same_weekday,
            include_failed: plan.include_failed,
            columns: Some(&columns),
            history: history.as_ref(),
            sole: true,
        },
    )
    .await?;
    let mut baseline = match outcome {
        BaselineOutcome::Ready(b) => b,
        BaselineOutcome::Unavailable(why) => {
            return Err(Error::usage(
                format!("no baseline for `{}`: {why}", plan.source),
                "pass `--baseline SOURCE|KEY=VALUE|Nd`",
            ));
        }
    };
    let merged = baseline
        .merged()
        .ok_or_else(|| Error::Internal("empty baseline".into()))?;
    let mut options = Options::default();
    for c in &columns {
        if let Some(edges) = merged.field(c).and_then(edges_of) {
            options.edges.insert(c.clone(), edges);
        }
    }
    baseline.count_bins(ctx, &source, &options.edges).await?;
    let current = profile::profile_with(ctx, &source, &columns, &options)
        .await?
        .whole;
    let thresholds = Drift::default();
    let mut rows: Vec<DriftRow> = current
        .fields
        .iter()
        .map(|f| {
            let drift = match merged.field(&f.name) {
                None => Err(NoDrift::BaselineEmpty),
                Some(m) => field_drift(
                    &BaselineField {
                        merged: m,
                        slices: baseline
                            .slices_for(&f.name)
                            .filter_map(|s| s.profile.field(&f.name))
                            .collect(),
                    },
                    f,
                ),
            };
            let status = match &drift {
                Ok(d) => Some(status_of(d, &thresholds)),
                Err(NoDrift::Unsupported(_)) => None,
                // A field whose values cannot be compared is not a pass.
                Err(_) => Some(Status::Warn),
            };
            DriftRow {
                name: f.name.clone(),
                kind: f.kind,
                drift: drift.map_err(|why| why.message(&f.name)),
                status,
            }
        })
        .collect();
    rows.sort_by(|x, y| {
        let psi = |r: &DriftRow| r.drift.as_ref().map_or(-1.0, |d| d.psi);
        psi(y).total_cmp(&psi(x))
    });
    let (schema_changes, schema_baseline) =
        match crate::check::schema_drift::baseline_schema(&baseline) {
            Some((slice, before)) => (
                crate::check::schema_drift::changes(before, &current.schema),
                Some(slice.to_string()),
            ),
            None => (Vec::new(), None),
        };
    let status = rows
        .iter()
        .filter_map(|r| r.status)
        .chain((!schema_changes.is_empty()).then_some(Status::Warn))
        .max()
        .unwrap_or(Status::Pass);
    Ok(DriftReport {
        source: plan.source.to_string(),
        current_partitions: current.partitions,
        baseline: BaselineSummary::of(&baseline),
        rows,
        schema_changes,
        schema_baseline,
        status,
        notes: source
            .warnings
            .iter()
            .map(|w| format!("warning: {w}"))
            .collect(),
    })
}
