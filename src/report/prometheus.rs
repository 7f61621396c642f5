//! The Prometheus text exposition format (version 0.0.4), for node_exporter's textfile
//! collector: `check`/`run --output prometheus=PATH` (written atomically, a `.prom` file) and
//! `status --format prometheus`.
//!
//! Every metric is a gauge in base units (seconds, ratios 0..1), each family once with its
//! `# HELP` and `# TYPE`, label values escaped (`\\`, `\"`, `\n`), one series per label set.
//!
//! Statuses are numbers ordered from best to worst, so `max` over them is the worst and an
//! alert is a comparison: [`STATUS_PASS`] `0` pass, `1` warn, `2` fail, [`STATUS_ERROR`] `3`
//! error (the check, or the whole run, could not be completed).

use crate::check::{CheckId, CheckResult, Status};
use crate::history::TableStatus;
use crate::run::CheckReport;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The value of a passing status.
pub const STATUS_PASS: u8 = 0;
/// The value of an errored status (a check, or the run, could not be completed).
pub const STATUS_ERROR: u8 = 3;

/// A status as its gauge value: pass 0, warn 1, fail 2, error 3.
pub fn status_value(s: Status) -> u8 {
    match s {
        Status::Pass => STATUS_PASS,
        Status::Warn => 1,
        Status::Fail => 2,
        Status::Error => STATUS_ERROR,
    }
}

/// The `severity` label of a check: what a breach of it does to the run (`fail`, or `warn`:
/// reported, does not fail the run), as the contract sets it (`severity:`) or the check's default.
pub fn severity(r: &CheckResult) -> &'static str {
    r.severity.as_str()
}

/// The metrics, in the order they are written.
const CHECK_STATUS: Metric = (
    "plimsoll_check_status",
    "Status of a contract check: 0 pass, 1 warn, 2 fail, 3 error (field is empty for table-level checks).",
);
const TABLE_STATUS: Metric = (
    "plimsoll_table_status",
    "Status of the table's last run: the worst of its checks, 0 pass, 1 warn, 2 fail, 3 error (the run could not be completed).",
);
const TABLE_ROWS: Metric = (
    "plimsoll_table_rows",
    "Rows in the checked slice of the table.",
);
const FRESHNESS_LAG: Metric = (
    "plimsoll_freshness_lag_seconds",
    "Seconds from the newest value of the freshness column to the run's time.",
);
const ROW_COUNT_RATIO: Metric = (
    "plimsoll_row_count_ratio",
    "Rows in the checked slice over the mean of the baseline's slices (1 = as usual).",
);
const NULL_RATIO: Metric = (
    "plimsoll_field_null_ratio",
    "Share of the field's values that are null, 0..1.",
);
const DISTINCT: Metric = (
    "plimsoll_field_distinct",
    "Distinct non-null values of the field (exact up to 100000, then a HyperLogLog estimate).",
);
const PSI: Metric = (
    "plimsoll_field_psi",
    "Population stability index of the field against the consumer's baseline (above 0.1 moved, above 0.2 drifted).",
);
const LAST_RUN: Metric = (
    "plimsoll_last_run_timestamp_seconds",
    "Unix time the table was last checked (whatever the outcome).",
);
const LAST_SUCCESS: Metric = (
    "plimsoll_last_success_timestamp_seconds",
    "Unix time of the table's last run that passed (warnings allowed).",
);
const OVERDUE: Metric = (
    "plimsoll_table_overdue",
    "1 when the table's last run is older than its expected interval (or it never ran), else 0.",
);
const WINDOW: Metric = (
    "plimsoll_table_window_seconds",
    "The interval the table is expected to be checked in (its expect_every).",
);

