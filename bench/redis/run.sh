#!/usr/bin/env bash
# Redis bench, RUNS rounds, lux on Redis side by side with BullMQ on the same Redis
# (AOF everysec, started here), each with 1 and 3 replicas (processes): enqueue from 1 and 4
# threads/loops; drain of N_DRAIN stored no-op jobs (first replica start to last job done); job
# pickup latency at RATE/s (spawn -> handler start); lux event latency at RATE/s and event
# throughput (publish -> handler, one subscribing server of 1 or 3 replicas; BullMQ's analogue is
# the job pickup latency: one message to one of the consumers). Medians and ratios at the end.
#   bench/redis/run.sh [BUILD_DIR]    # RUNS=3 N_ENQ=5000 N_DRAIN=20000 RATE=1000 SECS=5 N_TP=20000
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bench/common.sh"
BUILD=$(realpath -m "${1:-${BUILD_DIR:-$ROOT/build-bench}}")
OUT=$BUILD/bench-redis
RUNS=${RUNS:-3} N_ENQ=${N_ENQ:-5000} N_DRAIN=${N_DRAIN:-20000} RATE=${RATE:-1000} SECS=${SECS:-5} N_TP=${N_TP:-20000}
mkdir -p "$OUT"
unset LUX_JOBS_URL LUX_BUS_URL LUX_JOBS_PREFIX LUX_BUS_PREFIX LUX_JOB_WORKERS PORT HOST

echo "== building into $BUILD" >&2
[ -f "$BUILD/build.ninja" ] || cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target lux_runtime -j2 >/dev/null
mapfile -t RT_LIBS < <(lux_runtime_libs "$BUILD")
${CXX:-g++} -std=c++20 -O2 -DNDEBUG -I"$ROOT/runtime/include" "$ROOT/bench/redis/lux_redis_bench.cpp" \
  "${RT_LIBS[@]}" -o "$OUT/lux_redis_bench"
[ -d "$OUT/npm/node_modules/bullmq" ] || npm install --silent --prefix "$OUT/npm" bullmq@5 >/dev/null
export BULLMQ_PATH=$OUT/npm/node_modules/bullmq
command -v redis-server >/dev/null || { echo "redis-server missing: bash .ci/deps.sh" >&2; exit 1; }
LUX=$OUT/lux_redis_bench
BULL="node $ROOT/bench/redis/bullmq_redis_bench.js"
BULL_JOBS="node $ROOT/bench/jobs/bullmq_bench.js"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
RPORT=$(free_port); rm -rf "$OUT/redis"; mkdir -p "$OUT/redis"
redis-server --bind 127.0.0.1 --port "$RPORT" --dir "$OUT/redis" --save '' --appendonly yes --appendfsync everysec \
  >"$OUT/redis/log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
export REDIS_URL=redis://127.0.0.1:$RPORT

RAW=$OUT/raw.txt; : >"$RAW"
LAT=$OUT/lat; mkdir -p "$LAT"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
emit() { echo "$1 $2 $3" | tee -a "$RAW" >&2; }  # ROUND NAME key=value...

# replicas ROUND NAME K CMD...: K processes of CMD at once; prints jobs_s from their start/last-done times.
replicas() {
  local r=$1 name=$2 k=$3; shift 3
  local files=()
  for i in $(seq 1 "$k"); do
    "$@" >"$OUT/$name.$i.out" 2>>"$OUT/$name.log" &
    files+=("$OUT/$name.$i.out"); PIDS+=($!)
  done
  wait "${PIDS[@]: -$k}" || true
  emit "$r" "$name" "$(python3 - "$N_DRAIN" "${files[@]}" <<'EOF'
import sys
n = int(sys.argv[1]); kv = [dict(p.split("=") for p in open(f).read().split()) for f in sys.argv[2:]]
start = min(int(d["start_us"]) for d in kv); last = max(int(d["last_done_us"]) for d in kv)
done = sum(int(d["done"]) for d in kv)
print(f"jobs_s={done / ((last - start) / 1e6):.0f} done={done} n={n} secs={(last - start) / 1e6:.2f} shares={'/'.join(d['done'] for d in kv)}")
EOF
)"
}

