#!/usr/bin/env python3
"""check_diagnostics_doc.py — the compiler outputs shown in docs/diagnostics.md, re-rendered.

Every plain ``` block of docs/diagnostics.md whose first line is a rendering
(`NAME.lux:LINE:COL: error[CODE]: ...`) shows what luxc prints for an example. Its source is the
golden input of that name (tests/golden/**/NAME.lux, the one the section names when two
share the name; run as its golden test runs it: the stage's
command or its `// ARGS:` line, from its directory, --color=never), or, when no golden input has
that name, the ```lux block just above it (written to a scratch directory as NAME.lux and run
with `luxc check`). The block is cut into diagnostics (a header line and the lines under it) and
an optional summary (`1 error generated`); each diagnostic must be one of the output's, verbatim,
in the output's order, and the summary the output's.

--fix rewrites each stale diagnostic with the output's diagnostic of the same severity, code and
message, or of the same code when the message changed (the one whose source line reads the same
when there are several; positions and notes are taken from the output), and a stale summary with the output's. Review the diff.

Usage: check_diagnostics_doc.py --luxc build/luxc [--root REPO] [--fix]
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
HEADER = re.compile(r"^(\S+\.lux):(\d+):(\d+): (error|warning)\[([EW]\d{4})\]: (.*)$")
SUMMARY = re.compile(r"^\d+ (error|warning)s? generated|^\d+ errors? and \d+ warnings? generated")
SOURCE_LINE = re.compile(r"^\s*\d+ \| (.*)$")


def blocks(lines):
    """(index of the opening fence, info string, body lines) of each fenced block."""
    i = 0
    while i < len(lines):
        m = re.match(r"^```(.*)$", lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        yield i, m.group(1).strip(), lines[i + 1:j]
        i = j + 1


def chunks(lines):
    """The diagnostics of a rendering (lists of lines, each starting with its header) and the
    summary line (or None). Lines before the first header are returned as a chunk of their own."""
    out, summary = [], None
    for line in lines:
        if HEADER.match(line):
            out.append([line])
        elif SUMMARY.match(line):
            summary = line
        elif out:
            out[-1].append(line)
        else:
            out.append([line])
    return out, summary


def key(chunk):
    m = HEADER.match(chunk[0])
    return (m.group(4), m.group(5), m.group(6)) if m else None


def first_source_line(chunk):
    for line in chunk[1:]:
        m = SOURCE_LINE.match(line)
        if m:
            return m.group(1)
    return None


def render(luxc, root, name, snippet, golden):
    """luxc's stderr for the example NAME, or (None, why)."""
    if golden:
        sys.path.insert(0, str(root / "tests" / "golden"))
        import run_golden  # noqa: E402 (the golden tests' own way of running an input)
        result, err = run_golden.run_one(luxc, str(golden))
        if err:
            return None, err
        return result[0].stderr.decode("utf-8", "replace"), None
    if snippet is None:
        return None, f"no golden input named {name} and no ```lux block above the output"
    with tempfile.TemporaryDirectory(prefix="lux-diag-doc-") as tmp:
        pathlib.Path(tmp, name).write_text(snippet, encoding="utf-8")
        p = subprocess.run([luxc, "--color=never", "check", name], cwd=tmp, capture_output=True, timeout=60)
        return p.stderr.decode("utf-8", "replace"), None


def check_block(doc_lines, output_lines):
    """Problems of one shown block against the output, and the block as --fix writes it."""
    shown, shown_summary = chunks(doc_lines)
    actual, actual_summary = chunks(output_lines)
    problems, fixed, at = [], [], 0
    for chunk in shown:
        k = key(chunk)
        found = next((i for i in range(at, len(actual)) if actual[i] == chunk), None)
        if found is not None:
            at = found + 1
            fixed += chunk
            continue
        candidates = [i for i in range(len(actual)) if k and key(actual[i]) == k]
        if not candidates:  # the message changed: the same code, on the same source line if possible
            candidates = [i for i in range(len(actual)) if k and key(actual[i]) and key(actual[i])[:2] == k[:2]]
        if not candidates:
            problems.append(f"luxc reports no `{chunk[0]}`")
            fixed += chunk
            continue
        same_line = [i for i in candidates if first_source_line(actual[i]) == first_source_line(chunk)]
        best = (same_line or candidates)[0]
        problems.append(f"stale: `{chunk[0]}`; luxc says `{actual[best][0]}`" +
                        ("" if actual[best][0] != chunk[0] else " (the lines under it differ)"))
        fixed += actual[best]
        at = best + 1
    if shown_summary is not None:
        if shown_summary != actual_summary:
            problems.append(f"summary `{shown_summary}`; luxc says `{actual_summary}`")
        fixed.append(actual_summary if actual_summary else shown_summary)
    return problems, fixed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--luxc", required=True)
    ap.add_argument("--root", default=str(HERE.parent.parent))
    ap.add_argument("--fix", action="store_true")
    a = ap.parse_args()
    root = pathlib.Path(a.root)
    luxc = str(pathlib.Path(a.luxc).resolve())
    doc = root / "docs" / "diagnostics.md"
    goldens = {}
    for path in sorted((root / "tests" / "golden").rglob("*.lux")):
        goldens.setdefault(path.name, []).append(path)
    lines = doc.read_text(encoding="utf-8").splitlines()
    found = list(blocks(lines))
    edits, failures, checked = [], [], 0
    cache = {}
    for n, (start, info, body) in enumerate(found):
        if info or not body or not HEADER.match(body[0]):
            continue
        checked += 1
        name = HEADER.match(body[0]).group(1)
        where = f"docs/diagnostics.md:{start + 2}"
        candidates = goldens.get(name, [])
        if len(candidates) > 1:  # the one the section names
            section = start
            while section > 0 and not lines[section].startswith("## "):
                section -= 1
            named = "\n".join(lines[section:start])
            candidates = [c for c in candidates if str(c.relative_to(root)) in named]
        if len(candidates) > 1:
            failures.append(f"{where}: {len(candidates)} golden inputs are named {name}")
            continue
        snippet = None
        if n > 0 and found[n - 1][1].startswith("lux") and found[n - 1][0] + len(found[n - 1][2]) + 2 == start:
            snippet = "\n".join(found[n - 1][2]) + "\n"
        golden = candidates[0] if candidates else None
        cache_key = (name, str(golden), snippet if not golden else None)
        if cache_key not in cache:
            cache[cache_key] = render(luxc, root, name, snippet, golden)
        output, err = cache[cache_key]
        if output is None:
            failures.append(f"{where}: {err}")
            continue
        problems, fixed = check_block(body, output.splitlines())
        for p in problems:
            failures.append(f"{where}: {p} (source: {golden.relative_to(root) if golden else 'the lux block above'})")
        if problems:
            edits.append((start + 1, start + 1 + len(body), fixed))
    if a.fix and edits:
        for begin, end, fixed in reversed(edits):
            lines[begin:end] = fixed
        doc.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"rewrote {len(edits)} block(s) of {doc.relative_to(root)}; review the diff")
        return 0
    for f in failures:
        print(f)
    print(f"{checked} rendered outputs in docs/diagnostics.md, {len(failures)} problem(s)")
    if failures:
        print(f"re-render them: python3 {pathlib.Path(__file__).relative_to(root) if HERE.is_relative_to(root) else __file__} "
              f"--luxc {a.luxc} --fix")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
