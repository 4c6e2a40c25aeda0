"""e2e case `stdlib_b`: the family's strings, validators, encodings, JSON, URLs, dates and regexes.

Builds programs/stdlib_b.lux and checks the answers over HTTP: string functions in their
function, method and pipe forms (slugify, kebab_case, split with a limit, replace_first,
truncate, center, word_wrap, escape_html, fmt, char_at -> Option ...), the validators on a JSON
body (`guard is_email(data.email)`), base64/hex/percent-encoding both ways and a bad base64 text
answering 500 without a crash, json_parse's Result, parse_url/parse_query/build_url/build_query,
dates in UTC (date_parse with an offset, date_format, date_add of a month at a month's end,
date_diff, date_part, time_ago), and regexes (groups, named groups, `$1` replacements, split),
including a client-sent pattern that is catastrophic for a backtracking engine, answered at once,
and one that does not compile, the client's mistake (400).
"""
import json
import os
import time
import urllib.parse

from e2e import build_text, check, expect_json, free_port, program_text, request, start_server, stop_server


def q(**params):
    return "?" + urllib.parse.urlencode(params)


def _strings(port):
    expect_json(port, "GET", "/strings" + q(s="  Hello World!  "), 200, {
        "slug": "hello-world", "method_slug": "hello-world", "kebab": "hello-world!", "parts": ["a", "b,c"],
        "first": "hi hello", "all": "aaxxcc", "last": 9, "count": 2, "cut": "  Hel...", "centered": "**hi**",
        "wrapped": "one two\nthree four", "html": "&lt;b&gt;  Hello World!  &lt;/b&gt;", "back": "<i>",
        "formatted": "1 + 2 = 3", "initial": " ", "beyond": None, "snake": "xml_parser", "tail": "world",
        "reversed": "cba", "indented": "  a\n  b", "dedented": "x\n  y"})


def _validation(port):
    expect_json(port, "POST", "/signup", 200, {"ok": True, "uuid": True, "numeric": True, "hex": True, "url": True},
                body={"email": "ada@example.com", "username": "ada1815"})
    st, _, body = request(port, "POST", "/signup", {"email": "ada-at-example.com", "username": "ada"})
    check(st == 400 and "Invalid email" in body, f"POST /signup with a bad email: {st} {body}")
    st, _, body = request(port, "POST", "/signup", {"username": "ada"})
    check(st == 400 and "Invalid email" in body, f"POST /signup without an email: {st} {body}")
    st, _, body = request(port, "POST", "/signup", {"email": "ada@example.com", "username": "ada lovelace"})
    check(st == 400 and "alphanumeric" in body, f"POST /signup with a bad username: {st} {body}")


def _encodings(port):
    expect_json(port, "GET", "/encode" + q(s="héllo wörld?&"), 200, {
        "b64": "aMOpbGxvIHfDtnJsZD8m", "back": "héllo wörld?&", "url64": "aMOpbGxvIHfDtnJsZD8m",
        "hex": "68c3a96c6c6f2077c3b6726c643f26", "unhex": "héllo wörld?&",
        "pct": "h%C3%A9llo%20w%C3%B6rld%3F%26", "unpct": "héllo wörld?&"})
    expect_json(port, "GET", "/encode" + q(s="\xfb\xff"), 200, lambda b: b["url64"] == "w7vDvw" and b["b64"] == "w7vDvw==")
    expect_json(port, "GET", "/decode" + q(s="SGVsbG8sIFdvcmxkIQ=="), 200, "Hello, World!")
    st, _, body = request(port, "GET", "/decode" + q(s="not*base64"))
    check(st == 500 and "request_id" in body, f"GET /decode of bad text: {st} {body}")


def _json(port):
    expect_json(port, "POST", "/json", 200, {"ok": True, "compact": '{"name":"Alice","scores":[90,85]}',
                                             "pretty": '{\n  "name": "Alice",\n  "scores": [\n    90,\n    85\n  ]\n}'},
                body={"raw": '{"name": "Alice", "scores": [90, 85]}'})
    expect_json(port, "POST", "/json", 200, lambda b: b["ok"] is False and "line 1" in b["error"],
                body={"raw": "invalid json"})


def _urls(port):
    expect_json(port, "GET", "/url" + q(u="https://example.com:8443/path/x?q=tova%20lang&page=2#top"), 200, {
        "host": "example.com:8443", "path": "/path/x", "query": {"q": "tova lang", "page": "2"},
        "rebuilt": "https://api.example.com/v1/users?limit=10&q=a%20b"})
    st, _, body = request(port, "GET", "/url" + q(u="not a url"))
    check(st == 400 and "Invalid URL: not a url" in body, f"GET /url of a bad URL: {st} {body}")


def _dates(port):
    # 23:30 at -02:00 is 01:30 UTC the next day, a Wednesday; Jan 31 + 1 month is Feb 29 in 2024.
    expect_json(port, "GET", "/dates" + q(day="2024-01-30T23:30:00-02:00"), 200, {
        "iso": "2024-01-31T01:30:00.000Z", "display": "31/01/2024", "later": "2024-02-29", "days": 29,
        "weekday": 3, "built": 1718460000000, "ago": "3 hours ago", "now_is_iso": True})
    expect_json(port, "GET", "/dates" + q(day="2024-06-15"), 200, lambda b: b["weekday"] == 6 and b["later"] == "2024-07-15")
    st, _, body = request(port, "GET", "/dates" + q(day="2023-02-29"))
    check(st == 400 and "Invalid date: 2023-02-29" in body, f"GET /dates of a day February 2023 lacks: {st} {body}")


def _regexes(port):
    expect_json(port, "GET", "/regex" + q(src="Hello abc123 x45"), 200, {
        "has_digits": True, "ignoring_case": True,
        "first": {"$ok": {"match": "123", "index": 9, "groups": ["123"]}},
        "all": ["1", "2", "3", "4", "5"],
        "capture": {"$ok": {"year": "2024", "month": "01", "day": "15"}},
        "replaced": "[Hello] [abc123] [x45]", "split": ["one", "two", "three"]})
    expect_json(port, "GET", "/regex" + q(src="none here"), 200,
                lambda b: b["has_digits"] is False and b["first"] == {"$err": "No match"} and b["all"] == [])
    # A client's pattern: catastrophic for a backtracking engine, linear here.
    started = time.monotonic()
    expect_json(port, "GET", "/pattern" + q(p="(a+)+b", src="a" * 8000), 200, False)
    check(time.monotonic() - started < 5, "a hostile pattern is answered at once")
    st, _, body = request(port, "GET", "/pattern" + q(p="(a", src="x"))
    # The pattern is what the client sent: its mistake, a 400 naming the problem.
    check(st == 400 and "request_id" in body and "bad pattern" in body, f"GET /pattern with a bad pattern: {st} {body}")


def run(a):
    name = "stdlib_b"
    out = os.path.join(a.out, name)
    exe = build_text(a.luxc, out, "stdlib_b.lux", program_text("stdlib_b.lux"))
    if not exe:
        return
    port = free_port()
    proc = start_server(exe, port, cwd=out, name=name)
    try:
        _strings(port)
        _validation(port)
        _encodings(port)
        _json(port)
        _urls(port)
        _dates(port)
        _regexes(port)
    finally:
        log = stop_server(proc)
    check("missing `)`" in (log or ""), "the bad pattern's error is in the server's log")
