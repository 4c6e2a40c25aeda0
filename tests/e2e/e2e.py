#!/usr/bin/env python3
"""End-to-end tests of luxc-built servers: build, start on loopback, HTTP, SIGTERM.

  e2e.py --luxc BUILD/luxc --root REPO --out DIR CASE
Cases: hello (samples/hello.lux route by route), run_two_servers (`luxc run` of a two-server
program: prefixed logs, SIGTERM forwarded), build_errors (E5001 for blocks without code generation,
E5002 for a C++ compiler failure), jobs (background fns and schedules in a real server: retries,
dead letter, the admin routes, SIGKILL mid-job then restart, run-task, a 1-second schedule), rpc (two
servers: RPC with the request id in both logs, the breaker opening while the peer is down and
closing after it is back), events (two servers: events published while the subscriber is down
arrive in order after it starts, a failing handler and a rejected payload are logged), monitoring
(samples/monitoring.lux, seed 002: both servers, events into the shared database, its routes),
advanced (samples/advanced.lux, seed 000: JWT auth refusals and a valid token, the welcome mail
through an SMTP sink on loopback, the event and its RPC to an absent service), shared_state
(server `var`s under concurrent requests on four I/O threads: no lost update, no crash), openapi
(GET /openapi.json serves `luxc openapi`'s document; every sample's document passes
@apidevtools/swagger-parser; /docs with its embedded assets in headless Chromium through
playwright-core: routes listed, "Try it out" runs a request, a screenshot kept in the out dir; a
program with `openapi { title, version, description, servers, docs: false }` serves that info
and those servers, and answers 404 on /docs),
redis (redis-server started here, three replicas of one server and two of another on it: 10,000
jobs spawned across them run exactly once, a replica SIGKILLed mid-run loses none, a 1-second
schedule ticks once across the replicas, events published while a subscriber is down reach every
subscribing server once),
postgres (a PostgreSQL cluster started here, three replicas of a server with `db { adapter:
"postgres" }` on it: 3 x 300 creates through all three at once, counts and reads agree on every
replica, one replica SIGKILLed mid-way loses nothing it acknowledged, bad input gets 4xx JSON;
the same program with `db { path }` instead runs on SQLite).
A case may also live in its own module, tests/e2e/e2e_<case>.py, with a `run(a)` function that
imports its helpers (check, build, popen_ready, ...) from `e2e`.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def wait_listening(port, proc, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def popen_ready(cmd, env=None, timeout=10, **kw):
    """Starts a built Lux server and waits until it serves: the runtime writes `ready PORT` to
    LUX_READY_FD after its database and job store are open and on_start has run. A server
    accepts connections (the port is bound) before that, so a test that reads the server's
    files, not its HTTP answers, must wait for this. Returns the process, or None after a
    failed check."""
    r, w = os.pipe()
    env = dict(os.environ if env is None else env, LUX_READY_FD=str(w))
    proc = subprocess.Popen(cmd, env=env, pass_fds=(w,), **kw)
    os.close(w)
    line = b""
    deadline = time.time() + timeout
    try:
        while b"\n" not in line and time.time() < deadline:
            ready, _, _ = select.select([r], [], [], 0.1)
            if ready:
                chunk = os.read(r, 64)
                if not chunk:
                    break  # the server exited (or closed the descriptor) without being ready
                line += chunk
    finally:
        os.close(r)
    check(line.startswith(b"ready "), f"{os.path.basename(cmd[0])} did not become ready: {line!r}, "
                                      f"exit status {proc.poll()}")
    return proc


def start_server(exe, port, env=None, cwd=None, name="server", log=None):
    """Starts a built server on 127.0.0.1:port and waits until it serves. Its output goes to a
    pipe the caller reads (read_until, stop_server); with `log` (a file path) it goes to that
    file instead: for tests that make the server log more than a pipe holds (64 KiB) before
    stop_server reads it — a full pipe blocks the server's log writes, and so the server."""
    cmd = [exe, "--host", "127.0.0.1", "--port", str(port)]
    if log is None:
        return popen_ready(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with open(log, "w") as f:
        proc = popen_ready(cmd, env=env, cwd=cwd, stdout=f, stderr=subprocess.STDOUT, text=True)
    proc.log_path = log
    return proc


def stop_server(proc, timeout=15):
    """SIGTERM, then the rest of its output (killed if it does not stop in time)."""
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    if getattr(proc, "log_path", None):
        with open(proc.log_path, errors="replace") as f:
            out = f.read()
    return out


def sign_internal(method, path, body, secret=None, t=None, nonce=None):
    """X-Lux-Signature of a call between the program's servers (docs/runtime.md#internal-auth),
    keyed with LUX_PROGRAM_SECRET unless `secret` is given."""
    secret = os.environ["LUX_PROGRAM_SECRET"] if secret is None else secret
    t = int(time.time()) if t is None else t
    nonce = secrets.token_hex(16) if nonce is None else nonce
    msg = f"LUX-HMAC-SHA256\n{method}\n{path}\n{t}\n{nonce}\n{hashlib.sha256(body).hexdigest()}"
    return f"t={t},n={nonce},s={hmac.new(secret.encode(), msg.encode(), hashlib.sha256).hexdigest()}"


def build(a, lux, extra=()):
    p = subprocess.run([a.luxc, "build", lux, "-o", a.out, *extra], capture_output=True, text=True)
    return p


def expect_json(port, method, path, status, want, body=None):
    st, headers, text = request(port, method, path, body)
    check(st == status, f"{method} {path}: status {st}, expected {status} (body {text})")
    try:
        got = json.loads(text)
    except ValueError:
        check(False, f"{method} {path}: body is not JSON: {text!r}")
        return None, headers
    if callable(want):
        check(want(got), f"{method} {path}: unexpected body {text}")
    elif want is not None:
        check(got == want, f"{method} {path}: body {got}, expected {want}")
    return got, headers


def case_hello(a):
    lux = os.path.join(a.root, "samples", "hello.lux")
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    check(os.path.basename(exe) == "hello", f"executable name {exe}")
    # Unchanged input: no recompilation.
    p2 = subprocess.run([a.luxc, "build", lux, "-o", a.out, "--timings"], capture_output=True, text=True)
    check(re.search(r"\(0 of \d+ units\)", p2.stderr) and "(0 executables)" in p2.stderr,
          f"rebuild was not a no-op: {p2.stderr}")
    # A one-line change recompiles only the unit that holds it (split translation units).
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "hello.lux")
        shutil.copy(lux, copy)
        out = os.path.join(tmp, "out")
        p3 = subprocess.run([a.luxc, "build", copy, "-o", out, "--timings"], capture_output=True, text=True)
        m = re.search(r"\((\d+) of (\d+) units\)", p3.stderr)
        check(p3.returncode == 0 and m and int(m.group(1)) == int(m.group(2)) > 3, f"cold build: {p3.stderr}")
        with open(copy) as f:
            text = f.read()
        with open(copy, "w") as f:
            f.write(text.replace("respond(200, { deleted: id })", "respond(200, { deleted: id, edited: true })"))
        p4 = subprocess.run([a.luxc, "build", copy, "-o", out, "--timings"], capture_output=True, text=True)
        check(p4.returncode == 0 and "(1 of " in p4.stderr and "(1 executables)" in p4.stderr,
              f"a one-line change recompiled more than its unit: {p4.stderr}")
        port = free_port()
        proc = start_server(os.path.join(out, "hello"), port, name="hello-edited")
        try:
            expect_json(port, "DELETE", "/todos/7", 200, {"deleted": 7, "edited": True})
        finally:
            stop_server(proc)

    help_text = subprocess.run([exe, "--help"], capture_output=True, text=True)
    check(help_text.returncode == 0 and "GREETING" in help_text.stdout and "--port" in help_text.stdout,
          f"--help: {help_text.stdout}")

    port = free_port()
    proc = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(port), "--greeting", "Hi"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        check(wait_listening(port, proc), "server did not start listening")
        expect_json(port, "GET", "/hello", 200, {"message": "Hi, world!", "length": 5})
        _, headers = expect_json(port, "GET", "/hello?name=Ada", 200, {"message": "Hi, Ada!", "length": 3})
        check(headers.get("X-Powered-By") == "lux", "decorator middleware header missing")
        expect_json(port, "GET", "/todos", 200, lambda b: [t["id"] for t in b] == [1, 2, 3])
        expect_json(port, "GET", "/todos?done=false&limit=1", 200, lambda b: [t["id"] for t in b] == [1])
        expect_json(port, "GET", "/todos?tag=docs", 200, lambda b: [t["id"] for t in b] == [3])
        expect_json(port, "GET", "/todos?limit=abc", 400, lambda b: "limit" in json.dumps(b))
        expect_json(port, "GET", "/todos/2", 200, lambda b: b["title"] == "water the plants" and b["priority"] == "Low")
        expect_json(port, "GET", "/todos/9", 400, lambda b: b["error"] == "no todo with id 9")
        expect_json(port, "GET", "/todos/x", 400, lambda b: "`id`" in b["error"])
        expect_json(port, "GET", "/todos/1/urgency", 200, {"id": 1, "urgency": "today"})
        expect_json(port, "GET", "/todos/2/urgency", 200, {"id": 2, "urgency": "done"})
        expect_json(port, "GET", "/todos/7/urgency", 404, {"error": "no todo with id 7"})
        expect_json(port, "GET", "/stats", 200,
                    lambda b: b["open"] == 2 and b["total_tags"] == 3 and b["squares"] == [0, 1, 4, 9]
                    and b["countdown"] == "4321" and b["label"] == "busy" and b["sum"] == 14 and b["served"] > 0)
        expect_json(port, "GET", "/parse/21", 200, {"ok": True, "doubled": 42})
        expect_json(port, "GET", "/parse/zz", 200, lambda b: b["ok"] is False and "JSON.parse" in b["error"])
        expect_json(port, "GET", "/boom", 500, lambda b: b["error"] == "something went wrong" and "JSON" in b["detail"])
        todo = {"id": 5, "title": "ship it now", "priority": "High", "done": False, "tags": []}
        expect_json(port, "POST", "/todos", 201, {"created": todo, "shout": "SHIP-IT-NOW"}, body=todo)
        bad = dict(todo, priority="Urgent")
        expect_json(port, "POST", "/todos", 400, lambda b: "priority" in b["error"] and "todo" in b["error"], body=bad)
        # Every bad field at once, by path, with what was expected (validated against /openapi.json's schema).
        worse = {"id": "x", "title": 5, "priority": "Urgent", "tags": ["a", 3]}
        expect_json(port, "POST", "/todos", 400,
                    lambda b: [e["path"] for e in b["details"]["errors"]] == ["body.done", "body.id", "body.title",
                                                                             "body.priority", "body.tags[1]"]
                    and b["details"]["errors"][3]["expected"] == "one of Low, Normal, High", body=worse)
        expect_json(port, "DELETE", "/todos/3", 200, {"deleted": 3})
        st, _, _ = request(port, "GET", "/nope")
        check(st == 404, f"unknown route: {st}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    check(proc.returncode == 0, f"exit status after SIGTERM: {proc.returncode}")
    check(f"listening on {port}, greeting Hi" in out, f"on_start output missing:\n{out}")
    check("hello: stopped after" in out, f"on_stop output missing:\n{out}")
    check("hello: error on GET /boom" in out, f"on_error output missing:\n{out}")


TWO_SERVERS = '''
shared {
  fn twice(x: Int) -> Int { x * 2 }
}
server "alpha" {
  env PORT: Int = 0
  on_start fn() { print("alpha up") }
  on_stop fn() { print("alpha down") }
  route GET "/n/:n" => fn(n: Int) { { server: "alpha", twice: twice(n) } }
}
server "beta" {
  env PORT: Int = 0
  on_start fn() { print("beta up") }
  on_stop fn() { print("beta down") }
  route GET "/n/:n" => fn(n: Int) { { server: "beta", twice: twice(n) + 1 } }
}
'''


def case_run_two_servers(a):
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.out, "pair.lux")
    with open(lux, "w") as f:
        f.write(TWO_SERVERS)
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    names = sorted(os.path.basename(x) for x in p.stdout.split())
    check(names == ["pair-alpha", "pair-beta"], f"executables: {names}")
    proc = subprocess.Popen([a.luxc, "run", lux, "-o", a.out, "--", "--host", "127.0.0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    deadline = time.time() + 20
    while time.time() < deadline and not (any("alpha up" in l for l in lines) and any("beta up" in l for l in lines)):
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
    check(any(l.startswith("[alpha]") and "alpha up" in l for l in lines), f"alpha's prefixed output: {lines}")
    check(any(l.startswith("[beta]") and "beta up" in l for l in lines), f"beta's prefixed output: {lines}")
    proc.send_signal(signal.SIGTERM)
    try:
        rest, _ = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        rest, _ = proc.communicate()
    check(proc.returncode == 0, f"luxc run exit status {proc.returncode}")
    check("[alpha] alpha down" in rest and "[beta]  beta down" in rest, f"on_stop output: {rest}")


class Lines:
    """Collects a pipe's lines on a thread; wait() blocks until a new line matches."""

    def __init__(self, pipe):
        self.lines, self.cond, self.seen = [], threading.Condition(), 0
        threading.Thread(target=self._read, args=(pipe,), daemon=True).start()

    def _read(self, pipe):
        for line in pipe:
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()

    def wait(self, pred, timeout):
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for i in range(self.seen, len(self.lines)):
                    if pred(self.lines[i]):
                        self.seen = i + 1
                        return self.lines[i]
                left = deadline - time.time()
                if left <= 0:
                    return None
                self.cond.wait(left)


def case_dev(a):
    """luxc dev: edits are served without a refused connection; errors keep the last good build."""
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.out, "pair.lux")
    with open(lux, "w") as f:
        f.write(TWO_SERVERS)
    base = free_port()
    while base + 1 > 65535 or not port_free(base + 1):
        base = free_port()
    proc = subprocess.Popen([a.luxc, "dev", lux, "--port", str(base), "-o", os.path.join(a.out, "build")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err, out = Lines(proc.stderr), Lines(proc.stdout)
    try:
        started = err.wait(lambda l: "started" in l or "failed" in l, 120)
        check(started and "alpha" in started and "beta" in started, f"first build: {started} {err.lines}")
        expect_json(base, "GET", "/n/2", 200, {"server": "alpha", "twice": 4})
        expect_json(base + 1, "GET", "/n/2", 200, {"server": "beta", "twice": 5})

        # A client polling alpha (a new connection each time) through every swap below.
        failures, answers, stop = [], [], threading.Event()

        def poll_alpha():
            while not stop.is_set():
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{base}/n/1", timeout=10) as r:
                        answers.append(json.loads(r.read())["server"])
                except Exception as e:  # refused, reset, 5xx: each one is a failure of the swap
                    failures.append(repr(e))
                time.sleep(0.005)

        poller = threading.Thread(target=poll_alpha, daemon=True)
        poller.start()

        def edit(old, new):
            with open(lux) as f:
                text = f.read()
            check(old in text, f"edit: {old!r} not in the program")
            with open(lux, "w") as f:
                f.write(text.replace(old, new, 1))

        edit('server: "alpha"', 'server: "alpha-v2"')
        line = err.wait(lambda l: l.startswith("luxc dev: built") or "failed" in l, 60)
        check(line and "replaced alpha" in line and "beta" not in line, f"edit of alpha: {line}")
        expect_json(base, "GET", "/n/2", 200, {"server": "alpha-v2", "twice": 4})
        expect_json(base + 1, "GET", "/n/2", 200, {"server": "beta", "twice": 5})

        # A syntax error: diagnostics printed, the running servers keep answering.
        edit('route GET "/n/:n" => fn(n: Int) { { server: "alpha-v2"', 'route GET "/n/:n" => fn(n: Int) { { server: "alpha-v3" oops')
        line = err.wait(lambda l: "build failed" in l or l.startswith("luxc dev: built"), 60)
        check(line and "build failed" in line and "keep serving" in line, f"error build: {line}")
        check(any("error[" in l for l in err.lines), "no diagnostic printed for the syntax error")
        expect_json(base, "GET", "/n/2", 200, {"server": "alpha-v2", "twice": 4})

        # The fix is picked up.
        edit('"alpha-v3" oops', '"alpha-v3"')
        line = err.wait(lambda l: l.startswith("luxc dev: built") or "failed" in l, 60)
        check(line and "replaced alpha" in line, f"fix: {line}")
        expect_json(base, "GET", "/n/2", 200, {"server": "alpha-v3", "twice": 4})
        time.sleep(0.2)
        stop.set()
        poller.join(15)
        check(not failures, f"{len(failures)} failed requests during the swaps: {failures[:3]}")
        check(len(answers) > 20 and "alpha-v2" in answers and answers[-1] == "alpha-v3",
              f"poller saw {len(answers)} answers: {sorted(set(answers))}")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    check(proc.returncode == 0, f"luxc dev exit status {proc.returncode}")
    time.sleep(0.3)
    check(any("alpha down" in l for l in out.lines) and any("beta down" in l for l in out.lines),
          f"on_stop did not run in both servers: {out.lines[-6:]}")
    check(refused(base) and refused(base + 1), "a server is still listening after Ctrl-C")


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return False
    except ConnectionRefusedError:
        return True


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


UNSUPPORTED = '''
server {
  cors { origins: ["http://localhost:5173"] }
  rate_limit { requests: 100, window: 1.minutes }
  route GET "/" => fn() { "ok" }
}
'''


def case_build_errors(a):
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.out, "later.lux")
    with open(lux, "w") as f:
        f.write(UNSUPPORTED)
    p = build(a, lux)
    check(p.returncode == 1, f"expected exit 1, got {p.returncode}")
    check("later.lux:3:3: error[E5001]" in p.stderr and "later.lux:4:3: error[E5001]" in p.stderr,
          f"E5001 at the cors and rate_limit blocks:\n{p.stderr}")
    hello = os.path.join(a.root, "samples", "hello.lux")
    p = build(a, hello, ["--cxx", "false"])
    check(p.returncode == 1 and "error[E5002]" in p.stderr and "internal compiler error" in p.stderr,
          f"a failing C++ compiler is an internal error:\n{p.stderr}")

JOBS = """
server {
  env PORT: Int = 0
  var tries = 0

  background fn record(n: Int) {
    print("job record {n} ran")
  }

  background fn flaky(n: Int) with { attempts: 4, backoff: "fixed", backoff_delay: 100 } {
    tries += 1
    if tries < 3 {
      return Err("not yet: try {tries}")
    }
    print("flaky {n} ok after {tries} tries")
  }

  background fn doomed(n: Int) with { attempts: 2, backoff: "fixed", backoff_delay: 50 } {
    print("doomed {n} attempt")
    Err("doomed {n} always fails")
  }

  background fn slow(n: Int) with { timeout: 30.seconds } {
    print("slow {n} started")
    sleep(3.seconds)
    print("slow {n} done")
  }

  schedule "ticker" every 1.seconds {
    print("tick")
  }

  schedule "nightly" cron("0 3 * * *") {
    print("nightly ran")
  }

  fn spawn(kind: String, n: Int) {
    id = match kind {
      "record" => spawn_job(record, n)
      "flaky" => spawn_job("flaky", n)
      "doomed" => spawn_job(doomed, n)
      "later" => spawn_job_in(300.milliseconds, record, n)
      _ => spawn_job(slow, n)
    }
    { id: id }
  }

  route POST "/spawn/:kind/:n" => spawn
}
"""


def read_until(proc, pattern, lines, timeout):
    deadline = time.time() + timeout
    rx = re.compile(pattern)
    while time.time() < deadline:
        if any(rx.search(l) for l in lines):
            return True
        line = proc.stdout.readline()
        if not line:
            return any(rx.search(l) for l in lines)
        lines.append(line)
    return any(rx.search(l) for l in lines)


def admin(port, method, path, token="e2e-secret"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=b"" if method == "POST" else None)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def case_jobs(a):
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.out, "jobs.lux")
    with open(lux, "w") as f:
        f.write(JOBS)
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    store = os.path.join(a.out, "jobs.db")
    for f in (store, store + "-wal", store + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    env = dict(os.environ, LUX_JOBS_PATH=store, LUX_ADMIN_TOKEN="e2e-secret", LUX_LOG_LEVEL="info")

    def start():
        port = free_port()
        proc = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(port)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check(wait_listening(port, proc), "jobs server did not start listening")
        return port, proc

    port, proc = start()
    lines = []
    try:
        got, _ = expect_json(port, "POST", "/spawn/record/1", 200, lambda b: isinstance(b.get("id"), str) and len(b["id"]) >= 8)
        check(read_until(proc, r"job record 1 ran", lines, 10), f"the job did not run: {lines}")
        expect_json(port, "POST", "/spawn/flaky/2", 200, None)
        check(read_until(proc, r"flaky 2 ok after 3 tries", lines, 15), f"retries: {lines}")
        expect_json(port, "POST", "/spawn/later/3", 200, None)
        check(read_until(proc, r"job record 3 ran", lines, 10), f"a delayed job: {lines}")
        expect_json(port, "POST", "/spawn/doomed/4", 200, None)
        deadline = time.time() + 15
        dead = None
        while time.time() < deadline:
            st, text = admin(port, "GET", "/_lux/jobs")
            if st == 200 and json.loads(text).get("counts", {}).get("dead", 0) >= 1:
                dead = json.loads(text)
                break
            time.sleep(0.2)
        check(dead is not None, "the doomed job never reached the dead letter")
        if dead:
            check("doomed 4 always fails" in json.dumps(dead.get("recent_failures", [])), f"last error in /_lux/jobs: {dead}")
        st, _ = admin(port, "GET", "/_lux/jobs", token="wrong")
        check(st == 401, f"/_lux/jobs with a wrong token: {st}")
        st, _ = admin(port, "GET", "/_lux/jobs", token=None)
        check(st == 401, f"/_lux/jobs without a token: {st}")
        st, text = admin(port, "POST", "/_lux/schedules/nightly/run")
        check(st in (200, 202), f"manual trigger: {st} {text}")
        check(read_until(proc, r"nightly ran", lines, 10), f"the manual trigger did not run the task: {lines}")
        check(read_until(proc, r"tick", lines, 5), f"the 1-second schedule did not fire: {lines}")
        # SIGKILL while a job runs: it runs again after the restart (at-least-once).
        expect_json(port, "POST", "/spawn/slow/5", 200, None)
        check(read_until(proc, r"slow 5 started", lines, 10), f"the slow job did not start: {lines}")
    finally:
        proc.kill()
        proc.wait()
    port, proc = start()
    lines2 = []
    try:
        check(read_until(proc, r"slow 5 done", lines2, 20), f"the killed job did not complete after restart: {lines2}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    check(proc.returncode == 0, f"exit status after SIGTERM: {proc.returncode}")
    # An external cron runs a task with the scheduler off.
    r = subprocess.run([exe, "run-task", "nightly"], env=dict(env, LUX_SCHEDULER_ENABLED="false"),
                       capture_output=True, text=True, timeout=20)
    check(r.returncode == 0 and "nightly ran" in r.stdout + r.stderr, f"run-task: {r.returncode} {r.stdout} {r.stderr}")
    r = subprocess.run([exe, "run-task", "nope"], env=env, capture_output=True, text=True, timeout=20)
    check(r.returncode != 0 and "nope" in r.stderr, f"run-task of an unknown task: {r.returncode} {r.stderr}")


RPC = """
server "api" {
  env PORT: Int = 0
  health "/health"
  fn add(a: Int, b: Int = 10) -> Int { a + b }
  route GET "/direct/:a" => fn(a: Int) { { sum: add(a) } }
}
server "front" {
  env PORT: Int = 0
  discover "api" at "http://127.0.0.1:1" with { threshold: 2, timeout: 1000, reset_timeout: 1.seconds }
  fn total(a: Int) {
    { total: api.add(a, 5), default: api.add(a) }
  }
  route GET "/total/:a" => total
}
"""


def case_rpc(a):
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.out, "rpc.lux")
    with open(lux, "w") as f:
        f.write(RPC)
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\\n{p.stderr}")
    if p.returncode:
        return
    exes = {os.path.basename(x): x for x in p.stdout.split()}
    api_port, front_port = free_port(), free_port()
    env = dict(os.environ, LUX_JOBS_PATH=":memory:", LUX_ADMIN_TOKEN="e2e-secret",
               LUX_SERVICE_API_URL=f"http://127.0.0.1:{api_port}")

    def start(name, port):
        return start_server(exes[name], port, env=env, name=name)

    stop = stop_server

    api = start("rpc-api", api_port)
    front = start("rpc-front", front_port)
    try:
        expect_json(front_port, "GET", "/total/7", 200, {"total": 12, "default": 17})
        req = urllib.request.Request(f"http://127.0.0.1:{front_port}/total/1", headers={"X-Request-Id": "e2e-trace-77"})
        with urllib.request.urlopen(req, timeout=10) as r:
            check(r.status == 200 and r.headers.get("X-Request-Id") == "e2e-trace-77", "request id echoed by front")
        api_out = stop(api)
        check("e2e-trace-77" in api_out and "/_lux/rpc/add" in api_out, f"the peer logs the caller's request id:\\n{api_out}")
        # The peer is down: calls fail, and after `threshold` failures the breaker opens.
        for _ in range(3):
            st, _, _ = request(front_port, "GET", "/total/1")
            check(st == 500, f"a call to a stopped peer: {st}")
        st, text = admin(front_port, "GET", "/_lux/services")
        check(st == 200 and json.loads(text)["services"][0]["state"] == "open", f"/_lux/services: {st} {text}")
        check(st == 200 and json.loads(text)["services"][0]["rejected"] >= 1, f"rejected calls counted: {text}")
        api = start("rpc-api", api_port)
        time.sleep(1.2)  # reset_timeout: the next call is the half-open trial
        expect_json(front_port, "GET", "/total/2", 200, {"total": 7, "default": 12})
        st, text = admin(front_port, "GET", "/_lux/services")
        check(st == 200 and json.loads(text)["services"][0]["state"] == "closed", f"closed again: {text}")
    finally:
        for pr in (api, front):
            if pr.poll() is None:
                stop(pr)

EVENTS = """
shared {
  type Metric {
    service: String
    value: Float
  }
}
server "api" {
  env PORT: Int = 0
  fn ingest(service: String, value: Float) {
    publish("metric", Metric { service: service, value: value })
    { queued: true }
  }
  route POST "/ingest" => ingest
}
server "collector" {
  env PORT: Int = 0
  subscribe "metric" fn(m: Metric) {
    print("collector got {m.service} {m.value}")
  }
  subscribe "metric" fn(m: Metric) {
    if m.value > 100.0 {
      return Err("too big: {m.value}")
    }
    print("second handler ok {m.value}")
  }
}
"""


def case_events(a):
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.out, "ev.lux")
    with open(lux, "w") as f:
        f.write(EVENTS)
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\\n{p.stderr}")
    if p.returncode:
        return
    exes = {os.path.basename(x): x for x in p.stdout.split()}
    api_port, col_port = free_port(), free_port()
    for name in ("api", "collector"):
        for ext in ("", "-wal", "-shm"):
            f = os.path.join(a.out, f"{name}.events.db{ext}")
            if os.path.exists(f):
                os.remove(f)

    def start(name, port):
        env = dict(os.environ, LUX_JOBS_PATH=":memory:", LUX_EVENTS_PATH=os.path.join(a.out, f"{name}.events.db"),
                   LUX_PEER_COLLECTOR_URL=f"http://127.0.0.1:{col_port}")
        return start_server(exes["ev-" + name], port, env=env, name=name)

    stop = stop_server

    api = start("api", api_port)
    col = None
    lines = []
    try:
        # Published while the collector is down: kept in the api's outbox.
        req = urllib.request.Request(f"http://127.0.0.1:{api_port}/ingest", method="POST",
                                     data=json.dumps({"service": "db", "value": 1.5}).encode(),
                                     headers={"Content-Type": "application/json", "X-Request-Id": "e2e-event-trace"})
        with urllib.request.urlopen(req, timeout=10) as r:
            check(r.status == 200, "publish while the collector is down")
        for i in range(20):
            expect_json(api_port, "POST", "/ingest", 200, {"queued": True}, body={"service": f"s{i}", "value": float(i)})
        expect_json(api_port, "POST", "/ingest", 200, {"queued": True}, body={"service": "big", "value": 500.0})
        time.sleep(0.5)
        col = start("collector", col_port)
        check(read_until(col, r"collector got big 500", lines, 20), f"events after the collector came up: {lines}")
        got = [l.split()[2] for l in lines if l.startswith("collector got")]
        check(got == ["db"] + [f"s{i}" for i in range(20)] + ["big"], f"order kept: {got}")
        # The second subscriber's lane delivers on its own thread: wait for it too.
        check(read_until(col, r"second handler ok 19", lines, 15), "the second subscriber got the events too")
        check(read_until(col, r"event handler failed.*too big", lines, 10), f"a failing handler is logged: {lines[-5:]}")
        # A payload that does not fit the declared type (sent by hand: the compiler catches it in Lux code).
        data = json.dumps({"id": "bad-1", "event": "metric", "data": {"service": 5}}).encode()
        bad = urllib.request.Request(f"http://127.0.0.1:{col_port}/_lux/events", method="POST", data=data,
                                     headers={"Content-Type": "application/json",
                                              "X-Lux-Signature": sign_internal("POST", "/_lux/events", data)})
        with urllib.request.urlopen(bad, timeout=10) as r:
            check(r.status == 200, "the peer endpoint takes the event")
        check(read_until(col, r"event payload rejected", lines, 10), f"a rejected payload is logged: {lines[-5:]}")
    finally:
        api_out = stop(api)
        col_out = "".join(lines) + (stop(col) if col else "")
    # Access lines are flushed in batches: look at everything the collector wrote.
    check(any("e2e-event-trace" in l and "/_lux/events" in l for l in col_out.splitlines()),
          "the collector's log carries the publishing request's id")
    check("e2e-event-trace" in api_out, "the api's log carries the request id")


def case_monitoring(a):
    """samples/monitoring.lux (seed 002): both servers, the shared database, events, discovery."""
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.root, "samples", "monitoring.lux")
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\\n{p.stderr}")
    if p.returncode:
        return
    exes = {os.path.basename(x): x for x in p.stdout.split()}
    check(sorted(exes) == ["monitoring-api", "monitoring-collector"], f"executables: {sorted(exes)}")
    work = os.path.join(a.out, "run")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    api_port, col_port = free_port(), free_port()
    env = dict(os.environ, LUX_SERVICE_API_URL=f"http://127.0.0.1:{api_port}",
               LUX_SERVICE_AUTH_URL=f"http://127.0.0.1:{free_port()}",
               LUX_PEER_COLLECTOR_URL=f"http://127.0.0.1:{col_port}")

    def start(name, port):
        return start_server(exes[name], port, env=env, cwd=work, name=name)

    procs = [start("monitoring-collector", col_port), start("monitoring-api", api_port)]
    outs = []
    try:
        got, headers = expect_json(api_port, "GET", "/health", 200, lambda b: b["status"] == "ok" and b["server"] == "api")
        check(headers.get("X-Request-ID"), "the api's middleware sets X-Request-ID")
        metric = {"service": "web", "name": "latency", "value": 42.5, "timestamp": 1700000000000, "tags": ["edge", "eu"]}
        expect_json(api_port, "POST", "/api/metrics/ingest", 200, {"status": "accepted"}, body=metric)
        stored = None
        deadline = time.time() + 15
        while time.time() < deadline and not stored:
            st, _, text = request(api_port, "GET", "/api/metrics?service=web")
            rows = json.loads(text) if st == 200 else []
            stored = rows[0] if rows else None
            if not stored:
                time.sleep(0.2)
        # api → event metric_ingested → collector's subscriber → shared SQLite file → api reads it.
        check(stored is not None and stored["value"] == 42.5 and stored["tags"] == "edge,eu" and isinstance(stored["id"], int),
              f"the ingested metric, stored by the collector: {stored}")
        expect_json(api_port, "GET", "/api/metrics?limit_count=abc", 400, lambda b: "limit_count" in b["error"])
        expect_json(api_port, "GET", "/api/metrics?service=web&limit_count=1", 200, lambda b: len(b) == 1)
        expect_json(api_port, "POST", "/api/alerts/999/resolve", 400, lambda b: "Alert not found" in json.dumps(b))
        expect_json(api_port, "GET", "/api/alerts?active_only=true", 200, lambda b: isinstance(b, list))
        expect_json(api_port, "GET", "/api/report", 200,
                    lambda b: [x["name"] for x in b["services"]] == ["api", "auth", "database"] and b["metrics_count"] >= 1)
        bad = dict(metric, value="fast")
        expect_json(api_port, "POST", "/api/metrics/ingest", 400, lambda b: "value" in b["error"], body=bad)
    finally:
        for pr in procs:
            pr.send_signal(signal.SIGTERM)
        for pr in procs:
            try:
                out, _ = pr.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                pr.kill()
                out, _ = pr.communicate()
            outs.append(out)
            check(pr.returncode == 0, f"exit status after SIGTERM: {pr.returncode}:\\n{out[-2000:]}")
    check(any("[collector] Shutting down monitoring service" in o for o in outs), "the collector's on_stop ran")
    check(any("[collector] Monitoring 3 services" in o for o in outs), "the collector's on_start ran")


