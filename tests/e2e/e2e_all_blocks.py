"""e2e case `all_blocks`: programs/all_blocks.lux uses every HTTP block in one server over HTTPS
(a throwaway CA and certificate made with the openssl CLI, as e2e_tls does). Checked together with
curl --cacert and Python (ssl, http.cookiejar, urllib): a CORS preflight and an actual request
from the allowed origin (none for another origin); compressed JSON and static answers whose Vary
lists both Origin and Accept-Encoding (HEAD and the 304 of a gzip copy too); a static file's
Range and ETag/304 over TLS (the bytes checked); the SPA fallback; a session login/counter flow through a cookie jar; a multipart upload,
415 for a type not allowed and 413 too large; the per-route and the server rate limit (429 with
RateLimit-* and the CORS headers); the cache default and a route's `with cache`; /ready and
/health answering 200 with `Cache-Control: no-store` over the cache default; and the
served /openapi.json equal to `luxc openapi`, listing 413 (and 415) on operations with a body.
"""
import gzip
import http.client
import http.cookiejar
import json
import os
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request

from e2e import build_text, check, curl_response, free_port, program_text, replace_all, start_server, stop_server
from e2e_tls import make_pki
from e2e_uploads import multipart, PNG

ORIGIN = "https://app.example.com"
CSS = "body { color: #333; margin: 0 auto; max-width: 40em; }\n" * 60
SHELL = "<!doctype html><div id=app></div><script src=/assets/site.css></script>\n"


def layout(root):
    shutil.rmtree(os.path.join(root, "public"), ignore_errors=True)
    os.makedirs(os.path.join(root, "public", "assets"))
    os.makedirs(os.path.join(root, "public", "dist"))
    for rel, data in (("public/assets/site.css", CSS.encode()), ("public/assets/blob.bin", bytes(range(256)) * 64),
                      ("public/dist/index.html", SHELL.encode())):
        with open(os.path.join(root, rel), "wb") as f:
            f.write(data)


class Client:
    def __init__(self, port, pki):
        self.port = port
        self.ctx = ssl.create_default_context(cafile=os.path.join(pki, "ca.pem"))

    def req(self, method, path, headers=None, body=None):
        """(status, headers with lower-case names, raw body bytes); Vary lines are joined."""
        c = http.client.HTTPSConnection("localhost", self.port, context=self.ctx, timeout=10)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            h = {}
            for k, v in r.getheaders():
                k = k.lower()
                h[k] = f"{h[k]}, {v}" if k in h else v
            return r.status, h, data
        finally:
            c.close()


def vary(h):
    return {v.strip().lower() for v in h.get("vary", "").split(",") if v.strip()}


def curl(port, pki, path, *args):
    return curl_response(f"https://localhost:{port}{path}", "--cacert", os.path.join(pki, "ca.pem"), *args)


def check_cors(c, port, pki):
    st, h, _ = curl(port, pki, "/api/echo", "-X", "OPTIONS", "-H", f"Origin: {ORIGIN}", "-H",
                    "Access-Control-Request-Method: POST", "-H", "Access-Control-Request-Headers: content-type")
    check(st == 204 and h.get("access-control-allow-origin") == ORIGIN and h.get("access-control-allow-credentials") == "true"
          and h.get("access-control-allow-methods") == "GET, POST", f"preflight over TLS: {st} {h}")
    st, h, _ = curl(port, pki, "/api/echo", "-X", "OPTIONS", "-H", "Origin: https://evil.example", "-H",
                    "Access-Control-Request-Method: POST")
    check("access-control-allow-origin" not in h, f"preflight from another origin: {st} {h}")
    st, h, body = c.req("POST", "/api/echo", {"Origin": ORIGIN, "Content-Type": "application/json"}, b'{"a": 1}')
    check(st == 200 and json.loads(body) == {"got": {"a": 1}} and h.get("access-control-allow-origin") == ORIGIN
          and h.get("access-control-expose-headers") == "X-Total", f"actual request: {st} {h} {body[:200]}")
    st, h, _ = c.req("GET", "/api/small", {"Origin": "https://evil.example"})
    check(st == 200 and "access-control-allow-origin" not in h, f"other origin's request: {st} {h}")


