"""e2e case `family_types`: the family's types, Option/Result methods and string helpers.

Builds programs/family_types.lux and checks the computed answers over HTTP: records built by
position (`User(1, "Alice", "a@x")`, trailing defaults and Options left out, nested records, an
Int where a Float field is declared), variants built the same way, the Option and Result methods
of the family's guides (`flatMap`, `mapErr`, `isOk`, `unwrap_or`, `or`, `and`, `filter`,
`expect` failing as a 500 whose log line carries its message), `-> Result<Json, String>`, and
`"=" * n`, `title_case`, `snake_case`, `camel_case`, `pad_start`, `pad_end`, `trim_start`,
`trim_end`; match arms that leave (`Err(e) => return Err(e)`, `=> break`, `=> continue`); `guard` with
`order.items.length` on the client's JSON; nil checks narrowing Option fields of an immutable
binding or parameter (`if p.dims == nil { return ... }` then `p.dims.width`, `p.tax != nil ? p.price + p.tax : ...`).
"""
import os

from e2e import build_text, check, expect_json, free_port, program_text, request, start_server, stop_server


def _records(port):
    tasks = [{"title": "write", "done": False, "priority": 1, "note": None},
             {"title": "ship", "done": True, "priority": 1, "note": None},
             {"title": "test", "done": False, "priority": 3, "note": "soon"}]
    common = {"shown": "Bob (bob@example.com)", "tasks": tasks,
              "line": {"from": {"amount": 1.0, "currency": "EUR"}, "to": {"amount": 2.5, "currency": "USD"}},
              "total": 3.5, "distance": 2.0, "areas": [3.0, 7.0]}
    expect_json(port, "GET", "/records/1", 200, {**common, "found": "Found: Alice", "display": "Alice"})
    expect_json(port, "GET", "/records/2", 200, {**common, "found": "User not found", "display": "Anonymous"})


def _results(port):
    same = {"doubled": 42, "expected": 42, "error": "fail"}
    expect_json(port, "GET", "/results?s=42", 200, {
        **same, "chained": {"$ok": 42}, "mapped": {"$ok": 84}, "message": {"$ok": 42}, "ok": True, "err": False,
        "value": 42, "first_ok": {"$ok": 42}, "both": {"$ok": "next"}})
    expect_json(port, "GET", "/results?s=-3", 200, {
        **same, "chained": {"$err": "must be positive"}, "mapped": {"$ok": -6}, "message": {"$ok": -3}, "ok": True,
        "err": False, "value": -3, "first_ok": {"$ok": -3}, "both": {"$ok": "next"}})
    bad = {"$err": "not a number: abc"}
    expect_json(port, "GET", "/results?s=abc", 200, {
        **same, "chained": bad, "mapped": bad, "message": {"$err": "Error: not a number: abc"}, "ok": False,
        "err": True, "value": -1, "first_ok": {"$ok": 0}, "both": bad})


def _options(port):
    expect_json(port, "GET", "/options?q=hello", 200, {
        "n": 5, "some": True, "none": False, "long": 5, "fallback": 0, "either": "hello", "then": 1,
        "json": {"$err": "invalid JSON"}})
    expect_json(port, "GET", "/options?q=abc", 200, {
        "n": 3, "some": True, "none": False, "long": None, "fallback": 0, "either": "abc", "then": 1,
        "json": {"$err": "invalid JSON"}})
    expect_json(port, "GET", "/options", 200, {
        "n": None, "some": False, "none": True, "long": None, "fallback": 0, "either": "default", "then": None,
        "json": {"$ok": 1}})
    st, _, body = request(port, "GET", "/unwrap-none")
    check(st == 500 and "no value here" not in body, f"GET /unwrap-none: status {st}, body {body}")


def _arms(port):
    expect_json(port, "GET", "/arms?s=4", 200, {"r": {"$ok": 40}, "even": 40})
    expect_json(port, "GET", "/arms?s=x", 200, {"r": {"$err": "parse: not a number: x"}, "even": 6})


def _orders(port):
    expect_json(port, "POST", "/orders", 200, 5, body={"items": [1, 2], "total": 5})
    st, _, body = request(port, "POST", "/orders", {"items": [], "total": 5})
    check(st == 400 and "Order has no items" in body, f"POST /orders without items: {st} {body}")
    st, _, body = request(port, "POST", "/orders", {"items": ["a"], "total": 0})
    check(st == 400 and "Order total must be positive" in body, f"POST /orders with total 0: {st} {body}")


def _parcels(port):
    expect_json(port, "POST", "/parcels", 200, {"area": 6.0, "total": 12.5, "label": 3, "tax": 2.5},
                body={"price": 10, "tax": 2.5, "dims": {"width": 2, "height": 3, "label": "box"}})
    expect_json(port, "POST", "/parcels", 200, {"area": 1.0, "total": 10.0, "label": 0, "tax": 0.0},
                body={"price": 10, "dims": {"width": 1, "height": 1}})
    st, _, body = request(port, "POST", "/parcels", {"price": 10, "tax": 1})
    check(st == 400 and "dims required" in body, f"POST /parcels without dims: {st} {body}")


def _strings(port):
    expect_json(port, "GET", "/strings?title=Report", 200, {
        "header": "======\nReport\n======", "title": "Hello World", "snake": "my_variable_name",
        "camel": "myVariableName", "padded": "007", "cells": "ab...|", "trimmed": ["a  ", "  a"], "nothing": ""})


def run(a):
    name = "family_types"
    out = os.path.join(a.out, name)
    exe = build_text(a.luxc, out, "family_types.lux", program_text("family_types.lux"))
    if not exe:
        return
    port = free_port()
    proc = start_server(exe, port, cwd=out, name=name)
    try:
        _records(port)
        _results(port)
        _options(port)
        _strings(port)
        _arms(port)
        _orders(port)
        _parcels(port)
    finally:
        log = stop_server(proc)
    check("no value here" in (log or ""), "the failed `expect` logs its message")
