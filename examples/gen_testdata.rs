//! Regenerates the shipped `testdata/`: `cargo run --example gen_testdata`.

use plimsoll::generate::{Anomaly, OrdersSpec, customers_batch, write_orders, write_parquet};
use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let orders = root.join("orders");
    if orders.exists() {
        std::fs::remove_dir_all(&orders)?;
    }
    let files = write_orders(&orders, &OrdersSpec::default())?;
    // Two weeks of the same stream with one problem a day on days 9..=12 (2024-03-09..12), for
    // the day-after-day `--history` demo and the drift tests.
    let drifted = root.join("orders_drift");
    if drifted.exists() {
        std::fs::remove_dir_all(&drifted)?;
    }
    let spec = OrdersSpec {
        days: 14,
        seed: 4242,
        channel_from_day: 0,
        anomalies: vec![
            (8, Anomaly::Cents(0.2)),
            (9, Anomaly::NewStatuses(0.1)),
            (10, Anomaly::NullCustomers(0.3)),
            (11, Anomaly::Volume(0.3)),
        ],
        ..OrdersSpec::default()
    };
    let more = write_orders(&drifted, &spec)?;
    write_parquet(
        &root.join("customers").join("customers.parquet"),
        &[customers_batch()],
        1_024,
    )?;
    println!(
        "wrote {} order files and the customers table under {}",
        files.len() + more.len(),
        root.display()
    );
    Ok(())
}
