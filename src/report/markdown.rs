//! Markdown (GitHub-flavoured): the summary of a check run for a pull request comment, a GitLab
//! note, a Slack message or GitHub's step summary. The overall status with the counts, then per
//! consumer (with its owner) a table of its checks: failures and errors first, then warnings,
//! then the passes folded in a `<details>` block.

use crate::check::{CheckResult, Status};
use crate::error::Error;
use crate::run::CheckReport;

/// A table cell: `|` escaped (`\|`, with a backslash before it doubled so it cannot escape the
/// escape), line breaks as `<br>`, so any text stays in its cell.
pub fn escape_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '|' => out.push_str("\\|"),
            '\\' if chars.peek() == Some(&'|') => out.push_str("\\\\"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("<br>");
                }
            }
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// A GitHub-flavoured Markdown table; every header and cell is escaped with [`escape_cell`].
/// Rows shorter than the header are padded with empty cells.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let line = |cells: &mut dyn Iterator<Item = String>| {
        let cells: Vec<String> = cells.collect();
        format!("| {} |\n", cells.join(" | "))
    };
    let mut out = line(&mut headers.iter().map(|h| escape_cell(h)));
    out.push_str(&line(&mut headers.iter().map(|_| "---".to_string())));
    for r in rows {
        out.push_str(&line(
            &mut (0..headers.len()).map(|i| r.get(i).map(|c| escape_cell(c)).unwrap_or_default()),
        ));
    }
    out
}

/// Inline code that survives any backticks in `s` (a fence longer than its longest run).
pub fn code(s: &str) -> String {
    let longest = longest_backtick_run(s);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// A fenced code block that survives any backticks in `text`.
pub fn code_block(text: &str) -> String {
    let fence = "`".repeat((longest_backtick_run(text) + 1).max(3));
    let mut body = text.to_string();
    if !body.ends_with('\n') {
        body.push('\n');
    }
    format!("{fence}text\n{body}{fence}\n")
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// A status as the tables show it.
pub fn status_cell(s: Status) -> &'static str {
    match s {
        Status::Pass => "✅ pass",
        Status::Warn => "⚠️ warn",
        Status::Fail => "❌ fail",
        Status::Error => "⛔ error",
    }
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let t: String = s.chars().take(n - 1).collect();
        format!("{t}…")
    }
}

const HEADERS: [&str; 8] = [
    "status",
    "table",
    "field",
    "check",
    "measured",
    "threshold",
    "message",
    "contract",
];

fn row(r: &CheckResult) -> Vec<String> {
    vec![
        status_cell(r.status).to_string(),
        r.table.clone(),
        r.field.clone().unwrap_or_else(|| "-".into()),
        r.check.to_string(),
        shorten(&r.observed_text, 80),
        shorten(&r.expected_text, 80),
        match &r.quarantine {
            Some(q) => format!("{}\nquarantined: {}", r.message, q.text()),
            None => r.message.clone(),
        },
        code(&r.contract),
    ]
}

/// The overall line: `**FAIL**: 2 failed, 0 error(s), 1 warning(s), 5 passed (8 checks)`.
fn counts(results: &[CheckResult]) -> String {
    let line = super::github::counts(results);
    match line.split_once(':') {
        Some((status, rest)) => format!("**{status}**:{rest}"),
        None => line,
    }
}

/// `check --format markdown`: the status and counts, then one section per consumer (in the order
/// of the contracts) with its owner and its checks, failing first, then warnings, then the passes
/// folded; then what each table was compared with.
pub fn check(report: &CheckReport) -> String {
    render(report, true)
}

/// [`check`] in at most `max_bytes` when it can: past that, the passing checks are counted but
/// not listed (GitHub refuses a step summary over 1 MiB).
pub fn check_within(report: &CheckReport, max_bytes: usize) -> String {
    let full = render(report, true);
    if full.len() <= max_bytes {
        full
    } else {
        render(report, false)
    }
}

fn render(report: &CheckReport, list_passes: bool) -> String {
    let results = &report.results;
    let mut out = format!(
        "## Plimsoll: {}\n\n{}\n",
        report.status().as_str().to_uppercase(),
        counts(results)
    );
    // Consumers in order of first appearance (the contracts' order).
    let mut consumers: Vec<(&str, Option<&str>)> = Vec::new();
    for r in results {
        if !consumers.iter().any(|c| c.0 == r.consumer) {
            consumers.push((&r.consumer, r.owner.as_deref()));
        }
    }
    for (consumer, owner) in consumers {
        let mut mine: Vec<&CheckResult> =
            results.iter().filter(|r| r.consumer == consumer).collect();
        // Errors and failures first, then warnings, then passes; contract order within each.
        mine.sort_by_key(|r| std::cmp::Reverse(r.status));
        let owner = owner
            .map(|o| format!(" (owner: {})", o.replace('\n', " ")))
            .unwrap_or_default();
        out.push_str(&format!("\n### {consumer}{owner}\n\n"));
        let (notable, passed): (Vec<&CheckResult>, Vec<&CheckResult>) =
            mine.into_iter().partition(|r| r.status != Status::Pass);
        if !notable.is_empty() {
            let rows: Vec<Vec<String>> = notable.iter().map(|r| row(r)).collect();
            out.push_str(&table(&HEADERS, &rows));
        }
        if !passed.is_empty() && !list_passes {
            if !notable.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!(
                "{} passed (not listed, to keep this summary short)\n",
                passed.len()
            ));
        } else if !passed.is_empty() {
            let rows: Vec<Vec<String>> = passed.iter().map(|r| row(r)).collect();
            let what = if notable.is_empty() {
                format!("all {} checks passed", passed.len())
            } else {
                format!("{} passed", passed.len())
            };
            if !notable.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!(
                "<details>\n<summary>{what}</summary>\n\n{}\n</details>\n",
                table(&HEADERS, &rows)
            ));
        }
    }
    let mut tables = String::new();
    for t in &report.tables {
        let compared = match (&t.baseline, &t.no_baseline) {
            (Some(b), _) => format!("compared with {}", b.description),
            (None, Some(why)) => format!("no baseline ({why})"),
            _ => "no baseline needed".into(),
        };
        tables.push_str(&format!(
            "- {} ({}): {} rows, {}\n",
            code(&t.name),
            code(&t.source),
            super::table::thousands(t.rows),
            compared.replace('\n', " ")
        ));
    }
    if !tables.is_empty() {
        out.push_str("\n### Tables\n\n");
        out.push_str(&tables);
    }
    out
}

