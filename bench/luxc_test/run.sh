#!/bin/sh
# `luxc test` of a file with 50 tests that each advance the simulated clock by a day (a nightly
# cron, an hourly schedule, a job retried with backoff, event deliveries): the whole command
# (build + run), cold (empty output directory and an empty LUX_PCH_DIR: the precompiled header
# too), cold with the stdlib PCH already shared (as after any earlier debug build), warm (the same
# command again: nothing to recompile), and the test executable alone.  Usage: bench/luxc_test/run.sh [BUILD_DIR]
set -e
build=${1:-build}
luxc=$(cd "$build" && pwd)/luxc
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$here/make_program.py" "$tmp/days.lux"
cd "$tmp"
t() { s=$(date +%s.%N); "$@" > out.txt 2>&1 || { cat out.txt; exit 1; }; e=$(date +%s.%N); echo "$e - $s" | bc; }
export LUX_PCH_DIR="$tmp/pch"
echo "cold build + run: $(t "$luxc" test days.lux) s"
rm -rf lux-build
echo "cold, PCH shared: $(t "$luxc" test days.lux) s"
echo "warm build + run: $(t "$luxc" test days.lux) s"
echo "executable alone: $(t ./lux-build/test/days-bench) s"
tail -3 out.txt