class SmtpSink:
    """A minimal SMTP server on 127.0.0.1 (RFC 5321 happy path) that keeps what it receives."""

    def __init__(self):
        import socketserver
        import threading
        self.messages = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                def reply(text):
                    self.wfile.write((text + "\r\n").encode())
                reply("220 lux-e2e-sink ESMTP")
                msg = {"rcpt": [], "data": ""}
                while True:
                    line = self.rfile.readline().decode(errors="replace")
                    if not line:
                        return
                    cmd = line.strip().upper()
                    if cmd.startswith(("EHLO", "HELO")):
                        reply("250 lux-e2e-sink")
                    elif cmd.startswith("MAIL FROM"):
                        msg["from"] = line.strip()[10:]
                        reply("250 OK")
                    elif cmd.startswith("RCPT TO"):
                        msg["rcpt"].append(line.strip()[8:])
                        reply("250 OK")
                    elif cmd == "DATA":
                        reply("354 end with <CRLF>.<CRLF>")
                        data = []
                        while True:
                            d = self.rfile.readline().decode(errors="replace")
                            if not d or d in (".\r\n", ".\n"):
                                break
                            data.append(d)
                        msg["data"] = "".join(data)
                        sink.messages.append(dict(msg))
                        reply("250 OK: queued")
                    elif cmd == "QUIT":
                        reply("221 bye")
                        return
                    else:
                        reply("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def make_jwt(claims, secret=b"secret", alg="HS256"):
    def b64(b):
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()) if alg == "HS256" else ""
    return f"{head}.{body}.{sig}"


