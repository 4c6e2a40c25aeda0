#!/usr/bin/env python3
"""End-to-end tests of luxc-built servers: build, start on loopback, HTTP, SIGTERM.

  e2e.py --luxc BUILD/luxc --root REPO --out DIR CASE
Cases: hello (samples/hello.lux route by route), run_two_servers (`luxc run` of a two-server
program: prefixed logs, SIGTERM forwarded), build_errors (E5001 for constructs of later issues,
E5002 for a C++ compiler failure).
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
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
    check("(0 of 2 units)" in p2.stderr and "(0 executables)" in p2.stderr, f"rebuild was not a no-op: {p2.stderr}")

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


UNSUPPORTED = '''
server {
  db { path: "./x.db" }
  schedule "*/5 * * * *" fn tick() {
    print("tick")
  }
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
          f"E5001 at the db block and the schedule:\n{p.stderr}")
    # The seed samples use databases, jobs, schedules, events and discovery (later issues):
    # every error is an E5001 at the construct, none is a crash or a C++ error.
    for sample in ("advanced.lux", "monitoring.lux"):
        p = build(a, os.path.join(a.root, "samples", sample))
        codes = set(re.findall(r"error\[(E\d{4})\]", p.stderr))
        check(p.returncode == 1 and codes == {"E5001"}, f"{sample}: exit {p.returncode}, codes {codes}:\n{p.stderr}")
    hello = os.path.join(a.root, "samples", "hello.lux")
    p = build(a, hello, ["--cxx", "false"])
    check(p.returncode == 1 and "error[E5002]" in p.stderr and "internal compiler error" in p.stderr,
          f"a failing C++ compiler is an internal error:\n{p.stderr}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--luxc", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("case")
    a = ap.parse_args()
    a.out = os.path.abspath(a.out)
    {"hello": case_hello, "run_two_servers": case_run_two_servers, "build_errors": case_build_errors}[a.case](a)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
