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

/// Reduces exact counts to at most [`FREQUENT_CAPACITY`] entries: the (capacity+1)-th largest
/// count is subtracted from every entry and the ones left at zero are dropped. Returns the cut,
/// which bounds the undercount (merging two Misra-Gries summaries does the same).
pub fn prune<K>(counts: &mut Vec<(K, u64)>) -> u64 {
    if counts.len() <= FREQUENT_CAPACITY {
        return 0;
    }
    let idx = counts.len() - FREQUENT_CAPACITY - 1;
    let (_, nth, _) = counts.select_nth_unstable_by_key(idx, |c| c.1);
    let cut = nth.1;
    counts.retain_mut(|c| {
        c.1 = c.1.saturating_sub(cut);
        c.1 > 0
    });
    cut
}

/// How many values the frequent-values summary tracks.
pub const FREQUENT_CAPACITY: usize = 1024;

/// Misra-Gries summary of the most frequent values, keyed by their text.
///
/// While `error_bound` is 0 the counts are exact and complete (the column had at most
/// [`FREQUENT_CAPACITY`] distinct values). Otherwise each kept count is at most `error_bound`
/// below the true count, and any value more frequent than `error_bound` is kept.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FrequentValues {
    counts: HashMap<String, u64>,
    error_bound: u64,
}

impl FrequentValues {
    pub fn is_exact(&self) -> bool {
        self.error_bound == 0
    }

    /// Approximate heap bytes: each kept value, its text and its counter.
    pub fn heap_size(&self) -> usize {
        self.counts.keys().map(|k| k.capacity() + 48).sum()
    }

    pub fn error_bound(&self) -> u64 {
        self.error_bound
    }

    /// Adds pre-aggregated counts (one batch, or another summary).
    pub fn add_counts<I: IntoIterator<Item = (String, u64)>>(&mut self, counts: I) {
        for (k, c) in counts {
            *self.counts.entry(k).or_insert(0) += c;
        }
        self.reduce();
    }

    /// Adds one batch's exact counts. The batch is first reduced to at most
    /// [`FREQUENT_CAPACITY`] keys the Misra-Gries way (see [`prune`]), so a high-cardinality
    /// batch costs no allocation for values that could not be kept anyway.
    pub fn add_batch<K: AsRef<str>>(&mut self, mut counts: Vec<(K, u64)>) {
        let cut = prune(&mut counts);
        self.add_pruned(counts, cut);
    }

    /// Adds counts already reduced by [`prune`], with the cut it returned.
    pub fn add_pruned<K: AsRef<str>>(&mut self, counts: Vec<(K, u64)>, cut: u64) {
        self.error_bound += cut;
        for (k, c) in counts {
            match self.counts.get_mut(k.as_ref()) {
                Some(v) => *v += c,
                None => {
                    self.counts.insert(k.as_ref().to_owned(), c);
                }
            }
        }
        self.reduce();
    }

    pub fn merge(&mut self, other: &FrequentValues) {
        self.error_bound += other.error_bound;
        self.add_counts(other.counts.iter().map(|(k, v)| (k.clone(), *v)));
    }

    fn reduce(&mut self) {
        if self.counts.len() <= FREQUENT_CAPACITY {
            return;
        }
        let mut values: Vec<u64> = self.counts.values().copied().collect();
        // The (capacity+1)-th largest count is subtracted from every counter.
        let idx = values.len() - FREQUENT_CAPACITY - 1;
        let (_, cut, _) = values.select_nth_unstable(idx);
        let cut = *cut;
        self.counts.retain(|_, v| {
            *v = v.saturating_sub(cut);
            *v > 0
        });
        self.error_bound += cut;
    }

    /// The `n` most frequent values, most frequent first (ties by value).
    pub fn top(&self, n: usize) -> Vec<(String, u64)> {
        let mut all: Vec<(String, u64)> =
            self.counts.iter().map(|(k, v)| (k.clone(), *v)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(n);
        all
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
