//! Contract parsing: values kept as written, every problem in one pass and in file order, and
//! messages that quote what the user wrote. Positions and values are written by hand.

mod common;

use common::plimsoll;
use plimsoll::contract::load_file;
use plimsoll::error::ContractProblem;
use std::path::Path;

fn only_problem(path: &Path) -> ContractProblem {
    let mut ps = load_file(path).expect_err("the file is refused");
    assert_eq!(ps.len(), 1, "{ps:#?}");
    ps.remove(0)
}

#[test]
fn devices_are_refused_without_reading() {
    let p = only_problem(Path::new("/dev/zero"));
    assert_eq!((p.line, p.column), (1, 1));
    assert_eq!(
        p.message,
        "not a regular file (a device, FIFO or socket): contracts are read from regular files only"
    );
    let r = plimsoll(&["lint", "/dev/zero"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("/dev/zero:1:1: not a regular file"),
        "{}",
        r.stdout
    );
}

#[test]
fn fifos_are_refused_without_opening() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("c.yaml");
    // Opening a FIFO waits for a writer; the loader must not open it at all.
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available; skipped");
        return;
    }
    let p = only_problem(&fifo);
    assert!(p.message.starts_with("not a regular file"), "{p:?}");
}

#[test]
fn oversized_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("huge.yaml");
    let mut text = b"consumer: c\n".to_vec();
    text.resize(16_000_001, b'#');
    std::fs::write(&f, &text).unwrap();
    let p = only_problem(&f);
    assert_eq!((p.line, p.column), (1, 1));
    assert_eq!(
        p.message,
        "the file is 16000001 bytes; contracts larger than 16.0 MB are refused"
    );
}
