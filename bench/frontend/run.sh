#!/usr/bin/env bash
# Front-end speed: `luxc check` (whole process) on a generated 10,000-line program.
# Reports lines/s (median of RUNS) and peak RSS. Usage: bench/frontend/run.sh [BUILD_DIR] [LINES] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
lines=${2:-10000}
runs=${3:-7}
luxc=$(cd "$build" && pwd)/luxc
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python3 "$here/gen_program.py" "$lines" > "$out/big.lux"
actual=$(wc -l < "$out/big.lux")
"$luxc" check -Wno-unused -Wno-events "$out/big.lux" > /dev/null  # must be a valid program
python3 - "$luxc" "$out/big.lux" "$actual" "$runs" <<'PY'
import resource, statistics, subprocess, sys, time
luxc, path, lines, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
times = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run([luxc, "check", "-Wno-unused", "-Wno-events", path], check=True, capture_output=True)
    times.append(time.perf_counter() - t)
rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
med = statistics.median(times)
print(f"luxc check, {lines} lines, {runs} runs: median {med*1000:.1f} ms "
      f"(min {min(times)*1000:.1f}, max {max(times)*1000:.1f}) = {lines/med:,.0f} lines/s; "
      f"peak RSS {rss_kb/1024:.1f} MB")
PY
