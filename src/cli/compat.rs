//! `compat` (is a producer's change safe?) and `impact` (who depends on a table or field?).

use super::{ContextArgs, Outcome, json_text};
use crate::compat::{CompatPlan, Mode, Side};
use crate::contract::dependents::{Dependency, Dependents};
use crate::error::{Error, Result};
use crate::report;
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompatFormat {
    Table,
    Json,
    Github,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct CompatArgs {
    /// The old side: a table SOURCE (Parquet, hive directory, Iceberg table or
    /// `TABLE@snapshot:ID`, `s3://...`) or a contract file (`.yaml`)
    pub old: String,
    /// The new side, of the same kind as OLD
    pub new: String,
    /// Which readers must keep working: `backward` (readers on the new schema read the old
    /// data), `forward` (readers on the old schema read the new data) or `full` (both)
    #[arg(long, value_enum, default_value_t = Mode::Full)]
    pub mode: Mode,
    /// Every consumer's contracts (a file or a directory of `*.yaml`; repeatable): each change is
    /// mapped to the consumers and contract lines that depend on its field
    #[arg(long = "contract", value_name = "FILE_OR_DIR")]
    pub contracts: Vec<PathBuf>,
    /// The tables' name in the consumers' contracts (default: the entry whose `source:` is OLD or
    /// NEW, or the only table the contracts name)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Compare schemas only: skip the scan of string columns that finds new enum values
    #[arg(long)]
    pub schema_only: bool,
    #[arg(long, value_enum, default_value_t = CompatFormat::Table)]
    pub format: CompatFormat,
    #[command(flatten)]
    pub context: ContextArgs,
}

#[derive(Debug, clap::Args)]
pub struct ImpactArgs {
    /// `TABLE` or `TABLE.FIELD`, as the contracts name them
    pub target: String,
    /// The consumers' contracts (a file or a directory of `*.yaml`; repeatable)
    #[arg(long = "contract", value_name = "FILE_OR_DIR", required = true)]
    pub contracts: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = CompatFormat::Table)]
    pub format: CompatFormat,
}

pub async fn run_compat(a: CompatArgs) -> Result<Outcome> {
    super::contract_paths::refuse_tables(
        &a.contracts,
        &super::contract_paths::table_order_hint("plimsoll compat OLD NEW --contract FILE_OR_DIR"),
    )?;
    let ctx = a.context.connect().await?;
    let plan = CompatPlan {
        old: Side::parse(&a.old)?,
        new: Side::parse(&a.new)?,
        mode: a.mode,
        contracts: a.contracts,
        table: a.name,
        schema_only: a.schema_only,
    };
    let r = crate::compat::compat(&ctx, &plan).await?;
    let stdout = match a.format {
        CompatFormat::Table => report::compat::table(&r),
        CompatFormat::Json => json_text(&report::compat::json(&r)),
        CompatFormat::Github => report::compat::github(&r),
        CompatFormat::Markdown => report::compat::markdown(&r),
    };
    let mut outcome =
        Outcome::new(stdout, u8::from(r.breaks())).styled(a.format == CompatFormat::Table);
    // As `check`: the github format also appends the Markdown summary to the step's summary.
    if a.format == CompatFormat::Github
        && let Some(path) = super::check::step_summary_from_env()
        && let Err(e) = report::append(&path, &format!("\n{}", report::compat::markdown(&r)))
    {
        outcome.notes.push(format!(
            "warning: the summary was not appended to `GITHUB_STEP_SUMMARY`: {}",
            report::error_parts(&e).0
        ));
    }
    Ok(outcome)
}

pub fn run_impact(a: ImpactArgs) -> Result<Outcome> {
    super::contract_paths::refuse_tables(
        &a.contracts,
        "`impact` reads contracts only, and names the table as they do: `plimsoll impact TABLE[.FIELD] --contract FILE_OR_DIR`",
    )?;
    let contracts = crate::contract::load(&a.contracts)?;
    let d = Dependents::of(&contracts);
    let tables = d.tables();
    // `TABLE.FIELD`, unless the whole target is a table name (table names may hold dots).
    let (table, field) = match a.target.rsplit_once('.') {
        _ if tables.contains(&a.target.as_str()) => (a.target.as_str(), None),
        Some((t, f)) if tables.contains(&t) => (t, Some(f)),
        _ => {
            return Err(Error::usage(
                format!("no contract depends on `{}`", a.target),
                format!(
                    "the contracts name {}; write `TABLE` or `TABLE.FIELD`",
                    crate::run::plan::quoted(&tables)
                ),
            ));
        }
    };
    let deps: Vec<&Dependency> = match field {
        Some(f) => d.of_field(table, f).collect(),
        None => d.of_table(table).collect(),
    };
    let stdout = match a.format {
        CompatFormat::Table => report::compat::impact_table(&a.target, &deps),
        CompatFormat::Json => json_text(&report::compat::impact_json(&a.target, &deps)),
        CompatFormat::Markdown | CompatFormat::Github => {
            report::compat::impact_markdown(&a.target, &deps)
        }
    };
    Ok(Outcome::new(stdout, 0))
}
