//! Durations (`30m`, `2h`, `1d`, `1h30m`), sizes (`128MB`, `1GiB`) and numbers with `_` separators.

/// Parses a duration into seconds.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "invalid duration `{s}`: expected a number followed by s, m, h or d (e.g. `30m`, `2h`, `1d`)"
        )
    };
    // `1d 2h` as written by people (and by earlier versions of `format_duration`) is `1d2h`.
    let t: String = s
        .chars()
        .filter(|c| *c != '_' && !c.is_whitespace())
        .collect();
    if t.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let mult = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(bad()),
        };
        let n: u64 = num.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(mult)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        num.clear();
    }
    if !num.is_empty() {
        return Err(bad());
    }
    Ok(total)
}

/// Parses a size into bytes: `B`, `KB`/`MB`/`GB`/`TB` (powers of 1000), `KiB`/`MiB`/`GiB`/`TiB`
/// (powers of 1024); a bare number is bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "invalid size `{s}`: expected a number with an optional unit (B, KB, MB, GB, KiB, MiB, GiB)"
        )
    };
    let t = s.trim().replace('_', "");
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| bad())?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "tb" | "t" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024f64.powi(4),
        _ => return Err(bad()),
    };
    let v = n * mult;
    if !v.is_finite() || v < 0.0 || v > u64::MAX as f64 {
        return Err(bad());
    }
    Ok(v.round() as u64)
}

/// Parses a number written as text, allowing `_` separators (`1_000_000`).
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim().replace('_', "");
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Renders seconds as a short duration (`2h`, `1d 3h`, `45s`).
pub fn format_duration(secs: u64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let parts = [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")];
    let mut out = String::new();
    let mut rest = secs;
    for (unit, name) in parts {
        if rest >= unit {
            out.push_str(&format!("{}{name}", rest / unit));
            rest %= unit;
        }
    }
    out
}

/// Renders bytes with a decimal unit (`1.5 MB`).
pub fn format_size(bytes: u64) -> String {
    // Powers of 1000, as sizes are usually written in contracts (`128MB`).
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1000.0 && i + 1 < units.len() {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", units[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Ok(1800));
        assert_eq!(parse_duration("2h"), Ok(7200));
        assert_eq!(parse_duration("1d"), Ok(86_400));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert!(
            parse_duration("2x")
                .unwrap_err()
                .contains("invalid duration `2x`")
        );
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("5").is_err());
        assert_eq!(format_duration(93_784), "1d2h3m4s");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("128MB"), Ok(128_000_000));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("1_024"), Ok(1024));
        assert!(parse_size("12 parsecs").is_err());
        assert_eq!(format_size(1500), "1.5 KB");
        assert_eq!(format_size(128_000_000), "128.0 MB");
    }
}

/// `1234567` -> `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A point in time: RFC 3339, or a date meaning its midnight UTC.
pub fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&chrono::Utc))
        .map_err(|e| {
            format!("invalid time `{s}`: {e}; expected RFC 3339 (`2024-01-15T06:00:00Z`) or a date (`2024-01-15`)")
        })
}

#[cfg(test)]
mod round_trip {
    use super::*;

    #[test]
    fn durations_round_trip() {
        for secs in [0, 1, 59, 60, 3600, 86_400, 93_600, 90_061, 1_000_000] {
            let text = format_duration(secs);
            assert_eq!(parse_duration(&text), Ok(secs), "{text}");
        }
        assert_eq!(format_duration(93_600), "1d2h");
        assert_eq!(parse_duration("1d 2h"), Ok(93_600));
    }

    #[test]
    fn times_are_rfc3339_or_dates() {
        assert_eq!(
            parse_time("2013-03-13").unwrap().to_rfc3339(),
            "2013-03-13T00:00:00+00:00"
        );
        assert!(parse_time("2024-03-11T00:30:00Z").is_ok());
        assert!(parse_time("yesterday").is_err());
    }
}
