//! Daily slices: `--partition` on an Iceberg table partitioned by `day(event_time)` (written by
//! pyiceberg, ten daily appends), and event-time slices (`slice: { column, every }`) of an
//! unpartitioned Parquet file. Expected row counts per day come from DuckDB reading the data
//! files (testdata/gen/iceberg_daily.py writes them to the fixtures' expected.json), never from
//! Iceberg metadata or Plimsoll.

mod common;

use common::{copy_dir, plimsoll, plimsoll_json, root};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The Iceberg fixture lives at the absolute path its metadata records; one test corrupts a
/// data file there for a moment, so the tests of this file take turns.
static TABLE: Mutex<()> = Mutex::new(());

struct Placed {
    dir: PathBuf,
    expected: Value,
    _turn: MutexGuard<'static, ()>,
}

impl Placed {
    fn dir(&self) -> &str {
        self.dir.to_str().unwrap()
    }

    fn days(&self) -> Vec<(String, u64)> {
        self.expected["rows_per_day"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(d, n)| (d.clone(), n.as_u64().unwrap()))
            .collect()
    }

    /// The data file of one day's partition (pyiceberg writes it under `event_time_day=DAY/`).
    fn data_file(&self, day: &str) -> PathBuf {
        let dir = self.dir.join(format!("data/event_time_day={day}"));
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        files.remove(0)
    }
}

/// Copies the committed table to its LOCATION (fresh for every test).
fn iceberg_table() -> Placed {
    let turn = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    let src = root().join("testdata/iceberg/daily");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(src.join("expected.json")).unwrap()).unwrap();
    let location = std::fs::read_to_string(src.join("LOCATION")).unwrap();
    let dir = PathBuf::from(location.trim().trim_start_matches("file://"));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&src.join("events"), &dir);
    Placed {
        dir,
        expected,
        _turn: turn,
    }
}

fn parquet_events() -> (String, Vec<(String, u64)>) {
    let dir = root().join("testdata/slices");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let days = expected["rows_per_day"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(d, n)| (d.clone(), n.as_u64().unwrap()))
        .collect();
    (
        dir.join("events.parquet").to_str().unwrap().to_string(),
        days,
    )
}

