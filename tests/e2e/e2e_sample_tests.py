"""e2e case `sample_tests`: `luxc test samples/` — the samples' own `test` blocks (the monitoring
program's alert path on a simulated clock among them) all pass, and the run reports them.
"""
import os
import subprocess

from e2e import check


def run(a):
    p = subprocess.run([a.luxc, "test", "samples", "-o", os.path.join(a.out, "samples")], cwd=a.root,
                       capture_output=True, text=True, timeout=900)
    check(p.returncode == 0, f"luxc test samples failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    check("Running samples/monitoring.lux (server \"collector\")" in p.stdout, f"monitoring's tests did not run:\n{p.stdout}")
    check("FAILED" not in p.stdout, f"a sample test failed:\n{p.stdout}")
