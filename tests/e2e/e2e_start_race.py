"""Case start_race: servers that share SQLite files all start, however many start at once.

1. A built Lux program with a `db { }`, a background fn and a subscription: eight processes
   started at the same instant (a barrier: each child, a bash that then execs the server, waits
   for one byte on a shared pipe, and the test writes one byte per child at once) in one
   directory, so they open the same db file, job store and event outbox together. Rounds cycle
   through fresh files, the files of a clean stop, and the files of a SIGKILL right after a
   write (WAL recovery). Every process must become ready and stop with 0.
2. `luxc run samples/monitoring.lux` (two servers over one database file) started and stopped
   20 times in a row: both servers up every time, `luxc run` exits 0 on SIGINT.
"""
import os
import re
import select
import shutil
import signal
import subprocess
import time

from e2e import build_text, check, free_port, program_text, request

PROCESSES = 8
ROUNDS = 15
MONITORING_RUNS = 20
START_TIMEOUT = 20  # seconds for a round's processes to become ready (or fail)

def start_together(exe, cwd, n, logdir):
    """Starts n processes of exe released by one barrier; returns [(proc, ready_fd, log_path)]."""
    gate_r, gate_w = os.pipe()
    started = []
    for i in range(n):
        ready_r, ready_w = os.pipe()
        log_path = os.path.join(logdir, f"p{i}.log")
        with open(log_path, "w") as log:
            # bash reads one byte from the gate (unbuffered on a pipe), then becomes the server.
            gate = f'read -r -n 1 _ <&{gate_r}; exec {gate_r}<&-; exec "$@"'
            proc = subprocess.Popen(
                ["bash", "-c", gate, "gate", exe, "--host", "127.0.0.1", "--port", "0"], cwd=cwd, stdout=log,
                stderr=subprocess.STDOUT, pass_fds=(ready_w, gate_r),
                env=dict(os.environ, LUX_READY_FD=str(ready_w), LUX_THREADS="1", LUX_JOB_WORKERS="1"))
        os.close(ready_w)
        started.append((proc, ready_r, log_path))
    os.write(gate_w, b"g" * n)  # one byte per child, in one write: all start at once
    os.close(gate_r)
    os.close(gate_w)
    return started


def wait_ready(started):
    """{index: port} of the processes that wrote `ready PORT`; the others exited or timed out."""
    ports, buf = {}, {i: b"" for i in range(len(started))}
    open_fds = {started[i][1]: i for i in range(len(started))}
    deadline = time.time() + START_TIMEOUT
    while open_fds and time.time() < deadline:
        ready, _, _ = select.select(list(open_fds), [], [], 0.1)
        for fd in ready:
            i = open_fds[fd]
            chunk = os.read(fd, 64)
            buf[i] += chunk
            if not chunk or b"\n" in buf[i]:
                m = re.match(rb"ready (\d+)\n", buf[i])
                if m:
                    ports[i] = int(m.group(1))
                del open_fds[fd]
    for _, fd, _ in started:
        os.close(fd)
    return ports


def last_line(path):
    with open(path, errors="replace") as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    return lines[-1] if lines else "(no output)"


