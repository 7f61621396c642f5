//! GitHub Actions workflow commands: one annotation per result that did not pass, on the
//! contract line that asked for the check (`::error file=contracts/x.yaml,line=14,title=...::...`),
//! then a one-line `::notice::` with the counts. The Markdown summary that goes with it (for
//! `$GITHUB_STEP_SUMMARY`) is [`super::markdown`]'s.
//!
//! Escaping follows the runner's own (`actions/toolkit`'s `escapeData` / `escapeProperty`): in
//! the message `%`, `\r` and `\n` become `%25`, `%0D` and `%0A`; in property values (`file`,
//! `title`, ...) `:` and `,` also become `%3A` and `%2C`. The runner undoes exactly this, so a
//! message keeps its line breaks and a title may hold `:` and `,`.

use super::Summary;
use crate::check::{CheckResult, Status};
use crate::error::Error;
use crate::run::CheckReport;

/// Annotations of each level GitHub shows per step (more are in the log, not on the files).
pub const ANNOTATIONS_PER_LEVEL: usize = 10;

/// The most a step summary may hold: GitHub drops a larger `$GITHUB_STEP_SUMMARY`.
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024;

/// The level of an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    /// The workflow command's name: `error`, `warning` or `notice`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }

    /// The level a check's status is annotated at (`None` for a pass).
    pub fn of(status: Status) -> Option<Level> {
        match status {
            Status::Pass => None,
            Status::Warn => Some(Level::Warning),
            Status::Fail | Status::Error => Some(Level::Error),
        }
    }
}

