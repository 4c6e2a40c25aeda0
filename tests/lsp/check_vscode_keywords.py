"""ctest lsp/vscode_keywords: the keyword lists of editors/vscode/syntaxes/lux.tmLanguage.json
(repository.keywords) are exactly grammar/keywords.def's keywords, so highlighting never drifts
from the language; and editors/vscode/package.json declares the `lux` language for `.lux`.
Run: python3 tests/lsp/check_vscode_keywords.py ROOT"""
import json
import os
import re
import sys


def main():
    root = sys.argv[1]
    kw = re.findall(r'^LUX_KEYWORD\(\w+,\s*"([^"]+)"', open(os.path.join(root, "grammar", "keywords.def")).read(), re.M)
    g = json.load(open(os.path.join(root, "editors", "vscode", "syntaxes", "lux.tmLanguage.json")))
    words = set()
    for p in g["repository"]["keywords"]["patterns"]:
        m = re.fullmatch(r"\\b\(\?:(.*)\)\\b", p["match"])
        words |= set(m.group(1).split("|"))
    ok = True
    if words != set(kw):
        print("tmLanguage keywords differ from grammar/keywords.def:")
        print("  missing:", sorted(set(kw) - words))
        print("  extra:", sorted(words - set(kw)))
        ok = False
    pkg = json.load(open(os.path.join(root, "editors", "vscode", "package.json")))
    langs = pkg["contributes"]["languages"]
    if not any(l["id"] == "lux" and ".lux" in l["extensions"] for l in langs):
        print("package.json: no `lux` language for `.lux` files")
        ok = False
    print("ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
