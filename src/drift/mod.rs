//! Drift: how far a field's distribution moved from its baseline. Pure functions over profiles.
//!
//! Numbers: PSI over bins frozen from the baseline (see [`edges_of`]): one bin per value when
//! the baseline has at most [`FEW_VALUES`] distinct values, otherwise 10 bins cut at its deciles
//! (duplicate edges removed, and a value holding a tenth of the baseline or more in a bin of its
//! own), with the two-sample Kolmogorov–Smirnov statistic beside it. Strings and booleans: PSI
//! over one bin per value seen on either side, with a chi-square test of homogeneity and the new
//! and vanished values. Every result carries its evidence (edges, both proportion vectors,
//! contributions, sample sizes, ε) and says whether each side's bin counts were counted exactly
//! or read from a sketch; when a sketch, the range PSI can take within the sketch's error.

pub mod scale;
pub mod stats;

use crate::profile::model::FEW_VALUES;
use crate::profile::sketch::KLL_K;
use crate::profile::{FieldProfile, Kind};
use serde::Serialize;
use stats::{ChiSquare, Ks, PSI_EPSILON, Psi};
use std::collections::BTreeMap;

/// Below this many non-null values on either side, drift is reported but not judged.
pub const MIN_SAMPLE: u64 = 100;

/// The KLL sketch's normalised rank error (99% of queries): a bin's count read from the sketch
/// (the difference of two ranks) is within twice this share of the values of the truth.
pub const KLL_RANK_ERROR: f64 = 1.7 / KLL_K as f64;

/// How a side's bin counts were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Counted {
    /// Exact counts (counted during the scan, or from an exact summary).
    Counted,
    /// Estimated from a sketch (quantile ranks or a heavy-hitters summary).
    Sketch,
}

/// How a field's distribution is binned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Bins cut at frozen numeric edges.
    Numeric,
    /// One bin per value.
    Categorical,
}

/// Where a numeric field's edges come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Binning {
    /// The baseline's deciles (a value holding a tenth of the baseline or more gets its own bin).
    Deciles,
    /// Each of the baseline's few distinct values in a bin of its own, and the gaps between.
    Values,
}

/// The range PSI can take within the error of the sketch a side's counts were read from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PsiRange {
    pub low: f64,
    pub high: f64,
}

/// The drift of one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDrift {
    pub name: String,
    pub method: Method,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binning: Option<Binning>,
    pub psi: f64,
    /// Set exactly when the baseline's counts come from a sketch (`baseline_counts: "sketch"`):
    /// the range PSI can take within its error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psi_range: Option<PsiRange>,
    /// Numeric: the interior bin edges. Categorical: empty (see `categories`).
    pub edges: Vec<f64>,
    /// Categorical: the bin labels.
    pub categories: Vec<String>,
    pub baseline_proportions: Vec<f64>,
    pub current_proportions: Vec<f64>,
    pub contributions: Vec<f64>,
    pub epsilon: f64,
    pub n_baseline: u64,
    pub n_current: u64,
    pub baseline_counts: Counted,
    pub current_counts: Counted,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ks: Option<Ks>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chi_square: Option<ChiSquare>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub new_values: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vanished_values: Vec<String>,
}

/// Why a field has no drift figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoDrift {
    /// A type without a distribution PSI is defined for (timestamps, binaries, nested).
    Unsupported(Kind),
    /// The baseline has no non-null value of the field.
    BaselineEmpty,
    /// The current slice has no non-null value of the field.
    CurrentEmpty,
    /// The two sides' types cannot be compared (a number against a string).
    Incomparable(Kind, Kind),
}

impl NoDrift {
    pub fn message(&self, field: &str) -> String {
        match self {
            NoDrift::Unsupported(k) => format!(
                "`{field}` is {}: PSI is computed for numbers, strings and booleans",
                k.name()
            ),
            NoDrift::BaselineEmpty => format!(
                "the baseline has no non-null value of `{field}`: its distribution cannot be compared (the null rate is checked by `null_rate_change`)"
            ),
            NoDrift::CurrentEmpty => format!(
                "`{field}` has no non-null value now: its distribution cannot be compared (the null rate is checked by `null_rate_change`)"
            ),
            NoDrift::Incomparable(b, c) => format!(
                "`{field}` was {} in the baseline and is {} now: the distributions cannot be compared",
                b.name(),
                c.name()
            ),
        }
    }
}

