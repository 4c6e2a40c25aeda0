"""e2e case `hello`: samples/hello.lux route by route: query and path parameters, validation errors
by path, middleware, on_start/on_stop/on_error, `--help`, a no-op rebuild, and a one-line edit
that recompiles one translation unit and relinks one executable.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile

from e2e import build, check, expect_json, free_port, request, start_server, stop_server, wait_listening


def run(a):
    lux = os.path.join(a.root, "samples", "hello.lux")
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    check(os.path.basename(exe) == "hello", f"executable name {exe}")
    # Unchanged input: no recompilation.
    p2 = subprocess.run([a.luxc, "build", lux, "-o", a.out, "--timings"], capture_output=True, text=True)
    check(re.search(r"\(0 of \d+ units\)", p2.stderr) and "(0 executables)" in p2.stderr,
          f"rebuild was not a no-op: {p2.stderr}")
    # A one-line change recompiles only the unit that holds it (split translation units). The
    # change keeps the response's shape: a new field would change the OpenAPI document (which
    # lists a literal `respond` body's fields), and so its unit too.
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "hello.lux")
        shutil.copy(lux, copy)
        out = os.path.join(tmp, "out")
        p3 = subprocess.run([a.luxc, "build", copy, "-o", out, "--timings"], capture_output=True, text=True)
        m = re.search(r"\((\d+) of (\d+) units\)", p3.stderr)
        check(p3.returncode == 0 and m and int(m.group(1)) == int(m.group(2)) > 3, f"cold build: {p3.stderr}")
        with open(copy) as f:
            text = f.read()
        # The cold build compiled the units in batches: the first change compiles its unit alone
        # and the other units of its batch together again (two compiler runs), relinking one
        # server; from then on a change recompiles only its unit.
        with open(copy, "w") as f:
            f.write(text.replace("respond(200, { deleted: id })", "respond(200, { deleted: id * 100 })"))
        p4 = subprocess.run([a.luxc, "build", copy, "-o", out, "--timings"], capture_output=True, text=True)
        m = re.search(r"\((\d+) of (\d+) units\) in (\d+) compiler runs?", p4.stderr)
        check(p4.returncode == 0 and m and int(m.group(3)) <= 2 and int(m.group(1)) < int(m.group(2))
              and "(1 executables)" in p4.stderr, f"the first change after a cold build: {p4.stderr}")
        with open(copy, "w") as f:
            f.write(text.replace("respond(200, { deleted: id })", "respond(200, { deleted: id * 10 })"))
        p4 = subprocess.run([a.luxc, "build", copy, "-o", out, "--timings"], capture_output=True, text=True)
        check(p4.returncode == 0 and "(1 of " in p4.stderr and "in 1 compiler run " in p4.stderr
              and "(1 executables)" in p4.stderr, f"a one-line change recompiled more than its unit: {p4.stderr}")
        port = free_port()
        proc = start_server(os.path.join(out, "hello"), port, name="hello-edited")
        try:
            expect_json(port, "DELETE", "/todos/7", 200, {"deleted": 70})
        finally:
            stop_server(proc)

    help_text = subprocess.run([exe, "--help"], capture_output=True, text=True)
    check(help_text.returncode == 0 and "GREETING" in help_text.stdout and "--port" in help_text.stdout,
          f"--help: {help_text.stdout}")

    port = free_port()
    proc = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(port), "--greeting", "Hi"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        check(wait_listening(port, proc), "server did not start listening")
        expect_json(port, "GET", "/hello", 200, {"message": "Hi, world!", "length": 5})
        _, headers = expect_json(port, "GET", "/hello?name=Ada", 200, {"message": "Hi, Ada!", "length": 3})
        check(headers.get("X-Powered-By") == "lux", "decorator middleware header missing")
        expect_json(port, "GET", "/todos", 200, lambda b: [t["id"] for t in b] == [1, 2, 3])
        expect_json(port, "GET", "/todos?done=false&limit=1", 200, lambda b: [t["id"] for t in b] == [1])
        expect_json(port, "GET", "/todos?tag=docs", 200, lambda b: [t["id"] for t in b] == [3])
        expect_json(port, "GET", "/todos?limit=abc", 400, lambda b: "limit" in json.dumps(b))
        expect_json(port, "GET", "/todos/2", 200, lambda b: b["title"] == "water the plants" and b["priority"] == "Low")
        expect_json(port, "GET", "/todos/9", 400, lambda b: b["error"] == "no todo with id 9")
        expect_json(port, "GET", "/todos/x", 400, lambda b: "`id`" in b["error"])
        expect_json(port, "GET", "/todos/1/urgency", 200, {"id": 1, "urgency": "today"})
        expect_json(port, "GET", "/todos/2/urgency", 200, {"id": 2, "urgency": "done"})
        expect_json(port, "GET", "/todos/7/urgency", 404, {"error": "no todo with id 7"})
        expect_json(port, "GET", "/stats", 200,
                    lambda b: b["open"] == 2 and b["total_tags"] == 3 and b["squares"] == [0, 1, 4, 9]
                    and b["countdown"] == "4321" and b["label"] == "busy" and b["sum"] == 14 and b["served"] > 0)
        expect_json(port, "GET", "/parse/21", 200, {"ok": True, "doubled": 42})
        expect_json(port, "GET", "/parse/zz", 200, lambda b: b["ok"] is False and "JSON.parse" in b["error"])
        expect_json(port, "GET", "/boom", 500, lambda b: b["error"] == "something went wrong" and "JSON" in b["detail"])
        todo = {"id": 5, "title": "ship it now", "priority": "High", "done": False, "tags": []}
        expect_json(port, "POST", "/todos", 201, {"created": todo, "shout": "SHIP-IT-NOW"}, body=todo)
        bad = dict(todo, priority="Urgent")
        expect_json(port, "POST", "/todos", 400, lambda b: "priority" in b["error"] and "todo" in b["error"], body=bad)
        # Every bad field at once, by path, with what was expected (validated against /openapi.json's schema).
        worse = {"id": "x", "title": 5, "priority": "Urgent", "tags": ["a", 3]}
        expect_json(port, "POST", "/todos", 400,
                    lambda b: [e["path"] for e in b["details"]["errors"]] == ["body.done", "body.id", "body.title",
                                                                             "body.priority", "body.tags[1]"]
                    and b["details"]["errors"][3]["expected"] == "one of Low, Normal, High", body=worse)
        expect_json(port, "DELETE", "/todos/3", 200, {"deleted": 3})
        st, _, _ = request(port, "GET", "/nope")
        check(st == 404, f"unknown route: {st}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    check(proc.returncode == 0, f"exit status after SIGTERM: {proc.returncode}")
    check(f"listening on {port}, greeting Hi" in out, f"on_start output missing:\n{out}")
    check("hello: stopped after" in out, f"on_stop output missing:\n{out}")
    check("hello: error on GET /boom" in out, f"on_error output missing:\n{out}")
