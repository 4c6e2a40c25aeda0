#!/usr/bin/env bash
# Edit-to-serve latency of `luxc dev` on samples/monitoring.lux: 20 in-place edits of
# the api server's /health response, p50 and p95. Usage: bench/dev/run.sh [BUILD_DIR] [EDITS]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
edits="${2:-20}"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$root/bench/dev/edit_to_serve.py" --luxc "$build/luxc" --root "$root" --edits "$edits"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
