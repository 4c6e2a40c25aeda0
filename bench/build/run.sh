#!/usr/bin/env bash
# Build speed of `luxc build` (issue 4): front end, C++ compile and link, for a cold build,
# a no-op rebuild and a rebuild after a one-line change. Uses samples/hello.lux (monitoring.lux
# needs databases, jobs and events: later issues). Prints one line per step from --timings.
#   bench/build/run.sh [BUILD_DIR]      (default: build)
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/../.." && pwd)
luxc="$build/luxc"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/samples/hello.lux" "$work/hello.lux"
echo "== cold build (includes the precompiled header)"
"$luxc" build "$work/hello.lux" -o "$work/out" --timings >/dev/null
echo "== no-op rebuild"
"$luxc" build "$work/hello.lux" -o "$work/out" --timings >/dev/null
for i in 1 2 3; do
  echo "== one-line change ($i)"
  sed -i "s/print(\"hello[0-9]*: listening/print(\"hello$i: listening/" "$work/hello.lux"
  start=$(date +%s%N)
  "$luxc" build "$work/hello.lux" -o "$work/out" --timings >/dev/null
  echo "wall $(( ($(date +%s%N) - start) / 1000000 )) ms"
done
echo "== front end alone (luxc emit, 5 runs)"
for i in 1 2 3 4 5; do
  start=$(date +%s%N)
  "$luxc" emit "$work/hello.lux" >/dev/null
  echo -n "$(( ($(date +%s%N) - start) / 1000000 )) ms  "
done
echo
