#!/bin/bash
# Two plimsoll builds on the same tables, alternating, N rounds: wall time and peak RSS of each run.
#   bench/ab.sh NEW_BINARY OLD_BINARY ROUNDS TABLE_DIR...
#   bench/ab.sh target/release/plimsoll /tmp/plimsoll-old 3 \
#       bench/data/compare-60000000-rg122880 bench/data/wide-numeric-60000000
set -euo pipefail
new=$1 old=$2 rounds=$3
shift 3
for table in "$@"; do
  for round in $(seq "$rounds"); do
    for bin in "$new" "$old"; do
      /usr/bin/time -f "$(basename "$table") round $round $bin %e s %M KB" \
        "$bin" profile "$table" --format json > /dev/null
    done
  done
done
