#!/usr/bin/env bash
# Instructions per echoed WebSocket message (callgrind), a figure that does not move with the
# machine's load: the lux echo server (bench/realtime/ws_echo.lux, `luxc build --release`,
# LUX_THREADS=1) runs under callgrind; ws_count.js opens CONNS connections and warms up, the
# counters are zeroed, COUNT messages of SIZE bytes are echoed (WINDOW in flight per connection),
# and the counters are dumped: Ir / COUNT is the figure, every thread of the server included.
#   bench/realtime/ws_instructions.sh [BUILD_DIR ...]   # CONNS=10 WINDOW=10 SIZE=64 COUNT=20000
# Several build directories are measured one after the other (a baseline and a branch); the
# programs and dumps go to WORK (default /tmp/lux-ws-instructions), not into the build directories.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CONNS=${CONNS:-10} WINDOW=${WINDOW:-10} SIZE=${SIZE:-64} WARM=${WARM:-2000} COUNT=${COUNT:-20000}
[ $# -gt 0 ] || set -- "$ROOT/build"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
WORK=${WORK:-/tmp/lux-ws-instructions}
mkdir -p "$WORK/npm"
cp "$ROOT/bench/realtime/ws_package.json" "$WORK/npm/package.json"
[ -d "$WORK/npm/node_modules/ws" ] || npm install --silent --no-audit --no-fund --prefix "$WORK/npm" >/dev/null
echo "build,instructions_per_message"
n=0
for dir in "$@"; do
  BUILD=$(realpath -m "$dir")
  n=$((n + 1))
  OUT=$WORK/$n
  mkdir -p "$OUT"
  "$BUILD/luxc" build --release "$ROOT/bench/realtime/ws_echo.lux" -o "$OUT" >/dev/null
  port=$(free_port)
  rm -f "$OUT"/callgrind.out.*
  LUX_THREADS=1 LUX_ACCESS_LOG=0 LUX_LOG_LEVEL=warn valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out.%p" \
    "$OUT/ws_echo" --host 127.0.0.1 --port "$port" >"$OUT/callgrind.log" 2>&1 &
  pid=$!
  wait_port "$port"
  coproc CLIENT { NODE_PATH=$WORK/npm/node_modules node "$ROOT/bench/realtime/ws_count.js" "ws://127.0.0.1:$port/echo" "$CONNS" "$WINDOW" "$SIZE" "$WARM" "$COUNT"; }
  read -r line <&"${CLIENT[0]}"  # ready
  callgrind_control -z "$pid" >/dev/null 2>&1
  echo go >&"${CLIENT[1]}"
  read -r line <&"${CLIENT[0]}"  # done
  callgrind_control -d "$pid" >/dev/null 2>&1
  kill "$pid"; wait "$pid" 2>/dev/null || true
  ir=$(cat "$OUT"/callgrind.out.*.* 2>/dev/null | awk '/^summary:/ {s += $2} END {print s}')
  echo "$dir,$(( ir / COUNT ))"
done
