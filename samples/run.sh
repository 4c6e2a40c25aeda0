#!/usr/bin/env bash
# `make run`: the main job on the embedded defaults.
# Checks the sample programs with luxc, then serves the runtime's example server on
# 127.0.0.1:${PORT:-8080} until Ctrl-C (code generation — `luxc run` — is the next issue; this
# script switches to `luxc run samples/monitoring.lux` when it lands).
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
for f in "$here"/hello.lux "$here"/advanced.lux "$here"/monitoring.lux; do
  [ -f "$f" ] || continue
  echo "luxc check ${f#$here/}"
  "$build/luxc" check "$f"
done
port=${PORT:-8080}
echo "serving the runtime example on http://127.0.0.1:$port (try: curl 127.0.0.1:$port/hello); Ctrl-C stops"
exec "$build/runtime/lux_example_server" --host 127.0.0.1 --port "$port"
