//! Iceberg tables: written here with iceberg-rust (two snapshots and a schema change, through a
//! SQL catalog over SQLite) and by pyiceberg (a committed fixture with a renamed column).
//! Expected values come from the Arrow batches that were written, through arrow kernels, or from
//! pyarrow (the fixture's expected.json), never from Plimsoll.

mod common;

use arrow::array::*;
use arrow::compute;
use common::iceberg::{append, catalog, create_orders, local_props, rows};
use common::{plimsoll, plimsoll_json};
use iceberg::Catalog;
use iceberg::io::LocalFsStorageFactory;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Table-level questions only: freshness and row count against the baseline.
const CONTRACT: &str = "consumer: finance\ndepends_on:\n  - table: orders\n    freshness: { column: placed_at, max_lag: 1000d }\n    row_count: { baseline_days: 7 }\n";

/// A table written by iceberg-rust: snapshot 1 (300 rows), then a `channel` column is added,
/// then snapshot 2 (200 more rows).
struct RustTable {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    table_dir: PathBuf,
    catalog_db: PathBuf,
    snapshots: Vec<(i64, i64)>,
    first: RecordBatch,
    second: RecordBatch,
}

fn rust_table() -> RustTable {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    runtime().block_on(async {
        let catalog = catalog(&local_props(&dir), Arc::new(LocalFsStorageFactory)).await;
        let (table, first, second) = create_orders(&catalog).await;
        let mut snapshots: Vec<(i64, i64)> = table
            .metadata()
            .snapshots()
            .map(|s| (s.snapshot_id(), s.timestamp_ms()))
            .collect();
        snapshots.sort_by_key(|s| s.1);
        let table_dir = dir.join("warehouse/shop/orders");
        assert!(
            table_dir.join("metadata").is_dir(),
            "table at {table_dir:?}"
        );
        RustTable {
            catalog_db: dir.join("catalog.db"),
            _dir: tmp,
            dir,
            table_dir,
            snapshots,
            first,
            second,
        }
    })
}

fn field<'a>(profile: &'a Value, name: &str) -> &'a Value {
    profile["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field `{name}` in {profile}"))
}

fn micros(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("a timestamp string"))
        .unwrap()
        .timestamp_micros()
}

