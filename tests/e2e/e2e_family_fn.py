"""e2e case `family_fn`: the family's function syntax inside handlers, over HTTP.

programs/family_fn_arrows.lux: arrow lambdas (`x => x * 2`, `(a, b) => a + b`, `() => 42`,
typed parameters, block bodies, curried and returned ones, in method calls and pipes, and a
route handler `=> (req) => { ... }`); every answer is computed by them.
programs/family_fn_lists.lux: list patterns (`let [x, y, z] = coords`, `let [first, ...rest]`,
`_` holes, no keyword, `var`, a literal of mixed types, a JSON body, `for [a, b] in pairs` and
`for { name, age } in users`); a list shorter than the
pattern is a 500 (a name is never bound to a missing element), one the client sent a 400, and
the server keeps serving.
"""
import os

from e2e import build_text, check, expect_json, free_port, program_text, request, start_server, stop_server


def _serve(a, filename):
    name = filename[:-len(".lux")]
    exe = build_text(a.luxc, os.path.join(a.out, name), filename, program_text(filename))
    if not exe:
        return None, None
    port = free_port()
    return start_server(exe, port, cwd=os.path.join(a.out, name), name=name), port


def _arrows(a):
    proc, port = _serve(a, "family_fn_arrows.lux")
    if not proc:
        return
    for n in (4, -3):
        expect_json(port, "GET", f"/arrows/{n}", 200, {
            "doubled": [2, 4, 6, 8, 10], "evens": [2, 4], "sum": 15,
            "piped": [x + n for x in range(1, 6) if x + n > 5], "upper": ["ALICE", "BOB", "CAROL"],
            "double": 2 * n, "add": n + 10, "answer": 42, "typed": n * n, "twice": n + 2,
            "triple": 3 * n, "adder": n + 100, "block": [x * x + n for x in range(1, 6)],
            "nested": [0, 1, 2, 3, 4]})
    expect_json(port, "GET", "/short", 200, {"message": "hi", "size": 6})
    stop_server(proc)
    check(proc.returncode == 0, f"family_fn_arrows exit status {proc.returncode}")


def _lists(a):
    proc, port = _serve(a, "family_fn_lists.lux")
    if not proc:
        return
    expect_json(port, "GET", "/coords", 200, {
        "sum": 60, "first": 1, "rest": [2, 3, 4, 5], "head": 1, "second": 2, "tail": [3, 4, 5],
        "middle": 20, "lo": 1, "hi": 9, "n": 8, "label": "SEVEN", "count": 5})
    expect_json(port, "POST", "/pair", 200, {"name": "ada", "score": 3, "others": 2}, body=["ada", 3, True, None])
    expect_json(port, "POST", "/pair", 200, {"name": "bo", "score": 1, "others": 0}, body=["bo", 1])
    expect_json(port, "GET", "/loops", 200, {"products": [2, 12, 30], "heads": 12, "names": ["ada:36", "bob:41"]})
    expect_json(port, "GET", "/short/5", 200, {"sum": 1})
    for short in ("/short/1", "/short/0"):
        st, _, body = request(port, "GET", short)
        check(st == 500, f"GET {short}: status {st}, expected 500: {body}")
    # A list the client sent that is too short, or no list: 400 naming the place.
    for bad in (["only"], {"name": "x"}, "text"):
        expect_json(port, "POST", "/pair", 400, lambda b: "req.body" in b["error"] and "request_id" in b, body=bad)
    expect_json(port, "GET", "/short/2", 200, {"sum": 1})
    stop_server(proc)
    check(proc.returncode == 0, f"family_fn_lists exit status {proc.returncode}")


def run(a):
    _arrows(a)
    _lists(a)
