//! `history`: a table's metrics over the stored slices of a history, with sparklines.

use super::{Format, Outcome, json_text};
use crate::error::Result;
use crate::history::trend::Metric;
use crate::report;
use crate::run::trend::TrendPlan;

pub const HISTORY_EXIT_CODES: &str = "Exit codes:\n  0  the series were printed\n  2  the history could not be read, or it has no such table or field (the stored ones are listed)";

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// The table's name in the history
    pub table: String,
    /// The profile history store (a directory or `s3://BUCKET/PREFIX`)
    #[arg(long, value_name = "DIR")]
    pub history: String,
    /// One field's series (default: the table's rows and a line per metric of every field)
    #[arg(long, value_name = "FIELD")]
    pub field: Option<String>,
    /// One metric (default: every metric that applies)
    #[arg(long, value_enum, value_name = "METRIC")]
    pub metric: Option<Metric>,
    /// The newest N stored slices
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub last: usize,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Endpoint of an S3-compatible store holding the history (overrides `AWS_ENDPOINT_URL`)
    #[arg(long, value_name = "URL")]
    pub s3_endpoint: Option<String>,
}

pub async fn run_history(a: HistoryArgs) -> Result<Outcome> {
    if a.format == Format::Html {
        return Err(crate::error::Error::usage(
            "`history` has no HTML report",
            "use `--format table` or `--format json`",
        ));
    }
    let mut ctx = crate::Context::from_env();
    super::s3_endpoint(&mut ctx.s3, a.s3_endpoint.as_deref())?;
    let plan = TrendPlan {
        history: a.history,
        table: a.table,
        field: a.field,
        metric: a.metric,
        last: a.last,
    };
    let r = crate::run::trend::trend(&ctx, &plan).await?;
    let stdout = match a.format {
        Format::Json => json_text(&report::trend::json(&r)),
        Format::Table | Format::Html => report::trend::table(&r),
    };
    Ok(Outcome::new(stdout, 0))
}