def case_advanced(a):
    """samples/advanced.lux (seed 000's complete example): JWT auth, a model, a job, an event."""
    os.makedirs(a.out, exist_ok=True)
    p = build(a, os.path.join(a.root, "samples", "advanced.lux"))
    check(p.returncode == 0, f"luxc build failed:\\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    work = os.path.join(a.out, "run")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    port = free_port()
    sink = SmtpSink()
    env = dict(os.environ, LUX_SERVICE_NOTIFICATIONS_URL=f"http://127.0.0.1:{free_port()}",
               SMTP_HOST="127.0.0.1", SMTP_PORT=str(sink.port), MAIL_FROM="api@example.com")
    proc = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=work,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    now = int(time.time())
    user = {"name": "Ada", "email": "ada@example.com"}

    def post(token):
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/users", method="POST", data=json.dumps(user).encode(),
                                     headers={"Content-Type": "application/json"})
        if token is not None:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.headers, json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            return e.code, e.headers, json.loads(e.read().decode())

    try:
        check(wait_listening(port, proc), "advanced-api did not start listening")
        for what, token in [("no token", None), ("alg none", make_jwt({"sub": "1"}, alg="none")),
                            ("bad signature", make_jwt({"sub": "1"}, secret=b"wrong")),
                            ("expired", make_jwt({"sub": "1", "exp": now - 3600})),
                            ("not a JWT", "abc.def")]:
            st, headers, body = post(token)
            check(st == 401 and headers.get("WWW-Authenticate", "").startswith("Bearer"),
                  f"{what}: {st} {dict(headers)} {body}")
            check("error" in body and "request_id" in body, f"{what}: 401 body {body}")
        st, headers, body = post(make_jwt({"sub": "42", "exp": now + 3600}))
        check(st == 201 and body.get("name") == "Ada" and isinstance(body.get("id"), int), f"create with a valid token: {st} {body}")
        deadline = time.time() + 15
        while time.time() < deadline and not sink.messages:
            time.sleep(0.1)
        mail = sink.messages[0] if sink.messages else {}
        check(mail.get("rcpt") == ["<ada@example.com>"] and "Subject: Welcome!" in mail.get("data", "")
              and "Hello Ada!" in mail.get("data", ""), f"the welcome job's mail over SMTP: {mail}")
        check(read_until(proc, r"notifications\\.notify failed|event handler failed", lines, 15),
              f"the subscriber's RPC to the absent notifications service is logged: {lines[-5:]}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        sink.close()
    check(proc.returncode == 0, f"exit status after SIGTERM: {proc.returncode}")
    check("API server stopped" in "".join(lines) + out, "on_stop ran")


SHARED_STATE = """
server {
  env PORT: Int = 0
  var hits = 0
  var seen = []
  var by_name = {}
  fn bump(name: String) {
    hits += 1
    seen = seen + [name]
    by_name[name] = (by_name[name] |> unwrapOr(0)) + 1
    { hits: hits }
  }
  route POST "/bump/:name" => bump
  route GET "/state" => fn() { { hits: hits, seen: len(seen), alice: by_name["alice"] |> unwrapOr(0) } }
}
"""


def case_shared_state(a):
    """Server `var`s under concurrent requests on several I/O threads: no lost update, no crash."""
    import concurrent.futures
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.out, "state.lux")
    with open(lux, "w") as f:
        f.write(SHARED_STATE)
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    port = free_port()
    env = dict(os.environ, LUX_THREADS="4", LUX_JOBS_PATH=":memory:", LUX_ACCESS_LOG="0")
    proc = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        check(wait_listening(port, proc), "server did not start listening")
        names = ["alice", "bob", "carol", "dave"]
        per = 150

        def worker(name):
            for _ in range(per):
                st, _, _ = request(port, "POST", f"/bump/{name}")
                if st != 200:
                    return st
            return 200

        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
            results = list(ex.map(worker, names * 2))
        check(all(r == 200 for r in results), f"statuses: {results}")
        total = per * len(names) * 2
        expect_json(port, "GET", "/state", 200, {"hits": total, "seen": total, "alice": per * 2})
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    check(proc.returncode == 0, f"exit status after SIGTERM: {proc.returncode}")


