"""Hostile values sent to a built server over raw sockets (tests/e2e/hostile.py): recursion and
values nested deeper than a stack holds fail the request, not the process; sorting with a random
comparator sorts the same elements; Int arithmetic
that would overflow or trap answers 500 with the request id and the server lives on; JSON bodies
of every costly shape parse in linear time within the named limits (400 naming the limit) while
a ping on the same, single I/O thread is answered; invalid UTF-8, repeated keys and repeated
scalar query parameters are 400; a NUL in a parameter reaches the error message whole. The same
parser and limits guard /_lux/events and /_lux/rpc."""
import json
import os
import threading
import time

import hostile
from e2e import build_text, check, free_port, program_text, sign_internal, start_server, stop_server

MAX = 9223372036854775807
MIN = -9223372036854775808
MIB = 1 << 20


def get(port, path):
    return hostile.exchange(port, hostile.request_bytes("GET", path, [("Connection", "close")]), timeout=10)


def post(port, path, body, timeout=30, signed=False):
    """`signed`: as a server of the program calls an internal endpoint (docs/runtime.md#internal-auth)."""
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Connection", "close")]
    if signed:
        headers.append(("X-Lux-Signature", sign_internal("POST", path, body)))
    head = hostile.request_bytes("POST", path, headers)
    return hostile.send_all_then_read(port, head, body, timeout=timeout)


def body_json(r):
    try:
        return r.json()
    except ValueError:
        return None


def expect(r, status, what, test=None):
    b = body_json(r)
    check(r.status == status, f"{what}: status {r.status} {r.error or ''}, expected {status}: {r.body[:300]!r}")
    if test is not None:
        check(b is not None and test(b), f"{what}: unexpected body {r.body[:300]!r}")
    return b


def b36(i):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        i, d = divmod(i, 36)
        out = digits[d] + out
        if i == 0:
            return out


def keys_object(n):
    """An object of n distinct short keys (about 8 bytes a key)."""
    return "{" + ",".join(f'"{b36(i)}":0' for i in range(n)) + "}"


def run_arithmetic(port):
    def err500(b):
        return b.get("error") == "internal server error" and len(b.get("request_id", "")) > 0

    # The request that killed the server with SIGFPE; then the other operators at their edges.
    expect(get(port, f"/div/{MIN}/-1"), 500, "MIN / -1", err500)
    expect(get(port, "/ping"), 200, "ping after MIN / -1", lambda b: b == {"ok": True})
    expect(get(port, f"/mod/{MIN}/-1"), 200, "MIN % -1", lambda b: b == {"r": 0})
    expect(get(port, f"/div/{MIN + 1}/-1"), 200, "(MIN + 1) / -1", lambda b: b == {"q": MAX})
    expect(get(port, "/div/7/0"), 500, "7 / 0", err500)
    expect(get(port, "/mod/7/0"), 500, "7 % 0", err500)
    expect(get(port, f"/double/{MAX}"), 500, "MAX * 2 (answered -2 before)", err500)
    expect(get(port, f"/double/{MAX // 2}"), 200, "MAX / 2 * 2", lambda b: b == {"n": MAX - 1})
    expect(get(port, f"/add/{MAX}/1"), 500, "MAX + 1", err500)
    expect(get(port, f"/add/{MAX}/{MIN}"), 200, "MAX + MIN", lambda b: b == {"s": -1})
    expect(get(port, f"/sub/{MIN}/1"), 500, "MIN - 1", err500)
    expect(get(port, f"/neg/{MIN}"), 500, "-MIN", err500)
    expect(get(port, f"/neg/{MAX}"), 200, "-MAX", lambda b: b == {"n": -MAX})
    expect(get(port, f"/bump/{MAX}"), 500, "x += 1 at MAX", err500)
    expect(get(port, f"/sum/{MAX}/1"), 500, "sum([MAX, 1])", err500)
    expect(get(port, "/to_int/1e300"), 500, "to_int(\"1e300\")", err500)
    expect(get(port, "/float_to_int/1e300"), 500, "to_int(inf)", err500)
    expect(get(port, "/float_to_int/3.5"), 200, "to_int(12.25)", lambda b: b == {"i": 12})
    expect(get(port, f"/range/{MAX - 2}"), 200, "a..=MAX", lambda b: b == {"n": 3})
    expect(get(port, "/range/0"), 500, "0..=MAX would take all memory", err500)
    # Parameters: the canonical form only, the range named, a NUL kept in the message.
    expect(get(port, "/double/+5"), 400, "+5", lambda b: b["error"] == 'path parameter `n`: expected Int, got "+5"')
    expect(get(port, "/double/-5"), 200, "-5", lambda b: b == {"n": -10})
    expect(get(port, f"/double/{MAX + 1}"), 400, "MAX + 1 as text", lambda b: "outside the Int range" in b["error"])
    expect(get(port, "/double/1%00after"), 400, "%00 in a parameter",
           lambda b: b["error"] == 'path parameter `n`: expected Int, got "1\\u0000after"')
    long_text = "9" * 5000
    expect(get(port, f"/double/x{long_text}"), 400, "a 5000-byte parameter is cut in the message",
           lambda b: len(b["error"]) < 120 and b["error"].endswith('"...'))
    # One rule for repeated names: a JSON key or a scalar query parameter given twice is a 400.
    expect(get(port, "/query?n=1&n=2"), 400, "a repeated scalar query parameter",
           lambda b: "`n` is given 2 times" in b["error"])
    expect(get(port, "/query?n=1"), 200, "one query parameter", lambda b: b == {"n": 1})
    expect(get(port, "/query_list?n=1&n=2"), 200, "a list query parameter", lambda b: b == {"n": [1, 2]})