/// Checks a profile's fields against the batches, column by column, with arrow kernels.
fn assert_matches_batches(p: &Value, batches: &[&RecordBatch]) {
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(p["row_count"], rows as u64);
    let names: Vec<String> = batches
        .iter()
        .flat_map(|b| {
            b.schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect::<Vec<_>>()
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for name in names {
        let f = field(p, &name);
        // Rows of batches without the column are nulls, as in a scan.
        let mut nulls = 0;
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for b in batches {
            match b.column_by_name(&name) {
                Some(a) => {
                    nulls += a.null_count();
                    arrays.push(a.clone());
                }
                None => nulls += b.num_rows(),
            }
        }
        assert_eq!(f["null_count"], nulls as u64, "{name}: null count");
        let refs: Vec<&dyn Array> = arrays.iter().map(|a| a.as_ref()).collect();
        let all = compute::concat(&refs).unwrap();
        match all.data_type() {
            arrow::datatypes::DataType::Int64 => {
                let a = all.as_primitive::<arrow::datatypes::Int64Type>();
                assert_eq!(f["min"], compute::min(a).unwrap(), "{name}: min");
                assert_eq!(f["max"], compute::max(a).unwrap(), "{name}: max");
            }
            arrow::datatypes::DataType::Float64 => {
                let a = all.as_primitive::<arrow::datatypes::Float64Type>();
                assert_eq!(f["min"], compute::min(a).unwrap(), "{name}: min");
                assert_eq!(f["max"], compute::max(a).unwrap(), "{name}: max");
                let mean = compute::sum(a).unwrap() / (a.len() - a.null_count()) as f64;
                assert!(
                    (f["mean"].as_f64().unwrap() - mean).abs() < 1e-9,
                    "{name}: mean"
                );
            }
            arrow::datatypes::DataType::Utf8 => {
                let a = all.as_string::<i32>();
                assert_eq!(f["min"], compute::min_string(a).unwrap(), "{name}: min");
                assert_eq!(f["max"], compute::max_string(a).unwrap(), "{name}: max");
                let distinct: std::collections::HashSet<&str> = a.iter().flatten().collect();
                assert_eq!(f["distinct"], distinct.len() as u64, "{name}: distinct");
            }
            arrow::datatypes::DataType::Timestamp(..) => {
                let a = all.as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
                assert_eq!(micros(&f["min"]), compute::min(a).unwrap(), "{name}: min");
                assert_eq!(micros(&f["max"]), compute::max(a).unwrap(), "{name}: max");
            }
            other => panic!("{name}: unexpected type {other}"),
        }
    }
}

#[test]
fn rust_written_table_profiles_by_directory_metadata_file_and_catalog() {
    let t = rust_table();
    let dir = t.table_dir.to_str().unwrap();
    let (code, p, err) = plimsoll_json(&["profile", dir, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p["snapshot"]["id"], t.snapshots[1].0);
    assert_matches_batches(&p, &[&t.first, &t.second]);

    // The same table through one of its metadata files and through the SQL catalog.
    let newest = std::fs::read_dir(t.table_dir.join("metadata"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".metadata.json"))
        .max()
        .unwrap();
    let (code, by_file, err) =
        plimsoll_json(&["profile", newest.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(by_file["fields"], p["fields"]);
    let uri = format!("sqlite:{}", t.catalog_db.display());
    let (code, by_name, err) = plimsoll_json(&[
        "profile",
        "shop.orders",
        "--catalog",
        &uri,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(by_name["fields"], p["fields"]);
    assert_eq!(by_name["snapshot"], p["snapshot"]);

    // A table the catalog does not hold.
    let r = plimsoll(&["profile", "shop.nope", "--catalog", &uri]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("shop.nope") && r.stderr.contains("hint:"),
        "{}",
        r.stderr
    );
    let _ = &t.dir;
}

#[test]
fn snapshots_are_selected_by_id_and_by_time() {
    let t = rust_table();
    let dir = t.table_dir.to_str().unwrap();
    let (s1, s1_ms) = t.snapshots[0];
    let (code, p, err) = plimsoll_json(&[
        "profile",
        dir,
        "--snapshot",
        &s1.to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p["snapshot"]["id"], s1);
    assert_matches_batches(&p, &[&t.first]);
    assert!(
        p["fields"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["name"] != "channel"),
        "snapshot 1's schema has no `channel`"
    );

    // The snapshot current at a time between the two commits is the first.
    let between = chrono::DateTime::from_timestamp_millis(s1_ms + 1)
        .unwrap()
        .to_rfc3339();
    let (code, p, err) = plimsoll_json(&["profile", dir, "--as-of", &between, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p["snapshot"]["id"], s1);

    // Before the first snapshot, and an unknown id: clear errors listing the snapshots.
    let r = plimsoll(&["profile", dir, "--as-of", "2000-01-01"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("had no snapshot yet"), "{}", r.stderr);
    assert!(r.stderr.contains(&s1.to_string()), "{}", r.stderr);
    let r = plimsoll(&["profile", dir, "--snapshot", "42"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("has no snapshot 42"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&t.snapshots[1].0.to_string()),
        "{}",
        r.stderr
    );
    // A key that is no partition field (the table is unpartitioned) says what can be selected.
    let r = plimsoll(&["profile", dir, "--partition", "date=latest"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not a partition field"), "{}", r.stderr);
    assert!(r.stderr.contains("--snapshot"), "{}", r.stderr);
}

#[test]
fn manifests_answer_what_the_scan_answers_and_no_data_file_is_read() {
    let t = rust_table();
    let dir = t.table_dir.to_str().unwrap();
    let (code, scanned, err) = plimsoll_json(&["profile", dir, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let (code, meta, err) = plimsoll_json(&["profile", dir, "--metadata-only", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(meta["answered_from"], "iceberg manifests");
    assert_eq!(meta["row_count"], scanned["row_count"]);
    for f in meta["fields"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let s = field(&scanned, name);
        assert_eq!(f["exact"], true, "{name}: {f}");
        assert_eq!(f["null_count"], s["null_count"], "{name}");
        assert_eq!(f["min"], s["min"], "{name}");
        assert_eq!(f["max"], s["max"], "{name}");
    }

    // A contract of row count and freshness only: checked from the manifests.
    let contract = t.dir.join("contract.yaml");
    std::fs::write(&contract, CONTRACT).unwrap();
    let check = |now: &str| {
        plimsoll_json(&[
            "check",
            dir,
            "--contract",
            contract.to_str().unwrap(),
            "--now",
            now,
            "--format",
            "json",
        ])
    };
    let (code, before, err) = check("2024-03-02T00:00:00Z");
    assert_eq!(code, 0, "{err}\n{before}");
    let results = before["results"].as_array().unwrap();
    let fresh = results.iter().find(|r| r["check"] == "freshness").unwrap();
    assert_eq!(fresh["status"], "pass", "{fresh}");
    assert_eq!(
        fresh["observed"]["answered_from"], "iceberg manifests",
        "{fresh}"
    );
    // No baseline without a history or `--baseline`: said in Iceberg's terms.
    let rows = results.iter().find(|r| r["check"] == "row_count").unwrap();
    assert!(
        rows["message"].as_str().unwrap().contains("snapshot:ID"),
        "{rows}"
    );

    // Remove every data file: the metadata answers are unchanged, a scan fails clearly.
    let data = t.table_dir.join("data");
    let files: Vec<PathBuf> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!files.is_empty());
    for f in &files {
        std::fs::remove_file(f).unwrap();
    }
    let (code, after, err) = check("2024-03-02T00:00:00Z");
    assert_eq!(code, 0, "{err}");
    assert_eq!(after["results"], before["results"]);
    let (code, meta_after, err) =
        plimsoll_json(&["profile", dir, "--metadata-only", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(meta_after["fields"], meta["fields"]);
    let r = plimsoll(&["profile", dir]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("hint:"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn drift_between_snapshots() {
    let t = rust_table();
    let dir = t.table_dir.to_str().unwrap();
    let s1 = t.snapshots[0].0.to_string();
    let baseline = format!("snapshot:{s1}");
    let r = plimsoll(&["drift", dir, "--baseline", &baseline, "--format", "json"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["baseline"], format!("snapshot {s1}"));
    assert_eq!(v["baseline_slices"][0]["rows"], 300);
    // Ids grow with the snapshots, so `id` moved completely: its PSI is large.
    let id = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "id")
        .unwrap();
    assert!(id["psi"].as_f64().unwrap() > 0.2, "{id}");
    assert_eq!(r.code, 1);

    // Seven days before the current snapshot the table did not exist yet.
    let r = plimsoll(&["drift", dir, "--baseline", "7d"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no snapshot yet 7 day(s) before"),
        "{}",
        r.stderr
    );
    // `snapshot:` on a Parquet directory is an error, not a silent fallback.
    let r = plimsoll(&["drift", "testdata/orders", "--baseline", &baseline]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("needs an Iceberg table"), "{}", r.stderr);
}

/// The pyiceberg fixture records absolute locations: it is read where it was written (copied
/// there once per test run; the tests only read it).
fn pyiceberg_fixture() -> (PathBuf, Value) {
    static FIXTURE: std::sync::OnceLock<(PathBuf, Value)> = std::sync::OnceLock::new();
    FIXTURE
        .get_or_init(common::iceberg::place_pyiceberg_fixture)
        .clone()
}

/// The id of the pyiceberg table's first snapshot (sequence number 1).
fn first_snapshot(expected: &Value) -> String {
    expected["snapshots"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, s)| s["sequence_number"] == 1)
        .map(|(id, _)| id.clone())
        .unwrap()
}

#[test]
fn pyiceberg_table_reads_as_pyarrow_computed_it() {
    let (dir, expected) = pyiceberg_fixture();
    let dir = dir.to_str().unwrap();
    for (id, snap) in expected["snapshots"].as_object().unwrap() {
        let (code, p, err) = plimsoll_json(&["profile", dir, "--snapshot", id, "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(p["row_count"], snap["row_count"], "snapshot {id}");
        let (code, meta, err) = plimsoll_json(&[
            "profile",
            dir,
            "--snapshot",
            id,
            "--metadata-only",
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{err}");
        for (name, want) in snap["columns"].as_object().unwrap() {
            let f = field(&p, name);
            let m = field(&meta, name);
            assert_eq!(f["null_count"], want["null_count"], "{id} {name}");
            assert_eq!(
                m["null_count"], want["null_count"],
                "{id} {name} (manifests)"
            );
            assert_eq!(f["distinct"], want["distinct_count"], "{id} {name}");
            if let Some(mean) = want["mean"].as_f64() {
                assert!(
                    (f["mean"].as_f64().unwrap() - mean).abs() < 1e-9,
                    "{id} {name}"
                );
            }
            let (lo, hi) = (&want["min"], &want["max"]);
            if want["type"] == "timestamp" {
                let parse = |v: &Value| {
                    chrono::NaiveDateTime::parse_from_str(
                        v.as_str().unwrap(),
                        "%Y-%m-%dT%H:%M:%S%.f",
                    )
                    .unwrap()
                    .and_utc()
                    .timestamp_micros()
                };
                assert_eq!(micros(&f["min"]), parse(lo), "{id} {name}");
                assert_eq!(micros(&f["max"]), parse(hi), "{id} {name}");
                assert_eq!(micros(&m["min"]), parse(lo), "{id} {name} (manifests)");
            } else {
                assert_eq!(&f["min"], lo, "{id} {name}");
                assert_eq!(&f["max"], hi, "{id} {name}");
                let long = |v: &Value| v.as_str().is_some_and(|s| s.chars().count() >= 16);
                if long(lo) || long(hi) {
                    // pyiceberg truncates string bounds to 16 characters: not exact, not used.
                    assert_eq!(m["exact"], false, "{id} {name}: {m}");
                    assert!(m["unknown"].as_str().unwrap().contains("truncated"), "{m}");
                } else {
                    assert_eq!(&m["min"], lo, "{id} {name} (manifests)");
                    assert_eq!(&m["max"], hi, "{id} {name} (manifests)");
                }
            }
        }
    }
}

/// Appends rows `ids` (with `channel`) to the test table as a new snapshot.
fn append_more(t: &RustTable, ids: std::ops::Range<i64>, tag: &str) -> RecordBatch {
    runtime().block_on(async {
        let catalog = catalog(&local_props(&t.dir), Arc::new(LocalFsStorageFactory)).await;
        let ident = iceberg::TableIdent::from_strs(["shop", "orders"]).unwrap();
        let table = catalog.load_table(&ident).await.unwrap();
        let batch = rows(&table, ids, true);
        append(&catalog, &table, batch.clone(), tag).await;
        batch
    })
}

#[test]
fn incremental_runs_read_only_the_files_added_since_the_stored_snapshot() {
    let t = rust_table();
    let dir = t.table_dir.to_str().unwrap();
    let history = t.dir.join("history");
    let contract = t.dir.join("contract.yaml");
    std::fs::write(&contract, CONTRACT).unwrap();
    let check = || {
        plimsoll(&[
            "check",
            dir,
            "--contract",
            contract.to_str().unwrap(),
            "--history",
            history.to_str().unwrap(),
            "--now",
            "2024-03-02T00:00:00Z",
            "--format",
            "json",
        ])
    };
    let first = check();
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(!first.stderr.contains("incremental"), "{}", first.stderr);

    let third = append_more(&t, 500..700, "third");
    let (code, full, err) = plimsoll_json(&["profile", dir, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_matches_batches(&full, &[&t.first, &t.second, &third]);
    // The older snapshots' data files go: only the new file can be read now.
    for e in std::fs::read_dir(t.table_dir.join("data")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("first") || name.starts_with("second") {
            std::fs::remove_file(p).unwrap();
        }
    }
    let second = check();
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second.stderr.contains("read 1 of 3 data file(s)"),
        "{}",
        second.stderr
    );
    // The stored profile of the incremental run is the profile of the whole snapshot.
    let stored = runtime().block_on(async {
        let ctx = plimsoll::Context::default();
        let h = plimsoll::history::History::open(&ctx, history.to_str().unwrap()).unwrap();
        let newest = h.slices("orders").await.unwrap().remove(0);
        h.get("orders", &newest).await.unwrap().unwrap()
    });
    let stored = plimsoll::report::json::profile(&stored.profile);
    assert_eq!(stored["snapshot"], full["snapshot"]);
    assert_matches_batches(&stored, &[&t.first, &t.second, &third]);
    for f in full["fields"].as_array().unwrap() {
        let s = field(&stored, f["name"].as_str().unwrap());
        for key in [
            "count",
            "null_count",
            "distinct",
            "min",
            "max",
            "min_length",
            "max_length",
        ] {
            assert_eq!(s[key], f[key], "{} {key}", f["name"]);
        }
    }
}

/// How the delete of `id = 7` is written.
#[derive(Clone, Copy, Debug)]
enum Deletes {
    /// An equality delete file on `id`.
    Equality,
    /// A position delete file: the row's position in its data file.
    Position,
}

/// Commits a delete file removing the row `id = 7` as a new snapshot, the way a merge-on-read
/// engine does: a delete manifest, a manifest list, a snapshot, new metadata. (iceberg-rust
/// 0.10 has no transaction for it.)
async fn commit_delete(t: &RustTable, kind: Deletes) {
    use iceberg::spec::DataFileFormat;
    use iceberg::writer::base_writer::equality_delete_writer::{
        EqualityDeleteFileWriterBuilder, EqualityDeleteWriterConfig,
    };
    use iceberg::writer::file_writer::ParquetWriterBuilder;
    use iceberg::writer::file_writer::location_generator::{
        DefaultFileNameGenerator, DefaultLocationGenerator,
    };
    use iceberg::writer::file_writer::rolling_writer::RollingFileWriterBuilder;
    use iceberg::writer::{IcebergWriter, IcebergWriterBuilder};

    let catalog = catalog(&local_props(&t.dir), Arc::new(LocalFsStorageFactory)).await;
    let ident = iceberg::TableIdent::from_strs(["shop", "orders"]).unwrap();
    let table = catalog.load_table(&ident).await.unwrap();
    let md = table.metadata();
    let io = table.file_io().clone();
    let schema = md.current_schema().clone();
    let rolling = |delete_schema: iceberg::spec::SchemaRef, name: &str| {
        RollingFileWriterBuilder::new_with_default_file_size(
            ParquetWriterBuilder::new(Default::default(), delete_schema),
            io.clone(),
            DefaultLocationGenerator::new(md).unwrap(),
            DefaultFileNameGenerator::new(name.into(), None, DataFileFormat::Parquet),
        )
    };
    let deletes = match kind {
        Deletes::Equality => {
            let config = EqualityDeleteWriterConfig::new(vec![1], schema.clone()).unwrap();
            let delete_schema = Arc::new(
                iceberg::arrow::arrow_schema_to_schema(config.projected_arrow_schema_ref())
                    .unwrap(),
            );
            let mut writer =
                EqualityDeleteFileWriterBuilder::new(rolling(delete_schema, "eqdel"), config)
                    .build(None)
                    .await
                    .unwrap();
            writer.write(rows(&table, 7..8, true)).await.unwrap();
            writer.close().await.unwrap()
        }
        Deletes::Position => {
            use iceberg::metadata_columns::{
                RESERVED_FIELD_ID_DELETE_FILE_PATH, RESERVED_FIELD_ID_DELETE_FILE_POS,
            };
            use iceberg::spec::{NestedField, PrimitiveType, Schema, Type};
            let delete_schema = Arc::new(
                Schema::builder()
                    .with_fields(vec![
                        NestedField::required(
                            RESERVED_FIELD_ID_DELETE_FILE_PATH,
                            "file_path",
                            Type::Primitive(PrimitiveType::String),
                        )
                        .into(),
                        NestedField::required(
                            RESERVED_FIELD_ID_DELETE_FILE_POS,
                            "pos",
                            Type::Primitive(PrimitiveType::Long),
                        )
                        .into(),
                    ])
                    .build()
                    .unwrap(),
            );
            // Row 7 is at position 7 of the first snapshot's only data file.
            let data_file = std::fs::read_dir(t.table_dir.join("data"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| {
                    p.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with("first")
                })
                .unwrap();
            let path = format!("file://{}", data_file.display());
            let arrow_schema =
                Arc::new(iceberg::arrow::schema_to_arrow_schema(&delete_schema).unwrap());
            let batch = RecordBatch::try_new(
                arrow_schema,
                vec![
                    Arc::new(StringArray::from(vec![path])),
                    Arc::new(Int64Array::from(vec![7])),
                ],
            )
            .unwrap();
            let mut writer = rolling(delete_schema, "posdel").build();
            writer.write(&None, &batch).await.unwrap();
            writer
                .close()
                .await
                .unwrap()
                .into_iter()
                .map(|mut b| {
                    b.content(iceberg::spec::DataContentType::PositionDeletes);
                    b.build().unwrap()
                })
                .collect()
        }
    };

    commit_snapshot(&table, deletes, true, 1_000).await;
}

/// Commits `files` (data files, or delete files when `deletes`) as a new snapshot of `table`
/// dated `after_ms` after the current one: a manifest, a manifest list with the current
/// snapshot's manifests, the snapshot, and the next metadata file.
async fn commit_snapshot(
    table: &iceberg::table::Table,
    files: Vec<iceberg::spec::DataFile>,
    deletes: bool,
    after_ms: i64,
) {
    use iceberg::spec::{
        MAIN_BRANCH, ManifestListWriter, ManifestWriterBuilder, Operation, Snapshot, Summary,
        UNASSIGNED_SEQUENCE_NUMBER,
    };
    use std::str::FromStr;
    let md = table.metadata();
    let io = table.file_io().clone();
    let parent = md.current_snapshot().unwrap().clone();
    let snapshot_id = parent.snapshot_id() + 1;
    let base = md.location().trim_end_matches('/');
    let writer = ManifestWriterBuilder::new(
        io.new_output(format!("{base}/metadata/manual-{snapshot_id}-m0.avro"))
            .unwrap(),
        Some(snapshot_id),
        md.current_schema().clone(),
        md.default_partition_spec().as_ref().clone(),
    );
    let mut manifest = if deletes {
        writer.build_v2_deletes()
    } else {
        writer.build_v2_data()
    };
    for f in files {
        manifest.add_file(f, UNASSIGNED_SEQUENCE_NUMBER).unwrap();
    }
    let new_manifest = manifest.write_manifest_file().await.unwrap();
    let mut manifests = table
        .manifest_list_reader(&parent)
        .load()
        .await
        .unwrap()
        .entries()
        .to_vec();
    manifests.push(new_manifest);
    let sequence = md.next_sequence_number();
    let list = format!("{base}/metadata/snap-{snapshot_id}-manual.avro");
    let mut lw = ManifestListWriter::v2(
        io.new_output(&list).unwrap().writer().await.unwrap(),
        snapshot_id,
        Some(parent.snapshot_id()),
        sequence,
    );
    lw.add_manifests(manifests.into_iter()).unwrap();
    lw.close().await.unwrap();
    let snapshot = Snapshot::builder()
        .with_snapshot_id(snapshot_id)
        .with_parent_snapshot_id(Some(parent.snapshot_id()))
        .with_sequence_number(sequence)
        .with_timestamp_ms(parent.timestamp_ms() + after_ms)
        .with_manifest_list(list)
        .with_schema_id(md.current_schema_id())
        .with_summary(Summary {
            operation: if deletes {
                Operation::Delete
            } else {
                Operation::Append
            },
            additional_properties: Default::default(),
        })
        .build();
    let current = table.metadata_location().unwrap().to_string();
    let next = md
        .clone()
        .into_builder(Some(current.clone()))
        .set_branch_snapshot(snapshot, MAIN_BRANCH)
        .unwrap()
        .build()
        .unwrap()
        .metadata;
    let location = iceberg::MetadataLocation::from_str(&current)
        .unwrap()
        .with_next_version()
        .with_new_metadata(&next);
    next.write_to(&io, &location).await.unwrap();
}

/// Appends rows `ids` as a snapshot dated `days` after the current one.
async fn append_days_later(t: &RustTable, ids: std::ops::Range<i64>, days: i64) -> RecordBatch {
    use iceberg::spec::DataFileFormat;
    use iceberg::writer::base_writer::data_file_writer::DataFileWriterBuilder;
    use iceberg::writer::file_writer::ParquetWriterBuilder;
    use iceberg::writer::file_writer::location_generator::{
        DefaultFileNameGenerator, DefaultLocationGenerator,
    };
    use iceberg::writer::file_writer::rolling_writer::RollingFileWriterBuilder;
    use iceberg::writer::{IcebergWriter, IcebergWriterBuilder};
    let catalog = catalog(&local_props(&t.dir), Arc::new(LocalFsStorageFactory)).await;
    let ident = iceberg::TableIdent::from_strs(["shop", "orders"]).unwrap();
    let table = catalog.load_table(&ident).await.unwrap();
    let batch = rows(&table, ids, true);
    let rolling = RollingFileWriterBuilder::new_with_default_file_size(
        ParquetWriterBuilder::new(
            Default::default(),
            table.metadata().current_schema().clone(),
        ),
        table.file_io().clone(),
        DefaultLocationGenerator::new(table.metadata()).unwrap(),
        DefaultFileNameGenerator::new("later".into(), None, DataFileFormat::Parquet),
    );
    let mut writer = DataFileWriterBuilder::new(rolling)
        .build(None)
        .await
        .unwrap();
    writer.write(batch.clone()).await.unwrap();
    let files = writer.close().await.unwrap();
    commit_snapshot(&table, files, false, days * 86_400_000).await;
    batch
}

#[test]
fn baseline_nd_is_the_snapshot_current_n_days_before() {
    let t = rust_table();
    let later = runtime().block_on(append_days_later(&t, 500..800, 8));
    let dir = t.table_dir.to_str().unwrap();
    let (code, p, err) = plimsoll_json(&["profile", dir, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_matches_batches(&p, &[&t.first, &t.second, &later]);
    // Seven days before the newest snapshot, the second was current.
    let r = plimsoll(&["drift", dir, "--baseline", "7d", "--format", "json"]);
    assert!(r.code < 2, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let second = t.snapshots[1].0;
    assert_eq!(
        v["baseline"],
        format!(
            "snapshot {second}, current 7 day(s) before snapshot {}",
            p["snapshot"]["id"]
        )
    );
    assert_eq!(v["baseline_slices"][0]["rows"], 500);
    // Nine days before, the table did not exist yet.
    let r = plimsoll(&["drift", dir, "--baseline", "9d"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no snapshot yet 9 day(s) before"),
        "{}",
        r.stderr
    );
}

#[test]
fn position_deletes_are_applied() {
    let t = rust_table();
    runtime().block_on(commit_delete(&t, Deletes::Position));
    let dir = t.table_dir.to_str().unwrap();
    let (code, p, err) = plimsoll_json(&["profile", dir, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p["row_count"], 499);
    assert_matches_batches(&p, &[&without_id_7(&t.first), &without_id_7(&t.second)]);
}

/// The rows of `b` without `id = 7`, by the arrow filter kernel.
fn without_id_7(b: &RecordBatch) -> RecordBatch {
    let ids = b.column(0).as_primitive::<arrow::datatypes::Int64Type>();
    let mask: BooleanArray = ids.iter().map(|v| Some(v != Some(7))).collect();
    compute::filter_record_batch(b, &mask).unwrap()
}

#[test]
fn equality_deletes_are_applied_and_metadata_is_not_trusted() {
    let t = rust_table();
    runtime().block_on(commit_delete(&t, Deletes::Equality));
    let dir = t.table_dir.to_str().unwrap();
    let (first, second) = (without_id_7(&t.first), without_id_7(&t.second));
    let (code, p, err) = plimsoll_json(&["profile", dir, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p["row_count"], 499);
    assert_matches_batches(&p, &[&first, &second]);

    // The manifests still count row 7: no answer from them, and the check path scans.
    let r = plimsoll(&["profile", dir, "--metadata-only"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("delete file(s)"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "nothing half-written: {}", r.stdout);
    let contract = t.dir.join("contract.yaml");
    std::fs::write(&contract, CONTRACT).unwrap();
    let s1 = format!("snapshot:{}", t.snapshots[0].0);
    let (code, v, err) = plimsoll_json(&[
        "check",
        dir,
        "--contract",
        contract.to_str().unwrap(),
        "--baseline",
        &s1,
        "--now",
        "2024-03-02T00:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}\n{v}");
    let rows = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "row_count")
        .unwrap();
    assert_eq!(rows["observed"]["rows"], 499, "{rows}");
    assert_eq!(rows["observed"]["baseline_mean"], 300.0, "{rows}");
    assert!(rows["observed"]["answered_from"].is_null(), "{rows}");

    // The snapshot before the deletes still reads every row.
    let before = t.snapshots[1].0.to_string();
    let (code, p, err) =
        plimsoll_json(&["profile", dir, "--snapshot", &before, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p["row_count"], 500);
}

#[test]
fn profile_with_history_is_incremental_too() {
    let t = rust_table();
    let dir = t.table_dir.to_str().unwrap();
    let history = t.dir.join("history");
    let h = history.to_str().unwrap();
    let first = plimsoll(&["profile", dir, "--history", h, "--name", "orders"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let third = append_more(&t, 500..650, "third");
    let r = plimsoll(&[
        "profile",
        dir,
        "--history",
        h,
        "--name",
        "orders",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("read 1 of 3 data file(s)"),
        "{}",
        r.stderr
    );
    let p: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_matches_batches(&p, &[&t.first, &t.second, &third]);
    // Nothing new: nothing read.
    let r = plimsoll(&["profile", dir, "--history", h, "--name", "orders"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("read 0 of 3 data file(s)"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_renamed_column_drifts_against_itself_across_snapshots() {
    let (dir, expected) = pyiceberg_fixture();
    let dir = dir.to_str().unwrap();
    let first = first_snapshot(&expected);
    let baseline = format!("snapshot:{first}");
    let r = plimsoll(&["drift", dir, "--baseline", &baseline, "--format", "json"]);
    assert!(r.code < 2, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    // `total_usd` in snapshot 1 is `amount_usd` now: the same field, so it has a PSI.
    let amount = field(&v, "amount_usd");
    assert!(amount["psi"].is_number(), "{amount}");
    assert!(amount["psi"].as_f64().unwrap() < 0.2, "{amount}");
    assert!(
        v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["name"] != "total_usd"),
        "{v}"
    );
}

/// `--snapshot` belongs to the table being checked: a referenced table (here the same Iceberg
/// table under another name) is read at its current snapshot unless its own binding names one
/// (`--table NAME=DIR@snapshot:ID`).
#[test]
fn snapshot_of_the_checked_table_is_not_the_referenced_tables() {
    let t = rust_table();
    let dir = t.table_dir.to_str().unwrap();
    let contract = t.dir.join("refs.yaml");
    std::fs::write(
        &contract,
        "consumer: audit\ndepends_on:\n  - table: orders\n    fields:\n      - { name: id, references: { table: ledger, field: id } }\n",
    )
    .unwrap();
    let (s1, s2) = (t.snapshots[0].0, t.snapshots[1].0);
    let referenced = |extra: &[&str]| {
        let ledger = format!("ledger={dir}{}", extra.first().copied().unwrap_or(""));
        let mut args = vec![
            "check",
            dir,
            "--contract",
            contract.to_str().unwrap(),
            "--table",
            &ledger,
            "--format",
            "json",
        ];
        args.extend(&extra[1..]);
        let (code, v, stderr) = plimsoll_json(&args);
        assert!(code < 2, "{stderr}{v}");
        let r = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["check"] == "references")
            .unwrap()
            .clone();
        (v, r)
    };
    // The checked table at its first snapshot (300 ids); the ledger at its current one (500).
    let first = s1.to_string();
    let (v, r) = referenced(&["", "--snapshot", &first]);
    assert_eq!(v["tables"][0]["snapshot"]["id"], s1);
    assert_eq!(r["observed"]["referenced"]["snapshot"], s2);
    assert_eq!(r["observed"]["keys"], 300);
    assert_eq!(r["observed"]["unmatched"], 0);
    // The ledger at its first snapshot, by its own binding; the checked table current: the 200
    // ids written since have no match.
    let at_first = format!("@snapshot:{s1}");
    let (v, r) = referenced(&[&at_first]);
    assert_eq!(v["tables"][0]["snapshot"]["id"], s2);
    assert_eq!(r["observed"]["referenced"]["snapshot"], s1);
    assert_eq!(r["observed"]["keys"], 500);
    assert_eq!(r["observed"]["unmatched"], 200);
    assert_eq!(r["status"], "fail");
}

/// `compat` across two snapshots of the pyiceberg table: field ids say `total_usd` was renamed
/// to `amount_usd` (not dropped and added), and `channel` was added as optional.
#[test]
fn compat_across_snapshots_sees_a_rename_by_field_id() {
    let (dir, expected) = pyiceberg_fixture();
    let dir = dir.to_str().unwrap();
    let first = first_snapshot(&expected);
    let old = format!("{dir}@snapshot:{first}");
    let r = plimsoll(&["compat", &old, dir, "--format", "json"]);
    assert!(r.code < 2, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let changes = v["changes"].as_array().unwrap();
    let renamed = changes
        .iter()
        .find(|c| c["change"] == "renamed")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(renamed["old"], "total_usd");
    assert_eq!(renamed["new"], "amount_usd");
    assert_eq!(renamed["verdict"], "breaks");
    let added = changes
        .iter()
        .find(|c| c["change"] == "added")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(added["field"], "channel");
    assert_eq!(added["verdict"], "safe");
    assert!(
        changes
            .iter()
            .all(|c| c["change"] != "removed" && c["field"] != "total_usd"
                || c["change"] == "renamed"),
        "{v:#}"
    );
}
