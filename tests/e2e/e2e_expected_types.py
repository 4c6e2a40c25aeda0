"""Values typed by the place that expects them, end to end: programs/expected_types.lux builds
(an enum default on a model field and on a record field, a string literal converted to an enum,
an object literal returned as a record) and answers with the defaults filled in; `M.delete(id)`
is a Bool, so a second DELETE of one id answers 404."""
import os

from e2e import build, check, expect_json, free_port, program, request, start_server, stop_server


def run(a):
    os.makedirs(a.out, exist_ok=True)
    p = build(a, program("expected_types.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    db = os.path.join(a.out, "links.db")
    for f in (db, db + "-wal", db + "-shm"):
        if os.path.exists(f):
            os.remove(f)  # ids start at 1
    port = free_port()
    proc = start_server(exe, port, cwd=a.out, name="expected_types")
    try:
        expect_json(port, "POST", "/links", 201, {"id": 1, "code": "a", "status": "Active"}, {"code": "a"})
        expect_json(port, "POST", "/links/off", 201, {"id": 2, "code": "b", "status": "Disabled"}, {"code": "b"})
        # `{ total: ... }` returned as a `Summary`: the other fields take their declared defaults.
        expect_json(port, "GET", "/summary", 200, {"total": 2, "status": "Disabled", "label": "links", "top": []})
        st, _, text = request(port, "DELETE", "/links/1")
        check(st == 204, f"DELETE /links/1: status {st}, expected 204 ({text})")
        expect_json(port, "DELETE", "/links/1", 404, {"error": "no link 1"})
        expect_json(port, "GET", "/links/1", 404, {"error": "no link 1"})
        expect_json(port, "GET", "/links/2", 200, {"id": 2, "code": "b", "status": "Disabled"})
        expect_json(port, "GET", "/summary", 200, {"total": 1, "status": "Disabled", "label": "links", "top": []})
    finally:
        out = stop_server(proc)
    check(proc.returncode == 0, f"exit status after SIGTERM: {proc.returncode}\n{out}")
