#!/usr/bin/env bash
# Server work per request of the runtime's JSON hello route (bench_server.cpp: request ids, the
# access log on) and of h2o serving the same body as a static file (access log to /dev/null), in
# figures a loaded machine does not move: user-space instructions counted by callgrind, and the
# system calls made (strace -c). Each server runs twice, answering N1 and then N2 keep-alive
# requests from one client outside the measured process (bench/tracing/requests.py); the
# difference divided by N2 - N1 is one request's share, start-up and shutdown cancelled
# (strace attaches after the start, so its difference removes only the shutdown).
#   bench/runtime/callgrind.sh                               # BUILD_DIR=build, N1=500 N2=2500
#   BASE_BUILD=/work/main/build bench/runtime/callgrind.sh   # also `base`: the runtime of another build
#   SHOW=1 ...                                               # the inclusive cost of the hot functions
#   H2O=0 ...                                                # without the h2o row
# h2o: the Debian package (`apt-get install h2o`); without it that row is left out.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bench/common.sh"
. "$ROOT/bench/runtime/h2o.sh"
BUILD=${BUILD_DIR:-$ROOT/build}
OUT=${OUT:-$BUILD/bench-runtime-cg}
N1=${N1:-500}
N2=${N2:-2500}
PORT=${PORT:-8391}
CXX=${CXX:-g++}
mkdir -p "$OUT"

cmake --build "$BUILD" --target lux_runtime -j2 >/dev/null
build_bench_server "$BUILD" "$OUT/lux"
SERVERS=(lux)
if [ -n "${BASE_BUILD:-}" ]; then
  build_bench_server "$BASE_BUILD" "$OUT/base"
  SERVERS=(base lux)
fi
if [ "${H2O:-1}" = 1 ] && command -v h2o >/dev/null; then
  h2o_config "$OUT" "$PORT" >"$OUT/h2o.conf"
  SERVERS+=(h2o)
fi

# The command line of server $1 (its access log: $OUT/$1.cg.N.log for lux, /dev/null for h2o).
server_cmd() {
  case $1 in
    h2o) echo h2o -c "$OUT/h2o.conf" ;;
    *) echo "$OUT/$1" ;;
  esac
}
export LUX_THREADS=1 PORT HOST=127.0.0.1

# run TOOL SERVER N: the server under valgrind (TOOL=cg) or strace (TOOL=st) answering N
# requests after the readiness probe; prints the total instructions or system calls. The
# server itself gets the SIGTERM.
run() {
  local tool=$1 name=$2 n=$3
  local out=$OUT/$name.$tool.$n pid tracer=
  read -r -a cmd <<<"$(server_cmd "$name")"
  if [ "$tool" = cg ]; then
    valgrind --tool=callgrind --callgrind-out-file="$out" "${cmd[@]}" >"$out.log" 2>&1 &
    pid=$!
  else
    # strace attaches once the server listens (all its threads), and ends when it exits.
    "${cmd[@]}" >"$out.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/hello" >/dev/null 2>&1 && break; sleep 0.05; done
    strace -f -c -o "$out" -p "$pid" 2>/dev/null &
    tracer=$!
    sleep 0.5
  fi
  python3 "$ROOT/bench/tracing/requests.py" "$PORT" "$n"
  kill -TERM "$pid"
  wait "$pid" || true
  if [ -n "$tracer" ]; then wait "$tracer" || true; fi
  if [ "$tool" = cg ]; then
    awk '/^summary:/ {print $2}' "$out"
  else
    awk '$NF == "total" {print $4}' "$out"
  fi
}

printf '| server | instructions per request (user space) | system calls per request |\n|---|---|---|\n'
: >"$OUT/per_request.txt"
for name in "${SERVERS[@]}"; do
  a=$(run cg "$name" "$N1")
  b=$(run cg "$name" "$N2")
  c=$(run st "$name" "$N1")
  d=$(run st "$name" "$N2")
  ins=$(python3 -c "print(round(($b - $a) / ($N2 - $N1)))")
  sys=$(python3 -c "print('%.2f' % (($d - $c) / ($N2 - $N1)))")
  echo "$name $ins $sys" >>"$OUT/per_request.txt"
  printf '| %s | %s | %s |\n' "$name" "$ins" "$sys"
done
if [ "${SHOW:-0}" = 1 ]; then
  for name in "${SERVERS[@]}"; do
    echo "== $name: system calls per request"
    python3 - "$OUT/$name.st.$N1" "$OUT/$name.st.$N2" "$N1" "$N2" <<'PY'
import sys
def calls(path):
    out = {}
    for line in open(path):
        f = line.split()
        if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
            out[f[-1]] = int(f[3])
    return out
a, b = calls(sys.argv[1]), calls(sys.argv[2])
n = int(sys.argv[4]) - int(sys.argv[3])
for name in sorted(b, key=lambda k: -(b[k] - a.get(k, 0))):
    d = (b[name] - a.get(name, 0)) / n
    if d >= 0.01: print(f"{d:8.2f}  {name}")
PY
    [ "$name" = h2o ] && continue
    echo "== $name: inclusive instructions per request (the N2 run's profile / N2)"
    callgrind_annotate --inclusive=yes --threshold=99 "$OUT/$name.cg.$N2" 2>/dev/null |
      awk -v n="$N2" '/^ *[0-9,]+ / {gsub(",", "", $1); if ($1 / n >= 40) printf "%8.0f  %s\n", $1 / n, substr($0, index($0, $2))}' |
      head -60 || true
  done
fi
