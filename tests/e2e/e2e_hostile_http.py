"""e2e case hostile_http: a built Lux server against the probes of tests/e2e/hostile.py.

Request framing (Transfer-Encoding smuggling, Host, obsolete folding, malformed request lines,
bad chunk sizes, 10,000 headers, a head trickled in pieces), header injection through a
redirect target taken from the query, 415 for non-JSON bodies, form fields for a form route,
204 without Content-Length, a 3 MiB body written before reading (413 read, not reset),
slowloris, pipelining, 500 stalled readers of the 1.7 MB Swagger UI bundle (memory bounded),
idle connections up to the limit, and 1,100 silent connections under `ulimit -n 256` while a
normal client is still served and accept failures are logged at most once per second.
"""
import os
import re
import resource
import subprocess
import time

import hostile as h
from e2e import build_text, check, free_port, popen_ready, program_text, start_server, stop_server

NOTE = b'{"title":"t","stars":3}'


def post_note(port, content_type="application/json", body=NOTE):
    headers = [("Content-Type", content_type)] if content_type else []
    return h.exchange(port, h.request_bytes("POST", "/notes", headers, body))


def probe_framing(port):
    smuggled = b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"
    for te in ("gzip", "chunked, identity", "x"):
        rs = h.exchange_many(port, h.request_bytes("POST", "/notes", [("Transfer-Encoding", te)]) + smuggled, 2)
        check(len(rs) == 1 and rs[0].status == 400 and rs[0].closed,
              f"Transfer-Encoding {te}: {rs} (expected one 400 and the close, the body never a request)")
    r = h.exchange(port, h.request_bytes("POST", "/notes", [("Transfer-Encoding", "gzip, chunked")]) + b"0\r\n\r\n")
    check(r.status == 501, f"Transfer-Encoding gzip, chunked: {r}")
    r = h.exchange(port, h.request_bytes("POST", "/notes", [("Transfer-Encoding", "chunked")], version="HTTP/1.0")
                   + b"0\r\n\r\n")
    check(r.status == 400 and r.closed, f"HTTP/1.0 with Transfer-Encoding: {r}")
    r = h.exchange(port, h.request_bytes("GET", "/ping", host=False))
    check(r.status == 400, f"HTTP/1.1 without Host: {r}")
    r = h.exchange(port, h.request_bytes("GET", "/ping", [("Host", "a"), ("Host", "b")]))
    check(r.status == 400, f"two Host headers: {r}")
    r = h.exchange(port, h.request_bytes("GET", "/ping", version="HTTP/1.0", host=False))
    check(r.status == 200, f"HTTP/1.0 without Host: {r}")
    r = h.exchange(port, b"GET /ping HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n")
    check(r.status == 400 and "folding" in r.body.decode(), f"obsolete line folding: {r}")
    # Malformed request lines and chunk sizes (these held before; kept so they keep holding).
    for raw in (b"GARBAGE\r\n\r\n", b"GET /ping HTTP/9.9\r\nHost: x\r\n\r\n", b"GET  /ping HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET ping HTTP/1.1\r\nHost: x\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
                h.request_bytes("POST", "/notes", [("Transfer-Encoding", "chunked")]) + b"zz\r\nabc\r\n0\r\n\r\n",
                h.request_bytes("POST", "/notes", [("Transfer-Encoding", "chunked")]) + b"ffffffffffffffffff\r\n",
                h.request_bytes("POST", "/notes", [("Content-Length", "1"), ("Content-Length", "2")]) + b"ab"):
        r = h.exchange(port, raw, timeout=5)
        check(r.status == 400 and r.closed, f"malformed {raw[:40]!r}: {r}")
    # 10,000 headers in one go, and a head trickled in small pieces: 431 either way.
    many = "".join(f"X-H{i}: v\r\n" for i in range(10000)).encode()
    r = h.exchange(port, b"GET /ping HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n", timeout=5)
    check(r.status == 431, f"10,000 headers: {r}")
    with h.connect(port) as s:
        s.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n")
        try:
            for i in range(600):  # 600 x 40 bytes > 16 KiB, one header line per write
                s.sendall(f"X-Field-{i:04d}: {'v' * 24}\r\n".encode())
                time.sleep(0.001)
        except (BrokenPipeError, ConnectionResetError):
            pass
        r = h.read_response(s, timeout=5)
    check(r.status == 431, f"head trickled line by line: {r}")


