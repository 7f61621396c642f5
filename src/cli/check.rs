//! `check`, `run` and `status`: flags (or a run config) into a check plan, the engine, and the
//! reports: stdout and any number of `--output FORMAT=PATH` files, written atomically. A run
//! that cannot be completed still writes its reports, carrying the error, and exits 2.

use super::{ContextArgs, Format, Outcome, SnapshotArgs, json_text, parse_now};
use crate::check::Status;
use crate::contract::units::parse_duration;
use crate::error::{Error, Result};
use crate::report;
use crate::run::config::{self, Config};
use crate::run::plan::{Bindings, TableBinding};
use crate::run::{CheckReport, check, plan};
use crate::source::{PartitionSelector, SourceRef};
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The table to check; contracts' table entries without `--table` use it (or their `source:`)
    pub source: Option<String>,
    /// A contract file, or a directory of `*.yaml` contracts (repeat the flag for more)
    #[arg(long = "contract", value_name = "FILE_OR_DIR", required = true)]
    pub contracts: Vec<PathBuf>,
    /// Select partitions: `KEY=VALUE` or `KEY=latest` (repeatable); with several tables, it
    /// applies to those partitioned by KEY
    #[arg(long = "partition", value_name = "KEY=VALUE")]
    pub partitions: Vec<PartitionSelector>,
    /// Locate a table named in the contracts: `NAME=SOURCE[@snapshot:ID]` (repeatable)
    #[arg(long = "table", value_name = "NAME=SOURCE")]
    pub tables: Vec<String>,
    /// The baseline of a table: `NAME=SPEC` (repeatable), SPEC being a SOURCE, `KEY=VALUE`
    /// (another partition), `Nd` (the N partitions, or the snapshot N days, before) or
    /// `snapshot:ID`. A bare `Nd` or `KEY=VALUE` applies to every table it can; a bare SOURCE or
    /// `snapshot:ID` only when the run checks one table. Default: the 7 partitions before the
    /// selected date partition, or the history's last runs
    #[arg(long = "baseline", value_name = "[NAME=]SPEC")]
    pub baselines: Vec<String>,
    /// The profile history store (a directory or `s3://`): baselines are read from it, runs
    /// recorded in it
    #[arg(long, value_name = "DIR")]
    pub history: Option<String>,
    /// Compare with the same weekday of previous weeks (tables with weekly seasonality)
    #[arg(long)]
    pub same_weekday: bool,
    /// Keep slices whose checks failed in the baseline (left out by default)
    #[arg(long)]
    pub include_failed: bool,
    /// Refuse the `source:` of contract entries: every table must be bound with SOURCE or
    /// `--table` (for CI running contracts from another repository)
    #[arg(long)]
    pub no_contract_sources: bool,
    /// The time freshness is measured against (RFC 3339, or a date); default: now
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,
    /// Also write the report in FORMAT to PATH (repeatable; written atomically)
    #[arg(long = "output", value_name = "FORMAT=PATH")]
    pub outputs: Vec<String>,
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The run config
    #[arg(long, value_name = "PATH", default_value = config::DEFAULT_NAME)]
    pub config: PathBuf,
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,
    /// Also write the report in FORMAT to PATH (repeatable), besides the config's `outputs`
    #[arg(long = "output", value_name = "FORMAT=PATH")]
    pub outputs: Vec<String>,
    #[command(flatten)]
    pub context: ContextArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Table,
    Json,
    Junit,
}

