"""e2e case `jobs`: Background fns and schedules in a real server (programs/jobs.lux): retries, a
delayed job, the dead letter, the admin routes and their token, a manual trigger, a 1-second
schedule, SIGKILL mid-job then restart (the job runs again), `run-task` with the scheduler off.
"""
import json
import os
import signal
import subprocess
import time

from e2e import admin, build, check, expect_json, free_port, program, read_until, wait_listening


def run(a):
    os.makedirs(a.out, exist_ok=True)
    lux = program("jobs.lux")
    p = build(a, lux)
    check(p.returncode == 0, f"luxc build failed:\n{p.stderr}")
    if p.returncode:
        return
    exe = p.stdout.strip().splitlines()[-1]
    store = os.path.join(a.out, "jobs.db")
    for f in (store, store + "-wal", store + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    env = dict(os.environ, LUX_JOBS_PATH=store, LUX_ADMIN_TOKEN="e2e-secret", LUX_LOG_LEVEL="info")

    def start():
        port = free_port()
        proc = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(port)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check(wait_listening(port, proc), "jobs server did not start listening")
        return port, proc

    port, proc = start()
    lines = []
    try:
        got, _ = expect_json(port, "POST", "/spawn/record/1", 200, lambda b: isinstance(b.get("id"), str) and len(b["id"]) >= 8)
        check(read_until(proc, r"job record 1 ran", lines, 10), f"the job did not run: {lines}")
        expect_json(port, "POST", "/spawn/flaky/2", 200, None)
        check(read_until(proc, r"flaky 2 ok after 3 tries", lines, 15), f"retries: {lines}")
        expect_json(port, "POST", "/spawn/later/3", 200, None)
        check(read_until(proc, r"job record 3 ran", lines, 10), f"a delayed job: {lines}")
        expect_json(port, "POST", "/spawn/doomed/4", 200, None)
        deadline = time.time() + 15
        dead = None
        while time.time() < deadline:
            st, text = admin(port, "GET", "/_lux/jobs")
            if st == 200 and json.loads(text).get("counts", {}).get("dead", 0) >= 1:
                dead = json.loads(text)
                break
            time.sleep(0.2)
        check(dead is not None, "the doomed job never reached the dead letter")
        if dead:
            check("doomed 4 always fails" in json.dumps(dead.get("recent_failures", [])), f"last error in /_lux/jobs: {dead}")
        st, _ = admin(port, "GET", "/_lux/jobs", token="wrong")
        check(st == 401, f"/_lux/jobs with a wrong token: {st}")
        st, _ = admin(port, "GET", "/_lux/jobs", token=None)
        check(st == 401, f"/_lux/jobs without a token: {st}")
        st, text = admin(port, "POST", "/_lux/schedules/nightly/run")
        check(st in (200, 202), f"manual trigger: {st} {text}")
        check(read_until(proc, r"nightly ran", lines, 10), f"the manual trigger did not run the task: {lines}")
        # The print alone on its line: the start-up log line `schedule ... schedule=ticker` holds "tick" too.
        check(read_until(proc, r"^tick$", lines, 5), f"the 1-second schedule did not fire: {lines}")
        # SIGKILL while a job runs: it runs again after the restart (at-least-once).
        expect_json(port, "POST", "/spawn/slow/5", 200, None)
        check(read_until(proc, r"slow 5 started", lines, 10), f"the slow job did not start: {lines}")
    finally:
        proc.kill()
        proc.wait()
    port, proc = start()
    lines2 = []
    try:
        check(read_until(proc, r"slow 5 done", lines2, 20), f"the killed job did not complete after restart: {lines2}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    check(proc.returncode == 0, f"exit status after SIGTERM: {proc.returncode}")
    # An external cron runs a task with the scheduler off.
    r = subprocess.run([exe, "run-task", "nightly"], env=dict(env, LUX_SCHEDULER_ENABLED="false"),
                       capture_output=True, text=True, timeout=20)
    check(r.returncode == 0 and "nightly ran" in r.stdout + r.stderr, f"run-task: {r.returncode} {r.stdout} {r.stderr}")
    r = subprocess.run([exe, "run-task", "nope"], env=env, capture_output=True, text=True, timeout=20)
    check(r.returncode != 0 and "nope" in r.stderr, f"run-task of an unknown task: {r.returncode} {r.stderr}")
