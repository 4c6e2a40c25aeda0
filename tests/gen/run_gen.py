#!/usr/bin/env python3
"""run_gen.py — runs gen.py's programs through luxc and the C++ compiler (tests/gen/README.md).

For each seed: `gen.py --seed N` → `luxc check` (must exit 0) → `luxc emit` (must exit 0) →
the C++ compiler with -fsyntax-only against the runtime headers (must accept it). A program that
fails a step is kept in OUT/failures/ with the tool's output beside it. With --build N, the first
N programs that passed are also built with `luxc build`, all of their servers are started at once,
each on a free loopback port and told the others' (LUX_SERVICE_<NAME>_URL), each must answer GET
/resp with 2xx and JSON, and each must exit 0 on SIGTERM.

Seeds: --seeds A:B (A inclusive, B exclusive), or --minutes M (from --start, until time is up).
Prints a summary: programs, failures by kind, constructs covered with counts. Exit 1 when any
program failed. One compile at a time (the machine is shared).
"""
import argparse
import collections
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def run(argv, timeout=120, split=False, **kw):
    """(exit status, output); with split, (status, stdout, stderr)."""
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE if split else subprocess.STDOUT,
                           timeout=timeout, **kw)
        out = p.stdout.decode("utf-8", "replace")
        return (p.returncode, out, p.stderr.decode("utf-8", "replace")) if split else (p.returncode, out)
    except subprocess.TimeoutExpired:
        return (-999, "", "timed out after %d s" % timeout) if split else (-999, "timed out after %d s" % timeout)


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from ports import free_port  # noqa: E402  (ports below the ephemeral range, reserved per test)


def find_cxx():
    for c in (os.environ.get("CXX"), "clang++", "c++"):
        if c and shutil.which(c):
            return c
    sys.exit("run_gen: no C++ compiler found")


