//! Writes the generated orders as an Iceberg table, one snapshot per day, for timing full and
//! incremental runs: `cargo run --example gen_iceberg -- DIR DAYS ROWS_PER_DAY`. The table is
//! `bench.orders` in the SQL catalog `DIR/catalog.db`, under `DIR/warehouse/bench/orders`;
//! running it again on the same DIR appends DAYS more days.

use arrow::array::RecordBatch;
use iceberg::io::LocalFsStorageFactory;
use iceberg::spec::DataFileFormat;
use iceberg::transaction::{ApplyTransactionAction, Transaction};
use iceberg::writer::base_writer::data_file_writer::DataFileWriterBuilder;
use iceberg::writer::file_writer::ParquetWriterBuilder;
use iceberg::writer::file_writer::location_generator::{
    DefaultFileNameGenerator, DefaultLocationGenerator,
};
use iceberg::writer::file_writer::rolling_writer::RollingFileWriterBuilder;
use iceberg::writer::{IcebergWriter, IcebergWriterBuilder};
use iceberg::{Catalog, CatalogBuilder, NamespaceIdent, TableCreation, TableIdent};
use iceberg_catalog_sql::{SqlBindStyle, SqlCatalogBuilder};
use std::collections::HashMap;
use std::sync::Arc;

type Error = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, days, rows] = args.as_slice() else {
        return Err("usage: gen_iceberg DIR DAYS ROWS_PER_DAY".into());
    };
    let (days, rows): (u32, usize) = (days.parse()?, rows.parse()?);
    let dir = std::path::Path::new(dir);
    std::fs::create_dir_all(dir)?;
    let dir = std::fs::canonicalize(dir)?;
    let props = HashMap::from([
        (
            "uri".to_string(),
            format!("sqlite:{}/catalog.db?mode=rwc", dir.display()),
        ),
        (
            "warehouse".to_string(),
            format!("file://{}/warehouse", dir.display()),
        ),
        (
            "sql_bind_style".to_string(),
            SqlBindStyle::QMark.to_string(),
        ),
    ]);
    let catalog = SqlCatalogBuilder::default()
        .with_storage_factory(Arc::new(LocalFsStorageFactory))
        .load("default", props)
        .await?;
    let ns = NamespaceIdent::new("bench".into());
    let ident = TableIdent::new(ns.clone(), "orders".into());
    let mut table = if catalog.table_exists(&ident).await? {
        catalog.load_table(&ident).await?
    } else {
        if !catalog.namespace_exists(&ns).await? {
            catalog.create_namespace(&ns, HashMap::new()).await?;
        }
        let schema = iceberg::arrow::arrow_schema_to_schema_auto_assign_ids(
            &plimsoll::generate::orders_schema(true),
        )?;
        let creation = TableCreation::builder()
            .name("orders".into())
            .schema(schema)
            .build();
        catalog.create_table(&ns, creation).await?
    };
    let done = table.metadata().snapshots().count() as u32;
    let start = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).expect("a date");
    for day in done..done + days {
        let date = start + chrono::Duration::days(day as i64);
        let batch = plimsoll::generate::orders_batch(
            date,
            rows,
            day as u64 * rows as u64,
            42 + day as u64,
            true,
        );
        // The table's Arrow schema carries the field ids the writer needs.
        let schema = Arc::new(iceberg::arrow::schema_to_arrow_schema(
            table.metadata().current_schema(),
        )?);
        let columns = batch
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(c, f)| arrow::compute::cast(c, f.data_type()))
            .collect::<Result<Vec<_>, _>>()?;
        let batch = RecordBatch::try_new(schema, columns)?;
        let parquet = ParquetWriterBuilder::new(
            Default::default(),
            table.metadata().current_schema().clone(),
        );
        let rolling = RollingFileWriterBuilder::new_with_default_file_size(
            parquet,
            table.file_io().clone(),
            DefaultLocationGenerator::new(table.metadata())?,
            DefaultFileNameGenerator::new(format!("day-{day:04}"), None, DataFileFormat::Parquet),
        );
        let mut writer = DataFileWriterBuilder::new(rolling).build(None).await?;
        writer.write(batch).await?;
        let files = writer.close().await?;
        let tx = Transaction::new(&table);
        let tx = tx.fast_append().add_data_files(files).apply(tx)?;
        table = tx.commit(&catalog).await?;
        println!("{date}: {rows} rows");
    }
    println!(
        "table {} with {} snapshot(s)",
        dir.join("warehouse/bench/orders").display(),
        table.metadata().snapshots().count()
    );
    Ok(())
}
