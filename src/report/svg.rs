//! Chart primitives for the HTML report: inline SVG strings, drawn in Rust, so a report needs no
//! script, font or image from anywhere and prints as it shows. Every text is escaped; every
//! chart carries `class="chart"`, a `role="img"` and an `aria-label`, and each mark a `<title>`
//! (the browser's tooltip).

use super::html::{esc, num};
use crate::contract::units::thousands;

/// The series colours: baseline grey, current blue, a highlight for today and PSI terms.
pub const BASELINE: &str = "#a8b1bb";
pub const CURRENT: &str = "#2f6fb3";
pub const ACCENT: &str = "#c9511f";
/// The least height of the PSI-term scale of the drift charts.
pub const PSI_SCALE: f64 = 0.05;

/// One bar of a histogram: `[lower, upper)` with its count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub lower: f64,
    pub upper: f64,
    pub count: u64,
}

fn open(w: f64, h: f64, label: &str, kind: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" role="img" aria-label="{}" viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMinYMin meet">"#,
        esc(label)
    )
}

/// Round tick values (steps of 1, 2, 2.5 or 5 × 10^k) from 0 to the first at or above `max`,
/// about `n` steps.
pub fn ticks(max: f64, n: usize) -> Vec<f64> {
    if max <= 0.0 || !max.is_finite() {
        return vec![0.0];
    }
    let raw = max / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let mut out = Vec::new();
    let mut i = 0.0;
    loop {
        let v = step * i;
        out.push(v);
        if v >= max * (1.0 - 1e-9) || i > 100.0 {
            return out;
        }
        i += 1.0;
    }
}

/// A vertical axis of counts with gridlines; returns the SVG and the value the top of the plot
/// stands for.
fn count_axis(max: u64, x0: f64, x1: f64, y0: f64, y1: f64) -> (String, f64) {
    let t = ticks(max as f64, 4);
    let top = t.last().copied().unwrap_or(0.0).max(max as f64).max(1.0);
    let mut s = String::new();
    for v in t {
        let y = y1 - (v / top) * (y1 - y0);
        s.push_str(&format!(
            r##"<line x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="#e3e7eb" stroke-width="1"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">{}</text>"##,
            x0 - 4.0,
            y + 3.5,
            compact(v)
        ));
    }
    (s, top)
}

/// A count for an axis: `1,200`, `45k`, `3.2M`.
pub fn compact(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if a >= 1e4 {
        format!("{}k", trim(v / 1e3))
    } else {
        thousands(v.round() as u64)
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.1}");
    s.trim_end_matches(".0").to_string()
}

