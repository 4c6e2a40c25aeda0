#!/usr/bin/env bash
# What TLS costs a WebSocket echo: the same echo server over ws:// (bench/realtime/ws_echo.lux)
# and over wss:// (wss_echo.lux: the same program with a `tls` block; a self-signed P-256 pair
# made here), both `luxc build --release`, LUX_THREADS=1.
#   bench/realtime/wss_bench.sh [BUILD_DIR]   # CONNS=10 WINDOW=10 SIZE=64 COUNT=20000 RUNS=3 SECS=5
# Two parts:
#  1. instructions per echoed message (callgrind, every thread of the server), the figure a
#     loaded machine does not move: ws_count.js echoes WARM messages, the counters are zeroed,
#     COUNT more are echoed, the counters are dumped (as ws_instructions.sh). CALLGRIND=0 skips it.
#  2. messages/s and server CPU ns per message (schedstat), the server pinned to core 0 and the
#     load client (ws_load.js) to core 1, ws and wss taking turns in each of RUNS rounds. The
#     wall-clock figures mean something on a quiet machine only. RUNS=0 skips it.
# The Node clients accept the self-signed certificate through NODE_TLS_REJECT_UNAUTHORIZED=0.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(realpath -m "${1:-${BUILD_DIR:-$ROOT/build}}")
CONNS=${CONNS:-10} WINDOW=${WINDOW:-10} SIZE=${SIZE:-64} WARM=${WARM:-2000} COUNT=${COUNT:-20000}
RUNS=${RUNS:-3} SECS=${SECS:-5} LOAD_CONNS=${LOAD_CONNS:-50}
WORK=${WORK:-/tmp/lux-wss-bench}
mkdir -p "$WORK/npm"
cp "$ROOT/bench/realtime/ws_package.json" "$WORK/npm/package.json"
[ -d "$WORK/npm/node_modules/ws" ] || npm install --silent --no-audit --no-fund --prefix "$WORK/npm" >/dev/null
export NODE_PATH=$WORK/npm/node_modules NODE_TLS_REJECT_UNAUTHORIZED=0 NODE_NO_WARNINGS=1
"$BUILD/luxc" build --release "$ROOT/bench/realtime/ws_echo.lux" -o "$WORK" >/dev/null
"$BUILD/luxc" build --release "$ROOT/bench/realtime/wss_echo.lux" -o "$WORK" >/dev/null
[ -f "$WORK/cert.pem" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
export TLS_CERT=$WORK/cert.pem TLS_KEY=$WORK/key.pem

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ns += $1} END {printf "%d", ns}'; }
exe() { [ "$1" = ws ] && echo "$WORK/ws_echo" || echo "$WORK/wss_echo"; }
url() { echo "$1://127.0.0.1:$2/echo"; }
PID=""
stop() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi; PID=""; }
trap stop EXIT

echo "case,round,server,value"
# One mode under callgrind, in a subshell of its own (one coproc per shell).
instructions() (
  mode=$1
  port=$(free_port)
  rm -f "$WORK"/callgrind.out.*
  LUX_THREADS=1 LUX_ACCESS_LOG=0 LUX_LOG_LEVEL=warn valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out.%p" \
    "$(exe "$mode")" --host 127.0.0.1 --port "$port" >"$WORK/callgrind_$mode.log" 2>&1 &
  pid=$!
  wait_port "$port"
  coproc CLIENT { node "$ROOT/bench/realtime/ws_count.js" "$(url "$mode" "$port")" "$CONNS" "$WINDOW" "$SIZE" "$WARM" "$COUNT"; }
  read -r line <&"${CLIENT[0]}"  # ready
  callgrind_control -z "$pid" >/dev/null 2>&1
  echo go >&"${CLIENT[1]}"
  read -r line <&"${CLIENT[0]}"  # done
  callgrind_control -d "$pid" >/dev/null 2>&1
  kill "$pid"; wait "$pid" 2>/dev/null || true
  ir=$(cat "$WORK"/callgrind.out.*.* 2>/dev/null | awk '/^summary:/ {s += $2} END {print s}')
  echo "instructions_per_message,1,$mode,$(( ir / COUNT ))"
  # Where they went (self cost by function), for bench/README.md's breakdown.
  callgrind_annotate "$(ls -S "$WORK"/callgrind.out.*.* | head -1)" 2>/dev/null | head -40 >"$WORK/top_$mode.txt" || true
)
if [ "${CALLGRIND:-1}" = 1 ]; then
  instructions ws
  instructions wss
fi
for r in $(seq 1 "$RUNS"); do
  for mode in ws wss; do
    port=$(free_port)
    LUX_THREADS=1 LUX_ACCESS_LOG=0 LUX_LOG_LEVEL=warn taskset -c 0 "$(exe $mode)" --host 127.0.0.1 --port "$port" >"$WORK/$mode.log" 2>&1 &
    PID=$!
    wait_port "$port"
    cpu0=$(cpu_ns "$PID")
    read -r v total < <(taskset -c 1 node "$ROOT/bench/realtime/ws_load.js" "$(url $mode "$port")" "$LOAD_CONNS" "$WINDOW" "$SIZE" "$SECS")
    cpu1=$(cpu_ns "$PID")
    echo "echo_msgs_per_s,$r,$mode,$v"
    echo "server_cpu_ns_per_msg,$r,$mode,$(( (cpu1 - cpu0) / total ))"
    stop
  done
done
