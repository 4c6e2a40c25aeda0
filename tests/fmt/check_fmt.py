#!/usr/bin/env python3
"""check_fmt.py — `luxc fmt` against its promises (docs/tools.md, docs/testing.md "Formatter").

  check_fmt.py --luxc L cases DIR        each DIR/NAME.lux formats to DIR/NAME.expected, which
                                         is itself formatted (one file per layout rule)
  check_fmt.py --luxc L roundtrip ROOT [--gen-seeds N]
                                         every Lux text of the repository that parses (golden
                                         inputs, samples, e2e programs, the ```lux blocks of
                                         README.md and docs/*.md, N programs of tests/gen/gen.py):
                                         formatting it twice gives the same text, and the
                                         formatted text parses to the same AST (positions aside)
                                         and the same tokens, comments included (newlines and a
                                         comma before a closing bracket aside)
  check_fmt.py --luxc L clean ROOT       every such file and docs block is already formatted
                                         (ctest repo/fmt_clean)
  check_fmt.py --luxc L apply ROOT       formats them all in place (then regenerate the golden
                                         outputs: run_golden.py --update, and review the diff)
Exit 1 when a check fails, listing each failure.
"""
import argparse
import concurrent.futures
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import threading

POSITION = re.compile(r" \d+:\d+-\d+:\d+")
CLOSERS = {"RPAREN", "RBRACKET", "RBRACE"}
FENCE = re.compile(r"^```(lux\b.*)$")


