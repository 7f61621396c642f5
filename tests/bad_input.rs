//! Bad input is a test corpus: every error a user can cause gives exit code 2, a one-paragraph
//! `error:` on stderr with a `hint:`, nothing on stdout, and no panic.

mod common;

use common::{Run, plimsoll};
use std::path::Path;

fn assert_clean_error(r: &Run, message: &str) {
    assert_eq!(r.code, 2, "exit code; stderr:\n{}", r.stderr);
    assert!(
        r.stdout.is_empty(),
        "stdout must carry only a report, got:\n{}",
        r.stdout
    );
    assert!(r.stderr.starts_with("error: "), "stderr:\n{}", r.stderr);
    assert!(
        r.stderr.contains(message),
        "expected `{message}` in stderr:\n{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("\nhint: "),
        "no hint in stderr:\n{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("internal error"),
        "{}",
        r.stderr
    );
}

fn good_parquet(dir: &Path, name: &str) -> std::path::PathBuf {
    let batch = plimsoll::generate::orders_batch(
        chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
        2_000,
        1,
        5,
        false,
    );
    common::parquet(dir, name, &[batch])
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn missing_path() {
    let r = plimsoll(&["profile", "/no/such/table"]);
    assert_clean_error(&r, "source `/no/such/table` does not exist");
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("empty.parquet");
    std::fs::write(&f, b"").unwrap();
    let r = plimsoll(&["profile", s(&f)]);
    assert_clean_error(
        &r,
        "is not a readable Parquet file: the file is empty (0 bytes)",
    );
}

#[test]
fn truncated_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let f = good_parquet(dir.path(), "t.parquet");
    let bytes = std::fs::read(&f).unwrap();
    std::fs::write(&f, &bytes[..bytes.len() / 2]).unwrap();
    let r = plimsoll(&["profile", s(&f)]);
    assert_clean_error(&r, "is not a readable Parquet file");
    assert!(r.stderr.contains("truncated"), "{}", r.stderr);
}

#[test]
fn not_parquet_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("notes.parquet");
    std::fs::write(&f, "order_id,total\n1,2.5\n".repeat(50)).unwrap();
    let r = plimsoll(&["profile", s(&f)]);
    assert_clean_error(&r, "is not a readable Parquet file: no Parquet footer");
}

#[test]
fn corrupt_data_pages_fail_the_scan_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let f = good_parquet(dir.path(), "c.parquet");
    let mut bytes = std::fs::read(&f).unwrap();
    // Scribble over the data pages, keep the footer intact.
    let end = bytes.len() / 2;
    for b in &mut bytes[8..end] {
        *b = 0xA5;
    }
    std::fs::write(&f, &bytes).unwrap();
    let r = plimsoll(&["profile", s(&f)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert!(r.stderr.contains("\nhint: "), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn directory_without_parquet() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("readme.txt"), "nothing here").unwrap();
    let r = plimsoll(&["profile", s(dir.path())]);
    assert_clean_error(&r, "no Parquet files found under");
}

#[test]
fn incompatible_schemas_across_files() {
    let dir = tempfile::tempdir().unwrap();
    use arrow::array::{Int64Array, RecordBatch, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;
    let a = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, true)])),
        vec![Arc::new(Int64Array::from(vec![1]))],
    )
    .unwrap();
    let b = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("x", DataType::Utf8, true)])),
        vec![Arc::new(StringArray::from(vec!["one"]))],
    )
    .unwrap();
    common::parquet(dir.path(), "a.parquet", &[a]);
    common::parquet(dir.path(), "b.parquet", &[b]);
    let r = plimsoll(&["profile", s(dir.path())]);
    assert_clean_error(&r, "have incompatible schemas");
}

