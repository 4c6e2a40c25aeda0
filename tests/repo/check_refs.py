#!/usr/bin/env python3
"""The repository is self-contained: every file reference in its docs and comments resolves inside it.

  check_refs.py REPO
Checks, over the files git tracks (or every file when REPO is not a git checkout):
- Markdown links `[text](target)` with a relative target in any .md file must name an existing
  file or directory (anchors are ignored).
- A path in backticks in docs/*.md, README.md and bench/README.md that starts with one of the
  repository's top-level directories (`docs/runtime.md`, `runtime/src/db/`) must exist; paths with
  placeholders (`<area>`, `*`, `{...}`, `NAME`) and ctest names (`docs/examples`) are skipped.
- No text file may point outside the repository: a relative path that climbs above the root
  (`../x` from the top level, `../../x` from one level down, ...), or a name of the notes that
  lived beside the repository (`TOOLCHAIN.md`, `shared/seeds`).
Prints each failure as FILE:LINE: message, and exits 1 if there was any.
"""
import os
import re
import subprocess
import sys

TEXT_EXT = (".md", ".cpp", ".h", ".def", ".g4", ".txt", ".py", ".sh", ".cmake", ".in", ".lux", ".S")
OUTSIDE_NAMES = re.compile(r"TOOLCHAIN\.md|shared/seeds|shared/STYLE")
MD_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
BACKTICK = re.compile(r"`([^`\s]+)`")
CLIMB = re.compile(r"(?<![\w./-])((?:\.\./)+)[\w.-]")


def tracked_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True, text=True, check=True)
        return [f for f in out.stdout.splitlines() if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for d, dirs, names in os.walk(root):
            dirs[:] = [x for x in dirs if not x.startswith(".") and not x.startswith("build")]
            files += [os.path.relpath(os.path.join(d, n), root) for n in names]
        return files


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    files = tracked_files(root)
    top_dirs = {f.split("/", 1)[0] for f in files if "/" in f}
    # ctest names look like paths (`docs/examples`, `golden/coverage`): a name some CMakeLists.txt
    # registers with add_test is not a file reference.
    test_names = set()
    for f in files:
        if os.path.basename(f) == "CMakeLists.txt":
            with open(os.path.join(root, f), encoding="utf-8") as cm:
                test_names.update(re.findall(r"add_test\(NAME\s+([^\s)$]+)", cm.read()))
    failures = []

    def fail(path, lineno, msg):
        failures.append(f"{path}:{lineno}: {msg}")

    for rel in files:
        if not rel.endswith(TEXT_EXT) and os.path.basename(rel) not in ("Makefile", "CMakeLists.txt"):
            continue
        if rel.startswith("tests/repo/"):
            continue  # this checker names the patterns it looks for
        full = os.path.join(root, rel)
        try:
            with open(full, encoding="utf-8") as f:
                lines = f.read().split("\n")
        except (UnicodeDecodeError, OSError):
            continue
        depth = rel.count("/")
        is_doc = rel.endswith(".md") and (rel.startswith("docs/") or rel in ("README.md", "bench/README.md"))
        for n, line in enumerate(lines, 1):
            m = OUTSIDE_NAMES.search(line)
            if m:
                fail(rel, n, f"refers to `{m.group(0)}`, which is not in the repository")
            for m in CLIMB.finditer(line):
                if m.group(1).count("../") > depth:
                    fail(rel, n, f"a path climbs out of the repository: `{line.strip()[:80]}`")
            if rel.endswith(".md"):
                for m in MD_LINK.finditer(line):
                    target = m.group(1).split("#", 1)[0]
                    if not target or re.match(r"^[a-z]+:", target):
                        continue
                    if not os.path.exists(os.path.normpath(os.path.join(os.path.dirname(full), target))):
                        fail(rel, n, f"link target `{m.group(1)}` does not exist")
            if is_doc:
                for m in BACKTICK.finditer(line):
                    p = m.group(1).rstrip(".,:;)")
                    if "/" not in p or p.split("/", 1)[0] not in top_dirs or p in test_names:
                        continue
                    if re.search(r"[<>*{}$]|\.\.\.|[A-Z]{3,}", p):
                        continue
                    if not os.path.exists(os.path.join(root, p.split(":", 1)[0].split("#", 1)[0])):
                        fail(rel, n, f"`{p}` does not exist in the repository")
    for f in failures:
        print(f)
    print(f"check_refs: {len(files)} files, {len(failures)} broken reference(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
