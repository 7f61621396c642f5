//! Iceberg tables through iceberg-rust.
//!
//! A table is given by its directory or one of its `*.metadata.json` files (locally or on
//! `s3://`), or by name (`NAMESPACE.TABLE`) in the catalog of `--catalog`. One snapshot is read:
//! `--snapshot ID`, `--as-of TIME`, else the current one. Its data files, row counts and column
//! statistics come from the manifests without opening a data file; scans go through
//! iceberg-rust's reader, which matches columns by field id, so a renamed column reads from old
//! files too. Tables whose snapshot carries delete files are refused rather than profiled
//! wrongly: every count Plimsoll reports would otherwise include deleted rows.

use crate::error::{Error, Result};
use arrow::datatypes::SchemaRef as ArrowSchemaRef;
use datafusion::catalog::Session;
use datafusion::common::ScalarValue;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result as DFResult};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::Expr;
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
};
use futures::{StreamExt, TryStreamExt};
use iceberg::io::{FileIO, FileIOBuilder};
use iceberg::scan::FileScanTask;
use iceberg::spec::{
    DataContentType, Datum, ManifestContentType, PrimitiveLiteral, SchemaRef, SnapshotRef,
};
use iceberg::table::{StaticTable, Table};
use iceberg::{Catalog, CatalogBuilder, TableIdent};
use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

/// Which snapshot of an Iceberg table to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SnapshotSelect {
    /// The table's current snapshot.
    #[default]
    Current,
    /// `--snapshot ID`.
    Id(i64),
    /// `--as-of TIME`: the snapshot that was current then (milliseconds since the epoch).
    AsOf(i64),
}

static SELECT: OnceLock<SnapshotSelect> = OnceLock::new();
static CATALOG: OnceLock<CatalogConfig> = OnceLock::new();

/// `--catalog`, `--catalog-name`, `--catalog-warehouse` (no secret: credentials come from the
/// environment when the catalog is opened).
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogConfig {
    uri: String,
    name: String,
    warehouse: Option<String>,
}

/// Sets the snapshot read from Iceberg tables for this process (`--snapshot`, `--as-of`).
pub fn set_default_snapshot(s: SnapshotSelect) {
    let _ = SELECT.set(s);
}

pub fn default_snapshot() -> SnapshotSelect {
    SELECT.get().copied().unwrap_or_default()
}

/// Sets the catalog tables are named in (`--catalog URI`, `--catalog-name NAME`,
/// `--catalog-warehouse WAREHOUSE`).
pub fn set_catalog(uri: &str, name: &str, warehouse: Option<&str>) {
    let _ = CATALOG.set(CatalogConfig {
        uri: uri.to_string(),
        name: name.to_string(),
        warehouse: warehouse.map(str::to_string),
    });
}

/// How a location names an Iceberg table.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A `*.metadata.json` file (a path or an `s3://` URL).
    Metadata(String),
    /// `NAMESPACE.TABLE` in the `--catalog`.
    Named(String, CatalogConfig),
}

/// Whether `location` is an Iceberg table; for a directory, the newest metadata file in it.
pub async fn detect(location: &str) -> Result<Option<Target>> {
    if location.ends_with(".metadata.json") {
        return Ok(Some(Target::Metadata(absolute(location))));
    }
    if let Some(catalog) = CATALOG.get()
        && !location.contains('/')
        && !location.starts_with("s3:")
        && !std::path::Path::new(location).exists()
    {
        return Ok(Some(Target::Named(location.to_string(), catalog.clone())));
    }
    let names: Vec<String> = match super::s3::S3Location::parse(location) {
        Some(loc) => {
            let loc = loc?;
            let store = super::s3::store(&loc)?;
            let prefix = object_store::path::Path::from(format!("{}/metadata", loc.prefix));
            match store.list_with_delimiter(Some(&prefix)).await {
                Ok(l) => l
                    .objects
                    .iter()
                    .filter_map(|o| o.location.filename().map(str::to_string))
                    .collect(),
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(super::s3::storage_error(location, &loc.bucket, &e)),
            }
        }
        None => {
            let dir = std::path::Path::new(location).join("metadata");
            match std::fs::read_dir(&dir) {
                Ok(entries) => entries
                    .filter_map(|e| e.ok())
                    .filter_map(|e| e.file_name().to_str().map(str::to_string))
                    .collect(),
                Err(_) => return Ok(None),
            }
        }
    };
    let base = absolute(location.trim_end_matches('/'));
    Ok(newest_metadata(&names).map(|n| Target::Metadata(format!("{base}/metadata/{n}"))))
}

