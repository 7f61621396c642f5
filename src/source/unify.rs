//! Schema evolution across the files of one table: each file's Arrow schema unified into the
//! one schema the table is read as, the way Iceberg and Delta Lake promote types.
//!
//! A producer's types widen over time: old partitions hold `qty` as int32, new ones as int64.
//! The table is read as the widened type, every file cast to it (DataFusion's schema adapter
//! casts each file's columns to the table schema), so only changes that keep every value
//! exactly are accepted. [`classify`] says what a change from one type to another does to the
//! values; [`common_type`] is the narrowest type two types both widen to; [`unify`] folds the
//! files' schemas into one, or names the column, the two files and the two types that cannot be
//! read as one.
//!
//! The safe (lossless) changes:
//!
//! - `Null` (a column all null, as pyarrow writes it) to any type;
//! - integers to wider integers: int8 → int16 → int32 → int64, uint8 → uint16 → uint32 →
//!   uint64, and uintN → intM for M > N (Iceberg's int → long);
//! - integers to floats whose mantissa holds every value (int8/uint8 → float16, int16/uint16 →
//!   float32, int32/uint32 → float64; Delta's integer → double), never int64 → float64;
//! - float16 → float32 → float64 (Iceberg's float → double);
//! - decimals to a decimal with at least as many digits before and after the point: precision
//!   up at the same scale (Iceberg), or scale up with the precision raised at least as much
//!   (Delta); integers to a decimal with room for all their digits (Delta);
//! - date32 → date64; time of day to a finer unit (a day fits every unit);
//! - another encoding of the same values: a string plain, dictionary-encoded, large or as a
//!   view; binaries likewise, and fixed-size binaries as binaries; a list as a large list; two
//!   time zones of timestamps (the stored instants are the same, only the display zone differs);
//! - lists of a type that widens; structs field by field, a field added (null where it is
//!   missing).
//!
//! Not unified (an error naming both files and both types): different kinds of values (string
//! and integer, date and timestamp, integer and boolean); int64 or uint64 with floats (values
//! beyond 2^53 are not exact); uint64 with signed integers; floats with decimals; timestamps
//! and durations in different units (the finer unit truncates nothing but overflows sooner:
//! nanoseconds end in 2262) or with and without a time zone (a local time and an instant).
//!
//! A column missing from some files is null in their rows; the unified column is nullable when
//! it is nullable in any file or missing from any.

use arrow::datatypes::{DataType, Field, FieldRef, Fields, Schema, TimeUnit};
use std::collections::HashMap;
use std::sync::Arc;

/// What changing a column's type from one type to another does to its values.
///
/// Ordered from harmless to breaking, so the worst of several changes (the fields of a
/// struct) is their maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeChange {
    /// The same type.
    Same,
    /// The same values in another physical form (a string plain or dictionary-encoded, large
    /// or a view; a timestamp shown in another time zone).
    Encoding,
    /// Every value of the old type is exactly a value of the new one (int32 → int64).
    Widening,
    /// Values of the same kind, but some of the old type change or do not fit the new one
    /// (int64 → int32, float64 → float32, int64 → float64, a timestamp's unit).
    Lossy,
    /// Different kinds of values (string and integer, date and timestamp), or no conversion.
    Incompatible,
}

impl TypeChange {
    /// True when every value of the old type reads unchanged as the new type.
    pub fn is_safe(self) -> bool {
        self <= TypeChange::Widening
    }

    /// The change in a few words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            TypeChange::Same => "the same type",
            TypeChange::Encoding => "another encoding of the same values",
            TypeChange::Widening => "a lossless widening",
            TypeChange::Lossy => "a lossy change: some values change or do not fit",
            TypeChange::Incompatible => "an incompatible change: different kinds of values",
        }
    }
}

/// True when every value of `from` reads exactly as `to` (the same type, another encoding or a
/// widening): a file storing a column as `from` can be read in a table whose column is `to`.
pub fn widens(from: &DataType, to: &DataType) -> bool {
    classify(from, to).is_safe()
}

/// What reading values stored as `from` as the type `to` does to them.
pub fn classify(from: &DataType, to: &DataType) -> TypeChange {
    use DataType::*;
    use TypeChange::*;
    if from == to {
        return Same;
    }
    match (decoded(from), decoded(to)) {
        (Some(a), Some(b)) => return encoding(classify(&a, &b)),
        (Some(a), None) => return encoding(classify(&a, to)),
        (None, Some(b)) => return encoding(classify(from, &b)),
        (None, None) => {}
    }
    match (from, to) {
        (Null, _) => Widening,
        (_, Null) => Lossy,
        _ if is_string(from) && is_string(to) => Encoding,
        _ if is_binary(from) && is_binary(to) => Encoding,
        (FixedSizeBinary(_), _) if is_binary(to) => Widening,
        (_, FixedSizeBinary(_)) if is_binary(from) => Lossy,
        _ if is_numeric(from) || is_numeric(to) => numeric(from, to),
        (Date32, Date64) => Widening,
        (Date64, Date32) => Lossy,
        (Timestamp(u1, z1), Timestamp(u2, z2)) => match (z1, z2) {
            (None, Some(_)) | (Some(_), None) => Incompatible,
            _ if u1 != u2 => Lossy,
            _ => Encoding,
        },
        (Duration(_), Duration(_)) => Lossy,
        (Time32(a) | Time64(a), Time32(b) | Time64(b)) => {
            if unit_rank(a) <= unit_rank(b) {
                Widening
            } else {
                Lossy
            }
        }
        (List(a) | LargeList(a), List(b) | LargeList(b))
        | (ListView(a) | LargeListView(a), ListView(b) | LargeListView(b)) => {
            let container = if same_container(from, to) {
                Same
            } else {
                Encoding
            };
            container.max(child(a, b))
        }
        (FixedSizeList(a, n), FixedSizeList(b, m)) if n == m => child(a, b),
        (Struct(a), Struct(b)) => structs(a, b),
        (Map(a, s1), Map(b, s2)) => {
            let order = if s1 == s2 { Same } else { Encoding };
            order.max(child(a, b))
        }
        _ => Incompatible,
    }
}

