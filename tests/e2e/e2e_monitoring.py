"""e2e case `monitoring`: samples/monitoring.lux (seed 002): both servers, events into the shared
database, its routes.
"""
import json
import os
import shutil
import signal
import subprocess
import time

from e2e import build, check, expect_json, free_port, request, start_server


def run(a):
    """samples/monitoring.lux (seed 002): both servers, the shared database, events, discovery."""
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.root, "samples", "monitoring.lux")
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exes = {os.path.basename(x): x for x in p.stdout.split()}
    check(sorted(exes) == ["monitoring-api", "monitoring-collector"], f"executables: {sorted(exes)}")
    work = os.path.join(a.out, "run")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    api_port, col_port = free_port(), free_port()
    env = dict(os.environ, LUX_SERVICE_API_URL=f"http://127.0.0.1:{api_port}",
               LUX_SERVICE_AUTH_URL=f"http://127.0.0.1:{free_port()}",
               LUX_PEER_COLLECTOR_URL=f"http://127.0.0.1:{col_port}")

    def start(name, port):
        return start_server(exes[name], port, env=env, cwd=work, name=name)

    procs = [start("monitoring-collector", col_port), start("monitoring-api", api_port)]
    outs = []
    try:
        got, headers = expect_json(api_port, "GET", "/health", 200, lambda b: b["status"] == "ok" and b["server"] == "api")
        check(headers.get("X-Request-ID"), "the api's middleware sets X-Request-ID")
        metric = {"service": "web", "name": "latency", "value": 42.5, "timestamp": 1700000000000, "tags": ["edge", "eu"]}
        expect_json(api_port, "POST", "/api/metrics/ingest", 200, {"status": "accepted"}, body=metric)
        stored = None
        deadline = time.time() + 15
        while time.time() < deadline and not stored:
            st, _, text = request(api_port, "GET", "/api/metrics?service=web")
            rows = json.loads(text) if st == 200 else []
            stored = rows[0] if rows else None
            if not stored:
                time.sleep(0.2)
        # api → event metric_ingested → collector's subscriber → shared SQLite file → api reads it.
        check(stored is not None and stored["value"] == 42.5 and stored["tags"] == "edge,eu" and isinstance(stored["id"], int),
              f"the ingested metric, stored by the collector: {stored}")
        expect_json(api_port, "GET", "/api/metrics?limit_count=abc", 400, lambda b: "limit_count" in b["error"])
        expect_json(api_port, "GET", "/api/metrics?service=web&limit_count=1", 200, lambda b: len(b) == 1)
        expect_json(api_port, "POST", "/api/alerts/999/resolve", 400, lambda b: "Alert not found" in json.dumps(b))
        expect_json(api_port, "GET", "/api/alerts?active_only=true", 200, lambda b: isinstance(b, list))
        expect_json(api_port, "GET", "/api/report", 200,
                    lambda b: [x["name"] for x in b["services"]] == ["api", "auth", "database"] and b["metrics_count"] >= 1)
        bad = dict(metric, value="fast")
        expect_json(api_port, "POST", "/api/metrics/ingest", 400, lambda b: "value" in b["error"], body=bad)
    finally:
        for pr in procs:
            pr.send_signal(signal.SIGTERM)
        for pr in procs:
            try:
                out, _ = pr.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                pr.kill()
                out, _ = pr.communicate()
            outs.append(out)
            check(pr.returncode == 0, f"exit status after SIGTERM: {pr.returncode}:\n{out[-2000:]}")
    check(any("[collector] Shutting down monitoring service" in o for o in outs), "the collector's on_stop ran")
    check(any("[collector] Monitoring 3 services" in o for o in outs), "the collector's on_start ran")
