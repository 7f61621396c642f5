//! `check`, `run` and `status`: flags (or a run config) into a check plan, the engine, and the
//! reports: stdout and any number of `--output FORMAT=PATH` files, written atomically, and for
//! the `github` format the Markdown summary appended to `$GITHUB_STEP_SUMMARY`. A run that cannot
//! be completed still writes its reports, carrying the error, and exits 2.

use super::{ContextArgs, Outcome, SnapshotArgs, StatusFormat, json_text, parse_now};
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
    /// The report on stdout [default: table, or the format of an `--output FORMAT=-`]
    #[arg(long, value_enum)]
    pub format: Option<CheckFormat>,
    /// Also write the report in FORMAT to PATH (repeatable; written atomically). A PATH of `-`
    /// is stdout: `--output github=-` is `--format github` (at most one, and not with another
    /// `--format`)
    #[arg(long = "output", value_name = "FORMAT=PATH")]
    pub outputs: Vec<String>,
    #[command(flatten)]
    pub quarantine: QuarantineArgs,
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
    /// The report on stdout [default: table, or the format of an output to `-`]
    #[arg(long, value_enum)]
    pub format: Option<CheckFormat>,
    /// Also write the report in FORMAT to PATH (repeatable), besides the config's `outputs`; a
    /// PATH of `-` is stdout (at most one, and not with another `--format`)
    #[arg(long = "output", value_name = "FORMAT=PATH")]
    pub outputs: Vec<String>,
    #[command(flatten)]
    pub quarantine: QuarantineArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

/// `--quarantine DIR` and its cap.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct QuarantineArgs {
    /// Write the rows that broke a row-level rule (null, out of range, not allowed, unmatched
    /// reference, duplicate key) of each failing check to Parquet under
    /// `DIR/<table>/<slice>/<check>-<field>.parquet` (a directory or `s3://BUCKET/PREFIX`)
    #[arg(long, value_name = "DIR")]
    pub quarantine: Option<String>,
    /// Rows quarantined per check at most; the rows beyond are counted in the reports
    #[arg(long, value_name = "N", default_value_t = crate::quarantine::DEFAULT_LIMIT,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub quarantine_limit: u64,
}

