"""e2e case `family_core`: the core language inside handlers, written the family's way.

Builds programs/family_core_values.lux and programs/family_core_flow.lux and checks the computed
answers over HTTP: the everyday built-ins (numbers, lists, strings by characters), method calls
on plain values (`s.trim().upper()`, `xs.filter(...).map(...)`), slices, `for k, v in obj`, `+`
joining a string with any value, Float text as JSON prints it, Int overflow and a negative Int
exponent as 500s; recursion over variants, match ranges and guards, closures sharing a `var`,
`!` on Results, guard, and a thrown record caught into its own status. Builds
programs/family_core_syntax.lux: the family's expression syntax (`and`/`or`/`not`, `in`/`not in`, `??`, `?.`, `**`).
"""
import json
import os

from e2e import build_text, check, expect_json, free_port, program_text, request, start_server, stop_server


def _serve(a, filename):
    name = filename[:-len(".lux")]
    exe = build_text(a.luxc, os.path.join(a.out, name), filename, program_text(filename))
    if not exe:
        return None, None
    port = free_port()
    return start_server(exe, port, cwd=os.path.join(a.out, name), name=name), port


def _exact(port, path, want):
    """GET path: 200 and the JSON text's values equal `want` with Int and Float told apart."""
    st, _, text = request(port, "GET", path)
    check(st == 200, f"GET {path}: status {st}: {text}")
    got = json.loads(text, parse_float=lambda s: ("float", s))
    check(got == want, f"GET {path}: body {got},\nexpected {want}")


def _values(a):
    proc, port = _serve(a, "family_core_values.lux")
    if not proc:
        return
    f = lambda s: ("float", s)  # a JSON number written with a fraction or an exponent
    _exact(port, "/math?x=2.345&n=-5", {
        "abs": 5, "absf": f("2.345"), "floor": 2, "ceil": 3, "round": 2, "round2": f("2.35"),
        "sqrt": f("5.0"), "pow": -125, "powf": f("5.4990250000000005"), "min": -5, "max": 7,
        "div": -2, "mod": -2, "fdiv": f("1.1725"), "text": "2.4450000000000003",
        "joined": "n=-5, x=2.345, ok=true"})
    _exact(port, "/math?x=-2.5&n=7", {
        "abs": 7, "absf": f("2.5"), "floor": -3, "ceil": -2, "round": -2, "round2": f("-2.5"),
        "sqrt": f("7.0"), "pow": 343, "powf": f("6.25"), "min": 2, "max": 7,
        "div": 3, "mod": 1, "fdiv": f("-1.25"), "text": "-2.4", "joined": "n=7, x=-2.5, ok=true"})
    expect_json(port, "GET", "/pow/3/4", 200, {"value": 81})
    expect_json(port, "GET", "/pow/-1/1000000000000", 200, {"value": 1})
    for bad in ("/pow/2/63", "/pow/2/-1"):  # an overflow; a negative Int exponent
        st, _, body = request(port, "GET", bad)
        check(st == 500, f"GET {bad}: status {st}, expected 500: {body}")
    expect_json(port, "GET", "/text?s=h%C3%A9llo%20x", 200, {
        "chars": ["h", "é", "l", "l", "o", " ", "x"], "count": 7, "length": 7, "reversed": "x olléh",
        "head": "hél", "tail": " x", "upper": "HÉLLO X", "words": ["héllo", "x"], "starts": True,
        "ends": True, "replaced": "héLLo x", "repeated": "ababab", "capital": "Héllo x", "at": 2,
        "lines": ["a", "b", "c"], "walked": "0h1é2l3l4o5 6x",
        "spread": ["h", "é", "l", "l", "o", " ", "x"], "spread_typed": ["<", "h", "é", "l", "l", "o", " ", "x"],
        "from": ["h", "é", "l", "l", "o", " ", "x"], "from_fn": ["0h", "1é", "2l", "3l", "4o", "5 ", "6x"],
        "squares": [0, 1, 4, 9]})
    expect_json(port, "GET", "/lists?n=5", 200, {
        "sorted": [1, 2, 3], "by_key": ["fig", "pear", "apple"], "reversed": [4, 3, 2, 1, 0],
        "any": True, "all": True, "count": 3, "last": 4, "last_empty": None, "drop": [3, 4],
        "flat": [1, 2, 3], "flat_map": [1, 10, 2, 20], "unique": [1, 2, 3],
        "zip": [[0, "a"], [1, "b"]], "enumerate": [[0, "x"], [1, "y"]], "find_index": 3,
        "index_of": 2, "empty": False, "slice": [1, 2], "slice_fn": [2, 3, 4], "chain": 400})
    expect_json(port, "GET", "/lists?n=0", 200, lambda b: b["empty"] is True and b["last"] is None
                and b["find_index"] is None and b["index_of"] == -1 and b["slice"] == [] and b["drop"] == [])
    _exact(port, "/orders", {"total": f("15.5"), "ids": [1, 3], "unpaid": True, "biggest": 1,
                             "labels": ["#1: 10.5", "#2: 4.5", "#3: 5.0"]})
    expect_json(port, "POST", "/entries", 200, {"keys": ["b:2", "a:40"], "total": 42, "pairs": ["a=3", "b=2", "c=1"]},
                body={"b": 2, "a": "40"})
    # Method calls on a JSON document are the built-ins' (a JSON document holds no functions).
    expect_json(port, "POST", "/json", 200, {"n": 2, "names": ["AB", "C"], "total": 7},
                body={"items": [{"name": "ab", "qty": 3}, {"name": "c", "qty": "4"}]})
    # A value the client sent that is no number: 400 naming the field, not a crash.
    expect_json(port, "POST", "/entries", 400, lambda b: "error" in b and "request_id" in b, body={"a": "x"})
    stop_server(proc)
    check(proc.returncode == 0, f"family_core_values exit status {proc.returncode}")


