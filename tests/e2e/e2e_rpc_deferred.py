"""e2e case `rpc_deferred`: a call of a discovered service written as a whole statement of a
route handler fails without an exception (its failure is returned to the route), and answers
exactly as the same call inside a lambda (which throws) does: the same status and body,
the same `on_error` argument, the same `request failed` log line; a `catch` still sees the
refusal; the breaker counts every refusal; behind middleware (`cors`, and a `middleware fn` whose
`catch` sees what the route raises) both forms answer alike too (programs/rpc_deferred.lux).
"""
import json
import os
import urllib.error
import urllib.request

from e2e import admin, build, check, free_port, program, request, start_server, stop_server


def body_without_id(text):
    try:
        v = json.loads(text)
    except ValueError:
        return text
    if isinstance(v, dict):
        v.pop("request_id", None)
    return v


def run(a):
    os.makedirs(a.out, exist_ok=True)
    p = build(a, program("rpc_deferred.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exes = {os.path.basename(x): x for x in p.stdout.split()}
    env = dict(os.environ, LUX_JOBS_PATH=":memory:", LUX_ADMIN_TOKEN="e2e-secret")
    front_port, plain_port, wrapped_port = free_port(), free_port(), free_port()
    front = start_server(exes["rpc_deferred-front"], front_port, env=env, name="front")
    plain = start_server(exes["rpc_deferred-plain"], plain_port, env=env, name="plain")
    wrapped = start_server(exes["rpc_deferred-wrapped"], wrapped_port, env=env, name="wrapped")
    try:
        # The first call fails to connect (502) and opens the breaker; every later one is refused.
        st, _, text = request(front_port, "GET", "/thrown/0")
        check(st == 503 and "failed" in text, f"the call that opens the breaker: {st} {text}")
        answers = {}
        for path in ("/deferred/1", "/thrown/1", "/last/1"):
            st, _, text = request(front_port, "GET", path)
            answers[path] = (st, body_without_id(text))
        want = (503, {"error": "call of dead.echo rejected: the circuit breaker of `dead` is open", "status": 503})
        for path, got in answers.items():
            check(got == want, f"{path}: on_error's answer {got}, want {want}")
        st, _, text = request(front_port, "GET", "/errors")
        seen = json.loads(text) if st == 200 else []
        check([e["path"] for e in seen] == ["/thrown/0", "/deferred/1", "/thrown/1", "/last/1"] and
              all(e["message"] == want[1]["error"] and e["status"] == 503 for e in seen[1:]),
              f"on_error saw each failure once, alike: {text}")
        st, _, text = request(front_port, "GET", "/caught/1")
        check(st == 200 and json.loads(text) == {"fallback": True, "message": want[1]["error"]},
              f"a catch sees the refusal: {st} {text}")
        st, text = admin(front_port, "GET", "/_lux/services")
        svc = json.loads(text)["services"][0] if st == 200 else {}
        check(svc.get("state") == "open" and svc.get("rejected") == 4, f"4 refused calls counted: {st} {text}")

        # Without on_error: the default answer, the same for both forms, never leaking the cause.
        request(plain_port, "GET", "/thrown")
        got = {}
        for path in ("/deferred", "/thrown"):
            st, _, text = request(plain_port, "GET", path)
            got[path] = (st, body_without_id(text), "request_id" in text)
        check(got["/deferred"] == got["/thrown"] == (500, {"error": "internal server error"}, True),
              f"default answers: {got}")

        # Behind middleware (a cross-origin request): the program's middleware catches both forms'
        # refusal alike, and cors adds its headers alike.
        request(wrapped_port, "GET", "/thrown")
        got = {}
        for path in ("/deferred", "/thrown"):
            req = urllib.request.Request(f"http://127.0.0.1:{wrapped_port}{path}",
                                         headers={"Origin": "http://localhost:5173"})
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    st, headers, text = r.status, r.headers, r.read().decode()
            except urllib.error.HTTPError as e:
                st, headers, text = e.code, e.headers, e.read().decode()
            got[path] = (st, body_without_id(text), headers.get("Access-Control-Allow-Origin"), headers.get("Vary"))
        want = (502, {"caught": "call of dead.echo rejected: the circuit breaker of `dead` is open"},
                "http://localhost:5173", "Origin")
        check(got["/deferred"] == got["/thrown"] == want, f"behind middleware: {got}, want {want}")
    finally:
        front_out = stop_server(front)
        plain_out = stop_server(plain)
        stop_server(wrapped)
    lines = [ln for ln in plain_out.splitlines() if "request failed" in ln and "rejected" in ln]
    check(any("/deferred" in ln for ln in lines) and any("/thrown" in ln for ln in lines),
          f"`request failed` logged for both forms:\n{plain_out}")
    check("before the call" in front_out, f"the handler ran up to its call:\n{front_out}")
