"""Loopback ports for test servers, safe against the other tests running at the same time.

A port taken with bind(0) comes from the kernel's ephemeral range, the same range every client
socket (curl, urllib, a server's RPC and Redis connections) gets its local port from, so between
the moment a test reads it and the moment its server listens, an outgoing connection anywhere
on the machine can take it (the server then fails to start). Ports here come from below that
range, and each one is reserved for the life of the test process with an flock on a file named
after it, so two tests running at once never get the same port."""

import fcntl
import os
import random
import socket
import tempfile

_LOW, _HIGH = 20000, 32000  # below the default ephemeral range (32768-60999)
_DIR = os.path.join(tempfile.gettempdir(), "luxc-test-ports")
_held = []  # open lock files: a reservation lasts until the process exits


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port():
    high = min(_HIGH, _ephemeral_low())
    os.makedirs(_DIR, exist_ok=True)
    rng = random.Random(os.getpid() ^ int.from_bytes(os.urandom(4), "little"))
    for _ in range(2000):
        port = rng.randrange(_LOW, high)
        fd = os.open(os.path.join(_DIR, str(port)), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)  # another test process holds it
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                os.close(fd)  # something else on the machine listens there
                continue
        _held.append(fd)
        return port
    raise RuntimeError("no free loopback port between %d and %d" % (_LOW, high))
