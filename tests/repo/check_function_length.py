#!/usr/bin/env python3
"""No function in compiler/ (or common/, code the compiler shares with the runtime) is longer
than MAX_LINES lines: a long function is split into named steps that read top-down.

  check_function_length.py REPO [--list]
First checks the scanner itself on the snippets of SELF_TEST. Then scans every .cpp and .h file
under REPO/compiler/ and REPO/common/ with a small brace matcher (comments, string
and character literals, raw strings and preprocessor lines are blanked first). A `{` at namespace
or class scope opens a function body when the declaration before it has a parameter list (a
`(...)` outside any brace, optionally followed by qualifiers, a trailing return type or a
constructor's initializer list) or is a lambda assigned at namespace scope. A function's length
runs from the first line of its declaration to its closing brace; lambdas and local classes
inside a function count as part of it.
Prints each function over the limit as FILE:LINE: `NAME` is N lines (limit M), and exits 1 if
there was any (names in ALLOWED are reported as allowed and do not fail; a name in ALLOWED that
is no longer long fails, so the list only shrinks). --list prints every function with its length,
longest first.
"""
import os
import re
import sys

MAX_LINES = 120

# Functions of the code generator (compiler/emit/) over the limit when this test was added, by
# "file:name"; each leaves the list when its function is split.
ALLOWED = {
    "compiler/emit/emit_expr.cpp:Emitter::expr",
    "compiler/emit/emit_server.cpp:Emitter::emitServer",
    "compiler/emit/emit_stmt.cpp:Emitter::stmt",
}

# The scanner on shapes it must get right: (C++ text, the (name, first line, length) it must find).
SELF_TEST = [
    ("int f(int a) {\n  return a;\n}\n", [("f", 1, 3)]),
    # A qualified member with a constructor initializer list that uses braces, then a const member.
    ("A::A(int x)\n    : x_{x}, y_(x) {\n  g();\n}\nint A::get() const { return x_; }\n",
     [("A::A", 1, 4), ("A::get", 5, 1)]),
    # Braces inside strings, characters, comments, raw strings and preprocessor lines do not count.
    ('void g() {\n  const char* s = "{";\n  char c = \'}\';\n  // }\n  /* { */\n'
     '  auto r = R"x({ })x";\n#define OPEN {\n}\nvoid h() {}\n', [("g", 1, 8), ("h", 9, 1)]),
    # Functions inside namespaces and classes; a lambda inside a function is part of it; data with
    # braces at namespace scope is not a function; an enum body is not either.
    ("namespace n {\nstruct S {\n  void m() {\n    auto l = [] { return 1; };\n  }\n};\n"
     "const int kTable[] = {1, 2};\nenum class E { A, B };\n"
     "template <typename T>\nT twice(T v)\n{\n  return v + v;\n}\n}  // namespace n\n",
     [("m", 3, 3), ("twice", 9, 5)]),
    # A lambda at namespace scope, an operator, and a trailing return type.
    ("auto add = [](int a, int b) {\n  return a + b;\n};\nbool operator==(A a, A b) { return true; }\n"
     "auto k() -> int {\n  return 1;\n}\n", [("add (lambda)", 1, 3), ("operator==", 4, 1), ("k", 5, 3)]),
]

IDENT = re.compile(r"[A-Za-z_~][A-Za-z_0-9]*(?:\s*::\s*~?[A-Za-z_][A-Za-z_0-9]*)*(?:\s*<[^<>()]*>)?$")
OPERATOR = re.compile(r"(?:[A-Za-z_][A-Za-z_0-9]*\s*::\s*)*operator\s*(?:\(\)|[^\s(]+)$")
SCOPE_KEYWORD = re.compile(r"^(?:template\s*<.*>\s*)?(namespace|struct|class|union|enum|extern)\b", re.S)


def blank(text):
    """Comments, literals and preprocessor lines replaced by spaces; newlines kept."""
    out = []
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c == "#":
            # A preprocessor line, with its backslash continuations.
            j = i
            while j < n and text[j] != "\n":
                if text[j] == "\\" and j + 1 < n and text[j + 1] == "\n":
                    out.append(" \n")
                    j += 2
                    continue
                out.append(" ")
                j += 1
            i = j
            continue
        if c == "\n":
            out.append("\n")
            at_line_start = True
            i += 1
            continue
        if c in " \t":
            out.append(c)
            i += 1
            continue
        at_line_start = False
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
            continue
        raw = re.match(r'(?:u8|[uUL])?R"([^()\\\s]{0,16})\(', text[i:i + 24])
        if raw and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = text.find(")" + raw.group(1) + '"', i + raw.end())
            j = n if end < 0 else end + len(raw.group(1)) + 2
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:j]))
            i = j
            continue
        if c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum():  # a digit separator: 1'000
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else c)
            i = j
            continue
        out.append(c)
        i += 1
    return "".join(out)


def split_top(stmt):
    """The declaration text with everything inside (), [], {} and <> dropped, and where the first
    top-level '(' was."""
    depth = 0
    first_paren = -1
    for k, ch in enumerate(stmt):
        if ch in "([{":
            if ch == "(" and depth == 0 and first_paren < 0:
                first_paren = k
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return first_paren


