//! Folding Arrow arrays into a [`FieldProfile`]: one pass per batch, per type.
//!
//! Each batch is summarised locally (moments, bounds, value counts) and then folded into the
//! profile, so the per-value work is a few arithmetic operations and one hash.

use super::model::{FieldProfile, micros_factor};
use super::sketch::{FastMap, HashKeyedMap};
use super::sketch::{hash_bytes, hash_f64, hash_u64};
use arrow::array::{
    Array, ArrayRef, ArrowPrimitiveType, AsArray, BooleanArray, PrimitiveArray, StringArrayType,
    StringViewArray,
};
use arrow::datatypes::*;
use std::collections::hash_map::Entry;

/// Folds one array (one batch of one column) into the profile.
pub fn update(p: &mut FieldProfile, array: &ArrayRef) -> Result<(), arrow::error::ArrowError> {
    let mut held = Held::default();
    update_holding(p, array, &mut held)?;
    held.flush(p);
    Ok(())
}

/// What a scan holds back between batches of one column before it reaches the profile: the
/// value counts of an integer column whose batches repeat values, summed over batches before
/// they join the quantile sketch, so a value seen in many batches becomes a few items of the
/// sketch rather than a few per batch. [`Held::flush`] hands them over (before the profile is
/// read or serialised); what the sketch then holds is what it would hold had the counts come
/// batch by batch, up to the order of its compactions, whose error bound is the same.
#[derive(Debug, Default)]
pub struct Held {
    /// Counts by the f64 bits of the value (hashed: the bits of small integers are not).
    counts: FastMap<u64, u64>,
}

/// Held counts flush once they hold this many values.
const HELD_VALUES: usize = 4096;

impl Held {
    /// Hands the held counts to the profile's quantile sketch.
    pub fn flush(&mut self, p: &mut FieldProfile) {
        if let Some(n) = p.numeric.as_mut() {
            self.drain_into(n);
        }
    }

    fn drain_into(&mut self, n: &mut super::model::NumericStats) {
        if self.counts.is_empty() {
            return;
        }
        let counts: Vec<(f64, u64)> = self
            .counts
            .drain()
            .map(|(bits, c)| (f64::from_bits(bits), c))
            .collect();
        n.sketch.update_counts(&counts);
    }

    /// Heap bytes of the held counts.
    pub fn heap_size(&self) -> usize {
        super::sketch::table_bytes(self.counts.capacity(), 16)
    }

    /// Takes one batch's distinct values with their counts: held while batches repeat values
    /// (fewer distinct values than half the rows), else straight to the sketch.
    fn take(&mut self, n: &mut super::model::NumericStats, counts: &[(f64, u64)], rows: usize) {
        if 2 * counts.len() > rows {
            self.drain_into(n);
            n.sketch.update_counts(counts);
            return;
        }
        for &(v, c) in counts {
            // Integers widen to +0.0, never -0.0: the bits are the value.
            *self.counts.entry(v.to_bits()).or_insert(0) += c;
        }
        if self.counts.len() > HELD_VALUES {
            self.drain_into(n);
        }
    }
}

