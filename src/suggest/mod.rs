//! Suggested contracts: a starting contract read off profiles, every threshold with the reason
//! it has, written as a Plimsoll contract ([`render`]) or an Open Data Contract Standard document
//! ([`odcs`]).
//!
//! Pure: [`suggest`] takes the profile of the selected slice, optionally the baseline slices
//! before it (each a day) and the row counts of the table's date partitions, and returns a
//! [`Suggestion`]. Nothing here reads data; [`crate::run::suggest`] profiles and calls it.
//!
//! What is suggested, and when (the margins are [`rules`]'):
//!
//! - `type` by meaning (string, integer, number, decimal, boolean, timestamp, date, binary);
//! - `required: true` where no value is null (on any day), else `max_null_rate` above the
//!   highest observed rate;
//! - `unique: true` on string, integer and binary fields whose values were all distinct, counted
//!   exactly (never from an estimate);
//! - `allowed_values` on string fields whose value set is known exactly (the frequent-values
//!   summary is complete) and small: at most [`MAX_ALLOWED_VALUES`] values, each seen
//!   [`MIN_ROWS_PER_VALUE`] times on average;
//! - `constraints: { min_length, max_length }` on string fields whose values all have one length
//!   (codes and fixed-width ids); `constraints: { min, max }` on numbers with a margin;
//! - `drift: { max_psi: 0.2 }` on numeric fields that are not unique (an id's distribution
//!   always moves), and with a baseline only where the newest day's PSI against the days before
//!   stays under the warning level (0.1);
//! - `freshness` on the timestamp column with the newest value (else a date column), `max_lag`
//!   from the spacing of the date partitions (else a daily load) plus a buffer;
//! - `row_count` when the table has date partitions, its ratios fitted to the partitions' row
//!   counts.
//!
//! The contract names no `source:`: a `source:` is relative to the contract file, which the
//! suggestion does not know; bind the table with `plimsoll check SOURCE --contract FILE` or
//! `--table NAME=SOURCE` (the header comment says where the suggestion came from).

pub mod odcs;
pub mod render;
pub mod rules;
pub mod yaml;

use crate::check::pct;
use crate::contract::TypeName;
use crate::contract::units::{format_duration, thousands};
use crate::drift::{BaselineField, field_drift};
use crate::profile::model::{format_date, format_timestamp};
use crate::profile::{FieldProfile, Kind, TableProfile};
use rules::{approx, show};

/// At most this many distinct values make an `allowed_values` list.
pub const MAX_ALLOWED_VALUES: usize = 20;
/// An `allowed_values` list needs each value seen this many times on average (so a column of
/// mostly unique names is not mistaken for an enum).
pub const MIN_ROWS_PER_VALUE: u64 = 10;
/// Drift is suggested only where the newest day's PSI against the days before is at most this.
pub const DRIFT_SUGGEST_MAX_PSI: f64 = 0.1;
/// The `max_psi` suggested.
pub const MAX_PSI: f64 = 0.2;

/// A suggested value and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Why<T> {
    pub value: T,
    pub why: String,
}

fn why<T>(value: T, why: impl Into<String>) -> Option<Why<T>> {
    Some(Why {
        value,
        why: why.into(),
    })
}

/// A starting contract for one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub consumer: String,
    pub table: String,
    /// Where it was read from, for the header comment (never written as `source:`).
    pub source: String,
    /// What was profiled: the selected partitions and the baseline, for the header comment.
    pub scope: String,
    /// `(column, max_lag seconds)`.
    pub freshness: Option<Why<(String, u64)>>,
    /// `(min_ratio, max_ratio)` over [`rules::ROW_COUNT_DAYS`] baseline days; with the lowest
    /// observed partition row count and the partitions' mean (for ODCS's `rowCount`).
    pub row_count: Option<Why<RowCountSuggestion>>,
    pub fields: Vec<FieldSuggestion>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RowCountSuggestion {
    pub min_ratio: f64,
    pub max_ratio: f64,
    pub baseline_days: u32,
    /// The fewest rows of a partition seen, and the partitions' mean.
    pub fewest: u64,
    pub mean: f64,
}

