"""e2e case `stream_log`: a response that stays open gets its access-log line when it ends, with
the time it was open: a `stream()` body (three timed chunks: duration at least their pauses,
`bytes` their payload), a parked event stream (the subscribe form, whose handler returns at once:
no line while it is open, then one with duration at least the time it was held and its bytes),
a WebSocket (no line while it is open, `status=101` and the time it was open at its close).
"""
import os
import re
import socket
import time
import urllib.request

from e2e import build, check, free_port, program, start_server, stop_server
from e2e_realtime_rest import SseReader
from wsclient import OP_TEXT, WsClient

HELD_S = 1.5


def lines_for(text, path):
    return [l for l in text.splitlines() if "msg=request" in l and f"path={path} " in l]


def field(line, name):
    m = re.search(rf"\b{name}=([0-9.]+)", line)
    return float(m.group(1)) if m else None


def run(a):
    os.makedirs(a.out, exist_ok=True)
    p = build(a, program("stream_log.lux"))
    check(p.returncode == 0, f"luxc build stream_log failed:\n{p.stderr}")
    if p.returncode != 0:
        return
    port = free_port()
    log = os.path.join(a.out, "server.log")
    proc = start_server(p.stdout.split()[0], port, log=log)

    def logged():
        with open(log, errors="replace") as f:
            return f.read()

    def wait_line(path, timeout=5):
        end = time.time() + timeout
        while time.time() < end:
            got = lines_for(logged(), path)
            if got:
                return got
            time.sleep(0.05)
        return lines_for(logged(), path)

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/rows", timeout=10) as r:
            body = r.read()
        check(body == b"row 1 ...\nrow 2 ...\nrow 3 ...\n", f"the stream's body: {body!r}")
        rows = wait_line("/rows")
        check(len(rows) == 1 and field(rows[0], "duration_ms") >= 900 and field(rows[0], "bytes") == len(body)
              and field(rows[0], "status") == 200, f"the stream() line: duration >= 900 ms, bytes={len(body)}: {rows}")

        sse = SseReader(port, "/events")
        opened = time.time()
        hello = sse.until("hello")
        check(hello is not None, "the event stream's hello")
        time.sleep(HELD_S)
        check(lines_for(logged(), "/events") == [], f"no line while the stream is open: {lines_for(logged(), '/events')}")
        sse.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sse.close()
        held_ms = (time.time() - opened) * 1000
        events = wait_line("/events")
        check(len(events) == 1 and field(events[0], "duration_ms") >= held_ms - 100 and field(events[0], "bytes") > 0,
              f"the parked stream's line at its end: duration >= {held_ms:.0f} ms, bytes > 0: {events}")

        ws = WsClient.connect(port, "/echo")
        opened = time.time()
        ws.send_text("a")
        check(ws.recv_message() == (OP_TEXT, b"a"), "ws echo")
        time.sleep(HELD_S)
        check(lines_for(logged(), "/echo") == [], f"no line while the WebSocket is open: {lines_for(logged(), '/echo')}")
        ws.close(1000)
        ws.expect_close()
        ws.sock.close()
        held_ms = (time.time() - opened) * 1000
        echo = wait_line("/echo")
        check(len(echo) == 1 and field(echo[0], "status") == 101 and field(echo[0], "duration_ms") >= held_ms - 100,
              f"the WebSocket's line at its close: status 101, duration >= {held_ms:.0f} ms: {echo}")
    finally:
        stop_server(proc)
