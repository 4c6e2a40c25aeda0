"""e2e case `dev_realtime`: a `luxc dev` swap leaves open WebSockets and event streams on the old
process — the old WebSocket is still answered and the old stream still gets the old process's
events after the new code serves new connections — until their clients close them (the old
process then exits) or the swap drain timeout (LUX_SWAP_DRAIN_TIMEOUT_MS) passes (close 1001,
the stream ends). Ctrl-C stops everything, a process still keeping connections included.
"""
import json
import os
import shutil
import signal
import subprocess
import time

from e2e import check, expect_json, free_port, Lines, program
from e2e_realtime_rest import SseReader
from wsclient import OP_CLOSE, OP_TEXT, Closed, WsClient

SWAP_DRAIN_MS = 6000


def live_children(ppid):
    """Pids of the live (not zombie) processes whose parent is `ppid`."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == ppid and fields[0] != "Z":
            out.append(int(entry))
    return out


def wait_for(pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def run(a):
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.out, "dev_realtime.lux")
    shutil.copy(program("dev_realtime.lux"), lux)
    port = free_port()
    env = dict(os.environ, LUX_SWAP_DRAIN_TIMEOUT_MS=str(SWAP_DRAIN_MS))
    proc = subprocess.Popen([a.luxc, "dev", lux, "--port", str(port), "-o", os.path.join(a.out, "build")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    err, out = Lines(proc.stderr), Lines(proc.stdout)

    def edit(old, new):
        with open(lux) as f:
            text = f.read()
        check(old in text, f"edit: {old!r} not in the program")
        with open(lux, "w") as f:
            f.write(text.replace(old, new, 1))
        line = err.wait(lambda l: l.startswith("luxc dev: built") or "failed" in l, 120)
        check(line and "replaced" in line, f"swap after {new}: {line}")

    try:
        started = err.wait(lambda l: "started" in l or "failed" in l, 120)
        check(started and "started" in started, f"first build: {started} {err.lines}")
        expect_json(port, "GET", "/v", 200, {"version": "v1"})
        old_ws = WsClient.connect(port, "/echo")
        old_ws.send_text("a")
        check(old_ws.recv_message() == (OP_TEXT, b"v1:a"), "old ws before the swap")
        old_sse = SseReader(port, "/events")
        hello = old_sse.until("hello")
        check(hello is not None and hello["data"] == "v1", f"old sse hello: {hello}")
        first = live_children(proc.pid)
        check(len(first) == 1, f"one server process before the swap: {first}")

        # Swap 1: the old connections keep working, new ones get v2; closing them ends the old process.
        edit('"v1"', '"v2"')
        swapped_at = time.time()
        expect_json(port, "GET", "/v", 200, {"version": "v2"})
        new_ws = WsClient.connect(port, "/echo")
        new_ws.send_text("c")
        check(new_ws.recv_message() == (OP_TEXT, b"v2:c"), "a new ws connection gets the new code")
        new_sse = SseReader(port, "/events")
        hello = new_sse.until("hello")
        check(hello is not None and hello["data"] == "v2", f"a new sse stream gets the new code: {hello}")
        old_ws.send_text("b")
        check(old_ws.recv_message() == (OP_TEXT, b"v1:b"), "the old ws is still answered by the old process")
        said = old_sse.until("said", timeout=5, pred=lambda ev: ev["data"] != "v1:a")
        check(said is not None and said["data"] == "v1:b", f"the old sse stream still gets the old process's events: {said}")
        both = live_children(proc.pid)
        check(len(both) == 2 and first[0] in both, f"the old process keeps its connections: {first} -> {both}")
        check(time.time() - swapped_at < SWAP_DRAIN_MS / 1000, "swap 1 checks took longer than the swap drain timeout")
        old_ws.close(1000)
        old_ws.expect_close()
        old_ws.sock.close()
        old_sse.close()
        check(wait_for(lambda: first[0] not in live_children(proc.pid), 3),
              f"the old process exits once its connections closed: {live_children(proc.pid)}\n{''.join(out.lines[-30:])}")

        # Swap 2: connections left open end at the swap drain timeout (close 1001, the stream ends).
        second = live_children(proc.pid)
        edit('"v2"', '"v3"')
        swapped_at = time.time()
        expect_json(port, "GET", "/v", 200, {"version": "v3"})
        new_ws.send_text("d")
        check(new_ws.recv_message() == (OP_TEXT, b"v2:d"), "the v2 ws is answered by its process after the swap")
        new_ws.sock.settimeout(SWAP_DRAIN_MS / 1000 + 10)
        code = None
        try:
            while True:
                op, payload = new_ws.recv_message()
                if op == OP_CLOSE:
                    code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
                    break
        except Closed:
            pass
        waited = time.time() - swapped_at
        check(code == 1001 and SWAP_DRAIN_MS / 1000 - 1 <= waited <= SWAP_DRAIN_MS / 1000 + 8,
              f"a ws left open gets close 1001 at the swap drain timeout: {code} after {waited:.1f} s")
        ended = False
        try:
            while True:
                new_sse.next_event(timeout=10)
        except Closed:
            ended = True
        except (TimeoutError, OSError):
            pass
        check(ended or new_sse.text == b"", "the stream left open ends at the swap drain timeout")
        check(wait_for(lambda: not set(second) & set(live_children(proc.pid)), 10),
              f"the v2 process exits after the swap drain timeout: {second} {live_children(proc.pid)}")
        check(any("swapping out" in l for l in out.lines), "the old process logs the swap")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    check(proc.returncode == 0, f"luxc dev exit status {proc.returncode}")
