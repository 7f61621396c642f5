//! The command line: clap definitions (the flags are data), validation of the flags into the
//! engine's typed plans and context, and the renderer each command picks. The work is done by
//! [`crate::run`]; nothing here scans, and nothing prints: commands return an [`Outcome`].

pub mod check;
#[cfg(feature = "cluster")]
pub mod cluster;
pub mod compat;
pub mod contract_paths;
pub mod help;
pub mod history;
mod outputs;
pub mod shell;
pub mod suggest;
pub mod term;

use crate::context::{CatalogConfig, Context, S3Config};
use crate::contract::units;
use crate::error::{Error, Result};
use crate::report;
use crate::run::drift::DriftPlan;
use crate::run::profile::{ProfilePlan, default_table_name};
use crate::source::iceberg::SnapshotSelect;
use crate::source::{PartitionSelector, SourceRef};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const CHECK_EXIT_CODES: &str = "Exit codes:\n  0  every check passed (warnings allowed)\n  1  at least one check failed\n  2  the run could not be completed (bad arguments, unreadable source, invalid contract)";
const PROFILE_EXIT_CODES: &str = "Exit codes:\n  0  the table was profiled\n  2  the run could not be completed (bad arguments, unreadable source)";
const DRIFT_EXIT_CODES: &str = "Exit codes:\n  0  no field drifted beyond `--max-psi` (default 0.2) nor looks like a unit change (warnings allowed)\n  1  at least one field's PSI is above `--max-psi`, or a numeric field looks rescaled by a power of ten\n  2  the run could not be completed";
const STATUS_EXIT_CODES: &str = "Exit codes:\n  0  every table's last run succeeded within the expected interval\n  1  a table is failing, errored or overdue\n  2  the history could not be read (missing, unreadable)";
const COMPAT_EXIT_CODES: &str = "Exit codes:\n  0  no change breaks (under the mode, or a consumer's contract)\n  1  at least one change breaks\n  2  the run could not be completed (bad arguments, unreadable source, invalid contract)";
const IMPACT_EXIT_CODES: &str = "Exit codes:\n  0  the dependents were listed (none is not an error)\n  2  the contracts could not be read, or no contract names the table";
const LINT_EXIT_CODES: &str = "Exit codes:\n  0  every file is valid (warnings about rules that are not checked allowed)\n  1  a file has problems (each listed as file:line:column)\n  2  the files could not be read";

/// Plimsoll: one-scan data-quality and drift profiling of Parquet and Iceberg tables, local or
/// on S3, checked against consumer-driven data contracts.
#[derive(Debug, Parser)]
#[command(name = "plimsoll", version, propagate_version = true)]
#[command(long_about = help::LONG_ABOUT)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub term: term::TermArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Profile every field of a table in one scan
    #[command(after_help = PROFILE_EXIT_CODES,
              after_long_help = help::long(&[help::SOURCE, help::PROFILE, PROFILE_EXIT_CODES]))]
    Profile(ProfileArgs),
    /// Check tables against consumer contracts
    #[command(after_help = CHECK_EXIT_CODES,
              after_long_help = help::long(&[help::SOURCE, help::CHECK, CHECK_EXIT_CODES]))]
    Check(check::CheckArgs),
    /// Check every table of a run config (`plimsoll.yaml`): the scheduled job's entry point
    #[command(after_help = CHECK_EXIT_CODES,
              after_long_help = help::long(&[help::SOURCE, help::RUN, CHECK_EXIT_CODES]))]
    Run(check::RunArgs),
    /// Show which fields moved against a baseline, by PSI, worst first
    #[command(after_help = DRIFT_EXIT_CODES,
              after_long_help = help::long(&[help::SOURCE, help::DRIFT, DRIFT_EXIT_CODES]))]
    Drift(DriftArgs),
    /// Monitor the monitor: each table's last run, and the failing, errored or overdue ones
    #[command(after_help = STATUS_EXIT_CODES,
              after_long_help = help::long(&[help::HISTORY_STORE, help::STATUS, STATUS_EXIT_CODES]))]
    Status(StatusArgs),
    /// A table's metrics over its stored slices (rows, null rate, distinct, mean, PSI against
    /// the slice before), with sparklines
    #[command(after_help = history::HISTORY_EXIT_CODES,
              after_long_help = help::long(&[help::HISTORY_STORE, help::HISTORY, history::HISTORY_EXIT_CODES]))]
    History(history::HistoryArgs),
    /// Is a producer's change safe? Two tables or two contracts, each change judged under the
    /// mode and mapped to the consumers it breaks
    #[command(after_help = COMPAT_EXIT_CODES,
              after_long_help = help::long(&[help::SOURCE, help::COMPAT, COMPAT_EXIT_CODES]))]
    Compat(compat::CompatArgs),
    /// Who depends on a table or field: every consumer, contract line and check
    #[command(after_help = IMPACT_EXIT_CODES,
              after_long_help = help::long(&[help::IMPACT, IMPACT_EXIT_CODES]))]
    Impact(compat::ImpactArgs),
    /// Validate contracts (and run configs) and report every problem with file, line and column
    #[command(after_help = LINT_EXIT_CODES,
              after_long_help = help::long(&[help::LINT, LINT_EXIT_CODES]))]
    Lint(LintArgs),
    /// Print the JSON Schema of a file format, for editors (yaml-language-server, VS Code)
    #[command(after_long_help = help::SCHEMA)]
    Schema(SchemaArgs),
    /// Write a starting contract for a table to stdout, each threshold with why
    #[command(after_help = suggest::SUGGEST_EXIT_CODES,
              after_long_help = help::long(&[help::SOURCE, help::SUGGEST, suggest::SUGGEST_EXIT_CODES]))]
    Suggest(suggest::SuggestArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) to stdout
    #[command(after_long_help = help::COMPLETIONS)]
    Completions(shell::CompletionsArgs),
    /// Print the manual page, or write every page (`--dir DIR`)
    #[command(after_long_help = help::MAN)]
    Man(shell::ManArgs),
    /// Run the scheduler of an Apache Ballista cluster for `--cluster` (until stopped)
    #[cfg(feature = "cluster")]
    #[command(after_long_help = help::SCHEDULER)]
    Scheduler(cluster::SchedulerArgs),
    /// Run an executor of an Apache Ballista cluster, registered with a scheduler (until stopped)
    #[cfg(feature = "cluster")]
    #[command(after_long_help = help::EXECUTOR)]
    Executor(cluster::ExecutorArgs),
}

