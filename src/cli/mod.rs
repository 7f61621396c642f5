//! The command line: clap definitions (the flags are data), validation, and the commands.
//! Commands return an [`Outcome`]: the report for stdout and the exit code. Nothing here prints.

pub mod check;
pub mod drift;
pub mod status;

use crate::contract;
use crate::error::{Error, Result};
use crate::profile;
use crate::report;
use crate::source::{PartitionSelector, Source};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXIT_CODES: &str = "Exit codes:\n  0  every check passed (warnings allowed)\n  1  at least one check failed\n  2  the run could not be completed (bad arguments, unreadable source, invalid contract)";

/// Plimsoll: one-scan data-quality and drift profiling of Parquet tables, checked against
/// consumer-driven data contracts.
#[derive(Debug, Parser)]
#[command(name = "plimsoll", version, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Cap the memory of scans (e.g. `512MB`, `2GiB`); exceeding it is an error, not an OOM kill
    #[arg(long, global = true, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// Endpoint of an S3-compatible store (overrides `AWS_ENDPOINT_URL`); plain HTTP only for
    /// loopback addresses unless `AWS_ALLOW_HTTP=true`
    #[arg(long, global = true, value_name = "URL")]
    pub s3_endpoint: Option<String>,
    /// Iceberg tables: read this snapshot instead of the current one
    #[arg(long, global = true, value_name = "ID", conflicts_with = "as_of")]
    pub snapshot: Option<i64>,
    /// Iceberg tables: read the snapshot that was current at this time (RFC 3339, or a date
    /// meaning its midnight UTC)
    #[arg(long, global = true, value_name = "TIME")]
    pub as_of: Option<String>,
    /// Iceberg catalog to resolve `NAMESPACE.TABLE` sources in: a SQL catalog over SQLite,
    /// `sqlite:PATH` (as pyiceberg and iceberg-rust write it), or a REST catalog `https://...`
    /// (credentials from `PLIMSOLL_CATALOG_CREDENTIAL` or `PLIMSOLL_CATALOG_TOKEN`)
    #[arg(long, global = true, value_name = "URI")]
    pub catalog: Option<String>,
    /// The catalog's name (the SQL catalog's rows are keyed by it)
    #[arg(long, global = true, value_name = "NAME", default_value = "default")]
    pub catalog_name: String,
    /// The warehouse a REST catalog should serve
    #[arg(long, global = true, value_name = "WAREHOUSE")]
    pub catalog_warehouse: Option<String>,
}

/// `--as-of`: RFC 3339, or a date (its midnight UTC).
fn parse_as_of(t: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| d.with_timezone(&chrono::Utc))
        .map_err(|e| {
            Error::usage(
                format!("invalid `--as-of` value `{t}`: {e}"),
                "give an RFC 3339 time such as `2024-01-15T06:00:00Z`, or a date `2024-01-15`",
            )
        })
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Profile every field of a table in one scan
    #[command(after_help = EXIT_CODES)]
    Profile(ProfileArgs),
    /// Check a table against consumer contracts
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Show which fields moved against a baseline, by PSI, worst first
    #[command(after_help = DRIFT_EXIT_CODES)]
    Drift(DriftArgs),
    /// Monitor the monitor: each table's last successful run, and the overdue ones
    #[command(after_help = STATUS_EXIT_CODES)]
    Status(StatusArgs),
    /// Validate contracts and report every problem with file, line and column
    #[command(after_help = EXIT_CODES)]
    Lint(LintArgs),
}

const DRIFT_EXIT_CODES: &str = "Exit codes:\n  0  no field drifted beyond PSI 0.2 (warnings allowed)\n  1  at least one field's PSI is above 0.2\n  2  the run could not be completed";
const STATUS_EXIT_CODES: &str = "Exit codes:\n  0  every table ran successfully within the expected interval\n  1  at least one table is overdue\n  2  the run could not be completed";

