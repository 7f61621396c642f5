//! SOURCE -> a DataFusion table, plus what is known without a scan: the files, their sizes and
//! row counts (Parquet footers), the hive partitions and their typed values.
//!
//! Local paths and `s3://` locations go through one object-store path ([`storage`]): one hive
//! lister, concurrent footer reads. A location is listed once; slices of it (other partitions,
//! for a baseline) are selected from that listing. Partition selection happens on paths, before
//! any file is opened; only the footers of the selected files are read, and the scan is pruned
//! to them by an exact partition filter.

pub mod errors;
pub mod files;
pub mod footer;
pub mod iceberg;
pub mod panics;
pub mod s3;
pub mod storage;

pub use files::FileInfo;

use crate::context::Context;
use crate::error::{Error, Result};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::ScalarValue;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::logical_expr::{Expr, col, lit};
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

/// `--partition KEY=VALUE` or `KEY=latest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionSelector {
    pub key: String,
    pub value: SelectValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectValue {
    Latest,
    Value(String),
}

impl std::str::FromStr for PartitionSelector {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (k, v) = s
            .split_once('=')
            .filter(|(k, v)| !k.is_empty() && !v.is_empty())
            .ok_or_else(|| format!("invalid partition `{s}`: expected KEY=VALUE or KEY=latest"))?;
        Ok(PartitionSelector {
            key: k.to_string(),
            value: if v == "latest" {
                SelectValue::Latest
            } else {
                SelectValue::Value(v.to_string())
            },
        })
    }
}

/// Hive's directory value for a null partition key: the rows under `key=__HIVE_DEFAULT_PARTITION__/`
/// have a null `key`.
pub const HIVE_NULL: &str = "__HIVE_DEFAULT_PARTITION__";

/// A typed hive partition value.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum PartValue {
    /// Hive's null partition; orders first, so it never is the latest.
    Null,
    Int(i64),
    Date(i32),
    Str(String),
}

impl PartValue {
    fn scalar(&self) -> ScalarValue {
        match self {
            PartValue::Null => ScalarValue::Null,
            PartValue::Int(v) => ScalarValue::Int64(Some(*v)),
            PartValue::Date(v) => ScalarValue::Date32(Some(*v)),
            PartValue::Str(v) => ScalarValue::Utf8(Some(v.clone())),
        }
    }
}

fn parse_date(s: &str) -> Option<i32> {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    Some((d - epoch).num_days() as i32)
}

fn is_date(v: &str) -> bool {
    v.len() == 10 && parse_date(v).is_some()
}

/// The type most of a key's distinct values parse as: a date (`YYYY-MM-DD`), else an integer,
/// else a string. Hive's null partition does not vote; values not of the majority's type are
/// strays (a `date=tmp` copy, a `date=latest` link), left out of the table by [`strays`].
fn infer_type(values: &[&str]) -> DataType {
    let mut distinct: Vec<&str> = values.iter().copied().filter(|v| *v != HIVE_NULL).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let majority = |n: usize| n * 2 > distinct.len();
    if majority(distinct.iter().filter(|v| is_date(v)).count()) {
        DataType::Date32
    } else if majority(distinct.iter().filter(|v| v.parse::<i64>().is_ok()).count()) {
        DataType::Int64
    } else {
        DataType::Utf8
    }
}

/// The typed value of a directory's `key=value`; None for a stray (a value not of the key's type).
fn typed(value: &str, dt: &DataType) -> Option<PartValue> {
    if value == HIVE_NULL {
        return Some(PartValue::Null);
    }
    match dt {
        DataType::Date32 => parse_date(value)
            .filter(|_| is_date(value))
            .map(PartValue::Date),
        DataType::Int64 => value.parse().ok().map(PartValue::Int),
        _ => Some(PartValue::Str(value.to_string())),
    }
}

