//! HTML: one self-contained page per report (`profile`, `drift`, `check`/`run`), to open in a
//! browser, attach to a CI run or print. No script, no font, no image and no request of any
//! kind: the charts are inline SVG drawn in Rust ([`super::svg`]), the style is inline CSS with
//! a print sheet. The markup is well-formed XML (every element closed, only the five XML
//! entities), so tools can read it back; every string from the data is escaped with [`esc`].

use super::svg::{self, Bar, HBar};
use super::{Summary, json, time_labels};
use crate::check::{CheckId, CheckResult, Status};
use crate::contract::units::{format_size, thousands};
use crate::drift::{FieldDrift, Method};
use crate::profile::metadata::FieldFacts;
use crate::profile::model::{QUANTILES, format_timestamp};
use crate::profile::{FieldProfile, Kind, TableProfile};
use crate::run::CheckReport;
use crate::run::drift::{DriftReport, DriftRow};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Escapes text for an element's content or an attribute value ([`super::xml_escape`]).
pub fn esc(s: &str) -> String {
    super::xml_escape(s)
}

/// A slice left out of a baseline, and why, as a paragraph of `class`.
fn left_out(class: &str, lead: &str, of: Option<String>, slice: &str, reason: &str) -> String {
    format!(
        r#"<p class="{class}">{lead}{}: {} ({})</p>"#,
        esc(&of.unwrap_or_default()),
        esc(slice),
        esc(reason)
    )
}

/// A number for people: thousands separators, about four significant digits, scientific
/// notation for the very large and very small.
pub fn num(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-4..1e15).contains(&a) {
        return format!("{v:.3e}");
    }
    let decimals = if v.fract() == 0.0 {
        0
    } else if a >= 1000.0 {
        1
    } else if a >= 100.0 {
        2
    } else if a >= 1.0 {
        3
    } else {
        (3 - a.log10().floor() as i32).clamp(1, 8) as usize
    };
    let mut s = format!("{a:.decimals$}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), format!(".{f}")),
        None => (s.clone(), String::new()),
    };
    let grouped = int.parse::<u64>().map(thousands).unwrap_or(int.to_string());
    format!("{}{grouped}{frac}", if v < 0.0 { "-" } else { "" })
}

/// A share as a percentage (`0.31%`, `41.6%`).
pub fn pct_text(r: f64) -> String {
    crate::check::pct(r)
}

