"""ctest lsp/server: `luxc lsp` driven over its stdin/stdout by a scripted client (lsp_client.py).
Opens samples/monitoring.lux and tests/lsp/programs/shop.lux and checks diagnostics after edits
(code, UTF-16 range, related information), hover, definition across servers, completion, symbols,
a document with a syntax error, protocol errors, and the exit status of shutdown/exit.
Run: python3 tests/lsp/test_lsp.py --luxc build/luxc --root .  [CASE...]"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsp_client import LspClient  # noqa: E402

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print(f"  FAIL: {what}", flush=True)


class Doc:
    """An open document and positions in it by the text around them."""

    def __init__(self, client, path, text=None, uri=None):
        self.c = client
        self.text = text if text is not None else open(path, encoding="utf-8").read()
        self.uri = uri or "file://" + os.path.abspath(path)
        self.version = 1
        client.notify("textDocument/didOpen", {"textDocument": {"uri": self.uri, "languageId": "lux", "version": 1,
                                                                "text": self.text}})
        self.first = client.diagnostics(self.uri, 1)

    def pos(self, needle, shift=0, nth=0):
        """LSP position (UTF-16) of the `nth` occurrence of needle, plus `shift` characters."""
        at = -1
        for _ in range(nth + 1):
            at = self.text.index(needle, at + 1)
        at += shift
        line = self.text.count("\n", 0, at)
        start = self.text.rfind("\n", 0, at) + 1
        return {"line": line, "character": len(self.text[start:at].encode("utf-16-le")) // 2}

    def edit(self, start, end, new_text):
        """An incremental change: [start, end) (positions) replaced; returns the diagnostics."""
        self.version += 1
        self.c.notify("textDocument/didChange", {"textDocument": {"uri": self.uri, "version": self.version},
                                                 "contentChanges": [{"range": {"start": start, "end": end},
                                                                     "text": new_text}]})
        # keep a local copy of the text in step
        lines = self.text.split("\n")
        def off(p):
            line = lines[p["line"]]
            units = line.encode("utf-16-le")[:p["character"] * 2].decode("utf-16-le")
            return sum(len(l) + 1 for l in lines[:p["line"]]) + len(units)
        a, b = off(start), off(end)
        self.text = self.text[:a] + new_text + self.text[b:]
        return self.c.diagnostics(self.uri, self.version)

    def replace_all(self, new_text):
        self.version += 1
        self.text = new_text
        self.c.notify("textDocument/didChange", {"textDocument": {"uri": self.uri, "version": self.version},
                                                 "contentChanges": [{"text": new_text}]})
        return self.c.diagnostics(self.uri, self.version)

    def ask(self, method, pos):
        return self.c.request(method, {"textDocument": {"uri": self.uri}, "position": pos})

    def hover(self, pos):
        h = self.ask("textDocument/hover", pos)
        return h["contents"]["value"] if h else ""


def start(a):
    c = LspClient(a.luxc, ["--debounce-ms", "20"])
    caps = c.initialize()["capabilities"]
    return c, caps


def case_diagnostics(a):
    """Clean sample, then an edit introducing an error: code, UTF-16 range, related information."""
    c, caps = start(a)
    check(caps["textDocumentSync"]["change"] == 2, f"incremental sync offered: {caps['textDocumentSync']}")
    d = Doc(c, os.path.join(a.root, "samples", "monitoring.lux"))
    check([x for x in d.first if x["severity"] == 1] == [], f"monitoring.lux opens without errors: {d.first}")
    # An unknown name after characters outside the BMP on the same line: the column counts UTF-16 units.
    p = d.pos("start = Date.now()")
    diags = d.edit(p, p, 'mark = "é😀 {no_such_name}"\n      ')
    e = [x for x in diags if x["code"] == "E2101"]
    check(len(e) == 1, f"E2101 after the edit: {diags}")
    if e:
        col = len('mark = "é😀 {'.encode("utf-16-le")) // 2 + p["character"]
        want = {"start": {"line": p["line"], "character": col}, "end": {"line": p["line"], "character": col + 12}}
        check(e[0]["range"] == want, f"E2101 range in UTF-16 units: {e[0]['range']} != {want}")
        check(e[0]["source"] == "luxc" and e[0]["severity"] == 1, f"source and severity: {e[0]}")
    # Undo: the diagnostics clear.
    end = {"line": p["line"] + 1, "character": p["character"]}
    diags = d.edit(p, end, "")
    check([x for x in diags if x["severity"] == 1] == [], f"errors gone after undoing the edit: {diags}")
    # A duplicate declaration carries the first declaration as related information.
    s = Doc(c, os.path.join(a.root, "tests", "lsp", "programs", "shop.lux"))
    check(s.first == [], f"shop.lux opens clean: {s.first}")
    p = s.pos("  fn checkout")
    diags = s.edit(p, p, "  fn checkout() { 1 }\n")
    dup = [x for x in diags if x.get("relatedInformation")]
    check(dup and dup[0]["relatedInformation"][0]["location"]["uri"] == s.uri, f"related information: {diags}")
    c.request("shutdown")
    c.notify("exit")
    check(c.close() == 0, "exit after shutdown: status 0")


def case_hover_definition(a):
    """Hover types and signatures; definition across servers, of a job, a type, a field, an event."""
    c, _ = start(a)
    d = Doc(c, os.path.join(a.root, "tests", "lsp", "programs", "shop.lux"))
    hv = d.hover(d.pos("order = Order", 1))
    check("local order: Order" in hv, f"hover on a local: {hv!r}")
    hv = d.hover(d.pos("total: Float)", 1))
    check("parameter total: Float" in hv, f"hover on a parameter: {hv!r}")
    hv = d.hover(d.pos("billing.charge", 9, nth=1))
    check("fn charge(amount: Float, currency: String = …) -> Bool" in hv and "billing" in hv, f"hover on a peer function: {hv!r}")
    hv = d.hover(d.pos("order.total)", 7))
    check("Order.total: Float" in hv, f"hover on a field: {hv!r}")
    hv = d.hover(d.pos("spawn_job(", 2))
    check("spawn_job" in hv and "->" in hv, f"hover on a built-in: {hv!r}")
    hv = d.hover(d.pos('print("receipt', 2))
    check("(T...) -> Unit" in hv and "stdout" in hv, f"built-in signature with its docs/stdlib.md line: {hv!r}")
    hv = d.hover(d.pos('"0 9 * * MON-FRI"', 3))
    check(hv.count("\n- ") == 3 and "09:00:00" in hv, f"next 3 fire times of a cron string: {hv!r}")
    hv = d.hover(d.pos("Order {", 2))
    check("type Order {" in hv and "total: Float" in hv, f"hover on a record type: {hv!r}")
    hv = d.hover(d.pos("name: SHOP_NAME", 8))
    check("env SHOP_NAME: String" in hv, f"hover on an env setting: {hv!r}")

    sig = d.ask("textDocument/signatureHelp", d.pos("charge(order.total)", 8))
    check(sig and "fn charge(amount: Float" in sig["signatures"][0]["label"] and sig["activeParameter"] == 0,
          f"signature help in a peer call: {sig}")
    sig = d.ask("textDocument/signatureHelp", d.pos("spawn_job(send_receipt, order)", 25))
    check(sig and sig["signatures"][0]["label"].startswith("spawn_job") and sig["activeParameter"] == 1,
          f"signature help of a built-in, second argument: {sig}")

    def definition(pos):
        r = d.ask("textDocument/definition", pos)
        return [(x["range"]["start"]["line"], x["range"]["start"]["character"]) for x in r]

    def at(needle, shift=0, nth=0):
        p = d.pos(needle, shift, nth)
        return (p["line"], p["character"])

    check(definition(d.pos("billing.charge", 10, nth=1)) == [at("charge(amount")], "definition across servers: billing.charge")
    check(definition(d.pos("send_receipt, order", 3)) == [at("send_receipt(order")], "definition of a job in spawn_job")
    check(definition(d.pos("order.total)", 8)) == [at("total: Float\n")], "definition of a field")
    check(definition(d.pos("Order {", 1)) == [at("Order {\n")], "definition of a record type")
    check(definition(d.pos('publish("order.paid"', 10)) == [at('"order.paid" fn')], "definition of an event: its subscriber")
    check(definition(d.pos("name: SHOP_NAME", 8)) == [at("SHOP_NAME: String")], "definition of an env setting")
    check(definition(d.pos('discover "billing"', 11)) == [at('server "billing"', 7)], "definition of a discovered server")
    c.request("shutdown")
    c.notify("exit")
    c.close()


def case_references_rename(a):
    """References and rename: locals, a job named in spawn_job, a peer function across servers, a type."""
    c, caps = start(a)
    check(caps.get("referencesProvider") and caps.get("renameProvider"), f"references and rename offered: {caps}")
    d = Doc(c, os.path.join(a.root, "tests", "lsp", "programs", "shop.lux"))

    def refs(pos, decl=True):
        r = c.request("textDocument/references", {"textDocument": {"uri": d.uri}, "position": pos,
                                                  "context": {"includeDeclaration": decl}})
        return [(x["range"]["start"]["line"], x["range"]["start"]["character"]) for x in r]

    def at(needle, shift=0, nth=0):
        p = d.pos(needle, shift, nth)
        return (p["line"], p["character"])

    got = refs(d.pos("order = Order", 1))
    check(got == [at("order = Order"), at("order.total)"), at("order)\n    publish"), at("order)\n    {")], f"references of a local: {got}")
    got = refs(d.pos("charge(amount", 1))
    check(got == [at("charge(amount"), at("charge(order")], f"references of a function called from another server: {got}")
    got = refs(d.pos("send_receipt(order", 1), decl=False)
    check(got == [at("send_receipt, order")], f"uses of a job: {got}")
    got = refs(d.pos("Order {\n", 1))
    check(len(got) == 4, f"references of a type (declaration, two annotations, a construction): {got}")
    edit = c.request("textDocument/rename", {"textDocument": {"uri": d.uri}, "position": d.pos("charge(order", 2),
                                             "newName": "bill"})
    edits = edit["changes"][d.uri]
    check(len(edits) == 2 and all(e["newText"] == "bill" for e in edits), f"rename across servers: {edit}")
    r = c.request("textDocument/prepareRename", {"textDocument": {"uri": d.uri}, "position": d.pos('discover "billing"', 11)})
    check(r is None, f"a discovered service is not renamed: {r}")
    rid = c.request_async("textDocument/rename", {"textDocument": {"uri": d.uri}, "position": d.pos("order = Order", 1),
                                                  "newName": "no good"})
    m = c.wait_for(lambda m: m.get("id") == rid)
    check(m.get("error", {}).get("code") == -32602, f"rename to a non-name: {m}")
    c.request("shutdown")
    c.notify("exit")
    c.close()


def case_completion_symbols(a):
    """Completion after `.` (typed into a document that no longer parses), in scope, in an options
    block, after a route's `with`; document symbols."""
    c, caps = start(a)
    check("." in caps["completionProvider"]["triggerCharacters"], "`.` triggers completion")
    d = Doc(c, os.path.join(a.root, "tests", "lsp", "programs", "shop.lux"))
    p = d.pos("    spawn_job(send_receipt")
    d.edit(p, p, "    order.\n")
    items = d.ask("textDocument/completion", {"line": p["line"], "character": p["character"] + 10})
    labels = {i["label"] for i in items["items"]}
    check(labels == {"id", "total", "note"}, f"fields after `order.`: {labels}")
    items = d.ask("textDocument/completion", {"line": p["line"] + 1, "character": p["character"] + 4})
    labels = {i["label"] for i in items["items"]}
    check({"order", "paid", "total", "checkout", "SHOP_NAME", "billing", "len", "spawn_job", "match", "server"} <= labels,
          f"names in scope, built-ins, keywords: {sorted(labels)[:40]}")
    check("charge" not in labels, "another server's function is not in scope")
    d.edit({"line": p["line"], "character": 0}, {"line": p["line"] + 1, "character": 0}, "    billing.\n")
    items = d.ask("textDocument/completion", {"line": p["line"], "character": p["character"] + 12})
    check({i["label"] for i in items["items"]} == {"charge"}, f"a peer's functions after `billing.`: {items}")
    d.edit({"line": p["line"], "character": 0}, {"line": p["line"] + 1, "character": 0}, "")
    syms = c.request("textDocument/documentSymbol", {"textDocument": {"uri": d.uri}})
    names = [s["name"] for s in syms]
    check(names == ["shared", 'server "billing"', 'server "shop"'], f"top-level symbols: {names}")
    shop = {s["name"] for s in syms[2]["children"]}
    check({"POST /checkout", "send_receipt", "schedule morning", 'subscribe "order.paid"', "checkout", "SHOP_NAME"} <= shop,
          f"symbols of server shop: {shop}")
    check(syms[0]["children"][0]["name"] == "Order" and len(syms[0]["children"][0]["children"]) == 3, "a type with its fields")
    # An options block: the keys its table accepts.
    q = d.pos('  discover "billing"')
    d.edit(q, {"line": q["line"], "character": q["character"] + 20}, '  discover "billing" {\n    \n  }')
    items = d.ask("textDocument/completion", {"line": q["line"] + 1, "character": 4})
    labels = {i["label"] for i in items["items"]}
    check({"url", "timeout", "circuit_breaker", "health"} <= labels, f"discover options: {labels}")
    r = d.pos('route POST "/checkout" with ', 28)
    items = d.ask("textDocument/completion", r)
    labels = {i["label"] for i in items["items"]}
    check({"auth", "role", "timeout", "cache", "rate_limit"} <= labels, f"route modifiers: {labels}")
    c.request("shutdown")
    c.notify("exit")
    c.close()