/// What sets a partition key apart in DataFusion's scan: a key with strays or Hive null
/// partitions is read as the directory strings and typed after (DataFusion would refuse to
/// parse `not-a-date` as a date, and knows nothing of Hive's null), so that strays can be
/// filtered out by name before any of their files is opened.
#[derive(Debug, Clone, Default, PartialEq)]
struct KeyLayout {
    /// Read as strings, then `nullif(key, HIVE_NULL)` cast to the key's type.
    raw: bool,
    /// Files were left out as strays: the scan must be filtered to the kept directories.
    strays: bool,
}

/// Removes the files under stray directories (values not of their key's type) and says what
/// was left out. Returns the layout of each key and the warnings.
fn strays(
    location: &str,
    cols: &[(String, DataType)],
    files: &mut Vec<FileInfo>,
) -> (Vec<KeyLayout>, Vec<String>) {
    let mut layout = vec![KeyLayout::default(); cols.len()];
    let mut warnings = Vec::new();
    for (i, (key, dt)) in cols.iter().enumerate() {
        let mut stray: Vec<&str> = Vec::new();
        let mut valid: Vec<&str> = Vec::new();
        let mut left_out = 0usize;
        for f in files.iter() {
            let v = f.partition[i].1.as_str();
            layout[i].raw |= v == HIVE_NULL;
            match typed(v, dt) {
                None => {
                    stray.push(v);
                    left_out += 1;
                }
                Some(PartValue::Null) => {}
                Some(_) => valid.push(v),
            }
        }
        if stray.is_empty() {
            continue;
        }
        layout[i].raw = true;
        layout[i].strays = true;
        stray.sort_unstable();
        stray.dedup();
        valid.sort_unstable();
        valid.dedup();
        let what = match (dt, stray.len()) {
            (DataType::Date32, 1) => "is not a date (YYYY-MM-DD)",
            (DataType::Date32, _) => "are not dates (YYYY-MM-DD)",
            (_, 1) => "is not an integer",
            _ => "are not integers",
        };
        let names: Vec<String> = stray.iter().map(|v| format!("`{key}={v}`")).collect();
        warnings.push(format!(
            "left out {left_out} file(s) under `{location}`: {} {what} like the other {} value(s) of `{key}`",
            summarize_list(&names),
            valid.len(),
        ));
    }
    files.retain(|f| {
        cols.iter()
            .enumerate()
            .all(|(i, (_, dt))| typed(&f.partition[i].1, dt).is_some())
    });
    (layout, warnings)
}

