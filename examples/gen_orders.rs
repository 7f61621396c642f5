//! Generates a hive-partitioned orders table of any size, for benchmarks and timing runs:
//! `cargo run --release --example gen_orders -- DIR DAYS ROWS_PER_DAY [SEED [ROW_GROUP_ROWS]]`.

use plimsoll::generate::{OrdersSpec, write_orders};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, days, rows, rest @ ..] = args.as_slice() else {
        return Err("usage: gen_orders DIR DAYS ROWS_PER_DAY [SEED [ROW_GROUP_ROWS]]".into());
    };
    let spec = OrdersSpec {
        days: days.parse()?,
        rows_per_day: rows.parse()?,
        seed: rest.first().map(|s| s.parse()).transpose()?.unwrap_or(42),
        channel_from_day: 0,
        row_group_rows: rest
            .get(1)
            .map(|s| s.parse())
            .transpose()?
            .unwrap_or(122_880),
        ..OrdersSpec::default()
    };
    let files = write_orders(std::path::Path::new(dir), &spec)?;
    println!("wrote {} files under {dir}", files.len());
    Ok(())
}