impl QuarantineArgs {
    /// The run's quarantine: these flags, else the config's.
    fn quarantine(&self, config: Option<&Config>) -> Option<crate::quarantine::Quarantine> {
        let limit = |from_config: Option<u64>| {
            if self.quarantine_limit != crate::quarantine::DEFAULT_LIMIT {
                self.quarantine_limit
            } else {
                from_config.unwrap_or(self.quarantine_limit)
            }
        };
        match (&self.quarantine, config) {
            (Some(dir), c) => Some(crate::quarantine::Quarantine {
                location: dir.clone(),
                limit: limit(c.and_then(|c| c.quarantine_limit)),
            }),
            (None, Some(c)) => c
                .quarantine
                .as_ref()
                .map(|dir| crate::quarantine::Quarantine {
                    location: dir.clone(),
                    limit: limit(c.quarantine_limit),
                }),
            (None, None) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Aligned columns for a terminal, failures first
    Table,
    /// One object: status, summary counts, results, tables
    Json,
    /// JUnit XML: a testsuite per consumer and table, a testcase per check
    Junit,
    /// GitHub Actions annotations on the contract lines; the Markdown summary is appended to
    /// `$GITHUB_STEP_SUMMARY` when it is set
    Github,
    /// A summary for a pull request comment, a GitLab note or a chat message
    Markdown,
    /// Prometheus text format for node_exporter's textfile collector: each check's status
    /// (0 pass, 1 warn, 2 fail, 3 error) and the measured values as gauges
    Prometheus,
    /// A self-contained HTML page: the counts, each table's row counts against its baseline,
    /// per consumer its checks with failures first (inline SVG, no script, nothing loaded)
    Html,
}

impl CheckFormat {
    fn name(self) -> &'static str {
        match self {
            CheckFormat::Table => "table",
            CheckFormat::Json => "json",
            CheckFormat::Junit => "junit",
            CheckFormat::Github => "github",
            CheckFormat::Markdown => "markdown",
            CheckFormat::Prometheus => "prometheus",
            CheckFormat::Html => "html",
        }
    }
}

/// A report to render: the run's, or the error that ended it.
enum Rendered<'a> {
    Report(&'a CheckReport),
    Error(&'a Error),
}

/// Renders a report; `failed` are the tables a run that could not be completed was to check
/// (the Prometheus report marks each errored).
fn render(
    format: CheckFormat,
    r: &Rendered<'_>,
    failed: &[report::prometheus::FailedTable],
) -> String {
    match (format, r) {
        (CheckFormat::Table, Rendered::Report(r)) => report::table::check(r),
        (CheckFormat::Json, Rendered::Report(r)) => json_text(&report::json::check(r)),
        (CheckFormat::Junit, Rendered::Report(r)) => report::junit::render(r),
        (CheckFormat::Github, Rendered::Report(r)) => report::github::check(r),
        (CheckFormat::Markdown, Rendered::Report(r)) => report::markdown::check(r),
        (CheckFormat::Prometheus, Rendered::Report(r)) => report::prometheus::check(r),
        (CheckFormat::Html, Rendered::Report(r)) => report::html::check(r),
        (CheckFormat::Html, Rendered::Error(e)) => report::html::check_error(e),
        (CheckFormat::Table, Rendered::Error(e)) => e.render(),
        (CheckFormat::Json, Rendered::Error(e)) => json_text(&report::json::check_error(e)),
        (CheckFormat::Junit, Rendered::Error(e)) => report::junit::render_error(e),
        (CheckFormat::Github, Rendered::Error(e)) => report::github::check_error(e),
        (CheckFormat::Markdown, Rendered::Error(e)) => report::markdown::check_error(e),
        (CheckFormat::Prometheus, Rendered::Error(e)) => {
            report::prometheus::check_error(e, failed, chrono::Utc::now())
        }
    }
}

/// The path that names stdout in `--output FORMAT=-` and a run config's `outputs`.
const STDOUT: &str = "-";

/// `FORMAT=PATH`.
fn parse_output(s: &str) -> Result<(CheckFormat, PathBuf)> {
    let bad = || {
        let formats: Vec<String> = report::CHECK_FORMATS
            .iter()
            .map(|f| format!("`{f}`"))
            .collect();
        Error::usage(
            format!("invalid `--output {s}`"),
            format!(
                "write `--output FORMAT=PATH` with FORMAT {}, and PATH a file or `-` for stdout",
                formats.join(", ")
            ),
        )
    };
    let (f, p) = s
        .split_once('=')
        .filter(|(_, p)| !p.is_empty())
        .ok_or_else(bad)?;
    let format = CheckFormat::from_str(f, true).map_err(|_| bad())?;
    Ok((format, PathBuf::from(p)))
}

/// Where a run's reports go.
#[derive(Debug, Clone, PartialEq)]
struct Reports {
    /// The format of the report on stdout.
    stdout: CheckFormat,
    /// Report files, written atomically.
    files: Vec<(CheckFormat, PathBuf)>,
    /// `$GITHUB_STEP_SUMMARY`: the Markdown summary is appended to it when the `github` format
    /// is rendered (on stdout or to a file).
    step_summary: Option<PathBuf>,
}

/// `$GITHUB_STEP_SUMMARY`, when set (GitHub Actions sets it in every step).
pub(super) fn step_summary_from_env() -> Option<PathBuf> {
    std::env::var_os("GITHUB_STEP_SUMMARY")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The reports of a run. stdout carries, in this order of precedence, `--format`, the flags'
/// `--output FORMAT=-`, the config's output to `-`, else `table`. `--output FORMAT=-` may be
/// given once, and only with a `--format` of the same FORMAT (or none).
fn reports(
    format: Option<CheckFormat>,
    config: &[(CheckFormat, PathBuf)],
    flags: &[String],
    step_summary: Option<PathBuf>,
) -> Result<Reports> {
    let is_stdout = |p: &PathBuf| p.as_os_str() == STDOUT;
    let mut files = Vec::new();
    let mut from_config = None;
    for (f, p) in config {
        if is_stdout(p) {
            from_config = Some(*f);
        } else {
            files.push((*f, p.clone()));
        }
    }
    let mut from_flags: Option<CheckFormat> = None;
    for o in flags {
        let (f, p) = parse_output(o)?;
        if !is_stdout(&p) {
            files.push((f, p));
            continue;
        }
        if let Some(first) = from_flags {
            return Err(Error::usage(
                format!(
                    "`--output {}=-` and `--output {}=-` both write to stdout",
                    first.name(),
                    f.name()
                ),
                "stdout carries one report: give one `--output FORMAT=-` and write the others to files",
            ));
        }
        from_flags = Some(f);
    }
    if let (Some(f), Some(o)) = (format, from_flags)
        && f != o
    {
        return Err(Error::usage(
            format!(
                "`--format {}` and `--output {}=-` both name the report on stdout",
                f.name(),
                o.name()
            ),
            "give one of them (`--output FORMAT=-` is `--format FORMAT`), and write other reports to files",
        ));
    }
    Ok(Reports {
        stdout: format
            .or(from_flags)
            .or(from_config)
            .unwrap_or(CheckFormat::Table),
        files,
        step_summary,
    })
}

/// The Markdown summary for `$GITHUB_STEP_SUMMARY`, within what GitHub accepts of the file
/// (earlier steps' summaries count).
fn step_summary(path: &std::path::Path, r: &Rendered<'_>) -> String {
    let used = std::fs::metadata(path).map_or(0, |m| m.len() as usize);
    let budget = report::github::STEP_SUMMARY_LIMIT.saturating_sub(used);
    let mut text = match r {
        Rendered::Report(r) => report::markdown::check_within(r, budget),
        Rendered::Error(e) => report::markdown::check_error(e),
    };
    // A step's summary is a section of the page: keep it apart from the one before.
    text.insert(0, '\n');
    text
}

/// Runs a plan and writes every report: to stdout in its format, to each output file in its
/// own, and (when the `github` format is among them) the Markdown summary appended to the step
/// summary. A run that cannot be completed writes reports carrying the error and exits 2.
async fn finish(
    ctx: &crate::Context,
    bindings: Result<Bindings>,
    reports: &Reports,
) -> Result<Outcome> {
    let format = reports.stdout;
    let outputs = &reports.files;
    // The tables the run is to check, for the Prometheus report of a run that fails.
    let mut names: Vec<String> = bindings
        .as_ref()
        .map(|b| b.tables.iter().map(|t| t.name.clone()).collect())
        .unwrap_or_default();
    let history = bindings.as_ref().ok().and_then(|b| b.history.clone());
    let (result, planned) = match bindings.and_then(|b| plan(&b)) {
        Ok(p) => (check(ctx, &p).await, Some(p)),
        Err(e) => (Err(e), None),
    };
    if let Some(p) = &planned {
        names = p.tables.iter().map(|t| t.name.clone()).collect();
    }
    let _reports = ctx.progress.timed(crate::progress::Phase::Reports);
    let prometheus =
        format == CheckFormat::Prometheus || outputs.iter().any(|o| o.0 == CheckFormat::Prometheus);
    let failed = match (&result, prometheus) {
        (Err(_), true) => crate::run::check::failed_tables(ctx, history.as_deref(), &names).await,
        _ => Vec::new(),
    };
    let rendered = match &result {
        Ok(r) => Rendered::Report(r),
        Err(e) => Rendered::Error(e),
    };
    for (f, path) in outputs {
        report::write_atomic(path, &render(*f, &rendered, &failed))?;
    }
    let github =
        format == CheckFormat::Github || outputs.iter().any(|o| o.0 == CheckFormat::Github);
    // The step summary is a courtesy of the environment, not a report the user asked for: a
    // failure to append to it is said, and the run's outcome stands.
    let mut notes = Vec::new();
    if let (true, Some(path)) = (github, &reports.step_summary)
        && let Err(e) = report::append(path, &step_summary(path, &rendered))
    {
        notes.push(format!(
            "warning: the summary was not appended to `GITHUB_STEP_SUMMARY`: {}",
            report::error_parts(&e).0
        ));
    }
    let outcome = match &result {
        Ok(r) => {
            let code = match r.status() {
                Status::Pass | Status::Warn => 0,
                Status::Fail => 1,
                Status::Error => 2,
            };
            Outcome::new(render(format, &rendered, &failed), code)
                .with_notes(&r.notes)
                .styled(format == CheckFormat::Table)
        }
        Err(e) => Outcome {
            // The table format's report is the error itself, on stderr.
            stdout: match format {
                CheckFormat::Table => String::new(),
                _ => render(format, &rendered, &failed),
            },
            stderr: e.render(),
            code: 2,
            ..Outcome::default()
        },
    };
    Ok(outcome.with_notes(&notes))
}

pub async fn run_check(a: CheckArgs) -> Result<Outcome> {
    let ctx = a.context.connect().await?;
    let reports = reports(a.format, &[], &a.outputs, step_summary_from_env())?;
    let bindings = (|| -> Result<Bindings> {
        super::contract_paths::refuse_tables(
            &a.contracts,
            &super::contract_paths::table_order_hint("plimsoll check TABLE --contract FILE_OR_DIR"),
        )?;
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
            quarantine: a.quarantine.quarantine(None),
        })
    })();
    finish(&ctx, bindings, &reports).await
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
        quarantine: None,
    })
}