/// What is suggested for one field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSuggestion {
    pub name: String,
    /// The Arrow type, as read.
    pub data_type: String,
    pub kind: Kind,
    /// A hive partition column of the table.
    pub partition: bool,
    pub r#type: Option<Why<TypeName>>,
    pub required: Option<Why<()>>,
    pub max_null_rate: Option<Why<f64>>,
    pub unique: Option<Why<()>>,
    /// `(min, max)`; no `max` on a unique integer (an id grows with every load).
    pub range: Option<Why<(f64, Option<f64>)>>,
    /// `(min_length, max_length)`.
    pub lengths: Option<Why<(u64, u64)>>,
    pub allowed_values: Option<Why<Vec<String>>>,
    pub drift: Option<Why<f64>>,
    /// Why something one might expect was not suggested.
    pub notes: Vec<String>,
}

/// One slice of the evidence: a day (a partition), or another slice of a baseline.
#[derive(Debug, Clone, Copy)]
pub struct Day<'a> {
    pub name: &'a str,
    pub profile: &'a TableProfile,
}

/// The table's date partitions, as far as they bear on row counts and freshness.
#[derive(Debug, Clone, Default)]
pub struct DatePartitions {
    pub key: String,
    /// Every value of the key in the table's listing (`YYYY-MM-DD`), sorted.
    pub values: Vec<String>,
    /// Row counts (from the footers) of the partitions up to the newest selected one, oldest
    /// first: the selected ones and up to 7 before them.
    pub rows: Vec<(String, u64)>,
}

/// What a suggestion is read from.
#[derive(Debug, Clone)]
pub struct Evidence<'a> {
    /// The selected slice: what `check` sees with the same selection.
    pub current: &'a TableProfile,
    /// The baseline slices before it, oldest first (empty without `--baseline`).
    pub baseline: Vec<Day<'a>>,
    pub date_partitions: Option<DatePartitions>,
    /// The table's hive partition columns.
    pub partition_columns: Vec<String>,
}

/// Names and words for the suggestion.
#[derive(Debug, Clone)]
pub struct Options {
    pub consumer: String,
    pub table: String,
    pub source: String,
    pub scope: String,
}

/// Reads a starting contract off the evidence.
pub fn suggest(e: &Evidence<'_>, o: &Options) -> Suggestion {
    let days = e.baseline.len() + 1;
    let noun = if e.baseline.is_empty() {
        ""
    } else if e.date_partitions.is_some() {
        "days"
    } else {
        "slices"
    };
    let fields = e
        .current
        .fields
        .iter()
        .map(|current| {
            let mut history: Vec<&FieldProfile> = e
                .baseline
                .iter()
                .filter_map(|d| d.profile.field(&current.name))
                .collect();
            let before = history.len();
            history.push(current);
            let ctx = FieldContext {
                current,
                before: &history[..before],
                all: &history,
                days_absent: days - history.len(),
                noun,
                partition: e.partition_columns.contains(&current.name),
            };
            field(&ctx)
        })
        .collect();
    Suggestion {
        consumer: o.consumer.clone(),
        table: o.table.clone(),
        source: o.source.clone(),
        scope: o.scope.clone(),
        freshness: freshness(e),
        row_count: row_count(e),
        fields,
    }
}

/// One field's evidence.
struct FieldContext<'a> {
    current: &'a FieldProfile,
    /// Its profile on each baseline slice that has it (oldest first).
    before: &'a [&'a FieldProfile],
    /// `before` and `current`.
    all: &'a [&'a FieldProfile],
    /// Baseline slices without the column (it was added later).
    days_absent: usize,
    /// "days" or "slices" with a baseline, "" without.
    noun: &'a str,
    partition: bool,
}

impl FieldContext<'_> {
    fn several(&self) -> bool {
        self.all.len() >= 2
    }

    /// " over 8 days", or nothing for one profile.
    fn over_days(&self) -> String {
        if self.several() {
            format!(" over {} {}", self.all.len(), self.noun)
        } else {
            String::new()
        }
    }

    /// "over 8 days (41,000 rows)" or "in 5,123 rows".
    fn over(&self) -> String {
        let rows: u64 = self.all.iter().map(|f| f.rows()).sum();
        if self.several() {
            format!(
                "over {} {} ({} rows)",
                self.all.len(),
                self.noun,
                thousands(rows)
            )
        } else {
            format!("in {} rows", thousands(rows))
        }
    }

    /// The field over every slice, merged.
    fn merged(&self) -> FieldProfile {
        let mut m = self.all[0].clone();
        for f in &self.all[1..] {
            m.merge(f);
        }
        m
    }
}