def _flow(a):
    proc, port = _serve(a, "family_core_flow.lux")
    if not proc:
        return
    expect_json(port, "GET", "/eval/5", 200, {"value": -7, "kinds": ["zero", "digit", "small", "big", "negative"], "own": "digit"})
    expect_json(port, "GET", "/eval/50", 200, {"value": 38, "kinds": ["zero", "digit", "small", "big", "negative"], "own": "small"})
    expect_json(port, "GET", "/counter", 200, {"count": 6, "captured": [10, 20, 30]})
    expect_json(port, "GET", "/double?a=3&b=4", 200, {"value": 14})
    expect_json(port, "GET", "/double?a=3&b=-4", 422, {"error": "not positive: -4"})
    expect_json(port, "GET", "/double?a=0&b=4", 422, {"error": "not positive: 0"})
    expect_json(port, "GET", "/small/5", 200, {"value": 5})
    expect_json(port, "GET", "/small/500", 422, {"error": "too big: 500"})
    expect_json(port, "GET", "/small/-1", 400, {"error": "negative"})
    expect_json(port, "GET", "/collatz/27", 200, {"steps": 111})
    # Unannotated parameters: the built-in, unless the value has a function field of that name.
    expect_json(port, "GET", "/untyped?word=hey", 200, {"shout": "HEY", "total": 7, "field": 42})
    stop_server(proc)
    check(proc.returncode == 0, f"family_core_flow exit status {proc.returncode}")


def _syntax(a):
    proc, port = _serve(a, "family_core_syntax.lux")
    if not proc:
        return
    # `and`/`or`/`not`: `&&`/`||`/`!` spelled as words; the right side runs only when needed
    # (`seen` lists the right sides that ran), `not` binds looser than `==`.
    expect_json(port, "GET", "/logic?a=3&b=4", 200, {
        "both": True, "either": True, "neither": False, "not_eq": True, "in_range": True,
        "lazy_and": True, "lazy_or": True, "seen": ["and"], "long": True, "guarded": "b"})
    expect_json(port, "GET", "/logic?a=-2&b=-2", 200, {
        "both": False, "either": False, "neither": True, "not_eq": False, "in_range": False,
        "lazy_and": False, "lazy_or": False, "seen": ["or"], "long": True, "guarded": "none"})
    expect_json(port, "GET", "/logic?a=100&b=-1", 200, {
        "both": False, "either": True, "neither": False, "not_eq": True, "in_range": True,
        "lazy_and": False, "lazy_or": True, "seen": ["and"], "long": False, "guarded": "a"})
    # `in`/`not in`: a list element, a substring, an object key.
    expect_json(port, "GET", "/has?x=2&word=lo&key=name", 200, {
        "in_list": True, "not_in_list": False, "in_text": True, "not_in_text": False, "key_in": True,
        "not_key": False, "evens": [1, 3, 5, 6], "both": True})
    expect_json(port, "GET", "/has?x=7&word=xyz&key=email", 200, {
        "in_list": False, "not_in_list": True, "in_text": False, "not_in_text": True, "key_in": False,
        "not_key": True, "evens": [1, 3, 5, 6], "both": False})
    # `??`: the Option's value, else the right side, which runs only then (`ran`).
    expect_json(port, "GET", "/coalesce?name=ada&n=4", 200, {
        "name": "ada", "n": 4, "doubled": 8, "ran": 0, "found": 8, "missing": -1, "chained": 4, "size": 3})
    expect_json(port, "GET", "/coalesce", 200, {
        "name": "anonymous", "n": 7, "doubled": 2, "ran": 1, "found": 8, "missing": -1, "chained": 2, "size": 0})
    # `?.`: a field through an Option; None stays None (null in JSON) along the chain.
    expect_json(port, "GET", "/chain?depth=3", 200, {"name": "p2", "boss": "p1", "grand": "p0", "size": 2})
    expect_json(port, "GET", "/chain?depth=1", 200, {"name": "p0", "boss": None, "grand": "nobody", "size": 2})
    expect_json(port, "GET", "/chain?depth=0", 200, {"name": None, "boss": None, "grand": "nobody", "size": 0})
    # `**`: pow(); Int ** Int is exact, right-grouping, tighter than prefix `-`.
    _exact(port, "/power?b=3&e=4", {"int": 81, "float": ("float", "1.4142135623730951"),
                                    "mixed": ("float", "1.7320508075688772"), "right": 512, "neg": -9, "kib": 3072})
    for bad in ("/power?b=2&e=64", "/power?b=2&e=-1"):  # an overflow; a negative Int exponent
        st, _, body = request(port, "GET", bad)
        check(st == 500, f"GET {bad}: status {st}, expected 500: {body}")
    stop_server(proc)
    check(proc.returncode == 0, f"family_core_syntax exit status {proc.returncode}")


def run(a):
    _values(a)
    _flow(a)
    _syntax(a)
