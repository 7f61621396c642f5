//! The profile: plain serde data, mergeable, comparable without the table that produced it.

use super::sketch::{DistinctSketch, FrequentValues, Kll};
use arrow::datatypes::{DataType, TimeUnit};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A field's type by meaning, as contracts name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    String,
    Integer,
    Float,
    Decimal,
    Boolean,
    Timestamp,
    Date,
    Binary,
    Other,
}

impl Kind {
    pub fn of(dt: &DataType) -> Kind {
        use DataType::*;
        match dt {
            Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 => Kind::Integer,
            Float16 | Float32 | Float64 => Kind::Float,
            Decimal32(..) | Decimal64(..) | Decimal128(..) | Decimal256(..) => Kind::Decimal,
            Utf8 | LargeUtf8 | Utf8View => Kind::String,
            Boolean => Kind::Boolean,
            Timestamp(..) => Kind::Timestamp,
            Date32 | Date64 => Kind::Date,
            Binary | LargeBinary | BinaryView | FixedSizeBinary(_) => Kind::Binary,
            Dictionary(_, v) => Kind::of(v),
            _ => Kind::Other,
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, Kind::Integer | Kind::Float | Kind::Decimal)
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Float => "float",
            Kind::Decimal => "decimal",
            Kind::Boolean => "boolean",
            Kind::Timestamp => "timestamp",
            Kind::Date => "date",
            Kind::Binary => "binary",
            Kind::Other => "other",
        }
    }
}

/// Numbers: exact count, mean and variance (Chan et al. merge), exact min/max, a KLL sketch.
/// Mean, variance and quantiles cover finite values; NaN and infinities are counted apart.
///
/// Every finite input gives finite moments: the mean lies between min and max, and the sum of
/// squared deviations, which can exceed f64's range once values pass about 1.3e154, is kept as
/// `m2 × 2^m2_exp` (the exponent is 0, and left out of the JSON, for all ordinary data).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NumericStats {
    pub finite_count: u64,
    #[serde(with = "lenient_f64")]
    pub mean: f64,
    /// Sum of squared deviations from the mean, divided by `2^m2_exp`.
    #[serde(with = "lenient_f64")]
    pub m2: f64,
    /// Binary exponent (even) of `m2`'s scale: 0 unless the sum is beyond f64's range.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub m2_exp: i32,
    #[serde(default, with = "lenient_opt_f64")]
    pub min: Option<f64>,
    #[serde(default, with = "lenient_opt_f64")]
    pub max: Option<f64>,
    /// Exact integer bounds (integers only; `min`/`max` may round beyond 2^53).
    pub int_min: Option<i128>,
    pub int_max: Option<i128>,
    pub nan_count: u64,
    pub pos_inf_count: u64,
    pub neg_inf_count: u64,
    pub sketch: Kll,
    /// Exact counts against frozen bin edges (a baseline's deciles), when the scan was given them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bins: Option<Bins>,
    /// Every distinct finite value with its exact count, while there are at most
    /// [`FEW_VALUES`] of them; `None` once there are more (or when not tracked, as in profiles
    /// from footers or stored before this existed). PSI bins such a field by its values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub few_values: Option<FewValues>,
}

/// At most this many distinct finite values are tracked exactly ([`FewValues`]).
pub const FEW_VALUES: usize = 10;

/// The distinct finite values of a numeric field with their exact counts, sorted by value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FewValues(pub Vec<(f64, u64)>);

impl FewValues {
    /// Adds `count` occurrences of `v`; false when that makes more than [`FEW_VALUES`] values.
    #[inline]
    pub fn add(&mut self, v: f64, count: u64) -> bool {
        // `+ 0.0` makes -0.0 and 0.0 one value, as `==` already does.
        let v = v + 0.0;
        match self.0.iter().position(|(x, _)| *x >= v) {
            Some(i) if self.0[i].0 == v => self.0[i].1 += count,
            _ if self.0.len() == FEW_VALUES => return false,
            Some(i) => self.0.insert(i, (v, count)),
            None => self.0.push((v, count)),
        }
        true
    }

