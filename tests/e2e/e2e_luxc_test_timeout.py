"""e2e case `luxc_test_timeout`: `luxc test` on programs/hanging_test.lux, whose middle test spins
past its `timeout = 300`: the report shows the first test passing, the hanging one failing with its
name, place and limit (and what it printed), the last one passing, the summary, and exit status 1;
`--filter` still selects the tests (the last one alone passes, exit 0) and a filter that leaves
only the hanging test fails it in about its limit, not the default 60 s.
"""
import os
import re
import shutil
import subprocess
import tempfile
import time

from e2e import check, program


def run(a):
    src = program("hanging_test.lux")
    out_dir = os.path.join(a.out, "luxc_test_timeout")
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(src, os.path.join(tmp, "hanging_test.lux"))
        p = subprocess.run([a.luxc, "test", "hanging_test.lux", "-o", out_dir], cwd=tmp,
                           capture_output=True, text=True, timeout=600)
        out = re.sub(r"finished in \d+\.\d\ds", "finished in Xs", p.stdout)
        expected = (
            '     Running hanging_test.lux (server "api")\n'
            "\n"
            "running 3 tests\n"
            "test before the hang ... ok\n"
            "test hangs ... FAILED\n"
            "test after the hang ... ok\n"
            "\n"
            "failures:\n"
            "\n"
            "---- hangs ----\n"
            "about to spin\n"
            'hanging_test.lux:10: test "hangs" timed out after 300 ms\n'
            "\n"
            "failures:\n"
            "    hangs\n"
            "\n"
            "test result: FAILED. 2 passed; 1 failed; 0 filtered out; finished in Xs\n"
            "\n")
        check(out == expected, f"luxc test report:\n{p.stdout}\n--- expected ---\n{expected}\nstderr:\n{p.stderr}")
        check(p.returncode == 1, f"luxc test exit status {p.returncode}, expected 1")

        p = subprocess.run([a.luxc, "test", "hanging_test.lux", "--filter", "after", "-o", out_dir], cwd=tmp,
                           capture_output=True, text=True, timeout=600)
        check("running 1 test\n" in p.stdout and "test after the hang ... ok" in p.stdout
              and "1 passed; 0 failed; 2 filtered out" in p.stdout and p.returncode == 0,
              f"--filter after:\n{p.stdout}\n{p.stderr}")

        exe = os.path.join(out_dir, "hanging_test-api")
        started = time.monotonic()
        p = subprocess.run([exe, "--filter", "hangs"], cwd=tmp, capture_output=True, text=True, timeout=120)
        took = time.monotonic() - started
        check("test hangs ... FAILED" in p.stdout and 'timed out after 300 ms' in p.stdout
              and "0 passed; 1 failed; 2 filtered out" in p.stdout and p.returncode == 1 and took < 30,
              f"the hanging test alone ({took:.1f} s):\n{p.stdout}\n{p.stderr}")
