"""e2e case `dev_slow_build`: a busy server keeps answering while `luxc dev` rebuilds slowly.
The C++ compiler is a wrapper that waits 6 s on the build after a save; meanwhile a client sends
300 requests whose access-log lines (1 KiB paths) add up to several times a pipe's 64 KiB. Each
one is answered at once, all before the build ends, and then the edit is served.
"""
import http.client
import os
import shutil
import signal
import subprocess
import time

from e2e import check, expect_json, free_port, Lines

PROGRAM = """server "chatty" {
  env PORT: Int = 0

  route GET "/hit/:s" => fn(s: String) { { version: 1, n: len(s) } }
}
"""

# Waits once, on the first compiler call after the marker file appears (the build after the save).
WRAPPER = """#!/bin/sh
if [ -f "{mark}" ] && rm "{mark}" 2>/dev/null; then sleep 6; fi
exec {cxx} "$@"
"""


def run(a):
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.out, "chatty.lux")
    with open(lux, "w") as f:
        f.write(PROGRAM)
    mark = os.path.join(a.out, "slow-next-build")
    if os.path.exists(mark):
        os.remove(mark)
    cxx = shutil.which("clang++") or shutil.which("c++")
    wrapper = os.path.join(a.out, "slow-cxx")
    with open(wrapper, "w") as f:
        f.write(WRAPPER.replace("{mark}", mark).replace("{cxx}", cxx))
    os.chmod(wrapper, 0o755)

    port = free_port()
    env = dict(os.environ, CXX=wrapper)
    proc = subprocess.Popen([a.luxc, "dev", lux, "--port", str(port), "-o", os.path.join(a.out, "build")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    err, out = Lines(proc.stderr), Lines(proc.stdout)
    try:
        started = err.wait(lambda l: "started" in l or "failed" in l, 240)
        check(started and "chatty" in started, f"first build: {started} {err.lines}")
        if not started or "chatty" not in started:
            return
        expect_json(port, "GET", "/hit/abc", 200, {"version": 1, "n": 3})

        open(mark, "w").close()
        with open(lux, "w") as f:
            f.write(PROGRAM.replace("version: 1", "version: 2"))
        # The build has begun once the wrapper took the marker.
        deadline = time.time() + 60
        while os.path.exists(mark) and time.time() < deadline:
            time.sleep(0.05)
        check(not os.path.exists(mark), "the build after the save did not start within 60 s")

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        pad = "x" * 1000
        answered, slowest, failure = 0, 0.0, None
        for _ in range(300):
            t0 = time.time()
            try:
                conn.request("GET", f"/hit/{pad}")
                r = conn.getresponse()
                body = r.read()
            except Exception as e:  # a stalled server: the 5 s timeout
                failure = repr(e)
                break
            slowest = max(slowest, time.time() - t0)
            if r.status != 200 or b'"n":1000' not in body:
                failure = f"{r.status} {body[:100]!r}"
                break
            answered += 1
        conn.close()
        built = [l for l in err.lines if l.startswith("luxc dev: built")]
        check(answered == 300, f"{answered} of 300 requests answered during the build; then {failure}")
        check(len(built) == 1, f"the slow build ended before the requests did, so the case shows nothing: {built}")
        print(f"dev_slow_build: {answered} requests during the build, slowest {slowest * 1000:.0f} ms")

        line = err.wait(lambda l: l.startswith("luxc dev: built") or "failed" in l, 120)
        check(line and "replaced chatty" in line, f"the slow build: {line}")
        expect_json(port, "GET", "/hit/abc", 200, {"version": 2, "n": 3})
        logged = sum(1 for l in out.lines if "path=/hit/" + pad in l)
        check(logged >= 300, f"{logged} access-log lines of the 300 requests forwarded")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.join(5)
    check(proc.returncode == 0, f"luxc dev exit status {proc.returncode}")
