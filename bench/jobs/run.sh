#!/usr/bin/env bash
# Jobs bench, RUNS rounds side by side: lux SpawnJob (durable NORMAL, LUX_JOBS_SYNC=full,
# :memory:) vs BullMQ on local Redis (no persistence; AOF everysec): enqueue from 1 and 4 threads
# (ops/s, p50/p99), N no-op jobs from first enqueue to last done, a drain of N stored jobs, and the
# firing delay of `* * * * * *`; medians and lux/BullMQ ratios at the end (bench/jobs/summary.py).
#   bench/jobs/run.sh [BUILD_DIR]        # RUNS=3 N_EXEC=20000 N_ENQ=5000 N_FULL=500 TICKS=10
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bench/common.sh"
BUILD=$(realpath -m "${1:-${BUILD_DIR:-$ROOT/build-bench}}")
OUT=$BUILD/bench-jobs
RUNS=${RUNS:-3} N_EXEC=${N_EXEC:-20000} N_ENQ=${N_ENQ:-5000} N_MEM=${N_MEM:-20000} N_FULL=${N_FULL:-500} TICKS=${TICKS:-10}
mkdir -p "$OUT"
unset LUX_JOBS_PATH LUX_JOBS_SYNC LUX_JOB_WORKERS

echo "== building into $BUILD" >&2
[ -f "$BUILD/build.ninja" ] || cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target lux_runtime -j2 >/dev/null
mapfile -t RT_LIBS < <(lux_runtime_libs "$BUILD")
${CXX:-g++} -std=c++20 -O2 -DNDEBUG -I"$ROOT/runtime/include" "$ROOT/bench/jobs/lux_jobs_bench.cpp" \
  "${RT_LIBS[@]}" -o "$OUT/lux_jobs_bench"
[ -d "$OUT/npm/node_modules/bullmq" ] || npm install --silent --prefix "$OUT/npm" bullmq@5 >/dev/null
export BULLMQ_PATH=$OUT/npm/node_modules/bullmq
command -v redis-server >/dev/null || { echo "redis-server missing: apt-get install redis-server" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
start_redis() {  # start_redis VAR DIR ARGS...: starts Redis on a free port, stores the port in VAR
  local var=$1 dir=$2 port; shift 2
  port=$(free_port); rm -rf "$dir"; mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' "$@" >"$dir/log" 2>&1 &
  PIDS+=($!)  # not in a $(...) subshell, so the EXIT trap sees it
  for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  printf -v "$var" '%s' "$port"
}
start_redis R_MEM "$OUT/redis-mem" --appendonly no
start_redis R_AOF "$OUT/redis-aof" --appendonly yes --appendfsync everysec

RAW=$OUT/raw.txt; : >"$RAW"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
lux() {  # lux ROUND NAME SYNC STORE ARGS...
  local r=$1 name=$2 sync=$3 store=$4; shift 4
  [ "$store" = ":memory:" ] || rm -f "$store" "$store-wal" "$store-shm"
  echo "$r $name $(LUX_JOBS_SYNC=$sync timeout 180 "$OUT/lux_jobs_bench" "$@" 2>>"$OUT/lux.log" | tail -1)" | tee -a "$RAW" >&2
}
bull() {  # bull ROUND NAME ARGS...
  local r=$1 name=$2; shift 2
  echo "$r $name $(timeout 180 node "$ROOT/bench/jobs/bullmq_bench.js" "$@" 2>>"$OUT/bull.log" | tail -1)" | tee -a "$RAW" >&2
}
DB=$OUT/jobs.db
for r in $(seq 1 "$RUNS"); do
  echo "== round $r" >&2
  for t in 1 4; do
    lux "$r" "lux_normal_enq_t$t" normal "$DB" enqueue "$DB" "$t" "$N_ENQ"
    lux "$r" "lux_full_enq_t$t" full "$DB" enqueue "$DB" "$t" "$N_FULL"
    lux "$r" "lux_mem_enq_t$t" normal :memory: enqueue :memory: "$t" "$N_MEM"
    bull "$r" "bull_aof_enq_t$t" enqueue "$R_AOF" "$t" "$N_ENQ"
    bull "$r" "bull_mem_enq_t$t" enqueue "$R_MEM" "$t" "$N_MEM"
  done
  lux "$r" lux_normal_exec normal "$DB" execute "$DB" "$N_EXEC"
  lux "$r" lux_mem_exec normal :memory: execute :memory: "$N_EXEC"
  bull "$r" bull_aof_exec execute "$R_AOF" "$N_EXEC"
  bull "$r" bull_mem_exec execute "$R_MEM" "$N_EXEC"
  rm -f "$DB" "$DB-wal" "$DB-shm"
  "$OUT/lux_jobs_bench" fill "$DB" "$N_EXEC" 2>>"$OUT/lux.log"   # run-task: stored, not run
  echo "$r lux_normal_drain $("$OUT/lux_jobs_bench" drain "$DB" "$N_EXEC" 2>>"$OUT/lux.log" | tail -1)" | tee -a "$RAW" >&2
  bull "$r" bull_aof_drain drain "$R_AOF" "$N_EXEC"
done
echo "== schedules, $TICKS ticks each" >&2
lux 1 lux_sched normal "$DB" sched "$DB" "$TICKS"
bull 1 bull_sched sched "$R_AOF" "$TICKS"
echo "load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/load.txt"
python3 "$ROOT/bench/jobs/summary.py" "$RAW" | tee "$OUT/summary.md"
