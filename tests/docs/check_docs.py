#!/usr/bin/env python3
"""check_docs.py — the ```lux blocks of README.md and docs/*.md against the compiler.

Each block is one of (the rule is also in docs/testing.md):
  * an excerpt of a golden test: the block follows a line "Example (`tests/golden/...lux`)";
    its lines must appear in that file in order, indentation aside (a line `...` elides, a line
    cut with "…" matches by its prefix), so an example cannot drift from the test that checks it;
  * a diagnostic example: it carries `//~ CODE` or `// EXPECT: CODE` markers; `luxc check` must
    report each code on its marked line (anywhere for EXPECT);
  * a complete program: a `server` or `shared` block starts at column 0 and the block has no
    `...` placeholder (`{ ... }`, a line `...`); it must pass `luxc check` (no error), `luxc emit`,
    and the C++ compiler with -fsyntax-only against the runtime headers;
  * otherwise a fragment (a placeholder `...`, or items without their server), which is counted
    and listed with --verbose, not compiled.
A block whose info string is `lux fragment` is a fragment whatever it contains.

Usage: check_docs.py --luxc build/luxc [--root REPO] [--cxx clang++] [--verbose]
"""
import argparse
import concurrent.futures
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"\{\s*\.\.\.\s*\}|^\s*\.\.\.\s*$|\.\.\.\s*(//.*)?$", re.M)
PROGRAM = re.compile(r"^(server|shared)\b", re.M)
MARK_LINE = re.compile(r"//~\s*([EW]\d{4})")
MARK_ANY = re.compile(r"//\s*EXPECT:\s*([EW]\d{4})")
EXAMPLE = re.compile(r"Example[^\n]*\(`(tests/golden/[^`]+\.lux)`\)[^\n]*:?\s*$")


def blocks(path):
    """(first line number, info string, text, the line before the fence) of each ```lux block."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^```(lux\b.*)$", lines[i])
        if not m:
            i += 1
            continue
        start = i
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        prev = lines[start - 1] if start > 0 else ""
        yield start + 1, m.group(1).strip(), "\n".join(lines[start + 1:j]) + "\n", prev
        i = j + 1


def run(argv, cwd=None):
    p = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--luxc", required=True)
    ap.add_argument("--root", default=str(HERE.parent.parent))
    ap.add_argument("--cxx")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    root = pathlib.Path(a.root)
    luxc = str(pathlib.Path(a.luxc).resolve())
    cxx = a.cxx or next((c for c in (os.environ.get("CXX"), "clang++", "c++") if c and shutil.which(c)), None)
    files = [root / "README.md"] + sorted((root / "docs").glob("*.md"))
    failures = []
    counts = {"excerpt": 0, "diagnostic": 0, "program": 0, "fragment": 0}
    work = pathlib.Path(tempfile.mkdtemp(prefix="lux-docs-"))
    compiles = []  # (where, generated C++) of each complete program
    try:
        for f in files:
            rel = f.relative_to(root)
            for lineno, info, text, prev in blocks(f):
                where = "%s:%d" % (rel, lineno)
                ex = EXAMPLE.search(prev)
                if ex:
                    counts["excerpt"] += 1
                    golden = root / ex.group(1)
                    if not golden.exists():
                        failures.append("%s: the example names %s, which does not exist" % (where, ex.group(1)))
                        continue
                    # bytes a page cannot show (NUL, invalid UTF-8) are shown as U+FFFD
                    have = [l.strip() for l in
                            golden.read_bytes().decode("utf-8", "replace").replace("\0", "\ufffd").splitlines()]
                    k = 0
                    for want in text.splitlines():
                        if want.strip() in ("...", "…"):
                            continue  # an elision
                        cut = want.endswith("…")
                        key = want.rstrip("…").strip()

                        def same(h):
                            # a line cut with "…" matches by prefix (the file may wrap it sooner)
                            return (h.startswith(key) or (h and key.startswith(h))) if cut else h == key
                        while k < len(have) and not same(have[k]):
                            k += 1
                        if k == len(have):
                            failures.append("%s: line %r is not in %s (in order)" % (where, want[:80], ex.group(1)))
                            break
                        k += 1
                    continue
                name = "doc_%s_%d.lux" % (re.sub(r"\W", "_", str(rel)), lineno)
                src = work / name
                src.write_text(text)
                marks = [(i + 1, m) for i, l in enumerate(text.splitlines()) for m in MARK_LINE.findall(l)]
                anywhere = MARK_ANY.findall(text)
                if marks or anywhere:
                    counts["diagnostic"] += 1
                    rc, out, err = run([luxc, "check", name], cwd=work)
                    reported = set(re.findall(r"^%s:(\d+):\d+: \w+\[([EW]\d{4})\]" % re.escape(name), err, re.M))
                    for line, code in marks:
                        if (str(line), code) not in reported:
                            failures.append("%s: %s is not reported on the block's line %d:\n%s" % (where, code, line, err))
                    for code in anywhere:
                        if code not in {c for _, c in reported}:
                            failures.append("%s: %s is not reported:\n%s" % (where, code, err))
                    continue
                if info != "lux" or not PROGRAM.search(text) or PLACEHOLDER.search(text):
                    counts["fragment"] += 1
                    if a.verbose:
                        print("fragment %s" % where)
                    continue
                counts["program"] += 1
                rc, out, err = run([luxc, "check", name], cwd=work)
                if rc != 0:
                    failures.append("%s: a complete program that `luxc check` rejects:\n%s" % (where, err))
                    continue
                rc, cpp, err = run([luxc, "emit", name], cwd=work)
                if rc != 0:
                    failures.append("%s: `luxc emit` failed:\n%s" % (where, err))
                    continue
                (work / (name + ".cpp")).write_text(cpp)
                if cxx:
                    compiles.append((where, work / (name + ".cpp")))
                if a.verbose:
                    print("program %s: checked and emitted" % where)

        # The C++ compiles are most of the time: they run side by side, their failures in the
        # order of the pages.
        def syntax_only(job):
            where, cpp = job
            rc, out, err = run([cxx, "-std=c++20", "-fsyntax-only", "-w", "-I" + str(root / "runtime/include"),
                                "-I" + str(root / "stdlib/include"), str(cpp)])
            return None if rc == 0 else "%s: the C++ compiler rejects the generated code:\n%s" % (where, (out + err)[:3000])
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
            failures.extend(msg for msg in pool.map(syntax_only, compiles) if msg)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("docs lux blocks: %s" % ", ".join("%d %s" % (n, k) for k, n in counts.items()))
    for msg in failures:
        print("FAIL " + msg)
    if counts["program"] == 0:
        print("FAIL no complete program found: the extraction rule matched nothing")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
