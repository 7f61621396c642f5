//! Selecting slices that are not hive directories: partitions of an Iceberg table (manifests
//! and data files pruned before any data file is opened) and event-time slices (a filter on
//! the column, which DataFusion pushes down to Parquet row-group statistics).

use super::slices::{EventSlicing, KeyOrigin, SliceKey, Unit, is_time, parse_value};
use super::{PartitionSelector, SelectValue, Source};
use crate::error::{Error, Result};
use arrow::datatypes::DataType;
use std::sync::Arc;

/// Adds a contract's event-time slicing to a source (its column's type is filled in once the
/// schema is known, see [`select_event_time`]).
pub(super) fn with_event_slicing(mut source: Source, slicing: Option<&EventSlicing>) -> Source {
    if let Some(e) = slicing
        && !source.slice_keys.iter().any(|k| k.answers_to(&e.column))
    {
        source
            .slice_keys
            .push(event_key(&e.column, e.unit, DataType::Null));
        source.slicing_declared_at = e.declared_at.clone();
    }
    source
}

fn event_key(column: &str, unit: Unit, data_type: DataType) -> SliceKey {
    SliceKey {
        name: column.to_string(),
        column: column.to_string(),
        unit: Some(unit),
        transform: format!("every {}", unit.as_str()),
        origin: KeyOrigin::EventTime,
        data_type,
    }
}

/// Selectors on hive partition keys, and the others (slices).
pub(super) fn split(
    source: &Source,
    selectors: &[PartitionSelector],
) -> (Vec<PartitionSelector>, Vec<PartitionSelector>) {
    selectors
        .iter()
        .cloned()
        .partition(|s| source.partition_cols.iter().any(|(k, _)| k == &s.key))
}

/// Whether the table is partitioned by time (a date hive key, an Iceberg time transform): then
/// a timestamp column is no slice key of its own.
fn time_partitioned(source: &Source) -> bool {
    source
        .partition_cols
        .iter()
        .any(|(_, dt)| *dt == DataType::Date32)
        || source
            .slice_keys
            .iter()
            .any(|k| k.unit.is_some() && matches!(k.origin, KeyOrigin::Iceberg { .. }))
}

fn selector_text(s: &PartitionSelector) -> String {
    match &s.value {
        SelectValue::Latest => format!("{}=latest", s.key),
        SelectValue::Value(v) => format!("{}={v}", s.key),
    }
}

