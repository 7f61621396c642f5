//! Labels for timestamp and date values in the HTML report's charts and quantile rows: as short
//! as the span of the values allows, so three axis ticks or seven quantiles fit a card.
//!
//! Values are in the profile's units: microseconds since the epoch (UTC) for timestamps, days
//! since the epoch for dates. A fractional value (a bin's edge) is labelled by the first
//! microsecond (or day) on or after it, as the JSON report renders bin edges.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

const DAY_MICROS: f64 = 86_400e6;
const HOUR_MICROS: f64 = 3_600e6;

/// How a field's values are written: timestamps or dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Microseconds since the epoch, UTC.
    Micros,
    /// Days since the epoch.
    Days,
}

impl Unit {
    fn utc(self, v: f64) -> Option<DateTime<Utc>> {
        let v = v.ceil();
        if !v.is_finite() {
            return None;
        }
        match self {
            Unit::Micros => DateTime::from_timestamp_micros(v as i64),
            Unit::Days => NaiveDate::from_ymd_opt(1970, 1, 1)
                .and_then(|d| d.checked_add_signed(chrono::Duration::days(v as i64)))
                .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc()),
        }
    }

    /// A span between two values in microseconds.
    fn span_micros(self, lo: f64, hi: f64) -> f64 {
        match self {
            Unit::Micros => hi - lo,
            Unit::Days => (hi - lo) * DAY_MICROS,
        }
    }

    fn format(self, v: f64, pattern: &str) -> String {
        match self.utc(v) {
            Some(t) => t.format(pattern).to_string(),
            None => format!("{v}"),
        }
    }
}

/// The pattern of an axis tick for values spanning `lo..=hi`: the date when they span days
/// (and always for dates), else the date with the minute, else the time to the second.
pub fn tick_pattern(unit: Unit, lo: f64, hi: f64) -> &'static str {
    let span = unit.span_micros(lo, hi);
    if unit == Unit::Days || span >= 3.0 * DAY_MICROS {
        "%Y-%m-%d"
    } else if span >= HOUR_MICROS {
        "%Y-%m-%d %H:%M"
    } else {
        "%m-%d %H:%M:%S"
    }
}

/// An axis tick (and a bar's tooltip) for a value of a field spanning `lo..=hi`.
pub fn tick(unit: Unit, lo: f64, hi: f64, v: f64) -> String {
    unit.format(v, tick_pattern(unit, lo, hi))
}

/// A value in full, for a tooltip: RFC 3339 to the microsecond for timestamps, the date for
/// dates.
pub fn full(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Micros => unit.format(v, "%Y-%m-%dT%H:%M:%S%.fZ"),
        Unit::Days => unit.format(v, "%Y-%m-%d"),
    }
}

/// Short texts for quantiles of a field spanning `lo..=hi`, with what they leave out: the day
/// when every value falls on one (cells `HH:MM`), the year when every value falls in one
/// (cells `MM-DD`, with `HH:MM` below for spans under a month), else `YYYY` over `MM-DD`.
/// Cells may hold a line break (`\n`), for the caller to render.
pub fn quantile_cells(
    unit: Unit,
    lo: f64,
    hi: f64,
    values: &[Option<f64>],
) -> (Vec<String>, String) {
    let (Some(first), Some(last)) = (unit.utc(lo), unit.utc(hi)) else {
        return (
            values.iter().map(|_| "–".to_string()).collect(),
            String::new(),
        );
    };
    let span = unit.span_micros(lo, hi);
    let (pattern, context) = if unit == Unit::Micros && first.date_naive() == last.date_naive() {
        let p = if span >= HOUR_MICROS {
            "%H:%M"
        } else {
            "%H:%M:%S"
        };
        (p, format!("UTC, on {}", first.format("%Y-%m-%d")))
    } else if first.year() == last.year() {
        let p = if unit == Unit::Micros && span < 31.0 * DAY_MICROS {
            "%m-%d\n%H:%M"
        } else {
            "%m-%d"
        };
        let zone = if unit == Unit::Micros { "UTC, " } else { "" };
        (p, format!("{zone}in {}", first.year()))
    } else {
        let zone = if unit == Unit::Micros { "UTC" } else { "" };
        ("%Y\n%m-%d", zone.to_string())
    };
    let cells = values
        .iter()
        .map(|v| v.map_or_else(|| "–".to_string(), |v| unit.format(v, pattern)))
        .collect();
    (cells, context)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(s: &str) -> f64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros() as f64
    }

    #[test]
    fn ticks_follow_the_span() {
        let lo = micros("2024-03-10T06:06:12.394645Z");
        let hi = micros("2024-03-10T23:48:15.1063Z");
        assert_eq!(tick(Unit::Micros, lo, hi, lo), "2024-03-10 06:06");
        let week = micros("2024-03-17T00:00:00Z");
        assert_eq!(tick(Unit::Micros, lo, week, lo), "2024-03-10");
        let minutes = lo + 600e6;
        assert_eq!(tick(Unit::Micros, lo, minutes, minutes), "03-10 06:16:12");
        // 2024-03-10 is day 19792.
        assert_eq!(tick(Unit::Days, 19792.0, 19793.0, 19792.0), "2024-03-10");
        assert_eq!(tick(Unit::Days, 19792.0, 19800.0, 19792.5), "2024-03-11");
    }

    #[test]
    fn quantile_cells_leave_out_what_all_share() {
        let lo = micros("2024-03-10T06:06:12Z");
        let hi = micros("2024-03-10T23:48:15Z");
        let (cells, context) = quantile_cells(Unit::Micros, lo, hi, &[Some(lo), None]);
        assert_eq!(cells, ["06:06", "–"]);
        assert_eq!(context, "UTC, on 2024-03-10");
        let hi = micros("2024-03-12T01:00:00Z");
        let (cells, context) = quantile_cells(Unit::Micros, lo, hi, &[Some(hi)]);
        assert_eq!(cells, ["03-12\n01:00"]);
        assert_eq!(context, "UTC, in 2024");
        let (cells, _) = quantile_cells(Unit::Days, 19000.0, 19792.0, &[Some(19792.0)]);
        assert_eq!(cells, ["2024\n03-10"]);
        let (cells, context) = quantile_cells(Unit::Days, 19730.0, 19792.0, &[Some(19792.0)]);
        assert_eq!(cells, ["03-10"]);
        assert_eq!(context, "in 2024");
        assert_eq!(full(Unit::Micros, lo), "2024-03-10T06:06:12Z");
    }
}