/// [`update`], holding back what [`Held`] holds: the caller flushes it.
pub fn update_holding(
    p: &mut FieldProfile,
    array: &ArrayRef,
    held: &mut Held,
) -> Result<(), arrow::error::ArrowError> {
    let nulls = array.logical_null_count() as u64;
    p.null_count += nulls;
    p.count += array.len() as u64 - nulls;
    if array.len() as u64 == nulls {
        return Ok(());
    }
    match array.data_type() {
        DataType::Int8 => ints::<_, i64>(p, array.as_primitive::<Int8Type>(), held),
        DataType::Int16 => ints::<_, i64>(p, array.as_primitive::<Int16Type>(), held),
        DataType::Int32 => ints::<_, i64>(p, array.as_primitive::<Int32Type>(), held),
        DataType::Int64 => ints::<_, i64>(p, array.as_primitive::<Int64Type>(), held),
        DataType::UInt8 => ints::<_, i64>(p, array.as_primitive::<UInt8Type>(), held),
        DataType::UInt16 => ints::<_, i64>(p, array.as_primitive::<UInt16Type>(), held),
        DataType::UInt32 => ints::<_, i64>(p, array.as_primitive::<UInt32Type>(), held),
        DataType::UInt64 => ints::<_, i128>(p, array.as_primitive::<UInt64Type>(), held),
        DataType::Float16 => {
            let a = array.as_primitive::<Float16Type>();
            floats(p, a.iter().flatten().map(f64::from))
        }
        DataType::Float32 => floats(
            p,
            array
                .as_primitive::<Float32Type>()
                .iter()
                .flatten()
                .map(f64::from),
        ),
        DataType::Float64 => floats(p, array.as_primitive::<Float64Type>().iter().flatten()),
        DataType::Decimal128(_, s) => {
            let scale = 10f64.powi(*s as i32);
            floats(
                p,
                array
                    .as_primitive::<Decimal128Type>()
                    .iter()
                    .flatten()
                    .map(|v| v as f64 / scale),
            )
        }
        DataType::Decimal256(_, s) => {
            let (s, scale) = (*s, 10f64.powi(*s as i32));
            floats(
                p,
                array
                    .as_primitive::<Decimal256Type>()
                    .iter()
                    .flatten()
                    .map(|v| decimal256_to_f64(v, s, scale)),
            )
        }
        DataType::Decimal64(_, s) => {
            let scale = 10f64.powi(*s as i32);
            floats(
                p,
                array
                    .as_primitive::<Decimal64Type>()
                    .iter()
                    .flatten()
                    .map(|v| v as f64 / scale),
            )
        }
        DataType::Decimal32(_, s) => {
            let scale = 10f64.powi(*s as i32);
            floats(
                p,
                array
                    .as_primitive::<Decimal32Type>()
                    .iter()
                    .flatten()
                    .map(|v| v as f64 / scale),
            )
        }
        DataType::Utf8 => strings(p, array.as_string::<i32>()),
        DataType::LargeUtf8 => strings(p, array.as_string::<i64>()),
        DataType::Utf8View => string_views(p, array.as_string_view()),
        DataType::Boolean => booleans(p, array.as_boolean()),
        DataType::Timestamp(unit, _) => {
            let (mul, div) = micros_factor(unit);
            let values = timestamp_values(array);
            temporal(
                p,
                values.map(|v| v.saturating_mul(mul).div_euclid(div)),
                false,
            )
        }
        DataType::Date32 => temporal(
            p,
            array
                .as_primitive::<Date32Type>()
                .iter()
                .flatten()
                .map(i64::from),
            true,
        ),
        DataType::Date64 => {
            let a = array.as_primitive::<Date64Type>();
            temporal(
                p,
                a.iter().flatten().map(|ms| ms.div_euclid(86_400_000)),
                true,
            )
        }
        DataType::Binary => binaries(p, array.as_binary::<i32>().iter().flatten()),
        DataType::LargeBinary => binaries(p, array.as_binary::<i64>().iter().flatten()),
        DataType::BinaryView => binaries(p, array.as_binary_view().iter().flatten()),
        DataType::FixedSizeBinary(_) => binaries(p, array.as_fixed_size_binary().iter().flatten()),
        DataType::Dictionary(_, value_type) => {
            let plain = arrow::compute::cast(array, value_type)?;
            // Counts were taken above; fold the decoded values without counting twice.
            let (count, nulls) = (p.count, p.null_count);
            update_holding(p, &plain, held)?;
            p.count = count;
            p.null_count = nulls;
        }
        _ => {
            // Nested and other types: counts and nulls only.
        }
    }
    Ok(())
}

/// A Decimal256 value as f64: as Decimal128 does while it fits i128 (the same column profiles
/// alike at either width), else the nearest f64 to the exact decimal.
fn decimal256_to_f64(v: i256, scale: i8, factor: f64) -> f64 {
    match v.to_i128() {
        Some(small) => small as f64 / factor,
        // Rust's float parsing rounds correctly; |v| < 2^255 with |scale| <= 127 is in range.
        None => format!("{v}e{}", -i32::from(scale))
            .parse()
            .unwrap_or(f64::NAN),
    }
}