/// The narrowest type both `a` and `b` read as exactly, when there is one: `b` when `a` widens
/// to it, `a` when `b` does, else a third type both widen to (int32 and uint32 read as int64,
/// int16 and float32 as float32, decimal(10,2) and decimal(10,3) as decimal(11,3)). When
/// `a` and `b` are encodings of the same values, the more general encoding (a large string
/// over a string, a view over both); a dictionary-encoded column meeting a plain one reads
/// plain; between two time zones of timestamps, `b`'s.
pub fn common_type(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (Null, _) => return Some(b.clone()),
        (_, Null) => return Some(a.clone()),
        _ => {}
    }
    if let Some(v) = decoded(a) {
        return common_type(&v, b);
    }
    if let Some(v) = decoded(b) {
        return common_type(a, &v);
    }
    if is_string(a) && is_string(b) {
        return Some(general_encoding(a, b, Utf8View, LargeUtf8));
    }
    if is_binary(a) && is_binary(b) {
        return Some(general_encoding(a, b, BinaryView, LargeBinary));
    }
    match (a, b) {
        (FixedSizeBinary(_), FixedSizeBinary(_)) => return Some(Binary),
        (FixedSizeBinary(_), _) if is_binary(b) => return Some(b.clone()),
        (_, FixedSizeBinary(_)) if is_binary(a) => return Some(a.clone()),
        (List(x) | LargeList(x), List(y) | LargeList(y)) => {
            let f = Arc::new(common_field(x, y)?);
            return Some(if matches!(a, List(_)) && matches!(b, List(_)) {
                List(f)
            } else {
                LargeList(f)
            });
        }
        (ListView(x) | LargeListView(x), ListView(y) | LargeListView(y)) => {
            let f = Arc::new(common_field(x, y)?);
            return Some(if matches!(a, ListView(_)) && matches!(b, ListView(_)) {
                ListView(f)
            } else {
                LargeListView(f)
            });
        }
        (FixedSizeList(x, n), FixedSizeList(y, m)) if n == m => {
            return Some(FixedSizeList(Arc::new(common_field(x, y)?), *n));
        }
        (Struct(x), Struct(y)) => return common_struct(x, y).map(Struct),
        (Map(x, s1), Map(y, s2)) => return Some(Map(Arc::new(common_field(x, y)?), *s1 && *s2)),
        _ => {}
    }
    if classify(a, b).is_safe() {
        return Some(b.clone());
    }
    if classify(b, a).is_safe() {
        return Some(a.clone());
    }
    common_numeric(a, b)
}

/// Why `a` and `b` have no common type, in a few words (for an error naming both).
pub fn why_incompatible(a: &DataType, b: &DataType) -> String {
    use DataType::*;
    let (a, b) = (
        decoded(a).unwrap_or_else(|| a.clone()),
        decoded(b).unwrap_or_else(|| b.clone()),
    );
    match (&a, &b) {
        (Timestamp(_, z1), Timestamp(_, z2)) if z1.is_some() != z2.is_some() => {
            "one is a local date-time (no time zone), the other an instant (with a time zone)"
                .into()
        }
        (Timestamp(u1, _), Timestamp(u2, _)) | (Duration(u1), Duration(u2)) if u1 != u2 => {
            format!(
                "the unit changed ({} and {}): the finer unit truncates nothing but holds a shorter range, so converting is not lossless",
                unit_name(u1),
                unit_name(u2)
            )
        }
        _ if integer(&a).is_some() && integer(&b).is_some() => {
            "no integer type holds every value of both (uint64 and a signed integer)".into()
        }
        _ if integer(&a).is_some() && is_float(&b) || is_float(&a) && integer(&b).is_some() => {
            "the float type does not hold every integer exactly (int64 beyond 2^53)".into()
        }
        _ if is_decimal(&a) && is_decimal(&b) => {
            "no decimal of at most 76 digits holds both precisions and scales".into()
        }
        _ if is_numeric(&a) && is_numeric(&b) => {
            "floats are not exact as decimals nor decimals as floats".into()
        }
        _ => format!(
            "{} and {} hold different kinds of values",
            family(&a),
            family(&b)
        ),
    }
}

/// Two files' types of one column that no type holds both of.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The column (top-level name).
    pub column: String,
    /// An earlier file and its type of the column.
    pub first_file: String,
    pub first_type: DataType,
    /// The file whose type could not be unified, and its type.
    pub second_file: String,
    pub second_type: DataType,
}

