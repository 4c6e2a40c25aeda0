"""e2e case `dev_shared_type`: `luxc dev --timings --verbose` on a copy of programs/dev_types.lux. A field
added to a shared type (a one-line edit) is served by both servers, including through a record
that holds the type (beta's `Box`), while only the units that use the type recompile; a route edit
after it is served, and neither server's registration function (`Register`: its many lambdas) is
among the recompiled units: its parts that use the type and the OpenAPI document are units of
their own under `luxc dev`, the document's including nothing, and the conversions' unit finds its
template instances compiled in the dev PCH's object (the program header's PCH, rebuilt in the
background, is taken up); removing
the field again is served too; a client polling both servers throughout sees no failed request.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.request

from e2e import check, expect_json, free_port, Lines, port_free, program


def run(a):
    """luxc dev: a shared-type edit recompiles only the units using the type and is served."""
    os.makedirs(a.out, exist_ok=True)
    lux = os.path.join(a.out, "dev_types.lux")
    shutil.copy(program("dev_types.lux"), lux)
    base = free_port()
    while base + 1 > 65535 or not port_free(base + 1):
        base = free_port()
    proc = subprocess.Popen([a.luxc, "dev", lux, "--timings", "--verbose", "--port", str(base), "-o", os.path.join(a.out, "build")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err, _out = Lines(proc.stderr), Lines(proc.stdout)
    alpha, beta = base, base + 1
    try:
        started = err.wait(lambda l: l.startswith("luxc dev: built") or "failed" in l, 120)
        check(started and "started alpha" in started and "beta" in started, f"first build: {started} {err.lines}")
        expect_json(alpha, "GET", "/item", 200, {"name": "a", "n": 1})
        expect_json(beta, "GET", "/box", 200, {"item": {"name": "b", "n": 2}, "count": 1})

        failures, stop = [], threading.Event()

        def poll():
            while not stop.is_set():
                for port, path in ((alpha, "/plain"), (beta, "/box")):
                    try:
                        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                            json.loads(r.read())
                    except Exception as e:  # refused, reset, 5xx: each one is a failure of the swap
                        failures.append(f"{path}: {e!r}")
                time.sleep(0.005)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()

        def edit(old, new):
            with open(lux) as f:
                text = f.read()
            check(old in text, f"edit: {old!r} not in the program")
            with open(lux, "w") as f:
                f.write(text.replace(old, new, 1))

        def build_line():
            compiled = err.wait(lambda l: l.startswith("luxc: front end") or "failed" in l, 120)
            status = err.wait(lambda l: l.startswith("luxc dev: built") or "failed" in l, 120)
            m = re.search(r"\((\d+) of (\d+) units\)", compiled or "")
            return (int(m.group(1)), int(m.group(2))) if m else (None, None), status

        objects = os.path.join(a.out, "build", ".lux")

        def object_times():
            return {f: os.stat(os.path.join(objects, f)).st_mtime_ns for f in os.listdir(objects) if f.endswith(".o")}

        # A field added to the shared type: both servers serve it, beta's through Box.
        before = object_times()
        seen = len(err.lines)
        edit("    n: Int\n", '    n: Int, tag: String = "t1"\n')
        (units, total), status = build_line()
        rebuilt = [f for f, t in object_times().items() if before.get(f) != t]
        check(units is not None and len(rebuilt) == units, f"recompiled objects {rebuilt}, reported {units}")
        # --verbose: each compile of the save printed, one command per recompiled object.
        compiles = [l.split()[-1] for l in err.lines[seen:] if " -c " in l and l.split()[-2] == "-o"]
        check(sorted(os.path.basename(c) for c in compiles) == sorted(rebuilt),
              f"--verbose printed compiles of {compiles}, recompiled {rebuilt}")
        documents = 0
        for f in rebuilt:
            with open(os.path.join(objects, f[:-2] + ".cpp")) as src:
                text = src.read()
            check("void Register(lux::App& app) {" not in text, f"shared-type edit recompiled {f}, a Register unit")
            if "kOpenApi = " in text:  # the document: a unit that includes nothing
                documents += 1
                check("#include" not in text, f"the OpenAPI document's unit {f} includes something")
        check(documents >= 1, f"the OpenAPI document changed with the type but was not recompiled: {rebuilt}")
        # Item's conversions call lux::FromField<std::string> and <std::int64_t>: with the dev PCH
        # (compiler/driver/dev_prelude.h) their code is in the PCH's object, not in the unit's.
        if os.path.exists(os.path.join(objects, "lux_stdlib.dev.pch.o")):
            conversions = [f for f in rebuilt if "ToValue(const Item& r) {" in open(os.path.join(objects, f[:-2] + ".cpp")).read()]
            check(len(conversions) == 1, f"Item's conversions: {conversions} of {rebuilt}")
            symbols = subprocess.run(["nm", "-C", "--defined-only", os.path.join(objects, conversions[0])],
                                     capture_output=True, text=True, check=True).stdout
            check("ToValue(lux_program::Item const&)" in symbols, f"no Item conversion in {conversions[0]}: {symbols}")
            check("lux::FromField<" not in symbols, f"{conversions[0]} compiled FromField instances itself: {symbols}")
        check(status and "replaced alpha" in status and "beta" in status, f"shared-type edit: {status}")
        check(units is not None and 0 < units < total, f"shared-type edit compiled {units} of {total} units")
        expect_json(alpha, "GET", "/item", 200, {"name": "a", "n": 1, "tag": "t1"})
        expect_json(beta, "GET", "/box", 200, {"item": {"name": "b", "n": 2, "tag": "t1"}, "count": 1})
        expect_json(alpha, "GET", "/plain", 200, {"server": "alpha", "label": "n=1"})
        expect_json(beta, "POST", "/box", 200, {"item": {"name": "c", "n": 3, "tag": "t1"}, "count": 2},
                    {"name": "c", "n": 3})

        # A route edit after it: one unit, served.
        edit('label: label(1)', 'label: label(10)')
        (units, total), status = build_line()
        check(status and "replaced alpha" in status and "beta" not in status, f"route edit: {status}")
        check(units == 1, f"route edit compiled {units} of {total} units")
        expect_json(alpha, "GET", "/plain", 200, {"server": "alpha", "label": "n=10"})
        expect_json(alpha, "GET", "/item", 200, {"name": "a", "n": 1, "tag": "t1"})

        # The field removed again.
        edit(', tag: String = "t1"', "")
        (units, total), status = build_line()
        check(status and "replaced alpha" in status and "beta" in status, f"field removed: {status}")
        expect_json(alpha, "GET", "/item", 200, {"name": "a", "n": 1})
        expect_json(beta, "GET", "/box", 200, {"item": {"name": "b", "n": 2}, "count": 1})
        expect_json(beta, "GET", "/plain", 200, {"server": "beta", "label": "n=2"})
        time.sleep(0.2)
        stop.set()
        poller.join(15)
        check(not failures, f"{len(failures)} failed requests during the swaps: {failures[:3]}")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    check(proc.returncode == 0, f"luxc dev exit status {proc.returncode}")
