"""e2e case `shared_state`: Server `var`s (programs/shared_state.lux) under concurrent requests on
four I/O threads: no lost update, no crash.
"""
import concurrent.futures
import os
import signal
import subprocess

from e2e import build, check, expect_json, free_port, program, request, wait_listening


def run(a):
    """Server `var`s under concurrent requests on several I/O threads: no lost update, no crash."""
    os.makedirs(a.out, exist_ok=True)
    lux = program("shared_state.lux")
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
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
