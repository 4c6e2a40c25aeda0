#!/usr/bin/env python3
"""The keyword list grammar/keywords.def is the only hand-written list of Lux's keywords.

  check_keywords.py REPO
The grammar is generated from it (grammar/generate_grammar.cmake); this checks what is not:
- docs/language.md lists exactly its hard keywords (the "Keywords:" item of the lexical
  structure) and exactly its soft ones (the "Soft keywords" item);
- tests/fuzz/lux.dict holds every keyword, so the fuzzer's dictionary knows them all;
- the grammar templates (grammar/*.g4.in) hold no hand-written name set (`IDENT | ENV ...`):
  a name set is `IDENT | @SOFT_KEYWORDS@` and grows with the list.
Prints each failure and exits 1 if there was any.
"""
import os
import re
import sys

ENTRY = re.compile(r'^LUX_KEYWORD\(\s*([A-Z][A-Z0-9_]*)\s*,\s*"([a-z_][a-z0-9_]*)"\s*,\s*(Hard|Soft)\s*,\s*\w+\s*\)\s*$')


def read(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return f.read()


def doc_item(text, lead):
    """The words of the first backticked span of the docs/language.md list item starting `lead`."""
    m = re.search(r"^- " + re.escape(lead) + r"[^`]*`([^`]*)`", text, re.M)
    return set(m.group(1).split()) if m else None


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    failures = []
    keywords = {}  # spelling -> (token, class)
    for line in read(root, "grammar/keywords.def").splitlines():
        m = ENTRY.match(line)
        if m:
            keywords[m.group(2)] = (m.group(1), m.group(3))
    if not keywords:
        failures.append("grammar/keywords.def: no LUX_KEYWORD lines found")
    hard = {k for k, (_, c) in keywords.items() if c == "Hard"}
    soft = {k for k, (_, c) in keywords.items() if c == "Soft"}

    language = read(root, "docs/language.md")
    for lead, expected, what in (("Keywords:", hard, "hard"), ("Soft keywords", soft, "soft")):
        listed = doc_item(language, lead)
        if listed is None:
            failures.append(f"docs/language.md: no list item starting `- {lead}`")
            continue
        for k in sorted(expected - listed):
            failures.append(f"docs/language.md: the {what} keyword `{k}` (grammar/keywords.def) is not listed")
        for k in sorted(listed - expected):
            failures.append(f"docs/language.md: `{k}` is listed as a {what} keyword but grammar/keywords.def says otherwise")

    dictionary = set(re.findall(r'^\w+="([^"]*)"', read(root, "tests/fuzz/lux.dict"), re.M))
    for k in sorted(set(keywords) - dictionary):
        failures.append(f"tests/fuzz/lux.dict: keyword `{k}` is missing")

    tokens = "|".join(t for t, _ in keywords.values())
    hand_written = re.compile(r"\bIDENT\s*\|\s*(" + tokens + r")\b")
    for name in sorted(os.listdir(os.path.join(root, "grammar"))):
        if not name.endswith(".g4.in"):
            continue
        for n, line in enumerate(read(root, "grammar/" + name).splitlines(), 1):
            if hand_written.search(line):
                failures.append(f"grammar/{name}:{n}: a hand-written name set; write `IDENT | @SOFT_KEYWORDS@`")

    for f in failures:
        print(f)
    print(f"check_keywords: {len(hard)} hard and {len(soft)} soft keywords, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
