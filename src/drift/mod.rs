//! Drift: how far a field's distribution moved from its baseline. Pure functions over profiles.
//!
//! Numbers: PSI over 10 bins cut at the baseline's deciles (duplicate edges removed), with the
//! two-sample Kolmogorov–Smirnov statistic beside it. Strings and booleans: PSI over one
//! bin per value seen on either side, with a chi-square test of homogeneity and the new and
//! vanished values. Every result carries its evidence (edges, both proportion vectors,
//! contributions, sample sizes, ε) and says whether each side's bin counts were counted exactly
//! or read from a sketch.

pub mod stats;

use crate::profile::{FieldProfile, Kind};
use serde::Serialize;
use stats::{ChiSquare, Ks, PSI_EPSILON, Psi};
use std::collections::BTreeMap;

/// Below this many non-null values on either side, drift is reported but not judged.
pub const MIN_SAMPLE: u64 = 100;

/// How a side's bin counts were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Counted {
    /// Exact counts (counted during the scan, or from an exact summary).
    Counted,
    /// Estimated from a sketch (quantile ranks or a heavy-hitters summary).
    Sketch,
}

/// The drift of one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDrift {
    pub name: String,
    /// `numeric` or `categorical`.
    pub method: &'static str,
    pub psi: f64,
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

impl FieldDrift {
    /// The drift of `field` with its PSI evidence; method-specific parts empty.
    fn new(
        field: &FieldProfile,
        method: &'static str,
        psi: Psi,
        n: (u64, u64),
        how: (Counted, Counted),
    ) -> Self {
        FieldDrift {
            name: field.name.clone(),
            method,
            psi: psi.psi,
            edges: vec![],
            categories: vec![],
            baseline_proportions: psi.baseline,
            current_proportions: psi.current,
            contributions: psi.contributions,
            epsilon: psi.epsilon,
            n_baseline: n.0,
            n_current: n.1,
            baseline_counts: how.0,
            current_counts: how.1,
            ks: None,
            chi_square: None,
            new_values: vec![],
            vanished_values: vec![],
        }
    }

    /// Enough data on both sides to judge.
    pub fn enough_data(&self) -> bool {
        self.n_baseline >= MIN_SAMPLE && self.n_current >= MIN_SAMPLE
    }
}

/// Counts in the bins cut by `edges`, from a field's exact bins when they match, otherwise from
/// its quantile sketch's ranks (exact while the sketch is).
fn numeric_counts(p: &FieldProfile, edges: &[f64]) -> Option<(Vec<u64>, Counted)> {
    let n = p.numeric.as_ref()?;
    if let Some(b) = n.bins.as_ref().filter(|b| b.edges == edges) {
        return Some((b.counts.clone(), Counted::Counted));
    }
    let total = n.sketch.count() as f64;
    let mut counts = Vec::with_capacity(edges.len() + 1);
    let mut prev = 0u64;
    for e in edges {
        let below = (n.sketch.rank(*e) * total).round() as u64;
        counts.push(below.saturating_sub(prev));
        prev = below.max(prev);
    }
    counts.push((total as u64).saturating_sub(prev));
    counts[0] += n.neg_inf_count;
    if let Some(last) = counts.last_mut() {
        *last += n.pos_inf_count;
    }
    let how = if n.sketch.is_exact() {
        Counted::Counted
    } else {
        Counted::Sketch
    };
    Some((counts, how))
}

/// The bin of the values a heavy-hitters summary did not keep.
pub const OTHER_VALUES: &str = "(other values)";

/// Value counts from the frequent-values summary; when it is not exact, the values it did not
/// keep share one bin, so the proportions still cover every non-null value.
fn value_counts(p: &FieldProfile) -> Option<(BTreeMap<String, u64>, Counted)> {
    let f = p.frequent.as_ref()?;
    let mut map: BTreeMap<String, u64> = f.iter().map(|(k, v)| (k.clone(), *v)).collect();
    let kept: u64 = map.values().sum();
    if !f.is_exact() && p.count > kept {
        *map.entry(OTHER_VALUES.to_string()).or_insert(0) += p.count - kept;
    }
    let how = if f.is_exact() {
        Counted::Counted
    } else {
        Counted::Sketch
    };
    Some((map, how))
}

/// The frozen edges of a baseline field: its deciles p10..p90, duplicates removed.
pub fn edges_of(baseline: &FieldProfile) -> Option<Vec<f64>> {
    let n = baseline.numeric.as_ref()?;
    if n.finite_count == 0 {
        return None;
    }
    let qs: Vec<f64> = (1..10).map(|i| i as f64 / 10.0).collect();
    let deciles: Vec<f64> = n.sketch.quantiles(&qs).into_iter().flatten().collect();
    Some(stats::decile_edges(&deciles))
}

/// The drift of `current` from `baseline`, or None for types without a distribution
/// (timestamps, binaries, nested) or a side without values.
pub fn field_drift(baseline: &FieldProfile, current: &FieldProfile) -> Option<FieldDrift> {
    if baseline.kind.is_numeric() && current.kind.is_numeric() {
        let edges = edges_of(baseline)?;
        let (bc, bhow) = numeric_counts(baseline, &edges)?;
        let (cc, chow) = numeric_counts(current, &edges)?;
        let psi: Psi = stats::psi(&bc, &cc, PSI_EPSILON);
        let b = baseline.numeric.as_ref()?;
        let c = current.numeric.as_ref()?;
        let ks = stats::ks_two_sample(&b.sketch.weighted(), &c.sketch.weighted());
        return Some(FieldDrift {
            edges,
            ks,
            ..FieldDrift::new(
                current,
                "numeric",
                psi,
                (bc.iter().sum(), cc.iter().sum()),
                (bhow, chow),
            )
        });
    }
    let categorical = |k: Kind| matches!(k, Kind::String | Kind::Boolean);
    if categorical(baseline.kind) && categorical(current.kind) {
        let (b, bhow) = value_counts(baseline)?;
        let (c, chow) = value_counts(current)?;
        let (labels, psi) = stats::psi_categorical(&b, &c, PSI_EPSILON);
        let (mut new_values, mut vanished_values) = stats::category_changes(&b, &c);
        new_values.retain(|v| v != OTHER_VALUES);
        vanished_values.retain(|v| v != OTHER_VALUES);
        let n = (b.values().sum(), c.values().sum());
        return Some(FieldDrift {
            categories: labels,
            chi_square: stats::chi_square(&b, &c),
            new_values,
            vanished_values,
            ..FieldDrift::new(current, "categorical", psi, n, (bhow, chow))
        });
    }
    None
}
