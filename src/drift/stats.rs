//! Drift statistics: pure functions, no I/O.
//!
//! # Population Stability Index (PSI)
//!
//! * Numeric field: 10 bins cut at the baseline's deciles p10..p90 (duplicate edges removed),
//!   bins left-closed `[e(i-1), e(i))` with open ends at -inf and +inf.
//! * String/boolean field: one bin per value seen in either sample.
//! * Nulls are excluded (callers never pass them in).
//! * Each bin's proportion is floored at [`PSI_EPSILON`] (`1e-4`), and
//!   `PSI = Σ_bins (current − baseline) · ln(current / baseline)`.
//!
//! Every term `(c − b) · ln(c / b)` is ≥ 0 (both factors have the same sign), so PSI ≥ 0, with
//! equality exactly when the floored proportions agree; swapping the two samples leaves each
//! term unchanged, so PSI is symmetric.
//!
//! # Companion tests
//!
//! * Numeric: the two-sample Kolmogorov–Smirnov statistic [`ks_two_sample`], computed from
//!   weighted samples (e.g. the retained items of a KLL sketch) with an asymptotic p-value.
//! * Categorical: the chi-square test of homogeneity [`chi_square`] on the 2 × k table of counts.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};
use std::collections::{BTreeMap, BTreeSet};

/// Floor applied to every bin proportion before PSI is computed, so that an empty bin on one side
/// gives a large but finite contribution instead of an infinite one.
pub const PSI_EPSILON: f64 = 1e-4;

/// Interior bin edges from the baseline's deciles.
///
/// Given the baseline's deciles p10..p90 (normally 9 values, possibly with duplicates when the
/// data has heavy ties), sorts them, removes duplicates and returns the interior edges; the
/// number of bins is then `edges.len() + 1`.
///
/// Non-finite values (NaN, ±inf) are dropped: the outer bins are already open towards -inf and
/// +inf, so an infinite edge would only add an empty bin. `-0.0` is normalised to `0.0` so that
/// it deduplicates with `0.0` and serialises cleanly. An empty input gives no edges (one bin).
pub fn decile_edges(deciles: &[f64]) -> Vec<f64> {
    let mut edges: Vec<f64> = deciles
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        // Adding +0.0 turns -0.0 into +0.0 and leaves every other finite value unchanged.
        .map(|x| x + 0.0)
        .collect();
    edges.sort_by(f64::total_cmp);
    edges.dedup();
    edges
}

/// Index of the bin holding `x` for the interior `edges` (sorted ascending, as returned by
/// [`decile_edges`]).
///
/// The bins are `(-inf, e0), [e0, e1), …, [e_last, +inf)`: left-closed, so a value equal to an
/// edge belongs to the bin that starts at that edge. The index is the number of edges `<= x`
/// (found by binary search), which lies in `0..=edges.len()`. A NaN compares false with every
/// edge and yields 0; [`bin_counts`] skips NaN instead of calling this.
pub fn bin_index(edges: &[f64], x: f64) -> usize {
    edges.partition_point(|e| *e <= x)
}

/// Counts of `values` in each bin cut by `edges` (the result has `edges.len() + 1` entries).
///
/// Finite values are placed with [`bin_index`]; `-inf` goes to the first bin and `+inf` to the
/// last (the open ends); NaN values are skipped.
pub fn bin_counts(edges: &[f64], values: impl IntoIterator<Item = f64>) -> Vec<u64> {
    let mut counts = vec![0u64; edges.len() + 1];
    let last = edges.len();
    for x in values {
        let bin = if x.is_nan() {
            continue;
        } else if x == f64::NEG_INFINITY {
            0
        } else if x == f64::INFINITY {
            last
        } else {
            bin_index(edges, x)
        };
        // `bin` is always in 0..=last, so the slot exists.
        if let Some(slot) = counts.get_mut(bin) {
            *slot = slot.saturating_add(1);
        }
    }
    counts
}

/// Bin proportions `count / total`, each floored at `epsilon`.
///
/// The floor is applied per bin after dividing by the total; the floored proportions are *not*
/// renormalised (this is the product's definition of PSI). A zero total (no values) gives
/// `epsilon` in every bin.
pub fn proportions(counts: &[u64], epsilon: f64) -> Vec<f64> {
    // Summed in u128 so that no realistic input can overflow.
    let total: u128 = counts.iter().map(|&c| u128::from(c)).sum();
    if total == 0 {
        return vec![epsilon; counts.len()];
    }
    let total = total as f64;
    counts
        .iter()
        .map(|&c| (c as f64 / total).max(epsilon))
        .collect()
}

/// The Population Stability Index between two binned samples, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Psi {
    /// `Σ contributions`.
    pub psi: f64,
    /// Baseline proportions per bin, floored at `epsilon`.
    pub baseline: Vec<f64>,
    /// Current proportions per bin, floored at `epsilon`.
    pub current: Vec<f64>,
    /// Per-bin terms `(current − baseline) · ln(current / baseline)`, each ≥ 0.
    pub contributions: Vec<f64>,
    /// The floor that was applied to the proportions.
    pub epsilon: f64,
}

/// One PSI term `(c − b) · ln(c / b)` for floored proportions `b` and `c`.
///
/// Written as `(c − b) · (ln c − ln b)`, which is the same quantity but makes the term exactly
/// (bit-for-bit) symmetric in `b` and `c`, and exactly 0 when `b == c`. Equal proportions give 0
/// even when both are 0 (which only happens with a non-positive `epsilon`).
fn psi_term(b: f64, c: f64) -> f64 {
    if b == c {
        0.0
    } else {
        (c - b) * (c.ln() - b.ln())
    }
}