/// A report to render: the run's, or the error that ended it.
enum Rendered<'a> {
    Report(&'a CheckReport),
    Error(&'a Error),
}

fn render(format: CheckFormat, r: &Rendered<'_>) -> String {
    match (format, r) {
        (CheckFormat::Table, Rendered::Report(r)) => report::table::check(r),
        (CheckFormat::Json, Rendered::Report(r)) => json_text(&report::json::check(r)),
        (CheckFormat::Junit, Rendered::Report(r)) => report::junit::render(r),
        (CheckFormat::Table, Rendered::Error(e)) => e.render(),
        (CheckFormat::Json, Rendered::Error(e)) => json_text(&report::json::check_error(e)),
        (CheckFormat::Junit, Rendered::Error(e)) => report::junit::render_error(e),
    }
}

/// `FORMAT=PATH`.
fn parse_output(s: &str) -> Result<(CheckFormat, PathBuf)> {
    let bad = || {
        Error::usage(
            format!("invalid `--output {s}`"),
            "write `--output FORMAT=PATH` with FORMAT `table`, `json` or `junit`",
        )
    };
    let (f, p) = s
        .split_once('=')
        .filter(|(_, p)| !p.is_empty())
        .ok_or_else(bad)?;
    let format = CheckFormat::from_str(f, true).map_err(|_| bad())?;
    Ok((format, PathBuf::from(p)))
}

/// Runs a plan and writes every report: to stdout in `format`, to each output file in its own.
/// A run that cannot be completed writes reports carrying the error and exits 2.
async fn finish(
    ctx: &crate::Context,
    bindings: Result<Bindings>,
    format: CheckFormat,
    outputs: &[(CheckFormat, PathBuf)],
) -> Result<Outcome> {
    let result = match bindings {
        Ok(b) => match plan(&b) {
            Ok(p) => check(ctx, &p).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    let rendered = match &result {
        Ok(r) => Rendered::Report(r),
        Err(e) => Rendered::Error(e),
    };
    for (f, path) in outputs {
        report::write_atomic(path, &render(*f, &rendered))?;
    }
    match &result {
        Ok(r) => {
            let code = match r.status() {
                Status::Pass | Status::Warn => 0,
                Status::Fail => 1,
                Status::Error => 2,
            };
            let mut o = Outcome::new(render(format, &rendered), code);
            o = o.with_notes(&r.notes);
            Ok(o)
        }
        Err(e) => Ok(Outcome {
            // The table format's report is the error itself, on stderr.
            stdout: match format {
                CheckFormat::Table => String::new(),
                _ => render(format, &rendered),
            },
            stderr: e.render(),
            code: 2,
        }),
    }
}

pub async fn run_check(a: CheckArgs) -> Result<Outcome> {
    let ctx = a.context.context()?;
    let outputs: Vec<(CheckFormat, PathBuf)> = a
        .outputs
        .iter()
        .map(|o| parse_output(o))
        .collect::<Result<_>>()?;
    let bindings = (|| -> Result<Bindings> {
        Ok(Bindings {
            contracts: a.contracts.clone(),
            source: a.source.as_deref().map(SourceRef::parse).transpose()?,
            tables: a
                .tables
                .iter()
                .map(|t| TableBinding::parse(t))
                .collect::<Result<_>>()?,
            baselines: a.baselines.clone(),
            snapshot: a.snapshot.select()?,
            partitions: a.partitions.clone(),
            contract_sources: !a.no_contract_sources,
            history: a.history.clone(),
            now: parse_now(a.now.as_deref())?,
            same_weekday: a.same_weekday,
            include_failed: a.include_failed,
        })
    })();
    finish(&ctx, bindings, a.format, &outputs).await
}

/// A run config as a check run.
fn bindings_of(c: &Config) -> Result<Bindings> {
    Ok(Bindings {
        contracts: c.contracts.clone(),
        source: None,
        tables: c
            .tables
            .iter()
            .map(|t| TableBinding {
                name: t.name.clone(),
                source: t.source.clone(),
                partitions: t.partitions.clone(),
                baseline: t.baseline.clone(),
            })
            .collect(),
        baselines: Vec::new(),
        snapshot: crate::source::iceberg::SnapshotSelect::Current,
        partitions: Vec::new(),
        contract_sources: c.contract_sources,
        history: c.history.clone(),
        now: parse_now(c.now.as_deref())?,
        same_weekday: c.same_weekday,
        include_failed: c.include_failed,
    })
}

pub async fn run_config(a: RunArgs) -> Result<Outcome> {
    let c = config::load(&a.config)?;
    let mut args = a.context.clone();
    args.memory_limit = args
        .memory_limit
        .or_else(|| c.memory_limit.map(|b| format!("{b}B")));
    args.s3_endpoint = args.s3_endpoint.or_else(|| c.s3_endpoint.clone());
    if let (None, Some((uri, name, warehouse))) = (&args.catalog, &c.catalog) {
        args.catalog = Some(uri.clone());
        args.catalog_name = name.clone();
        args.catalog_warehouse = warehouse.clone();
    }
    let ctx = args.context()?;
    let mut outputs: Vec<(CheckFormat, PathBuf)> = Vec::new();
    for o in &c.outputs {
        let f = CheckFormat::from_str(&o.format, true)
            .map_err(|_| Error::Internal(format!("output format `{}`", o.format)))?;
        outputs.push((f, o.path.clone()));
    }
    for o in &a.outputs {
        outputs.push(parse_output(o)?);
    }
    finish(&ctx, bindings_of(&c), a.format, &outputs).await
}

pub async fn run_status(a: super::StatusArgs) -> Result<Outcome> {
    let every = parse_duration(&a.expect_every)
        .map_err(|e| Error::usage(e, "write a duration such as `24h` or `26h`"))?;
    let config = a.config.as_deref().map(config::load).transpose()?;
    let mut ctx = crate::Context::from_env();
    super::s3_endpoint(&mut ctx.s3, a.s3_endpoint.as_deref())?;
    let plan = crate::run::status::StatusPlan {
        history: a.history.clone(),
        config,
        expect_every: every,
        now: parse_now(a.now.as_deref())?,
    };
    let (location, tables) = crate::run::status::status(&ctx, &plan).await?;
    let problems = tables.iter().any(|t| t.is_problem());
    let stdout = match a.format {
        Format::Json => json_text(&report::status::json(&location, &tables)),
        Format::Table => report::status::table(&tables),
    };
    Ok(Outcome::new(stdout, u8::from(problems)))
}
