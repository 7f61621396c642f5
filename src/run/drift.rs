//! The drift engine: every field's PSI against a baseline (with KS or chi-square), worst first.

use super::check::BaselineSummary;
use crate::baseline::{self, BaselineOutcome, BaselineRequest, BaselineSpec};
use crate::check::Status;
use crate::check::drift::status_of;
use crate::context::Context;
use crate::contract::Drift;
use crate::drift::scale::{Scale, scale};
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
    /// PSI thresholds (`--warn-psi`, `--max-psi`) and the unit-change settings.
    pub thresholds: Drift,
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
    /// Numbers: the scale against the baseline (`unit_change`), with its verdict and message.
    pub unit_change: Option<(Scale, Status, String)>,
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
    let thresholds = &plan.thresholds;
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
                Ok(d) => Some(status_of(d, thresholds)),
                Err(NoDrift::Unsupported(_)) => None,
                // A field whose values cannot be compared is not a pass.
                Err(_) => Some(Status::Warn),
            };
            let unit_change = unit_change_of(&baseline, merged.field(&f.name), f, thresholds);
            let status = match (status, &unit_change) {
                (Some(s), Some((_, u, _))) => Some(s.max(*u)),
                (s, _) => s,
            };
            DriftRow {
                name: f.name.clone(),
                kind: f.kind,
                drift: drift.map_err(|why| why.message(&f.name)),
                status,
                unit_change,
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

/// A numeric field's scale against the baseline (the `unit_change` check), unless turned off.
fn unit_change_of(
    baseline: &baseline::Baseline,
    merged: Option<&profile::FieldProfile>,
    current: &profile::FieldProfile,
    thresholds: &Drift,
) -> Option<(Scale, Status, String)> {
    let cfg = thresholds.unit_change.as_ref()?;
    let merged = merged?;
    if !current.kind.is_numeric() || !merged.kind.is_numeric() {
        return None;
    }
    let base = BaselineField {
        merged,
        slices: baseline
            .slices_for(&current.name)
            .filter_map(|s| s.profile.field(&current.name))
            .collect(),
    };
    let sc = scale(&base, current, cfg.tolerance, cfg.min_share).ok()?;
    let (status, message) = crate::check::unit_change::verdict(&current.name, &sc);
    Some((sc, status, message))
}

/// The drift command's PSI thresholds from `--max-psi` and `--warn-psi`, as a contract's
/// `drift: { max_psi, warn_psi }` reads them (a missing `warn_psi` is 0.1, or half of `max_psi`
/// when that is lower).
pub fn thresholds(max_psi: Option<f64>, warn_psi: Option<f64>) -> Result<Drift> {
    let mut t = Drift::default();
    for (flag, v) in [("--max-psi", max_psi), ("--warn-psi", warn_psi)] {
        if let Some(v) = v
            && !(v.is_finite() && v > 0.0)
        {
            return Err(Error::usage(
                format!("`{flag} {v}` is not a PSI threshold"),
                "give a number greater than 0, such as 0.2",
            ));
        }
    }
    if let Some(m) = max_psi {
        t.max_psi = m;
    }
    match warn_psi {
        Some(w) if w > t.max_psi => {
            return Err(Error::usage(
                format!("`--warn-psi {w}` is above the maximum PSI of {}", t.max_psi),
                "the warning level must be at most `--max-psi`",
            ));
        }
        Some(w) => t.warn_psi = w,
        None => t.warn_psi = t.warn_psi.min(t.max_psi / 2.0),
    }
    Ok(t)
}
