"""e2e case `build_cold`: how `luxc build` compiles a cold output directory (samples/monitoring.lux:
two servers). With LUX_BUILD_JOBS=1 the cold units go into one batch per server (and the shared
code's), fewer compiler runs than units, and both executables run; a change to one route then
compiles its unit alone and the rest of its batch in one run, relinking that server only; a
second change compiles its unit alone. A compile failure in a batch names the same log as
unbatched. One stdlib PCH serves two output directories (LUX_PCH_DIR): the second cold build does
not make one; two builds making it at the same time both succeed. Under `make -j3` two builds
share make's jobserver tokens and give them all back.
"""
import os
import re
import shutil
import subprocess
import tempfile

from e2e import check


def timings(p):
    m = re.search(r"\((\d+) of (\d+) units\) in (\d+) compiler runs? \((\d+) at a time\)", p.stderr)
    return tuple(int(g) for g in m.groups()) if m else None


def run(a):
    with tempfile.TemporaryDirectory() as tmp:
        lux = os.path.join(tmp, "monitoring.lux")
        shutil.copy(os.path.join(a.root, "samples", "monitoring.lux"), lux)
        env = dict(os.environ, LUX_BUILD_JOBS="1", LUX_PCH_DIR=os.path.join(tmp, "pch"))

        def build(out, *extra):
            return subprocess.run([a.luxc, "build", lux, "-o", os.path.join(tmp, out), "--timings", *extra],
                                  capture_output=True, text=True, env=env)

        p = build("one")
        t = timings(p)
        check(p.returncode == 0 and t and t[0] == t[1] and t[2] < t[0] and t[3] == 1,
              f"cold build in batches, one run at a time: {p.stderr}")
        check("precompiled header" in p.stderr, f"the first build makes the stdlib PCH: {p.stderr}")
        batches = [f for f in os.listdir(os.path.join(tmp, "one", ".lux")) if ".batch." in f and f.endswith(".o")]
        check(len(batches) >= 2, f"a batch per server: {batches}")

        exes = [line for line in p.stdout.splitlines() if line.strip()]
        check(len(exes) == 2, f"two executables: {p.stdout}")
        for exe in exes:
            h = subprocess.run([exe, "--help"], capture_output=True, text=True)
            check(h.returncode == 0 and "--port" in h.stdout, f"{exe} --help: {h.stdout}{h.stderr}")

        # A second output directory: the stdlib PCH is shared.
        p = build("two")
        check(p.returncode == 0 and "precompiled header" not in p.stderr, f"the PCH is shared: {p.stderr}")

        with open(lux) as f:
            text = f.read()
        check('server: "api",' in text, 'monitoring.lux answers `server: "api"` in its health report')
        for n, (runs_at_most, units) in enumerate([(2, None), (1, 1)]):
            with open(lux, "w") as f:
                f.write(text.replace('server: "api",', f'server: "api-{n}",'))
            p = build("one")
            t = timings(p)
            check(p.returncode == 0 and t and t[2] <= runs_at_most and t[2] >= 1 and t[0] < t[1]
                  and (units is None or t[0] == units) and "(1 executables)" in p.stderr,
                  f"change {n + 1}: {p.stderr}")

        # Two cold builds making the same PCH at once: both succeed.
        with open(lux, "w") as f:
            f.write(text)
        env["LUX_PCH_DIR"] = os.path.join(tmp, "pch2")
        procs = [subprocess.Popen([a.luxc, "build", lux, "-o", os.path.join(tmp, f"race{i}")], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
        for i, proc in enumerate(procs):
            out, err = proc.communicate(timeout=600)
            check(proc.returncode == 0, f"concurrent build {i}: {err}")
        check(os.listdir(os.path.join(tmp, "pch2")) and not any(
            f.endswith(".partial") for d in os.listdir(os.path.join(tmp, "pch2"))
            for f in os.listdir(os.path.join(tmp, "pch2", d))), "one PCH in place, no partial file left")

        # Under `make -j3` (GNU make's jobserver, passed to recipes marked `+`): two builds at
        # once, each taking tokens for its runs beyond the first and giving every one back (make
        # complains at exit about a token missing), and the same without `+` (no descriptors
        # passed down: the jobserver is ignored).
        if shutil.which("make"):
            for mark in ["+", ""]:
                mk = os.path.join(tmp, f"make{len(mark)}")
                os.makedirs(mk)
                with open(os.path.join(mk, "Makefile"), "w") as f:
                    f.write("all: a b\n.PHONY: all a b\n"
                            f"a:\n\t{mark}{a.luxc} build {lux} -o out-a\n"
                            f"b:\n\t{mark}{a.luxc} build {lux} -o out-b\n")
                menv = dict(env, LUX_BUILD_JOBS="4")
                menv.pop("MAKEFLAGS", None)
                p = subprocess.run(["make", "-j3"], cwd=mk, capture_output=True, text=True, env=menv, timeout=600)
                check(p.returncode == 0 and "jobserver" not in p.stderr and "INTERNAL" not in p.stderr
                      and os.path.exists(os.path.join(mk, "out-a", "monitoring-api"))
                      and os.path.exists(os.path.join(mk, "out-b", "monitoring-api")),
                      f"make -j3 (recipes marked {mark!r}): {p.stdout}{p.stderr}")

        # A compile failure in a cold batch names its first unit's log, as unbatched.
        p = subprocess.run([a.luxc, "build", lux, "-o", os.path.join(tmp, "bad"), "--cxx", "false"],
                           capture_output=True, text=True, env=env)
        m = re.search(r"the compiler's full output is in (\S+)", p.stderr)
        check(p.returncode == 1 and "error[E5002]" in p.stderr and m and ".batch." not in m.group(1)
              and m.group(1).endswith(".log"), f"E5002 in a batch: {p.stderr}")