#[test]
fn unknown_partition_and_column() {
    let r = plimsoll(&[
        "profile",
        "testdata/orders",
        "--partition",
        "date=1999-01-01",
    ]);
    assert_clean_error(&r, "no partition matches `date=1999-01-01`");
    assert!(
        r.stderr.contains("2024-03-10"),
        "lists the available partitions:\n{}",
        r.stderr
    );
    let r = plimsoll(&["profile", "testdata/orders", "--partition", "region=eu"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = plimsoll(&["profile", "testdata/orders", "--columns", "order_id,nope"]);
    assert_clean_error(&r, "column `nope` does not exist");
    assert!(r.stderr.contains("`total_usd`"), "{}", r.stderr);
}

#[test]
fn bad_arguments() {
    let r = plimsoll(&["profile"]);
    assert_eq!(r.code, 2);
    let r = plimsoll(&["profile", "testdata/orders", "--format", "xml"]);
    assert_eq!(r.code, 2);
    let r = plimsoll(&["profile", "testdata/orders", "--partition", "date"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("KEY=VALUE"), "{}", r.stderr);
    let r = plimsoll(&[
        "check",
        "testdata/orders",
        "--contract",
        "contracts/failing",
        "--now",
        "yesterday",
    ]);
    assert_clean_error(&r, "invalid `--now` value `yesterday`");
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.yaml");
    std::fs::write(&f, "consumer: x\ndepends_on:\n  - table: [unclosed\n").unwrap();
    let r = plimsoll(&["check", "testdata/orders", "--contract", s(&f)]);
    assert_clean_error(&r, "problem(s) in contract(s)");
    assert!(r.stderr.contains("bad.yaml:"), "{}", r.stderr);
    assert!(r.stderr.contains("malformed YAML"), "{}", r.stderr);
}

#[test]
fn unknown_key_is_an_error_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("typo.yaml");
    std::fs::write(
        &f,
        "consumer: x\ndepends_on:\n  - table: orders\n    fields:\n      - name: a\n        requird: true\n",
    )
    .unwrap();
    let r = plimsoll(&["check", "testdata/orders", "--contract", s(&f)]);
    assert_clean_error(&r, "typo.yaml:6:9: unknown key `requird`");
    assert!(r.stderr.contains("did you mean `required`"), "{}", r.stderr);
}

#[test]
fn empty_contract_directory_and_missing_contract() {
    let dir = tempfile::tempdir().unwrap();
    let r = plimsoll(&["check", "testdata/orders", "--contract", s(dir.path())]);
    assert_clean_error(&r, "no contract files");
    let r = plimsoll(&[
        "check",
        "testdata/orders",
        "--contract",
        "/no/such/contract.yaml",
    ]);
    assert_clean_error(&r, "cannot read `/no/such/contract.yaml`");
}

#[test]
fn unbound_and_ambiguous_tables() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.yaml");
    std::fs::write(
        &f,
        "consumer: x\ndepends_on:\n  - table: orders\n    fields: [{ name: order_id }]\n",
    )
    .unwrap();
    let r = plimsoll(&["check", "--contract", s(&f)]);
    assert_clean_error(&r, "no source for table `orders` (consumer `x`)");
    std::fs::write(
        &f,
        "consumer: x\ndepends_on:\n  - table: orders\n    fields: [{ name: order_id }]\n  - table: customers\n    fields: [{ name: customer_id }]\n",
    )
    .unwrap();
    let r = plimsoll(&["check", "testdata/orders", "--contract", s(&f)]);
    assert_clean_error(&r, "SOURCE is ambiguous");
    let r = plimsoll(&[
        "check",
        "testdata/orders",
        "--contract",
        s(&f),
        "--table",
        "bad",
    ]);
    assert_clean_error(&r, "invalid `--table bad`");
}

#[test]
fn memory_limit_exceeded_is_an_error_not_a_kill() {
    let r = plimsoll(&["profile", "testdata/orders", "--memory-limit", "200KB"]);
    assert_clean_error(&r, "query failed while scanning `testdata/orders`");
    assert!(
        r.stderr.contains("Resources exhausted") && r.stderr.contains("--memory-limit"),
        "{}",
        r.stderr
    );
    let r = plimsoll(&[
        "profile",
        "testdata/orders",
        "--memory-limit",
        "512MB",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = plimsoll(&["profile", "testdata/orders", "--memory-limit", "lots"]);
    assert_clean_error(&r, "invalid size `lots`");
}

#[test]
fn a_file_that_vanishes_between_listing_and_reading() {
    let dir = tempfile::tempdir().unwrap();
    good_parquet(dir.path(), "date=2024-03-01/a.parquet");
    let gone = good_parquet(dir.path(), "date=2024-03-02/b.parquet");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ctx = plimsoll::Context::default();
    let what = plimsoll::source::SourceRef::new(s(dir.path()));
    let source = rt
        .block_on(plimsoll::source::Source::open(&ctx, &what, &[]))
        .unwrap();
    // A compaction job removes a file after the listing and the footers, before the scan.
    std::fs::remove_file(&gone).unwrap();
    let err = rt
        .block_on(plimsoll::profile::profile(
            &ctx,
            &source,
            &["status".to_string()],
        ))
        .unwrap_err();
    assert!(
        matches!(&err, plimsoll::error::Error::Vanished { path } if path.ends_with("b.parquet")),
        "{err:?}"
    );
    let text = err.render();
    assert!(text.contains("was listed but is gone"), "{text}");
    assert!(text.contains("hint: a compaction"), "{text}");
}

/// A date-partitioned table with `rows` rows under each `date=...` directory.
fn partitioned(dir: &Path, parts: &[(&str, usize)]) {
    use arrow::array::{Int64Array, RecordBatch};
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;
    for (value, rows) in parts {
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)])),
            vec![Arc::new(Int64Array::from_iter_values(0..*rows as i64))],
        )
        .unwrap();
        common::parquet(dir, &format!("date={value}/part-0.parquet"), &[batch]);
    }
}

