//! The scans of a run on an Apache Ballista cluster: a scheduler and two executors started as
//! processes from the built binary on 127.0.0.1 (`plimsoll scheduler`, `plimsoll executor`),
//! then `profile` and `check` with `--cluster` on a hive-partitioned table on local disk and on
//! S3 (SeaweedFS, started by the test), compared with the same commands run locally; an
//! executor killed in the middle of a scan; a scheduler that is not there; credentials that
//! never reach a log.

mod common;
#[path = "common/seaweed.rs"]
mod seaweed;

use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A process of the cluster, its stderr in a log file; killed when dropped.
struct Proc {
    child: Child,
    log: PathBuf,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    fn start(args: &[String], env: &[(&str, &str)], log: PathBuf) -> Proc {
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
            .args(args)
            .env_remove("AWS_PROFILE")
            .env("PLIMSOLL_LOG", "debug")
            .envs(env.iter().copied())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .stdin(Stdio::null())
            .spawn()
            .expect("start plimsoll");
        Proc { child, log }
    }

    fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    /// Waits until the log has `needle` (the process still running), at most `limit`.
    fn wait_for(&mut self, needle: &str, limit: Duration) {
        if let Err(e) = self.started(needle, limit) {
            panic!("{e}");
        }
    }

    /// Waits until the log has `needle`, at most `limit`; an error if the process exits first or
    /// says it could not listen (a port another test took since it was found free).
    fn started(&mut self, needle: &str, limit: Duration) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        loop {
            let log = self.log();
            if log.contains("Could not start") || log.contains("Address already in use") {
                return Err(format!("{} could not listen:\n{log}", self.log.display()));
            }
            if log.contains(needle) {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "{} exited ({status}) before logging {needle:?}:\n{log}",
                    self.log.display()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "no {needle:?} within {limit:?} in {}:\n{log}",
                    self.log.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Starts a process on ports found free (`args` makes its arguments from them) and waits
    /// for `needle`; tries again on other ports if another test took one in between.
    fn start_on_free_ports(
        ports: usize,
        args: impl Fn(&[u16]) -> Vec<String>,
        env: &[(&str, &str)],
        log: PathBuf,
        needle: &str,
    ) -> (Proc, Vec<u16>) {
        let mut failures = Vec::new();
        for _ in 0..3 {
            let free: Vec<u16> = (0..ports).map(|_| free_port()).collect();
            let mut p = Proc::start(&args(&free), env, log.clone());
            match p.started(needle, Duration::from_secs(60)) {
                Ok(()) => return (p, free),
                Err(e) => failures.push(e),
            }
        }
        panic!("{}", failures.join("\n"));
    }
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A scheduler and `n` executors (`--concurrency 2` each) on 127.0.0.1.
struct Cluster {
    url: String,
    scheduler: Proc,
    executors: Vec<Proc>,
    _dir: tempfile::TempDir,
}

impl Cluster {
    fn start(n: usize, env: &[(&str, &str)]) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (scheduler, ports) = Proc::start_on_free_ports(
            1,
            |p| {
                args(&[
                    "scheduler",
                    "--bind",
                    &format!("127.0.0.1:{}", p[0]),
                    "--executor-timeout",
                    "6s",
                ])
            },
            env,
            dir.path().join("scheduler.log"),
            "scheduler listening",
        );
        let url = format!("df://127.0.0.1:{}", ports[0]);
        let mut executors = Vec::new();
        for i in 0..n {
            let work = dir.path().join(format!("work-{i}"));
            std::fs::create_dir_all(&work).unwrap();
            let (e, _) = Proc::start_on_free_ports(
                2,
                |p| {
                    args(&[
                        "executor",
                        "--scheduler",
                        &url,
                        "--bind",
                        &format!("127.0.0.1:{}", p[0]),
                        "--grpc-port",
                        &p[1].to_string(),
                        "--concurrency",
                        "2",
                        "--heartbeat",
                        "1s",
                        "--work-dir",
                        work.to_str().unwrap(),
                    ])
                },
                env,
                dir.path().join(format!("executor-{i}.log")),
                "Executor registration succeed",
            );
            executors.push(e);
        }
        Cluster {
            url,
            scheduler,
            executors,
            _dir: dir,
        }
    }

    /// `profile PATH --format json` on this cluster, which must succeed.
    fn profile(&self, path: &str) -> Value {
        let run = common::plimsoll(&["profile", path, "--format", "json", "--cluster", &self.url]);
        assert_eq!(run.code, 0, "{}\n{}", run.stderr, self.logs());
        json(&run)
    }

    /// Every process's log, each under its file name.
    fn logs(&self) -> String {
        let mut out = String::new();
        for p in std::iter::once(&self.scheduler).chain(&self.executors) {
            out.push_str(&format!("==> {}\n{}\n", p.log.display(), p.log()));
        }
        out
    }
}

fn json(run: &common::Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr))
}