VALIDATE_JS = """
const SwaggerParser = require("@apidevtools/swagger-parser");
(async () => {
  let bad = 0;
  for (const f of process.argv.slice(2)) {
    try { await SwaggerParser.validate(f); console.log("valid " + f); }
    catch (e) { bad++; console.log("INVALID " + f + ": " + e.message); }
  }
  process.exit(bad ? 1 : 0);
})();
"""


# `openapi { }` at top level (every server) and in the server (over it, key by key).
OPENAPI_BLOCK_LUX = """
openapi {
  title: "Inventory"
  version: "2.1.0"
  servers: ["https://inventory.example.com", { url: "/", description: "this server" }]
}

server {
  openapi { description: "Stock levels of the warehouse", docs: false }
  fn stock(id: Int) -> Int { id * 10 }
  route GET "/stock/:id" => stock
}
"""


TRY_IT_JS = """
const { chromium } = require("playwright-core");
(async () => {
  const [url, shot] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"] });
  const page = await browser.newPage();
  await page.goto(url + "/docs");
  const op = "#operations-default-greet_get";
  await page.waitForSelector(op);
  const paths = await page.$$eval(".opblock-summary-path", els => els.map(e => e.textContent.replace(/\\u200b/g, "")));
  await page.click(op + " .opblock-summary");
  await page.click(op + " .try-out__btn");
  await page.fill(op + " input[placeholder='name']", "Docs");
  await page.click(op + " .execute");
  await page.waitForSelector(op + " .live-responses-table .microlight");
  const body = await page.textContent(op + " .live-responses-table .microlight");
  await page.screenshot({ path: shot, fullPage: true });
  console.log(JSON.stringify({ paths, body }));
  await browser.close();
})().catch(e => { console.error(e.message); process.exit(1); });
"""


