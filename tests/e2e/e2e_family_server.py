"""e2e case `family_server`: server constructs written the way the language family's users
write them (programs/family_routes.lux), over HTTP: a plain enum as a path, query (one, a list)
and body parameter — a variant's name passes, anything else is 400 naming the allowed
variants; handler parameter defaults when the request has no value (query and body); a named
`*rest` wildcard bound to the handler's parameter; html()/text() answers with their media type,
status and headers; an uncommon status (418) with a well-formed status line; an Option env
setting whose default is `nil`, `req.headers.get(name)` (any case), `res.status(404).json(body)`
chained, and the OpenAPI document of these routes.
"""
import json
import os
import socket

from e2e import build, check, curl_response, free_port, program, start_server, stop_server


def get(port, path, *args):
    st, headers, body = curl_response(f"http://127.0.0.1:{port}{path}", *args)
    return st, headers, body.decode()


def post(port, path, doc):
    return get(port, path, "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", json.dumps(doc))


def as_json(st, body, want_status, what):
    check(st == want_status, f"{what}: status {st}, expected {want_status}: {body}")
    try:
        return json.loads(body)
    except ValueError:
        check(False, f"{what}: not JSON: {body!r}")
        return {}


def check_enums(port):
    st, _, body = get(port, "/users/Admin")
    doc = as_json(st, body, 200, "GET /users/Admin")
    check(doc == {"role": "Admin", "label": "admin"}, f"an enum path parameter: {doc}")
    st, _, body = get(port, "/users/admin")
    doc = as_json(st, body, 400, "GET /users/admin (not a variant: names are exact)")
    check("expected one of `Admin`, `Member`" in doc.get("error", ""), f"the 400 names the variants: {doc}")
    check(doc.get("details", {}).get("allowed") == ["Admin", "Member"], f"details.allowed: {doc}")
    st, _, body = get(port, "/items?sort=Desc&tags=Admin&tags=Member&limit=3")
    doc = as_json(st, body, 200, "GET /items with every parameter")
    check(doc == {"sort": "Desc", "tags": ["Admin", "Member"], "limit": 3}, f"enum query parameters: {doc}")
    st, _, body = get(port, "/items")
    doc = as_json(st, body, 200, "GET /items with none")
    check(doc == {"sort": "Asc", "tags": [], "limit": None}, f"the default variant, an empty list, nil: {doc}")
    st, _, body = get(port, "/items?tags=Admin&tags=Owner")
    doc = as_json(st, body, 400, "GET /items with a list element that is no variant")
    check("query parameter `tags`" in doc.get("error", "") and '"Owner"' in doc["error"], f"names the field and value: {doc}")
    st, _, body = post(port, "/invite", {"email": "a@example.com", "role": "Member"})
    doc = as_json(st, body, 201, "POST /invite")
    check(doc == {"email": "a@example.com", "role": "Member", "note": "none"}, f"an enum body field, a default: {doc}")
    st, _, body = post(port, "/invite", {"email": "a@example.com", "role": 5})
    as_json(st, body, 400, "POST /invite with a number for the enum")
    st, _, body = post(port, "/invite", {"email": "a@example.com", "role": "Boss", "note": "x"})
    doc = as_json(st, body, 400, "POST /invite with a string that is no variant")
    check("body field `role`" in doc.get("error", ""), f"names the body field: {doc}")


def check_defaults_and_wildcard(port):
    st, _, body = get(port, "/search")
    doc = as_json(st, body, 200, "GET /search without parameters")
    check(doc == {"page": 1, "per_page": 20, "q": None}, f"defaults of a named handler: {doc}")
    st, _, body = get(port, "/search?page=3&q=lux")
    doc = as_json(st, body, 200, "GET /search?page=3&q=lux")
    check(doc == {"page": 3, "per_page": 20, "q": "lux"}, f"given values win over defaults: {doc}")
    st, _, body = get(port, "/search?page=x")
    as_json(st, body, 400, "GET /search?page=x (a default does not hide a bad value)")
    st, _, body = get(port, "/files/a/b/c.txt")
    doc = as_json(st, body, 200, "GET /files/a/b/c.txt")
    check(doc == {"rest": "a/b/c.txt"}, f"the named wildcard: {doc}")


