"""e2e case `redis`: redis-server started here, three replicas of one server and two of another on it
(programs/redis.lux): 10,000 jobs spawned across them run exactly once, a replica SIGKILLed
mid-run loses none, a 1-second schedule ticks once across the replicas, events published
while a subscriber is down reach every subscribing server once.
"""
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request

from e2e import admin, build, check, free_port, popen_ready, program, wait_listening


def start_redis(dirname):
    """redis-server on a free loopback port in `dirname` (no persistence); returns (proc, port)."""
    exe = shutil.which("redis-server")
    check(exe is not None, "redis-server is not installed (.ci/deps.sh installs it)")
    if exe is None:
        return None, 0
    shutil.rmtree(dirname, ignore_errors=True)
    os.makedirs(dirname)
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", dirname, "--save", "",
                             "--appendonly", "no", "--logfile", os.path.join(dirname, "redis.log")])
    check(wait_listening(port, proc), "redis-server did not start")
    return proc, port


def rows(path, sql):
    if not os.path.exists(path):
        return []
    con = sqlite3.connect(path, timeout=10)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def run(a):
    """Three replicas of a server on one Redis: jobs once each, a SIGKILLed replica loses none,
    a 1-second schedule ticks once across them, events reach each subscribing server once."""
    os.makedirs(a.out, exist_ok=True)
    lux = program("redis.lux")
    t_build = time.time()
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    print(f"built in {time.time() - t_build:.1f} s")
    exes = {os.path.basename(x): x for x in p.stdout.split()}
    redis, rport = start_redis(os.path.join(a.out, "redis"))
    if not redis:
        return
    procs = {}
    ports = {}

    def start(server, name):
        port = free_port()
        db = os.path.join(a.out, f"{name}.db")
        for ext in ("", "-wal", "-shm"):
            if os.path.exists(db + ext):
                os.remove(db + ext)
        env = dict(os.environ, REDIS_URL=f"redis://127.0.0.1:{rport}", REPLICA=name, LUX_DB_PATH=db,
                   LUX_ADMIN_TOKEN="e2e-secret", LUX_ACCESS_LOG="0", LUX_LOG_LEVEL="warn")
        log = open(os.path.join(a.out, f"{name}.log"), "w")
        proc = popen_ready([exes[f"redis-{server}"], "--host", "127.0.0.1", "--port", str(port)], env=env,
                           stdout=log, stderr=subprocess.STDOUT)
        procs[name], ports[name] = proc, port

    def post(name, path, timeout=60):
        req = urllib.request.Request(f"http://127.0.0.1:{ports[name]}{path}", method="POST", data=b"")
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status

    def counts(name):
        st, text = admin(ports[name], "GET", "/_lux/jobs")
        return json.loads(text)["counts"] if st == 200 else {}

    def wait(pred, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred():
                return True
            time.sleep(0.1)
        return pred()

    def all_rows(names, sql):
        out = []
        for n in names:
            out += rows(os.path.join(a.out, f"{n}.db"), sql)
        return out

    work = ["r0", "r1", "r2"]
    try:
        for n in work:
            start("work", n)
        # --- 10,000 jobs spawned across the three replicas run exactly once each.
        t0 = time.time()
        share = [(0, 3334), (3334, 3333), (6667, 3333)]
        threads = [threading.Thread(target=post, args=(n, f"/spawn/record/{f}/{c}")) for n, (f, c) in zip(work, share)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        t_spawned = time.time() - t0
        check(wait(lambda: counts("r0").get("completed") == 10000, 60), f"10,000 jobs completed: {counts('r0')}")
        t_done = time.time() - t0
        runs = all_rows(work, "SELECT n, replica FROM runs")
        ns = [n for n, _ in runs]
        check(len(ns) == 10000 and len(set(ns)) == 10000 and set(ns) == set(range(10000)),
              f"each job once: {len(ns)} runs, {len(set(ns))} distinct")
        per = {r: sum(1 for _, x in runs if x == r) for r in work}
        check(all(v > 0 for v in per.values()), f"every replica ran jobs: {per}")
        print(f"10,000 jobs: spawned in {t_spawned:.1f} s, all done after {t_done:.1f} s; per replica {per}")
        # --- events: published while the listener server is down, they wait for it.
        post("r0", "/publish/0/100")
        time.sleep(0.3)
        start("listener", "l0")
        start("listener", "l1")
        post("r1", "/publish/100/100")
        post("r2", "/publish/200/100")
        listeners = ["l0", "l1"]

        def got(names):
            return [n for n, _ in all_rows(names, "SELECT n, replica FROM gots")]
        check(wait(lambda: len(got(listeners)) >= 300 and len(got(work)) >= 300, 30),
              f"events arrived: listener {len(got(listeners))}, work {len(got(work))}")
        time.sleep(0.5)
        for server, names in (("listener", listeners), ("work", work)):
            g = got(names)
            check(len(g) == 300 and set(g) == set(range(300)), f"{server}: each event once: {len(g)} rows, {len(set(g))} distinct")
        # broadcast: each listener replica heard every event published after it started (100-299),
        # none from before (a broadcast subscription keeps nothing for a replica that is down).
        check(wait(lambda: all(len(rows(os.path.join(a.out, f"{n}.db"), "SELECT n FROM heards")) >= 200
                               for n in listeners), 30), "broadcast events arrived at every listener replica")
        time.sleep(0.3)
        for n in listeners:
            heard = [r[0] for r in rows(os.path.join(a.out, f"{n}.db"), "SELECT n FROM heards")]
            check(len(heard) == 200 and set(heard) == set(range(100, 300)),
                  f"{n}: broadcast: each event published while it ran once: {len(heard)} rows, {len(set(heard))} distinct, "
                  f"range {min(heard) if heard else None}-{max(heard) if heard else None}")
        lg = all_rows(listeners, "SELECT n, replica FROM gots")
        print(f"events: listener replicas {dict((r, sum(1 for _, x in lg if x == r)) for r in listeners)}")
        # --- ticks so far: one per second across the three replicas, none missing. `at` is when the
        # run started: its tick's second plus a delay, so floor (not round) names the tick even when a
        # loaded machine starts it hundreds of milliseconds late.
        time.sleep(max(0.0, 5.5 - (time.time() - t0)))
        ticks = sorted(at // 1000 for at, _ in all_rows(work, "SELECT at, replica FROM ticks"))
        check(len(ticks) >= 3, f"the schedule ticked: {ticks}")
        check(len(ticks) == len(set(ticks)), f"no tick ran twice: {ticks}")
        check(ticks and ticks[-1] - ticks[0] + 1 == len(ticks), f"no tick missing: {ticks}")
        tick_by = {r: sum(1 for _, x in all_rows(work, "SELECT at, replica FROM ticks") if x == r) for r in work}
        print(f"ticks: {len(ticks)} over {ticks[-1] - ticks[0] + 1 if ticks else 0} s, per replica {tick_by}")
        # --- one replica SIGKILLed mid-run: its jobs are reclaimed, none lost.
        before = len(ns)
        slow_share = [(10000, 556), (10556, 555), (11111, 555)]
        threads = [threading.Thread(target=post, args=(n, f"/spawn/slow/{f}/{c}")) for n, (f, c) in zip(work, slow_share)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        slow_total = sum(c for _, c in slow_share)
        check(wait(lambda: sum(1 for n, x in all_rows(["r2"], "SELECT n, replica FROM runs") if n >= 10000) >= 40, 30),
              "r2 started running slow jobs")
        procs["r2"].kill()
        procs["r2"].wait()
        t_kill = time.time()
        check(wait(lambda: counts("r0").get("completed") == 10000 + slow_total, 60),
              f"slow jobs completed after the kill: {counts('r0')}")
        c = counts("r1")
        check(c.get("running") == 0 and c.get("pending") == 0 and c.get("dead") == 0, f"nothing left behind: {c}")
        slow = [(n, r) for n, r in all_rows(work, "SELECT n, replica FROM runs") if n >= 10000]
        sn = [n for n, _ in slow]
        check(set(sn) == set(range(10000, 10000 + slow_total)), f"no slow job lost: {len(set(sn))} of {slow_total}")
        dups = {n for n in sn if sn.count(n) > 1}
        check(all(sorted(r for m, r in slow if m == n)[-1] == "r2" and sn.count(n) == 2 for n in dups),
              f"only jobs the killed replica was running ran twice: {sorted(dups)}")
        survivors = "".join(open(os.path.join(a.out, f"{n}.log")).read() for n in ("r0", "r1"))
        m = re.findall(r"jobs whose worker stopped renewing its lease are pending again\" jobs=(\d+)", survivors)
        check(m, "a survivor reclaimed the killed replica's jobs (log line)")
        print(f"kill: {slow_total} slow jobs, all done {time.time() - t_kill:.1f} s after the kill; "
              f"{sum(int(x) for x in m)} reclaimed from r2; "
              f"{len(dups)} ran twice (interrupted on r2, reclaimed)")
        # --- ticks after the kill: still once per second, on the survivors.
        time.sleep(2.5)
        all_ticks = sorted(at // 1000 for at, _ in all_rows(work, "SELECT at, replica FROM ticks"))
        check(len(all_ticks) == len(set(all_ticks)), f"no tick ran twice: {all_ticks}")
        late = [t for t in all_ticks if t > t_kill + 1]
        check(len(late) >= 1, f"ticks go on after the kill: {all_ticks}")
    finally:
        for name, proc in procs.items():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in procs.items():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if name != "r2":
                check(proc.returncode == 0, f"{name} exit status after SIGTERM: {proc.returncode}")
        redis.terminate()
        redis.wait()
