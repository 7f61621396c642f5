#!/usr/bin/env python3
"""Daily-slice fixtures: a day-partitioned Iceberg table written by pyiceberg, and an
unpartitioned Parquet file with an event-time column, each with per-day row counts computed
by DuckDB from the data files (independent of Iceberg metadata and of Plimsoll).

Run with pyiceberg 0.12, pyarrow, duckdb 1.4 and pyiceberg-core 0.7 (pyiceberg computes the
day transform of a partitioned write with it), e.g.:

    pip install --target /tmp/pyic-core --no-deps "pyiceberg-core>=0.7,<0.8"
    PYTHONPATH=/tmp/pyic-core /work/venv/bin/python testdata/gen/iceberg_daily.py

What it writes:
  * testdata/iceberg/daily/events/{metadata,data}/...: the table `shop.events` (format
    version 2), partitioned by `day(event_time)` (partition field `event_time_day`), with ten
    appends, one per day from 2024-03-01 to 2024-03-10, each holding that day's rows only.
    Day 9 (2024-03-09) has 30% of the usual rows. Iceberg metadata stores absolute paths, so the
    table lives at the path in testdata/iceberg/daily/LOCATION; the Rust test copies it there.
  * testdata/slices/events.parquet: the same kind of rows over ten days in one unpartitioned
    file (row groups of 500 rows, sorted by time), day 2024-03-09 again short.
  * testdata/iceberg/daily/expected.json and testdata/slices/expected.json: rows per UTC day,
    counted by DuckDB over the Parquet data files (`read_parquet`), not from any metadata.

Determinism: rows are arithmetic patterns; pyiceberg's uuid4 is seeded before it is imported,
so file names and snapshot ids are stable (snapshot timestamps are wall clock).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import tempfile
import uuid
from pathlib import Path

_UUID_RNG = random.Random(20240308)
uuid.uuid4 = lambda: uuid.UUID(int=_UUID_RNG.getrandbits(128), version=4)  # type: ignore

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from pyiceberg.catalog.sql import SqlCatalog  # noqa: E402
from pyiceberg.partitioning import PartitionField, PartitionSpec  # noqa: E402
from pyiceberg.schema import Schema  # noqa: E402
from pyiceberg.transforms import DayTransform, HourTransform, IdentityTransform  # noqa: E402
from pyiceberg.types import (  # noqa: E402
    DoubleType,
    LongType,
    NestedField,
    StringType,
    TimestamptzType,
)

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "testdata/iceberg/daily"
SLICES = ROOT / "testdata/slices"
WAREHOUSE_DIR = Path("/tmp/plimsoll-fixtures/daily")
WAREHOUSE = f"file://{WAREHOUSE_DIR}"

DAYS = [dt.date(2024, 3, d) for d in range(1, 11)]
# Rows per day; day 9 is a partial load (30% of the usual ~1000).
ROWS = [820, 950, 1200, 700, 1100, 900, 1000, 1050, 300, 980]
STATUSES = ["pending", "confirmed", "shipped", "cancelled"]

SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.int64(), nullable=False),
        pa.field("event_time", pa.timestamp("us", tz="UTC"), nullable=True),
        pa.field("status", pa.string(), nullable=True),
        pa.field("amount", pa.float64(), nullable=True),
    ]
)


def day_rows(day_index: int, first_id: int, n: int) -> pa.Table:
    """n rows spread over the UTC day, the first at 00:00:00 and the last at 23:59:59.x."""
    start = dt.datetime.combine(DAYS[day_index], dt.time(0), tzinfo=dt.timezone.utc)
    step = 86_399_999_999 // max(n - 1, 1)  # microseconds
    times = [start + dt.timedelta(microseconds=i * step) for i in range(n)]
    ids = list(range(first_id, first_id + n))
    return pa.Table.from_pydict(
        {
            "event_id": ids,
            "event_time": times,
            "status": [None if i % 17 == 5 else STATUSES[i % 4] for i in ids],
            "amount": [round(3.0 + (i * 7919 % 10_000) / 100.0, 2) for i in ids],
        },
        schema=SCHEMA,
    )


def all_days() -> list[pa.Table]:
    out, first = [], 1
    for i, n in enumerate(ROWS):
        out.append(day_rows(i, first, n))
        first += n
    return out


def duckdb_counts(glob: str) -> dict[str, int]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = con.execute(
        "SELECT strftime(event_time AT TIME ZONE 'UTC', '%Y-%m-%d') AS day, count(*) "
        f"FROM read_parquet('{glob}') GROUP BY day ORDER BY day"
    ).fetchall()
    return {d: int(c) for d, c in rows}


def write_iceberg(days: list[pa.Table]) -> str:
    if WAREHOUSE_DIR.exists():
        shutil.rmtree(WAREHOUSE_DIR)
    WAREHOUSE_DIR.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="daily-catalog-") as cat:
        catalog = SqlCatalog("fixture", uri=f"sqlite:///{cat}/catalog.sqlite", warehouse=WAREHOUSE)
        catalog.create_namespace("shop")
        schema = Schema(
            NestedField(1, "event_id", LongType(), required=True),
            NestedField(2, "event_time", TimestamptzType(), required=False),
            NestedField(3, "status", StringType(), required=False),
            NestedField(4, "amount", DoubleType(), required=False),
        )
        spec = PartitionSpec(
            PartitionField(source_id=2, field_id=1000, transform=DayTransform(), name="event_time_day")
        )
        table = catalog.create_table(
            "shop.events",
            schema=schema,
            partition_spec=spec,
            properties={"format-version": "2", "write.metadata.metrics.default": "full"},
        )
        for day in days:
            table.append(day)
        table = catalog.load_table("shop.events")
        assert len(table.metadata.snapshots) == len(DAYS)
        return table.metadata.location


def write_hourly() -> dict:
    """`shop.hourly`: partitioned by hour(event_time) and identity(status), one append of 300
    rows from 2024-03-08 10:00 to 14:59 UTC; counts per hour, per status and per both by DuckDB."""
    start = dt.datetime(2024, 3, 8, 10, 0, tzinfo=dt.timezone.utc)
    n = 300
    table = pa.Table.from_pydict(
        {
            "event_id": list(range(1, n + 1)),
            "event_time": [start + dt.timedelta(seconds=i * 59) for i in range(n)],
            "status": [STATUSES[(i * 7) % 3] for i in range(n)],
            "amount": [float(i % 50) for i in range(n)],
        },
        schema=SCHEMA,
    )
    with tempfile.TemporaryDirectory(prefix="hourly-catalog-") as cat:
        catalog = SqlCatalog("fixture", uri=f"sqlite:///{cat}/catalog.sqlite", warehouse=WAREHOUSE)
        catalog.create_namespace("shop")
        schema = Schema(
            NestedField(1, "event_id", LongType(), required=True),
            NestedField(2, "event_time", TimestamptzType(), required=False),
            NestedField(3, "status", StringType(), required=False),
            NestedField(4, "amount", DoubleType(), required=False),
        )
        spec = PartitionSpec(
            PartitionField(source_id=2, field_id=1000, transform=HourTransform(), name="event_time_hour"),
            PartitionField(source_id=3, field_id=1001, transform=IdentityTransform(), name="status"),
        )
        t = catalog.create_table("shop.hourly", schema=schema, partition_spec=spec)
        t.append(table)
        location = catalog.load_table("shop.hourly").metadata.location
    src = Path(location[len("file://") :])
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    glob = f"{src}/data/**/*.parquet"
    q = lambda sql: {r[0]: int(r[1]) for r in con.execute(sql).fetchall()}  # noqa: E731
    hour = "strftime(event_time AT TIME ZONE 'UTC', '%Y-%m-%d-%H')"
    return {
        "location": location,
        "src": str(src),
        "rows_per_hour": q(f"SELECT {hour}, count(*) FROM read_parquet('{glob}') GROUP BY 1 ORDER BY 1"),
        "rows_per_status": q(f"SELECT status, count(*) FROM read_parquet('{glob}') GROUP BY 1 ORDER BY 1"),
        "rows_per_hour_and_status": q(
            f"SELECT {hour} || '/' || status, count(*) FROM read_parquet('{glob}') GROUP BY 1 ORDER BY 1"
        ),
    }


def main() -> None:
    days = all_days()

    location = write_iceberg(days)
    src = Path(location[len("file://") :] if location.startswith("file://") else location)
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    shutil.copytree(src, OUT / "events")
    (OUT / "LOCATION").write_text(location + "\n")
    counts = duckdb_counts(f"{src}/data/**/*.parquet")
    assert list(counts.values()) == ROWS, counts
    hourly = write_hourly()
    shutil.copytree(hourly.pop("src"), OUT / "hourly")
    (OUT / "hourly.json").write_text(
        json.dumps(
            {"_comment": "Rows of shop.hourly counted by DuckDB over its data files.", **hourly}, indent=2
        )
        + "\n"
    )
    (OUT / "expected.json").write_text(
        json.dumps(
            {
                "_comment": "Rows per UTC day of event_time, counted by DuckDB over the table's data files.",
                "location": location,
                "partition_field": "event_time_day",
                "rows_per_day": counts,
                "snapshots": len(DAYS),
            },
            indent=2,
        )
        + "\n"
    )

    SLICES.mkdir(parents=True, exist_ok=True)
    flat = pa.concat_tables(days)
    pq.write_table(flat, SLICES / "events.parquet", row_group_size=500)
    counts = duckdb_counts(str(SLICES / "events.parquet"))
    assert list(counts.values()) == ROWS, counts
    (SLICES / "expected.json").write_text(
        json.dumps(
            {
                "_comment": "Rows per UTC day of event_time in events.parquet, counted by DuckDB.",
                "rows_per_day": counts,
            },
            indent=2,
        )
        + "\n"
    )
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {OUT} ({total} bytes) and {SLICES}")


if __name__ == "__main__":
    main()
