//! Answers from metadata: row counts, null counts, minimum and maximum read from the Parquet
//! footers' row-group statistics (and from the partition paths), without opening a data page.
//!
//! A fact is given only when it is exact: every row group of every selected file carries the
//! statistic, minimums and maximums are not truncated (`is_min_value_exact`), and floating-point
//! bounds are finite. A column missing from older files reads as null there, as in a scan. When
//! a fact cannot be answered exactly the field says why, and a caller that needs it scans.

use super::model::{FieldProfile, Kind, micros_factor};
use crate::error::{Error, Result};
use crate::source::{FileInfo, Source};
use arrow::array::Array;
use arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::ScalarValue;
use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
use serde_json::{Map, Value, json};
use std::cmp::Ordering;

/// What the footers say about one field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldFacts {
    pub name: String,
    pub data_type: DataType,
    /// Rows of the selected files (exact: from the footers).
    pub rows: u64,
    /// `None` when some row group does not record its null count.
    pub null_count: Option<u64>,
    /// Exact bounds of the non-null values; `None` inside when every value is null.
    pub bounds: std::result::Result<Option<(ScalarValue, ScalarValue)>, String>,
    /// Why the null count is unknown.
    pub null_count_unknown: Option<String>,
}

impl FieldFacts {
    /// True when the null count and the bounds are both known exactly.
    pub fn is_exact(&self) -> bool {
        self.null_count.is_some() && self.bounds.is_ok()
    }

    /// A field profile holding what the footers answer (counts and bounds, no sketches), for
    /// checks that need nothing else. `None` unless the facts are exact and of a kind the
    /// profile can hold.
    pub fn to_profile(&self) -> Option<FieldProfile> {
        let null_count = self.null_count?;
        let bounds = self.bounds.as_ref().ok()?;
        let mut p = FieldProfile::new(&self.name, &self.data_type);
        p.null_count = null_count;
        p.count = self.rows - null_count;
        p.frequent = None;
        if let Some(n) = &mut p.numeric {
            // Footers know bounds, not the values in between.
            n.few_values = None;
        }
        if let Some(t) = &mut p.temporal {
            t.sketch = None;
        }
        let Some((lo, hi)) = bounds else {
            return Some(p);
        };
        match p.kind {
            Kind::Integer => {
                let (lo, hi) = (integer(lo)?, integer(hi)?);
                let n = p.numeric.as_mut()?;
                n.int_min = Some(lo);
                n.int_max = Some(hi);
                n.min = Some(lo as f64);
                n.max = Some(hi as f64);
                n.finite_count = p.count;
            }
            Kind::Float | Kind::Decimal => {
                let (lo, hi) = (float(lo)?, float(hi)?);
                let n = p.numeric.as_mut()?;
                n.min = Some(lo);
                n.max = Some(hi);
                n.finite_count = p.count;
            }
            Kind::Timestamp | Kind::Date => {
                let t = p.temporal.as_mut()?;
                t.min = Some(temporal(lo)?);
                t.max = Some(temporal(hi)?);
            }
            Kind::String => {
                let t = p.text.as_mut()?;
                t.min = Some(string(lo)?);
                t.max = Some(string(hi)?);
            }
            _ => return None,
        }
        Some(p)
    }

    /// The field as `profile --metadata-only` shows it.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("type".into(), json!(Kind::of(&self.data_type).name()));
        m.insert("data_type".into(), json!(self.data_type.to_string()));
        m.insert("rows".into(), json!(self.rows));
        m.insert(
            "count".into(),
            json!(self.null_count.map(|n| self.rows - n)),
        );
        m.insert("null_count".into(), json!(self.null_count));
        m.insert(
            "null_rate".into(),
            json!(self.null_count.map(|n| super::model::ratio(n, self.rows))),
        );
        let (min, max) = match (&self.bounds, self.to_profile()) {
            (Ok(Some(_)), Some(p)) => p.bounds(),
            (Ok(Some((lo, hi))), None) => (json!(lo.to_string()), json!(hi.to_string())),
            _ => (Value::Null, Value::Null),
        };
        m.insert("min".into(), min);
        m.insert("max".into(), max);
        m.insert("exact".into(), json!(self.is_exact()));
        let mut unknown = Vec::new();
        if let Some(why) = &self.null_count_unknown {
            unknown.push(format!("null count: {why}"));
        }
        if let Err(why) = &self.bounds {
            unknown.push(format!("min/max: {why}"));
        }
        if !unknown.is_empty() {
            m.insert("unknown".into(), json!(unknown.join("; ")));
        }
        Value::Object(m)
    }
}

