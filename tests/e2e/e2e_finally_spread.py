"""e2e case `finally_spread`: what tests/gen found code generation missing, run for real.

Builds tests/golden/emit/try_finally.lux and spread_literals.lux and checks over HTTP that a
`finally` body runs on normal exit, after a caught error, on `return` from the try body, on
`break` out of a loop and while an uncaught error unwinds (the server then answers 500), and
that list and object spreads expand lists, None, objects and records as docs/language.md says.
"""
import os

from e2e import build_text, check, expect_json, free_port, request, start_server, stop_server


def _serve(a, name):
    src = os.path.join(a.root, "tests", "golden", "emit", name + ".lux")
    with open(src) as f:
        text = f.read()
    exe = build_text(a.luxc, os.path.join(a.out, name), name + ".lux", text)
    if not exe:
        return None, None
    port = free_port()
    return start_server(exe, port, cwd=os.path.join(a.out, name), name=name), port


def run(a):
    proc, port = _serve(a, "try_finally")
    if proc:
        expect_json(port, "GET", "/order?fail=false", 200, {"log": "try;finally;"})
        expect_json(port, "GET", "/order?fail=true", 200, {"log": "try;catch;finally;"})
        expect_json(port, "GET", "/early/1", 200, {"result": "early"})
        expect_json(port, "GET", "/early/0", 200, {"result": "late"})
        st, _, body = request(port, "GET", "/nocatch")
        check(st == 500, f"GET /nocatch: status {st}, expected 500 (the error passes through finally): {body}")
        expect_json(port, "GET", "/value?text=%5B1%5D", 200, [1])
        expect_json(port, "GET", "/value?text=nope", 200, lambda b: "error" in b)
        expect_json(port, "GET", "/loop", 200, {"seen": 2})
        out = stop_server(proc)
        check(proc.returncode == 0, f"try_finally exit status {proc.returncode}")
        for want in ("finally after 0 steps", "finally after 1 steps", "finally without catch", "finally loop 1"):
            check(want in out, f"try_finally output lacks {want!r}:\n{out[-2000:]}")
        check("finally loop 2" not in out, "the finally body's own `break` did not stop its loop")

    proc, port = _serve(a, "spread_literals")
    if proc:
        expect_json(port, "POST", "/lists", 200, [0, 1, 2, 99, 7], body={"xs": [1, 2]})
        expect_json(port, "POST", "/lists", 200, [0, 99, 7], body={"xs": []})
        expect_json(port, "GET", "/objects?name=n", 200, {"a": 1, "b": "n", "c": [1, 2, 3]})
        expect_json(port, "GET", "/moved?y=5", 200, {"x": 10, "y": 5})
        st, _, body = request(port, "GET", "/bad")
        check(st == 500, f"GET /bad (the program's object spread into a list): status {st}, expected 500: {body}")
        stop_server(proc)
        check(proc.returncode == 0, f"spread_literals exit status {proc.returncode}")
    proc, port = _serve(a, "match_guard_hoisted")
    if proc:
        expect_json(port, "GET", "/kind?w=3&h=2&wide=true", 200, {"kind": "matching rect"})
        expect_json(port, "GET", "/kind?w=3&h=2&wide=false", 200, {"kind": "other rect"})
        expect_json(port, "GET", "/kind?w=2&h=0&wide=true", 200, {"kind": "matching circle"})
        expect_json(port, "GET", "/kind?w=2&h=0&wide=false", 200, {"kind": "other circle"})
        stop_server(proc)
        check(proc.returncode == 0, f"match_guard_hoisted exit status {proc.returncode}")
