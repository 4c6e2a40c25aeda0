"""e2e case `realtime_memory`: what an idle realtime connection costs the server in resident memory
(VmRSS after N connections opened, minus before, per connection; docs/runtime.md, "Memory per
connection" of SSE and WebSocket). N idle WebSocket connections of programs/realtime_idle.lux, each
echoing one message first (so a hook ran deep on its fiber), then N idle event streams that got
one broadcast. The bounds sit between what one resident stack page per connection measures and
what a second page would (bench/README.md: 8.7 KB per WebSocket, 6.5-7.1 KB per stream), for a
`--release` build as the bench measures (at -O0 the frames are larger).
"""
import json
import os
import re
import socket
import time
import urllib.request

from e2e import build, check, free_port, program, start_server, stop_server
from wsclient import OP_TEXT, WsClient

N = 400
MAX_WS_BYTES = 12_000   # one stack page and the connection's heap; two pages measure 12.7 KB
MAX_SSE_BYTES = 9_500   # one stack page and the stream's heap; two pages measure 10.4-11.4 KB


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def settle():
    time.sleep(1.5)  # the streams' and connections' stack pages go back after a second of quiet


def check_ws(port, pid):
    before = rss_kb(pid)
    clients = [WsClient.connect(port, "/echo") for _ in range(N)]
    for i, c in enumerate(clients):
        c.send_text(f"hello {i}")
    for i, c in enumerate(clients):
        check(c.recv_data() == (OP_TEXT, f"hello {i}".encode()), f"echo on connection {i}")
    settle()
    per = (rss_kb(pid) - before) * 1024 / N
    print(f"idle WebSocket: {per:.0f} bytes per connection")
    check(per < MAX_WS_BYTES, f"an idle WebSocket holds {per:.0f} bytes of RSS (bound {MAX_WS_BYTES})")
    for c in clients:
        c.sock.close()


def check_sse(port, pid):
    before = rss_kb(pid)
    socks = []
    for _ in range(N):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        socks.append(s)
    for s in socks:
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(4096)
    settle()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/publish", data=b"{}", method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        got = json.loads(r.read())
    check(got.get("subscribers") == N, f"every stream subscribed: {got}")
    for i, s in enumerate(socks):
        data = b""
        while b"data: x" not in data:
            data += s.recv(4096)
    settle()
    per = (rss_kb(pid) - before) * 1024 / N
    print(f"idle event stream: {per:.0f} bytes per stream")
    check(per < MAX_SSE_BYTES, f"an idle event stream holds {per:.0f} bytes of RSS (bound {MAX_SSE_BYTES})")
    for s in socks:
        s.close()


def run(a):
    p = build(a, program("realtime_idle.lux"), extra=("--release",))  # the bench's build
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    port = free_port()
    env = dict(os.environ, LUX_THREADS="1", LUX_ACCESS_LOG="0")
    server = start_server(exe, port, env=env, log=os.path.join(a.out, "server.log"))
    try:
        time.sleep(0.5)
        check_ws(port, server.pid)
        time.sleep(0.5)
        check_sse(port, server.pid)
    finally:
        stop_server(server)
