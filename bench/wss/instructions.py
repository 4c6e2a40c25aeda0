#!/usr/bin/env python3
"""Instructions per echoed WebSocket message (callgrind, so the figure does not depend on a loaded
machine): the server under valgrind with one I/O thread, one client sending N short text messages
one at a time (each echo awaited), minus a run with no message (start, handshake, stop).

  python3 bench/wss/instructions.py --luxc build/luxc [--baseline /work/main/build/luxc] [-n 2000]

Builds bench/realtime/ws_echo.lux with each luxc (--release) and bench/wss/ws_echo_tls.lux with
--luxc (wss:// with a throwaway self-signed certificate)."""
import argparse
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from wsclient import OP_TEXT, WsClient  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(luxc, lux, out):
    p = subprocess.run([luxc, "build", "--release", lux, "-o", out], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"build {lux}: {p.stderr}")
    return p.stdout.split()[0]


def instructions(exe, n, env, tls):
    port = free_port()
    out = tempfile.mktemp(prefix="cg.", dir=env["WORK"])
    p = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", exe, "--host", "127.0.0.1",
                          "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c = None
    for _ in range(600):
        try:
            c = WsClient.connect(port, "/echo", timeout=60, tls=tls)
            break
        except (OSError, Exception):
            time.sleep(0.1)
    for i in range(n):
        c.send_text(f"hello {i}")
        if c.recv_message()[0] != OP_TEXT:
            sys.exit("no echo")
    c.close(1000)
    c.expect_close()
    c.sock.close()
    p.send_signal(signal.SIGTERM)
    p.wait(300)
    with open(out) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    return 0


def per_message(exe, n, env, tls=None):
    return (instructions(exe, n, env, tls) - instructions(exe, 0, env, tls)) / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--luxc", required=True)
    ap.add_argument("--baseline")
    ap.add_argument("-n", type=int, default=2000)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="wss-bench.")
    env = dict(os.environ, LUX_THREADS="1", LUX_ACCESS_LOG="0", LUX_LOG_LEVEL="warn", WORK=work)
    plain = os.path.join(ROOT, "bench", "realtime", "ws_echo.lux")
    rows = []
    if a.baseline:
        rows.append(("ws:// baseline", per_message(build(a.baseline, plain, os.path.join(work, "base")), a.n, env)))
    rows.append(("ws://", per_message(build(a.luxc, plain, os.path.join(work, "this")), a.n, env)))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   cwd=work, capture_output=True, check=True)
    ctx = ssl.create_default_context(cafile=os.path.join(work, "cert.pem"))
    tls_env = dict(env, TLS_CERT=os.path.join(work, "cert.pem"), TLS_KEY=os.path.join(work, "key.pem"))
    exe = build(a.luxc, os.path.join(HERE, "ws_echo_tls.lux"), os.path.join(work, "tls"))
    rows.append(("wss://", per_message(exe, a.n, tls_env, ctx)))
    for name, ir in rows:
        print(f"{name:16} {ir:10.0f} instructions per echoed message")


if __name__ == "__main__":
    main()
