//! Scale: whether a numeric field's values look multiplied by a power of ten (dollars to cents,
//! seconds to milliseconds, grams to kilograms). Pure functions over profiles.
//!
//! Two signals, both from the profiles (quantile sketches and exact means):
//!
//! 1. **Ratios.** The current median and mean against the baseline's. When both are within
//!    `tolerance` (in log10) of the same `10^k`, `k ≠ 0`, every value looks rescaled.
//! 2. **A rescaled share.** A unit change on only part of the rows (one of five writers switched
//!    to cents) may leave the median where it was and move the mean by a factor that is no power
//!    of ten (×20.8 for a fifth in cents). So the current distribution is also fitted as a
//!    mixture of the baseline and the baseline rescaled by `10^k`:
//!    `G(x) = (1 − s)·F(x) + s·F(x / 10^k)`, where `F` and `G` are the baseline's and the
//!    current's CDFs. `s` is the least-squares share at points spread over both distributions
//!    (the quantiles of each side, and the baseline's rescaled); the fit counts when `s` is at
//!    least `min_share`, the gap between the CDFs is larger than noise, and the mixture leaves
//!    no gap larger than noise: a real partial rescaling is the baseline's own shape, twice, so
//!    it fits to within noise. A distribution that moved in another way (prices ×2 or ×5, a new
//!    mode) leaves a misfit many times the noise and is PSI's business, not this one's.
//!
//! Noise is the Kolmogorov–Smirnov critical gap at the 1% level for the two sample sizes,
//! `1.63·sqrt(1/n + 1/m)` (with `n` a typical baseline slice's count), plus three times the
//! quantile sketch's rank error. A share of values rescaled smaller than that gap (about 6% for
//! 2,000 rows a day, 1.6% for 100,000) is not told from noise.
//!
//! The baseline is robust to one bad slice: its median and mean are the medians of the slices'
//! medians and means, and its CDF the pointwise median of the slices' CDFs, so a day that was
//! itself in cents neither hides nor fakes a unit change on the days after it.

use super::{BaselineField, KLL_RANK_ERROR, MIN_SAMPLE, NoDrift};
use crate::profile::FieldProfile;
use serde::Serialize;

/// The powers of ten tried (`10^k` for `k` in this range, 0 excepted).
pub const EXPONENTS: std::ops::RangeInclusive<i32> = -9..=9;

/// The Kolmogorov–Smirnov critical coefficient at the 1% level: a gap between the CDFs below
/// `KS_CRITICAL · sqrt(1/n + 1/m)` is sampling noise.
pub const KS_CRITICAL: f64 = 1.63;

/// How a unit change was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// The median and the mean both moved by the same power of ten.
    Ratio,
    /// A share of the values looks rescaled (the CDF fits a mixture).
    Share,
}

/// The best rescaled-share fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fit {
    /// `k` of the factor `10^k`.
    pub exponent: i32,
    /// The share of the current values that looks rescaled by `10^k`.
    pub share: f64,
    /// The largest gap left between the current CDF and the fitted mixture.
    pub misfit: f64,
}

/// A numeric field's scale against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scale {
    pub baseline_median: f64,
    pub current_median: f64,
    /// current / baseline median; None when the baseline's is 0 or their signs differ.
    pub median_ratio: Option<f64>,
    pub baseline_mean: f64,
    pub current_mean: f64,
    /// current / baseline mean; None when the baseline's is 0 or their signs differ.
    pub mean_ratio: Option<f64>,
    /// The largest gap between the two CDFs (the Kolmogorov–Smirnov statistic at the points).
    pub ks: f64,
    /// The gap noise could explain (sampling and the sketches' error): the largest gap, and the
    /// largest misfit, that count as none.
    pub noise: f64,
    /// The best rescaled-share fit (None when no power of ten improves on no rescaling).
    pub fit: Option<Fit>,
    /// When the values look rescaled: how it was seen.
    pub evidence: Option<Evidence>,
    /// When the values look rescaled: `k` of the factor `10^k` (2 for dollars to cents).
    pub exponent: Option<i32>,
    /// When the values look rescaled: the share that did (1 for all).
    pub share: Option<f64>,
    pub n_baseline: u64,
    pub n_current: u64,
}

impl Scale {
    /// Enough data on both sides to judge.
    pub fn enough_data(&self) -> bool {
        self.n_baseline >= MIN_SAMPLE && self.n_current >= MIN_SAMPLE
    }

    /// The factor the values look multiplied by (`10^k`), when they do.
    pub fn factor(&self) -> Option<f64> {
        self.exponent.map(|k| 10f64.powi(k))
    }
}

/// A factor for people: `×100`, `×0.01`.
pub fn factor_text(k: i32) -> String {
    if k >= 0 {
        format!("×{}", 10u64.pow(k as u32))
    } else {
        format!("×0.{}1", "0".repeat((-k - 1) as usize))
    }
}