fn summarize_list(names: &[String]) -> String {
    if names.len() <= 5 {
        names.join(", ")
    } else {
        format!("{}, ... ({} more)", names[..4].join(", "), names.len() - 4)
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
        let location = what.location.as_str();
        if let Some(target) = iceberg::detect(ctx, location).await? {
            return Self::open_iceberg(ctx, location, &target, selectors, what.snapshot).await;
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
        let listing = storage.list(location, &root).await?;
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
        };
        source.select(selectors, strict).await
    }

    /// Another slice of the same table: the files of the selected partitions, from the listing
    /// this source was opened with (nothing is listed again), footers read.
    pub async fn select(&self, selectors: &[PartitionSelector], strict: bool) -> Result<Source> {
        let Backend::Files { storage, .. } = &self.backend else {
            if let Some(s) = selectors.first() {
                return Err(Error::usage(
                    format!(
                        "`--partition {}=...` does not apply to the Iceberg table `{}`",
                        s.key, self.location
                    ),
                    "select an Iceberg snapshot with `--snapshot ID` or `--as-of TIME` instead",
                ));
            }
            return Ok(self.clone());
        };
        let location = self.location.as_str();
        let selectors: Vec<PartitionSelector> = selectors
            .iter()
            .filter(|s| strict || self.partition_cols.iter().any(|(k, _)| k == &s.key))
            .cloned()
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
        let mut schema: Option<Schema> = None;
        for (f, file_schema) in files.iter().zip(schemas) {
            schema = Some(match schema {
                None => file_schema,
                Some(s) => {
                    Schema::try_merge([s, file_schema]).map_err(|e| Error::SchemaMismatch {
                        path: location.to_string(),
                        reason: format!("{} differs from the files before it: {e}", f.path),
                    })?
                }
            });
        }
        let schema = schema.unwrap_or_else(Schema::empty);
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
        Ok(Source {
            files,
            file_schema: Arc::new(view_types(&schema)),
            filter,
            ..self.clone()
        })
    }

    async fn open_iceberg(
        ctx: &Context,
        location: &str,
        target: &iceberg::Target,
        selectors: &[PartitionSelector],
        snapshot: SnapshotSelect,
    ) -> Result<Source> {
        if let Some(s) = selectors.first() {
            return Err(Error::usage(
                format!(
                    "`--partition {}=...` does not apply to the Iceberg table `{location}`",
                    s.key
                ),
                "select an Iceberg snapshot with `--snapshot ID` or `--as-of TIME` instead",
            ));
        }
        let table = iceberg::open(ctx, location, target, snapshot).await?;
        let files: Vec<FileInfo> = table
            .files
            .iter()
            .map(|f| {
                let mut info = FileInfo::new(
                    f.path.clone(),
                    object_store::path::Path::from(f.path.as_str()),
                    f.size,
                    vec![],
                );
                info.rows = f.records;
                info
            })
            .collect();
        Ok(Source {
            location: location.to_string(),
            is_file: false,
            partition_cols: vec![],
            listing: Arc::new(files.clone()),
            files,
            file_schema: table.arrow_schema.clone(),
            filter: None,
            key_layout: vec![],
            warnings: vec![],
            backend: Backend::Iceberg(Arc::new(table)),
        })
    }

    /// The Iceberg table and snapshot behind this source, when it is one.
    pub fn iceberg(&self) -> Option<&iceberg::IcebergTable> {
        match &self.backend {
            Backend::Iceberg(t) => Some(t),
            _ => None,
        }
    }

    /// Every file of the table as listed (not only the selected slice).
    pub fn listing(&self) -> &[FileInfo] {
        &self.listing
    }

    /// Whether the files' row counts (footers, manifests) are the table's: false for an Iceberg
    /// snapshot with delete files, whose rows must be counted by a scan.
    pub fn counts_exact(&self) -> bool {
        self.iceberg().is_none_or(|t| t.delete_files.is_empty())
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

    /// Selected partitions as `key=value/...`, sorted, without duplicates.
    pub fn partitions(&self) -> Vec<String> {
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
        match panics::catch_async(df.collect()).await {
            Ok(result) => result.map_err(|e| self.scan_error(e)),
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
            Backend::Iceberg(t) => {
                let files = self.files.iter().map(|f| f.path.clone());
                let provider = iceberg::IcebergProvider::new(t, files.collect());
                return ctx.read_table(Arc::new(provider)).map_err(query_err);
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
            .with_table_partition_cols(listed)
            .with_collect_stat(false);
        let config = ListingTableConfig::new(url)
            .with_listing_options(options)
            .with_schema(self.file_schema.clone());
        let table = ListingTable::try_new(config).map_err(query_err)?;
        let mut df = ctx.read_table(Arc::new(table)).map_err(query_err)?;
        if let Some(f) = &self.filter {
            df = df.filter(f.clone()).map_err(query_err)?;
        }
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

/// Partition keys in path order, each typed from all of its values.
fn partition_columns(location: &str, files: &[FileInfo]) -> Result<Vec<(String, DataType)>> {
    let keys: Vec<&str> = files[0].partition.iter().map(|(k, _)| k.as_str()).collect();
    for f in files {
        let these: Vec<&str> = f.partition.iter().map(|(k, _)| k.as_str()).collect();
        if these != keys {
            return Err(Error::PartitionLayout {
                path: location.to_string(),
                reason: format!(
                    "`{}` is under `{}` but `{}` is under `{}`",
                    files[0].path,
                    display_keys(&keys),
                    f.path,
                    display_keys(&these)
                ),
            });
        }
    }
    Ok(keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let values: Vec<&str> = files.iter().map(|f| f.partition[i].1.as_str()).collect();
            (k.to_string(), infer_type(&values))
        })
        .collect())
}

fn display_keys(keys: &[&str]) -> String {
    if keys.is_empty() {
        "no partition directories".into()
    } else {
        keys.iter()
            .map(|k| format!("{k}="))
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// Keeps the files of the selected partitions and returns the equivalent scan filter: on the
/// typed key, or on the directory names for a key read as strings (see [`KeyLayout`]), which
/// also keeps strays out of a scan with no selection.
fn select(
    location: &str,
    cols: &[(String, DataType)],
    layout: &[KeyLayout],
    files: &mut Vec<FileInfo>,
    selectors: &[PartitionSelector],
) -> Result<Option<Expr>> {
    let mut filter: Option<Expr> = None;
    let mut and = |e: Expr| {
        filter = Some(match filter.take() {
            None => e,
            Some(f) => f.and(e),
        })
    };
    for (i, (key, dt)) in cols.iter().enumerate() {
        let wanted: Vec<&PartitionSelector> = selectors.iter().filter(|s| &s.key == key).collect();
        let raw = layout.get(i).cloned().unwrap_or_default();
        if wanted.is_empty() {
            if raw.strays {
                and(raw_filter(key, i, files));
            }
            continue;
        }
        let mut present: Vec<PartValue> = files
            .iter()
            .filter_map(|f| typed(&f.partition[i].1, dt))
            .collect();
        present.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        present.dedup();
        let mut chosen = Vec::new();
        for s in &wanted {
            let v = match &s.value {
                // Hive's null partition is never the latest.
                SelectValue::Latest => present.iter().rfind(|v| **v != PartValue::Null).cloned(),
                SelectValue::Value(v) => typed(v, dt).filter(|t| present.contains(t)),
            };
            match v {
                Some(v) => chosen.push(v),
                None => {
                    let shown: Vec<String> =
                        files.iter().map(|f| f.partition[i].1.clone()).collect();
                    return Err(Error::NoSuchPartition {
                        path: location.to_string(),
                        selector: format!(
                            "{key}={}",
                            match &s.value {
                                SelectValue::Latest => "latest",
                                SelectValue::Value(v) => v,
                            }
                        ),
                        available: summarize(shown, key),
                    });
                }
            }
        }
        files.retain(|f| typed(&f.partition[i].1, dt).is_some_and(|v| chosen.contains(&v)));
        if raw.raw {
            and(raw_filter(key, i, files));
        } else if chosen.len() == 1 {
            and(col(key.as_str()).eq(lit(chosen[0].scalar())));
        } else {
            and(col(key.as_str()).in_list(chosen.iter().map(|v| lit(v.scalar())).collect(), false));
        }
    }
    if let Some(s) = selectors
        .iter()
        .find(|s| !cols.iter().any(|(k, _)| k == &s.key))
    {
        let hint = if cols.is_empty() {
            format!("`{location}` has no `key=value/` partition directories")
        } else {
            format!(
                "partition keys of `{location}`: {}",
                cols.iter()
                    .map(|(k, _)| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(Error::usage(
            format!("`{}` is not a partition key", s.key),
            hint,
        ));
    }
    Ok(filter)
}

/// `key IN (the directory names of the kept files)`, on a key read as strings.
fn raw_filter(key: &str, i: usize, files: &[FileInfo]) -> Expr {
    let mut names: Vec<&str> = files.iter().map(|f| f.partition[i].1.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let column = Expr::Column(datafusion::common::Column::new_unqualified(key));
    match names.as_slice() {
        [one] => column.eq(lit(*one)),
        _ => column.in_list(names.into_iter().map(lit).collect(), false),
    }
}

fn summarize(mut values: Vec<String>, key: &str) -> String {
    values.sort();
    values.dedup();
    let n = values.len();
    let shown: Vec<String> = if n <= 8 {
        values.iter().map(|v| format!("{key}={v}")).collect()
    } else {
        let mut s: Vec<String> = values[..3].iter().map(|v| format!("{key}={v}")).collect();
        s.push(format!("... ({} more)", n - 6));
        s.extend(values[n - 3..].iter().map(|v| format!("{key}={v}")));
        s
    };
    shown.join(", ")
}
