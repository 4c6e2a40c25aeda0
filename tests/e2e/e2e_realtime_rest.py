"""e2e case realtime_rest: WebSocket and SSE on a TLS listener (echo, large and many messages,
pings both ways, the idle timeout, the close handshake); channel events reaching an SSE handler
while it sleeps; route-group middleware refusing WebSocket and SSE upgrades; broadcasts and
channel sends from a background job and from a schedule; a slow client losing its oldest
messages while fast ones get every message in time and the sender never waits; a Brotli
stream() decoded by curl as it arrives."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

from e2e import build, check, free_port, program, request, start_server, stop_server
from e2e_tls import context, make_pki
from wsclient import OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, Closed, HandshakeError, WsClient


class SseReader:
    """A raw-socket event-stream client: de-chunks the body and yields events as dicts."""

    def __init__(self, port, path, headers=None, timeout=10, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:  # before connecting: the window stays small
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: text/event-stream"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.raw = b""
        while b"\r\n\r\n" not in self.raw:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.raw += chunk
        head, _, self.raw = self.raw.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ")[1]) if head else 0
        self.head = head.decode(errors="replace")
        self.text = b""

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Closed()
        self.raw += chunk
        self._dechunk()

    def _dechunk(self):
        while True:  # whole chunks into self.text
            size_line, sep, rest = self.raw.partition(b"\r\n")
            if not sep:
                return
            n = int(size_line.split(b";")[0], 16)
            if len(rest) < n + 2:
                return
            self.text += rest[:n]
            self.raw = rest[n + 2:]

    def body(self, limit=1 << 20):
        """The rest of a non-streamed (Content-Length) body."""
        m = [l for l in self.head.lower().split("\r\n") if l.startswith("content-length:")]
        n = int(m[0].split(":")[1]) if m else 0
        while len(self.raw) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.raw += chunk
        return self.raw[:n]

    def next_event(self, timeout=10):
        self.sock.settimeout(timeout)
        self._dechunk()
        while b"\n\n" not in self.text:
            self._more()
        block, _, self.text = self.text.partition(b"\n\n")
        ev = {"event": "message", "data": []}
        for line in block.decode().split("\n"):
            if line.startswith(":"):
                ev["comment"] = line
                continue
            k, _, v = line.partition(":")
            v = v[1:] if v.startswith(" ") else v
            if k == "data":
                ev["data"].append(v)
            else:
                ev[k] = v
        ev["data"] = "\n".join(ev["data"])
        return ev

    def until(self, kind, timeout=10, pred=None):
        """The next event named `kind` (others skipped), or None after `timeout` seconds."""
        end = time.time() + timeout
        while time.time() < end:
            try:
                ev = self.next_event(max(0.05, end - time.time()))
            except (socket.timeout, TimeoutError):
                return None
            if ev.get("event") == kind and (pred is None or pred(ev)):
                return ev
        return None

    def close(self):
        self.sock.close()


def ws_until(c, kind, timeout=10):
    """The next JSON text message of `type` kind on a WebSocket (others skipped), or None."""
    end = time.time() + timeout
    while time.time() < end:
        c.sock.settimeout(max(0.05, end - time.time()))
        try:
            op, payload = c.recv_message()
        except (socket.timeout, TimeoutError):
            return None
        if op != OP_TEXT:
            continue
        try:
            msg = json.loads(payload)
        except ValueError:
            continue
        if isinstance(msg, dict) and msg.get("type") == kind:
            return msg
    return None


# ---- TLS ----

def check_tls(a, exe, pki):
    port = free_port()
    env = dict(os.environ, TLS_CERT=os.path.join(pki, "cert.pem"), TLS_KEY=os.path.join(pki, "key.pem"))
    proc = start_server(exe, port, env=env)
    ctx = context(pki)
    try:
        c = WsClient.connect(port, "/echo", tls=ctx)
    except HandshakeError as e:
        check(False, f"wss upgrade: {e}")
        stop_server(proc)
        return
    check(c.sock.version() in ("TLSv1.3", "TLSv1.2"), f"wss: TLS version {c.sock.version()}")
    c.send_text("hello over tls")
    check(c.recv_message() == (OP_TEXT, b"hello over tls"), "wss: echo of a text message")
    big = os.urandom(100_000)  # several TLS records each way
    c.send_frame(OP_BINARY, big)
    check(c.recv_message() == (OP_BINARY, big), "wss: echo of a 100 kB binary message")
    for i in range(200):
        c.send_text(f"m{i}")
    got = [c.recv_message() for _ in range(200)]
    check(got == [(OP_TEXT, f"m{i}".encode()) for i in range(200)], "wss: 200 messages echoed in order")
    c.send_frame(OP_PING, b"are you there")
    check(c.recv_message() == (OP_PONG, b"are you there"), "wss: a client ping is answered with a pong")
    # Silent for longer than ping_interval (1 s): the server pings; answering keeps the connection
    # open past idle_timeout (3 s).
    pings = 0
    end = time.time() + 4.0
    while time.time() < end:
        c.sock.settimeout(max(0.05, end - time.time()))
        try:
            op, payload = c.recv_message()
        except (socket.timeout, TimeoutError):
            break
        if op == OP_PING:
            pings += 1
            c.send_frame(OP_PONG, payload)
    check(pings >= 2, f"wss: the server pinged a silent client {pings} times in 4 s (ping_interval 1 s)")
    c.sock.settimeout(10)
    c.send_text("still here")
    # The server keeps pinging (every second): a ping may come before the echo; recv_data answers it.
    check(c.recv_data() == (OP_TEXT, b"still here"), "wss: a client answering pings outlives idle_timeout")
    c.close(1000, b"bye")
    code, _ = c.expect_close()
    check(code == 1000, f"wss: the close handshake answers the client's close with its code: {code}")
    check(c.closed_by_server(5), "wss: the connection ends after the close handshake")

    # A client that never answers pings is dropped after idle_timeout.
    d = WsClient.connect(port, "/echo", tls=ctx)
    t0 = time.time()
    check(d.closed_by_server(8) and time.time() - t0 < 6, f"wss: a silent client is dropped after idle_timeout ({time.time() - t0:.1f} s)")

    # Server-sent events on the same TLS listener.
    conn = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=10)
    conn.request("GET", "/events")
    r = conn.getresponse()
    body = r.read().decode()
    check(r.status == 200 and "event: greeting\ndata: over tls" in body, f"sse over tls: {r.status} {body!r}")
    conn.close()
    # Plain ws:// to the TLS port: the plain-HTTP 400.
    try:
        WsClient.connect(port, "/echo")
        check(False, "a plain upgrade to the TLS port was accepted")
    except HandshakeError as e:
        check(e.status == 400, f"plain upgrade to the TLS port: {e.status}")
    check_browser(a, port)
    # SIGTERM with a wss connection open: close 1001 over TLS, then the process exits 0.
    e = WsClient.connect(port, "/echo", tls=ctx)
    e.send_text("before the stop")
    check(e.recv_message() == (OP_TEXT, b"before the stop"), "wss: echo before SIGTERM")
    proc.send_signal(signal.SIGTERM)
    code, _ = e.expect_close()
    check(code == 1001, f"wss: SIGTERM sends close 1001: {code}")
    e.close(1001)
    e.sock.close()
    try:
        out, _ = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    check(proc.returncode == 0, f"wss server exit {proc.returncode}:\n{out}")
    check("closed 1000 bye" in out, f"wss: on_close saw 1000 bye:\n{out[-2000:]}")


def check_browser(a, port):
    """Headless Chromium (playwright-core, as e2e/ws installs it) speaking wss:// to the server."""
    npm_dir = os.path.join(a.out, "npm")
    if not os.path.isdir(os.path.join(npm_dir, "node_modules", "playwright-core")):
        r = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", npm_dir, "playwright-core@1"],
                           capture_output=True, text=True, timeout=300)
        check(r.returncode == 0, f"npm install playwright-core: {r.stderr[-1000:]}")
    script = os.path.join(npm_dir, "wss_browser.js")  # beside node_modules, where require() looks
    shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "wss_browser.js"), script)
    r = subprocess.run(["node", script, f"https://localhost:{port}"], capture_output=True, text=True, timeout=120,
                       cwd=npm_dir)
    check(r.returncode == 0, f"headless Chromium over wss: {r.stderr[-2000:]}")
    got = json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else {}
    check(got.get("text") == "from chromium over tls", f"browser wss: text echo {got}")
    check(got.get("binary") == [0, 1, 2, 250, 251, 252], f"browser wss: binary echo {got}")
    check(got.get("closeCode") == 1000, f"browser wss: close code {got}")


