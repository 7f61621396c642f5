//! Every metric against an independent computation on the same data: arrow compute kernels and
//! plain reference implementations, never the code under test.

mod common;

use arrow::array::*;
use arrow::compute;
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use plimsoll::generate::Rng;
use plimsoll::profile::model::QUANTILES;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

const N: usize = 5_000;

fn edge_batch() -> RecordBatch {
    let mut rng = Rng::new(11);
    let ints: Int64Array = (0..N)
        .map(|_| (rng.f64() >= 0.1).then(|| rng.below(2_000) as i64 - 500))
        .collect();
    let floats: Float64Array = (0..N)
        .map(|i| match i {
            7 => Some(f64::NAN),
            8 => Some(f64::INFINITY),
            9 => Some(f64::NEG_INFINITY),
            10 => Some(f64::NAN),
            _ => (rng.f64() >= 0.05).then(|| rng.normal() * 40.0 + 100.0),
        })
        .collect();
    let words = [
        "",
        "a",
        "héllo",
        "wörld",
        "zebra",
        "日本語",
        "apple",
        "apple pie",
    ];
    let strings: StringArray = (0..N)
        .map(|_| (rng.f64() >= 0.2).then(|| words[rng.below(words.len() as u64) as usize]))
        .collect();
    let bools: BooleanArray = (0..N)
        .map(|_| (rng.f64() >= 0.3).then(|| rng.f64() < 0.25))
        .collect();
    let ts: TimestampMillisecondArray = (0..N)
        .map(|_| (rng.f64() >= 0.01).then(|| 1_700_000_000_000 + rng.below(86_400_000 * 30) as i64))
        .collect::<TimestampMillisecondArray>()
        .with_timezone("+02:00");
    let dates: Date32Array = (0..N)
        .map(|_| (rng.f64() >= 0.02).then(|| 19_000 + rng.below(400) as i32))
        .collect();
    let decimals = (0..N)
        .map(|_| (rng.f64() >= 0.5).then(|| rng.below(1_000_000) as i128 - 20_000))
        .collect::<Decimal128Array>()
        .with_precision_and_scale(10, 2)
        .unwrap();
    let all_null = Int32Array::from(vec![None; N]);
    let schema = Schema::new(vec![
        Field::new("ints", DataType::Int64, true),
        Field::new("floats", DataType::Float64, true),
        Field::new("strings", DataType::Utf8, true),
        Field::new("bools", DataType::Boolean, true),
        Field::new(
            "ts",
            DataType::Timestamp(TimeUnit::Millisecond, Some("+02:00".into())),
            true,
        ),
        Field::new("dates", DataType::Date32, true),
        Field::new("decimals", DataType::Decimal128(10, 2), true),
        Field::new("all_null", DataType::Int32, true),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(ints),
            Arc::new(floats),
            Arc::new(strings),
            Arc::new(bools),
            Arc::new(ts),
            Arc::new(dates),
            Arc::new(decimals),
            Arc::new(all_null),
        ],
    )
    .unwrap()
}

/// Nearest-rank quantile of sorted values: the smallest value with at least `q` of them at or below it.
fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    let idx = ((q * sorted.len() as f64).ceil() as usize).max(1) - 1;
    sorted[idx]
}

/// Fraction of `sorted` strictly below `v` and at or below it.
fn rank_range(sorted: &[f64], v: f64) -> (f64, f64) {
    let below = sorted.partition_point(|x| *x < v) as f64;
    let at_or_below = sorted.partition_point(|x| *x <= v) as f64;
    (
        below / sorted.len() as f64,
        at_or_below / sorted.len() as f64,
    )
}

fn assert_quantiles(field: &plimsoll::profile::FieldProfile, mut values: Vec<f64>) {
    values.sort_by(f64::total_cmp);
    let n = field.numeric.as_ref().unwrap();
    for (name, q) in QUANTILES {
        let got = n.sketch.quantile(q).unwrap();
        if n.sketch.is_exact() {
            assert_eq!(got, nearest_rank(&values, q), "{} {name}", field.name);
        } else {
            // KLL with k=400: normalised rank error well under 1%.
            let (lo, hi) = rank_range(&values, got);
            assert!(
                lo - 0.01 <= q && q <= hi + 0.01,
                "{} {name}: {got} has rank {lo}..{hi}",
                field.name
            );
        }
    }
}

