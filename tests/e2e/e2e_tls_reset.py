"""e2e case `tls_reset`: clients that reset their TLS connection while the server writes to it
(a WebSocket echoing 100 kB messages it is not reading back) end their connection, not the
server: OpenSSL writes records with write(2), and a write to a reset socket raises SIGPIPE,
whose default action ends the process. The server stays up and serves the next client.
"""
import os
import socket
import struct
import time

from e2e import build, check, free_port, program, start_server, stop_server
from e2e_realtime_rest import context, make_pki
from wsclient import OP_BINARY, OP_TEXT, WsClient

ROUNDS = 20


def run(a):
    os.makedirs(a.out, exist_ok=True)
    pki = os.path.join(a.out, "pki")
    os.makedirs(pki, exist_ok=True)
    make_pki(pki)
    p = build(a, program("ws_tls.lux"))
    check(p.returncode == 0, f"luxc build ws_tls failed:\n{p.stderr}")
    if p.returncode != 0:
        return
    port = free_port()
    env = dict(os.environ, TLS_CERT=os.path.join(pki, "cert.pem"), TLS_KEY=os.path.join(pki, "key.pem"),
               LUX_THREADS="1")
    proc = start_server(p.stdout.split()[0], port, env=env)
    ctx = context(pki)
    try:
        big = os.urandom(100_000)
        for i in range(ROUNDS):
            c = WsClient.connect(port, "/echo", tls=ctx)
            for _ in range(8):
                c.send_frame(OP_BINARY, big)  # echoes the client never reads: the server keeps writing
            time.sleep(0.02)
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.sock.close()  # RST: the server's next write fails (EPIPE)
            if proc.poll() is not None:
                break
        time.sleep(0.3)
        check(proc.poll() is None, f"the server outlives {ROUNDS} reset TLS connections (exit status {proc.poll()})")
        if proc.poll() is None:
            c = WsClient.connect(port, "/echo", tls=ctx)
            c.send_text("after the resets")
            check(c.recv_message() == (OP_TEXT, b"after the resets"), "a new wss client is served after the resets")
            c.close(1000)
            c.expect_close()
    finally:
        if proc.poll() is None:
            stop_server(proc)
