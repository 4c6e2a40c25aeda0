"""e2e case `family_docs_a`: the family's routes, middleware and auth pages written as programs
(programs/family_docs_a_*.lux), over HTTP with curl.

family_docs_a_auth: registration stores an scrypt hash (hash_password), login checks it
(verify_password) and answers a token from sign_jwt that `with auth` accepts; a role guard that is
the program's own `fn role(r)` returning `fn(req, next)` answers its own 403; sign_jwt without
`expires_in` gives a token that expires in a day, with a custom secret one that the server refuses.

family_docs_a_middleware: global `(req, next)` middleware setting `req.id`, `req.received_at`
(read by the handler) and headers on every answer (401s included); `fn auth(req, next)` with
verify_jwt and `fn role(r)` after `with`; a `fn(req, next)` guard answering 400; `rate_limit(5)`
after the program's guards; on_error answering the family's `{ status, body }` as text.

family_docs_a_authflow: the auth-flow example's `middleware auth(req, res)` (no `fn`) answering
401 with `res.status(401)` and a returned body, and setting `req.user` from verify_jwt otherwise;
register/login with hash_password, verify_password and sign_jwt.
"""
import base64
import json
import os
import time

from e2e import build, check, curl_response, free_port, make_jwt, program, start_server, stop_server

SECRET = b"family-docs-a-secret-0123456789abcdef"


def call(port, method, path, *args, body=None, token=None):
    extra = ["-X", method, *args]
    if token:
        extra += ["-H", f"Authorization: Bearer {token}"]
    if body is not None:
        extra += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
    st, headers, raw = curl_response(f"http://127.0.0.1:{port}{path}", *extra)
    text = raw.decode(errors="replace")
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    return st, headers, text, doc


