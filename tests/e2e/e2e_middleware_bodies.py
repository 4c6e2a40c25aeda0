"""e2e case `middleware_bodies`: a (req, next) middleware function that takes what `next(req)`
returns and returns it passes every kind of body on whole — a 400 KB static file sent from disk
(byte for byte), an event stream (both events), a chunked `stream()` body (every chunk) — and a
repeated header field (two Set-Cookie) as two fields, and the header it sets from the
response's `res.status` (`res.headers[...] = ...`) on every answer, a 404 included; the
middleware ran for each (programs/middleware_bodies.lux).
"""
import http.client
import json
import os

from e2e import build, check, free_port, program, request, start_server, stop_server


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        c.close()


def run(a):
    os.makedirs(os.path.join(a.out, "public"), exist_ok=True)
    big = os.urandom(400_000)
    with open(os.path.join(a.out, "public", "big.bin"), "wb") as f:
        f.write(big)
    p = build(a, program("middleware_bodies.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = {os.path.basename(x): x for x in p.stdout.split()}["middleware_bodies-web"]
    port = free_port()
    proc = start_server(exe, port, cwd=a.out, name="web")
    try:
        def seen_status(headers):
            return [v for k, v in headers if k.lower() == "x-seen-status"]

        st, headers, body = get(port, "/files/big.bin")
        check(st == 200 and body == big, f"the static file arrives whole: {st}, {len(body)} of {len(big)} bytes")
        check(seen_status(headers) == ["200"], f"the static file's headers: {headers}")
        st, headers, body = get(port, "/events")
        check(st == 200 and body.decode() == 'data: {"n":1}\n\ndata: {"n":2}\n\n', f"the event stream: {st} {body!r}")
        check(seen_status(headers) == ["200"], f"the event stream's headers: {headers}")
        st, _, body = get(port, "/export")
        check(st == 200 and body.decode() == "row 1\nrow 2\nrow 3\n", f"the chunked stream: {st} {body!r}")
        st, headers, _ = get(port, "/cookies")
        cookies = [v.split(";")[0] for k, v in headers if k.lower() == "set-cookie"]
        check(st == 200 and cookies == ["a=1", "b=2"], f"both cookies: {st} {headers}")
        st, headers, body = get(port, "/missing")
        check(st == 404 and json.loads(body) == {"error": "no such thing"} and seen_status(headers) == ["404"],
              f"a 404 through the middleware: {st} {headers} {body!r}")
        st, _, text = request(port, "GET", "/seen")
        check(st == 200 and json.loads(text) == {"seen": 5}, f"the middleware ran for each request: {st} {text}")
    finally:
        stop_server(proc)
