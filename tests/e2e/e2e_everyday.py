"""e2e case `everyday`: the family's everyday forms in a running server (programs/everyday.lux).

`guard` answers 422/400/404 JSON from its else block and lets the request through otherwise;
`nil` is JSON null and compares with Options; 50 concurrent requests each doing a read, a
wait and a write under `with_lock` (and the `withLock` spelling) give exactly 50; the
one-parameter middleware answers 403 when it returns a response and lets the request go on
otherwise, beside the `(req, res)` and `(req, next)` forms; `UserModel` is the model `User`;
a `"1s"` schedule ticks once a second. `db { url: DATABASE_URL }` with no adapter runs on
SQLite with a path and on PostgreSQL with a postgres:// URL (decided at start), and a literal
`postgres://` or `sqlite:` URL decides when the program is compiled.
"""
import json
import os
import re
import threading
import time
import urllib.error
import urllib.request

from e2e import (build_text, check, expect_json, free_port, program_text, read_until, replace_all, request,
                 start_postgres, start_server, stop_server)


def _get(port, path, headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def _concurrent(port, path, n):
    """n POSTs at once, each on its own connection; the statuses."""
    statuses = []
    lock = threading.Lock()

    def one():
        st, _, _ = request(port, "POST", path, {})
        with lock:
            statuses.append(st)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def _forms(port):
    expect_json(port, "GET", "/half/10", 200, {"half": 5})
    got, _ = expect_json(port, "GET", "/half/7", 422, lambda b: b.get("error") == "7 is odd")
    check(got is not None and "request_id" in got, f"guard's 422 lacks the error shape: {got}")
    expect_json(port, "GET", "/half/x", 400, lambda b: "error" in b)
    expect_json(port, "GET", "/greet?name=ada", 200, {"greeting": "hello ada", "none": None})
    expect_json(port, "GET", "/greet", 400, lambda b: b.get("error") == "name is required")
    expect_json(port, "GET", "/bio", 200, {"length": None})
    expect_json(port, "GET", "/bio?bio=abc", 200, {"length": 3})
    # middleware: (req) answers when it returns a response, else the request goes on.
    st, headers, text = _get(port, "/half/2", {"X-Block": "yes"})
    check(st == 403 and json.loads(text).get("error") == "blocked by gate", f"gate: {st} {text}")
    st, headers, text = _get(port, "/half/2")
    check(st == 200 and headers.get("X-Stamp") == "everyday", f"(req, res) middleware header missing: {st} {dict(headers)}")
    # UserModel is the model User; nil fields are null.
    u, _ = expect_json(port, "POST", "/users", 200, lambda b: b.get("name") == "ada" and b.get("email") is None,
                       {"name": "ada"})
    expect_json(port, "POST", "/users", 200, lambda b: b.get("email") == "bo@x", {"name": "bo", "email": "bo@x"})
    expect_json(port, "GET", "/users", 200, lambda b: [x["name"] for x in b] == ["ada", "bo"])
    if u:
        expect_json(port, "GET", f"/users/{u['id']}", 200, lambda b: b["has_email"] is False and b["user"]["email"] is None)
    expect_json(port, "GET", "/users/999", 404, lambda b: b.get("error") == "no user 999")


def _locks(port):
    statuses = _concurrent(port, "/inc", 50)
    check(statuses == [200] * 50, f"with_lock increments: statuses {sorted(set(statuses))}")
    statuses = _concurrent(port, "/inc_legacy", 30)
    check(statuses == [200] * 30, f"withLock increments: statuses {sorted(set(statuses))}")
    expect_json(port, "GET", "/counters", 200, {"counter": 50, "legacy": 30})


def _ticks(port, started):
    deadline = time.time() + 15
    ticks = 0
    while time.time() < deadline:
        _, _, text = _get(port, "/ticks")
        ticks = json.loads(text)["ticks"]
        if ticks >= 3:
            break
        time.sleep(0.1)
    took = time.time() - started
    check(ticks >= 3, f"the 1s schedule ticked {ticks} times in 15 s")
    check(took >= 2.5, f"the 1s schedule ticked 3 times in {took:.2f} s: faster than its interval")


def _serve(a, exe, name, env_extra, expect_log):
    env = dict(os.environ, LUX_JOBS_PATH=os.path.join(a.out, f"{name}-jobs.db"), LUX_LOG_LEVEL="info",
               LUX_ACCESS_LOG="0", **env_extra)
    port = free_port()
    started = time.time()
    proc = start_server(exe, port, env=env, cwd=a.out, name=name)
    if not proc:
        return None, None, None
    lines = []
    check(read_until(proc, expect_log, lines, 10), f"[{name}] no log line /{expect_log}/:\n{''.join(lines)[-2000:]}")
    return proc, port, started


def run(a):
    """guard, nil, with_lock, middleware forms, UserModel and a 1s schedule on SQLite (path from
    the env URL); then the same program on PostgreSQL from the env URL and from literal URLs."""
    text = program_text("everyday.lux")
    exe = build_text(a.luxc, a.out, "everyday.lux", text)
    if not exe:
        return
    for f in ("everyday.db", "everyday.db-wal", "everyday.db-shm"):
        if os.path.exists(os.path.join(a.out, f)):
            os.remove(os.path.join(a.out, f))
    proc, port, started = _serve(a, exe, "sqlite-env", {}, r"db open.*path=\S*everyday\.db")
    if proc:
        try:
            _forms(port)
            _locks(port)
            _ticks(port, started)
        finally:
            out = stop_server(proc)
            check(proc.returncode == 0, f"sqlite server exit {proc.returncode}:\n{out[-2000:]}")
        check(os.path.exists(os.path.join(a.out, "everyday.db")), "the SQLite file named by DATABASE_URL was not made")

    pg, pgport = start_postgres(os.path.join(a.out, "pg"))
    if not pg:
        return
    url = f"postgres://lux@127.0.0.1:{pgport}/notes"
    try:
        proc, port, _ = _serve(a, exe, "pg-env", {"DATABASE_URL": url}, r"db open.*adapter=postgres")
        if proc:
            try:
                _forms(port)
                _locks(port)
            finally:
                out = stop_server(proc)
                check(proc.returncode == 0, f"postgres server exit {proc.returncode}:\n{out[-2000:]}")
        # A literal postgres:// URL decides at compile time; the users made above are there.
        lit = replace_all(text, 'db { url: DATABASE_URL }', f'db {{ url: "{url}" }}', 1)
        exe2 = build_text(a.luxc, os.path.join(a.out, "literal"), "everyday_pg.lux", lit)
        if exe2:
            proc, port, _ = _serve(a, exe2, "pg-literal", {}, r"db open.*adapter=postgres")
            if proc:
                try:
                    expect_json(port, "GET", "/users", 200, lambda b: [x["name"] for x in b] == ["ada", "bo"])
                finally:
                    stop_server(proc)
        lite = replace_all(text, 'db { url: DATABASE_URL }', 'db { url: "sqlite:./literal.db" }', 1)
        exe3 = build_text(a.luxc, os.path.join(a.out, "literal_sqlite"), "everyday_sqlite.lux", lite)
        if exe3:
            proc, port, _ = _serve(a, exe3, "sqlite-literal", {}, r"db open.*path=\S*literal\.db")
            if proc:
                try:
                    expect_json(port, "GET", "/users", 200, [])
                finally:
                    stop_server(proc)
    finally:
        pg.terminate()
        pg.wait(timeout=30)
