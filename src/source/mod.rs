//! SOURCE -> a DataFusion table, plus what is known without a scan: the files, their sizes and
//! row counts (Parquet footers), the hive partitions and their typed values.
//!
//! Local paths and `s3://` locations go through one object-store path ([`storage`]): one hive
//! lister, concurrent footer reads. A location is listed once; slices of it (other partitions,
//! for a baseline) are selected from that listing. Partition selection happens on paths, before
//! any file is opened; only the footers of the selected files are read, and the scan is pruned
//! to them by an exact partition filter.

pub mod arrival;
pub mod errors;
pub mod files;
pub mod footer;
pub mod iceberg;
pub mod panics;
mod partitions;
pub mod s3;
pub mod slices;
mod slicing;
pub mod storage;
pub mod unify;

pub use files::FileInfo;
pub use partitions::{HIVE_NULL, PartitionSelector, SelectValue};

use partitions::{KeyLayout, partition_columns, select, strays};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::progress::Phase;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::logical_expr::{Expr, lit};
use datafusion::prelude::{DataFrame, SessionContext};
use iceberg::SnapshotSelect;
use std::sync::Arc;
use storage::Storage;

/// What to read: a location and, for an Iceberg table, which snapshot.
///
/// Written `LOCATION`, `LOCATION@snapshot:ID` or `LOCATION@as-of:TIME` (RFC 3339 or a date), so
/// each table of a run (a referenced table, a baseline source) names its own snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRef {
    pub location: String,
    pub snapshot: SnapshotSelect,
}

impl SourceRef {
    /// The current state of `location`.
    pub fn new(location: &str) -> Self {
        Self::at(location, SnapshotSelect::Current)
    }

    pub fn at(location: &str, snapshot: SnapshotSelect) -> Self {
        SourceRef {
            location: location.to_string(),
            snapshot,
        }
    }

    /// Parses `LOCATION[@snapshot:ID|@as-of:TIME]`.
    pub fn parse(s: &str) -> Result<SourceRef> {
        if let Some((loc, id)) = s.rsplit_once("@snapshot:") {
            let id = id.parse().map_err(|_| {
                Error::usage(
                    format!("invalid snapshot in `{}`", redact(s)),
                    "write `LOCATION@snapshot:ID` with a numeric Iceberg snapshot id",
                )
            })?;
            return Ok(Self::at(loc, SnapshotSelect::Id(id)));
        }
        if let Some((loc, t)) = s.rsplit_once("@as-of:") {
            let at = crate::contract::units::parse_time(t).map_err(|e| {
                Error::usage(
                    format!("invalid time in `{}`: {e}", redact(s)),
                    "write `LOCATION@as-of:2024-03-01T00:00:00Z` or `LOCATION@as-of:2024-03-01`",
                )
            })?;
            return Ok(Self::at(loc, SnapshotSelect::AsOf(at.timestamp_millis())));
        }
        Ok(Self::new(s))
    }
}

impl std::fmt::Display for SourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.snapshot {
            SnapshotSelect::Current => write!(f, "{}", redact(&self.location)),
            s => write!(f, "{}@{s}", redact(&self.location)),
        }
    }
}

/// A location as it may be shown: credentials written into a URL (`scheme://USER:PASS@host`)
/// are replaced by `***`.
pub fn redact(location: &str) -> String {
    let Some((scheme, rest)) = location.split_once("://") else {
        return location.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => location.to_string(),
    }
}

/// Where the files are.
#[derive(Debug, Clone)]
enum Backend {
    /// Parquet files on the local filesystem or S3.
    Files {
        storage: Storage,
        root: object_store::path::Path,
    },
    Iceberg(Arc<iceberg::IcebergTable>),
}

