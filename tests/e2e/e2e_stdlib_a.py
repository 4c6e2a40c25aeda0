"""e2e case `stdlib_a`: the family's standard library, part A, as its pages write it.

Builds programs/stdlib_a.lux and checks the computed answers over HTTP: list functions in their
free, method and pipe forms (chunk, partition, group_by, count_by, frequencies, sliding_window,
pairwise, scan, sum_by, product, min_by/max_by, none, reduce without an initial value, zip of three
lists, zip_with), set operations and combinatorics, the copying list
updates, binary_search and is_sorted, the eager `iter(...)...collect()` chain, type_of, the object
helpers (merge, pick, omit, entries, from_entries, map_values, has_key), the functional helpers
(compose, pipe_fn, identity, negate, flip, partial, memoize, once), math and statistics, random
values within their bounds, and the conversions (to_bool, parse_int, toInt, toFloat). A chunk size
of 0 sent by the client answers 500 without stopping the server.
"""
import os

from e2e import build_text, check, expect_json, free_port, program_text, request, start_server, stop_server


def run(a):
    name = "stdlib_a"
    exe = build_text(a.luxc, os.path.join(a.out, name), "stdlib_a.lux", program_text("stdlib_a.lux"))
    if not exe:
        return
    port = free_port()
    proc = start_server(exe, port, cwd=os.path.join(a.out, name), name=name)
    try:
        _lists(port)
        _sets(port)
        _objects(port)
        _functional(port)
        _math(port)
        _random(port)
        _convert(port)
    finally:
        stop_server(proc)


def _lists(port):
    lamp = {"name": "lamp", "price": 40, "qty": 1, "tag": "home"}
    mug = {"name": "mug", "price": 8, "qty": 2, "tag": "home"}
    expect_json(port, "GET", "/lists?n=6", 200, {
        "chunks": [[1, 2, 3], [4, 5, 6]],
        "evens": [2, 4, 6],
        "odds": [1, 3, 5],
        "windows": [[1, 2], [2, 3]],
        "pairs": [[1, 2], [2, 3]],
        "running": [1, 3, 6, 10, 15, 21],
        "product": 720,
        "total": 318,
        "cheapest": "pen",
        "priciest": "desk",
        "home": [lamp, mug],
        "tags": ["office", "home"],
        "counts": {"office": 2, "home": 2},
        "freq": {"a": 3, "b": 2, "c": 1},
        "none_big": True,
        "top2": ["desk", "lamp"],
        "product_of_none": 1,
        "folded": 24,
        "zipped3": [[1, "a", True], [2, "b", False]],
        "combined": ["Alice:30", "Bob:25"],
        "counted": 4,
    })
    expect_json(port, "GET", "/lists?n=0", 200, lambda b: b["chunks"] == [] and b["running"] == [] and b["product"] == 1)
    expect_json(port, "GET", "/chunk?size=3", 200, [[1, 2, 3], [4]])
    st, _, body = request(port, "GET", "/chunk?size=0")
    check(st == 500, f"GET /chunk?size=0: status {st}, expected 500: {body}")
    check("request_id" in body, f"a chunk size of 0 answers the error shape: {body}")
    expect_json(port, "GET", "/chunk?size=4", 200, [[1, 2, 3, 4]])  # the server goes on


def _sets(port):
    expect_json(port, "GET", "/sets", 200, {
        "union": [1, 2, 3, 4],
        "intersection": [2, 3],
        "difference": [1],
        "symmetric": [1, 4],
        "subset": True,
        "superset": False,
        "combos": [["a", "b"], ["a", "c"], ["b", "c"]],
        "perms": 6,
        "spaced": ["a", "-", "b", "-", "c"],
        "woven": [1, 10, 2, 20, 3],
        "zeros": [0, 0, 0],
        "inserted": [1, 9, 2, 3],
        "removed": [2, 3],
        "updated": [1, 2, 7],
        "rotated": [5, 1, 2, 3, 4],
        "compacted": [1, 2],
        "found": 3,
        "missing": -1,
        "sorted_ok": True,
        "sorted_by_price": False,
        "lazy": [0, 49, 196],
        "kinds": ["Int", "Float", "String", "List", "Object", "Nil"],
    })


def _objects(port):
    expect_json(port, "GET", "/objects", 200, {
        "merged": {"theme": "dark", "lang": "en", "debug": True},
        "picked": {"name": "Ann", "email": "ann@example.com"},
        "public": {"name": "Ann", "email": "ann@example.com"},
        "entries": [["math", 85], ["science", 92]],
        "rebuilt": {"a": 1, "b": 2},
        "doubled": {"math": 170, "science": 184},
        "has_email": True,
        "has_phone": False,
        "line": "math=85, science=92",
        "same": True,
    })


def _functional(port):
    expect_json(port, "GET", "/functional?x=3", 200, {
        "composed": 7, "piped": 8, "same": 3, "odd": True, "flipped": 7, "add5": 8,
        "odds": [1, 3, 5], "squares": [9, 9, 9], "once": [300, 300],
    })
    expect_json(port, "GET", "/functional?x=4", 200, lambda b: b["composed"] == 9 and b["odd"] is False
                and b["squares"] == [16, 16, 9] and b["once"] == [400, 400])


def _math(port):
    expect_json(port, "GET", "/math", 200, {
        "trunc": -3,
        "sign": [-1, 0, 1],
        "clamped": [10, 0, 1.0],
        "rounded": 3.14,
        "fixed": 2.718,
        "trig": [0.0, 1.0, 0.7854],
        "logs": [3.0, 3.0, 0.0, 1.0],
        "degrees": 90.0,
        "hypot": 5.0,
        "lerp": 2.5,
        "close": True,
        "finite": [True, False],
        "ints": [4, 12, 120],
        "divmod": [-4, 1],
        "stats": {"mean": 5.0, "avg": 1.5, "median": 2.5, "mode": 4},
        "spread": {"variance": 4.0, "stdev": 2.0, "p25": 1.75},
        "formatted": ["1,234,567", "1,234.50", "1.234.567"],
        "bases": ["ff", "1010", "10"],
        "powered": [1024, True, 4.0],
    })


def _random(port):
    for _ in range(5):
        expect_json(port, "GET", "/random", 200, {
            "die_ok": True, "random_ok": True, "float_ok": True, "choice_ok": True,
            "shuffled": [1, 2, 3, 4, 5], "sample_size": 3, "sample_unique": 3,
        })


def _convert(port):
    expect_json(port, "GET", "/convert?text=42", 200, {
        "bools": [False, False, False, True, False, True],
        "parsed": 42, "or_default": 42, "as_float": 42.0, "to_int": 42, "shown": "3.5", "valid": [1, 2, 4],
    })
    expect_json(port, "GET", "/convert?text=abc", 200, lambda b: b["parsed"] is None and b["or_default"] == -1
                and b["as_float"] is None)
