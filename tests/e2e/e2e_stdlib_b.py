"""e2e case `stdlib_b`: the family's strings, validators, encodings, JSON, URLs, dates and regexes.

Builds programs/stdlib_b.lux and checks the answers over HTTP: string functions in their
function, method and pipe forms (slugify, kebab_case, split with a limit, replace_first,
truncate, center, word_wrap, escape_html, fmt, char_at -> Option ...), the validators on a JSON
body (`guard is_email(data.email)`), base64/hex/percent-encoding both ways (a client's bad base64
or hex text answers 400, the program's own 500), sha256/sha1/md5/hmac_sha256 against the
standard vectors (a webhook signature checked with constant_time_equal), charCodeAt/codePointAt/String.fromCharCode/localeCompare over characters, Number.isInteger & co.
on a JSON body, json_parse's Result, parse_url/parse_query/build_url/build_query,
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
        "pct": "h%C3%A9llo%20w%C3%B6rld%3F%26", "unpct": "héllo wörld?&",
        "component": "h%C3%A9llo%20w%C3%B6rld%3F%26", "uncomponent": "héllo wörld?&", "js64": True})
    expect_json(port, "GET", "/encode" + q(s="(a)!*'"), 200, lambda b: b["component"] == "(a)!*'" and b["pct"] == "%28a%29%21%2A%27")
    expect_json(port, "GET", "/encode" + q(s="\xfb\xff"), 200, lambda b: b["url64"] == "w7vDvw" and b["b64"] == "w7vDvw==")
    expect_json(port, "GET", "/decode" + q(s="SGVsbG8sIFdvcmxkIQ=="), 200, "Hello, World!")
    # Bad text the client sent is its mistake (400 naming the position); the program's own, 500.
    st, _, body = request(port, "GET", "/decode" + q(s="not*base64"))
    check(st == 400 and "not base64 text (at position 3)" in body, f"GET /decode of bad text: {st} {body}")
    st, _, body = request(port, "GET", "/decode_hex" + q(s="4g"))
    check(st == 400 and "not hex text (at position 1)" in body, f"GET /decode_hex of bad text: {st} {body}")
    expect_json(port, "GET", "/decode_hex" + q(s="4142"), 200, "AB")
    st, _, body = request(port, "GET", "/decode_own" + q(s="abc"))
    check(st == 500 and "request_id" in body and "base64" not in body, f"GET /decode_own: {st} {body}")


def _hashes(port):
    expect_json(port, "GET", "/hashes" + q(s="abc", key="k", sig="x"), 200, lambda b: (
        b["sha256"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        and b["sha1"] == "a9993e364706816aba3e25717850c26c9cd0d89d"
        and b["md5"] == "900150983cd24fb0d6963f7d28e17f72"
        and b["sha512"].startswith("ddaf35a193617aba") and len(b["sha512"]) == 128
        and b["empty"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" and b["signed"] is False))
    fox_mac = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    expect_json(port, "GET", "/hashes" + q(s="The quick brown fox jumps over the lazy dog", key="key", sig=fox_mac), 200,
                lambda b: b["hmac"] == fox_mac and b["signed"] is True)
    # Text is hashed as its UTF-8 bytes, as Node's createHash(...).update(s) does.
    expect_json(port, "GET", "/hashes" + q(s="é", key="", sig=""), 200,
                lambda b: b["md5"] == "66ddcd97cfdeabb2f6fb8a999b4bc76f"
                and b["sha256"] == "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c"
                and b["hmac"] == "e2b36c14c961bddcba253e6e071cd6835731aaa01bcee5e6bbb33fe9dea253d7")  # an empty key


def _codes(port):
    # Characters as s[i] counts them: "é" is one character (233), "😀" one (128512).
    expect_json(port, "GET", "/codes" + q(s="héllo", i=1), 200, {
        "code": 233, "point": 104, "text": "Hi😀", "pair": "😀", "back": "é", "order": [-1, 0],
        "sorted": ["Apple", "fig", "pear"]})
    expect_json(port, "GET", "/codes" + q(s="z😀", i=1), 200, lambda b: b["code"] == 128512 and b["back"] == "😀"
                and b["order"] == [1, 0])
    # Outside the string: None (JavaScript's NaN), and the fallback's "?".
    expect_json(port, "GET", "/codes" + q(s="ab", i=5), 200, lambda b: b["code"] is None and b["back"] == "?")
    expect_json(port, "GET", "/codes" + q(s="", i=-1), 200, lambda b: b["code"] is None and b["point"] is None)
    expect_json(port, "GET", "/char" + q(code=65), 200, "A")
    expect_json(port, "POST", "/numbers", 200, {"integer": [True, False, False], "nan": False, "finite": True,
                                                "parsed": [255, 2.5]}, body={"qty": 3, "price": 2.5, "name": "ff"})
    expect_json(port, "POST", "/numbers", 200, lambda b: b["integer"] == [True, True, False] and b["parsed"][0] is None,
                body={"qty": 3.0, "price": 4.0, "name": "zz"})
    st, _, body = request(port, "GET", "/char" + q(code=-3))
    check(st == 400 and "-3 is not a character code" in body, f"GET /char of a negative code: {st} {body}")


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
        "weekday": 3, "built": 1718460000000, "ago": "3 hours ago", "now_is_iso": True, "js_ms": 1706664600000})
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
        _hashes(port)
        _codes(port)
        _json(port)
        _urls(port)
        _dates(port)
        _regexes(port)
    finally:
        log = stop_server(proc)
    check("missing `)`" in (log or ""), "the bad pattern's error is in the server's log")
