#!/usr/bin/env bash
# Front end and formatter, two builds side by side: `luxc check` (whole process) on the generated
# 10,000- and 20,000-line programs (bench/frontend/gen_program.py) and `luxc fmt --stdin` on the
# 10,000-line one. Rounds are interleaved (each round runs every build on every input once, in
# turn), each process is pinned to one core (taskset, when present), and the figures are medians
# over the rounds: wall time, CPU time (user + system of the process), lines/s, peak RSS, the
# linearity ratio time(20k) / time(10k), and each figure of NEW as a ratio of BASE's.
# With --instructions, also the instructions of one run of each (valgrind --tool=callgrind), the
# figure that holds on a loaded machine.
# Usage: bench/frontend/compare.sh BASE_BUILD_DIR NEW_BUILD_DIR [ROUNDS] [--instructions] [--cpu N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
base=$(cd "$1" && pwd)/luxc
new=$(cd "$2" && pwd)/luxc
shift 2
rounds=9
instructions=0
cpu=1
while [ $# -gt 0 ]; do
  case "$1" in
    --instructions) instructions=1 ;;
    --cpu) cpu=$2; shift ;;
    *) rounds=$1 ;;
  esac
  shift
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python3 "$here/gen_program.py" 10000 > "$out/big10.lux"
python3 "$here/gen_program.py" 20000 > "$out/big20.lux"
for luxc in "$base" "$new"; do
  "$luxc" check -Wno-unused -Wno-events "$out/big10.lux" > /dev/null  # both builds accept it
done
python3 - "$base" "$new" "$out" "$rounds" "$instructions" "$cpu" <<'PY'
import os, shutil, statistics, subprocess, sys, time
base, new, out, rounds, instructions, cpu = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1", sys.argv[6]
pin = ["taskset", "-c", cpu] if shutil.which("taskset") else []
lines = {n: sum(1 for _ in open(f"{out}/{n}.lux")) for n in ("big10", "big20")}
cases = [("check", "big10"), ("check", "big20"), ("fmt", "big10")]
builds = [("base", base), ("new", new)]

def argv(luxc, cmd, name):
    if cmd == "check":
        return [luxc, "check", "-Wno-unused", "-Wno-events", f"{out}/{name}.lux"], None
    return [luxc, "fmt", "--stdin"], f"{out}/{name}.lux"

def run_once(luxc, cmd, name):
    args, stdin_path = argv(luxc, cmd, name)
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    t = time.perf_counter()
    p = subprocess.Popen(pin + args, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if stdin_path:
        stdin.close()
    if status != 0:
        sys.exit(f"{' '.join(args)} failed ({status})")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024

samples = {(b, c, n): [] for b, _ in builds for c, n in cases}
for r in range(rounds):
    order = builds if r % 2 == 0 else builds[::-1]  # alternate who goes first
    for c, n in cases:
        for b, luxc in order:
            samples[(b, c, n)].append(run_once(luxc, c, n))

def med(b, c, n, k):
    return statistics.median(s[k] for s in samples[(b, c, n)])

print(f"{rounds} interleaved rounds, pinned to cpu {cpu}" if pin else f"{rounds} interleaved rounds (no taskset)")
print(f"{'':22} {'build':5} {'wall ms':>8} {'cpu ms':>8} {'lines/s (wall)':>15} {'lines/s (cpu)':>14} {'peak RSS MB':>12}")
for c, n in cases:
    for b, _ in builds:
        w, u, m = med(b, c, n, 0), med(b, c, n, 1), med(b, c, n, 2)
        print(f"{c + ' ' + str(lines[n]) + ' lines':22} {b:5} {w*1000:8.1f} {u*1000:8.1f} {lines[n]/w:15,.0f} {lines[n]/u:14,.0f} {m:12.1f}")
    print(f"{'':22} {'new/base':8} wall {med('new', c, n, 0)/med('base', c, n, 0):.3f}, cpu {med('new', c, n, 1)/med('base', c, n, 1):.3f}, "
          f"RSS {med('new', c, n, 2)/med('base', c, n, 2):.3f}")
for b, _ in builds:
    w = med(b, "check", "big20", 0) / med(b, "check", "big10", 0)
    u = med(b, "check", "big20", 1) / med(b, "check", "big10", 1)
    print(f"linearity {b}: check 20k / 10k = {w:.3f} (wall), {u:.3f} (cpu); lines {lines['big20']/lines['big10']:.3f}")
if instructions and shutil.which("valgrind"):
    env = dict(os.environ, LUXC_MALLOC_TUNED="1")  # no re-exec: callgrind follows one process
    counts = {}
    for c, n in cases:
        for b, luxc in builds:
            args, stdin_path = argv(luxc, c, n)
            stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
            p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg.out"] + args, stdin=stdin,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
            counts[(b, c, n)] = int(next(l for l in p.stderr.splitlines() if "Collected" in l).split()[-1])
    for c, n in cases:
        print(f"instructions {c} {lines[n]} lines: base {counts[('base', c, n)]/1e9:.3f} G, new {counts[('new', c, n)]/1e9:.3f} G, "
              f"new/base {counts[('new', c, n)]/counts[('base', c, n)]:.3f}")
    for b, _ in builds:
        print(f"instructions linearity {b}: check 20k / 10k = {counts[(b, 'check', 'big20')]/counts[(b, 'check', 'big10')]:.3f}")
PY