/// A table of Parquet files (or an Iceberg snapshot), with the slice of it selected for
/// profiling.
#[derive(Debug, Clone)]
pub struct Source {
    /// The location as the user gave it.
    pub location: String,
    backend: Backend,
    is_file: bool,
    /// Hive partition columns, typed from their values.
    pub partition_cols: Vec<(String, DataType)>,
    /// Every file of the table as listed (footers unread), shared by the slices selected from it.
    listing: Arc<Vec<FileInfo>>,
    /// The selected files, footers read.
    pub files: Vec<FileInfo>,
    /// Schema of the files merged (as DataFusion reads them), without partition columns.
    file_schema: SchemaRef,
    filter: Option<Expr>,
    /// How each partition key is read (parallel to `partition_cols`).
    key_layout: Vec<KeyLayout>,
    /// What the user should know about the source (stray partition directories left out), one
    /// line each, for the front end to show as `warning: ...`.
    pub warnings: Vec<String>,
    /// Keys the table is sliced by that are not hive directories: an Iceberg table's partition
    /// fields, or the event-time column of a contract's `slice:` (see [`slices`]).
    pub slice_keys: Vec<slices::SliceKey>,
    /// The event-time slices selected (`event_time=2024-03-08`), cut from the files by `filter`.
    selected_slices: Vec<String>,
    /// The filter cuts inside files: their row counts are not the slice's.
    rows_filtered: bool,
    /// Where the event-time slicing was declared (`contract.yaml:12`), for its errors.
    slicing_declared_at: Option<String>,
}

impl Source {
    /// Lists the source, selects partitions, reads the footers of the selected files.
    pub async fn open(
        ctx: &Context,
        what: &SourceRef,
        selectors: &[PartitionSelector],
    ) -> Result<Source> {
        Self::open_with(ctx, what, selectors, true).await
    }

    /// As [`Source::open`]; with `strict` false, selectors on keys this source is not
    /// partitioned by are ignored (a check run over several tables, some unpartitioned).
    pub async fn open_with(
        ctx: &Context,
        what: &SourceRef,
        selectors: &[PartitionSelector],
        strict: bool,
    ) -> Result<Source> {
        Self::open_sliced(ctx, what, selectors, strict, None).await
    }

    /// As [`Source::open_with`], with a contract's event-time slicing (`slice: { column, every }`)
    /// for `--partition COLUMN=...` on a table not partitioned by time.
    pub async fn open_sliced(
        ctx: &Context,
        what: &SourceRef,
        selectors: &[PartitionSelector],
        strict: bool,
        slicing: Option<&slices::EventSlicing>,
    ) -> Result<Source> {
        let location = what.location.as_str();
        if let Some(target) = iceberg::detect(ctx, location).await? {
            let source = {
                let _t = ctx.progress.timed(Phase::List);
                ctx.progress
                    .listing(&format!("reading the metadata of {}", redact(location)));
                let source = Self::open_iceberg(ctx, location, &target, what.snapshot, slicing);
                let source = source.await?;
                let files = source.files.len() as u64;
                let what = format!("read the metadata of {}", redact(location));
                ctx.progress.listed(&what, files, source.bytes());
                source
            };
            let _t = ctx.progress.timed(Phase::Footers);
            ctx.progress
                .listing(&format!("planning {}", redact(location)));
            let selected = source.select(selectors, strict).await?;
            let files = selected.files.len() as u64;
            let what = format!("planned {}", redact(location));
            ctx.progress.listed(&what, files, selected.bytes());
            return Ok(selected);
        }
        if what.snapshot != SnapshotSelect::Current {
            return Err(Error::usage(
                format!(
                    "`{}` is a Parquet table: it has no snapshots to select ({})",
                    redact(location),
                    what.snapshot
                ),
                "`--snapshot`, `--as-of` and `@snapshot:`/`@as-of:` apply to Iceberg tables only; drop them for this table",
            ));
        }
        let (storage, root) = Storage::open(ctx, location)?;
        let listing = {
            let _t = ctx.progress.timed(Phase::List);
            ctx.progress
                .listing(&format!("listing {}", redact(location)));
            let listing = storage.list(location, &root).await;
            if let Ok(l) = &listing {
                let bytes = l.files.iter().map(|f| f.size).sum();
                let what = format!("listed {}", redact(location));
                ctx.progress.listed(&what, l.files.len() as u64, bytes);
            }
            listing?
        };
        if listing.files.is_empty() {
            return Err(Error::NoParquetFiles {
                path: location.to_string(),
            });
        }
        let mut files = listing.files;
        let partition_cols = partition_columns(location, &files)?;
        // Strays are left out of the listing itself: no slice selected from it sees them.
        let (key_layout, warnings) = strays(location, &partition_cols, &mut files);
        let source = Source {
            location: location.to_string(),
            backend: Backend::Files { storage, root },
            is_file: listing.is_file,
            partition_cols,
            listing: Arc::new(files),
            files: Vec::new(),
            file_schema: Arc::new(Schema::empty()),
            filter: None,
            key_layout,
            warnings,
            slice_keys: Vec::new(),
            selected_slices: Vec::new(),
            rows_filtered: false,
            slicing_declared_at: None,
        };
        let source = slicing::with_event_slicing(source, slicing);
        let _t = ctx.progress.timed(Phase::Footers);
        source.select(selectors, strict).await
    }