# ---- plain server ----

def check_sleeping_handler(port):
    s = SseReader(port, "/sleepy")
    check(s.status == 200, f"/sleepy: {s.status}")
    hello = s.until("hello")
    check(hello is not None and hello["data"] == "awake", f"/sleepy hello: {hello}")
    t0 = time.time()
    check(request(port, "POST", "/news", {"text": "fresh"})[0] == 200, "POST /news")
    ev = s.until("news", timeout=5)
    took = time.time() - t0
    check(ev is not None and ev["data"] == "fresh" and took < 1.0,
          f"a channel event reaches a handler sleeping 10 s: {ev} after {took:.2f} s (want < 1 s)")
    s.close()


def check_group_middleware(port):
    try:
        WsClient.connect(port, "/guarded/socket")
        check(False, "the group's middleware let an upgrade without x-pass through")
    except HandshakeError as e:
        body = json.loads(e.body or b"null")
        check(e.status == 403 and body.get("error") == "no pass", f"refused upgrade: {e.status} {e.body!r}")
    c = WsClient.connect(port, "/guarded/socket", headers={"X-Pass": "yes"})
    check(c.recv_message() == (OP_TEXT, b"guarded open"), "upgrade the group's middleware let through")
    check(c.headers.get("x-group") == "guarded", f"the group's (req, res) middleware's header on the 101: {c.headers}")
    c.close()
    s = SseReader(port, "/guarded/events")
    body = s.body()
    check(s.status == 403 and json.loads(body or b"null").get("error") == "no pass", f"refused sse: {s.status} {body!r}")
    s.close()
    s = SseReader(port, "/guarded/events", headers={"X-Pass": "yes"})
    ev = s.next_event()
    check(s.status == 200 and ev["data"] == "guarded event", f"sse through the group's middleware: {s.status} {ev}")
    check("x-group: guarded" in s.head.lower(), f"the group's (req, res) middleware's header on the stream: {s.head}")
    s.close()