fn mean_stddev(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn every_metric_matches_an_independent_computation() {
    let dir = tempfile::tempdir().unwrap();
    let batch = edge_batch();
    let path = common::parquet(dir.path(), "edge.parquet", std::slice::from_ref(&batch));
    let p = common::profile(&path);
    assert_eq!(p.row_count, N as u64);
    assert!(p.scan.scanned);
    assert_eq!(p.scan.files, 1);
    assert_eq!(p.scan.bytes, std::fs::metadata(&path).unwrap().len());

    // Counts and null counts of every field, from the arrays' own null buffers.
    for (i, f) in batch.schema().fields().iter().enumerate() {
        let fp = p.field(f.name()).unwrap();
        let col = batch.column(i);
        assert_eq!(fp.null_count, col.null_count() as u64, "{}", f.name());
        assert_eq!(
            fp.count,
            (col.len() - col.null_count()) as u64,
            "{}",
            f.name()
        );
        assert!(close(fp.null_rate(), col.null_count() as f64 / N as f64));
    }

    // Integers.
    let ints = batch
        .column(0)
        .as_primitive::<arrow::datatypes::Int64Type>();
    let f = p.field("ints").unwrap();
    let n = f.numeric.as_ref().unwrap();
    assert_eq!(n.int_min, compute::min(ints).map(i128::from));
    assert_eq!(n.int_max, compute::max(ints).map(i128::from));
    let values: Vec<f64> = ints.iter().flatten().map(|v| v as f64).collect();
    let (mean, sd) = mean_stddev(&values);
    assert!(close(
        n.mean,
        compute::sum(ints).unwrap() as f64 / values.len() as f64
    ));
    assert!(close(n.mean, mean));
    assert!(close(n.stddev().unwrap(), sd));
    let distinct: HashSet<i64> = ints.iter().flatten().collect();
    assert!(f.distinct.is_exact());
    assert_eq!(f.distinct.estimate(), distinct.len() as u64);
    assert_quantiles(f, values);

    // Floats: NaN and infinities counted apart; moments and quantiles over finite values.
    let floats = batch
        .column(1)
        .as_primitive::<arrow::datatypes::Float64Type>();
    let f = p.field("floats").unwrap();
    let n = f.numeric.as_ref().unwrap();
    let finite: Vec<f64> = floats.iter().flatten().filter(|v| v.is_finite()).collect();
    assert_eq!(n.nan_count, 2);
    assert_eq!((n.pos_inf_count, n.neg_inf_count), (1, 1));
    assert_eq!(n.finite_count, finite.len() as u64);
    let finite_arr = Float64Array::from(finite.clone());
    assert_eq!(n.min, compute::min(&finite_arr));
    assert_eq!(n.max, compute::max(&finite_arr));
    assert_eq!(f.bounds(), (json!("-inf"), json!("inf")));
    let (mean, sd) = mean_stddev(&finite);
    assert!(close(n.mean, mean));
    assert!(close(n.stddev().unwrap(), sd));
    assert_quantiles(f, finite);

    // Strings: lengths in characters, min/max, empty strings, exact frequencies.
    let strings = batch.column(2).as_string::<i32>();
    let f = p.field("strings").unwrap();
    let t = f.text.as_ref().unwrap();
    assert_eq!(t.min.as_deref(), compute::min_string(strings));
    assert_eq!(t.max.as_deref(), compute::max_string(strings));
    let lengths: Vec<u64> = strings
        .iter()
        .flatten()
        .map(|s| s.chars().count() as u64)
        .collect();
    assert_eq!(t.min_length, lengths.iter().min().copied());
    assert_eq!(t.max_length, lengths.iter().max().copied());
    assert_eq!(
        t.empty_count,
        strings.iter().flatten().filter(|s| s.is_empty()).count() as u64
    );
    let mut counts: HashMap<String, u64> = HashMap::new();
    for s in strings.iter().flatten() {
        *counts.entry(s.to_string()).or_default() += 1;
    }
    let freq = f.frequent.as_ref().unwrap();
    assert!(freq.is_exact());
    let got: HashMap<String, u64> = freq.iter().map(|(k, v)| (k.clone(), *v)).collect();
    assert_eq!(got, counts);
    let top = counts.values().max().copied().unwrap();
    assert!(close(
        f.top_share().unwrap().1,
        top as f64 / lengths.len() as f64
    ));
    assert_eq!(f.distinct.estimate(), counts.len() as u64);

    // Booleans: counts of true and false.
    let bools = batch.column(3).as_boolean();
    let f = p.field("bools").unwrap();
    let trues = compute::filter(bools, bools).unwrap().len() as u64;
    let falses = (bools.len() - bools.null_count()) as u64 - trues;
    let got: HashMap<String, u64> = f
        .frequent
        .as_ref()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_eq!(got.get("true").copied(), Some(trues));
    assert_eq!(got.get("false").copied(), Some(falses));
    assert_eq!(f.bounds(), (json!(false), json!(true)));
    assert_eq!(f.distinct.estimate(), 2);

    // Timestamps with a time zone: min/max in UTC microseconds, zone kept.
    let ts = batch
        .column(4)
        .as_primitive::<arrow::datatypes::TimestampMillisecondType>();
    let f = p.field("ts").unwrap();
    let t = f.temporal.as_ref().unwrap();
    assert_eq!(t.min, compute::min(ts).map(|v| v * 1_000));
    assert_eq!(t.max, compute::max(ts).map(|v| v * 1_000));
    assert_eq!(t.timezone.as_deref(), Some("+02:00"));
    let min_text = chrono::DateTime::from_timestamp_millis(compute::min(ts).unwrap()).unwrap();
    assert_eq!(
        f.bounds().0,
        json!(min_text.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    );

    // Dates: min/max days, rendered as ISO dates.
    let dates = batch
        .column(5)
        .as_primitive::<arrow::datatypes::Date32Type>();
    let f = p.field("dates").unwrap();
    let t = f.temporal.as_ref().unwrap();
    assert_eq!(t.min, compute::min(dates).map(i64::from));
    assert_eq!(t.max, compute::max(dates).map(i64::from));
    let max_date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
        + chrono::Duration::days(compute::max(dates).unwrap() as i64);
    assert_eq!(f.bounds().1, json!(max_date.to_string()));

    // Decimals: numeric statistics at the declared scale.
    let decimals = batch
        .column(6)
        .as_primitive::<arrow::datatypes::Decimal128Type>();
    let f = p.field("decimals").unwrap();
    let n = f.numeric.as_ref().unwrap();
    assert_eq!(n.min, compute::min(decimals).map(|v| v as f64 / 100.0));
    assert_eq!(n.max, compute::max(decimals).map(|v| v as f64 / 100.0));
    let values: Vec<f64> = decimals
        .iter()
        .flatten()
        .map(|v| v as f64 / 100.0)
        .collect();
    assert!(close(n.mean, mean_stddev(&values).0));

    // A column of nulls only.
    let f = p.field("all_null").unwrap();
    assert_eq!((f.count, f.null_count), (0, N as u64));
    assert_eq!(f.distinct.estimate(), 0);
    assert_eq!(
        f.bounds(),
        (serde_json::Value::Null, serde_json::Value::Null)
    );
    assert_eq!(f.numeric.as_ref().unwrap().sketch.quantile(0.5), None);
}

#[test]
fn dictionary_strings_are_profiled_like_plain_strings() {
    let dir = tempfile::tempdir().unwrap();
    let values = ["red", "green", "red", "blue", "red"];
    let dict: DictionaryArray<arrow::datatypes::Int32Type> =
        values.iter().copied().map(Some).chain([None]).collect();
    let schema = Schema::new(vec![Field::new("color", dict.data_type().clone(), true)]);
    let batch = RecordBatch::try_new(Arc::new(schema), vec![Arc::new(dict)]).unwrap();
    let path = common::parquet(dir.path(), "dict.parquet", &[batch]);
    let p = common::profile(&path);
    let f = p.field("color").unwrap();
    assert_eq!((f.count, f.null_count), (5, 1));
    assert_eq!(f.distinct.estimate(), 3);
    assert_eq!(f.top_share(), Some(("red".to_string(), 0.6)));
    assert_eq!(f.text.as_ref().unwrap().max_length, Some(5));
}

#[test]
fn one_row_and_empty_tables() {
    let dir = tempfile::tempdir().unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("x", DataType::Float64, true),
        Field::new("s", DataType::Utf8, true),
    ]));
    let one = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Float64Array::from(vec![2.5])),
            Arc::new(StringArray::from(vec!["only"])),
        ],
    )
    .unwrap();
    let p = common::profile(&common::parquet(dir.path(), "one.parquet", &[one]));
    let x = p.field("x").unwrap();
    let n = x.numeric.as_ref().unwrap();
    assert_eq!(
        (x.count, n.min, n.max, n.mean),
        (1, Some(2.5), Some(2.5), 2.5)
    );
    assert_eq!(
        n.stddev(),
        None,
        "the sample standard deviation of one value is undefined"
    );
    assert_eq!(n.sketch.quantile(0.01), Some(2.5));
    assert_eq!(n.sketch.quantile(0.99), Some(2.5));

    let empty = RecordBatch::new_empty(schema);
    let p = common::profile(&common::parquet(dir.path(), "empty.parquet", &[empty]));
    assert_eq!(p.row_count, 0);
    let x = p.field("x").unwrap();
    assert_eq!((x.count, x.null_count, x.null_rate()), (0, 0, 0.0));
    assert_eq!(
        x.bounds(),
        (serde_json::Value::Null, serde_json::Value::Null)
    );
    let s = p.field("s").unwrap();
    assert_eq!(s.top_share(), None);
}

