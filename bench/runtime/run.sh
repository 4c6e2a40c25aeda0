#!/usr/bin/env bash
# Runtime HTTP throughput bench (issue 3). Builds the runtime and the bench servers, installs
# Bun from npm into the build directory, then runs wrk against: (a) the lux runtime (request
# ids + access log on), (b) a minimal Beast server, (c) Node http, (d) Bun.serve. Each server
# is pinned to CPU 0, wrk to CPU 1; RUNS x DURATION per server, median reported.
#   bench/runtime/run.sh                 # 3 x 5 s, 64 connections
#   RUNS=1 DURATION=2s bench/runtime/run.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
OUT=$BUILD/bench-runtime
RUNS=${RUNS:-3}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-64}
mkdir -p "$OUT"

echo "== building" >&2
[ -f "$BUILD/build.ninja" ] || cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target lux_runtime -j2 >/dev/null
CXX=${CXX:-g++}
$CXX -std=c++20 -O2 -DNDEBUG -I"$ROOT/runtime/include" "$ROOT/bench/runtime/bench_server.cpp" \
  "$BUILD/runtime/liblux_runtime.a" -lboost_context -lboost_url -lpthread -o "$OUT/lux_bench_server"
$CXX -std=c++20 -O2 -DNDEBUG "$ROOT/bench/runtime/bare_beast.cpp" -lpthread -o "$OUT/bare_beast"
$CXX -std=c++20 -O2 -DNDEBUG "$ROOT/bench/runtime/thread_model.cpp" -lpthread -o "$OUT/thread_model"
$CXX -std=c++20 -O2 -DNDEBUG -I"$ROOT/runtime/include" "$ROOT/bench/runtime/json_bench.cpp" \
  "$BUILD/runtime/liblux_runtime.a" -lpthread -o "$OUT/json_bench"
if [ ! -x "$OUT/npm/node_modules/.bin/bun" ]; then
  echo "== installing bun from npm into $OUT/npm" >&2
  npm install --silent --prefix "$OUT/npm" bun@1 >/dev/null
fi
BUN="$OUT/npm/node_modules/.bin/bun"

wait_port() {
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$1/hello" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "server on $1 did not come up" >&2
  return 1
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# bench NAME PORT CMD...: prints "name req/s p99 rss_idle rss_load"
bench() {
  local name=$1 port=$2
  shift 2
  taskset -c 0 "$@" >"$OUT/$name.log" 2>&1 &
  local pid=$!
  wait_port "$port"
  sleep 0.3
  local idle
  idle=$(rss_kb $pid)
  taskset -c 1 wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:$port/hello" >/dev/null  # warm-up
  local rps=() p99=()
  for _ in $(seq 1 "$RUNS"); do
    local out
    out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$port/hello")
    rps+=("$(echo "$out" | awk '/Requests\/sec/ {print $2}')")
    p99+=("$(echo "$out" | awk '$1=="99%" {print $2}')")
    if echo "$out" | grep -q "Non-2xx"; then echo "$name: non-2xx responses!" >&2; fi
  done
  local load
  load=$(rss_kb $pid)
  kill -TERM $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  local med_rps med_p99
  med_rps=$(printf '%s\n' "${rps[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  med_p99=$(printf '%s\n' "${p99[@]}" | python3 -c 'import sys
def ms(s):
    s=s.strip()
    for u,f in (("us",1e-3),("ms",1.0),("s",1e3)):
        if s.endswith(u): return float(s[:-len(u)])*f
vals=sorted(ms(l) for l in sys.stdin if l.strip())
print("%.2f" % vals[(len(vals)-1)//2])')
  echo "$name $med_rps $med_p99 $idle $load"
}

echo "== wrk: $RUNS x $DURATION, $CONNS connections, server on CPU 0, wrk on CPU 1" >&2
RESULTS=$OUT/results.txt
: >"$RESULTS"
LUX_THREADS=1 PORT=8091 HOST=127.0.0.1 bench lux 8091 "$OUT/lux_bench_server" >>"$RESULTS"
bench beast 8092 "$OUT/bare_beast" 8092 >>"$RESULTS"
bench node 8093 node "$ROOT/bench/runtime/node_server.js" 8093 >>"$RESULTS"
bench bun 8094 "$BUN" "$ROOT/bench/runtime/bun_server.js" 8094 >>"$RESULTS"

python3 - "$RESULTS" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {r[0]: r for r in rows}
lux = float(by["lux"][1])
print("| server | req/s (median) | p99 ms | RSS idle MB | RSS after load MB | lux / this |")
print("|---|---|---|---|---|---|")
for name, rps, p99, idle, load in rows:
    print(f"| {name} | {float(rps):,.0f} | {p99} | {int(idle)/1024:.1f} | {int(load)/1024:.1f} | {lux/float(rps):.2f} |")
PY

echo "== thread model: io_context per thread vs one shared io_context, 2 threads, nothing pinned" >&2
for run in $(seq 1 "$RUNS"); do
  for mode in percore shared; do
    "$OUT/thread_model" $mode 2 8096 2>/dev/null &
    pid=$!
    wait_port 8096
    wrk -t1 -c"$CONNS" -d"$DURATION" --latency http://127.0.0.1:8096/hello |
      awk -v m=$mode -v r=$run '/Requests\/sec/ {q=$2} $1=="99%" {p=$2} END {printf "run %s %-8s %10s req/s  p99 %s\n", r, m, q, p}'
    kill $pid
    wait $pid 2>/dev/null || true
  done
done

echo "== JSON (lux hand-written vs nlohmann)" >&2
"$OUT/json_bench"

echo "== compile cost of generated-code-shaped TUs (clang++ -O0; CPU seconds user+sys, best of 3: robust to a busy machine)" >&2
printf '#include <string>\n#include <vector>\n#include <functional>\nint f(){return 0;}\n' >"$OUT/base.cpp"
for f in "$OUT/base.cpp" "$ROOT/tests/unit/runtime/all_headers.cpp" "$ROOT/runtime/examples/example_server.cpp"; do
  best=99
  for _ in 1 2 3; do
    t=$( { /usr/bin/time -f "%U %S" clang++ -std=c++20 -O0 -c -I"$ROOT/runtime/include" "$f" -o "$OUT/tu.o"; } 2>&1 | tail -1)
    best=$(python3 -c "print(min($best, sum(map(float, '$t'.split()))))")
  done
  printf '%s: %.2f s\n' "$(basename "$f")" "$best"
done
