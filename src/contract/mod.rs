//! Consumer contracts: the model, strict YAML parsing with file:line:col, and loading of files
//! and directories. Files are Plimsoll's own format or Open Data Contract Standard v3
//! ([`odcs`]), told apart by their content.

pub mod dependents;
pub mod model;
pub mod odcs;
pub mod parse;
pub mod units;

pub use model::*;

use crate::error::{ContractProblem, Error, Result};

/// The JSON Schema (draft 2020-12) of Plimsoll's contract format: every key the parser accepts
/// ([`parse::keys`]), with its type and meaning, for editors (`plimsoll schema contract`).
pub const CONTRACT_SCHEMA: &str = include_str!("contract.schema.json");
use std::path::{Path, PathBuf};

/// The contract files named by the arguments: files as given, directories expanded to their
/// `*.yaml` / `*.yml` files (sorted, not recursive).
pub fn contract_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::Io {
            path: p.display().to_string(),
            source: e,
        })?;
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| Error::Io {
                    path: p.display().to_string(),
                    source: e,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            if found.is_empty() {
                return Err(Error::NoContracts {
                    path: p.display().to_string(),
                });
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// The largest contract file read, in bytes. Real contracts are a few kilobytes; a contract
/// listing tens of thousands of fields stays well below this.
pub const MAX_CONTRACT_BYTES: u64 = 16_000_000;

/// Parses one contract file. Only regular files of at most [`MAX_CONTRACT_BYTES`] are read, so
/// a device (`/dev/zero`), a FIFO or a runaway file is a problem, never a hang.
pub fn load_file(path: &Path) -> std::result::Result<Contract, Vec<ContractProblem>> {
    let problem = |message: String| {
        vec![ContractProblem {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message,
        }]
    };
    let bytes = read_capped(path).map_err(problem)?;
    parse::parse_contract_bytes(path, &bytes)
}

/// The file's bytes, refusing anything but a regular file of at most [`MAX_CONTRACT_BYTES`].
fn read_capped(path: &Path) -> std::result::Result<Vec<u8>, String> {
    use std::io::Read;
    // Checked before opening: opening a FIFO would wait for a writer.
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read the file: {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "not a regular file ({}): contracts are read from regular files only",
            if meta.is_dir() {
                "a directory"
            } else {
                "a device, FIFO or socket"
            }
        ));
    }
    if meta.len() > MAX_CONTRACT_BYTES {
        return Err(format!(
            "the file is {} bytes; contracts larger than {} are refused",
            meta.len(),
            units::format_size(MAX_CONTRACT_BYTES)
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let mut bytes = Vec::new();
    // The file may have grown since the metadata was read: never read past the cap.
    file.take(MAX_CONTRACT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() as u64 > MAX_CONTRACT_BYTES {
        return Err(format!(
            "the file grew past {} while it was read; contracts larger than that are refused",
            units::format_size(MAX_CONTRACT_BYTES)
        ));
    }
    Ok(bytes)
}

/// Loads every contract named by the arguments; any problem in any file fails the whole load
/// with every problem listed.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Contract>> {
    let mut contracts = Vec::new();
    let mut problems = Vec::new();
    for f in contract_files(paths)? {
        match load_file(&f) {
            Ok(c) => contracts.push(c),
            Err(p) => problems.extend(p),
        }
    }
    if problems.is_empty() {
        Ok(contracts)
    } else {
        Err(Error::Contract { problems })
    }
}