fn absolute(path: &str) -> String {
    if path.starts_with("s3://") {
        return path.to_string();
    }
    std::fs::canonicalize(path)
        .map(|p| p.to_string_lossy().to_string())
        .unwrap_or_else(|_| path.to_string())
}

/// The newest of a table's metadata files: `vN.metadata.json` (Hadoop tables) or
/// `NNNNN-UUID.metadata.json` (catalogs), by version number.
fn newest_metadata(names: &[String]) -> Option<String> {
    names
        .iter()
        .filter(|n| n.ends_with(".metadata.json"))
        .filter_map(|n| {
            let digits: String = n
                .trim_start_matches('v')
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse::<u64>().ok().map(|v| (v, n))
        })
        .max()
        .map(|(_, n)| n.clone())
}

/// One data file of the snapshot, with the statistics its manifest entry records.
#[derive(Debug, Clone)]
pub struct DataFileFacts {
    pub path: String,
    pub size: u64,
    pub records: u64,
    pub value_counts: HashMap<i32, u64>,
    pub null_counts: HashMap<i32, u64>,
    pub lower: HashMap<i32, Datum>,
    pub upper: HashMap<i32, Datum>,
}

/// An Iceberg table at one snapshot.
#[derive(Clone)]
pub struct IcebergTable {
    pub table: Table,
    /// `None` for a table with no snapshot yet (no rows).
    pub snapshot: Option<SnapshotRef>,
    /// The schema the snapshot is read with.
    pub schema: SchemaRef,
    pub arrow_schema: ArrowSchemaRef,
    pub files: Vec<DataFileFacts>,
    /// Position and equality delete files of the snapshot: its scans apply them, so the data
    /// files' record counts and statistics overstate what is live.
    pub delete_files: Vec<String>,
    /// Where the table came from, for messages.
    pub metadata_location: String,
}

/// Never shows the table's FileIO: its properties may hold credentials.
impl std::fmt::Debug for IcebergTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IcebergTable")
            .field("metadata_location", &self.metadata_location)
            .field("snapshot", &self.snapshot.as_ref().map(|s| s.snapshot_id()))
            .field("files", &self.files.len())
            .finish()
    }
}

/// An error of iceberg-rust for `location`, with a hint.
pub fn iceberg_error(location: &str, e: iceberg::Error) -> Error {
    describe_error(location, &e)
}

/// The whole chain of an error as text, and its innermost cause. Storage failures come wrapped
/// (iceberg, then OpenDAL, then the S3 answer): the chain says what happened, the innermost
/// cause most plainly.
fn chain(e: &iceberg::Error) -> (String, String) {
    use std::error::Error as _;
    let mut text = e.to_string();
    let mut detail = e.message().to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        detail = c.to_string();
        text.push('\n');
        text.push_str(&detail);
        cause = c.source();
    }
    (text, detail)
}

/// As [`iceberg_error`], for an error held by reference (inside a scan error).
pub fn describe_error(location: &str, e: &iceberg::Error) -> Error {
    let (text, detail) = chain(e);
    let has = |s: &str| text.contains(s);
    // The object OpenDAL was reading (`path: KEY,` in its context), as a URL.
    let object = text
        .split("path: ")
        .nth(1)
        .and_then(|r| r.split([',', ' ']).next())
        .map(|key| match super::s3::S3Location::parse(location) {
            Some(Ok(loc)) => loc.url_of(key.trim_start_matches('/')),
            _ => key.to_string(),
        });
    let object = object.as_deref().unwrap_or(location);
    let bucket = match super::s3::S3Location::parse(location) {
        Some(Ok(loc)) => loc.bucket,
        _ => String::new(),
    };
    let (message, hint) = if has("InvalidObjectState") {
        (
            format!("`{object}` is in an archived storage class (GLACIER or DEEP_ARCHIVE)"),
            "restore it first (`aws s3api restore-object`), then run again".to_string(),
        )
    } else if has("InvalidAccessKeyId") || has("SignatureDoesNotMatch") || has("ExpiredToken") {
        (
            format!("the credentials were refused reading Iceberg table `{location}`"),
            "they are invalid or expired: refresh them or check `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`".to_string(),
        )
    } else if has("AccessDenied") || has("PermissionDenied") {
        (
            format!("access denied to `{object}`"),
            if has("KMS") || has("kms") {
                format!(
                    "the object is encrypted with KMS: the caller needs `kms:Decrypt` on its key, besides `s3:GetObject` and `s3:ListBucket` on bucket `{bucket}`"
                )
            } else {
                format!(
                    "the credentials need `s3:ListBucket` on bucket `{bucket}` and `s3:GetObject` on its objects"
                )
            },
        )
    } else if has("timed out") || has("timeout") || has("Timeout") || has("onnection refused") {
        (
            format!("cannot reach the object store reading Iceberg table `{location}`"),
            "check the network and `AWS_ENDPOINT_URL`; Iceberg reads are retried and time out"
                .to_string(),
        )
    } else if has("NotFound") || has("No such file") || has("not found") {
        (
            format!("cannot read Iceberg table `{location}`: `{object}` is missing: {detail}"),
            match e.kind() {
                iceberg::ErrorKind::TableNotFound | iceberg::ErrorKind::NamespaceNotFound => {
                    "check the table name (`NAMESPACE.TABLE`) and `--catalog-name`".to_string()
                }
                _ => "a file the table's metadata names is missing: the table may have been expired, moved or copied without its files; check the location".to_string(),
            },
        )
    } else if e.kind() == iceberg::ErrorKind::FeatureUnsupported {
        (
            format!("cannot read Iceberg table `{location}`: {detail}"),
            "iceberg-rust cannot read this table feature; compact the table or profile another snapshot".to_string(),
        )
    } else {
        (
            if detail == e.message() {
                format!("cannot read Iceberg table `{location}`: {detail}")
            } else {
                format!(
                    "cannot read Iceberg table `{location}`: {}: {detail}",
                    e.message()
                )
            },
            "check that the location is an Iceberg table and that its files are readable"
                .to_string(),
        )
    };
    Error::Storage {
        location: location.to_string(),
        message,
        hint,
    }
}