impl Conflict {
    /// Why the two types do not unify.
    pub fn reason(&self) -> String {
        why_incompatible(&self.first_type, &self.second_type)
    }
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "column `{}` is {} in `{}` but {} in `{}`: {}",
            self.column,
            self.first_type,
            self.first_file,
            self.second_type,
            self.second_file,
            self.reason()
        )
    }
}

/// One schema for files of the given schemas (`(file, schema)`, in the order the files are
/// read): columns in order of first appearance, each of the common type of its types in the
/// files, nullable when it is nullable in any file or missing from any. Field and schema
/// metadata are merged, the first file's value kept where files disagree.
pub fn unify<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a Schema)>,
) -> Result<Schema, Conflict> {
    struct Column<'a> {
        field: Field,
        /// Each distinct type of the column and the first file holding it.
        seen: Vec<(&'a str, &'a DataType)>,
        files: usize,
    }
    let mut columns: Vec<Column<'a>> = Vec::new();
    let mut index: HashMap<&'a str, usize> = HashMap::new();
    let mut metadata: HashMap<String, String> = HashMap::new();
    let mut n = 0;
    for (file, schema) in files {
        n += 1;
        for (k, v) in schema.metadata() {
            metadata.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for f in schema.fields() {
            let Some(&i) = index.get(f.name().as_str()) else {
                index.insert(f.name(), columns.len());
                columns.push(Column {
                    field: f.as_ref().clone(),
                    seen: vec![(file, f.data_type())],
                    files: 1,
                });
                continue;
            };
            let c = &mut columns[i];
            c.files += 1;
            let unified = common_type(c.field.data_type(), f.data_type()).ok_or_else(|| {
                // Name an earlier file whose own type conflicts, else the first one.
                let (first_file, first_type) = c
                    .seen
                    .iter()
                    .find(|(_, t)| common_type(t, f.data_type()).is_none())
                    .copied()
                    .unwrap_or(c.seen[0]);
                Conflict {
                    column: f.name().clone(),
                    first_file: first_file.to_string(),
                    first_type: first_type.clone(),
                    second_file: file.to_string(),
                    second_type: f.data_type().clone(),
                }
            })?;
            if !c.seen.iter().any(|(_, t)| *t == f.data_type()) {
                c.seen.push((file, f.data_type()));
            }
            let mut meta = c.field.metadata().clone();
            for (k, v) in f.metadata() {
                meta.entry(k.clone()).or_insert_with(|| v.clone());
            }
            let nullable = c.field.is_nullable() || f.is_nullable();
            c.field = c
                .field
                .clone()
                .with_data_type(unified)
                .with_nullable(nullable)
                .with_metadata(meta);
        }
    }
    let fields: Vec<Field> = columns
        .into_iter()
        .map(|c| {
            let nullable = c.field.is_nullable() || c.files < n;
            c.field.with_nullable(nullable)
        })
        .collect();
    Ok(Schema::new_with_metadata(fields, metadata))
}

/// A same-values change stays an encoding; a widening or worse of the values is that.
fn encoding(values: TypeChange) -> TypeChange {
    values.max(TypeChange::Encoding)
}

/// A child field's change: its type's, and a nullable child read as non-null is lossy.
fn child(a: &FieldRef, b: &FieldRef) -> TypeChange {
    let t = classify(a.data_type(), b.data_type());
    let nulls = if a.is_nullable() && !b.is_nullable() {
        TypeChange::Lossy
    } else if a.is_nullable() != b.is_nullable() || a.name() != b.name() {
        TypeChange::Encoding
    } else {
        TypeChange::Same
    };
    t.max(nulls)
}

/// Structs field by field, by name: a field removed loses its values; a field added is null in
/// the old rows (incompatible when it may not be null).
fn structs(a: &Fields, b: &Fields) -> TypeChange {
    let mut worst = TypeChange::Same;
    for fa in a {
        worst = worst.max(match b.find(fa.name()) {
            Some((_, fb)) => child(fa, fb),
            None => TypeChange::Lossy,
        });
    }
    for fb in b {
        if a.find(fb.name()).is_none() {
            worst = worst.max(if fb.is_nullable() {
                TypeChange::Widening
            } else {
                TypeChange::Incompatible
            });
        }
    }
    if worst == TypeChange::Same {
        // The same fields in another order.
        worst = TypeChange::Encoding;
    }
    worst
}

fn common_field(a: &FieldRef, b: &FieldRef) -> Option<Field> {
    let t = common_type(a.data_type(), b.data_type())?;
    Some(
        a.as_ref()
            .clone()
            .with_data_type(t)
            .with_nullable(a.is_nullable() || b.is_nullable()),
    )
}

fn common_struct(a: &Fields, b: &Fields) -> Option<Fields> {
    let mut out: Vec<Field> = Vec::new();
    for fa in a {
        out.push(match b.find(fa.name()) {
            Some((_, fb)) => common_field(fa, fb)?,
            None => fa.as_ref().clone().with_nullable(true),
        });
    }
    for fb in b {
        if a.find(fb.name()).is_none() {
            out.push(fb.as_ref().clone().with_nullable(true));
        }
    }
    Some(Fields::from(out))
}

/// The values of a dictionary- or run-end-encoded type.
fn decoded(t: &DataType) -> Option<DataType> {
    match t {
        DataType::Dictionary(_, v) => Some(v.as_ref().clone()),
        DataType::RunEndEncoded(_, v) => Some(v.data_type().clone()),
        _ => None,
    }
}

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn is_binary(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView
    )
}

