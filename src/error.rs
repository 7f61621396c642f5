//! The error type of every run that could not be completed (exit code 2).
//!
//! Each variant says *where* (file, column, contract line) and carries a hint for the user.
//! Rendering lives in [`Error::render`]: `error: ...`, `  Caused by: ...`, a blank line, `hint: ...`.

use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One problem found in a contract file, with its position (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContractProblem {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ContractProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid argument: {message}")]
    Usage { message: String, hint: String },

    #[error("source `{path}` does not exist")]
    SourceNotFound { path: String },

    #[error("`{path}` was listed but is gone: the table changed while it was being read")]
    Vanished { path: String },

    #[error(
        "`{location}` changed while it was being read: its footers listed {footers} rows, the scan read {scanned}"
    )]
    TableChanged {
        location: String,
        footers: u64,
        scanned: u64,
    },

    #[error("no Parquet files found under `{path}`")]
    NoParquetFiles { path: String },

    #[error("`{path}` is not a readable Parquet file: {reason}")]
    CorruptParquet { path: String, reason: String },

    #[error("the Parquet files under `{path}` have incompatible schemas: {conflict}")]
    SchemaMismatch {
        path: String,
        conflict: Box<crate::source::unify::Conflict>,
    },

    #[error("inconsistent partition layout under `{path}`: {reason}")]
    PartitionLayout { path: String, reason: String },

    #[error("no partition matches `{selector}` in `{path}`")]
    NoSuchPartition {
        path: String,
        selector: String,
        available: String,
    },

    #[error("column `{column}` does not exist in `{source_name}`")]
    NoSuchColumn {
        column: String,
        source_name: String,
        available: String,
    },

    #[error("cannot read `{path}`")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{} problem(s) in contract(s)", problems.len())]
    Contract { problems: Vec<ContractProblem> },

    #[error("no contract files (`*.yaml`, `*.yml`) found in `{path}`")]
    NoContracts { path: String },

    #[error("no source for table `{table}` (consumer `{consumer}`)")]
    UnboundTable { table: String, consumer: String },

    #[error("query failed while scanning `{source_name}`")]
    Query {
        source_name: String,
        #[source]
        source: datafusion::error::DataFusionError,
    },

    #[error("{message}")]
    Storage {
        location: String,
        message: String,
        hint: String,
    },

    /// A Ballista cluster that cannot be reached or failed a job.
    #[error("{message}")]
    Cluster { message: String, hint: String },

    #[error(transparent)]
    History(#[from] crate::history::store::HistoryError),

    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// A hint telling the user what to do about the error.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Error::Usage { hint, .. } => hint.clone(),
            Error::SourceNotFound { .. } => {
                "check the path; SOURCE is a Parquet file or a directory of Parquet files".into()
            }
            Error::Vanished { .. } | Error::TableChanged { .. } => {
                "a compaction, overwrite or retention job removed or rewrote files after Plimsoll listed them; run again, or select partitions that are no longer being rewritten".into()
            }
            Error::NoParquetFiles { .. } => {
                "Plimsoll reads files ending in `.parquet`; check the path or the file names".into()
            }
            Error::CorruptParquet { .. } => {
                "the file may be truncated or still being written; rewrite it or remove it from the table".into()
            }
            Error::SchemaMismatch { conflict: c, .. } => format!(
                "files may add columns and widen a column's type (int32 to int64, float32 to float64, a decimal's precision, a string's encoding), but not change what kind of values it holds; rewrite the files whose `{}` is {} or those where it is {} so that all agree, or select partitions written with one type (`--partition KEY=VALUE`)",
                c.column, c.first_type, c.second_type
            ),
            Error::PartitionLayout { .. } => {
                "every file must sit under the same `key=value/` directories".into()
            }
            Error::NoSuchPartition { available, .. } => {
                format!("available partitions: {available}")
            }
            Error::NoSuchColumn { available, .. } => format!("available columns: {available}"),
            Error::Io { .. } => "check that the path exists and is readable".into(),
            Error::Contract { .. } => {
                "run `plimsoll lint CONTRACT...` to list every problem; the contract format is described in the README".into()
            }
            Error::NoContracts { .. } => {
                "pass a contract file or a directory holding `*.yaml` contracts".into()
            }
            Error::UnboundTable { table, .. } => format!(
                "pass SOURCE, `--table {table}=SOURCE`, or give the table entry a `source:`"
            ),
            Error::Query { source, .. }
                if matches!(source.find_root(), datafusion::error::DataFusionError::ResourcesExhausted(_)) =>
            {
                "the scan needs more memory than `--memory-limit` allows: raise it, or profile fewer columns or partitions at a time".into()
            }
            Error::Query { .. } => "the data may be corrupt or unreadable; see the cause above".into(),
            Error::Storage { hint, .. } | Error::Cluster { hint, .. } => hint.clone(),
            Error::History(crate::history::store::HistoryError::Missing { .. }) => {
                "check the path; a history is created by the first `check` or `profile` run that writes to it".into()
            }
            Error::History(_) => {
                "check that the `--history` location is writable and holds only Plimsoll's files".into()
            }
            Error::Internal(_) => "this is a bug in Plimsoll; please report it".into(),
        })
    }

    /// Renders the error for stderr: `error:`, causes, a blank line, `hint:`.
    pub fn render(&self) -> String {
        use std::error::Error as _;
        let mut out = format!("error: {self}\n");
        if let Error::Contract { problems } = self {
            for p in problems {
                out.push_str(&format!("  {p}\n"));
            }
        }
        let mut cause = self.source();
        while let Some(c) = cause {
            let text = c.to_string();
            for line in text.lines() {
                out.push_str(&format!("  Caused by: {line}\n"));
            }
            cause = c.source();
        }
        if let Some(h) = self.hint() {
            out.push_str(&format!("\nhint: {h}\n"));
        }
        out
    }

    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: hint.into(),
        }
    }
}