def case_openapi(a):
    """GET /openapi.json serves what `luxc openapi` prints; every sample's document passes a real
    OpenAPI validator (npm @apidevtools/swagger-parser, run with the machine's Node)."""
    os.makedirs(a.out, exist_ok=True)
    hello = os.path.join(a.root, "samples", "hello.lux")
    p = build(a, hello)
    check(p.returncode == 0, f"luxc build failed:\\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    printed = subprocess.run([a.luxc, "openapi", hello], capture_output=True, text=True)
    check(printed.returncode == 0, f"luxc openapi: {printed.stderr}")
    npm_dir = os.path.join(a.out, "npm")
    for pkg, probe in (("@apidevtools/swagger-parser@10", "@apidevtools/swagger-parser"), ("playwright-core@1", "playwright-core")):
        if not os.path.isdir(os.path.join(npm_dir, "node_modules", probe)):
            r = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", npm_dir, pkg],
                               capture_output=True, text=True, timeout=300)
            check(r.returncode == 0, f"npm install {pkg}: {r.stderr[-2000:]}")
    for disabled in (False, True):
        port = free_port()
        env = dict(os.environ, LUX_JOBS_PATH=":memory:")
        if disabled:
            env["LUX_OPENAPI"] = "0"
        proc = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(port)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            check(wait_listening(port, proc), "server did not start listening")
            st, headers, text = request(port, "GET", "/openapi.json")
            if disabled:
                check(st == 404, f"LUX_OPENAPI=0: {st}")
            else:
                check(st == 200 and headers.get("Content-Type", "").startswith("application/json"), f"/openapi.json: {st}")
                check(json.loads(text) == json.loads(printed.stdout), "served document differs from `luxc openapi`")
                check("/todos/{id}" in json.loads(text)["paths"], "path parameters in OpenAPI form")
                st, headers, page = request(port, "GET", "/docs")
                check(st == 200 and "swagger-ui-bundle.js" in page and "/openapi.json" in page, f"/docs: {st}")
                req = urllib.request.Request(f"http://127.0.0.1:{port}/docs/swagger-ui-bundle.js")
                with urllib.request.urlopen(req, timeout=10) as r:
                    bundle = r.read()
                    check(r.status == 200 and len(bundle) > 1_000_000 and r.headers.get("Content-Type", "").startswith(
                        "application/javascript"), f"the embedded bundle: {r.status} {len(bundle)} bytes")
                # The page in headless Chromium (no network beyond this server): the routes are
                # listed, and "Try it out" on GET /hello runs a real request.
                script = os.path.join(npm_dir, "try_it.js")
                with open(script, "w") as f:
                    f.write(TRY_IT_JS)
                shot = os.path.join(a.out, "docs.png")
                r = subprocess.run(["node", script, f"http://127.0.0.1:{port}", shot], capture_output=True, text=True,
                                   timeout=120, cwd=npm_dir)
                got = json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else {}
                check(r.returncode == 0, f"headless Chromium on /docs: {r.stderr[-2000:]}")
                check(set(got.get("paths", [])) >= {"/hello", "/todos", "/todos/{id}", "/stats"}, f"routes on /docs: {got}")
                check("Hello, Docs!" in got.get("body", ""), f"Try it out on GET /hello: {got}")
                check(os.path.exists(shot), "the screenshot is kept as a test artifact")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
    # `openapi { }`: the served document carries its info and servers, and `docs: false` leaves
    # /docs and its assets out (404) while /openapi.json stays.
    docs = []
    block_lux = os.path.join(a.out, "openapi_block.lux")
    with open(block_lux, "w") as f:
        f.write(OPENAPI_BLOCK_LUX)
    p = build(a, block_lux)
    check(p.returncode == 0, f"luxc build openapi_block.lux failed:\n{p.stderr}")
    printed = subprocess.run([a.luxc, "openapi", block_lux], capture_output=True, text=True)
    check(printed.returncode == 0, f"luxc openapi openapi_block.lux: {printed.stderr}")
    if p.returncode == 0 and printed.returncode == 0:
        block_doc = os.path.join(a.out, "openapi_block.openapi.json")
        with open(block_doc, "w") as f:
            f.write(printed.stdout)
        docs.append(block_doc)
        block_port = free_port()
        proc = start_server(p.stdout.strip().splitlines()[-1], block_port, env=dict(os.environ, LUX_JOBS_PATH=":memory:"),
                            name="openapi_block")
        try:
            st, headers, text = request(block_port, "GET", "/openapi.json")
            check(st == 200, f"openapi_block /openapi.json: {st}")
            served = json.loads(text) if st == 200 else {}
            check(served == json.loads(printed.stdout), "openapi_block: served document differs from `luxc openapi`")
            check(served.get("info") == {"title": "Inventory", "description": "Stock levels of the warehouse",
                                         "version": "2.1.0"}, f"openapi_block info: {served.get('info')}")
            check(served.get("servers") == [{"url": "https://inventory.example.com"},
                                            {"url": "/", "description": "this server"}],
                  f"openapi_block servers: {served.get('servers')}")
            for path in ("/docs", "/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"):
                st, _, _ = request(block_port, "GET", path)
                check(st == 404, f"openapi_block {path} with `docs: false`: {st}, expected 404")
            expect_json(block_port, "GET", "/stock/4", 200, 40)
        finally:
            out = stop_server(proc)
            check(proc.returncode == 0, f"openapi_block exited {proc.returncode}:\n{out[-2000:]}")
    # A real validator over every sample's documents, the one above and the openapi goldens.
    for sample, servers in (("hello.lux", [None]), ("advanced.lux", [None]), ("monitoring.lux", ["api", "collector"])):
        for server in servers:
            args = [a.luxc, "openapi", os.path.join(a.root, "samples", sample)] + (["--server", server] if server else [])
            r = subprocess.run(args, capture_output=True, text=True)
            check(r.returncode == 0, f"luxc openapi {sample} {server}: {r.stderr}")
            path = os.path.join(a.out, f"{sample}-{server or 'main'}.openapi.json")
            with open(path, "w") as f:
                f.write(r.stdout)
            docs.append(path)
    golden = os.path.abspath(os.path.join(a.root, "tests", "golden", "openapi"))
    docs += [os.path.join(golden, f) for f in sorted(os.listdir(golden)) if f.endswith(".json")]
    script = os.path.join(npm_dir, "validate.js")
    with open(script, "w") as f:
        f.write(VALIDATE_JS)
    r = subprocess.run(["node", script] + docs, capture_output=True, text=True, timeout=120, cwd=npm_dir)
    check(r.returncode == 0 and r.stdout.count("valid ") == len(docs), f"OpenAPI validation:\\n{r.stdout}{r.stderr}")

