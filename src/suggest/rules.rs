//! The margin rules of suggested thresholds: pure functions over observed numbers, so each rule
//! can be stated (in the README and the YAML comments) and tested by hand.
//!
//! - **Ranges from one profile**: the observed `[min, max]` widened on each side by 10% of its
//!   width ([`SINGLE_MARGIN`]; 10% of the value itself, or 1, when every value is equal).
//! - **Ranges from several days**: widened below by 3 standard deviations of the daily minima and
//!   above by 3 standard deviations of the daily maxima ([`SPREAD_SDS`]), so a table whose
//!   extremes wander from day to day gets room, and one whose extremes are fixed (a capped
//!   quantity) gets none.
//! - Either way a bound is rounded outwards to the order of magnitude of its margin (a margin of
//!   91.2 rounds to tens), integer fields' bounds to whole numbers, and a range never crosses zero
//!   where the data did not: non-negative data keeps a minimum of at least 0. The rounded range
//!   always contains every observed value.
//! - **Null rates**: a field with nulls gets `max_null_rate` at the highest observed rate plus a
//!   margin of at least 1 point (half the rate from one profile, 3 standard deviations of the
//!   daily rates from several days), rounded up to 0.1 points.
//! - **Row counts**: each partition's rows against the mean of the (up to) 7 partitions before it,
//!   as the `row_count` check computes it; `min_ratio` is 90% of the lowest such ratio and
//!   `max_ratio` 110% of the highest, rounded outwards to 0.05, and never tighter than the
//!   defaults (0.8 and 2.0).
//! - **Freshness**: the load interval plus a buffer of a twelfth of it (2h a day), at least 1h,
//!   rounded up to whole hours.

/// A range from one profile reaches this share of the observed width beyond each end.
pub const SINGLE_MARGIN: f64 = 0.10;
/// A range from several days reaches this many standard deviations of the daily extremes.
pub const SPREAD_SDS: f64 = 3.0;
/// A suggested `max_null_rate` is at least this far above the highest observed rate.
pub const NULL_RATE_MIN_MARGIN: f64 = 0.01;
/// The row-count check's default ratios: a suggestion is never tighter.
pub const DEFAULT_MIN_RATIO: f64 = 0.8;
pub const DEFAULT_MAX_RATIO: f64 = 2.0;
/// Partitions a row-count ratio is computed against (the check's `baseline_days` default).
pub const ROW_COUNT_DAYS: usize = 7;

/// A suggested numeric range and how it was reached.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    pub min: f64,
    pub max: f64,
    /// The unrounded margins below and above the observed extremes.
    pub below: f64,
    pub above: f64,
}

/// The range suggested from one profile's `min` and `max`.
pub fn single_range(min: f64, max: f64, integer: bool) -> Range {
    let width = max - min;
    let margin = if width > 0.0 {
        SINGLE_MARGIN * width
    } else if max != 0.0 {
        SINGLE_MARGIN * max.abs()
    } else {
        1.0
    };
    finish(min, max, margin, margin, integer)
}

/// The range suggested from several days' minima and maxima (parallel, at least two days).
pub fn spread_range(mins: &[f64], maxs: &[f64], integer: bool) -> Range {
    let lo = mins.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = maxs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let below = SPREAD_SDS * sample_sd(mins);
    let above = SPREAD_SDS * sample_sd(maxs);
    finish(lo, hi, below, above, integer)
}

fn finish(lo: f64, hi: f64, below: f64, above: f64, integer: bool) -> Range {
    let mut min = round_down(lo - below, step(below, integer));
    let mut max = round_up(hi + above, step(above, integer));
    if lo >= 0.0 {
        min = min.max(0.0);
    }
    if hi <= 0.0 {
        max = max.min(0.0);
    }
    Range {
        min,
        max,
        below,
        above,
    }
}

/// The rounding step of a bound with this margin: its order of magnitude (1 at least for
/// integers); none (`0`) for a zero margin, which keeps the observed value.
pub fn step(margin: f64, integer: bool) -> f64 {
    if margin <= 0.0 || !margin.is_finite() {
        return if integer { 1.0 } else { 0.0 };
    }
    let s = 10f64.powi(margin.log10().floor() as i32);
    if integer { s.max(1.0) } else { s }
}

/// Decimal places that show a multiple of `step` exactly.
fn decimals(step: f64) -> usize {
    if step >= 1.0 || step <= 0.0 {
        0
    } else {
        (-step.log10() - 1e-9).ceil().max(0.0) as usize
    }
}

/// `x` as the decimal it is meant to be at `step`'s precision.
fn clean(x: f64, step: f64) -> f64 {
    if step <= 0.0 {
        return x;
    }
    format!("{:.*}", decimals(step), x).parse().unwrap_or(x)
}

