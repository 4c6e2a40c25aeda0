"""e2e case `string_forms`: the family's string literal forms, byte for byte.

Builds programs/string_forms.lux and checks over HTTP: a triple-quoted HTML page whose
interpolations hold a call with a lambda and a string with `}` in it (its lines dedented to the
closing delimiter, the first and last lines dropped), a JavaScript template literal spanning lines
sent with `res.send` (kept as written: its newlines, `$` and `{` are text), raw strings (one-line
and triple-quoted: backslashes and braces kept), f-strings (`f"..."` and `f'...'` interpolate),
`f` and `r` as names, and a `'''` string whose `\\` at a line's end joins two lines.
"""
import json
import os

from e2e import build_text, check, curl_response, free_port, program_text, start_server, stop_server


def run(a):
    name = "string_forms"
    exe = build_text(a.luxc, os.path.join(a.out, name), "string_forms.lux", program_text("string_forms.lux"))
    if not exe:
        return
    port = free_port()
    proc = start_server(exe, port, cwd=os.path.join(a.out, name), name=name)
    try:
        _expect(port, "/page/Al", "text/html",
                b'<html>\n'
                b'  <h1>Al</h1>\n'
                b'  <ul><li>a</li><li>b</li></ul>\n'
                b'  <p>} and "quotes" and {braces}</p>\n'
                b'</html>')
        _expect(port, "/express", "text/html", b"\n<html>\n  <p>Hi costs $5, {not} 2</p>\n</html>\n")
        _expect(port, "/text", "text/plain", b'{"a": 1}\n  indented joined')
        status, _, body = curl_response(f"http://127.0.0.1:{port}/raw")
        check(status == 200, f"GET /raw: status {status}")
        want = {"path": "C:\\Users\\al\\{x}", "pattern": "\\d+\\.\\d+", "block": "\\n stays", "fs": "sum 5",
                "fsq": "ab", "names": [2, 3]}
        try:
            got = json.loads(body)
        except ValueError:
            got = None
        check(got == want, f"GET /raw: body {body!r}, expected {want}")
    finally:
        stop_server(proc)


def _expect(port, path, content_type, want):
    status, headers, body = curl_response(f"http://127.0.0.1:{port}{path}")
    check(status == 200, f"GET {path}: status {status}")
    check(content_type is None or headers.get("content-type", "").startswith(content_type),
          f"GET {path}: content-type {headers.get('content-type')!r}, expected {content_type}")
    check(body == want, f"GET {path}: body {body!r}, expected {want!r}")