/// FileIO properties for S3: the same region, endpoint and credentials as the Parquet sources.
fn s3_props() -> Result<Vec<(String, String)>> {
    use iceberg::io::{
        S3_ACCESS_KEY_ID, S3_ENDPOINT, S3_PATH_STYLE_ACCESS, S3_REGION, S3_SECRET_ACCESS_KEY,
        S3_SESSION_TOKEN,
    };
    let mut props: Vec<(String, String)> = Vec::new();
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|_| "us-east-1".into());
    props.push((S3_REGION.into(), region));
    if let Some(e) = super::s3::endpoint() {
        if e.starts_with("http://") && !super::s3::http_allowed(Some(&e)) {
            return Err(Error::usage(
                format!("the S3 endpoint `{e}` is plain HTTP"),
                "use https, or set `AWS_ALLOW_HTTP=true` for a trusted network",
            ));
        }
        props.push((S3_ENDPOINT.into(), e));
        props.push((S3_PATH_STYLE_ACCESS.into(), "true".into()));
    }
    for (key, var) in [
        (S3_ACCESS_KEY_ID, "AWS_ACCESS_KEY_ID"),
        (S3_SECRET_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY"),
        (S3_SESSION_TOKEN, "AWS_SESSION_TOKEN"),
    ] {
        if let Ok(v) = std::env::var(var) {
            props.push((key.into(), v));
        }
    }
    Ok(props)
}

/// An error of the catalog at `uri` loading `table`: unreachable, refused credentials, no such
/// table; anything else is about the table's files.
fn catalog_error(uri: &str, table: &str, e: iceberg::Error) -> Error {
    let (text, _) = chain(&e);
    let has = |s: &str| text.contains(s);
    let storage = |message: String, hint: &str| Error::Storage {
        location: uri.to_string(),
        message,
        hint: hint.to_string(),
    };
    if has("invalid_client") || has("unauthorized") || has("Unauthorized") || has("status 401") {
        storage(
            format!("the catalog `{uri}` refused the credentials"),
            "check `PLIMSOLL_CATALOG_CREDENTIAL` (CLIENT_ID:SECRET) or `PLIMSOLL_CATALOG_TOKEN`",
        )
    } else if matches!(
        e.kind(),
        iceberg::ErrorKind::TableNotFound | iceberg::ErrorKind::NamespaceNotFound
    ) || has("does not exist")
    {
        storage(
            format!("the catalog `{uri}` has no table `{table}`"),
            "check the name (`NAMESPACE.TABLE`), and the catalog's name or warehouse (`--catalog-name`, `--catalog-warehouse`)",
        )
    } else if has("error sending request") || has("onnection refused") || has("dns error") {
        storage(
            format!("cannot reach the catalog `{uri}`"),
            "check the catalog URL and the network",
        )
    } else {
        iceberg_error(if table.is_empty() { uri } else { table }, e)
    }
}