fn integer(v: &ScalarValue) -> Option<i128> {
    use ScalarValue::*;
    Some(match v {
        Int8(Some(x)) => *x as i128,
        Int16(Some(x)) => *x as i128,
        Int32(Some(x)) => *x as i128,
        Int64(Some(x)) => *x as i128,
        UInt8(Some(x)) => *x as i128,
        UInt16(Some(x)) => *x as i128,
        UInt32(Some(x)) => *x as i128,
        UInt64(Some(x)) => *x as i128,
        _ => return None,
    })
}

fn float(v: &ScalarValue) -> Option<f64> {
    use ScalarValue::*;
    let x = match v {
        Float32(Some(x)) => *x as f64,
        Float64(Some(x)) => *x,
        Decimal128(Some(x), _, s) => *x as f64 / 10f64.powi(*s as i32),
        Decimal64(Some(x), _, s) => *x as f64 / 10f64.powi(*s as i32),
        Decimal32(Some(x), _, s) => *x as f64 / 10f64.powi(*s as i32),
        _ => return None,
    };
    x.is_finite().then_some(x)
}

fn temporal(v: &ScalarValue) -> Option<i64> {
    use ScalarValue::*;
    let (x, unit) = match v {
        Date32(Some(d)) => return Some(*d as i64),
        TimestampSecond(Some(x), _) => (*x, TimeUnit::Second),
        TimestampMillisecond(Some(x), _) => (*x, TimeUnit::Millisecond),
        TimestampMicrosecond(Some(x), _) => (*x, TimeUnit::Microsecond),
        TimestampNanosecond(Some(x), _) => (*x, TimeUnit::Nanosecond),
        _ => return None,
    };
    let (mul, div) = micros_factor(&unit);
    Some(x.checked_mul(mul)?.div_euclid(div))
}

fn string(v: &ScalarValue) -> Option<String> {
    use ScalarValue::*;
    match v {
        Utf8(Some(s)) | LargeUtf8(Some(s)) | Utf8View(Some(s)) => Some(s.clone()),
        _ => None,
    }
}

/// Whether footer bounds of this type can be read into a profile (and compared across files).
fn bounds_supported(dt: &DataType) -> bool {
    matches!(
        Kind::of(dt),
        Kind::Integer | Kind::Float | Kind::Decimal | Kind::String
    ) && !matches!(dt, DataType::Dictionary(..))
        || matches!(dt, DataType::Date32 | DataType::Timestamp(..))
}

/// Running bounds over row groups and files.
#[derive(Default)]
struct Bounds {
    lo: Option<ScalarValue>,
    hi: Option<ScalarValue>,
}

impl Bounds {
    fn add(&mut self, lo: ScalarValue, hi: ScalarValue) -> std::result::Result<(), String> {
        let differ = || "the files store the column with different types".to_string();
        self.lo = Some(match self.lo.take() {
            Some(cur) => match lo.partial_cmp(&cur).ok_or_else(differ)? {
                Ordering::Less => lo,
                _ => cur,
            },
            None => lo,
        });
        self.hi = Some(match self.hi.take() {
            Some(cur) => match hi.partial_cmp(&cur).ok_or_else(differ)? {
                Ordering::Greater => hi,
                _ => cur,
            },
            None => hi,
        });
        Ok(())
    }

    fn finish(self) -> Option<(ScalarValue, ScalarValue)> {
        self.lo.zip(self.hi)
    }
}