fn timestamp_values(array: &ArrayRef) -> Box<dyn Iterator<Item = i64> + '_> {
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => {
            Box::new(array.as_primitive::<TimestampSecondType>().iter().flatten())
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => Box::new(
            array
                .as_primitive::<TimestampMillisecondType>()
                .iter()
                .flatten(),
        ),
        DataType::Timestamp(TimeUnit::Microsecond, _) => Box::new(
            array
                .as_primitive::<TimestampMicrosecondType>()
                .iter()
                .flatten(),
        ),
        _ => Box::new(
            array
                .as_primitive::<TimestampNanosecondType>()
                .iter()
                .flatten(),
        ),
    }
}

/// The integer an integer column's values are widened to: `i64` for every type that fits it
/// (the common case, and a single instruction to f64), `i128` for `UInt64`.
trait Wide: Copy + Ord + Into<i128> {
    const MIN: Self;
    const MAX: Self;
    fn to_f64(self) -> f64;
    fn bits(self) -> u64;
}

macro_rules! wide {
    ($t:ty) => {
        impl Wide for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn bits(self) -> u64 {
                self as u64
            }
        }
    };
}
wide!(i64);
wide!(i128);

fn ints<T: ArrowPrimitiveType, W: Wide>(
    p: &mut FieldProfile,
    a: &PrimitiveArray<T>,
    held: &mut Held,
) where
    T::Native: Into<W> + Copy,
{
    // Keyed by the value's hash, which is exact: splitmix64 is a bijection and `v as u64` is
    // one-to-one over the values of any one integer type.
    let mut counts: HashKeyedMap<(W, u64)> =
        HashKeyedMap::with_capacity_and_hasher(a.len(), Default::default());
    let (mut lo, mut hi) = (W::MAX, W::MIN);
    let mut values = Vec::with_capacity(a.len());
    for v in a.iter().flatten() {
        let v: W = v.into();
        lo = lo.min(v);
        hi = hi.max(v);
        let h = hash_u64(v.bits());
        match counts.entry(h) {
            Entry::Occupied(mut e) => e.get_mut().1 += 1,
            Entry::Vacant(e) => {
                // Once per distinct value of the batch, not once per row.
                p.distinct.insert_hash(h);
                e.insert((v, 1));
            }
        }
        values.push(v.to_f64());
    }
    let (lo, hi): (i128, i128) = (lo.into(), hi.into());
    let n = p.numeric.as_mut().expect("integer field has numeric stats");
    n.int_min = Some(n.int_min.map_or(lo, |m| m.min(lo)));
    n.int_max = Some(n.int_max.map_or(hi, |m| m.max(hi)));
    // The batch's distinct values are already counted: tracked once each, not once per row.
    let weighted: Vec<(f64, u64)> = counts.values().map(|(v, c)| (v.to_f64(), *c)).collect();
    super::model::FewValues::track_counts(&mut n.few_values, weighted.iter().copied());
    fold_moments(n, &values);
    held.take(n, &weighted, values.len());
    if let Some(f) = &mut p.frequent {
        let mut counts: Vec<(W, u64)> = counts.into_values().collect();
        let cut = super::sketch::prune(&mut counts);
        // Spelled on the stack: only a value the summary keeps becomes a `String`.
        f.add_pruned(
            counts
                .into_iter()
                .map(|(k, c)| (IntText::new(k.into()), c))
                .collect(),
            cut,
        );
    }
}

/// An integer's decimal text, on the stack (an i128 has at most 40 characters).
struct IntText {
    buf: [u8; 40],
    start: usize,
}