def race_rounds(a, exe):
    base = os.path.join(a.out, "race")
    logdir = os.path.join(a.out, "race-logs")
    failures = 0
    for rnd in range(ROUNDS):
        mode = rnd % 3  # 0: fresh files; 1: after a clean stop, ends with SIGKILL; 2: after SIGKILL
        if mode == 0:
            shutil.rmtree(base, ignore_errors=True)
            os.makedirs(base)
        shutil.rmtree(logdir, ignore_errors=True)
        os.makedirs(logdir)
        started = start_together(exe, base, PROCESSES, logdir)
        ports = wait_ready(started)
        for i, (proc, _, log_path) in enumerate(started):
            if i not in ports:
                failures += 1
                check(False, f"round {rnd}: process {i} did not start (exit {proc.poll()}): {last_line(log_path)}")
        if mode == 1 and len(ports) == PROCESSES:
            st, _, body = request(ports[0], "POST", f"/readings/r{rnd}")
            check(st == 200, f"round {rnd}: POST /readings: {st} {body}")
            count, deadline = 0, time.time() + 10
            while count < 1 and time.time() < deadline:
                st, _, body = request(ports[PROCESSES - 1], "GET", "/count")
                count = int(re.search(r'"count":\s*(\d+)', body).group(1)) if st == 200 else 0
                if count < 1:
                    time.sleep(0.05)
            check(count >= 1, f"round {rnd}: the reading went through outbox, job and db: count {count}")
        sig = signal.SIGKILL if mode == 1 else signal.SIGTERM
        for proc, _, _ in started:
            proc.send_signal(sig)
        for i, (proc, _, log_path) in enumerate(started):
            try:
                code = proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
            if sig == signal.SIGTERM and i in ports:
                check(code == 0, f"round {rnd}: process {i} exit status {code} after SIGTERM: {last_line(log_path)}")
    print(f"start_race: {ROUNDS} rounds x {PROCESSES} processes, {failures} failed start(s)")


def monitoring_runs(a):
    lux = os.path.abspath(os.path.join(a.root, "samples", "monitoring.lux"))
    out = os.path.join(a.out, "monitoring-build")
    work = os.path.join(a.out, "monitoring-run")
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there: peers and services stay local
    env = dict(os.environ, LUX_PEER_COLLECTOR_URL=closed, LUX_SERVICE_API_URL=closed, LUX_SERVICE_AUTH_URL=closed)
    env.pop("PORT", None)
    luxc = os.path.abspath(a.luxc)  # luxc run starts in the work directory
    p = subprocess.run([luxc, "build", lux, "-o", out], capture_output=True, text=True)
    check(p.returncode == 0, f"luxc build monitoring.lux:\n{p.stderr}")
    if p.returncode:
        return
    up_runs = 0
    for run in range(MONITORING_RUNS):
        if run % 2 == 0:  # every other run on fresh files, the others on the files of the last one
            shutil.rmtree(work, ignore_errors=True)
            os.makedirs(work)
        proc = subprocess.Popen([luxc, "run", lux, "-o", out, "--", "--host", "127.0.0.1", "--port", "0"], cwd=work,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        ports, lines = {}, []
        deadline = time.time() + 60
        while len(ports) < 2 and time.time() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if not ready:
                continue
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            m = re.match(r"\[(\w+)\].*msg=listening.*port=(\d+)", line)
            if m:
                ports[m.group(1)] = int(m.group(2))
        both = sorted(ports) == ["api", "collector"]
        check(both, f"run {run}: both servers listening, got {sorted(ports)}:\n{''.join(lines[-10:])}")
        if both:
            st, _, body = request(ports["api"], "GET", "/health")
            check(st == 200 and '"server":"api"' in body.replace(" ", ""), f"run {run}: api /health: {st} {body}")
            st, _, body = request(ports["collector"], "GET", "/no-such-route")
            check(st == 404, f"run {run}: the collector answers: {st} {body}")
            up_runs += 1
        proc.send_signal(signal.SIGINT)
        try:
            rest, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            rest, _ = proc.communicate()
        check(proc.returncode == 0, f"run {run}: luxc run exit status {proc.returncode}:\n{rest[-2000:]}")
        check("[collector] Shutting down monitoring service" in rest, f"run {run}: the collector's on_stop ran:\n{rest[-2000:]}")
    print(f"start_race: luxc run samples/monitoring.lux {MONITORING_RUNS} times, both servers up {up_runs} times")


def run(a):
    os.makedirs(a.out, exist_ok=True)
    exe = build_text(a.luxc, a.out, "race.lux", program_text("start_race.lux"))
    check(exe is not None, "the race program builds")
    if exe:
        race_rounds(a, exe)
    monitoring_runs(a)