def check_compression(c):
    st, h, body = c.req("GET", "/api/items", {"Origin": ORIGIN, "Accept-Encoding": "gzip"})
    check(st == 200 and h.get("content-encoding") == "gzip", f"compressed JSON: {st} {h}")
    if h.get("content-encoding") == "gzip":
        check(len(json.loads(gzip.decompress(body))) == 60, "the gzip JSON decodes")
    check({"origin", "accept-encoding"} <= vary(h), f"JSON Vary lists Origin and Accept-Encoding: {h.get('vary')}")
    check(h.get("access-control-allow-origin") == ORIGIN, f"compressed JSON keeps CORS: {h}")
    check(h.get("cache-control") == "max-age=300, stale-while-revalidate=30", f"cache default on JSON: {h}")
    st, h, body = c.req("GET", "/assets/site.css", {"Origin": ORIGIN, "Accept-Encoding": "gzip"})
    check(st == 200 and h.get("content-encoding") == "gzip", f"compressed static: {st} {h}")
    if h.get("content-encoding") == "gzip":
        check(gzip.decompress(body) == CSS.encode(), "the gzip CSS decodes to the file")
    check({"origin", "accept-encoding"} <= vary(h), f"static Vary lists Origin and Accept-Encoding: {h.get('vary')}")
    check(h.get("access-control-allow-origin") == ORIGIN, f"static keeps CORS: {h}")
    st, h, body = c.req("GET", "/api/small", {"Accept-Encoding": "gzip"})
    check(st == 200 and "content-encoding" not in h and json.loads(body) == {"ok": True}, f"below min_size: {h}")
    # HEAD gets the identity headers with the GET's Vary; revalidating the gzip copy gets a 304
    # whose Vary is the 200's (the cache keeps its variants apart).
    st, h, body = c.req("HEAD", "/assets/site.css", {"Origin": ORIGIN, "Accept-Encoding": "gzip"})
    check(st == 200 and body == b"" and {"origin", "accept-encoding"} <= vary(h), f"HEAD Vary: {st} {h}")
    st, h, _ = c.req("GET", "/assets/site.css", {"Origin": ORIGIN, "Accept-Encoding": "gzip"})
    etag = h.get("etag", "")
    check(etag.startswith('W/"'), f"the gzip copy's ETag is weak: {etag}")
    st, h, body = c.req("GET", "/assets/site.css", {"Origin": ORIGIN, "Accept-Encoding": "gzip", "If-None-Match": etag})
    check(st == 304 and body == b"" and {"origin", "accept-encoding"} <= vary(h), f"304 of the gzip copy: {st} {h}")


def check_static(c, port, pki):
    blob = bytes(range(256)) * 64
    st, h, body = c.req("GET", "/assets/blob.bin")
    check(st == 200 and body == blob and h.get("etag"), f"static over TLS: {st} {len(body)} bytes {h}")
    etag = h.get("etag", "")
    st, h, body = c.req("GET", "/assets/blob.bin", {"Range": "bytes=1000-1999"})
    check(st == 206 and body == blob[1000:2000] and h.get("content-range") == f"bytes 1000-1999/{len(blob)}",
          f"range over TLS: {st} {len(body)} {h}")
    st, h, body = curl(port, pki, "/assets/blob.bin", "-r", "-100")
    check(st == 206 and body == blob[-100:], f"curl suffix range: {st} {len(body)}")
    st, h, body = c.req("GET", "/assets/blob.bin", {"If-None-Match": etag})
    check(st == 304 and body == b"", f"ETag 304 over TLS: {st} {h}")
    for path in ("/", "/shop/cart/42"):
        st, h, body = c.req("GET", path)
        check(st == 200 and body == SHELL.encode() and h.get("content-type", "").startswith("text/html"),
              f"SPA fallback {path}: {st} {body[:80]}")
    # `static "/"` covers every path: a GET that matches no route and no file gets the shell.
    st, h, body = c.req("GET", "/api/nothing")
    check(st == 200 and body == SHELL.encode(), f"an unknown path below the fallback: {st} {body[:80]}")
    st, h, body = c.req("POST", "/api/nothing", {"Content-Type": "application/json"}, b"{}")
    check(400 <= st < 500 and "error" in json.loads(body or b"null"), f"POST to no route: {st} {body[:200]}")


