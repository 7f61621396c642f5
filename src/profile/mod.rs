//! The one-scan profiler: every metric of every requested field from one DataFusion plan.

pub mod accumulate;
pub mod bins;
pub mod duplicates;
pub mod metadata;
pub mod model;
pub mod references;
pub mod sketch;
pub mod udaf;

pub use model::{Column, FieldProfile, Kind, ScanInfo, SnapshotInfo, TableProfile};

use crate::error::{Error, Result};
use crate::source::Source;
use arrow::array::{Array, AsArray};

use crate::context::Context;
use arrow::datatypes::DataType;
use datafusion::error::DataFusionError;
use datafusion::execution::memory_pool::human_readable_size;
use datafusion::logical_expr::{AggregateUDF, Expr};
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;

/// The memory to plan a scan's column groups for when no `--memory-limit` is given: half of
/// what is left of the tightest of the system's available memory, the cgroup's limit and the
/// address-space limit (`ulimit -v`). Nothing is enforced with it; it only keeps a wide table
/// from being scanned all at once on a machine that cannot hold every column's sketches.
/// `None` where none of these can be read (not Linux).
pub fn default_budget() -> Option<usize> {
    fn read(path: &str) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }
    fn kb(text: &str, key: &str) -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(key))?;
        Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
    }
    let mut room: Vec<u64> = Vec::new();
    if let Some(m) = read("/proc/meminfo") {
        room.extend(kb(&m, "MemAvailable:"));
    }
    if let (Some(max), Some(cur)) = (
        read("/sys/fs/cgroup/memory.max"),
        read("/sys/fs/cgroup/memory.current"),
    ) && let (Ok(max), Ok(cur)) = (max.trim().parse::<u64>(), cur.trim().parse::<u64>())
    {
        room.push(max.saturating_sub(cur));
    }
    if let Some(limits) = read("/proc/self/limits")
        && let Some(line) = limits.lines().find(|l| l.starts_with("Max address space"))
        && let Some(Ok(max)) = line.split_whitespace().nth(3).map(str::parse::<u64>)
    {
        let used = read("/proc/self/status").and_then(|s| kb(&s, "VmSize:"));
        room.push(max.saturating_sub(used.unwrap_or(0)));
    }
    let least = room.into_iter().min()?;
    usize::try_from(least / 2).ok()
}

/// The columns to profile: `None` means every field of the source.
pub fn resolve_columns(source: &Source, wanted: Option<&[String]>) -> Result<Vec<String>> {
    let schema = source.schema();
    let all: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    match wanted {
        None => Ok(all),
        Some(wanted) => {
            for c in wanted {
                if !all.contains(c) {
                    return Err(Error::NoSuchColumn {
                        column: c.clone(),
                        source_name: source.location.clone(),
                        available: all
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            }
            Ok(wanted.to_vec())
        }
    }
}

/// What to compute besides the profile itself.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Frozen bin edges per numeric column: its values are counted exactly in those bins.
    pub edges: BTreeMap<String, Vec<f64>>,
    /// Also give one profile per partition (grouping by the partition columns, same scan).
    pub by_partition: bool,
}

/// A profile of the selected slice, and of each of its partitions when asked.
#[derive(Debug, Clone)]
pub struct Profiled {
    pub whole: TableProfile,
    /// `(partition, profile)`, sorted by partition; empty unless asked for a partitioned source.
    pub partitions: Vec<(String, TableProfile)>,
}

fn column_expr(c: &str) -> Expr {
    Expr::Column(datafusion::common::Column::new_unqualified(c))
}

/// The plan that profiles `columns` of `source`: one aggregate, one scan (grouped by the
/// partition columns when `group` is set).
pub async fn plan(
    ctx: &SessionContext,
    source: &Source,
    columns: &[String],
) -> Result<datafusion::prelude::DataFrame> {
    plan_with(ctx, source, columns, &Options::default()).await
}

async fn plan_with(
    ctx: &SessionContext,
    source: &Source,
    columns: &[String],
    options: &Options,
) -> Result<datafusion::prelude::DataFrame> {
    let plain = AggregateUDF::from(udaf::ProfileUdaf::default());
    let exprs: Vec<Expr> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let udaf = match options.edges.get(c) {
                Some(edges) => &AggregateUDF::from(udaf::ProfileUdaf::with_edges(edges)),
                None => &plain,
            };
            udaf.call(vec![column_expr(c)]).alias(format!("f{i}"))
        })
        .collect();
    let group: Vec<Expr> = if options.by_partition {
        source.group_keys().into_iter().map(|(_, e)| e).collect()
    } else {
        vec![]
    };
    let df = source.dataframe(ctx).await?;
    df.aggregate(group, exprs).map_err(|e| Error::Query {
        source_name: source.location.clone(),
        source: e,
    })
}