/// Every value of `column` in the hive table at `dir` as f64 (timestamps as microseconds, dates
/// as days), read with the Parquet reader and the directory names: the reference the sketches'
/// ranks are checked against.
fn column_values(dir: &Path, column: &str) -> Vec<f64> {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{DataType, Float64Type, TimeUnit};
    let paths: Vec<PathBuf> = common::files_under(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    let mut values = Vec::new();
    for path in paths {
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(&path).unwrap(),
        )
        .unwrap()
        .build()
        .unwrap();
        let from_dir = path
            .iter()
            .filter_map(|s| s.to_str()?.strip_prefix(&format!("{column}=")))
            .next()
            .map(|v| v.to_string());
        for batch in reader {
            let batch = batch.unwrap();
            if let Some(v) = &from_dir {
                let day = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").unwrap();
                let days = (day - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days();
                values.extend(std::iter::repeat_n(days as f64, batch.num_rows()));
                continue;
            }
            let Some(col) = batch.column_by_name(column) else {
                continue;
            };
            let col = match col.data_type() {
                DataType::Timestamp(_, tz) => {
                    let us = arrow::compute::cast(
                        col,
                        &DataType::Timestamp(TimeUnit::Microsecond, tz.clone()),
                    )
                    .unwrap();
                    arrow::compute::cast(&us, &DataType::Int64).unwrap()
                }
                DataType::Date32 => arrow::compute::cast(col, &DataType::Int32).unwrap(),
                _ => col.clone(),
            };
            let f = arrow::compute::cast(&col, &DataType::Float64).unwrap();
            let f = f.as_primitive::<Float64Type>();
            values.extend((0..f.len()).filter(|i| f.is_valid(*i)).map(|i| f.value(i)));
        }
    }
    values.sort_by(f64::total_cmp);
    values
}

/// A reported quantile as f64: a number, an RFC 3339 time (microseconds) or a date (days).
fn quantile_value(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => t.timestamp_micros() as f64,
            Err(_) => {
                let day = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
                (day - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as f64
            }
        },
        other => panic!("quantile {other}"),
    }
}

/// The KLL rank error the profile states (`sketch.rs`: under 1%).
const RANK_ERROR: f64 = 0.01;

/// Checks that each of a field's quantiles has its rank in the data within the KLL error.
fn assert_quantile_ranks(field: &Value, sorted: &[f64], label: &str) {
    let n = sorted.len() as f64;
    assert!(n > 0.0, "{label}: no data read for `{}`", field["name"]);
    for (name, v) in field["quantiles"].as_object().unwrap() {
        let q: f64 = name.trim_start_matches('p').parse::<f64>().unwrap() / 100.0;
        let v = quantile_value(v);
        let lo = sorted.partition_point(|x| *x < v) as f64 / n;
        let hi = sorted.partition_point(|x| *x <= v) as f64 / n;
        let off = (lo - q).max(q - hi).max(0.0);
        assert!(
            off <= RANK_ERROR,
            "{label}: `{}` {name} = {v} has rank [{lo}, {hi}]",
            field["name"]
        );
    }
}

