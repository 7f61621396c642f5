//! Answers from metadata: what the footers give equals what a scan of the values gives, inexact
//! statistics are never used, and a metadata-only run opens no data page.

mod common;

use arrow::array::*;
use arrow::compute;
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use common::{plimsoll, plimsoll_json};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use plimsoll::profile::metadata::{FieldFacts, facts};
use plimsoll::source::Source;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn all_facts(location: &str) -> Vec<FieldFacts> {
    runtime().block_on(async {
        let source = Source::open(
            &plimsoll::Context::default(),
            &plimsoll::source::SourceRef::new(location),
            &[],
        )
        .await
        .expect("open");
        let columns = plimsoll::profile::resolve_columns(&source, None).unwrap();
        facts(&source, &columns).expect("facts")
    })
}

/// Every value of one column over every Parquet file under `dir`, read with the plain Parquet
/// reader (columns missing from a file are absent there and count as nulls).
fn column_values(dir: &Path, name: &str) -> (Vec<ArrayRef>, usize) {
    let mut arrays = Vec::new();
    let mut missing_rows = 0;
    for entry in walk(dir) {
        let file = std::fs::File::open(&entry).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            match batch.column_by_name(name) {
                Some(a) => arrays.push(a.clone()),
                None => missing_rows += batch.num_rows(),
            }
        }
    }
    (arrays, missing_rows)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "parquet") {
            out.push(p);
        }
    }
    out
}

#[test]
fn footer_facts_equal_the_values_on_the_shipped_table() {
    let root = common::root().join("testdata/orders");
    let facts = all_facts(root.to_str().unwrap());
    let mut exact = 0;
    for f in &facts {
        if f.name == "date" {
            // The partition column: never null, bounds from the paths.
            assert_eq!(f.null_count, Some(0));
            let p = f.to_profile().expect("partition facts are exact");
            let t = p.temporal.unwrap();
            assert!(t.min < t.max);
            continue;
        }
        let (arrays, missing) = column_values(&root, &f.name);
        let nulls: usize = arrays.iter().map(|a| a.null_count()).sum::<usize>() + missing;
        let rows: usize = arrays.iter().map(|a| a.len()).sum::<usize>() + missing;
        assert_eq!(f.rows as usize, rows, "{}", f.name);
        // parquet-rs writes null counts: they must all be known and equal.
        assert_eq!(f.null_count, Some(nulls as u64), "{}", f.name);
        let Some(p) = f.to_profile() else {
            // Booleans: footer bounds not used; the reason is given.
            assert!(f.bounds.is_err(), "{}", f.name);
            continue;
        };
        exact += 1;
        let refs: Vec<&dyn Array> = arrays.iter().map(|a| a.as_ref()).collect();
        let all = compute::concat(&refs).unwrap();
        match all.data_type() {
            DataType::Int64 | DataType::Int32 => {
                let all = compute::cast(&all, &DataType::Int64).unwrap();
                let a = all.as_primitive::<arrow::datatypes::Int64Type>();
                let n = p.numeric.unwrap();
                assert_eq!(n.int_min, compute::min(a).map(i128::from), "{}", f.name);
                assert_eq!(n.int_max, compute::max(a).map(i128::from), "{}", f.name);
            }
            DataType::Float64 | DataType::Decimal128(..) => {
                let all = compute::cast(&all, &DataType::Float64).unwrap();
                let a = all.as_primitive::<arrow::datatypes::Float64Type>();
                let n = p.numeric.unwrap();
                assert_eq!(n.min, compute::min(a), "{}", f.name);
                assert_eq!(n.max, compute::max(a), "{}", f.name);
            }
            DataType::Utf8 => {
                let a = all.as_string::<i32>();
                let t = p.text.unwrap();
                assert_eq!(t.min.as_deref(), compute::min_string(a), "{}", f.name);
                assert_eq!(t.max.as_deref(), compute::max_string(a), "{}", f.name);
            }
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                let a = all.as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
                let t = p.temporal.unwrap();
                assert_eq!(t.min, compute::min(a), "{}", f.name);
                assert_eq!(t.max, compute::max(a), "{}", f.name);
            }
            other => panic!("{}: unexpected type {other}", f.name),
        }
    }
    assert!(exact >= 8, "only {exact} fields were answered exactly");
}

fn write(path: &Path, batch: &RecordBatch, props: WriterProperties) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

fn events(n: i64, start: i64) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
        Field::new(
            "ts",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
    ]));
    let names: StringArray = (0..n)
        .map(|i| (i % 5 != 0).then(|| format!("customer-name-that-is-long-{i:06}")))
        .collect();
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from_iter_values(start..start + n)),
            Arc::new(names),
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(
                    (0..n).map(|i| 1_710_000_000_000_000 + i * 1_000_000),
                )
                .with_timezone("UTC"),
            ),
        ],
    )
    .unwrap()
}

