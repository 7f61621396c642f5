//! The command line: clap definitions (the flags are data), validation, and the commands.
//! Commands return an [`Outcome`]: the report for stdout and the exit code. Nothing here prints.

use crate::check::{self, CheckResult, Status, Subject};
use crate::contract::{self, Contract};
use crate::error::{Error, Result};
use crate::profile::{self, TableProfile};
use crate::report;
use crate::source::{PartitionSelector, Source};
use clap::{Parser, Subcommand, ValueEnum};
use std::collections::BTreeMap;
use std::path::PathBuf;

const EXIT_CODES: &str = "Exit codes:\n  0  every check passed (warnings allowed)\n  1  at least one check failed\n  2  the run could not be completed (bad arguments, unreadable source, invalid contract)";

/// Plimsoll: one-scan data-quality and drift profiling of Parquet tables, checked against
/// consumer-driven data contracts.
#[derive(Debug, Parser)]
#[command(name = "plimsoll", version, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Profile every field of a table in one scan
    #[command(after_help = EXIT_CODES)]
    Profile(ProfileArgs),
    /// Check a table against consumer contracts
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Validate contracts and report every problem with file, line and column
    #[command(after_help = EXIT_CODES)]
    Lint(LintArgs),
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
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CheckFormat {
    Table,
    Json,
    Junit,
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
    match cli.command {
        Command::Profile(a) => run_profile(a).await,
        Command::Check(a) => run_check(a).await,
        Command::Lint(a) => run_lint(a),
    }
}

async fn run_profile(a: ProfileArgs) -> Result<Outcome> {
    let p = profile::profile_location(&a.source, &a.partitions, a.columns.as_deref()).await?;
    let stdout = match a.format {
        ProfileFormat::Table => report::table::profile(&p),
        ProfileFormat::Json => json_text(&report::json::profile(&p)),
    };
    Ok(Outcome { stdout, code: 0 })
}

fn json_text(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("JSON values serialise");
    s.push('\n');
    s
}

/// The validated plan of a `check` run.
struct CheckPlan {
    contracts: Vec<Contract>,
    /// location -> (contract index, table index) of every entry it serves.
    bindings: BTreeMap<String, Vec<(usize, usize)>>,
    now: chrono::DateTime<chrono::Utc>,
}

fn parse_now(now: Option<&str>) -> Result<chrono::DateTime<chrono::Utc>> {
    match now {
        None => Ok(chrono::Utc::now()),
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map(|d| d.with_timezone(&chrono::Utc))
            .map_err(|e| {
                Error::usage(
                    format!("invalid `--now` value `{t}`: {e}"),
                    "give an RFC 3339 time such as `2024-01-15T06:00:00Z`",
                )
            }),
    }
}

