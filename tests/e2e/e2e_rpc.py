"""e2e case `rpc`: Two servers (programs/rpc.lux): RPC with the request id in both logs, the breaker
opening while the peer is down and closing after it is back.
"""
import json
import os
import time
import urllib.error
import urllib.request

from e2e import admin, build, check, expect_json, free_port, program, request, start_server, stop_server


def run(a):
    os.makedirs(a.out, exist_ok=True)
    lux = program("rpc.lux")
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exes = {os.path.basename(x): x for x in p.stdout.split()}
    api_port, front_port = free_port(), free_port()
    env = dict(os.environ, LUX_JOBS_PATH=":memory:", LUX_ADMIN_TOKEN="e2e-secret",
               LUX_SERVICE_API_URL=f"http://127.0.0.1:{api_port}")

    def start(name, port):
        return start_server(exes[name], port, env=env, name=name)

    stop = stop_server

    api = start("rpc-api", api_port)
    front = start("rpc-front", front_port)
    try:
        expect_json(front_port, "GET", "/total/7", 200, {"total": 12, "default": 17})
        req = urllib.request.Request(f"http://127.0.0.1:{front_port}/total/1", headers={"X-Request-Id": "e2e-trace-77"})
        with urllib.request.urlopen(req, timeout=10) as r:
            check(r.status == 200 and r.headers.get("X-Request-Id") == "e2e-trace-77", "request id echoed by front")
        api_out = stop(api)
        check("e2e-trace-77" in api_out and "/_lux/rpc/add" in api_out, f"the peer logs the caller's request id:\n{api_out}")
        # The peer is down: calls fail, and after `threshold` failures the breaker opens.
        for _ in range(3):
            st, _, _ = request(front_port, "GET", "/total/1")
            check(st == 500, f"a call to a stopped peer: {st}")
        st, text = admin(front_port, "GET", "/_lux/services")
        check(st == 200 and json.loads(text)["services"][0]["state"] == "open", f"/_lux/services: {st} {text}")
        check(st == 200 and json.loads(text)["services"][0]["rejected"] >= 1, f"rejected calls counted: {text}")
        api = start("rpc-api", api_port)
        time.sleep(1.2)  # reset_timeout: the next call is the half-open trial
        expect_json(front_port, "GET", "/total/2", 200, {"total": 7, "default": 12})
        st, text = admin(front_port, "GET", "/_lux/services")
        check(st == 200 and json.loads(text)["services"][0]["state"] == "closed", f"closed again: {text}")
    finally:
        for pr in (api, front):
            if pr.poll() is None:
                stop(pr)
