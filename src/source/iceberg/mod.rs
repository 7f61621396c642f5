//! Iceberg tables through iceberg-rust.
//!
//! A table is given by its directory or one of its `*.metadata.json` files (locally or on
//! `s3://`), or by name (`NAMESPACE.TABLE`) in the catalog of `--catalog`. One snapshot is read:
//! `--snapshot ID`, `--as-of TIME`, else the current one. Its data files, row counts and column
//! statistics come from the manifests without opening a data file; scans go through
//! iceberg-rust's reader, which matches columns by field id, so a renamed column reads from old
//! files too. Tables whose snapshot carries delete files are refused rather than profiled
//! wrongly: every count Plimsoll reports would otherwise include deleted rows.

mod catalog;
mod errors;
mod manifests;
pub mod partitions;
mod provider;

pub use errors::{describe_error, iceberg_error};
pub use manifests::DataFileFacts;
pub use partitions::Prune;
pub use provider::IcebergProvider;

use crate::context::{CatalogConfig, Context};
use crate::error::{Error, Result};
use arrow::datatypes::SchemaRef as ArrowSchemaRef;
use datafusion::common::ScalarValue;
use iceberg::TableIdent;
use iceberg::spec::{Datum, PrimitiveLiteral, SchemaRef, SnapshotRef};
use iceberg::table::{StaticTable, Table};
use std::sync::Arc;

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

