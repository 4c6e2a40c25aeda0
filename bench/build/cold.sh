#!/usr/bin/env bash
# Cold `luxc build` of a sample (default samples/monitoring.lux), debug build, side by side:
# BASE's luxc against NEW's, in interleaved rounds, and the one-translation-unit reference: the
# front end (`luxc emit`), the program as it prints it compiled in one run with the same flags and
# precompiled <lux/stdlib.h>, the servers' mains, and each server linked from its main and that
# one object, one step after the other (its wall is the sum of theirs). Each round empties the
# output directory; "nopch" keeps the stdlib PCH (the figure the docs compare: it is built once),
# "empty" has none. Prints the median wall and CPU (user + sys of luxc and
# the compilers it runs) of each, and CPU ratios to the one-TU reference. CPU is what to compare
# on a loaded machine; wall, on a quiet one. Pin with taskset to compare fixed core counts.
#   bench/build/cold.sh BASE_BUILD_DIR NEW_BUILD_DIR [ROUNDS] [SAMPLE]
set -euo pipefail
base=$(cd "$1" && pwd); new=$(cd "$2" && pwd); rounds=${3:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
sample=${4:-$root/samples/monitoring.lux}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$sample" "$work/app.lux"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
# wall and CPU seconds of a command: "WALL CPU"
measure() { /usr/bin/time -f "%e %U %S" -o "$work/t" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
            awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$work/t"; }
# A PCH for each luxc, kept aside: put back into the output directory before each "nopch" run of
# a luxc that keeps it there (main's), or named by LUX_PCH_DIR for one that shares it; an "empty"
# run gets an empty LUX_PCH_DIR.
for who in base new; do
  luxc=$([ $who = base ] && echo "$base" || echo "$new")/luxc
  LUX_PCH_DIR="$work/shared-pch" "$luxc" build "$work/app.lux" -o "$work/pch-$who" >/dev/null
done
pch_of() { ls "$work/pch-$1/.lux/lux_stdlib.pch" 2>/dev/null || ls "$work"/shared-pch/*/lux_stdlib.pch | head -1; }
LUX_PCH_DIR="$work/shared-pch" "$new/luxc" build "$work/app.lux" -o "$work/ref" -v >/dev/null 2>"$work/verbose" || true
"$new/luxc" emit "$work/app.lux" > "$work/one.cpp"
flags=$(sed -n 's/^clang++ \(-std=c++20 -O0 -g -I[^ ]* -I[^ ]*\) .*/\1/p' "$work/verbose" | head -1)
: > "$work/results"
for r in $(seq "$rounds"); do
  for who in base new; do
    luxc=$([ $who = base ] && echo "$base" || echo "$new")/luxc
    rm -rf "$work/out"; mkdir -p "$work/out/.lux"
    [ -e "$work/pch-$who/.lux/lux_stdlib.pch" ] && cp "$work/pch-$who/.lux/lux_stdlib.pch" "$work/pch-$who/.lux/lux_stdlib.pch.key" "$work/out/.lux/"
    echo "$who-nopch $(LUX_PCH_DIR="$work/shared-pch" measure "$luxc" build "$work/app.lux" -o "$work/out")" >> "$work/results"
    rm -rf "$work/out" "$work/empty-pch"
    echo "$who-empty $(LUX_PCH_DIR="$work/empty-pch" measure "$luxc" build "$work/app.lux" -o "$work/out")" >> "$work/results"
  done
  # one TU: the front end, the whole program in one compiler run with the new luxc's PCH, the
  # mains, and each server linked from its main and that one object (the links luxc runs)
  sum() { echo "$1 $2" | awk '{printf "%.3f %.3f", $1 + $3, $2 + $4}'; }
  one=$(measure "$new/luxc" emit "$work/app.lux")
  one=$(sum "$one" "$(measure clang++ $flags -include-pch "$(pch_of new)" -c "$work/one.cpp" -o "$work/one.o")")
  for m in "$work"/pch-new/.lux/*.main.cpp; do
    one=$(sum "$one" "$(measure clang++ $flags -c "$m" -o "$m.o")")
    link=$(grep -- "-o $work/ref/$(basename "$m" .main.cpp).new " "$work/verbose" | head -1 |
           awk -v o="$work/one.exe" '{ s = ""; for (i = 1; i <= NF; i++) { if ($i ~ /\.o$/) continue; if (i > 1 && $(i - 1) == "-o") $i = o; s = s " " $i } print s }')
    one=$(sum "$one" "$(measure $link "$m.o" "$work/one.o")")
  done
  echo "one-tu $one" >> "$work/results"
done
python3 - "$work/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    k, w, c = line.split()
    rows.setdefault(k, []).append((float(w), float(c)))
med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in rows.items()}
one = med["one-tu"][1]
for k in ["one-tu", "base-nopch", "new-nopch", "base-empty", "new-empty"]:
    w, c = med[k]
    print(f"{k:11} wall {w:6.2f} s  cpu {c:6.2f} s  cpu / one-TU {c / one:4.2f}  ({len(rows[k])} runs)")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