/// A cluster's profile against the local one of the same data (`data`: the table's directory,
/// read independently for the sketches' ranks): the footers' facts and every exact metric
/// identical; sums and moments equal up to the order floats were added in; sketches identical
/// where the merge order does not matter (distinct counts, exact sets) and within their stated
/// error where it does (quantiles of large columns).
fn assert_same_profile(local: &Value, remote: &Value, data: &Path) {
    for key in [
        "row_count",
        "files",
        "bytes",
        "partitions",
        "passes",
        "scanned",
    ] {
        assert_eq!(local[key], remote[key], "`{key}`");
    }
    let (lf, rf) = (
        local["fields"].as_array().unwrap(),
        remote["fields"].as_array().unwrap(),
    );
    assert_eq!(lf.len(), rf.len());
    for (l, r) in lf.iter().zip(rf) {
        let name = l["name"].as_str().unwrap();
        let mut keys: Vec<&String> = l.as_object().unwrap().keys().collect();
        keys.extend(r.as_object().unwrap().keys());
        keys.sort();
        keys.dedup();
        let sketched = l["quantiles_exact"] == Value::Bool(false);
        let frequent = l["top_values_exact"] == Value::Bool(false);
        for key in keys {
            let (a, b) = (&l[key.as_str()], &r[key.as_str()]);
            match key.as_str() {
                "mean" | "stddev" => {
                    let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
                    assert!(
                        (a - b).abs() <= 1e-9 * a.abs().max(1.0),
                        "`{name}` {key}: {a} vs {b}"
                    );
                }
                "quantiles" | "histogram" if sketched => {}
                "top_values" | "top_values_error_bound" | "top_share" | "top_share_upper"
                    if frequent => {}
                _ => assert_eq!(a, b, "`{name}` {key}"),
            }
        }
        if frequent {
            // Each value's count is stated as an interval holding the true count: the two runs'
            // intervals must meet.
            let counts = |f: &Value| -> std::collections::BTreeMap<String, (u64, u64)> {
                f["top_values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| {
                        let n = |k: &str| t[k].as_u64().unwrap();
                        (t["value"].to_string(), (n("count"), n("count_upper")))
                    })
                    .collect()
            };
            let (lc, rc) = (counts(l), counts(r));
            for (value, (lo, hi)) in &lc {
                if let Some((rlo, rhi)) = rc.get(value) {
                    assert!(
                        lo.max(rlo) <= hi.min(rhi),
                        "`{name}` {value}: [{lo}, {hi}] vs [{rlo}, {rhi}]"
                    );
                }
            }
        }
        if sketched {
            let sorted = column_values(data, name);
            assert_quantile_ranks(l, &sorted, "local");
            assert_quantile_ranks(r, &sorted, "cluster");
            let total = |f: &Value| -> u64 {
                f["histogram"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|b| b["count"].as_u64().unwrap())
                    .sum()
            };
            assert_eq!(total(l), total(r), "`{name}` histogram total");
        }
    }
}

/// A cluster's drift report against the local one: the same fields, verdicts and exact counts.
/// Decile edges are cut from the baseline's quantile sketch, so where they are (numbers binned
/// by deciles) the PSI may differ by what a rank error under 1% moves between bins.
fn assert_same_drift(local: &Value, remote: &Value) {
    let fields = |v: &Value| -> std::collections::BTreeMap<String, Value> {
        v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["name"].as_str().unwrap().to_string(), f.clone()))
            .collect()
    };
    let strip = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("fields");
        v
    };
    assert_eq!(strip(local), strip(remote));
    let (lf, rf) = (fields(local), fields(remote));
    assert_eq!(lf.keys().collect::<Vec<_>>(), rf.keys().collect::<Vec<_>>());
    for (name, l) in &lf {
        let r = &rf[name];
        if l["binning"] != "deciles" {
            assert_eq!(l, r, "`{name}`");
            continue;
        }
        for key in ["status", "method", "n_baseline", "n_current", "type"] {
            assert_eq!(l[key], r[key], "`{name}` {key}");
        }
        assert_eq!(
            l["unit_change"]["status"], r["unit_change"]["status"],
            "`{name}`"
        );
        let (a, b) = (l["psi"].as_f64().unwrap(), r["psi"].as_f64().unwrap());
        assert!((a - b).abs() <= 0.01, "`{name}` PSI {a} vs {b}");
    }
}

