#!/usr/bin/env bash
# Data bench: create and find (a) through an HTTP route of lux_db_server (wrk), next to
# its /echo routes (the same HTTP request and response without the database), (b) through the
# runtime's db layer in-process (layer.cpp, no HTTP), (c) directly on the SQLite C API
# (direct.cpp: the same statements on one connection). Everything under test is pinned to CPU 0,
# wrk to CPU 1; RUNS rounds, each measuring (a), (b), (c) side by side on a fresh database file
# in $OUT; medians reported, with the overhead ratios. Then (d) the same HTTP routes with the
# database on PostgreSQL (LUX_DB_URL, a throwaway cluster started here on 127.0.0.1 with
# fsync=off, pinned to CPU 0 with the server, a fresh database per round); PG=0 skips it.
#   BUILD_DIR=build-db bench/db/run.sh          # RUNS=3 DURATION=3 (seconds) CONNS=16 PG=1
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bench/common.sh"
BUILD=${BUILD_DIR:-$ROOT/build-bench}
OUT=$BUILD/bench-db
RUNS=${RUNS:-3}
DURATION=${DURATION:-3}
CONNS=${CONNS:-16}
PORT=${PORT:-18431}
PG=${PG:-1}
mkdir -p "$OUT"

echo "== building" >&2
[ -f "$BUILD/build.ninja" ] || cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target lux_runtime lux_db_server -j2 >/dev/null
mapfile -t RT_LIBS < <(lux_runtime_libs "$BUILD")
CXX=${CXX:-g++}
$CXX -std=c++20 -O2 -DNDEBUG "$ROOT/bench/db/direct.cpp" -lsqlite3 -o "$OUT/direct"
$CXX -std=c++20 -O2 -DNDEBUG -I"$ROOT/runtime/include" "$ROOT/bench/db/layer.cpp" \
  "${RT_LIBS[@]}" -o "$OUT/layer"

wait_port() {
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "server on $1 did not come up" >&2
  return 1
}
rps() { awk '/Requests\/sec/ {print $2}'; }

# (d): a PostgreSQL cluster for the whole run (as the postgres user when root: it refuses root).
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort | tail -1)
if [ "$PG" = 1 ]; then
  [ -x "$PGBIN/postgres" ] || { echo "postgresql is not installed (.ci/deps.sh); PG=0 skips (d)" >&2; exit 1; }
  PGDIR=$(mktemp -d /tmp/lux_bench_pg_XXXXXX)
  AS=()
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PGDIR"; AS=(runuser -u postgres --); fi
  "${AS[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U lux -A trust -E UTF8 --no-sync --no-instructions >"$OUT/initdb.log"
  PGPORT=$((PORT + 1))
  "${AS[@]}" taskset -c 0 "$PGBIN/postgres" -D "$PGDIR/data" -p "$PGPORT" -h 127.0.0.1 -k "$PGDIR" \
    -c fsync=off -c synchronous_commit=off >"$OUT/postgres.log" 2>&1 &
  pgpid=$!
  # Fast shutdown of the postmaster itself (runuser does not pass SIGINT on), then its files.
  trap 'kill -INT "$(head -1 "$PGDIR/data/postmaster.pid" 2>/dev/null)" 2>/dev/null; wait $pgpid 2>/dev/null; rm -rf "$PGDIR"' EXIT
  for _ in $(seq 1 100); do "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" && break; sleep 0.1; done