def probe_headers_and_bodies(port):
    # Header injection: a redirect target from the query string with CR LF.
    r = h.exchange(port, h.request_bytes("GET", "/go?next=/x%0d%0aSet-Cookie:%20admin=1"))
    check(r.status == 500 and r.header("set-cookie") is None and r.header("location") is None,
          f"CR LF in a Location value: {r} {r.headers}")
    forged = "/%0d%0aContent-Length:%200%0d%0a%0d%0aHTTP/1.1%20200%20OK%0d%0aX-Forged:%201%0d%0a%0d%0a"
    rs = h.exchange_many(port, h.request_bytes("GET", "/go?next=" + forged) + h.request_bytes("GET", "/ping"), 2)
    check(len(rs) == 2 and rs[0].status == 500 and rs[1].status == 200 and rs[1].header("x-forged") is None,
          f"a forged second response: {rs}")
    r = h.exchange(port, h.request_bytes("GET", "/go?next=/home"))
    check(r.status == 302 and r.header("location") == "/home", f"a plain redirect: {r}")
    # Bodies: only JSON is read as JSON; a form route takes forms.
    check(post_note(port).status == 201, "a JSON note")
    r = post_note(port, "text/plain")
    check(r.status == 415, f"a JSON body sent as text/plain: {r}")
    check(post_note(port, None).status == 415, "a JSON body without Content-Type")
    check(post_note(port, "application/x-www-form-urlencoded", b"title=t&stars=3").status == 415,
          "a form posted to a JSON route")
    r = h.exchange(port, h.request_bytes("POST", "/subscribe", [("Content-Type", "application/x-www-form-urlencoded")],
                                         b"email=a%40b.c&weekly=true"))
    check(r.status == 200 and r.json() == {"email": "a@b.c", "weekly": True}, f"a form route: {r}")
    r = h.exchange(port, h.request_bytes("POST", "/subscribe", [("Content-Type", "text/plain")], b"email=x"))
    check(r.status == 415, f"text/plain to a form route: {r}")
    r = h.exchange(port, h.request_bytes("DELETE", "/nothing"))
    check(r.status == 204 and r.header("content-length") is None, f"204: {r} {r.headers}")
    # 3 MiB written whole before reading, as urllib does: the 413 arrives, not a reset.
    body = b"x" * (3 << 20)
    r = h.send_all_then_read(port, h.request_bytes("POST", "/notes", [("Content-Type", "application/json"),
                                                                     ("Content-Length", str(len(body)))]), body)
    check(r.status == 413, f"3 MiB body written before reading: {r}")
    import urllib.request
    import urllib.error
    try:
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/notes", data=body,
                                                      headers={"Content-Type": "application/json"}), timeout=10)
        check(False, "urllib: 3 MiB body accepted")
    except urllib.error.HTTPError as e:
        check(e.code == 413, f"urllib: status {e.code}")
    except OSError as e:
        check(False, f"urllib saw {e!r} instead of the 413")
    # Pipelining: ten requests in one write, answered in order.
    rs = h.exchange_many(port, b"".join(h.request_bytes("GET", f"/go?next=/{i}") for i in range(10)), 10)
    check([r.header("location") for r in rs] == [f"/{i}" for i in range(10)], f"pipelined: {rs}")


def probe_slow_clients(port, pid):
    # Slowloris: a head one byte at a time is cut off at the 10 s read timeout; meanwhile pings pass.
    with h.connect(port, timeout=15) as s:
        t0 = time.time()
        closed = False
        for b in b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 200:
            try:
                s.sendall(bytes([b]))
            except OSError:
                closed = True
                break
            if time.time() - t0 > 12:
                break
            time.sleep(0.1)
            if int((time.time() - t0) * 10) % 30 == 0:
                dt, r = h.timed_get(port, "/ping")
                check(r.status == 200 and dt < 1.0, f"ping during slowloris: {dt:.2f}s {r}")
        if not closed:
            r = h.read_response(s, timeout=3)
            closed = r.status == 408 or r.closed or r.error is not None
        check(closed and time.time() - t0 < 12.5, f"slowloris not cut off after {time.time() - t0:.1f}s")
    # 500 connections that pipeline 3 requests for the 1.7 MB bundle and never read.
    before = h.rss_kb(pid)
    socks = h.stalled_readers(port, h.request_bytes("GET", "/docs/swagger-ui-bundle.js"), 500, pipelined=3)
    # The server first fills 500 kernel send buffers (over a GB of copying on loopback); what is
    # checked is that once those writes are parked, the stalled connections cost no CPU and a
    # normal client is served at once.
    settled = h.wait_cpu_settled(pid)
    during = h.rss_kb(pid)
    dt, r = h.timed_get(port, "/ping")
    h.close_all(socks)
    check(len(socks) == 500, f"stalled readers opened: {len(socks)}")
    check(settled, "the server kept using CPU for 15 s with 500 stalled readers")
    check(r.status == 200 and dt < 2.0, f"ping with 500 stalled readers: {dt:.2f}s {r}")
    grown = (during - before) / 1024
    print(f"hostile_http: 500 stalled readers x 3 pipelined bundle requests: RSS {before // 1024} -> {during // 1024} MiB")
    check(grown < 100, f"500 stalled readers grew RSS by {grown:.0f} MiB")
    dt, r = h.timed_get(port, "/docs/swagger-ui-bundle.js")
    check(r.status == 200 and len(r.body) > 1_000_000, f"the bundle after the stall: {r.status} {len(r.body)} bytes")


