"""e2e case `new_project`: `luxc new` for each template in a fresh directory: the files it
writes (app.lux, README.md with the run and test commands, .gitignore), `luxc check` with no
diagnostic, `luxc fmt --check` clean, `luxc build`, and the servers answering over loopback
(the api's model with a validated body, the two servers' RPC call and event, the jobs
template's background job). Then the refusals: an existing non-empty directory, an invalid
name, an unknown template (one line, exit 1, nothing written).
"""
import json
import os
import re
import shutil
import subprocess
import time

from e2e import check, free_port, request, start_server, stop_server


def luxc(a, *args, cwd=None):
    return subprocess.run([a.luxc, *args], capture_output=True, text=True, cwd=cwd)


def poll_json(port, path, done, timeout=15):
    """GETs `path` until `done(json)` holds; the last body."""
    deadline = time.time() + timeout
    body = None
    while time.time() < deadline:
        status, _, text = request(port, "GET", path)
        if status == 200:
            body = json.loads(text)
            if done(body):
                return body
        time.sleep(0.1)
    return body


def make_project(a, template):
    """`luxc new proj --template T` in a.out/T; the project directory, or None."""
    root = os.path.join(a.out, template)
    shutil.rmtree(root, ignore_errors=True)  # a fresh directory on every run
    os.makedirs(root)
    p = luxc(a, "new", "proj", "--template", template, cwd=root)
    check(p.returncode == 0, f"luxc new --template {template}: {p.stdout}{p.stderr}")
    proj = os.path.join(root, "proj")
    for name in ("app.lux", "README.md", ".gitignore"):
        check(os.path.isfile(os.path.join(proj, name)), f"{template}: {name} written")
    if p.returncode:
        return None
    readme = open(os.path.join(proj, "README.md")).read()
    check("luxc run app.lux" in readme and "luxc test app.lux" in readme, f"{template}: README gives both commands")
    ignore = open(os.path.join(proj, ".gitignore")).read().split()
    check(".lux/" in ignore and "*.db" in ignore, f"{template}: .gitignore covers .lux/ and databases: {ignore}")
    app = open(os.path.join(proj, "app.lux")).read()
    check("{{name}}" not in app and "proj" in app, f"{template}: the name is filled in")
    commands = luxc(a, "--help").stdout.split("Subcommands:")[-1]
    if re.search(r"^  test ", commands, re.M):
        check('test "' in app, f"{template}: app.lux carries the template's tests (luxc test exists)")
    c = luxc(a, "check", "app.lux", cwd=proj)
    check(c.returncode == 0 and c.stderr == "", f"{template}: luxc check: {c.stderr}")
    f = luxc(a, "fmt", "--check", "app.lux", cwd=proj)
    check(f.returncode == 0, f"{template}: app.lux is formatted:\n{f.stdout}{f.stderr}")
    return proj


def build_project(a, proj):
    """{server name: executable} of the project's build."""
    p = luxc(a, "build", "app.lux", "-o", os.path.join(proj, "out"), cwd=proj)
    check(p.returncode == 0, f"luxc build {proj}: {p.stderr}")
    if p.returncode:
        return {}
    return {os.path.basename(x).removeprefix("app-"): x for x in p.stdout.split()}


def api_template(a):
    proj = make_project(a, "api")
    exes = build_project(a, proj) if proj else {}
    if "api" not in exes:
        check(False, f"api: executable app-api built: {exes}")
        return
    port = free_port()
    server = start_server(exes["api"], port, cwd=proj, name="api")
    try:
        st, _, text = request(port, "POST", "/books", {"title": "Dune", "author": "Frank Herbert", "year": 1965})
        check(st == 201 and json.loads(text)["title"] == "Dune", f"api: POST /books: {st} {text}")
        book_id = json.loads(text).get("id") if st == 201 else 0
        st, _, text = request(port, "GET", f"/books/{book_id}")
        check(st == 200 and json.loads(text)["author"] == "Frank Herbert", f"api: GET /books/id: {st} {text}")
        st, _, text = request(port, "GET", "/books")
        check(st == 200 and len(json.loads(text)) == 1, f"api: GET /books: {st} {text}")
        st, _, text = request(port, "POST", "/books", {"author": "nobody"})
        check(st == 400 and "title" in text and "request_id" in json.loads(text),
              f"api: a body without a title is 400 naming the field: {st} {text}")
        st, _, text = request(port, "GET", "/books/999")
        check(st == 404, f"api: unknown book: {st} {text}")
        st, _, _ = request(port, "GET", "/health")
        check(st == 200, f"api: /health: {st}")
    finally:
        out = stop_server(server)
    check("new book: Dune" in out, f"api: the background job ran:\n{out}")
    check(server.returncode == 0, f"api: exit status {server.returncode}")


