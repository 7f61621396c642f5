//! Shared helpers for the integration tests: temporary Parquet tables and running the binary.
#![allow(dead_code)]

pub mod iceberg;

use arrow::array::RecordBatch;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Writes `batches` as one Parquet file at `dir/name` (parents created) and returns its path.
pub fn parquet(dir: &Path, name: &str, batches: &[RecordBatch]) -> PathBuf {
    let path = dir.join(name);
    plimsoll::generate::write_parquet(&path, batches, 1_000).expect("write test parquet");
    path
}

/// The repository root (where `testdata/` and `contracts/` live).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `plimsoll` binary with `args` in the repository root.
pub fn plimsoll(args: &[&str]) -> Run {
    plimsoll_in(&root(), args, &[])
}

/// Runs the `plimsoll` binary with `args` in `cwd`, with `env` added to the environment (and
/// no AWS profile, which would change how S3 credentials are found).
pub fn plimsoll_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(args)
        .current_dir(cwd)
        .env_remove("AWS_PROFILE")
        .envs(env.iter().copied())
        .output()
        .expect("run plimsoll");
    Run {
        code: out.status.code().expect("exited, not killed by a signal"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// The nightly job of the README on the shipped testdata: `check` of day `2024-03-DAY` of
/// `testdata/orders_drift` (with `testdata/customers`) against `contracts/analytics-platform.yaml`,
/// at the day's last second, with `extra` arguments (`--history`, `--format`, `--output`...).
pub fn nightly_check(day: &str, extra: &[&str]) -> Run {
    let partition = format!("date=2024-03-{day}");
    let now = format!("2024-03-{day}T23:59:59Z");
    let mut args = vec![
        "check",
        "--contract",
        "contracts/analytics-platform.yaml",
        "--table",
        "order-events=testdata/orders_drift",
        "--table",
        "customers=testdata/customers",
        "--partition",
        &partition,
        "--now",
        &now,
    ];
    args.extend_from_slice(extra);
    plimsoll(&args)
}

/// Runs the binary and parses stdout as JSON.
pub fn plimsoll_json(args: &[&str]) -> (i32, serde_json::Value, String) {
    let r = plimsoll(args);
    let v = serde_json::from_str(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            r.stdout, r.stderr
        )
    });
    (r.code, v, r.stderr)
}

/// Profiles a location through the library (every column).
pub fn profile(path: &Path) -> plimsoll::profile::TableProfile {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(plimsoll::profile::profile_location(
        &plimsoll::Context::default(),
        path.to_str().unwrap(),
        &[],
        None,
    ))
    .expect("profile")
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// Every file under `dir`, at any depth, in no particular order.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
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
    let mut out = Vec::new();
    walk(dir, &mut out);
    out
}

/// The Parquet files of a directory (one partition), in name order.
pub fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no Parquet file in {}", dir.display());
    files
}
