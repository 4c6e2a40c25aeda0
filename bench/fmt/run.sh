#!/usr/bin/env bash
# Formatter speed: `luxc fmt --stdin` (whole process: read, parse, lay out, print) on the
# generated 10,000-line program of bench/frontend (bench/frontend/gen_program.py), beside
# `luxc check` of the same file (the front end's known speed, bench/README.md) so that a loaded
# machine still gives the ratio. Reports lines/s of the input (median of RUNS) and, with
# `perf` available, the instructions of one run. Usage: bench/fmt/run.sh [BUILD_DIR] [LINES] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
lines=${2:-10000}
runs=${3:-7}
luxc=$(cd "$build" && pwd)/luxc
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python3 "$here/../frontend/gen_program.py" "$lines" > "$out/big.lux"
"$luxc" fmt --stdin < "$out/big.lux" > "$out/formatted.lux"
"$luxc" fmt --check "$out/formatted.lux"  # idempotent: the second pass changes nothing
actual=$(wc -l < "$out/big.lux")
python3 - "$luxc" "$out/big.lux" "$actual" "$runs" <<'PY'
import statistics, subprocess, sys, time
luxc, path, lines, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def timed(argv, stdin_path=None):
    with open(stdin_path or path, "rb") as f:
        t = time.perf_counter()
        subprocess.run(argv, stdin=f if stdin_path else None, check=True, capture_output=True)
        return time.perf_counter() - t
fmt, check = [], []
for _ in range(runs):  # interleaved, so that a change of load hits both
    fmt.append(timed([luxc, "fmt", "--stdin"], path))
    check.append(timed([luxc, "check", "-Wno-unused", "-Wno-events", path]))
for name, times in (("luxc fmt --stdin", fmt), ("luxc check", check)):
    med = statistics.median(times)
    print(f"{name}, {lines} lines, {runs} runs: median {med*1000:.1f} ms "
          f"(min {min(times)*1000:.1f}, max {max(times)*1000:.1f}) = {lines/med:,.0f} lines/s")
print(f"fmt / check: {statistics.median(fmt) / statistics.median(check):.2f}")
PY
if command -v perf > /dev/null && perf stat -e instructions:u true > /dev/null 2>&1; then
  perf stat -x, -e instructions:u "$luxc" fmt --stdin < "$out/big.lux" 2> "$out/perf.txt" > /dev/null
  echo "instructions (user, one run): $(grep instructions "$out/perf.txt" | cut -d, -f1)"
fi