/// A histogram of equal-width bins on a value axis, with count ticks and value ticks at the
/// ends and middle. `fmt` writes the value ticks.
pub fn histogram(bars: &[Bar], label: &str, fmt: &dyn Fn(f64) -> String) -> String {
    let (w, h) = (360.0, 150.0);
    let (x0, x1, y0, y1) = (46.0, w - 12.0, 8.0, h - 30.0);
    let mut s = open(w, h, label, "histogram");
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0);
    let (axis, top) = count_axis(max, x0, x1, y0, y1);
    s.push_str(&axis);
    let n = bars.len().max(1) as f64;
    let slot = (x1 - x0) / n;
    for (i, b) in bars.iter().enumerate() {
        let bh = (b.count as f64 / top) * (y1 - y0);
        let x = x0 + slot * i as f64;
        let what = if bars.len() == 1 || b.lower == b.upper {
            format!("{}: {} rows", fmt(b.lower), thousands(b.count))
        } else {
            format!(
                "[{}, {}{}: {} rows",
                fmt(b.lower),
                fmt(b.upper),
                if i + 1 == bars.len() { "]" } else { ")" },
                thousands(b.count)
            )
        };
        s.push_str(&format!(
            r#"<rect class="bar" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{CURRENT}" data-count="{}"><title>{}</title></rect>"#,
            x + 1.0,
            y1 - bh,
            (slot - 2.0).max(1.0),
            bh,
            b.count,
            esc(&what)
        ));
    }
    s.push_str(&format!(
        r##"<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="#57606a" stroke-width="1"/>"##
    ));
    let points = bars.len() > 1 && bars.iter().all(|b| b.lower == b.upper);
    if points {
        // A bar per value: each labelled under it, as many as fit.
        let widest = bars
            .iter()
            .map(|b| truncate(&fmt(b.lower), 8).chars().count())
            .max()
            .unwrap_or(1) as f64;
        let every = ((widest * 6.0 + 8.0) / slot).ceil().max(1.0) as usize;
        for (i, b) in bars.iter().enumerate().filter(|(i, _)| i % every == 0) {
            s.push_str(&format!(
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="tick">{}</text>"#,
                x0 + slot * (i as f64 + 0.5),
                y1 + 13.0,
                esc(&truncate(&fmt(b.lower), 8))
            ));
        }
    } else if let (Some(first), Some(last)) = (bars.first(), bars.last()) {
        // Value ticks: the first lower edge, the middle edge, the last upper edge.
        let mut marks = vec![(x0, first.lower, "start")];
        if bars.len() > 1 {
            marks.push((x1, last.upper, "end"));
            if bars.len() >= 4 {
                let mid = bars.len() / 2;
                marks.push((x0 + slot * mid as f64, bars[mid].lower, "middle"));
            }
        } else {
            marks[0] = ((x0 + x1) / 2.0, first.lower, "middle");
        }
        for (x, v, anchor) in marks {
            s.push_str(&format!(
                r##"<line x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{:.1}" stroke="#57606a"/><text x="{x:.1}" y="{:.1}" text-anchor="{anchor}" class="tick">{}</text>"##,
                y1 + 4.0,
                y1 + 15.0,
                esc(&fmt(v))
            ));
        }
    }
    s.push_str(&format!(
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="axis-label">{}</text>"#,
        (x0 + x1) / 2.0,
        h - 2.0,
        if points {
            "rows per value"
        } else {
            "value (rows per bin)"
        }
    ));
    s.push_str("</svg>");
    s
}

/// One row of a horizontal bar chart: a label, its count and the share it is of the total.
#[derive(Debug, Clone, PartialEq)]
pub struct HBar {
    pub label: String,
    pub count: u64,
    pub share: f64,
    /// Appended to the value text (`≥` for counts that are lower bounds).
    pub approx: bool,
}

/// Horizontal bars (most frequent values), labels on the left, share and count on the right.
pub fn hbars(rows: &[HBar], label: &str) -> String {
    let row_h = 18.0;
    let w = 360.0;
    let h = row_h * rows.len() as f64 + 6.0;
    let (lx, x0, x1) = (112.0, 116.0, 268.0);
    let mut s = open(w, h, label, "topvalues");
    let max = rows.iter().map(|r| r.share).fold(0.0, f64::max);
    for (i, r) in rows.iter().enumerate() {
        let y = 3.0 + row_h * i as f64;
        let bw = if max > 0.0 {
            (r.share / max) * (x1 - x0)
        } else {
            0.0
        };
        let shown = truncate(&r.label, 17);
        let value = format!(
            "{}{} ({})",
            if r.approx { "≥" } else { "" },
            super::html::pct_text(r.share),
            thousands(r.count)
        );
        s.push_str(&format!(
            r#"<text x="{lx}" y="{:.1}" text-anchor="end" class="label">{}</text><rect class="bar" x="{x0}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{CURRENT}" data-count="{}"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" class="tick">{}</text>"#,
            y + 12.0,
            esc(&shown),
            y + 2.0,
            bw.max(1.0),
            row_h - 5.0,
            r.count,
            esc(&r.label),
            esc(&value),
            x0 + bw + 4.0,
            y + 12.0,
            esc(&value)
        ));
    }
    s.push_str("</svg>");
    s
}

/// `s` cut to `n` characters with an ellipsis.
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let t: String = s.chars().take(n.saturating_sub(1)).collect();
        format!("{t}…")
    }
}