/// The fields of a table from its partitions' profiles: each field merged over the partitions
/// that have it, in the order they first appear.
pub fn merged_fields(partitions: &[(String, TableProfile)]) -> Vec<FieldProfile> {
    let mut fields: Vec<FieldProfile> = Vec::new();
    for (_, p) in partitions {
        for f in &p.fields {
            match fields.iter_mut().find(|x| x.name == f.name) {
                Some(x) => x.merge(f),
                None => fields.push(f.clone()),
            }
        }
    }
    fields
}

/// The profile of a slice as far as the footers know it: rows, files, bytes, schema.
/// The profile the footers give: row count, files, bytes, partitions, schema; no fields.
pub fn footer_profile(source: &Source) -> TableProfile {
    TableProfile {
        source: source.location.clone(),
        row_count: source.row_count(),
        scan: ScanInfo {
            files: source.files.len() as u64,
            bytes: source.bytes(),
            scanned: false,
            passes: 0,
        },
        partitions: source.partitions(),
        schema: source
            .schema()
            .fields()
            .iter()
            .map(|f| Column {
                name: f.name().clone(),
                data_type: f.data_type().to_string(),
                kind: Kind::of(f.data_type()),
            })
            .collect(),
        fields: Vec::new(),
        snapshot: source.iceberg().and_then(|t| t.snapshot_info()),
    }
}

/// Reads the field profiles of one result row: columns `offset..` are `f0, f1, ...`.
fn read_fields(
    source: &Source,
    batch: &arrow::array::RecordBatch,
    row: usize,
    offset: usize,
    columns: &[String],
) -> Result<Vec<FieldProfile>> {
    let schema = source.schema();
    let mut fields = Vec::with_capacity(columns.len());
    for (i, name) in columns.iter().enumerate() {
        let col = arrow::compute::cast(batch.column(offset + i), &DataType::Utf8)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let json = col.as_string::<i32>().value(row);
        let mut field: FieldProfile = serde_json::from_str(json)
            .map_err(|e| Error::Internal(format!("profile of `{name}`: {e}")))?;
        field.name = name.clone();
        if let Ok(f) = schema.field_with_name(name) {
            field.data_type = f.data_type().to_string();
        }
        fields.push(field);
    }
    Ok(fields)
}

/// Profiles the selected slice of `source`. With no columns, the footers answer (row count,
/// files, bytes) and no data page is read.
pub async fn profile(ctx: &Context, source: &Source, columns: &[String]) -> Result<TableProfile> {
    Ok(profile_with(ctx, source, columns, &Options::default())
        .await?
        .whole)
}

/// What the footers tell about the memory a scan of some columns will need.
#[derive(Debug, Clone, Default)]
pub struct ScanShape {
    /// Rows of the slice.
    pub rows: u64,
    /// Partitions the scan runs in (DataFusion's `target_partitions`): each holds its own
    /// accumulators and reader.
    pub partitions: usize,
    /// Per top-level column, the largest compressed column chunk of any row group: what a
    /// reader holds while it decodes that row group.
    pub chunk_bytes: BTreeMap<String, u64>,
    /// Per column, the most distinct values it can have, where the footers bound it more
    /// tightly than the rows do: non-null values, the span of integer and date bounds, two
    /// booleans, the partitions of a partition column.
    pub distinct: BTreeMap<String, u64>,
}

