#!/usr/bin/env bash
# User-space instructions per request under concurrent load, counted by callgrind: the server
# (bench_server.cpp of BUILD_DIR, of BASE_BUILD when given, and h2o) runs under valgrind while
# wrk keeps $CONNS keep-alive connections busy, once for S1 and once for S2 seconds; the
# difference in instructions over the difference in requests is one request's share, start-up
# and shutdown cancelled. Unlike callgrind.sh (one client, one request at a time) this includes
# what batching over many ready connections saves (h2o's one epoll_wait for many requests).
#   bench/runtime/callgrind_load.sh                                   # CONNS=64 S1=3 S2=9
#   BASE_BUILD=/work/main/build-m bench/runtime/callgrind_load.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bench/common.sh"
. "$ROOT/bench/runtime/h2o.sh"
BUILD=${BUILD_DIR:-$ROOT/build}
OUT=${OUT:-$BUILD/bench-runtime-cgload}
CONNS=${CONNS:-64}
S1=${S1:-3}
S2=${S2:-9}
PORT=${PORT:-8691}
CXX=${CXX:-g++}
mkdir -p "$OUT"

cmake --build "$BUILD" --target lux_runtime -j2 >/dev/null
build_bench_server "$BUILD" "$OUT/lux"
SERVERS=(lux)
if [ -n "${BASE_BUILD:-}" ]; then
  build_bench_server "$BASE_BUILD" "$OUT/base"
  SERVERS=(base lux)
fi
if command -v h2o >/dev/null; then
  h2o_config "$OUT" "$PORT" >"$OUT/h2o.conf"
  SERVERS+=(h2o)
fi
export LUX_THREADS=1 PORT HOST=127.0.0.1

# run SERVER SECONDS: prints "instructions requests" (all processes valgrind followed).
run() {
  local name=$1 secs=$2 pid n
  rm -f "$OUT/$name.cg.$secs".*
  local cmd=("$OUT/$name")
  [ "$name" = h2o ] && cmd=(h2o -c "$OUT/h2o.conf")
  valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$OUT/$name.cg.$secs.%p" "${cmd[@]}" \
    >"$OUT/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/hello" >/dev/null 2>&1 && break; sleep 0.1; done
  n=$(wrk -t1 -c"$CONNS" -d"${secs}s" "http://127.0.0.1:$PORT/hello" | awk '/requests in/ {print $1}')
  kill -TERM "$pid"
  wait "$pid" || true
  sleep 0.5
  echo "$(cat "$OUT/$name.cg.$secs".* | awk '/^summary:/ {s += $2} END {print s}') $((n + 1))"
}

printf '| server | user-space instructions per request, %d connections |\n|---|---|\n' "$CONNS"
for name in "${SERVERS[@]}"; do
  read -r i1 n1 < <(run "$name" "$S1")
  read -r i2 n2 < <(run "$name" "$S2")
  printf '| %s | %s |\n' "$name" "$(python3 -c "print(f'{($i2 - $i1) / ($n2 - $n1):,.0f}')")"
done