    /// Another slice of the same table: the files of the selected partitions, from the listing
    /// this source was opened with (nothing is listed again), footers read.
    pub async fn select(&self, selectors: &[PartitionSelector], strict: bool) -> Result<Source> {
        let Backend::Files { storage, .. } = &self.backend else {
            return slicing::select_iceberg(self, selectors, strict).await;
        };
        let location = self.location.as_str();
        let (selectors, on_slices) = slicing::split(self, selectors);
        let selectors: Vec<PartitionSelector> = selectors
            .into_iter()
            .filter(|s| strict || self.partition_cols.iter().any(|(k, _)| k == &s.key))
            .collect();
        let mut files: Vec<FileInfo> = self.listing.as_ref().clone();
        let filter = select(
            location,
            &self.partition_cols,
            &self.key_layout,
            &mut files,
            &selectors,
        )?;
        let schemas = storage.read_footers(&mut files).await?;
        // Files written over time may have widened a column's type: the table reads them all
        // as the widened type (each file cast to it by the scan, its statistics by the facts).
        let schema = unify::unify(files.iter().map(|f| f.path.as_str()).zip(&schemas)).map_err(
            |conflict| Error::SchemaMismatch {
                path: location.to_string(),
                conflict: Box::new(conflict),
            },
        )?;
        let part_names: Vec<&str> = self
            .partition_cols
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        if let Some(clash) = schema
            .fields()
            .iter()
            .find(|f| part_names.contains(&f.name().as_str()))
        {
            return Err(Error::PartitionLayout {
                path: location.to_string(),
                reason: format!(
                    "`{}` is both a partition key and a column in the files",
                    clash.name()
                ),
            });
        }
        let source = Source {
            files,
            file_schema: Arc::new(view_types(&schema)),
            filter,
            selected_slices: Vec::new(),
            rows_filtered: false,
            ..self.clone()
        };
        slicing::select_event_time(source, &on_slices, strict)
    }

    async fn open_iceberg(
        ctx: &Context,
        location: &str,
        target: &iceberg::Target,
        snapshot: SnapshotSelect,
        slicing: Option<&slices::EventSlicing>,
    ) -> Result<Source> {
        // Manifests are read by the selection (pruned to the selected partitions).
        let table = iceberg::open_metadata(ctx, location, target, snapshot).await?;
        let source = Source {
            location: location.to_string(),
            is_file: false,
            partition_cols: vec![],
            listing: Arc::new(Vec::new()),
            files: Vec::new(),
            file_schema: table.arrow_schema.clone(),
            filter: None,
            key_layout: vec![],
            warnings: vec![],
            slice_keys: table.slice_keys.clone(),
            selected_slices: Vec::new(),
            rows_filtered: false,
            slicing_declared_at: None,
            backend: Backend::Iceberg(Arc::new(table.clone())),
        };
        let source = source.with_iceberg(table);
        Ok(slicing::with_event_slicing(source, slicing))
    }

    /// This source over (a pruning of) its Iceberg table: the table's data files are the
    /// selected files, each with its partition.
    fn with_iceberg(&self, table: iceberg::IcebergTable) -> Source {
        let files: Vec<FileInfo> = table
            .files
            .iter()
            .map(|f| {
                let mut info = FileInfo::new(
                    f.path.clone(),
                    object_store::path::Path::from(f.path.as_str()),
                    f.size,
                    f.partition.clone(),
                );
                info.rows = f.records;
                info
            })
            .collect();
        Source {
            files,
            backend: Backend::Iceberg(Arc::new(table)),
            ..self.clone()
        }
    }

    /// The Iceberg table and snapshot behind this source, when it is one.
    pub fn iceberg(&self) -> Option<&iceberg::IcebergTable> {
        match &self.backend {
            Backend::Iceberg(t) => Some(t),
            _ => None,
        }
    }

    /// Every file of the table as listed (not only the selected slice). Empty for an Iceberg
    /// table whose manifests were pruned to the selected partitions: see
    /// [`Source::partition_values`].
    pub fn listing(&self) -> &[FileInfo] {
        &self.listing
    }