#[test]
fn missing_or_truncated_statistics_are_never_used() {
    let dir = tempfile::tempdir().unwrap();
    let batch = events(1_000, 0);
    let none = dir.path().join("none/a.parquet");
    write(
        &none,
        &batch,
        WriterProperties::builder()
            .set_statistics_enabled(EnabledStatistics::None)
            .build(),
    );
    for f in all_facts(dir.path().join("none").to_str().unwrap()) {
        assert!(!f.is_exact(), "{} has no statistics", f.name);
        assert!(f.to_profile().is_none());
        let j = f.to_json();
        assert!(j["unknown"].as_str().unwrap().contains("statistics"), "{j}");
        assert_eq!(j["min"], serde_json::Value::Null);
    }

    let truncated = dir.path().join("truncated/a.parquet");
    write(
        &truncated,
        &batch,
        WriterProperties::builder()
            .set_statistics_truncate_length(Some(8))
            .build(),
    );
    let f = all_facts(dir.path().join("truncated").to_str().unwrap());
    let name = f.iter().find(|f| f.name == "name").unwrap();
    assert_eq!(name.null_count, Some(200));
    let why = name.bounds.as_ref().unwrap_err();
    assert!(why.contains("truncated"), "{why}");
    // The other columns are still exact.
    let id = f.iter().find(|f| f.name == "id").unwrap();
    let n = id.to_profile().unwrap().numeric.unwrap();
    assert_eq!((n.int_min, n.int_max), (Some(0), Some(999)));
}

#[test]
fn a_column_added_later_is_null_in_the_older_files() {
    let dir = tempfile::tempdir().unwrap();
    let old = events(300, 0);
    let old = old.project(&[0, 2]).unwrap();
    write(
        &dir.path().join("date=2024-03-01/a.parquet"),
        &old,
        WriterProperties::builder().build(),
    );
    write(
        &dir.path().join("date=2024-03-02/a.parquet"),
        &events(500, 300),
        WriterProperties::builder().build(),
    );
    let f = all_facts(dir.path().to_str().unwrap());
    let name = f.iter().find(|f| f.name == "name").unwrap();
    assert_eq!(name.rows, 800);
    assert_eq!(name.null_count, Some(300 + 100));
    let id = f.iter().find(|f| f.name == "id").unwrap();
    let n = id.to_profile().unwrap().numeric.unwrap();
    assert_eq!((n.int_min, n.int_max), (Some(0), Some(799)));
}

/// Overwrites the middle of every data file (the data pages) and leaves the footer intact.
fn corrupt_data_pages(dir: &Path) {
    for p in walk(dir) {
        let mut bytes = std::fs::read(&p).unwrap();
        let footer_len =
            u32::from_le_bytes(bytes[bytes.len() - 8..bytes.len() - 4].try_into().unwrap())
                as usize;
        let data_end = bytes.len() - 8 - footer_len;
        for b in &mut bytes[4..data_end] {
            *b = 0xAB;
        }
        std::fs::write(&p, bytes).unwrap();
    }
}

#[test]
fn metadata_only_runs_open_no_data_page() {
    let dir = tempfile::tempdir().unwrap();
    for (d, start) in [("01", 0), ("02", 1_000), ("03", 2_000)] {
        write(
            &dir.path().join(format!("date=2024-03-{d}/a.parquet")),
            &events(1_000, start),
            WriterProperties::builder().build(),
        );
    }
    let table = dir.path().to_str().unwrap().to_string();
    let contract = dir.path().join("contract.yaml");
    std::fs::write(
        &contract,
        "consumer: nightly-freshness\ndepends_on:\n  - table: events\n    freshness: { column: ts, max_lag: 1h }\n    row_count: { baseline_days: 2, min_ratio: 0.5 }\n",
    )
    .unwrap();
    let check = |table: &str| {
        plimsoll_json(&[
            "check",
            table,
            "--contract",
            contract.to_str().unwrap(),
            "--partition",
            "date=latest",
            "--now",
            "2024-03-09T17:00:00Z",
            "--format",
            "json",
        ])
    };
    let (code, clean, err) = check(&table);
    assert_eq!(code, 0, "{clean}\n{err}");
    // The scan's answer, before the data pages are destroyed.
    let (code, scanned, err) =
        plimsoll_json(&["profile", &table, "--columns", "ts", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let scanned_latest = scanned["fields"][0]["max"].clone();

    corrupt_data_pages(dir.path());
    // A scan now fails on the garbage pages...
    let scan = plimsoll(&["profile", &table, "--format", "json"]);
    assert_eq!(scan.code, 2, "{}", scan.stdout);
    // ...but the footers answer the same questions with the same results.
    let (code, v, err) = check(&table);
    assert_eq!(code, 0, "{v}\n{err}");
    assert_eq!(v, clean);
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for r in results {
        assert_eq!(r["observed"]["answered_from"], "parquet footers", "{r}");
    }
    let fresh = results.iter().find(|r| r["check"] == "freshness").unwrap();
    // 999 seconds after 1_710_000_000 (2024-03-09T16:00:00Z).
    assert_eq!(fresh["observed"]["latest"], scanned_latest);
    // 999 seconds after 1_710_000_000 (2024-03-09T16:00:00Z).
    assert_eq!(scanned_latest, "2024-03-09T16:16:39Z");

    let (code, p, err) = plimsoll_json(&["profile", &table, "--metadata-only", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p["row_count"], 3_000);
    assert_eq!(p["scanned"], false);
    let field = |n: &str| {
        p["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(field("id")["min"], 0);
    assert_eq!(field("id")["max"], 2_999);
    assert_eq!(field("name")["null_count"], 600);
    assert_eq!(field("name")["exact"], true);
    assert_eq!(field("date")["max"], "2024-03-03");
    let table_out = plimsoll(&["profile", &table, "--metadata-only"]);
    assert_eq!(table_out.code, 0);
    assert!(
        table_out.stdout.contains("no data read"),
        "{}",
        table_out.stdout
    );
}
