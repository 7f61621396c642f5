#!/usr/bin/env python3
"""How Plimsoll's full profile scales with rows and with columns, in one run.

Two series, every configuration timed in rounds (one run of each per round, so a slow spell of
the shared machine touches them all alike), median wall time and peak RSS of each:
- rows: `bench/compare.py`'s orders table (plimsoll's generator, 11 columns) at 1x, 4x and 16x
  of its default 2M rows;
- columns: tables of 1M rows and 10, 50 or 200 columns of mixed types (integers of low and high
  cardinality, float64 amounts, decimals, low- and high-cardinality strings, booleans,
  timestamps, nullable columns), written by DuckDB from a deterministic SQL generator.

It prints a table, writes the figures to bench/data/scaling.json and draws them as an SVG
(default bench/scaling.svg: time against rows, time against columns, and peak RSS for both).

    python3 bench/scaling.py --plimsoll target/release/plimsoll
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402

ROOT = compare.ROOT
BASE_ROWS = 2_000_000
ROW_FACTORS = [1, 4, 16]
COLUMN_ROWS = 1_000_000
COLUMN_COUNTS = [10, 50, 200]

# One column of the mixed-type tables, by its index k: the kinds cycle, and each column's values
# come from its own hash stream, so no two columns are alike.
KINDS = [
    "(hash(i + {seed}) % 1000)::BIGINT",  # integer, ~1,000 values
    "(hash(i + {seed}) % 1000000)::BIGINT",  # integer, ~1M values
    "round((hash(i + {seed}) % 10000000) / 100.0, 2)::DOUBLE",  # amounts
    "(hash(i + {seed}) % 100000 / 100.0)::DECIMAL(9, 2)",  # decimal
    "['red','green','blue','cyan','magenta','yellow','black'][(1 + hash(i + {seed}) % 7)::BIGINT]",
    "'id-' || (hash(i + {seed}) % 100000000)::VARCHAR",  # string, ~1M values
    "(hash(i + {seed}) % 3 = 0)",  # boolean
    "TIMESTAMP '2024-03-01' + to_microseconds((hash(i + {seed}) % 86400000000)::BIGINT)",
    "CASE WHEN hash(i + {seed}) % 5 = 0 THEN NULL ELSE (hash(i + {seed}) >> 8) % 50 END",
]


def generate_columns(py: str, columns: int, rows: int = COLUMN_ROWS, files: int = 4) -> Path:
    data = ROOT / "bench" / "data" / f"mixed-{columns}cols-{rows}"
    if (data / "done").exists():
        return data
    subprocess.run(["rm", "-rf", str(data)], check=True)
    data.mkdir(parents=True)
    select = ",\n  ".join(f"{KINDS[k % len(KINDS)].format(seed=k * 1000000007)} AS c{k:03d}" for k in range(columns))
    per_file = rows // files
    script = [
        f"COPY (SELECT\n  {select}\nFROM range({f * per_file}, {(f + 1) * per_file}) t(i)) "
        f"TO '{data}/part-{f}.parquet' (FORMAT parquet, ROW_GROUP_SIZE 122880)"
        for f in range(files)
    ]
    print(f"generating {rows:,} rows of {columns} columns in {data}", flush=True)
    code = "import duckdb, sys\nfor q in sys.argv[1:]:\n    duckdb.sql(q)"
    subprocess.run([py, "-c", code, *script], check=True)
    (data / "done").write_text("")
    return data


def measure(configs: dict, plimsoll: Path, runs: int) -> dict:
    """Median wall seconds and peak RSS of `plimsoll profile DIR --format json` per config."""
    cmds = {name: [str(plimsoll), "profile", str(path), "--format", "json"] for name, path in configs.items()}
    rows = {}
    for name, cmd in cmds.items():  # warm the page cache, read the row count
        _, _, out = compare.timed(cmd)
        rows[name] = json.loads(out)["row_count"]
    results = {name: [] for name in cmds}
    for i in range(runs):
        order = list(cmds) if i % 2 == 0 else list(reversed(cmds))
        for name in order:
            wall, rss, _ = compare.timed(cmds[name])
            results[name].append((wall, rss))
            print(f"round {i + 1} {name:14s} {wall:7.3f} s {rss:6d} MB", flush=True)
    return {
        name: {
            "rows": rows[name],
            "median_s": statistics.median(w for w, _ in v),
            "peak_rss_mb": max(r for _, r in v),
            "runs": v,
        }
        for name, v in results.items()
    }


def svg(rows_series: list, cols_series: list, path: Path) -> None:
    """Three panels: seconds against rows, seconds against columns, peak RSS against both."""
    w, h, pad = 300, 220, 46
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{3 * w}" height="{h + 30}" '
        f'font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
    ]

    def panel(i, title, xs, series, xlabel, ylabel):
        x0 = i * w + pad
        y0 = h - pad + 20
        pw, ph = w - pad - 14, h - pad - 20
        xmax = max(xs) * 1.05
        ymax = max(max(v for v in s["ys"]) for s in series) * 1.15
        sx = lambda x: x0 + pw * x / xmax  # noqa: E731
        sy = lambda y: y0 - ph * y / ymax  # noqa: E731
        out.append(f'<text x="{x0 + pw / 2}" y="14" text-anchor="middle" font-weight="bold">{title}</text>')
        out.append(f'<line x1="{x0}" y1="{y0}" x2="{x0 + pw}" y2="{y0}" stroke="#333"/>')
        out.append(f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y0 - ph}" stroke="#333"/>')
        out.append(f'<text x="{x0 + pw / 2}" y="{y0 + 30}" text-anchor="middle">{xlabel}</text>')
        out.append(
            f'<text x="{x0 - 34}" y="{y0 - ph / 2}" text-anchor="middle" '
            f'transform="rotate(-90 {x0 - 34} {y0 - ph / 2})">{ylabel}</text>'
        )
        for t in range(5):
            yv = ymax * t / 4
            out.append(f'<text x="{x0 - 4}" y="{sy(yv) + 4}" text-anchor="end">{yv:.3g}</text>')
            out.append(f'<line x1="{x0}" y1="{sy(yv)}" x2="{x0 + pw}" y2="{sy(yv)}" stroke="#eee"/>')
        for x in xs:
            out.append(f'<text x="{sx(x)}" y="{y0 + 14}" text-anchor="middle">{x:.3g}</text>')
        for s in series:
            pts = " ".join(f"{sx(x)},{sy(y)}" for x, y in zip(s["xs"], s["ys"]))
            if s.get("dashed"):
                out.append(f'<polyline points="{pts}" fill="none" stroke="{s["color"]}" stroke-dasharray="4 3"/>')
            else:
                out.append(f'<polyline points="{pts}" fill="none" stroke="{s["color"]}" stroke-width="2"/>')
                for x, y in zip(s["xs"], s["ys"]):
                    out.append(f'<circle cx="{sx(x)}" cy="{sy(y)}" r="3" fill="{s["color"]}"/>')
        for j, s in enumerate(series):
            ly = y0 - ph + 12 * j
            out.append(f'<line x1="{x0 + 8}" y1="{ly}" x2="{x0 + 24}" y2="{ly}" stroke="{s["color"]}" stroke-width="2"/>')
            out.append(f'<text x="{x0 + 28}" y="{ly + 4}">{s["label"]}</text>')

    def time_panel(i, title, xs, ys, color, first, xlabel):
        linear = [ys[0] * x / xs[0] for x in xs]
        panel(i, title, xs,
              [{"xs": xs, "ys": ys, "color": color, "label": "plimsoll profile"},
               {"xs": xs, "ys": linear, "color": "#999", "label": f"linear from {first}", "dashed": True}],
              xlabel, "seconds")

    rx = [r["rows"] / 1e6 for r in rows_series]
    time_panel(0, "Time against rows (orders, 11 columns)", rx, [r["median_s"] for r in rows_series],
               "#1f77b4", "1x", "million rows")
    cx = [c["columns"] for c in cols_series]
    time_panel(1, "Time against columns (1M rows)", cx, [c["median_s"] for c in cols_series],
               "#d62728", "10", "columns")
    # Memory: both series on one axis, x as the multiple of the first configuration.
    mx_r = [x / rx[0] for x in rx]
    mx_c = [x / cx[0] for x in cx]
    panel(2, "Peak RSS", sorted(set(mx_r + mx_c)),
          [{"xs": mx_r, "ys": [r["peak_rss_mb"] for r in rows_series], "color": "#1f77b4", "label": "rows x1, x4, x16"},
           {"xs": mx_c, "ys": [c["peak_rss_mb"] for c in cols_series], "color": "#d62728", "label": "columns 10, 50, 200"}],
          "multiple of the smallest", "MB")
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plimsoll", type=Path, help="the plimsoll binary to time (a release build)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--svg", type=Path, default=ROOT / "bench" / "scaling.svg")
    ap.add_argument("--redraw", action="store_true", help="only draw the SVG again from bench/data/scaling.json")
    args = ap.parse_args()
    if args.redraw:
        figures = json.loads((ROOT / "bench" / "data" / "scaling.json").read_text())
        svg(figures["rows"], figures["columns"], args.svg)
        return
    if not args.plimsoll:
        ap.error("--plimsoll is required (a release build of plimsoll)")
    py = compare.venv_python()
    if not (compare.target_dir() / "release" / "examples" / "gen_orders").exists():
        compare.build()

    row_configs = {f"rows x{f}": compare.generate(BASE_ROWS * f, 10) for f in ROW_FACTORS}
    col_configs = {f"columns {c}": generate_columns(py, c) for c in COLUMN_COUNTS}
    rows = measure(row_configs, args.plimsoll, args.runs)
    cols = measure(col_configs, args.plimsoll, args.runs)

    rows_series = [dict(rows[f"rows x{f}"], factor=f) for f in ROW_FACTORS]
    cols_series = [dict(cols[f"columns {c}"], columns=c) for c in COLUMN_COUNTS]
    print()
    print(f"{'series':16s} {'rows':>12s} {'median s':>9s} {'s per M values':>15s} {'vs first':>9s} {'peak RSS MB':>12s}")
    for label, series, width in [("rows x{factor}", rows_series, 11), ("columns {columns}", cols_series, None)]:
        for s in series:
            per = s["median_s"] / (s["rows"] * (width or s["columns"]) / 1e6)
            ratio = s["median_s"] / series[0]["median_s"]
            name = label.format(**s)
            print(f"{name:16s} {s['rows']:12,d} {s['median_s']:9.3f} {per:15.4f} {ratio:9.2f} {s['peak_rss_mb']:12d}")
    out = ROOT / "bench" / "data" / "scaling.json"
    out.write_text(json.dumps({"rows": rows_series, "columns": cols_series}, indent=2))
    svg(rows_series, cols_series, args.svg)
    print(f"wrote {out} and {args.svg}")


if __name__ == "__main__":
    main()
