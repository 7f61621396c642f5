//! Iceberg tables written with iceberg-rust for the tests: a SQL catalog over SQLite, appends of
//! Arrow batches, and the `shop.orders` table with two snapshots and a column added in between.

use arrow::array::*;
use iceberg::io::StorageFactory;
use iceberg::spec::{DataFileFormat, NestedField, PrimitiveType, Schema, Type};
use iceberg::table::Table;
use iceberg::transaction::{AddColumn, ApplyTransactionAction, Transaction};
use iceberg::writer::base_writer::data_file_writer::DataFileWriterBuilder;
use iceberg::writer::file_writer::ParquetWriterBuilder;
use iceberg::writer::file_writer::location_generator::{
    DefaultFileNameGenerator, DefaultLocationGenerator,
};
use iceberg::writer::file_writer::rolling_writer::RollingFileWriterBuilder;
use iceberg::writer::{IcebergWriter, IcebergWriterBuilder};
use iceberg::{Catalog, CatalogBuilder, NamespaceIdent, TableCreation};
use iceberg_catalog_sql::{
    SQL_CATALOG_PROP_BIND_STYLE, SQL_CATALOG_PROP_URI, SQL_CATALOG_PROP_WAREHOUSE, SqlBindStyle,
    SqlCatalog, SqlCatalogBuilder,
};
use parquet::file::properties::WriterProperties;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Catalog properties: the SQLite file `dir/catalog.db`, tables under `dir/warehouse`.
pub fn local_props(dir: &Path) -> HashMap<String, String> {
    props(dir, &format!("file://{}/warehouse", dir.display()))
}

/// Catalog properties: the SQLite file `dir/catalog.db`, tables under `warehouse`.
pub fn props(dir: &Path, warehouse: &str) -> HashMap<String, String> {
    HashMap::from([
        (
            SQL_CATALOG_PROP_URI.to_string(),
            format!("sqlite:{}/catalog.db?mode=rwc", dir.display()),
        ),
        (
            SQL_CATALOG_PROP_WAREHOUSE.to_string(),
            warehouse.to_string(),
        ),
        (
            SQL_CATALOG_PROP_BIND_STYLE.to_string(),
            SqlBindStyle::QMark.to_string(),
        ),
    ])
}

pub async fn catalog(
    props: &HashMap<String, String>,
    storage: Arc<dyn StorageFactory>,
) -> SqlCatalog {
    SqlCatalogBuilder::default()
        .with_storage_factory(storage)
        .load("default", props.clone())
        .await
        .expect("sql catalog")
}

/// Appends `batch` as a new snapshot (data files named `TAG-...`).
pub async fn append(catalog: &dyn Catalog, table: &Table, batch: RecordBatch, tag: &str) -> Table {
    let schema = table.metadata().current_schema().clone();
    let locations = DefaultLocationGenerator::new(table.metadata()).unwrap();
    let names = DefaultFileNameGenerator::new(tag.to_string(), None, DataFileFormat::Parquet);
    let parquet = ParquetWriterBuilder::new(WriterProperties::default(), schema);
    let rolling = RollingFileWriterBuilder::new_with_default_file_size(
        parquet,
        table.file_io().clone(),
        locations,
        names,
    );
    let mut writer = DataFileWriterBuilder::new(rolling)
        .build(None)
        .await
        .unwrap();
    writer.write(batch).await.unwrap();
    let files = writer.close().await.unwrap();
    let tx = Transaction::new(table);
    let tx = tx.fast_append().add_data_files(files).apply(tx).unwrap();
    let table = tx.commit(catalog).await.unwrap();
    // Snapshot times are milliseconds: keep commits apart for `--as-of`.
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    table
}

fn arrow_schema(table: &Table) -> arrow::datatypes::SchemaRef {
    Arc::new(iceberg::arrow::schema_to_arrow_schema(table.metadata().current_schema()).unwrap())
}

pub const T0: i64 = 1_709_251_200_000_000; // 2024-03-01T00:00:00Z in microseconds

/// Rows `ids` of the orders table (with `channel` once the column exists).
pub fn rows(table: &Table, ids: std::ops::Range<i64>, channel: bool) -> RecordBatch {
    let id: Int64Array = ids.clone().collect::<Vec<_>>().into();
    let customer: StringArray = ids
        .clone()
        .map(|i| (i % 10 != 0).then(|| format!("c{:02}", i % 37)))
        .collect();
    let amount: Float64Array = ids
        .clone()
        .map(|i| (i % 7 != 0).then_some(i as f64 * 1.25))
        .collect();
    let placed: TimestampMicrosecondArray = ids
        .clone()
        .map(|i| Some(T0 + i * 60_000_000))
        .collect::<TimestampMicrosecondArray>()
        .with_timezone("+00:00");
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(id),
        Arc::new(customer),
        Arc::new(amount),
        Arc::new(placed),
    ];
    if channel {
        let ch: StringArray = ids
            .map(|i| (i % 5 != 0).then(|| ["web", "app", "store"][(i % 3) as usize]))
            .collect();
        columns.push(Arc::new(ch));
    }
    RecordBatch::try_new(arrow_schema(table), columns).unwrap()
}

/// Creates `shop.orders`: snapshot 1 with rows 0..300, then the `channel` column is added, then
/// snapshot 2 with rows 300..500. Returns the table and the two batches.
pub async fn create_orders(catalog: &dyn Catalog) -> (Table, RecordBatch, RecordBatch) {
    let ns = NamespaceIdent::new("shop".to_string());
    catalog.create_namespace(&ns, HashMap::new()).await.unwrap();
    let schema = Schema::builder()
        .with_fields(vec![
            NestedField::required(1, "id", Type::Primitive(PrimitiveType::Long)).into(),
            NestedField::optional(2, "customer", Type::Primitive(PrimitiveType::String)).into(),
            NestedField::optional(3, "amount", Type::Primitive(PrimitiveType::Double)).into(),
            NestedField::optional(4, "placed_at", Type::Primitive(PrimitiveType::Timestamptz))
                .into(),
        ])
        .build()
        .unwrap();
    let creation = TableCreation::builder()
        .name("orders".to_string())
        .schema(schema)
        .build();
    let table = catalog.create_table(&ns, creation).await.unwrap();
    let first = rows(&table, 0..300, false);
    let table = append(catalog, &table, first.clone(), "first").await;
    let tx = Transaction::new(&table);
    let tx = tx
        .update_schema()
        .add_column(AddColumn::optional(
            "channel",
            Type::Primitive(PrimitiveType::String),
        ))
        .apply(tx)
        .unwrap();
    let table = tx.commit(catalog).await.unwrap();
    let second = rows(&table, 300..500, true);
    let table = append(catalog, &table, second.clone(), "second").await;
    (table, first, second)
}

/// Places the committed pyiceberg fixture (a renamed column between its snapshots) where it was
/// written, since its metadata records absolute locations; returns that directory and the
/// fixture's `expected.json`.
pub fn place_pyiceberg_fixture() -> (std::path::PathBuf, serde_json::Value) {
    let src = super::root().join("testdata/iceberg/pyiceberg");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(src.join("expected.json")).unwrap()).unwrap();
    let location = std::fs::read_to_string(src.join("LOCATION")).unwrap();
    let target = std::path::PathBuf::from(location.trim().trim_start_matches("file://"));
    let _ = std::fs::remove_dir_all(&target);
    super::copy_dir(&src.join("orders"), &target);
    (target, expected)
}
