"""e2e case `types_finish` (tests/e2e/programs/types_finish.lux), over real HTTP.

- A conversion of what the client sent (`to_int(body.count)`, `to_float`, `len`, `JSON.parse` of a
  body field and a conversion of its parts) that fails answers 400 in the error shape, naming the
  field as the program reads it; the same conversion of the server's own data (a db row) is 500
  without details.
- Built-ins that take any value (to_string, JSON.stringify, print, log.info, len, contains, keys)
  called with records, lists, Options and enums answer what their docs say; a handler returning a
  helper's `respond_error(404, ...)` answers 404, and /openapi.json lists that 404.
- A subscriber that throws is retried (attempts 1-4 logged with the thrown message) and then
  dead-lettered ("event handler failed for good", attempt 5); one that throws twice is handled on
  its third try. A schedule that throws is logged with its name each tick and keeps running.
"""
import json
import os
import re

from e2e import build, check, expect_json, free_port, program, read_until, request, start_server, stop_server


def _logfmt(line):
    out = {}
    for m in re.finditer(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)', line):
        v = m.group(2)
        out[m.group(1)] = json.loads(v) if v.startswith('"') else v
    return out


def _bad_request(port, path, body, field, message):
    got, headers = expect_json(port, "POST", path, 400, None, body)
    if got is None:
        return
    check(set(got) == {"error", "details", "request_id"}, f"POST {path} {body}: error shape {got}")
    check(got.get("error") == message, f"POST {path} {body}: error {got.get('error')!r}, expected {message!r}")
    check(got.get("details") == {"field": field}, f"POST {path} {body}: details {got.get('details')}")
    check(got.get("request_id") == headers.get("X-Request-Id"), f"POST {path}: request_id {got} vs {headers}")


