//! `status`: each table's state from the run log, against the interval it is expected to run
//! in (a run config's `expect_every`, else one for all).

use super::config::Config;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::history::{History, TableStatus};

/// Which history, and what is expected of its tables.
#[derive(Debug, Clone)]
pub struct StatusPlan {
    /// The history (else the config's).
    pub history: Option<String>,
    pub config: Option<Config>,
    /// Seconds, for tables without their own `expect_every`.
    pub expect_every: u64,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// The history's location and each table's status. Tables the config names that never ran are
/// overdue too.
pub async fn status(ctx: &Context, plan: &StatusPlan) -> Result<(String, Vec<TableStatus>)> {
    let config_history = plan.config.as_ref().and_then(|c| c.history.clone());
    let Some(location) = plan.history.clone().or(config_history) else {
        return Err(Error::usage(
            "no history to read",
            "pass `--history DIR`, or a `--config` whose `history:` is set",
        ));
    };
    let history = History::open_existing(ctx, &location)?;
    let every = |t: &str| {
        plan.config
            .as_ref()
            .and_then(|c| c.tables.iter().find(|x| x.name == t))
            .and_then(|x| x.expect_every)
            .unwrap_or(plan.expect_every)
    };
    let mut tables = history.status(plan.now, every).await?;
    for t in plan.config.iter().flat_map(|c| &c.tables) {
        if !tables.iter().any(|x| x.table == t.name) {
            tables.push(TableStatus::of(&t.name, &[], plan.now, every(&t.name)));
        }
    }
    Ok((history.location().to_string(), tables))
}