/// The Arrow type of a column as its files hold it: DataFusion reads strings and binaries as
/// views (`Utf8View`), which the files store as `Utf8` and `Binary`.
pub fn physical_type(data_type: &str) -> String {
    data_type
        .replace("Utf8View", "Utf8")
        .replace("BinaryView", "Binary")
}

fn type_of(kind: Kind) -> Option<TypeName> {
    Some(match kind {
        Kind::String => TypeName::String,
        Kind::Integer => TypeName::Integer,
        Kind::Float => TypeName::Number,
        Kind::Decimal => TypeName::Decimal,
        Kind::Boolean => TypeName::Boolean,
        Kind::Timestamp => TypeName::Timestamp,
        Kind::Date => TypeName::Date,
        Kind::Binary => TypeName::Binary,
        Kind::Other => return None,
    })
}

fn field(c: &FieldContext<'_>) -> FieldSuggestion {
    let f = c.current;
    let merged = c.merged();
    let mut s = FieldSuggestion {
        name: f.name.clone(),
        data_type: f.data_type.clone(),
        kind: f.kind,
        partition: c.partition,
        r#type: None,
        required: None,
        max_null_rate: None,
        unique: None,
        range: None,
        lengths: None,
        allowed_values: None,
        drift: None,
        notes: Vec::new(),
    };
    s.r#type = match type_of(f.kind) {
        Some(t) => why(
            t,
            if c.partition {
                format!(
                    "{}; a partition column of the table",
                    physical_type(&f.data_type)
                )
            } else {
                physical_type(&f.data_type)
            },
        ),
        None => {
            s.notes
                .push(format!("no `type`: {} has no contract type", f.data_type));
            None
        }
    };
    if c.days_absent > 0 {
        s.notes.push(format!(
            "absent from the {} earliest {} (added later): judged on the {} that have it",
            c.days_absent,
            c.noun,
            c.all.len()
        ));
    }
    nulls(c, &mut s);
    if matches!(f.kind, Kind::String | Kind::Integer | Kind::Binary) {
        s.unique = unique(c, &merged);
    }
    if f.kind == Kind::String {
        s.allowed_values = allowed_values(c, &merged);
        if s.allowed_values.is_none() {
            s.lengths = lengths(c);
        }
    }
    if f.kind.is_numeric() {
        s.range = range(c, &mut s.notes);
        if let (Some(r), Some(_)) = (&mut s.range, &s.unique) {
            r.value.1 = None;
            r.why.push_str("; no maximum: an id grows with every load");
        }
        s.drift = drift(c, s.unique.is_some(), &mut s.notes);
    }
    s
}

fn nulls(c: &FieldContext<'_>, s: &mut FieldSuggestion) {
    let rows: u64 = c.all.iter().map(|f| f.rows()).sum();
    if rows == 0 {
        s.notes.push("no rows: nothing to say about nulls".into());
        return;
    }
    if c.all.iter().all(|f| f.null_count == 0) {
        s.required = why((), format!("null rate 0.0% {}", c.over()));
        return;
    }
    let rates: Vec<f64> = c
        .all
        .iter()
        .filter(|f| f.rows() > 0)
        .map(|f| f.null_rate())
        .collect();
    let (ceiling, margin) = rules::null_rate_ceiling(&rates);
    let top = rates.iter().copied().fold(0.0, f64::max);
    if ceiling >= 1.0 {
        s.notes.push(format!(
            "no `max_null_rate`: up to {} null {}",
            pct(top),
            c.over()
        ));
        return;
    }
    let observed = if c.several() {
        let low = rates.iter().copied().fold(1.0, f64::min);
        format!(
            "null rate {}..{} per {} {}",
            pct(low),
            pct(top),
            singular(c.noun),
            c.over()
        )
    } else {
        format!("null rate {} {}", pct(top), c.over())
    };
    let how = if c.several() {
        "3 sd of the daily rates, at least 1 point"
    } else {
        "half the rate, at least 1 point"
    };
    s.max_null_rate = why(
        ceiling,
        format!(
            "{observed}; + {} point{} ({how})",
            approx(margin * 100.0),
            if margin == rules::NULL_RATE_MIN_MARGIN {
                ""
            } else {
                "s"
            }
        ),
    );
}

fn singular(noun: &str) -> &str {
    noun.strip_suffix('s').unwrap_or(noun)
}

