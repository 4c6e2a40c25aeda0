"""e2e case `family_fn`: the family's function syntax inside handlers, over HTTP.

programs/family_fn_arrows.lux: arrow lambdas (`x => x * 2`, `(a, b) => a + b`, `() => 42`,
typed parameters, block bodies, curried and returned ones, in method calls and pipes, and a
route handler `=> (req) => { ... }`); every answer is computed by them.
"""
import os

from e2e import build_text, check, expect_json, free_port, program_text, start_server, stop_server


def _serve(a, filename):
    name = filename[:-len(".lux")]
    exe = build_text(a.luxc, os.path.join(a.out, name), filename, program_text(filename))
    if not exe:
        return None, None
    port = free_port()
    return start_server(exe, port, cwd=os.path.join(a.out, name), name=name), port


def _arrows(a):
    proc, port = _serve(a, "family_fn_arrows.lux")
    if not proc:
        return
    for n in (4, -3):
        expect_json(port, "GET", f"/arrows/{n}", 200, {
            "doubled": [2, 4, 6, 8, 10], "evens": [2, 4], "sum": 15,
            "piped": [x + n for x in range(1, 6) if x + n > 5], "upper": ["ALICE", "BOB", "CAROL"],
            "double": 2 * n, "add": n + 10, "answer": 42, "typed": n * n, "twice": n + 2,
            "triple": 3 * n, "adder": n + 100, "block": [x * x + n for x in range(1, 6)],
            "nested": [0, 1, 2, 3, 4]})
    expect_json(port, "GET", "/short", 200, {"message": "hi", "size": 6})
    stop_server(proc)
    check(proc.returncode == 0, f"family_fn_arrows exit status {proc.returncode}")


def run(a):
    _arrows(a)
