"""e2e case `session_cookies` (programs/session_cookies.lux): sessions in the cookie store driven
by Python's http.cookiejar across requests: login, a counter, the session surviving a restart of
the server, secret rotation (a cookie sealed with the old secret still opens; one sealed with an
unknown secret is an empty session), a tampered cookie giving an empty session (200, never an
error page), no Set-Cookie while the session is unchanged, logout deleting the cookie; then
`req.cookies` (RFC 6265 parsing), `set_cookie` and `clear_cookie` through respond's headers and
with_headers; and that a server without `tls` never maps libssl. Then the same program with
`store: "db"` on SQLite: the cookie holds only a signed id, the session survives a restart (the
row in lux_sessions), and after logout the old cookie opens nothing; and with `store: "redis"`
three replicas on one redis-server share the sessions (login on one, counted on the others,
logout on the third ends it everywhere).
"""
import http.client
import http.cookiejar
import json
import os
import urllib.request

from e2e import build, build_text, check, free_port, program, program_text, replace_all, start_server, stop_server

SECRET = "e2e-session-secret-0123456789abcdef0123456789"
OLD = "e2e-session-old-secret-0123456789abcdef012345"


class Client:
    def __init__(self, port):
        self.port = port
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with self.opener.open(req, timeout=10) as r:
                return r.status, r.headers, json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def sid(self):
        return next((c.value for c in self.jar if c.name == "__sid"), None)


