//! Observing a run while it works: listings, the scan's progress, what each scan read, where
//! answers came from without a scan, and how long each phase took. The engine reports to a
//! [`Progress`] carried in the [`crate::Context`]; it never draws nor prints. The default
//! observer does nothing; the command line's draws a progress bar on a terminal and says the
//! facts with `-v` (`cli::term`).

use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::metrics::MetricValue;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The phases of a run, timed for `-v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Listing files (a directory, an S3 prefix) or reading an Iceberg table's metadata.
    List,
    /// Reading the selected files' footers (Parquet) or manifests (Iceberg): the scan's plan.
    Footers,
    /// Scanning the data.
    Scan,
    /// Running the checks over the profiles.
    Checks,
    /// Writing profiles and the run log to the history store.
    History,
    /// Rendering and writing the reports.
    Reports,
}

impl Phase {
    pub const ALL: [Phase; 6] = [
        Phase::List,
        Phase::Footers,
        Phase::Scan,
        Phase::Checks,
        Phase::History,
        Phase::Reports,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::List => "list",
            Phase::Footers => "footers/plan",
            Phase::Scan => "scan",
            Phase::Checks => "checks",
            Phase::History => "history write",
            Phase::Reports => "reports",
        }
    }
}

/// What a scan is about to read, as the footers (or manifests) tell it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanTotals {
    /// The table (its location as given).
    pub table: String,
    pub files: u64,
    /// Size of the files.
    pub bytes: u64,
    pub rows: u64,
    /// Columns profiled in this scan.
    pub columns: usize,
}

/// How far a scan has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanDone {
    /// Rows the readers have produced (0 when the reader keeps no count).
    pub rows: u64,
    /// Bytes fetched from storage.
    pub bytes: u64,
    /// Files opened.
    pub files: u64,
}

/// What a finished scan read, from the metrics of its executed plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanStats {
    pub totals: ScanTotals,
    pub done: ScanDone,
    /// The files read, each with the bytes fetched from it, in name order.
    pub files: Vec<(String, u64)>,
    /// Row groups read and pruned by their statistics (a partition or event-time filter).
    pub row_groups_read: u64,
    pub row_groups_pruned: u64,
    /// Files (or file ranges) pruned by their statistics before any row group was read.
    pub files_pruned: u64,
    pub elapsed: Duration,
}

/// An observer of a run. Every method has a default that does nothing.
pub trait Progress: Send + Sync {
    /// Work of unknown size starts: listing a location, reading a table's metadata, planning a
    /// scan (`what` says it: `listing s3://lake/orders`).
    fn listing(&self, _what: &str) {}
    /// It ended (`listed s3://lake/orders`): files found and their size.
    fn listed(&self, _what: &str, _files: u64, _bytes: u64) {}
    /// A scan starts.
    fn scan_started(&self, _totals: &ScanTotals) {}
    /// A scan advanced (called a few times a second while it runs).
    fn advanced(&self, _done: &ScanDone) {}
    /// A scan ended (also when it failed).
    fn finished(&self, _stats: &ScanStats) {}
    /// Something was answered from metadata without reading data pages.
    fn metadata_answer(&self, _table: &str, _what: &str) {}
    /// A phase took `elapsed` (phases repeat: once per table, slice, baseline).
    fn phase(&self, _phase: Phase, _elapsed: Duration) {}
}

/// The observer that does nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}

/// The observer of a run, shared by everything the run does.
#[derive(Clone)]
pub struct Observer {
    inner: Arc<dyn Progress>,
    active: bool,
}

impl Default for Observer {
    fn default() -> Self {
        Observer {
            inner: Arc::new(Silent),
            active: false,
        }
    }
}

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.active {
            "Observer(active)"
        } else {
            "Observer(silent)"
        })
    }
}

impl std::ops::Deref for Observer {
    type Target = dyn Progress;
    fn deref(&self) -> &Self::Target {
        self.inner.as_ref()
    }
}

impl Observer {
    pub fn new(p: Arc<dyn Progress>) -> Self {
        Observer {
            inner: p,
            active: true,
        }
    }

    /// Whether anyone listens (the silent default does not): scans then skip their ticker.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Times a phase until the returned guard is dropped.
    pub fn timed(&self, phase: Phase) -> Timed {
        Timed {
            observer: self.clone(),
            phase,
            start: Instant::now(),
        }
    }
}

/// Reports its phase's time when dropped.
pub struct Timed {
    observer: Observer,
    phase: Phase,
    start: Instant,
}

impl Drop for Timed {
    fn drop(&mut self) {
        self.observer.phase(self.phase, self.start.elapsed());
    }
}

/// How often a running scan reports.
const TICK: Duration = Duration::from_millis(100);

/// Executes `df` as `DataFrame::collect` does, telling `observer` how the scan advances (from the
/// live metrics of the plan's readers) and what it read in the end; `display` names a file read
/// from its key in the object store.
pub async fn collect(
    observer: &Observer,
    totals: ScanTotals,
    display: &(dyn Fn(&str) -> String + Sync),
    df: datafusion::prelude::DataFrame,
) -> datafusion::error::Result<Vec<arrow::array::RecordBatch>> {
    let start = Instant::now();
    let task = Arc::new(df.task_ctx());
    let plan = df.create_physical_plan().await?;
    observer.scan_started(&totals);
    let run = datafusion::physical_plan::collect(plan.clone(), task);
    let result = if observer.is_active() {
        tokio::pin!(run);
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                r = &mut run => break r,
                _ = tick.tick() => observer.advanced(&read_metrics(plan.as_ref()).done),
            }
        }
    } else {
        run.await
    };
    let mut stats = read_metrics(plan.as_ref());
    for (name, _) in &mut stats.files {
        *name = display(name);
    }
    stats.totals = totals;
    stats.elapsed = start.elapsed();
    observer.finished(&stats);
    observer.phase(Phase::Scan, stats.elapsed);
    result
}

/// What the readers of `plan` (its `DataSourceExec` nodes) have read so far.
pub fn read_metrics(plan: &dyn ExecutionPlan) -> ScanStats {
    let mut stats = ScanStats::default();
    let mut files: BTreeMap<String, u64> = BTreeMap::new();
    visit(plan, &mut stats, &mut files);
    stats.done.files = files.len() as u64;
    stats.files = files.into_iter().collect();
    stats
}

fn visit(plan: &dyn ExecutionPlan, stats: &mut ScanStats, files: &mut BTreeMap<String, u64>) {
    if plan.children().is_empty()
        && let Some(metrics) = plan.metrics()
    {
        for m in metrics.iter() {
            let file = m
                .labels()
                .iter()
                .find(|l| l.name() == "filename")
                .map(|l| l.value().to_string());
            match m.value() {
                MetricValue::OutputRows(c) => stats.done.rows += c.value() as u64,
                MetricValue::Count { name, count } if name == "bytes_scanned" => {
                    stats.done.bytes += count.value() as u64;
                    if let Some(f) = file {
                        *files.entry(f).or_default() += count.value() as u64;
                    }
                }
                MetricValue::PruningMetrics {
                    name,
                    pruning_metrics,
                } => match name.as_ref() {
                    "row_groups_pruned_statistics" => {
                        stats.row_groups_read += pruning_metrics.matched() as u64;
                        stats.row_groups_pruned += pruning_metrics.pruned() as u64;
                    }
                    "files_ranges_pruned_statistics" => {
                        stats.files_pruned += pruning_metrics.pruned() as u64;
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
    for child in plan.children() {
        visit(child.as_ref(), stats, files);
    }
}
