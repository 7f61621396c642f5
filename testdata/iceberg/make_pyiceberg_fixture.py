#!/usr/bin/env python3
"""Build the pyiceberg-written Iceberg fixture under testdata/iceberg/pyiceberg/.

Why: the table is written by pyiceberg, an Iceberg implementation independent
of iceberg-rust, so Plimsoll's Iceberg reader is checked against metadata and
data files it did not produce itself.

How to run (from anywhere; nothing else is needed, the committed fixture is the
output of exactly this):

    python3 -m venv /tmp/pyiceberg-venv
    /tmp/pyiceberg-venv/bin/pip install "pyiceberg[sql-sqlite,pyarrow]==0.10.0" "pyarrow==21.0.0"
    /tmp/pyiceberg-venv/bin/python testdata/iceberg/make_pyiceberg_fixture.py

    # re-check the committed fixture only, without rewriting it:
    /tmp/pyiceberg-venv/bin/python testdata/iceberg/make_pyiceberg_fixture.py --verify-only

Pinned versions: pyiceberg 0.10.0, pyarrow 21.0.0 (SQLAlchemy 2.x for the
sqlite catalog). The [pyarrow] extra also pulls in pyiceberg-core (the
iceberg-rust Python bindings), but pyiceberg only calls it for partition
transforms (bucket/year/month/day/hour/truncate) and DataFusion; this table is
unpartitioned, and the script asserts that pyiceberg_core was never imported.

What it writes:
  * The table `shop.orders` (format-version 2, unpartitioned) through a
    SqlCatalog whose sqlite file lives in a throw-away temp dir (not committed),
    with warehouse `file:///tmp/plimsoll-fixtures/pyiceberg`. Iceberg metadata
    stores ABSOLUTE paths, so the location is fixed: the Rust test copies
    testdata/iceberg/pyiceberg/orders/ to the path in LOCATION before reading.
      - schema v1: order_id long required, customer_id long, status string,
        total_usd double, created_at timestamp (us, no tz)
      - snapshot 1: append 200 rows
      - schema v2: rename total_usd -> amount_usd, add optional channel string
      - snapshot 2: append 100 rows with the v2 schema
  * testdata/iceberg/pyiceberg/orders/{metadata,data}/... (the table directory)
  * testdata/iceberg/pyiceberg/LOCATION  (the table's absolute location)
  * testdata/iceberg/pyiceberg/expected.json: per snapshot row count and per
    column null_count/min/max/distinct_count(/mean), computed with
    pyarrow.compute on the Arrow tables handed to pyiceberg (NOT from Iceberg
    metadata). Snapshot ids, sequence numbers, timestamps and field ids do come
    from the table metadata (they are facts of the table, not of the data).

Column statistics: metrics mode is set explicitly to pyiceberg's default
`truncate(16)`, so the manifests carry value/null counts and lower/upper
bounds for every column, but string bounds are TRUNCATED to 16 characters
(an upper bound is truncated and then its last character incremented). Two
status values are longer than 16 characters on purpose, and they are the
column's min and max, so the manifest bounds for `status` differ from the
exact min/max in expected.json.

Determinism: the data is fixed (arithmetic patterns, no randomness). pyiceberg
names data/metadata files and derives snapshot ids from uuid.uuid4(); the
script replaces uuid.uuid4 with a seeded generator BEFORE importing pyiceberg,
so file names, table uuid and snapshot ids are the same on every run. Only the
snapshot/metadata timestamps (wall clock) change between runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

# --- determinism: seeded uuid4, installed before pyiceberg is imported --------
_UUID_RNG = random.Random(20240301)


def _seeded_uuid4() -> uuid.UUID:
    return uuid.UUID(int=_UUID_RNG.getrandbits(128), version=4)


uuid.uuid4 = _seeded_uuid4  # type: ignore[assignment]

import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyiceberg  # noqa: E402
from pyiceberg.catalog.sql import SqlCatalog  # noqa: E402
from pyiceberg.schema import Schema  # noqa: E402
from pyiceberg.table import StaticTable  # noqa: E402
from pyiceberg.types import (  # noqa: E402
    DoubleType,
    LongType,
    NestedField,
    StringType,
    TimestampType,
)

PINNED_PYICEBERG = "0.10.0"
PINNED_PYARROW = "21.0.0"

WAREHOUSE = "file:///tmp/plimsoll-fixtures/pyiceberg"
WAREHOUSE_DIR = Path("/tmp/plimsoll-fixtures/pyiceberg")
NAMESPACE = "shop"
TABLE = "orders"

HERE = Path(__file__).resolve().parent
OUT = HERE / "pyiceberg"
OUT_TABLE = OUT / "orders"

BASE_TS = dt.datetime(2024, 3, 1, 0, 0, 0)

# Lexicographic order: "awaiting_fulfillment_review" is the min and
# "shipped_express_international" the max; both exceed 16 chars so their
# truncate(16) manifest bounds are not the exact values.
STATUSES = [
    "pending",
    "shipped",
    "delivered",
    "cancelled",
    "returned",
    "awaiting_fulfillment_review",
    "shipped_express_international",
]
CHANNELS = ["web", "mobile", "store", "phone"]


# --- fixed data -----------------------------------------------------------------
def _v1_arrow_schema() -> pa.Schema:
    return pa.schema(
        [
            pa.field("order_id", pa.int64(), nullable=False),
            pa.field("customer_id", pa.int64(), nullable=True),
            pa.field("status", pa.string(), nullable=True),
            pa.field("total_usd", pa.float64(), nullable=True),
            pa.field("created_at", pa.timestamp("us"), nullable=True),
        ]
    )


def _v2_arrow_schema() -> pa.Schema:
    return pa.schema(
        [
            pa.field("order_id", pa.int64(), nullable=False),
            pa.field("customer_id", pa.int64(), nullable=True),
            pa.field("status", pa.string(), nullable=True),
            pa.field("amount_usd", pa.float64(), nullable=True),
            pa.field("created_at", pa.timestamp("us"), nullable=True),
            pa.field("channel", pa.string(), nullable=True),
        ]
    )


def _row(i: int) -> dict:
    """Row i (0-based across both snapshots); order_id = i + 1."""
    return {
        "order_id": i + 1,
        # null for 1 row in 20 (5%)
        "customer_id": None if i % 20 == 7 else 1000 + (i * 37) % 150,
        # null for 1 row in 20 (5%), never on the same row as customer_id
        "status": None if i % 20 == 13 else STATUSES[(i * 3) % len(STATUSES)],
        # cents are exact in the decimal literal; always > 0
        "amount": round(5.0 + ((i * 7919) % 49_000) / 100.0, 2),
        # ~37 minutes apart, with a non-zero microsecond part
        "created_at": BASE_TS
        + dt.timedelta(seconds=i * 2237, microseconds=(i * 104_729) % 1_000_000),
        # null for 1 row in 10 (snapshot 2 only)
        "channel": None if i % 10 == 3 else CHANNELS[(i * 7) % len(CHANNELS)],
    }


def batch_v1() -> pa.Table:
    rows = [_row(i) for i in range(0, 200)]
    return pa.Table.from_pydict(
        {
            "order_id": [r["order_id"] for r in rows],
            "customer_id": [r["customer_id"] for r in rows],
            "status": [r["status"] for r in rows],
            "total_usd": [r["amount"] for r in rows],
            "created_at": [r["created_at"] for r in rows],
        },
        schema=_v1_arrow_schema(),
    )


def batch_v2() -> pa.Table:
    rows = [_row(i) for i in range(200, 300)]
    return pa.Table.from_pydict(
        {
            "order_id": [r["order_id"] for r in rows],
            "customer_id": [r["customer_id"] for r in rows],
            "status": [r["status"] for r in rows],
            "amount_usd": [r["amount"] for r in rows],
            "created_at": [r["created_at"] for r in rows],
            "channel": [r["channel"] for r in rows],
        },
        schema=_v2_arrow_schema(),
    )


def snapshot2_view(v1: pa.Table, v2: pa.Table) -> pa.Table:
    """What snapshot 2 reads as: v1 rows renamed, channel null, then v2 rows."""
    v1_as_v2 = pa.Table.from_arrays(
        [
            v1["order_id"],
            v1["customer_id"],
            v1["status"],
            v1["total_usd"],
            v1["created_at"],
            pa.nulls(v1.num_rows, pa.string()),
        ],
        schema=_v2_arrow_schema(),
    )
    return pa.concat_tables([v1_as_v2, v2])


# --- stats with pyarrow.compute -----------------------------------------------------
def _json_scalar(value, arrow_type: pa.DataType):
    if value is None:
        return None
    if pa.types.is_timestamp(arrow_type):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if pa.types.is_floating(arrow_type):
        f = float(value)
        assert math.isfinite(f)
        return f
    if pa.types.is_integer(arrow_type):
        return int(value)
    return value


def column_stats(col: pa.ChunkedArray) -> dict:
    t = col.type
    mm = pc.min_max(col)
    out = {
        "null_count": int(col.null_count),
        "min": _json_scalar(mm["min"].as_py(), t),
        "max": _json_scalar(mm["max"].as_py(), t),
        "distinct_count": int(pc.count_distinct(col, mode="only_valid").as_py()),
    }
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        m = pc.mean(col).as_py()
        out["mean"] = None if m is None else float(m)
    return out


def table_stats(tbl: pa.Table) -> dict:
    return {name: column_stats(tbl[name]) for name in tbl.column_names}


# --- write ---------------------------------------------------------------------------
def iceberg_schema_v1() -> Schema:
    return Schema(
        NestedField(1, "order_id", LongType(), required=True),
        NestedField(2, "customer_id", LongType(), required=False),
        NestedField(3, "status", StringType(), required=False),
        NestedField(4, "total_usd", DoubleType(), required=False),
        NestedField(5, "created_at", TimestampType(), required=False),
    )


def local_path(uri: str) -> Path:
    assert uri.startswith("file://"), uri
    return Path(uri[len("file://") :])


def write_table(catalog_dir: str):
    if WAREHOUSE_DIR.exists():
        shutil.rmtree(WAREHOUSE_DIR)
    WAREHOUSE_DIR.mkdir(parents=True)

    catalog = SqlCatalog(
        "fixture",
        uri=f"sqlite:///{catalog_dir}/catalog.sqlite",
        warehouse=WAREHOUSE,
    )
    catalog.create_namespace(NAMESPACE)
    table = catalog.create_table(
        f"{NAMESPACE}.{TABLE}",
        schema=iceberg_schema_v1(),
        properties={
            "format-version": "2",
            # pyiceberg's default, spelled out: bounds for every column, strings truncated to 16 chars
            "write.metadata.metrics.default": "truncate(16)",
        },
    )
    assert table.spec().is_unpartitioned()

    v1 = batch_v1()
    table.append(v1)

    with table.update_schema() as update:
        update.rename_column("total_usd", "amount_usd")
        update.add_column("channel", StringType())

    v2 = batch_v2()
    table.append(v2)

    table = catalog.load_table(f"{NAMESPACE}.{TABLE}")
    return table, v1, v2


def field_info(schema: Schema) -> dict:
    return {
        f.name: {"field_id": f.field_id, "type": str(f.field_type), "required": f.required}
        for f in schema.fields
    }


def build_expected(table, v1: pa.Table, v2: pa.Table) -> dict:
    md = table.metadata
    snaps = sorted(md.snapshots, key=lambda s: s.sequence_number)
    assert len(snaps) == 2, snaps
    s1, s2 = snaps
    assert md.current_snapshot_id == s2.snapshot_id

    views = {s1.snapshot_id: v1, s2.snapshot_id: snapshot2_view(v1, v2)}
    location = md.location
    snapshots = {}
    for snap in snaps:
        schema = md.schema_by_id(snap.schema_id)
        data = views[snap.snapshot_id]
        assert data.column_names == [f.name for f in schema.fields]
        stats = table_stats(data)
        fields = field_info(schema)
        columns = {name: {**fields[name], **stats[name]} for name in data.column_names}
        snapshots[str(snap.snapshot_id)] = {
            "sequence_number": snap.sequence_number,
            "timestamp_ms": snap.timestamp_ms,
            "parent_snapshot_id": None if snap.parent_snapshot_id is None else str(snap.parent_snapshot_id),
            "schema_id": snap.schema_id,
            "row_count": data.num_rows,
            "column_order": data.column_names,
            "columns": columns,
        }

    metadata_location = table.metadata_location
    assert metadata_location.startswith(location + "/"), (metadata_location, location)
    return {
        "_comment": (
            "Generated by testdata/iceberg/make_pyiceberg_fixture.py. Stats are exact, computed with "
            "pyarrow.compute on the Arrow tables that were appended, not read from Iceberg metadata. "
            "Timestamps are Iceberg `timestamp` (no tz), shown as ISO-8601 with microseconds. "
            "distinct_count counts non-null values. Manifest bounds for strings are truncate(16)."
        ),
        "writer": {"pyiceberg": pyiceberg.__version__, "pyarrow": pa.__version__},
        "table": f"{NAMESPACE}.{TABLE}",
        "format_version": md.format_version,
        "location": location,
        "metadata_location": metadata_location,
        "metadata_file": metadata_location[len(location) + 1 :],
        "current_snapshot_id": str(md.current_snapshot_id),
        "current_schema_id": md.current_schema_id,
        "snapshots": snapshots,
    }


def copy_out(location: str) -> None:
    src = local_path(location)
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    shutil.copytree(src, OUT_TABLE)
    (OUT / "LOCATION").write_text(location + "\n")


# --- verify (what the Rust test does: copy the committed fixture to LOCATION) -------
def verify() -> None:
    location = (OUT / "LOCATION").read_text().strip()
    expected = json.loads((OUT / "expected.json").read_text())
    assert expected["location"] == location

    dst = local_path(location)
    if dst.exists():
        shutil.rmtree(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(OUT_TABLE, dst)

    table = StaticTable.from_metadata(expected["metadata_location"])
    assert str(table.metadata.current_snapshot_id) == expected["current_snapshot_id"]

    v1 = batch_v1()
    v2 = batch_v2()
    truth = {1: v1, 2: snapshot2_view(v1, v2)}
    for snap_id, exp in expected["snapshots"].items():
        got = table.scan(snapshot_id=int(snap_id)).to_arrow().sort_by("order_id")
        assert got.num_rows == exp["row_count"], (snap_id, got.num_rows)
        assert got.column_names == exp["column_order"], (snap_id, got.column_names)
        # values: compare against the data that was written (types may differ in
        # nullability/large_string, so compare as Python values)
        want = truth[exp["sequence_number"]]
        for name in exp["column_order"]:
            assert got[name].to_pylist() == want[name].to_pylist(), (snap_id, name)
        # stats recomputed from what was read back equal expected.json
        stats = table_stats(got)
        for name, col in exp["columns"].items():
            for key in ("null_count", "min", "max", "distinct_count", "mean"):
                if key in col:
                    assert stats[name][key] == col[key], (snap_id, name, key, stats[name][key], col[key])
        print(f"snapshot {snap_id}: {got.num_rows} rows, {len(got.column_names)} columns: OK")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--verify-only", action="store_true", help="only re-check the committed fixture")
    args = ap.parse_args()

    if pyiceberg.__version__ != PINNED_PYICEBERG or pa.__version__ != PINNED_PYARROW:
        print(
            f"warning: pinned pyiceberg {PINNED_PYICEBERG} / pyarrow {PINNED_PYARROW}, "
            f"running {pyiceberg.__version__} / {pa.__version__}",
            file=sys.stderr,
        )

    if not args.verify_only:
        with tempfile.TemporaryDirectory(prefix="pyiceberg-catalog-") as catalog_dir:
            table, v1, v2 = write_table(catalog_dir)
            expected = build_expected(table, v1, v2)
        copy_out(expected["location"])
        (OUT / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
        print(f"wrote {OUT}")

    verify()
    assert "pyiceberg_core" not in sys.modules, "pyiceberg-core (iceberg-rust) was used"
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"fixture size: {total} bytes")


if __name__ == "__main__":
    main()
