"""e2e case `sse`: server-sent events and streamed responses (programs/sse.lux) over real sockets:
events with ids, names, retry and multi-line data; a stream resumed with Last-Event-ID; a short
heartbeat; a channel fed by a POST and by a job, received by a Python client and by headless
Chromium's EventSource (playwright-core); 401 as JSON on an authenticated stream; stream() sent
chunked, and gzip-flushed piece by piece; SIGTERM with streams open stops at once; and three
replicas on one redis-server: a client on replica A receives a channel.send made on replica C.
"""
import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import zlib

from e2e import build, check, free_port, request, start_server, stop_server, wait_listening
from e2e_redis import start_redis

HERE = os.path.dirname(os.path.abspath(__file__))


class Stream:
    """A raw HTTP/1.1 GET kept open: the head, then the decoded chunked body as it arrives."""

    def __init__(self, port, path, headers=""):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n{headers}\r\n".encode())
        self.raw = b""
        self.head = ""
        self.body = b""
        self.ended = False
        self.closed = False

    def _decode(self):
        if not self.head:
            end = self.raw.find(b"\r\n\r\n")
            if end < 0:
                return
            self.head = self.raw[:end].decode()
            self.raw = self.raw[end + 4:]
        if "transfer-encoding: chunked" not in self.head.lower():
            self.body += self.raw
            self.raw = b""
            return
        while True:
            nl = self.raw.find(b"\r\n")
            if nl < 0:
                return
            size = int(self.raw[:nl], 16)
            if len(self.raw) < nl + 2 + size + 2:
                return
            if size == 0:
                self.ended = True
            self.body += self.raw[nl + 2:nl + 2 + size]
            self.raw = self.raw[nl + 2 + size + 2:]
            if self.ended:
                return

    def read_until(self, pred, timeout=10):
        deadline = time.time() + timeout
        while not pred(self) and time.time() < deadline and not self.closed:
            self.sock.settimeout(max(0.05, deadline - time.time()))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                break
            if not data:
                self.closed = True
            self.raw += data
            self._decode()
        return pred(self)

    def text(self):
        return self.body.decode(errors="replace")

    def close(self):
        self.sock.close()


def events(text):
    """The events of an event-stream text: dicts with type, data, id, retry (comments dropped)."""
    out = []
    for block in text.split("\n\n"):
        ev = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            k, _, v = line.partition(": ")
            if k == "data":
                ev["data"] = ev["data"] + "\n" + v if "data" in ev else v
            elif k == "event":
                ev["type"] = v
            else:
                ev[k] = v
        if ev:
            out.append(ev)
    return out


def post(port, path, body):
    st, _, text = request(port, "POST", path, body)
    return st, text


def check_single(a, exe):
    port = free_port()
    env = dict(os.environ, LUX_JOBS_PATH=":memory:")
    proc = start_server(exe, port, env=env, log=os.path.join(a.out, "sse.log"))
    if not proc:
        return
    try:
        # Events, ids, names, retry, JSON data and two data lines; the end after close().
        s = Stream(port, "/count")
        check(s.read_until(lambda x: x.ended), f"/count did not end: {s.text()!r}")
        check("content-type: text/event-stream" in s.head.lower() and "cache-control: no-cache" in s.head.lower(),
              f"/count head: {s.head}")
        evs = events(s.text())
        check(evs[0] == {"retry": "1500", "data": "start"}, f"first event: {evs[:1]}")
        check([e.get("id") for e in evs[1:6]] == ["0", "1", "2", "3", "4"] and all(e.get("type") == "tick" for e in evs[1:6]),
              f"ticks: {evs}")
        check(json.loads(evs[3]["data"]) == {"n": 2}, f"JSON data: {evs[3]}")
        check(evs[-1] == {"data": "two\nlines"}, f"multi-line data: {evs[-1]}")
        s.close()
        # Reconnecting with Last-Event-ID resumes after it.
        s = Stream(port, "/count", "Last-Event-ID: 2\r\n")
        check(s.read_until(lambda x: x.ended), "resumed /count did not end")
        ids = [e.get("id") for e in events(s.text()) if e.get("type") == "tick"]
        check(ids == ["3", "4"], f"resumed from Last-Event-ID 2: {ids}")
        s.close()
        # An idle stream gets the heartbeat comment (sse { heartbeat: 1 }).
        feed = Stream(port, "/feed")
        t0 = time.time()
        check(feed.read_until(lambda x: ": keep-alive" in x.text(), timeout=5), f"no heartbeat: {feed.text()!r}")
        check(time.time() - t0 < 3, f"heartbeat after {time.time() - t0:.1f} s")
        # A channel fed by a POST and by a job reaches a subscribed stream and the family's form.
        orders = Stream(port, "/orders")
        check(orders.read_until(lambda x: "event: ready" in x.text()), f"/orders: {orders.text()!r}")
        st, text = post(port, "/orders", {"item": "tea"})
        check(st == 201 and json.loads(text)["subscribers"] >= 2, f"POST /orders: {st} {text}")
        check(orders.read_until(lambda x: "event: from_job" in x.text()), f"/orders got: {orders.text()!r}")
        got = {e["type"]: e["data"] for e in events(orders.text())}
        check(json.loads(got.get("new_order", "{}")) == {"item": "tea"} and got.get("from_job") == "tea", f"channel events: {got}")
        check(feed.read_until(lambda x: "event: new_order" in x.text()), f"/feed (every channel): {feed.text()!r}")
        # The client leaving unsubscribes its stream.
        orders.close()
        feed.close()
        deadline = time.time() + 5
        n = -1
        while time.time() < deadline:
            n = json.loads(request(port, "GET", "/listeners")[2])["n"]
            if n == 0:
                break
            time.sleep(0.05)
        check(n == 0, f"listeners after the clients left: {n}")
        # An authenticated stream answers 401 as JSON before opening.
        st, headers, text = request(port, "GET", "/private")
        check(st == 401 and "error" in json.loads(text), f"/private without a token: {st} {text}")
        # stream(): chunked as produced; gzip flushed chunk by chunk.
        s = Stream(port, "/download")
        check(s.read_until(lambda x: x.ended), "/download did not end")
        check(s.text() == 'line 0\nline 1\nline 2\n{"done":true}', f"/download: {s.text()!r}")
        s = Stream(port, "/download", "Accept-Encoding: gzip\r\n")
        check(s.read_until(lambda x: len(x.body) > 0), "/download gzip: nothing")
        first = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(s.body)
        check(first.startswith(b"line 0\n") and b"done" not in first, f"the first gzip piece decodes alone: {first!r}")
        check(s.read_until(lambda x: x.ended), "/download gzip did not end")
        check("content-encoding: gzip" in s.head.lower(), f"/download gzip head: {s.head}")
        check(gzip.decompress(s.body) == b'line 0\nline 1\nline 2\n{"done":true}', "the gzip body")
        check_browser(a, port)
        # SIGTERM with a stream open: the server ends it and stops at once.
        feed = Stream(port, "/feed")
        check(feed.read_until(lambda x: "connected" in x.text()), "/feed before the stop")
        t0 = time.time()
        out = stop_server(proc, timeout=10)
        proc = None
        check(time.time() - t0 < 5, f"stop with an open stream took {time.time() - t0:.1f} s:\n{out[-2000:]}")
        check(feed.read_until(lambda x: x.ended or x.closed, timeout=3), "the open stream ended at the stop")
        feed.close()
    finally:
        if proc:
            stop_server(proc)


