#!/usr/bin/env bash
# WebSocket bench: echo messages/s of one server on one core (the lux server built with
# `luxc build --release` from ws_echo.lux, LUX_THREADS=1, pinned to core 0) against Node's `ws`
# package (ws_package.json pins it; pinned to core 0 too), the load client pinned to core 1, the two
# servers taking turns in each of RUNS rounds; then the resident memory of the lux server holding
# IDLE idle connections (VmRSS after they are all open, minus before, per connection).
# The load client is ws_load.cpp (built here with c++ -O2), which sends the echoes one read
# brought back in one send and needs about a third of a server's CPU per message, so that the
# server, not the client, is the limit; CLIENT=node uses ws_load.js (Node's `ws`, one send per
# message), which tops out near the servers' own rate. Each round prints the server's and the
# client's CPU time per message.
#   bench/realtime/ws_bench.sh [BUILD_DIR]   # RUNS=3 CONNS=50 WINDOW=10 SIZE=64 SECS=5 IDLE=10000
# BASELINE=OTHER_BUILD_DIR adds a third server to every round: the same program built by that
# build's luxc (another branch), so that a change is measured side by side. IDLE=0 skips the idle part.
# Bun (ws_echo_bun.js, Bun.serve's own WebSocket server) runs too when its binary installs: it is
# not packaged by Debian, but npm's @oven/bun-linux-x64 carries it (x86-64 Linux only; BUN=0 skips it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(realpath -m "${1:-${BUILD_DIR:-$ROOT/build}}")
OUT=$BUILD/bench-ws
RUNS=${RUNS:-3} CONNS=${CONNS:-50} WINDOW=${WINDOW:-10} SIZE=${SIZE:-64} SECS=${SECS:-5} IDLE=${IDLE:-10000}
mkdir -p "$OUT/npm"
cp "$ROOT/bench/realtime/ws_package.json" "$OUT/npm/package.json"
[ -d "$OUT/npm/node_modules/ws" ] || npm install --silent --no-audit --no-fund --prefix "$OUT/npm" >/dev/null
export NODE_PATH=$OUT/npm/node_modules
"$BUILD/luxc" build --release "$ROOT/bench/realtime/ws_echo.lux" -o "$OUT" >/dev/null
CLIENT=${CLIENT:-native}
if [ "$CLIENT" = native ]; then
  ${CXX:-c++} -O2 -std=c++17 -o "$OUT/ws_load" "$ROOT/bench/realtime/ws_load.cpp"
  LOAD=("$OUT/ws_load")
else
  LOAD=(node "$ROOT/bench/realtime/ws_load.js")
fi
LUX=$OUT/ws_echo
SERVERS="lux node"
BUN_BIN=$OUT/npm/node_modules/@oven/bun-linux-x64/bin/bun
if [ "${BUN:-1}" = 1 ] && [ "$(uname -m)" = x86_64 ]; then
  [ -x "$BUN_BIN" ] || npm install --silent --no-audit --no-fund --prefix "$OUT/npm" @oven/bun-linux-x64@1.1.38 >/dev/null 2>&1 || true
  [ -x "$BUN_BIN" ] && SERVERS="$SERVERS bun"
fi
if [ -n "${BASELINE:-}" ]; then
  mkdir -p "$OUT/base"
  "$(realpath -m "$BASELINE")/luxc" build --release "$ROOT/bench/realtime/ws_echo.lux" -o "$OUT/base" >/dev/null
  SERVERS="base $SERVERS"
fi
ulimit -n "$(ulimit -Hn)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
# CPU time the server ran (all its threads, /proc schedstat): per message it is the figure that
# the other processes of a loaded machine do not move, where messages/s drops when the server
# waits for a core (runnable, not running) every time it wakes.
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ns += $1} END {printf "%d", ns}'; }
PID=""
stop() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi; PID=""; }
trap stop EXIT

echo "case,round,server,value"
for r in $(seq 1 "$RUNS"); do
  for srv in $SERVERS; do
    port=$(free_port)
    if [ $srv = lux ] || [ $srv = base ]; then
      exe=$LUX
      [ $srv = base ] && exe=$OUT/base/ws_echo
      LUX_THREADS=1 LUX_ACCESS_LOG=0 LUX_LOG_LEVEL=warn taskset -c 0 "$exe" --host 127.0.0.1 --port "$port" >"$OUT/$srv.log" 2>&1 &
    elif [ $srv = bun ]; then
      taskset -c 0 "$BUN_BIN" "$ROOT/bench/realtime/ws_echo_bun.js" "$port" >"$OUT/$srv.log" 2>&1 &
    else
      taskset -c 0 node "$ROOT/bench/realtime/ws_echo_node.js" "$port" >"$OUT/$srv.log" 2>&1 &
    fi
    PID=$!
    wait_port "$port"
    cpu0=$(cpu_ns "$PID")
    read -r v total client_ns < <(taskset -c 1 "${LOAD[@]}" "ws://127.0.0.1:$port/echo" "$CONNS" "$WINDOW" "$SIZE" "$SECS")
    cpu1=$(cpu_ns "$PID")
    echo "echo_msgs_per_s,$r,$srv,$v"
    echo "server_cpu_ns_per_msg,$r,$srv,$(( (cpu1 - cpu0) / total ))"
    echo "client_cpu_ns_per_msg,$r,$srv,$client_ns"
    stop
  done
done

# Idle connections: the server's resident memory before and after IDLE connections are open.
[ "$IDLE" -gt 0 ] || exit 0
port=$(free_port)
LUX_THREADS=1 LUX_ACCESS_LOG=0 LUX_LOG_LEVEL=warn "$LUX" --host 127.0.0.1 --port "$port" >"$OUT/idle.log" 2>&1 &
PID=$!
wait_port "$port"
rss() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }
before=$(rss)
# The client holds its connections while its stdin stays open (the sleep), then exits.
(sleep 120 | node "$ROOT/bench/realtime/ws_idle.js" "ws://127.0.0.1:$port/echo" "$IDLE" >"$OUT/idle_client.log" 2>&1 &)
for _ in $(seq 1 240); do grep -q '^open' "$OUT/idle_client.log" 2>/dev/null && break; sleep 0.5; done
sleep 1
after=$(rss)
echo "idle_rss_kib_before,1,lux,$before"
echo "idle_rss_kib_after_${IDLE},1,lux,$after"
echo "idle_bytes_per_connection,1,lux,$(( (after - before) * 1024 / IDLE ))"
stop  # the client exits when its connections close