fn plan_check(a: &CheckArgs) -> Result<CheckPlan> {
    let now = parse_now(a.now.as_deref())?;
    let mut named: BTreeMap<String, String> = BTreeMap::new();
    for t in &a.tables {
        let (name, src) = t
            .split_once('=')
            .filter(|(n, s)| !n.is_empty() && !s.is_empty())
            .ok_or_else(|| {
                Error::usage(
                    format!("invalid `--table {t}`"),
                    "write `--table NAME=SOURCE`",
                )
            })?;
        named.insert(name.to_string(), src.to_string());
    }
    let contracts = contract::load(&a.contracts)?;
    // Entries not bound by --table; the positional SOURCE serves them if they name one table,
    // otherwise those without their own `source:`.
    let unbound: Vec<(usize, usize)> = contracts
        .iter()
        .enumerate()
        .flat_map(|(ci, c)| (0..c.tables.len()).map(move |ti| (ci, ti)))
        .filter(|(ci, ti)| !named.contains_key(&contracts[*ci].tables[*ti].table))
        .collect();
    let distinct = |entries: &[(usize, usize)]| {
        let mut names: Vec<&str> = entries
            .iter()
            .map(|(c, t)| contracts[*c].tables[*t].table.as_str())
            .collect();
        names.sort();
        names.dedup();
        names.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let positional_serves: Vec<(usize, usize)> = match &a.source {
        None => vec![],
        Some(_) if distinct(&unbound).len() <= 1 => unbound.clone(),
        Some(_) => {
            let without_source: Vec<(usize, usize)> = unbound
                .iter()
                .copied()
                .filter(|(c, t)| contracts[*c].tables[*t].source.is_none())
                .collect();
            let names = distinct(&without_source);
            if names.len() > 1 {
                return Err(Error::usage(
                    format!(
                        "SOURCE is ambiguous: the contracts name tables {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    format!(
                        "bind each table with `--table NAME=SOURCE`, e.g. `--table {}=PATH`",
                        names[0]
                    ),
                ));
            }
            without_source
        }
    };
    if let (Some(src), true) = (&a.source, positional_serves.is_empty()) {
        let names = distinct(&unbound);
        return Err(Error::usage(
            format!(
                "SOURCE `{src}` serves no table: every table the contracts name is bound by `--table` or its own `source:`"
            ),
            match names.first() {
                Some(n) => format!("bind it explicitly, e.g. `--table {n}={src}`, or drop SOURCE"),
                None => {
                    "drop SOURCE, or remove the `--table` that binds the same table".to_string()
                }
            },
        ));
    }
    let mut bindings: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    for (ci, c) in contracts.iter().enumerate() {
        for (ti, t) in c.tables.iter().enumerate() {
            let location = if let Some(src) = named.get(&t.table) {
                src.clone()
            } else if positional_serves.contains(&(ci, ti)) {
                a.source
                    .clone()
                    .expect("positional SOURCE serves entries only when given")
            } else if let Some(src) = &t.source {
                src.clone()
            } else {
                return Err(Error::UnboundTable {
                    table: t.table.clone(),
                    consumer: c.consumer.clone(),
                });
            };
            bindings.entry(location).or_default().push((ci, ti));
        }
    }
    Ok(CheckPlan {
        contracts,
        bindings,
        now,
    })
}

/// Profiles each bound source once (only the columns some contract needs), then runs every
/// contract entry against its profile.
pub async fn check_results(a: &CheckArgs) -> Result<Vec<CheckResult>> {
    let plan = plan_check(a)?;
    let mut results = Vec::new();
    // With several tables, `--partition` selects in those partitioned by its key.
    let strict = plan.bindings.len() == 1;
    if !strict {
        for p in &a.partitions {
            let mut keyed = false;
            for location in plan.bindings.keys() {
                let files = crate::source::list_parquet_files(std::path::Path::new(location))
                    .unwrap_or_default();
                keyed |= files
                    .first()
                    .is_some_and(|f| f.partition.iter().any(|(k, _)| k == &p.key));
            }
            if !keyed {
                return Err(Error::usage(
                    format!("no table of this run is partitioned by `{}`", p.key),
                    "`--partition KEY=...` needs a table with `KEY=value/` directories",
                ));
            }
        }
    }
    for (location, entries) in &plan.bindings {
        let source = Source::open_with(location, &a.partitions, strict)?;
        let schema = source.schema();
        let mut columns: Vec<String> = Vec::new();
        let mut want = |name: &str| {
            if schema.field_with_name(name).is_ok() && !columns.iter().any(|c| c == name) {
                columns.push(name.to_string());
            }
        };
        for (ci, ti) in entries {
            let t = &plan.contracts[*ci].tables[*ti];
            if let Some(f) = &t.freshness {
                want(&f.column);
            }
            for f in &t.fields {
                want(&f.name);
            }
        }
        let profile: TableProfile = profile::profile(&source, &columns).await?;
        for (ci, ti) in entries {
            let subject = Subject {
                contract: &plan.contracts[*ci],
                table: &plan.contracts[*ci].tables[*ti],
                profile: &profile,
            };
            results.extend(check::run_table(&subject, plan.now));
        }
    }
    Ok(results)
}

async fn run_check(a: CheckArgs) -> Result<Outcome> {
    let results = check_results(&a).await?;
    let stdout = match a.format {
        CheckFormat::Table => report::table::check(&results),
        CheckFormat::Json => json_text(&report::json::check(&results)),
        CheckFormat::Junit => report::junit::render(&results),
    };
    let code = match check::overall(&results) {
        Status::Pass | Status::Warn => 0,
        Status::Fail => 1,
        Status::Error => 2,
    };
    Ok(Outcome { stdout, code })
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