def check_session(port, pki):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ssl.create_default_context(
        cafile=os.path.join(pki, "ca.pem"))), urllib.request.HTTPCookieProcessor(jar))

    def post(path, body=None):
        req = urllib.request.Request(f"https://localhost:{port}{path}", data=json.dumps(body or {}).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with opener.open(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    st, b = post("/api/login", {"user": "ada"})
    check(st == 200 and b == {"ok": True, "user": "ada"} and len(jar) == 1, f"login: {st} {b} {list(jar)}")
    check(all(k.secure and k.name == "__sid" for k in jar), f"the session cookie is Secure: {list(jar)}")
    for n in (1, 2, 3):
        st, b = post("/api/visit")
        check(st == 200 and b == {"user": "ada", "visits": n}, f"visit {n}: {st} {b}")
    st, b = post("/api/logout")
    check(st == 200, f"logout: {st} {b}")
    st, b = post("/api/visit")
    check(st == 200 and b.get("visits") == 1 and b.get("user") is None, f"after logout: {st} {b}")


def check_upload(c):
    body, ctype = multipart([("avatar", "dot.png", "image/png", PNG), ("notes", "a.txt", "text/plain", b"hello"),
                             ("title", None, None, b"holiday")])
    st, h, data = c.req("POST", "/api/upload", {"Content-Type": ctype, "Origin": ORIGIN}, body)
    b = json.loads(data or b"null")
    check(st == 200 and b == {"names": ["dot.png", "a.txt"], "sizes": [len(PNG), 5], "form": {"title": "holiday"}},
          f"upload over TLS: {st} {b}")
    check(h.get("access-control-allow-origin") == ORIGIN, f"upload answer keeps CORS: {h}")
    body, ctype = multipart([("doc", "x.pdf", "application/pdf", b"%PDF-1.4 hello")])
    st, h, data = c.req("POST", "/api/upload", {"Content-Type": ctype}, body)
    b = json.loads(data or b"null")
    check(st == 415 and "error" in b and "request_id" in b, f"type not allowed: {st} {b}")
    body, ctype = multipart([("notes", "big.txt", "text/plain", b"x" * 150_000)])
    st, h, data = c.req("POST", "/api/upload", {"Content-Type": ctype}, body)
    b = json.loads(data or b"null")
    check(st == 413 and "error" in b, f"file past max_size: {st} {b}")
    st, h, data = c.req("POST", "/api/echo", {"Content-Type": "application/json"}, json.dumps("y" * 250_000).encode())
    check(st == 413 and "error" in json.loads(data or b"null"), f"body past max_body: {st} {data[:200]}")


def check_limits(c):
    st, h, body = c.req("GET", "/api/cached")
    check(st == 200 and h.get("cache-control") == "max-age=120", f"with cache(120): {h.get('cache-control')}")
    for path in ("/ready", "/health"):  # probes are never cacheable, whatever `cache { }` says
        st, h, body = c.req("GET", path)
        check(st == 200 and json.loads(body).get("status") == "ok" and h.get("cache-control") == "no-store",
              f"{path}: {st} {h.get('cache-control')} {body}")
    seen = []
    for _ in range(3):
        st, h, body = c.req("GET", "/api/limited", {"Origin": ORIGIN})
        seen.append(st)
    check(seen == [200, 200, 429], f"per-route rate_limit(2, 60): {seen}")
    b = json.loads(body or b"null")
    check(h.get("ratelimit-remaining") == "0" and int(h.get("retry-after", "0")) >= 1 and b.get("error") == "too many requests",
          f"per-route 429: {h} {b}")
    check(h.get("access-control-allow-origin") == ORIGIN, f"per-route 429 keeps CORS: {h}")


def check_server_limit(c):
    n = 0
    while n < 40:
        st, h, body = c.req("GET", "/api/small", {"Origin": ORIGIN})
        n += 1
        if st == 429:
            break
        check(st == 200 and h.get("ratelimit-limit") == "5", f"under the server limit: {st} {h}")
    check(st == 429 and n == 6, f"the server rate_limit (max 5) refuses the 6th request: {st} after {n}")
    b = json.loads(body or b"null")
    check(h.get("ratelimit-remaining") == "0" and int(h.get("retry-after", "0")) >= 1 and "request_id" in b,
          f"server 429: {h} {b}")
    check(h.get("access-control-allow-origin") == ORIGIN, f"server 429 keeps CORS: {h}")


def check_openapi(a, c, source):
    st, h, body = c.req("GET", "/openapi.json")
    check(st == 200, f"/openapi.json: {st}")
    doc = json.loads(gzip.decompress(body) if h.get("content-encoding") == "gzip" else body)
    printed = subprocess.run([a.luxc, "openapi", source], capture_output=True, text=True)
    check(printed.returncode == 0 and json.loads(printed.stdout or "null") == doc, "served OpenAPI differs from luxc openapi")
    for path in ("/api/echo", "/api/upload", "/api/login"):
        responses = doc.get("paths", {}).get(path, {}).get("post", {}).get("responses", {})
        check("413" in responses and "415" in responses, f"POST {path} lists 413 and 415: {sorted(responses)}")
    responses = doc.get("paths", {}).get("/api/limited", {}).get("get", {}).get("responses", {})
    check("429" in responses, f"GET /api/limited lists 429: {sorted(responses)}")
    path = os.path.join(a.out, "all_blocks.openapi.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    npm_dir = os.path.join(a.out, "npm")
    if not os.path.isdir(os.path.join(npm_dir, "node_modules", "@apidevtools", "swagger-parser")):
        r = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", npm_dir,
                            "@apidevtools/swagger-parser@10"], capture_output=True, text=True, timeout=300)
        check(r.returncode == 0, f"npm install: {r.stderr[-2000:]}")
    script = os.path.join(npm_dir, "validate.js")
    shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "openapi_validate.js"), script)
    r = subprocess.run(["node", script, path], capture_output=True, text=True, timeout=120, cwd=npm_dir)
    check(r.returncode == 0 and "valid " in r.stdout, f"OpenAPI validation: {r.stdout}{r.stderr}")


