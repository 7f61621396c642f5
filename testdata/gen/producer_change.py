#!/usr/bin/env python3
"""Writes testdata/producer/: one producer table before and after a deploy, written by pyarrow
(an implementation independent of Plimsoll's readers), for `plimsoll compat`.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pyarrow
    /tmp/venv/bin/python testdata/gen/producer_change.py

orders_v1/part-0.parquet (400 rows) -> orders_v2/part-0.parquet (400 rows):
  order_id     string  required      unchanged
  customer_id  int32  -> int64       widened
  amount       double -> float       narrowed
  status       string                gains the value `refunded`
  country      string required       renamed to `country_code` (Parquet has no field ids:
                                     a drop of `country` and an add of `country_code`)
  discount     double required       dropped
  note         string                unchanged
The data is deterministic (arithmetic patterns, no randomness).
"""
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent / "producer"
N = 400
COUNTRIES = ["US", "DE", "FR", "JP", "BR"]
STATUS_V1 = ["pending", "shipped", "cancelled"]
STATUS_V2 = ["pending", "shipped", "cancelled", "refunded"]


def v1() -> pa.Table:
    schema = pa.schema(
        [
            pa.field("order_id", pa.string(), nullable=False),
            pa.field("customer_id", pa.int32()),
            pa.field("amount", pa.float64()),
            pa.field("status", pa.string()),
            pa.field("country", pa.string(), nullable=False),
            pa.field("discount", pa.float64(), nullable=False),
            pa.field("note", pa.string()),
        ]
    )
    return pa.table(
        {
            "order_id": [f"o-{i:05d}" for i in range(N)],
            "customer_id": [1000 + (i * 7) % 97 for i in range(N)],
            "amount": [round(5 + (i * 13) % 500 + 0.25, 2) for i in range(N)],
            "status": [STATUS_V1[i % 3] for i in range(N)],
            "country": [COUNTRIES[i % 5] for i in range(N)],
            "discount": [float((i * 3) % 20) for i in range(N)],
            "note": [None if i % 4 == 0 else f"n{i % 9}" for i in range(N)],
        },
        schema=schema,
    )


def v2() -> pa.Table:
    schema = pa.schema(
        [
            pa.field("order_id", pa.string(), nullable=False),
            pa.field("customer_id", pa.int64()),
            pa.field("amount", pa.float32()),
            pa.field("status", pa.string()),
            pa.field("country_code", pa.string(), nullable=False),
            pa.field("note", pa.string()),
        ]
    )
    return pa.table(
        {
            "order_id": [f"o-{N + i:05d}" for i in range(N)],
            "customer_id": [3_000_000_000 + (i * 7) % 97 for i in range(N)],
            "amount": [round(5 + (i * 13) % 500 + 0.25, 2) for i in range(N)],
            "status": [STATUS_V2[i % 4] for i in range(N)],
            "country_code": [COUNTRIES[i % 5] for i in range(N)],
            "note": [None if i % 4 == 0 else f"n{i % 9}" for i in range(N)],
        },
        schema=schema,
    )


def main() -> None:
    for name, table in (("orders_v1", v1()), ("orders_v2", v2())):
        out = ROOT / name
        out.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, out / "part-0.parquet")
        print(out / "part-0.parquet", table.num_rows, "rows")


if __name__ == "__main__":
    main()