def check_job_and_schedule(port):
    c = WsClient.connect(port, "/live")
    check(c.recv_message() == (OP_TEXT, b"open"), "/live open")
    s = SseReader(port, "/news")
    check(s.until("hello") is not None, "/news hello")
    check(request(port, "POST", "/job", {"text": "from a job"})[0] == 200, "POST /job")
    msg = ws_until(c, "job", timeout=10)
    check(msg == {"type": "job", "text": "from a job"}, f"a job's broadcast reaches a WebSocket: {msg}")
    ev = s.until("job", timeout=10)
    check(ev is not None and ev["data"] == "from a job", f"a job's channel send reaches an SSE stream: {ev}")
    msg = ws_until(c, "tick", timeout=5)
    check(msg is not None and msg.get("n", 0) >= 1, f"a schedule's broadcast reaches a WebSocket: {msg}")
    ev = s.until("tick", timeout=5)
    check(ev is not None and int(ev["data"]) >= 1, f"a schedule's channel send reaches an SSE stream: {ev}")
    c.close()
    s.close()


def check_slow_clients(port, server_log):
    n, size = 200, 32768
    slow_ws = WsClient.connect(port, "/live", rcvbuf=4096)
    check(slow_ws.recv_message() == (OP_TEXT, b"open"), "slow ws open")
    fast_ws = WsClient.connect(port, "/live")
    check(fast_ws.recv_message() == (OP_TEXT, b"open"), "fast ws open")
    slow_sse = SseReader(port, "/news", rcvbuf=4096)
    check(slow_sse.until("hello") is not None, "slow sse hello")
    fast_sse = SseReader(port, "/news")
    check(fast_sse.until("hello") is not None, "fast sse hello")

    got = {"ws": [], "sse": []}
    last_at = {}

    def read_ws():
        while len(got["ws"]) < n:
            m = ws_until(fast_ws, "flood", timeout=30)
            if m is None:
                return
            got["ws"].append(m["i"])
        last_at["ws"] = time.time()

    def read_sse():
        while len(got["sse"]) < n:
            ev = fast_sse.until("flood", timeout=30)
            if ev is None:
                return
            got["sse"].append(json.loads(ev["data"])["i"])
        last_at["sse"] = time.time()

    readers = [threading.Thread(target=read_ws), threading.Thread(target=read_sse)]
    for t in readers:
        t.start()
    t0 = time.time()
    status = request(port, "POST", "/flood", {"n": n, "size": size})[0]
    sent_in = time.time() - t0
    posted = time.time()
    for t in readers:
        t.join(60)
    check(status == 200 and sent_in < 10, f"the sender never waits for slow clients: POST /flood {status} in {sent_in:.2f} s")
    for k in ("ws", "sse"):
        check(got[k] == list(range(n)), f"fast {k} client got every message in order: {len(got[k])} of {n}")
        check(k in last_at and last_at[k] - posted < 3, f"fast {k} client had the last message {last_at.get(k, 0) - posted:.2f} s after the send")
    # The slow clients read now: the oldest were dropped, the newest kept.
    slow = []
    while True:
        m = ws_until(slow_ws, "flood", timeout=3)
        if m is None:
            break
        slow.append(m["i"])
        if m["i"] == n - 1:
            break
    check(0 < len(slow) < n and slow[-1] == n - 1 and slow == sorted(slow),
          f"slow ws client: {len(slow)} of {n}, last {slow[-1] if slow else None} (oldest dropped, newest kept)")
    slow_ev = []
    while True:
        ev = slow_sse.until("flood", timeout=3)
        if ev is None:
            break
        i = json.loads(ev["data"])["i"]
        slow_ev.append(i)
        if i == n - 1:
            break
    check(0 < len(slow_ev) < n and slow_ev[-1] == n - 1 and slow_ev == sorted(slow_ev),
          f"slow sse client: {len(slow_ev)} of {n}, last {slow_ev[-1] if slow_ev else None} (oldest dropped, newest kept)")
    for c in (slow_ws, fast_ws):
        c.sock.close()
    slow_sse.close()
    fast_sse.close()
    with open(server_log) as f:
        log = f.read()
    check("websocket client too slow" in log, "the slow WebSocket client is logged once")


