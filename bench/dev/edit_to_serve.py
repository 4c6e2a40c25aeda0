#!/usr/bin/env python3
"""Edit-to-serve latency of `luxc dev`: from the write of the .lux file to the first
response that shows the change. Runs `luxc dev` on a copy of samples/monitoring.lux, then N times
rewrites one value in the api server's /health response (an in-place one-line edit) and polls
GET /health on a fresh connection every 2 ms until the new value is served. Prints each sample
and the median / p95; also the build time luxc dev reported for each edit."""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--luxc", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--edits", type=int, default=20)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="lux-dev-bench-")
    lux = os.path.join(tmp, "monitoring.lux")
    shutil.copy(os.path.join(a.root, "samples", "monitoring.lux"), lux)
    base = free_port()
    proc = subprocess.Popen([a.luxc, "dev", lux, "--port", str(base), "-o", os.path.join(tmp, "out")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp)
    lines, cond = [], threading.Condition()

    def reader():
        for l in proc.stderr:
            with cond:
                lines.append(l)
                cond.notify_all()

    threading.Thread(target=reader, daemon=True).start()

    def next_status(start, timeout=120):
        deadline = time.time() + timeout
        with cond:
            while True:
                for l in lines[start:]:
                    if l.startswith("luxc dev: built") or "build failed" in l:
                        return l
                if time.time() > deadline:
                    return None
                cond.wait(0.5)

    first = next_status(0)
    m = re.search(r"api \(127\.0\.0\.1:(\d+)\)", first or "")
    if not m:
        raise SystemExit(f"luxc dev did not start the api server: {lines}")
    port = int(m.group(1))

    def served():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
                return json.loads(r.read()).get("server")
        except Exception:
            return None

    samples, builds = [], []
    try:
        for i in range(1, a.edits + 1):
            with open(lux) as f:
                text = f.read()
            want = f"api-{i}"
            text = re.sub(r'server: "api(-\d+)?",', f'server: "{want}",', text, count=1)
            seen = len(lines)
            t0 = time.perf_counter()
            with open(lux, "w") as f:
                f.write(text)
            while served() != want:
                if time.perf_counter() - t0 > 60:
                    raise SystemExit(f"edit {i} not served after 60 s: {lines}")
                time.sleep(0.002)
            ms = (time.perf_counter() - t0) * 1000
            samples.append(ms)
            st = next_status(seen, 30) or ""
            b = re.search(r"built in (\d+) ms", st)
            builds.append(int(b.group(1)) if b else -1)
            print(f"edit {i:2d}: {ms:7.1f} ms to serve (luxc dev: built in {builds[-1]} ms)", flush=True)
            time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    s = sorted(samples)
    p95 = s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]
    print(f"edit-to-serve over {len(s)} edits: p50 {statistics.median(s):.0f} ms, p95 {p95:.0f} ms, "
          f"min {s[0]:.0f} ms, max {s[-1]:.0f} ms; build (as reported) p50 {statistics.median(builds):.0f} ms")


if __name__ == "__main__":
    main()
