//! JUnit XML: one `testsuite` per consumer and table (its `properties` name the consumer and its
//! owner), one `testcase` per check.

use super::xml_escape as escape;
use crate::check::{CheckResult, Status};
use crate::run::CheckReport;
use std::collections::BTreeMap;

/// The JUnit report of a run that could not be completed: one errored testcase carrying the
/// error, so a CI report step finds a file and shows why.
pub fn render_error(e: &crate::error::Error) -> String {
    let (message, causes, hint) = super::error_parts(e);
    let mut body = message.clone();
    for c in &causes {
        body.push_str(&format!("\n  Caused by: {c}"));
    }
    if let Some(h) = &hint {
        body.push_str(&format!("\n\nhint: {h}"));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"plimsoll\" tests=\"1\" failures=\"0\" errors=\"1\">\n  <testsuite name=\"plimsoll\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n    <testcase classname=\"plimsoll\" name=\"run\">\n      <error message=\"{}\" type=\"run\">{}</error>\n    </testcase>\n  </testsuite>\n</testsuites>\n",
        escape(&message),
        escape(&body)
    )
}

pub fn render(report: &CheckReport) -> String {
    let results = &report.results;
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
        // The consumer and its owner (whom to ask about a failure) as suite properties.
        out.push_str(&format!(
            "    <properties>\n      <property name=\"consumer\" value=\"{}\"/>\n",
            escape(consumer)
        ));
        if let Some(owner) = rs.iter().find_map(|r| r.owner.as_deref()) {
            out.push_str(&format!(
                "      <property name=\"owner\" value=\"{}\"/>\n",
                escape(owner)
            ));
        }
        out.push_str("    </properties>\n");
        for r in rs {
            let name = match &r.field {
                Some(f) => format!("{} {}", r.check, f),
                None => r.check.to_string(),
            };
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\">",
                escape(&format!("{consumer}.{table}")),
                escape(&name),
                escape(&r.contract_file),
                r.contract_line,
            ));
            let mut body = format!(
                "{}\nobserved: {}\nexpected: {}\ncontract: {}",
                r.message, r.observed_text, r.expected_text, r.contract
            );
            if let Some(q) = &r.quarantine {
                body.push_str(&format!("\nquarantined: {}", q.text()));
            }
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
