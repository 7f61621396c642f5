#!/bin/bash
# The same profile locally, on one executor and on two (a scheduler and executors on 127.0.0.1,
# started fresh for each run), alternating, N rounds: wall time and peak RSS of the client, and
# the executors' peak RSS. Each configuration has the same task slots: one executor with
# --concurrency 2, or two with --concurrency 1, against the local run's two partitions.
#   bench/cluster.sh BINARY ROUNDS TABLE_DIR...
#   bench/cluster.sh target/release/plimsoll 3 bench/data/compare-10000000-rg122880
set -euo pipefail
bin=$(realpath "$1") rounds=$2
shift 2
work=$(mktemp -d)
port=${PORT:-50250}
pids=()
stop() {
  if [ ${#pids[@]} -gt 0 ]; then kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; fi
  pids=()
}
trap 'stop; rm -rf "$work"' EXIT
start() { # executors, concurrency
  stop
  PLIMSOLL_LOG=warn "$bin" scheduler --bind "127.0.0.1:$port" > "$work/scheduler.log" 2>&1 &
  pids+=($!)
  sleep 1
  for i in $(seq "$1"); do
    mkdir -p "$work/w$i"
    PLIMSOLL_LOG=warn "$bin" executor --scheduler "df://127.0.0.1:$port" \
      --bind "127.0.0.1:$((port + 10 * i))" --concurrency "$2" --work-dir "$work/w$i" \
      > "$work/executor-$i.log" 2>&1 &
    pids+=($!)
  done
  sleep 2
}
executors_peak() { # the executors' peak RSS, in KB, summed
  local sum=0
  for p in "${pids[@]:1}"; do
    sum=$((sum + $(awk '/VmHWM/ {print $2}' "/proc/$p/status")))
  done
  echo "$sum"
}
run() { # label, extra args...
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" profile "$table" --format json "$@" > /dev/null
  read -r wall rss < "$work/time"
  local ex="-"
  if [ ${#pids[@]} -gt 0 ]; then ex="$(executors_peak) KB"; fi
  echo "$(basename "$table") round $round $label: $wall s, client $rss KB, executors $ex"
}
for table in "$@"; do
  for round in $(seq "$rounds"); do
    stop
    run local
    start 1 2
    run "1 executor x2" --cluster "df://127.0.0.1:$port"
    start 2 1
    run "2 executors x1" --cluster "df://127.0.0.1:$port"
  done
done