def run(a):
    os.makedirs(a.out, exist_ok=True)
    p = build(a, program("types_finish.lux"))
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    env = dict(os.environ, LUX_EVENTS_PATH=":memory:", LUX_JOBS_PATH=os.path.join(a.out, "jobs.db"),
               LUX_LOG_FORMAT="text", LUX_LOG_LEVEL="info")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(env["LUX_JOBS_PATH"] + suffix):
            os.remove(env["LUX_JOBS_PATH"] + suffix)
    port = free_port()
    proc = start_server(exe, port, env=env, cwd=a.out, name="types_finish")
    if not proc:
        return
    lines = []
    try:
        # Client data: 400 naming the field; good data converts.
        expect_json(port, "POST", "/convert", 200, {"count": 7, "ratio": 1.5, "items": 2},
                    {"count": "7", "ratio": "1.5", "items": [1, 2]})
        _bad_request(port, "/convert", {"count": "abc", "ratio": "1", "items": []}, "req.body.count",
                     '`req.body.count`: to_int: "abc" is not a number')
        _bad_request(port, "/convert", {"count": 1, "ratio": "x", "items": []}, "req.body.ratio",
                     '`req.body.ratio`: to_float: "x" is not a number')
        _bad_request(port, "/convert", {"count": 1, "ratio": 2, "items": 5}, "req.body.items",
                     "`req.body.items`: len() of Int")
        _bad_request(port, "/convert", {"ratio": 2, "items": []}, "req.body.count", "`req.body.count`: to_int() of Null")
        _bad_request(port, "/parse", {"payload": json.dumps({"n": "q"})}, "doc.n", '`doc.n`: to_int: "q" is not a number')
        got, _ = expect_json(port, "POST", "/parse", 400, None, {"payload": "{bad"})
        check(got is not None and got.get("details") == {"field": "req.body.payload"}
              and got.get("error", "").startswith("`req.body.payload`: JSON.parse: invalid JSON"),
              f"POST /parse with bad JSON text: {got}")
        expect_json(port, "POST", "/parse", 200, {"n": 4}, {"payload": json.dumps({"n": 4})})
        # The server's own data: an internal error, nothing of it shown.
        got, _ = expect_json(port, "GET", "/server_data", 500, None)
        check(got is not None and got.get("error") == "internal server error" and "details" not in got,
              f"GET /server_data: {got}")

        # Any value through the built-ins that take one.
        link = {"code": "a", "clicks": 3}
        expect_json(port, "GET", "/any", 200, {
            "text": json.dumps(link, separators=(",", ":")),
            "list_text": json.dumps([link, {"code": "b", "clicks": 4}], separators=(",", ":")),
            "maybe_text": json.dumps(link, separators=(",", ":")),
            "color_text": "Green", "n": 2, "has": True, "keys": ["code", "clicks"], "total": 7})
        check(read_until(proc, r'msg=values ', lines, 10), "no `values` log line")
        rec = next((_logfmt(l) for l in lines if "msg=values " in l), {})
        check(rec.get("color") == "Green" and json.loads(rec.get("link", "null")) == link,
              f"log.info fields: {rec}")
        # print writes its own line (stdout), apart from the log: wait for it rather than assume an order.
        # Printed while serving a request, the line ends with that request's id (docs/runtime.md, "Logging").
        check(read_until(proc, r'^\{"code":"a","clicks":3\} \[.*Green None request_id=[0-9a-f-]{36}$', lines, 10),
              "print of a record, a list, an Option, an enum and None:\n" + "".join(lines[-20:]))
        expect_json(port, "GET", "/links/a", 200, link)
        got, _ = expect_json(port, "GET", "/links/zz", 404, None)
        check(got is not None and got.get("error") == "no link zz", f"GET /links/zz: {got}")
        # The served OpenAPI document lists the helper's 404 on the route that calls it.
        doc, _ = expect_json(port, "GET", "/openapi.json", 200, None)
        responses = (doc or {}).get("paths", {}).get("/links/{code}", {}).get("get", {}).get("responses", {})
        check("404" in responses and "200" in responses, f"/links/{{code}} responses: {sorted(responses)}")

        # Events: a handler that always throws ends in the dead letter after 5 attempts.
        expect_json(port, "POST", "/fail_event", 200, {"ok": True})
        expect_json(port, "POST", "/flaky_event", 200, {"ok": True})
        check(read_until(proc, r'event handler failed for good', lines, 20), "the doomed event was not dead-lettered")
        check(read_until(proc, r'flaky event handled', lines, 10), "the flaky event was not handled")
        records = [_logfmt(l) for l in lines]
        doomed = [r for r in records if r.get("event") == "doomed"]
        retries = [r.get("attempt") for r in doomed if r.get("msg") == "event handler failed"]
        check(retries == ["1", "2", "3", "4"], f"doomed event retries: {retries}")
        final = [r for r in doomed if r.get("msg") == "event handler failed for good"]
        check(len(final) == 1 and final[0].get("attempt") == "5" and final[0].get("error") == "doomed event 1",
              f"doomed event dead letter: {final}")
        flaky = [r.get("error") for r in records if r.get("event") == "flaky" and r.get("msg") == "event handler failed"]
        check(flaky == ["not yet: try 1", "not yet: try 2"], f"flaky event failures: {flaky}")
        handled = [r for r in records if r.get("msg") == "flaky event handled"]
        check(len(handled) == 1 and handled[0].get("tries") == "3", f"flaky event handled: {handled}")

        # The schedule throws every tick and keeps its rhythm.
        check(read_until(proc, r'error="tick 3 failed"', lines, 15), "the schedule stopped after a throw")
        ticks = [_logfmt(l) for l in lines if 'msg="scheduled task failed"' in l]
        check([t.get("schedule") for t in ticks[:3]] == ["ticker"] * 3, f"schedule failures: {ticks}")
        check([t.get("error") for t in ticks[:3]] == ["tick 1 failed", "tick 2 failed", "tick 3 failed"],
              f"schedule failures: {ticks}")
        got, _ = expect_json(port, "GET", "/state", 200, None)
        check(got is not None and got.get("ticks", 0) >= 3 and got.get("tries") == 3, f"GET /state: {got}")
    finally:
        out = stop_server(proc)
    check(proc.returncode == 0, f"exit status after SIGTERM: {proc.returncode}\n{out[-2000:]}")