/// The facts of each named column of the selected slice (file columns and partition columns).
pub fn facts(source: &Source, columns: &[String]) -> Result<Vec<FieldFacts>> {
    let schema = source.schema();
    // Each file's own Arrow schema, converted once (statistics are read against it).
    // (An Iceberg table has no footers read: its manifests hold each data file's statistics.)
    let parquet_files = if source.iceberg().is_some() {
        &[][..]
    } else {
        &source.files[..]
    };
    let file_schemas: Vec<arrow::datatypes::Schema> = parquet_files
        .iter()
        .map(|f| {
            let meta = f
                .footer
                .as_ref()
                .ok_or_else(|| Error::Internal(format!("{}: footer not read", f.path)))?;
            let fm = meta.file_metadata();
            parquet::arrow::parquet_to_arrow_schema(fm.schema_descr(), fm.key_value_metadata())
                .map_err(|e| Error::Internal(e.to_string()))
        })
        .collect::<Result<_>>()?;
    columns
        .iter()
        .map(|name| {
            let field = schema.field_with_name(name).map_err(|_| {
                Error::Internal(format!("`{name}` is not a column of {}", source.location))
            })?;
            let dt = field.data_type().clone();
            if let Some(table) = source.iceberg() {
                return Ok(iceberg_facts(table, source.row_count(), name, dt));
            }
            match source.partition_cols.iter().find(|(k, _)| k == name) {
                Some(_) => Ok(partition_facts(source, name, dt)),
                None => file_facts(&source.files, &file_schemas, name, dt),
            }
        })
        .collect()
}

/// What an Iceberg table's manifests say about one column.
fn iceberg_facts(
    table: &crate::source::iceberg::IcebergTable,
    rows: u64,
    name: &str,
    dt: DataType,
) -> FieldFacts {
    let (nulls, bounds) = table.column_facts(name, &dt);
    let bounds = if bounds_supported(&dt) {
        bounds
    } else {
        Err(format!("bounds of type {dt} are not read from metadata"))
    };
    FieldFacts {
        name: name.to_string(),
        data_type: dt,
        rows,
        null_count: nulls.as_ref().ok().copied(),
        null_count_unknown: nulls.err(),
        bounds,
    }
}

/// A partition column is never null, and its values are in the paths.
fn partition_facts(source: &Source, name: &str, dt: DataType) -> FieldFacts {
    let mut bounds = Bounds::default();
    let mut result = Ok(());
    let mut nulls = 0;
    for f in &source.files {
        if let Some((_, v)) = f.partition.iter().find(|(k, _)| k == name) {
            if v == crate::source::HIVE_NULL {
                nulls += f.rows;
                continue;
            }
            match ScalarValue::try_from_string(v.clone(), &dt) {
                Ok(s) => result = result.and(bounds.add(s.clone(), s)),
                Err(e) => result = Err(e.to_string()),
            }
        }
    }
    FieldFacts {
        name: name.to_string(),
        data_type: dt,
        rows: source.row_count(),
        null_count: Some(nulls),
        bounds: result.map(|_| bounds.finish()),
        null_count_unknown: None,
    }
}