impl ScanShape {
    pub fn of(source: &Source, columns: &[String], partitions: usize) -> ScanShape {
        let mut chunk_bytes: BTreeMap<String, u64> = BTreeMap::new();
        for footer in source.files.iter().filter_map(|f| f.footer.as_ref()) {
            for rg in footer.row_groups() {
                let mut per_column: BTreeMap<&str, u64> = BTreeMap::new();
                for c in rg.columns() {
                    let top = c.column_path().parts().first().map_or("", String::as_str);
                    *per_column.entry(top).or_default() += c.compressed_size().max(0) as u64;
                }
                for (name, bytes) in per_column {
                    let e = chunk_bytes.entry(name.to_string()).or_default();
                    *e = (*e).max(bytes);
                }
            }
        }
        let mut distinct = BTreeMap::new();
        for f in metadata::facts(source, columns).unwrap_or_default() {
            let values = f.null_count.map_or(f.rows, |n| f.rows.saturating_sub(n));
            let span = match &f.bounds {
                Ok(Some((lo, hi))) => span(lo, hi),
                Ok(None) => Some(0),
                Err(_) => None,
            };
            let bound = match Kind::of(&f.data_type) {
                Kind::Boolean => values.min(2),
                _ => span.map_or(values, |s| s.min(values)),
            };
            distinct.insert(f.name, bound);
        }
        ScanShape {
            rows: source.row_count(),
            partitions: partitions.max(1),
            chunk_bytes,
            distinct,
        }
    }
}

/// How many values lie between two integer or date bounds (inclusive), if they are such.
fn span(lo: &datafusion::common::ScalarValue, hi: &datafusion::common::ScalarValue) -> Option<u64> {
    use datafusion::common::ScalarValue::*;
    let as_int = |v: &datafusion::common::ScalarValue| -> Option<i128> {
        Some(match v {
            Int8(Some(x)) => i128::from(*x),
            Int16(Some(x)) => i128::from(*x),
            Int32(Some(x)) => i128::from(*x),
            Int64(Some(x)) => i128::from(*x),
            UInt8(Some(x)) => i128::from(*x),
            UInt16(Some(x)) => i128::from(*x),
            UInt32(Some(x)) => i128::from(*x),
            UInt64(Some(x)) => i128::from(*x),
            Date32(Some(x)) => i128::from(*x),
            Date64(Some(x)) => i128::from(*x).div_euclid(86_400_000),
            _ => return None,
        })
    };
    let n = as_int(hi)? - as_int(lo)? + 1;
    Some(u64::try_from(n.max(0)).unwrap_or(u64::MAX))
}

/// Rows in a batch of the scan.
const BATCH_ROWS: usize = 8192;

/// Bytes the scan holds for the plan itself besides the columns' own: per partition, one
/// column's per-batch value counts (a hash table sized to the batch) and slack.
fn scan_overhead(shape: &ScanShape) -> usize {
    shape.partitions * (sketch::table_bytes(BATCH_ROWS, 48) + (1 << 20))
}

