//! Mergeable, bounded-memory sketches: HyperLogLog (distinct), KLL (quantiles) and a
//! Misra-Gries summary (frequent values). Each is plain serde data so a stored profile can be
//! merged later without the rows that produced it.
//!
//! Hashes are xxh3-64 for bytes and the splitmix64 finaliser for 64-bit values; both are stable
//! across platforms and releases, which stored profiles rely on.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Hash maps and sets with a fast, non-cryptographic hasher (keys are column values and
/// 64-bit hashes, not attacker-chosen input to a long-lived service).
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// A hasher for keys that already are well-mixed 64-bit hashes (xxh3, splitmix64): it passes
/// them through instead of hashing them a second time.
#[derive(Default, Clone, Copy)]
pub struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed through here; fold anything else rather than lose it.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Maps and sets keyed by a value's 64-bit hash.
pub type HashKeyedMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<PassThrough>>;
pub type HashSet64 = std::collections::HashSet<u64, std::hash::BuildHasherDefault<PassThrough>>;

/// Stable 64-bit hash of bytes.
#[inline]
pub fn hash_bytes(b: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(b)
}

/// Stable 64-bit hash of a 64-bit value (splitmix64 finaliser).
#[inline]
pub fn hash_u64(v: u64) -> u64 {
    let mut z = v.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of an f64 that treats `-0.0` as `0.0` and every NaN alike.
#[inline]
pub fn hash_f64(v: f64) -> u64 {
    let v = if v == 0.0 { 0.0 } else { v };
    let bits = if v.is_nan() {
        f64::NAN.to_bits()
    } else {
        v.to_bits()
    };
    hash_u64(bits)
}

// ---------------------------------------------------------------------------------------------
// Distinct counting

/// Precision of the HyperLogLog: 2^14 registers, standard error 1.04/sqrt(2^14) = 0.81%.
pub const HLL_PRECISION: u32 = 14;
const HLL_REGISTERS: usize = 1 << HLL_PRECISION;
/// Up to this many distinct hashes are kept exactly, so low-cardinality columns get an exact count.
pub const EXACT_DISTINCT_CAP: usize = 100_000;

/// Distinct-value counter: an exact set of 64-bit hashes while small, a HyperLogLog always.
///
/// Serialised compactly: while exact, only the sorted hashes (the registers are rebuilt from
/// them when read back); beyond, only the registers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "DistinctRepr", into = "DistinctRepr")]
pub struct DistinctSketch {
    registers: Vec<u8>,
    /// `None` once more than [`EXACT_DISTINCT_CAP`] distinct hashes were seen.
    exact: Option<HashSet64>,
}

impl Default for DistinctSketch {
    fn default() -> Self {
        Self {
            registers: vec![0; HLL_REGISTERS],
            exact: Some(HashSet64::default()),
        }
    }
}

/// The stored form of a [`DistinctSketch`].
#[derive(Serialize, Deserialize)]
struct DistinctRepr {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "registers_codec"
    )]
    registers: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exact: Option<Vec<u64>>,
}

impl From<DistinctSketch> for DistinctRepr {
    fn from(d: DistinctSketch) -> Self {
        match d.exact {
            Some(set) => {
                let mut hashes: Vec<u64> = set.into_iter().collect();
                hashes.sort_unstable();
                DistinctRepr {
                    registers: None,
                    exact: Some(hashes),
                }
            }
            None => DistinctRepr {
                registers: Some(d.registers),
                exact: None,
            },
        }
    }
}

impl From<DistinctRepr> for DistinctSketch {
    fn from(r: DistinctRepr) -> Self {
        let mut d = DistinctSketch {
            registers: r.registers.unwrap_or_else(|| vec![0; HLL_REGISTERS]),
            exact: None,
        };
        if let Some(hashes) = r.exact {
            for h in &hashes {
                d.update_register(*h);
            }
            d.exact = Some(hashes.into_iter().collect());
        }
        d
    }
}