#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    /// A Parquet file or a directory of Parquet files
    pub source: String,
    #[command(flatten)]
    pub baseline: BaselineArgs,
    /// Select the current slice: `KEY=VALUE` or `KEY=latest` (repeatable)
    #[arg(long = "partition", value_name = "KEY=VALUE")]
    pub partitions: Vec<PartitionSelector>,
    /// Only these columns (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub columns: Option<Vec<String>>,
    /// The table's name in the history (default: the last component of SOURCE)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    #[arg(long, value_enum, default_value_t = ProfileFormat::Table)]
    pub format: ProfileFormat,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The profile history store
    #[arg(long, value_name = "DIR")]
    pub history: String,
    /// How often each table is expected to run successfully
    #[arg(long, value_name = "DURATION", default_value = "24h")]
    pub expect_every: String,
    /// The time to measure against (RFC 3339); default: now
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t = ProfileFormat::Table)]
    pub format: ProfileFormat,
}

#[derive(Debug, clap::Args)]
pub struct ProfileArgs {
    /// A Parquet file or a directory of Parquet files (hive `key=value/` partitions recognised)
    pub source: String,
    /// Select partitions: `KEY=VALUE` or `KEY=latest` (repeatable)
    #[arg(long = "partition", value_name = "KEY=VALUE")]
    pub partitions: Vec<PartitionSelector>,
    /// Profile only these columns (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub columns: Option<Vec<String>>,
    #[arg(long, value_enum, default_value_t = ProfileFormat::Table)]
    pub format: ProfileFormat,
    /// Store the profile of each selected partition (or of this run) in this history store
    #[arg(long, value_name = "DIR")]
    pub history: Option<String>,
    /// The table's name in the history (default: the last component of SOURCE)
    #[arg(long, value_name = "NAME", requires = "history")]
    pub name: Option<String>,
    /// Answer only what the Parquet footers answer exactly (row count, null count, min, max),
    /// without reading any data page
    #[arg(long, conflicts_with = "history")]
    pub metadata_only: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProfileFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The table to check; contracts' table entries without `--table` use it (or their `source:`)
    pub source: Option<String>,
    /// Contract files or directories of `*.yaml` contracts (repeatable)
    #[arg(long = "contract", value_name = "FILE_OR_DIR", required = true, num_args = 1..)]
    pub contracts: Vec<PathBuf>,
    /// Select partitions: `KEY=VALUE` or `KEY=latest` (repeatable)
    #[arg(long = "partition", value_name = "KEY=VALUE")]
    pub partitions: Vec<PartitionSelector>,
    /// Locate a table named in the contracts: `NAME=SOURCE` (repeatable)
    #[arg(long = "table", value_name = "NAME=SOURCE")]
    pub tables: Vec<String>,
    /// The time freshness is measured against (RFC 3339); default: now
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,
    #[command(flatten)]
    pub baseline: BaselineArgs,
}

/// How the baseline is chosen and where profiles are kept.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct BaselineArgs {
    /// The baseline: a SOURCE, `KEY=VALUE` (another partition), or `Nd` (the N partitions before);
    /// default: the 7 partitions before the selected date partition, or the history's last runs
    #[arg(long, value_name = "SOURCE|KEY=VALUE|Nd")]
    pub baseline: Option<String>,
    /// The profile history store (a directory); baselines are read from it and runs stored in it
    #[arg(long, value_name = "DIR")]
    pub history: Option<String>,
    /// Compare with the same weekday of previous weeks (tables with weekly seasonality)
    #[arg(long)]
    pub same_weekday: bool,
    /// Keep slices whose checks failed in the baseline (left out by default)
    #[arg(long)]
    pub include_failed: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CheckFormat {
    Table,
    Json,
    Junit,
}

impl BaselineArgs {
    /// The parsed `--baseline` and the opened `--history`.
    pub fn open(
        &self,
    ) -> Result<(
        Option<crate::baseline::BaselineSpec>,
        Option<crate::history::History>,
    )> {
        let spec = self
            .baseline
            .as_deref()
            .map(crate::baseline::BaselineSpec::parse)
            .transpose()?;
        let history = self
            .history
            .as_deref()
            .map(crate::history::History::open)
            .transpose()?;
        Ok((spec, history))
    }
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Contract files or directories
    #[arg(required = true)]
    pub contracts: Vec<PathBuf>,
}

/// What a command produced: the report for stdout and the exit code (0 or 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    pub code: u8,
}

