#!/usr/bin/env bash
# Instructions per event (callgrind), which a loaded machine does not disturb: each case runs
# twice, with N and 2N events, and the difference of the total instruction counts divided by N
# is the marginal cost of one event (start-up and shutdown cancel out). Cases: in process
# (publish -> local subscriber, the whole process); across processes (the publisher process and
# the subscriber process, each counted); a call refused by an open breaker (through
# rt::TryCallService, through rt::CallService caught, and the argument's construction alone).
#   bench/events/instructions.sh BUILD_DIR [BASE_BUILD_DIR]     # N=2000 N_REJECT=20000
# Needs bench/events/run.sh to have compiled the binaries into BUILD_DIR/bench-events (run it
# once with RUNS=1, or with the same BASE_BUILD_DIR for the baseline's binary).
set -euo pipefail
BUILD=$(realpath "$1")
BASE=${2:-}
OUT=$BUILD/bench-events
N=${N:-2000} N_REJECT=${N_REJECT:-20000}
export LUX_PROGRAM_SECRET=${LUX_PROGRAM_SECRET:-$(openssl rand -hex 32)}
BINS=("new:$OUT/lux_events_bench")
[ -n "$BASE" ] && BINS=("base:$OUT/lux_events_bench_base" "${BINS[@]}")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ir() { sed -n 's/^summary: //p' "$1"; }
cg() { valgrind --tool=callgrind --callgrind-out-file="$1" "${@:2}" >/dev/null 2>&1; ir "$1"; }
RES=$OUT/instructions.txt; : >"$RES"
for spec in "${BINS[@]}"; do
  tag=${spec%%:*} BIN=${spec#*:}
  declare -A L P S R
  for n in "$N" $((2 * N)); do
    rm -f "$OUT"/ir-*.db*
    L[$n]=$(cg "$OUT/cg.local.$n" "$BIN" local "$OUT/ir-local.db" 1 "$n")
    port=$(free_port)
    valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.sub.$n" "$BIN" sub "$port" "$OUT/ir-sub.db" >/dev/null 2>&1 &
    sub=$!
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/stats" >/dev/null 2>&1 && break; sleep 0.1; done
    P[$n]=$(cg "$OUT/cg.pub.$n" "$BIN" pub "$port" "$OUT/ir-pub.db" 1 "$n" 0 1)
    kill -TERM "$sub"; wait "$sub" || true
    S[$n]=$(ir "$OUT/cg.sub.$n")
  done
  for kind in try throw args; do
    [ "$tag" = base ] && [ "$kind" = try ] && continue
    for n in "$N_REJECT" $((2 * N_REJECT)); do R[$kind.$n]=$(cg "$OUT/cg.rej.$n" "$BIN" reject "$n" "$kind"); done
    echo "$tag reject_$kind $(( (R[$kind.$((2 * N_REJECT))] - R[$kind.$N_REJECT]) / N_REJECT ))" | tee -a "$RES"
  done
  echo "$tag local_per_event $(( (L[$((2 * N))] - L[$N]) / N ))" | tee -a "$RES"
  echo "$tag peer_publisher_per_event $(( (P[$((2 * N))] - P[$N]) / N ))" | tee -a "$RES"
  echo "$tag peer_subscriber_per_event $(( (S[$((2 * N))] - S[$N]) / N ))" | tee -a "$RES"
  unset L P S R
done