fn unique(c: &FieldContext<'_>, merged: &FieldProfile) -> Option<Why<()>> {
    let distinct = merged.distinct.estimate();
    (merged.distinct.is_exact() && merged.count >= 2 && distinct == merged.count).then(|| Why {
        value: (),
        why: format!(
            "{} distinct values in {} non-null values{}, counted exactly",
            thousands(distinct),
            thousands(merged.count),
            c.over_days()
        ),
    })
}

fn allowed_values(c: &FieldContext<'_>, merged: &FieldProfile) -> Option<Why<Vec<String>>> {
    let freq = merged.frequent.as_ref()?;
    if !freq.is_exact() || merged.count == 0 {
        return None;
    }
    let mut values: Vec<String> = freq
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(v, _)| v.clone())
        .collect();
    let k = values.len();
    if k == 0 || k > MAX_ALLOWED_VALUES || merged.count < MIN_ROWS_PER_VALUE * k as u64 {
        return None;
    }
    values.sort();
    Some(Why {
        value: values,
        why: format!(
            "{k} distinct value{} seen {}, counted exactly",
            if k == 1 { "" } else { "s" },
            c.over()
        ),
    })
}

fn lengths(c: &FieldContext<'_>) -> Option<Why<(u64, u64)>> {
    let mut len = None;
    for f in c.all {
        let t = f.text.as_ref()?;
        if f.count == 0 {
            continue;
        }
        let (lo, hi) = (t.min_length?, t.max_length?);
        if lo != hi || len.is_some_and(|l| l != lo) {
            return None;
        }
        len = Some(lo);
    }
    let l = len.filter(|l| *l > 0)?;
    why(
        (l, l),
        format!("every value has {l} characters{}", c.over_days()),
    )
}

/// Each slice's finite extremes; None when a slice has NaN or infinities (a range would fail on
/// them), or integers beyond f64's exact range.
fn extremes(c: &FieldContext<'_>, notes: &mut Vec<String>) -> Option<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    for f in c.all {
        let Some(n) = &f.numeric else { continue };
        if n.nan_count + n.pos_inf_count + n.neg_inf_count > 0 {
            notes.push("no range: the field holds NaN or infinite values".into());
            return None;
        }
        let big = 2f64.powi(53);
        if let (Some(lo), Some(hi)) = (n.min, n.max) {
            if lo.abs() > big || hi.abs() > big {
                notes.push("no range: values beyond 2^53 are not exact as numbers".into());
                return None;
            }
            out.push((lo, hi));
        }
    }
    (!out.is_empty()).then_some(out)
}

fn range(c: &FieldContext<'_>, notes: &mut Vec<String>) -> Option<Why<(f64, Option<f64>)>> {
    let ext = extremes(c, notes)?;
    let integer = c.current.kind == Kind::Integer;
    if ext.len() >= 2 {
        let mins: Vec<f64> = ext.iter().map(|e| e.0).collect();
        let maxs: Vec<f64> = ext.iter().map(|e| e.1).collect();
        let r = rules::spread_range(&mins, &maxs, integer);
        let span = |xs: &[f64]| {
            let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if lo == hi {
                show(lo)
            } else {
                format!("{}..{}", show(lo), show(hi))
            }
        };
        return why(
            (r.min, Some(r.max)),
            format!(
                "daily min {}, max {} over {} {}; margin 3 sd of the daily extremes ({} below, {} above)",
                span(&mins),
                span(&maxs),
                ext.len(),
                c.noun,
                approx(r.below),
                approx(r.above)
            ),
        );
    }
    let (lo, hi) = ext[0];
    let r = rules::single_range(lo, hi, integer);
    why(
        (r.min, Some(r.max)),
        format!(
            "min {}, max {} observed; margin 10% ({})",
            show(lo),
            show(hi),
            approx(r.below)
        ),
    )
}