/// A cluster's check report against the local one: every result identical, but for the
/// checks that compare distributions binned by the baseline's quantile sketch (`drift`,
/// `unit_change`), which must reach the same verdicts with a PSI within what the sketch's rank
/// error moves.
fn assert_same_check(local: &Value, remote: &Value) {
    let (lr, rr) = (
        local["results"].as_array().unwrap(),
        remote["results"].as_array().unwrap(),
    );
    assert_eq!(lr.len(), rr.len());
    for (l, r) in lr.iter().zip(rr) {
        if l["check"] != "drift" && l["check"] != "unit_change" {
            assert_eq!(l, r);
            continue;
        }
        for key in [
            "check", "table", "field", "contract", "severity", "status", "expected",
        ] {
            assert_eq!(l[key], r[key], "{} of `{}`: {key}", l["check"], l["field"]);
        }
        if let (Some(a), Some(b)) = (l["observed"]["psi"].as_f64(), r["observed"]["psi"].as_f64()) {
            assert!((a - b).abs() <= 0.01, "PSI of `{}`: {a} vs {b}", l["field"]);
        }
    }
    let strip = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("results");
        v
    };
    assert_eq!(strip(local), strip(remote));
}

/// The check of the README's nightly job, as JSON.
fn nightly(extra: &[&str], env: &[(&str, &str)], orders: &str, customers: &str) -> common::Run {
    let mut args = vec![
        "check",
        "--contract",
        "contracts/analytics-platform.yaml",
        "--table",
        orders,
        "--table",
        customers,
        "--partition",
        "date=2024-03-10",
        "--now",
        "2024-03-10T23:59:59Z",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    common::plimsoll_in(&common::root(), &args, env)
}

/// A check's JSON without what names where the tables were read from.
fn without_locations(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("source");
                m.remove("location");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

/// `profile` and `check` of a hive table on local disk and on S3 through `--cluster`: the same
/// results as the local run. The cluster's processes read S3 with the keys of their own
/// environment, and no log line of theirs (at debug level) holds the secret.
#[test]
fn profile_and_check_on_the_cluster_equal_the_local_run() {
    let s3_dir = tempfile::tempdir().unwrap();
    let _s3 = seaweed::start(s3_dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = seaweed::store();
    for t in ["orders", "orders_drift", "customers"] {
        seaweed::upload(&rt, &store, &common::root().join("testdata").join(t), t);
    }
    let cluster = Cluster::start(2, seaweed::GOOD);
    let remote = ["--cluster", cluster.url.as_str()];
    let orders = common::root().join("testdata/orders");

    let local = json(&common::plimsoll(&[
        "profile",
        "testdata/orders",
        "--format",
        "json",
    ]));
    assert_same_profile(&local, &cluster.profile("testdata/orders"), &orders);

    // One partition, and frozen PSI edges travelling with the plan (drift against a baseline).
    let args = [
        "profile",
        "testdata/orders",
        "--partition",
        "date=2024-03-10",
        "--format",
        "json",
    ];
    let local_day = json(&common::plimsoll(&args));
    let run = common::plimsoll(&[&args[..], &remote[..]].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json(&run)["row_count"], local_day["row_count"]);
    assert_same_profile(&local_day, &json(&run), &orders.join("date=2024-03-10"));
    let drift = [
        "drift",
        "testdata/orders_drift",
        "--partition",
        "date=2024-03-10",
        "--baseline",
        "7d",
        "--format",
        "json",
    ];
    let local_drift = common::plimsoll(&drift);
    let run = common::plimsoll(&[&drift[..], &remote[..]].concat());
    assert_eq!(
        run.code, local_drift.code,
        "{}\n{}",
        run.stderr, local_drift.stderr
    );
    assert_same_drift(&json(&local_drift), &json(&run));

    // The nightly check, local tables then S3 tables, all through the cluster.
    let (o, c) = (
        "order-events=testdata/orders_drift",
        "customers=testdata/customers",
    );
    let local_check = nightly(&[], &[], o, c);
    assert_eq!(
        local_check.code, 1,
        "the demo day fails: {}",
        local_check.stderr
    );
    let run = nightly(&remote, &[], o, c);
    assert_eq!(run.code, local_check.code, "{}", run.stderr);
    assert_same_check(&json(&local_check), &json(&run));

    let (o, c) = (
        "order-events=s3://lake/orders_drift",
        "customers=s3://lake/customers",
    );
    let run = nightly(&remote, seaweed::GOOD, o, c);
    assert_eq!(
        run.code,
        local_check.code,
        "{}\n{}",
        run.stderr,
        cluster.logs()
    );
    assert_same_check(
        &without_locations(json(&local_check)),
        &without_locations(json(&run)),
    );

    let profile_s3 = |url: &str| {
        common::plimsoll_in(
            &common::root(),
            &[
                "profile",
                "s3://lake/orders",
                "--format",
                "json",
                "--cluster",
                url,
            ],
            seaweed::GOOD,
        )
    };
    let run = profile_s3(&cluster.url);
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, cluster.logs());
    assert_same_profile(&local, &json(&run), &orders);

    // The executors did the scans, and their logs (at debug level) never show the secret.
    let logs = cluster.logs();
    assert!(logs.matches("Start to run task").count() >= 4, "{logs}");
    for p in &cluster.executors {
        assert!(
            p.log().contains("Start to run task"),
            "every executor ran tasks:\n{logs}"
        );
    }
    assert!(!logs.contains(seaweed::SECRET), "a log holds the secret");
    assert!(!logs.contains(seaweed::KEY), "a log holds the key id");
    drop(cluster);

    // A cluster whose processes hold other keys cannot read the bucket, though the client's
    // are right: the keys are each process's own, not the plan's.
    let wrong: &[(&str, &str)] = &[
        ("AWS_ACCESS_KEY_ID", "AKIAOTHER"),
        ("AWS_SECRET_ACCESS_KEY", "not-the-secret"),
        ("AWS_ENDPOINT_URL", seaweed::ENDPOINT),
        ("AWS_REGION", "us-east-1"),
    ];
    let other = Cluster::start(1, wrong);
    let run = profile_s3(&other.url);
    assert_eq!(run.code, 2, "{}\n{}", run.stderr, other.logs());
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("error: the cluster failed to scan `s3://lake/orders`")
            && run.stderr.contains("InvalidAccessKeyId")
            && run.stderr.contains(
                "hint: on a cluster the scheduler (which lists the files) and every executor read"
            ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(seaweed::SECRET) && !other.logs().contains(seaweed::SECRET));
}

/// Waits for a spawned run, at most `limit`: a run that outlives it is killed and reported as
/// a hang (the point is that a run never hangs, not how fast it is).
fn finish(mut child: Child, limit: Duration) -> common::Run {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the run hung for {limit:?}:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    common::Run {
        code: out.status.code().expect("exited"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// An executor killed (SIGKILL) while it runs tasks of a profile: Ballista notices it missed its
/// heartbeats and runs its tasks again on the other one; the profile equals the local run's.
#[test]
fn an_executor_killed_mid_scan_is_replaced_and_the_result_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("orders");
    let spec = plimsoll::generate::OrdersSpec {
        start: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        days: 24,
        rows_per_day: 40_000,
        seed: 17,
        channel_from_day: 0,
        anomalies: Vec::new(),
        row_group_rows: 20_000,
    };
    plimsoll::generate::write_orders(&table, &spec).unwrap();
    let path = table.to_str().unwrap();
    let local = json(&common::plimsoll(&["profile", path, "--format", "json"]));

    let mut cluster = Cluster::start(2, &[]);
    let client = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args([
            "profile",
            path,
            "--format",
            "json",
            "--cluster",
            &cluster.url,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    cluster.executors[1].wait_for("Start to run task", Duration::from_secs(120));
    cluster.executors[1].child.kill().unwrap();
    let _ = cluster.executors[1].child.wait();
    let run = finish(client, Duration::from_secs(300));
    let logs = cluster.logs();
    assert_eq!(run.code, 0, "{}\n{logs}", run.stderr);
    assert!(
        cluster.scheduler.log().contains("Removing executor"),
        "the scheduler dropped the killed executor:\n{logs}"
    );
    assert_same_profile(&local, &json(&run), &table);
}

/// A scheduler that is not there: exit 2 at once with the address and a hint, nothing on
/// stdout; the same for an executor told to join it; a malformed address is refused.
#[test]
fn an_unreachable_scheduler_exits_2_with_a_hint() {
    let url = format!("df://127.0.0.1:{}", free_port());
    let spawn = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_plimsoll"))
            .args(args)
            .current_dir(common::root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    for args in [
        vec!["profile", "testdata/orders", "--cluster", url.as_str()],
        vec![
            "check",
            "testdata/orders",
            "--contract",
            "contracts/analytics-platform.yaml",
            "--cluster",
            url.as_str(),
        ],
        vec![
            "executor",
            "--scheduler",
            url.as_str(),
            "--bind",
            "127.0.0.1:0",
        ],
    ] {
        let run = finish(spawn(&args), Duration::from_secs(60));
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("cannot reach the cluster at {url}")),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("hint: start a scheduler there"),
            "{}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }
    // A port already taken: the scheduler says so and exits 2 instead of running without it.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let run = finish(
        spawn(&["scheduler", "--bind", &addr]),
        Duration::from_secs(60),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("cannot listen on {addr} for the scheduler")),
        "{}",
        run.stderr
    );
    drop(taken);
    let run = common::plimsoll(&[
        "profile",
        "testdata/orders",
        "--cluster",
        "http://127.0.0.1:50050",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("invalid cluster address"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("df://HOST:PORT"), "{}", run.stderr);
}

/// An Iceberg table (a column added between its two snapshots) on the cluster: the snapshot's
/// data files are handed over as Parquet, and both snapshots profile as they do locally.
#[test]
fn an_iceberg_snapshot_profiles_the_same_on_the_cluster() {
    use common::iceberg::{catalog, create_orders, local_props};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let first = rt.block_on(async {
        let catalog = catalog(
            &local_props(&dir),
            std::sync::Arc::new(iceberg::io::LocalFsStorageFactory),
        )
        .await;
        let (table, _, _) = create_orders(&catalog).await;
        let mut snapshots: Vec<(i64, i64)> = table
            .metadata()
            .snapshots()
            .map(|s| (s.sequence_number(), s.snapshot_id()))
            .collect();
        snapshots.sort();
        snapshots[0].1
    });
    let table = dir.join("warehouse/shop/orders");
    let path = table.to_str().unwrap();
    let cluster = Cluster::start(2, &[]);
    for extra in [vec![], vec!["--snapshot".to_string(), first.to_string()]] {
        let mut args: Vec<&str> = vec!["profile", path, "--format", "json"];
        args.extend(extra.iter().map(String::as_str));
        let local = json(&common::plimsoll(&args));
        args.extend(["--cluster", cluster.url.as_str()]);
        let run = common::plimsoll(&args);
        assert_eq!(run.code, 0, "{}\n{}", run.stderr, cluster.logs());
        assert_same_profile(&local, &json(&run), &table);
    }

    // A table whose column was renamed is refused: read by name, its older files would give
    // nulls where the local scan (by field id) gives the values.
    let (renamed, _) = common::iceberg::place_pyiceberg_fixture();
    let run = common::plimsoll(&[
        "profile",
        renamed.to_str().unwrap(),
        "--cluster",
        &cluster.url,
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot profile") && run.stderr.contains("was renamed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("hint: run this table without `--cluster`"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

/// A wide table whose profile states outgrow Ballista's default 16 MiB messages (60 columns of
/// 50,000 distinct integers: each column's exact distinct set travels in one cell): the same
/// profile as locally.
#[test]
fn a_wide_table_profiles_the_same_on_the_cluster() {
    use arrow::array::{ArrayRef, Int64Array, RecordBatch};
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("wide");
    let rows = 50_000i64;
    let columns: Vec<(String, ArrayRef)> = (0..60i64)
        .map(|c| {
            let values: Int64Array = (0..rows).map(|i| (i * 7919 + c) % 1_000_003).collect();
            (format!("c{c:02}"), std::sync::Arc::new(values) as ArrayRef)
        })
        .collect();
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    common::parquet(&table, "part-0.parquet", &[batch]);
    let path = table.to_str().unwrap();
    let local = json(&common::plimsoll(&["profile", path, "--format", "json"]));
    let cluster = Cluster::start(2, &[]);
    assert_same_profile(&local, &cluster.profile(path), &table);
}
