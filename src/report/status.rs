//! The `status` report: each table's window (how often it is expected to run), last run, last
//! success, state (ok, failing, errored, overdue) and last error, for terminals and machines.

use crate::contract::units::format_duration;
use crate::history::TableStatus;
use crate::report::align;
use serde_json::json;

/// Characters of the last error the table shows (the JSON carries all of its first line).
const LAST_ERROR_WIDTH: usize = 80;

/// `text` cut to `width` characters, with `…` when cut.
fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width - 1).collect();
    s.push('…');
    s
}

/// `status --format json`.
pub fn json(history: &str, tables: &[TableStatus]) -> serde_json::Value {
    json!({
        "history": history,
        "problems": tables.iter().filter(|t| t.is_problem()).count(),
        "overdue": tables.iter().filter(|t| t.overdue).count(),
        "tables": tables.iter().map(|t| json!({
            "table": t.table,
            "states": t.states,
            "last_run": t.last_run.as_ref().map(|r| json!({
                "run_id": r.run_id,
                "finished_at": r.finished_at.to_rfc3339(),
                "status": r.status.as_str(),
                "checks": r.checks,
                "error": r.error,
            })),
            "last_success": t.last_success.map(|s| s.to_rfc3339()),
            "last_run_age_seconds": t.last_run_age,
            "expect_every_seconds": t.expect_every,
            "window": format_duration(t.expect_every),
            "last_error": t.last_error.as_ref().map(|e| json!({
                "at": e.at.to_rfc3339(),
                "message": e.message,
            })),
            "overdue": t.overdue,
            "message": t.describe(),
        })).collect::<Vec<_>>(),
    })
}

/// `status --format table`.
pub fn table(tables: &[TableStatus]) -> String {
    let at = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();
    let mut rows = vec![
        [
            "TABLE",
            "WINDOW",
            "LAST RUN",
            "STATUS",
            "LAST SUCCESS",
            "STATE",
            "LAST ERROR",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for t in tables {
        rows.push(vec![
            t.table.clone(),
            format_duration(t.expect_every),
            t.last_run
                .as_ref()
                .map_or("-".into(), |r| at(r.finished_at)),
            t.last_run
                .as_ref()
                .map_or("-".into(), |r| r.status.as_str().to_uppercase()),
            t.last_success.map_or("never".into(), at),
            t.describe(),
            match (&t.last_error, &t.last_run) {
                (None, _) => "-".into(),
                // The state says it already.
                (Some(_), Some(r)) if r.status == crate::check::Status::Error => {
                    "the last run (see STATE)".into()
                }
                (Some(e), _) => {
                    format!("{}: {}", at(e.at), shorten(&e.message, LAST_ERROR_WIDTH))
                }
            },
        ]);
    }
    let mut out = align(&rows, &[]);
    let problems = tables.iter().filter(|t| t.is_problem()).count();
    out.push_str(&format!(
        "\n{} table(s): {} ok, {} failing or errored, {} overdue\n",
        tables.len(),
        tables.len() - problems,
        tables
            .iter()
            .filter(|t| t.states.iter().any(|s| matches!(
                s,
                crate::history::State::Failing | crate::history::State::Errored
            )))
            .count(),
        tables.iter().filter(|t| t.overdue).count(),
    ));
    out
}
