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
BUILD=${BUILD_DIR:-$ROOT/build}
OUT=$BUILD/bench-metrics
RUNS=${RUNS:-5}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-64}
mkdir -p "$OUT"
"$BUILD/luxc" build --release "$ROOT/bench/metrics/hello.lux" -o "$OUT" >/dev/null
EXE=$OUT/hello
PIDS=()
TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
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
    c0=$(cpu_ticks "${PIDS[$i]}")
    out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$port/hello")
    c1=$(cpu_ticks "${PIDS[$i]}")
    if echo "$out" | grep -q "Non-2xx"; then echo "port $port: non-2xx responses" >&2; exit 1; fi
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    cpu=$(python3 -c "print('%.2f' % (($c1 - $c0) * 1e6 / $TCK / $n))")
    echo "$run $port $(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1=="99%" {print $2}') $cpu" >>"$RES"
  done
  echo "run $run done" >&2
done
python3 - "$RES" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
rps = {p: [float(r[2]) for r in rows if r[1] == p] for p in ("8291", "8292")}
p99 = {p: [r[3] for r in rows if r[1] == p] for p in ("8291", "8292")}
cpu = {p: [float(r[4]) for r in rows if r[1] == p] for p in ("8291", "8292")}
cost = statistics.median(1 - b / a for a, b in zip(rps["8291"], rps["8292"]))
cpu_cost = statistics.median(b / a - 1 for a, b in zip(cpu["8291"], cpu["8292"]))
print("| server | req/s (median) | p99 (median of rounds) | CPU µs/request (median) | rounds |")
print("|---|---|---|---|---|")
for p, name in (("8291", "hello, LUX_METRICS=0"), ("8292", "hello, metrics on")):
    print(f"| {name} | {statistics.median(rps[p]):,.0f} | {sorted(p99[p])[len(p99[p]) // 2]} | {statistics.median(cpu[p]):.1f} | {len(rps[p])} |")
print(f"\ncost of metrics: {cost * 100:.1f}% of req/s, {cpu_cost * 100:.1f}% more CPU per request (medians of the per-round ratios)")
PY