#[test]
fn stray_partition_directories_are_left_out_and_never_latest() {
    let dir = tempfile::tempdir().unwrap();
    partitioned(
        dir.path(),
        &[
            ("2024-03-01", 10),
            ("2024-03-02", 20),
            ("2024-03-03", 30),
            ("not-a-date", 40),
            ("__HIVE_DEFAULT_PARTITION__", 50),
        ],
    );
    let src = s(dir.path());
    // `latest` is the newest real date, not the stray (which sorts last as a string).
    let (code, json, stderr) = common::plimsoll_json(&[
        "profile",
        src,
        "--partition",
        "date=latest",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["row_count"], 30, "{json}");
    assert_eq!(json["partitions"], serde_json::json!(["date=2024-03-03"]));
    let date = json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "date")
        .unwrap();
    assert_eq!(date["type"], "date", "{date}");
    assert!(
        stderr.contains("warning: left out 1 file(s)") && stderr.contains("`date=not-a-date`"),
        "{stderr}"
    );

    // The whole table: the stray's 40 rows left out, Hive's null partition's 50 rows null.
    let (code, json, stderr) = common::plimsoll_json(&["profile", src, "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["row_count"], 10 + 20 + 30 + 50, "{json}");
    assert!(stderr.contains("`date=not-a-date`"), "{stderr}");
    let date = json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "date")
        .unwrap();
    assert_eq!(date["type"], "date", "{date}");
    assert_eq!(date["null_count"], 50, "{date}");
    assert_eq!(date["count"], 60, "{date}");
    assert_eq!(date["min"], "2024-03-01", "{date}");
    assert_eq!(date["max"], "2024-03-03", "{date}");
    let n = json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "n")
        .unwrap();
    assert_eq!(n["count"], 110, "{n}");

    // The footers say the same: 50 null dates.
    let (code, json, stderr) =
        common::plimsoll_json(&["profile", src, "--metadata-only", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let date = json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "date")
        .unwrap();
    assert_eq!(date["null_count"], 50, "{date}");

    // Hive's null partition can be selected by its name.
    let (code, json, stderr) = common::plimsoll_json(&[
        "profile",
        src,
        "--partition",
        "date=__HIVE_DEFAULT_PARTITION__",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["row_count"], 50, "{json}");

    // The library carries the warning for callers.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let source = rt
        .block_on(plimsoll::source::Source::open(
            &plimsoll::Context::default(),
            &plimsoll::source::SourceRef::new(src),
            &[],
        ))
        .unwrap();
    assert_eq!(source.files.len(), 4);
    assert_eq!(source.warnings.len(), 1, "{:?}", source.warnings);
    assert!(
        source.warnings[0].contains(
            "`date=not-a-date` is not a date (YYYY-MM-DD) like the other 3 value(s) of `date`"
        ),
        "{:?}",
        source.warnings
    );
}

#[test]
fn integer_partitions_with_a_stray() {
    let dir = tempfile::tempdir().unwrap();
    for (value, rows) in [("7", 1), ("8", 2), ("9", 3), ("10", 4), ("tmp", 5)] {
        partitioned(
            &dir.path().join(format!("hour={value}")),
            &[("2024-03-01", rows)],
        );
    }
    let (code, json, stderr) = common::plimsoll_json(&[
        "profile",
        s(dir.path()),
        "--partition",
        "hour=latest",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    // 10 is the latest hour (as a number, not as text, and not `tmp`).
    assert_eq!(json["row_count"], 4, "{json}");
    assert!(stderr.contains("`hour=tmp` is not an integer"), "{stderr}");
}

/// A struct nested `depth` levels deep around one integer, written by ArrowWriter (on a thread
/// with room for its recursion).
fn nested_struct_file(path: std::path::PathBuf, depth: usize) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            use arrow::array::{ArrayRef, Int32Array, RecordBatch, StructArray};
            use arrow::datatypes::Field;
            use std::sync::Arc;
            let mut array: ArrayRef = Arc::new(Int32Array::from(vec![1, 2, 3]));
            let mut name = "leaf".to_string();
            for level in 0..depth {
                let field = Arc::new(Field::new(&name, array.data_type().clone(), true));
                array = Arc::new(StructArray::from(vec![(field, array)]));
                name = format!("s{level}");
            }
            let field = Field::new("deep", array.data_type().clone(), true);
            let batch = RecordBatch::try_new(
                Arc::new(arrow::datatypes::Schema::new(vec![field])),
                vec![array],
            )
            .unwrap();
            // Without the embedded Arrow schema, as many writers do: Arrow's own copy of a
            // schema this deep exceeds its flatbuffer reader's depth limit (a clean error).
            let options = parquet::arrow::arrow_writer::ArrowWriterOptions::new()
                .with_skip_arrow_metadata(true);
            let file = std::fs::File::create(&path).unwrap();
            let mut w =
                parquet::arrow::ArrowWriter::try_new_with_options(file, batch.schema(), options)
                    .unwrap();
            w.write(&batch).unwrap();
            w.close().unwrap();
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn deeply_nested_schema_is_refused_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("deep.parquet");
    // 1,000 levels overflowed the stack of a debug build (killed by SIGSEGV/SIGABRT); the fault
    // trials saw it at 450.
    nested_struct_file(f.clone(), 1000);
    let r = plimsoll(&["profile", s(&f)]);
    assert_clean_error(
        &r,
        "is not a readable Parquet file: the schema nests 1000 levels deep",
    );
    assert!(r.stderr.contains("deep.parquet"), "{}", r.stderr);
    assert!(r.stderr.contains("at most 64 levels"), "{}", r.stderr);
}

#[test]
fn nesting_up_to_the_limit_is_profiled() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("deep.parquet");
    // 63 structs around a leaf: 63 groups below the root, within the limit of 64.
    nested_struct_file(f.clone(), 63);
    let (code, json, stderr) = common::plimsoll_json(&["profile", s(&f), "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["row_count"], 3, "{json}");
}

/// The bytes of the footer's `ARROW:schema` value (Arrow's own copy of the schema, base64).
fn arrow_schema_value(bytes: &[u8]) -> usize {
    let key = bytes
        .windows(12)
        .position(|w| w == b"ARROW:schema")
        .expect("an embedded Arrow schema");
    // The key, then the value's field header and its length (a varint).
    let mut at = key + 12 + 1;
    while bytes[at] & 0x80 != 0 {
        at += 1;
    }
    at + 1
}

#[test]
fn a_decoder_panic_on_a_corrupt_footer_is_the_files_error() {
    let dir = tempfile::tempdir().unwrap();
    // Orders with the later `channel` column: the schema the fuzzer mutated.
    let batch = plimsoll::generate::orders_batch(
        chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
        400,
        7,
        3,
        true,
    );
    let f = common::parquet(dir.path(), "ipc.parquet", &[batch]);
    let mut bytes = std::fs::read(&f).unwrap();
    // One character of the embedded Arrow schema changed (found by the fuzzer): arrow-ipc
    // panics on the field type it then reads instead of returning an error.
    let at = arrow_schema_value(&bytes) + 91;
    bytes[at] = b'c';
    std::fs::write(&f, &bytes).unwrap();
    let r = plimsoll(&["profile", s(&f)]);
    assert_clean_error(
        &r,
        "ipc.parquet` is not a readable Parquet file: the footer could not be decoded",
    );
    // Where the decoder gave up, for a report upstream.
    assert!(r.stderr.contains("(in arrow-ipc-"), "{}", r.stderr);
}

/// Replaces the varint after the root schema element's name (its child count) with `varint`,
/// fixing the footer's length.
fn with_root_children(bytes: &[u8], varint: &[u8]) -> Vec<u8> {
    let name = bytes
        .windows(13)
        .position(|w| &w[..12] == b"arrow_schema" && w[12] == 0x15)
        .expect("the root element's name and child count");
    let start = name + 13;
    let mut end = start;
    while bytes[end] & 0x80 != 0 {
        end += 1;
    }
    let mut out = bytes[..start].to_vec();
    out.extend_from_slice(varint);
    out.extend_from_slice(&bytes[end + 1..bytes.len() - 8]);
    let n = bytes.len() - 8;
    let len = u32::from_le_bytes(bytes[n..n + 4].try_into().unwrap()) as usize;
    let len = len + varint.len() - (end + 1 - start);
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.extend_from_slice(b"PAR1");
    out
}

#[test]
fn schema_child_counts_beyond_the_schema_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = good_parquet(dir.path(), "kids.parquet");
    let bytes = std::fs::read(&f).unwrap();
    // i32::MAX children (zigzag varint): the decoder would reserve memory for all of them.
    std::fs::write(
        &f,
        with_root_children(&bytes, &[0xfe, 0xff, 0xff, 0xff, 0x0f]),
    )
    .unwrap();
    let r = plimsoll(&["profile", s(&f)]);
    assert_clean_error(
        &r,
        "kids.parquet` is not a readable Parquet file: schema element 0 claims 2147483647 children",
    );
    // A negative count.
    std::fs::write(&f, with_root_children(&bytes, &[0x03])).unwrap();
    let r = plimsoll(&["profile", s(&f)]);
    assert_clean_error(
        &r,
        "schema element 0 has a negative number of children (-2)",
    );
}

#[test]
fn footer_length_beyond_the_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = good_parquet(dir.path(), "len.parquet");
    let mut bytes = std::fs::read(&f).unwrap();
    let n = bytes.len() - 8;
    bytes[n..n + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    std::fs::write(&f, &bytes).unwrap();
    let r = plimsoll(&["profile", s(&f)]);
    assert_clean_error(
        &r,
        "len.parquet` is not a readable Parquet file: the footer claims 4294967295 bytes of metadata",
    );
}