impl FieldDrift {
    /// Enough data on both sides to judge.
    pub fn enough_data(&self) -> bool {
        self.n_baseline >= MIN_SAMPLE && self.n_current >= MIN_SAMPLE
    }

    /// The highest PSI the data allow: the top of the range when the baseline was sketched.
    pub fn psi_high(&self) -> f64 {
        self.psi_range.map_or(self.psi, |r| r.high.max(self.psi))
    }
}

/// A field of the baseline: its slices merged, and each slice apart (bin counts are summed
/// over the slices, each exact where it can be: a slice counted against the edges in a scan,
/// or holding its few values, is exact even when the merged sketch is not).
#[derive(Debug, Clone)]
pub struct BaselineField<'a> {
    pub merged: &'a FieldProfile,
    pub slices: Vec<&'a FieldProfile>,
}

impl<'a> BaselineField<'a> {
    /// A baseline of one profile.
    pub fn one(p: &'a FieldProfile) -> Self {
        Self {
            merged: p,
            slices: vec![p],
        }
    }
}

/// A side's count in each bin, with the interval the true count lies in (equal when exact).
struct BinCounts {
    counts: Vec<u64>,
    bounds: Vec<(u64, u64)>,
    how: Counted,
}

impl BinCounts {
    fn exact(counts: Vec<u64>) -> Self {
        let bounds = counts.iter().map(|&c| (c, c)).collect();
        Self {
            counts,
            bounds,
            how: Counted::Counted,
        }
    }
}

/// Counts in the bins cut by `edges`: from a field's exact bins when they match, else from its
/// few exact values, else from its quantile sketch's ranks (exact while the sketch is).
fn numeric_counts(p: &FieldProfile, edges: &[f64]) -> Option<BinCounts> {
    let n = p.numeric.as_ref()?;
    if let Some(b) = n.bins.as_ref().filter(|b| b.edges == edges) {
        return Some(BinCounts::exact(b.counts.clone()));
    }
    let mut counts = vec![0u64; edges.len() + 1];
    let last = edges.len();
    counts[0] += n.neg_inf_count;
    counts[last] += n.pos_inf_count;
    if let Some(few) = &n.few_values {
        for &(v, c) in &few.0 {
            counts[stats::bin_index(edges, v)] += c;
        }
        return Some(BinCounts::exact(counts));
    }
    let total = n.sketch.count();
    let mut prev = 0u64;
    for (i, e) in edges.iter().enumerate() {
        let below = ((n.sketch.rank(*e) * total as f64).round() as u64).max(prev);
        counts[i] += below - prev;
        prev = below;
    }
    counts[last] += total.saturating_sub(prev);
    if n.sketch.is_exact() {
        return Some(BinCounts::exact(counts));
    }
    // Each bin is the difference of two ranks, each within the rank error.
    let slack = (2.0 * KLL_RANK_ERROR * total as f64).ceil() as u64;
    let bounds = counts
        .iter()
        .map(|&c| (c.saturating_sub(slack), c + slack))
        .collect();
    Some(BinCounts {
        counts,
        bounds,
        how: Counted::Sketch,
    })
}

/// The bin of the values a heavy-hitters summary did not keep.
pub const OTHER_VALUES: &str = "(other values)";

/// Value counts from the frequent-values summary; when it is not exact, the values it did not
/// keep (or kept with a count within its error bound) share one bin, so the proportions still
/// cover every non-null value. The bound says how far each kept count may be below the truth.
fn value_counts(p: &FieldProfile) -> Option<(BTreeMap<String, u64>, u64)> {
    let f = p.frequent.as_ref()?;
    // A kept count no larger than the bound says nothing about its value (any value may have
    // reached it), so such values join the other values; the rest are the heavy hitters.
    let bound = f.error_bound();
    let mut map: BTreeMap<String, u64> = f
        .iter()
        .filter(|(_, v)| f.is_exact() || **v > bound)
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let kept: u64 = map.values().sum();
    if !f.is_exact() && p.count > kept {
        *map.entry(OTHER_VALUES.to_string()).or_insert(0) += p.count - kept;
    }
    Some((map, f.error_bound()))
}

