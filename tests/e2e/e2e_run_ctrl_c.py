"""e2e case `run_ctrl_c`: Ctrl-C at a terminal running `luxc run` of programs/slow_pair.lux (the
signal goes to the whole foreground process group, as a terminal sends it):
1. while alpha drains a slow request, beta, which stopped at once, is reaped at once (no
   `<defunct>` child of luxc); the request completes, both on_stop hooks run, every server has
   been reaped and luxc exits 0;
2. a second Ctrl-C during the drain forces the servers out at once (no six-second wait), and no
   child remains;
3. the same when alpha has not yet taken the first stop as the second arrives (alpha is held with
   SIGSTOP across both Ctrl-Cs): the two stops are not merged into one, the drain is forced;
4. luxc killed outright (SIGKILL): its servers stop by themselves (they are not left running).
"""
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request

from e2e import check, children_of, Lines, proc_state, program


def start(a, out):
    """`luxc run` in a session of its own (a terminal's foreground group); its output, the
    servers' pids by name and alpha's port."""
    proc = subprocess.Popen([a.luxc, "run", program("slow_pair.lux"), "-o", out, "--", "--host", "127.0.0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines = Lines(proc.stdout)
    ports = {}
    for _ in range(2):
        line = lines.wait(lambda l: "msg=listening" in l, 120)
        m = line and re.search(r"server=slow_pair-(\w+) .*port=(\d+)", line)
        if m:
            ports[m.group(1)] = int(m.group(2))
    check(sorted(ports) == ["alpha", "beta"], f"both servers listening: {lines.lines[-8:]}")
    pids = {name.replace("slow_pair-", ""): pid for name, pid in children_of(proc.pid).items()}
    check(sorted(pids) == ["alpha", "beta"], f"luxc run's children: {pids}")
    return proc, lines, pids, ports.get("alpha", 0)


def slow_request(port, answers):
    def go():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/slow", timeout=30) as r:
                answers.append((r.status, r.read().decode()))
        except Exception as e:  # noqa: BLE001 - the failure is what the case reports
            answers.append((0, repr(e)))

    t = threading.Thread(target=go, daemon=True)
    t.start()
    return t


def ctrl_c(proc):
    os.killpg(proc.pid, signal.SIGINT)


def finish(proc, timeout):
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return False
    return True


def graceful(a, out):
    proc, lines, pids, port = start(a, out)
    answers = []
    try:
        t = slow_request(port, answers)
        check(lines.wait(lambda l: "slow request started" in l, 20), "alpha did not start the slow request")
        ctrl_c(proc)
        check(lines.wait(lambda l: "beta down" in l, 10), f"beta's on_stop: {lines.lines[-8:]}")
        # beta has nothing to drain: it exits now, and luxc reaps it while alpha still works.
        deadline = time.time() + 3
        while time.time() < deadline and proc_state(pids.get("beta", -1)) is not None:
            time.sleep(0.02)
        check(proc_state(pids.get("beta", -1)) is None,
              f"beta stopped but is still a child of luxc run (state {proc_state(pids.get('beta', -1))}) while alpha drains")
        check(not answers and proc_state(pids.get("alpha", -1)) not in (None, "Z"),
              f"alpha should still be draining the slow request: {answers}")
        t.join(20)
        check(answers and answers[0][0] == 200 and '"done":true' in answers[0][1].replace(" ", ""),
              f"the in-flight request completes during the drain: {answers}")
    finally:
        exited = finish(proc, 30)
    lines.join(10)  # the last lines (alpha's on_stop) may still be in the pipe when luxc exits
    check(exited and proc.returncode == 0, f"luxc run exit status after Ctrl-C: {proc.returncode}")
    text = "".join(lines.lines)
    check("alpha down" in text and "beta down" in text, f"on_stop output: {lines.lines[-8:]}")
    check("second signal" not in text, f"one Ctrl-C reached a server twice: {lines.lines[-8:]}")
    check(not children_of(proc.pid) and all(proc_state(p) is None for p in pids.values()),
          f"servers left after luxc run exited: {[(p, proc_state(p)) for p in pids.values()]}")


def forced(a, out, held=False):
    """With `held`, alpha is stopped (SIGSTOP) from before the first Ctrl-C until after luxc has
    forwarded the second, so both stops are pending in alpha at once."""
    proc, lines, pids, port = start(a, out)
    answers = []
    slow_request(port, answers)
    check(lines.wait(lambda l: "slow request started" in l, 20), "alpha did not start the slow request")
    if held:
        os.kill(pids["alpha"], signal.SIGSTOP)
        # Stopped for real before the first stop is sent: a thread still in sigwait could take it.
        deadline = time.time() + 5
        while time.time() < deadline and proc_state(pids["alpha"]) != "T":
            time.sleep(0.01)
        check(proc_state(pids["alpha"]) == "T", f"alpha not stopped: {proc_state(pids['alpha'])}")
    ctrl_c(proc)
    check(lines.wait(lambda l: "beta down" in l, 10), f"beta's on_stop: {lines.lines[-8:]}")
    t0 = time.time()
    ctrl_c(proc)
    if held:
        time.sleep(0.5)  # luxc forwards the second stop to the held alpha
        os.kill(pids["alpha"], signal.SIGCONT)
    exited = finish(proc, 30)
    took = time.time() - t0
    lines.join(10)
    check(exited and took < 4, f"a second Ctrl-C should force the drain to end, luxc run took {took:.1f} s")
    check(any("second signal: forcing exit" in l for l in lines.lines), f"alpha's forced exit: {lines.lines[-8:]}")
    check(proc.returncode != 0, "luxc run reports the forced stop with a non-zero status")
    check(all(proc_state(p) is None for p in pids.values()),
          f"servers left after the second Ctrl-C: {[(p, proc_state(p)) for p in pids.values()]}")


def orphaned(a, out):
    proc, lines, pids, _ = start(a, out)
    proc.kill()  # luxc alone, with no chance to stop anything
    proc.wait()
    deadline = time.time() + 15
    while time.time() < deadline and any(proc_state(p) not in (None, "Z") for p in pids.values()):
        time.sleep(0.05)
    left = {n: proc_state(p) for n, p in pids.items() if proc_state(p) not in (None, "Z")}
    check(not left, f"servers still running after luxc was killed: {left}")


def run(a):
    os.makedirs(a.out, exist_ok=True)
    out = os.path.join(a.out, "build")
    graceful(a, out)
    forced(a, out)
    forced(a, out, held=True)
    orphaned(a, out)
