"""e2e case `route_groups`: route groups and route modifiers over HTTP (programs/route_groups.lux):
group prefixes, group middleware order (the server's, then the outer group's, then the inner's;
none for routes outside the group), Deprecation/Sunset headers on every answer of a deprecated
group, `role` (403 with the error shape; JWTs made here), `cache` (Cache-Control on 200 GET only),
and `timeout`: 504 at the deadline, also when the handler waits on an RPC call to a slow second
server, which the caller abandons long before the callee's handler ends.
"""
import json
import os
import re
import time
import urllib.request

from e2e import build, check, expect_json, free_port, make_jwt, program, request, start_server, stop_server

SECRET = b"route-groups-e2e-secret-0123456789abcdef"


def get(port, path, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, r.headers, r.read().decode(), time.monotonic() - t0
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode(), time.monotonic() - t0


def token(**claims):
    return make_jwt(dict(sub="ann", exp=int(time.time()) + 600, **claims), secret=SECRET)


def check_groups(port):
    st, h, _, _ = get(port, "/ping")
    check(st == 200 and h.get("X-Mw-Global") and not h.get("X-Mw-Outer"), f"/ping: the group's middleware ran: {dict(h)}")
    check(h.get("Deprecation") is None and h.get("Sunset") is None, f"/ping carries no Deprecation: {dict(h)}")
    st, h, body, _ = get(port, "/api/v1/items")
    check(st == 200 and json.loads(body)["items"] == [1, 2, 3], f"GET /api/v1/items: {st} {body}")
    check(int(h.get("X-Mw-Global", 0)) < int(h.get("X-Mw-Outer", 0)), f"global before group middleware: {dict(h)}")
    check(h.get("Deprecation") == "@1767225600", f"Deprecation (RFC 9745) of 2026-01-01: {h.get('Deprecation')}")
    check(h.get("Sunset") == "Mon, 01 Jun 2026 00:00:00 GMT", f"Sunset (RFC 8594): {h.get('Sunset')}")
    check(h.get("Cache-Control") == "max-age=120", f"cache(120) on a 200 GET: {h.get('Cache-Control')}")
    st, h, body = request(port, "POST", "/api/v1/items", {"name": "x"})
    check(st == 200 and h.get("Cache-Control") is None, f"no Cache-Control on POST: {st} {dict(h)}")
    check(h.get("Deprecation") == "@1767225600", f"Deprecation on the group's POST too: {dict(h)}")
    st, h, _, _ = get(port, "/api/v2/items")
    check(st == 200 and not h.get("X-Mw-Outer") and not h.get("Deprecation"), f"/api/v2 is outside /api/v1: {dict(h)}")
    st, _, _, _ = get(port, "/api/v1/users")
    check(st == 404, f"a path under the prefix that no route declares: {st}")


def check_route_rate_limit(port):
    """`with rate_limit(max, window)`: the route's own bucket; other routes are not counted."""
    for path, limit in (("/api/v2/limited", 3), ("/api/v2/per_minute", 2)):
        answers = [get(port, path) for _ in range(limit + 2)]
        statuses = [st for st, _, _, _ in answers]
        check(statuses == [200] * limit + [429, 429], f"{path}: {limit} allowed then 429: {statuses}")
        st, h, body, _ = answers[-1]
        check(h.get("Retry-After") and h.get("RateLimit-Limit") == str(limit) and h.get("RateLimit-Remaining") == "0",
              f"{path}: 429 headers: {dict(h)}")
        got = json.loads(body)
        check(got.get("error") and got.get("request_id"), f"{path}: 429 body in the error shape: {body}")
    st, _, _, _ = get(port, "/api/v2/items")
    check(st == 200, f"a route without rate_limit is not limited: {st}")


def check_roles(port):
    st, h, body, _ = get(port, "/api/v1/admin/stats")
    check(st == 401 and h.get("Deprecation") == "@1767225600", f"no token: {st} {dict(h)} {body}")
    for tok, why in ((token(roles=["user"]), "roles without admin/ops"), (token(role="admin"), "`role` is not the roles_claim")):
        st, h, body, _ = get(port, "/api/v1/admin/stats", tok)
        got = json.loads(body)
        check(st == 403 and "admin" in got.get("error", "") and got.get("request_id"), f"{why}: {st} {body}")
        check(got.get("details", {}).get("required_roles") == ["admin", "ops"], f"403 details: {body}")
    calls_before = json.loads(get(port, "/api/v1/items")[2])["v1_calls"]
    st, h, body, _ = get(port, "/api/v1/admin/stats", token(roles=["ops"]))
    check(st == 200 and json.loads(body) == {"user": "ann"}, f"ops may call /admin/stats: {st} {body}")
    order = [int(h.get(k, 0)) for k in ("X-Mw-Global", "X-Mw-Outer", "X-Mw-Inner")]
    check(order[0] < order[1] < order[2], f"global, then outer group, then inner group middleware: {order}")
    st, _, body, _ = get(port, "/api/v1/items")
    check(json.loads(body)["v1_calls"] == calls_before + 2, f"the group's next-form middleware ran for both: {body}")
    st, _, body, _ = get(port, "/api/v1/admin/stats", token(roles="admin"))
    check(st == 200, f"a roles claim that is one String: {st} {body}")


def check_timeouts(port, slow):
    st, _, body, took = get(port, "/api/v2/nap")
    check(st == 504 and json.loads(body).get("request_id"), f"sleep past timeout(200): {st} {body}")
    check(0.18 <= took < 1.5, f"/api/v2/nap answered after {took:.3f}s, expected about 0.2s (the sleep is 2s)")
    st, _, body, _ = get(port, "/api/v2/quick")
    check(st == 200 and json.loads(body) == {"answer": 50}, f"an RPC call within its deadline: {st} {body}")
    st, h, body, took = get(port, "/api/v2/slow")
    check(st == 504 and json.loads(body).get("error") == "the request exceeded its deadline", f"/api/v2/slow: {st} {body}")
    check(0.28 <= took < 1.5, f"/api/v2/slow answered after {took:.3f}s: the RPC call (3 s) was not cut at 0.3 s")
    rid = h.get("X-Request-Id")
    # The callee's handler runs to its end (3 s); the caller stopped waiting at its deadline.
    deadline = time.time() + 10
    while time.time() < deadline and not re.search(rf'msg="slow work finished" ms=3000 request_id={rid}', slow_log(slow)):
        time.sleep(0.1)
    log = slow_log(slow)
    m = re.search(rf"path=/_lux/rpc/work status=200 duration_ms=([0-9.]+) request_id={rid}", log)
    check(m is not None, f"the callee finished the abandoned call:\n{log}")
    if m:
        callee_s = float(m.group(1)) / 1000
        check(callee_s > 2.5 and took < callee_s / 3, f"caller answered after {took:.3f}s, callee ran {callee_s:.3f}s")
    st, _, body, _ = get(port, "/api/v2/quick")
    check(st == 200, f"the deadline did not count against the breaker: {st} {body}")


def slow_log(proc):
    with open(proc.log_path, errors="replace") as f:
        return f.read()


def check_openapi(port):
    st, _, body, _ = get(port, "/openapi.json")
    doc = json.loads(body)
    items = doc["paths"].get("/api/v1/items", {}).get("get", {})
    check(items.get("deprecated") is True and items.get("x-api-version") == "1", f"deprecated group in OpenAPI: {items}")
    stats = doc["paths"].get("/api/v1/admin/stats", {}).get("get", {})
    check("403" in stats.get("responses", {}) and stats.get("security"), f"role route: 403 and security: {stats}")
    slow = doc["paths"].get("/api/v2/slow", {}).get("get", {})
    check("504" in slow.get("responses", {}), f"timeout route: 504: {slow}")
    limited = doc["paths"].get("/api/v2/limited", {}).get("get", {})
    check("429" in limited.get("responses", {}), f"rate_limit route: 429: {limited}")
    check("429" not in slow.get("responses", {}), f"no 429 on a route without a limit: {slow}")


def run(a):
    os.makedirs(a.out, exist_ok=True)
    p = build(a, program("route_groups.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exes = {os.path.basename(x): x for x in p.stdout.split()}
    api_port, slow_port = free_port(), free_port()
    env = dict(os.environ, LUX_JOBS_PATH=":memory:", LUX_SERVICE_SLOW_URL=f"http://127.0.0.1:{slow_port}")
    slow = start_server(exes["route_groups-slow"], slow_port, env=env, log=os.path.join(a.out, "slow.log"))
    api = start_server(exes["route_groups-api"], api_port, env=env)
    try:
        check_groups(api_port)
        check_roles(api_port)
        check_route_rate_limit(api_port)
        check_timeouts(api_port, slow)
        check_openapi(api_port)
    finally:
        out = stop_server(api)
        check("request deadline exceeded" in out, f"the api logs the deadline:\n{out[-2000:]}")
        stop_server(slow)