/// A ratio for people: `×1.02`, `×20.8`, `×0.0101`.
pub fn ratio_text(r: Option<f64>) -> String {
    match r {
        None => "n/a".into(),
        Some(r) if r >= 10.0 => format!("×{r:.1}"),
        Some(r) if r >= 0.1 => format!("×{r:.2}"),
        Some(r) => format!("×{r:.3e}"),
    }
}

/// A side's finite values as a step CDF.
struct Cdf {
    values: Vec<f64>,
    /// Cumulative weight up to and including each value.
    cum: Vec<u64>,
}

impl Cdf {
    fn of(p: &FieldProfile) -> Option<Cdf> {
        let n = p.numeric.as_ref()?;
        let items = match &n.few_values {
            Some(few) => few.0.clone(),
            None => n.sketch.weighted(),
        };
        let mut values = Vec::with_capacity(items.len());
        let mut cum = Vec::with_capacity(items.len());
        let mut acc = 0u64;
        for (v, w) in items {
            acc += w;
            values.push(v);
            cum.push(acc);
        }
        (acc > 0).then_some(Cdf { values, cum })
    }

    fn total(&self) -> u64 {
        self.cum.last().copied().unwrap_or(0)
    }

    /// The share of values strictly below `x`.
    fn below(&self, x: f64) -> f64 {
        let i = self.values.partition_point(|v| *v < x);
        if i == 0 {
            0.0
        } else {
            self.cum[i - 1] as f64 / self.total() as f64
        }
    }

    /// The nearest-rank quantile.
    fn quantile(&self, q: f64) -> f64 {
        let target = ((q.clamp(0.0, 1.0) * self.total() as f64).ceil() as u64).max(1);
        let i = self.cum.partition_point(|c| *c < target);
        self.values[i.min(self.values.len() - 1)]
    }
}

/// The median of some numbers (the mean of the middle two for an even count).
fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// The pointwise median of the slices' CDFs at `x` (`buf` is scratch space).
fn pointwise_median(cdfs: &[&Cdf], x: f64, buf: &mut Vec<f64>) -> f64 {
    buf.clear();
    buf.extend(cdfs.iter().map(|c| c.below(x)));
    buf.sort_unstable_by(f64::total_cmp);
    let n = buf.len();
    if n % 2 == 1 {
        buf[n / 2]
    } else {
        (buf[n / 2 - 1] + buf[n / 2]) / 2.0
    }
}

fn ratio(current: f64, baseline: f64) -> Option<f64> {
    let r = current / baseline;
    (baseline != 0.0 && r.is_finite() && r > 0.0).then_some(r)
}

/// How far `r` is from the nearest power of ten, in log10, with that power's exponent.
fn nearest_power(r: f64) -> (i32, f64) {
    let l = r.log10();
    let k = l.round();
    (k as i32, (l - k).abs())
}