fn drift(c: &FieldContext<'_>, unique: bool, notes: &mut Vec<String>) -> Option<Why<f64>> {
    if unique {
        notes.push("no drift check: an id's distribution moves with every load".into());
        return None;
    }
    if c.before.is_empty() {
        return why(
            MAX_PSI,
            "PSI against the baseline at check time: fails above 0.2, warns above 0.1",
        );
    }
    let mut merged = c.before[0].clone();
    for f in &c.before[1..] {
        merged.merge(f);
    }
    let baseline = BaselineField {
        merged: &merged,
        slices: c.before.to_vec(),
    };
    match field_drift(&baseline, c.current) {
        Ok(d) if d.psi <= DRIFT_SUGGEST_MAX_PSI => why(
            MAX_PSI,
            format!(
                "PSI {} of the newest {} against the {} before",
                show((d.psi * 1000.0).round() / 1000.0),
                singular(c.noun),
                c.before.len()
            ),
        ),
        Ok(d) => {
            notes.push(format!(
                "no drift check: PSI {} of the newest {} against the {} before is above {DRIFT_SUGGEST_MAX_PSI}; the distribution moves from one {} to the next",
                show((d.psi * 1000.0).round() / 1000.0),
                singular(c.noun),
                c.before.len(),
                singular(c.noun)
            ));
            None
        }
        Err(e) => {
            notes.push(format!("no drift check: {}", e.message(&c.current.name)));
            None
        }
    }
}

/// The spacing of the date partitions in seconds (the median gap), when there are two or more.
fn partition_interval(d: &DatePartitions) -> Option<u64> {
    let dates: Vec<chrono::NaiveDate> = d
        .values
        .iter()
        .filter_map(|v| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
        .collect();
    let mut gaps: Vec<i64> = dates
        .windows(2)
        .map(|w| (w[1] - w[0]).num_days())
        .filter(|g| *g > 0)
        .collect();
    gaps.sort();
    gaps.get(gaps.len() / 2).map(|g| *g as u64 * 86_400)
}

fn freshness(e: &Evidence<'_>) -> Option<Why<(String, u64)>> {
    let newest = |kind: Kind| {
        e.current
            .fields
            .iter()
            .filter(|f| f.kind == kind)
            .filter_map(|f| Some((f, f.temporal.as_ref()?.max?)))
            .fold(None::<(&FieldProfile, i64)>, |best, (f, m)| match best {
                Some((_, b)) if b >= m => best,
                _ => Some((f, m)),
            })
    };
    let (f, latest) = match newest(Kind::Timestamp) {
        Some((f, m)) => (f, format_timestamp(m)),
        None => {
            let (f, m) = newest(Kind::Date)?;
            (f, format_date(m))
        }
    };
    let (interval, how) = match e
        .date_partitions
        .as_ref()
        .and_then(|d| Some((d, partition_interval(d)?)))
    {
        Some((d, secs)) => (
            secs,
            format!("`{}` partitions {} apart", d.key, format_duration(secs)),
        ),
        None => (
            86_400,
            "no date partitions to measure the load interval: a daily load assumed".to_string(),
        ),
    };
    let lag = rules::max_lag(interval);
    why(
        (f.name.clone(), lag),
        format!(
            "newest `{}` is {latest}; {how}, + {} buffer",
            f.name,
            format_duration(lag - interval)
        ),
    )
}

fn row_count(e: &Evidence<'_>) -> Option<Why<RowCountSuggestion>> {
    let d = e.date_partitions.as_ref()?;
    let rows: Vec<u64> = d.rows.iter().map(|r| r.1).collect();
    let fewest = rows.iter().copied().min().unwrap_or(0);
    let mean = rows.iter().sum::<u64>() as f64 / rows.len().max(1) as f64;
    let ratios = rules::row_ratios(&rows);
    let (min_ratio, max_ratio) = rules::ratio_bounds(&ratios);
    let reason = if ratios.is_empty() {
        format!(
            "one `{}` partition seen: the default ratios; suggest with `--partition {}=latest --baseline 7d` to fit them",
            d.key, d.key
        )
    } else {
        let low = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let high = ratios.iter().copied().fold(0.0, f64::max);
        format!(
            "{} `{}` partitions of {}..{} rows; each at {:.2}x..{:.2}x of the mean of the (up to) {} before it; 90% of the lowest, 110% of the highest, never tighter than 0.8..2.0",
            rows.len(),
            d.key,
            thousands(fewest),
            thousands(rows.iter().copied().max().unwrap_or(0)),
            low,
            high,
            rules::ROW_COUNT_DAYS
        )
    };
    why(
        RowCountSuggestion {
            min_ratio,
            max_ratio,
            baseline_days: rules::ROW_COUNT_DAYS as u32,
            fewest,
            mean,
        },
        reason,
    )
}
