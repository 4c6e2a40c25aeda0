"""e2e case `http_finish` (programs/http_finish.lux), over real sockets with curl and Python:
- the answers the connection layer writes before any stage runs carry CORS headers: a 413 (body
  over `max_body`) and a 431 (head over `max_header_bytes`) from the allowed origin have
  Access-Control-Allow-Origin, from another origin none;
- a route group's `cors { }` replaces the server's under its prefix, preflights included (the
  innermost group's wins), and the server's still applies elsewhere;
- `trust_proxy`: without it a spoofed X-Forwarded-For changes neither `req.ip` nor the rate
  limit's bucket; with `trust_proxy "loopback"` (the peer is 127.0.0.1) `req.ip` and the access
  log's `ip` are the forwarded client's (X-Forwarded-For and Forwarded), and each forwarded
  client has its own bucket; with `trust_proxy ["10.0.0.0/8"]` the loopback peer is not trusted;
- /health is not counted by the server's rate limit (static files and routes are);
- LUX_MAX_BODY / --max-body (and the other limits) override the program, flag over env; a bad
  value stops the start with one line and exit 1.
"""
import os
import socket
import subprocess

from e2e import build_text, check, curl_response, free_port, program_text, replace_all, start_server, stop_server

ALLOWED = "https://app.example.com"
OTHER = "https://evil.example.com"