pub async fn run_config(a: RunArgs) -> Result<Outcome> {
    let c = config::load(&a.config)?;
    let mut args = a.context.clone();
    args.memory_limit = args
        .memory_limit
        .or_else(|| c.memory_limit.map(|b| format!("{b}B")));
    args.s3_endpoint = args.s3_endpoint.or_else(|| c.s3_endpoint.clone());
    args.cluster = args.cluster.or_else(|| c.cluster.clone());
    args.cluster_tasks = args
        .cluster_tasks
        .or(c.cluster_tasks.and_then(std::num::NonZeroUsize::new));
    if let (None, Some((uri, name, warehouse))) = (&args.catalog, &c.catalog) {
        args.catalog = Some(uri.clone());
        args.catalog_name = name.clone();
        args.catalog_warehouse = warehouse.clone();
    }
    let ctx = args.connect().await?;
    let mut from_config: Vec<(CheckFormat, PathBuf)> = Vec::new();
    for o in &c.outputs {
        let f = CheckFormat::from_str(&o.format, true)
            .map_err(|_| Error::Internal(format!("output format `{}`", o.format)))?;
        from_config.push((f, o.path.clone()));
    }
    let reports = reports(a.format, &from_config, &a.outputs, step_summary_from_env())?;
    let bindings = bindings_of(&c).map(|mut b| {
        b.quarantine = a.quarantine.quarantine(Some(&c));
        b
    });
    finish(&ctx, bindings, &reports).await
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
    let outputs = a
        .outputs
        .iter()
        .map(|o| status_output(o))
        .collect::<Result<Vec<_>>>()?;
    let (location, tables) = crate::run::status::status(&ctx, &plan).await?;
    let problems = tables.iter().any(|t| t.is_problem());
    let render = |f: StatusFormat| match f {
        StatusFormat::Json => json_text(&report::status::json(&location, &tables)),
        StatusFormat::Table => report::status::table(&tables),
        StatusFormat::Prometheus => report::prometheus::status(&tables),
    };
    for (f, path) in &outputs {
        report::write_atomic(path, &render(*f))?;
    }
    Ok(Outcome::new(render(a.format), u8::from(problems)).styled(a.format == StatusFormat::Table))
}

