//! The terminal format: aligned columns, percentages, human sizes, failures first.

use super::{Summary, align};
use crate::check::skew::share_text;
use crate::check::{CheckResult, Status, pct, text};
use crate::contract::units::format_size;
use crate::profile::TableProfile;
use crate::profile::metadata::FieldFacts;
use crate::profile::model::QUANTILES;

pub use crate::contract::units::thousands;

/// A number in at most ~10 characters.
pub fn short_number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e9).contains(&a) {
        format!("{v:.3e}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else if a >= 1000.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let t: String = s.chars().take(n - 1).collect();
        format!("{t}…")
    }
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Number(n) => n
            .as_f64()
            .map(short_number)
            .unwrap_or_else(|| n.to_string()),
        other => truncate(&text(other), 24),
    }
}

/// The first line of a profile: rows, files, bytes, partitions, what was read.
/// The table line; `origin` names where unscanned answers came from (footers, manifests).
fn header(p: &TableProfile, origin: &str) -> String {
    let mut out = format!(
        "{}: {} rows, {} file(s), {}",
        p.source,
        thousands(p.row_count),
        p.scan.files,
        format_size(p.scan.bytes)
    );
    if let Some(s) = &p.snapshot {
        out.push_str(&format!(", snapshot {} ({})", s.id, s.committed_at));
    }
    match p.partitions.len() {
        0 => {}
        1 => out.push_str(&format!(", partition {}", p.partitions[0])),
        n => out.push_str(&format!(
            ", {n} partitions ({} .. {})",
            p.partitions[0],
            p.partitions[n - 1]
        )),
    }
    if p.scan.passes > 1 {
        out.push_str(&format!(
            ", {} scans (columns profiled in groups to fit `--memory-limit`)",
            p.scan.passes
        ));
    }
    if !p.scan.scanned {
        // "parquet footers" -> "Parquet footers".
        let mut chars = origin.chars();
        let origin: String = chars
            .next()
            .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect());
        out.push_str(&format!(" (from {origin}, no data read)"));
    }
    out.push_str("\n\n");
    out
}

