//! JSON: the stable machine-readable output of `profile` and `check`.

use super::Summary;
use crate::check::overall;
use crate::profile::metadata::FieldFacts;
use crate::profile::model::{QUANTILES, ratio};
use crate::profile::{FieldProfile, Kind, TableProfile};
use crate::run::CheckReport;
use serde_json::{Map, Value, json};

/// Number of equal-width histogram bins reported for numbers.
pub const HISTOGRAM_BINS: usize = 10;
/// Number of most frequent values reported.
pub const TOP_VALUES: usize = 10;

/// One field as the `profile` JSON shows it.
pub fn field(f: &FieldProfile) -> Value {
    let (min, max) = f.bounds();
    let mut m = Map::new();
    m.insert("name".into(), json!(f.name));
    m.insert("type".into(), json!(f.kind.name()));
    m.insert("data_type".into(), json!(f.data_type));
    m.insert("count".into(), json!(f.count));
    m.insert("null_count".into(), json!(f.null_count));
    m.insert("null_rate".into(), json!(f.null_rate()));
    m.insert("distinct".into(), json!(f.distinct.estimate()));
    m.insert("distinct_exact".into(), json!(f.distinct.is_exact()));
    m.insert("min".into(), min);
    m.insert("max".into(), max);
    if let Some(n) = &f.numeric {
        m.insert("mean".into(), json!((n.finite_count > 0).then_some(n.mean)));
        m.insert("stddev".into(), json!(n.stddev()));
        let qs: Vec<f64> = QUANTILES.iter().map(|q| q.1).collect();
        let values = n.sketch.quantiles(&qs);
        let quantiles: Map<String, Value> = QUANTILES
            .iter()
            .zip(values)
            .map(|((name, _), v)| (name.to_string(), json!(v)))
            .collect();
        m.insert("quantiles".into(), Value::Object(quantiles));
        m.insert("quantiles_exact".into(), json!(n.sketch.is_exact()));
        m.insert("histogram".into(), histogram(f));
        m.insert("nan_count".into(), json!(n.nan_count));
        m.insert(
            "infinite_count".into(),
            json!(n.pos_inf_count + n.neg_inf_count),
        );
    }
    if let Some(t) = &f.text {
        m.insert("min_length".into(), json!(t.min_length));
        m.insert("max_length".into(), json!(t.max_length));
        m.insert("empty_count".into(), json!(t.empty_count));
    }
    if let Some(t) = &f.temporal
        && let Some(tz) = &t.timezone
    {
        m.insert("timezone".into(), json!(tz));
    }
    if let Some(freq) = &f.frequent {
        // `count`/`share` are exact while `top_values_exact`, else lower bounds; the truth is
        // within `count..=count_upper`, and a value not listed occurs at most
        // `top_values_error_bound` times.
        let top: Vec<Value> = freq
            .top_bounded(TOP_VALUES, f.count)
            .into_iter()
            .map(|b| {
                json!({
                    "value": b.value,
                    "count": b.count,
                    "count_upper": b.upper,
                    "share": ratio(b.count, f.count),
                    "share_upper": ratio(b.upper, f.count),
                })
            })
            .collect();
        let share = f.top_share_bounds();
        m.insert("top_values".into(), json!(top));
        m.insert("top_share".into(), json!(share.as_ref().map(|t| t.share)));
        m.insert(
            "top_share_upper".into(),
            json!(share.as_ref().map(|t| t.share_upper)),
        );
        m.insert("top_values_exact".into(), json!(freq.is_exact()));
        m.insert("top_values_error_bound".into(), json!(freq.error_bound()));
    }
    Value::Object(m)
}

/// Equal-width bins between min and max; counts from the quantile sketch's CDF (exact while the
/// sketch is exact).
pub fn histogram(f: &FieldProfile) -> Value {
    let Some(n) = &f.numeric else {
        return Value::Null;
    };
    let (Some(lo), Some(hi)) = (n.min, n.max) else {
        return json!([]);
    };
    let total = n.finite_count as f64;
    if hi == lo || f.kind == Kind::Other {
        return json!([{ "lower": lo, "upper": hi, "count": n.finite_count }]);
    }
    let width = (hi - lo) / HISTOGRAM_BINS as f64;
    let mut bins = Vec::new();
    let mut prev = 0.0;
    for i in 0..HISTOGRAM_BINS {
        let lower = lo + width * i as f64;
        let upper = if i + 1 == HISTOGRAM_BINS {
            hi
        } else {
            lo + width * (i + 1) as f64
        };
        let cdf = if i + 1 == HISTOGRAM_BINS {
            1.0
        } else {
            n.sketch.rank(upper)
        };
        bins.push(json!({ "lower": lower, "upper": upper, "count": ((cdf - prev) * total).round() as u64 }));
        prev = cdf;
    }
    json!(bins)
}

pub fn profile(p: &TableProfile) -> Value {
    let mut v = json!({
        "source": p.source,
        "row_count": p.row_count,
        "files": p.scan.files,
        "bytes": p.scan.bytes,
        "scanned": p.scan.scanned,
        "passes": p.scan.passes,
        "partitions": p.partitions,
        "fields": p.fields.iter().map(field).collect::<Vec<_>>(),
    });
    if let Some(s) = &p.snapshot {
        v["snapshot"] = json!(s);
    }
    v
}

/// `profile --metadata-only`: the table's footer facts and each field's exact statistics.
pub fn metadata(p: &TableProfile, facts: &[FieldFacts], origin: &str) -> Value {
    json!({
        "source": p.source,
        "row_count": p.row_count,
        "files": p.scan.files,
        "bytes": p.scan.bytes,
        "scanned": false,
        "answered_from": origin,
        "snapshot": p.snapshot,
        "partitions": p.partitions,
        "fields": facts.iter().map(FieldFacts::to_json).collect::<Vec<_>>(),
    })
}

/// `check --format json`: the status, counts, every result, and each table with its baseline.
pub fn check(report: &CheckReport) -> Value {
    let results = &report.results;
    json!({
        "status": overall(results).as_str(),
        "summary": Summary::of(results),
        "results": results,
        "tables": report.tables,
    })
}

/// The JSON report of a run that could not be completed: status `error` and the error, so a
/// CI step that reads the file finds why.
pub fn check_error(e: &crate::error::Error) -> Value {
    let (message, causes, hint) = super::error_parts(e);
    json!({
        "status": "error",
        "summary": Summary::default(),
        "results": [],
        "error": { "message": message, "causes": causes, "hint": hint },
    })
}
