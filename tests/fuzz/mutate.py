#!/usr/bin/env python3
"""Mutational fuzzing of the luxc front end through the real `luxc` binary.

Takes every .lux under tests/ and samples/, applies random mutations (token deletion,
duplication, swaps, replacement by a token of the same or another kind, truncation, unbalanced
brackets, deep nesting, huge literals, long lines, invalid UTF-8, NUL bytes, CRLF, a BOM) and
runs `luxc check` on each mutant with a timeout. A finding is a mutant on which luxc
  crash   died of a signal (or of an uncaught exception)
  hang    ran longer than --timeout seconds
  nodiag  failed without printing a `file:line:col: error[...]` diagnostic
  ice     printed an internal compiler error
With --fmt, every mutant that checks is also formatted (twice, through `luxc fmt --stdin`): fmt
must not crash, must be idempotent, and the formatted program must check and emit the same C++
(modulo #line directives). With --lsp, each mutant is opened in `luxc lsp` and queried (symbols, hover, definition,
completion, signature help, references at random places): no crash, hang or error answer. With --build N, the first N mutants that check are built with
`luxc build` (the C++ compiler must accept what the checker accepted: kind `build`).

The same --seed gives the same mutants. Findings are written to OUT/KIND-N.lux with the tool's
output in OUT/KIND-N.txt; the exit status is 1 when there is any finding.

  python3 tests/fuzz/mutate.py --luxc build/luxc --seed 1 --count 300          # what ctest runs
  nice python3 tests/fuzz/mutate.py --luxc build/luxc --seed 7 --minutes 30 --fmt --build 50 --out fuzz-out
"""
import argparse
import concurrent.futures
import os
import random
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'lsp'))
from lsp_client import LspClient  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = re.compile(
    rb'"(?:[^"\\\n]|\\.)*"|//[^\n]*|[A-Za-z_][A-Za-z0-9_]*|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?[a-z]*'
    rb'|\.\.\.|\.\.=|\.\.|\|>|=>|->|==|!=|<=|>=|\*\*|\?\?|\?\.|&&|\|\||[-+*/%]=|::|\s+|.',
    re.S)
DIAG = re.compile(r'[^\s:]+\.lux:\d+:\d+: (error|warning)\[E\d{4}\]')
# An internal error, on a line of luxc's own (not a quoted source line `N | ...`).
ICE = re.compile(r'^(?![ \t]*\d*[ \t]*\|).*(internal (compiler )?error|terminate called|Assertion|'
                 r'what\(\)|std::|Segmentation|AddressSanitizer)', re.M | re.I)
KEYWORDS = [b'fn', b'server', b'shared', b'type', b'let', b'var', b'if', b'elif', b'else', b'match',
            b'for', b'in', b'while', b'return', b'route', b'GET', b'POST', b'db', b'model', b'try',
            b'catch', b'finally', b'throw', b'break', b'continue', b'async', b'await', b'job',
            b'schedule', b'every', b'subscribe', b'publish', b'test', b'and', b'or', b'not',
            b'true', b'false', b'nil', b'None', b'Some', b'Ok', b'Err', b'self', b'impl', b'trait',
            b'interface', b'pub', b'import', b'from', b'as', b'guard', b'defer', b'yield', b'loop']
OPERATORS = [b'+', b'-', b'*', b'/', b'%', b'**', b'==', b'!=', b'<', b'>', b'<=', b'>=', b'=',
             b'|>', b'=>', b'->', b'..', b'..=', b'...', b'?', b'??', b'?.', b'!', b'.', b',',
             b':', b'::', b'|', b'&', b'&&', b'||', b'+=', b'(', b')', b'{', b'}', b'[', b']', b'@', b'#']
LITERALS = [b'0', b'1', b'-1', b'99999999999999999999999999999', b'9223372036854775807',
            b'9223372036854775808', b'-9223372036854775808', b'1e999', b'0x', b'0xffffffffffffffffff',
            b'0b102', b'1.', b'.5', b'1_000', b'5s', b'10ms', b'3d', b'1h30m', b'""', b'"\\"',
            b'"\\u{110000}"', b'"{x}"', b'"{"', b'"}"', b'"{{}}"', b'\'a\'', b'"' + b'a' * 5000 + b'"',
            b'[]', b'{}', b'()', b'_', b'Int', b'String', b'[Int]', b'Option<Int>', b'Result<Int, String>']
