"""e2e case `dev`: `luxc dev` on a copy of programs/pair.lux: an edit is served, a route added to
alpha replaces alpha alone (beta's process stays, though the edit moved its lines), a syntax error
keeps the old server answering, the fix is picked up, a client polling throughout sees no failed
request, the servers log the address luxc dev prints, and Ctrl-C stops both servers.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

from e2e import check, children_of, expect_json, free_port, Lines, port_free, program


def run(a):
    """luxc dev: edits are served without a refused connection; errors keep the last good build."""
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.out, "pair.lux")
    shutil.copy(program("pair.lux"), lux)  # a copy: the case edits it
    base = free_port()
    while base + 1 > 65535 or not port_free(base + 1):
        base = free_port()
    proc = subprocess.Popen([a.luxc, "dev", lux, "--port", str(base), "-o", os.path.join(a.out, "build")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err, out = Lines(proc.stderr), Lines(proc.stdout)
    try:
        started = err.wait(lambda l: "started" in l or "failed" in l, 120)
        check(started and "alpha" in started and "beta" in started and "did not start" not in started,
              f"first build: {started} {err.lines}")
        expect_json(base, "GET", "/n/2", 200, {"server": "alpha", "twice": 4})
        expect_json(base + 1, "GET", "/n/2", 200, {"server": "beta", "twice": 5})
        # What the status line says is where the servers say they listen (the two start together:
        # their lines come in either order).
        logged = {}
        while len(logged) < 2:
            line = out.wait(lambda l: "msg=listening server=pair-" in l, 10)
            if not line:
                break
            logged[line.split("msg=listening server=pair-")[1].split(" ")[0]] = line
        for name, port in (("alpha", base), ("beta", base + 1)):
            shown = f"{name} (127.0.0.1:{port})"
            check(shown in started and f"host=127.0.0.1 port={port} " in logged.get(name, ""),
                  f"luxc dev says {started.strip()!r}, {name} logs {logged.get(name, '').strip()!r}")

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

        # A route added to alpha, above beta: only alpha's process is replaced (beta's executable
        # differs only in its #line numbers and build id).
        before = children_of(proc.pid)
        edit('  route GET "/n/:n" => fn(n: Int) { { server: "alpha-v2"',
             '  route GET "/added" => fn() { { added: true } }\n  route GET "/n/:n" => fn(n: Int) { { server: "alpha-v2"')
        line = err.wait(lambda l: l.startswith("luxc dev: built") or "failed" in l, 60)
        check(line and "replaced alpha" in line and "beta" not in line, f"route added to alpha: {line}")
        expect_json(base, "GET", "/added", 200, {"added": True})
        expect_json(base + 1, "GET", "/n/2", 200, {"server": "beta", "twice": 5})
        after = children_of(proc.pid)
        check(after.get("pair-beta") == before.get("pair-beta") and before.get("pair-beta"),
              f"beta's process was replaced: {before} -> {after}")
        check(after.get("pair-alpha") != before.get("pair-alpha"), f"alpha's process was not replaced: {before} -> {after}")

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