def two_servers_template(a):
    proj = make_project(a, "two-servers")
    exes = build_project(a, proj) if proj else {}
    if "orders" not in exes or "billing" not in exes:
        check(False, f"two-servers: both executables built: {exes}")
        return
    billing_port, orders_port = free_port(), free_port()
    billing_url = f"http://127.0.0.1:{billing_port}"
    env = dict(os.environ, LUX_SERVICE_BILLING_URL=billing_url, LUX_PEER_BILLING_URL=billing_url)
    billing = start_server(exes["billing"], billing_port, env=env, cwd=proj, name="billing")
    orders = start_server(exes["orders"], orders_port, env=env, cwd=proj, name="orders")
    try:
        st, _, text = request(orders_port, "POST", "/orders", {"item": "lamp", "quantity": 2})
        body = json.loads(text) if st == 201 else {}
        check(st == 201 and body.get("price_cents") == 500 and body["order"]["item"] == "lamp",
              f"two-servers: POST /orders priced by billing over RPC: {st} {text}")
        got = poll_json(billing_port, "/invoiced", lambda b: b.get("invoiced") == 1)
        check(got == {"invoiced": 1}, f"two-servers: billing received the event: {got}")
    finally:
        orders_out = stop_server(orders)
        billing_out = stop_server(billing)
    check("invoice for order" in billing_out, f"two-servers: billing logged the invoice:\n{billing_out}")
    check(orders.returncode == 0 and billing.returncode == 0,
          f"two-servers: exit statuses {orders.returncode} {billing.returncode}:\n{orders_out}")


def jobs_template(a):
    proj = make_project(a, "jobs")
    exes = build_project(a, proj) if proj else {}
    if "worker" not in exes:
        check(False, f"jobs: executable app-worker built: {exes}")
        return
    port = free_port()
    server = start_server(exes["worker"], port, cwd=proj, name="worker")
    try:
        st, _, text = request(port, "POST", "/reminders?email=ada@example.com", {})
        check(st == 202 and "job" in json.loads(text), f"jobs: POST /reminders: {st} {text}")
        got = poll_json(port, "/stats", lambda b: b.get("sent") == 1)
        check(got == {"sent": 1, "cleanups": 0}, f"jobs: the reminder job ran: {got}")
    finally:
        out = stop_server(server)
    check("reminder sent to ada@example.com" in out, f"jobs: the job's output:\n{out}")
    check(server.returncode == 0, f"jobs: exit status {server.returncode}")


def refusals(a):
    root = os.path.join(a.out, "refusals")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "taken"))
    keep = os.path.join(root, "taken", "notes.txt")
    with open(keep, "w") as f:
        f.write("mine\n")
    p = luxc(a, "new", "taken", cwd=root)
    check(p.returncode == 1 and p.stderr == "luxc new: `taken` exists and is not empty\n",
          f"an existing non-empty directory is refused: {p.returncode} {p.stderr!r}")
    check(sorted(os.listdir(os.path.join(root, "taken"))) == ["notes.txt"], "nothing written into it")
    os.makedirs(os.path.join(root, "empty"))
    p = luxc(a, "new", "empty", cwd=root)
    check(p.returncode == 0 and os.path.isfile(os.path.join(root, "empty", "app.lux")),
          f"an existing empty directory is used: {p.stderr}")
    for bad in ("9lives", "has space", "dot.name", "x" * 65):
        p = luxc(a, "new", bad, cwd=root)
        check(p.returncode == 1 and p.stderr.count("\n") == 1 and "not a valid project name" in p.stderr,
              f"invalid name {bad!r} refused in one line: {p.returncode} {p.stderr!r}")
        check(not os.path.exists(os.path.join(root, bad)), f"nothing created for {bad!r}")
    p = luxc(a, "new", "other", "--template", "blog", cwd=root)
    check(p.returncode == 1 and "no template `blog`" in p.stderr and "api, jobs, two-servers" in p.stderr,
          f"unknown template refused with the list: {p.stderr!r}")
    check(not os.path.exists(os.path.join(root, "other")), "nothing created for an unknown template")


def run(a):
    os.makedirs(a.out, exist_ok=True)
    api_template(a)
    two_servers_template(a)
    jobs_template(a)
    refusals(a)