fn is_float(t: &DataType) -> bool {
    matches!(t, DataType::Float16 | DataType::Float32 | DataType::Float64)
}

fn is_decimal(t: &DataType) -> bool {
    decimal(t).is_some()
}

fn is_numeric(t: &DataType) -> bool {
    integer(t).is_some() || is_float(t) || is_decimal(t)
}

/// A view if either is one, else the large form if either is large, else the plain form.
fn general_encoding(a: &DataType, b: &DataType, view: DataType, large: DataType) -> DataType {
    if *a == view || *b == view {
        view
    } else if *a == large || *b == large {
        large
    } else {
        a.clone()
    }
}

/// An integer type as (signed, bits).
fn integer(t: &DataType) -> Option<(bool, u32)> {
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

/// A float type's significand bits (with the implicit one): integers up to 2^bits are exact.
fn mantissa(t: &DataType) -> Option<u32> {
    match t {
        DataType::Float16 => Some(11),
        DataType::Float32 => Some(24),
        DataType::Float64 => Some(53),
        _ => None,
    }
}

/// A decimal type as (width in bits, precision, scale).
fn decimal(t: &DataType) -> Option<(u32, u8, i8)> {
    use DataType::*;
    match t {
        Decimal32(p, s) => Some((32, *p, *s)),
        Decimal64(p, s) => Some((64, *p, *s)),
        Decimal128(p, s) => Some((128, *p, *s)),
        Decimal256(p, s) => Some((256, *p, *s)),
        _ => None,
    }
}

/// The largest precision of a decimal width.
fn max_precision(width: u32) -> u8 {
    match width {
        32 => 9,
        64 => 18,
        128 => 38,
        _ => 76,
    }
}

/// The decimal type of a width, precision and scale.
fn decimal_type(width: u32, p: u8, s: i8) -> DataType {
    match width {
        32 => DataType::Decimal32(p, s),
        64 => DataType::Decimal64(p, s),
        128 => DataType::Decimal128(p, s),
        _ => DataType::Decimal256(p, s),
    }
}

/// Magnitude bits of an integer type (its value range without the sign).
fn magnitude_bits((signed, bits): (bool, u32)) -> u32 {
    if signed { bits - 1 } else { bits }
}

/// Decimal digits every value of an integer type needs.
fn digits((signed, bits): (bool, u32)) -> u8 {
    match (signed, bits) {
        (_, 8) => 3,
        (_, 16) => 5,
        (_, 32) => 10,
        (true, _) => 19,
        (false, _) => 20,
    }
}

/// Between numeric types (at least one side an integer, float or decimal).
fn numeric(from: &DataType, to: &DataType) -> TypeChange {
    use TypeChange::*;
    if !is_numeric(from) || !is_numeric(to) {
        return Incompatible;
    }
    let safe = |ok: bool| if ok { Widening } else { Lossy };
    match (integer(from), integer(to), decimal(from), decimal(to)) {
        (Some(a), Some(b), _, _) => safe(match (a.0, b.0) {
            (true, false) => false,
            (false, true) => b.1 > a.1,
            _ => b.1 >= a.1,
        }),
        (Some(a), None, _, Some((_, p, s))) => {
            safe(s >= 0 && p as i16 - s as i16 >= digits(a) as i16)
        }
        (Some(a), None, _, None) => safe(mantissa(to).is_some_and(|m| magnitude_bits(a) <= m)),
        (None, _, Some((_, p1, s1)), Some((_, p2, s2))) => {
            safe(s2 >= s1 && p2 as i16 - s2 as i16 >= p1 as i16 - s1 as i16)
        }
        _ => match (mantissa(from), mantissa(to)) {
            (Some(a), Some(b)) => safe(b >= a),
            // Floats and decimals, floats or decimals to integers.
            _ => Lossy,
        },
    }
}

/// A third type two numeric types both widen to, when neither widens to the other.
fn common_numeric(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    if !is_numeric(a) || !is_numeric(b) {
        return None;
    }
    let candidates = [Int16, Int32, Int64, Float32, Float64];
    if let Some(c) = candidates
        .into_iter()
        .find(|c| widens(a, c) && widens(b, c))
    {
        return Some(c);
    }
    // Decimals (or an integer and a decimal): room for the most digits on each side.
    let parts = |t: &DataType| -> Option<(u32, i16, i16)> {
        match (decimal(t), integer(t)) {
            (Some((w, p, s)), _) => Some((w, p as i16 - s as i16, s as i16)),
            (None, Some(i)) => Some((0, digits(i) as i16, 0)),
            _ => None,
        }
    };
    let (wa, ia, sa) = parts(a)?;
    let (wb, ib, sb) = parts(b)?;
    if wa.max(wb) == 0 {
        // Two integers (uint64 and a signed one) do not become a decimal.
        return None;
    }
    let (int_digits, scale) = (ia.max(ib), sa.max(sb));
    let precision = u8::try_from(int_digits + scale).ok()?;
    let width = [32, 64, 128, 256]
        .into_iter()
        .find(|&w| w >= wa.max(wb) && max_precision(w) >= precision)?;
    Some(decimal_type(width, precision, scale as i8))
}

/// Whether two list-like types are the same container.
fn same_container(a: &DataType, b: &DataType) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn unit_rank(u: &TimeUnit) -> u8 {
    match u {
        TimeUnit::Second => 0,
        TimeUnit::Millisecond => 1,
        TimeUnit::Microsecond => 2,
        TimeUnit::Nanosecond => 3,
    }
}

fn unit_name(u: &TimeUnit) -> &'static str {
    match u {
        TimeUnit::Second => "seconds",
        TimeUnit::Millisecond => "milliseconds",
        TimeUnit::Microsecond => "microseconds",
        TimeUnit::Nanosecond => "nanoseconds",
    }
}

