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
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NumericStats {
    pub finite_count: u64,
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
    pub min: Option<f64>,
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
}

/// Exact counts of values in the bins cut by `edges`: `(-inf, e0), [e0, e1), ..., [e_last, +inf)`.
/// NaN is in no bin; -inf falls in the first and +inf in the last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bins {
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
    /// Folds in a batch's summary: its count, mean, m2, min and max.
    pub fn add_moments(&mut self, n: u64, mean: f64, m2: f64, min: f64, max: f64) {
        if n == 0 {
            return;
        }
        let total = self.finite_count + n;
        let delta = mean - self.mean;
        self.mean += delta * n as f64 / total as f64;
        self.m2 += m2 + delta * delta * self.finite_count as f64 * n as f64 / total as f64;
        self.finite_count = total;
        self.min = Some(self.min.map_or(min, |m| m.min(min)));
        self.max = Some(self.max.map_or(max, |m| m.max(max)));
    }

    fn is_empty(&self) -> bool {
        self.finite_count + self.nan_count + self.pos_inf_count + self.neg_inf_count == 0
    }

    pub fn merge(&mut self, o: &NumericStats) {
        let self_empty = self.is_empty();
        if let (Some(min), Some(max)) = (o.min, o.max) {
            self.add_moments(o.finite_count, o.mean, o.m2, min, max);
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
    }

    /// Sample standard deviation (n - 1), over finite values.
    pub fn stddev(&self) -> Option<f64> {
        (self.finite_count > 1).then(|| (self.m2 / (self.finite_count - 1) as f64).sqrt())
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
}

impl TemporalStats {
    pub fn merge(&mut self, o: &TemporalStats) {
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
            numeric: kind.is_numeric().then(NumericStats::default),
            text: matches!(kind, Kind::String | Kind::Binary).then(TextStats::default),
            temporal: match value_type {
                DataType::Timestamp(_, tz) => Some(TemporalStats {
                    timezone: tz.as_ref().map(|t| t.to_string()),
                    ..Default::default()
                }),
                DataType::Date32 | DataType::Date64 => Some(TemporalStats::default()),
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
