#!/usr/bin/env python3
"""Server-sent events at scale: IDLE idle streams held open (the server's RSS before and after,
per stream), then broadcast latency to CLIENTS of them: ROUNDS POSTs each carry the client's
clock, every stream records when its event arrived; p50/p99/max over all (stream, round)
pairs. One Python process reads every socket (selectors), so its own reading time is part of the
latency: on a quiet machine the figures are upper bounds of the server's.

  bench/realtime/sse_bench.py --luxc build/luxc [--idle 10000] [--clients 1000] [--rounds 20]
"""
import argparse
import json
import os
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def open_streams(port, n):
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"GET /idle HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        socks.append(s)
    # Every head read: the stream is open and subscribed.
    for s in socks:
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += s.recv(4096)
        s.setblocking(False)
    return socks


def subscribers(port):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/publish", data=json.dumps({"t": 0}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())["subscribers"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--luxc", required=True)
    ap.add_argument("--idle", type=int, default=10000)
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=20)
    a = ap.parse_args()
    out = tempfile.mkdtemp(prefix="sse_bench_")
    p = subprocess.run([a.luxc, "build", "--release", os.path.join(HERE, "sse_bench.lux"), "-o", out],
                       capture_output=True, text=True)
    if p.returncode:
        sys.exit(p.stderr)
    exe = p.stdout.strip().splitlines()[-1]
    port = free_port()
    srv = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=dict(os.environ, LUX_LOG_LEVEL="warn"))
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        subscribers(port)
        time.sleep(0.5)
        before = rss_kb(srv.pid)
        socks = open_streams(port, a.idle)
        while subscribers(port) < a.idle:
            time.sleep(0.1)
        time.sleep(1)
        after = rss_kb(srv.pid)
        print(f"idle streams: {a.idle}, server RSS {before / 1024:.1f} MB -> {after / 1024:.1f} MB, "
              f"{(after - before) / a.idle:.1f} KB per stream")
        # Broadcast latency to the first CLIENTS streams (the others are closed first).
        for s in socks[a.clients:]:
            s.close()
        socks = socks[:a.clients]
        while subscribers(port) > a.clients:
            time.sleep(0.1)
        for s in socks:  # drop what the subscriber probes queued
            try:
                while s.recv(65536):
                    pass
            except BlockingIOError:
                pass
        sel = selectors.DefaultSelector()
        for s in socks:
            sel.register(s, selectors.EVENT_READ)
        lat = []
        for r in range(a.rounds):
            t = time.time()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/publish", data=json.dumps({"t": t}).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
            urllib.request.urlopen(req, timeout=30).read()
            got = 0
            deadline = time.time() + 30
            while got < len(socks) and time.time() < deadline:
                for key, _ in sel.select(timeout=1):
                    data = key.fileobj.recv(65536)
                    now = time.time()
                    for line in data.split(b"\n"):
                        if line.startswith(b"data: ") and line[6:] != b"0":
                            lat.append(now - float(line[6:]))
                            got += 1
            time.sleep(0.05)
        lat.sort()
        q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))] * 1000
        print(f"broadcast to {len(socks)} streams x {a.rounds} rounds: p50 {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms, "
              f"max {lat[-1] * 1000:.1f} ms ({len(lat)} events)")
        for s in socks:
            s.close()
    finally:
        srv.send_signal(signal.SIGTERM)
        srv.wait(timeout=30)


if __name__ == "__main__":
    main()