def raw(port, path, cookie=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Cookie": cookie} if cookie is not None else {}
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read().decode()
    out = (r.status, r.headers.get_all("Set-Cookie") or [], body)
    conn.close()
    return out


def maps(pid):
    with open(f"/proc/{pid}/maps") as f:
        return f.read()


def run(a):
    os.makedirs(a.out, exist_ok=True)
    p = build(a, program("session_cookies.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode != 0:
        return
    exe = p.stdout.split()[0]
    port = free_port()
    env = dict(os.environ, SESSION_SECRET=SECRET, SESSION_OLD_SECRET=OLD)
    proc = start_server(exe, port, env=env)
    c = Client(port)

    st, h, body = c.call("GET", "/me")
    check(st == 200 and body == {"user": None, "visits": None}, f"fresh session: {st} {body}")
    check(h.get("Set-Cookie") is None, f"an unchanged empty session sets a cookie: {h.get('Set-Cookie')}")
    st, h, body = c.call("POST", "/login", {"user": "ada"})
    set_cookie = h.get("Set-Cookie") or ""
    check(st == 200 and set_cookie.startswith("__sid=1."), f"login: {st} {set_cookie}")
    for attr in ("Path=/", "Max-Age=3600", "HttpOnly", "SameSite=Strict"):
        check(attr in set_cookie, f"session cookie lacks {attr}: {set_cookie}")
    check("ada" not in set_cookie, "the cookie store is not encrypted: the value shows in the cookie")
    for want in (1, 2, 3):
        st, _, body = c.call("POST", "/count")
        check(st == 200 and body == {"visits": want}, f"count {want}: {st} {body}")
    for _ in range(2):  # the cart id a helper put in the session stays
        st, _, body = c.call("POST", "/cart")
        check(st == 200 and body == {"cart": "cart-3", "session": "cart-3", "note": "from a helper"},
              f"/cart: a function given the request changes its session: {st} {body}")
    st, h, body = c.call("GET", "/me")
    check(body == {"user": "ada", "visits": 3}, f"/me after three counts: {body}")
    check(h.get("Set-Cookie") is None, f"reading the session set a cookie: {h.get('Set-Cookie')}")
    check("libssl" not in maps(proc.pid), "a server without `tls` mapped libssl")
    sealed = c.sid()

    # A restart: the cookie store needs nothing on the server to keep the session.
    out = stop_server(proc)
    check(proc.returncode == 0, f"exit {proc.returncode}:\n{out}")
    proc = start_server(exe, port, env=env)
    st, _, body = c.call("GET", "/me")
    check(body == {"user": "ada", "visits": 3}, f"/me after a restart: {body}")

    # Tampered: one character of the sealed value changed -> an empty session, not an error.
    i = len(sealed) // 2
    tampered = sealed[:i] + ("A" if sealed[i] != "A" else "B") + sealed[i + 1:]
    for bad in (tampered, sealed[:-3], "garbage", "1..", sealed + "x"):
        st, cookies, text = raw(port, "/me", f"__sid={bad}")
        check(st == 200 and json.loads(text) == {"user": None, "visits": None}, f"cookie {bad[:20]}...: {st} {text}")
    stop_server(proc)

    # Rotation: the new secret signs, the old one still opens what it sealed.
    env2 = dict(os.environ, SESSION_SECRET="e2e-rotated-secret-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", SESSION_OLD_SECRET=SECRET)
    proc = start_server(exe, port, env=env2)
    st, _, text = raw(port, "/me", f"__sid={sealed}")
    check(json.loads(text) == {"user": "ada", "visits": 3}, f"old-secret cookie after rotation: {text}")
    st, _, body = c.call("POST", "/count")
    check(body == {"visits": 4} and c.sid() != sealed, f"count after rotation: {body}")
    stop_server(proc)
    env3 = dict(os.environ, SESSION_SECRET="e2e-other-secret-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                SESSION_OLD_SECRET="e2e-other-old-secret-ccccccccccccccccccccccccccc")
    proc = start_server(exe, port, env=env3)
    st, _, text = raw(port, "/me", f"__sid={sealed}")
    check(st == 200 and json.loads(text) == {"user": None, "visits": None}, f"unknown secret: {st} {text}")
    stop_server(proc)

    proc = start_server(exe, port, env=env2)
    st, h, body = c.call("POST", "/logout")
    gone = h.get("Set-Cookie") or ""
    check(st == 200 and gone.startswith("__sid=;") and "Max-Age=0" in gone, f"logout: {st} {gone}")
    check(c.sid() is None, "the cookie jar kept the session cookie after logout")
    st, _, body = c.call("GET", "/me")
    check(body == {"user": None, "visits": None}, f"/me after logout: {body}")

    c.call("POST", "/login", {"user": "bob"})
    check(c.sid() is not None, "no session cookie after the second login")
    st, h, body = c.call("POST", "/clear")
    check("Max-Age=0" in (h.get("Set-Cookie") or "") and c.sid() is None, f"req.session.clear(): {h.get('Set-Cookie')}")

    # req.cookies: RFC 6265 pairs, the first of a repeated name, quotes and escapes removed.
    st, _, text = raw(port, "/cookies", 'a=1; b="x y"; a=2; bad name=3; c=%7Bq%7D; novalue')
    check(st == 200 and json.loads(text) == {"a": "1", "b": "x y", "c": "{q}"}, f"/cookies: {st} {text}")
    st, cookies, text = raw(port, "/theme")
    check(cookies == ["theme=dark%20mode%3B%20blue; Path=/; Max-Age=60; SameSite=Lax"], f"/theme: {cookies}")
    st, cookies, text = raw(port, "/forget")
    check(cookies == ["theme=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"],
          f"/forget: {cookies}")
    st, _, text = raw(port, "/cookies", "theme=dark%20mode%3B%20blue")
    check(json.loads(text) == {"theme": "dark mode; blue"}, f"set_cookie's value read back: {text}")
    out = stop_server(proc)
    check(proc.returncode == 0, f"exit {proc.returncode}:\n{out}")

    db_store(a)
    redis_replicas(a)


def db_store(a):
    text = replace_all(program_text("session_cookies.lux"), '    same_site: "strict"\n',
                       '    same_site: "strict"\n    store: "db"\n', count=1)
    text = replace_all(text, "  session {\n", '  db { path: "./sessions.db" }\n  session {\n', count=1)
    out = os.path.join(a.out, "db_store")
    exe = build_text(a.luxc, out, "session_db.lux", text)
    if not exe:
        return
    port = free_port()
    env = dict(os.environ, SESSION_SECRET=SECRET, SESSION_OLD_SECRET=OLD)
    proc = start_server(exe, port, env=env, cwd=out)
    c = Client(port)
    st, h, body = c.call("POST", "/login", {"user": "grace"})
    sid = c.sid() or ""
    check(st == 200 and len(sid.split(".")[0]) == 32 and "grace" not in sid, f"db store login: {st} {sid}")
    c.call("POST", "/count")
    stop_server(proc)
    proc = start_server(exe, port, env=env, cwd=out)
    st, _, body = c.call("GET", "/me")
    check(body == {"user": "grace", "visits": 1}, f"db store after a restart: {body}")
    st, h, body = c.call("POST", "/logout")
    check("Max-Age=0" in (h.get("Set-Cookie") or ""), f"db store logout: {h.get('Set-Cookie')}")
    st, _, text = raw(port, "/me", f"__sid={sid}")
    check(json.loads(text) == {"user": None, "visits": None}, f"a destroyed db session's old cookie: {text}")
    out_text = stop_server(proc)
    check(proc.returncode == 0, f"exit {proc.returncode}:\n{out_text}")


def redis_replicas(a):
    from e2e_redis import start_redis
    rproc, rport = start_redis(os.path.join(a.out, "redis"))
    if rproc is None:
        return
    text = replace_all(program_text("session_cookies.lux"), '    same_site: "strict"\n',
                       '    same_site: "strict"\n    store: "redis"\n    url: REDIS_URL\n', count=1)
    text = replace_all(text, "  session {\n", '  env REDIS_URL: String = "redis://127.0.0.1:6379"\n  session {\n', count=1)
    out = os.path.join(a.out, "redis_store")
    exe = build_text(a.luxc, out, "session_redis.lux", text)
    procs = []
    try:
        if not exe:
            return
        env = dict(os.environ, SESSION_SECRET=SECRET, SESSION_OLD_SECRET=OLD, REDIS_URL=f"redis://127.0.0.1:{rport}")
        ports = [free_port() for _ in range(3)]
        procs = [start_server(exe, p, env=env, cwd=out) for p in ports]
        c = Client(ports[0])
        st, _, body = c.call("POST", "/login", {"user": "lin"})
        check(st == 200 and len((c.sid() or "").split(".")[0]) == 32, f"redis store login: {st} {c.sid()}")
        for i, port in enumerate(ports):
            c.port = port
            st, _, body = c.call("POST", "/count")
            check(body == {"visits": i + 1}, f"replica {i} count: {body}")
        sid = c.sid()
        st, h, _ = c.call("POST", "/logout")  # on the third replica
        for i, port in enumerate(ports):
            st, _, text = raw(port, "/me", f"__sid={sid}")
            check(json.loads(text) == {"user": None, "visits": None}, f"replica {i} after logout: {text}")
    finally:
        for p in procs:
            if p:
                out_text = stop_server(p)
                check(p.returncode == 0, f"exit {p.returncode}:\n{out_text}")
        rproc.terminate()
        rproc.wait(timeout=10)
