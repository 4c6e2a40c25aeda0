"""e2e case `dev_handover`: at a `luxc dev` swap the old process hands its background work over
to the new one while it keeps its open event stream and WebSocket. The interval schedule ticks
in one process at a time (every tick of the old process ended before the first of the new one
began), a job running in the old process at the swap runs there to its end and only there, a
job waiting behind it runs once (in the new process), and the held stream still gets what the
old process sends. With the in-memory hub that is all it gets (the new process's ticks reach its
own streams); run again with the hub on Redis (LUX_REALTIME_URL, redis-server started here), the
held stream gets the new process's ticks too. The access-log lines of the held stream and
WebSocket are written when they end, with the time they were open.
"""
import os
import re
import shutil
import signal
import subprocess
import time

from e2e import check, expect_json, free_port, Lines, program, request
from e2e_dev_realtime import live_children, wait_for
from e2e_redis import start_redis
from e2e_realtime_rest import SseReader
from wsclient import OP_TEXT, WsClient

TICK = re.compile(r"tick (v\d) (\d+) (\d+)")


def ticks(lines):
    """(version, began_ms, ended_ms) of every tick line so far."""
    out = []
    for line in list(lines):
        m = TICK.search(line)
        if m:
            out.append((m.group(1), int(m.group(2)), int(m.group(3))))
    return out


def run(a):
    scenario(a, "local", None)
    redis, redis_port = start_redis(os.path.join(a.out, "redis"))
    if redis is None:
        return
    try:
        scenario(a, "redis", f"redis://127.0.0.1:{redis_port}")
    finally:
        redis.terminate()
        redis.wait()


def scenario(a, name, realtime_url):
    print(f"dev_handover: the hub {name}")
    work = os.path.join(a.out, name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    lux = os.path.join(work, "dev_handover.lux")
    shutil.copy(program("dev_handover.lux"), lux)
    port = free_port()
    # One worker: the second job waits behind the first. Drains long enough for the test's steps.
    env = dict(os.environ, LUX_JOB_WORKERS="1", LUX_DRAIN_TIMEOUT_MS="60000", LUX_SWAP_DRAIN_TIMEOUT_MS="60000")
    if realtime_url:
        env["LUX_REALTIME_URL"] = realtime_url
    build_dir = os.path.realpath(os.path.join(a.out, "build-" + name))
    proc = subprocess.Popen([a.luxc, "dev", lux, "--port", str(port), "-o", build_dir], cwd=work,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    err, out = Lines(proc.stderr), Lines(proc.stdout)
    try:
        started = err.wait(lambda l: "started" in l or "failed" in l, 120)
        check(started and "started" in started, f"first build: {started} {err.lines}")
        expect_json(port, "GET", "/v", 200, {"version": "v1"})
        first = live_children(proc.pid, build_dir)
        check(len(first) == 1, f"one server process before the swap: {first}")
        old_sse = SseReader(port, "/events")
        hello = old_sse.until("hello")
        check(hello is not None and hello["data"] == "v1", f"old sse hello: {hello}")
        held_at = time.time()
        tick = old_sse.until("tick", timeout=10)
        check(tick is not None and tick["data"] == "v1", f"the old stream gets the old process's ticks: {tick}")
        old_ws = WsClient.connect(port, "/talk")
        st, _, body = request(port, "POST", "/hold/1")
        check(st == 200, f"POST /hold/1: {st} {body}")
        check(out.wait(lambda l: "job 1 started v1" in l, 20), "job 1 runs in the old process")
        st, _, body = request(port, "POST", "/hold/2")
        check(st == 200, f"POST /hold/2: {st} {body}")

        with open(lux) as f:
            text = f.read()
        with open(lux, "w") as f:
            f.write(text.replace('"v1"', '"v2"', 1))
        line = err.wait(lambda l: l.startswith("luxc dev: built") or "failed" in l, 120)
        check(line and "replaced" in line, f"swap: {line}")
        swapped_at = time.time()
        expect_json(port, "GET", "/v", 200, {"version": "v2"})
        check(any("swapping out" in l for l in out.lines) or out.wait(lambda l: "swapping out" in l, 10),
              "the old process logs the swap")
        # The new process ticks; collect a few of its ticks.
        check(wait_for(lambda: sum(1 for t in ticks(out.lines) if t[0] == "v2") >= 2, 15),
              f"the new process ticks after the swap: {ticks(out.lines)}")
        # The held stream and WebSocket are still the old process's.
        old_ws.send_text("x")
        got = old_ws.recv_message()
        check(got == (OP_TEXT, b"v1:x"), f"the old ws is still answered by the old process: {got}")
        said = old_sse.until("said", timeout=5)
        check(said is not None and said["data"] == "v1:x", f"the held stream gets the old process's events: {said}")

        # The jobs: the first ends in the old process once the gate opens, the second runs once.
        st, _, body = request(port, "POST", "/open")
        check(st == 200, f"POST /open: {st} {body}")
        check(out.wait(lambda l: "job 1 done v1" in l, 20) is not None, "job 1 finishes in the old process")
        check(wait_for(lambda: any("job 2 done" in l for l in out.lines), 20), "job 2 runs to its end")
        check(out.wait(lambda l: "background work handed over" in l, 20) is not None,
              "the old process has handed its background work over once its running job ended")
        starts = [l.strip() for l in out.lines if re.search(r"job \d started", l)]
        check(sum("job 1 started" in l for l in starts) == 1 and sum("job 2 started" in l for l in starts) == 1,
              f"each job started once: {starts}")
        if realtime_url:
            # The hub spans the processes: the new process's ticks reach the held stream.
            later = old_sse.until("tick", timeout=5, pred=lambda ev: ev["data"] == "v2")
            check(later is not None, "the held stream gets the new process's ticks through the Redis hub")
        else:
            # The in-memory hub does not span processes: nothing ticks for the held stream any more.
            time.sleep(1.5)
            later = old_sse.until("tick", timeout=0.5)
            check(later is None, f"the held stream gets no tick after the hand-over: {later}")

        all_ticks = ticks(out.lines)
        v1 = [t for t in all_ticks if t[0] == "v1"]
        v2 = [t for t in all_ticks if t[0] == "v2"]
        check(v1 and v2 and max(t[2] for t in v1) <= min(t[1] for t in v2),
              f"no tick of the new process began before the old process's last tick ended: {all_ticks}")

        # Closing the held connections ends the old process; the stream's access-log line
        # comes then, with the time it was held open.
        old_ws.close(1000)
        old_ws.expect_close()
        old_ws.sock.close()
        old_sse.close()
        closed_at = time.time()
        check(wait_for(lambda: first[0] not in live_children(proc.pid, build_dir), 10),
              f"the old process exits once its connections closed: {live_children(proc.pid, build_dir)}")
        held = closed_at - held_at
        lines = [l for l in out.lines if "msg=request" in l and "path=/events" in l]
        durations = [float(re.search(r"duration_ms=([0-9.]+)", l).group(1)) for l in lines]
        check(any(d >= (held - 1) * 1000 for d in durations) and all("bytes=" in l for l in lines),
              f"the stream's access-log line at its end, duration >= {held:.1f} s held open: {lines}")
        ws_lines = [l for l in out.lines if "msg=request" in l and "path=/talk" in l]
        check(any(float(re.search(r"duration_ms=([0-9.]+)", l).group(1)) >= (closed_at - swapped_at - 1) * 1000
                  for l in ws_lines), f"the WebSocket's access-log line at its close: {ws_lines}")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    check(proc.returncode == 0, f"luxc dev exit status {proc.returncode}")