def fmt_text(luxc, text):
    """(exit status, formatted text, stderr) of `luxc fmt --stdin`."""
    p = subprocess.run([luxc, "fmt", "--stdin"], input=text.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def parses(luxc, path):
    p = subprocess.run([luxc, "parse", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return p.returncode == 0


def ast_of(luxc, path):
    p = subprocess.run([luxc, "parse", "--dump-ast", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    return POSITION.sub("", p.stdout.decode("utf-8", "replace"))


def tokens_of(luxc, path):
    """The token stream that must survive formatting: newlines dropped (the layout's business),
    a comma right before a closing bracket dropped (the formatter removes it), comments with
    their trailing white space cut."""
    p = subprocess.run([luxc, "fmt", "--tokens", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    toks = []
    for line in p.stdout.decode("utf-8", "replace").split("\n"):
        if not line:
            continue
        kind, _, text = line.partition("\t")
        if kind == "NL":
            continue
        if kind.endswith("COMMENT"):
            text = text.rstrip()
        toks.append((kind, text))
    out = []
    for i, tok in enumerate(toks):
        if tok[0] == "COMMA":
            j = i + 1
            while j < len(toks) and toks[j][0].endswith("COMMENT"):
                j += 1
            if j < len(toks) and toks[j][0] in CLOSERS:
                continue
        out.append(tok)
    return out


def repo_files(root):
    """The .lux files that are kept formatted (those that parse): golden inputs, samples, e2e programs."""
    files = []
    for pattern in ("tests/golden/**/*.lux", "samples/*.lux", "tests/e2e/programs/**/*.lux", "templates/**/*.lux"):
        files.extend(sorted(root.glob(pattern)))
    return files


EXAMPLE = re.compile(r"Example[^\n]*\(`(tests/golden/[^`]+\.lux)`\)")


def doc_blocks(root, luxc=None):
    """(markdown path, start line index, end line index, text) of each ```lux block; with `luxc`,
    not the excerpts of golden files that do not parse (their text follows the file's, which
    luxc cannot format: a NUL byte, invalid UTF-8)."""
    for md in [root / "README.md"] + sorted((root / "docs").glob("*.md")):
        lines = md.read_text(encoding="utf-8").split("\n")
        i = 0
        while i < len(lines):
            if not FENCE.match(lines[i]):
                i += 1
                continue
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            m = EXAMPLE.search(lines[i - 1]) if i > 0 else None
            if not (luxc and m and not parses(luxc, root / m.group(1))):
                yield md, i + 1, j, "\n".join(lines[i + 1:j]) + "\n"
            i = j + 1


def gen_programs(root, seeds, tmp):
    out = []
    for seed in range(1, seeds + 1):
        p = subprocess.run([sys.executable, str(root / "tests/gen/gen.py"), "--seed", str(seed)],
                           stdout=subprocess.PIPE, timeout=60)
        path = pathlib.Path(tmp) / f"gen_{seed}.lux"
        path.write_bytes(p.stdout)
        out.append(path)
    return out


def check_one(luxc, path, failures, tmp):
    """Idempotent, same AST, same tokens. Returns whether the file was already formatted."""
    text = path.read_text(encoding="utf-8")
    rc, once, err = fmt_text(luxc, text)
    if rc != 0:
        failures.append(f"{path}: luxc fmt failed on a file that parses:\n{err}")
        return False
    rc, twice, err = fmt_text(luxc, once)
    if rc != 0 or twice != once:
        failures.append(f"{path}: not idempotent (formatting the output changes it again)")
    formatted = pathlib.Path(tmp) / f"formatted_{threading.get_ident()}.lux"
    formatted.write_text(once, encoding="utf-8")
    if ast_of(luxc, path) != ast_of(luxc, formatted):
        failures.append(f"{path}: the formatted text parses to another AST")
    if tokens_of(luxc, path) != tokens_of(luxc, formatted):
        failures.append(f"{path}: the formatted text has other tokens or comments")
    return once == text


def roundtrip(args, root):
    failures = []
    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        files = [f for f in repo_files(root) if parses(args.luxc, f)]
        block_dir = pathlib.Path(tmp) / "blocks"
        block_dir.mkdir()
        for n, (md, start, _, text) in enumerate(doc_blocks(root, args.luxc)):
            path = block_dir / f"{md.stem}_{start}.lux"
            path.write_text(text, encoding="utf-8")
            if parses(args.luxc, path):
                files.append(path)
        files += gen_programs(root, args.gen_seeds, tmp)
        # Two at a time: the machine is shared.
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda path: check_one(args.luxc, path, failures, tmp), files))
        count = len(files)
    for f in failures:
        print(f)
    print(f"check_fmt roundtrip: {count} files, {len(failures)} failure(s)")
    return 1 if failures else 0


def clean_or_apply(args, root, apply):
    """Reports (or with `apply`, rewrites) the files and docs blocks that are not formatted."""
    unformatted = []
    for path in repo_files(root):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # an input/ golden test of invalid UTF-8: luxc refuses it
        rc, out, _ = fmt_text(args.luxc, text)
        if rc == 0 and out != text:
            unformatted.append(str(path.relative_to(root)))
            if apply:
                path.write_text(out, encoding="utf-8")
    edits = {}
    for md, start, end, text in doc_blocks(root, args.luxc):
        rc, out, _ = fmt_text(args.luxc, text)
        if rc == 0 and out != text:
            unformatted.append(f"{md.relative_to(root)}:{start}")
            edits.setdefault(md, []).append((start, end, out))
    if apply:
        for md, blocks in edits.items():
            lines = md.read_text(encoding="utf-8").split("\n")
            for start, end, out in reversed(blocks):
                lines[start:end] = out.rstrip("\n").split("\n")
            md.write_text("\n".join(lines), encoding="utf-8")
    for u in unformatted:
        print(("formatted " if apply else "not formatted: ") + u)
    if not apply and unformatted:
        print(f"run: python3 tests/fmt/check_fmt.py --luxc build/luxc apply . (then "
              f"python3 tests/golden/run_golden.py --luxc build/luxc --update and review git diff)")
    print(f"check_fmt {'apply' if apply else 'clean'}: {len(unformatted)} file(s) or block(s) "
          f"{'rewritten' if apply else 'not formatted'}")
    return 0 if apply or not unformatted else 1


def cases(args, directory):
    failures = []
    inputs = sorted(directory.glob("*.lux"))
    for path in inputs:
        expected_path = path.with_suffix(".expected")
        if not expected_path.exists():
            failures.append(f"{path}: no {expected_path.name} beside it")
            continue
        expected = expected_path.read_text(encoding="utf-8")
        rc, out, err = fmt_text(args.luxc, path.read_text(encoding="utf-8"))
        if rc != 0 or out != expected:
            failures.append(f"{path}: formatted text differs from {expected_path.name}\n--- got\n{out}{err}")
        rc, again, _ = fmt_text(args.luxc, expected)
        if again != expected:
            failures.append(f"{expected_path}: is not itself formatted\n--- got\n{again}")
    for f in failures:
        print(f)
    print(f"check_fmt cases: {len(inputs)} case(s), {len(failures)} failure(s)")
    return 1 if failures or not inputs else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--luxc", required=True)
    ap.add_argument("--gen-seeds", type=int, default=60)
    ap.add_argument("mode", choices=["cases", "roundtrip", "clean", "apply"])
    ap.add_argument("path")
    args = ap.parse_args()
    path = pathlib.Path(args.path).resolve()
    if args.mode == "cases":
        return cases(args, path)
    if args.mode == "roundtrip":
        return roundtrip(args, path)
    return clean_or_apply(args, path, args.mode == "apply")


if __name__ == "__main__":
    sys.exit(main())
