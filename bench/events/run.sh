#!/usr/bin/env bash
# Events and services bench, RUNS rounds: in-process publish -> handler latency and
# throughput; the same across two processes (publisher App with a peer -> subscriber App);
# CallService vs lux::Fetch of the same JSON to a plain route of that peer; the cost of a call
# rejected by an open breaker. Durable outboxes (files) unless STORE=:memory:.
#   bench/events/run.sh [BUILD_DIR [BASE_BUILD_DIR]]   # RUNS=3 N_LAT=2000 N_TP=5000 N_RPC=2000 N_REJECT=200000
# With BASE_BUILD_DIR (a build of another commit, used as it is: not rebuilt; its headers are
# those of the source tree it was configured from) every round runs the baseline then this
# build, and the summary puts them side by side with their ratio. PIN=1 pins the publisher to
# CPU 0 and the subscriber to CPU 1 (taskset).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bench/common.sh"
BUILD=$(realpath -m "${1:-${BUILD_DIR:-$ROOT/build-bench}}")
BASE=${2:-}
OUT=$BUILD/bench-events
RUNS=${RUNS:-3} N_LAT=${N_LAT:-2000} N_TP=${N_TP:-5000} N_RPC=${N_RPC:-2000} N_REJECT=${N_REJECT:-200000}
mkdir -p "$OUT"
unset LUX_EVENTS_PATH LUX_BUS_TOKEN LUX_ADMIN_TOKEN PORT HOST LUX_PEER_EVSUB_URL LUX_SERVICE_EVSUB_URL
# The publisher and the subscriber are one program: calls and events between them are signed.
export LUX_PROGRAM_SECRET=${LUX_PROGRAM_SECRET:-$(openssl rand -hex 32)}
PUB_CPU=() SUB_CPU=()
if [ "${PIN:-0}" = 1 ]; then PUB_CPU=(taskset -c 0) SUB_CPU=(taskset -c 1); fi

echo "== building into $BUILD" >&2
[ -f "$BUILD/build.ninja" ] || cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target lux_runtime -j2 >/dev/null
compile() {  # compile BUILD INCLUDE_ROOT OUTPUT [FLAGS...]
  local build=$1 src=$2 exe=$3
  shift 3
  mapfile -t libs < <(lux_runtime_libs "$build")
  ${CXX:-g++} -std=c++20 -O2 -DNDEBUG "$@" -I"$src/runtime/include" "$ROOT/bench/events/lux_events_bench.cpp" \
    "${libs[@]}" -o "$exe"
}
compile "$BUILD" "$ROOT" "$OUT/lux_events_bench"
BINS=("new:$OUT/lux_events_bench")
if [ -n "$BASE" ]; then
  BASE=$(realpath "$BASE")
  BASE_SRC=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BASE/CMakeCache.txt")
  compile "$BASE" "$BASE_SRC" "$OUT/lux_events_bench_base" -DLUX_BENCH_BASELINE
  BINS=("base:$OUT/lux_events_bench_base" "${BINS[@]}")
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
store() { if [ "${STORE:-}" = ":memory:" ]; then echo ":memory:"; else rm -f "$OUT/$1"*; echo "$OUT/$1"; fi; }

RAW=$OUT/raw.txt; : >"$RAW"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq 1 "$RUNS"); do
  for spec in "${BINS[@]}"; do
    tag=${spec%%:*} BIN=${spec#*:}
    echo "== round $r ($tag)" >&2
    "${PUB_CPU[@]}" timeout 120 "$BIN" local "$(store local.events.db)" "$N_LAT" "$N_TP" 2>>"$OUT/local.log" \
      | sed "s/^/$r $tag /" | tee -a "$RAW" >&2
    port=$(free_port)
    "${SUB_CPU[@]}" timeout 300 "$BIN" sub "$port" "$(store sub.events.db)" 2>>"$OUT/sub.log" &
    sub=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/stats" >/dev/null 2>&1 && break; sleep 0.05; done
    "${PUB_CPU[@]}" timeout 240 "$BIN" pub "$port" "$(store pub.events.db)" "$N_LAT" "$N_TP" "$N_RPC" "$N_REJECT" \
      2>>"$OUT/pub.log" | sed "s/^/$r $tag /" | tee -a "$RAW" >&2 || echo "round $r: publisher failed (see $OUT/pub.log)" >&2
    kill -TERM "$sub" 2>/dev/null || true
    wait "$sub" 2>/dev/null || true
  done
done
echo "load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/load.txt"
python3 - "$RAW" <<'PY' | tee "$OUT/summary.md"
import statistics, sys
from collections import defaultdict
rows = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))  # tag -> measure -> key -> values
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) < 4: continue
    for kv in p[3:]:
        k, _, v = kv.partition("=")
        try: rows[p[1]][p[2]][k].append(float(v))
        except ValueError: pass
tags = [t for t in ("base", "new") if t in rows]
skip = ("n", "rejected", "done", "thrown", "sink")
head = " | ".join(f"{t}: per round | {t}: median" for t in tags)
print(f"| measure | key | {head} |" + (" new / base |" if len(tags) == 2 else ""))
print("|---|---|" + "---|---|" * len(tags) + ("---|" if len(tags) == 2 else ""))
for name in rows[tags[-1]]:
    for k in rows[tags[-1]][name]:
        if k in skip: continue
        cells, meds = [], []
        for t in tags:
            vals = rows[t][name].get(k, [])
            meds.append(statistics.median(vals) if vals else None)
            cells.append(f"{' / '.join('%g' % v for v in vals) or '-'} | {'%g' % meds[-1] if vals else '-'}")
        ratio = f" {meds[1] / meds[0]:.2f} |" if len(tags) == 2 and meds[0] and meds[1] is not None else (" - |" if len(tags) == 2 else "")
        print(f"| {name} | {k} | {' | '.join(cells)} |{ratio}")
m = lambda n, k: statistics.median(rows[tags[-1]][n][k])
if rows[tags[-1]]["rpc"]:
    print(f"\nRPC / plain Fetch ({tags[-1]}), p50: {m('rpc','p50_us') / m('rpc','plain_p50_us'):.2f}x "
          f"(+{m('rpc','p50_us') - m('rpc','plain_p50_us'):.1f} us); p99: {m('rpc','p99_us') / m('rpc','plain_p99_us'):.2f}x")
PY