/// The FileIO for a metadata location: the local filesystem or S3.
fn file_io(location: &str) -> Result<FileIO> {
    if !location.starts_with("s3://") {
        return Ok(FileIO::new_with_fs());
    }
    let factory = iceberg_storage_opendal::OpenDalStorageFactory::S3 {
        customized_credential_load: None,
    };
    Ok(FileIOBuilder::new(Arc::new(factory))
        .with_props(s3_props()?)
        .build())
}

/// Loads the table behind `target`.
async fn load(location: &str, target: &Target) -> Result<(Table, String)> {
    match target {
        Target::Metadata(meta) => {
            let name = location
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("table")
                .to_string();
            let ident = TableIdent::from_strs(["plimsoll", name.as_str()])
                .map_err(|e| iceberg_error(location, e))?;
            let io = file_io(meta)?;
            let table = StaticTable::from_metadata_file(meta, ident, io)
                .await
                .map_err(|e| iceberg_error(location, e))?
                .into_table();
            Ok((table, meta.clone()))
        }
        Target::Named(name, config) => {
            let ident = TableIdent::from_strs(name.split('.')).map_err(|_| {
                Error::usage(
                    format!("`{name}` is not a table name"),
                    "name a catalog table as `NAMESPACE.TABLE`",
                )
            })?;
            let catalog = open_catalog(config).await?;
            let table = catalog
                .load_table(&ident)
                .await
                .map_err(|e| catalog_error(&config.uri, name, e))?;
            let meta = table.metadata_location().unwrap_or(name).to_string();
            Ok((table, meta))
        }
    }
}

/// The catalog of `--catalog`: SQL over SQLite (`sqlite:PATH`) or REST (`http(s)://...`).
async fn open_catalog(config: &CatalogConfig) -> Result<Arc<dyn Catalog>> {
    if config.uri.starts_with("http://") || config.uri.starts_with("https://") {
        return Ok(Arc::new(rest_catalog(config).await?));
    }
    Ok(Arc::new(sql_catalog(&config.uri, &config.name).await?))
}

/// A REST catalog. OAuth2 client credentials come from `PLIMSOLL_CATALOG_CREDENTIAL`
/// (`CLIENT_ID:SECRET`) or a bearer token from `PLIMSOLL_CATALOG_TOKEN`; the tables' files are read
/// with the S3 settings of the environment (plus whatever the catalog hands out).
async fn rest_catalog(config: &CatalogConfig) -> Result<iceberg_catalog_rest::RestCatalog> {
    use iceberg_catalog_rest::{
        REST_CATALOG_PROP_URI, REST_CATALOG_PROP_WAREHOUSE, RestCatalogBuilder,
    };
    let uri = &config.uri;
    if uri.starts_with("http://") && !super::s3::http_allowed(Some(uri)) {
        return Err(Error::usage(
            format!("the catalog `{uri}` is plain HTTP"),
            "use https, or set `AWS_ALLOW_HTTP=true` for a trusted network",
        ));
    }
    let mut props: HashMap<String, String> = s3_props()?.into_iter().collect();
    props.insert(REST_CATALOG_PROP_URI.into(), uri.clone());
    if let Some(w) = &config.warehouse {
        props.insert(REST_CATALOG_PROP_WAREHOUSE.into(), w.clone());
    }
    if let Ok(c) = std::env::var("PLIMSOLL_CATALOG_CREDENTIAL") {
        props.insert("credential".into(), c);
    }
    if let Ok(t) = std::env::var("PLIMSOLL_CATALOG_TOKEN") {
        props.insert("token".into(), t);
    }
    let factory: Arc<dyn iceberg::io::StorageFactory> =
        Arc::new(iceberg_storage_opendal::OpenDalResolvingStorageFactory::new());
    RestCatalogBuilder::default()
        .with_storage_factory(factory)
        .load(&config.name, props)
        .await
        .map_err(|e| catalog_error(uri, "", e))
}

