//! Type changes under the schema registries' rules: which Arrow type a reader expecting one type
//! can read data of another as, without loss.
//!
//! A *widening* (the reader's type holds every value of the writer's) is what Iceberg and Delta
//! allow as schema evolution: int8 → int16 → int32 → int64 (and unsigned into a wider unsigned
//! or signed integer), float16 → float32 → float64, decimal precision up at the same scale.
//! Anything else that changes the type's meaning (string ↔ number, date ↔ timestamp, integer ↔
//! float, a timestamp's unit or time zone, a decimal's scale) is *incompatible*: it breaks in
//! every direction. Encodings of one logical type (Utf8, LargeUtf8, Utf8View, a dictionary of
//! strings; Binary and its variants; Date32 and Date64) are the same type.

use arrow::datatypes::DataType;

/// How the data of one type reads as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The same logical type (maybe another encoding).
    Same,
    /// Every value of the writer's type is a value of the reader's type.
    Widens,
    /// The reader's type is narrower: some values of the writer's type do not fit.
    Narrows,
    /// Different meanings: no reading either way.
    Incompatible,
}

/// The logical type behind an encoding: dictionaries unwrapped, string, binary and date
/// encodings folded together.
fn logical(t: &DataType) -> DataType {
    match t {
        DataType::Dictionary(_, v) => logical(v),
        DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
        DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => {
            DataType::Binary
        }
        DataType::Date64 => DataType::Date32,
        t => t.clone(),
    }
}

/// (signed, bits) of an integer type.
fn integer(t: &DataType) -> Option<(bool, u8)> {
    use DataType::*;
    Some(match t {
        Int8 => (true, 8),
        Int16 => (true, 16),
        Int32 => (true, 32),
        Int64 => (true, 64),
        UInt8 => (false, 8),
        UInt16 => (false, 16),
        UInt32 => (false, 32),
        UInt64 => (false, 64),
        _ => return None,
    })
}

fn float_bits(t: &DataType) -> Option<u8> {
    match t {
        DataType::Float16 => Some(16),
        DataType::Float32 => Some(32),
        DataType::Float64 => Some(64),
        _ => None,
    }
}

/// (precision, scale) of a decimal type.
fn decimal(t: &DataType) -> Option<(u8, i8)> {
    match t {
        DataType::Decimal32(p, s)
        | DataType::Decimal64(p, s)
        | DataType::Decimal128(p, s)
        | DataType::Decimal256(p, s) => Some((*p, *s)),
        _ => None,
    }
}

/// Does every value of `a` fit in `b` (both integers)?
fn int_fits(a: (bool, u8), b: (bool, u8)) -> bool {
    match (a.0, b.0) {
        (true, true) | (false, false) => a.1 <= b.1,
        (false, true) => a.1 < b.1,
        (true, false) => false,
    }
}

/// How data written as `writer` reads as `reader`.
pub fn reading(writer: &DataType, reader: &DataType) -> Reading {
    let (w, r) = (logical(writer), logical(reader));
    if w == r {
        return Reading::Same;
    }
    let ordered = |fits: bool, back: bool| match (fits, back) {
        (true, _) => Reading::Widens,
        (false, true) => Reading::Narrows,
        (false, false) => Reading::Incompatible,
    };
    if let (Some(a), Some(b)) = (integer(&w), integer(&r)) {
        return ordered(int_fits(a, b), int_fits(b, a));
    }
    if let (Some(a), Some(b)) = (float_bits(&w), float_bits(&r)) {
        return ordered(a <= b, b <= a);
    }
    if let (Some((pa, sa)), Some((pb, sb))) = (decimal(&w), decimal(&r)) {
        if sa != sb {
            return Reading::Incompatible;
        }
        return ordered(pa <= pb, pb <= pa);
    }
    Reading::Incompatible
}

/// A short name of a type for messages (`int32`, `float64`, `string`, `decimal(10,2)`).
pub fn name(t: &DataType) -> String {
    use DataType::*;
    match t {
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 => {
            let (signed, bits) = integer(t).unwrap_or((true, 64));
            format!("{}int{bits}", if signed { "" } else { "u" })
        }
        Float16 | Float32 | Float64 => format!("float{}", float_bits(t).unwrap_or(64)),
        Utf8 | LargeUtf8 | Utf8View => "string".into(),
        Dictionary(_, v) => name(v),
        Boolean => "boolean".into(),
        Binary | LargeBinary | BinaryView => "binary".into(),
        FixedSizeBinary(n) => format!("fixed_binary({n})"),
        Date32 | Date64 => "date".into(),
        Timestamp(unit, tz) => {
            let unit = match unit {
                arrow::datatypes::TimeUnit::Second => "s",
                arrow::datatypes::TimeUnit::Millisecond => "ms",
                arrow::datatypes::TimeUnit::Microsecond => "us",
                arrow::datatypes::TimeUnit::Nanosecond => "ns",
            };
            match tz {
                Some(tz) => format!("timestamp({unit}, {tz})"),
                None => format!("timestamp({unit})"),
            }
        }
        Decimal32(p, s) | Decimal64(p, s) | Decimal128(p, s) | Decimal256(p, s) => {
            format!("decimal({p},{s})")
        }
        other => other.to_string().to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DataType::*;
    use Reading::*;

    #[test]
    fn integers_widen_by_width_and_sign() {
        assert_eq!(reading(&Int8, &Int16), Widens);
        assert_eq!(reading(&Int32, &Int64), Widens);
        assert_eq!(reading(&Int64, &Int32), Narrows);
        assert_eq!(reading(&UInt32, &Int64), Widens);
        assert_eq!(reading(&UInt32, &Int32), Narrows);
        assert_eq!(reading(&Int32, &UInt32), Incompatible);
        assert_eq!(reading(&Int16, &UInt64), Incompatible);
    }

    #[test]
    fn floats_and_decimals() {
        assert_eq!(reading(&Float32, &Float64), Widens);
        assert_eq!(reading(&Float64, &Float32), Narrows);
        assert_eq!(reading(&Decimal128(10, 2), &Decimal128(12, 2)), Widens);
        assert_eq!(reading(&Decimal128(12, 2), &Decimal128(10, 2)), Narrows);
        assert_eq!(
            reading(&Decimal128(10, 2), &Decimal128(12, 3)),
            Incompatible
        );
        assert_eq!(reading(&Int32, &Float64), Incompatible);
    }

    #[test]
    fn meanings_never_cross() {
        let ts = Timestamp(arrow::datatypes::TimeUnit::Microsecond, None);
        assert_eq!(reading(&Date32, &ts), Incompatible);
        assert_eq!(reading(&ts, &Date32), Incompatible);
        assert_eq!(reading(&Utf8, &Int64), Incompatible);
        assert_eq!(reading(&Int64, &Utf8), Incompatible);
        assert_eq!(reading(&Boolean, &Int8), Incompatible);
    }

    #[test]
    fn encodings_of_one_type_are_the_same() {
        assert_eq!(reading(&Utf8, &LargeUtf8), Same);
        assert_eq!(
            reading(&Dictionary(Box::new(Int32), Box::new(Utf8)), &Utf8View),
            Same
        );
        assert_eq!(reading(&Date64, &Date32), Same);
        assert_eq!(name(&Int32), "int32");
        assert_eq!(name(&Decimal128(10, 2)), "decimal(10,2)");
    }
}
