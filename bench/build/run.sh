#!/usr/bin/env bash
# Build speed of `luxc build` (issue 4): front end, C++ compile and link, for a cold build,
# a no-op rebuild and rebuilds after a one-line change (an in-place edit of a route's response:
# only its translation unit recompiles and only its server relinks). For samples/monitoring.lux
# (seed 002, two servers) and samples/hello.lux. Prints one line per step from --timings.
#   bench/build/run.sh [BUILD_DIR]      (default: build)
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/../.." && pwd)
luxc="$build/luxc"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
run() {  # NAME SED-EXPRESSION-TEMPLATE (with @ for the edit number)
  local name=$1 edit=$2
  cp "$here/samples/$name.lux" "$work/$name.lux"
  echo "== $name: cold build (includes the precompiled header)"
  "$luxc" build "$work/$name.lux" -o "$work/out-$name" --timings >/dev/null
  echo "== $name: no-op rebuild"
  "$luxc" build "$work/$name.lux" -o "$work/out-$name" --timings >/dev/null
  for i in 1 2 3 4 5; do
    echo "== $name: one-line change ($i)"
    sed -i "${edit//@/$i}" "$work/$name.lux"
    start=$(date +%s%N)
    "$luxc" build "$work/$name.lux" -o "$work/out-$name" --timings >/dev/null
    echo "wall $(( ($(date +%s%N) - start) / 1000000 )) ms"
  done
  echo "== $name: front end alone (luxc emit, 5 runs)"
  for i in 1 2 3 4 5; do
    start=$(date +%s%N)
    "$luxc" emit "$work/$name.lux" >/dev/null
    echo -n "$(( ($(date +%s%N) - start) / 1000000 )) ms  "
  done
  echo
}
run monitoring 's/server: "api[-0-9]*",/server: "api-@",/'
run hello 's/print("hello[0-9]*: listening/print("hello@: listening/'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
