#!/usr/bin/env python3
"""check_fmt_cli.py — the `luxc fmt` command line (docs/tools.md):

  * FILES are rewritten in place when they change, keeping their permissions, through a
    temporary file and a rename (no temporary file left behind); a formatted file is not
    rewritten (same inode, same modification time);
  * --check writes nothing: exit 1 with a unified diff (stdout) and `would reformat FILE`
    (stderr) per file that would change, exit 0 and no output when all are formatted;
  * --stdin formats standard input to standard output;
  * a file with a syntax error is refused with the diagnostic (file:line:col and a caret),
    exit 1, the file untouched — and the other files are still formatted;
  * a missing file: one line, exit 1; no file at all: exit 2.

Usage: check_fmt_cli.py --luxc build/luxc
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

FAILURES = []

UNFORMATTED = 'server {\nroute GET "/a"=>fn() { {a:1} }\n}\n'
FORMATTED = 'server {\n  route GET "/a" => fn() { { a: 1 } }\n}\n'
BROKEN = 'server {\n  route GET "/a" => fn() { 1 }\n  x = = 2\n}\n'


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def fmt(luxc, *args, stdin=None, cwd=None):
    p = subprocess.run([luxc, "fmt", *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=60)
    return p.returncode, p.stdout, p.stderr


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def read(path):
    with open(path) as f:
        return f.read()


def in_place(luxc, d):
    a, b = os.path.join(d, "a.lux"), os.path.join(d, "b.lux")
    write(a, UNFORMATTED, 0o640)
    write(b, FORMATTED)
    before_b = os.stat(b)
    time.sleep(0.02)
    rc, out, err = fmt(luxc, a, b)
    check(rc == 0 and out == "" and err == "", f"fmt FILES: exit 0, silent: {rc} {out!r} {err!r}")
    check(read(a) == FORMATTED, f"a.lux rewritten:\n{read(a)}")
    check(os.stat(a).st_mode & 0o777 == 0o640, f"a.lux keeps its mode: {oct(os.stat(a).st_mode)}")
    after_b = os.stat(b)
    check((after_b.st_ino, after_b.st_mtime_ns) == (before_b.st_ino, before_b.st_mtime_ns),
          "a formatted file is not rewritten")
    check(sorted(os.listdir(d)) == ["a.lux", "b.lux"], f"no temporary file left: {os.listdir(d)}")


def check_mode(luxc, d):
    a, b = os.path.join(d, "a.lux"), os.path.join(d, "b.lux")
    write(a, UNFORMATTED)
    write(b, FORMATTED)
    rc, out, err = fmt(luxc, "--check", "a.lux", "b.lux", cwd=d)
    check(rc == 1, f"--check with an unformatted file: exit 1, got {rc}")
    check(out.startswith("--- a.lux\n+++ a.lux (formatted)\n@@ -1,3 +1,3 @@\n"), f"--check prints a unified diff:\n{out}")
    check('-route GET "/a"=>fn() { {a:1} }\n+  route GET "/a" => fn() { { a: 1 } }\n' in out, f"the diff's lines:\n{out}")
    check("b.lux" not in out, "no diff for the formatted file")
    check(err == "luxc fmt: would reformat a.lux\n", f"--check lists the file: {err!r}")
    check(read(a) == UNFORMATTED, "--check writes nothing")
    rc, out, err = fmt(luxc, "--check", "b.lux", cwd=d)
    check((rc, out, err) == (0, "", ""), f"--check on formatted files: exit 0, silent: {rc} {out!r} {err!r}")


def stdin_mode(luxc):
    rc, out, err = fmt(luxc, "--stdin", stdin=UNFORMATTED)
    check(rc == 0 and out == FORMATTED, f"--stdin: {rc} {out!r} {err!r}")
    rc, out, err = fmt(luxc, "--stdin", "--check", stdin=UNFORMATTED)
    check(rc == 1 and out.startswith("--- <stdin>") and "would reformat <stdin>" in err, f"--stdin --check: {rc} {err!r}")


def refusals(luxc, d):
    bad, good = os.path.join(d, "bad.lux"), os.path.join(d, "good.lux")
    write(bad, BROKEN)
    write(good, UNFORMATTED)
    rc, out, err = fmt(luxc, "bad.lux", "good.lux", cwd=d)
    check(rc == 1, f"a syntax error: exit 1, got {rc}")
    check("bad.lux:3:" in err and "error[E" in err and "^" in err, f"the parse diagnostic with file:line:col and caret:\n{err}")
    check(read(bad) == BROKEN, "the file with the syntax error is untouched")
    check(read(good) == FORMATTED, "the other file is still formatted")
    rc, out, err = fmt(luxc, "missing.lux", cwd=d)
    check(rc == 1 and err.startswith("luxc fmt: cannot read missing.lux") and err.count("\n") == 1,
          f"a missing file: one line, exit 1: {rc} {err!r}")
    rc, out, err = fmt(luxc, cwd=d)
    check(rc == 2 and "no files given" in err, f"no files: exit 2: {rc} {err!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--luxc", required=True)
    args = ap.parse_args()
    luxc = os.path.abspath(args.luxc)
    for step in (in_place, check_mode, refusals):
        with tempfile.TemporaryDirectory() as d:
            step(luxc, d)
    stdin_mode(luxc)
    print(f"check_fmt_cli: {len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
