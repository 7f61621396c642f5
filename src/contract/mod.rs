//! Consumer contracts: the model, strict YAML parsing with file:line:col, and loading of files
//! and directories.

pub mod model;
pub mod parse;
pub mod units;

pub use model::*;

use crate::error::{ContractProblem, Error, Result};
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

/// Parses one contract file.
pub fn load_file(path: &Path) -> std::result::Result<Contract, Vec<ContractProblem>> {
    let text = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                return Err(vec![ContractProblem {
                    path: path.to_path_buf(),
                    line: 1,
                    column: 1,
                    message: "the file is not UTF-8 text".into(),
                }]);
            }
        },
        Err(e) => {
            return Err(vec![ContractProblem {
                path: path.to_path_buf(),
                line: 1,
                column: 1,
                message: format!("cannot read the file: {e}"),
            }]);
        }
    };
    parse::parse_contract(path, &text)
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
