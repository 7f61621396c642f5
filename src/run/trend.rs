//! `history`: a table's metrics over its stored slices, read from the history store only.

use crate::check::Status;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::history::History;
use crate::history::trend::{Metric, Series, fields};
use crate::profile::TableProfile;
use serde::Serialize;

/// Which table, field and metric, over how many slices.
#[derive(Debug, Clone)]
pub struct TrendPlan {
    pub history: String,
    pub table: String,
    /// One field's series (else the table's rows and every field's).
    pub field: Option<String>,
    /// One metric (else every metric that applies).
    pub metric: Option<Metric>,
    /// The newest N slices.
    pub last: usize,
}

/// A stored slice as the trend shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SliceInfo {
    pub name: String,
    pub rows: u64,
    /// The worst outcome of the checks that ran on it; None when none did (a backfill, a
    /// baseline fill-in).
    pub status: Option<Status>,
}

/// The series of a trend, over the same slices.
#[derive(Debug, Clone, Serialize)]
pub struct TrendReport {
    pub history: String,
    pub table: String,
    /// Oldest first.
    pub slices: Vec<SliceInfo>,
    pub series: Vec<Series>,
    /// The field asked for, when one was.
    #[serde(skip)]
    pub field: Option<String>,
}

pub async fn trend(ctx: &Context, plan: &TrendPlan) -> Result<TrendReport> {
    if plan.last == 0 {
        return Err(Error::usage(
            "`--last 0` selects no slice",
            "give the number of newest slices to show, e.g. `--last 30`",
        ));
    }
    let history = History::open_existing(ctx, &plan.history)?;
    let tables = history.tables().await?;
    if !tables.contains(&plan.table) {
        return Err(Error::usage(
            format!(
                "no table `{}` in the history `{}`",
                plan.table,
                history.location()
            ),
            if tables.is_empty() {
                "the history holds no table yet: `check --history` or `profile --history` stores them".to_string()
            } else {
                format!("the stored tables: {}", quoted(&tables))
            },
        ));
    }
    // Oldest first; one slice more than shown, for the first one's PSI.
    let mut names = history.slices(&plan.table).await?;
    names.reverse();
    if names.is_empty() {
        return Err(Error::usage(
            format!("the history holds runs of `{}` but no profile", plan.table),
            "its runs could not be completed (see `plimsoll status`); a completed `check --history` stores its profile",
        ));
    }
    let from = names.len().saturating_sub(plan.last + 1);
    let mut loaded: Vec<(String, TableProfile, Option<Status>)> = Vec::new();
    for name in &names[from..] {
        if let Some(s) = history.get(&plan.table, name).await? {
            let status = s.checks.as_ref().map(|_| s.status);
            loaded.push((name.clone(), s.profile, status));
        }
    }
    let before = (loaded.len() > plan.last).then(|| loaded.remove(0));
    let slices: Vec<&TableProfile> = loaded.iter().map(|s| &s.1).collect();
    let known = fields(&slices);
    let mut series = Vec::new();
    let before_profile = before.as_ref().map(|b| &b.1);
    match &plan.field {
        Some(name) => {
            let Some((_, kind)) = known.iter().find(|(n, _)| n == name) else {
                let names: Vec<String> = known.iter().map(|(n, _)| n.clone()).collect();
                return Err(Error::usage(
                    format!(
                        "no field `{name}` in the stored profiles of `{}`",
                        plan.table
                    ),
                    format!("the stored fields: {}", quoted(&names)),
                ));
            };
            let metrics: Vec<Metric> = match plan.metric {
                Some(m) if !m.applies_to(*kind) => {
                    return Err(Error::usage(
                        format!("`{m}` is not defined for `{name}`, a {} field", kind.name()),
                        "`mean` follows numeric fields, `psi` numbers, strings and booleans",
                    ));
                }
                Some(m) => vec![m],
                None => std::iter::once(Metric::Rows)
                    .chain(Metric::FIELD.into_iter().filter(|m| m.applies_to(*kind)))
                    .collect(),
            };
            for m in metrics {
                series.push(Series::of(m, Some(name), before_profile, &slices));
            }
        }
        None => {
            if matches!(plan.metric, None | Some(Metric::Rows)) {
                series.push(Series::of(Metric::Rows, None, before_profile, &slices));
            }
            let metrics: Vec<Metric> = match plan.metric {
                None => Metric::FIELD.to_vec(),
                Some(Metric::Rows) => Vec::new(),
                Some(m) => vec![m],
            };
            for (name, kind) in &known {
                for m in metrics.iter().filter(|m| m.applies_to(*kind)) {
                    series.push(Series::of(*m, Some(name), before_profile, &slices));
                }
            }
        }
    }
    Ok(TrendReport {
        history: history.location().to_string(),
        table: plan.table.clone(),
        slices: loaded
            .iter()
            .map(|(name, p, status)| SliceInfo {
                name: name.clone(),
                rows: p.row_count,
                status: *status,
            })
            .collect(),
        series,
        field: plan.field.clone(),
    })
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
