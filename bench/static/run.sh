#!/usr/bin/env bash
# Static files: a release build of bench/static/static_bench.lux (`static "/" => "./site"`, one
# I/O thread, access log off) against nginx (Debian nginx-light: one worker, sendfile on,
# tcp_nopush on, access log off) serving the same directory: a 1 KiB HTML file, a 64 KiB script
# and a 1 MiB binary. Both pinned to CPU 0, wrk to CPU 1; RUNS rounds of DURATION per file and
# server, interleaved (round-robin), medians reported. Then the CPU cost per MB of gzip and
# Brotli (bench/static/codec_cost.cpp) on the Swagger UI bundle and a JSON document.
#   bench/static/run.sh                  # 3 x 5 s, 32 connections
#   RUNS=1 DURATION=2s BUILD_DIR=build bench/static/run.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(realpath -m "${BUILD_DIR:-$ROOT/build-bench}")
OUT=$BUILD/bench-static
RUNS=${RUNS:-3}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-32}
LUX_PORT=${LUX_PORT:-8191}
NGINX_PORT=${NGINX_PORT:-8192}
mkdir -p "$OUT/site" "$OUT/nginx/logs"

echo "== building" >&2
[ -f "$BUILD/build.ninja" ] || cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target lux_runtime lux_stdlib luxc -j2 >/dev/null
"$BUILD/luxc" build --release "$ROOT/bench/static/static_bench.lux" -o "$OUT/gen" >/dev/null
${CXX:-g++} -std=c++20 -O2 "$ROOT/bench/static/codec_cost.cpp" -lz -lbrotlienc -o "$OUT/codec_cost"

python3 - "$OUT/site" <<'PY'
import base64, os, sys
text = lambda n: base64.b64encode(os.urandom(n)).decode()[:n]
open(os.path.join(sys.argv[1], "small.html"), "w").write(text(1024))
open(os.path.join(sys.argv[1], "app.js"), "w").write(text(65536))
open(os.path.join(sys.argv[1], "large.bin"), "wb").write(os.urandom(1 << 20))
PY

cat >"$OUT/nginx/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path $OUT/nginx/tmp;
  proxy_temp_path $OUT/nginx/tmp;
  fastcgi_temp_path $OUT/nginx/tmp;
  uwsgi_temp_path $OUT/nginx/tmp;
  scgi_temp_path $OUT/nginx/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $OUT/site;
  }
}
CONF
mkdir -p "$OUT/nginx/tmp"

PIDS=()
stop_all() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop_all EXIT
(cd "$OUT" && LUX_THREADS=1 LUX_ACCESS_LOG=0 LUX_JOBS_PATH=:memory: exec taskset -c 0 "$OUT/gen/static_bench" \
   --host 127.0.0.1 --port "$LUX_PORT" >"$OUT/lux.log" 2>&1) &
PIDS+=($!)
taskset -c 0 nginx -p "$OUT/nginx" -c "$OUT/nginx/nginx.conf" -g 'daemon off;' >"$OUT/nginx.log" 2>&1 &
PIDS+=($!)
for port in "$LUX_PORT" "$NGINX_PORT"; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/small.html" >/dev/null && break; sleep 0.05; done
done
for f in small.html app.js large.bin; do
  for port in "$LUX_PORT" "$NGINX_PORT"; do
    cmp -s <(curl -s "http://127.0.0.1:$port/$f") "$OUT/site/$f" || { echo "port $port serves $f wrongly" >&2; exit 1; }
    taskset -c 1 wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:$port/$f" >/dev/null  # warm-up
  done
done

RESULTS=$OUT/results.txt
: >"$RESULTS"
for run in $(seq 1 "$RUNS"); do
  for f in small.html app.js large.bin; do
    for server in lux nginx; do
      port=$LUX_PORT
      [ "$server" = nginx ] && port=$NGINX_PORT
      out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$port/$f")
      if echo "$out" | grep -q "Non-2xx"; then echo "$server $f: non-2xx responses!" >&2; fi
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      mbs=$(echo "$out" | awk '/Transfer\/sec/ {v=$2; if (v ~ /GB/) {sub("GB","",v); v*=1024} else if (v ~ /KB/) {sub("KB","",v); v/=1024} else {sub("MB","",v)}; print v}')
      echo "$f $server $rps $mbs" >>"$RESULTS"
    done
  done
  echo "run $run done" >&2
done
stop_all
trap - EXIT

python3 - "$RESULTS" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(sys.argv[1]):
    f, server, rps, mbs = line.split()
    rows[f][server].append((float(rps), float(mbs)))
print("| file | lux req/s | nginx req/s | lux MB/s | nginx MB/s | lux / nginx (median of rounds) |")
print("|---|---|---|---|---|---|")
for f, by in rows.items():
    lux, ngx = by["lux"], by["nginx"]
    ratio = statistics.median(a[0] / b[0] for a, b in zip(lux, ngx))
    print(f"| {f} | {statistics.median(r for r, _ in lux):,.0f} | {statistics.median(r for r, _ in ngx):,.0f} "
          f"| {statistics.median(m for _, m in lux):,.1f} | {statistics.median(m for _, m in ngx):,.1f} | {ratio:.2f} |")
PY

echo "== gzip vs Brotli: CPU per MB (one thread)" >&2
SWAGGER=$(find "$BUILD" -name swagger-ui-bundle.js -path '*swagger-ui-dist*' | head -1)
python3 -c "import json; print(json.dumps([{'id': i, 'name': f'item {i}', 'tags': ['alpha', 'beta'], 'price': i * 1.25} for i in range(20000)]))" >"$OUT/items.json"
"$OUT/codec_cost" "$SWAGGER" "$OUT/items.json"
