"""e2e case `family_forms`: the family's in-place list methods and statement forms.

Builds programs/family_forms.lux and checks over HTTP: `async fn` and `async` arrow lambdas,
local functions (also taking a function), `defer` (last first, also on `return`), labelled loops with `break outer` and
`continue outer`, `for ... else` and `while ... else`, `loop`, multiple assignment (a swap of two `var`s, a
function's `return a, b`, values listed as a block's last statement), a list a lambda grows while a built-in walks it
(the built-in walks the list as it was), `++` on Strings and
lists, `.length` of a list and of a String, and `match` on list patterns (`[]`, `[x]`, `[x, y, ...rest]`, `[first, ..._]`), tuple
patterns, object patterns with a guard and prefix patterns `"/api" ++ rest`, parameters that
are object or list patterns (of functions, lambdas and arrow lambdas; typed too), and named
arguments passed as one trailing object, generic functions and types (`fn first<T>`,
`type Box<T>`, a recursive `Tree<T>`), `try` as a value (the body's, or the catch body's when
the body fails), typed bindings without `let`, `derive` on records and enums; `push` on a server binding declared
without `var` keeps what every request added (and 40 concurrent requests lose none: the change
happens under the binding's lock), `pop` answering an Option (None on an empty list), `unshift`
and `pop` bounding a log, `push` on an absent entry of an object making a list, every method on
a local (`push` in a loop, `sort` by value, by key and by order, `pop`, `shift`, `splice`,
`insert` with a negative index, `remove`, `reverse`, `extend`, `append`, `clear`), changes to a
place inside a `var` object, and `push` on a list captured by a lambda; a braceless
`if (c) return a` followed by `else if (d) return b` / `else return c` on the next lines;
JavaScript's `delete obj.key` / `delete obj[key]` on a `var` object (an absent key: nothing);
`type` as a name: a record's field (a body with one, a missing one answering 400), a query
parameter `?type=`, a destructured key (`{ id, type }`, `{ type: kind }`); a record's shorthand
fields (`Point { x, y }`) in a call's argument, a list's element and a binding's value.
"""
import os
import threading

from e2e import build_text, check, expect_json, free_port, program_text, request, start_server, stop_server


def run(a):
    name = "family_forms"
    exe = build_text(a.luxc, os.path.join(a.out, name), "family_forms.lux", program_text("family_forms.lux"))
    if not exe:
        return
    port = free_port()
    proc = start_server(exe, port, cwd=os.path.join(a.out, name), name=name)
    try:
        _server_state(port)
        _locals(port)
        _forms(port)
    finally:
        stop_server(proc)


def _server_state(port):
    expect_json(port, "DELETE", "/todos/last", 404, {"error": "no todos"})
    expect_json(port, "POST", "/todos", 201, {"todo": {"id": 1, "title": "a", "done": False}, "count": 1}, body={"title": "a"})
    expect_json(port, "POST", "/todos", 201, lambda b: b["count"] == 2, body={"title": "b"})
    expect_json(port, "DELETE", "/todos/last", 200, {"removed": "b", "left": 1})
    errors = []

    def add(i):
        status, _, _ = request(port, "POST", "/todos", {"title": "t%d" % i})
        if status != 201:
            errors.append(status)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, "every concurrent push answered 201: %s" % errors)
    expect_json(port, "GET", "/todos", 200, lambda b: sorted(t["title"] for t in b) == sorted(["a"] + ["t%d" % i for i in range(40)]))
    for line, want in (("a", ["a"]), ("b", ["b", "a"]), ("c", ["c", "b", "a"]), ("d", ["d", "c", "b"])):
        expect_json(port, "POST", "/log/" + line, 200, want)
    expect_json(port, "POST", "/groups/x/1", 200, {"x": ["1"]})
    expect_json(port, "POST", "/groups/x/2", 200, {"x": ["1", "2"]})
    expect_json(port, "POST", "/groups/y/3", 200, {"x": ["1", "2"], "y": ["3"]})


def _locals(port):
    expect_json(port, "GET", "/build/6", 200, {
        "items": [0, 1, 2, 3, 5, 6],
        "sorted_copy": [0, 1, 2, 3, 5, 6],
        "desc": [5, 4, 1],
        "words": ["fig", "pear", "banana"],
        "top": 3, "first": 1, "nothing": None,
        "removed": [2, 3],
        "xs": [5, 7, 4, 9, 9, 1, 0],
        "had": True, "missing": False,
        "more": [1, 2, 3, 4],
        "cleared": [],
    })
    expect_json(port, "GET", "/nested", 200, {
        "state": {"users": [{"name": "a", "tags": ["admin"]}, {"name": "b", "tags": ["x"]}]},
        "captured": [10, 20, 30],
    })


