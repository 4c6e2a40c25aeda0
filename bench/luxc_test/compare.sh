#!/usr/bin/env bash
# `luxc test` of the 50-test file (make_program.py: each test advances the simulated clock by a
# day) side by side: BASE's luxc against NEW's, in interleaved rounds. Per round and luxc: cold
# (empty output directory and an empty LUX_PCH_DIR: the precompiled header, every unit, the link
# and the run), warm (the same command again: nothing to recompile), and for NEW "cold, PCH
# shared" (empty output directory, the stdlib PCH already built by an earlier build of any
# program: NEW shares it between output directories). Prints the median wall and CPU (user + sys of
# luxc, its compilers and the test executable) of each. Pin with taskset to fix the cores.
#   bench/luxc_test/compare.sh BASE_BUILD_DIR NEW_BUILD_DIR [ROUNDS]
set -euo pipefail
base=$(cd "$1" && pwd); new=$(cd "$2" && pwd); rounds=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/make_program.py" "$work/days.lux"
cd "$work"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
measure() { /usr/bin/time -f "%e %U %S" -o "$work/t" "$@" >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; exit 1; }
            awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$work/t"; }
: > results
for r in $(seq "$rounds"); do
  for who in base new; do
    luxc=$([ $who = base ] && echo "$base" || echo "$new")/luxc
    rm -rf "$work/out-$who" "$work/pch-$who"
    export LUX_PCH_DIR="$work/pch-$who"
    echo "$who-cold $(measure "$luxc" test days.lux -o "$work/out-$who")" >> results
    echo "$who-warm $(measure "$luxc" test days.lux -o "$work/out-$who")" >> results
  done
  rm -rf "$work/out-new"
  echo "new-cold-pch $(measure "$new/luxc" test days.lux -o "$work/out-new")" >> results
  unset LUX_PCH_DIR
done
grep -q "50 passed" "$work/out.txt" || { cat "$work/out.txt"; exit 1; }
python3 - results <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    k, w, c = line.split()
    rows.setdefault(k, []).append((float(w), float(c)))
for k in ["base-cold", "new-cold", "new-cold-pch", "base-warm", "new-warm"]:
    v = rows[k]
    print(f"{k:12} wall {statistics.median(w for w, _ in v):6.2f} s  cpu {statistics.median(c for _, c in v):6.2f} s  ({len(v)} runs)")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
