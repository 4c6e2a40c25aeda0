"""e2e case `luxc_test`: `luxc test` on programs/tested.lux — the exact report (passing tests,
one failing assertion with its place and difference, the summary line) and exit status 1;
`--filter` running only the tests whose name holds the text (exit 0 when those pass); and the C++ `luxc emit` generates for the
program is the same with and without its `test` blocks (tests never reach a served program);
programs/mocked.lux: mock_service standing in for a peer of the program and one outside it
(each test there passes only if its mock ran, or shows the offline error of an unmocked function).
"""
import os
import re
import shutil
import subprocess
import tempfile

from e2e import check, program


def run(a):
    src = program("tested.lux")
    with tempfile.TemporaryDirectory() as tmp:
        lux = os.path.join(tmp, "tested.lux")
        shutil.copy(src, lux)
        p = subprocess.run([a.luxc, "test", "tested.lux", "-o", os.path.join(a.out, "luxc_test")], cwd=tmp,
                           capture_output=True, text=True, timeout=600)
        out = re.sub(r"finished in \d+\.\d\ds", "finished in Xs", p.stdout)
        expected = (
            '     Running tested.lux (server "api")\n'
            "\n"
            "running 3 tests\n"
            "test create then read a note ... ok\n"
            "test nightly reminder at three ... ok\n"
            "test a missing note is found ... FAILED\n"
            "\n"
            "failures:\n"
            "\n"
            "---- a missing note is found ----\n"
            "tested.lux:47: assert_eq failed: expected 200, found 400\n"
            "\n"
            "failures:\n"
            "    a missing note is found\n"
            "\n"
            "test result: FAILED. 2 passed; 1 failed; 0 filtered out; finished in Xs\n"
            "\n")
        check(out == expected, f"luxc test report:\n{p.stdout}\n--- expected ---\n{expected}\nstderr:\n{p.stderr}")
        check(p.returncode == 1, f"luxc test exit status {p.returncode}, expected 1")

        p = subprocess.run([a.luxc, "test", "tested.lux", "--filter", "e", "-o", os.path.join(a.out, "luxc_test")],
                           cwd=tmp, capture_output=True, text=True, timeout=600)
        check("3 tests" in p.stdout and p.returncode == 1, f"--filter e runs all three:\n{p.stdout}")
        p = subprocess.run([a.luxc, "test", "tested.lux", "--filter", "reminder", "-o", os.path.join(a.out, "luxc_test")],
                           cwd=tmp, capture_output=True, text=True, timeout=600)
        check("running 1 test\n" in p.stdout and "1 passed; 0 failed; 2 filtered out" in p.stdout and p.returncode == 0,
              f"--filter reminder:\n{p.stdout}\n{p.stderr}")

        # The served program: the same C++ without the tests (they come after everything else,
        # so the #line numbers agree).
        with open(src) as f:
            text = f.read()
        without = os.path.join(tmp, "plain")
        os.makedirs(without)
        with open(os.path.join(without, "tested.lux"), "w") as f:
            f.write(text[:text.index('test "create then read a note"')])
        e1 = subprocess.run([a.luxc, "emit", "tested.lux"], cwd=tmp, capture_output=True, text=True)
        e2 = subprocess.run([a.luxc, "emit", "tested.lux"], cwd=without, capture_output=True, text=True)
        check(e1.returncode == 0 and e2.returncode == 0, f"luxc emit failed: {e1.stderr}{e2.stderr}")
        check(e1.stdout == e2.stdout, "luxc emit output changes with the program's tests")
        check("LuxTest_" not in e1.stdout and "testing" not in e1.stdout, "test code in luxc emit output")

        # mock_service: every test of programs/mocked.lux passes (they fail when a mock does not run
        # or outlives its test).
        shutil.copy(program("mocked.lux"), os.path.join(tmp, "mocked.lux"))
        p = subprocess.run([a.luxc, "test", "mocked.lux", "-o", os.path.join(a.out, "luxc_test_mocked")], cwd=tmp,
                           capture_output=True, text=True, timeout=600)
        check(p.returncode == 0 and "test result: ok. 6 passed; 0 failed" in p.stdout,
              f"luxc test mocked.lux (status {p.returncode}):\n{p.stdout}\n{p.stderr}")
        for name in ("the mocked quote prices the order", "an unmocked function fails as an offline peer",
                     "mocks end with their test", "a peer outside the program is mocked by annotations"):
            check(f"test {name} ... ok\n" in p.stdout, f"test {name!r} did not pass:\n{p.stdout}")
        e = subprocess.run([a.luxc, "emit", "mocked.lux"], cwd=tmp, capture_output=True, text=True)
        check(e.returncode == 0 and "Mock" not in e.stdout, f"mock code in luxc emit output: {e.stderr}")
