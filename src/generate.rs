//! Deterministic synthetic data: the shipped `testdata/` tables, test fixtures and benchmarks.
//!
//! The same seed gives the same bytes on every machine (a SplitMix64 generator, no system
//! randomness), so the shipped files can be regenerated and checked.

use arrow::array::{
    ArrayRef, BooleanArray, Decimal128Array, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use chrono::NaiveDate;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// SplitMix64: small, fast, deterministic.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.f64().max(1e-300);
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

pub const STATUSES: [&str; 4] = ["pending", "confirmed", "shipped", "cancelled"];
const STATUS_WEIGHTS: [f64; 4] = [0.15, 0.35, 0.42, 0.08];
const COUNTRIES: [&str; 8] = ["US", "DE", "FR", "GB", "JP", "BR", "IN", "CA"];
const CHANNELS: [&str; 3] = ["web", "app", "store"];
/// Number of customers in the customers table; orders reference `1..=CUSTOMERS`.
pub const CUSTOMERS: i64 = 2_000;

/// The schema of one day of order events; `with_channel` adds a column introduced later.
pub fn orders_schema(with_channel: bool) -> Arc<Schema> {
    let mut fields = vec![
        Field::new("order_id", DataType::Utf8, false),
        Field::new("customer_id", DataType::Int64, true),
        Field::new("total_usd", DataType::Float64, true),
        Field::new("quantity", DataType::Int32, false),
        Field::new("status", DataType::Utf8, true),
        Field::new("country", DataType::Utf8, true),
        Field::new("is_gift", DataType::Boolean, true),
        Field::new("discount", DataType::Decimal128(9, 2), true),
        Field::new("coupon_code", DataType::Utf8, true),
        Field::new(
            "event_time",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
    ];
    if with_channel {
        fields.push(Field::new("channel", DataType::Utf8, true));
    }
    Arc::new(Schema::new(fields))
}

/// One day of order events. `first_id` numbers the orders; `seed` fixes every value.
pub fn orders_batch(
    date: NaiveDate,
    rows: usize,
    first_id: u64,
    seed: u64,
    with_channel: bool,
) -> RecordBatch {
    let mut rng = Rng::new(seed);
    let day_start = date
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
        .timestamp_micros();
    let mut order_id = Vec::with_capacity(rows);
    let mut customer = Vec::with_capacity(rows);
    let mut total = Vec::with_capacity(rows);
    let mut quantity = Vec::with_capacity(rows);
    let mut status = Vec::with_capacity(rows);
    let mut country = Vec::with_capacity(rows);
    let mut gift = Vec::with_capacity(rows);
    let mut discount = Vec::with_capacity(rows);
    let mut coupon = Vec::with_capacity(rows);
    let mut time = Vec::with_capacity(rows);
    let mut channel = Vec::with_capacity(rows);
    for i in 0..rows {
        order_id.push(format!("ord-{:08}", first_id + i as u64));
        // A few heavy customers, a long tail.
        let c = if rng.f64() < 0.1 {
            1 + rng.below(20) as i64
        } else {
            1 + rng.below(CUSTOMERS as u64) as i64
        };
        customer.push((rng.f64() >= 0.002).then_some(c));
        let q = 1
            + rng.below(5) as i32
            + if rng.f64() < 0.05 {
                rng.below(6) as i32
            } else {
                0
            };
        quantity.push(q);
        // Log-normal unit price around $25.
        let price = (3.2 + 0.6 * rng.normal()).exp();
        total.push((rng.f64() >= 0.003).then_some((price * q as f64 * 100.0).round() / 100.0));
        let r = rng.f64();
        let mut acc = 0.0;
        let mut s = STATUSES[3];
        for (name, w) in STATUSES.iter().zip(STATUS_WEIGHTS) {
            acc += w;
            if r < acc {
                s = name;
                break;
            }
        }
        status.push(Some(s));
        country.push(
            (rng.f64() >= 0.01).then(|| COUNTRIES[rng.below(COUNTRIES.len() as u64) as usize]),
        );
        gift.push((rng.f64() >= 0.05).then(|| rng.f64() < 0.12));
        discount.push((rng.f64() < 0.3).then(|| (rng.below(2_000) as i128) + 100));
        coupon.push((rng.f64() < 0.2).then(|| format!("SAVE{}", 5 * (1 + rng.below(6)))));
        // Busier in the day: a triangular distribution peaking at 15:00.
        let hour = (15.0 + 5.0 * (rng.f64() - rng.f64()) * 1.8).clamp(0.0, 23.999);
        time.push(day_start + (hour * 3_600_000_000.0) as i64);
        channel.push(CHANNELS[rng.below(3) as usize]);
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(order_id)),
        Arc::new(Int64Array::from(customer)),
        Arc::new(Float64Array::from(total)),
        Arc::new(Int32Array::from(quantity)),
        Arc::new(StringArray::from(status)),
        Arc::new(StringArray::from(country)),
        Arc::new(BooleanArray::from(gift)),
        Arc::new(
            Decimal128Array::from(discount)
                .with_precision_and_scale(9, 2)
                .expect("valid decimal"),
        ),
        Arc::new(StringArray::from(coupon)),
        Arc::new(TimestampMicrosecondArray::from(time).with_timezone("UTC")),
    ];
    if with_channel {
        columns.push(Arc::new(StringArray::from(channel)));
    }
    RecordBatch::try_new(orders_schema(with_channel), columns).expect("columns match the schema")
}

/// Writes a batch as a Parquet file (Snappy, small row groups so files have several).
pub fn write_parquet(
    path: &Path,
    batches: &[RecordBatch],
    row_group_rows: usize,
) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::File::create(path)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(row_group_rows))
        .set_created_by("plimsoll generate".into())
        .build();
    let schema = batches
        .first()
        .map(|b| b.schema())
        .ok_or_else(|| std::io::Error::other("no batch"))?;
    let mut w = ArrowWriter::try_new(file, schema, Some(props)).map_err(std::io::Error::other)?;
    for b in batches {
        w.write(b).map_err(std::io::Error::other)?;
    }
    w.close().map_err(std::io::Error::other)?;
    Ok(())
}

