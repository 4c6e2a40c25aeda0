"""internal_auth: the servers of one program authenticate each other (docs/runtime.md#internal-auth).

Two built servers sharing LUX_PROGRAM_SECRET: a `with auth` route of `front` calls `api.add`, and
`front` publishes an event `api` subscribes to. Over raw sockets (hostile.py) `api`'s internal
endpoints refuse, with 401 and without running anything, calls that are unsigned, signed with
another secret, stale, replayed, altered (body or function) or malformed, and forged events; a
call signed as docs/runtime.md describes runs. The refusals are logged once per interval. A server
refuses to start without the secret (the line names the variable and `openssl rand -hex 32`),
with a short one, or with only the retired LUX_BUS_TOKEN; LUX_INTERNAL_AUTH=off starts it open.
Servers with different secrets cannot call each other. `luxc run` generates one secret for all
the servers it starts, and `luxc dev` gives a server replaced after an edit the same one. A
one-server program whose subscriptions hear only its own publishes needs no secret: it starts
without one, its events are handled, and POST /_lux/events is 404 there.
"""
import json
import os
import secrets
import signal
import subprocess
import time

import hostile
from e2e import (build, build_text, check, free_port, make_jwt, program_text, replace_all,
                 sign_internal, start_server, stop_server)

JWT_SECRET = "front-jwt-secret-of-at-least-32-bytes!"

def sign(secret, method, path, body, t=None, nonce=None):
    return sign_internal(method, path, body, secret=secret, t=t, nonce=nonce)


def post(port, path, body, signature=None, extra=()):
    headers = [("Content-Type", "application/json"), ("Connection", "close"), *extra]
    if signature is not None:
        headers.append(("X-Lux-Signature", signature))
    return hostile.exchange(port, hostile.request_bytes("POST", path, headers, body), timeout=10)


def get(port, path, token=None):
    headers = [("Connection", "close")]
    if token:
        headers.append(("Authorization", f"Bearer {token}"))
    return hostile.exchange(port, hostile.request_bytes("GET", path, headers), timeout=15)


def body_json(r):
    try:
        return r.json()
    except ValueError:
        return None


def write_program(a, api_port, front_port, name="ia"):
    lux = os.path.join(a.out, f"{name}.lux")
    with open(lux, "w") as f:
        text = program_text("internal_auth.lux")
        check(f'secret: "{JWT_SECRET}"' in text, "internal_auth.lux signs its tokens with JWT_SECRET")
        f.write(replace_all(replace_all(text, "18101", str(api_port), count=2), "18102", str(front_port), count=1))
    return lux


def clean_env(**kw):
    env = {k: v for k, v in os.environ.items()
           if k not in ("LUX_PROGRAM_SECRET", "LUX_PROGRAM_SECRET_ACCEPT", "LUX_INTERNAL_AUTH", "LUX_BUS_TOKEN")
           and not k.startswith(("LUX_PEER_", "LUX_SERVICE_"))}
    env.update(LUX_JOBS_PATH=":memory:", LUX_EVENTS_PATH=":memory:")
    env.update(kw)
    return env


def token():
    return make_jwt({"sub": "1", "exp": int(time.time()) + 600}, secret=JWT_SECRET.encode())


