//! What a check run knows of when data arrived: gathered from the source's listing or snapshot
//! log and from the history (the run before, the files of slices checked before), for the
//! `arrival`, column-less `freshness` and `restated` checks. Metadata only: no data file is read.

use crate::check::Status;
use crate::check::arrival::{ArrivalFacts, NewestFile, PreviousRun};
use crate::contract::TableContract;
use crate::error::Result;
use crate::history::History;
use crate::history::fileset::{FileSet, TableState};
use crate::profile::Profiled;
use crate::source::Source;

/// The arrival facts of a checked table, and the state of the whole table to record with the
/// run (when a history is kept).
pub async fn facts(
    source: &Source,
    history: Option<&History>,
    table: &str,
    entries: &[&TableContract],
    profiled: &Profiled,
) -> Result<(ArrivalFacts, Option<TableState>)> {
    let newest = |whole: bool| {
        source.newest_file(whole).and_then(|f| {
            f.modified.map(|m| NewestFile {
                path: f.path.clone(),
                modified: m,
            })
        })
    };
    let mut facts = ArrivalFacts {
        data_commit: source.newest_data_commit(),
        iceberg: source.iceberg().is_some(),
        newest_file: newest(true),
        files_listed: source.file_count(true),
        slice_newest_file: newest(false),
        slice_files: source.file_count(false),
        previous: None,
        restated: Vec::new(),
    };
    let Some(h) = history else {
        return Ok((facts, None));
    };
    let state = TableState::of(source);
    if entries.iter().any(|e| e.arrival.is_some()) {
        let runs = h.runs(table).await?;
        facts.previous = runs
            .iter()
            .rev()
            .filter(|r| r.status != Status::Error)
            .find_map(|r| r.table_state.as_ref().map(|s| (r, s)))
            .map(|(r, then)| PreviousRun {
                at: r.started_at,
                unchanged: then.unchanged(&state),
                files_then: then.files.count,
                files_now: state.files.count,
                rows_then: then.rows,
                rows_now: state.rows,
            });
    }
    let slices: Vec<(String, FileSet, u64)> = profiled
        .partitions
        .iter()
        .map(|(name, p)| (name.clone(), slice_files(source, Some(name)), p.row_count))
        .collect();
    facts.restated = crate::history::restated::detect(h, table, &slices).await?;
    Ok((facts, Some(state)))
}

/// The files of one partition of the checked slice (`None`: all of the slice's files), as
/// stored with its profile.
pub fn slice_files(source: &Source, partition: Option<&str>) -> FileSet {
    FileSet::of(
        source,
        source
            .files
            .iter()
            .filter(|f| partition.is_none_or(|p| f.partition_name() == p)),
    )
}
