//! Slices that are not hive directories: the partitions of an Iceberg table's partition spec
//! (identity partitions, and the `hour`/`day`/`month`/`year` of a timestamp or date column), and
//! the event-time slices a contract asks for on a table not partitioned by time
//! (`slice: { column: event_time, every: 1d }`).
//!
//! A time slice is an ordinal: hours, days, months or years since 1970-01-01 UTC, which is also
//! how Iceberg stores its time-transformed partition values. Slices are named `KEY=VALUE` with
//! the value as Iceberg writes it in paths: `2024-03-08-13` (hour), `2024-03-08` (day),
//! `2024-03` (month), `2024` (year). Users may spell an hour `2024-03-08T13`, `2024-03-08 13:00`
//! or `2024-03-08T13:00:00`.

use arrow::datatypes::{DataType, TimeUnit};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, cast, lit};

/// The length of a time slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Hour,
    Day,
    Month,
    Year,
}

const MICROS_PER_HOUR: i64 = 3_600_000_000;
const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date")
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Hour => "hour",
            Unit::Day => "day",
            Unit::Month => "month",
            Unit::Year => "year",
        }
    }

    /// The slice holding the instant `micros` (microseconds since the epoch, UTC).
    pub fn ordinal_of_micros(self, micros: i64) -> i64 {
        match self {
            Unit::Hour => micros.div_euclid(MICROS_PER_HOUR),
            Unit::Day => micros.div_euclid(MICROS_PER_DAY),
            Unit::Month | Unit::Year => {
                let day = micros.div_euclid(MICROS_PER_DAY);
                let d = epoch() + chrono::Duration::days(day);
                let months = (d.year() as i64 - 1970) * 12 + d.month0() as i64;
                if self == Unit::Month {
                    months
                } else {
                    months.div_euclid(12)
                }
            }
        }
    }

    /// The first instant of slice `ord`, in microseconds since the epoch.
    pub fn start_micros(self, ord: i64) -> i64 {
        match self {
            Unit::Hour => ord * MICROS_PER_HOUR,
            Unit::Day => ord * MICROS_PER_DAY,
            Unit::Month | Unit::Year => {
                let months = if self == Unit::Month { ord } else { ord * 12 };
                let (y, m) = (
                    1970 + months.div_euclid(12),
                    months.rem_euclid(12) as u32 + 1,
                );
                let d = NaiveDate::from_ymd_opt(y as i32, m, 1).unwrap_or(epoch());
                (d - epoch()).num_days() * MICROS_PER_DAY
            }
        }
    }

    /// The slice's value as it is named: `2024-03-08-13`, `2024-03-08`, `2024-03`, `2024`.
    pub fn format(self, ord: i64) -> String {
        let t = chrono::DateTime::from_timestamp_micros(self.start_micros(ord))
            .map(|t| t.naive_utc())
            .unwrap_or_default();
        match self {
            Unit::Hour => t.format("%Y-%m-%d-%H").to_string(),
            Unit::Day => t.format("%Y-%m-%d").to_string(),
            Unit::Month => t.format("%Y-%m").to_string(),
            Unit::Year => t.format("%Y").to_string(),
        }
    }

    /// The `to_char` format that names a value's slice.
    fn char_format(self) -> &'static str {
        match self {
            Unit::Hour => "%Y-%m-%d-%H",
            Unit::Day => "%Y-%m-%d",
            Unit::Month => "%Y-%m",
            Unit::Year => "%Y",
        }
    }

    /// How a value of this unit is written, for hints.
    pub fn example(self) -> &'static str {
        match self {
            Unit::Hour => "2024-03-08T13 (or `2024-03-08 13:00`, `2024-03-08-13`)",
            Unit::Day => "2024-03-08",
            Unit::Month => "2024-03",
            Unit::Year => "2024",
        }
    }

    /// The unit of a duration (`1h`, `1d`; `1mo`/`1y` too): None for any other length.
    pub fn of_every(s: &str) -> Option<Unit> {
        match s.trim() {
            "1h" | "60m" | "3600s" => Some(Unit::Hour),
            "1d" | "24h" => Some(Unit::Day),
            "1mo" | "1month" => Some(Unit::Month),
            "1y" | "1year" => Some(Unit::Year),
            _ => None,
        }
    }
}

