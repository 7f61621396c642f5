//! Hive partitions: selectors, the typing of partition values (by the majority of a key's
//! values; Hive's null partition; strays left out and reported), and the selection of files by
//! partition with the equivalent scan filter.

use super::FileInfo;
use crate::error::{Error, Result};
use arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, col, lit};

/// `--partition KEY=VALUE` or `KEY=latest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionSelector {
    pub key: String,
    pub value: SelectValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectValue {
    Latest,
    Value(String),
}

impl std::str::FromStr for PartitionSelector {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (k, v) = s
            .split_once('=')
            .filter(|(k, v)| !k.is_empty() && !v.is_empty())
            .ok_or_else(|| format!("invalid partition `{s}`: expected KEY=VALUE or KEY=latest"))?;
        Ok(PartitionSelector {
            key: k.to_string(),
            value: if v == "latest" {
                SelectValue::Latest
            } else {
                SelectValue::Value(v.to_string())
            },
        })
    }
}

/// Hive's directory value for a null partition key: the rows under `key=__HIVE_DEFAULT_PARTITION__/`
/// have a null `key`.
pub const HIVE_NULL: &str = "__HIVE_DEFAULT_PARTITION__";

/// A typed hive partition value.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub(super) enum PartValue {
    /// Hive's null partition; orders first, so it never is the latest.
    Null,
    Int(i64),
    Date(i32),
    Str(String),
}

impl PartValue {
    fn scalar(&self) -> ScalarValue {
        match self {
            PartValue::Null => ScalarValue::Null,
            PartValue::Int(v) => ScalarValue::Int64(Some(*v)),
            PartValue::Date(v) => ScalarValue::Date32(Some(*v)),
            PartValue::Str(v) => ScalarValue::Utf8(Some(v.clone())),
        }
    }
}

fn parse_date(s: &str) -> Option<i32> {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    Some((d - epoch).num_days() as i32)
}

fn is_date(v: &str) -> bool {
    v.len() == 10 && parse_date(v).is_some()
}

/// The type most of a key's distinct values parse as: a date (`YYYY-MM-DD`), else an integer,
/// else a string. Hive's null partition does not vote; values not of the majority's type are
/// strays (a `date=tmp` copy, a `date=latest` link), left out of the table by [`strays`].
fn infer_type(values: &[&str]) -> DataType {
    let mut distinct: Vec<&str> = values.iter().copied().filter(|v| *v != HIVE_NULL).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let majority = |n: usize| n * 2 > distinct.len();
    if majority(distinct.iter().filter(|v| is_date(v)).count()) {
        DataType::Date32
    } else if majority(distinct.iter().filter(|v| v.parse::<i64>().is_ok()).count()) {
        DataType::Int64
    } else {
        DataType::Utf8
    }
}

/// The typed value of a directory's `key=value`; None for a stray (a value not of the key's type).
fn typed(value: &str, dt: &DataType) -> Option<PartValue> {
    if value == HIVE_NULL {
        return Some(PartValue::Null);
    }
    match dt {
        DataType::Date32 => parse_date(value)
            .filter(|_| is_date(value))
            .map(PartValue::Date),
        DataType::Int64 => value.parse().ok().map(PartValue::Int),
        _ => Some(PartValue::Str(value.to_string())),
    }
}

/// What sets a partition key apart in DataFusion's scan: a key with strays or Hive null
/// partitions is read as the directory strings and typed after (DataFusion would refuse to
/// parse `not-a-date` as a date, and knows nothing of Hive's null), so that strays can be
/// filtered out by name before any of their files is opened.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct KeyLayout {
    /// Read as strings, then `nullif(key, HIVE_NULL)` cast to the key's type.
    pub(super) raw: bool,
    /// Files were left out as strays: the scan must be filtered to the kept directories.
    pub(super) strays: bool,
}

/// Removes the files under stray directories (values not of their key's type) and says what
/// was left out. Returns the layout of each key and the warnings.
pub(super) fn strays(
    location: &str,
    cols: &[(String, DataType)],
    files: &mut Vec<FileInfo>,
) -> (Vec<KeyLayout>, Vec<String>) {
    let mut layout = vec![KeyLayout::default(); cols.len()];
    let mut warnings = Vec::new();
    for (i, (key, dt)) in cols.iter().enumerate() {
        let mut stray: Vec<&str> = Vec::new();
        let mut valid: Vec<&str> = Vec::new();
        let mut left_out = 0usize;
        for f in files.iter() {
            let v = f.partition[i].1.as_str();
            layout[i].raw |= v == HIVE_NULL;
            match typed(v, dt) {
                None => {
                    stray.push(v);
                    left_out += 1;
                }
                Some(PartValue::Null) => {}
                Some(_) => valid.push(v),
            }
        }
        if stray.is_empty() {
            continue;
        }
        layout[i].raw = true;
        layout[i].strays = true;
        stray.sort_unstable();
        stray.dedup();
        valid.sort_unstable();
        valid.dedup();
        let what = match (dt, stray.len()) {
            (DataType::Date32, 1) => "is not a date (YYYY-MM-DD)",
            (DataType::Date32, _) => "are not dates (YYYY-MM-DD)",
            (_, 1) => "is not an integer",
            _ => "are not integers",
        };
        let names: Vec<String> = stray.iter().map(|v| format!("`{key}={v}`")).collect();
        warnings.push(format!(
            "left out {left_out} file(s) under `{location}`: {} {what} like the other {} value(s) of `{key}`",
            summarize_list(&names),
            valid.len(),
        ));
    }
    files.retain(|f| {
        cols.iter()
            .enumerate()
            .all(|(i, (_, dt))| typed(&f.partition[i].1, dt).is_some())
    });
    (layout, warnings)
}