/// Memory, object storage and catalog: the context of commands that read tables.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ContextArgs {
    /// Cap the memory of scans (e.g. `512MB`, `2GiB`); exceeding it is an error, not an OOM kill
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// Endpoint of an S3-compatible store (overrides `AWS_ENDPOINT_URL`); plain HTTP only for
    /// loopback addresses unless `AWS_ALLOW_HTTP=true`
    #[arg(long, value_name = "URL")]
    pub s3_endpoint: Option<String>,
    /// Iceberg catalog to resolve `NAMESPACE.TABLE` sources in: a SQL catalog over SQLite,
    /// `sqlite:PATH` (as pyiceberg and iceberg-rust write it), or a REST catalog `https://...`
    /// (credentials from `PLIMSOLL_CATALOG_CREDENTIAL` or `PLIMSOLL_CATALOG_TOKEN`)
    #[arg(long, value_name = "URI")]
    pub catalog: Option<String>,
    /// The catalog's name (the SQL catalog's rows are keyed by it)
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub catalog_name: String,
    /// The warehouse a REST catalog should serve
    #[arg(long, value_name = "WAREHOUSE")]
    pub catalog_warehouse: Option<String>,
    /// Run the scans on an Apache Ballista cluster: the scheduler started by `plimsoll
    /// scheduler` (executors by `plimsoll executor`); checks, baselines and reports stay here
    #[arg(long, value_name = "df://HOST:PORT")]
    pub cluster: Option<String>,
    /// Tasks each scan is split into on the cluster (default 16): about the executors' total
    /// `--concurrency`, or a few times it
    #[arg(long, value_name = "N", requires = "cluster")]
    pub cluster_tasks: Option<std::num::NonZeroUsize>,
    /// Who is told how the run advances (the terminal's progress; set by [`run`]).
    #[arg(skip)]
    pub progress: crate::progress::Observer,
}

impl ContextArgs {
    /// The run's context: these flags over the environment's settings.
    pub fn context(&self) -> Result<Context> {
        let mut ctx = Context::from_env();
        ctx.progress = self.progress.clone();
        if let Some(limit) = &self.memory_limit {
            let bytes = units::parse_size(limit)
                .map_err(|e| Error::usage(e, "write a size such as `512MB` or `2GiB`"))?;
            ctx.memory_limit = Some(bytes as usize);
        }
        s3_endpoint(&mut ctx.s3, self.s3_endpoint.as_deref())?;
        if let Some(uri) = &self.catalog {
            ctx.catalog = Some(CatalogConfig::new(
                uri,
                &self.catalog_name,
                self.catalog_warehouse.as_deref(),
            ));
        }
        if let Some(url) = &self.cluster {
            let tasks = self
                .cluster_tasks
                .map_or(crate::cluster::DEFAULT_TASKS, std::num::NonZeroUsize::get);
            ctx.cluster = Some(crate::cluster::Cluster {
                url: crate::cluster::ClusterUrl::parse(url)?,
                tasks,
            });
        }
        Ok(ctx)
    }

