"""e2e case `session_postgres`: the `session { store: "db" }` store on PostgreSQL (a cluster started
here, programs/session_cookies.lux with `db { adapter: "postgres" }`): two replicas share the
sessions (login on one, the session read and counted on the other), the session survives a
restart of both, and after logout the old cookie opens nothing on either replica.
"""
import json
import os

from e2e import build_text, check, free_port, program_text, replace_all, start_postgres, start_server, stop_server
from e2e_session_cookies import OLD, SECRET, Client, raw


def run(a):
    os.makedirs(a.out, exist_ok=True)
    pg, pgport = start_postgres(os.path.join(a.out, "pg"))
    if pg is None:
        return
    try:
        text = replace_all(program_text("session_cookies.lux"), '    same_site: "strict"\n',
                           '    same_site: "strict"\n    store: "db"\n', count=1)
        text = replace_all(text, "  session {\n",
                           '  env DATABASE_URL: String = "postgres://lux@127.0.0.1:5432/notes"\n'
                           '  db { adapter: "postgres", url: DATABASE_URL, pool: 4 }\n  session {\n', count=1)
        out = os.path.join(a.out, "build")
        exe = build_text(a.luxc, out, "session_pg.lux", text)
        if not exe:
            return
        env = dict(os.environ, SESSION_SECRET=SECRET, SESSION_OLD_SECRET=OLD,
                   DATABASE_URL=f"postgres://lux@127.0.0.1:{pgport}/notes")
        ports = [free_port(), free_port()]
        procs = [start_server(exe, p, env=env, cwd=out) for p in ports]
        c0 = Client(ports[0])
        st, _, body = c0.call("POST", "/login", {"user": "grace"})
        sid = c0.sid() or ""
        check(st == 200 and len(sid.split(".")[0]) == 32 and "grace" not in sid, f"postgres store login: {st} {sid}")
        st, _, body = raw(ports[1], "/me", f"__sid={sid}")
        check(st == 200 and json.loads(body) == {"user": "grace", "visits": 0}, f"the other replica reads it: {body}")
        st, _, body = c0.call("POST", "/count")
        st, _, body = c0.call("POST", "/count")
        for p in procs:
            stop_server(p)
        procs = [start_server(exe, p, env=env, cwd=out) for p in ports]
        st, _, body = raw(ports[1], "/me", f"__sid={sid}")
        check(st == 200 and json.loads(body) == {"user": "grace", "visits": 2}, f"after a restart of both: {body}")
        st, h, body = c0.call("POST", "/logout")
        check("Max-Age=0" in (h.get("Set-Cookie") or ""), f"postgres store logout: {h.get('Set-Cookie')}")
        for port in ports:
            st, _, body = raw(port, "/me", f"__sid={sid}")
            check(json.loads(body) == {"user": None, "visits": None}, f"a destroyed session's old cookie on {port}: {body}")
        for p in procs:
            out_text = stop_server(p)
            check(p.returncode == 0, f"exit {p.returncode}:\n{out_text[-2000:]}")
    finally:
        pg.terminate()
        pg.wait(timeout=30)
