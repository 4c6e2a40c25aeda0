#!/usr/bin/env bash
# Instructions per request of the hello route with and without `cors` + an in-memory
# `rate_limit` (bench/http_blocks/*.lux), counted by callgrind: a figure a loaded machine does
# not move. Each server (--release, one I/O thread, no access log) runs under callgrind twice,
# answering N1 and then N2 keep-alive requests from one curl (with an `Origin` header); the
# difference divided by N2 - N1 is the cost of one request, start-up and shutdown cancelled.
# With SHOW=1 it also prints the inclusive cost per request of the functions that matter for
# the blocks (from the N2 run's profile, divided by N2).
#   bench/http_blocks/callgrind.sh                 # LUXC=build/luxc, N1=500, N2=2500
#   LUXC=/work/main/build/luxc OUT=/tmp/cg-main bench/http_blocks/callgrind.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LUXC=${LUXC:-$ROOT/build/luxc}
OUT=${OUT:-$ROOT/build/bench-http-blocks-cg}
N1=${N1:-500}
N2=${N2:-2500}
PORT=${PORT:-8193}
mkdir -p "$OUT"
for v in plain blocks; do
  "$LUXC" build --release "$ROOT/bench/http_blocks/hello_$v.lux" -o "$OUT/$v" >/dev/null
done

# Total instructions of one server run answering $2 requests; the profile goes to $3.
count() {
  local exe=$1 n=$2 profile=$3
  LUX_THREADS=1 LUX_ACCESS_LOG=0 valgrind --tool=callgrind --callgrind-out-file="$profile" \
    "$exe" --host 127.0.0.1 --port "$PORT" >"$profile.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 400); do curl -sf "http://127.0.0.1:$PORT/hello" >/dev/null 2>&1 && break; sleep 0.05; done
  local cfg=$OUT/urls.txt
  : >"$cfg"
  for _ in $(seq 1 "$n"); do printf 'url = "http://127.0.0.1:%s/hello"\noutput = "/dev/null"\n' "$PORT" >>"$cfg"; done
  curl -s -H "Origin: http://localhost:5173" -K "$cfg" >/dev/null
  kill -TERM "$pid"
  wait "$pid" || true
  # One request more than n: the readiness probe above.
  awk '/^summary:/ {print $2} /^totals:/ {print $2}' "$profile" | head -1
}

printf '| server | instructions per request |\n|---|---|\n'
for v in plain blocks; do
  exe=$OUT/$v/hello_$v
  a=$(count "$exe" "$N1" "$OUT/$v.$N1.cg")
  b=$(count "$exe" "$N2" "$OUT/$v.$N2.cg")
  per=$(python3 -c "print(round(($b - $a) / ($N2 - $N1)))")
  echo "$v $per" >>"$OUT/per_request.txt"
  printf '| %s | %s |\n' "hello_$v" "$per"
done
if [ "${SHOW:-0}" = 1 ]; then
  callgrind_annotate --inclusive=yes --threshold=100 "$OUT/blocks.$N2.cg" 2>/dev/null |
    grep -E 'Cors|RateLimit|MemoryStore|RunChain|AddVary|Mark|ClientKey|Headers::|Dispatch|BuildHead|_Hash_bytes|clock_gettime|pthread_mutex|malloc|free' |
    awk -v n="$N2" '{gsub(",", "", $1); printf "%10.0f  %s\n", $1 / n, substr($0, index($0, $2))}' | head -40
fi