/// Count intervals of the categorical bins `labels` on a side whose kept counts are at most
/// `bound` below the truth, within what the summary describes: a kept value's count may be up
/// to `bound` higher, taken from the other-values bin (which then holds less); values the summary
/// did not keep stay in that bin.
fn value_intervals(map: &BTreeMap<String, u64>, bound: u64, labels: &[String]) -> Vec<(u64, u64)> {
    let other = map.get(OTHER_VALUES).copied().unwrap_or(0);
    let kept = map.keys().filter(|k| *k != OTHER_VALUES).count() as u64;
    labels
        .iter()
        .map(|l| match map.get(l) {
            Some(&c) if l == OTHER_VALUES => (c.saturating_sub(kept * bound), c),
            Some(&c) => (c, c + bound.min(other)),
            None => (0, 0),
        })
        .collect()
}

/// The distinct finite values of a baseline field, when it has at most [`FEW_VALUES`] and they
/// are known exactly.
fn few_values(baseline: &FieldProfile) -> Option<Vec<f64>> {
    let n = baseline.numeric.as_ref()?;
    if let Some(few) = &n.few_values {
        return Some(few.0.iter().map(|v| v.0).collect());
    }
    // Profiles without the exact list (stored by an earlier version): an exact sketch holds
    // every value.
    if n.sketch.is_exact() {
        let mut values: Vec<f64> = n.sketch.weighted().into_iter().map(|v| v.0 + 0.0).collect();
        values.dedup();
        if values.len() <= FEW_VALUES {
            return Some(values);
        }
    }
    None
}

/// How a baseline field's values are binned.
pub fn binning_of(baseline: &FieldProfile) -> Binning {
    if few_values(baseline).is_some() {
        Binning::Values
    } else {
        Binning::Deciles
    }
}

/// The frozen edges of a baseline field (None when it has no finite value).
///
/// * At most [`FEW_VALUES`] distinct values: an edge at each value `v` and one just above it
///   (`v.next_up()`), so every baseline value has a bin of its own and the gaps between them
///   (and below and above them) are bins too. A constant baseline against another constant,
///   or a new code value, then moves mass between bins.
/// * Otherwise its deciles p10..p90, duplicates removed; a decile repeated (a value holding at
///   least a tenth of the baseline) also gets an edge just above it, so that value has a bin of
///   its own rather than sharing one with the values above it.
pub fn edges_of(baseline: &FieldProfile) -> Option<Vec<f64>> {
    let n = baseline.numeric.as_ref()?;
    if n.finite_count == 0 {
        return None;
    }
    if let Some(values) = few_values(baseline) {
        let mut edges: Vec<f64> = values.iter().flat_map(|&v| [v, v.next_up()]).collect();
        edges.retain(|e| e.is_finite());
        return Some(stats::decile_edges(&edges));
    }
    let qs: Vec<f64> = (1..10).map(|i| i as f64 / 10.0).collect();
    let deciles: Vec<f64> = n.sketch.quantiles(&qs).into_iter().flatten().collect();
    let mut edges = deciles.clone();
    for w in deciles.windows(2) {
        if w[0] == w[1] && w[0].next_up().is_finite() {
            edges.push(w[0].next_up());
        }
    }
    Some(stats::decile_edges(&edges))
}

/// A side's values as a weighted sample for the KS statistic: its few exact values when known,
/// else the sketch's retained items.
fn weighted(p: &FieldProfile) -> Vec<(f64, u64)> {
    match p.numeric.as_ref() {
        Some(n) => match &n.few_values {
            Some(few) => few.0.clone(),
            None => n.sketch.weighted(),
        },
        None => Vec::new(),
    }
}

