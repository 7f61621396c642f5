//! "It said success but no data arrived": the `arrival` check, `freshness` without a column, and
//! restated slices. Expected times come from the test's own clock settings (file times it sets
//! with `File::set_modified`) or from the Iceberg metadata JSON read here, never from Plimsoll.

mod common;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use chrono::{DateTime, Duration, Utc};
use common::iceberg::{catalog, create_orders, local_props};
use common::{parquet, plimsoll_json};
use iceberg::io::LocalFsStorageFactory;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `n` rows with ids from `first`.
fn batch(first: i64, n: i64) -> RecordBatch {
    let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(first..first + n));
    let status: ArrayRef = Arc::new(StringArray::from_iter_values(
        (first..first + n).map(|i| ["new", "paid", "shipped"][(i % 3) as usize]),
    ));
    RecordBatch::try_from_iter([("id", ids), ("status", status)]).unwrap()
}

/// Writes `date=DAY/NAME` with `n` rows and sets its modification time.
fn file(table: &Path, day: &str, name: &str, first: i64, n: i64, mtime: DateTime<Utc>) -> PathBuf {
    let p = parquet(table, &format!("date={day}/{name}"), &[batch(first, n)]);
    touch(&p, mtime);
    p
}

fn touch(p: &Path, t: DateTime<Utc>) {
    let f = std::fs::File::options().write(true).open(p).unwrap();
    f.set_modified(std::time::SystemTime::from(t)).unwrap();
}

/// Three daily partitions of 100 rows, each file written at 02:00 the day after.
fn three_days(dir: &Path) -> PathBuf {
    let table = dir.join("orders");
    for (i, day) in ["2024-03-01", "2024-03-02", "2024-03-03"]
        .iter()
        .enumerate()
    {
        let written = at(&format!("{day}T02:00:00Z")) + Duration::days(1);
        file(&table, day, "part-0.parquet", i as i64 * 100, 100, written);
    }
    table
}

fn contract(dir: &Path, table_keys: &str) -> PathBuf {
    let p = dir.join("contract.yaml");
    std::fs::write(
        &p,
        format!("consumer: ops\ndepends_on:\n  - table: orders\n{table_keys}"),
    )
    .unwrap();
    p
}

fn check(source: &Path, contract: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec![
        "check",
        source.to_str().unwrap(),
        "--contract",
        contract.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    plimsoll_json(&args)
}

fn results<'a>(v: &'a Value, check: &str) -> Vec<&'a Value> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["check"] == check)
        .collect()
}

fn one<'a>(v: &'a Value, check: &str) -> &'a Value {
    let r = results(v, check);
    assert_eq!(r.len(), 1, "one `{check}` result in {v:#}");
    r[0]
}

