//! Approximate top values carry bounds, and `skew` judges by the upper one.
//!
//! One generated table of 2,000,000 rows: `key`, 5,000 integer keys drawn Zipf-like; `tail`,
//! 6,000 near-uniform strings (like aircraft tail numbers) with one a little heavier; `small`,
//! 1,024 skewed values (the most the frequent-values summary counts exactly). The true counts
//! are computed here with a plain `HashMap`.

mod common;

use arrow::array::*;
use arrow::datatypes::{DataType, Field, Schema};
use common::{plimsoll, plimsoll_json};
use plimsoll::generate::Rng;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

const ROWS: usize = 2_000_000;
const KEYS: usize = 5_000;
const TAILS: usize = 6_000;
const SMALL: usize = 1_024;
const HEAVY_TAIL: &str = "N-HEAVY";

struct Fixture {
    path: PathBuf,
    /// True counts per column, values as Plimsoll renders them.
    truth: HashMap<&'static str, HashMap<String, u64>>,
    _dir: tempfile::TempDir,
}

/// A draw from `cum` (cumulative weights ending at 1).
fn draw(rng: &mut Rng, cum: &[f64]) -> usize {
    let u = rng.f64();
    cum.partition_point(|c| *c < u).min(cum.len() - 1)
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let w: Vec<f64> = weights.collect();
    let total: f64 = w.iter().sum();
    let mut acc = 0.0;
    w.iter()
        .map(|x| {
            acc += x / total;
            acc
        })
        .collect()
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("skewed.parquet");
        let zipf = cumulative((1..=KEYS).map(|r| 1.0 / (r as f64).powf(0.5)));
        let small = cumulative((1..=SMALL).map(|r| 1.0 / r as f64));
        let mut rng = Rng::new(11);
        let mut truth: HashMap<&'static str, HashMap<String, u64>> = HashMap::new();
        let schema = Arc::new(Schema::new(vec![
            Field::new("key", DataType::Int64, false),
            Field::new("tail", DataType::Utf8, false),
            Field::new("small", DataType::Int32, false),
        ]));
        let mut batches = Vec::new();
        for start in (0..ROWS).step_by(250_000) {
            let n = 250_000.min(ROWS - start);
            let (mut keys, mut tails, mut smalls) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..n {
                // Keys are shuffled so the most frequent is not the smallest.
                let k = ((draw(&mut rng, &zipf) * 7_919) % KEYS) as i64;
                let t = if rng.f64() < 0.001 {
                    HEAVY_TAIL.to_string()
                } else {
                    format!("N{:05}", rng.below(TAILS as u64))
                };
                let s = draw(&mut rng, &small) as i32;
                *truth
                    .entry("key")
                    .or_default()
                    .entry(k.to_string())
                    .or_default() += 1;
                *truth
                    .entry("tail")
                    .or_default()
                    .entry(t.clone())
                    .or_default() += 1;
                *truth
                    .entry("small")
                    .or_default()
                    .entry(s.to_string())
                    .or_default() += 1;
                keys.push(k);
                tails.push(t);
                smalls.push(s);
            }
            batches.push(
                RecordBatch::try_new(
                    schema.clone(),
                    vec![
                        Arc::new(Int64Array::from(keys)),
                        Arc::new(StringArray::from(tails)),
                        Arc::new(Int32Array::from(smalls)),
                    ],
                )
                .unwrap(),
            );
        }
        plimsoll::generate::write_parquet(&path, &batches, 250_000).unwrap();
        assert_eq!(truth["small"].len(), SMALL);
        Fixture {
            path,
            truth,
            _dir: dir,
        }
    })
}

fn profile_json() -> &'static Value {
    static P: OnceLock<Value> = OnceLock::new();
    P.get_or_init(|| {
        let f = fixture();
        let (code, v, stderr) =
            plimsoll_json(&["profile", f.path.to_str().unwrap(), "--format", "json"]);
        assert_eq!(code, 0, "{stderr}");
        v
    })
}