/// The summary of a run that could not be completed: its status and the error as `check`
/// prints it on stderr (message, causes, hint) in a code block.
pub fn check_error(e: &Error) -> String {
    format!(
        "## Plimsoll: ERROR\n\nThe run could not be completed (exit code 2).\n\n{}",
        code_block(&e.render())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_and_line_breaks() {
        assert_eq!(escape_cell("a|b"), "a\\|b");
        assert_eq!(
            escape_cell("one\ntwo\r\nthree\rfour"),
            "one<br>two<br>three<br>four"
        );
        // A backslash before a pipe is doubled, so the pipe stays escaped.
        assert_eq!(escape_cell("x\\|y"), "x\\\\\\|y");
        // Other backslashes are kept as they are.
        assert_eq!(escape_cell("C:\\dir"), "C:\\dir");
    }

    /// Splits a table row into cells as GitHub-flavoured Markdown does: `\` escapes the next
    /// character, an unescaped `|` ends a cell.
    fn cells(row: &str) -> Vec<String> {
        let inner = row.trim().trim_start_matches('|');
        let mut cells = vec![String::new()];
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    cells.last_mut().unwrap().push(c);
                    if let Some(n) = chars.next() {
                        cells.last_mut().unwrap().push(n);
                    }
                }
                '|' => cells.push(String::new()),
                c => cells.last_mut().unwrap().push(c),
            }
        }
        cells.pop(); // after the closing `|`
        cells.into_iter().map(|c| c.trim().to_string()).collect()
    }

    #[test]
    fn a_table_keeps_every_cell_in_its_column() {
        let t = table(
            &["a", "b|c"],
            &[vec!["x|y".into(), "1\n2".into()], vec!["p\\|".into()]],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 4, "{t}");
        assert_eq!(cells(lines[0]), ["a", "b\\|c"]);
        assert_eq!(cells(lines[1]), ["---", "---"]);
        assert_eq!(cells(lines[2]), ["x\\|y", "1<br>2"]);
        assert_eq!(cells(lines[3]), ["p\\\\\\|", ""]);
    }

    fn result(consumer: &str, field: &str, status: Status) -> CheckResult {
        CheckResult {
            consumer: consumer.into(),
            owner: None,
            table: "t".into(),
            check: crate::check::CheckId::NullRate,
            field: Some(field.into()),
            status,
            observed: serde_json::Value::Null,
            expected: serde_json::Value::Null,
            message: format!("{field} message"),
            severity: crate::contract::Severity::Fail,
            contract: "c.yaml:3".into(),
            contract_file: "c.yaml".into(),
            contract_line: 3,
            observed_text: "o".into(),
            expected_text: "e".into(),
            quarantine: None,
        }
    }

    #[test]
    fn errors_and_failures_then_warnings_then_folded_passes_per_consumer() {
        let report = CheckReport {
            results: vec![
                result("a", "p1", Status::Pass),
                result("a", "w1", Status::Warn),
                result("b", "f9", Status::Fail),
                result("a", "f1", Status::Fail),
                result("a", "e1", Status::Error),
                result("a", "w2", Status::Warn),
                result("a", "p2", Status::Pass),
            ],
            ..Default::default()
        };
        let md = check(&report);
        let order = [
            "e1",
            "f1",
            "w1",
            "w2",
            "<details>",
            "p1",
            "p2",
            "### b",
            "f9",
        ];
        let at: Vec<usize> = order
            .iter()
            .map(|s| md.find(&format!("| {s} |")).or_else(|| md.find(s)).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{md}");
        assert!(md.starts_with("## Plimsoll: ERROR\n\n**ERROR**: 2 failed, 1 error(s), 2 warning(s), 2 passed (7 checks)\n"), "{md}");
        // Within a budget too small for the passes, they are counted, not listed.
        let short = check_within(&report, md.len() - 1);
        assert!(
            !short.contains("| p1 |") && short.contains("2 passed (not listed"),
            "{short}"
        );
        assert!(short.contains("| f1 |"));
        assert_eq!(check_within(&report, md.len()), md);
    }

    #[test]
    fn code_spans_outgrow_backticks() {
        assert_eq!(code("a.yaml:3"), "`a.yaml:3`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert!(code_block("x\n```\ny").starts_with("````text\n"));
    }
}