#[test]
fn a_parquet_table_without_new_files_fails_arrival_and_passes_once_one_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let table = three_days(tmp.path());
    let c = contract(tmp.path(), "    arrival: { max_silence: 26h }\n");
    // The newest file was written 2024-03-04T02:00; at 03-05T04:00 that is 26h+ ago.
    let newest = at("2024-03-04T02:00:00Z");
    let now = at("2024-03-05T04:00:00Z");
    let (code, v, err) = check(&table, &c, &["--now", &iso(now)]);
    assert_eq!(code, 1, "{v:#}\n{err}");
    let r = one(&v, "arrival");
    assert_eq!(r["status"], "fail");
    assert_eq!(r["observed"]["from"], "file_modified");
    assert_eq!(r["observed"]["newest"], iso(newest));
    assert_eq!(
        r["observed"]["silence_seconds"],
        (now - newest).num_seconds()
    );
    assert_eq!(r["observed"]["files_looked_at"], 3);
    assert_eq!(r["observed"]["answered_from"], "file listing");
    let msg = r["message"].as_str().unwrap();
    assert!(
        msg.contains("newest file written 1d2h ago (2024-03-04T02:00:00Z"),
        "{msg}"
    );
    assert!(msg.contains("all 3 file(s)"), "{msg}");
    // Within the window it passes.
    let (code, v, _) = check(&table, &c, &["--now", "2024-03-05T01:00:00Z"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(one(&v, "arrival")["status"], "pass");

    // `--partition` selects the slice profiled; arrival still looks at every file of the table.
    let (code, v, _) = check(
        &table,
        &c,
        &["--now", &iso(now), "--partition", "date=2024-03-01"],
    );
    assert_eq!(code, 1);
    let r = one(&v, "arrival");
    assert_eq!(r["observed"]["newest"], iso(newest));
    assert_eq!(r["observed"]["files_looked_at"], 3);

    // A new day's file, written within the window: arrival passes.
    let written = at("2024-03-05T02:30:00Z");
    file(&table, "2024-03-04", "part-0.parquet", 300, 100, written);
    let (code, v, err) = check(&table, &c, &["--now", &iso(now)]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    let r = one(&v, "arrival");
    assert_eq!(r["status"], "pass");
    assert_eq!(r["observed"]["newest"], iso(written));
    assert_eq!(r["observed"]["files_looked_at"], 4);
    assert!(
        r["observed"]["file"]
            .as_str()
            .unwrap()
            .ends_with("date=2024-03-04/part-0.parquet"),
        "{r:#}"
    );
}

#[test]
fn freshness_without_a_column_reads_file_times_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let table = three_days(tmp.path());
    let c = contract(tmp.path(), "    freshness: { max_lag: 26h }\n");
    let now = at("2024-03-04T12:00:00Z");
    let (code, v, err) = check(&table, &c, &["--now", &iso(now)]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    let r = one(&v, "freshness");
    assert_eq!(r["status"], "pass");
    assert_eq!(r["observed"]["from"], "file_modified");
    assert_eq!(r["observed"]["latest"], "2024-03-04T02:00:00Z");
    assert_eq!(r["observed"]["lag_seconds"], 10 * 3600);
    // Over one partition: the slice's own file, written 2024-03-02T02:00, 2d10h before.
    let (code, v, _) = check(
        &table,
        &c,
        &["--now", &iso(now), "--partition", "date=2024-03-01"],
    );
    assert_eq!(code, 1);
    let r = one(&v, "freshness");
    assert_eq!(r["status"], "fail");
    assert_eq!(r["observed"]["from"], "file_modified");
    assert_eq!(r["observed"]["latest"], "2024-03-02T02:00:00Z");
    assert_eq!(r["observed"]["lag_seconds"], (2 * 24 + 10) * 3600);
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("newest file was written 2d10h ago"),
        "{r:#}"
    );
    // The column form still works, and says where its time came from.
    let with_column = tmp.path().join("orders_ts");
    let ts: ArrayRef = Arc::new(
        arrow::array::TimestampMicrosecondArray::from(vec![
            at("2024-03-04T06:00:00Z").timestamp_micros(),
        ])
        .with_timezone("UTC"),
    );
    let b = RecordBatch::try_from_iter([("event_time", ts)]).unwrap();
    parquet(&with_column, "part-0.parquet", &[b]);
    let c = contract(
        tmp.path(),
        "    freshness: { column: event_time, max_lag: 26h }\n",
    );
    let (code, v, _) = check(&with_column, &c, &["--now", &iso(now)]);
    assert_eq!(code, 0, "{v:#}");
    let r = one(&v, "freshness");
    assert_eq!(r["observed"]["from"], "column");
    assert_eq!(r["observed"]["lag_seconds"], 6 * 3600);
}

/// The current snapshot's id and commit time, read from the newest metadata JSON.
fn current_snapshot(table_dir: &Path) -> (i64, DateTime<Utc>) {
    let newest = std::fs::read_dir(table_dir.join("metadata"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".metadata.json"))
        .max_by_key(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            name.split('-').next().unwrap().parse::<u64>().unwrap()
        })
        .unwrap();
    let md: Value = serde_json::from_str(&std::fs::read_to_string(newest).unwrap()).unwrap();
    let id = md["current-snapshot-id"].as_i64().unwrap();
    let snap = md["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["snapshot-id"].as_i64() == Some(id))
        .unwrap();
    assert_eq!(snap["summary"]["operation"], "append");
    let ms = snap["timestamp-ms"].as_i64().unwrap();
    (id, DateTime::from_timestamp_millis(ms).unwrap())
}

#[test]
fn an_iceberg_table_arrives_by_its_snapshot_commit_time() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let catalog = catalog(&local_props(&dir), Arc::new(LocalFsStorageFactory)).await;
        create_orders(&catalog).await;
    });
    let table_dir = dir.join("warehouse/shop/orders");
    let (id, committed) = current_snapshot(&table_dir);
    let c = contract(
        tmp.path(),
        "    arrival: { max_silence: 26h }\n    freshness: { max_lag: 2h }\n",
    );
    let now = committed + Duration::hours(25);
    let (code, v, err) = check(&table_dir, &c, &["--now", &now.to_rfc3339()]);
    assert_eq!(code, 1, "{v:#}\n{err}");
    let r = one(&v, "arrival");
    assert_eq!(r["status"], "pass", "{r:#}");
    assert_eq!(r["observed"]["from"], "snapshot_commit");
    assert_eq!(r["observed"]["snapshot_id"], id);
    assert_eq!(r["observed"]["newest"], iso(committed));
    assert_eq!(r["observed"]["answered_from"], "iceberg snapshots");
    // Freshness without a column: the same commit time, 25h before `now`, more than 2h.
    let f = one(&v, "freshness");
    assert_eq!(f["status"], "fail");
    assert_eq!(f["observed"]["from"], "snapshot_commit");
    assert_eq!(f["observed"]["latest"], iso(committed));
    assert_eq!(
        f["observed"]["lag_seconds"],
        (now - committed).num_seconds()
    );
    // Past the window: arrival fails, naming the snapshot and its time.
    let now = committed + Duration::hours(27);
    let (code, v, _) = check(&table_dir, &c, &["--now", &now.to_rfc3339()]);
    assert_eq!(code, 1);
    let r = one(&v, "arrival");
    assert_eq!(r["status"], "fail");
    let msg = r["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!(
            "newest snapshot committed 1d3h ago ({}: snapshot {id} (append))",
            iso(committed)
        )),
        "{msg}"
    );
}

