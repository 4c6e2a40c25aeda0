#!/usr/bin/env bash
# Metrics bench, wall clock: the hello route (bench/metrics/hello.lux, --release) with metrics on
# (the default: every request observed) and off (LUX_METRICS=0). Both servers run at once with
# one I/O thread pinned to CPU 0; wrk on CPU 1; RUNS rounds of DURATION, the two servers
# interleaved in each round; medians of req/s and of the per-round ratios, and the server's CPU
# time per request (user+sys from /proc). Target: metrics cost at most 5%. Meant for a quiet
# machine; on a loaded one trust bench/metrics/instructions.sh.
#   bench/metrics/run.sh                 # 5 x 5 s, 64 connections
#   RUNS=3 DURATION=3s bench/metrics/run.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bench/common.sh"
BUILD=${BUILD_DIR:-$ROOT/build}
OUT=$BUILD/bench-metrics
RUNS=${RUNS:-5}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-64}
mkdir -p "$OUT"
"$BUILD/luxc" build --release "$ROOT/bench/metrics/hello.lux" -o "$OUT" >/dev/null
EXE=$OUT/hello
PIDS=()
stop_all() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop_all EXIT
LUX_METRICS=0 LUX_THREADS=1 LUX_ACCESS_LOG=0 taskset -c 0 "$EXE" --host 127.0.0.1 --port 8291 >"$OUT/off.log" 2>&1 &
PIDS+=($!)
LUX_THREADS=1 LUX_ACCESS_LOG=0 taskset -c 0 "$EXE" --host 127.0.0.1 --port 8292 >"$OUT/on.log" 2>&1 &
PIDS+=($!)
for port in 8291 8292; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/hello" >/dev/null 2>&1 && break; sleep 0.05; done
done
[ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8291/metrics)" = 404 ] || { echo "metrics not off" >&2; exit 1; }
case "$(curl -s http://127.0.0.1:8292/metrics)" in *'route="/hello"'*) ;; *) echo "metrics not on" >&2; exit 1 ;; esac
for port in 8291 8292; do taskset -c 1 wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:$port/hello" >/dev/null; done
RES=$OUT/results.txt
: >"$RES"
for run in $(seq 1 "$RUNS"); do
  for i in 0 1; do
    port=$((8291 + i))
    bench_round "$run" "$port" "${PIDS[$i]}" "$RES" 0 /hello
  done
  echo "run $run done" >&2
done
bench_cost_table "$RES" "metrics" 8291 "hello, LUX_METRICS=0" 8292 "hello, metrics on"