/// The shape of a generated orders table.
#[derive(Debug, Clone)]
pub struct OrdersSpec {
    pub start: NaiveDate,
    pub days: u32,
    pub rows_per_day: usize,
    pub seed: u64,
    /// The first day (0-based) whose files carry the later-added `channel` column.
    pub channel_from_day: u32,
    /// Deliberate data problems, by day (0-based), for drift tests and demos.
    pub anomalies: Vec<(u32, Anomaly)>,
    /// Rows per Parquet row group. Small by default so the shipped testdata exercises many row
    /// groups; benchmarks use writers' usual sizes (DuckDB and DataFusion write 122,880).
    pub row_group_rows: usize,
}

/// A deliberate problem in one day of orders.
#[derive(Debug, Clone, PartialEq)]
pub enum Anomaly {
    /// This share of `total_usd` values switched from dollars to cents.
    Cents(f64),
    /// `status` gains values nobody announced (`refunded`, `on_hold`) in this share of rows.
    NewStatuses(f64),
    /// This share of `customer_id` values are null.
    NullCustomers(f64),
    /// The day has this fraction of its usual rows.
    Volume(f64),
    /// This share of `customer_id` values reference customers that do not exist.
    Orphans(f64),
}

/// Applies a value-level anomaly to a batch of orders (volume is applied when writing).
pub fn apply_anomaly(batch: &RecordBatch, anomaly: &Anomaly, seed: u64) -> RecordBatch {
    use arrow::array::AsArray;
    use arrow::datatypes::{Float64Type, Int64Type};
    let mut rng = Rng::new(seed ^ 0xA5A5_5A5A);
    let schema = batch.schema();
    let idx = |name: &str| schema.index_of(name).expect("orders column");
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    match anomaly {
        Anomaly::Cents(share) => {
            let a = batch.column(idx("total_usd")).as_primitive::<Float64Type>();
            let v: Float64Array = a
                .iter()
                .map(|x| {
                    x.map(|x| {
                        if rng.f64() < *share {
                            (x * 100.0).round()
                        } else {
                            x
                        }
                    })
                })
                .collect();
            columns[idx("total_usd")] = Arc::new(v);
        }
        Anomaly::NewStatuses(share) => {
            let a = batch.column(idx("status")).as_string::<i32>();
            let v: StringArray = a
                .iter()
                .map(|x| {
                    x.map(|x| {
                        if rng.f64() < *share {
                            if rng.f64() < 0.5 {
                                "refunded"
                            } else {
                                "on_hold"
                            }
                        } else {
                            x
                        }
                    })
                })
                .collect();
            columns[idx("status")] = Arc::new(v);
        }
        Anomaly::NullCustomers(share) => {
            let a = batch.column(idx("customer_id")).as_primitive::<Int64Type>();
            let v: Int64Array = a
                .iter()
                .map(|x| x.filter(|_| rng.f64() >= *share))
                .collect();
            columns[idx("customer_id")] = Arc::new(v);
        }
        Anomaly::Orphans(share) => {
            let a = batch.column(idx("customer_id")).as_primitive::<Int64Type>();
            let v: Int64Array = a
                .iter()
                .map(|x| x.map(|x| if rng.f64() < *share { 1_000_000 + x } else { x }))
                .collect();
            columns[idx("customer_id")] = Arc::new(v);
        }
        Anomaly::Volume(_) => {}
    }
    RecordBatch::try_new(schema, columns).expect("same schema")
}