type Labels = Vec<(&'static str, String)>;

/// A metric's name and help text.
type Metric = (&'static str, &'static str);

/// Metric families under construction: one series per label set.
#[derive(Default)]
struct Exposition {
    families: Vec<(Metric, BTreeMap<Labels, f64>)>,
}

impl Exposition {
    fn family(&mut self, metric: Metric) -> &mut BTreeMap<Labels, f64> {
        let i = match self.families.iter().position(|f| f.0.0 == metric.0) {
            Some(i) => i,
            None => {
                self.families.push((metric, BTreeMap::new()));
                self.families.len() - 1
            }
        };
        &mut self.families[i].1
    }

    /// Sets a series; a label set given twice keeps the larger value.
    fn set(&mut self, metric: Metric, labels: Labels, v: f64) {
        let e = self.family(metric).entry(labels).or_insert(v);
        if v > *e {
            *e = v;
        }
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for ((name, help), series) in &self.families {
            out.push_str(&format!("# HELP {name} {}\n", escape_help(help)));
            out.push_str(&format!("# TYPE {name} gauge\n"));
            for (labels, v) in series {
                out.push_str(name);
                if !labels.is_empty() {
                    let ls: Vec<String> = labels
                        .iter()
                        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
                        .collect();
                    out.push_str(&format!("{{{}}}", ls.join(",")));
                }
                out.push(' ');
                out.push_str(&number(*v));
                out.push('\n');
            }
        }
        out
    }
}

/// A label value as the exposition format writes it: `\` as `\\`, `"` as `\"`, a line feed as
/// `\n`.
pub fn escape_label(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

/// `# HELP` text: `\` and line feeds escaped.
fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A sample value: the shortest decimal that reads back as the same float; `NaN`, `+Inf`,
/// `-Inf`.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

/// Seconds since the Unix epoch, to the millisecond.
fn seconds(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

fn table(name: &str) -> Labels {
    vec![("table", name.to_string())]
}

/// `check`/`run` as a textfile: each result's status, each table's rows, its last run and last
/// success, and the measured values (freshness lag, row-count ratio, null ratio, distinct count,
/// PSI).
///
/// Freshness lag and row-count ratio are per table: when several consumers check them (their
/// columns or baseline windows may differ), the value of the worst result is written, the first
/// consumer by name on a tie. Two results with the same labels (a contract asking a check twice)
/// give one series, the worst status.
pub fn check(report: &CheckReport) -> String {
    let mut x = Exposition::default();
    // The families in a fixed order, present even when empty.
    for m in [
        CHECK_STATUS,
        TABLE_STATUS,
        TABLE_ROWS,
        FRESHNESS_LAG,
        ROW_COUNT_RATIO,
        NULL_RATIO,
        DISTINCT,
        PSI,
        LAST_RUN,
        LAST_SUCCESS,
    ] {
        x.family(m);
    }
    for r in &report.results {
        x.set(
            CHECK_STATUS,
            vec![
                ("table", r.table.clone()),
                ("consumer", r.consumer.clone()),
                ("check", r.check.to_string()),
                ("field", r.field.clone().unwrap_or_default()),
                ("severity", severity(r).to_string()),
            ],
            f64::from(status_value(r.status)),
        );
        if r.check == CheckId::Drift
            && let (Some(f), Some(psi)) = (&r.field, r.observed.get("psi").and_then(|v| v.as_f64()))
        {
            x.set(
                PSI,
                vec![
                    ("table", r.table.clone()),
                    ("consumer", r.consumer.clone()),
                    ("field", f.clone()),
                ],
                psi,
            );
        }
    }
    for t in &report.tables {
        let mine: Vec<&CheckResult> = report
            .results
            .iter()
            .filter(|r| r.table == t.name)
            .collect();
        let status = mine.iter().map(|r| r.status).max().unwrap_or(Status::Pass);
        x.set(
            TABLE_STATUS,
            table(&t.name),
            f64::from(status_value(status)),
        );
        x.set(TABLE_ROWS, table(&t.name), t.rows as f64);
        for (metric, check, key) in [
            (FRESHNESS_LAG, CheckId::Freshness, "lag_seconds"),
            (ROW_COUNT_RATIO, CheckId::RowCount, "ratio"),
        ] {
            if let Some(v) = worst_value(&mine, check, key) {
                x.set(metric, table(&t.name), v);
            }
        }
        for f in &t.fields {
            let labels = vec![("table", t.name.clone()), ("field", f.name.clone())];
            x.set(NULL_RATIO, labels.clone(), f.null_rate);
            if let Some(d) = f.distinct {
                x.set(DISTINCT, labels, d as f64);
            }
        }
        x.set(LAST_RUN, table(&t.name), seconds(t.checked_at));
        if let Some(s) = t.last_success {
            x.set(LAST_SUCCESS, table(&t.name), seconds(s));
        }
    }
    x.render()
}

/// `observed[key]` of the worst `check` result among `results` (the first consumer by name on a
/// tie).
fn worst_value(results: &[&CheckResult], check: CheckId, key: &str) -> Option<f64> {
    results
        .iter()
        .filter(|r| r.check == check)
        .filter_map(|r| Some((r, r.observed.get(key)?.as_f64()?)))
        .min_by(|(a, _), (b, _)| b.status.cmp(&a.status).then(a.consumer.cmp(&b.consumer)))
        .map(|(_, v)| v)
}

/// A table of a run that could not be completed.
#[derive(Debug, Clone)]
pub struct FailedTable {
    pub name: String,
    /// The newest passing run in the history's run log, if one is kept.
    pub last_success: Option<DateTime<Utc>>,
}

/// The textfile of a run that could not be completed: each table it was to check (when they
/// are known) with status 3 and the time of the attempt, and its last success from the history;
/// the error as a comment.
pub fn check_error(e: &crate::error::Error, tables: &[FailedTable], at: DateTime<Utc>) -> String {
    let (message, _, _) = super::error_parts(e);
    let mut x = Exposition::default();
    x.family(TABLE_STATUS);
    for t in tables {
        x.set(TABLE_STATUS, table(&t.name), f64::from(STATUS_ERROR));
        x.set(LAST_RUN, table(&t.name), seconds(at));
        if let Some(s) = t.last_success {
            x.set(LAST_SUCCESS, table(&t.name), seconds(s));
        }
    }
    let first = message.lines().next().unwrap_or_default();
    format!(
        "# plimsoll: the run could not be completed: {}\n{}",
        first.replace('\r', " "),
        x.render()
    )
}

/// `status --format prometheus`: per table its last run (time and status), last success,
/// expected interval and whether it is overdue, from the history's run log.
pub fn status(tables: &[TableStatus]) -> String {
    let mut x = Exposition::default();
    for m in [TABLE_STATUS, LAST_RUN, LAST_SUCCESS, OVERDUE, WINDOW] {
        x.family(m);
    }
    for t in tables {
        if let Some(r) = &t.last_run {
            x.set(
                TABLE_STATUS,
                table(&t.table),
                f64::from(status_value(r.status)),
            );
            x.set(LAST_RUN, table(&t.table), seconds(r.finished_at));
        }
        if let Some(s) = t.last_success {
            x.set(LAST_SUCCESS, table(&t.table), seconds(s));
        }
        x.set(OVERDUE, table(&t.table), f64::from(u8::from(t.overdue)));
        x.set(WINDOW, table(&t.table), t.expect_every as f64);
    }
    x.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_escape_backslash_quote_and_line_feed() {
        assert_eq!(escape_label(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(escape_label("x\ny"), "x\\ny");
        assert_eq!(escape_label("plain"), "plain");
    }

    #[test]
    fn numbers_read_back_as_the_same_float() {
        for v in [0.0, 1.0, 0.1 + 0.2, 1e-12, 3698.0, 1.7e308, 1710028799.5] {
            assert_eq!(number(v).parse::<f64>().unwrap(), v);
        }
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NEG_INFINITY), "-Inf");
    }

    #[test]
    fn a_label_set_given_twice_is_one_series_with_the_larger_value() {
        let mut x = Exposition::default();
        x.set(TABLE_ROWS, table("t"), 1.0);
        x.set(TABLE_ROWS, table("t"), 3.0);
        x.set(TABLE_ROWS, table("t"), 2.0);
        let text = x.render();
        assert_eq!(text.matches("plimsoll_table_rows{").count(), 1, "{text}");
        assert!(
            text.contains("plimsoll_table_rows{table=\"t\"} 3\n"),
            "{text}"
        );
    }
}
