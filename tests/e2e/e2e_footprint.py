"""e2e case `footprint`: a built server maps only the client libraries its configuration uses.

samples/hello.lux (no db, jobs, bus nor auth) maps none of libpq, hiredis, SQLite, libcrypto or
libssl (read from /proc/PID/maps while it serves). A program with a `db { path }` and a
background fn runs on SQLite without libpq or hiredis; the same executable started with
LUX_DB_URL=postgres://... (a throwaway cluster) loads libpq on start and serves its db routes
through it. With LUX_BACKEND_PATH naming a directory without the library, start-up stops with
one line naming the library and the path tried, exit 1 (for LUX_DB_URL and for LUX_JOBS_URL).
"""
import os
import signal
import subprocess

import hostile

from e2e import (build, build_text, check, program_text, expect_json, free_port, start_postgres, start_server, stop_server)


OPTIONAL = ("libpq.so", "libhiredis.so", "libsqlite3.so", "libcrypto.so", "libssl.so", "libgnutls", "libkrb5", "libldap")


def mapped(pid):
    """The file names of the shared objects mapped by process `pid`."""
    names = set()
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and ".so" in parts[5]:
                names.add(os.path.basename(parts[5]))
    return names


def mapped_paths(pid):
    with open(f"/proc/{pid}/maps") as f:
        return {line.split()[5] for line in f if len(line.split()) >= 6 and ".so" in line.split()[5]}


def soname(path):
    dump = subprocess.run(["objdump", "-p", path], capture_output=True, text=True).stdout
    for line in dump.splitlines():
        if line.split()[:1] == ["SONAME"]:
            return line.split()[1]
    return os.path.basename(path)


def has(names, prefix):
    return any(n.startswith(prefix) for n in names)