    /// Every value of partition `key` in the table, sorted: from the listing, or for an Iceberg
    /// table read with pruned manifests, from all its manifests (metadata only).
    pub async fn partition_values(&self, key: &str) -> Result<Vec<String>> {
        let files: Vec<FileInfo>;
        let listed: &[FileInfo] = match self.iceberg() {
            Some(t) if self.listing.is_empty() => {
                files = self
                    .with_iceberg(t.pruned(&self.location, None).await?)
                    .files;
                &files
            }
            _ => &self.listing,
        };
        let mut values: Vec<String> = listed
            .iter()
            .filter_map(|f| f.partition.iter().find(|(k, _)| k == key))
            .map(|(_, v)| v.clone())
            .collect();
        values.sort();
        values.dedup();
        Ok(values)
    }

    /// Whether the files' row counts (footers, manifests) are the table's: false for an Iceberg
    /// snapshot with delete files, whose rows must be counted by a scan.
    pub fn counts_exact(&self) -> bool {
        !self.rows_filtered && self.iceberg().is_none_or(|t| t.delete_files.is_empty())
    }

    /// Where answers from metadata come from: footers, or Iceberg manifests.
    pub fn metadata_origin(&self) -> &'static str {
        match &self.backend {
            Backend::Iceberg(_) => "iceberg manifests",
            _ => "parquet footers",
        }
    }

    /// The same source narrowed to the given data files (an incremental Iceberg run: its scan
    /// reads only the files the source holds).
    pub fn only_files(&self, paths: &std::collections::HashSet<String>) -> Source {
        let mut s = self.clone();
        s.files.retain(|f| paths.contains(&f.path));
        s
    }

    /// The table's schema as profiled: the files' columns, then the partition columns.
    pub fn schema(&self) -> Schema {
        let mut fields: Vec<Field> = self
            .file_schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        for (i, (name, dt)) in self.partition_cols.iter().enumerate() {
            // A key read from directory names may be null (Hive's null partition).
            let nullable = self.key_layout.get(i).is_some_and(|l| l.raw);
            fields.push(Field::new(name, dt.clone(), nullable));
        }
        Schema::new(fields)
    }

    /// The keys a scan groups by to profile each partition or slice, with the expression giving
    /// each row's value as slices are named: the hive partition columns, then the slice keys
    /// (Iceberg partition fields, event-time columns).
    pub fn group_keys(&self) -> Vec<(String, Expr)> {
        let column = |n: &str| Expr::Column(datafusion::common::Column::new_unqualified(n));
        let mut out: Vec<(String, Expr)> = self
            .partition_cols
            .iter()
            .map(|(k, _)| (k.clone(), column(k)))
            .collect();
        out.extend(
            self.slice_keys
                .iter()
                .filter(|k| k.data_type != DataType::Null)
                .map(|k| (k.name.clone(), k.group_expr())),
        );
        out
    }

    /// Whether the slices are cut by a filter on an event-time column rather than by files.
    pub fn sliced_by_event_time(&self) -> bool {
        self.slice_keys
            .iter()
            .any(|k| k.origin == slices::KeyOrigin::EventTime && k.data_type != DataType::Null)
    }

    /// The event-time slices selected, as `column=value`.
    pub fn selected_slices(&self) -> &[String] {
        &self.selected_slices
    }

    /// Selected partitions as `key=value/...` (or event-time slices), sorted, without
    /// duplicates.
    pub fn partitions(&self) -> Vec<String> {
        if !self.selected_slices.is_empty() {
            return self.selected_slices.clone();
        }
        let mut out: Vec<String> = self
            .files
            .iter()
            .filter(|f| !f.partition.is_empty())
            .map(FileInfo::partition_name)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The same source narrowed to one partition's files (for footer facts; no new filter).
    pub fn only_partition(&self, name: &str) -> Source {
        let mut s = self.clone();
        s.files.retain(|f| f.partition_name() == name);
        s
    }

    pub fn row_count(&self) -> u64 {
        self.files.iter().map(|f| f.rows).sum()
    }

    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// Lists the location again (after a scan read other rows than the footers promised) and
    /// names a selected file that is gone, if one is.
    pub async fn vanished_file(&self) -> Result<Option<String>> {
        let Backend::Files { storage, root } = &self.backend else {
            return Ok(None);
        };
        let now = storage.list(&self.location, root).await?;
        let present: std::collections::HashSet<&str> =
            now.files.iter().map(|f| f.path.as_str()).collect();
        Ok(self
            .files
            .iter()
            .find(|f| !present.contains(f.path.as_str()))
            .map(|f| f.path.clone()))
    }

    /// The error of a scan of this source, with a storage failure inside it made plain: a file
    /// that vanished after listing, or an object-store error with its hint.
    pub fn scan_error(&self, e: datafusion::error::DataFusionError) -> Error {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(c) = cause {
            if let Some(ie) = c.downcast_ref::<::iceberg::Error>() {
                return iceberg::describe_error(&self.location, ie);
            }
            if let Some(os) = c.downcast_ref::<object_store::Error>() {
                if let object_store::Error::NotFound { path, .. } = os {
                    let path = match &self.backend {
                        Backend::Files { storage, .. } => storage.display(
                            &object_store::path::Path::from(path.trim_start_matches('/')),
                        ),
                        Backend::Iceberg(_) => format!("/{}", path.trim_start_matches('/')),
                    };
                    return Error::Vanished { path };
                }
                if let Backend::Files { storage, .. } = &self.backend {
                    return storage.error(&self.location, os);
                }
            }
            if let Some(io) = c.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::NotFound
            {
                return Error::Vanished {
                    path: self.location.clone(),
                };
            }
            cause = c.source();
        }
        Error::Query {
            source_name: self.location.clone(),
            source: e,
        }
    }

    /// Runs a plan over this source. A scan's error is this source's (see [`Source::scan_error`]),
    /// and so is a panic a dependency raises on a corrupt data page (DataFusion re-raises the
    /// panics of the tasks it spawns where the plan is awaited).
    pub async fn collect(&self, df: DataFrame) -> Result<Vec<arrow::array::RecordBatch>> {
        self.collect_observed(&Default::default(), df).await
    }

    /// As [`Source::collect`], telling `observer` how the scan of this slice advances.
    pub async fn collect_observed(
        &self,
        observer: &crate::progress::Observer,
        df: DataFrame,
    ) -> Result<Vec<arrow::array::RecordBatch>> {
        let totals = crate::progress::ScanTotals {
            table: {
                // The slice too: a check run scans its baseline's partitions, then the current one.
                let parts = self.partitions();
                match (parts.first(), parts.last()) {
                    (Some(a), Some(b)) if a == b => format!("{} {a}", redact(&self.location)),
                    (Some(a), Some(b)) => format!("{} {a}..{b}", redact(&self.location)),
                    _ => redact(&self.location),
                }
            },
            files: self.files.len() as u64,
            bytes: self.bytes(),
            rows: self.row_count(),
            columns: 0,
        };
        let keys: std::collections::HashMap<&str, &str> = self
            .files
            .iter()
            .map(|f| (f.key.as_ref(), f.path.as_str()))
            .collect();
        let display = |key: &str| keys.get(key).map_or_else(|| key.to_string(), |p| redact(p));
        let remote = crate::cluster::is_remote_config(df.task_ctx().session_config());
        let run = crate::progress::collect(observer, totals, &display, df);
        match panics::catch_async(run).await {
            // A cluster's errors arrive as the executors' text: nothing typed to look into.
            Ok(result) => result.map_err(|e| match remote {
                true => crate::cluster::remote_error(&self.location, &e),
                false => self.scan_error(e),
            }),
            Err(p) if p.own_code => Err(Error::Internal(p.message)),
            Err(p) => Err(Error::CorruptParquet {
                path: self.location.clone(),
                reason: format!(
                    "the Parquet reader gave up during the scan ({}): a data page or page index of one of its files is corrupt",
                    p.message
                ),
            }),
        }
    }

    /// The selected slice as a DataFusion DataFrame (one ListingTable over the selected files'
    /// partitions, partition-pruned, or the Iceberg provider).
    pub async fn dataframe(&self, ctx: &SessionContext) -> Result<DataFrame> {
        let query_err = |e| Error::Query {
            source_name: self.location.clone(),
            source: e,
        };
        let (storage, root) = match &self.backend {
            Backend::Iceberg(t) if crate::cluster::is_remote(ctx) && !self.files.is_empty() => {
                return self.iceberg_on_cluster(ctx, t);
            }
            Backend::Iceberg(t) => {
                let files = self.files.iter().map(|f| f.path.clone());
                let provider = iceberg::IcebergProvider::new(t, files.collect());
                let df = ctx.read_table(Arc::new(provider)).map_err(query_err)?;
                return match &self.filter {
                    Some(f) => df.filter(f.clone()).map_err(query_err),
                    None => Ok(df),
                };
            }
            Backend::Files { storage, root } => (storage, root),
        };
        storage.register(ctx)?;
        let mut url = storage.url(root);
        if !self.is_file && !url.ends_with('/') {
            url.push('/');
        }
        let url = ListingTableUrl::parse(&url).map_err(query_err)?;
        // Keys with strays or null partitions are read as the directory names (typed below).
        let raw = |i: usize| self.key_layout.get(i).is_some_and(|l| l.raw);
        let listed: Vec<(String, DataType)> = self
            .partition_cols
            .iter()
            .enumerate()
            .map(|(i, (k, dt))| (k.clone(), if raw(i) { DataType::Utf8 } else { dt.clone() }))
            .collect();
        let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
            .with_file_extension(if self.is_file { "" } else { ".parquet" })
            .with_table_partition_cols(listed);
        let mut df = self.read_listing(ctx, vec![url], options)?;
        if self.key_layout.iter().any(|l| l.raw) {
            let column = |n: &str| Expr::Column(datafusion::common::Column::new_unqualified(n));
            let mut exprs: Vec<Expr> = self
                .file_schema
                .fields()
                .iter()
                .map(|f| column(f.name()))
                .collect();
            for (i, (k, dt)) in self.partition_cols.iter().enumerate() {
                exprs.push(if raw(i) {
                    let value = datafusion::functions::expr_fn::nullif(column(k), lit(HIVE_NULL));
                    datafusion::logical_expr::cast(value, dt.clone()).alias(k)
                } else {
                    column(k)
                });
            }
            df = df.select(exprs).map_err(query_err)?;
        }
        Ok(df)
    }
}