/// PSI over two aligned count vectors (the same bins, in the same order).
///
/// Proportions are computed with [`proportions`] (floored at `epsilon`, which should be > 0;
/// [`PSI_EPSILON`] is the product's value) and
/// `PSI = Σ_i (c_i − b_i) · ln(c_i / b_i)`.
///
/// If the vectors differ in length, the shorter one is treated as having zero counts in the
/// missing trailing bins (which then hold `epsilon`). Two empty vectors give PSI 0.
pub fn psi(baseline_counts: &[u64], current_counts: &[u64], epsilon: f64) -> Psi {
    let bins = baseline_counts.len().max(current_counts.len());
    let pad = |counts: &[u64]| {
        let mut v = counts.to_vec();
        v.resize(bins, 0);
        v
    };
    let baseline = proportions(&pad(baseline_counts), epsilon);
    let current = proportions(&pad(current_counts), epsilon);
    let contributions: Vec<f64> = baseline
        .iter()
        .zip(&current)
        .map(|(&b, &c)| psi_term(b, c))
        .collect();
    Psi {
        psi: contributions.iter().sum(),
        baseline,
        current,
        contributions,
        epsilon,
    }
}

/// The range PSI can take when the baseline's bin counts are only known within intervals
/// (read from a sketch): `baseline_bounds[i]` bounds bin `i`'s count, `total` is the baseline's
/// number of values, `current` the current proportions (floored).
///
/// Each term `(c − b) · (ln c − ln b)` is convex in `b` with its minimum 0 at `b = c`, so over
/// an interval of `b` its maximum is at an end and its minimum at `c` (when inside) or the nearer
/// end. Summing the per-bin extremes ignores that the proportions add up to 1, which only widens
/// the range: the result is conservative.
pub fn psi_range(
    baseline_bounds: &[(u64, u64)],
    total: u64,
    current: &[f64],
    epsilon: f64,
) -> (f64, f64) {
    if total == 0 {
        return (0.0, 0.0);
    }
    let (mut lo, mut hi) = (0.0, 0.0);
    for (&(a, b), &c) in baseline_bounds.iter().zip(current) {
        let pa = (a as f64 / total as f64).max(epsilon);
        let pb = (b.max(a) as f64 / total as f64).max(epsilon);
        let (ta, tb) = (psi_term(pa, c), psi_term(pb, c));
        hi += ta.max(tb);
        lo += if pa <= c && c <= pb { 0.0 } else { ta.min(tb) };
    }
    (lo, hi)
}

/// Values seen (count > 0) in either map, in sorted order.
fn seen_union(baseline: &BTreeMap<String, u64>, current: &BTreeMap<String, u64>) -> Vec<String> {
    let seen: BTreeSet<&String> = baseline
        .iter()
        .chain(current.iter())
        .filter(|(_, n)| **n > 0)
        .map(|(k, _)| k)
        .collect();
    seen.into_iter().cloned().collect()
}

/// Count of `key` in `map`, 0 when absent.
fn count_of(map: &BTreeMap<String, u64>, key: &str) -> u64 {
    map.get(key).copied().unwrap_or(0)
}

/// Categorical PSI: one bin per value seen in either map. A value counts as seen when its
/// count is positive; entries with a zero count on both sides are ignored, since they would
/// only add a bin holding `epsilon` on both sides with a zero contribution.
///
/// Returns the bin labels in sorted order alongside the [`Psi`], whose vectors are aligned with
/// the labels. Two empty maps give no bins and PSI 0.
pub fn psi_categorical(
    baseline: &BTreeMap<String, u64>,
    current: &BTreeMap<String, u64>,
    epsilon: f64,
) -> (Vec<String>, Psi) {
    let labels = seen_union(baseline, current);
    let b: Vec<u64> = labels.iter().map(|k| count_of(baseline, k)).collect();
    let c: Vec<u64> = labels.iter().map(|k| count_of(current, k)).collect();
    let result = psi(&b, &c, epsilon);
    (labels, result)
}

/// New and vanished categories: `(in current but not baseline, in baseline but not current)`,
/// each sorted. A value with a zero count counts as absent.
pub fn category_changes(
    baseline: &BTreeMap<String, u64>,
    current: &BTreeMap<String, u64>,
) -> (Vec<String>, Vec<String>) {
    let only_in = |a: &BTreeMap<String, u64>, b: &BTreeMap<String, u64>| -> Vec<String> {
        a.iter()
            .filter(|(k, n)| **n > 0 && count_of(b, k) == 0)
            .map(|(k, _)| k.clone())
            .collect()
    };
    (only_in(current, baseline), only_in(baseline, current))
}

/// Result of a two-sample Kolmogorov–Smirnov test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ks {
    /// `D = sup_x |F_b(x) − F_c(x)|`, in `[0, 1]`.
    pub statistic: f64,
    /// Asymptotic p-value `Q_KS(λ)` (see [`ks_two_sample`]).
    pub p_value: f64,
    /// Total weight (number of values) on the baseline side.
    pub n_baseline: u64,
    /// Total weight (number of values) on the current side.
    pub n_current: u64,
}

