//! Regenerates the shipped `testdata/`: `cargo run --example gen_testdata`.

use plimsoll::generate::{OrdersSpec, customers_batch, write_orders, write_parquet};
use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let orders = root.join("orders");
    if orders.exists() {
        std::fs::remove_dir_all(&orders)?;
    }
    let files = write_orders(&orders, &OrdersSpec::default())?;
    write_parquet(
        &root.join("customers").join("customers.parquet"),
        &[customers_batch()],
        1_024,
    )?;
    println!(
        "wrote {} order files and the customers table under {}",
        files.len(),
        root.display()
    );
    Ok(())
}