fn field<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name}"))
}

fn max_share(truth: &HashMap<String, u64>) -> (String, f64) {
    let (v, c) = truth
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .unwrap();
    (v.clone(), *c as f64 / ROWS as f64)
}

#[test]
fn reported_top_values_bound_the_true_counts() {
    let fx = fixture();
    let p = profile_json();
    for name in ["key", "tail"] {
        let f = field(p, name);
        let truth = &fx.truth[name];
        assert_eq!(f["top_values_exact"], false, "{name}: {f}");
        let bound = f["top_values_error_bound"].as_u64().unwrap();
        assert!(bound > 0);
        // The Misra-Gries guarantee: the cuts together remove at most every row.
        assert!(bound <= ROWS as u64 / 1_025, "{name}: bound {bound}");
        let top = f["top_values"].as_array().unwrap();
        assert_eq!(top.len(), 10, "{name}");
        for t in top {
            let v = t["value"].as_str().unwrap();
            let (lo, hi) = (
                t["count"].as_u64().unwrap(),
                t["count_upper"].as_u64().unwrap(),
            );
            let real = truth[v];
            assert!(
                lo <= real && real <= hi,
                "{name} `{v}`: {real} not in {lo}..={hi}"
            );
            assert!(hi <= lo + bound);
            let share = t["share"].as_f64().unwrap();
            let share_upper = t["share_upper"].as_f64().unwrap();
            assert_eq!(share, lo as f64 / ROWS as f64);
            assert_eq!(share_upper, hi as f64 / ROWS as f64);
        }
        // A value not listed holds at most the last listed count plus the bound.
        let listed: Vec<&str> = top.iter().map(|t| t["value"].as_str().unwrap()).collect();
        let last = top[9]["count"].as_u64().unwrap();
        for (v, c) in truth.iter().filter(|(v, _)| !listed.contains(&v.as_str())) {
            assert!(*c <= last + bound, "{name} `{v}`: {c} > {last} + {bound}");
        }
        let (top_value, real_share) = max_share(truth);
        let lower = f["top_share"].as_f64().unwrap();
        let upper = f["top_share_upper"].as_f64().unwrap();
        assert!(
            lower <= real_share && real_share <= upper,
            "{name}: true top share {real_share} not in {lower}..={upper}"
        );
        eprintln!(
            "{name}: true top `{top_value}` {:.4}%, reported `{}` {:.4}%..{:.4}%, error bound {bound} rows ({:.4}%)",
            real_share * 100.0,
            top[0]["value"].as_str().unwrap(),
            lower * 100.0,
            upper * 100.0,
            bound as f64 / ROWS as f64 * 100.0,
        );
    }
}

#[test]
fn counts_stay_exact_up_to_1024_distinct_values() {
    let fx = fixture();
    let f = field(profile_json(), "small");
    assert_eq!(f["top_values_exact"], true, "{f}");
    assert_eq!(f["top_values_error_bound"], 0);
    for t in f["top_values"].as_array().unwrap() {
        let real = fx.truth["small"][t["value"].as_str().unwrap()];
        assert_eq!(t["count"].as_u64().unwrap(), real, "{t}");
        assert_eq!(t["count_upper"].as_u64().unwrap(), real, "{t}");
    }
    let (_, real_share) = max_share(&fx.truth["small"]);
    assert_eq!(f["top_share"].as_f64().unwrap(), real_share);
    assert_eq!(f["top_share_upper"].as_f64().unwrap(), real_share);
}

