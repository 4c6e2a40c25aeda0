#!/usr/bin/env bash
# Instructions per request of the hello route with tracing off, on at 100% sampling (OTLP
# protobuf, the default; `json`: the same in OTLP JSON) and on at 10% (traceidratio 0.1, protobuf),
# exporting to the stand-in collector: the server runs under callgrind (all its threads, so the
# exporter's encoding and POSTs count too) for N1 and N2 requests; (I(N2) - I(N1)) / (N2 - N1)
# removes the start and the stop. Robust on a loaded machine, unlike wall-clock figures.
#   bench/tracing/callgrind.sh            # N1=200 N2=2200
#   BASE_LUXC=/path/to/other/build/luxc bench/tracing/callgrind.sh   # also `base`: the same
#                                         # route built by another luxc (tracing off before/after)
#   bench/tracing/breakdown.py build/bench-tracing   # then: where on - off goes, by part
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
OUT=${OUT:-$BUILD/bench-tracing}  # OUT=/tmp/x with BUILD_DIR=<another build>: measure that one
N1=${N1:-200}
N2=${N2:-2200}
# The exporter's schedule delay: long enough that batches go out full (512 spans, as on a busy
# server), so that the runs' POSTs do not depend on how fast the server runs under valgrind
# (with 200 ms the number of POSTs, and so on - off, moved by about ±150 from run to run).
DELAY=${DELAY:-10000}
mkdir -p "$OUT"
"$BUILD/luxc" build --release "$ROOT/bench/tracing/hello.lux" -o "$OUT/bin" >/dev/null
EXE=$OUT/bin/hello
if [ -n "${BASE_LUXC:-}" ]; then "$BASE_LUXC" build --release "$ROOT/bench/tracing/hello.lux" -o "$OUT/base" >/dev/null; fi
CPORT=${COLLECTOR_PORT:-8293}
COLLECTOR_EXE=$OUT/collector  # the native stand-in collector (bench/tracing/collector.cpp)
if [ ! -x "$COLLECTOR_EXE" ] || [ "$ROOT/bench/tracing/collector.cpp" -nt "$COLLECTOR_EXE" ]; then
  g++ -std=c++20 -O2 -o "$COLLECTOR_EXE" "$ROOT/bench/tracing/collector.cpp"
fi
"$COLLECTOR_EXE" "$CPORT" >"$OUT/collector.log" 2>&1 &
COLLECTOR=$!
sleep 0.2
kill -0 "$COLLECTOR" 2>/dev/null || { cat "$OUT/collector.log" >&2; exit 1; }  # e.g. its port is taken
trap 'kill -TERM $COLLECTOR 2>/dev/null || true' EXIT
instructions() {  # MODE N -> total instructions of the server's run
  local mode=$1 n=$2 port=${PORT:-8294} exe=$EXE
  local env=(LUX_THREADS=1 LUX_ACCESS_LOG=0)
  if [ "$mode" = base ]; then exe=$OUT/base/hello; fi
  if [ "$mode" = on ]; then
    env+=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$CPORT" OTEL_TRACES_SAMPLER=always_on OTEL_BSP_SCHEDULE_DELAY=$DELAY)
  elif [ "$mode" = json ]; then
    env+=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$CPORT" OTEL_TRACES_SAMPLER=always_on OTEL_BSP_SCHEDULE_DELAY=$DELAY
          OTEL_EXPORTER_OTLP_PROTOCOL=http/json)
  elif [ "$mode" = ratio ]; then
    env+=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$CPORT" OTEL_TRACES_SAMPLER=traceidratio OTEL_TRACES_SAMPLER_ARG=0.1
          OTEL_BSP_SCHEDULE_DELAY=$DELAY)
  fi
  env "${env[@]}" valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$mode.$n" "$exe" --host 127.0.0.1 --port $port \
    >"$OUT/server.$mode.$n.log" 2>&1 &
  local pid=$!
  python3 "$ROOT/bench/tracing/requests.py" $port "$n"
  kill -TERM $pid
  wait $pid || true
  awk '/^summary:/ {print $2}' "$OUT/cg.$mode.$n"
}
MODES=${MODES:-off on json ratio}
if [ -n "${BASE_LUXC:-}" ]; then MODES="base $MODES"; fi
for mode in $MODES; do
  a=$(instructions $mode "$N1")
  b=$(instructions $mode "$N2")
  echo "$mode $(( (b - a) / (N2 - N1) ))"
done | tee "$OUT/callgrind.txt"
python3 - "$OUT/callgrind.txt" <<'PY'
import sys
r = dict(l.split() for l in open(sys.argv[1]))
off, on = int(r["off"]), int(r["on"])
if "base" in r:
    base = int(r["base"])
    print(f"instructions per request, base (BASE_LUXC): {base:,}; off: {off:,} ({(off / base - 1) * 100:+.2f}%)")
print(f"instructions per request: off {off:,}, on (100% sampled, exported) {on:,}: +{(on / off - 1) * 100:.1f}%")
if "json" in r:
    js = int(r["json"])
    print(f"instructions per request: on in OTLP JSON (http/json): {js:,}: +{(js / off - 1) * 100:.1f}%")
if "ratio" in r:
    ratio = int(r["ratio"])
    print(f"instructions per request: on, traceidratio 0.1: {ratio:,}: +{(ratio / off - 1) * 100:.1f}%")
PY
