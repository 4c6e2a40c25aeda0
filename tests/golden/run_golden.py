#!/usr/bin/env python3
"""Golden-file tests for the luxc compiler.

Each tests/golden/<stage>/NAME.lux is one test. The directory picks the command (STAGES below);
a `// ARGS: ...` line in the file replaces the default arguments (`%s` stands for the file).
Expected outputs live beside the input: NAME.ast / NAME.model / NAME.cpp (stdout of the stage)
and NAME.diag (diagnostics on stderr; absent when there are none).

Rules enforced here:
  * a file is named fail_*.lux exactly when luxc must reject it (exit 1); others must exit 0;
    a crash, a hang (timeout) or any other exit status always fails;
  * `//~ CODE` on a line means a diagnostic CODE must be reported on that line;
    `// EXPECT: CODE` anywhere means CODE must be reported somewhere (for errors at end of file);
    every fail_*.lux carries at least one of them, so an update that changes the error is caught;
  * no two reported diagnostics share code, file, line and column (one mistake, one report).

Usage:
  run_golden.py --luxc BUILD/luxc [FILES...]            check (all files when none given)
  run_golden.py --luxc BUILD/luxc --update [FILES...]   rewrite expected files; review the diff
  run_golden.py --luxc BUILD/luxc --coverage            every live code has a golden test
  run_golden.py --luxc BUILD/luxc --no-duplicates [FILES...]
                                                        the duplicate rule alone, over FILES or
                                                        the fuzz regression inputs (`luxc check`)
"""
import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.abspath(__file__))
# stage directory -> (default arguments, extension of the expected stdout, or None)
STAGES = {
    "parse": (["parse", "--dump-ast", "%s"], ".ast"),
    "syntax": (["parse", "%s"], None),
    "check": (["check", "%s"], None),
    "seeds": (["check", "%s"], None),
    "model": (["check", "--dump-model", "%s"], ".model"),
    "emit": (["emit", "%s"], ".cpp"),
    "input": (["check", "%s"], None),
    "openapi": (["openapi", "%s"], ".json"),
}
TIMEOUT_S = 20
MARKER = re.compile(r"//~\s*([EW]\d{4})")
EXPECT = re.compile(r"//\s*EXPECT:\s*([EW]\d{4})")
ARGS = re.compile(r"^\s*//\s*ARGS:\s*(.*)$", re.M)
# `// SCRATCH: NAME BYTES TEXT`: before the run, write NAME holding TEXT repeated to BYTES bytes
# (inputs too large to commit); the test then runs in a fresh directory holding a copy of the
# input and the scratch files, so paths in the output stay relative and deterministic.
SCRATCH = re.compile(r"^\s*//\s*SCRATCH:\s*(\S+)\s+(\d+)\s+(.*)$", re.M)
DIAG_LINE = re.compile(r"^(\S+?):(\d+):(\d+): (?:error|warning)\[([EW]\d{4})\]", re.M)


def all_inputs():
    out = []
    for stage in sorted(STAGES):
        d = os.path.join(ROOT, stage)
        if not os.path.isdir(d):
            continue
        for dirpath, _, files in os.walk(d):
            out += [os.path.join(dirpath, f) for f in sorted(files) if f.endswith(".lux")]
    return sorted(out)