pub async fn run(cli: Cli) -> Result<Outcome> {
    if let Some(limit) = &cli.memory_limit {
        let bytes = contract::units::parse_size(limit)
            .map_err(|e| Error::usage(e, "write a size such as `512MB` or `2GiB`"))?;
        profile::set_memory_limit(bytes as usize);
    }
    if let Some(url) = &cli.s3_endpoint {
        crate::source::s3::set_endpoint(url)?;
    }
    use crate::source::iceberg::{self, SnapshotSelect};
    if let Some(id) = cli.snapshot {
        iceberg::set_default_snapshot(SnapshotSelect::Id(id));
    }
    if let Some(t) = &cli.as_of {
        iceberg::set_default_snapshot(SnapshotSelect::AsOf(parse_as_of(t)?.timestamp_millis()));
    }
    if let Some(uri) = &cli.catalog {
        iceberg::set_catalog(uri, &cli.catalog_name, cli.catalog_warehouse.as_deref());
    }
    match cli.command {
        Command::Profile(a) => run_profile(a).await,
        Command::Check(a) => check::run(a).await,
        Command::Drift(a) => drift::run(a).await,
        Command::Status(a) => status::run(a).await,
        Command::Lint(a) => run_lint(a),
    }
}

async fn run_profile(a: ProfileArgs) -> Result<Outcome> {
    let source = Source::open(&a.source, &a.partitions).await?;
    source.print_warnings();
    if a.metadata_only {
        if let Some(t) = source.iceberg().filter(|_| !source.counts_exact()) {
            return Err(Error::usage(
                format!(
                    "`{}` cannot be answered from metadata: snapshot {} has {} delete file(s), so the manifests' counts include deleted rows",
                    a.source,
                    t.snapshot_id().unwrap_or_default(),
                    t.delete_files.len()
                ),
                "run without `--metadata-only`: the scan applies the deletes",
            ));
        }
        let columns = profile::resolve_columns(&source, a.columns.as_deref())?;
        let facts = profile::metadata::facts(&source, &columns)?;
        let p = profile::footer_profile(&source);
        let stdout = match a.format {
            ProfileFormat::Table => report::table::metadata(&p, &facts, source.metadata_origin()),
            ProfileFormat::Json => json_text(&report::json::metadata(
                &p,
                &facts,
                source.metadata_origin(),
            )),
        };
        return Ok(Outcome { stdout, code: 0 });
    }
    let p = match &a.history {
        None => {
            let columns = profile::resolve_columns(&source, a.columns.as_deref())?;
            profile::profile(&source, &columns).await?
        }
        Some(dir) => {
            // Backfill: every column of each selected partition, stored unless already there.
            if a.columns.is_some() {
                return Err(Error::usage(
                    "`--columns` and `--history` do not go together",
                    "stored profiles cover every column, so later baselines have what any contract needs",
                ));
            }
            let history = crate::history::History::open(dir)?;
            let table = a
                .name
                .clone()
                .unwrap_or_else(|| drift::default_table_name(&a.source));
            let columns = profile::resolve_columns(&source, None)?;
            let options = profile::Options {
                by_partition: true,
                ..profile::Options::default()
            };
            let profiled = crate::history::incremental::profile_or_scan(
                &source, &history, &table, &columns, &options,
            )
            .await?;
            if profiled.partitions.is_empty() {
                let id = crate::history::new_run_id(chrono::Utc::now());
                history.put(&table, &id, &profiled.whole, None).await?;
            }
            for (name, part) in &profiled.partitions {
                history.put(&table, name, part, None).await?;
            }
            profiled.whole
        }
    };
    let stdout = match a.format {
        ProfileFormat::Table => report::table::profile(&p, source.metadata_origin()),
        ProfileFormat::Json => json_text(&report::json::profile(&p)),
    };
    Ok(Outcome { stdout, code: 0 })
}

pub(crate) fn json_text(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("JSON values serialise");
    s.push('\n');
    s
}

fn run_lint(a: LintArgs) -> Result<Outcome> {
    let files = contract::contract_files(&a.contracts)?;
    let mut out = String::new();
    let mut problems = 0;
    for f in &files {
        if let Err(ps) = contract::load_file(f) {
            problems += ps.len();
            for p in ps {
                out.push_str(&format!("{p}\n"));
            }
        }
    }
    if problems == 0 {
        out.push_str(&format!("{} contract(s) OK\n", files.len()));
        Ok(Outcome {
            stdout: out,
            code: 0,
        })
    } else {
        out.push_str(&format!(
            "\n{problems} problem(s) in {} contract file(s)\n",
            files.len()
        ));
        Ok(Outcome {
            stdout: out,
            code: 1,
        })
    }
}