impl IntText {
    fn new(v: i128) -> IntText {
        let mut buf = [0u8; 40];
        let mut at = buf.len();
        let mut rest = v.unsigned_abs();
        // u64 digits while they fit: 128-bit division is a library call.
        while rest > u128::from(u64::MAX) {
            at -= 1;
            buf[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        let mut small = rest as u64;
        loop {
            at -= 1;
            buf[at] = b'0' + (small % 10) as u8;
            small /= 10;
            if small == 0 {
                break;
            }
        }
        if v < 0 {
            at -= 1;
            buf[at] = b'-';
        }
        IntText { buf, start: at }
    }
}

impl AsRef<str> for IntText {
    fn as_ref(&self) -> &str {
        std::str::from_utf8(&self.buf[self.start..]).expect("ASCII digits")
    }
}

impl From<IntText> for String {
    fn from(t: IntText) -> String {
        t.as_ref().to_string()
    }
}

fn floats(p: &mut FieldProfile, it: impl Iterator<Item = f64>) {
    let n = p.numeric.as_mut().expect("numeric field has numeric stats");
    let mut values = Vec::new();
    for v in it {
        p.distinct.insert_hash(hash_f64(v));
        if v.is_finite() {
            values.push(v);
        } else if v.is_nan() {
            n.nan_count += 1;
        } else if v > 0.0 {
            n.pos_inf_count += 1;
            if let Some(b) = &mut n.bins {
                b.add(v);
            }
        } else {
            n.neg_inf_count += 1;
            if let Some(b) = &mut n.bins {
                b.add(v);
            }
        }
    }
    super::model::FewValues::track(&mut n.few_values, &values);
    fold_moments(n, &values);
    n.sketch.update_batch(&values);
}

/// Two-pass moments of one batch, then one merge into the running stats (and the frozen bins,
/// if any); the quantile sketch is the caller's.
fn fold_moments(n: &mut super::model::NumericStats, values: &[f64]) {
    if values.is_empty() {
        return;
    }
    let count = values.len() as f64;
    let mut mean = values.iter().sum::<f64>() / count;
    let (mut m2, mut lo, mut hi) = (0.0, f64::INFINITY, f64::NEG_INFINITY);
    for &v in values {
        m2 += (v - mean) * (v - mean);
        lo = lo.min(v);
        hi = hi.max(v);
    }
    // The largest magnitude is at one end.
    let big = lo.abs().max(hi.abs());
    if let Some(b) = &mut n.bins {
        values.iter().for_each(|v| b.add(*v));
    }
    let mut m2_exp = 0;
    if lo == hi {
        // A constant batch: exactly its value and no spread (a rounded mean would add noise).
        (mean, m2) = (lo, 0.0);
    }
    // Squares of values beyond about 1.3e154 leave f64's range (the sum or m2 overflows), and
    // those of values below 1e-154 vanish: such batches are summed again on values scaled by a
    // power of two (exact), the scale carried in the exponent.
    if !mean.is_finite() || !m2.is_finite() || (big > 0.0 && big < 2f64.powi(-400)) {
        (mean, m2, m2_exp) = scaled_moments(values, big, lo, hi);
    }
    n.add_moments(values.len() as u64, mean, m2, m2_exp, lo, hi);
}

/// Mean and sum of squared deviations (`m2 × 2^m2_exp`) of finite values whose largest
/// magnitude is `big`, computed on the values divided by a power of two near `big`.
fn scaled_moments(values: &[f64], big: f64, lo: f64, hi: f64) -> (f64, f64, i32) {
    use super::model::{exponent, ldexp};
    let k = exponent(big);
    let count = values.len() as f64;
    // A rounded mean may step past the values (at f64's limit, past f64 itself).
    let mean = (values.iter().map(|v| ldexp(*v, -k)).sum::<f64>() / count)
        .clamp(ldexp(lo, -k), ldexp(hi, -k));
    let mut m2 = 0.0;
    for &v in values {
        let d = ldexp(v, -k) - mean;
        m2 += d * d;
    }
    (ldexp(mean, k), m2, 2 * k)
}

fn strings<'a, A>(p: &mut FieldProfile, a: A)
where
    A: StringArrayType<'a> + Copy,
{
    // Counted by the hash the distinct sketch needs anyway, so each string is hashed once; two
    // different strings with one 64-bit hash (practically never) are counted apart.
    let mut counts: HashKeyedMap<(&str, u64)> =
        HashKeyedMap::with_capacity_and_hasher(a.len(), Default::default());
    let mut clashes: FastMap<&str, u64> = FastMap::default();
    for s in a.iter().flatten() {
        let h = hash_bytes(s.as_bytes());
        match counts.entry(h) {
            Entry::Occupied(mut e) => {
                let (k, c) = e.get_mut();
                if *k == s {
                    *c += 1;
                } else {
                    *clashes.entry(s).or_insert(0) += 1;
                }
            }
            Entry::Vacant(e) => {
                // The distinct sketch sees each value of the batch once.
                p.distinct.insert_hash(h);
                e.insert((s, 1));
            }
        }
    }
    // Bounds, lengths and empties over the batch's distinct values, not its rows.
    let mut batch = TextBatch::default();
    for (s, c) in counts
        .values()
        .copied()
        .chain(clashes.iter().map(|(s, c)| (*s, *c)))
    {
        batch.see(s, c);
    }
    batch.fold(p.text.as_mut().expect("string field has text stats"));
    if let Some(f) = &mut p.frequent {
        f.add_batch(counts.into_values().chain(clashes).collect());
    }
}

/// Strings of a view array (how DataFusion reads Parquet strings): as [`strings`], with the
/// 16-byte views doing most comparisons. A string of at most 12 bytes is wholly in its view, so
/// equal views are equal strings and, for such strings, different views different ones; longer
/// strings are told apart by length and 4-byte prefix before their bytes are compared. The
/// bounds compare prefixes first too.
fn string_views(p: &mut FieldProfile, a: &StringViewArray) {
    // Keyed by the hash, as in `strings`; the entry holds the row of the value's first
    // occurrence. The table is the thread's, kept between batches (a fresh one per batch cost
    // its allocation and page faults).
    VIEW_COUNTS.with_borrow_mut(|counts| string_view_counts(p, a, counts));
}

thread_local! {
    static VIEW_COUNTS: std::cell::RefCell<HashKeyedMap<(u32, u32)>> =
        std::cell::RefCell::new(HashKeyedMap::default());
}

fn string_view_counts(
    p: &mut FieldProfile,
    a: &StringViewArray,
    counts: &mut HashKeyedMap<(u32, u32)>,
) {
    counts.clear();
    counts.reserve(a.len());
    let views = a.views();
    let len = |v: u128| v as u32;
    let prefix = |v: u128| ((v >> 32) as u32).swap_bytes();
    let same = |i: usize, j: usize| {
        let (x, y) = (views[i], views[j]);
        x == y
            || (len(x) == len(y)
                && len(x) > 12
                && prefix(x) == prefix(y)
                && a.value(i) == a.value(j))
    };
    let mut clashes: FastMap<&str, u64> = FastMap::default();
    // The first four bytes (of `prefix`) in an order that compares as the strings do: a
    // shorter string's are zero-padded, so a strictly smaller prefix is a smaller string.
    let rows = (0..a.len()).filter(|&i| a.is_valid(i));
    for i in rows {
        let s = a.value(i);
        let h = hash_bytes(s.as_bytes());
        match counts.entry(h) {
            Entry::Occupied(mut e) => {
                let (first, c) = e.get_mut();
                if same(*first as usize, i) {
                    *c += 1;
                } else {
                    *clashes.entry(s).or_insert(0) += 1;
                }
            }
            Entry::Vacant(e) => {
                p.distinct.insert_hash(h);
                e.insert((i as u32, 1));
            }
        }
    }
    let (mut min, mut max): (Option<usize>, Option<usize>) = (None, None);
    let mut batch = TextBatch::default();
    let below = |i: usize, j: usize| match prefix(views[i]).cmp(&prefix(views[j])) {
        std::cmp::Ordering::Equal => bytes_below(a.value(i).as_bytes(), a.value(j).as_bytes()),
        o => o.is_lt(),
    };
    for &(i, c) in counts.values() {
        let i = i as usize;
        batch.count(a.value(i), u64::from(c));
        if min.is_none_or(|m| below(i, m)) {
            min = Some(i);
        }
        if max.is_none_or(|m| below(m, i)) {
            max = Some(i);
        }
    }
    batch.min = min.map(|i| a.value(i));
    batch.max = max.map(|i| a.value(i));
    for (&s, &c) in &clashes {
        batch.see(s, c);
    }
    batch.fold(p.text.as_mut().expect("string field has text stats"));
    if let Some(f) = &mut p.frequent {
        // Cut by counts first: only the values that stay are read out of the array.
        let mut rows: Vec<(u32, u64)> = Vec::with_capacity(counts.len() + clashes.len());
        rows.extend(counts.values().map(|&(i, c)| (i, u64::from(c))));
        let clashes: Vec<(&str, u64)> = clashes.into_iter().collect();
        // Clashed values take rows past the array's end, to be told apart below.
        let base = a.len() as u32;
        rows.extend(
            clashes
                .iter()
                .enumerate()
                .map(|(k, &(_, c))| (base + k as u32, c)),
        );
        let cut = super::sketch::prune(&mut rows);
        let value = |i: u32| match i.checked_sub(base) {
            Some(k) => clashes[k as usize].0,
            None => a.value(i as usize),
        };
        f.add_pruned(rows.into_iter().map(|(i, c)| (value(i), c)).collect(), cut);
    }
}

/// `a < b` as byte strings, eight bytes at a time (inlined: the bounds of a column of ids
/// sharing a prefix compare every value past it, and a call to `memcmp` each cost more).
#[inline]
fn bytes_below(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_be_bytes(a[i..i + 8].try_into().expect("8 bytes"));
        let y = u64::from_be_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        if x != y {
            return x < y;
        }
        i += 8;
    }
    match a[i..n].cmp(&b[i..n]) {
        std::cmp::Ordering::Equal => a.len() < b.len(),
        o => o.is_lt(),
    }
}

/// One batch's bounds, lengths (in characters) and empty strings, over its distinct values.
struct TextBatch<'a> {
    min: Option<&'a str>,
    max: Option<&'a str>,
    min_len: u64,
    max_len: u64,
    empties: u64,
}