/// The most memory profiling `field` holds at once in a scan shaped like `shape`, in bytes,
/// with every sketch as large as the rows allow, as the memory pool counts it (see
/// `ProfileAccumulator::size`): the accumulators of the partitions (sketches and the serialised
/// state they become), the final accumulator (the states received, counted again for their
/// parsed form, the merged profile and its serialised result); and, outside the pool, each
/// partition's reader (the largest column chunk) and decoded batches.
pub fn column_cost(field: &arrow::datatypes::Field, shape: &ScanShape) -> usize {
    use sketch::{EXACT_DISTINCT_CAP, FREQUENT_CAPACITY, HLL_PRECISION, KLL_K, WORKING_CAPACITY};
    // Bytes a hash takes in a partition's exact-distinct table (at worst, just after it grew),
    // read back (sorted), and packed.
    const HASH_HEAP: usize = 21;
    const HASH_SORTED: usize = 8;
    const HASH_TEXT: usize = 10;
    let p = shape.partitions;
    let rows = usize::try_from(shape.rows).unwrap_or(usize::MAX);
    let distinct = shape.distinct.get(field.name()).map_or(rows, |d| {
        usize::try_from(*d).unwrap_or(usize::MAX).min(rows)
    });
    let kind = Kind::of(field.data_type());
    let registers = 1usize << HLL_PRECISION;
    // Distinct: each partition's exact set (together no more hashes than rows); the merged one
    // stops one past the cap.
    let hashes = rows.min(p.saturating_mul(distinct.min(EXACT_DISTINCT_CAP)));
    let merged = distinct.min(EXACT_DISTINCT_CAP + 1);
    let (mut heap, mut text) = (p * registers + hashes * HASH_HEAP, p * (registers + 512));
    text = text.max(hashes * HASH_TEXT);
    let (mut final_heap, mut final_text) = (registers + merged * HASH_SORTED, 512 + registers);
    final_text = final_text.max(merged * HASH_TEXT);
    if kind.is_numeric() {
        // Retained items; in the heap also a batch's values while they join level 0 (its
        // capacity stays).
        let items = rows.min(4 * KLL_K);
        heap += p * rows.min(4 * KLL_K + BATCH_ROWS) * 8;
        text += p * items * 24;
        final_heap += items * 8;
        final_text += items * 24;
    }
    if matches!(
        kind,
        Kind::String | Kind::Integer | Kind::Date | Kind::Boolean
    ) {
        // A working summary per partition, the values' text allocated, and the counts a cut
        // collects; the result is compacted.
        let kept = distinct.min(WORKING_CAPACITY);
        let summary = sketch::table_bytes(kept, 32) + kept * 40;
        heap += p * (summary + (kept + BATCH_ROWS) * 8);
        text += p * kept * 40;
        final_heap += summary;
        final_text += distinct.min(FREQUENT_CAPACITY) * 40;
    }
    let accumulators = heap + text + 2 * text + final_heap + final_text;
    let width = field.data_type().primitive_width().unwrap_or(32).max(1);
    let chunk = shape
        .chunk_bytes
        .get(field.name())
        .map_or(0, |b| usize::try_from(*b).unwrap_or(usize::MAX));
    let reader = p * (chunk + 2 * BATCH_ROWS * width);
    accumulators.saturating_add(reader)
}

/// Splits `columns` into groups that can be profiled one scan each within `limit` bytes (each
/// group as large as fits, in column order; a column that alone exceeds the limit is a group of
/// its own, for the memory pool to refuse if it must). Without a limit, one group.
pub fn column_groups(
    schema: &arrow::datatypes::Schema,
    columns: &[String],
    shape: &ScanShape,
    limit: Option<usize>,
) -> Vec<Vec<String>> {
    let Some(limit) = limit else {
        return vec![columns.to_vec()];
    };
    let budget = limit.saturating_sub(scan_overhead(shape));
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut used = 0usize;
    for c in columns {
        let cost = schema
            .field_with_name(c)
            .map_or(0, |f| column_cost(f, shape));
        match groups.last_mut() {
            Some(g) if used.saturating_add(cost) <= budget => {
                g.push(c.clone());
                used += cost;
            }
            _ => {
                groups.push(vec![c.clone()]);
                used = cost;
            }
        }
    }
    groups
}

/// True when a scan failed because the memory pool refused it.
fn exhausted(e: &Error) -> bool {
    matches!(e, Error::Query { source, .. }
        if matches!(source.find_root(), DataFusionError::ResourcesExhausted(_)))
}