    /// Tracks `values` in `few`, dropping the tracking once there are too many values.
    pub fn track(few: &mut Option<FewValues>, values: &[f64]) {
        Self::track_counts(few, values.iter().map(|&v| (v, 1)));
    }

    /// Tracks values with their counts (a batch's distinct values), dropping the tracking once
    /// there are too many values.
    pub fn track_counts(few: &mut Option<FewValues>, counts: impl IntoIterator<Item = (f64, u64)>) {
        if let Some(f) = few {
            for (v, c) in counts {
                if !f.add(v, c) {
                    *few = None;
                    return;
                }
            }
        }
    }

    /// The union of two exact value sets, or None when it has too many values.
    fn merged(a: &FewValues, b: &FewValues) -> Option<FewValues> {
        let mut out = a.clone();
        b.0.iter().all(|&(v, c)| out.add(v, c)).then_some(out)
    }
}

fn is_zero(v: &i32) -> bool {
    *v == 0
}

/// f64 in JSON without loss: JSON has no NaN or infinities (serde_json writes them as `null`,
/// which then cannot be read back as a number), so they are written as the strings `"NaN"`,
/// `"inf"` and `"-inf"`. Reading also accepts `null` (as NaN), for profiles stored before.
pub mod lenient_f64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else if v.is_nan() {
            s.serialize_str("NaN")
        } else if *v > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Number(f64),
        Text(String),
    }

    pub(super) fn from_text<E: serde::de::Error>(t: &str) -> Result<f64, E> {
        match t {
            "NaN" | "nan" => Ok(f64::NAN),
            "inf" | "+inf" | "Infinity" => Ok(f64::INFINITY),
            "-inf" | "-Infinity" => Ok(f64::NEG_INFINITY),
            other => Err(E::custom(format!("expected a number, found `{other}`"))),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Option::<Repr>::deserialize(d)? {
            None => Ok(f64::NAN),
            Some(Repr::Number(v)) => Ok(v),
            Some(Repr::Text(t)) => from_text(&t),
        }
    }
}

/// As [`lenient_f64`], for an optional number (`null` is `None`).
pub mod lenient_opt_f64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => super::lenient_f64::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Number(f64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        match Option::<Repr>::deserialize(d)? {
            None => Ok(None),
            Some(Repr::Number(v)) => Ok(Some(v)),
            Some(Repr::Text(t)) => super::lenient_f64::from_text(&t).map(Some),
        }
    }
}

/// As [`lenient_f64`], for a list of numbers.
pub mod lenient_vec_f64 {
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};

    struct One(f64);

    impl serde::Serialize for One {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            super::lenient_f64::serialize(&self.0, s)
        }
    }

    impl<'de> Deserialize<'de> for One {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            super::lenient_f64::deserialize(d).map(One)
        }
    }

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for x in v {
            seq.serialize_element(&One(*x))?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<One>::deserialize(d)?
            .into_iter()
            .map(|o| o.0)
            .collect())
    }
}

/// `2^k` for `k` in f64's normal exponent range.
fn pow2(k: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&k));
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// `x × 2^k`: exact while the result is a normal number, 0 or ±inf beyond f64's range.
pub fn ldexp(mut x: f64, mut k: i32) -> f64 {
    while k > 1000 && x.is_finite() && x != 0.0 {
        x *= pow2(1000);
        k -= 1000;
    }
    while k < -1000 && x.is_finite() && x != 0.0 {
        x *= pow2(-1000);
        k += 1000;
    }
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    x * pow2(k.clamp(-1022, 1023))
}

