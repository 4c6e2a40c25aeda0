"""Static files and compression end to end: tests/e2e/programs/static_site.lux (assets, an SPA
shell as fallback, API routes, `compression { min_size: 1024 }`) built and run in a directory of
files, then checked with curl (--compressed, -r, -I, --path-as-is for traversal) and Python
(gzip decoded with the gzip module, Brotli with the `brotli` command): types, ETag and 304,
ranges, HEAD, the fallback, route priority, every traversal spelling and a symlink out of the
directory refused, precompressed siblings, and a missing directory stopping the start."""
import gzip
import http.client
import os
import shutil
import subprocess

from e2e import build, check, curl_response, free_port, program, start_server, stop_server

CSS = "body { color: #333; margin: 0 auto; max-width: 40em; }\n" * 60
JS = "export function hello(name) { return `hello ${name}`; }\n" * 80
SHELL = "<!doctype html><div id=app></div><script src=/assets/app.js></script>\n"


def layout(root, outside):
    """public/assets (css, js with .br/.gz siblings, a png, a symlink out), public/dist (the shell)."""
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "public", "assets", "img"))
    os.makedirs(os.path.join(root, "public", "dist"))
    os.makedirs(outside, exist_ok=True)
    files = {
        "public/assets/site.css": CSS.encode(),
        "public/assets/app.js": JS.encode(),
        "public/assets/img/dot.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        "public/dist/index.html": SHELL.encode(),
    }
    for rel, data in files.items():
        with open(os.path.join(root, rel), "wb") as f:
            f.write(data)
    with open(os.path.join(root, "public", "assets", "app.js.gz"), "wb") as f:
        f.write(gzip.compress(JS.encode(), 9))
    subprocess.run(["brotli", "-f", "-q", "11", "-o", os.path.join(root, "public", "assets", "app.js.br"),
                    os.path.join(root, "public", "assets", "app.js")], check=True)
    with open(os.path.join(outside, "secret.txt"), "w") as f:
        f.write("top secret")
    os.symlink(os.path.join(outside, "secret.txt"), os.path.join(root, "public", "assets", "leak.txt"))


def curl(port, path, *args):
    """(status, headers with lower-case names, body bytes) of one curl call."""
    return curl_response(f"http://127.0.0.1:{port}{path}", *args)


