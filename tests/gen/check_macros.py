#!/usr/bin/env python3
"""check_macros.py — every macro the generated code can see is listed in compiler/emit/cpp_macros.def.

Preprocesses <lux/stdlib.h> (what generated code includes) with `CXX -dM -E` and lists each
macro whose name a Lux identifier could spell (no leading `_`) that cpp_macros.def lacks; a Lux
name equal to such a macro would be replaced by the preprocessor (tests/gen finding, see
docs/testing.md). Exit 1, with the lines to add, when any is missing.

Usage: check_macros.py --root REPO [--cxx clang++]
"""
import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--cxx")
    a = ap.parse_args()
    root = pathlib.Path(a.root)
    cxx = a.cxx or next((c for c in (os.environ.get("CXX"), "clang++", "c++") if c and shutil.which(c)), None)
    if not cxx:
        print("no C++ compiler found")
        return 1
    p = subprocess.run([cxx, "-std=c++20", "-x", "c++", "-dM", "-E", "-I" + str(root / "runtime/include"),
                        "-I" + str(root / "stdlib/include"), "-"], input=b"#include <lux/stdlib.h>\n",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    if p.returncode != 0:
        print(p.stderr.decode(errors="replace"))
        return 1
    seen = set()
    for line in p.stdout.decode(errors="replace").splitlines():
        m = re.match(r"#define ([A-Za-z][A-Za-z0-9_]*)", line)
        if m:
            seen.add(m.group(1))
    listed = set(re.findall(r"^LUX_CPP_MACRO\((\w+)\)", (root / "compiler/emit/cpp_macros.def").read_text(), re.M))
    missing = sorted(seen - listed)
    print("%d macros visible, %d listed" % (len(seen), len(listed)))
    for n in missing:
        print("missing: LUX_CPP_MACRO(%s)" % n)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
