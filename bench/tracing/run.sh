#!/usr/bin/env bash
# Tracing bench, wall clock: the hello route (bench/tracing/hello.lux, --release) with tracing
# off and on (every request sampled, exported to bench/tracing/collector.cpp, a native stand-in
# collector built here that keeps up and drops nothing). Both servers run at once, each pinned
# (its I/O thread and the exporter's thread) to CPU 0, wrk on CPU 1 (the collector shares it),
# RUNS rounds of DURATION interleaved; medians of req/s and of the servers' CPU time per request
# (user+sys from /proc, the exporter thread included), and the exporter thread's share of the
# traced server's CPU time. Target: tracing on costs at most 15%.
#   bench/tracing/run.sh                  # 5 x 5 s, 64 connections
#   RUNS=3 DURATION=3s bench/tracing/run.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bench/common.sh"
BUILD=${BUILD_DIR:-$ROOT/build}
OUT=$BUILD/bench-tracing
RUNS=${RUNS:-5}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-64}
mkdir -p "$OUT"
"$BUILD/luxc" build --release "$ROOT/bench/tracing/hello.lux" -o "$OUT/bin" >/dev/null
EXE=$OUT/bin/hello
PIDS=()
COLLECTOR=
stop_all() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait "${PIDS[@]}" 2>/dev/null || true
  PIDS=()
  if [ -n "$COLLECTOR" ]; then kill -TERM "$COLLECTOR" 2>/dev/null || true; wait "$COLLECTOR" 2>/dev/null || true; fi
  COLLECTOR=
}
trap stop_all EXIT
COLLECTOR_EXE=$OUT/collector
if [ ! -x "$COLLECTOR_EXE" ] || [ "$ROOT/bench/tracing/collector.cpp" -nt "$COLLECTOR_EXE" ]; then
  g++ -std=c++20 -O2 -o "$COLLECTOR_EXE" "$ROOT/bench/tracing/collector.cpp"
fi
taskset -c 1 "$COLLECTOR_EXE" 8290 >"$OUT/collector.log" 2>&1 &
COLLECTOR=$!
sleep 0.2
kill -0 "$COLLECTOR" 2>/dev/null || { cat "$OUT/collector.log" >&2; exit 1; }  # e.g. its port is taken
LUX_THREADS=1 LUX_ACCESS_LOG=0 taskset -c 0 "$EXE" --host 127.0.0.1 --port 8291 >"$OUT/off.log" 2>&1 &
PIDS+=($!)
LUX_THREADS=1 LUX_ACCESS_LOG=0 OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:8290 OTEL_TRACES_SAMPLER=always_on \
  taskset -c 0 "$EXE" --host 127.0.0.1 --port 8292 >"$OUT/on.log" 2>&1 &
PIDS+=($!)
for port in 8291 8292; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/hello" >/dev/null 2>&1 && break; sleep 0.05; done
done
for port in 8291 8292; do taskset -c 1 wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:$port/hello" >/dev/null; done
RES=$OUT/results.txt
: >"$RES"
# The exporter's thread (named lux-otlp) of the traced server: its CPU ticks over the rounds.
thread_ticks() {  # PID NAME -> the CPU ticks (user + sys) of its threads named NAME
  local t sum=0
  for t in /proc/$1/task/*; do
    if [ "$(cat "$t/comm" 2>/dev/null)" = "$2" ]; then sum=$((sum + $(awk '{print $14 + $15}' "$t/stat"))); fi
  done
  echo "$sum"
}
EXPORTER0=$(thread_ticks "${PIDS[1]}" lux-otlp)
SERVER0=$(cpu_ticks "${PIDS[1]}")
for run in $(seq 1 "$RUNS"); do
  for i in 0 1; do
    port=$((8291 + i))
    bench_round "$run" "$port" "${PIDS[$i]}" "$RES" 0.3 /hello
  done
  echo "run $run done" >&2
done
EXPORTER1=$(thread_ticks "${PIDS[1]}" lux-otlp)
SERVER1=$(cpu_ticks "${PIDS[1]}")
awk -v e=$((EXPORTER1 - EXPORTER0)) -v s=$((SERVER1 - SERVER0)) \
  'BEGIN { printf "exporter thread (lux-otlp): %d of the traced server'"'"'s %d CPU ticks over the rounds (%.1f%%)\n", e, s, 100 * e / (s > 0 ? s : 1) }' >&2
# Spans dropped (queue full) would make tracing look cheaper than it is: say so.
sleep 1
SPANS=$(curl -s http://127.0.0.1:8292/metrics | grep -E '^lux_trace_spans_(exported|dropped)_total' || true)
echo "$SPANS" >&2
case "$SPANS" in *"dropped_total 0"*) ;; *) echo "(spans were dropped: the exporter did not keep up, the cost above is understated)" >&2 ;; esac
stop_all  # the servers, then the collector (it prints its counts)
grep -h "spans" "$OUT/collector.log" >&2 || true
grep -h "trace export failed" "$OUT/on.log" >&2 && echo "(exports failed during the run: see $OUT/on.log)" >&2
bench_cost_table "$RES" "tracing" 8291 "hello, tracing off" 8292 "hello, tracing on (100% sampled)"