def check_text_answers(port):
    st, headers, body = get(port, "/page")
    check(st == 200 and headers.get("content-type") == "text/html; charset=utf-8" and body == "<h1>Hello</h1>",
          f"html(): {st} {headers.get('content-type')} {body!r}")
    st, headers, body = get(port, "/gone")
    check(st == 410 and headers.get("content-type") == "text/html; charset=utf-8" and headers.get("x-reason") == "moved",
          f"html(body, 410, headers): {st} {headers}")
    st, headers, body = get(port, "/plain/ann")
    check(st == 200 and headers.get("content-type") == "text/plain; charset=utf-8" and body == "hello ann",
          f"text(): {st} {headers.get('content-type')} {body!r}")


def check_status_line(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /teapot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    line = data.split(b"\r\n")[0]
    check(line in (b"HTTP/1.1 418 ", b"HTTP/1.1 418 I'm a teapot"), f"the status line of 418: {line!r}")


def check_env(a, exe):
    port = free_port()
    proc = start_server(exe, port, env=dict(os.environ, GREETING="hi"), cwd=a.out, name="family-env")
    if not proc:
        return
    try:
        st, _, body = get(port, "/greeting")
        doc = as_json(st, body, 200, "GET /greeting with GREETING set")
        check(doc == {"greeting": "hi", "set": True}, f"an Option env setting: {doc}")
    finally:
        stop_server(proc)


def check_openapi(port):
    st, _, body = get(port, "/openapi.json")
    doc = as_json(st, body, 200, "GET /openapi.json")
    paths = doc.get("paths", {})
    role = paths.get("/users/{role}", {}).get("get", {}).get("parameters", [{}])[0]
    check(role.get("in") == "path" and role.get("schema") == {"$ref": "#/components/schemas/Role"}, f"the enum path parameter: {role}")
    rest = paths.get("/files/{rest}", {}).get("get", {}).get("parameters", [{}])[0]
    check(rest.get("name") == "rest" and rest.get("in") == "path", f"the wildcard is a path parameter: {rest}")
    search = {p["name"]: p for p in paths.get("/search", {}).get("get", {}).get("parameters", [])}
    check(search.get("page", {}).get("required") is False, f"a parameter with a default is optional: {search}")
    page = paths.get("/page", {}).get("get", {}).get("responses", {}).get("200", {})
    check("text/html" in page.get("content", {}), f"html() documents text/html: {page}")


def run(a):
    p = build(a, program("family_routes.lux"))
    check(p.returncode == 0, f"luxc build family_routes.lux failed:\n{p.stderr}")
    if p.returncode != 0:
        return
    exe = os.path.join(a.out, "family_routes")
    port = free_port()
    proc = start_server(exe, port, cwd=a.out, name="family")
    if not proc:
        return
    try:
        check_enums(port)
        check_defaults_and_wildcard(port)
        check_text_answers(port)
        check_status_line(port)
        st, _, body = get(port, "/greeting")
        doc = as_json(st, body, 200, "GET /greeting")
        check(doc == {"greeting": None, "set": False}, f"`env GREETING: Option<String> = nil` unset: {doc}")
        st, _, body = get(port, "/auth-header", "-H", "Authorization: Bearer abc")
        doc = as_json(st, body, 200, "GET /auth-header")
        check(doc == {"auth": "Bearer abc", "none": None}, f"req.headers.get(name), any case; a missing entry is nil: {doc}")
        st, _, body = get(port, "/chain")
        doc = as_json(st, body, 404, "GET /chain (res.status(404).json(...))")
        check(doc == {"error": "chained"}, f"the chained response: {doc}")
        st, headers, _ = get(port, "/moved")
        check(st == 302 and headers.get("location") == "/page", f"res.redirect(url): {st} {headers}")
        check_openapi(port)
    finally:
        stop_server(proc)
    check_env(a, exe)