def case_broken_document(a):
    """A syntax error: its diagnostic; hover, definition and symbols still answer (the last checked
    analysis, positions mapped through the edit; the partial tree for symbols); no crash."""
    c, _ = start(a)
    d = Doc(c, os.path.join(a.root, "tests", "lsp", "programs", "shop.lux"))
    p = d.pos("  fn checkout")
    diags = d.edit(p, p, "  fn broken( {\n")
    check(any(x["code"].startswith("E1") for x in diags), f"a syntax error is reported: {diags}")
    hv = d.hover(d.pos("order = Order", 1))
    check("local order: Order" in hv, f"hover below the broken line (mapped): {hv!r}")
    r = d.ask("textDocument/definition", d.pos("billing.charge", 10, nth=1))
    check(len(r) == 1 and r[0]["range"]["start"] == d.pos("charge(amount"), f"definition below the broken line: {r}")
    syms = c.request("textDocument/documentSymbol", {"textDocument": {"uri": d.uri}})
    check(len(syms) >= 2, f"symbols of a partial tree: {[s['name'] for s in syms]}")
    # A document that never checked: completion from its partial tree (locals, declarations),
    # the built-ins and the keywords.
    b = Doc(c, "broken.lux", text='server "a" {\n  env TOKEN: String = "x"\n  fn helper(count: Int) {\n'
                                  '    total = count + 1\n    \n  }\n  fn broken( {\n}\n', uri="file:///tmp/lsp-broken.lux")
    check(any(x["code"].startswith("E1") for x in b.first), f"opened with a syntax error: {b.first}")
    items = b.ask("textDocument/completion", {"line": 4, "character": 4})
    labels = {i["label"] for i in items["items"]}
    check({"total", "count", "helper", "TOKEN", "len", "match"} <= labels, f"completion on a partial tree: {sorted(labels)}")
    check(not any(l.startswith("__") for l in labels), "no internal helpers offered")
    # Garbage of every kind: still serving.
    for junk in ["", "server {", "}}}}", "\x00\xff", "fn " * 200, '"' + "{" * 300, "server \"a\" { route GET \"/\" => }"]:
        d.replace_all(junk)
        c.request("textDocument/hover", {"textDocument": {"uri": d.uri}, "position": {"line": 0, "character": 3}})
        c.request("textDocument/completion", {"textDocument": {"uri": d.uri}, "position": {"line": 0, "character": 1}})
        c.request("textDocument/documentSymbol", {"textDocument": {"uri": d.uri}})
    check(c.proc.poll() is None, "the server survives broken documents")
    c.request("shutdown")
    c.notify("exit")
    check(c.close() == 0, "exit 0")


