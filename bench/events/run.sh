#!/usr/bin/env bash
# Events and services bench, RUNS rounds: in-process publish -> handler latency and
# throughput; the same across two processes (publisher App with a peer -> subscriber App);
# CallService vs lux::Fetch of the same JSON to a plain route of that peer; the cost of a call
# rejected by an open breaker. Durable outboxes (files) unless STORE=:memory:.
#   bench/events/run.sh [BUILD_DIR]      # RUNS=3 N_LAT=2000 N_TP=5000 N_RPC=2000 N_REJECT=200000
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bench/common.sh"
BUILD=$(realpath -m "${1:-${BUILD_DIR:-$ROOT/build-bench}}")
OUT=$BUILD/bench-events
RUNS=${RUNS:-3} N_LAT=${N_LAT:-2000} N_TP=${N_TP:-5000} N_RPC=${N_RPC:-2000} N_REJECT=${N_REJECT:-200000}
mkdir -p "$OUT"
unset LUX_EVENTS_PATH LUX_BUS_TOKEN LUX_ADMIN_TOKEN PORT HOST LUX_PEER_EVSUB_URL LUX_SERVICE_EVSUB_URL
# The publisher and the subscriber are one program: calls and events between them are signed.
export LUX_PROGRAM_SECRET=${LUX_PROGRAM_SECRET:-$(openssl rand -hex 32)}

echo "== building into $BUILD" >&2
[ -f "$BUILD/build.ninja" ] || cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target lux_runtime -j2 >/dev/null
mapfile -t RT_LIBS < <(lux_runtime_libs "$BUILD")
${CXX:-g++} -std=c++20 -O2 -DNDEBUG -I"$ROOT/runtime/include" "$ROOT/bench/events/lux_events_bench.cpp" \
  "${RT_LIBS[@]}" -o "$OUT/lux_events_bench"
BIN=$OUT/lux_events_bench
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
store() { if [ "${STORE:-}" = ":memory:" ]; then echo ":memory:"; else rm -f "$OUT/$1"*; echo "$OUT/$1"; fi; }

RAW=$OUT/raw.txt; : >"$RAW"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq 1 "$RUNS"); do
  echo "== round $r" >&2
  timeout 120 "$BIN" local "$(store local.events.db)" "$N_LAT" "$N_TP" 2>>"$OUT/local.log" | sed "s/^/$r /" | tee -a "$RAW" >&2
  port=$(free_port)
  timeout 300 "$BIN" sub "$port" "$(store sub.events.db)" 2>>"$OUT/sub.log" &
  sub=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/stats" >/dev/null 2>&1 && break; sleep 0.05; done
  timeout 240 "$BIN" pub "$port" "$(store pub.events.db)" "$N_LAT" "$N_TP" "$N_RPC" "$N_REJECT" 2>>"$OUT/pub.log" \
    | sed "s/^/$r /" | tee -a "$RAW" >&2 || echo "round $r: publisher failed (see $OUT/pub.log)" >&2
  kill -TERM "$sub" 2>/dev/null || true
  wait "$sub" 2>/dev/null || true
done
echo "load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/load.txt"
python3 - "$RAW" <<'EOF' | tee "$OUT/summary.md"
import statistics, sys
from collections import defaultdict
rows = defaultdict(lambda: defaultdict(list))
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) < 3: continue
    for kv in p[2:]:
        k, _, v = kv.partition("=")
        try: rows[p[1]][k].append(float(v))
        except ValueError: pass
print("| measure | key | per round | median |")
print("|---|---|---|---|")
for name, keys in rows.items():
    for k, vals in keys.items():
        if k in ("n", "rejected", "done"): continue
        print(f"| {name} | {k} | {' / '.join('%g' % v for v in vals)} | {statistics.median(vals):g} |")
m = lambda n, k: statistics.median(rows[n][k])
if rows["rpc"]:
    print(f"\nRPC / plain Fetch, p50: {m('rpc','p50_us') / m('rpc','plain_p50_us'):.2f}x "
          f"(+{m('rpc','p50_us') - m('rpc','plain_p50_us'):.1f} us); p99: {m('rpc','p99_us') / m('rpc','plain_p99_us'):.2f}x")
EOF