impl Default for TextBatch<'_> {
    fn default() -> Self {
        TextBatch {
            min: None,
            max: None,
            min_len: u64::MAX,
            max_len: 0,
            empties: 0,
        }
    }
}

impl<'a> TextBatch<'a> {
    /// The length and emptiness of a value seen `c` times.
    fn count(&mut self, s: &str, c: u64) {
        let len = if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        } as u64;
        self.min_len = self.min_len.min(len);
        self.max_len = self.max_len.max(len);
        if s.is_empty() {
            self.empties += c;
        }
    }

    /// [`Self::count`], and the value against the bounds.
    fn see(&mut self, s: &'a str, c: u64) {
        self.count(s, c);
        if self.min.is_none_or(|m| s < m) {
            self.min = Some(s);
        }
        if self.max.is_none_or(|m| s > m) {
            self.max = Some(s);
        }
    }

    /// Folds the batch into the running text stats.
    fn fold(self, t: &mut super::model::TextStats) {
        t.empty_count += self.empties;
        if let Some(m) = self.min
            && t.min.as_deref().is_none_or(|cur| m < cur)
        {
            t.min = Some(m.to_string());
        }
        if let Some(m) = self.max
            && t.max.as_deref().is_none_or(|cur| m > cur)
        {
            t.max = Some(m.to_string());
        }
        if self.max_len >= self.min_len {
            t.min_length = Some(t.min_length.map_or(self.min_len, |v| v.min(self.min_len)));
            t.max_length = Some(t.max_length.map_or(self.max_len, |v| v.max(self.max_len)));
        }
    }
}

