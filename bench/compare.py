#!/usr/bin/env python3
"""Plimsoll against DuckDB on the same profile of the same Parquet files.

Generates a deterministic hive-partitioned orders table (plimsoll's generator), then runs,
alternating in one run, `plimsoll profile --format json` and DuckDB computing the same metric
set in one query, and prints the median wall time, the ratio and the peak RSS of each.

    python3 bench/compare.py                 # ~2M rows
    python3 bench/compare.py --rows 60000000 # ~60M rows (about 2 GB of Parquet)

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
COLUMNS = {
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
        subprocess.run([str(gen), str(data), str(days), str(rows // days), "42", "122880"], check=True)
        (data / "done").write_text("")
    return data


def duckdb_query(data: Path) -> str:
    """The same metric set as `plimsoll profile`, in one query."""
    parts = ["count(*) AS row_count"]
    for c, kind in COLUMNS.items():
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
        if kind in ("string", "integer", "boolean"):
            parts.append(f"approx_top_k({c}, 10) AS {c}_top")
        if kind == "string":
            parts += [f"min(length({c})) AS {c}_min_len", f"max(length({c})) AS {c}_max_len"]
    select = ",\n  ".join(parts)
    return f"SELECT\n  {select}\nFROM read_parquet('{data}/**/*.parquet', hive_partitioning = true)"


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
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--days", type=int, default=10)
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
        if not (target_dir() / "release" / "examples" / "gen_orders").exists():
            build()
    else:
        plimsoll = target_dir() / "release" / "plimsoll" if args.no_build else build()
    data = generate(args.rows, args.days)
    size = sum(f.stat().st_size for f in data.rglob("*.parquet"))
    query = duckdb_query(data)
    # The row is rendered as text inside DuckDB, so every aggregate is computed and none is
    # converted to Python objects.
    wrapped = f"SELECT length(CAST(t AS VARCHAR)) FROM ({query}) t"
    duck = [py, "-c", "import duckdb, sys; print(duckdb.sql(sys.argv[1]).fetchall()[0][0])", wrapped]
    plim = [str(plimsoll), "profile", str(data), "--format", "json"]

    tools = [("plimsoll", plim), ("duckdb", duck)]
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
    print(f"ratio plimsoll/duckdb: {med['plimsoll'] / med['duckdb']:.2f}")
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
    out = ROOT / "bench" / "data" / f"compare-{args.rows}.json"
    out.write_text(json.dumps({"rows": rows, "bytes": size, "median": med, "peak_rss_mb": peak, "runs": results, "metadata_only_median": meta_med, "duckdb_startup": startup}, indent=2))


if __name__ == "__main__":
    main()