impl Source {
    /// A Parquet listing of `urls` with this source's file schema, filtered by its slice. Locally
    /// its files form one group (DataFusion then splits large files by byte range over the
    /// cores); on a cluster they are dealt into the session's partitions, so that a table of many
    /// small files is spread over the executors' tasks too.
    fn read_listing(
        &self,
        ctx: &SessionContext,
        urls: Vec<ListingTableUrl>,
        options: ListingOptions,
    ) -> Result<DataFrame> {
        let query_err = |e| Error::Query {
            source_name: self.location.clone(),
            source: e,
        };
        let groups = match crate::cluster::is_remote(ctx) {
            true => ctx.state().config().target_partitions(),
            false => 1,
        };
        let config = ListingTableConfig::new_with_multi_paths(urls)
            .with_listing_options(
                options
                    .with_collect_stat(false)
                    .with_target_partitions(groups),
            )
            .with_schema(self.file_schema.clone());
        let table = ListingTable::try_new(config).map_err(query_err)?;
        let df = ctx.read_table(Arc::new(table)).map_err(query_err)?;
        match &self.filter {
            Some(f) => df.filter(f.clone()).map_err(query_err),
            None => Ok(df),
        }
    }

    /// An Iceberg snapshot on a cluster: its selected data files as a Parquet listing, which
    /// Ballista plans and ships like any other (the local scan's provider is Plimsoll's own and
    /// does not travel). Refused when the files alone are not the snapshot's rows and columns.
    fn iceberg_on_cluster(
        &self,
        ctx: &SessionContext,
        t: &iceberg::IcebergTable,
    ) -> Result<DataFrame> {
        let query_err = |e| Error::Query {
            source_name: self.location.clone(),
            source: e,
        };
        if let Some(why) = t.cluster_blocker() {
            return Err(Error::Cluster {
                message: format!("cannot profile `{}` on the cluster: {why}", self.location),
                hint: "run this table without `--cluster`: the local scan applies delete files and maps columns by field id".into(),
            });
        }
        let urls = self
            .files
            .iter()
            .map(|f| ListingTableUrl::parse(&f.path))
            .collect::<datafusion::error::Result<Vec<_>>>()
            .map_err(query_err)?;
        let options =
            ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension("");
        self.read_listing(ctx, urls, options)
    }
}

/// DataFusion reads Parquet strings and binaries as views; the schema given to it says so too.
fn view_types(schema: &Schema) -> Schema {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            let dt = match f.data_type() {
                DataType::Utf8 | DataType::LargeUtf8 => DataType::Utf8View,
                DataType::Binary | DataType::LargeBinary => DataType::BinaryView,
                other => other.clone(),
            };
            f.as_ref().clone().with_data_type(dt)
        })
        .collect();
    Schema::new_with_metadata(fields, schema.metadata().clone())
}