fn summarize_list(names: &[String]) -> String {
    if names.len() <= 5 {
        names.join(", ")
    } else {
        format!("{}, ... ({} more)", names[..4].join(", "), names.len() - 4)
    }
}

/// Partition keys in path order, each typed from all of its values.
pub(super) fn partition_columns(
    location: &str,
    files: &[FileInfo],
) -> Result<Vec<(String, DataType)>> {
    let keys: Vec<&str> = files[0].partition.iter().map(|(k, _)| k.as_str()).collect();
    for f in files {
        let these: Vec<&str> = f.partition.iter().map(|(k, _)| k.as_str()).collect();
        if these != keys {
            return Err(Error::PartitionLayout {
                path: location.to_string(),
                reason: format!(
                    "`{}` is under `{}` but `{}` is under `{}`",
                    files[0].path,
                    display_keys(&keys),
                    f.path,
                    display_keys(&these)
                ),
            });
        }
    }
    Ok(keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let values: Vec<&str> = files.iter().map(|f| f.partition[i].1.as_str()).collect();
            (k.to_string(), infer_type(&values))
        })
        .collect())
}

fn display_keys(keys: &[&str]) -> String {
    if keys.is_empty() {
        "no partition directories".into()
    } else {
        keys.iter()
            .map(|k| format!("{k}="))
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// Keeps the files of the selected partitions and returns the equivalent scan filter: on the
/// typed key, or on the directory names for a key read as strings (see [`KeyLayout`]), which
/// also keeps strays out of a scan with no selection.
pub(super) fn select(
    location: &str,
    cols: &[(String, DataType)],
    layout: &[KeyLayout],
    files: &mut Vec<FileInfo>,
    selectors: &[PartitionSelector],
) -> Result<Option<Expr>> {
    let mut filter: Option<Expr> = None;
    let mut and = |e: Expr| {
        filter = Some(match filter.take() {
            None => e,
            Some(f) => f.and(e),
        })
    };
    for (i, (key, dt)) in cols.iter().enumerate() {
        let wanted: Vec<&PartitionSelector> = selectors.iter().filter(|s| &s.key == key).collect();
        let raw = layout.get(i).cloned().unwrap_or_default();
        if wanted.is_empty() {
            if raw.strays {
                and(raw_filter(key, i, files));
            }
            continue;
        }
        let mut present: Vec<PartValue> = files
            .iter()
            .filter_map(|f| typed(&f.partition[i].1, dt))
            .collect();
        present.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        present.dedup();
        let mut chosen = Vec::new();
        for s in &wanted {
            let v = match &s.value {
                // Hive's null partition is never the latest.
                SelectValue::Latest => present.iter().rfind(|v| **v != PartValue::Null).cloned(),
                SelectValue::Value(v) => typed(v, dt).filter(|t| present.contains(t)),
            };
            match v {
                Some(v) => chosen.push(v),
                None => {
                    let shown: Vec<String> =
                        files.iter().map(|f| f.partition[i].1.clone()).collect();
                    return Err(Error::NoSuchPartition {
                        path: location.to_string(),
                        selector: format!(
                            "{key}={}",
                            match &s.value {
                                SelectValue::Latest => "latest",
                                SelectValue::Value(v) => v,
                            }
                        ),
                        available: summarize(shown, key),
                    });
                }
            }
        }
        files.retain(|f| typed(&f.partition[i].1, dt).is_some_and(|v| chosen.contains(&v)));
        if raw.raw {
            and(raw_filter(key, i, files));
        } else if chosen.len() == 1 {
            and(col(key.as_str()).eq(lit(chosen[0].scalar())));
        } else {
            and(col(key.as_str()).in_list(chosen.iter().map(|v| lit(v.scalar())).collect(), false));
        }
    }
    if let Some(s) = selectors
        .iter()
        .find(|s| !cols.iter().any(|(k, _)| k == &s.key))
    {
        let hint = if cols.is_empty() {
            format!("`{location}` has no `key=value/` partition directories")
        } else {
            format!(
                "partition keys of `{location}`: {}",
                cols.iter()
                    .map(|(k, _)| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(Error::usage(
            format!("`{}` is not a partition key", s.key),
            hint,
        ));
    }
    Ok(filter)
}

/// `key IN (the directory names of the kept files)`, on a key read as strings.
fn raw_filter(key: &str, i: usize, files: &[FileInfo]) -> Expr {
    let mut names: Vec<&str> = files.iter().map(|f| f.partition[i].1.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let column = Expr::Column(datafusion::common::Column::new_unqualified(key));
    match names.as_slice() {
        [one] => column.eq(lit(*one)),
        _ => column.in_list(names.into_iter().map(lit).collect(), false),
    }
}

fn summarize(mut values: Vec<String>, key: &str) -> String {
    values.sort();
    values.dedup();
    let n = values.len();
    let shown: Vec<String> = if n <= 8 {
        values.iter().map(|v| format!("{key}={v}")).collect()
    } else {
        let mut s: Vec<String> = values[..3].iter().map(|v| format!("{key}={v}")).collect();
        s.push(format!("... ({} more)", n - 6));
        s.extend(values[n - 3..].iter().map(|v| format!("{key}={v}")));
        s
    };
    shown.join(", ")
}