impl Default for OrdersSpec {
    fn default() -> Self {
        Self {
            start: NaiveDate::from_ymd_opt(2024, 3, 1).expect("valid date"),
            days: 10,
            rows_per_day: 5_000,
            seed: 42,
            channel_from_day: 6,
            anomalies: Vec::new(),
            row_group_rows: 2_048,
        }
    }
}

/// Writes `dir/date=YYYY-MM-DD/part-0000N.parquet`, one day per partition (two files on odd
/// days); weekends carry fewer orders. Returns the files written.
pub fn write_orders(dir: &Path, spec: &OrdersSpec) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let mut next_id = 1u64;
    for d in 0..spec.days {
        let date = spec.start + chrono::Duration::days(d as i64);
        let weekday = chrono::Datelike::weekday(&date).num_days_from_monday();
        let rows = if weekday >= 5 {
            spec.rows_per_day * 7 / 10
        } else {
            spec.rows_per_day
        };
        let rows = rows + (Rng::new(spec.seed + d as u64).below(200) as usize);
        let today: Vec<&Anomaly> = spec
            .anomalies
            .iter()
            .filter(|(day, _)| *day == d)
            .map(|(_, a)| a)
            .collect();
        let rows = today.iter().fold(rows, |r, a| match a {
            Anomaly::Volume(f) => (r as f64 * f).round() as usize,
            _ => r,
        });
        let with_channel = d >= spec.channel_from_day;
        let parts = if d % 2 == 1 { 2 } else { 1 };
        let per_part = rows / parts;
        for part in 0..parts {
            let n = if part + 1 == parts {
                rows - per_part * (parts - 1)
            } else {
                per_part
            };
            let seed = spec
                .seed
                .wrapping_mul(1_000_003)
                .wrapping_add((d as u64) * 16 + part as u64);
            let mut batch = orders_batch(date, n, next_id, seed, with_channel);
            for a in &today {
                batch = apply_anomaly(&batch, a, seed);
            }
            next_id += n as u64;
            let path = dir
                .join(format!("date={date}"))
                .join(format!("part-{part:05}.parquet"));
            write_parquet(&path, &[batch], spec.row_group_rows)?;
            written.push(path);
        }
    }
    Ok(written)
}

/// The customers table that orders reference: `customer_id` 1..=CUSTOMERS.
pub fn customers_batch() -> RecordBatch {
    let mut rng = Rng::new(7);
    let ids: Vec<i64> = (1..=CUSTOMERS).collect();
    let names: Vec<String> = ids.iter().map(|i| format!("customer-{i:05}")).collect();
    let tiers: Vec<&str> = ids
        .iter()
        .map(|_| ["free", "plus", "pro"][rng.below(3) as usize])
        .collect();
    let schema = Arc::new(Schema::new(vec![
        Field::new("customer_id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, false),
        Field::new("tier", DataType::Utf8, false),
    ]));
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from(ids)),
            Arc::new(StringArray::from(names)),
            Arc::new(StringArray::from(tiers)),
        ],
    )
    .expect("columns match the schema")
}
