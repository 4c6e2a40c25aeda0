"""e2e case `events`: Two servers (programs/events.lux): events published while the subscriber is
down arrive in order after it starts, a failing handler and a rejected payload are logged, the
request id travels with the event.
"""
import json
import os
import time
import urllib.error
import urllib.request

from e2e import (build, check, expect_json, free_port, program, read_until, sign_internal,
                 start_server, stop_server)


def run(a):
    os.makedirs(a.out, exist_ok=True)
    lux = program("events.lux")
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exes = {os.path.basename(x): x for x in p.stdout.split()}
    api_port, col_port = free_port(), free_port()
    for name in ("api", "collector"):
        for ext in ("", "-wal", "-shm"):
            f = os.path.join(a.out, f"{name}.events.db{ext}")
            if os.path.exists(f):
                os.remove(f)

    def start(name, port):
        env = dict(os.environ, LUX_JOBS_PATH=":memory:", LUX_EVENTS_PATH=os.path.join(a.out, f"{name}.events.db"),
                   LUX_PEER_COLLECTOR_URL=f"http://127.0.0.1:{col_port}")
        return start_server(exes["events-" + name], port, env=env, name=name)

    stop = stop_server

    api = start("api", api_port)
    col = None
    lines = []
    try:
        # Published while the collector is down: kept in the api's outbox.
        req = urllib.request.Request(f"http://127.0.0.1:{api_port}/ingest", method="POST",
                                     data=json.dumps({"service": "db", "value": 1.5}).encode(),
                                     headers={"Content-Type": "application/json", "X-Request-Id": "e2e-event-trace"})
        with urllib.request.urlopen(req, timeout=10) as r:
            check(r.status == 200, "publish while the collector is down")
        for i in range(20):
            expect_json(api_port, "POST", "/ingest", 200, {"queued": True}, body={"service": f"s{i}", "value": float(i)})
        expect_json(api_port, "POST", "/ingest", 200, {"queued": True}, body={"service": "big", "value": 500.0})
        time.sleep(0.5)
        col = start("collector", col_port)
        check(read_until(col, r"collector got big 500", lines, 20), f"events after the collector came up: {lines}")
        got = [l.split()[2] for l in lines if l.startswith("collector got")]
        check(got == ["db"] + [f"s{i}" for i in range(20)] + ["big"], f"order kept: {got}")
        # The second subscriber's lane delivers on its own thread: wait for it too.
        check(read_until(col, r"second handler ok 19", lines, 15), "the second subscriber got the events too")
        check(read_until(col, r"event handler failed.*too big", lines, 10), f"a failing handler is logged: {lines[-5:]}")
        # A payload that does not fit the declared type (sent by hand: the compiler catches it in Lux code).
        data = json.dumps({"id": "bad-1", "event": "metric", "data": {"service": 5}}).encode()
        bad = urllib.request.Request(f"http://127.0.0.1:{col_port}/_lux/events", method="POST", data=data,
                                     headers={"Content-Type": "application/json",
                                              "X-Lux-Signature": sign_internal("POST", "/_lux/events", data)})
        with urllib.request.urlopen(bad, timeout=10) as r:
            check(r.status == 200, "the peer endpoint takes the event")
        check(read_until(col, r"event payload rejected", lines, 10), f"a rejected payload is logged: {lines[-5:]}")
    finally:
        api_out = stop(api)
        col_out = "".join(lines) + (stop(col) if col else "")
    # Access lines are flushed in batches: look at everything the collector wrote.
    check(any("e2e-event-trace" in l and "/_lux/events" in l for l in col_out.splitlines()),
          "the collector's log carries the publishing request's id")
    check("e2e-event-trace" in api_out, "the api's log carries the request id")