/// The binary exponent `e` of a finite non-zero `x`: `|x| = f × 2^e` with `f` in `[0.5, 1)`
/// (C's `frexp`). 0 for 0.
pub fn exponent(x: f64) -> i32 {
    if x == 0.0 || !x.is_finite() {
        return 0;
    }
    let biased = ((x.abs().to_bits() >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // Subnormal: scale into the normal range first.
        return exponent(x * pow2(64)) - 64;
    }
    biased - 1022
}

/// `v × 2^e` written with an even exponent, 0 whenever the value fits f64 comfortably.
fn canonical(v: f64, e: i32) -> (f64, i32) {
    if v == 0.0 || e == 0 {
        return (v, e);
    }
    let plain = ldexp(v, e);
    if plain.is_finite() && (2f64.powi(-900)..=2f64.powi(900)).contains(&plain.abs()) {
        return (plain, 0);
    }
    // Keep the mantissa near 1 and the exponent even (so a square root halves it exactly).
    let mut shift = exponent(v) - 1;
    if (e + shift) % 2 != 0 {
        shift -= 1;
    }
    (ldexp(v, -shift), e + shift)
}

/// Exact counts of values in the bins cut by `edges`: `(-inf, e0), [e0, e1), ..., [e_last, +inf)`.
/// NaN is in no bin; -inf falls in the first and +inf in the last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bins {
    #[serde(with = "lenient_vec_f64")]
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
}

impl Bins {
    pub fn new(edges: Vec<f64>) -> Self {
        let counts = vec![0; edges.len() + 1];
        Self { edges, counts }
    }

    /// The bin of `x`: the number of edges at or below it (bins are left-closed).
    #[inline]
    pub fn index(&self, x: f64) -> usize {
        self.edges.partition_point(|e| *e <= x)
    }

    #[inline]
    pub fn add(&mut self, x: f64) {
        let i = self.index(x);
        self.counts[i] += 1;
    }
}

impl NumericStats {
    /// Folds in a batch's summary: its count, mean, sum of squared deviations (`m2 × 2^m2_exp`),
    /// min and max. Finite inputs give finite results whatever their magnitude.
    pub fn add_moments(&mut self, n: u64, mean: f64, m2: f64, m2_exp: i32, min: f64, max: f64) {
        if n == 0 {
            return;
        }
        let (na, total) = (self.finite_count, self.finite_count + n);
        let lo = self.min.map_or(min, |m| m.min(min));
        let hi = self.max.map_or(max, |m| m.max(max));
        self.min = Some(lo);
        self.max = Some(hi);
        if na == 0 {
            self.finite_count = n;
            self.mean = mean;
            (self.m2, self.m2_exp) = canonical(m2, m2_exp);
            return;
        }
        self.finite_count = total;
        // Chan et al., as long as every term stays in range (all ordinary data).
        let delta = mean - self.mean;
        if self.m2_exp == 0 && m2_exp == 0 && delta.is_finite() {
            let new_mean = self.mean + delta * n as f64 / total as f64;
            let new_m2 = self.m2 + m2 + delta * delta * na as f64 * n as f64 / total as f64;
            if new_mean.is_finite() && new_m2.is_finite() {
                self.mean = new_mean;
                self.m2 = new_m2;
                return;
            }
        }
        // Huge (or tiny) values: the same formulas on halves and in scaled form. The difference
        // of the means is 2 × dh, and dh = f × 2^k with f in [0.5, 1).
        let dh = mean / 2.0 - self.mean / 2.0;
        let mid = self.mean / 2.0 + dh * (n as f64 / total as f64);
        self.mean = (mid * 2.0).clamp(lo, hi);
        let k = exponent(dh);
        let f = ldexp(dh, -k);
        let weight = na as f64 * (n as f64 / total as f64);
        let cross = (f * f * weight, 2 * k + 2);
        let terms = [(self.m2, self.m2_exp), (m2, m2_exp), cross];
        let top = terms
            .iter()
            .filter(|(v, _)| *v != 0.0)
            .map(|(v, e)| e + exponent(*v))
            .max();
        let Some(top) = top else {
            (self.m2, self.m2_exp) = (0.0, 0);
            return;
        };
        let sum: f64 = terms.iter().map(|(v, e)| ldexp(*v, e - top)).sum();
        (self.m2, self.m2_exp) = canonical(sum, top);
    }

    fn is_empty(&self) -> bool {
        self.finite_count + self.nan_count + self.pos_inf_count + self.neg_inf_count == 0
    }

