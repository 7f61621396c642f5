//! Type changes under the schema registries' rules, from the source layer's one set of type
//! evolution rules ([`crate::source::unify::classify`], the rules by which files whose types
//! widened are read as one table): a *widening* (every value of the writer's type is exactly a
//! value of the reader's: int8 → int16 → int32 → int64, float32 → float64, decimal precision up)
//! reads; a *narrowing* (values of the same kind that do not all fit) does not; types of
//! different kinds (string and number, date and timestamp) never read as each other. Encodings of
//! one type (Utf8, LargeUtf8, Utf8View, dictionaries) are the same type.

use crate::source::unify::{TypeChange, classify};
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

/// How data written as `writer` reads as `reader`.
pub fn reading(writer: &DataType, reader: &DataType) -> Reading {
    match classify(writer, reader) {
        TypeChange::Same | TypeChange::Encoding => Reading::Same,
        TypeChange::Widening => Reading::Widens,
        TypeChange::Lossy => Reading::Narrows,
        TypeChange::Incompatible => Reading::Incompatible,
    }
}

/// A short name of a type for messages (`int32`, `float64`, `string`, `decimal(10,2)`).
pub fn name(t: &DataType) -> String {
    use DataType::*;
    match t {
        Int8 => "int8".into(),
        Int16 => "int16".into(),
        Int32 => "int32".into(),
        Int64 => "int64".into(),
        UInt8 => "uint8".into(),
        UInt16 => "uint16".into(),
        UInt32 => "uint32".into(),
        UInt64 => "uint64".into(),
        Float16 => "float16".into(),
        Float32 => "float32".into(),
        Float64 => "float64".into(),
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

    /// The source layer's rules, seen as a reader of one type reading data of another.
    #[test]
    fn readings_in_both_directions() {
        assert_eq!(reading(&Int32, &Int64), Widens);
        assert_eq!(reading(&Int64, &Int32), Narrows);
        assert_eq!(reading(&Float32, &Float64), Widens);
        assert_eq!(reading(&Float64, &Float32), Narrows);
        assert_eq!(reading(&Decimal128(10, 2), &Decimal128(12, 2)), Widens);
        assert_eq!(reading(&Utf8, &Int64), Incompatible);
        assert_eq!(
            reading(
                &Date32,
                &Timestamp(arrow::datatypes::TimeUnit::Microsecond, None)
            ),
            Incompatible
        );
        assert_eq!(
            reading(&Dictionary(Box::new(Int32), Box::new(Utf8)), &Utf8View),
            Same
        );
        assert_eq!(name(&Int32), "int32");
        assert_eq!(name(&Decimal128(10, 2)), "decimal(10,2)");
    }
}
