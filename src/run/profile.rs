//! The profile engine: one scan of the selected slice (or its footers alone), optionally stored
//! in the history as a backfill.

use crate::context::Context;
use crate::error::{Error, Result};
use crate::history::History;
use crate::profile::{self, TableProfile, metadata::FieldFacts};
use crate::source::{PartitionSelector, Source, SourceRef};

/// What to profile.
#[derive(Debug, Clone)]
pub struct ProfilePlan {
    pub source: SourceRef,
    pub partitions: Vec<PartitionSelector>,
    /// Only these columns (all when None).
    pub columns: Option<Vec<String>>,
    /// Answer from footers or manifests alone, reading no data page.
    pub metadata_only: bool,
    /// Store the profile of each selected partition (or of this run) in this history.
    pub history: Option<String>,
    /// The table's name in the history.
    pub name: String,
}

/// What a profile run found.
#[derive(Debug, Clone)]
pub struct ProfileReport {
    pub profile: TableProfile,
    /// For `metadata_only`: each field's exact facts from the footers or manifests.
    pub facts: Option<Vec<FieldFacts>>,
    /// Footers or manifests: where unscanned answers came from.
    pub origin: &'static str,
    pub notes: Vec<String>,
}

/// A table's name in the history when none is given: the last component of its location.
pub fn default_table_name(location: &str) -> String {
    location
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(location)
        .to_string()
}

pub async fn profile(ctx: &Context, plan: &ProfilePlan) -> Result<ProfileReport> {
    let source = Source::open(ctx, &plan.source, &plan.partitions).await?;
    let origin = source.metadata_origin();
    let mut notes: Vec<String> = source
        .warnings
        .iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    if plan.metadata_only {
        if let Some(t) = source.iceberg().filter(|_| !source.counts_exact()) {
            return Err(Error::usage(
                format!(
                    "`{}` cannot be answered from metadata: snapshot {} has {} delete file(s), so the manifests' counts include deleted rows",
                    plan.source,
                    t.snapshot_id().unwrap_or_default(),
                    t.delete_files.len()
                ),
                "run without `--metadata-only`: the scan applies the deletes",
            ));
        }
        let columns = profile::resolve_columns(&source, plan.columns.as_deref())?;
        ctx.progress.metadata_answer(
            &plan.name,
            &format!("row count, null counts, min and max from {origin} (`--metadata-only`)"),
        );
        return Ok(ProfileReport {
            facts: Some(profile::metadata::facts(&source, &columns)?),
            profile: profile::footer_profile(&source),
            origin,
            notes,
        });
    }
    let Some(dir) = &plan.history else {
        let columns = profile::resolve_columns(&source, plan.columns.as_deref())?;
        return Ok(ProfileReport {
            profile: profile::profile(ctx, &source, &columns).await?,
            facts: None,
            origin,
            notes,
        });
    };
    // Backfill: every column of each selected partition, stored unless already there.
    if plan.columns.is_some() {
        return Err(Error::usage(
            "`--columns` and `--history` do not go together",
            "stored profiles cover every column, so later baselines have what any contract needs",
        ));
    }
    let history = History::open(ctx, dir)?;
    let columns = profile::resolve_columns(&source, None)?;
    let options = profile::Options {
        by_partition: true,
        ..profile::Options::default()
    };
    let (profiled, incremental) = crate::history::incremental::profile_or_scan(
        ctx, &source, &history, &plan.name, &columns, &options,
    )
    .await?;
    let _t = ctx.progress.timed(crate::progress::Phase::History);
    if profiled.partitions.is_empty() {
        let id = crate::history::new_run_id(chrono::Utc::now());
        history.put(&plan.name, &id, &profiled.whole, None).await?;
    }
    for (name, part) in &profiled.partitions {
        history.put(&plan.name, name, part, None).await?;
    }
    Ok(ProfileReport {
        profile: profiled.whole,
        facts: None,
        origin,
        notes: {
            notes.extend(incremental.map(|i| i.note(&source.location)));
            notes
        },
    })
}
