//! Rendering: profiles, check results, drift and status for terminals (`table`), machines
//! (`json`), CI systems (`junit`, `github` workflow commands), people reading a pull request
//! or a chat (`markdown`), monitoring (`prometheus`) and browsers or print (`html`). Renderers
//! return strings; the front ends write them (to stdout, or atomically to files with
//! [`write_atomic`]).

pub mod compat;
pub mod drift;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod prometheus;
pub mod status;
pub mod style;
pub mod svg;
pub mod table;
pub mod time_labels;
pub mod trend;

use crate::error::{Error, Result};

/// The formats a check report is rendered in (`check`/`run` `--format`, `--output FORMAT=PATH`,
/// a run config's `outputs`).
pub const CHECK_FORMATS: [&str; 7] = [
    "table",
    "json",
    "junit",
    "github",
    "markdown",
    "prometheus",
    "html",
];

/// Escapes text for an XML or HTML element's content or attribute value (JUnit, HTML reports) (`&`, `<`, `>`, quotes), and
/// drops the control characters XML does not allow.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Appends `text` to a file, creating it when missing and never truncating it (GitHub's
/// `$GITHUB_STEP_SUMMARY` collects what every step appends).
pub fn append(path: &std::path::Path, text: &str) -> Result<()> {
    use std::io::Write as _;
    let io = |e: std::io::Error| Error::Io {
        path: path.display().to_string(),
        source: e,
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)
}

/// Writes a report file atomically: a temporary file in the same directory, then a rename, so a
/// reader (a CI step, a textfile collector) sees the old file or the new one, never part of one.
pub fn write_atomic(path: &std::path::Path, text: &str) -> Result<()> {
    let io = |e: std::io::Error| Error::Io {
        path: path.display().to_string(),
        source: e,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "report".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

/// An error as the lines reports carry: the message, its causes, the hint.
pub fn error_parts(e: &Error) -> (String, Vec<String>, Option<String>) {
    use std::error::Error as _;
    let mut causes = Vec::new();
    let mut cause = e.source();
    while let Some(c) = cause {
        causes.push(c.to_string());
        cause = c.source();
    }
    if let Error::Contract { problems } = e {
        causes.extend(problems.iter().map(|p| p.to_string()));
    }
    (e.to_string(), causes, e.hint())
}

/// Pads cells into aligned columns (left-aligned text, right-aligned when `right[i]`).
pub fn align(rows: &[Vec<String>], right: &[bool]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; cols];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            let pad = widths[i] - c.chars().count();
            let last = i + 1 == r.len();
            if right.get(i).copied().unwrap_or(false) {
                line.push_str(&" ".repeat(pad));
                line.push_str(c);
            } else {
                line.push_str(c);
                if !last {
                    line.push_str(&" ".repeat(pad));
                }
            }
            if !last {
                line.push_str("  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Counts of results by status.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Summary {
    pub total: usize,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub error: usize,
}

impl Summary {
    pub fn of(results: &[crate::check::CheckResult]) -> Self {
        use crate::check::Status::*;
        let mut s = Summary {
            total: results.len(),
            ..Default::default()
        };
        for r in results {
            match r.status {
                Pass => s.pass += 1,
                Warn => s.warn += 1,
                Fail => s.fail += 1,
                Error => s.error += 1,
            }
        }
        s
    }
}