REDIS_PROGRAM = """
shared {
  type Run { n: Int, replica: String }
  type Tick { at: Int, replica: String }
  type Got { n: Int, replica: String }
  type Heard { n: Int, replica: String }
}
server "work" {
  env PORT: Int = 0
  env REPLICA: String = "r0"
  env REDIS_URL: String = "redis://127.0.0.1:6379"
  jobs { adapter: "redis", url: REDIS_URL, prefix: "e2e", visibility_timeout: 2.seconds }
  bus { adapter: "redis", url: REDIS_URL, prefix: "e2e" }
  db { path: "work.db" }
  model Run
  model Tick
  model Got

  background fn record(n: Int) {
    Run.create({ n: n, replica: REPLICA })
  }
  background fn slow(n: Int) {
    sleep(20.milliseconds)
    Run.create({ n: n, replica: REPLICA })
  }
  schedule "tick" every 1.second {
    Tick.create({ at: Date.now(), replica: REPLICA })
  }
  subscribe "ping" fn(p) {
    Got.create({ n: p.n, replica: REPLICA })
  }
  fn spawn_many(kind: String, from: Int, count: Int) {
    for i in range(from, from + count) {
      if kind == "slow" {
        spawn_job(slow, i)
      } else {
        spawn_job(record, i)
      }
    }
    { spawned: count }
  }
  route POST "/spawn/:kind/:from/:count" => spawn_many
  fn ping(from: Int, count: Int) {
    for i in range(from, from + count) {
      publish("ping", { n: i })
    }
    { published: count }
  }
  route POST "/publish/:from/:count" => ping
}
server "listener" {
  env PORT: Int = 0
  env REPLICA: String = "l0"
  env REDIS_URL: String = "redis://127.0.0.1:6379"
  bus { adapter: "redis", url: REDIS_URL, prefix: "e2e" }
  db { path: "listener.db" }
  model Got
  model Heard
  subscribe "ping" fn(p) {
    Got.create({ n: p.n, replica: REPLICA })
  }
  // Every replica hears each event published while it runs.
  subscribe "ping" with { broadcast: true } fn(p) {
    Heard.create({ n: p.n, replica: REPLICA })
  }
}
"""


def start_redis(dirname):
    """redis-server on a free loopback port in `dirname` (no persistence); returns (proc, port)."""
    exe = shutil.which("redis-server")
    check(exe is not None, "redis-server is not installed (.ci/deps.sh installs it)")
    if exe is None:
        return None, 0
    shutil.rmtree(dirname, ignore_errors=True)
    os.makedirs(dirname)
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", dirname, "--save", "",
                             "--appendonly", "no", "--logfile", os.path.join(dirname, "redis.log")])
    check(wait_listening(port, proc), "redis-server did not start")
    return proc, port


