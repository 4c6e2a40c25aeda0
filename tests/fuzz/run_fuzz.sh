#!/usr/bin/env bash
# Builds the libFuzzer targets in build-fuzz/ (clang++, ASan+UBSan) and runs one of them from the
# golden corpus. Usage: tests/fuzz/run_fuzz.sh [fuzz_parse|fuzz_frontend] [seconds] [jobs]
# Crashes land in build-fuzz/crashes/; the grown corpus in build-fuzz/corpus-<target>/.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${1:-fuzz_parse}"
seconds="${2:-600}"
jobs="${3:-1}"
build="$root/build-fuzz"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLUX_FUZZ=ON \
    -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" >/dev/null
fi
cmake --build "$build" --target "$target" -j2
corpus="$build/corpus-$target"
mkdir -p "$corpus" "$build/crashes"
# Seed corpus: every golden input (valid programs and the malformed ones).
find "$root/tests/golden" -name '*.lux' -size -64k -exec cp -n {} "$corpus/" \;
dict="$root/tests/fuzz/lux.dict"
# -max_len keeps inputs near real sizes; -rss_limit_mb and -timeout turn blow-ups into findings.
parallel=()
if [ "$jobs" -gt 1 ]; then parallel=(-jobs="$jobs" -workers="$jobs"); fi
exec "$build/tests/fuzz/$target" "$corpus" -dict="$dict" -max_total_time="$seconds" "${parallel[@]}" \
  -max_len=16384 -timeout=10 -rss_limit_mb=3072 -artifact_prefix="$build/crashes/" -print_final_stats=1
