"""e2e case `throw`: `throw` and `log.*` in a running server (tests/e2e/programs/throw.lux).

A route's uncaught `throw` answers 500 with the request id and reaches on_error with the
thrown value's message and fields (a thrown object's `status`/`statusCode` of 400-599 is the
answer's status, its message shown for a 4xx); try/catch binds a thrown record (and a thrown String) as
the value itself; a job that throws is retried until it succeeds. The server's log is read in
both formats: the `log.*` lines carry their message, their fields, the request id of the
response's X-Request-Id, and inside the job the job's id and name; `log.debug` lines are
dropped at the default level.
"""
import json
import os
import re

from e2e import build, check, expect_json, free_port, program, read_until, request, start_server, stop_server


def _logfmt(line):
    """The key=value pairs of a logfmt line (quoted values unescaped)."""
    out = {}
    for m in re.finditer(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)', line):
        v = m.group(2)
        out[m.group(1)] = json.loads(v) if v.startswith('"') else v
    return out


def _run(a, exe, fmt):
    env = dict(os.environ, LUX_JOBS_PATH=os.path.join(a.out, f"jobs-{fmt}.db"), LUX_LOG_FORMAT=fmt,
               LUX_LOG_LEVEL="info")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(env["LUX_JOBS_PATH"] + suffix):
            os.remove(env["LUX_JOBS_PATH"] + suffix)
    port = free_port()
    proc = start_server(exe, port, env=env, cwd=a.out, name=f"throw-{fmt}")
    if not proc:
        return
    parse = json.loads if fmt == "json" else _logfmt
    lines = []

    def records():
        for l in lines:
            try:
                yield parse(l.strip())
            except ValueError:  # a line of another shape (print, a runtime message)
                continue

    def find(needle, pred, timeout=10):
        """The first log line holding `needle` for which pred(fields) holds, waiting for it."""
        read_until(proc, re.escape(needle), lines, timeout)
        for rec in records():
            if needle in str(rec.get("msg", "")) and pred(rec):
                return rec
        check(False, f"[{fmt}] no log line {needle!r} as expected:\n{''.join(lines)[-3000:]}")
        return None

    try:
        # A thrown object escaping a route: 500 without its content, on_error sees it.
        st, headers, text = request(port, "GET", "/boom")
        body = json.loads(text) if text.startswith("{") else {}
        rid = headers.get("X-Request-Id")
        check(st == 500, f"[{fmt}] GET /boom: status {st}: {text}")
        check(body == {"error": "internal server error", "request_id": rid},
              f"[{fmt}] GET /boom: body {text}, X-Request-Id {rid}")
        check("boom from a route" not in text, f"[{fmt}] the thrown message reached the client: {text}")
        expect_json(port, "GET", "/last_error", 200, {"last_error": "boom from a route"})
        rec = find("handler failed", lambda r: r.get("request_id") == rid)
        if rec:
            check(rec.get("level") == "error", f"[{fmt}] on_error's log.error level: {rec}")
            check(rec.get("message") == "boom from a route" and str(rec.get("code")) == "7",
                  f"[{fmt}] on_error's fields: {rec}")
        rec = find("request failed", lambda r: r.get("request_id") == rid)
        if rec:
            check(rec.get("error") == "boom from a route", f"[{fmt}] request failed line: {rec}")

        # try/catch binds what was thrown.
        st, _, text = request(port, "GET", "/users/9")
        check(st == 404 and json.loads(text).get("error") == "no user 9", f"[{fmt}] GET /users/9: {st} {text}")
        expect_json(port, "GET", "/last_status", 200, {"last_status": 404})
        st, _, text = request(port, "GET", "/down")
        check(st == 503 and json.loads(text).get("error") == "internal server error", f"[{fmt}] GET /down: {st} {text}")
        expect_json(port, "GET", "/last_status", 200, {"last_status": 503})
        expect_json(port, "GET", "/caught/5", 200, {"value": 5})
        expect_json(port, "GET", "/caught/-3", 200, {"caught": 422, "message": "negative: -3"})
        expect_json(port, "GET", "/text", 200, {"caught": "plain text"})

        # A job that throws twice, then succeeds: retried per its policy.
        st, headers, text = request(port, "POST", "/flaky/4")
        check(st == 200, f"[{fmt}] POST /flaky/4: {st} {text}")
        rid = headers.get("X-Request-Id")
        job_id = json.loads(text).get("id") if st == 200 else None
        rec = find("spawning flaky", lambda r: r.get("request_id") == rid)
        if rec:
            check(rec.get("level") == "info", f"[{fmt}] log.info level: {rec}")
            want_nested = {"a": [1, 2]} if fmt == "json" else '{"a":[1,2]}'
            check(str(rec.get("n")) == "4" and rec.get("nested") == want_nested, f"[{fmt}] log.info fields: {rec}")
            if fmt == "json":
                check(rec.get("n") == 4, f"[{fmt}] an Int field is a JSON number: {rec}")
        done = find("flaky done after 3 tries", lambda r: True, timeout=15)
        if done:
            check(done.get("level") == "warn", f"[{fmt}] log.warn level: {done}")
            check(done.get("job_id") == job_id and done.get("job") == "flaky" and done.get("request_id") == rid,
                  f"[{fmt}] the job's line names the job and the request: {done}, job {job_id}, request {rid}")
        attempts = [r for r in records() if r.get("msg") == "flaky attempt"]
        check([str(r.get("try")) for r in attempts] == ["1", "2", "3"] and all(r.get("job") == "flaky" for r in attempts),
              f"[{fmt}] flaky attempts logged: {attempts}")
        retries = [l for l in lines if "job failed; will retry" in l]
        check(len(retries) == 2 and all("not yet: try" in l for l in retries),
              f"[{fmt}] the throws are job failures that are retried: {retries}")
        check(not any("not shown at info" in l for l in lines), f"[{fmt}] a log.debug line at level info")
    finally:
        out = stop_server(proc)
        check(proc.returncode == 0, f"[{fmt}] exit status {proc.returncode}:\n{out[-2000:]}")


def run(a):
    p = build(a, program("throw.lux"))
    check(p.returncode == 0, f"luxc build throw.lux failed:\n{p.stderr}")
    if p.returncode != 0:
        return
    exe = p.stdout.strip().splitlines()[-1]
    _run(a, exe, "text")
    _run(a, exe, "json")