/// Profiles the selected slice of `source` in one scan, with the extras of `options`. Under a
/// `--memory-limit` too small for every column's sketches at once, the columns are profiled in
/// groups, one scan each ([`column_groups`]; a group the memory pool still refuses is split in
/// two and scanned again), and the profile says how many scans it took (`scan.passes`).
pub async fn profile_with(
    ctx: &Context,
    source: &Source,
    columns: &[String],
    options: &Options,
) -> Result<Profiled> {
    let mut whole = footer_profile(source);
    let group_keys: Vec<String> = source.group_keys().into_iter().map(|(k, _)| k).collect();
    let by_partition = options.by_partition && !group_keys.is_empty();
    // Rows the metadata cannot count (an Iceberg snapshot with delete files) are counted by the
    // scan: over the first column when none is asked for.
    let first: Vec<String>;
    let count_only = columns.is_empty() && !source.counts_exact();
    let columns = if count_only {
        first = resolve_columns(source, None)?.into_iter().take(1).collect();
        &first[..]
    } else {
        columns
    };
    if columns.is_empty() {
        ctx.progress.metadata_answer(
            &source.location,
            &format!("row count from {}, no scan", source.metadata_origin()),
        );
        let mut partitions = Vec::new();
        if by_partition {
            for name in source.partitions() {
                partitions.push((name.clone(), footer_profile(&source.only_partition(&name))));
            }
        }
        return Ok(Profiled { whole, partitions });
    }
    let session = ctx.session()?;
    let options = Options {
        by_partition,
        ..options.clone()
    };
    let shape = ScanShape::of(
        source,
        columns,
        session.state().config().target_partitions(),
    );
    let schema = source.schema();
    // The profiles already built stay in memory while later groups are scanned: they are
    // counted in the same pool, so the limit covers the scan and the profile it builds.
    let pool = session.runtime_env().memory_pool.clone();
    let held = datafusion::execution::memory_pool::MemoryConsumer::new("Plimsoll profiles")
        .register(&pool);
    let keys = if by_partition { group_keys.len() } else { 0 };
    // Fields in column order: groups are cut from the front of the columns left, and a group
    // split after a refusal is scanned before them.
    let mut fields: Vec<FieldProfile> = Vec::new();
    let mut by_name: BTreeMap<String, Vec<FieldProfile>> = BTreeMap::new();
    let mut passes = 0u32;
    let mut left: &[String] = columns;
    // On a cluster the executors hold the sketches, under their own memory limits: one scan.
    let plan_limit = match ctx.cluster {
        Some(_) => None,
        None => ctx.memory_limit.or_else(default_budget),
    };
    let mut split: std::collections::VecDeque<Vec<String>> = Default::default();
    loop {
        let group = match split.pop_front() {
            Some(g) => g,
            None if left.is_empty() => break,
            None => {
                let budget = plan_limit.map(|l| l.saturating_sub(held.size()));
                let first = column_groups(&schema, left, &shape, budget)
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                left = &left[first.len().max(1).min(left.len())..];
                first
            }
        };
        let df = plan_with(&session, source, &group, &options).await?;
        let batches = match source.collect_observed(&ctx.progress, df).await {
            Ok(b) => b,
            Err(e) if group.len() > 1 && exhausted(&e) => {
                let (a, b) = group.split_at(group.len() / 2);
                split.push_front(b.to_vec());
                split.push_front(a.to_vec());
                continue;
            }
            Err(e) if exhausted(&e) && held.size() > 0 => {
                let done = fields.len() + by_name.values().map(Vec::len).sum::<usize>();
                return Err(source.scan_error(DataFusionError::ResourcesExhausted(format!(
                    "the profiles already built ({done} field profile(s)) hold {} of the memory limit, and what is left cannot hold the sketches of `{}`",
                    human_readable_size(held.size()),
                    group[0]
                ))));
            }
            Err(e) => return Err(e),
        };
        passes += 1;
        for batch in batches.iter().filter(|b| b.num_rows() > 0) {
            for row in 0..batch.num_rows() {
                let mut group_fields = read_fields(source, batch, row, keys, &group)?;
                let bytes: usize = group_fields
                    .iter()
                    .map(|f| std::mem::size_of::<FieldProfile>() + f.heap_size())
                    .sum();
                held.try_grow(bytes).map_err(|_| {
                    source.scan_error(DataFusionError::ResourcesExhausted(format!(
                        "the field profiles built so far would hold {}, more than the memory limit leaves",
                        human_readable_size(held.size() + bytes)
                    )))
                })?;
                if !by_partition {
                    fields.append(&mut group_fields);
                    continue;
                }
                let mut name = Vec::new();
                for (k, key) in group_keys.iter().enumerate() {
                    let v = arrow::compute::cast(batch.column(k), &DataType::Utf8)
                        .map_err(|e| Error::Internal(e.to_string()))?;
                    // A null key is Hive's null partition, named as its directory is.
                    let v = v.as_string::<i32>();
                    let v = if v.is_null(row) {
                        crate::source::HIVE_NULL
                    } else {
                        v.value(row)
                    };
                    name.push(format!("{key}={v}"));
                }
                by_name
                    .entry(name.join("/"))
                    .or_default()
                    .append(&mut group_fields);
            }
        }
    }
    whole.fields = fields;
    whole.scan.passes = passes;
    let mut partitions: Vec<(String, TableProfile)> = Vec::new();
    for (name, fields) in by_name {
        let mut part = footer_profile(&source.only_partition(&name));
        if source.sliced_by_event_time() || !source.counts_exact() {
            // A slice cut from the files by a filter: its rows are the scan's.
            part.row_count = fields.first().map_or(0, FieldProfile::rows);
            part.partitions = vec![name.clone()];
        }
        part.fields = fields;
        part.scan.scanned = true;
        part.scan.passes = passes;
        partitions.push((name, part));
    }
    if by_partition {
        partitions.sort_by(|a, b| a.0.cmp(&b.0));
        whole.fields = merged_fields(&partitions);
    }
    if !source.counts_exact()
        && let Some(f) = whole.fields.first()
    {
        whole.row_count = f.rows();
    }
    if whole.fields.is_empty() && whole.row_count > 0 {
        return Err(Error::Internal("the profile query returned no row".into()));
    }
    if whole.fields.is_empty() {
        // An empty table: every field profiled from zero rows.
        let schema = source.schema();
        for c in columns {
            if let Ok(f) = schema.field_with_name(c) {
                whole.fields.push(FieldProfile::new(c, f.data_type()));
            }
        }
    }
    for field in &whole.fields {
        if field.rows() != whole.row_count {
            // DataFusion lists the table again when it scans: a file removed or rewritten in
            // between changes what it reads. Name the file when one is gone.
            if let Some(path) = source.vanished_file().await? {
                return Err(Error::Vanished { path });
            }
            return Err(Error::TableChanged {
                location: source.location.clone(),
                footers: whole.row_count,
                scanned: field.rows(),
            });
        }
    }
    whole.scan.scanned = true;
    if count_only {
        whole.fields.clear();
    }
    Ok(Profiled { whole, partitions })
}