BRACKETS = [(b'(', b')'), (b'[', b']'), (b'{', b'}')]


def tokens(src):
    return [m.group(0) for m in TOKEN.finditer(src)]


def is_word(t):
    return t[:1].isalpha() or t[:1] == b'_'


def mutate_tokens(rng, toks, pool, mild=False):
    n = len(toks)
    if n == 0:
        return toks
    i = rng.randrange(n)
    # Mild: only what often keeps a program valid (a duplicated or swapped token, a token
    # replaced by one of the same kind, a literal replaced): to reach the emitter.
    op = rng.choice([1, 2, 3, 3, 3, 6]) if mild else rng.randrange(9)
    toks = list(toks)
    if op == 0:
        del toks[i]
    elif op == 1:
        toks.insert(i, toks[i])
    elif op == 2 and n > 1:
        j = min(n - 1, i + rng.randint(1, 4))
        toks[i], toks[j] = toks[j], toks[i]
    elif op == 3:
        # Same kind: an identifier for an identifier, an operator for an operator.
        same = [t for t in pool if is_word(t) == is_word(toks[i])]
        toks[i] = rng.choice(same or pool)
    elif op == 4:
        toks[i] = rng.choice(pool)
    elif op == 5:
        toks.insert(i, rng.choice(KEYWORDS + OPERATORS + LITERALS))
    elif op == 6:
        toks[i] = rng.choice(LITERALS)
    elif op == 7:
        toks.insert(i, rng.choice(BRACKETS)[rng.randrange(2)])
    else:
        j = min(n, i + rng.randint(1, 30))
        toks[i:j] = []
    return toks


def mutate_bytes(rng, src):
    op = rng.randrange(12)
    n = len(src)
    i = rng.randrange(n + 1)
    if op == 0:
        return src[:i]
    if op == 1:
        return b'\xef\xbb\xbf' + src
    if op == 2:
        return src.replace(b'\n', b'\r\n')
    if op == 3:
        return src[:i] + b'\x00' + src[i:]
    if op == 4:
        return src[:i] + rng.choice([b'\xff', b'\xc3', b'\xe2\x82', b'\xed\xa0\x80', b'\xf4\x90\x80\x80']) + src[i:]
    if op == 5:
        depth = rng.choice([50, 300, 2000, 10000])
        o, c = rng.choice(BRACKETS)
        return src[:i] + o * depth + b'1' + c * depth + src[i:]
    if op == 6:
        depth = rng.choice([50, 300, 2000, 10000])
        o, c = rng.choice(BRACKETS)
        return src[:i] + o * depth + src[i:]
    if op == 7:
        line = b'x = ' + b' + '.join([b'1'] * rng.choice([1000, 20000])) + b'\n'
        return src[:i] + line + src[i:]
    if op == 8:
        depth = rng.choice([50, 500, 5000])
        body = b'if true {\n' * depth + b'x = 1\n' + b'}\n' * depth
        return src[:i] + body + src[i:]
    if op == 9:
        unary = rng.choice([b'-', b'!', b'not ', b'await '])
        return src[:i] + unary * rng.choice([100, 3000]) + b'1' + src[i:]
    if op == 10:
        j = min(n, i + rng.randint(1, 200))
        return src[:i] + src[i:j] * rng.randint(2, 5) + src[j:]
    j = rng.randrange(n + 1)
    return src[:min(i, j)] + src[max(i, j):]


def mutant(rng, src, pool, mild=False):
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        if mild:
            src = b''.join(mutate_tokens(rng, tokens(src), pool, True))
        elif rng.random() < 0.7:
            src = b''.join(mutate_tokens(rng, tokens(src), pool))
        else:
            src = mutate_bytes(rng, src)
    return src


def corpus(root):
    files = []
    for top in ('tests', 'samples'):
        for d, _, names in os.walk(os.path.join(root, top)):
            files += [os.path.join(d, f) for f in names if f.endswith('.lux')]
    files.sort()
    out = []
    for f in files:
        with open(f, 'rb') as fh:
            data = fh.read()
        if len(data) < 64 * 1024:
            out.append((os.path.relpath(f, root), data))
    return out


def run(argv, data=None, timeout=10, cwd=None):
    try:
        p = subprocess.run(argv, input=data, capture_output=True, timeout=timeout, cwd=cwd)
        return p.returncode, (p.stdout + p.stderr).decode('utf-8', 'replace'), p.stdout
    except subprocess.TimeoutExpired:
        return None, 'timeout after %ss' % timeout, b''


