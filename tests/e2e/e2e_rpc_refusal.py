"""e2e case `rpc_refusal`: a call refused by an open breaker, at every kind of site of a Lux
program (inside an expression, an argument, a condition, a helper function, a `try` body, a
background job, a subscriber, a shared `var`'s update, a `finally` body, a readiness check, a
function exposed over RPC, an `sse` route, WebSocket hooks, a schedule, `on_stop`, a lambda
`map` calls), travels through the normal result path and gives exactly what the raised error
gives (a lambda called through a function value raises it): the same answer through
`on_error`, the same `catch` value, the same `request failed` log line, the same job retries and
dead letter, the same event redelivery, the same readiness answer, the same cut stream and hook
failure, the same schedule failure; a short-circuit that skips the call makes none, and `map`
stops calling a lambda whose call failed (programs/rpc_refusal.lux).
"""
import http.client
import json
import os
import time
import urllib.error
import urllib.request

from e2e import admin, build, check, free_port, program, request, sign_internal, start_server, stop_server
from e2e_rpc_deferred import body_without_id
from wsclient import WsClient

REFUSED = "call of dead.{} rejected: the circuit breaker of `dead` is open"
REFUSED2 = "call of dead2.{} rejected: the circuit breaker of `dead2` is open"


def rejected(port):
    st, text = admin(port, "GET", "/_lux/services")
    return json.loads(text)["services"][0]["rejected"] if st == 200 else None


def redelivered(log):
    with open(log, errors="replace") as f:
        return any('msg="event handler failed"' in ln and "attempt=2 " in ln for ln in f)


def refused_answer(fn):
    return (503, {"error": REFUSED.format(fn), "status": 503})


def answers_alike(port, paths, want):
    """Each path and its `_thrown` twin (the call inside a lambda) answer `want`."""
    for path in paths:
        for p in (path, path.replace("/1", "_thrown/1", 1)):
            st, _, text = request(port, "GET", p)
            got = (st, body_without_id(text) if st != 200 else json.loads(text))
            check(got == want, f"{p}: {got}, want {want}")


def rpc(port, fn, args):
    body = json.dumps({"args": args}).encode()
    path = f"/_lux/rpc/{fn}"
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST",
                                 headers={"Content-Type": "application/json",
                                          "X-Lux-Signature": sign_internal("POST", path, body)})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, body_without_id(r.read().decode())
    except urllib.error.HTTPError as e:
        return e.code, body_without_id(e.read().decode())


def stream_cut(port, path):
    """An event stream whose handler failed: 200, then the body ends without its last chunk."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path)
        r = c.getresponse()
        try:
            return r.status, r.read().decode(errors="replace")
        except http.client.IncompleteRead as e:
            return r.status, "cut after " + repr(e.partial)
    except (OSError, http.client.HTTPException) as e:
        return None, type(e).__name__
    finally:
        c.close()


def ws_hook_error(port, path):
    ws = WsClient.connect(port, path)
    ws.send_text("1")
    _, payload = ws.recv_data()
    ws.shutdown()
    return payload.decode()


def logged(path, *parts):
    with open(path, errors="replace") as f:
        return [ln for ln in f if all(p in ln for p in parts)]


def more_sites(port, log):
    """The sites the runtime calls and those inside a function that are not plain statements."""
    answers_alike(port, ["/shared/1", "/finally/1", "/finally_replaces/1"], refused_answer("echo"))
    st, _, text = request(port, "GET", "/total")
    check((st, text and json.loads(text)) == (200, {"total": 0}), f"the shared var is unchanged: {st} {text}")
    answers_alike(port, ["/finally_caught/1"], (200, {"caught": {"message": REFUSED.format("echo"), "status": 503}}))

    st, _, text = request(port, "GET", "/ready")
    checks = json.loads(text).get("checks", {}) if text.startswith("{") else {}
    check(st == 503 and checks.get("up", {}).get("error") == checks.get("up_thrown", {}).get("error") ==
          REFUSED.format("ok"), f"both readiness checks fail alike: {st} {text}")

    got = {fn: rpc(port, fn, [1]) for fn in ("relay", "relay_thrown")}
    check(got["relay"] == got["relay_thrown"] == refused_answer("echo"), f"the RPC answers: {got}")

    streams = {path: stream_cut(port, path) for path in ("/feed", "/feed_thrown")}
    check(streams["/feed"] == streams["/feed_thrown"] and streams["/feed"][0] == 200 and
          streams["/feed"][1].startswith("cut after"), f"both streams are cut alike: {streams}")
    for path in ("/live", "/live_thrown"):
        text = ws_hook_error(port, path)
        check(text == "hook error: " + REFUSED.format("echo"), f"{path}: on_error of the ws hook got {text!r}")

    deadline = time.time() + 10
    while time.time() < deadline and not all(
            logged(log, 'msg="scheduled task failed"', f"schedule={name} ", REFUSED2.format("tick"))
            for name in ("tick", "tick_thrown")):
        time.sleep(0.1)


def more_sites_logged(out):
    lines = out.splitlines()
    cut = [ln for ln in lines if 'msg="streamed response failed"' in ln and REFUSED.format("echo") in ln]
    check(len(cut) == 2, f"both streams' failures logged alike:\n{cut}")
    hooks = [ln for ln in lines if 'msg="websocket hook failed"' in ln and "hook=on_message" in ln and
             REFUSED.format("echo") in ln]
    check(len(hooks) == 2, f"both ws hooks' failures logged alike:\n{hooks}")
    for name in ("tick", "tick_thrown"):
        check(any('msg="scheduled task failed"' in ln and f"schedule={name} " in ln and REFUSED2.format("tick") in ln
                  for ln in lines), f"schedule {name}'s refusal logged:\n{out[-4000:]}")
    check(any('msg="on_stop failed"' in ln and REFUSED2.format("bye") in ln for ln in lines),
          f"on_stop's refusal logged:\n{out[-4000:]}")
    failed = [ln for ln in lines if "request failed" in ln and "rejected" in ln]
    for path in ("/shared/1", "/shared_thrown/1", "/finally/1", "/finally_thrown/1", "/_lux/rpc/relay",
                 "/_lux/rpc/relay_thrown"):
        check(any(f"path={path} " in ln for ln in failed), f"`request failed` logged for {path}")


def run(a):
    os.makedirs(a.out, exist_ok=True)
    p = build(a, program("rpc_refusal.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = {os.path.basename(x): x for x in p.stdout.split()}["rpc_refusal-front"]
    # A fresh outbox: no event of an earlier run is delivered again in this one.
    env = dict(os.environ, LUX_JOBS_PATH=":memory:", LUX_EVENTS_PATH=":memory:", LUX_ADMIN_TOKEN="e2e-secret")
    port = free_port()
    log = os.path.join(a.out, "rpc_refusal-front.log")
    proc = start_server(exe, port, env=env, name="front", log=log)
    try:
        # The first call fails to connect and opens the breaker; every later one is refused.
        st, _, text = request(port, "GET", "/thrown/0")
        check(st == 503 and "failed" in text, f"the call that opens the breaker: {st} {text}")
        paths = {"/thrown/1": "echo", "/expr/1": "echo", "/arg/1": "list", "/cond/9": "ok", "/helper/1": "echo",
                 "/lambda/1": "echo"}
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
        st, _, _ = request(port, "GET", "/lambda/2")
        check(st == 503 and rejected(port) == before + 1, "`map` stops calling the lambda after its refused call")

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
        more_sites(port, log)
    finally:
        out = stop_server(proc)
    more_sites_logged(out)
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
