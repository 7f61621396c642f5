//! Numbers at the edges of f64 and of Arrow's decimal types, each checked against a value worked
//! out in the test by another route (rescaled plain arithmetic, or by hand).

mod common;

use arrow::array::{ArrayRef, Decimal256Array, Float64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, i256};
use common::{plimsoll, plimsoll_json};
use plimsoll::profile::model::NumericStats;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn floats_file(dir: &Path, name: &str, values: &[Option<f64>]) -> PathBuf {
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("x", DataType::Float64, true)])),
        vec![Arc::new(Float64Array::from(values.to_vec())) as ArrayRef],
    )
    .unwrap();
    common::parquet(dir, name, &[batch])
}

/// Mean and sample standard deviation the textbook way, on values first divided by `scale` (a
/// plain two-pass computation in range), the results multiplied back.
fn reference(values: &[f64], scale: f64) -> (f64, f64) {
    let v: Vec<f64> = values.iter().map(|x| x / scale).collect();
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    (mean * scale, var.sqrt() * scale)
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs())
}

fn stats(p: &plimsoll::profile::TableProfile, name: &str) -> NumericStats {
    p.field(name)
        .and_then(|f| f.numeric.clone())
        .unwrap_or_else(|| panic!("no numeric stats for `{name}`"))
}

#[test]
fn huge_finite_floats_give_finite_moments() {
    let dir = tempfile::tempdir().unwrap();
    let values = [1e300, -1e300, 1.5e308, 3.0];
    let f = floats_file(
        dir.path(),
        "huge.parquet",
        &values.iter().map(|v| Some(*v)).collect::<Vec<_>>(),
    );
    let p = common::profile(&f);
    let n = stats(&p, "x");
    // By hand: 1e300 and -1e300 cancel, so the mean is (1.5e308 + 3) / 4 = 3.75e307; the
    // deviations are about (-3.75e307, -3.75e307, 1.125e308, -3.75e307), squares summing to
    // 1.6875e616, over n - 1 = 3: 5.625e615, whose root is 7.5e307.
    assert!(close(n.mean, 3.75e307, 1e-12), "mean {}", n.mean);
    let (mean, sd) = reference(&values, 1e300);
    assert!(close(n.mean, mean, 1e-12), "mean {} vs {mean}", n.mean);
    let stddev = n.stddev().unwrap();
    assert!(close(stddev, 7.5e307, 1e-6), "stddev {stddev}");
    assert!(close(stddev, sd, 1e-12), "stddev {stddev} vs {sd}");
    assert_eq!((n.min, n.max), (Some(-1e300), Some(1.5e308)));
}