/// The scale of `current` against `baseline`, judged with `tolerance` (log10) and `min_share`.
pub fn scale(
    baseline: &BaselineField<'_>,
    current: &FieldProfile,
    tolerance: f64,
    min_share: f64,
) -> Result<Scale, NoDrift> {
    let merged = baseline.merged;
    for k in [merged.kind, current.kind] {
        if !k.is_numeric() {
            return Err(NoDrift::Unsupported(k));
        }
    }
    let slices: Vec<(Cdf, f64, u64)> = baseline
        .slices
        .iter()
        .filter_map(|p| {
            let n = p.numeric.as_ref().filter(|n| n.finite_count > 0)?;
            Some((Cdf::of(p)?, n.mean, n.finite_count))
        })
        .collect();
    if slices.is_empty() {
        return Err(NoDrift::BaselineEmpty);
    }
    let cur_stats = current
        .numeric
        .as_ref()
        .filter(|n| n.finite_count > 0)
        .ok_or(NoDrift::CurrentEmpty)?;
    let g = Cdf::of(current).ok_or(NoDrift::CurrentEmpty)?;
    let baseline_median = median(slices.iter().map(|s| s.0.quantile(0.5)).collect());
    let baseline_mean = median(slices.iter().map(|s| s.1).collect());
    let current_median = g.quantile(0.5);
    let current_mean = cur_stats.mean;
    // The baseline's CDF: the pointwise median of its slices'.
    let cdfs: Vec<&Cdf> = slices.iter().map(|s| &s.0).collect();
    let mut buf = Vec::with_capacity(cdfs.len());
    let mut f = |x: f64| pointwise_median(&cdfs, x, &mut buf);
    let qs: Vec<f64> = (0..100).map(|i| (i as f64 + 0.5) / 100.0).collect();
    // The baseline's quantiles with its CDF there (rescaled, they are where rescaled values
    // would be), and every point: those and the current's quantiles.
    let mut bq: Vec<f64> = cdfs
        .iter()
        .flat_map(|c| qs.iter().map(|&q| c.quantile(q)))
        .collect();
    bq.sort_by(f64::total_cmp);
    bq.dedup();
    let bq: Vec<(f64, f64)> = bq.into_iter().map(|x| (x, f(x))).collect();
    let mut points: Vec<f64> = qs.iter().map(|&q| g.quantile(q)).collect();
    points.extend(bq.iter().map(|b| b.0));
    points.sort_by(f64::total_cmp);
    points.dedup();
    let at: Vec<(f64, f64, f64)> = points.iter().map(|&x| (x, g.below(x), f(x))).collect();
    let ks = at.iter().map(|p| (p.1 - p.2).abs()).fold(0.0, f64::max);
    let n_b = median(slices.iter().map(|s| s.2 as f64).collect());
    let n_c = cur_stats.finite_count as f64;
    let noise = KS_CRITICAL * (1.0 / n_b + 1.0 / n_c).sqrt() + 3.0 * KLL_RANK_ERROR;
    let (g_lo, g_hi) = (g.values[0], g.values[g.values.len() - 1]);
    let (b_lo, b_hi) = (bq[0].0, bq[bq.len() - 1].0);
    let mut fit: Option<Fit> = None;
    let mut rows: Vec<(f64, f64)> = Vec::with_capacity(at.len() + bq.len());
    for k in EXPONENTS.filter(|k| *k != 0) {
        let c = 10f64.powi(k);
        // A rescaling that puts no baseline value where the current has values explains
        // nothing (its share would be 0).
        if b_lo * c > g_hi || b_hi * c < g_lo {
            continue;
        }
        // Each row: G − F and F(x / c) − F, at the points and at the rescaled quantiles.
        rows.clear();
        rows.extend(at.iter().map(|&(x, gx, fx)| (gx - fx, f(x / c) - fx)));
        for &(x, fx) in &bq {
            let fxc = f(x * c);
            rows.push((g.below(x * c) - fxc, fx - fxc));
        }
        let (num, den) = rows
            .iter()
            .fold((0.0, 0.0), |(a, b), r| (a + r.0 * r.1, b + r.1 * r.1));
        if den <= 0.0 {
            continue;
        }
        let share = (num / den).clamp(0.0, 1.0);
        let misfit = rows
            .iter()
            .map(|r| (r.0 - share * r.1).abs())
            .fold(0.0, f64::max);
        if share > 0.0 && fit.is_none_or(|b| misfit < b.misfit) {
            fit = Some(Fit {
                exponent: k,
                share,
                misfit,
            });
        }
    }
    let median_ratio = ratio(current_median, baseline_median);
    let mean_ratio = ratio(current_mean, baseline_mean);
    let significant = ks > noise;
    let explained = |b: &Fit| b.share >= min_share && b.misfit <= noise;
    let by_ratio = match (median_ratio, mean_ratio) {
        (Some(m), Some(a)) => {
            let ((km, dm), (ka, da)) = (nearest_power(m), nearest_power(a));
            (km == ka && km != 0 && dm <= tolerance && da <= tolerance).then_some(km)
        }
        _ => None,
    };
    let (evidence, exponent, share) = match (by_ratio, fit) {
        (Some(k), fit) if significant => (
            Some(Evidence::Ratio),
            Some(k),
            Some(fit.filter(|b| b.exponent == k).map_or(1.0, |b| b.share)),
        ),
        (_, Some(b)) if significant && explained(&b) => {
            (Some(Evidence::Share), Some(b.exponent), Some(b.share))
        }
        _ => (None, None, None),
    };
    Ok(Scale {
        baseline_median,
        current_median,
        median_ratio,
        baseline_mean,
        current_mean,
        mean_ratio,
        ks,
        noise,
        fit,
        evidence,
        exponent,
        share,
        n_baseline: merged.numeric.as_ref().map_or(0, |n| n.finite_count),
        n_current: cur_stats.finite_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_and_ratios_read_as_written() {
        assert_eq!(factor_text(2), "×100");
        assert_eq!(factor_text(1), "×10");
        assert_eq!(factor_text(-2), "×0.01");
        assert_eq!(factor_text(-1), "×0.1");
        assert_eq!(factor_text(3), "×1000");
        assert_eq!(ratio_text(Some(20.84)), "×20.8");
        assert_eq!(ratio_text(Some(1.016)), "×1.02");
        assert_eq!(ratio_text(None), "n/a");
    }

    #[test]
    fn nearest_powers_of_ten() {
        let (k, d) = nearest_power(100.0);
        assert_eq!(k, 2);
        assert!(d < 1e-12);
        let (k, d) = nearest_power(0.0125);
        assert_eq!(k, -2);
        assert!((d - 0.0969).abs() < 1e-3, "{d}");
        // ×5 is 0.7 of a power of ten: 0.3 from ×10.
        let (k, d) = nearest_power(5.0);
        assert_eq!(k, 1);
        assert!((d - (1.0 - 5f64.log10())).abs() < 1e-12 && d > 0.3 && d < 0.302);
        assert_eq!(ratio(5.0, 0.0), None);
        assert_eq!(ratio(-5.0, 1.0), None);
        assert_eq!(ratio(-5.0, -1.0), Some(5.0));
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