/// The SQL catalog (SQLite) at `uri`.
async fn sql_catalog(uri: &str, name: &str) -> Result<iceberg_catalog_sql::SqlCatalog> {
    use iceberg_catalog_sql::{
        SQL_CATALOG_PROP_BIND_STYLE, SQL_CATALOG_PROP_URI, SQL_CATALOG_PROP_WAREHOUSE,
        SqlBindStyle, SqlCatalogBuilder,
    };
    let Some(path) = uri.strip_prefix("sqlite:") else {
        return Err(Error::usage(
            format!("unsupported catalog `{uri}`"),
            "give a SQL catalog over SQLite as `--catalog sqlite:PATH` (the file pyiceberg and iceberg-rust write)",
        ));
    };
    let path = path.trim_start_matches("//");
    if !std::path::Path::new(path).is_file() {
        return Err(Error::Storage {
            location: uri.to_string(),
            message: format!("the catalog database `{path}` does not exist"),
            hint: "give the SQLite file of an existing SQL catalog as `--catalog sqlite:PATH` (Plimsoll never creates one)".into(),
        });
    }
    // The catalog's rows name the files; reading them needs the filesystem or S3.
    let factory: Arc<dyn iceberg::io::StorageFactory> =
        Arc::new(iceberg_storage_opendal::OpenDalResolvingStorageFactory::new());
    let mut props: HashMap<String, String> = s3_props()?.into_iter().collect();
    props.extend([
        (SQL_CATALOG_PROP_URI.to_string(), format!("sqlite:{path}")),
        (
            SQL_CATALOG_PROP_WAREHOUSE.to_string(),
            "file:///".to_string(),
        ),
        (
            SQL_CATALOG_PROP_BIND_STYLE.to_string(),
            SqlBindStyle::QMark.to_string(),
        ),
    ]);
    SqlCatalogBuilder::default()
        .with_storage_factory(factory)
        .load(name, props)
        .await
        .map_err(|e| iceberg_error(uri, e))
}

/// Opens the Iceberg table at `location` at the selected snapshot and reads its manifests.
pub async fn open(location: &str, target: &Target, select: SnapshotSelect) -> Result<IcebergTable> {
    let (table, metadata_location) = load(location, target).await?;
    let md = table.metadata();
    let snapshot = resolve(location, &table, select)?;
    let schema = match &snapshot {
        Some(s) => s.schema(md).map_err(|e| iceberg_error(location, e))?,
        None => md.current_schema().clone(),
    };
    let arrow_schema = Arc::new(
        iceberg::arrow::schema_to_arrow_schema(&schema).map_err(|e| iceberg_error(location, e))?,
    );
    let (files, delete_files) = match &snapshot {
        Some(s) => data_files(location, &table, s).await?,
        None => (Vec::new(), Vec::new()),
    };
    Ok(IcebergTable {
        table,
        snapshot,
        schema,
        arrow_schema,
        files,
        delete_files,
        metadata_location,
    })
}

/// Snapshots of the table, oldest first.
pub fn snapshots(table: &Table) -> Vec<SnapshotRef> {
    let mut all: Vec<SnapshotRef> = table.metadata().snapshots().cloned().collect();
    all.sort_by_key(|s| (s.timestamp_ms(), s.sequence_number()));
    all
}

fn describe_snapshots(table: &Table) -> String {
    let all = snapshots(table);
    if all.is_empty() {
        return "the table has no snapshot".into();
    }
    let shown: Vec<String> = all
        .iter()
        .rev()
        .take(8)
        .map(|s| {
            let at = chrono::DateTime::from_timestamp_millis(s.timestamp_ms())
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default();
            format!("{} ({at})", s.snapshot_id())
        })
        .collect();
    format!("snapshots, newest first: {}", shown.join(", "))
}

fn resolve(location: &str, table: &Table, select: SnapshotSelect) -> Result<Option<SnapshotRef>> {
    let md = table.metadata();
    match select {
        SnapshotSelect::Current => Ok(md.current_snapshot().cloned()),
        SnapshotSelect::Id(id) => md.snapshot_by_id(id).cloned().map(Some).ok_or_else(|| {
            Error::usage(
                format!("`{location}` has no snapshot {id}"),
                describe_snapshots(table),
            )
        }),
        SnapshotSelect::AsOf(ms) => {
            // The snapshot log records when each snapshot became current.
            let from_log = md
                .history()
                .iter()
                .filter(|l| l.timestamp_ms <= ms)
                .max_by_key(|l| l.timestamp_ms)
                .and_then(|l| md.snapshot_by_id(l.snapshot_id).cloned());
            let chosen = from_log.or_else(|| {
                snapshots(table)
                    .into_iter()
                    .rfind(|s| s.timestamp_ms() <= ms)
            });
            let at = chrono::DateTime::from_timestamp_millis(ms)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default();
            chosen.map(Some).ok_or_else(|| {
                Error::usage(
                    format!("`{location}` had no snapshot yet at {at}"),
                    describe_snapshots(table),
                )
            })
        }
    }
}