fn booleans(p: &mut FieldProfile, a: &BooleanArray) {
    let (mut t, mut f) = (0u64, 0u64);
    for v in a.iter().flatten() {
        if v { t += 1 } else { f += 1 }
    }
    if t > 0 {
        p.distinct.insert_hash(hash_u64(1));
    }
    if f > 0 {
        p.distinct.insert_hash(hash_u64(0));
    }
    if let Some(freq) = &mut p.frequent {
        let counts = [("true".to_string(), t), ("false".to_string(), f)];
        freq.add_counts(counts.into_iter().filter(|c| c.1 > 0));
    }
}

/// Timestamps (in microseconds) and dates (in days): bounds, distinct values, the quantile
/// sketch (values as f64, exact within about 285 years of 1970), and for dates the frequent
/// values. Dates reach the sketch as the batch's value counts (few distinct values a batch),
/// timestamps as the batch's values.
fn temporal(p: &mut FieldProfile, it: impl Iterator<Item = i64>, is_date: bool) {
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    let mut counts: FastMap<i64, u64> = FastMap::default();
    let mut values: Vec<f64> = Vec::new();
    for v in it {
        lo = lo.min(v);
        hi = hi.max(v);
        p.distinct.insert_hash(hash_u64(v as u64));
        if is_date {
            *counts.entry(v).or_insert(0) += 1;
        } else {
            values.push(v as f64);
        }
    }
    if lo > hi {
        return;
    }
    let t = p
        .temporal
        .as_mut()
        .expect("temporal field has temporal stats");
    t.min = Some(t.min.map_or(lo, |m| m.min(lo)));
    t.max = Some(t.max.map_or(hi, |m| m.max(hi)));
    if let Some(k) = &mut t.sketch {
        if is_date {
            let weighted: Vec<(f64, u64)> = counts.iter().map(|(d, c)| (*d as f64, *c)).collect();
            k.update_counts(&weighted);
        } else {
            k.update_batch(&values);
        }
    }
    if let Some(f) = &mut p.frequent {
        let mut counts: Vec<(i64, u64)> = counts.into_iter().collect();
        let cut = super::sketch::prune(&mut counts);
        let dates = counts
            .into_iter()
            .map(|(d, c)| (super::model::format_date(d), c));
        f.add_pruned(dates.collect(), cut);
    }
}

