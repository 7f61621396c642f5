//! `suggest`: flags into a suggest plan, the engine, and the contract on stdout.

use super::{ContextArgs, Outcome, SnapshotArgs};
use crate::baseline::BaselineSpec;
use crate::error::Result;
use crate::run::profile::default_table_name;
use crate::run::suggest::SuggestPlan;
use crate::source::PartitionSelector;
use clap::ValueEnum;

pub const SUGGEST_EXIT_CODES: &str = "Exit codes:\n  0  the contract was written to stdout\n  2  the run could not be completed (bad arguments, unreadable source, no baseline)";

#[derive(Debug, clap::Args)]
pub struct SuggestArgs {
    /// The table: a Parquet file or directory, `s3://...`, or an Iceberg table
    pub source: String,
    /// The contract's consumer (default: `<TABLE>-consumer`)
    #[arg(long, value_name = "NAME")]
    pub consumer: Option<String>,
    /// The table's name in the contract (default: the last component of SOURCE, without
    /// `.parquet`)
    #[arg(long, value_name = "NAME")]
    pub table_name: Option<String>,
    /// Select the slice to read: `KEY=VALUE` or `KEY=latest` (repeatable)
    #[arg(long = "partition", value_name = "KEY=VALUE")]
    pub partitions: Vec<PartitionSelector>,
    /// Fit the margins to the day-to-day spread of a baseline as well: `Nd` (the N partitions
    /// before the selected date partition), `KEY=VALUE`, a SOURCE or `snapshot:ID`
    #[arg(long, value_name = "SOURCE|KEY=VALUE|Nd")]
    pub baseline: Option<String>,
    /// `plimsoll` (a contract `check` reads) or `odcs` (Open Data Contract Standard v3.1.0)
    #[arg(long, value_enum, default_value_t = SuggestFormat::Plimsoll)]
    pub format: SuggestFormat,
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SuggestFormat {
    Plimsoll,
    Odcs,
}

pub async fn run_suggest(a: SuggestArgs) -> Result<Outcome> {
    let ctx = a.context.connect().await?;
    let source = a.snapshot.source(&a.source)?;
    let table = a.table_name.clone().unwrap_or_else(|| {
        let name = default_table_name(&source.location);
        name.strip_suffix(".parquet")
            .filter(|n| !n.is_empty())
            .map_or(name.clone(), str::to_string)
    });
    let plan = SuggestPlan {
        consumer: a
            .consumer
            .clone()
            .unwrap_or_else(|| format!("{table}-consumer")),
        table,
        source,
        partitions: a.partitions,
        baseline: a.baseline.as_deref().map(BaselineSpec::parse).transpose()?,
    };
    let r = crate::run::suggest::suggest(&ctx, &plan).await?;
    let stdout = match a.format {
        SuggestFormat::Plimsoll => crate::suggest::render::contract(&r.suggestion),
        SuggestFormat::Odcs => crate::suggest::odcs::document_of(&r.suggestion),
    };
    Ok(Outcome::new(stdout, 0).with_notes(&r.notes))
}