    pub fn merge(&mut self, o: &NumericStats) {
        let self_empty = self.is_empty();
        if let (Some(min), Some(max)) = (o.min, o.max) {
            self.add_moments(o.finite_count, o.mean, o.m2, o.m2_exp, min, max);
        }
        self.int_min = opt_fold(self.int_min, o.int_min, i128::min);
        self.int_max = opt_fold(self.int_max, o.int_max, i128::max);
        self.nan_count += o.nan_count;
        self.pos_inf_count += o.pos_inf_count;
        self.neg_inf_count += o.neg_inf_count;
        self.sketch.merge(&o.sketch);
        // Bin counts add up only against the same edges.
        self.bins = match (self.bins.take(), &o.bins) {
            (Some(mut a), Some(b)) if a.edges == b.edges => {
                a.counts
                    .iter_mut()
                    .zip(&b.counts)
                    .for_each(|(x, y)| *x += y);
                Some(a)
            }
            (a, None) if o.is_empty() => a,
            (None, Some(b)) if self_empty => Some(b.clone()),
            _ => None,
        };
        self.few_values = match (&self.few_values, &o.few_values) {
            (Some(a), Some(b)) => FewValues::merged(a, b),
            (a, None) if o.is_empty() => a.clone(),
            (None, Some(b)) if self_empty => Some(b.clone()),
            _ => None,
        };
    }

    /// Sample standard deviation (n - 1), over finite values. `+inf` only when the true value
    /// exceeds f64's range (values spread over nearly all of it).
    pub fn stddev(&self) -> Option<f64> {
        (self.finite_count > 1).then(|| {
            let scaled = (self.m2 / (self.finite_count - 1) as f64).sqrt();
            ldexp(scaled, self.m2_exp / 2)
        })
    }
}

/// Strings and binaries: lengths (characters for strings, bytes for binaries), bounds, empties.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TextStats {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min: Option<String>,
    pub max: Option<String>,
    pub empty_count: u64,
}

impl TextStats {
    pub fn merge(&mut self, o: &TextStats) {
        self.min_length = opt_fold(self.min_length, o.min_length, u64::min);
        self.max_length = opt_fold(self.max_length, o.max_length, u64::max);
        self.min = opt_fold(self.min.take(), o.min.clone(), std::cmp::min);
        self.max = opt_fold(self.max.take(), o.max.clone(), std::cmp::max);
        self.empty_count += o.empty_count;
    }
}

/// Timestamps (microseconds since the epoch, UTC) and dates (days since the epoch).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TemporalStats {
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// The column's time zone, if it has one.
    pub timezone: Option<String>,
    /// A quantile sketch of the values in the unit of `min`/`max` (microseconds since the epoch
    /// for timestamps of any unit, with or without a zone; days for dates), as f64: exact for
    /// any instant within about 285 years of 1970. `None` when not tracked: profiles from
    /// footers, profiles stored before this existed, and merges with either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sketch: Option<Kll>,
}

impl TemporalStats {
    /// Stats for a column whose values a scan reads (with an empty sketch).
    pub fn tracked(timezone: Option<String>) -> Self {
        Self {
            timezone,
            sketch: Some(Kll::default()),
            ..Default::default()
        }
    }

    fn is_empty(&self) -> bool {
        self.min.is_none() && self.sketch.as_ref().is_none_or(|k| k.count() == 0)
    }

    pub fn merge(&mut self, o: &TemporalStats) {
        // A sketch describes the whole only when each side had one, or one side was empty.
        self.sketch = match (self.sketch.take(), &o.sketch) {
            (Some(mut a), Some(b)) => {
                a.merge(b);
                Some(a)
            }
            (a, None) if o.is_empty() => a,
            (None, Some(b)) if self.is_empty() => Some(b.clone()),
            _ => None,
        };
        self.min = opt_fold(self.min, o.min, i64::min);
        self.max = opt_fold(self.max, o.max, i64::max);
        if self.timezone.is_none() {
            self.timezone.clone_from(&o.timezone);
        }
    }
}