    /// The run's context, with its cluster (if any) answering: a scheduler that is not there
    /// fails the run now, not at its first scan.
    pub async fn connect(&self) -> Result<Context> {
        let ctx = self.context()?;
        if let Some(cluster) = &ctx.cluster {
            crate::cluster::check_reachable(&cluster.url, std::time::Duration::from_secs(10))
                .await?;
        }
        Ok(ctx)
    }
}

/// `--s3-endpoint`, checked, over the environment's endpoint.
fn s3_endpoint(s3: &mut S3Config, flag: Option<&str>) -> Result<()> {
    if let Some(url) = flag {
        crate::source::s3::check_endpoint(s3, url).map_err(|e| match e {
            Error::Usage { message, hint } => Error::Usage {
                message: format!("`--s3-endpoint`: {message}"),
                hint,
            },
            other => other,
        })?;
        s3.endpoint = Some(url.to_string());
    }
    Ok(())
}

/// Which snapshot of the table being read (Iceberg only).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SnapshotArgs {
    /// Iceberg tables: read this snapshot of the table being checked or profiled (referenced
    /// tables and baseline sources are read at their own, `LOCATION@snapshot:ID`)
    #[arg(long, value_name = "ID", conflicts_with = "as_of")]
    pub snapshot: Option<i64>,
    /// Iceberg tables: read the snapshot that was current at this time (RFC 3339, or a date
    /// meaning its midnight UTC)
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
}

impl SnapshotArgs {
    pub fn select(&self) -> Result<SnapshotSelect> {
        if let Some(id) = self.snapshot {
            return Ok(SnapshotSelect::Id(id));
        }
        match &self.as_of {
            None => Ok(SnapshotSelect::Current),
            Some(t) => units::parse_time(t)
                .map(|d| SnapshotSelect::AsOf(d.timestamp_millis()))
                .map_err(|_| {
                    Error::usage(
                        format!("invalid `--as-of` value `{t}`"),
                        "give an RFC 3339 time such as `2024-01-15T06:00:00Z`, or a date `2024-01-15`",
                    )
                }),
        }
    }

    /// The table read, at the selected snapshot (a `@snapshot:` in SOURCE itself wins).
    pub fn source(&self, location: &str) -> Result<SourceRef> {
        let mut r = SourceRef::parse(location)?;
        if r.snapshot == SnapshotSelect::Current {
            r.snapshot = self.select()?;
        }
        Ok(r)
    }
}