/// The live data files and delete files of a snapshot, from its manifests. Deletion vectors
/// (Puffin) are refused: iceberg-rust 0.10 does not apply them.
async fn data_files(
    location: &str,
    table: &Table,
    snapshot: &SnapshotRef,
) -> Result<(Vec<DataFileFacts>, Vec<String>)> {
    let err = |e| iceberg_error(location, e);
    let list = table
        .manifest_list_reader(snapshot)
        .load()
        .await
        .map_err(err)?;
    let io = table.file_io().clone();
    let manifests: Vec<_> = futures::stream::iter(list.entries().iter().cloned().map(|mf| {
        let io = io.clone();
        async move { mf.load_manifest(&io).await.map(|m| (mf, m)) }
    }))
    .buffered(8)
    .try_collect()
    .await
    .map_err(err)?;
    let mut files = Vec::new();
    let mut deletes: Vec<String> = Vec::new();
    for (mf, manifest) in manifests {
        for entry in manifest.entries().iter().filter(|e| e.is_alive()) {
            let df = entry.data_file();
            if mf.content == ManifestContentType::Deletes
                || df.content_type() != DataContentType::Data
            {
                if df.file_format() == iceberg::spec::DataFileFormat::Puffin {
                    return Err(Error::Storage {
                        location: location.to_string(),
                        message: format!(
                            "snapshot {} of Iceberg table `{location}` deletes rows with deletion vectors (`{}`), which iceberg-rust 0.10 cannot apply",
                            snapshot.snapshot_id(),
                            df.file_path()
                        ),
                        hint: "compact the table (rewrite data files so no deletion vectors remain), or profile a snapshot from before the deletes with `--snapshot ID`".into(),
                    });
                }
                deletes.push(df.file_path().to_string());
                continue;
            }
            files.push(DataFileFacts {
                path: df.file_path().to_string(),
                size: df.file_size_in_bytes(),
                records: df.record_count(),
                value_counts: df.value_counts().clone(),
                null_counts: df.null_value_counts().clone(),
                lower: df.lower_bounds().clone(),
                upper: df.upper_bounds().clone(),
            });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    deletes.sort();
    Ok((files, deletes))
}

/// How a table's writer recorded column bounds (`write.metadata.metrics.*`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum MetricsMode {
    None,
    Counts,
    Truncate(usize),
    Full,
}

impl IcebergTable {
    pub fn snapshot_id(&self) -> Option<i64> {
        self.snapshot.as_ref().map(|s| s.snapshot_id())
    }

    pub fn snapshot_info(&self) -> Option<crate::profile::SnapshotInfo> {
        let s = self.snapshot.as_ref()?;
        Some(crate::profile::SnapshotInfo {
            id: s.snapshot_id(),
            committed_at: chrono::DateTime::from_timestamp_millis(s.timestamp_ms())
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
                .unwrap_or_default(),
            sequence_number: s.sequence_number(),
            schema_id: s.schema_id(),
        })
    }

    /// Fields of this snapshot's schema that `earlier` knew under another name (same field id),
    /// as `(name now, name then)`.
    pub fn renamed_since(&self, earlier: &IcebergTable) -> Vec<(String, String)> {
        self.schema
            .as_struct()
            .fields()
            .iter()
            .filter_map(|f| {
                let then = earlier.schema.field_by_id(f.id)?;
                (then.name != f.name).then(|| (f.name.clone(), then.name.clone()))
            })
            .collect()
    }

    fn metrics_mode(&self, column: &str) -> MetricsMode {
        let props = self.table.metadata().properties();
        let mode = props
            .get(&format!("write.metadata.metrics.column.{column}"))
            .or_else(|| props.get("write.metadata.metrics.default"))
            .map(String::as_str)
            .unwrap_or("truncate(16)");
        match mode.trim() {
            "none" => MetricsMode::None,
            "counts" => MetricsMode::Counts,
            "full" => MetricsMode::Full,
            m => m
                .strip_prefix("truncate(")
                .and_then(|r| r.strip_suffix(')'))
                .and_then(|n| n.parse().ok())
                .map_or(MetricsMode::Counts, MetricsMode::Truncate),
        }
    }

    /// The exact null count and bounds of `column` over the data files, from the manifests;
    /// `Err(why)` for what the manifests cannot answer exactly.
    pub fn column_facts(
        &self,
        column: &str,
        data_type: &arrow::datatypes::DataType,
    ) -> (std::result::Result<u64, String>, Bounds) {
        let Some(field) = self.schema.field_by_name(column) else {
            let why = format!("`{column}` is not in the snapshot's schema");
            return (Err(why.clone()), Err(why));
        };
        if let Some(first) = self.delete_files.first() {
            let why = format!(
                "the snapshot has {} delete file(s) (`{first}`, ...): the manifests count deleted rows too",
                self.delete_files.len()
            );
            return (Err(why.clone()), Err(why));
        }
        let id = field.id;
        let mode = self.metrics_mode(column);
        let mut nulls: std::result::Result<u64, String> = Ok(0);
        let mut bounds: Bounds = if mode == MetricsMode::None || mode == MetricsMode::Counts {
            Err(format!("the table records no bounds for `{column}`"))
        } else {
            Ok(None)
        };
        for f in &self.files {
            let has_stats = !f.value_counts.is_empty() || !f.null_counts.is_empty();
            match (f.null_counts.get(&id), f.value_counts.get(&id)) {
                (Some(n), _) => {
                    if let Ok(t) = &mut nulls {
                        *t += n
                    }
                }
                // A file written before the column existed: every row is null there.
                (None, None) if has_stats && mode != MetricsMode::None => {
                    if let Ok(t) = &mut nulls {
                        *t += f.records
                    }
                    continue;
                }
                _ => nulls = Err(format!("`{}` records no null count", f.path)),
            }
            let Ok(b) = &mut bounds else { continue };
            let all_null = f.null_counts.get(&id) == Some(&f.records);
            if all_null {
                continue;
            }
            let (Some(lo), Some(hi)) = (f.lower.get(&id), f.upper.get(&id)) else {
                bounds = Err(format!("`{}` records no bounds", f.path));
                continue;
            };
            if let MetricsMode::Truncate(n) = mode
                && (truncated(lo, n) || truncated(hi, n))
            {
                bounds = Err(format!(
                    "the bounds are truncated to {n} characters (`write.metadata.metrics`)"
                ));
                continue;
            }
            let (Some(lo), Some(hi)) = (scalar(lo, data_type), scalar(hi, data_type)) else {
                bounds = Err(format!(
                    "bounds of type {} are not read from manifests",
                    field.field_type
                ));
                continue;
            };
            *b = Some(match b.take() {
                None => (lo, hi),
                Some((cur_lo, cur_hi)) => (
                    if lo < cur_lo { lo } else { cur_lo },
                    if hi > cur_hi { hi } else { cur_hi },
                ),
            });
        }
        (nulls, bounds)
    }
}

/// Exact bounds of a column (`None` inside when every value is null), or why they are unknown.
pub type Bounds = std::result::Result<Option<(ScalarValue, ScalarValue)>, String>;

/// Whether a string or binary bound may have been cut to `n` characters (or bytes).
fn truncated(d: &Datum, n: usize) -> bool {
    match d.literal() {
        PrimitiveLiteral::String(s) => s.chars().count() >= n,
        PrimitiveLiteral::Binary(b) => b.len() >= n,
        _ => false,
    }
}

/// A manifest bound as a value of the column's Arrow type; `None` for types not read.
fn scalar(d: &Datum, dt: &arrow::datatypes::DataType) -> Option<ScalarValue> {
    use arrow::datatypes::{DataType as D, TimeUnit};
    let v = match (d.literal(), dt) {
        (PrimitiveLiteral::Int(v), D::Int32) => ScalarValue::Int32(Some(*v)),
        (PrimitiveLiteral::Int(v), D::Int64) => ScalarValue::Int64(Some(*v as i64)),
        (PrimitiveLiteral::Int(v), D::Date32) => ScalarValue::Date32(Some(*v)),
        (PrimitiveLiteral::Long(v), D::Int64) => ScalarValue::Int64(Some(*v)),
        (PrimitiveLiteral::Long(v), D::Timestamp(TimeUnit::Microsecond, tz)) => {
            ScalarValue::TimestampMicrosecond(Some(*v), tz.clone())
        }
        (PrimitiveLiteral::Long(v), D::Timestamp(TimeUnit::Nanosecond, tz)) => {
            ScalarValue::TimestampNanosecond(Some(*v), tz.clone())
        }
        (PrimitiveLiteral::Float(v), D::Float32) => ScalarValue::Float32(Some(v.0)),
        (PrimitiveLiteral::Float(v), D::Float64) => ScalarValue::Float64(Some(v.0 as f64)),
        (PrimitiveLiteral::Double(v), D::Float64) => ScalarValue::Float64(Some(v.0)),
        (PrimitiveLiteral::Int128(v), D::Decimal128(p, s)) => {
            ScalarValue::Decimal128(Some(*v), *p, *s)
        }
        (PrimitiveLiteral::String(s), D::Utf8 | D::Utf8View | D::LargeUtf8) => {
            ScalarValue::Utf8(Some(s.clone()))
        }
        _ => return None,
    };
    Some(v)
}

/// The scan of an Iceberg snapshot as a DataFusion table: files planned by iceberg-rust (with
/// the projection), read by its Arrow reader, spread over the session's partitions.
#[derive(Debug, Clone)]
pub struct IcebergProvider {
    table: Table,
    snapshot_id: Option<i64>,
    schema: ArrowSchemaRef,
    /// The data files to read: the snapshot's, or those added since an earlier run.
    files: Arc<HashSet<String>>,
}

impl IcebergProvider {
    pub fn new(t: &IcebergTable, files: HashSet<String>) -> Self {
        Self {
            table: t.table.clone(),
            snapshot_id: t.snapshot_id(),
            schema: t.arrow_schema.clone(),
            files: Arc::new(files),
        }
    }
}

fn df_error(e: iceberg::Error) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

#[async_trait::async_trait]
impl TableProvider for IcebergProvider {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> ArrowSchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        let schema = match projection {
            Some(p) => Arc::new(self.schema.project(p)?),
            None => self.schema.clone(),
        };
        let partitions = state.config().target_partitions().max(1);
        let mut tasks: Vec<FileScanTask> = Vec::new();
        if let Some(id) = self.snapshot_id {
            let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
            let builder = self.table.scan().snapshot_id(id);
            let builder = if names.is_empty() {
                builder.select_empty()
            } else {
                builder.select(names)
            };
            tasks = builder
                .build()
                .map_err(df_error)?
                .plan_files()
                .await
                .map_err(df_error)?
                .try_collect()
                .await
                .map_err(df_error)?;
            tasks.retain(|t| self.files.contains(&t.data_file_path));
        }
        // Largest first onto the least loaded partition.
        tasks.sort_by_key(|t| std::cmp::Reverse(t.length));
        let mut groups: Vec<(u64, Vec<FileScanTask>)> = vec![(0, Vec::new()); partitions];
        for t in tasks {
            let g = groups
                .iter_mut()
                .min_by_key(|g| g.0)
                .expect("at least one partition");
            g.0 += t.length;
            g.1.push(t);
        }
        let groups: Vec<Vec<FileScanTask>> = groups
            .into_iter()
            .map(|g| g.1)
            .filter(|g| !g.is_empty())
            .collect();
        let n = groups.len().max(1);
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            Partitioning::UnknownPartitioning(n),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        Ok(Arc::new(IcebergExec {
            table: self.table.clone(),
            groups,
            schema,
            properties,
        }))
    }
}