fi
# wrk against lux_db_server with the given environment: create then find -> raw.txt as
# <name>_create / <name>_find; ECHO=1 adds the /echo baselines (the same HTTP work, no database).
http_round() {
  local r=$1 name=$2
  shift 2
  env "$@" PORT=$PORT HOST=127.0.0.1 LUX_THREADS=1 LUX_ACCESS_LOG=0 \
    taskset -c 0 "$BUILD/runtime/lux_db_server" >"$OUT/server.log" 2>&1 &
  local pid=$!
  wait_port "$PORT"
  local out rows
  out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$ROOT/bench/db/post.lua" "http://127.0.0.1:$PORT/items")
  echo "$out" | grep -q "Non-2xx" && echo "POST: non-2xx responses!" >&2
  echo "$r ${name}_create $(echo "$out" | rps)" >>"$OUT/raw.txt"
  rows=$(curl -sf "http://127.0.0.1:$PORT/items/count" | python3 -c 'import sys, json; print(json.load(sys.stdin)["count"])')
  out=$(ROWS=$rows taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$ROOT/bench/db/get.lua" "http://127.0.0.1:$PORT")
  echo "$out" | grep -q "Non-2xx" && echo "GET: non-2xx responses!" >&2
  echo "$r ${name}_find $(echo "$out" | rps)" >>"$OUT/raw.txt"
  if [ "${ECHO:-0}" = 1 ]; then
    out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$ROOT/bench/db/post.lua" "http://127.0.0.1:$PORT/echo")
    echo "$r ${name}_echo_post $(echo "$out" | rps)" >>"$OUT/raw.txt"
    out=$(PREFIX=/echo/ ROWS=$rows taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$ROOT/bench/db/get.lua" "http://127.0.0.1:$PORT")
    echo "$r ${name}_echo_get $(echo "$out" | rps)" >>"$OUT/raw.txt"
  fi
  kill -TERM $pid && wait $pid || true
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: >"$OUT/raw.txt"
for r in $(seq 1 "$RUNS"); do
  rm -f "$OUT"/*.db "$OUT"/*.db-wal "$OUT"/*.db-shm
  taskset -c 0 "$OUT/direct" "$OUT/direct.db" "$DURATION" 2>/dev/null | sed "s/^/$r direct_/" >>"$OUT/raw.txt"
  taskset -c 0 "$OUT/layer" "$OUT/layer.db" "$DURATION" 2>/dev/null | sed "s/^/$r layer_/" >>"$OUT/raw.txt"
  ECHO=1 http_round "$r" http LUX_DB_PATH="$OUT/http.db"
  if [ "$PG" = 1 ]; then
    "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U lux "bench$r"
    http_round "$r" pg LUX_DB_URL="postgres://lux@127.0.0.1:$PGPORT/bench$r"
  fi
  echo "== round $r done" >&2
done

echo "== $RUNS rounds x ${DURATION}s, wrk -t1 -c$CONNS; ops/s per round, then the median"
keys="direct_create layer_create http_create http_echo_post direct_find layer_find http_find http_echo_get"
[ "$PG" = 1 ] && keys="$keys pg_create pg_find"
for k in $keys; do
  printf '%-14s %s | %s\n' "$k" "$(awk -v k="$k" '$2==k {printf "%s ", $3}' "$OUT/raw.txt")" \
    "$(awk -v k="$k" '$2==k {print $3}' "$OUT/raw.txt" | median)"
done | tee "$OUT/table.txt"
awk '{print $1, $NF}' "$OUT/table.txt" >"$OUT/medians.txt"
python3 - "$OUT/medians.txt" <<'PY'
import sys
m = {k: float(v) for k, v in (l.split() for l in open(sys.argv[1]))}
base = {"create": "http_echo_post", "find": "http_echo_get"}
for op in ("create", "find"):
    print(f"{op}: direct/layer {m['direct_'+op]/m['layer_'+op]:.2f}x (db layer cost), direct/http {m['direct_'+op]/m['http_'+op]:.2f}x, "
          f"http {op}/{base[op]} {m['http_'+op]/m[base[op]]:.2f} (HTTP without the db = 1.00)")
    if 'pg_' + op in m:
        print(f"{op} on PostgreSQL: {m['pg_'+op]:.0f}/s, {m['pg_'+op]/m['http_'+op]:.2f}x of the same route on SQLite")
PY