impl std::fmt::Display for SnapshotSelect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotSelect::Current => f.write_str("current"),
            SnapshotSelect::Id(id) => write!(f, "snapshot:{id}"),
            SnapshotSelect::AsOf(ms) => write!(
                f,
                "as-of:{}",
                chrono::DateTime::from_timestamp_millis(*ms)
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
                    .unwrap_or_else(|| ms.to_string())
            ),
        }
    }
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
pub async fn detect(ctx: &Context, location: &str) -> Result<Option<Target>> {
    if location.ends_with(".metadata.json") {
        return Ok(Some(Target::Metadata(absolute(location))));
    }
    if let Some(catalog) = &ctx.catalog
        && !location.contains('/')
        && !location.starts_with("s3:")
        && !std::path::Path::new(location).exists()
    {
        return Ok(Some(Target::Named(location.to_string(), catalog.clone())));
    }
    let names: Vec<String> = match super::s3::S3Location::parse(location) {
        Some(loc) => {
            let loc = loc?;
            let store = super::s3::store(&ctx.s3, &loc)?;
            let prefix = object_store::path::Path::from(format!("{}/metadata", loc.prefix));
            match store.list_with_delimiter(Some(&prefix)).await {
                Ok(l) => l
                    .objects
                    .iter()
                    .filter_map(|o| o.location.filename().map(str::to_string))
                    .collect(),
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => {
                    return Err(super::errors::storage_error(location, &loc.bucket, &e));
                }
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
    /// The partition fields of the default spec that select slices.
    pub slice_keys: Vec<crate::source::slices::SliceKey>,
    /// Partition fields that cannot select a slice (bucket, truncate, void).
    pub other_partition_fields: Vec<String>,
    /// Data manifests of the snapshot, and those read (see [`manifests::Listing`]).
    pub manifests_total: usize,
    pub manifests_read: usize,
    /// Files kept whose spec cannot tell their partition (their rows are filtered).
    pub unpruned: usize,
    /// `files` are all the snapshot's data files (no partition pruning, manifests read).
    pub complete: bool,
    /// The partitions selected, as a scan predicate: the scan's planning then reads only the
    /// manifests that may hold them.
    pub scan_filter: Option<iceberg::expr::Predicate>,
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

/// Loads the table behind `target`.
async fn load(ctx: &Context, location: &str, target: &Target) -> Result<(Table, String)> {
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
            let io = catalog::file_io(&ctx.s3, meta)?;
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
            let catalog = catalog::open_catalog(&ctx.s3, config).await?;
            let table = catalog
                .load_table(&ident)
                .await
                .map_err(|e| catalog::catalog_error(&config.uri, name, e))?;
            let meta = table.metadata_location().unwrap_or(name).to_string();
            Ok((table, meta))
        }
    }
}

/// Opens the Iceberg table at `location` at the selected snapshot and reads its manifests.
pub async fn open(
    ctx: &Context,
    location: &str,
    target: &Target,
    select: SnapshotSelect,
) -> Result<IcebergTable> {
    open_metadata(ctx, location, target, select)
        .await?
        .pruned(location, None)
        .await
}

/// Opens the Iceberg table at `location` at the selected snapshot without reading its manifests
/// (no data files listed yet: see [`IcebergTable::pruned`]).
pub async fn open_metadata(
    ctx: &Context,
    location: &str,
    target: &Target,
    select: SnapshotSelect,
) -> Result<IcebergTable> {
    let (table, metadata_location) = load(ctx, location, target).await?;
    let md = table.metadata();
    let snapshot = resolve(location, &table, select)?;
    let schema = match &snapshot {
        Some(s) => s.schema(md).map_err(|e| iceberg_error(location, e))?,
        None => md.current_schema().clone(),
    };
    let arrow_schema = Arc::new(
        iceberg::arrow::schema_to_arrow_schema(&schema).map_err(|e| iceberg_error(location, e))?,
    );
    let (slice_keys, other_partition_fields) = partitions::slice_keys(&table, &schema);
    let t = IcebergTable {
        table,
        snapshot,
        schema,
        arrow_schema,
        files: Vec::new(),
        delete_files: Vec::new(),
        metadata_location,
        slice_keys,
        other_partition_fields,
        manifests_total: 0,
        manifests_read: 0,
        unpruned: 0,
        complete: false,
        scan_filter: None,
    };
    Ok(t)
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

/// How a table's writer recorded column bounds (`write.metadata.metrics.*`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum MetricsMode {
    None,
    Counts,
    Truncate(usize),
    Full,
}

impl IcebergTable {
    /// The same snapshot with its data files read from the manifests again, keeping only those
    /// of the partitions `prune` selects (manifests pruned by their partition summaries first);
    /// every data file with no `prune`.
    pub async fn pruned(&self, location: &str, prune: Option<&Prune>) -> Result<IcebergTable> {
        let listing = match &self.snapshot {
            Some(s) => {
                manifests::data_files(location, &self.table, s, &self.slice_keys, prune).await?
            }
            None => manifests::Listing::default(),
        };
        Ok(IcebergTable {
            files: listing.files,
            delete_files: listing.deletes,
            manifests_total: listing.manifests_total,
            manifests_read: listing.manifests_read,
            unpruned: listing.unpruned,
            complete: prune.is_none(),
            scan_filter: None,
            ..self.clone()
        })
    }

    pub fn snapshot_id(&self) -> Option<i64> {
        self.snapshot.as_ref().map(|s| s.snapshot_id())
    }

    /// Why a cluster cannot scan this snapshot as plain Parquet files, if it cannot. A cluster
    /// is handed the snapshot's data files and reads their columns by name: that is the
    /// snapshot's rows only when no delete file removes some of them, and its columns only when
    /// no field of the table was ever renamed or had its name reused (the local scan maps
    /// columns by field id and applies deletes).
    pub fn cluster_blocker(&self) -> Option<String> {
        let snapshot = self
            .snapshot_id()
            .map_or_else(|| "the table".to_string(), |id| format!("snapshot {id}"));
        if let Some(first) = self.delete_files.first() {
            return Some(format!(
                "{snapshot} of Iceberg table `{}` has {} delete file(s) (`{first}`, ...), which a cluster scan of its data files would not apply",
                self.metadata_location,
                self.delete_files.len()
            ));
        }
        for field in self.schema.as_struct().fields() {
            for other in self.table.metadata().schemas_iter() {
                let renamed = other
                    .field_by_id(field.id)
                    .filter(|f| f.name != field.name)
                    .map(|f| f.name.clone());
                let reused = other
                    .field_by_name(&field.name)
                    .filter(|f| f.id != field.id)
                    .map(|_| field.name.clone());
                if let Some(old) = renamed.or(reused) {
                    return Some(format!(
                        "field `{}` of Iceberg table `{}` was renamed (it was `{old}` in schema {}), and a cluster reads data files by column name",
                        field.name,
                        self.metadata_location,
                        other.schema_id()
                    ));
                }
            }
        }
        None
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