#[test]
fn large_cardinality_switches_to_the_sketch_within_its_error() {
    // 300k distinct ids: beyond the exact set, HyperLogLog (p=14, ~0.8% standard error).
    let dir = tempfile::tempdir().unwrap();
    let ids: Int64Array = (0..300_000i64).map(|i| i * 7 + 3).collect();
    let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
    let batch = RecordBatch::try_new(schema, vec![Arc::new(ids)]).unwrap();
    let p = common::profile(&common::parquet(dir.path(), "ids.parquet", &[batch]));
    let f = p.field("id").unwrap();
    assert!(!f.distinct.is_exact());
    let est = f.distinct.estimate() as f64;
    assert!((est / 300_000.0 - 1.0).abs() < 0.03, "estimate {est}");
    // Frequent values stay bounded however many distinct values there are.
    assert!(f.frequent.as_ref().unwrap().len() <= plimsoll::profile::sketch::FREQUENT_CAPACITY);
}

#[test]
fn all_fields_are_profiled_by_one_scan() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::parquet(dir.path(), "edge.parquet", &[edge_batch()]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let plan = rt.block_on(async {
        let context = plimsoll::Context::default();
        let what = plimsoll::source::SourceRef::new(path.to_str().unwrap());
        let source = plimsoll::source::Source::open(&context, &what, &[])
            .await
            .unwrap();
        let columns = plimsoll::profile::resolve_columns(&source, None).unwrap();
        let ctx = context.local_session();
        let df = plimsoll::profile::plan(&ctx, &source, &columns)
            .await
            .unwrap();
        let physical = df.create_physical_plan().await.unwrap();
        datafusion::physical_plan::displayable(physical.as_ref())
            .indent(true)
            .to_string()
    });
    assert_eq!(plan.matches("DataSourceExec").count(), 1, "{plan}");
    assert!(
        plan.contains("aggr=[f0, f1, f2, f3, f4, f5, f6, f7]"),
        "{plan}"
    );
}