fn binaries<'a>(p: &mut FieldProfile, it: impl Iterator<Item = &'a [u8]>) {
    let t = p.text.as_mut().expect("binary field has length stats");
    for b in it {
        p.distinct.insert_hash(hash_bytes(b));
        let len = b.len() as u64;
        t.min_length = Some(t.min_length.map_or(len, |v| v.min(len)));
        t.max_length = Some(t.max_length.map_or(len, |v| v.max(len)));
        if b.is_empty() {
            t.empty_count += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IntText;
    use crate::profile::FieldProfile;
    use arrow::array::{ArrayRef, StringViewArray};
    use arrow::datatypes::DataType;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    /// The view path against plain Rust over the same strings: short (inline) and long ones,
    /// long ones sharing a 4-byte prefix, empty, non-ASCII, nulls, in several batches.
    #[test]
    fn string_views_profile_as_plain_counting_does() {
        let words = [
            "",
            "a",
            "ab",
            "ab\u{0}",
            "abcd",
            "abcdefghijkl",
            "abcdefghijklm",
            "abcdefghijkln",
            "abcdzzzzzzzzzzzzz",
            "zé",
            "ünïcödé strings here",
            "Zulu",
            "zulu-long-value-x",
        ];
        let rows: Vec<Option<&str>> = (0..20_000usize)
            .map(|i| (i % 17 != 3).then(|| words[(i * i + 7 * i) % words.len()]))
            .collect();
        let mut p = FieldProfile::new("s", &DataType::Utf8View);
        for chunk in rows.chunks(8192) {
            let a: ArrayRef = Arc::new(StringViewArray::from(chunk.to_vec()));
            super::update(&mut p, &a).unwrap();
        }
        let present: Vec<&str> = rows.iter().flatten().copied().collect();
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for s in &present {
            *counts.entry(s).or_default() += 1;
        }
        let chars = |s: &&str| s.chars().count() as u64;
        let t = p.text.as_ref().unwrap();
        assert_eq!(p.count, present.len() as u64);
        assert_eq!(p.null_count, (rows.len() - present.len()) as u64);
        assert_eq!(t.min.as_deref(), counts.keys().next().copied());
        assert_eq!(t.max.as_deref(), counts.keys().last().copied());
        assert_eq!(t.min_length, present.iter().map(chars).min());
        assert_eq!(t.max_length, present.iter().map(chars).max());
        assert_eq!(t.empty_count, counts[""]);
        assert_eq!(p.distinct.estimate(), counts.len() as u64);
        let f = p.frequent.as_ref().unwrap();
        assert!(f.is_exact());
        let kept: BTreeMap<&str, u64> = f.iter().map(|(k, c)| (k.as_str(), *c)).collect();
        assert_eq!(kept, counts);
    }

    #[test]
    fn integer_text_matches_display() {
        for v in [
            0i128,
            7,
            -7,
            10,
            -1_000_000,
            i128::from(i64::MAX),
            i128::from(i64::MIN),
            i128::from(u64::MAX) + 1,
            i128::MAX,
            i128::MIN,
        ] {
            assert_eq!(IntText::new(v).as_ref(), v.to_string());
            assert_eq!(String::from(IntText::new(v)), v.to_string());
        }
    }
}
