//! `compat` and `impact` for people (`table`), machines (`json`), pull requests (`github`
//! workflow commands) and notes (`markdown`).

use super::github::{self, Level};
use super::markdown;
use crate::compat::{Change, CompatReport};
use crate::contract::dependents::Dependency;
use serde_json::{Value, json};

fn verdict(c: &Change) -> &'static str {
    if c.breaks { "breaks" } else { "safe" }
}

fn rules(c: &Change) -> String {
    c.rules
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Changes that break first, then the rest, each group in the order found.
fn ordered(r: &CompatReport) -> Vec<&Change> {
    let mut v: Vec<&Change> = r.changes.iter().collect();
    v.sort_by_key(|c| !c.breaks);
    v
}

fn headline(r: &CompatReport) -> String {
    let broken = r.changes.iter().filter(|c| c.breaks).count();
    format!(
        "{} change(s) from {} to {} under `{}` compatibility: {}",
        r.changes.len(),
        r.old,
        r.new,
        r.mode.as_str(),
        if broken == 0 {
            "none breaks".to_string()
        } else {
            format!("{broken} break(s)")
        }
    )
}

pub fn table(r: &CompatReport) -> String {
    let mut out = String::new();
    out.push_str(&headline(r));
    out.push('\n');
    if let Some(t) = &r.table {
        out.push_str(&format!(
            "table `{t}` as the consumers' contracts name it ({} contract file(s))\n",
            r.contracts.len()
        ));
    }
    for c in ordered(r) {
        out.push('\n');
        out.push_str(&format!(
            "{:<6}  {}  [{}]\n        {}\n",
            verdict(c).to_uppercase(),
            c.detail,
            rules(c),
            c.reason
        ));
        for a in &c.consumers {
            out.push_str(&format!(
                "        {} {} ({}:{}{}): {}\n",
                if a.breaks { "✗" } else { "·" },
                a.consumer,
                a.file,
                a.line,
                a.owner
                    .as_deref()
                    .map(|o| format!(", owner {o}"))
                    .unwrap_or_default(),
                a.reason
            ));
        }
    }
    for n in &r.notes {
        out.push_str(&format!("\nnote: {n}\n"));
    }
    out
}

pub fn json(r: &CompatReport) -> Value {
    let broken = r.changes.iter().filter(|c| c.breaks).count();
    let changes: Vec<Value> = r
        .changes
        .iter()
        .map(|c| {
            json!({
                "table": c.table,
                "field": c.field,
                "change": c.kind,
                "old": c.old,
                "new": c.new,
                "old_type": c.old_type,
                "new_type": c.new_type,
                "values": c.values,
                "expectation": c.expectation,
                "detail": c.detail,
                "verdict": verdict(c),
                "rule": c.rules.first(),
                "rules": c.rules,
                "reason": c.reason,
                "backward": c.backward,
                "forward": c.forward,
                "at": c.at,
                "consumers": c.consumers,
            })
        })
        .collect();
    json!({
        "status": if broken > 0 { "fail" } else { "pass" },
        "mode": r.mode,
        "compared": r.compared,
        "old": r.old,
        "new": r.new,
        "table": r.table,
        "contracts": r.contracts,
        "summary": { "changes": r.changes.len(), "breaks": broken, "safe": r.changes.len() - broken },
        "changes": changes,
        "notes": r.notes,
    })
}

/// One annotation per consumer contract line a breaking change breaks (so it shows on that
/// line in the pull request), one per breaking change no contract line carries, a warning per
/// safe change that consumers read.
pub fn github(r: &CompatReport) -> String {
    let mut out = String::new();
    for c in ordered(r) {
        let title = format!("compat: {}", c.detail);
        let broken: Vec<_> = c.consumers.iter().filter(|a| a.breaks).collect();
        if c.breaks && !broken.is_empty() {
            for a in broken {
                let msg = format!("{} — {}: {} [{}]", c.detail, a.consumer, a.reason, rules(c));
                push(
                    &mut out,
                    github::command(
                        Level::Error,
                        Some(&a.file),
                        Some(a.line),
                        Some(&title),
                        &msg,
                    ),
                );
            }
        } else if c.breaks {
            let msg = format!("{}: {} [{}]", c.detail, c.reason, rules(c));
            let (file, line) =
                c.at.as_ref()
                    .map_or((None, None), |a| (Some(a.file.as_str()), Some(a.line)));
            push(
                &mut out,
                github::command(Level::Error, file, line, Some(&title), &msg),
            );
        } else if !c.consumers.is_empty() {
            let a = &c.consumers[0];
            let msg = format!("{}: {} [{}]", c.detail, c.reason, rules(c));
            push(
                &mut out,
                github::command(
                    Level::Notice,
                    Some(&a.file),
                    Some(a.line),
                    Some(&title),
                    &msg,
                ),
            );
        }
    }
    push(
        &mut out,
        github::command(
            Level::Notice,
            None,
            None,
            Some("plimsoll compat"),
            &headline(r),
        ),
    );
    out
}

fn push(out: &mut String, line: String) {
    out.push_str(&line);
    out.push('\n');
}

pub fn markdown(r: &CompatReport) -> String {
    let broken = r.changes.iter().any(|c| c.breaks);
    let mut out = format!(
        "## {} plimsoll compat\n\n{}\n\n",
        if broken { "❌" } else { "✅" },
        markdown::escape_cell(&headline(r))
    );
    if r.changes.is_empty() {
        return out;
    }
    let rows: Vec<Vec<String>> = ordered(r)
        .into_iter()
        .map(|c| {
            let consumers: Vec<String> = c
                .consumers
                .iter()
                .map(|a| {
                    format!(
                        "{}{} ({})",
                        if a.breaks { "**breaks** " } else { "" },
                        a.consumer,
                        markdown::code(&format!("{}:{}", a.file, a.line))
                    )
                })
                .collect();
            vec![
                if c.breaks { "❌ breaks" } else { "✅ safe" }.to_string(),
                c.detail.clone(),
                rules(c),
                c.reason.clone(),
                consumers.join("<br>"),
            ]
        })
        .collect();
    out.push_str(&markdown::table(
        &["verdict", "change", "rule", "why", "consumers"],
        &rows,
    ));
    out
}

/// `impact`: every contract line depending on a table (or field).
pub fn impact_table(target: &str, deps: &[&Dependency]) -> String {
    if deps.is_empty() {
        return format!("no consumer depends on `{target}`\n");
    }
    let consumers = consumers_of(deps);
    let mut rows = vec![vec![
        "consumer".to_string(),
        "owner".into(),
        "contract".into(),
        "field".into(),
        "via".into(),
        "checks".into(),
    ]];
    for d in deps {
        rows.push(vec![
            d.consumer.clone(),
            d.owner.clone().unwrap_or_else(|| "-".into()),
            format!("{}:{}", d.file, d.line),
            d.field.clone().unwrap_or_else(|| "(table)".into()),
            via(d),
            checks(d),
        ]);
    }
    format!(
        "{} consumer(s), {} contract line(s) depend on `{target}`:\n\n{}",
        consumers.len(),
        deps.len(),
        super::align(&rows, &[])
    )
}

/// The consumers among the dependencies, sorted, each once.
fn consumers_of<'a>(deps: &[&'a Dependency]) -> Vec<&'a str> {
    let mut consumers: Vec<&str> = deps.iter().map(|d| d.consumer.as_str()).collect();
    consumers.sort_unstable();
    consumers.dedup();
    consumers
}