def claims_of(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def start(a, filename):
    name = filename[: -len(".lux")]
    p = build(a, program(filename))
    check(p.returncode == 0, f"luxc build {filename} failed:\n{p.stderr}")
    if p.returncode != 0:
        return None, None
    for db in ("family_docs_a.db", "family_docs_a_authflow.db"):  # an earlier run's users
        for leftover in (db, db + "-wal", db + "-shm"):
            if os.path.exists(os.path.join(a.out, leftover)):
                os.remove(os.path.join(a.out, leftover))
    port = free_port()
    return start_server(os.path.join(a.out, name), port, cwd=a.out, name=name), port


def check_login(port):
    user = {"name": "Ann", "email": "ann@example.com", "password": "correct horse"}
    st, _, text, doc = call(port, "POST", "/register", body=user)
    check(st == 201 and doc == {"id": 1, "name": "Ann", "email": "ann@example.com"}, f"POST /register: {st} {text}")
    st, _, text, doc = call(port, "POST", "/login", body={"email": "ann@example.com", "password": "wrong"})
    check(st == 401 and doc == {"error": "Invalid credentials"}, f"a wrong password: {st} {text}")
    st, _, text, doc = call(port, "POST", "/login", body={"email": "nobody@example.com", "password": "x"})
    check(st == 401 and doc == {"error": "Invalid credentials"}, f"an unknown email: {st} {text}")
    st, _, text, doc = call(port, "POST", "/login", body={"email": "ann@example.com", "password": "correct horse"})
    check(st == 200 and isinstance(doc, dict) and "token" in doc, f"the right password: {st} {text}")
    if st != 200 or not isinstance(doc, dict):
        return None
    token = doc["token"]
    claims = claims_of(token)
    check(claims.get("user_id") == 1 and claims.get("role") == "member", f"the token's claims: {claims}")
    check(claims.get("exp", 0) - claims.get("iat", 0) == 86400, f"expires_in: 86400: {claims}")
    check_lifetimes(port)
    st, _, text, doc = call(port, "GET", "/profile", token=token)
    check(st == 200 and isinstance(doc, dict) and doc.get("email") == "ann@example.com", f"GET /profile with the token: {st} {text}")
    check(isinstance(doc, dict) and str(doc.get("password_hash", "")).startswith("$scrypt$ln=14,r=8,p=1$"),
          f"the stored hash is scrypt's: {text}")
    st, headers, text, _ = call(port, "GET", "/profile")
    check(st == 401 and "www-authenticate" in headers, f"GET /profile without a token: {st} {text}")
    return token


def check_lifetimes(port):
    """sign_jwt's lifetime as jsonwebtoken writes it ("1h", expiresIn), a Duration, a span computed at run time."""
    want = {"express": 3600, "seconds": 120, "duration": 1800, "computed": 7 * 86400}
    for query, computed in (("", 7 * 86400), ("?span=120", 120), ("?span=2%20days", 2 * 86400)):
        st, _, text, doc = call(port, "GET", "/token/lifetimes" + query)
        check(st == 200 and isinstance(doc, dict), f"GET /token/lifetimes{query}: {st} {text}")
        if not isinstance(doc, dict):
            return
        got = {k: claims_of(t)["exp"] - claims_of(t)["iat"] for k, t in doc.items()}
        check(got == {**want, "computed": computed}, f"the tokens' lifetimes{query}: {got}")
        check(claims_of(doc["express"]).get("iss") == "docs", f"issuer: \"docs\" is the claim iss: {claims_of(doc['express'])}")
    st, _, text, _ = call(port, "GET", "/token/lifetimes?span=soon")
    check(st == 500, f"a computed span that is none fails the request: {st} {text}")


def check_negotiate(port):
    for accept, status, kind, body in (
        ("text/html", 200, "text/html", "<h1>Ann</h1>"),
        ("application/xml", 200, "text/plain", "<user><name>Ann</name></user>"),
        ("text/html;q=0.5, application/xml", 200, "text/plain", "<user><name>Ann</name></user>"),
        ("application/json", 200, "application/json", None),
        ("*/*", 200, "application/json", None),
        ("image/png", 200, "application/json", None),
    ):
        st, headers, text, doc = call(port, "GET", "/users/1", "-H", f"Accept: {accept}")
        check(st == status and headers.get("content-type", "").startswith(kind) and headers.get("vary") == "Accept",
              f"negotiate with Accept: {accept}: {st} {headers} {text}")
        if body is not None:
            check(text == body, f"negotiate with Accept: {accept}: {text!r}")
        else:
            check(isinstance(doc, dict) and doc.get("name") == "Ann", f"negotiate's JSON with Accept: {accept}: {text}")


def check_roles(port, member_token):
    st, _, text, doc = call(port, "GET", "/admin/dashboard", token=member_token)
    check(st == 403 and doc == {"error": "Forbidden"}, f"the program's role guard refuses a member: {st} {text}")
    st, _, text, doc = call(port, "POST", "/token")
    check(st == 200 and isinstance(doc, dict), f"POST /token: {st} {text}")
    admin = doc["token"] if isinstance(doc, dict) else ""
    claims = claims_of(admin) if admin else {}
    check(claims.get("exp", 0) - claims.get("iat", 0) == 86400 and abs(claims.get("iat", 0) - time.time()) < 60,
          f"sign_jwt without expires_in: a day: {claims}")
    st, _, text, doc = call(port, "GET", "/admin/dashboard", token=admin)
    check(st == 200 and doc == {"dashboard": True}, f"the admin passes role(\"admin\"): {st} {text}")
    st, _, text, doc = call(port, "GET", "/reports", token=admin)
    check(st == 403 and doc == {"error": "Forbidden"}, f"role(\"manager\") refuses the admin: {st} {text}")
    outsider = make_jwt({"user_id": 1, "role": "admin", "exp": int(time.time()) + 600}, secret=b"another-secret")
    st, _, text, _ = call(port, "GET", "/admin/dashboard", token=outsider)
    check(st == 401, f"a token signed with another secret: {st} {text}")
    st, _, text, doc = call(port, "POST", "/token/custom")
    custom = doc["token"] if isinstance(doc, dict) else ""
    claims = claims_of(custom) if custom else {}
    check(claims.get("exp", 0) - claims.get("iat", 0) == 3600, f"expires_in: 3600: {claims}")
    st, _, text, _ = call(port, "GET", "/profile", token=custom)
    check(st == 401, f"a token of sign_jwt's custom secret is not the server's: {st} {text}")
    st, _, text, doc = call(port, "GET", "/hash")
    check(st == 200 and isinstance(doc, dict) and doc.get("is_valid") is True and doc.get("wrong") is False,
          f"hash_password / verify_password: {st} {text}")


def check_auth_page(a):
    proc, port = start(a, "family_docs_a_auth.lux")
    if not proc:
        return
    try:
        token = check_login(port)
        check_negotiate(port)
        if token:
            check_roles(port, token)
    finally:
        stop_server(proc)


def check_guards(port):
    admin = make_jwt({"user_id": 7, "role": "admin", "exp": int(time.time()) + 600}, secret=SECRET)
    member = make_jwt({"user_id": 8, "role": "member", "exp": int(time.time()) + 600}, secret=SECRET)
    st, headers, text, doc = call(port, "DELETE", "/users/3")
    check(st == 401 and doc == {"error": "Unauthorized"}, f"the program's auth without a token: {st} {text}")
    check(headers.get("access-control-allow-origin") == "*", f"the global middleware's headers on a guard's 401: {headers}")
    st, _, text, _ = call(port, "DELETE", "/users/3", token="not.a.token")
    check(st == 401 and "invalid token" in text, f"verify_jwt refuses a malformed token: {st} {text}")
    expired = make_jwt({"user_id": 7, "role": "admin", "exp": int(time.time()) - 3600}, secret=SECRET)
    st, _, text, _ = call(port, "DELETE", "/users/3", token=expired)
    check(st == 401 and "expired" in text, f"verify_jwt refuses an expired token: {st} {text}")
    st, _, text, doc = call(port, "DELETE", "/users/3", token=member)
    check(st == 403 and doc == {"error": "Forbidden"}, f"req.user set by the program's auth reaches role(): {st} {text}")
    st, _, text, doc = call(port, "DELETE", "/users/3", token=admin)
    check(st == 200 and doc == {"deleted": 3}, f"both guards pass: {st} {text}")
    st, _, text, doc = call(port, "POST", "/upload", token=admin)
    check(st == 400 and doc == {"error": "a JSON body is required"}, f"validate_body answers: {st} {text}")
    st, _, text, doc = call(port, "POST", "/upload", token=admin, body={"name": "logo.png"})
    check(st == 201 and doc == {"name": "logo.png", "by": 7}, f"the handler reads req.user set by a guard: {st} {text}")
    statuses = [call(port, "POST", "/upload", token=admin, body={"name": "x"})[0] for _ in range(5)]
    # The 400 above was answered before rate_limit(5) ran: five requests passed it, the sixth is refused.
    check(statuses == [201] * 4 + [429], f"rate_limit(5) after the program's guards: {statuses}")


def check_middleware_page(a):
    proc, port = start(a, "family_docs_a_middleware.lux")
    if not proc:
        return
    log = ""
    try:
        st, headers, text, doc = call(port, "GET", "/stamp")
        check(st == 200 and isinstance(doc, dict), f"GET /stamp: {st} {text}")
        if isinstance(doc, dict):
            check(isinstance(doc.get("received_at"), int) and abs(doc["received_at"] / 1000 - time.time()) < 60,
                  f"req.received_at set by a middleware: {doc}")
            check(len(str(doc.get("id"))) == 36, f"req.id set by a middleware (generate_id): {doc}")
        check(headers.get("access-control-allow-methods") == "GET, POST, PUT, DELETE", f"with_headers after next: {headers}")
        check_guards(port)
        st, headers, text, _ = call(port, "GET", "/boom")
        check(st == 500 and text == "Internal Server Error" and headers.get("content-type", "").startswith("text/plain"),
              f"on_error's {{ status, body }}: {st} {headers} {text!r}")
    finally:
        log = stop_server(proc)
    check("Error: kaboom" in log, f"on_error printed the error: {log[-2000:]}")
    check("GET /stamp - " in log, f"the logger middleware's line: {log[-2000:]}")


def check_authflow_page(a):
    proc, port = start(a, "family_docs_a_authflow.lux")
    if not proc:
        return
    try:
        st, _, text, doc = call(port, "POST", "/api/register", body={"email": "bo@example.org", "password": "short", "name": "Bo"})
        check(st == 400 and doc == {"error": "Password must be at least 8 characters"}, f"a short password: {st} {text}")
        st, _, text, doc = call(port, "POST", "/api/register", body={"email": "bo@example.org", "password": "long enough", "name": "Bo"})
        check(st == 201 and isinstance(doc, dict) and doc.get("user") == {"id": 1, "email": "bo@example.org", "name": "Bo"},
              f"register: {st} {text}")
        st, _, text, doc = call(port, "POST", "/api/login", body={"email": "bo@example.org", "password": "nope"})
        check(st == 401 and doc == {"error": "Invalid email or password"}, f"login with a wrong password: {st} {text}")
        st, _, text, doc = call(port, "POST", "/api/login", body={"email": "bo@example.org", "password": "long enough"})
        token = doc.get("token", "") if isinstance(doc, dict) else ""
        check(st == 200 and token.count(".") == 2, f"login: {st} {text}")
        st, headers, text, doc = call(port, "GET", "/api/profile")
        check(st == 401 and doc == {"error": "Missing authorization header"} and headers.get("content-type", "").startswith("application/json"),
              f"`middleware auth(req, res)`: res.status(401) and the returned body: {st} {headers} {text}")
        st, _, text, doc = call(port, "GET", "/api/profile", token=token)
        check(st == 200 and doc == {"id": 1, "email": "bo@example.org"}, f"req.user set by the middleware: {st} {text}")
        st, _, text, _ = call(port, "GET", "/api/profile", token=token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])
        check(st == 401, f"a token with another signature: {st} {text}")
    finally:
        stop_server(proc)


def run(a):
    check_auth_page(a)
    check_middleware_page(a)
    check_authflow_page(a)