/// A slice value as a user spells it, with the unit the spelling implies: `2024` (year),
/// `2024-03` (month), `2024-03-08` (day), `2024-03-08T13`, `2024-03-08-13`, `2024-03-08 13:00`,
/// `2024-03-08T13:00:00` (hour; minutes and seconds must be zero).
pub fn parse_value(s: &str) -> Option<(Unit, i64)> {
    let s = s.trim();
    let date = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    if s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()) {
        let y: i64 = s.parse().ok()?;
        return Some((Unit::Year, y - 1970));
    }
    if s.len() == 7 {
        let d = date(&format!("{s}-01"))?;
        return Some((
            Unit::Month,
            (d.year() as i64 - 1970) * 12 + d.month0() as i64,
        ));
    }
    if s.len() == 10 {
        let d = date(s)?;
        return Some((Unit::Day, (d - epoch()).num_days()));
    }
    if s.len() < 13 {
        return None;
    }
    let (day, time) = (&s[..10], &s[11..]);
    if !matches!(&s[10..11], "T" | " " | "-") {
        return None;
    }
    let d = date(day)?;
    let t = if time.len() == 2 {
        NaiveDateTime::parse_from_str(&format!("{day} {time}:00:00"), "%Y-%m-%d %H:%M:%S").ok()?
    } else {
        let time = time.trim_end_matches('Z');
        let full = if time.len() == 5 {
            format!("{time}:00")
        } else {
            time.to_string()
        };
        NaiveDateTime::parse_from_str(&format!("{day} {full}"), "%Y-%m-%d %H:%M:%S").ok()?
    };
    if t.minute() != 0 || t.second() != 0 || t.nanosecond() != 0 {
        return None;
    }
    Some((Unit::Hour, (d - epoch()).num_days() * 24 + t.hour() as i64))
}

/// A contract's `slice: { column, every }`: slices of a table not partitioned by time, cut by a
/// filter on the column.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSlicing {
    pub column: String,
    pub unit: Unit,
    /// Where it was declared (`contract.yaml:12`), cited by errors.
    pub declared_at: Option<String>,
}

/// Where a slice key comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyOrigin {
    /// A field of the Iceberg table's default partition spec (its position in the spec).
    Iceberg { spec_id: i32, index: usize },
    /// A contract's `slice:` (or a `--partition` on a timestamp column of a table not
    /// partitioned by time): slices are cut by a filter on the column.
    EventTime,
}

/// A key the table is sliced by that is not a hive directory.
#[derive(Debug, Clone, PartialEq)]
pub struct SliceKey {
    /// Slices are named `NAME=VALUE`: the partition field's name (`event_time_day`), or the
    /// column for event-time slices.
    pub name: String,
    /// The column the slices are cut from.
    pub column: String,
    /// None: an identity partition (the column's value).
    pub unit: Option<Unit>,
    /// Iceberg's name of the transform (`day`, `identity`, `bucket[16]`), for messages.
    pub transform: String,
    pub origin: KeyOrigin,
    /// The column's type.
    pub data_type: DataType,
}

impl SliceKey {
    /// Whether `key` names this key: its name, or its column (`event_time` for
    /// `event_time_day`).
    pub fn answers_to(&self, key: &str) -> bool {
        self.name == key || self.column == key
    }

    /// The spellings a `--partition` on this key accepts, for hints.
    pub fn spellings(&self) -> String {
        match self.unit {
            Some(u) => {
                let ex = u.example();
                if self.name == self.column {
                    format!("`{}={ex}`, `{}=latest`", self.name, self.name)
                } else {
                    format!(
                        "`{}={ex}` or `{}={}`, `{}=latest`",
                        self.name,
                        self.column,
                        ex.split(' ').next().unwrap_or(ex),
                        self.column
                    )
                }
            }
            None => format!("`{}=VALUE`, `{}=latest`", self.name, self.name),
        }
    }

