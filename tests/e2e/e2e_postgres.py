"""e2e case `postgres`: A PostgreSQL cluster started here, three replicas of programs/notes.lux (`db
{ adapter: "postgres" }`) on it: 3 x 300 creates through all three at once, counts and reads
agree on every replica, one replica SIGKILLed mid-way loses nothing it acknowledged, bad input
gets 4xx JSON; the same program with `db { path }` instead runs on SQLite.
"""
import http.client
import json
import os
import signal
import subprocess
import threading
import time

from e2e import (build_text, check, expect_json, free_port, program_text, replace_all, request,
                 start_postgres, start_server, stop_server, wait_listening)


def run(a):
    """Three replicas on one PostgreSQL: concurrent creates through all of them, consistent
    counts and reads everywhere, a SIGKILLed replica loses nothing acknowledged; then SQLite."""
    exe = build_text(a.luxc, a.out, "notes.lux", program_text("notes.lux"))
    if not exe:
        return
    pg, pgport = start_postgres(os.path.join(a.out, "pg"))
    if not pg:
        return
    url = f"postgres://lux@127.0.0.1:{pgport}/notes"
    procs, ports = {}, {}

    def launch(name):
        ports[name] = free_port()
        env = dict(os.environ, DATABASE_URL=url, LUX_ACCESS_LOG="0", LUX_LOG_LEVEL="warn")
        log = open(os.path.join(a.out, f"{name}.log"), "w")
        procs[name] = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(ports[name])], env=env,
                                       stdout=log, stderr=subprocess.STDOUT)

    try:
        for name in ("r0", "r1", "r2"):  # all at once: their migrations race for the advisory lock
            launch(name)
        for name in ("r0", "r1", "r2"):
            check(wait_listening(ports[name], procs[name], timeout=30), f"{name} did not start listening")
        per_writer = 300
        acked = {}  # id -> (writer, title)
        lock = threading.Lock()
        errors = []

        unknown = []  # requests cut off by the kill: committed or not, never acknowledged
        killed = threading.Event()

        def writer(name):
            target = name
            conn = http.client.HTTPConnection("127.0.0.1", ports[target], timeout=20)
            i = 0
            while i < per_writer:
                body = json.dumps({"id": 0, "title": f"{name}-{i}", "writer": name, "tags": [name, str(i)]})
                try:
                    conn.request("POST", "/notes", body, {"Content-Type": "application/json"})
                    r = conn.getresponse()
                    text = r.read().decode()
                except (OSError, http.client.HTTPException) as e:
                    if target == "r2" and killed.wait(timeout=10):
                        unknown.append(f"{name}-{i}")  # r2 was killed under it: go on through r0
                        target = "r0"
                    else:
                        errors.append(f"{name} #{i} via {target}: {e}")
                    conn = http.client.HTTPConnection("127.0.0.1", ports[target], timeout=20)
                    i += 1
                    continue
                i += 1
                if r.status != 201:
                    errors.append(f"{name} #{i}: status {r.status} {text}")
                    continue
                note = json.loads(text)
                with lock:
                    acked[note["id"]] = (name, note["title"])

        def killer():  # SIGKILL r2 while its writer is mid-stream
            while sum(1 for w, _ in list(acked.values()) if w == "r2") < per_writer // 2:
                time.sleep(0.001)
            procs["r2"].send_signal(signal.SIGKILL)
            procs["r2"].wait()
            killed.set()

        t0 = time.time()
        threads = [threading.Thread(target=writer, args=(n,)) for n in ("r0", "r1", "r2")] + [threading.Thread(target=killer)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(f"{len(acked)} creates acknowledged through 3 replicas in {time.time() - t0:.1f} s "
              f"({len(unknown)} cut off by the SIGKILL)")
        check(not errors, f"create errors: {errors[:5]}")
        check(len(acked) + len(unknown) == 3 * per_writer, f"{len(acked)} creates acknowledged, {len(unknown)} cut off")
        check(len(unknown) <= 1, f"{len(unknown)} requests cut off (one connection, one request in flight)")
        check(any(w == "r2" for w, _ in acked.values()) and procs["r2"].poll() is not None, "r2 was not killed mid-way")
        launch("r2")  # back after the kill
        check(wait_listening(ports["r2"], procs["r2"], timeout=30), "r2 did not restart")
        counts = set()
        for name in ("r0", "r1", "r2"):
            got, _ = expect_json(ports[name], "GET", "/count", 200, None)
            if got:  # a create cut off by the kill may have committed before its answer was lost
                n = got["count"]
                check(len(acked) <= n <= len(acked) + len(unknown), f"{name} counts {n} notes, {len(acked)} acknowledged")
                check(got["rows"] == [{"n": n}], f"{name} db.query rows {got['rows']}")
                counts.add(n)
            expect_json(ports[name], "GET", "/writers/r1", 200, {"count": per_writer})
        # Every acknowledged note reads back the same from every replica.
        check(len(counts) == 1, f"replicas disagree on the count: {counts}")
        missing = 0
        for i, (nid, (w, title)) in enumerate(sorted(acked.items())):
            name = ("r0", "r1", "r2")[i % 3]
            st, _, text = request(ports[name], "GET", f"/notes/{nid}")
            note = json.loads(text) if st == 200 else None
            if not note or note["title"] != title or note["writer"] != w or note["stars"] != 0 or note["tags"][0] != w:
                missing += 1
        check(missing == 0, f"{missing} acknowledged notes missing or different")
        expect_json(ports["r1"], "POST", "/notes", 400, lambda b: "error" in b, body={"title": 5, "writer": "x"})
        expect_json(ports["r1"], "POST", "/notes", 400, lambda b: "error" in b, body={"writer": "x"})
        expect_json(ports["r1"], "GET", "/notes/abc", 400, lambda b: "error" in b)
        expect_json(ports["r2"], "GET", "/notes/999999", 404, {"error": "no note with id 999999"})
    finally:
        for name, proc in procs.items():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                check(proc.returncode == 0, f"{name} exit status after SIGTERM: {proc.returncode}")
        pg.send_signal(signal.SIGINT)
        pg.wait()

    # The same program on the embedded database: only the `db` block differs.
    sqlite_dir = os.path.join(a.out, "sqlite")
    exe = build_text(a.luxc, sqlite_dir, "notes.lux",
                     replace_all(program_text("notes.lux"), 'db { adapter: "postgres", url: DATABASE_URL, pool: 8 }',
                                 'db { path: "notes.db" }', count=1))
    if not exe:
        return
    port = free_port()
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(os.path.join(sqlite_dir, "notes.db" + ext)):
            os.remove(os.path.join(sqlite_dir, "notes.db" + ext))
    proc = start_server(exe, port, cwd=sqlite_dir, name="sqlite notes",
                        env=dict(os.environ, LUX_DB_PATH=os.path.join(sqlite_dir, "notes.db")))
    expect_json(port, "POST", "/notes", 201, lambda b: b["id"] == 1 and b["stars"] == 0,
                body={"id": 0, "title": "t", "writer": "w", "tags": None})
    expect_json(port, "GET", "/count", 200, {"count": 1, "rows": [{"n": 1}]})
    stop_server(proc)
    check(proc.returncode == 0, f"sqlite notes exit status {proc.returncode}")
