"""e2e case `rpc_refusal_middleware`: a call refused by an open breaker inside routes that run
under middleware — the server's blocks (cors, compression, session, rate_limit, cache), middleware
functions in the (req, next), (req, res) and (req) forms, a deprecated group with a middleware
function of its own, a group whose middleware catches the error, route modifiers (timeout,
cache) — travels back through the middleware as a result and is answered exactly as the raised
error (a lambda called through a function value raises it): the same status, body and headers
(CORS answers it, so the stages inside CORS add nothing; a deprecated group answers it with its
headers, so the server's middleware then treats that answer as any other), the same `on_error`
call and `request failed` line, and the code after `next` runs for neither
(programs/rpc_refusal_middleware.lux).
"""
import gzip
import http.client
import json
import os

from e2e import build, check, free_port, program, request, start_server, stop_server
from e2e_rpc_deferred import body_without_id

REFUSED = "call of dead.echo rejected: the circuit breaker of `dead` is open"
ORIGIN = "https://app.example.com"
# Headers that differ between any two answers (a new session's cookie is compared by its name).
VOLATILE = {"date", "x-request-id", "content-length", "ratelimit-remaining", "ratelimit-reset"}


def get(port, path):
    """GET with a browser's Origin and Accept-Encoding: (status, headers without the volatile
    ones, decoded body)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path, headers={"Origin": ORIGIN, "Accept-Encoding": "gzip"})
        r = c.getresponse()
        raw = r.read()
        headers = {k.lower(): v for k, v in r.getheaders() if k.lower() not in VOLATILE}
        if "set-cookie" in headers:
            headers["set-cookie"] = headers["set-cookie"].split("=", 1)[0]
        if headers.get("content-encoding") == "gzip":
            raw = gzip.decompress(raw)
        return r.status, headers, body_without_id(raw.decode(errors="replace"))
    finally:
        c.close()


def counts(port):
    st, _, text = request(port, "GET", "/counts")
    return json.loads(text) if st == 200 else None


def run(a):
    os.makedirs(a.out, exist_ok=True)
    p = build(a, program("rpc_refusal_middleware.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = {os.path.basename(x): x for x in p.stdout.split()}["rpc_refusal_middleware-front"]
    port = free_port()
    log = os.path.join(a.out, "rpc_refusal_middleware-front.log")
    proc = start_server(exe, port, env=dict(os.environ), name="front", log=log)
    paths = ["/expr/1", "/gate/1", "/session/1", "/timed/1", "/old/expr/1"]
    try:
        # The first call fails to connect and opens the breaker; every later one is refused.
        st, _, text = get(port, "/expr_thrown/0")
        check(st == 503 and "failed" in str(text), f"the call that opens the breaker: {st} {text}")

        # A good answer goes through every stage: compression (its Vary), CORS, cache, rate
        # limit, the decorator.
        st, headers, body = get(port, "/ok")
        check(st == 200 and body.get("ok") is True, f"/ok: {st} {body}")
        for name in ("access-control-allow-origin", "cache-control", "ratelimit-limit", "x-stamp"):
            check(name in headers, f"/ok has {name}: {headers}")
        check("Accept-Encoding" in headers.get("vary", ""), f"/ok went through compression: {headers}")

        before = counts(port)
        for path in paths:
            twin = path.replace("/1", "_thrown/1")
            got = {p: get(port, p) for p in (path, twin)}
            st, headers, body = got[path]
            check(got[path] == got[twin], f"{path} answers as its raised twin:\n{got[path]}\n{got[twin]}")
            check((st, body) == (503, {"error": REFUSED, "status": 503}), f"{path}: {st} {body}")
            # CORS answers the error (on_error); the stages inside it see none of it: no
            # compression, rate-limit, cache or decorator headers. The session stage is outside
            # CORS: it saves the session the handler changed, for both alike.
            check(headers.get("access-control-allow-origin") == ORIGIN, f"{path}: CORS headers: {headers}")
            check(("set-cookie" in headers) == (path == "/session/1"), f"{path}: a session cookie: {headers}")
            if path.startswith("/old/"):
                # The deprecated group answers the error inside the server's middleware, which
                # then decorates and counts that answer as a good one.
                check(headers.get("deprecation") and headers.get("sunset") and headers.get("x-stamp") and
                      "ratelimit-limit" in headers, f"{path}: the group's headers: {headers}")
            else:
                check("Accept-Encoding" not in headers.get("vary", "") and "ratelimit-limit" not in headers and
                      "cache-control" not in headers and "x-stamp" not in headers,
                      f"{path}: the headers of an error answer: {headers}")
        after = counts(port)
        # Every request entered `around` (the /old ones `count_old` too). None left `count_old`
        # after `next`; of `around`, the first /counts request (after its handler had read the
        # counts) and the two /old ones, answered by their group inside it.
        check(after["before_next"] - before["before_next"] == 2 * len(paths) + 2 + 1 and
              after["after_next"] - before["after_next"] == 3,
              f"the code after `next` ran for no failed request: {before} -> {after}")

        got = {p: get(port, p) for p in ("/caught/expr/1", "/caught/expr_thrown/1")}
        check(got["/caught/expr/1"] == got["/caught/expr_thrown/1"] and got["/caught/expr/1"][0] == 502 and
              got["/caught/expr/1"][2] == {"caught": REFUSED, "status": 503},
              f"the group's middleware catches both alike: {got}")

        st, _, text = request(port, "GET", "/errors")
        seen = [e["path"] for e in json.loads(text)] if st == 200 else []
        want = ["/expr_thrown/0"] + [p for path in paths for p in (path, path.replace("/1", "_thrown/1"))]
        check(seen == want, f"on_error saw each refusal once: {seen}, want {want}")
    finally:
        out = stop_server(proc)
    failed = [ln for ln in out.splitlines() if "request failed" in ln and "rejected" in ln]
    for path in paths:
        for p in (path, path.replace("/1", "_thrown/1")):
            check(sum(f"path={p} " in ln for ln in failed) == 1, f"`request failed` logged once for {p}")
