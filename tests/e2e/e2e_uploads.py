"""e2e case `uploads`: programs/uploads.lux on a PostgreSQL cluster and a redis-server started
here. Multipart bodies built by hand for urllib and sent by `curl -F`: several files and text
fields, a 50 MB file spooled to disk while the server's RSS stays low, a type not allowed and a
file whose bytes contradict its type (415), too large (413), malformed bodies (400), a
path-traversal filename (kept as data, nothing written outside the upload directory), temporary
files gone after each request. Then the readiness route: 200 with every check, 503 naming
`cache_warm`, `redis` and `jobs` once Redis is stopped, and `db` once PostgreSQL is stopped.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

from e2e import (build_text, check, free_port, program_text, start_postgres, start_server, stop_server)
from e2e_redis import start_redis
import hostile

# A filename that climbs four directories up (built, so that no path in the source climbs).
TRAVERSAL = "/".join([".."] * 4) + "/escape.pdf"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def multipart(parts, boundary="e2eBoundary42"):
    """parts: (field, filename or None, content type or None, bytes)."""
    out = b""
    for field, filename, ctype, data in parts:
        out += f"--{boundary}\r\n".encode()
        disp = f'Content-Disposition: form-data; name="{field}"'
        if filename is not None:
            disp += f'; filename="{filename}"'
        out += disp.encode() + b"\r\n"
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post(port, path, body, ctype, timeout=60):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST")
    req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read().decode())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode())


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return r.status, json.loads(r.read().decode())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode())


def temp_files(d):
    return [f for f in os.listdir(d) if f.startswith("lux-upload-")] if os.path.isdir(d) else []


def run(a):
    exe = build_text(a.luxc, a.out, "uploads.lux", program_text("uploads.lux"))
    if not exe:
        return
    pg, pgport = start_postgres(os.path.join(a.out, "pg"))
    redis, rport = start_redis(os.path.join(a.out, "redis"))
    if not pg or not redis:
        return
    tmp = os.path.join(a.out, "tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    updir = os.path.join(tmp, "lux-uploads")
    env = dict(os.environ, DATABASE_URL=f"postgres://lux@127.0.0.1:{pgport}/notes",
               REDIS_URL=f"redis://127.0.0.1:{rport}", TMPDIR=tmp, LUX_ACCESS_LOG="0")
    # An upload directory that cannot be made: one line naming it, exit 1.
    blocker = os.path.join(a.out, "not-a-dir")
    with open(blocker, "w") as f:
        f.write("x")
    p = subprocess.run([exe, "--host", "127.0.0.1", "--port", str(free_port())], env=dict(env, TMPDIR=blocker),
                       capture_output=True, text=True, timeout=60)
    errs = [ln for ln in p.stderr.splitlines() if "upload" in ln]
    check(p.returncode == 1 and len(errs) == 1 and "not-a-dir/lux-uploads" in errs[0], f"bad upload dir: {p.returncode} {p.stderr[-500:]}")
    port = free_port()
    proc = start_server(exe, port, env=env, log=os.path.join(a.out, "server.log"))
    try:
        uploads(a, port, proc, updir)
        readiness(port, pg, redis)
    finally:
        out = stop_server(proc)
        check(proc.returncode == 0, f"server exit {proc.returncode}: {out[-2000:]}")
        for p in (pg, redis):
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
                p.wait(timeout=30)
    check(temp_files(updir) == [], f"temporary files left after the stop: {temp_files(updir)}")


def uploads(a, port, proc, updir):
    # Several files and fields from urllib, one large enough to be spooled.
    body, ctype = multipart([("title", None, None, b"holiday"), ("photo", "beach.png", "image/png", PNG),
                             ("notes", "notes.txt", "text/plain", b"n" * 200_000),
                             ("doc", TRAVERSAL, "application/pdf", b"%PDF-1.4 ...")])
    status, v = post(port, "/upload", body, ctype)
    check(status == 200, f"multipart upload: {status} {v}")
    if status == 200:
        check(v["names"] == ["beach.png", "notes.txt", "escape.pdf"], f"names: {v['names']}")
        check(v["sizes"] == [len(PNG), 200_000, 12], f"sizes: {v['sizes']}")
        check(v["spooled"] == ["notes.txt"], f"spooled: {v['spooled']}")
        check(v["form"] == {"title": "holiday"}, f"form: {v['form']}")
        check(v["fields"] == ["photo", "notes", "doc"], f"fields: {v['fields']}")
    parent = os.path.dirname(os.path.dirname(updir))
    check(not any("escape" in f for _, _, fs in os.walk(parent) for f in fs), "a file named from the client's filename was written")
    check(temp_files(updir) == [], f"temporary files left: {temp_files(updir)}")

    # curl -F
    png = os.path.join(a.out, "pic.png")
    with open(png, "wb") as f:
        f.write(PNG)
    r = subprocess.run(["curl", "-sS", "-F", "caption=hi", "-F", f"pic=@{png};type=image/png", "-F", f"again=@{png};type=image/png",
                        f"http://127.0.0.1:{port}/upload"], capture_output=True, text=True, timeout=30)
    v = json.loads(r.stdout) if r.stdout.startswith("{") else {}
    check(v.get("names") == ["pic.png", "pic.png"] and v.get("form") == {"caption": "hi"}, f"curl -F: {r.stdout} {r.stderr}")

    # 415: not allowed; a "PNG" that is not one; an image sent as text
    status, v = post(port, "/upload", *multipart([("f", "a.gif", "image/gif", b"GIF89a......")]))
    check(status == 415 and "not allowed" in v.get("error", "") and v.get("request_id"), f"gif: {status} {v}")
    status, v = post(port, "/upload", *multipart([("f", "fake.png", "image/png", b"MZ\x90\x00 this is an exe")]))
    check(status == 415 and v.get("details", {}).get("detected") == "unknown", f"fake png: {status} {v}")
    status, v = post(port, "/upload", *multipart([("f", "x.txt", "text/plain", PNG)]))
    check(status == 415 and v.get("details", {}).get("detected") == "image/png", f"png as text: {status} {v}")
    r = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-F", f"pic=@{png};type=image/jpeg",
                        f"http://127.0.0.1:{port}/upload"], capture_output=True, text=True, timeout=30)
    check(r.stdout == "415", f"curl png declared jpeg: {r.stdout} {r.stderr}")

    # 413: one file over max_size (60 MB); sent in full by urllib, answered before the end
    status, v = post(port, "/upload", *multipart([("f", "big.bin", "application/octet-stream", b"\0" * 61_000_000)]))
    check(status == 413 and v.get("details", {}).get("max_size") == 60_000_000, f"too large: {status} {str(v)[:300]}")

    # 400: malformed bodies
    for name, raw, ctype in [
        ("no boundary", b"--x\r\n", "multipart/form-data"),
        ("truncated", b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nhalf', "multipart/form-data; boundary=B"),
        ("header too long", b"--B\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\nx\r\n--B--", "multipart/form-data; boundary=B"),
        ("no disposition", b"--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--", "multipart/form-data; boundary=B"),
    ]:
        status, v = post(port, "/upload", raw, ctype)
        check(status == 400 and v.get("error") and v.get("request_id"), f"{name}: {status} {v}")
    many, ctype = multipart([("f", f"{i}.txt", "text/plain", b"x") for i in range(6)])
    status, v = post(port, "/upload", many, ctype)
    check(status == 400 and "too many files" in v.get("error", ""), f"six files: {status} {v}")

    # 50 MB streamed in slices: spooled, the server's RSS stays far below the file's size
    size = 50 * 1000 * 1000
    head = (b"--big\r\nContent-Disposition: form-data; name=\"blob\"; filename=\"blob.bin\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n")
    tail = b"\r\n--big--\r\n"
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], hostile.rss_kb(proc.pid) or 0)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    rss0 = hostile.rss_kb(proc.pid) or 0
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.sendall(f"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=big\r\n"
              f"Content-Length: {len(head) + size + len(tail)}\r\n\r\n".encode() + head)
    chunk = b"\xab" * (1 << 20)
    sent = 0
    while sent < size:
        n = min(len(chunk), size - sent)
        s.sendall(chunk[:n])
        sent += n
    s.sendall(tail)
    resp = b""
    while b"\r\n\r\n" not in resp or not resp.rstrip().endswith(b"}"):
        part = s.recv(65536)
        if not part:
            break
        resp += part
    s.close()
    done.set()
    sampler.join()
    check(b" 200 " in resp.split(b"\r\n")[0] and b'"spooled":["blob.bin"]' in resp and str(size).encode() in resp,
          f"50 MB upload: {resp[:300]!r}")
    check(peak[0] - rss0 < 20_000, f"RSS grew by {peak[0] - rss0} KiB while uploading 50 MB (peak {peak[0]} KiB)")
    print(f"50 MB upload: RSS {rss0} KiB before, peak {peak[0]} KiB")
    check(temp_files(updir) == [], f"temporary files left: {temp_files(updir)}")


def readiness(port, pg, redis):
    status, v = get(port, "/health")
    check(status == 200 and v == {"status": "ok"}, f"/health: {status} {v}")
    status, v = get(port, "/ready")
    check(status == 200 and v.get("status") == "ok", f"/ready: {status} {v}")
    check(set(v.get("checks", {})) == {"db", "redis", "jobs", "cache_warm"}, f"checks: {v}")
    check(all(c.get("ok") and isinstance(c.get("latency_ms"), (int, float)) for c in v.get("checks", {}).values()), f"{v}")

    status, _ = post(port, "/cool", b"{}", "application/json")
    status, v = get(port, "/ready")
    check(status == 503 and v["checks"]["cache_warm"]["ok"] is False and v["checks"]["db"]["ok"], f"cooled: {status} {v}")
    check("cache_warm" in v.get("error", "") and v.get("request_id"), f"503 names the check: {v}")

    redis.terminate()
    redis.wait(timeout=20)
    t0 = time.time()
    status, v = get(port, "/ready")
    check(time.time() - t0 < 5, "the readiness route took longer than its checks' timeout")
    check(status == 503 and not v["checks"]["redis"]["ok"] and v["checks"]["redis"].get("error"), f"redis stopped: {v}")
    check(v["checks"]["db"]["ok"], f"db still up: {v}")

    pg.send_signal(signal.SIGINT)  # fast shutdown: SIGTERM would wait for the server's connections
    pg.wait(timeout=30)
    status, v = get(port, "/ready")
    check(status == 503 and not v["checks"]["db"]["ok"] and v["checks"]["db"].get("error"), f"postgres stopped: {v}")
    check("db" in v.get("error", ""), f"503 names db: {v}")
