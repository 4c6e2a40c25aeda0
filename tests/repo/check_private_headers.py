#!/usr/bin/env python3
"""A stage's implementation headers are included only inside its own directory.

  check_private_headers.py REPO
The checker and the code generator each show the rest of the compiler one small interface
(check/check.h, emit/emit.h); their implementation classes live in PRIVATE headers that only the
files of their directory include. Scans every .cpp, .h and .def file of the repository (build
directories aside) for `#include "HEADER"` of a private header from outside its directory.
Prints each as FILE:LINE: message, and exits 1 if there was any.
"""
import os
import re
import sys

# Private header (as included) → the directory whose files may include it.
PRIVATE = {
    "check/checker.h": "compiler/check/",
    "emit/emitter.h": "compiler/emit/",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    failures = 0
    scanned = 0
    for d, dirs, names in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith(".") and not x.startswith("build"))
        for name in sorted(names):
            if not name.endswith((".cpp", ".h", ".def", ".cc")):
                continue
            path = os.path.join(d, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            scanned += 1
            with open(path, encoding="utf-8", errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m or m.group(1) not in PRIVATE:
                        continue
                    home = PRIVATE[m.group(1)]
                    if not rel.startswith(home):
                        print(f"{rel}:{lineno}: includes `{m.group(1)}`, private to {home}; "
                              f"use the stage's interface header instead")
                        failures += 1
    if scanned == 0:
        print(f"check_private_headers: no sources found under {root}")
        return 1
    print(f"check_private_headers: {scanned} files, {failures} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