def check_brotli_stream(port):
    p = subprocess.Popen(["curl", "-sS", "-N", "--compressed", "-H", "Accept-Encoding: br", "-D", "-",
                          f"http://127.0.0.1:{port}/export"], stdout=subprocess.PIPE, text=True)
    lines, times = [], []
    for line in p.stdout:
        lines.append(line)
        times.append(time.time())
    p.wait(20)
    head = "".join(l for l in lines if not l.startswith("row "))
    rows = [l for l in lines if l.startswith("row ")]
    check(p.returncode == 0 and "content-encoding: br" in head.lower(), f"stream(): Brotli-encoded: {head!r}")
    check([r.split()[1] for r in rows] == ["0", "1", "2"] and all(r.endswith("yyyy\n") for r in rows),
          f"stream(): decoded rows {rows}")
    if len(rows) == 3:
        row_times = [t for l, t in zip(lines, times) if l.startswith("row ")]
        check(row_times[2] - row_times[0] > 0.4, f"stream(): each row decoded as it came ({row_times[2] - row_times[0]:.2f} s apart)")


def run(a):
    os.makedirs(a.out, exist_ok=True)
    pki = os.path.join(a.out, "pki")
    os.makedirs(pki, exist_ok=True)
    make_pki(pki)
    p = build(a, program("ws_tls.lux"))
    check(p.returncode == 0, f"luxc build ws_tls failed:\n{p.stderr}")
    if p.returncode == 0:
        check_tls(a, p.stdout.split()[0], pki)

    p = build(a, program("realtime_rest.lux"))
    check(p.returncode == 0, f"luxc build realtime_rest failed:\n{p.stderr}")
    if p.returncode != 0:
        return
    exe = p.stdout.split()[0]
    port = free_port()
    work = os.path.join(a.out, "work")
    os.makedirs(work, exist_ok=True)
    log = os.path.join(a.out, "server.log")
    proc = start_server(exe, port, cwd=work, log=log)
    check_sleeping_handler(port)
    check_group_middleware(port)
    check_job_and_schedule(port)
    check_slow_clients(port, log)
    check_brotli_stream(port)
    stop_server(proc)
    check(proc.returncode == 0, f"realtime_rest server exit {proc.returncode}")