fn opt_fold<T>(a: Option<T>, b: Option<T>, f: impl Fn(T, T) -> T) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(f(a, b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The profile of one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldProfile {
    pub name: String,
    /// The Arrow type, as DataFusion read it.
    pub data_type: String,
    pub kind: Kind,
    /// Non-null values.
    pub count: u64,
    pub null_count: u64,
    pub distinct: DistinctSketch,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericStats>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextStats>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporal: Option<TemporalStats>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequent: Option<FrequentValues>,
}

/// Quantiles reported for numbers.
pub const QUANTILES: [(&str, f64); 7] = [
    ("p01", 0.01),
    ("p05", 0.05),
    ("p25", 0.25),
    ("p50", 0.50),
    ("p75", 0.75),
    ("p95", 0.95),
    ("p99", 0.99),
];

impl FieldProfile {
    pub fn new(name: &str, dt: &DataType) -> Self {
        let kind = Kind::of(dt);
        let value_type = match dt {
            DataType::Dictionary(_, v) => v.as_ref(),
            other => other,
        };
        Self {
            name: name.to_string(),
            data_type: dt.to_string(),
            kind,
            count: 0,
            null_count: 0,
            distinct: DistinctSketch::default(),
            numeric: kind.is_numeric().then(|| NumericStats {
                few_values: Some(FewValues::default()),
                ..NumericStats::default()
            }),
            text: matches!(kind, Kind::String | Kind::Binary).then(TextStats::default),
            temporal: match value_type {
                DataType::Timestamp(_, tz) => {
                    Some(TemporalStats::tracked(tz.as_ref().map(|t| t.to_string())))
                }
                DataType::Date32 | DataType::Date64 => Some(TemporalStats::tracked(None)),
                _ => None,
            },
            frequent: matches!(
                kind,
                Kind::String | Kind::Boolean | Kind::Integer | Kind::Date
            )
            .then(FrequentValues::default),
        }
    }

    /// Approximate heap bytes held by the sketches (for the memory pool's accounting).
    pub fn heap_size(&self) -> usize {
        self.distinct.heap_size()
            + self.numeric.as_ref().map_or(0, |n| n.sketch.heap_size())
            + self
                .temporal
                .as_ref()
                .and_then(|t| t.sketch.as_ref())
                .map_or(0, Kll::heap_size)
            + self.frequent.as_ref().map_or(0, |f| f.heap_size())
    }

    pub fn rows(&self) -> u64 {
        self.count + self.null_count
    }

    pub fn null_rate(&self) -> f64 {
        ratio(self.null_count, self.rows())
    }

    /// Merges another profile of the same field (another part of the same table).
    pub fn merge(&mut self, o: &FieldProfile) {
        self.count += o.count;
        self.null_count += o.null_count;
        self.distinct.merge(&o.distinct);
        merge_opt(&mut self.numeric, &o.numeric, NumericStats::merge);
        merge_opt(&mut self.text, &o.text, TextStats::merge);
        merge_opt(&mut self.temporal, &o.temporal, TemporalStats::merge);
        merge_opt(&mut self.frequent, &o.frequent, FrequentValues::merge);
    }

    /// The most frequent value's share of non-null values, with the value: exact while the
    /// frequent-values summary is, else a lower bound. [`Self::top_share_bounds`] gives both
    /// bounds, and one for values the summary did not keep.
    pub fn top_share(&self) -> Option<(String, f64)> {
        let t = self.top_share_bounds()?;
        Some((t.value?, t.share))
    }

    /// The most frequent value and the bounds of its share (see [`super::sketch::TopShare`]).
    pub fn top_share_bounds(&self) -> Option<super::sketch::TopShare> {
        super::sketch::TopShare::of(self.frequent.as_ref()?, self.count)
    }

    /// Min and max rendered as JSON for people and machines.
    pub fn bounds(&self) -> (Value, Value) {
        if let Some(n) = &self.numeric {
            if self.kind == Kind::Integer {
                return (json!(n.int_min), json!(n.int_max));
            }
            let lo = if n.neg_inf_count > 0 {
                json!("-inf")
            } else {
                json!(n.min)
            };
            let hi = if n.pos_inf_count > 0 {
                json!("inf")
            } else {
                json!(n.max)
            };
            return (lo, hi);
        }
        if let Some(t) = &self.temporal {
            let f = |v: Option<i64>| match v {
                None => Value::Null,
                Some(v) if self.kind == Kind::Date => json!(format_date(v)),
                Some(v) => json!(format_timestamp(v)),
            };
            return (f(t.min), f(t.max));
        }
        if let (Some(t), Kind::String) = (&self.text, self.kind) {
            return (json!(t.min), json!(t.max));
        }
        if let (Some(f), Kind::Boolean) = (&self.frequent, self.kind) {
            let has = |v: &str| f.iter().any(|(k, c)| k == v && *c > 0);
            let lo = if has("false") {
                json!(false)
            } else if has("true") {
                json!(true)
            } else {
                Value::Null
            };
            let hi = if has("true") {
                json!(true)
            } else if has("false") {
                json!(false)
            } else {
                Value::Null
            };
            return (lo, hi);
        }
        (Value::Null, Value::Null)
    }
}

fn merge_opt<T: Clone>(a: &mut Option<T>, b: &Option<T>, f: impl Fn(&mut T, &T)) {
    match (a.as_mut(), b) {
        (Some(x), Some(y)) => f(x, y),
        (None, Some(y)) => *a = Some(y.clone()),
        _ => {}
    }
}

pub fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

pub fn format_timestamp(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| micros.to_string())
}

pub fn format_date(days: i64) -> String {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(days)))
        .map(|d| d.to_string())
        .unwrap_or_else(|| days.to_string())
}