def run(a):
    os.makedirs(a.out, exist_ok=True)
    pki = os.path.join(a.out, "pki")
    os.makedirs(pki, exist_ok=True)
    make_pki(pki)
    layout(a.out)
    exe = build_text(a.luxc, os.path.join(a.out, "bin"), "all_blocks.lux", program_text("all_blocks.lux"))
    if not exe:
        return
    source = os.path.join(a.out, "bin", "all_blocks.lux")
    env = dict(os.environ, TLS_CERT=os.path.join(pki, "cert.pem"), TLS_KEY=os.path.join(pki, "key.pem"), RATE_MAX="200",
               TMPDIR=a.out)
    port = free_port()
    proc = start_server(exe, port, env=env, cwd=a.out)
    c = Client(port, pki)
    try:
        check_cors(c, port, pki)
        check_compression(c)
        check_static(c, port, pki)
        check_session(port, pki)
        check_upload(c)
        check_limits(c)
        check_openapi(a, c, source)
    finally:
        out = stop_server(proc)
        check(proc.returncode == 0, f"exit {proc.returncode}:\n{out[-2000:]}")
    # The server limit on its own: a fresh process, every bucket full again.
    proc = start_server(exe, port, env=dict(env, RATE_MAX="5"), cwd=a.out)
    try:
        check_server_limit(Client(port, pki))
    finally:
        out = stop_server(proc)
        check(proc.returncode == 0, f"exit {proc.returncode}:\n{out[-2000:]}")
