"""e2e case `error_answers`: tests/golden/openapi/literal_statuses.lux built and served. Every
error answer has one shape, {error, details?, request_id} with request_id the response's
X-Request-Id: respond_error from a handler (404, 409 with details), the built-in 400s naming
where the value was expected (path parameter, query parameter, body field, a missing body
field), the router's 404. The literal statuses the OpenAPI document lists are the ones served
(201, 204, 302 with Location, 410). A deleted link's id is not handed out again, also after a
restart (SQLite AUTOINCREMENT)."""
import http.client
import json
import os

from e2e import build, check, free_port, start_server, stop_server


def call(port, method, path, body=None, raw=None):
    """(status, headers, text) without following redirects; `raw` is sent as a JSON body as is."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        headers = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        return r.status, {k: v for k, v in r.getheaders()}, r.read().decode()
    finally:
        conn.close()


def expect_error(port, method, path, status, message, details=None, body=None, raw=None):
    """The answer is `status` with exactly {error, details?, request_id} in the one shape."""
    st, headers, text = call(port, method, path, body, raw)
    what = f"{method} {path}"
    check(st == status, f"{what}: status {st}, expected {status} ({text})")
    try:
        got = json.loads(text)
    except ValueError:
        check(False, f"{what}: body is not JSON: {text!r}")
        return
    want_keys = {"error", "request_id"} | ({"details"} if details is not None else set())
    check(set(got) == want_keys, f"{what}: keys {sorted(got)}, expected {sorted(want_keys)} ({text})")
    check(got.get("error") == message, f"{what}: error {got.get('error')!r}, expected {message!r}")
    if details is not None:
        check(got.get("details") == details, f"{what}: details {got.get('details')!r}, expected {details!r}")
    rid = headers.get("X-Request-Id")
    check(rid and got.get("request_id") == rid, f"{what}: request_id {got.get('request_id')!r}, X-Request-Id {rid!r}")


def run(a):
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.root, "tests", "golden", "openapi", "literal_statuses.lux")
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    data = os.path.join(a.out, "data")
    os.makedirs(data, exist_ok=True)
    for f in os.listdir(data):
        os.remove(os.path.join(data, f))
    port = free_port()
    proc = start_server(exe, port, cwd=data, name="error_answers")
    try:
        st, _, text = call(port, "POST", "/links", {"slug": "a", "url": "https://example.com/a"})
        check(st == 201 and json.loads(text)["id"] == 1, f"POST /links: {st} {text}")
        st, _, text = call(port, "POST", "/slugs", {"slug": "b", "url": "https://example.com/b"})
        check(st == 201 and json.loads(text)["id"] == 2, f"POST /slugs: {st} {text}")

        # respond_error from handlers.
        expect_error(port, "GET", "/links/99", 404, "no link 99")
        expect_error(port, "POST", "/slugs", 409, "slug taken", details={"slug": "a"},
                     body={"slug": "a", "url": "https://example.com/again"})
        # The built-in 400s name where the value was expected.
        expect_error(port, "GET", "/links/abc", 400, 'path parameter `id`: expected Int, got "abc"')
        expect_error(port, "GET", "/search", 400, "missing query parameter `q`")
        expect_error(port, "POST", "/slugs", 400, "missing body field `slug`", body={"url": "https://example.com/c"})
        expect_error(port, "POST", "/slugs", 400, "body field `slug`: expected String, got Int", body={"slug": 5, "url": "u"})
        expect_error(port, "POST", "/slugs", 400, "missing body field `url`", body={"slug": "c"})
        # The router's own answer has the same shape.
        expect_error(port, "GET", "/nowhere", 404, "not found")

        # The literal statuses the document lists.
        st, headers, text = call(port, "GET", "/go/a")
        check(st == 302 and headers.get("Location") == "https://example.com/a", f"GET /go/a: {st} {headers} {text}")
        st, _, text = call(port, "GET", "/go/zzz")
        check(st == 410 and json.loads(text) == {"error": "gone", "slug": "zzz"}, f"GET /go/zzz: {st} {text}")
        st, _, text = call(port, "GET", "/openapi.json")
        doc = json.loads(text)
        check(sorted(doc["paths"]["/go/{slug}"]["get"]["responses"]) == ["302", "400", "410", "500"],
              f"/go/{{slug}} responses: {sorted(doc['paths']['/go/{slug}']['get']['responses'])}")
        check(sorted(doc["paths"]["/links"]["post"]["responses"]) == ["201", "400", "413", "500"],
              f"/links responses: {sorted(doc['paths']['/links']['post']['responses'])}")

        # A deleted link's id is never handed out again.
        st, _, _ = call(port, "DELETE", "/links/2")
        check(st == 204, f"DELETE /links/2: {st}")
        expect_error(port, "DELETE", "/links/2", 404, "no link 2")
        st, _, text = call(port, "POST", "/links", {"slug": "c", "url": "https://example.com/c"})
        check(st == 201 and json.loads(text)["id"] == 3, f"POST /links after a delete: {st} {text}")
        st, _, _ = call(port, "DELETE", "/links/3")
        check(st == 204, f"DELETE /links/3: {st}")
    finally:
        stop_server(proc)
    check(proc.returncode == 0, f"exit status after SIGTERM: {proc.returncode}")
    proc = start_server(exe, port, cwd=data, name="error_answers")
    try:
        st, _, text = call(port, "POST", "/links", {"slug": "d", "url": "https://example.com/d"})
        check(st == 201 and json.loads(text)["id"] == 4, f"POST /links after a restart: {st} {text}")
    finally:
        stop_server(proc)