/// Reads groups of planned file tasks, one group per output partition.
#[derive(Debug)]
struct IcebergExec {
    table: Table,
    groups: Vec<Vec<FileScanTask>>,
    schema: ArrowSchemaRef,
    properties: Arc<PlanProperties>,
}

impl DisplayAs for IcebergExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "IcebergExec: {} file(s) in {} group(s)",
            self.groups.iter().map(Vec::len).sum::<usize>(),
            self.groups.len()
        )
    }
}

impl ExecutionPlan for IcebergExec {
    fn name(&self) -> &str {
        "IcebergExec"
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn with_new_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(
        &self,
        partition: usize,
        _context: Arc<TaskContext>,
    ) -> DFResult<SendableRecordBatchStream> {
        let tasks = self.groups.get(partition).cloned().unwrap_or_default();
        let reader = self
            .table
            .reader_builder()
            .with_batch_size(8192)
            .with_data_file_concurrency_limit(1)
            .build();
        let tasks = futures::stream::iter(tasks.into_iter().map(Ok)).boxed();
        let stream = reader
            .read(tasks)
            .map_err(df_error)?
            .stream()
            .map_err(df_error);
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            stream,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_metadata_by_version_number() {
        let names: Vec<String> = [
            "00002-b.metadata.json",
            "00010-a.metadata.json",
            "snap-1.avro",
            "00009-c.metadata.json",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            newest_metadata(&names).as_deref(),
            Some("00010-a.metadata.json")
        );
        let hadoop: Vec<String> = ["v1.metadata.json", "v12.metadata.json", "v3.metadata.json"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            newest_metadata(&hadoop).as_deref(),
            Some("v12.metadata.json")
        );
        assert_eq!(newest_metadata(&["x.parquet".to_string()]), None);
    }

    #[test]
    fn string_bounds_at_the_truncation_length_are_not_exact() {
        assert!(truncated(&Datum::string("awaiting_fulfill"), 16));
        assert!(!truncated(&Datum::string("shipped"), 16));
        assert!(!truncated(&Datum::long(7), 16));
    }
}