/// The status badge.
fn badge(status: Option<Status>) -> String {
    let s = status.map_or("n/a", Status::as_str);
    format!(r#"<span class="badge {s}">{}</span>"#, s.to_uppercase())
}

const CSS: &str = r#"
:root{--fail:#c62828;--warn:#b86e00;--pass:#2e7d32;--error:#6a1b9a;--na:#6e7781;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--ink:#1f2328}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0 auto;max-width:1400px;padding:20px 28px 40px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:#fff}
code,.mono,h3{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
h1{font-size:22px;margin:0 0 4px;font-weight:650}
h1 code{font-size:20px}
h2{font-size:17px;margin:26px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:14px;margin:0;font-weight:650;word-break:break-all}
.meta{color:var(--muted);margin:0 0 4px}
.meta b{color:var(--ink);font-weight:600}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(390px,1fr));gap:14px}
.grid.wide{grid-template-columns:repeat(auto-fill,minmax(580px,1fr))}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 14px 10px;background:#fff;break-inside:avoid;page-break-inside:avoid;min-width:0}
.card.fail{border-left:4px solid var(--fail)}.card.warn{border-left:4px solid var(--warn)}.card.error{border-left:4px solid var(--error)}
.card>header{display:flex;align-items:baseline;gap:8px;flex-wrap:wrap;margin-bottom:8px}
.type{color:var(--muted);font-size:12px}
.badge{display:inline-block;min-width:44px;text-align:center;padding:1px 7px;border-radius:10px;font-size:11px;font-weight:700;letter-spacing:.03em;color:#fff;background:var(--na)}
.badge.fail{background:var(--fail)}.badge.warn{background:var(--warn)}.badge.pass{background:var(--pass)}.badge.error{background:var(--error)}
.big{font-size:18px;font-weight:650;font-variant-numeric:tabular-nums}
dl.stats{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:4px 12px;margin:0 0 8px;font-size:12.5px}
dl.stats div{min-width:0}
dt{color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.04em}
dd{margin:0;font-variant-numeric:tabular-nums;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
figure{margin:4px 0 6px}
figcaption{color:var(--muted);font-size:11.5px;margin-top:2px}
svg.chart{display:block;max-width:100%;height:auto;font-family:inherit}
svg .tick{font-size:10px;fill:#57606a}
svg .tick.strong{font-weight:700;fill:#1f2328}
svg .label{font-size:10.5px;fill:#1f2328}
svg .axis-label{font-size:10px;fill:#6e7781}
.nodata{height:110px;display:flex;align-items:center;justify-content:center;text-align:center;padding:8px;color:var(--muted);background:var(--soft);border:1px dashed var(--line);border-radius:6px;font-size:13px}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600;background:var(--soft)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.overview td{vertical-align:middle}
svg.spark{display:block}
table.q td,table.q th{text-align:right;padding:2px 5px}
tr.fail td{background:#fdf2f2}tr.error td{background:#f8f1fb}tr.warn td{background:#fff8e6}
tr.msg td{border-bottom:1px solid var(--line);color:var(--muted);font-size:12px;padding-top:0}
tr.fail td:first-child,tr.error td:first-child,tr.warn td:first-child{white-space:nowrap}
.nullbar{display:inline-block;width:60px;height:8px;background:var(--soft);border:1px solid var(--line);vertical-align:middle;margin-right:6px}
.nullbar i{display:block;height:100%;background:#c9511f}
.legend{display:flex;gap:16px;flex-wrap:wrap;margin:6px 0;color:var(--muted);font-size:13px}
.legend b{font-variant-numeric:tabular-nums}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.values{font-size:12px;margin:4px 0}
.values code{background:var(--soft);padding:0 3px;border-radius:3px}
.note{font-size:12px;color:var(--muted);margin:4px 0}
.error-box{border:1px solid var(--error);border-radius:8px;padding:12px 16px;background:#faf5fc}
details summary{cursor:pointer;color:var(--muted);font-size:12px}
details.passes{margin-top:6px}
details.passes summary{padding:4px 0}
a{color:#0b5cad;text-decoration:none}
footer{margin-top:28px;color:var(--muted);font-size:12px}
@media print{
body{padding:0;max-width:none;font-size:11px}
.grid,.grid.wide{grid-template-columns:repeat(2,minmax(0,1fr));gap:10px}
.card,tr,figure{break-inside:avoid;page-break-inside:avoid}
h2{break-after:avoid;page-break-after:avoid}
a{color:inherit}
details{display:none}
details.passes{display:block}
}
"#;

/// A whole page around `body`.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<meta name=\"generator\" content=\"plimsoll {}\"/>\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n<footer>Generated by Plimsoll {} — a self-contained page: no script, nothing loaded from anywhere.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        esc(title),
        env!("CARGO_PKG_VERSION")
    )
}

fn when(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A key and its value in a card's statistics.
fn kv(key: &str, label: &str, value: &str) -> String {
    format!(
        r#"<div data-k="{key}"><dt>{}</dt><dd title="{}">{}</dd></div>"#,
        esc(label),
        esc(value),
        esc(value)
    )
}

/// A JSON bound (min/max) for people.
fn value_text(v: &Value) -> String {
    match v {
        Value::Null => "–".into(),
        Value::Number(n) => n.as_f64().map(num).unwrap_or_else(|| n.to_string()),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A duration in microseconds for people: `17h 42m`, `6d 3h`.
fn span_text(micros: i64) -> String {
    let s = micros / 1_000_000;
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else if m > 0 {
        format!("{m}m {}s", s % 60)
    } else {
        format!("{s}s")
    }
}

/// A timestamp to the second, for a chart's ends (`2024-03-10 06:06:12`).
fn short_time(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| format_timestamp(micros))
}

fn nodata(why: &str) -> String {
    format!(
        r#"<figure class="chart-box" data-chart="none"><div class="nodata chart-placeholder">{}</div></figure>"#,
        esc(why)
    )
}

fn figure(kind: &str, svg: &str, caption: &str) -> String {
    format!(
        r#"<figure class="chart-box" data-chart="{kind}">{svg}<figcaption>{}</figcaption></figure>"#,
        esc(caption)
    )
}

/// The top values of a field as bars.
fn top_values_chart(f: &FieldProfile) -> Option<String> {
    let freq = f.frequent.as_ref()?;
    let top = freq.top_bounded(json::TOP_VALUES, f.count);
    if top.is_empty() {
        return None;
    }
    let exact = freq.is_exact();
    let rows: Vec<HBar> = top
        .iter()
        .map(|b| HBar {
            label: b.value.clone(),
            count: b.count,
            share: crate::profile::model::ratio(b.count, f.count),
            approx: !exact,
        })
        .collect();
    let distinct = f.distinct.estimate();
    let caption = format!(
        "top {} of {}{} distinct value(s), share of non-null rows{}",
        rows.len(),
        if f.distinct.is_exact() { "" } else { "≈" },
        thousands(distinct),
        if exact {
            ""
        } else {
            "; counts are lower bounds (frequent-values sketch)"
        }
    );
    Some(figure(
        "topvalues",
        &svg::hbars(&rows, &format!("most frequent values of {}", f.name)),
        &caption,
    ))
}

/// A numeric field's histogram from the profile's bins (as the JSON report gives them).
fn histogram_chart(f: &FieldProfile) -> Option<String> {
    let (bars, few) = numeric_bars(f)?;
    let exact = f.numeric.as_ref().is_some_and(|n| n.sketch.is_exact());
    let (title, caption) = if few {
        (
            format!("values of {}", f.name),
            format!(
                "each of the {} distinct value(s), counted exactly",
                bars.len()
            ),
        )
    } else {
        (
            format!("histogram of {}", f.name),
            format!(
                "{} equal-width bin(s) of the finite values{}",
                bars.len(),
                if exact {
                    ""
                } else {
                    ", counts from the quantile sketch (approx.)"
                }
            ),
        )
    };
    Some(figure(
        "histogram",
        &svg::histogram(&bars, &title, &num),
        &caption,
    ))
}

/// A numeric field's bars: one per value while it has a few distinct values (counted
/// exactly; true), else the profile's equal-width bins (as the JSON report gives them).
fn numeric_bars(f: &FieldProfile) -> Option<(Vec<Bar>, bool)> {
    let n = f.numeric.as_ref()?;
    if n.sketch.count() == 0 {
        return None;
    }
    if let Some(few) = n.few_values.as_ref().filter(|v| !v.0.is_empty()) {
        let bars = few
            .0
            .iter()
            .map(|&(v, c)| Bar {
                lower: v,
                upper: v,
                count: c,
            })
            .collect();
        return Some((bars, true));
    }
    let bars: Vec<Bar> = json::histogram(f)
        .as_array()?
        .iter()
        .map(|b| Bar {
            lower: b["lower"].as_f64().unwrap_or(f64::NAN),
            upper: b["upper"].as_f64().unwrap_or(f64::NAN),
            count: b["count"].as_u64().unwrap_or(0),
        })
        .collect();
    (!bars.is_empty()).then_some((bars, false))
}

/// A timestamp or date field's unit, for its labels.
fn time_unit(f: &FieldProfile) -> time_labels::Unit {
    if f.kind == Kind::Date {
        time_labels::Unit::Days
    } else {
        time_labels::Unit::Micros
    }
}

/// A timestamp or date field's equal-width bins (as the JSON report gives them), in its unit.
fn temporal_bars(f: &FieldProfile) -> Option<Vec<Bar>> {
    let bars: Vec<Bar> = json::temporal_bins(f)?
        .into_iter()
        .map(|(lower, upper, count)| Bar {
            lower,
            upper,
            count,
        })
        .collect();
    (bars.iter().any(|b| b.count > 0)).then_some(bars)
}

/// A timestamp or date field's histogram, its ticks written as dates or times by its span.
fn temporal_chart(f: &FieldProfile) -> Option<String> {
    let bars = temporal_bars(f)?;
    let t = f.temporal.as_ref()?;
    let (lo, hi) = (t.min? as f64, t.max? as f64);
    let unit = time_unit(f);
    let exact = t.sketch.as_ref().is_some_and(|k| k.is_exact());
    let label = |v: f64| time_labels::tick(unit, lo, hi, v);
    let caption = if bars.len() == 1 {
        // One value (lo == hi): its count is the rows', exactly.
        format!("a single value, {}", time_labels::full(unit, lo))
    } else {
        format!(
            "{} equal-width bin(s) from the first to the last value{}{}",
            bars.len(),
            if unit == time_labels::Unit::Micros {
                format!(", {} (UTC)", span_text(hi as i64 - lo as i64))
            } else {
                format!(", {} day(s)", hi as i64 - lo as i64 + 1)
            },
            if exact {
                ""
            } else {
                "; counts from the quantile sketch (approx.)"
            }
        )
    };
    Some(figure(
        "histogram",
        &svg::histogram(&bars, &format!("histogram of {}", f.name), &label),
        &caption,
    ))
}

/// The overview's small picture of a field: its histogram, or its top values' shares.
fn spark(f: &FieldProfile, scanned: bool) -> String {
    if !scanned || f.count == 0 {
        return String::new();
    }
    if let Some(bars) = numeric_bars(f).map(|b| b.0).or_else(|| temporal_bars(f)) {
        let v: Vec<f64> = bars.iter().map(|b| b.count as f64).collect();
        return svg::spark(&v, &format!("distribution of {}", f.name));
    }
    match &f.frequent {
        Some(freq) if matches!(f.kind, Kind::String | Kind::Boolean | Kind::Date) => {
            let v: Vec<f64> = freq
                .top(json::TOP_VALUES)
                .iter()
                .map(|(_, c)| *c as f64)
                .collect();
            if v.is_empty() {
                String::new()
            } else {
                svg::spark(&v, &format!("top values of {}", f.name))
            }
        }
        _ => String::new(),
    }
}

/// The chart of a field: a histogram, its top values, a time span, or a placeholder saying why
/// there is none.
fn field_chart(f: &FieldProfile, scanned: bool) -> String {
    if f.rows() == 0 {
        return nodata("no data (no rows)");
    }
    if f.count == 0 {
        return nodata("no data (all null)");
    }
    if !scanned {
        return nodata("distribution not read: answered from metadata, no data page read");
    }
    if f.kind.is_numeric() {
        if let Some(h) = histogram_chart(f) {
            return h;
        }
        return nodata("no finite value (only NaN or infinities)");
    }
    if let Some(h) = temporal_chart(f) {
        return h;
    }
    match f.kind {
        Kind::String | Kind::Boolean | Kind::Date => top_values_chart(f).unwrap_or_else(|| {
            if f.distinct.estimate() as f64 >= 0.99 * f.count as f64 {
                nodata("every value is distinct: no value repeats, so none is charted")
            } else {
                nodata("no value occurs often enough to be kept by the frequent-values summary")
            }
        }),
        Kind::Timestamp => match &f.temporal {
            Some(t) if t.min.is_some() && t.max.is_some() => {
                let (lo, hi) = (t.min.unwrap_or(0), t.max.unwrap_or(0));
                figure(
                    "span",
                    &svg::span(
                        &short_time(lo),
                        &short_time(hi),
                        &span_text(hi - lo),
                        &format!("time span of {}", f.name),
                    ),
                    "first and last value (this profile keeps no distribution of the values)",
                )
            }
            _ => nodata("no bounds kept"),
        },
        k => nodata(&format!(
            "no distribution is profiled for {} fields",
            k.name()
        )),
    }
}

/// The quantile row of a field card: a cell per quantile of [`QUANTILES`] as `(text, title)`,
/// a line break in the text rendered as one; `context` is what the texts leave out (the day,
/// the year, the zone).
fn quantile_table(cells: &[(String, String)], context: &str, exact: bool) -> String {
    let head: String = QUANTILES
        .iter()
        .map(|(name, _)| {
            format!(
                "<th>p{}</th>",
                name.trim_start_matches("p0").trim_start_matches('p')
            )
        })
        .collect();
    let row: String = QUANTILES
        .iter()
        .zip(cells)
        .map(|((name, _), (text, title))| {
            let text: Vec<String> = text.split('\n').map(esc).collect();
            format!(
                r#"<td data-q="{name}" title="{}">{}</td>"#,
                esc(title),
                text.join("<br/>")
            )
        })
        .collect();
    let mut note = vec![if exact {
        "exact"
    } else {
        "approx., KLL sketch"
    }];
    if !context.is_empty() {
        note.push(context);
    }
    format!(
        r#"<table class="q"><thead><tr>{head}</tr></thead><tbody><tr>{row}</tr></tbody></table><p class="note">quantiles ({})</p>"#,
        esc(&note.join("; "))
    )
}

fn field_card(i: usize, f: &FieldProfile, scanned: bool) -> String {
    let mut stats = String::new();
    stats.push_str(&kv("rows", "non-null", &thousands(f.count)));
    stats.push_str(&kv(
        "nulls",
        "nulls",
        &format!("{} ({})", thousands(f.null_count), pct_text(f.null_rate())),
    ));
    if scanned {
        let distinct = if f.distinct.is_exact() {
            thousands(f.distinct.estimate())
        } else {
            format!("≈{} (approx.)", thousands(f.distinct.estimate()))
        };
        stats.push_str(&kv("distinct", "distinct", &distinct));
    }
    let (min, max) = f.bounds();
    if f.kind != Kind::Boolean {
        stats.push_str(&kv("min", "min", &value_text(&min)));
        stats.push_str(&kv("max", "max", &value_text(&max)));
    }
    let mut quantiles = String::new();
    if let Some(n) = &f.numeric
        && n.finite_count > 0
        && scanned
    {
        stats.push_str(&kv("mean", "mean", &num(n.mean)));
        stats.push_str(&kv(
            "stddev",
            "stddev",
            &n.stddev().map(num).unwrap_or_else(|| "–".into()),
        ));
        if n.nan_count > 0 {
            stats.push_str(&kv("nan", "NaN", &thousands(n.nan_count)));
        }
        if n.pos_inf_count + n.neg_inf_count > 0 {
            stats.push_str(&kv(
                "inf",
                "infinite",
                &thousands(n.pos_inf_count + n.neg_inf_count),
            ));
        }
        if n.sketch.count() > 0 {
            let qs: Vec<f64> = QUANTILES.iter().map(|q| q.1).collect();
            let values = n.sketch.quantiles(&qs);
            let cells: Vec<(String, String)> = values
                .iter()
                .map(|v| {
                    let t = v.map(num).unwrap_or_else(|| "–".into());
                    (t.clone(), t)
                })
                .collect();
            quantiles = quantile_table(&cells, "", n.sketch.is_exact());
        }
    }
    if let Some(t) = &f.temporal
        && let Some(k) = &t.sketch
        && let (Some(lo), Some(hi)) = (t.min, t.max)
        && k.count() > 0
        && scanned
    {
        let qs: Vec<f64> = QUANTILES.iter().map(|q| q.1).collect();
        let values = k.quantiles(&qs);
        let unit = time_unit(f);
        let (short, context) = time_labels::quantile_cells(unit, lo as f64, hi as f64, &values);
        let cells: Vec<(String, String)> = short
            .into_iter()
            .zip(&values)
            .map(|(text, v)| {
                let full = v.map_or_else(|| "–".into(), |v| time_labels::full(unit, v));
                (text, full)
            })
            .collect();
        quantiles = quantile_table(&cells, &context, k.is_exact());
    }
    if let Some(t) = &f.text {
        if let (Some(lo), Some(hi)) = (t.min_length, t.max_length) {
            let unit = if f.kind == Kind::Binary {
                "bytes"
            } else {
                "chars"
            };
            let text = if lo == hi {
                format!("{lo} {unit}")
            } else {
                format!("{lo}–{hi} {unit}")
            };
            stats.push_str(&kv("length", "length min–max", &text));
        }
        if t.empty_count > 0 {
            stats.push_str(&kv("empty", "empty", &thousands(t.empty_count)));
        }
    }
    if let Some(tz) = f.temporal.as_ref().and_then(|t| t.timezone.as_ref()) {
        stats.push_str(&kv("timezone", "time zone", tz));
    }
    if let Some(t) = f.top_share_bounds()
        && let Some(v) = &t.value
        && matches!(f.kind, Kind::Boolean)
    {
        stats.push_str(&kv("top", "most frequent", v));
    }
    format!(
        r#"<section class="card field" id="field-{i}" data-field="{}" data-kind="{}"><header><h3>{}</h3><span class="type">{} · {}</span></header><dl class="stats">{stats}</dl>{}{quantiles}</section>"#,
        esc(&f.name),
        f.kind.name(),
        esc(&f.name),
        f.kind.name(),
        esc(&f.data_type),
        field_chart(f, scanned)
    )
}

/// `profile --format html`: the table, then a card per field with its chart.
pub fn profile(p: &TableProfile, origin: &str, now: DateTime<Utc>) -> String {
    profile_page(p, origin, now, None)
}

/// `profile --metadata-only --format html`: what the footers answer exactly (counts and
/// bounds), a card per field they answer; the others are named.
pub fn metadata(
    p: &TableProfile,
    facts: &[FieldFacts],
    origin: &str,
    now: DateTime<Utc>,
) -> String {
    let mut q = p.clone();
    q.scan.scanned = false;
    q.fields = facts.iter().filter_map(FieldFacts::to_profile).collect();
    let unknown: Vec<&str> = facts
        .iter()
        .filter(|f| f.to_profile().is_none())
        .map(|f| f.name.as_str())
        .collect();
    let note = (!unknown.is_empty()).then(|| {
        format!(
            "not answered exactly by the {origin}, so left out: {}",
            unknown.join(", ")
        )
    });
    profile_page(&q, origin, now, note)
}

fn profile_page(
    p: &TableProfile,
    origin: &str,
    now: DateTime<Utc>,
    note: Option<String>,
) -> String {
    let mut body = format!(
        r#"<header class="top"><h1>Profile of <code>{}</code></h1>"#,
        esc(&p.source)
    );
    let partitions = match p.partitions.len() {
        0 => "whole table".to_string(),
        1 => format!("partition {}", p.partitions[0]),
        n => format!(
            "{n} partitions ({} .. {})",
            p.partitions[0],
            p.partitions[n - 1]
        ),
    };
    body.push_str(&format!(
        r#"<p class="meta"><b data-k="row_count">{}</b> rows · <b>{}</b> file(s), {} · {} · <b>{}</b> field(s) · profiled {}</p>"#,
        thousands(p.row_count),
        p.scan.files,
        format_size(p.scan.bytes),
        esc(&partitions),
        p.fields.len(),
        when(now)
    ));
    if let Some(s) = &p.snapshot {
        body.push_str(&format!(
            r#"<p class="meta">Iceberg snapshot <b>{}</b>, committed {}</p>"#,
            s.id,
            esc(&s.committed_at)
        ));
    }
    if !p.scan.scanned {
        body.push_str(&format!(
            r#"<p class="meta">Answered from {} only: no data page read, so no distribution.</p>"#,
            esc(origin)
        ));
    }
    if let Some(n) = note {
        body.push_str(&format!(r#"<p class="meta">{}</p>"#, esc(&n)));
    }
    body.push_str("</header>");
    // The overview: one row per field, linking to its card.
    body.push_str(r#"<h2>Fields</h2><table class="overview"><thead><tr><th>field</th><th>type</th><th class="num">nulls</th><th class="num">distinct</th><th>min</th><th>max</th><th>shape</th></tr></thead><tbody>"#);
    for (i, f) in p.fields.iter().enumerate() {
        let (min, max) = f.bounds();
        let rate = f.null_rate();
        body.push_str(&format!(
            r##"<tr><td><a href="#field-{i}"><code>{}</code></a></td><td>{}</td><td class="num"><span class="nullbar"><i style="width:{:.1}%"></i></span>{}</td><td class="num">{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"##,
            esc(&f.name),
            f.kind.name(),
            rate * 100.0,
            pct_text(rate),
            if f.distinct.is_exact() { "" } else { "≈" },
            if p.scan.scanned {
                thousands(f.distinct.estimate())
            } else {
                "–".into()
            },
            esc(&svg::truncate(&value_text(&min), 28)),
            esc(&svg::truncate(&value_text(&max), 28)),
            spark(f, p.scan.scanned)
        ));
    }
    body.push_str("</tbody></table><h2>Distributions</h2><main class=\"grid\">");
    for (i, f) in p.fields.iter().enumerate() {
        body.push_str(&field_card(i, f, p.scan.scanned));
    }
    body.push_str("</main>");
    page(&format!("Profile of {}", p.source), &body)
}

/// How bad a drift row is, for sorting worst first: status, then PSI.
fn drift_rank(r: &DriftRow) -> (u8, f64) {
    let s = match r.status {
        None => 0,
        Some(Status::Pass) => 1,
        Some(Status::Warn) => 2,
        Some(Status::Fail) => 3,
        Some(Status::Error) => 4,
    };
    (s, r.drift.as_ref().map_or(-1.0, |d| d.psi_high()))
}

/// The bins of a drift, labelled, with the edges between them for numbers.
fn drift_bins(d: &FieldDrift) -> (Vec<String>, Option<Vec<String>>) {
    match d.method {
        Method::Categorical => (d.categories.clone(), None),
        Method::Numeric => {
            let e: Vec<String> = d.edges.iter().map(|x| num(*x)).collect();
            let mut labels = Vec::with_capacity(e.len() + 1);
            for i in 0..=e.len() {
                labels.push(match (i, e.len()) {
                    (_, 0) => "all values".to_string(),
                    (0, _) => format!("< {}", e[0]),
                    (i, n) if i == n => format!("≥ {}", e[n - 1]),
                    (i, _) => format!("[{}, {})", e[i - 1], e[i]),
                });
            }
            (labels, Some(e))
        }
    }
}

/// At most this many categories are drawn (the largest, in order).
const MAX_CATEGORIES: usize = 24;

/// A drift card: the field's header (name, type, status badge, then `header_extra`) over `body`.
fn drift_section(i: usize, r: &DriftRow, header_extra: &str, body: &str) -> String {
    format!(
        r#"<section class="card drift {}" id="drift-{i}" data-field="{}" data-status="{}"><header><h3>{}</h3><span class="type">{}</span>{}{header_extra}</header>{body}</section>"#,
        r.status.map_or("na", Status::as_str),
        esc(&r.name),
        r.status.map_or("n/a", Status::as_str),
        esc(&r.name),
        r.kind.name(),
        badge(r.status),
    )
}

fn drift_card(i: usize, r: &DriftRow) -> String {
    let d = match &r.drift {
        Ok(d) => d,
        Err(why) => {
            return drift_section(
                i,
                r,
                "",
                &nodata(&format!("no distribution compared: {why}")),
            );
        }
    };
    let mut stats = String::new();
    if let Some(rg) = d.psi_range {
        stats.push_str(&kv(
            "psi_range",
            "PSI within sketch error",
            &format!("{:.4}..{:.4}", rg.low, rg.high),
        ));
    }
    stats.push_str(&kv(
        "n_baseline",
        "baseline values",
        &thousands(d.n_baseline),
    ));
    stats.push_str(&kv("n_current", "current values", &thousands(d.n_current)));
    if let Some(ks) = &d.ks {
        stats.push_str(&kv("ks", "KS statistic D", &format!("{:.4}", ks.statistic)));
        stats.push_str(&kv("ks_p", "KS p-value", &num(ks.p_value)));
    }
    if let Some(c) = &d.chi_square {
        stats.push_str(&kv(
            "chi2",
            "chi-square",
            &format!("{} (df {})", num(c.statistic), c.degrees_of_freedom),
        ));
        stats.push_str(&kv("chi2_p", "chi-square p", &num(c.p_value)));
    }
    let bins_how = match (d.method, d.binning) {
        (Method::Categorical, _) => "one bin per value".to_string(),
        (_, Some(crate::drift::Binning::Values)) => "one bin per baseline value".to_string(),
        _ => "baseline deciles".to_string(),
    };
    stats.push_str(&kv("bins", "bins", &bins_how));
    let (labels, edges) = drift_bins(d);
    // Categorical: the largest categories, in their order.
    let mut keep: Vec<usize> = (0..labels.len()).collect();
    let mut hidden = 0;
    if edges.is_none() && labels.len() > MAX_CATEGORIES {
        let size = |j: usize| {
            d.baseline_proportions
                .get(j)
                .copied()
                .unwrap_or(0.0)
                .max(d.current_proportions.get(j).copied().unwrap_or(0.0))
        };
        keep.sort_by(|a, b| size(*b).total_cmp(&size(*a)));
        keep.truncate(MAX_CATEGORIES);
        keep.sort_unstable();
        hidden = labels.len() - keep.len();
    }
    let pick = |v: &[f64]| -> Vec<f64> {
        keep.iter()
            .map(|&j| v.get(j).copied().unwrap_or(0.0))
            .collect()
    };
    let shown: Vec<String> = keep.iter().map(|&j| labels[j].clone()).collect();
    let chart = svg::overlay(
        &shown,
        edges.as_deref(),
        &pick(&d.baseline_proportions),
        &pick(&d.current_proportions),
        &pick(&d.contributions),
        &format!("baseline and current distribution of {}", r.name),
    );
    let mut caption = format!(
        "share of non-null values per bin; baseline {}, current {}",
        match d.baseline_counts {
            crate::drift::Counted::Counted => "counted exactly",
            crate::drift::Counted::Sketch => "read from a sketch",
        },
        match d.current_counts {
            crate::drift::Counted::Counted => "counted exactly",
            crate::drift::Counted::Sketch => "read from a sketch",
        }
    );
    if hidden > 0 {
        caption.push_str(&format!("; {hidden} smaller value(s) not drawn"));
    }
    let mut extra = String::new();
    let list = |vals: &[String]| -> String {
        let mut s: String = vals
            .iter()
            .take(12)
            .map(|v| format!("<code>{}</code> ", esc(v)))
            .collect();
        if vals.len() > 12 {
            s.push_str(&format!("and {} more", vals.len() - 12));
        }
        s
    };
    if !d.new_values.is_empty() {
        extra.push_str(&format!(
            r#"<p class="values" data-k="new_values">new: {}</p>"#,
            list(&d.new_values)
        ));
    }
    if !d.vanished_values.is_empty() {
        extra.push_str(&format!(
            r#"<p class="values" data-k="vanished_values">vanished: {}</p>"#,
            list(&d.vanished_values)
        ));
    }
    if let Some((_, status, message)) = &r.unit_change
        && *status != Status::Pass
    {
        extra.push_str(&format!(
            r#"<p class="values" data-k="unit_change">{} {}</p>"#,
            badge(Some(*status)),
            esc(message)
        ));
    }
    if !d.enough_data() {
        extra.push_str(&format!(
            r#"<p class="note">too little data to judge ({} / {} values, {} needed on each side)</p>"#,
            thousands(d.n_baseline),
            thousands(d.n_current),
            crate::drift::MIN_SAMPLE
        ));
    }
    // Every bin's PSI term, as a table folded away.
    let mut rows = String::new();
    for (j, l) in labels.iter().enumerate() {
        rows.push_str(&format!(
            r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{:.4}</td></tr>"#,
            esc(l),
            pct_text(d.baseline_proportions.get(j).copied().unwrap_or(0.0)),
            pct_text(d.current_proportions.get(j).copied().unwrap_or(0.0)),
            d.contributions.get(j).copied().unwrap_or(0.0)
        ));
    }
    extra.push_str(&format!(
        r#"<details><summary>PSI term of each of the {} bin(s)</summary><table class="bins"><thead><tr><th>bin</th><th class="num">baseline</th><th class="num">current</th><th class="num">PSI term</th></tr></thead><tbody>{rows}</tbody></table></details>"#,
        labels.len()
    ));
    drift_section(
        i,
        r,
        &format!(r#"<span class="big" data-k="psi">PSI {:.4}</span>"#, d.psi),
        &format!(
            r#"<dl class="stats">{stats}</dl>{}{extra}"#,
            figure("overlay", &chart, &caption)
        ),
    )
}

/// `drift --format html`: what was compared, the fields worst first with both distributions
/// on the frozen bins.
pub fn drift(r: &DriftReport, now: DateTime<Utc>) -> String {
    let mut rows: Vec<&DriftRow> = r.rows.iter().collect();
    rows.sort_by(|a, b| {
        let (sa, pa) = drift_rank(a);
        let (sb, pb) = drift_rank(b);
        sb.cmp(&sa).then(pb.total_cmp(&pa))
    });
    let mut body = format!(
        r#"<header class="top"><h1>Drift of <code>{}</code> {}</h1>"#,
        esc(&r.source),
        badge(Some(r.status))
    );
    let current = if r.current_partitions.is_empty() {
        "the whole table".to_string()
    } else {
        r.current_partitions.join(", ")
    };
    body.push_str(&format!(
        r#"<p class="meta">current: <b>{}</b> · baseline: <b>{}</b> · compared {}</p>"#,
        esc(&current),
        esc(&r.baseline.description),
        when(now)
    ));
    if !r.baseline.slices.is_empty() {
        let slices: Vec<String> = r
            .baseline
            .slices
            .iter()
            .map(|s| format!("{} ({} rows)", s.name, thousands(s.rows)))
            .collect();
        body.push_str(&format!(
            r#"<p class="meta">baseline slices: {}</p>"#,
            esc(&slices.join(", "))
        ));
    }
    for s in &r.baseline.skipped {
        body.push_str(&left_out(
            "meta",
            "left out of the baseline",
            s.field.as_deref().map(|f| format!(" of `{f}`")),
            &s.slice,
            &s.reason,
        ));
    }
    let count = |s: Option<Status>| rows.iter().filter(|r| r.status == s).count();
    body.push_str(&format!(
        r#"<div class="legend"><span><span class="swatch" style="background:var(--fail)"></span><b>{}</b> fail</span><span><span class="swatch" style="background:var(--warn)"></span><b>{}</b> warn</span><span><span class="swatch" style="background:var(--pass)"></span><b>{}</b> pass</span><span><span class="swatch" style="background:var(--na)"></span><b>{}</b> not compared</span></div>"#,
        count(Some(Status::Fail)),
        count(Some(Status::Warn)),
        count(Some(Status::Pass)),
        count(None)
    ));
    body.push_str("</header>");
    if !r.schema_changes.is_empty() {
        body.push_str(&format!(
            "<h2>Schema changes against {}</h2><ul class=\"schema-changes\">",
            esc(r.schema_baseline.as_deref().unwrap_or("the baseline"))
        ));
        for c in &r.schema_changes {
            body.push_str(&format!(
                "<li>{} {}</li>",
                badge(Some(Status::Warn)),
                esc(&c.describe())
            ));
        }
        body.push_str("</ul>");
    }
    body.push_str(r#"<h2>Fields, worst first</h2><table class="overview"><thead><tr><th>field</th><th>type</th><th class="num">PSI</th><th>status</th><th>evidence</th></tr></thead><tbody>"#);
    for (i, row) in rows.iter().enumerate() {
        let (psi, evidence) = match &row.drift {
            Ok(d) => {
                let mut ev = Vec::new();
                if let Some(ks) = &d.ks {
                    ev.push(format!("KS {:.3}", ks.statistic));
                }
                if let Some(c) = &d.chi_square {
                    ev.push(format!("chi² p={}", num(c.p_value)));
                }
                if !d.new_values.is_empty() {
                    ev.push(format!("{} new value(s)", d.new_values.len()));
                }
                if !d.vanished_values.is_empty() {
                    ev.push(format!("{} vanished value(s)", d.vanished_values.len()));
                }
                if let Some((_, s, _)) = &row.unit_change
                    && *s != Status::Pass
                {
                    ev.push("looks like a unit change".into());
                }
                (format!("{:.4}", d.psi), ev.join("; "))
            }
            Err(why) => ("–".into(), why.clone()),
        };
        body.push_str(&format!(
            r##"<tr data-status="{}"><td><a href="#drift-{i}"><code>{}</code></a></td><td>{}</td><td class="num">{psi}</td><td>{}</td><td>{}</td></tr>"##,
            row.status.map_or("n/a", Status::as_str),
            esc(&row.name),
            row.kind.name(),
            badge(row.status),
            esc(&evidence)
        ));
    }
    body.push_str(
        "</tbody></table><h2>Distributions on the baseline's bins</h2><main class=\"grid wide\">",
    );
    for (i, row) in rows.iter().enumerate() {
        body.push_str(&drift_card(i, row));
    }
    body.push_str("</main>");
    page(&format!("Drift of {}", r.source), &body)
}

/// The row counts of a table's baseline slices and this run, with the `row_count` check's
/// band when one was run.
fn row_count_chart(t: &crate::run::TableReport, results: &[CheckResult]) -> String {
    let Some(b) = t.baseline.as_ref().filter(|b| !b.slices.is_empty()) else {
        let why = t
            .no_baseline
            .clone()
            .unwrap_or_else(|| "no check of this table needs one".into());
        return nodata(&format!("no baseline: {why}"));
    };
    let short = |name: &str| {
        name.rsplit('/')
            .next()
            .map(|s| s.split_once('=').map_or(s, |(_, v)| v))
            .unwrap_or(name)
            .to_string()
    };
    let mut points: Vec<(String, u64, bool)> = b
        .slices
        .iter()
        .map(|s| (short(&s.name), s.rows, false))
        .collect();
    let today = match t.partitions.as_slice() {
        [one] => short(one),
        _ => "this run".to_string(),
    };
    points.push((today, t.rows, true));
    let rc = results.iter().find(|r| {
        r.check == CheckId::RowCount
            && r.table == t.name
            && r.field.is_none()
            && r.observed.get("baseline_mean").is_some()
    });
    let mean = rc.and_then(|r| r.observed["baseline_mean"].as_f64());
    let band = rc.and_then(|r| {
        let m = mean?;
        Some((
            r.expected["min_ratio"].as_f64()? * m,
            r.expected["max_ratio"].as_f64()? * m,
        ))
    });
    let caption = match (rc, band) {
        (Some(r), Some((lo, hi))) => format!(
            "row_count {}: {} rows; allowed {}..{} rows (shaded)",
            r.status.as_str(),
            thousands(t.rows),
            num(lo.round()),
            num(hi.round())
        ),
        _ => format!("{} rows in this run", thousands(t.rows)),
    };
    figure(
        "rowcounts",
        &svg::row_counts(
            &points,
            mean,
            band,
            &format!("rows per slice of {}", t.name),
        ),
        &caption,
    )
}

/// `check --format html` (and `run`): the verdict and its counts, each table with its row
/// counts, then per consumer its checks, failures first.
/// Passed checks of a consumer beyond this many fold into a `<details>` of their own.
pub const FOLD_PASSES: usize = 10;

pub fn check(r: &CheckReport) -> String {
    let results = &r.results;
    let s = Summary::of(results);
    let overall = crate::check::overall(results);
    let checked = r
        .tables
        .iter()
        .map(|t| t.checked_at)
        .max()
        .unwrap_or_else(Utc::now);
    let mut body = format!(
        r#"<header class="top"><h1>Check report {}</h1><p class="meta"><b>{}</b> check(s) of <b>{}</b> table(s) · checked {}</p>"#,
        badge(Some(overall)),
        s.total,
        r.tables.len(),
        when(checked)
    );
    let segments = [
        ("fail", s.fail, "#c62828"),
        ("error", s.error, "#6a1b9a"),
        ("warn", s.warn, "#b86e00"),
        ("pass", s.pass, "#2e7d32"),
    ];
    body.push_str(&svg::summary_bar(
        &segments,
        &format!(
            "{} failed, {} errors, {} warnings, {} passed",
            s.fail, s.error, s.warn, s.pass
        ),
    ));
    body.push_str(&format!(
        r#"<div class="legend summary-counts"><span data-k="fail"><span class="swatch" style="background:var(--fail)"></span><b>{}</b> failed</span><span data-k="error"><span class="swatch" style="background:var(--error)"></span><b>{}</b> error(s)</span><span data-k="warn"><span class="swatch" style="background:var(--warn)"></span><b>{}</b> warning(s)</span><span data-k="pass"><span class="swatch" style="background:var(--pass)"></span><b>{}</b> passed</span></div></header>"#,
        s.fail, s.error, s.warn, s.pass
    ));
    if !r.tables.is_empty() {
        body.push_str(r#"<h2>Tables</h2><div class="grid wide">"#);
        for t in &r.tables {
            let ts = crate::check::overall(
                &results
                    .iter()
                    .filter(|x| x.table == t.name)
                    .cloned()
                    .collect::<Vec<_>>(),
            );
            let mut meta = format!(
                r#"<p class="meta"><code>{}</code> · <b data-k="rows">{}</b> rows{}</p>"#,
                esc(&t.source),
                thousands(t.rows),
                esc(&match t.partitions.as_slice() {
                    [] => String::new(),
                    [one] => format!(" · {one}"),
                    [first, .., last] =>
                        format!(" · {} partitions ({first} .. {last})", t.partitions.len()),
                })
            );
            if let Some(b) = &t.baseline {
                meta.push_str(&format!(
                    r#"<p class="note">compared with {}</p>"#,
                    esc(&b.description)
                ));
                for sk in &b.skipped {
                    meta.push_str(&left_out(
                        "note",
                        "left out",
                        sk.field.as_deref().map(|f| format!(" of `{f}`'s baseline")),
                        &sk.slice,
                        &sk.reason,
                    ));
                }
            }
            body.push_str(&format!(
                r#"<section class="card table-card {}" data-table="{}"><header><h3>{}</h3>{}</header>{meta}{}</section>"#,
                ts.as_str(),
                esc(&t.name),
                esc(&t.name),
                badge(Some(ts)),
                row_count_chart(t, results)
            ));
        }
        body.push_str("</div>");
    }
    // Consumers in the order they first appear.
    let mut consumers: Vec<&str> = Vec::new();
    for x in results {
        if !consumers.contains(&x.consumer.as_str()) {
            consumers.push(&x.consumer);
        }
    }
    for c in consumers {
        let mut mine: Vec<&CheckResult> = results.iter().filter(|x| x.consumer == c).collect();
        mine.sort_by_key(|x| std::cmp::Reverse(x.status));
        let owner = mine.iter().find_map(|x| x.owner.clone());
        let cs = Summary::of(&mine.iter().map(|x| (*x).clone()).collect::<Vec<_>>());
        body.push_str(&format!(
            r#"<section class="consumer" data-consumer="{}"><h2>{} {}{}</h2><p class="meta">{} failed · {} error(s) · {} warning(s) · {} passed</p>"#,
            esc(c),
            esc(c),
            badge(Some(crate::check::overall(
                &mine.iter().map(|x| (*x).clone()).collect::<Vec<_>>()
            ))),
            owner
                .map(|o| format!(r#" <span class="type">owner {}</span>"#, esc(&o)))
                .unwrap_or_default(),
            cs.fail,
            cs.error,
            cs.warn,
            cs.pass
        ));
        // A long run of passes folds away; failures, errors and warnings stay open.
        let passes = mine.iter().filter(|x| x.status == Status::Pass).count();
        let fold = passes > FOLD_PASSES;
        let head = r#"<table class="results"><thead><tr><th>status</th><th>table</th><th>check</th><th>field</th><th>measured</th><th>threshold</th><th>contract</th></tr></thead><tbody>"#;
        let open_rows = mine.len() - if fold { passes } else { 0 };
        if open_rows > 0 {
            body.push_str(head);
        }
        for (k, x) in mine.into_iter().enumerate() {
            let st = x.status.as_str();
            if fold && k == open_rows {
                if open_rows > 0 {
                    body.push_str("</tbody></table>");
                }
                body.push_str(&format!(
                    r#"<details class="passes"><summary>{passes} passed check(s)</summary>{head}"#
                ));
            }
            body.push_str(&format!(
                r#"<tr class="result {st}" data-status="{st}" data-check="{}"><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td class="observed">{}</td><td class="expected">{}</td><td class="type">{}</td></tr>"#,
                x.check,
                badge(Some(x.status)),
                esc(&x.table),
                x.check,
                esc(x.field.as_deref().unwrap_or("–")),
                esc(&x.observed_text),
                esc(&x.expected_text),
                esc(&x.contract)
            ));
            if x.status != Status::Pass {
                let mut msg = esc(&x.message);
                if let Some(q) = &x.quarantine {
                    msg.push_str(&format!("<br/>quarantined: {}", esc(&q.text())));
                }
                body.push_str(&format!(
                    r#"<tr class="msg {st}"><td></td><td colspan="6">{msg}</td></tr>"#
                ));
            }
        }
        body.push_str(if fold {
            "</tbody></table></details></section>"
        } else {
            "</tbody></table></section>"
        });
    }
    if results.is_empty() {
        body.push_str(r#"<p class="nodata">no check was run</p>"#);
    }
    page("Plimsoll check report", &body)
}

/// The HTML report of a run that could not be completed: status `error` and why.
pub fn check_error(e: &crate::error::Error) -> String {
    let (message, causes, hint) = super::error_parts(e);
    let mut body = format!(
        r#"<header class="top"><h1>Check report {}</h1><p class="meta">the run could not be completed</p></header><div class="error-box"><p><b>error:</b> {}</p>"#,
        badge(Some(Status::Error)),
        esc(&message)
    );
    for c in causes {
        body.push_str(&format!("<p>Caused by: {}</p>", esc(&c)));
    }
    if let Some(h) = hint {
        body.push_str(&format!("<p><b>hint:</b> {}</p>", esc(&h)));
    }
    body.push_str("</div>");
    page("Plimsoll check report: error", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>alert("x&y")</script>'"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;"
        );
        assert_eq!(esc("a\u{1}b"), "a\u{fffd}b");
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(num(1234567.0), "1,234,567");
        assert_eq!(num(-1234.56), "-1,234.6");
        assert_eq!(num(90.9213), "90.921");
        assert_eq!(num(972.72), "972.72");
        assert_eq!(num(0.0123456), "0.01235");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(2.5e-7), "2.500e-7");
        assert_eq!(num(f64::NAN), "NaN");
    }

    #[test]
    fn spans() {
        assert_eq!(span_text(63_720_000_000), "17h 42m");
        assert_eq!(span_text(90_000_000_000 * 6), "6d 6h");
    }
}
