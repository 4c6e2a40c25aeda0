#!/usr/bin/env python3
"""The compiler and the runtime share code only through common/ (docs/architecture.md, "Common").

  check_layers.py REPO
Reads every `#include` of the C++ sources and headers under compiler/, runtime/ and common/
and resolves it the way the build does (the including file's directory, then the include
directories of its tree). Fails when
- a file under runtime/ includes a file of compiler/;
- a file under compiler/ includes a file of runtime/src/ (the runtime's public headers,
  runtime/include/, are what the emitter names for generated code);
- a file under common/ includes a file of compiler/ or runtime/.
Includes that resolve nowhere in the source tree (generated headers such as LuxLexer.h, system
headers) are skipped. Prints each failure as FILE:LINE: message and exits 1 if there was any.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+["<]([^">]+)[">]')
SOURCE_EXT = (".cpp", ".h", ".def", ".inc")

# Where an include of each tree is looked up (relative to the repository), after the including
# file's own directory: the include directories its CMake targets use.
SEARCH = {
    "compiler": ["compiler", ".", "common/include", "runtime/include", "stdlib/include"],
    "runtime": ["runtime/src", "runtime/include", "common/include", "stdlib/include"],
    "common": ["common/include"],
}
# Trees each tree must not reach, and what to say.
FORBIDDEN = {
    "compiler": [("runtime/src/", "the runtime's internals (runtime/src/)")],
    "runtime": [("compiler/", "the compiler (compiler/)")],
    "common": [("compiler/", "the compiler (compiler/)"), ("runtime/", "the runtime (runtime/)")],
}
# Directories whose every file the search above would reach as well, to catch an include that
# only a stray include path (such as the old compiler/check/cron) would resolve.
ALSO_RESOLVES = {
    "compiler": ["runtime/src"],
    "runtime": ["compiler", "compiler/check", "compiler/check/cron"],
    "common": ["compiler", "runtime/src", "runtime/include"],
}


def resolve(root, rel_dir, tree, target):
    """The repository-relative path an include resolves to, or None."""
    for base in [rel_dir] + SEARCH[tree] + ALSO_RESOLVES[tree]:
        p = os.path.normpath(os.path.join(base, target))
        if os.path.isfile(os.path.join(root, p)):
            return p
    return None


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    failures = []
    checked = 0
    for tree in SEARCH:
        for d, dirs, names in os.walk(os.path.join(root, tree)):
            dirs[:] = sorted(x for x in dirs if not x.startswith("."))
            for name in sorted(names):
                if not name.endswith(SOURCE_EXT):
                    continue
                full = os.path.join(d, name)
                rel = os.path.relpath(full, root)
                with open(full, encoding="utf-8", errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        checked += 1
                        target = resolve(root, os.path.dirname(rel), tree, m.group(1))
                        if target is None:
                            continue
                        for prefix, what in FORBIDDEN[tree]:
                            if (target + "/").startswith(prefix) or target.startswith(prefix):
                                failures.append(f"{rel}:{n}: includes `{m.group(1)}` ({target}) from {what}; "
                                                f"code both need belongs in common/")
    for f in failures:
        print(f)
    print(f"check_layers: {checked} includes, {len(failures)} crossing the layers")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