fn profile_json(source: &str, partition: &str) -> Value {
    let (code, v, stderr) = plimsoll_json(&[
        "profile",
        source,
        "--partition",
        partition,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{partition}: {stderr}");
    v
}

fn contract(dir: &Path, name: &str, text: &str) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

const ROW_COUNT: &str =
    "consumer: daily\ndepends_on:\n  - table: events\n    row_count: { baseline_days: 7 }\n";

const SLICED: &str = "consumer: daily\ndepends_on:\n  - table: events\n    slice: { column: event_time, every: 1d }\n    row_count: { baseline_days: 7 }\n";

#[test]
fn each_day_partition_counts_what_duckdb_counts() {
    let t = iceberg_table();
    let days = t.days();
    assert_eq!(days.len(), 10);
    for (day, rows) in &days {
        let p = profile_json(t.dir(), &format!("event_time={day}"));
        assert_eq!(p["row_count"].as_u64(), Some(*rows), "{day}");
        assert_eq!(
            p["partitions"],
            serde_json::json!([format!("event_time_day={day}")]),
            "{day}"
        );
        assert_eq!(p["files"], 1, "{day}: one data file per daily append");
        // Every field counted the day's rows: the scan read that day only.
        for f in p["fields"].as_array().unwrap() {
            assert_eq!(
                f["count"].as_u64().unwrap() + f["null_count"].as_u64().unwrap(),
                *rows
            );
        }
    }
    // The partition field's own name selects the same slice.
    let (day, rows) = &days[3];
    let p = profile_json(t.dir(), &format!("event_time_day={day}"));
    assert_eq!(p["row_count"].as_u64(), Some(*rows));
}

#[test]
fn latest_is_the_newest_day_of_the_snapshot() {
    let t = iceberg_table();
    let (day, rows) = t.days().into_iter().max().unwrap();
    for key in ["event_time", "event_time_day"] {
        let p = profile_json(t.dir(), &format!("{key}=latest"));
        assert_eq!(
            p["partitions"],
            serde_json::json!([format!("event_time_day={day}")])
        );
        assert_eq!(p["row_count"].as_u64(), Some(rows));
    }
}

/// Manifests and data files of other days are pruned before any data file is opened: with
/// another day's data file corrupted, the selected day still profiles (and the corrupted day
/// does not, so the corruption is real).
#[test]
fn other_days_files_are_never_opened() {
    let t = iceberg_table();
    let victim = t.data_file("2024-03-01");
    let good = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, b"not a parquet file at all").unwrap();
    let days = t.days();
    let (day, rows) = &days[7];
    let p = profile_json(t.dir(), &format!("event_time={day}"));
    assert_eq!(p["row_count"].as_u64(), Some(*rows));
    assert_eq!(p["files"], 1);
    let broken = plimsoll(&["profile", t.dir(), "--partition", "event_time=2024-03-01"]);
    std::fs::write(&victim, good).unwrap();
    assert_eq!(broken.code, 2, "{}", broken.stderr);
}

/// Manifests are pruned by the manifest list's partition summaries: with the manifests of the
/// other days gone, a day still profiles from its own manifest.
#[test]
fn other_days_manifests_are_never_read() {
    let t = iceberg_table();
    let days = t.days();
    let (day, rows) = &days[4];
    // The manifest naming this day's data file is the one to keep.
    let data = t.data_file(day);
    let data_name = data.file_name().unwrap().to_str().unwrap().to_string();
    let mut removed = 0;
    for e in std::fs::read_dir(t.dir.join("metadata")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        // Manifests are `UUID-m0.avro`; the day's data file is `00000-0-UUID.parquet`.
        if let Some(uuid) = name.strip_suffix("-m0.avro")
            && !data_name.contains(uuid)
        {
            std::fs::remove_file(&p).unwrap();
            removed += 1;
        }
    }
    assert_eq!(removed, 9);
    let p = profile_json(t.dir(), &format!("event_time={day}"));
    assert_eq!(p["row_count"].as_u64(), Some(*rows));
    // Another day needs its manifest, which is gone: the run says so.
    let r = plimsoll(&[
        "profile",
        t.dir(),
        "--partition",
        &format!("event_time={}", days[0].0),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn a_key_that_is_no_partition_field_lists_the_fields_and_spellings() {
    let t = iceberg_table();
    let r = plimsoll(&["profile", t.dir(), "--partition", "region=eu"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains("`region` is not a partition field"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("`event_time_day` (day of `event_time`)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("event_time=latest"), "{}", r.stderr);
    // A value spelled for another transform says which one the field has.
    let r = plimsoll(&[
        "profile",
        t.dir(),
        "--partition",
        "event_time=2024-03-08T13",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("by day"), "{}", r.stderr);
    // A day with no partition lists those there are.
    let r = plimsoll(&["profile", t.dir(), "--partition", "event_time=2024-04-01"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("event_time_day=2024-03-10"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_partial_day_fails_its_seven_day_baseline_and_a_normal_day_passes() {
    let t = iceberg_table();
    let tmp = tempfile::tempdir().unwrap();
    let c = contract(tmp.path(), "c.yaml", ROW_COUNT);
    let days = t.days();
    let mean = |range: std::ops::Range<usize>| {
        days[range.clone()].iter().map(|d| d.1).sum::<u64>() as f64 / range.len() as f64
    };
    for (i, want_code, flags) in [
        (8usize, 1, &[][..]),
        (9, 0, &[][..]),
        (8, 1, &["--baseline", "7d"][..]),
    ] {
        let day = &days[i].0;
        let part = format!("event_time={day}");
        let mut args = vec![
            "check",
            t.dir(),
            "--contract",
            &c,
            "--partition",
            &part,
            "--format",
            "json",
        ];
        args.extend_from_slice(flags);
        let (code, v, stderr) = plimsoll_json(&args);
        assert_eq!(code, want_code, "{day} {flags:?}: {stderr}");
        let r = &v["results"][0];
        assert_eq!(r["check"], "row_count");
        assert_eq!(r["observed"]["rows"].as_u64(), Some(days[i].1));
        let baseline_mean = r["observed"]["baseline_mean"].as_f64().unwrap();
        assert!(
            (baseline_mean - mean(i - 7..i)).abs() < 1e-9,
            "{day}: {baseline_mean}"
        );
        let b = &v["tables"][0]["baseline"];
        assert!(
            b["description"]
                .as_str()
                .unwrap()
                .contains("partitions of the Iceberg table, not snapshots"),
            "{b}"
        );
        let names: Vec<&str> = b["slices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        let want: Vec<String> = days[i - 7..i]
            .iter()
            .map(|d| format!("event_time_day={}", d.0))
            .collect();
        assert_eq!(names, want);
    }
}

#[test]
fn event_time_slices_of_a_parquet_file_count_what_duckdb_counts() {
    let (file, days) = parquet_events();
    for (day, rows) in &days {
        let p = profile_json(&file, &format!("event_time={day}"));
        assert_eq!(p["row_count"].as_u64(), Some(*rows), "{day}");
        assert_eq!(
            p["partitions"],
            serde_json::json!([format!("event_time={day}")])
        );
    }
    let latest = profile_json(&file, "event_time=latest");
    let (last, rows) = days.iter().max().unwrap();
    assert_eq!(
        latest["partitions"],
        serde_json::json!([format!("event_time={last}")])
    );
    assert_eq!(latest["row_count"].as_u64(), Some(*rows));
    let tmp = tempfile::tempdir().unwrap();
    let c = contract(tmp.path(), "c.yaml", SLICED);
    for (i, want_code) in [(8usize, 1), (9, 0)] {
        let part = format!("event_time={}", days[i].0);
        let (code, v, stderr) = plimsoll_json(&[
            "check",
            &file,
            "--contract",
            &c,
            "--partition",
            &part,
            "--format",
            "json",
        ]);
        assert_eq!(code, want_code, "{part}: {stderr}");
        let observed = &v["results"][0]["observed"];
        assert_eq!(observed["rows"].as_u64(), Some(days[i].1));
        let mean = days[i - 7..i].iter().map(|d| d.1).sum::<u64>() as f64 / 7.0;
        assert!((observed["baseline_mean"].as_f64().unwrap() - mean).abs() < 1e-9);
    }
}

/// Day after day with `--history`: each run stores its slice's profile, and the next run's
/// baseline is read from the history (`stored: true`), for an Iceberg table and for event-time
/// slices alike.
#[test]
fn daily_runs_store_slices_and_read_their_baseline_from_the_history() {
    let t = iceberg_table();
    let (file, _) = parquet_events();
    let tmp = tempfile::tempdir().unwrap();
    let days = t.days();
    for (source, text, prefix) in [
        (t.dir().to_string(), ROW_COUNT, "event_time_day"),
        (file.clone(), SLICED, "event_time"),
    ] {
        let store = tmp.path().join(format!("history-{prefix}"));
        let store = store.to_str().unwrap();
        let c = contract(tmp.path(), &format!("{prefix}.yaml"), text);
        let run = |day: &str| {
            let part = format!("event_time={day}");
            plimsoll_json(&[
                "check",
                &source,
                "--contract",
                &c,
                "--partition",
                &part,
                "--history",
                store,
                "--format",
                "json",
            ])
        };
        // Day 8: its baseline is profiled in this run (and stored).
        let (code, v, stderr) = run(&days[7].0);
        assert_eq!(code, 0, "{stderr}");
        let slices = v["tables"][0]["baseline"]["slices"].as_array().unwrap();
        assert_eq!(slices.len(), 7);
        assert!(slices.iter().all(|s| s["stored"] == false), "{slices:?}");
        // Day 9, the partial load: its baseline comes from the history, and it fails.
        let (code, v, stderr) = run(&days[8].0);
        assert_eq!(code, 1, "{stderr}");
        let slices = v["tables"][0]["baseline"]["slices"].as_array().unwrap();
        assert_eq!(slices.len(), 7);
        assert!(slices.iter().all(|s| s["stored"] == true), "{slices:?}");
        for (s, d) in slices.iter().zip(&days[1..8]) {
            assert_eq!(s["name"], format!("{prefix}={}", d.0));
            assert_eq!(s["rows"].as_u64(), Some(d.1));
        }
        let stored: Vec<String> = std::fs::read_dir(Path::new(store).join("profiles/events"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        for d in &days[1..9] {
            assert!(
                stored.contains(&format!("{prefix}={}.json", d.0)),
                "{prefix}={} not in {stored:?}",
                d.0
            );
        }
        let day9: Value = serde_json::from_str(
            &std::fs::read_to_string(
                Path::new(store).join(format!("profiles/events/{prefix}={}.json", days[8].0)),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            day9["profile"]["profile"]["row_count"].as_u64(),
            Some(days[8].1)
        );
    }
}

#[test]
fn a_slice_column_must_be_a_timestamp_and_every_an_hour_or_a_day() {
    let (file, _) = parquet_events();
    let tmp = tempfile::tempdir().unwrap();
    let bad_every = contract(
        tmp.path(),
        "every.yaml",
        &SLICED.replace("every: 1d", "every: 2d"),
    );
    let r = plimsoll(&["lint", &bad_every]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let text = format!("{}{}", r.stdout, r.stderr);
    assert!(text.contains("every.yaml:4"), "{text}");
    assert!(
        text.contains("`slice.every` must be `1h` or `1d`"),
        "{text}"
    );
    let not_time = contract(
        tmp.path(),
        "column.yaml",
        &SLICED.replace("column: event_time", "column: status"),
    );
    let r = plimsoll(&[
        "check",
        &file,
        "--contract",
        &not_time,
        "--partition",
        "status=2024-03-08",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("column.yaml:4"), "{}", r.stderr);
    assert!(r.stderr.contains("not a timestamp or date"), "{}", r.stderr);
}

/// The newest metadata file's snapshots, oldest first.
fn snapshot_ids(dir: &Path) -> Vec<i64> {
    let mut metas: Vec<PathBuf> = std::fs::read_dir(dir.join("metadata"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_str().unwrap().ends_with(".metadata.json"))
        .collect();
    metas.sort();
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(metas.last().unwrap()).unwrap()).unwrap();
    let mut snaps: Vec<(i64, i64)> = m["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["sequence-number"].as_i64().unwrap(),
                s["snapshot-id"].as_i64().unwrap(),
            )
        })
        .collect();
    snaps.sort();
    snaps.into_iter().map(|s| s.1).collect()
}

/// With `--history`, a run over the whole partitioned table reads only the data files its
/// stored partition profiles do not cover, and stores one profile per partition.
#[test]
fn a_history_run_on_an_iceberg_table_reads_only_the_new_files_per_partition() {
    let t = iceberg_table();
    let days = t.days();
    let snaps = snapshot_ids(&t.dir);
    assert_eq!(snaps.len(), 10);
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("history");
    let store = store.to_str().unwrap();
    let nine = snaps[8].to_string();
    let (code, v, stderr) = plimsoll_json(&[
        "profile",
        t.dir(),
        "--snapshot",
        &nine,
        "--history",
        store,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let first_nine: u64 = days[..9].iter().map(|d| d.1).sum();
    assert_eq!(v["row_count"].as_u64(), Some(first_nine));
    let (code, v, stderr) =
        plimsoll_json(&["profile", t.dir(), "--history", store, "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("read 1 of 10 data file(s)"), "{stderr}");
    let all: u64 = days.iter().map(|d| d.1).sum();
    assert_eq!(v["row_count"].as_u64(), Some(all));
    let event_id = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "event_id")
        .unwrap();
    assert_eq!(event_id["count"].as_u64(), Some(all));
    assert_eq!(
        event_id["max"].as_u64(),
        Some(all),
        "ids run 1..=N over the days"
    );
    for (day, rows) in &days {
        let stored: Value = serde_json::from_str(
            &std::fs::read_to_string(
                Path::new(store).join(format!("profiles/events/event_time_day={day}.json")),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            stored["profile"]["profile"]["row_count"].as_u64(),
            Some(*rows),
            "{day}"
        );
    }
    // The daily run of the newest day: its partition is stored and nothing is new.
    let r = plimsoll(&[
        "profile",
        t.dir(),
        "--partition",
        "event_time=latest",
        "--history",
        store,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("read 0 of 1 data file(s)"),
        "{}",
        r.stderr
    );
}

/// `--baseline KEY=VALUE` names one other partition (or event-time slice) by the same spellings.
#[test]
fn baseline_key_value_names_another_partition_or_slice() {
    let t = iceberg_table();
    let (file, _) = parquet_events();
    let days = t.days();
    let tmp = tempfile::tempdir().unwrap();
    for (source, text, name) in [
        (t.dir().to_string(), ROW_COUNT, "event_time_day"),
        (file, SLICED, "event_time"),
    ] {
        let c = contract(tmp.path(), &format!("{name}.yaml"), text);
        let part = format!("event_time={}", days[9].0);
        let base = format!("event_time={}", days[7].0);
        let (code, v, stderr) = plimsoll_json(&[
            "check",
            &source,
            "--contract",
            &c,
            "--partition",
            &part,
            "--baseline",
            &base,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{stderr}");
        let b = &v["tables"][0]["baseline"];
        assert_eq!(b["description"], format!("partition {name}={}", days[7].0));
        assert_eq!(b["slices"][0]["rows"].as_u64(), Some(days[7].1));
        assert_eq!(
            v["results"][0]["observed"]["baseline_mean"].as_f64(),
            Some(days[7].1 as f64)
        );
    }
}

/// A directory of daily files with no partition directories: an event-time slice opens only the
/// files whose footer statistics overlap it.
#[test]
fn event_time_slices_skip_files_outside_them() {
    let (file, days) = parquet_events();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&file).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let batches: Vec<arrow::array::RecordBatch> = reader.map(|b| b.unwrap()).collect();
    let all = arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    // The file is sorted by time: each day's rows follow the one before (DuckDB's counts).
    let mut offset = 0;
    for (day, rows) in &days {
        let n = *rows as usize;
        common::parquet(
            tmp.path(),
            &format!("part-{day}.parquet"),
            &[all.slice(offset, n)],
        );
        offset += n;
    }
    assert_eq!(offset, all.num_rows());
    let dir = tmp.path().to_str().unwrap();
    for (day, rows) in &days {
        let p = profile_json(dir, &format!("event_time={day}"));
        assert_eq!(p["row_count"].as_u64(), Some(*rows), "{day}");
        assert_eq!(p["files"], 1, "{day}: only the day's file");
    }
}

/// `shop.hourly`, partitioned by `hour(event_time)` and `identity(status)`: hours in every
/// spelling, identity values, and both together count what DuckDB counts.
#[test]
fn hour_and_identity_partitions_count_what_duckdb_counts() {
    let _turn = iceberg_table();
    let src = root().join("testdata/iceberg/daily");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(src.join("hourly.json")).unwrap()).unwrap();
    let dir = PathBuf::from(
        expected["location"]
            .as_str()
            .unwrap()
            .trim_start_matches("file://"),
    );
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&src.join("hourly"), &dir);
    let dir = dir.to_str().unwrap();
    let count = |p: &Value| p["row_count"].as_u64().unwrap();
    for (hour, rows) in expected["rows_per_hour"].as_object().unwrap() {
        let rows = rows.as_u64().unwrap();
        // `2024-03-08-13` as Iceberg writes it, `2024-03-08T13` and `2024-03-08 13:00`.
        let (day, h) = hour.rsplit_once('-').unwrap();
        for spelled in [
            format!("event_time_hour={hour}"),
            format!("event_time={day}T{h}"),
            format!("event_time={day} {h}:00"),
        ] {
            let p = profile_json(dir, &spelled);
            assert_eq!(count(&p), rows, "{spelled}");
        }
    }
    for (status, rows) in expected["rows_per_status"].as_object().unwrap() {
        let p = profile_json(dir, &format!("status={status}"));
        assert_eq!(count(&p), rows.as_u64().unwrap(), "{status}");
    }
    for (both, rows) in expected["rows_per_hour_and_status"].as_object().unwrap() {
        let (hour, status) = both.split_once('/').unwrap();
        let (code, p, stderr) = plimsoll_json(&[
            "profile",
            dir,
            "--partition",
            &format!("event_time_hour={hour}"),
            "--partition",
            &format!("status={status}"),
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(count(&p), rows.as_u64().unwrap(), "{both}");
        assert_eq!(
            p["partitions"],
            serde_json::json!([format!("event_time_hour={hour}/status={status}")])
        );
    }
    let latest = profile_json(dir, "event_time=latest");
    let (last, rows) = expected["rows_per_hour"]
        .as_object()
        .unwrap()
        .iter()
        .max_by_key(|(h, _)| h.to_string())
        .unwrap();
    assert_eq!(count(&latest), rows.as_u64().unwrap(), "{last}");
    // A day is not an hour.
    let r = plimsoll(&["profile", dir, "--partition", "event_time_hour=2024-03-08"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("by hour"), "{}", r.stderr);
}