impl DistinctSketch {
    #[inline]
    fn update_register(&mut self, h: u64) {
        let idx = (h >> (64 - HLL_PRECISION)) as usize;
        let rest = (h << HLL_PRECISION) | (1 << (HLL_PRECISION - 1));
        let rank = rest.leading_zeros() as u8 + 1;
        if self.registers[idx] < rank {
            self.registers[idx] = rank;
        }
    }

    #[inline]
    pub fn insert_hash(&mut self, h: u64) {
        self.update_register(h);
        if let Some(set) = &mut self.exact {
            set.insert(h);
            if set.len() > EXACT_DISTINCT_CAP {
                self.exact = None;
            }
        }
    }

    pub fn merge(&mut self, other: &DistinctSketch) {
        for (a, b) in self.registers.iter_mut().zip(&other.registers) {
            *a = (*a).max(*b);
        }
        self.exact = match (self.exact.take(), &other.exact) {
            (Some(mut a), Some(b)) => {
                a.extend(b.iter().copied());
                (a.len() <= EXACT_DISTINCT_CAP).then_some(a)
            }
            _ => None,
        };
    }

    /// Approximate heap bytes: the registers and the exact set (about 16 bytes a hash).
    pub fn heap_size(&self) -> usize {
        self.registers.len() + self.exact.as_ref().map_or(0, |s| s.capacity() * 16)
    }

    /// True while the count is exact (every distinct hash is kept).
    pub fn is_exact(&self) -> bool {
        self.exact.is_some()
    }

    /// The number of distinct values: exact while small, a HyperLogLog estimate beyond.
    pub fn estimate(&self) -> u64 {
        if let Some(set) = &self.exact {
            return set.len() as u64;
        }
        let m = HLL_REGISTERS as f64;
        let mut sum = 0.0;
        let mut zeros = 0usize;
        for &r in &self.registers {
            sum += 2f64.powi(-(r as i32));
            if r == 0 {
                zeros += 1;
            }
        }
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let raw = alpha * m * m / sum;
        let est = if raw <= 2.5 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            raw
        };
        est.round() as u64
    }

    /// Relative standard error of [`Self::estimate`] (0 when exact).
    pub fn relative_error(&self) -> f64 {
        if self.is_exact() {
            0.0
        } else {
            1.04 / (HLL_REGISTERS as f64).sqrt()
        }
    }
}

/// Heap bytes of a hashbrown table holding up to `capacity` entries of `entry` bytes: its
/// buckets (a power of two, at most 7/8 full) and a control byte per bucket.
pub fn table_bytes(capacity: usize, entry: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets = if capacity < 8 {
        (capacity + 1).next_power_of_two()
    } else {
        (capacity * 8 / 7).next_power_of_two()
    };
    buckets * (entry + 1) + 16
}

/// Bytes one heap allocation of `len` bytes takes (the allocator rounds up, 16 bytes at least
/// beside its header).
fn alloc_bytes(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        (len + 8).div_ceil(16) * 16
    }
}

/// Registers are small (< 64): store each as one printable character instead of a JSON number.
mod registers_codec {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(r: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        let text: String = r.iter().flatten().map(|&b| (b'0' + b) as char).collect();
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let text = String::deserialize(d)?;
        if text.len() != super::HLL_REGISTERS {
            return Err(D::Error::custom(
                "HyperLogLog registers have the wrong length",
            ));
        }
        text.bytes()
            .map(|b| {
                b.checked_sub(b'0')
                    .filter(|v| *v <= 64)
                    .ok_or_else(|| D::Error::custom("bad HyperLogLog register"))
            })
            .collect::<Result<Vec<u8>, _>>()
            .map(Some)
    }
}

// ---------------------------------------------------------------------------------------------
// Quantiles

/// KLL accuracy parameter: normalised rank error about 1.7/k ≈ 0.4% (99% of queries).
pub const KLL_K: usize = 400;
const KLL_C: f64 = 2.0 / 3.0;
const KLL_MIN_CAP: usize = 8;