/// The drift of `current` from `baseline`, or why there is none.
pub fn field_drift(
    baseline: &BaselineField<'_>,
    current: &FieldProfile,
) -> Result<FieldDrift, NoDrift> {
    let merged = baseline.merged;
    let categorical = |k: Kind| matches!(k, Kind::String | Kind::Boolean);
    let supported = |k: Kind| k.is_numeric() || categorical(k);
    for k in [current.kind, merged.kind] {
        if !supported(k) {
            return Err(NoDrift::Unsupported(k));
        }
    }
    if merged.kind.is_numeric() != current.kind.is_numeric() {
        return Err(NoDrift::Incomparable(merged.kind, current.kind));
    }
    if merged.count == 0 {
        return Err(NoDrift::BaselineEmpty);
    }
    if current.count == 0 {
        return Err(NoDrift::CurrentEmpty);
    }
    if merged.kind.is_numeric() {
        let Some(edges) = edges_of(merged) else {
            // Only NaN or infinities: no finite value to cut bins at.
            return Err(NoDrift::BaselineEmpty);
        };
        let mut bc = vec![0u64; edges.len() + 1];
        let mut bounds = vec![(0u64, 0u64); edges.len() + 1];
        let mut bhow = Counted::Counted;
        for s in &baseline.slices {
            let side = numeric_counts(s, &edges).ok_or(NoDrift::BaselineEmpty)?;
            for (i, (c, b)) in side.counts.iter().zip(&side.bounds).enumerate() {
                bc[i] += c;
                bounds[i].0 += b.0;
                bounds[i].1 += b.1;
            }
            if side.how == Counted::Sketch {
                bhow = Counted::Sketch;
            }
        }
        let current_side = numeric_counts(current, &edges).ok_or(NoDrift::CurrentEmpty)?;
        let (cc, chow) = (current_side.counts, current_side.how);
        let psi: Psi = stats::psi(&bc, &cc, PSI_EPSILON);
        let n_baseline: u64 = bc.iter().sum();
        let range = (bhow == Counted::Sketch).then(|| {
            let (low, high) = stats::psi_range(&bounds, n_baseline, &psi.current, PSI_EPSILON);
            PsiRange { low, high }
        });
        let ks = stats::ks_two_sample(&weighted(merged), &weighted(current));
        return Ok(FieldDrift {
            name: current.name.clone(),
            method: Method::Numeric,
            binning: Some(binning_of(merged)),
            psi: psi.psi,
            psi_range: range,
            edges,
            categories: vec![],
            baseline_proportions: psi.baseline,
            current_proportions: psi.current,
            contributions: psi.contributions,
            epsilon: psi.epsilon,
            n_baseline,
            n_current: cc.iter().sum(),
            baseline_counts: bhow,
            current_counts: chow,
            ks,
            chi_square: None,
            new_values: vec![],
            vanished_values: vec![],
        });
    }
    let (b, bbound) = value_counts(merged).ok_or(NoDrift::Unsupported(merged.kind))?;
    let (c, cbound) = value_counts(current).ok_or(NoDrift::Unsupported(current.kind))?;
    let (labels, psi) = stats::psi_categorical(&b, &c, PSI_EPSILON);
    let (mut new_values, mut vanished_values) = stats::category_changes(&b, &c);
    new_values.retain(|v| v != OTHER_VALUES);
    vanished_values.retain(|v| v != OTHER_VALUES);
    let how = |bound: u64| {
        if bound == 0 {
            Counted::Counted
        } else {
            Counted::Sketch
        }
    };
    let n_baseline: u64 = b.values().sum();
    let range = (bbound > 0).then(|| {
        let bounds = value_intervals(&b, bbound, &labels);
        let (low, high) = stats::psi_range(&bounds, n_baseline, &psi.current, PSI_EPSILON);
        PsiRange { low, high }
    });
    Ok(FieldDrift {
        name: current.name.clone(),
        method: Method::Categorical,
        binning: None,
        psi: psi.psi,
        psi_range: range,
        edges: vec![],
        categories: labels,
        baseline_proportions: psi.baseline,
        current_proportions: psi.current,
        contributions: psi.contributions,
        epsilon: psi.epsilon,
        n_baseline,
        n_current: c.values().sum(),
        baseline_counts: how(bbound),
        current_counts: how(cbound),
        ks: None,
        chi_square: stats::chi_square(&b, &c),
        new_values,
        vanished_values,
    })
}