/// A time span: an axis from `lo` to `hi` with the span drawn across it (timestamps, whose
/// profile keeps bounds but no distribution).
pub fn span(lo: &str, hi: &str, length: &str, label: &str) -> String {
    let (w, h) = (360.0, 64.0);
    let (x0, x1) = (12.0, w - 12.0);
    let mut s = open(w, h, label, "span");
    s.push_str(&format!(
        r##"<rect class="bar" x="{x0}" y="14" width="{:.1}" height="14" rx="3" fill="{CURRENT}" opacity="0.8"><title>{} .. {}</title></rect><line x1="{x0}" y1="10" x2="{x0}" y2="34" stroke="#57606a"/><line x1="{x1}" y1="10" x2="{x1}" y2="34" stroke="#57606a"/><text x="{x0}" y="48" class="tick">{}</text><text x="{x1}" y="48" text-anchor="end" class="tick">{}</text><text x="{:.1}" y="60" text-anchor="middle" class="axis-label">span {}</text>"##,
        x1 - x0,
        esc(lo),
        esc(hi),
        esc(lo),
        esc(hi),
        (x0 + x1) / 2.0,
        esc(length)
    ));
    s.push_str("</svg>");
    s
}

/// Two distributions on the same bins (baseline grey, current blue, side by side) with a
/// legend, and under them each bin's PSI term as a row of small bars.
pub fn overlay(
    bins: &[String],
    edges: Option<&[String]>,
    baseline: &[f64],
    current: &[f64],
    contributions: &[f64],
    label: &str,
) -> String {
    let n = bins.len().max(1);
    let w = 560.0;
    let rotate = edges.is_none() && n > 6;
    let label_h = if rotate { 62.0 } else { 20.0 };
    let (x0, x1, y0, y1) = (46.0, w - 12.0, 24.0, 150.0);
    let psi_top = y1 + label_h + 12.0;
    let psi_h = 26.0;
    let h = psi_top + psi_h + 16.0;
    let mut s = open(w, h, label, "overlay");
    // Legend.
    s.push_str(&format!(
        r#"<g class="legend"><rect x="{x0}" y="4" width="10" height="10" fill="{BASELINE}"/><text x="{:.1}" y="13" class="tick">baseline</text><rect x="{:.1}" y="4" width="10" height="10" fill="{CURRENT}"/><text x="{:.1}" y="13" class="tick">current</text><rect x="{:.1}" y="4" width="10" height="10" fill="{ACCENT}"/><text x="{:.1}" y="13" class="tick">PSI term per bin</text></g>"#,
        x0 + 14.0,
        x0 + 74.0,
        x0 + 88.0,
        x0 + 144.0,
        x0 + 158.0
    ));
    let max = baseline.iter().chain(current).cloned().fold(0.0, f64::max);
    let t = ticks(max * 100.0, 4);
    let top = t.last().copied().unwrap_or(0.0).max(max * 100.0).max(1e-9);
    for v in &t {
        let y = y1 - (v / top) * (y1 - y0);
        s.push_str(&format!(
            r##"<line x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="#e3e7eb"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">{}%</text>"##,
            x0 - 4.0,
            y + 3.5,
            trim(*v)
        ));
    }
    let slot = (x1 - x0) / n as f64;
    let bw = ((slot - 4.0) / 2.0).max(1.0);
    // PSI terms on one scale for every field (at least 0.05 tall), so a field's tiny terms do
    // not look as large as another's drift.
    let cmax = contributions
        .iter()
        .cloned()
        .fold(0.0, f64::max)
        .max(PSI_SCALE);
    for (i, bin) in bins.iter().enumerate() {
        let x = x0 + slot * i as f64 + 2.0;
        let b = baseline.get(i).copied().unwrap_or(0.0);
        let c = current.get(i).copied().unwrap_or(0.0);
        let hb = (b * 100.0 / top) * (y1 - y0);
        let hc = (c * 100.0 / top) * (y1 - y0);
        let name = esc(bin);
        s.push_str(&format!(
            r#"<rect class="bar baseline" x="{x:.1}" y="{:.1}" width="{bw:.1}" height="{hb:.1}" fill="{BASELINE}"><title>{name}: baseline {}</title></rect><rect class="bar current" x="{:.1}" y="{:.1}" width="{bw:.1}" height="{hc:.1}" fill="{CURRENT}"><title>{name}: current {}</title></rect>"#,
            y1 - hb,
            super::html::pct_text(b),
            x + bw,
            y1 - hc,
            super::html::pct_text(c),
        ));
        if edges.is_none() {
            let cx = x0 + slot * (i as f64 + 0.5);
            let fit = ((slot / 6.2) as usize).clamp(4, 24);
            let text = esc(&truncate(bin, if rotate { 12 } else { fit }));
            if rotate {
                s.push_str(&format!(
                    r#"<text x="{cx:.1}" y="{:.1}" text-anchor="end" transform="rotate(-40 {cx:.1} {:.1})" class="tick">{text}</text>"#,
                    y1 + 12.0,
                    y1 + 12.0
                ));
            } else {
                s.push_str(&format!(
                    r#"<text x="{cx:.1}" y="{:.1}" text-anchor="middle" class="tick">{text}</text>"#,
                    y1 + 14.0
                ));
            }
        }
        // The bin's PSI term.
        let term = contributions.get(i).copied().unwrap_or(0.0);
        let th = if cmax > 0.0 {
            (term / cmax) * psi_h
        } else {
            0.0
        };
        s.push_str(&format!(
            r#"<rect class="psi-term" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{ACCENT}"><title>{name}: PSI term {}</title></rect>"#,
            x,
            psi_top + psi_h - th,
            (slot - 4.0).max(1.0),
            th.max(0.5),
            num(term)
        ));
    }
    // Numeric bins: the edges between slots, as many as fit.
    if let Some(edges) = edges {
        let every = ((48.0 / slot).ceil() as usize).max(1);
        for (j, e) in edges.iter().enumerate() {
            if j % every != 0 {
                continue;
            }
            let x = x0 + slot * (j + 1) as f64;
            s.push_str(&format!(
                r##"<line x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{:.1}" stroke="#57606a"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" class="tick">{}</text>"##,
                y1 + 4.0,
                y1 + 15.0,
                esc(e)
            ));
        }
    }
    s.push_str(&format!(
        r##"<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="#57606a"/><line x1="{x0}" y1="{:.1}" x2="{x1}" y2="{:.1}" stroke="#57606a"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">PSI</text><text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">{:.2}</text><line x1="{x0}" y1="{psi_top}" x2="{x1}" y2="{psi_top}" stroke="#e3e7eb"/>"##,
        psi_top + psi_h,
        psi_top + psi_h,
        x0 - 4.0,
        psi_top + psi_h - 2.0,
        x0 - 4.0,
        psi_top + 7.0,
        cmax
    ));
    s.push_str("</svg>");
    s
}

