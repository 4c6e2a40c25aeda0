"""A hostile HTTP client for end-to-end probes of built servers: raw bytes on a socket, so a test
can send what no well-behaved library would (bad framing, CR/LF in values, huge bodies written
before reading, readers that never read, floods of idle connections) and still read the answer.

Entry points: `exchange` (send bytes, read one response), `send_all_then_read` (write a whole
request, body included, before reading: how Python's urllib and requests behave), `timed_get`
(latency of a well-behaved request, for "a ping is answered meanwhile"), `open_idle`
(connections that connect and stay silent), `stalled_readers` (connections that send requests and
never read the responses). Every call is bounded in time; nothing here retries.
"""
import socket
import time


class Response:
    """One parsed HTTP response; `status` is None when none arrived (`error` says why)."""

    def __init__(self):
        self.status = None
        self.reason = ""
        self.headers = []          # [(name lower-cased, value)] in order, repeats kept
        self.body = b""
        self.closed = False        # the server closed the connection after this response
        self.error = None          # "reset", "timeout", "eof", ... when the exchange failed

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k == name.lower()]

    def json(self):
        import json
        return json.loads(self.body)

    def __repr__(self):
        return f"<Response {self.status} {self.error or ''} {self.body[:120]!r}>"


def connect(port, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class _Reader:
    def __init__(self, sock, deadline):
        self.sock, self.deadline, self.buf, self.eof = sock, deadline, b"", False

    def _fill(self):
        left = self.deadline - time.time()
        if left <= 0:
            raise TimeoutError
        self.sock.settimeout(left)
        chunk = self.sock.recv(65536)
        if not chunk:
            self.eof = True
            raise EOFError
        self.buf += chunk

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def rest(self):
        try:
            while True:
                self._fill()
        except EOFError:
            pass
        out, self.buf = self.buf, b""
        return out


def read_response(sock, timeout=5.0, head_only=False, reader=None):
    """Reads one response from `sock`. With head_only (a HEAD request) no body is read."""
    r = Response()
    rd = reader or _Reader(sock, time.time() + timeout)
    try:
        status = rd.line().decode("latin-1")
        parts = status.split(" ", 2)
        r.status = int(parts[1])
        r.reason = parts[2] if len(parts) > 2 else ""
        while True:
            line = rd.line()
            if not line:
                break
            k, _, v = line.decode("latin-1").partition(":")
            r.headers.append((k.strip().lower(), v.strip()))
        if head_only or r.status in (204, 304) or 100 <= r.status < 200:
            pass
        elif r.header("transfer-encoding") and "chunked" in r.header("transfer-encoding").lower():
            while True:
                size = int(rd.line().split(b";")[0], 16)
                if size == 0:
                    while rd.line():
                        pass
                    break
                r.body += rd.exact(size)
                rd.line()
        elif r.header("content-length") is not None:
            r.body = rd.exact(int(r.header("content-length")))
        else:
            r.body = rd.rest()
            r.closed = True
        if not r.closed and (r.header("connection") or "").lower() == "close":
            r.closed = _closed_soon(sock, rd)
    except TimeoutError:
        r.error = "timeout"
    except EOFError:
        r.error = r.error or ("eof" if r.status is None else None)
        r.closed = True
    except ConnectionResetError:
        r.error = "reset"
    except OSError as e:
        r.error = f"oserror {e.errno}"
    return r


def _closed_soon(sock, rd, wait=2.0):
    rd.deadline = time.time() + wait
    try:
        rd._fill()
        return False
    except (EOFError, ConnectionResetError):
        return True
    except (TimeoutError, OSError):
        return False


def exchange(port, data, timeout=5.0, head_only=False):
    """Sends `data` (bytes) on a new connection and reads one response."""
    with connect(port, timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            r = Response()
            r.error = "reset"
            return r
        return read_response(s, timeout, head_only)


def exchange_many(port, data, count, timeout=5.0):
    """Sends `data` (several pipelined requests) and reads up to `count` responses."""
    out = []
    with connect(port, timeout) as s:
        s.sendall(data)
        rd = _Reader(s, time.time() + timeout)
        for _ in range(count):
            r = read_response(s, timeout, reader=rd)
            out.append(r)
            if r.status is None or r.closed:
                break
    return out


def request_bytes(method, path, headers=None, body=b"", version="HTTP/1.1", host=True):
    """The bytes of one request; `headers` is a list of (name, value) or a dict, sent verbatim."""
    items = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    lines = [f"{method} {path} {version}"]
    if host and not any(k.lower() == "host" for k, _ in items):
        lines.append("Host: 127.0.0.1")
    lines += [f"{k}: {v}" for k, v in items]
    if body and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in items):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def send_all_then_read(port, head, body, timeout=10.0, chunk=65536):
    """Writes the whole request (head, then body in chunks) before reading anything, as clients
    such as Python's urllib do. Returns the response, or one with error "reset" when the server
    reset the connection (what such a client would report instead of the server's answer)."""
    with connect(port, timeout) as s:
        try:
            s.sendall(head)
            for i in range(0, len(body), chunk):
                s.sendall(body[i:i + chunk])
        except (BrokenPipeError, ConnectionResetError):
            pass  # keep going: the answer may already be readable
        return read_response(s, timeout)


def timed_get(port, path="/", timeout=10.0):
    """(seconds, Response) of a plain GET on a fresh connection."""
    t0 = time.time()
    r = exchange(port, request_bytes("GET", path, [("Connection", "close")]), timeout)
    return time.time() - t0, r


def open_idle(port, count, timeout=5.0):
    """Opens up to `count` connections that send nothing; returns the sockets (caller closes)."""
    socks = []
    for _ in range(count):
        try:
            socks.append(connect(port, timeout))
        except OSError:
            break
    return socks


def stalled_readers(port, request, count, pipelined=1, timeout=5.0):
    """Opens `count` connections that each send `request` `pipelined` times and never read; the
    receive buffer is kept small so the server's unsent bytes stay on the server. Returns the
    sockets (caller closes)."""
    socks = []
    for _ in range(count):
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.settimeout(timeout)
            s.connect(("127.0.0.1", port))
            s.sendall(request * pipelined)
            socks.append(s)
        except OSError:
            break
    return socks


def close_all(socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


def cpu_ticks(pid):
    """User + system CPU time of a process, in clock ticks (from /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wait_cpu_settled(pid, quiet=0.5, limit=15.0):
    """Waits until a process has used no CPU for `quiet` seconds (at most `limit` seconds), so a
    latency measured next is not the cost of work a previous step queued."""
    deadline = time.time() + limit
    last = cpu_ticks(pid)
    while time.time() < deadline:
        time.sleep(quiet)
        now = cpu_ticks(pid)
        if now == last:
            return True
        last = now
    return False


def rss_kb(pid):
    """Resident set size of a process in KiB (from /proc)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
