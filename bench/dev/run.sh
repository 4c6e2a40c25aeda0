#!/usr/bin/env bash
# Edit-to-serve latency of `luxc dev` on samples/monitoring.lux: EDITS one-line edits, p50 and p95.
# CASE `route` edits the api server's /health response; `shared-type` a shared type both servers
# use (both replaced). With BASELINE (another build directory), both compilers run side by side,
# their edits alternating, and the ratio is printed (edit_to_serve.py describes the method).
# Usage: bench/dev/run.sh [BUILD_DIR] [EDITS] [route|shared-type] [BASELINE_BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
edits="${2:-20}"
case="${3:-route}"
luxcs=()
if [ -n "${4:-}" ]; then luxcs+=(--luxc "$(cd "$4" && pwd)/luxc"); fi
luxcs+=(--luxc "$build/luxc")
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$root/bench/dev/edit_to_serve.py" "${luxcs[@]}" --root "$root" --edits "$edits" --case "$case"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
