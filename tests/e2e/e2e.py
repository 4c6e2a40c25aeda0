#!/usr/bin/env python3
"""The end-to-end harness: runs one case against luxc-built servers on loopback.

  e2e.py --luxc BUILD/luxc --root REPO --out DIR CASE
Each case is a module beside this file, e2e_<CASE>.py, with a `run(a)` function (`a.luxc`,
`a.root`, `a.out`); the Lux programs the cases build are files under programs/ (those luxc must
reject under programs/fail/), all checked by the case `programs_check`. A case imports what it
needs from this module: `check` (records a failure and goes on; the run fails at the end if any
check failed), `program`/`build`/`build_text` (luxc build), `free_port`, `start_server`/
`popen_ready` (start a server and wait for its readiness line), `stop_server` (SIGTERM, then its
output), `request`/`expect_json`/`admin` (HTTP), `read_until`/`Lines` (a server's output),
`children_of`/`proc_state` (the processes luxc run/dev started, from /proc),
`sign_internal`/`make_jwt` (signed calls and tokens), `start_postgres` (a throwaway PostgreSQL
cluster). tests/e2e/hostile.py is the raw-socket
client. Every case's servers get one LUX_PROGRAM_SECRET in the environment, as an operator
deploys them, except in the cases that start `luxc run`/`luxc dev` or set it per server.
"""
import argparse
import base64
import codecs
import glob
import hashlib
import hmac
import importlib
import json
import os
import re
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "programs")
# The cases whose servers get no LUX_PROGRAM_SECRET from here: `luxc run` and `luxc dev` make
# their own, and internal_auth sets it per server itself.
OWN_SECRET_CASES = ("run_two_servers", "dev", "internal_auth")

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


from ports import free_port  # noqa: E402  (ports below the ephemeral range, reserved per test)


def curl_response(url, *args):
    """(status, headers with lower-case names, body bytes) of one `curl -s` call to `url` with
    `args`; a header sent several times is joined with ", " as RFC 9110 allows."""
    dump = [] if "-I" in args else ["-D", "-"]  # -I prints the head itself
    p = subprocess.run(["curl", "-s", *dump, "--max-time", "10", *args, url], capture_output=True)
    head, _, body = p.stdout.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k = k.strip().lower()
        headers[k] = f"{headers[k]}, {v.strip()}" if k in headers else v.strip()
    return status, headers, body


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
    return getattr(proc, "e2e_partial", "") + (out or "")


def sign_internal(method, path, body, secret=None, t=None, nonce=None):
    """X-Lux-Signature of a call between the program's servers (docs/runtime.md#internal-auth),
    keyed with LUX_PROGRAM_SECRET unless `secret` is given."""
    secret = os.environ["LUX_PROGRAM_SECRET"] if secret is None else secret
    t = int(time.time()) if t is None else t
    nonce = secrets.token_hex(16) if nonce is None else nonce
    msg = f"LUX-HMAC-SHA256\n{method}\n{path}\n{t}\n{nonce}\n{hashlib.sha256(body).hexdigest()}"
    return f"t={t},n={nonce},s={hmac.new(secret.encode(), msg.encode(), hashlib.sha256).hexdigest()}"


def make_jwt(claims, secret=b"secret", alg="HS256"):
    def b64(b):
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()) if alg == "HS256" else ""
    return f"{head}.{body}.{sig}"


def build(a, lux, extra=()):
    p = subprocess.run([a.luxc, "build", lux, "-o", a.out, *extra], capture_output=True, text=True)
    return p


def build_text(luxc, out, filename, text):
    """Writes `text` to out/filename and builds it into `out`; the executable's path, or None."""
    os.makedirs(out, exist_ok=True)
    lux = os.path.join(out, filename)
    with open(lux, "w") as f:
        f.write(text)
    p = subprocess.run([luxc, "build", lux, "-o", out], capture_output=True, text=True)
    check(p.returncode == 0, f"luxc build {filename} failed:\n{p.stderr}")
    return p.stdout.strip().splitlines()[-1] if p.returncode == 0 else None


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