def _forms(port):
    expect_json(port, "POST", "/webhook", 200, {"id": 8, "type": "PUSH", "kind": "push", "same": True},
                body={"id": 7, "type": "push"})
    expect_json(port, "POST", "/webhook", 400, lambda b: "type" in b.get("error", ""), body={"id": 7})
    expect_json(port, "GET", "/events?q=a&type=push", 200, {"q": "a", "type": "push"})
    expect_json(port, "GET", "/events?q=a", 200, {"q": "a", "type": "all"})
    expect_json(port, "GET", "/shorthand/3/4", 200,
                {"points": [{"x": 3, "y": 4}, {"x": 4, "y": 4}], "norm": 7, "p": {"x": 3, "y": 4}})
    expect_json(port, "GET", "/forms/50", 200, {
        "parsed": 50, "safe_div": 2, "total": 51, "size": "small", "doubled": 100, "twice": 3, "sum": 5,
        "fallback": 7, "shapes_equal": True,
    })
    expect_json(port, "GET", "/forms/500", 200, lambda b: b["size"] == "big" and b["safe_div"] == 0)
    expect_json(port, "GET", "/forms/zero", 200, lambda b: b["parsed"] == -1 and b["safe_div"] == -100)
    expect_json(port, "GET", "/forms/0", 200, lambda b: b["parsed"] == 0 and b["safe_div"] == 0)
    expect_json(port, "GET", "/defer/3", 200, {"value": 6, "trail": ["second 3", "first 3"]})
    expect_json(port, "GET", "/defer/-1", 200, {"value": 0, "trail": ["second 3", "first 3", "second -1", "first -1"]})
    expect_json(port, "POST", "/pairs/5", 200, {"found": [2, 1], "visited": 6})
    expect_json(port, "POST", "/pairs/3", 200, {"found": [1, 0], "visited": 3})
    expect_json(port, "POST", "/pairs/99", 200, {"found": [-1, -1], "visited": 6})
    expect_json(port, "GET", "/countdown/3", 200, {"steps": [3, 2, 1], "fell_through": True})
    expect_json(port, "POST", "/js", 200, {"quoted": "it's {raw}", "keys": ["b", "a"], "values": [2, 1],
                                         "entries": [["b", 2], ["a", 1]], "merged": {"b": 2, "a": 1, "c": 3},
                                         "list_keys": ["0", "1"], "list_entries": [["0", 7], ["1", 8]],
                                         "list_typed": ["0"], "none_type": "undefined",
                                         "back": {"x": 1}, "n": 12, "bad": -1, "f": 2.5}, {})
    # Object.keys / Object.entries of a JSON list the client sent: its indexes as text, as JavaScript's.
    expect_json(port, "POST", "/js", 200, lambda b: b["list_keys"] == ["0", "1", "2"]
                and b["list_entries"] == [["0", 1], ["1", "a"], ["2", None]], {"list": [1, "a", None]})
    expect_json(port, "POST", "/js", 200, lambda b: b["n"] == 40, {"n": "40"})
    expect_json(port, "GET", "/js/ann", 200, {"text": "Hello ann{!} costs $3", "admin": False, "other": True})
    values = {"page": 2, "n": 0, "s": "42", "some": True, "every": True, "at": 1, "nothing": True,
              "pretty": "{\n  \"a\": 1\n}", "top": 8, "all": [0, 3, 8, 1, 100, 12]}
    expect_json(port, "GET", "/js-values", 200, values)
    expect_json(port, "POST", "/js-validate", 400, {"error": "name must be a string"}, {"name": 5})
    expect_json(port, "POST", "/js-validate", 400, {"error": "name must be a string"}, {})
    expect_json(port, "POST", "/js-validate", 200, {"size": "long", "kind": "object", "count": 2},
                {"name": "annie", "tags": [], "count": 2})
    expect_json(port, "POST", "/js-validate", 200, {"size": "short", "kind": "undefined", "count": 0},
                {"name": "al", "count": "2"})
    expect_json(port, "POST", "/delete/theme", 200, {"settings": {"lang": "en"}, "nested": {"inner": {"b": 2}, "keep": True},
                                                      "keys": ["lang"]},
                {"password": "x", "theme": "dark", "lang": "en"})
    expect_json(port, "POST", "/delete/absent", 200, {"settings": {"theme": "dark"}, "nested": {"inner": {"b": 2}, "keep": True},
                                                       "keys": ["theme"]},
                {"theme": "dark"})
    expect_json(port, "GET", "/letter/95", 200, {"grade": "A"})
    expect_json(port, "GET", "/letter/85", 200, {"grade": "B"})
    expect_json(port, "GET", "/letter/10", 422, {"grade": "C"})
    expect_json(port, "GET", "/people/ann", 200, {"name": "ann", "age": 30})
    expect_json(port, "GET", "/people/bob", 404, {"error": "no such person"})
    expect_json(port, "GET", "/people/ann/role", 200, "ADMIN")
    st, _, text = request(port, "DELETE", "/people/ann")
    check(st == 204 and text == "", f"res.status(204).send(): 204 with no body, got {st} {text!r}")
    st, _, text = request(port, "GET", "/gone")
    check(st == 410 and text == "Gone", f"res.sendStatus(410): 410 \"Gone\", got {st} {text!r}")
    expect_json(port, "GET", "/words/b-a-b", 200, {"counts": {"b": 2, "a": 1}, "backwards": "b-a-b",
                                                    "ranked": ["b", "a"], "first": "a"})
    expect_json(port, "GET", "/words/xy-z", 200, {"counts": {"xy": 1, "z": 1}, "backwards": "z-yx",
                                                   "ranked": ["xy", "z"], "first": "xy"})
    expect_json(port, "GET", "/grade/85", 200, {"grade": "B", "parsed": [85]})
    expect_json(port, "GET", "/grade/95", 200, {"grade": "A", "parsed": [95]})
    expect_json(port, "POST", "/signup", 201, {"name": "ann", "next_age": 31, "role": "admin"},
                {"name": "ann", "age": 30, "role": "admin"})
    expect_json(port, "POST", "/signup", 201, {"name": "bo", "next_age": 19, "role": "user"}, {"name": "bo", "role": None})
    expect_json(port, "GET", "/fetched", 200, {"lines": ["1. ann", "2. bob", "3. cy"], "text": True, "status": 200})
    expect_json(port, "GET", "/numbered", 200, {"lines": ["1. ann", "2. bob", "3. cy"], "odd": ["bob"], "at": 2})
    expect_json(port, "GET", "/people/bob/role", 404, {"error": "no such person"})
    expect_json(port, "GET", "/js-throw/1", 200, {"value": 1})
    expect_json(port, "GET", "/js-throw/2", 200, {"error": "big"})
    expect_json(port, "GET", "/js-throw/7", 200, {"error": "too big: 7"})
    expect_json(port, "GET", "/js-values?page=4&n=2.5", 200, dict(values, page=5, n=2.5))
    expect_json(port, "GET", "/js-values?page=x", 400, lambda b: b.get("details", {}).get("field") == "req.query.page")
    expect_json(port, "GET", "/js/root", 200, {"text": "Hello root{!} costs $4", "admin": True, "other": False})
    expect_json(port, "POST", "/titles", 200, {"title": "buy milk", "shout": "BUY MILK", "path": True, "n": "007"},
                body={"title": "  buy milk ", "path": "/x", "n": 7})
    for sent, found in (({"path": "/", "n": 1}, "nothing (null)"), ({"title": {"a": 1}, "path": "/", "n": 1}, "Object")):
        want = {"error": f"`req.body.title`: expected text, found {found}", "details": {"field": "req.body.title"}}
        expect_json(port, "POST", "/titles", 400, lambda got, want=want: {k: got.get(k) for k in want} == want,
                    body=sent)
    expect_json(port, "GET", "/swap/3/9", 200,
                {"x": 9, "y": 3, "lo": 3, "hi": 9, "first": "one", "second": "two", "half": 9, "whole": 18,
                 "count": 2, "total": 12, "point": [3, 9], "one": [3], "grouped": 24})
    expect_json(port, "GET", "/patterns", 200, {
        "lists": ["empty", "single item: 1", "pair: 1 and 2", "starts with 1, 2 and 2 more"],
        "heads": [None, 7],
        "points": ["on the Y axis", "on the X axis", "at (1, 2)"],
        "access": ["full", "standard", "denied"],
        "routes": ["api:/users", "home", "404"],
        "dm": [3, 2], "joined": "abc", "lists_joined": [1, 2, 3], "lengths": [3, 5],
    })
    expect_json(port, "GET", "/params", 200, {
        "greet": "Hello, Alice! You are 30 years old.", "dist": 5.0, "server": "localhost:8080 debug=true",
        "conn": "https://api.example.com timeout=5000 retries=3", "norm": 7, "sums": [3, 7], "labels": ["1-2", "3-4"],
    })
    expect_json(port, "GET", "/g", 200,
                {"first": 3, "none": None, "boxed": 6, "pair": {"first": "a", "second": 2}, "size": 3})
    expect_json(port, "GET", "/grow", 200,
                {"items": [1, 2, 3, 11, 12], "state": {"xs": [1, 2, 1, 2]}, "doubled": [2, 4]})