/// Merges sorted `b` into sorted `a`, keeping `a` sorted (ties: `a`'s items first). In place,
/// from the back: no second buffer.
fn merge_sorted(a: &mut Vec<f64>, b: &[f64]) {
    if b.is_empty() {
        return;
    }
    if a.last().is_none_or(|l| l.total_cmp(&b[0]).is_le()) {
        a.extend_from_slice(b);
        return;
    }
    let (n, m) = (a.len(), b.len());
    a.resize(n + m, 0.0);
    let (mut i, mut j) = (n, m);
    for k in (0..n + m).rev() {
        if j == 0 {
            break;
        }
        if i > 0 && a[i - 1].total_cmp(&b[j - 1]).is_gt() {
            a[k] = a[i - 1];
            i -= 1;
        } else {
            a[k] = b[j - 1];
            j -= 1;
        }
    }
}

/// KLL quantile sketch over finite f64 values (Karnin, Lang, Liberty 2016).
///
/// Level `h` holds items of weight `2^h`. Exact (every item kept) until the first compaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Kll {
    levels: Vec<Vec<f64>>,
    n: u64,
    /// State of the deterministic coin used by compactions (xorshift64).
    rng: u64,
    /// Items retained, cached (valid while `total_cap` is not 0).
    #[serde(skip)]
    retained: usize,
    /// Capacity of all levels, cached (0: not computed yet); it changes only when levels are
    /// added.
    #[serde(skip)]
    total_cap: usize,
}

impl PartialEq for Kll {
    fn eq(&self, o: &Kll) -> bool {
        self.levels == o.levels && self.n == o.n && self.rng == o.rng
    }
}

impl Default for Kll {
    fn default() -> Self {
        Self {
            levels: vec![Vec::new()],
            n: 0,
            rng: 0x2545_F491_4F6C_DD1D,
            retained: 0,
            total_cap: 0,
        }
    }
}

impl Kll {
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Approximate heap bytes of the retained items.
    pub fn heap_size(&self) -> usize {
        self.levels.iter().map(|l| l.capacity() * 8).sum()
    }

    /// True while no item has been compacted away.
    pub fn is_exact(&self) -> bool {
        self.levels.len() == 1
    }

    fn capacity(&self, level: usize) -> usize {
        let depth = self.levels.len() - level - 1;
        ((KLL_K as f64) * KLL_C.powi(depth as i32))
            .ceil()
            .max(KLL_MIN_CAP as f64) as usize
    }

    fn total_capacity(&self) -> usize {
        (0..self.levels.len()).map(|h| self.capacity(h)).sum()
    }

    /// Adds a value. Compaction is lazy (as in the DataSketches KLL): level 0 grows while the
    /// sketch as a whole has room, so sorting is paid over large buffers, not every few items.
    #[inline]
    pub fn update(&mut self, v: f64) {
        debug_assert!(v.is_finite());
        self.levels[0].push(v);
        self.n += 1;
        if self.total_cap == 0 {
            self.refresh();
        } else {
            self.retained += 1;
        }
        if self.retained >= self.total_cap {
            self.compress();
        }
    }

    /// Recomputes the cached counts.
    fn refresh(&mut self) {
        self.retained = self.levels.iter().map(Vec::len).sum();
        self.total_cap = self.total_capacity();
    }

    fn coin(&mut self) -> usize {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        (x >> 63) as usize
    }

    fn compress(&mut self) {
        self.refresh();
        while self.retained >= self.total_cap {
            let h = (0..self.levels.len())
                .find(|&h| self.levels[h].len() >= self.capacity(h))
                .unwrap_or(0);
            if h + 1 == self.levels.len() {
                self.levels.push(Vec::new());
                self.total_cap = self.total_capacity();
            }
            let mut items = std::mem::take(&mut self.levels[h]);
            // Levels above 0 are kept sorted (promotions merge into them), so only level 0
            // pays for a sort; the check also covers profiles stored before that was so.
            if !items.is_sorted_by(|a, b| a.total_cmp(b).is_le()) {
                items.sort_unstable_by(f64::total_cmp);
            }
            // An odd item stays behind so no weight is lost.
            if items.len() % 2 == 1 {
                let keep = items.pop().expect("non-empty");
                self.levels[h].push(keep);
            }
            let offset = self.coin();
            let promoted: Vec<f64> = items.iter().skip(offset).step_by(2).copied().collect();
            self.retained -= items.len() - promoted.len();
            merge_sorted(&mut self.levels[h + 1], &promoted);
        }
    }

