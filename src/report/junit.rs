//! JUnit XML: one `testsuite` per consumer and table, one `testcase` per check.

use crate::check::{CheckResult, Status};
use std::collections::BTreeMap;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(results: &[CheckResult]) -> String {
    let mut suites: BTreeMap<(String, String), Vec<&CheckResult>> = BTreeMap::new();
    for r in results {
        suites
            .entry((r.consumer.clone(), r.table.clone()))
            .or_default()
            .push(r);
    }
    let count = |rs: &[&CheckResult], s: Status| rs.iter().filter(|r| r.status == s).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"plimsoll\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n",
        results.len(),
        results.iter().filter(|r| r.status == Status::Fail).count(),
        results.iter().filter(|r| r.status == Status::Error).count(),
    ));
    for ((consumer, table), rs) in &suites {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\">\n",
            escape(&format!("{consumer} / {table}")),
            rs.len(),
            count(rs, Status::Fail),
            count(rs, Status::Error),
        ));
        for r in rs {
            let name = match &r.field {
                Some(f) => format!("{} {}", r.check, f),
                None => r.check.to_string(),
            };
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\">",
                escape(&format!("{consumer}.{table}")),
                escape(&name),
                escape(&r.contract),
            ));
            let body = format!(
                "{}\nobserved: {}\nexpected: {}\ncontract: {}",
                r.message, r.observed_text, r.expected_text, r.contract
            );
            match r.status {
                Status::Pass => {}
                Status::Warn => out.push_str(&format!(
                    "\n      <system-out>warning: {}</system-out>\n    ",
                    escape(&body)
                )),
                Status::Fail => out.push_str(&format!(
                    "\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    ",
                    escape(&r.message),
                    r.check,
                    escape(&body)
                )),
                Status::Error => out.push_str(&format!(
                    "\n      <error message=\"{}\" type=\"{}\">{}</error>\n    ",
                    escape(&r.message),
                    r.check,
                    escape(&body)
                )),
            }
            out.push_str("</testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