/// A workflow command's message (its data): `%`, `\r` and `\n` escaped.
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// A workflow command's property value: as [`escape_data`], and `:` and `,` escaped.
pub fn escape_property(s: &str) -> String {
    // `%` is escaped first by `escape_data`, so the `%` these add stays as written.
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command with any properties (`name=value`, escaped here), without a line
/// break: `::warning file=a.yaml,line=3,col=5::message`.
pub fn command_with(level: Level, properties: &[(&str, &str)], message: &str) -> String {
    let props: Vec<String> = properties
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect();
    let sep = if props.is_empty() { "" } else { " " };
    format!(
        "::{}{sep}{}::{}",
        level.as_str(),
        props.join(","),
        escape_data(message)
    )
}

/// One annotation, without a line break: `::error file=F,line=L,title=T::message`. `file`
/// (relative to the repository root, as GitHub matches it to a pull request's files), `line`
/// (1-based) and `title` are left out when `None`; a `line` without a `file` is dropped too, as
/// GitHub ignores it.
pub fn command(
    level: Level,
    file: Option<&str>,
    line: Option<usize>,
    title: Option<&str>,
    message: &str,
) -> String {
    let line = line.filter(|_| file.is_some()).map(|l| l.to_string());
    let mut props: Vec<(&str, &str)> = Vec::new();
    if let Some(f) = file {
        props.push(("file", f));
    }
    if let Some(l) = &line {
        props.push(("line", l));
    }
    if let Some(t) = title {
        props.push(("title", t));
    }
    command_with(level, &props, message)
}

/// An annotation's title: the check, the table and field, the consumer and its owner.
pub fn title(r: &CheckResult) -> String {
    let what = match &r.field {
        Some(f) => format!("{}.{f}", r.table),
        None => r.table.clone(),
    };
    let owner = r
        .owner
        .as_deref()
        .map(|o| format!(", owner {o}"))
        .unwrap_or_default();
    format!(
        "{} {what}: {} (consumer {}{owner})",
        r.check,
        r.status.as_str(),
        r.consumer
    )
}

/// An annotation's message: the result's message, then what was measured against what.
pub fn message(r: &CheckResult) -> String {
    let mut m = format!(
        "{}\nmeasured: {}\nthreshold: {}",
        r.message, r.observed_text, r.expected_text
    );
    if let Some(q) = &r.quarantine {
        m.push_str(&format!("\nquarantined: {}", q.text()));
    }
    m
}

/// The counts line: `FAIL: 2 failed, 0 error(s), 1 warning(s), 5 passed (8 checks)`.
pub fn counts(results: &[CheckResult]) -> String {
    let s = Summary::of(results);
    format!(
        "{}: {} failed, {} error(s), {} warning(s), {} passed ({} checks)",
        crate::check::overall(results).as_str().to_uppercase(),
        s.fail,
        s.error,
        s.warn,
        s.pass,
        s.total
    )
}

/// `check --format github`: an annotation per result that did not pass (errors and failures
/// first, then warnings, each in contract order) at its contract's file and line, then a notice
/// with the counts.
pub fn check(report: &CheckReport) -> String {
    let mut sorted: Vec<&CheckResult> = report.results.iter().collect();
    sorted.sort_by_key(|r| std::cmp::Reverse(r.status));
    let mut out = String::new();
    for r in sorted {
        let Some(level) = Level::of(r.status) else {
            continue;
        };
        out.push_str(&command(
            level,
            Some(&r.contract_file),
            Some(r.contract_line),
            Some(&title(r)),
            &message(r),
        ));
        out.push('\n');
    }
    let s = Summary::of(&report.results);
    let mut summary = counts(&report.results);
    if s.fail + s.error > ANNOTATIONS_PER_LEVEL || s.warn > ANNOTATIONS_PER_LEVEL {
        summary.push_str(&format!(
            "; GitHub shows {ANNOTATIONS_PER_LEVEL} annotations of each level per step, the step summary and the log list all"
        ));
    }
    out.push_str(&command(
        Level::Notice,
        None,
        None,
        Some("plimsoll"),
        &summary,
    ));
    out.push('\n');
    out
}

/// The workflow commands of a run that could not be completed: one `::error` with the error,
/// its causes and its hint; for invalid contracts, also one per problem at its file, line and
/// column.
pub fn check_error(e: &Error) -> String {
    let mut out = String::new();
    if let Error::Contract { problems } = e {
        for p in problems {
            let (file, line, col) = (
                p.path.display().to_string(),
                p.line.to_string(),
                p.column.to_string(),
            );
            out.push_str(&command_with(
                Level::Error,
                &[
                    ("file", &file),
                    ("line", &line),
                    ("col", &col),
                    ("title", "invalid contract"),
                ],
                &p.message,
            ));
            out.push('\n');
        }
    }
    let (message, causes, hint) = super::error_parts(e);
    let mut body = message;
    for c in causes {
        body.push_str(&format!("\nCaused by: {c}"));
    }
    if let Some(h) = hint {
        body.push_str(&format!("\nhint: {h}"));
    }
    out.push_str(&command(
        Level::Error,
        None,
        None,
        Some("plimsoll: the run could not be completed"),
        &body,
    ));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_line_breaks_only() {
        assert_eq!(escape_data("a%b\r\nc: d, e"), "a%25b%0D%0Ac: d, e");
        // `%` first: an already escaped sequence is escaped again, not passed through.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn properties_escape_colon_and_comma_too() {
        assert_eq!(escape_property("C:\\x,y%z\nw"), "C%3A\\x%2Cy%25z%0Aw");
    }

    #[test]
    fn a_command_with_file_line_and_title() {
        assert_eq!(
            command(
                Level::Error,
                Some("contracts/a,b.yaml"),
                Some(14),
                Some("range t.f: fail"),
                "100% over\nmax: 10, min: 0"
            ),
            "::error file=contracts/a%2Cb.yaml,line=14,title=range t.f%3A fail::100%25 over%0Amax: 10, min: 0"
        );
    }

    #[test]
    fn a_command_without_properties() {
        assert_eq!(
            command(Level::Notice, None, None, None, "ok"),
            "::notice::ok"
        );
        // A line means nothing without a file.
        assert_eq!(
            command(Level::Warning, None, Some(3), Some("t"), "m"),
            "::warning title=t::m"
        );
    }

    /// Undoes the runner's escaping as `actions/runner`'s `ActionCommand.TryParseV2` does, to
    /// check that what goes in comes out.
    fn unescape(s: &str, property: bool) -> String {
        let mut t = s.replace("%0D", "\r").replace("%0A", "\n");
        if property {
            t = t.replace("%3A", ":").replace("%2C", ",");
        }
        t.replace("%25", "%")
    }

    #[test]
    fn escaping_round_trips_through_the_runner_s_unescaping() {
        for s in ["a%3Ab", "x:y,z", "%%0A\n\r,:", "plain", "100%"] {
            assert_eq!(unescape(&escape_data(s), false), s);
            assert_eq!(unescape(&escape_property(s), true), s);
            assert!(!escape_property(s).contains([':', ',', '\n', '\r']));
        }
    }
}
