//! Rendering: profiles and check results for terminals (`table`), machines (`json`) and CI
//! systems (`junit`). Renderers return strings; only `main` writes to stdout.

pub mod json;
pub mod junit;
pub mod table;

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