#[derive(Debug, clap::Args)]
pub struct ProfileArgs {
    /// A Parquet file, a directory of Parquet files (hive `key=value/` partitions recognised),
    /// `s3://BUCKET/PREFIX`, or an Iceberg table
    pub source: String,
    /// Select partitions: `KEY=VALUE` or `KEY=latest` (repeatable)
    #[arg(long = "partition", value_name = "KEY=VALUE")]
    pub partitions: Vec<PartitionSelector>,
    /// Profile only these columns (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub columns: Option<Vec<String>>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write the report in FORMAT (`table`, `json`, `html`) to PATH, atomically
    /// (repeatable); a PATH of `-` is stdout: `--output html=profile.html`
    #[arg(long = "output", value_name = "FORMAT=PATH")]
    pub outputs: Vec<String>,
    /// Store the profile of each selected partition (or of this run) in this history store
    #[arg(long, value_name = "DIR")]
    pub history: Option<String>,
    /// The table's name in the history (default: the last component of SOURCE)
    #[arg(long, value_name = "NAME", requires = "history")]
    pub name: Option<String>,
    /// Answer only what the Parquet footers (or Iceberg manifests) answer exactly (row count,
    /// null count, min, max), without reading any data page
    #[arg(long, conflicts_with = "history")]
    pub metadata_only: bool,
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    /// The table: a Parquet file or directory, `s3://...`, or an Iceberg table
    pub source: String,
    /// The baseline: a SOURCE (`LOCATION[@snapshot:ID]`), `KEY=VALUE` (another partition), `Nd`
    /// (the N partitions, or the snapshot N days, before) or `snapshot:ID`; default: the 7
    /// partitions before the selected date partition, or the history's last runs
    #[arg(long, value_name = "SOURCE|KEY=VALUE|Nd")]
    pub baseline: Option<String>,
    /// Select the current slice: `KEY=VALUE` or `KEY=latest` (repeatable)
    #[arg(long = "partition", value_name = "KEY=VALUE")]
    pub partitions: Vec<PartitionSelector>,
    /// Only these columns (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub columns: Option<Vec<String>>,
    /// The profile history store: baselines are read from it and profiled slices stored in it
    #[arg(long, value_name = "DIR")]
    pub history: Option<String>,
    /// The table's name in the history (default: the last component of SOURCE)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Compare with the same weekday of previous weeks (tables with weekly seasonality)
    #[arg(long)]
    pub same_weekday: bool,
    /// Keep slices whose checks failed in the baseline (left out by default)
    #[arg(long)]
    pub include_failed: bool,
    /// PSI above this fails the field (default 0.2)
    #[arg(long, value_name = "PSI")]
    pub max_psi: Option<f64>,
    /// PSI above this warns (default 0.1, or half of `--max-psi` when that is lower)
    #[arg(long, value_name = "PSI")]
    pub warn_psi: Option<f64>,
    /// Also write the report in FORMAT (`table`, `json`, `html`) to PATH, atomically
    /// (repeatable); a PATH of `-` is stdout: `--output html=drift.html`
    #[arg(long = "output", value_name = "FORMAT=PATH")]
    pub outputs: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The profile history store (a directory or `s3://BUCKET/PREFIX`)
    #[arg(long, value_name = "DIR", required_unless_present = "config")]
    pub history: Option<String>,
    /// A run config: its history, and each table's `expect_every`
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// How often each table is expected to run (tables without their own `expect_every`)
    #[arg(long, value_name = "DURATION", default_value = "24h")]
    pub expect_every: String,
    /// The time to measure against (RFC 3339, or a date); default: now
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t = StatusFormat::Table)]
    pub format: StatusFormat,
    /// Also write the report in FORMAT (`table`, `json`, `prometheus`) to PATH, atomically
    /// (repeatable): `--output prometheus=/var/lib/node_exporter/plimsoll_status.prom`
    #[arg(long = "output", value_name = "FORMAT=PATH")]
    pub outputs: Vec<String>,
    /// Endpoint of an S3-compatible store holding the history (overrides `AWS_ENDPOINT_URL`)
    #[arg(long, value_name = "URL")]
    pub s3_endpoint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    /// A self-contained HTML page with charts (inline SVG, no script, nothing loaded)
    Html,
}

/// The formats of `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    Table,
    Json,
    /// Prometheus text format: per table its last run, last success, status, window and
    /// whether it is overdue
    Prometheus,
}

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Which format: `contract` (Plimsoll's contract YAML)
    #[arg(value_enum)]
    pub what: SchemaKind,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaKind {
    /// Plimsoll's contract format
    Contract,
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Contract files or directories, and run configs (`plimsoll.yaml`)
    #[arg(required = true)]
    pub contracts: Vec<PathBuf>,
}

/// What a command produced: the report for stdout, what to say on stderr (the error of a run
/// that could not be completed, then the notes), and the exit code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
    /// Notes and warnings for stderr, after `stderr` (left out with `--quiet`).
    pub notes: Vec<String>,
    /// stdout is a `table` report: its status words are coloured on a terminal.
    pub table: bool,
}

impl Outcome {
    pub fn new(stdout: String, code: u8) -> Self {
        Outcome {
            stdout,
            code,
            ..Outcome::default()
        }
    }

    fn with_notes(mut self, notes: &[String]) -> Self {
        self.notes.extend(notes.iter().cloned());
        self
    }

    /// Marks stdout as a `table` report when `table` is true.
    fn styled(mut self, table: bool) -> Self {
        self.table = table;
        self
    }
}

/// `--now`: RFC 3339 or a date; default the current time.
pub fn parse_now(now: Option<&str>) -> Result<chrono::DateTime<chrono::Utc>> {
    match now {
        None => Ok(chrono::Utc::now()),
        Some(t) => units::parse_time(t).map_err(|_| {
            Error::usage(
                format!("invalid `--now` value `{t}`"),
                "give an RFC 3339 time such as `2024-01-15T06:00:00Z`, or a date `2024-01-15`",
            )
        }),
    }
}