fn file_facts(
    files: &[FileInfo],
    file_schemas: &[arrow::datatypes::Schema],
    name: &str,
    dt: DataType,
) -> Result<FieldFacts> {
    let mut rows = 0u64;
    let mut nulls: std::result::Result<u64, String> = Ok(0);
    let mut bounds = Bounds::default();
    let mut bounds_err: Option<String> = None;
    if !bounds_supported(&dt) {
        bounds_err = Some(format!(
            "footer bounds of {} columns are not used; a scan answers",
            Kind::of(&dt).name()
        ));
    }
    for (f, file_schema) in files.iter().zip(file_schemas) {
        rows += f.rows;
        let Some(meta) = f.footer.as_ref() else {
            return Err(Error::Internal(format!("{}: footer not read", f.path)));
        };
        let fm = meta.file_metadata();
        let stored = file_schema
            .field_with_name(name)
            .ok()
            .map(|f| f.data_type());
        if matches!(stored, None | Some(DataType::Null)) {
            // Added later, or all null as this file stores it: null in this file's rows.
            if let Ok(n) = &mut nulls {
                *n += f.rows;
            }
            continue;
        }
        let conv = StatisticsConverter::try_new(name, file_schema, fm.schema_descr())
            .map_err(|e| Error::Internal(e.to_string()))?
            .with_missing_null_counts_as_zero(false);
        if conv.parquet_column_index().is_none() {
            // A nested or otherwise unmapped column: no statistics to read.
            nulls = Err("the column has no leaf statistics".into());
            bounds_err.get_or_insert_with(|| "the column has no leaf statistics".into());
            continue;
        }
        let groups = meta.row_groups();
        let stat_err = |e: parquet::errors::ParquetError| Error::Internal(e.to_string());
        let rg_nulls = conv.row_group_null_counts(groups).map_err(stat_err)?;
        // Bounds in the file's type, read as the table's (a file written before the column's
        // type widened: int32 bounds as int64). The widening is lossless, so they stay exact.
        let widen = |a: arrow::array::ArrayRef| match bounds_err.is_some() || a.data_type() == &dt {
            true => Ok(a),
            false => arrow::compute::cast(&a, &dt).map_err(|e| {
                format!(
                    "the bounds of `{name}` in {} ({}) do not read as {dt}: {e}",
                    f.path,
                    a.data_type()
                )
            }),
        };
        let mins = conv.row_group_mins(groups).map_err(stat_err)?;
        let maxes = conv.row_group_maxes(groups).map_err(stat_err)?;
        let (mins, maxes) = match (widen(mins), widen(maxes)) {
            (Ok(lo), Ok(hi)) => (lo, hi),
            (Err(why), _) | (_, Err(why)) => {
                bounds_err.get_or_insert(why);
                let empty = arrow::array::new_null_array(&dt, groups.len());
                (empty.clone(), empty)
            }
        };
        let min_exact = conv
            .row_group_is_min_value_exact(groups)
            .map_err(stat_err)?;
        let max_exact = conv
            .row_group_is_max_value_exact(groups)
            .map_err(stat_err)?;
        for (i, g) in groups.iter().enumerate() {
            let g_rows = g.num_rows().max(0) as u64;
            if g_rows == 0 {
                continue;
            }
            let g_nulls = rg_nulls.is_valid(i).then(|| rg_nulls.value(i));
            match (&mut nulls, g_nulls) {
                (Ok(n), Some(x)) => *n += x,
                (Ok(_), None) => {
                    nulls = Err(format!(
                        "{} does not record null counts in its statistics",
                        f.path
                    ))
                }
                _ => {}
            }
            if bounds_err.is_some() || g_nulls == Some(g_rows) {
                continue;
            }
            let exact = min_exact.is_valid(i)
                && min_exact.value(i)
                && max_exact.is_valid(i)
                && max_exact.value(i);
            if mins.is_null(i) || maxes.is_null(i) {
                bounds_err = Some(format!(
                    "{} has a row group without min/max statistics for `{name}`",
                    f.path
                ));
                continue;
            }
            if !exact {
                bounds_err = Some(format!(
                    "{} stores truncated min/max statistics for `{name}`",
                    f.path
                ));
                continue;
            }
            let scalar = |a: &arrow::array::ArrayRef| {
                ScalarValue::try_from_array(a, i).map_err(|e| Error::Internal(e.to_string()))
            };
            let (lo, hi) = (scalar(&mins)?, scalar(&maxes)?);
            let infinite = float(&lo).is_none() && matches!(Kind::of(&dt), Kind::Float);
            let infinite = infinite || float(&hi).is_none() && matches!(Kind::of(&dt), Kind::Float);
            if infinite {
                bounds_err = Some("a bound is infinite or NaN; a scan counts them".into());
                continue;
            }
            if let Err(e) = bounds.add(lo, hi) {
                bounds_err = Some(e);
            }
        }
    }
    let (null_count, null_count_unknown) = match nulls {
        Ok(n) => (Some(n), None),
        Err(why) => (None, Some(why)),
    };
    Ok(FieldFacts {
        name: name.to_string(),
        data_type: dt,
        rows,
        null_count,
        bounds: match bounds_err {
            Some(why) => Err(why),
            None => Ok(bounds.finish()),
        },
        null_count_unknown,
    })
}
