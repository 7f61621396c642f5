//! A profile is mergeable: merge(profile(A), profile(B)) equals profile(A ∪ B) for any split,
//! exact metrics exactly and sketches within their error.

mod common;

use arrow::array::*;
use arrow::datatypes::{DataType, Field, Schema};
use plimsoll::profile::{FieldProfile, TableProfile};
use proptest::prelude::*;
use std::sync::Arc;

fn batch(ints: &[Option<i64>], floats: &[Option<f64>], strings: &[Option<String>]) -> RecordBatch {
    let schema = Schema::new(vec![
        Field::new("i", DataType::Int64, true),
        Field::new("f", DataType::Float64, true),
        Field::new("s", DataType::Utf8, true),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(Int64Array::from(ints.to_vec())),
            Arc::new(Float64Array::from(floats.to_vec())),
            Arc::new(StringArray::from(strings.to_vec())),
        ],
    )
    .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Exact parts equal; floating moments equal up to rounding.
fn assert_same_field(merged: &FieldProfile, whole: &FieldProfile) {
    assert_eq!(merged.count, whole.count, "{}", whole.name);
    assert_eq!(merged.null_count, whole.null_count, "{}", whole.name);
    assert_eq!(
        merged.distinct.estimate(),
        whole.distinct.estimate(),
        "{}",
        whole.name
    );
    assert_eq!(merged.bounds(), whole.bounds(), "{}", whole.name);
    assert_eq!(merged.text, whole.text, "{}", whole.name);
    assert_eq!(merged.temporal, whole.temporal, "{}", whole.name);
    assert_eq!(
        merged.frequent.as_ref().map(|f| f.top(usize::MAX)),
        whole.frequent.as_ref().map(|f| f.top(usize::MAX)),
        "{}",
        whole.name
    );
    match (&merged.numeric, &whole.numeric) {
        (Some(m), Some(w)) => {
            assert_eq!(m.finite_count, w.finite_count);
            assert!(
                close(m.mean, w.mean),
                "{} mean {} vs {}",
                whole.name,
                m.mean,
                w.mean
            );
            match (m.stddev(), w.stddev()) {
                (Some(a), Some(b)) => assert!(close(a, b), "{} stddev {a} vs {b}", whole.name),
                (a, b) => assert_eq!(a, b),
            }
            // Under 400 values both sketches are exact, so the quantiles are equal.
            assert!(m.sketch.is_exact() && w.sketch.is_exact());
            let qs = [0.01, 0.25, 0.5, 0.75, 0.99];
            assert_eq!(m.sketch.quantiles(&qs), w.sketch.quantiles(&qs));
        }
        (m, w) => assert_eq!(m.is_some(), w.is_some()),
    }
}

fn profiles(
    rows: &[(Option<i64>, Option<f64>, Option<String>)],
    split: usize,
) -> (TableProfile, TableProfile) {
    let dir = tempfile::tempdir().unwrap();
    let cols = |r: &[(Option<i64>, Option<f64>, Option<String>)]| {
        let i: Vec<_> = r.iter().map(|x| x.0).collect();
        let f: Vec<_> = r.iter().map(|x| x.1).collect();
        let s: Vec<_> = r.iter().map(|x| x.2.clone()).collect();
        batch(&i, &f, &s)
    };
    let (a, b) = rows.split_at(split);
    let whole = common::profile(&common::parquet(dir.path(), "all.parquet", &[cols(rows)]));
    let mut merged = common::profile(&common::parquet(dir.path(), "a.parquet", &[cols(a)]));
    let pb = common::profile(&common::parquet(dir.path(), "b.parquet", &[cols(b)]));
    merged.merge(&pb);
    (merged, whole)
}

fn row() -> impl Strategy<Value = (Option<i64>, Option<f64>, Option<String>)> {
    (
        proptest::option::weighted(0.8, -1_000i64..1_000),
        proptest::option::weighted(0.8, -1e6f64..1e6),
        proptest::option::weighted(0.7, "[a-e]{0,3}"),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn merging_halves_gives_the_whole(rows in proptest::collection::vec(row(), 1..300), cut in 0.0f64..1.0) {
        let split = ((rows.len() as f64) * cut) as usize;
        let (merged, whole) = profiles(&rows, split);
        prop_assert_eq!(merged.row_count, whole.row_count);
        for f in &whole.fields {
            assert_same_field(merged.field(&f.name).unwrap(), f);
        }
    }
}

#[test]
fn merging_tables_with_an_added_column_counts_old_rows_as_null() {
    let dir = tempfile::tempdir().unwrap();
    let old = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("a", DataType::Int64, false)])),
        vec![Arc::new(Int64Array::from(vec![1, 2, 3]))],
    )
    .unwrap();
    let new = batch(&[Some(4)], &[Some(1.0)], &[Some("x".into())]);
    let new = new.project(&[0, 1]).unwrap();
    let new = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("a", DataType::Int64, true),
            Field::new("f", DataType::Float64, true),
        ])),
        new.columns().to_vec(),
    )
    .unwrap();
    let mut p = common::profile(&common::parquet(dir.path(), "old.parquet", &[old]));
    p.merge(&common::profile(&common::parquet(
        dir.path(),
        "new.parquet",
        &[new],
    )));
    assert_eq!(p.row_count, 4);
    let f = p.field("f").unwrap();
    assert_eq!((f.count, f.null_count), (1, 3));
    assert_eq!(p.field("a").unwrap().count, 4);
}

#[test]
fn large_sketches_merge_within_their_error() {
    // 60k values: the quantile sketch compacts; merged quantiles stay within 1% rank of the truth.
    let dir = tempfile::tempdir().unwrap();
    let mut rng = plimsoll::generate::Rng::new(3);
    let values: Vec<f64> = (0..60_000).map(|_| rng.normal()).collect();
    let mk = |v: &[f64]| {
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Float64, false)]));
        RecordBatch::try_new(schema, vec![Arc::new(Float64Array::from(v.to_vec()))]).unwrap()
    };
    let mut merged = common::profile(&common::parquet(
        dir.path(),
        "a.parquet",
        &[mk(&values[..25_000])],
    ));
    merged.merge(&common::profile(&common::parquet(
        dir.path(),
        "b.parquet",
        &[mk(&values[25_000..])],
    )));
    let mut sorted = values.clone();
    sorted.sort_by(f64::total_cmp);
    let n = merged.field("x").unwrap().numeric.as_ref().unwrap();
    for q in [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] {
        let v = n.sketch.quantile(q).unwrap();
        let rank = sorted.partition_point(|x| *x < v) as f64 / sorted.len() as f64;
        assert!((rank - q).abs() < 0.01, "q{q}: rank {rank}");
    }
}