    /// The value a `--partition` names, as slices are named; `Err` says what is expected.
    pub fn normalize(&self, value: &str) -> std::result::Result<String, String> {
        match self.unit {
            None => Ok(value.to_string()),
            Some(u) => match parse_value(value) {
                Some((got, ord)) if got == u => Ok(u.format(ord)),
                Some((got, _)) => Err(format!(
                    "`{}` slices `{}` by {}, but `{value}` names {} {}: write `{}={}`",
                    self.name,
                    self.column,
                    u.as_str(),
                    if got == Unit::Hour { "an" } else { "a" },
                    got.as_str(),
                    self.name,
                    u.example()
                )),
                None => Err(format!(
                    "`{value}` is not a {} of `{}`: write `{}={}`",
                    u.as_str(),
                    self.column,
                    self.name,
                    u.example()
                )),
            },
        }
    }

    /// The expression naming each row's slice (a string, as slices are named), aliased to the
    /// key's name: `to_char` of the column in UTC, or the column itself for identity.
    pub fn group_expr(&self) -> Expr {
        let column = Expr::Column(datafusion::common::Column::new_unqualified(&self.column));
        let value = match (self.unit, &self.data_type) {
            (None, _) => cast(column, DataType::Utf8),
            (Some(u), DataType::Timestamp(unit, _)) => {
                let utc = cast(column, DataType::Timestamp(*unit, Some("UTC".into())));
                datafusion::functions::expr_fn::to_char(utc, lit(u.char_format()))
            }
            (Some(u), _) => datafusion::functions::expr_fn::to_char(column, lit(u.char_format())),
        };
        value.alias(&self.name)
    }

    /// The filter selecting the rows of the given slices (values as named): ranges on the
    /// column for time slices (adjacent slices joined into one range), so Parquet row groups
    /// are pruned by their statistics; equality for identity.
    pub fn filter(&self, values: &[String]) -> Option<Expr> {
        let column = || Expr::Column(datafusion::common::Column::new_unqualified(&self.column));
        let Some(u) = self.unit else {
            let list: Vec<Expr> = values.iter().map(|v| lit(v.clone())).collect();
            return Some(cast(column(), DataType::Utf8).in_list(list, false));
        };
        let mut ords: Vec<i64> = values
            .iter()
            .filter_map(|v| parse_value(v).filter(|(g, _)| *g == u).map(|(_, o)| o))
            .collect();
        ords.sort_unstable();
        ords.dedup();
        let mut ranges: Vec<(i64, i64)> = Vec::new();
        for o in ords {
            match ranges.last_mut() {
                Some(r) if r.1 == o => r.1 = o + 1,
                _ => ranges.push((o, o + 1)),
            }
        }
        let mut out: Option<Expr> = None;
        for (lo, hi) in ranges {
            let lo = bound(&self.data_type, u.start_micros(lo))?;
            let hi = bound(&self.data_type, u.start_micros(hi))?;
            let e = column().gt_eq(lit(lo)).and(column().lt(lit(hi)));
            out = Some(match out {
                None => e,
                Some(o) => o.or(e),
            });
        }
        out
    }
}

/// An instant as a literal of the column's type.
fn bound(dt: &DataType, micros: i64) -> Option<ScalarValue> {
    Some(match dt {
        DataType::Timestamp(TimeUnit::Second, tz) => {
            ScalarValue::TimestampSecond(Some(micros.div_euclid(1_000_000)), tz.clone())
        }
        DataType::Timestamp(TimeUnit::Millisecond, tz) => {
            ScalarValue::TimestampMillisecond(Some(micros.div_euclid(1_000)), tz.clone())
        }
        DataType::Timestamp(TimeUnit::Microsecond, tz) => {
            ScalarValue::TimestampMicrosecond(Some(micros), tz.clone())
        }
        DataType::Timestamp(TimeUnit::Nanosecond, tz) => {
            ScalarValue::TimestampNanosecond(Some(micros.checked_mul(1_000)?), tz.clone())
        }
        DataType::Date32 => ScalarValue::Date32(Some(micros.div_euclid(MICROS_PER_DAY) as i32)),
        DataType::Date64 => ScalarValue::Date64(Some(micros.div_euclid(1_000))),
        _ => return None,
    })
}