def start_fails(exe, env, cwd):
    """Runs `exe` expecting a start-up failure; returns (exit status, stderr lines other than the
    log lines of what started before the failure)."""
    port = free_port()
    p = subprocess.run([exe, "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=cwd, capture_output=True,
                       text=True, timeout=30)
    return p.returncode, [l for l in p.stderr.splitlines() if l.strip() and not l.startswith("ts=")]


def run(a):
    # 1. hello: nothing optional mapped.
    p = build(a, os.path.join(a.root, "samples", "hello.lux"))
    check(p.returncode == 0, f"luxc build hello.lux failed:\n{p.stderr}")
    if p.returncode != 0:
        return
    hello = p.stdout.strip().splitlines()[-1]
    port = free_port()
    proc = start_server(hello, port)
    if proc is None:
        return
    expect_json(port, "GET", "/todos", 200, None)
    names = mapped(proc.pid)
    print(f"hello: {len(names)} shared objects mapped, RSS {hostile.rss_kb(proc.pid)} kB: {' '.join(sorted(names))}")
    for lib in OPTIONAL:
        check(not has(names, lib), f"hello maps {lib}: {sorted(names)}")
    stop_server(proc)
    check(proc.returncode == 0, f"hello exited {proc.returncode}")

    # 2. A db program on SQLite: SQLite, but neither libpq nor hiredis.
    out = os.path.join(a.out, "notes")
    exe = build_text(a.luxc, out, "notes.lux", program_text("footprint_notes.lux"))
    if not exe:
        return
    port = free_port()
    proc = start_server(exe, port, cwd=out)
    if proc is None:
        return
    expect_json(port, "POST", "/notes", 201, lambda b: b.get("title") == "on sqlite", {"id": 0, "title": "on sqlite"})
    names = mapped(proc.pid)
    sqlite_path = next((p for p in mapped_paths(proc.pid) if "libsqlite3.so" in p), None)
    check(sqlite_path is not None, f"the SQLite program does not map libsqlite3: {sorted(names)}")
    for lib in ("libpq.so", "libhiredis.so", "libkrb5", "libldap"):
        check(not has(names, lib), f"the SQLite program maps {lib}: {sorted(names)}")
    stop_server(proc)
    check(proc.returncode == 0, f"notes on SQLite exited {proc.returncode}")

    # 3. The same executable switched to PostgreSQL at run time: libpq loaded, routes served.
    pg, pgport = start_postgres(os.path.join(a.out, "pg"))
    if pg is None:
        return
    try:
        url = f"postgres://lux@127.0.0.1:{pgport}/notes"
        env = dict(os.environ, LUX_DB_URL=url)
        port = free_port()
        proc = start_server(exe, port, env=env, cwd=out)
        if proc is None:
            return
        made, _ = expect_json(port, "POST", "/notes", 201, lambda b: b.get("title") == "on postgres",
                              {"id": 0, "title": "on postgres"})
        if made and "id" in made:
            expect_json(port, "GET", f"/notes/{made['id']}", 200, {"id": made["id"], "title": "on postgres"})
        expect_json(port, "POST", "/notes", 400, None, {"title": 5})
        names = mapped(proc.pid)
        check(has(names, "libpq.so"), f"LUX_DB_URL=postgres:// did not load libpq: {sorted(names)}")
        check(not has(names, "libhiredis.so"), f"the PostgreSQL program maps hiredis: {sorted(names)}")
        log = stop_server(proc)
        check(proc.returncode == 0, f"notes on PostgreSQL exited {proc.returncode}: {log}")

        # 4. The library cannot be found where LUX_BACKEND_PATH says: one line, exit 1.
        missing = os.path.join(a.out, "no-such-dir")
        status, lines = start_fails(exe, dict(env, LUX_BACKEND_PATH=missing), out)
        check(status == 1, f"LUX_BACKEND_PATH={missing}: exit status {status}, expected 1 ({lines})")
        check(len(lines) == 1, f"LUX_BACKEND_PATH={missing}: expected one line, got {lines}")
        want = os.path.join(missing, "libpq.so.5")
        check(bool(lines) and "cannot load libpq.so" in lines[0] and missing in lines[0] and "LUX_BACKEND_PATH" in lines[0],
              f"the start-up error does not name libpq and the path tried ({want}): {lines}")
    finally:
        pg.send_signal(signal.SIGINT)
        pg.wait(timeout=30)

    # 5. LUX_BACKEND_PATH is the only place looked in: a directory holding SQLite alone serves the
    # db, and the Redis job store selected by LUX_JOBS_URL stops the start naming hiredis.
    only_sqlite = os.path.join(a.out, "only-sqlite")
    os.makedirs(only_sqlite, exist_ok=True)
    if sqlite_path:
        link = os.path.join(only_sqlite, soname(sqlite_path))
        if not os.path.lexists(link):
            os.symlink(sqlite_path, link)
    env = dict(os.environ, LUX_JOBS_URL="redis://127.0.0.1:1", LUX_BACKEND_PATH=only_sqlite)
    status, lines = start_fails(exe, env, out)
    check(status == 1, f"LUX_JOBS_URL with LUX_BACKEND_PATH={only_sqlite}: exit status {status}, expected 1 ({lines})")
    check(len(lines) == 1 and "cannot load libhiredis.so" in lines[0] and only_sqlite in lines[0],
          f"the start-up error does not name hiredis and the path tried: {lines}")
    port = free_port()
    proc = start_server(exe, port, env=dict(os.environ, LUX_BACKEND_PATH=only_sqlite), cwd=out)
    if proc is None:
        return
    expect_json(port, "GET", "/notes/1", 200, {"id": 1, "title": "on sqlite"})
    names = mapped(proc.pid)
    check(has(names, "libsqlite3.so"), f"LUX_BACKEND_PATH={only_sqlite}: SQLite not loaded: {sorted(names)}")
    stop_server(proc)
    check(proc.returncode == 0, f"notes with LUX_BACKEND_PATH exited {proc.returncode}")

    # 6. JWT auth loads libcrypto when the server starts: mapped before any token arrives, and a
    # server that cannot load it does not start (rather than answering its first token with 500).
    out = os.path.join(a.out, "members")
    exe = build_text(a.luxc, out, "members.lux", program_text("footprint_auth.lux"))
    if not exe:
        return
    port = free_port()
    proc = start_server(exe, port, cwd=out)
    if proc is None:
        return
    expect_json(port, "GET", "/me", 401, None)
    names = mapped(proc.pid)
    check(has(names, "libcrypto.so"), f"an auth server started without loading libcrypto: {sorted(names)}")
    stop_server(proc)
    status, lines = start_fails(exe, dict(os.environ, LUX_BACKEND_PATH=only_sqlite), out)
    check(status == 1 and len(lines) == 1 and "auth: cannot load libcrypto.so" in lines[0] and only_sqlite in lines[0],
          f"an auth server without libcrypto: exit {status}, {lines}")