    pub fn merge(&mut self, other: &Kll) {
        while self.levels.len() < other.levels.len() {
            self.levels.push(Vec::new());
        }
        for (h, items) in other.levels.iter().enumerate() {
            if h == 0 {
                self.levels[0].extend_from_slice(items);
            } else {
                merge_sorted(&mut self.levels[h], items);
            }
        }
        self.n += other.n;
        self.rng ^= other.rng.rotate_left(17);
        if self.rng == 0 {
            self.rng = 0x2545_F491_4F6C_DD1D;
        }
        self.compress();
    }

    /// Items with their weights, sorted by value.
    pub fn weighted(&self) -> Vec<(f64, u64)> {
        let mut out: Vec<(f64, u64)> = self
            .levels
            .iter()
            .enumerate()
            .flat_map(|(h, items)| items.iter().map(move |&v| (v, 1u64 << h)))
            .collect();
        out.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        out
    }

    /// The smallest retained value whose cumulative weight reaches `q` of the total (nearest rank).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.quantiles(&[q]).pop().flatten()
    }

    pub fn quantiles(&self, qs: &[f64]) -> Vec<Option<f64>> {
        let items = self.weighted();
        let total: u64 = items.iter().map(|i| i.1).sum();
        qs.iter()
            .map(|&q| {
                if total == 0 {
                    return None;
                }
                let target = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
                let mut cum = 0;
                for &(v, w) in &items {
                    cum += w;
                    if cum >= target {
                        return Some(v);
                    }
                }
                items.last().map(|i| i.0)
            })
            .collect()
    }

    /// Estimated fraction of values strictly below `x`.
    pub fn rank(&self, x: f64) -> f64 {
        let mut below = 0u64;
        let mut total = 0u64;
        for (h, items) in self.levels.iter().enumerate() {
            let w = 1u64 << h;
            total += w * items.len() as u64;
            below += w * items.iter().filter(|&&v| v < x).count() as u64;
        }
        if total == 0 {
            0.0
        } else {
            below as f64 / total as f64
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Frequent values

/// How many values a frequent-values summary keeps once a scan is done: in a stored profile and
/// in the profile a scan returns.
pub const FREQUENT_CAPACITY: usize = 1024;
/// How many values a summary may track while a scan fills it. Counts are cut only when more than
/// this many are tracked, and then down to half ([`WORKING_TARGET`]), so cuts are fewer and
/// smaller than at [`FREQUENT_CAPACITY`]; the scan's result is compacted to that capacity once.
/// (3,584 entries fill the 4,096 buckets of one hash table: about 140 KB plus the values' text.)
pub const WORKING_CAPACITY: usize = 3584;
/// What a cut of a working summary keeps.
pub const WORKING_TARGET: usize = WORKING_CAPACITY / 2;
/// How many of one batch's values [`prune`] keeps before the batch is merged into a summary.
pub const BATCH_CAPACITY: usize = 2048;

/// The count that cuts `counts` to at most `keep` positive entries the Misra-Gries way: the
/// (keep+1)-th largest (0 when there are no more than `keep`).
fn cut_to(mut counts: Vec<u64>, keep: usize) -> u64 {
    if counts.len() <= keep {
        return 0;
    }
    let idx = counts.len() - keep - 1;
    *counts.select_nth_unstable(idx).1
}

/// Reduces one batch's exact counts to at most [`BATCH_CAPACITY`] entries: the
/// (capacity+1)-th largest count is subtracted from every entry and the ones left at zero are
/// dropped. Returns the cut, which bounds the undercount (merging two Misra-Gries summaries does
/// the same). Values that cannot be kept are dropped before their text is made.
pub fn prune<K>(counts: &mut Vec<(K, u64)>) -> u64 {
    if counts.len() <= BATCH_CAPACITY {
        return 0;
    }
    let idx = counts.len() - BATCH_CAPACITY - 1;
    let (_, nth, _) = counts.select_nth_unstable_by_key(idx, |c| c.1);
    let cut = nth.1;
    counts.retain_mut(|c| {
        c.1 = c.1.saturating_sub(cut);
        c.1 > 0
    });
    cut
}

/// Misra-Gries summary of the most frequent values, keyed by their text.
///
/// Each kept count is a lower bound: the true count of a kept value is in
/// `[count, count + error_bound]`, and a value not kept occurs at most `error_bound` times.
/// While `error_bound` is 0 the counts are exact and complete (the column had at most
/// [`FREQUENT_CAPACITY`] distinct values).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FrequentValues {
    counts: FastMap<String, u64>,
    error_bound: u64,
}

/// A kept value with the bounds of its true count: `count <= true count <= upper`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounded {
    pub value: String,
    pub count: u64,
    pub upper: u64,
}

