//! `--contract` paths that name a table instead (`s3://...`, a `.parquet` file, a directory of
//! Parquet files or an Iceberg table): refused before any contract is read, with the argument
//! order that was meant, rather than as an unreadable or empty contract.

use crate::error::{Error, Result};
use crate::source::redact;
use std::path::{Path, PathBuf};

/// The hint of commands that also take tables (`check`, `compat`): where the table goes.
pub fn table_order_hint(usage: &str) -> String {
    format!(
        "`--contract` takes one contract file or directory of `*.yaml`: put the table before \
         `--contract` or after the contract path: `{usage}`"
    )
}

/// Refuses the first of `paths` (given to `--contract`) that looks like a table, with `hint`.
pub fn refuse_tables(paths: &[PathBuf], hint: &str) -> Result<()> {
    for p in paths {
        if let Some(what) = table_like(p) {
            return Err(Error::usage(
                format!(
                    "`{}` given to `--contract` looks like a table ({what}), not a contract",
                    redact(&p.to_string_lossy())
                ),
                hint,
            ));
        }
    }
    Ok(())
}

/// What the path looks like, when it looks like a table rather than a contract.
pub fn table_like(p: &Path) -> Option<&'static str> {
    let s = p.to_string_lossy();
    if s.contains("://") {
        return Some("a URL; contracts are local files");
    }
    let Ok(meta) = std::fs::metadata(p) else {
        if s.contains("@snapshot:") || s.contains("@as-of:") {
            return Some("an Iceberg snapshot");
        }
        return None;
    };
    if meta.is_file() {
        let name = s.to_ascii_lowercase();
        if name.ends_with(".parquet") || starts_with_parquet_magic(p) {
            return Some("a Parquet file");
        }
        if name.ends_with(".metadata.json") {
            return Some("an Iceberg metadata file");
        }
        return None;
    }
    if !meta.is_dir() {
        return None;
    }
    let entries: Vec<PathBuf> = std::fs::read_dir(p)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    let ext = |f: &Path, x: &[&str]| {
        f.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| x.iter().any(|x| e.eq_ignore_ascii_case(x)))
    };
    if entries
        .iter()
        .any(|f| f.is_file() && ext(f, &["yaml", "yml"]))
    {
        return None;
    }
    if entries.iter().any(|f| f.is_file() && ext(f, &["parquet"])) {
        return Some("a directory of Parquet files");
    }
    let dir_named = |f: &Path, pred: &dyn Fn(&str) -> bool| {
        f.is_dir() && f.file_name().and_then(|n| n.to_str()).is_some_and(pred)
    };
    if entries
        .iter()
        .any(|f| dir_named(f, &|n| n.contains('=') && !n.starts_with('=')))
    {
        return Some("a directory of hive `key=value/` partitions");
    }
    if entries.iter().any(|f| dir_named(f, &|n| n == "metadata")) {
        return Some("an Iceberg table's directory");
    }
    None
}

/// A regular file starting with Parquet's `PAR1`.
fn starts_with_parquet_magic(p: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(p)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == b"PAR1"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(p: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
    }

    #[test]
    fn tables_are_told_apart_from_contracts() {
        assert!(table_like(Path::new("s3://bucket/t")).is_some());
        assert!(table_like(&root("testdata/customers/customers.parquet")).is_some());
        assert!(table_like(&root("testdata/orders")).is_some());
        assert!(table_like(&root("testdata/orders/date=2024-03-01")).is_some());
        assert!(table_like(&root("testdata/iceberg/pyiceberg/orders")).is_some());
        assert_eq!(table_like(&root("contracts")), None);
        assert_eq!(table_like(&root("contracts/failing/")), None);
        assert_eq!(table_like(&root("contracts/analytics-platform.yaml")), None);
        assert_eq!(table_like(Path::new("missing.yaml")), None);
    }
}