/// Kolmogorov's survival function `Q_KS(λ) = 2 Σ_{j≥1} (−1)^{j−1} exp(−2 j² λ²)`, i.e. the
/// asymptotic probability that `√n · D` exceeds `λ` under the null hypothesis.
///
/// `Q_KS` is 1 at λ ≤ 0 and decreases monotonically to 0. The alternating series converges
/// very fast for large λ but slowly near 0, so for `λ < 1.18` the equivalent Jacobi-theta form
/// `Q_KS(λ) = 1 − (√(2π)/λ) Σ_{j≥1} exp(−(2j−1)² π² / (8 λ²))` is summed instead (the same
/// function; this is the split used by Numerical Recipes, 3rd ed., §6.14). The result is
/// clamped to `[0, 1]`; NaN input gives NaN.
pub fn kolmogorov_q(lambda: f64) -> f64 {
    if lambda.is_nan() {
        return f64::NAN;
    }
    if lambda <= 0.0 {
        return 1.0;
    }
    let q = if lambda < 1.18 {
        // y^((2j-1)^2) with y = exp(-π²/(8λ²)); terms vanish quickly for λ < 1.18.
        let y = (-std::f64::consts::PI.powi(2) / (8.0 * lambda * lambda)).exp();
        let mut sum = 0.0;
        for j in 1..=20_i32 {
            let odd = f64::from(2 * j - 1);
            let term = y.powf(odd * odd);
            sum += term;
            if term < 1e-17 * sum {
                break;
            }
        }
        1.0 - (2.0 * std::f64::consts::PI).sqrt() / lambda * sum
    } else {
        let x = -2.0 * lambda * lambda;
        let mut sum = 0.0;
        let mut sign = 1.0;
        for j in 1..=100_i32 {
            let jf = f64::from(j);
            let term = (x * jf * jf).exp();
            sum += sign * term;
            if term < 1e-17 * sum.abs() {
                break;
            }
            sign = -sign;
        }
        2.0 * sum
    };
    q.clamp(0.0, 1.0)
}

/// Sorts a weighted sample by value, dropping NaN values and zero weights, and returns it with
/// its total weight (`None` if the total overflows `u64`).
fn prepare_weighted(sample: &[(f64, u64)]) -> Option<(Vec<(f64, u64)>, u64)> {
    let mut items: Vec<(f64, u64)> = sample
        .iter()
        .copied()
        .filter(|(x, w)| !x.is_nan() && *w > 0)
        .collect();
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = items
        .iter()
        .try_fold(0u64, |acc, (_, w)| acc.checked_add(*w))?;
    Some((items, total))
}

/// Sum of the weights of the items at the front of `items[*pos..]` equal to `x`, advancing `pos`
/// past them. `-0.0` and `0.0` compare equal and are therefore one tie group.
fn take_ties(items: &[(f64, u64)], pos: &mut usize, x: f64) -> u64 {
    let mut weight = 0u64;
    while let Some(&(v, w)) = items.get(*pos) {
        if v != x {
            break;
        }
        weight += w; // cannot overflow: bounded by the checked total
        *pos += 1;
    }
    weight
}

/// Two-sample Kolmogorov–Smirnov test from two *weighted* samples.
///
/// Each sample is a slice of `(value, weight)` pairs in any order, where the weight is a count
/// (this is how a KLL quantile sketch exposes its retained items; for raw data use weight 1).
/// NaN values and zero weights are ignored; ±inf are ordinary (extreme) values.
///
/// With `n_b`, `n_c` the total weights and `F_b`, `F_c` the weighted empirical CDFs
/// (`F(x) = weight of items ≤ x / n`), the statistic is `D = sup_x |F_b(x) − F_c(x)|`. The
/// supremum is attained at a jump, so it is evaluated exactly by merging the two sorted samples
/// and comparing the CDFs after *all* items equal to each distinct value (from either side)
/// have been taken — ties are never split. The comparison is done in integers,
/// `|cum_b · n_c − cum_c · n_b| / (n_b · n_c)`, so `D` is rounded only once.
///
/// The p-value is the asymptotic Kolmogorov distribution with effective sample size
/// `n_e = n_b · n_c / (n_b + n_c)`: `p = Q_KS(λ)` with
/// `λ = (√n_e + 0.12 + 0.11/√n_e) · D` (the Numerical Recipes form; see [`kolmogorov_q`]).
///
/// Returns `None` if either side is empty (no positive weight on a non-NaN value) or a side's
/// total weight overflows `u64`.
pub fn ks_two_sample(baseline: &[(f64, u64)], current: &[(f64, u64)]) -> Option<Ks> {
    let (b, n_b) = prepare_weighted(baseline)?;
    let (c, n_c) = prepare_weighted(current)?;
    if n_b == 0 || n_c == 0 {
        return None;
    }
    let (nb, nc) = (u128::from(n_b), u128::from(n_c));
    let (mut i, mut j) = (0usize, 0usize);
    let (mut cum_b, mut cum_c) = (0u128, 0u128);
    let mut max_diff = 0u128; // max |cum_b·n_c − cum_c·n_b|
    loop {
        // Next distinct value: the smaller of the two sides' next values.
        let x = match (b.get(i), c.get(j)) {
            (Some(&(xb, _)), Some(&(xc, _))) => {
                if xb <= xc {
                    xb
                } else {
                    xc
                }
            }
            (Some(&(xb, _)), None) => xb,
            (None, Some(&(xc, _))) => xc,
            (None, None) => break,
        };
        cum_b += u128::from(take_ties(&b, &mut i, x));
        cum_c += u128::from(take_ties(&c, &mut j, x));
        // Both products are < 2^128 because cum_b ≤ n_b < 2^64 and n_c < 2^64.
        let diff = (cum_b * nc).abs_diff(cum_c * nb);
        max_diff = max_diff.max(diff);
    }
    let statistic = (max_diff as f64 / (n_b as f64 * n_c as f64)).clamp(0.0, 1.0);
    let ne = n_b as f64 * n_c as f64 / (n_b as f64 + n_c as f64);
    let sqrt_ne = ne.sqrt();
    let lambda = (sqrt_ne + 0.12 + 0.11 / sqrt_ne) * statistic;
    Some(Ks {
        statistic,
        p_value: kolmogorov_q(lambda),
        n_baseline: n_b,
        n_current: n_c,
    })
}

