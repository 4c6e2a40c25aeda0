"""e2e case `build_errors`: what `luxc build` refuses. E5001 at the `return` that would leave a
`finally` body in programs/fail/fail_finally_escape.lux (a form luxc checks but generates no
code for), at its line and column; E5002, an internal compiler error, when the C++ compiler fails.
"""
import os

from e2e import build, check, program


def statement_position(lux, keyword):
    """(line, column), 1-based, of the first line of `lux` that starts with `keyword `."""
    with open(lux) as f:
        for n, line in enumerate(f, 1):
            if line.lstrip().startswith(keyword + " "):
                return n, line.index(keyword) + 1
    check(False, f"{lux} has no `{keyword}` statement")
    return 0, 0


def run(a):
    os.makedirs(a.out, exist_ok=True)
    lux = program("fail/fail_finally_escape.lux")
    p = build(a, lux)
    check(p.returncode == 1, f"expected exit 1, got {p.returncode}")
    name = os.path.basename(lux)
    line, col = statement_position(lux, "return")
    check(f"{name}:{line}:{col}: error[E5001]" in p.stderr, f"E5001 at the `return` ({line}:{col}):\n{p.stderr}")
    hello = os.path.join(a.root, "samples", "hello.lux")
    p = build(a, hello, ["--cxx", "false"])
    check(p.returncode == 1 and "error[E5002]" in p.stderr and "internal compiler error" in p.stderr,
          f"a failing C++ compiler is an internal error:\n{p.stderr}")
