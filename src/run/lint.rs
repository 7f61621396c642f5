//! `lint`: every problem of contracts and run configs, each with its file, line and column.

use crate::contract;
use crate::error::{ContractProblem, Error, Result};
use std::path::{Path, PathBuf};

/// What `lint` found.
#[derive(Debug, Clone, Default)]
pub struct LintReport {
    /// Every problem, file by file, in file order.
    pub problems: Vec<ContractProblem>,
    /// What valid contracts ask for that is not checked (ODCS rules Plimsoll does not run),
    /// file by file, in file order. Warnings do not make a file invalid.
    pub warnings: Vec<ContractProblem>,
    pub contracts: usize,
    pub configs: usize,
    /// Files with at least one problem.
    pub files_with_problems: usize,
}

/// A run config rather than a contract: `plimsoll.yaml` (or `.yml`), or `*.plimsoll.yaml`.
pub fn is_config(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        let n = n.to_ascii_lowercase();
        n == "plimsoll.yaml" || n == "plimsoll.yml" || n.ends_with(".plimsoll.yaml")
    })
}

/// Lints contract files and directories, and run configs (checked as strictly, with the
/// contracts they name linted too).
pub fn lint(paths: &[PathBuf]) -> Result<LintReport> {
    let mut files = contract::contract_files(paths)?;
    let mut r = LintReport::default();
    let add = |ps: Vec<ContractProblem>, r: &mut LintReport| {
        r.files_with_problems += 1;
        r.problems.extend(ps);
    };
    for c in files.clone().iter().filter(|f| is_config(f)) {
        r.configs += 1;
        match super::config::load(c) {
            Ok(config) => files.extend(contract::contract_files(&config.contracts)?),
            Err(Error::Contract { problems }) => add(problems, &mut r),
            Err(e) => return Err(e),
        }
    }
    files.retain(|f| !is_config(f));
    files.sort();
    files.dedup();
    r.contracts = files.len();
    for f in &files {
        // Every problem of the file, in file order: structure, values and checks across fields.
        match contract::load_file(f) {
            Ok(c) => r.warnings.extend(c.warnings),
            Err(ps) => add(ps, &mut r),
        }
    }
    Ok(r)
}
