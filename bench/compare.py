#!/usr/bin/env python3
"""Plimsoll against DuckDB on the same profile of the same Parquet files.

Generates a deterministic hive-partitioned table, then runs, alternating in one run:
- `plimsoll profile DIR --format json`;
- DuckDB computing the same metric set in one query (the profile);
- DuckDB hashing every value of every column (the floor: what decoding the table costs);
and prints the median wall time and peak RSS of each, and Plimsoll's ratio to the other two.

Two table shapes (`--shape`):
- `orders` (default): plimsoll's own generator (examples/gen_orders), 11 columns, row groups of
  122,880 rows as DuckDB and DataFusion write them;
- `wide-numeric`: written by DuckDB from a deterministic SQL generator, 10 columns (a unique
  16-character id, about a million integer customer ids, float64 cent amounts with a few hundred
  thousand distinct values, small-integer quantities, a nullable discount, low-cardinality status
  and country strings, a free-text note, a boolean, a timestamp), 8 daily hive partitions of 4
  files, 1,048,576-row groups as pyarrow writes by default.

    python3 bench/compare.py                                     # ~2M rows of orders
    python3 bench/compare.py --rows 60000000                     # ~53M rows (1.2 GB)
    python3 bench/compare.py --shape wide-numeric --rows 60000000  # 60M rows (2.7 GB)
    python3 bench/compare.py --shape both --rows 60000000          # both, one after the other

DuckDB comes from PyPI (pinned below) into bench/.venv. Peak RSS is measured with
/usr/bin/time (GNU time) when present, else with resource.getrusage of the child.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

DUCKDB = "duckdb==1.4.2"
ROOT = Path(__file__).resolve().parent.parent
ORDERS_COLUMNS = {
    # name: kind (as plimsoll profiles it)
    "order_id": "string",
    "customer_id": "integer",
    "total_usd": "float",
    "quantity": "integer",
    "status": "string",
    "country": "string",
    "is_gift": "boolean",
    "discount": "decimal",
    "coupon_code": "string",
    "event_time": "timestamp",
    "channel": "string",
}
WIDE_NUMERIC_COLUMNS = {
    "order_id": "string",
    "customer_id": "integer",
    "amount": "float",
    "quantity": "integer",
    "discount": "float",
    "status": "string",
    "country": "string",
    "note": "string",
    "is_gift": "boolean",
    "event_time": "timestamp",
}
# The columns DuckDB's profile takes the top-10 values of. For `orders`, every string, integer
# and boolean column (what plimsoll keeps frequent values for); for `wide-numeric`, the four
# low-cardinality ones, as the profile this shape was first measured against did (issue 15).
TOP_K = {
    "orders": [c for c, k in ORDERS_COLUMNS.items() if k in ("string", "integer", "boolean")],
    "wide-numeric": ["status", "country", "quantity", "is_gift"],
}
SHAPES = {"orders": ORDERS_COLUMNS, "wide-numeric": WIDE_NUMERIC_COLUMNS}

# One file of the wide-numeric table: rows [start, end) of a deterministic sequence, every value
# a function of the row number (DuckDB's hash is stable across platforms within a release).
WIDE_NUMERIC_FILE = """
COPY (
WITH r AS (
  SELECT i, hash(i) AS h1, hash(i + 1000000000000) AS h2, hash(i + 2000000000000) AS h3
  FROM range({start}, {end}) t(i))
SELECT
  printf('%016x', ((i::HUGEINT * 2862933555777941757) % 18446744073709551616)::UBIGINT) AS order_id,
  (h1 % 1000003)::BIGINT + 1 AS customer_id,
  round(exp(((h2 % 1000000) / 1000000.0) * 8.5), 2)::DOUBLE AS amount,
  (1 + (h3 % 12))::INTEGER AS quantity,
  CASE WHEN (h3 >> 8) % 10 < 3 THEN NULL ELSE (((h3 >> 16) % 5000) / 100.0)::DOUBLE END AS discount,
  ['delivered','delivered','delivered','shipped','shipped','pending','cancelled','returned']
    [(1 + (h1 >> 40) % 8)::BIGINT] AS status,
  ['US','US','US','DE','FR','GB','JP','BR','IN','CA','AU','NL','ES','IT','SE','MX','KR','PL','CH','BE']
    [(1 + (h2 >> 40) % 20)::BIGINT] AS country,
  ['leave at the door','gift wrap please','call before delivery','','fragile','ring twice',
   'deliver to reception','no plastic'][(1 + (h3 >> 40) % 8)::BIGINT]
    || ' #' || ((h1 >> 20) % 200000)::VARCHAR AS note,
  ((h2 >> 30) % 7 = 0) AS is_gift,
  TIMESTAMP '{day} 00:00:00' + to_microseconds(((h3 >> 4) % 86400000000)::BIGINT) AS event_time
FROM r
) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1048576)
"""


def venv_python() -> str:
    venv = ROOT / "bench" / ".venv"
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(py), "-c", "import duckdb; print(duckdb.__version__)"], capture_output=True, text=True)
    if probe.returncode != 0 or probe.stdout.strip() != DUCKDB.split("==")[1]:
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", DUCKDB], check=True)
    return str(py)


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def build() -> Path:
    subprocess.run(["cargo", "build", "--release", "--bin", "plimsoll", "--example", "gen_orders"], cwd=ROOT, check=True)
    return target_dir() / "release" / "plimsoll"


def generate(rows: int, days: int) -> Path:
    # Row groups of 122,880 rows, as DuckDB and DataFusion write them.
    data = ROOT / "bench" / "data" / f"compare-{rows}-rg122880"
    if not (data / "done").exists():
        subprocess.run(["rm", "-rf", str(data)], check=True)
        gen = target_dir() / "release" / "examples" / "gen_orders"
        if not gen.exists():  # only when the table must be generated
            build()
        subprocess.run([str(gen), str(data), str(days), str(rows // days), "42", "122880"], check=True)
        (data / "done").write_text("")
    return data


def generate_wide_numeric(py: str, rows: int, days: int = 8, files_per_day: int = 4) -> Path:
    """`days` daily hive partitions (`day=2024-03-01`, ...) of `files_per_day` files each."""
    data = ROOT / "bench" / "data" / f"wide-numeric-{rows}"
    if (data / "done").exists():
        return data
    subprocess.run(["rm", "-rf", str(data)], check=True)
    per_file = rows // (days * files_per_day)
    script = []
    for d in range(days):
        day = f"2024-03-{d + 1:02d}"
        (data / f"day={day}").mkdir(parents=True)
        for f in range(files_per_day):
            start = (d * files_per_day + f) * per_file
            path = data / f"day={day}" / f"part-{f}.parquet"
            script.append(WIDE_NUMERIC_FILE.format(start=start, end=start + per_file, day=day, path=path))
    print(f"generating {rows:,} rows of the wide-numeric shape in {data}", flush=True)
    code = "import duckdb, sys\nfor q in sys.argv[1:]:\n    duckdb.sql(q)"
    subprocess.run([py, "-c", code, *script], check=True)
    (data / "done").write_text("")
    return data


def duckdb_query(data: Path, shape: str = "orders") -> str:
    """The same metric set as `plimsoll profile`, in one query."""
    parts = ["count(*) AS row_count"]
    for c, kind in SHAPES[shape].items():
        parts += [
            f"count({c}) AS {c}_count",
            f"count(*) - count({c}) AS {c}_nulls",
            f"approx_count_distinct({c}) AS {c}_distinct",
            f"min({c}) AS {c}_min",
            f"max({c}) AS {c}_max",
        ]
        if kind in ("integer", "float", "decimal"):
            parts += [
                f"avg({c}) AS {c}_mean",
                f"stddev_samp({c}) AS {c}_stddev",
                f"approx_quantile({c}, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]) AS {c}_quantiles",
            ]
        if c in TOP_K[shape]:
            parts.append(f"approx_top_k({c}, 10) AS {c}_top")
        if kind == "string":
            parts += [f"min(length({c})) AS {c}_min_len", f"max(length({c})) AS {c}_max_len"]
    select = ",\n  ".join(parts)
    return f"SELECT\n  {select}\nFROM read_parquet('{data}/**/*.parquet', hive_partitioning = true)"


def floor_query(data: Path, shape: str = "orders") -> str:
    """Every value of every column decoded and hashed: the least any one-scan profile costs."""
    columns = ", ".join(SHAPES[shape])
    return f"SELECT sum(hash({columns})) FROM read_parquet('{data}/**/*.parquet', hive_partitioning = true)"


def duckdb_command(py: str, query: str) -> list[str]:
    # The row is rendered as text inside DuckDB, so every aggregate is computed and none is
    # converted to Python objects.
    wrapped = f"SELECT length(CAST(t AS VARCHAR)) FROM ({query}) t"
    return [py, "-c", "import duckdb, sys; print(duckdb.sql(sys.argv[1]).fetchall()[0][0])", wrapped]


def timed(cmd: list[str], env=None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in MB, stdout."""
    gnu_time = Path("/usr/bin/time")
    if gnu_time.exists():
        full = [str(gnu_time), "-f", "%M"] + cmd
        start = time.perf_counter()
        p = subprocess.run(full, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - start
        if p.returncode != 0:
            raise SystemExit(f"{cmd[0]} failed:\n{p.stderr}")
        rss_kb = int(p.stderr.strip().splitlines()[-1])
        return wall, rss_kb // 1024, p.stdout
    import resource

    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, p.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shape", choices=sorted(SHAPES) + ["both"], default="orders", help="both: each shape in turn, in one run")
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--days", type=int, default=10, help="daily partitions (orders; wide-numeric has 8)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-build", action="store_true", help="use the release binary as it is")
    ap.add_argument("--plimsoll", type=Path, help="time this plimsoll binary instead of the release build")
    ap.add_argument(
        "--against",
        type=Path,
        help="another plimsoll binary (an earlier commit's release build) timed in the same run, alternating",
    )
    args = ap.parse_args()

    py = venv_python()
    if args.plimsoll:
        plimsoll = args.plimsoll
    else:
        plimsoll = target_dir() / "release" / "plimsoll" if args.no_build else build()
    shapes = sorted(SHAPES) if args.shape == "both" else [args.shape]
    for shape in shapes:
        run_shape(shape, args, py, plimsoll)


def run_shape(shape: str, args, py: str, plimsoll: Path) -> None:
    """Times the tools on one table shape, alternating, and prints and stores the figures."""
    print(f"== shape {shape}", flush=True)
    if shape == "orders":
        data = generate(args.rows, args.days)
    else:
        data = generate_wide_numeric(py, args.rows)
    size = sum(f.stat().st_size for f in data.rglob("*.parquet"))
    duck = duckdb_command(py, duckdb_query(data, shape))
    floor = duckdb_command(py, floor_query(data, shape))
    plim = [str(plimsoll), "profile", str(data), "--format", "json"]

    tools = [("plimsoll", plim), ("duckdb", duck), ("floor", floor)]
    if args.against:
        tools.append(("before", [str(args.against), "profile", str(data), "--format", "json"]))

    # Warm the page cache and check every tool answers.
    _, _, out = timed(plim)
    rows = json.loads(out)["row_count"]
    for _, cmd in tools[1:]:
        timed(cmd)

    results = {name: [] for name, _ in tools}
    for i in range(args.runs):
        # Alternate the order, so that no tool always runs first (or last).
        order = tools if i % 2 == 0 else list(reversed(tools))
        for name, cmd in order:
            wall, rss, _ = timed(cmd)
            results[name].append((wall, rss))
            print(f"run {i + 1} {name:8s} {wall:7.3f} s {rss:6d} MB", flush=True)

    med = {k: statistics.median(w for w, _ in v) for k, v in results.items()}
    peak = {k: max(r for _, r in v) for k, v in results.items()}
    print()
    print(f"table: {rows:,} rows, {size / 1e6:.1f} MB of Parquet, {len(list(data.rglob('*.parquet')))} files")
    print(f"{'tool':10s} {'median s':>9s} {'peak RSS MB':>12s}")
    for k in results:
        print(f"{k:10s} {med[k]:9.3f} {peak[k]:12d}")
    print(f"ratio plimsoll/duckdb: {med['plimsoll'] / med['duckdb']:.2f} (goal <= 0.5)")
    print(f"ratio plimsoll/floor: {med['plimsoll'] / med['floor']:.2f} (goal <= 2.5)")
    print(f"ratio duckdb/floor: {med['duckdb'] / med['floor']:.2f}")
    if "before" in med:
        print(f"ratio before/duckdb: {med['before'] / med['duckdb']:.2f}")
        print(f"ratio plimsoll/before: {med['plimsoll'] / med['before']:.2f}")

    # The metadata fast path: row count, null counts and min/max from the footers alone.
    meta = [str(plimsoll), "profile", str(data), "--metadata-only", "--format", "json"]
    meta_runs = [timed(meta)[:2] for _ in range(args.runs)]
    meta_med = statistics.median(w for w, _ in meta_runs)
    meta_rss = max(r for _, r in meta_runs)
    print(f"plimsoll --metadata-only: median {meta_med * 1000:.0f} ms, peak RSS {meta_rss} MB")
    # What starting Python and importing duckdb costs inside DuckDB's figure above.
    startup = statistics.median(timed([py, "-c", "import duckdb"])[0] for _ in range(3))
    print(f"python + import duckdb alone (included in duckdb's time): {startup:.3f} s")
    out = ROOT / "bench" / "data" / f"compare-{shape}-{args.rows}.json"
    out.write_text(json.dumps({"shape": shape, "rows": rows, "bytes": size, "median": med, "peak_rss_mb": peak, "runs": results, "metadata_only_median": meta_med, "duckdb_startup": startup}, indent=2))


if __name__ == "__main__":
    main()