def rows(path, sql):
    import sqlite3
    if not os.path.exists(path):
        return []
    con = sqlite3.connect(path, timeout=10)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def case_redis(a):
    """Three replicas of a server on one Redis: jobs once each, a SIGKILLed replica loses none,
    a 1-second schedule ticks once across them, events reach each subscribing server once."""
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.out, "red.lux")
    with open(lux, "w") as f:
        f.write(REDIS_PROGRAM)
    t_build = time.time()
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    print(f"built in {time.time() - t_build:.1f} s")
    exes = {os.path.basename(x): x for x in p.stdout.split()}
    redis, rport = start_redis(os.path.join(a.out, "redis"))
    if not redis:
        return
    procs = {}
    ports = {}

    def start(server, name):
        port = free_port()
        db = os.path.join(a.out, f"{name}.db")
        for ext in ("", "-wal", "-shm"):
            if os.path.exists(db + ext):
                os.remove(db + ext)
        env = dict(os.environ, REDIS_URL=f"redis://127.0.0.1:{rport}", REPLICA=name, LUX_DB_PATH=db,
                   LUX_ADMIN_TOKEN="e2e-secret", LUX_ACCESS_LOG="0", LUX_LOG_LEVEL="warn")
        log = open(os.path.join(a.out, f"{name}.log"), "w")
        proc = popen_ready([exes[f"red-{server}"], "--host", "127.0.0.1", "--port", str(port)], env=env,
                           stdout=log, stderr=subprocess.STDOUT)
        procs[name], ports[name] = proc, port

    def post(name, path, timeout=60):
        req = urllib.request.Request(f"http://127.0.0.1:{ports[name]}{path}", method="POST", data=b"")
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status

    def counts(name):
        st, text = admin(ports[name], "GET", "/_lux/jobs")
        return json.loads(text)["counts"] if st == 200 else {}

    def wait(pred, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred():
                return True
            time.sleep(0.1)
        return pred()

    def all_rows(names, sql):
        out = []
        for n in names:
            out += rows(os.path.join(a.out, f"{n}.db"), sql)
        return out

    import threading
    work = ["r0", "r1", "r2"]
    try:
        for n in work:
            start("work", n)
        # --- 10,000 jobs spawned across the three replicas run exactly once each.
        t0 = time.time()
        share = [(0, 3334), (3334, 3333), (6667, 3333)]
        threads = [threading.Thread(target=post, args=(n, f"/spawn/record/{f}/{c}")) for n, (f, c) in zip(work, share)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        t_spawned = time.time() - t0
        check(wait(lambda: counts("r0").get("completed") == 10000, 60), f"10,000 jobs completed: {counts('r0')}")
        t_done = time.time() - t0
        runs = all_rows(work, "SELECT n, replica FROM runs")
        ns = [n for n, _ in runs]
        check(len(ns) == 10000 and len(set(ns)) == 10000 and set(ns) == set(range(10000)),
              f"each job once: {len(ns)} runs, {len(set(ns))} distinct")
        per = {r: sum(1 for _, x in runs if x == r) for r in work}
        check(all(v > 0 for v in per.values()), f"every replica ran jobs: {per}")
        print(f"10,000 jobs: spawned in {t_spawned:.1f} s, all done after {t_done:.1f} s; per replica {per}")
        # --- events: published while the listener server is down, they wait for it.
        post("r0", "/publish/0/100")
        time.sleep(0.3)
        start("listener", "l0")
        start("listener", "l1")
        post("r1", "/publish/100/100")
        post("r2", "/publish/200/100")
        listeners = ["l0", "l1"]

        def got(names):
            return [n for n, _ in all_rows(names, "SELECT n, replica FROM gots")]
        check(wait(lambda: len(got(listeners)) >= 300 and len(got(work)) >= 300, 30),
              f"events arrived: listener {len(got(listeners))}, work {len(got(work))}")
        time.sleep(0.5)
        for server, names in (("listener", listeners), ("work", work)):
            g = got(names)
            check(len(g) == 300 and set(g) == set(range(300)), f"{server}: each event once: {len(g)} rows, {len(set(g))} distinct")
        # broadcast: each listener replica heard every event published after it started (100-299),
        # none from before (a broadcast subscription keeps nothing for a replica that is down).
        check(wait(lambda: all(len(rows(os.path.join(a.out, f"{n}.db"), "SELECT n FROM heards")) >= 200
                               for n in listeners), 30), "broadcast events arrived at every listener replica")
        time.sleep(0.3)
        for n in listeners:
            heard = [r[0] for r in rows(os.path.join(a.out, f"{n}.db"), "SELECT n FROM heards")]
            check(len(heard) == 200 and set(heard) == set(range(100, 300)),
                  f"{n}: broadcast: each event published while it ran once: {len(heard)} rows, {len(set(heard))} distinct, "
                  f"range {min(heard) if heard else None}-{max(heard) if heard else None}")
        lg = all_rows(listeners, "SELECT n, replica FROM gots")
        print(f"events: listener replicas {dict((r, sum(1 for _, x in lg if x == r)) for r in listeners)}")
        # --- ticks so far: one per second across the three replicas, none missing. `at` is when the
        # run started: its tick's second plus a delay, so floor (not round) names the tick even when a
        # loaded machine starts it hundreds of milliseconds late.
        time.sleep(max(0.0, 5.5 - (time.time() - t0)))
        ticks = sorted(at // 1000 for at, _ in all_rows(work, "SELECT at, replica FROM ticks"))
        check(len(ticks) >= 3, f"the schedule ticked: {ticks}")
        check(len(ticks) == len(set(ticks)), f"no tick ran twice: {ticks}")
        check(ticks and ticks[-1] - ticks[0] + 1 == len(ticks), f"no tick missing: {ticks}")
        tick_by = {r: sum(1 for _, x in all_rows(work, "SELECT at, replica FROM ticks") if x == r) for r in work}
        print(f"ticks: {len(ticks)} over {ticks[-1] - ticks[0] + 1 if ticks else 0} s, per replica {tick_by}")
        # --- one replica SIGKILLed mid-run: its jobs are reclaimed, none lost.
        before = len(ns)
        slow_share = [(10000, 556), (10556, 555), (11111, 555)]
        threads = [threading.Thread(target=post, args=(n, f"/spawn/slow/{f}/{c}")) for n, (f, c) in zip(work, slow_share)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        slow_total = sum(c for _, c in slow_share)
        check(wait(lambda: sum(1 for n, x in all_rows(["r2"], "SELECT n, replica FROM runs") if n >= 10000) >= 40, 30),
              "r2 started running slow jobs")
        procs["r2"].kill()
        procs["r2"].wait()
        t_kill = time.time()
        check(wait(lambda: counts("r0").get("completed") == 10000 + slow_total, 60),
              f"slow jobs completed after the kill: {counts('r0')}")
        c = counts("r1")
        check(c.get("running") == 0 and c.get("pending") == 0 and c.get("dead") == 0, f"nothing left behind: {c}")
        slow = [(n, r) for n, r in all_rows(work, "SELECT n, replica FROM runs") if n >= 10000]
        sn = [n for n, _ in slow]
        check(set(sn) == set(range(10000, 10000 + slow_total)), f"no slow job lost: {len(set(sn))} of {slow_total}")
        dups = {n for n in sn if sn.count(n) > 1}
        check(all(sorted(r for m, r in slow if m == n)[-1] == "r2" and sn.count(n) == 2 for n in dups),
              f"only jobs the killed replica was running ran twice: {sorted(dups)}")
        survivors = "".join(open(os.path.join(a.out, f"{n}.log")).read() for n in ("r0", "r1"))
        m = re.findall(r"jobs whose worker stopped renewing its lease are pending again\" jobs=(\d+)", survivors)
        check(m, "a survivor reclaimed the killed replica's jobs (log line)")
        print(f"kill: {slow_total} slow jobs, all done {time.time() - t_kill:.1f} s after the kill; "
              f"{sum(int(x) for x in m)} reclaimed from r2; "
              f"{len(dups)} ran twice (interrupted on r2, reclaimed)")
        # --- ticks after the kill: still once per second, on the survivors.
        time.sleep(2.5)
        all_ticks = sorted(at // 1000 for at, _ in all_rows(work, "SELECT at, replica FROM ticks"))
        check(len(all_ticks) == len(set(all_ticks)), f"no tick ran twice: {all_ticks}")
        late = [t for t in all_ticks if t > t_kill + 1]
        check(len(late) >= 1, f"ticks go on after the kill: {all_ticks}")
    finally:
        for name, proc in procs.items():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in procs.items():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if name != "r2":
                check(proc.returncode == 0, f"{name} exit status after SIGTERM: {proc.returncode}")
        redis.terminate()
        redis.wait()


POSTGRES_PROGRAM = """
shared {
  type Note {
    id: Int
    title: String
    writer: String
    stars: Int = 0
    tags: Option<[String]>
  }
}
server "notes" {
  env PORT: Int = 0
  env DATABASE_URL: String = "postgres://lux@127.0.0.1:5432/lux"
  db { adapter: "postgres", url: DATABASE_URL, pool: 8 }
  model Note

  fn create_note(note: Note) {
    respond(201, Note.create(note))
  }
  fn get_note(id: Int) {
    match Note.find(id) {
      Some(n) => n
      None => respond(404, { error: "no note with id {id}" })
    }
  }
  fn count_notes() {
    rows = db.query("SELECT count(*) AS n FROM notes WHERE title <> ?", "?")
    { count: Note.count(), rows: rows }
  }
  fn by_writer(writer: String) {
    { count: Note.count({ writer: writer }) }
  }
  route POST "/notes" => create_note
  route GET "/notes/:id" => get_note
  route GET "/count" => count_notes
  route GET "/writers/:writer" => by_writer
}
"""


def build_text(luxc, out, filename, text):
    """Writes `text` to out/filename and builds it into `out`; the executable's path, or None."""
    os.makedirs(out, exist_ok=True)
    lux = os.path.join(out, filename)
    with open(lux, "w") as f:
        f.write(text)
    p = subprocess.run([luxc, "build", lux, "-o", out], capture_output=True, text=True)
    check(p.returncode == 0, f"luxc build {filename} failed:\n{p.stderr}")
    return p.stdout.strip().splitlines()[-1] if p.returncode == 0 else None


def postgres_bin(name):
    import glob
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    check(bool(found), f"{name} is not installed (.ci/deps.sh installs postgresql)")
    return found[-1] if found else None


def start_postgres(dirname):
    """A throwaway PostgreSQL cluster on a free loopback port (trust auth, user `lux`, database
    `notes`); as the `postgres` user when running as root. Returns (proc, port)."""
    initdb, postgres, createdb = postgres_bin("initdb"), postgres_bin("postgres"), postgres_bin("createdb")
    if not (initdb and postgres and createdb):
        return None, 0
    shutil.rmtree(dirname, ignore_errors=True)
    os.makedirs(dirname)
    user = "postgres" if os.geteuid() == 0 else None
    if user:
        shutil.chown(dirname, user, user)
    data = os.path.join(dirname, "data")
    p = subprocess.run([initdb, "-D", data, "-U", "lux", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
                       user=user, capture_output=True, text=True)
    check(p.returncode == 0, f"initdb failed: {p.stderr}")
    port = free_port()
    log = open(os.path.join(dirname, "postgres.log"), "w")
    proc = subprocess.Popen([postgres, "-D", data, "-p", str(port), "-h", "127.0.0.1", "-k", dirname, "-c", "fsync=off",
                             "-c", "max_connections=100"], user=user, stdout=log, stderr=subprocess.STDOUT)
    check(wait_listening(port, proc, timeout=30), "postgres did not start")
    deadline = time.time() + 20
    while time.time() < deadline:  # listening is not yet accepting sessions ("starting up")
        p = subprocess.run([createdb, "-h", "127.0.0.1", "-p", str(port), "-U", "lux", "notes"], capture_output=True, text=True)
        if p.returncode == 0:
            break
        time.sleep(0.2)
    check(p.returncode == 0, f"createdb failed: {p.stderr}")
    return proc, port


def case_postgres(a):
    """Three replicas on one PostgreSQL: concurrent creates through all of them, consistent
    counts and reads everywhere, a SIGKILLed replica loses nothing acknowledged; then SQLite."""
    import http.client
    exe = build_text(a.luxc, a.out, "notes.lux", POSTGRES_PROGRAM)
    if not exe:
        return
    pg, pgport = start_postgres(os.path.join(a.out, "pg"))
    if not pg:
        return
    url = f"postgres://lux@127.0.0.1:{pgport}/notes"
    procs, ports = {}, {}

    def launch(name):
        ports[name] = free_port()
        env = dict(os.environ, DATABASE_URL=url, LUX_ACCESS_LOG="0", LUX_LOG_LEVEL="warn")
        log = open(os.path.join(a.out, f"{name}.log"), "w")
        procs[name] = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(ports[name])], env=env,
                                       stdout=log, stderr=subprocess.STDOUT)

    try:
        for name in ("r0", "r1", "r2"):  # all at once: their migrations race for the advisory lock
            launch(name)
        for name in ("r0", "r1", "r2"):
            check(wait_listening(ports[name], procs[name], timeout=30), f"{name} did not start listening")
        per_writer = 300
        acked = {}  # id -> (writer, title)
        lock = threading.Lock()
        errors = []

        unknown = []  # requests cut off by the kill: committed or not, never acknowledged
        killed = threading.Event()

        def writer(name):
            target = name
            conn = http.client.HTTPConnection("127.0.0.1", ports[target], timeout=20)
            i = 0
            while i < per_writer:
                body = json.dumps({"id": 0, "title": f"{name}-{i}", "writer": name, "tags": [name, str(i)]})
                try:
                    conn.request("POST", "/notes", body, {"Content-Type": "application/json"})
                    r = conn.getresponse()
                    text = r.read().decode()
                except (OSError, http.client.HTTPException) as e:
                    if target == "r2" and killed.wait(timeout=10):
                        unknown.append(f"{name}-{i}")  # r2 was killed under it: go on through r0
                        target = "r0"
                    else:
                        errors.append(f"{name} #{i} via {target}: {e}")
                    conn = http.client.HTTPConnection("127.0.0.1", ports[target], timeout=20)
                    i += 1
                    continue
                i += 1
                if r.status != 201:
                    errors.append(f"{name} #{i}: status {r.status} {text}")
                    continue
                note = json.loads(text)
                with lock:
                    acked[note["id"]] = (name, note["title"])

        def killer():  # SIGKILL r2 while its writer is mid-stream
            while sum(1 for w, _ in list(acked.values()) if w == "r2") < per_writer // 2:
                time.sleep(0.001)
            procs["r2"].send_signal(signal.SIGKILL)
            procs["r2"].wait()
            killed.set()

        t0 = time.time()
        threads = [threading.Thread(target=writer, args=(n,)) for n in ("r0", "r1", "r2")] + [threading.Thread(target=killer)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(f"{len(acked)} creates acknowledged through 3 replicas in {time.time() - t0:.1f} s "
              f"({len(unknown)} cut off by the SIGKILL)")
        check(not errors, f"create errors: {errors[:5]}")
        check(len(acked) + len(unknown) == 3 * per_writer, f"{len(acked)} creates acknowledged, {len(unknown)} cut off")
        check(len(unknown) <= 1, f"{len(unknown)} requests cut off (one connection, one request in flight)")
        check(any(w == "r2" for w, _ in acked.values()) and procs["r2"].poll() is not None, "r2 was not killed mid-way")
        launch("r2")  # back after the kill
        check(wait_listening(ports["r2"], procs["r2"], timeout=30), "r2 did not restart")
        counts = set()
        for name in ("r0", "r1", "r2"):
            got, _ = expect_json(ports[name], "GET", "/count", 200, None)
            if got:  # a create cut off by the kill may have committed before its answer was lost
                n = got["count"]
                check(len(acked) <= n <= len(acked) + len(unknown), f"{name} counts {n} notes, {len(acked)} acknowledged")
                check(got["rows"] == [{"n": n}], f"{name} db.query rows {got['rows']}")
                counts.add(n)
            expect_json(ports[name], "GET", "/writers/r1", 200, {"count": per_writer})
        # Every acknowledged note reads back the same from every replica.
        check(len(counts) == 1, f"replicas disagree on the count: {counts}")
        missing = 0
        for i, (nid, (w, title)) in enumerate(sorted(acked.items())):
            name = ("r0", "r1", "r2")[i % 3]
            st, _, text = request(ports[name], "GET", f"/notes/{nid}")
            note = json.loads(text) if st == 200 else None
            if not note or note["title"] != title or note["writer"] != w or note["stars"] != 0 or note["tags"][0] != w:
                missing += 1
        check(missing == 0, f"{missing} acknowledged notes missing or different")
        expect_json(ports["r1"], "POST", "/notes", 400, lambda b: "error" in b, body={"title": 5, "writer": "x"})
        expect_json(ports["r1"], "POST", "/notes", 400, lambda b: "error" in b, body={"writer": "x"})
        expect_json(ports["r1"], "GET", "/notes/abc", 400, lambda b: "error" in b)
        expect_json(ports["r2"], "GET", "/notes/999999", 404, {"error": "no note with id 999999"})
    finally:
        for name, proc in procs.items():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                check(proc.returncode == 0, f"{name} exit status after SIGTERM: {proc.returncode}")
        pg.send_signal(signal.SIGINT)
        pg.wait()

    # The same program on the embedded database: only the `db` block differs.
    sqlite_dir = os.path.join(a.out, "sqlite")
    exe = build_text(a.luxc, sqlite_dir, "notes.lux",
                     POSTGRES_PROGRAM.replace('db { adapter: "postgres", url: DATABASE_URL, pool: 8 }', 'db { path: "notes.db" }'))
    if not exe:
        return
    port = free_port()
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(os.path.join(sqlite_dir, "notes.db" + ext)):
            os.remove(os.path.join(sqlite_dir, "notes.db" + ext))
    proc = start_server(exe, port, cwd=sqlite_dir, name="sqlite notes",
                        env=dict(os.environ, LUX_DB_PATH=os.path.join(sqlite_dir, "notes.db")))
    expect_json(port, "POST", "/notes", 201, lambda b: b["id"] == 1 and b["stars"] == 0,
                body={"id": 0, "title": "t", "writer": "w", "tags": None})
    expect_json(port, "GET", "/count", 200, {"count": 1, "rows": [{"n": 1}]})
    stop_server(proc)
    check(proc.returncode == 0, f"sqlite notes exit status {proc.returncode}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--luxc", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("case")
    a = ap.parse_args()
    a.out = os.path.abspath(a.out)
    cases = {"hello": case_hello, "run_two_servers": case_run_two_servers, "dev": case_dev, "build_errors": case_build_errors,
     "jobs": case_jobs, "rpc": case_rpc, "events": case_events, "monitoring": case_monitoring, "advanced": case_advanced,
     "shared_state": case_shared_state, "openapi": case_openapi, "redis": case_redis,
     "postgres": case_postgres}
    # The program's servers share one secret, as an operator deploys them (docs/runtime.md#internal-auth);
    # `luxc run` and `luxc dev` make their own, and internal_auth sets it per server itself.
    if a.case in ("run_two_servers", "dev", "internal_auth"):
        os.environ.pop("LUX_PROGRAM_SECRET", None)
    else:
        os.environ.setdefault("LUX_PROGRAM_SECRET", secrets.token_hex(32))
    if a.case in cases:
        cases[a.case](a)
    else:
        # A case may live in its own module, tests/e2e/e2e_<case>.py, with a run(a) function; it
        # imports its helpers from `e2e`, which must be this very module (one FAILURES list).
        sys.modules.setdefault("e2e", sys.modules[__name__])
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import importlib
        importlib.import_module(f"e2e_{a.case}").run(a)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
