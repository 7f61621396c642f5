//! `plimsoll status`: monitor the monitor. Each table's last run and last successful run from the
//! history's run log; a table whose last success is older than `--expect-every` is overdue.

use super::check::parse_now;
use super::{Outcome, ProfileFormat, StatusArgs, json_text};
use crate::contract::units::{format_duration, parse_duration};
use crate::error::{Error, Result};
use crate::history::History;
use serde_json::json;

pub async fn run(a: StatusArgs) -> Result<Outcome> {
    let every = parse_duration(&a.expect_every)
        .map_err(|e| Error::usage(e, "write a duration such as `24h` or `26h`"))?;
    let now = parse_now(a.now.as_deref())?;
    let history = History::open(&a.history)?;
    let tables = history.tables().await?;
    let mut rows = Vec::new();
    let mut overdue_count = 0;
    for t in &tables {
        let runs = history.runs(t).await?;
        let last = runs.last();
        let last_ok = runs.iter().rev().find(|r| r.succeeded());
        let age = last_ok.map(|r| (now - r.finished_at()).num_seconds().max(0) as u64);
        let overdue = age.is_none_or(|s| s > every);
        overdue_count += usize::from(overdue);
        rows.push((t.clone(), last.cloned(), last_ok.cloned(), age, overdue));
    }
    let stdout = match a.format {
        ProfileFormat::Json => json_text(&json!({
            "history": history.location(),
            "expect_every_seconds": every,
            "overdue": overdue_count,
            "tables": rows.iter().map(|(t, last, ok, age, overdue)| json!({
                "table": t,
                "last_run": last.as_ref().map(|r| json!({ "run_id": r.run_id(), "finished_at": r.finished_at().to_rfc3339(), "status": r.status_str() })),
                "last_success": ok.as_ref().map(|r| r.finished_at().to_rfc3339()),
                "age_seconds": age,
                "overdue": overdue,
            })).collect::<Vec<_>>(),
        })),
        ProfileFormat::Table => {
            let mut lines = vec![vec![
                "TABLE".to_string(),
                "LAST RUN".into(),
                "STATUS".into(),
                "LAST SUCCESS".into(),
                "AGE".into(),
                "".into(),
            ]];
            for (t, last, ok, age, overdue) in &rows {
                lines.push(vec![
                    t.clone(),
                    last.as_ref().map_or("-".into(), |r| {
                        r.finished_at().format("%Y-%m-%d %H:%M").to_string()
                    }),
                    last.as_ref()
                        .map_or("-".into(), |r| r.status_str().to_uppercase()),
                    ok.as_ref().map_or("never".into(), |r| {
                        r.finished_at().format("%Y-%m-%d %H:%M").to_string()
                    }),
                    age.map_or("-".into(), format_duration),
                    if *overdue {
                        format!("OVERDUE (expected every {})", format_duration(every))
                    } else {
                        String::new()
                    },
                ]);
            }
            let mut out = crate::report::align(&lines, &[false, false, false, false, true, false]);
            out.push_str(&format!(
                "\n{} table(s), {overdue_count} overdue\n",
                rows.len()
            ));
            out
        }
    };
    Ok(Outcome {
        stdout,
        code: if overdue_count > 0 { 1 } else { 0 },
    })
}
