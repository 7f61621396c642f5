//! Tables whose files widened a column's type (testdata/widened: int32 then int64, float32 then
//! float64, decimal(9,2) then decimal(12,2), strings plain, dictionary-encoded and large, a
//! column all null as Arrow's null type, a column added later) read as the widened types, and
//! every metric equals a computation made here: each file read with the Parquet crate, cast
//! with Arrow's cast kernel, and summarised in plain Rust. A type change no type holds
//! (testdata/incompatible_types: string, then integer) is an error naming both files.
//! Fixtures: testdata/gen/widened.py.

mod common;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::{cast, concat_batches};
use arrow::datatypes::{DataType, Decimal128Type, Float64Type, Int64Type};
use common::{plimsoll, plimsoll_json, root};
use plimsoll::profile::model::QUANTILES;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

const TABLE: &str = "testdata/widened";
const OLD: [&str; 3] = ["2024-03-01", "2024-03-02", "2024-03-03"];
const NEW: [&str; 2] = ["2024-03-04", "2024-03-05"];

/// One file of the fixture, read whole with the Parquet crate (its own Arrow types).
struct FileData {
    batch: RecordBatch,
}

fn read_files(dates: &[&str]) -> Vec<FileData> {
    dates
        .iter()
        .map(|d| {
            let path = root()
                .join(TABLE)
                .join(format!("date={d}/part-00000.parquet"));
            let file = std::fs::File::open(&path).unwrap();
            let reader =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .unwrap()
                    .build()
                    .unwrap();
            let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
            let batch = concat_batches(&batches[0].schema(), &batches).unwrap();
            FileData { batch }
        })
        .collect()
}

/// A column of every file cast to `to` (a file without it: nulls), one array per file.
fn column(files: &[FileData], name: &str, to: &DataType) -> Vec<ArrayRef> {
    files
        .iter()
        .map(|f| match f.batch.column_by_name(name) {
            Some(a) => cast(a, to).unwrap(),
            None => arrow::array::new_null_array(to, f.batch.num_rows()),
        })
        .collect()
}

fn ints(files: &[FileData], name: &str) -> Vec<Option<i64>> {
    column(files, name, &DataType::Int64)
        .iter()
        .flat_map(|a| a.as_primitive::<Int64Type>().iter().collect::<Vec<_>>())
        .collect()
}

fn floats(files: &[FileData], name: &str) -> Vec<Option<f64>> {
    column(files, name, &DataType::Float64)
        .iter()
        .flat_map(|a| a.as_primitive::<Float64Type>().iter().collect::<Vec<_>>())
        .collect()
}

