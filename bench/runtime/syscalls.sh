#!/usr/bin/env bash
# Kernel and user work per request under load (wrk, $CONNS keep-alive connections), counted
# rather than timed: user and kernel instructions, context switches and each system call of the
# server, from perf's counters and syscall tracepoints over the wrk run, divided by the requests
# wrk completed. Servers: the runtime's bench_server.cpp (request ids and the access log on),
# optionally the same of another build (BASE_BUILD), and h2o serving the same body as a static
# file (bench/runtime/h2o.sh). Each server pinned to CPU 0, wrk to CPU 1; ROUNDS interleaved rounds.
#   bench/runtime/syscalls.sh                                # BUILD_DIR=build, 64 connections, 3 s
#   BASE_BUILD=/work/main/build-m ROUNDS=3 bench/runtime/syscalls.sh
# Needs perf with access to the syscalls:* tracepoints (root).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/bench/common.sh"
. "$ROOT/bench/runtime/h2o.sh"
BUILD=${BUILD_DIR:-$ROOT/build}
OUT=${OUT:-$BUILD/bench-runtime-sys}
CONNS=${CONNS:-64}
DURATION=${DURATION:-3}
ROUNDS=${ROUNDS:-1}
CXX=${CXX:-g++}
mkdir -p "$OUT"

cmake --build "$BUILD" --target lux_runtime -j2 >/dev/null
build_bench_server "$BUILD" "$OUT/lux"
NAMES=(lux) PORTS=(8491) PIDS=()
if [ -n "${BASE_BUILD:-}" ]; then
  build_bench_server "$BASE_BUILD" "$OUT/base"
  NAMES+=(base) PORTS+=(8492)
fi
if command -v h2o >/dev/null; then
  h2o_config "$OUT" 8493 >"$OUT/h2o.conf"
  NAMES+=(h2o) PORTS+=(8493)
fi
stop_all() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop_all EXIT
for i in "${!NAMES[@]}"; do
  case ${NAMES[$i]} in
    h2o) taskset -c 0 h2o -c "$OUT/h2o.conf" >"$OUT/h2o.log" 2>&1 & ;;
    *) LUX_THREADS=1 PORT=${PORTS[$i]} HOST=127.0.0.1 taskset -c 0 "$OUT/${NAMES[$i]}" >"$OUT/${NAMES[$i]}.log" 2>&1 & ;;
  esac
  PIDS+=($!)
done
for port in "${PORTS[@]}"; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/hello" >/dev/null 2>&1 && break; sleep 0.05; done
done
# h2o forks a worker: count the process that listens.
for i in "${!NAMES[@]}"; do
  if [ "${NAMES[$i]}" = h2o ]; then
    child=$(pgrep -P "${PIDS[$i]}" -x h2o | head -1 || true)
    [ -n "$child" ] && PIDS[$i]=$child
  fi
done

EVENTS=context-switches
for s in recvfrom read sendmsg sendto writev write epoll_wait epoll_ctl openat newfstat newfstatat pread64 close \
  clock_gettime timerfd_settime accept4; do
  EVENTS+=",syscalls:sys_enter_$s"
done
RES=$OUT/counts.txt
TCK=$(getconf CLK_TCK)
: >"$RES"
for round in $(seq 1 "$ROUNDS"); do
  for i in "${!NAMES[@]}"; do
    taskset -c 1 wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:${PORTS[$i]}/hello" >/dev/null
    # CPU time from /proc (user and system separately, in ns; printed per request in µs), in a
    # run of its own: the tracepoints perf counts below add to each system call's cost.
    read -r u0 s0 < <(awk '{print $14, $15}' "/proc/${PIDS[$i]}/stat")
    n=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:${PORTS[$i]}/hello" | awk '/requests in/ {print $1}')
    read -r u1 s1 < <(awk '{print $14, $15}' "/proc/${PIDS[$i]}/stat")
    echo "${NAMES[$i]} $n user-µs $(( (u1 - u0) * 1000000000 / TCK ))" >>"$RES"
    echo "${NAMES[$i]} $n sys-µs $(( (s1 - s0) * 1000000000 / TCK ))" >>"$RES"
    perf stat -x, -e "$EVENTS" -p "${PIDS[$i]}" -o "$OUT/perf.$round.$i" &
    perf_pid=$!
    sleep 0.2
    n=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:${PORTS[$i]}/hello" | awk '/requests in/ {print $1}')
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
    awk -F, -v name="${NAMES[$i]}" -v n="$n" '$1 ~ /^[0-9]+$/ {printf "%s %s %s %s\n", name, n, $3, $1}' "$OUT/perf.$round.$i" >>"$RES"
  done
done
python3 - "$RES" "${NAMES[@]}" <<'PY'
import sys, collections
rows = [l.split() for l in open(sys.argv[1])]
names = sys.argv[2:]
# per (server, event): list of per-request figures over the rounds; median reported
per = collections.defaultdict(list)
for name, n, event, count in rows:
    per[(name, event)].append(int(count) / int(n))
events = []
for _, _, e, _ in rows:
    if e not in events: events.append(e)
def med(v):
    v = sorted(v); return v[len(v) // 2]
print("| per request | " + " | ".join(names) + " |")
print("|---" * (len(names) + 1) + "|")
for e in events:
    vals = [med(per[(n, e)]) if per[(n, e)] else 0 for n in names]
    if all(v < 0.005 for v in vals): continue
    fmt = (lambda v: f"{v / 1000:.2f}") if e.endswith("-µs") else (lambda v: f"{v:.2f}")
    print(f"| {e.replace('syscalls:sys_enter_', '')} | " + " | ".join(fmt(v) for v in vals) + " |")
# CPU per request (user + sys) round by round, and each server's median ratio to the first one
total = collections.defaultdict(list)
for name, n, event, count in rows:
    if event == "user-µs": user = int(count) / int(n) / 1000
    if event == "sys-µs": total[name].append(user + int(count) / int(n) / 1000)
first = names[0]
for name in names:
    ratio = sorted(a / b for a, b in zip(total[name], total[first]))[len(total[name]) // 2]
    print(f"{name}: CPU µs per request by round {' '.join('%.2f' % v for v in total[name])}; "
          f"median ratio to {first} {ratio:.2f}")
PY
