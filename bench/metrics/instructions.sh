#!/usr/bin/env bash
# Metrics bench, instructions: the server of bench/metrics/hello.lux (--release, one I/O
# thread, no access log) under callgrind, with metrics off (LUX_METRICS=0) and on, serving N1
# then N2 keep-alive GET /hello from one Python client (outside valgrind). The instructions per
# request are (Ir(N2) - Ir(N1)) / (N2 - N1): start-up and shutdown cancel out, and the figure
# does not move with the load on the machine.
#   bench/metrics/instructions.sh        # N1=2000 N2=6000
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
OUT=$BUILD/bench-metrics-ir
N1=${N1:-2000}
N2=${N2:-6000}
mkdir -p "$OUT"
"$BUILD/luxc" build --release "$ROOT/bench/metrics/hello.lux" -o "$OUT" >/dev/null
EXE=$OUT/hello
PORT=${PORT:-8293}
# Total instructions of one server run that answers $2 requests; $1: the LUX_METRICS value.
ir() {
  rm -f "$OUT"/callgrind.out.*
  LUX_METRICS=$1 LUX_THREADS=1 LUX_ACCESS_LOG=0 valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out.%p" \
    "$EXE" --host 127.0.0.1 --port "$PORT" >"$OUT/server.log" 2>&1 &
  local pid=$!
  python3 - "$PORT" "$2" <<'PY'
import http.client, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
for _ in range(600):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/hello"); c.getresponse().read()
        break
    except OSError:
        time.sleep(0.1)
for _ in range(n - 1):
    c.request("GET", "/hello")
    r = c.getresponse(); r.read()
    assert r.status == 200
PY
  kill -TERM "$pid"
  wait "$pid" || true
  grep -h '^summary:\|^totals:' "$OUT"/callgrind.out.* | awk '{s += $2} END {print s}'
}
declare -A R
for m in 0 1; do
  for n in "$N1" "$N2"; do R[$m.$n]=$(ir "$m" "$n"); echo "LUX_METRICS=$m N=$n Ir=${R[$m.$n]}" >&2; done
done
python3 - "${R[0.$N1]}" "${R[0.$N2]}" "${R[1.$N1]}" "${R[1.$N2]}" "$N1" "$N2" <<'PY'
import sys
off1, off2, on1, on2, n1, n2 = map(int, sys.argv[1:])
off = (off2 - off1) / (n2 - n1)
on = (on2 - on1) / (n2 - n1)
print("| server | instructions per request |")
print("|---|---|")
print(f"| hello, LUX_METRICS=0 | {off:,.0f} |")
print(f"| hello, metrics on | {on:,.0f} |")
print(f"\ncost of metrics: {on - off:,.0f} instructions per request, {100 * (on / off - 1):.1f}%")
PY