def function_name(stmt):
    """The name before the parameter list of a declaration, or None when it is not a function."""
    stmt = stmt.strip()
    if not stmt or SCOPE_KEYWORD.match(stmt) and "(" not in stmt.split("{")[0]:
        return None
    head = stmt
    # A lambda at namespace scope: `auto f = [...](...) ... {`.
    eq = re.search(r"=\s*\[", head)
    if eq and "(" not in head[:eq.start()]:
        name = head[:eq.start()].split()
        return (name[-1] if name else "lambda") + " (lambda)"
    p = split_top(head)
    if p < 0:
        return None
    before = head[:p].rstrip()
    if "=" in re.sub(r"operator\s*\S+", "", before):
        return None
    # After the parameter list: qualifiers, a trailing return type or an initializer list.
    depth, k = 0, p
    while k < len(head):
        if head[k] == "(":
            depth += 1
        elif head[k] == ")":
            depth -= 1
            if depth == 0:
                break
        k += 1
    after = head[k + 1:].strip()
    if after and not re.match(r"^(?:const|noexcept|override|final|mutable|volatile|&|&&|->|:|try\b|requires\b)", after):
        return None
    m = OPERATOR.search(before) or IDENT.search(before)
    if not m:
        return None
    name = re.sub(r"\s+", "", m.group(0))
    if name in ("if", "for", "while", "switch", "catch", "return", "sizeof", "decltype", "alignof"):
        return None
    return name


def in_init_list(stmt):
    """True when the `{` after `stmt` is a member's brace initializer (`A::A() : x_{` ...)."""
    p = split_top(stmt)
    depth, k = 0, p
    while k < len(stmt):
        if stmt[k] == "(":
            depth += 1
        elif stmt[k] == ")":
            depth -= 1
            if depth == 0:
                break
        k += 1
    after = stmt[k + 1:].strip()
    return after.startswith(":") and re.search(r"[\w>]\s*$", stmt) is not None


def scan_text(source):
    """(name, first line, length) of every function in one file's text."""
    text = blank(source)
    results = []
    line = 1
    stmt_start = 0  # index where the current declaration's text starts
    # Each open brace at namespace/class level: "scope" (namespace, class, extern) or "other".
    stack = []
    paren = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c in "([":
            paren += 1
        elif c in ")]":
            paren = max(0, paren - 1)
        elif c == ";" and paren == 0 and not any(s == "other" for s in stack):
            stmt_start = i + 1
        elif c == "{":
            if paren > 0 or any(s == "other" for s in stack):
                stack.append("other")
            else:
                stmt = text[stmt_start:i]
                name = function_name(stmt)
                if name is not None and in_init_list(stmt):
                    # `x_{v}` in a constructor's initializer list: skip the braces.
                    depth, j = 1, i + 1
                    while j < n and depth:
                        depth += {"{": 1, "}": -1}.get(text[j], 0)
                        line += text[j] == "\n"
                        j += 1
                    i = j
                    continue
                if name is None:
                    kind = "scope" if SCOPE_KEYWORD.match(stmt.strip()) and not stmt.strip().startswith("enum") else "other"
                    stack.append(kind)
                    if kind == "scope":
                        stmt_start = i + 1
                else:
                    lead = len(stmt) - len(stmt.lstrip())
                    first = line - text[stmt_start + lead:i].count("\n")
                    depth, j, end_line = 1, i + 1, line
                    while j < n and depth:
                        if text[j] == "{":
                            depth += 1
                        elif text[j] == "}":
                            depth -= 1
                        elif text[j] == "\n":
                            end_line += 1
                        j += 1
                    results.append((name, first, end_line - first + 1))
                    line = end_line
                    i = j
                    stmt_start = j
                    continue
        elif c == "}":
            if stack:
                stack.pop()
            if not any(s == "other" for s in stack):
                stmt_start = i + 1
        i += 1
    return results


def self_test():
    ok = True
    for text, expected in SELF_TEST:
        got = scan_text(text)
        if got != expected:
            print(f"check_function_length: the scanner is wrong on\n{text}\n  expected {expected}\n  got      {got}")
            ok = False
    return ok


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = os.path.abspath(args[0] if args else ".")
    limit = MAX_LINES
    if not self_test():
        return 1
    found = []
    for top in ("compiler", "common"):
        for d, dirs, names in os.walk(os.path.join(root, top)):
            dirs.sort()
            for name in sorted(names):
                if name.endswith((".cpp", ".h")):
                    path = os.path.join(d, name)
                    rel = os.path.relpath(path, root)
                    with open(path, encoding="utf-8", errors="replace") as f:
                        found += [(rel, fn, first, length) for fn, first, length in scan_text(f.read())]
    if not found:
        print(f"check_function_length: no functions found under {root}/compiler")
        return 1
    if "--list" in sys.argv:
        for rel, fn, first, length in sorted(found, key=lambda r: -r[3]):
            print(f"{length:5}  {rel}:{first}: {fn}")
        return 0
    failures = 0
    for rel, fn, first, length in found:
        if length <= limit:
            continue
        if f"{rel}:{fn}" in ALLOWED:
            print(f"{rel}:{first}: `{fn}` is {length} lines (limit {limit}; allowed for now)")
            continue
        print(f"{rel}:{first}: `{fn}` is {length} lines (limit {limit}): split it into named steps")
        failures += 1
    stale = {a for a in ALLOWED if not any(f"{r}:{fn}" == a and ln > limit for r, fn, _, ln in found)}
    for a in sorted(stale):
        print(f"{a}: allowed to be long but is not (or no longer exists): remove it from ALLOWED")
        failures += 1
    print(f"check_function_length: {len(found)} functions, {failures} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