/// The most frequent value's share of the non-null values, with bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct TopShare {
    /// The value with the largest (lower-bound) count; `None` when the summary kept no value
    /// (every value rarer than the error bound, as in a column of unique values).
    pub value: Option<String>,
    /// Its share: exact when `exact`, else a lower bound.
    pub share: f64,
    /// An upper bound of the share of *any* value, kept or not (equal to `share` when exact).
    pub share_upper: f64,
    /// True when the counts are exact.
    pub exact: bool,
}

impl TopShare {
    /// The most frequent value of a summary over `total` non-null values; `None` when there is
    /// no value.
    pub fn of(f: &FrequentValues, total: u64) -> Option<TopShare> {
        if total == 0 {
            return None;
        }
        let top = f.top_bounded(1, total).into_iter().next();
        let upper = top
            .as_ref()
            .map_or(0, |t| t.upper)
            .max(f.unkept_upper(total));
        if top.is_none() && upper == 0 {
            return None;
        }
        let share = |c: u64| c as f64 / total as f64;
        Some(TopShare {
            share: share(top.as_ref().map_or(0, |t| t.count)),
            value: top.map(|t| t.value),
            share_upper: share(upper),
            exact: f.is_exact(),
        })
    }
}

impl FrequentValues {
    pub fn is_exact(&self) -> bool {
        self.error_bound == 0
    }

    /// Heap bytes: the table (its buckets: a `String` and a counter each) and each kept text.
    pub fn heap_size(&self) -> usize {
        table_bytes(self.counts.capacity(), 32)
            + self
                .counts
                .keys()
                .map(|k| alloc_bytes(k.capacity()))
                .sum::<usize>()
    }

    /// About how long the serialised form is.
    pub fn serialized_size(&self) -> usize {
        48 + self.counts.keys().map(|k| k.len() + 26).sum::<usize>()
    }

    /// The most a kept count is below the truth, and the most a value not kept occurs.
    pub fn error_bound(&self) -> u64 {
        self.error_bound
    }

    /// Adds pre-aggregated counts (one batch, or another summary).
    pub fn add_counts<I: IntoIterator<Item = (String, u64)>>(&mut self, counts: I) {
        self.add_pruned(counts.into_iter().collect(), 0);
    }

    /// Adds one batch's exact counts. The batch is first reduced to at most [`BATCH_CAPACITY`]
    /// keys the Misra-Gries way (see [`prune`]), so a high-cardinality batch costs no
    /// allocation for values that could not be kept anyway.
    pub fn add_batch<K: AsRef<str> + Into<String>>(&mut self, mut counts: Vec<(K, u64)>) {
        let cut = prune(&mut counts);
        self.add_pruned(counts, cut);
    }

