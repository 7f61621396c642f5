//! JSON: the stable machine-readable output of `profile` and `check`.

use super::Summary;
use crate::check::overall;
use crate::profile::metadata::FieldFacts;
use crate::profile::model::{QUANTILES, format_date, format_timestamp, ratio};
use crate::profile::sketch::Kll;
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
    if let Some(k) = f.temporal.as_ref().and_then(|t| t.sketch.as_ref()) {
        // As `min`/`max`: RFC 3339 for timestamps, `YYYY-MM-DD` for dates.
        let qs: Vec<f64> = QUANTILES.iter().map(|q| q.1).collect();
        let quantiles: Map<String, Value> = QUANTILES
            .iter()
            .zip(k.quantiles(&qs))
            .map(|((name, _), v)| (name.to_string(), json!(v.map(|v| temporal_text(f, v)))))
            .collect();
        m.insert("quantiles".into(), Value::Object(quantiles));
        m.insert("quantiles_exact".into(), json!(k.is_exact()));
        m.insert("histogram".into(), temporal_histogram(f));
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
    if f.kind == Kind::Other {
        return json!([{ "lower": lo, "upper": hi, "count": n.finite_count }]);
    }
    let bins = equal_width_bins(&n.sketch, lo, hi, n.finite_count);
    json!(
        bins.iter()
            .map(|b| json!({ "lower": b.0, "upper": b.1, "count": b.2 }))
            .collect::<Vec<_>>()
    )
}

/// [`HISTOGRAM_BINS`] equal-width bins `[lower, upper)` of `[lo, hi]` (the last one closed), as
/// `(lower, upper, count)`; counts of `total` values from the sketch's CDF (exact while the
/// sketch is). One bin when `lo == hi`.
pub fn equal_width_bins(sketch: &Kll, lo: f64, hi: f64, total: u64) -> Vec<(f64, f64, u64)> {
    if hi == lo {
        return vec![(lo, hi, total)];
    }
    let width = (hi - lo) / HISTOGRAM_BINS as f64;
    let mut bins = Vec::with_capacity(HISTOGRAM_BINS);
    let mut prev = 0.0;
    for i in 0..HISTOGRAM_BINS {
        let lower = lo + width * i as f64;
        let last = i + 1 == HISTOGRAM_BINS;
        let upper = if last {
            hi
        } else {
            lo + width * (i + 1) as f64
        };
        let cdf = if last { 1.0 } else { sketch.rank(upper) };
        bins.push((lower, upper, ((cdf - prev) * total as f64).round() as u64));
        prev = cdf;
    }
    bins
}

/// A timestamp or date field's equal-width bins in its unit (microseconds or days since the
/// epoch), when its profile keeps a sketch of values: [`equal_width_bins`] of `min..=max`.
pub fn temporal_bins(f: &FieldProfile) -> Option<Vec<(f64, f64, u64)>> {
    let t = f.temporal.as_ref()?;
    let k = t.sketch.as_ref()?;
    let (lo, hi) = (t.min?, t.max?);
    Some(equal_width_bins(k, lo as f64, hi as f64, k.count()))
}

/// A timestamp (microseconds) or date (days) as `min`/`max` render it.
pub fn temporal_text(f: &FieldProfile, v: f64) -> String {
    let v = v.ceil() as i64;
    if f.kind == Kind::Date {
        format_date(v)
    } else {
        format_timestamp(v)
    }
}

/// A timestamp or date field's histogram: bounds rendered as `min`/`max` are, each the first
/// instant (microsecond, or day) on or after the bin's edge, so a bin holds the values from its
/// `lower` up to before its `upper` (the last bin up to and including its `upper`, the max).
pub fn temporal_histogram(f: &FieldProfile) -> Value {
    let bins = temporal_bins(f).unwrap_or_default();
    json!(
        bins.iter()
            .map(|b| json!({
                "lower": temporal_text(f, b.0),
                "upper": temporal_text(f, b.1),
                "count": b.2,
            }))
            .collect::<Vec<_>>()
    )
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
