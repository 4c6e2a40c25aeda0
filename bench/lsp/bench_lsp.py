"""Language server re-check time: opens a program in `luxc lsp --debounce-ms 0 --verbose`, then
makes N edits (each a one-line change inside a function body, alternately adding and removing
it) and waits for each edit's diagnostics. Prints the median and 90th percentile of the server's
own check time (its `checked ... in X ms` log line: parse + check + code generation) and of the
client's round trip (change sent → diagnostics received).
Run: python3 bench/lsp/bench_lsp.py BUILD_DIR/luxc [FILE] [N]"""
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "lsp"))
from lsp_client import LspClient  # noqa: E402


def main():
    luxc = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "samples", "monitoring.lux")
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    text = open(path, encoding="utf-8").read()
    c = LspClient(luxc, ["--debounce-ms", "0", "--verbose"])
    c.initialize()
    uri = "file://" + os.path.abspath(path)
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "lux", "version": 1, "text": text}})
    c.diagnostics(uri, 1)
    lines = text.split("\n")
    at = next(i for i, l in enumerate(lines) if "start = Date.now()" in l)
    trips = []
    for v in range(2, n + 2):
        if v % 2 == 0:
            change = {"range": {"start": {"line": at, "character": 0}, "end": {"line": at, "character": 0}},
                      "text": f"      probe_{v} = {v} + 1\n"}
        else:
            change = {"range": {"start": {"line": at, "character": 0}, "end": {"line": at + 1, "character": 0}}, "text": ""}
        started = time.perf_counter()
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": v}, "contentChanges": [change]})
        c.diagnostics(uri, v)
        trips.append((time.perf_counter() - started) * 1000)
    c.request("shutdown")
    c.notify("exit")
    c.close()
    checks = [float(m.group(1)) for l in c.stderr_lines if (m := re.search(r"in ([0-9.]+) ms", l))]
    first, edits = checks[0], checks[1:]

    def q(xs, p):
        return sorted(xs)[min(len(xs) - 1, int(len(xs) * p))]

    print(f"{os.path.basename(path)}: {len(lines)} lines, {n} edits")
    print(f"first check (cold): {first:.1f} ms")
    print(f"re-check after an edit (server): median {statistics.median(edits):.1f} ms, p90 {q(edits, 0.9):.1f} ms")
    print(f"edit → diagnostics (client round trip): median {statistics.median(trips):.1f} ms, p90 {q(trips, 0.9):.1f} ms")


if __name__ == "__main__":
    main()