/// Rows per slice: the baseline's slices in grey, today in blue, the baseline mean dashed and
/// the band the `row_count` check allows shaded.
pub fn row_counts(
    points: &[(String, u64, bool)],
    mean: Option<f64>,
    band: Option<(f64, f64)>,
    label: &str,
) -> String {
    let (w, h) = (560.0, 170.0);
    let (x0, x1, y0, y1) = (50.0, w - 12.0, 10.0, h - 34.0);
    let mut s = open(w, h, label, "rowcounts");
    let mut max = points.iter().map(|p| p.1).max().unwrap_or(0) as f64;
    if let Some((_, hi)) = band {
        max = max.max(hi.min(max * 2.5));
    }
    let (axis, top) = count_axis(max.ceil() as u64, x0, x1, y0, y1);
    s.push_str(&axis);
    let y_of = |v: f64| y1 - (v.min(top) / top) * (y1 - y0);
    if let Some((lo, hi)) = band {
        s.push_str(&format!(
            r##"<rect class="band" x="{x0}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#2e7d32" opacity="0.10"><title>allowed: {} .. {} rows</title></rect>"##,
            y_of(hi),
            x1 - x0,
            (y_of(lo) - y_of(hi)).max(0.0),
            compact(lo),
            compact(hi)
        ));
    }
    let n = points.len().max(1) as f64;
    let slot = (x1 - x0) / n;
    let every = ((64.0 / slot).ceil() as usize).max(1);
    for (i, (name, rows, today)) in points.iter().enumerate() {
        let x = x0 + slot * i as f64;
        let y = y_of(*rows as f64);
        let fill = if *today { CURRENT } else { BASELINE };
        s.push_str(&format!(
            r#"<rect class="bar{}" x="{:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{fill}" data-rows="{rows}"><title>{}: {} rows</title></rect>"#,
            if *today { " today" } else { "" },
            x + slot * 0.15,
            slot * 0.7,
            y1 - y,
            esc(name),
            thousands(*rows)
        ));
        if i % every == 0 || *today {
            s.push_str(&format!(
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="tick{}">{}</text>"#,
                x + slot / 2.0,
                y1 + 14.0,
                if *today { " strong" } else { "" },
                esc(&truncate(name, 14))
            ));
        }
    }
    if let Some(m) = mean {
        let y = y_of(m);
        s.push_str(&format!(
            r##"<line class="mean" x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="#57606a" stroke-dasharray="5 3"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">baseline mean {}</text>"##,
            x1,
            y - 4.0,
            compact(m)
        ));
    }
    s.push_str(&format!(
        r##"<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="#57606a"/><text x="{:.1}" y="{:.1}" text-anchor="middle" class="axis-label">rows per slice (grey: baseline, blue: this run)</text>"##,
        (x0 + x1) / 2.0,
        h - 3.0
    ));
    s.push_str("</svg>");
    s
}