/// The hint listing what a `--partition` on this source may name.
fn accepted(source: &Source) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !source.partition_cols.is_empty() {
        parts.push(format!(
            "partition keys: {}",
            source
                .partition_cols
                .iter()
                .map(|(k, _)| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for k in &source.slice_keys {
        let what = match (&k.origin, k.unit) {
            (KeyOrigin::Iceberg { .. }, Some(u)) => {
                format!(
                    "partition field `{}` ({} of `{}`)",
                    k.name,
                    u.as_str(),
                    k.column
                )
            }
            (KeyOrigin::Iceberg { .. }, None) => format!("partition field `{}` (identity)", k.name),
            (KeyOrigin::EventTime, _) => format!("event-time slices of `{}`", k.column),
        };
        parts.push(format!("{what}: {}", k.spellings()));
    }
    if let Some(t) = source.iceberg()
        && !t.other_partition_fields.is_empty()
    {
        parts.push(format!(
            "partition fields that cannot be selected: {}",
            t.other_partition_fields.join(", ")
        ));
    }
    if !time_partitioned(source) {
        let times: Vec<String> = source
            .schema()
            .fields()
            .iter()
            .filter(|f| is_time(f.data_type()))
            .map(|f| format!("`{}`", f.name()))
            .collect();
        if !times.is_empty() {
            parts.push(format!(
                "event-time slices of a timestamp or date column ({}): `COLUMN=2024-03-08` (a day), `COLUMN=2024-03-08T13` (an hour), `COLUMN=latest`, or a contract's `slice: {{ column: COLUMN, every: 1d }}`",
                times.join(", ")
            ));
        }
    }
    if source.iceberg().is_some() {
        parts.push("or select a snapshot with `--snapshot ID` or `--as-of TIME`".into());
    }
    if parts.is_empty() {
        format!(
            "`{}` has no partitions and no timestamp or date column to slice by",
            source.location
        )
    } else {
        parts.join("; ")
    }
}

fn not_a_key(source: &Source, s: &PartitionSelector) -> Error {
    let what = if source.iceberg().is_some() {
        "a partition field of the Iceberg table"
    } else {
        "a partition key of"
    };
    Error::usage(
        format!("`{}` is not {what} `{}`", s.key, source.location),
        accepted(source),
    )
}

/// Selects event-time slices: the key a selector names (a contract's `slice:` column, or a
/// timestamp/date column of a table not partitioned by time, sliced by the unit its value is
/// written in), the values (`latest`: the slice of the column's maximum), and the filter.
pub(super) fn select_event_time(
    mut source: Source,
    selectors: &[PartitionSelector],
    strict: bool,
) -> Result<Source> {
    let schema = source.schema();
    let at = source
        .slicing_declared_at
        .as_ref()
        .map_or(String::new(), |a| format!("{a}: "));
    // Fill in (and check) the type of a contract's event-time column.
    for k in source
        .slice_keys
        .iter_mut()
        .filter(|k| k.origin == KeyOrigin::EventTime)
    {
        match schema.field_with_name(&k.column) {
            Ok(f) if is_time(f.data_type()) => k.data_type = f.data_type().clone(),
            Ok(f) => {
                return Err(Error::usage(
                    format!(
                        "{}the slice column `{}` of `{}` is of type {}, not a timestamp or date",
                        at,
                        k.column,
                        source.location,
                        f.data_type()
                    ),
                    "give `slice: { column: ... }` a timestamp or date column",
                ));
            }
            Err(_) => {
                return Err(Error::usage(
                    format!(
                        "{}the slice column `{}` is not a column of `{}`",
                        at, k.column, source.location
                    ),
                    format!(
                        "columns: {}",
                        schema
                            .fields()
                            .iter()
                            .map(|f| format!("`{}`", f.name()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
    }
    if selectors.is_empty() {
        return Ok(source);
    }
    let mut names: Vec<String> = Vec::new();
    let mut key: Option<SliceKey> = None;
    for s in selectors {
        let found = source
            .slice_keys
            .iter()
            .find(|k| k.origin == KeyOrigin::EventTime && k.answers_to(&s.key))
            .cloned();
        let k = match found {
            Some(k) => k,
            None => {
                let column = schema
                    .field_with_name(&s.key)
                    .ok()
                    .filter(|f| is_time(f.data_type()));
                // Inferred only when asked of this table alone: in a run over several tables,
                // a key slices by event time only the tables whose contracts say `slice:`.
                match column {
                    Some(f) if strict && !time_partitioned(&source) => {
                        let unit = match &s.value {
                            SelectValue::Latest => Unit::Day,
                            SelectValue::Value(v) => parse_value(v).map_or(Unit::Day, |(u, _)| u),
                        };
                        event_key(&s.key, unit, f.data_type().clone())
                    }
                    _ if !strict => continue,
                    _ => return Err(not_a_key(&source, s)),
                }
            }
        };
        if key.as_ref().is_some_and(|prev| prev.column != k.column) {
            return Err(Error::usage(
                format!(
                    "`--partition {}` and `--partition {}=...` slice by two columns",
                    selector_text(s),
                    key.as_ref().map_or("", |p| p.column.as_str())
                ),
                "slice by one event-time column at a time",
            ));
        }
        let value = match &s.value {
            SelectValue::Value(v) => k
                .normalize(v)
                .map_err(|why| Error::usage(why, accepted(&source)))?,
            SelectValue::Latest => latest(&source, &k)?,
        };
        names.push(value);
        key = Some(k);
    }
    let Some(k) = key else {
        return Ok(source);
    };
    let Some(filter) = k.filter(&names) else {
        return Err(Error::usage(
            format!("`{}` cannot be sliced by time", k.column),
            accepted(&source),
        ));
    };
    names.sort();
    names.dedup();
    if let Some(unit) = k.unit {
        let ranges: Vec<(i64, i64)> = names
            .iter()
            .filter_map(|v| parse_value(v))
            .map(|(_, o)| (unit.start_micros(o), unit.start_micros(o + 1)))
            .collect();
        source = skip_files_outside(source, &k.column, &ranges);
    }
    source.filter = Some(match source.filter.take() {
        None => filter,
        Some(f) => f.and(filter),
    });
    source.rows_filtered = true;
    source.selected_slices = names.iter().map(|v| format!("{}={v}", k.name)).collect();
    if !source.slice_keys.iter().any(|x| x.name == k.name) {
        source.slice_keys.push(k);
    }
    Ok(source)
}

/// The slice holding the column's newest value, from the footers' or manifests' exact bounds.
fn latest(source: &Source, k: &SliceKey) -> Result<String> {
    let unit = k.unit.unwrap_or(Unit::Day);
    let facts = crate::profile::metadata::facts(source, std::slice::from_ref(&k.column))?;
    let bounds = facts.first().map(|f| f.bounds.clone());
    match bounds {
        Some(Ok(Some((_, hi)))) => match super::slices::micros_of(&hi) {
            Some(us) => Ok(unit.format(unit.ordinal_of_micros(us))),
            None => Err(Error::usage(
                format!(
                    "the newest `{}` of `{}` is not a time",
                    k.column, source.location
                ),
                "name the slice: `--partition COLUMN=2024-03-08`",
            )),
        },
        Some(Ok(None)) => Err(Error::NoSuchPartition {
            path: source.location.clone(),
            selector: format!("{}=latest", k.name),
            available: format!("none: every `{}` is null", k.column),
        }),
        Some(Err(why)) => Err(Error::usage(
            format!(
                "`{}=latest`: the newest `{}` of `{}` is not known from metadata ({why})",
                k.name, k.column, source.location
            ),
            format!(
                "name the slice: `--partition {}={}`",
                k.name,
                unit.example()
            ),
        )),
        None => Err(Error::Internal(format!("no facts of `{}`", k.column))),
    }
}

/// Selects partitions of an Iceberg table through its partition spec: each selector names a
/// partition field (`event_time_day=2024-03-08`) or its source column (`event_time=2024-03-08`,
/// the field whose transform the value is written for); manifests are pruned by their partition
/// summaries and data files by their partition tuple. Selectors on other keys select event-time
/// slices ([`select_event_time`]).
pub(super) async fn select_iceberg(
    source: &Source,
    selectors: &[PartitionSelector],
    strict: bool,
) -> Result<Source> {
    let Some(table) = source.iceberg() else {
        return Ok(source.clone());
    };
    let iceberg_keys: Vec<&SliceKey> = source
        .slice_keys
        .iter()
        .filter(|k| matches!(k.origin, KeyOrigin::Iceberg { .. }))
        .collect();
    // (key, wanted values) per partition field selected.
    let mut wanted: Vec<(SliceKey, Vec<String>)> = Vec::new();
    let mut rest: Vec<PartitionSelector> = Vec::new();
    let mut full: Option<crate::source::iceberg::IcebergTable> = None;
    for s in selectors {
        let candidates: Vec<&&SliceKey> = iceberg_keys
            .iter()
            .filter(|k| k.answers_to(&s.key))
            .collect();
        let key: Option<&SliceKey> = match (&s.value, candidates.as_slice()) {
            (_, []) => None,
            (_, [one]) => Some(one),
            // A column with several time fields (day and hour): the value's spelling decides.
            (SelectValue::Value(v), many) => {
                let unit = parse_value(v).map(|(u, _)| u);
                many.iter()
                    .find(|k| k.name == s.key || k.unit == unit)
                    .or(many.first())
                    .map(|k| **k)
            }
            (SelectValue::Latest, many) => many
                .iter()
                .find(|k| k.name == s.key)
                .or_else(|| many.iter().min_by_key(|k| k.unit))
                .map(|k| **k),
        };
        let Some(key) = key else {
            rest.push(s.clone());
            continue;
        };
        let value = match &s.value {
            SelectValue::Value(v) => key
                .normalize(v)
                .map_err(|why| Error::usage(why, accepted(source)))?,
            SelectValue::Latest => {
                if full.is_none() {
                    full = Some(table.pruned(&source.location, None).await?);
                }
                let all = full.as_ref().map_or(&[][..], |t| &t.files[..]);
                all.iter()
                    .filter_map(|f| f.partition.iter().find(|(n, _)| n == &key.name))
                    .map(|(_, v)| v.clone())
                    .filter(|v| v != super::HIVE_NULL)
                    .max_by(|a, b| order(key, a).cmp(&order(key, b)).then(a.cmp(b)))
                    .ok_or_else(|| Error::NoSuchPartition {
                        path: source.location.clone(),
                        selector: selector_text(s),
                        available: "none: the snapshot has no data file".into(),
                    })?
            }
        };
        match wanted.iter_mut().find(|(k, _)| k.name == key.name) {
            Some((_, vs)) => vs.push(value),
            None => wanted.push((key.clone(), vec![value])),
        }
    }
    let mut selected = match wanted.first() {
        None if table.complete => source.clone(),
        None => source.with_iceberg(match full.take() {
            Some(t) => t,
            None => table.pruned(&source.location, None).await?,
        }),
        Some((key, values)) => {
            let KeyOrigin::Iceberg { index, .. } = key.origin else {
                unreachable!("an Iceberg key")
            };
            let prune = crate::source::iceberg::Prune {
                index,
                unit: key.unit,
                values: values.clone(),
            };
            let mut t = table.pruned(&source.location, Some(&prune)).await?;
            t.scan_filter = wanted
                .iter()
                .map(|(k, vs)| crate::source::iceberg::partitions::predicate(&t.schema, k, vs))
                .reduce(|a, b| match (a, b) {
                    (Some(a), Some(b)) => Some(a.and(b)),
                    _ => None,
                })
                .flatten();
            // Further fields narrow the files in memory.
            for (k, vs) in &wanted[1..] {
                t.files.retain(|f| {
                    f.partition
                        .iter()
                        .find(|(n, _)| n == &k.name)
                        .is_none_or(|(_, v)| vs.contains(v))
                });
            }
            source.with_iceberg(t)
        }
    };
    selected.filter = None;
    selected.rows_filtered = false;
    selected.selected_slices = Vec::new();
    if let Some(t) = selected.iceberg()
        && t.unpruned > 0
    {
        // Files of an older spec that does not partition by this field: filter their rows.
        for (k, vs) in &wanted {
            if let Some(f) = k.filter(vs) {
                selected.filter = Some(match selected.filter.take() {
                    None => f,
                    Some(g) => g.and(f),
                });
                selected.rows_filtered = true;
            }
        }
    }
    // A single value the user named that no data file holds.
    if let [(key, values)] = wanted.as_slice()
        && values.len() == 1
        && selected.files.is_empty()
        && !selectors.is_empty()
    {
        let t = match full {
            Some(t) => t,
            None => table.pruned(&source.location, None).await?,
        };
        let mut present: Vec<String> = t
            .files
            .iter()
            .filter_map(|f| f.partition.iter().find(|(n, _)| n == &key.name))
            .map(|(_, v)| format!("{}={v}", key.name))
            .collect();
        present.sort();
        present.dedup();
        let n = present.len();
        let available = if n <= 8 {
            present.join(", ")
        } else {
            format!(
                "{}, ... ({} more), {}",
                present[..3].join(", "),
                n - 6,
                present[n - 3..].join(", ")
            )
        };
        return Err(Error::NoSuchPartition {
            path: source.location.clone(),
            selector: format!("{}={}", key.name, values[0]),
            available: if available.is_empty() {
                "none".into()
            } else {
                available
            },
        });
    }
    // The listing is every data file, when they were all read.
    selected.listing = match (wanted.is_empty(), &full) {
        (true, _) => Arc::new(selected.files.clone()),
        (false, Some(t)) => Arc::new(source.with_iceberg(t.clone()).files),
        (false, None) => source.listing.clone(),
    };
    if !strict {
        rest.retain(|s| {
            source.schema().field_with_name(&s.key).is_ok()
                || source.slice_keys.iter().any(|k| k.answers_to(&s.key))
        });
    }
    select_event_time(selected, &rest, strict)
}

/// Sort order of a partition value: time slices by their ordinal, others as text.
fn order(key: &SliceKey, v: &str) -> i64 {
    key.unit
        .and_then(|_| parse_value(v).map(|(_, o)| o))
        .unwrap_or(i64::MIN)
}

/// Leaves out the files whose statistics for `column` (footers, or the manifests of an Iceberg
/// table) show no value in any of `ranges` (microseconds, `[start, end)`): they are neither
/// opened nor counted in the slice's files and bytes. Files without exact bounds are kept.
fn skip_files_outside(mut source: Source, column: &str, ranges: &[(i64, i64)]) -> Source {
    let overlaps = |lo: i64, hi: i64| ranges.iter().any(|(s, e)| lo < *e && hi >= *s);
    if let Some(t) = source.iceberg() {
        let Some(field) = t.schema.field_by_name(column) else {
            return source;
        };
        let id = field.id;
        let micros = |d: &iceberg::spec::Datum| -> Option<i64> {
            use iceberg::spec::{PrimitiveLiteral, PrimitiveType};
            match (d.data_type(), d.literal()) {
                (
                    PrimitiveType::Timestamp | PrimitiveType::Timestamptz,
                    PrimitiveLiteral::Long(v),
                ) => Some(*v),
                (
                    PrimitiveType::TimestampNs | PrimitiveType::TimestamptzNs,
                    PrimitiveLiteral::Long(v),
                ) => Some(v.div_euclid(1000)),
                (PrimitiveType::Date, PrimitiveLiteral::Int(v)) => Some(*v as i64 * 86_400_000_000),
                _ => None,
            }
        };
        let mut t = t.clone();
        t.files.retain(|f| {
            if f.null_counts.get(&id) == Some(&f.records) {
                return false;
            }
            match (
                f.lower.get(&id).and_then(micros),
                f.upper.get(&id).and_then(micros),
            ) {
                (Some(lo), Some(hi)) => overlaps(lo, hi),
                _ => true,
            }
        });
        return source.with_iceberg(t);
    }
    let files = std::mem::take(&mut source.files);
    let kept: Vec<super::FileInfo> = files
        .into_iter()
        .filter(|f| {
            let one = Source {
                files: vec![f.clone()],
                ..source.clone()
            };
            let facts = crate::profile::metadata::facts(&one, &[column.to_string()]);
            match facts
                .ok()
                .and_then(|v| v.into_iter().next())
                .map(|f| f.bounds)
            {
                Some(Ok(None)) => false,
                Some(Ok(Some((lo, hi)))) => {
                    match (super::slices::micros_of(&lo), super::slices::micros_of(&hi)) {
                        (Some(lo), Some(hi)) => overlaps(lo, hi),
                        _ => true,
                    }
                }
                _ => true,
            }
        })
        .collect();
    source.files = kept;
    source
}
