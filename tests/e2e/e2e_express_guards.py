"""e2e case `express_guards`: what Express users write around a route (programs/express_guards.lux).

- `req.get(name)` / `req.header(name)` are the request's header in a helper given `req` and in a
  route guard, as in the handler itself (they looked up a field of the request value before, so
  a token check refused every request);
- a guard `fn(req, next)` that returns without calling `next` answers with what it returned (the
  handler ran before: an access check written that way did nothing); one made by a function
  (`with need("admin")`) the same; a guard `fn(req)` returning no response lets the request on;
- a handler that sends twice (`res.status(400).json(a)` without `return`, then `res.json(b)`)
  answers the first (`400 a`, never `400 b`), and the second is logged;
- `req.body?.user?.name ?? "anon"` is "anon" when a part is not an object (a String, a list):
  JavaScript's optional chaining gives `undefined` there (a 500 before);
- JavaScript's parseInt/parseFloat read a leading number (`"42px"`), `s[i]` and `len(s)` count
  characters, and a regex pattern the client sent that does not compile is a 400;
- `on_error fn(err, req, res)` that sets `res.status(503)` and returns an object answers 503 with
  that object (the default body replaced it before);
- Express's `middleware fn f(req, res, next)`, at server level (code before and after `next()`,
  headers set on both sides reach the answer; other parameter names, a request the body never
  reads) and in a group: answering with
  `res.status(401).json(...)` without `next()` (the handler does not run), `req.<field>` set before
  `next()` read by the handler, the handler's own header winning over one the middleware set
  before `next()`, a status set after `next()` replacing the answer's, and returning without
  `next()` or an answer failing the request (on_error sees the message naming the middleware).
"""
import os

from e2e import build_text, check, curl_response, free_port, program_text, request, start_server, stop_server
import json


def get(port, path, *headers):
    args = []
    for h in headers:
        args += ["-H", h]
    st, _, body = curl_response(f"http://127.0.0.1:{port}{path}", *args)
    try:
        return st, json.loads(body)
    except ValueError:
        return st, body


def expect(port, path, headers, status, want):
    st, got = get(port, path, *headers)
    if isinstance(got, dict):
        got.pop("request_id", None)
    check(st == status and got == want, f"GET {path} {headers}: {st} {got}, expected {status} {want}")


def run(a):
    name = "express_guards"
    exe = build_text(a.luxc, os.path.join(a.out, name), "express_guards.lux", program_text("express_guards.lux"))
    if not exe:
        return
    port = free_port()
    proc = start_server(exe, port, cwd=os.path.join(a.out, name), name=name)
    try:
        expect(port, "/helper", ["X-Token: abc"], 200, {"direct": "abc", "helper": "abc"})
        expect(port, "/helper", [], 200, {"direct": "none", "helper": "none"})
        expect(port, "/guarded", ["X-Token: abc"], 200, {"ok": True})
        expect(port, "/guarded", [], 401, {"error": "no token"})
        expect(port, "/denied", [], 200, {"error": "denied"})
        expect(port, "/stamped", ["X-Token: t1"], 200, {"seen": "t1"})
        expect(port, "/stamped", [], 200, {"seen": "-"})
        expect(port, "/kind", ["X-Kind: admin"], 200, {"ok": True})
        expect(port, "/kind", ["X-Kind: guest"], 200, {"error": "wrong kind"})
        expect(port, "/twice", [], 400, {"error": "id required"})
        expect(port, "/twice?id=7", [], 200, {"ok": True, "id": "7"})
        expect(port, "/fail", [], 503, {"error": "hub failure", "detail": "deliberate"})
        st, headers, text = request(port, "POST", "/made?name=cup")
        check(st == 201 and json.loads(text or "null") == {"made": "cup"} and headers.get("X-Made") == "yes",
              f"POST /made: a (req, res) handler's returned value: {st} {headers.get('X-Made')} {text!r}")
        expect(port, "/text?s=42px", [], 200, {"n": 42, "f": 42.0, "second": "2", "len": 4, "matches": False})
        expect(port, "/text?s=3.5k%C3%A9", [], 200, {"n": 3, "f": 3.5, "second": ".", "len": 5, "matches": False})
        expect(port, "/text?s=h%C3%A9&p=%C3%A9", [], 200, {"n": None, "f": None, "second": "é", "len": 2, "matches": True})
        st, got = get(port, "/text?s=x&p=(")  # a pattern the client sent that does not compile: its mistake
        check(st == 400 and "bad pattern" in got.get("error", ""), f"GET /text with a bad pattern: {st} {got}")
        for body, want in (({"user": {"name": "Al"}, "tags": ["a", "b"]}, {"name": "Al", "n": 2}),
                           ({"user": "str"}, {"name": "anon", "n": 0}), ([1], {"name": "anon", "n": 0}),
                           ({"user": None, "tags": "abc"}, {"name": "anon", "n": 3}), ({}, {"name": "anon", "n": 0})):
            st, _, text = curl_response(f"http://127.0.0.1:{port}/name", "-X", "POST", "-H", "Content-Type: application/json",
                                        "-d", json.dumps(body))
            got = json.loads(text) if st == 200 else text
            check(st == 200 and got == want, f"POST /name {body}: {st} {got}, expected {want}")
        _three_parameter_middleware(port)
    finally:
        out = stop_server(proc)
    check("seen GET /mw/in" in out, f"the server's (req, res, next) middleware logs before the handler:\n{out[-2000:]}")
    check("res.json after the response was sent" in out, f"the second answer is logged:\n{out[-2000:]}")


def _three_parameter_middleware(port):
    """Express's `(req, res, next)` middleware: the server's `logger` around every request and the
    group's `gate` around /mw/in."""
    st, headers, body = curl_response(f"http://127.0.0.1:{port}/mw/in")
    got = json.loads(body) if st == 200 else body
    check(st == 200 and got == {"ok": True, "gate": "passed"}, f"GET /mw/in: {st} {got}")
    want = {"x-before": "1", "x-after": "done", "x-gate": "open", "x-kind": "handler", "x-stamp": "1"}
    check(all(headers.get(k) == v for k, v in want.items()), f"GET /mw/in headers: {headers}, expected {want}")
    st, headers, body = curl_response(f"http://127.0.0.1:{port}/mw/in?mode=teapot")
    check(st == 418 and json.loads(body) == {"ok": True, "gate": "passed"}, f"GET /mw/in?mode=teapot: {st} {body!r}")
    st, headers, body = curl_response(f"http://127.0.0.1:{port}/mw/in?mode=deny")
    check(st == 401 and json.loads(body) == {"error": "no token"} and "x-gate" not in headers
          and headers.get("x-after") == "done", f"GET /mw/in?mode=deny: {st} {headers} {body!r}")
    expect(port, "/mw/in?mode=silent", [], 503, {
        "error": "hub failure", "detail": "middleware `gate` returned without calling next() or answering"})
