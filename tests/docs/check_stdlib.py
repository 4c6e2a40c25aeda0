#!/usr/bin/env python3
"""docs/stdlib.md against stdlib/builtins.def, both ways.

Every row of builtins.def (`LUX_BUILTIN(Owner, Name, Form, "Cpp", "Signature")`) must have an
entry in a table of docs/stdlib.md: a line `| \`name\` | \`signature\` | ... |`, the name written
`name` for Global rows, `Owner.name` for module and Model rows, the signature exactly as the row
writes it (`|` between overloads escaped as `\\|` in the table). An entry whose name is no row
fails too, and so does a row whose C++ function is not declared in <lux/stdlib.h> (KeyOrOrder
rows: `<Cpp>By` and `<Cpp>With`), and a row whose signature uses `Any` (unchecked): every built-in
has a precise generic signature, a type parameter `T` where it takes any value.

Usage: check_stdlib.py --root REPO
"""
import argparse
import re
import sys

ROW = re.compile(r'^\s*LUX_BUILTIN\(\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*"([^"]*)"\s*,\s*"([^"]*)"\s*\)', re.M | re.S)
ENTRY = re.compile(r'^\|\s*`([\w.]+)`\s*\|\s*`((?:[^`])*)`\s*\|')


def builtins(path):
    text = open(path, encoding="utf-8").read()
    # Rows may span lines; comment lines are blanked (line numbers stay).
    code = "\n".join("" if l.lstrip().startswith("//") else l for l in text.splitlines())
    rows = []
    for m in ROW.finditer(code):
        owner, name, form, cpp, sig = m.groups()
        shown = name if owner == "Global" else "%s.%s" % (owner, name)
        rows.append((shown, form, cpp, sig, code.count("\n", 0, m.start()) + 1))
    calls = code.count("LUX_BUILTIN(") - code.count("#define LUX_BUILTIN(")
    if calls != len(rows):
        sys.exit("check_stdlib.py: %d LUX_BUILTIN rows in %s, %d understood" % (calls, path, len(rows)))
    return rows


def entries(path):
    out = {}
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        m = ENTRY.match(line)
        if m and m.group(2).startswith("("):
            out.setdefault(m.group(1), []).append((m.group(2).replace("\\|", "|"), n))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    def_path = args.root + "/stdlib/builtins.def"
    doc_path = args.root + "/docs/stdlib.md"
    header = open(args.root + "/stdlib/include/lux/stdlib.h", encoding="utf-8").read()
    rows = builtins(def_path)
    docs = entries(doc_path)
    errors = []
    names = set()
    for shown, form, cpp, sig, line in rows:
        names.add(shown)
        got = docs.get(shown)
        if not got:
            errors.append("%s:%d: `%s` has no entry in docs/stdlib.md (a table line `| `%s` | `%s` | what it does |`)"
                          % (def_path, line, shown, shown, sig))
        else:
            for doc_sig, n in got:
                if doc_sig != sig:
                    errors.append("%s:%d: the signature of `%s` is `%s`, stdlib/builtins.def:%d says `%s`"
                                  % (doc_path, n, shown, doc_sig, line, sig))
            if len(got) > 1:
                errors.append("%s:%d: `%s` has %d entries" % (doc_path, got[1][1], shown, len(got)))
        if re.search(r'\bAny\b', sig):
            errors.append("%s:%d: the signature of `%s` uses `Any`: give it a type parameter (`T`), `Json`, `Object` "
                          "or overloads (docs/stdlib.md, \"Signatures\")" % (def_path, line, shown))
        fns = [cpp + "By", cpp + "With"] if form == "KeyOrOrder" else [cpp]
        for fn in fns:
            if not re.search(r'\b%s\(' % re.escape(fn), header):
                errors.append("%s:%d: `%s` calls lux::stdlib::%s, which <lux/stdlib.h> does not declare"
                              % (def_path, line, shown, fn))
    for shown, got in sorted(docs.items()):
        if shown not in names:
            errors.append("%s:%d: `%s` is documented but is no built-in of stdlib/builtins.def" % (doc_path, got[0][1], shown))
    for e in errors:
        print(e)
    print("%d built-ins, %d documented, %d problem(s)" % (len(rows), len(docs), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