fn strings(files: &[FileData], name: &str) -> Vec<Option<String>> {
    column(files, name, &DataType::Utf8)
        .iter()
        .flat_map(|a| {
            a.as_string::<i32>()
                .iter()
                .map(|s| s.map(str::to_string))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Nearest-rank quantile of sorted values.
fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    let idx = ((q * sorted.len() as f64).ceil() as usize).max(1) - 1;
    sorted[idx]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Count, nulls, min, max, mean, distinct and quantiles of a numeric column against `values`.
fn assert_numeric(p: &plimsoll::profile::TableProfile, name: &str, values: &[Option<f64>]) {
    let f = p.field(name).unwrap();
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    assert_eq!(f.count, present.len() as u64, "{name} count");
    assert_eq!(
        f.null_count,
        (values.len() - present.len()) as u64,
        "{name} nulls"
    );
    let n = f.numeric.as_ref().unwrap();
    let mut sorted = present.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(n.min, sorted.first().copied(), "{name} min");
    assert_eq!(n.max, sorted.last().copied(), "{name} max");
    let mean = present.iter().sum::<f64>() / present.len() as f64;
    assert!(close(n.mean, mean), "{name} mean {} vs {mean}", n.mean);
    let distinct: BTreeSet<u64> = present.iter().map(|v| v.to_bits()).collect();
    assert!(f.distinct.is_exact(), "{name}");
    assert_eq!(
        f.distinct.estimate(),
        distinct.len() as u64,
        "{name} distinct"
    );
    for (q_name, q) in QUANTILES {
        let got = n.sketch.quantile(q).unwrap();
        if n.sketch.is_exact() {
            assert_eq!(got, nearest_rank(&sorted, q), "{name} {q_name}");
        } else {
            // KLL: normalised rank error well under 1%.
            let below = sorted.partition_point(|x| *x < got) as f64 / sorted.len() as f64;
            let at = sorted.partition_point(|x| *x <= got) as f64 / sorted.len() as f64;
            assert!(
                below - 0.01 <= q && q <= at + 0.01,
                "{name} {q_name}: {got} has rank {below}..{at}"
            );
            // A value of the column, exactly as cast.
            assert!(sorted.binary_search_by(|x| x.total_cmp(&got)).is_ok());
        }
    }
}

fn as_f64(v: &[Option<i64>]) -> Vec<Option<f64>> {
    v.iter().map(|x| x.map(|x| x as f64)).collect()
}

#[test]
fn fixture_files_store_the_narrow_and_the_wide_types() {
    // The premise: old files really hold the narrow types, new files the wide ones.
    let old = read_files(&OLD);
    let new = read_files(&NEW);
    for f in &old {
        let s = f.batch.schema();
        assert_eq!(
            s.field_with_name("qty").unwrap().data_type(),
            &DataType::Int32
        );
        assert_eq!(
            s.field_with_name("price").unwrap().data_type(),
            &DataType::Float32
        );
        assert!(s.field_with_name("discount").is_err());
    }
    for f in &new {
        let s = f.batch.schema();
        assert_eq!(
            s.field_with_name("qty").unwrap().data_type(),
            &DataType::Int64
        );
        assert_eq!(
            s.field_with_name("price").unwrap().data_type(),
            &DataType::Float64
        );
    }
    let sku_types: Vec<DataType> = old
        .iter()
        .chain(&new)
        .map(|f| {
            f.batch
                .schema()
                .field_with_name("sku")
                .unwrap()
                .data_type()
                .clone()
        })
        .collect();
    assert!(sku_types.contains(&DataType::Utf8));
    assert!(sku_types.contains(&DataType::LargeUtf8));
    assert!(
        sku_types
            .iter()
            .any(|t| matches!(t, DataType::Dictionary(..)))
    );
    assert_eq!(
        old[1]
            .batch
            .schema()
            .field_with_name("flag")
            .unwrap()
            .data_type(),
        &DataType::Null
    );
}

/// `qty`, `price` and `sku` of one row.
type Row = (Option<i64>, Option<f64>, Option<String>);

/// The scan reads every value exactly after the cast: each row, by id, equals the value read
/// from its file and cast here (int32 extremes, negatives, nulls, float32 as float64).
#[test]
fn scan_reads_every_value_exactly() {
    let files = read_files(&[OLD.as_slice(), NEW.as_slice()].concat());
    let expected_ids = ints(&files, "id");
    let mut expected: BTreeMap<i64, Row> = BTreeMap::new();
    for (i, ((id, q), (p, s))) in expected_ids
        .iter()
        .zip(ints(&files, "qty"))
        .zip(
            floats(&files, "price")
                .into_iter()
                .zip(strings(&files, "sku")),
        )
        .enumerate()
    {
        assert!(expected.insert(id.unwrap(), (q, p, s)).is_none(), "row {i}");
    }
    let extremes = [
        i32::MAX as i64,
        i32::MIN as i64,
        5_000_000_000,
        -3_000_000_000,
    ];
    for e in extremes {
        assert!(
            expected.values().any(|r| r.0 == Some(e)),
            "fixture holds {e}"
        );
    }

    let rt = tokio::runtime::Runtime::new().unwrap();
    let batches = rt.block_on(async {
        let ctx = plimsoll::Context::default();
        let location = root().join(TABLE);
        let source = plimsoll::source::Source::open(
            &ctx,
            &plimsoll::source::SourceRef::new(location.to_str().unwrap()),
            &[],
        )
        .await
        .unwrap();
        let schema = source.schema();
        assert_eq!(
            schema.field_with_name("qty").unwrap().data_type(),
            &DataType::Int64
        );
        assert_eq!(
            schema.field_with_name("price").unwrap().data_type(),
            &DataType::Float64
        );
        assert_eq!(
            schema.field_with_name("amount").unwrap().data_type(),
            &DataType::Decimal128(12, 2)
        );
        assert!(schema.field_with_name("discount").unwrap().is_nullable());
        let session = datafusion::prelude::SessionContext::new();
        let df = source.dataframe(&session).await.unwrap();
        let df = df.select_columns(&["id", "qty", "price", "sku"]).unwrap();
        source.collect(df).await.unwrap()
    });
    let mut got = BTreeMap::new();
    for b in &batches {
        let id = b.column(0).as_primitive::<Int64Type>();
        let qty = b.column(1).as_primitive::<Int64Type>();
        let price = b.column(2).as_primitive::<Float64Type>();
        let sku = cast(b.column(3), &DataType::Utf8).unwrap();
        let sku = sku.as_string::<i32>();
        for i in 0..b.num_rows() {
            let row = (
                qty.is_valid(i).then(|| qty.value(i)),
                price.is_valid(i).then(|| price.value(i)),
                sku.is_valid(i).then(|| sku.value(i).to_string()),
            );
            got.insert(id.value(i), row);
        }
    }
    assert_eq!(got.len(), expected.len());
    for (id, want) in &expected {
        let have = &got[id];
        assert_eq!(have.0, want.0, "qty of {id}");
        assert_eq!(
            have.1.map(f64::to_bits),
            want.1.map(f64::to_bits),
            "price of {id}"
        );
        assert_eq!(have.2, want.2, "sku of {id}");
    }
}

/// Every metric of the scanned profile across old and new files.
#[test]
fn profile_across_widened_files_equals_an_independent_computation() {
    let files = read_files(&[OLD.as_slice(), NEW.as_slice()].concat());
    let p = common::profile(&root().join(TABLE));
    let rows: usize = files.iter().map(|f| f.batch.num_rows()).sum();
    assert_eq!(p.row_count, rows as u64);

    assert_numeric(&p, "qty", &as_f64(&ints(&files, "qty")));
    let qty = p.field("qty").unwrap().numeric.as_ref().unwrap();
    let want = ints(&files, "qty");
    assert_eq!(qty.int_min, want.iter().flatten().min().map(|&v| v as i128));
    assert_eq!(qty.int_max, want.iter().flatten().max().map(|&v| v as i128));
    assert_eq!(qty.int_min, Some(-3_000_000_000));
    assert_eq!(qty.int_max, Some(5_000_000_000));
    assert_numeric(&p, "price", &floats(&files, "price"));
    assert_numeric(&p, "discount", &floats(&files, "discount"));

    // Decimals at the widened scale: the values as hundredths, then as floats.
    let amounts: Vec<Option<i128>> = column(&files, "amount", &DataType::Decimal128(12, 2))
        .iter()
        .flat_map(|a| {
            a.as_primitive::<Decimal128Type>()
                .iter()
                .collect::<Vec<_>>()
        })
        .collect();
    let f = p.field("amount").unwrap();
    let n = f.numeric.as_ref().unwrap();
    let present: Vec<i128> = amounts.iter().flatten().copied().collect();
    assert_eq!(f.count, present.len() as u64);
    assert_eq!(n.min, present.iter().min().map(|&v| v as f64 / 100.0));
    assert_eq!(n.max, present.iter().max().map(|&v| v as f64 / 100.0));
    let mean = present.iter().map(|&v| v as f64 / 100.0).sum::<f64>() / present.len() as f64;
    assert!(close(n.mean, mean), "{} vs {mean}", n.mean);

    // Strings stored three ways: one column of strings.
    let skus = strings(&files, "sku");
    let f = p.field("sku").unwrap();
    let present: Vec<&String> = skus.iter().flatten().collect();
    assert_eq!(f.count, present.len() as u64);
    assert_eq!(f.null_count, (skus.len() - present.len()) as u64);
    let t = f.text.as_ref().unwrap();
    assert_eq!(t.min.as_ref(), present.iter().min().copied());
    assert_eq!(t.max.as_ref(), present.iter().max().copied());
    let mut counts: HashMap<String, u64> = HashMap::new();
    for s in &present {
        *counts.entry(s.to_string()).or_default() += 1;
    }
    let freq = f.frequent.as_ref().unwrap();
    assert!(freq.is_exact());
    let got: HashMap<String, u64> = freq.iter().map(|(k, v)| (k.clone(), *v)).collect();
    assert_eq!(got, counts);
    assert_eq!(f.distinct.estimate(), counts.len() as u64);

    // Booleans, all null (Arrow's null type) in one file.
    let flags: Vec<Option<bool>> = column(&files, "flag", &DataType::Boolean)
        .iter()
        .flat_map(|a| a.as_boolean().iter().collect::<Vec<_>>())
        .collect();
    let f = p.field("flag").unwrap();
    let trues = flags.iter().filter(|v| **v == Some(true)).count() as u64;
    let falses = flags.iter().filter(|v| **v == Some(false)).count() as u64;
    assert_eq!(
        f.null_count,
        flags.iter().filter(|v| v.is_none()).count() as u64
    );
    assert!(f.null_count >= files[1].batch.num_rows() as u64);
    let got: HashMap<String, u64> = f
        .frequent
        .as_ref()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_eq!(got.get("true").copied(), Some(trues));
    assert_eq!(got.get("false").copied(), Some(falses));
}

fn json_field<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields in {v}"))
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name} in {v}"))
}

#[test]
fn cli_profile_reports_the_widened_types() {
    let (code, v, stderr) = plimsoll_json(&["profile", TABLE, "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let files = read_files(&[OLD.as_slice(), NEW.as_slice()].concat());
    let qty = json_field(&v, "qty");
    assert_eq!(qty["type"], "integer");
    assert_eq!(qty["data_type"], "Int64");
    let want = ints(&files, "qty");
    assert_eq!(qty["min"], *want.iter().flatten().min().unwrap());
    assert_eq!(qty["max"], *want.iter().flatten().max().unwrap());
    assert_eq!(
        qty["null_count"],
        want.iter().filter(|v| v.is_none()).count()
    );
    let price = json_field(&v, "price");
    assert_eq!(price["type"], "float");
    assert_eq!(price["data_type"], "Float64");
    let want = floats(&files, "price");
    let min = want.iter().flatten().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(price["min"].as_f64(), Some(min));
    assert_eq!(json_field(&v, "sku")["type"], "string");
}

/// The footer facts (`--metadata-only`): each file's statistics read in its own type and
/// widened, so null counts and bounds stay exact across old and new files.
#[test]
fn metadata_only_widens_each_files_statistics() {
    let (code, v, stderr) =
        plimsoll_json(&["profile", TABLE, "--metadata-only", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let files = read_files(&[OLD.as_slice(), NEW.as_slice()].concat());
    let qty = json_field(&v, "qty");
    let want = ints(&files, "qty");
    assert_eq!(qty["exact"], true, "{qty}");
    assert_eq!(qty["data_type"], "Int64");
    assert_eq!(qty["min"], *want.iter().flatten().min().unwrap());
    assert_eq!(qty["max"], *want.iter().flatten().max().unwrap());
    assert_eq!(
        qty["null_count"],
        want.iter().filter(|v| v.is_none()).count()
    );

    let price = json_field(&v, "price");
    let want = floats(&files, "price");
    assert_eq!(price["exact"], true, "{price}");
    let present: Vec<f64> = want.iter().flatten().copied().collect();
    let min = present.iter().copied().fold(f64::INFINITY, f64::min);
    let max = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(price["min"].as_f64(), Some(min));
    assert_eq!(price["max"].as_f64(), Some(max));
    assert_eq!(price["null_count"], want.len() - present.len());

    let skus = strings(&files, "sku");
    let sku = json_field(&v, "sku");
    assert_eq!(sku["exact"], true, "{sku}");
    let present: Vec<&String> = skus.iter().flatten().collect();
    assert_eq!(sku["min"], **present.iter().min().unwrap());
    assert_eq!(sku["max"], **present.iter().max().unwrap());

    let discount = json_field(&v, "discount");
    let want = floats(&files, "discount");
    assert_eq!(
        discount["null_count"],
        want.iter().filter(|v| v.is_none()).count()
    );

    let flag = json_field(&v, "flag");
    let want: Vec<Option<bool>> = column(&files, "flag", &DataType::Boolean)
        .iter()
        .flat_map(|a| a.as_boolean().iter().collect::<Vec<_>>())
        .collect();
    assert_eq!(
        flag["null_count"],
        want.iter().filter(|v| v.is_none()).count()
    );
}

#[test]
fn selecting_only_old_partitions_reads_their_own_types() {
    let mut args = vec!["profile", TABLE, "--format", "json"];
    let selectors: Vec<String> = OLD.iter().map(|d| format!("date={d}")).collect();
    for s in &selectors {
        args.extend(["--partition", s.as_str()]);
    }
    let (code, v, stderr) = plimsoll_json(&args);
    assert_eq!(code, 0, "{stderr}");
    let files = read_files(&OLD);
    let qty = json_field(&v, "qty");
    assert_eq!(qty["data_type"], "Int32");
    let want = ints(&files, "qty");
    assert_eq!(qty["min"], i32::MIN);
    assert_eq!(qty["max"], i32::MAX);
    assert_eq!(
        qty["null_count"],
        want.iter().filter(|v| v.is_none()).count()
    );
    // The column the new files added is not in the old ones.
    assert!(
        v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["name"] != "discount")
    );
}

/// A contract on the widened table with `qty` of the given type.
fn contract(dir: &std::path::Path, qty_type: &str) -> PathBuf {
    let contract = dir.join(format!("widened-{qty_type}.yaml"));
    std::fs::write(
        &contract,
        format!(
            "consumer: stock\n\
             depends_on:\n\
             \x20 - table: widened\n\
             \x20   source: {}\n\
             \x20   fields:\n\
             \x20     - name: qty\n\
             \x20       type: {qty_type}\n\
             \x20       constraints: {{ min: -3000000000, max: 5000000000 }}\n\
             \x20     - name: price\n\
             \x20       type: number\n\
             \x20     - name: amount\n\
             \x20       type: decimal\n\
             \x20     - name: sku\n\
             \x20       type: string\n\
             \x20     - name: discount\n\
             \x20       type: number\n",
            root().join(TABLE).display()
        ),
    )
    .unwrap();
    contract
}

#[test]
fn check_with_a_contract_typed_as_the_widened_columns_passes() {
    let dir = tempfile::tempdir().unwrap();
    let passing = contract(dir.path(), "integer");
    let r = plimsoll(&["check", "--contract", passing.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    // The same contract with `qty` typed as a string fails: the type is checked.
    let failing = contract(dir.path(), "string");
    let r = plimsoll(&["check", "--contract", failing.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("qty"), "{}", r.stdout);
}

#[test]
fn incompatible_types_name_both_files_and_both_types() {
    let r = plimsoll(&["profile", "testdata/incompatible_types"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    for needle in [
        "have incompatible schemas",
        "column `code`",
        "date=2024-03-01/part-00000.parquet",
        "date=2024-03-02/part-00000.parquet",
        "Utf8",
        "Int64",
        "a string and an integer",
        "\nhint: ",
    ] {
        assert!(r.stderr.contains(needle), "{needle:?} in:\n{}", r.stderr);
    }
    // Either file alone reads.
    for d in ["2024-03-01", "2024-03-02"] {
        let sel = format!("date={d}");
        let r = plimsoll(&[
            "profile",
            "testdata/incompatible_types",
            "--partition",
            &sel,
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
}

/// `s.a`, `s.b` and `l` of one row.
type NestedRow = (Option<i64>, Option<String>, Option<Vec<Option<i64>>>);

/// Nested columns widen inside: a struct's field added and its integer widened, a list's
/// elements widened; every value read back as written (hand-worked expectations).
#[test]
fn nested_columns_widen_field_by_field() {
    use arrow::array::{Int32Array, Int64Array, ListArray, StringArray, StructArray};
    use arrow::datatypes::{Field, Int32Type, Schema};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let old_struct = StructArray::from(vec![(
        Arc::new(Field::new("a", DataType::Int32, true)),
        Arc::new(Int32Array::from(vec![Some(i32::MIN), None])) as ArrayRef,
    )]);
    let old_list = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
        Some(vec![Some(i32::MAX), Some(-1)]),
        None,
    ]);
    let old = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("s", old_struct.data_type().clone(), true),
            Field::new("l", old_list.data_type().clone(), true),
        ])),
        vec![
            Arc::new(Int64Array::from(vec![1, 2])),
            Arc::new(old_struct),
            Arc::new(old_list),
        ],
    )
    .unwrap();
    let new_struct = StructArray::from(vec![
        (
            Arc::new(Field::new("a", DataType::Int64, true)),
            Arc::new(Int64Array::from(vec![Some(5_000_000_000), Some(-7)])) as ArrayRef,
        ),
        (
            Arc::new(Field::new("b", DataType::Utf8, true)),
            Arc::new(StringArray::from(vec![Some("x"), None])) as ArrayRef,
        ),
    ]);
    let new_list = ListArray::from_iter_primitive::<Int64Type, _, _>(vec![
        Some(vec![Some(-3_000_000_000)]),
        Some(vec![]),
    ]);
    let new = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("s", new_struct.data_type().clone(), true),
            Field::new("l", new_list.data_type().clone(), true),
        ])),
        vec![
            Arc::new(Int64Array::from(vec![3, 4])),
            Arc::new(new_struct),
            Arc::new(new_list),
        ],
    )
    .unwrap();
    common::parquet(dir.path(), "a.parquet", &[old]);
    common::parquet(dir.path(), "b.parquet", &[new]);

    let rt = tokio::runtime::Runtime::new().unwrap();
    let batches = rt.block_on(async {
        let ctx = plimsoll::Context::default();
        let source = plimsoll::source::Source::open(
            &ctx,
            &plimsoll::source::SourceRef::new(dir.path().to_str().unwrap()),
            &[],
        )
        .await
        .unwrap();
        let schema = source.schema();
        let DataType::Struct(fields) = schema.field_with_name("s").unwrap().data_type() else {
            panic!("{schema:?}")
        };
        let names: Vec<(&str, &DataType)> = fields
            .iter()
            .map(|f| (f.name().as_str(), f.data_type()))
            .collect();
        assert_eq!(names, [("a", &DataType::Int64), ("b", &DataType::Utf8)]);
        let df = source
            .dataframe(&datafusion::prelude::SessionContext::new())
            .await
            .unwrap();
        source.collect(df).await.unwrap()
    });
    let mut rows: BTreeMap<i64, NestedRow> = BTreeMap::new();
    for b in &batches {
        let id = b.column(0).as_primitive::<Int64Type>();
        let s = b.column(1).as_struct();
        let a = s.column(0).as_primitive::<Int64Type>();
        let text = cast(s.column(1), &DataType::Utf8).unwrap();
        let text = text.as_string::<i32>();
        let l = b.column(2).as_list::<i32>();
        for i in 0..b.num_rows() {
            let s_valid = s.is_valid(i);
            rows.insert(
                id.value(i),
                (
                    (s_valid && a.is_valid(i)).then(|| a.value(i)),
                    (s_valid && text.is_valid(i)).then(|| text.value(i).to_string()),
                    l.is_valid(i).then(|| {
                        l.value(i)
                            .as_primitive::<Int64Type>()
                            .iter()
                            .collect::<Vec<_>>()
                    }),
                ),
            );
        }
    }
    assert_eq!(
        rows,
        BTreeMap::from([
            (
                1,
                (
                    Some(i32::MIN as i64),
                    None,
                    Some(vec![Some(i32::MAX as i64), Some(-1)])
                )
            ),
            (2, (None, None, None)),
            (
                3,
                (
                    Some(5_000_000_000),
                    Some("x".into()),
                    Some(vec![Some(-3_000_000_000)])
                )
            ),
            (4, (Some(-7), None, Some(vec![]))),
        ])
    );
}
