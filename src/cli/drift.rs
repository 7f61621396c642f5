//! `plimsoll drift`: every field's PSI against a baseline (with KS or chi-square), worst first.

use super::check::{BaselineRequest, build_baseline};
use super::{DriftArgs, Outcome, ProfileFormat, json_text};
use crate::check::Status;
use crate::contract::Drift;
use crate::drift::{FieldDrift, edges_of, field_drift};
use crate::error::{Error, Result};
use crate::profile::{self, Options};
use crate::source::Source;
use serde_json::json;

/// One field's line of the drift report.
struct Row {
    name: String,
    kind: &'static str,
    drift: Option<FieldDrift>,
    status: Status,
}

fn status_of(d: &FieldDrift, t: &Drift) -> Status {
    if !d.enough_data() {
        Status::Warn
    } else if d.psi > t.max_psi {
        Status::Fail
    } else if d.psi > t.warn_psi {
        Status::Warn
    } else {
        Status::Pass
    }
}

/// A table name for the history: the last component of the location.
pub(crate) fn default_table_name(location: &str) -> String {
    location
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(location)
        .to_string()
}

pub async fn run(a: DriftArgs) -> Result<Outcome> {
    let source = Source::open(&a.source, &a.partitions).await?;
    source.print_warnings();
    let mut columns = profile::resolve_columns(&source, a.columns.as_deref())?;
    columns.retain(|c| !source.partition_cols.iter().any(|(k, _)| k == c));
    let (spec, history) = a.baseline.open()?;
    let table_name = a
        .name
        .clone()
        .unwrap_or_else(|| default_table_name(&a.source));
    let baseline = build_baseline(&BaselineRequest {
        location: &a.source,
        source: &source,
        table: &table_name,
        spec: spec.as_ref(),
        slices: 7,
        same_weekday: a.baseline.same_weekday,
        include_failed: a.baseline.include_failed,
        columns: Some(&columns),
        history: history.as_ref(),
    })
    .await?
    .map_err(|why| {
        Error::usage(
            format!("no baseline for `{}`: {why}", a.source),
            "pass `--baseline SOURCE|KEY=VALUE|Nd`",
        )
    })?;
    let merged = baseline
        .merged()
        .ok_or_else(|| Error::Internal("empty baseline".into()))?;
    let mut options = Options::default();
    for c in &columns {
        if let Some(edges) = merged.field(c).and_then(edges_of) {
            options.edges.insert(c.clone(), edges);
        }
    }
    let current = profile::profile_with(&source, &columns, &options)
        .await?
        .whole;
    let thresholds = Drift::default();
    let mut rows: Vec<Row> = current
        .fields
        .iter()
        .map(|f| {
            let drift = merged.field(&f.name).and_then(|b| field_drift(b, f));
            let status = drift
                .as_ref()
                .map_or(Status::Pass, |d| status_of(d, &thresholds));
            Row {
                name: f.name.clone(),
                kind: f.kind.name(),
                drift,
                status,
            }
        })
        .collect();
    rows.sort_by(|x, y| {
        let psi = |r: &Row| r.drift.as_ref().map_or(-1.0, |d| d.psi);
        psi(y).total_cmp(&psi(x))
    });
    let worst = rows
        .iter()
        .filter(|r| r.drift.is_some())
        .map(|r| r.status)
        .max()
        .unwrap_or(Status::Pass);
    let stdout = match a.format {
        ProfileFormat::Json => json_text(&json!({
            "source": a.source,
            "current": current.partitions,
            "baseline": baseline.description,
            "baseline_slices": baseline.slices.iter().map(|s| json!({ "name": s.name, "stored": s.stored, "rows": s.profile.row_count })).collect::<Vec<_>>(),
            "status": worst.as_str(),
            "fields": rows.iter().map(|r| match &r.drift {
                Some(d) => {
                    let mut v = serde_json::to_value(d).unwrap_or(json!({}));
                    v["status"] = json!(r.status.as_str());
                    v["type"] = json!(r.kind);
                    v
                }
                None => json!({ "name": r.name, "type": r.kind, "psi": null, "status": "n/a" }),
            }).collect::<Vec<_>>(),
        })),
        ProfileFormat::Table => table(&a.source, &baseline.description, &rows),
    };
    Ok(Outcome {
        stdout,
        code: if worst == Status::Fail { 1 } else { 0 },
    })
}

/// Proportions as a row of block characters, scaled to the largest proportion of both sides.
fn bars(props: &[f64], max: f64) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    props
        .iter()
        .map(|p| {
            let i = if max > 0.0 {
                ((p / max) * 7.0).round() as usize
            } else {
                0
            };
            BLOCKS[i.min(7)]
        })
        .collect()
}

fn table(source: &str, baseline: &str, rows: &[Row]) -> String {
    let mut lines = vec![vec![
        "FIELD".to_string(),
        "TYPE".into(),
        "PSI".into(),
        "STATUS".into(),
        "BASELINE".into(),
        "CURRENT".into(),
        "EVIDENCE".into(),
    ]];
    for r in rows {
        let Some(d) = &r.drift else {
            lines.push(vec![
                r.name.clone(),
                r.kind.into(),
                "-".into(),
                "n/a".into(),
                String::new(),
                String::new(),
                String::new(),
            ]);
            continue;
        };
        let max = d
            .baseline_proportions
            .iter()
            .chain(&d.current_proportions)
            .cloned()
            .fold(0.0, f64::max);
        let (b, c) = if d.method == "categorical" && d.categories.len() > 12 {
            (String::from("(many values)"), String::new())
        } else {
            (
                bars(&d.baseline_proportions, max),
                bars(&d.current_proportions, max),
            )
        };
        let mut evidence = Vec::new();
        if let Some(ks) = &d.ks {
            evidence.push(format!("KS {:.3}", ks.statistic));
        }
        if let Some(chi) = &d.chi_square {
            evidence.push(format!("chi2 p={:.3}", chi.p_value));
        }
        if !d.new_values.is_empty() {
            evidence.push(format!(
                "new: {}",
                d.new_values
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !d.vanished_values.is_empty() {
            evidence.push(format!(
                "gone: {}",
                d.vanished_values
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !d.enough_data() {
            evidence.push(format!(
                "too little data ({} / {})",
                d.n_baseline, d.n_current
            ));
        }
        lines.push(vec![
            r.name.clone(),
            r.kind.into(),
            format!("{:.4}", d.psi),
            r.status.as_str().to_uppercase(),
            b,
            c,
            evidence.join("; "),
        ]);
    }
    format!(
        "{source} against {baseline}\n\n{}",
        crate::report::align(&lines, &[false, false, true, false, false, false, false])
    )
}
