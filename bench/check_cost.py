#!/usr/bin/env python3
"""What each check of a nightly job costs: `plimsoll check` of one day of the comparison table
with a base contract, and with the base contract plus one more check, alternating in one run.

    python3 bench/check_cost.py                       # release build, ~2M rows (10 days)
    python3 bench/check_cost.py --plimsoll target/debug/plimsoll --runs 3

The table is bench/compare.py's (gen_orders, 10 daily hive partitions, row groups of 122,880
rows). Every variant checks the newest day against the 7 days before it (no history: the
baseline days are profiled in the same run, as a first nightly run does). Reports the median
wall time and peak RSS of each variant and its cost over the base contract.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402  (the table generator and the timer)

BASE = """consumer: bench
depends_on:
  - table: orders
    row_count: {{ baseline_days: 7 }}
{table_extra}    fields:
      - name: total_usd
        drift: {{ max_psi: 0.2{drift_extra} }}
      - name: status
{status_extra}      - name: customer_id
        required: true
"""

# name: (extra table keys, extra drift keys, extra status keys, extra flags)
VARIANTS = {
    "base (unit_change off)": ("", ", unit_change: false", "", []),
    "+ unit_change (the default with drift)": ("", "", "", []),
    "+ max_new_values": ("", ", unit_change: false", "        max_new_values: 0\n", []),
    "+ unique: [order_id]": ("    unique: [order_id]\n", ", unit_change: false", "", []),
    "+ unique: [customer_id, status]": ("    unique: [customer_id, status]\n", ", unit_change: false", "", []),
    "+ schema (schema_drift)": ("    schema: { allow_new_columns: false }\n", ", unit_change: false", "", []),
    "+ arrival + freshness (no column)": (
        "    arrival: { max_silence: 26h }\n    freshness: { max_lag: 26h }\n",
        ", unit_change: false",
        "",
        [],
    ),
    "+ prometheus output": ("", ", unit_change: false", "", ["--output", "prometheus={tmp}/plimsoll.prom"]),
    "+ quarantine (a failing range rule)": (
        "",
        ", unit_change: false",
        "",
        ["--quarantine", "{tmp}/q"],
    ),
}


def contract(dir: Path, name: str, table_extra: str, drift_extra: str, status_extra: str) -> Path:
    text = BASE.format(table_extra=table_extra, drift_extra=drift_extra, status_extra=status_extra)
    if "quarantine" in name:
        # total_usd above 500: a few percent of the rows, quarantined to Parquet.
        text = text.replace("        drift:", "        constraints: { max: 500 }\n        drift:", 1)
    path = dir / (str(abs(hash(name))) + ".yaml")
    path.write_text(text)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--plimsoll", type=Path, help="time this binary instead of the release build")
    args = ap.parse_args()

    if args.plimsoll:
        plimsoll = args.plimsoll
        if not (compare.target_dir() / "release" / "examples" / "gen_orders").exists():
            compare.build()
    else:
        plimsoll = compare.build()
    data = compare.generate(args.rows, args.days)
    days = sorted(p.name for p in data.iterdir() if p.name.startswith("date="))
    today = days[-1]
    tmp = Path(tempfile.mkdtemp(prefix="plimsoll-check-cost-"))
    commands = {}
    for name, (table_extra, drift_extra, status_extra, flags) in VARIANTS.items():
        c = contract(tmp, name, table_extra, drift_extra, status_extra)
        cmd = [str(plimsoll), "check", str(data), "--contract", str(c), "--partition", today,
               "--now", "2024-03-11T00:30:00Z", "--format", "json"]
        cmd += [f.format(tmp=tmp) for f in flags]
        commands[name] = cmd

    def run(cmd):
        start = compare.time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
        wall = compare.time.perf_counter() - start
        if p.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stderr}")
        return wall, int(p.stderr.strip().splitlines()[-1]) // 1024

    for cmd in commands.values():  # warm the page cache, check every variant runs
        run(cmd)
    results = {name: [] for name in commands}
    for i in range(args.runs):
        order = list(commands.items())
        if i % 2:
            order.reverse()
        for name, cmd in order:
            results[name].append(run(cmd))
            print(f"run {i + 1} {name:42s} {results[name][-1][0]:7.3f} s", flush=True)
    size = sum(f.stat().st_size for f in data.rglob("*.parquet"))
    print()
    print(f"table: {data.name}, {size / 1e6:.1f} MB of Parquet, checking {today} against the 7 days before")
    base = statistics.median(w for w, _ in results["base (unit_change off)"])
    print("| variant | median s | over base | peak RSS MB |")
    print("|---|---|---|---|")
    for name, runs in results.items():
        med = statistics.median(w for w, _ in runs)
        rss = max(r for _, r in runs)
        print(f"| {name} | {med:.3f} | {med - base:+.3f} s ({med / base:.2f}×) | {rss} |")


if __name__ == "__main__":
    main()
