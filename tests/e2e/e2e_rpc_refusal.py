"""e2e case `rpc_refusal`: a call refused by an open breaker, at every kind of site of a Lux
program (inside an expression, an argument, a condition, a helper function, a `try` body, a
background job, a subscriber), travels through the normal result path and gives exactly what the raised
error gives (a call inside a lambda raises it): the same answer through `on_error`, the same
`catch` value, the same `request failed` log line, the same job retries and dead letter, the
same event redelivery; a
short-circuit that skips the call makes none (programs/rpc_refusal.lux).
"""
import json
import os
import time

from e2e import admin, build, check, free_port, program, request, start_server, stop_server
from e2e_rpc_deferred import body_without_id

REFUSED = "call of dead.{} rejected: the circuit breaker of `dead` is open"


def rejected(port):
    st, text = admin(port, "GET", "/_lux/services")
    return json.loads(text)["services"][0]["rejected"] if st == 200 else None


def redelivered(log):
    with open(log, errors="replace") as f:
        return any('msg="event handler failed"' in ln and "attempt=2 " in ln for ln in f)


def run(a):
    os.makedirs(a.out, exist_ok=True)
    p = build(a, program("rpc_refusal.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.split()[0]
    # A fresh outbox: no event of an earlier run is delivered again in this one.
    env = dict(os.environ, LUX_JOBS_PATH=":memory:", LUX_EVENTS_PATH=":memory:", LUX_ADMIN_TOKEN="e2e-secret")
    port = free_port()
    log = os.path.join(a.out, "rpc_refusal-front.log")
    proc = start_server(exe, port, env=env, name="front", log=log)
    try:
        # The first call fails to connect and opens the breaker; every later one is refused.
        st, _, text = request(port, "GET", "/thrown/0")
        check(st == 503 and "failed" in text, f"the call that opens the breaker: {st} {text}")
        paths = {"/thrown/1": "echo", "/expr/1": "echo", "/arg/1": "list", "/cond/9": "ok", "/helper/1": "echo"}
        for path, fn in paths.items():
            st, _, text = request(port, "GET", path)
            want = (503, {"error": REFUSED.format(fn), "status": 503})
            check((st, body_without_id(text)) == want, f"{path}: {st} {text}, want {want}")
        st, _, text = request(port, "GET", "/errors")
        seen = json.loads(text) if st == 200 else []
        check([e["path"] for e in seen] == ["/thrown/0"] + list(paths) and
              all(e["status"] == 503 and e["message"] == REFUSED.format(paths[e["path"]]) for e in seen[1:]),
              f"on_error saw each refusal once: {text}")

        before = rejected(port)
        st, _, text = request(port, "GET", "/cond/1")
        check(st == 200 and json.loads(text) == {"skipped": True}, f"/cond/1: {st} {text}")
        check(rejected(port) == before, "a short-circuit that skips the call makes none")

        got = {}
        for path in ("/caught/1", "/caught_thrown/1"):
            st, _, text = request(port, "GET", path)
            got[path] = (st, json.loads(text) if st == 200 else text)
        check(got["/caught/1"] == got["/caught_thrown/1"] ==
              (200, {"caught": {"message": REFUSED.format("echo"), "status": 503}}),
              f"a catch gets the same error value from both forms: {got}")

        st, _, text = request(port, "GET", "/spawn/4")
        check(st == 200, f"/spawn/4: {st} {text}")
        # Two attempts 10 ms apart, then the dead letter.
        deadline = time.time() + 20
        report = {}
        while time.time() < deadline and report.get("counts", {}).get("dead") != 1:
            st, text = admin(port, "GET", "/_lux/jobs")
            report = json.loads(text) if st == 200 else {}
            time.sleep(0.1)
        failures = report.get("recent_failures", [])
        check(report.get("counts", {}).get("dead") == 1 and sorted(f["attempt"] for f in failures) == [1, 2] and
              all(f["name"] == "sync" and f["error"] == REFUSED.format("echo") for f in failures),
              f"the job failed twice on the refusal and went to the dead letter: {report}")

        st, _, text = request(port, "GET", "/publish/5")
        check(st == 200, f"/publish/5: {st} {text}")
        # The subscriber fails on the refusal and the event is delivered again (100 ms, then 200).
        deadline = time.time() + 20
        while time.time() < deadline and not redelivered(log):
            time.sleep(0.1)
    finally:
        out = stop_server(proc)
    failed = [ln for ln in out.splitlines() if "request failed" in ln and "rejected" in ln]
    for path in paths:
        check(any(f"path={path} " in ln for ln in failed), f"`request failed` logged for {path}:\n{out}")
    check("expr before the call" in out, f"the handler ran up to its call:\n{out}")
    check(any("job failed; will retry" in ln and "rejected" in ln for ln in out.splitlines()) and
          any("moved to the dead letter" in ln and "rejected" in ln for ln in out.splitlines()),
          f"the job's failures logged as a raised error's:\n{out}")
    handler = [ln for ln in out.splitlines() if 'msg="event handler failed"' in ln and "event=user.seen" in ln]
    check(any("attempt=1 " in ln for ln in handler) and any("attempt=2 " in ln for ln in handler) and
          all(REFUSED.format("echo") in ln for ln in handler),
          f"the subscriber failed on the refusal and its event was delivered again:\n{out}")