#[test]
fn values_near_f64_max() {
    let dir = tempfile::tempdir().unwrap();
    let max = f64::MAX;
    // All at the maximum: the mean is exactly f64::MAX, the spread 0.
    let f = floats_file(dir.path(), "a.parquet", &[Some(max); 5]);
    let n = stats(&common::profile(&f), "x");
    assert_eq!(n.mean, max);
    assert_eq!(n.stddev(), Some(0.0));

    // max and max/2: mean 0.75 max, stddev sqrt(2 × (0.25 max)²) = max × sqrt(2) / 4.
    let f = floats_file(dir.path(), "b.parquet", &[Some(max), None, Some(max / 2.0)]);
    let n = stats(&common::profile(&f), "x");
    assert!(close(n.mean, 0.75 * max, 1e-15), "{}", n.mean);
    let (mean, sd) = reference(&[max, max / 2.0], 1e300);
    assert!(close(n.mean, mean, 1e-12));
    let stddev = n.stddev().unwrap();
    assert!(close(stddev, max * 2f64.sqrt() / 4.0, 1e-12), "{stddev}");
    assert!(close(stddev, sd, 1e-12), "{stddev} vs {sd}");

    // max and -max: mean 0; the true stddev, max × sqrt(2), exceeds f64: +inf, and the
    // profile still reads back (the JSON report says null).
    let f = floats_file(dir.path(), "c.parquet", &[Some(max), Some(-max)]);
    let n = stats(&common::profile(&f), "x");
    assert_eq!(n.mean, 0.0);
    assert_eq!(n.stddev(), Some(f64::INFINITY));
    let (code, json, stderr) = plimsoll_json(&["profile", f.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let x = &json["fields"][0];
    assert_eq!(x["mean"], 0.0, "{x}");
    assert!(x["stddev"].is_null(), "{x}");
}

#[test]
fn tiny_values_keep_their_spread() {
    let dir = tempfile::tempdir().unwrap();
    // Squares of deviations of 1e-300 are 1e-600: zero in f64 unless rescaled.
    let values = [1e-300, 2e-300, 3e-300];
    let f = floats_file(
        dir.path(),
        "tiny.parquet",
        &values.iter().map(|v| Some(*v)).collect::<Vec<_>>(),
    );
    let n = stats(&common::profile(&f), "x");
    // By hand: mean 2e-300, deviations ±1e-300 and 0, stddev sqrt(2e-600 / 2) = 1e-300.
    assert!(close(n.mean, 2e-300, 1e-12), "{}", n.mean);
    let stddev = n.stddev().unwrap();
    assert!(close(stddev, 1e-300, 1e-12), "{stddev}");
    let (_, sd) = reference(&values, 1e-300);
    assert!(close(stddev, sd, 1e-12));
}

#[test]
fn huge_values_across_files_merge_and_commands_complete() {
    // Several files: partial profiles are serialised (JSON), read back and merged.
    let dir = tempfile::tempdir().unwrap();
    let parts: [&[f64]; 3] = [
        &[1e300, -1e300],
        &[1.5e308, 3.0],
        &[f64::MAX / 3.0, -2e307, 0.5],
    ];
    for (i, part) in parts.iter().enumerate() {
        floats_file(
            dir.path(),
            &format!("part-{i}.parquet"),
            &part.iter().map(|v| Some(*v)).collect::<Vec<_>>(),
        );
    }
    let all: Vec<f64> = parts.iter().flat_map(|p| p.iter().copied()).collect();
    let (mean, sd) = reference(&all, 1e300);
    let n = stats(&common::profile(dir.path()), "x");
    assert_eq!(n.finite_count, 7);
    assert!(close(n.mean, mean, 1e-12), "mean {} vs {mean}", n.mean);
    assert!(
        close(n.stddev().unwrap(), sd, 1e-12),
        "{:?} vs {sd}",
        n.stddev()
    );

    let source = dir.path().to_str().unwrap();
    let (code, json, stderr) = plimsoll_json(&["profile", source, "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let x = &json["fields"][0];
    assert!(close(x["mean"].as_f64().unwrap(), mean, 1e-12), "{x}");
    assert!(close(x["stddev"].as_f64().unwrap(), sd, 1e-12), "{x}");

    let r = plimsoll(&["drift", source, "--baseline", source, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    let contract = dir.path().join("c.yaml");
    std::fs::write(
        &contract,
        "consumer: t\ndepends_on:\n  - table: huge\n    fields:\n      - name: x\n        type: number\n        constraints: { max: 1e308 }\n",
    )
    .unwrap();
    // 1.5e308 and f64::MAX / 3 exceed the maximum: a failed check (exit 1), not an error.
    let r = plimsoll(&["check", source, "--contract", contract.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn moments_merge_in_any_order_without_overflow() {
    // Batches folded one by one equal the whole, for huge values, in either order.
    let parts: [&[f64]; 4] = [
        &[f64::MAX, 1.0],
        &[-1e308, -1e308],
        &[1e-300],
        &[7e307, 1e306],
    ];
    let fold = |order: &[usize]| {
        let mut total = NumericStats::default();
        for &i in order {
            let v = parts[i];
            let mut one = NumericStats::default();
            // One value at a time: m2 of a single value is 0.
            for x in v {
                one.add_moments(1, *x, 0.0, 0, *x, *x);
            }
            total.merge(&one);
        }
        total
    };
    let all: Vec<f64> = parts.iter().flat_map(|p| p.iter().copied()).collect();
    let (mean, sd) = reference(&all, 1e300);
    for order in [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]] {
        let n = fold(&order);
        assert!(n.mean.is_finite() && n.m2.is_finite(), "{n:?}");
        assert!(
            close(n.mean, mean, 1e-12),
            "{order:?}: {} vs {mean}",
            n.mean
        );
        assert!(
            close(n.stddev().unwrap(), sd, 1e-12),
            "{order:?}: {:?} vs {sd}",
            n.stddev()
        );
        // And it reads back from JSON unchanged.
        let back: NumericStats = serde_json::from_str(&serde_json::to_string(&n).unwrap()).unwrap();
        assert_eq!(back, n);
    }
}

#[test]
fn non_finite_numbers_survive_the_json_round_trip() {
    let mut n = NumericStats {
        mean: f64::NAN,
        m2: f64::INFINITY,
        min: Some(f64::NEG_INFINITY),
        max: Some(f64::INFINITY),
        finite_count: 2,
        ..Default::default()
    };
    n.bins = Some(plimsoll::profile::model::Bins::new(vec![
        f64::NEG_INFINITY,
        0.0,
    ]));
    let text = serde_json::to_string(&n).unwrap();
    let back: NumericStats = serde_json::from_str(&text).unwrap();
    assert!(back.mean.is_nan(), "{text}");
    assert_eq!(back.m2, f64::INFINITY);
    assert_eq!((back.min, back.max), (n.min, n.max));
    assert_eq!(back.bins, n.bins);
    // A profile stored while NaN was written as null still reads (as NaN).
    let old = text.replace("\"NaN\"", "null");
    let back: NumericStats = serde_json::from_str(&old).unwrap();
    assert!(back.mean.is_nan());
}

fn decimal256_file(dir: &Path) -> PathBuf {
    let v = |s: &str| Some(i256::from_string(s).unwrap());
    let values = vec![
        // 123456789012345678901234567890123456789012.34: beyond i128 unscaled.
        v("12345678901234567890123456789012345678901234"),
        v("-105"),
        v("0"),
        None,
        v("750"),
        v("750"),
    ];
    let array = Decimal256Array::from(values)
        .with_precision_and_scale(50, 2)
        .unwrap();
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new(
            "amount",
            DataType::Decimal256(50, 2),
            true,
        )])),
        vec![Arc::new(array) as ArrayRef],
    )
    .unwrap();
    common::parquet(dir, "d.parquet", &[batch])
}

#[test]
fn decimal256_columns_are_profiled() {
    let dir = tempfile::tempdir().unwrap();
    let f = decimal256_file(dir.path());
    let p = common::profile(&f);
    let field = p.field("amount").unwrap();
    assert_eq!(field.data_type, "Decimal256(50, 2)");
    assert_eq!((field.count, field.null_count), (5, 1));
    assert_eq!(field.distinct.estimate(), 4);
    let n = field.numeric.as_ref().unwrap();
    // The values by hand; the big one is the nearest f64 to its decimal text.
    let big: f64 = "123456789012345678901234567890123456789012.34"
        .parse()
        .unwrap();
    assert_eq!(n.min, Some(-1.05));
    assert_eq!(n.max, Some(big));
    let mean = (big - 1.05 + 0.0 + 7.5 + 7.5) / 5.0;
    assert!(close(n.mean, mean, 1e-15), "{} vs {mean}", n.mean);
    assert_eq!(n.sketch.quantile(0.5), Some(7.5));

    // A range check sees the values: the maximum breaks `max: 1000`.
    let contract = dir.path().join("c.yaml");
    std::fs::write(
        &contract,
        "consumer: t\ndepends_on:\n  - table: d\n    fields:\n      - name: amount\n        type: decimal\n        constraints: { min: -2, max: 1000 }\n",
    )
    .unwrap();
    let r = plimsoll(&[
        "check",
        f.to_str().unwrap(),
        "--contract",
        contract.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let range = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "range")
        .unwrap_or_else(|| panic!("no range result: {json}"));
    assert_eq!(range["status"], "fail", "{range}");
}