def probe_connection_limit(a, exe, out_dir):
    """1,100 silent connections against a server under `ulimit -n 256`: normal clients are still
    served; the default limit (derived from the fd limit) sheds the idlest; accept failures, if
    any, are logged at most once per second."""
    def lower_fds():
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    # First with the default limit (from the fd limit), then with one set above what the fd
    # limit allows, where accept runs out of descriptors.
    for label, extra in (("default limit", {}), ("LUX_MAX_CONNECTIONS=1000", {"LUX_MAX_CONNECTIONS": "1000"})):
        port = free_port()
        log_path = os.path.join(out_dir, "limit.log")
        with open(log_path, "w") as log:
            proc = popen_ready([exe, "--host", "127.0.0.1", "--port", str(port)], preexec_fn=lower_fds,
                               stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, LUX_ACCESS_LOG="0", **extra))
            try:
                idle = h.open_idle(port, 1100, timeout=2)
                check(len(idle) == 1100, f"{label}: silent connections opened: {len(idle)}")
                worst = 0.0
                for _ in range(10):
                    dt, r = h.timed_get(port, "/ping", timeout=5)
                    check(r.status == 200, f"{label}: a normal client under 1,100 silent connections: {r}")
                    worst = max(worst, dt)
                check(worst < 2.0, f"{label}: a normal client waited {worst:.2f}s under 1,100 silent connections")
                h.close_all(idle)
            finally:
                proc.terminate()
                proc.wait(timeout=20)
        text = open(log_path).read()
        m = re.search(r"msg=listening .*max_connections=(\d+)", text)
        want = 192 if not extra else 1000
        check(m and int(m.group(1)) == want, f"{label}: limit under ulimit -n 256: {m and m.group(0)}")
        per_second = {}
        for line in text.splitlines():
            if "accept failed" in line:
                ts = line.split(" ")[0][len("ts="):][:19]
                per_second[ts] = per_second.get(ts, 0) + 1
        check(all(n <= 1 for n in per_second.values()), f"{label}: accept failures logged more than once a second: {per_second}")
        if extra:
            check(per_second and "connection limit lowered" in text,
                  f"{label}: expected accept to run out of descriptors and the limit to come down:\n{text[-1500:]}")
        check(proc.returncode == 0, f"{label}: exit status {proc.returncode}")

    # An explicit limit: idle connections up to it are all kept; beyond, the idlest go.
    port = free_port()
    proc = start_server(exe, port, env=dict(os.environ, LUX_MAX_CONNECTIONS="50", LUX_ACCESS_LOG="0"), log=os.path.join(a.out, "server-%d.log" % port))
    try:
        idle = h.open_idle(port, 50)
        time.sleep(0.5)
        dt, r = h.timed_get(port, "/ping")
        check(r.status == 200, f"a request over 50 idle connections at LUX_MAX_CONNECTIONS=50: {r}")
        closed = 0
        for s in idle:
            s.settimeout(0.05)
            try:
                closed += s.recv(1) == b""
            except (TimeoutError, OSError):
                pass
        check(closed == 1, f"idle connections closed to make room: {closed} (expected the oldest one)")
        h.close_all(idle)
    finally:
        stop_server(proc)


def run(a):
    out_dir = os.path.join(a.out, "hostile_http")
    exe = build_text(a.luxc, out_dir, "hostile.lux", program_text("hostile_http.lux"))
    if not exe:
        return
    port = free_port()
    proc = start_server(exe, port, env=dict(os.environ, LUX_ACCESS_LOG="0"), log=os.path.join(a.out, "server-%d.log" % port))
    try:
        probe_framing(port)
        probe_headers_and_bodies(port)
        probe_slow_clients(port, proc.pid)
        dt, r = h.timed_get(port, "/ping")
        check(r.status == 200, f"the server after every probe: {r}")
    finally:
        out = stop_server(proc)
        check(proc.returncode == 0, f"exit status after the probes: {proc.returncode}\n{out[-2000:]}")
    check("handler set an invalid header" in out, "the refused header is logged")
    probe_connection_limit(a, exe, out_dir)