def stage_of(path):
    rel = os.path.relpath(path, ROOT).split(os.sep)
    if rel[0] not in STAGES:
        raise SystemExit(f"{path}: not under a known stage directory ({', '.join(sorted(STAGES))})")
    return rel[0]


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def run_one(luxc, path):
    stage = stage_of(path)
    args, out_ext = STAGES[stage]
    text = read_bytes(path).decode("utf-8", errors="replace")
    m = ARGS.search(text)
    if m:
        args = m.group(1).split()
    base = os.path.basename(path)
    cmd = [luxc, "--color=never"] + [base if a == "%s" else a for a in args]
    scratch = SCRATCH.findall(text)
    with tempfile.TemporaryDirectory(prefix="luxc-golden-") as tmp:
        cwd = os.path.dirname(path)
        if scratch:
            cwd = tmp
            shutil.copy(path, os.path.join(tmp, base))
            for name, size, fill in scratch:
                unit = (fill + "\n").encode()
                n = int(size)
                with open(os.path.join(tmp, name), "wb") as f:
                    f.write((unit * (n // len(unit) + 1))[:n])
        try:
            p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return None, f"timed out after {TIMEOUT_S}s: {' '.join(cmd)}"
    return (p, out_ext, text, cmd), None


def expected_files(path, out_ext):
    stem = path[:-4]
    files = {".diag": stem + ".diag"}
    if out_ext:
        files[out_ext] = stem + out_ext
    return files


def check_markers(text, stderr, base):
    problems = []
    reported = [(int(m.group(2)), m.group(4)) for m in DIAG_LINE.finditer(stderr) if m.group(1) == base]
    # `// EXPECT:` accepts a report in any file: input-stage tests name another file on purpose
    codes = {m.group(4) for m in DIAG_LINE.finditer(stderr)}
    markers = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for m in MARKER.finditer(line):
            markers.append(m.group(1))
            if (lineno, m.group(1)) not in reported:
                problems.append(f"line {lineno}: expected {m.group(1)} on this line; reported: "
                                + (", ".join(f"{c}@{l}" for l, c in reported) or "nothing"))
    for m in EXPECT.finditer(text):
        markers.append(m.group(1))
        if m.group(1) not in codes:
            problems.append(f"expected {m.group(1)} somewhere; reported: {', '.join(sorted(codes)) or 'nothing'}")
    if base.startswith("fail_") and not markers:
        problems.append("a fail_*.lux test needs a `//~ CODE` marker or an `// EXPECT: CODE` line")
    return problems


def duplicates(stderr):
    """Diagnostics reported twice at one place with one code: a cascade or a pass run twice."""
    seen, problems = set(), []
    for m in DIAG_LINE.finditer(stderr):
        key = (m.group(1), m.group(2), m.group(3), m.group(4))
        if key in seen:
            problems.append(f"{m.group(4)} reported twice at {m.group(1)}:{m.group(2)}:{m.group(3)}")
        seen.add(key)
    return problems


def no_duplicates(luxc, files):
    failed = 0
    for f in files:
        try:
            p = subprocess.run([luxc, "--color=never", "check", os.path.basename(f)], cwd=os.path.dirname(f),
                               capture_output=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            print(f"FAIL {f}: timed out after {TIMEOUT_S}s")
            failed += 1
            continue
        problems = duplicates(p.stderr.decode(errors="replace"))
        if p.returncode not in (0, 1):
            problems.append(f"luxc exited with status {p.returncode}")
        if problems:
            failed += 1
            print(f"FAIL {f}")
            for pr in problems:
                print("  " + pr)
    print(f"{len(files) - failed} of {len(files)} file(s) without duplicate diagnostics")
    return 1 if failed else 0


def test_file(luxc, path, update):
    res, err = run_one(luxc, path)
    rel = os.path.relpath(path, os.path.dirname(os.path.dirname(ROOT)))
    if err:
        return [err]
    p, out_ext, text, cmd = res
    base = os.path.basename(path)
    problems = []
    if p.returncode < 0 or p.returncode not in (0, 1):
        problems.append(f"luxc exited with status {p.returncode} (crash?): {' '.join(cmd)}\n"
                        + p.stderr.decode(errors="replace")[-2000:])
        return problems
    must_fail = base.startswith("fail_")
    if must_fail and p.returncode != 1:
        problems.append("a fail_*.lux file must be rejected (exit 1), but luxc exited 0")
    if not must_fail and p.returncode != 0:
        problems.append("luxc rejected a file not named fail_*.lux (exit 1)")
    actual = {".diag": p.stderr}
    if out_ext:
        actual[out_ext] = p.stdout
    for ext, fpath in expected_files(path, out_ext).items():
        got = actual[ext]
        if update:
            if got:
                with open(fpath, "wb") as f:
                    f.write(got)
            elif os.path.exists(fpath):
                os.remove(fpath)
            continue
        want = read_bytes(fpath) if os.path.exists(fpath) else b""
        if got != want:
            diff = difflib.unified_diff(want.decode(errors="replace").splitlines(True),
                                        got.decode(errors="replace").splitlines(True),
                                        fromfile=f"expected {os.path.basename(fpath)}",
                                        tofile="actual")
            problems.append("output differs:\n" + "".join(diff))
    problems += check_markers(text, p.stderr.decode(errors="replace"), base)
    problems += duplicates(p.stderr.decode(errors="replace"))
    if problems and not update:
        problems.append(f"rerun: python3 tests/golden/run_golden.py --luxc {luxc} {rel}\n"
                        f"update after an intended change: add --update, then review `git diff`")
    return problems


def coverage(luxc):
    p = subprocess.run([luxc, "codes"], capture_output=True, text=True, check=True)
    live = [line.split("\t")[0] for line in p.stdout.splitlines() if line.strip()]
    seen = set()
    for dirpath, _, files in os.walk(ROOT):
        for f in files:
            if f.endswith(".diag"):
                with open(os.path.join(dirpath, f), encoding="utf-8", errors="replace") as fh:
                    seen |= set(re.findall(r"\[([EW]\d{4})\]", fh.read()))
    missing = [c for c in live if c not in seen]
    docs = os.path.join(ROOT, "..", "..", "docs", "diagnostics.md")
    with open(docs, encoding="utf-8") as fh:
        documented = set(re.findall(r"^## ([EW]\d{4})$", fh.read(), re.M))
    undocumented = [c for c in live if c not in documented]
    if missing:
        print(f"{len(missing)} diagnostic code(s) have no golden test: {', '.join(missing)}")
    if undocumented:
        print(f"{len(undocumented)} diagnostic code(s) have no section in docs/diagnostics.md: {', '.join(undocumented)}")
    if missing or undocumented:
        return 1
    print(f"all {len(live)} diagnostic codes have a golden test and a section in docs/diagnostics.md")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--luxc", required=True)
    ap.add_argument("--update", action="store_true")
    ap.add_argument("--coverage", action="store_true")
    ap.add_argument("--no-duplicates", action="store_true")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    luxc = os.path.abspath(a.luxc)
    if a.coverage:
        return coverage(luxc)
    if a.no_duplicates:
        fuzz = os.path.join(ROOT, "..", "fuzz", "regressions")
        files = [os.path.abspath(f) for f in a.files] or sorted(
            os.path.abspath(os.path.join(fuzz, f)) for f in os.listdir(fuzz) if f.endswith(".lux"))
        return no_duplicates(luxc, files)
    files = [os.path.abspath(f) for f in a.files] or all_inputs()
    failed = 0
    for f in files:
        problems = test_file(luxc, f, a.update)
        if problems:
            failed += 1
            print(f"FAIL {os.path.relpath(f, ROOT)}")
            for pr in problems:
                print("  " + pr.replace("\n", "\n  "))
    if a.update:
        print(f"updated expectations for {len(files)} file(s); review with `git diff tests/golden`")
    elif len(files) > 1:
        print(f"{len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
