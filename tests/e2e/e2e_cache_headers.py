"""cache_control and etag end to end: tests/golden/emit/cache_headers.lux (the documented
statement form on an immutable binding, pipes, a literal call, a field, a parameter, a closure)
builds and every route answers with its Cache-Control and ETag headers."""
import os

from e2e import build, check, free_port, request, start_server, stop_server


def run(a):
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.root, "tests", "golden", "emit", "cache_headers.lux")
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    port = free_port()
    proc = start_server(exe, port, name="cache_headers")
    try:
        # path → (status, Cache-Control or None, ETag or None, body)
        want = {
            "/cached": (200, "private, max-age=3600", '"v1"', '{"text":"cache me"}'),
            "/piped": (200, "max-age=60", '"p1"', "piped"),
            "/direct": (200, "no-cache, max-age=5", None, "direct"),
            "/field": (200, None, '"f1"', "held"),
            "/decorated": (201, None, '"d1"', "made"),
            "/closure": (200, "max-age=30", None, "closure"),
        }
        for path, (status, cc, tag, body) in want.items():
            st, headers, text = request(port, "GET", path)
            check(st == status, f"GET {path}: status {st}, expected {status} ({text})")
            check(headers.get("Cache-Control") == cc, f"GET {path}: Cache-Control {headers.get('Cache-Control')!r}, expected {cc!r}")
            check(headers.get("ETag") == tag, f"GET {path}: ETag {headers.get('ETag')!r}, expected {tag!r}")
            check(text == body, f"GET {path}: body {text!r}, expected {body!r}")
    finally:
        stop_server(proc)
    check(proc.returncode == 0, f"exit status after SIGTERM: {proc.returncode}")