# latency ROUND NAME K PRODUCER... -- CONSUMER...: K consumers, then the producer; p50/p99 of lat_us.
latency() {
  local r=$1 name=$2 k=$3; shift 3
  local prod=() cons=()
  while [ "$1" != "--" ]; do prod+=("$1"); shift; done; shift; cons=("$@")
  : >"$LAT/$name.$r"
  local pids=()
  for i in $(seq 1 "$k"); do
    "${cons[@]}" >"$OUT/$name.$i.out" 2>>"$LAT/$name.$r" &
    pids+=($!); PIDS+=($!)
  done
  sleep 1  # consumers connected and waiting
  "${prod[@]}" >"$OUT/$name.prod" 2>>"$OUT/$name.log"
  wait "${pids[@]}" || true
  emit "$r" "$name" "$(python3 - "$LAT/$name.$r" "$OUT/$name.prod" "$OUT/$name".*.out <<'EOF'
import sys
v = sorted(float(l.split()[1]) for l in open(sys.argv[1]) if l.startswith("lat_us"))
prod = dict(p.split("=") for p in open(sys.argv[2]).read().split())
done = [dict(p.split("=") for p in open(f).read().split()) for f in sys.argv[3:]]
pct = lambda p: v[min(len(v) - 1, int(p * len(v)))] if v else 0
line = f"n={len(v)} p50_us={pct(0.5):.0f} p99_us={pct(0.99):.0f} max_us={v[-1] if v else 0:.0f} shares={'/'.join(d.get('done', '?') for d in done)}"
last = [int(d["last_done_us"]) for d in done if int(d.get("last_done_us", 0)) > 0]
if "start_us" in prod and last:
    line += f" events_s={len(v) / ((max(last) - int(prod['start_us'])) / 1e6):.0f} publish_s={prod.get('publish_s', '?')}"
print(line)
EOF
)"
}

for r in $(seq 1 "$RUNS"); do
  echo "== round $r" >&2
  for t in 1 4; do
    emit "$r" "lux_enq_t$t" "$(PREFIX=enq$r$t timeout 120 "$LUX" enqueue "$t" "$N_ENQ" 2>>"$OUT/lux.log" | tail -1)"
    emit "$r" "bull_enq_t$t" "$(timeout 120 $BULL_JOBS enqueue "$RPORT" "$t" "$N_ENQ" 2>>"$OUT/bull.log" | tail -1)"
  done
  for k in 1 3; do
    PREFIX=drain$r$k "$LUX" fill "$N_DRAIN" >/dev/null 2>>"$OUT/lux.log"
    PREFIX=drain$r$k replicas "$r" "lux_drain_r$k" "$k" timeout 200 "$LUX" drain "$N_DRAIN"
    $BULL fill "$RPORT" "drain$r$k" "$N_DRAIN" >/dev/null 2>>"$OUT/bull.log"
    replicas "$r" "bull_drain_r$k" "$k" timeout 200 $BULL drain "$RPORT" "drain$r$k"
    n=$((RATE * SECS))
    PREFIX=lat$r$k latency "$r" "lux_joblat_r$k" "$k" "$LUX" spawn "$RATE" "$n" -- timeout 60 "$LUX" work $((SECS + 6))
    latency "$r" "bull_joblat_r$k" "$k" $BULL spawn "$RPORT" "lat$r$k" "$RATE" "$n" -- \
      timeout 60 $BULL work "$RPORT" "lat$r$k" $((SECS + 6))
    PREFIX=ev$r$k latency "$r" "lux_evlat_r$k" "$k" "$LUX" evpub "$RATE" "$n" -- timeout 60 "$LUX" evsub $((SECS + 6))
    PREFIX=evtp$r$k latency "$r" "lux_evtp_r$k" "$k" "$LUX" evpub 0 "$N_TP" -- timeout 90 "$LUX" evsub 12
  done
  redis-cli -p "$RPORT" flushall >/dev/null
done
echo "load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/load.txt"
python3 "$ROOT/bench/redis/summary.py" "$RAW" | tee "$OUT/summary.md"
