"""e2e case `family_flow`: the family's pipe forms, implicit `it`, narrowing, in-place changes.

Builds programs/family_flow.lux and checks over HTTP: the placeholder `_` putting the piped value
in another argument than the first (`10 |> sub(5, _)` is `sub(5, 10)`), the method pipe
(`q |> .trim() |> .lower()`, `user |> .name`), pipes into `fn` lambdas (chained, typed, with a block
body) and into an arrow lambda, and arguments that read `it` as one-parameter callbacks: through
`|>` and as methods, nested (the inner `it` is the inner element), passed to a function of the
program taking a typed function, and reading a route parameter; an Option narrowed by the
conditions before it (`a != nil && a.active`, `elif`/`else` after `a == nil`, a ternary, an early
`return` after `a == nil || !a.active`), an Option as a condition (`if q`, `guard q else`: present
and truthy); a local object filled in by key and a local and a server binding changed in place
without `var` (the server binding keeps the change across requests), a parameter changed in place
and returned (the reduce idiom); FastAPI's `{name}` path
segments; built-ins passed as values (`parts.map(trim)`, `map(parseInt)` taking the element alone)
and JavaScript's `undefined` as `nil`; Express's `res.send` of an object (JSON), of a String
(HTML), and of a String after the program set a Content-Type; Express's `req.get`/`req.header`;
object rest destructuring (`const { password, ...safe } = user` on a record, on the JSON body,
with `var`, in a parameter pattern): the object without the named keys, sent as JSON.
"""
import json
import os

from e2e import build_text, check, curl_response, expect_json, free_port, program_text, start_server, stop_server


def run(a):
    name = "family_flow"
    exe = build_text(a.luxc, os.path.join(a.out, name), "family_flow.lux", program_text("family_flow.lux"))
    if not exe:
        return
    port = free_port()
    proc = start_server(exe, port, cwd=os.path.join(a.out, name), name=name)
    try:
        expect_json(port, "GET", "/placeholder", 200, {"first": 5, "second": -5, "middle": True, "joined": "a-b-c"})
        expect_json(port, "GET", "/method_pipe", 200, {"cleaned": "hello, lux!", "name": "Al", "words": "a,b,c"})
        expect_json(port, "GET", "/method_pipe?q=%20World%20Cup", 200, {"cleaned": "lux cup", "name": "Al", "words": "a,b,c"})
        expect_json(port, "GET", "/lambda_pipe/21", 200, {"chained": 43, "arrow": "21 is the answer", "typed": "#21", "block": 43})
        expect_json(port, "GET", "/lambda_pipe/-3", 200, {"chained": -5, "arrow": "-3 is the answer", "typed": "#-3", "block": -5})
        everyone = {
            "active": ["AL", "CY", "DI"],
            "any_minor": True,
            "total_age": 114,
            "nested": [[5], [7], [9]],
            "callback": 18,
            "grouped": ["30+", "under 30"],
        }
        expect_json(port, "GET", "/it", 200, dict(everyone, adults=["Di (22)", "Al (30)", "Cy (45)"]))
        expect_json(port, "GET", "/it?min_age=30", 200, dict(everyone, adults=["Al (30)", "Cy (45)"]))
        expect_json(port, "GET", "/it?min_age=99", 200, dict(everyone, adults=[]))
        _narrowing(port)
        _in_place(port)
        _express_send(port)
        _express_headers(port)
        _grow(port)
        none = {"email": "none", "direct": "none", "tags": []}
        expect_json(port, "POST", "/optional_call", 200, none, {})
        expect_json(port, "POST", "/optional_call", 200, none, {"customer": {}})
        expect_json(port, "POST", "/optional_call", 200, {"email": "a@b.c", "direct": "a@b.c", "tags": ["X"]},
                    {"customer": {"email": "A@B.C"}, "tags": ["x"]})
        expect_json(port, "POST", "/object_rest", 200, {
            "safe": {"name": "ann", "email": "a@x.io"},
            "others": {"password": "p", "token": "t", "n": 1},
            "kept": {"name": "ann", "password": "secret", "checked": 6},
            "shown": {"name": "bo", "n": 1},
            "name": "bo",
            "email": "a@x.io",
        }, {"name": "bo", "password": "p", "token": "t", "n": 1})
        expect_json(port, "GET", "/optional_call/1", 200, {"name": "ANN", "email": "ann@x.io"})
        expect_json(port, "GET", "/optional_call/2", 200, {"name": "BOB", "email": "-"})
        expect_json(port, "GET", "/optional_call/3", 200, {"name": "-", "email": "-"})
        expect_json(port, "GET", "/optional_res", 200, {"header": "none"})
        logical = {"counts": {"a": 2, "b": 1}, "nick": "anon", "ok": False, "calls": 0}
        expect_json(port, "GET", "/logical_assign", 200, dict(logical, limit="10"))
        expect_json(port, "GET", "/logical_assign?limit=5", 200, dict(logical, limit="5"))
        common = {"counts": {"a": 2, "b": 1}, "pairs": ["a=1", "b=2"], "listed": [["a", 1], ["b", 2]], "missing": "none"}
        expect_json(port, "GET", "/dicts", 200, dict(common, q="none"))
        expect_json(port, "GET", "/dicts?v=x", 200, dict(common, q="x"))
        expect_json(port, "GET", "/callbacks", 200, {
            "unique": ["a", "b", "c"], "last": [False, False, False, False, True], "found": 4, "nested": [7, 7], "called": 9,
            "indexed": ["0:a", "1:b", "2:a", "3:c", "4:b"],
        })
    finally:
        stop_server(proc)


