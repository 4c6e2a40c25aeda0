#!/usr/bin/env python3
"""Fails when a Catch2 TEST_CASE name contains ';': catch_discover_tests splits ctest names at
';', so such a case is registered as fragments that match no test, run nothing and pass."""
import pathlib
import re
import sys

bad = []
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.cpp")):
    for no, line in enumerate(path.read_text().splitlines(), 1):
        m = re.search(r'TEST_CASE\("((?:[^"\\]|\\.)*)"', line)
        if m and ";" in m.group(1):
            bad.append(f"{path}:{no}: {m.group(1)}")
for b in bad:
    print("TEST_CASE name with ';' (ctest would run nothing for it):", b)
sys.exit(1 if bad else 0)