    /// Adds counts already reduced by [`prune`], with the cut it returned. The counts are
    /// merged first and cut once, by the (capacity+1)-th largest of the merged counts, when more
    /// than [`WORKING_CAPACITY`] values would be tracked: a value is made text only if it stays.
    pub fn add_pruned<K: AsRef<str> + Into<String>>(&mut self, counts: Vec<(K, u64)>, cut: u64) {
        self.error_bound += cut;
        let mut fresh: Vec<(K, u64)> = Vec::new();
        for (k, c) in counts {
            match self.counts.get_mut(k.as_ref()) {
                Some(v) => *v += c,
                None => fresh.push((k, c)),
            }
        }
        if self.counts.len() + fresh.len() > WORKING_CAPACITY {
            let all = self.counts.values().chain(fresh.iter().map(|f| &f.1));
            let cut = cut_to(all.copied().collect(), WORKING_TARGET);
            self.subtract(cut);
            fresh.retain_mut(|f| {
                f.1 = f.1.saturating_sub(cut);
                f.1 > 0
            });
        }
        self.counts.reserve(fresh.len());
        for (k, c) in fresh {
            self.counts.insert(k.into(), c);
        }
    }

    /// Merges another summary. Two stored summaries merge to at most [`FREQUENT_CAPACITY`]
    /// values; a summary still being filled by a scan (more values than that) merges at the
    /// working capacity, to be compacted once at the end (see [`Self::compact`]).
    pub fn merge(&mut self, other: &FrequentValues) {
        let working = self.counts.len().max(other.counts.len()) > FREQUENT_CAPACITY;
        self.error_bound += other.error_bound;
        for (k, c) in &other.counts {
            match self.counts.get_mut(k) {
                Some(v) => *v += c,
                None => {
                    self.counts.insert(k.clone(), *c);
                }
            }
        }
        if working {
            if self.counts.len() > WORKING_CAPACITY {
                self.subtract(cut_to(
                    self.counts.values().copied().collect(),
                    WORKING_TARGET,
                ));
            }
        } else {
            self.compact();
        }
    }

    /// Cuts the summary to at most [`FREQUENT_CAPACITY`] values (a scan's result, before it is
    /// returned or stored). Cutting to the working target and then to the capacity equals one
    /// cut to the capacity: the survivors and the total cut are the same.
    pub fn compact(&mut self) {
        let cut = cut_to(self.counts.values().copied().collect(), FREQUENT_CAPACITY);
        self.subtract(cut);
        self.counts.shrink_to_fit();
    }

    /// Subtracts `cut` from every count, drops those left at zero, adds it to the error bound.
    fn subtract(&mut self, cut: u64) {
        if cut == 0 {
            return;
        }
        self.counts.retain(|_, v| {
            *v = v.saturating_sub(cut);
            *v > 0
        });
        self.error_bound += cut;
    }

    /// The `n` most frequent values, most frequent first (ties by value), with lower-bound
    /// counts (exact when [`Self::is_exact`]).
    pub fn top(&self, n: usize) -> Vec<(String, u64)> {
        let mut all: Vec<(String, u64)> =
            self.counts.iter().map(|(k, v)| (k.clone(), *v)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(n);
        all
    }

    /// The `n` most frequent values with bounds of their true counts, given `total`, the
    /// number of values summarised: a count is at most `error_bound` below the truth, and a
    /// value cannot occur more often than `total` less what the other kept values hold.
    pub fn top_bounded(&self, n: usize, total: u64) -> Vec<Bounded> {
        let kept: u64 = self.counts.values().sum();
        self.top(n)
            .into_iter()
            .map(|(value, count)| {
                let rest = total.saturating_sub(kept - count);
                Bounded {
                    upper: (count + self.error_bound).min(rest).max(count),
                    value,
                    count,
                }
            })
            .collect()
    }

    /// The most a value that is not kept can occur among `total` values.
    pub fn unkept_upper(&self, total: u64) -> u64 {
        let kept: u64 = self.counts.values().sum();
        self.error_bound.min(total.saturating_sub(kept))
    }

    /// Every tracked value with its count.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &u64)> {
        self.counts.iter()
    }

