#!/usr/bin/env bash
# What an idle server costs: samples/hello.lux built by luxc (the default debug build, which
# links liblux_dev.so, and --release, which links the static runtime) side by side with the
# bare Beast server of bench/runtime. Each server is started on a free loopback port, asked for
# one page, left idle for a second, and then read from /proc: VmRSS (with its file-backed and
# anonymous parts) and the number of shared objects mapped (from /proc/PID/maps). RUNS rounds,
# medians. Two page-cache states: `warm` measures right after the build (the linker's freshly
# written files sit in the page cache in large folios, which a fault maps whole), `cold` first
# drops this build's own files (the executables, liblux_dev.so) from the page cache with
# posix_fadvise, so their pages come back through ordinary faults, as after a reboot or a copy
# to another machine. System libraries are left as they are.
#   bench/footprint/run.sh               # 5 rounds
#   RUNS=1 bench/footprint/run.sh
#   BUILD_DIR=build bench/footprint/run.sh
#   LUXC=/other/build/luxc OUT=/tmp/fp bench/footprint/run.sh   # another luxc, as built (no cmake)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
OUT=${OUT:-$BUILD/bench-footprint}
RUNS=${RUNS:-5}
CXX=${CXX:-g++}
mkdir -p "$OUT"

echo "== building" >&2
if [ -z "${LUXC:-}" ]; then
  [ -f "$BUILD/build.ninja" ] || cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" --target luxc -j2 >/dev/null
  LUXC=$BUILD/luxc
fi
"$LUXC" build "$ROOT/samples/hello.lux" -o "$OUT/debug" >/dev/null
"$LUXC" build --release "$ROOT/samples/hello.lux" -o "$OUT/release" >/dev/null
$CXX -std=c++20 -O2 -DNDEBUG "$ROOT/bench/runtime/bare_beast.cpp" -lpthread -o "$OUT/bare_beast"
DEV_LIB=$(ldd "$OUT/debug/hello" | awk '/liblux_dev/ {print $3}')

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
evict() { python3 -c 'import os,sys
for p in sys.argv[1:]:
    fd=os.open(p,os.O_RDONLY); os.fdatasync(fd); os.posix_fadvise(fd,0,0,os.POSIX_FADV_DONTNEED); os.close(fd)' "$@"; }

# measure NAME PATH-TO-GET CMD... -> one line: rss_kb file_kb anon_kb libs
measure() {
  local path=$1
  shift
  "$@" >"$OUT/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT$path" && break
    sleep 0.05
  done
  sleep 1
  local rss file anon libs
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  file=$(awk '/^RssFile/ {print $2}' "/proc/$pid/status")
  anon=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status")
  libs=$(awk '$6 ~ /\.so/ {print $6}' "/proc/$pid/maps" | sort -u | wc -l)
  if [ "$NAME_FOR_LIST" != "" ]; then
    awk '$6 ~ /\.so/ {print $6}' "/proc/$pid/maps" | sort -u | xargs -n1 basename | tr '\n' ' ' >"$OUT/$NAME_FOR_LIST.libs"
  fi
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  echo "$rss $file $anon $libs"
}

declare -A RESULTS
SERVERS=("hello (luxc build)" "hello (luxc build --release)" "hello (--release, LUX_THREADS=1)" "beast (bare, 1 thread)")
for state in warm cold; do
  for round in $(seq 1 "$RUNS"); do
    for i in "${!SERVERS[@]}"; do
      if [ "$state" = cold ]; then evict "$OUT/debug/hello" "$OUT/release/hello" "$OUT/bare_beast" "$DEV_LIB"; fi
      PORT=$(free_port)
      NAME_FOR_LIST=""
      [ "$round" = 1 ] && [ "$state" = cold ] && NAME_FOR_LIST="server$i"
      case $i in
        0) r=$(measure /hello "$OUT/debug/hello" --host 127.0.0.1 --port "$PORT") ;;
        1) r=$(measure /hello "$OUT/release/hello" --host 127.0.0.1 --port "$PORT") ;;
        2) r=$(LUX_THREADS=1 measure /hello "$OUT/release/hello" --host 127.0.0.1 --port "$PORT") ;;
        3) r=$(measure /hello "$OUT/bare_beast" "$PORT") ;;
      esac
      RESULTS["$state,$i"]+="$r"$'\n'
    done
  done
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k/1024}'; }
echo
echo "| server | page cache | idle RSS MB (median of $RUNS) | file-backed MB | anonymous MB | shared objects mapped |"
echo "|---|---|---|---|---|---|"
for state in warm cold; do
  for i in "${!SERVERS[@]}"; do
    rows=${RESULTS["$state,$i"]}
    rss=$(echo -n "$rows" | awk '{print $1}' | median)
    file=$(echo -n "$rows" | awk '{print $2}' | median)
    anon=$(echo -n "$rows" | awk '{print $3}' | median)
    libs=$(echo -n "$rows" | awk '{print $4}' | median)
    echo "| ${SERVERS[$i]} | $state | $(mb "$rss") | $(mb "$file") | $(mb "$anon") | $libs |"
  done
done
echo
for i in "${!SERVERS[@]}"; do echo "${SERVERS[$i]}: $(cat "$OUT/server$i.libs")"; done
