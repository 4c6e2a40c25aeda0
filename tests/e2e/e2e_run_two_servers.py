"""e2e case `run_two_servers`: `luxc run` of programs/pair.lux: one executable per server, prefixed
logs, SIGTERM forwarded to both servers (their on_stop runs) and exit 0.
"""
import os
import signal
import subprocess
import time

from e2e import build, check, program


def run(a):
    os.makedirs(a.out, exist_ok=True)
    lux = program("pair.lux")
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