def raw(port, data):
    """Sends raw bytes, returns the whole answer (the server closes after an early error)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out.decode(errors="replace")
            out += chunk


def head_of(answer):
    lines = answer.split("\r\n\r\n")[0].split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, answer.split("\r\n\r\n", 1)[-1]


def early_answers(port):
    url = f"http://127.0.0.1:{port}/echo"
    big = '{"text": "' + "x" * 3000 + '"}'
    for origin, allowed in ((ALLOWED, True), (OTHER, False)):
        st, h, body = curl_response(url, "-X", "POST", "-H", "Content-Type: application/json", "-H", f"Origin: {origin}",
                                    "--data-binary", big)
        check(st == 413 and b"request body too large" in body, f"413 from {origin}: {st} {body!r}")
        got = h.get("access-control-allow-origin")
        check(got == (ALLOWED if allowed else None), f"413 from {origin}: Access-Control-Allow-Origin {got!r}")
        check(allowed == (h.get("access-control-allow-credentials") == "true"), f"413 from {origin}: credentials {h}")
        check("origin" in h.get("vary", "").lower(), f"413 from {origin}: no Vary: Origin ({h})")
    # 431: the head is too large to be parsed; the Origin line is found in what arrived.
    filler = "X-Filler: " + "y" * 3000 + "\r\n"
    for origin, allowed in ((ALLOWED, True), (OTHER, False)):
        answer = raw(port, f"GET /ip HTTP/1.1\r\nHost: x\r\nOrigin: {origin}\r\n{filler}\r\n".encode())
        st, h, _ = head_of(answer)
        check(st == 431, f"431 expected, got {answer[:200]!r}")
        check(h.get("access-control-allow-origin") == (ALLOWED if allowed else None), f"431 from {origin}: {h}")
    # A small body is served as usual, with the CORS headers of the stage.
    st, h, body = curl_response(url, "-X", "POST", "-H", "Content-Type: application/json", "-H", f"Origin: {ALLOWED}",
                                "--data-binary", '{"text": "abc"}')
    check(st == 200 and h.get("access-control-allow-origin") == ALLOWED, f"small POST: {st} {h}")


def group_cors(port):
    base = f"http://127.0.0.1:{port}"
    st, h, _ = curl_response(base + "/public/info", "-H", f"Origin: {OTHER}")
    check(st == 200 and h.get("access-control-allow-origin") == "*", f"/public/info from {OTHER}: {st} {h}")
    check("access-control-allow-credentials" not in h, f"/public/info: the server's credentials leak into the group's: {h}")
    st, h, _ = curl_response(base + "/ip", "-H", f"Origin: {OTHER}")
    check(st == 200 and "access-control-allow-origin" not in h, f"/ip from {OTHER} (server cors): {h}")
    st, h, _ = curl_response(base + "/public/info", "-X", "OPTIONS", "-H", f"Origin: {OTHER}",
                             "-H", "Access-Control-Request-Method: GET")
    check(st == 204 and h.get("access-control-allow-origin") == "*" and h.get("access-control-allow-methods") == "GET",
          f"preflight /public/info: {st} {h}")
    st, h, _ = curl_response(base + "/public/info", "-X", "OPTIONS", "-H", f"Origin: {OTHER}",
                             "-H", "Access-Control-Request-Method: POST")
    check(st == 204 and "access-control-allow-origin" not in h, f"preflight POST /public/info (GET only): {st} {h}")
    # The inner group's block replaces the outer one's.
    st, h, _ = curl_response(base + "/public/inner/x", "-H", f"Origin: {OTHER}")
    check(st == 200 and "access-control-allow-origin" not in h, f"/public/inner/x from {OTHER}: {h}")
    st, h, _ = curl_response(base + "/public/inner/x", "-X", "OPTIONS", "-H", "Origin: https://inner.example.com",
                             "-H", "Access-Control-Request-Method: GET")
    check(st == 204 and h.get("access-control-allow-origin") == "https://inner.example.com"
          and h.get("access-control-max-age") == "60", f"preflight /public/inner/x: {st} {h}")
    # A prefix is a path segment: /publicity is not under /public (404 with the server's policy).
    st, h, _ = curl_response(base + "/publicity", "-H", f"Origin: {OTHER}")
    check(st == 404 and "access-control-allow-origin" not in h, f"/publicity: {st} {h}")


def ip_of(port, *headers):
    args = []
    for hd in headers:
        args += ["-H", hd]
    st, h, body = curl_response(f"http://127.0.0.1:{port}/ip", *args)
    return st, h, body.decode()


def untrusted(port):
    st, h, body = ip_of(port, "X-Forwarded-For: 203.0.113.9")
    check(st == 200 and '"ip":"127.0.0.1"' in body, f"spoofed X-Forwarded-For changed req.ip: {body}")
    # The same bucket whatever the spoofed address: RATE_MAX=5, one request above already, so
    # of six more the last two are refused (with a bucket per spoofed address, none would be).
    statuses = [ip_of(port, f"X-Forwarded-For: 198.51.100.{i}")[0] for i in range(6)]
    check(statuses == [200, 200, 200, 200, 429, 429], f"spoofed addresses got buckets of their own: {statuses}")
    # Probes are not counted (and not refused) while the address is over its limit.
    for _ in range(8):
        st, h, _ = curl_response(f"http://127.0.0.1:{port}/health")
        check(st == 200 and "ratelimit-remaining" not in h, f"/health under the rate limit: {st} {h}")


def trusted(port):
    st, _, body = ip_of(port, "X-Forwarded-For: 203.0.113.9, 127.0.0.1")
    check(st == 200 and '"ip":"203.0.113.9"' in body, f"trusted loopback proxy, X-Forwarded-For: {body}")
    st, _, body = ip_of(port, 'Forwarded: for="[2001:db8::7]:4711";proto=https')
    check(st == 200 and '"ip":"2001:db8::7"' in body, f"Forwarded for IPv6: {body}")
    st, _, body = ip_of(port, "X-Forwarded-For: not-an-address")
    check(st == 200 and '"ip":"127.0.0.1"' in body, f"garbage forwarded entry: {body}")
    # Each forwarded client has its own bucket: 7 different clients, none refused.
    statuses = [ip_of(port, f"X-Forwarded-For: 198.51.100.{i}")[0] for i in range(7)]
    check(statuses == [200] * 7, f"forwarded clients share a bucket: {statuses}")
    statuses = [ip_of(port, "X-Forwarded-For: 198.51.100.77")[0] for _ in range(7)]
    check(statuses.count(429) >= 1, f"one forwarded client is never limited: {statuses}")


def start_variant(a, luxc_out, text, name, env=None, log=None):
    exe = build_text(a.luxc, luxc_out, name, text)
    port = free_port()
    proc = start_server(exe, port, env=env, log=log) if exe else None
    return exe, port, proc


def limits_overrides(exe):
    body = '{"text": "' + "x" * 2500 + '"}'  # about 2.5 kB: over the program's 1_000
    def post(env, flags):
        port = free_port()
        proc = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(port), *flags], env=dict(os.environ, **env),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if proc.poll() is not None:
                        return None
                    import time
                    time.sleep(0.05)
            st, _, _ = curl_response(f"http://127.0.0.1:{port}/echo", "-X", "POST", "-H", "Content-Type: application/json",
                                     "--data-binary", body)
            return st
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    check(post({}, []) == 413, "program max_body 1_000: 2.5 kB should be 413")
    check(post({"LUX_MAX_BODY": "5000"}, []) == 200, "LUX_MAX_BODY=5000 over the program's max_body")
    check(post({"LUX_MAX_BODY": "5000"}, ["--max-body", "2000"]) == 413, "--max-body 2000 over LUX_MAX_BODY=5000")
    check(post({"LUX_MAX_BODY": "100"}, ["--max-body=8000"]) == 200, "--max-body=8000 over LUX_MAX_BODY=100")
    name = os.path.basename(exe)
    for env, flags, want in (({}, ["--max-body", "abc"], "option --max-body: expected a number of bytes"),
                             ({"LUX_MAX_BODY": "0"}, [], "env LUX_MAX_BODY: expected a number of bytes"),
                             ({"LUX_HEADER_TIMEOUT": "soon"}, [], "env LUX_HEADER_TIMEOUT: expected a duration"),
                             ({}, ["--idle-timeout", "0s"], "option --idle-timeout: expected a duration"),
                             ({}, ["--max-header-bytes", "10"], "option --max-header-bytes: expected a number of bytes"),
                             ({}, ["--trust-proxy", "10.0.0.0/99"], "option --trust-proxy: expected true, a hop count"),
                             ({"LUX_TRUST_PROXY": "999"}, [], "env LUX_TRUST_PROXY: a hop count must be from 0 to 32")):
        p = subprocess.run([exe, "--host", "127.0.0.1", "--port", "0", *flags], env=dict(os.environ, **env),
                           capture_output=True, text=True, timeout=20)
        lines = p.stderr.strip().splitlines()
        check(p.returncode == 1 and len(lines) == 1 and lines[0].startswith(f"{name}: {want}"),
              f"{env} {flags}: exit {p.returncode}, stderr {p.stderr!r}")
    # Durations with units are taken: the server starts.
    port = free_port()
    p = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(port), "--header-timeout", "2s", "--idle-timeout",
                          "1500ms"], env=dict(os.environ, LUX_MAX_HEADER_BYTES="4096"), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    import time
    time.sleep(1.0)
    check(p.poll() is None, "a server with --header-timeout 2s --idle-timeout 1500ms did not start")
    p.terminate()
    p.communicate(timeout=15)


def run(a):
    os.makedirs(a.out, exist_ok=True)
    text = program_text("http_finish.lux")
    # A limit no check reaches first, then the program's RATE_MAX=5 for the rate-limit checks.
    exe, port, proc = start_variant(a, os.path.join(a.out, "plain"), text, "http_finish.lux",
                                    env=dict(os.environ, RATE_MAX="1000"))
    if not proc:
        return
    try:
        early_answers(port)
        group_cors(port)
    finally:
        stop_server(proc)
    port = free_port()
    proc = start_server(exe, port)
    if proc:
        try:
            untrusted(port)
        finally:
            stop_server(proc)
    limits_overrides(exe)

    log = os.path.join(a.out, "trusted.log")
    trusted_text = replace_all(text, "trust_proxy false", 'trust_proxy "loopback"', 1)
    _, port, proc = start_variant(a, os.path.join(a.out, "trusted"), trusted_text, "http_finish_trusted.lux", log=log)
    if proc:
        try:
            trusted(port)
        finally:
            out = stop_server(proc)
        check("ip=203.0.113.9" in out or '"ip":"203.0.113.9"' in out, f"the access log does not show the forwarded ip:\n{out[-2000:]}")

    other_text = replace_all(text, "trust_proxy false", 'trust_proxy ["10.0.0.0/8"]', 1)
    _, port, proc = start_variant(a, os.path.join(a.out, "other"), other_text, "http_finish_other.lux")
    if proc:
        try:
            st, _, body = ip_of(port, "X-Forwarded-For: 203.0.113.9")
            check(st == 200 and '"ip":"127.0.0.1"' in body, f"a peer outside trust_proxy was trusted: {body}")
        finally:
            stop_server(proc)
