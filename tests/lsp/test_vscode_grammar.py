"""ctest lsp/vscode_grammar: editors/vscode/syntaxes/lux.tmLanguage.json tokenizes every
samples/*.lux and tests/lsp/programs/*.lux through vscode-textmate + vscode-oniguruma (npm,
pinned; installed into the build directory on first run) and gives the expected scopes to known
tokens: keywords, an interpolation inside a string, a cron string, comments, numbers with `_`
separators, types, a route's method and path, route modifiers; no token is in an `invalid` scope.
Run: python3 tests/lsp/test_vscode_grammar.py --root . --out build/lsp-npm"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys

PACKAGES = ["vscode-textmate@9.2.0", "vscode-oniguruma@2.0.1"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    a.root, a.out = os.path.abspath(a.root), os.path.abspath(a.out)
    os.makedirs(a.out, exist_ok=True)
    for pkg in PACKAGES:
        name = pkg.rsplit("@", 1)[0]
        if not os.path.isdir(os.path.join(a.out, "node_modules", name)):
            r = subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", a.out, pkg],
                               capture_output=True, text=True, timeout=300)
            if r.returncode:
                print(f"npm install {pkg} failed:\n{r.stderr[-2000:]}")
                return 1
    script = os.path.join(a.out, "tokenize.js")  # beside node_modules, where require() looks
    shutil.copy(os.path.join(a.root, "tests", "lsp", "tokenize.js"), script)
    grammar = os.path.join(a.root, "editors", "vscode", "syntaxes", "lux.tmLanguage.json")
    files = sorted(glob.glob(os.path.join(a.root, "samples", "*.lux")) + glob.glob(os.path.join(a.root, "tests", "lsp", "programs", "*.lux")))
    r = subprocess.run(["node", script, grammar, *files], capture_output=True, text=True, timeout=120, cwd=a.out)
    if r.returncode:
        print(f"tokenize.js failed:\n{r.stderr[-3000:]}")
        return 1
    out = json.loads(r.stdout)
    failures = []

    def scopes_of(file, line_text, token, nth=0):
        """The scopes of the `nth` token `token` on the first line containing `line_text`."""
        for line in out[file]:
            if line_text in "".join(t for t, _ in line):
                hits = [s for t, s in line if t == token]
                return hits[nth] if len(hits) > nth else None
        return None

    def expect(file, line_text, token, scope, nth=0):
        got = scopes_of(file, line_text, token, nth)
        if got is None or not any(s == scope or s.startswith(scope + ".") for s in got):
            failures.append(f"{os.path.basename(file)}: `{token}` in `{line_text}`: {got}, want {scope}")

    for file in files:
        for i, line in enumerate(out[file]):
            for text, scopes in line:
                if any("invalid" in s for s in scopes):
                    failures.append(f"{os.path.relpath(file, a.root)}:{i + 1}: `{text}` in {scopes}")
    shop = os.path.join(a.root, "tests", "lsp", "programs", "shop.lux")
    mon = os.path.join(a.root, "samples", "monitoring.lux")
    expect(shop, "background fn send_receipt", "background", "keyword.other")
    expect(shop, "background fn send_receipt", "fn", "keyword.control")
    expect(shop, "background fn send_receipt", "send_receipt", "entity.name.function")
    expect(shop, 'print("receipt {order.id}")', "order", "meta.interpolation")
    expect(shop, 'print("receipt {order.id}")', "{", "punctuation.section.interpolation.begin")
    expect(shop, 'schedule "0 9 * * MON-FRI"', "0 9 * * MON-FRI", "string.quoted.double.cron")
    expect(shop, "// tests/lsp: two servers", "// tests/lsp: two servers, one calling the other's function over RPC (`billing.charge`), a",
           "comment.line.double-slash")
    expect(shop, "total: Float", "Float", "entity.name.type")
    expect(shop, 'route POST "/checkout"', "POST", "support.function.http-method")
    expect(shop, 'route POST "/checkout"', "/checkout", "string.unquoted.path")
    expect(shop, "with rate_limit(10)", "rate_limit", "entity.name.function.decorator")
    expect(shop, "with rate_limit(10)", "10", "constant.numeric")
    expect(mon, 'schedule "*/30 * * * * *"', "*/30 * * * * *", "string.quoted.double.cron")
    expect(mon, "services_to_monitor |> each", "|>", "keyword.operator")
    # numbers with separators, from a file written for the purpose
    extra = os.path.join(a.out, "numbers.lux")
    with open(extra, "w") as f:
        f.write("shared {\n  big = 1_000_000\n  ratio = 2_500.75\n  mask = 0xFF_FF\n}\n")
    r = subprocess.run(["node", script, grammar, extra], capture_output=True, text=True, timeout=120, cwd=a.out)
    out.update(json.loads(r.stdout))
    expect(extra, "big = 1_000_000", "1_000_000", "constant.numeric")
    expect(extra, "ratio = 2_500.75", "2_500.75", "constant.numeric")
    expect(extra, "mask = 0xFF_FF", "0xFF_FF", "constant.numeric.hex")
    # the string forms: triple-quoted over lines, raw, f-strings, `r` as a name, a template literal
    strings = os.path.join(a.out, "strings.lux")
    with open(strings, "w") as f:
        f.write('shared {\n  page = """\n    Hello, {name}!\n    "quoted" \\{\n    """\n'
                '  path = r"C:\\Users\\x"\n  sum = f"sum {total}"\n  r = 5\n'
                '  html = `\n    <p>${title}</p>\n  `\n  after = 1\n}\n')
    r = subprocess.run(["node", script, grammar, strings], capture_output=True, text=True, timeout=120, cwd=a.out)
    out.update(json.loads(r.stdout))
    expect(strings, "Hello, {name}!", "name", "meta.interpolation")
    expect(strings, "Hello, {name}!", "    Hello, ", "string.quoted.triple")
    expect(strings, '"quoted"', '    "quoted" ', "string.quoted.triple")
    expect(strings, "C:", "C:\\Users\\x", "string.quoted.double.raw")
    expect(strings, 'f"sum', "total", "meta.interpolation")
    expect(strings, "r = 5", "5", "constant.numeric")
    expect(strings, "<p>${title}</p>", "title", "meta.interpolation")
    expect(strings, "after = 1", "1", "constant.numeric")
    for f in failures:
        print("FAIL:", f)
    print(f"{len(files)} files tokenized, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
