//! The drift report: every field's PSI against the baseline, worst first, for terminals and
//! machines.

use crate::check::Status;
use crate::drift::Method;
use crate::drift::scale::ratio_text;
use crate::run::drift::{DriftReport, DriftRow};
use serde_json::json;

/// `drift --format json`.
pub fn json(r: &DriftReport) -> serde_json::Value {
    json!({
        "source": r.source,
        "current": r.current_partitions,
        "baseline": r.baseline.description,
        "baseline_slices": r.baseline.slices,
        "baseline_skipped": r.baseline.skipped,
        "status": r.status.as_str(),
        "schema_changes": r.schema_changes,
        "schema_baseline": r.schema_baseline,
        "fields": r.rows.iter().map(|row| match &row.drift {
            Ok(d) => {
                let mut v = serde_json::to_value(d).unwrap_or(json!({}));
                v["status"] = json!(row.status.map_or("n/a", Status::as_str));
                v["type"] = json!(row.kind.name());
                if let Some(u) = unit_change_json(row) {
                    v["unit_change"] = u;
                }
                v
            }
            Err(why) => json!({
                "name": row.name,
                "type": row.kind.name(),
                "psi": null,
                "status": row.status.map_or("n/a", Status::as_str),
                "message": why,
            }),
        }).collect::<Vec<_>>(),
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

/// `drift --format table`.
pub fn table(r: &DriftReport) -> String {
    let mut out = schema_changes(r);
    out.push_str(&rows(&r.source, &r.baseline.description, &r.rows));
    for s in &r.baseline.skipped {
        out.push_str(&format!(
            "left out of the baseline{}: {} ({})\n",
            s.field
                .as_deref()
                .map(|f| format!(" of `{f}`"))
                .unwrap_or_default(),
            s.slice,
            s.reason
        ));
    }
    out
}

fn rows(source: &str, baseline: &str, rows: &[DriftRow]) -> String {
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
        let d = match &r.drift {
            Ok(d) => d,
            Err(why) => {
                lines.push(vec![
                    r.name.clone(),
                    r.kind.name().into(),
                    "-".into(),
                    r.status.map_or("n/a".into(), |s| s.as_str().to_uppercase()),
                    String::new(),
                    String::new(),
                    why.clone(),
                ]);
                continue;
            }
        };
        let max = d
            .baseline_proportions
            .iter()
            .chain(&d.current_proportions)
            .cloned()
            .fold(0.0, f64::max);
        let (b, c) = if d.method == Method::Categorical && d.categories.len() > 12 {
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
        if let Some(r) = d.psi_range {
            evidence.push(format!(
                "sketched baseline: PSI {:.4}..{:.4}",
                r.low, r.high
            ));
        }
        if !d.enough_data() {
            evidence.push(format!(
                "too little data ({} / {})",
                d.n_baseline, d.n_current
            ));
        }
        if let Some((sc, _, _)) = &r.unit_change {
            evidence.push(match sc.exponent {
                Some(_) => format!(
                    "looks like a unit change ({})",
                    crate::check::unit_change::observed_text(sc)
                ),
                None => format!(
                    "scale: median {}, mean {}",
                    ratio_text(sc.median_ratio),
                    ratio_text(sc.mean_ratio)
                ),
            });
        }
        lines.push(vec![
            r.name.clone(),
            r.kind.name().into(),
            format!("{:.4}", d.psi),
            r.status.map_or("n/a".into(), |s| s.as_str().to_uppercase()),
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

/// The schema changes against the baseline, first: one line each (nothing when none).
fn schema_changes(r: &DriftReport) -> String {
    if r.schema_changes.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "schema changed against the baseline ({}):\n",
        r.schema_baseline.as_deref().unwrap_or("-")
    );
    for c in &r.schema_changes {
        out.push_str(&format!("  WARN  {}\n", c.describe()));
    }
    out.push('\n');
    out
}

/// A numeric field's `unit_change` in `drift --format json`: the scale evidence with its status
/// and message.
fn unit_change_json(row: &DriftRow) -> Option<serde_json::Value> {
    let (sc, status, message) = row.unit_change.as_ref()?;
    let mut v = serde_json::to_value(sc).ok()?;
    v["status"] = json!(status.as_str());
    v["message"] = json!(message);
    Some(v)
}