/// Result of a chi-square test of homogeneity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChiSquare {
    /// `Σ (observed − expected)² / expected` over the 2 × k table.
    pub statistic: f64,
    /// `(rows − 1) · (k − 1) = k − 1`.
    pub degrees_of_freedom: u64,
    /// `P(χ²_df ≥ statistic)`.
    pub p_value: f64,
}

/// Chi-square test of homogeneity on the 2 × k contingency table of category counts.
///
/// Rows are the baseline and current samples, columns the categories (union of both maps'
/// keys, dropping categories whose total count is 0). With row totals `R_r`, column totals
/// `C_j` and grand total `N`, the expected count is `E_rj = R_r · C_j / N` and the statistic is
/// `Σ_rj (O_rj − E_rj)² / E_rj`, with `k − 1` degrees of freedom. The p-value is the survival
/// function of `statrs::distribution::ChiSquared`.
///
/// Returns `None` when fewer than 2 categories remain or either side has a zero total.
pub fn chi_square(
    baseline: &BTreeMap<String, u64>,
    current: &BTreeMap<String, u64>,
) -> Option<ChiSquare> {
    let labels = seen_union(baseline, current);
    if labels.len() < 2 {
        return None;
    }
    let counts: Vec<(f64, f64)> = labels
        .iter()
        .map(|k| (count_of(baseline, k) as f64, count_of(current, k) as f64))
        .collect();
    let total_b: f64 = counts.iter().map(|(b, _)| b).sum();
    let total_c: f64 = counts.iter().map(|(_, c)| c).sum();
    if total_b <= 0.0 || total_c <= 0.0 {
        return None;
    }
    let grand = total_b + total_c;
    // Σ over both rows of (O − E)² / E, with E = row total · column total / N.
    let cell = |observed: f64, row_total: f64, col_total: f64| {
        let expected = row_total * col_total / grand;
        let d = observed - expected;
        d * d / expected
    };
    let statistic: f64 = counts
        .iter()
        .map(|&(b, c)| cell(b, total_b, b + c) + cell(c, total_c, b + c))
        .sum();
    let degrees_of_freedom = (labels.len() - 1) as u64;
    let dist = ChiSquared::new(degrees_of_freedom as f64).ok()?;
    Some(ChiSquare {
        statistic,
        degrees_of_freedom,
        p_value: dist.sf(statistic).clamp(0.0, 1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn map(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// xorshift64* — a tiny deterministic generator for the reference tests.
    struct Rng(u64);
    impl Rng {
        fn next_u64(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        /// Uniform in [0, 1).
        fn unit(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    // ---------- edges and binning ----------

    #[test]
    fn decile_edges_sorts_and_removes_duplicates() {
        let deciles = [3.0, 1.0, 1.0, 2.0, 2.0, 2.0, 5.0, 5.0, 4.0];
        assert_eq!(decile_edges(&deciles), vec![1.0, 2.0, 3.0, 4.0, 5.0]);
        // All equal: one edge, two bins.
        assert_eq!(decile_edges(&[7.0; 9]), vec![7.0]);
        assert_eq!(decile_edges(&[]), Vec::<f64>::new());
        // -0.0 and 0.0 are the same edge; non-finite values are dropped.
        let e = decile_edges(&[0.0, -0.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1.0]);
        assert_eq!(e, vec![0.0, 1.0]);
        assert!(e[0].is_sign_positive());
    }

    #[test]
    fn bin_index_is_left_closed() {
        let edges = [1.0, 2.0, 3.0];
        // Bins: (-inf,1) [1,2) [2,3) [3,+inf)
        assert_eq!(bin_index(&edges, 0.5), 0);
        assert_eq!(bin_index(&edges, 1.0), 1); // equal to an edge → bin starting there
        assert_eq!(bin_index(&edges, 1.999), 1);
        assert_eq!(bin_index(&edges, 2.0), 2);
        assert_eq!(bin_index(&edges, 3.0), 3);
        assert_eq!(bin_index(&edges, 1e300), 3);
        assert_eq!(bin_index(&edges, f64::NEG_INFINITY), 0);
        assert_eq!(bin_index(&edges, f64::INFINITY), 3);
        assert_eq!(bin_index(&[], 42.0), 0);
    }

    #[test]
    fn bin_counts_hand_worked() {
        let edges = [1.0, 2.0, 3.0];
        let values = [
            0.0,
            1.0, // edge → bin 1
            1.5,
            2.0, // edge → bin 2
            2.0,
            3.0, // edge → bin 3
            9.0,
            f64::NEG_INFINITY, // bin 0
            f64::INFINITY,     // bin 3
            f64::NAN,          // skipped
        ];
        // bin 0: 0.0, -inf = 2; bin 1: 1.0, 1.5 = 2; bin 2: 2.0, 2.0 = 2; bin 3: 3.0, 9.0, +inf = 3
        assert_eq!(bin_counts(&edges, values), vec![2, 2, 2, 3]);
        // No edges: everything in the single bin, NaN still skipped.
        assert_eq!(bin_counts(&[], [f64::NAN, 1.0, f64::INFINITY]), vec![2]);
        assert_eq!(bin_counts(&edges, std::iter::empty()), vec![0, 0, 0, 0]);
    }

    #[test]
    fn proportions_floor_and_zero_total() {
        assert_eq!(proportions(&[3, 1, 0], 1e-4), vec![0.75, 0.25, 1e-4]);
        assert_eq!(proportions(&[0, 0], 1e-4), vec![1e-4, 1e-4]);
        assert_eq!(proportions(&[], 1e-4), Vec::<f64>::new());
    }

    // ---------- PSI ----------

    #[test]
    fn psi_hand_worked() {
        // b = [0.5, 0.5], c = [0.25, 0.75]
        // (0.25-0.5)·ln(0.25/0.5) = 0.25·ln 2
        // (0.75-0.5)·ln(0.75/0.5) = 0.25·ln 1.5
        // PSI = 0.25·(ln 2 + ln 1.5) = 0.25·ln 3 ≈ 0.274653
        let p = psi(&[50, 50], &[25, 75], PSI_EPSILON);
        assert!(close(p.psi, 0.25 * 3f64.ln(), 1e-15));
        assert!(close(p.contributions[0], 0.25 * 2f64.ln(), 1e-15));
        assert!(close(p.contributions[1], 0.25 * 1.5f64.ln(), 1e-15));
        assert_eq!(p.baseline, vec![0.5, 0.5]);
        assert_eq!(p.current, vec![0.25, 0.75]);
        assert_eq!(p.epsilon, PSI_EPSILON);
    }

    #[test]
    fn psi_floor_hand_worked() {
        // b = [1, 0 → 1e-4], c = [0.5, 0.5]
        // (0.5-1)·ln(0.5/1) = 0.5·ln 2
        // (0.5-1e-4)·ln(0.5/1e-4) = 0.4999·ln 5000
        let p = psi(&[10, 0], &[5, 5], 1e-4);
        let expected = 0.5 * 2f64.ln() + 0.4999 * 5000f64.ln();
        assert!(close(p.psi, expected, 1e-12));
        assert_eq!(p.baseline, vec![1.0, 1e-4]);
    }

    #[test]
    fn psi_identical_is_zero_and_edge_cases() {
        let p = psi(&[5, 0, 7, 100], &[5, 0, 7, 100], PSI_EPSILON);
        assert_eq!(p.psi, 0.0);
        // Proportional counts give the same proportions.
        assert_eq!(psi(&[1, 2, 3], &[10, 20, 30], PSI_EPSILON).psi, 0.0);
        let empty = psi(&[], &[], PSI_EPSILON);
        assert_eq!(empty.psi, 0.0);
        assert!(empty.contributions.is_empty());
        // Both sides without data: all bins at epsilon, PSI 0.
        assert_eq!(psi(&[0, 0], &[0, 0], PSI_EPSILON).psi, 0.0);
        // Mismatched lengths: padded with zero counts, no panic.
        let p = psi(&[1, 1], &[1, 1, 2], PSI_EPSILON);
        assert_eq!(p.baseline.len(), 3);
        assert!(p.psi > 0.0);
    }

    /// PSI computed directly from raw values, independently of the module's helpers:
    /// deciles by nearest rank, naive binning, floor, sum.
    fn reference_psi(baseline: &[f64], current: &[f64]) -> f64 {
        let mut sorted = baseline.to_vec();
        sorted.sort_by(|a, b| a.partial_cmp(b).expect("finite test data"));
        let n = sorted.len();
        let mut edges: Vec<f64> = Vec::new();
        for k in 1..=9 {
            // nearest rank: the ceil(k/10 · n)-th smallest value
            let rank = (k * n).div_ceil(10);
            let v = sorted[rank - 1];
            if !edges.contains(&v) {
                edges.push(v);
            }
        }
        let bins = edges.len() + 1;
        let count = |xs: &[f64]| {
            let mut c = vec![0.0f64; bins];
            for &x in xs {
                let mut bin = 0;
                for &e in &edges {
                    if x >= e {
                        bin += 1;
                    }
                }
                c[bin] += 1.0;
            }
            c
        };
        let (cb, cc) = (count(baseline), count(current));
        let mut total = 0.0;
        for i in 0..bins {
            let b = f64::max(cb[i] / baseline.len() as f64, 1e-4);
            let c = f64::max(cc[i] / current.len() as f64, 1e-4);
            total += (c - b) * (c / b).ln();
        }
        total
    }

    /// Nearest-rank deciles for the module route (same definition as a product would feed in).
    fn nearest_rank_deciles(values: &[f64]) -> Vec<f64> {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        (1..=9).map(|k| sorted[(k * n).div_ceil(10) - 1]).collect()
    }

    #[test]
    fn psi_matches_naive_reference_on_random_data() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..200 {
            let nb = 1 + (rng.next_u64() % 400) as usize;
            let nc = 1 + (rng.next_u64() % 400) as usize;
            let shift = rng.unit() * 2.0;
            let scale = 0.5 + rng.unit() * 2.0;
            // Every third round uses coarse values so that deciles collide (duplicate edges)
            // and many values sit exactly on an edge.
            let coarse = round % 3 == 0;
            let draw = |rng: &mut Rng, shift: f64, scale: f64| {
                let x = shift + scale * (rng.unit() + rng.unit() + rng.unit());
                if coarse { x.round() } else { x }
            };
            let baseline: Vec<f64> = (0..nb).map(|_| draw(&mut rng, 0.0, 1.0)).collect();
            let current: Vec<f64> = (0..nc).map(|_| draw(&mut rng, shift, scale)).collect();

            let edges = decile_edges(&nearest_rank_deciles(&baseline));
            let got = psi(
                &bin_counts(&edges, baseline.iter().copied()),
                &bin_counts(&edges, current.iter().copied()),
                PSI_EPSILON,
            );
            let want = reference_psi(&baseline, &current);
            assert!(
                close(got.psi, want, 1e-9),
                "round {round}: got {} want {want}",
                got.psi
            );
            // PSI of a sample against itself is zero.
            let same = bin_counts(&edges, baseline.iter().copied());
            assert_eq!(psi(&same, &same, PSI_EPSILON).psi, 0.0);
        }
    }

    #[test]
    fn psi_categorical_hand_worked() {
        let b = map(&[("a", 50), ("b", 50)]);
        let c = map(&[("b", 50), ("c", 50)]);
        let (labels, p) = psi_categorical(&b, &c, PSI_EPSILON);
        assert_eq!(labels, vec!["a", "b", "c"]);
        // b = [0.5, 0.5, 1e-4], c = [1e-4, 0.5, 0.5]
        // "a": (1e-4 - 0.5)·ln(1e-4/0.5) = 0.4999·ln 5000; "b": 0; "c": 0.4999·ln 5000
        assert_eq!(p.baseline, vec![0.5, 0.5, 1e-4]);
        assert_eq!(p.current, vec![1e-4, 0.5, 0.5]);
        let term = 0.4999 * 5000f64.ln();
        assert!(close(p.contributions[0], term, 1e-12));
        assert_eq!(p.contributions[1], 0.0);
        assert!(close(p.psi, 2.0 * term, 1e-12));

        // Booleans as strings: true 80/20 → 60/40.
        // (0.6-0.8)·ln(0.6/0.8) + (0.4-0.2)·ln(0.4/0.2) = 0.2·ln(4/3) + 0.2·ln 2 = 0.2·ln(8/3)
        let (_, p) = psi_categorical(
            &map(&[("true", 80), ("false", 20)]),
            &map(&[("true", 60), ("false", 40)]),
            PSI_EPSILON,
        );
        assert!(close(p.psi, 0.2 * (8.0f64 / 3.0).ln(), 1e-12));

        // Empty maps: no bins.
        let (labels, p) = psi_categorical(&BTreeMap::new(), &BTreeMap::new(), PSI_EPSILON);
        assert!(labels.is_empty());
        assert_eq!(p.psi, 0.0);
    }

    #[test]
    fn category_changes_new_and_vanished() {
        let b = map(&[("a", 1), ("b", 2), ("z", 3), ("zero", 0)]);
        let c = map(&[("b", 5), ("c", 1), ("d", 4), ("z", 0)]);
        let (new, vanished) = category_changes(&b, &c);
        assert_eq!(new, vec!["c", "d"]);
        // "z" has a zero count in current, so it vanished; "zero" was never seen.
        assert_eq!(vanished, vec!["a", "z"]);
        let (new, vanished) = category_changes(&b, &b);
        assert!(new.is_empty() && vanished.is_empty());
    }

    // ---------- KS ----------

    fn unit_weights(xs: &[f64]) -> Vec<(f64, u64)> {
        xs.iter().map(|&x| (x, 1)).collect()
    }

    /// D by brute force: for every value x seen, count items ≤ x on each side directly.
    fn reference_d(b: &[f64], c: &[f64]) -> f64 {
        let mut d: f64 = 0.0;
        for &x in b.iter().chain(c) {
            let fb = b.iter().filter(|&&v| v <= x).count() as f64 / b.len() as f64;
            let fc = c.iter().filter(|&&v| v <= x).count() as f64 / c.len() as f64;
            d = d.max((fb - fc).abs());
        }
        d
    }

    /// Q_KS by the plain alternating series with many terms (independent of `kolmogorov_q`).
    fn reference_q(lambda: f64) -> f64 {
        let mut s = 0.0;
        for j in 1..=200 {
            let j = j as f64;
            let sign = if j as i64 % 2 == 1 { 1.0 } else { -1.0 };
            s += sign * (-2.0 * j * j * lambda * lambda).exp();
        }
        2.0 * s
    }

    #[test]
    fn ks_hand_worked() {
        let ks = ks_two_sample(&unit_weights(&[1., 2., 3.]), &unit_weights(&[4., 5., 6.]))
            .expect("non-empty");
        assert_eq!(ks.statistic, 1.0);
        assert_eq!((ks.n_baseline, ks.n_current), (3, 3));
        // n_e = 9/6 = 1.5, λ = (√1.5 + 0.12 + 0.11/√1.5)·1 ≈ 1.4345, Q ≈ 2·e^{-2λ²} ≈ 0.0326
        let ne: f64 = 1.5;
        let lambda = ne.sqrt() + 0.12 + 0.11 / ne.sqrt();
        assert!(close(ks.p_value, reference_q(lambda), 1e-12));
        assert!(close(ks.p_value, 0.0326, 5e-4));

        // Identical samples: D = 0, p = 1 (order does not matter).
        let ks = ks_two_sample(&unit_weights(&[3., 1., 2.]), &unit_weights(&[1., 2., 3.]))
            .expect("non-empty");
        assert_eq!(ks.statistic, 0.0);
        assert_eq!(ks.p_value, 1.0);

        // Ties: b = [1,2,2,3], c = [2,2,2,2].
        // x=1: F_b = 1/4, F_c = 0   → 0.25
        // x=2: F_b = 3/4, F_c = 1   → 0.25   (splitting the tie would wrongly give 0.5 or 1)
        // x=3: F_b = 1,   F_c = 1   → 0
        let ks = ks_two_sample(&unit_weights(&[1., 2., 2., 3.]), &unit_weights(&[2.; 4]))
            .expect("non-empty");
        assert_eq!(ks.statistic, 0.25);

        // Ties across both sides: b = [1,2,2], c = [2,2,3].
        // x=1: 1/3 vs 0 → 1/3; x=2: 1 vs 2/3 → 1/3; x=3: 1 vs 1 → 0. D = 1/3.
        // A merge that evaluated between tied items (b's 2s before c's 2s) would see
        // F_b = 1, F_c = 0 and report D = 1.
        let ks = ks_two_sample(&unit_weights(&[2., 1., 2.]), &unit_weights(&[3., 2., 2.]))
            .expect("non-empty");
        assert!(close(ks.statistic, 1.0 / 3.0, 1e-15));

        // Interleaved: [1,2] vs [2,3] → D = 0.5.
        let ks =
            ks_two_sample(&unit_weights(&[1., 2.]), &unit_weights(&[2., 3.])).expect("non-empty");
        assert_eq!(ks.statistic, 0.5);

        // -0.0 and 0.0 are the same value.
        let ks = ks_two_sample(&unit_weights(&[-0.0]), &unit_weights(&[0.0])).expect("non-empty");
        assert_eq!(ks.statistic, 0.0);

        // Infinities are ordinary values.
        let ks = ks_two_sample(
            &unit_weights(&[f64::NEG_INFINITY, 0.0]),
            &unit_weights(&[0.0, f64::INFINITY]),
        )
        .expect("non-empty");
        assert_eq!(ks.statistic, 0.5);
    }

    #[test]
    fn ks_empty_sides() {
        assert!(ks_two_sample(&[], &[(1.0, 1)]).is_none());
        assert!(ks_two_sample(&[(1.0, 1)], &[]).is_none());
        // Only NaN / zero weights counts as empty.
        assert!(ks_two_sample(&[(f64::NAN, 3), (1.0, 0)], &[(1.0, 1)]).is_none());
        // Overflowing total weight: None rather than a panic.
        assert!(ks_two_sample(&[(1.0, u64::MAX), (2.0, 1)], &[(1.0, 1)]).is_none());
        // Huge but valid weights do not overflow the integer arithmetic.
        let ks = ks_two_sample(&[(1.0, u64::MAX)], &[(2.0, u64::MAX)]).expect("non-empty");
        assert_eq!(ks.statistic, 1.0);
        assert_eq!(ks.p_value, 0.0);
    }

    #[test]
    fn ks_weighted_equals_expanded() {
        let mut rng = Rng(12345);
        for _ in 0..100 {
            let gen_weighted = |rng: &mut Rng| -> Vec<(f64, u64)> {
                let n = 1 + rng.next_u64() % 12;
                (0..n)
                    .map(|_| ((rng.next_u64() % 8) as f64, rng.next_u64() % 5))
                    .collect()
            };
            let wb = gen_weighted(&mut rng);
            let wc = gen_weighted(&mut rng);
            let expand = |w: &[(f64, u64)]| -> Vec<f64> {
                w.iter()
                    .flat_map(|&(x, k)| std::iter::repeat_n(x, k as usize))
                    .collect()
            };
            let (eb, ec) = (expand(&wb), expand(&wc));
            let weighted = ks_two_sample(&wb, &wc);
            let expanded = ks_two_sample(&unit_weights(&eb), &unit_weights(&ec));
            assert_eq!(weighted, expanded);
            if let Some(ks) = weighted {
                assert!(close(ks.statistic, reference_d(&eb, &ec), 1e-12));
                assert_eq!(ks.n_baseline, eb.len() as u64);
            } else {
                assert!(eb.is_empty() || ec.is_empty());
            }
        }
    }

    #[test]
    fn kolmogorov_q_known_values() {
        // Tabulated critical values: Q_KS(1.36) ≈ 0.05, Q_KS(1.63) ≈ 0.01.
        // By hand: 2·e^{-2·1.36²} = 2·e^{-3.6992} ≈ 0.04949; 2·e^{-2·1.63²} ≈ 0.00984.
        assert!(close(kolmogorov_q(1.36), 0.0495, 5e-4));
        assert!(close(kolmogorov_q(1.63), 0.0098, 1e-4));
        assert!(close(kolmogorov_q(1.224), 0.1, 5e-4)); // α = 0.10 critical value 1.224
        assert_eq!(kolmogorov_q(0.0), 1.0);
        assert_eq!(kolmogorov_q(-1.0), 1.0);
        assert!(kolmogorov_q(f64::NAN).is_nan());
        assert_eq!(kolmogorov_q(f64::INFINITY), 0.0);
        // Both series forms agree with the plain series where it converges well.
        for k in 30..=400 {
            let lambda = k as f64 / 100.0;
            assert!(
                close(kolmogorov_q(lambda), reference_q(lambda), 1e-12),
                "λ = {lambda}"
            );
        }
        // Monotone decreasing in λ, from 1 towards 0, across the 1.18 switch.
        let mut prev = 1.0;
        for k in 1..=600 {
            let q = kolmogorov_q(k as f64 / 200.0);
            assert!(q <= prev, "not monotone at {k}");
            assert!((0.0..=1.0).contains(&q));
            prev = q;
        }
    }

    #[test]
    fn ks_p_value_decreases_with_d() {
        // Fixed sizes (10 vs 10), shift the current sample so D grows: p must not increase.
        let b: Vec<f64> = (0..10).map(f64::from).collect();
        let mut prev_d = -1.0;
        let mut prev_p = 2.0;
        for shift in 0..=10 {
            let c: Vec<f64> = (0..10).map(|i| f64::from(i + shift)).collect();
            let ks = ks_two_sample(&unit_weights(&b), &unit_weights(&c)).expect("non-empty");
            assert!(close(ks.statistic, f64::from(shift) / 10.0, 1e-15));
            assert!(ks.statistic > prev_d && ks.p_value <= prev_p);
            prev_d = ks.statistic;
            prev_p = ks.p_value;
        }
    }

    // ---------- chi-square ----------

    #[test]
    fn chi_square_textbook_2x3() {
        // Observed:          x    y    z   | row
        //   baseline        10   20   30   |  60
        //   current         20   20   20   |  60
        //   column          30   40   50   | 120
        // Expected = row·col/N: 15, 20, 25 in both rows.
        // χ² = 2·[(10-15)²/15 + 0 + (30-25)²/25] = 2·(25/15 + 1) = 16/3 ≈ 5.3333
        // df = 3 - 1 = 2; for df = 2 the survival function is e^{-x/2} = e^{-8/3} ≈ 0.069483
        let b = map(&[("x", 10), ("y", 20), ("z", 30)]);
        let c = map(&[("x", 20), ("y", 20), ("z", 20)]);
        let chi = chi_square(&b, &c).expect("valid table");
        assert!(close(chi.statistic, 16.0 / 3.0, 1e-12));
        assert_eq!(chi.degrees_of_freedom, 2);
        assert!(close(chi.p_value, (-8.0f64 / 3.0).exp(), 1e-9));
        assert!(close(chi.p_value, 0.069483, 1e-6));
    }

    #[test]
    fn chi_square_2x2_df1() {
        // [[30, 10], [10, 30]]: rows 40/40, columns 40/40, N = 80, all expected = 20.
        // χ² = 4 · (10²/20) = 20, df = 1; P(χ²_1 ≥ 20) = erfc(√10) ≈ 7.744216e-6.
        let chi = chi_square(&map(&[("a", 30), ("b", 10)]), &map(&[("a", 10), ("b", 30)]))
            .expect("valid table");
        assert!(close(chi.statistic, 20.0, 1e-12));
        assert_eq!(chi.degrees_of_freedom, 1);
        assert!(close(chi.p_value, 7.744216e-6, 1e-11));
    }

    #[test]
    fn chi_square_identical_and_degenerate() {
        let chi = chi_square(
            &map(&[("a", 10), ("b", 20), ("c", 30)]),
            &map(&[("a", 20), ("b", 40), ("c", 60)]),
        )
        .expect("valid table");
        assert_eq!(chi.statistic, 0.0);
        assert_eq!(chi.p_value, 1.0);
        // A category with zero total is dropped (df counts only the remaining ones).
        let chi = chi_square(
            &map(&[("a", 10), ("b", 20), ("gone", 0)]),
            &map(&[("a", 10), ("b", 20), ("gone", 0)]),
        )
        .expect("valid table");
        assert_eq!(chi.degrees_of_freedom, 1);
        // Fewer than 2 categories, or an empty side: None.
        assert!(chi_square(&map(&[("a", 5)]), &map(&[("a", 7)])).is_none());
        assert!(chi_square(&map(&[("a", 5), ("b", 1)]), &BTreeMap::new()).is_none());
        assert!(chi_square(&map(&[("a", 5), ("b", 0)]), &map(&[("a", 0), ("b", 3)])).is_some());
        assert!(chi_square(&BTreeMap::new(), &BTreeMap::new()).is_none());
    }

    #[test]
    fn results_serialize_round_trip() {
        let p = psi(&[1, 2, 3], &[3, 2, 1], PSI_EPSILON);
        let back: Psi =
            serde_json::from_str(&serde_json::to_string(&p).expect("serialize")).expect("parse");
        assert_eq!(back, p);
        let ks = ks_two_sample(&[(1.0, 2)], &[(2.0, 3)]).expect("non-empty");
        let back: Ks =
            serde_json::from_str(&serde_json::to_string(&ks).expect("serialize")).expect("parse");
        assert_eq!(back, ks);
    }

    proptest! {
        #[test]
        fn prop_psi_non_negative_and_symmetric(
            (a, b) in (1usize..12).prop_flat_map(|n| (
                proptest::collection::vec(0u64..1_000_000, n),
                proptest::collection::vec(0u64..1_000_000, n),
            ))
        ) {
            let ab = psi(&a, &b, PSI_EPSILON);
            let ba = psi(&b, &a, PSI_EPSILON);
            prop_assert!(ab.psi >= 0.0);
            prop_assert!(ab.contributions.iter().all(|&t| t >= 0.0));
            prop_assert!((ab.psi - ba.psi).abs() <= 1e-12);
            prop_assert_eq!(psi(&a, &a, PSI_EPSILON).psi, 0.0);
        }

        #[test]
        fn prop_ks_matches_brute_force(
            b in proptest::collection::vec(-5i32..5, 1..30),
            c in proptest::collection::vec(-5i32..5, 1..30),
        ) {
            let b: Vec<f64> = b.into_iter().map(f64::from).collect();
            let c: Vec<f64> = c.into_iter().map(f64::from).collect();
            let ks = ks_two_sample(&unit_weights(&b), &unit_weights(&c));
            prop_assert!(ks.is_some());
            if let Some(ks) = ks {
                prop_assert!((ks.statistic - reference_d(&b, &c)).abs() <= 1e-12);
                prop_assert!((0.0..=1.0).contains(&ks.p_value));
            }
        }
    }
}