/// `status --output FORMAT=PATH`.
fn status_output(s: &str) -> Result<(StatusFormat, PathBuf)> {
    let bad = || {
        Error::usage(
            format!("invalid `--output {s}`"),
            "write `--output FORMAT=PATH` with FORMAT `table`, `json` or `prometheus`",
        )
    };
    let (f, p) = s
        .split_once('=')
        .filter(|(_, p)| !p.is_empty())
        .ok_or_else(bad)?;
    let format = StatusFormat::from_str(f, true).map_err(|_| bad())?;
    Ok((format, PathBuf::from(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(f: &[&str]) -> Vec<String> {
        f.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn stdout_is_format_then_a_flag_output_to_dash_then_the_config_s() {
        let config = [
            (CheckFormat::Markdown, PathBuf::from("-")),
            (CheckFormat::Json, PathBuf::from("/r/p.json")),
        ];
        let r = reports(None, &config, &[], None).unwrap();
        assert_eq!(r.stdout, CheckFormat::Markdown);
        assert_eq!(r.files, [(CheckFormat::Json, PathBuf::from("/r/p.json"))]);
        let r = reports(None, &config, &flags(&["github=-", "junit=x.xml"]), None).unwrap();
        assert_eq!(r.stdout, CheckFormat::Github);
        assert_eq!(r.files.len(), 2);
        let r = reports(Some(CheckFormat::Json), &config, &[], None).unwrap();
        assert_eq!(r.stdout, CheckFormat::Json);
        let r = reports(Some(CheckFormat::Github), &[], &flags(&["github=-"]), None).unwrap();
        assert_eq!(r.stdout, CheckFormat::Github);
        assert!(r.files.is_empty());
        assert_eq!(
            reports(None, &[], &[], None).unwrap().stdout,
            CheckFormat::Table
        );
    }

    #[test]
    fn stdout_named_twice_is_a_usage_error() {
        for (format, f) in [
            (Some(CheckFormat::Json), flags(&["github=-"])),
            (None, flags(&["github=-", "github=-"])),
        ] {
            let e = reports(format, &[], &f, None).unwrap_err();
            assert!(matches!(e, Error::Usage { .. }), "{e}");
            assert!(e.to_string().contains("stdout"), "{e}");
        }
        let e = reports(None, &[], &flags(&["github="]), None).unwrap_err();
        assert!(e.hint().unwrap().contains("`markdown`"));
    }
}