def strip_lines(cpp):
    # #line directives and the `file.lux:LINE` of messages follow the layout fmt changes.
    cpp = re.sub(r'^[ \t]*#line .*\n', '', cpp, flags=re.M)
    return re.sub(r'\.lux:\d+', '.lux:N', cpp)


class Fuzzer:
    def __init__(self, a):
        self.a = a
        self.luxc = os.path.abspath(a.luxc)
        self.findings = []
        self.checked_ok = 0
        self.built = 0
        self.tmp = tempfile.mkdtemp(prefix='lux-mutate-')

    def record(self, kind, n, src, text):
        self.findings.append((kind, n))
        os.makedirs(self.a.out, exist_ok=True)
        base = os.path.join(self.a.out, '%s-%d' % (kind, n))
        with open(base + '.lux', 'wb') as f:
            f.write(src)
        with open(base + '.txt', 'w') as f:
            f.write(text)
        print('FINDING %s #%d: %s' % (kind, n, text.strip().splitlines()[-1:] if text.strip() else ''),
              flush=True)

    def check(self, n, path, src):
        rc, out, _ = run([self.luxc, 'check', path], timeout=self.a.timeout)
        if rc is None:
            return 'hang', out
        if rc < 0 or rc >= 128:
            return 'crash', 'signal/exit %d\n%s' % (rc, out)
        if ICE.search(out):
            return 'ice', out
        if rc != 0 and not DIAG.search(out):
            return 'nodiag', 'exit %d\n%s' % (rc, out)
        return ('ok' if rc == 0 else 'rejected'), out

    def fmt(self, n, path, src, checked):
        rc, out, once = run([self.luxc, 'fmt', '--stdin'], data=src, timeout=self.a.timeout)
        if rc is None or rc < 0 or rc >= 128:
            return 'fmt', 'fmt crashed or hung (%s)\n%s' % (rc, out)
        if rc != 0 or not checked:
            return None, ''
        rc2, out2, twice = run([self.luxc, 'fmt', '--stdin'], data=once, timeout=self.a.timeout)
        if rc2 != 0 or twice != once:
            return 'fmt', 'fmt is not idempotent (second run exit %s)\n%s' % (rc2, out2)
        # The same file name in another directory: the name shows in the generated code.
        fdir = os.path.join(self.tmp, 'f%d' % n)
        os.makedirs(fdir, exist_ok=True)
        fpath = os.path.join(fdir, os.path.basename(path))
        with open(fpath, 'wb') as f:
            f.write(once)
        e1 = run([self.luxc, 'emit', path], timeout=self.a.timeout)
        e2 = run([self.luxc, 'emit', fpath], timeout=self.a.timeout)
        if e2[0] != 0:
            return 'fmt', 'the formatted program no longer checks\n%s' % e2[1]
        if e1[0] == 0 and strip_lines(e1[2].decode('utf-8', 'replace')) != \
                strip_lines(e2[2].decode('utf-8', 'replace')):
            return 'fmt', 'the formatted program emits different C++'
        return None, ''

    def lsp(self, n, path, src, rng):
        """Opens the mutant in `luxc lsp`, asks for symbols and, at a few places, hover,
        definition, completion, signature help and references; then shutdown and exit."""
        text = src.decode('utf-8', 'replace')
        uri = 'file://' + path
        lines = text.split('\n')
        c = LspClient(self.luxc)
        try:
            c.initialize('file://' + os.path.dirname(path))
            c.notify('textDocument/didOpen', {'textDocument': {'uri': uri, 'languageId': 'lux', 'version': 1,
                                                               'text': text}})
            c.diagnostics(uri, timeout=self.a.timeout * 2)
            c.request('textDocument/documentSymbol', {'textDocument': {'uri': uri}}, timeout=self.a.timeout * 2)
            for method in ('hover', 'definition', 'completion', 'signatureHelp', 'references'):
                line = rng.randrange(len(lines))
                pos = {'line': line, 'character': rng.randrange(len(lines[line]) + 2)}
                c.request('textDocument/' + method, {'textDocument': {'uri': uri}, 'position': pos},
                          timeout=self.a.timeout * 2)
            c.request('shutdown', timeout=self.a.timeout * 2)
            c.notify('exit')
            status = c.close(timeout=self.a.timeout * 2)
            if status != 0:
                return 'lsp', 'luxc lsp exited with %s\n%s' % (status, ''.join(c.stderr_lines))
        except (TimeoutError, EOFError, RuntimeError, BrokenPipeError, subprocess.TimeoutExpired) as e:
            c.proc.kill()
            c.proc.wait()
            return 'lsp', '%s: %s\n%s' % (type(e).__name__, e, ''.join(c.stderr_lines))
        return None, ''

    def build(self, n, path):
        out_dir = os.path.join(self.tmp, 'b%d' % n)
        rc, out, _ = run([self.luxc, 'build', '-o', out_dir, path], timeout=300)
        subprocess.run(['rm', '-rf', out_dir])
        if rc != 0:
            return 'build', 'exit %s\n%s' % (rc, out)
        return None, ''

    def one(self, n, name, src):
        path = os.path.join(self.tmp, 'm%d.lux' % n)
        with open(path, 'wb') as f:
            f.write(src)
        kind, out = self.check(n, path, src)
        if kind not in ('ok', 'rejected'):
            return kind, out + '\nfrom ' + name
        if self.a.lsp:
            k, o = self.lsp(n, path, src, random.Random(n))
            if k:
                return k, o + '\nfrom ' + name
        if self.a.fmt:
            k, o = self.fmt(n, path, src, kind == 'ok')
            if k:
                return k, o + '\nfrom ' + name
        if kind == 'ok':
            self.checked_ok += 1
            if self.built < self.a.build:
                self.built += 1
                k, o = self.build(n, path)
                if k:
                    return k, o + '\nfrom ' + name
        subprocess.run(['rm', '-rf', path, os.path.join(self.tmp, 'f%d' % n)])
        return None, ''


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--luxc', required=True)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--count', type=int, default=300, help='mutants to try (unless --minutes)')
    ap.add_argument('--minutes', type=float, default=0, help='run for this long instead of --count')
    ap.add_argument('--timeout', type=float, default=5, help='seconds before a run counts as a hang')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--fmt', action='store_true', help='also check fmt on mutants that check')
    ap.add_argument('--lsp', action='store_true', help='also open every mutant in luxc lsp')
    ap.add_argument('--build', type=int, default=0, help='build the first N mutants that check')
    ap.add_argument('--mild', action='store_true',
                    help='only mutations that often keep a program valid (to reach emit and build)')
    ap.add_argument('--out', default='fuzz-mutants')
    a = ap.parse_args()
    files = corpus(ROOT)
    if a.mild:
        # Only programs that check: their mutants are the ones likely to reach emit and build.
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
            ok = list(ex.map(lambda f: run([os.path.abspath(a.luxc), 'check', os.path.join(ROOT, f[0])])[0] == 0,
                             files))
        files = [f for f, good in zip(files, ok) if good]
    pool = sorted({t for _, s in files for t in tokens(s) if t.strip() and not t.startswith(b'//')
                   and len(t) < 40})
    fz = Fuzzer(a)
    start = time.time()
    deadline = start + a.minutes * 60 if a.minutes else None

    def cases():
        n = 0
        while (deadline and time.time() < deadline) or (not deadline and n < a.count):
            rng = random.Random(a.seed * 1000003 + n)
            name, src = files[rng.randrange(len(files))]
            yield n, name, mutant(rng, src, pool, a.mild)
            n += 1

    total = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        pending = set()
        for n, name, src in cases():
            pending.add(ex.submit(lambda n=n, name=name, src=src: (n, src, fz.one(n, name, src))))
            total += 1
            if len(pending) >= a.jobs * 2:
                done, pending = concurrent.futures.wait(pending, return_when='FIRST_COMPLETED')
                for d in done:
                    n_, s_, (k, o) = d.result()
                    if k:
                        fz.record(k, n_, s_, o)
        for d in concurrent.futures.as_completed(pending):
            n_, s_, (k, o) = d.result()
            if k:
                fz.record(k, n_, s_, o)
    subprocess.run(['rm', '-rf', fz.tmp])
    kinds = {}
    for k, _ in fz.findings:
        kinds[k] = kinds.get(k, 0) + 1
    print('%d mutants of %d files in %.0fs; %d checked clean, %d built; findings: %s' % (
        total, len(files), time.time() - start, fz.checked_ok, fz.built,
        ', '.join('%s %d' % kv for kv in sorted(kinds.items())) or 'none'))
    return 1 if fz.findings else 0


if __name__ == '__main__':
    sys.exit(main())