def _narrowing(port):
    expect_json(port, "GET", "/active/ann", 200, {"name": "ann"})
    expect_json(port, "GET", "/active/bob", 404, {"error": "no active account"})
    expect_json(port, "GET", "/active/zed", 404, {"error": "no active account"})
    expect_json(port, "GET", "/either/ann", 200, {"active": "ann"})
    expect_json(port, "GET", "/either/bob", 200, {"inactive": "BOB"})
    expect_json(port, "GET", "/either/zed", 200, {"missing": True})
    expect_json(port, "GET", "/ternary/bob", 200, {"name": "bob"})
    expect_json(port, "GET", "/ternary/zed", 200, {"name": "-"})
    expect_json(port, "GET", "/early/ann", 200, {"ok": "ann"})
    expect_json(port, "GET", "/early/bob", 404, {"error": "inactive"})
    expect_json(port, "GET", "/early/zed", 404, {"error": "inactive"})
    expect_json(port, "GET", "/present?q=AbC", 200, {"q": "abc"})
    expect_json(port, "GET", "/present?q=", 200, {"q": "absent or empty"})
    expect_json(port, "GET", "/present", 200, {"q": "absent or empty"})
    expect_json(port, "GET", "/required?q=x", 200, {"q": "X"})
    expect_json(port, "GET", "/required", 400, {"error": "q is required"})


def _in_place(port):
    # JavaScript's reduce idiom: the accumulator, changed in place and returned, is the result;
    # the caller's list is not changed by a function that returns its changed parameter.
    expect_json(port, "GET", "/circle/2", 200, {"area": 12.566370614359172, "e": True, "lo": 1.0, "hi": 3.0})
    expect_json(port, "GET", "/circle/5", 200, {"area": 78.53981633974483, "e": True, "lo": 1.0, "hi": 5.0})
    expect_json(port, "GET", "/python_conversions?q=7", 200, {"n": 8, "s": "7!", "f": 5.0, "t": 3, "safe": True, "close": True,
                                                                  "groups": {"odd": [1, 3], "even": [2, 4]}})
    expect_json(port, "POST", "/prices", 200, {"total": 6.75, "doubled": 13.5, "running": [0.5, 2.75, 5.75]},
                body={"prices": [1.5, 2.25, 3]})
    expect_json(port, "GET", "/reduce", 200, {"counts": {"b": 2, "a": 1}, "grouped": {"b": ["B", "B"], "a": ["A"]},
                                                "more": ["b", "a", "b", "z"], "words": ["b", "a", "b"]})
    expect_json(port, "GET", "/words", 200, {"counts": {"b": 3, "a": 1, "c": 1}, "settings": {"retries": 3}})
    expect_json(port, "GET", "/words?text=x%20x", 200, {"counts": {"x": 2}, "settings": {"retries": 3}})
    expect_json(port, "GET", "/defaults", 200, {"page": 1, "tags": ["a"]})
    expect_json(port, "POST", "/defaults/7", 200, {"page": 7, "tags": ["p7"]})
    expect_json(port, "GET", "/defaults", 200, {"page": 7, "tags": ["p7"]})
    expect_json(port, "GET", "/items/42/parts/lid", 200, {"item": 42, "part": "lid"})
    expect_json(port, "GET", "/items/x/parts/lid", 400, lambda b: "item_id" in b["error"])
    expect_json(port, "GET", "/builtin_values", 200, {"upper": ["3", "X", "12"], "numbers": [3, 12], "lengths": [1, 1, 2], "first_missing": True})
    expect_json(port, "GET", "/builtin_values?csv=7,ab", 200, {"upper": ["7", "AB"], "numbers": [7], "lengths": [1, 2], "first_missing": True})


def _express_headers(port):
    """Express's req.get / req.header: the header (any case), or nil."""
    st, _, got = curl_response(f"http://127.0.0.1:{port}/headers", "-H", "x-thing: abc")
    check(st == 200 and json.loads(got) == {"thing": "abc", "upper": "ABC", "missing": "none"}, f"GET /headers: {st} {got!r}")
    st, _, got = curl_response(f"http://127.0.0.1:{port}/headers")
    check(st == 200 and json.loads(got) == {"thing": None, "upper": "-", "missing": "none"}, f"GET /headers (none): {st} {got!r}")


def _express_send(port):
    """Express's res.send: an object as JSON, a String as HTML unless a Content-Type was set."""
    for path, status, content_type, body in [
        ("/send/object", 200, "application/json", b'{"ok":true,"n":2}'),
        ("/send/html", 201, "text/html; charset=utf-8", b"<p>hi</p>"),
        ("/send/plain", 200, "text/plain; charset=utf-8", b"just text"),
    ]:
        st, headers, got = curl_response(f"http://127.0.0.1:{port}{path}")
        check(st == status and headers.get("content-type", "").startswith(content_type) and got == body,
              f"GET {path}: {st} {headers.get('content-type')!r} {got!r}, expected {status} {content_type} {body!r}")


def _grow(port):
    """`s = s + t`, `xs = [...xs, x]`, `state = { ...state, ... }`, `node = { next: node }` in a
    loop: the values a copy would give, and a part that fails leaves the list as it was."""
    n = 30000
    expect_json(port, "GET", f"/grow/{n}", 200, {
        "lines": n + 1,
        "tail": f"{n - 1},item-{n - 1}\n",
        "ids": n,
        "sum": n * (n - 1) // 2,
        "state": {"count": n, "last": n - 1, "seen": [0, 1, 2]},
        "chain": {"v": 2, "next": {"v": 1, "next": {"v": 0, "next": None}}},
        "kept": [0, 0, 1, 2],
        "errors": n - 3,
        "doubled": "abab",
    })
    expect_json(port, "GET", f"/reduce/{n}", 200, {
        "counts": 100, "w7": n // 100, "ids": n, "last": 2 * (n - 1), "byId": n, "evens": n // 2,
    })
