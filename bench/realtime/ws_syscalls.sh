#!/usr/bin/env bash
# System calls per echoed WebSocket message, by kind, for each server of ws_bench.sh: the server
# runs pinned to core 0 under `perf stat` with the syscall tracepoints (needs perf and
# perf_event_paranoid <= 2 for one's own processes), the native load client (ws_load.cpp) on core 1
# for SECS seconds. Counts do not move with the machine's load the way times do; the sends per
# message give the messages per batch (every server here sends once per batch of replies).
#   bench/realtime/ws_syscalls.sh [BUILD_DIR]   # CONNS=50 WINDOW=10 SIZE=64 SECS=3
# BASELINE=OTHER_BUILD_DIR adds that build's program; SERVERS="lux node bun" picks the servers.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(realpath -m "${1:-${BUILD_DIR:-$ROOT/build}}")
OUT=$BUILD/bench-ws
CONNS=${CONNS:-50} WINDOW=${WINDOW:-10} SIZE=${SIZE:-64} SECS=${SECS:-3}
mkdir -p "$OUT/npm"
cp "$ROOT/bench/realtime/ws_package.json" "$OUT/npm/package.json"
[ -d "$OUT/npm/node_modules/ws" ] || npm install --silent --no-audit --no-fund --prefix "$OUT/npm" >/dev/null
export NODE_PATH=$OUT/npm/node_modules
"$BUILD/luxc" build --release "$ROOT/bench/realtime/ws_echo.lux" -o "$OUT" >/dev/null
${CXX:-c++} -O2 -std=c++17 -o "$OUT/ws_load" "$ROOT/bench/realtime/ws_load.cpp"
BUN_BIN=$OUT/npm/node_modules/@oven/bun-linux-x64/bin/bun
if [ "$(uname -m)" = x86_64 ]; then  # as ws_bench.sh: npm's @oven/bun-linux-x64 carries Bun's binary
  [ -x "$BUN_BIN" ] || npm install --silent --no-audit --no-fund --prefix "$OUT/npm" @oven/bun-linux-x64@1.1.38 >/dev/null 2>&1 || true
fi
SERVERS=${SERVERS:-lux node bun}
if [ -n "${BASELINE:-}" ]; then
  mkdir -p "$OUT/base"
  "$(realpath -m "$BASELINE")/luxc" build --release "$ROOT/bench/realtime/ws_echo.lux" -o "$OUT/base" >/dev/null
  SERVERS="base $SERVERS"
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
EVENTS=raw_syscalls:sys_enter
for s in recvfrom sendto read write writev epoll_wait epoll_pwait epoll_pwait2 epoll_ctl; do EVENTS="$EVENTS,syscalls:sys_enter_$s"; done
PID=""
stop() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi; PID=""; }
trap stop EXIT
echo "server,syscall,per_message,count"
for srv in $SERVERS; do
  if [ $srv = bun ] && [ ! -x "$BUN_BIN" ]; then continue; fi
  port=$(free_port)
  case $srv in
    lux | base)
      exe=$OUT/ws_echo
      [ $srv = base ] && exe=$OUT/base/ws_echo
      LUX_THREADS=1 LUX_ACCESS_LOG=0 LUX_LOG_LEVEL=warn taskset -c 0 "$exe" --host 127.0.0.1 --port "$port" >/dev/null 2>&1 & ;;
    node) taskset -c 0 node "$ROOT/bench/realtime/ws_echo_node.js" "$port" >/dev/null 2>&1 & ;;
    bun) taskset -c 0 "$BUN_BIN" "$ROOT/bench/realtime/ws_echo_bun.js" "$port" >/dev/null 2>&1 & ;;
  esac
  PID=$!
  wait_port "$port"
  perf stat -x, -o "$OUT/syscalls.$srv" -e "$EVENTS" -p "$PID" &
  perf_pid=$!
  read -r _ total _ < <(taskset -c 1 "$OUT/ws_load" "ws://127.0.0.1:$port/echo" "$CONNS" "$WINDOW" "$SIZE" "$SECS")
  kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
  stop
  awk -F, -v t="$total" -v s="$srv" '$1 ~ /^[0-9]+$/ && $1 > 0 {n = $3; sub(/.*sys_enter_?/, "", n); if (n == "") n = "all"; printf "%s,%s,%.3f,%d\n", s, n, $1 / t, $1}' "$OUT/syscalls.$srv"
done
