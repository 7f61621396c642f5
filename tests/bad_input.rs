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