class Runner:
    def __init__(self, a):
        self.a = a
        self.out = pathlib.Path(a.out)
        self.fail_dir = self.out / "failures"
        self.fail_dir.mkdir(parents=True, exist_ok=True)
        self.work = self.out / "work"
        self.work.mkdir(parents=True, exist_ok=True)
        self.cxx = a.cxx or find_cxx()
        root = pathlib.Path(a.root) if a.root else ROOT
        self.incs = ["-I" + str(root / "runtime/include"), "-I" + str(root / "stdlib/include")]
        self.flags = ["-std=c++20"] + self.incs
        self.pch = None
        if "clang" in pathlib.Path(self.cxx).name:
            # a precompiled <lux/stdlib.h>: most of a syntax check is parsing the runtime's headers
            pch = self.work / "lux_stdlib.pch"
            rc, text = run([self.cxx] + self.flags + ["-x", "c++-header", str(root / "stdlib/include/lux/stdlib.h"),
                                                    "-o", str(pch)], timeout=300)
            if rc == 0:
                self.pch = pch
        self.programs = 0
        self.failures = collections.Counter()
        self.failed_seeds = []
        self.constructs = collections.Counter()
        self.built = 0
        self.to_build = a.build

    def fail(self, kind, seed, src, text):
        self.failures[kind] += 1
        self.failed_seeds.append((seed, kind))
        base = self.fail_dir / ("%s-seed%d" % (kind, seed))
        base.with_suffix(".lux").write_text(src)
        base.with_suffix(".txt").write_text(text)
        print("FAIL %s seed %d (%s)" % (kind, seed, base.with_suffix(".lux")), flush=True)
        if self.a.verbose:
            print(text[:3000])

    def one(self, seed):
        gen = [sys.executable, str(HERE / "gen.py"), "--seed", str(seed)]
        if self.a.known_bugs:
            gen.append("--known-bugs")
        if self.a.no_finally_spread:
            gen.append("--no-finally-spread")
        rc, src = run(gen, timeout=60)
        if rc != 0:
            self.fail("generator", seed, "", src)
            return
        self.programs += 1
        first = src.splitlines()[0]
        if first.startswith("// constructs:"):
            self.constructs.update(first.split(":", 1)[1].split())
        f = self.work / ("gen_%d.lux" % seed)
        f.write_text(src)
        rc, text = run([self.a.luxc, "check", f.name], cwd=self.work)
        if rc != 0:
            self.fail("check", seed, src, text)
            return
        rc, cpp, err = run([self.a.luxc, "emit", f.name], cwd=self.work, split=True)
        if rc != 0:
            self.fail("emit", seed, src, err)
            return
        cf = self.work / ("gen_%d.cpp" % seed)
        cf.write_text(cpp)
        argv = [self.cxx] + self.flags + ["-fsyntax-only", "-w", str(cf)]
        if self.pch:
            argv[1:1] = ["-include-pch", str(self.pch)]
        rc, text = run(argv, timeout=300)
        if rc != 0:
            self.fail("cxx", seed, src, text)
            return
        cf.unlink()
        if self.built < self.to_build:
            self.build_and_run(seed, f, src)
        f.unlink()

    def build_and_run(self, seed, f, src):
        self.built += 1
        bdir = self.work / ("bin_%d" % seed)
        rc, text = run([self.a.luxc, "build", f.name, "-o", bdir.name], cwd=self.work, timeout=600)
        if rc != 0:
            self.fail("build", seed, src, text)
            return
        exes = sorted(p for p in bdir.iterdir() if p.is_file() and os.access(p, os.X_OK))
        # Every server of the program runs at once, each told where the others are (a server's
        # functions may call its peer's over RPC, and its events go to the peer): the executable
        # `gen_3-a` is the service `a`, found through LUX_SERVICE_A_URL / LUX_PEER_A_URL.
        ports = {exe: free_port() for exe in exes}
        # Servers exposing RPC functions refuse to start without the program's shared secret.
        env = dict(os.environ, LUX_PROGRAM_SECRET="gen-" + "0" * 60)
        for exe, port in ports.items():
            service = exe.name.rsplit("-", 1)[-1].upper()
            env["LUX_SERVICE_%s_URL" % service] = env["LUX_PEER_%s_URL" % service] = "http://127.0.0.1:%d" % port
        procs, logs = {}, {}
        problem, failed_exe = None, None
        try:
            for exe in exes:
                rundir = bdir / ("run_" + exe.name)
                rundir.mkdir(exist_ok=True)
                logs[exe] = open(rundir / "log.txt", "wb")
                procs[exe] = subprocess.Popen([str(exe.resolve()), "--port", str(ports[exe]), "--host", "127.0.0.1"],
                                              cwd=rundir, stdout=logs[exe], stderr=subprocess.STDOUT, env=env)
            for exe in exes:
                problem, failed_exe = self.probe(procs[exe], ports[exe]), exe
                if problem:
                    break
        finally:
            for exe, proc in procs.items():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for exe, proc in procs.items():
                try:
                    rc = proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                    rc = "none (killed after 20 s)"
                if problem is None and rc != 0:
                    problem, failed_exe = "exit status %s after SIGTERM" % rc, exe
                logs[exe].close()
        if problem:
            rundir = bdir / ("run_" + failed_exe.name)
            self.fail("run", seed, src, "%s: %s\n--- log\n%s" % (failed_exe.name, problem,
                                                               (rundir / "log.txt").read_text(errors="replace")))
            return
        shutil.rmtree(bdir, ignore_errors=True)
        print("built and ran seed %d (%d server%s)" % (seed, len(exes), "" if len(exes) == 1 else "s"), flush=True)

    def probe(self, proc, port):
        """None when the server answers GET /resp with 2xx JSON within 20 s, else what went wrong."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return "exited with %s before answering" % proc.returncode
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/resp" % port, timeout=5) as resp:
                    status, body = resp.status, resp.read()
            except urllib.error.HTTPError as e:
                status, body = e.code, e.read()
            except (ConnectionError, urllib.error.URLError, socket.timeout):
                time.sleep(0.1)
                continue
            if not 200 <= status < 300:
                return "GET /resp answered %d: %r" % (status, body[:300])
            try:
                json.loads(body)
            except ValueError:
                return "GET /resp answered non-JSON %r" % body[:300]
            return None
        return "no answer within 20 s"

    def summary(self, elapsed):
        print("\n== run_gen summary ==")
        print("programs: %d in %.0f s; built and run: %d" % (self.programs, elapsed, self.built))
        print("failures: %d%s" % (sum(self.failures.values()),
                                  "".join("  %s: %d" % kv for kv in sorted(self.failures.items()))))
        for seed, kind in self.failed_seeds[:50]:
            print("  seed %d: %s" % (seed, kind))
        print("constructs covered: %d" % len(self.constructs))
        items = sorted(self.constructs.items())
        for i in range(0, len(items), 4):
            print("  " + "  ".join("%-28s" % ("%s %d" % kv) for kv in items[i:i + 4]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--luxc", required=True)
    ap.add_argument("--out", default="gen-out")
    ap.add_argument("--seeds", help="A:B, seeds A to B-1")
    ap.add_argument("--minutes", type=float)
    ap.add_argument("--start", type=int, default=1, help="first seed with --minutes")
    ap.add_argument("--build", type=int, default=0, help="also build and run the first N programs that pass")
    ap.add_argument("--cxx")
    ap.add_argument("--root", help="the source tree whose runtime headers luxc was built with (default: this one)")
    ap.add_argument("--known-bugs", action="store_true")
    ap.add_argument("--no-finally-spread", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    a.luxc = str(pathlib.Path(a.luxc).resolve())
    r = Runner(a)
    t0 = time.monotonic()
    if a.seeds:
        lo, hi = (int(x) for x in a.seeds.split(":"))
        for s in range(lo, hi):
            r.one(s)
    elif a.minutes:
        s = a.start
        while time.monotonic() - t0 < a.minutes * 60:
            r.one(s)
            s += 1
        print("last seed: %d" % (s - 1))
    else:
        ap.error("give --seeds or --minutes")
    r.summary(time.monotonic() - t0)
    sys.exit(1 if r.failures else 0)


if __name__ == "__main__":
    main()
