"""e2e case `openapi`: GET /openapi.json serves `luxc openapi`'s document; every sample's document,
every openapi golden's and programs/openapi_block.lux's pass @apidevtools/swagger-parser
(openapi_validate.js); /docs with its embedded assets in headless Chromium through playwright-
core (openapi_try_it.js): routes listed, "Try it out" runs a request, a screenshot kept in the
out dir; programs/openapi_block.lux serves its info and servers and answers 404 on /docs.
"""
import json
import os
import shutil
import signal
import subprocess
import urllib.error
import urllib.request

from e2e import build, check, expect_json, free_port, HERE, program, request, start_server, stop_server, wait_listening


def run(a):
    """GET /openapi.json serves what `luxc openapi` prints; every sample's document passes a real
    OpenAPI validator (npm @apidevtools/swagger-parser, run with the machine's Node)."""
    os.makedirs(a.out, exist_ok=True)
    hello = os.path.join(a.root, "samples", "hello.lux")
    p = build(a, hello)
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    printed = subprocess.run([a.luxc, "openapi", hello], capture_output=True, text=True)
    check(printed.returncode == 0, f"luxc openapi: {printed.stderr}")
    npm_dir = os.path.join(a.out, "npm")
    for pkg, probe in (("@apidevtools/swagger-parser@10", "@apidevtools/swagger-parser"), ("playwright-core@1", "playwright-core")):
        if not os.path.isdir(os.path.join(npm_dir, "node_modules", probe)):
            r = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", npm_dir, pkg],
                               capture_output=True, text=True, timeout=300)
            check(r.returncode == 0, f"npm install {pkg}: {r.stderr[-2000:]}")
    for disabled in (False, True):
        port = free_port()
        env = dict(os.environ, LUX_JOBS_PATH=":memory:")
        if disabled:
            env["LUX_OPENAPI"] = "0"
        proc = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(port)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            check(wait_listening(port, proc), "server did not start listening")
            st, headers, text = request(port, "GET", "/openapi.json")
            if disabled:
                check(st == 404, f"LUX_OPENAPI=0: {st}")
            else:
                check(st == 200 and headers.get("Content-Type", "").startswith("application/json"), f"/openapi.json: {st}")
                check(json.loads(text) == json.loads(printed.stdout), "served document differs from `luxc openapi`")
                check("/todos/{id}" in json.loads(text)["paths"], "path parameters in OpenAPI form")
                st, headers, page = request(port, "GET", "/docs")
                check(st == 200 and "swagger-ui-bundle.js" in page and "/openapi.json" in page, f"/docs: {st}")
                req = urllib.request.Request(f"http://127.0.0.1:{port}/docs/swagger-ui-bundle.js")
                with urllib.request.urlopen(req, timeout=10) as r:
                    bundle = r.read()
                    check(r.status == 200 and len(bundle) > 1_000_000 and r.headers.get("Content-Type", "").startswith(
                        "application/javascript"), f"the embedded bundle: {r.status} {len(bundle)} bytes")
                # The page in headless Chromium (no network beyond this server): the routes are
                # listed, and "Try it out" on GET /hello runs a real request.
                script = os.path.join(npm_dir, "try_it.js")  # beside node_modules, where require() looks
                shutil.copy(os.path.join(HERE, "openapi_try_it.js"), script)
                shot = os.path.join(a.out, "docs.png")
                r = subprocess.run(["node", script, f"http://127.0.0.1:{port}", shot], capture_output=True, text=True,
                                   timeout=120, cwd=npm_dir)
                got = json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else {}
                check(r.returncode == 0, f"headless Chromium on /docs: {r.stderr[-2000:]}")
                check(set(got.get("paths", [])) >= {"/hello", "/todos", "/todos/{id}", "/stats"}, f"routes on /docs: {got}")
                check("Hello, Docs!" in got.get("body", ""), f"Try it out on GET /hello: {got}")
                check(os.path.exists(shot), "the screenshot is kept as a test artifact")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
    # `openapi { }`: the served document carries its info and servers, and `docs: false` leaves
    # /docs and its assets out (404) while /openapi.json stays.
    docs = []
    block_lux = program("openapi_block.lux")
    p = build(a, block_lux)
    check(p.returncode == 0, f"luxc build openapi_block.lux failed:\n{p.stderr}")
    printed = subprocess.run([a.luxc, "openapi", block_lux], capture_output=True, text=True)
    check(printed.returncode == 0, f"luxc openapi openapi_block.lux: {printed.stderr}")
    if p.returncode == 0 and printed.returncode == 0:
        block_doc = os.path.join(a.out, "openapi_block.openapi.json")
        with open(block_doc, "w") as f:
            f.write(printed.stdout)
        docs.append(block_doc)
        block_port = free_port()
        proc = start_server(p.stdout.strip().splitlines()[-1], block_port, env=dict(os.environ, LUX_JOBS_PATH=":memory:"),
                            name="openapi_block")
        try:
            st, headers, text = request(block_port, "GET", "/openapi.json")
            check(st == 200, f"openapi_block /openapi.json: {st}")
            served = json.loads(text) if st == 200 else {}
            check(served == json.loads(printed.stdout), "openapi_block: served document differs from `luxc openapi`")
            check(served.get("info") == {"title": "Inventory", "description": "Stock levels of the warehouse",
                                         "version": "2.1.0"}, f"openapi_block info: {served.get('info')}")
            check(served.get("servers") == [{"url": "https://inventory.example.com"},
                                            {"url": "/", "description": "this server"}],
                  f"openapi_block servers: {served.get('servers')}")
            for path in ("/docs", "/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"):
                st, _, _ = request(block_port, "GET", path)
                check(st == 404, f"openapi_block {path} with `docs: false`: {st}, expected 404")
            expect_json(block_port, "GET", "/stock/4", 200, 40)
        finally:
            out = stop_server(proc)
            check(proc.returncode == 0, f"openapi_block exited {proc.returncode}:\n{out[-2000:]}")
    # A real validator over every sample's documents, the one above and the openapi goldens.
    for sample, servers in (("hello.lux", [None]), ("advanced.lux", [None]), ("monitoring.lux", ["api", "collector"])):
        for server in servers:
            args = [a.luxc, "openapi", os.path.join(a.root, "samples", sample)] + (["--server", server] if server else [])
            r = subprocess.run(args, capture_output=True, text=True)
            check(r.returncode == 0, f"luxc openapi {sample} {server}: {r.stderr}")
            path = os.path.join(a.out, f"{sample}-{server or 'main'}.openapi.json")
            with open(path, "w") as f:
                f.write(r.stdout)
            docs.append(path)
    golden = os.path.abspath(os.path.join(a.root, "tests", "golden", "openapi"))
    docs += [os.path.join(golden, f) for f in sorted(os.listdir(golden)) if f.endswith(".json")]
    script = os.path.join(npm_dir, "validate.js")
    shutil.copy(os.path.join(HERE, "openapi_validate.js"), script)
    r = subprocess.run(["node", script] + docs, capture_output=True, text=True, timeout=120, cwd=npm_dir)
    check(r.returncode == 0 and r.stdout.count("valid ") == len(docs), f"OpenAPI validation:\n{r.stdout}{r.stderr}")
