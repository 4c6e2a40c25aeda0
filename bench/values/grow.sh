#!/usr/bin/env bash
# Building a value in a loop from its own last value (bench/values/grow.lux): milliseconds per
# request for N iterations, BASE's luxc against NEW's, interleaved rounds, one server at a time
# pinned to CPU 0; medians of ROUNDS.
#   bench/values/grow.sh BASE_BUILD_DIR NEW_BUILD_DIR    # N="10000 20000" ROUNDS=5
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BASE=$(realpath "$1") NEW=$(realpath "$2")
N=${N:-"10000 20000"} ROUNDS=${ROUNDS:-5}
OUT=$NEW/bench-grow
mkdir -p "$OUT"
for tag in base new; do
  dir=$([ "$tag" = base ] && echo "$BASE" || echo "$NEW")
  "$dir/luxc" build "$ROOT/bench/values/grow.lux" -o "$OUT/$tag" >/dev/null
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RAW=$OUT/raw.txt; : >"$RAW"
for r in $(seq 1 "$ROUNDS"); do
  for tag in base new; do
    port=$(free_port)
    PORT=$port LUX_LOG_LEVEL=warn taskset -c 0 "$OUT/$tag/grow" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/push/1" >/dev/null 2>&1 && break; sleep 0.05; done
    for path in text spread state push count reduce; do
      for n in $N; do
        t=$(curl -s -o /dev/null -w '%{time_total}' --max-time 120 "http://127.0.0.1:$port/$path/$n")
        echo "$tag $path $n $t" >>"$RAW"
      done
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
done
python3 - "$RAW" <<'PY'
import statistics, sys
from collections import defaultdict
t = defaultdict(list)
for line in open(sys.argv[1]):
    tag, path, n, secs = line.split()
    t[(path, int(n), tag)].append(float(secs) * 1000)
print("| route | N | base ms (median) | new ms (median) | new / base |")
print("|---|---|---|---|---|")
for path, n in sorted({(p, n) for p, n, _ in t}, key=lambda k: (["text", "spread", "state", "push", "count", "reduce"].index(k[0]), k[1])):
    b, w = statistics.median(t[(path, n, "base")]), statistics.median(t[(path, n, "new")])
    print(f"| /{path}/{n} | {n} | {b:.1f} | {w:.1f} | {w / b:.3f} |")
PY