#[test]
fn every_human_format_marks_approximate_shares() {
    let fx = fixture();
    let r = plimsoll(&["profile", fx.path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = |name: &str| {
        r.stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no line for {name}:\n{}", r.stdout))
            .to_string()
    };
    // Approximate: a range (or `~` when both ends round alike); exact: a plain figure.
    let tail = line("tail");
    assert!(tail.contains(&format!("{HEAVY_TAIL} (")), "{tail}");
    assert!(tail.contains('–') || tail.contains("(~"), "{tail}");
    let key = line("key");
    assert!(key.contains('–') || key.contains("(~"), "{key}");
    let small = line("small");
    assert!(!small.contains('–') && !small.contains('~'), "{small}");
}

fn skew_contract(dir: &std::path::Path, field: &str, max: f64) -> PathBuf {
    let path = dir.join(format!("skew-{field}-{max}.yaml"));
    std::fs::write(
        &path,
        format!(
            "consumer: joins\ndepends_on:\n  - table: skewed\n    fields:\n      - {{ name: {field}, skew: {{ max_top_share: {max} }} }}\n"
        ),
    )
    .unwrap();
    path
}

fn skew_result(v: &Value) -> &Value {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "skew")
        .unwrap_or_else(|| panic!("no skew result: {v}"))
}

#[test]
fn skew_fails_when_the_upper_bound_may_exceed_the_maximum() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let (_, real) = max_share(&fx.truth["tail"]);
    // The heavy tail number holds about 0.1%; a maximum of 0.08% is broken by the data.
    let max = 0.0008;
    assert!(real > max, "{real}");
    let contract = skew_contract(dir.path(), "tail", max);
    let source = fx.path.to_str().unwrap();
    let c = contract.to_str().unwrap();
    let (code, v, stderr) = plimsoll_json(&["check", source, "--contract", c, "--format", "json"]);
    let r = skew_result(&v);
    assert_eq!(code, 1, "{stderr}\n{r}");
    assert_eq!(r["status"], "fail", "{r}");
    let lower = r["observed"]["top_share"].as_f64().unwrap();
    let upper = r["observed"]["top_share_upper"].as_f64().unwrap();
    assert_eq!(r["observed"]["exact"], false);
    // Judged by the lower bound, as before, this contract passed.
    assert!(
        lower <= max,
        "the lower bound {lower} is above {max}: pick a lower maximum"
    );
    assert!(upper >= real, "{upper} < {real}");
    let message = r["message"].as_str().unwrap();
    assert!(message.contains("may exceed"), "{message}");
    // The table format says so too, and shows the bounds.
    let t = plimsoll(&["check", source, "--contract", c]);
    assert_eq!(t.code, 1);
    assert!(t.stdout.contains("may exceed"), "{}", t.stdout);
    let row = t.stdout.lines().find(|l| l.contains(" skew ")).unwrap();
    assert!(
        row.contains(&format!("`{HEAVY_TAIL}` 0.")) && row.contains('–'),
        "{row}"
    );

    // Above the upper bound, the same column passes.
    let loose = skew_contract(dir.path(), "tail", (upper * 1.01).min(1.0));
    let (code, v, stderr) = plimsoll_json(&[
        "check",
        source,
        "--contract",
        loose.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let r = skew_result(&v);
    assert_eq!(r["status"], "pass", "{r}");
    assert!(r["message"].as_str().unwrap().contains("at most"), "{r}");
}

#[test]
fn skew_on_exact_counts_is_unchanged() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let (_, real) = max_share(&fx.truth["small"]);
    let source = fx.path.to_str().unwrap();
    for (max, status) in [(real * 0.99, "fail"), (real, "pass")] {
        let c = skew_contract(dir.path(), "small", max);
        let (_, v, stderr) = plimsoll_json(&[
            "check",
            source,
            "--contract",
            c.to_str().unwrap(),
            "--format",
            "json",
        ]);
        let r = skew_result(&v);
        assert_eq!(r["status"], status, "{stderr}\n{r}");
        assert_eq!(r["observed"]["exact"], true);
        assert_eq!(r["observed"]["top_share"], r["observed"]["top_share_upper"]);
        assert!(!r["message"].as_str().unwrap().contains("may exceed"));
    }
}