/// A tiny bar chart for a table cell (no axes): `values` scaled to the largest.
pub fn spark(values: &[f64], label: &str) -> String {
    let (w, h) = (120.0, 22.0);
    let max = values.iter().cloned().fold(0.0, f64::max);
    let slot = w / values.len().max(1) as f64;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="spark" role="img" aria-label="{}" viewBox="0 0 {w} {h}" width="{w}" height="{h}">"#,
        esc(label)
    );
    for (i, v) in values.iter().enumerate() {
        let bh = if max > 0.0 {
            (v / max) * (h - 2.0)
        } else {
            0.0
        };
        s.push_str(&format!(
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{CURRENT}"/>"#,
            slot * i as f64 + 0.5,
            h - bh.max(0.5),
            (slot - 1.0).max(0.5),
            bh.max(0.5)
        ));
    }
    s.push_str("</svg>");
    s
}

/// A stacked bar of status counts (fail, error, warn, pass), each segment labelled.
pub fn summary_bar(segments: &[(&str, usize, &str)], label: &str) -> String {
    let (w, h) = (1000.0, 26.0);
    let total: usize = segments.iter().map(|s| s.1).sum();
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart summary" role="img" aria-label="{}" viewBox="0 0 {w} {h}" width="100%" height="{h}" preserveAspectRatio="none">"#,
        esc(label)
    );
    let mut x = 0.0;
    for (name, count, colour) in segments {
        if *count == 0 || total == 0 {
            continue;
        }
        let sw = *count as f64 / total as f64 * w;
        s.push_str(&format!(
            r#"<rect class="seg {name}" x="{x:.2}" y="0" width="{sw:.2}" height="{h}" fill="{colour}"><title>{count} {name}</title></rect>"#
        ));
        x += sw;
    }
    if total == 0 {
        s.push_str(&format!(
            r##"<rect x="0" y="0" width="{w}" height="{h}" fill="#e3e7eb"/>"##
        ));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        assert_eq!(ticks(100.0, 4), vec![0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(ticks(7.0, 4), vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(ticks(9329.0, 4), vec![0.0, 2500.0, 5000.0, 7500.0, 10000.0]);
        assert_eq!(ticks(0.0, 4), vec![0.0]);
    }

    #[test]
    fn compact_counts() {
        assert_eq!(compact(1200.0), "1,200");
        assert_eq!(compact(45_000.0), "45k");
        assert_eq!(compact(3_200_000.0), "3.2M");
    }
}
