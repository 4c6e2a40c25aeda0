"""e2e case `family_col`: the family's collection syntax inside handlers and functions.

Builds programs/family_col.lux and checks the computed answers over HTTP: list comprehensions
(filters, nested `for`, over ranges, lists of records, strings and `for i, x`), dict
comprehensions (over a range, over a list of pairs, over an object's entries), Python slices with
steps on lists and strings (by character), open range slices, chained comparisons evaluating each
operand once, a slice step of 0 computed at run time answering 500 without stopping the server,
the JavaScript method names `includes` and `indexOf`, and computed object keys `{ [k]: v }`
(with written keys and spreads, later keys replacing earlier ones, Int keys as text).
"""
import os

from e2e import build_text, check, expect_json, free_port, program_text, request, start_server, stop_server


def run(a):
    name = "family_col"
    exe = build_text(a.luxc, os.path.join(a.out, name), "family_col.lux", program_text("family_col.lux"))
    if not exe:
        return
    port = free_port()
    proc = start_server(exe, port, cwd=os.path.join(a.out, name), name=name)
    try:
        _comprehensions(port)
        _slices(port)
        _chains(port)
        _methods(port)
        _computed(port)
    finally:
        stop_server(proc)


def _comprehensions(port):
    expect_json(port, "GET", "/comprehensions?n=10", 200, {
        "squares": [0, 1, 4, 9, 16, 25, 36, 49, 64, 81],
        "evens": [0, 2, 4, 6, 8, 10, 12, 14, 16, 18],
        "processed": [2, 4, 6, 8, 10, 12, 14, 16, 18],
        "short_names": ["Bob", "Eve"],
        "upper_long": ["ALICE", "CAROL"],
        "pairs": [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2], [2, 0], [2, 1], [2, 2]],
        "below_diagonal": [[1, 0], [2, 0], [2, 1]],
        "active_names": ["ann", "cy"],
        "letters": ["A", "B", "C"],
        "indexed": ["0:Alice", "1:Bob", "2:Carol", "3:Eve"],
        "squares_map": {"0": 0, "1": 1, "2": 4, "3": 9, "4": 16},
        "obj": {"name": "Alice", "age": "30"},
        "doubled_ports": {"host": "localhost!", "port": "8080!"},
        "flat": [1, 2, 3],
    })
    expect_json(port, "GET", "/comprehensions?n=0", 200, lambda b: b["squares"] == [])


def _slices(port):
    expect_json(port, "GET", "/slices", 200, {
        "mid": [2, 3, 4], "head": [0, 1, 2], "tail": [7, 8, 9], "last3": [7, 8, 9],
        "every2": [0, 2, 4, 6, 8], "odd": [1, 3, 5, 7, 9], "every3": [0, 3, 6, 9],
        "reversed": [5, 4, 3, 2, 1], "portion": [5, 4, 3],
        "hello": "Hello", "world": "World!", "backwards": "!dlroW ,olleH", "accents": "olléh",
        "open_from": [7, 8, 9], "open_to": [0, 1, 2], "open_to_incl": [0, 1, 2, 3],
        "last": 9, "past_end": [], "copy": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    })
    cases = {
        (8, 2, -2): ([8, 6, 4], "ige"),
        (-1, -11, -3): ([9, 6, 3, 0], "jgda"),
        (-100, 100, 4): ([0, 4, 8], "aei"),
        (3, 3, 1): ([], ""),
        (2, 9, 9223372036854775807): ([2], "c"),
        (9, -20, -9223372036854775807): ([9], "j"),
    }
    for (start, stop, step), (items, text) in cases.items():
        expect_json(port, "GET", f"/slice?start={start}&stop={stop}&step={step}", 200, {"items": items, "text": text})
    st, _, body = request(port, "GET", "/slice?start=0&stop=5&step=0")
    check(st == 500, f"GET /slice step 0: status {st}, expected 500: {body}")
    check("request_id" in body and "slice" not in body, f"step 0 answers the error shape without the message: {body}")
    expect_json(port, "GET", "/slice?start=0&stop=3&step=1", 200, {"items": [0, 1, 2], "text": "abc"})


def _chains(port):
    expect_json(port, "GET", "/chain?x=5&score=100", 200, {
        "between": True, "valid_score": True, "increasing": True, "mixed": True, "middle": True,
        "skipped": False, "calls": 1, "parenthesised": True})
    expect_json(port, "GET", "/chain?x=10&score=101", 200, {
        "between": False, "valid_score": False, "increasing": True, "mixed": False, "middle": False,
        "skipped": False, "calls": 1, "parenthesised": True})
    expect_json(port, "GET", "/chain?x=0&score=-1", 200, {
        "between": False, "valid_score": False, "increasing": False, "mixed": True, "middle": False,
        "skipped": False, "calls": 1, "parenthesised": False})
    # `100 < x < bump(x)` calls bump only when 100 < x held.
    expect_json(port, "GET", "/chain?x=200&score=5", 200, {
        "between": False, "valid_score": True, "increasing": False, "mixed": False, "middle": False,
        "skipped": False, "calls": 2, "parenthesised": True})


def _methods(port):
    expect_json(port, "GET", "/methods?x=4&email=ada%40example.com", 200, {
        "includes": True, "index": 2, "at_sign": True, "at": 3, "joined": "3, 1, 4, 1, 5, 9"})
    expect_json(port, "GET", "/methods?x=7&email=nobody", 200, {
        "includes": False, "index": -1, "at_sign": False, "at": -1, "joined": "3, 1, 4, 1, 5, 9"})


def _computed(port):
    expect_json(port, "GET", "/computed?field=email&n=7", 200, {
        "data": {"email": "alice@example.com"},
        "config": {"host": "localhost", "port": 3000, "email": 7},
        "override": {"email": "last", "host": "x"},
        "numbered": {"7": "n", "8": "next"},
        "tagged": {"email": 7, "email_doubled": 14},
        "captured": {"email": 8},
        "lengths": {"ab": 2, "c": 1},
        "read": "alice@example.com",
    })
    # A key equal to a written one replaces it where it stands in the literal's order.
    expect_json(port, "GET", "/computed?field=port&n=1", 200,
                lambda b: b["config"] == {"host": "localhost", "port": 3000} and b["data"] == {"port": "alice@example.com"})