/// Convenience: open a source and profile the given columns (all when `None`).
pub async fn profile_location(
    ctx: &Context,
    location: &str,
    selectors: &[crate::source::PartitionSelector],
    columns: Option<&[String]>,
) -> Result<TableProfile> {
    let source = Source::open(ctx, &crate::source::SourceRef::new(location), selectors).await?;
    let columns = resolve_columns(&source, columns)?;
    profile(ctx, &source, &columns).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::{Field, Schema};

    fn wide(n: usize) -> (Schema, Vec<String>) {
        let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        let fields: Vec<Field> = names
            .iter()
            .map(|c| Field::new(c, DataType::Int64, false))
            .collect();
        (Schema::new(fields), names)
    }

    #[test]
    fn column_groups_fit_the_limit_in_column_order() {
        let (schema, columns) = wide(500);
        let shape = ScanShape {
            rows: 150_000,
            partitions: 2,
            ..Default::default()
        };
        assert_eq!(
            column_groups(&schema, &columns, &shape, None),
            vec![columns.clone()]
        );
        let limit = 64 << 20;
        let groups = column_groups(&schema, &columns, &shape, Some(limit));
        assert!(groups.len() > 1);
        assert_eq!(groups.concat(), columns, "every column once, in order");
        let cost = |g: &[String]| -> usize {
            g.iter()
                .map(|c| column_cost(schema.field_with_name(c).unwrap(), &shape))
                .sum()
        };
        for g in &groups {
            assert!(cost(g) + scan_overhead(&shape) <= limit, "{g:?}");
        }
        // A column that alone exceeds the limit is a group of its own, not an endless loop.
        let tiny = column_groups(&schema, &columns[..3], &shape, Some(1024));
        assert_eq!(tiny.len(), 3);
    }

    #[test]
    fn column_cost_follows_what_the_footers_bound() {
        let (schema, _) = wide(1);
        let field = schema.field(0);
        let mut shape = ScanShape {
            rows: 1_000_000,
            partitions: 2,
            ..Default::default()
        };
        let unbounded = column_cost(field, &shape);
        shape.distinct.insert("c0".into(), 7);
        let seven = column_cost(field, &shape);
        assert!(seven * 10 < unbounded, "{seven} vs {unbounded}");
        // A large column chunk is held by each partition's reader.
        shape.chunk_bytes.insert("c0".into(), 10 << 20);
        assert!(column_cost(field, &shape) >= seven + (20 << 20));
    }
}
