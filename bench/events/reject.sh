#!/usr/bin/env bash
# A call refused by an open breaker, from Lux (bench/events/reject.lux): the server's
# instructions per request (callgrind; runs of N and 2N requests, difference / N, so start-up
# and the breaker's opening call cancel out) for /deferred (the call as a whole statement of the
# handler), /expr (the same call inside an expression), /thrown (the same call inside a lambda
# called through a function value: it raises, a C++ exception to the route's answer), /lambda
# (inside a lambda `map` calls), /shared (in a shared `var`'s update, under its lock), /finally
# (in a `finally` body) and /base (the same 500 answer without a call); /mw/expr, /mw/thrown and
# /mw/base the same under a group's middleware function and a route modifier; and for jobs, per
# request that spawns one (the run waits until every job is done):
# /job (the call inside an expression of a job: refused, then the dead letter), /job_thrown (in
# the job, raised) and /job_base (a job without a call, which completes). The
# refusal itself is deferred - base (expr - base inside an expression); the exception's share is
# thrown - expr (job_thrown - job in a job). With wrk, also the server's CPU time per request
# (from /proc) of each route at full load, a core for the server.
#   bench/events/reject.sh BUILD_DIR     # N=2000 WRK_SECS=3 (WRK_SECS=0: no wrk run)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bench/common.sh"
BUILD=$(realpath "$1")
OUT=${OUT:-$BUILD/bench-events/reject}  # OUT=DIR: elsewhere (a baseline build tree stays untouched)
N=${N:-2000} WRK_SECS=${WRK_SECS:-3}
mkdir -p "$OUT"
export LUX_LOG_LEVEL=${LUX_LOG_LEVEL:-off} LUX_JOBS_PATH=:memory:
export LUX_ADMIN_TOKEN=bench-reject  # /_lux/jobs: when the spawned jobs are done
export LUX_PROGRAM_SECRET=${LUX_PROGRAM_SECRET:-$(openssl rand -hex 32)}  # it calls RPC functions
"$BUILD/luxc" build --release "$ROOT/bench/events/reject.lux" -o "$OUT/bin" >/dev/null
BIN=$OUT/bin/reject-front
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 1 3000); do curl -s -o /dev/null "http://127.0.0.1:$1/base" && return 0; sleep 0.1; done; return 1; }
# hit PORT PATH COUNT: COUNT keep-alive GETs, each answered 500.
hit() {
  python3 - "$@" <<'PY'
import http.client, sys
port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
for _ in range(n):
    c.request("GET", path)
    r = c.getresponse(); r.read()
    if r.status != 500: sys.exit(f"{path}: {r.status}")
PY
}
# jobs_done PORT: waits until no job is pending, scheduled or running.
jobs_done() {
  python3 - "$1" <<'PY'
import json, sys, time, urllib.request
port = int(sys.argv[1])
for _ in range(6000):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/_lux/jobs", headers={"Authorization": "Bearer bench-reject"})
    c = json.load(urllib.request.urlopen(req, timeout=30))["counts"]
    if c["pending"] + c["scheduled"] + c["running"] == 0:
        sys.exit(0)
    time.sleep(0.1)
sys.exit("jobs still running")
PY
}
declare -A IR
for path in /deferred /expr /thrown /lambda /shared /finally /base /mw/expr /mw/thrown /mw/base /job /job_thrown /job_base; do
  for n in "$N" $((2 * N)); do
    port=$(free_port)
    valgrind --tool=callgrind --callgrind-out-file="$OUT/cg${path//\//.}.$n" "$BIN" --host 127.0.0.1 --port "$port" >/dev/null 2>&1 &
    pid=$!
    wait_up "$port"
    hit "$port" "$path" 1  # the first call fails and opens the breaker
    hit "$port" "$path" "$n"
    case $path in /job*) jobs_done "$port" ;; esac
    kill -TERM "$pid"; wait "$pid" || true
    IR[$path.$n]=$(sed -n 's/^summary: //p' "$OUT/cg${path//\//.}.$n")
  done
  echo "instructions_per_request ${path#/} $(( (IR[$path.$((2 * N))] - IR[$path.$N]) / N ))"
done | tee "$OUT/instructions.txt"
ir() { awk -v p="$1" '$1=="instructions_per_request" && $2==p {print $3}' "$OUT/instructions.txt"; }
b=$(ir base)
echo "refusal_itself_instructions $(($(ir deferred) - b)) expr_refusal_instructions $(($(ir expr) - b))" \
  "thrown_refusal_instructions $(($(ir thrown) - b)) exception_share_instructions $(($(ir thrown) - $(ir expr)))" \
  | tee -a "$OUT/instructions.txt"
echo "lambda_refusal_instructions $(($(ir lambda) - b)) shared_refusal_instructions $(($(ir shared) - b))" \
  "finally_refusal_instructions $(($(ir finally) - b))" \
  | tee -a "$OUT/instructions.txt"
echo "middleware_refusal_instructions $(($(ir mw/expr) - $(ir mw/base))) middleware_thrown_refusal_instructions" \
  "$(($(ir mw/thrown) - $(ir mw/base))) middleware_exception_share_instructions $(($(ir mw/thrown) - $(ir mw/expr)))" \
  | tee -a "$OUT/instructions.txt"
echo "job_refusal_instructions $(($(ir job) - $(ir job_base))) job_thrown_refusal_instructions" \
  "$(($(ir job_thrown) - $(ir job_base))) job_exception_share_instructions $(($(ir job_thrown) - $(ir job)))" \
  | tee -a "$OUT/instructions.txt"
[ "$WRK_SECS" = 0 ] && exit 0
for path in /base /deferred /expr /thrown /lambda /shared /finally /mw/base /mw/expr /mw/thrown /base /deferred /expr /thrown /lambda /shared /finally /mw/base /mw/expr /mw/thrown; do
  port=$(free_port)
  taskset -c 0 "$BIN" --host 127.0.0.1 --port "$port" >/dev/null 2>&1 &
  pid=$!
  wait_up "$port"
  hit "$port" "$path" 1
  t0=$(cpu_ticks "$pid")
  reqs=$(taskset -c 1 wrk -t1 -c16 -d"${WRK_SECS}s" "http://127.0.0.1:$port$path" | awk '/^Requests\/sec/ {print $2}')
  t1=$(cpu_ticks "$pid")
  kill -TERM "$pid"; wait "$pid" || true
  awk -v p="${path#/}" -v r="$reqs" -v d="$((t1 - t0))" -v s="$WRK_SECS" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "cpu %s req_s=%.0f cpu_ns_per_request=%.0f\n", p, r, d / hz * 1e9 / (r * s) }'
done | tee "$OUT/cpu.txt"