/// Runs a command as the terminal allows: progress on stderr, the table report coloured, notes
/// left out with `--quiet`, the facts of `-v`.
pub async fn run(mut cli: Cli) -> Result<Outcome> {
    let terminal = term::Terminal::detect(&cli.term);
    let progress = std::sync::Arc::new(term::TermProgress::new(terminal));
    term::attach(&mut cli.command, &progress.observer());
    let outcome = dispatch(cli.command).await;
    progress.clear();
    Ok(terminal.finish(outcome?, &progress))
}

async fn dispatch(command: Command) -> Result<Outcome> {
    match command {
        Command::Profile(a) => run_profile(a).await,
        Command::Check(a) => check::run_check(a).await,
        Command::Run(a) => check::run_config(a).await,
        Command::Drift(a) => run_drift(a).await,
        Command::Status(a) => check::run_status(a).await,
        Command::History(a) => history::run_history(a).await,
        Command::Compat(a) => compat::run_compat(a).await,
        Command::Impact(a) => compat::run_impact(a),
        Command::Lint(a) => run_lint(a),
        Command::Schema(a) => Ok(Outcome::new(
            match a.what {
                SchemaKind::Contract => crate::contract::CONTRACT_SCHEMA.to_string(),
            },
            0,
        )),
        Command::Suggest(a) => suggest::run_suggest(a).await,
        Command::Completions(a) => shell::completions(a),
        Command::Man(a) => shell::man(a),
        #[cfg(feature = "cluster")]
        Command::Scheduler(a) => cluster::run_scheduler(a).await,
        #[cfg(feature = "cluster")]
        Command::Executor(a) => cluster::run_executor(a).await,
    }
}

async fn run_profile(a: ProfileArgs) -> Result<Outcome> {
    let ctx = a.context.connect().await?;
    let reports = outputs::reports(a.format, &a.outputs)?;
    let source = a.snapshot.source(&a.source)?;
    let plan = ProfilePlan {
        name: a
            .name
            .clone()
            .unwrap_or_else(|| default_table_name(&source.location)),
        source,
        partitions: a.partitions,
        columns: a.columns,
        metadata_only: a.metadata_only,
        history: a.history,
    };
    let r = crate::run::profile::profile(&ctx, &plan).await?;
    let now = chrono::Utc::now();
    let render = |format: Format| match (format, &r.facts) {
        (Format::Table, Some(facts)) => report::table::metadata(&r.profile, facts, r.origin),
        (Format::Json, Some(facts)) => {
            json_text(&report::json::metadata(&r.profile, facts, r.origin))
        }
        (Format::Table, None) => report::table::profile(&r.profile, r.origin),
        (Format::Json, None) => json_text(&report::json::profile(&r.profile)),
        (Format::Html, Some(facts)) => report::html::metadata(&r.profile, facts, r.origin, now),
        (Format::Html, None) => report::html::profile(&r.profile, r.origin, now),
    };
    outputs::write(&reports.files, &render)?;
    Ok(Outcome::new(render(reports.stdout), 0).with_notes(&r.notes))
}

async fn run_drift(a: DriftArgs) -> Result<Outcome> {
    let ctx = a.context.connect().await?;
    let reports = outputs::reports(a.format, &a.outputs)?;
    let source = a.snapshot.source(&a.source)?;
    let plan = DriftPlan {
        name: a
            .name
            .clone()
            .unwrap_or_else(|| default_table_name(&source.location)),
        source,
        partitions: a.partitions,
        baseline: a
            .baseline
            .as_deref()
            .map(crate::baseline::BaselineSpec::parse)
            .transpose()?,
        history: a.history,
        columns: a.columns,
        same_weekday: a.same_weekday,
        include_failed: a.include_failed,
        thresholds: crate::run::drift::thresholds(a.max_psi, a.warn_psi)?,
    };
    let r = crate::run::drift::drift(&ctx, &plan).await?;
    let now = chrono::Utc::now();
    let render = |format: Format| match format {
        Format::Json => json_text(&report::drift::json(&r)),
        Format::Table => report::drift::table(&r),
        Format::Html => report::html::drift(&r, now),
    };
    outputs::write(&reports.files, &render)?;
    let code = u8::from(r.status == crate::check::Status::Fail);
    Ok(Outcome::new(render(reports.stdout), code)
        .with_notes(&r.notes)
        .styled(matches!(reports.stdout, Format::Table)))
}

pub(crate) fn json_text(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("JSON values serialise");
    s.push('\n');
    s
}

fn run_lint(a: LintArgs) -> Result<Outcome> {
    let r = crate::run::lint::lint(&a.contracts)?;
    let code = u8::from(!r.problems.is_empty());
    Ok(Outcome::new(report::table::lint(&r), code))
}
