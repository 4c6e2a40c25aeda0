#!/usr/bin/env bash
# `make run`: the main job on the embedded defaults. Checks every sample with luxc, then builds
# samples/hello.lux and runs it with `luxc run` on 127.0.0.1:${PORT:-8080} until Ctrl-C.
# (samples/monitoring.lux, the seed program, builds too: `luxc run samples/monitoring.lux` starts
# its servers, which call one another on localhost ports 3001-3003.)
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
for f in "$here"/hello.lux "$here"/advanced.lux "$here"/monitoring.lux; do
  [ -f "$f" ] || continue
  echo "luxc check ${f#$here/}"
  "$build/luxc" check "$f"
done
port=${PORT:-8080}
out="$build/samples"
echo "luxc run samples/hello.lux on http://127.0.0.1:$port (try: curl 127.0.0.1:$port/hello?name=Ada); Ctrl-C stops"
exec "$build/luxc" run "$here/hello.lux" -o "$out" -- --host 127.0.0.1 --port "$port"
