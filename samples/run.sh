#!/usr/bin/env bash
# `make run`: the main job on the embedded defaults. Checks every sample with luxc, then builds
# samples/monitoring.lux (seed 002: a collector and an api over one SQLite file, with schedules,
# background jobs, events and discovery, all embedded) and runs both servers with `luxc run` on
# 127.0.0.1 until Ctrl-C. The ports are the ones the program declares and its servers expect of
# each other: the collector on 3000 (no `env PORT`: the runtime's default), the api on 3001
# (`env PORT: Int = 3001`; the collector's `discover "api"` points there). PORT in the
# environment would give both servers the same port, so it is unset here. The servers' files
# (metrics.db, .lux/ with the job stores and event outboxes) live in BUILD/samples/run.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
for f in "$here"/hello.lux "$here"/advanced.lux "$here"/monitoring.lux; do
  [ -f "$f" ] || continue
  echo "luxc check ${f#$here/}"
  "$build/luxc" check "$f"
done
out="$build/samples"
work="$out/run"
mkdir -p "$work"
unset PORT HOST
api=http://127.0.0.1:3001
cat <<EOF
luxc run samples/monitoring.lux: collector on http://127.0.0.1:3000, api on $api (data in $work)
Try:
  curl $api/health
  curl -X POST $api/api/metrics/ingest -H 'Content-Type: application/json' \\
       -d '{"service":"web","name":"latency_ms","value":42.5,"timestamp":1700000000000,"tags":["edge","eu"]}'
  curl '$api/api/metrics?service=web'        # stored by the collector from the api's event
  curl $api/api/report
  curl '$api/api/alerts?active_only=true'    # the collector checks every 30 s; auth (:3002) is down
  curl -X POST $api/api/alerts/1/resolve
  open $api/docs                             # the api's OpenAPI document, with "Try it out"
Ctrl-C stops both servers.
EOF
cd "$work"
exec "$build/luxc" run "$here/monitoring.lux" -o "$out" -- --host 127.0.0.1