def refusals(a, exes, api_port, front_port):
    secret = secrets.token_hex(32)
    env = clean_env(LUX_PROGRAM_SECRET=secret)
    api_log = os.path.join(a.out, "refusals-api.log")
    api = start_server(exes["ia-api"], api_port, env=env, name="api", log=api_log)
    front = start_server(exes["ia-front"], front_port, env=env, name="front")
    api_out = ""
    first_refusal = last_refusal = 0.0
    try:
        # The program's own path: a `with auth` route calling api.add.
        r = get(front_port, "/total/7", token())
        check(r.status == 200 and body_json(r) == {"total": 12}, f"front -> api.add with a shared secret: {r}")
        r = get(front_port, "/total/7")
        check(r.status == 401, f"the `with auth` route without a token: {r}")

        path, body = "/_lux/rpc/add", b'{"args":[40,2]}'
        probes = [
            ("unsigned", None, path, body),
            ("another secret", sign(secrets.token_hex(32), "POST", path, body), path, body),
            ("stale", sign(secret, "POST", path, body, t=int(time.time()) - 400), path, body),
            ("from the future", sign(secret, "POST", path, body, t=int(time.time()) + 400), path, body),
            ("body altered", sign(secret, "POST", path, body), path, b'{"args":[41,2]}'),
            ("another function", sign(secret, "POST", "/_lux/rpc/other", body), path, body),
            ("garbage", "t=1,n=2,s=3", path, body),
            ("upper-case hex", sign(secret, "POST", path, body).upper().replace("T=", "t=").replace("N=", "n=")
             .replace("S=", "s="), path, body),
            ("the old bearer token", None, path, body),
        ]
        first_refusal = time.monotonic()
        for what, sig, p, b in probes:
            extra = [("Authorization", f"Bearer {secret}")] if what == "the old bearer token" else []
            r = post(api_port, p, b, sig, extra)
            j = body_json(r) or {}
            check(r.status == 401 and "unauthorized internal call" in j.get("error", "") and "request_id" in j,
                  f"rpc {what}: expected 401 JSON, got {r}")
            check(r.header("www-authenticate") == 'LuxSignature realm="internal"', f"rpc {what}: WWW-Authenticate {r.headers}")

        # Control characters in the header: the HTTP parser's 400, still JSON.
        r = post(api_port, path, body, "\x01\x02" * 100)
        check(r.status == 400 and body_json(r) is not None, f"rpc with a binary signature header: {r}")

        # Signed as documented: runs once; the same bytes again are a replay.
        sig = sign(secret, "POST", path, body)
        r = post(api_port, path, body, sig)
        check(r.status == 200 and body_json(r) == {"result": 42}, f"a correctly signed call: {r}")
        r = post(api_port, path, body, sig)
        check(r.status == 401 and "replayed" in (body_json(r) or {}).get("error", ""), f"a replayed call: {r}")

        # Forged events are refused; the program's own event arrives.
        ev = json.dumps({"id": "forged-1", "event": "note", "data": {"text": "forged"}, "publisher": "evil"}).encode()
        for what, sig in (("unsigned", None), ("another secret", sign("x" * 64, "POST", "/_lux/events", ev)),
                          ("signed for rpc", sign(secret, "POST", path, ev))):
            r = post(api_port, "/_lux/events", ev, sig)
            check(r.status == 401, f"event {what}: expected 401, got {r}")
        last_refusal = time.monotonic()
        r = post(front_port, "/note/hello", b"")
        check(r.status == 200, f"publish through front: {r}")
        deadline = time.monotonic() + 20  # delivered at once; the wait only bounds a loaded machine
        while time.monotonic() < deadline:
            with open(api_log, errors="replace") as f:
                if "note got hello" in f.read():
                    break
            time.sleep(0.05)
        check(api.poll() is None and front.poll() is None, "a server died under the probes")
    finally:
        api_out = stop_server(api)
        front_out = stop_server(front)
    check(api_out.count("add ran") == 2, f"api ran add for the front's call and the signed one only:\n{api_out}")
    check("add ran 40 2" in api_out and "add ran 41" not in api_out, f"which calls ran:\n{api_out}")
    check("note got hello" in api_out and "forged" not in api_out.replace("forged-1", ""),
          f"the program's event arrived, no forged one:\n{api_out}")
    # One log line for the burst of refusals (then one per interval with the count).
    # The refusals above take well under the 10 s interval on an idle machine; a loaded one may
    # spread them over more intervals, each of which may log one line.
    lines = [l for l in api_out.splitlines() if "internal call refused" in l]
    allowed = 1 + int((last_refusal - first_refusal) // 10)
    check(1 <= len(lines) <= allowed, f"refusals are logged once per interval ({allowed} allowed): {lines}")
    check(secret not in api_out + front_out, "the program secret appears in a log")


def startup(a, exes, api_port, front_port):
    exe = exes["ia-api"]

    def run(env):
        p = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(api_port)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            out, _ = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
        return p.returncode, out

    code, out = run(clean_env())
    check(code == 1 and "LUX_PROGRAM_SECRET is not set" in out and "openssl rand -hex 32" in out
          and "ia-api:" in out, f"no secret: exit {code}\n{out}")
    code, out = run(clean_env(LUX_PROGRAM_SECRET="short"))
    check(code == 1 and "shorter than 32" in out, f"a short secret: exit {code}\n{out}")
    code, out = run(clean_env(LUX_BUS_TOKEN="an old bus token"))
    check(code == 1 and "LUX_BUS_TOKEN is no longer read" in out, f"only LUX_BUS_TOKEN: exit {code}\n{out}")

    # LUX_INTERNAL_AUTH=off: starts with a warning, and takes unsigned calls.
    proc = start_server(exe, api_port, env=clean_env(LUX_INTERNAL_AUTH="off"), name="open api")
    try:
        r = post(api_port, "/_lux/rpc/add", b'{"args":[1,2]}')
        check(r.status == 200 and body_json(r) == {"result": 3}, f"LUX_INTERNAL_AUTH=off: {r}")
    finally:
        out = stop_server(proc)
    check("LUX_INTERNAL_AUTH=off" in out, f"the open start is warned about:\n{out}")

    # Two servers with different secrets are not one program.
    api = start_server(exe, api_port, env=clean_env(LUX_PROGRAM_SECRET=secrets.token_hex(32)), name="api")
    front = start_server(exes["ia-front"], front_port, env=clean_env(LUX_PROGRAM_SECRET=secrets.token_hex(32)),
                         name="front")
    try:
        r = get(front_port, "/total/1", token())
        check(r.status == 500, f"a call between servers with different secrets: {r}")
    finally:
        api_out = stop_server(api)
        front_out = stop_server(front)
    check("add ran" not in api_out, f"api ran a call signed with another secret:\n{api_out}")
    check("api.add refused (401): unauthorized internal call: bad signature" in front_out,
          f"the caller logs why:\n{front_out}")


def luxc_run(a, api_port, front_port):
    """`luxc run` makes one secret for the run; the servers call each other with it."""
    lux = write_program(a, api_port, front_port, name="iarun")
    proc = subprocess.Popen([a.luxc, "run", lux, "-o", os.path.join(a.out, "run"), "--", "--host", "127.0.0.1"],
                            env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        deadline, r = time.time() + 120, None
        while time.time() < deadline and proc.poll() is None:
            try:
                r = get(front_port, "/total/3", token())
                h = get(api_port, "/health")
                if r.status is not None and h.status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        check(r is not None and r.status == 200 and body_json(r) == {"total": 8}, f"luxc run: front -> api.add: {r}")
        r = post(api_port, "/_lux/rpc/add", b'{"args":[1,2]}')
        check(r.status == 401, f"luxc run: an unsigned call from outside: {r}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
    check(proc.returncode == 0, f"luxc run exit status {proc.returncode}:\n{out[-2000:]}")
    check("LUX_PROGRAM_SECRET is not set" not in out, f"luxc run gave the servers a secret:\n{out[-2000:]}")


def luxc_dev(a):
    """`luxc dev` makes one secret for the session: a server replaced after an edit keeps it."""
    from e2e import Lines, port_free
    base = free_port()
    while base + 1 > 65535 or not port_free(base + 1):
        base = free_port()
    lux = write_program(a, 1, 2, name="iadev")  # luxc dev --port puts api on base, front on base + 1
    proc = subprocess.Popen([a.luxc, "dev", lux, "--port", str(base), "-o", os.path.join(a.out, "dev")],
                            env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err = Lines(proc.stderr)
    Lines(proc.stdout)
    try:
        started = err.wait(lambda l: "started" in l or "failed" in l, 120)
        check(started and "failed" not in started, f"luxc dev: first build: {started} {err.lines}")
        r = get(base + 1, "/total/3", token())
        check(r.status == 200 and body_json(r) == {"total": 8}, f"luxc dev: front -> api.add: {r}")
        with open(lux) as f:
            text = f.read()
        with open(lux, "w") as f:
            f.write(text.replace("a + b", "a + b + 100", 1))
        line = err.wait(lambda l: l.startswith("luxc dev: built") or "failed" in l, 120)
        check(line and "replaced api" in line, f"luxc dev: the edit of api: {line}")
        r = get(base + 1, "/total/3", token())
        check(r.status == 200 and body_json(r) == {"total": 108}, f"luxc dev: front -> the replaced api: {r}")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    check(proc.returncode == 0, f"luxc dev exit status {proc.returncode}")


def local_events(a):
    """Events within one server travel no HTTP: no secret is needed and the endpoint is absent."""
    exe = build_text(a.luxc, os.path.join(a.out, "local"), "local.lux", program_text("local_events.lux"))
    check(exe is not None, "luxc build of the one-server program failed")
    if exe is None:
        return
    port = free_port()
    proc = start_server(exe, port, env=clean_env(), name="local")
    try:
        r = post(port, "/note/hello", b"")
        check(r.status == 200, f"a local publish without a program secret: {r}")
        r = post(port, "/_lux/events", json.dumps({"id": "e1", "event": "note", "data": "forged",
                                                    "publisher": "x"}).encode())
        check(r.status == 404, f"POST /_lux/events on a server no peer publishes to: {r}")
    finally:
        out = stop_server(proc)
    check("local note hello" in out and "forged" not in out, f"the local event was handled once:\n{out[-2000:]}")


def run(a):
    os.makedirs(a.out, exist_ok=True)
    api_port, front_port = free_port(), free_port()
    p = build(a, write_program(a, api_port, front_port))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exes = {os.path.basename(x): x for x in p.stdout.split()}
    refusals(a, exes, api_port, front_port)
    startup(a, exes, api_port, front_port)
    luxc_run(a, free_port(), free_port())
    luxc_dev(a)
    local_events(a)
