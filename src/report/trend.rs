//! The `history` report: a table's metrics over its stored slices, as sparklines and a table
//! for terminals, or the series as numbers in JSON.

use crate::check::pct;
use crate::history::trend::{Metric, Series, sparkline};
use crate::report::align;
use crate::run::trend::TrendReport;
use serde_json::json;

/// `history --format json`: the slices (oldest first) and each series' values, `null` where the
/// metric is undefined.
pub fn json(r: &TrendReport) -> serde_json::Value {
    json!({
        "history": r.history,
        "table": r.table,
        "slices": r.slices,
        "series": r.series,
    })
}

/// A value of a metric for people.
fn value(m: Metric, v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) => match m {
            Metric::Rows | Metric::Distinct => format!("{v:.0}"),
            Metric::NullRate => pct(v),
            Metric::Psi => format!("{v:.3}"),
            Metric::Mean => number(v),
        },
    }
}

/// A number with at most four decimals, trailing zeros dropped.
fn number(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

fn header(r: &TrendReport) -> String {
    let what = match &r.field {
        Some(f) => format!("{}.{f}", r.table),
        None => r.table.clone(),
    };
    let span = match (r.slices.first(), r.slices.last()) {
        (Some(a), Some(b)) if r.slices.len() > 1 => format!(", {} .. {}", a.name, b.name),
        (Some(a), _) => format!(", {}", a.name),
        _ => String::new(),
    };
    format!(
        "{what}: {} slice(s){span} (history {})\n\n",
        r.slices.len(),
        r.history
    )
}

/// One line per series: its sparkline, minimum, maximum and newest value.
fn summary_rows(series: &[&Series], with_field: bool) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut head = vec!["METRIC", "TREND", "MIN", "MAX", "LAST"];
    if with_field {
        head.insert(0, "FIELD");
    }
    rows.push(head.into_iter().map(String::from).collect::<Vec<_>>());
    let mut previous: Option<&str> = None;
    for s in series {
        let mut row = vec![
            s.metric.to_string(),
            sparkline(&s.values),
            value(s.metric, s.min()),
            value(s.metric, s.max()),
            value(s.metric, s.last()),
        ];
        if with_field {
            let name = s.field.as_deref().unwrap_or("(table)");
            // The field is named on its first line only.
            row.insert(
                0,
                if previous == Some(name) {
                    String::new()
                } else {
                    name.to_string()
                },
            );
            previous = Some(name);
        }
        rows.push(row);
    }
    rows
}

/// `history --format table`. With a field: one line per slice with each metric, then a
/// sparkline per metric. Without: a sparkline per series (the table's rows, each field's
/// metrics).
pub fn table(r: &TrendReport) -> String {
    let mut out = header(r);
    let series: Vec<&Series> = r.series.iter().collect();
    if r.field.is_some() {
        let mut rows = vec![
            ["SLICE", "STATUS"]
                .into_iter()
                .map(String::from)
                .chain(series.iter().map(|s| s.metric.as_str().to_uppercase()))
                .collect::<Vec<_>>(),
        ];
        for (i, slice) in r.slices.iter().enumerate() {
            let mut row = vec![
                slice.name.clone(),
                slice.status.map_or("-".into(), |s| s.as_str().to_string()),
            ];
            row.extend(series.iter().map(|s| value(s.metric, s.values[i])));
            rows.push(row);
        }
        let mut right = vec![false, false];
        right.extend(series.iter().map(|_| true));
        out.push_str(&align(&rows, &right));
        out.push('\n');
        out.push_str(&align(
            &summary_rows(&series, false),
            &[false, false, true, true, true],
        ));
    } else {
        out.push_str(&align(
            &summary_rows(&series, true),
            &[false, false, false, true, true, true],
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_at_most_four_decimals() {
        assert_eq!(number(1.0), "1");
        assert_eq!(number(123.456789), "123.4568");
        assert_eq!(number(-0.00001), "0");
        assert_eq!(number(2.5), "2.5");
    }
}