def admin(port, method, path, token="e2e-secret"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=b"" if method == "POST" else None)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def read_until(proc, pattern, lines, timeout):
    """Reads the output of proc (started with stdout=PIPE) into `lines` until a line matches
    `pattern` (a regex; every line read so far counts) or `timeout` seconds pass; whether one
    matched. It waits on the pipe with select, so a silent server cannot hold it past the
    timeout. A line cut off at the deadline waits on proc for the next call (stop_server
    puts it back in front of the rest of the output)."""
    rx = re.compile(pattern)
    deadline = time.time() + timeout
    fd = proc.stdout.fileno()
    pending = getattr(proc, "e2e_partial", "")
    decoder = getattr(proc, "e2e_decoder", None) or codecs.getincrementaldecoder("utf-8")("replace")
    try:
        while not any(rx.search(l) for l in lines):
            left = deadline - time.time()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                break
            chunk = os.read(fd, 65536)
            if not chunk:  # the process closed its output
                pending += decoder.decode(b"", final=True)
                if pending:
                    lines.append(pending)
                    pending = ""
                break
            *complete, pending = (pending + decoder.decode(chunk)).split("\n")
            lines.extend(l + "\n" for l in complete)
    finally:
        proc.e2e_partial, proc.e2e_decoder = pending, decoder
    return any(rx.search(l) for l in lines)


def proc_state(pid):
    """The state letter of process `pid` ('Z' for a zombie), or None when it no longer exists."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2:].split()[0]


def children_of(pid):
    """{executable's base name: pid} of the processes whose parent is `pid` (zombies included:
    their name is the one in /proc/PID/stat), from /proc."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            if int(stat[stat.rindex(")") + 2:].split()[1]) != pid:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            with open(f"/proc/{entry}/cmdline") as f:
                argv0 = f.read().split("\0")[0]
        except (OSError, ValueError):
            continue
        out[os.path.basename(argv0) or name] = int(entry)
    return out


class Lines:
    """Collects a pipe's lines on a thread; wait() blocks until a new line matches."""

    def __init__(self, pipe):
        self.lines, self.cond, self.seen = [], threading.Condition(), 0
        self.reader = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self.reader.start()

    def join(self, timeout):
        """Waits until the pipe is at its end (every line the process wrote is in `lines`): a
        process that has exited may still have lines in the pipe the thread has not read."""
        self.reader.join(timeout)

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


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def postgres_bin(name):
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


def program(name):
    """The path of tests/e2e/programs/NAME (e.g. "jobs.lux", "fail/fail_finally_escape.lux")."""
    path = os.path.join(PROGRAMS, name)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no program {name} in {PROGRAMS}")
    return path


def program_text(name):
    """The text of tests/e2e/programs/NAME, for a case that builds a variant of it."""
    with open(program(name)) as f:
        return f.read()


def replace_all(text, old, new, count=None):
    """text with every `old` replaced by `new`; a failed check when `old` is absent (or does not
    occur `count` times), so a template edit that no longer matches the program is caught."""
    n = text.count(old)
    check(n > 0 and (count is None or n == count), f"the program holds {old!r} {n} times, expected {count or 'some'}")
    return text.replace(old, new)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--luxc", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("case")
    a = ap.parse_args()
    a.out = os.path.abspath(a.out)
    if not os.path.isfile(os.path.join(HERE, f"e2e_{a.case}.py")):
        print(f"no case {a.case}: expected tests/e2e/e2e_{a.case}.py")
        return 2
    if a.case in OWN_SECRET_CASES:
        os.environ.pop("LUX_PROGRAM_SECRET", None)
    else:
        os.environ.setdefault("LUX_PROGRAM_SECRET", secrets.token_hex(32))
    # The case imports its helpers from `e2e`, which must be this very module (one FAILURES list).
    sys.modules.setdefault("e2e", sys.modules[__name__])
    sys.path.insert(0, HERE)
    importlib.import_module(f"e2e_{a.case}").run(a)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