/// Commits a `replace` snapshot (a compaction: the same manifests, no new rows) dated `after_ms`
/// after the current one, and writes the next metadata file.
async fn commit_replace(table_dir: &Path, dir: &Path, after_ms: i64) {
    use iceberg::spec::{MAIN_BRANCH, ManifestListWriter, Operation, Snapshot, Summary};
    use iceberg::{Catalog, TableIdent};
    use std::str::FromStr;
    let catalog = catalog(&local_props(dir), Arc::new(LocalFsStorageFactory)).await;
    let ident = TableIdent::from_strs(["shop", "orders"]).unwrap();
    let table = catalog.load_table(&ident).await.unwrap();
    let md = table.metadata();
    let io = table.file_io().clone();
    let parent = md.current_snapshot().unwrap().clone();
    let snapshot_id = parent.snapshot_id() + 1;
    let manifests = table
        .manifest_list_reader(&parent)
        .load()
        .await
        .unwrap()
        .entries()
        .to_vec();
    let sequence = md.next_sequence_number();
    let list = format!(
        "{}/metadata/snap-{snapshot_id}-replace.avro",
        table_dir.display()
    );
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
            operation: Operation::Replace,
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

#[test]
fn a_snapshot_that_adds_no_rows_is_not_an_arrival() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let table_dir = dir.join("warehouse/shop/orders");
    let (appended_id, appended) = rt.block_on(async {
        let catalog = catalog(&local_props(&dir), Arc::new(LocalFsStorageFactory)).await;
        create_orders(&catalog).await;
        let appended = current_snapshot(&table_dir);
        // A compaction two days later.
        commit_replace(&table_dir, &dir, 2 * 86_400_000).await;
        appended
    });
    // The metadata JSON: the current snapshot is the replace, its parent the append.
    let newest = std::fs::read_dir(table_dir.join("metadata"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".metadata.json"))
        .max()
        .unwrap();
    let md: Value = serde_json::from_str(&std::fs::read_to_string(newest).unwrap()).unwrap();
    let current = md["current-snapshot-id"].as_i64().unwrap();
    let snap = md["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["snapshot-id"].as_i64() == Some(current))
        .unwrap();
    assert_eq!(snap["summary"]["operation"], "replace");
    assert_eq!(snap["parent-snapshot-id"].as_i64(), Some(appended_id));

    let c = contract(tmp.path(), "    arrival: { max_silence: 26h }\n");
    // 50h after the append, 2h after the compaction: no row came in the last 26h.
    let now = appended + Duration::hours(50);
    let (code, v, err) = check(&table_dir, &c, &["--now", &now.to_rfc3339()]);
    assert_eq!(code, 1, "{v:#}\n{err}");
    let r = one(&v, "arrival");
    assert_eq!(r["status"], "fail");
    assert_eq!(r["observed"]["snapshot_id"], appended_id);
    assert_eq!(r["observed"]["newest"], iso(appended));
    assert_eq!(r["observed"]["later_snapshots_without_data"], 1);
    let now = appended + Duration::hours(25);
    let (code, v, _) = check(&table_dir, &c, &["--now", &now.to_rfc3339()]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(one(&v, "arrival")["status"], "pass");
}

/// The row count of one stored slice, from the history's JSON file.
fn stored(history: &Path, slice: &str) -> Value {
    let p = history.join(format!("profiles/orders/{slice}.json"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

#[test]
fn a_restated_partition_is_reported_rechecked_and_stored_anew() {
    let tmp = tempfile::tempdir().unwrap();
    let table = three_days(tmp.path());
    let history = tmp.path().join("history");
    let h = history.to_str().unwrap();
    let c = contract(
        tmp.path(),
        "    fields:\n      - name: id\n        required: true\n",
    );
    let args = [
        "--partition",
        "date=2024-03-03",
        "--history",
        h,
        "--now",
        "2024-03-04T12:00:00Z",
    ];
    let (code, v, err) = check(&table, &c, &args);
    assert_eq!(code, 0, "{v:#}\n{err}");
    assert!(results(&v, "restated").is_empty());
    let before = stored(&history, "date=2024-03-03");
    assert_eq!(before["profile"]["profile"]["row_count"], 100);
    let checked_at = at(before["written_at"].as_str().unwrap());

    // Late rows: part-0 rewritten with 70 rows, part-1 added with 50.
    let day = "2024-03-03";
    std::fs::remove_file(table.join(format!("date={day}/part-0.parquet"))).unwrap();
    file(
        &table,
        day,
        "part-0.parquet",
        200,
        70,
        at("2024-03-04T08:00:00Z"),
    );
    file(
        &table,
        day,
        "part-1.parquet",
        270,
        50,
        at("2024-03-04T08:00:00Z"),
    );
    let (code, v, err) = check(&table, &c, &args);
    assert_eq!(code, 0, "warnings only: {v:#}\n{err}");
    let r = one(&v, "restated");
    assert_eq!(r["status"], "warn");
    assert_eq!(r["field"], Value::Null);
    let o = &r["observed"];
    assert_eq!(o["slice"], "date=2024-03-03");
    assert_eq!(o["files_changed"], 2);
    assert_eq!(o["files_added"], 1);
    assert_eq!(o["files_modified"], 1);
    assert_eq!(o["files_removed"], 0);
    assert_eq!(o["checked_at"], iso(checked_at));
    assert_eq!(o["rows_before"], 100);
    assert_eq!(o["rows_now"], 120);
    let msg = r["message"].as_str().unwrap();
    let want = format!(
        "restated: 2 files changed since the check at {}",
        iso(checked_at)
    );
    assert!(msg.starts_with(&want), "{msg}");
    // Re-checked from the data: the stored profile is the new one (70 + 50 rows).
    let after = stored(&history, "date=2024-03-03");
    assert_eq!(after["profile"]["profile"]["row_count"], 120);
    assert_eq!(after["profile"]["files"]["count"], 2);
    assert_eq!(v["tables"][0]["rows"], 120);
    // Every output shows it: the table and JUnit formats too.
    for (i, format) in ["table", "junit", "markdown"].into_iter().enumerate() {
        std::fs::remove_dir_all(&history).unwrap();
        let mut all = vec![
            "check",
            table.to_str().unwrap(),
            "--contract",
            c.to_str().unwrap(),
            "--format",
            format,
        ];
        all.extend_from_slice(&args);
        let first = common::plimsoll(&all);
        assert_eq!(first.code, 0, "{}", first.stderr);
        touch(
            &table.join(format!("date={day}/part-1.parquet")),
            at("2024-03-04T09:00:00Z") + Duration::minutes(i as i64 + 1),
        );
        let second = common::plimsoll(&all);
        assert!(
            second
                .stdout
                .contains("restated: 1 file changed since the check at"),
            "{format}: {}",
            second.stdout
        );
    }
    // Nothing changed since: no notice.
    let (_, v, _) = check(&table, &c, &args);
    assert!(results(&v, "restated").is_empty(), "{v:#}");
}

#[test]
fn with_a_history_a_table_that_did_not_change_since_the_run_before_fails_arrival() {
    let tmp = tempfile::tempdir().unwrap();
    let table = tmp.path().join("orders");
    let real = Utc::now();
    file(
        &table,
        "2024-03-01",
        "part-0.parquet",
        0,
        100,
        real - Duration::hours(1),
    );
    let history = tmp.path().join("history");
    let h = history.to_str().unwrap();
    let c = contract(tmp.path(), "    arrival: { max_silence: 26h }\n");
    let (code, v, err) = check(&table, &c, &["--history", h]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    assert_eq!(one(&v, "arrival")["observed"]["previous_run"], Value::Null);
    // Three days later the same file is rewritten with the same rows: it looks new by its time,
    // but nothing arrived since the run before.
    let later = real + Duration::days(3);
    let path = table.join("date=2024-03-01/part-0.parquet");
    touch(&path, later - Duration::hours(1));
    let (code, v, err) = check(&table, &c, &["--history", h, "--now", &later.to_rfc3339()]);
    assert_eq!(code, 1, "{v:#}\n{err}");
    let r = one(&v, "arrival");
    assert_eq!(r["status"], "fail");
    assert_eq!(r["observed"]["previous_run"]["unchanged"], true);
    assert_eq!(r["observed"]["previous_run"]["rows_then"], 100);
    assert_eq!(r["observed"]["previous_run"]["rows_now"], 100);
    let msg = r["message"].as_str().unwrap();
    assert!(msg.starts_with("no new rows since the run at "), "{msg}");
    assert!(msg.contains("brought no new rows"), "{msg}");
    // New rows: it passes, and says the table changed.
    file(
        &table,
        "2024-03-02",
        "part-0.parquet",
        100,
        40,
        later - Duration::hours(2),
    );
    let (code, v, err) = check(&table, &c, &["--history", h, "--now", &later.to_rfc3339()]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    let r = one(&v, "arrival");
    assert_eq!(r["status"], "pass");
    assert_eq!(r["observed"]["previous_run"]["unchanged"], false);
    assert_eq!(r["observed"]["previous_run"]["rows_now"], 140);
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("the table changed since the run at"),
        "{r:#}"
    );
}

#[test]
fn lint_and_the_contract_diff_know_arrival() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = contract(tmp.path(), "    arrival: { max_silence: soon }\n");
    let r = common::plimsoll(&["lint", bad.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(all.contains("contract.yaml:4:"), "{all}");
    assert!(all.contains("invalid duration `soon`"), "{all}");

    use plimsoll::compat::ChangeKind;
    use plimsoll::contract::parse::parse_contract;
    let parse = |keys: &str| {
        let text = format!("consumer: ops\ndepends_on:\n  - table: orders\n{keys}");
        parse_contract(Path::new("c.yaml"), &text).unwrap()
    };
    let old =
        parse("    arrival: { max_silence: 26h }\n    freshness: { column: t, max_lag: 2h }\n");
    let new = parse("    arrival: { max_silence: 2d }\n    freshness: { max_lag: 2h }\n");
    let changes = plimsoll::compat::contracts::diff(&old, &new);
    let arrival = changes
        .iter()
        .find(|c| c.expectation == Some("arrival.max_silence"))
        .unwrap_or_else(|| panic!("{changes:#?}"));
    assert_eq!(arrival.kind, ChangeKind::Loosened);
    let column = changes
        .iter()
        .find(|c| c.expectation == Some("freshness.column"))
        .unwrap_or_else(|| panic!("{changes:#?}"));
    assert!(
        column
            .detail
            .contains("the table's arrival time instead of `t`"),
        "{}",
        column.detail
    );
}

#[test]
fn arrival_reads_no_data_page() {
    let tmp = tempfile::tempdir().unwrap();
    let table = tmp.path().join("orders");
    let p = file(
        &table,
        "2024-03-01",
        "part-0.parquet",
        0,
        1_000,
        at("2024-03-02T02:00:00Z"),
    );
    // Garble the first data page (the footer at the end stays intact), keeping the time.
    let mut bytes = std::fs::read(&p).unwrap();
    for b in &mut bytes[4..68] {
        *b = 0xFF;
    }
    std::fs::write(&p, &bytes).unwrap();
    touch(&p, at("2024-03-02T02:00:00Z"));
    let c = contract(
        tmp.path(),
        "    arrival: { max_silence: 26h }\n    freshness: { max_lag: 26h }\n",
    );
    let (code, v, err) = check(&table, &c, &["--now", "2024-03-02T12:00:00Z"]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    assert_eq!(one(&v, "arrival")["status"], "pass");
    assert_eq!(one(&v, "freshness")["observed"]["from"], "file_modified");
    // A check that needs the values does read the page, and fails on it.
    let c = contract(
        tmp.path(),
        "    arrival: { max_silence: 26h }\n    fields:\n      - name: id\n        required: true\n",
    );
    let r = common::plimsoll(&[
        "check",
        table.to_str().unwrap(),
        "--contract",
        c.to_str().unwrap(),
        "--now",
        "2024-03-02T12:00:00Z",
    ]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
}