def get(port, path, headers=None, method="GET"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def unbrotli(data):
    p = subprocess.run(["brotli", "-d", "-c"], input=data, capture_output=True)
    check(p.returncode == 0, f"brotli -d failed: {p.stderr!r}")
    return p.stdout


def check_files(port):
    st, h, body = curl(port, "/assets/site.css")
    check(st == 200 and body == CSS.encode(), f"GET /assets/site.css: {st}, {len(body)} bytes")
    check(h.get("content-type") == "text/css; charset=utf-8", f"site.css Content-Type {h.get('content-type')!r}")
    etag, modified = h.get("etag", ""), h.get("last-modified", "")
    check(etag.startswith('"') and modified.endswith("GMT"), f"validators {etag!r} {modified!r}")
    st, _, body = curl(port, "/assets/site.css", "-H", f"If-None-Match: {etag}")
    check(st == 304 and body == b"", f"If-None-Match: {st}")
    st, _, _ = curl(port, "/assets/site.css", "-H", f"If-Modified-Since: {modified}")
    check(st == 304, f"If-Modified-Since: {st}")
    st, h, body = curl(port, "/assets/site.css", "-r", "10-19")
    check(st == 206 and body == CSS.encode()[10:20], f"-r 10-19: {st} {body!r}")
    check(h.get("content-range") == f"bytes 10-19/{len(CSS)}", f"Content-Range {h.get('content-range')!r}")
    st, h, body = curl(port, "/assets/site.css", "-r", f"{len(CSS) + 10}-")
    check(st == 416 and b'"range not satisfiable"' in body and b"request_id" in body, f"unsatisfiable: {st} {body!r}")
    st, h, body = curl(port, "/assets/site.css", "-I")
    check(st == 200 and body == b"" and h.get("content-length") == str(len(CSS)), f"-I: {st} {h}")
    st, _, body = curl(port, "/assets/img/")
    check(st == 404 and b"dot.png" not in body, f"a directory without index.html is not listed: {st} {body!r}")
    st, h, _ = curl(port, "/assets/img?x=1")
    check(st == 301 and h.get("location") == "/assets/img/?x=1", f"a directory without its slash: {st} {h}")
    st, h, _ = curl(port, "/assets/img/dot.png")
    check(st == 200 and h.get("content-type") == "image/png", f"dot.png: {st} {h.get('content-type')!r}")


def check_spa_and_routes(port):
    for path in ("/", "/settings/profile", "/app/deep/link?tab=2"):
        st, h, body = get(port, path)
        check(st == 200 and body == SHELL.encode(), f"GET {path}: {st} {body[:40]!r}")
        check(h.get("content-type") == "text/html; charset=utf-8", f"GET {path}: Content-Type {h.get('content-type')!r}")
    st, h, body = get(port, "/api/small")
    check(st == 200 and body == b'{"ok":true}', f"GET /api/small (a route before the fallback): {st} {body!r}")
    st, h, body = get(port, "/api/echo", method="GET")
    check(st == 200 and body == SHELL.encode(), f"GET /api/echo (POST-only route, GET falls to the shell): {st}")
    st, _, body = get(port, "/assets/missing.js")
    check(st == 404 and b'"not found"' in body, f"a missing asset is 404 (its prefix has no fallback): {st} {body!r}")
    st, _, body = get(port, "/assets/site.css", method="DELETE")
    check(st == 405, f"DELETE on a static file: {st} {body!r}")


def check_traversal(port):
    for path in ("/assets/../../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt",
                 "/assets/%2E%2E%2F%2E%2E%2Fsecret.txt", "/assets/..%5c..%5csecret.txt", "/assets/site.css%00.png",
                 "/../../../../etc/passwd", "/assets/..\\..\\secret.txt"):
        st, _, body = curl(port, path, "--path-as-is")
        check(st == 400 and b"invalid path" in body and b"top secret" not in body, f"--path-as-is {path}: {st} {body[:60]!r}")
    st, _, body = curl(port, "/assets/leak.txt")
    check(st == 404 and b"top secret" not in body, f"a symlink out of the directory: {st} {body!r}")


def check_compression(port):
    st, h, body = curl(port, "/assets/app.js", "--compressed")
    check(st == 200 and body == JS.encode(), f"--compressed app.js: {st}, {len(body)} bytes")
    check(h.get("content-encoding") == "br" and h.get("vary") == "Accept-Encoding", f"app.js.br sibling: {h}")
    st, h, body = get(port, "/assets/app.js", {"Accept-Encoding": "gzip"})
    check(h.get("content-encoding") == "gzip" and gzip.decompress(body) == JS.encode(), f"app.js.gz sibling: {h}")
    st, h, body = get(port, "/assets/site.css", {"Accept-Encoding": "br;q=1, gzip;q=0.5"})
    check(h.get("content-encoding") == "br" and unbrotli(body) == CSS.encode(), f"site.css on the fly (br): {h}")
    check(h.get("etag", "").startswith('W/"'), f"a compressed file's ETag is weak: {h.get('etag')!r}")
    check(h.get("content-length") == str(len(body)), f"Content-Length {h.get('content-length')} for {len(body)} bytes")
    st, h, body = get(port, "/api/items", {"Accept-Encoding": "gzip"})
    items = gzip.decompress(body)
    check(h.get("content-encoding") == "gzip" and items.startswith(b'[{"id":0'), f"/api/items gzip: {h}")
    st, h, body = get(port, "/api/items", {"Accept-Encoding": "gzip;q=0.2, br;q=0.8"})
    check(h.get("content-encoding") == "br" and unbrotli(body) == items, f"/api/items br: {h}")
    st, h, body = get(port, "/api/items", {"Accept-Encoding": "identity"})
    check("content-encoding" not in h and body == items and h.get("vary") == "Accept-Encoding", f"identity: {h}")
    st, h, body = get(port, "/api/items", {"Accept-Encoding": "*;q=0"})
    check("content-encoding" not in h and body == items, f"*;q=0: {h}")
    st, h, _ = get(port, "/api/small", {"Accept-Encoding": "gzip"})
    check("content-encoding" not in h, f"below min_size: {h}")
    st, h, _ = get(port, "/assets/img/dot.png", {"Accept-Encoding": "gzip, br"})
    check("content-encoding" not in h, f"an image is never compressed: {h}")
    st, h, body = get(port, "/api/items", {"Accept-Encoding": "gzip"}, method="HEAD")
    check(st == 200 and body == b"" and "content-encoding" not in h, f"HEAD: {st} {h}")


def check_missing_directory(exe, a):
    empty = os.path.join(a.out, "empty")
    os.makedirs(empty, exist_ok=True)
    p = subprocess.run([exe, "--host", "127.0.0.1", "--port", str(free_port())], cwd=empty, capture_output=True,
                       text=True, timeout=20)
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    check(p.returncode == 1, f"start without the directory: exit {p.returncode}")
    check(len(lines) == 1 and 'static "/assets": directory' in lines[0] and "does not exist" in lines[0],
          f"one clear line expected: {p.stderr!r}")


def run(a):
    os.makedirs(a.out, exist_ok=True)
    p = build(a, program("static_site.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    site = os.path.join(a.out, "site")
    layout(site, os.path.join(a.out, "outside"))
    port = free_port()
    proc = start_server(exe, port, cwd=site, name="static_site")
    try:
        check_files(port)
        check_spa_and_routes(port)
        check_traversal(port)
        check_compression(port)
    finally:
        out = stop_server(proc)
    check(proc.returncode == 0, f"exit status after SIGTERM: {proc.returncode}\n{out[-2000:]}")
    check_missing_directory(exe, a)