/// The kind of values a type holds, for messages.
fn family(t: &DataType) -> &'static str {
    use DataType::*;
    match t {
        _ if is_string(t) => "a string",
        _ if is_binary(t) => "a binary",
        FixedSizeBinary(_) => "a binary",
        _ if integer(t).is_some() => "an integer",
        _ if is_float(t) => "a float",
        _ if is_decimal(t) => "a decimal",
        Boolean => "a boolean",
        Date32 | Date64 => "a date",
        Timestamp(..) => "a timestamp",
        Time32(_) | Time64(_) => "a time of day",
        Duration(_) => "a duration",
        Interval(_) => "an interval",
        List(_) | LargeList(_) | ListView(_) | LargeListView(_) | FixedSizeList(..) => "a list",
        Struct(_) => "a struct",
        Map(..) => "a map",
        Union(..) => "a union",
        _ => "another type",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DataType::*;
    use TypeChange::*;

    fn dict(v: DataType) -> DataType {
        Dictionary(Box::new(Int32), Box::new(v))
    }

    fn list(t: DataType) -> DataType {
        List(Arc::new(Field::new_list_field(t, true)))
    }

    fn ts(u: TimeUnit, tz: Option<&str>) -> DataType {
        Timestamp(u, tz.map(Into::into))
    }

    /// A spread of types: every primitive family, encodings, and a few nested types.
    fn types() -> Vec<DataType> {
        vec![
            Null,
            Boolean,
            Int8,
            Int16,
            Int32,
            Int64,
            UInt8,
            UInt16,
            UInt32,
            UInt64,
            Float16,
            Float32,
            Float64,
            Decimal128(9, 2),
            Decimal128(12, 2),
            Decimal128(12, 4),
            Decimal128(38, 0),
            Decimal256(40, 2),
            Utf8,
            LargeUtf8,
            Utf8View,
            dict(Utf8),
            Binary,
            LargeBinary,
            FixedSizeBinary(16),
            Date32,
            Date64,
            ts(TimeUnit::Millisecond, None),
            ts(TimeUnit::Microsecond, None),
            ts(TimeUnit::Microsecond, Some("UTC")),
            ts(TimeUnit::Microsecond, Some("Europe/Paris")),
            Time32(TimeUnit::Second),
            Time64(TimeUnit::Microsecond),
            Duration(TimeUnit::Second),
            list(Int32),
            list(Int64),
            list(Utf8),
        ]
    }

    #[test]
    fn classification_of_pairs() {
        let cases: Vec<(DataType, DataType, TypeChange)> = vec![
            (Int32, Int32, Same),
            (Null, Int64, Widening),
            (Int64, Null, Lossy),
            // Integers.
            (Int8, Int16, Widening),
            (Int16, Int32, Widening),
            (Int32, Int64, Widening),
            (Int8, Int64, Widening),
            (Int64, Int32, Lossy),
            (UInt8, UInt16, Widening),
            (UInt32, UInt64, Widening),
            (UInt8, Int16, Widening),
            (UInt32, Int64, Widening),
            (UInt32, Int32, Lossy),
            (UInt64, Int64, Lossy),
            (Int32, UInt64, Lossy),
            // Integers to floats: only where the mantissa holds every value.
            (Int8, Float16, Widening),
            (UInt8, Float16, Widening),
            (Int16, Float16, Lossy),
            (Int16, Float32, Widening),
            (UInt16, Float32, Widening),
            (Int32, Float32, Lossy),
            (Int32, Float64, Widening),
            (UInt32, Float64, Widening),
            (Int64, Float64, Lossy),
            (Float64, Int64, Lossy),
            // Floats.
            (Float16, Float32, Widening),
            (Float32, Float64, Widening),
            (Float64, Float32, Lossy),
            // Decimals.
            (Decimal128(9, 2), Decimal128(12, 2), Widening),
            (Decimal128(12, 2), Decimal128(9, 2), Lossy),
            (Decimal128(9, 2), Decimal128(10, 3), Widening),
            (Decimal128(9, 2), Decimal128(9, 3), Lossy),
            (Decimal128(9, 3), Decimal128(9, 2), Lossy),
            (Decimal32(9, 2), Decimal128(9, 2), Widening),
            (Decimal128(38, 2), Decimal256(40, 2), Widening),
            (Int32, Decimal128(10, 0), Widening),
            (Int32, Decimal128(12, 2), Widening),
            (Int32, Decimal128(11, 2), Lossy),
            (Int64, Decimal128(19, 0), Widening),
            (UInt64, Decimal128(19, 0), Lossy),
            (Decimal128(10, 0), Int64, Lossy),
            (Float64, Decimal128(38, 10), Lossy),
            (Decimal128(9, 2), Float64, Lossy),
            // Strings and binaries: encodings.
            (Utf8, LargeUtf8, Encoding),
            (LargeUtf8, Utf8, Encoding),
            (Utf8, Utf8View, Encoding),
            (dict(Utf8), Utf8, Encoding),
            (Utf8, dict(LargeUtf8), Encoding),
            (
                Dictionary(Box::new(Int8), Box::new(Utf8)),
                dict(Utf8),
                Encoding,
            ),
            (dict(Int32), Int64, Widening),
            (Binary, LargeBinary, Encoding),
            (Binary, BinaryView, Encoding),
            (FixedSizeBinary(16), Binary, Widening),
            (Binary, FixedSizeBinary(16), Lossy),
            (FixedSizeBinary(16), FixedSizeBinary(8), Incompatible),
            (Utf8, Binary, Incompatible),
            // Different kinds.
            (Utf8, Int64, Incompatible),
            (Int64, Utf8, Incompatible),
            (dict(Utf8), Int64, Incompatible),
            (Boolean, Int32, Incompatible),
            (Int8, Boolean, Incompatible),
            (Date32, ts(TimeUnit::Microsecond, None), Incompatible),
            (ts(TimeUnit::Microsecond, None), Date32, Incompatible),
            (Float64, Utf8, Incompatible),
            (Int32, Date32, Incompatible),
            // Dates and times.
            (Date32, Date64, Widening),
            (Date64, Date32, Lossy),
            (
                Time32(TimeUnit::Second),
                Time32(TimeUnit::Millisecond),
                Widening,
            ),
            (
                Time32(TimeUnit::Millisecond),
                Time64(TimeUnit::Nanosecond),
                Widening,
            ),
            (
                Time64(TimeUnit::Nanosecond),
                Time64(TimeUnit::Microsecond),
                Lossy,
            ),
            (
                ts(TimeUnit::Millisecond, None),
                ts(TimeUnit::Microsecond, None),
                Lossy,
            ),
            (
                ts(TimeUnit::Nanosecond, Some("UTC")),
                ts(TimeUnit::Microsecond, Some("UTC")),
                Lossy,
            ),
            (
                ts(TimeUnit::Microsecond, Some("UTC")),
                ts(TimeUnit::Microsecond, Some("+00:00")),
                Encoding,
            ),
            (
                ts(TimeUnit::Microsecond, None),
                ts(TimeUnit::Microsecond, Some("UTC")),
                Incompatible,
            ),
            (
                Duration(TimeUnit::Second),
                Duration(TimeUnit::Millisecond),
                Lossy,
            ),
            (
                Duration(TimeUnit::Second),
                Time32(TimeUnit::Second),
                Incompatible,
            ),
            // Nested.
            (list(Int32), list(Int64), Widening),
            (list(Int64), list(Int32), Lossy),
            (
                list(Int32),
                LargeList(Arc::new(Field::new_list_field(Int32, true))),
                Encoding,
            ),
            (
                List(Arc::new(Field::new("item", Int32, true))),
                List(Arc::new(Field::new("element", Int32, true))),
                Encoding,
            ),
            (
                List(Arc::new(Field::new_list_field(Int32, true))),
                List(Arc::new(Field::new_list_field(Int32, false))),
                Lossy,
            ),
            (list(Utf8), list(Int32), Incompatible),
            (list(Int32), Int32, Incompatible),
        ];
        for (from, to, expected) in &cases {
            assert_eq!(classify(from, to), *expected, "{from} -> {to}");
            assert_eq!(widens(from, to), expected.is_safe(), "{from} -> {to}");
        }
    }

    #[test]
    fn structs_field_by_field() {
        let s = |fields: Vec<Field>| Struct(Fields::from(fields));
        let a = s(vec![
            Field::new("x", Int32, true),
            Field::new("y", Utf8, true),
        ]);
        let wider = s(vec![
            Field::new("x", Int64, true),
            Field::new("y", Utf8, true),
        ]);
        let added = s(vec![
            Field::new("x", Int32, true),
            Field::new("y", Utf8, true),
            Field::new("z", Float64, true),
        ]);
        let added_required = s(vec![
            Field::new("x", Int32, true),
            Field::new("y", Utf8, true),
            Field::new("z", Float64, false),
        ]);
        let dropped = s(vec![Field::new("x", Int32, true)]);
        let reordered = s(vec![
            Field::new("y", Utf8, true),
            Field::new("x", Int32, true),
        ]);
        let changed = s(vec![
            Field::new("x", Utf8, true),
            Field::new("y", Utf8, true),
        ]);
        assert_eq!(classify(&a, &wider), Widening);
        assert_eq!(classify(&a, &added), Widening);
        assert_eq!(classify(&a, &added_required), Incompatible);
        assert_eq!(classify(&a, &dropped), Lossy);
        assert_eq!(classify(&a, &reordered), Encoding);
        assert_eq!(classify(&a, &changed), Incompatible);
        // The common struct has every field, each of its common type; added ones nullable.
        let common = common_type(&dropped, &wider).unwrap();
        assert_eq!(
            common,
            s(vec![
                Field::new("x", Int64, true),
                Field::new("y", Utf8, true)
            ])
        );
        assert_eq!(common_type(&a, &changed), None);
    }

    #[test]
    fn common_types_of_pairs() {
        let cases: Vec<(DataType, DataType, Option<DataType>)> = vec![
            (Int32, Int64, Some(Int64)),
            (Int8, UInt8, Some(Int16)),
            (Int16, UInt16, Some(Int32)),
            (Int32, UInt32, Some(Int64)),
            (Int64, UInt32, Some(Int64)),
            (Int64, UInt64, None),
            (Int8, UInt64, None),
            (Int16, Float16, Some(Float32)),
            (Int32, Float32, Some(Float64)),
            (Int32, Float64, Some(Float64)),
            (Int64, Float32, None),
            (Int64, Float64, None),
            (Float16, Float64, Some(Float64)),
            (Decimal128(9, 2), Decimal128(12, 2), Some(Decimal128(12, 2))),
            (
                Decimal128(10, 2),
                Decimal128(10, 3),
                Some(Decimal128(11, 3)),
            ),
            (Decimal32(9, 2), Decimal32(9, 3), Some(Decimal64(10, 3))),
            (
                Decimal128(38, 0),
                Decimal128(10, 2),
                Some(Decimal256(40, 2)),
            ),
            (Decimal256(76, 0), Decimal256(10, 2), None),
            (Int32, Decimal128(5, 2), Some(Decimal128(12, 2))),
            (Int64, Decimal128(12, 2), Some(Decimal128(21, 2))),
            (Float64, Decimal128(12, 2), None),
            (Utf8, LargeUtf8, Some(LargeUtf8)),
            (Utf8, Utf8View, Some(Utf8View)),
            (LargeUtf8, Utf8View, Some(Utf8View)),
            (dict(Utf8), Utf8, Some(Utf8)),
            (dict(Utf8), LargeUtf8, Some(LargeUtf8)),
            (dict(Utf8), dict(Utf8), Some(dict(Utf8))),
            (
                Dictionary(Box::new(Int8), Box::new(Utf8)),
                dict(Utf8),
                Some(Utf8),
            ),
            (Binary, LargeBinary, Some(LargeBinary)),
            (FixedSizeBinary(16), FixedSizeBinary(8), Some(Binary)),
            (FixedSizeBinary(16), BinaryView, Some(BinaryView)),
            (Null, Utf8, Some(Utf8)),
            (Boolean, Null, Some(Boolean)),
            (Date32, Date64, Some(Date64)),
            (
                Time32(TimeUnit::Millisecond),
                Time64(TimeUnit::Microsecond),
                Some(Time64(TimeUnit::Microsecond)),
            ),
            (
                ts(TimeUnit::Microsecond, Some("UTC")),
                ts(TimeUnit::Microsecond, Some("Europe/Paris")),
                Some(ts(TimeUnit::Microsecond, Some("Europe/Paris"))),
            ),
            (
                ts(TimeUnit::Millisecond, None),
                ts(TimeUnit::Microsecond, None),
                None,
            ),
            (
                ts(TimeUnit::Microsecond, None),
                ts(TimeUnit::Microsecond, Some("UTC")),
                None,
            ),
            (list(Int32), list(Int64), Some(list(Int64))),
            (
                list(Int32),
                LargeList(Arc::new(Field::new_list_field(Int64, true))),
                Some(LargeList(Arc::new(Field::new_list_field(Int64, true)))),
            ),
            (Utf8, Int64, None),
            (dict(Utf8), Int64, None),
            (Boolean, Int8, None),
            (Date32, ts(TimeUnit::Microsecond, None), None),
            (Utf8, Binary, None),
            (list(Utf8), list(Int32), None),
        ];
        for (a, b, expected) in &cases {
            assert_eq!(common_type(a, b).as_ref(), expected.as_ref(), "{a} and {b}");
        }
    }

    /// Over every pair of a spread of types: the common type is symmetric up to the choice of
    /// encoding, both types widen to it, and Arrow's cast kernel (what the scan uses) can cast
    /// both to it.
    #[test]
    fn common_type_is_a_safe_target_of_both() {
        for a in &types() {
            for b in &types() {
                let ab = common_type(a, b);
                let ba = common_type(b, a);
                assert_eq!(ab.is_some(), ba.is_some(), "{a} and {b}");
                let Some(c) = ab else { continue };
                let ba = ba.unwrap();
                assert!(
                    c == ba || classify(&c, &ba) == Encoding,
                    "{a} and {b}: {c} vs {ba}"
                );
                for t in [a, b] {
                    assert!(widens(t, &c), "{t} does not widen to {c}");
                    assert!(
                        arrow::compute::can_cast_types(t, &c),
                        "arrow cannot cast {t} to {c}"
                    );
                }
                if widens(a, b) {
                    assert!(c == *b || classify(&c, b) == Encoding, "{a} -> {b}: {c}");
                }
            }
        }
    }

    /// Widenings keep every value: the extremes of each integer type, cast to every type it
    /// widens to by Arrow's cast kernel and back, are unchanged.
    #[test]
    fn widenings_keep_extreme_values() {
        use arrow::array::{ArrayRef, Int64Array, UInt64Array};
        use arrow::compute::cast;
        let extremes: Vec<(DataType, ArrayRef)> = vec![
            (
                Int8,
                Arc::new(Int64Array::from(vec![
                    Some(i8::MIN as i64),
                    Some(-1),
                    None,
                    Some(i8::MAX as i64),
                ])),
            ),
            (
                Int16,
                Arc::new(Int64Array::from(vec![
                    Some(i16::MIN as i64),
                    Some(-1),
                    None,
                    Some(i16::MAX as i64),
                ])),
            ),
            (
                Int32,
                Arc::new(Int64Array::from(vec![
                    Some(i32::MIN as i64),
                    Some(-1),
                    None,
                    Some(i32::MAX as i64),
                ])),
            ),
            (
                Int64,
                Arc::new(Int64Array::from(vec![
                    Some(i64::MIN),
                    Some(-1),
                    None,
                    Some(i64::MAX),
                ])),
            ),
            (
                UInt8,
                Arc::new(UInt64Array::from(vec![Some(0), None, Some(u8::MAX as u64)])),
            ),
            (
                UInt16,
                Arc::new(UInt64Array::from(vec![
                    Some(0),
                    None,
                    Some(u16::MAX as u64),
                ])),
            ),
            (
                UInt32,
                Arc::new(UInt64Array::from(vec![
                    Some(0),
                    None,
                    Some(u32::MAX as u64),
                ])),
            ),
            (
                UInt64,
                Arc::new(UInt64Array::from(vec![Some(0), None, Some(u64::MAX)])),
            ),
        ];
        let strict = arrow::compute::CastOptions {
            safe: false,
            ..Default::default()
        };
        for (from, values) in &extremes {
            let original = cast(values, from).unwrap();
            for to in types() {
                if !widens(from, &to) || to == Null {
                    continue;
                }
                let wide = arrow::compute::cast_with_options(&original, &to, &strict)
                    .unwrap_or_else(|e| panic!("{from} -> {to}: {e}"));
                let back = arrow::compute::cast_with_options(&wide, from, &strict)
                    .unwrap_or_else(|e| panic!("{to} -> {from}: {e}"));
                assert_eq!(&back, &original, "{from} -> {to} -> {from}");
            }
        }
    }

    fn schema(fields: Vec<Field>) -> Schema {
        Schema::new(fields)
    }

    #[test]
    fn unify_widens_adds_and_names_conflicts() {
        let old = schema(vec![
            Field::new("id", Int64, false),
            Field::new("qty", Int32, false),
            Field::new("sku", dict(Utf8), true),
        ]);
        let new = schema(vec![
            Field::new("id", Int64, false),
            Field::new("qty", Int64, true),
            Field::new("sku", LargeUtf8, true),
            Field::new("discount", Float64, false),
        ]);
        let u = unify([("old.parquet", &old), ("new.parquet", &new)]).unwrap();
        assert_eq!(
            u,
            schema(vec![
                Field::new("id", Int64, false),
                Field::new("qty", Int64, true),
                Field::new("sku", LargeUtf8, true),
                // Missing from the old file: null there.
                Field::new("discount", Float64, true),
            ])
        );
        // Columns missing from a later file are nullable too.
        let u = unify([("new.parquet", &new), ("old.parquet", &old)]).unwrap();
        assert!(u.field_with_name("discount").unwrap().is_nullable());
        assert_eq!(u.field_with_name("qty").unwrap().data_type(), &Int64);

        let text = schema(vec![Field::new("qty", Utf8, true)]);
        let c = unify([("a", &old), ("b", &new), ("c", &text)]).unwrap_err();
        assert_eq!(c.column, "qty");
        // The first earlier file whose own type conflicts.
        assert_eq!((c.first_file.as_str(), &c.first_type), ("a", &Int32));
        assert_eq!((c.second_file.as_str(), &c.second_type), ("c", &Utf8));
        assert_eq!(
            c.to_string(),
            "column `qty` is Int32 in `a` but Utf8 in `c`: an integer and a string hold different kinds of values"
        );
    }

    #[test]
    fn unify_of_one_schema_is_that_schema() {
        let s = schema(vec![
            Field::new("a", dict(Utf8), false),
            Field::new("b", Decimal128(9, 2), true),
        ]);
        assert_eq!(unify([("a", &s)]).unwrap(), s);
        assert_eq!(unify([("a", &s), ("b", &s)]).unwrap(), s);
        assert_eq!(unify(std::iter::empty()).unwrap(), Schema::empty());
    }

    #[test]
    fn metadata_is_merged_first_wins() {
        let meta = |v: &str| HashMap::from([("k".to_string(), v.to_string())]);
        let a = Schema::new_with_metadata(
            vec![Field::new("x", Int32, true).with_metadata(meta("1"))],
            meta("a"),
        );
        let b = Schema::new_with_metadata(
            vec![Field::new("x", Int64, true).with_metadata(meta("2"))],
            meta("b"),
        );
        let u = unify([("a", &a), ("b", &b)]).unwrap();
        assert_eq!(u.metadata(), &meta("a"));
        assert_eq!(u.field(0).metadata(), &meta("1"));
        assert_eq!(u.field(0).data_type(), &Int64);
    }

    #[test]
    fn reasons_name_the_difference() {
        let why = |a, b| why_incompatible(&a, &b);
        assert!(why(Utf8, Int64).contains("a string and an integer"));
        assert!(
            why(
                ts(TimeUnit::Millisecond, None),
                ts(TimeUnit::Microsecond, None)
            )
            .contains("milliseconds and microseconds")
        );
        assert!(
            why(
                ts(TimeUnit::Millisecond, None),
                ts(TimeUnit::Millisecond, Some("UTC"))
            )
            .contains("local date-time")
        );
        assert!(why(Int64, UInt64).contains("uint64"));
        assert!(why(Int64, Float64).contains("2^53"));
        assert!(why(Date32, ts(TimeUnit::Microsecond, None)).contains("a date and a timestamp"));
    }
}