/// `x / step`, snapped to a whole number within floating-point noise (`0.7 / 0.1` is 7, not
/// 6.999999999999999). A bound is never snapped by more than a billionth of a step, far less
/// than the margin it sits beyond the data.
fn steps(x: f64, step: f64) -> f64 {
    let q = x / step;
    if (q - q.round()).abs() < 1e-9 {
        q.round()
    } else {
        q
    }
}

/// The largest multiple of `step` at or below `x` (`x` itself for a zero step).
pub fn round_down(x: f64, step: f64) -> f64 {
    if step <= 0.0 || !x.is_finite() {
        return x;
    }
    let mut v = clean(steps(x, step).floor() * step, step);
    if v > x + 1e-9 * step {
        v = clean(v - step, step);
    }
    v
}

/// The smallest multiple of `step` at or above `x` (`x` itself for a zero step).
pub fn round_up(x: f64, step: f64) -> f64 {
    if step <= 0.0 || !x.is_finite() {
        return x;
    }
    let mut v = clean(steps(x, step).ceil() * step, step);
    if v < x - 1e-9 * step {
        v = clean(v + step, step);
    }
    v
}

/// The sample standard deviation (n - 1); 0 for fewer than two values.
pub fn sample_sd(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// A suggested `max_null_rate`: the highest of the observed rates (one per day, or one) plus its
/// margin, rounded up to 0.001 and at most 1. Returns the ceiling and the margin.
pub fn null_rate_ceiling(rates: &[f64]) -> (f64, f64) {
    let top = rates.iter().copied().fold(0.0, f64::max);
    let spread = if rates.len() >= 2 {
        SPREAD_SDS * sample_sd(rates)
    } else {
        top / 2.0
    };
    let margin = spread.max(NULL_RATE_MIN_MARGIN);
    (round_up(top + margin, 0.001).min(1.0), margin)
}

/// Each partition's rows against the mean of the up to [`ROW_COUNT_DAYS`] partitions before it
/// (oldest first; the first partition has none before it and no ratio).
pub fn row_ratios(rows: &[u64]) -> Vec<f64> {
    (1..rows.len())
        .filter_map(|i| {
            let before = &rows[i.saturating_sub(ROW_COUNT_DAYS)..i];
            let mean = before.iter().sum::<u64>() as f64 / before.len() as f64;
            (mean > 0.0).then(|| rows[i] as f64 / mean)
        })
        .collect()
}

/// `min_ratio` and `max_ratio` for these observed ratios (see the module's rule).
pub fn ratio_bounds(ratios: &[f64]) -> (f64, f64) {
    let low = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let high = ratios.iter().copied().fold(0.0, f64::max);
    let mut min = if low.is_finite() {
        round_down(0.9 * low, 0.05).min(DEFAULT_MIN_RATIO)
    } else {
        DEFAULT_MIN_RATIO
    };
    if min <= 0.0 {
        // A day with almost no rows: the check needs a positive ratio.
        min = round_down(0.9 * low, 0.01).max(0.01);
    }
    let max = round_up(1.1 * high, 0.05).max(DEFAULT_MAX_RATIO);
    (min, max)
}

/// A freshness `max_lag` in seconds for a load every `interval` seconds.
pub fn max_lag(interval: u64) -> u64 {
    let lag = interval + (interval / 12).max(3600);
    lag.div_ceil(3600) * 3600
}

/// A number for people: at most 6 significant digits, no exponent, no trailing zeros.
pub fn show(v: f64) -> String {
    show_sig(v, 6)
}

/// A margin for people: 3 significant digits.
pub fn approx(v: f64) -> String {
    show_sig(v, 3)
}

fn show_sig(v: f64, sig: i32) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == 0.0 {
        return "0".into();
    }
    let digits = sig - 1 - v.abs().log10().floor() as i32;
    let v = if digits > 0 {
        let p = 10f64.powi(digits.min(15));
        (v * p).round() / p
    } else {
        v.round()
    };
    format!("{v}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_profile_widens_by_a_tenth_of_the_width() {
        // [0.5, 912]: width 911.5, margin 91.15 (tens); the minimum stays at 0.
        let r = single_range(0.5, 912.0, false);
        assert_eq!((r.min, r.max), (0.0, 1010.0));
        // [-20, 80]: margin 10, step 10.
        let r = single_range(-20.0, 80.0, false);
        assert_eq!((r.min, r.max), (-30.0, 90.0));
        // Small decimals: [0.12, 0.57], margin 0.045, step 0.01.
        let r = single_range(0.12, 0.57, false);
        assert_eq!((r.min, r.max), (0.07, 0.62));
        // Integers 1..10: margin 0.9 rounds out to whole numbers.
        let r = single_range(1.0, 10.0, true);
        assert_eq!((r.min, r.max), (0.0, 11.0));
        // A constant column: 10% of its value.
        let r = single_range(2.5, 2.5, false);
        assert_eq!((r.min, r.max), (2.2, 2.8));
        // All zero: the range does not cross zero where the data did not.
        let r = single_range(0.0, 0.0, true);
        assert_eq!((r.min, r.max), (0.0, 0.0));
        // Negative data stays at or below zero.
        let r = single_range(-50.0, -1.0, false);
        assert_eq!((r.min, r.max), (-55.0, 0.0));
    }

    #[test]
    fn several_days_widen_by_the_spread_of_their_extremes() {
        // Maxima 100, 110, 120: sd 10, margin 30; minima all 1: no margin below.
        let r = spread_range(&[1.0, 1.0, 1.0], &[100.0, 110.0, 120.0], false);
        assert_eq!((r.min, r.max, r.below, r.above), (1.0, 150.0, 0.0, 30.0));
        // Fixed extremes (a capped quantity) get no room at all.
        let r = spread_range(&[1.0, 1.0], &[10.0, 10.0], true);
        assert_eq!((r.min, r.max), (1.0, 10.0));
    }

    #[test]
    fn rounding_goes_outwards_and_stays_decimal() {
        // Floating-point noise is not a step: 0.1 + 0.2 rounds up to 0.3.
        assert_eq!(round_up(0.1 + 0.2, 0.1), 0.3);
        assert_eq!(round_up(0.31, 0.05), 0.35);
        assert_eq!(round_up(0.3, 0.1), 0.3);
        assert_eq!(round_up(0.003 + 0.01, 0.001), 0.013);
        assert_eq!(round_up(1.1 * 2.5, 0.05), 2.75);
        assert_eq!(round_down(0.7, 0.1), 0.7);
        assert_eq!(round_down(-0.05, 0.01), -0.05);
        assert_eq!(round_up(1003.15, 10.0), 1010.0);
        assert_eq!(round_down(7.0, 0.0), 7.0);
        assert_eq!(step(91.15, false), 10.0);
        assert_eq!(step(0.9, true), 1.0);
        assert_eq!(step(0.045, false), 0.01);
    }

    #[test]
    fn null_rate_ceilings() {
        // One profile at 0.3%: + 1 point (half the rate is less).
        assert_eq!(null_rate_ceiling(&[0.003]), (0.013, 0.01));
        // One profile at 10%: + 5 points.
        assert_eq!(null_rate_ceiling(&[0.1]).0, 0.15);
        // Days at 1%, 2%, 3%: sd 1 point, margin 3 points.
        let (c, m) = null_rate_ceiling(&[0.01, 0.02, 0.03]);
        assert!((m - 0.03).abs() < 1e-12);
        assert_eq!(c, 0.06);
        assert_eq!(null_rate_ceiling(&[0.9]).0, 1.0);
    }

    #[test]
    fn row_count_ratios_follow_the_check() {
        // 100, 100, 70: the third day is 0.7 of the mean before it.
        let r = row_ratios(&[100, 100, 70]);
        assert_eq!(r, vec![1.0, 0.7]);
        // 0.9 x 0.7 = 0.63 -> 0.6; the high side keeps the default.
        assert_eq!(ratio_bounds(&r), (0.6, 2.0));
        // Stable days keep the defaults.
        assert_eq!(ratio_bounds(&[0.95, 1.05]), (0.8, 2.0));
        // A day at 2.5x: 2.75.
        assert_eq!(ratio_bounds(&[1.0, 2.5]), (0.8, 2.75));
        // Only 8 partitions back are averaged.
        let rows = [1000, 1, 1, 1, 1, 1, 1, 1, 7];
        assert_eq!(*row_ratios(&rows).last().unwrap(), 7.0);
        assert_eq!(ratio_bounds(&[0.02]).0, 0.01);
    }

    #[test]
    fn lags() {
        assert_eq!(max_lag(86_400), 26 * 3600);
        assert_eq!(max_lag(3600), 2 * 3600);
        assert_eq!(max_lag(7 * 86_400), 7 * 86_400 + 14 * 3600);
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(show(912.0), "912");
        assert_eq!(show(0.5), "0.5");
        assert_eq!(show(91.15), "91.15");
        assert_eq!(show(1234567.0), "1234567");
        assert_eq!(show(0.000123456789), "0.000123457");
        assert_eq!(show(-3.0), "-3");
        assert_eq!(approx(417.953), "418");
        assert_eq!(approx(2.968634), "2.97");
    }
}
