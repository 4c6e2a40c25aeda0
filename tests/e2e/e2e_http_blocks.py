"""e2e case `http_blocks`: programs/http_blocks.lux built once. Three replicas share one
redis-server (started here): 30 requests spread over them allow `max` (10) in all, the rest get
429 with Retry-After and RateLimit-* in the JSON error shape; CORS preflights with curl (allowed
origin: 204 with the Access-Control-* headers, also for a path with no route; another origin,
method or header: none), actual requests and 429s carry Access-Control-Allow-Origin; the default
Cache-Control, and a handler's cache_control over it; `max_body` 413, `max_header_bytes` 431,
`header_timeout` 408 and `idle_timeout` over raw sockets. Then the same program with the buckets
in memory (no `store`): one replica allows `max`.
"""
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

from e2e import (build, build_text, check, free_port, program, program_text, replace_all, start_server, stop_server)
from e2e_redis import start_redis

ORIGIN = "http://localhost:5173"


def get(port, path, headers=None, method="GET", data=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode()


def curl_headers(port, path, *args):
    """(status, headers) of a curl request: curl -si prints the head."""
    p = subprocess.run(["curl", "-s", "-i", "-o", "-", *args, f"http://127.0.0.1:{port}{path}"], capture_output=True,
                       text=True, timeout=15)
    head = p.stdout.replace("\r\n", "\n").split("\n\n", 1)[0].split("\n")
    status = int(head[0].split()[1]) if head and head[0].startswith("HTTP/") else 0
    headers = {}
    for line in head[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers


def check_cors(port):
    st, h = curl_headers(port, "/echo", "-X", "OPTIONS", "-H", f"Origin: {ORIGIN}", "-H",
                         "Access-Control-Request-Method: POST", "-H", "Access-Control-Request-Headers: content-type")
    check(st == 204, f"preflight: {st}")
    check(h.get("access-control-allow-origin") == ORIGIN, f"preflight allow-origin: {h}")
    check(h.get("access-control-allow-methods") == "GET, POST", f"preflight methods: {h}")
    check(h.get("access-control-allow-headers") == "Content-Type, Authorization", f"preflight headers: {h}")
    check(h.get("access-control-allow-credentials") == "true", f"preflight credentials: {h}")
    check("Origin" in h.get("vary", ""), f"preflight vary: {h}")
    st, h = curl_headers(port, "/no/such/route", "-X", "OPTIONS", "-H", f"Origin: {ORIGIN}", "-H",
                         "Access-Control-Request-Method: GET")
    check(st == 204 and h.get("access-control-allow-origin") == ORIGIN, f"preflight of a path with no route: {st} {h}")
    for args in (["-H", "Origin: https://evil.example", "-H", "Access-Control-Request-Method: GET"],
                 ["-H", f"Origin: {ORIGIN}", "-H", "Access-Control-Request-Method: DELETE"],
                 ["-H", f"Origin: {ORIGIN}", "-H", "Access-Control-Request-Method: POST", "-H",
                  "Access-Control-Request-Headers: x-secret"]):
        st, h = curl_headers(port, "/hello", "-X", "OPTIONS", *args)
        check(st == 204 and "access-control-allow-origin" not in h, f"refused preflight {args}: {st} {h}")
    st, h, body = get(port, "/hello", {"Origin": ORIGIN})
    check(st == 200 and h.get("access-control-allow-origin") == ORIGIN and h.get("access-control-expose-headers") == "X-Total",
          f"actual request: {st} {h}")
    check(json.loads(body).get("big") == 10_000_000, f"numeric separators: {body}")
    st, h, _ = get(port, "/hello", {"Origin": "https://evil.example"})
    check(st == 200 and "access-control-allow-origin" not in h, f"other origin: {h}")


def check_limits(port):
    st, h, body = get(port, "/hello")
    check(h.get("cache-control") == "max-age=3600, stale-while-revalidate=60", f"default Cache-Control: {h}")
    st, h, body = get(port, "/fresh")
    check(h.get("cache-control") == "max-age=5", f"cache_control overrides the default: {h}")
    st, h, body = get(port, "/echo", {"Content-Type": "application/json"}, "POST", json.dumps("x" * 990).encode())
    check(st == 200, f"a body under max_body: {st} {body}")
    st, h, body = get(port, "/echo", {"Content-Type": "application/json"}, "POST", json.dumps("x" * 1000).encode())
    check(st == 413 and "error" in json.loads(body or "{}"), f"max_body: {st} {body}")
    st, h, body = get(port, "/hello", {"X-Big": "y" * 5000})
    check(st == 431, f"max_header_bytes: {st}")
    with socket.create_connection(("127.0.0.1", port), timeout=6) as s:  # header_timeout 2 s
        s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n")
        t0 = time.time()
        data = s.recv(4096)
        check(data.startswith(b"HTTP/1.1 408") and 1.5 < time.time() - t0 < 5, f"header_timeout: {data[:40]!r} after {time.time() - t0:.1f} s")
    with socket.create_connection(("127.0.0.1", port), timeout=6) as s:  # idle_timeout 1 s
        s.sendall(b"GET /fresh HTTP/1.1\r\nHost: x\r\n\r\n")
        data = s.recv(4096)
        t0 = time.time()
        while data:
            data = s.recv(4096)
        check(0.5 < time.time() - t0 < 4, f"idle_timeout: closed after {time.time() - t0:.1f} s")


def flush(port):
    """FLUSHALL on the test's redis-server: the buckets start full again."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"*1\r\n$8\r\nFLUSHALL\r\n")
        check(s.recv(64).startswith(b"+OK"), "FLUSHALL")


def count(ports, n):
    ok = limited = 0
    for i in range(n):
        st, h, body = get(ports[i % len(ports)], "/hello", {"Origin": ORIGIN})
        if st == 200:
            ok += 1
            check("ratelimit-remaining" in h and h.get("ratelimit-limit") == "10", f"allowed: RateLimit-* {h}")
        elif st == 429:
            limited += 1
            b = json.loads(body)
            check(int(h.get("retry-after", "0")) >= 1 and h.get("ratelimit-remaining") == "0", f"429 headers: {h}")
            check(b.get("error") == "too many requests" and b.get("request_id") == h.get("x-request-id"), f"429 body: {b}")
            check(h.get("access-control-allow-origin") == ORIGIN, f"429 readable cross-origin: {h}")
        else:
            check(False, f"status {st}: {body}")
    return ok, limited


def run(a):
    os.makedirs(a.out, exist_ok=True)
    p = build(a, program("http_blocks.lux"))
    check(p.returncode == 0, f"build: {p.stderr}")
    if p.returncode != 0:
        return
    exe = p.stdout.strip().splitlines()[-1]
    redis, rport = start_redis(os.path.join(a.out, "redis"))
    if not redis:
        return
    env = dict(os.environ, REDIS_URL=f"redis://127.0.0.1:{rport}/0")
    ports = [free_port() for _ in range(3)]
    procs = [start_server(exe, port, env=env, name=f"replica{i}") for i, port in enumerate(ports)]
    try:
        ok, limited = count(ports, 30)
        check(ok == 10 and limited == 20, f"three replicas together allow max=10: {ok} allowed, {limited} limited")
        flush(rport)
        check_cors(ports[0])
        flush(rport)
        check_limits(ports[1])
    finally:
        for proc in procs:
            out = stop_server(proc)
            check(proc.returncode == 0, f"replica exit {proc.returncode}: {out[-500:]}")
        redis.terminate()
        redis.wait()
    text = replace_all(program_text("http_blocks.lux"), ', store: "redis", url: REDIS_URL', "")
    exe = build_text(a.luxc, os.path.join(a.out, "memory"), "http_blocks.lux", text)
    check(exe is not None, "the in-memory variant builds")
    if exe:
        port = free_port()
        proc = start_server(exe, port)
        ok, limited = count([port], 14)
        check(ok == 10 and limited == 4, f"in memory: {ok} allowed, {limited} limited")
        stop_server(proc)
        check(proc.returncode == 0, "in-memory server exit 0")
