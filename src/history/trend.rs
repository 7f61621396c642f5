//! Trends: a metric's series over a table's stored slices (row count, a field's null rate,
//! distinct count, mean, and PSI against the slice before), and sparklines to show them in a
//! terminal. Pure functions over stored profiles; nothing is read from the table.

use crate::drift::{BaselineField, field_drift};
use crate::profile::{FieldProfile, Kind, TableProfile};
use serde::Serialize;

/// A metric a series can follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// The table's rows in each slice
    Rows,
    /// A field's nulls over rows, 0..1
    #[value(name = "null_rate")]
    NullRate,
    /// A field's distinct non-null values
    Distinct,
    /// A numeric field's mean (finite values)
    Mean,
    /// A field's population stability index against the slice before (numbers, strings,
    /// booleans)
    Psi,
}

impl Metric {
    /// The metrics of a field, in the order reports show them.
    pub const FIELD: [Metric; 4] = [
        Metric::NullRate,
        Metric::Distinct,
        Metric::Mean,
        Metric::Psi,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Rows => "rows",
            Metric::NullRate => "null_rate",
            Metric::Distinct => "distinct",
            Metric::Mean => "mean",
            Metric::Psi => "psi",
        }
    }

    /// Whether the metric is defined for a field of this kind (`rows` is the table's, always).
    pub fn applies_to(self, kind: Kind) -> bool {
        match self {
            Metric::Rows | Metric::NullRate | Metric::Distinct => true,
            Metric::Mean => kind.is_numeric(),
            Metric::Psi => kind.is_numeric() || matches!(kind, Kind::String | Kind::Boolean),
        }
    }

    /// The value of the metric in slice `current`, with the slice before it for PSI (None when
    /// undefined: a field the slice lacks, no slice before, no finite value, no drift figure).
    pub fn value(
        self,
        field: Option<&str>,
        previous: Option<&TableProfile>,
        current: &TableProfile,
    ) -> Option<f64> {
        let f = || current.field(field?);
        match self {
            Metric::Rows => Some(current.row_count as f64),
            Metric::NullRate => Some(f()?.null_rate()),
            Metric::Distinct => Some(f()?.distinct.estimate() as f64),
            Metric::Mean => mean(f()?),
            Metric::Psi => {
                let f = f()?;
                let before = previous?.field(&f.name)?;
                field_drift(&BaselineField::one(before), f)
                    .ok()
                    .map(|d| d.psi)
            }
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn mean(f: &FieldProfile) -> Option<f64> {
    let n = f.numeric.as_ref()?;
    (f.kind.is_numeric() && n.finite_count > 0).then_some(n.mean)
}

/// One metric over the slices.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub metric: Metric,
    /// None for `rows` (the table's).
    pub field: Option<String>,
    /// One value per slice, oldest first; None where the metric is undefined.
    pub values: Vec<Option<f64>>,
}

/// `{"metric", "field", "values"}`; counts (`rows`, `distinct`) as integers.
impl Serialize for Series {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Series", 3)?;
        st.serialize_field("metric", &self.metric)?;
        st.serialize_field("field", &self.field)?;
        if matches!(self.metric, Metric::Rows | Metric::Distinct) {
            let counts: Vec<Option<u64>> =
                self.values.iter().map(|v| v.map(|v| v as u64)).collect();
            st.serialize_field("values", &counts)?;
        } else {
            st.serialize_field("values", &self.values)?;
        }
        st.end()
    }
}

impl Series {
    /// The series of `metric` (of `field`) over `slices`, oldest first. `before` is the stored
    /// slice preceding the first, for the first slice's PSI.
    pub fn of(
        metric: Metric,
        field: Option<&str>,
        before: Option<&TableProfile>,
        slices: &[&TableProfile],
    ) -> Series {
        let values = slices
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let previous = if i == 0 { before } else { Some(slices[i - 1]) };
                metric.value(field, previous, s)
            })
            .collect();
        Series {
            metric,
            field: field.map(str::to_string),
            values,
        }
    }

    /// The defined values.
    pub fn defined(&self) -> impl Iterator<Item = f64> + '_ {
        self.values.iter().flatten().copied()
    }

    pub fn min(&self) -> Option<f64> {
        self.defined().reduce(f64::min)
    }

    pub fn max(&self) -> Option<f64> {
        self.defined().reduce(f64::max)
    }

    /// The newest defined value.
    pub fn last(&self) -> Option<f64> {
        self.values.iter().rev().flatten().next().copied()
    }
}

/// The eight levels of a sparkline, lowest first.
pub const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline: one character per value, scaled from the series' minimum (`▁`) to its maximum
/// (`█`); a constant series is all `▁`, an undefined value a space.
pub fn sparkline(values: &[Option<f64>]) -> String {
    let finite = || values.iter().flatten().copied().filter(|v| v.is_finite());
    let lo = finite().reduce(f64::min);
    let hi = finite().reduce(f64::max);
    values
        .iter()
        .map(|v| match (v, lo, hi) {
            (Some(v), Some(lo), Some(hi)) if v.is_finite() => {
                if hi > lo {
                    let level = ((v - lo) / (hi - lo) * (SPARKS.len() - 1) as f64).round();
                    SPARKS[(level as usize).min(SPARKS.len() - 1)]
                } else {
                    SPARKS[0]
                }
            }
            _ => ' ',
        })
        .collect()
}

/// The fields of the slices a trend follows, in the newest slice's order, then fields only
/// older slices have; the partition columns (constant within a slice) left out.
pub fn fields(slices: &[&TableProfile]) -> Vec<(String, Kind)> {
    let mut out: Vec<(String, Kind)> = Vec::new();
    for s in slices.iter().rev() {
        let keys: Vec<&str> = s
            .partitions
            .iter()
            .flat_map(|p| p.split('/'))
            .filter_map(|p| p.split_once('=').map(|kv| kv.0))
            .collect();
        for f in &s.fields {
            if !keys.contains(&f.name.as_str()) && !out.iter().any(|(n, _)| n == &f.name) {
                out.push((f.name.clone(), f.kind));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparkline_scales_from_the_minimum_to_the_maximum() {
        let v = |xs: &[f64]| xs.iter().map(|x| Some(*x)).collect::<Vec<_>>();
        assert_eq!(sparkline(&v(&[0.0, 7.0, 3.5, 1.0])), "▁█▅▂");
        assert_eq!(sparkline(&v(&[5.0, 5.0])), "▁▁");
        assert_eq!(sparkline(&[Some(1.0), None, Some(2.0)]), "▁ █");
        assert_eq!(sparkline(&[]), "");
    }
}