def case_protocol(a):
    """Requests before initialize, unknown methods, bad JSON, requests after shutdown, exit codes."""
    c = LspClient(a.luxc)
    rid = c.request_async("textDocument/hover", {})
    m = c.wait_for(lambda m: m.get("id") == rid)
    check(m.get("error", {}).get("code") == -32002, f"before initialize: {m}")
    c.initialize()
    c.send_raw(b"{not json")
    m = c.wait_for(lambda m: "error" in m and m.get("id") is None)
    check(m["error"]["code"] == -32700, f"bad JSON: {m}")
    rid = c.request_async("workspace/noSuchThing", {})
    m = c.wait_for(lambda m: m.get("id") == rid)
    check(m.get("error", {}).get("code") == -32601, f"unknown method: {m}")
    rid = c.request_async("textDocument/hover", {"textDocument": {"uri": "file:///nowhere.lux"}, "position": {"line": 0, "character": 0}})
    m = c.wait_for(lambda m: m.get("id") == rid)
    check(m.get("error", {}).get("code") == -32602, f"a document not open: {m}")
    c.request("shutdown")
    rid = c.request_async("textDocument/hover", {})
    m = c.wait_for(lambda m: m.get("id") == rid)
    check(m.get("error", {}).get("code") == -32600, f"after shutdown: {m}")
    c.notify("exit")
    check(c.close() == 0, "exit after shutdown: 0")
    c = LspClient(a.luxc)
    c.initialize()
    c.notify("exit")
    check(c.close() == 1, "exit without shutdown: 1")
    c = LspClient(a.luxc)
    c.initialize()
    c.proc.stdin.close()
    check(c.close() == 1, "end of input without exit: 1")


