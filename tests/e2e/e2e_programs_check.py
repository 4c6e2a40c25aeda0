"""e2e case `programs_check`: every program of tests/e2e/programs/ passes `luxc check`, without
building or running it, so a change to the language that breaks one is reported by name even
where its case needs redis-server, PostgreSQL or Chromium.

- programs/*.lux: `luxc check` exits 0 and prints nothing (no error, no warning).
- programs/fail/fail_*.lux (the programs luxc must reject): exit 1, and the errors reported are
  exactly those the file's `//~ CODE` markers name, each on its marker's line.
- Every program is used: some tests/e2e/e2e_<case>.py names it.
"""
import glob
import json
import os
import re
import subprocess

from e2e import check, HERE, PROGRAMS

MARKER = re.compile(r"//~\s*([EW]\d{4})")


def diagnostics(luxc, path):
    """(exit status, [(severity, code, line)]) of `luxc check` on path."""
    p = subprocess.run([luxc, "--diagnostics-format=json", "check", path], capture_output=True, text=True, timeout=60)
    try:
        found = json.loads(p.stdout)["diagnostics"] if p.stdout.strip() else []
    except (ValueError, KeyError):
        check(False, f"{path}: luxc check printed no JSON diagnostics: {p.stdout[-500:]} {p.stderr[-500:]}")
        found = []
    return p.returncode, [(d["severity"], d["code"], d["range"]["line"]) for d in found]


def markers(path):
    """The (code, line) pairs the file's `//~ CODE` comments expect."""
    want = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            want += [(code, n) for code in MARKER.findall(line)]
    return want


def run(a):
    good = sorted(glob.glob(os.path.join(PROGRAMS, "*.lux")))
    bad = sorted(glob.glob(os.path.join(PROGRAMS, "fail", "*.lux")))
    check(len(good) >= 10, f"programs/ holds {len(good)} programs")
    check(len(bad) >= 1, f"programs/fail/ holds {len(bad)} programs")
    strays = [p for p in glob.glob(os.path.join(PROGRAMS, "**", "*"), recursive=True)
              if os.path.isfile(p) and p not in good + bad]
    check(not strays, f"files in programs/ that no check covers (programs are *.lux, rejected ones fail/fail_*.lux): {strays}")
    for path in good:
        name = os.path.relpath(path, PROGRAMS)
        code, found = diagnostics(a.luxc, path)
        check(code == 0 and not found, f"luxc check {name}: exit {code}, diagnostics {found}")
        check(not os.path.basename(path).startswith("fail_"), f"{name}: a program luxc must reject belongs in programs/fail/")
    for path in bad:
        name = os.path.relpath(path, PROGRAMS)
        check(os.path.basename(path).startswith("fail_"), f"{name}: a program under programs/fail/ is named fail_*.lux")
        want = markers(path)
        check(want, f"{name}: no `//~ CODE` marker says which error it is about")
        code, found = diagnostics(a.luxc, path)
        errors = sorted((c, line) for severity, c, line in found if severity == "error")
        check(code == 1, f"luxc check {name}: exit {code}, expected 1")
        check(errors == sorted(want), f"luxc check {name}: errors {errors}, the markers expect {sorted(want)}")
    cases = ""
    for case in glob.glob(os.path.join(HERE, "e2e_*.py")):
        with open(case) as f:
            cases += f.read()
    for path in good + bad:
        name = os.path.relpath(path, PROGRAMS)
        check(f'"{name}"' in cases, f"no case uses programs/{name} (no e2e_*.py names \"{name}\")")
    print(f"programs_check: {len(good)} programs and {len(bad)} rejected ones checked")