/// Microseconds since the epoch of a timestamp or date value (bounds from footers or
/// manifests).
pub fn micros_of(v: &ScalarValue) -> Option<i64> {
    Some(match v {
        ScalarValue::TimestampSecond(Some(x), _) => x.checked_mul(1_000_000)?,
        ScalarValue::TimestampMillisecond(Some(x), _) => x.checked_mul(1_000)?,
        ScalarValue::TimestampMicrosecond(Some(x), _) => *x,
        ScalarValue::TimestampNanosecond(Some(x), _) => x.div_euclid(1_000),
        ScalarValue::Date32(Some(d)) => *d as i64 * MICROS_PER_DAY,
        ScalarValue::Date64(Some(ms)) => ms.checked_mul(1_000)?,
        _ => return None,
    })
}

/// Whether a column of this type can be sliced by time.
pub fn is_time(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64
    )
}

/// The `n` slices before `current` (a value as named), oldest first.
pub fn preceding(unit: Unit, current: &str, n: usize) -> Vec<String> {
    let Some((u, ord)) = parse_value(current).filter(|(u, _)| *u == unit) else {
        return Vec::new();
    };
    (1..=n as i64).rev().map(|k| u.format(ord - k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_parse_to_their_unit() {
        let day = parse_value("2024-03-08").unwrap();
        assert_eq!(day.0, Unit::Day);
        assert_eq!(Unit::Day.format(day.1), "2024-03-08");
        for s in [
            "2024-03-08T13",
            "2024-03-08 13:00",
            "2024-03-08-13",
            "2024-03-08T13:00:00",
        ] {
            let (u, o) = parse_value(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(u, Unit::Hour, "{s}");
            assert_eq!(Unit::Hour.format(o), "2024-03-08-13");
            assert_eq!(o, day.1 * 24 + 13);
        }
        assert_eq!(parse_value("2024-03-08 13:30"), None);
        let (u, m) = parse_value("2024-03").unwrap();
        assert_eq!((u, m), (Unit::Month, 54 * 12 + 2));
        assert_eq!(Unit::Month.format(m), "2024-03");
        assert_eq!(parse_value("2024"), Some((Unit::Year, 54)));
        assert_eq!(parse_value("tomorrow"), None);
    }

    #[test]
    fn ordinals_agree_with_iceberg_transforms() {
        // 2024-03-08T13:45:00Z
        let t = chrono::DateTime::parse_from_rfc3339("2024-03-08T13:45:00Z")
            .unwrap()
            .timestamp_micros();
        assert_eq!(Unit::Day.ordinal_of_micros(t), 19790);
        assert_eq!(Unit::Hour.ordinal_of_micros(t), 19790 * 24 + 13);
        assert_eq!(Unit::Month.ordinal_of_micros(t), 650);
        assert_eq!(Unit::Year.ordinal_of_micros(t), 54);
        // Before the epoch, slices floor.
        assert_eq!(Unit::Day.ordinal_of_micros(-1), -1);
        assert_eq!(
            Unit::Month.format(Unit::Month.ordinal_of_micros(-1)),
            "1969-12"
        );
        for u in [Unit::Hour, Unit::Day, Unit::Month, Unit::Year] {
            let o = u.ordinal_of_micros(t);
            assert!(u.start_micros(o) <= t && t < u.start_micros(o + 1), "{u:?}");
        }
    }

    #[test]
    fn preceding_slices_count_back_by_calendar() {
        assert_eq!(
            preceding(Unit::Day, "2024-03-01", 2),
            ["2024-02-28", "2024-02-29"]
        );
        assert_eq!(preceding(Unit::Month, "2024-01", 1), ["2023-12"]);
        assert!(preceding(Unit::Day, "2024-03", 1).is_empty());
    }
}