def case_debounce(a):
    """A burst of changes is checked once: diagnostics come for the last version only."""
    c = LspClient(a.luxc, ["--debounce-ms", "300", "--verbose"])
    c.initialize()
    d = Doc(c, os.path.join(a.root, "tests", "lsp", "programs", "shop.lux"))
    p = d.pos("  fn checkout")
    burst = b""
    for i in range(5):  # written in one write: the server sees them together, not 300 ms apart
        d.version += 1
        burst += c.frame(json.dumps({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": d.uri, "version": d.version},
            "contentChanges": [{"range": {"start": p, "end": p}, "text": f"  // {i}\n"}]}}).encode())
    c.send_frames(burst)
    msg = c.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    check(msg["params"]["version"] == d.version, f"one check, of the last version: {msg['params']['version']}")
    c.request("shutdown")
    c.notify("exit")
    c.close()
    checks = [l for l in c.stderr_lines if "checked" in l]
    check(len(checks) == 2, f"two checks (open, then the burst): {checks}")


CASES = {n[5:]: f for n, f in dict(globals()).items() if n.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--luxc", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    a.luxc = os.path.abspath(a.luxc)
    for name in a.cases or CASES:
        print(f"lsp/{name}", flush=True)
        started = time.monotonic()
        try:
            CASES[name](a)
        except Exception as e:  # a timeout, a closed stream: the case fails, the others run
            check(False, f"{name}: {type(e).__name__}: {e}")
        print(f"  {time.monotonic() - started:.1f} s", flush=True)
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
