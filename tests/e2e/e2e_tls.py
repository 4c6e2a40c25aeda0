"""e2e case `tls` (programs/tls_hello.lux): a server with `tls { }` and a throwaway CA and
certificate made by the test with the openssl CLI. curl --cacert and Python's ssl verify it;
several requests on one kept-alive connection; a 400 request over TLS answers JSON; plain HTTP
to the TLS port gets a plain 400 JSON answer and the close; `min_version: "1.3"` refuses a
TLS 1.2 client that `"1.2"` accepts; a missing certificate, an unreadable key and a key of
another certificate stop the start with one line and exit 1; SIGTERM stops it with 0; the TLS
server maps libssl.
"""
import http.client
import json
import os
import socket
import ssl
import subprocess

from e2e import build, check, free_port, popen_ready, program, start_server, stop_server


def openssl(*args, cwd):
    p = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    check(p.returncode == 0, f"openssl {' '.join(args[:2])}: {p.stderr}")


def make_pki(d):
    """A CA, a server certificate for localhost/127.0.0.1 signed by it, and a second unrelated key."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=lux e2e CA", cwd=d)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "server.csr", "-subj", "/CN=localhost",
            cwd=d)
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
            "cert.pem", "-days", "2", "-extfile", "san.ext", cwd=d)
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "other.key", cwd=d)


def context(d, max_version=None):
    ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
    if max_version:
        ctx.maximum_version = max_version
    return ctx


def refused_start(exe, env, want):
    p = subprocess.run([exe, "--host", "127.0.0.1", "--port", str(free_port())], env=env, capture_output=True,
                       text=True, timeout=20)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    check(p.returncode == 1 and len(lines) == 1 and want in lines[0], f"start with {want!r}: exit {p.returncode}, {p.stderr!r}")


def run(a):
    os.makedirs(a.out, exist_ok=True)
    pki = os.path.join(a.out, "pki")
    os.makedirs(pki, exist_ok=True)
    make_pki(pki)
    p = build(a, program("tls_hello.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode != 0:
        return
    exe = p.stdout.split()[0]
    port = free_port()
    env = dict(os.environ, TLS_CERT=os.path.join(pki, "cert.pem"), TLS_KEY=os.path.join(pki, "key.pem"))
    proc = start_server(exe, port, env=env)

    c = subprocess.run(["curl", "-sS", "--cacert", os.path.join(pki, "ca.pem"), f"https://localhost:{port}/hello"],
                       capture_output=True, text=True, timeout=20)
    check(c.returncode == 0 and json.loads(c.stdout or "null") == {"hello": "tls", "path": "/hello"},
          f"curl --cacert: {c.returncode} {c.stdout} {c.stderr}")
    c = subprocess.run(["curl", "-sS", f"https://localhost:{port}/hello"], capture_output=True, text=True, timeout=20)
    check(c.returncode == 60, f"curl without the CA must fail verification (60): {c.returncode} {c.stderr}")

    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context(pki), timeout=10)
    for i in range(3):  # one connection, three requests
        conn.request("POST", "/echo", body=json.dumps({"i": i}), headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        body = r.read().decode()
        check(r.status == 200 and json.loads(body) == {"got": {"i": i}}, f"keep-alive request {i}: {r.status} {body}")
    conn.request("POST", "/echo", body="{bad", headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    body = json.loads(r.read().decode())
    check(r.status == 400 and "request_id" in body, f"bad JSON over TLS: {r.status} {body}")
    check(conn.sock.version() in ("TLSv1.3", "TLSv1.2"), f"version {conn.sock.version()}")
    conn.close()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with context(pki, ssl.TLSVersion.TLSv1_2).wrap_socket(s, server_hostname="localhost") as t:
            check(t.version() == "TLSv1.2", f"a TLS 1.2 client with min_version 1.2: {t.version()}")

    # Plain HTTP to the TLS port: a 400 with the error shape, then the close.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    check(head.startswith(b"HTTP/1.1 400") and json.loads(body or b"null").get("error") ==
          "plain HTTP request sent to an HTTPS port", f"plain HTTP: {data[:300]!r}")
    # Garbage that is neither TLS nor HTTP: closed without an answer, the server lives on.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"\x00\x01\x02\x03" * 8)
        check(s.recv(4096) == b"", "garbage got an answer")
    with open(f"/proc/{proc.pid}/maps") as f:
        check("libssl" in f.read(), "the TLS server did not map libssl")
    out = stop_server(proc)
    check(proc.returncode == 0, f"exit {proc.returncode}:\n{out}")

    # min_version 1.3 refuses TLS 1.2.
    proc = start_server(exe, port, env=dict(env, TLS_MIN="1.3"))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            with context(pki, ssl.TLSVersion.TLSv1_2).wrap_socket(s, server_hostname="localhost"):
                check(False, "a TLS 1.2 client was accepted with min_version 1.3")
        except ssl.SSLError:
            pass
    conn = http.client.HTTPSConnection("localhost", port, context=context(pki), timeout=10)
    conn.request("GET", "/hello")
    r = conn.getresponse()
    check(r.status == 200 and conn.sock.version() == "TLSv1.3", f"TLS 1.3 client: {r.status} {conn.sock.version()}")
    r.read()
    conn.close()
    out = stop_server(proc)
    check(proc.returncode == 0, f"exit {proc.returncode}:\n{out}")

    missing = os.path.join(pki, "missing.pem")
    refused_start(exe, dict(env, TLS_CERT=missing), f'tls: cert "{missing}": No such file or directory')
    refused_start(exe, dict(env, TLS_KEY=os.path.join(pki, "other.key")), "does not match cert")
    refused_start(exe, dict(env, TLS_CERT=os.path.join(pki, "san.ext")), "is not a PEM certificate")
    refused_start(exe, dict(env, TLS_MIN="1.1"), 'min_version` must be "1.2" or "1.3"')
