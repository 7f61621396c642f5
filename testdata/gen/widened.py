#!/usr/bin/env python3
"""Write the schema-evolution fixtures testdata/widened/ and testdata/incompatible_types/.

Why: a hive table written over time by a producer whose types widened. Old
partitions store a column narrower than new ones (int32 then int64, float32 then
float64, decimal(9,2) then decimal(12,2)); a string column is stored plain,
dictionary-encoded and as a large string in different files; a column is all
null (Arrow's null type) in one file; a column exists only in the new files.
Plimsoll must read every file as the widened type with every value exact. The
second table changes a column from string to integer, which no reader can unify.

How to run (pyarrow only; the committed files are the output of exactly this):

    /work/venv/bin/python testdata/gen/widened.py

Values are deterministic (a seeded generator), so running it again rewrites the
same data.

testdata/widened/ (5 files, 2 row groups or more each):
  date=2024-03-01..03/part-00000.parquet   (the old writer)
    id int64, qty int32 (int32 min and max among them, negatives, nulls),
    price float32, amount decimal(9,2), sku string (plain in 03-01,
    dictionary-encoded in 03-02 and 03-03), flag bool (Arrow null type, all
    null, in 03-02)
  date=2024-03-04..05/part-00000.parquet   (the new writer)
    id int64, qty int64 (beyond the int32 range), price float64,
    amount decimal(12,2), sku large_string in 03-04, plain in 03-05, flag bool,
    discount float64 (new column)

testdata/incompatible_types/ (2 files):
  date=2024-03-01/part-00000.parquet   code string
  date=2024-03-02/part-00000.parquet   code int64
"""

import decimal
import os
import random
import shutil

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
ROWS = 150
ROW_GROUP = 64


def maybe_null(rng, value, rate=0.1):
    return None if rng.random() < rate else value


def old_file(day, rng, first_id):
    n = ROWS
    ids = list(range(first_id, first_id + n))
    qty = [maybe_null(rng, rng.randint(-50_000, 50_000)) for _ in range(n)]
    if day == 1:
        qty[3] = 2**31 - 1
        qty[4] = -(2**31)
        qty[5] = -1
    price = [maybe_null(rng, round(rng.uniform(-20.0, 500.0), 2)) for _ in range(n)]
    if day == 2:
        price[7] = 0.1
    amount = [
        maybe_null(rng, decimal.Decimal(rng.randint(-9_999_999, 9_999_999)) / 100)
        for _ in range(n)
    ]
    sku = [maybe_null(rng, f"SKU-{rng.randint(1, 40):03d}") for _ in range(n)]
    sku_type = pa.string()
    sku_array = pa.array(sku, sku_type)
    if day in (2, 3):
        sku_array = sku_array.dictionary_encode()
    if day == 2:
        flag = pa.nulls(n, pa.null())
    else:
        flag = pa.array([maybe_null(rng, rng.random() < 0.3) for _ in range(n)], pa.bool_())
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "qty": pa.array(qty, pa.int32()),
            "price": pa.array(price, pa.float32()),
            "amount": pa.array(amount, pa.decimal128(9, 2)),
            "sku": sku_array,
            "flag": flag,
        }
    )


def new_file(day, rng, first_id):
    n = ROWS
    ids = list(range(first_id, first_id + n))
    qty = [maybe_null(rng, rng.randint(-50_000, 50_000)) for _ in range(n)]
    if day == 4:
        qty[10] = 5_000_000_000
        qty[11] = -3_000_000_000
    price = [maybe_null(rng, rng.uniform(-20.0, 500.0)) for _ in range(n)]
    amount = [
        maybe_null(rng, decimal.Decimal(rng.randint(-99_999_999_99, 99_999_999_99)) / 100)
        for _ in range(n)
    ]
    sku = [maybe_null(rng, f"SKU-{rng.randint(1, 60):03d}") for _ in range(n)]
    sku_type = pa.large_string() if day == 4 else pa.string()
    flag = [maybe_null(rng, rng.random() < 0.3) for _ in range(n)]
    discount = [maybe_null(rng, round(rng.uniform(0, 0.5), 3), 0.3) for _ in range(n)]
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "qty": pa.array(qty, pa.int64()),
            "price": pa.array(price, pa.float64()),
            "amount": pa.array(amount, pa.decimal128(12, 2)),
            "sku": pa.array(sku, sku_type),
            "flag": pa.array(flag, pa.bool_()),
            "discount": pa.array(discount, pa.float64()),
        }
    )


def write(table, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pq.write_table(table, path, row_group_size=ROW_GROUP, compression="zstd")


def widened():
    out = os.path.join(ROOT, "widened")
    shutil.rmtree(out, ignore_errors=True)
    rng = random.Random(13)
    for day in range(1, 6):
        make = old_file if day <= 3 else new_file
        table = make(day, rng, day * 1000)
        write(table, os.path.join(out, f"date=2024-03-{day:02d}", "part-00000.parquet"))


def incompatible():
    out = os.path.join(ROOT, "incompatible_types")
    shutil.rmtree(out, ignore_errors=True)
    a = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int64()),
            "code": pa.array(["A1", "B2", None], pa.string()),
        }
    )
    b = pa.table(
        {
            "id": pa.array([4, 5, 6], pa.int64()),
            "code": pa.array([7, None, 9], pa.int64()),
        }
    )
    write(a, os.path.join(out, "date=2024-03-01", "part-00000.parquet"))
    write(b, os.path.join(out, "date=2024-03-02", "part-00000.parquet"))


if __name__ == "__main__":
    widened()
    incompatible()
