#!/usr/bin/env python3
"""Edit-to-serve latency of `luxc dev`: from the write of the .lux file to the first response that
shows the change. Runs `luxc dev` on a copy of samples/monitoring.lux, then N times edits one line
and polls on a fresh connection every 2 ms until the change is served. Two cases:

  route        rewrites one value in the api server's /health response; served when GET /health
               returns the new value.
  shared-type  adds (odd edits) or removes (even edits) a field with a default on the `tags` line of
               the shared type `Metric`, which both servers use: the program header changes, so
               every unit recompiles and both servers are replaced; served when both servers
               answer GET /metrics from a new process (`process_start_time_seconds` changed).

With several --luxc, one `luxc dev` session per compiler runs side by side (each on its own copy
and ports) and the edits alternate between them (edit i of each session back to back, the order
swapped every edit), so that both see the same load; prints each sample, then per compiler the
median / p95 and, with two, their ratio. Also the build time `luxc dev` reported for each edit."""
import argparse
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

FIELD_LINE = "    tags: [String]\n  }\n\n  type Alert {"
FIELD_ADDED = "    tags: [String], revision: Int = 1\n  }\n\n  type Alert {"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ports_free(base, n):
    for p in range(base, base + n):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                return False
    return True


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.read().decode()
    except Exception:
        return None


def start_time(port):
    body = get(port, "/metrics") or ""
    m = re.search(r"^process_start_time_seconds(?:\{[^}]*\})? (\S+)$", body, re.M)
    return m.group(1) if m else None


def health_server(port):
    body = get(port, "/health") or ""
    m = re.search(r'"server":"([^"]*)"', body)
    return m.group(1) if m else None


class Session:
    """One `luxc dev` on its own copy of the program, its own output directory and ports."""

    def __init__(self, luxc, root, case, label):
        self.luxc, self.case, self.label = luxc, case, label
        self.tmp = tempfile.mkdtemp(prefix="lux-dev-bench-")
        self.lux = os.path.join(self.tmp, "monitoring.lux")
        shutil.copy(os.path.join(root, "samples", "monitoring.lux"), self.lux)
        base = free_port()
        while base + 1 > 65535 or not ports_free(base, 2):
            base = free_port()
        self.proc = subprocess.Popen([luxc, "dev", self.lux, "--port", str(base), "-o", os.path.join(self.tmp, "out")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=self.tmp)
        self.lines, self.cond = [], threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        first = self.next_status(0, 300)
        ports = dict(re.findall(r"(collector|api) \(127\.0\.0\.1:(\d+)\)", first or ""))
        if "api" not in ports or "collector" not in ports:
            raise SystemExit(f"{label}: luxc dev did not start both servers: {self.lines}")
        self.api, self.collector = int(ports["api"]), int(ports["collector"])
        self.samples, self.builds = [], []

    def _read(self):
        for line in self.proc.stderr:
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()

    def next_status(self, start, timeout):
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for line in self.lines[start:]:
                    if line.startswith("luxc dev: built") or "build failed" in line:
                        return line
                if time.time() > deadline:
                    return None
                self.cond.wait(0.5)

    def edit(self, i):
        with open(self.lux) as f:
            text = f.read()
        if self.case == "route":
            want = f"api-{i}"
            text = re.sub(r'server: "api(-\d+)?",', f'server: "{want}",', text, count=1)
            done = lambda: health_server(self.api) == want  # noqa: E731
        else:
            before = {p: start_time(p) for p in (self.api, self.collector)}
            if None in before.values():
                raise SystemExit(f"{self.label}: no process_start_time_seconds on /metrics")
            old, new = (FIELD_LINE, FIELD_ADDED) if i % 2 else (FIELD_ADDED, FIELD_LINE)
            if text.count(old) != 1:
                raise SystemExit(f"{self.label}: the Metric type is not as expected")
            text = text.replace(old, new)
            waiting = set(before)

            def done():
                for p in list(waiting):
                    now = start_time(p)
                    if now is not None and now != before[p]:
                        waiting.discard(p)
                return not waiting
        seen = len(self.lines)
        t0 = time.perf_counter()
        with open(self.lux, "w") as f:
            f.write(text)
        while not done():
            if time.perf_counter() - t0 > 120:
                raise SystemExit(f"{self.label}: edit {i} not served after 120 s: {self.lines[-5:]}")
            time.sleep(0.002)
        ms = (time.perf_counter() - t0) * 1000
        self.samples.append(ms)
        st = self.next_status(seen, 60) or ""
        b = re.search(r"built in (\d+) ms", st)
        self.builds.append(int(b.group(1)) if b else -1)
        print(f"{self.label} {self.case} edit {i:2d}: {ms:7.1f} ms to serve (luxc dev: built in {self.builds[-1]} ms)",
              flush=True)

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def summary(self):
        s = sorted(self.samples)
        p50 = statistics.median(s)
        p95 = s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]
        return p50, p95, (f"{self.label}: {self.case} edit-to-serve over {len(s)} edits: p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
                          f"min {s[0]:.0f} ms, max {s[-1]:.0f} ms; build (as reported) p50 {statistics.median(self.builds):.0f} ms")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--luxc", action="append", required=True, help="a luxc (repeat to compare, the first is the baseline)")
    ap.add_argument("--root", required=True)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--case", choices=["route", "shared-type"], default="route")
    a = ap.parse_args()
    sessions = []
    try:
        for n, luxc in enumerate(a.luxc):
            sessions.append(Session(luxc, a.root, a.case, f"[{n}]" if len(a.luxc) > 1 else "luxc"))
        for i in range(1, a.edits + 1):
            order = sessions if i % 2 else list(reversed(sessions))
            for s in order:
                s.edit(i)
                time.sleep(0.3)
    finally:
        for s in sessions:
            s.stop()
    results = [s.summary() for s in sessions]
    for n, (_, _, line) in enumerate(results):
        print((f"{a.luxc[n]} " if len(a.luxc) > 1 else "") + line)
    if len(results) == 2:
        print(f"ratio (second / first): p50 {results[1][0] / results[0][0]:.2f}, p95 {results[1][1] / results[0][1]:.2f}")


if __name__ == "__main__":
    main()