fn via(d: &Dependency) -> String {
    use crate::contract::dependents::Via;
    match (d.via, &d.from) {
        (Via::Reference, Some((t, f))) => format!("referenced by {t}.{f}"),
        (Via::Freshness, _) => "freshness column".into(),
        (Via::Table, _) => "table entry".into(),
        (Via::Key, _) => "unique key".into(),
        _ => "field".into(),
    }
}

pub fn impact_json(target: &str, deps: &[&Dependency]) -> Value {
    let consumers = consumers_of(deps);
    json!({
        "target": target,
        "consumers": consumers,
        "dependencies": deps,
    })
}

pub fn impact_markdown(target: &str, deps: &[&Dependency]) -> String {
    let mut out = format!("## Who depends on {}\n\n", markdown::code(target));
    if deps.is_empty() {
        out.push_str("No consumer contract depends on it.\n");
        return out;
    }
    let rows: Vec<Vec<String>> = deps
        .iter()
        .map(|d| {
            vec![
                d.consumer.clone(),
                d.owner.clone().unwrap_or_else(|| "-".into()),
                markdown::code(&format!("{}:{}", d.file, d.line)),
                d.field.clone().unwrap_or_else(|| "(table)".into()),
                via(d),
                checks(d),
            ]
        })
        .collect();
    out.push_str(&markdown::table(
        &["consumer", "owner", "contract", "field", "via", "checks"],
        &rows,
    ));
    out
}

fn checks(d: &Dependency) -> String {
    d.checks
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