/// Microseconds per unit, for normalising timestamps.
pub fn micros_factor(unit: &TimeUnit) -> (i64, i64) {
    match unit {
        TimeUnit::Second => (1_000_000, 1),
        TimeUnit::Millisecond => (1_000, 1),
        TimeUnit::Microsecond => (1, 1),
        TimeUnit::Nanosecond => (1, 1_000),
    }
}

/// What was read to produce a profile.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ScanInfo {
    pub files: u64,
    pub bytes: u64,
    /// True when the data pages were read; false when footers answered everything.
    pub scanned: bool,
    /// How many scans read the data: 1, or more when the columns were profiled in groups to
    /// stay within `--memory-limit` (0 when nothing was read, or in profiles stored before).
    #[serde(default)]
    pub passes: u32,
}

/// The profile of a table (or of a slice of it: some partitions, some columns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableProfile {
    pub source: String,
    pub row_count: u64,
    pub scan: ScanInfo,
    /// Partitions profiled, as `key=value/...` paths.
    pub partitions: Vec<String>,
    /// Every column of the table, profiled or not (partition columns included).
    #[serde(default)]
    pub schema: Vec<Column>,
    pub fields: Vec<FieldProfile>,
    /// The Iceberg snapshot profiled (Iceberg tables only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotInfo>,
}

/// Which Iceberg snapshot a profile describes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    pub id: i64,
    /// When the snapshot was committed (RFC 3339, UTC).
    pub committed_at: String,
    pub sequence_number: i64,
    pub schema_id: Option<i32>,
}

/// A column of the table's schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// The Arrow type, as DataFusion reads it.
    pub data_type: String,
    pub kind: Kind,
}

impl TableProfile {
    pub fn field(&self, name: &str) -> Option<&FieldProfile> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.schema.iter().find(|c| c.name == name)
    }

    /// Merges the profile of another part of the same table. A field missing on one side
    /// counts as null for that side's rows (a column added later reads as null in old files).
    pub fn merge(&mut self, o: &TableProfile) {
        let (self_rows, other_rows) = (self.row_count, o.row_count);
        for f in &mut self.fields {
            if o.field(&f.name).is_none() {
                f.null_count += other_rows;
            }
        }
        for of in &o.fields {
            match self.fields.iter_mut().find(|f| f.name == of.name) {
                Some(f) => f.merge(of),
                None => {
                    let mut f = of.clone();
                    f.null_count += self_rows;
                    self.fields.push(f);
                }
            }
        }
        for c in &o.schema {
            if self.column(&c.name).is_none() {
                self.schema.push(c.clone());
            }
        }
        self.row_count += o.row_count;
        self.scan.files += o.scan.files;
        self.scan.bytes += o.scan.bytes;
        self.scan.scanned |= o.scan.scanned;
        for p in &o.partitions {
            if !self.partitions.contains(p) {
                self.partitions.push(p.clone());
            }
        }
        self.partitions.sort();
    }
}
