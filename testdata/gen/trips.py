"""Generates testdata/trips (five weekdays of NYC-taxi-shaped trips, hive-partitioned by
pickup_date) and testdata/trips_drift (one more day that drifted: fares and tips in cents, a new
payment type, passenger counts going null).

Deterministic: `random.Random(seed)` per day, fixed row counts, no wall clock. Regenerate with
`/path/to/venv/bin/python testdata/gen/trips.py` from the repository root (needs pyarrow).
"""

import datetime as dt
import math
import random
import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
START = dt.date(2024, 6, 3)  # a Monday
DAYS = 5
VENDORS = [("VTS", 0.6), ("CMT", 0.4)]
PAYMENTS = [("card", 0.70), ("cash", 0.25), ("no_charge", 0.03), ("dispute", 0.02)]
RATE_CODES = [("standard", 0.90), ("jfk", 0.05), ("newark", 0.02), ("nassau", 0.02), ("negotiated", 0.01)]

SCHEMA = pa.schema(
    [
        ("trip_id", pa.string()),
        ("vendor", pa.string()),
        ("pickup_at", pa.timestamp("us")),
        ("dropoff_at", pa.timestamp("us")),
        ("passenger_count", pa.int64()),
        ("trip_distance", pa.float64()),
        ("fare_amount", pa.float64()),
        ("tip_amount", pa.float64()),
        ("payment_type", pa.string()),
        ("rate_code", pa.string()),
        ("pu_location_id", pa.int32()),
        ("congestion_surcharge", pa.decimal128(6, 2)),
        ("store_and_fwd", pa.bool_()),
    ]
)


def pick(rng, weighted):
    r = rng.random()
    acc = 0.0
    for value, w in weighted:
        acc += w
        if r < acc:
            return value
    return weighted[-1][0]


def day(date, rows, seed, drifted=False):
    rng = random.Random(seed)
    cols = {name: [] for name in SCHEMA.names}
    midnight = dt.datetime.combine(date, dt.time())
    for _ in range(rows):
        cols["trip_id"].append("%016x" % rng.getrandbits(64))
        cols["vendor"].append(pick(rng, VENDORS))
        # Busier in the evening: a triangular distribution peaking at 18:00.
        hour = min(max(rng.triangular(0.0, 24.0, 18.0), 0.0), 23.5)
        pickup = midnight + dt.timedelta(seconds=int(hour * 3600))
        minutes = max(1.0, math.exp(2.4 + 0.5 * rng.gauss(0, 1)))
        cols["pickup_at"].append(pickup)
        cols["dropoff_at"].append(pickup + dt.timedelta(seconds=int(minutes * 60)))
        null_passengers = 0.4 if drifted else 0.03
        cols["passenger_count"].append(
            None if rng.random() < null_passengers else 1 + min(int(rng.expovariate(1.2)), 5)
        )
        distance = round(max(0.1, math.exp(0.8 + 0.7 * rng.gauss(0, 1))), 2)
        cols["trip_distance"].append(distance)
        fare = round(3.0 + 2.5 * distance + 0.5 * minutes, 2)
        payment = pick(rng, PAYMENTS)
        if drifted and rng.random() < 0.1:
            payment = "voucher"
        tip = round(fare * rng.uniform(0.1, 0.3), 2) if payment == "card" else 0.0
        if drifted:
            fare, tip = round(fare * 100), round(tip * 100)
        cols["fare_amount"].append(float(fare))
        cols["tip_amount"].append(float(tip))
        cols["payment_type"].append(payment)
        cols["rate_code"].append(None if rng.random() < 0.02 else pick(rng, RATE_CODES))
        cols["pu_location_id"].append(1 + rng.randrange(265))
        cols["congestion_surcharge"].append(
            None if rng.random() < 0.05 else Decimal("2.50") if rng.random() < 0.8 else Decimal("0.00")
        )
        cols["store_and_fwd"].append(None if rng.random() < 0.01 else rng.random() < 0.02)
    return pa.table(cols, schema=SCHEMA)


def write(table_dir, date, table):
    part = table_dir / f"pickup_date={date.isoformat()}"
    part.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, part / "part-0.parquet", compression="snappy")


def main():
    trips = ROOT / "trips"
    drift = ROOT / "trips_drift"
    for d in (trips, drift):
        if d.exists():
            shutil.rmtree(d)
    for i in range(DAYS):
        date = START + dt.timedelta(days=i)
        rows = 700 + random.Random(1000 + i).randrange(200)
        write(trips, date, day(date, rows, seed=20240603 + i))
    date = START + dt.timedelta(days=DAYS)
    write(drift, date, day(date, 800, seed=20240603 + DAYS, drifted=True))


if __name__ == "__main__":
    main()