def check_browser(a, port):
    """Chromium's EventSource receives events of a channel fed by a POST and by a job."""
    npm_dir = os.path.join(os.path.dirname(a.out), "npm_sse")
    if not os.path.isdir(os.path.join(npm_dir, "node_modules", "playwright-core")):
        r = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", npm_dir, "playwright-core@1"],
                           capture_output=True, text=True, timeout=300)
        check(r.returncode == 0, f"npm install playwright-core: {r.stderr[-2000:]}")
    script = os.path.join(npm_dir, "sse_eventsource.js")
    shutil.copy(os.path.join(HERE, "sse_eventsource.js"), script)
    browser = subprocess.Popen(["node", script, f"http://127.0.0.1:{port}", "/orders", "ready,new_order,from_job", "3"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=npm_dir)
    deadline = time.time() + 60
    while time.time() < deadline and browser.poll() is None:
        if json.loads(request(port, "GET", "/listeners")[2])["n"] >= 1:
            break
        time.sleep(0.1)
    post(port, "/orders", {"item": "from the browser test"})
    try:
        out, err = browser.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        browser.kill()
        out, err = browser.communicate()
    check(browser.returncode == 0, f"headless Chromium EventSource: {err[-2000:]}")
    got = json.loads(out.strip().splitlines()[-1]) if out.strip() else []
    types = [e["type"] for e in got]
    check(types[:1] == ["ready"] and set(types[1:]) == {"new_order", "from_job"}, f"EventSource events: {got}")


def check_replicas(a, exe):
    """Three replicas on one Redis: a client on A receives a channel.send made on C."""
    redis, rport = start_redis(os.path.join(a.out, "redis"))
    if not redis:
        return
    procs = []
    try:
        ports = [free_port() for _ in range(3)]
        for i, port in enumerate(ports):
            env = dict(os.environ, LUX_REALTIME_URL=f"redis://127.0.0.1:{rport}",
                       LUX_JOBS_PATH=os.path.join(a.out, f"jobs{i}.db"))
            procs.append(start_server(exe, port, env=env, log=os.path.join(a.out, f"replica{i}.log")))
        on_a = Stream(ports[0], "/orders")
        check(on_a.read_until(lambda x: "event: ready" in x.text()), "stream on replica A")
        time.sleep(0.3)  # the replicas' subscriber connections are up well before; this is margin only
        st, text = post(ports[2], "/orders", {"item": "from C"})
        check(st == 201, f"POST on replica C: {st} {text}")
        check(on_a.read_until(lambda x: "from C" in x.text() and "event: from_job" in x.text()),
              f"replica A received: {on_a.text()!r}")
        got = [e for e in events(on_a.text()) if e.get("type") == "new_order"]
        check(len(got) == 1 and json.loads(got[0]["data"]) == {"item": "from C"}, f"once on A: {got}")
        on_a.close()
    finally:
        for p in procs:
            if p:
                stop_server(p)
        redis.terminate()
        redis.wait(timeout=10)


def run(a):
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.root, "tests", "e2e", "programs", "sse.lux")
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    check_single(a, exe)
    check_replicas(a, exe)