/// `profile --metadata-only`: what the footers answer exactly, field by field.
pub fn metadata(p: &TableProfile, facts: &[FieldFacts], origin: &str) -> String {
    let mut out = header(p, origin);
    let mut rows = vec![
        [
            "FIELD",
            "TYPE",
            "NULLS",
            "NULL COUNT",
            "MIN",
            "MAX",
            "UNKNOWN",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for f in facts {
        let j = f.to_json();
        let nulls = |v: &serde_json::Value| v.as_f64().map(pct).unwrap_or_else(|| "?".into());
        rows.push(vec![
            f.name.clone(),
            j["type"].as_str().unwrap_or_default().to_string(),
            nulls(&j["null_rate"]),
            j["null_count"]
                .as_u64()
                .map(thousands)
                .unwrap_or_else(|| "?".into()),
            value_text(&j["min"]),
            value_text(&j["max"]),
            j["unknown"].as_str().unwrap_or_default().to_string(),
        ]);
    }
    out.push_str(&align(
        &rows,
        &[false, false, true, true, false, false, false],
    ));
    out
}

pub fn profile(p: &TableProfile, origin: &str) -> String {
    let mut out = header(p, origin);
    if p.fields.is_empty() {
        return out;
    }
    let mut rows = vec![
        [
            "FIELD",
            "TYPE",
            "NULLS",
            "DISTINCT",
            "MIN",
            "MAX",
            "MEAN",
            "P50",
            "TOP VALUE",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let p50 = QUANTILES
        .iter()
        .position(|q| q.0 == "p50")
        .expect("p50 is reported");
    for f in &p.fields {
        let (min, max) = f.bounds();
        let (mean, median) = match &f.numeric {
            Some(n) if n.finite_count > 0 => (
                short_number(n.mean),
                n.sketch
                    .quantile(QUANTILES[p50].1)
                    .map(short_number)
                    .unwrap_or_default(),
            ),
            _ => ("".into(), "".into()),
        };
        // Approximate shares show their bounds (`0.09–0.18%`), exact ones a figure.
        let top = match f.top_share_bounds() {
            Some(t) if f.distinct.estimate() < f.count => match &t.value {
                Some(v) => format!("{} ({})", truncate(v, 16), share_text(&t)),
                None => String::new(),
            },
            _ => String::new(),
        };
        let distinct = format!(
            "{}{}",
            if f.distinct.is_exact() { "" } else { "~" },
            thousands(f.distinct.estimate())
        );
        rows.push(vec![
            f.name.clone(),
            f.kind.name().to_string(),
            pct(f.null_rate()),
            distinct,
            value_text(&min),
            value_text(&max),
            mean,
            median,
            top,
        ]);
    }
    out.push_str(&align(
        &rows,
        &[false, false, true, true, false, false, true, true, false],
    ));
    out
}

/// `check --format table`: every result (failures first), a detail line per non-passing one,
/// what each table was compared with and what was left out, then the summary.
pub fn check(report: &crate::run::CheckReport) -> String {
    let results = &report.results;
    let mut sorted: Vec<&CheckResult> = results.iter().collect();
    // Failures first; stable, so contract order is kept within a status.
    sorted.sort_by_key(|r| std::cmp::Reverse(r.status));
    let mut rows = vec![
        [
            "STATUS", "CONSUMER", "TABLE", "CHECK", "FIELD", "OBSERVED", "EXPECTED",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for r in &sorted {
        rows.push(vec![
            r.status.as_str().to_uppercase(),
            r.consumer.clone(),
            r.table.clone(),
            r.check.to_string(),
            r.field.clone().unwrap_or_else(|| "-".into()),
            truncate(&r.observed_text, 40),
            truncate(&r.expected_text, 30),
        ]);
    }
    let mut out = align(&rows, &[]);
    let notable: Vec<&&CheckResult> = sorted.iter().filter(|r| r.status != Status::Pass).collect();
    if !notable.is_empty() {
        out.push('\n');
        for r in notable {
            let field = r
                .field
                .as_deref()
                .map(|f| format!(".{f}"))
                .unwrap_or_default();
            let owner = r
                .owner
                .as_deref()
                .map(|o| format!(" (owner {o})"))
                .unwrap_or_default();
            out.push_str(&format!(
                "{} {}{owner} {}{} [{}]: {}\n  at {}\n",
                r.status.as_str().to_uppercase(),
                r.consumer,
                r.table,
                field,
                r.check,
                r.message,
                r.contract
            ));
            if let Some(q) = &r.quarantine {
                out.push_str(&format!("  quarantined: {}\n", q.text()));
            }
        }
    }
    let mut baselines = String::new();
    for t in &report.tables {
        match (&t.baseline, &t.no_baseline) {
            (Some(b), _) => {
                baselines.push_str(&format!("{}: compared with {}\n", t.name, b.description));
                for s in &b.skipped {
                    baselines.push_str(&format!(
                        "  left out{}: {} ({})\n",
                        s.field
                            .as_deref()
                            .map(|f| format!(" of `{f}`'s baseline"))
                            .unwrap_or_default(),
                        s.slice,
                        s.reason
                    ));
                }
            }
            (None, Some(why)) => {
                baselines.push_str(&format!("{}: no baseline ({why})\n", t.name));
            }
            _ => {}
        }
    }
    if !baselines.is_empty() {
        out.push('\n');
        out.push_str(&baselines);
    }
    let s = Summary::of(results);
    let verdict = crate::check::overall(results).as_str().to_uppercase();
    out.push_str(&format!(
        "\n{verdict}: {} failed, {} error(s), {} warning(s), {} passed ({} checks)\n",
        s.fail, s.error, s.warn, s.pass, s.total
    ));
    out
}

/// `lint`: every problem as `file:line:column: message`, then a summary.
pub fn lint(r: &crate::run::lint::LintReport) -> String {
    let mut out = String::new();
    for p in &r.problems {
        out.push_str(&format!("{p}\n"));
    }
    for w in &r.warnings {
        out.push_str(&format!(
            "{}:{}:{}: warning: {}\n",
            w.path.display(),
            w.line,
            w.column,
            w.message
        ));
    }
    let configs = if r.configs > 0 {
        format!(" and {} run config(s)", r.configs)
    } else {
        String::new()
    };
    let warnings = if r.warnings.is_empty() {
        String::new()
    } else {
        format!(", {} warning(s): not checked", r.warnings.len())
    };
    if r.problems.is_empty() {
        out.push_str(&format!(
            "{} contract(s){configs} OK{warnings}\n",
            r.contracts
        ));
    } else {
        let kind = if r.configs > 0 { "" } else { "contract " };
        out.push_str(&format!(
            "\n{} problem(s) in {} of {} {kind}file(s)\n",
            r.problems.len(),
            r.files_with_problems,
            r.contracts + r.configs
        ));
    }
    out
}
