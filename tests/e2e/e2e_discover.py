"""e2e case `discover`: programs/discover.lux, two servers that `discover` each other by name
without a URL. Started by `luxc run` they find each other at their declared ports; built and
started as two binaries on other ports they find each other through LUX_SERVICE_<NAME>_URL.
A wrongly typed argument is answered 400 by the peer (naming the parameter and its type), the
caller's `catch` sees that message, and 20 such calls leave the caller's breaker
(failure_threshold 2) closed: the next good call goes through.
"""
import json
import os
import re
import signal
import subprocess
import urllib.error
import urllib.parse
import urllib.request

from e2e import (Lines, build_text, check, expect_json, free_port, program_text, replace_all, request,
                 sign_internal, start_server, stop_server)


def calls_each_other(front, reports):
    expect_json(front, "GET", "/summary/21", 200, {"summary": 42})
    expect_json(reports, "GET", "/relay/5", 200, {"tripled": 15})
    expect_json(front, "GET", "/label/" + urllib.parse.quote('"q3"'), 200, {"label": "report q3"})


def bad_arguments_do_not_open_the_breaker(front, reports):
    # The peer itself: 400 with the parameter and its expected type.
    body = json.dumps({"args": [5]}).encode()
    sig = sign_internal("POST", "/_lux/rpc/label", body)
    req = urllib.request.Request(f"http://127.0.0.1:{reports}/_lux/rpc/label", data=body, method="POST",
                                 headers={"Content-Type": "application/json", "X-Lux-Signature": sig})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            st, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        st, text = e.code, e.read().decode()
    check(st == 400, f"a wrongly typed argument: {st} {text}")
    doc = json.loads(text) if text.startswith("{") else {}
    check(doc.get("details") == {"parameter": "name", "expected": "String"}, f"the 400 names the parameter: {text}")
    check("argument `name` of label: expected String, found 5" in doc.get("error", ""), f"the message: {text}")
    # Through the caller: 20 bad calls with a breaker that opens after 2 failures.
    for i in range(20):
        st, _, text = request(front, "GET", f"/label/{i}")
        want = f"call of reports.label refused (400): argument `name` of label: expected String, found {i}"
        check(st == 200 and json.loads(text).get("error") == want, f"bad call {i}: {st} {text}")
    expect_json(front, "GET", "/summary/4", 200, {"summary": 8})  # the breaker is still closed


def with_luxc_run(a, text):
    out = os.path.join(a.out, "run")
    reports, front = free_port(), free_port()
    text = replace_all(text, "port 47311", f"port {reports}", 1)
    text = replace_all(text, "port 47312", f"port {front}", 1)
    lux = os.path.join(out, "discover.lux")
    os.makedirs(out, exist_ok=True)
    with open(lux, "w") as f:
        f.write(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LUX_SERVICE_", "LUX_PEER_"))}
    env["LUX_JOBS_PATH"] = ":memory:"
    proc = subprocess.Popen([a.luxc, "run", lux, "-o", out, "--", "--host", "127.0.0.1"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines = Lines(proc.stdout)
    try:
        up = [lines.wait(lambda l: re.search(r"\blistening\b", l) is not None, 60) for _ in range(2)]
        check(all(up), f"both servers up under luxc run: {lines.lines}")
        if all(up):
            calls_each_other(front, reports)
            bad_arguments_do_not_open_the_breaker(front, reports)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def as_two_binaries(a, text):
    out = os.path.join(a.out, "apart")
    build_text(a.luxc, out, "discover.lux", text)
    exes = {n: os.path.join(out, n) for n in ("discover-reports", "discover-front")}
    if not all(os.path.isfile(x) for x in exes.values()):
        check(False, f"executables: {os.listdir(out)}")
        return
    reports, front = free_port(), free_port()  # not the declared ones: only the env finds them
    env = dict(os.environ, LUX_JOBS_PATH=":memory:", LUX_SERVICE_REPORTS_URL=f"http://127.0.0.1:{reports}",
               LUX_SERVICE_FRONT_URL=f"http://127.0.0.1:{front}")
    r = start_server(exes["discover-reports"], reports, env=env, name="reports")
    f = start_server(exes["discover-front"], front, env=env, name="front")
    try:
        calls_each_other(front, reports)
    finally:
        stop_server(f)
        stop_server(r)


def run(a):
    os.makedirs(a.out, exist_ok=True)
    text = program_text("discover.lux")
    with_luxc_run(a, text)
    as_two_binaries(a, text)