    pub fn len(&self) -> usize {
        self.counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hll_estimates_within_error() {
        let mut s = DistinctSketch::default();
        for i in 0..500_000u64 {
            s.insert_hash(hash_u64(i));
        }
        assert!(!s.is_exact());
        let est = s.estimate() as f64;
        assert!((est - 500_000.0).abs() / 500_000.0 < 0.03, "{est}");
    }

    #[test]
    fn merge_sorted_merges_in_place() {
        let mut a = vec![1.0, 3.0, 5.0, 7.0];
        merge_sorted(&mut a, &[0.0, 3.0, 4.0, 8.0, 9.0]);
        assert_eq!(a, vec![0.0, 1.0, 3.0, 3.0, 4.0, 5.0, 7.0, 8.0, 9.0]);
        let mut b = vec![2.0];
        merge_sorted(&mut b, &[]);
        merge_sorted(&mut b, &[2.0, 5.0]);
        assert_eq!(b, vec![2.0, 2.0, 5.0]);
        let mut c: Vec<f64> = Vec::new();
        merge_sorted(&mut c, &[1.0, 2.0]);
        assert_eq!(c, vec![1.0, 2.0]);
    }

    #[test]
    fn kll_upper_levels_stay_sorted_and_keep_weight() {
        let mut a = Kll::default();
        let mut b = Kll::default();
        for i in 0..150_000u64 {
            a.update((hash_u64(i) % 10_007) as f64);
            b.update((hash_u64(i + 1_000_000) % 5_003) as f64);
        }
        a.merge(&b);
        for (h, level) in a.levels.iter().enumerate().skip(1) {
            assert!(level.windows(2).all(|w| w[0] <= w[1]), "level {h} unsorted");
        }
        // Weight is conserved: retained items times their weights equal the count.
        let weight: u64 = a.weighted().iter().map(|i| i.1).sum();
        assert_eq!(weight, 300_000);
        assert_eq!(a.count(), 300_000);
    }

    #[test]
    fn kll_is_exact_when_small_and_close_when_large() {
        let mut k = Kll::default();
        for i in 1..=100 {
            k.update(i as f64);
        }
        assert!(k.is_exact());
        assert_eq!(k.quantile(0.5), Some(50.0));
        let mut big = Kll::default();
        let n = 200_000;
        for i in 0..n {
            big.update(((i * 7919) % n) as f64);
        }
        for q in [0.01, 0.25, 0.5, 0.99] {
            let v = big.quantile(q).unwrap();
            assert!((v / n as f64 - q).abs() < 0.01, "q={q} v={v}");
        }
    }

    /// Counts of a Zipf-like stream over `keys` values, and the stream in batches.
    fn zipf_batches(rows: usize, keys: u64, batch: usize, seed: u64) -> Vec<Vec<(String, u64)>> {
        let mut rng = seed;
        let mut out = Vec::new();
        let mut counts: HashMap<String, u64> = HashMap::new();
        for i in 0..rows {
            rng = hash_u64(rng);
            // Skewed: the square of a uniform draw favours small keys.
            let u = (rng >> 11) as f64 / (1u64 << 53) as f64;
            let k = ((u * u) * keys as f64) as u64;
            *counts.entry(format!("k{k}")).or_insert(0) += 1;
            if (i + 1) % batch == 0 || i + 1 == rows {
                out.push(counts.drain().collect());
            }
        }
        out
    }

    fn truth(batches: &[Vec<(String, u64)>]) -> HashMap<String, u64> {
        let mut t = HashMap::new();
        for b in batches {
            for (k, c) in b {
                *t.entry(k.clone()).or_insert(0) += c;
            }
        }
        t
    }

    /// Every kept count is within its bounds, every value not kept is within the error bound.
    fn assert_bounds(f: &FrequentValues, truth: &HashMap<String, u64>) {
        let total: u64 = truth.values().sum();
        let kept: HashMap<String, Bounded> = f
            .top_bounded(usize::MAX, total)
            .into_iter()
            .map(|b| (b.value.clone(), b))
            .collect();
        for (v, &t) in truth {
            match kept.get(v) {
                Some(b) => assert!(b.count <= t && t <= b.upper, "{v}: {t} not in {b:?}"),
                None => assert!(t <= f.unkept_upper(total), "{v}: {t} > {}", f.error_bound()),
            }
        }
        // The Misra-Gries guarantee: the cuts together remove at most every row.
        assert!(f.error_bound() <= total / (FREQUENT_CAPACITY as u64 + 1) + 1);
        let top = TopShare::of(f, total).unwrap();
        let max = *truth.values().max().unwrap() as f64 / total as f64;
        assert!(
            top.share <= max && max <= top.share_upper,
            "{top:?} vs {max}"
        );
    }

    #[test]
    fn frequent_bounds_hold_through_batches_merges_and_compaction() {
        for (keys, rows) in [(5_000u64, 300_000usize), (800, 50_000), (20_000, 200_000)] {
            let batches = zipf_batches(rows, keys, 8192, keys);
            let t = truth(&batches);
            // Two "partitions", each filled batch by batch, merged, compacted.
            let mut parts = [FrequentValues::default(), FrequentValues::default()];
            for (i, b) in batches.iter().enumerate() {
                parts[i % 2].add_batch(b.iter().map(|(k, c)| (k.as_str(), *c)).collect());
            }
            for (i, p) in parts.iter().enumerate() {
                assert!(p.len() <= WORKING_CAPACITY);
                let mine: Vec<_> = batches.iter().skip(i).step_by(2).cloned().collect();
                assert_bounds(p, &truth(&mine));
            }
            let mut merged = FrequentValues::default();
            merged.merge(&parts[0]);
            merged.merge(&parts[1]);
            merged.compact();
            assert!(merged.len() <= FREQUENT_CAPACITY);
            assert_bounds(&merged, &t);
            assert_eq!(merged.is_exact(), t.len() <= FREQUENT_CAPACITY);
            // Through the stored form and a merge with another stored summary.
            let json = serde_json::to_string(&merged).unwrap();
            let mut back: FrequentValues = serde_json::from_str(&json).unwrap();
            assert_eq!(back, merged);
            back.merge(&merged);
            let doubled: HashMap<String, u64> = t.iter().map(|(k, v)| (k.clone(), v * 2)).collect();
            assert_bounds(&back, &doubled);
        }
    }

    #[test]
    fn frequent_values_are_exact_up_to_the_capacity() {
        let mut f = FrequentValues::default();
        let mut g = FrequentValues::default();
        for round in 0..20u64 {
            let batch: Vec<(String, u64)> = (0..FREQUENT_CAPACITY as u64)
                .map(|k| (format!("v{k}"), 1 + (k * round) % 5))
                .collect();
            f.add_batch(batch.clone());
            g.add_pruned(batch, 0);
        }
        f.merge(&g);
        f.compact();
        assert!(f.is_exact());
        assert_eq!(f.len(), FREQUENT_CAPACITY);
        assert!(
            f.top_bounded(3, 1_000_000)
                .iter()
                .all(|b| b.upper == b.count)
        );
    }

    #[test]
    fn compacting_in_two_steps_equals_one() {
        let batches = zipf_batches(100_000, 6_000, 100_000, 3);
        let all: Vec<(String, u64)> = batches.concat();
        let mut one = FrequentValues::default();
        one.add_pruned(all.clone(), 0);
        let mut two = one.clone();
        one.compact();
        two.subtract(cut_to(two.counts.values().copied().collect(), 1500));
        two.compact();
        assert_eq!(one.top(usize::MAX), two.top(usize::MAX));
        assert_eq!(one.error_bound(), two.error_bound());
    }

    #[test]
    fn misra_gries_keeps_heavy_hitters() {
        let mut f = FrequentValues::default();
        let mut batch = Vec::new();
        for i in 0..50_000u64 {
            batch.push((format!("v{i}"), 1));
        }
        batch.push(("heavy".to_string(), 10_000));
        f.add_counts(batch);
        assert!(!f.is_exact());
        let top = f.top(1);
        assert_eq!(top[0].0, "heavy");
        assert!(top[0].1 + f.error_bound() >= 10_000);
    }
}