def run_depth(port):
    """Recursion and nesting deeper than a fiber's stack holds fail the request (500), never the
    process; a comparator that is no ordering (the JavaScript shuffle) sorts the same elements."""
    def err500(b):
        return b.get("error") == "internal server error" and len(b.get("request_id", "")) > 0

    expect(get(port, "/recurse?n=1000"), 200, "recursion 1,000 deep", lambda b: b == {"d": 1000})
    expect(get(port, "/recurse?n=5000"), 200, "recursion 5,000 deep", lambda b: b == {"d": 5000})
    for n in (100_000, 1_000_000):
        expect(get(port, f"/recurse?n={n}"), 500, f"recursion {n} deep", err500)
        expect(get(port, "/ping"), 200, f"ping after recursion {n} deep", lambda b: b == {"ok": True})
    expect(get(port, "/chain?n=3000"), 200, "a chain of 3,000 objects built in a loop", lambda b: b == {"top": 3000})
    r = get(port, "/chain?n=3000&send=true")  # deeper than Python's json module reads
    check(r.status == 200 and r.body.startswith(b'{"chain":{"v":3000,"next":{"v":2999,') and r.body.count(b'"next"') == 3000,
          f"a chain of 3,000 objects sent: {r.status} {r.body[:200]!r}")
    expect(get(port, "/ping"), 200, "ping after the chains", lambda b: b == {"ok": True})
    for n in (5, 50, 1000):
        for _ in range(10):
            expect(get(port, f"/shuffle?n={n}"), 200, f"shuffle {n}",
                   lambda b, n=n: b == {"n": n, "sum": n * (n - 1) // 2, "same": True})


def run_json(port, proc_pid, timings):
    # Bodies of every costly shape, each about 1 MiB.
    wide_keys = keys_object(105_000).encode()  # the 23 s body: refused at key 10001 now
    objects_10k = ("[" + ",".join(keys_object(10_000) for _ in range(10)) + "]").encode()
    many_small = ("[" + ",".join('{"a":1,"b":[true,null]}' for _ in range(MIB // 25)) + "]").encode()
    long_array = ("[" + ",".join("12345" for _ in range(MIB // 6 - 10)) + "]").encode()
    escapes = ('"' + "\\n\\u00e9\\\"\\ud83d\\ude00\u00e9x" * (MIB // 30) + '"').encode()
    deep_ok = b"[" * 128 + b"]" * 128
    deep_bad = b"[" * 129 + b"]" * 129

    t0 = time.time()
    r = post(port, "/count", wide_keys)
    timings["105k keys (refused)"] = time.time() - t0
    expect(r, 400, "an object of 105k keys", lambda b: "more than 10000 keys in one object" in b["error"]
           and len(b.get("request_id", "")) > 0)
    for name, body, n in (("10 objects of 10k keys", objects_10k, 10), ("many small objects", many_small, MIB // 25),
                          ("a long array", long_array, MIB // 6 - 10), ("128 levels", deep_ok, 1)):
        check(len(body) <= MIB, f"{name}: {len(body)} bytes is over the body limit")
        t0 = time.time()
        r = post(port, "/count", body)
        timings[name] = time.time() - t0
        expect(r, 200, name, lambda b, n=n: b == {"n": n})
    t0 = time.time()
    r = post(port, "/echo", escapes)
    timings["long string with escapes"] = time.time() - t0
    expect(r, 200, "a long string with escapes", lambda b: b["body"].startswith('\n\u00e9"\U0001F600\u00e9x'))
    expect(post(port, "/count", deep_bad), 400, "129 levels", lambda b: "nesting deeper than 128" in b["error"])

    # A ping on the one I/O thread while hostile bodies are parsed.
    stop = threading.Event()

    def flood():
        bodies = [wide_keys, objects_10k, many_small]
        i = 0
        while not stop.is_set():
            post(port, "/count", bodies[i % len(bodies)])
            i += 1

    t = threading.Thread(target=flood)
    t.start()
    worst = 0.0
    try:
        time.sleep(0.05)
        deadline = time.time() + 3
        while time.time() < deadline:
            dt, r = hostile.timed_get(port, "/ping")
            check(r.status == 200, f"ping during hostile bodies: {r.status} {r.error}")
            worst = max(worst, dt)
            time.sleep(0.01)
    finally:
        stop.set()
        t.join(timeout=60)
    timings["worst ping during the flood"] = worst
    # The ping waits for at most one body's handler (parse, the copy `req.body` makes, the
    # release of both). Measured at 160 ms worst with the 2-core build machine at a load average
    # of 10 (its parse alone: 30-50 ms); 23 s before the linear parser, and 1-2.5 s per body
    # of ten 10k-key objects with a per-key duplicate scan.
    check(worst < 1.0, f"a ping waited {worst * 1000:.0f} ms while 1 MiB bodies were parsed")

    # Strings must be UTF-8; keys must not repeat; the output escapes what it must.
    for bad in (b'"\xc0\xaf"', b'"\xed\xa0\x80"', b'"\xf4\x90\x80\x80"', b'"\xe2\x82"', b'"\x80"', b'{"a\xff":1}'):
        expect(post(port, "/echo", bad), 400, f"invalid UTF-8 {bad!r}", lambda b: "invalid UTF-8 in string" in b["error"])
    expect(post(port, "/echo", b'{"a":1,"a":2}'), 400, "a repeated key",
           lambda b: b["error"].endswith('duplicate key "a" in object') and b["details"]["column"] == 8)
    r = post(port, "/echo", '{"s":"a\\u0000b\\u001f\u00e9"}'.encode())
    expect(r, 200, "escaped controls echo", lambda b: b == {"body": {"s": "a\u0000b\u001f\u00e9"}})
    check(b"\\u0000" in r.body and b"\\u001f" in r.body, f"controls are escaped in the output: {r.body!r}")
    return wide_keys


def run_internal_endpoints(port, wide_keys):
    # /_lux/events and /_lux/rpc read their bodies with the same parser and limits (the calls are
    # signed: unsigned ones are refused before the body is parsed).
    for path in ("/_lux/events", "/_lux/rpc/add"):
        t0 = time.time()
        r = post(port, path, wide_keys, signed=True)
        dt = time.time() - t0
        expect(r, 400, f"{path}: 105k keys", lambda b: "more than 10000 keys" in b["error"])
        check(dt < 5, f"{path}: a 1 MiB body took {dt:.1f} s")
        expect(post(port, path, b'{"args":[1,2],"args":[3,4]}', signed=True), 400, f"{path}: a repeated key",
               lambda b: "duplicate key" in b["error"])
        expect(post(port, path, b'{"event":"\xed\xa0\x80"}', signed=True), 400, f"{path}: invalid UTF-8",
               lambda b: "invalid UTF-8" in b["error"])
    expect(post(port, "/_lux/rpc/add", b'{"args":[1,2]}', signed=True), 200, "rpc add", lambda b: b == {"result": 3})
    expect(post(port, "/_lux/rpc/add", json.dumps({"args": [MAX, 1]}).encode(), signed=True), 500, "rpc add overflow")


def run(a):
    exe = build_text(a.luxc, a.out, "hv.lux", program_text("hostile_values.lux"))
    if not exe:
        return
    exe = os.path.join(os.path.dirname(exe), "hv-values")
    port = free_port()
    env = dict(os.environ, LUX_THREADS="1", LUX_JOBS_PATH=":memory:", LUX_EVENTS_PATH=":memory:")
    proc = start_server(exe, port, env=env, cwd=a.out, log=os.path.join(a.out, "server-%d.log" % port))
    timings = {}
    try:
        run_arithmetic(port)
        run_depth(port)
        wide_keys = run_json(port, proc.pid, timings)
        run_internal_endpoints(port, wide_keys)
        check(proc.poll() is None, f"the server died: exit status {proc.returncode}")
    finally:
        out = stop_server(proc)
    for name, s in timings.items():
        print(f"  {name}: {s * 1000:.1f} ms")
    check(proc.returncode == 0, f"exit status {proc.returncode}:\n{out[-2000:]}")
    check("integer overflow: -9223372036854775808 / -1" in out, f"the log names the overflow:\n{out[-3000:]}")
