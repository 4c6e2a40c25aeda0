#!/usr/bin/env python3
"""Where the CPU of one `luxc dev` save goes, in figures a loaded machine moves little: runs
`luxc dev --timings --verbose` on a copy of samples/monitoring.lux, makes one edit (`route`: the api
server's /health response; `shared-type`: a field with a default added to the shared type
`Metric`), waits for the build, stops luxc dev, then runs each compiler and linker command that
save ran again, alone, ROUNDS times, and prints for each the lowest CPU time (user + system of the
command and its children, getrusage) next to what the unit holds. With several --luxc, one after
the other (each with its own copy and output directory). A luxc whose `dev` has no --verbose (older
than this script) is run without it, and the compile commands of the units the save compiled (the
objects written after the edit) are rebuilt from its build tree (its PCH store and the source
tree's include directories, and the program header's PCH when the edit did not change the header,
as its dev build passes them); its links are then not measured.

  python3 bench/dev/unit_cpu.py --luxc BUILD/luxc [--luxc OTHER/luxc] --root . --case shared-type
"""
import argparse
import os
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

FIELD_LINE = "    tags: [String]\n  }\n\n  type Alert {"
FIELD_ADDED = "    tags: [String], revision: Int = 1\n  }\n\n  type Alert {"


def cpu_ms(argv, cwd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000


def what(src):
    """A short description of a unit: the definitions it holds."""
    if not src.endswith(".cpp") or not os.path.exists(src):
        return ""
    with open(src) as f:
        text = f.read()
    names = re.findall(r"^(?:lux::\w+|void|const char\* const) (\w+)\(?", text, re.M)
    head = "includes nothing; " if "#include" not in text else ""
    return head + ", ".join(dict.fromkeys(names))[:70]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def has_verbose(luxc):
    r = subprocess.run([luxc, "dev", "--help"], capture_output=True, text=True)
    return "--verbose" in r.stdout + r.stderr


def rebuilt_commands(luxc, out, since):
    """The compile commands of the units whose object was written after `since` (an older luxc)."""
    build = os.path.dirname(os.path.abspath(luxc))
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        source = re.search(r"^CMAKE_HOME_DIRECTORY:INTERNAL=(.*)$", f.read(), re.M).group(1)
    work = os.path.join(out, ".lux")
    with open(os.path.join(work, "lux_stdlib.dev.pch.o.key")) as f:
        pch = os.path.join(build, "pch", f.read().strip(), "lux_stdlib.pch")
    # The program header's PCH serves when the edit left the header as it was.
    header = os.path.join(work, "monitoring.h")
    if os.path.exists(header + ".pch") and os.stat(header).st_mtime < since:
        pch = os.path.abspath(header + ".pch")
    commands = []
    for name in sorted(os.listdir(work)):
        obj = os.path.join(work, name)
        if not name.endswith(".o") or name.startswith("lux_stdlib") or os.stat(obj).st_mtime < since:
            continue
        src = obj[:-2] + ".cpp"
        with open(src) as f:
            uses_header = f.read().startswith("#include")
        argv = ["clang++", "-std=c++20", "-O0", "-g", "-fPIC", f"-I{source}/runtime/include", f"-I{source}/stdlib/include"]
        if uses_header and not name.endswith(".main.o"):
            argv += ["-include-pch", pch]
        commands.append(argv + ["-c", src, "-o", obj])
    return commands


def measure(luxc, root, case, rounds):
    luxc, root = os.path.abspath(luxc), os.path.abspath(root)
    tmp = tempfile.mkdtemp(prefix="lux-unit-cpu-")
    lux = os.path.join(tmp, "monitoring.lux")
    shutil.copy(os.path.join(root, "samples", "monitoring.lux"), lux)
    verbose = has_verbose(luxc)
    base = free_port()
    proc = subprocess.Popen([luxc, "dev", "--timings"] + (["--verbose"] if verbose else []) +
                            ["--port", str(base), lux, "-o", os.path.join(tmp, "out")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp)
    lines, cond = [], threading.Condition()

    def read():
        for line in proc.stderr:
            with cond:
                lines.append(line)
                cond.notify_all()

    threading.Thread(target=read, daemon=True).start()

    def status(start, timeout=300):
        deadline = time.time() + timeout
        with cond:
            while time.time() < deadline:
                for line in lines[start:]:
                    if line.startswith("luxc dev: built") or "build failed" in line:
                        return line
                cond.wait(0.5)
        raise SystemExit(f"{luxc}: no build status: {lines[-5:]}")

    try:
        status(0)
        time.sleep(1.0)  # the program header's PCH, rebuilt in the background after the first build
        with open(lux) as f:
            text = f.read()
        if case == "route":
            text = re.sub(r'server: "api(-\d+)?",', 'server: "api-1",', text, count=1)
        else:
            text = text.replace(FIELD_LINE, FIELD_ADDED)
        seen = len(lines)
        since = time.time()
        with open(lux, "w") as f:
            f.write(text)
        done = status(seen)
        save = lines[seen:]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    print(f"{luxc}: {case} edit: {done.strip()}")
    for line in save:
        if line.startswith("luxc: front end") or "timings:" in line:
            print("  " + line.strip())
    if verbose:
        commands = [l.split() for l in save if re.match(r"^\S*(clang|c\+\+|g\+\+|mold|ld)\S* ", l)]
    else:
        commands = rebuilt_commands(luxc, os.path.join(tmp, "out"), since)
    total = 0.0
    for argv in commands:
        out = argv[argv.index("-o") + 1] if "-o" in argv else "?"
        if out.endswith(".tmp"):
            continue  # the program header's PCH, rebuilt in the background after the build
        src = argv[argv.index("-c") + 1] if "-c" in argv else ""
        if not src and "-fuse-ld=mold" in argv:
            argv = argv + ["-Wl,--no-fork"]  # mold links in a child it does not wait for: unseen by getrusage
        best = min(cpu_ms(argv, tmp) for _ in range(rounds))
        total += best
        kind = "compile" if src else "link"
        print(f"  {kind:7s} {os.path.basename(src or out.replace('.new', '')):28s} {best:6.1f} ms  {what(src)}")
    print(f"  sum {total:.1f} ms of CPU")
    shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--luxc", action="append", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--case", choices=["route", "shared-type"], default="shared-type")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    for luxc in a.luxc:
        measure(luxc, a.root, a.case, a.rounds)


if __name__ == "__main__":
    main()
